"""The IVS simulator (tests/sim/ivs_sim.py) behaves like IVS as botocore
describes it: boto3 clients talk to it with the test credentials."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from urllib.parse import urlsplit

import ivstest
from ivstest import case, main

ivstest.require_python_tools("boto3", "botocore")
SIM_DIR = os.path.join(ivstest.SOURCE_DIR, "tests", "sim")
import ivs_sim  # noqa: E402
from ivs_sim import IvsSim, SimControl  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError, ConnectionClosedError  # noqa: E402


def ivs(url, key=ivstest.TEST_KEY_ID, secret=ivstest.TEST_SECRET, token=None, validate=True):
    """An IVS client that does not retry: every call is one request."""
    return boto3.client("ivs", endpoint_url=url, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token,
                        config=Config(retries={"total_max_attempts": 1}, parameter_validation=validate))


def error_of(fn, *a, **kw):
    try:
        fn(*a, **kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], e
    raise AssertionError("expected an error from %s" % fn)


def arn(i):
    return "arn:aws:ivs:us-east-1:123456789012:channel/sim%09d" % i


# For the cases about something else than the call-rate quotas: every
# quota'd operation at 1000/s. The quota cases use the real values.
FAST = {op: 1000 for op in ivs_sim.DEFAULT_OP_RATES}


@case
def subprocess_start_and_clean_stop():
    for sig, extra in ((signal.SIGTERM, []),
                       (signal.SIGINT, ["--latency-ms", "120", "--op-rate", "ListChannels=50", "--hls"])):
        d = tempfile.mkdtemp(prefix="ivs-sim-")
        pf = os.path.join(d, "url")
        p = subprocess.Popen([sys.executable, os.path.join(SIM_DIR, "ivs_sim.py"), "--port", "0",
                              "--port-file", pf, "--channels", "5", "--live", "2", "--seed", "7"] + extra,
                             stdout=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 30
            while not os.path.exists(pf):
                assert p.poll() is None and time.time() < deadline, "sim did not start"
                time.sleep(0.05)
            url = open(pf).read().strip()
            assert url.startswith("http://127.0.0.1:"), url
            assert p.stdout.readline().strip() == url
            c = ivs(url)
            assert len(c.list_channels()["channels"]) == 5
            assert len(c.list_streams()["streams"]) == 2
            ctl = SimControl(url)
            st = ctl.state()
            assert st["seed"] == 7
            if extra:
                assert st["limits"]["latency_ms"] == 120 and st["hls"] is True, st
                assert st["limits"]["op_rates"] == dict(ivs_sim.DEFAULT_OP_RATES, ListChannels=50), st
                t0 = time.monotonic()
                c.list_channels()
                assert time.monotonic() - t0 >= 0.119
                pb = st["channels"][0]["playbackUrl"]
                assert pb == url + "/api/video/v1/us-east-1.123456789012.channel.sim000000000.m3u8", pb
                assert b"#EXTM3U" in urllib.request.urlopen(pb, timeout=10).read()
            else:
                assert st["limits"]["latency_ms"] == 0 and st["hls"] is False, st
                assert st["channels"][0]["playbackUrl"].startswith("https://"), st["channels"][0]
            p.send_signal(sig)
            assert p.wait(15) == 0, "exit status %s" % p.returncode
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        try:
            urllib.request.urlopen(url + "/_sim/state", timeout=2)
            raise AssertionError("still answering after stop")
        except (urllib.error.URLError, ConnectionError):
            pass


@case
def pagination_over_1000_channels():
    with IvsSim(channels=1000, live=640, seed=3, op_rates=FAST) as sim:
        c = ivs(sim.url)
        for size in (None, 1, 37, 100):
            seen, token, pages = [], None, 0
            while True:
                kw = {}
                if size:
                    kw["maxResults"] = size
                if token:
                    kw["nextToken"] = token
                r = c.list_channels(**kw)
                pages += 1
                assert len(r["channels"]) <= (size or 50)
                seen += [x["arn"] for x in r["channels"]]
                token = r.get("nextToken")
                if not token:
                    break
            assert sorted(seen) == sorted(arn(i) for i in range(1000)), size
            assert len(seen) == len(set(seen)) == 1000
            assert pages == -(-1000 // (size or 50)), (size, pages)
        live = [x["channelArn"] for p in c.get_paginator("list_streams").paginate(PaginationConfig={"PageSize": 30})
                for x in p["streams"]]
        assert sorted(live) == sorted(arn(i) for i in range(640)) and len(set(live)) == 640
        # a token is opaque and tied to its operation
        tok = c.list_channels(maxResults=10)["nextToken"]
        code, status, _ = error_of(c.list_streams, nextToken=tok)
        assert (code, status) == ("ValidationException", 400)
        code, _, _ = error_of(c.list_channels, nextToken=tok[:-4] + "AAAA")
        assert code == "ValidationException"


@case
def viewer_counts_match_control_api_and_move_deterministically():
    with IvsSim(channels=40, live=25, seed=11, op_rates=FAST) as a, \
            IvsSim(channels=40, live=25, seed=11) as b, IvsSim(channels=40, live=25, seed=12) as other:
        ca = ivs(a.url)
        ctl = SimControl(a.url)
        history = []
        for step in range(5):
            streams = {s["channelArn"]: s for s in ca.list_streams(maxResults=100)["streams"]}
            state = {ch["arn"]: ch for ch in ctl.state()["channels"]}
            assert len(streams) == 25
            for k, s in streams.items():
                assert state[k]["live"] and s["viewerCount"] == state[k]["viewers"], (k, s, state[k])
                assert s["state"] == "LIVE" and s["health"] == "HEALTHY"
                assert s["streamId"].startswith("st-") and len(s["streamId"]) == 26
                one = ca.get_stream(channelArn=k)["stream"]
                assert one["viewerCount"] == s["viewerCount"] and one["streamId"] == s["streamId"]
                assert one["startTime"] == s["startTime"]
            history.append([state[arn(i)]["viewers"] for i in range(40)])
            ctl.tick()
            b.tick()
            other.tick()
        assert [c["viewers"] for c in b.channels()] == [c["viewers"] for c in a.channels()]
        assert [c["viewers"] for c in other.channels()] != [c["viewers"] for c in a.channels()]
        assert any(h != history[0] for h in history[1:]), "audiences never moved"
        # set by hand, go offline and back live with a new stream id
        sid = ca.get_stream(channelArn=arn(3))["stream"]["streamId"]
        ctl.set_channel(arn(3), viewers=12345)
        assert ca.get_stream(channelArn=arn(3))["stream"]["viewerCount"] == 12345
        ctl.set_channel("sim000000003", live=False)
        assert arn(3) not in [s["channelArn"] for s in ca.list_streams(maxResults=100)["streams"]]
        ctl.set_channel("sim000000003", live=True, viewers=4)
        s = ca.get_stream(channelArn=arn(3))["stream"]
        assert s["viewerCount"] == 4 and s["streamId"] != sid
        # explicit audiences
        made = ctl.create_channels(3, live=2, viewers=[5, 6, 7])
        assert [m["viewers"] for m in made] == [5, 6, 7]
        assert sorted(s["viewerCount"] for s in ca.list_streams()["streams"]) == [5, 6]


@case
def put_metadata_recorded_exactly():
    with IvsSim(channels=3, live=2, seed=1) as sim:
        c = ivs(sim.url)
        payloads = ["12,10,9,7,5", "13,12,10,9,7", "ünïcode,1"]
        for p in payloads:
            r = c.put_metadata(channelArn=arn(0), metadata=p)
            assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
            time.sleep(0.05)
        c.put_metadata(channelArn=arn(1), metadata="1")
        md = SimControl(sim.url).metadata()
        assert set(md) == {arn(0), arn(1)}
        assert [m["payload"] for m in md[arn(0)]] == payloads
        assert [m["payload"] for m in md[arn(1)]] == ["1"]
        assert all(m["time"].endswith("Z") for m in md[arn(0)])
        assert list(SimControl(sim.url).metadata(arn(1))) == [arn(1)]
        assert sim.stats()["metadata_recorded"] == 4


@case
def offline_unknown_and_oversized():
    with IvsSim(channels=3, live=1) as sim:
        c = ivs(sim.url)
        assert error_of(c.put_metadata, channelArn=arn(2), metadata="x")[:2] == ("ChannelNotBroadcasting", 404)
        assert error_of(c.get_stream, channelArn=arn(2))[:2] == ("ChannelNotBroadcasting", 404)
        assert error_of(c.put_metadata, channelArn=arn(99), metadata="x")[:2] == ("ResourceNotFoundException",
                                                                                 404)
        assert error_of(c.get_channel, arn=arn(99))[:2] == ("ResourceNotFoundException", 404)
        c.put_metadata(channelArn=arn(0), metadata="a" * 1024)
        code, status, e = error_of(c.put_metadata, channelArn=arn(0), metadata="a" * 1025)
        assert (code, status) == ("ValidationException", 400), (code, status)
        # 1 KB is bytes, not characters
        assert error_of(c.put_metadata, channelArn=arn(0), metadata="é" * 513)[0] == "ValidationException"
        assert [len(m["payload"]) for m in sim.metadata()[arn(0)]] == [1024]
        ch = c.get_channel(arn=arn(0))["channel"]
        assert ch["arn"] == arn(0) and ch["playbackUrl"].endswith(".m3u8")


def presign(url, op, params, key=ivstest.TEST_KEY_ID, secret=ivstest.TEST_SECRET):
    """(path, headers, body) of a SigV4-signed IVS request, to send later."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    body = json.dumps(params).encode()
    req = AWSRequest("POST", url + "/" + op, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(key, secret), "ivs", "us-east-1").add_auth(req)
    return "/" + op, dict(req.prepare().headers), body


def send_all(port, requests, threads=10):
    """Sends presigned requests from `threads` kept-alive connections at once;
    [(status, headers, body)] in the order given."""
    out = [None] * len(requests)

    def work(idx):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in idx:
            path, headers, body = requests[i]
            conn.request("POST", path, body=body, headers=headers)
            r = conn.getresponse()
            out[i] = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        conn.close()

    ts = [threading.Thread(target=work, args=(range(k, len(requests), threads),)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    return out


def raw_call(url, op, params):
    """One signed request; (status, lower-case headers, JSON body or None)."""
    (status, headers, body), = send_all(urlsplit(url).port, [presign(url, op, params)], threads=1)
    return status, headers, (json.loads(body) if body else None)


MODEL = None


def check_error_shape(op, status, headers, body, common=("ThrottlingException", "InternalServerException")):
    """An error answer as the IVS model has it: a modeled error of `op` (or
    one every operation may get), its HTTP status, x-amzn-ErrorType, and a
    JSON body whose modeled member exceptionMessage is a non-empty string."""
    import botocore.session
    global MODEL
    MODEL = MODEL or botocore.session.get_session().get_service_model("ivs")
    code = headers["x-amzn-errortype"].split(":")[0]
    allowed = {e.name for e in MODEL.operation_model(op).error_shapes} | set(common)
    assert code in allowed, (op, code, sorted(allowed))
    shape = MODEL.shape_for(code)
    assert status == shape.metadata["error"]["httpStatusCode"], (op, code, status)
    assert headers["content-type"].startswith("application/json")
    body_members = {k for k, m in shape.members.items() if not m.serialization.get("location")}
    assert body_members == {"exceptionMessage"}, body_members
    assert isinstance(body.get("exceptionMessage"), str) and body["exceptionMessage"], body
    # nothing but the modeled member and the "message" SDKs print
    assert set(body) <= {"exceptionMessage", "message"}, body
    return code


@case
def list_quotas_throttle_with_the_real_answer():
    with IvsSim(channels=3, live=2) as sim:
        c = ivs(sim.url)
        # six ListChannels at once: IVS takes 5 a second
        got = send_all(sim.port, [presign(sim.url, "ListChannels", {}) for _ in range(6)], threads=6)
        statuses = sorted(g[0] for g in got)
        assert statuses == [200] * 5 + [429], statuses
        status, headers, body = [g for g in got if g[0] == 429][0]
        assert check_error_shape("ListChannels", status, headers, json.loads(body)) == "ThrottlingException"
        # boto3 reads it as IVS's throttling
        code, status, e = error_of(c.list_channels)
        assert (code, status) == ("ThrottlingException", 429), (code, status)
        assert "ListChannels" in e.response["exceptionMessage"], e.response
        # the quotas are per operation: ListStreams and GetStream still have theirs
        assert len(c.list_streams()["streams"]) == 2
        for _ in range(5):
            c.get_stream(channelArn=arn(0))
        assert error_of(c.get_stream, channelArn=arn(0))[:2] == ("ThrottlingException", 429)
        st = sim.stats()
        assert st["throttled_by_op"] == {"ListChannels": 2, "GetStream": 1}, st["throttled_by_op"]
        assert st["errors_by_op"]["ListChannels"] == {"ThrottlingException": 2}, st["errors_by_op"]
        assert st["throttled"] == 3 and st["requests"]["ListChannels"] == 7, st
        # paced at 5 a second for 2.6 s: never throttled. (Each call 220 ms
        # after the one before: a busy scheduler may bring two arrivals
        # closer than they were sent, by less than 100 ms over 6 calls.)
        time.sleep(1.05)

        def paced(call):
            for _ in range(12):
                t0 = time.monotonic()
                call()
                time.sleep(max(0.0, t0 + 0.22 - time.monotonic()))
        c2 = ivs(sim.url)
        ts = [threading.Thread(target=paced, args=(c.list_streams,)),
              threading.Thread(target=paced, args=(lambda: c2.list_channels(maxResults=2),))]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
        assert sim.stats()["requests"]["ListStreams"] == 13
        st = sim.stats()
        assert st["throttled_by_op"] == {"ListChannels": 2, "GetStream": 1}, st["throttled_by_op"]
        # and config can raise a quota (the benchmark does)
        sim.configure(op_rates={"ListChannels": 50})
        time.sleep(1.05)
        got = send_all(sim.port, [presign(sim.url, "ListChannels", {}) for _ in range(40)], threads=8)
        assert [g[0] for g in got] == [200] * 40
        assert SimControl(sim.url).state()["limits"]["op_rates"]["ListChannels"] == 50
        sim.reset()
        assert SimControl(sim.url).state()["limits"]["op_rates"] == ivs_sim.DEFAULT_OP_RATES
        try:
            SimControl(sim.url).configure(op_rates={"DeleteChannel": 9})
            raise AssertionError("an unknown quota was accepted")
        except urllib.error.HTTPError as he:
            assert he.code == 400


@case
def put_metadata_quotas_real_values():
    with IvsSim(channels=60, live=60) as sim:
        c = ivs(sim.url)
        # per channel: 5 a second
        codes = []
        for i in range(6):
            try:
                c.put_metadata(channelArn=arn(0), metadata=str(i))
                codes.append("ok")
            except ClientError as e:
                codes.append(e.response["Error"]["Code"])
                assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert codes == ["ok"] * 5 + ["ThrottlingException"], codes
        # the window slides: a second later the channel takes calls again
        time.sleep(1.05)
        c.put_metadata(channelArn=arn(0), metadata="later")
        assert [m["payload"] for m in sim.metadata()[arn(0)]] == ["0", "1", "2", "3", "4", "later"]
        # per account: 155 a second. 250 calls at once over 50 more channels,
        # 5 each (so no channel is over its own quota)
        time.sleep(1.05)
        reqs = [presign(sim.url, "PutMetadata", {"channelArn": arn(10 + i % 50), "metadata": "a%d" % i})
                for i in range(250)]
        t0 = time.monotonic()
        got = send_all(sim.port, reqs)
        took = time.monotonic() - t0
        ok = [i for i, g in enumerate(got) if g[0] == 204]
        thr = [i for i, g in enumerate(got) if g[0] == 429]
        assert len(ok) + len(thr) == 250, [g[0] for g in got]
        times = sorted(m["t"] for ch, items in sim.metadata().items() if ch != arn(0) for m in items)
        assert len(times) == len(ok)
        assert max(sum(1 for u in times if t <= u < t + 1.0) for t in times) <= 155
        if took < 1.0:  # all within one window: exactly the quota got in
            assert len(ok) == 155 and len(thr) == 95, (len(ok), len(thr), took)
        else:
            assert thr, took
        for i in thr[:3]:
            status, headers, body = got[i]
            assert check_error_shape("PutMetadata", status, headers, json.loads(body)) == "ThrottlingException"
        # what was throttled was not recorded
        recorded = {m["payload"] for items in sim.metadata().values() for m in items}
        assert all("a%d" % i not in recorded for i in thr) and all("a%d" % i in recorded for i in ok)
        st = sim.stats()
        assert st["throttled_by_op"] == {"PutMetadata": 1 + len(thr)}, st
        # 1 KB: 1024 UTF-8 bytes pass, 1025 do not
        time.sleep(1.05)
        c.put_metadata(channelArn=arn(1), metadata="é" * 512)
        status, headers, body = raw_call(sim.url, "PutMetadata", {"channelArn": arn(1), "metadata": "é" * 512 + "x"})
        assert check_error_shape("PutMetadata", status, headers, body) == "ValidationException"
        assert "1024" in body["exceptionMessage"], body


@case
def every_error_fits_the_model():
    """Each error the simulator gives, for each operation, is one the IVS
    model lists for it (or throttling / internal error, which any call may
    get), with the model's status and body."""
    with IvsSim(channels=3, live=1) as sim:
        cases = [
            ("ListChannels", {"maxResults": 1000}, "ValidationException"),
            ("ListChannels", {"nextToken": "forged"}, "ValidationException"),
            ("ListStreams", {"filterBy": {"health": "GREAT"}}, "ValidationException"),
            ("GetChannel", {"arn": arn(9)}, "ResourceNotFoundException"),
            ("GetChannel", {"arn": "not-an-arn"}, "ValidationException"),
            ("GetStream", {"channelArn": arn(9)}, "ResourceNotFoundException"),
            ("GetStream", {"channelArn": arn(2)}, "ChannelNotBroadcasting"),
            ("PutMetadata", {"channelArn": arn(9), "metadata": "x"}, "ResourceNotFoundException"),
            ("PutMetadata", {"channelArn": arn(2), "metadata": "x"}, "ChannelNotBroadcasting"),
            ("PutMetadata", {"channelArn": arn(0)}, "ValidationException"),
            ("CreateChannel", {"latencyMode": "FAST"}, "ValidationException"),
        ]
        for op, params, want in cases:
            status, headers, body = raw_call(sim.url, op, params)
            assert check_error_shape(op, status, headers, body) == want, (op, params, status, body)
        time.sleep(1.05)
        for op, params in (("ListChannels", {}), ("ListStreams", {}), ("GetChannel", {"arn": arn(0)}),
                           ("GetStream", {"channelArn": arn(0)}), ("CreateChannel", {})):
            got = send_all(sim.port, [presign(sim.url, op, params) for _ in range(7)], threads=7)
            thr = [g for g in got if g[0] == 429]
            assert len(thr) == 2, (op, [g[0] for g in got])
            assert check_error_shape(op, thr[0][0], thr[0][1], json.loads(thr[0][2])) == "ThrottlingException"
        sim.set_faults(error500=1.0, ops=["GetChannel"])
        status, headers, body = raw_call(sim.url, "GetChannel", {"arn": arn(1)})
        assert check_error_shape("GetChannel", status, headers, body) == "InternalServerException"
        sim.set_faults(throttle=1.0, ops=["ListStreams"])
        status, headers, body = raw_call(sim.url, "ListStreams", {})
        assert check_error_shape("ListStreams", status, headers, body) == "ThrottlingException"


@case
def latency_delays_each_answer_not_the_others():
    with IvsSim(channels=3, live=3, latency_ms=250) as sim:
        clients = [ivs(sim.url) for _ in range(5)]
        t0 = time.monotonic()
        clients[0].list_channels()
        one = time.monotonic() - t0
        assert 0.25 <= one < 0.6, one
        # an error waits as long
        t0 = time.monotonic()
        error_of(clients[0].get_stream, channelArn=arn(9))
        assert time.monotonic() - t0 >= 0.25
        # five at once take one latency, not five
        time.sleep(1.05)
        done = []
        ts = [threading.Thread(target=lambda cl=cl: done.append(len(cl.list_streams()["streams"])))
              for cl in clients]
        t0 = time.monotonic()
        for t in ts:
            t.start()
        for t in ts:
            t.join(10)
        five = time.monotonic() - t0
        assert done == [3] * 5, done
        assert 0.25 <= five < 0.9, five
        # the control API is not delayed, and the latency is configurable
        t0 = time.monotonic()
        SimControl(sim.url).state()
        assert time.monotonic() - t0 < 0.2
        SimControl(sim.url).configure(latency_ms=0)
        t0 = time.monotonic()
        clients[0].get_channel(arn=arn(1))
        assert time.monotonic() - t0 < 0.2
        SimControl(sim.url).configure(latency_ms=30)
        t0 = time.monotonic()
        clients[0].get_channel(arn=arn(1))
        assert time.monotonic() - t0 >= 0.03


# --------------------------------------------------------------------------
# --hls: each live channel's stream at its playbackUrl

def ts_payload(p):
    afc = (p[3] >> 4) & 3
    return p[4:] if afc == 1 else p[5 + p[4]:] if afc == 3 else b""


def ts_pid(p):
    return ((p[1] & 0x1F) << 8) | p[2]


def pes_pts(b):
    return (((b[0] >> 1) & 7) << 30) | ((((b[1] << 8) | b[2]) >> 1) << 15) | (((b[3] << 8) | b[4]) >> 1)


def ts_streams(data):
    """(packets, [(stream_type, pid, ES descriptors)] from PAT -> PMT)."""
    assert len(data) % 188 == 0 and data[0] == 0x47, "not MPEG-TS"
    pkts = [data[i:i + 188] for i in range(0, len(data), 188)]
    assert all(p[0] == 0x47 for p in pkts), "lost sync"
    pat = next(ts_payload(p) for p in pkts if ts_pid(p) == 0)
    sec = pat[1 + pat[0]:]
    pmt_pid = ((sec[10] & 0x1F) << 8) | sec[11]
    pmt = next(ts_payload(p) for p in pkts if ts_pid(p) == pmt_pid)
    sec = pmt[1 + pmt[0]:]
    end = 3 + (((sec[1] & 0x0F) << 8) | sec[2]) - 4
    i = 12 + (((sec[10] & 0x0F) << 8) | sec[11])
    out = []
    while i < end:
        n = ((sec[i + 3] & 0x0F) << 8) | sec[i + 4]
        out.append((sec[i], ((sec[i + 1] & 0x1F) << 8) | sec[i + 2], sec[i + 5:i + 5 + n]))
        i += 5 + n
    return pkts, out


def first_video_pts(data):
    """The PTS of the first PES on the PID the PMT gives H.264 (0x1B)."""
    pkts, streams = ts_streams(data)
    vpid = next(pid for stype, pid, _ in streams if stype == 0x1B)
    pes = next(ts_payload(p) for p in pkts if ts_pid(p) == vpid and p[1] & 0x40)
    return pes_pts(pes[9:14])


def ts_id3_tags(data):
    """[(pts, text)] of the ID3 TXXX tags in an MPEG-TS segment, read the way
    a player does: PAT -> PMT -> the PID of stream_type 0x15 whose
    metadata_descriptor says "ID3 " -> its PES -> ID3v2.4 frames. Our own
    reading, independent of the simulator's code."""
    pkts, streams = ts_streams(data)
    id3 = [(pid, desc) for stype, pid, desc in streams if stype == 0x15]
    assert len(id3) == 1, streams
    id3_pid, desc = id3[0]
    assert desc[0] == 0x26 and desc[2:8] == b"\xff\xffID3 " and desc[8:13] == b"\xffID3 ", desc
    pes_list, cur, ccs = [], None, []
    for p in pkts:
        if ts_pid(p) != id3_pid:
            continue
        ccs.append(p[3] & 0x0F)
        if p[1] & 0x40:
            cur = bytearray()
            pes_list.append(cur)
        cur += ts_payload(p)
    assert all((b - a) % 16 == 1 for a, b in zip(ccs, ccs[1:])), ccs

    def syncsafe(x):
        return (x[0] << 21) | (x[1] << 14) | (x[2] << 7) | x[3]
    out = []
    for pes in pes_list:
        assert pes[:4] == b"\x00\x00\x01\xbd", bytes(pes[:4])
        pes = pes[:6 + ((pes[4] << 8) | pes[5])]
        assert pes[7] & 0x80, "no PTS"
        tag = bytes(pes[9 + pes[8]:])
        assert tag[:3] == b"ID3" and tag[3] == 4, tag[:5]
        assert syncsafe(tag[6:10]) == len(tag) - 10
        j = 10
        while j < len(tag):
            fid, fsize = tag[j:j + 4], syncsafe(tag[j + 4:j + 8])
            body = tag[j + 10:j + 10 + fsize]
            if fid == b"TXXX":
                assert body[0] == 3, "not UTF-8"
                out.append((pes_pts(pes[9:14]), body[1:].partition(b"\x00")[2].decode("utf-8")))
            j += 10 + fsize
    return out


def http_get(url, method="GET"):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    except urllib.error.HTTPError as he:
        return he.code, {k.lower(): v for k, v in he.headers.items()}, he.read()


def playlist(url):
    """(media sequence, [(seq, uri, extinf, program date time, discontinuity)])"""
    status, headers, body = http_get(url)
    assert status == 200, (status, body)
    assert headers["content-type"] == "application/vnd.apple.mpegurl", headers
    assert headers["access-control-allow-origin"] == "*", headers
    lines = body.decode().splitlines()
    assert lines[0] == "#EXTM3U" and "#EXT-X-ENDLIST" not in lines
    seq = int(next(x for x in lines if x.startswith("#EXT-X-MEDIA-SEQUENCE:")).split(":")[1])
    target = int(next(x for x in lines if x.startswith("#EXT-X-TARGETDURATION:")).split(":")[1])
    segs, pending = [], {}
    for x in lines[1:]:
        if x == "#EXT-X-DISCONTINUITY":
            pending["disc"] = True
        elif x.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            pending["pdt"] = x.split(":", 1)[1]
        elif x.startswith("#EXTINF:"):
            pending["dur"] = float(x[8:].split(",")[0])
            assert round(pending["dur"]) <= target
        elif x and not x.startswith("#"):
            segs.append((seq + len(segs), urllib.parse.urljoin(url, x), pending["dur"], pending.get("pdt"),
                         pending.get("disc", False)))
            pending = {}
    return seq, segs


def ffprobe(data):
    with tempfile.NamedTemporaryFile(suffix=".ts") as f:
        f.write(data)
        f.flush()
        r = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", f.name],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)


@case
def hls_live_playlist_and_valid_segments():
    import datetime
    with IvsSim(channels=3, live=2, hls=True, hls_window=8) as sim:
        chans = sim.channels()
        url = chans[0]["playbackUrl"]
        assert url == "%s/api/video/v1/us-east-1.123456789012.channel.sim000000000.m3u8" % sim.url, url
        assert ivs(sim.url).get_channel(arn=arn(0))["channel"]["playbackUrl"] == url
        first, segs = playlist(url)
        assert len(segs) == 8, segs
        # a live window: program date times one EXTINF apart, ending no later than now
        pdts = [datetime.datetime.strptime(s[3], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).timestamp() for s in segs]
        for a, b, s in zip(pdts, pdts[1:], segs):
            assert abs(b - a - s[2]) < 0.01, (a, b, s)
        assert pdts[-1] + segs[-1][2] <= time.time() + 0.05
        assert time.time() - (pdts[-1] + segs[-1][2]) < 1.5
        time.sleep(1.2)
        later, segs2 = playlist(url)
        assert later > first and segs2[0][1] != segs[0][1], (first, later)
        # every segment: H.264 + AAC + timed ID3, timestamps continuous except
        # where the playlist says DISCONTINUITY (the loop wraps within 8 s)
        starts, discs = [], 0
        for i, (seq, uri, dur, pdt, disc) in enumerate(segs2):
            status, headers, data = http_get(uri)
            assert status == 200 and headers["content-type"] == "video/MP2T", (status, headers)
            assert headers["access-control-allow-origin"] == "*"
            if i == 0 or disc:  # ffprobe is slow on a busy machine: the first and a wrap
                probe = ffprobe(data)
                kinds = sorted((s["codec_type"], s["codec_name"]) for s in probe["streams"])
                assert kinds == [("audio", "aac"), ("data", "timed_id3"), ("video", "h264")], kinds
                assert probe["format"]["format_name"] == "mpegts"
                video = next(s for s in probe["streams"] if s["codec_type"] == "video")
                assert video["profile"].endswith("Baseline"), video["profile"]
                assert abs(float(video["start_time"]) - first_video_pts(data) / 90000.0) < 0.001
            start = first_video_pts(data) / 90000.0
            if i and not disc:
                assert abs(start - starts[-1] - segs2[i - 1][2]) < 0.05, (seq, start, starts)
            if disc:
                assert start < starts[-1], (seq, start, starts)
                discs += 1
            starts.append(start)
        assert discs >= 1, segs2
        r = subprocess.run(["ffmpeg", "-v", "error", "-i", "pipe:0", "-map", "0:v", "-map", "0:a", "-f", "null", "-"],
                           input=data, capture_output=True, timeout=60)
        assert r.returncode == 0 and not r.stderr.strip(), r.stderr
        # a segment not made yet, or of another stream, is a 404
        _, now_segs = playlist(url)
        base = now_segs[-1][1].rsplit("/", 1)[0]
        assert http_get("%s/%d.ts" % (base, now_segs[-1][0] + 2))[0] == 404
        assert http_get(segs2[-1][1].replace(chans[0]["streamId"], "st-other"))[0] == 404
        st = sim.stats()["hls"]
        assert st["playlists"] == 3 and st["segments"] == 8 and st["not_found"] == 2, st


@case
def hls_put_metadata_arrives_as_id3_in_the_next_segments():
    with IvsSim(channels=2, live=2, hls=True) as sim:
        c = ivs(sim.url)
        url = sim.channels()[1]["playbackUrl"]
        _, before = playlist(url)
        last_before = before[-1][0]
        for _, uri, _, _, _ in before:
            assert ts_id3_tags(http_get(uri)[2]) == []
        payloads = ["12,10,9,7,5", json.dumps({"viewers": 42, "history": [42, 40]}), "ü" * 500 + "1234"]
        assert len(payloads[2].encode()) == 1004
        for p in payloads:
            c.put_metadata(channelArn=arn(1), metadata=p)
        c.put_metadata(channelArn=arn(0), metadata="other channel")
        deadline = time.time() + 10
        while True:
            _, segs = playlist(url)
            if segs[-1][0] >= last_before + 3 or time.time() > deadline:
                break
            time.sleep(0.2)
        found = []
        for seq, uri, _, _, _ in segs:
            data = http_get(uri)[2]
            tags = ts_id3_tags(data)
            if tags:
                probe = json.loads(subprocess.run(
                    ["ffprobe", "-v", "error", "-select_streams", "d", "-show_entries", "packet=pts,size",
                     "-of", "json", "pipe:0"], input=data, capture_output=True, timeout=60).stdout)
                # ffmpeg's demuxer sees the same timed packets
                assert [p["pts"] for p in probe["packets"]] == [t[0] for t in tags], (probe, tags)
                v = ffprobe(data)
                vstart = float(next(s for s in v["streams"] if s["codec_type"] == "video")["start_time"])
                for pts, _ in tags:  # timed within the segment it is in
                    assert vstart - 0.1 <= pts / 90000.0 <= vstart + 1.1, (pts, vstart)
            found += [(seq, text) for _, text in tags]
        assert [t for _, t in found] == payloads, found
        # within the segment being made when they arrived, after those listed before
        seqs = {s for s, _ in found}
        assert all(last_before < s <= last_before + 2 for s in seqs), (last_before, found)
        # the control API says the same
        view = SimControl(sim.url).hls(arn(1))
        assert list(view) == [arn(1)]
        ins = view[arn(1)]["inserted"]
        assert [(i["mediaSequence"], i["payload"]) for i in ins] == found, (ins, found)
        assert all(i["published"] for i in ins)
        other = sim.hls()[arn(0)]["inserted"]
        assert [i["payload"] for i in other] == ["other channel"]


@case
def hls_offline_channels_404_and_cors():
    with IvsSim(channels=3, live=1, hls=True) as sim:
        chans = sim.channels()
        status, headers, _ = http_get(chans[2]["playbackUrl"])
        assert status == 404 and headers["access-control-allow-origin"] == "*", (status, headers)
        status, headers, _ = http_get(chans[0]["playbackUrl"], method="OPTIONS")
        assert status == 204 and headers["access-control-allow-origin"] == "*", (status, headers)
        assert "GET" in headers["access-control-allow-methods"]
        assert http_get(chans[0]["playbackUrl"], method="HEAD")[0] == 200
        assert http_get(sim.url + "/api/video/v1/us-west-2.123456789012.channel.sim000000000.m3u8")[0] == 404
        assert http_get(sim.url + "/api/video/v1/us-east-1.123456789012.channel.sim000000099.m3u8")[0] == 404
        _, segs = playlist(chans[0]["playbackUrl"])
        # offline: the playlist and its segments go
        sim.set_channel(arn(0), live=False)
        assert http_get(chans[0]["playbackUrl"])[0] == 404
        assert http_get(segs[-1][1])[0] == 404
        assert arn(0) not in sim.hls()
        # live again: a new stream, its own segments, already playable
        sim.set_channel(arn(0), live=True)
        sid = sim.channels()[0]["streamId"]
        assert sid != chans[0]["streamId"]
        _, segs2 = playlist(chans[0]["playbackUrl"])
        assert segs2 and all(sid in s[1] for s in segs2), segs2
        assert segs2[0][0] == 0, segs2[0]
        assert http_get(segs2[0][1])[0] == 200
    # without --hls: the real-looking URL, and no stream here
    with IvsSim(channels=1) as sim:
        pb = sim.channels()[0]["playbackUrl"]
        assert pb.startswith("https://") and ".playback.live-video.net/api/video/v1/" in pb, pb
        assert http_get(sim.url + "/api/video/v1/us-east-1.123456789012.channel.sim000000000.m3u8")[0] == 404
        try:
            SimControl(sim.url).hls()
            raise AssertionError("/_sim/hls answered without --hls")
        except urllib.error.HTTPError as he:
            assert he.code == 409


@case
def signatures_checked():
    with IvsSim(channels=2, live=1) as sim:
        code, status, e = error_of(ivs(sim.url, secret="wrong" + ivstest.TEST_SECRET[5:]).list_channels)
        assert (code, status) == ("InvalidSignatureException", 403), (code, status)
        assert "signature" in e.response["Error"]["Message"]
        assert e.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"].startswith(
            "InvalidSignatureException")
        code, status, _ = error_of(ivs(sim.url, key="AKIDUNKNOWN000000000").list_streams)
        assert (code, status) == ("UnrecognizedClientException", 403)
        # a session token is signed too
        ivs(sim.url, token="FQoGZXIvYXdzEXAMPLETOKEN").list_channels()
        # keys registered through the control API
        SimControl(sim.url).add_credentials("AKIDOTHER00000000000", "othersecret")
        ivs(sim.url, key="AKIDOTHER00000000000", secret="othersecret").list_channels()
        # unsigned
        req = urllib.request.Request(sim.url + "/ListChannels", data=b"{}", method="POST")
        try:
            urllib.request.urlopen(req, timeout=5)
            raise AssertionError("unsigned request accepted")
        except urllib.error.HTTPError as he:
            assert he.code == 403
            assert he.headers["x-amzn-ErrorType"].startswith("MissingAuthenticationTokenException")
        # a body changed after signing
        c = ivs(sim.url)

        def tamper(request, **kw):
            request.body = request.body.replace(b"sim000000000", b"sim000000001")
            request.headers["Content-Length"] = str(len(request.body))
        c.meta.events.register_last("before-send.ivs.PutMetadata", tamper)
        assert error_of(c.put_metadata, channelArn=arn(0), metadata="x")[:2] == ("InvalidSignatureException", 403)
        assert sim.metadata() == {}
        # and a good one still passes after all that
        ivs(sim.url).put_metadata(channelArn=arn(0), metadata="ok")


@case
def requests_validated_against_the_model():
    with IvsSim(channels=2, live=2, op_rates=FAST) as sim:
        c = ivs(sim.url)
        code, status, e = error_of(c.list_channels, maxResults=1000)
        assert (code, status) == ("ValidationException", 400)
        assert "maxResults" in e.response["Error"]["Message"]
        assert error_of(c.list_streams, maxResults=101)[0] == "ValidationException"
        raw = ivs(sim.url, validate=False)
        assert error_of(raw.list_streams, maxResults=0)[0] == "ValidationException"
        assert error_of(raw.put_metadata, channelArn=arn(0))[0] == "ValidationException"  # missing metadata
        assert error_of(raw.put_metadata, channelArn=arn(0), metadata="")[0] == "ValidationException"
        assert error_of(raw.get_stream, channelArn="not-an-arn")[0] == "ValidationException"
        assert error_of(raw.list_streams, filterBy={"health": "GREAT"})[0] == "ValidationException"
        assert error_of(raw.list_channels, maxResults="ten")[0] == "ValidationException"
        assert sim.metadata() == {}
        assert c.list_streams(filterBy={"health": "HEALTHY"})["streams"]
        sim.set_channel(arn(1), health="STARVING")
        assert [s["channelArn"] for s in c.list_streams(filterBy={"health": "STARVING"})["streams"]] == [arn(1)]


@case
def responses_fit_the_output_shapes():
    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from botocore.validate import ParamValidator
    model = botocore.session.get_session().get_service_model("ivs")
    with IvsSim(channels=3, live=2, op_rates=FAST) as sim:
        c = ivs(sim.url)
        c.create_channel(name="made-here", latencyMode="NORMAL", tags={"k": "v"})
        calls = [("ListChannels", {}), ("ListStreams", {}), ("GetStream", {"channelArn": arn(0)}),
                 ("GetChannel", {"arn": arn(1)}), ("ListChannels", {"maxResults": 1})]
        for op, params in calls:
            body = json.dumps(params).encode()
            req = AWSRequest("POST", sim.url + "/" + op, data=body, headers={"Content-Type": "application/json"})
            SigV4Auth(Credentials(ivstest.TEST_KEY_ID, ivstest.TEST_SECRET), "ivs", "us-east-1").add_auth(req)
            prepared = req.prepare()
            r = urllib.request.urlopen(urllib.request.Request(prepared.url, data=body, method="POST",
                                                              headers=dict(prepared.headers)), timeout=5)
            out = json.loads(r.read())
            shape = model.operation_model(op).output_shape
            report = ParamValidator().validate(out, shape)
            assert not report.has_errors(), (op, report.generate_report())
            errs = []
            ivs_sim._constraint_errors(shape, out, "", errs)
            assert not errs, (op, errs)
            if op == "ListStreams":
                assert out["streams"][0]["startTime"].endswith("Z")  # ISO-8601 text, as REST-JSON sends
        names = [x["name"] for x in c.list_channels()["channels"]]
        assert "made-here" in names and len(names) == 4


def put_with_retries(c, channel, payload, tries=30):
    for _ in range(tries):
        try:
            c.put_metadata(channelArn=channel, metadata=payload)
            return
        except (ClientError, ConnectionClosedError):
            time.sleep(0.001)
    raise AssertionError("no success in %d tries" % tries)


@case
def fault_injection_rates_and_exactly_once():
    with IvsSim(channels=50, live=50, channel_rate=1000, account_rate=100000, op_rates=FAST) as sim:
        sim.set_faults(throttle=0.1, error500=0.05, drop=0.05, seed=1)
        c = ivs(sim.url)
        outcome = {"ok": 0, "ThrottlingException": 0, "InternalServerException": 0, "drop": 0}
        sent = []
        for i in range(400):
            ch, payload = arn(i % 50), "p%d" % i
            try:
                c.put_metadata(channelArn=ch, metadata=payload)
                outcome["ok"] += 1
                sent.append((ch, payload))
            except ClientError as e:
                outcome[e.response["Error"]["Code"]] += 1
            except ConnectionClosedError:
                outcome["drop"] += 1
        st = sim.stats()
        assert st["injected"].get("throttle", 0) == outcome["ThrottlingException"], (st, outcome)
        assert st["injected"].get("error500", 0) == outcome["InternalServerException"], (st, outcome)
        assert st["injected"].get("drop", 0) == outcome["drop"], (st, outcome)
        for k, rate in (("ThrottlingException", 0.1), ("InternalServerException", 0.05), ("drop", 0.05)):
            assert abs(outcome[k] - 400 * rate) <= 400 * rate * 0.5 + 5, (k, outcome)
        md = sim.metadata()
        recorded = sorted((ch, m["payload"]) for ch, items in md.items() for m in items)
        assert recorded == sorted(sent), "a faulted PutMetadata was recorded"
        # the same seed gives the same faults
        sim.reset()
        sim.set_faults(throttle=0.1, error500=0.05, drop=0.05, seed=1)
        again = {"ok": 0}
        for i in range(400):
            try:
                c.put_metadata(channelArn=arn(i % 50), metadata="p%d" % i)
                again["ok"] += 1
            except (ClientError, ConnectionClosedError):
                pass
        assert again["ok"] == outcome["ok"]
        # with retries every payload lands exactly once
        sim.reset()
        sim.configure(channel_rate=1000, account_rate=100000)
        sim.set_faults(throttle=0.1, error500=0.05, drop=0.05, seed=2)
        for i in range(200):
            put_with_retries(c, arn(i % 50), "q%d" % i)
        recorded = sorted(m["payload"] for items in sim.metadata().values() for m in items)
        assert recorded == sorted("q%d" % i for i in range(200))
        # faults only for chosen operations; the control API never gets any
        sim.set_faults(error500=1.0, ops=["PutMetadata"])
        assert len(c.list_streams()["streams"]) == 50
        assert error_of(c.put_metadata, channelArn=arn(0), metadata="x")[:2] == ("InternalServerException", 500)
        SimControl(sim.url).state()
        # a scripted sequence, then delays
        sim.set_faults(sequence=["throttle", None, "error500"])
        got = []
        for _ in range(4):
            try:
                c.list_channels()
                got.append("ok")
            except ClientError as e:
                got.append(e.response["Error"]["Code"])
        assert got == ["ThrottlingException", "ok", "InternalServerException", "ok"], got
        sim.set_faults(delay_ms=[150, 200], seed=4)
        t0 = time.time()
        c.list_channels()
        assert time.time() - t0 >= 0.14
        sim.set_faults()
        t0 = time.time()
        c.list_channels()
        assert time.time() - t0 < 0.14


@case
def reset_and_auto_tick():
    with IvsSim(channels=5, live=5, seed=9, auto_tick_seconds=0.2) as sim:
        c = ivs(sim.url)
        c.put_metadata(channelArn=arn(0), metadata="x")
        time.sleep(0.7)
        assert sim.state.state()["tick"] >= 2
        SimControl(sim.url).set_faults(throttle=0.5)
        SimControl(sim.url).reset()
        st = SimControl(sim.url).state()
        assert st["faults"]["throttle"] == 0 and len(st["channels"]) == 5
        assert sim.metadata() == {} and sim.stats()["total_requests"] == 0


@case
def works_behind_the_fault_proxy():
    from fault_proxy import FaultProxy
    with IvsSim(channels=4, live=4) as sim, FaultProxy(sim.url) as proxy:
        c = ivs(proxy.url)  # signed for the proxy's Host; the sim verifies what arrives
        assert len(c.list_streams()["streams"]) == 4
        c.put_metadata(channelArn=arn(2), metadata="via-proxy")
        assert [m["payload"] for m in sim.metadata()[arn(2)]] == ["via-proxy"]
        assert proxy.stats()["forwarded"] == 2
    for port in (sim.port, proxy.port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            raise AssertionError("still listening on %d" % port)
        except ConnectionRefusedError:
            pass


if __name__ == "__main__":
    main()
