"""WebKit's returning start, without WebDriver: MiniBrowser under WebKitWebDriver (--automation) always runs on
ephemeral storage (measured: no service worker, no cache survives a relaunch), so there every launch is a first visit.

Here MiniBrowser runs on its own under Xvfb, twice on one HOME (it keeps its storage under XDG_DATA_HOME and
XDG_CACHE_HOME). A harness page on the app's own origin, served by this test server beside dist/ (never written into
it), opens the app in a window of its own (the shell refuses to run inside a frame), reads that window's DOM and posts
what a user sees there to the server. Once the server is cut, it answers only the harness: every other request is
refused unanswered, as with the network down, and recorded.
"""

import functools
import http.server
import json
import os
import queue
import re
import struct
import subprocess
import threading
import time
import zlib
from pathlib import Path

from .engine import DESKTOP, kill_group
from .webkit import MINIBROWSER, minibrowser_proxy_args, start_xvfb

HARNESS_PATH = "/__harness.html"
REPORT_PATH = "/__report"
HARNESS_TIMEOUT_MS = 300_000  # one launch's whole journey, in the page: a first start takes about 45 s here
REPORT_TIMEOUT_S = HARNESS_TIMEOUT_MS / 1000 + 60  # past the harness's own deadline: it reports its timeouts itself
MINIBROWSER_SETTINGS = [
    "--javascript-can-open-windows-automatically=true",  # the harness opens the app without a click
    "--enable-write-console-messages-to-stdout=true",  # the pages' console in the log a failure shows
]

# ?launch=first waits, once the app is ready, for its service worker and its memory snapshot (a returning user has
# both); ?launch=returning only reports. Either way the report says what the app's window shows, and what Cache Storage holds.
HARNESS = """<!doctype html>
<meta charset="utf-8">
<title>Test harness</title>
<link rel="icon" href="data:,"><!-- else the browser asks the network for /favicon.ico -->
<script type="module">
const launch = new URLSearchParams(location.search).get("launch");
const deadline = Date.now() + %(timeout)d;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll check() until it gives something truthy; a throw (the window still navigating) counts as not yet. */
async function until(what, check, end = deadline) {
  while (Date.now() < end) {
    try {
      const value = await check();
      if (value) return value;
    } catch {}
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** What the app's window shows: status bar, failure panel, notices, storage line, and the page in its frame. */
function seen(app) {
  const doc = app.document;
  const text = (selector) => doc.querySelector(selector)?.textContent ?? null;
  const page = doc.getElementById("frame")?.contentDocument;
  return {
    status: text("#status"),
    failure: doc.getElementById("failure")?.hidden === false ? text("#failure-detail") : null,
    notices: [...doc.querySelectorAll("#notices .notice span")].map((n) => n.textContent),
    storage: text("#storage"),
    controller: app.navigator.serviceWorker.controller?.scriptURL ?? null,
    frame: page && {
      path: page.location.pathname,
      state: page.readyState,
      heading: page.querySelector("h1")?.textContent ?? null,
      styled: page.styleSheets.length > 0,
    },
  };
}

/** Every cache of this origin, with the paths it holds. */
async function cacheContents() {
  const contents = {};
  for (const name of await caches.keys()) {
    contents[name] = (await (await caches.open(name)).keys()).map((request) => new URL(request.url).pathname);
  }
  return contents;
}

async function journey(app) {
  const opened = performance.now();
  await until("the shell to say Ready or show a failure", () => seen(app).status === "Ready" || seen(app).failure !== null);
  const readySeconds = (performance.now() - opened) / 1000;
  if (seen(app).failure === null) {
    await until("a Datasette page in the frame", () => {
      const frame = seen(app).frame;
      return frame?.path.includes("/ds/") && frame.state === "complete" && frame.heading;
    });
  }
  // When the frame's page finished loading, on this window's clock (exact, not the polling's 250 ms).
  const frame = app.document.getElementById("frame")?.contentWindow;
  const loaded = frame?.performance.getEntriesByType("navigation")[0]?.loadEventEnd;
  const pageSeconds = loaded ? (frame.performance.timeOrigin + loaded - performance.timeOrigin - opened) / 1000 : null;
  if (launch === "first") {
    const registration = () => navigator.serviceWorker.getRegistration();
    await until("an activated service worker", async () => (await registration())?.active?.state === "activated");
    // Kept in the background once the app is ready (snapshot.js: in Cache Storage where OPFS is missing).
    const snapshot = () => caches.open("datasette-pwa-snapshots").then((cache) => cache.keys());
    await until("the memory snapshot (memory and site-packages)", async () => (await snapshot()).length === 2);
  }
  return {readySeconds, pageSeconds, ...seen(app), caches: await cacheContents()};
}

let app = null;
let report;
try {
  app = window.open("./", "app", "width=%(width)d,height=%(height)d");
  if (!app) throw new Error("window.open() gave no window (are pop-ups allowed?)");
  report = await journey(app);
} catch (error) {
  let shown = null;
  try { shown = seen(app); } catch {}
  report = {error: String(error), seen: shown};
}
await fetch("%(report)s", {method: "POST", body: JSON.stringify({launch, ...report})});
</script>
"""


class HarnessServer:
    """dist/ (build.py's handler), the harness page and the report endpoint, on a free port, in a thread.

    `cut = True` leaves only the harness and the reports: any other request gets no answer at all (the browser sees a
    network error, as with the network down) and is recorded in `refused`."""

    def __init__(self, dist):
        from build import Handler

        self.reports = queue.Queue()
        self.refused = []
        self.cut = False
        width, height = DESKTOP
        values = {"timeout": HARNESS_TIMEOUT_MS, "report": REPORT_PATH, "width": width, "height": height}
        harness = (HARNESS % values).encode()
        outer = self

        class HarnessHandler(Handler):
            def do_GET(self):
                if self.path.split("?")[0] == HARNESS_PATH:
                    self._answer(200, harness, "text/html; charset=utf-8")
                elif not self._refused():
                    super().do_GET()

            def do_HEAD(self):
                if not self._refused():
                    super().do_HEAD()

            def do_POST(self):
                if self.path == REPORT_PATH:
                    outer.reports.put(json.loads(self.rfile.read(int(self.headers["content-length"]))))
                    self._answer(204, b"", "text/plain")
                elif not self._refused():
                    self._answer(405, b"", "text/plain")

            def _refused(self):
                if outer.cut:
                    outer.refused.append(f"{self.command} {self.path}")
                    self.close_connection = True  # closed unanswered
                return outer.cut

            def _answer(self, status, body, content_type):
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.send_header("cache-control", "no-store")
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(HarnessHandler, directory=str(dist))
        )
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class MiniBrowser:
    """MiniBrowser without WebDriver, so with its storage kept under home, on its own Xvfb, opening url."""

    def __init__(self, url, home, proxy_port):
        self.screen = Path(home) / "screen"  # Xvfb's framebuffer, an XWD file, for screenshots
        self.screen.mkdir(parents=True, exist_ok=True)
        self.xvfb, display = start_xvfb(fbdir=self.screen)
        self.log_path = Path(home) / f"minibrowser-{time.monotonic_ns()}.log"
        env = {
            **os.environ,
            "DISPLAY": display,
            "HOME": str(home),
            "XDG_DATA_HOME": str(Path(home) / "data"),
            "XDG_CACHE_HOME": str(Path(home) / "cache"),
            "XDG_CONFIG_HOME": str(Path(home) / "config"),
        }
        with open(self.log_path, "w") as log:
            # Its own session: kill() takes MiniBrowser and WebKit's web and network processes at once.
            self.process = subprocess.Popen(
                [MINIBROWSER, *MINIBROWSER_SETTINGS, *minibrowser_proxy_args(proxy_port), url],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_for_report(self, reports, timeout=REPORT_TIMEOUT_S):
        """The harness's report; fails with MiniBrowser's log if it exits or stays silent."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                return reports.get(timeout=1)
            except queue.Empty:
                if self.process.poll() is not None:
                    raise AssertionError(f"MiniBrowser exited ({self.process.returncode}): {self.log_tail()}") from None
        raise AssertionError(f"no report from the harness in {timeout} s: {self.log_tail()}")

    def log_tail(self, lines=30):
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def screenshot(self, path, size=DESKTOP):
        """The screen's top left corner, where the app's window is (there is no window manager to move it)."""
        xwd_to_png(self.screen / "Xvfb_screen0", path, size)

    def kill(self):
        """SIGKILL MiniBrowser's whole session, as in a crash; then wait until none of it is left, and stop Xvfb."""
        try:
            kill_group(self.process.pid)
            self.process.wait(10)
            # The next launch must not meet this one's network process still holding the storage.
            deadline = time.monotonic() + 10
            while group_alive(self.process.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not group_alive(self.process.pid), "MiniBrowser's processes outlived SIGKILL"
        finally:
            self.xvfb.terminate()
            self.xvfb.wait(10)


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def run(server, home, proxy_port, launch, screenshot=None):
    """One MiniBrowser launch on home: the harness drives the app and reports; then MiniBrowser is killed."""
    browser = MiniBrowser(f"{server.url}{HARNESS_PATH[1:]}?launch={launch}", home, proxy_port)
    try:
        report = browser.wait_for_report(server.reports)
        if screenshot:
            browser.screenshot(screenshot)
        return report
    finally:
        browser.kill()


def precache_manifest(dist):
    """The paths dist/sw.js precaches (as build.py's check reads them)."""
    return {"/" + url for url in re.findall(r'"url":"([^"]+)"', (Path(dist) / "sw.js").read_text())}


def xwd_to_png(xwd, png, size):
    """The top left size (width, height) of Xvfb's framebuffer file (XWD, 32 bits a pixel, least significant byte
    first: B, G, R, unused) as an RGB PNG."""
    data = Path(xwd).read_bytes()
    fields = struct.unpack(">25I", data[:100])
    header_size, screen_width, screen_height, byte_order, bits, line, colours = (
        fields[i] for i in (0, 4, 5, 7, 11, 12, 19)
    )
    width, height = min(size[0], screen_width), min(size[1], screen_height)
    assert (bits, byte_order) == (32, 0), (
        f"an XWD layout this reader does not know: {bits} bits, byte order {byte_order}"
    )
    start = header_size + 12 * colours
    raw = bytearray()
    for y in range(height):
        row = data[start + y * line : start + y * line + width * 4]
        rgb = bytearray(width * 3)
        rgb[0::3], rgb[1::3], rgb[2::3] = row[2::4], row[1::4], row[0::4]
        raw += b"\0" + rgb  # filter type 0 for each row

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    image = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")
    Path(png).write_bytes(b"\x89PNG\r\n\x1a\n" + image)
