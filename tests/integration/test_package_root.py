#!/usr/bin/env python3
"""The Lambda package alone in an empty root, over TLS: the isolation proof.

A run on a normal machine cannot show that the package needs nothing of the
host (a loader would quietly take the host's copy of a missing library, OpenSSL
would read the host's openssl.cnf); a run in a root that holds nothing but the
unpacked function.zip (/var/task), a generated /etc, /tmp, a few /dev nodes
and /proc can. The root's /etc is what provided.al2023 gives a function:
hosts, resolv.conf, an nsswitch.conf naming `files dns myhostname` (which a
static musl executable must ignore), and the CA bundle at Amazon Linux's path,
/etc/pki/tls/certs/ca-bundle.crt, here holding a test CA. The function is
started by `unshare --mount --root` (a private mount namespace, so /proc is
mounted for it alone; the network namespace is the host's, where the
stand-ins listen on loopback) with exactly Lambda's variables: no
SSL_CERT_FILE, so the bundle it trusts is the one at the Amazon Linux path.

moto's DynamoDB and the IVS simulator sit behind TLS fronts (tests/sim/
tls_front.py) whose certificate the test CA signed; the DynamoDB endpoint's
name comes from the root's /etc/hosts, the IVS endpoint's from a DNS stand-in
(tests/sim/dns_stub.py) that resolv.conf names. The cases:
  - a tick over TLS writes the table's exact items and the simulator gets
    the exact metadata; each name was resolved where it should be (the DNS
    stand-in was asked for the IVS name only) and sent as SNI;
  - a CA bundle of another CA at the Amazon Linux path: the tick fails with
    a certificate verification error on /error, no request reached either
    service, nothing written;
  - under strace -f (file syscalls): after the execve of /var/task/bootstrap
    the function opens the CA bundle, /etc/hosts and /etc/resolv.conf, and
    touches no shared object, no libnss_*, no nsswitch.conf and no
    openssl.cnf, and executes nothing else.
Needs root (chroot, mount, port 53), util-linux's unshare and strace.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile

import ivstest  # noqa: E402
from ivstest import case, main  # noqa: E402

ivstest.require_python_tools("boto3", "moto", "cryptography")
from dns_stub import DnsStub  # noqa: E402
from ivs_sim import IvsSim  # noqa: E402
from runtime_api import Function, RuntimeApi, lambda_env, scheduled_event, unpack_package  # noqa: E402
from tls_front import TestCA, TlsFront  # noqa: E402

ZIP = os.path.join(ivstest.BUILD_DIR, "function.zip")
TASK = "/var/task"
AL_CA_BUNDLE = "/etc/pki/tls/certs/ca-bundle.crt"
HOSTS_NAME = "dynamodb.ivsvc.test"  # in the root's /etc/hosts only
DNS_NAME = "ivs.ivsvc.test"         # from the DNS stand-in only
MINUTE_ISO = "2026-11-24T18:07:00Z"
MINUTE_MS = 1795543620000
# character devices the root gets: name -> (major, minor)
DEV_NODES = {"null": (1, 3), "zero": (1, 5), "random": (1, 8), "urandom": (1, 9)}

_env = {}


def require_root_tools():
    problems = []
    if os.geteuid() != 0:
        problems.append("not root (chroot, mount and DNS on port 53 need it)")
    for tool in ("unshare", "strace"):
        if not shutil.which(tool):
            problems.append("no %s (scripts/deps.sh installs it)" % tool)
    assert not problems, "; ".join(problems)


def env():
    """moto and the simulator behind TLS, the DNS stand-in, the test CA; shared."""
    if not _env:
        require_root_tools()
        work = tempfile.mkdtemp(prefix="ivsvc-tls-")
        _env["work"] = work
        ca = TestCA("ivsvc test CA")
        cert, key = ca.server_files(work, [HOSTS_NAME, DNS_NAME])
        moto = ivstest.MotoServer().__enter__()
        _env["moto"] = moto
        _env["sim"] = sim = IvsSim().start()
        _env["dns"] = DnsStub({DNS_NAME: "127.0.0.1"}).start()
        _env["ddb_front"] = TlsFront(moto.port, cert, key).start()
        _env["ivs_front"] = TlsFront(sim.port, cert, key).start()
        _env.update(ca=ca, ddb=ivstest.boto_client("dynamodb", moto.url), n=0)
    return _env


def close_env():
    for name in ("ddb_front", "ivs_front", "dns", "sim"):
        if name in _env:
            _env[name].stop()
    if "moto" in _env:
        _env["moto"].__exit__(None, None, None)
    if "work" in _env:
        shutil.rmtree(_env["work"], ignore_errors=True)


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    os.chmod(path, mode)


def make_root(ca_pem):
    """An empty root: the unpacked package in /var/task, a generated /etc with
    `ca_pem` as the Amazon Linux CA bundle, /tmp, /dev nodes, a /proc mount
    point. Nothing else: no shell, no loader, no library."""
    e = env()
    root = tempfile.mkdtemp(prefix="root-", dir=e["work"])
    os.chmod(root, 0o755)
    unpack_package(ZIP, os.path.join(root, TASK.lstrip("/")))
    etc = os.path.join(root, "etc")
    write(os.path.join(etc, "hosts"),
          "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n127.0.0.1\t%s\n" % HOSTS_NAME)
    write(os.path.join(etc, "resolv.conf"),
          "nameserver %s\noptions timeout:2 attempts:2\n" % e["dns"].address)
    write(os.path.join(etc, "nsswitch.conf"),
          "passwd: files\ngroup: files\nhosts: files dns myhostname\n")
    write(os.path.join(root, AL_CA_BUNDLE.lstrip("/")), ca_pem)
    for d, mode in (("tmp", 0o1777), ("proc", 0o555), ("dev", 0o755)):
        os.makedirs(os.path.join(root, d), exist_ok=True)
        os.chmod(os.path.join(root, d), mode)
    for name, (major, minor) in DEV_NODES.items():
        os.mknod(os.path.join(root, "dev", name), 0o020666, os.makedev(major, minor))
        os.chmod(os.path.join(root, "dev", name), 0o666)
    return root


def new_table():
    e = env()
    e["n"] += 1
    return ivstest.create_viewers_table(e["ddb"], "Root%d" % e["n"])


def scan_counts(table):
    """{channel ARN: count} of the table's items for MINUTE_MS."""
    items = env()["ddb"].scan(TableName=table)["Items"]
    assert all(int(i["time"]["N"]) == MINUTE_MS for i in items), items
    return {i["channel"]["S"]: int(i["count"]["N"]) for i in items}


def reset_services(count, live, seed):
    """Fresh channels, no metadata, no counters, no TLS records."""
    e = env()
    e["sim"].reset()
    chans = e["sim"].create_channels(count, live=live, seed=seed)
    for front in (e["ddb_front"], e["ivs_front"]):
        front.server_names.clear()
        front.failures.clear()
        front.connections = 0
    e["dns"].queries.clear()
    return chans


def start_in_root(root, rt, table, trace=None):
    """bootstrap started the way Lambda would, inside `root`: its own mount
    namespace with /proc, chrooted, Lambda's variables and nothing else;
    under strace when `trace` names a log file."""
    e = env()
    extra = {"AWS_ENDPOINT_URL_DYNAMODB": "https://%s:%d" % (HOSTS_NAME, e["ddb_front"].port),
             "AWS_ENDPOINT_URL_IVS": "https://%s:%d" % (DNS_NAME, e["ivs_front"].port)}
    argv = [shutil.which("unshare"), "--mount", "--propagation", "private", "--root=" + root,
            "--mount-proc=/proc", TASK + "/bootstrap"]
    if trace:
        argv = [shutil.which("strace"), "-f", "-qq", "-o", trace, "-e", "trace=%file,execve"] + argv
    out = tempfile.NamedTemporaryFile(prefix="fn-stdout-", dir=e["work"], delete=False)
    err = tempfile.NamedTemporaryFile(prefix="fn-stderr-", dir=e["work"], delete=False)
    proc = subprocess.Popen(argv, env=lambda_env(TASK, rt, table=table, extra=extra), cwd="/",
                            stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    out.close()
    err.close()
    return Function(proc, out.name, err.name, 0)


def stop(fn):
    """Stops the function; under strace, the traced child first (strace
    passes its exit on), since a SIGTERM to strace would only detach it."""
    if fn.proc.poll() is None:
        try:
            with open("/proc/%d/task/%d/children" % (fn.proc.pid, fn.proc.pid)) as f:
                kids = [int(p) for p in f.read().split()]
        except OSError:
            kids = []
        for pid in kids:
            os.kill(pid, signal.SIGTERM)
        if kids:
            try:
                fn.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
    fn.stop()


def tick_in_root(root, table, trace=None):
    """One scheduled tick of the function in `root`: (result, stdout, stderr)."""
    # a 15 s deadline: a tick that cannot finish says why within the wait
    with RuntimeApi(timeout_ms=15000) as rt:
        fn = start_in_root(root, rt, table, trace)
        try:
            rid = rt.invoke(scheduled_event(MINUTE_ISO))
            try:
                res = rt.wait_result(rid, timeout=25)
            except TimeoutError:
                raise AssertionError("no answer; init errors %r, stderr %r"
                                     % (rt.init_errors, fn.stderr()[-2000:]))
        finally:
            stop(fn)
            out, err = fn.stdout(), fn.stderr()
            os.unlink(fn.stdout_path)
            os.unlink(fn.stderr_path)
    return res, out, err


def check_good_tick(res, chans, table):
    """The response, the table and the metadata match the simulator's channels;
    each endpoint's name was resolved from where it should be."""
    e = env()
    assert res["kind"] == "response", res
    body = res["body"]
    live = [c for c in chans if c["live"]]
    assert body["channels"] == len(chans) and body["live"] == len(live), body
    assert body["itemsWritten"] == len(chans) and body["metadataSent"] == len(live), body
    assert body["errors"] == [], body
    assert scan_counts(table) == {c["arn"]: c["viewers"] if c["live"] else 0 for c in chans}
    md = e["sim"].metadata()
    assert {arn: [m["payload"] for m in ms] for arn, ms in md.items()} == \
        {c["arn"]: [str(c["viewers"])] for c in live}, md
    # the IVS name came from DNS (an A question; AAAA too is fine), the
    # DynamoDB name from /etc/hosts: the stand-in never heard of it
    assert "A" in e["dns"].asked(DNS_NAME), e["dns"].queries
    assert e["dns"].asked(HOSTS_NAME) == [], e["dns"].queries
    assert set(e["ddb_front"].server_names) == {HOSTS_NAME}, e["ddb_front"].server_names
    assert set(e["ivs_front"].server_names) == {DNS_NAME}, e["ivs_front"].server_names
    assert e["ddb_front"].failures == [] and e["ivs_front"].failures == [], \
        (e["ddb_front"].failures, e["ivs_front"].failures)


@case
def tick_over_tls_with_names_from_hosts_and_dns():
    e = env()
    chans = reset_services(6, live=4, seed=11)
    assert sum(c["viewers"] for c in chans if c["live"]) > 0, chans
    root = make_root(e["ca"].cert_pem)
    try:
        table = new_table()
        res, _, _ = tick_in_root(root, table)
        check_good_tick(res, chans, table)
    finally:
        shutil.rmtree(root)


@case
def wrong_ca_at_the_amazon_linux_path_fails_verification():
    e = env()
    reset_services(4, live=2, seed=12)
    root = make_root(TestCA("not the signer").cert_pem)
    try:
        table = new_table()
        res, out, err = tick_in_root(root, table)
        # answered on /error with OpenSSL's reason, and logged the same
        assert res["kind"] == "error", res
        msg = res["body"]["errorMessage"]
        assert re.search(r"SSL certificate problem: unable to get local issuer certificate", msg), msg
        assert DNS_NAME in msg or HOSTS_NAME in msg, msg
        logged = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        assert any(l.get("level") == "error" and l.get("errorMessage") == msg for l in logged), (out, err)
        # the client hung up in the handshake, saying why: unknown CA
        fails = e["ddb_front"].failures + e["ivs_front"].failures
        assert fails and all("UNKNOWN_CA" in f for f in fails), fails
        assert e["ddb_front"].connections == 0 and e["ivs_front"].connections == 0
        assert not any(e["sim"].stats()["requests"].values()), e["sim"].stats()
        assert scan_counts(table) == {}
        assert e["sim"].metadata() == {}
    finally:
        shutil.rmtree(root)


def file_calls(trace_path):
    """[(pid, syscall, path, result)] of the file syscalls the traced
    bootstrap made: everything after the execve of /var/task/bootstrap
    (before it, unshare's own start-up), unfinished calls joined with their
    resumption. result is the return value as text."""
    calls, pending, started = [], {}, False
    with open(trace_path, errors="replace") as f:
        for line in f:
            m = re.match(r"^(\d+) +(.*)$", line.rstrip("\n"))
            if not m:
                continue
            pid, rest = int(m.group(1)), m.group(2)
            if not started:
                started = rest.startswith('execve("%s/bootstrap"' % TASK) and rest.endswith("= 0")
                continue
            r = re.match(r'^<\.\.\. (\w+) resumed>.*\)\s+= (.+)$', rest)
            if r and pid in pending:
                name, path = pending.pop(pid)
                calls.append((pid, name, path, r.group(2)))
                continue
            c = re.match(r'^(\w+)\((?:AT_FDCWD, |-?\d+, )?"([^"]*)"', rest)
            if not c:
                continue
            if rest.endswith("<unfinished ...>"):
                pending[pid] = (c.group(1), c.group(2))
            else:
                calls.append((pid, c.group(1), c.group(2), rest.rsplit("= ", 1)[-1]))
    assert started, "no execve of %s/bootstrap in the trace" % TASK
    return calls


@case
def strace_shows_no_library_no_nss_no_openssl_cnf():
    e = env()
    chans = reset_services(3, live=2, seed=13)
    root = make_root(e["ca"].cert_pem)
    trace = os.path.join(e["work"], "bootstrap.strace")
    try:
        table = new_table()
        res, _, _ = tick_in_root(root, table, trace=trace)
        check_good_tick(res, chans, table)
        calls = file_calls(trace)
    finally:
        shutil.rmtree(root)
    opened = {path for _, name, path, result in calls
              if name in ("open", "openat") and re.match(r"^\d+", result)}
    for want in (AL_CA_BUNDLE, "/etc/hosts", "/etc/resolv.conf"):
        assert want in opened, (want, sorted(opened))
    touched = [path for _, _, path, _ in calls]
    bad = [p for p in touched if "openssl.cnf" in p or "libnss_" in p or "nsswitch.conf" in p
           or p.endswith(".so") or ".so." in p or "ld-musl" in p or "ld-linux" in p]
    assert bad == [], bad
    assert [c for c in calls if c[1] == "execve"] == [], "the function executed something"
    # and it opened nothing of the host it could have expected: every file it
    # opened is one the root was given
    given = {AL_CA_BUNDLE, "/etc/hosts", "/etc/resolv.conf"} | {"/dev/" + n for n in DEV_NODES}
    strays = sorted(p for p in opened if p not in given and not p.startswith(("/proc/", TASK + "/")))
    assert strays == [], strays


if __name__ == "__main__":
    try:
        main()
    finally:
        close_env()
