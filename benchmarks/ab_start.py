"""An interleaved A/B start benchmark of two builds of the app (issue 29, "A start budget").

    flock /tmp/browser.lock nice .venv/bin/python benchmarks/ab_start.py A B [--warm-runs 6] [--cold-runs 2]

A and B are git revisions (3e384e1, HEAD, ...) or `worktree`: dist/ as `python3 build.py` builds it from the working
tree. A revision is exported with `git archive` into a temporary folder that shares the project's node_modules/ and
.cache/ folders (nothing is downloaded again) and built there by its own build.py. Each build's dist/ is served on its
own port, and the starts alternate between the builds, so that whatever else the machine does weighs on both alike:

1. Cold starts A, B, A, B...: a fresh profile each, online, to the first rendered Datasette page (bench/start.py's
   cold_start). The first of each build keeps its profile, with the page-latency database in its library.
2. Warm starts A, B, A, B... on those two profiles, offline, a new browser process each, to the database's page
   (warm_start): the time to the live page and to the saved view; the worker's boot marks (its console line
   `boot ... {json}`: ms from the worker's boot to the end of each stage); the memory snapshot's size (the files of
   the OPFS folder "snapshots", read while the app is open).

With each build's site-packages: files.gz as downloaded, and unzipped (the sizes listed in index.json). Writes
benchmarks/results/ab_start-A-B.json (every run; the revisions' hashes and dates) and its .md: medians with [min-max]
and B - A of each median. A failed start is recorded and the benchmark goes on; nothing asserts on timings. The
builds and the browsers run inside: hold /tmp/browser.lock around the whole command, as above.
"""

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import DB, fmt, say, serve, snapshot_dist, stats
from bench.report import footer
from bench.start import cold_start, fill_library, warm_start
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright
from run import RESULTS, environment, write
from testkit.page import wait_kept

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

WORKTREE = "worktree"
# The worker's marks (pwa/worker/python-start.js, pwa/worker/worker.js), in the order a start passes them.
STAGES = ["snapshot read", "module", "runtime", "site-packages", "library", "app", "datasette"]

# {file name: bytes} of the OPFS folder the app keeps its start snapshot in (pwa/worker/snapshot.js); {} when there is none.
SNAPSHOT_FILES_JS = """async () => {
  let folder;
  try {
    folder = await (await navigator.storage.getDirectory()).getDirectoryHandle("snapshots");
  } catch {
    return {};
  }
  const sizes = {};
  for await (const [name, handle] of folder.entries())
    if (handle.kind === "file") sizes[name] = await handle.getFile().then((f) => f.size, () => null);
  return sizes;
}"""


@dataclasses.dataclass
class Build:
    """One side of the comparison: its revision, its dist/, the profile its warm starts use, and its runs."""

    key: str  # "A" or "B"
    revision: dict
    dist: Path
    profile: Path
    sizes: dict
    build_s: float
    url: str = ""
    cold: list = dataclasses.field(default_factory=list)
    warm: list = dataclasses.field(default_factory=list)
    failures: list = dataclasses.field(default_factory=list)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", metavar="A", help=f"a git revision, or {WORKTREE}")
    parser.add_argument("b", metavar="B", help=f"a git revision, or {WORKTREE}")
    parser.add_argument("--warm-runs", type=int, default=6)
    parser.add_argument("--cold-runs", type=int, default=2)
    return parser.parse_args()


def git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def describe(rev):
    """The revision's full hash, commit date and subject; the working tree is HEAD plus its uncommitted changes."""
    commit, date, subject = git("log", "-1", "--format=%H%n%cI%n%s", "HEAD" if rev == WORKTREE else rev).splitlines()
    info = {"name": rev, "hash": commit, "date": date, "subject": subject}
    if rev == WORKTREE:
        info["uncommitted"] = git("status", "--porcelain").splitlines()
    return info


def prepare(key, rev, scratch):
    say(f"build {key}: {rev}…")
    began = time.perf_counter()
    dist = build(rev, scratch / key)
    took = time.perf_counter() - began
    say(f"   {took:.0f} s")
    return Build(key, describe(rev), dist, scratch / key / "profile", sizes(dist), took)


def build(rev, folder):
    """dist/ of rev, in folder: the working tree's as snapshot_dist copies it, a revision's built by its own build.py."""
    if rev == WORKTREE:
        return snapshot_dist(folder / "dist")
    src = folder / "src"
    src.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    share_caches(src)
    subprocess.run([sys.executable, "build.py"], cwd=src, check=True, stdout=subprocess.DEVNULL)
    return src / "dist"


def share_caches(src):
    """Link the project's node_modules/ and the folders of its .cache/ (wheels by name and version, npm's cache) into
    src. Not .cache/ itself: a build also writes its own bundles there, which must not cross with the project's."""
    wanted = json.loads((src / "package.json").read_text())["devDependencies"]
    have = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    missing = {name: version for name, version in wanted.items() if have.get(name) != version}
    if missing:  # build.py would run `npm ci`, through the link, over the project's node_modules/
        sys.exit(f"{src.parent.name}: needs npm packages the project's node_modules/ lacks: {missing}")
    (src / "node_modules").symlink_to(ROOT / "node_modules")
    # build.py runs `npm ci` when package-lock.json is newer than node_modules/ (git archive dates files by the commit).
    stamp = (ROOT / "node_modules" / ".package-lock.json").stat().st_mtime
    os.utime(src / "package-lock.json", (stamp, stamp))
    (src / ".cache").mkdir()
    for folder in (ROOT / ".cache").iterdir():
        if folder.is_dir():
            (src / ".cache" / folder.name).symlink_to(folder)


def sizes(dist):
    index = json.loads((dist / "site-packages" / "index.json").read_text())
    return {
        "dist_bytes": sum(f.stat().st_size for f in dist.rglob("*") if f.is_file()),
        "files_gz_bytes": (dist / "site-packages" / "files.gz").stat().st_size,
        "site_packages_bytes": sum(size for _, size in index["files"]),
    }


def prepare_library(page):
    """fill_library (as run.py does). Its last step waits for the database's page to be kept for the next start; a shell
    without saved views (3e384e1's) never keeps it, and the wait ends after 30 s: the database is in the library."""
    try:
        fill_library(page)
    except AssertionError:
        if page.locator("#saved").count():
            raise


def record(b, phase, error):
    b.failures.append({"phase": phase, "error": str(error).splitlines()[0]})
    say(f"   {b.key} failed: {b.failures[-1]['error']}")


def cold_phase(pw, builds, count, scratch):
    say(f"cold starts × {count} each, interleaved…")
    for i in range(count):
        for b in builds:
            profile = b.profile if i == 0 else scratch / b.key / f"cold{i}"
            try:
                run, _ = cold_start(pw, b.url, profile, prepare_library if i == 0 else None)
            except (PlaywrightError, AssertionError) as error:
                record(b, "cold", error)
                continue
            finally:
                if i:
                    shutil.rmtree(profile, ignore_errors=True)
            b.cold.append(run)
            say(f"   {b.key}: {run['usable_ms']:.0f} ms")


def warm_phase(pw, builds, count):
    say(f"warm starts × {count} each, offline, interleaved…")
    for _ in range(count):
        for b in builds:
            try:
                run = warm_once(pw, b)
            except PlaywrightError as error:  # includes the app's own failure panel (wait_usable)
                record(b, "warm", error)
                continue
            b.warm.append(run)
            say(f"   {b.key}: {run['usable_ms']:.0f} ms, {run.get('boot')}, snapshot {snapshot_mb(run):.1f} MB")


def warm_once(pw, b):
    run, context, page = warm_start(pw, b.url, b.profile)
    try:
        run["snapshot_files"] = page.evaluate(SNAPSHOT_FILES_JS)
        if page.locator("#saved").count():
            # As bench/start.py's warm(): a user who stays a second, so that the page is kept for the next start.
            try:
                wait_kept(page, f"{b.url}ds/{DB}")
            except AssertionError as error:
                run["not_kept"] = str(error)
    finally:
        context.close()
    return run


def snapshot_mb(run, suffix=""):
    """MB in the snapshot's files (<build id>.memory and, unzipped, <build id>.site-packages) whose names end so."""
    return sum(size or 0 for name, size in run["snapshot_files"].items() if name.endswith(suffix)) / 1e6


def summary(b):
    """{row: [stats, unit, digits]}: medians and ranges of what each build's runs measured."""
    marks = [w.get("worker_marks", {}) for w in b.warm]
    names = dict.fromkeys([*STAGES, *(k for m in marks for k in m)])  # the stages above first, in order, then any other
    return {
        "warm: live database page": timed(w["usable_ms"] for w in b.warm),
        "warm: saved view shown": timed(w["saved_view_ms"] for w in b.warm),
        "warm: Ready in the status bar": timed(stage(w, "Ready") for w in b.warm),
        # The first page after the boot, from the frame's request to its HTML: Datasette's first render in the worker.
        "warm: first page, request to HTML": timed(
            between(w, "frame: navigation starts", "frame: page's HTML received") for w in b.warm
        ),
        **{f"worker: {k}": timed(m.get(k) for m in marks) for k in names},
        # The last two stages swapped places after 3e384e1: the last mark is the boot's end in either order.
        "worker: boot done (last mark)": timed(max(m.values(), default=None) for m in marks),
        "cold start: first Datasette page": timed(c["usable_ms"] for c in b.cold),
        "site-packages: files.gz": [stats([b.sizes["files_gz_bytes"] / 1e6]), "MB", 2],
        "site-packages: unzipped": [stats([b.sizes["site_packages_bytes"] / 1e6]), "MB", 2],
        "memory snapshot: all of OPFS snapshots/": [stats([snapshot_mb(w) for w in b.warm]), "MB", 1],
        "memory snapshot: its .memory file": [stats([snapshot_mb(w, ".memory") for w in b.warm]), "MB", 1],
    }


def stage(run, name):
    """When the status bar showed a stage, or the frame passed a mark (bench/start.py's stages), in ms; or None."""
    return next((ms for shown, ms in run["stages"] if shown == name), None)


def between(run, first, then):
    began, ended = stage(run, first), stage(run, then)
    return None if began is None or ended is None else ended - began


def timed(values):
    return [stats([v for v in values if v is not None]), "ms", 0]


def cell(s, unit, digits):
    """fmt's median [min–max], or the value alone when all are the same (a size)."""
    return f"{s['median']:.{digits}f} {unit}" if s and s["min"] == s["max"] else fmt(s, unit, digits)


def difference(a, b):
    """B - A of each row's median, where both have one."""
    return {row: b[row][0]["median"] - a[row][0]["median"] if a[row][0] and b[row][0] else None for row in a}


def table(results):
    a, b = (results["builds"][k] for k in "AB")
    rows = [f"| | A: {a['revision']['name']} | B: {b['revision']['name']} | B − A |", "|---|---|---|---|"]
    for row, diff in results["difference"].items():
        (sa, unit, digits), (sb, _, _) = a["summary"][row], b["summary"][row]
        change = "–" if diff is None else f"{diff:+.{digits}f} {unit}"
        rows.append(f"| {row} | {cell(sa, unit, digits)} | {cell(sb, unit, digits)} | {change} |")
    rows.append(f"| warm starts from the snapshot | {boots(a)} | {boots(b)} | |")
    rows.append(f"| failed starts | {len(a['failures'])} | {len(b['failures'])} | |")
    return rows


def boots(b):
    return f"{sum(w.get('boot') == 'from snapshot' for w in b['warm'])} of {len(b['warm'])}"


def markdown(results):
    lines = [f"# A/B start — {results['when']}", "", f"`{results['command']}` on {results['machine']}.", ""]
    for key, b in results["builds"].items():
        r = b["revision"]
        changes = f", with {len(r['uncommitted'])} uncommitted changes" if "uncommitted" in r else ""
        lines.append(f"- {key}: {r['name']} = {r['hash'][:12]} ({r['date']}{changes}): {r['subject']}")
    lines += ["", *table(results), ""]
    lines.append(
        "Medians with [min–max]; cold and warm starts alternate A, B. Worker marks: ms from the worker's boot to the "
        "end of each stage. Warm starts are offline, a new browser process each, from navigation."
    )
    return "\n".join(lines) + "\n" + footer(results)


def as_results(builds):
    out = {}
    for b in builds:
        fields = dataclasses.asdict(b)
        fields.update(dist=str(b.dist), profile=str(b.profile), summary=summary(b))
        out[b.key] = fields
    return out


def measure(args, scratch):
    builds = [prepare(key, rev, scratch) for key, rev in (("A", args.a), ("B", args.b))]
    servers = [serve(b.dist) for b in builds]
    try:
        for b, server in zip(builds, servers, strict=True):
            b.url = server.url
        with sync_playwright() as pw:
            cold_phase(pw, builds, args.cold_runs, scratch)
            for server in servers:  # from here on both apps run with the network cut
                server.stop()
            servers = []
            warm_phase(pw, builds, args.warm_runs)
    finally:
        for server in servers:
            server.stop()
    return builds


def main():
    args = parse_args()
    began = time.perf_counter()
    results = environment()
    results["command"] = "benchmarks/ab_start.py " + " ".join(sys.argv[1:])
    scratch = Path(tempfile.mkdtemp(prefix="ab-start-"))
    try:
        results["builds"] = as_results(measure(args, scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results["difference"] = difference(*(results["builds"][k]["summary"] for k in "AB"))
    results["duration_s"] = time.perf_counter() - began
    results["load_average_end"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    name = f"ab_start-{args.a}-{args.b}"  # one file per pair, so that each comparison keeps its figures
    write(RESULTS / f"{name}.json", json.dumps(results, indent=1))  # first, so a table bug cannot lose a run
    text = markdown(results)
    write(RESULTS / f"{name}.md", text)
    print("\n" + text)


if __name__ == "__main__":
    main()
