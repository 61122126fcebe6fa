"""Build datasette-pwa into dist/, a static site that works offline once visited.

    python3 build.py                  fetch (cached under .cache/), stage dist/, run workbox, check
    python3 build.py serve [--port N] build if anything changed, then serve dist/ on 127.0.0.1
    python3 build.py lock             re-resolve wheels.in into wheels.lock for Pyodide (needs uv)

Standard library only; it drives npm (Pyodide, workbox-cli, esbuild) and pip (Datasette's wheels).
The steps are in build_steps/, one module each; this file runs them in order. Tests and benchmarks import their names
from here (build.Handler, build.SAMPLE, build.fetch_npm, ...), hence __all__.
"""

import argparse

from build_steps.commands import run, say
from build_steps.fetch import (
    PURE_FROM_SDIST,
    WHEEL_PLATFORM,
    cached_wheel,
    fetch_npm,
    fetch_wheels,
    lock_subset,
    locked_packages,
    normalise,
    sha256,
)
from build_steps.lock import SERVER_ONLY, lock
from build_steps.paths import (
    CACHE,
    DIST,
    LOCK,
    PYODIDE,
    PYODIDE_FILES,
    REQUIREMENTS,
    ROOT,
    SAMPLE,
    SOURCES,
    STAGE,
    WHEELS,
)
from build_steps.serve import Handler, serve, up_to_date
from build_steps.service_worker import check, service_worker
from build_steps.stage import (
    UNUSED,
    bundle_modules,
    bundle_site_packages,
    load_formats,
    package_files,
    publish,
    stage,
    write_manifest,
)

__all__ = [
    "CACHE",
    "DIST",
    "LOCK",
    "PURE_FROM_SDIST",
    "PYODIDE",
    "PYODIDE_FILES",
    "REQUIREMENTS",
    "ROOT",
    "SAMPLE",
    "SERVER_ONLY",
    "SOURCES",
    "STAGE",
    "UNUSED",
    "WHEELS",
    "WHEEL_PLATFORM",
    "Handler",
    "build",
    "bundle_modules",
    "bundle_site_packages",
    "cached_wheel",
    "check",
    "fetch_npm",
    "fetch_wheels",
    "load_formats",
    "lock",
    "lock_subset",
    "locked_packages",
    "main",
    "normalise",
    "package_files",
    "publish",
    "run",
    "say",
    "serve",
    "service_worker",
    "sha256",
    "stage",
    "up_to_date",
    "write_manifest",
]


def build():
    CACHE.mkdir(exist_ok=True)
    fetch_npm()
    fetch_wheels()
    stage()
    service_worker()
    check()
    publish()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="build", choices=["build", "serve", "lock"])
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.port, build)
    elif args.command == "lock":
        lock()
    else:
        build()


if __name__ == "__main__":
    main()
