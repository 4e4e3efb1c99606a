#!/usr/bin/env python3
"""dns_stub - a tiny DNS server over UDP for the tests that run the package in
an empty root (tests/integration/test_package_root.py): musl's resolver reads
/etc/hosts, then asks the `nameserver` of /etc/resolv.conf on port 53, so a
test that wants a name to come from DNS writes this server's address there.

It answers only what it was given: an A query for a known name gets its
address; any other type for a known name (musl asks AAAA beside A) gets an
empty NOERROR answer, so the resolver does not wait for a timeout; an unknown
name gets NXDOMAIN. Every question is recorded (.queries, [(name, type)]).

Port 53 is fixed by the resolver, so the server takes a loopback address of
its own, 127.53.x.y (the whole 127/8 is loopback on Linux): two test runs at
once, or a system resolver on 127.0.0.1:53 / 127.0.0.53:53, do not collide.
Binding port 53 needs root (or CAP_NET_BIND_SERVICE); when no address is free
start() raises OSError naming what it tried.

    from dns_stub import DnsStub
    with DnsStub({"ivs.ivsvc.test": "127.0.0.1"}) as dns:
        dns.address   # "127.53.17.201", for resolv.conf
        dns.queries   # [("ivs.ivsvc.test", "A"), ("ivs.ivsvc.test", "AAAA")]

Only ever binds 127.x addresses; the wire format is RFC 1035's, with struct.
"""
import random
import socket
import struct
import threading

TYPES = {1: "A", 28: "AAAA", 5: "CNAME", 15: "MX", 16: "TXT", 33: "SRV", 65: "HTTPS"}
NOERROR, FORMERR, NXDOMAIN, NOTIMP = 0, 1, 3, 4


def parse_question(msg):
    """(id, flags, name, qtype, end of the question) of a query; ValueError
    when it is not one plain question."""
    if len(msg) < 12:
        raise ValueError("short header")
    qid, flags, qdcount = struct.unpack("!HHH", msg[:6])
    if qdcount != 1:
        raise ValueError("%d questions" % qdcount)
    labels, pos = [], 12
    while True:
        if pos >= len(msg):
            raise ValueError("name runs past the message")
        n = msg[pos]
        pos += 1
        if n == 0:
            break
        if n & 0xC0:
            raise ValueError("compressed name in a question")
        labels.append(msg[pos:pos + n].decode("ascii", "replace"))
        pos += n
    if pos + 4 > len(msg):
        raise ValueError("question without type and class")
    qtype, _qclass = struct.unpack("!HH", msg[pos:pos + 4])
    return qid, flags, ".".join(labels), qtype, pos + 4


def answer(msg, names):
    """The reply to query `msg` (bytes) from {name: IPv4 address}, and the
    question as (name, type) for the record (None when unparsable)."""
    try:
        qid, flags, name, qtype, end = parse_question(msg)
    except ValueError:
        qid = struct.unpack("!H", msg[:2])[0] if len(msg) >= 2 else 0
        return struct.pack("!HHHHHH", qid, 0x8000 | FORMERR, 0, 0, 0, 0), None
    opcode = flags & 0x7800
    addr = names.get(name.lower().rstrip("."))
    records = b""
    if opcode:
        rcode = NOTIMP
    elif addr is None:
        rcode = NXDOMAIN
    else:
        rcode = NOERROR
        if qtype == 1:
            # the name as a pointer to the question (offset 12), A, IN, TTL 5 s
            records = struct.pack("!HHHIH", 0xC00C, 1, 1, 5, 4) + socket.inet_aton(addr)
    # QR, opcode echoed, AA, RD echoed, RA
    out_flags = 0x8000 | opcode | 0x0400 | (flags & 0x0100) | 0x0080 | rcode
    header = struct.pack("!HHHHHH", qid, out_flags, 1, 1 if records else 0, 0, 0)
    # the question goes back byte for byte: musl matches replies on it
    return header + msg[12:end] + records, (name, TYPES.get(qtype, str(qtype)))


class DnsStub:
    """The server on <address>:53 (UDP) in a thread. names: {name: IPv4}."""

    def __init__(self, names, address=None, port=53):
        self.names = {k.lower().rstrip("."): v for k, v in names.items()}
        self.address = address
        self.port = port
        self.queries = []
        self._lock = threading.Lock()
        self._sock = None
        self._thread = None

    def start(self):
        tried = []
        candidates = [self.address] if self.address else \
            ["127.53.%d.%d" % (random.randint(0, 255), random.randint(1, 254)) for _ in range(8)]
        for addr in candidates:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind((addr, self.port))
            except OSError as e:
                s.close()
                tried.append("%s:%d: %s" % (addr, self.port, e.strerror or e))
                continue
            self._sock, self.address = s, addr
            break
        if self._sock is None:
            raise OSError("dns_stub: no loopback address to serve DNS on (port 53 needs root): "
                          + "; ".join(tried))
        self._sock.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def _serve(self):
        while not self._stop.is_set():
            try:
                msg, peer = self._sock.recvfrom(512)
            except socket.timeout:
                continue
            except OSError:
                return
            reply, question = answer(msg, self.names)
            if question:
                with self._lock:
                    self.queries.append(question)
            try:
                self._sock.sendto(reply, peer)
            except OSError:
                pass

    def asked(self, name):
        """The types asked for `name`, in order."""
        with self._lock:
            return [t for n, t in self.queries if n.lower().rstrip(".") == name.lower().rstrip(".")]

    def stop(self):
        if self._thread:
            self._stop.set()
            self._thread.join(5)
            self._thread = None
        if self._sock:
            self._sock.close()
            self._sock = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
