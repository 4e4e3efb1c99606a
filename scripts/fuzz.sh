#!/bin/sh
# scripts/fuzz.sh - build the libFuzzer targets (tests/fuzz/) with clang into
# build-fuzz/ and fuzz each one for a bounded time from its seed corpus.
#
#   scripts/fuzz.sh                      every target, FUZZ_SECONDS each
#   scripts/fuzz.sh ini sigv4            only these (names without fuzz_)
#   FUZZ_SECONDS=300 scripts/fuzz.sh     longer runs (default 20)
#
# Environment: FUZZ_SECONDS (default 20), FUZZ_BUILD_DIR (default
# <repo>/build-fuzz), FUZZ_ARTIFACTS (default $FUZZ_BUILD_DIR/fuzz-artifacts:
# where crash-/leak-/timeout-/oom- reproducers are written), CC (default clang).
#
# The build is what `cmake -DIVSVC_FUZZ=ON -DIVSVC_SANITIZE=ON` gives:
# tests/fuzz/CMakeLists.txt adds -fsanitize=fuzzer-no-link to the libraries
# and -fsanitize=fuzzer,address,undefined to the targets. The corpus is copied
# to a temp dir first, so a run never adds files to the repo; the target's
# regress/<name>/ inputs are replayed at the start of its run.
# Exit status: 0 when every target ran clean; 1 when any crashed, leaked,
# timed out or ran out of memory (the reproducer path is printed: copy it to
# tests/fuzz/regress/<name>/ once understood); 2 when the build failed.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-20}
artifacts=${FUZZ_ARTIFACTS:-$build/fuzz-artifacts}

# Longest input per target: a little above the largest realistic one, so the
# fuzzer spends its time on structure rather than on bulk.
max_len() {
	case "$1" in
	xml) echo 16384 ;;
	ini|json|error|config) echo 8192 ;;
	sigv4|creds) echo 4096 ;;
	event) echo 2048 ;;
	arn) echo 1200 ;;
	*) echo 4096 ;;
	esac
}

echo "fuzz: building in $build"
if ! { CC=${CC:-clang} cmake -S "$root" -B "$build" -DIVSVC_FUZZ=ON -DIVSVC_SANITIZE=ON \
		-DIVSVC_ARM64=OFF -DCMAKE_BUILD_TYPE=Debug >"$build.configure.log" 2>&1 &&
	cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" --target fuzz_all; }; then
	[ -f "$build.configure.log" ] && tail -n 30 "$build.configure.log"
	echo "fuzz: the build failed"
	exit 2
fi
rm -f "$build.configure.log"

if [ $# -gt 0 ]; then
	targets=""
	for t in "$@"; do targets="$targets fuzz_${t#fuzz_}"; done
else
	targets=$(cat "$build/tests/fuzz/targets.txt")
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ivsvc-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$artifacts"
passed=0
failed=0
for target in $targets; do
	name=${target#fuzz_}
	bin=$build/tests/fuzz/$target
	if [ ! -x "$bin" ]; then
		echo "fuzz: $target: not built in this tree"
		failed=$((failed + 1))
		continue
	fi
	corpus=$work/$name
	mkdir -p "$corpus" "$artifacts/$name"
	[ -d "$root/tests/fuzz/corpus/$name" ] && cp "$root/tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null
	dirs="$corpus"
	[ -d "$root/tests/fuzz/regress/$name" ] && dirs="$dirs $root/tests/fuzz/regress/$name"
	log=$artifacts/$name/last-run.log
	touch "$artifacts/$name/.start"
	echo "fuzz: $target for ${seconds}s (max_len $(max_len "$name"))"
	# shellcheck disable=SC2086  # dirs is a list of paths without spaces
	"$bin" -max_total_time="$seconds" -max_len="$(max_len "$name")" -timeout=10 \
		-rss_limit_mb=2560 -print_final_stats=1 \
		-artifact_prefix="$artifacts/$name/" $dirs >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	units=$(ls "$corpus" | wc -l)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz: $target: ok, ${execs:-?} execs (${rate:-?}/s), corpus $units inputs"
		passed=$((passed + 1))
	else
		echo "fuzz: $target: FAILED (exit $rc) after ${execs:-?} execs"
		grep -E '^==[0-9]+==ERROR|SUMMARY|runtime error|fuzz invariant|Test unit written' "$log" |
			head -n 8 | sed 's/^/    /'
		# Only this run's: earlier runs' reproducers may still be there.
		find "$artifacts/$name" -type f -newer "$artifacts/$name/.start" \
			\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
			while read -r f; do
				echo "    reproducer: $f (replay: $bin $f)"
			done
		echo "    full log: $log"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
