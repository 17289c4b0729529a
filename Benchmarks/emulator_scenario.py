"""Times a scripted 1,000-purchase scenario against a running emulator (measured, not asserted).

Each purchase: buy → approve the account's signup → approve the entitlement → request a plan
change → approve it; then every notification is pulled and acked. One keep-alive connection, as a
single client would use. Run: `python3 Benchmarks/emulator_scenario.py BASE_URL [PURCHASES]`
against `entitle emulator --no-auth`.
"""

import base64
import http.client
import json
import sys
import time
import urllib.parse

base = urllib.parse.urlparse(sys.argv[1])
purchases = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
connection = http.client.HTTPConnection(base.hostname, base.port)
calls = 0


def call(method, path, body=None):
    global calls
    calls += 1
    connection.request(method, "/" + path, body=None if body is None else json.dumps(body),
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
    return json.loads(data or b"{}")


provider = "DEMO-entitle-sandbox"
subscription = "v1/projects/bench/subscriptions/marketplace"
call("PUT", subscription, {"topic": f"projects/cloudcommerceproc-prod/topics/{provider}", "ackDeadlineSeconds": 60})
started = time.perf_counter()
for index in range(purchases):
    bought = call("POST", "emulator/v1/purchases", {"product": "example-messaging-service", "plan": "basic"})
    call("POST", f"v1/providers/{provider}/accounts/{bought['accountId']}:approve", {"approvalName": "signup"})
    entitlement = f"v1/providers/{provider}/entitlements/{bought['entitlementId']}"
    call("POST", f"{entitlement}:approve", {})
    call("POST", f"emulator/v1/entitlements/{bought['entitlementId']}/change-plan", {"plan": "standard"})
    call("POST", f"{entitlement}:approvePlanChange", {"pendingPlanName": "standard"})
scripted = time.perf_counter() - started
events = 0
while True:
    pulled = call("POST", f"{subscription}:pull", {"maxMessages": 1000, "returnImmediately": True}).get("receivedMessages", [])
    if not pulled:
        break
    events += len(pulled)
    for message in pulled:
        json.loads(base64.b64decode(message["message"]["data"]))
    call("POST", f"{subscription}:acknowledge", {"ackIds": [m["ackId"] for m in pulled]})
total = time.perf_counter() - started
listed = call("GET", f"v1/providers/{provider}/entitlements?filter=state%3Dactive&pageSize=1000")
print(f"{purchases} purchases: scripted part {scripted:.2f} s, with draining {events} notifications {total:.2f} s; "
      f"{calls} HTTP calls ({calls / total:.0f}/s); {len(listed.get('entitlements', []))} entitlements ACTIVE")
