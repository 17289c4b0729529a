"""A real browser (headless Chromium over the DevTools protocol) buys on the emulator's buyer page,
is handed to Entitle's sign-up page by the page's auto-submitting POST, fills in the form, and
the admin API then shows the entitlement ACTIVE."""
import json, time, urllib.request
import websocket

targets = json.load(urllib.request.urlopen("http://127.0.0.1:9222/json"))
page = next(t for t in targets if t["type"] == "page")
ws = websocket.create_connection(page["webSocketDebuggerUrl"], suppress_origin=True)
counter = 0
def call(method, **params):
    global counter
    counter += 1
    ws.send(json.dumps({"id": counter, "method": method, "params": params}))
    while True:
        reply = json.loads(ws.recv())
        if reply.get("id") == counter:
            return reply.get("result", {})
def js(expression):
    return call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")
def wait_for(expression, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = js(expression)
        if value:
            return value
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {expression}; at {js('location.href')}: {js('document.body && document.body.innerText.slice(0, 300)')}")

call("Page.enable")
call("Page.navigate", url="http://127.0.0.1:8085/emulator")
wait_for("document.querySelector('form[action=\"/emulator/buy\"] button') !== null")
print("buyer page:", js("document.title"))
js("document.querySelector('form[action=\"/emulator/buy\"] button').click()")
wait_for("location.href.startsWith('http://127.0.0.1:8080/signup') && document.getElementById('company') !== null")
print("handed to the sign-up page:", js("location.href"), "-", js("document.querySelector('h1').innerText"))
js("document.getElementById('company').value = 'Browser Ltd'; document.getElementById('contactName').value = 'Brenda'; document.getElementById('email').value = 'brenda@browser.example.com'; document.querySelector('button[type=submit]').click()")
wait_for("location.href.endsWith('/signup/done')")
print("after sign-up:", js("location.href"), "-", js("document.querySelector('h1').innerText"))
time.sleep(1.5)
request = urllib.request.Request("http://127.0.0.1:8080/api/admin/entitlements", headers={"Authorization": "Bearer browser-check-admin-token-5f0c1e"})
entitlements = json.load(urllib.request.urlopen(request))["entitlements"]
states = [e["resource"]["state"] for e in entitlements]
print("admin API:", states)
assert states == ["ENTITLEMENT_ACTIVE"], states
print("browser check passed")
