#!/usr/bin/env python3
"""handler_bench - the Lambda function's cost per tick, measured on the
packaged bootstrap (unpacked, started with only Lambda's variables, driven
through the local Runtime API) against moto's DynamoDB and the IVS simulator.

For each size (live channels) and PutMetadata mode it runs a fresh function
for `--ticks` consecutive minutes and reports:
  - cold start: process start to its first GET /invocation/next (median of
    --cold-runs starts, no table or network touched before /next);
  - per tick: wall time (invoke to answer), the pipeline's milestones (the
    first put delivered, both listings ended) and ms per live channel;
  - requests per service, as the handler counted them (every attempt) and as
    the simulator saw them;
  - peak RSS of the function process (VmHWM from /proc/<pid>/status).
Modes: "quota" runs PutMetadata at the account quota (155/s, the default:
PutMetadata dominates above a few hundred live channels); "uncapped" lifts
the rate (PUT_METADATA_RATE and the simulator's limits) to show the
handler's own cost.

The simulator enforces every IVS quota (ListChannels/ListStreams 5/s each,
PutMetadata 155/s per account and 5/s per channel) and answers after
--latency-ms, as DynamoDB does through a delaying fault proxy in front of
moto. Each tick is also reported as a ratio to the quota's own bound,
max(live / 155, list pages per operation / 5) seconds (quota mode; uncapped:
the pages' bound alone), with the throttling answers the simulator gave
(0 expected: the handler paces itself under every quota).

Everything on 127.0.0.1. Prints a Markdown table and the ratios of one run.

    python3 bench/handler_bench.py [--build build] [--sizes 100,1000,5000]
                                   [--modes quota,uncapped] [--ticks 2] [--latency-ms 30]
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))  # ivstest, which adds tests/sim

import ivstest  # noqa: E402
from fault_proxy import FaultProxy  # noqa: E402
from ivs_sim import IvsSim  # noqa: E402
from runtime_api import RuntimeApi, scheduled_event, start_function, unpack_package  # noqa: E402

MINUTES = ["2026-11-24T18:%02d:00Z" % m for m in range(7, 60)]


make_table = ivstest.create_viewers_table


def cold_starts(root, runs):
    """Seconds from process start to the first /next, `runs` times."""
    out = []
    for _ in range(runs):
        with RuntimeApi() as rt:
            fn = start_function(root, rt, table="Cold")
            try:
                t = rt.wait_next(timeout=30)[0]
                out.append(t - fn.started)
            finally:
                fn.stop()
                os.unlink(fn.stdout_path)
                os.unlink(fn.stderr_path)
    return out


def quota_bound_s(n, mode, seen):
    """The quotas' own lower bound on a tick, in seconds."""
    pages = max(seen.get("ListChannels", 0), seen.get("ListStreams", 0))
    return max(n / 155.0 if mode == "quota" else 0.0, pages / 5.0)


def run_size(root, ddb_url, sim, ddb, n, mode, ticks, table, latency_ms):
    sim.reset()
    sim.configure(latency_ms=latency_ms)
    sim.create_channels(n, live=n, seed=n)
    extra = {"AWS_ENDPOINT_URL_DYNAMODB": ddb_url, "AWS_ENDPOINT_URL_IVS": sim.url}
    if mode == "uncapped":
        sim.configure(account_rate=10 ** 9, channel_rate=10 ** 9)
        extra["PUT_METADATA_RATE"] = "1000000"
    make_table(ddb, table)
    rows = []
    with RuntimeApi(timeout_ms=300000) as rt:
        fn = start_function(root, rt, table=table, extra=extra)
        try:
            for i in range(ticks):
                st0 = sim.stats()
                before = st0["requests"]
                t0 = time.time()
                res = rt.invoke_and_wait(scheduled_event(MINUTES[i]), timeout=600)
                wall = time.time() - t0
                fn.sample_rss()
                if res["kind"] != "response":
                    raise RuntimeError("tick failed: %s" % res["body"])
                body = res["body"]
                st1 = sim.stats()
                after = st1["requests"]
                seen = {k: after.get(k, 0) - before.get(k, 0) for k in after}
                t0b, t1b = st0.get("throttled_by_op", {}), st1.get("throttled_by_op", {})
                throttled = {k: t1b[k] - t0b.get(k, 0) for k in t1b if t1b[k] - t0b.get(k, 0)}
                if body["errors"] or body["metadataSent"] != n or body["itemsWritten"] != n:
                    raise RuntimeError("incomplete tick: %s" % json.dumps(body)[:500])
                rows.append({"n": n, "mode": mode, "tick": i + 1, "wall_ms": wall * 1000,
                             "body": body, "sim": seen, "rss_kb": fn.peak_kb,
                             "throttled": throttled,
                             "bound_s": quota_bound_s(n, mode, seen),
                             "ratio": wall / max(1e-3, quota_bound_s(n, mode, seen))})
        finally:
            fn.stop()
            os.unlink(fn.stdout_path)
            os.unlink(fn.stderr_path)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("IVSVC_BUILD_DIR", os.path.join(SRC, "build")))
    ap.add_argument("--sizes", default="100,1000,5000")
    ap.add_argument("--modes", default="quota,uncapped")
    ap.add_argument("--ticks", type=int, default=2)
    ap.add_argument("--cold-runs", type=int, default=7)
    ap.add_argument("--latency-ms", type=float, default=30,
                    help="IVS's and DynamoDB's answer time (default 30, like a real region)")
    ap.add_argument("--handler", default=None,
                    help="run this host executable instead of the package's bootstrap (the "
                         "package still gives the task root)")
    a = ap.parse_args()
    if a.handler:
        os.environ["IVSVC_SANITIZED_HANDLER"] = os.path.abspath(a.handler)
    sizes = [int(x) for x in a.sizes.split(",")]
    modes = a.modes.split(",")
    root = unpack_package(os.path.join(a.build, "function.zip"))
    rows = []
    try:
        cold = cold_starts(root, a.cold_runs)
        lat = a.latency_ms
        with ivstest.MotoServer() as moto, IvsSim() as sim, \
                FaultProxy(moto.url, delay_ms=[lat, lat]) as slow_ddb:
            ddb = ivstest.boto_client("dynamodb", moto.url)
            k = 0
            for mode in modes:
                for n in sizes:
                    k += 1
                    sys.stderr.write("bench: %d live channels, %s ...\n" % (n, mode))
                    rows += run_size(root, slow_ddb.url, sim, ddb, n, mode, a.ticks, "Bench%d" % k,
                                     lat)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print("## Handler benchmark (one run, %s)\n" % time.strftime("%Y-%m-%d"))
    print("Cold start (process start to first /next), %d runs: median %.1f ms, min %.1f, max %.1f\n"
          % (len(cold), statistics.median(cold) * 1000, min(cold) * 1000, max(cold) * 1000))
    print("IVS and DynamoDB answer after %.0f ms; bound: max(live/155, pages per list "
          "operation/5) s; ratio: wall / bound; load average at the end: %s\n"
          % (a.latency_ms, " ".join("%.2f" % x for x in os.getloadavg())))
    print("| live channels | PutMetadata | tick | wall ms | bound ms | ratio | first put ms "
          "| listed ms | ms/channel | IVS list | BatchWrite | BatchGet | PutMetadata "
          "| throttled | peak RSS MB |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for r in rows:
        b, ph, rq = r["body"], r["body"]["phaseMs"], r["body"]["requests"]
        thr = ", ".join("%s %d" % kv for kv in sorted(r["throttled"].items())) or "0"
        print("| %d | %s | %d | %.0f | %.0f | %.3f | %d | %d | %.2f | %d | %d | %d | %d | %s | %.1f |" % (
            r["n"], r["mode"], r["tick"], r["wall_ms"], r["bound_s"] * 1000, r["ratio"],
            ph["firstPut"], ph["listed"], r["wall_ms"] / r["n"], rq["ivsList"], rq["ddbBatchWrite"],
            rq["ddbBatchGet"], rq["ivsPutMetadata"], thr, r["rss_kb"] / 1024.0))
    print()
    # ratios within this run: the last tick (with history) of each size
    last = {}
    for r in rows:
        last[(r["mode"], r["n"])] = r
    for mode in modes:
        lo, hi = last.get((mode, min(sizes))), last.get((mode, max(sizes)))
        if lo and hi and lo is not hi:
            f = hi["n"] / lo["n"]
            print("- %s: %d vs %d live channels (x%.0f): wall x%.1f, ms/channel %.2f -> %.2f, "
                  "peak RSS x%.2f" % (
                      mode, hi["n"], lo["n"], f, hi["wall_ms"] / lo["wall_ms"],
                      lo["wall_ms"] / lo["n"], hi["wall_ms"] / hi["n"],
                      hi["rss_kb"] / max(1, lo["rss_kb"])))
    for n in sizes:
        q, u = last.get(("quota", n)), last.get(("uncapped", n))
        if q and u:
            print("- %d live: the 155/s PutMetadata quota makes the tick x%.1f the uncapped one "
                  "(%.0f ms vs %.0f ms; %d/155 s = %.0f ms of pacing)" % (
                      n, q["wall_ms"] / u["wall_ms"], q["wall_ms"], u["wall_ms"], n, n / 155 * 1000))


if __name__ == "__main__":
    main()
