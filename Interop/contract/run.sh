#!/usr/bin/env bash
# Entitle against its own OpenAPI contract (seeded answers + schemathesis). Needs the built `entitle`
# binary (first argument) and a Python with requirements.txt installed (PYTHON, default python3).
# MAX_EXAMPLES bounds schemathesis's examples per operation and phase (default 50).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"${PYTHON:-python3}" "$here/contract_check.py" "$1" "$work" "${MAX_EXAMPLES:-50}"
