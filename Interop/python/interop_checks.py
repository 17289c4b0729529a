"""What both interop scripts share: a named check that stops the run on failure, and the
emulator's control API."""

import json
import sys
import urllib.request

checks = []


def check(name, condition, detail=""):
    if not condition:
        print(f"FAILED: {name} {detail}", file=sys.stderr)
        sys.exit(1)
    checks.append(name)
    print(f"ok - {name}")


def control(base, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method="POST" if data is not None else "GET",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)
