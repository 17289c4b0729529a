#!/usr/bin/env bash
# Notifications per second end to end (`entitle bench notifications`): SQLite pulled and pushed,
# then PostgreSQL with one and with three replicas, in one run on this machine, each PostgreSQL run
# on a new database of a throwaway server (`throwaway-postgres.sh`).
#   Benchmarks/notifications.sh [debug|release] [PURCHASES]
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=${1:-release}
purchases=${2:-2000}
swift build -c "$configuration" --product entitle >/dev/null
entitle=".build/$configuration/entitle"
source Benchmarks/throwaway-postgres.sh

"$entitle" bench notifications --purchases "$purchases"
"$entitle" bench notifications --purchases "$purchases" --push
for replicas in 1 3; do
    "$entitle" bench notifications --purchases "$purchases" --replicas "$replicas" \
        --store "$(new_database "bench_${replicas}_$$")"
done
