"""The README's main command, scripts/demo.py, end to end: it deploys into
moto, ticks the packaged function against the IVS simulator, ships the
function's output to CloudWatch Logs, and `ivsvc status` / `ivsvc logs` (run
from outside, as a user in another terminal would) see the counts and ticks.
Ctrl-C stops everything it started."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

import ivstest

DEMO = os.path.join(ivstest.SOURCE_DIR, "scripts", "demo.py")


def port_open(url):
    host, port = url.rsplit("//", 1)[1].split(":")
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, int(port))) == 0


def read_env(path):
    env = {}
    for line in open(path):
        m = re.match(r"export (\w+)=(.*)$", line.strip())
        if m:
            env[m.group(1)] = m.group(2).strip("'")
    return env


@ivstest.case
def demo_bounded_run_shows_growing_history():
    tmp = tempfile.mkdtemp(prefix="ivsvc-demo-test-")
    r = subprocess.run([sys.executable, DEMO, "--build", ivstest.BUILD_DIR, "--fast", "0.5",
                        "--ticks", "3", "--channels", "5", "--live", "3",
                        "--env-file", os.path.join(tmp, "demo.env")],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    ticks = re.findall(r"tick (\S+): (\d+) channels, (\d+) live, (\d+) items written, (\d+) metadata sent",
                       r.stdout)
    assert len(ticks) == 3, r.stdout
    minutes = [t[0] for t in ticks]
    assert all(m.endswith(":00Z") for m in minutes), minutes
    assert len(set(minutes)) == 3, minutes
    for _, ch, live, items, sent in ticks:
        assert (ch, live, items, sent) == ("5", "3", "5", "3"), ticks
    # the metadata of the third tick holds three points, newest first
    payloads = re.findall(r"sim000000000 <- '([0-9,]+)'", r.stdout)
    assert [len(p.split(",")) for p in payloads] == [1, 2, 3], payloads
    assert "Latest counts" in r.stdout, r.stdout


@ivstest.case
def demo_status_and_logs_from_another_terminal_then_ctrl_c():
    tmp = tempfile.mkdtemp(prefix="ivsvc-demo-test-")
    env_file = os.path.join(tmp, "demo.env")
    out_path = os.path.join(tmp, "demo.out")
    with open(out_path, "w") as out:
        proc = subprocess.Popen([sys.executable, DEMO, "--build", ivstest.BUILD_DIR, "--fast", "1",
                                 "--channels", "4", "--live", "2", "--env-file", env_file],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 300
        while time.time() < deadline:
            text = open(out_path).read()
            if len(re.findall(r"demo: tick ", text)) >= 2:
                break
            assert proc.poll() is None, text
            time.sleep(0.5)
        else:
            raise AssertionError("no two ticks in time:\n" + open(out_path).read())
        denv = read_env(env_file)
        env = ivstest.clean_env(endpoint=denv["AWS_ENDPOINT_URL"],
                                extra={"AWS_ENDPOINT_URL_IVS": denv["AWS_ENDPOINT_URL_IVS"]})
        st = ivstest.run_ivsvc(["status", "--json"], env)
        assert st.returncode == 0, st.stderr
        doc = json.loads(st.stdout)
        assert doc["stack"]["status"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), doc
        counts = {c["channel"].rsplit("/", 1)[-1]: c for c in doc.get("channels", [])}
        assert set(counts) == {"sim%09d" % i for i in range(4)}, counts
        lg = ivstest.run_ivsvc(["logs", "--since", "1h"], env)
        assert lg.returncode == 0, lg.stderr
        assert lg.stdout.count("START RequestId") >= 2, lg.stdout
        assert '"metadataSent":2' in lg.stdout.replace(" ", ""), lg.stdout
        assert ivstest.TEST_SECRET not in lg.stdout + st.stdout
        moto_url = denv["AWS_ENDPOINT_URL"]
        assert port_open(moto_url)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    text = open(out_path).read()
    assert proc.returncode == 0, text
    assert "everything it started is stopped" in text, text
    assert not port_open(moto_url), "moto still listening after Ctrl-C"
    assert not port_open(denv["AWS_ENDPOINT_URL_IVS"]), "IVS simulator still listening after Ctrl-C"


if __name__ == "__main__":
    ivstest.main()
