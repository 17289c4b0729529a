#!/usr/bin/env bash
# The sandbox journey in a real browser: headless Chromium buys a plan on the
# emulator's buyer page, is handed to Entitle's sign-up page by that page's auto-submitting POST,
# signs up, and the admin API then shows the entitlement ACTIVE.
# Needs: the built `entitle` binary (first argument), Debian's `chromium`, and a Python with
# websocket-client (PYTHON, default python3). Uses ports 8080, 8085 and 9222 on loopback.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
entitle="$1"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
cd "$work"
ENTITLE_ADMIN_TOKEN=browser-check-admin-token-5f0c1e "$entitle" > entitle.log 2>&1 &
server=$!
chromium --headless=new --no-sandbox --remote-debugging-port=9222 --user-data-dir="$work/profile" about:blank > chromium.log 2>&1 &
browser=$!
trap 'kill $server $browser 2>/dev/null || true; wait $server $browser 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
    grep -q "sandbox mode" entitle.log 2>/dev/null && curl -sf http://127.0.0.1:8085/emulator >/dev/null \
        && curl -sf http://127.0.0.1:9222/json >/dev/null && break
    sleep 0.1
done
"$python" "$here/sandbox_browser_check.py"
