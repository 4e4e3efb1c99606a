#!/usr/bin/env python3
"""history_bench - `ivsvc history --format csv --all` in constant memory:
the table in moto's DynamoDB grown to each size in turn (items of 40
channels, one a minute), the export run to /dev/null each time, and its
peak RSS (/usr/bin/time's "Maximum resident set size", the ivsvc process
only) reported with the ratio to the smallest size's. Constant memory means
ratios near 1 while the rows grow 10x, 100x. Also reported: how long moto
took to seed (the bench's real limit: moto keeps every item in one Python
process, and BatchWriteItem of 25 items is its fastest path) and the
export's wall time and rows written (checked against the items seeded).

Everything on 127.0.0.1.

    python3 bench/history_bench.py [--build build] [--sizes 10000,100000,1000000]
                                   [--threads 4]
"""
import argparse
import os
import re
import subprocess
import sys
import threading
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))  # ivstest, which adds tests/sim
import ivstest  # noqa: E402

TABLE = "ivsvc-history-bench"
T0 = 1_789_999_980_000
CHANNELS = 40


def item(i):
    """The i-th item: channel i % 40, minute i // 40."""
    arn = "arn:aws:ivs:us-east-1:123456789012:channel/Bench%08d" % (i % CHANNELS)
    return {"channel": {"S": arn}, "time": {"N": str(T0 + (i // CHANNELS) * 60000)},
            "count": {"N": str((i * 7) % 1000)}}


def seed(url, start, end, threads):
    """Items start..end-1 in batches of 25, split over threads."""
    def work(k):
        ddb = ivstest.boto_client("dynamodb", url)
        for b in range(start + k * 25, end, 25 * threads):
            batch = [{"PutRequest": {"Item": item(i)}} for i in range(b, min(b + 25, end))]
            req = {TABLE: batch}
            while req:
                req = ddb.batch_write_item(RequestItems=req).get("UnprocessedItems") or None
    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def export(ivsvc, env):
    """Peak RSS (KiB), wall seconds and rows of one --all export to /dev/null."""
    t = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-v", ivsvc, "history", "--format", "csv", "--all",
                        "--table", TABLE], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - t
    if p.returncode != 0:
        raise SystemExit("history failed: %s" % p.stderr[-2000:])
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return rss, wall, p.stdout.count("\n") - 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("IVSVC_BUILD_DIR", os.path.join(SRC, "build")))
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--threads", type=int, default=4)
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    ivsvc = os.path.join(a.build, "ivsvc")
    results = []
    with ivstest.MotoServer() as moto:
        env = ivstest.clean_env(endpoint=moto.url)
        ivstest.boto_client("dynamodb", moto.url).create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "channel", "KeyType": "HASH"},
                       {"AttributeName": "time", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "channel", "AttributeType": "S"},
                                  {"AttributeName": "time", "AttributeType": "N"}])
        have = 0
        for n in sizes:
            t = time.monotonic()
            seed(moto.url, have, n, a.threads)
            seeded = time.monotonic() - t
            print("seeded %d -> %d items in %.1f s (%.0f items/s)" % (
                have, n, seeded, (n - have) / max(seeded, 1e-9)), flush=True)
            have = n
            rss, wall, rows = export(ivsvc, env)
            assert rows == n, (rows, n)
            results.append((n, rss, wall, rows))
            print("  export: %d rows, peak RSS %d KiB, %.1f s" % (rows, rss, wall), flush=True)
    base = results[0][1]
    print("\n| items | rows written | peak RSS (KiB) | ratio to %d items | export wall (s) |" % sizes[0])
    print("|---|---|---|---|---|")
    for n, rss, wall, rows in results:
        print("| %d | %d | %d | %.2f | %.1f |" % (n, rows, rss, rss / base, wall))


if __name__ == "__main__":
    main()
