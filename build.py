"""Build datasette-pwa into dist/, a static site that works offline once visited.

    python3 build.py                  fetch (cached under .cache/), stage dist/, run workbox, check
    python3 build.py serve [--port N] build if anything changed, then serve dist/ on 127.0.0.1
    python3 build.py lock             re-resolve wheels.in into wheels.lock for Pyodide (needs uv)

Standard library only; it drives npm (Pyodide, workbox-cli, esbuild) and pip (Datasette's wheels).
"""

import argparse
import functools
import gzip
import hashlib
import http.server
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from build_steps.sample import write_sample

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "dist"
# Built here, then swapped in for dist/ whole: a server (or a test) serving dist/ never sees half a build.
STAGE = ROOT / "dist.next"
CACHE = ROOT / ".cache"
WHEELS = CACHE / "wheels"
LOCK = ROOT / "wheels.lock"
REQUIREMENTS = ROOT / "wheels.in"
PYODIDE = ROOT / "node_modules" / "pyodide"
# The welcome screen's "Try a sample database" (build_steps/sample.py; pwa/page/welcome.js opens it).
SAMPLE = "sample.db"
# Enough to run Python; Pyodide's package index and its other packages are not needed.
PYODIDE_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"]
# The platform Pyodide 314 wheels are built for (its ABI pyemscripten_2026_0). `lock` resolves versions with uv for
# "wasm32-pyodide2025", the newest Pyodide platform uv names; the versions are the same, and uv writes the hashes of
# every file of each version, so this download of the 2026_0 wheels checks against them.
WHEEL_PLATFORM = [
    "--python-version",
    "3.14",
    "--implementation",
    "cp",
    "--abi",
    "cp314",
    "--abi",
    "none",
    "--platform",
    "pyemscripten_2026_0_wasm32",
    "--platform",
    "any",
]
# PyPI has only sdists or native wheels for these; their pure-Python fallbacks run fine in Pyodide.
PURE_FROM_SDIST = {"markupsafe": {"CC": "/bin/false"}, "pyyaml": {"PYYAML_FORCE_LIBYAML": "0"}}
# Parts of wheels the app never imports, left out of site-packages: of APSW only its compiled module is used (by
# python/datasette_pwa/sqlite3_apsw); its shell, tests, unicode module and SQLite extensions were 4.6 of its 6.1 MB.
UNUSED = re.compile(r"apsw/(?!__init__\.cpython)")
# Only a server needs these; Datasette imports none of them in-process.
SERVER_ONLY = ["uvicorn", "h11", "hupper", "pip", "setuptools", "asgiref"]
SOURCES = [
    ROOT / "pwa",
    ROOT / "build_steps",
    ROOT / "python",
    ROOT / "manifest.webmanifest",
    ROOT / "pyproject.toml",
    LOCK,
    ROOT / "package-lock.json",
    Path(__file__),
]


def say(message):
    print(f"build: {message}", flush=True)


def run(command, env=None, what=""):
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})})
    if result.returncode != 0:
        sys.exit(f"build: failed: {what or ' '.join(command)}")


# --- fetch ---------------------------------------------------------------------------------------


def fetch_npm():
    """Pyodide, workbox-cli and esbuild from npm, exactly as package-lock.json pins them."""
    stamp = ROOT / "node_modules" / ".package-lock.json"
    if stamp.exists() and stamp.stat().st_mtime >= (ROOT / "package-lock.json").stat().st_mtime:
        return
    say("npm ci (Pyodide, workbox-cli, esbuild)")
    run(
        ["npm", "ci", "--cache", str(CACHE / "npm"), "--prefer-offline", "--no-audit", "--no-fund"],
        what="npm ci: check that npm can reach its registry, or restore node_modules/ and .cache/npm/",
    )


def locked_packages():
    """{normalised name: (version, {sha256...})} from wheels.lock."""
    packages = {}
    for block in re.split(r"\n(?=\S)", LOCK.read_text().strip()):
        name, version = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", block).groups()
        packages[normalise(name)] = (version, set(re.findall(r"sha256:([0-9a-f]{64})", block)))
    return packages


def normalise(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def cached_wheel(name, version):
    """The cached wheel of name==version; wheel file names are "<name>-<version>-<tags>.whl"."""
    for path in WHEELS.glob("*.whl"):
        wheel_name, wheel_version = path.name.split("-")[:2]
        if normalise(wheel_name) == name and wheel_version == version:
            return path
    return None


def fetch_wheels():
    """Datasette and its dependencies as wheels that run in Pyodide, verified against wheels.lock."""
    WHEELS.mkdir(parents=True, exist_ok=True)
    packages = locked_packages()
    missing = [name for name, (version, _) in packages.items() if not cached_wheel(name, version)]
    download = [n for n in missing if n not in PURE_FROM_SDIST]
    if download:
        say(f"pip download {len(download)} wheels for Pyodide")
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--require-hashes",
                "--only-binary=:all:",
                *WHEEL_PLATFORM,
                "-d",
                str(WHEELS),
                "-r",
                str(lock_subset(download)),
            ],
            what=f"pip download of {', '.join(download)}: check that pip can reach PyPI",
        )
    for name in (n for n in missing if n in PURE_FROM_SDIST):
        say(f"building a pure-Python wheel of {name}")
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--require-hashes",
                f"--no-binary={name}",
                "-w",
                str(WHEELS),
                "-r",
                str(lock_subset([name])),
            ],
            env=PURE_FROM_SDIST[name],
            what=f"pip wheel {name}: check that pip can reach PyPI",
        )
    for name, (version, hashes) in packages.items():
        wheel = cached_wheel(name, version)
        if not wheel:
            sys.exit(f"build: {name}=={version} is not in {WHEELS} after fetching")
        if name not in PURE_FROM_SDIST and sha256(wheel) not in hashes:
            sys.exit(f"build: {wheel.name} does not match the hashes in wheels.lock: delete it and build again")


def lock_subset(names):
    """A requirements file with just these packages' blocks of wheels.lock."""
    blocks = re.split(r"\n(?=\S)", LOCK.read_text().strip())
    path = CACHE / "lock-subset.txt"
    path.write_text("\n".join(b for b in blocks if normalise(b.split("==")[0]) in names) + "\n")
    return path


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- stage ---------------------------------------------------------------------------------------


def stage():
    """Lay out dist/: the shell, Pyodide's core, and site-packages (Datasette, its dependencies, our package)."""
    say("staging dist/")
    shutil.rmtree(STAGE, ignore_errors=True)
    # The shell's HTML, styles and icons; its modules and the worker's are bundled below.
    shutil.copytree(ROOT / "pwa" / "page", STAGE, ignore=shutil.ignore_patterns("*.js"))
    write_sample(STAGE / SAMPLE)
    bundle_modules()
    write_manifest()
    (STAGE / "pyodide").mkdir()
    for name in PYODIDE_FILES:
        shutil.copy2(PYODIDE / name, STAGE / "pyodide" / name)
    # We install our own packages, so Pyodide gets a lock file with its platform info and no packages.
    info = json.loads((PYODIDE / "pyodide-lock.json").read_text())["info"]
    (STAGE / "pyodide/pyodide-lock.json").write_text(json.dumps({"info": info, "packages": {}}) + "\n")
    files = {}
    for name, (version, _) in sorted(locked_packages().items()):
        with zipfile.ZipFile(cached_wheel(name, version)) as wheel:
            files |= {
                i.filename: wheel.read(i) for i in wheel.infolist() if not i.is_dir() and not UNUSED.match(i.filename)
            }
    files |= package_files(ROOT / "python" / "datasette_pwa")
    bundle_site_packages(files, "/lib/python{}.{}/site-packages".format(*info["python"].split(".")[:2]))
    # One id for everything in this build: the worker passes it to Datasette (/-/versions), the shell shows it.
    digest = hashlib.sha256()
    for path in sorted(p for p in STAGE.rglob("*") if p.is_file()):
        digest.update(path.relative_to(STAGE).as_posix().encode() + b"\0" + path.read_bytes())
    (STAGE / "build.json").write_text(json.dumps({"id": digest.hexdigest()[:12]}) + "\n")


def load_formats():
    """python/datasette_pwa/formats.py, the one list of the files the app opens."""
    spec = importlib.util.spec_from_file_location("formats", ROOT / "python" / "datasette_pwa" / "formats.py")
    formats = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(formats)
    return formats


def write_manifest():
    """manifest.webmanifest, its file handlers from the list of formats."""
    manifest = json.loads((ROOT / "manifest.webmanifest").read_text())
    manifest["file_handlers"] = [{"action": "./", "accept": load_formats().file_handlers_accept()}]
    (STAGE / "manifest.webmanifest").write_text(json.dumps(manifest, indent=2) + "\n")


def bundle_modules():
    """The shell's and the worker's modules, each bundled into one file (esbuild): loaded one by one, each through the
    service worker, they came in four rounds that ended 0.3 s (the shell) and 0.17 s (the worker) after the first began
    (a warm start on a slow day). Pyodide's own modules stay apart: the worker imports them from pyodide/.

    They are bundled from a copy of pwa/ that has the list of formats as pwa/page/formats.js, which the shell imports."""
    source = CACHE / "pwa"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(ROOT / "pwa", source, ignore=shutil.ignore_patterns("sw"))
    shell = json.dumps(load_formats().for_the_shell(), indent=1)
    (source / "page" / "formats.js").write_text(
        f"// Written by build.py from python/datasette_pwa/formats.py.\nexport const FORMATS = {shell};\n"
    )
    for entry in ["page/shell.js", "worker/worker.js"]:
        run(
            [
                "npx",
                "--no-install",
                "esbuild",
                str(source / entry),
                "--bundle",
                "--format=esm",
                "--external:./pyodide/*",
                f"--outfile={STAGE / Path(entry).name}",
                "--log-level=warning",
            ],
            what=f"esbuild of pwa/{entry}",
        )


def bundle_site_packages(files, root):
    """Write site-packages as dist/site-packages/: files.gz, every file's bytes one after another, gzipped, and
    index.json, their paths and sizes.

    The worker writes them straight into Pyodide's filesystem: unpacking the wheels with Python took a quarter of a
    second on every start, this takes a few milliseconds (and the download is 2.4 MB instead of 4.3).
    Compiled libraries are listed as "dynlibs": the worker loads them before Python starts (see pwa/worker/python-start.js).
    """
    target = STAGE / "site-packages"
    target.mkdir()
    names = sorted(files)
    index = {
        "root": root,
        "files": [[name, len(files[name])] for name in names],
        "dynlibs": [name for name in names if name.endswith(".so")],
    }
    (target / "index.json").write_text(json.dumps(index) + "\n")
    (target / "files.gz").write_bytes(gzip.compress(b"".join(files[name] for name in names), mtime=0))


def package_files(package):
    """Our package (code and static files) and its metadata as {path in site-packages: bytes}.

    The dist-info carries pyproject.toml's entry points: that is how Datasette finds plugin/, as under CPython.
    """
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dist_info = f"{package.name}-{project['version']}.dist-info"
    entry_points = "".join(
        f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in points.items())
        for group, points in project["entry-points"].items()
    )
    files = {
        p.relative_to(package.parent).as_posix(): p.read_bytes()
        for p in sorted(package.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n".encode()
    )
    files[f"{dist_info}/entry_points.txt"] = entry_points.encode()
    return files


# --- service worker ------------------------------------------------------------------------------


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


# --- check ---------------------------------------------------------------------------------------


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


def publish():
    """Swap the staged build in for dist/."""
    old = ROOT / "dist.old"
    shutil.rmtree(old, ignore_errors=True)
    if DIST.exists():
        DIST.rename(old)
    STAGE.rename(DIST)
    shutil.rmtree(old, ignore_errors=True)


def build():
    CACHE.mkdir(exist_ok=True)
    fetch_npm()
    fetch_wheels()
    stage()
    service_worker()
    check()
    publish()


def up_to_date():
    sw = DIST / "sw.js"
    if not sw.exists():
        return False
    built = sw.stat().st_mtime
    paths = [p for s in SOURCES for p in ([s] if s.is_file() else s.rglob("*"))]
    return all(p.stat().st_mtime <= built for p in paths)


# --- serve ---------------------------------------------------------------------------------------


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".webmanifest": "application/manifest+json",
        ".whl": "application/zip",
        ".zip": "application/zip",
    }

    def log_message(self, format, *args):
        pass


def serve(port):
    if not up_to_date():
        build()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=str(DIST)))
    print(f"Serving datasette-pwa at http://127.0.0.1:{server.server_port}/  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


# --- lock ----------------------------------------------------------------------------------------


def lock():
    """Resolve wheels.in (Datasette and its plugins) for Pyodide's platform into wheels.lock (exact versions, sha256)."""
    excluded = [arg for name in SERVER_ONLY for arg in ("--no-emit-package", name)]
    run(
        [
            "uv",
            "pip",
            "compile",
            str(REQUIREMENTS),
            "--python-version",
            "3.14",
            "--python-platform",
            "wasm32-pyodide2025",
            "--generate-hashes",
            "--no-header",
            "--no-annotate",
            *excluded,
            "-o",
            str(LOCK),
        ],
        what="uv pip compile",
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="build", choices=["build", "serve", "lock"])
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.port)
    elif args.command == "lock":
        lock()
    else:
        build()


if __name__ == "__main__":
    main()
