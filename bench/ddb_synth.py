#!/usr/bin/env python3
"""ddb_synth - a stand-in for DynamoDB's Scan over a table of any size, for
history_bench --synthetic: the table is never stored, each page's items are
made when asked for, so 1,000,000 items (or 100 million) cost the server no
memory and no seeding.

The table (one item per channel per minute, as src/app/schema.h has it):
item i is channel i % 40 (an IVS ARN, S), minute i // 40 (`time`, N, epoch
ms) and `count` (N) (i * 7) % 1000 -- the same items history_bench seeds
into moto. Scan answers as DynamoDB does (JSON 1.0): Segment/TotalSegments
split the items into contiguous ranges, ExclusiveStartKey resumes after an
item, Limit caps the items read, and a page stops once the items read reach
1 MB by DynamoDB's item size (attribute names' bytes + values' bytes, a
number about half its digits), the response itself being larger.
ProjectionExpression, Select COUNT and FilterExpression "#t BETWEEN :a AND
:b" (what src/app/history.c sends) are honoured; every request is checked
against botocore's Scan input shape (required members, types, ranges) and
refused with a ValidationException otherwise. Other DynamoDB operations are
refused as unknown.

IVS ListChannels (POST /ListChannels, what `ivsvc history` calls for names)
lists the 40 channels, named bench-00..bench-39, paged by maxResults.

    with SynthServer(items=1_000_000) as s:   # s.url: http://127.0.0.1:PORT
        ...
    python3 bench/ddb_synth.py --items 1000000   # serves until Ctrl-C
"""
import argparse
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TABLE = "ivsvc-history-bench"
T0 = 1_789_999_980_000
CHANNELS = 40
ARN_FMT = "arn:aws:ivs:us-east-1:123456789012:channel/Bench%08d"
PAGE_BYTES = 1024 * 1024  # DynamoDB: a Scan reads at most 1 MB a page


def item(i):
    """The i-th item (attribute values as DynamoDB sends them)."""
    return {"channel": {"S": ARN_FMT % (i % CHANNELS)},
            "time": {"N": str(T0 + (i // CHANNELS) * 60000)},
            "count": {"N": str((i * 7) % 1000)}}


def count_sum(n):
    """The counts of items 0..n-1 summed (for checking an export)."""
    full, rest = divmod(n, 1000)
    per = sum((i * 7) % 1000 for i in range(1000))
    return full * per + sum((i * 7) % 1000 for i in range(rest))


def _num_size(s):
    """DynamoDB's size of a number: about one byte per two significant
    digits, plus one."""
    digits = s.lstrip("-").replace(".", "").strip("0") or "0"
    return (len(digits) + 1) // 2 + 1


def item_size(it):
    n = 0
    for name, v in it.items():
        n += len(name.encode())
        n += len(v["S"].encode()) if "S" in v else _num_size(v["N"])
    return n


class ApiError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


# ---- requests checked against botocore's model ----

_MODEL = None


def _scan_shape():
    global _MODEL
    if _MODEL is None:
        import botocore.session
        _MODEL = botocore.session.get_session().get_service_model("dynamodb")
    return _MODEL.operation_model("Scan").input_shape


def check_shape(shape, v, path):
    """Raises ApiError when v does not fit the botocore shape."""
    t, meta = shape.type_name, shape.metadata
    bad = lambda why: ApiError("ValidationException", "%s: %s" % (path, why))  # noqa: E731
    if t == "structure":
        if not isinstance(v, dict):
            raise bad("not an object")
        for req in shape.required_members:
            if req not in v:
                raise bad("missing required member %s" % req)
        if meta.get("union") and len(v) != 1:
            raise bad("a union takes exactly one member")
        for k, x in v.items():
            if k not in shape.members:
                raise bad("unknown member %s" % k)
            check_shape(shape.members[k], x, path + "." + k)
    elif t == "map":
        if not isinstance(v, dict):
            raise bad("not a map")
        for k, x in v.items():
            check_shape(shape.key, k, path + "{key}")
            check_shape(shape.value, x, path + "." + k)
    elif t == "list":
        if not isinstance(v, list):
            raise bad("not a list")
        for j, x in enumerate(v):
            check_shape(shape.member, x, "%s[%d]" % (path, j))
    elif t == "string":
        if not isinstance(v, str):
            raise bad("not a string")
        if "enum" in meta and v not in meta["enum"]:
            raise bad("%r not one of %s" % (v, meta["enum"]))
    elif t in ("integer", "long"):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != int(v):
            raise bad("not an integer")
    elif t == "boolean":
        if not isinstance(v, bool):
            raise bad("not a boolean")
    elif t == "blob":
        if not isinstance(v, str):
            raise bad("not base64 text")
    if t in ("string", "integer", "long", "list", "map"):
        size = v if t in ("integer", "long") else len(v)
        if "min" in meta and size < meta["min"]:
            raise bad("below the minimum %s" % meta["min"])
        if "max" in meta and size > meta["max"]:
            raise bad("above the maximum %s" % meta["max"])


# ---- Scan ----

def _index_of_key(key):
    """The item index a (Last|ExclusiveStart)Key names."""
    try:
        arn, t = key["channel"]["S"], int(key["time"]["N"])
    except (KeyError, TypeError, ValueError):
        raise ApiError("ValidationException", "The provided starting key is invalid")
    m = re.fullmatch(r"arn:aws:ivs:us-east-1:123456789012:channel/Bench(\d{8})", arn)
    minute, rem = divmod(t - T0, 60000)
    if not m or rem or minute < 0 or int(m.group(1)) >= CHANNELS or len(key) != 2:
        raise ApiError("ValidationException", "The provided starting key is invalid")
    return minute * CHANNELS + int(m.group(1))


def _names(req, used):
    names = req.get("ExpressionAttributeNames") or {}
    for n in names:
        if n not in used:
            raise ApiError("ValidationException", "Value provided in ExpressionAttributeNames "
                           "unused in expressions: keys: {%s}" % n)
    return names


def _projection(req):
    """The attribute names to keep, or None for all."""
    expr = req.get("ProjectionExpression")
    used = set(re.findall(r"#\w+", (expr or "") + " " + (req.get("FilterExpression") or "")))
    names = _names(req, used)
    if expr is None:
        return None
    keep = []
    for part in expr.split(","):
        p = part.strip()
        if p.startswith("#"):
            if p not in names:
                raise ApiError("ValidationException", "An expression attribute name used in "
                               "the document path is not defined; attribute name: " + p)
            p = names[p]
        keep.append(p)
    return keep


def _filter(req):
    """(lo, hi) on `time`, or None."""
    expr = req.get("FilterExpression")
    if expr is None:
        return None
    m = re.fullmatch(r"\s*(#\w+) BETWEEN (:\w+) AND (:\w+)\s*", expr)
    names = req.get("ExpressionAttributeNames") or {}
    vals = req.get("ExpressionAttributeValues") or {}
    if not m or names.get(m.group(1)) != "time":
        raise ApiError("ValidationException", "this stand-in filters only on time BETWEEN")
    try:
        return int(vals[m.group(2)]["N"]), int(vals[m.group(3)]["N"])
    except (KeyError, TypeError, ValueError):
        raise ApiError("ValidationException", "An expression attribute value used in the "
                       "expression is not defined")


def scan(req, n_items, table, page_bytes=PAGE_BYTES):
    check_shape(_scan_shape(), req, "ScanInput")
    if req["TableName"] != table:
        raise ApiError("ResourceNotFoundException", "Requested resource not found")
    seg, total = req.get("Segment"), req.get("TotalSegments")
    if (seg is None) != (total is None):
        raise ApiError("ValidationException", "Segment and TotalSegments go together")
    seg, total = (0, 1) if seg is None else (int(seg), int(total))
    if seg >= total:
        raise ApiError("ValidationException", "Segment must be less than TotalSegments")
    select = req.get("Select", "ALL_ATTRIBUTES")
    keep = _projection(req)
    if select == "COUNT" and keep is not None:
        raise ApiError("ValidationException", "Cannot specify Select COUNT with a projection")
    window = _filter(req)
    lo, hi = seg * n_items // total, (seg + 1) * n_items // total
    start = lo
    if "ExclusiveStartKey" in req:
        start = _index_of_key(req["ExclusiveStartKey"]) + 1
        if not lo < start <= hi:
            raise ApiError("ValidationException", "The provided starting key is outside "
                           "the segment")
    limit = int(req.get("Limit") or 1 << 62)
    out, read, i = [], 0, start
    while i < hi and i - start < limit and read < page_bytes:
        it = item(i)
        read += item_size(it)
        if window is None or window[0] <= int(it["time"]["N"]) <= window[1]:
            out.append(it if keep is None else {k: it[k] for k in keep if k in it})
        i += 1
    res = {"Count": len(out), "ScannedCount": i - start}
    if select != "COUNT":
        res["Items"] = out
    if i < hi:
        last = item(i - 1)
        res["LastEvaluatedKey"] = {"channel": last["channel"], "time": last["time"]}
    return res


# ---- IVS ListChannels ----

def list_channels(req):
    size = int(req.get("maxResults") or 100)
    start = int(req.get("nextToken") or 0)
    chans = [{"arn": ARN_FMT % k, "name": "bench-%02d" % k, "latencyMode": "LOW",
              "authorized": False, "insecureIngest": False, "type": "STANDARD",
              "recordingConfigurationArn": "", "tags": {}}
             for k in range(start, min(start + size, CHANNELS))]
    res = {"channels": chans}
    if start + size < CHANNELS:
        res["nextToken"] = str(start + size)
    return res


# ---- the server ----

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _send(self, status, body, ctype):
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        srv = self.server
        target = self.headers.get("X-Amz-Target")
        json10 = "application/x-amz-json-1.0"
        try:
            req = json.loads(body or b"{}")
            if target == "DynamoDB_20120810.Scan":
                with srv.lock:
                    srv.scans += 1
                self._send(200, scan(req, srv.items, srv.table, srv.page_bytes), json10)
            elif target:
                raise ApiError("UnknownOperationException", "not in this stand-in: " + target)
            elif self.path == "/ListChannels":
                self._send(200, list_channels(req), "application/json")
            else:
                self._send(404, {"message": "no route %s" % self.path}, "application/json")
        except ApiError as e:
            if target:
                self._send(e.status, {"__type": "com.amazonaws.dynamodb.v20120810#" + e.code,
                                      "message": e.message}, json10)
            else:
                self._send(e.status, {"message": e.message}, "application/json")
        except ValueError as e:
            self._send(400, {"__type": "com.amazon.coral.service#SerializationException",
                             "message": str(e)}, json10)


class SynthServer:
    """The stand-in on 127.0.0.1 (a free port) in a thread; .url, .scans."""

    def __init__(self, items, table=TABLE, page_bytes=PAGE_BYTES):
        _scan_shape()  # load the model before the first request
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.items, self.httpd.table, self.httpd.page_bytes = items, table, page_bytes
        self.httpd.lock, self.httpd.scans = threading.Lock(), 0
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]

    @property
    def scans(self):
        return self.httpd.scans

    def set_items(self, n):
        self.httpd.items = n

    def __enter__(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--table", default=TABLE)
    a = ap.parse_args()
    with SynthServer(a.items, a.table) as s:
        print(s.url, flush=True)
        try:
            s.thread.join()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
