// demo-page.mjs - the viewer pages of a running `scripts/demo.py`, as a
// viewer sees them: Debian's headless Chromium (playwright-core) opens the
// URLs the demo printed, plays the simulator's HLS streams with the real
// Player SDK, and every check compares what the page shows with what the IVS
// simulator says it received (GET /_sim/metadata) or is (GET /_sim/state).
//
// Usage: node test/demo-page.mjs '{"sim": SIM_URL,
//          "live": {"url": PAGE_URL, "arn": CHANNEL_ARN},
//          "offline": {"url": PAGE_URL, "arn": CHANNEL_ARN},
//          "shot": PNG_PATH}'
// Prints ok/FAIL lines; exit status 0 only when every check passed.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import { parseMetadata } from '../src/viewers.js';
import { formatCount, trend } from '../src/render.js';

import { checker, launch, openViewer } from './browser.mjs';

const args = JSON.parse(process.argv[2] || '{}');
if (!args.sim || !args.live) {
  console.error('usage: node test/demo-page.mjs \'{"sim":..,"live":{"url":..,"arn":..},"offline":{..},"shot":..}\'');
  process.exit(2);
}
const { check, finish } = checker();

async function simGet(path) {
  const res = await fetch(new URL(path, args.sim));
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
  return res.json();
}

/** The payloads the simulator accepted for one channel, oldest first. */
async function payloads(arn) {
  const md = await simGet(`/_sim/metadata?channel=${encodeURIComponent(arn)}`);
  return (md[arn] || []).map((m) => m.payload);
}

async function simChannel(arn) {
  const st = await simGet('/_sim/state');
  return st.channels.find((c) => c.arn === arn);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn() until it returns something truthy or `ms` pass; returns the last value. */
async function until(fn, ms, every = 250) {
  const end = Date.now() + ms;
  let v;
  for (;;) {
    v = await fn();
    if (v || Date.now() > end) return v;
    await sleep(every);
  }
}

/** What the page shows, read from the DOM (the hook only for the raw cues). */
function shown(page) {
  return page.evaluate(() => {
    const svg = document.querySelector('#sparkline svg');
    const label = svg ? svg.getAttribute('aria-label') : '';
    const m = label.match(/oldest first: (.*)$/);
    return {
      count: document.getElementById('count').textContent.trim(),
      spark: m ? m[1].split(', ') : [],
      trend: document.getElementById('mark').dataset.trend,
      cardTrend: document.getElementById('card').dataset.trend,
      mark: document.getElementById('mark').innerText,
      legend: document.getElementById('legend').textContent,
      status: document.getElementById('status').hidden ? '' : document.getElementById('status').textContent,
      video: document.body.dataset.video || '',
      texts: window.ivsvcViewers.texts.slice(),
      accepted: window.ivsvcViewers.accepted,
      rejected: window.ivsvcViewers.rejected,
    };
  });
}

/** The page's display for a payload: the count and the sparkline's values, oldest first. */
function expected(payload) {
  const d = parseMetadata(payload);
  return { count: formatCount(d.viewers), spark: d.history.slice(0, 5).reverse().map(formatCount), trend: trend(d.history) };
}

const browser = await launch('demo-page', ['--autoplay-policy=no-user-gesture-required']);

// The SDK also asks AWS hosts for its configuration; the test talks to
// 127.0.0.1 only (the SDK plays on without them).
const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
let blocked = 0;
await context.route('**/*', (route) => {
  const host = new URL(route.request().url()).hostname;
  if (host === '127.0.0.1') return route.continue();
  blocked++;
  return route.abort('addressunreachable');
});

const open = (url) => openViewer(context, url);

try {
  // Both pages at once: the offline one must be seen offline before the
  // demo's story brings its channel live.
  const off = args.offline ? await open(args.offline.url) : null;
  const live = await open(args.live.url);

  if (off) {
    const seen = await until(async () => {
      const s = await shown(off.page);
      return /offline/i.test(s.status) && s.video === 'offline' ? s : null;
    }, 20000);
    const ch = await simChannel(args.offline.arn);
    check(Boolean(seen) && ch && ch.live === false,
      'offline channel: its page says it is offline while the simulator has it offline',
      JSON.stringify({ seen, live: ch && ch.live }));
  }

  // The live channel: the real player plays the stream and two ticks' cues arrive.
  const playing = await until(async () => (await shown(live.page)).video === 'playing', 30000);
  check(Boolean(playing), 'live channel: the video plays', JSON.stringify(await shown(live.page)));
  const two = await until(async () => (await shown(live.page)).accepted >= 2, 60000);
  check(Boolean(two), 'live channel: cues from two ticks arrived through the player', JSON.stringify(await shown(live.page)));

  // The page shows one of the newest payloads the simulator holds (the
  // stream's latency is a few seconds, a tick may be in flight between the
  // reads), and exactly that payload's count and history.
  let match = null;
  let last = null;
  await until(async () => {
    const s = await shown(live.page);
    const p = await payloads(args.live.arn);
    const newest = s.texts[s.texts.length - 1];
    last = { shown: s, simNewest: p.slice(-3) };
    if (!p.length || !p.slice(-2).includes(newest)) return false;
    const want = expected(newest);
    if (s.count === want.count && JSON.stringify(s.spark) === JSON.stringify(want.spark)) {
      match = { s, p, want };
      return true;
    }
    return false;
  }, 20000);
  if (check(Boolean(match), 'live channel: the count and sparkline equal one of the two newest payloads the simulator received',
    JSON.stringify(last))) {
    const { s, p, want } = match;
    const newest = s.texts[s.texts.length - 1];
    console.log(`     ${args.live.arn.split('/').pop()}: '${newest}' -> count ${s.count}, sparkline ${s.spark.join(' ')}, ${s.trend}` +
      ` (the simulator's ${p.length - p.lastIndexOf(newest) === 1 ? 'newest' : 'one but newest'})`);
    // in the order the function sent them, none skipped
    const at = p.indexOf(s.texts[0]);
    check(at >= 0 && JSON.stringify(p.slice(at, at + s.texts.length)) === JSON.stringify(s.texts),
      'live channel: the page got the channel\'s payloads in order, none missing',
      JSON.stringify({ texts: s.texts, payloads: p }));
    check(s.spark.length >= 2, 'live channel: the sparkline has the history of two ticks', s.spark.join(','));
    check(s.trend === want.trend && s.cardTrend === want.trend && s.trend !== 'none',
      'live channel: the trend over the window is shown', JSON.stringify({ shown: s.trend, want: want.trend }));
    const label = { rising: 'Rising', falling: 'Falling', steady: 'Steady' }[s.trend];
    check(s.mark.includes(label), 'live channel: the trend is said in words', s.mark);
    check(s.legend === `last ${Math.min(5, s.spark.length)} minute${s.spark.length === 1 ? '' : 's'}`,
      'live channel: the legend says what the sparkline covers', s.legend);
    check(s.rejected === 0, 'live channel: every cue parsed');
  }
  if (args.shot) {
    mkdirSync(dirname(args.shot), { recursive: true });
    await live.page.screenshot({ path: args.shot });
    console.log(`     screenshot: ${args.shot}`);
  }
  check(live.errors.length === 0, 'live channel: no page errors', live.errors.join(' | '));

  if (off) {
    // The demo's story brings the offline channel live; the page, retrying,
    // picks the stream up and shows that channel's own counts.
    const wentLive = await until(async () => ((await simChannel(args.offline.arn)) || {}).live, 60000, 500);
    check(Boolean(wentLive), 'offline channel: the demo brought it live');
    const got = await until(async () => {
      const s = await shown(off.page);
      return s.video === 'playing' && s.accepted >= 1 ? s : null;
    }, 45000);
    check(Boolean(got), 'offline channel: the page picked the stream up and got a count', JSON.stringify(await shown(off.page)));
    if (got) {
      const p = await payloads(args.offline.arn);
      const newest = got.texts[got.texts.length - 1];
      check(got.texts.every((t) => p.includes(t)), 'offline channel: its cues are payloads the simulator accepted for it',
        JSON.stringify({ texts: got.texts, payloads: p }));
      check(got.count === expected(newest).count, 'offline channel: the count is its newest cue\'s', JSON.stringify(got));
      check(!/offline/i.test(got.status), 'offline channel: the offline note is gone', got.status);
    }
    check(off.errors.length === 0, 'offline channel: no page errors', off.errors.join(' | '));
  }
} catch (e) {
  check(false, 'the browser test ran to the end', e.stack || String(e));
} finally {
  if (blocked) console.log(`     (${blocked} requests to hosts other than 127.0.0.1 refused)`);
  await browser.close();
}

finish('demo-page');
