// The rendering helpers: count text, trend mark, sparkline markup, and
// renderViewers() writing into plain objects standing in for elements.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { formatCount, renderViewers, sparklineSvg, trend, trendHtml, updatedText } from '../../src/render.js';

test('formatCount groups thousands', () => {
  assert.equal(formatCount(12), '12');
  assert.equal(formatCount(0), '0');
  assert.equal(formatCount(1234567), '1,234,567');
});

test('trend compares the newest count with the one a minute before', () => {
  assert.equal(trend([12, 10, 9, 7, 5]), 'rising');
  assert.equal(trend([5, 7, 9]), 'falling');
  assert.equal(trend([7, 7, 1]), 'steady');
  assert.equal(trend([7]), 'steady');
  assert.equal(trend([]), 'steady');
});

test('trendHtml shows the signed change and says it in words', () => {
  assert.match(trendHtml([12, 10]), /\u25B2 \+2/);
  assert.match(trendHtml([12, 10]), /up 2 since a minute ago/);
  assert.match(trendHtml([8, 10]), /\u25BC \u22122/);
  assert.match(trendHtml([8, 10]), /down 2/);
  assert.match(trendHtml([8, 8]), /\u25AC<\/span>/);
  assert.match(trendHtml([8, 8]), /steady/);
});

function points(svg) {
  const m = svg.match(/<polyline[^>]* points="([^"]+)"/);
  assert.ok(m, 'no polyline');
  return m[1].split(' ').map((p) => p.split(',').map(Number));
}

test('sparkline: oldest on the left, newest on the right and highest when rising', () => {
  const svg = sparklineSvg([12, 10, 9, 7, 5], { width: 100, height: 40 });
  assert.match(svg, /^<svg [^>]*role="img"/);
  assert.match(svg, /aria-label="Viewers over the last 5 minutes, oldest first: 5, 7, 9, 10, 12"/);
  const pts = points(svg);
  assert.equal(pts.length, 5);
  const xs = pts.map(([x]) => x);
  assert.deepEqual(xs, [...xs].sort((a, b) => a - b), 'x grows left to right');
  const ys = pts.map(([, y]) => y);
  // SVG y grows downwards: a rising series has falling y.
  assert.ok(ys[4] < ys[0]);
  assert.equal(Math.min(...ys), ys[4]);
  for (const [x, y] of pts) {
    assert.ok(x >= 0 && x <= 100 && y >= 0 && y <= 40, `point ${x},${y} outside the box`);
  }
  assert.match(svg, /<circle class="spark-dot" cx="96" cy="4"/);
});

test('sparkline: only the newest 5 of a longer history', () => {
  assert.equal(points(sparklineSvg([9, 8, 7, 6, 5, 4, 3, 2, 1])).length, 5);
});

test('sparkline: flat and single-point series stay inside the box', () => {
  const flat = points(sparklineSvg([3, 3, 3], { width: 100, height: 40 }));
  assert.ok(flat.every(([, y]) => y === 20));
  const one = sparklineSvg([3], { width: 100, height: 40 });
  assert.match(one, /last 1 minute,/);
  assert.doesNotMatch(one, /NaN|Infinity/);
  assert.equal(sparklineSvg([]), '');
});

test('updatedText: the payload time, else when it arrived', () => {
  assert.equal(updatedText('2026-11-24T18:07:00Z'), 'counted 18:07 UTC');
  assert.equal(updatedText(null, new Date('2026-11-24T09:05:59Z')), 'received 09:05 UTC');
});

test('renderViewers writes every part', () => {
  const el = () => ({ textContent: '', innerHTML: '', dataset: {} });
  const parts = { count: el(), mark: el(), sparkline: el(), updated: el() };
  renderViewers(parts, { viewers: 1200, history: [1200, 1300], at: '2026-11-24T18:07:00Z' });
  assert.equal(parts.count.textContent, '1,200');
  assert.equal(parts.mark.dataset.trend, 'falling');
  assert.match(parts.mark.innerHTML, /down 100/);
  assert.match(parts.sparkline.innerHTML, /^<svg/);
  assert.equal(parts.updated.textContent, 'counted 18:07 UTC');
});
