#!/usr/bin/env bash
# Usage records per second through POST /v1/usage (`entitle bench usage-intake`), in batches of 1,
# 100 and 1,000: SQLite, then PostgreSQL on a new database of a throwaway server
# (`throwaway-postgres.sh`). Load comes from wrk when it is installed (`apt-get install wrk`).
#   Benchmarks/usage-intake.sh [debug|release] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=${1:-release}
seconds=${2:-10}
swift build -c "$configuration" --product entitle >/dev/null
entitle=".build/$configuration/entitle"
source Benchmarks/throwaway-postgres.sh

"$entitle" bench usage-intake --seconds "$seconds"
"$entitle" bench usage-intake --seconds "$seconds" --store "$(new_database "intake_$$")"
