// render.js - how a parsed viewer count looks: the number, the trend over
// the window (rising / steady / falling) and the 5-minute sparkline. Pure
// helpers that return strings, plus renderViewers() that writes them into the
// elements it is given (plain property writes, so node tests can pass plain
// objects).

/** Minutes the sparkline covers: the Lambda sends the last 5. */
export const SPARK_POINTS = 5;

const numberFormat = new Intl.NumberFormat('en-US');

/** 1234 -> "1,234". */
export function formatCount(n) {
  return numberFormat.format(n);
}

/** Below this share of the window's mean, a fitted change reads as noise. */
export const STEADY_SHARE = 0.1;

/**
 * The direction over the whole window, which is what the reference's article
 * keeps the history for: show when an audience is growing (or leaving), not
 * the last minute's jitter. The least-squares slope of the counts, oldest to
 * newest, fitted over the newest `points` minutes; a fitted change across the
 * window smaller than STEADY_SHARE of the mean (and under one viewer) is steady.
 * @param {number[]} history newest first
 * @returns {{dir: 'rising'|'falling'|'steady'|'none', perMinute: number, points: number}}
 *   dir 'none' while there is only one count; points: the counts the fit used
 */
export function windowTrend(history, points = SPARK_POINTS) {
  if (!Array.isArray(history) || history.length < 2) return { dir: 'none', perMinute: 0, points: history.length ? 1 : 0 };
  const ys = history.slice(0, points).reverse();
  const n = ys.length;
  const meanX = (n - 1) / 2;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) * (x - meanX);
  });
  const perMinute = num / den;
  const change = perMinute * (n - 1);
  const band = Math.max(1, STEADY_SHARE * meanY);
  const dir = change >= band ? 'rising' : change <= -band ? 'falling' : 'steady';
  return { dir, perMinute, points: n };
}

/** The direction only, for styling. */
export function trend(history) {
  return windowTrend(history).dir;
}

const MARKS = {
  rising: { symbol: '\u25B2', label: 'Rising' },
  falling: { symbol: '\u25BC', label: 'Falling' },
  steady: { symbol: '\u25AC', label: 'Steady' },
};

/** 3.46 -> "3.5", 12.4 -> "12", 1234 -> "1,234": a rate as precise as it is useful. */
export function formatRate(r) {
  const a = Math.abs(r);
  if (a >= 9.95) return formatCount(Math.round(a));
  return String(Math.round(a * 10) / 10);
}

/**
 * The mark's inner HTML: the window's direction, its fitted change a minute,
 * and the same in words for screen readers.
 */
export function trendHtml(history) {
  const t = windowTrend(history);
  if (t.dir === 'none') {
    return '<span class="trend-label">Trend from the next count</span>';
  }
  const { symbol, label } = MARKS[t.dir];
  const rate = t.dir === 'steady' ? 'within a tenth'
    : `${t.perMinute > 0 ? '+' : '\u2212'}${formatRate(t.perMinute)} a minute`;
  const over = `over the last ${minutesText(t.points)}`;
  const spoken = t.dir === 'steady'
    ? `steady ${over}`
    : `${t.dir} ${over}, about ${formatRate(t.perMinute)} ` +
      `${t.dir === 'rising' ? 'more' : 'fewer'} viewers a minute`;
  return `<span aria-hidden="true"><span class="trend-label">${symbol} ${label}</span>` +
    `<span class="trend-rate">${rate}</span></span>` +
    `<span class="sr-only">${spoken}</span>`;
}

/** 1 -> "1 minute", 5 -> "5 minutes": what a history of one count a minute covers. */
export function minutesText(n) {
  return `${n} minute${n === 1 ? '' : 's'}`;
}

/**
 * An inline SVG sparkline of the newest `points` counts, oldest on the left.
 * @param {number[]} history newest first
 * @returns {string} an <svg> element as markup ('' when history is empty)
 */
export function sparklineSvg(history, { width = 160, height = 40, points = SPARK_POINTS } = {}) {
  if (!Array.isArray(history) || history.length === 0) return '';
  const values = history.slice(0, points).reverse();
  const pad = 4;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min;
  const xStep = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
  const coords = values.map((v, i) => {
    const x = values.length > 1 ? pad + i * xStep : width / 2;
    // A flat series sits in the middle instead of on an edge.
    const y = span === 0 ? height / 2 : height - pad - ((v - min) / span) * (height - 2 * pad);
    return [round(x), round(y)];
  });
  const line = coords.map(([x, y]) => `${x},${y}`).join(' ');
  const [lastX, lastY] = coords[coords.length - 1];
  const area = coords.length > 1
    ? `<polygon class="spark-area" points="${coords[0][0]},${height} ${line} ${lastX},${height}"/>`
    : '';
  const label = `Viewers over the last ${minutesText(values.length)}, ` +
    `oldest first: ${values.map(formatCount).join(', ')}`;
  return `<svg class="sparkline" role="img" aria-label="${label}" viewBox="0 0 ${width} ${height}" ` +
    `width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">` +
    area +
    `<polyline class="spark-line" points="${line}" fill="none"/>` +
    `<circle class="spark-dot" cx="${lastX}" cy="${lastY}" r="3"/>` +
    `</svg>`;
}

function round(n) {
  return Math.round(n * 10) / 10;
}

/**
 * "counted 18:07 UTC" from the payload's `at`; a text payload has none, so
 * then "received 18:07 UTC" from `now`, the time the cue arrived.
 */
export function updatedText(at, now = new Date()) {
  const d = at ? new Date(at) : null;
  if (d && !Number.isNaN(d.getTime())) return `counted ${hhmm(d)} UTC`;
  return `received ${hhmm(now)} UTC`;
}

function hhmm(d) {
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/**
 * Writes a parsed count into the page's parts.
 * @param {{count, mark, sparkline, updated, card?, legend?}} parts elements
 *   (anything with textContent / innerHTML / dataset); the card, when given,
 *   carries data-trend too so the whole card can say "growing"; the legend
 *   says how many minutes the sparkline covers
 * @param {{viewers: number, history: number[], at: string|null}} data
 * @param {Date} now when the cue arrived
 */
export function renderViewers(parts, data, now = new Date()) {
  const dir = trend(data.history);
  if (parts.card) parts.card.dataset.trend = dir;
  parts.count.textContent = formatCount(data.viewers);
  parts.mark.innerHTML = trendHtml(data.history);
  parts.mark.dataset.trend = dir;
  parts.sparkline.innerHTML = sparklineSvg(data.history);
  if (parts.legend) parts.legend.textContent = `last ${minutesText(Math.min(data.history.length, SPARK_POINTS))}`;
  parts.updated.textContent = updatedText(data.at, now);
}
