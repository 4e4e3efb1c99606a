#!/usr/bin/env python3
"""Secrets never leave: with a distinctive secret access key and session
token, nothing ivsvc or its handler prints contains either, the package
carries neither (nor anything from ~/.aws), TLS certificates are checked
before a byte of a request is sent, and the asset bucket deploy creates is
encrypted and not public.

- ivsvc whoami, whoami --json, deploy --yes (the embedded package), status,
  status --json, logs, diff, package, and failing runs (an endpoint nobody
  listens on, a malformed region, a region with no stack): stdout and stderr
  hold neither the secret, nor the token, nor a 12-character piece of them.
- the packaged handler over a good tick, a bad event and a tick whose IVS
  calls fail (signature refused, then 500s): its stdout/stderr hold neither.
- `ivsvc package`: no entry or content holds them; no entry comes from a
  ~/.aws folder (a planted ~/.aws in HOME is not picked up either).
- AWS_ENDPOINT_URL_STS=http://... (moto) works; https:// to a loopback TLS
  server with a self-signed throwaway certificate fails with a certificate
  error, and that server completes no handshake and receives no request.
- the asset bucket in moto: default encryption and all four public access
  block settings (boto3).
"""
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import zipfile

import ivstest  # noqa: E402
from ivstest import case, clean_env, main, run_ivsvc  # noqa: E402

ivstest.require_python_tools("boto3", "moto")
from ivs_sim import IvsSim  # noqa: E402
from runtime_api import RuntimeApi, lambda_env, scheduled_event, start_function, unpack_package  # noqa: E402

KEY_ID = "AKIAIVSVCSECRETTEST7"
SECRET = "zQ9+ivsvcSECRETkey/DoNotPrint0123456789Ab"
TOKEN = ("IQoJb3JpZ2luX2VjIvsvcSessionTOKENdoNotPrint/" + "x7Kp" * 20 + "+tail==")
ACCOUNT = "123456789012"
BUCKET = "ivsvc-assets-%s-us-east-1" % ACCOUNT
AWS_MARKER = "planted-in-home-dot-aws-7f3c"

_moto = []
WORK = tempfile.mkdtemp(prefix="ivsvc-secrets-")


def moto():
    if not _moto:
        _moto.append(ivstest.MotoServer().__enter__())
    return _moto[0]


def home():
    """A HOME with a ~/.aws holding a marker, so a leak of it would show."""
    h = tempfile.mkdtemp(dir=WORK, prefix="home-")
    os.makedirs(os.path.join(h, ".aws"))
    with open(os.path.join(h, ".aws", "config"), "w") as f:
        f.write("[profile %s]\nregion = us-east-1\n" % AWS_MARKER)
    with open(os.path.join(h, ".aws", "credentials"), "w") as f:
        f.write("[%s]\naws_access_key_id = AKIA%s\n" % (AWS_MARKER, AWS_MARKER[:8]))
    os.chmod(os.path.join(h, ".aws", "credentials"), 0o600)
    return h


def env(endpoint=None, **extra):
    e = clean_env(endpoint=endpoint or moto().url, home=home())
    e.update(AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_SESSION_TOKEN=TOKEN)
    for k, v in extra.items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    return e


def pieces(s, n=12):
    """s and every n-character piece of it, so a truncated print is caught."""
    return [s] + [s[i:i + n] for i in range(0, len(s) - n + 1, 4)]


def assert_clean(text, what):
    for secret, name in ((SECRET, "secret key"), (TOKEN, "session token")):
        for p in pieces(secret):
            assert p not in text, "%s printed (part of) the %s: %r" % (what, name, p)


def ivsvc(args, e=None, ok=True, **kw):
    r = run_ivsvc(args, env=e or env(), cwd=kw.pop("cwd", WORK), **kw)
    assert_clean(r.stdout + r.stderr, "ivsvc " + " ".join(args))
    if ok is not None:
        assert (r.returncode == 0) == ok, "ivsvc %s -> %d\n%s%s" % (" ".join(args), r.returncode,
                                                                  r.stdout, r.stderr)
    return r


@case
def cli_commands_never_print_the_secret_or_token():
    moto().reset()
    ivsvc(["whoami"])
    ivsvc(["whoami", "--json"])
    ivsvc(["deploy", "--yes", "--no-verify"], timeout=600)  # the embedded package
    ivsvc(["status"])
    ivsvc(["status", "--json"])
    ivsvc(["logs"], ok=None)  # the function never ran in moto: may have nothing
    ivsvc(["diff"])
    # the bucket deploy made: encrypted, not public
    s3 = ivstest.boto_client("s3", moto().url)
    enc = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    algo = enc[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
    assert algo in ("AES256", "aws:kms", "aws:kms:dsse"), enc
    pab = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert pab == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                   "RestrictPublicBuckets": True}, pab


@case
def failing_commands_never_print_the_secret_or_token():
    dead = "http://127.0.0.1:%d" % ivstest.free_port()  # nobody listens
    r = ivsvc(["whoami"], e=env(endpoint=dead), ok=False, timeout=120)
    assert r.stderr.strip(), r
    ivsvc(["status", "--json"], e=env(endpoint=dead), ok=False, timeout=120)
    ivsvc(["deploy", "--yes"], e=env(endpoint=dead), ok=False, timeout=120)
    r = ivsvc(["whoami"], e=env(AWS_REGION="us-east-1x/../evil"), ok=False)
    assert "region" in r.stderr.lower(), r.stderr
    moto().reset()
    ivsvc(["status"], e=env(AWS_REGION="eu-west-3"), ok=False)  # no stack there
    ivsvc(["logs"], e=env(AWS_REGION="eu-west-3"), ok=None)
    ivsvc(["diff"], e=env(AWS_REGION="eu-west-3"), ok=None)


@case
def package_holds_no_secret_and_nothing_from_dot_aws():
    out = os.path.join(WORK, "pkg.zip")
    ivsvc(["package", "--output", out])
    with open(out, "rb") as f:
        raw = f.read()
    for s in (SECRET, TOKEN, AWS_MARKER, ivstest.TEST_SECRET):
        assert s.encode() not in raw, s
    with zipfile.ZipFile(out) as z:
        for info in z.infolist():
            parts = info.filename.split("/")
            assert ".aws" not in parts, info.filename
            assert parts[-1] not in ("credentials", "config"), info.filename
            data = z.read(info)
            for s in (SECRET, TOKEN, AWS_MARKER, ivstest.TEST_SECRET):
                assert s.encode() not in data, (info.filename, s)


@case
def handler_logs_never_hold_the_secret_or_token():
    zip_path = os.path.join(ivstest.BUILD_DIR, "function.zip")
    root = unpack_package(zip_path)
    ddb = ivstest.boto_client("dynamodb", moto().url)
    ddb.create_table(
        TableName="Secrets", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "channel", "KeyType": "HASH"},
                   {"AttributeName": "time", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "channel", "AttributeType": "S"},
                              {"AttributeName": "time", "AttributeType": "N"}])
    try:
        with IvsSim(channels=5, live=3, seed=2) as sim, RuntimeApi() as rt:
            sim.add_credentials(KEY_ID, SECRET)
            e = lambda_env(root, rt, table="Secrets", key_id=KEY_ID, secret=SECRET,
                           session_token=TOKEN,
                           extra={"AWS_ENDPOINT_URL_DYNAMODB": moto().url,
                                  "AWS_ENDPOINT_URL_IVS": sim.url, "IVSVC_RETRY_BASE_MS": "20"})
            fn = start_function(root, rt, env=e)
            try:
                res = rt.invoke_and_wait(scheduled_event("2026-11-24T18:07:00Z"), timeout=60)
                assert res["kind"] == "response" and res["body"]["metadataSent"] == 3, res
                assert rt.invoke_and_wait("not an event", timeout=30)["kind"] == "error"
                # IVS refuses every call: errors logged for the listing ...
                sim.set_faults(error500=1.0, seed=1)
                res = rt.invoke_and_wait(scheduled_event("2026-11-24T18:08:00Z"), timeout=60)
                assert res["kind"] == "error", res
                # ... and for the puts (the listing works, every put fails)
                sim.set_faults(error500=1.0, seed=1, ops=["PutMetadata"])
                res = rt.invoke_and_wait(scheduled_event("2026-11-24T18:09:00Z"), timeout=60)
                assert res["kind"] == "response" and len(res["body"]["errors"]) == 3, res
                answers = b"".join(r["raw"] for r in rt.results.values()).decode("utf-8", "replace")
            finally:
                fn.stop()
                text = fn.stdout() + fn.stderr()
                os.unlink(fn.stdout_path)
                os.unlink(fn.stderr_path)
        assert "PutMetadata" in text, text[-2000:]  # the failures were logged
        assert_clean(text, "the handler's log")
        assert_clean(answers, "the handler's answers to the Runtime API")
    finally:
        shutil.rmtree(root, ignore_errors=True)


class TlsTrap:
    """A TLS server on 127.0.0.1 with a throwaway self-signed certificate;
    counts completed handshakes and bytes of request received."""

    def __init__(self, d):
        self.cert, self.key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", self.key, "-out", self.cert],
                       check=True, capture_output=True, timeout=60)
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(self.cert, self.key)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.url = "https://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.connections = self.handshakes = 0
        self.received = b""
        self.alerts = []
        self.stopping = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            c.settimeout(5)
            try:
                with self.ctx.wrap_socket(c, server_side=True) as t:
                    self.handshakes += 1
                    while True:
                        data = t.recv(65536)
                        if not data:
                            break
                        self.received += data
            except (ssl.SSLError, OSError) as e:
                self.alerts.append(str(e))
            finally:
                c.close()

    def stop(self):
        self.stopping = True
        self.thread.join(5)
        self.sock.close()


@case
def sts_endpoint_http_works_and_self_signed_https_is_refused():
    # http:// to moto: the override is honoured
    r = ivsvc(["whoami", "--json"], e=env(endpoint=None, AWS_ENDPOINT_URL=None,
                                          AWS_ENDPOINT_URL_STS=moto().url))
    assert ACCOUNT in r.stdout, r.stdout
    d = tempfile.mkdtemp(dir=WORK)
    trap = TlsTrap(d)
    try:
        r = ivsvc(["whoami"], e=env(AWS_ENDPOINT_URL=None, AWS_ENDPOINT_URL_STS=trap.url),
                  ok=False, timeout=120)
    finally:
        trap.stop()
    msg = r.stderr.lower()
    assert any(w in msg for w in ("certificate", "tls", "ssl")), r.stderr
    assert trap.connections >= 1, "ivsvc never connected to %s" % trap.url
    assert trap.handshakes == 0 and trap.received == b"", (trap.handshakes, trap.received[:200])
    print("self-signed STS endpoint: %d connection(s), 0 handshakes, 0 request bytes; ivsvc said: %s"
          % (trap.connections, r.stderr.strip().splitlines()[-1][:200]), flush=True)


if __name__ == "__main__":
    try:
        main()
    finally:
        if _moto:
            _moto[0].__exit__(None, None, None)
        shutil.rmtree(WORK, ignore_errors=True)
