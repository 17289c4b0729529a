#!/usr/bin/env bash
# Google's own Pub/Sub emulator beside Entitle's: the differential script
# (the built-in Pub/Sub vs Google's, step by step), then `entitle serve` pulling from Google's
# Pub/Sub fed by `entitle emulator --pubsub-emulator-host`, with google-cloud-pubsub (gRPC)
# receiving the same notifications. Needs: the built `entitle` binary (first argument), gcloud with
# the pubsub-emulator component (Java 17), a Python with requirements.txt (PYTHON, default python3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
entitle="$1"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    # The emulator's Java process is a child of gcloud's wrapper: stop it by its port too.
    [ -n "${google_port:-}" ] && pkill -f "host-port=127.0.0.1:$google_port" 2>/dev/null || true
    [ -n "${google_port:-}" ] && pkill -f "port=$google_port" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

google_port=$(free_port)
mkdir -p "$work/pubsub-data"
gcloud beta emulators pubsub start --host-port="127.0.0.1:$google_port" --project=entitle-interop \
    --data-dir="$work/pubsub-data" > "$work/google-pubsub.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do grep -q "Server started" "$work/google-pubsub.log" && break; sleep 0.5; done
grep -q "Server started" "$work/google-pubsub.log" || { echo "Google's Pub/Sub emulator did not start:"; cat "$work/google-pubsub.log"; exit 1; }

"$entitle" emulator --port 0 --no-auth > "$work/builtin.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q "listening on" "$work/builtin.log" && break; sleep 0.1; done
builtin="$(sed -n 's/^Marketplace emulator listening on \(.*\)$/\1/p' "$work/builtin.log")"
[ -n "$builtin" ] || { echo "entitle emulator did not start:"; cat "$work/builtin.log"; exit 1; }

"$python" "$here/pubsub_differential.py" "$builtin" "http://127.0.0.1:$google_port"
mkdir -p "$work/interop"
"$python" "$here/google_pubsub_interop.py" "$entitle" "127.0.0.1:$google_port" "$work/interop"
