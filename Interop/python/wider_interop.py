"""Service Control, push tokens, unknown fields, `fields=` and ordering keys, with Google's own
Python clients:

- Service Control `services.check` and `services.report`, built from Google's discovery document.
- A push subscription's OIDC token, verified with `google.oauth2.id_token` against the emulator's keys.
- Closer to Google: an unknown field is 400 "Unknown name …" with a BadRequest detail; every
  error carries an ErrorInfo (reason, domain); `fields=` partial responses; `orderingKey` kept.

Usage: wider_interop.py BASE_URL KEY_FILE DISCOVERY_DIR PROVIDER
"""

import base64
import http.server
import json
import sys
import threading
import time
import uuid

from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2 import id_token, service_account
from googleapiclient import discovery
from googleapiclient.errors import HttpError
from interop_checks import check, checks, control

SCOPE = "https://www.googleapis.com/auth/cloud-platform"


def build(base, discovery_dir, name, credentials):
    with open(f"{discovery_dir}/{name}.v1.json") as handle:
        document = json.load(handle)
    document["rootUrl"] = base
    return discovery.build_from_document(document, credentials=credentials)


class PushReceiver(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        PushReceiver.received.append((self.headers.get("Authorization", ""), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def error_body(error):
    return json.loads(error.content)["error"]


def main():
    base, key_file, discovery_dir, provider = sys.argv[1:5]
    credentials = service_account.Credentials.from_service_account_file(key_file, scopes=[SCOPE])
    procurement = build(base, discovery_dir, "cloudcommerceprocurement", credentials).providers()
    servicecontrol = build(base, discovery_dir, "servicecontrol", credentials).services()
    parent = f"providers/{provider}"

    # Service Control through its discovery document: an approved entitlement's usage.
    purchase = control(base, "emulator/v1/purchases", {"product": "example-messaging-service", "plan": "basic"})
    procurement.accounts().approve(name=f"{parent}/accounts/{purchase['accountId']}", body={"approvalName": "signup"}).execute()
    name = f"{parent}/entitlements/{purchase['entitlementId']}"
    procurement.entitlements().approve(name=name, body={}).execute()
    entitlement = procurement.entitlements().get(name=name).execute()
    check("the entitlement is ACTIVE", entitlement["state"] == "ENTITLEMENT_ACTIVE", str(entitlement))
    service = entitlement["productExternalName"]
    now = time.time()
    stamp = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    operation = {
        "operationId": str(uuid.uuid4()), "operationName": "entitle-interop", "consumerId": entitlement["usageReportingId"],
        "startTime": stamp(now - 3600), "endTime": stamp(now - 60),
        "metricValueSets": [{"metricName": f"{service}/requests", "metricValues": [{"int64Value": "7"}]}],
    }
    checked = servicecontrol.check(serviceName=service, body={"operation": operation}).execute()
    check("services.check (discovery document) passes an ACTIVE entitlement's usage", not checked.get("checkErrors"), str(checked))
    reported = servicecontrol.report(serviceName=service, body={"operations": [operation]}).execute()
    check("services.report (discovery document) takes it", not reported.get("reportErrors"), str(reported))
    ledger = control(base, "emulator/v1/usage-reports")
    check("the emulator recorded the reported value", "7" in json.dumps(ledger), json.dumps(ledger)[:500])

    # Unknown fields, ErrorInfo, fields=, through Google's client.
    try:
        procurement.entitlements().reject(name=name, body={"reason": "x", "resaon": "typo"}).execute()
        check("an unknown field is refused", False)
    except HttpError as error:
        body = error_body(error)
        check("an unknown field is 400 Unknown name, as Google answers",
              error.resp.status == 400 and 'Unknown name "resaon"' in body["message"], str(body))
        types = [detail.get("@type") for detail in body.get("details", [])]
        check("with a BadRequest and an ErrorInfo detail", "type.googleapis.com/google.rpc.BadRequest" in types
              and "type.googleapis.com/google.rpc.ErrorInfo" in types, str(types))
    try:
        procurement.entitlements().get(name=f"{parent}/entitlements/missing").execute()
        check("a missing entitlement is refused", False)
    except HttpError as error:
        info = [d for d in error_body(error).get("details", []) if d.get("@type", "").endswith("ErrorInfo")]
        check("a 404's ErrorInfo names the reason, the domain and the service", info and info[0]["reason"] == "NOT_FOUND"
              and info[0]["domain"] == "googleapis.com" and info[0]["metadata"]["service"] == "cloudcommerceprocurement.googleapis.com",
              str(info))
    partial = procurement.entitlements().list(parent=parent, fields="entitlements(name,state)").execute()
    members = {key for e in partial["entitlements"] for key in e}
    check("fields= keeps only the members asked for", members == {"name", "state"} and "nextPageToken" not in partial, str(members))

    # The rest of item 4 through Google's clients: AIP-160 precedence, int64Value as a JSON number.
    waiting = control(base, "emulator/v1/purchases", {"product": "example-messaging-service", "plan": "standard"})
    listed = procurement.entitlements().list(parent=parent, filter="plan=standard OR plan=basic AND state=active").execute()
    names = [e["name"] for e in listed.get("entitlements", [])]
    # Read the other way, plan=standard OR (plan=basic AND state=active), the waiting order would be listed.
    check("AIP-160: OR binds tighter than AND ((standard OR basic) AND active)",
          name in names and f"{parent}/entitlements/{waiting['entitlementId']}" not in names
          and all(e["state"] == "ENTITLEMENT_ACTIVE" for e in listed["entitlements"]), str(names))
    numeric = dict(operation, operationId=str(uuid.uuid4()),
                   metricValueSets=[{"metricName": f"{service}/requests", "metricValues": [{"int64Value": 9007199254740993}]}])
    reported = servicecontrol.report(serviceName=service, body={"operations": [numeric]}).execute()
    check("int64Value as a JSON number (proto3 JSON) is taken exactly", not reported.get("reportErrors")
          and "9007199254740993" in json.dumps(control(base, "emulator/v1/usage-reports")), str(reported))

    # Pub/Sub administration as Google's REST clients send it (google-auth's AuthorizedSession).
    session = AuthorizedSession(credentials)
    session.put(f"{base}v1/projects/interop/topics/admin-topic", json={})
    created = session.put(f"{base}v1/projects/interop/subscriptions/admin-sub", json={"topic": "projects/interop/topics/admin-topic"}).json()
    check("a subscription is ACTIVE, keeps messages 7 days, pushConfig {}", created.get("state") == "ACTIVE"
          and created.get("messageRetentionDuration") == "604800s" and created.get("pushConfig") == {}, str(created))
    check("topics.list", "projects/interop/topics/admin-topic" in json.dumps(session.get(f"{base}v1/projects/interop/topics").json()))
    check("subscriptions.list", "projects/interop/subscriptions/admin-sub" in json.dumps(session.get(f"{base}v1/projects/interop/subscriptions").json()))
    check("topics.subscriptions.list", session.get(f"{base}v1/projects/interop/topics/admin-topic/subscriptions").json()
          == {"subscriptions": ["projects/interop/subscriptions/admin-sub"]})
    patched = session.patch(f"{base}v1/projects/interop/subscriptions/admin-sub",
                            json={"subscription": {"ackDeadlineSeconds": 30}, "updateMask": "ackDeadlineSeconds"}).json()
    check("subscriptions.patch with an updateMask", patched.get("ackDeadlineSeconds") == 30, str(patched))
    malformed = session.post(f"{base}v1/projects/interop/subscriptions/admin-sub:acknowledge", json={"ackIds": ["garbage"]})
    check("a malformed ack id is 400 INVALID_ARGUMENT", malformed.status_code == 400 and "INVALID_ARGUMENT" in malformed.text, malformed.text)
    check("topics.delete", session.delete(f"{base}v1/projects/interop/topics/admin-topic").status_code == 200
          and session.get(f"{base}v1/projects/interop/topics/admin-topic").status_code == 404)

    # Pub/Sub: orderingKey kept; a push's OIDC token verified by google-auth.
    topic, sub = "projects/interop/topics/ordered", "projects/interop/subscriptions/ordered"
    session.put(f"{base}v1/{topic}", json={})
    session.put(f"{base}v1/{sub}", json={"topic": topic, "enableMessageOrdering": True})
    session.post(f"{base}v1/{topic}:publish", json={"messages": [{"data": base64.b64encode(b"x").decode(), "orderingKey": "customer-1"}]})
    pulled = session.post(f"{base}v1/{sub}:pull", json={"maxMessages": 1}).json()
    check("orderingKey is kept from publish to pull",
          pulled["receivedMessages"][0]["message"].get("orderingKey") == "customer-1", str(pulled))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PushReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}/push"
    audience = "https://vendor.example.com/pubsub/push"
    email = credentials.service_account_email
    pushed = session.put(f"{base}v1/projects/interop/subscriptions/pushed", json={
        "topic": topic, "pushConfig": {"pushEndpoint": endpoint, "oidcToken": {"serviceAccountEmail": email, "audience": audience}}})
    check("a push subscription with an OIDC token", pushed.status_code == 200, pushed.text)
    session.post(f"{base}v1/{topic}:publish", json={"messages": [{"data": base64.b64encode(b"pushed").decode()}]})
    deadline = time.time() + 10
    while not PushReceiver.received and time.time() < deadline:
        time.sleep(0.05)
    check("the push arrived with a bearer token", PushReceiver.received and PushReceiver.received[0][0].startswith("Bearer "))
    token = PushReceiver.received[0][0].removeprefix("Bearer ")
    claims = id_token.verify_token(token, Request(), audience=audience, certs_url=f"{base}oauth2/v1/certs")
    check("google.oauth2.id_token verifies it against the emulator's Google certs (audience, email, issuer)",
          claims["aud"] == audience and claims["email"] == email and claims.get("email_verified") is True
          and claims["iss"] in ("https://accounts.google.com", "accounts.google.com"), str(claims))
    try:
        id_token.verify_token(token, Request(), audience="https://other.example.com/", certs_url=f"{base}oauth2/v1/certs")
        check("a token for another audience is refused", False)
    except ValueError:
        check("a token for another audience is refused", True)
    server.shutdown()
    print(f"{len(checks)} wider interop checks passed")


if __name__ == "__main__":
    main()
