"""Which changes need a yes (--require-approval never|broadening|any-change),
the guard on the table's history (--allow-data-loss), and `status --follow`.

Approval runs against moto_server; a change set that removes the table, and
operations in progress, against the scripted CloudFormation (tests/sim/cfn_sim.py)
with STS and S3 on moto. No terminal: every prompt that would be needed is a
refusal (exit 3) with one line saying which flag allows it.
"""
import json
import os
import tempfile

import boto3

import ivstest
from ivstest import boto_client, case, clean_env, run_ivsvc

from cfn_sim import CfnSim  # noqa: E402

STACK = "IvsViewersCount"
moto = None
WORK = tempfile.mkdtemp(prefix="ivsvc-approval-")
ZIP = os.path.join(ivstest.BUILD_DIR, "function.zip")


def workdir(config=None):
    return ivstest.workdir(WORK, config)


def ivsvc(args, cwd=None, sim=None):
    extra = {"IVSVC_POLL_MS": "20"}
    if sim:
        extra["AWS_ENDPOINT_URL_CLOUDFORMATION"] = sim.url
    if args[0] == "deploy":
        args = args + ["--no-verify", "--handler-zip", ZIP]
    r = run_ivsvc(args, env=clean_env(endpoint=moto.url, extra=extra), cwd=cwd or workdir())
    print("$ ivsvc %s -> %d\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r


def memory():
    return boto_client("lambda", moto.url).get_function_configuration(
        FunctionName=STACK + "-viewers")["MemorySize"]


def error_lines(r):
    return [l for l in r.stderr.splitlines() if l.startswith("ivsvc:")]


@case
def default_and_any_change_refuse_without_a_terminal():
    moto.reset()
    for extra in ([], ["--require-approval", "any-change"]):
        r = ivsvc(["deploy"] + extra)
        assert r.returncode == 3, r.returncode
        assert "no terminal to ask on, so pass --yes" in r.stderr, r.stderr
        assert boto_client("cloudformation", moto.url).list_stacks()["StackSummaries"] == [] or all(
            s["StackStatus"] in ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS") for s in
            boto_client("cloudformation", moto.url).list_stacks()["StackSummaries"])


@case
def broadening_asks_for_a_new_role_not_for_memory():
    moto.reset()
    r = ivsvc(["deploy", "--require-approval", "broadening"])
    assert r.returncode == 3, r.returncode
    assert "Needs approval: Add FunctionRole (AWS::IAM::Role) may widen access" in r.stderr, r.stderr
    assert ivsvc(["deploy", "--require-approval", "never"]).returncode == 0
    r = ivsvc(["deploy", "--require-approval", "broadening"], cwd=workdir("memory: 512\n"))
    assert r.returncode == 0, r.stderr
    assert "No approval needed (--require-approval broadening" in r.stderr, r.stderr
    assert memory() == 512
    r = ivsvc(["deploy", "--require-approval", "sometimes"])
    assert r.returncode == 2 and "never, broadening, any-change" in r.stderr, r.stderr


def template_without_the_table():
    """templates/stack.yaml with the table under another logical id: Remove + Add."""
    with open(os.path.join(ivstest.SOURCE_DIR, "templates", "stack.yaml")) as f:
        body = f.read()
    path = os.path.join(WORK, "renamed-table.yaml")
    with open(path, "w") as f:
        f.write(body.replace("ViewersTable", "HistoryTable"))
    return path


def sim_change_sets(sim):
    return {k: v for s in sim.stacks() if not s["deleted"] for k, v in s["change_sets"].items()}


@case
def removing_the_table_is_refused_even_with_yes():
    tpl = template_without_the_table()
    with CfnSim("delete-ok") as sim:
        r = ivsvc(["deploy", "--yes", "--template", tpl], sim=sim)
        assert r.returncode == 3, r.returncode
        errs = error_lines(r)
        assert len(errs) == 1 and "--allow-data-loss" in errs[0], r.stderr
        assert "deletes the table ViewersTable" in errs[0], errs
        assert "ExecuteChangeSet" not in sim.actions(), sim.actions()
        assert sim_change_sets(sim) == {}, sim.stacks()      # the change set was deleted
        r = ivsvc(["deploy", "--require-approval", "never", "--template", tpl], sim=sim)
        assert r.returncode == 3 and "--allow-data-loss" in r.stderr, r.stderr
        r = ivsvc(["deploy", "--yes", "--allow-data-loss", "--json", "--template", tpl], sim=sim)
        assert r.returncode == 0, r.stderr
        assert "ExecuteChangeSet" in sim.actions()
        final = json.loads(r.stdout.splitlines()[-1])
        assert final["changed"] is True and final["status"] == "UPDATE_COMPLETE", final


@case
def removing_the_table_on_a_terminal_needs_the_stack_name_typed():
    """At a terminal --yes does not answer the data-loss question: a wrong name
    refuses (and deletes the change set), the stack's name goes on."""
    tpl = template_without_the_table()
    with CfnSim("delete-ok") as sim:
        env = clean_env(endpoint=moto.url, extra={"IVSVC_POLL_MS": "20",
                                                  "AWS_ENDPOINT_URL_CLOUDFORMATION": sim.url})
        args = ["deploy", "--yes", "--no-verify", "--handler-zip", ZIP, "--template", tpl]
        r = ivstest.run_ivsvc_on_terminal(args, env, "ivsviewerscount\n", cwd=workdir())
        print(r.stdout, r.stderr)
        assert r.returncode == 3, (r.returncode, r.stderr)
        assert "Type the stack's name (%s) to go on: " % STACK in r.stderr, r.stderr
        # (the prompt's line ends with what the terminal echoes, not in stderr)
        assert r.stderr.count("ivsvc: ") == 1, r.stderr
        assert "ivsvc: not deployed: the name typed is not %s\n" % STACK in r.stderr, r.stderr
        assert "ExecuteChangeSet" not in sim.actions(), sim.actions()
        assert sim_change_sets(sim) == {}, sim.stacks()
        r = ivstest.run_ivsvc_on_terminal(args, env, STACK + "\n", cwd=workdir())
        print(r.stdout, r.stderr)
        assert r.returncode == 0, (r.returncode, r.stderr)
        assert "ExecuteChangeSet" in sim.actions(), sim.actions()


@case
def status_follow_reattaches_until_the_update_completes():
    with CfnSim("in-progress", in_progress_steps=6) as sim:
        r = ivsvc(["status", "--follow"], sim=sim)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert lines[0].startswith("Stack %s is UPDATE_IN_PROGRESS: following it" % STACK), lines
        assert any("UPDATE_IN_PROGRESS" in l and "AWS::CloudFormation::Stack" in l for l in lines), lines
        assert "Stack %s: UPDATE_COMPLETE" % STACK in lines, lines
        assert "ExecuteChangeSet" not in sim.actions()


@case
def status_follow_exits_1_when_the_rollback_fails():
    with CfnSim("cancel-rollback-fails", in_progress_steps=50) as sim:
        cfn = boto3.client("cloudformation", endpoint_url=sim.url, region_name="us-east-1",
                           aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x")
        cfn.cancel_update_stack(StackName=STACK)
        r = ivsvc(["status", "--follow"], sim=sim)
        assert r.returncode == 1, r.returncode
        assert "the operation of stack %s failed: it ended in UPDATE_ROLLBACK_FAILED" % STACK \
            in r.stderr, r.stderr


@case
def status_follow_with_nothing_in_progress_prints_the_status():
    with CfnSim("delete-ok") as sim:
        r = ivsvc(["status", "--follow"], sim=sim)
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines()[0] == "Nothing in progress on stack %s (CREATE_COMPLETE)." % STACK
        assert any(l.startswith("Stack     %s  CREATE_COMPLETE" % STACK) for l in r.stdout.splitlines())


if __name__ == "__main__":
    ivstest.require_python_tools("boto3", "moto", "botocore")
    with ivstest.MotoServer() as m:
        moto = m
        ivstest.main()
