#!/usr/bin/env python3
"""The handler at its limits, end to end (the packaged function through a local
Runtime API, moto's DynamoDB and the IVS simulator; the fixtures are
test_handler.py's, imported, so its cases do not run here):

- a listing slower than the invocation's time is cut at the work deadline and
  answered before Lambda's deadline (it had no deadline at all: the function
  answered after Lambda would have killed it, with no response and no log).
- a viewerCount at the top of IVS's Long range (2^63-1, a double of 2^63 once
  parsed) is stored and sent as that number: its conversion to long long was
  undefined behaviour and gave 0 on x86.
- a response over Lambda's size limit (the Runtime API answers 413) is
  reported on /error, or the invocation would hang until its timeout.
"""
import test_handler as th
from ivstest import case, main


@case
def slow_listing_is_cut_at_the_deadline():
    th.channels(3, 1, seed=21)
    table = th.new_table()
    sim = th.env()["sim"]
    sim.set_faults(delay_ms=[5000, 5000], ops=["ListChannels", "ListStreams"])
    try:
        with th.Fn(table) as f:
            res = f.tick(timeout=60, timeout_ms=3000)
            out = f.fn.stdout()
    finally:
        sim.set_faults()
    # answered (here: the tick's error) before Lambda's 3 s were up
    assert res["elapsed"] < 3.0, res
    assert res["kind"] == "error", res
    assert res["body"]["errorType"] == "DeadlineExceeded", res
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    assert len(lines) == 1 and '"DeadlineExceeded"' in lines[0], out


@case
def largest_viewer_count_is_kept():
    big = 2 ** 63 - 1
    chans = th.channels(2, 1, seed=22, viewers=[big, 5])
    table = th.new_table()
    with th.Fn(table) as f:
        th.check_tick(f.tick(), chans, table)


@case
def refused_response_is_reported_on_error():
    th.channels(3, 2, seed=23)
    table = th.new_table()
    with th.Fn(table) as f:
        f.rt.max_response_bytes = 10
        res = f.tick(timeout=30)
        assert f.rt.refused_responses, "no response was refused"
    assert res["kind"] == "error", res
    assert res["body"]["errorType"] == "ResponseNotAccepted", res
    assert "413" in res["body"]["errorMessage"] or "payload" in res["body"]["errorMessage"], res


if __name__ == "__main__":
    try:
        main()
    finally:
        th.close_env()
