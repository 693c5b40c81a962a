#!/usr/bin/env bash
# The README's second command (and .ci/run): install, build and run the whole
# test suite:
#   1. dev build: unit, simulation, NAT lab (netns, as root) and interop tests
#   2. ASan + UBSan build: the unit, simulation and interop tests again
#   3. each libFuzzer target for FUZZ_SECONDS (default 20) on its corpus
# Ends with one line "suite: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
JOBS=${JOBS:-$(nproc)}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-2G}

scripts/install-deps.sh

passed=0
failed=0
count_ctest() {  # add the counts from a ctest log to the totals
  local line
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$1" | tail -1 || true)
  if [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
    failed=$((failed + BASH_REMATCH[1]))
    passed=$((passed + BASH_REMATCH[2] - BASH_REMATCH[1]))
  fi
}
status=0
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

echo "== 1/3 dev build and the full suite"
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$JOBS"
ctest --preset dev -j "$JOBS" 2>&1 | tee "$log_dir/dev.log" || status=1
count_ctest "$log_dir/dev.log"

echo "== 2/3 AddressSanitizer + UndefinedBehaviorSanitizer: unit and interop tests"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$JOBS"
ctest --preset asan -j "$JOBS" 2>&1 | tee "$log_dir/asan.log" || status=1
count_ctest "$log_dir/asan.log"

echo "== 3/3 fuzz targets, ${FUZZ_SECONDS} s each"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$JOBS"
for target in build/fuzz/fuzz/fuzz_*; do
  [[ -x $target ]] || continue
  name=$(basename "$target" | sed 's/^fuzz_//')
  corpus=$(mktemp -d)
  [[ -d fuzz/corpus/$name ]] && cp -r fuzz/corpus/"$name"/. "$corpus"/
  if "$target" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 "$corpus" >"$log_dir/fuzz_$name.log" 2>&1; then
    echo "fuzz $name: ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log_dir/fuzz_$name.log" | grep -o '[0-9]*$') runs)"
    passed=$((passed + 1))
  else
    echo "fuzz $name: FAILED"; tail -40 "$log_dir/fuzz_$name.log"
    failed=$((failed + 1)); status=1
  fi
  rm -rf "$corpus"
done

echo "suite: $passed passed, $failed failed"
exit $status
