"""What actually goes on the wire: the path is sent byte for byte as signed
(curl must not squash "/./" or "/../" — S3 keys may hold them), the signature
over the bytes the server received verifies with botocore, and loopback and
the credentials endpoints never go through a proxy from the environment."""
import datetime as dt
import http.server
import os
import subprocess
import threading
from unittest import mock

import ivstest

TOOL = os.path.join(ivstest.BUILD_DIR, "tests", "aws_call_tool")


class Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen = []

    def log_message(self, *a):
        pass

    def _answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        Recorder.seen.append((self.command, self.path, dict(self.headers.items()), body))
        payload = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_PUT = do_POST = _answer


def serve():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, "http://127.0.0.1:%d" % srv.server_address[1]


def botocore_authorization(method, url, headers, body, service, signer_cls):
    from botocore.auth import S3SigV4Auth, SigV4Auth  # noqa: F401
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    amz_date = headers["X-Amz-Date"]
    t = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    # Verify as a server does: over the headers the request says it signed.
    signed = headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    keep = {k: v for k, v in headers.items() if k.lower() in signed and k.lower() != "x-amz-date"}
    req = AWSRequest(method=method, url=url, headers=keep, data=body)
    signer = signer_cls(Credentials(ivstest.TEST_KEY_ID, ivstest.TEST_SECRET), service, "us-east-1")
    with mock.patch("botocore.auth.get_current_datetime", return_value=t):
        signer.add_auth(req)
    return req.headers["Authorization"]


@ivstest.case
def s3_path_with_dot_segments_goes_out_verbatim_and_verifies():
    from botocore.auth import S3SigV4Auth
    srv, url = serve()
    try:
        Recorder.seen.clear()
        path = "/bucket/a/./b/../key%20x/%2Fy"
        env = ivstest.clean_env(endpoint=url)
        r = subprocess.run([TOOL, "s3", "restjson", "GET:" + path], env=env, capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
        assert len(Recorder.seen) == 1, Recorder.seen
        method, got_path, headers, body = Recorder.seen[0]
        assert got_path == path, got_path
        want = botocore_authorization(method, url + got_path, headers, body, "s3", S3SigV4Auth)
        assert headers["Authorization"] == want, (headers["Authorization"], want)
    finally:
        srv.shutdown()


@ivstest.case
def json_request_signature_verifies_over_received_bytes():
    from botocore.auth import SigV4Auth
    srv, url = serve()
    try:
        Recorder.seen.clear()
        env = ivstest.clean_env(endpoint=url)
        body = '{"TableName":"t","Key":{"channel":{"S":"a b/ü"}}}'
        r = subprocess.run([TOOL, "dynamodb", "json1.0", "DynamoDB_20120810.GetItem", body], env=env,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
        method, got_path, headers, got_body = Recorder.seen[0]
        assert got_body == body.encode(), got_body
        want = botocore_authorization(method, url + got_path, headers, got_body, "dynamodb", SigV4Auth)
        assert headers["Authorization"] == want, (headers, want)
    finally:
        srv.shutdown()


@ivstest.case
def loopback_is_never_proxied():
    srv, url = serve()
    try:
        Recorder.seen.clear()
        # A proxy that does not exist: if curl used it, the call would fail.
        dead = "http://127.0.0.1:%d" % ivstest.free_port()
        env = ivstest.clean_env(endpoint=url, extra={"http_proxy": dead, "HTTP_PROXY": dead,
                                                     "https_proxy": dead, "no_proxy": "example.com"})
        r = subprocess.run([TOOL, "sts", "query", "GetCallerIdentity:2011-06-15"], env=env,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
        assert len(Recorder.seen) == 1
    finally:
        srv.shutdown()


if __name__ == "__main__":
    ivstest.main()
