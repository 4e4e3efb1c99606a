// config.js - where the page's settings come from: config.json beside
// index.html (written by `ivsvc player`), overridden by the query string
// (?playbackUrl=...&channel=...) for testing. Pure apart from loadConfig().

/**
 * @param {unknown} file config.json's parsed content (or null)
 * @param {string} search location.search
 * @returns {{playbackUrl: string, channelName: string}}
 */
export function resolveConfig(file, search) {
  const conf = { playbackUrl: '', channelName: '' };
  if (file && typeof file === 'object' && !Array.isArray(file)) {
    if (typeof file.playbackUrl === 'string') conf.playbackUrl = file.playbackUrl;
    if (typeof file.channelName === 'string') conf.channelName = file.channelName;
  }
  const q = new URLSearchParams(search || '');
  if (q.get('playbackUrl')) conf.playbackUrl = q.get('playbackUrl');
  if (q.get('channel')) conf.channelName = q.get('channel');
  if (conf.playbackUrl && !isPlaybackUrl(conf.playbackUrl)) conf.playbackUrl = '';
  return conf;
}

/** Only http(s) URLs are handed to the player. */
export function isPlaybackUrl(s) {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Fetches config.json; a missing or broken file counts as empty. */
export async function loadConfig(baseUrl, search) {
  let file = null;
  try {
    const res = await fetch(new URL('config.json', baseUrl), { cache: 'no-store' });
    if (res.ok) file = await res.json();
  } catch {
    file = null;
  }
  return resolveConfig(file, search);
}
