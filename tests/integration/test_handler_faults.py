#!/usr/bin/env python3
"""The packaged handler ticking under faults: the IVS simulator throttles,
fails, slows and drops a share of every IVS call, and a fault proxy in front
of moto's DynamoDB does the same to BatchWriteItem / BatchGetItem, including
`drop_after` (the write happened, the client saw a dropped connection).

For consecutive minutes it asserts, against the simulator's viewer counts
read before each tick (GET /_sim/state):
  - items: every (channel, minute) item exists once with the right count and
    there is no other item; an item may be missing only if the tick reported
    that channel's BatchWriteItem as failed;
  - metadata: every live channel received exactly one payload in the tick,
    or the tick's errors name that channel for PutMetadata (never silently
    missing); offline channels receive nothing; each payload is the channel's
    history as stored (newest first, WINDOW_MINUTES points);
  - counters: the handler's request and retry figures add up with the faults
    the simulator and the proxy say they injected, and there were retries.
A short deadline with many live channels: what was not done is listed.

run_scenario() and verify() are shared with bench/faults.py.
"""
import json
import math
import os
import shutil
import statistics
import time

import ivstest  # noqa: E402
from ivstest import case, main  # noqa: E402

ivstest.require_python_tools("boto3", "moto")
from fault_proxy import FaultProxy  # noqa: E402
from ivs_sim import IvsSim, SimControl  # noqa: E402
from runtime_api import RuntimeApi, scheduled_event, start_function, unpack_package  # noqa: E402

ZIP = os.path.join(ivstest.BUILD_DIR, "function.zip")
FIRST_MINUTE_MS = 1795543620000  # 2026-11-24T18:07:00Z
WINDOW = 5
IVS_FAULTS = {"throttle": 0.10, "error500": 0.05, "drop": 0.02, "delay_ms": [0, 120]}
DDB_FAULTS = {"throttle": 0.10, "error500": 0.05, "drop": 0.02, "drop_after": 0.03,
              "delay_ms": [0, 120]}
DDB_TARGETS = ["DynamoDB_20120810.BatchWriteItem", "DynamoDB_20120810.BatchGetItem"]


def minute_iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms // 1000))


make_table = ivstest.create_viewers_table


def scan_rows(ddb, table):
    """Every item as (channel, time, count), duplicates kept if any."""
    rows, kw = [], {"TableName": table}
    while True:
        page = ddb.scan(**kw)
        for it in page["Items"]:
            rows.append((it["channel"]["S"], int(it["time"]["N"]), int(it["count"]["N"])))
        if "LastEvaluatedKey" not in page:
            return rows
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _delta(after, before):
    out = {}
    for k in set(after) | set(before):
        a, b = after.get(k, 0), before.get(k, 0)
        if isinstance(a, dict) or isinstance(b, dict):
            out[k] = _delta(a or {}, b or {})
        elif not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            out[k] = a  # not a counter (a list of events): the latest as it is
        else:
            out[k] = a - b
    return out


def run_scenario(moto, ticks=10, channels=40, live=30, seed=7, ivs_faults=None, ddb_faults=None,
                 ddb_sequence=None, timeout_ms=60000, extra=None, table="Faults"):
    """Runs one function for `ticks` consecutive minutes under faults; returns
    everything verify() needs (per tick: the simulator's channels before the
    tick, the result, new metadata, stats deltas; then the table's rows)."""
    ddb = ivstest.boto_client("dynamodb", moto.url)
    make_table(ddb, table)
    ivs_faults = dict(IVS_FAULTS if ivs_faults is None else ivs_faults, seed=seed)
    ddb_faults = dict(DDB_FAULTS if ddb_faults is None else ddb_faults, seed=seed + 1,
                      targets=DDB_TARGETS, sequence=list(ddb_sequence or []))
    root = unpack_package(ZIP)
    run = {"ticks": [], "channels": channels, "live": live, "ivs_faults": ivs_faults,
           "ddb_faults": ddb_faults, "window": WINDOW}
    x = {"WINDOW_MINUTES": str(WINDOW)}
    x.update(extra or {})
    try:
        with IvsSim(channels=channels, live=live, seed=seed) as sim, \
                FaultProxy(moto.url, **ddb_faults) as proxy, \
                RuntimeApi(timeout_ms=timeout_ms) as rt:
            sim.set_faults(**ivs_faults)
            ctl = SimControl(sim.url)
            x.update(AWS_ENDPOINT_URL_DYNAMODB=proxy.url, AWS_ENDPOINT_URL_IVS=sim.url)
            fn = start_function(root, rt, table=table, extra=x)
            try:
                for i in range(ticks):
                    if i:
                        sim.tick(1)  # the audiences move between minutes
                    minute_ms = FIRST_MINUTE_MS + i * 60000
                    chans = ctl.state()["channels"]  # GET /_sim/state
                    md0 = {a: len(v) for a, v in sim.metadata().items()}
                    s0, p0 = sim.stats(), proxy.stats()
                    t0 = time.time()
                    res = rt.invoke_and_wait(scheduled_event(minute_iso(minute_ms)),
                                             timeout=timeout_ms / 1000 + 60)
                    wall_ms = (time.time() - t0) * 1000
                    # a call abandoned at the deadline may still be in the
                    # simulator's delay: let it land before counting
                    time.sleep(max(ivs_faults.get("delay_ms") or [0]) / 1000 + 0.2)
                    md1 = sim.metadata()
                    new_md = {a: [m["payload"] for m in v[md0.get(a, 0):]] for a, v in md1.items()
                              if len(v) > md0.get(a, 0)}
                    run["ticks"].append({
                        "minute_ms": minute_ms, "channels": chans, "result": res,
                        "wall_ms": wall_ms, "metadata": new_md,
                        "sim": _delta(sim.stats(), s0), "proxy": _delta(proxy.stats(), p0)})
                run["log_lines"] = fn.log_lines()
                run["log_text"] = fn.stdout() + fn.stderr()
            finally:
                fn.stop()
                os.unlink(fn.stdout_path)
                os.unlink(fn.stderr_path)
            run["sim_stats"], run["proxy_stats"] = sim.stats(), proxy.stats()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    run["rows"] = scan_rows(ddb, table)
    return run


def _is_subsequence(small, big):
    it = iter(big)
    return all(any(s == b for b in it) for s in small)


def verify(run):
    """(figures, problems): the report's numbers and every broken promise."""
    problems = []
    W = run["window"]
    rows = run["rows"]
    table = {}
    for ch, t, n in rows:
        if (ch, t) in table:
            problems.append("item (%s, %d) stored more than once" % (ch, t))
        table[(ch, t)] = n
    fig = {"ticks": len(run["ticks"]), "channels": run["channels"], "live": run["live"],
           "items_expected": 0, "items_found": len(rows), "items_reported": 0,
           "md_expected": 0, "md_delivered": 0, "md_reported": 0, "md_delivered_and_reported": 0,
           "retries": 0, "tick_errors": 0, "hidden_resends": 0,
           "tick_ms": [], "wall_ms": []}
    allowed = set()
    for tk in run["ticks"]:
        m, res, chans = tk["minute_ms"], tk["result"], tk["channels"]
        live = [c for c in chans if c["live"]]
        fig["md_expected"] += len(live)
        fig["wall_ms"].append(tk["wall_ms"])
        tag = minute_iso(m)
        if res["kind"] != "response":
            # the whole tick failed (the listing could not be read): said so,
            # and nothing was done for the minute
            fig["tick_errors"] += 1
            fig["md_reported"] += len(live)
            fig["items_expected"] += len(chans)
            fig["items_reported"] += len(chans)
            if tk["metadata"]:
                problems.append("%s: failed tick still sent metadata" % tag)
            if not (res["body"] or {}).get("errorMessage"):
                problems.append("%s: failed tick without an error message: %s" % (tag, res))
            continue
        b = res["body"]
        fig["tick_ms"].append(b["durationMs"])
        fig["retries"] += b["retries"]
        errs = b["errors"]
        failed = {}
        for e in errs:
            if not e.get("channel") and e.get("code") == "QuotaExceeded":
                # the tick's one statement that the quota cannot fit its live channels
                if b["quotaFits"] >= len(live):
                    problems.append("%s: QuotaExceeded yet %d fit %d live" % (tag, b["quotaFits"], len(live)))
                continue
            if not e.get("channel"):
                problems.append("%s: error without a channel: %s" % (tag, e))
            failed.setdefault(e["op"], set()).add(e["channel"])
        # items
        for c in chans:
            key = (c["arn"], m)
            want = c["viewers"] if c["live"] else 0
            fig["items_expected"] += 1
            allowed.add(key)
            if c["arn"] in failed.get("BatchWriteItem", ()):
                fig["items_reported"] += 1
                if key in table and table[key] != want:
                    problems.append("%s: %s reported unwritten holds %d, not %d"
                                    % (tag, c["arn"], table[key], want))
            elif key not in table:
                problems.append("%s: item for %s missing and not reported" % (tag, c["arn"]))
            elif table[key] != want:
                problems.append("%s: %s count %d, want %d" % (tag, c["arn"], table[key], want))
        if b["itemsWritten"] + len(failed.get("BatchWriteItem", ())) != len(chans):
            problems.append("%s: itemsWritten %d + write errors %d != %d channels"
                            % (tag, b["itemsWritten"], len(failed.get("BatchWriteItem", ())), len(chans)))
        # metadata
        put_failed = failed.get("PutMetadata", set())
        for c in chans:
            got = tk["metadata"].get(c["arn"], [])
            if not c["live"]:
                if got:
                    problems.append("%s: offline %s got metadata %s" % (tag, c["arn"], got))
                continue
            reported = c["arn"] in put_failed
            fig["md_delivered"] += len(got)
            fig["md_reported"] += reported
            if len(got) > 1:
                problems.append("%s: %s got %d payloads" % (tag, c["arn"], len(got)))
            if not got and not reported:
                problems.append("%s: %s got no metadata and no error names it" % (tag, c["arn"]))
            if got and reported:
                fig["md_delivered_and_reported"] += 1
            if got:
                hist = [c["viewers"]] + [table[(c["arn"], m - k * 60000)] for k in range(1, W)
                                         if (c["arn"], m - k * 60000) in table]
                pts = [int(x) for x in got[-1].split(",")]
                if c["arn"] in failed.get("BatchGetItem", ()):
                    ok = pts[:1] == hist[:1] and _is_subsequence(pts[1:], hist[1:])
                else:
                    ok = pts == hist
                if not ok:
                    problems.append("%s: %s payload %s, history %s" % (tag, c["arn"], got[-1], hist))
        # a put abandoned in flight at the deadline may still have landed:
        # it is listed as not done, so it is not counted as sent
        landed_unsure = sum(1 for c in live if c["arn"] in put_failed and tk["metadata"].get(c["arn"]))
        recorded = sum(len(tk["metadata"].get(c["arn"], [])) for c in live)
        if b["metadataSent"] != recorded - landed_unsure:
            problems.append("%s: metadataSent %d but the simulator recorded %d (%d of them listed "
                            "as failed)" % (tag, b["metadataSent"], recorded, landed_unsure))
        # counters against the injected faults. libcurl re-sends a request
        # whose reused connection died before any answer (a drop) without the
        # client seeing an attempt: those hidden re-sends are bounded by drops.
        sim, px, rq = tk["sim"], tk["proxy"], b["requests"]
        sreq, sinj = sim["requests"], sim["injected"]
        list_seen = sreq.get("ListChannels", 0) + sreq.get("ListStreams", 0)
        hidden = sreq.get("PutMetadata", 0) - rq["ivsPutMetadata"] + list_seen - rq["ivsList"]
        fig["hidden_resends"] += hidden
        if not 0 <= hidden <= sinj.get("drop", 0):
            problems.append("%s: handler counted %d List + %d PutMetadata calls, simulator saw %d + %d "
                            "with %d drops" % (tag, rq["ivsList"], rq["ivsPutMetadata"], list_seen,
                                               sreq.get("PutMetadata", 0), sinj.get("drop", 0)))
        pages = max(1, math.ceil(len(chans) / 100)) + max(1, math.ceil(len(live) / 100))
        list_retries = rq["ivsList"] - pages  # the handler's own count of list retries
        put_faulted = (sreq.get("PutMetadata", 0) - b["metadataSent"] - landed_unsure - b["wentOffline"]
                       - sim["throttled"])
        if sum(sinj.values()) != list_seen - pages + put_faulted:
            problems.append("%s: simulator injected %d faults; %d list retries + %d failed puts"
                            % (tag, sum(sinj.values()), list_seen - pages, put_faulted))
        ddb_calls = rq["ddbBatchWrite"] + rq["ddbBatchGet"]
        hidden_ddb = px["requests"] - ddb_calls
        fig["hidden_resends"] += hidden_ddb
        ddb_drops = px["injected"].get("drop", 0) + px["injected"].get("drop_after", 0)
        if not 0 <= hidden_ddb <= ddb_drops:
            problems.append("%s: handler counted %d DynamoDB calls, proxy saw %d with %d drops"
                            % (tag, ddb_calls, px["requests"], ddb_drops))
        cut = any(e["code"] == "DeadlineExceeded" for e in errs)
        if not cut:
            n_ops = math.ceil(len(chans) / 25) + math.ceil(len(live) * (W - 1) / 100)
            ddb_retries = b["retries"] - list_retries - (rq["ivsPutMetadata"] - len(live))
            if ddb_retries != ddb_calls - n_ops:
                problems.append("%s: retries %d leave %d for DynamoDB, but it took %d calls for %d "
                                "batches" % (tag, b["retries"], ddb_retries, ddb_calls, n_ops))
            ddb_failed = bool(failed.get("BatchWriteItem") or failed.get("BatchGetItem"))
            inj = px["injected_total"]
            if (inj != ddb_retries + hidden_ddb) if not ddb_failed else (inj <= ddb_retries + hidden_ddb):
                problems.append("%s: proxy injected %d faults, DynamoDB retries %d (+%d hidden), "
                                "errors %s" % (tag, inj, ddb_retries, hidden_ddb, ddb_failed))
    for key in table:
        if key not in allowed:
            problems.append("extra item %s" % (key,))
    for k in ("sim_stats", "proxy_stats"):
        fig[k] = run.get(k)
    fig["ivs_injected"] = dict(run["sim_stats"]["injected"])
    fig["ddb_injected"] = dict(run["proxy_stats"]["injected"])
    return fig, problems


def report_line(fig):
    ms = fig["tick_ms"] or [0]
    return ("faults: %d ticks x %d channels (%d live); injected IVS %s, DynamoDB %s; items expected %d "
            "found %d (reported unwritten %d); metadata expected %d delivered %d reported %d; "
            "retries %d (+%d curl re-sends not counted); %d ticks failed whole; "
            "tick ms p50 %d max %d"
            % (fig["ticks"], fig["channels"], fig["live"],
               json.dumps(fig["ivs_injected"], sort_keys=True),
               json.dumps(fig["ddb_injected"], sort_keys=True), fig["items_expected"],
               fig["items_found"], fig["items_reported"], fig["md_expected"], fig["md_delivered"],
               fig["md_reported"], fig["retries"], fig["hidden_resends"], fig["tick_errors"],
               statistics.median(ms), max(ms)))


_moto = []


def moto():
    if not _moto:
        _moto.append(ivstest.MotoServer().__enter__())
    return _moto[0]


@case
def ten_minutes_under_faults():
    # the first BatchWriteItem and BatchGetItem are written/read upstream and
    # their answers dropped: the retry must leave one item per channel-minute
    run = run_scenario(moto(), ticks=10, channels=40, live=30, seed=7, table="Faults10",
                       ddb_sequence=["drop_after", "drop_after"])
    fig, problems = verify(run)
    print(report_line(fig), flush=True)
    assert not problems, "\n".join(problems[:40])
    assert fig["items_found"] == fig["items_expected"] - fig["items_reported"] or fig["items_reported"]
    assert fig["ddb_injected"].get("drop_after", 0) >= 2, fig["ddb_injected"]
    assert sum(fig["ivs_injected"].values()) > 0 and sum(fig["ddb_injected"].values()) > 0, fig
    assert fig["retries"] > 0, fig
    assert fig["md_delivered"] + fig["md_reported"] - fig["md_delivered_and_reported"] \
        == fig["md_expected"], fig
    # nothing secret in what the function printed under faults either
    assert ivstest.TEST_SECRET not in run["log_text"]


@case
def heavier_faults_still_account_for_everything():
    # twice the rates: some calls give up after their attempts; each one
    # must be named in the errors, never lost
    heavy_ivs = {"throttle": 0.25, "error500": 0.10, "drop": 0.05, "delay_ms": [0, 60]}
    heavy_ddb = {"throttle": 0.20, "error500": 0.10, "drop": 0.05, "drop_after": 0.05,
                 "delay_ms": [0, 60]}
    run = run_scenario(moto(), ticks=6, channels=40, live=30, seed=11, table="FaultsHeavy",
                       ivs_faults=heavy_ivs, ddb_faults=heavy_ddb,
                       extra={"IVSVC_RETRY_BASE_MS": "20"})
    fig, problems = verify(run)
    print(report_line(fig), flush=True)
    assert not problems, "\n".join(problems[:40])
    assert fig["retries"] > 0


@case
def deadline_too_short_lists_the_undone_work():
    # 500 live channels at 100 puts/s need 5 s; the invocation has 4 s (the
    # handler keeps a fifth of that as its margin)
    run = run_scenario(moto(), ticks=1, channels=600, live=500, seed=13, table="FaultsDeadline",
                       timeout_ms=4000, extra={"PUT_METADATA_RATE": "100", "IVSVC_RETRY_BASE_MS": "20"})
    tk = run["ticks"][0]
    res = tk["result"]
    assert res["kind"] == "response", res
    b = res["body"]
    assert res["elapsed"] < 4.0, res["elapsed"]
    live = {c["arn"] for c in tk["channels"] if c["live"]}
    delivered = {a for a, v in tk["metadata"].items() if v}
    # said up front: 98 puts/s over the 3.2 s of work fit ~313 of the 500
    quota = [e for e in b["errors"] if e["code"] == "QuotaExceeded"]
    assert len(quota) == 1 and 300 <= b["quotaFits"] <= 314, (b["quotaFits"], quota)
    put_errs = [e for e in b["errors"] if e["op"] == "PutMetadata" and e["channel"]]
    named = {e["channel"] for e in put_errs}
    deadline = [e for e in put_errs if e["code"] == "DeadlineExceeded"]
    assert deadline, b["errors"][:3]
    assert 0 < b["metadataSent"] < len(live), b["metadataSent"]
    # what it counts as sent did arrive; what arrived and is not counted was
    # in flight at the deadline and is listed as DeadlineExceeded
    assert b["metadataSent"] == len(delivered - named), (b["metadataSent"], len(delivered), len(named))
    assert all(e["code"] == "DeadlineExceeded" for e in put_errs if e["channel"] in delivered)
    assert live - delivered <= named, "undone and not listed: %s" % sorted(live - delivered - named)[:5]
    assert len(put_errs) == len(named), "a channel listed twice"
    fig, problems = verify(run)
    print("deadline: %d live, %d delivered, %d listed (%d DeadlineExceeded), %d delivered and listed, "
          "answered in %.2f s" % (len(live), len(delivered), len(named), len(deadline),
                                  fig["md_delivered_and_reported"], res["elapsed"]), flush=True)
    assert not problems, "\n".join(problems[:40])


@case
def list_retries_are_counted():
    # Faults on the IVS listings only: the handler retried them (the
    # simulator saw more List requests than pages), so `retries` and
    # `requests.ivsList` must say so (they did not before 3ca766f).
    run = run_scenario(moto(), ticks=4, channels=40, live=30, seed=17, table="FaultsList",
                       ivs_faults={"ops": ["ListChannels", "ListStreams"],
                                   "sequence": ["throttle", "error500"]},
                       ddb_faults={})
    fig, problems = verify(run)
    assert not problems, "\n".join(problems[:40])
    seen = run["sim_stats"]["requests"]
    counted = sum(t["result"]["body"]["requests"]["ivsList"] for t in run["ticks"])
    assert seen["ListChannels"] + seen["ListStreams"] == counted == 4 * 2 + 2, (seen, counted)
    assert fig["retries"] == 2, "the simulator injected 2 List faults and the handler retried " \
        "them, but the responses report %d retries" % fig["retries"]


if __name__ == "__main__":
    try:
        main()
    finally:
        if _moto:
            _moto[0].__exit__(None, None, None)
