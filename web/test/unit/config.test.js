// Where the page's settings come from: config.json, overridden by the query.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { isPlaybackUrl, resolveConfig } from '../../src/config.js';

const URL1 = 'https://abc.us-east-1.playback.live-video.net/api/video/v1/x.m3u8';

test('config.json alone', () => {
  assert.deepEqual(resolveConfig({ playbackUrl: URL1, channelName: 'lobby' }, ''),
    { playbackUrl: URL1, channelName: 'lobby' });
});

test('the query string wins', () => {
  const conf = resolveConfig({ playbackUrl: URL1, channelName: 'lobby' },
    '?playbackUrl=' + encodeURIComponent('http://127.0.0.1:9/x.m3u8') + '&channel=test');
  assert.deepEqual(conf, { playbackUrl: 'http://127.0.0.1:9/x.m3u8', channelName: 'test' });
});

test('missing or odd config counts as empty', () => {
  for (const file of [null, undefined, [], 'x', { playbackUrl: 5, channelName: {} }]) {
    assert.deepEqual(resolveConfig(file, ''), { playbackUrl: '', channelName: '' });
  }
});

test('only http(s) playback URLs are used', () => {
  assert.ok(isPlaybackUrl(URL1));
  assert.ok(!isPlaybackUrl('javascript:alert(1)'));
  assert.ok(!isPlaybackUrl('not a url'));
  assert.equal(resolveConfig({ playbackUrl: 'javascript:alert(1)' }, '').playbackUrl, '');
});
