"""Several regions (regions: in ivsvc.yaml, --region a,b) against moto_server,
which serves any region; and the refusal of regions without IVS.

Each region runs in its own child ivsvc; the results are checked with boto3
in each region, never with ivsvc.
"""
import json
import os
import pty
import re
import subprocess
import tempfile
import zipfile

import ivstest
from ivstest import boto_client, case, clean_env, run_ivsvc

STACK = "IvsViewersCount"
REGIONS = ["us-east-1", "ap-northeast-1"]
moto = None
WORK = tempfile.mkdtemp(prefix="ivsvc-regions-")


ZIP = os.path.join(WORK, "handler.zip")
with zipfile.ZipFile(ZIP, "w") as _z:
    _z.writestr("bootstrap", b"#!/bin/sh\necho hello\n")


def workdir(config):
    return ivstest.workdir(WORK, config)


TWO = "regions: [%s]\n" % ", ".join(REGIONS)


def ivsvc(args, cwd=None, **kw):
    if args[0] == "deploy":
        args = list(args) + ["--no-verify"]  # moto cannot invoke a provided.al2023 function
    r = run_ivsvc(args, env=clean_env(endpoint=moto.url), cwd=cwd or workdir(TWO), **kw)
    print("$ ivsvc %s -> %d\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r


def stacks(region):
    cfn = boto_client("cloudformation", moto.url, region)
    return {s["StackName"]: s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"]
            if s["StackStatus"] != "DELETE_COMPLETE"}


def summary(stderr):
    """{region: what} from the summary that ends a run in several regions."""
    return dict(re.findall(r"^  (\S+) +(ok|failed|not done \(refused\)|interrupted)", stderr, re.M))


@case
def ivs_region_table_matches_botocore():
    import botocore
    path = os.path.join(os.path.dirname(botocore.__file__), "data", "endpoints.json")
    with open(path) as f:
        data = json.load(f)
    aws = [p for p in data["partitions"] if p["partition"] == "aws"][0]
    want = sorted(aws["services"]["ivs"]["endpoints"])
    with open(os.path.join(ivstest.SOURCE_DIR, "src", "cli", "regions.c")) as f:
        src = f.read()
    table = re.search(r"ivs_regions\[\] = \{(.*?)\};", src, re.S).group(1)
    have = sorted(re.findall(r'"([a-z0-9-]+)"', table))
    assert have == want, (have, want)
    # The refusal names exactly those.
    moto.reset()
    r = ivsvc(["diff", "--region", "eu-west-2"])
    assert r.returncode == 2, r.returncode
    named = re.search(r"it is in (.*)$", r.stderr.strip()).group(1).split(", ")
    assert sorted(named) == want, named


@case
def deploy_status_diff_logs_destroy_in_two_regions():
    moto.reset()
    cwd = workdir(TWO)
    r = ivsvc(["deploy", "--yes", "--handler-zip", ZIP, "--outputs-file", "out.json"], cwd=cwd)
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(cwd)) == sorted(["ivsvc.yaml"] + ["out.%s.json" % g for g in REGIONS])
    for region in REGIONS:
        with open(os.path.join(cwd, "out.%s.json" % region)) as f:
            outs = json.load(f)[STACK]
        # moto gives no GetAtt outputs; the table named must be this region's
        boto_client("dynamodb", moto.url, region).describe_table(TableName=outs["TableName"])
        assert stacks(region) == {STACK: "CREATE_COMPLETE"}, (region, stacks(region))
        fn = boto_client("lambda", moto.url, region).get_function_configuration(
            FunctionName=STACK + "-viewers")
        assert (":%s:" % region) in fn["FunctionArn"], fn["FunctionArn"]
        lines = [l for l in r.stdout.splitlines() if l.startswith("[%s] " % region)]
        assert any("Stack %s: CREATE_COMPLETE" % STACK in l for l in lines), r.stdout
    # Every line says its region, and each region's lines come together.
    assert all(re.match(r"\[(us-east-1|ap-northeast-1)\] ", l) for l in r.stdout.splitlines() if l)
    order = [l.split("]")[0] for l in r.stdout.splitlines() if l]
    assert len([i for i in range(1, len(order)) if order[i] != order[i - 1]]) == 1, order
    assert summary(r.stderr) == {"us-east-1": "ok", "ap-northeast-1": "ok"}, r.stderr

    r = ivsvc(["status", "--json"])
    assert r.returncode == 0, r.stderr
    docs = [json.loads(l) for l in r.stdout.splitlines()]
    assert sorted(d["region"] for d in docs) == sorted(REGIONS), docs
    for d in docs:
        assert d["stack"]["status"] == "CREATE_COMPLETE" and (":%s:" % d["region"]) in d["stack"]["id"], d

    r = ivsvc(["diff", "--region", ",".join(REGIONS)], cwd=workdir("memory: 512\n"))
    assert r.returncode == 0, r.stderr
    for region in REGIONS:
        assert re.search(r"^\[%s\] .*~ Modify +ViewersFunction" % region, r.stdout, re.M), r.stdout

    r = ivsvc(["logs", "--since", "5m"])
    assert r.returncode == 0, r.stderr
    assert summary(r.stderr) == {"us-east-1": "ok", "ap-northeast-1": "ok"}, r.stderr

    r = ivsvc(["destroy", "--yes"])
    assert r.returncode == 0, r.stderr
    for region in REGIONS:
        assert stacks(region) == {}, (region, stacks(region))


@case
def one_region_failing_leaves_the_other_deployed():
    moto.reset()
    # The log group the stack creates already exists there: its deploy fails midway.
    boto_client("logs", moto.url, "ap-northeast-1").create_log_group(
        logGroupName="/aws/lambda/%s-viewers" % STACK)
    r = ivsvc(["deploy", "--yes", "--handler-zip", ZIP])
    assert r.returncode == 1, r.returncode
    assert summary(r.stderr) == {"us-east-1": "ok", "ap-northeast-1": "failed"}, r.stderr
    assert re.search(r"^\[ap-northeast-1\] ivsvc: .*already exists", r.stderr, re.M), r.stderr
    assert stacks("us-east-1") == {STACK: "CREATE_COMPLETE"}, stacks("us-east-1")
    assert STACK not in stacks("ap-northeast-1") or \
        stacks("ap-northeast-1")[STACK] != "CREATE_COMPLETE", stacks("ap-northeast-1")


@case
def region_without_ivs_in_the_list_is_refused_before_any_call():
    moto.reset()
    for args, cwd in ((["deploy", "--yes", "--handler-zip", ZIP, "--region", "us-east-1,eu-west-2"], None),
                      (["diff"], workdir("regions: [ap-northeast-1, sa-east-1]\n"))):
        r = ivsvc(args, cwd=cwd)
        assert r.returncode == 2, (args, r.returncode)
        assert "IVS is not offered in" in r.stderr and "us-west-2" in r.stderr, r.stderr
        assert r.stdout == "", r.stdout
    for region in ("us-east-1", "ap-northeast-1"):
        assert stacks(region) == {}
    assert boto_client("s3", moto.url).list_buckets()["Buckets"] == []
    # Bad lists are usage errors too.
    r = ivsvc(["status", "--region", "us-east-1,us-east-1"])
    assert r.returncode == 2 and "given twice" in r.stderr, r.stderr
    r = ivsvc(["status"], cwd=workdir("region: us-east-1\nregions: [eu-west-1]\n"))
    assert r.returncode == 2 and "region or regions, not both" in r.stderr, r.stderr


@case
def one_question_for_every_region():
    moto.reset()
    # No terminal and no --yes: both plans are shown, asked (refused) once, nothing made.
    r = ivsvc(["deploy", "--handler-zip", ZIP], input="")
    assert r.returncode == 3, r.returncode
    for region in REGIONS:
        assert re.search(r"^\[%s\] Changes to stack" % region, r.stdout, re.M), r.stdout
        assert stacks(region) == {}, (region, stacks(region))
    assert r.stderr.count("refusing without confirmation") == 1, r.stderr
    assert "in 2 regions (" in r.stderr, r.stderr
    # On a terminal: one "y" deploys both.
    master, slave = pty.openpty()
    env = clean_env(endpoint=moto.url)
    p = subprocess.Popen([ivstest.IVSVC, "deploy", "--no-verify", "--handler-zip", ZIP],
                         stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env, cwd=workdir(TWO), text=True)
    os.close(slave)
    os.write(master, b"y\n")
    out, err = p.communicate(timeout=300)
    os.close(master)
    print(out, err)
    assert p.returncode == 0, err
    assert err.count("[y/N]") == 1, err
    for region in REGIONS:
        assert stacks(region) == {STACK: "CREATE_COMPLETE"}, (region, stacks(region))


if __name__ == "__main__":
    with ivstest.MotoServer() as m:
        moto = m
        ivstest.main()
