"""The IVS simulator (tests/sim/ivs_sim.py) behaves like IVS as botocore
describes it: boto3 clients talk to it with the test credentials."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import ivstest
from ivstest import case, main

ivstest.require_python_tools("boto3", "botocore")
SIM_DIR = os.path.join(ivstest.SOURCE_DIR, "tests", "sim")
sys.path.insert(0, SIM_DIR)
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


@case
def subprocess_start_and_clean_stop():
    for sig in (signal.SIGTERM, signal.SIGINT):
        d = tempfile.mkdtemp(prefix="ivs-sim-")
        pf = os.path.join(d, "url")
        p = subprocess.Popen([sys.executable, os.path.join(SIM_DIR, "ivs_sim.py"), "--port", "0",
                              "--port-file", pf, "--channels", "5", "--live", "2", "--seed", "7"],
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
            assert ctl.state()["seed"] == 7
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
    with IvsSim(channels=1000, live=640, seed=3) as sim:
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
    with IvsSim(channels=40, live=25, seed=11) as a, IvsSim(channels=40, live=25, seed=11) as b, \
            IvsSim(channels=40, live=25, seed=12) as other:
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


@case
def put_metadata_rate_limits():
    with IvsSim(channels=40, live=40) as sim:
        c = ivs(sim.url)
        codes = []
        for i in range(6):
            try:
                c.put_metadata(channelArn=arn(0), metadata=str(i))
                codes.append("ok")
            except ClientError as e:
                codes.append(e.response["Error"]["Code"])
                assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert "ThrottlingException" in codes, codes
        assert codes[:5] == ["ok"] * 5, codes
        # the window slides: a second later the channel takes calls again
        time.sleep(1.05)
        c.put_metadata(channelArn=arn(0), metadata="later")
        assert [m["payload"] for m in sim.metadata()[arn(0)]] == ["0", "1", "2", "3", "4", "later"]
        # the account limit
        sim.configure(account_rate=20)
        time.sleep(1.05)
        ok = thr = 0
        for i in range(30):
            try:
                c.put_metadata(channelArn=arn(1 + i), metadata="a")
                ok += 1
            except ClientError as e:
                assert e.response["Error"]["Code"] == "ThrottlingException"
                thr += 1
        assert ok == 20 and thr == 10, (ok, thr)
        assert sim.stats()["throttled"] >= 11


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
    with IvsSim(channels=2, live=2) as sim:
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
    with IvsSim(channels=3, live=2) as sim:
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
    with IvsSim(channels=50, live=50, channel_rate=1000, account_rate=100000) as sim:
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
