"""templates/stack.yaml: lint, least privilege, the parameter/output contract, and a deploy
to moto (create, inspect the real resources with boto3, delete).

moto quirks met here (moto 5.2.1), noted where each check works around them:
- Conditions and TTL: TimeToLiveSpecification is ignored (TTL stays DISABLED even with
  DataRetentionDays > 0), so the condition is checked on the template, not on moto.
- PointInTimeRecoverySpecification is ignored (PITR reads DISABLED): template check only.
- A function's Architectures is ignored (always x86_64): the Architecture parameter is
  checked on the stack's parameters.
- Lambda Environment values built from Number parameters come back as JSON numbers, not
  strings: compare with str().
- !GetAtt <LogGroup>.Arn has no trailing ":*" in moto (AWS has one): the template spells
  the logs resource out with !Sub instead.
- Stack Outputs are present after CreateStack but missing after executing a CREATE change
  set: see moto_change_set_create.
"""
import io
import json
import os
import re
import sys
import time
import zipfile

import ivstest
from ivstest import case

TEMPLATE = os.path.join(ivstest.SOURCE_DIR, "templates", "stack.yaml")
CFN_LINT_HINT = "install it with: python3 -m pip install 'cfn-lint==1.51.*'"

# ---------------------------------------------------------------------------------------
# Loading the template: plain YAML plus CloudFormation's short-form tags.
# ---------------------------------------------------------------------------------------


def load_template(text=None):
    import yaml

    class CfnLoader(yaml.SafeLoader):
        pass

    def tag(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if suffix == "Ref":
            return {"Ref": value}
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        if suffix == "Condition":
            return {"Condition": value}
        return {"Fn::" + suffix: value}

    CfnLoader.add_multi_constructor("!", tag)
    if text is None:
        with open(TEMPLATE) as f:
            text = f.read()
    return yaml.load(text, Loader=CfnLoader)


def as_list(v):
    return v if isinstance(v, list) else [v]


# ---------------------------------------------------------------------------------------
# Least privilege
# ---------------------------------------------------------------------------------------

# Every action the function may be granted, and why.
ALLOWED_ACTIONS = {
    "logs:CreateLogStream",      # its own log group only
    "logs:PutLogEvents",
    "ivs:ListChannels",          # no resource-level permissions: Resource "*"
    "ivs:ListStreams",           # no resource-level permissions: Resource "*"
    "ivs:PutMetadata",           # channel ARNs
    "dynamodb:BatchWriteItem",   # the table only
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
}
# The only actions that may be granted on Resource "*" (IVS service authorization
# reference: ListChannels and ListStreams list no resource type).
UNSCOPABLE_ACTIONS = {"ivs:ListChannels", "ivs:ListStreams"}
FORBIDDEN_MANAGED = re.compile(r"(AdministratorAccess|PowerUserAccess|FullAccess|IAMFullAccess)")


def policy_statements(tpl):
    """(where, statement) for every identity policy statement in the template."""
    out = []
    for name, res in tpl.get("Resources", {}).items():
        props = res.get("Properties", {}) or {}
        if res["Type"] == "AWS::IAM::Role":
            for pol in props.get("Policies", []) or []:
                for st in as_list(pol["PolicyDocument"]["Statement"]):
                    out.append(("%s/%s" % (name, pol["PolicyName"]), st))
        elif res["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
            for st in as_list(props["PolicyDocument"]["Statement"]):
                out.append((name, st))
    return out


def least_privilege_violations(tpl):
    problems = []
    for name, res in tpl.get("Resources", {}).items():
        props = res.get("Properties", {}) or {}
        for arn in props.get("ManagedPolicyArns", []) or []:
            text = json.dumps(arn)
            if FORBIDDEN_MANAGED.search(text):
                problems.append("%s: wildcard-admin managed policy %s" % (name, text))
    for where, st in policy_statements(tpl):
        if "NotAction" in st or "NotResource" in st:
            problems.append("%s: NotAction/NotResource grants too much" % where)
        if st.get("Effect") != "Allow":
            continue
        actions = [a for a in as_list(st.get("Action", []))]
        for a in actions:
            if not isinstance(a, str) or "*" in a:
                problems.append("%s: wildcard action %r" % (where, a))
            elif a not in ALLOWED_ACTIONS:
                problems.append("%s: action %s is not in the allowed list" % (where, a))
        for r in as_list(st.get("Resource", [])):
            if r == "*" and not set(actions) <= UNSCOPABLE_ACTIONS:
                problems.append("%s: Resource \"*\" for %s (only %s cannot be scoped)"
                                % (where, sorted(set(actions) - UNSCOPABLE_ACTIONS),
                                   sorted(UNSCOPABLE_ACTIONS)))
            if isinstance(r, str) and r != "*" and r.startswith("arn:") and re.match(r"arn:[^:]*:[^:]*:\*|arn:[^:]*:[^:]*:[^:]*:\*", r):
                problems.append("%s: resource %s has a wildcard region/account" % (where, r))
    return problems


def find_statement(tpl, action):
    hits = [st for _, st in policy_statements(tpl) if action in as_list(st.get("Action", []))]
    assert len(hits) == 1, "%s granted by %d statements" % (action, len(hits))
    return hits[0]


@case
def lint_no_errors_no_warnings():
    try:
        import cfnlint.api
    except ImportError:
        raise AssertionError("cfn-lint is missing: " + CFN_LINT_HINT)
    from pathlib import Path
    matches = cfnlint.api.lint_file(Path(TEMPLATE))
    bad = ["%s %s line %s: %s" % (m.rule.id, m.rule.severity, m.linenumber, m.message)
           for m in matches if m.rule.severity in ("error", "warning")]
    assert not bad, "cfn-lint:\n" + "\n".join(bad)
    # The linter really lints: a known-bad template does produce errors and warnings.
    sample = cfnlint.api.lint("Parameters:\n  P: {Type: String}\nResources:\n  T:\n"
                              "    Type: AWS::SNS::Topic\n    Properties: {Foo: 1}\n")
    assert {m.rule.severity for m in sample} >= {"error", "warning"}, sample


@case
def least_privilege():
    tpl = load_template()
    problems = least_privilege_violations(tpl)
    assert not problems, "\n".join(problems)

    # Resource "*" appears exactly once, for exactly the two IVS list actions.
    star = [st for _, st in policy_statements(tpl) if "*" in as_list(st.get("Resource"))]
    assert len(star) == 1, star
    assert sorted(as_list(star[0]["Action"])) == ["ivs:ListChannels", "ivs:ListStreams"], star

    # The scoped ones point where they should.
    put = find_statement(tpl, "ivs:PutMetadata")
    assert put["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:ivs:${AWS::Region}:${AWS::AccountId}:channel/*"}, put
    for a in ("dynamodb:BatchWriteItem", "dynamodb:BatchGetItem"):
        st = find_statement(tpl, a)
        assert as_list(st["Resource"]) == [{"Fn::GetAtt": ["ViewersTable", "Arn"]}], st
    for a in ("logs:CreateLogStream", "logs:PutLogEvents"):
        st = find_statement(tpl, a)
        res = json.dumps(st["Resource"])
        assert "${FunctionLogGroup}" in res or "FunctionLogGroup" in res, st
        assert "log-group:*" not in res, st

    role = tpl["Resources"]["FunctionRole"]["Properties"]
    assert not role.get("ManagedPolicyArns"), "no managed policies: the inline logs policy replaces AWSLambdaBasicExecutionRole"
    trust = as_list(role["AssumeRolePolicyDocument"]["Statement"])
    assert len(trust) == 1 and trust[0]["Principal"] == {"Service": "lambda.amazonaws.com"}, trust
    assert trust[0]["Action"] == "sts:AssumeRole", trust

    perm = tpl["Resources"]["SchedulePermission"]["Properties"]
    assert perm["Principal"] == "events.amazonaws.com" and perm["Action"] == "lambda:InvokeFunction", perm
    assert perm["SourceArn"] == {"Fn::GetAtt": ["ScheduleRule", "Arn"]}, perm


@case
def least_privilege_checker_catches_violations():
    """The checker above fails on each kind of excess (so a pass means something)."""
    base = load_template()

    def mutated(fn):
        t = json.loads(json.dumps(base))
        fn(t)
        return least_privilege_violations(t)

    def stmts(t):
        return [st for _, st in policy_statements(t)]

    def set_action(t, old, new):
        for st in stmts(t):
            acts = as_list(st["Action"])
            if old in acts:
                st["Action"] = [new if a == old else a for a in acts]

    def star_resource(t, action):
        for st in stmts(t):
            if action in as_list(st["Action"]):
                st["Resource"] = "*"

    def add_managed(t):
        t["Resources"]["FunctionRole"]["Properties"]["ManagedPolicyArns"] = [
            {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"}]

    cases = {
        "wildcard action": lambda t: set_action(t, "ivs:PutMetadata", "ivs:*"),
        "partial wildcard": lambda t: set_action(t, "dynamodb:BatchGetItem", "dynamodb:Batch*"),
        "extra action": lambda t: set_action(t, "dynamodb:BatchGetItem", "dynamodb:DeleteTable"),
        "star on PutMetadata": lambda t: star_resource(t, "ivs:PutMetadata"),
        "star on table": lambda t: star_resource(t, "dynamodb:BatchWriteItem"),
        "admin policy": add_managed,
    }
    for what, fn in cases.items():
        assert mutated(fn), "checker missed: " + what


# ---------------------------------------------------------------------------------------
# The contract other code reads by name
# ---------------------------------------------------------------------------------------

PARAMETERS = {
    "CodeBucket": ("String", None),
    "CodeKey": ("String", None),
    "ScheduleExpression": ("String", "rate(1 minute)"),
    "WindowMinutes": ("Number", 5),
    "MetadataFormat": ("String", "text"),
    "LogRetentionDays": ("Number", 14),
    "DataRetentionDays": ("Number", 0),
    "MemorySize": ("Number", 256),
    "TimeoutSeconds": ("Number", 50),
    "PutMetadataRate": ("Number", 155),
    "Architecture": ("String", "x86_64"),
}
OUTPUTS = ["TableName", "TableArn", "FunctionName", "FunctionArn", "RuleName", "LogGroupName"]
RESOURCES = {
    "ViewersTable": "AWS::DynamoDB::Table",
    "FunctionLogGroup": "AWS::Logs::LogGroup",
    "FunctionRole": "AWS::IAM::Role",
    "ViewersFunction": "AWS::Lambda::Function",
    "ScheduleRule": "AWS::Events::Rule",
    "SchedulePermission": "AWS::Lambda::Permission",
    "ViewersInvokeConfig": "AWS::Lambda::EventInvokeConfig",
}


def cloudwatch_retention_values():
    """The RetentionInDays values CloudWatch Logs allows, from botocore's model text."""
    import botocore.session
    doc = botocore.session.get_session().get_service_model("logs").shape_for("Days").documentation
    m = re.search(r"Possible values are: ([0-9, and]+)", doc)
    assert m, doc
    return [int(x) for x in re.findall(r"\d+", m.group(1))]


@case
def contract_parameters():
    tpl = load_template()
    params = tpl["Parameters"]
    for name, (typ, default) in PARAMETERS.items():
        assert name in params, "parameter %s missing" % name
        assert params[name]["Type"] == typ, (name, params[name])
        if default is None:
            assert "Default" not in params[name], "%s must be given (no default)" % name
        else:
            assert str(params[name]["Default"]) == str(default), (name, params[name].get("Default"))
    assert set(params) == set(PARAMETERS), "unexpected parameters: %s" % (set(params) - set(PARAMETERS))
    assert params["WindowMinutes"]["MinValue"] == 1 and params["WindowMinutes"]["MaxValue"] == 60
    assert params["MetadataFormat"]["AllowedValues"] == ["text", "json"]
    assert params["TimeoutSeconds"]["Default"] < 60, "the function must finish within the one-minute period"
    assert params["DataRetentionDays"]["MinValue"] == 0
    assert params["Architecture"]["AllowedValues"] == ["x86_64", "arm64"]
    assert [int(v) for v in params["LogRetentionDays"]["AllowedValues"]] == cloudwatch_retention_values()


@case
def contract_resources_and_outputs():
    tpl = load_template()
    res = tpl["Resources"]
    assert {k: v["Type"] for k, v in res.items()} == RESOURCES
    assert list(tpl["Outputs"]) == OUTPUTS, list(tpl["Outputs"])
    outs = {k: v["Value"] for k, v in tpl["Outputs"].items()}
    assert outs["TableName"] == {"Ref": "ViewersTable"}
    assert outs["TableArn"] == {"Fn::GetAtt": ["ViewersTable", "Arn"]}
    assert outs["FunctionName"] == {"Ref": "ViewersFunction"}
    assert outs["FunctionArn"] == {"Fn::GetAtt": ["ViewersFunction", "Arn"]}
    assert outs["RuleName"] == {"Ref": "ScheduleRule"}
    assert outs["LogGroupName"] == {"Ref": "FunctionLogGroup"}

    table = res["ViewersTable"]
    tp = table["Properties"]
    assert tp["BillingMode"] == "PAY_PER_REQUEST"
    assert tp["KeySchema"] == [{"AttributeName": "channel", "KeyType": "HASH"},
                               {"AttributeName": "time", "KeyType": "RANGE"}], tp["KeySchema"]
    assert sorted(tp["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == [
        {"AttributeName": "channel", "AttributeType": "S"},
        {"AttributeName": "time", "AttributeType": "N"}], tp["AttributeDefinitions"]
    assert tp["TimeToLiveSpecification"] == {
        "AttributeName": "expires", "Enabled": {"Fn::If": ["HasDataRetention", True, False]}}
    assert tpl["Conditions"]["HasDataRetention"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "DataRetentionDays"}, 0]}]}
    assert tp["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["DeletionPolicy"] == "Delete" and table["UpdateReplacePolicy"] == "Delete"

    fn = res["ViewersFunction"]
    fp = fn["Properties"]
    assert fp["Runtime"] == "provided.al2023" and fp["Handler"] == "bootstrap"
    assert fp["Architectures"] == [{"Ref": "Architecture"}]
    assert fp["Code"] == {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}}
    assert fp["MemorySize"] == {"Ref": "MemorySize"} and fp["Timeout"] == {"Ref": "TimeoutSeconds"}
    assert fp["Role"] == {"Fn::GetAtt": ["FunctionRole", "Arn"]}
    assert fp["Environment"]["Variables"] == {
        "TABLE_NAME": {"Ref": "ViewersTable"},
        "WINDOW_MINUTES": {"Ref": "WindowMinutes"},
        "METADATA_FORMAT": {"Ref": "MetadataFormat"},
        "RETENTION_DAYS": {"Ref": "DataRetentionDays"},
        "PUT_METADATA_RATE": {"Ref": "PutMetadataRate"},
    }, fp["Environment"]
    assert as_list(fn["DependsOn"]) == ["FunctionLogGroup"]
    # The log group is named from the function's own name string (no Ref cycle).
    fname = fp["FunctionName"]["Fn::Sub"]
    assert res["FunctionLogGroup"]["Properties"]["LogGroupName"] == {"Fn::Sub": "/aws/lambda/" + fname}
    assert res["FunctionLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}

    rule = res["ScheduleRule"]["Properties"]
    assert rule["ScheduleExpression"] == {"Ref": "ScheduleExpression"} and rule["State"] == "ENABLED"
    assert rule["Targets"] == [{"Id": "viewers-function", "Arn": {"Fn::GetAtt": ["ViewersFunction", "Arn"]},
                                "RetryPolicy": {"MaximumEventAgeInSeconds": 60,
                                                "MaximumRetryAttempts": 2}}], rule["Targets"]
    # One tick at a time: no Lambda retry of a failed minute beside the next one, no
    # event run after a minute in the queue (60 is the smallest age Lambda accepts).
    inv = res["ViewersInvokeConfig"]["Properties"]
    assert inv == {"FunctionName": {"Ref": "ViewersFunction"}, "Qualifier": "$LATEST",
                   "MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60}, inv


# ---------------------------------------------------------------------------------------
# Deploy to moto
# ---------------------------------------------------------------------------------------


def dummy_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("bootstrap"), "#!/bin/sh\necho not really\n")
    return buf.getvalue()


def prepare(moto):
    s3 = ivstest.boto_client("s3", moto.url)
    s3.create_bucket(Bucket="ivsvc-code")
    s3.put_object(Bucket="ivsvc-code", Key="build/abc123.zip", Body=dummy_zip())
    return [{"ParameterKey": "CodeBucket", "ParameterValue": "ivsvc-code"},
            {"ParameterKey": "CodeKey", "ParameterValue": "build/abc123.zip"}]


def wait_stack(cf, name, timeout=60):
    deadline = time.time() + timeout
    while True:
        st = cf.describe_stacks(StackName=name)["Stacks"][0]
        if not st["StackStatus"].endswith("_IN_PROGRESS"):
            return st
        assert time.time() < deadline, st["StackStatus"]
        time.sleep(0.5)


def body():
    with open(TEMPLATE) as f:
        return f.read()


def check_deployed(url, stack, st, physical, expect):
    """The real resources in moto's services, as boto3 sees them."""
    ddb = ivstest.boto_client("dynamodb", url)
    lam = ivstest.boto_client("lambda", url)
    ev = ivstest.boto_client("events", url)
    logs = ivstest.boto_client("logs", url)
    iam = ivstest.boto_client("iam", url)

    table_name = physical["ViewersTable"]
    t = ddb.describe_table(TableName=table_name)["Table"]
    assert t["KeySchema"] == [{"AttributeName": "channel", "KeyType": "HASH"},
                              {"AttributeName": "time", "KeyType": "RANGE"}], t["KeySchema"]
    assert sorted((a["AttributeName"], a["AttributeType"]) for a in t["AttributeDefinitions"]) == [
        ("channel", "S"), ("time", "N")]
    assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST", t.get("BillingModeSummary")

    fn_name = physical["ViewersFunction"]
    assert fn_name == stack + "-viewers", fn_name
    fc = lam.get_function_configuration(FunctionName=fn_name)
    assert fc["Runtime"] == "provided.al2023" and fc["Handler"] == "bootstrap", fc
    # moto quirk: Architectures from the template is ignored (always x86_64); the
    # parameter is checked on the stack instead (moto_deploy_every_parameter).
    assert fc.get("Architectures", ["x86_64"]) == ["x86_64"], fc.get("Architectures")
    assert fc["MemorySize"] == expect["MemorySize"] and fc["Timeout"] == expect["Timeout"], fc
    env = fc["Environment"]["Variables"]
    # moto: values from Number parameters come back as numbers; AWS keeps strings.
    assert {k: str(v) for k, v in env.items()} == {
        "TABLE_NAME": table_name,
        "WINDOW_MINUTES": expect["WINDOW_MINUTES"],
        "METADATA_FORMAT": expect["METADATA_FORMAT"],
        "RETENTION_DAYS": expect["RETENTION_DAYS"],
        "PUT_METADATA_RATE": expect["PUT_METADATA_RATE"],
    }, env
    role_name = physical["FunctionRole"]
    assert fc["Role"].endswith(":role/" + role_name), (fc["Role"], role_name)

    rule_name = physical["ScheduleRule"]
    rule = ev.describe_rule(Name=rule_name)
    assert rule["ScheduleExpression"] == expect["ScheduleExpression"] and rule["State"] == "ENABLED", rule
    targets = ev.list_targets_by_rule(Rule=rule_name)["Targets"]
    assert [(x["Id"], x["Arn"]) for x in targets] == [("viewers-function", fc["FunctionArn"])], targets

    policy = json.loads(lam.get_policy(FunctionName=fn_name)["Policy"])
    grants = [s for s in policy["Statement"]
              if s["Principal"] == {"Service": "events.amazonaws.com"} and s["Action"] == "lambda:InvokeFunction"]
    assert grants and grants[0]["Condition"]["ArnLike"]["AWS:SourceArn"] == rule["Arn"], policy

    groups = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/" + fn_name)["logGroups"]
    assert [(g["logGroupName"], g.get("retentionInDays")) for g in groups] == [
        ("/aws/lambda/" + fn_name, expect["LogRetentionDays"])], groups

    names = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    assert sorted(names) == ["logs", "viewers"], names
    assert iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"] == []
    doc = iam.get_role_policy(RoleName=role_name, PolicyName="viewers")["PolicyDocument"]
    if isinstance(doc, str):  # moto returns the document as a Python-repr string
        import ast
        doc = ast.literal_eval(doc) if doc.startswith("{'") else json.loads(doc)
    actions = sorted(a for s in doc["Statement"] for a in as_list(s["Action"]))
    assert actions == ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "ivs:ListChannels",
                       "ivs:ListStreams", "ivs:PutMetadata"], actions
    table_stmt = [s for s in doc["Statement"] if "dynamodb:BatchGetItem" in as_list(s["Action"])][0]
    assert table_stmt["Resource"] == t["TableArn"], table_stmt

    outs = {o["OutputKey"]: o["OutputValue"] for o in st.get("Outputs", [])}
    assert outs == {
        "TableName": table_name, "TableArn": t["TableArn"],
        "FunctionName": fn_name, "FunctionArn": fc["FunctionArn"],
        "RuleName": rule_name, "LogGroupName": "/aws/lambda/" + fn_name,
    }, outs
    return table_name


def physical_ids(cf, stack):
    res = cf.describe_stack_resources(StackName=stack)["StackResources"]
    # moto 5.2 does not model AWS::Lambda::EventInvokeConfig: it lists it with no
    # LogicalResourceId, ResourceType or physical id (and creates no config). Exactly one
    # such entry stands for it; every other resource must be there by name.
    unnamed = [r for r in res if "LogicalResourceId" not in r]
    assert len(unnamed) == 1, res
    res = [r for r in res if "LogicalResourceId" in r]
    assert sorted(r["LogicalResourceId"] for r in res) == sorted(
        k for k in RESOURCES if k != "ViewersInvokeConfig"), res
    assert all(r["ResourceStatus"] == "CREATE_COMPLETE" for r in res), res
    # (moto gives AWS::Lambda::Permission no PhysicalResourceId.)
    return {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in res}


def delete_and_check_gone(url, cf, stack, table_name, fn_name):
    cf.delete_stack(StackName=stack)
    deadline = time.time() + 60
    while True:
        try:
            st = cf.describe_stacks(StackName=stack)["Stacks"][0]
        except cf.exceptions.ClientError as e:
            assert "does not exist" in str(e), e
            break
        if st["StackStatus"] == "DELETE_COMPLETE":
            break
        assert time.time() < deadline, st["StackStatus"]
        time.sleep(0.5)
    ddb = ivstest.boto_client("dynamodb", url)
    assert table_name not in ddb.list_tables()["TableNames"], "the table outlived its stack"
    lam = ivstest.boto_client("lambda", url)
    assert fn_name not in [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    logs = ivstest.boto_client("logs", url)
    assert logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/" + fn_name)["logGroups"] == []


@case
def moto_deploy_defaults_and_delete():
    with ivstest.MotoServer() as moto:
        params = prepare(moto)
        cf = ivstest.boto_client("cloudformation", moto.url)
        stack = "ivsvc-test"
        cf.create_stack(StackName=stack, TemplateBody=body(), Parameters=params,
                        Capabilities=["CAPABILITY_IAM"])
        st = wait_stack(cf, stack)
        assert st["StackStatus"] == "CREATE_COMPLETE", st
        physical = physical_ids(cf, stack)
        table = check_deployed(moto.url, stack, st, physical, {
            "MemorySize": 256, "Timeout": 50, "WINDOW_MINUTES": "5", "METADATA_FORMAT": "text",
            "RETENTION_DAYS": "0", "PUT_METADATA_RATE": "155",
            "ScheduleExpression": "rate(1 minute)", "LogRetentionDays": 14})
        delete_and_check_gone(moto.url, cf, stack, table, stack + "-viewers")


@case
def moto_deploy_every_parameter():
    with ivstest.MotoServer() as moto:
        params = prepare(moto) + [
            {"ParameterKey": k, "ParameterValue": v} for k, v in {
                "ScheduleExpression": "rate(2 minutes)", "WindowMinutes": "10",
                "MetadataFormat": "json", "LogRetentionDays": "30", "DataRetentionDays": "7",
                "MemorySize": "512", "TimeoutSeconds": "30", "PutMetadataRate": "50",
                "Architecture": "arm64"}.items()]
        cf = ivstest.boto_client("cloudformation", moto.url)
        stack = "ivsvc-params"
        cf.create_stack(StackName=stack, TemplateBody=body(), Parameters=params,
                        Capabilities=["CAPABILITY_IAM"])
        st = wait_stack(cf, stack)
        assert st["StackStatus"] == "CREATE_COMPLETE", st
        physical = physical_ids(cf, stack)
        given = {p["ParameterKey"]: p["ParameterValue"] for p in st["Parameters"]}
        assert given["Architecture"] == "arm64", given
        # moto ignores TimeToLiveSpecification (TTL stays DISABLED whatever the condition
        # says), so only the function's RETENTION_DAYS is checked here.
        table = check_deployed(moto.url, stack, st, physical, {
            "MemorySize": 512, "Timeout": 30, "WINDOW_MINUTES": "10", "METADATA_FORMAT": "json",
            "RETENTION_DAYS": "7", "PUT_METADATA_RATE": "50",
            "ScheduleExpression": "rate(2 minutes)", "LogRetentionDays": 30})
        delete_and_check_gone(moto.url, cf, stack, table, stack + "-viewers")


@case
def moto_change_set_create():
    """The way ivsvc deploys: a CREATE change set, executed."""
    with ivstest.MotoServer() as moto:
        params = prepare(moto)
        cf = ivstest.boto_client("cloudformation", moto.url)
        stack = "ivsvc-cs"
        cs = cf.create_change_set(StackName=stack, ChangeSetName="c1", ChangeSetType="CREATE",
                                  TemplateBody=body(), Parameters=params,
                                  Capabilities=["CAPABILITY_IAM"])
        d = cf.describe_change_set(ChangeSetName=cs["Id"])
        assert d["Status"] == "CREATE_COMPLETE" and d["ExecutionStatus"] == "AVAILABLE", d
        planned = sorted(c["ResourceChange"]["LogicalResourceId"] for c in d["Changes"])
        assert planned == sorted(RESOURCES), planned
        assert {c["ResourceChange"]["Action"] for c in d["Changes"]} == {"Add"}
        cf.execute_change_set(ChangeSetName=cs["Id"])
        st = wait_stack(cf, stack)
        assert st["StackStatus"] == "CREATE_COMPLETE", st
        physical = physical_ids(cf, stack)
        # moto quirk: after executing a CREATE change set the stack has no Outputs (AWS has
        # them). Code reading outputs must fall back to DescribeStackResources; here we
        # check the resources and tolerate missing outputs.
        if not st.get("Outputs"):
            st = dict(st, Outputs=[
                {"OutputKey": "TableName", "OutputValue": physical["ViewersTable"]},
                {"OutputKey": "FunctionName", "OutputValue": physical["ViewersFunction"]},
                {"OutputKey": "RuleName", "OutputValue": physical["ScheduleRule"]},
                {"OutputKey": "LogGroupName", "OutputValue": physical["FunctionLogGroup"]}])
            st["Outputs"] += [
                {"OutputKey": "TableArn", "OutputValue": ivstest.boto_client("dynamodb", moto.url)
                 .describe_table(TableName=physical["ViewersTable"])["Table"]["TableArn"]},
                {"OutputKey": "FunctionArn", "OutputValue": ivstest.boto_client("lambda", moto.url)
                 .get_function_configuration(FunctionName=physical["ViewersFunction"])["FunctionArn"]}]
        table = check_deployed(moto.url, stack, st, physical, {
            "MemorySize": 256, "Timeout": 50, "WINDOW_MINUTES": "5", "METADATA_FORMAT": "text",
            "RETENTION_DAYS": "0", "PUT_METADATA_RATE": "155",
            "ScheduleExpression": "rate(1 minute)", "LogRetentionDays": 14})
        delete_and_check_gone(moto.url, cf, stack, table, stack + "-viewers")


# ---------------------------------------------------------------------------------------
# architecture: in ivsvc.yaml, through synth
# ---------------------------------------------------------------------------------------


def synth(yaml_text):
    import shutil
    import tempfile
    d = tempfile.mkdtemp(prefix="ivsvc-synth-")
    try:
        with open(os.path.join(d, "ivsvc.yaml"), "w") as f:
            f.write(yaml_text)
        return ivstest.run_ivsvc(["synth"], env=ivstest.clean_env("http://127.0.0.1:9"), cwd=d, timeout=60)
    finally:
        shutil.rmtree(d)


@case
def synth_architecture_follows_the_package():
    import hashlib
    r = synth("stack_name: Syn\n")
    assert r.returncode == 0, r
    assert "      Architectures: [!Ref Architecture]\n" in r.stdout, r.stdout
    assert "#   Architecture: x86_64  # template Default\n" in r.stdout, r.stdout
    arm_zip = os.path.join(ivstest.BUILD_DIR, "function-arm64.zip")
    r = synth("stack_name: Syn\narchitecture: arm64\n")
    if not os.path.exists(arm_zip):  # a build without the cross toolchain refuses it
        assert r.returncode == 2 and "built without the arm64 package" in r.stderr, r
        return
    assert r.returncode == 0, r
    assert "#   Architecture: arm64  # ivsvc.yaml\n" in r.stdout, r.stdout
    with open(arm_zip, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    assert "#   CodeKey: ivsvc/%s.zip  # the handler package\n" % sha in r.stdout, r.stdout


@case
def synth_refuses_a_bad_architecture():
    for bad in ("aarch64", "x86-64", "ARM64"):
        r = synth("stack_name: Syn\n\narchitecture: %s\n" % bad)
        assert r.returncode == 2 and r.stdout == "", r
        want = "ivsvc.yaml:3: architecture must be x86_64 or arm64"
        assert want in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = synth("architecture: [arm64]\n")
    assert r.returncode == 2 and "ivsvc.yaml:1: architecture must be a single value" in r.stderr, r


if __name__ == "__main__":
    ivstest.require_python_tools("boto3")
    main = ivstest.main
    main()
