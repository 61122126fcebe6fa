"""Service worker: bundle pwa/sw/sw.js, let workbox-cli write the precache manifest into it, and check that the
precache holds every file of the build (and nothing else), since offline the app has only what it precached."""

import json
import re
import sys

from build_steps.commands import run, say
from build_steps.paths import CACHE, PYODIDE_FILES, SAMPLE, STAGE


def service_worker():
    """Bundle pwa/sw/sw.js with Workbox (esbuild), then let workbox-cli inject the precache manifest."""
    precache_bytes = sum(p.stat().st_size for p in STAGE.rglob("*") if p.is_file())
    build_id = json.loads((STAGE / "build.json").read_text())["id"]
    say(f"bundling the service worker (precache {precache_bytes / 1e6:.1f} MB)")
    run(
        [
            "npx",
            "--no-install",
            "esbuild",
            "pwa/sw/sw.js",
            "--bundle",
            "--format=iife",
            "--minify",
            f"--define:globalThis.PRECACHE_BYTES={precache_bytes}",
            f'--define:globalThis.BUILD_ID="{build_id}"',
            f"--outfile={CACHE / 'sw.bundle.js'}",
            "--log-level=warning",
        ],
        what="esbuild of pwa/sw/sw.js",
    )
    say("workbox injectManifest")
    run(
        ["npx", "--no-install", "workbox", "injectManifest", "pwa/sw/workbox-config.cjs"],
        env={"DIST": STAGE.name},
        what="workbox injectManifest",
    )


def check():
    """Every file in dist/ (but the service worker itself) is precached, and nothing else is."""
    sw = (STAGE / "sw.js").read_text()
    precached = set(re.findall(r'"url":"([^"]+)"', sw))
    files = {p.relative_to(STAGE).as_posix() for p in STAGE.rglob("*") if p.is_file()} - {"sw.js"}
    problems = []
    if precached != files:
        problems.append(
            f"not precached: {sorted(files - precached)}; precached but absent: {sorted(precached - files)}"
        )
    for required in [
        "index.html",
        "shell.js",
        "worker.js",
        "manifest.webmanifest",
        "build.json",
        "pyodide/pyodide-lock.json",
        *[f"pyodide/{n}" for n in PYODIDE_FILES],
        "site-packages/index.json",
        "site-packages/files.gz",
        SAMPLE,
    ]:
        if required not in precached:
            problems.append(f"{required} is not precached")
    if problems:
        sys.exit("build: check failed:\n  " + "\n  ".join(problems))
    say(f"ok: {len(precached)} files precached, {sum((STAGE / f).stat().st_size for f in files) / 1e6:.1f} MB")
