#!/usr/bin/env python3
"""cfn_sim - a small scripted CloudFormation endpoint for tests.

moto's CloudFormation is synchronous and emits no per-resource events, so progress
display, waiting on *_IN_PROGRESS, rollbacks and failure reasons cannot be exercised
against it. This server plays event sequences shaped like the ones AWS records, over the
query protocol (form-encoded POST, XML answers), with every request checked against and
every response built from botocore's CloudFormation service model.

Use it from Python:

    from cfn_sim import CfnSim           # PYTHONPATH=tests/sim
    with CfnSim("create-fails") as sim:  # 127.0.0.1, a free port
        ... point AWS_ENDPOINT_URL (or a boto3 client) at sim.url ...
        sim.requests()                   # what was called, in order

or run it:

    python3 tests/sim/cfn_sim.py --port 0 --port-file F --scenario NAME [--stack-name N]
        [--step-seconds S] [--page-size P] [--in-progress-steps K] [--template FILE]

Time: by default the clock moves one step per DescribeStacks or DescribeStackEvents call
(a call with NextToken reads further pages of the same moment and does not move it);
a step applies one event. With --step-seconds S > 0 it moves with real time instead, one
event every S seconds. Change sets stay CREATE_PENDING for one DescribeChangeSet (or S
seconds) before reaching their final status.

Scenarios (the stack is --stack-name, default IvsViewersCount):
  create-ok                  no stack; a CREATE change set executes: stack
                             CREATE_IN_PROGRESS, each resource CREATE_IN_PROGRESS ->
                             CREATE_COMPLETE (in dependency waves), CREATE_COMPLETE + Outputs.
  create-fails               as create-ok until ViewersFunction CREATE_FAILED ("Resource
                             handler returned message: ..."), ROLLBACK_IN_PROGRESS, created
                             resources DELETE_*, ROLLBACK_COMPLETE.
  update-rollback-failed     stack CREATE_COMPLETE; an UPDATE fails on ViewersFunction and so
                             does its rollback: UPDATE_ROLLBACK_FAILED with a reason.
  in-progress                stack UPDATE_IN_PROGRESS (someone else's update) for K steps,
                             then UPDATE_COMPLETE; updates are refused until then.
  rollback-complete-existing stack ROLLBACK_COMPLETE (a failed first create): it cannot be
                             updated; DeleteStack, then a CREATE change set works.
  no-changes                 stack CREATE_COMPLETE; an UPDATE change set ends FAILED with
                             "The submitted information didn't contain changes. ..."
  delete-ok                  stack CREATE_COMPLETE; DeleteStack deletes each resource, then
                             DELETE_COMPLETE (by name it then "does not exist"; by id it shows).
  cancel-rollback-fails      as in-progress; CancelUpdateStack's rollback fails on
                             ViewersFunction: UPDATE_ROLLBACK_FAILED with a reason.
  stuck-function             stack UPDATE_ROLLBACK_FAILED, ViewersFunction UPDATE_FAILED;
                             ContinueUpdateRollback completes the rollback (skipped or not).
  stuck-function-again       as stuck-function, but a rollback that does not skip the function
                             fails again: UPDATE_ROLLBACK_FAILED.
  stuck-table                as stuck-function with ViewersTable the UPDATE_FAILED resource.
  delete-fails               stack CREATE_COMPLETE; every DeleteStack stops on FunctionRole
                             DELETE_FAILED ("Cannot delete entity, must detach all policies
                             first"): DELETE_FAILED. DeleteStack with RetainResources (only
                             from DELETE_FAILED, as AWS) skips them (DELETE_SKIPPED) and ends
                             DELETE_COMPLETE.
  delete-fails-once          as delete-fails for the first DeleteStack only.
ContinueUpdateRollback (any scenario): refused unless UPDATE_ROLLBACK_FAILED; ResourcesToSkip
must be UPDATE_FAILED resources (each is marked UPDATE_COMPLETE, not rolled back).
CancelUpdateStack (any scenario): refused unless the stack is UPDATE_IN_PROGRESS (AWS's
ValidationError); else the update stops: ViewersFunction UPDATE_FAILED "Resource update
cancelled", UPDATE_ROLLBACK_IN_PROGRESS, the function back, UPDATE_ROLLBACK_COMPLETE.
In every scenario, operations not named by it succeed (create ok, update ok, delete ok).

Other endpoints: GET /_sim/requests (JSON list of every request: action, parsed params,
HTTP status, error code), GET /_sim/stacks (JSON summary).
"""
import argparse
import base64
import datetime
import itertools
import json
import os
import random
import re
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

ACCOUNT = "123456789012"
DEFAULT_STACK = "IvsViewersCount"
API_VERSION = "2010-05-15"
NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
NO_CHANGES = ("The submitted information didn't contain changes. "
              "Submit different information to create a change set.")
SCENARIOS = {
    # initial stack state, and how create / update / delete go
    "create-ok": dict(initial=None),
    "create-fails": dict(initial=None, create="fail"),
    "update-rollback-failed": dict(initial="CREATE_COMPLETE", update="rollback-failed"),
    "in-progress": dict(initial="UPDATE_IN_PROGRESS"),
    "rollback-complete-existing": dict(initial="ROLLBACK_COMPLETE"),
    "no-changes": dict(initial="CREATE_COMPLETE", update="no-changes"),
    "delete-ok": dict(initial="CREATE_COMPLETE"),
    "cancel-rollback-fails": dict(initial="UPDATE_IN_PROGRESS", cancel="rollback-failed"),
    "stuck-function": dict(initial="UPDATE_ROLLBACK_FAILED", stuck="ViewersFunction"),
    "stuck-function-again": dict(initial="UPDATE_ROLLBACK_FAILED", stuck="ViewersFunction",
                                 continue_="fails"),
    "stuck-table": dict(initial="UPDATE_ROLLBACK_FAILED", stuck="ViewersTable"),
    "delete-fails": dict(initial="CREATE_COMPLETE", delete="fail"),
    "delete-fails-once": dict(initial="CREATE_COMPLETE", delete="fail-once"),
}
DELETE_FAIL_RESOURCE = "FunctionRole"
DELETE_FAIL_REASON = (
    'Resource handler returned message: "Cannot delete entity, must detach all policies first. '
    '(Service: Iam, Status Code: 409, Request ID: 6c1e2f3a-4b5c-6d7e-8f9a-0b1c2d3e4f5a)" '
    '(RequestToken: 1f2e3d4c-5b6a-7980-a1b2-c3d4e5f6a7b8, HandlerErrorCode: GeneralServiceException)')
FAIL_RESOURCE = "ViewersFunction"
CREATE_FAIL_REASON = (
    'Resource handler returned message: "Error occurred while GetObject. S3 Error Code: '
    'NoSuchKey. S3 Error Message: The specified key does not exist. (Service: Lambda, '
    'Status Code: 400, Request ID: 5f3a9c1e-8a47-4d52-9f0e-2b6c1d7e4a10)" (RequestToken: '
    '0c7d2e61-93b4-6a1f-2e8d-4b5c6a7f8e90, HandlerErrorCode: InvalidRequest)')
UPDATE_FAIL_REASON = (
    'Resource handler returned message: "Error occurred while GetObject. S3 Error Code: '
    'NoSuchKey. S3 Error Message: The specified key does not exist. (Service: Lambda, '
    'Status Code: 400, Request ID: 8e2f6a0b-1c3d-4e5f-9a7b-6c5d4e3f2a1b)" (RequestToken: '
    '4a1b2c3d-5e6f-7a8b-9c0d-1e2f3a4b5c6d, HandlerErrorCode: InvalidRequest)')
ROLLBACK_FAIL_REASON = (
    'Resource handler returned message: "The role defined for the function cannot be '
    'assumed by Lambda. (Service: Lambda, Status Code: 400, Request ID: '
    '2d4f6a8c-0e1b-3c5d-7e9f-1a3b5c7d9e0f)" (RequestToken: 9b8a7c6d-5e4f-3a2b-1c0d-'
    'e9f8a7b6c5d4, HandlerErrorCode: InvalidRequest)')
# The resources of templates/stack.yaml, used when a template cannot be read.
FALLBACK_RESOURCES = [
    ("ViewersTable", "AWS::DynamoDB::Table", []),
    ("FunctionLogGroup", "AWS::Logs::LogGroup", []),
    ("FunctionRole", "AWS::IAM::Role", ["FunctionLogGroup", "ViewersTable"]),
    ("ViewersFunction", "AWS::Lambda::Function", ["FunctionLogGroup", "FunctionRole", "ViewersTable"]),
    ("ScheduleRule", "AWS::Events::Rule", ["ViewersFunction"]),
    ("SchedulePermission", "AWS::Lambda::Permission", ["ViewersFunction", "ScheduleRule"]),
    ("ViewersInvokeConfig", "AWS::Lambda::EventInvokeConfig", ["ViewersFunction"]),
]


class SimError(Exception):
    def __init__(self, code, message, status=400, type_="Sender"):
        super().__init__(message)
        self.code, self.message, self.status, self.type = code, message, status, type_


def validation(msg):
    return SimError("ValidationError", msg)


def iso(t):
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


# ---------------------------------------------------------------------------------------
# The botocore model: parse query input, serialize XML output
# ---------------------------------------------------------------------------------------

class Model:
    def __init__(self):
        import botocore.session
        self.sm = botocore.session.get_session().get_service_model("cloudformation")
        self.ops = set(self.sm.operation_names)

    # -- input ---------------------------------------------------------------------------
    def parse_input(self, action, form):
        if action not in self.ops:
            raise SimError("InvalidAction", "The action %s is not valid for this web service." % action)
        op = self.sm.operation_model(action)
        tree = {}
        for key, value in form.items():
            if key in ("Action", "Version"):
                continue
            parts = key.split(".")
            node = tree
            for p in parts[:-1]:
                nxt = node.setdefault(p, {})
                if not isinstance(nxt, dict):
                    raise validation("Malformed parameter %s" % key)
                node = nxt
            if parts[-1] in node:
                raise validation("Malformed parameter %s" % key)
            node[parts[-1]] = value
        if op.input_shape is None:
            if tree:
                raise validation("Unknown parameter(s) %s for %s" % (sorted(tree), action))
            return {}
        return self._convert(op.input_shape, tree, "")

    def _convert(self, shape, node, path):
        t = shape.type_name
        if t == "structure":
            if not isinstance(node, dict):
                raise validation("Invalid value for %s" % (path or shape.name))
            out = {}
            for k, v in node.items():
                if k not in shape.members:
                    raise validation("Unknown parameter %s%s" % (path, k))
                out[k] = self._convert(shape.members[k], v, path + k + ".")
            missing = [r for r in shape.required_members if r not in node]
            if missing:
                raise validation("1 validation error detected: Value null at '%s' failed to satisfy "
                                 "constraint: Member must not be null" % (path + missing[0]))
            return out
        if t == "list":
            if node == "":
                return []
            if not isinstance(node, dict) or set(node) != {"member"} or not isinstance(node["member"], dict):
                raise validation("Invalid list parameter %s" % path.rstrip("."))
            items = node["member"]
            try:
                idx = sorted(items, key=int)
            except ValueError:
                raise validation("Invalid list index in %s" % path.rstrip("."))
            if [int(i) for i in idx] != list(range(1, len(idx) + 1)):
                raise validation("List %s is not numbered 1..N" % path.rstrip("."))
            return [self._convert(shape.member, items[i], path + "member.%s." % i) for i in idx]
        if t == "map":
            if not isinstance(node, dict) or set(node) != {"entry"}:
                raise validation("Invalid map parameter %s" % path.rstrip("."))
            out = {}
            for i in sorted(node["entry"], key=int):
                e = node["entry"][i]
                out[self._convert(shape.key, e.get("key"), path)] = self._convert(shape.value, e.get("value"), path)
            return out
        if not isinstance(node, str):
            raise validation("Invalid value for %s" % path.rstrip("."))
        if t in ("integer", "long"):
            try:
                return int(node)
            except ValueError:
                raise validation("Invalid integer for %s" % path.rstrip("."))
        if t == "boolean":
            if node not in ("true", "false"):
                raise validation("Invalid boolean for %s" % path.rstrip("."))
            return node == "true"
        if t == "string" and shape.enum and node not in shape.enum:
            raise validation("1 validation error detected: Value '%s' at '%s' failed to satisfy "
                             "constraint: Member must satisfy enum value set: [%s]"
                             % (node, path.rstrip("."), ", ".join(shape.enum)))
        return node

    # -- output --------------------------------------------------------------------------
    def response(self, action, data, request_id):
        op = self.sm.operation_model(action)
        body = ""
        if op.output_shape is not None:
            wrapper = op.output_shape.serialization.get("resultWrapper", action + "Result")
            body = "<%s>%s</%s>" % (wrapper, self._members(op.output_shape, data or {}), wrapper)
        elif data:
            raise AssertionError("%s has no output" % action)
        return ('<%sResponse xmlns="%s">%s<ResponseMetadata><RequestId>%s</RequestId>'
                '</ResponseMetadata></%sResponse>\n' % (action, NS, body, request_id, action))

    def _members(self, shape, data):
        unknown = set(data) - set(shape.members)
        if unknown:  # a bug in the simulator, not in the client
            raise AssertionError("%s has no member(s) %s" % (shape.name, sorted(unknown)))
        missing = [r for r in shape.required_members if data.get(r) is None]
        if missing:
            raise AssertionError("%s lacks required %s" % (shape.name, missing))
        out = []
        for name, member in shape.members.items():  # model order
            if data.get(name) is None:
                continue
            tag = member.serialization.get("name", name)
            out.append("<%s>%s</%s>" % (tag, self._value(member, data[name]), tag))
        return "".join(out)

    def _value(self, shape, v):
        t = shape.type_name
        if t == "structure":
            return self._members(shape, v)
        if t == "list":
            return "".join("<member>%s</member>" % self._value(shape.member, x) for x in v)
        if t == "map":
            return "".join("<entry><key>%s</key><value>%s</value></entry>"
                           % (self._value(shape.key, k), self._value(shape.value, x)) for k, x in v.items())
        if t == "timestamp":
            return iso(v) if isinstance(v, (int, float)) else escape(str(v))
        if t == "boolean":
            return "true" if v else "false"
        if t in ("integer", "long"):
            return str(int(v))
        if t == "string" and shape.enum and v not in shape.enum:
            # A stack's own events carry stack statuses (REVIEW_IN_PROGRESS, ROLLBACK_*,
            # UPDATE_COMPLETE_CLEANUP_IN_PROGRESS...) in ResourceStatus, as AWS sends them.
            extra = self.sm.shape_for("StackStatus").enum if shape.name == "ResourceStatus" else []
            if v not in extra:
                raise AssertionError("%r is not in %s's enum" % (v, shape.name))
        return escape(str(v))

    @staticmethod
    def error(code, message, type_, request_id):
        return ('<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message>'
                '</Error><RequestId>%s</RequestId></ErrorResponse>\n'
                % (NS, type_, escape(code), escape(message), request_id))


# ---------------------------------------------------------------------------------------
# Templates: just enough to know the resources, their order, names and outputs
# ---------------------------------------------------------------------------------------

def parse_template(body):
    """The template as a dict (JSON or YAML with short-form tags), or raise ValidationError."""
    try:
        return json.loads(body)
    except ValueError:
        pass
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def tag(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            v = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            v = loader.construct_sequence(node, deep=True)
        else:
            v = loader.construct_mapping(node, deep=True)
        if suffix == "Ref":
            return {"Ref": v}
        if suffix == "GetAtt" and isinstance(v, str):
            v = v.split(".", 1)
        return {"Fn::" + suffix: v}

    Loader.add_multi_constructor("!", tag)
    try:
        tpl = yaml.load(body, Loader=Loader)
    except yaml.YAMLError as e:
        raise validation("Template format error: YAML not well-formed. (%s)" % str(e).splitlines()[0])
    if not isinstance(tpl, dict) or not isinstance(tpl.get("Resources"), dict) or not tpl["Resources"]:
        raise validation("Template format error: At least one Resources member must be defined.")
    return tpl


def references(value, names):
    """Logical ids that value refers to (Ref, GetAtt, Sub)."""
    out = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str) and v in names:
                out.add(v)
            elif k == "Fn::GetAtt":
                first = v[0] if isinstance(v, list) else str(v).split(".")[0]
                if first in names:
                    out.add(first)
            elif k == "Fn::Sub":
                s = v[0] if isinstance(v, list) else v
                for m in re.findall(r"\$\{([^}!][^}]*)\}", str(s)):
                    if m.split(".")[0] in names:
                        out.add(m.split(".")[0])
                if isinstance(v, list) and len(v) > 1:
                    out |= references(v[1], names)
            else:
                out |= references(v, names)
    elif isinstance(value, list):
        for x in value:
            out |= references(x, names)
    return out


def template_resources(tpl):
    """[(logical id, type, deps)] in template order."""
    if tpl is None:
        return list(FALLBACK_RESOURCES)
    res = tpl["Resources"]
    names = set(res)
    out = []
    for name, r in res.items():
        deps = references(r.get("Properties", {}), names)
        dep_on = r.get("DependsOn", [])
        deps |= set([dep_on] if isinstance(dep_on, str) else dep_on) & names
        out.append((name, r.get("Type", "AWS::CloudFormation::WaitConditionHandle"), sorted(deps - {name})))
    return out


def waves(resources):
    """Resources grouped so that each group's dependencies are all in earlier groups."""
    done, left, out = set(), list(resources), []
    while left:
        wave = [r for r in left if set(r[2]) <= done] or [left[0]]  # a cycle: go on anyway
        out.append(wave)
        done |= {r[0] for r in wave}
        left = [r for r in left if r[0] not in done]
    return out


# ---------------------------------------------------------------------------------------
# Stacks, change sets, scripts
# ---------------------------------------------------------------------------------------

class Stack:
    def __init__(self, sim, name, region):
        self.name = name
        self.region = region
        self.id = "arn:aws:cloudformation:%s:%s:stack/%s/%s" % (region, ACCOUNT, name, sim.uuid())
        self.status = "REVIEW_IN_PROGRESS"
        self.reason = None
        self.created = sim.now()
        self.updated = None
        self.deleted = None
        self.events = []          # oldest first
        self.resources = {}       # logical id -> dict
        self.outputs = []
        self.parameters = []
        self.capabilities = []
        self.tags = []
        self.description = None
        self.template = None      # body
        self.tpl = None           # parsed
        self.change_sets = {}     # name -> ChangeSet
        self.script = []          # pending steps (each a list of actions)
        self.script_started = None
        self.executing = None     # the ChangeSet being executed


class ChangeSet:
    def __init__(self, sim, stack, name, type_, params, body, tpl):
        self.name = name
        self.id = "arn:aws:cloudformation:%s:%s:changeSet/%s/%s" % (stack.region, ACCOUNT, name, sim.uuid())
        self.stack = stack
        self.type = type_
        self.created = sim.now()
        self.status = "CREATE_PENDING"
        self.execution_status = "UNAVAILABLE"
        self.reason = None
        self.describes = 0
        self.final = None         # (status, execution status, reason) once computed
        self.changes = []
        self.parameters = params
        self.template = body
        self.tpl = tpl
        self.capabilities = []
        self.tags = []
        self.description = None


class Sim:
    def __init__(self, scenario="create-ok", stack_name=DEFAULT_STACK, step_seconds=0.0,
                 page_size=10, in_progress_steps=4, template_body=None, region="us-east-1"):
        if scenario not in SCENARIOS:
            raise ValueError("unknown scenario %r (one of %s)" % (scenario, ", ".join(SCENARIOS)))
        self.scenario = scenario
        self.plan = dict(dict(create="ok", update="ok", delete="ok", cancel="ok", stuck=None,
                              continue_="ok"), **SCENARIOS[scenario])
        self.deletes = 0
        self.stack_name = stack_name
        self.step_seconds = float(step_seconds)
        self.page_size = int(page_size)
        self.in_progress_steps = max(1, int(in_progress_steps))
        self.region = region
        self.model = Model()
        self.lock = threading.RLock()
        self.rand = random.Random(scenario + stack_name)
        self.stacks = {}          # live stacks by name
        self.all_stacks = []      # every stack ever, for lookups by id
        self.log = []
        self._last_t = 0.0
        if template_body is None:
            path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "templates", "stack.yaml")
            try:
                with open(path) as f:
                    template_body = f.read()
            except OSError:
                template_body = None
        self.initial_template = template_body
        if self.plan["initial"]:
            self._seed(self.plan["initial"])

    # -- helpers -------------------------------------------------------------------------
    def uuid(self):
        return str(uuid.UUID(int=self.rand.getrandbits(128), version=4))

    def suffix(self):
        return "".join(self.rand.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(12))

    def now(self):
        t = max(time.time(), self._last_t + 0.001)   # strictly increasing timestamps
        self._last_t = t
        return t

    def find(self, name_or_id, include_deleted=False):
        if name_or_id is None:
            return None
        if name_or_id.startswith("arn:"):
            for s in reversed(self.all_stacks):
                if s.id == name_or_id and (include_deleted or s.deleted is None):
                    return s
            return None
        return self.stacks.get(name_or_id)

    def must_find(self, name_or_id, include_deleted=True):
        s = self.find(name_or_id, include_deleted)
        if s is None:
            raise validation("Stack with id %s does not exist" % name_or_id)
        return s

    # -- events and scripts ----------------------------------------------------------------
    def _event(self, st, logical, status, reason=None, t=None):
        t = self.now() if t is None else t
        if logical == st.name:
            rtype, phys = "AWS::CloudFormation::Stack", st.id
            st.status, st.reason = status, reason
            if status.endswith("_COMPLETE") or status.endswith("_FAILED"):
                self._finish(st, status)
        else:
            r = st.resources.get(logical)
            if r is None:
                rtype = self._type_of(st, logical)
                r = st.resources[logical] = dict(type=rtype, physical=None, status=None, reason=None, t=t)
            rtype = r["type"]
            if status == "CREATE_COMPLETE" and not r["physical"]:
                r["physical"] = self._physical(st, logical, rtype)
            r.update(status=status, reason=reason, t=t)
            phys = r["physical"] or ""
            if status == "DELETE_COMPLETE":
                del st.resources[logical]
        ev = dict(StackId=st.id, EventId=(self.uuid() if logical == st.name else
                                          "%s-%s-%s" % (logical, status, iso(t))),
                  StackName=st.name, LogicalResourceId=logical, PhysicalResourceId=phys,
                  ResourceType=rtype, Timestamp=t, ResourceStatus=status)
        if reason:
            ev["ResourceStatusReason"] = reason
        st.events.append(ev)

    def _finish(self, st, status):
        if status == "CREATE_COMPLETE" or status == "UPDATE_COMPLETE":
            st.outputs = self._outputs(st)
        cs = st.executing
        if cs is not None and not status.endswith("CLEANUP_IN_PROGRESS"):
            ok = status in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
            cs.execution_status = "EXECUTE_COMPLETE" if ok else "EXECUTE_FAILED"
            st.executing = None
        if status == "DELETE_COMPLETE":
            st.deleted = self.now()
            st.change_sets.clear()
            if self.stacks.get(st.name) is st:
                del self.stacks[st.name]

    def _type_of(self, st, logical):
        for name, typ, _ in template_resources(st.tpl):
            if name == logical:
                return typ
        return "AWS::CloudFormation::WaitConditionHandle"

    def _sub(self, st, s):
        def rep(m):
            key = m.group(1)
            pseudo = {"AWS::StackName": st.name, "AWS::Region": st.region, "AWS::AccountId": ACCOUNT,
                      "AWS::Partition": "aws", "AWS::StackId": st.id, "AWS::URLSuffix": "amazonaws.com"}
            if key in pseudo:
                return pseudo[key]
            for p in st.parameters:
                if p["ParameterKey"] == key:
                    return p["ParameterValue"]
            r = st.resources.get(key.split(".")[0])
            if r and r["physical"]:
                return self._attr(st, key.split(".")[0], key.split(".")[1]) if "." in key else r["physical"]
            return m.group(0)
        return re.sub(r"\$\{([^}!][^}]*)\}", rep, s)

    def _physical(self, st, logical, rtype):
        props = ((st.tpl or {}).get("Resources", {}).get(logical) or {}).get("Properties") or {}
        named = {"AWS::Lambda::Function": "FunctionName", "AWS::Logs::LogGroup": "LogGroupName",
                 "AWS::DynamoDB::Table": "TableName", "AWS::Events::Rule": "Name",
                 "AWS::IAM::Role": "RoleName"}.get(rtype)
        v = props.get(named) if named else None
        if isinstance(v, dict) and "Fn::Sub" in v and isinstance(v["Fn::Sub"], str):
            return self._sub(st, v["Fn::Sub"])
        if isinstance(v, str):
            return v
        if rtype == "AWS::Lambda::Function" and st.tpl is None:
            return "%s-viewers" % st.name
        if rtype == "AWS::Logs::LogGroup" and st.tpl is None:
            return "/aws/lambda/%s-viewers" % st.name
        return "%s-%s-%s" % (st.name, logical, self.suffix())

    def _attr(self, st, logical, attr):
        r = st.resources.get(logical)
        if not r or not r["physical"]:
            return None
        p, reg = r["physical"], st.region
        if attr != "Arn":
            return p
        return {
            "AWS::DynamoDB::Table": "arn:aws:dynamodb:%s:%s:table/%s" % (reg, ACCOUNT, p),
            "AWS::Lambda::Function": "arn:aws:lambda:%s:%s:function:%s" % (reg, ACCOUNT, p),
            "AWS::Events::Rule": "arn:aws:events:%s:%s:rule/%s" % (reg, ACCOUNT, p),
            "AWS::Logs::LogGroup": "arn:aws:logs:%s:%s:log-group:%s:*" % (reg, ACCOUNT, p),
            "AWS::IAM::Role": "arn:aws:iam::%s:role/%s" % (ACCOUNT, p),
        }.get(r["type"], p)

    def _resolve(self, st, v):
        if isinstance(v, dict) and "Ref" in v:
            r = st.resources.get(v["Ref"])
            if r:
                return r["physical"]
            return self._sub(st, "${%s}" % v["Ref"])
        if isinstance(v, dict) and "Fn::GetAtt" in v:
            a = v["Fn::GetAtt"]
            return self._attr(st, a[0], a[1])
        if isinstance(v, dict) and "Fn::Sub" in v and isinstance(v["Fn::Sub"], str):
            return self._sub(st, v["Fn::Sub"])
        if isinstance(v, (str, int, float)):
            return str(v)
        return None

    def _outputs(self, st):
        outs = []
        if st.tpl is None:
            return outs
        for key, o in (st.tpl.get("Outputs") or {}).items():
            val = self._resolve(st, o.get("Value"))
            if val is None:
                continue
            d = dict(OutputKey=key, OutputValue=val)
            if o.get("Description"):
                d["Description"] = o["Description"]
            outs.append(d)
        return outs

    def _create_steps(self, st, fail):
        """Steps after the stack's CREATE_IN_PROGRESS: resources in dependency waves."""
        steps, created = [], []
        all_waves = waves(template_resources(st.tpl))
        for wave in all_waves:
            names = [w[0] for w in wave]
            for n in names:
                steps.append([(n, "CREATE_IN_PROGRESS", None)])
            for n in names:
                steps.append([(n, "CREATE_IN_PROGRESS", "Resource creation Initiated")])
            if fail and (FAIL_RESOURCE in names or wave is all_waves[-1]):
                bad = FAIL_RESOURCE if FAIL_RESOURCE in names else names[-1]
                steps.append([(bad, "CREATE_FAILED", CREATE_FAIL_REASON)])
                others = [n for n in names if n != bad]
                for n in others:
                    steps.append([(n, "CREATE_FAILED", "Resource creation cancelled")])
                steps.append([(st.name, "ROLLBACK_IN_PROGRESS",
                               "The following resource(s) failed to create: [%s]. Rollback requested by user."
                               % ", ".join(sorted([bad] + others)))])
                for n in [bad] + others:
                    steps.append([(n, "DELETE_COMPLETE", None)])
                for n in reversed(created):
                    steps.append([(n, "DELETE_IN_PROGRESS", None)])
                    steps.append([(n, "DELETE_COMPLETE", None)])
                steps.append([(st.name, "ROLLBACK_COMPLETE", None)])
                return steps
            for n in names:
                steps.append([(n, "CREATE_COMPLETE", None)])
            created += names
        steps.append([(st.name, "CREATE_COMPLETE", None)])
        return steps

    def _update_steps(self, st, outcome, targets):
        steps = []
        for n in targets:
            steps.append([(n, "UPDATE_IN_PROGRESS", None)])
        if outcome == "rollback-failed":
            bad = FAIL_RESOURCE if FAIL_RESOURCE in targets else targets[-1]
            steps.append([(bad, "UPDATE_FAILED", UPDATE_FAIL_REASON)])
            reason = "The following resource(s) failed to update: [%s]. " % bad
            steps.append([(st.name, "UPDATE_ROLLBACK_IN_PROGRESS", reason)])
            steps.append([(bad, "UPDATE_IN_PROGRESS", None)])
            steps.append([(bad, "UPDATE_FAILED", ROLLBACK_FAIL_REASON)])
            steps.append([(st.name, "UPDATE_ROLLBACK_FAILED", reason)])
            return steps
        for n in targets:
            steps.append([(n, "UPDATE_COMPLETE", None)])
        steps.append([(st.name, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", None)])
        steps.append([(st.name, "UPDATE_COMPLETE", None)])
        return steps

    def _delete_steps(self, st, fail=False, retain=()):
        """fail: DELETE_FAIL_RESOURCE (IAM: policies attached by hand) cannot be deleted, and
        what depends on it is left (CloudFormation stops); retain: logical ids kept."""
        steps = []
        order = [w[0] for wave in waves(template_resources(st.tpl)) for w in wave]
        live = [n for n in reversed(order) if n in st.resources] + \
               [n for n in st.resources if n not in order]
        for n in live:
            if n in retain:
                steps.append([(n, "DELETE_SKIPPED", None)])
                continue
            steps.append([(n, "DELETE_IN_PROGRESS", None)])
            if fail and n == DELETE_FAIL_RESOURCE:
                steps.append([(n, "DELETE_FAILED", DELETE_FAIL_REASON)])
                steps.append([(st.name, "DELETE_FAILED", "The following resource(s) failed to delete: "
                               "[%s]. " % n)])
                return steps
            steps.append([(n, "DELETE_COMPLETE", None)])
        steps.append([(st.name, "DELETE_COMPLETE", None)])
        return steps

    def _start(self, st, first, steps, t=None):
        """Apply the first event now; the rest as the clock moves."""
        self._event(st, st.name, first[0], first[1], t=t)
        st.script = steps
        st.script_started = time.time()
        st.steps_applied = 0

    def advance(self, st):
        if not st.script:
            return
        if self.step_seconds > 0:
            due = int((time.time() - st.script_started) / self.step_seconds) - st.steps_applied
        else:
            due = 1
        for _ in range(max(0, due)):
            if not st.script:
                break
            for logical, status, reason in st.script.pop(0):
                self._event(st, logical, status, reason)
            st.steps_applied += 1

    def _run_now(self, st, first, steps, t0):
        """Play a whole script at once, back-dated from t0 (for a scenario's history)."""
        clock = itertools.count()
        self._start(st, first, steps, t=t0)
        while st.script:
            for logical, status, reason in st.script.pop(0):
                self._event(st, logical, status, reason, t=t0 + 1 + next(clock))
        self._last_t = max(self._last_t, t0 + 1 + next(clock))

    def _seed(self, initial):
        st = Stack(self, self.stack_name, self.region)
        st.created = time.time() - 7200
        self.stacks[st.name] = st
        self.all_stacks.append(st)
        st.template = self.initial_template
        try:
            st.tpl = parse_template(st.template) if st.template else None
        except SimError:
            st.tpl = None
        st.parameters = self._parameters(st, st.tpl, [dict(ParameterKey="CodeBucket", ParameterValue="ivsvc-code-%s" % ACCOUNT),
                                                      dict(ParameterKey="CodeKey", ParameterValue="ivsvc/bootstrap-0000000000.zip")])
        st.capabilities = ["CAPABILITY_IAM"]
        t0 = time.time() - 7200
        self._last_t = t0 - 1
        self._event(st, st.name, "REVIEW_IN_PROGRESS", "User Initiated", t=t0 - 1)
        if initial == "ROLLBACK_COMPLETE":
            self._run_now(st, ("CREATE_IN_PROGRESS", "User Initiated"), self._create_steps(st, fail=True), t0)
            return
        self._run_now(st, ("CREATE_IN_PROGRESS", "User Initiated"), self._create_steps(st, fail=False), t0)
        if initial == "UPDATE_ROLLBACK_FAILED":
            st.updated = time.time() - 600
            self._run_now(st, ("UPDATE_IN_PROGRESS", "User Initiated"),
                          self._update_steps(st, "rollback-failed", [self.plan["stuck"]]), time.time() - 600)
            return
        if initial == "UPDATE_IN_PROGRESS":
            st.updated = time.time() - 5
            self._last_t = time.time() - 5
            k = self.in_progress_steps
            body = [[(FAIL_RESOURCE, "UPDATE_IN_PROGRESS", None)], [(FAIL_RESOURCE, "UPDATE_COMPLETE", None)],
                    [(st.name, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", None)]]
            # K steps: the last one completes the update; extra events share the last step.
            steps = [s for s in body[:k - 1]] + [[] for _ in range(max(0, k - 1 - len(body)))]
            last = [e for s in body[k - 1:] for e in s] + [(st.name, "UPDATE_COMPLETE", None)]
            self._start(st, ("UPDATE_IN_PROGRESS", "User Initiated"), steps + [last])

    def _parameters(self, st, tpl, given, previous=None):
        prev = {p["ParameterKey"]: p["ParameterValue"] for p in (previous or [])}
        out, seen = [], set()
        declared = (tpl or {}).get("Parameters") or {}
        for p in given:
            key = p.get("ParameterKey")
            if declared and key not in declared:
                raise validation("Parameters: [%s] do not exist in the template" % key)
            if p.get("UsePreviousValue"):
                if key not in prev:
                    raise validation("Invalid input for parameter key %s. Cannot specify usePreviousValue "
                                     "as true for a parameter key not in the previous template" % key)
                val = prev[key]
            else:
                val = p.get("ParameterValue", "")
            out.append(dict(ParameterKey=key, ParameterValue=val))
            seen.add(key)
        missing = []
        for key, d in declared.items():
            if key in seen:
                continue
            if "Default" in d:
                out.append(dict(ParameterKey=key, ParameterValue=str(d["Default"])))
            else:
                missing.append(key)
        if missing:
            raise validation("Parameters: [%s] must have values" % ", ".join(missing))
        return out

    # -- shapes ----------------------------------------------------------------------------
    def stack_shape(self, st):
        d = dict(StackId=st.id, StackName=st.name, CreationTime=st.created, StackStatus=st.status,
                 Parameters=st.parameters or None, Capabilities=st.capabilities or None,
                 Tags=st.tags or None, Outputs=st.outputs or None, Description=st.description,
                 DisableRollback=False, NotificationARNs=[], EnableTerminationProtection=False,
                 RollbackConfiguration={}, DriftInformation=dict(StackDriftStatus="NOT_CHECKED"))
        if st.reason:
            d["StackStatusReason"] = st.reason
        if st.updated:
            d["LastUpdatedTime"] = st.updated
        if st.deleted:
            d["DeletionTime"] = st.deleted
        if st.status == "REVIEW_IN_PROGRESS":
            d.pop("Outputs", None)
        return d

    # -- actions ---------------------------------------------------------------------------
    def DescribeStacks(self, p):
        if "StackName" in p:
            st = self.must_find(p["StackName"], include_deleted=True)
            self.advance(st)
            if st.deleted is not None and not p["StackName"].startswith("arn:"):
                # as AWS: by name a deleted stack is gone; by stack id it shows DELETE_COMPLETE
                raise validation("Stack with id %s does not exist" % p["StackName"])
            return dict(Stacks=[self.stack_shape(st)])
        for st in list(self.stacks.values()):
            self.advance(st)
        return dict(Stacks=[self.stack_shape(s) for s in self.stacks.values()])

    def DescribeStackEvents(self, p):
        st = self.must_find(p["StackName"], include_deleted=True)
        if "NextToken" in p:
            try:
                tok = json.loads(base64.b64decode(p["NextToken"]).decode())
                end, sid = int(tok["before"]), tok["stack"]
            except Exception:
                raise validation("Invalid NextToken")
            if sid != st.id:
                raise validation("Invalid NextToken")
        else:
            self.advance(st)
            end = len(st.events)
        start = max(0, end - self.page_size)
        page = list(reversed(st.events[start:end]))
        out = dict(StackEvents=page)
        if start > 0:
            out["NextToken"] = base64.b64encode(json.dumps(dict(stack=st.id, before=start)).encode()).decode()
        return out

    def DescribeStackResources(self, p):
        name = p.get("StackName")
        if name is None and "PhysicalResourceId" in p:
            for s in self.stacks.values():
                if any(r["physical"] == p["PhysicalResourceId"] for r in s.resources.values()):
                    name = s.id
            if name is None:
                raise validation("Stack for %s does not exist" % p["PhysicalResourceId"])
        if name is None:
            raise validation("Either StackName or PhysicalResourceId must be specified")
        st = self.must_find(name, include_deleted=True)
        out = []
        for logical, r in st.resources.items():
            if p.get("LogicalResourceId") not in (None, logical):
                continue
            d = dict(StackName=st.name, StackId=st.id, LogicalResourceId=logical, ResourceType=r["type"],
                     Timestamp=r["t"], ResourceStatus=r["status"], DriftInformation=dict(StackResourceDriftStatus="NOT_CHECKED"))
            if r["physical"]:
                d["PhysicalResourceId"] = r["physical"]
            if r["reason"]:
                d["ResourceStatusReason"] = r["reason"]
            out.append(d)
        return dict(StackResources=out)

    def GetTemplate(self, p):
        if "ChangeSetName" in p:
            cs = self._find_cs(p["ChangeSetName"], p.get("StackName"))
            body = cs.template
        else:
            if "StackName" not in p:
                raise validation("StackName or ChangeSetName must be specified")
            body = self.must_find(p["StackName"], include_deleted=True).template
        return dict(TemplateBody=body or "", StagesAvailable=["Original", "Processed"])

    def _find_cs(self, name, stack_name):
        if name.startswith("arn:"):
            for s in self.all_stacks:
                for cs in s.change_sets.values():
                    if cs.id == name:
                        return cs
        else:
            if not stack_name:
                raise validation("StackName must be specified if ChangeSetName is not specified as an ARN.")
            st = self.find(stack_name)
            if st is None:
                raise validation("Stack [%s] does not exist" % stack_name)
            if name in st.change_sets:
                return st.change_sets[name]
        raise SimError("ChangeSetNotFound", "ChangeSet [%s] does not exist" % name, status=404)

    def CreateChangeSet(self, p):
        name, cs_name = p["StackName"], p["ChangeSetName"]
        type_ = p.get("ChangeSetType", "UPDATE")
        if type_ not in ("CREATE", "UPDATE"):
            raise validation("ChangeSetType %s is not supported by this simulator" % type_)
        if not re.match(r"^[a-zA-Z][-a-zA-Z0-9]*$", cs_name) or len(cs_name) > 128:
            raise validation("1 validation error detected: Value '%s' at 'changeSetName' failed to satisfy "
                             "constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*" % cs_name)
        st = self.find(name)
        if type_ == "UPDATE":
            if st is None:
                raise validation("Stack [%s] does not exist" % name)
            if st.status == "REVIEW_IN_PROGRESS":
                raise validation("Stack [%s] does not exist" % name)
            if st.status.endswith("_IN_PROGRESS") or st.status in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED",
                                                                    "UPDATE_ROLLBACK_FAILED", "DELETE_FAILED",
                                                                    "CREATE_FAILED"):
                raise validation("Stack:%s is in %s state and can not be updated." % (st.id, st.status))
        elif st is not None and st.status != "REVIEW_IN_PROGRESS":
            raise validation("Stack [%s] already exists and cannot be created again with the changeSet [%s]."
                             % (name, cs_name))
        if st is not None and cs_name in st.change_sets:
            raise SimError("AlreadyExistsException", "ChangeSet %s already exists" % cs_name)
        if p.get("UsePreviousTemplate"):
            if st is None or type_ == "CREATE":
                raise validation("UsePreviousTemplate is not allowed for a new stack")
            body = st.template
        elif "TemplateBody" in p:
            body = p["TemplateBody"]
        elif "TemplateURL" in p:
            raise validation("TemplateURL is not supported by this simulator; send TemplateBody")
        else:
            raise validation("Either Template URL or Template Body must be specified.")
        tpl = parse_template(body)
        types = {r.get("Type") for r in tpl["Resources"].values() if isinstance(r, dict)}
        caps = p.get("Capabilities", [])
        if types & {"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User"} and \
                not set(caps) & {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"}:
            raise SimError("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_IAM]")
        if st is None:
            st = Stack(self, name, self.region)
            self.stacks[name] = st
            self.all_stacks.append(st)
            self._event(st, name, "REVIEW_IN_PROGRESS", "User Initiated")
        params = self._parameters(st, tpl, p.get("Parameters", []), st.parameters)
        cs = ChangeSet(self, st, cs_name, type_, params, body, tpl)
        cs.capabilities, cs.tags, cs.description = caps, p.get("Tags", []), p.get("Description")
        if type_ == "CREATE":
            cs.changes = [dict(Type="Resource", ResourceChange=dict(
                Action="Add", LogicalResourceId=n, ResourceType=t, Scope=[], Details=[]))
                for n, t, _ in template_resources(tpl)]
            cs.final = ("CREATE_COMPLETE", "AVAILABLE", None)
        elif self.plan["update"] == "no-changes":
            cs.final = ("FAILED", "UNAVAILABLE", NO_CHANGES)
        else:
            old = {n for n, _, _ in template_resources(st.tpl)}
            target = FAIL_RESOURCE if FAIL_RESOURCE in st.resources else next(iter(st.resources), None)
            for n, t, _ in template_resources(tpl):
                if n not in old:
                    cs.changes.append(dict(Type="Resource", ResourceChange=dict(
                        Action="Add", LogicalResourceId=n, ResourceType=t, Scope=[], Details=[])))
                elif n == target:
                    changed = [q["ParameterKey"] for q in params if q not in st.parameters]
                    details = [dict(Target=dict(Attribute="Properties", Name="Code", RequiresRecreation="Never"),
                                    Evaluation="Static", ChangeSource="DirectModification")]
                    details += [dict(Target=dict(Attribute="Properties", Name="Environment", RequiresRecreation="Never"),
                                     Evaluation="Static", ChangeSource="ParameterReference", CausingEntity=k)
                                for k in changed if k != "CodeKey"]
                    cs.changes.append(dict(Type="Resource", ResourceChange=dict(
                        Action="Modify", LogicalResourceId=n, PhysicalResourceId=st.resources[n]["physical"],
                        ResourceType=t, Replacement="False", Scope=["Properties"], Details=details)))
            for n in old - {x for x, _, _ in template_resources(tpl)}:
                if n in st.resources:
                    cs.changes.append(dict(Type="Resource", ResourceChange=dict(
                        Action="Remove", LogicalResourceId=n, PhysicalResourceId=st.resources[n]["physical"],
                        ResourceType=st.resources[n]["type"], Scope=[], Details=[])))
            cs.final = ("CREATE_COMPLETE", "AVAILABLE", None)
        st.change_sets[cs_name] = cs
        return dict(Id=cs.id, StackId=st.id)

    def _cs_tick(self, cs):
        if cs.status != "CREATE_PENDING":
            return
        cs.describes += 1
        ready = (time.time() - cs.created >= self.step_seconds) if self.step_seconds > 0 else cs.describes > 1
        if ready:
            cs.status, cs.execution_status, cs.reason = cs.final

    def DescribeChangeSet(self, p):
        cs = self._find_cs(p["ChangeSetName"], p.get("StackName"))
        self._cs_tick(cs)
        st = cs.stack
        d = dict(ChangeSetName=cs.name, ChangeSetId=cs.id, StackId=st.id, StackName=st.name,
                 Description=cs.description, Parameters=cs.parameters or None, CreationTime=cs.created,
                 ExecutionStatus=cs.execution_status, Status=cs.status, StatusReason=cs.reason,
                 NotificationARNs=[], RollbackConfiguration={}, Capabilities=cs.capabilities or None,
                 Tags=cs.tags or None, Changes=cs.changes if cs.status != "CREATE_PENDING" else [],
                 IncludeNestedStacks=False)
        return d

    def ExecuteChangeSet(self, p):
        cs = self._find_cs(p["ChangeSetName"], p.get("StackName"))
        if cs.execution_status != "AVAILABLE":
            raise SimError("InvalidChangeSetStatus",
                           "ChangeSet [%s] cannot be executed in its current execution status of [%s]"
                           % (cs.id, cs.execution_status))
        st = cs.stack
        st.template, st.tpl, st.parameters = cs.template, cs.tpl, cs.parameters
        st.capabilities, st.tags, st.description = cs.capabilities, cs.tags, cs.tpl.get("Description")
        cs.execution_status = "EXECUTE_IN_PROGRESS"
        st.executing = cs
        for name in list(st.change_sets):   # AWS deletes the stack's other change sets
            if name != cs.name:
                del st.change_sets[name]
        if cs.type == "CREATE":
            self._start(st, ("CREATE_IN_PROGRESS", "User Initiated"),
                        self._create_steps(st, fail=self.plan["create"] == "fail"))
        else:
            st.updated = self.now()
            targets = [c["ResourceChange"]["LogicalResourceId"] for c in cs.changes
                       if c["ResourceChange"]["Action"] == "Modify"] or [FAIL_RESOURCE]
            self._start(st, ("UPDATE_IN_PROGRESS", "User Initiated"),
                        self._update_steps(st, self.plan["update"], targets))
        return {}

    def DeleteChangeSet(self, p):
        cs = self._find_cs(p["ChangeSetName"], p.get("StackName"))
        if cs.execution_status == "EXECUTE_IN_PROGRESS":
            raise SimError("InvalidChangeSetStatus", "Cannot delete ChangeSet [%s] in status EXECUTE_IN_PROGRESS" % cs.id)
        cs.stack.change_sets.pop(cs.name, None)
        return {}

    def CancelUpdateStack(self, p):
        st = self.must_find(p["StackName"], include_deleted=False)
        if st.status != "UPDATE_IN_PROGRESS":
            raise validation("CancelUpdateStack cannot be called from current stack status")
        reason = "Resource update cancelled"
        steps = [[(FAIL_RESOURCE, "UPDATE_FAILED", reason)],
                 [(st.name, "UPDATE_ROLLBACK_IN_PROGRESS",
                   "The following resource(s) failed to update: [%s]. " % FAIL_RESOURCE)],
                 [(FAIL_RESOURCE, "UPDATE_IN_PROGRESS", None)]]
        if self.plan["cancel"] == "rollback-failed":
            steps += [[(FAIL_RESOURCE, "UPDATE_FAILED", ROLLBACK_FAIL_REASON)],
                      [(st.name, "UPDATE_ROLLBACK_FAILED",
                        "The following resource(s) failed to update: [%s]. " % FAIL_RESOURCE)]]
        else:
            steps += [[(FAIL_RESOURCE, "UPDATE_COMPLETE", None)],
                      [(st.name, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", None)],
                      [(st.name, "UPDATE_ROLLBACK_COMPLETE", None)]]
        # the update's remaining events never happen; the first cancel event applies now
        first = steps.pop(0)[0]
        self._event(st, *first)
        st.script = steps
        st.script_started = time.time()
        st.steps_applied = 0
        return None

    def DeleteStack(self, p):
        st = self.find(p["StackName"])
        if st is None:
            return None   # as AWS: deleting a stack that does not exist succeeds
        if st.status == "DELETE_IN_PROGRESS":
            return None
        if st.status.endswith("_IN_PROGRESS") and st.status != "REVIEW_IN_PROGRESS":
            raise validation("Stack [%s] cannot be deleted while in status %s" % (st.name, st.status))
        if st.status == "REVIEW_IN_PROGRESS":
            self._event(st, st.name, "DELETE_COMPLETE", None)
            return None
        retain = p.get("RetainResources") or []
        if retain:
            if st.status != "DELETE_FAILED":   # as AWS
                raise validation("Invalid operation on stack [%s]. RetainResources can only be "
                                 "specified when the stack is in the DELETE_FAILED state." % st.id)
            for n in retain:
                if n not in st.resources:
                    raise validation("Resource [%s] does not exist in stack [%s]" % (n, st.name))
        self.deletes += 1
        fail = self.plan["delete"] == "fail" or (self.plan["delete"] == "fail-once" and self.deletes == 1)
        self._start(st, ("DELETE_IN_PROGRESS", "User Initiated"), self._delete_steps(st, fail, retain))
        return None

    def ContinueUpdateRollback(self, p):
        st = self.must_find(p["StackName"], include_deleted=False)
        if st.status != "UPDATE_ROLLBACK_FAILED":   # as AWS
            raise validation("Stack %s is in %s state and can not be rolled back (only "
                             "UPDATE_ROLLBACK_FAILED)" % (st.id, st.status))
        skip = p.get("ResourcesToSkip") or []
        for n in skip:
            r = st.resources.get(n)
            if r is None or r["status"] != "UPDATE_FAILED":
                raise validation("Nested stacks could not be rolled back / resource %s is not in "
                                 "UPDATE_FAILED state and cannot be skipped" % n)
        stuck = [n for n, r in st.resources.items() if r["status"] == "UPDATE_FAILED"]
        steps = []
        for n in stuck:
            if n in skip:
                steps.append([(n, "UPDATE_COMPLETE", "Resource skipped during UpdateRollback")])
            elif self.plan["continue_"] == "fails":
                steps.append([(n, "UPDATE_IN_PROGRESS", None)])
                steps.append([(n, "UPDATE_FAILED", ROLLBACK_FAIL_REASON)])
                steps.append([(st.name, "UPDATE_ROLLBACK_FAILED",
                               "The following resource(s) failed to update: [%s]. " % n)])
                self._start(st, ("UPDATE_ROLLBACK_IN_PROGRESS", "User Initiated"), steps)
                return {}
            else:
                steps.append([(n, "UPDATE_IN_PROGRESS", None)])
                steps.append([(n, "UPDATE_COMPLETE", None)])
        steps.append([(st.name, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", None)])
        steps.append([(st.name, "UPDATE_ROLLBACK_COMPLETE", None)])
        self._start(st, ("UPDATE_ROLLBACK_IN_PROGRESS", "User Initiated"), steps)
        return {}

    # -- dispatch --------------------------------------------------------------------------
    def handle(self, headers, body):
        """(HTTP status, XML body); records the request."""
        request_id = str(uuid.uuid4())
        rec = dict(time=time.time(), action=None, params=None, status=None, error=None)
        try:
            form = {}
            for k, v in urllib.parse.parse_qsl(body, keep_blank_values=True):
                if k in form:
                    raise validation("Parameter %s given twice" % k)
                form[k] = v
            rec["action"] = form.get("Action")
            self._check_auth(headers)
            if "Action" not in form:
                raise SimError("MissingAction", "Missing Action")
            if form.get("Version") != API_VERSION:
                raise SimError("InvalidParameterValue", "Version must be %s" % API_VERSION)
            with self.lock:
                params = self.model.parse_input(form["Action"], form)
                rec["params"] = params
                fn = getattr(self, form["Action"], None)
                if fn is None:
                    raise SimError("InvalidAction", "The simulator does not implement %s" % form["Action"])
                data = fn(params)
                xml = self.model.response(form["Action"], data, request_id)
            rec["status"] = 200
            return 200, xml
        except SimError as e:
            rec["status"], rec["error"] = e.status, e.code
            return e.status, Model.error(e.code, e.message, e.type, request_id)
        except Exception as e:  # a simulator bug: say so loudly
            import traceback
            traceback.print_exc()
            rec["status"], rec["error"] = 500, "InternalFailure"
            return 500, Model.error("InternalFailure", "simulator bug: %r" % e, "Receiver", request_id)
        finally:
            with self.lock:
                self.log.append(rec)

    def _check_auth(self, headers):
        auth = headers.get("Authorization")
        if not auth:
            raise SimError("MissingAuthenticationToken", "Request is missing Authentication Token", status=403)
        m = re.match(r"^AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,\s*"
                     r"SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$", auth)
        if not m:
            raise SimError("IncompleteSignature", "Authorization header is not a SigV4 signature: %s" % auth,
                           status=403)
        if m.group(4) != "cloudformation":
            raise SimError("SignatureDoesNotMatch", "Credential should be scoped to correct service: "
                           "'cloudformation'.", status=403)
        if not headers.get("X-Amz-Date"):
            raise SimError("IncompleteSignature", "X-Amz-Date header is missing", status=403)
        if "host" not in m.group(5).split(";"):
            raise SimError("IncompleteSignature", "The host header must be signed", status=403)

    def requests(self):
        with self.lock:
            return json.loads(json.dumps(self.log, default=str))

    def summary(self):
        with self.lock:
            return [dict(name=s.name, id=s.id, status=s.status, reason=s.reason, deleted=s.deleted is not None,
                         events=len(s.events), pending_steps=len(s.script),
                         resources={k: v["status"] for k, v in s.resources.items()},
                         change_sets={k: [c.status, c.execution_status] for k, c in s.change_sets.items()})
                    for s in self.all_stacks]


# ---------------------------------------------------------------------------------------
# The HTTP server
# ---------------------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sim = None   # set per server

    def log_message(self, fmt, *args):
        if os.environ.get("CFN_SIM_VERBOSE"):
            sys.stderr.write("cfn_sim: " + fmt % args + "\n")

    def _send(self, status, body, ctype="text/xml"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        sim = self.server.sim
        if self.path.startswith("/_sim/requests"):
            return self._send(200, json.dumps(sim.requests(), indent=1), "application/json")
        if self.path.startswith("/_sim/stacks"):
            return self._send(200, json.dumps(sim.summary(), indent=1, default=str), "application/json")
        self._send(404, Model.error("NotFound", "POST query requests to /", "Sender", str(uuid.uuid4())))

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        status, xml = self.server.sim.handle(self.headers, body)
        self._send(status, xml)


class CfnSim:
    """The simulator on 127.0.0.1:port (0: a free one). Context manager; .url; .requests()."""

    def __init__(self, scenario="create-ok", port=0, **kw):
        self.sim = Sim(scenario, **kw)
        self.port = port
        self.server = None
        self.thread = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        self.server.daemon_threads = True
        self.server.sim = self.sim
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="cfn_sim", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(5)
            self.server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def requests(self):
        return self.sim.requests()

    def actions(self):
        return [r["action"] for r in self.sim.requests()]

    def stacks(self):
        return self.sim.summary()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--scenario", default="create-ok", choices=sorted(SCENARIOS))
    ap.add_argument("--stack-name", default=DEFAULT_STACK)
    ap.add_argument("--step-seconds", type=float, default=0.0,
                    help="0: one step per DescribeStacks/DescribeStackEvents call; >0: real time")
    ap.add_argument("--page-size", type=int, default=10, help="DescribeStackEvents page size")
    ap.add_argument("--in-progress-steps", type=int, default=4)
    ap.add_argument("--template", help="the template of the scenario's existing stack "
                    "(default templates/stack.yaml)")
    a = ap.parse_args(argv)
    body = None
    if a.template:
        with open(a.template) as f:
            body = f.read()
    sim = CfnSim(a.scenario, port=a.port, stack_name=a.stack_name, step_seconds=a.step_seconds,
                 page_size=a.page_size, in_progress_steps=a.in_progress_steps, template_body=body)
    sim.start()
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % sim.port)
        os.replace(tmp, a.port_file)
    sys.stderr.write("cfn_sim: scenario %s on %s\n" % (a.scenario, sim.url))
    stop = threading.Event()
    import signal
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        stop.wait(1)
    sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
