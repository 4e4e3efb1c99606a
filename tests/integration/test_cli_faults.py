"""ivsvc deploy / status / destroy when the network or an API fails, and on bad input.

What the user must get every time: one clear line naming what failed (the
service, host or setting), a non-zero exit status, and nothing half-made left
behind without being told the stack's state and the next command.

- network gone: every endpoint at a closed loopback port;
- S3 gone mid-deploy: CloudFormation and STS on moto, S3 at a closed port;
- the asset upload cut: tests/sim/fault_proxy.py in front of moto for S3 only;
- CloudFormation failing or throttling: the proxy in front of moto for
  CloudFormation only;
- odd input: stack names, ivsvc.yaml types and ranges, tags.

Results are checked with boto3 against moto, never with ivsvc.
"""
import hashlib
import io
import os
import socket
import tempfile
import threading
import time
import zipfile
from urllib.parse import parse_qs

import ivstest
from ivstest import boto_client, case, clean_env, run_ivsvc

import fault_proxy  # noqa: E402

ACCOUNT = "123456789012"
STACK = "IvsViewersCount"
BUCKET = "ivsvc-assets-%s-us-east-1" % ACCOUNT
THROTTLING_XML = ("<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                  "<Message>Rate exceeded</Message></Error></ErrorResponse>")

moto = None
WORK = tempfile.mkdtemp(prefix="ivsvc-faults-")


def package(name="handler.zip", size=256 * 1024):
    """A handler zip big enough that a cut upload is really cut; (path, bytes, sha256)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("bootstrap", b"#!/bin/sh\necho hello\n")
        z.writestr("payload.bin", os.urandom(size))
    data = buf.getvalue()
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(data)
    return path, data, hashlib.sha256(data).hexdigest()


ZIP, ZIP_BYTES, ZIP_SHA = package()
KEY = "ivsvc/%s.zip" % ZIP_SHA
OBJECT_PATH = "/%s/%s" % (BUCKET, KEY)


class ClosedPort:
    """A loopback port bound but never listening: every connect is refused,
    and no other process can take the port while the test runs."""

    def __enter__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        return self

    def __exit__(self, *exc):
        self.sock.close()
        return False


# fault_proxy names an operation by X-Amz-Target or by path. CloudFormation's
# query protocol sends every operation as POST / with Action=... in the body,
# and S3 uses one path for HeadObject and PutObject; its errors are XML, not
# the JSON the proxy writes. AwsProxy keeps the proxy's forwarding and fault
# draws and only names operations better ("ExecuteChangeSet", "PUT /b/k") and
# answers query requests' faults in the query protocol's XML.
_request = threading.local()
_parse_head, _read_body = fault_proxy.parse_head, fault_proxy.read_body


def _note_head(head):
    start, headers = _parse_head(head)
    if start and not start[0].startswith("HTTP/"):
        _request.method = start[0]
    return start, headers


def _note_body(conn, headers, no_body=False):
    body, to_close = _read_body(conn, headers, no_body)
    _request.body = body or b""
    return body, to_close


fault_proxy.parse_head, fault_proxy.read_body = _note_head, _note_body


class AwsProxy(fault_proxy.FaultProxy):
    def _decide(self, op, path):
        # Called after the request's head and body were read, before anything
        # of the answer: _request holds this request's method and body.
        if op == path:
            action = parse_qs(_request.body.decode("latin-1")).get("Action")
            query = getattr(fault_proxy._current, "query", "")  # S3's ?tagging is another op
            op = action[0] if action else "%s %s%s" % (_request.method, path, "?" + query if query else "")
        return super()._decide(op, path)

    def _send_error(self, client, kind, req_headers):
        if b"Action=" not in _request.body:
            return super()._send_error(client, kind, req_headers)
        f = self.faults
        if kind == "throttle":
            status, code, msg = f.throttle_status, f.throttle_code, f.throttle_message
            kind_ = "Sender"
        else:
            status, code, msg = f.error500_status, f.error500_code, f.error500_message
            kind_ = "Receiver"
        body = ("<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message>"
                "</Error><RequestId>%s</RequestId></ErrorResponse>"
                % (kind_, code, msg, "00000000-0000-0000-0000-000000000000")).encode()
        client.send(b"HTTP/1.1 %d Error\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
                    % (status, len(body)) + body)

    def count(self, op, key="requests"):
        return self.stats()["by_target"].get(op, {}).get(key, 0)


def workdir(config=None):
    return ivstest.workdir(WORK, config)


def fast_env(endpoint=None, attempts=2, **endpoints):
    """Test credentials, every endpoint at `endpoint` (moto unless given),
    AWS_ENDPOINT_URL_<SERVICE> for each keyword, quick retries and polls."""
    extra = {"AWS_MAX_ATTEMPTS": str(attempts), "IVSVC_RETRY_BASE_MS": "5", "IVSVC_POLL_MS": "50"}
    for svc, url in endpoints.items():
        extra["AWS_ENDPOINT_URL_" + svc.upper()] = url
    return clean_env(endpoint=endpoint or moto.url, extra=extra)


def ivsvc(args, env, cwd=None, timeout=120):
    t0 = time.time()
    r = run_ivsvc(args, env=env, cwd=cwd or workdir(), timeout=timeout)
    r.seconds = time.time() - t0
    print("$ ivsvc %s -> %d (%.1fs)\n%s%s" % (" ".join(args), r.returncode, r.seconds, r.stdout,
                                              r.stderr))
    return r


def deploy(env, cwd=None, extra=()):
    return ivsvc(["deploy", "--yes", "--no-verify", "--handler-zip", ZIP] + list(extra), env, cwd=cwd)


def client(svc):
    return boto_client(svc, moto.url)


def live_stacks():
    """Every stack moto holds that is not deleted: name -> status."""
    out = {}
    for s in client("cloudformation").list_stacks()["StackSummaries"]:
        if s["StackStatus"] != "DELETE_COMPLETE":
            out[s["StackName"]] = s["StackStatus"]
    return out


def pending_change_sets(stack=STACK):
    cfn = client("cloudformation")
    try:
        summaries = cfn.list_change_sets(StackName=stack)["Summaries"]
    except cfn.exceptions.ClientError:
        return []  # no such stack: no change sets either
    return [s["ChangeSetName"] for s in summaries if s.get("ExecutionStatus") != "EXECUTE_COMPLETE"]


def error_lines(r):
    return [l for l in r.stderr.splitlines() if l.strip()]


def one_line_error(r, *needles):
    """stderr is exactly one "ivsvc: ..." line holding every needle."""
    lines = error_lines(r)
    assert len(lines) == 1, "expected one error line, got:\n" + r.stderr
    assert lines[0].startswith("ivsvc: "), lines[0]
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


def s3_object():
    s3 = client("s3")
    try:
        return s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read()
    except s3.exceptions.ClientError:
        return None


def assert_deployed(r):
    assert r.returncode == 0, r.stderr
    assert live_stacks() == {STACK: "CREATE_COMPLETE"}, live_stacks()
    assert pending_change_sets() == [], pending_change_sets()
    data = s3_object()
    assert data is not None, "no package at s3://%s/%s" % (BUCKET, KEY)
    assert hashlib.sha256(data).hexdigest() == ZIP_SHA and data == ZIP_BYTES


def assert_nothing_left():
    assert live_stacks() == {}, "stacks left behind: %s" % live_stacks()
    assert pending_change_sets() == [], pending_change_sets()


# ---- 1. the network is gone ----

@case
def no_network_deploy_fails_fast_naming_the_host():
    with ClosedPort() as closed:
        env = fast_env(endpoint=closed.url)
        r = deploy(env)
        assert r.returncode == 1, r.returncode
        assert r.seconds < 15, r.seconds
        line = one_line_error(r, "127.0.0.1:%d" % closed.port)
        assert "STS" in line or "CloudFormation" in line, line
        assert "2 attempts" in line, line
        assert "Traceback" not in r.stderr and r.stdout.strip() == "", r.stdout


@case
def no_network_status_fails_fast_naming_the_host():
    with ClosedPort() as closed:
        r = ivsvc(["status"], fast_env(endpoint=closed.url))
        assert r.returncode == 1 and r.seconds < 15, (r.returncode, r.seconds)
        one_line_error(r, "CloudFormation", "127.0.0.1:%d" % closed.port)
        assert "does not exist" not in r.stderr + r.stdout


@case
def no_network_destroy_fails_without_claiming_success():
    with ClosedPort() as closed:
        r = ivsvc(["destroy", "--yes"], fast_env(endpoint=closed.url))
        assert r.returncode == 1 and r.seconds < 15, (r.returncode, r.seconds)
        one_line_error(r, "CloudFormation", "127.0.0.1:%d" % closed.port)
        out = (r.stdout + r.stderr).lower()
        assert "deleted" not in out and "nothing to do" not in out, out


@case
def no_network_with_default_attempts_is_still_bounded():
    # No AWS_MAX_ATTEMPTS: standard mode's 3 attempts with the real backoff.
    with ClosedPort() as closed:
        env = clean_env(endpoint=closed.url)
        r = ivsvc(["status"], env)
        assert r.returncode == 1 and r.seconds < 30, (r.returncode, r.seconds)
        one_line_error(r, "CloudFormation", "127.0.0.1:%d" % closed.port)


# ---- 2. S3 gone in the middle of a deploy ----

@case
def s3_unreachable_fails_naming_the_asset_bucket_and_leaves_nothing():
    moto.reset()
    with ClosedPort() as closed:
        r = deploy(fast_env(s3=closed.url))
        assert r.returncode == 1, r.returncode
        lines = [l for l in error_lines(r) if l.startswith("ivsvc: ")]
        assert len(lines) == 1, r.stderr
        assert "S3" in lines[0] and BUCKET in lines[0], lines[0]
        assert "127.0.0.1:%d" % closed.port in lines[0], lines[0]
        assert_nothing_left()
        assert "Nothing was deployed: stack %s was not created" % STACK in r.stderr, r.stderr
    r = deploy(fast_env())
    assert_deployed(r)


@case
def s3_unreachable_on_update_leaves_the_stack_as_it_was():
    moto.reset()
    assert_deployed(deploy(fast_env()))
    client("s3").delete_object(Bucket=BUCKET, Key=KEY)  # so the update must upload
    d = workdir("memory: 512\n")
    with ClosedPort() as closed:
        r = deploy(fast_env(s3=closed.url), cwd=d)
        assert r.returncode == 1, r.returncode
        assert any("S3" in l and BUCKET in l for l in error_lines(r)), r.stderr
        assert_told_state_and_next(r, "CREATE_COMPLETE")
    assert live_stacks() == {STACK: "CREATE_COMPLETE"}, live_stacks()
    assert pending_change_sets() == [], pending_change_sets()
    fn = client("lambda").get_function_configuration(FunctionName=STACK + "-viewers")
    assert fn["MemorySize"] == 256, fn["MemorySize"]
    r = deploy(fast_env(), cwd=d)
    assert r.returncode == 0, r.stderr
    fn = client("lambda").get_function_configuration(FunctionName=STACK + "-viewers")
    assert fn["MemorySize"] == 512, fn["MemorySize"]


# ---- 3. the asset upload is cut ----

def s3_proxy():
    return AwsProxy(moto.url)


@case
def dropped_uploads_are_retried_and_the_object_is_whole():
    for faults in (["drop"], ["drop", "drop"], ["drop_after"], ["drop", "drop_after"]):
        moto.reset()
        with s3_proxy() as p:
            p.set_faults(targets=["PUT " + OBJECT_PATH], sequence=faults)
            r = deploy(fast_env(attempts=3, s3=p.url))
            assert_deployed(r)
            assert p.count("PUT " + OBJECT_PATH) == len(faults) + 1, (faults, p.stats())
            assert p.count("PUT " + OBJECT_PATH, "injected") == len(faults), p.stats()


@case
def upload_dropped_every_time_fails_clearly_then_a_new_deploy_works():
    moto.reset()
    with s3_proxy() as p:
        p.set_faults(targets=["PUT " + OBJECT_PATH], drop=1.0)
        r = deploy(fast_env(attempts=3, s3=p.url))
        assert r.returncode == 1, r.returncode
        lines = [l for l in error_lines(r) if l.startswith("ivsvc: ")]
        assert len(lines) == 1, r.stderr
        assert "uploading the handler package" in lines[0] and BUCKET in lines[0], lines[0]
        assert "3 attempts" in lines[0], lines[0]
        assert p.count("PUT " + OBJECT_PATH) == 3, p.stats()
        assert_nothing_left()
        assert s3_object() is None
        p.set_faults()
        r = deploy(fast_env(s3=p.url))
        assert_deployed(r)
        assert "Uploaded handler package" in r.stdout, r.stdout


@case
def a_package_already_uploaded_is_not_sent_again():
    moto.reset()
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=ZIP_BYTES)
    before = s3.head_object(Bucket=BUCKET, Key=KEY)["LastModified"]
    with s3_proxy() as p:
        r = deploy(fast_env(s3=p.url))
        assert_deployed(r)
        assert "already uploaded" in r.stdout, r.stdout
        assert p.count("PUT " + OBJECT_PATH) == 0, p.stats()
        assert p.count("HEAD " + OBJECT_PATH) == 1, p.stats()
    assert s3.head_object(Bucket=BUCKET, Key=KEY)["LastModified"] == before


# ---- 4. CloudFormation fails in the middle of a deploy ----

def cfn_env(p, attempts=2):
    return fast_env(attempts=attempts, cloudformation=p.url)


@case
def create_change_set_failing_leaves_nothing():
    moto.reset()
    with AwsProxy(moto.url) as p:
        p.set_faults(targets=["CreateChangeSet"], error500=1.0)
        r = deploy(cfn_env(p))
        assert r.returncode == 1, r.returncode
        lines = [l for l in error_lines(r) if l.startswith("ivsvc: ")]
        assert len(lines) == 1 and "CreateChangeSet" in lines[0], r.stderr
        assert p.count("CreateChangeSet") == 2, p.stats()
        assert_nothing_left()
        p.set_faults()
        assert_deployed(deploy(cfn_env(p)))


def assert_told_state_and_next(r, state):
    """The user learns the stack's state and what to run next."""
    err = r.stderr
    assert state in err, "stack state %s not told:\n%s" % (state, err)
    assert "ivsvc deploy" in err or "ivsvc destroy" in err or "ivsvc status" in err, err


@case
def execute_failing_on_create_leaves_nothing_and_says_so():
    moto.reset()
    with AwsProxy(moto.url) as p:
        p.set_faults(targets=["ExecuteChangeSet"], error500=1.0)
        r = deploy(cfn_env(p))
        assert r.returncode == 1, r.returncode
        lines = [l for l in error_lines(r) if l.startswith("ivsvc: ")]
        assert lines and "ExecuteChangeSet" in lines[0], r.stderr
        assert p.count("ExecuteChangeSet") == 2, p.stats()
        assert_nothing_left()
        assert "Nothing was deployed: stack %s was not created" % STACK in r.stderr, r.stderr
        assert "run `ivsvc deploy` again" in r.stderr, r.stderr
        p.set_faults()
        assert_deployed(deploy(cfn_env(p)))


@case
def execute_failing_on_update_keeps_the_old_stack_and_says_so():
    moto.reset()
    assert_deployed(deploy(fast_env()))
    d = workdir("memory: 512\n")
    with AwsProxy(moto.url) as p:
        p.set_faults(targets=["ExecuteChangeSet"], error500=1.0)
        r = deploy(cfn_env(p), cwd=d)
        assert r.returncode == 1, r.returncode
        assert live_stacks() == {STACK: "CREATE_COMPLETE"}, live_stacks()
        assert pending_change_sets() == [], pending_change_sets()
        assert_told_state_and_next(r, "CREATE_COMPLETE")
        fn = client("lambda").get_function_configuration(FunctionName=STACK + "-viewers")
        assert fn["MemorySize"] == 256, fn["MemorySize"]


@case
def unreadable_events_before_execute_change_nothing():
    # Following starts after the stack's newest event; if that cannot be read,
    # the deploy must not execute (it would show old events as its own).
    moto.reset()
    assert_deployed(deploy(fast_env()))
    d = workdir("memory: 512\n")
    with AwsProxy(moto.url) as p:
        p.set_faults(targets=["DescribeStackEvents"], error500=1.0)
        r = deploy(cfn_env(p), cwd=d)
        assert r.returncode == 1, (r.returncode, r.stderr)
        lines = [l for l in error_lines(r) if l.startswith("ivsvc: ")]
        assert lines and "reading the events" in lines[0], r.stderr
        assert p.count("ExecuteChangeSet") == 0, p.stats()
        assert live_stacks() == {STACK: "CREATE_COMPLETE"}, live_stacks()
        assert pending_change_sets() == [], pending_change_sets()
        fn = client("lambda").get_function_configuration(FunctionName=STACK + "-viewers")
        assert fn["MemorySize"] == 256, fn["MemorySize"]
        p.set_faults()
        r = deploy(cfn_env(p), cwd=d)
        assert r.returncode == 0, r.stderr


@case
def execute_answer_lost_does_not_hide_a_created_stack():
    # ExecuteChangeSet reaches CloudFormation, every answer is lost: the stack
    # was created, and the user must hear so rather than "failed" alone.
    moto.reset()
    with AwsProxy(moto.url) as p:
        p.set_faults(targets=["ExecuteChangeSet"], drop_after=1.0)
        r = deploy(cfn_env(p))
        assert r.returncode == 1, r.returncode
        assert live_stacks() == {STACK: "CREATE_COMPLETE"}, live_stacks()
        assert_told_state_and_next(r, "CREATE_COMPLETE")
        assert "ran after all" in r.stderr and "ivsvc status" in r.stderr, r.stderr
        assert "Nothing was deployed" not in r.stderr, r.stderr
        p.set_faults()
        r = deploy(cfn_env(p))
        assert r.returncode == 0 and "no changes" in r.stdout, r.stdout


@case
def execute_answer_lost_on_update_says_it_ran():
    moto.reset()
    assert_deployed(deploy(fast_env()))
    d = workdir("memory: 512\n")
    with AwsProxy(moto.url) as p:
        p.set_faults(targets=["ExecuteChangeSet"], drop_after=1.0)
        r = deploy(cfn_env(p), cwd=d)
        assert r.returncode == 1, r.returncode
        assert live_stacks() == {STACK: "UPDATE_COMPLETE"}, live_stacks()
        assert_told_state_and_next(r, "UPDATE_COMPLETE")
        assert "ran after all" in r.stderr, r.stderr
    fn = client("lambda").get_function_configuration(FunctionName=STACK + "-viewers")
    assert fn["MemorySize"] == 512, fn["MemorySize"]


@case
def create_change_set_answer_lost_leaves_nothing():
    # The change set and its REVIEW_IN_PROGRESS stack exist, ivsvc never heard.
    # One attempt only: moto makes a second stack of the same name on a
    # retried CreateChangeSet, where AWS answers AlreadyExistsException.
    moto.reset()
    with AwsProxy(moto.url) as p:
        p.set_faults(targets=["CreateChangeSet"], drop_after=1.0)
        r = deploy(cfn_env(p, attempts=1))
        assert r.returncode == 1, r.returncode
        assert p.count("CreateChangeSet") == 1, p.stats()
        one_line_error(r, "creating the change set for " + STACK, "CreateChangeSet")
        assert_nothing_left()
        p.set_faults()
        assert_deployed(deploy(cfn_env(p)))


@case
def create_change_set_answer_lost_twice_is_recoverable():
    moto.reset()
    with AwsProxy(moto.url) as p:
        p.set_faults(targets=["CreateChangeSet"], drop_after=1.0)
        r = deploy(cfn_env(p, attempts=2))
        assert r.returncode == 1, r.returncode
        one_line_error(r, "CreateChangeSet")
        p.set_faults()
        r = deploy(cfn_env(p))
        assert r.returncode == 0, r.stderr
        assert STACK in live_stacks() and live_stacks()[STACK] == "CREATE_COMPLETE", live_stacks()


# ---- 5. CloudFormation throttles ----

@case
def throttled_describe_calls_are_retried_and_the_deploy_succeeds():
    moto.reset()
    with AwsProxy(moto.url) as p:
        p.set_faults(targets=["DescribeStacks", "DescribeStackEvents"],
                     sequence=["throttle", None, "throttle", "throttle", None, "throttle", None,
                               "throttle", "throttle"],
                     throttle_status=400, throttle_code="Throttling", throttle_message="Rate exceeded")
        r = deploy(cfn_env(p, attempts=3))
        assert_deployed(r)
        injected = p.stats()["injected"].get("throttle", 0)
        assert injected >= 6, p.stats()
        assert "Throttling" not in r.stderr, r.stderr
        # and the status command too
        p.set_faults(targets=["DescribeStacks"], sequence=["throttle", "throttle"],
                     throttle_status=400, throttle_code="Throttling", throttle_message="Rate exceeded")
        r = ivsvc(["status"], cfn_env(p, attempts=3))
        assert r.returncode == 0, r.stderr
        assert p.stats()["injected"].get("throttle", 0) == injected + 2


@case
def throttling_beyond_the_budget_is_a_clear_failure():
    moto.reset()
    with AwsProxy(moto.url) as p:
        p.set_faults(targets=["DescribeStacks"], throttle=1.0, throttle_status=400,
                     throttle_code="Throttling", throttle_message="Rate exceeded")
        r = deploy(cfn_env(p, attempts=3))
        assert r.returncode == 1, r.returncode
        one_line_error(r, "DescribeStacks", "Rate exceeded")
        assert p.count("DescribeStacks") == 3, p.stats()
        assert_nothing_left()


# ---- 6. odd input ----

BAD_STACK_NAMES = ["bad_name!", "a" * 200, "1stack", "has space", "-dash", "caf\u00e9"]


@case
def bad_stack_names_are_usage_errors_before_any_call():
    with ClosedPort() as closed:
        env = fast_env(endpoint=closed.url)
        for name in BAD_STACK_NAMES:
            for cmd in (["deploy", "--yes", "--handler-zip", ZIP], ["status"], ["destroy", "--yes"],
                        ["diff", "--handler-zip", ZIP], ["logs"]):
                r = ivsvc(cmd + ["--stack-name", name], env)
                assert r.returncode == 2, (cmd, name, r.returncode)
                line = one_line_error(r, "--stack-name")
                assert "127.0.0.1" not in line, line
    # a good name goes as far as the network
    with ClosedPort() as closed:
        r = ivsvc(["status", "--stack-name", "A" + "b-1" * 42], fast_env(endpoint=closed.url))
        assert r.returncode == 1 and "127.0.0.1" in r.stderr, r.stderr


@case
def bad_stack_name_reaches_no_endpoint():
    moto.reset()
    with AwsProxy(moto.url) as p:
        r = deploy(fast_env(endpoint=p.url), extra=["--stack-name", "bad_name!"])
        assert r.returncode == 2, r.returncode
        assert p.stats()["requests"] == 0, p.stats()


@case
def bad_config_values_are_usage_errors_with_file_and_line():
    with ClosedPort() as closed:
        env = fast_env(endpoint=closed.url)
        for text, line, words in [
            ("stack_name: Viewers\nmemory: \"512\"\n", 2, ["memory", "number"]),
            ("memory: lots\n", 1, ["memory"]),
            ("# window\nwindow_minutes: 0\n", 2, ["window_minutes", "1", "60"]),
            ("window_minutes: 61\n", 1, ["window_minutes", "1", "60"]),
            ("tags:\n  team: video\n  env: [prod, dev]\n", 3, ["tag", "env"]),
            ("tags:\n  team: {a: b}\n", 2, ["tag", "team"]),
            ("tags: video\n", 1, ["tags"]),
            ("stack_name: bad_name!\n", 1, ["stack_name"]),
        ]:
            d = workdir(text)
            for cmd in (["deploy", "--yes", "--handler-zip", ZIP], ["status"], ["destroy", "--yes"]):
                r = ivsvc(cmd, env, cwd=d)
                assert r.returncode == 2, (text, cmd, r.returncode)
                msg = one_line_error(r, "ivsvc.yaml:%d:" % line, *words)
                assert "127.0.0.1" not in msg, msg


if __name__ == "__main__":
    with ivstest.MotoServer() as m:
        moto = m
        ivstest.main()
