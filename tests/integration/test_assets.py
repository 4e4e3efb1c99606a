"""The asset bucket keeps what a rollback needs, and nothing is left behind
(issue 13): after a successful deploy a stack keeps its current package and
the one before; older packages of that stack go (never after a failed
deploy); `destroy` removes the stack's packages and the bucket when ivsvc
made it and it is then empty, unless --keep-assets. Packages another stack
shares stay.

S3, STS and the stack on moto_server; the failed deploy is a real rollback
story from tests/sim/cfn_sim.py (an update whose rollback fails) with S3
still on moto. Checked with boto3.
"""
import hashlib
import io
import os
import tempfile
import zipfile

import ivstest
from ivstest import boto_client, case, clean_env, run_ivsvc

from cfn_sim import CfnSim  # noqa: E402

ACCOUNT = "123456789012"
STACK = "IvsViewersCount"
BUCKET = "ivsvc-assets-%s-us-east-1" % ACCOUNT
# A bootstrap that passes ivsvc's check: an x86_64 ELF64 header (moto never runs it).
ELF_X86_64 = b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00\x3e\x00" + bytes(44)
WORK = tempfile.mkdtemp(prefix="ivsvc-assets-")
moto = None


def package(n):
    """Handler zip number n: (path, key)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bootstrap", ELF_X86_64 + b"version %d" % n)
    data = buf.getvalue()
    path = os.path.join(WORK, "handler-%d.zip" % n)
    with open(path, "wb") as f:
        f.write(data)
    return path, "ivsvc/%s.zip" % hashlib.sha256(data).hexdigest()


A, B, C, D = (package(n) for n in range(1, 5))


def ivsvc(args, env=None, stack=STACK):
    r = run_ivsvc(list(args) + ["--stack-name", stack], env=env or clean_env(endpoint=moto.url),
                  cwd=tempfile.mkdtemp(dir=WORK))
    print("$ ivsvc %s -> %d\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r


def deploy(pkg, stack=STACK, env=None):
    return ivsvc(["deploy", "--yes", "--no-verify", "--handler-zip", pkg[0]], env=env, stack=stack)


def s3():
    return boto_client("s3", moto.url)


def keys():
    try:
        return sorted(o["Key"] for o in s3().list_objects_v2(Bucket=BUCKET).get("Contents", []))
    except s3().exceptions.NoSuchBucket:
        return None


def code_key(stack=STACK):
    cfn = boto_client("cloudformation", moto.url)
    params = cfn.describe_stacks(StackName=stack)["Stacks"][0]["Parameters"]
    return {p["ParameterKey"]: p["ParameterValue"] for p in params}["CodeKey"]


def three_deploys_and_a_rollback():
    """A, B deployed; C's update rolls back (cfn_sim); D deployed."""
    moto.reset()
    for pkg in (A, B):
        assert deploy(pkg).returncode == 0
    assert keys() == sorted([A[1], B[1]]), keys()
    with CfnSim("update-rollback-failed", stack_name=STACK) as sim:
        env = clean_env(endpoint=moto.url, extra={"AWS_ENDPOINT_URL_CLOUDFORMATION": sim.url})
        r = deploy(C, env=env)
    assert r.returncode == 1, r.returncode
    assert keys() == sorted([A[1], B[1], C[1]]), keys()  # a failed deploy prunes nothing
    r = deploy(D)
    assert r.returncode == 0, r.stderr
    return r


@case
def a_stack_keeps_its_package_and_the_one_before():
    moto.reset()
    assert deploy(A).returncode == 0
    assert keys() == [A[1]], keys()
    assert deploy(B).returncode == 0
    assert keys() == sorted([A[1], B[1]]), keys()
    r = deploy(C)
    assert r.returncode == 0, r.stderr
    assert keys() == sorted([B[1], C[1]]), keys()
    assert "Deleted old handler package s3://%s/%s" % (BUCKET, A[1]) in r.stdout, r.stdout
    assert "Kept s3://%s/%s" % (BUCKET, B[1]) in r.stdout, r.stdout


@case
def after_a_rollback_the_package_in_use_is_kept():
    r = three_deploys_and_a_rollback()
    # The stack ran B when D was deployed (C rolled back): D and B stay, A and C go.
    assert code_key() == D[1]
    assert keys() == sorted([B[1], D[1]]), keys()
    assert "Kept s3://%s/%s" % (BUCKET, B[1]) in r.stdout, r.stdout


@case
def redeploying_an_older_package_keeps_the_one_it_replaced():
    moto.reset()
    for pkg in (A, B, A):
        assert deploy(pkg).returncode == 0
    assert keys() == sorted([A[1], B[1]]), keys()
    # moto 5.2 may call A's change set "no changes" (the stack stays on B):
    # either way the package kept is the one the stack ran before C.
    before = code_key()
    assert before in (A[1], B[1]), before
    assert deploy(C).returncode == 0
    assert keys() == sorted([before, C[1]]), (before, keys())


@case
def a_package_another_stack_uses_stays():
    moto.reset()
    assert deploy(A).returncode == 0
    assert deploy(A, stack="OtherStack").returncode == 0
    for pkg in (B, C):
        assert deploy(pkg).returncode == 0
    assert keys() == sorted([A[1], B[1], C[1]]), keys()  # A: OtherStack's current package
    tags = {t["Key"] for t in s3().get_object_tagging(Bucket=BUCKET, Key=A[1])["TagSet"]}
    assert tags == {"ivsvc:stack:OtherStack"}, tags
    r = ivsvc(["destroy", "--yes"])
    assert r.returncode == 0, r.stderr
    assert keys() == [A[1]], keys()
    assert "Asset bucket %s kept: it still holds 1 other object" % BUCKET in r.stdout, r.stdout
    r = ivsvc(["destroy", "--yes"], stack="OtherStack")
    assert r.returncode == 0, r.stderr
    assert keys() is None, keys()


@case
def destroy_removes_the_packages_and_the_bucket_ivsvc_made():
    three_deploys_and_a_rollback()
    tags = s3().get_bucket_tagging(Bucket=BUCKET)["TagSet"]
    assert {"Key": "ivsvc:created-by", "Value": "ivsvc"} in tags, tags
    r = run_ivsvc(["destroy", "--stack-name", STACK], env=clean_env(endpoint=moto.url), input="")
    assert r.returncode == 3 and keys() == sorted([B[1], D[1]]), (r.returncode, keys())
    assert "s3://%s" % BUCKET in r.stdout and "--keep-assets" in r.stdout, r.stdout
    r = ivsvc(["destroy", "--yes"])
    assert r.returncode == 0, r.stderr
    assert keys() is None, keys()
    assert "Asset bucket %s deleted" % BUCKET in r.stdout, r.stdout


@case
def destroy_keep_assets_keeps_them():
    moto.reset()
    for pkg in (A, B):
        assert deploy(pkg).returncode == 0
    r = ivsvc(["destroy", "--yes", "--keep-assets"])
    assert r.returncode == 0, r.stderr
    assert keys() == sorted([A[1], B[1]]), keys()
    assert "s3://" not in r.stdout, r.stdout


@case
def a_bucket_ivsvc_did_not_make_stays():
    moto.reset()
    mine = "my-own-assets"
    s3().create_bucket(Bucket=mine)
    cfg = tempfile.mkdtemp(dir=WORK)
    with open(os.path.join(cfg, "ivsvc.yaml"), "w") as f:
        f.write("asset_bucket: %s\n" % mine)
    env = clean_env(endpoint=moto.url)
    for args in (["deploy", "--yes", "--no-verify", "--handler-zip", A[0]], ["destroy", "--yes"]):
        r = run_ivsvc(args + ["--stack-name", STACK], env=env, cwd=cfg)
        print(r.stdout, r.stderr)
        assert r.returncode == 0, r.stderr
    assert s3().list_objects_v2(Bucket=mine)["KeyCount"] == 0
    assert "Asset bucket %s kept: it was not made by ivsvc" % mine in r.stdout, r.stdout


if __name__ == "__main__":
    with ivstest.MotoServer() as m:
        moto = m
        ivstest.main()
