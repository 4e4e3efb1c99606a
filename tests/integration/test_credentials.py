"""The credential chain end to end, through tests/tools/creds_tool (our
creds_resolve): each case builds a temporary HOME and environment, runs the
tool, and checks the source, key id, token presence, the SHA-256 of the
secret and the expiration. Container and IMDS endpoints are small
http.server instances on loopback that check the headers the real ones
require. Every run also asserts no secret reaches the tool's stdout/stderr.
"""
import hashlib
import http.server
import json
import os
import stat
import subprocess
import sys
import tempfile
import threading
import time

import ivstest
from ivstest import case

TOOL = os.path.join(ivstest.BUILD_DIR, "tests", "creds_tool")

# Every secret any case hands out; none may ever be printed.
SECRETS = [
    "envSecret/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "fileSecretDefault+BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
    "fileSecretDev/CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC",
    "configSecret+DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD",
    "processSecret/EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE",
    "containerSecret+FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    "imdsSecret/GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG",
    "sessionTokenHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH",
    "containerAuthTokenIIIIIIIIIIIIIIIIIIIIIIIII",
    "imdsSessionTokenJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJ",
    "failingProcessSecretKKKKKKKKKKKKKKKKKKKKKKKKKK",
]
(ENV_SECRET, DEFAULT_SECRET, DEV_SECRET, CONFIG_SECRET, PROCESS_SECRET, CONTAINER_SECRET,
 IMDS_SECRET, SESSION_TOKEN, CONTAINER_AUTH, IMDS_TOKEN, FAILING_SECRET) = SECRETS


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


def new_home():
    home = tempfile.mkdtemp(prefix="ivsvc-creds-home-")
    os.mkdir(os.path.join(home, ".aws"), 0o700)
    return home


def write(home, rel, text, mode=0o600):
    path = os.path.join(home, rel)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def env_for(home, extra=None):
    """No AWS_* or proxy settings from the caller; IMDS off unless a case
    turns it on (a loopback fake)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and "proxy" not in k.lower()}
    env["HOME"] = home
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["NO_PROXY"] = "*"
    if extra:
        env.update(extra)
    return env


def run(env, *args, timeout=30):
    p = subprocess.run([TOOL] + list(args), env=env, capture_output=True, text=True,
                       timeout=timeout)
    for s in SECRETS:
        assert s not in p.stdout and s not in p.stderr, "a secret was printed: %r" % (p,)
    return p


def resolved(env, *args):
    p = run(env, *args)
    assert p.returncode == 0, "creds_tool failed: %s" % p.stderr
    out = {}
    for line in p.stdout.splitlines():
        k, _, v = line.partition(": ")
        out[k] = v
    return out


def failed(env, *args, timeout=30):
    p = run(env, *args, timeout=timeout)
    assert p.returncode != 0, "expected a failure, got: %s" % p.stdout
    assert p.stdout == "", p.stdout
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, "expected one line, got: %r" % p.stderr
    return lines[0]


FILES_CREDS = ("[default]\naws_access_key_id = AKIDDEFAULTFILE\n"
               "aws_secret_access_key = %s\n"
               "[dev]\naws_access_key_id = AKIDDEVFILE\naws_secret_access_key = %s\n"
               "aws_session_token = %s\n" % (DEFAULT_SECRET, DEV_SECRET, SESSION_TOKEN))


class Server:
    """An http.server on a free loopback port running `handler(req)` per
    request; req.log collects (method, path, headers)."""

    def __init__(self, handler):
        log = self.log = []

        class H(http.server.BaseHTTPRequestHandler):
            def _any(self):
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                log.append((self.command, self.path, dict(self.headers)))
                status, body = handler(self)
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = _any

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
        return False


@case
def env_wins_over_files():
    home = new_home()
    write(home, ".aws/credentials", FILES_CREDS)
    env = env_for(home, {"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": ENV_SECRET,
                         "AWS_SESSION_TOKEN": SESSION_TOKEN, "AWS_PROFILE": "dev"})
    r = resolved(env)
    assert r["source"] == "environment", r
    assert r["access_key_id"] == "AKIDENV", r
    assert r["secret_sha256"] == sha(ENV_SECRET), r
    assert r["session_token"] == "yes", r
    assert r["expiration"] == "none", r
    assert r["warning"] == "none", r


@case
def profile_from_AWS_PROFILE_and_flag():
    home = new_home()
    write(home, ".aws/credentials", FILES_CREDS)
    r = resolved(env_for(home))
    assert (r["source"], r["access_key_id"]) == ("shared-credentials-file", "AKIDDEFAULTFILE"), r
    assert r["secret_sha256"] == sha(DEFAULT_SECRET) and r["session_token"] == "no", r
    r = resolved(env_for(home, {"AWS_PROFILE": "dev"}))
    assert r["access_key_id"] == "AKIDDEVFILE" and r["session_token"] == "yes", r
    assert r["secret_sha256"] == sha(DEV_SECRET), r
    # --profile beats AWS_PROFILE, and (as botocore) the environment's keys.
    env = env_for(home, {"AWS_PROFILE": "nope", "AWS_ACCESS_KEY_ID": "AKIDENV",
                         "AWS_SECRET_ACCESS_KEY": ENV_SECRET})
    r = resolved(env, "--profile", "dev")
    assert (r["source"], r["access_key_id"]) == ("shared-credentials-file", "AKIDDEVFILE"), r
    # A profile named but missing everywhere is an error, not someone else's keys.
    line = failed(env_for(home, {"AWS_PROFILE": "typo"}))
    assert "profile `typo` is in neither" in line and "ProfileNotFound" in line, line


@case
def config_profile_sections():
    home = new_home()
    write(home, ".aws/config",
          "[profile cfg]\nregion = eu-west-1\naws_access_key_id = AKIDCONFIG\n"
          "aws_secret_access_key = %s\n"
          "[bare]\naws_access_key_id = AKIDBARE\naws_secret_access_key = x\n" % CONFIG_SECRET)
    r = resolved(env_for(home), "--profile", "cfg")
    assert (r["source"], r["access_key_id"]) == ("shared-config-file", "AKIDCONFIG"), r
    assert r["secret_sha256"] == sha(CONFIG_SECRET), r
    # "[bare]" in the config file is not a profile (it would be "[profile bare]").
    line = failed(env_for(home), "--profile", "bare")
    assert "ProfileNotFound" in line, line
    # AWS_CONFIG_FILE moves the file.
    other = write(home, "elsewhere.ini", "[default]\naws_access_key_id = AKIDELSEWHERE\n"
                  "aws_secret_access_key = %s\n" % CONFIG_SECRET)
    r = resolved(env_for(home, {"AWS_CONFIG_FILE": other}))
    assert r["access_key_id"] == "AKIDELSEWHERE", r


@case
def credentials_file_wins_over_config():
    home = new_home()
    write(home, ".aws/credentials", FILES_CREDS)
    write(home, ".aws/config", "[default]\naws_access_key_id = AKIDCONFIG\n"
          "aws_secret_access_key = %s\n" % CONFIG_SECRET)
    r = resolved(env_for(home))
    assert (r["source"], r["access_key_id"]) == ("shared-credentials-file", "AKIDDEFAULTFILE"), r
    # AWS_SHARED_CREDENTIALS_FILE pointing nowhere: the config file's keys.
    r = resolved(env_for(home, {"AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "none")}))
    assert (r["source"], r["access_key_id"]) == ("shared-config-file", "AKIDCONFIG"), r


@case
def incomplete_profile_is_an_error():
    home = new_home()
    path = write(home, ".aws/credentials", "[default]\naws_access_key_id = AKIDHALF\n")
    write(home, ".aws/config", "[default]\naws_access_key_id = AKIDCONFIG\n"
          "aws_secret_access_key = %s\n" % CONFIG_SECRET)
    line = failed(env_for(home))
    assert "%s [default] has aws_access_key_id but no aws_secret_access_key" % path in line, line
    assert "IncompleteCredentials" in line, line
    # A malformed file names file:line and never quotes the line.
    write(home, ".aws/credentials", "[default]\naws_secret_access_key %s\n" % DEFAULT_SECRET)
    line = failed(env_for(home))
    assert "%s:2:" % path in line and "BadConfigFile" in line, line


def process_script(home, name, body):
    return write(home, name, "#!/bin/sh\n" + body, 0o700)


@case
def credential_process_prints_json():
    home = new_home()
    doc = {"Version": 1, "AccessKeyId": "AKIDPROCESS", "SecretAccessKey": PROCESS_SECRET,
           "SessionToken": SESSION_TOKEN, "Expiration": "2030-01-02T03:04:05+01:00"}
    script = process_script(home, "creds.sh",
                            "[ \"$1\" = --profile ] && [ \"$2\" = proc ] || exit 9\n"
                            "echo 'noise on stderr' >&2\n"
                            "cat <<'JSON'\n%s\nJSON\n" % json.dumps(doc, indent=2))
    write(home, ".aws/config", "[profile proc]\ncredential_process = %s --profile proc\n" % script)
    r = resolved(env_for(home), "--profile", "proc")
    assert r["source"] == "credential_process", r
    assert r["access_key_id"] == "AKIDPROCESS", r
    assert r["secret_sha256"] == sha(PROCESS_SECRET), r
    assert r["session_token"] == "yes", r
    assert r["expiration"] == "2030-01-02T02:04:05Z", r
    assert r["expiring_in_5_min"] == "no", r
    # In the credentials file it wins over the config file's keys.
    write(home, ".aws/config", "[profile proc]\naws_access_key_id = AKIDCONFIG\n"
          "aws_secret_access_key = %s\n" % CONFIG_SECRET)
    write(home, ".aws/credentials", "[proc]\ncredential_process = %s --profile proc\n" % script)
    r = resolved(env_for(home), "--profile", "proc")
    assert r["source"] == "credential_process", r


@case
def credential_process_failures():
    home = new_home()
    doc = json.dumps({"Version": 1, "AccessKeyId": "AKIDFAIL", "SecretAccessKey": FAILING_SECRET})
    fail = process_script(home, "fail.sh", "echo '%s'\necho '%s' >&2\nexit 3\n" % (doc, FAILING_SECRET))
    cfg = write(home, ".aws/config", "[default]\ncredential_process = %s\n" % fail)
    line = failed(env_for(home))
    assert "credential_process in %s [default] failed with exit status 3" % cfg in line, line
    assert "AKIDFAIL" not in line, line

    v2 = process_script(home, "v2.sh", "echo '%s'\n" % doc.replace('"Version": 1', '"Version": 2'))
    write(home, ".aws/config", "[default]\ncredential_process = %s\n" % v2)
    line = failed(env_for(home))
    assert "printed unusable credentials" in line and "Version" in line, line

    write(home, ".aws/config", "[default]\ncredential_process = sleep 30\n")
    t0 = time.time()
    line = failed(env_for(home, {"IVSVC_CREDENTIAL_PROCESS_TIMEOUT": "1"}))
    assert time.time() - t0 < 10, "the timeout did not stop it"
    assert "did not finish within 1 s" in line, line

    write(home, ".aws/config", "[default]\ncredential_process = /nonexistent/helper\n")
    line = failed(env_for(home))
    assert "failed with exit status 127" in line, line


def container_handler(token):
    def handle(req):
        if req.path != "/creds/v1":
            return 404, "not here"
        if req.headers.get("Authorization") != token:
            return 401, "bad token"
        return 200, json.dumps({"AccessKeyId": "AKIDCONTAINER", "SecretAccessKey": CONTAINER_SECRET,
                                "Token": SESSION_TOKEN, "Expiration": "2030-05-06T07:08:09Z",
                                "RoleArn": "arn:aws:iam::123456789012:role/task"})
    return handle


@case
def container_full_uri():
    home = new_home()
    with Server(container_handler(CONTAINER_AUTH)) as srv:
        env = env_for(home, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.url + "/creds/v1",
                             "AWS_CONTAINER_AUTHORIZATION_TOKEN": CONTAINER_AUTH})
        r = resolved(env)
        assert r["source"] == "container", r
        assert r["access_key_id"] == "AKIDCONTAINER", r
        assert r["secret_sha256"] == sha(CONTAINER_SECRET), r
        assert r["session_token"] == "yes" and r["expiration"] == "2030-05-06T07:08:09Z", r
        assert srv.log[-1][2].get("Authorization") == CONTAINER_AUTH

        # The token file wins over the variable (the variable is now wrong).
        tokfile = write(home, "token", CONTAINER_AUTH + "\n")
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "wrong"
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = tokfile
        assert resolved(env)["access_key_id"] == "AKIDCONTAINER"

        # A wrong token is an error with the status, not a fall-through.
        del env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]
        line = failed(env)
        assert "answered HTTP 401" in line and srv.url in line, line
        assert "wrong" not in line, line
        n = len(srv.log)

    # Plain http to anything but loopback / the ECS addresses is refused
    # before any connection is made.
    for url in ("http://10.1.2.3/creds", "http://example.com/creds", "ftp://127.0.0.1/x"):
        line = failed(env_for(home, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": url}))
        assert "AWS_CONTAINER_CREDENTIALS_FULL_URI must be an https:// URL" in line, line
    assert n == 3


def imds_handler(state):
    def handle(req):
        if req.command == "PUT" and req.path == "/latest/api/token":
            if req.headers.get("X-aws-ec2-metadata-token-ttl-seconds") != "21600":
                return 400, "missing ttl"
            return 200, IMDS_TOKEN
        if req.command != "GET":
            return 405, ""
        if req.headers.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
            return 401, ""
        if req.path == "/latest/meta-data/iam/security-credentials/":
            if state.get("no_role"):
                return 404, ""
            return 200, "ivs-test-role\n"
        if req.path == "/latest/meta-data/iam/security-credentials/ivs-test-role":
            return 200, json.dumps({"Code": "Success", "LastUpdated": "2024-01-01T00:00:00Z",
                                    "Type": "AWS-HMAC", "AccessKeyId": "AKIDIMDS",
                                    "SecretAccessKey": IMDS_SECRET, "Token": SESSION_TOKEN,
                                    "Expiration": state.get("exp", "2030-01-01T00:00:00Z")})
        return 404, ""
    return handle


@case
def imds_v2():
    home = new_home()
    state = {}
    with Server(imds_handler(state)) as srv:
        env = env_for(home, {"AWS_EC2_METADATA_DISABLED": "false",
                             "AWS_EC2_METADATA_SERVICE_ENDPOINT": srv.url + "/"})
        r = resolved(env)
        assert r["source"] == "imds", r
        assert r["access_key_id"] == "AKIDIMDS", r
        assert r["secret_sha256"] == sha(IMDS_SECRET), r
        assert r["session_token"] == "yes", r
        assert r["expiration"] == "2030-01-01T00:00:00Z", r
        methods = [(m, p) for m, p, _ in srv.log]
        assert methods == [("PUT", "/latest/api/token"),
                           ("GET", "/latest/meta-data/iam/security-credentials/"),
                           ("GET", "/latest/meta-data/iam/security-credentials/ivs-test-role")], methods
        assert all(h.get("X-aws-ec2-metadata-token") == IMDS_TOKEN for _, _, h in srv.log[1:])

        # Credentials about to expire are reported as such (the client refreshes).
        soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 120))
        state["exp"] = soon
        r = resolved(env)
        assert r["expiration"] == soon and r["expiring_in_5_min"] == "yes", r

        # No role attached: not an error, a note in the NoCredentials line.
        state["no_role"] = True
        line = failed(env)
        assert "NoCredentials" in line and "no IAM role attached at %s" % srv.url in line, line


@case
def imds_disabled():
    home = new_home()
    with Server(imds_handler({})) as srv:
        env = env_for(home, {"AWS_EC2_METADATA_DISABLED": "TRUE",
                             "AWS_EC2_METADATA_SERVICE_ENDPOINT": srv.url})
        line = failed(env)
        assert "instance metadata (disabled by AWS_EC2_METADATA_DISABLED)" in line, line
        assert srv.log == [], srv.log


@case
def no_credentials_at_all():
    home = new_home()
    port = ivstest.free_port()  # nothing listens there
    env = env_for(home, {"AWS_EC2_METADATA_DISABLED": "false",
                         "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:%d" % port})
    t0 = time.time()
    line = failed(env)
    assert time.time() - t0 < 5, "IMDS did not fail fast"
    want = ("no AWS credentials found: looked at AWS_ACCESS_KEY_ID, "
            "AWS_WEB_IDENTITY_TOKEN_FILE, "
            "{h}/.aws/credentials [default] (no file), {h}/.aws/config [default] (no file), "
            "container endpoint (not configured), instance metadata (no answer at "
            "http://127.0.0.1:{p}); set AWS_PROFILE or run `aws configure` (NoCredentials)"
            ).format(h=home, p=port)
    assert line == "creds_tool: " + want, line


@case
def readable_credentials_file_warns():
    home = new_home()
    path = write(home, ".aws/credentials", FILES_CREDS, 0o640)
    r = resolved(env_for(home))
    assert r["warning"] == ("%s can be read or changed by other users (mode 0640); "
                            "run `chmod 600` on it" % path), r
    os.chmod(path, 0o600)
    # A world-readable config file that gave no secrets is not warned about.
    write(home, ".aws/config", "[default]\nregion = us-east-1\n", 0o644)
    assert resolved(env_for(home))["warning"] == "none"


if __name__ == "__main__":
    if not os.access(TOOL, os.X_OK):
        sys.stderr.write("creds_tool not built at %s: cmake --build <dir> --target creds_tool\n" % TOOL)
        sys.exit(1)
    ivstest.main()
