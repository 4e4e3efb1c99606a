#!/usr/bin/env python3
"""ddb_backup_sim - a small DynamoDB stand-in for what moto 5.2 does not do with
backups: the SYSTEM backup DynamoDB keeps 35 days after a table with
point-in-time recovery is deleted ("<table>$DeletedTableBackup"), ListBackups
pages (one backup a page, LastEvaluatedBackupArn), a restored table that is
CREATING for a few DescribeTable calls before ACTIVE, and a point-in-time
restore of a deleted table refused (SourceTableNotFoundException).

Every request is checked against botocore's dynamodb model (ParamValidator:
unknown or missing members, types, enums) and every answer's members must be
the output shape's. JSON 1.0 over POST with X-Amz-Target, on 127.0.0.1.

    with DdbBackupSim() as sim: ... sim.url, sim.calls() ...
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.session
from botocore.validate import ParamValidator

ACCOUNT = "123456789012"
REGION = "us-east-1"
DELETED = "ViewersOld"          # deleted with point-in-time recovery on
LIVE = "ViewersLive"


def table_arn(name):
    return "arn:aws:dynamodb:%s:%s:table/%s" % (REGION, ACCOUNT, name)


class Sim:
    def __init__(self, creating_describes=3):
        self.model = botocore.session.get_session().get_service_model("dynamodb")
        self.lock = threading.Lock()
        self.log = []
        self.creating = creating_describes
        t = time.time()
        self.backups = [
            dict(TableName=DELETED, TableArn=table_arn(DELETED), BackupName=DELETED + "$DeletedTableBackup",
                 BackupArn=table_arn(DELETED) + "/backup/01795900000000-5a6b7c8d",
                 BackupCreationDateTime=t - 3600, BackupExpiryDateTime=t - 3600 + 35 * 86400,
                 BackupStatus="AVAILABLE", BackupType="SYSTEM", BackupSizeBytes=52428),
            dict(TableName=LIVE, TableArn=table_arn(LIVE), BackupName="before-upgrade",
                 BackupArn=table_arn(LIVE) + "/backup/01795800000000-1a2b3c4d",
                 BackupCreationDateTime=t - 86400, BackupStatus="AVAILABLE", BackupType="USER",
                 BackupSizeBytes=1024)]
        self.tables = {LIVE: dict(status="ACTIVE", describes=0)}

    def check(self, op, params):
        shape = self.model.operation_model(op).input_shape
        report = ParamValidator().validate(params, shape)
        if report.has_errors():
            raise SimError("ValidationException", report.generate_report())

    def answer(self, op, data):
        shape = self.model.operation_model(op).output_shape
        unknown = set(data) - set(shape.members)
        assert not unknown, "%s output has no %s" % (op, unknown)
        return data

    def ListBackups(self, p):
        want = p.get("BackupType", "USER")
        v = [b for b in self.backups if want == "ALL" or b["BackupType"] == want]
        if "TableName" in p:
            v = [b for b in v if p["TableName"] in (b["TableName"], b["TableArn"])]
        start = 0
        if "ExclusiveStartBackupArn" in p:
            start = [b["BackupArn"] for b in v].index(p["ExclusiveStartBackupArn"]) + 1
        page = v[start:start + 1]
        out = dict(BackupSummaries=page)
        if start + 1 < len(v):
            out["LastEvaluatedBackupArn"] = page[-1]["BackupArn"]
        return out

    def DescribeTable(self, p):
        t = self.tables.get(p["TableName"])
        if t is None:
            raise SimError("ResourceNotFoundException", "Requested resource not found: Table: %s not found"
                           % p["TableName"])
        t["describes"] += 1
        if t["status"] == "CREATING" and t["describes"] > self.creating:
            t["status"] = "ACTIVE"
        return dict(Table=dict(TableName=p["TableName"], TableArn=table_arn(p["TableName"]),
                               TableStatus=t["status"], ItemCount=0))

    def _new(self, name):
        if name in self.tables:
            raise SimError("TableAlreadyExistsException", "Table already exists: %s" % name)
        self.tables[name] = dict(status="CREATING", describes=0)
        return dict(TableDescription=dict(TableName=name, TableArn=table_arn(name), TableStatus="CREATING"))

    def RestoreTableFromBackup(self, p):
        if p["BackupArn"] not in [b["BackupArn"] for b in self.backups]:
            raise SimError("BackupNotFoundException", "Backup not found: %s" % p["BackupArn"])
        return self._new(p["TargetTableName"])

    def RestoreTableToPointInTime(self, p):
        src = p.get("SourceTableName") or p.get("SourceTableArn", "").rsplit("/", 1)[-1]
        if src not in self.tables:
            raise SimError("SourceTableNotFoundException", "Source table not found: %s" % src)
        return self._new(p["TargetTableName"])

    def handle(self, target, body):
        op = target.split(".", 1)[-1]
        params = json.loads(body or b"{}")
        with self.lock:
            rec = dict(op=op, params=params, error=None)
            self.log.append(rec)
            try:
                fn = getattr(self, op, None)
                if fn is None or op not in self.model.operation_names:
                    raise SimError("UnknownOperationException", "The stand-in does not do %s" % op)
                self.check(op, params)
                return 200, self.answer(op, fn(params))
            except SimError as e:
                rec["error"] = e.code
                return 400, {"__type": "com.amazonaws.dynamodb.v20120810#" + e.code, "message": e.message}


class SimError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        status, doc = self.server.sim.handle(self.headers.get("X-Amz-Target", ""), self.rfile.read(n))
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class DdbBackupSim:
    def __init__(self, **kw):
        self.sim = Sim(**kw)

    def __enter__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.sim = self.sim
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        return False

    def calls(self):
        with self.sim.lock:
            return [dict(r) for r in self.sim.log]
