// The test stream's ID3-in-MPEG-TS writer (test/hls/id3ts.mjs): if it were
// wrong, the browser test's "cues arrive from a real stream" would mislead.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { crc32mpeg, id3Txxx } from '../hls/id3ts.mjs';

test('CRC-32/MPEG-2 check value', () => {
  assert.equal(crc32mpeg(Buffer.from('123456789')), 0x0376e6e7);
});

test('an ID3v2.4 tag with one TXXX frame holding the text', () => {
  const tag = id3Txxx('12,10,9');
  assert.equal(tag.subarray(0, 5).toString('latin1'), 'ID3\x04\x00');
  const size = (tag[6] << 21) | (tag[7] << 14) | (tag[8] << 7) | tag[9];
  assert.equal(size, tag.length - 10);
  assert.equal(tag.subarray(10, 14).toString(), 'TXXX');
  // encoding UTF-8, empty description, then the value
  assert.deepEqual([...tag.subarray(20, 22)], [3, 0]);
  assert.equal(tag.subarray(22).toString(), '12,10,9');
});
