#!/usr/bin/env python3
"""Regressions found reviewing the handler, end to end (the packaged function
through a local Runtime API, moto's DynamoDB and the IVS simulator; see
test_handler.py, whose fixtures these cases reuse).

- a listing slower than the invocation's time is cut at the work deadline and
  answered before Lambda's deadline (it had no deadline at all: the function
  answered after Lambda would have killed it, with no response and no log).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ivstest  # noqa: E402
import test_handler as th  # noqa: E402
from ivstest import case, main  # noqa: E402

del ivstest._cases[:]  # run only this file's cases, not test_handler's


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


if __name__ == "__main__":
    try:
        main()
    finally:
        th.close_env()
