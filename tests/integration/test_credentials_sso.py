"""IAM Identity Center credentials through tests/tools/creds_tool, against
tests/sim/sso_sim.py (portal and OIDC, checked against botocore's sso and
sso-oidc models): sso_session profiles and the legacy keys, the token cache
file botocore names, refresh with CreateToken written back, and the one-line
`aws sso login` error when the session is gone. botocore resolves the same
files against the same stand-in, so the formats are the AWS CLI's.
"""
import datetime
import hashlib
import json
import os
import stat
import subprocess
import sys
import tempfile

import ivstest
from ivstest import case
from sso_sim import SsoSim

TOOL = os.path.join(ivstest.BUILD_DIR, "tests", "creds_tool")
START = "https://d-1234567890.awsapps.com/start"
_sim = None


def iso(delta_s):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_s)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def home_with(config, token_key=None, token=None):
    home = tempfile.mkdtemp(prefix="ivsvc-sso-home-")
    os.makedirs(os.path.join(home, ".aws", "sso", "cache"), 0o700)
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write(config)
    if token is not None:
        path = os.path.join(home, ".aws", "sso", "cache",
                            hashlib.sha1(token_key.encode()).hexdigest() + ".json")
        with open(path, "w") as f:
            json.dump(token, f)
        os.chmod(path, 0o600)
    return home


def env_for(home):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and "proxy" not in k.lower()}
    env.update({"HOME": home, "AWS_EC2_METADATA_DISABLED": "true", "NO_PROXY": "*",
                "AWS_ENDPOINT_URL_SSO": _sim.url, "AWS_ENDPOINT_URL_SSO_OIDC": _sim.url})
    return env


def run(home, profile):
    p = subprocess.run([TOOL, "--profile", profile], env=env_for(home), capture_output=True,
                       text=True, timeout=60)
    assert "ssoSecret" not in p.stdout + p.stderr and "tok-" not in p.stdout + p.stderr
    return p


def fields(p):
    assert p.returncode == 0, p.stderr
    return dict(line.split(": ", 1) for line in p.stdout.splitlines())


SESSION_CFG = ("[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
               "sso_role_name = Admin\nregion = eu-west-1\n"
               "[sso-session corp]\nsso_start_url = %s\nsso_region = us-east-1\n"
               "sso_registration_scopes = sso:account:access\n" % START)
LEGACY_CFG = ("[profile old]\nsso_start_url = %s\nsso_region = us-east-1\n"
              "sso_account_id = 111122223333\nsso_role_name = Admin\n" % START)


def token(access, expires_in, refresh=None):
    t = {"startUrl": START, "region": "us-east-1", "accessToken": access,
         "expiresAt": iso(expires_in)}
    if refresh:
        t.update({"clientId": "cid", "clientSecret": "csecret", "refreshToken": refresh,
                  "registrationExpiresAt": iso(86400)})
    return t


def check_model():
    assert not _sim.violations, _sim.violations


@case
def sso_session_profile():
    _sim.tokens["tok-a"] = ("111122223333", "Admin")
    home = home_with(SESSION_CFG, "corp", token("tok-a", 3600))
    f = fields(run(home, "dev"))
    assert f["source"] == "sso" and f["access_key_id"].startswith("ASIASSO"), f
    assert f["origin"] == "profile dev via SSO session corp (role Admin in 111122223333)", f
    assert f["expiration"] != "none", f
    assert _sim.calls[-1] == ("GetRoleCredentials", {"roleName": "Admin",
                                                     "accountId": "111122223333",
                                                     "accessToken": "tok-a"}), _sim.calls[-1]
    check_model()


@case
def legacy_profile_keys():
    _sim.tokens["tok-b"] = ("111122223333", "Admin")
    home = home_with(LEGACY_CFG, START, token("tok-b", 3600))
    f = fields(run(home, "old"))
    assert f["source"] == "sso" and "profile old via SSO" in f["origin"], f
    check_model()


@case
def token_cache_name_is_botocores():
    from botocore.utils import SSOTokenLoader
    loader = SSOTokenLoader(cache={})
    assert loader._generate_cache_key(START, "corp") == hashlib.sha1(b"corp").hexdigest()
    assert loader._generate_cache_key(START, None) == hashlib.sha1(START.encode()).hexdigest()


@case
def near_expiry_token_is_refreshed_and_written_back():
    _sim.refresh["rt-1"] = "tok-c"
    _sim.tokens["tok-c"] = ("111122223333", "Admin")
    home = home_with(SESSION_CFG, "corp", token("tok-old", 300, refresh="rt-1"))
    f = fields(run(home, "dev"))
    assert f["source"] == "sso", f
    ops = [c[0] for c in _sim.calls[-2:]]
    assert ops == ["CreateToken", "GetRoleCredentials"], _sim.calls[-2:]
    assert _sim.calls[-2][1] == {"grantType": "refresh_token", "clientId": "cid",
                                 "clientSecret": "csecret", "refreshToken": "rt-1"}
    path = os.path.join(home, ".aws", "sso", "cache", hashlib.sha1(b"corp").hexdigest() + ".json")
    with open(path) as fh:
        t = json.load(fh)
    assert t["accessToken"] == "tok-c" and t["refreshToken"] == "rt-1-next", t
    assert t["expiresAt"] > iso(3000) and t["clientId"] == "cid", t
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    check_model()


def one_line_login_error(p, profile):
    assert p.returncode == 1, p.stdout
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "run `aws sso login --profile %s`" % profile in lines[0], p.stderr


@case
def gone_session_says_run_aws_sso_login():
    one_line_login_error(run(home_with(SESSION_CFG), "dev"), "dev")
    home = home_with(LEGACY_CFG, START, token("tok-b", -60))
    one_line_login_error(run(home, "old"), "old")
    home = home_with(SESSION_CFG, "corp", token("tok-x", -60, refresh="rt-unknown"))
    one_line_login_error(run(home, "dev"), "dev")
    _sim.tokens.pop("tok-z", None)
    home = home_with(SESSION_CFG, "corp", token("tok-z", 3600))
    one_line_login_error(run(home, "dev"), "dev")


@case
def botocore_reads_the_same_files_from_the_same_stand_in():
    _sim.tokens["tok-d"] = ("111122223333", "Admin")
    home = home_with(SESSION_CFG, "corp", token("tok-d", 3600))
    script = ("import boto3; c = boto3.Session(profile_name='dev').get_credentials(); "
              "f = c.get_frozen_credentials(); print(c.method, f.access_key[:7])")
    p = subprocess.run([sys.executable, "-c", script], env=env_for(home), capture_output=True,
                       text=True, timeout=60)
    assert p.stdout.split() == ["sso", "ASIASSO"], (p.stdout, p.stderr[-500:])
    ours = fields(run(home, "dev"))
    assert ours["source"] == "sso", ours
    check_model()


if __name__ == "__main__":
    with SsoSim() as sim:
        _sim = sim
        ivstest.main()
