"""The credential chain's STS steps end to end, through tests/tools/creds_tool
(our creds_resolve) against moto's STS (AWS_ENDPOINT_URL_STS): web identity
(environment and profile forms, and its place before the credentials file),
role_arn with source_profile chains and credential_source, the AWS CLI's
role session cache (file name computed by botocore's own fetcher, content
written by botocore's own JSONFileCache), MFA without a terminal, loops,
expired credentials and a missing named profile. Nothing leaves 127.0.0.1.
"""
import json
import os
import stat
import subprocess
import tempfile

import ivstest
from ivstest import case

TOOL = os.path.join(ivstest.BUILD_DIR, "tests", "creds_tool")
BASE_ID = "AKIABASEBASEBASEBASE"
BASE_SECRET = "baseSecret/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
DEFAULT_ID = "AKIADEFAULTDEFAULTDE"
DEFAULT_SECRET = "defaultSecret+BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
ROLE = "arn:aws:iam::123456789012:role/deployer"
ROLE2 = "arn:aws:iam::123456789012:role/second"
DEAD = "http://127.0.0.1:9"   # nothing listens: a call there fails at once
_moto = None


def new_home(credentials="", config=""):
    home = tempfile.mkdtemp(prefix="ivsvc-sts-home-")
    os.mkdir(os.path.join(home, ".aws"), 0o700)
    for name, text in (("credentials", credentials), ("config", config)):
        path = os.path.join(home, ".aws", name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)
    return home


def env_for(home, sts=None, extra=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and "proxy" not in k.lower()}
    env.update({"HOME": home, "AWS_EC2_METADATA_DISABLED": "true", "NO_PROXY": "*",
                "AWS_ENDPOINT_URL_STS": sts or _moto.url, "AWS_MAX_ATTEMPTS": "1"})
    env.update(extra or {})
    return env


def run(env, *args):
    # start_new_session: no controlling terminal, so /dev/tty cannot be opened.
    p = subprocess.run([TOOL] + list(args), env=env, capture_output=True, text=True,
                       timeout=60, start_new_session=True)
    for s in (BASE_SECRET, DEFAULT_SECRET):
        assert s not in p.stdout + p.stderr, "a secret was printed"
    return p


def fields(p):
    assert p.returncode == 0, p.stderr
    return dict(line.split(": ", 1) for line in p.stdout.splitlines())


def token_file(home, text="eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2ln"):
    path = os.path.join(home, "token.jwt")
    with open(path, "w") as f:
        f.write(text + "\n")
    return path


BASE_CREDS = "[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (BASE_ID, BASE_SECRET)
DEFAULT_CREDS = "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (
    DEFAULT_ID, DEFAULT_SECRET)


def botocore_cache_key(role_arn, **extra):
    """The file name the AWS CLI gives this role's cached session."""
    from botocore.credentials import AssumeRoleCredentialFetcher
    f = AssumeRoleCredentialFetcher(client_creator=None, source_credentials=None,
                                    role_arn=role_arn, extra_args=extra)
    return f._create_cache_key()


@case
def web_identity_env_beats_credentials_file():
    home = new_home(credentials=DEFAULT_CREDS)
    env = env_for(home, extra={"AWS_WEB_IDENTITY_TOKEN_FILE": token_file(home),
                               "AWS_ROLE_ARN": ROLE, "AWS_ROLE_SESSION_NAME": "ci"})
    f = fields(run(env))
    assert f["source"] == "web-identity", f
    assert f["access_key_id"] != DEFAULT_ID and f["session_token"] == "yes", f
    assert f["expiration"] != "none", f
    assert ROLE in f["origin"] and "AWS_WEB_IDENTITY_TOKEN_FILE" in f["origin"], f


@case
def web_identity_profile_form():
    home = new_home(credentials=DEFAULT_CREDS)
    cfg = "[profile ci]\nweb_identity_token_file = %s\nrole_arn = %s\n" % (token_file(home), ROLE)
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write(cfg)
    f = fields(run(env_for(home), "--profile", "ci"))
    assert f["source"] == "web-identity" and "profile ci" in f["origin"], f


@case
def web_identity_missing_token_file_is_an_error():
    home = new_home(credentials=DEFAULT_CREDS)
    env = env_for(home, extra={"AWS_WEB_IDENTITY_TOKEN_FILE": os.path.join(home, "nope"),
                               "AWS_ROLE_ARN": ROLE})
    p = run(env)
    assert p.returncode == 1 and "web identity token file" in p.stderr, p.stderr


@case
def role_chain_of_two_and_the_cli_cache():
    cfg = ("[profile a]\nrole_arn = %s\nsource_profile = b\nexternal_id = ext-1\n"
           "duration_seconds = 1800\n[profile b]\nrole_arn = %s\nsource_profile = base\n"
           "role_session_name = fixed\n" % (ROLE, ROLE2))
    home = new_home(credentials=BASE_CREDS, config=cfg)
    f = fields(run(env_for(home), "--profile", "a"))
    assert f["source"] == "assume-role" and f["origin"] == "profile a via role %s" % ROLE, f
    assert f["access_key_id"].startswith("ASIA"), f
    cache = os.path.join(home, ".aws", "cli", "cache")
    key_a = botocore_cache_key(ROLE, ExternalId="ext-1", DurationSeconds=1800)
    key_b = botocore_cache_key(ROLE2, RoleSessionName="fixed")
    names = sorted(os.listdir(cache))
    assert names == sorted([key_a + ".json", key_b + ".json"]), (names, key_a, key_b)
    for n in names:
        assert stat.S_IMODE(os.stat(os.path.join(cache, n)).st_mode) == 0o600
    with open(os.path.join(cache, key_a + ".json")) as fh:
        doc = json.load(fh)
    assert doc["Credentials"]["AccessKeyId"] == f["access_key_id"], doc
    # Reused: with STS unreachable the same session comes back.
    again = fields(run(env_for(home, sts=DEAD), "--profile", "a"))
    assert again["access_key_id"] == f["access_key_id"], again


@case
def session_cached_by_botocore_is_reused():
    from botocore.utils import JSONFileCache
    import datetime
    cfg = "[profile a]\nrole_arn = %s\nsource_profile = base\n" % ROLE
    home = new_home(credentials=BASE_CREDS, config=cfg)
    cache = JSONFileCache(os.path.join(home, ".aws", "cli", "cache"))
    exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    cache[botocore_cache_key(ROLE)] = {"Credentials": {
        "AccessKeyId": "ASIACACHEDBYTHECLI00", "SecretAccessKey": "cachedSecret",
        "SessionToken": "cachedToken", "Expiration": exp}}
    f = fields(run(env_for(home, sts=DEAD), "--profile", "a"))
    assert f["access_key_id"] == "ASIACACHEDBYTHECLI00", f
    # Near expiry (under 15 minutes) it is not reused: STS is called.
    cache[botocore_cache_key(ROLE)] = {"Credentials": {
        "AccessKeyId": "ASIACACHEDBYTHECLI00", "SecretAccessKey": "cachedSecret",
        "SessionToken": "cachedToken", "Expiration": exp - datetime.timedelta(minutes=50)}}
    f = fields(run(env_for(home), "--profile", "a"))
    assert f["access_key_id"] != "ASIACACHEDBYTHECLI00", f


@case
def source_profile_loop_names_the_profiles():
    cfg = ("[profile a]\nrole_arn = %s\nsource_profile = b\n"
           "[profile b]\nrole_arn = %s\nsource_profile = a\n" % (ROLE, ROLE2))
    p = run(env_for(new_home(config=cfg)), "--profile", "a")
    assert p.returncode == 1 and "a -> b -> a" in p.stderr, p.stderr


@case
def self_source_with_keys_is_not_a_loop():
    cfg = "[profile base]\nrole_arn = %s\nsource_profile = base\n" % ROLE
    f = fields(run(env_for(new_home(credentials=BASE_CREDS, config=cfg)), "--profile", "base"))
    assert f["source"] == "assume-role", f


@case
def credential_source_environment():
    cfg = "[profile env]\nrole_arn = %s\ncredential_source = Environment\n" % ROLE
    env = env_for(new_home(config=cfg), extra={"AWS_ACCESS_KEY_ID": BASE_ID,
                                               "AWS_SECRET_ACCESS_KEY": BASE_SECRET})
    # --profile: the chain's own environment step is skipped (as botocore), the
    # role's credential_source still reads the environment.
    f = fields(run(env, "--profile", "env"))
    assert f["source"] == "assume-role" and f["access_key_id"].startswith("ASIA"), f
    cfg = "[profile env]\nrole_arn = %s\ncredential_source = Keychain\n" % ROLE
    p = run(env_for(new_home(config=cfg)), "--profile", "env")
    assert p.returncode == 1 and "Keychain" in p.stderr, p.stderr


@case
def role_without_a_source_is_an_error():
    cfg = "[profile a]\nrole_arn = %s\n" % ROLE
    p = run(env_for(new_home(config=cfg)), "--profile", "a")
    assert p.returncode == 1 and "neither source_profile nor credential_source" in p.stderr


@case
def mfa_without_a_terminal_is_one_line():
    cfg = ("[profile a]\nrole_arn = %s\nsource_profile = base\n"
           "mfa_serial = arn:aws:iam::123456789012:mfa/me\n" % ROLE)
    p = run(env_for(new_home(credentials=BASE_CREDS, config=cfg)), "--profile", "a")
    assert p.returncode == 1 and "no terminal" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr


@case
def named_missing_profile_beats_environment_keys():
    env = env_for(new_home(credentials=DEFAULT_CREDS),
                  extra={"AWS_PROFILE": "typo", "AWS_ACCESS_KEY_ID": BASE_ID,
                         "AWS_SECRET_ACCESS_KEY": BASE_SECRET})
    p = run(env)
    assert p.returncode == 1 and "typo" in p.stderr and "ProfileNotFound" in p.stderr, p.stderr


@case
def expired_credentials_are_refused():
    proc = ("echo '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROCPROCPROCPROC\", "
            "\"SecretAccessKey\": \"x\", \"Expiration\": \"2020-01-02T03:04:05Z\"}'")
    cfg = "[profile p]\ncredential_process = %s\n" % proc
    p = run(env_for(new_home(config=cfg)), "--profile", "p")
    assert p.returncode == 1 and "expired at 2020-01-02T03:04:05Z" in p.stderr, p.stderr
    env = env_for(new_home(), extra={"AWS_ACCESS_KEY_ID": BASE_ID,
                                     "AWS_SECRET_ACCESS_KEY": BASE_SECRET,
                                     "AWS_CREDENTIAL_EXPIRATION": "2021-05-06T07:08:09Z"})
    p = run(env)
    assert p.returncode == 1 and "environment" in p.stderr and "2021-05-06T07:08:09Z" in p.stderr


if __name__ == "__main__":
    with ivstest.MotoServer() as moto:
        _moto = moto
        ivstest.main()
