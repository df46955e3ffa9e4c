#!/usr/bin/env bash
# The layers of src/, bottom up: a folder includes only from the folders before it (and itself).
# Run by scripts/test.sh; prints each include that runs up the layers and fails if there is one.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)/src"
layers=(base inference collection storage people ingest app api eval cli)
status=0
for i in "${!layers[@]}"; do
  layer=${layers[$i]}
  allowed=" ${layers[*]:0:$((i + 1))} "
  while IFS=: read -r file line include; do
    target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$include")
    if [[ " ${layers[*]} " == *" $target "* && "$allowed" != *" $target "* ]]; then
      echo "${file#"$src"/}:$line: $layer includes $target, a layer above it" >&2
      status=1
    fi
  done < <(grep -rnE '^#include "[a-z_]+/' "$src/$layer" || true)
done
exit $status
