#!/usr/bin/env python3
"""`ivsvc recover` against the scripted CloudFormation (tests/sim/cfn_sim.py),
whose ContinueUpdateRollback is checked against botocore's model: a stack in
UPDATE_ROLLBACK_FAILED on the function is continued with ResourcesToSkip
naming only it, and followed to UPDATE_ROLLBACK_COMPLETE; when the table is
the failed resource nothing is called and the user is told what to do; any
other state is refused before any call; no terminal and no --yes exits 3.
"""
import tempfile

import ivstest
from ivstest import case

ivstest.require_python_tools("boto3", "botocore")
from cfn_sim import CfnSim  # noqa: E402

WORK = tempfile.mkdtemp(prefix="ivsvc-recover-")
STACK = "IvsViewersCount"


def ivsvc(sim, args):
    return ivstest.run_ivsvc_on_cfn_sim(sim, args, WORK)


def calls(sim, action):
    return [r for r in sim.requests() if r["action"] == action]


@case
def the_function_is_skipped_and_the_rollback_followed():
    with CfnSim("stuck-function") as sim:
        r = ivsvc(sim, ["recover", "--yes"])
        cur = calls(sim, "ContinueUpdateRollback")
        st = sim.stacks()[0]
    assert r.returncode == 0, r.stderr
    assert len(cur) == 1 and cur[0]["status"] == 200, cur
    assert cur[0]["params"] == {"StackName": STACK, "ResourcesToSkip": ["ViewersFunction"]}, cur
    out = r.stdout
    assert out.startswith("Stack %s is UPDATE_ROLLBACK_FAILED: a rollback stopped on resources it "
                          "could not put back.\nSkipping 1 resource(s) that failed to roll back "
                          "(safe to recreate; the next `ivsvc deploy` puts them right):\n"
                          "  ViewersFunction (AWS::Lambda::Function): Resource handler returned "
                          "message: \"The role defined for the function cannot be assumed by Lambda."
                          % STACK), out
    assert "Continuing the rollback of stack %s (Ctrl-C stops watching, not the rollback)\n" % STACK in out
    assert "Resource skipped during UpdateRollback" in out, out
    assert out.endswith("Recovered: stack %s is UPDATE_ROLLBACK_COMPLETE; skipped: ViewersFunction\n"
                        "Next: `ivsvc deploy` to update the stack again\n" % STACK), out
    assert st["status"] == "UPDATE_ROLLBACK_COMPLETE", st


@case
def the_table_is_never_skipped():
    with CfnSim("stuck-table") as sim:
        r = ivsvc(sim, ["recover", "--yes"])
        assert calls(sim, "ContinueUpdateRollback") == []
    assert r.returncode == 1, r
    assert r.stdout == "", r.stdout
    lines = r.stderr.splitlines()
    assert lines[0].startswith("ivsvc: recover: ViewersTable (AWS::DynamoDB::Table) failed to roll "
                               "back: Resource handler returned message:"), lines
    assert lines[1] == (
        "ivsvc: recover: ivsvc never skips ViewersTable: it holds the viewer-count history, and a "
        "skipped resource stays as the failed update left it. Nothing was changed. Fix the cause "
        "above (a setting changed by hand, a quota, a permission), then run `ivsvc recover "
        "--stack-name %s` again. To skip it anyway, export the history first (`ivsvc history "
        "--all --format csv > history.csv`), then `aws cloudformation continue-update-rollback "
        "--stack-name %s --resources-to-skip ViewersTable`" % (STACK, STACK)), lines
    assert len(lines) == 2, lines


@case
def other_states_are_refused_before_calling():
    with CfnSim("delete-ok") as sim:   # CREATE_COMPLETE
        r = ivsvc(sim, ["recover", "--yes"])
        assert calls(sim, "ContinueUpdateRollback") == []
        assert r.returncode == 1, r
        assert r.stderr == ("ivsvc: recover: stack %s is CREATE_COMPLETE: nothing to recover (only "
                            "UPDATE_ROLLBACK_FAILED is)\n" % STACK), r.stderr
        import boto3   # CloudFormation (the sim, as AWS) refuses too
        cfn = boto3.client("cloudformation", endpoint_url=sim.url, region_name="us-east-1",
                           aws_access_key_id=ivstest.TEST_KEY_ID,
                           aws_secret_access_key=ivstest.TEST_SECRET)
        try:
            cfn.continue_update_rollback(StackName=STACK)
            raise AssertionError("ContinueUpdateRollback on CREATE_COMPLETE was accepted")
        except cfn.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "ValidationError", e.response
    with CfnSim("rollback-complete-existing") as sim:
        r = ivsvc(sim, ["recover", "--yes"])
        assert r.returncode == 1 and r.stderr == (
            "ivsvc: recover: stack %s is ROLLBACK_COMPLETE (its first create failed): `ivsvc "
            "deploy` deletes and creates it again\n" % STACK), r.stderr
    with CfnSim("create-ok") as sim:
        r = ivsvc(sim, ["recover", "--yes"])
        assert r.returncode == 1 and r.stderr == (
            "ivsvc: recover: stack %s does not exist in us-east-1\n" % STACK), r.stderr


@case
def no_terminal_and_no_yes_is_refused():
    with CfnSim("stuck-function") as sim:
        r = ivsvc(sim, ["recover"])
        assert r.returncode == 3, r
        assert calls(sim, "ContinueUpdateRollback") == []


if __name__ == "__main__":
    ivstest.main()
