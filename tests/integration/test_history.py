"""`ivsvc history` against moto's DynamoDB and IVS: a seeded table (10,000
items, 40 channels named in IVS, one channel gone from IVS, gaps, items
outside the window) read back exactly as CSV and JSON (Query per channel;
the whole table with --all, a parallel Scan); the terminal chart shows the
gaps as gaps, not zeros; --svg is a valid SVG with one line per channel, a
legend with the names and time labels; bad input exits 2."""
import csv
import io
import json
import os
import tempfile
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import ivstest

T0 = 1_789_999_980_000          # a whole minute (2026-09-21T14:13:00Z)
MIN = 60_000
MINUTES = 310
GONE = "arn:aws:ivs:us-east-1:123456789012:channel/GoneFromIvs01"
TABLE = "ivsvc-history-test"


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def has_point(k, m):
    """Channel k's minute m holds a point: gaps every 7th minute and one
    20-minute hole for even channels."""
    if (m + k) % 7 == 3:
        return False
    return not (k % 2 == 0 and 100 <= m < 120)


def count_of(k, m):
    return (k * 13 + m * 7) % 101     # zeros included: a zero is data


def seed(moto):
    ddb = ivstest.boto_client("dynamodb", moto.url)
    ivstest.create_viewers_table(ddb, TABLE)
    ivs = ivstest.boto_client("ivs", moto.url)
    chans = []
    for k in range(40):
        # names with a comma and a quote for CSV's sake
        name = 'ch,%02d' % k if k == 5 else ('say "%02d"' % k if k == 6 else "ch%02d" % k)
        chans.append((ivs.create_channel(name=name)["channel"]["arn"], name))
    rows = []       # (arn, name, time_ms, count) inside the window
    items = []
    for k, (arn, name) in enumerate(chans):
        for m in range(MINUTES):
            if has_point(k, m):
                rows.append((arn, name, T0 + m * MIN, count_of(k, m)))
    rows = rows[:10_000]
    for arn, _, t, n in rows:
        items.append({"channel": {"S": arn}, "time": {"N": str(t)}, "count": {"N": str(n)}})
    # outside the window: only --all without --since/--until reads them
    outside = [(chans[0][0], chans[0][1], T0 - 5 * MIN, 3), (GONE, "", T0 + 10 * MIN, 9)]
    for arn, _, t, n in outside:
        items.append({"channel": {"S": arn}, "time": {"N": str(t)}, "count": {"N": str(n)},
                      "expires": {"N": "4102444800"}})
    for i in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": it}}
                                                   for it in items[i:i + 25]]})
    return chans, rows, outside


def window_args():
    return ["--table", TABLE, "--since", iso(T0), "--until", iso(T0 + (MINUTES - 1) * MIN)]


def csv_rows(text):
    r = list(csv.reader(io.StringIO(text)))
    assert r[0] == ["channel", "channel_name", "minute", "count"], r[0]
    return r[1:]


def expect_csv(rows):
    return sorted([a, n, iso(t), str(c)] for a, n, t, c in rows)


def check_exports(env, chans, rows, outside):
    r = ivstest.run_ivsvc(["history", "--format", "csv"] + window_args(), env)
    assert r.returncode == 0, r.stderr
    got = csv_rows(r.stdout)
    assert len(got) == 10_000, len(got)
    assert sorted(got) == expect_csv(rows)
    # each channel's rows come in time order
    last = {}
    for a, _, minute, _ in got:
        assert minute > last.get(a, ""), (a, minute)
        last[a] = minute
    assert r.stderr == "", r.stderr     # no progress line without a terminal

    r = ivstest.run_ivsvc(["history", "--format", "json"] + window_args(), env)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert sorted((d["channel"], d["channelName"], d["minute"], d["count"]) for d in doc) == \
        sorted((a, n, iso(t), c) for a, n, t, c in rows)

    # two channels by name and ARN, repeated --channel
    r = ivstest.run_ivsvc(["history", "--format", "csv", "--channel", "ch03",
                           "--channel", chans[7][0]] + window_args(), env)
    assert r.returncode == 0, r.stderr
    assert sorted(csv_rows(r.stdout)) == expect_csv(
        [x for x in rows if x[0] in (chans[3][0], chans[7][0])])

    # --all, no window: the whole table, a channel gone from IVS included
    r = ivstest.run_ivsvc(["history", "--format", "csv", "--all", "--table", TABLE], env)
    assert r.returncode == 0, r.stderr
    assert sorted(csv_rows(r.stdout)) == expect_csv(rows + outside)

    # small pages: every row once across many LastEvaluatedKeys, Query and Scan
    small = dict(env, IVSVC_PAGE_ITEMS="97")
    r = ivstest.run_ivsvc(["history", "--format", "csv"] + window_args(), small)
    assert r.returncode == 0, r.stderr
    assert sorted(csv_rows(r.stdout)) == expect_csv(rows)
    r = ivstest.run_ivsvc(["history", "--format", "json", "--all", "--table", TABLE], small)
    assert r.returncode == 0, r.stderr
    assert sorted((d["channel"], d["minute"], d["count"]) for d in json.loads(r.stdout)) == \
        sorted((a, iso(t), c) for a, _, t, c in rows + outside)


def check_chart(env, chans):
    # 60 minutes in 100 columns: one column a minute; channel 2 has its
    # 20-minute hole at minutes 100..119
    since, until = T0 + 90 * MIN, T0 + 149 * MIN
    r = ivstest.run_ivsvc(["history", "--table", TABLE, "--channel", "ch02",
                           "--since", iso(since), "--until", iso(until)],
                          dict(env, COLUMNS="100", TZ="UTC"))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "ch02  " + chans[2][0], lines
    vals = [count_of(2, m) if has_point(2, m) else None for m in range(90, 150)]
    top = max(v for v in vals if v is not None)
    blocks = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"
    spark = "".join(" " if v is None else blocks[min(7, int(v * 7 / top + 0.5))] for v in vals)
    assert lines[1] == "  |" + spark + "|", (lines[1], spark)
    assert spark[10:30] == " " * 20 and spark.count(" ") > 20
    assert lines[2].startswith("  2026-09-21 15:43") and lines[2].endswith("2026-09-21 16:42"), lines[2]
    present = [v for v in vals if v is not None]
    peak = 90 + vals.index(top)
    assert lines[3].startswith("  min %d  max %d  avg %.1f  peak %d at %s" % (
        min(present), top, sum(present) / len(present), top,
        datetime.fromtimestamp((T0 + peak * MIN) / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M"))), lines[3]
    assert "(%d minutes with data)" % len(present) in lines[3], lines[3]


def check_svg(env, chans, work):
    path = os.path.join(work, "h.svg")
    r = ivstest.run_ivsvc(["history", "--svg", path, "--channel", "ch01", "--channel", "ch,05",
                           "--channel", "ch08"] + window_args(), dict(env, TZ="UTC"))
    assert r.returncode == 0, r.stderr
    ns = {"s": "http://www.w3.org/2000/svg"}
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    paths = root.findall(".//s:path", ns)
    assert [p.get("data-channel") for p in paths] == [chans[1][0], chans[5][0], chans[8][0]]
    # channel 8 has its hole: its line is broken (more than one subpath)
    assert paths[2].get("d").count("M") > 1 and paths[0].get("d").count("M") > 1
    legend = [t.text for t in root.findall(".//s:g[@class='legend']/s:text", ns)]
    assert [x.split(" (max")[0] for x in legend] == ["ch01", "ch,05", "ch08"], legend
    xl = [t.text for t in root.findall(".//s:text[@class='x-label']", ns)]
    end = datetime.fromtimestamp((T0 + (MINUTES - 1) * MIN) / 1000, timezone.utc)
    assert len(xl) == 6 and xl[0] == "2026-09-21 14:13" and xl[-1] == end.strftime("%Y-%m-%d %H:%M"), xl
    assert len(root.findall(".//s:text[@class='y-label']", ns)) == 5
    assert not root.findall(".//s:script", ns)


@ivstest.case
def history_exports_charts_and_svg():
    with ivstest.MotoServer() as moto:
        env = ivstest.clean_env(endpoint=moto.url)
        work = tempfile.mkdtemp(prefix="ivsvc-history-")
        chans, rows, outside = seed(moto)
        check_exports(env, chans, rows, outside)
        check_chart(env, chans)
        check_svg(env, chans, work)
        # bad input: exit 2 with a reason
        for args, why in ((["--channel", "nosuch"], "no channel named 'nosuch'"),
                          (["--format", "xml"], "--format is csv or json"),
                          (["--since", "yesterday"], "--since 'yesterday'"),
                          (["--all", "--channel", "ch01"], "--all reads every channel")):
            r = ivstest.run_ivsvc(["history", "--table", TABLE] + args, env)
            assert r.returncode == 2 and why in r.stderr, (args, r.returncode, r.stderr)


def dummy_zip(path):
    import zipfile
    with zipfile.ZipFile(path, "w") as z:
        # an x86_64 ELF64 header: passes deploy's bootstrap check (moto never runs it)
        z.writestr("bootstrap", b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00\x3e\x00" + bytes(44))
    return path


@ivstest.case
def destroy_says_what_goes_and_exports_first():
    with ivstest.MotoServer() as moto:
        env = ivstest.clean_env(endpoint=moto.url)
        work = tempfile.mkdtemp(prefix="ivsvc-history-destroy-")
        r = ivstest.run_ivsvc(["deploy", "--yes", "--no-verify", "--handler-zip",
                               dummy_zip(os.path.join(work, "f.zip"))], env, cwd=work)
        assert r.returncode == 0, r.stderr
        cfn = ivstest.boto_client("cloudformation", moto.url)
        res = {x.get("LogicalResourceId"): x.get("PhysicalResourceId")
               for x in cfn.describe_stack_resources(StackName="IvsViewersCount")["StackResources"]}
        table = res["ViewersTable"]
        ddb = ivstest.boto_client("dynamodb", moto.url)
        ivs = ivstest.boto_client("ivs", moto.url)
        a = ivs.create_channel(name="alpha")["channel"]["arn"]
        rows = [(a, "alpha", T0 + m * MIN, m % 5) for m in range(300) if m % 11]
        rows += [(GONE, "", T0 + 7 * MIN, 70)]
        for i in range(0, len(rows), 25):
            ddb.batch_write_item(RequestItems={table: [
                {"PutRequest": {"Item": {"channel": {"S": ch}, "time": {"N": str(t)},
                                         "count": {"N": str(n)}}}} for ch, _, t, n in rows[i:i + 25]]})
        # an export that cannot be written deletes nothing
        bad = os.path.join(work, "no-such-dir", "h.csv")
        r = ivstest.run_ivsvc(["destroy", "--yes", "--export", bad], env, cwd=work)
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        assert "nothing was deleted" in r.stderr, r.stderr
        assert "holds %d viewer counts of 2 channels" % len(rows) in r.stdout, r.stdout
        assert "backup of the table for 35 days" in r.stdout and "ivsvc restore --list" in r.stdout, r.stdout
        assert cfn.describe_stacks(StackName="IvsViewersCount")["Stacks"][0]["StackStatus"] \
            == "CREATE_COMPLETE"
        assert ddb.scan(TableName=table, Select="COUNT")["Count"] == len(rows)
        # then a good one: every row in the file, and only then the delete
        out = os.path.join(work, "h.json")
        r = ivstest.run_ivsvc(["destroy", "--yes", "--export", out],
                              dict(env, IVSVC_PAGE_ITEMS="50"), cwd=work)
        assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
        assert "Exported %d viewer counts to %s" % (len(rows), out) in r.stdout, r.stdout
        with open(out) as f:
            doc = json.load(f)
        assert sorted((d["channel"], d["channelName"], d["minute"], d["count"]) for d in doc) == \
            sorted((ch, n, iso(t), c) for ch, n, t, c in rows)
        assert not os.path.exists(out + ".part")
        assert table not in ddb.list_tables()["TableNames"]


if __name__ == "__main__":
    ivstest.main()
