#!/usr/bin/env bash
# test.sh - the test command: installs what is missing, builds with warnings
# as errors, runs every test (unit and integration, servers on loopback), then
# builds again under AddressSanitizer + UndefinedBehaviorSanitizer and runs the
# unit tests there. Ends with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh

jobs=$(nproc 2>/dev/null || echo 2)

echo "== build (warnings as errors)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIVSVC_WERROR=ON >/dev/null
cmake --build build -j "$jobs"

echo "== build under ASan+UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DIVSVC_WERROR=ON -DIVSVC_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$jobs"

echo "== unit tests under ASan+UBSan"
(cd build-asan && ctest -L unit --output-on-failure -j "$jobs")

echo "== all tests"
cd build
ctest --output-on-failure -j "$jobs"
