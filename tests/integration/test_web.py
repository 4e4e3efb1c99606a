"""integration.web - the viewer page's own tests, run from ctest:
`npm test` in web/ (node --test: parsing, rendering, config) and the browser
test web/test/e2e.mjs (Debian's headless Chromium through playwright-core:
cues fed through window.ivsvcViewers.onCue, the count and trend mark checked,
the Player SDK started and, with ffmpeg, a local HLS stream carrying ID3
timed metadata played so the count comes from real TEXT_METADATA_CUE events;
screenshots in $IVSVC_BUILD_DIR/web-e2e/).

Needs node + npm, web/node_modules (`cd web && npm ci`) and /usr/bin/chromium
(`apt-get install -y chromium`), and for the stream part ffmpeg
(`apt-get install -y ffmpeg`); scripts/deps.sh installs all of them.
"""
import os
import shutil
import subprocess
import sys

import ivstest
from ivstest import case

WEB = os.path.join(ivstest.SOURCE_DIR, "web")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = os.path.join(ivstest.BUILD_DIR, "web-e2e")


def require_tools():
    problems = []
    for tool in ("node", "npm"):
        if not shutil.which(tool):
            problems.append("%s not found: install Node.js 20+ (apt-get install -y nodejs npm)" % tool)
    if not os.path.isdir(os.path.join(WEB, "node_modules")):
        problems.append("web/node_modules is missing: run `cd web && npm ci` (or scripts/deps.sh)")
    if not os.path.exists(CHROMIUM):
        problems.append("%s is missing: run `apt-get install -y chromium` (or scripts/deps.sh)" % CHROMIUM)
    if problems:
        for p in problems:
            sys.stderr.write("integration.web: %s\n" % p)
        print("0 passed, 1 failed")
        sys.exit(1)


def run(args, timeout):
    r = subprocess.run(args, cwd=WEB, capture_output=True, text=True, timeout=timeout)
    out = r.stdout + r.stderr
    if r.returncode != 0:
        raise AssertionError("`%s` in web/ exited %d:\n%s" % (" ".join(args), r.returncode, out[-6000:]))
    return out


@case
def unit_tests_pass():
    out = run(["npm", "test", "--silent"], timeout=120)
    assert "# fail 0" in out, out[-3000:]


@case
def browser_test_passes():
    if not os.path.exists(os.path.join(WEB, "vendor", "amazon-ivs-player.min.js")):
        # The SDK copy is a build product (gitignored); make it so the test covers it.
        run(["npm", "run", "--silent", "vendor"], timeout=120)
    out = run(["node", "test/e2e.mjs", SHOTS], timeout=300)
    assert "e2e: all checks passed" in out, out[-3000:]
    assert "isPlayerSupported=true" in out, "the Player SDK did not load in Chromium:\n" + out[-3000:]
    if shutil.which("ffmpeg"):
        assert "ok   HLS stream: timed metadata cues arrived" in out, out[-3000:]
    else:
        sys.stderr.write("integration.web: ffmpeg not found, the HLS stream part was skipped "
                         "(apt-get install -y ffmpeg)\n")
    shot = os.path.join(SHOTS, "viewer-page.png")
    assert os.path.getsize(shot) > 10000, "screenshot %s looks empty" % shot


if __name__ == "__main__":
    require_tools()
    ivstest.main()
