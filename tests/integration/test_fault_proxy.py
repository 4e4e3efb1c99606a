"""The fault proxy (tests/sim/fault_proxy.py): forwards byte for byte to a
loopback upstream (moto's DynamoDB here) and injects seeded faults."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import ivstest
from ivstest import case, main

ivstest.require_python_tools("boto3", "botocore", "moto")
SIM_DIR = os.path.join(ivstest.SOURCE_DIR, "tests", "sim")
from fault_proxy import FaultProxy, ProxyControl  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError, ConnectionClosedError  # noqa: E402

_moto = None


def moto():
    """One moto_server for the whole file (started by main below)."""
    return _moto


def ddb(url):
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=ivstest.TEST_KEY_ID, aws_secret_access_key=ivstest.TEST_SECRET,
                        config=Config(retries={"total_max_attempts": 1}))


def make_table(c, name):
    c.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                   BillingMode="PAY_PER_REQUEST")


def item(i):
    return {"pk": {"S": "k%d" % i}, "n": {"N": str(i)}}


@case
def forwards_dynamodb_transparently():
    with FaultProxy(moto().url) as p:
        c = ddb(p.url)
        make_table(c, "plain")
        c.put_item(TableName="plain", Item=item(1))
        got = c.get_item(TableName="plain", Key={"pk": {"S": "k1"}})["Item"]
        assert got == item(1), got
        # what went through the proxy is what moto has
        direct = ddb(moto().url).get_item(TableName="plain", Key={"pk": {"S": "k1"}})["Item"]
        assert direct == got
        s = p.stats()
        assert s["requests"] == s["forwarded"] == 3 and s["injected_total"] == 0, s
        assert set(s["by_target"]) == {"DynamoDB_20120810.CreateTable", "DynamoDB_20120810.PutItem",
                                       "DynamoDB_20120810.GetItem"}
    # stopped: the port no longer answers
    try:
        socket.create_connection(("127.0.0.1", p.port), timeout=2).close()
        raise AssertionError("proxy still listening")
    except ConnectionRefusedError:
        pass


class Echo:
    """An upstream that answers with the exact bytes it received (chunked
    response on the odd requests), on a kept-alive connection."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.received = []
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        buf = b""
        n = 0
        with c:
            while True:
                while b"\r\n\r\n" not in buf:
                    d = c.recv(65536)
                    if not d:
                        return
                    buf += d
                head, buf = buf.split(b"\r\n\r\n", 1)
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v)
                while len(buf) < length:
                    buf += c.recv(65536)
                raw, buf = head + b"\r\n\r\n" + buf[:length], buf[length:]
                self.received.append(raw)
                n += 1
                if n % 2:
                    c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Echo: chunked\r\n\r\n"
                              + b"%x\r\n" % len(raw) + raw + b"\r\n0\r\n\r\n")
                else:
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nX-Echo: plain\r\n\r\n" % len(raw) + raw)

    def close(self):
        self.sock.close()


@case
def byte_exact_both_ways():
    echo = Echo()
    try:
        with FaultProxy(echo.url) as p:
            port = p.port
            reqs = [b"POST /x?a=1&b=%%20 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Amz-Date: 20240101T000000Z\r\n"
                    b"authorization: AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/dynamodb/aws4_request, "
                    b"SignedHeaders=host;x-amz-date, Signature=00\r\nX-Mixed-CASE:  spaced  value \r\n"
                    b"Content-Length: 11\r\n\r\nhello world" % port,
                    b"GET /y HTTP/1.1\r\nHost: example.invalid\r\nZ-First: 1\r\nA-Second: 2\r\n\r\n"]
            with socket.create_connection(("127.0.0.1", port)) as s:
                f = s.makefile("rb")
                for i, r in enumerate(reqs):
                    s.sendall(r)
                    status = f.readline()
                    assert status == b"HTTP/1.1 200 OK\r\n", status
                    hdrs = {}
                    while True:
                        ln = f.readline()
                        if ln == b"\r\n":
                            break
                        k, _, v = ln.decode().partition(":")
                        hdrs[k.lower()] = v.strip()
                    if hdrs.get("transfer-encoding") == "chunked":
                        size = int(f.readline(), 16)
                        body = f.read(size)
                        assert f.read(2) == b"\r\n" and f.readline() == b"0\r\n" and f.readline() == b"\r\n"
                    else:
                        body = f.read(int(hdrs["content-length"]))
                    assert body == r, (body, r)
            assert echo.received == reqs
            assert p.stats()["forwarded"] == 2
    finally:
        echo.close()


def throttle_run(url, n=300, table="rates"):
    c = ddb(url)
    pattern = []
    for i in range(n):
        try:
            c.put_item(TableName=table, Item=item(i))
            pattern.append(0)
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ProvisionedThroughputExceededException", e.response
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
            pattern.append(1)
    return pattern


@case
def throttling_at_the_configured_rate():
    c = ddb(moto().url)
    make_table(c, "rates")
    with FaultProxy(moto().url, seed=5, throttle=0.2, targets=["PutItem"]) as p:
        first = throttle_run(p.url)
        assert 40 <= sum(first) <= 80, sum(first)
        s = p.stats()
        assert s["injected"] == {"throttle": sum(first)}, s
        assert s["by_target"]["DynamoDB_20120810.PutItem"]["forwarded"] == 300 - sum(first)
        # reads are not targeted
        for i in range(50):
            ddb(p.url).get_item(TableName="rates", Key={"pk": {"S": "k%d" % i}})
        # the same seed, the same faults
        ProxyControl(p.url).set_faults(seed=5, throttle=0.2, targets=["DynamoDB_20120810.PutItem"])
        assert throttle_run(p.url) == first
        # moto has exactly the items that were not throttled
        ProxyControl(p.url).reset()
        count = sum(pg["Count"] for pg in c.get_paginator("scan").paginate(TableName="rates", Select="COUNT"))
        assert count == 300 - sum(first), (count, sum(first))  # both runs throttled the same keys
        assert ProxyControl(p.url).stats()["requests"] == 0


@case
def errors_drops_and_delays():
    c0 = ddb(moto().url)
    make_table(c0, "faults")
    with FaultProxy(moto().url) as p:
        ctl = ProxyControl(p.url)
        c = ddb(p.url)
        ctl.set_faults(sequence=["error500", "drop", "drop_after", None])
        code = None
        try:
            c.put_item(TableName="faults", Item=item(1))
        except ClientError as e:
            code = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        assert code == ("InternalServerError", 500), code
        for i in (2, 3):
            try:
                c.put_item(TableName="faults", Item=item(i))
                raise AssertionError("no drop")
            except ConnectionClosedError:
                pass
        c.put_item(TableName="faults", Item=item(4))
        have = sorted(x["pk"]["S"] for x in c0.scan(TableName="faults")["Items"])
        assert have == ["k3", "k4"], have  # dropped before: not done; dropped after: done
        s = ctl.stats()
        assert s["injected"] == {"error500": 1, "drop": 1, "drop_after": 1} and s["forwarded"] == 2, s
        # rates of each kind on a few hundred calls
        ctl.reset()
        ctl.set_faults(seed=9, error500=0.1, drop=0.05, drop_after=0.05)
        seen = {"ok": 0, "err": 0, "closed": 0}
        for i in range(300):
            try:
                c.get_item(TableName="faults", Key={"pk": {"S": "k4"}})
                seen["ok"] += 1
            except ClientError:
                seen["err"] += 1
            except ConnectionClosedError:
                seen["closed"] += 1
        s = ctl.stats()
        assert s["injected"].get("error500", 0) == seen["err"]
        assert s["injected"].get("drop", 0) + s["injected"].get("drop_after", 0) == seen["closed"]
        assert 15 <= seen["err"] <= 45 and 15 <= seen["closed"] <= 45, seen
        assert s["forwarded"] == seen["ok"] + s["injected"].get("drop_after", 0)
        # delays
        ctl.set_faults(delay_ms=[150, 200])
        t0 = time.time()
        c.get_item(TableName="faults", Key={"pk": {"S": "k4"}})
        assert time.time() - t0 >= 0.14
        assert ctl.stats()["delayed"] == 1


@case
def generic_error_codes_for_rest_json():
    from ivs_sim import IvsSim
    with IvsSim(channels=2, live=2) as sim, \
            FaultProxy(sim.url, throttle=1.0, throttle_status=429, throttle_code="ThrottlingException",
                       throttle_message="Slow down", targets=["/PutMetadata"]) as p:
        c = boto3.client("ivs", endpoint_url=p.url, region_name="us-east-1",
                         aws_access_key_id=ivstest.TEST_KEY_ID, aws_secret_access_key=ivstest.TEST_SECRET,
                         config=Config(retries={"total_max_attempts": 1}))
        assert len(c.list_channels()["channels"]) == 2
        try:
            c.put_metadata(channelArn=c.list_channels()["channels"][0]["arn"], metadata="x")
            raise AssertionError("not throttled")
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ThrottlingException"
            assert e.response["Error"]["Message"] == "Slow down"
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert sim.metadata() == {}


@case
def bad_settings_refused():
    with FaultProxy(moto().url) as p:
        req = urllib.request.Request(p.url + "/_proxy/faults", data=json.dumps({"throtle": 0.1}).encode(),
                                     method="POST")
        try:
            urllib.request.urlopen(req, timeout=5)
            raise AssertionError("typo accepted")
        except urllib.error.HTTPError as e:
            assert e.code == 400
    try:
        FaultProxy("http://10.1.2.3:80")
        raise AssertionError("non-loopback upstream accepted")
    except ValueError:
        pass


@case
def subprocess_start_and_clean_stop():
    d = tempfile.mkdtemp(prefix="fault-proxy-")
    pf = os.path.join(d, "url")
    p = subprocess.Popen([sys.executable, os.path.join(SIM_DIR, "fault_proxy.py"), "--upstream", moto().url,
                          "--port", "0", "--port-file", pf, "--seed", "2", "--throttle", "0.5",
                          "--targets", "PutItem"], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 30
        while not os.path.exists(pf):
            assert p.poll() is None and time.time() < deadline, "proxy did not start"
            time.sleep(0.05)
        url = open(pf).read().strip()
        assert p.stdout.readline().strip() == url
        c = ddb(url)
        make_table(c, "sub")
        thr = sum(throttle_run(url, 100, "sub"))
        assert 30 <= thr <= 70, thr
        assert ProxyControl(url).stats()["injected"]["throttle"] == thr
        p.send_signal(signal.SIGTERM)
        assert p.wait(15) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    try:
        urllib.request.urlopen(url + "/_proxy/stats", timeout=2)
        raise AssertionError("still answering")
    except (urllib.error.URLError, ConnectionError):
        pass


if __name__ == "__main__":
    with ivstest.MotoServer() as _moto:
        main()
