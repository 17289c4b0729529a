#!/usr/bin/env bash
# The admin console in headless Chromium. Needs: the built `entitle` binary (first
# argument), Debian's `chromium`, a Python with requirements.txt (PYTHON, default python3).
# Screenshots go to CONSOLE_SCREENSHOTS (default: a temporary folder, removed after).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chromium="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$chromium" ] || { echo "chromium is needed (Debian: apt-get install chromium)" >&2; exit 1; }
"${PYTHON:-python3}" "$here/console_browser.py" "$1" "$chromium" "$work" "${CONSOLE_SCREENSHOTS:-$work/screenshots}"
