"""Sign-up and hand-off codes work only in the browser that came from Marketplace.

Two browsers (Chromium browser contexts): an attacker's and a victim's, who is logged in to the
vendor's app. Entitle runs in redirect mode against its emulator; the vendor's app is a small
server here that does what docs/integrating.md asks (shows what it links, asks, sends the browser
on; hands off with a verifier kept in its own session).

1. The attacker buys, stops at the vendor's sign-up page and sends its URL to the victim: the
   victim's confirmation links nothing (Entitle refuses the continuation in the victim's browser),
   and the attacker coming back from Marketplace is not handed the victim's tenant.
2. The attacker signs up in their own browser: linked, and handed to the app as their own tenant
   and person (the ordinary flow works in one browser).
3. The attacker's hand-off code, and the attacker's link to ask for one, opened in the victim's
   browser: nobody is signed in to the attacker's tenant.

Usage: signup_binding_browser.py ENTITLE_BINARY CHROMIUM WORK_DIR
"""

import base64
import hashlib
import html
import http.server
import json
import os
import secrets
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from cdp import Tab, start_sandbox_and_chromium, stop  # noqa: E402
from interop_checks import check, checks, control, free_port  # noqa: E402

APP_KEY = "vendor-app-key-0123456789abcdef0123"
ADMIN = "signup-binding-admin-token-0123456789"


class Vendor:
    """The vendor's app: its users' sessions (cookie `vendor`), its sign-up page and its landing."""

    def __init__(self, entitle):
        self.entitle = entitle
        self.sessions = {}
        self.log = []

    def api(self, method, path, body=None, token=APP_KEY):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.entitle + path, data=data, method=method,
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def handler(vendor):
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def session(self):
                cookie = self.headers.get("Cookie", "")
                sid = dict(p.strip().split("=", 1) for p in cookie.split(";") if "=" in p).get("vendor")
                if sid not in vendor.sessions:
                    sid = secrets.token_hex(16)
                    vendor.sessions[sid] = {}
                return sid, vendor.sessions[sid]

            def answer(self, status, body="", location=None, sid=None):
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                if sid:
                    self.send_header("Set-Cookie", f"vendor={sid}; Path=/; HttpOnly; SameSite=Lax")
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(f"<!doctype html><title>vendor</title><body>{body}</body>".encode())

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                sid, session = self.session()
                if url.path == "/login":
                    session.update(user=query["user"], tenant=query["tenant"])
                    return self.answer(200, f"<p id=user>logged in as {query['user']}</p>", sid=sid)
                if url.path == "/signup":
                    if "tenant" not in session:
                        return self.answer(200, "<p id=login>Log in to link your Marketplace account.</p>", sid=sid)
                    status, pending = vendor.api("GET", f"/v1/signups/{query.get('code', '')}")
                    if status != 200:
                        return self.answer(status, f"<p id=problem>{html.escape(pending.get('error', ''))}</p>", sid=sid)
                    account = html.escape(pending["account"]["id"])
                    return self.answer(200, f"<p id=linking>Link Marketplace account <b id=account>{account}</b> to "
                                            f"{html.escape(session['tenant'])}?</p><form method=post action=/signup/confirm>"
                                            f"<input type=hidden name=code value='{html.escape(query['code'])}'>"
                                            "<button id=confirm>Link</button></form>", sid=sid)
                if url.path == "/app":
                    if "code" not in query:
                        session["verifier"] = secrets.token_urlsafe(32)
                        digest = hashlib.sha256(session["verifier"].encode()).digest()
                        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                        return self.answer(303, location=f"{vendor.entitle}/signup/handoff?challenge={challenge}", sid=sid)
                    verifier = session.pop("verifier", secrets.token_urlsafe(32))
                    status, handoff = vendor.api("POST", f"/v1/handoffs/{query['code']}", {"verifier": verifier})
                    vendor.log.append(("handoff", status, session.get("user")))
                    if status != 200:
                        return self.answer(403, f"<p id=refused>hand-off refused ({status})</p>", sid=sid)
                    session["signed_in"] = handoff["customer"]["id"]
                    person = html.escape((handoff.get("user") or {}).get("identity") or "")
                    return self.answer(200, f"<p id=signed-in>signed in to <b id=tenant>{html.escape(handoff['customer']['id'])}"
                                            f"</b> as <b id=person>{person}</b></p>", sid=sid)
                return self.answer(404, "not found", sid=sid)

            def do_POST(self):
                sid, session = self.session()
                length = int(self.headers.get("Content-Length", "0"))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                if self.path != "/signup/confirm" or "tenant" not in session:
                    return self.answer(403, "no", sid=sid)
                status, proposed = vendor.api("POST", f"/v1/signups/{form['code']}/complete",
                                              {"customerId": session["tenant"], "company": session["tenant"]})
                vendor.log.append(("proposed", status, session["user"]))
                if status != 202:
                    return self.answer(status, f"<p id=problem>{html.escape(proposed.get('error', ''))}</p>", sid=sid)
                return self.answer(303, location=proposed["continueURL"], sid=sid)
        return Handler


def arrive(tab, emulator, account):
    """The buyer clicks through from Marketplace: the emulator's page POSTs a fresh token to Entitle."""
    tab.go(f"{emulator}/emulator")
    tab.js(f"const f = document.createElement('form'); f.method = 'post'; "
           f"f.action = '/emulator/accounts/{account}/signup'; document.body.append(f); f.submit()")


def main():
    entitle_binary, chromium, work = sys.argv[1:4]
    http_port, emulator_port, vendor_port, debug = free_port(), free_port(), free_port(), free_port()
    entitle, emulator = f"http://127.0.0.1:{http_port}", f"http://127.0.0.1:{emulator_port}"
    vendor_base = f"http://localhost:{vendor_port}"
    vendor = Vendor(entitle)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", vendor_port), vendor.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(ENTITLE_ADMIN_TOKEN=ADMIN, ENTITLE_HTTP_PORT=str(http_port),
               ENTITLE_SANDBOX_EMULATOR_PORT=str(emulator_port), ENTITLE_STORE_URL=os.path.join(work, "store.sqlite"),
               ENTITLE_SIGNUP_MODE="redirect", ENTITLE_SIGNUP_URL=f"{vendor_base}/signup",
               ENTITLE_APP_URL=f"{vendor_base}/app", ENTITLE_USAGE_API_KEY=APP_KEY)
    processes, _ = start_sandbox_and_chromium(entitle_binary, chromium, work, env, http_port, debug)
    try:
        def linked(account):
            status, detail = vendor.api("GET", f"/api/admin/accounts/{account}", token=ADMIN)
            return (detail.get("customer") or {}).get("id") if status == 200 else None

        def approval(account):
            state = control(emulator, "/emulator/v1/state")
            found = next(a for a in state["accounts"] if a["name"].endswith("/" + account))
            return (found.get("approvals") or [{}])[0].get("state")

        attacker, victim = Tab.in_new_context(debug), Tab.in_new_context(debug)
        victim.go(f"{vendor_base}/login?user=victim&tenant=victim-tenant")
        purchase = control(emulator, "/emulator/v1/purchases", {"product": "example-messaging-service", "plan": "basic"})
        account = purchase["accountId"]

        # 1. The attacker's redirect-mode code, opened by the victim.
        arrive(attacker, emulator, account)
        attacker.wait_for("the attacker reaches the vendor's page", "!!document.getElementById('login')")
        stolen = attacker.js("location.href")
        check("the vendor's page carries a sign-up code", "code=" in stolen, stolen)
        victim.go(stolen)
        victim.wait_for("the victim's vendor page shows what it would link", "!!document.getElementById('linking')")
        check("it names the attacker's Marketplace account", victim.js("document.getElementById('account').innerText") == account)
        victim.click("#confirm")
        victim.wait_for("Entitle refuses the continuation in the victim's browser",
                        "location.pathname === '/signup/continue' && document.body.innerText.includes('browser you came from Marketplace')")
        check("the vendor asked for the link (202)", ("proposed", 202, "victim") in vendor.log, str(vendor.log))
        check("nothing is linked at Entitle", linked(account) is None)
        check("Google's sign-up approval is still pending", approval(account) == "PENDING", approval(account))
        arrive(attacker, emulator, account)
        attacker.wait_for("the attacker, back from Marketplace, gets a new sign-up page", "!!document.getElementById('login')")
        check("and is handed nobody's tenant", linked(account) is None and "victim" not in attacker.text())

        # 2. The ordinary flow in one browser: the attacker links their own tenant.
        attacker.go(f"{vendor_base}/login?user=mallory&tenant=attacker-tenant")
        arrive(attacker, emulator, account)
        attacker.wait_for("the vendor's page asks to link", "!!document.getElementById('linking')")
        attacker.click("#confirm")
        attacker.wait_for("linked and handed to the app", "!!document.getElementById('signed-in')", timeout=30)
        check("signed in to the attacker's own tenant", attacker.js("document.getElementById('tenant').innerText") == "attacker-tenant")
        check("as the person the token named", attacker.js("document.getElementById('person').innerText") == f"user-{account}")
        check("linked at Entitle", linked(account) == "attacker-tenant")
        check("approved at Google", approval(account) == "APPROVED", approval(account))

        # 3. The attacker's hand-off code (stopped at the redirect to the app) in the victim's browser.
        attacker.call("Fetch.enable", patterns=[{"urlPattern": f"{vendor_base}/app?code=*", "requestStage": "Request"}])
        attacker.send("Page.navigate", url=f"{vendor_base}/app")
        paused = attacker.wait_event("Fetch.requestPaused")
        check("the attacker's browser is given a hand-off code", paused is not None)
        code_url = paused["params"]["request"]["url"]
        attacker.call("Fetch.failRequest", requestId=paused["params"]["requestId"], errorReason="Aborted")
        attacker.call("Fetch.disable")
        victim.go(code_url)
        victim.wait_for("the victim's app refuses the attacker's code", "!!document.getElementById('refused')")
        check("Entitle refused it: the verifier is the victim's session's, not the attacker's",
              ("handoff", 403, "victim") in vendor.log, str(vendor.log))
        victim.go(f"{vendor_base}/app")
        victim.wait_for("asked for a hand-off, the victim's browser gets none",
                        "location.pathname === '/signup/handoff' && document.body.innerText.includes('browser you came from Marketplace')")
        check("the victim was never signed in to the attacker's tenant",
              all(s.get("signed_in") != "attacker-tenant" for s in vendor.sessions.values() if s.get("user") == "victim"))
    finally:
        server.shutdown()
        stop(processes)
    print(f"{len(checks)} sign-up binding browser checks passed")


if __name__ == "__main__":
    main()
