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

--synthetic: the same export against bench/ddb_synth.py instead of moto, a
stand-in that makes the same items page by page as Scan asks for them (1 MB
pages, segments, ExclusiveStartKey as DynamoDB), so 1,000,000 items and
beyond take no seeding; it also lists the 40 channels for IVS ListChannels,
so the export looks up names too. Rows written are checked against the size
and their counts' sum against the items'.

Everything on 127.0.0.1.

    python3 bench/history_bench.py [--build build] [--sizes 10000,100000,1000000]
                                   [--threads 4] [--synthetic]
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
import ddb_synth  # noqa: E402  (beside this file)

TABLE = ddb_synth.TABLE
item = ddb_synth.item  # the i-th item: channel i % 40, minute i // 40 (the same in moto)


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


def export(ivsvc, env, counts=None):
    """Peak RSS (KiB), wall seconds and rows of one --all export, its output
    read as it comes and dropped (counts: a one-element list the rows'
    counts are summed into)."""
    t = time.monotonic()
    p = subprocess.Popen(["/usr/bin/time", "-v", ivsvc, "history", "--format", "csv", "--all",
                          "--table", TABLE], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    err = []
    reader = threading.Thread(target=lambda: err.append(p.stderr.read()))
    reader.start()
    lines, rest = 0, b""
    for chunk in iter(lambda: p.stdout.read(1 << 20), b""):
        lines += chunk.count(b"\n")
        if counts is not None:
            rows = (rest + chunk).split(b"\n")
            rest = rows.pop()
            counts[0] += sum(int(r.rsplit(b",", 1)[1]) for r in rows
                             if not r.startswith(b"channel,"))
    p.wait()
    reader.join()
    wall = time.monotonic() - t
    stderr = err[0].decode(errors="replace")
    if p.returncode != 0:
        raise SystemExit("history failed: %s" % stderr[-2000:])
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr).group(1))
    return rss, wall, lines - 1


def run_synthetic(ivsvc, sizes):
    """The export against ddb_synth at each size: (items, rss, wall, rows)."""
    results = []
    with ddb_synth.SynthServer(sizes[0], TABLE) as synth:
        env = ivstest.clean_env(endpoint=synth.url)
        for n in sizes:
            synth.set_items(n)
            scans, counts = synth.scans, [0]
            rss, wall, rows = export(ivsvc, env, counts)
            assert rows == n, (rows, n)
            assert counts[0] == ddb_synth.count_sum(n), (counts[0], ddb_synth.count_sum(n))
            results.append((n, rss, wall, rows))
            print("synthetic %d items: %d rows (counts agree), %d Scan pages, peak RSS %d KiB, "
                  "%.1f s" % (n, rows, synth.scans - scans, rss, wall), flush=True)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("IVSVC_BUILD_DIR", os.path.join(SRC, "build")))
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--synthetic", action="store_true",
                    help="Scan bench/ddb_synth.py's generated table instead of moto's")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    ivsvc = os.path.join(a.build, "ivsvc")
    results = run_synthetic(ivsvc, sizes) if a.synthetic else moto_results(ivsvc, sizes, a)
    report(sizes, results)


def moto_results(ivsvc, sizes, a):
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
    return results


def report(sizes, results):
    base = results[0][1]
    print("\n| items | rows written | peak RSS (KiB) | ratio to %d items | export wall (s) |" % sizes[0])
    print("|---|---|---|---|---|")
    for n, rss, wall, rows in results:
        print("| %d | %d | %d | %.2f | %.1f |" % (n, rows, rss, rss / base, wall))


if __name__ == "__main__":
    main()
