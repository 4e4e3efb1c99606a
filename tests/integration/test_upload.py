"""The handler package's upload (issue 12): one PutObject up to the multipart
threshold, parts above it, each part retried alone, a multipart upload that
fails for good aborted, progress only on a terminal.

IVSVC_MULTIPART_THRESHOLD forces parts on a small package (it also caps the
part size); moto_server runs with S3_UPLOAD_PART_MIN_SIZE lowered to match.
S3 goes through tests/sim/fault_proxy.py (recording every request), the rest
straight to moto. Results are checked with boto3, and the requests' shapes
against botocore's S3 model.
"""
import hashlib
import io
import os
import pty
import random
import subprocess
import tempfile
import zipfile

import ivstest
from ivstest import boto_client, case, clean_env, run_ivsvc

import fault_proxy  # noqa: E402

ACCOUNT = "123456789012"
STACK = "IvsViewersCount"
BUCKET = "ivsvc-assets-%s-us-east-1" % ACCOUNT
PART = 256 * 1024
# A bootstrap that passes ivsvc's check: an x86_64 ELF64 header (moto never runs it).
ELF_X86_64 = b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00\x3e\x00" + bytes(44)
WORK = tempfile.mkdtemp(prefix="ivsvc-upload-")
moto = None


def package(size=1400 * 1000, seed=12):
    """A 1.4 MB handler zip that does not compress: (path, bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("bootstrap", ELF_X86_64)
        z.writestr("payload.bin", random.Random(seed).randbytes(size))
    data = buf.getvalue()
    path = os.path.join(WORK, "handler-%d.zip" % seed)
    with open(path, "wb") as f:
        f.write(data)
    return path, data


ZIP, DATA = package()
KEY = "ivsvc/%s.zip" % hashlib.sha256(DATA).hexdigest()
NPARTS = (len(DATA) + PART - 1) // PART


def s3():
    return boto_client("s3", moto.url)


def deploy(proxy, threshold=PART, extra_env=None):
    env = clean_env(endpoint=moto.url, extra={"AWS_ENDPOINT_URL_S3": proxy.url,
                                              "IVSVC_RETRY_BASE_MS": "10"})
    if threshold:
        env["IVSVC_MULTIPART_THRESHOLD"] = str(threshold)
    env.update(extra_env or {})
    r = run_ivsvc(["deploy", "--yes", "--no-verify", "--handler-zip", ZIP], env=env,
                  cwd=tempfile.mkdtemp(dir=WORK))
    print("$ ivsvc deploy -> %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    return r


def requests(proxy):
    """The object's requests as (method, query keys, query dict)."""
    out = []
    for e in proxy.stats()["log"]:
        if e["path"] != "/%s/%s" % (BUCKET, KEY):
            continue
        q = dict(p.split("=", 1) if "=" in p else (p, "") for p in e["query"].split("&") if p)
        out.append((e["method"], q, e["fault"]))
    return out


def count(reqs, method, has=None, **eq):
    return sum(1 for m, q, _ in reqs if m == method and (has is None or has in q)
               and all(q.get(k) == v for k, v in eq.items())
               and (has is not None or eq or not q))


def multipart_etag(data, part):
    mds = b"".join(hashlib.md5(data[i:i + part]).digest() for i in range(0, len(data), part))
    return '"%s-%d"' % (hashlib.md5(mds).hexdigest(), (len(data) + part - 1) // part)


def no_uploads_left():
    return s3().list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def proxy(**faults):
    return fault_proxy.FaultProxy(moto.url, record=True, **faults)


@case
def above_the_threshold_the_package_goes_in_parts():
    moto.reset()
    with proxy() as p:
        r = deploy(p)
        assert r.returncode == 0, r.stderr
        assert "in parts" in r.stdout, r.stdout
        reqs = requests(p)
    assert NPARTS >= 5, NPARTS
    assert count(reqs, "POST", "uploads") == 1, reqs
    for n in range(1, NPARTS + 1):
        assert count(reqs, "PUT", "uploadId", partNumber=str(n)) == 1, (n, reqs)
    assert count(reqs, "PUT", "partNumber") == NPARTS, reqs
    assert count(reqs, "POST", "uploadId") == 1, reqs  # CompleteMultipartUpload
    assert count(reqs, "DELETE", "uploadId") == 0, reqs
    head = s3().head_object(Bucket=BUCKET, Key=KEY)
    assert head["ETag"] == multipart_etag(DATA, PART), (head["ETag"], multipart_etag(DATA, PART))
    assert s3().get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == DATA
    assert no_uploads_left()
    tags = {t["Key"]: t["Value"] for t in s3().get_object_tagging(Bucket=BUCKET, Key=KEY)["TagSet"]}
    assert tags.get("ivsvc:stack:" + STACK, "")[:2] == "20", tags  # the deploy's time
    assert "Uploading handler package" not in r.stderr, r.stderr  # no terminal: no progress


@case
def below_the_threshold_one_put_object():
    moto.reset()
    with proxy() as p:
        r = deploy(p, threshold=None)
        assert r.returncode == 0, r.stderr
        reqs = requests(p)
    assert count(reqs, "PUT") == 1 and count(reqs, "POST", "uploads") == 0, reqs
    assert s3().head_object(Bucket=BUCKET, Key=KEY)["ETag"] == '"%s"' % hashlib.md5(DATA).hexdigest()


@case
def a_part_failing_once_is_retried_alone():
    moto.reset()
    with proxy(targets=["?partNumber=3"], sequence=["error500"]) as p:
        r = deploy(p)
        assert r.returncode == 0, r.stderr
        reqs = requests(p)
    assert count(reqs, "PUT", "uploadId", partNumber="3") == 2, reqs
    for n in set(range(1, NPARTS + 1)) - {3}:
        assert count(reqs, "PUT", "uploadId", partNumber=str(n)) == 1, (n, reqs)
    assert [f for _, q, f in reqs if f] == ["error500"], reqs
    assert count(reqs, "POST", "uploads") == 1 and count(reqs, "POST", "uploadId") == 1, reqs
    assert s3().get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == DATA
    assert no_uploads_left()


@case
def a_part_failing_for_good_aborts_the_upload():
    moto.reset()
    with proxy(targets=["?partNumber=2"], error500=1.0) as p:
        r = deploy(p)
        reqs = requests(p)
    assert r.returncode == 1, (r.returncode, r.stderr)
    errors = [l for l in r.stderr.splitlines() if l.startswith("ivsvc:")]
    assert len(errors) == 1, r.stderr
    line = errors[0]
    assert "uploading the handler package" in line and "part 2 of %d" % NPARTS in line, line
    assert "multipart upload was aborted" in line, line
    assert count(reqs, "PUT", "uploadId", partNumber="2") == 3, reqs  # the client's 3 attempts
    assert count(reqs, "PUT", "uploadId", partNumber="3") == 0, reqs  # no part after it
    assert count(reqs, "DELETE", "uploadId") == 1, reqs                # AbortMultipartUpload
    assert count(reqs, "POST", "uploadId") == 0, reqs                  # never completed
    assert no_uploads_left()
    assert s3().list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    cfn = boto_client("cloudformation", moto.url)
    live = [s for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
    assert live == [], live


@case
def progress_on_a_terminal_only():
    moto.reset()
    master, slave = pty.openpty()
    env = clean_env(endpoint=moto.url, extra={"IVSVC_MULTIPART_THRESHOLD": str(PART)})
    proc = subprocess.Popen([ivstest.IVSVC, "deploy", "--yes", "--no-verify", "--handler-zip", ZIP],
                            env=env, cwd=tempfile.mkdtemp(dir=WORK), stdout=subprocess.PIPE,
                            stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    out = proc.stdout.read().decode()
    assert proc.wait(timeout=120) == 0, (out, seen)
    os.close(master)
    text = seen.decode(errors="replace")
    total = "%.1f" % (len(DATA) / 1048576.0)
    assert "Uploading handler package: %s / %s MiB (100%%)" % (total, total) in text, text
    assert "KiB/s" in text and "\r" in text, text
    assert "Uploading" not in out, out  # never on stdout


def botocore_s3_model():
    import botocore.loaders
    return botocore.loaders.Loader().load_service_model("s3", "service-2")


@case
def request_shapes_match_botocores_s3_model():
    """Each multipart call's method, URI and query parameters as botocore's
    s3 model defines the operation."""
    moto.reset()
    with proxy(targets=["?partNumber=2"], sequence=["error500"]) as p:
        assert deploy(p).returncode == 0
        reqs = requests(p)
    ops = botocore_s3_model()["operations"]
    shapes = botocore_s3_model()["shapes"]

    def query_names(op):
        members = shapes[ops[op]["input"]["shape"]]["members"]
        return {m["locationName"] for m in members.values() if m.get("location") == "querystring"}

    def uri_query(op):
        uri = ops[op]["http"]["requestUri"]
        return {uri.split("?", 1)[1]} if "?" in uri else set()

    def required_query(op):
        members = shapes[ops[op]["input"]["shape"]]
        req = set(members.get("required", []))
        return {m["locationName"] for n, m in members["members"].items()
                if m.get("location") == "querystring" and n in req}

    checks = {"CreateMultipartUpload": ("POST", "uploads"), "UploadPart": ("PUT", "partNumber"),
              "CompleteMultipartUpload": ("POST", "uploadId")}
    for op, (method, marker) in checks.items():
        assert ops[op]["http"]["method"] == method, op
        mine = [q for m, q, _ in reqs if m == method and marker in q]
        assert mine, (op, reqs)
        for q in mine:
            allowed = query_names(op) | uri_query(op)
            assert set(q) <= allowed, (op, set(q), allowed)
            assert required_query(op) <= set(q), (op, required_query(op), set(q))
    assert ops["AbortMultipartUpload"]["http"]["method"] == "DELETE"
    assert "uploadId" in query_names("AbortMultipartUpload")
    members = shapes[ops["UploadPart"]["input"]["shape"]]["members"]
    assert members["ContentMD5"]["locationName"] == "Content-MD5"


if __name__ == "__main__":
    os.environ["S3_UPLOAD_PART_MIN_SIZE"] = str(PART)  # moto_server inherits it
    with ivstest.MotoServer() as m:
        moto = m
        ivstest.main()
