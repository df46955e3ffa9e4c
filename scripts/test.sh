#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs every test: the normal build, then the same tests
# built with AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# Each phase's start, with the time since this script started, so a slow CI run shows its slow phase.
phase() { echo "== test.sh $(( SECONDS / 60 ))m$(( SECONDS % 60 ))s: $*"; }
phase "set-up and normal build"
"$here/scripts/setup.sh" "$here/build"
# Clients nobody here wrote, for the API tests: Debian's boto3 (for /usr/bin/python3) and AWS CLI,
# and Debian's Chromium for the People page's end-to-end test; PostgreSQL for the storage tests;
# OpenBLAS, which many machines have and which starts threads before main() (test_shutdown.py).
test_packages=(python3-boto3 awscli chromium postgresql libopenblas0-pthread
  libheif-examples libjxl-tools imagemagick  # these three make the photo-format test files
  clang)  # the sanitised build, which also builds the fuzz targets
missing=()
for p in "${test_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# face-api itself, the reference for the parity tests, pinned by package-lock.json.
(cd "$here/tools/faceapi-reference" && npm ci --no-audit --no-fund --silent)
# playwright-core drives that Chromium; pinned by package-lock.json.
(cd "$here/tests/web" && npm ci --no-audit --no-fund --silent)

# PostgreSQL and an S3 server (s3rver) for the storage suites, stopped when this script ends.
# Outside the checkout, which the postgres user may not be allowed to enter.
servers=$(mktemp -d /tmp/beetroot-test-servers.XXXXXX)
chmod 755 "$servers"
# A failed run prints the end of the servers' logs before they go: a server that died says why there.
trap 'status=$?; [ "$status" = 0 ] || tail -n 30 "$servers/s3rver.log" "$servers/pg/log" 2>/dev/null || true
  "$here/scripts/test-servers.sh" stop "$servers"; rm -rf "$servers"' EXIT
server_env=$("$here/scripts/test-servers.sh" start "$servers")  # set -e: no tests without their servers
eval "$server_env"

phase "layers"
"$here/scripts/check-layers.sh"
phase "normal tests, the benchmarks and the sanitised build alongside"
# Built at the lowest priority while the normal tests run: they spend much of their time waiting
# on servers and clients, and the builds take what they leave of the two cores. The benchmarks
# build on request only; building them here keeps them in step with the library. One clang build
# with ASan and UBSan serves the sanitised tests and the fuzz targets.
(nice -n 19 ninja -C "$here/build" benches &&
  CXX=clang++ nice -n 19 "$here/scripts/setup.sh" "$here/build-sanitize" -DBEETROOT_SANITIZE=ON -DBEETROOT_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo) >"$servers/background-builds.log" 2>&1 &
background_builds=$!
# -j4 on two cores: many tests spend their time waiting on servers and clients, not computing.
ctest --test-dir "$here/build" --output-on-failure -j4
phase "benchmarks and sanitised build, finishing"
wait "$background_builds" || { tail -50 "$servers/background-builds.log"; exit 1; }
phase "sanitised tests, the fuzz targets built alongside"
nice -n 19 ninja -C "$here/build-sanitize" fuzzers >"$servers/fuzzers-build.log" 2>&1 &
fuzzers_build=$!
# Five tests are left to the normal build: two run the same inference code as smaller tests, on
# dozens of LFW and 12-megapixel photos, which the sanitisers slow to minutes; the third runs three
# workers (each what the one-worker tests run under the sanitisers) and kills one, of which they
# report nothing; the fourth runs oneDNN's AVX2 kernels, and the fifth the People page's JavaScript
# in Chromium, neither of which the sanitisers instrument (the API tests call every endpoint the
# page calls, and fetch its files).
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 LSAN_OPTIONS=suppressions="$here/scripts/lsan.supp" \
  ctest --test-dir "$here/build-sanitize" --output-on-failure -j4 \
  -E '^(Grouping\.OnePersonAcrossSourcesIsOneAndGroupPhotosStayApart|ImageDecoding\.ExifRotatedPhotosGiveTheUprightFaces|Workers\.ThreeWorkersFileTheSamePersonsAsOneProcessAndAKilledWorkerLosesNothing|FaceApiParity\.OnAvx2Kernels|web\.people_page)$'
phase "fuzzing"
wait "$fuzzers_build" || { tail -50 "$servers/fuzzers-build.log"; exit 1; }
# Each libFuzzer target for 10 s from its seeds (fuzz/corpus/): a smoke run; a night's run is
# scripts/fuzz.sh 3600.
"$here/scripts/fuzz.sh" 10 "$here/build-sanitize"
phase "done"
