#!/usr/bin/env python3
"""The handler under valgrind: memory errors and leaks over real ticks.

The packaged bootstrap execs its bundled loader, which valgrind does not
follow usefully, so this runs the handler executable the build made
($IVSVC_BUILD_DIR/ivsvc-handler) with the system's libraries and Lambda's
variables (no LD_LIBRARY_PATH), under
    valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99
for two ticks against moto's DynamoDB and the IVS simulator, then ends it two
ways and reads valgrind's summary each time:
  - the Runtime API goes away (what the sandbox's end looks like to the
    loop): the handler must give up on its own, free everything and exit;
  - SIGTERM while it waits for the next event (Lambda's shutdown signal).
Asserts 0 errors and no definitely or indirectly lost bytes.
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import ivstest  # noqa: E402
from ivstest import case, main  # noqa: E402

ivstest.require_python_tools("boto3", "moto")
from ivs_sim import IvsSim  # noqa: E402
from runtime_api import RuntimeApi, lambda_env, scheduled_event  # noqa: E402

HANDLER = os.path.join(ivstest.BUILD_DIR, "ivsvc-handler")
VALGRIND = shutil.which("valgrind")
MINUTES = ["2026-11-24T18:07:00Z", "2026-11-24T18:08:00Z"]


def summary(log):
    """{"errors": n, "definitely": bytes, "indirectly": bytes} from a valgrind log."""
    out = {}
    m = re.findall(r"ERROR SUMMARY: ([\d,]+) errors", log)
    assert m, "no ERROR SUMMARY in valgrind's log:\n" + log[-3000:]
    out["errors"] = int(m[-1].replace(",", ""))
    for kind in ("definitely", "indirectly", "possibly", "still reachable"):
        m = re.findall(r"%s(?: lost)?: ([\d,]+) bytes" % kind, log)
        out[kind] = int(m[-1].replace(",", "")) if m else 0
    out["leak_check_ran"] = "LEAK SUMMARY" in log or "All heap blocks were freed" in log
    return out


def run_under_valgrind(end):
    """Two ticks, then end(proc, rt); returns (exit status, valgrind log, results)."""
    if not VALGRIND:
        raise AssertionError("valgrind is not installed: apt-get install -y valgrind")
    assert os.access(HANDLER, os.X_OK), "no handler executable at %s (build first)" % HANDLER
    moto = ivstest.MotoServer().__enter__()
    logdir = tempfile.mkdtemp(prefix="ivsvc-vg-")
    try:
        ddb = ivstest.boto_client("dynamodb", moto.url)
        ddb.create_table(
            TableName="Vg", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "channel", "KeyType": "HASH"},
                       {"AttributeName": "time", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "channel", "AttributeType": "S"},
                                  {"AttributeName": "time", "AttributeType": "N"}])
        with IvsSim(channels=30, live=12, seed=3) as sim:
            # a throttled put and a 500 on the way, so the retry paths run too
            sim.set_faults(sequence=["throttle", None, "error500"], ops=["PutMetadata"])
            rt = RuntimeApi(timeout_ms=300000).start()
            try:
                env = lambda_env("/var/task", rt, table="Vg",
                                 extra={"AWS_ENDPOINT_URL_DYNAMODB": moto.url,
                                        "AWS_ENDPOINT_URL_IVS": sim.url,
                                        "IVSVC_RETRY_BASE_MS": "20"})
                del env["LD_LIBRARY_PATH"]  # the system's libraries, not the package's
                env["PATH"] = os.environ.get("PATH", env["PATH"])
                log = os.path.join(logdir, "vg.log")
                out = open(os.path.join(logdir, "out"), "wb")
                proc = subprocess.Popen(
                    [VALGRIND, "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
                     "--error-exitcode=99", "--log-file=" + log, HANDLER],
                    env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                results = []
                try:
                    for t in MINUTES:
                        results.append(rt.invoke_and_wait(scheduled_event(t), timeout=240))
                    rt.wait_next(len(MINUTES) + 1, timeout=60)  # idle, waiting for the next event
                    status = end(proc, rt)
                finally:
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait()
                    out.close()
            finally:
                rt.stop()
        with open(log, errors="replace") as f:
            text = f.read()
        return status, text, results
    finally:
        moto.__exit__(None, None, None)
        shutil.rmtree(logdir, ignore_errors=True)


def check(status, log, results, how):
    for r in results:
        assert r["kind"] == "response" and r["body"]["errors"] == [], r
        assert r["body"]["itemsWritten"] == 30 and r["body"]["metadataSent"] == 12, r["body"]
    s = summary(log)
    print("valgrind (%s): exit %s, %d errors, definitely lost %d B, indirectly lost %d B, "
          "possibly lost %d B, still reachable %d B" % (how, status, s["errors"], s["definitely"],
                                                    s["indirectly"], s["possibly"],
                                                    s["still reachable"]), flush=True)
    assert s["leak_check_ran"], "valgrind did not check for leaks:\n" + log[-3000:]
    assert s["errors"] == 0, "valgrind found errors:\n" + log[-6000:]
    assert s["definitely"] == 0 and s["indirectly"] == 0, "leaks:\n" + log[-6000:]
    assert status != 99, status
    return s


@case
def two_ticks_then_the_runtime_api_goes_away():
    def end(proc, rt):
        rt.stop()  # /next now fails: the loop gives up after a few tries
        try:
            return proc.wait(120)
        except subprocess.TimeoutExpired:
            raise AssertionError("the handler did not exit within 120 s of the Runtime API closing")
    status, log, results = run_under_valgrind(end)
    check(status, log, results, "Runtime API closed")
    # it gave up and returned through main: not killed by a signal
    assert status in (0, 1), status
    assert "Process terminating with default action" not in log, log[-2000:]


@case
def two_ticks_then_sigterm():
    def end(proc, rt):
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(60)
        except subprocess.TimeoutExpired:
            raise AssertionError("the handler did not exit within 60 s of SIGTERM")
    status, log, results = run_under_valgrind(end)
    s = check(status, log, results, "SIGTERM")
    # No SIGTERM handler: the default action ends it, valgrind still checks
    # the heap (what main's stack held counts as reachable).
    assert status in (0, 1, -signal.SIGTERM, 128 + signal.SIGTERM), status
    assert s["leak_check_ran"]


if __name__ == "__main__":
    main()
