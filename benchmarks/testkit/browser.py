"""Chromium (Debian's, headless) on a persistent profile: launched, the app opened and waited for, requests that would
leave 127.0.0.1 caught; profiles prepared (write permission granted) and copied, browsers killed as in a crash."""

import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium phones home at every start; these machines have no internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BOOT_TIMEOUT_MS = 120_000
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
# A phone: 360x740 CSS pixels, touch.
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}

# The shell's status bar says Ready, or its failure panel shows.
READY = "() => document.querySelector('#status')?.textContent === 'Ready' || !document.getElementById('failure').hidden"
# Resolves true once the app's memory snapshot (pwa/worker/snapshot.js) is complete in OPFS.
SNAPSHOT_KEPT = """async () => { try {
  const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle("snapshots");
  const names = []; for await (const name of folder.keys()) names.push(name);
  return names.filter((name) => !name.endsWith(".partial")).length >= 2;
} catch { return false; } }"""


@dataclass
class NetworkGuard:
    """Aborts and records every request that would leave 127.0.0.1.

    block=False only records them: Playwright's interception changes how Chromium treats CORS (a preflight the server
    would fail passes), so tests of talking to another origin watch without intercepting.
    """

    outside: list = field(default_factory=list)
    block: bool = True

    def attach(self, context):
        if self.block:
            context.route("**/*", self._route)
        context.on("request", self._seen)

    def _is_outside(self, url):
        parts = urlsplit(url)
        return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in ("127.0.0.1", "localhost")

    def _seen(self, request):
        if self._is_outside(request.url) and request.url not in self.outside:
            self.outside.append(request.url)

    def _route(self, route):
        if self._is_outside(route.request.url):
            self._seen(route.request)
            route.abort()
        else:
            route.fallback()


def launch(playwright, profile, guard=None, offline=False, device=DESKTOP, args=()):
    """A persistent Chromium profile (OPFS and the service worker survive a restart on the same directory)."""
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, *args],
        offline=offline,
        accept_downloads=True,
        **device,
    )
    if guard:
        guard.attach(context)
    return context


def start_app(playwright, profile, url, guard=None, offline=False, args=()):
    """Launch Chromium on profile, open the app at url and wait for Datasette; returns (context, page)."""
    context = launch(playwright, profile, guard, offline, args=args)
    page = context.pages[0]
    page.goto(url)
    wait_ready(page)
    return context, page


def wait_ready(page):
    """Wait until the shell reports Datasette ready and its frame has loaded a Datasette page (in place of a saved view),
    shown, or behind the welcome while the library is empty (pwa/page/welcome.js)."""
    page.wait_for_function(READY, timeout=BOOT_TIMEOUT_MS)
    assert page.locator("#failure").is_hidden(), page.text_content("#failure-detail")
    page.wait_for_function(
        "() => { const frame = document.getElementById('frame'); const doc = frame.contentDocument;"
        " const shown = !frame.hidden || !document.getElementById('welcome').hidden;"
        " return shown && doc?.location.pathname.includes('/ds/') && doc.readyState === 'complete'; }"
    )
    return page.frame_locator("#frame")


def installed_copy(installed, profile):
    """A copy of the installed profile (conftest.py's `installed`) at profile (a new directory); returns profile."""
    shutil.copytree(installed, profile)
    return profile


def grant_write_permission(profile, origin):
    """Pre-grant File System Access write permission: headless Chromium cannot show the prompt."""
    (profile / "Default").mkdir(parents=True, exist_ok=True)
    prefs = {
        "profile": {"content_settings": {"exceptions": {"file_system_write_guard": {f"{origin},*": {"setting": 1}}}}}
    }
    (profile / "Default" / "Preferences").write_text(json.dumps(prefs))


def kill_browser(profile):
    """SIGKILL every Chromium process of this profile: no clean shutdown, as in a crash."""
    out = subprocess.run(["pgrep", "-f", f"user-data-dir={profile}"], capture_output=True, text=True).stdout
    for pid in out.split():
        os.kill(int(pid), signal.SIGKILL)
    time.sleep(1)


class OfflineSession:
    """A profile where the app was installed online once, run with the network cut; restart() starts the browser
    again."""

    def __init__(self, playwright, server, profile):
        self.playwright, self.url, self.profile = playwright, server.url, profile
        self.guard = NetworkGuard()
        self.context = self.page = None

    def start(self):
        self.context = launch(self.playwright, self.profile, self.guard, offline=True)
        self.page = self.context.pages[0]
        self.page.goto(self.url)
        wait_ready(self.page)
        return self.page

    def restart(self):
        self.context.close()
        return self.start()


def installed_offline(playwright, server, profile):
    """An OfflineSession on profile, started: write permission granted, the app installed online once, then run
    with the network cut."""
    grant_write_permission(profile, server.url.rstrip("/"))
    context, _ = start_app(playwright, profile, server.url)
    context.close()
    session = OfflineSession(playwright, server, profile)
    session.start()
    return session
