#!/usr/bin/env python3
"""tls_front - HTTPS in front of a plain-HTTP stand-in (moto_server, ivs_sim),
and the test certificate authority that signs its certificate, for the tests
that run the package over TLS (tests/integration/test_package_root.py).

The front ends TLS on 127.0.0.1:<free port> and passes the bytes on to the
backend port unchanged (Host header, SigV4 signature and all), one backend
connection per client connection. It records the server name each client
sent (SNI, .server_names) and each handshake that failed (.failures, the
ssl error text: a client that rejects the certificate shows up there as an
alert such as TLSV1_ALERT_UNKNOWN_CA).

    from tls_front import TestCA, TlsFront
    ca = TestCA("ivsvc test CA")
    cert, key = ca.server_files(tmpdir, ["ddb.ivsvc.test", "ivs.ivsvc.test"])
    with TlsFront(backend_port, cert, key) as front:
        front.port ...
    open("ca.pem", "wb").write(ca.cert_pem)

Certificates are made with the `cryptography` package (a moto dependency):
EC P-256 keys, valid from an hour ago for a day.

Only ever binds 127.0.0.1.
"""
import datetime
import os
import select
import socket
import ssl
import threading


class TestCA:
    """A self-signed CA (cert_pem) that signs server certificates."""

    def __init__(self, name):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
        self._x509, self._hashes, self._ser, self._ec, self._oid = x509, hashes, serialization, ec, NameOID
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        ski = x509.SubjectKeyIdentifier.from_public_key(self.key.public_key())
        self.cert = (self._builder(self.name, self.key.public_key())
                     .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                     .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                                    critical=True)
                     .add_extension(ski, critical=False)
                     .sign(self.key, hashes.SHA256()))
        self.cert_pem = self.cert.public_bytes(serialization.Encoding.PEM)

    def _builder(self, subject, public_key):
        now = datetime.datetime.now(datetime.timezone.utc)
        return (self._x509.CertificateBuilder().subject_name(subject).issuer_name(self.name)
                .public_key(public_key).serial_number(self._x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(hours=1))
                .not_valid_after(now + datetime.timedelta(days=1)))

    def server_cert(self, dns_names):
        """(certificate PEM, private key PEM) for a server answering dns_names."""
        x509 = self._x509
        key = self._ec.generate_private_key(self._ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(self._oid.COMMON_NAME, dns_names[0])])
        cert = (self._builder(subject, key.public_key())
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]),
                               critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                               critical=True)
                .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                               critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                               critical=False)
                .sign(self.key, self._hashes.SHA256()))
        key_pem = key.private_bytes(self._ser.Encoding.PEM, self._ser.PrivateFormat.PKCS8,
                                    self._ser.NoEncryption())
        return cert.public_bytes(self._ser.Encoding.PEM), key_pem

    def server_files(self, directory, dns_names):
        """server_cert() written to directory/server.crt and server.key; their paths."""
        cert_pem, key_pem = self.server_cert(dns_names)
        paths = os.path.join(directory, "server.crt"), os.path.join(directory, "server.key")
        for path, data in zip(paths, (cert_pem, key_pem)):
            with open(path, "wb") as f:
                f.write(data)
        os.chmod(paths[1], 0o600)
        return paths


class TlsFront:
    """TLS on 127.0.0.1:.port, bytes passed to 127.0.0.1:backend_port."""

    def __init__(self, backend_port, certfile, keyfile, port=0):
        self.backend_port = backend_port
        self.port = port
        self.server_names = []
        self.failures = []
        self.connections = 0
        self._ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._ctx.load_cert_chain(certfile, keyfile)
        self._ctx.sni_callback = self._note_sni
        self._lock = threading.Lock()
        self._open = set()
        self._listener = None
        self._thread = None

    def _note_sni(self, sslobj, name, ctx):
        with self._lock:
            self.server_names.append(name)

    def start(self):
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self.port = self._listener.getsockname()[1]
        self.url = "https://127.0.0.1:%d" % self.port
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()
        return self

    def _accept(self):
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # closed by stop()
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _track(self, sock, add):
        with self._lock:
            (self._open.add if add else self._open.discard)(sock)

    def _serve(self, conn):
        self._track(conn, True)
        conn.settimeout(10)
        try:
            tls = self._ctx.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as e:
            with self._lock:
                self.failures.append(str(e))
            self._track(conn, False)
            conn.close()
            return
        with self._lock:
            self.connections += 1
        tls.settimeout(None)
        try:
            back = socket.create_connection(("127.0.0.1", self.backend_port), timeout=10)
        except OSError:
            self._track(conn, False)
            tls.close()
            return
        back.settimeout(None)
        self._track(back, True)
        try:
            self._pump(tls, back)
        except (ssl.SSLError, OSError):
            pass  # either side went away
        finally:
            for s in (tls, back):
                self._track(s, False)
                s.close()
            self._track(conn, False)

    @staticmethod
    def _pump(tls, back):
        """Both directions on one thread: an SSL object is not for two."""
        while True:
            ready = [tls] if tls.pending() else select.select([tls, back], [], [], 30)[0]
            if not ready:
                return  # idle for 30 s
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                (back if s is tls else tls).sendall(data)

    def stop(self):
        if self._listener:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            socks = list(self._open)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread:
            self._thread.join(5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
