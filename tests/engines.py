"""Firefox ESR and WebKitGTK behind one small interface, so journeys run in engines other than Chromium.

Firefox: Debian's firefox-esr over WebDriver BiDi, through puppeteer-core in a Node process (firefox-bridge.mjs) that
takes one JSON command per line. WebKit: Debian's WebKitWebDriver driving MiniBrowser under Xvfb, through Selenium.
Both send every request for a host other than 127.0.0.1/localhost to RefusingProxy, which refuses and records it.
"""

import json
import os
import queue
import shutil
import signal
import socketserver
import subprocess
import threading
import time
from pathlib import Path

from helpers import READY
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.webkitgtk.options import Options as WebKitOptions
from selenium.webdriver.webkitgtk.service import Service as WebKitService

FIREFOX = "/usr/bin/firefox-esr"
WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver"


def minibrowser():
    """MiniBrowser, as the installed WebKitGTK package lists it (its folder names the machine's architecture)."""
    listed = subprocess.run(["dpkg-query", "-L", "libwebkit2gtk-4.1-0"], capture_output=True, text=True).stdout
    return next((line for line in listed.splitlines() if line.endswith("/MiniBrowser")), "MiniBrowser")


MINIBROWSER = minibrowser()
BRIDGE = Path(__file__).with_name("firefox-bridge.mjs")
DESKTOP = (1280, 800)
PHONE = (360, 740)
COMMAND_TIMEOUT_S = 180  # one bridge command (a launch, a navigation, one evaluation)

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


class EngineError(Exception):
    """The page's JavaScript threw, or the engine refused a command; the message is the engine's."""


def script(js, arg=None):
    """One JS expression that runs js (an expression, or a function called with arg) and awaits its result."""
    return f"(async () => {{ const v = ({js}); return typeof v === 'function' ? await v({json.dumps(arg)}) : await v; }})()"


class Engine:
    """What a journey does with a browser; each engine implements the primitives below wait_until."""

    name = ""

    def wait_until(self, js, arg=None, timeout=120):
        """Poll js (expression or one-argument function) until it gives a truthy value, which is returned.

        Errors while polling (a navigation replacing the document) count as not yet; the last one is reported."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(js, arg)
                if value:
                    return value
                last = value
            except EngineError as error:
                last = error
            time.sleep(0.2)
        raise TimeoutError(f"{self.name}: {js} still not true after {timeout} s (last: {last!r})")

    def start_app(self, url, timeout=240):
        """Open the app at url and wait until it is Ready; returns the seconds it took. EngineError if it failed."""
        started = time.monotonic()
        self.goto(url)
        self.wait_until(READY, timeout=timeout)
        failure = self.evaluate(
            "document.getElementById('failure').hidden ? null : document.getElementById('failure-detail').textContent"
        )
        if failure:
            raise EngineError(f"{self.name} did not start: {failure}")
        return round(time.monotonic() - started, 1)

    def goto(self, url):
        """Navigate the window and wait for its load event."""
        raise NotImplementedError

    def evaluate(self, js, arg=None):
        """Run js in the window (an expression, or a function given arg as JSON), await it, return JSON-like data.

        DOM nodes do not come back: return what you need of them."""
        raise NotImplementedError

    def click(self, selector):
        raise NotImplementedError

    def set_files(self, selector, paths):
        """Give the <input type=file> at selector these files from disk; it fires input and change."""
        raise NotImplementedError

    def pick_files(self, button, selector, paths):
        """Click button, which opens the file input at selector, then pick paths there, with no pause between (as a
        user's picker answers; under automation the input sees a `cancel` first, then `change` with the files)."""
        raise NotImplementedError

    def screenshot(self, path, size=DESKTOP):
        """A PNG of the page at size (width, height), then back to desktop size."""
        raise NotImplementedError

    def close(self):
        raise NotImplementedError

    def kill(self):
        """SIGKILL the browser's whole process tree, as in a crash."""
        raise NotImplementedError


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


class WebKit(Engine):
    """One MiniBrowser (WebKitGTK) under its own Xvfb, driven by WebKitWebDriver through Selenium.

    Automation sessions always use ephemeral storage: every launch is a first visit, whatever the profile."""

    name = "webkit"

    def __init__(self, profile, proxy_port):
        self.xvfb, display = start_xvfb()
        options = WebKitOptions()
        options.binary_location = MINIBROWSER
        options.add_argument("--automation")  # without it WebKitWebDriver waits forever for the browser
        for argument in minibrowser_proxy_args(proxy_port):
            options.add_argument(argument)
        # Its own session: kill() takes the driver, MiniBrowser and WebKit's web and network processes at once.
        self.log = open(Path(profile) / "webkitwebdriver.log", "w")
        service = WebKitService(
            WEBKIT_DRIVER,
            log_output=self.log,
            env={**os.environ, "DISPLAY": display},
            popen_kw={"start_new_session": True},
        )
        started = time.monotonic()
        try:
            self.driver = webdriver.WebKitGTK(options=options, service=service)
        except Exception:
            self.xvfb.kill()
            raise
        self.launch_seconds = time.monotonic() - started
        self.driver.set_window_rect(0, 0, *DESKTOP)
        self.driver.set_script_timeout(COMMAND_TIMEOUT_S)  # one evaluation, as long as Firefox's

    def goto(self, url):
        self.driver.get(url)

    def evaluate(self, js, arg=None):
        try:
            # W3C Execute Script awaits a returned promise.
            return self.driver.execute_script("return " + script(js, arg))
        except WebDriverException as error:
            raise EngineError(f"webkit: {error.msg}") from None

    def click(self, selector):
        self.driver.find_element(By.CSS_SELECTOR, selector).click()

    def set_files(self, selector, paths):
        """Element Send Keys on a file input sets its files (hidden inputs too: strictFileInteractability is off)."""
        self.driver.find_element(By.CSS_SELECTOR, selector).send_keys("\n".join(str(p) for p in paths))

    def pick_files(self, button, selector, paths):
        self.click(button)
        self.set_files(selector, paths)

    def screenshot(self, path, size=DESKTOP):
        """Sets the window to size; MiniBrowser's window is never narrower than its toolbar (447 px here)."""
        self.driver.set_window_rect(width=size[0], height=size[1])
        self.driver.save_screenshot(str(path))
        self.driver.set_window_rect(width=DESKTOP[0], height=DESKTOP[1])

    def close(self):
        if self.xvfb.poll() is None:  # not closed or killed yet
            try:
                self.driver.quit()
            finally:
                self._stop_display()

    def kill(self):
        """SIGKILL the driver's session: WebKitWebDriver, MiniBrowser, its web and network processes."""
        kill_group(self.driver.service.process.pid)
        self._stop_display()

    def _stop_display(self):
        self.xvfb.terminate()
        self.xvfb.wait(10)
        self.log.close()


def minibrowser_proxy_args(port):
    """MiniBrowser's own proxy flags, not the W3C proxy capability: with the capability WebKit speaks TLS straight to
    sslProxy (an https:// proxy), which hides the host asked for; with --proxy https goes as CONNECT host:443."""
    return [f"--proxy=http://127.0.0.1:{port}", "--ignore-host=127.0.0.1", "--ignore-host=localhost"]


def start_xvfb(fbdir=None):
    """An Xvfb on a free display (it writes the number it took to a pipe); returns (process, ':N').

    With fbdir, its screen is also the file fbdir/Xvfb_screen0 (XWD), which a screenshot can read."""
    read, write = os.pipe()
    framebuffer = ["-fbdir", str(fbdir)] if fbdir else []
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1200x24", "-nolisten", "tcp", *framebuffer],
        pass_fds=[write],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        process.kill()
        raise EngineError("Xvfb did not start")
    return process, f":{number}"


def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def launch(name, profile, proxy_port, **options):
    """Start engine `name` ("firefox" or "webkit") on profile; every request off loopback goes to proxy_port."""
    return {"firefox": Firefox, "webkit": WebKit}[name](profile, proxy_port, **options)


def available(name):
    """Why engine `name` cannot run here (a missing program), or None."""
    needs = {"firefox": [FIREFOX, "node"], "webkit": [WEBKIT_DRIVER, MINIBROWSER, "Xvfb"]}[name]
    missing = [program for program in needs if not shutil.which(program)]
    if name == "firefox" and not (BRIDGE.parent.parent / "node_modules" / "puppeteer-core").is_dir():
        missing.append("node_modules/puppeteer-core (npm ci)")
    return f"{name} needs {', '.join(missing)}" if missing else None


class RefusingProxy:
    """An HTTP proxy on 127.0.0.1 that refuses everything and records what was asked (the offline guard).

    Records "GET http://host/path" for plain HTTP, "CONNECT host:443" for tunnels, a TLS line if an engine speaks
    TLS straight to it (WebKit does with the W3C proxy capability's sslProxy, which minibrowser_proxy_args avoids)."""

    def __init__(self):
        self.outside = []
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                start = self.rfile.peek(1)  # what the engine sent first, still unread
                if start[:1] == b"\x16":  # a TLS handshake record: no HTTP to read, and no answer it would understand
                    proxy.outside.append("TLS to the proxy itself (host unknown)")
                    return
                line = self.rfile.readline(8192).decode("latin-1").strip()
                if line:  # e.g. "CONNECT example.org:443 HTTP/1.1", kept without the version
                    proxy.outside.append(" ".join(line.split(" ")[:2]))
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
