"""The tests run the app's Python on the SQLite the app runs: 3.54, through python/datasette_pwa/sqlite3_apsw (issue
27), installed here, before anything imports sqlite3 (tests/conftest.py and the hostile tally import this first).
DATASETTE_PWA_SQLITE=standard runs them on the interpreter's own module instead, the app's fallback where APSW cannot
load. `standard` is the interpreter's own module either way, for the tests that compare against it."""

import os
import sqlite3 as standard  # noqa: F401
import sqlite3.dump  # noqa: F401  (standard's iterdump imports it when called: cached now, it still finds this one)
import sys

from datasette_pwa.sqlite3_apsw import install, not_installed

# What imported sqlite3 before this keeps the standard module: pyproject.toml turns off one such, Datasette's plugin.
assert "datasette" not in sys.modules, "Datasette was imported before the SQLite under test was chosen"
if os.environ.get("DATASETTE_PWA_SQLITE") != "standard":
    assert install(), not_installed
