#!/usr/bin/env bash
# demo.sh - the README's main command: installs what is missing, builds, and
# runs the whole pipeline locally (moto + the IVS simulator on loopback,
# `ivsvc deploy --yes`, the packaged function ticking once a minute), and
# serves each channel's viewer page (video, count, sparkline, trend) on a
# free loopback port, printing one URL per channel.
#   bash scripts/demo.sh                 # a tick a minute, until Ctrl-C
#   bash scripts/demo.sh --fast 5        # a tick every 5 s (minute-aligned event times)
#   bash scripts/demo.sh --open          # and open the first channel's page in the browser
#   bash scripts/demo.sh --channels 10 --seed 3 --fast 2 --ticks 30
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
exec python3 scripts/demo.py --build build "$@"
