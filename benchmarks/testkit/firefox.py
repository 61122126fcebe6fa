"""Firefox: Debian's firefox-esr over WebDriver BiDi, through puppeteer-core in a Node process (firefox-bridge.mjs) that
takes one JSON command per line."""

import json
import queue
import subprocess
import threading
import time
from pathlib import Path

from .engine import COMMAND_TIMEOUT_S, DESKTOP, Engine, EngineError, kill_group, script

FIREFOX = "/usr/bin/firefox-esr"
BRIDGE = Path(__file__).with_name("firefox-bridge.mjs")

# Firefox's own background traffic, turned off so that the proxy records only what the app does.
FIREFOX_QUIET_PREFS = {
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "dom.push.connection.enabled": False,
    "browser.region.network.url": "",
    "browser.topsites.contile.enabled": False,
    "app.shield.optoutstudies.enabled": False,
    "toolkit.telemetry.enabled": False,
    "extensions.blocklist.enabled": False,
    # Honoured only with MOZ_DISABLE_NONLOCAL_CONNECTIONS (FIREFOX_ENV): then Remote Settings never syncs.
    "services.settings.server": "data:,#remote-settings-dummy/v1",
    "identity.fxaccounts.enabled": False,
}
# Firefox's own test harnesses set this: the release build then refuses any connection to a non-local address itself
# (a second guard behind the proxy) and honours the Remote Settings server above.
FIREFOX_ENV = {"MOZ_DISABLE_NONLOCAL_CONNECTIONS": "1"}
# navigator.storage.persist() waits for a prompt's answer that headless Firefox never gets; these answer it (granted).
FIREFOX_PERSIST_PREFS = {"dom.storageManager.prompt.testing": True, "dom.storageManager.prompt.testing.allow": True}


class Firefox(Engine):
    """One firefox-esr on profile (kept: relaunching on it is a returning start), driven by the Node bridge."""

    name = "firefox"

    def __init__(self, profile, proxy_port, persist_prompt=True, prefs=None):
        self.bridge = subprocess.Popen(["node", str(BRIDGE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.answers = queue.Queue()
        threading.Thread(target=self._read_answers, daemon=True).start()
        self.next_id = 0
        prefs = {**FIREFOX_QUIET_PREFS, **proxy_prefs(proxy_port), **(prefs or {})}
        if persist_prompt:
            prefs.update(FIREFOX_PERSIST_PREFS)
        started = time.monotonic()
        launched = self._send(
            "launch",
            executablePath=FIREFOX,
            userDataDir=str(profile),
            prefs=prefs,
            env=FIREFOX_ENV,
            width=DESKTOP[0],
            height=DESKTOP[1],
        )
        self.launch_seconds = time.monotonic() - started
        self.pid = launched["pid"]

    def _read_answers(self):
        for line in self.bridge.stdout:
            self.answers.put(json.loads(line))
        self.answers.put(None)  # the bridge exited

    def _send(self, op, **args):
        self.next_id += 1
        self.bridge.stdin.write(json.dumps({"id": self.next_id, "op": op, **args}) + "\n")
        self.bridge.stdin.flush()
        try:
            answer = self.answers.get(timeout=COMMAND_TIMEOUT_S)
        except queue.Empty:
            raise EngineError(f"firefox: no answer to {op} in {COMMAND_TIMEOUT_S} s") from None
        if answer is None:
            raise EngineError(f"firefox: the bridge exited (code {self.bridge.wait()}) during {op}")
        if "error" in answer:
            raise EngineError(f"firefox: {op}: {answer['error']}")
        return answer["value"]

    def goto(self, url):
        self._send("goto", url=url)

    def evaluate(self, js, arg=None):
        return self._send("evaluate", source=script(js, arg))

    def click(self, selector):
        self._send("click", selector=selector)

    def set_files(self, selector, paths):
        self._send("setFiles", selector=selector, paths=[str(p) for p in paths])

    def pick_files(self, button, selector, paths):
        self._send("setFiles", selector=selector, paths=[str(p) for p in paths], click=button)

    def screenshot(self, path, size=DESKTOP):
        self._send("screenshot", path=str(path), width=size[0], height=size[1])

    def close(self):
        if self.bridge.poll() is None:
            self._send("close")
            self.bridge.stdin.close()
            self.bridge.wait(30)

    def kill(self):
        """SIGKILL Firefox's whole process group (puppeteer starts it detached), as in a crash; then the bridge."""
        kill_group(self.pid)
        self.bridge.kill()
        self.bridge.wait(10)


def proxy_prefs(port):
    """Every http(s) and ws(s) request goes to the proxy; Firefox sends localhost and 127.0.0.1 direct by default
    (network.proxy.allow_hijacking_localhost is false), which is exactly the app's server."""
    return {
        "network.proxy.type": 1,
        "network.proxy.http": "127.0.0.1",
        "network.proxy.http_port": port,
        "network.proxy.ssl": "127.0.0.1",
        "network.proxy.ssl_port": port,
        "network.proxy.allow_hijacking_localhost": False,
    }
