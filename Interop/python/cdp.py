"""Headless Chromium over the DevTools protocol: a tab to drive, in the default profile or in a
browser context of its own (a second browser: its own cookies, nothing shared)."""

import base64
import json
import os
import subprocess
import sys
import time
import urllib.request

import websocket

from interop_checks import check


def start_sandbox_and_chromium(entitle, chromium, work, env, http_port, debug_port):
    """`entitle serve --sandbox` with `env` and a headless Chromium, both waited for; the processes,
    for the caller to stop. The log is WORK/entitle.log."""
    log = open(os.path.join(work, "entitle.log"), "w")
    processes = [subprocess.Popen([entitle, "serve", "--sandbox"], env=dict(os.environ, **env), stdout=log,
                                  stderr=subprocess.STDOUT)]
    processes.append(subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", f"--remote-debugging-port={debug_port}",
         f"--user-data-dir={os.path.join(work, 'profile')}", "about:blank"],
        stdout=open(os.path.join(work, "chromium.log"), "w"), stderr=subprocess.STDOUT))
    deadline = time.time() + 60
    while True:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{http_port}/readyz").status == 200:
                return processes, log.name
        except OSError:
            pass
        if time.time() > deadline:
            stop(processes)
            sys.exit("entitle serve --sandbox did not start:\n" + open(log.name).read()[-2000:])
        time.sleep(0.2)


def stop(processes):
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for_debugger(port, timeout=30):
    deadline = time.time() + timeout
    while True:
        try:
            return json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


class Tab:
    """One page target: commands, JavaScript, and the events it asked for."""

    def __init__(self, url):
        self.ws = websocket.create_connection(url, suppress_origin=True)
        self.counter = 0
        self.events = []
        self.call("Page.enable")
        self.call("Network.enable")

    @classmethod
    def first(cls, port):
        """The page Chromium opened at start."""
        page = next(t for t in wait_for_debugger(port) if t["type"] == "page")
        return cls(page["webSocketDebuggerUrl"])

    @classmethod
    def in_new_context(cls, port):
        """A tab in a fresh browser context: another browser, as far as cookies go."""
        browser = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/version"))
        root = Tab.__new__(Tab)
        root.ws = websocket.create_connection(browser["webSocketDebuggerUrl"], suppress_origin=True)
        root.counter, root.events = 0, []
        context = root.call("Target.createBrowserContext")["browserContextId"]
        target = root.call("Target.createTarget", url="about:blank", browserContextId=context)["targetId"]
        root.ws.close()
        return cls(f"ws://127.0.0.1:{port}/devtools/page/{target}")

    def call(self, method, **params):
        self.counter += 1
        self.ws.send(json.dumps({"id": self.counter, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.counter:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def send(self, method, **params):
        """A command whose answer is not waited for (a navigation held by Fetch answers late)."""
        self.counter += 1
        self.ws.send(json.dumps({"id": self.counter, "method": method, "params": params}))

    def wait_event(self, method, timeout=20):
        """The first event `method` (asked for with its domain's enable), already seen or to come."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for event in self.events:
                if event["method"] == method:
                    self.events.remove(event)
                    return event
            self.ws.settimeout(max(0.1, deadline - time.time()))
            try:
                message = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                break
            finally:
                self.ws.settimeout(None)
            if "method" in message:
                self.events.append(message)
        return None

    def js(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def wait_for(self, what, expression, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                value = self.js(expression)
            except RuntimeError:
                value = None
            if value:
                return value
            time.sleep(0.2)
        check(what, False, f"at {self.js('location.href')}: {self.js('document.body && document.body.innerText.slice(0, 500)')}")

    def go(self, url):
        self.call("Page.navigate", url=url)
        self.wait_for(f"{url} loaded", "document.readyState === 'complete' && location.href !== 'about:blank'")

    def click(self, selector):
        self.js(f"document.querySelector({json.dumps(selector)}).click()")

    def text(self):
        return self.js("document.body ? document.body.innerText : ''") or ""

    def screenshot(self, path):
        self.call("Emulation.setDeviceMetricsOverride", width=1280, height=1400, deviceScaleFactor=1, mobile=False)
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data))
