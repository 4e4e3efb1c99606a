// e2e.mjs - the viewer page in Debian's headless Chromium (playwright-core,
// no downloaded browser). Serves web/ on a free 127.0.0.1 port, opens the
// page with no stream, feeds cues through window.ivsvcViewers.onCue() and
// checks what is shown; then opens it with a config.json naming a playback
// URL that 404s, so the real Player SDK (wasm worker) starts and reports the
// stream as unavailable - all without a page error.
//
// Usage: node test/e2e.mjs [SCREENSHOT_DIR]   (default: $IVSVC_BUILD_DIR/web-e2e
//        or a temporary directory). Exit status 0 only when every check passed.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { checker, launch, openViewer } from './browser.mjs';

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const shotDir = process.argv[2] ||
  (process.env.IVSVC_BUILD_DIR ? join(process.env.IVSVC_BUILD_DIR, 'web-e2e') : mkdtempSync(join(tmpdir(), 'ivsvc-web-e2e-')));

const browser = await launch('e2e');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
};

// A tiny static server for web/; `routes` answers a few paths from memory
// (config.json per scenario), /hls/ is the local stream's folder. Records
// every path asked for.
function serve(routes, hlsDir) {
  const requested = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requested.push(path);
    if (routes.has(path)) {
      const r = routes.get(path);
      res.writeHead(r.status, { 'content-type': r.type || 'application/json', 'cache-control': 'no-store' });
      res.end(r.body || '');
      return;
    }
    const inHls = hlsDir && path.startsWith('/hls/');
    const root = inHls ? hlsDir : webDir;
    const file = normalize(join(root, inHls ? path.slice(5) : path === '/' ? 'index.html' : path));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile() ||
        file.includes(`${sep}node_modules${sep}`)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, requested, base: `http://127.0.0.1:${server.address().port}` }));
  });
}

function haveFfmpeg() {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const { check, failures, finish } = checker();

// The local HLS stream with ID3 timed metadata needs ffmpeg; without it that
// part is skipped (said so in the output).
let hls = null;
if (haveFfmpeg()) {
  const { makeStream } = await import('./hls/make-stream.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'ivsvc-hls-'));
  hls = { dir, payloads: makeStream(dir, 12) };
}

const routes = new Map();
const { server, requested, base } = await serve(routes, hls && hls.dir);
const haveSdk = existsSync(join(webDir, 'vendor', 'amazon-ivs-player.min.js'));
mkdirSync(shotDir, { recursive: true });

const openPage = (url) => openViewer(browser, url, { viewport: { width: 1100, height: 640 } });

try {
  // 1. No stream, no config.json: the page waits, cues from the hook show.
  routes.set('/config.json', { status: 404 });
  const { page, errors } = await openPage(`${base}/index.html`);
  const text = (sel) => page.locator(sel).innerText();

  check(await page.locator('[aria-live="polite"] #count').count() === 1, 'the count is inside an aria-live region');
  check((await text('#count')).trim() === '\u2013', 'before any cue the count is a dash', await text('#count'));
  const hook = await page.evaluate(() => ({ supported: window.ivsvcViewers.playerSupported, version: window.ivsvcViewers.sdkVersion }));
  if (haveSdk) {
    check(typeof hook.supported === 'boolean', 'IVSPlayer.isPlayerSupported was evaluated', JSON.stringify(hook));
    console.log(`     Player SDK ${hook.version}, isPlayerSupported=${hook.supported}`);
  } else {
    console.log('     (web/vendor/ is empty: run `npm run vendor` to test the Player SDK too)');
  }
  check(/No stream configured|not beside this page|cannot play/.test(await text('#status')), 'the status says why there is no video', await text('#status'));

  let r = await page.evaluate(() => window.ivsvcViewers.onCue('12,10,9,7,5'));
  check(r && r.viewers === 12, 'onCue returns the parsed text cue', JSON.stringify(r));
  check((await text('#count')) === '12', 'text cue: the count shows the newest value', await text('#count'));
  check(await page.getAttribute('#mark', 'data-trend') === 'rising', 'text cue: the mark says rising');
  check(/Rising/.test(await text('#mark')) && /\+1\.7 a minute/.test(await text('#mark')),
    'text cue: the trend over the window and its rate are shown', await text('#mark'));
  check(await page.getAttribute('#card', 'data-trend') === 'rising', 'text cue: the card is marked as growing');
  check(await page.locator('#sparkline svg polyline').count() === 1, 'text cue: a sparkline is drawn');

  r = await page.evaluate(() => window.ivsvcViewers.onCue('12,abc'));
  check(r === null && (await text('#count')) === '12', 'a malformed cue is ignored');

  r = await page.evaluate(() => window.ivsvcViewers.onCue('{"viewers":8,"history":[8,12,15,20,22],"at":"2026-11-24T18:07:00Z"}'));
  check((await text('#count')) === '8', 'JSON cue: the count shows the newest value', await text('#count'));
  check(await page.getAttribute('#mark', 'data-trend') === 'falling', 'JSON cue: the mark says falling');
  check((await text('#updated')) === 'counted 18:07 UTC', 'JSON cue: the time of the count is shown', await text('#updated'));

  await page.evaluate(() => window.ivsvcViewers.onCue('100,104,97,101,99'));
  check(await page.getAttribute('#mark', 'data-trend') === 'steady', 'the mark says steady when the window only jitters');
  await page.evaluate(() => window.ivsvcViewers.onCue('12,8,30,40,50'));
  check(await page.getAttribute('#mark', 'data-trend') === 'falling',
    'the trend is the window\'s: a last minute up inside a falling window is falling');

  await page.evaluate(() => window.ivsvcViewers.onCue('{"viewers":1234,"history":[1234,1180,1100,1150,990],"at":"2026-11-24T18:07:00Z"}'));
  check((await text('#count')) === '1,234', 'large counts are grouped', await text('#count'));
  const shot = join(shotDir, 'viewer-page.png');
  await page.screenshot({ path: shot });
  console.log(`     screenshot: ${shot}`);
  check(errors.length === 0, 'no page errors without a stream', errors.join(' | '));
  await page.close();

  // 2. config.json names a channel whose stream is not there: the title shows
  // the name, the real player starts, and the 404 becomes a status line.
  if (haveSdk && hook.supported) {
    routes.set('/config.json', {
      status: 200,
      body: JSON.stringify({ playbackUrl: `${base}/no-such-stream.m3u8`, channelName: 'e2e-lobby' }),
    });
    const second = await openPage(`${base}/`);
    check((await second.page.locator('#channel').innerText()) === 'e2e-lobby', 'config.json: the channel name is the title');
    await second.page.waitForFunction(() => /offline|error/i.test(document.getElementById('status').textContent),
      null, { timeout: 20000 }).catch(() => {});
    const status = await second.page.locator('#status').innerText();
    check(/offline|Playback error/.test(status), 'config.json: the player tried the URL and reported it unavailable', status);
    check(requested.includes('/vendor/amazon-ivs-wasmworker.min.wasm'), 'the wasm worker was loaded from vendor/');
    check(requested.includes('/no-such-stream.m3u8'), 'the player asked for the configured playback URL');
    await second.page.screenshot({ path: join(shotDir, 'viewer-page-offline.png') });
    check(second.errors.length === 0, 'no page errors with the player running', second.errors.join(' | '));
    await second.page.close();
  }

  // 3. A real stream: the local HLS with ID3 TXXX payloads, as IVS sends
  // PutMetadata. The count must come from TEXT_METADATA_CUE, not the hook.
  if (haveSdk && hook.supported && hls) {
    routes.set('/config.json', { status: 404 });
    const url = `${base}/index.html?channel=local-hls&playbackUrl=${encodeURIComponent(`${base}/hls/stream.m3u8`)}`;
    const third = await openPage(url);
    const got = await third.page.waitForFunction(() => window.ivsvcViewers.accepted >= 2, null, { timeout: 30000 })
      .then(() => true, () => false);
    const state = await third.page.evaluate(() => ({ last: window.ivsvcViewers.last, accepted: window.ivsvcViewers.accepted, rejected: window.ivsvcViewers.rejected }));
    check(got, 'HLS stream: timed metadata cues arrived through the player', JSON.stringify(state) + ' status: ' + await third.page.locator('#status').innerText());
    if (got) {
      const newest = hls.payloads.map((p) => String(p.startsWith('{') ? JSON.parse(p).viewers : Number(p.split(',')[0])));
      const shown = await third.page.locator('#count').innerText();
      check(newest.includes(shown), 'HLS stream: the count shown is a payload\'s newest value', shown);
      check(state.rejected === 0, 'HLS stream: every cue parsed', JSON.stringify(state));
      check(await third.page.getAttribute('#mark', 'data-trend') === 'rising', 'HLS stream: the mark says rising');
    }
    check(await third.page.evaluate(() => document.body.dataset.video) === 'playing', 'HLS stream: the video plays');
    await third.page.screenshot({ path: join(shotDir, 'viewer-page-hls.png') });
    check(third.errors.length === 0, 'no page errors while playing', third.errors.join(' | '));
    await third.page.close();
  } else if (!hls) {
    console.log('     (ffmpeg not found: the local HLS stream test is skipped; apt-get install -y ffmpeg)');
  }
} catch (e) {
  check(false, 'the browser test ran to the end', e.stack || String(e));
} finally {
  await browser.close();
  server.close();
  if (hls) rmSync(hls.dir, { recursive: true, force: true });
  if (!process.argv[2] && !process.env.IVSVC_BUILD_DIR && failures() === 0) rmSync(shotDir, { recursive: true, force: true });
}

finish('e2e');
