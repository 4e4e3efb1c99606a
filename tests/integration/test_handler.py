#!/usr/bin/env python3
"""The Lambda function end to end: the packaged bootstrap (unpacked into an
empty directory, started with only Lambda's variables) driven through a local
Runtime API, against moto's DynamoDB and the IVS simulator.

Asserts the exact items in the table (boto3 scan), the exact Timed Metadata
each live channel received (the simulator's record) and none to offline
channels, for 0, 1, 30, 60 and 1,000 channels (the simulator enforces every
IVS quota: the paced listing provokes no throttling); a retried minute
overwrites (in a new process); overlapping invocations do not both publish
(a late or repeated minute is skipped); viewerCount -1 is never stored as 0;
a second minute gives a two-point history; json format; retention; a channel
that goes offline before its put; throttling retried; the deadline reported
(and the quota's fit said up front); a bad event answered on /error; no
TABLE_NAME answered on /init/error.
"""
import decimal
import json
import os
import shutil
import tempfile
import threading
import time

import ivstest  # noqa: E402
from ivstest import case, main  # noqa: E402

ivstest.require_python_tools("boto3", "moto")
from ivs_sim import IvsSim  # noqa: E402
from runtime_api import RuntimeApi, scheduled_event, start_function, unpack_package  # noqa: E402
from fault_proxy import FaultProxy  # noqa: E402

ZIP = os.path.join(ivstest.BUILD_DIR, "function.zip")
MINUTE_ISO = "2026-11-24T18:07:00Z"
MINUTE_MS = 1795543620000  # 2026-11-24T18:07:00Z

_env = {}


def env():
    """moto, the simulator and the unpacked package, shared by the cases."""
    if not _env:
        moto = ivstest.MotoServer().__enter__()
        sim = IvsSim().start()
        _env.update(moto=moto, sim=sim, ddb=ivstest.boto_client("dynamodb", moto.url),
                    root=unpack_package(ZIP), n=0)
    return _env


def close_env():
    if _env:
        _env["sim"].stop()
        _env["moto"].__exit__(None, None, None)
        shutil.rmtree(_env["root"], ignore_errors=True)


def new_table():
    e = env()
    e["n"] += 1
    return ivstest.create_viewers_table(e["ddb"], "Viewers%d" % e["n"])


def scan(table):
    """{(channel, time): {attr: python value}} of every item."""
    out = {}
    kw = {"TableName": table}
    while True:
        page = env()["ddb"].scan(**kw)
        for it in page["Items"]:
            row = {k: (int(v["N"]) if "N" in v else v.get("S")) for k, v in it.items()}
            out[(row["channel"], row["time"])] = row
        if "LastEvaluatedKey" not in page:
            return out
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class Fn:
    """A Runtime API and the function running against it."""

    def __init__(self, table, ddb_url=None, extra=None, timeout_ms=60000):
        e = env()
        self.rt = RuntimeApi(timeout_ms=timeout_ms).start()
        x = {"AWS_ENDPOINT_URL_DYNAMODB": ddb_url or e["moto"].url,
             "AWS_ENDPOINT_URL_IVS": e["sim"].url}
        x.update(extra or {})
        self.fn = start_function(e["root"], self.rt, table=table, extra=x)

    def tick(self, time_iso=MINUTE_ISO, timeout=120, **kw):
        res = self.rt.invoke_and_wait(scheduled_event(time_iso), timeout=timeout, **kw)
        return res

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fn.stop()
        self.rt.stop()
        for p in (self.fn.stdout_path, self.fn.stderr_path):
            os.unlink(p)
        return False


def channels(count, live, seed=1, viewers=None):
    """(Re)creates the simulator's channels; returns its view of them."""
    sim = env()["sim"]
    sim.reset()
    return sim.create_channels(count, live=live, seed=seed, viewers=viewers)


def check_tick(res, chans, table, minute_ms=MINUTE_MS, payload=None):
    """The result, the table and the metadata match the simulator's channels."""
    assert res["kind"] == "response", res
    body = res["body"]
    live = [c for c in chans if c["live"]]
    assert body["minute"] == MINUTE_ISO if minute_ms == MINUTE_MS else True, body
    assert body["channels"] == len(chans), body
    assert body["live"] == len(live), body
    assert body["itemsWritten"] == len(chans), body
    assert body["metadataSent"] == len(live), body
    assert body["wentOffline"] == 0 and body["errors"] == [], body
    items = {k: v for k, v in scan(table).items() if k[1] == minute_ms}
    want = {(c["arn"], minute_ms): c["viewers"] if c["live"] else 0 for c in chans}
    assert {k: v["count"] for k, v in items.items()} == want, "table differs"
    md = env()["sim"].metadata()
    assert set(md) == {c["arn"] for c in live}, "metadata went to %d channels, %d live" % (len(md), len(live))
    for c in live:
        got = [m["payload"] for m in md[c["arn"]]]
        exp = payload(c) if payload else str(c["viewers"])
        assert got == [exp], (c["arn"], got, exp)
    return body


@case
def zero_channels():
    chans = channels(0, 0)
    table = new_table()
    with Fn(table) as f:
        body = check_tick(f.tick(), chans, table)
    assert body["itemsWritten"] == 0 and scan(table) == {}


@case
def one_live_channel():
    chans = channels(1, 1, viewers=[42])
    table = new_table()
    with Fn(table) as f:
        check_tick(f.tick(), chans, table)
        lines = f.fn.log_lines()
    assert chans[0]["viewers"] == 42
    item = scan(table)[(chans[0]["arn"], MINUTE_MS)]
    assert item == {"channel": chans[0]["arn"], "time": MINUTE_MS, "count": 42}, item
    # one JSON log line per tick, the same figures as the response
    ticks = [l for l in lines if "minute" in l]
    assert len(ticks) == 1 and ticks[0]["metadataSent"] == 1 and ticks[0]["minute"] == MINUTE_ISO, lines


@case
def thirty_mixed():
    chans = channels(30, 12, seed=3)
    table = new_table()
    with Fn(table) as f:
        check_tick(f.tick("2026-11-24T18:07:59.999Z"), chans, table)


@case
def sixty_mixed():
    chans = channels(60, 25, seed=4)
    table = new_table()
    with Fn(table) as f:
        body = check_tick(f.tick(), chans, table)
    assert body["requests"]["ddbBatchWrite"] == 3, body  # 25 + 25 + 10
    assert body["requests"]["ivsList"] == 2, body        # one page each


@case
def thousand_mixed():
    chans = channels(1000, 400, seed=5)
    table = new_table()
    with Fn(table) as f:
        body = check_tick(f.tick(), chans, table)
    # no throttling answer: the listing is paced under its 5/s, the puts under 155/s
    st = env()["sim"].stats()
    assert st["throttled"] == 0 and not st["throttled_by_op"], (st, body)
    # 10 + 4 pages (100 a page; the reference stopped at 50), 40 writes of 25,
    # 400 live * 4 previous minutes = 1,600 keys in 16 reads of 100
    assert body["requests"] == {"ivsList": 14, "ddbBatchWrite": 40, "ddbBatchGet": 16,
                                "ivsPutMetadata": 400}, body
    assert st["requests"]["ListChannels"] == 10 and st["requests"]["ListStreams"] == 4, st


@case
def retried_minute_overwrites():
    chans = channels(10, 4, seed=6)
    table = new_table()
    sim = env()["sim"]
    with Fn(table) as f:
        check_tick(f.tick(), chans, table)
    first = scan(table)
    sim.set_channel(chans[0]["arn"], viewers=777)
    with Fn(table) as f:  # a new process (the first's is gone): it runs the minute
        res = f.tick("2026-11-24T18:07:30Z")  # the same minute again
    assert res["kind"] == "response" and not res["body"].get("skipped"), res
    after = scan(table)
    assert len(after) == len(first) == 10, (len(first), len(after))
    assert after[(chans[0]["arn"], MINUTE_MS)]["count"] == 777
    for k in first:
        if k[0] != chans[0]["arn"]:
            assert after[k] == first[k]
    # the retried minute has no older point: the payload is just the new count
    assert sim.metadata()[chans[0]["arn"]][-1]["payload"] == "777"


@case
def overlapping_invocations_do_not_both_publish():
    """A late event (a retry, or one queued while the next minute ran) and a
    repeated one are skipped: one tick at a time, no minute published twice."""
    chans = channels(6, 3, seed=30)
    table = new_table()
    sim = env()["sim"]
    with Fn(table) as f:
        # both queued at once: 18:08 is taken first, 18:07 (late) waits behind it
        newer = f.rt.invoke(scheduled_event("2026-11-24T18:08:00Z"))
        late = f.rt.invoke(scheduled_event(MINUTE_ISO))
        again = f.rt.invoke(scheduled_event("2026-11-24T18:08:40Z"))
        r1, r2, r3 = (f.rt.wait_result(r, 120) for r in (newer, late, again))
    assert r1["kind"] == "response" and not r1["body"].get("skipped"), r1
    assert r1["body"]["metadataSent"] == 3, r1
    for r in (r2, r3):
        assert r["kind"] == "response", r
        assert r["body"]["skipped"] is True, r
        assert r["body"]["newestCompleted"] == "2026-11-24T18:08:00Z", r
    assert r2["body"]["minute"] == MINUTE_ISO and r3["body"]["minute"] == "2026-11-24T18:08:00Z"
    md = sim.metadata()
    assert sorted(len(v) for v in md.values()) == [1, 1, 1], md
    times = {k[1] for k in scan(table)}
    assert times == {MINUTE_MS + 60000}, times  # the late minute wrote nothing


@case
def unavailable_count_is_never_stored_as_zero():
    """viewerCount -1 (IVS's count request timed out): no item, no metadata,
    the channel named in the errors; the next minute's history leaves the
    gap out rather than showing 0."""
    chans = channels(5, 3, seed=31)
    table = new_table()
    sim = env()["sim"]
    live = [c for c in chans if c["live"]]
    gone = live[0]["arn"]
    sim.set_channel(gone, viewers=-1)
    with Fn(table) as f:
        b1 = f.tick()["body"]
        sim.set_channel(gone, viewers=42)
        b2 = f.tick("2026-11-24T18:08:00Z")["body"]
    assert b1["live"] == 3 and b1["countUnavailable"] == 1, b1
    assert b1["itemsWritten"] == 4 and b1["metadataSent"] == 2, b1
    assert [(e["channel"], e["op"], e["code"]) for e in b1["errors"]] == [
        (gone, "ListStreams", "ViewerCountUnavailable")], b1["errors"]
    assert "viewer count unavailable" in b1["errors"][0]["message"], b1["errors"]
    items = scan(table)
    assert (gone, MINUTE_MS) not in items, items.get((gone, MINUTE_MS))
    assert all(v["count"] >= 0 for v in items.values()), items
    assert items[(gone, MINUTE_MS + 60000)]["count"] == 42
    assert b2["errors"] == [] and b2["countUnavailable"] == 0, b2
    # its only payload is the next minute's, without the empty minute
    assert [m["payload"] for m in sim.metadata()[gone]] == ["42"]


@case
def history_over_minutes():
    chans = channels(6, 3, seed=7, viewers=[10, 20, 30, 40, 50, 60])
    table = new_table()
    sim = env()["sim"]
    a, b = chans[0]["arn"], chans[1]["arn"]
    with Fn(table) as f:
        f.tick("2026-11-24T18:07:00Z")
        sim.set_channel(a, viewers=12)
        res = f.tick("2026-11-24T18:08:05Z")
        assert res["kind"] == "response" and res["body"]["minute"] == "2026-11-24T18:08:00Z"
        assert [m["payload"] for m in sim.metadata()[a]] == ["10", "12,10"]
        assert [m["payload"] for m in sim.metadata()[b]] == ["20", "20,20"]
        # 18:09 skipped: the gap is simply absent
        sim.set_channel(a, viewers=15)
        f.tick("2026-11-24T18:10:00Z")
        assert sim.metadata()[a][-1]["payload"] == "15,12,10"
        # the window is 5 minutes: 18:07 drops out at 18:12
        for minute, v in (("11", 16), ("12", 17)):
            sim.set_channel(a, viewers=v)
            f.tick("2026-11-24T18:%s:00Z" % minute)
        assert sim.metadata()[a][-1]["payload"] == "17,16,15,12"
        # the offline channels got items every minute and never metadata
        assert chans[4]["arn"] not in sim.metadata()
    assert len(scan(table)) == 6 * 5


@case
def json_format_and_retention():
    chans = channels(5, 2, seed=8, viewers=[7, 9, 1, 1, 1])
    table = new_table()
    with Fn(table, extra={"METADATA_FORMAT": "json", "RETENTION_DAYS": "7",
                          "WINDOW_MINUTES": "3"}) as f:
        f.tick("2026-11-24T18:06:00Z")
        env()["sim"].metadata()  # first minute's payloads are single points
        env()["sim"].set_channel(chans[0]["arn"], viewers=8)
        res = f.tick()
    assert res["kind"] == "response", res
    md = env()["sim"].metadata()
    assert json.loads(md[chans[0]["arn"]][-1]["payload"]) == {
        "viewers": 8, "history": [8, 7], "at": MINUTE_ISO}
    assert md[chans[0]["arn"]][-1]["payload"] == '{"viewers":8,"history":[8,7],"at":"%s"}' % MINUTE_ISO
    assert md[chans[1]["arn"]][0]["payload"] == '{"viewers":9,"history":[9],"at":"2026-11-24T18:06:00Z"}'
    items = scan(table)
    assert items[(chans[2]["arn"], MINUTE_MS)] == {
        "channel": chans[2]["arn"], "time": MINUTE_MS, "count": 0,
        "expires": MINUTE_MS // 1000 + 7 * 86400}


@case
def channel_goes_offline_before_its_put():
    chans = channels(3, 3, seed=9, viewers=[5, 6, 7])
    table = new_table()
    sim = env()["sim"]
    sim.set_faults(delay_ms=[1500, 1500], ops=["PutMetadata"])

    def end_stream():  # once the first put is on its way, channel 0's stream ends
        for _ in range(300):
            if sim.stats()["requests"].get("PutMetadata"):
                sim.set_channel(chans[0]["arn"], live=False)
                return
            time.sleep(0.01)

    t = threading.Thread(target=end_stream)
    with Fn(table) as f:
        t.start()
        res = f.tick()
        t.join()
    body = res["body"]
    assert res["kind"] == "response", res
    assert body["live"] == 3 and body["metadataSent"] == 2 and body["wentOffline"] == 1, body
    assert body["errors"] == [], body
    assert chans[0]["arn"] not in sim.metadata()
    assert scan(table)[(chans[0]["arn"], MINUTE_MS)]["count"] == 5  # it was live when listed


@case
def throttled_puts_are_retried():
    chans = channels(20, 20, seed=10)
    table = new_table()
    env()["sim"].set_faults(throttle=0.3, seed=2, ops=["PutMetadata"])
    with Fn(table, extra={"AWS_MAX_ATTEMPTS": "10", "IVSVC_RETRY_BASE_MS": "20"}) as f:
        body = check_tick(f.tick(), chans, table)  # each live channel exactly one payload
    st = env()["sim"].stats()
    assert st["injected"].get("throttle", 0) > 0, st
    assert body["retries"] == st["injected"]["throttle"], (body, st)
    assert body["requests"]["ivsPutMetadata"] == 20 + st["injected"]["throttle"], body


@case
def throttled_dynamodb_is_retried():
    chans = channels(120, 30, seed=11)
    table = new_table()
    with FaultProxy(env()["moto"].url, seed=3, throttle=0.4,
                    targets=["DynamoDB_20120810.BatchWriteItem",
                             "DynamoDB_20120810.BatchGetItem"]) as proxy:
        with Fn(table, ddb_url=proxy.url,
                extra={"AWS_MAX_ATTEMPTS": "10", "IVSVC_RETRY_BASE_MS": "20"}) as f:
            body = check_tick(f.tick(), chans, table)
            f.tick("2026-11-24T18:08:00Z")
        injected = proxy.stats()["injected"].get("throttle", 0)
    assert injected > 0 and body["retries"] > 0, (injected, body)


@case
def deadline_reports_what_was_not_done():
    chans = channels(300, 300, seed=12)
    table = new_table()
    sim = env()["sim"]
    t0 = time.time()
    with Fn(table, extra={"PUT_METADATA_RATE": "50"}) as f:
        res = f.tick(timeout=30, timeout_ms=3000)  # 300 puts at 50/s need 6 s
    elapsed = time.time() - t0
    body = res["body"]
    assert res["kind"] == "response", res
    assert res["elapsed"] < 3.0, res["elapsed"]
    md = sim.metadata()
    # said up front: 48 puts/s (50 less the bucket's 2) fit ~115 in the
    # 2.4 s of work the 3 s invocation leaves
    quota = [e for e in body["errors"] if e["code"] == "QuotaExceeded"]
    assert 100 <= body["quotaFits"] <= 116, body["quotaFits"]
    assert len(quota) == 1 and quota[0]["channel"] == "" and quota[0]["op"] == "PutMetadata", quota
    assert ("fit only %d" % body["quotaFits"]) in quota[0]["message"], quota
    errs = [e for e in body["errors"] if e["code"] != "QuotaExceeded"]
    assert 0 < body["metadataSent"] < 300, body["metadataSent"]
    assert body["metadataSent"] + len(errs) == 300, (body["metadataSent"], len(errs))
    # every channel without metadata is listed; a put cut in flight at the
    # deadline may have arrived all the same (listed: it was not confirmed)
    listed = {e["channel"] for e in errs}
    assert listed >= {c["arn"] for c in chans} - set(md)
    assert len(listed & set(md)) == len(md) - body["metadataSent"] <= 64
    assert all(e["op"] == "PutMetadata" and e["code"] == "DeadlineExceeded" for e in errs), errs[:3]
    assert body["itemsWritten"] == 300  # the items were written first
    assert elapsed < 15


@case
def bad_event_answers_error_and_keeps_serving():
    chans = channels(2, 1, seed=13)
    table = new_table()
    with Fn(table) as f:
        for ev in ('{"time":"2026-11-24 18:07"}', "not json", '{"detail":{}}'):
            res = f.rt.invoke_and_wait(ev, timeout=30)
            assert res["kind"] == "error", res
            assert res["body"]["errorType"] == "InvalidEvent", res
            assert res["body"]["errorMessage"], res
        assert scan(table) == {}
        check_tick(f.tick(), chans, table)  # the process is still serving
        assert f.fn.proc.poll() is None


@case
def init_error_without_table_name():
    e = env()
    with RuntimeApi() as rt:
        fn = start_function(e["root"], rt, table=None,
                            extra={"AWS_ENDPOINT_URL_IVS": e["sim"].url})
        try:
            err = rt.wait_init_error(timeout=30)
            assert fn.wait(10) == 1
        finally:
            fn.stop()
            os.unlink(fn.stdout_path)
            os.unlink(fn.stderr_path)
    assert err["body"]["errorType"] == "InvalidConfig", err
    assert "TABLE_NAME" in err["body"]["errorMessage"], err
    assert rt.next_times == []  # it never asked for an event


@case
def secrets_stay_out_of_the_logs():
    chans = channels(3, 2, seed=14)
    table = new_table()
    with Fn(table) as f:
        f.tick()
        f.rt.invoke_and_wait("oops", timeout=30)
        text = f.fn.stdout() + f.fn.stderr()
    for secret in (ivstest.TEST_SECRET, "IQoJb3JpZ2luX2VjEXAMPLETOKEN"):
        assert secret not in text


if __name__ == "__main__":
    try:
        main()
    finally:
        close_env()
