// svg-render.mjs - `ivsvc history --svg FILE` as a browser draws it: the
// file opened in headless Chromium, then (1) the text the browser laid out
// (axis and legend labels: content and a non-empty box inside the picture),
// (2) the pixels: the SVG drawn into a canvas, and in the plot area each
// channel's colour must cover pixels; the same count with that channel's
// path removed must drop to none (so the check can fail), (3) a screenshot.
//
// Usage: node test/svg-render.mjs '{"svg": FILE, "shot": PNG,
//          "plot": {"x": 70, "y": 40, "w": 880, "h": 360},
//          "lines": [{"color": "#1f77b4", "channel": ARN, "legend": "ch01"}, ...],
//          "xLabels": [...], "yLabels": [...]}'
// Prints ok/FAIL lines; exit status 0 only when every check passed.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

import { checker, launch } from './browser.mjs';

const args = JSON.parse(process.argv[2] || '{}');
if (!args.svg || !args.lines) {
  console.error('usage: node test/svg-render.mjs \'{"svg":..,"lines":[..],"xLabels":[..],"yLabels":[..]}\'');
  process.exit(2);
}
const { check, finish } = checker();
const browser = await launch('svg-render');

/** Pixels of each colour (within `tol` per channel) inside the plot area, the
 *  SVG text drawn into a canvas; `without`: a channel whose path is removed. */
function countColors(page, svgText, without) {
  return page.evaluate(async ({ svgText, colors, plot, without }) => {
    const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
    if (without) {
      for (const p of doc.querySelectorAll('path.series'))
        if (p.getAttribute('data-channel') === without) p.remove();
    }
    const root = doc.documentElement;
    // the page is the SVG document itself: HTML elements need their namespace
    const html = (tag) => document.createElementNS('http://www.w3.org/1999/xhtml', tag);
    const img = html('img');
    img.src = 'data:image/svg+xml;base64,' +
      btoa(unescape(encodeURIComponent(new XMLSerializer().serializeToString(doc))));
    await img.decode();
    const canvas = html('canvas');
    canvas.width = Number(root.getAttribute('width'));
    canvas.height = Number(root.getAttribute('height'));
    const g = canvas.getContext('2d');
    g.drawImage(img, 0, 0);
    const px = g.getImageData(plot.x, plot.y, plot.w + 1, plot.h + 1).data;
    const rgb = colors.map((c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)));
    const counts = colors.map(() => 0);
    for (let i = 0; i < px.length; i += 4) {
      rgb.forEach((c, k) => {
        if (Math.abs(px[i] - c[0]) <= 24 && Math.abs(px[i + 1] - c[1]) <= 24 && Math.abs(px[i + 2] - c[2]) <= 24)
          counts[k]++;
      });
    }
    return counts;
  }, { svgText, colors: args.lines.map((l) => l.color), plot: args.plot, without });
}

try {
  const svgText = readFileSync(args.svg, 'utf8');
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(args.svg).href);
  // 1. What the browser laid out: the labels' text and their boxes.
  const laid = await page.evaluate(() => {
    const box = (t) => { const b = t.getBBox(); return { x: b.x, y: b.y, w: b.width, h: b.height }; };
    const texts = (sel) => [...document.querySelectorAll(sel)].map((t) => ({ text: t.textContent, box: box(t) }));
    const root = document.documentElement;
    return {
      x: texts('text.x-label'),
      y: texts('text.y-label'),
      legend: texts('g.legend text'),
      paths: [...document.querySelectorAll('path.series')].map((p) => ({
        channel: p.getAttribute('data-channel'), stroke: p.getAttribute('stroke'), length: p.getTotalLength() })),
      size: { w: Number(root.getAttribute('width')), h: Number(root.getAttribute('height')) },
    };
  });
  const inside = (b) => b.w > 0 && b.h > 0 && b.x >= 0 && b.y >= 0 && b.x + b.w <= laid.size.w && b.y + b.h <= laid.size.h;
  check(JSON.stringify(laid.x.map((t) => t.text)) === JSON.stringify(args.xLabels), 'time axis labels as expected',
    JSON.stringify(laid.x.map((t) => t.text)));
  check(JSON.stringify(laid.y.map((t) => t.text)) === JSON.stringify(args.yLabels), 'viewer axis labels as expected',
    JSON.stringify(laid.y.map((t) => t.text)));
  check(laid.x.concat(laid.y).every((t) => inside(t.box)), 'every axis label is drawn inside the picture',
    JSON.stringify(laid.x.concat(laid.y).filter((t) => !inside(t.box))));
  const xs = laid.x.map((t) => t.box.x);
  check(xs.every((x, i) => i === 0 || x > xs[i - 1] + laid.x[i - 1].box.w), 'time labels do not overlap, left to right', JSON.stringify(xs));
  check(JSON.stringify(laid.legend.map((t) => t.text.split(' (max')[0])) === JSON.stringify(args.lines.map((l) => l.legend)),
    'legend names every channel in order', JSON.stringify(laid.legend.map((t) => t.text)));
  check(laid.legend.every((t) => inside(t.box)), 'every legend entry is drawn inside the picture');
  check(JSON.stringify(laid.paths.map((p) => [p.channel, p.stroke])) ===
    JSON.stringify(args.lines.map((l) => [l.channel, l.color])), 'one path per channel, in its colour',
    JSON.stringify(laid.paths));
  check(laid.paths.every((p) => p.length > 0), 'every path has a drawn length', JSON.stringify(laid.paths.map((p) => p.length)));
  // 2. The pixels of each line in the plot area, then without each line.
  const counts = await countColors(page, svgText, null);
  args.lines.forEach((l, k) => {
    check(counts[k] >= 50, `${l.legend}: its colour ${l.color} covers pixels of the plot area`, String(counts[k]));
  });
  for (const [k, l] of args.lines.entries()) {
    const gone = await countColors(page, svgText, l.channel);
    // the others stay (a crossing they shared may differ by a few pixels)
    check(gone[k] === 0 && gone.every((n, j) => j === k || Math.abs(n - counts[j]) <= counts[j] / 10),
      `${l.legend}: with its path removed its colour is gone, the others stay`, JSON.stringify({ counts, gone }));
  }
  // 3. A screenshot, for people.
  if (args.shot) await page.screenshot({ path: args.shot });
  check(errors.length === 0, 'no page errors', errors.join(' | '));
} catch (e) {
  check(false, 'the render test ran to the end', e.stack || String(e));
} finally {
  await browser.close();
}
finish('svg-render');
