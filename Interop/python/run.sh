#!/usr/bin/env bash
# Runs Google's Python clients against the emulator binary. Needs: the built `entitle` binary
# (first argument) and a Python with requirements.txt installed (PYTHON, default python3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
entitle="$1"
python="${PYTHON:-python3}"
# Google's Procurement discovery document (revision 20251012), copied verbatim into discovery/, so
# the check needs nothing outside the repository.
discovery="${DISCOVERY:-$here/discovery/cloudcommerceprocurement.v1.json}"
work="$(mktemp -d)"
"$entitle" emulator --port 0 --print-credentials "$work/key.json" > "$work/emulator.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
    grep -q "listening on" "$work/emulator.log" 2>/dev/null && [ -s "$work/key.json" ] && break
    sleep 0.1
done
base="$(sed -n 's/^Marketplace emulator listening on \(.*\)$/\1/p' "$work/emulator.log")"
[ -n "$base" ] || { echo "emulator did not start:"; cat "$work/emulator.log"; exit 1; }
"$python" "$here/procurement_interop.py" "$base" "$work/key.json" "$discovery" "DEMO-entitle-sandbox" "$entitle"
"$python" "$here/fidelity_interop.py" "$base" "$work/key.json" "$discovery" "DEMO-entitle-sandbox"
"$python" "$here/wider_interop.py" "$base" "$work/key.json" "$here/discovery" "DEMO-entitle-sandbox"
