// The rendering helpers: count text, the trend over the window, sparkline markup, and
// renderViewers() writing into plain objects standing in for elements.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  formatCount, formatRate, renderViewers, sparklineSvg, trend, trendHtml, updatedText, windowTrend,
} from '../../src/render.js';

test('formatCount groups thousands', () => {
  assert.equal(formatCount(12), '12');
  assert.equal(formatCount(0), '0');
  assert.equal(formatCount(1234567), '1,234,567');
});

test('trend is the fitted direction over the whole window, not the last minute', () => {
  assert.equal(trend([12, 10, 9, 7, 5]), 'rising');
  assert.equal(trend([5, 7, 9]), 'falling');
  // the last minute fell, the five minutes rose: rising
  assert.equal(trend([8, 12, 10, 9, 7]), 'rising');
  // the last minute rose, the five minutes fell: falling
  assert.equal(trend([60, 50, 70, 80, 90]), 'falling');
  // jitter within a tenth of the mean is steady, whatever the last minute did
  assert.equal(trend([104, 97, 101, 99, 100]), 'steady');
  assert.equal(trend([7, 7, 7]), 'steady');
  assert.equal(trend([7]), 'none');
  assert.equal(trend([]), 'none');
});

test('windowTrend: the slope a minute and the minutes it covers', () => {
  assert.deepEqual(windowTrend([12, 10, 8, 6, 4]), { dir: 'rising', perMinute: 2, points: 5 });
  assert.deepEqual(windowTrend([4, 6]), { dir: 'falling', perMinute: -2, points: 2 });
  // only the newest SPARK_POINTS counts: the older climb does not count
  assert.equal(windowTrend([50, 50, 50, 50, 50, 10, 0]).dir, 'steady');
  // small audiences: one viewer across the window is a direction, less is not
  assert.equal(windowTrend([1, 0]).dir, 'rising');
  assert.equal(windowTrend([1, 0, 1, 0, 1]).dir, 'steady');
});

test('formatRate keeps one decimal only below 10', () => {
  assert.equal(formatRate(3.46), '3.5');
  assert.equal(formatRate(-0.25), '0.3');
  assert.equal(formatRate(2), '2');
  assert.equal(formatRate(12.4), '12');
  assert.equal(formatRate(1234.5), '1,235');
});

test('trendHtml shows the direction and rate and says them in words', () => {
  const up = trendHtml([12, 10, 8, 6, 4]);
  assert.match(up, /\u25B2 Rising/);
  assert.match(up, /\+2 a minute/);
  assert.match(up, /rising over the last 5 minutes, about 2 more viewers a minute/);
  const down = trendHtml([8, 10]);
  assert.match(down, /\u25BC Falling/);
  assert.match(down, /\u22122 a minute/);
  assert.match(down, /falling over the last 2 minutes, about 2 fewer viewers a minute/);
  const flat = trendHtml([8, 8, 8]);
  assert.match(flat, /\u25AC Steady/);
  assert.doesNotMatch(flat, /a minute/);
  assert.match(flat, /steady over the last 3 minutes/);
  assert.match(trendHtml([8]), /Trend from the next count/);
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
  const parts = { count: el(), mark: el(), sparkline: el(), updated: el(), card: el(), legend: el() };
  renderViewers(parts, { viewers: 1200, history: [1200, 1400], at: '2026-11-24T18:07:00Z' });
  assert.equal(parts.count.textContent, '1,200');
  assert.equal(parts.mark.dataset.trend, 'falling');
  assert.equal(parts.card.dataset.trend, 'falling');
  assert.equal(parts.legend.textContent, 'last 2 minutes');
  assert.match(parts.mark.innerHTML, /about 200 fewer viewers a minute/);
  assert.match(parts.sparkline.innerHTML, /^<svg/);
  assert.equal(parts.updated.textContent, 'counted 18:07 UTC');
});
