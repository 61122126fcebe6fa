"""What a journey does with a browser, whichever: the Engine interface that testkit/firefox.py and testkit/webkit.py
implement (testkit/engines.py launches them)."""

import json
import os
import signal
import time

from .browser import READY

DESKTOP = (1280, 800)
PHONE = (360, 740)
COMMAND_TIMEOUT_S = 180  # one bridge command (a launch, a navigation, one evaluation)


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


def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
