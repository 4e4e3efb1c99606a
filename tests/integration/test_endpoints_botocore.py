"""Our endpoint rules (src/aws/endpoint_data.c, via tests/tools/endpoint_tool)
against botocore's own EndpointProvider over its installed rule sets, for
the nine services ivsvc calls, every region partitions.json lists plus a
made-up region of each partition, with FIPS and dual-stack on and off.
botocore's endpoint-tests-1.json files are not in the installed package, so
the cases are generated from botocore itself; a case botocore raises on
("Partition does not support FIPS") must be an error for us too. Also
checks the partition table against partitions.json and the global IAM
endpoints against endpoints.json.
"""
import gzip
import json
import os
import re
import subprocess

import botocore
from botocore.endpoint_provider import EndpointProvider

import ivstest
from ivstest import case

TOOL = os.path.join(ivstest.BUILD_DIR, "tests", "endpoint_tool")
DATA = os.path.join(os.path.dirname(botocore.__file__), "data")
SERVICES = ["cloudformation", "s3", "sts", "iam", "dynamodb", "ivs", "logs", "events", "lambda"]
FAKE = {"aws": "ap-newland-7", "aws-cn": "cn-newland-7", "aws-us-gov": "us-gov-newland-7",
        "aws-iso": "us-iso-newland-7", "aws-iso-b": "us-isob-newland-7",
        "aws-iso-e": "eu-isoe-newland-7", "aws-iso-f": "us-isof-newland-7",
        "aws-eusc": "eusc-de-newland-7"}


def partitions():
    with open(os.path.join(DATA, "partitions.json")) as f:
        return json.load(f)


def provider(svc, parts):
    d = os.path.join(DATA, svc)
    with gzip.open(os.path.join(d, sorted(os.listdir(d))[-1], "endpoint-rule-set-1.json.gz")) as f:
        return EndpointProvider(json.load(f), parts)


def botocore_answer(prov, region, fips, ds):
    try:
        e = prov.resolve_endpoint(Region=region, UseFIPS=bool(fips), UseDualStack=bool(ds))
    except Exception:
        return None
    sr = region
    for a in e.properties.get("authSchemes", []):
        sr = a.get("signingRegion", sr)
    return "%s %s" % (e.url, sr)


def ours(queries):
    p = subprocess.run([TOOL], input="".join("%s\t%s\t%d\t%d\n" % q for q in queries),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == len(queries), (len(lines), len(queries))
    return lines


@case
def every_service_region_fips_dualstack():
    parts = partitions()
    regions = [r for p in parts["partitions"] for r in sorted(p["regions"])] + list(FAKE.values())
    queries, want = [], []
    for svc in SERVICES:
        prov = provider(svc, parts)
        for region in regions:
            for fips in (0, 1):
                for ds in (0, 1):
                    queries.append((svc, region, fips, ds))
                    want.append(botocore_answer(prov, region, fips, ds))
    got = ours(queries)
    bad, applicable = [], 0
    for q, w, g in zip(queries, want, got):
        if w is None:
            if not g.startswith("ERR EndpointNotOffered"):
                bad.append((q, "botocore raises", g))
            continue
        applicable += 1
        if w != g:
            bad.append((q, w, g))
    print("endpoint cases: %d applicable, %d passed; %d not applicable (botocore raises)"
          % (applicable, applicable - len([b for b in bad if b[1] != "botocore raises"]),
             len(queries) - applicable))
    assert not bad, "%d differ, e.g. %s" % (len(bad), bad[:5])
    assert applicable > 2000, applicable


CASES_DIR = os.path.join(ivstest.SOURCE_DIR, "tests", "data", "endpoint-tests")
OUR_PARAMS = {"Region", "UseFIPS", "UseDualStack"}
# Parameters of other rule sets that leave the plain regional endpoint alone when false.
FALSE_IS_DEFAULT = {"Accelerate", "ForcePathStyle", "UseGlobalEndpoint", "UseArnRegion",
                    "DisableAccessPoints", "DisableMultiRegionAccessPoints",
                    "UseObjectLambdaEndpoint", "UseS3ExpressControlEndpoint",
                    "DisableS3ExpressSessionAuth", "IsSearchOperation"}


def applicable(c):
    p = c.get("params", {})
    if "Region" not in p or "operationInputs" in c:
        return False
    return all(k in OUR_PARAMS or (k in FALSE_IS_DEFAULT and p[k] is False) for k in p)


@case
def botocore_endpoint_test_files():
    """botocore's own endpoint-tests-1.json cases (carried in tests/data/endpoint-tests)."""
    queries, want = [], []
    for svc in SERVICES:
        with open(os.path.join(CASES_DIR, svc + ".json")) as f:
            for c in json.load(f)["testCases"]:
                if not applicable(c):
                    continue
                p = c["params"]
                queries.append((svc, p["Region"], int(p.get("UseFIPS", False)),
                                int(p.get("UseDualStack", False))))
                ep = c["expect"].get("endpoint")
                if ep is None:
                    want.append(None)
                    continue
                sr = p["Region"]
                for a in ep.get("properties", {}).get("authSchemes", []):
                    sr = a.get("signingRegion", sr)
                want.append("%s %s" % (ep["url"], sr))
    got = ours(queries)
    bad = []
    for q, w, g in zip(queries, want, got):
        if w is None:
            if not g.startswith("ERR"):
                bad.append((q, "an error", g))
        elif w != g:
            bad.append((q, w, g))
    print("botocore endpoint-tests-1.json: %d applicable cases, %d passed"
          % (len(queries), len(queries) - len(bad)))
    assert not bad, "%d differ, e.g. %s" % (len(bad), bad[:5])
    assert len(queries) > 300, len(queries)


@case
def partition_table_is_botocores():
    src = open(os.path.join(ivstest.SOURCE_DIR, "src", "aws", "endpoint_data.c")).read()
    for p in partitions()["partitions"]:
        o = p["outputs"]
        row = '{ "%s", "%s", "%s", "%s",' % (p["id"], o["dnsSuffix"], o["dualStackDnsSuffix"],
                                             o["implicitGlobalRegion"])
        assert row in src, row
        for r in p["regions"]:
            assert '{ "%s", ' % r in src, r
    assert botocore.__version__ in src.split("\n")[1], "regenerate: scripts/gen_endpoints.py"


@case
def global_iam_matches_endpoints_json():
    with open(os.path.join(DATA, "endpoints.json")) as f:
        ep = json.load(f)
    queries, want = [], []
    for p in ep["partitions"]:
        iam = p["services"].get("iam")
        if not iam or "partitionEndpoint" not in iam:
            continue
        glob = iam["endpoints"][iam["partitionEndpoint"]]
        host = glob.get("hostname")
        region = glob.get("credentialScope", {}).get("region")
        if not host or not region:
            continue
        queries.append(("iam", region, 0, 0))
        want.append("https://%s %s" % (host, region))
    assert len(queries) >= 3, queries
    for q, w, g in zip(queries, want, ours(queries)):
        assert g == w, (q, w, g)


if __name__ == "__main__":
    ivstest.main()
