"""ivsvc logs against moto_server: events put with boto3 come back oldest first,
filtered, as JSON lines, and --follow prints new ones once each until Ctrl-C."""
import json
import os
import signal
import subprocess
import tempfile
import time

import ivstest
from ivstest import boto_client, case, clean_env, run_ivsvc

STACK = "IvsViewersCount"
GROUP = "/aws/lambda/%s-viewers" % STACK
moto = None
WORK = tempfile.mkdtemp(prefix="ivsvc-logs-")


def setup_group():
    moto.reset()
    logs = boto_client("logs", moto.url)
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="2024/01/01/[$LATEST]a")
    logs.create_log_stream(logGroupName=GROUP, logStreamName="2024/01/01/[$LATEST]b")
    return logs


def put(logs, stream, events):
    logs.put_log_events(logGroupName=GROUP, logStreamName="2024/01/01/[$LATEST]" + stream,
                        logEvents=[{"timestamp": t, "message": m} for t, m in events])


def interrupt(p, out):
    """Ctrl-C for a `logs --follow`: SIGINT, a bounded wait, its stdout follower done."""
    p.send_signal(signal.SIGINT)
    try:
        p.wait(15)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    out.join(5)


def ivsvc(args):
    r = run_ivsvc(args, env=clean_env(endpoint=moto.url), cwd=WORK)
    print("$ ivsvc %s -> %d\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r


@case
def logs_prints_every_event_oldest_first():
    logs = setup_group()
    now = int(time.time() * 1000)
    put(logs, "a", [(now - 50000, "tick 1 channels=2\n"), (now - 30000, "tick 3 ERROR throttled\n")])
    put(logs, "b", [(now - 40000, "tick 2 channels=2\n"), (now - 20000, "tick 4 channels=3\n")])
    put(logs, "b", [(now - 3 * 3600 * 1000, "too old for --since 10m")])
    r = ivsvc(["logs"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert [l.split("  ", 1)[1] for l in lines] == ["tick 1 channels=2", "tick 2 channels=2",
                                                     "tick 3 ERROR throttled", "tick 4 channels=3"], lines
    # Local time, to the second.
    want = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime((now - 50000) // 1000))
    assert lines[0].startswith(want), (lines[0], want)
    r = ivsvc(["logs", "--since", "4h"])
    assert r.returncode == 0 and "too old for --since 10m" in r.stdout.splitlines()[0], r.stdout
    r = ivsvc(["logs", "--filter", "ERROR"])
    assert r.returncode == 0 and [l.split("  ", 1)[1] for l in r.stdout.splitlines()] == \
        ["tick 3 ERROR throttled"], r.stdout
    r = ivsvc(["logs", "--json"])
    docs = [json.loads(l) for l in r.stdout.splitlines()]
    assert [d["message"] for d in docs][0] == "tick 1 channels=2", docs
    assert docs[0]["timestamp"] == now - 50000 and docs[0]["logStream"].endswith("]a"), docs[0]


@case
def logs_paginates():
    logs = setup_group()
    now = int(time.time() * 1000)
    events = [(now - 60000 + i, "event %04d" % i) for i in range(0, 30000, 5)]
    for i in range(0, len(events), 1000):
        put(logs, "a", events[i:i + 1000])
    r = ivsvc(["logs"])
    assert r.returncode == 0, r.stderr[-500:]
    got = [l.split("  ", 1)[1] for l in r.stdout.splitlines()]
    assert got == [m for _, m in events], (len(got), len(events))


@case
def logs_bad_since_is_a_usage_error():
    moto.reset()
    r = ivsvc(["logs", "--since", "ten minutes"])
    assert r.returncode == 2 and "--since" in r.stderr, r.stderr


@case
def logs_of_a_missing_group_fails():
    moto.reset()
    r = ivsvc(["logs"])
    assert r.returncode == 1 and GROUP in r.stderr, r.stderr


@case
def follow_prints_new_events_once_until_ctrl_c():
    logs = setup_group()
    now = int(time.time() * 1000)
    put(logs, "a", [(now - 5000, "before follow")])
    p = subprocess.Popen([ivstest.IVSVC, "logs", "--follow"], env=clean_env(endpoint=moto.url),
                         cwd=WORK, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = ivstest.LineReader(p)
    lines, wait_for = out.lines, out.wait_for
    try:
        assert wait_for(1), lines
        # Two new events at the same millisecond as the last one printed, and later ones.
        same = now - 5000
        put(logs, "b", [(same, "same ms as before"), (same, "same ms again")])
        later = int(time.time() * 1000)
        put(logs, "a", [(later, "after 1"), (later + 1, "after 2")])
        assert wait_for(5), lines
        time.sleep(4.5)  # two more polls: nothing may be printed twice
        put(logs, "a", [(later + 2, "after 3")])
        assert wait_for(6), lines
        time.sleep(2.5)
    finally:
        interrupt(p, out)
    msgs = [l.split("  ", 1)[1] for l in lines]
    assert p.returncode == 0, (p.returncode, p.stderr.read())
    assert sorted(msgs) == sorted(["before follow", "same ms as before", "same ms again",
                                   "after 1", "after 2", "after 3"]), msgs
    assert msgs[0] == "before follow" and msgs[-3:] == ["after 1", "after 2", "after 3"], msgs


@case
def follow_prints_an_event_that_arrives_late_with_an_older_timestamp():
    # CloudWatch Logs ingestion lags: an event stamped before the newest one
    # printed can become visible a poll later. --follow asked only from the
    # newest timestamp printed, so such an event was never shown.
    logs = setup_group()
    now = int(time.time() * 1000)
    put(logs, "a", [(now - 20000, "first"), (now, "newest")])
    p = subprocess.Popen([ivstest.IVSVC, "logs", "--follow"], env=clean_env(endpoint=moto.url),
                         cwd=WORK, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = ivstest.LineReader(p)
    lines, wait_for = out.lines, out.wait_for
    try:
        assert wait_for(2), lines
        time.sleep(2.5)
        # Late: stamped 10 s before "newest", ingested after it was printed.
        put(logs, "b", [(now - 10000, "late")])
        wait_for(3, timeout=8)
        time.sleep(4.5)  # more polls: nothing twice
        put(logs, "a", [(now + 1, "after")])
        wait_for(4, timeout=8)
        time.sleep(2.5)
    finally:
        interrupt(p, out)
    msgs = [l.split("  ", 1)[1] for l in lines]
    assert p.returncode == 0, p.returncode
    assert msgs == ["first", "newest", "late", "after"], msgs


if __name__ == "__main__":
    with ivstest.MotoServer() as m:
        moto = m
        ivstest.main()
