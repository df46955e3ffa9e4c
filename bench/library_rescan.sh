#!/usr/bin/env bash
# What a scan of an unchanged library costs: FILES photo files (hard links to a few copies of one
# JPEG, 100 to a folder) recorded as a finished scan leaves them, then `beetroot library scan` timed, twice.
# Usage: bench/library_rescan.sh [FILES]   (default 100000; needs build/beetroot)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
count="${1:-100000}"
work=$(mktemp -d /tmp/beetroot-rescan-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export BEETROOT_DATA="$work/data"
binary="$here/build/beetroot"
photo=$(ls "$HOME/.local/share/beetroot/models/demo/"*.jpg | head -1)

mkdir -p "$work/photos"
/usr/bin/python3 - "$work/photos" "$photo" "$count" <<'PY'
import os, sys
root, photo, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
copies = []  # a file takes at most 65,000 links on ext4
for c in range(count // 60000 + 1):
    copies.append(os.path.join(os.path.dirname(root), f"copy{c}.jpg"))
    with open(photo, "rb") as src, open(copies[-1], "wb") as dst:
        dst.write(src.read())
for i in range(count):
    folder = os.path.join(root, f"{i // 100:04d}")
    os.makedirs(folder, exist_ok=True)
    os.link(copies[i // 60000], os.path.join(folder, f"IMG_{i:06d}.jpg"))
PY
"$binary" library add bench "$work/photos" >/dev/null
# The records a finished scan leaves (size, mtime, hash, photoId), without filing 100,000 photos.
/usr/bin/python3 - "$work/photos" "$BEETROOT_DATA/beetroot.db" <<'PY'
import hashlib, os, sqlite3, sys
root, db = sys.argv[1], sys.argv[2]
rows = []
for folder, _, files in os.walk(root):
    for name in files:
        full = os.path.join(folder, name)
        key = os.path.relpath(full, root)
        st = os.stat(full)
        photo_id = hashlib.sha256(f"bench/{key}".encode()).hexdigest()[:20]
        rows.append(("bench", key, st.st_size, st.st_mtime_ns, "0" * 64, photo_id))
with sqlite3.connect(db) as c:
    c.executemany("INSERT INTO library_files VALUES (?, ?, ?, ?, ?, ?)", rows)
PY
sync
for run in 1 2; do
  /usr/bin/time -f "scan $run: %e s wall, %M KiB peak" "$binary" library scan --queue bench
done
