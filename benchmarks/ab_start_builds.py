"""The two builds ab_start.py compares: each revision exported with `git archive` and built by its own build.py (or
the working tree's dist/), described by its hash, date and subject, and sized. Apart from ab_start.py so that how a
build is made reads on its own, away from how its starts are timed."""

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import say, snapshot_dist

ROOT = Path(__file__).resolve().parent.parent

WORKTREE = "worktree"


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


# The folders of .cache/ that hold downloads, the same for any build; others are a build's own (.cache/pwa: the copy
# of pwa/ that build.py bundles from), and a link to the project's would cross two builds.
DOWNLOADS = ("wheels", "npm", "upstream")


def share_caches(src):
    """Link the project's node_modules/ and the download folders of its .cache/ (wheels by name and version, npm's
    cache) into src. Not .cache/ itself: a build also writes its own files there, which must not cross with the
    project's."""
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
    for name in DOWNLOADS:
        if (ROOT / ".cache" / name).is_dir():
            (src / ".cache" / name).symlink_to(ROOT / ".cache" / name)


def sizes(dist):
    index = json.loads((dist / "site-packages" / "index.json").read_text())
    return {
        "dist_bytes": sum(f.stat().st_size for f in dist.rglob("*") if f.is_file()),
        "files_gz_bytes": (dist / "site-packages" / "files.gz").stat().st_size,
        "site_packages_bytes": sum(size for _, size in index["files"]),
    }
