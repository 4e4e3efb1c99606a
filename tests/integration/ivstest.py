"""ivstest - what the integration tests share.

It sits beside the tests so that a test run by hand finds it (Python puts a
script's own folder first on its path):
    python3 tests/integration/test_cli_logs.py            # every case
    python3 tests/integration/test_cli_logs.py CASE...    # only those cases
    python3 tests/integration/test_cli_logs.py --list     # the case names
Paths come from the environment ctest sets (IVSVC_SOURCE_DIR, IVSVC_BUILD_DIR,
IVSVC_BIN); unset, they are this checkout and its build/ folder. The
simulators in tests/sim are importable once this module is.

- free_port(): a free loopback port.
- MotoServer: starts `moto_server` on 127.0.0.1:<free port>, waits until it
  answers, stops it (context manager). Only loopback, always stopped.
- run_ivsvc(args, env=...): runs the built CLI with a clean AWS environment
  pointed at the given endpoints (never at real AWS).
- case / main: a tiny runner: every @case function of the file run runs (or
  the ones named on the command line), failures are reported, the last line
  is "N passed, N failed", the exit status says it.
- require_python_tools(...): checks the image's Python tools and says which
  `pip install` a user on another machine needs.
"""
import importlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
# Absolute, since tests run the CLI from other folders.
SOURCE_DIR = os.path.abspath(os.environ.get("IVSVC_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE)))
BUILD_DIR = os.path.abspath(os.environ.get("IVSVC_BUILD_DIR") or os.path.join(SOURCE_DIR, "build"))
IVSVC = os.path.abspath(os.environ.get("IVSVC_BIN") or os.path.join(BUILD_DIR, "ivsvc"))

# The simulators (tests/sim) the tests import; ctest puts them on PYTHONPATH,
# a test run by hand gets them here.
SIM_DIR = os.path.join(os.path.dirname(HERE), "sim")
if SIM_DIR not in sys.path:
    sys.path.insert(1, SIM_DIR)
import loopback  # noqa: E402  (tests/sim, on the path from here on)


def workdir(parent, config=None):
    """A fresh folder under parent to run ivsvc in, with ivsvc.yaml when config
    is given."""
    d = tempfile.mkdtemp(dir=parent)
    if config is not None:
        with open(os.path.join(d, "ivsvc.yaml"), "w") as f:
            f.write(config)
    return d


def create_viewers_table(ddb, name):
    """A table of the stack's shape (channel S HASH, time N RANGE) in ddb."""
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "channel", "KeyType": "HASH"},
                   {"AttributeName": "time", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "channel", "AttributeType": "S"},
                              {"AttributeName": "time", "AttributeType": "N"}])
    return name

PIP_NAMES = {
    "moto": "'moto[server]==5.2.*'",
    "boto3": "'boto3>=1.43'",
    "botocore": "'botocore>=1.43'",
    "cfnlint": "'cfn-lint==1.51.*'",
    "flask": "flask",
}


def require_python_tools(*modules):
    missing = []
    for m in modules:
        try:
            importlib.import_module(m)
        except ImportError:
            missing.append(m)
    if missing:
        pkgs = " ".join(PIP_NAMES.get(m, m) for m in missing)
        sys.stderr.write("missing Python tools: %s; install them with: python3 -m pip install %s\n"
                         % (", ".join(missing), pkgs))
        sys.exit(1)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=30.0, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("server exited early with %s" % proc.returncode)
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except urllib.error.HTTPError:
            return  # it answered
        except Exception:
            time.sleep(0.1)
    raise RuntimeError("server at %s did not answer in %ss" % (url, timeout))


class MotoServer:
    """moto_server on a free loopback port; .url is its base URL."""

    def __init__(self):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.proc = None
        self.log = None

    def __enter__(self):
        exe = shutil.which("moto_server")
        if not exe:
            require_python_tools("moto")
            exe = [sys.executable, "-m", "moto.server"]
        else:
            exe = [exe]
        self.log = tempfile.NamedTemporaryFile(prefix="moto-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(exe + ["-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_http(self.url + "/moto-api/", proc=self.proc)
        return self

    def __exit__(self, *exc):
        if self.proc:
            loopback.stop_process(self.proc)
        if self.log:
            self.log.close()
            os.unlink(self.log.name)
        return False

    def reset(self):
        req = urllib.request.Request(self.url + "/moto-api/reset", method="POST")
        urllib.request.urlopen(req, timeout=10).read()


TEST_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
TEST_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def clean_env(endpoint=None, region="us-east-1", home=None, extra=None):
    """An environment with no AWS settings from the caller's, test credentials,
    and every endpoint at `endpoint` (a loopback URL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = home or tempfile.mkdtemp(prefix="ivsvc-home-")
    env["AWS_ACCESS_KEY_ID"] = TEST_KEY_ID
    env["AWS_SECRET_ACCESS_KEY"] = TEST_SECRET
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    if region:
        env["AWS_REGION"] = region
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    if extra:
        env.update(extra)
    return env


def boto_client(service, endpoint, region="us-east-1"):
    import boto3
    return boto3.client(service, endpoint_url=endpoint, region_name=region,
                        aws_access_key_id=TEST_KEY_ID, aws_secret_access_key=TEST_SECRET)


def run_ivsvc(args, env, input=None, timeout=300, cwd=None):
    """Runs the CLI; returns CompletedProcess with text stdout/stderr."""
    return subprocess.run([IVSVC] + list(args), env=env, input=input, capture_output=True,
                          text=True, timeout=timeout, cwd=cwd)


def run_ivsvc_on_terminal(args, env, typed, timeout=120, cwd=None):
    """Runs the CLI with a pseudo-terminal as its stdin (what a person at a
    prompt gives it) and `typed` already typed there; stdout and stderr are
    captured as run_ivsvc's."""
    import pty
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([IVSVC] + list(args), env=env, cwd=cwd, stdin=slave,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        os.close(slave)
        slave = None
        os.write(master, typed.encode())
        out, err = p.communicate(timeout=timeout)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def run_ivsvc_on_cfn_sim(sim, args, cwd, timeout=120):
    """Runs the CLI against the scripted CloudFormation (tests/sim/cfn_sim.py),
    polling fast, and prints the command with what it said."""
    env = clean_env(endpoint=sim.url, extra={"IVSVC_POLL_MS": "20"})
    r = run_ivsvc(args, env=env, cwd=cwd, timeout=timeout)
    print("$ ivsvc %s -> %d\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r


class LineReader:
    """Collects a running process's stdout lines (text mode) in a thread, for
    tests of commands that keep printing (`logs --follow`). .lines is the list
    so far; wait_for(n) waits until there are n of them."""

    def __init__(self, proc):
        import threading
        self.lines = []
        self._thread = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, n, timeout=15):
        deadline = time.time() + timeout
        while len(self.lines) < n and time.time() < deadline:
            time.sleep(0.05)
        return len(self.lines) >= n

    def join(self, timeout=5):
        self._thread.join(timeout)


_cases = []


def case(fn):
    _cases.append(fn)
    return fn


def main():
    """Runs the cases of the file that was run (not of a test module it
    imports for its fixtures): all of them, or the ones named in sys.argv."""
    mine = [fn for fn in _cases if fn.__module__ == "__main__"]
    names = [fn.__name__ for fn in mine]
    only = sys.argv[1:]
    if only == ["--list"]:
        print("\n".join(names))
        sys.exit(0)
    unknown = [n for n in only if n not in names]
    if unknown:
        sys.stderr.write("no case named %s; the cases: %s (or --list)\n"
                         % (", ".join(unknown), " ".join(names)))
        sys.exit(2)
    if not os.access(IVSVC, os.X_OK):
        sys.stderr.write("note: no built ivsvc at %s (build first, or set IVSVC_BUILD_DIR)\n" % IVSVC)
    passed = failed = 0
    for fn in mine:
        if only and fn.__name__ not in only:
            continue
        t0 = time.time()
        try:
            fn()
            passed += 1
            print("ok   %s (%.1fs)" % (fn.__name__, time.time() - t0), flush=True)
        except Exception:
            failed += 1
            print("FAIL %s" % fn.__name__, flush=True)
            traceback.print_exc()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not passed else 0)
