#!/usr/bin/env bash
# test.sh - the test command: installs what is missing, builds with warnings
# as errors, builds again under AddressSanitizer + UndefinedBehaviorSanitizer
# and runs the tests there, fuzzes every parser for a bounded time
# (FUZZ_SECONDS each, default 20; FUZZ_SECONDS=0 skips), then runs every test
# (unit and integration, servers on loopback). Ends with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh

jobs=$(nproc 2>/dev/null || echo 2)

echo "== build (warnings as errors)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIVSVC_WERROR=ON -DIVSVC_ARM64=ON >/dev/null
cmake --build build -j "$jobs"

echo "== build under ASan+UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DIVSVC_WERROR=ON -DIVSVC_SANITIZE=ON -DIVSVC_ARM64=ON >/dev/null
cmake --build build-asan -j "$jobs"

# Every test that runs our C code, under the sanitizers (a leak or a UB report
# makes the process fail, so the test fails). Left out: the valgrind test
# (valgrind and ASan do not mix) and the tests of non-C parts (web, template).
echo "== unit and integration tests under ASan+UBSan"
(cd build-asan && ctest --output-on-failure -j "$jobs" -E 'handler_valgrind|integration\.web|integration\.template')

if [ "${FUZZ_SECONDS:-20}" != "0" ]; then
  echo "== fuzzing (${FUZZ_SECONDS:-20} s a target)"
  FUZZ_SECONDS=${FUZZ_SECONDS:-20} bash scripts/fuzz.sh
fi

echo "== all tests"
cd build
ctest --output-on-failure -j "$jobs"
