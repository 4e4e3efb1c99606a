"""tests/sim/cfn_sim.py, the scripted CloudFormation endpoint, driven with boto3: each
scenario's event sequence and final status, newest-first paginated events, AWS-shaped
errors, request checking against botocore's model, SigV4 presence, the request log, real
time mode, and the runnable form (--port 0 --port-file F --scenario NAME).

Every response must parse in boto3 and the simulator must never answer 500 (a response
that does not fit botocore's output shapes is a 500 "simulator bug")."""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import ivstest
from ivstest import case

SIM_DIR = os.path.join(ivstest.SOURCE_DIR, "tests", "sim")
import cfn_sim  # noqa: E402

STACK = cfn_sim.DEFAULT_STACK
TEMPLATE = os.path.join(ivstest.SOURCE_DIR, "templates", "stack.yaml")
PARAMS = [{"ParameterKey": "CodeBucket", "ParameterValue": "ivsvc-code"},
          {"ParameterKey": "CodeKey", "ParameterValue": "ivsvc/bootstrap-1.zip"}]
RESOURCES = ["ViewersTable", "FunctionLogGroup", "FunctionRole", "ViewersFunction",
             "ScheduleRule", "SchedulePermission", "ViewersInvokeConfig"]


def client(url):
    import boto3
    from botocore.config import Config
    return boto3.client("cloudformation", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=ivstest.TEST_KEY_ID,
                        aws_secret_access_key=ivstest.TEST_SECRET,
                        config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def body():
    with open(TEMPLATE) as f:
        return f.read()


def error_of(fn, *a, **kw):
    from botocore.exceptions import ClientError
    try:
        fn(*a, **kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], \
            e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"].get("Type")
    raise AssertionError("no error from %s" % fn)


def no_sim_bugs(sim):
    bad = [r for r in sim.requests() if r["status"] == 500]
    assert not bad, bad


def all_events(cf, stack):
    """Every event, following NextToken; checks each page is newest first."""
    out, kw, pages = [], {}, 0
    while True:
        page = cf.describe_stack_events(StackName=stack, **kw)
        evs = page["StackEvents"]
        ts = [e["Timestamp"] for e in evs]
        assert ts == sorted(ts, reverse=True), "page not newest first"
        out += evs
        pages += 1
        if "NextToken" not in page:
            break
        kw = {"NextToken": page["NextToken"]}
    ts = [e["Timestamp"] for e in out]
    assert ts == sorted(ts, reverse=True) and len(set(e["EventId"] for e in out)) == len(out)
    return out, pages


def seq(events, logical=None):
    """(logical id, status) oldest first, optionally for one resource."""
    return [(e["LogicalResourceId"], e["ResourceStatus"]) for e in reversed(events)
            if logical is None or e["LogicalResourceId"] == logical]


def poll(cf, stack, limit=200):
    """DescribeStacks until not *_IN_PROGRESS (each call is one step); the statuses seen."""
    seen = []
    for _ in range(limit):
        st = cf.describe_stacks(StackName=stack)["Stacks"][0]
        seen.append(st["StackStatus"])
        if not st["StackStatus"].endswith("_IN_PROGRESS"):
            return st, seen
    raise AssertionError("still in progress: %s" % seen[-3:])


def create_change_set(cf, type_="CREATE", name="ivsvc-1", params=PARAMS):
    r = cf.create_change_set(StackName=STACK, ChangeSetName=name, ChangeSetType=type_,
                             TemplateBody=body(), Parameters=params, Capabilities=["CAPABILITY_IAM"],
                             Tags=[{"Key": "app", "Value": "ivsvc"}], Description="ivsvc deploy")
    statuses = []
    for _ in range(10):
        d = cf.describe_change_set(ChangeSetName=name, StackName=STACK)
        statuses.append(d["Status"])
        if d["Status"] not in ("CREATE_PENDING", "CREATE_IN_PROGRESS"):
            break
    assert statuses[0] == "CREATE_PENDING", statuses
    return r, d


@case
def create_ok():
    with cfn_sim.CfnSim("create-ok", page_size=4) as sim:
        cf = client(sim.url)
        code, msg, status, typ = error_of(cf.describe_stacks, StackName=STACK)
        assert (code, msg, status, typ) == ("ValidationError", "Stack with id %s does not exist" % STACK,
                                            400, "Sender"), (code, msg, status, typ)
        r, d = create_change_set(cf)
        assert r["Id"].startswith("arn:aws:cloudformation:us-east-1:123456789012:changeSet/ivsvc-1/")
        assert r["StackId"].startswith("arn:aws:cloudformation:us-east-1:123456789012:stack/%s/" % STACK)
        assert d["Status"] == "CREATE_COMPLETE" and d["ExecutionStatus"] == "AVAILABLE", d
        assert sorted(c["ResourceChange"]["LogicalResourceId"] for c in d["Changes"]) == sorted(RESOURCES)
        assert {c["ResourceChange"]["Action"] for c in d["Changes"]} == {"Add"}
        st = cf.describe_stacks(StackName=STACK)["Stacks"][0]
        assert st["StackStatus"] == "REVIEW_IN_PROGRESS", st
        cf.execute_change_set(ChangeSetName=r["Id"])
        st, seen = poll(cf, STACK)
        assert seen[0] == "CREATE_IN_PROGRESS" and len(seen) > 10, seen
        assert st["StackStatus"] == "CREATE_COMPLETE" and "StackStatusReason" not in st
        outs = {o["OutputKey"]: o["OutputValue"] for o in st["Outputs"]}
        assert sorted(outs) == sorted(["TableName", "TableArn", "FunctionName", "FunctionArn",
                                       "RuleName", "LogGroupName"]), outs
        assert outs["FunctionName"] == STACK + "-viewers" and outs["LogGroupName"] == "/aws/lambda/%s-viewers" % STACK
        assert outs["TableArn"].endswith(":table/" + outs["TableName"])
        params = {p["ParameterKey"]: p["ParameterValue"] for p in st["Parameters"]}
        assert params["CodeKey"] == "ivsvc/bootstrap-1.zip" and params["WindowMinutes"] == "5", params

        events, pages = all_events(cf, STACK)
        assert pages > 1, "expected several pages of 4"
        s = seq(events)
        assert s[0] == (STACK, "REVIEW_IN_PROGRESS") and s[1] == (STACK, "CREATE_IN_PROGRESS")
        assert s[-1] == (STACK, "CREATE_COMPLETE")
        for r_ in RESOURCES:
            assert [x[1] for x in seq(events, r_)] == ["CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS",
                                                       "CREATE_COMPLETE"], (r_, seq(events, r_))
        stack_ev = [e for e in events if e["LogicalResourceId"] == STACK]
        assert all(e["PhysicalResourceId"] == st["StackId"] and e["ResourceType"] == "AWS::CloudFormation::Stack"
                   for e in stack_ev)
        # Dependencies respected: the function starts after the role and log group complete.
        pos = {x: i for i, x in enumerate(s)}
        assert pos[("FunctionRole", "CREATE_COMPLETE")] < pos[("ViewersFunction", "CREATE_IN_PROGRESS")]
        assert pos[("ViewersFunction", "CREATE_COMPLETE")] < pos[("ScheduleRule", "CREATE_IN_PROGRESS")]

        res = cf.describe_stack_resources(StackName=STACK)["StackResources"]
        assert sorted(x["LogicalResourceId"] for x in res) == sorted(RESOURCES)
        assert all(x["ResourceStatus"] == "CREATE_COMPLETE" and x["PhysicalResourceId"] for x in res)
        one = cf.describe_stack_resources(StackName=STACK, LogicalResourceId="ViewersFunction")["StackResources"]
        assert [x["PhysicalResourceId"] for x in one] == [STACK + "-viewers"]
        tb = cf.get_template(StackName=STACK)["TemplateBody"]
        assert (tb if isinstance(tb, str) else json.dumps(tb)).startswith("AWSTemplateFormatVersion"), tb
        d = cf.describe_change_set(ChangeSetName=r["Id"])
        assert d["ExecutionStatus"] == "EXECUTE_COMPLETE", d["ExecutionStatus"]
        no_sim_bugs(sim)


@case
def events_paginate_stably_while_new_ones_arrive():
    with cfn_sim.CfnSim("create-ok", page_size=3) as sim:
        cf = client(sim.url)
        r, _ = create_change_set(cf)
        cf.execute_change_set(ChangeSetName=r["Id"])
        for _ in range(8):
            cf.describe_stacks(StackName=STACK)
        first = cf.describe_stack_events(StackName=STACK)    # moves the clock one step
        assert len(first["StackEvents"]) == 3 and "NextToken" in first
        newest = first["StackEvents"][0]["EventId"]
        cf.describe_stacks(StackName=STACK)                    # a new event arrives meanwhile
        second = cf.describe_stack_events(StackName=STACK, NextToken=first["NextToken"])
        ids = [e["EventId"] for e in first["StackEvents"] + second["StackEvents"]]
        assert len(set(ids)) == len(ids), "a page repeated an event"
        assert first["StackEvents"][-1]["Timestamp"] > second["StackEvents"][0]["Timestamp"]
        again = cf.describe_stack_events(StackName=STACK)["StackEvents"]
        assert again[1]["EventId"] == newest or again[0]["EventId"] != newest
        code = error_of(cf.describe_stack_events, StackName=STACK, NextToken="garbage")[0]
        assert code == "ValidationError"
        no_sim_bugs(sim)


@case
def create_fails():
    with cfn_sim.CfnSim("create-fails", page_size=100) as sim:
        cf = client(sim.url)
        r, _ = create_change_set(cf)
        cf.execute_change_set(ChangeSetName=r["Id"], StackName=STACK)
        st, seen = poll(cf, STACK)
        assert "ROLLBACK_IN_PROGRESS" in seen, seen
        assert st["StackStatus"] == "ROLLBACK_COMPLETE", st
        assert "Outputs" not in st
        events, _ = all_events(cf, STACK)
        failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
        assert [e["LogicalResourceId"] for e in failed] == ["ViewersFunction"], failed
        reason = failed[0]["ResourceStatusReason"]
        assert reason.startswith('Resource handler returned message: "') and "NoSuchKey" in reason, reason
        s = seq(events)
        i_fail = s.index(("ViewersFunction", "CREATE_FAILED"))
        assert s[i_fail + 1] == (STACK, "ROLLBACK_IN_PROGRESS"), s[i_fail:]
        rb = [e for e in events if e["ResourceStatus"] == "ROLLBACK_IN_PROGRESS"][0]
        assert rb["ResourceStatusReason"] == ("The following resource(s) failed to create: "
                                              "[ViewersFunction]. Rollback requested by user."), rb
        after = s[i_fail + 2:]
        assert after[-1] == (STACK, "ROLLBACK_COMPLETE")
        deleted = {x[0] for x in after if x[1] == "DELETE_COMPLETE"}
        assert deleted == {"ViewersTable", "FunctionLogGroup", "FunctionRole", "ViewersFunction"}, after
        assert ("ScheduleRule", "CREATE_IN_PROGRESS") not in s, "nothing starts after the failure"
        assert cf.describe_stack_resources(StackName=STACK)["StackResources"] == []
        assert cf.describe_change_set(ChangeSetName=r["Id"])["ExecutionStatus"] == "EXECUTE_FAILED"
        no_sim_bugs(sim)


@case
def update_rollback_failed():
    with cfn_sim.CfnSim("update-rollback-failed", page_size=100) as sim:
        cf = client(sim.url)
        st = cf.describe_stacks(StackName=STACK)["Stacks"][0]
        assert st["StackStatus"] == "CREATE_COMPLETE" and st["Outputs"], st
        before = len(all_events(cf, STACK)[0])
        params = [{"ParameterKey": "CodeBucket", "UsePreviousValue": True},
                  {"ParameterKey": "CodeKey", "ParameterValue": "ivsvc/bootstrap-2.zip"},
                  {"ParameterKey": "MemorySize", "ParameterValue": "512"}]
        r, d = create_change_set(cf, "UPDATE", "ivsvc-2", params)
        assert d["Status"] == "CREATE_COMPLETE", d
        mods = [c["ResourceChange"] for c in d["Changes"]]
        assert [(m["Action"], m["LogicalResourceId"], m["Replacement"]) for m in mods] == [
            ("Modify", "ViewersFunction", "False")], mods
        assert any(x.get("CausingEntity") == "MemorySize" for x in mods[0]["Details"]), mods
        p = {x["ParameterKey"]: x["ParameterValue"] for x in d["Parameters"]}
        assert p["CodeBucket"].startswith("ivsvc-code-") and p["MemorySize"] == "512", p
        cf.execute_change_set(ChangeSetName="ivsvc-2", StackName=STACK)
        st, seen = poll(cf, STACK)
        assert seen[0] == "UPDATE_IN_PROGRESS" and "UPDATE_ROLLBACK_IN_PROGRESS" in seen, seen
        assert st["StackStatus"] == "UPDATE_ROLLBACK_FAILED", st
        assert st["StackStatusReason"] == "The following resource(s) failed to update: [ViewersFunction]. ", st
        events, _ = all_events(cf, STACK)
        new = seq(events)[before:]
        assert new == [(STACK, "UPDATE_IN_PROGRESS"), ("ViewersFunction", "UPDATE_IN_PROGRESS"),
                       ("ViewersFunction", "UPDATE_FAILED"), (STACK, "UPDATE_ROLLBACK_IN_PROGRESS"),
                       ("ViewersFunction", "UPDATE_IN_PROGRESS"), ("ViewersFunction", "UPDATE_FAILED"),
                       (STACK, "UPDATE_ROLLBACK_FAILED")], new
        fails = [e["ResourceStatusReason"] for e in events if e["ResourceStatus"] == "UPDATE_FAILED"]
        assert all(f.startswith('Resource handler returned message: "') for f in fails), fails
        code, msg, _, _ = error_of(create_change_set, cf, "UPDATE", "ivsvc-3", PARAMS)
        assert code == "ValidationError" and "is in UPDATE_ROLLBACK_FAILED state and can not be updated" in msg, msg
        no_sim_bugs(sim)


@case
def in_progress_then_complete():
    with cfn_sim.CfnSim("in-progress", in_progress_steps=3) as sim:
        cf = client(sim.url)
        code, msg, _, _ = error_of(create_change_set, cf, "UPDATE", "mine", PARAMS)
        assert code == "ValidationError" and "is in UPDATE_IN_PROGRESS state and can not be updated." in msg, msg
        code, msg, _, _ = error_of(cf.delete_stack, StackName=STACK)
        assert "cannot be deleted while in status UPDATE_IN_PROGRESS" in msg, msg
        st, seen = poll(cf, STACK)
        assert len(seen) == 3 and seen[-1] == "UPDATE_COMPLETE", seen
        assert all(s.startswith("UPDATE_") and s.endswith("IN_PROGRESS") for s in seen[:-1]), seen
        events, _ = all_events(cf, STACK)
        assert seq(events)[-1] == (STACK, "UPDATE_COMPLETE")
        # Now ours can go through.
        r, d = create_change_set(cf, "UPDATE", "mine", PARAMS)
        cf.execute_change_set(ChangeSetName=r["Id"])
        st, _ = poll(cf, STACK)
        assert st["StackStatus"] == "UPDATE_COMPLETE" and st["Outputs"], st
        no_sim_bugs(sim)


@case
def rollback_complete_existing():
    with cfn_sim.CfnSim("rollback-complete-existing") as sim:
        cf = client(sim.url)
        st = cf.describe_stacks(StackName=STACK)["Stacks"][0]
        old_id = st["StackId"]
        assert st["StackStatus"] == "ROLLBACK_COMPLETE", st
        code, msg, _, _ = error_of(create_change_set, cf, "UPDATE", "u1", PARAMS)
        assert "is in ROLLBACK_COMPLETE state and can not be updated." in msg, msg
        code, msg, _, _ = error_of(create_change_set, cf, "CREATE", "c1", PARAMS)
        assert "already exists and cannot be created again" in msg, msg
        cf.delete_stack(StackName=STACK)
        st, seen = poll(cf, old_id)
        assert st["StackStatus"] == "DELETE_COMPLETE" and "DeletionTime" in st, st
        assert error_of(cf.describe_stacks, StackName=STACK)[0] == "ValidationError"
        r, d = create_change_set(cf, "CREATE", "c2", PARAMS)
        assert r["StackId"] != old_id
        cf.execute_change_set(ChangeSetName=r["Id"])
        st, _ = poll(cf, STACK)
        assert st["StackStatus"] == "CREATE_COMPLETE", st
        acts = [(x["action"], x["status"]) for x in sim.requests()]
        i_del = acts.index(("DeleteStack", 200))
        i_create = acts.index(("CreateChangeSet", 200))
        assert i_del < i_create, acts
        no_sim_bugs(sim)


@case
def no_changes():
    with cfn_sim.CfnSim("no-changes") as sim:
        cf = client(sim.url)
        r, d = create_change_set(cf, "UPDATE", "same", PARAMS)
        assert d["Status"] == "FAILED" and d["ExecutionStatus"] == "UNAVAILABLE", d
        assert d["StatusReason"] == ("The submitted information didn't contain changes. "
                                     "Submit different information to create a change set."), d
        code = error_of(cf.execute_change_set, ChangeSetName=r["Id"])[0]
        assert code == "InvalidChangeSetStatus", code
        cf.delete_change_set(ChangeSetName="same", StackName=STACK)
        code, msg, status, _ = error_of(cf.describe_change_set, ChangeSetName="same", StackName=STACK)
        assert code == "ChangeSetNotFound" and status == 404, (code, status)
        assert cf.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
        no_sim_bugs(sim)


@case
def delete_ok():
    with cfn_sim.CfnSim("delete-ok", page_size=100) as sim:
        cf = client(sim.url)
        st = cf.describe_stacks(StackName=STACK)["Stacks"][0]
        sid = st["StackId"]
        before = len(all_events(cf, STACK)[0])
        cf.delete_stack(StackName=STACK)
        seen = []
        while True:
            try:
                seen.append(cf.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"])
            except Exception as e:
                assert "Stack with id %s does not exist" % STACK in str(e), e
                break
            assert len(seen) < 100
        assert seen and set(seen) == {"DELETE_IN_PROGRESS"}, seen
        st = cf.describe_stacks(StackName=sid)["Stacks"][0]
        assert st["StackStatus"] == "DELETE_COMPLETE", st
        events, _ = all_events(cf, sid)
        new = seq(events)[before:]
        assert new[0] == (STACK, "DELETE_IN_PROGRESS") and new[-1] == (STACK, "DELETE_COMPLETE"), new
        assert {x[0] for x in new if x[1] == "DELETE_COMPLETE"} == set(RESOURCES) | {STACK}, new
        pos = {x: i for i, x in enumerate(new)}
        assert pos[("SchedulePermission", "DELETE_COMPLETE")] < pos[("ViewersFunction", "DELETE_IN_PROGRESS")]
        assert cf.describe_stack_resources(StackName=sid)["StackResources"] == []
        cf.delete_stack(StackName=STACK)   # as AWS: no such stack is not an error
        no_sim_bugs(sim)


def raw_post(url, form, auth=True, service="cloudformation"):
    data = urllib.parse.urlencode(form).encode()
    req = urllib.request.Request(url + "/", data=data, method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    if auth:
        req.add_header("X-Amz-Date", "20250101T000000Z")
        req.add_header("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/%s/"
                       "aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=%s"
                       % (service, "0" * 64))
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@case
def request_checks():
    with cfn_sim.CfnSim("delete-ok") as sim:
        ok = {"Action": "DescribeStacks", "Version": "2010-05-15", "StackName": STACK}
        status, text = raw_post(sim.url, ok)
        assert status == 200 and "<DescribeStacksResult>" in text and "<StackStatus>CREATE_COMPLETE" in text, text
        status, text = raw_post(sim.url, dict(ok, Bogus="1"))
        assert status == 400 and "<Code>ValidationError</Code>" in text and "Bogus" in text, text
        assert "<Type>Sender</Type>" in text and text.startswith("<ErrorResponse"), text
        status, text = raw_post(sim.url, {"Action": "DescribeStackEvents", "Version": "2010-05-15"})
        assert status == 400 and "StackName" in text, text  # required member missing
        status, text = raw_post(sim.url, {"Action": "CreateChangeSet", "Version": "2010-05-15",
                                          "StackName": STACK, "ChangeSetName": "x",
                                          "ChangeSetType": "SIDEWAYS", "TemplateBody": "{}"})
        assert status == 400 and "enum" in text, text
        status, text = raw_post(sim.url, {"Action": "CreateChangeSet", "Version": "2010-05-15",
                                          "StackName": STACK, "ChangeSetName": "x",
                                          "Parameters.member.1.Nope": "v"})
        assert status == 400 and "Nope" in text, text
        status, text = raw_post(sim.url, {"Action": "FlyAway", "Version": "2010-05-15"})
        assert status == 400 and "<Code>InvalidAction</Code>" in text, text
        status, text = raw_post(sim.url, ok, auth=False)
        assert status == 403 and "MissingAuthenticationToken" in text, text
        status, text = raw_post(sim.url, ok, service="s3")
        assert status == 403 and "SignatureDoesNotMatch" in text, text
        status, text = raw_post(sim.url, ok)
        assert status == 200
        # The log, as JSON, with the parsed parameters.
        with urllib.request.urlopen(sim.url + "/_sim/requests", timeout=10) as r:
            log = json.loads(r.read())
        assert [x["action"] for x in log] == ["DescribeStacks", "DescribeStacks", "DescribeStackEvents",
                                              "CreateChangeSet", "CreateChangeSet", "FlyAway",
                                              "DescribeStacks", "DescribeStacks", "DescribeStacks"], log
        assert log[0]["params"] == {"StackName": STACK} and log[0]["status"] == 200
        assert [x["status"] for x in log] == [200, 400, 400, 400, 400, 400, 403, 403, 200]
        # boto3's own requests: lists and structures are parsed from the query form.
        cf = client(sim.url)
        code = error_of(cf.create_change_set, StackName="other", ChangeSetName="c", ChangeSetType="CREATE",
                        TemplateBody=body(), Parameters=PARAMS)[0]
        assert code == "InsufficientCapabilitiesException", code
        last = sim.requests()[-1]
        assert last["params"]["Parameters"] == PARAMS, last["params"]
        no_sim_bugs(sim)


@case
def real_time_steps():
    with cfn_sim.CfnSim("create-ok", step_seconds=0.02) as sim:
        cf = client(sim.url)
        r = cf.create_change_set(StackName=STACK, ChangeSetName="rt", ChangeSetType="CREATE",
                                 TemplateBody=body(), Parameters=PARAMS, Capabilities=["CAPABILITY_IAM"])
        assert cf.describe_change_set(ChangeSetName=r["Id"])["Status"] == "CREATE_PENDING"
        time.sleep(0.05)
        assert cf.describe_change_set(ChangeSetName=r["Id"])["Status"] == "CREATE_COMPLETE"
        cf.execute_change_set(ChangeSetName=r["Id"])
        time.sleep(1.0)   # 20-odd steps of 0.02 s: done without polling in between
        st = cf.describe_stacks(StackName=STACK)["Stacks"][0]
        assert st["StackStatus"] == "CREATE_COMPLETE", st["StackStatus"]
        no_sim_bugs(sim)


@case
def runnable_with_port_file():
    with tempfile.TemporaryDirectory() as d:
        pf = os.path.join(d, "port")
        proc = subprocess.Popen([sys.executable, os.path.join(SIM_DIR, "cfn_sim.py"), "--port", "0",
                                 "--port-file", pf, "--scenario", "rollback-complete-existing",
                                 "--stack-name", "other-name"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 30
            while not os.path.exists(pf):
                assert proc.poll() is None, proc.communicate()
                assert time.time() < deadline, "no port file"
                time.sleep(0.05)
            port = int(open(pf).read())
            url = "http://127.0.0.1:%d" % port
            cf = client(url)
            st = cf.describe_stacks(StackName="other-name")["Stacks"][0]
            assert st["StackStatus"] == "ROLLBACK_COMPLETE", st
            with urllib.request.urlopen(url + "/_sim/requests", timeout=10) as r:
                assert [x["action"] for x in json.loads(r.read())] == ["DescribeStacks"]
        finally:
            proc.terminate()
            proc.wait(10)
        assert proc.returncode == 0, proc.returncode


if __name__ == "__main__":
    ivstest.require_python_tools("boto3", "botocore", "yaml")
    ivstest.main()
