"""WebKit: Debian's WebKitWebDriver driving MiniBrowser (WebKitGTK) under Xvfb, through Selenium."""

import os
import subprocess
import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.webkitgtk.options import Options as WebKitOptions
from selenium.webdriver.webkitgtk.service import Service as WebKitService

from .engine import COMMAND_TIMEOUT_S, DESKTOP, Engine, EngineError, kill_group, script

WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver"


def minibrowser():
    """MiniBrowser, as the installed WebKitGTK package lists it (its folder names the machine's architecture)."""
    listed = subprocess.run(["dpkg-query", "-L", "libwebkit2gtk-4.1-0"], capture_output=True, text=True).stdout
    return next((line for line in listed.splitlines() if line.endswith("/MiniBrowser")), "MiniBrowser")


MINIBROWSER = minibrowser()


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
