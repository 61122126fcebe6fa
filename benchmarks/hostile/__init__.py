"""The hostile tally (benchmarks/hostile_tally.py): damaged databases, hostile scripts and hostile Pull servers thrown
at the app, under CPython and in Chromium, and what happened counted."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
for folder in (ROOT / "tests", ROOT / "python", ROOT):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

# The CPython sections run the app's Python on the app's SQLite (3.54, APSW's), as the tests do.
import sqlite_in_tests  # noqa: E402, F401
