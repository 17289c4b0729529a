"""The admin console in a real browser: headless Chromium over the DevTools protocol.

Signs in; buys a product on the buyer simulator and signs up (manual approval: the order waits);
the overview shows it waiting; approves it on its page; it shows ACTIVE and the emulator agrees; a
failed callback is sent again from its page; a forged CSRF token is refused; signs out, and the old
cookie, set back in the browser, is refused. Screenshots of the overview and the entitlement page
go to OUT_DIR.

Usage: console_browser.py ENTITLE_BINARY CHROMIUM WORK_DIR OUT_DIR
"""

import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from cdp import Tab, start_sandbox_and_chromium, stop  # noqa: E402
from interop_checks import check, checks, free_port  # noqa: E402

TOKEN = "console-browser-admin-token-0123456789abcdef"


def main():
    entitle, chromium, work, out = sys.argv[1:5]
    os.makedirs(out, exist_ok=True)
    http, emulator_port, debug, dead = free_port(), free_port(), free_port(), free_port()
    env = dict(ENTITLE_ADMIN_TOKEN=TOKEN, ENTITLE_HTTP_PORT=str(http), ENTITLE_SANDBOX_EMULATOR_PORT=str(emulator_port),
               ENTITLE_STORE_URL=os.path.join(work, "store.sqlite"), ENTITLE_ENTITLEMENT_POLICY="manual",
               ENTITLE_CALLBACK_URL=f"http://127.0.0.1:{dead}/callbacks", ENTITLE_CALLBACK_SECRET="console-browser-secret-0123456789abcdef")
    processes, log_path = start_sandbox_and_chromium(entitle, chromium, work, env, http, debug)
    base, emulator = f"http://127.0.0.1:{http}", f"http://127.0.0.1:{emulator_port}"
    try:
        banner = open(log_path).read()
        check("the sandbox banner prints the console's URL", f"admin console: {base}/admin" in banner, banner[-1500:])
        browser = Tab.first(debug)

        browser.go(base + "/admin")
        browser.wait_for("the console asks to sign in", "location.pathname === '/admin/sign-in' && !!document.querySelector('input[name=token]')")
        browser.js(f"document.querySelector('input[name=token]').value = {json.dumps(TOKEN)}; document.querySelector('form').submit()")
        browser.wait_for("signed in: the overview", "location.pathname === '/admin' && document.querySelector('h1').innerText === 'Overview'")
        check("the console links to the buyer simulator", browser.js("!!document.querySelector('.sandbox a[href$=\"/emulator\"]')"))

        browser.click(".sandbox a")
        browser.wait_for("the buyer simulator", "!!document.querySelector('form[action=\"/emulator/buy\"] button')")
        browser.click("form[action=\"/emulator/buy\"] button")
        browser.wait_for("handed to the sign-up page", "location.pathname === '/signup' && !!document.getElementById('company')")
        browser.js("document.getElementById('company').value = 'Console Ltd'; document.getElementById('contactName').value = 'Carla';"
                   "document.getElementById('email').value = 'carla@console.example.com'; document.querySelector('button[type=submit]').click()")
        browser.wait_for("signed up", "location.pathname === '/signup/done'")

        def overview_waiting():
            browser.go(base + "/admin")
            return browser.js("document.getElementById('waiting-approvals').innerText") == "1"
        deadline = time.time() + 20
        while not overview_waiting() and time.time() < deadline:
            time.sleep(0.5)
        check("the order shows as waiting on the overview", browser.js("document.getElementById('waiting-approvals').innerText") == "1")
        check("the overview draws its charts as SVG", browser.js("document.querySelectorAll('figure svg').length") >= 4)
        browser.screenshot(os.path.join(out, "console-overview.png"))

        browser.click("table a[href^='/admin/entitlements/']")
        browser.wait_for("the entitlement's page", "!!document.getElementById('approve')")
        entitlement = browser.js("location.pathname.split('/').pop()")
        # A forged CSRF token: the form's hidden field changed before it is sent.
        browser.js("const f = document.getElementById('approve').form; f.querySelector('input[name=csrf]').value = 'forged'; f.submit()")
        browser.wait_for("a forged CSRF token is refused", "document.body.innerText.includes('CSRF')")
        state = json.load(urllib.request.urlopen(f"{emulator}/emulator/v1/state"))
        check("and nothing was approved", any(e["name"].endswith(entitlement) and e["state"] == "ENTITLEMENT_ACTIVATION_REQUESTED"
                                               for e in state["entitlements"]))
        browser.go(f"{base}/admin/entitlements/{entitlement}")
        browser.click("#approve")
        browser.wait_for("approved: the console says so", "!!document.querySelector('.notice')")
        deadline = time.time() + 20
        while browser.js("document.getElementById('state').innerText") != "ACTIVE" and time.time() < deadline:
            time.sleep(0.5)
            browser.go(f"{base}/admin/entitlements/{entitlement}")
        check("the entitlement shows ACTIVE", browser.js("document.getElementById('state').innerText") == "ACTIVE")
        state = json.load(urllib.request.urlopen(f"{emulator}/emulator/v1/state"))
        check("and the emulator agrees", any(e["name"].endswith(entitlement) and e["state"] == "ENTITLEMENT_ACTIVE" for e in state["entitlements"]))
        browser.screenshot(os.path.join(out, "console-entitlement.png"))

        deadline = time.time() + 40
        while time.time() < deadline:
            browser.go(base + "/admin/callbacks")
            if browser.js("[...document.querySelectorAll('tr')].some(r => /connection|refused|HTTP/i.test(r.innerText))"):
                break
            time.sleep(1)
        check("a callback failed (nothing listens at the callback URL)",
              browser.js("[...document.querySelectorAll('tr')].some(r => /connection|refused|HTTP/i.test(r.innerText))"))
        browser.click("button.replay")
        browser.wait_for("the callback is sent again", "(document.querySelector('.notice') || {}).innerText?.includes('will be sent again')")

        cookies = browser.call("Network.getCookies", urls=[base + "/admin"])["cookies"]
        old = next(c for c in cookies if c["name"] == "entitle_console")
        browser.go(base + "/admin")
        browser.js("document.querySelector('header form').submit()")
        browser.wait_for("signed out", "location.pathname === '/admin/sign-in'")
        browser.call("Network.setCookie", name=old["name"], value=old["value"], url=base + "/admin", httpOnly=True, sameSite="Strict")
        browser.go(base + "/admin")
        check("the old cookie is refused after sign-out", browser.js("location.pathname") == "/admin/sign-in", browser.js("location.href"))
        print(f"screenshots: {os.path.join(out, 'console-overview.png')}, {os.path.join(out, 'console-entitlement.png')}")
    finally:
        stop(processes)
    print(f"{len(checks)} console browser checks passed")


if __name__ == "__main__":
    main()
