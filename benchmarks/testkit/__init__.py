"""What the tests and the benchmarks share: servers, Chromium, what a user does in the app's window, databases to
open, and the app's Python under CPython; also the other engines' drivers and the hostile scripts and servers.

It lives in benchmarks/ because `python benchmarks/x.py` puts that folder first on sys.path; pyproject.toml's
[tool.pytest.ini_options] pythonpath puts it there for the tests. Nothing here is a pytest fixture: tests/conftest.py
makes those from it.

    app_sqlite  the app's SQLite in sqlite3's place (import it first, where that is wanted)
    app         the app's Datasette under CPython: ORIGIN, serving(), get(), stream()
    browser     Chromium: launch(), start_app(), wait_ready(), NetworkGuard
    page        what a user does in the app's window, and what it shows
    databases   make_db(), the one maker of the SQLite files tests and benchmarks open
    servers     the app's server, `datasette serve`, static and CORS file servers, http()
    transfer    Publish and Pull: their dialogs in the browser, and the same under CPython
    engines     Firefox and WebKit behind one interface (engine, firefox, webkit); webkit_returning: WebKit's
                returning start, without WebDriver
    hostile_scripts, hostile_servers: SQL scripts and Datasette servers that attack the app
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The origin of the URLs the app's Datasette under CPython is asked for (testkit/app.py): the worker hands it whole
# URLs of the app's own origin.
ORIGIN = "http://127.0.0.1:8000"
