#!/usr/bin/env python3
"""runtime_api - a local AWS Lambda Runtime API (2018-06-01) for running the
packaged function the way Lambda runs a provided.al2023 function: unpacked
into an empty directory, started as `bootstrap` with only the variables
Lambda sets, fed events through /invocation/next.

Only ever binds 127.0.0.1.

    from runtime_api import RuntimeApi, unpack_package, start_function, scheduled_event
    with RuntimeApi() as rt:
        root = unpack_package(zip_path, tmpdir)
        fn = start_function(root, rt, table="T", extra={"AWS_ENDPOINT_URL_DYNAMODB": moto})
        rid = rt.invoke(scheduled_event("2026-11-24T18:07:00Z"))
        res = rt.wait_result(rid, timeout=60)   # {"kind": "response"|"error", "body": ...}
        fn.stop()

The server:
    GET  /2018-06-01/runtime/invocation/next        blocks until rt.invoke() queues an
                                                    event; answers it with
                                                    Lambda-Runtime-Aws-Request-Id,
                                                    Lambda-Runtime-Deadline-Ms (now + the
                                                    invocation's timeout), -Trace-Id,
                                                    -Invoked-Function-Arn
    POST /2018-06-01/runtime/invocation/<id>/response  recorded as kind "response"
    POST /2018-06-01/runtime/invocation/<id>/error     recorded as kind "error"
    POST /2018-06-01/runtime/init/error                recorded in rt.init_errors
An unknown request id answers 400 (as Lambda does); a second answer to the
same id answers 400 too (InvalidStateTransition).
It records when each /next arrived (rt.next_times) for cold-start timing.

Command line, for trying the package by hand:
    python3 tests/sim/runtime_api.py --zip build/function.zip --event '{"time":"..."}' \
        --env TABLE_NAME=T --env AWS_ENDPOINT_URL=http://127.0.0.1:5000
"""
import argparse
import json
import os
import queue
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile

from loopback import TrackedHandler, TrackingServer, stop_process

PREFIX = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:IvsViewersCount-Function"


def scheduled_event(time_iso, rule="IvsViewersCount-Schedule"):
    """The event EventBridge sends for a schedule rule, as a JSON string."""
    return json.dumps({
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "123456789012", "time": time_iso,
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/%s" % rule], "detail": {}})


class _Handler(TrackedHandler):
    protocol_version = "HTTP/1.1"
    server_version = "runtime-api-sim"

    def log_message(self, fmt, *args):
        if self.server.api.verbose:
            sys.stderr.write("runtime_api: " + (fmt % args) + "\n")

    def _send(self, status, body=b"", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        api = self.server.api
        if self.path != PREFIX + "/invocation/next":
            return self._send(404, {"errorMessage": "no such path", "errorType": "NotFound"})
        api._note_next()
        inv = api._take()
        if inv is None:  # shutting down
            self.close_connection = True
            return self._send(500, {"errorMessage": "shutting down", "errorType": "ServiceException"})
        headers = {"Lambda-Runtime-Aws-Request-Id": inv["id"],
                   "Lambda-Runtime-Deadline-Ms": str(inv["deadline_ms"]),
                   "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                   "Lambda-Runtime-Trace-Id": inv["trace_id"]}
        self._send(200, inv["event"].encode(), headers)

    def do_POST(self):
        api = self.server.api
        body = self._body()
        if self.path == PREFIX + "/init/error":
            api._record_init_error(body, dict(self.headers))
            return self._send(202, {"status": "OK"})
        parts = self.path[len(PREFIX):].split("/") if self.path.startswith(PREFIX) else []
        # ['', 'invocation', '<id>', 'response'|'error']
        if len(parts) == 4 and parts[1] == "invocation" and parts[3] in ("response", "error"):
            if parts[3] == "response" and api.max_response_bytes is not None \
                    and len(body) > api.max_response_bytes:
                api.refused_responses.append(parts[2])
                # Lambda's answer to a response over its limit (6 MB there)
                return self._send(413, {"errorMessage": "Exceeded maximum allowed payload size",
                                        "errorType": "RequestEntityTooLarge"})
            status = api._record_result(parts[2], parts[3], body, dict(self.headers))
            if status == 202:
                return self._send(202, {"status": "OK"})
            return self._send(400, {"errorMessage": "request id %s: %s" % (parts[2], status),
                                    "errorType": "InvalidRequestID"})
        return self._send(404, {"errorMessage": "no such path", "errorType": "NotFound"})


class _Server(TrackingServer):
    def __init__(self, api):
        self.api = api
        TrackingServer.__init__(self, ("127.0.0.1", api.port), _Handler)

    def handle_error(self, request, client_address):
        # a function stopped mid-request resets its connection: not news
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, BrokenPipeError, socket.timeout)):
            return
        TrackingServer.handle_error(self, request, client_address)


class RuntimeApi:
    """The Runtime API on 127.0.0.1:<free port>. .address is host:port."""

    def __init__(self, port=0, timeout_ms=60000, verbose=False):
        self.port = port
        self.timeout_ms = timeout_ms
        self.verbose = verbose
        self.address = None
        self.init_errors = []
        self.max_response_bytes = None  # answer 413 to larger responses, as Lambda does
        self.refused_responses = []     # request ids whose /response got a 413
        self.next_times = []     # time.time() of every /next
        self.results = {}        # id -> {"kind","body","raw","headers","time"}
        self.invocations = {}    # id -> the queued invocation
        self._queue = queue.Queue()
        self._cond = threading.Condition()
        self._closing = False
        self._httpd = None
        self._thread = None

    # -- lifecycle
    def start(self):
        self._httpd = _Server(self)
        self.port = self._httpd.server_address[1]
        self.address = "127.0.0.1:%d" % self.port
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._closing = True
        self._queue.put(None)
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.close_connections()
            self._httpd.server_close()
            self._httpd = None
        if self._thread:
            self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- driving it
    def invoke(self, event, timeout_ms=None, request_id=None, deadline_ms=None):
        """Queues an event (str or dict); returns its request id. The deadline is
        set when the runtime takes it (now + timeout_ms), unless deadline_ms is
        given (absolute epoch ms)."""
        if not isinstance(event, str):
            event = json.dumps(event)
        rid = request_id or str(uuid.uuid4())
        inv = {"id": rid, "event": event, "timeout_ms": timeout_ms or self.timeout_ms,
               "deadline_abs": deadline_ms,
               "trace_id": "Root=1-%08x-%s;Parent=%s;Sampled=0" % (int(time.time()), uuid.uuid4().hex[:24],
                                                                 uuid.uuid4().hex[:16])}
        with self._cond:
            self.invocations[rid] = inv
        self._queue.put(inv)
        return rid

    def wait_result(self, request_id, timeout=60.0):
        """The recorded answer to request_id: {"kind","body","raw","headers","elapsed"}."""
        end = time.time() + timeout
        with self._cond:
            while request_id not in self.results:
                left = end - time.time()
                if left <= 0:
                    raise TimeoutError("no answer to invocation %s within %ss" % (request_id, timeout))
                self._cond.wait(left)
            return self.results[request_id]

    def wait_init_error(self, timeout=30.0):
        end = time.time() + timeout
        with self._cond:
            while not self.init_errors:
                left = end - time.time()
                if left <= 0:
                    raise TimeoutError("no init error within %ss" % timeout)
                self._cond.wait(left)
            return self.init_errors[0]

    def wait_next(self, count=1, timeout=30.0):
        """Waits until /next has been called `count` times; returns the times."""
        end = time.time() + timeout
        with self._cond:
            while len(self.next_times) < count:
                left = end - time.time()
                if left <= 0:
                    raise TimeoutError("the runtime did not ask for an event within %ss" % timeout)
                self._cond.wait(left)
            return list(self.next_times)

    def invoke_and_wait(self, event, timeout=120.0, **kw):
        return self.wait_result(self.invoke(event, **kw), timeout)

    # -- the handler's side
    def _note_next(self):
        with self._cond:
            self.next_times.append(time.time())
            self._cond.notify_all()

    def _take(self):
        while True:
            inv = self._queue.get()
            if inv is None or self._closing:
                self._queue.put(None)
                return None
            now_ms = int(time.time() * 1000)
            inv["deadline_ms"] = inv["deadline_abs"] or now_ms + inv["timeout_ms"]
            inv["taken"] = time.time()
            return inv

    @staticmethod
    def _parse(body):
        try:
            return json.loads(body.decode("utf-8")) if body else None
        except ValueError:
            return None

    def _record_result(self, rid, kind, body, headers):
        with self._cond:
            inv = self.invocations.get(rid)
            if inv is None or "taken" not in inv:
                return "unknown or not yet delivered"
            if rid in self.results:
                return "InvalidStateTransition: already answered"
            self.results[rid] = {"kind": kind, "body": self._parse(body), "raw": body,
                                 "headers": headers, "elapsed": time.time() - inv["taken"]}
            self._cond.notify_all()
            return 202

    def _record_init_error(self, body, headers):
        with self._cond:
            self.init_errors.append({"body": self._parse(body), "raw": body, "headers": headers})
            self._cond.notify_all()


# ---------------------------------------------------------------------------
# Running the package

def unpack_package(zip_path, dest=None):
    """Unpacks function.zip into dest (a new temp dir when None), restoring the
    UNIX modes kept in the zip's external attributes (Python's zipfile does
    not). Returns dest."""
    dest = dest or tempfile.mkdtemp(prefix="ivsvc-task-")
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            path = z.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o7777
            if mode and not info.is_dir():
                os.chmod(path, mode)
    return dest


class Function:
    """A running bootstrap: .proc, .stdout_path, .started (time.time()),
    .stop(), .log_lines() (its stdout's JSON lines), .peak_rss_kb()."""

    def __init__(self, proc, stdout_path, stderr_path, started):
        self.proc = proc
        self.stdout_path = stdout_path
        self.stderr_path = stderr_path
        self.started = started
        self.peak_kb = 0

    def sample_rss(self):
        """Reads VmHWM (peak resident set) from /proc while it runs."""
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))
        except OSError:
            pass
        return self.peak_kb

    def stdout(self):
        with open(self.stdout_path, errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()

    def log_lines(self):
        out = []
        for line in self.stdout().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def wait(self, timeout=30):
        return self.proc.wait(timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.sample_rss()
        return stop_process(self.proc)


def lambda_env(task_root, runtime, table=None, region="us-east-1", key_id=None, secret=None,
               session_token="IQoJb3JpZ2luX2VjEXAMPLETOKEN", extra=None):
    """Exactly the variables Lambda gives a provided.al2023 function (plus
    `extra`, e.g. the test-only AWS_ENDPOINT_URL_* overrides)."""
    if key_id is None or secret is None:
        try:
            import ivstest
            key_id, secret = ivstest.TEST_KEY_ID, ivstest.TEST_SECRET
        except ImportError:
            key_id, secret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    env = {
        "AWS_LAMBDA_RUNTIME_API": runtime.address,
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_SESSION_TOKEN": session_token,
        "AWS_LAMBDA_FUNCTION_NAME": "IvsViewersCount-Function",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/IvsViewersCount-Function",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/24/[$LATEST]0123456789abcdef",
        "_HANDLER": "bootstrap",
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "LD_LIBRARY_PATH": "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
    }
    if table is not None:
        env["TABLE_NAME"] = table
    if session_token is None:
        del env["AWS_SESSION_TOKEN"]
    env.update(extra or {})
    return env


def start_function(task_root, runtime, table=None, extra=None, env=None, cwd=None, runner=None):
    """Starts task_root/bootstrap with `env -i` semantics: the environment is
    exactly lambda_env(...) (or `env`), nothing inherited. runner: a command
    to start it with (["qemu-aarch64-static"] for the arm64 package); then the
    package's own bootstrap runs, never the sanitized host handler."""
    env = env if env is not None else lambda_env(task_root, runtime, table=table, extra=extra)
    out = tempfile.NamedTemporaryFile(prefix="fn-stdout-", delete=False)
    err = tempfile.NamedTemporaryFile(prefix="fn-stderr-", delete=False)
    started = time.time()
    # The package's bootstrap is static musl and cannot carry the sanitizers; the
    # sanitizer build sets IVSVC_SANITIZED_HANDLER to the same sources built with
    # ASan+UBSan on the host's libc (tests/CMakeLists.txt), so the handler's code
    # runs sanitized in every test that runs the package.
    exe = (not runner and os.environ.get("IVSVC_SANITIZED_HANDLER")) or os.path.join(task_root, "bootstrap")
    proc = subprocess.Popen(list(runner or []) + [exe], env=env, cwd=cwd or "/",
                            stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    out.close()
    err.close()
    return Function(proc, out.name, err.name, started)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zip", required=True)
    ap.add_argument("--event", action="append", default=[])
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for the function")
    ap.add_argument("--timeout-ms", type=int, default=60000)
    a = ap.parse_args()
    extra = dict(e.split("=", 1) for e in a.env)
    with RuntimeApi(timeout_ms=a.timeout_ms) as rt:
        root = unpack_package(a.zip)
        fn = start_function(root, rt, extra=extra)
        try:
            for ev in a.event or [scheduled_event(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))]:
                rid = rt.invoke(ev)
                try:
                    res = rt.wait_result(rid, timeout=a.timeout_ms / 1000 + 10)
                except TimeoutError:
                    if rt.init_errors:
                        print(json.dumps({"initError": rt.init_errors[0]["body"]}))
                        return 1
                    raise
                print(json.dumps({"kind": res["kind"], "body": res["body"]}, indent=2))
        finally:
            fn.stop()
            sys.stderr.write(fn.stderr())
    return 0


if __name__ == "__main__":
    sys.exit(main())
