// id3ts.mjs - puts ID3 timed metadata into MPEG-TS segments, the way Amazon
// IVS carries PutMetadata payloads: a TXXX frame in an ID3 tag, in a PES on
// its own PID that the PMT lists as stream_type 0x15 ("metadata in PES") with
// an "ID3 " metadata_descriptor. Only for the browser test's local stream.
const TS = 188;
const ID3_PID = 0x1f0;

/** MPEG-2 CRC32 (poly 0x04C11DB7, MSB first, init 0xFFFFFFFF, no final xor). */
export function crc32mpeg(buf) {
  let crc = 0xffffffff;
  for (const byte of buf) {
    crc ^= byte << 24;
    for (let i = 0; i < 8; i++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}

function syncsafe(n) {
  return [(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f];
}

/** An ID3v2.4 tag with one TXXX frame (empty description, UTF-8 value). */
export function id3Txxx(text) {
  const body = Buffer.concat([Buffer.from([0x03, 0x00]), Buffer.from(text, 'utf8')]);
  const frame = Buffer.concat([Buffer.from('TXXX'), Buffer.from(syncsafe(body.length)), Buffer.from([0, 0]), body]);
  return Buffer.concat([Buffer.from('ID3'), Buffer.from([4, 0, 0]), Buffer.from(syncsafe(frame.length)), frame]);
}

function pid(pkt) {
  return ((pkt[1] & 0x1f) << 8) | pkt[2];
}

function payloadOffset(pkt) {
  const afc = (pkt[3] >> 4) & 3;
  if (afc === 1) return 4;
  if (afc === 3) return 5 + pkt[4];
  return -1;
}

function readPts(b, o) {
  return ((b[o] >> 1) & 0x07) * 2 ** 30 + (((b[o + 1] << 8) | b[o + 2]) >> 1) * 2 ** 15 + (((b[o + 3] << 8) | b[o + 4]) >> 1);
}

function writePts(pts) {
  const hi = Math.floor(pts / 2 ** 30) & 7;
  const mid = Math.floor(pts / 2 ** 15) & 0x7fff;
  const lo = pts & 0x7fff;
  return [0x21 | (hi << 1), mid >> 7, ((mid & 0x7f) << 1) | 1, lo >> 7, ((lo & 0x7f) << 1) | 1];
}

/** Adds the ID3 stream to a PMT packet (one-packet section); returns a new packet. */
function rewritePmt(pkt) {
  const off = payloadOffset(pkt);
  const start = off + 1 + pkt[off]; // pointer_field
  const sectionLength = ((pkt[start + 1] & 0x0f) << 8) | pkt[start + 2];
  const end = start + 3 + sectionLength - 4; // before the CRC
  const section = pkt.subarray(start, end);
  const desc = [0x26, 13, 0xff, 0xff, ...Buffer.from('ID3 '), 0xff, ...Buffer.from('ID3 '), 0x00, 0x0f];
  const es = [0x15, 0xe0 | (ID3_PID >> 8), ID3_PID & 0xff, 0xf0, desc.length, ...desc];
  const body = Buffer.concat([section, Buffer.from(es)]);
  const newLength = body.length - 3 + 4;
  body[1] = (body[1] & 0xf0) | (newLength >> 8);
  body[2] = newLength & 0xff;
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32mpeg(body));
  const out = Buffer.alloc(TS, 0xff);
  pkt.copy(out, 0, 0, start);
  Buffer.concat([body, crc]).copy(out, start);
  if (start + body.length + 4 > TS) throw new Error('PMT does not fit one packet');
  return out;
}

/** One TS packet carrying a whole PES (stream_id 0xBD) with the ID3 tag. */
function id3Packet(tag, pts, cc) {
  const pes = Buffer.concat([
    Buffer.from([0, 0, 1, 0xbd]),
    Buffer.from([((tag.length + 8) >> 8) & 0xff, (tag.length + 8) & 0xff, 0x84, 0x80, 5, ...writePts(pts)]),
    tag,
  ]);
  if (pes.length > TS - 4 - 2) throw new Error('metadata too long for one packet');
  const out = Buffer.alloc(TS, 0xff);
  out[0] = 0x47;
  out[1] = 0x40 | (ID3_PID >> 8); // payload_unit_start_indicator
  out[2] = ID3_PID & 0xff;
  out[3] = 0x30 | (cc & 0x0f); // adaptation field + payload
  const afLen = TS - 4 - 1 - pes.length;
  out[4] = afLen;
  if (afLen > 0) out[5] = 0x00; // no flags; the rest is 0xFF stuffing
  pes.copy(out, TS - pes.length);
  return out;
}

/**
 * Returns the segment with `text` as ID3 timed metadata at its first PTS.
 * @param {Buffer} seg a whole MPEG-TS segment
 * @param {string} text the metadata (as PutMetadata's `metadata`)
 * @param {{cc: number}} state continuity counter, carried across segments
 */
export function injectId3(seg, text, state) {
  let pmtPid = -1;
  let firstPts = null;
  for (let i = 0; i + TS <= seg.length; i += TS) {
    const p = seg.subarray(i, i + TS);
    const off = payloadOffset(p);
    if (off < 0) continue;
    if (pid(p) === 0 && pmtPid < 0) {
      const s = off + 1 + p[off];
      pmtPid = ((p[s + 10] & 0x1f) << 8) | p[s + 11];
    } else if (firstPts === null && (p[1] & 0x40) && p[off] === 0 && p[off + 1] === 0 && p[off + 2] === 1 &&
        (p[off + 7] & 0x80)) {
      firstPts = readPts(p, off + 9);
    }
  }
  if (pmtPid < 0 || firstPts === null) throw new Error('segment without PAT or PTS');
  const out = [];
  let injected = false;
  for (let i = 0; i + TS <= seg.length; i += TS) {
    const p = seg.subarray(i, i + TS);
    if (pid(p) === pmtPid && (p[1] & 0x40)) {
      out.push(rewritePmt(p));
      if (!injected) {
        out.push(id3Packet(id3Txxx(text), firstPts, state.cc++));
        injected = true;
      }
    } else {
      out.push(p);
    }
  }
  return Buffer.concat(out);
}
