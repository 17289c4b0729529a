#!/usr/bin/env bash
# Runs every `gcloud pubsub …` command of docs/deploy.md against Entitle's emulator (its Pub/Sub
# REST API, through CLOUDSDK_API_ENDPOINT_OVERRIDES_PUBSUB), so the commands a vendor copies are
# known to work. The guide's placeholders become the emulator's names: PROJECT_ID → vendor,
# PROVIDER_ID → the emulator's provider. Each command runs in order; the first failure stops it.
#   docs/check-gcloud-commands.sh PATH/TO/entitle
set -euo pipefail
cd "$(dirname "$0")/.."
entitle=${1:?usage: $0 PATH/TO/entitle}
command -v gcloud >/dev/null || { echo "gcloud is not installed (Google Cloud SDK)" >&2; exit 1; }

work=$(mktemp -d /tmp/entitle-gcloud-XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$entitle" emulator run --port "$port" --no-auth >"$work/emulator.log" 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null; rm -rf "$work"' EXIT
python3 - "$port" <<'EOF'
import socket, sys, time
deadline = time.time() + 30
while time.time() < deadline:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("the emulator did not start")
EOF

export CLOUDSDK_CONFIG="$work/gcloud"
export CLOUDSDK_API_ENDPOINT_OVERRIDES_PUBSUB="http://127.0.0.1:$port/"
export CLOUDSDK_CORE_DISABLE_PROMPTS=1
echo "emulator-token" >"$work/token"
export CLOUDSDK_AUTH_ACCESS_TOKEN_FILE="$work/token"

# The commands: lines of ```sh blocks starting with `gcloud pubsub`, continuations joined.
python3 - docs/deploy.md >"$work/commands" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
commands = []
for block in re.findall(r"```sh\n(.*?)```", text, re.S):
    for command in block.replace("\\\n", " ").splitlines():
        command = " ".join(command.split())
        if command.startswith("gcloud pubsub "):
            commands.append(command.replace("PROJECT_ID", "vendor").replace("PROVIDER_ID", "DEMO-entitle-sandbox"))
if not commands:
    sys.exit("no gcloud pubsub command found in " + sys.argv[1])
print("\n".join(commands))
EOF

count=0
while IFS= read -r line; do
    count=$((count + 1))
    echo "  \$ $line"
    if ! eval "$line" >"$work/out" 2>&1; then
        cat "$work/out" >&2
        echo "FAILED: $line" >&2
        exit 1
    fi
done <"$work/commands"
echo "    $count gcloud pubsub commands of docs/deploy.md ran against the emulator"
