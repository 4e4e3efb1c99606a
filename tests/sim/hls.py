"""hls - the live HLS side of ivs_sim: each live channel's stream at its
playbackUrl, with the PutMetadata payloads it accepted carried in the stream as
ID3 timed metadata, the way IVS carries them.

How:
  - ffmpeg encodes, once, a short loop of MPEG-TS segments (testsrc2 picture,
    440 Hz tone, H.264 baseline + AAC, 1 s each) into a cache directory shared
    by every simulator on the machine (LoopSource / ensure_loop).
  - a stream's timeline is wall time: segment n of a stream that began at
    `origin` covers [origin + n*d, origin + (n+1)*d) and is loop segment
    n % K. It is published (playlist, GET) once that interval has ended; the
    loop wrapping is an EXT-X-DISCONTINUITY, since its timestamps restart.
  - a metadata payload accepted at time t goes into the segment whose interval
    holds t (the one not yet published), at PTS = that segment's first PTS +
    (t - its start), as an ID3v2.4 tag with one TXXX frame (UTF-8, empty
    description) in a PES (stream_id 0xBD) on its own PID, which every PMT of
    every segment lists as stream_type 0x15 with a metadata_descriptor ("ID3 "),
    the program carrying a metadata_pointer_descriptor: the layout of Apple's
    "Timed Metadata for HTTP Live Streaming", as IVS uses it. The same
    technique as web/test/hls/id3ts.mjs, with PES spanning as many TS packets
    as a 1 KB payload needs.

Nothing here opens a socket; ivs_sim serves what this renders."""
import collections
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

TS = 188
ID3_PID = 0x1F0
STREAM_TYPE_ID3 = 0x15
LOOP_FORMAT = 1  # bump when the ffmpeg recipe changes, to leave old caches alone


# --------------------------------------------------------------------------
# MPEG-TS bits

def crc32_mpeg(data):
    """MPEG-2 CRC32 (poly 0x04C11DB7, MSB first, init 0xFFFFFFFF, no final xor)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else (crc << 1)
            crc &= 0xFFFFFFFF
    return crc


def ts_pid(pkt):
    return ((pkt[1] & 0x1F) << 8) | pkt[2]


def payload_offset(pkt):
    """Where a TS packet's payload starts, or -1 when it has none."""
    afc = (pkt[3] >> 4) & 3
    if afc == 1:
        return 4
    if afc == 3:
        return 5 + pkt[4]
    return -1


def read_pts(b, o):
    return (((b[o] >> 1) & 0x07) << 30) | (((b[o + 1] << 8 | b[o + 2]) >> 1) << 15) | ((b[o + 3] << 8 | b[o + 4]) >> 1)


def write_pts(pts):
    pts &= (1 << 33) - 1
    return bytes([0x21 | ((pts >> 29) & 0x0E), (pts >> 22) & 0xFF, ((pts >> 14) & 0xFE) | 1,
                  (pts >> 7) & 0xFF, ((pts << 1) & 0xFE) | 1])


def syncsafe(n):
    return bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])


def id3_txxx(text):
    """An ID3v2.4 tag holding one TXXX frame: UTF-8, empty description, `text`."""
    body = b"\x03\x00" + text.encode("utf-8")
    frame = b"TXXX" + syncsafe(len(body)) + b"\x00\x00" + body
    return b"ID3\x04\x00\x00" + syncsafe(len(frame)) + frame


def pes_packet_count(tag_len):
    return -(-(14 + tag_len) // 184)


def id3_pes_packets(tag, pts, cc, pid=ID3_PID):
    """The TS packets of one PES (private_stream_1, PTS only) carrying `tag`,
    continuity counters from cc; the last packet is padded with adaptation
    field stuffing."""
    pes = b"\x00\x00\x01\xBD" + (8 + len(tag)).to_bytes(2, "big") + b"\x84\x80\x05" + write_pts(pts) + tag
    out = []
    for i in range(0, len(pes), 184):
        chunk = pes[i:i + 184]
        head = bytes([0x47, (0x40 if i == 0 else 0) | (pid >> 8), pid & 0xFF])
        if len(chunk) == 184:
            pkt = head + bytes([0x10 | (cc & 0x0F)]) + chunk
        else:
            af_len = 183 - len(chunk)
            af = bytes([af_len]) + (b"\x00" + b"\xFF" * (af_len - 1) if af_len else b"")
            pkt = head + bytes([0x30 | (cc & 0x0F)]) + af + chunk
        assert len(pkt) == TS
        out.append(pkt)
        cc += 1
    return out


def _id3_descriptor_body():
    # metadata_application_format 0xFFFF + "ID3 ", metadata_format 0xFF + "ID3 ", service id 0
    return b"\xFF\xFFID3 \xFFID3 \x00"


METADATA_POINTER_DESCRIPTOR = bytes([0x25, 15]) + _id3_descriptor_body() + b"\x1F" + b"\x00\x01"  # program 1
METADATA_DESCRIPTOR = bytes([0x26, 13]) + _id3_descriptor_body() + b"\x0F"


def pmt_with_id3(pkt, pid=ID3_PID):
    """A PMT packet (section in one packet) with the ID3 stream added: a
    metadata_pointer_descriptor in the program info, an ES entry of
    stream_type 0x15 with a metadata_descriptor. Returns the new packet."""
    off = payload_offset(pkt)
    start = off + 1 + pkt[off]  # after pointer_field
    section_length = ((pkt[start + 1] & 0x0F) << 8) | pkt[start + 2]
    section = bytes(pkt[start:start + 3 + section_length - 4])  # without the CRC
    program_number = section[3:5]
    pil = ((section[10] & 0x0F) << 8) | section[11]
    pointer = METADATA_POINTER_DESCRIPTOR[:-2] + program_number
    new_pil = pil + len(pointer)
    es = bytes([STREAM_TYPE_ID3, 0xE0 | (pid >> 8), pid & 0xFF, 0xF0 | (len(METADATA_DESCRIPTOR) >> 8),
                len(METADATA_DESCRIPTOR) & 0xFF]) + METADATA_DESCRIPTOR
    body = bytearray(section[:10] + bytes([(section[10] & 0xF0) | (new_pil >> 8), new_pil & 0xFF])
                     + section[12:12 + pil] + pointer + section[12 + pil:] + es)
    new_len = len(body) - 3 + 4
    body[1] = (body[1] & 0xF0) | (new_len >> 8)
    body[2] = new_len & 0xFF
    full = bytes(pkt[:start]) + bytes(body) + crc32_mpeg(body).to_bytes(4, "big")
    if len(full) > TS:
        raise ValueError("PMT with the ID3 stream does not fit one packet")
    return full + b"\xFF" * (TS - len(full))


def scan_segment(data):
    """(PMT PID, first PTS) of a segment: the PAT's first program, and the
    lowest PTS among the first PES of each elementary stream."""
    pmt_pid, firsts = None, {}
    for i in range(0, len(data) - TS + 1, TS):
        p = data[i:i + TS]
        off = payload_offset(p)
        if off < 0:
            continue
        pid = ts_pid(p)
        if pid == 0 and pmt_pid is None:
            s = off + 1 + p[off]
            pmt_pid = ((p[s + 10] & 0x1F) << 8) | p[s + 11]
        elif pid != pmt_pid and pid not in firsts and (p[1] & 0x40) and p[off:off + 3] == b"\x00\x00\x01" \
                and (p[off + 7] & 0x80):
            firsts[pid] = read_pts(p, off + 9)
    if pmt_pid is None or not firsts:
        raise ValueError("segment without a PAT or a PTS")
    if ID3_PID in firsts:
        raise ValueError("segment already uses PID 0x%x" % ID3_PID)
    return pmt_pid, min(firsts.values())


def mux_id3(data, pmt_pid, tags, cc):
    """The segment with every PMT declaring the ID3 stream and, after the
    first PMT, one PES per (pts, tag). Returns (bytes, next cc)."""
    extra = []
    for pts, tag in tags:
        pkts = id3_pes_packets(tag, pts, cc)
        cc += len(pkts)
        extra += pkts
    out, done = [], False
    for i in range(0, len(data) - TS + 1, TS):
        p = data[i:i + TS]
        if ts_pid(p) == pmt_pid and (p[1] & 0x40):
            out.append(pmt_with_id3(p))
            if not done:
                out += extra
                done = True
        else:
            out.append(p)
    return b"".join(out), cc


# --------------------------------------------------------------------------
# The loop, encoded once per machine

Segment = collections.namedtuple("Segment", "data duration pmt_pid first_pts")


def default_cache_root():
    return os.environ.get("IVS_SIM_HLS_CACHE") or os.path.join(tempfile.gettempdir(), "ivs-sim-hls")


def ensure_loop(segments=6, seconds=1, size="640x360", fps=30, cache_root=None):
    """The loop's segments: from the cache, or encoded now with ffmpeg (about
    a second). Safe when several processes do it at once: each encodes into
    its own directory and renames it into place."""
    root = cache_root or default_cache_root()
    key = hashlib.sha256(json.dumps([LOOP_FORMAT, segments, seconds, size, fps]).encode()).hexdigest()[:16]
    final = os.path.join(root, "loop-" + key)
    manifest = os.path.join(final, "manifest.json")
    if not os.path.exists(manifest):
        os.makedirs(root, exist_ok=True)
        work = tempfile.mkdtemp(prefix="enc-", dir=root)
        try:
            _encode(work, segments, seconds, size, fps)
            try:
                os.rename(work, final)
                work = None
            except OSError:  # another process got there first
                pass
        finally:
            if work:
                shutil.rmtree(work, ignore_errors=True)
    with open(manifest) as f:
        m = json.load(f)
    out = []
    for name, duration in m["segments"]:
        with open(os.path.join(final, name), "rb") as f:
            data = f.read()
        pmt_pid, first_pts = scan_segment(data)
        out.append(Segment(data, duration, pmt_pid, first_pts))
    return out


def _encode(work, segments, seconds, size, fps):
    total = segments * seconds
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
           "-f", "lavfi", "-i", "testsrc2=size=%s:rate=%d" % (size, fps),
           "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
           "-t", str(total), "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "baseline",
           "-pix_fmt", "yuv420p", "-g", str(fps * seconds), "-keyint_min", str(fps * seconds),
           "-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k", "-ac", "2",
           "-f", "hls", "-hls_time", str(seconds), "-hls_playlist_type", "vod",
           "-hls_segment_filename", os.path.join(work, "seg%03d.ts"), os.path.join(work, "loop.m3u8")]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError("ffmpeg failed (%d): %s" % (r.returncode, r.stderr.strip()[-2000:]))
    segs, duration = [], None
    with open(os.path.join(work, "loop.m3u8")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("#EXTINF:"):
                duration = float(line[8:].split(",")[0])
            elif line and not line.startswith("#"):
                segs.append([line, duration])
    if len(segs) != segments:
        raise RuntimeError("ffmpeg made %d segments, not %d" % (len(segs), segments))
    with open(os.path.join(work, "manifest.json"), "w") as f:
        json.dump({"segments": segs}, f)


# --------------------------------------------------------------------------
# Live streams

def iso_ms(ts):
    d = datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


class _Stream:
    def __init__(self, origin):
        self.origin = origin
        self.inserted = []  # dicts, in arrival order
        self.cache = collections.OrderedDict()  # media sequence -> bytes


class LiveHls:
    """Live playlists and segments for any number of streams, each known by a
    key (the sim uses (channel id, stream id)) and its start time. A stream
    shows `preroll` segments already made when it goes live, so a player has
    something to play at once."""

    def __init__(self, loop, window=5, preroll=None, cache_segments=16):
        self.loop = loop
        self.k = len(loop)
        self.cum = [0.0]
        for s in loop:
            self.cum.append(self.cum[-1] + s.duration)
        self.loop_seconds = self.cum[-1]
        self.window = window
        self.preroll = window if preroll is None else preroll
        self.target = max(1, int(max(s.duration for s in loop) + 0.5))
        self.cache_segments = cache_segments
        self.lock = threading.Lock()
        self.streams = {}

    def clear(self):
        with self.lock:
            self.streams = {}

    def _stream(self, key, start_time):
        s = self.streams.get(key)
        if s is None:
            s = self.streams[key] = _Stream(start_time - self.preroll * self.loop[0].duration)
        return s

    # timeline
    def seg_start(self, s, n):
        return s.origin + (n // self.k) * self.loop_seconds + self.cum[n % self.k]

    def _split(self, s, t):
        e = max(0.0, t - s.origin)
        full = int(e // self.loop_seconds)
        return full, e - full * self.loop_seconds

    def completed(self, s, now):
        """How many segments have ended by `now`."""
        full, rem = self._split(s, now)
        return full * self.k + sum(1 for j in range(self.k) if self.cum[j + 1] <= rem)

    def containing(self, s, t):
        full, rem = self._split(s, t)
        j = max(i for i in range(self.k) if self.cum[i] <= rem)
        return full * self.k + j

    # what the sim calls
    def insert(self, key, start_time, text, now):
        """Puts `text` into the stream's segment in the making at `now`;
        returns what was placed where. The clock is read again under the
        lock, so a segment published meanwhile is never the one chosen."""
        tag = id3_txxx(text)
        with self.lock:
            now = max(now, time.time())
            s = self._stream(key, start_time)
            n = self.containing(s, now)
            offset = max(0.0, now - self.seg_start(s, n))
            pts = self.loop[n % self.k].first_pts + int(round(offset * 90000))
            item = {"mediaSequence": n, "offset": round(offset, 6), "pts": pts, "payload": text,
                    "time": iso_ms(now), "t": now, "tag": tag, "packets": pes_packet_count(len(tag))}
            s.inserted.append(item)
            return self._public(item, s, now)

    def _public(self, item, s, now):
        d = {k: v for k, v in item.items() if k not in ("tag", "packets")}
        d["published"] = item["mediaSequence"] < self.completed(s, now)
        return d

    def inserted(self, key, start_time, now):
        with self.lock:
            s = self._stream(key, start_time)
            return [self._public(i, s, now) for i in s.inserted]

    def window_of(self, key, start_time, now):
        """(first, last) media sequence numbers the playlist lists now."""
        with self.lock:
            s = self._stream(key, start_time)
            last = self.completed(s, now) - 1
            return max(0, last - self.window + 1), last

    def playlist(self, key, start_time, now, uri):
        """The media playlist; uri(n) names segment n (relative or absolute)."""
        with self.lock:
            s = self._stream(key, start_time)
            last = self.completed(s, now) - 1
            first = max(0, last - self.window + 1)
            lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:%d" % self.target,
                     "#EXT-X-MEDIA-SEQUENCE:%d" % first, "#EXT-X-DISCONTINUITY-SEQUENCE:%d" % (first // self.k)]
            for n in range(first, last + 1):
                if n % self.k == 0 and n != first:
                    lines.append("#EXT-X-DISCONTINUITY")
                lines.append("#EXT-X-PROGRAM-DATE-TIME:" + iso_ms(self.seg_start(s, n)))
                lines.append("#EXTINF:%.3f," % self.loop[n % self.k].duration)
                lines.append(uri(n))
            return "\n".join(lines) + "\n"

    def segment(self, key, start_time, n, now):
        """Segment n's bytes, or None when it is not published (yet)."""
        with self.lock:
            s = self._stream(key, start_time)
            if n < 0 or n >= self.completed(s, now):
                return None
            if n in s.cache:
                return s.cache[n]
            cc = sum(i["packets"] for i in s.inserted if i["mediaSequence"] < n)
            tags = [(i["pts"], i["tag"]) for i in s.inserted if i["mediaSequence"] == n]
        base = self.loop[n % self.k]
        data, _ = mux_id3(base.data, base.pmt_pid, tags, cc)
        with self.lock:
            s.cache[n] = data
            while len(s.cache) > self.cache_segments:
                s.cache.popitem(last=False)
        return data
