"""Differential test of the credential chain: many generated configurations
(environment keys, AWS_PROFILE or --profile, credentials and config files,
role chains, loops, credential_process, web identity, expiry, missing
profiles), each resolved by our chain (tests/tools/creds_tool) and by
botocore (boto3.Session(...).get_credentials()) side by side, STS served by
moto on loopback for both. They must agree on the outcome: which provider
(botocore's method names) and, for static sources, which key; or that it is
an error; or that there are none.

Documented choices where we follow the SDKs' shared spec and not botocore
are not generated here (they are region settings, not credentials).
"""
import itertools
import os
import random
import subprocess
import tempfile

import ivstest
from ivstest import case

TOOL = os.path.join(ivstest.BUILD_DIR, "tests", "creds_tool")
_moto = None

OUR_METHOD = {"environment": "env", "shared-credentials-file": "shared-credentials-file",
              "shared-config-file": "config-file", "credential_process": "custom-process",
              "assume-role": "assume-role", "web-identity": "assume-role-with-web-identity"}
ROLE = "arn:aws:iam::123456789012:role/r"
PROC_OK = ("echo '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROCESSPROCESS01\", "
           "\"SecretAccessKey\": \"p\", \"Expiration\": \"2099-01-01T00:00:00Z\"}'")
PROC_OLD = PROC_OK.replace("2099", "2001")


def files(variant, home):
    creds, cfg = [], []
    if variant["default_keys"]:
        creds.append("[default]\naws_access_key_id = AKIADEFAULT000000001\n"
                     "aws_secret_access_key = d\n")
    creds.append("[dev]\naws_access_key_id = AKIADEV0000000000001\naws_secret_access_key = v\n")
    cfg.append("[profile cfgonly]\naws_access_key_id = AKIACONFIG0000000001\n"
               "aws_secret_access_key = c\n")
    cfg.append("[profile role]\nrole_arn = %s\nsource_profile = dev\n" % ROLE)
    cfg.append("[profile chain]\nrole_arn = %s\nsource_profile = role\n" % ROLE)
    cfg.append("[profile loop1]\nrole_arn = %s\nsource_profile = loop2\n"
               "[profile loop2]\nrole_arn = %s\nsource_profile = loop1\n" % (ROLE, ROLE))
    cfg.append("[profile proc]\ncredential_process = %s\n" % PROC_OK)
    cfg.append("[profile procold]\ncredential_process = %s\n" % PROC_OLD)
    cfg.append("[profile wi]\nweb_identity_token_file = %s\nrole_arn = %s\n"
               % (os.path.join(home, "token"), ROLE))
    cfg.append("[profile nosource]\nrole_arn = %s\n" % ROLE)
    cfg.append("[profile envsrc]\nrole_arn = %s\ncredential_source = Environment\n" % ROLE)
    for name, parts in (("credentials", creds), ("config", cfg)):
        path = os.path.join(home, ".aws", name)
        with open(path, "w") as f:
            f.write("\n".join(parts))
        os.chmod(path, 0o600)


def environment(variant, home):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and "proxy" not in k.lower()}
    env.update({"HOME": home, "AWS_EC2_METADATA_DISABLED": "true", "NO_PROXY": "*",
                "AWS_ENDPOINT_URL_STS": _moto.url, "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_MAX_ATTEMPTS": "1"})
    keys = variant["env_keys"]
    if keys in ("valid", "expired"):
        env["AWS_ACCESS_KEY_ID"] = "AKIAENVIRONMENT00001"
        env["AWS_SECRET_ACCESS_KEY"] = "e"
        env["AWS_SESSION_TOKEN"] = "t"
        if keys == "expired":
            env["AWS_CREDENTIAL_EXPIRATION"] = "2001-01-01T00:00:00Z"
    elif keys == "half":
        env["AWS_ACCESS_KEY_ID"] = "AKIAENVIRONMENT00001"
    if variant["web_identity"]:
        env["AWS_WEB_IDENTITY_TOKEN_FILE"] = os.path.join(home, "token")
        env["AWS_ROLE_ARN"] = ROLE
    if variant["how"] == "AWS_PROFILE" and variant["profile"]:
        env["AWS_PROFILE"] = variant["profile"]
    return env


def ours(variant, env):
    args = [TOOL]
    if variant["how"] == "--profile" and variant["profile"]:
        args += ["--profile", variant["profile"]]
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return ("none",) if "(NoCredentials)" in p.stderr else ("error",)
    f = dict(line.split(": ", 1) for line in p.stdout.splitlines())
    method = OUR_METHOD[f["source"]]
    static = method in ("env", "shared-credentials-file", "config-file", "custom-process")
    return (method, f["access_key_id"] if static else "")


# One botocore process answers every case (a process each takes minutes):
# each input line is [variant, environment]; os.environ is replaced per case.
BOTOCORE_SCRIPT = r"""
import json, os, sys
import boto3
for line in sys.stdin:
    v, env = json.loads(line)
    os.environ.clear()
    os.environ.update(env)
    try:
        name = v["profile"] if v["how"] == "--profile" and v["profile"] else None
        c = boto3.Session(profile_name=name).get_credentials()
        if c is None:
            out = ["none"]
        else:
            f = c.get_frozen_credentials()
            static = c.method in ("env", "shared-credentials-file", "config-file",
                                  "custom-process")
            out = [c.method, f.access_key if static else ""]
    except Exception as e:
        out = ["error", type(e).__name__]
    print(json.dumps(out), flush=True)
"""


def botocore_all(cases):
    import json
    text = "".join(json.dumps([v, env]) + "\n" for v, env in cases)
    p = subprocess.run([ivstest.sys.executable, "-c", BOTOCORE_SCRIPT], input=text,
                       capture_output=True, text=True, timeout=600)
    outs = [json.loads(l) for l in p.stdout.splitlines()]
    assert len(outs) == len(cases), p.stderr[-2000:]
    return [tuple(o[:1]) if o[0] == "error" else tuple(o) for o in outs]


def documented_choice(v, ours_answer, botocore_answer):
    """Where we keep the SDKs' shared behaviour and botocore differs: a
    profile named "default" that is in neither file is not an error (the Go
    and Java SDKs; botocore raises ProfileNotFound)."""
    named_default = v["profile"] == "default" and not v["default_keys"]
    return named_default and botocore_answer == ("error",) and ours_answer != ("error",)


def variants():
    grid = itertools.product(
        ["none", "valid", "expired", "half"],                       # env_keys
        [None, "default", "dev", "cfgonly", "role", "chain", "loop1", "proc", "procold",
         "wi", "missing", "nosource", "envsrc"],                    # profile
        ["AWS_PROFILE", "--profile"],                               # how
        [False, True],                                              # web_identity
        [False, True])                                              # default_keys
    all_v = [dict(env_keys=a, profile=b, how=c, web_identity=d, default_keys=e)
             for a, b, c, d, e in grid]
    rnd = random.Random(20261128)
    return rnd.sample(all_v, 240)


@case
def ivsvc_and_botocore_agree():
    cases, answers = [], []
    for v in variants():
        home = tempfile.mkdtemp(prefix="ivsvc-diff-home-")
        os.mkdir(os.path.join(home, ".aws"), 0o700)
        with open(os.path.join(home, "token"), "w") as f:
            f.write("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkaWZmIn0.c2ln")
        files(v, home)
        env = environment(v, home)
        cases.append((v, env))
        answers.append(ours(v, env))
    diffs, documented = [], 0
    for (v, _), a, b in zip(cases, answers, botocore_all(cases)):
        if a == b:
            continue
        if documented_choice(v, a, b):
            documented += 1
        else:
            diffs.append((v, a, b))
    print("%d configurations, %d differences, %d documented choices"
          % (len(cases), len(diffs), documented))
    assert not diffs, "\n".join("%r: ivsvc %r, botocore %r" % d for d in diffs[:10])


if __name__ == "__main__":
    with ivstest.MotoServer() as moto:
        _moto = moto
        ivstest.main()
