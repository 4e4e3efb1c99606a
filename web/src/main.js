// main.js - the viewer page: reads its config, plays the channel with the
// Amazon IVS Player Web SDK (vendor/, loaded beside the page) and shows each
// viewer-count cue (PlayerEventType.TEXT_METADATA_CUE) as it arrives.
//
// Test hook: window.ivsvcViewers.onCue(text) feeds a cue without a stream;
// window.ivsvcViewers.ready turns true once config and SDK were tried.
import { loadConfig } from './config.js';
import { renderViewers } from './render.js';
import { parseMetadata } from './viewers.js';

const SDK = 'vendor/amazon-ivs-player.min.js';
const WASM_WORKER = 'vendor/amazon-ivs-wasmworker.min.js';
const WASM_BINARY = 'vendor/amazon-ivs-wasmworker.min.wasm';
/** An offline channel (or an ended stream) is tried again this often, so the
 * page picks the stream up when the channel goes live; a 404 playlist is cheap. */
const RETRY_MS = 5000;
/** Raw cue texts kept for the test hook. */
const KEEP_TEXTS = 20;

const byId = (id) => document.getElementById(id);
const parts = {
  count: byId('count'),
  mark: byId('mark'),
  sparkline: byId('sparkline'),
  updated: byId('updated'),
  card: byId('card'),
  legend: byId('legend'),
};

const hook = {
  onCue,
  ready: false,
  last: null,        // the last count shown
  texts: [],         // the newest cue texts received, oldest first
  accepted: 0,
  rejected: 0,       // malformed cues, ignored
  playerSupported: null,
  sdkVersion: null,
};
window.ivsvcViewers = hook;

function onCue(text) {
  hook.texts.push(text);
  if (hook.texts.length > KEEP_TEXTS) hook.texts.shift();
  const data = parseMetadata(text);
  if (!data) {
    hook.rejected++;
    return null;
  }
  hook.accepted++;
  hook.last = data;
  renderViewers(parts, data);
  document.body.dataset.state = 'counting';
  return data;
}

function setStatus(text, kind = 'info') {
  const el = byId('status');
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = !text;
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}

function startPlayer(IVS, url) {
  const abs = (p) => new URL(p, document.baseURI).href;
  const player = IVS.create({ wasmWorker: abs(WASM_WORKER), wasmBinary: abs(WASM_BINARY) });
  player.attachHTMLVideoElement(byId('video'));
  const E = IVS.PlayerEventType;
  const S = IVS.PlayerState;
  let retry = null;
  const again = () => {
    clearTimeout(retry);
    retry = setTimeout(() => player.load(url), RETRY_MS);
  };

  player.addEventListener(E.TEXT_METADATA_CUE, (cue) => onCue(cue.text));
  player.addEventListener(S.PLAYING, () => {
    // Controls only once there is something to control (they unmute, too).
    byId('video').controls = true;
    document.body.dataset.video = 'playing';
    setStatus('');
  });
  player.addEventListener(S.ENDED, () => {
    document.body.dataset.video = 'ended';
    setStatus(`The stream ended; trying again every ${RETRY_MS / 1000} s.`);
    again();
  });
  player.addEventListener(E.ERROR, (err) => {
    const offline = err && (err.code === 404 || err.type === 'ErrorNotAvailable');
    document.body.dataset.video = offline ? 'offline' : 'error';
    const every = `${RETRY_MS / 1000} s`;
    setStatus(offline ? `The channel is offline; trying again every ${every}.`
      : `Playback error: ${(err && err.message) || 'unknown'}; trying again in ${every}.`,
    offline ? 'info' : 'error');
    again();
  });

  // Browsers only autoplay muted video.
  player.setMuted(true);
  player.setAutoplay(true);
  player.load(url);
  setStatus('Connecting to the stream\u2026');
}

async function main() {
  const conf = await loadConfig(document.baseURI, location.search);
  if (conf.channelName) {
    byId('channel').textContent = conf.channelName;
    document.title = `${conf.channelName} \u2013 live viewers`;
  }

  try {
    await loadScript(SDK);
  } catch {
    setStatus('The IVS Player SDK is not beside this page (vendor/), so there is no video; counts still show.', 'error');
    return;
  }
  const IVS = window.IVSPlayer;
  hook.sdkVersion = typeof IVS.getVersion === 'function' ? IVS.getVersion() : null;
  hook.playerSupported = Boolean(IVS.isPlayerSupported);
  if (!hook.playerSupported) {
    setStatus('This browser cannot play IVS streams (it needs WebAssembly and Media Source Extensions).', 'error');
    return;
  }
  if (!conf.playbackUrl) {
    setStatus('No stream configured: run `ivsvc player --channel NAME`, or open this page with ?playbackUrl=URL.');
    return;
  }
  startPlayer(IVS, conf.playbackUrl);
}

main()
  .catch((e) => setStatus(`The page failed to start: ${e.message}`, 'error'))
  .finally(() => {
    hook.ready = true;
  });
