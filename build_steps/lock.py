"""Lock: `python3 build.py lock`, wheels.in resolved with uv for Pyodide's platform into wheels.lock, which the fetch
step downloads and checks against."""

from build_steps.commands import run
from build_steps.paths import LOCK, REQUIREMENTS

# Only a server needs these; Datasette imports none of them in-process.
SERVER_ONLY = ["uvicorn", "h11", "hupper", "pip", "setuptools", "asgiref"]


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
