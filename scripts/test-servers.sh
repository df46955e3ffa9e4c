#!/usr/bin/env bash
# Starts the servers the storage tests run against, each on loopback with its data under DIR:
# PostgreSQL (Debian's), and s3rver (npm, pinned by tests/servers/package-lock.json) as the
# S3-compatible server. Prints the environment the tests read; `stop` stops both.
# Usage: eval "$(scripts/test-servers.sh start DIR)"   |   scripts/test-servers.sh stop DIR
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
action="$1"
dir=$(mkdir -p "$2" && cd "$2" && pwd)
# The ports are kept in DIR, so that `stop` and a second `start` find the same servers.
free_port() {  # the first port from $1 up that nothing listens on
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "$action" = start ] && [ ! -f "$dir/ports" ]; then
  pg_port=$(free_port 55432)
  echo "$pg_port $(free_port 45678)" >"$dir/ports"
fi
[ -f "$dir/ports" ] || exit 0  # stop: nothing was started here
read -r pg_port s3_port <"$dir/ports"

if [ "$action" = stop ]; then
  [ -f "$dir/pg/data/postmaster.pid" ] && as_postgres "$pg_bin/pg_ctl" -D "$dir/pg/data" -m fast stop >/dev/null || true
  [ -f "$dir/s3rver.pid" ] && kill "$(cat "$dir/s3rver.pid")" 2>/dev/null || true
  exit 0
fi

if [ -z "$pg_bin" ] || ! command -v runuser >/dev/null; then
  echo "test-servers: PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
(cd "$here/tests/servers" && npm ci --no-audit --no-fund --silent)

# A throwaway cluster: trust on loopback only, no fsync (test data), its own port and socket folder.
mkdir -p "$dir/pg"
[ "$(id -u)" = 0 ] && chown postgres "$dir/pg"
if [ ! -f "$dir/pg/data/PG_VERSION" ]; then
  as_postgres "$pg_bin/initdb" -D "$dir/pg/data" -A trust -U postgres >/dev/null
fi
if ! as_postgres "$pg_bin/pg_ctl" -D "$dir/pg/data" status >/dev/null 2>&1; then
  as_postgres "$pg_bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w start \
    -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" >/dev/null
fi

if ! { [ -f "$dir/s3rver.pid" ] && kill -0 "$(cat "$dir/s3rver.pid")" 2>/dev/null; }; then
  mkdir -p "$dir/s3"
  # --service-endpoint localhost: <bucket>.s3.localhost names a bucket (virtual-hosted addressing).
  # The legacy provider: s3rver's continuation tokens use DES, which OpenSSL 3 keeps there.
  NODE_OPTIONS=--openssl-legacy-provider nohup "$here/tests/servers/node_modules/.bin/s3rver" -d "$dir/s3" -a 127.0.0.1 -p "$s3_port" --silent \
    --service-endpoint localhost \
    >"$dir/s3rver.log" 2>&1 &
  echo $! >"$dir/s3rver.pid"
  for _ in $(seq 50); do
    (exec 3<>/dev/tcp/127.0.0.1/$s3_port) 2>/dev/null && break
    sleep 0.1
  done
fi

echo "export BEETROOT_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$pg_port/postgres"
# s3rver's built-in account.
echo "export BEETROOT_TEST_S3_ENDPOINT=http://127.0.0.1:$s3_port BEETROOT_TEST_S3_KEY=S3RVER BEETROOT_TEST_S3_SECRET=S3RVER"
