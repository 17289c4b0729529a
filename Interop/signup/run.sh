#!/usr/bin/env bash
# Sign-up codes bound to the browser, in headless Chromium with two browsers (an attacker's and a
# victim's). Needs: the built `entitle` binary (first argument), Debian's `chromium`, a Python with
# requirements.txt (PYTHON, default python3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chromium="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$chromium" ] || { echo "chromium is needed (Debian: apt-get install chromium)" >&2; exit 1; }
"${PYTHON:-python3}" "$here/signup_binding_browser.py" "$1" "$chromium" "$work"
