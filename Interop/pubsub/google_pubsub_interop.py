"""Entitle against Google's own Pub/Sub emulator.

`entitle emulator --pubsub-emulator-host` publishes Marketplace's notifications into Google's
Pub/Sub emulator; `entitle serve` pulls them from there (PUBSUB_EMULATOR_HOST, as Google's
clients read it) through a purchase to ACTIVE; Google's Python client `google-cloud-pubsub`
(gRPC, streaming pull) receives the same notifications on a second subscription.

Usage: google_pubsub_interop.py ENTITLE_BINARY PUBSUB_EMULATOR_HOST WORK_DIR
"""

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from interop_checks import check, checks, free_port  # noqa: E402

TOKEN = "pubsub-interop-admin-token-0123456789abcdef"
PROVIDER = "DEMO-entitle-sandbox"
TOPIC = f"projects/cloudcommerceproc-prod/topics/{PROVIDER}"
PROJECT = f"entitle-interop-{int(time.time())}"


def wait_for(what, probe, seconds=120):
    # Generous: Google's Pub/Sub emulator (a JVM) and entitle serve share a loaded CI machine, and
    # one run there took longer than 60 s to bring the purchase to ACTIVE.
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            value = probe()
            if value:
                return value
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    check(what, False, "(timed out)")


def main():
    entitle, pubsub_host, work = sys.argv[1], sys.argv[2], sys.argv[3]
    google = f"http://{pubsub_host}"
    emulator_port, entitle_port = free_port(), free_port()
    processes = []
    try:
        key = os.path.join(work, "key.json")
        emulator_log = open(os.path.join(work, "emulator.log"), "w")
        processes.append(subprocess.Popen(
            [entitle, "emulator", "--port", str(emulator_port), "--print-credentials", key,
             "--pubsub-emulator-host", pubsub_host, "--signup-url", f"http://127.0.0.1:{entitle_port}/signup"],
            stdout=emulator_log, stderr=subprocess.STDOUT))
        emulator = f"http://127.0.0.1:{emulator_port}"
        wait_for("the emulator wrote its service-account key", lambda: os.path.exists(key) and os.path.getsize(key) > 0)
        wait_for("the emulator made Marketplace's topic in Google's Pub/Sub",
                 lambda: requests.get(f"{google}/v1/{TOPIC}").status_code == 200)
        for name in ("entitle", "python"):
            created = requests.put(f"{google}/v1/projects/{PROJECT}/subscriptions/{name}", json={"topic": TOPIC, "ackDeadlineSeconds": 30})
            check(f"subscription {name} on Google's Pub/Sub", created.status_code == 200, created.text)

        # Google's Python client, gRPC streaming pull, beside Entitle.
        os.environ["PUBSUB_EMULATOR_HOST"] = pubsub_host
        from google.cloud import pubsub_v1
        subscriber = pubsub_v1.SubscriberClient()
        received = []

        def callback(message):
            received.append(json.loads(message.data))
            message.ack()
        future = subscriber.subscribe(f"projects/{PROJECT}/subscriptions/python", callback=callback)

        entitle_log = open(os.path.join(work, "entitle.log"), "w")
        env = dict(os.environ, ENTITLE_GOOGLE_BASE_URL=emulator, ENTITLE_GOOGLE_CREDENTIALS=key, ENTITLE_PROVIDER_ID=PROVIDER,
                   ENTITLE_SUBSCRIPTION=f"projects/{PROJECT}/subscriptions/entitle", ENTITLE_SIGNUP_AUDIENCES="localhost",
                   ENTITLE_ADMIN_TOKEN=TOKEN, ENTITLE_HTTP_PORT=str(entitle_port),
                   ENTITLE_STORE_URL=os.path.join(work, "store.sqlite"), PUBSUB_EMULATOR_HOST=pubsub_host)
        processes.append(subprocess.Popen([entitle, "serve"], env=env, stdout=entitle_log, stderr=subprocess.STDOUT))
        base = f"http://127.0.0.1:{entitle_port}"
        wait_for("entitle serve is ready, pulling from Google's Pub/Sub", lambda: requests.get(base + "/readyz").status_code == 200)
        banner = open(entitle_log.name).read()
        check("entitle serve says where its Pub/Sub is", f"Pub/Sub at http://{pubsub_host}/ (PUBSUB_EMULATOR_HOST)" in banner, banner[-2000:])

        purchase = requests.post(emulator + "/emulator/v1/purchases", json={"product": "example-messaging-service", "plan": "basic"}).json()
        page = requests.post(base + "/signup", data={"x-gcp-marketplace-token": purchase["signupToken"]})
        check("sign-up page", page.status_code == 200, page.text[:300])
        hidden = {name: re.search(f'name="{name}" value="([^"]*)"', page.text).group(1) for name in ("session", "csrf")}
        done = requests.post(base + "/signup/complete", allow_redirects=False, cookies={"entitle_signup": hidden["csrf"]},
                             data={**hidden, "company": "gRPC Ltd", "contactName": "G. Buyer", "email": "buyer@grpc.example.com"})
        check("signed up", done.status_code == 303, done.text[:300])
        admin = {"Authorization": f"Bearer {TOKEN}"}
        entitlement = purchase["entitlementId"]

        def state():
            detail = requests.get(f"{base}/api/admin/entitlements/{entitlement}", headers=admin)
            return detail.status_code == 200 and detail.json()["entitlement"]["resource"].get("state") == "ENTITLEMENT_ACTIVE"
        wait_for("the purchase is ACTIVE in Entitle, its notifications pulled from Google's Pub/Sub", state)
        at_google = requests.get(f"{emulator}/emulator/v1/state").json()
        check("and at Google", any(e.get("name", "").endswith(entitlement) and e.get("state") == "ENTITLEMENT_ACTIVE"
                                   for e in at_google["entitlements"]))
        def processed():
            events = requests.get(f"{base}/api/admin/events?subject=entitlements/{entitlement}", headers=admin).json()
            ids = {e["eventID"] for e in events if e.get("kind") == "event" and e.get("eventID")}
            # The order turns ACTIVE with Entitle's approval; ENTITLEMENT_ACTIVE comes a moment later.
            return ids if len(ids) >= 2 else None
        entitle_ids = wait_for("Entitle processed the entitlement's notifications (creation and activation)", processed)
        wait_for("google-cloud-pubsub (streaming pull) received the same notifications",
                 lambda: entitle_ids <= {m.get("eventId") for m in received})
        types = sorted({m.get("eventType") for m in received if m.get("entitlement", {}).get("id") == entitlement})
        check("among them creation and activation", {"ENTITLEMENT_CREATION_REQUESTED", "ENTITLEMENT_ACTIVE"} <= set(types), f"{types}")
        future.cancel()
        subscriber.close()
        print(f"Google's Pub/Sub: {len(received)} notifications by gRPC streaming pull, {len(entitle_ids)} of the entitlement "
              f"processed by entitle serve ({', '.join(types)})")
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    print(f"{len(checks)} Google Pub/Sub checks passed")


if __name__ == "__main__":
    main()
