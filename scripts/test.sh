#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs every test: the normal build, then the same tests
# built with AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh" "$here/build"
# face-api itself, the reference for the parity tests, pinned by package-lock.json.
(cd "$here/tools/faceapi-reference" && npm ci --no-audit --no-fund --silent)

ctest --test-dir "$here/build" --output-on-failure -j2

"$here/scripts/setup.sh" "$here/build-sanitize" -DBEETROOT_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$here/build-sanitize" --output-on-failure -j2
