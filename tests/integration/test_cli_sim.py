"""ivsvc deploy / destroy against tests/sim/cfn_sim.py: what moto cannot show.

CloudFormation goes to the scripted simulator (AWS_ENDPOINT_URL_CLOUDFORMATION);
STS and S3 (the asset bucket) go to moto. The simulator's request log is the
evidence of what ivsvc called, and in which order.
"""
import io
import os
import re
import signal
import subprocess
import tempfile
import time
import zipfile

import boto3

import ivstest
from ivstest import case, clean_env, run_ivsvc

from cfn_sim import CfnSim  # noqa: E402

moto = None
WORK = tempfile.mkdtemp(prefix="ivsvc-sim-")


def dummy_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bootstrap", b"#!/bin/sh\n")
    path = os.path.join(WORK, "handler.zip")
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    return path


ZIP = dummy_zip()


def env_for(sim):
    return clean_env(endpoint=moto.url, extra={"AWS_ENDPOINT_URL_CLOUDFORMATION": sim.url,
                                               "IVSVC_POLL_MS": "20"})


def ivsvc(sim, args, **kw):
    moto.reset()
    if args[:1] == ["deploy"]:
        args = args + ["--no-verify"]  # the function is the scenario's, not runnable
    r = run_ivsvc(args, env=env_for(sim), cwd=WORK, **kw)
    print("$ ivsvc %s -> %d\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r


@case
def create_ok_shows_progress_and_outputs():
    with CfnSim("create-ok") as sim:
        r = ivsvc(sim, ["deploy", "--yes", "--handler-zip", ZIP])
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        # Every resource's CREATE_COMPLETE event, with the count going up to 7/7.
        for logical in ("ViewersTable", "FunctionLogGroup", "FunctionRole", "ViewersFunction",
                        "ScheduleRule", "SchedulePermission", "ViewersInvokeConfig"):
            assert any("CREATE_COMPLETE" in l and logical in l for l in lines), (logical, r.stdout)
        counts = [l.rsplit("[", 1)[1].rstrip("]") for l in lines if l.rstrip().endswith("/7]")]
        done = [int(c.split("/")[0]) for c in counts]
        assert done == sorted(done) and done[-1] == 7 and done[0] < 7, counts
        # Every event after the execute, oldest first, each exactly once: the
        # same sequence the simulator recorded.
        printed = [tuple(l.split()[1:4]) for l in lines if re.match(r"  \d\d:\d\d:\d\d  ", l)]
        cfn = boto3.client("cloudformation", endpoint_url=sim.url, region_name="us-east-1",
                           aws_access_key_id="a", aws_secret_access_key="b")
        recorded = []
        for page in cfn.get_paginator("describe_stack_events").paginate(StackName="IvsViewersCount"):
            recorded += page["StackEvents"]
        recorded = [(e["ResourceStatus"], e["ResourceType"], e["LogicalResourceId"])
                    for e in reversed(recorded) if e["ResourceStatus"] != "REVIEW_IN_PROGRESS"]
        assert printed == recorded, (printed, recorded)
        assert "Stack IvsViewersCount: CREATE_COMPLETE" in r.stdout
        assert "TableName" in r.stdout, r.stdout
        actions = sim.actions()
        assert actions.index("CreateChangeSet") < actions.index("ExecuteChangeSet"), actions


@case
def create_fails_reports_the_resource_reason_and_exit_1():
    with CfnSim("create-fails") as sim:
        r = ivsvc(sim, ["deploy", "--yes", "--handler-zip", ZIP])
        assert r.returncode == 1, r.returncode
        assert "ViewersFunction (AWS::Lambda::Function): Resource handler returned message" in r.stderr, r.stderr
        assert "NoSuchKey" in r.stderr
        assert "ROLLBACK_COMPLETE" in r.stderr and "ivsvc deploy" in r.stderr, r.stderr


@case
def rollback_complete_stack_is_deleted_then_created():
    with CfnSim("rollback-complete-existing") as sim:
        r = ivsvc(sim, ["deploy", "--yes", "--handler-zip", ZIP])
        assert r.returncode == 0, r.stderr
        assert "ROLLBACK_COMPLETE" in r.stdout and "Deleting it" in r.stdout, r.stdout
        actions = sim.actions()
        assert actions.index("DeleteStack") < actions.index("CreateChangeSet"), actions
        cs = [q for q in sim.requests() if q["action"] == "CreateChangeSet"]
        assert cs[0]["params"]["ChangeSetType"] == "CREATE", cs[0]
        assert [s["status"] for s in sim.stacks() if not s["deleted"]] == ["CREATE_COMPLETE"], sim.stacks()


@case
def update_rollback_failed_is_refused_with_the_recovery_command():
    with CfnSim("update-rollback-failed") as sim:
        r = ivsvc(sim, ["deploy", "--yes", "--handler-zip", ZIP])
        assert r.returncode == 1, r.returncode
        assert "UPDATE_ROLLBACK_FAILED" in r.stderr, r.stderr
        assert "continue-update-rollback" in r.stderr, r.stderr
        n = sim.actions().count("CreateChangeSet")
        # A second deploy does not pile on: it refuses before any change set.
        r = ivsvc(sim, ["deploy", "--yes", "--handler-zip", ZIP])
        assert r.returncode == 1, r.returncode
        assert "aws cloudformation continue-update-rollback --stack-name IvsViewersCount" in r.stderr, r.stderr
        assert "ivsvc destroy" in r.stderr
        assert sim.actions().count("CreateChangeSet") == n, sim.actions()


@case
def in_progress_stack_is_waited_for():
    with CfnSim("in-progress", in_progress_steps=4) as sim:
        r = ivsvc(sim, ["deploy", "--yes", "--handler-zip", ZIP])
        assert r.returncode == 0, r.stderr
        assert "busy (UPDATE_IN_PROGRESS)" in r.stdout, r.stdout
        actions = sim.actions()
        first_cs = actions.index("CreateChangeSet")
        assert actions[:first_cs].count("DescribeStacks") >= 3, actions
        # No request was refused for piling onto the running update.
        assert not [q for q in sim.requests() if q.get("status", 200) >= 400 and
                    q["action"] != "DescribeStacks"], sim.requests()


@case
def in_progress_times_out_with_a_clear_message():
    with CfnSim("in-progress", in_progress_steps=100000) as sim:
        env = env_for(sim)
        env["IVSVC_WAIT_TIMEOUT_S"] = "1"
        moto.reset()
        r = run_ivsvc(["deploy", "--yes", "--handler-zip", ZIP], env=env, cwd=WORK)
        assert r.returncode == 1, r.returncode
        assert "still busy" in r.stderr and "ivsvc status" in r.stderr, r.stderr
        assert "CreateChangeSet" not in sim.actions()


@case
def no_changes_deletes_the_change_set():
    with CfnSim("no-changes") as sim:
        r = ivsvc(sim, ["deploy", "--yes", "--handler-zip", ZIP])
        assert r.returncode == 0, r.stderr
        assert "no changes" in r.stdout, r.stdout
        actions = sim.actions()
        assert "ExecuteChangeSet" not in actions and "DeleteChangeSet" in actions, actions


@case
def destroy_follows_the_delete():
    with CfnSim("delete-ok") as sim:
        r = ivsvc(sim, ["destroy", "--yes"])
        assert r.returncode == 0, r.stderr
        for logical in ("ViewersTable", "ViewersFunction"):
            assert any("DELETE_COMPLETE" in l and logical in l for l in r.stdout.splitlines()), r.stdout
        assert "Stack IvsViewersCount deleted" in r.stdout
        assert [s for s in sim.stacks() if not s["deleted"]] == [], sim.stacks()


@case
def template_error_comes_from_cloudformation():
    with CfnSim("create-ok") as sim:
        bad = os.path.join(WORK, "bad.yaml")
        with open(bad, "w") as f:
            f.write("Resources: [unclosed\n  Foo: {\n")
        r = ivsvc(sim, ["deploy", "--yes", "--handler-zip", ZIP, "--template", bad])
        assert r.returncode == 1, r.returncode
        assert "Template format error" in r.stderr and "ValidationError" in r.stderr, r.stderr
        assert "ExecuteChangeSet" not in sim.actions()


@case
def ctrl_c_during_the_wait_leaves_the_deploy_running():
    with CfnSim("create-ok", step_seconds=1.0) as sim:
        moto.reset()
        p = subprocess.Popen([ivstest.IVSVC, "deploy", "--yes", "--handler-zip", ZIP],
                             env=env_for(sim), cwd=WORK, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while "ExecuteChangeSet" not in sim.actions() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        print(out, err)
        assert p.returncode == 130, p.returncode
        assert "keeps going in CloudFormation" in err and "ivsvc status" in err, err
        assert "DeleteStack" not in sim.actions()


if __name__ == "__main__":
    with ivstest.MotoServer() as m:
        moto = m
        ivstest.main()
