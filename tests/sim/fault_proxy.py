#!/usr/bin/env python3
"""fault_proxy - a reverse proxy on 127.0.0.1 that forwards HTTP/1.1 requests
byte for byte to one loopback upstream (moto_server, the IVS simulator, ...)
and injects faults with a seeded RNG.

The request head (request line and headers, Host included, in their order and
case) and body go upstream unchanged, so a SigV4 signature made for the proxy's
address still verifies upstream; responses come back unchanged.

Faults (one uniform draw per matching request picks at most one, so each
happens at its configured rate; a second draw picks the delay):
    drop        close the client connection without forwarding or answering
    drop_after  forward, let upstream act, then close without answering
                (the client cannot know it succeeded: tests idempotence)
    error500    answer 500 InternalServerError without forwarding
    throttle    answer a throttling error without forwarding; by default
                DynamoDB's: HTTP 400 {"__type":"com.amazonaws.dynamodb.v20120810#
                ProvisionedThroughputExceededException","message":...}
    delay_ms    [min, max] milliseconds before handling (requests still succeed)

Subprocess:
    python3 tests/sim/fault_proxy.py --upstream http://127.0.0.1:5000 --port 0 --port-file F
        [--seed 1 --throttle 0.1 --error500 0.05 --drop 0.02 --drop-after 0.02
         --delay-ms 0 50 --targets DynamoDB_20120810.PutItem,GetItem]
    (prints its URL on stdout, writes it to F, runs until SIGTERM/SIGINT)

Module:
    from fault_proxy import FaultProxy
    with FaultProxy("http://127.0.0.1:5000", seed=1, throttle=0.1) as p:
        p.url; p.set_faults(drop=0.05, targets=["PutItem"]); p.stats()

Control API (answered by the proxy itself, never forwarded or faulted):
    GET  /_proxy/stats    {"requests","forwarded","injected":{kind:n},"delayed",
                           "upstream_errors","by_target":{op:{requests,forwarded,injected}}}
    GET  /_proxy/faults   the configuration
    POST /_proxy/faults   {"throttle":0.1,"error500":0.05,"drop":0.02,"drop_after":0.01,
                           "delay_ms":[0,50],"seed":1,"targets":["PutItem"],
                           "sequence":["throttle",null,"drop_after"],
                           "throttle_status":400,"throttle_code":"...","throttle_message":"...",
                           "error500_status":500,"error500_code":"...","error500_message":"...",
                           "record":true}
                          (replaces the whole configuration; omitted keys take defaults)
                          A target "?k=v" (or "?k") matches requests whose query has that
                          parameter (S3's UploadPart "?partNumber=3"); "record" keeps every
                          request's method, path, query and fault in the stats' "log".
    POST /_proxy/reset    no faults, counters at zero
"""
import argparse
import collections
import ipaddress
import json
import os
import random
import signal
import socket
import sys
import threading
import time
import uuid
import zlib
from urllib.parse import urlsplit

from loopback import control_call

DDB_THROTTLE = "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
DDB_THROTTLE_MSG = ("The level of configured provisioned throughput for the table was exceeded. "
                    "Consider increasing your provisioning level with the UpdateTable API.")
DDB_INTERNAL = "com.amazonaws.dynamodb.v20120810#InternalServerError"
KINDS = ("drop", "drop_after", "error500", "throttle")
MAX_HEAD = 1 << 20
_current = threading.local()  # the request being decided: its method and query (for "?k=v" targets)


class FaultConfig:
    def __init__(self, cfg=None):
        cfg = dict(cfg or {})
        unknown = set(cfg) - {"throttle", "error500", "drop", "drop_after", "delay_ms", "seed", "targets",
                              "sequence", "throttle_status", "throttle_code", "throttle_message",
                              "error500_status", "error500_code", "error500_message", "record"}
        if unknown:
            raise ValueError("unknown fault settings: %s" % ", ".join(sorted(unknown)))
        self.rates = {k: float(cfg.get(k) or 0) for k in KINDS}
        if sum(self.rates.values()) > 1.0:
            raise ValueError("fault rates add up to more than 1")
        d = cfg.get("delay_ms") or [0, 0]
        if isinstance(d, (int, float)):
            d = [d, d]
        self.delay_ms = [float(d[0]), float(d[1])]
        self.seed = cfg.get("seed", 0)
        self.targets = list(cfg.get("targets") or [])
        self.record = bool(cfg.get("record"))
        self.sequence = list(cfg.get("sequence") or [])
        for s in self.sequence:
            if s is not None and s not in KINDS:
                raise ValueError("unknown fault %r in sequence" % (s,))
        self.throttle_status = int(cfg.get("throttle_status", 400))
        self.throttle_code = cfg.get("throttle_code", DDB_THROTTLE)
        self.throttle_message = cfg.get("throttle_message", DDB_THROTTLE_MSG)
        self.error500_status = int(cfg.get("error500_status", 500))
        self.error500_code = cfg.get("error500_code", DDB_INTERNAL)
        self.error500_message = cfg.get("error500_message", "Internal server error")

    def as_dict(self):
        d = dict(self.rates)
        d.update(delay_ms=self.delay_ms, seed=self.seed, targets=self.targets, sequence=self.sequence,
                 throttle_status=self.throttle_status, throttle_code=self.throttle_code,
                 throttle_message=self.throttle_message, error500_status=self.error500_status,
                 error500_code=self.error500_code, error500_message=self.error500_message,
                 record=self.record)
        return d


class _Conn:
    """A socket with a read buffer: HTTP/1.1 message framing, raw bytes kept."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError()
        self.buf += data

    def read_until(self, marker, limit=MAX_HEAD):
        while True:
            i = self.buf.find(marker)
            if i >= 0:
                out, self.buf = self.buf[:i + len(marker)], self.buf[i + len(marker):]
                return out
            if len(self.buf) > limit:
                raise ValueError("header too large")
            self._fill()

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_chunked_raw(self):
        parts = []
        while True:
            line = self.read_until(b"\r\n")
            parts.append(line)
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers up to the empty line
                    t = self.read_until(b"\r\n")
                    parts.append(t)
                    if t == b"\r\n":
                        return b"".join(parts)
            parts.append(self.read_exact(size + 2))

    def read_to_close(self):
        parts = [self.buf]
        self.buf = b""
        while True:
            data = self.sock.recv(65536)
            if not data:
                return b"".join(parts)
            parts.append(data)

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def parse_head(head):
    """(start line parts, [(name, value)]) from a raw head."""
    lines = head.decode("latin-1").split("\r\n")
    start = lines[0].split(" ", 2)
    headers = []
    for ln in lines[1:]:
        if not ln:
            continue
        k, _, v = ln.partition(":")
        headers.append((k.strip(), v.strip()))
    return start, headers


def header(headers, name, default=None):
    name = name.lower()
    vals = [v for k, v in headers if k.lower() == name]
    return ", ".join(vals) if vals else default


def read_body(conn, headers, no_body=False):
    """The raw body bytes and whether the message ends at connection close."""
    if no_body:
        return b"", False
    te = (header(headers, "Transfer-Encoding") or "").lower()
    if "chunked" in te:
        return conn.read_chunked_raw(), False
    cl = header(headers, "Content-Length")
    if cl is not None:
        return conn.read_exact(int(cl.split(",")[0])), False
    return None, True


class FaultProxy:
    """FaultProxy(upstream_url, port=0, seed=0, verbose=False, **faults)."""

    def __init__(self, upstream, port=0, verbose=False, **faults):
        u = urlsplit(upstream)
        if u.scheme != "http":
            raise ValueError("upstream must be an http:// URL")
        host = u.hostname or "127.0.0.1"
        if host == "localhost":
            host = "127.0.0.1"
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError("upstream must be on the loopback interface, not %s" % host)
        self.upstream = (host, u.port or 80)
        self.upstream_url = upstream
        self.port = port
        self.verbose = verbose
        self.lock = threading.Lock()
        self.set_faults(**faults)
        self.reset_stats()
        self.sock = None
        self.url = None
        self._threads = set()
        self._socks = set()
        self._stopping = threading.Event()

    # -- configuration and counters
    def set_faults(self, **cfg):
        fc = FaultConfig(cfg)
        with self.lock:
            self.faults = fc
            self.rng = random.Random(fc.seed)
            self.sequence = collections.deque(fc.sequence)
        return fc.as_dict()

    def reset_stats(self):
        with self.lock:
            self._stats = {"requests": 0, "forwarded": 0, "injected": collections.Counter(), "delayed": 0,
                           "upstream_errors": 0,
                           "by_target": collections.defaultdict(lambda: {"requests": 0, "forwarded": 0,
                                                                         "injected": 0}),
                           "log": []}

    def stats(self):
        with self.lock:
            s = self._stats
            return {"requests": s["requests"], "forwarded": s["forwarded"], "injected": dict(s["injected"]),
                    "injected_total": sum(s["injected"].values()), "delayed": s["delayed"],
                    "upstream_errors": s["upstream_errors"],
                    "by_target": {k: dict(v) for k, v in s["by_target"].items()},
                    "log": list(s["log"])}

    def _matches(self, op, path):
        t = self.faults.targets
        if not t:
            return True
        query = getattr(_current, "query", "")
        params = query.split("&") if query else []
        for e in t:
            if e.startswith("?"):  # "?k=v" or "?k": a query parameter (S3's partNumber=3)
                if e[1:] in params or any(p.split("=", 1)[0] == e[1:] for p in params):
                    return True
            elif e == op or op.endswith("." + e) or e == path or "/" + e.lstrip("/") == path:
                return True
        return False

    def _decide(self, op, path):
        kind, delay = self._pick(op, path)
        if self.faults.record:
            with self.lock:
                if len(self._stats["log"]) < 10000:
                    self._stats["log"].append({"method": getattr(_current, "method", ""), "path": path,
                                               "query": getattr(_current, "query", ""), "fault": kind})
        return kind, delay

    def _pick(self, op, path):
        with self.lock:
            self._stats["requests"] += 1
            self._stats["by_target"][op]["requests"] += 1
            if not self._matches(op, path):
                return None, 0.0
            if self.sequence:
                kind, delay = self.sequence.popleft(), 0.0
            else:
                u = self.rng.random()
                kind, acc = None, 0.0
                for k in KINDS:
                    acc += self.faults.rates[k]
                    if u < acc:
                        kind = k
                        break
                lo, hi = self.faults.delay_ms
                delay = self.rng.uniform(lo, hi) / 1000.0 if hi > 0 else 0.0
            if kind:
                self._stats["injected"][kind] += 1
                self._stats["by_target"][op]["injected"] += 1
            if delay:
                self._stats["delayed"] += 1
            return kind, delay

    # -- lifecycle
    def start(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(128)
        s.settimeout(0.2)
        self.sock = s
        self.port = s.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        t = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)
        t.start()
        self._accept_thread = t
        return self

    def stop(self):
        self._stopping.set()
        if self.sock is not None:
            self._accept_thread.join(5)
            self.sock.close()
            self.sock = None
        with self.lock:
            socks = list(self._socks)
            threads = list(self._threads)
        for c in socks:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in threads:
            t.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def _accept_loop(self):
        while not self._stopping.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            c.settimeout(300)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            t = threading.Thread(target=self._serve, args=(c,), daemon=True)
            with self.lock:
                self._threads.add(t)
                self._socks.add(c)
            t.start()

    def _log(self, msg):
        if self.verbose:
            sys.stderr.write("fault_proxy: %s\n" % msg)

    # -- one client connection
    def _serve(self, csock):
        client = _Conn(csock)
        up = None
        try:
            while not self._stopping.is_set():
                try:
                    head = client.read_until(b"\r\n\r\n")
                except (EOFError, OSError, ValueError):
                    return
                start, headers = parse_head(head)
                if len(start) < 3:
                    client.send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                method, target = start[0], start[1]
                path = urlsplit(target).path
                if (header(headers, "Expect") or "").lower() == "100-continue":
                    client.send(b"HTTP/1.1 100 Continue\r\n\r\n")
                body, _ = read_body(client, headers)
                body = body or b""
                client_close = (header(headers, "Connection") or "").lower() == "close"
                if path.startswith("/_proxy/"):
                    self._control(client, method, path, body)
                    if client_close:
                        return
                    continue
                op = header(headers, "X-Amz-Target") or path
                _current.method, _current.query = method, urlsplit(target).query
                kind, delay = self._decide(op, path)
                if delay:
                    time.sleep(delay)
                self._log("%s %s %s fault=%s" % (method, target, op, kind))
                if kind == "drop":
                    return
                if kind in ("throttle", "error500"):
                    self._send_error(client, kind, headers)
                    if client_close:
                        return
                    continue
                try:
                    up, status_head, resp_body, up_close = self._forward(up, head, body, method)
                except (OSError, EOFError, ValueError) as e:
                    with self.lock:
                        self._stats["upstream_errors"] += 1
                    msg = json.dumps({"message": "fault_proxy: upstream failed: %s" % e}).encode()
                    client.send(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\n"
                                b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(msg) + msg)
                    return
                with self.lock:
                    self._stats["forwarded"] += 1
                    self._stats["by_target"][op]["forwarded"] += 1
                if kind == "drop_after":
                    return
                client.send(status_head + resp_body)
                if up_close:
                    if up is not None:
                        up.close()
                    up = None
                    return  # the response said the connection ends (or ended with it)
                if client_close:
                    return
        except (OSError, EOFError):
            return
        finally:
            if up is not None:
                up.close()
            client.close()
            with self.lock:
                self._socks.discard(csock)
                self._threads.discard(threading.current_thread())

    def _connect(self):
        s = socket.create_connection(self.upstream, timeout=300)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _Conn(s)

    def _forward(self, up, head, body, method):
        """Sends the request upstream (reconnecting once if a kept-alive
        connection had gone); returns (conn or None, head, body, close)."""
        for attempt in (0, 1):
            fresh = up is None
            if up is None:
                up = self._connect()
            try:
                up.send(head + body)
                while True:
                    rhead = up.read_until(b"\r\n\r\n")
                    start, rheaders = parse_head(rhead)
                    status = int(start[1])
                    if 100 <= status < 200:
                        continue  # interim responses: the client got its own 100
                    break
                no_body = method == "HEAD" or status in (204, 304)
                rbody, to_close = read_body(up, rheaders, no_body)
                if to_close:
                    rbody = up.read_to_close()
                closing = to_close or (header(rheaders, "Connection") or "").lower() == "close"
                if closing:
                    up.close()
                    up = None
                return up, rhead, rbody, closing
            except (EOFError, ConnectionResetError, BrokenPipeError):
                up.close()
                up = None
                if fresh or attempt:
                    raise
        raise EOFError("upstream closed")

    def _send_error(self, client, kind, req_headers):
        f = self.faults
        if kind == "throttle":
            status, code, msg = f.throttle_status, f.throttle_code, f.throttle_message
        else:
            status, code, msg = f.error500_status, f.error500_code, f.error500_message
        body = json.dumps({"__type": code, "message": msg}).encode()
        target = header(req_headers, "X-Amz-Target")
        reason = {400: "Bad Request", 429: "Too Many Requests", 500: "Internal Server Error",
                  503: "Service Unavailable"}.get(status, "Error")
        lines = ["HTTP/1.1 %d %s" % (status, reason),
                 "Content-Type: %s" % ("application/x-amz-json-1.0" if target else "application/json"),
                 "x-amzn-RequestId: %s" % uuid.uuid4(),
                 "x-amz-crc32: %d" % (zlib.crc32(body) & 0xffffffff),
                 "Content-Length: %d" % len(body)]
        if not target:  # REST protocols carry the code in a header
            lines.append("x-amzn-ErrorType: %s" % code.split("#")[-1])
        client.send(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    def _control(self, client, method, path, body):
        status, out = 200, None
        try:
            if path == "/_proxy/stats" and method == "GET":
                out = self.stats()
            elif path == "/_proxy/faults" and method == "GET":
                out = self.faults.as_dict()
            elif path == "/_proxy/faults" and method == "POST":
                out = self.set_faults(**(json.loads(body) if body.strip() else {}))
            elif path == "/_proxy/reset" and method == "POST":
                self.set_faults()
                self.reset_stats()
                out = {"reset": True}
            else:
                status, out = 404, {"error": "no control endpoint %s %s" % (method, path)}
        except (ValueError, TypeError) as e:
            status, out = 400, {"error": str(e)}
        data = json.dumps(out).encode()
        client.send(b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                    % (status, b"OK" if status == 200 else b"Error", len(data)) + data)


class ProxyControl:
    """The control API over HTTP, for a proxy in another process."""

    def __init__(self, url):
        self.url = url.rstrip("/")

    def _call(self, method, path, body=None):
        return control_call(self.url, method, path, body)

    def stats(self):
        return self._call("GET", "/_proxy/stats")

    def set_faults(self, **cfg):
        return self._call("POST", "/_proxy/faults", cfg)

    def reset(self):
        return self._call("POST", "/_proxy/reset", {})


def main(argv=None):
    ap = argparse.ArgumentParser(description="A fault-injecting reverse proxy (loopback only).")
    ap.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the URL here once listening")
    ap.add_argument("--seed", type=int, default=0)
    for k in KINDS:
        ap.add_argument("--" + k.replace("_", "-"), type=float, default=0.0, help="rate of %s faults" % k)
    ap.add_argument("--delay-ms", type=float, nargs=2, metavar=("MIN", "MAX"))
    ap.add_argument("--targets", help="comma-separated operations (X-Amz-Target or its suffix, or a path)")
    ap.add_argument("--throttle-status", type=int, default=400)
    ap.add_argument("--throttle-code", default=DDB_THROTTLE)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args(argv)
    p = FaultProxy(a.upstream, port=a.port, verbose=a.verbose, seed=a.seed, throttle=a.throttle,
                   error500=a.error500, drop=a.drop, drop_after=a.drop_after, delay_ms=a.delay_ms,
                   targets=[t for t in (a.targets or "").split(",") if t],
                   throttle_status=a.throttle_status, throttle_code=a.throttle_code)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    p.start()
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(p.url + "\n")
        os.replace(tmp, a.port_file)
    print(p.url, flush=True)
    while not stop.wait(0.5):
        pass
    p.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
