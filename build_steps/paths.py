"""Where the build reads and writes, named once for every step (and re-exported by build.py, which tests import)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
# What a build reads: `serve` builds again if any of it is newer than dist/sw.js.
SOURCES = [
    ROOT / "pwa",
    ROOT / "build_steps",
    ROOT / "python",
    ROOT / "manifest.webmanifest",
    ROOT / "pyproject.toml",
    LOCK,
    ROOT / "package-lock.json",
    ROOT / "build.py",
]
