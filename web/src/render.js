// render.js - how a parsed viewer count looks: the number, the rising /
// falling / steady mark and the 5-minute sparkline. Pure helpers that return
// strings, plus renderViewers() that writes them into the elements it is
// given (plain property writes, so node tests can pass plain objects).

/** Minutes the sparkline covers: the Lambda sends the last 5. */
export const SPARK_POINTS = 5;

const numberFormat = new Intl.NumberFormat('en-US');

/** 1234 -> "1,234". */
export function formatCount(n) {
  return numberFormat.format(n);
}

/**
 * The direction over the last minute: newest count against the one before.
 * @param {number[]} history newest first
 * @returns {'rising'|'falling'|'steady'}
 */
export function trend(history) {
  if (!Array.isArray(history) || history.length < 2) return 'steady';
  if (history[0] > history[1]) return 'rising';
  if (history[0] < history[1]) return 'falling';
  return 'steady';
}

const MARKS = {
  rising: { symbol: '\u25B2', words: 'up' },
  falling: { symbol: '\u25BC', words: 'down' },
  steady: { symbol: '\u25AC', words: 'steady' },
};

/** The mark's inner HTML: a symbol and signed change, with words for screen readers. */
export function trendHtml(history) {
  const dir = trend(history);
  const { symbol, words } = MARKS[dir];
  const delta = dir === 'steady' ? 0 : history[0] - history[1];
  const shown = delta > 0 ? `+${formatCount(delta)}` : delta < 0 ? `\u2212${formatCount(-delta)}` : '';
  const spoken = dir === 'steady'
    ? 'steady since a minute ago'
    : `${words} ${formatCount(Math.abs(delta))} since a minute ago`;
  return `<span aria-hidden="true">${symbol}${shown ? ' ' + shown : ''}</span>` +
    `<span class="sr-only">${spoken}</span>`;
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
  const label = `Viewers over the last ${values.length} minute${values.length === 1 ? '' : 's'}, ` +
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
 * @param {{count, mark, sparkline, updated}} parts elements (anything with
 *   textContent / innerHTML / dataset)
 * @param {{viewers: number, history: number[], at: string|null}} data
 * @param {Date} now when the cue arrived
 */
export function renderViewers(parts, data, now = new Date()) {
  const dir = trend(data.history);
  parts.count.textContent = formatCount(data.viewers);
  parts.mark.innerHTML = trendHtml(data.history);
  parts.mark.dataset.trend = dir;
  parts.sparkline.innerHTML = sparklineSvg(data.history);
  parts.updated.textContent = updatedText(data.at, now);
}
