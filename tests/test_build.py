"""build.py: a second build with the network cut succeeds from .cache/ and gives the same dist/."""

import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
import sys

from testkit import ROOT


def snapshot(dist):
    return {
        p.relative_to(dist).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in dist.rglob("*")
        if p.is_file()
    }


def test_rebuild_without_network_gives_the_same_dist(dist):
    before = snapshot(dist)
    # A new network namespace has no interfaces but loopback: nothing can be downloaded.
    assert shutil.which("unshare"), "util-linux's unshare is needed to cut the network"
    result = subprocess.run(
        ["unshare", "--map-root-user", "--net", sys.executable, "build.py"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert snapshot(dist) == before


def test_precache_holds_every_file_the_app_needs(dist):
    index = json.loads((dist / "site-packages/index.json").read_text())
    installed = {name.split("/")[0] for name, _ in index["files"]}
    assert {"datasette-1.0a41.dist-info", "datasette_pwa", "pydantic_core", "apsw"} <= installed
    assert index["dynlibs"] == [
        "apsw/__init__.cpython-314-wasm32-emscripten.so",
        "pydantic_core/_pydantic_core.cpython-314-wasm32-emscripten.so",
    ]
    # Of APSW only its compiled module: not its shell, tests, unicode module or SQLite's extensions (build.UNUSED).
    assert [name for name, _ in index["files"] if name.startswith("apsw/")] == [index["dynlibs"][0]]
    for server_only in ["uvicorn", "hupper", "setuptools", "asgiref"]:
        assert not any(name.startswith(server_only) for name in installed)
    sw = (dist / "sw.js").read_text()
    assert '"url":"pyodide/pyodide.asm.wasm"' in sw  # over Workbox's 2 MiB default: proves the limit was raised


def test_the_shell_and_the_manifest_open_what_the_python_side_imports(dist):
    """formats.py is the one list of the files the app opens; the shell's and the manifest's copies come from it."""
    from datasette_pwa import formats
    from datasette_pwa.importing import FORMATS, SCRIPTS, SHEET_SUFFIXES

    # build.py writes formats.js as JSON, which esbuild bundles into the shell as it is (the shell is not minified).
    bundled = (dist / "shell.js").read_text().split("FORMATS = ", 1)[1]
    shell = json.JSONDecoder().raw_decode(bundled)[0]
    assert shell == formats.for_the_shell()
    # Every data file the shell routes to import has an importer: sqlite-utils's, the SQL script's restore, or the
    # spreadsheets' (spreadsheets.py).
    importers = set(FORMATS) | SCRIPTS | set(SHEET_SUFFIXES)
    assert set(shell["dataSuffixes"]) == importers and ".sql" in SCRIPTS and ".xlsx" in shell["sheetSuffixes"]
    picked = {s for group in shell["pickerTypes"] for suffixes in group["accept"].values() for s in suffixes}
    assert picked == set(formats.DATABASES["suffixes"]) | importers
    manifest = json.loads((dist / "manifest.webmanifest").read_text())
    assert manifest["file_handlers"][0]["accept"] == {"application/vnd.sqlite3": formats.DATABASES["suffixes"]}


def test_the_sample_the_welcome_opens_is_built_and_has_something_for_every_feature(dist):
    """build_steps/sample.py writes dist/sample.db; pwa/page/welcome.js fetches it by the same name, and its table page."""
    import build

    assert f'"{build.SAMPLE}"' in (ROOT / "pwa" / "page" / "welcome.js").read_text()
    conn = sqlite3.connect(f"file:{dist / build.SAMPLE}?mode=ro", uri=True)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert conn.execute("select count(distinct park), count(*) from sightings").fetchone() == (8, 4000)
    assert conn.execute("select count(*) from species_fts where species_fts match 'tit'").fetchone()[0] == 4
    assert conn.execute("select count(*) from pragma_foreign_key_list('sightings')").fetchone()[0] == 1
    assert conn.execute("select count(*) from sightings_by_month").fetchone()[0] == 12
    conn.close()
    assert (dist / build.SAMPLE).stat().st_size < 1_000_000


def test_the_shells_saved_view_frame_has_the_placeholder_the_service_worker_fills():
    """pwa/sw/sw.js points the saved view's frame at the page a window opens at by replacing the attribute
    shared/saved-views.js names (FRAME_PLACEHOLDER): index.html must have it, once."""
    placeholder = re.search(r'FRAME_PLACEHOLDER = "([^"]+)"', (ROOT / "pwa" / "shared" / "saved-views.js").read_text())
    assert (ROOT / "pwa" / "page" / "index.html").read_text().count(f"<iframe {placeholder[1]} ") == 1
