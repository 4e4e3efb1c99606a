"""Review findings on the CLI's CloudFormation path, logs and ivsvc.yaml: each case
failed before its fix. moto for Logs; tests/sim/cfn_sim.py for CloudFormation."""
import os
import signal
import subprocess
import sys
import tempfile
import time

import ivstest
from ivstest import boto_client, case, clean_env, run_ivsvc

sys.path.insert(0, os.path.join(ivstest.SOURCE_DIR, "tests", "sim"))

STACK = "IvsViewersCount"
GROUP = "/aws/lambda/%s-viewers" % STACK
moto = None
WORK = tempfile.mkdtemp(prefix="ivsvc-review-")


def synth(yaml_text):
    path = os.path.join(WORK, "cfg.yaml")
    with open(path, "w") as f:
        f.write(yaml_text)
    os.chmod(path, 0o644)
    r = run_ivsvc(["synth", "--config", path], env=clean_env(), cwd=WORK)
    print("$ ivsvc synth (%r) -> %d\n%s" % (yaml_text, r.returncode, r.stderr))
    return r


@case
def config_second_document_after_an_empty_one_is_refused():
    # An empty first document ("---" alone) made the parser stop there: the
    # settings in the second document were silently ignored (exit 0, defaults
    # deployed) instead of "only one YAML document is allowed".
    for text in ("---\n---\nmemory: 512\n", "---\n...\n---\nmemory: 99999\n",
                 "~\n---\nmemory: 512\n"):
        r = synth(text)
        assert r.returncode == 2, (text, r.returncode, r.stderr)
        assert "only one YAML document" in r.stderr, r.stderr
    # One empty document is still fine.
    for text in ("---\n", "---\n...\n", "# nothing\n", ""):
        r = synth(text)
        assert r.returncode == 0, (text, r.stderr)


@case
def follow_prints_an_event_that_arrives_late_with_an_older_timestamp():
    # CloudWatch Logs ingestion lags: an event stamped before the newest one
    # printed can become visible a poll later. --follow asked only from the
    # newest timestamp printed, so such an event was never shown.
    moto.reset()
    logs = boto_client("logs", moto.url)
    logs.create_log_group(logGroupName=GROUP)
    for s in ("a", "b"):
        logs.create_log_stream(logGroupName=GROUP, logStreamName=s)
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=GROUP, logStreamName="a",
                        logEvents=[{"timestamp": now - 20000, "message": "first"},
                                   {"timestamp": now, "message": "newest"}])
    p = subprocess.Popen([ivstest.IVSVC, "logs", "--follow"], env=clean_env(endpoint=moto.url),
                         cwd=WORK, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = ivstest.LineReader(p)
    lines, wait_for = out.lines, out.wait_for
    try:
        assert wait_for(2), lines
        time.sleep(2.5)
        # Late: stamped 10 s before "newest", ingested after it was printed.
        logs.put_log_events(logGroupName=GROUP, logStreamName="b",
                            logEvents=[{"timestamp": now - 10000, "message": "late"}])
        wait_for(3, timeout=8)
        time.sleep(4.5)  # more polls: nothing twice
        logs.put_log_events(logGroupName=GROUP, logStreamName="a",
                            logEvents=[{"timestamp": now + 1, "message": "after"}])
        wait_for(4, timeout=8)
        time.sleep(2.5)
    finally:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    out.join(5)
    msgs = [l.split("  ", 1)[1] for l in lines]
    assert p.returncode == 0, p.returncode
    assert msgs == ["first", "newest", "late", "after"], msgs


if __name__ == "__main__":
    with ivstest.MotoServer() as m:
        moto = m
        ivstest.main()
