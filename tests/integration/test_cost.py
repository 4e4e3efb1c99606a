#!/usr/bin/env python3
"""`ivsvc cost` against moto: the quantities from the schedule, the channels
IVS lists, the window and the REPORT lines in the stack's log group; the
us-east-1 prices pinned (a change to src/cli/prices.c must change this test
too); a region missing from the price table said, not guessed.
"""
import json
import os
import tempfile
import time

import ivstest
from ivstest import boto_client, case, clean_env, run_ivsvc

ivstest.require_python_tools("boto3", "moto")

WORK = tempfile.mkdtemp(prefix="ivsvc-cost-")
RUNS = 730 * 60  # a month of rate(1 minute)
GIB = 1024.0 ** 3
US_EAST_1 = {"lambdaRequests": 0.20, "lambdaCompute": 0.0000166667, "dynamodbWrites": 0.625,
             "dynamodbReads": 0.125, "dynamodbStorage": 0.25, "logsIngestion": 0.50,
             "logsStorage": 0.03, "eventsSchedule": 0, "ivsTimedMetadata": 0}
# A bootstrap that passes deploy's check: an x86_64 ELF64 header (moto never runs it).
ELF_X86_64 = b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00\x3e\x00" + bytes(44)
moto = None


def workdir(config=None):
    return ivstest.workdir(WORK, config or None)


def ivsvc(args, cwd=None, **env_extra):
    r = run_ivsvc(args, env=clean_env(endpoint=moto.url, extra=env_extra), cwd=cwd or workdir())
    print("$ ivsvc %s -> %d\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r


def channels(n):
    ivs = boto_client("ivs", moto.url)
    return [ivs.create_channel(name="c%d" % i)["channel"]["arn"] for i in range(n)]


def lines_of(doc):
    return {l["item"]: l for l in doc["lines"]}


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


@case
def no_stack_uses_stated_assumptions_and_ivs_channels():
    moto.reset()
    arns = channels(3)
    r = ivsvc(["cost", "--json"])
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["region"] == "us-east-1" and doc["pricesKnown"] is True, doc
    assert doc["pricesRead"] == "2026-11-28", doc
    # every us-east-1 price but EventBridge's was found on a page; the checks name it
    assert doc["unverified"] == ["eventsSchedule"], doc["unverified"]
    assert doc["ivsTimedMetadata"].startswith("no charge listed"), doc
    assert doc["runsPerMonth"] == RUNS, doc
    l = lines_of(doc)
    assert list(l) == list(US_EAST_1), list(l)
    for k, price in US_EAST_1.items():
        assert close(l[k]["unitPrice"], price), (k, l[k])
    assert l["dynamodbStorage"]["checked"] == {
        "kind": "aws", "url": "https://aws.amazon.com/dynamodb/pricing/", "read": "2026-11-28",
        "says": "storage from $0.25 per GB-month (first 25 GB free)"}, l["dynamodbStorage"]
    assert l["ivsTimedMetadata"]["checked"]["url"] == "https://aws.amazon.com/ivs/pricing/"
    assert l["lambdaCompute"]["checked"]["kind"] == "secondary" and l["eventsSchedule"]["checked"] is None
    assert l["lambdaRequests"]["quantity"] == RUNS
    assert close(l["lambdaCompute"]["quantity"], RUNS * 1.0 * 256 / 1024)  # assumed 1000 ms
    assert l["dynamodbWrites"]["quantity"] == RUNS * 3
    assert l["dynamodbReads"]["quantity"] == RUNS * 3 * 4 * 0.5  # window 5: 4 earlier minutes
    assert l["ivsTimedMetadata"]["quantity"] == RUNS * 3 and l["ivsTimedMetadata"]["usd"] == 0
    arn_len = sum(len(a) for a in arns) / 3.0
    item = 7 + arn_len + 4 + 8 + 5 + 4 + 100
    assert close(l["dynamodbStorage"]["quantity"], RUNS * 3 * item / GIB), l["dynamodbStorage"]
    assert close(l["logsIngestion"]["quantity"], RUNS * 1200 / GIB)
    for k, x in l.items():
        assert close(x["usd"], x["quantity"] / (1e6 if k in ("lambdaRequests", "dynamodbWrites",
                                                               "dynamodbReads") else 1) * x["unitPrice"]), x
    assert close(doc["totalUsd"], sum(x["usd"] for x in l.values())), doc
    notes = "\n".join(doc["assumptions"])
    assert "duration: assumed 1000 ms billed and 1200 log bytes a run (no runs of stack " \
           "IvsViewersCount measured)" in notes, notes
    assert "channels: 3 (IVS ListChannels in us-east-1)" in notes, notes


@case
def measured_from_report_lines_of_the_deployed_stack():
    moto.reset()
    arns = channels(2)
    d = workdir("memory: 512\nschedule: rate(2 minutes)\ndata_retention_days: 30\n")
    zip_path = os.path.join(WORK, "f.zip")
    import zipfile
    with zipfile.ZipFile(zip_path, "w") as z:
        z.writestr("bootstrap", ELF_X86_64)
    assert ivsvc(["deploy", "--yes", "--no-verify", "--handler-zip", zip_path], cwd=d).returncode == 0
    cfn = boto_client("cloudformation", moto.url)
    res = {x.get("LogicalResourceId"): x.get("PhysicalResourceId")
           for x in cfn.describe_stack_resources(StackName="IvsViewersCount")["StackResources"]}
    group = res["FunctionLogGroup"]
    logs = boto_client("logs", moto.url)
    if not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
        logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(time.time() * 1000) - 60000
    events, total = [], 0
    for i, billed in enumerate((400, 500, 600)):
        for msg in ("START RequestId: r%d Version: $LATEST" % i, '{"minute":"x","channels":2}',
                    "END RequestId: r%d" % i,
                    "REPORT RequestId: r%d\tDuration: %d.00 ms\tBilled Duration: %d ms\t"
                    "Memory Size: 512 MB\tMax Memory Used: 30 MB\t" % (i, billed - 1, billed)):
            events.append({"timestamp": now + i * 1000 + len(events), "message": msg})
            total += len(msg) + 26
    logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=events)
    r = ivsvc(["cost", "--json"], cwd=d)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    runs = RUNS / 2
    assert doc["runsPerMonth"] == runs, doc
    l = lines_of(doc)
    assert close(l["lambdaCompute"]["quantity"], runs * 0.5 * 512 / 1024), l["lambdaCompute"]
    assert l["lambdaCompute"]["how"] == "21900 runs x 500 ms x 512 MB", l["lambdaCompute"]
    assert close(l["logsIngestion"]["quantity"], runs * (total / 3.0) / GIB), l["logsIngestion"]
    assert l["dynamodbStorage"]["how"] == "steady: 30 days kept", l["dynamodbStorage"]
    item = 7 + sum(len(a) for a in arns) / 2.0 + 4 + 8 + 5 + 4 + 100 + 7 + 6  # with "expires"
    growth = l["dynamodbWrites"]["quantity"] * item / GIB
    assert close(l["dynamodbStorage"]["quantity"], growth * 30 * 1440 / (730 * 60)), l["dynamodbStorage"]
    notes = "\n".join(doc["assumptions"])
    assert "duration: measured, 3 REPORT lines in the last hour of %s: mean billed 500 ms" % group \
        in notes, notes


@case
def text_table_and_unknown_region():
    moto.reset()
    channels(1)
    r = ivsvc(["cost"])
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("Monthly estimate for stack IvsViewersCount in us-east-1 (43800 runs: "
                          "one every 60s)\n"), out
    assert "  Lambda requests " in out and "  IVS timed metadata " in out and "  Total " in out
    assert "\nIVS timed metadata: no charge listed: " in out, out
    assert "Prices last gone over 2026-11-28; UNVERIFIED ones were not found on any page read." in out
    assert "  [1] https://aws.amazon.com/dynamodb/pricing/, read 2026-11-28 (aws): " in out, out
    row = [x for x in out.splitlines() if x.startswith("  EventBridge schedule ")][0]
    assert " UNVERIFIED " in row, row
    row = [x for x in out.splitlines() if x.startswith("  DynamoDB storage ")][0]
    assert " [1] " in row, row
    # eu-west-1: only Lambda's compute price and IVS's were found for it
    doc = json.loads(ivsvc(["cost", "--region", "eu-west-1", "--json"]).stdout)
    assert doc["unverified"] == ["lambdaRequests", "dynamodbWrites", "dynamodbReads",
                                 "dynamodbStorage", "logsIngestion", "logsStorage",
                                 "eventsSchedule"], doc["unverified"]
    r = ivsvc(["cost", "--region", "eu-west-1"])
    assert sum(" UNVERIFIED " in x for x in r.stdout.splitlines()) == 7, r.stdout
    r = ivsvc(["cost", "--region", "sa-east-1", "--json"])
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["pricesKnown"] is False and doc["totalUsd"] is None, doc
    assert all(l["usd"] is None and l["unitPrice"] is None for l in doc["lines"]), doc
    r = ivsvc(["cost", "--region", "sa-east-1"])
    assert "No prices for sa-east-1 in ivsvc's table (it has us-east-1, us-west-2, eu-west-1, " \
           "eu-central-1, ap-northeast-1, ap-northeast-2, ap-south-1): quantities only." in r.stdout
    assert "  Total " in r.stdout and "unknown" in r.stdout, r.stdout


def model_usd(runs, memory, channels, arn_len, data_days, log_days=14):
    """The us-east-1 estimate by line, as cost.c computes it with the assumed
    1000 ms and 1200 log bytes a run."""
    item = 7 + arn_len + 4 + 8 + 5 + 4 + 100 + (13 if data_days else 0)
    growth = runs * channels * item / GIB
    logs = runs * 1200 / GIB
    p = US_EAST_1
    return {"lambdaRequests": runs / 1e6 * p["lambdaRequests"],
            "lambdaCompute": runs * 1.0 * memory / 1024 * p["lambdaCompute"],
            "dynamodbWrites": runs * channels / 1e6 * p["dynamodbWrites"],
            "dynamodbReads": runs * channels * 4 * 0.5 / 1e6 * p["dynamodbReads"],
            "dynamodbStorage": (growth * data_days * 1440 / (730 * 60) if data_days else growth)
            * p["dynamodbStorage"],
            "logsIngestion": logs * p["logsIngestion"],
            "logsStorage": logs * log_days * 1440 / (730 * 60) * p["logsStorage"],
            "eventsSchedule": 0, "ivsTimedMetadata": 0}


@case
def deploy_and_diff_show_the_change():
    """deploy prints the estimate before asking; diff then prices the stack
    as it runs (its parameters) against a changed ivsvc.yaml (schedule,
    memory, data_retention_days): exact figures in --json and in the text."""
    moto.reset()
    arns = channels(2)
    arn_len = sum(len(a) for a in arns) / 2.0
    zip_path = os.path.join(WORK, "g.zip")
    import zipfile
    with zipfile.ZipFile(zip_path, "w") as z:
        z.writestr("bootstrap", ELF_X86_64)
    d = workdir("stack_name: CostDiff\n")
    r = ivsvc(["deploy", "--yes", "--no-verify", "--handler-zip", zip_path], cwd=d)
    assert r.returncode == 0, r.stderr
    first = sum(model_usd(RUNS, 256, 2, arn_len, 0).values())
    assert "Monthly cost in us-east-1: USD %.2f once deployed (no stack now); free tiers not " \
           "subtracted\n" % first in r.stdout, r.stdout
    with open(os.path.join(d, "ivsvc.yaml"), "w") as f:
        f.write("stack_name: CostDiff\nschedule: rate(2 minutes)\nmemory: 1024\n"
                "data_retention_days: 30\n")
    r = ivsvc(["diff", "--json", "--handler-zip", zip_path], cwd=d)
    assert r.returncode == 0, r.stderr
    cost = json.loads(r.stdout)["cost"]
    now, new = cost["now"], cost["new"]
    assert now["settings"] == {"periodSeconds": 60, "memoryMb": 256, "windowMinutes": 5,
                               "dataRetentionDays": 0, "logRetentionDays": 14}, now["settings"]
    assert new["settings"] == {"periodSeconds": 120, "memoryMb": 1024, "windowMinutes": 5,
                               "dataRetentionDays": 30, "logRetentionDays": 14}, new["settings"]
    want_now, want_new = model_usd(RUNS, 256, 2, arn_len, 0), model_usd(RUNS / 2, 1024, 2, arn_len, 30)
    for doc, want in ((now, want_now), (new, want_new)):
        got = {x["item"]: x["usd"] for x in doc["lines"]}
        assert list(got) == list(want), got
        for k in want:
            assert close(got[k], want[k]), (k, got[k], want[k])
        assert close(doc["totalUsd"], sum(want.values())), doc
    assert close(now["lines"][1]["usd"], 43800 * 0.25 * 0.0000166667), now["lines"][1]
    assert close(new["lines"][1]["usd"], 21900 * 1.0 * 0.0000166667), new["lines"][1]
    assert close(cost["changeUsd"], sum(want_new.values()) - sum(want_now.values())), cost
    growth_now = RUNS * 2 * (128 + arn_len) / GIB
    assert close(now["storageGrowthGbPerMonth"], growth_now), now
    assert cost["unverified"] == ["eventsSchedule"], cost
    r = ivsvc(["diff", "--handler-zip", zip_path], cwd=d)
    assert r.returncode == 0, r.stderr
    t0, t1 = sum(want_now.values()), sum(want_new.values())
    assert "Monthly cost in us-east-1: USD %.2f now, USD %.2f after this change (%+.2f); free " \
           "tiers not subtracted\n" % (t0, t1, t1 - t0) in r.stdout, r.stdout
    assert "  Lambda compute: %.2f -> %.2f (%+.2f)\n" % (
        want_now["lambdaCompute"], want_new["lambdaCompute"],
        want_new["lambdaCompute"] - want_now["lambdaCompute"]) in r.stdout, r.stdout
    assert "  storage: data_retention_days 30 keeps the table at " in r.stdout, r.stdout
    assert "  prices: 1 of 9 UNVERIFIED; `ivsvc cost` shows which and the sources\n" in r.stdout


if __name__ == "__main__":
    with ivstest.MotoServer() as m:
        moto = m
        ivstest.main()
