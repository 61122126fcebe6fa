"""Fetch: the build's downloads, cached under .cache/ so that a second build needs no network. Pyodide and the build's
tools from npm; Datasette and its dependencies as wheels for Pyodide from PyPI, checked against wheels.lock."""

import hashlib
import re
import sys

from build_steps.commands import run, say
from build_steps.paths import CACHE, LOCK, ROOT, WHEELS

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
