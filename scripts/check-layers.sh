#!/usr/bin/env bash
# The layers of src/, bottom up: a folder includes only from the folders before it (and itself).
# Run by scripts/test.sh; prints each include that runs up the layers and fails if there is one.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)/src"
layers=(base inference collection storage ingest people api eval cli)
# Arrows known to run the wrong way, to be removed, not added to: the stores are composed in
# ingest/ (which then needs people/), where an app/ layer above both should compose them.
known=" ingest/stores.h:people "
status=0
for i in "${!layers[@]}"; do
  layer=${layers[$i]}
  allowed=" ${layers[*]:0:$((i + 1))} "
  while IFS=: read -r file line include; do
    target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$include")
    if [[ " ${layers[*]} " == *" $target "* && "$allowed" != *" $target "* && "$known" != *" ${file#"$src"/}:$target "* ]]; then
      echo "${file#"$src"/}:$line: $layer includes $target, a layer above it" >&2
      status=1
    fi
  done < <(grep -rnE '^#include "[a-z_]+/' "$src/$layer" || true)
done
exit $status
