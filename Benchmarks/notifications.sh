#!/usr/bin/env bash
# Notifications per second end to end (`entitle bench notifications`): SQLite pulled and pushed,
# then PostgreSQL with one and with three replicas, in one run on this machine. PostgreSQL is a throwaway server started
# here (Debian's `postgresql`; as the postgres user when run as root), each run on a new database.
#   Benchmarks/notifications.sh [debug|release] [PURCHASES]
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=${1:-release}
purchases=${2:-2000}
swift build -c "$configuration" --product entitle >/dev/null
entitle=".build/$configuration/entitle"

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
dir=$(mktemp -d /tmp/entitle-bench-pg-XXXXXX)
chmod 755 "$dir"
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; else sudo chown postgres:postgres "$dir"; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300" -w start >/dev/null
trap 'as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$dir"' EXIT
server="postgres://postgres@127.0.0.1:$port"

"$entitle" bench notifications --purchases "$purchases"
"$entitle" bench notifications --purchases "$purchases" --push
for replicas in 1 3; do
    database="bench_${replicas}_$$"
    as_postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -c "CREATE DATABASE $database" >/dev/null
    "$entitle" bench notifications --purchases "$purchases" --replicas "$replicas" --store "$server/$database?sslmode=disable"
done
