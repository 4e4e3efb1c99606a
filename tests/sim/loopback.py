"""loopback - what the local stand-ins (ivs_sim, runtime_api, fault_proxy)
share: a threaded HTTP server that can cut its kept-alive connections when it
stops, and the JSON call their control clients make. Only ever 127.0.0.1."""
import json
import socket
import subprocess
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class TrackingServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its open connections, so stop() can
    shut them instead of waiting for clients to hang up. Handlers call
    server.track(conn, True) in setup() and track(conn, False) in finish()."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler):
        self._conns = set()
        self._conns_lock = threading.Lock()
        ThreadingHTTPServer.__init__(self, addr, handler)

    def track(self, conn, add):
        with self._conns_lock:
            (self._conns.add if add else self._conns.discard)(conn)

    def close_connections(self):
        with self._conns_lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class TrackedHandler(BaseHTTPRequestHandler):
    """A handler whose connections its TrackingServer knows while they are open."""

    def setup(self):
        BaseHTTPRequestHandler.setup(self)
        self.server.track(self.connection, True)

    def finish(self):
        try:
            BaseHTTPRequestHandler.finish(self)
        finally:
            self.server.track(self.connection, False)


def stop_process(proc, timeout=10):
    """SIGTERM, then SIGKILL after timeout seconds; returns the exit status."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def control_call(base_url, method, path, body=None, timeout=30):
    """One call to a stand-in's unsigned JSON control API; its JSON answer
    (None for an empty body)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base_url.rstrip("/") + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"null")
