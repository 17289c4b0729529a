# Sourced by the bench scripts: starts a throwaway PostgreSQL server (Debian's `postgresql`; as the
# postgres user when run as root) on a free loopback port, stopped and removed when the script
# exits. Sets `server` (a URL without a database) and defines `new_database NAME`, which creates
# NAME and prints its storeURL.
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

new_database() {
    as_postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -c "CREATE DATABASE $1" >/dev/null
    echo "$server/$1?sslmode=disable"
}
