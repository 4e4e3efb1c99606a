#!/usr/bin/env python3
"""`ivsvc destroy` when the delete fails (DELETE_FAILED), against the scripted
CloudFormation (tests/sim/cfn_sim.py, DeleteStack checked against botocore's
model): a failure that goes away is retried once and the stack deleted; one
that stays names the resources that block the delete and retains only those
(RetainResources) when --retain-failed says so; --yes alone never retains
(exit 3), and neither does answering no.
"""
import tempfile

import ivstest
from ivstest import case

ivstest.require_python_tools("boto3", "botocore")
from cfn_sim import CfnSim  # noqa: E402

WORK = tempfile.mkdtemp(prefix="ivsvc-destroy-failed-")
STACK = "IvsViewersCount"


def ivsvc(sim, args):
    return ivstest.run_ivsvc_on_cfn_sim(sim, args, WORK)


def deletes(sim):
    return [r["params"] for r in sim.requests() if r["action"] == "DeleteStack"]


@case
def a_failure_that_goes_away_is_retried_once():
    with CfnSim("delete-fails-once") as sim:
        r = ivsvc(sim, ["destroy", "--yes", "--keep-assets"])
        d = deletes(sim)
    assert r.returncode == 0, r.stderr
    assert len(d) == 2 and all(set(p) == {"StackName"} for p in d), d
    assert "Retrying the delete once (a resource may only have been busy)\n" in r.stdout, r.stdout
    assert r.stdout.endswith("Stack %s deleted\n" % STACK), r.stdout
    assert "ivsvc: deleting stack %s failed: it is DELETE_FAILED" % STACK in r.stderr, r.stderr
    assert "FunctionRole" in r.stderr and "must detach all policies first" in r.stderr, r.stderr


@case
def yes_alone_never_retains():
    with CfnSim("delete-fails") as sim:
        r = ivsvc(sim, ["destroy", "--yes", "--keep-assets"])
        d = deletes(sim)
        st = sim.stacks()[0]
    assert r.returncode == 3, r
    assert len(d) == 2 and all("RetainResources" not in p for p in d), d
    assert st["status"] == "DELETE_FAILED", st
    assert ("These resources block the delete; retained, they stay in your account (outside any "
            "stack) and the rest of the stack is deleted:\n  FunctionRole (AWS::IAM::Role) ") in r.stderr, r.stderr
    assert r.stderr.endswith(
        "ivsvc: not retained: --yes alone never keeps resources out of a stack; run `ivsvc destroy "
        "--stack-name %s --yes --retain-failed` to retain the resources above, or fix their cause "
        "and run `ivsvc destroy` again\n" % STACK), r.stderr


@case
def retain_failed_keeps_only_what_blocks():
    with CfnSim("delete-fails") as sim:
        r = ivsvc(sim, ["destroy", "--yes", "--retain-failed", "--keep-assets"])
        d = deletes(sim)
        log = sim.requests()
    assert r.returncode == 0, r.stderr
    assert len(d) == 3, d
    assert d[2]["RetainResources"] == ["FunctionRole"], d
    assert "DELETE_SKIPPED" in r.stdout, r.stdout
    assert r.stdout.endswith("Stack %s deleted; retained (delete them yourself once their cause is "
                             "fixed): FunctionRole\n" % STACK), r.stdout
    assert all(x["status"] == 200 for x in log if x["action"] == "DeleteStack"), log


@case
def retain_is_refused_by_cloudformation_outside_delete_failed():
    with CfnSim("delete-ok") as sim:
        import boto3
        cfn = boto3.client("cloudformation", endpoint_url=sim.url, region_name="us-east-1",
                           aws_access_key_id=ivstest.TEST_KEY_ID,
                           aws_secret_access_key=ivstest.TEST_SECRET)
        try:
            cfn.delete_stack(StackName=STACK, RetainResources=["ViewersTable"])
            raise AssertionError("RetainResources on CREATE_COMPLETE was accepted")
        except cfn.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "ValidationError", e.response


if __name__ == "__main__":
    ivstest.main()
