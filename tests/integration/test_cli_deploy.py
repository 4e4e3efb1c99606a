"""ivsvc deploy / diff / status / destroy against moto_server.

What moto cannot show (progress, failures, rollbacks, waiting) is in
test_cli_sim.py. Every result is checked with boto3, never with ivsvc.
"""
import hashlib
import io
import json
import os
import tempfile
import time
import zipfile

import ivstest
from ivstest import boto_client, case, clean_env, run_ivsvc

ACCOUNT = "123456789012"
STACK = "IvsViewersCount"
BUCKET = "ivsvc-assets-%s-us-east-1" % ACCOUNT

moto = None
WORK = tempfile.mkdtemp(prefix="ivsvc-cli-")


def dummy_zip(name="handler.zip", body=b"#!/bin/sh\necho hello\n"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bootstrap", body)
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    return path, hashlib.sha256(buf.getvalue()).hexdigest()


ZIP, ZIP_SHA = dummy_zip()


def workdir(config=None):
    return ivstest.workdir(WORK, config)


def ivsvc(args, cwd=None, env=None, **kw):
    if args[:1] == ["deploy"] and "--no-verify" not in args:
        args = list(args) + ["--no-verify"]  # moto cannot run the function (test_invoke.py can)
    r = run_ivsvc(args, env=env or clean_env(endpoint=moto.url), cwd=cwd or workdir(), **kw)
    print("$ ivsvc %s -> %d\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r


def client(svc):
    return boto_client(svc, moto.url)


def live_stacks():
    cfn = client("cloudformation")
    return [s for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]


def resources():
    res = client("cloudformation").describe_stack_resources(StackName=STACK)["StackResources"]
    # moto 5.2 lists the EventInvokeConfig it does not model with no LogicalResourceId.
    return {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in res if "LogicalResourceId" in r}


def deploy_fresh():
    moto.reset()
    r = ivsvc(["deploy", "--yes", "--handler-zip", ZIP])
    assert r.returncode == 0, r.stderr
    return r


@case
def deploy_from_nothing_creates_every_resource():
    r = deploy_fresh()
    assert "+ Add" in r.stdout and "ViewersFunction" in r.stdout, r.stdout
    cfn = client("cloudformation")
    stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack["StackStatus"]
    res = resources()
    table = res["ViewersTable"]
    ddb = client("dynamodb").describe_table(TableName=table)["Table"]
    assert {k["AttributeName"] for k in ddb["KeySchema"]} == {"channel", "time"}
    fn = client("lambda").get_function_configuration(FunctionName=STACK + "-viewers")
    assert fn["Runtime"] == "provided.al2023", fn["Runtime"]
    assert fn["Environment"]["Variables"]["TABLE_NAME"] == table
    ev = client("events")
    rule = ev.describe_rule(Name=res["ScheduleRule"])
    assert rule["ScheduleExpression"] == "rate(1 minute)" and rule["State"] == "ENABLED"
    targets = ev.list_targets_by_rule(Rule=res["ScheduleRule"])["Targets"]
    assert [t["Arn"] for t in targets] == [fn["FunctionArn"]], targets
    groups = client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/" + STACK)["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/aws/lambda/%s-viewers" % STACK], groups
    role = client("iam").get_role(RoleName=res["FunctionRole"])["Role"]
    assert fn["Role"] == role["Arn"]
    s3 = client("s3")
    enc = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]
    assert enc["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    pab = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert all(pab[k] for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                "RestrictPublicBuckets")), pab
    key = "ivsvc/%s.zip" % ZIP_SHA
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert head["ContentLength"] == os.path.getsize(ZIP)
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert params["CodeBucket"] == BUCKET and params["CodeKey"] == key, params
    # The outputs the user needs are printed.
    assert "TableName" in r.stdout and table in r.stdout, r.stdout
    # No change set is left behind.
    assert client("cloudformation").list_change_sets(StackName=STACK)["Summaries"] == [] or all(
        s["ExecutionStatus"] == "EXECUTE_COMPLETE"
        for s in client("cloudformation").list_change_sets(StackName=STACK)["Summaries"])


@case
def deploy_again_says_no_changes():
    deploy_fresh()
    before = client("s3").list_objects_v2(Bucket=BUCKET)["KeyCount"]
    r = ivsvc(["deploy", "--yes", "--handler-zip", ZIP])
    assert r.returncode == 0, r.stderr
    assert "no changes" in r.stdout, r.stdout
    assert client("s3").list_objects_v2(Bucket=BUCKET)["KeyCount"] == before
    summaries = client("cloudformation").list_change_sets(StackName=STACK)["Summaries"]
    assert all(s["ExecutionStatus"] == "EXECUTE_COMPLETE" for s in summaries), summaries


@case
def changed_memory_is_an_update_of_the_function():
    deploy_fresh()
    d = workdir("# the function needs more room\nmemory: 512\n")
    r = ivsvc(["deploy", "--yes", "--handler-zip", ZIP], cwd=d)
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stdout.splitlines() if "ViewersFunction" in l and "~ Modify" in l]
    assert lines, r.stdout
    assert "MemorySize" in r.stdout and "256 -> 512" in r.stdout, r.stdout
    fn = client("lambda").get_function_configuration(FunctionName=STACK + "-viewers")
    assert fn["MemorySize"] == 512, fn["MemorySize"]
    stack = client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE", stack["StackStatus"]
    r = ivsvc(["deploy", "--yes", "--handler-zip", ZIP], cwd=d)
    assert r.returncode == 0 and "no changes" in r.stdout, r.stdout


@case
def diff_shows_without_changing():
    moto.reset()
    r = ivsvc(["diff", "--handler-zip", ZIP])
    assert r.returncode == 0, r.stderr
    for logical in ("ViewersTable", "FunctionLogGroup", "FunctionRole", "ViewersFunction",
                    "ScheduleRule", "SchedulePermission"):
        assert any(l.strip().startswith("+ Add") and logical in l for l in r.stdout.splitlines()), \
            (logical, r.stdout)
    assert live_stacks() == [], live_stacks()
    deploy_fresh()
    d = workdir("window_minutes: 10\n")
    r = ivsvc(["diff", "--json", "--handler-zip", ZIP], cwd=d)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["changeSetType"] == "UPDATE"
    assert any(c["logicalId"] == "ViewersFunction" and c["action"] == "Modify" for c in doc["changes"]), doc
    fn = client("lambda").get_function_configuration(FunctionName=STACK + "-viewers")
    assert str(fn["Environment"]["Variables"]["WINDOW_MINUTES"]) == "5", fn["Environment"]
    assert client("cloudformation").list_change_sets(StackName=STACK)["Summaries"] == [] or all(
        s["ExecutionStatus"] == "EXECUTE_COMPLETE"
        for s in client("cloudformation").list_change_sets(StackName=STACK)["Summaries"])


@case
def status_shows_stack_rule_function_and_latest_counts():
    deploy_fresh()
    table = resources()["ViewersTable"]
    ddb = client("dynamodb")
    now_ms = int(time.time() * 1000) // 60000 * 60000
    a = "arn:aws:ivs:us-east-1:%s:channel/aaaa1111" % ACCOUNT
    b = "arn:aws:ivs:us-east-1:%s:channel/bbbb2222" % ACCOUNT
    points = [(a, now_ms - 120000, 7), (a, now_ms - 60000, 9), (a, now_ms, 12),
              (b, now_ms - 3600000, 40), (b, now_ms - 3540000, 41)]
    for ch, t, n in points:
        ddb.put_item(TableName=table, Item={"channel": {"S": ch}, "time": {"N": str(t)},
                                            "count": {"N": str(n)}})
    r = ivsvc(["status", "--json"])
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["stack"]["status"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), doc["stack"]
    assert doc["stack"]["outputs"]["TableName"] == table, doc["stack"]["outputs"]
    assert doc["stack"]["outputs"]["FunctionName"] == STACK + "-viewers"
    assert doc["rule"]["state"] == "ENABLED" and doc["rule"]["schedule"] == "rate(1 minute)", doc["rule"]
    assert doc["function"]["name"] == STACK + "-viewers" and doc["function"]["runtime"] == "provided.al2023"
    chans = {c["channel"]: c for c in doc["channels"]}
    assert set(chans) == {a, b}, chans
    assert chans[a]["viewers"] == 12 and chans[a]["timeMs"] == now_ms, chans[a]
    assert chans[b]["viewers"] == 41 and chans[b]["timeMs"] == now_ms - 3540000, chans[b]
    assert chans[b]["ageSeconds"] >= 3540 - 5, chans[b]
    r = ivsvc(["status"])
    assert r.returncode == 0, r.stderr
    line_a = [l for l in r.stdout.splitlines() if a in l]
    assert line_a and " 12 " in line_a[0], r.stdout
    assert "ENABLED" in r.stdout and "rate(1 minute)" in r.stdout


@case
def status_of_missing_stack_fails():
    moto.reset()
    r = ivsvc(["status"])
    assert r.returncode == 1, r.returncode
    assert "does not exist" in r.stderr and "ivsvc deploy" in r.stderr, r.stderr


@case
def destroy_removes_stack_and_table():
    deploy_fresh()
    table = resources()["ViewersTable"]
    r = ivsvc(["destroy", "--yes"])
    assert r.returncode == 0, r.stderr
    assert "history" in r.stdout, r.stdout
    assert live_stacks() == [], live_stacks()
    try:
        client("dynamodb").describe_table(TableName=table)
        raise AssertionError("table %s still exists" % table)
    except client("dynamodb").exceptions.ResourceNotFoundException:
        pass
    r = ivsvc(["destroy", "--yes"])
    assert r.returncode == 0 and "does not exist; nothing to do" in r.stdout, r.stdout


@case
def destroy_without_terminal_and_yes_refuses():
    deploy_fresh()
    r = ivsvc(["destroy"], input="")
    assert r.returncode == 3, r.returncode
    assert "--yes" in r.stderr, r.stderr
    assert [s["StackName"] for s in live_stacks()] == [STACK]


@case
def deploy_without_terminal_and_yes_creates_nothing():
    moto.reset()
    r = ivsvc(["deploy", "--handler-zip", ZIP], input="")
    assert r.returncode == 3, r.returncode
    assert "--yes" in r.stderr and "nothing was changed" in r.stderr, r.stderr
    assert live_stacks() == [], live_stacks()
    assert client("s3").list_buckets()["Buckets"] == []


@case
def unknown_config_key_is_a_usage_error_with_line():
    moto.reset()
    d = workdir("stack_name: Viewers\nmemory: 512\n\nwindw_minutes: 5\n")
    r = ivsvc(["deploy", "--yes", "--handler-zip", ZIP], cwd=d)
    assert r.returncode == 2, r.returncode
    assert "ivsvc.yaml:4: unknown key 'windw_minutes'" in r.stderr, r.stderr
    d = workdir("memory: lots\n")
    r = ivsvc(["status"], cwd=d)
    assert r.returncode == 2 and "ivsvc.yaml:1:" in r.stderr and "memory" in r.stderr, r.stderr
    assert live_stacks() == []


@case
def flags_override_the_config_file():
    moto.reset()
    d = workdir("stack_name: FromFile\n")
    r = ivsvc(["deploy", "--yes", "--handler-zip", ZIP, "--stack-name", "FromFlag"], cwd=d)
    assert r.returncode == 0, r.stderr
    assert [s["StackName"] for s in live_stacks()] == ["FromFlag"]
    r = ivsvc(["status", "--json"], cwd=d)
    assert r.returncode == 1, "FromFile should not exist"
    r = ivsvc(["status", "--json", "--stack-name", "FromFlag"], cwd=d)
    assert r.returncode == 0 and json.loads(r.stdout)["stack"]["name"] == "FromFlag"


@case
def tags_are_added_changed_and_removed():
    """moto calls a tag-only change set "no changes" and applies no stack tags
    from one: the plan is checked here, removal in the simulator below."""
    deploy_fresh()
    d = workdir("tags:\n  team: video\n  env: prod\n")
    r = ivsvc(["deploy", "--yes", "--handler-zip", ZIP], cwd=d)
    assert r.returncode == 0, r.stderr
    assert "no changes" not in r.stdout and "Executing change set" in r.stdout, r.stdout
    assert "team  (none) -> video" in r.stdout and "env   (none) -> prod" in r.stdout, r.stdout
    r = ivsvc(["diff", "--json", "--handler-zip", ZIP], cwd=workdir("memory: 512\ntags:\n  team: video\n"))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["parameters"] == {"MemorySize": "256 -> 512"}, doc
    assert doc["tags"] == {"team": "(none) -> video"}, doc  # moto kept no tags


@case
def removing_every_tag_sends_an_empty_tag_list():
    from cfn_sim import CfnSim
    moto.reset()
    with CfnSim("create-ok") as sim:
        env = clean_env(endpoint=moto.url, extra={"AWS_ENDPOINT_URL_CLOUDFORMATION": sim.url,
                                                  "IVSVC_POLL_MS": "20"})
        d = workdir("tags:\n  team: video\n")
        r = ivsvc(["deploy", "--yes", "--handler-zip", ZIP], cwd=d, env=env)
        assert r.returncode == 0, r.stderr
        r = ivsvc(["deploy", "--yes", "--handler-zip", ZIP], env=env)
        assert r.returncode == 0, r.stderr
        assert "no changes" not in r.stdout and "team  video -> (removed)" in r.stdout, r.stdout
        cs = [q["params"] for q in sim.requests() if q["action"] == "CreateChangeSet"]
        assert cs[0].get("Tags") not in (None, "", []), cs[0]
        # Tags absent would keep the stack's tags; an empty Tags removes them.
        assert "Tags" in cs[-1] and cs[-1]["Tags"] in ("", []), cs[-1]


@case
def too_long_a_stack_name_is_refused_before_any_call():
    moto.reset()
    name = "V" + "x" * 56  # 57: the function V...-viewers would be 65 > 64
    for cmd in (["deploy", "--yes", "--handler-zip", ZIP], ["diff"]):
        r = ivsvc(cmd + ["--stack-name", name])
        assert r.returncode == 2, (cmd, r.returncode)
        assert "is 57 characters" in r.stderr and "use at most 56" in r.stderr, r.stderr
    assert live_stacks() == [] and client("s3").list_buckets()["Buckets"] == []
    d = workdir("stack_name: %s\n" % name[:56])
    r = ivsvc(["deploy", "--yes", "--handler-zip", ZIP], cwd=d)
    assert r.returncode == 0, r.stderr
    fn = client("lambda").get_function_configuration(FunctionName=name[:56] + "-viewers")
    assert len(fn["FunctionName"]) == 64


@case
def region_without_ivs_is_refused_before_any_call():
    moto.reset()
    for cmd in (["deploy", "--yes", "--handler-zip", ZIP], ["diff"]):
        r = ivsvc(cmd + ["--region", "eu-west-2"])
        assert r.returncode == 2, (cmd, r.returncode)
        assert "IVS is not offered in eu-west-2" in r.stderr, r.stderr
        assert "ap-northeast-1" in r.stderr and "us-west-2" in r.stderr, r.stderr
    r = ivsvc(["deploy", "--yes", "--handler-zip", ZIP], env=clean_env(endpoint=moto.url, region="sa-east-1"))
    assert r.returncode == 2 and "IVS is not offered in sa-east-1" in r.stderr, r.stderr
    assert live_stacks() == [] and client("s3").list_buckets()["Buckets"] == []
    # A stack deployed there before this check can still be looked at and removed.
    r = ivsvc(["destroy", "--yes", "--region", "eu-west-2"])
    assert r.returncode == 0, r.stderr


@case
def missing_credentials_fail_clearly():
    moto.reset()
    env = clean_env(endpoint=moto.url)
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    r = ivsvc(["deploy", "--yes", "--handler-zip", ZIP], env=env)
    assert r.returncode == 1, r.returncode
    assert "credentials" in r.stderr.lower(), r.stderr
    assert live_stacks() == []


@case
def missing_region_fails_clearly():
    moto.reset()
    env = clean_env(endpoint=moto.url, region=None)
    r = ivsvc(["status"], env=env)
    assert r.returncode != 0
    assert "region" in r.stderr.lower(), r.stderr


@case
def no_secret_reaches_the_output():
    moto.reset()
    for args in (["deploy", "--yes", "--handler-zip", ZIP], ["status", "--json"], ["diff"],
                 ["destroy", "--yes"]):
        r = ivsvc(args)
        assert ivstest.TEST_SECRET not in r.stdout + r.stderr, args


if __name__ == "__main__":
    with ivstest.MotoServer() as m:
        moto = m
        ivstest.main()
