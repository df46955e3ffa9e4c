#!/usr/bin/env bash
# Everything a fresh Debian machine needs: packages, the build, the model weights.
# Usage: scripts/setup.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build="${1:-$here/build}"
shift || true

packages=(build-essential cmake ninja-build pkg-config
  libdnnl-dev libopencv-dev libpng-dev libwebp-dev libexif-dev libssl-dev
  libheif-dev libtiff-dev libgif-dev libjxl-dev libraw-dev
  nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev libjpeg-dev libspdlog-dev libfmt-dev
  libcpp-httplib-dev libpq-dev libcurl4-openssl-dev libpugixml-dev libhnswlib-dev)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# Node.js (for npm, which fetches the weights) may come from elsewhere with its own npm.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cmake -S "$here" -B "$build" -G Ninja "$@" >/dev/null
ninja -C "$build"
"$here/scripts/fetch-models.sh"
