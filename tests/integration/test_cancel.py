#!/usr/bin/env python3
"""`ivsvc cancel` against the scripted CloudFormation (tests/sim/cfn_sim.py),
whose CancelUpdateStack is checked against botocore's model: an update in
progress is cancelled and its rollback followed to UPDATE_ROLLBACK_COMPLETE;
a failed rollback names the resource and the way out; states that cannot be
cancelled are refused before any CancelUpdateStack; no terminal and no --yes
is refused (exit 3).
"""
import re
import tempfile

import ivstest
from ivstest import case

ivstest.require_python_tools("boto3", "botocore")
from cfn_sim import CfnSim  # noqa: E402

WORK = tempfile.mkdtemp(prefix="ivsvc-cancel-")
STACK = "IvsViewersCount"


def ivsvc(sim, args):
    return ivstest.run_ivsvc_on_cfn_sim(sim, args, WORK)


@case
def cancel_follows_the_rollback():
    with CfnSim("in-progress", in_progress_steps=100000) as sim:
        r = ivsvc(sim, ["cancel", "--yes"])
        assert r.returncode == 0, r.stderr
        assert sim.actions().count("CancelUpdateStack") == 1, sim.actions()
        st = sim.stacks()
        out = r.stdout
    assert out.startswith("Cancelling the update of stack %s (Ctrl-C stops watching, not the "
                          "rollback)\n" % STACK), out
    statuses = [l.split()[1] for l in out.splitlines() if re.match(r"  \d\d:\d\d:\d\d  ", l)]
    assert statuses == ["UPDATE_FAILED", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_IN_PROGRESS",
                        "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
                        "UPDATE_ROLLBACK_COMPLETE"], out
    assert "Resource update cancelled" in out, out
    assert out.endswith("Cancelled: stack %s is back on its previous version "
                        "(UPDATE_ROLLBACK_COMPLETE)\n" % STACK), out
    assert "UPDATE_ROLLBACK_COMPLETE" in str(st), st


@case
def a_failed_rollback_names_the_cause_and_the_way_out():
    with CfnSim("cancel-rollback-fails", in_progress_steps=100000) as sim:
        r = ivsvc(sim, ["cancel", "--yes"])
        assert sim.actions().count("CancelUpdateStack") == 1, sim.actions()
    assert r.returncode == 1, r
    assert "UPDATE_ROLLBACK_FAILED" in r.stdout, r.stdout
    assert "ViewersFunction" in r.stderr and "cannot be assumed by Lambda" in r.stderr, r.stderr
    assert r.stderr.rstrip().endswith(
        "ivsvc: cancel: the rollback of stack %s failed (UPDATE_ROLLBACK_FAILED): fix the cause "
        "above, then `aws cloudformation continue-update-rollback --stack-name %s`"
        % (STACK, STACK)), r.stderr


@case
def nothing_to_cancel_is_refused_before_calling():
    with CfnSim("delete-ok") as sim:   # a settled CREATE_COMPLETE stack
        r = ivsvc(sim, ["cancel", "--yes"])
        assert r.returncode == 1, r
        assert r.stderr == ("ivsvc: cancel: stack %s is CREATE_COMPLETE: no update is in "
                            "progress, nothing to cancel\n" % STACK), r.stderr
        assert "CancelUpdateStack" not in sim.actions()
        # CloudFormation itself (the simulator, as AWS) refuses too
        import boto3
        cfn = boto3.client("cloudformation", endpoint_url=sim.url, region_name="us-east-1",
                           aws_access_key_id=ivstest.TEST_KEY_ID,
                           aws_secret_access_key=ivstest.TEST_SECRET)
        try:
            cfn.cancel_update_stack(StackName=STACK)
            raise AssertionError("CancelUpdateStack on CREATE_COMPLETE was accepted")
        except cfn.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "ValidationError", e.response
            assert "cannot be called from current stack status" in str(e), e
    with CfnSim("create-ok") as sim:   # no stack at all
        r = ivsvc(sim, ["cancel", "--yes"])
        assert r.returncode == 1, r
        assert r.stderr == "ivsvc: cancel: stack %s does not exist in us-east-1\n" % STACK, r.stderr


@case
def no_terminal_and_no_yes_is_refused():
    with CfnSim("in-progress", in_progress_steps=100000) as sim:
        r = ivsvc(sim, ["cancel"])
        assert r.returncode == 3, r
        assert "CancelUpdateStack" not in sim.actions(), sim.actions()


if __name__ == "__main__":
    ivstest.main()
