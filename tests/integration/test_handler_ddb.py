#!/usr/bin/env python3
"""The handler against a DynamoDB that leaves work unprocessed (moto never
does): UnprocessedItems and UnprocessedKeys are sent again until done, and
what is still unprocessed at the deadline is reported by channel, not lost;
an item read back malformed is reported and left out of the history, not
sent as 0.

The fake DynamoDB here speaks just BatchWriteItem / BatchGetItem (JSON 1.0)
on 127.0.0.1 and answers part of each request as unprocessed, as DynamoDB
does under throttling.
"""
import json
import os
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import ivstest  # noqa: E402
from ivstest import case, main  # noqa: E402
from ivs_sim import IvsSim  # noqa: E402
from runtime_api import RuntimeApi, scheduled_event, start_function, unpack_package  # noqa: E402

ZIP = os.path.join(ivstest.BUILD_DIR, "function.zip")
MINUTE_MS = 1795543620000  # 2026-11-24T18:07:00Z


class FakeDynamo:
    """items: {(channel, time): item}. For the first `partial_calls` calls of
    each operation, the second half of the request comes back unprocessed;
    channels in `stuck` are never processed."""

    def __init__(self, partial_calls=0, stuck=()):
        self.items = {}
        self.partial_calls = partial_calls
        self.stuck = set(stuck)
        self.calls = {"BatchWriteItem": 0, "BatchGetItem": 0}
        self.entries = {"BatchWriteItem": 0, "BatchGetItem": 0}
        self.lock = threading.Lock()
        fake = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                op = self.headers["X-Amz-Target"].split(".")[1]
                assert self.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=")
                out = fake.answer(op, body)
                data = json.dumps(out).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    @staticmethod
    def key(item):
        return (item["channel"]["S"], int(item["time"]["N"]))

    def answer(self, op, body):
        with self.lock:
            self.calls[op] += 1
            partial = self.calls[op] <= self.partial_calls
            (table, req), = body["RequestItems"].items()
            entries = req if op == "BatchWriteItem" else req["Keys"]
            self.entries[op] += len(entries)
            done, left = [], []
            for i, e in enumerate(entries):
                k = self.key(e["PutRequest"]["Item"] if op == "BatchWriteItem" else e)
                if k[0] in self.stuck or (partial and i >= len(entries) // 2):
                    left.append(e)
                else:
                    done.append(e)
            if op == "BatchWriteItem":
                for e in done:
                    it = e["PutRequest"]["Item"]
                    self.items[self.key(it)] = it
                return {"UnprocessedItems": {table: left} if left else {}}
            found = [self.items[self.key(k)] for k in done if self.key(k) in self.items]
            names = req.get("ExpressionAttributeNames", {})
            want = [names[p] for p in req.get("ProjectionExpression", "").split(",") if p]
            if want:
                found = [{a: v for a, v in it.items() if a in want} for it in found]
            out = {"Responses": {table: found}}
            out["UnprocessedKeys"] = {table: dict(req, Keys=left)} if left else {}
            return out

    def seed(self, channel, minute_ms, count):
        self.items[(channel, minute_ms)] = {"channel": {"S": channel}, "time": {"N": str(minute_ms)},
                                            "count": {"N": str(count)}}

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def run(fake, sim, timeout_ms=60000, times=("2026-11-24T18:07:00Z",)):
    root = unpack_package(ZIP, tempfile.mkdtemp(prefix="ivsvc-task-"))
    results = []
    with RuntimeApi(timeout_ms=timeout_ms) as rt:
        fn = start_function(root, rt, table="Viewers",
                            extra={"AWS_ENDPOINT_URL_DYNAMODB": fake.url,
                                   "AWS_ENDPOINT_URL_IVS": sim.url})
        try:
            for t in times:
                results.append(rt.invoke_and_wait(scheduled_event(t), timeout=60))
        finally:
            fn.stop()
            os.unlink(fn.stdout_path)
            os.unlink(fn.stderr_path)
    return results


@case
def unprocessed_entries_are_sent_again():
    with IvsSim(channels=80, live=30, seed=1) as sim:
        chans = sim.channels()
        fake = FakeDynamo(partial_calls=3)
        try:
            # the previous minute is already in the table for the live channels
            for c in chans:
                fake.seed(c["arn"], MINUTE_MS - 60000, 1000 + c["viewers"])
            res, = run(fake, sim)
            body = res["body"]
            assert res["kind"] == "response" and body["errors"] == [], body
            assert body["itemsWritten"] == 80 and body["metadataSent"] == 30, body
            # every item written, exactly as listed
            for c in chans:
                it = fake.items[(c["arn"], MINUTE_MS)]
                assert int(it["count"]["N"]) == (c["viewers"] if c["live"] else 0), it
            # the history came back in full despite the unprocessed keys
            md = sim.metadata()
            for c in chans:
                if c["live"]:
                    assert [m["payload"] for m in md[c["arn"]]] == [
                        "%d,%d" % (c["viewers"], 1000 + c["viewers"])], md[c["arn"]]
            # 4 writes of <=25 and 2 reads of <=100, then the unprocessed halves again
            assert fake.calls["BatchWriteItem"] > 4 and fake.calls["BatchGetItem"] > 2, fake.calls
            resent = fake.calls["BatchWriteItem"] - 4 + fake.calls["BatchGetItem"] - 2
            assert body["retries"] >= resent > 0, (body["retries"], fake.calls)
            assert body["requests"]["ddbBatchWrite"] == fake.calls["BatchWriteItem"], body
            assert body["requests"]["ddbBatchGet"] == fake.calls["BatchGetItem"], body
        finally:
            fake.stop()


@case
def still_unprocessed_at_the_deadline_is_reported():
    with IvsSim(channels=10, live=4, seed=2) as sim:
        chans = sim.channels()
        stuck = chans[0]["arn"]  # live
        assert chans[0]["live"]
        fake = FakeDynamo(stuck=[stuck])
        try:
            res, = run(fake, sim, timeout_ms=4000)
            body = res["body"]
            assert res["kind"] == "response", res
            assert res["elapsed"] < 4.0, res["elapsed"]
            assert body["itemsWritten"] == 9, body
            errs = {(e["channel"], e["op"]): e for e in body["errors"]}
            assert set(errs) == {(stuck, "BatchWriteItem"), (stuck, "BatchGetItem")}, body["errors"]
            assert all(e["code"] == "Unprocessed" and "deadline" in e["message"]
                       for e in errs.values()), errs
            assert (stuck, MINUTE_MS) not in fake.items
            assert len([k for k in fake.items if k[1] == MINUTE_MS]) == 9
            # its viewers still got this minute's count
            assert sim.metadata()[stuck][0]["payload"] == str(chans[0]["viewers"])
            assert body["metadataSent"] == 4, body
        finally:
            fake.stop()


@case
def malformed_history_item_is_reported_not_sent():
    with IvsSim(channels=4, live=2, seed=3) as sim:
        live = [c for c in sim.channels() if c["live"]]
        odd, fine = live[0], live[1]
        fake = FakeDynamo()
        try:
            fake.seed(odd["arn"], MINUTE_MS - 60000, "12.5")
            fake.seed(odd["arn"], MINUTE_MS - 120000, 6)
            fake.seed(fine["arn"], MINUTE_MS - 60000, 5)
            res, = run(fake, sim)
            body = res["body"]
            assert res["kind"] == "response", res
            assert body["itemsWritten"] == 4 and body["metadataSent"] == 2, body
            assert [(e["channel"], e["op"], e["code"]) for e in body["errors"]] == [
                (odd["arn"], "BatchGetItem", "MalformedItem")], body["errors"]
            assert '"count"' in body["errors"][0]["message"], body["errors"]
            md = sim.metadata()
            # the malformed minute is a gap, the older one still there
            assert md[odd["arn"]][0]["payload"] == "%d,6" % odd["viewers"], md[odd["arn"]]
            assert md[fine["arn"]][0]["payload"] == "%d,5" % fine["viewers"], md[fine["arn"]]
        finally:
            fake.stop()


if __name__ == "__main__":
    main()
