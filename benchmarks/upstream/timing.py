"""Import times under CPython (in the suites' venv): APSW alone, the compatible module, the standard `sqlite3`, and
Datasette's app on each; the fastest of fresh interpreters, each timing its own imports (the machine is shared: the
fastest run is the one least slowed by others)."""

import subprocess

from .prepare import PYTHON, ROOT

INSTALL = f"import sys; sys.path.insert(0, {str(ROOT / 'python')!r}); from datasette_pwa.sqlite3_apsw import install; "
IMPORTS = {
    "apsw": "import apsw",
    "sqlite3 (standard)": "import sqlite3",
    "sqlite3 (APSW module: install() and import)": INSTALL + "install(); import sqlite3",
    "datasette.app on the standard sqlite3": "import datasette.app",
    "datasette.app on the APSW module": INSTALL + "install(); import datasette.app",
}
RUNS = 11


def import_times() -> dict[str, float]:
    """Milliseconds for each of IMPORTS, the fastest of RUNS fresh interpreters."""
    return {name: fastest_ms(code) for name, code in IMPORTS.items()}


def fastest_ms(code: str) -> float:
    timed = f"import time\nstart = time.perf_counter()\n{code}\nprint((time.perf_counter() - start) * 1000)"
    run = [PYTHON, "-c", timed]
    runs = [float(subprocess.run(run, capture_output=True, text=True, check=True).stdout) for _ in range(RUNS + 1)]
    return round(min(runs[1:]), 1)  # the first run warms the disk cache and writes .pyc files
