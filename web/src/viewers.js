// viewers.js - reads the viewer-count timed metadata the Lambda sends with
// PutMetadata. Pure: no DOM, runs the same in node's test runner.
//
// Two payload formats (newest count first):
//   text:  "12,10,9,7,5"
//   JSON:  {"viewers":12,"history":[12,10,9,7,5],"at":"2026-11-24T18:07:00Z"}
// parseMetadata() returns { viewers, history, at } or null for anything it
// cannot trust; it never throws, because a bad cue must not break the page.

/** Most counts a payload may carry (an hour at one a minute). */
export const MAX_ENTRIES = 60;
/** Larger counts are treated as garbage, not as an audience. */
export const MAX_VIEWERS = 1e9;
/** IVS timed metadata is at most 1 KB; anything far larger is not ours. */
const MAX_TEXT_LENGTH = 4096;

const DIGITS = /^[0-9]{1,10}$/;
// RFC 3339 / ISO-8601 UTC or with an offset, seconds and fraction optional.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function isCount(n) {
  return Number.isInteger(n) && n >= 0 && n <= MAX_VIEWERS;
}

function parseText(text) {
  const parts = text.split(',');
  if (parts.length > MAX_ENTRIES) return null;
  const history = [];
  for (const part of parts) {
    const s = part.trim();
    if (!DIGITS.test(s)) return null;
    const n = Number(s);
    if (!isCount(n)) return null;
    history.push(n);
  }
  return { viewers: history[0], history, at: null };
}

function parseJson(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return null;
  if (!isCount(doc.viewers)) return null;

  let history = [doc.viewers];
  if (doc.history !== undefined) {
    if (!Array.isArray(doc.history) || doc.history.length > MAX_ENTRIES) return null;
    if (!doc.history.every(isCount)) return null;
    // `viewers` is the current count; a history that does not start with it
    // gets it prepended rather than the cue being dropped.
    history = doc.history.length && doc.history[0] === doc.viewers
      ? doc.history.slice()
      : [doc.viewers, ...doc.history].slice(0, MAX_ENTRIES);
  }

  let at = null;
  if (doc.at !== undefined && doc.at !== null) {
    if (typeof doc.at !== 'string' || !TIMESTAMP.test(doc.at) || Number.isNaN(Date.parse(doc.at))) {
      return null;
    }
    at = doc.at;
  }
  return { viewers: doc.viewers, history, at };
}

/**
 * @param {unknown} text the cue's text
 * @returns {{viewers: number, history: number[], at: string|null} | null}
 */
export function parseMetadata(text) {
  if (typeof text !== 'string' || text.length > MAX_TEXT_LENGTH) return null;
  const s = text.trim();
  if (s === '') return null;
  return s.startsWith('{') ? parseJson(s) : parseText(s);
}
