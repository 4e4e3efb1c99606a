#!/usr/bin/env bash
# bench/run.sh - builds (optimised) and runs the benchmarks whose results the
# README shows: the handler's cost per tick at 100, 1,000 and 5,000 live
# channels with cold start (handler_bench.py), and the handler under injected
# faults (faults.py). Everything on 127.0.0.1; takes about 10 minutes.
# Results go to stdout as Markdown tables and to bench/results/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
mkdir -p bench/results
python3 bench/handler_bench.py --build build-bench "$@" | tee bench/results/handler.md
python3 bench/faults.py --build build-bench | tee bench/results/faults.md
