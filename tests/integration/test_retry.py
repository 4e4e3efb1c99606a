"""integration.retry - the client's standard retry mode, clock-skew
correction, concurrent sender and pagination helpers, against a scripted HTTP
server on loopback.

Each case scripts the answers for its own path (the op is REST-JSON
POST /<case>), runs tests/aws_call_tool and checks what the server saw (how
many attempts, the waits between them, the signing date, how many
connections were open at once) as well as what the tool reports."""
import email.utils
import http.server
import json
import os
import subprocess
import threading
import time
import urllib.parse
from datetime import datetime, timezone

import ivstest
from ivstest import case, clean_env, TEST_SECRET

TOOL = os.path.join(ivstest.BUILD_DIR, "tests", "aws_call_tool")


class Script:
    """What the server answers on one path: actions in order, the last repeats."""

    def __init__(self, *actions):
        self.actions = list(actions)
        self.n = 0

    def next(self):
        a = self.actions[min(self.n, len(self.actions) - 1)]
        self.n += 1
        return a


def ok(body=b'{"ok": true}'):
    return ("status", 200, body, {})


def err_json(status, code, message="scripted"):
    return ("status", status, json.dumps({"__type": code, "message": message}).encode(), {})


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.scripts = {}
        self.log = []            # (monotonic time, path, X-Amz-Date, has Authorization)
        self.open_by_path = {}   # path -> connections that carried it and are still open
        self.max_conns = {}      # path -> the most of those open at once
        self.active = {}         # path -> requests being answered now
        self.max_active = {}     # path -> the most answered at once

    def script(self, path, *actions):
        with self.lock:
            self.scripts[path] = Script(*actions)

    def seen(self, path):
        with self.lock:
            return [e for e in self.log if e[1] == path]


STATE = State()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is visible

    def log_message(self, *args):
        pass

    # Connections are counted per path (a connection counts for a path once it
    # carried a request for it), so a previous case's closing connections do
    # not count against this one.
    def finish(self):
        try:
            super().finish()
        finally:
            with STATE.lock:
                for conns in STATE.open_by_path.values():
                    conns.discard(id(self))

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.req_body = self.rfile.read(n)
        with STATE.lock:
            STATE.log.append((time.monotonic(), self.path, self.headers.get("X-Amz-Date"),
                              "Authorization" in self.headers, self.req_body))
            conns = STATE.open_by_path.setdefault(self.path, set())
            conns.add(id(self))
            STATE.max_conns[self.path] = max(STATE.max_conns.get(self.path, 0), len(conns))
            STATE.active[self.path] = STATE.active.get(self.path, 0) + 1
            STATE.max_active[self.path] = max(STATE.max_active.get(self.path, 0),
                                              STATE.active[self.path])
            script = STATE.scripts.get(self.path)
            action = script.next() if script else ("status", 404, b"{}", {})
        try:
            self.play(action)
        finally:
            with STATE.lock:
                STATE.active[self.path] -= 1

    def play(self, action):
        kind = action[0]
        if kind == "sleep":           # ("sleep", seconds, then-action)
            time.sleep(action[1])
            return self.play(action[2])
        if kind == "pages":           # ("pages", token key, {token or None: response dict})
            token = json.loads(self.req_body or b"{}").get(action[1])
            return self.play(("status", 200, json.dumps(action[2][token]).encode(), {}))
        if kind == "qpages":          # ("qpages", {token or None: XML}) for the query protocol
            form = urllib.parse.parse_qs(self.req_body.decode())
            token = form.get("NextToken", [None])[0]
            return self.play(("status", 200, action[1][token].encode(),
                              {"Content-Type": "text/xml"}))
        if kind == "drop":            # headers promise 100 bytes, 7 arrive, then close
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 100\r\n\r\npartial")
            self.wfile.flush()
            self.close_connection = True
            return
        _, status, body, headers = action
        self.send_response_only(status)
        headers = dict(headers)
        headers.setdefault("Date", email.utils.formatdate(usegmt=True))
        headers.setdefault("Content-Type", "application/json")
        headers.setdefault("x-amzn-RequestId", "req-%d" % status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        pass  # a client that timed out and closed is expected here


def call(path, *opts, env_extra=None, timeout=120):
    env = clean_env(endpoint=URL, extra=env_extra)
    args = [TOOL] + list(opts) + ["ivs", "restjson", "POST:" + path, "{}"]
    t0 = time.monotonic()
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    elapsed = time.monotonic() - t0
    assert TEST_SECRET not in p.stdout + p.stderr
    lines = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    assert lines and lines[-1].get("summary"), (p.returncode, p.stdout, p.stderr)
    return p.returncode, lines[:-1], lines[-1], elapsed


def gaps(path):
    times = [e[0] for e in STATE.seen(path)]
    return [b - a for a, b in zip(times, times[1:])]


@case
def retries_503_then_succeeds():
    STATE.script("/r503", err_json(503, "ServiceUnavailable"), err_json(503, "ServiceUnavailable"),
                 ok())
    rc, ops, summary, _ = call("/r503", "--base-ms", "10")
    assert rc == 0, ops
    assert ops[0]["status"] == 200 and ops[0]["attempts"] == 3, ops
    assert len(STATE.seen("/r503")) == 3
    assert all(e[3] for e in STATE.seen("/r503")), "every attempt is signed"


@case
def retries_throttling_then_succeeds():
    STATE.script("/throttle", err_json(400, "ThrottlingException", "Rate exceeded"), ok())
    rc, ops, _, _ = call("/throttle", "--base-ms", "10")
    assert rc == 0 and ops[0]["attempts"] == 2, ops
    assert len(STATE.seen("/throttle")) == 2


@case
def retries_429_without_a_code():
    STATE.script("/r429", ("status", 429, b"", {}), ok())
    rc, ops, _, _ = call("/r429", "--base-ms", "10")
    assert rc == 0 and ops[0]["attempts"] == 2, ops


@case
def gives_up_after_max_attempts_with_growing_waits():
    STATE.script("/r500", err_json(500, "InternalFailure", "boom"))
    rc, ops, _, _ = call("/r500", "--max-attempts", "5", "--base-ms", "50", "--no-jitter")
    assert rc == 1
    op = ops[0]
    assert op["attempts"] == 5 and len(STATE.seen("/r500")) == 5, op
    assert op["status"] == 500 and op["code"] == "InternalFailure", op
    assert op["message"] == "IVS r500: boom (gave up after 5 attempts)", op["message"]
    assert op["request_id"] == "req-500", op
    g = gaps("/r500")
    want = [0.05, 0.1, 0.2, 0.4]  # base * 2^(attempt-1), no jitter
    for got, w in zip(g, want):
        assert w * 0.9 <= got <= w + 0.25, (g, want)
    assert all(b > a for a, b in zip(g, g[1:])), g


@case
def jittered_waits_stay_under_the_exponential_cap():
    STATE.script("/jitter", err_json(503, "ServiceUnavailable"))
    rc, ops, _, _ = call("/jitter", "--max-attempts", "4", "--base-ms", "100")
    assert rc == 1 and ops[0]["attempts"] == 4, ops
    for i, got in enumerate(gaps("/jitter")):
        assert got <= 0.1 * 2 ** i + 0.25, (i, got)


@case
def max_attempts_from_the_environment():
    STATE.script("/envmax", err_json(503, "ServiceUnavailable"))
    rc, ops, _, _ = call("/envmax", env_extra={"AWS_MAX_ATTEMPTS": "2", "IVSVC_RETRY_BASE_MS": "5"})
    assert rc == 1 and ops[0]["attempts"] == 2, ops
    assert len(STATE.seen("/envmax")) == 2


@case
def validation_error_is_not_retried():
    STATE.script("/invalid", err_json(400, "ValidationException", "channelArn is bad"), ok())
    rc, ops, _, _ = call("/invalid", "--base-ms", "10")
    assert rc == 1
    op = ops[0]
    assert op["attempts"] == 1 and len(STATE.seen("/invalid")) == 1, op
    assert op["code"] == "ValidationException" and op["status"] == 400, op
    assert op["message"] == "IVS invalid: channelArn is bad", op


@case
def dropped_connection_is_retried():
    STATE.script("/drop", ("drop",), ok())
    rc, ops, _, _ = call("/drop", "--base-ms", "10")
    assert rc == 0, ops
    assert ops[0]["attempts"] == 2 and ops[0]["status"] == 200, ops
    assert json.loads(ops[0]["body"]) == {"ok": True}


@case
def slow_response_times_out_then_retried():
    STATE.script("/slow", ("sleep", 2.0, ok()), ok())
    rc, ops, _, elapsed = call("/slow", "--timeout-ms", "400", "--base-ms", "10")
    assert rc == 0, ops
    assert ops[0]["attempts"] == 2, ops
    assert elapsed < 1.8, elapsed  # did not wait for the slow answer


@case
def slow_response_every_time_is_a_network_error():
    STATE.script("/slowall", ("sleep", 1.0, ok()))
    rc, ops, _, _ = call("/slowall", "--timeout-ms", "200", "--base-ms", "10",
                         "--max-attempts", "2")
    assert rc == 1
    op = ops[0]
    assert op["code"] == "NetworkError" and op["attempts"] == 2, op
    assert "127.0.0.1:%d" % PORT in op["message"], op
    assert "timed out" in op["message"].lower(), op


@case
def clock_skew_is_corrected_once():
    hour_ahead = time.time() + 3600
    skewed = ("status", 400,
              json.dumps({"__type": "RequestTimeTooSkewed",
                          "message": "The difference between the request time and the "
                                     "current time is too large."}).encode(),
              {"Date": email.utils.formatdate(hour_ahead, usegmt=True)})
    STATE.script("/skew", skewed, ok())
    rc, ops, _, _ = call("/skew", "--base-ms", "10", "--max-attempts", "1")
    assert rc == 0, ops
    assert ops[0]["attempts"] == 2, ops
    seen = STATE.seen("/skew")
    assert len(seen) == 2
    d0, d1 = (datetime.strptime(e[2], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
              for e in seen)
    now = datetime.now(timezone.utc)
    assert abs((d0 - now).total_seconds()) < 120, d0
    assert abs((d1 - d0).total_seconds() - 3600) < 60, (d0, d1)


@case
def skew_without_a_far_date_is_not_retried():
    STATE.script("/skewnear", ("status", 403,
                               json.dumps({"__type": "InvalidSignatureException",
                                           "message": "Signature expired"}).encode(), {}), ok())
    rc, ops, _, _ = call("/skewnear", "--base-ms", "10")
    assert rc == 1 and ops[0]["attempts"] == 1, ops
    assert ops[0]["code"] == "InvalidSignatureException", ops


@case
def retry_quota_runs_out():
    # 500 tokens at 5 a retry: exactly 100 retries for the whole client.
    STATE.script("/quota", err_json(503, "ServiceUnavailable"))
    rc, ops, summary, _ = call("/quota", "--count", "60", "--max-attempts", "3",
                               "--base-ms", "1", "--max-in-flight", "8")
    assert rc == 1 and summary["failed"] == 60
    assert len(STATE.seen("/quota")) == 160, len(STATE.seen("/quota"))
    assert sum(op["attempts"] for op in ops) == 160
    exhausted = [op for op in ops if "retry quota is exhausted" in op["message"]]
    assert exhausted and all(op["attempts"] < 3 for op in exhausted), ops


@case
def concurrency_stays_under_max_in_flight():
    STATE.script("/many", ("sleep", 0.02, ok()))
    rc, ops, summary, _ = call("/many", "--count", "200", "--max-in-flight", "16")
    assert rc == 0 and summary["failed"] == 0, summary
    assert len(ops) == 200 and all(op["status"] == 200 for op in ops)
    assert len(STATE.seen("/many")) == 200
    assert STATE.max_conns["/many"] <= 16, STATE.max_conns["/many"]
    assert STATE.max_active["/many"] <= 16, STATE.max_active["/many"]
    assert STATE.max_active["/many"] >= 8, "not concurrent: %d" % STATE.max_active["/many"]


@case
def rate_limit_paces_sends():
    STATE.script("/rate", ok())
    rc, ops, summary, elapsed = call("/rate", "--count", "100", "--rate", "50", "--burst", "1")
    assert rc == 0 and summary["failed"] == 0
    assert elapsed >= 1.9, elapsed
    assert elapsed < 6, elapsed
    t = [e[0] for e in STATE.seen("/rate")]
    assert t[-1] - t[0] >= 1.9, t[-1] - t[0]


@case
def backoff_waits_run_side_by_side():
    # 20 ops all answered 503 once, each then waits 1 s (no jitter) before its
    # retry: the waits overlap instead of adding up to 20 s.
    STATE.script("/sidebyside", *([err_json(503, "ServiceUnavailable")] * 20 + [ok()]))
    rc, ops, summary, elapsed = call("/sidebyside", "--count", "20", "--base-ms", "1000",
                                     "--no-jitter", "--max-in-flight", "20")
    assert rc == 0, summary
    assert all(op["attempts"] == 2 for op in ops), ops
    assert 1.0 <= elapsed < 3, "backoff waits did not overlap: %.1fs" % elapsed


@case
def deadline_fails_the_rest():
    STATE.script("/deadline", ("sleep", 2.0, ok()))
    rc, ops, summary, elapsed = call("/deadline", "--count", "10", "--deadline-ms", "500",
                                     "--max-in-flight", "4")
    assert rc == 1 and summary["failed"] == 10, summary
    assert all(op["code"] == "DeadlineExceeded" for op in ops), ops
    assert all("deadline exceeded" in op["message"] for op in ops), ops
    assert elapsed < 1.8, elapsed
    # Only the first four were ever sent; the rest never started.
    assert len(STATE.seen("/deadline")) == 4, len(STATE.seen("/deadline"))


@case
def deadline_cuts_a_backoff_wait():
    STATE.script("/deadlinewait", err_json(503, "ServiceUnavailable", "busy"))
    rc, ops, _, elapsed = call("/deadlinewait", "--concurrent", "--deadline-ms", "300",
                               "--base-ms", "2000", "--no-jitter")
    assert rc == 1
    op = ops[0]
    assert op["code"] == "DeadlineExceeded" and op["attempts"] == 1, op
    assert "busy" in op["message"], op  # the last real error is kept in the text
    assert elapsed < 1.5, elapsed


def paginate(path, key, *opts, proto="restjson", op=None, body="{}"):
    env = clean_env(endpoint=URL)
    args = [TOOL, "--paginate", key] + list(opts) + ["ivs", proto, op or "POST:" + path, body]
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    lines = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    assert lines and lines[-1].get("summary"), (p.stdout, p.stderr)
    return p.returncode, lines[:-1], lines[-1]


def tokens_sent(path, key):
    return [json.loads(e[4]).get(key) for e in STATE.seen(path)]


@case
def json_pagination_follows_tokens():
    STATE.script("/list", ("pages", "nextToken", {
        None: {"items": [1], "nextToken": "t1"},
        "t1": {"items": [2], "nextToken": "t2"},
        "t2": {"items": [3], "nextToken": ""},
    }))
    rc, pages, summary = paginate("/list", "nextToken", body='{"maxResults": 1}')
    assert rc == 0 and summary["pages"] == 3, summary
    assert [p["body"]["items"] for p in pages] == [[1], [2], [3]], pages
    assert tokens_sent("/list", "nextToken") == [None, "t1", "t2"]
    assert all(json.loads(e[4])["maxResults"] == 1 for e in STATE.seen("/list"))


@case
def json_pagination_stops_on_a_missing_token():
    STATE.script("/list1", ("pages", "NextToken", {None: {"items": []}}))
    rc, pages, summary = paginate("/list1", "NextToken")
    assert rc == 0 and summary["pages"] == 1, summary


@case
def json_pagination_refuses_a_loop():
    STATE.script("/loop", ("pages", "nextToken", {
        None: {"nextToken": "a"}, "a": {"nextToken": "b"}, "b": {"nextToken": "a"}}))
    rc, pages, summary = paginate("/loop", "nextToken")
    assert rc == 1 and summary["code"] == "PaginationLoop", summary
    assert summary["pages"] == 3 and len(STATE.seen("/loop")) == 3, summary


@case
def json_pagination_stops_at_max_pages():
    STATE.script("/endless", ("pages", "nextToken",
                              dict([(None, {"nextToken": "p1"})] +
                                   [("p%d" % i, {"nextToken": "p%d" % (i + 1)}) for i in range(1, 50)])))
    rc, pages, summary = paginate("/endless", "nextToken", "--max-pages", "5")
    assert rc == 1 and summary["code"] == "TooManyPages", summary
    assert summary["pages"] == 5 and len(STATE.seen("/endless")) == 5


@case
def query_pagination_follows_next_token():
    def page(names, token):
        members = "".join("<member><StackName>%s</StackName></member>" % n for n in names)
        tok = "<NextToken>%s</NextToken>" % token if token else ""
        return ('<ListStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
                "<ListStacksResult><StackSummaries>%s</StackSummaries>%s</ListStacksResult>"
                "</ListStacksResponse>" % (members, tok))
    STATE.script("/", ("qpages", {None: page(["a"], "n/1+"), "n/1+": page(["b"], None)}))
    rc, pages, summary = paginate("/", "NextToken", "--result", "ListStacksResult",
                                  proto="query", op="ListStacks:2010-05-15",
                                  body="StackStatusFilter.member.1=CREATE_COMPLETE")
    assert rc == 0 and summary["pages"] == 2, summary
    assert [p["token"] for p in pages] == ["n/1+", ""], pages
    forms = [urllib.parse.parse_qs(e[4].decode()) for e in STATE.seen("/")]
    assert [f.get("NextToken") for f in forms] == [None, ["n/1+"]], forms
    assert all(f["Action"] == ["ListStacks"] and
               f["StackStatusFilter.member.1"] == ["CREATE_COMPLETE"] for f in forms), forms


if __name__ == "__main__":
    PORT = ivstest.free_port()
    URL = "http://127.0.0.1:%d" % PORT
    server = Server(("127.0.0.1", PORT), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        ivstest.main()
    finally:
        server.shutdown()
        server.server_close()
