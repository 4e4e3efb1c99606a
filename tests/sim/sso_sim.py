"""sso_sim - an IAM Identity Center portal (SSO GetRoleCredentials) and SSO
OIDC (CreateToken with grant refresh_token) stand-in on 127.0.0.1, for the
credential chain's tests. Requests and answers are checked against
botocore's own `sso` and `sso-oidc` service models: the HTTP method and path
of the operation, the querystring and header names of its input members,
the JSON members of a CreateToken body (known, required ones present), and
every answer's members (known to the output shape). A request that breaks
the model is answered 400 and recorded in .violations, so a test fails on it.

    with SsoSim() as sim:
        sim.tokens["tok-1"] = ("123456789012", "Admin")   # access token -> role
        sim.refresh["rt-1"] = "tok-2"                     # refresh token -> new access token
        AWS_ENDPOINT_URL_SSO=sim.url AWS_ENDPOINT_URL_SSO_OIDC=sim.url
        sim.calls  # [(operation, params)], in order
"""
import gzip
import json
import os
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

import botocore

from loopback import TrackingServer

_DATA = os.path.join(os.path.dirname(botocore.__file__), "data")


def _model(name):
    d = os.path.join(_DATA, name)
    with gzip.open(os.path.join(d, sorted(os.listdir(d))[-1], "service-2.json.gz")) as f:
        return json.load(f)


class SsoSim:
    def __init__(self):
        self.sso = _model("sso")
        self.oidc = _model("sso-oidc")
        self.tokens = {}        # access token -> (account, role)
        self.refresh = {}       # refresh token -> new access token
        self.calls = []
        self.violations = []
        self.url = None

    # --- model checks ---
    def _op(self, model, name):
        op = model["operations"][name]
        return op, model["shapes"][op["input"]["shape"]], model["shapes"][op["output"]["shape"]]

    def _check_answer(self, model, out_shape, body):
        for k, v in body.items():
            if k not in out_shape["members"]:
                self.violations.append("answer member %s not in the model" % k)
            elif isinstance(v, dict):
                sub = model["shapes"][out_shape["members"][k]["shape"]]
                self._check_answer(model, sub, v)

    def get_role_credentials(self, path, query, headers):
        op, inp, out = self._op(self.sso, "GetRoleCredentials")
        if path != op["http"]["requestUri"]:
            self.violations.append("GetRoleCredentials path %s" % path)
        params = {}
        for name, m in inp["members"].items():
            where, wire = m.get("location"), m.get("locationName")
            v = query.get(wire, [None])[0] if where == "querystring" else headers.get(wire)
            if v is None and name in inp.get("required", []):
                self.violations.append("GetRoleCredentials without %s (%s %s)" % (name, where, wire))
            params[name] = v
        extra = set(query) - {m.get("locationName") for m in inp["members"].values()}
        if extra:
            self.violations.append("GetRoleCredentials unknown query %s" % sorted(extra))
        self.calls.append(("GetRoleCredentials", params))
        role = self.tokens.get(params["accessToken"])
        if role != (params["accountId"], params["roleName"]):
            return 401, "UnauthorizedException", {"message": "Session token not found or invalid"}
        n = len(self.calls)
        body = {"roleCredentials": {
            "accessKeyId": "ASIASSO%013d" % n, "secretAccessKey": "ssoSecret%d" % n,
            "sessionToken": "ssoSession%d" % n,
            "expiration": int((time.time() + 3600) * 1000)}}
        self._check_answer(self.sso, out, body)
        return 200, None, body

    def create_token(self, path, body):
        op, inp, out = self._op(self.oidc, "CreateToken")
        if path != op["http"]["requestUri"]:
            self.violations.append("CreateToken path %s" % path)
        unknown = set(body) - set(inp["members"])
        missing = set(inp.get("required", [])) - set(body)
        if unknown or missing:
            self.violations.append("CreateToken members: unknown %s, missing %s"
                                   % (sorted(unknown), sorted(missing)))
        self.calls.append(("CreateToken", dict(body)))
        new = self.refresh.get(body.get("refreshToken"))
        if body.get("grantType") != "refresh_token" or not new:
            return 400, "InvalidGrantException", {"error": "invalid_grant"}
        answer = {"accessToken": new, "tokenType": "Bearer", "expiresIn": 3600,
                  "refreshToken": body["refreshToken"] + "-next"}
        self._check_answer(self.oidc, out, answer)
        return 200, None, answer

    # --- server ---
    def __enter__(self):
        sim = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def setup(self):
                BaseHTTPRequestHandler.setup(self)
                self.server.track(self.connection, True)

            def finish(self):
                BaseHTTPRequestHandler.finish(self)
                self.server.track(self.connection, False)

            def answer(self, status, etype, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if etype:
                    self.send_header("x-amzn-ErrorType", etype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                u = urllib.parse.urlsplit(self.path)
                q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
                hdrs = {k.lower(): v for k, v in self.headers.items()}
                self.answer(*sim.get_role_credentials(u.path, q, hdrs))

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(n) or b"{}")
                except ValueError:
                    sim.violations.append("CreateToken body is not JSON")
                    body = {}
                self.answer(*sim.create_token(urllib.parse.urlsplit(self.path).path, body))

        self._server = TrackingServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        return False
