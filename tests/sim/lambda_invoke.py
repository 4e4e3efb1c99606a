#!/usr/bin/env python3
"""lambda_invoke - a local stand-in for Lambda's Invoke (2015-03-31) that runs
the real package: moto cannot run a provided.al2023 function (it needs
Docker), so tests point AWS_ENDPOINT_URL_LAMBDA here while everything else
goes to moto.

    POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=Q]

Every request is checked against botocore's Lambda model (method, URI,
header values against their enums, the FunctionName pattern and length,
only modeled query parameters, a SigV4 Authorization for service "lambda");
a request that breaks it answers 400 InvalidRequestContentException and is
recorded in .violations. The answer is built from the model's output shape:
StatusCode 200, X-Amz-Executed-Version, X-Amz-Function-Error ("Unhandled")
when the function failed, X-Amz-Log-Result (base64 of the last 4 KB of
START / the function's output / END / REPORT, as Lambda writes them) for
LogType Tail, and the function's answer as the body.

Which function runs: a name registered with add_function(name, env=...), or,
given moto_url, any function moto knows (GetFunction: its Environment
Variables, MemorySize and Timeout), started from `zip_path` through the
Runtime API harness (runtime_api.py) with Lambda's variables plus `extra_env`
(the test-only endpoint overrides). In the sanitizer build the harness runs the
sanitized handler instead of the package's bootstrap; own_bootstrap=True runs
the package's own (for packages that are not ivsvc's). A function stays warm between
invocations, as Lambda's do; one that exits is started again at the next.
An unknown name answers 404 ResourceNotFoundException, as Lambda does.
Failures are Lambda's: an init error answers Unhandled with the error the
runtime posted, a process that exits before answering Runtime.ExitError, one
past its Timeout Sandbox.Timedout.

    from lambda_invoke import LambdaInvokeSim
    with LambdaInvokeSim(zip_path, moto_url=moto.url, extra_env={...}) as lam:
        env["AWS_ENDPOINT_URL_LAMBDA"] = lam.url
        ...; lam.calls   # [{"function","headers","query","event","status","functionError",...}]

Only ever binds 127.0.0.1.
"""
import base64
import json
import os
import re
import shutil
import sys
import threading
import time
import uuid
from urllib.parse import parse_qs, unquote, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loopback import TrackedHandler, TrackingServer  # noqa: E402
from runtime_api import RuntimeApi, lambda_env, start_function, unpack_package  # noqa: E402

LOG_TAIL_BYTES = 4096


def _model():
    import botocore.session
    return botocore.session.get_session().get_service_model("lambda").operation_model("Invoke")


class Violation(Exception):
    pass


class _Running:
    """One warm function: its Runtime API, process and the output read so far."""

    def __init__(self, root, spec, extra_env, own_bootstrap):
        self.rt = RuntimeApi(timeout_ms=spec["timeout_s"] * 1000).start()
        # CloudFormation passes a Number parameter through as a number; Lambda's
        # variables are strings
        variables = {k: str(v) for k, v in spec["env"].items()}
        env = lambda_env(root, self.rt, table=None, extra=dict(variables, **extra_env))
        env["AWS_LAMBDA_FUNCTION_NAME"] = spec["name"]
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(spec["memory_mb"])
        # start_function runs IVSVC_SANITIZED_HANDLER instead of the package's
        # bootstrap in the sanitizer build; a package that is not ivsvc's runs as is
        saved = os.environ.pop("IVSVC_SANITIZED_HANDLER", None) if own_bootstrap else None
        try:
            self.fn = start_function(root, self.rt, env=env)
        finally:
            if saved is not None:
                os.environ["IVSVC_SANITIZED_HANDLER"] = saved
        self.read = [0, 0]   # bytes of stdout, stderr already in a log tail
        self.inits = 0       # init errors already reported

    def new_output(self):
        out = []
        for i, path in enumerate((self.fn.stdout_path, self.fn.stderr_path)):
            with open(path, "rb") as f:
                f.seek(self.read[i])
                data = f.read()
            self.read[i] += len(data)
            out.append(data.decode("utf-8", "replace"))
        return "".join(out)

    def stop(self):
        self.fn.stop()
        self.rt.stop()
        for p in (self.fn.stdout_path, self.fn.stderr_path):
            try:
                os.unlink(p)
            except OSError:
                pass


class LambdaInvokeSim:
    def __init__(self, zip_path, moto_url=None, extra_env=None, port=0, region="us-east-1",
                 own_bootstrap=False):
        self.zip_path = zip_path
        self.own_bootstrap = own_bootstrap
        self.moto_url = moto_url
        self.extra_env = dict(extra_env or {})
        self.port = port
        self.region = region
        self.op = _model()
        self.calls = []
        self.violations = []
        self._functions = {}
        self._running = {}
        self._root = None
        self._lock = threading.Lock()
        self._httpd = None

    # -- lifecycle
    def start(self):
        self._httpd = TrackingServer(("127.0.0.1", self.port), _Handler)
        self._httpd.sim = self
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self):
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.close_connections()
            self._httpd.server_close()
            self._httpd = None
        for r in self._running.values():
            r.stop()
        self._running.clear()
        if self._root:
            shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def add_function(self, name, env=None, memory_mb=256, timeout_s=60):
        self._functions[name] = {"name": name, "env": dict(env or {}), "memory_mb": memory_mb,
                                 "timeout_s": timeout_s}

    # -- the model
    def check_request(self, method, path, query, headers):
        """Checks the request against the Invoke model; returns (name, input dict)."""
        http = self.op.http
        if method != http["method"]:
            raise Violation("method %s, the model says %s" % (method, http["method"]))
        pattern = "^" + re.escape(http["requestUri"]).replace(
            re.escape("{FunctionName}"), "(?P<name>[^/]+)") + "$"
        m = re.match(pattern, path)
        if not m:
            raise Violation("path %s does not match %s" % (path, http["requestUri"]))
        got = {}
        members = self.op.input_shape.members
        for key, shape in members.items():
            loc = shape.serialization.get("location")
            where = shape.serialization.get("name", key)
            if loc == "uri":
                got[key] = unquote(m.group("name"))
            elif loc == "header" and where in headers:
                got[key] = headers[where]
            elif loc == "querystring" and where in query:
                got[key] = query[where][0]
        modeled_q = {s.serialization.get("name", k) for k, s in members.items()
                     if s.serialization.get("location") == "querystring"}
        for q in query:
            if q not in modeled_q:
                raise Violation("query parameter %s is not in the model" % q)
        for key, value in got.items():
            shape = members[key]
            if shape.enum and value not in shape.enum:
                raise Violation("%s %r is not one of %s" % (key, value, shape.enum))
            meta = shape.metadata
            if "min" in meta and len(value) < meta["min"] or "max" in meta and len(value) > meta["max"]:
                raise Violation("%s has %d characters (%s..%s)" % (key, len(value), meta.get("min"),
                                                                   meta.get("max")))
            if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
                raise Violation("%s %r does not match %s" % (key, value, meta["pattern"]))
        for key in self.op.input_shape.required_members:
            if key not in got:
                raise Violation("%s is required" % key)
        auth = headers.get("Authorization", "")
        if not re.match(r"AWS4-HMAC-SHA256 Credential=[^/]+/\d{8}/[a-z0-9-]+/lambda/aws4_request,", auth):
            raise Violation("no SigV4 Authorization for lambda: %r" % auth[:80])
        return got["FunctionName"], got

    def output_headers(self, values):
        """Response headers named as the output shape names them."""
        out = {}
        for key, shape in self.op.output_shape.members.items():
            if shape.serialization.get("location") == "header" and values.get(key) is not None:
                out[shape.serialization["name"]] = values[key]
        return out

    # -- functions
    def _spec(self, name):
        if name in self._functions:
            return self._functions[name]
        if not self.moto_url:
            return None
        import boto3
        lam = boto3.client("lambda", endpoint_url=self.moto_url, region_name=self.region,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        try:
            cfg = lam.get_function_configuration(FunctionName=name)
        except lam.exceptions.ResourceNotFoundException:
            return None
        return {"name": cfg["FunctionName"], "memory_mb": cfg.get("MemorySize", 128),
                "timeout_s": cfg.get("Timeout", 3),
                "env": (cfg.get("Environment") or {}).get("Variables", {})}

    def _warm(self, spec):
        r = self._running.get(spec["name"])
        if r and r.fn.proc.poll() is not None:
            r.stop()
            r = None
        if not r:
            if not self._root:
                self._root = unpack_package(self.zip_path)
            r = self._running[spec["name"]] = _Running(self._root, spec, self.extra_env,
                                                       self.own_bootstrap)
        return r

    def run(self, spec, event):
        """(function_error or None, payload bytes, log text)."""
        r = self._warm(spec)
        rid = str(uuid.uuid4())
        t0 = time.time()
        r.rt.invoke(event, request_id=rid)
        end = t0 + spec["timeout_s"]
        err, body = None, None
        while True:
            res = r.rt.results.get(rid)
            if res:
                body = res["raw"] or b"null"
                err = "Unhandled" if res["kind"] == "error" else None
                break
            if len(r.rt.init_errors) > r.inits:
                r.inits = len(r.rt.init_errors)
                body = r.rt.init_errors[-1]["raw"] or b"{}"
                err = "Unhandled"
                r.stop()
                del self._running[spec["name"]]
                break
            if r.fn.proc.poll() is not None and not r.rt.results.get(rid):
                body = json.dumps({"errorType": "Runtime.ExitError", "errorMessage":
                                   "RequestId: %s Error: Runtime exited with error: exit status %d"
                                   % (rid, r.fn.proc.returncode)}).encode()
                err = "Unhandled"
                break
            if time.time() > end:
                body = json.dumps({"errorType": "Sandbox.Timedout", "errorMessage":
                                   "RequestId: %s Error: Task timed out after %.2f seconds"
                                   % (rid, spec["timeout_s"])}).encode()
                err = "Unhandled"
                r.stop()
                del self._running[spec["name"]]
                break
            time.sleep(0.02)
        ms = (time.time() - t0) * 1000
        output = r.new_output() if spec["name"] in self._running else ""
        if output and not output.endswith("\n"):
            output += "\n"
        log = ("START RequestId: %s Version: $LATEST\n%sEND RequestId: %s\n"
               "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\t"
               "Memory Size: %d MB\tMax Memory Used: %d MB\t\n"
               % (rid, output, rid, rid, ms, int(ms) + 1, spec["memory_mb"], 20))
        return err, body, log


class _Handler(TrackedHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lambda-invoke-sim"

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, body, headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status, code, message):
        self._send(status, json.dumps({"Type": "User", "message": message}).encode(),
                   {"x-amzn-ErrorType": code})

    def do_GET(self):
        self._error(404, "UnknownOperationException", "no such operation")

    def do_POST(self):
        sim = self.server.sim
        n = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(n) if n else b""
        url = urlsplit(self.path)
        headers = {k: v for k, v in self.headers.items()}
        call = {"headers": headers, "query": url.query, "event": None}
        try:
            name, given = sim.check_request("POST", url.path, parse_qs(url.query), self.headers)
            call["function"] = name
            call["event"] = json.loads(payload or b"{}")
        except (Violation, ValueError) as e:
            sim.violations.append(str(e))
            call["status"] = 400
            sim.calls.append(call)
            return self._error(400, "InvalidRequestContentException", str(e))
        if given.get("InvocationType", "RequestResponse") != "RequestResponse":
            sim.violations.append("only RequestResponse is served")
            return self._error(400, "InvalidRequestContentException", "only RequestResponse")
        with sim._lock:
            spec = sim._spec(name)
            if spec is None:
                call["status"] = 404
                sim.calls.append(call)
                return self._error(404, "ResourceNotFoundException", "Function not found: "
                                   "arn:aws:lambda:%s:123456789012:function:%s" % (sim.region, name))
            try:
                err, body, log = sim.run(spec, payload.decode("utf-8"))
            except Exception as e:  # a stand-in bug: say so, as Lambda's 500 would
                import traceback
                traceback.print_exc()
                return self._error(500, "ServiceException", "lambda_invoke bug: %r" % e)
        tail = log.encode()[-LOG_TAIL_BYTES:]
        out = sim.output_headers({
            "FunctionError": err, "ExecutedVersion": "$LATEST",
            "LogResult": base64.b64encode(tail).decode() if given.get("LogType") == "Tail" else None})
        call.update(status=200, functionError=err, log=log, answer=body)
        sim.calls.append(call)
        self._send(200, body, out)


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zip", required=True)
    ap.add_argument("--moto-url")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for every function")
    a = ap.parse_args()
    sim = LambdaInvokeSim(a.zip, moto_url=a.moto_url, port=a.port,
                          extra_env=dict(e.split("=", 1) for e in a.env)).start()
    print(sim.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        sim.stop()


if __name__ == "__main__":
    main()
