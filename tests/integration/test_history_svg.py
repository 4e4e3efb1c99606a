#!/usr/bin/env python3
"""`ivsvc history --svg FILE` rendered by headless Chromium (web/test/
svg-render.mjs, the browser the page tests use): three channels seeded in
moto's DynamoDB (one with a 20-minute hole), the SVG written with TZ=UTC,
then in the browser: the time and viewer axis labels laid out as expected
and inside the picture, the legend in order, one path per channel in its
colour, each colour covering pixels of the plot area and gone when that
channel's path is removed. The screenshot lands in the build directory."""
import json
import os
import subprocess
import tempfile
from datetime import datetime, timezone

import ivstest

T0 = 1_789_999_980_000          # 2026-09-21T14:13:00Z
MIN = 60_000
MINUTES = 120
TABLE = "ivsvc-history-svg"
WEB = os.path.join(ivstest.SOURCE_DIR, "web")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c"]     # svg.c's first three colours
PLOT = {"x": 70, "y": 40, "w": 880, "h": 360}   # svg.c's plot area


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def count_of(k, m):
    """Three shapes apart: rising, falling, a wave; channel 1 has a hole."""
    if k == 1 and 40 <= m < 60:
        return None
    return [10 + m * 3, 400 - m * 3, 200 + (m * 37) % 90][k]


def seed(moto):
    ddb = ivstest.boto_client("dynamodb", moto.url)
    ivstest.create_viewers_table(ddb, TABLE)
    ivs = ivstest.boto_client("ivs", moto.url)
    chans = [ivs.create_channel(name=n)["channel"]["arn"] for n in ("rising", "falling", "wave")]
    items = []
    for k, arn in enumerate(chans):
        for m in range(MINUTES):
            n = count_of(k, m)
            if n is not None:
                items.append({"channel": {"S": arn}, "time": {"N": str(T0 + m * MIN)},
                              "count": {"N": str(n)}})
    for i in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": it}}
                                                   for it in items[i:i + 25]]})
    return chans


def expected_labels():
    """svg.c's ticks: 6 times (date on the first and last), viewers 0..max in quarters."""
    xs = []
    for k in range(6):
        i = k * (MINUTES - 1) // 5
        t = datetime.fromtimestamp((T0 + i * MIN) / 1000, timezone.utc)
        xs.append(t.strftime("%Y-%m-%d %H:%M" if k in (0, 5) else "%H:%M"))
    top = max(count_of(k, m) or 0 for k in range(3) for m in range(MINUTES))
    return xs, [str(top * k // 4) for k in range(5)]


@ivstest.case
def history_svg_renders_every_line_and_its_axes():
    for need in (CHROMIUM, os.path.join(WEB, "node_modules", "playwright-core")):
        assert os.path.exists(need), "%s is missing: run scripts/deps.sh" % need
    with ivstest.MotoServer() as moto:
        env = ivstest.clean_env(endpoint=moto.url)
        chans = seed(moto)
        work = tempfile.mkdtemp(prefix="ivsvc-history-svg-")
        svg = os.path.join(work, "h.svg")
        r = ivstest.run_ivsvc(["history", "--svg", svg, "--table", TABLE, "--since", iso(T0),
                               "--until", iso(T0 + (MINUTES - 1) * MIN)], dict(env, TZ="UTC"))
        assert r.returncode == 0, r.stderr
    xs, ys = expected_labels()
    shot_dir = os.path.join(os.environ.get("IVSVC_BUILD_DIR", work), "web-e2e")
    os.makedirs(shot_dir, exist_ok=True)
    args = {"svg": svg, "shot": os.path.join(shot_dir, "history-svg.png"), "plot": PLOT,
            "lines": [{"color": PALETTE[k], "channel": arn, "legend": name}
                      for k, (arn, name) in enumerate(zip(chans, ("rising", "falling", "wave")))],
            "xLabels": xs, "yLabels": ys}
    p = subprocess.run(["node", "test/svg-render.mjs", json.dumps(args)], cwd=WEB,
                       capture_output=True, text=True, timeout=180)
    print(p.stdout + p.stderr)
    assert p.returncode == 0, "svg-render failed:\n" + p.stdout + p.stderr
    assert p.stdout.count("\nok  ") + p.stdout.startswith("ok  ") >= 14, p.stdout


if __name__ == "__main__":
    ivstest.main()
