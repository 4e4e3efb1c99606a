#!/usr/bin/env python3
"""ivs_sim - a local Amazon IVS endpoint for the tests (moto has no ListStreams,
GetStream or PutMetadata).

It speaks IVS's REST-JSON protocol as botocore's service model describes it
(operations found by requestUri, requests validated against the input shapes,
responses shaped like the output shapes, modeled errors with their HTTP status),
verifies the SigV4 signature of every API request, paginates with opaque
tokens, enforces IVS's documented call-rate quotas (5/s for ListChannels,
ListStreams, GetChannel, GetStream and CreateChannel, per account; PutMetadata
5/s per channel and 155/s per account; 1 KB payloads; sliding one-second
windows, throttled calls not counted), answers after a configurable latency
(each request on its own thread, so a slow answer delays no other), and keeps
the state a test wants to look at: channels, which of them are live with how
many viewers, and the timed metadata each channel received.

With hls=True (--hls) each live channel's playbackUrl is a live HLS stream
served here (a looped test picture, see hls.py), and every PutMetadata
accepted goes into that stream as ID3 timed metadata, in the segment being
made when it arrived.

Only ever binds 127.0.0.1.

Subprocess:
    python3 tests/sim/ivs_sim.py --port 0 --port-file F --channels 10 --live 4 --seed 1 \
        [--latency-ms 30] [--op-rate ListStreams=50] [--hls]
    (prints its URL on stdout, writes it to F, runs until SIGTERM/SIGINT)

Module:
    from ivs_sim import IvsSim
    with IvsSim(channels=10, live=4, seed=1) as sim:
        sim.url ...; sim.tick(); sim.metadata(); sim.set_faults(throttle=0.1)

Control API (unsigned, never faulted), JSON in and out:
    GET  /_sim/state                  channels, tick, limits, faults
    POST /_sim/channels               {"count":N,"live":M,"viewers":[..]|"seed":S}
    POST /_sim/channel/<id or ARN>    {"live":bool,"viewers":n,"health":"HEALTHY"}
                                      (viewers -1: IVS's "count timed out")
    POST /_sim/tick                   {"n":1} audiences move one (or n) steps
    GET  /_sim/metadata[?channel=ARN] {ARN: [{"time","t","payload"}...]}
    GET  /_sim/stats                  requests per operation, throttled, injected
    POST /_sim/faults                 {"throttle":0.1,"error500":0.05,"drop":0.02,
                                       "delay_ms":[min,max],"seed":1,
                                       "ops":["PutMetadata"],"sequence":["throttle"]}
    POST /_sim/config                 {"account_rate":155,"channel_rate":5,
                                       "op_rates":{"ListStreams":5,...},"latency_ms":0,
                                       "metadata_max_bytes":1024,"max_skew_seconds":0}
    GET  /_sim/hls[?channel=ARN]      (--hls) per live channel: playlist URL, the
                                       window's media sequences, what went into
                                       which segment
HLS (--hls only; no signature, no faults, no latency; CORS *):
    GET  /api/video/v1/<region>.<account>.channel.<id>.m3u8   live media playlist
    GET  /api/video/v1/seg/<id>/<streamId>/<n>.ts             segment n
    POST /_sim/credentials            {"accessKeyId":..,"secretAccessKey":..}
    POST /_sim/reset                  back to the start configuration
"""
import argparse
import base64
import collections
import datetime
import hashlib
import hmac
import json
import os
import random
import re
import signal
import socket
import sys
import threading
import time
import uuid
from urllib.parse import parse_qs, unquote, urlsplit

import hls as _hls
from loopback import TrackedHandler, TrackingServer, control_call

# The tests' credentials (the same values as tests/integration/ivstest.py).
TEST_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
TEST_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
try:  # keep in step with ivstest when it is importable
    import ivstest as _ivstest
    TEST_KEY_ID, TEST_SECRET = _ivstest.TEST_KEY_ID, _ivstest.TEST_SECRET
except ImportError:
    pass

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"
AMZ_DATE_FMT = "%Y%m%dT%H%M%SZ"
SIG_MISMATCH = ("The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method. "
                "Consult the service documentation for details.")
CORAL_SERVICE = ":http://internal.amazon.com/coral/com.amazon.coral.service/"
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# IVS's API call-rate quotas (calls per second per account and region; "not
# adjustable"). PutMetadata's are account_rate and channel_rate.
DEFAULT_OP_RATES = {"ListChannels": 5, "ListStreams": 5, "GetChannel": 5, "GetStream": 5, "CreateChannel": 5}
HLS_PREFIX = "/api/video/v1/"


# --------------------------------------------------------------------------
# The service model

_MODEL = None
_MODEL_LOCK = threading.Lock()


def service_model():
    global _MODEL
    with _MODEL_LOCK:
        if _MODEL is None:
            import botocore.session
            _MODEL = botocore.session.get_session().get_service_model("ivs")
        return _MODEL


def operations_by_uri():
    """{(METHOD, requestUri): OperationModel} for every IVS operation."""
    m = service_model()
    out = {}
    for name in m.operation_names:
        op = m.operation_model(name)
        out[(op.http["method"].upper(), op.http["requestUri"].split("?")[0])] = op
    return out


def error_status(code, default=400):
    """The HTTP status the model gives an error shape (ChannelNotBroadcasting: 404)."""
    try:
        shape = service_model().shape_for(code)
        return int(shape.metadata.get("error", {}).get("httpStatusCode", default))
    except Exception:
        return default


class ApiError(Exception):
    def __init__(self, status, code, message, coral_suffix=False):
        Exception.__init__(self, "%s: %s" % (code, message))
        self.status = status
        self.code = code
        self.message = message
        self.coral_suffix = coral_suffix


def modeled_error(code, message):
    return ApiError(error_status(code), code, message)


def _pattern_search(pat, value):
    """re.search for a model pattern; patterns Python cannot read (Java's \\p{..}
    classes) are treated as matching."""
    try:
        return re.search(pat, value)
    except re.error:
        return True


def _constraint_errors(shape, value, path, out):
    """What botocore's ParamValidator leaves to the service: max lengths and
    values, enums and patterns, in the service's own wording."""
    meta = shape.metadata
    t = shape.type_name
    where = path or "input"
    if t == "structure" and isinstance(value, dict):
        for k, v in value.items():
            if k in shape.members and v is not None:
                _constraint_errors(shape.members[k], v, (path + "." if path else "") + k, out)
    elif t == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            out.append("Value at '%s' failed to satisfy constraint: Member must have length less than "
                       "or equal to %d" % (where, meta["max"]))
        for i, v in enumerate(value):
            _constraint_errors(shape.member, v, "%s.%d" % (where, i + 1), out)
    elif t == "map" and isinstance(value, dict):
        if "max" in meta and len(value) > meta["max"]:
            out.append("Value at '%s' failed to satisfy constraint: Member must have length less than "
                       "or equal to %d" % (where, meta["max"]))
        for k, v in value.items():
            _constraint_errors(shape.key, k, where, out)
            _constraint_errors(shape.value, v, "%s.%s" % (where, k), out)
    elif t == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            out.append("Value at '%s' failed to satisfy constraint: Member must have length less than "
                       "or equal to %d" % (where, meta["max"]))
        if shape.enum and value not in shape.enum:
            out.append("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value "
                       "set: [%s]" % (value, where, ", ".join(shape.enum)))
        pat = meta.get("pattern")
        if pat and _pattern_search(pat, value) is None:  # Smithy patterns are not anchored
            out.append("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular "
                       "expression pattern: %s" % (value, where, pat))
    elif t in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool):
        if "max" in meta and value > meta["max"]:
            out.append("Value '%d' at '%s' failed to satisfy constraint: Member must have value less "
                       "than or equal to %d" % (value, where, meta["max"]))


def validate_input(op, params):
    """Raises ValidationException if params do not fit op's input shape."""
    shape = op.input_shape
    if shape is None:
        if params:
            raise modeled_error("ValidationException", "%s takes no parameters" % op.name)
        return
    from botocore.validate import ParamValidator
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise modeled_error("ValidationException", report.generate_report())
    errs = []
    _constraint_errors(shape, params, "", errs)
    if errs:
        n = len(errs)
        raise modeled_error("ValidationException", "%d validation error%s detected: %s"
                            % (n, "" if n == 1 else "s", "; ".join(errs)))


def iso8601(ts):
    d = datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


# --------------------------------------------------------------------------
# SigV4 verification (botocore computes the signature we compare with)

_AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256\s+(.*)$", re.S)


def parse_authorization(value):
    m = _AUTH_RE.match(value or "")
    if not m:
        return None
    parts = {}
    for item in m.group(1).split(","):
        if "=" in item:
            k, v = item.strip().split("=", 1)
            parts[k.strip()] = v.strip()
    if not all(k in parts for k in ("Credential", "SignedHeaders", "Signature")):
        return None
    return parts


def verify_sigv4(method, raw_path, headers, body, secrets, service="ivs", max_skew=0, now=None):
    """Checks a request's SigV4 Authorization header. headers: list of
    (name, value) as received. secrets: {access key id: secret}. Returns the
    access key id; raises ApiError (403) as AWS would."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    hmap = collections.OrderedDict()
    for k, v in headers:
        lk = k.lower()
        hmap[lk] = v if lk not in hmap else hmap[lk] + "," + v
    auth = parse_authorization(hmap.get("authorization"))
    if hmap.get("authorization") is None:
        raise ApiError(403, "MissingAuthenticationTokenException", "Missing Authentication Token", True)
    if auth is None:
        raise ApiError(403, "IncompleteSignatureException",
                       "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
                       "parameters. Authorization=%s" % hmap.get("authorization"), True)
    cred = auth["Credential"].split("/")
    if len(cred) != 5 or cred[4] != "aws4_request":
        raise ApiError(403, "IncompleteSignatureException",
                       "Credential should have the form AKID/date/region/service/aws4_request", True)
    key_id, scope_date, region, scope_service = cred[0], cred[1], cred[2], cred[3]
    if key_id not in secrets:
        raise ApiError(403, "UnrecognizedClientException",
                       "The security token included in the request is invalid.", True)
    if scope_service != service:
        raise ApiError(403, "InvalidSignatureException",
                       "Credential should be scoped to correct service: '%s'." % service, True)
    amz_date = hmap.get("x-amz-date")
    if not amz_date:
        raise ApiError(403, "IncompleteSignatureException", "Authorization header requires existence of "
                       "either a 'X-Amz-Date' or a 'Date' header.", True)
    try:
        signed_at = datetime.datetime.strptime(amz_date, AMZ_DATE_FMT).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise ApiError(403, "IncompleteSignatureException", "Date must be in ISO-8601 'basic format'. "
                       "Got '%s'." % amz_date, True)
    if scope_date != amz_date[:8]:
        raise ApiError(403, "InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD "
                       "from ISO-8601 version of date from HTTP: '%s' != '%s'" % (scope_date, amz_date[:8]),
                       True)
    if max_skew:
        now = now if now is not None else time.time()
        if abs(now - signed_at.timestamp()) > max_skew:
            raise ApiError(403, "InvalidSignatureException", "Signature expired: %s is now earlier than %s"
                           % (amz_date, iso8601(now - max_skew)), True)
    signed = [h for h in auth["SignedHeaders"].split(";") if h]
    if "host" not in signed:
        raise ApiError(403, "InvalidSignatureException", "'Host' must be a 'SignedHeader' in the "
                       "AWS Authorization.", True)
    missing = [h for h in signed if h not in hmap]
    if missing:
        raise ApiError(403, "InvalidSignatureException", SIG_MISMATCH, True)
    content_sha = hmap.get("x-amz-content-sha256")
    if content_sha and content_sha not in ("UNSIGNED-PAYLOAD",) and not content_sha.startswith("STREAMING-"):
        if content_sha != hashlib.sha256(body).hexdigest():
            raise ApiError(400, "XAmzContentSHA256Mismatch",
                           "The provided 'x-amz-content-sha256' header does not match what was computed.",
                           True)
    # Only the signed headers, named as botocore would name them.
    req_headers = {}
    for h in signed:
        name = "X-Amz-Content-SHA256" if h == "x-amz-content-sha256" else h
        req_headers[name] = hmap[h]
    req = AWSRequest(method=method, url="http://%s%s" % (hmap.get("host", "localhost"), raw_path),
                     headers=req_headers, data=body)
    req.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(key_id, secrets[key_id], hmap.get("x-amz-security-token")),
                       service, region)
    # botocore would add Host from the URL; it is in the signed headers already.
    canonical = signer.canonical_request(req)
    sts = signer.string_to_sign(req, canonical)
    expected = signer.signature(sts, req)
    if not hmac.compare_digest(expected, auth["Signature"]):
        raise ApiError(403, "InvalidSignatureException", SIG_MISMATCH, True)
    return key_id


# --------------------------------------------------------------------------
# Faults

class FaultPlan:
    """Seeded fault decisions. One uniform draw per request picks at most one of
    drop / error500 / throttle (so each happens at its configured rate); a
    second draw picks the delay. `sequence` lists faults (or null for none) to
    apply to the next matching requests before the random ones."""
    KINDS = ("drop", "error500", "throttle")

    def __init__(self):
        self.lock = threading.Lock()
        self.configure({})

    def configure(self, cfg):
        cfg = dict(cfg or {})
        with self.lock:
            self.rates = {k: float(cfg.get(k, 0) or 0) for k in self.KINDS}
            d = cfg.get("delay_ms") or [0, 0]
            if isinstance(d, (int, float)):
                d = [d, d]
            self.delay_ms = [float(d[0]), float(d[1])]
            self.seed = cfg.get("seed", 0)
            self.rng = random.Random(self.seed)
            self.ops = set(cfg.get("ops") or [])
            self.sequence = collections.deque(cfg.get("sequence") or [])
            for s in self.sequence:
                if s is not None and s not in self.KINDS:
                    raise ValueError("unknown fault %r in sequence" % (s,))
            self.config = {"throttle": self.rates["throttle"], "error500": self.rates["error500"],
                           "drop": self.rates["drop"], "delay_ms": self.delay_ms, "seed": self.seed,
                           "ops": sorted(self.ops), "sequence": list(self.sequence)}

    def decide(self, op):
        """(fault kind or None, delay in seconds) for one request to op."""
        with self.lock:
            if self.ops and op not in self.ops:
                return None, 0.0
            if self.sequence:
                return self.sequence.popleft(), 0.0
            u = self.rng.random()
            kind, acc = None, 0.0
            for k in self.KINDS:
                acc += self.rates[k]
                if u < acc:
                    kind = k
                    break
            lo, hi = self.delay_ms
            delay = 0.0
            if hi > 0:
                delay = self.rng.uniform(lo, hi) / 1000.0
            return kind, delay


# --------------------------------------------------------------------------
# The simulated account

class Channel:
    def __init__(self, index, cid, arn, name, live, viewers, base):
        self.index = index
        self.id = cid
        self.arn = arn
        self.name = name
        self.live = live
        self.viewers = viewers
        self.base = base  # the audience this channel drifts around
        self.health = "HEALTHY"
        self.stream_id = None
        self.start_time = None
        self.generation = 0
        self.latency_mode = "LOW"
        self.type = "STANDARD"
        self.authorized = False
        self.insecure_ingest = False
        self.preset = None
        self.tags = {}
        self.recording_arn = ""

    def summary(self):
        return {"arn": self.arn, "name": self.name, "latencyMode": self.latency_mode,
                "authorized": self.authorized, "recordingConfigurationArn": self.recording_arn,
                "tags": dict(self.tags), "insecureIngest": self.insecure_ingest, "type": self.type,
                "playbackRestrictionPolicyArn": "", "adConfigurationArn": ""}


class SlidingWindow:
    """Calls accepted within the last `width` seconds."""

    def __init__(self, width=1.0):
        self.width = width
        self.times = collections.deque()

    def count(self, now):
        while self.times and now - self.times[0] >= self.width:
            self.times.popleft()
        return len(self.times)


class SimState:
    def __init__(self, channels=0, live=None, seed=0, viewers=None, account_rate=155, channel_rate=5,
                 region=DEFAULT_REGION, account=DEFAULT_ACCOUNT, metadata_max_bytes=1024,
                 max_skew_seconds=0, verify_signatures=True, op_rates=None, latency_ms=0, hls=None):
        self.lock = threading.RLock()
        self.region = region
        self.account = account
        self.hls = hls          # hls.LiveHls when the streams are served, else None
        self.hls_base = None    # the sim's URL once listening (playback URLs point here)
        self.initial = {"count": channels, "live": live, "seed": seed, "viewers": viewers}
        rates = dict(DEFAULT_OP_RATES)
        rates.update(op_rates or {})
        self.initial_limits = {"account_rate": account_rate, "channel_rate": channel_rate,
                               "metadata_max_bytes": metadata_max_bytes, "max_skew_seconds": max_skew_seconds,
                               "op_rates": rates, "latency_ms": latency_ms}
        self.verify_signatures = verify_signatures
        self.token_key = os.urandom(16)
        self.faults = FaultPlan()
        self.secrets = {TEST_KEY_ID: TEST_SECRET}
        self.reset()

    # -- setup
    def reset(self):
        with self.lock:
            for k, v in self.initial_limits.items():
                setattr(self, k, dict(v) if isinstance(v, dict) else v)
            self.faults.configure({})
            self.secrets = {TEST_KEY_ID: TEST_SECRET}
            self.create_channels(**self.initial)

    def _clear_counters(self):
        self.metadata = collections.OrderedDict()
        self.account_window = SlidingWindow()
        self.channel_windows = {}
        self.op_windows = collections.defaultdict(SlidingWindow)
        self.stats = {"requests": collections.Counter(), "responses": collections.Counter(),
                      "errors": collections.Counter(), "throttled": 0,
                      "throttled_by_op": collections.Counter(),
                      "errors_by_op": collections.defaultdict(collections.Counter),
                      "injected": collections.Counter(), "delayed": 0, "metadata_recorded": 0,
                      "hls": collections.Counter()}
        if self.hls is not None:
            self.hls.clear()

    def _channel_id(self, i):
        return "sim%09d" % i

    def create_channels(self, count=0, live=None, seed=0, viewers=None):
        """(Re)creates `count` channels; the first `live` are live (all when None).
        viewers: list of initial counts by index; otherwise drawn from seed."""
        with self.lock:
            self._clear_counters()
            self.seed = seed if seed is not None else 0
            self.tick_count = 0
            self.created_at = time.time()
            self.channels = collections.OrderedDict()
            count = int(count or 0)
            live = count if live is None else int(live)
            for i in range(count):
                rng = random.Random("%s:base:%d" % (self.seed, i))
                base = int(rng.paretovariate(1.2) * 20) if rng.random() > 0.1 else rng.randint(0, 5)
                v = int(viewers[i]) if viewers is not None and i < len(viewers) else base
                self._add_channel(i, i < live, v, base)
            return [self.channel_view(c) for c in self.channels.values()]

    def _add_channel(self, i, live, viewers, base, name=None):
        cid = self._channel_id(i)
        arn = "arn:aws:ivs:%s:%s:channel/%s" % (self.region, self.account, cid)
        c = Channel(i, cid, arn, name if name is not None else "channel-%04d" % i, False, viewers, base)
        self.channels[arn] = c
        if live:
            self._go_live(c, started=self.created_at - 60 * (1 + i % 120))
        return c

    def _go_live(self, c, started=None):
        c.live = True
        c.generation += 1
        h = hashlib.sha256(("%s:%s:%d" % (self.seed, c.id, c.generation)).encode()).digest()
        c.stream_id = "st-" + "".join(ALNUM[b % len(ALNUM)] for b in h[:23])
        c.start_time = started if started is not None else time.time()

    def playback_url(self, c):
        if self.hls is not None and self.hls_base:
            return "%s%s%s.%s.channel.%s.m3u8" % (self.hls_base, HLS_PREFIX, self.region, self.account, c.id)
        h = hashlib.sha256(self.account.encode()).hexdigest()[:12]
        return ("https://%s.%s.playback.live-video.net/api/video/v1/%s.%s.channel.%s.m3u8"
                % (h, self.region, self.region, self.account, c.id))

    def ingest_endpoint(self):
        return "%s.global-contribute.live-video.net" % hashlib.sha256(self.account.encode()).hexdigest()[:12]

    def channel_view(self, c):
        return {"id": c.id, "arn": c.arn, "name": c.name, "live": c.live, "viewers": c.viewers,
                "health": c.health, "streamId": c.stream_id if c.live else None,
                "startTime": iso8601(c.start_time) if c.live else None,
                "playbackUrl": self.playback_url(c)}

    def find(self, ident):
        """A channel by ARN or id (the part after channel/)."""
        with self.lock:
            if ident in self.channels:
                return self.channels[ident]
            short = ident.rsplit("/", 1)[-1]
            arn = "arn:aws:ivs:%s:%s:channel/%s" % (self.region, self.account, short)
            return self.channels.get(arn)

    def set_channel(self, ident, live=None, viewers=None, health=None):
        with self.lock:
            c = self.find(ident)
            if c is None:
                raise KeyError(ident)
            if viewers is not None:
                # -1 is IVS's own "the count request timed out"; other negatives clamp
                c.viewers = -1 if int(viewers) == -1 else max(0, int(viewers))
            if health is not None:
                c.health = health
            if live is not None:
                if live and not c.live:
                    self._go_live(c)
                elif not live:
                    c.live = False
            return self.channel_view(c)

    def tick(self, n=1):
        """Moves every audience one step (deterministic in seed, channel and tick)."""
        with self.lock:
            for _ in range(int(n)):
                self.tick_count += 1
                for c in self.channels.values():
                    rng = random.Random("%s:tick:%d:%d" % (self.seed, c.index, self.tick_count))
                    target = c.base
                    v = c.viewers
                    pull = (target - v) * 0.2
                    spread = max(2.0, 0.15 * max(v, target))
                    v = v + pull + rng.uniform(-spread, spread)
                    if rng.random() < 0.03:
                        v *= rng.choice((0.5, 1.8))
                    c.viewers = max(0, int(round(v)))
            return self.tick_count

    def state(self):
        with self.lock:
            return {"region": self.region, "account": self.account, "seed": self.seed,
                    "tick": self.tick_count,
                    "limits": {"account_rate": self.account_rate, "channel_rate": self.channel_rate,
                               "op_rates": dict(self.op_rates), "latency_ms": self.latency_ms,
                               "metadata_max_bytes": self.metadata_max_bytes,
                               "max_skew_seconds": self.max_skew_seconds},
                    "hls": self.hls is not None,
                    "faults": self.faults.config, "verify_signatures": self.verify_signatures,
                    "channels": [self.channel_view(c) for c in self.channels.values()]}

    def metadata_view(self, channel=None):
        with self.lock:
            out = {}
            for arn, items in self.metadata.items():
                if channel and arn != channel and not arn.endswith("/" + channel):
                    continue
                out[arn] = [dict(x) for x in items]
            return out

    def stats_view(self):
        with self.lock:
            s = self.stats
            return {"requests": dict(s["requests"]), "responses": {str(k): v for k, v in s["responses"].items()},
                    "errors": dict(s["errors"]), "throttled": s["throttled"],
                    "throttled_by_op": dict(s["throttled_by_op"]),
                    "errors_by_op": {op: dict(c) for op, c in s["errors_by_op"].items()},
                    "injected": dict(s["injected"]), "delayed": s["delayed"], "hls": dict(s["hls"]),
                    "metadata_recorded": s["metadata_recorded"],
                    "total_requests": sum(s["requests"].values())}

    def configure(self, cfg):
        with self.lock:
            for k in ("account_rate", "channel_rate", "metadata_max_bytes", "max_skew_seconds", "latency_ms"):
                if k in cfg:
                    if not isinstance(cfg[k], (int, float)) or isinstance(cfg[k], bool) or cfg[k] < 0:
                        raise ValueError("%s must be a number >= 0" % k)
                    setattr(self, k, cfg[k])
            for op, rate in (cfg.get("op_rates") or {}).items():
                if op not in DEFAULT_OP_RATES:
                    raise ValueError("no call-rate quota for %r (have %s)" % (op, ", ".join(DEFAULT_OP_RATES)))
                if not isinstance(rate, (int, float)) or isinstance(rate, bool) or rate <= 0:
                    raise ValueError("op_rates.%s must be a number > 0" % op)
                self.op_rates[op] = rate
            if "verify_signatures" in cfg:
                self.verify_signatures = bool(cfg["verify_signatures"])

    # -- pagination tokens: opaque, tamper-evident, tied to the operation
    def make_token(self, op, after):
        raw = json.dumps({"o": op, "a": after}, separators=(",", ":")).encode()
        mac = hmac.new(self.token_key, raw, hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(mac + raw).decode()

    def read_token(self, op, token):
        try:
            blob = base64.urlsafe_b64decode(token.encode())
            mac, raw = blob[:12], blob[12:]
            if not hmac.compare_digest(mac, hmac.new(self.token_key, raw, hashlib.sha256).digest()[:12]):
                raise ValueError("bad mac")
            d = json.loads(raw)
            if d.get("o") != op:
                raise ValueError("other operation")
            return d["a"]
        except Exception:
            raise modeled_error("ValidationException", "The nextToken is invalid: %s" % token[:64])

    @staticmethod
    def _page(items, key, params, op, state, default=50):
        limit = params.get("maxResults", default)
        after = state.read_token(op, params["nextToken"]) if params.get("nextToken") else None
        if after is not None:
            items = [x for x in items if key(x) > after]
        page = items[:limit]
        token = state.make_token(op, key(page[-1])) if len(items) > limit else None
        return page, token

    # -- the operations
    def op_ListChannels(self, p):
        with self.lock:
            chans = sorted(self.channels.values(), key=lambda c: c.arn)
            if p.get("filterByName"):
                chans = [c for c in chans if p["filterByName"] in c.name]
            if p.get("filterByRecordingConfigurationArn"):
                chans = [c for c in chans if c.recording_arn == p["filterByRecordingConfigurationArn"]]
            page, token = self._page(chans, lambda c: c.arn, p, "ListChannels", self)
            out = {"channels": [c.summary() for c in page]}
            if token:
                out["nextToken"] = token
            return 200, out

    def op_ListStreams(self, p):
        with self.lock:
            chans = sorted((c for c in self.channels.values() if c.live), key=lambda c: c.arn)
            health = (p.get("filterBy") or {}).get("health")
            if health:
                chans = [c for c in chans if c.health == health]
            page, token = self._page(chans, lambda c: c.arn, p, "ListStreams", self)
            out = {"streams": [{"channelArn": c.arn, "streamId": c.stream_id, "state": "LIVE",
                                "health": c.health, "viewerCount": c.viewers,
                                "startTime": iso8601(c.start_time)} for c in page]}
            if token:
                out["nextToken"] = token
            return 200, out

    def _channel_or_404(self, arn):
        c = self.channels.get(arn)
        if c is None:
            raise modeled_error("ResourceNotFoundException", "Resource: %s not found" % arn)
        return c

    def op_GetChannel(self, p):
        with self.lock:
            c = self._channel_or_404(p["arn"])
            return 200, {"channel": {
                "arn": c.arn, "name": c.name, "latencyMode": c.latency_mode, "type": c.type,
                "recordingConfigurationArn": c.recording_arn, "ingestEndpoint": self.ingest_endpoint(),
                "playbackUrl": self.playback_url(c), "authorized": c.authorized, "tags": dict(c.tags),
                "insecureIngest": c.insecure_ingest,
                "srt": {"endpoint": "%s.srt.live-video.net" % self.ingest_endpoint().split(".")[0],
                        "passphrase": hashlib.sha256(c.id.encode()).hexdigest()[:32]},
                "playbackRestrictionPolicyArn": "", "containerFormat": "TS",
                "multitrackInputConfiguration": {"enabled": False, "policy": "ALLOW",
                                                 "maximumResolution": "FULL_HD"},
                "adConfigurationArn": ""}}

    def op_GetStream(self, p):
        with self.lock:
            c = self._channel_or_404(p["channelArn"])
            if not c.live:
                raise modeled_error("ChannelNotBroadcasting", "Channel %s is not currently broadcasting"
                                    % c.arn)
            return 200, {"stream": {"channelArn": c.arn, "streamId": c.stream_id,
                                    "playbackUrl": self.playback_url(c), "startTime": iso8601(c.start_time),
                                    "state": "LIVE", "health": c.health, "viewerCount": c.viewers}}

    def op_CreateChannel(self, p):
        with self.lock:
            i = max([c.index for c in self.channels.values()] + [-1]) + 1
            c = self._add_channel(i, False, 0, 0, name=p.get("name", ""))
            for k, attr in (("latencyMode", "latency_mode"), ("type", "type"), ("authorized", "authorized"),
                            ("insecureIngest", "insecure_ingest"), ("preset", "preset"),
                            ("recordingConfigurationArn", "recording_arn")):
                if k in p:
                    setattr(c, attr, p[k])
            c.tags = dict(p.get("tags") or {})
            status, out = self.op_GetChannel({"arn": c.arn})
            key_id = "".join(ALNUM[b % len(ALNUM)] for b in hashlib.sha256(c.arn.encode()).digest()[:12])
            out["streamKey"] = {"arn": "arn:aws:ivs:%s:%s:stream-key/%s" % (self.region, self.account, key_id),
                                "value": "sk_%s_%s" % (self.region, hashlib.sha256(key_id.encode()).hexdigest()[:36]),
                                "channelArn": c.arn, "tags": {}}
            return 200, out

    def op_PutMetadata(self, p):
        with self.lock:
            data = p["metadata"]
            size = len(data.encode("utf-8"))
            if size > self.metadata_max_bytes:
                raise modeled_error("ValidationException", "1 validation error detected: Value at 'metadata' "
                                    "failed to satisfy constraint: Member must have length less than or "
                                    "equal to %d bytes (got %d)" % (self.metadata_max_bytes, size))
            c = self._channel_or_404(p["channelArn"])
            if not c.live:
                raise modeled_error("ChannelNotBroadcasting", "Channel %s is not currently broadcasting"
                                    % c.arn)
            now = time.monotonic()
            w = self.channel_windows.setdefault(c.arn, SlidingWindow())
            # both windows must admit the call; only admitted calls count
            if w.count(now) >= self.channel_rate:
                raise self._throttled("PutMetadata", "Request rate exceeded for channel %s: limit %s per "
                                      "second" % (c.arn, self.channel_rate))
            if self.account_window.count(now) >= self.account_rate:
                raise self._throttled("PutMetadata", "Request rate exceeded for PutMetadata in this account: "
                                      "limit %s per second" % self.account_rate)
            w.times.append(now)
            self.account_window.times.append(now)
            t = time.time()
            self.metadata.setdefault(c.arn, []).append({"time": iso8601(t), "t": t, "payload": data})
            self.stats["metadata_recorded"] += 1
            if self.hls is not None:
                self.hls.insert((c.id, c.stream_id), c.start_time, data, t)
            return 204, None

    # -- the call-rate quotas
    def _throttled(self, op, message):
        self.stats["throttled"] += 1
        self.stats["throttled_by_op"][op] += 1
        return modeled_error("ThrottlingException", message)

    def admit(self, op, arrived):
        """Counts a call of `op` (arrived: its time.monotonic() on arrival)
        against its quota, or raises the 429 IVS answers; a throttled call
        does not count."""
        with self.lock:
            rate = self.op_rates.get(op)
            if rate is None:
                return
            w = self.op_windows[op]
            now = max(arrived, w.times[-1] if w.times else arrived)  # keeps the window ordered
            if w.count(now) >= rate:
                raise self._throttled(op, "Request rate exceeded for %s: limit %s per second" % (op, rate))
            w.times.append(now)

    # -- the HLS streams (hls is set)
    def hls_channel(self, cid):
        """(stream key, start time) of a live channel by id, else None."""
        with self.lock:
            c = self.find(cid)
            if c is None or not c.live:
                return None
            return (c.id, c.stream_id), c.start_time

    def hls_view(self, channel=None):
        out = {}
        with self.lock:
            chans = [c for c in self.channels.values() if c.live
                     and (not channel or channel in (c.arn, c.id))]
            chans = [(c.arn, c.id, c.stream_id, c.start_time, self.playback_url(c)) for c in chans]
        now = time.time()
        for arn, cid, sid, start, url in chans:
            first, last = self.hls.window_of((cid, sid), start, now)
            out[arn] = {"playbackUrl": url, "streamId": sid, "firstMediaSequence": first,
                        "lastMediaSequence": last, "inserted": self.hls.inserted((cid, sid), start, now)}
        return out


# --------------------------------------------------------------------------
# HTTP

class _Drop(Exception):
    pass


class _Handler(TrackedHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ivs-sim"
    timeout = 120

    def version_string(self):
        return self.server_version

    def setup(self):
        TrackedHandler.setup(self)
        # headers and body go out in separate writes: without this, Nagle and
        # delayed ACKs cost 40 ms a request on a kept-alive connection
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        if self.server.sim.verbose:
            sys.stderr.write("ivs_sim: " + (fmt % args) + "\n")

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                line = self.rfile.readline()
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(n))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status, body=None, headers=None, ctype="application/json"):
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", ctype)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if status != 204:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if status != 204 and self.command != "HEAD":
            self.wfile.write(data)

    def _send_error(self, e):
        code = e.code + (CORAL_SERVICE if e.coral_suffix else "")
        body = {"message": e.message} if e.coral_suffix else {"exceptionMessage": e.message,
                                                              "message": e.message}
        self._send(e.status, body, {"x-amzn-ErrorType": code})

    def _dispatch(self):
        sim = self.server.sim
        try:
            body = self._read_body()
        except Exception:
            self.close_connection = True
            return
        path = urlsplit(self.path).path
        try:
            if path.startswith("/_sim/") or path == "/_sim":
                self._control(path, body)
            elif path.startswith(HLS_PREFIX) and sim.state.hls is not None:
                self._hls(path)
            else:
                self._api(path, body)
        except _Drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # a bug here should read as a 500, not a hang
            import traceback
            traceback.print_exc()
            self.close_connection = True
            try:
                self._send_error(ApiError(500, "InternalServerException", "ivs_sim failed: %r" % e))
            except OSError:
                pass

    # -- the IVS API
    def _answer_after(self, started):
        """Holds the answer until latency_ms after the request arrived (this
        thread only: other requests go on meanwhile)."""
        with self.server.sim.state.lock:
            latency = self.server.sim.state.latency_ms / 1000.0
        left = started + latency - time.monotonic()
        if left > 0:
            time.sleep(left)

    def _api(self, path, body):
        started = time.monotonic()
        sim = self.server.sim
        st = sim.state
        op = sim.ops.get((self.command, path))
        try:
            if op is None:
                raise ApiError(404, "UnknownOperationException", "No operation %s %s" % (self.command, path),
                               True)
            if st.verify_signatures:
                with st.lock:
                    secrets = dict(st.secrets)
                    skew = st.max_skew_seconds
                verify_sigv4(self.command, self.path, self.headers.items(), body, secrets, "ivs", skew)
            with st.lock:
                st.stats["requests"][op.name] += 1
            kind, delay = st.faults.decide(op.name)
            if delay:
                with st.lock:
                    st.stats["delayed"] += 1
                time.sleep(delay)
            if kind:
                with st.lock:
                    st.stats["injected"][kind] += 1
                if kind == "drop":
                    raise _Drop()
                if kind == "error500":
                    raise ApiError(500, "InternalServerException", "Unexpected error during processing of "
                                   "request (injected).")
                if kind == "throttle":
                    raise ApiError(429, "ThrottlingException", "Request rate exceeded (injected).")
            st.admit(op.name, started)
            try:
                params = json.loads(body.decode("utf-8")) if body.strip() else {}
            except ValueError:
                raise ApiError(400, "ValidationException", "Could not parse the request body as JSON")
            if not isinstance(params, dict):
                raise ApiError(400, "ValidationException", "The request body must be a JSON object")
            validate_input(op, params)
            handler = getattr(st, "op_" + op.name, None)
            if handler is None:
                raise ApiError(501, "NotImplemented", "%s is not simulated" % op.name, True)
            status, out = handler(params)
            with st.lock:
                st.stats["responses"][status] += 1
            self._answer_after(started)
            self._send(status, out)
        except ApiError as e:
            with st.lock:
                st.stats["responses"][e.status] += 1
                st.stats["errors"][e.code] += 1
                st.stats["errors_by_op"][op.name if op else "?"][e.code] += 1
            self._answer_after(started)
            self._send_error(e)

    # -- the HLS streams (--hls): what a player fetches from playbackUrl
    def _hls(self, path):
        st = self.server.sim.state
        cors = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
                "Access-Control-Allow-Headers": "*", "Access-Control-Expose-Headers": "Content-Length"}
        if self.command == "OPTIONS":
            return self._send(204, None, dict(cors, **{"Access-Control-Max-Age": "600"}))
        if self.command not in ("GET", "HEAD"):
            return self._send(405, b"method not allowed\n", dict(cors, Allow="GET, HEAD, OPTIONS"),
                              "text/plain")
        rest = path[len(HLS_PREFIX):]
        m = re.match(r"^([a-z0-9-]+)\.(\d+)\.channel\.([A-Za-z0-9]+)\.m3u8$", rest)
        seg = re.match(r"^seg/([A-Za-z0-9]+)/([A-Za-z0-9-]+)/(\d+)\.ts$", rest)
        now = time.time()
        found = None
        if m and (m.group(1), m.group(2)) == (st.region, st.account):
            found = st.hls_channel(m.group(3))
            if found:
                key, start = found
                body = st.hls.playlist(key, start, now, lambda n: "seg/%s/%s/%d.ts" % (key[0], key[1], n))
                with st.lock:
                    st.stats["hls"]["playlists"] += 1
                return self._send(200, body.encode(), dict(cors, **{"Cache-Control": "max-age=0, no-cache"}),
                                  "application/vnd.apple.mpegurl")
        elif seg:
            found = st.hls_channel(seg.group(1))
            if found and found[0][1] == seg.group(2):
                data = st.hls.segment(found[0], found[1], int(seg.group(3)), now)
                if data is not None:
                    with st.lock:
                        st.stats["hls"]["segments"] += 1
                    return self._send(200, data, dict(cors, **{"Cache-Control": "max-age=60"}), "video/MP2T")
        with st.lock:
            st.stats["hls"]["not_found"] += 1
        # what IVS's CDN answers for a channel that is not broadcasting
        return self._send(404, b"Not Found\n", dict(cors, **{"Cache-Control": "max-age=0, no-cache"}),
                          "text/plain")

    # -- the control API
    def _control(self, path, body):
        sim = self.server.sim
        st = sim.state
        q = parse_qs(urlsplit(self.path).query)
        try:
            args = json.loads(body.decode()) if body.strip() else {}
        except ValueError:
            return self._send(400, {"error": "body is not JSON"})
        m = self.command
        try:
            if path == "/_sim/state" and m == "GET":
                return self._send(200, st.state())
            if path == "/_sim/channels" and m == "POST":
                return self._send(200, {"channels": st.create_channels(
                    args.get("count", 0), args.get("live"), args.get("seed", 0), args.get("viewers"))})
            if path.startswith("/_sim/channel/") and m in ("POST", "GET"):
                ident = unquote(path[len("/_sim/channel/"):])
                if m == "GET":
                    c = st.find(ident)
                    return self._send(200, st.channel_view(c)) if c else self._send(404, {"error": "no channel"})
                return self._send(200, st.set_channel(ident, args.get("live"), args.get("viewers"),
                                                      args.get("health")))
            if path == "/_sim/tick" and m == "POST":
                return self._send(200, {"tick": st.tick(args.get("n", 1))})
            if path == "/_sim/metadata" and m == "GET":
                return self._send(200, st.metadata_view((q.get("channel") or [None])[0]))
            if path == "/_sim/stats" and m == "GET":
                return self._send(200, st.stats_view())
            if path == "/_sim/hls" and m == "GET":
                if st.hls is None:
                    return self._send(409, {"error": "the simulator was started without --hls"})
                return self._send(200, st.hls_view((q.get("channel") or [None])[0]))
            if path == "/_sim/faults" and m == "POST":
                st.faults.configure(args)
                return self._send(200, st.faults.config)
            if path == "/_sim/faults" and m == "GET":
                return self._send(200, st.faults.config)
            if path == "/_sim/config" and m == "POST":
                st.configure(args)
                return self._send(200, st.state()["limits"])
            if path == "/_sim/credentials" and m == "POST":
                with st.lock:
                    st.secrets[args["accessKeyId"]] = args["secretAccessKey"]
                return self._send(200, {"accessKeyIds": sorted(st.secrets)})
            if path == "/_sim/reset" and m == "POST":
                st.reset()
                return self._send(200, {"reset": True})
        except KeyError as e:
            return self._send(404, {"error": "not found: %s" % e})
        except (ValueError, TypeError) as e:
            return self._send(400, {"error": str(e)})
        return self._send(404, {"error": "no control endpoint %s %s" % (m, path)})


class _Server(TrackingServer):
    def __init__(self, addr, handler, sim):
        self.sim = sim
        TrackingServer.__init__(self, addr, handler)


class IvsSim:
    """The simulator in this process. Use as a context manager or start()/stop().

    IvsSim(port=0, channels=0, live=None (all), seed=0, viewers=None,
           account_rate=155, channel_rate=5, region, account,
           auto_tick_seconds=None, verify_signatures=True, metadata_max_bytes=1024,
           max_skew_seconds=0 (no clock check), op_rates=None ({op: calls/s} over
           DEFAULT_OP_RATES), latency_ms=0, hls=False, hls_window=5, verbose=False)
    """

    def __init__(self, port=0, channels=0, live=None, seed=0, viewers=None, account_rate=155,
                 channel_rate=5, region=DEFAULT_REGION, account=DEFAULT_ACCOUNT, auto_tick_seconds=None,
                 verify_signatures=True, metadata_max_bytes=1024, max_skew_seconds=0, op_rates=None,
                 latency_ms=0, hls=False, hls_window=5, verbose=False):
        self.port = port
        self.verbose = verbose
        self.auto_tick_seconds = auto_tick_seconds
        for op in op_rates or {}:
            if op not in DEFAULT_OP_RATES:
                raise ValueError("no call-rate quota for %r" % op)
        live_hls = _hls.LiveHls(_hls.ensure_loop(), window=hls_window) if hls else None
        self.state = SimState(channels, live, seed, viewers, account_rate, channel_rate, region, account,
                              metadata_max_bytes, max_skew_seconds, verify_signatures, op_rates, latency_ms,
                              live_hls)
        self.ops = operations_by_uri()
        self.httpd = None
        self.url = None
        self._threads = []
        self._stop = threading.Event()

    def start(self):
        self.httpd = _Server(("127.0.0.1", self.port), _Handler, self)
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        with self.state.lock:
            self.state.hls_base = self.url
        t = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                             name="ivs-sim", daemon=True)
        t.start()
        self._threads.append(t)
        if self.auto_tick_seconds:
            t2 = threading.Thread(target=self._auto_tick, name="ivs-sim-tick", daemon=True)
            t2.start()
            self._threads.append(t2)
        return self

    def _auto_tick(self):
        while not self._stop.wait(self.auto_tick_seconds):
            self.state.tick()

    def stop(self):
        self._stop.set()
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.close_connections()
            self.httpd.server_close()
            self.httpd = None
        for t in self._threads:
            t.join(5)
        self._threads = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # direct access to what the control API offers
    def tick(self, n=1):
        return self.state.tick(n)

    def set_channel(self, ident, live=None, viewers=None, health=None):
        return self.state.set_channel(ident, live, viewers, health)

    def create_channels(self, count, live=None, seed=0, viewers=None):
        return self.state.create_channels(count, live, seed, viewers)

    def channels(self):
        return self.state.state()["channels"]

    def metadata(self, channel=None):
        return self.state.metadata_view(channel)

    def stats(self):
        return self.state.stats_view()

    def hls(self, channel=None):
        """Per live channel: playbackUrl, the playlist's window, and every
        payload inserted with its mediaSequence, pts and whether published."""
        if self.state.hls is None:
            raise ValueError("the simulator was started without hls=True")
        return self.state.hls_view(channel)

    def set_faults(self, **cfg):
        self.state.faults.configure(cfg)
        return self.state.faults.config

    def configure(self, **cfg):
        self.state.configure(cfg)

    def add_credentials(self, key_id, secret):
        with self.state.lock:
            self.state.secrets[key_id] = secret

    def reset(self):
        self.state.reset()


class SimControl:
    """The control API over HTTP, for a simulator in another process."""

    def __init__(self, url):
        self.url = url.rstrip("/")

    def _call(self, method, path, body=None):
        return control_call(self.url, method, path, body)

    def state(self):
        return self._call("GET", "/_sim/state")

    def channels(self):
        return self.state()["channels"]

    def create_channels(self, count, live=None, seed=0, viewers=None):
        body = {"count": count, "seed": seed}
        if live is not None:
            body["live"] = live
        if viewers is not None:
            body["viewers"] = viewers
        return self._call("POST", "/_sim/channels", body)["channels"]

    def set_channel(self, ident, live=None, viewers=None, health=None):
        from urllib.parse import quote
        body = {k: v for k, v in (("live", live), ("viewers", viewers), ("health", health)) if v is not None}
        return self._call("POST", "/_sim/channel/" + quote(ident, safe=""), body)

    def tick(self, n=1):
        return self._call("POST", "/_sim/tick", {"n": n})["tick"]

    def metadata(self, channel=None):
        from urllib.parse import quote
        return self._call("GET", "/_sim/metadata" + ("?channel=" + quote(channel, safe="") if channel else ""))

    def stats(self):
        return self._call("GET", "/_sim/stats")

    def hls(self, channel=None):
        from urllib.parse import quote
        return self._call("GET", "/_sim/hls" + ("?channel=" + quote(channel, safe="") if channel else ""))

    def set_faults(self, **cfg):
        return self._call("POST", "/_sim/faults", cfg)

    def configure(self, **cfg):
        return self._call("POST", "/_sim/config", cfg)

    def add_credentials(self, key_id, secret):
        return self._call("POST", "/_sim/credentials", {"accessKeyId": key_id, "secretAccessKey": secret})

    def reset(self):
        return self._call("POST", "/_sim/reset", {})


def main(argv=None):
    ap = argparse.ArgumentParser(description="A local Amazon IVS simulator (loopback only).")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    ap.add_argument("--port-file", help="write the URL here once listening")
    ap.add_argument("--channels", type=int, default=0)
    ap.add_argument("--live", type=int, default=None, help="how many of the channels are live (default all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--account-rate", type=float, default=155, help="PutMetadata per second per account")
    ap.add_argument("--channel-rate", type=float, default=5, help="PutMetadata per second per channel")
    ap.add_argument("--region", default=DEFAULT_REGION)
    ap.add_argument("--account", default=DEFAULT_ACCOUNT)
    ap.add_argument("--auto-tick-seconds", type=float, default=None)
    ap.add_argument("--max-skew-seconds", type=float, default=0, help="reject signatures older/newer (0: off)")
    ap.add_argument("--no-verify", action="store_true", help="accept unsigned requests")
    ap.add_argument("--op-rate", action="append", default=[], metavar="OP=N",
                    help="calls per second for OP (one of %s; default 5 each)" % ", ".join(DEFAULT_OP_RATES))
    ap.add_argument("--latency-ms", type=float, default=0, help="answer every API request this late")
    ap.add_argument("--hls", action="store_true", help="serve each live channel's stream at its playbackUrl")
    ap.add_argument("--hls-window", type=int, default=5, help="segments in a live playlist")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args(argv)
    rates = {}
    for item in a.op_rate:
        op, _, n = item.partition("=")
        if op not in DEFAULT_OP_RATES or not n:
            ap.error("--op-rate wants OP=N with OP one of %s" % ", ".join(DEFAULT_OP_RATES))
        rates[op] = float(n)
    sim = IvsSim(port=a.port, channels=a.channels, live=a.live, seed=a.seed, account_rate=a.account_rate,
                 channel_rate=a.channel_rate, region=a.region, account=a.account,
                 auto_tick_seconds=a.auto_tick_seconds, verify_signatures=not a.no_verify,
                 max_skew_seconds=a.max_skew_seconds, op_rates=rates, latency_ms=a.latency_ms, hls=a.hls,
                 hls_window=a.hls_window, verbose=a.verbose)
    return serve_until_signal(sim, a.port_file)


def serve_until_signal(server, port_file):
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    if port_file:
        tmp = port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(server.url + "\n")
        os.replace(tmp, port_file)
    print(server.url, flush=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
