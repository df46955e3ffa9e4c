#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan, and runs each for SECONDS
# (default 15; CI gives them 10) from its seed corpus in fuzz/corpus/. A longer run, for a
# night: scripts/fuzz.sh 3600. New inputs go to $BUILD/corpus, the seeds stay as they are; a
# crash leaves its input in $BUILD/findings and fails the run.
# Usage: scripts/fuzz.sh [SECONDS] [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
seconds="${1:-15}"
build="${2:-$here/build-fuzz}"
command -v clang++ >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; apt-get install -y -qq clang >/dev/null; }
CXX=clang++ cmake -S "$here" -B "$build" -G Ninja -DBEETROOT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" fuzzers
mkdir -p "$build/findings"
fuzz_one() {
  local fuzzer=$1 name out
  name=$(basename "$fuzzer" _fuzzer)
  mkdir -p "$build/corpus/$name"
  # Leaks are checked by the sanitised test build; the face API target keeps its engine for the run.
  out=$(ASAN_OPTIONS=detect_leaks=0 "$fuzzer" "$build/corpus/$name" "$here/fuzz/corpus/$name" \
    -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=30 -print_final_stats=1 \
    -artifact_prefix="$build/findings/$name-" 2>&1 | grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)' || true)
  printf '== fuzzed %s for %ss\n%s\n' "$name" "$seconds" "$out"
}
# A libFuzzer process runs on one core: one target per core at a time.
running=0
for fuzzer in "$build"/*_fuzzer; do
  fuzz_one "$fuzzer" &
  if (( ++running >= $(nproc) )); then
    wait -n
    running=$((running - 1))
  fi
done
wait
if ls "$build/findings/"* >/dev/null 2>&1; then
  echo "fuzzing found a failing input: $(ls "$build/findings/"*)" >&2
  exit 1
fi
