#!/usr/bin/env python3
"""`ivsvc invoke` and deploy's proof that the new version runs.

The stack is deployed to moto (CloudFormation, S3, DynamoDB, Lambda's
configuration); Invoke goes to tests/sim/lambda_invoke.py, which runs the
real package (build/function.zip) through the Runtime API harness with the
function's own environment from moto, against moto's DynamoDB and the IVS
simulator. Asserts the printed summary and the --json document against the
simulator's channels, the items the tick wrote (boto3 scan), the request
shape (checked against botocore's model by the stand-in), and each failure's
cause and exit status.
"""
import contextlib
import io
import json
import os
import tempfile
import zipfile

import ivstest
from ivstest import boto_client, case, clean_env, run_ivsvc

ivstest.require_python_tools("boto3", "moto", "botocore")
from fault_proxy import FaultProxy  # noqa: E402
from ivs_sim import IvsSim  # noqa: E402
from lambda_invoke import LambdaInvokeSim  # noqa: E402

ZIP = os.path.join(ivstest.BUILD_DIR, "function.zip")
WORK = tempfile.mkdtemp(prefix="ivsvc-invoke-")
MINUTE = "2026-11-24T18:07:00Z"
MINUTE_MS = 1795543620000
DENIED = ("User: arn:aws:sts::123456789012:assumed-role/IvsViewersCount-FunctionRole/fn "
          "is not authorized to perform: ivs:ListChannels on resource: "
          "arn:aws:ivs:us-east-1:123456789012:channel/*")

_env = {}


def env():
    if not _env:
        moto = ivstest.MotoServer().__enter__()
        sim = IvsSim().start()
        _env.update(moto=moto, sim=sim)
    return _env


def close_env():
    if _env:
        _env["sim"].stop()
        _env["moto"].__exit__(None, None, None)


def lam_for(zip_path=ZIP, ivs_url=None):
    e = env()
    return LambdaInvokeSim(zip_path, moto_url=e["moto"].url, own_bootstrap=zip_path != ZIP,
                           extra_env={"AWS_ENDPOINT_URL_DYNAMODB": e["moto"].url,
                                      "AWS_ENDPOINT_URL_IVS": ivs_url or e["sim"].url})


@contextlib.contextmanager
def denied_ivs():
    """A stand-in whose function gets AccessDenied from every IVS call, as a
    role without the IVS permissions would."""
    e = env()
    e["sim"].reset()
    e["sim"].create_channels(1, live=1)
    with FaultProxy(e["sim"].url, throttle=1.0, throttle_status=403,
                    throttle_code="AccessDeniedException", throttle_message=DENIED) as proxy:
        with lam_for(ivs_url=proxy.url) as lam:
            yield lam


def ivsvc(args, lam):
    cli_env = clean_env(endpoint=env()["moto"].url,
                        extra={"AWS_ENDPOINT_URL_LAMBDA": lam.url, "IVSVC_POLL_MS": "50"})
    r = run_ivsvc(args, env=cli_env, cwd=WORK, timeout=300)
    print("$ ivsvc %s -> %d\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r


def deploy(lam, stack, zip_path=ZIP, verify=False):
    args = ["deploy", "--yes", "--handler-zip", zip_path, "--stack-name", stack]
    return ivsvc(args if verify else args + ["--no-verify"], lam)


def table_of(stack):
    cfn = boto_client("cloudformation", env()["moto"].url)
    res = {x.get("LogicalResourceId"): x.get("PhysicalResourceId")
           for x in cfn.describe_stack_resources(StackName=stack)["StackResources"]}
    return res["ViewersTable"], res["ViewersFunction"]


def items_at(table, minute_ms):
    ddb = boto_client("dynamodb", env()["moto"].url)
    out = {}
    for it in ddb.scan(TableName=table)["Items"]:
        if int(it["time"]["N"]) == minute_ms:
            out[it["channel"]["S"]] = int(it["count"]["N"])
    return out


def checked_calls(lam, n):
    """The stand-in saw n well-formed Invokes with Lambda's headers."""
    assert lam.violations == [], lam.violations
    assert len(lam.calls) == n, lam.calls
    for c in lam.calls:
        h = {k.lower(): v for k, v in c["headers"].items()}
        assert h["x-amz-invocation-type"] == "RequestResponse", h
        assert h["x-amz-log-type"] == "Tail", h
        ev = c["event"]
        assert ev["source"] == "aws.events" and ev["detail-type"] == "Scheduled Event", ev
        assert ev["account"] == "123456789012" and ev["region"] == "us-east-1", ev
        assert len(ev["resources"]) == 1 and ":rule/" in ev["resources"][0], ev
    return lam.calls


@case
def invoke_prints_the_tick_and_log_tail():
    sim = env()["sim"]
    sim.reset()
    chans = sim.create_channels(3, live=2, seed=7)
    with lam_for() as lam:
        assert deploy(lam, "InvokeText").returncode == 0
        table, fn = table_of("InvokeText")
        r = ivsvc(["invoke", "--stack-name", "InvokeText", "--minute", "2026-11-24T18:07:42Z"],
                  lam)
        assert r.returncode == 0, r.stderr
        calls = checked_calls(lam, 1)
    assert calls[0]["function"] == fn and calls[0]["event"]["time"] == MINUTE, calls[0]
    lines = r.stdout.splitlines()
    assert lines[0] == "Invoked %s ($LATEST) for %s" % (fn, MINUTE), lines
    assert lines[1].startswith("  channels 3  live 2  items written 3  metadata sent 2  "
                               "retries 0  went offline 0  ("), lines
    assert lines[2] == "Log tail:", lines
    assert lines[3].startswith("  START RequestId: ") and lines[-1].startswith("  REPORT RequestId: ")
    tick_lines = [l for l in lines if '"metadataSent":2' in l]
    assert len(tick_lines) == 1, lines  # the handler's JSON log line, in the tail
    want = {c["arn"]: c["viewers"] if c["live"] else 0 for c in chans}
    assert items_at(table, MINUTE_MS) == want


@case
def invoke_json_is_one_document():
    sim = env()["sim"]
    sim.reset()
    sim.create_channels(2, live=1, seed=8)
    with lam_for() as lam:
        assert deploy(lam, "InvokeJson").returncode == 0
        _, fn = table_of("InvokeJson")
        r = ivsvc(["invoke", "--stack-name", "InvokeJson", "--minute", MINUTE, "--json"], lam)
        assert r.returncode == 0, r.stderr
        checked_calls(lam, 1)
    doc = json.loads(r.stdout)
    assert sorted(doc) == ["executedVersion", "functionError", "functionName", "logTail", "minute",
                           "result"], doc
    assert doc["functionName"] == fn and doc["minute"] == MINUTE and doc["functionError"] is None
    res = doc["result"]
    assert (res["minute"], res["channels"], res["live"], res["itemsWritten"], res["metadataSent"],
            res["errors"]) == (MINUTE, 2, 1, 2, 1, []), res
    assert doc["logTail"].startswith("START RequestId: ") and "REPORT RequestId: " in doc["logTail"]


@case
def invoke_function_error_exits_1():
    with denied_ivs() as lam:
        assert deploy(lam, "InvokeDenied").returncode == 0
        r = ivsvc(["invoke", "--stack-name", "InvokeDenied", "--json"], lam)
        checked_calls(lam, 1)
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert doc["functionError"] == "Unhandled", doc
    assert doc["result"]["errorType"] == "AccessDeniedException", doc
    assert "ivs:ListChannels" in doc["result"]["errorMessage"], doc


@case
def invoke_refusals():
    with lam_for() as lam:
        r = ivsvc(["invoke", "--stack-name", "NoSuchStack"], lam)
        assert r.returncode == 1 and r.stdout == "", r
        assert r.stderr == ("ivsvc: stack NoSuchStack does not exist in us-east-1; create it "
                            "with `ivsvc deploy`\n"), r.stderr
        r = ivsvc(["invoke", "--minute", "yesterday"], lam)
        assert r.returncode == 2, r
        assert "--minute 'yesterday' is not a time" in r.stderr, r.stderr
        assert lam.calls == []


@case
def deploy_verifies_the_new_version():
    sim = env()["sim"]
    sim.reset()
    sim.create_channels(4, live=3, seed=9)
    with lam_for() as lam:
        r = deploy(lam, "VerifyOk", verify=True)
        assert r.returncode == 0, r.stderr
        checked_calls(lam, 1)
    out = r.stdout
    assert "Verifying: invoking the function once (--no-verify skips this)\n" in out, out
    assert "  channels 4  live 3  items written 4  metadata sent 3  " in out, out
    assert out.endswith("Verified: the new version runs.\n"), out


@case
def deploy_verify_names_ivs_denied():
    with denied_ivs() as lam:
        r = deploy(lam, "VerifyDenied", verify=True)
        checked_calls(lam, 1)
    assert r.returncode == 1, r
    assert "the function failed (Unhandled): AccessDeniedException: " in r.stdout, r.stdout
    assert r.stderr.endswith("ivsvc: deploy: the stack is deployed but the function does not "
                             "work: the role cannot call IVS: check the stack's FunctionRole "
                             "policy (ivs:ListChannels, ListStreams, PutMetadata)\n"), r.stderr


@case
def deploy_verify_names_a_missing_table():
    e = env()
    e["sim"].reset()
    e["sim"].create_channels(2, live=1)
    gone = "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    with FaultProxy(e["moto"].url, throttle=1.0, throttle_status=400, throttle_code=gone,
                    throttle_message="Requested resource not found") as proxy:
        with LambdaInvokeSim(ZIP, moto_url=e["moto"].url,
                             extra_env={"AWS_ENDPOINT_URL_DYNAMODB": proxy.url,
                                        "AWS_ENDPOINT_URL_IVS": e["sim"].url}) as lam:
            r = deploy(lam, "VerifyNoTable", verify=True)
            checked_calls(lam, 1)
    assert r.returncode == 1, r
    assert "function does not work: the table is missing" in r.stderr, r.stderr


@case
def deploy_verify_names_a_package_that_cannot_start():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        z.writestr(info, "#!/bin/sh\necho 'cannot load libcurl.so.4' >&2\nexit 127\n")
    bad = os.path.join(WORK, "bad.zip")
    with open(bad, "wb") as f:
        f.write(buf.getvalue())
    with lam_for(zip_path=bad) as lam:
        r = deploy(lam, "VerifyBroken", zip_path=bad, verify=True)
        calls = checked_calls(lam, 1)
    assert r.returncode == 1, (r, calls[0]["log"])
    assert "the function failed (Unhandled): Runtime.ExitError: " in r.stdout, r.stdout
    assert "  cannot load libcurl.so.4\n" in r.stdout, r.stdout  # the log tail
    assert "function does not work: the package cannot start" in r.stderr, r.stderr


@case
def no_verify_makes_no_call():
    with lam_for() as lam:
        r = deploy(lam, "NoVerify")
        assert r.returncode == 0, r.stderr
        assert lam.calls == [] and "Verifying" not in r.stdout, r.stdout


if __name__ == "__main__":
    try:
        ivstest.main()
    finally:
        close_env()
