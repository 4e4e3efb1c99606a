// browser.mjs - what the browser tests share: Debian's headless Chromium via
// playwright-core (no downloaded browser), the ok/FAIL checker, and the one
// way a viewer page is opened (page errors recorded, ready hook awaited).
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Chromium started headless with the flags every test uses (plus `extra`).
 *  Exits 2 with the install hint when Chromium or playwright-core is missing. */
export async function launch(name, extra = []) {
  if (!existsSync(CHROMIUM)) {
    console.error(`${name}: ${CHROMIUM} not found; install it with: apt-get install -y chromium (or run scripts/deps.sh)`);
    process.exit(2);
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    console.error(`${name}: playwright-core is not installed; run: (cd web && npm ci) (or scripts/deps.sh)`);
    process.exit(2);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extra],
  });
}

/** ok/FAIL lines; `failures()` says how many failed, `finish(name)` exits with it. */
export function checker() {
  let failures = 0;
  return {
    check(ok, what, detail = '') {
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${!ok && detail ? ': ' + detail : ''}`);
      if (!ok) failures++;
      return ok;
    },
    failures: () => failures,
    finish(name) {
      console.log(failures ? `${name}: ${failures} check(s) failed` : `${name}: all checks passed`);
      process.exit(failures ? 1 : 0);
    },
  };
}

/** A viewer page from `owner` (a browser or a context): page errors kept in
 *  `errors`, resolved once window.ivsvcViewers says it is ready. */
export async function openViewer(owner, url, pageOptions = {}) {
  const page = await owner.newPage(pageOptions);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.ivsvcViewers && window.ivsvcViewers.ready, null, { timeout: 20000 });
  return { page, errors };
}
