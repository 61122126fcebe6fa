"""What several sections share: serving dist/, statistics and their format, waiting for the app, memory sampling,
and the Pyodide harness (benchmarks/harness/)."""

import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from testkit.browser import launch, wait_ready
from testkit.page import open_with_input
from testkit.servers import free_port, serve_app, start_server

HERE = Path(__file__).resolve().parent.parent  # benchmarks/
ROOT = HERE.parent
DB = "pages"  # the page-latency database's name, in the library and natively (from its file name, pages.db)
BOOT_TIMEOUT_MS = 180_000

# Runs in every frame of every page; in the shell it timestamps each text the status bar shows (the boot stages).
STAGES_SCRIPT = """
if (window === top) {
  window.__stages = [];
  let last = null;
  new MutationObserver(() => {
    const text = document.getElementById("status")?.textContent;
    if (text && text !== last) { last = text; window.__stages.push([text, performance.now()]); }
  }).observe(document, { subtree: true, childList: true, characterData: true });
}
"""

# Resolves when the shell says Ready and its frame has finished loading a page whose path ends with `end`;
# the value is the frame's load-event end in ms since the shell's navigation started (no polling error).
USABLE_JS = """([end, ready]) => {
  if (!document.getElementById("failure")?.hidden) return { failure: document.getElementById("failure-detail").textContent };
  if (ready && document.getElementById("status")?.textContent !== "Ready") return null;
  const w = document.getElementById("frame").contentWindow;
  if (!w.location.pathname.endsWith(end) || w.document.readyState !== "complete") return null;
  const nav = w.performance.getEntriesByType("navigation")[0];
  if (!nav || !nav.loadEventEnd) return null;
  return { ms: w.performance.timeOrigin + nav.loadEventEnd - performance.timeOrigin };
}"""


# The custom SQL page's query; section 5 also runs it on each storage.
SCAN_SQL = (
    "select json_extract(data, '$.color') as color, count(*) as n, round(avg(price), 2) as avg_price "
    "from items group by color order by n desc"
)


# What `python3 build.py serve` runs, but for any directory: build.py's own Handler (its MIME types) on a threading server.
SERVE_PY = """import functools, http.server, sys
sys.path.insert(0, sys.argv[3])
import build
handler = functools.partial(build.Handler, directory=sys.argv[2])
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), handler).serve_forever()
"""


def serve(directory):
    port = free_port()
    return start_server(
        [sys.executable, "-c", SERVE_PY, str(port), str(directory), str(ROOT)], f"http://127.0.0.1:{port}/"
    )


def snapshot_dist(target):
    """Build dist/ and copy it: another developer may rebuild dist/ while this runs, so serve a copy that cannot change."""
    for _ in range(5):
        subprocess.run([sys.executable, "build.py"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        shutil.rmtree(target, ignore_errors=True)
        try:
            shutil.copytree(ROOT / "dist", target)
        except (shutil.Error, OSError):
            pass  # dist/ was being rebuilt under us
        if (target / "sw.js").exists() and (target / "index.html").exists():
            return target
        time.sleep(5)
    raise RuntimeError("could not get a complete build of dist/")


def stats(values):
    values = sorted(values)
    if not values:
        return None
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return {
        "median": statistics.median(values),
        "min": values[0],
        "max": values[-1],
        "q1": q[0],
        "q3": q[2],
        "n": len(values),
    }


def fmt(s, unit="ms", digits=0):
    if s is None:
        return "–"
    f = f"{{:.{digits}f}}"
    return f"{f.format(s['median'])} [{f.format(s['min'])}–{f.format(s['max'])}] {unit}".strip()


def say(text):
    print(text, flush=True)


def wait_usable(page, end, timeout=BOOT_TIMEOUT_MS, ready=True):
    """ms from the shell's navigation start to the frame's load of a page ending with `end` (and, if ready, "Ready")."""
    # Polled every 100 ms, not every frame, to leave the CPU to the app; the value itself is exact.
    result = page.wait_for_function(USABLE_JS, arg=[end, ready], timeout=timeout, polling=100).json_value()
    if "failure" in result:
        raise PlaywrightError(f"the app showed its failure panel: {result['failure']}")
    return result["ms"]


def profile_processes(profile):
    """{pid: kind} of this profile's Chromium: processes started with its --user-data-dir and their descendants;
    kind is the process's --type (with the utility's sub-type), or "browser"."""
    children, roots, cmdlines = {}, [], {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            # Chromium rewrites its child processes' command lines as one space-separated string.
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").split()
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(entry.name))
        cmdlines[int(entry.name)] = cmdline
        if f"--user-data-dir={profile}".encode() in cmdline:
            roots.append(int(entry.name))
    found, todo = {}, list(roots)
    while todo:
        pid = todo.pop()
        if pid not in found:
            flags = dict(a.decode(errors="replace").split("=", 1) for a in cmdlines.get(pid, []) if b"=" in a)
            kind = flags.get("--type", "browser")
            if "--utility-sub-type" in flags:
                kind += ":" + flags["--utility-sub-type"].split(".")[0]
            found[pid] = kind
            todo += children.get(pid, [])
    return found


def memory_mb(profile):
    """{kind: [RSS, PSS, anonymous]} in MB summed over the profile's processes, with "total". PSS splits shared pages
    fairly; anonymous leaves out file-backed pages (mapped files, which the kernel can drop)."""
    out = {"total": [0.0, 0.0, 0.0]}
    for pid, kind in profile_processes(profile).items():
        try:
            lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            for i, key in enumerate(("Rss:", "Pss:", "Anonymous:")):
                if line.startswith(key):
                    mb = int(line.split()[1]) / 1024
                    out.setdefault(kind, [0.0, 0.0, 0.0])[i] += mb
                    out["total"][i] += mb
    return out


class MemorySampler(threading.Thread):
    """Samples memory_mb() continuously (a /proc scan takes time: about 5 samples a second): [(perf_counter, sample)]."""

    def __init__(self, profile, every=0.1):
        super().__init__(daemon=True)
        self.profile, self.every, self.samples, self.stopping = profile, every, [], threading.Event()

    def run(self):
        while not self.stopping.is_set():
            self.samples.append((time.perf_counter(), memory_mb(self.profile)))
            time.sleep(self.every)

    def peak(self, kind="total", index=0, start=0, end=float("inf")):
        return max((m.get(kind, [0, 0, 0])[index] for t, m in self.samples if start <= t <= end), default=0)


class Harness:
    """benchmarks/harness/ with Pyodide from dist/ and the app's pwa/worker/opfs-fs.js (dist/ has it only inside the worker's
    bundle), served and open in a fresh profile."""

    def __init__(self, pw, dist, scratch):
        self.tmp = Path(tempfile.mkdtemp(prefix="harness-", dir=scratch))
        site = self.tmp / "site"
        shutil.copytree(dist / "pyodide", site / "pyodide")
        shutil.copy(ROOT / "pwa" / "worker" / "opfs-fs.js", site)
        wheel = next((ROOT / ".cache" / "wheels").glob("apsw-*-pyemscripten_*.whl"))  # build.py fetched it
        shutil.copy(wheel, site)
        self.apsw_wheel = wheel.name
        for name in ("index.html", "worker.js"):
            shutil.copy(HERE / "harness" / name, site)
        self.server = serve(site)
        self.profile = self.tmp / "profile"
        self.context = launch(pw, self.profile)
        self.page = self.context.pages[0]
        self.page.set_default_timeout(600_000)
        self.page.goto(self.server.url)
        self.page.wait_for_function("window.workerReady === true")
        self.call("boot")

    def call(self, op, *args):
        return self.page.evaluate("([op, args]) => window.call(op, ...args)", [op, list(args)])

    def call_with_file(self, path, op, *args):
        """Run op in the worker with the file at path (a File from the page's <input type=file>) as first argument."""
        self.page.set_input_files("#file", str(path))
        return self.page.evaluate("([op, args]) => window.callWithFile(op, ...args)", [op, list(args)])

    def close(self):
        self.context.close()
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


@contextmanager
def app_window(playwright, profile, files=()):
    """The built app (python build.py serve) open in headless Chromium on profile, with files opened into its library
    (each waited for): yields the page, for a script that times what the app does."""
    server = serve_app()
    try:
        context = launch(playwright, profile)
        page = context.pages[0]
        page.goto(server.url)
        wait_ready(page)
        if files:
            open_with_input(page, list(files))
            for path in files:  # a big file takes minutes to copy in
                page.locator(f"#library li[data-name='{path.stem}']").wait_for(timeout=600_000)
        yield page
        context.close()
    finally:
        server.stop()
