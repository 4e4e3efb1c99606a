// Parsing of both metadata formats, and everything that must come back null.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { MAX_ENTRIES, MAX_VIEWERS, parseMetadata } from '../../src/viewers.js';

test('text: newest first, comma separated', () => {
  assert.deepEqual(parseMetadata('12,10,9,7,5'), { viewers: 12, history: [12, 10, 9, 7, 5], at: null });
});

test('text: one value, spaces around entries, zero', () => {
  assert.deepEqual(parseMetadata('7'), { viewers: 7, history: [7], at: null });
  assert.deepEqual(parseMetadata(' 3 , 4,5 \n'), { viewers: 3, history: [3, 4, 5], at: null });
  assert.deepEqual(parseMetadata('0,0'), { viewers: 0, history: [0, 0], at: null });
});

test('text: 60 entries is the limit', () => {
  const sixty = Array.from({ length: MAX_ENTRIES }, (_, i) => i).join(',');
  assert.equal(parseMetadata(sixty).history.length, MAX_ENTRIES);
  assert.equal(parseMetadata(sixty + ',1'), null);
});

test('JSON: the documented payload', () => {
  const text = '{"viewers":12,"history":[12,10,9,7,5],"at":"2026-11-24T18:07:00Z"}';
  assert.deepEqual(parseMetadata(text),
    { viewers: 12, history: [12, 10, 9, 7, 5], at: '2026-11-24T18:07:00Z' });
});

test('JSON: history and at are optional', () => {
  assert.deepEqual(parseMetadata('{"viewers":4}'), { viewers: 4, history: [4], at: null });
  assert.deepEqual(parseMetadata('{"viewers":4,"history":[],"at":null}'), { viewers: 4, history: [4], at: null });
});

test('JSON: a history not starting with viewers gets it prepended', () => {
  assert.deepEqual(parseMetadata('{"viewers":4,"history":[3,2]}').history, [4, 3, 2]);
});

test('JSON: offsets and fractions in at', () => {
  assert.equal(parseMetadata('{"viewers":1,"at":"2026-11-24T18:07:00.123+01:00"}').at,
    '2026-11-24T18:07:00.123+01:00');
});

test('malformed input is null, never an exception', () => {
  const bad = [
    undefined, null, 12, {}, [], '', '   ', ',', '12,', ',12', '12,,10', 'abc', '12,ten',
    '-1', '12,-3', '1.5', '1e3', '0x10', '+5', 'NaN', 'Infinity', '12 10',
    String(MAX_VIEWERS + 1), '99999999999', '1'.repeat(400),
    '{', '{"viewers":}', '{"viewers":"12"}', '{"viewers":-1}', '{"viewers":1.5}',
    `{"viewers":${MAX_VIEWERS + 1}}`, '{"viewers":1e300}', '{"history":[1,2]}',
    '{"viewers":1,"history":"1,2"}', '{"viewers":1,"history":[1,"2"]}',
    '{"viewers":1,"history":[1,null]}', '{"viewers":1,"history":[1,-2]}',
    `{"viewers":1,"history":[${Array(MAX_ENTRIES + 1).fill(1).join(',')}]}`,
    '{"viewers":1,"at":"yesterday"}', '{"viewers":1,"at":1764007620}',
    '{"viewers":1,"at":"2026-13-45T99:99:00Z"}', '[1,2,3]', '"12"', 'null', 'true',
    'x'.repeat(10000),
  ];
  for (const input of bad) {
    let got;
    assert.doesNotThrow(() => { got = parseMetadata(input); }, `threw on ${JSON.stringify(input)}`);
    assert.equal(got, null, `accepted ${JSON.stringify(input)?.slice(0, 60)}`);
  }
});

test('a huge count at the limit is still a count', () => {
  assert.equal(parseMetadata(String(MAX_VIEWERS)).viewers, MAX_VIEWERS);
});
