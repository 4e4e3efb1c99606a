"""integration.whoami - `ivsvc whoami` end to end against moto's STS: the
signed query call, the XML answer, the region, per-service endpoint
overrides, and the failures a user meets first (no credentials, no region,
an endpoint that does not answer). The secret key never appears in output."""
import json
import os
import tempfile
import time

import ivstest
from ivstest import case, clean_env, run_ivsvc, TEST_SECRET

ACCOUNT = "123456789012"
ARN = "arn:aws:sts::123456789012:user/moto"
_moto = None
_outputs = []


def run(args, env, timeout=60):
    p = run_ivsvc(args, env=env, timeout=timeout)
    _outputs.append(p.stdout + p.stderr)
    return p


def one_line(text):
    lines = [l for l in text.splitlines() if l.strip()]
    assert len(lines) == 1, "expected one line, got %r" % text
    return lines[0]


@case
def text_output():
    p = run(["whoami"], clean_env(endpoint=_moto.url))
    assert p.returncode == 0, p.stderr
    fields = dict(l.split(None, 1) for l in p.stdout.splitlines() if l.strip())
    assert fields["account"] == ACCOUNT, p.stdout
    assert fields["arn"] == ARN, p.stdout
    assert fields["region"] == "us-east-1", p.stdout
    assert "credentials from environment" in p.stdout, p.stdout


@case
def json_output():
    p = run(["whoami", "--json"], clean_env(endpoint=_moto.url, region="eu-west-1"))
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    assert j["account"] == ACCOUNT, j
    assert j["arn"] == ARN, j
    assert j["region"] == "eu-west-1", j
    assert j["userId"] == ivstest.TEST_KEY_ID, j
    assert j["credentialSource"] == "environment", j


@case
def region_flag_wins():
    p = run(["whoami", "--json", "--region", "ap-southeast-2"], clean_env(endpoint=_moto.url))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["region"] == "ap-southeast-2"


@case
def sts_endpoint_variable_alone():
    env = clean_env(endpoint=None, extra={"AWS_ENDPOINT_URL_STS": _moto.url})
    assert "AWS_ENDPOINT_URL" not in env
    p = run(["whoami", "--json"], env)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["account"] == ACCOUNT


@case
def no_credentials():
    home = tempfile.mkdtemp(prefix="ivsvc-empty-home-")
    env = clean_env(endpoint=_moto.url, home=home)
    del env["AWS_ACCESS_KEY_ID"]
    del env["AWS_SECRET_ACCESS_KEY"]
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    p = run(["whoami"], env)
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert p.stdout == "", p.stdout
    line = one_line(p.stderr)
    assert "NoCredentials" in line, line
    assert "AWS_ACCESS_KEY_ID" in line, line
    assert os.path.join(home, ".aws", "credentials") in line, line
    assert "metadata" in line, line


@case
def no_region():
    p = run(["whoami"], clean_env(endpoint=_moto.url, region=None))
    assert p.returncode == 1, (p.returncode, p.stderr)
    line = one_line(p.stderr)
    assert "NoRegion" in line, line
    assert "AWS_REGION" in line and "--region" in line, line


@case
def unreachable_endpoint():
    port = ivstest.free_port()  # bound then released: nothing listens there
    env = clean_env(endpoint="http://127.0.0.1:%d" % port)
    t0 = time.time()
    p = run(["whoami"], env, timeout=60)
    elapsed = time.time() - t0
    assert p.returncode == 1, (p.returncode, p.stderr)
    line = one_line(p.stderr)
    assert "NetworkError" in line, line
    assert "127.0.0.1:%d" % port in line, line
    assert "STS GetCallerIdentity" in line, line
    assert "3 attempts" in line, line
    # Three attempts with full-jitter backoff (base 1 s): at most 1 + 2 s of waiting.
    assert elapsed < 15, elapsed


@case
def unreachable_endpoint_fast_retries():
    port = ivstest.free_port()
    env = clean_env(endpoint="http://127.0.0.1:%d" % port,
                    extra={"AWS_MAX_ATTEMPTS": "5", "IVSVC_RETRY_BASE_MS": "10"})
    t0 = time.time()
    p = run(["whoami"], env)
    assert p.returncode == 1
    assert "5 attempts" in p.stderr, p.stderr
    assert time.time() - t0 < 5


def role_home():
    home = tempfile.mkdtemp(prefix="ivsvc-role-home-")
    os.mkdir(os.path.join(home, ".aws"), 0o700)
    with open(os.path.join(home, ".aws", "credentials"), "w") as f:
        f.write("[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                % (ivstest.TEST_KEY_ID, TEST_SECRET))
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write("[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n"
                "source_profile = base\nregion = eu-west-1\n")
    return home


@case
def says_where_credentials_came_from_and_when_they_expire():
    env = clean_env(endpoint=_moto.url, home=role_home())
    p = run(["whoami", "--profile", "dev"], env)
    assert p.returncode == 0, p.stderr
    assert "credentials from assume-role (profile dev via role " \
           "arn:aws:iam::123456789012:role/dev)" in p.stdout, p.stdout
    assert "assumed-role/dev/" in p.stdout, p.stdout
    assert "\nexpires  20" in p.stdout, p.stdout
    p = run(["whoami", "--json"], clean_env(endpoint=_moto.url))
    j = json.loads(p.stdout)
    assert j["credentialOrigin"] == "environment (AWS_ACCESS_KEY_ID)", j
    assert "credentialExpiration" not in j, j


@case
def web_identity_env_is_used_before_the_credentials_file():
    home = role_home()
    token = os.path.join(home, "token")
    with open(token, "w") as f:
        f.write("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2ln")
    env = clean_env(endpoint=_moto.url, home=home,
                    extra={"AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_PROFILE": "base",
                           "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ci"})
    del env["AWS_ACCESS_KEY_ID"]
    del env["AWS_SECRET_ACCESS_KEY"]
    p = run(["whoami", "--json"], env)
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    assert j["credentialSource"] == "web-identity", j
    assert "assumed-role/ci/" in j["arn"], j


@case
def ca_bundle_reaches_the_https_calls():
    from tls_front import TestCA, TlsFront
    d = tempfile.mkdtemp(prefix="ivsvc-ca-")
    ca = TestCA("ivsvc whoami test CA")
    cert, key = ca.server_files(d, ["localhost"])
    bundle = os.path.join(d, "ca.pem")
    with open(bundle, "wb") as f:
        f.write(ca.cert_pem)
    with TlsFront(_moto.port, cert, key) as front:
        url = "https://localhost:%d" % front.port
        p = run(["whoami"], clean_env(endpoint=url, extra={"AWS_MAX_ATTEMPTS": "1"}))
        assert p.returncode == 1, p.stdout
        p = run(["whoami"], clean_env(endpoint=url, extra={"AWS_CA_BUNDLE": bundle}))
        assert p.returncode == 0 and ACCOUNT in p.stdout, p.stderr
        # The profile's ca_bundle, and through it the role's STS call too.
        home = role_home()
        with open(os.path.join(home, ".aws", "config"), "a") as f:
            f.write("ca_bundle = %s\n" % bundle)
        p = run(["whoami", "--profile", "dev"], clean_env(endpoint=url, home=home))
        assert p.returncode == 0 and "assumed-role/dev/" in p.stdout, p.stderr
    p = run(["whoami"], clean_env(endpoint=_moto.url,
                                  extra={"AWS_CA_BUNDLE": os.path.join(d, "missing.pem")}))
    assert p.returncode == 1 and "AWS_CA_BUNDLE" in p.stderr and "missing.pem" in p.stderr


@case
def secret_never_printed():
    assert _outputs, "the other cases ran nothing"
    for out in _outputs:
        assert TEST_SECRET not in out
        assert TEST_SECRET[:12] not in out


if __name__ == "__main__":
    with ivstest.MotoServer() as moto:
        _moto = moto
        ivstest.main()
