"""The hostile tally (benchmarks/hostile_tally.py): damaged databases, hostile scripts and hostile Pull servers thrown
at the app, under CPython and in Chromium, and what happened counted."""

# The CPython sections run the app's Python on the app's SQLite (3.54, APSW's), as the tests do.
# isort: off
import testkit.app_sqlite  # noqa: F401  (first, before anything imports sqlite3)

# isort: on
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
