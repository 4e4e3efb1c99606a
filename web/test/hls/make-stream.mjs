// make-stream.mjs - a local HLS stream with IVS-style timed metadata, for the
// browser test: ffmpeg (Debian's) encodes a test pattern into 2-second
// MPEG-TS segments, then each segment gets a viewer-count payload as an ID3
// TXXX frame (id3ts.mjs), alternating the text and JSON formats.
//
// Usage: node test/hls/make-stream.mjs OUT_DIR [SECONDS]
// Writes OUT_DIR/stream.m3u8 and OUT_DIR/seg*.ts; prints the payloads.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { injectId3 } from './id3ts.mjs';

/** The payload for segment i: counts that rise, newest first. */
export function payloadFor(i) {
  const history = [0, 1, 2, 3, 4].map((k) => Math.max(0, 100 + 10 * (i - k)));
  if (i % 2 === 0) return history.join(',');
  return JSON.stringify({ viewers: history[0], history, at: new Date(Date.UTC(2026, 10, 24, 18, i)).toISOString().replace('.000', '') });
}

export function makeStream(dir, seconds = 12) {
  mkdirSync(dir, { recursive: true });
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
    '-c:v', 'libx264', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-g', '60', '-keyint_min', '60',
    '-c:a', 'aac', '-b:a', '64k',
    '-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod',
    '-hls_segment_filename', join(dir, 'seg%03d.ts'), join(dir, 'stream.m3u8'),
  ], { stdio: ['ignore', 'inherit', 'inherit'] });
  const state = { cc: 0 };
  const payloads = [];
  readdirSync(dir).filter((f) => f.endsWith('.ts')).sort().forEach((f, i) => {
    const text = payloadFor(i);
    writeFileSync(join(dir, f), injectId3(readFileSync(join(dir, f)), text, state));
    payloads.push(text);
  });
  return payloads;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!process.argv[2]) {
    console.error('usage: node test/hls/make-stream.mjs OUT_DIR [SECONDS]');
    process.exit(2);
  }
  for (const p of makeStream(process.argv[2], Number(process.argv[3] || 12))) console.log(p);
}
