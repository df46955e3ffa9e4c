#!/usr/bin/env bash
# Ingest throughput with 1, 2 and 3 `beetroot worker` processes on one PostgreSQL, and whether
# the workers file the same persons as one process does.
# Usage: bench/workers.sh [PHOTOS]   (default 2000 LFW photos from ../shared/data, in name order)
# Needs build/beetroot and PostgreSQL (scripts/test-servers.sh starts one).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
count="${1:-2000}"
work=$(mktemp -d /tmp/beetroot-workers-bench.XXXXXX)
chmod 755 "$work"
trap '"$here/scripts/test-servers.sh" stop "$work/servers"; rm -rf "$work"' EXIT
eval "$("$here/scripts/test-servers.sh" start "$work/servers")"
binary="$here/build/beetroot"

mkdir -p "$work/photos"
(cd "$here/../shared/data/lfw/lfw-deepfunneled" && find . -name '*.jpg' | sort | sed -n "1,${count}p" |
  xargs -d '\n' cp --parents -t "$work/photos")

run() {  # WORKERS: queue the photos in a fresh database, time the workers until the queue is empty
  local workers=$1 db="bench_$1"
  psql -q "$BEETROOT_TEST_POSTGRES_URL" -c "CREATE DATABASE $db" >/dev/null
  export DATABASE_URL="${BEETROOT_TEST_POSTGRES_URL%/*}/$db" BEETROOT_DATA="$work/data-$workers"
  "$binary" ingest --queue "$work/photos" 2>/dev/null >/dev/null
  local start=$(date +%s.%N)
  for _ in $(seq "$workers"); do
    "$binary" worker --until-empty --threads 1 --poll-seconds 0.2 2>>"$work/log-$workers" &
  done
  wait
  awk -v w="$workers" -v n="$count" -v s="$start" -v e="$(date +%s.%N)" \
    'BEGIN { printf "%d worker(s): %d photos in %.1f s, %.2f photos/s\n", w, n, e - s, n / (e - s) }' 
  "$binary" photos >"$work/photos-$workers.json"
  "$binary" people >"$work/people-$workers.json"
}

echo "machine: $(nproc) cores; each worker runs inference on one thread"
for workers in 1 2 3; do run "$workers"; done

# Persons as sets of faces (key#n), compared with one process by pairwise F1.
/usr/bin/python3 - "$work" <<'PY'
import json, sys, itertools
from collections import Counter
work = sys.argv[1]
def grouping(n):
    key = {}
    for line in open(f"{work}/photos-{n}.json"):
        row = json.loads(line)
        key[row["photoId"]] = row["key"]
    person = {}
    for i, line in enumerate(open(f"{work}/people-{n}.json")):
        for thumb in json.loads(line)["thumbnails"]:
            name = thumb.rsplit("/", 1)[1]
            photo, face = name.split("_face_")
            person[key[photo] + "#" + face] = i
    return person
def pairs(counter):
    return sum(c * (c - 1) / 2 for c in counter.values())
one = grouping(1)
for n in (2, 3):
    other = grouping(n)
    assert other.keys() == one.keys(), "different faces"
    agreed = pairs(Counter((one[f], other[f]) for f in one))
    p, r = agreed / pairs(Counter(other.values())), agreed / pairs(Counter(one.values()))
    identical = sorted(sorted(g) for g in [[f for f in one if one[f] == i] for i in set(one.values())]) == \
                sorted(sorted(g) for g in [[f for f in other if other[f] == i] for i in set(other.values())])
    print(f"{n} workers vs 1: {len(set(other.values()))} persons vs {len(set(one.values()))}, "
          f"pairwise F1 {2 * p * r / (p + r):.4f}, identical: {identical}")
PY
