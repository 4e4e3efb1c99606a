"""ivsvc deploy for scripts and CI, against moto_server: --json lines, the
--outputs-file (cdk's shape, atomic), --prepare / --execute NAME (and its
refusal once the stack moved on), and --verify wait (the next scheduled
run's tick read from the function's log group). Every result is checked
with boto3, never with ivsvc.
"""
import json
import os
import tempfile
import threading
import time

import ivstest
from ivstest import boto_client, case, clean_env, run_ivsvc

STACK = "IvsViewersCount"
moto = None
WORK = tempfile.mkdtemp(prefix="ivsvc-json-")


ZIP = os.path.join(ivstest.BUILD_DIR, "function.zip")  # the real package: deploy checks it


def workdir(config=None):
    return ivstest.workdir(WORK, config)


def ivsvc(args, cwd=None, extra=None):
    env = clean_env(endpoint=moto.url, extra=dict({"IVSVC_POLL_MS": "50"}, **(extra or {})))
    r = run_ivsvc(args, env=env, cwd=cwd or workdir())
    print("$ ivsvc %s -> %d\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r


def client(svc):
    return boto_client(svc, moto.url)


def stack_outputs():
    """The outputs as ivsvc reports them: the stack's, else (moto) its resources' names."""
    cfn = client("cloudformation")
    st = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
    outs = {o["OutputKey"]: o["OutputValue"] for o in st.get("Outputs", [])}
    if outs:
        return outs
    names = {"AWS::DynamoDB::Table": "TableName", "AWS::Lambda::Function": "FunctionName",
             "AWS::Events::Rule": "RuleName", "AWS::Logs::LogGroup": "LogGroupName"}
    for r in cfn.describe_stack_resources(StackName=STACK)["StackResources"]:
        if r.get("ResourceType") in names and r.get("PhysicalResourceId"):
            outs.setdefault(names[r["ResourceType"]], r["PhysicalResourceId"])
    return outs


def json_lines(stdout):
    lines = stdout.splitlines()
    assert lines, "no JSON lines"
    return [json.loads(l) for l in lines]   # every line is one JSON object


def memory():
    return client("lambda").get_function_configuration(FunctionName=STACK + "-viewers")["MemorySize"]


@case
def json_lines_and_outputs_file_on_create_and_no_change():
    moto.reset()
    d = workdir()
    out = os.path.join(d, "outputs.json")
    r = ivsvc(["deploy", "--yes", "--json", "--no-verify", "--outputs-file", out,
               "--handler-zip", ZIP], cwd=d)
    assert r.returncode == 0, r.stderr
    docs = json_lines(r.stdout)
    final = docs[-1]
    assert set(final) == {"stack", "changed", "status", "outputs", "verify"}, final
    outs = stack_outputs()
    assert final == {"stack": STACK, "changed": True, "status": "CREATE_COMPLETE",
                     "outputs": outs, "verify": None}, (final, outs)
    assert set(outs) >= {"TableName", "FunctionName"}, outs
    assert docs[0]["kind"] == "plan" and docs[0]["changeSetType"] == "CREATE", docs[0]
    assert all(d_.get("kind") in ("plan", "event") for d_ in docs[:-1]), docs
    # The human lines went to stderr.
    assert "Creating stack" in r.stderr and "Outputs:" in r.stderr, r.stderr
    with open(out) as f:
        text = f.read()
    # cdk's shape: JSON.stringify(doc, null, 2) and a newline, in the stack's output order
    assert text == json.dumps({STACK: final["outputs"]}, indent=2) + "\n", text
    assert json.loads(text) == {STACK: outs}, text
    assert sorted(os.listdir(d)) == ["outputs.json"], os.listdir(d)  # no temporary left
    # Nothing changed: still one final line, and the file written again.
    os.unlink(out)
    r = ivsvc(["deploy", "--yes", "--json", "--no-verify", "--outputs-file", out,
               "--handler-zip", ZIP], cwd=d)
    assert r.returncode == 0, r.stderr
    docs = json_lines(r.stdout)
    assert docs == [{"stack": STACK, "changed": False, "status": "CREATE_COMPLETE",
                     "outputs": outs, "verify": None}], docs
    with open(out) as f:
        assert f.read() == text


@case
def outputs_file_that_cannot_be_written_fails():
    moto.reset()
    r = ivsvc(["deploy", "--yes", "--no-verify", "--outputs-file", "/nonexistent-dir/o.json",
               "--handler-zip", ZIP])
    assert r.returncode == 1, r.returncode
    assert "could not write the outputs file /nonexistent-dir/o.json" in r.stderr, r.stderr


@case
def prepare_then_execute_runs_exactly_that_change_set():
    moto.reset()
    assert ivsvc(["deploy", "--yes", "--no-verify", "--handler-zip", ZIP]).returncode == 0
    d = workdir("memory: 512\n")
    r = ivsvc(["deploy", "--prepare", "--json", "--handler-zip", ZIP], cwd=d)
    assert r.returncode == 0, r.stderr
    docs = json_lines(r.stdout)
    last = docs[-1]
    assert last["kind"] == "changeSet" and last["stack"] == STACK, last
    assert last["changeSetType"] == "UPDATE", last
    name = last["changeSet"]
    assert "ivsvc deploy --execute %s" % name in r.stderr, r.stderr
    assert memory() == 256, memory()             # nothing executed
    cs = client("cloudformation").describe_change_set(StackName=STACK, ChangeSetName=name)
    assert cs["ExecutionStatus"] == "AVAILABLE", cs["ExecutionStatus"]
    # Executing it from a folder whose ivsvc.yaml says something else runs the prepared one.
    r = ivsvc(["deploy", "--execute", name, "--yes", "--no-verify", "--json",
               "--handler-zip", ZIP], cwd=workdir("memory: 1024\n"))
    assert r.returncode == 0, r.stderr
    final = json_lines(r.stdout)[-1]
    assert final["changed"] is True and final["status"] == "UPDATE_COMPLETE", final
    assert memory() == 512, memory()


@case
def execute_is_refused_once_the_stack_moved_on():
    moto.reset()
    assert ivsvc(["deploy", "--yes", "--no-verify", "--handler-zip", ZIP]).returncode == 0
    old = json_lines(ivsvc(["deploy", "--prepare", "--json", "--handler-zip", ZIP],
                           cwd=workdir("memory: 512\n")).stdout)[-1]["changeSet"]
    time.sleep(1.1)   # CloudFormation's times have seconds
    assert ivsvc(["deploy", "--yes", "--no-verify", "--handler-zip", ZIP],
                 cwd=workdir("memory: 1024\n")).returncode == 0
    assert memory() == 1024
    r = ivsvc(["deploy", "--execute", old, "--yes", "--no-verify", "--handler-zip", ZIP])
    assert r.returncode == 1, r.returncode
    errs = [l for l in r.stderr.splitlines() if l.startswith("ivsvc:")]
    assert len(errs) == 1 and ("change set %s not run" % old) in errs[0], r.stderr
    assert "ivsvc deploy --prepare" in errs[0], errs
    assert memory() == 1024, memory()
    r = ivsvc(["deploy", "--execute", "ivsvc-no-such-set", "--yes", "--no-verify",
               "--handler-zip", ZIP])
    assert r.returncode == 1 and "no such change set" in r.stderr, r.stderr


@case
def usage_errors():
    for args, text in ((["--prepare", "--execute", "x"], "one at a time"),
                       (["--verify", "later"], "--verify 'later'"),
                       (["--verify", "wait", "--no-verify"], "contradict")):
        r = ivsvc(["deploy"] + args)
        assert r.returncode == 2 and text in r.stderr, (args, r.stderr)


def put_tick_after_deploy(tick):
    """Writes a tick's result line into the function's log group once the stack is up."""
    def run():
        cfn, logs = client("cloudformation"), client("logs")
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE":
                    break
            except Exception:
                pass
            time.sleep(0.2)
        time.sleep(1.5)
        group = "/aws/lambda/%s-viewers" % STACK
        logs.create_log_stream(logGroupName=group, logStreamName="2026/11/28/[$LATEST]abc")
        now = int(time.time() * 1000)
        logs.put_log_events(logGroupName=group, logStreamName="2026/11/28/[$LATEST]abc", logEvents=[
            {"timestamp": now, "message": "START RequestId: 1 Version: $LATEST"},
            {"timestamp": now + 1, "message": json.dumps(tick)},
            {"timestamp": now + 2, "message": "REPORT RequestId: 1 Duration: 12.0 ms"}])
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


@case
def verify_wait_reads_the_next_scheduled_run():
    moto.reset()
    tick = {"channels": 2, "live": 1, "itemsWritten": 2, "metadataSent": 1, "retries": 0,
            "wentOffline": 0, "durationMs": 12, "errors": []}
    t = put_tick_after_deploy(tick)
    r = ivsvc(["deploy", "--yes", "--json", "--verify", "wait", "--handler-zip", ZIP],
              extra={"IVSVC_VERIFY_WAIT_S": "30", "IVSVC_POLL_MS": "200"})
    t.join(5)
    assert r.returncode == 0, r.stderr
    assert "Scheduled run of %s-viewers" % STACK in r.stderr and "Verified" in r.stderr, r.stderr
    v = json_lines(r.stdout)[-1]["verify"]
    assert v["mode"] == "wait" and v["ok"] is True and v["cause"] is None, v
    assert v["result"] == tick and v["functionName"] == STACK + "-viewers", v


@case
def verify_wait_times_out_with_a_cause():
    moto.reset()
    r = ivsvc(["deploy", "--yes", "--json", "--verify", "wait", "--handler-zip", ZIP],
              extra={"IVSVC_VERIFY_WAIT_S": "2", "IVSVC_POLL_MS": "200"})
    assert r.returncode == 1, r.returncode
    assert "no scheduled run was seen in time" in r.stderr, r.stderr
    final = json_lines(r.stdout)[-1]
    assert final["status"] == "CREATE_COMPLETE" and final["changed"] is True, final
    assert final["verify"]["ok"] is False and final["verify"]["mode"] == "wait", final


if __name__ == "__main__":
    ivstest.require_python_tools("boto3", "moto")
    with ivstest.MotoServer() as m:
        moto = m
        ivstest.main()
