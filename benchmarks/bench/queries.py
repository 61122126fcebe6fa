"""Section 5, query speed: the same SQL on the file in OPFS (the app's opfs-fs.js) vs MEMFS, in Pyodide
(benchmarks/harness/), on the app's SQLite 3.54 (APSW's, through python/datasette_pwa/sqlite3_apsw) and on Pyodide's
own 3.39 side by side; CPython's sqlite3 for reference."""

import dataclasses

import datagen

from .common import ROOT, SCAN_SQL, Harness, say, stats

QUERIES_PY = """
import json, random, sqlite3, time
def bench(variants, runs, modules={'sqlite3': sqlite3}):
    # variants: {label: (path, cache_kib or None, module name)}. Each round runs every variant in turn, so that load
    # from elsewhere on the machine falls on all of them alike; round 0 is a warm-up (it also reads the file).
    cons = {}
    for label, (path, cache_kib, module) in variants.items():
        con = cons[label] = modules[module].connect(path)
        con.execute('pragma journal_mode=truncate')  # as the app's plugin sets on every connection
        if cache_kib:
            con.execute(f'pragma cache_size=-{cache_kib}')
    ids = random.Random(1).sample(range(1, ROWS + 1), 1000)
    queries = {
        'count(*)': lambda con: con.execute('select count(*) from items').fetchone(),
        'group by': lambda con: con.execute('select category_id, count(*), avg(price) from items group by category_id').fetchall(),
        '1000 pk lookups': lambda con: [con.execute('select * from items where id = ?', (i,)).fetchone() for i in ids],
        'full scan (the custom SQL page)': lambda con: con.execute(SCAN_SQL).fetchall(),
    }
    out = {label: {name: [] for name in queries} for label in cons}
    for round in range(runs + 1):
        for name, query in queries.items():
            for label, con in cons.items():
                t = time.perf_counter()
                query(con)
                if round:
                    out[label][name].append((time.perf_counter() - t) * 1000)
    for con in cons.values():
        con.close()
    return out
"""


def shim_files():
    """python/datasette_pwa/sqlite3_apsw's files, {path in the harness's Python: text}: the app's sqlite3 over APSW."""
    folder = ROOT / "python" / "datasette_pwa" / "sqlite3_apsw"
    return {f"sqlite3_apsw/{p.name}": p.read_text() for p in sorted(folder.glob("*.py"))}


def queries_code():
    return QUERIES_PY.replace("ROWS", str(datagen.ITEMS)).replace("SCAN_SQL", repr(SCAN_SQL))


@dataclasses.dataclass
class QuerySpeed:
    """results["queries"] is by_storage itself: {storage: {query: stats of its times in ms}}. (Its keys are labels such
    as "OPFS (opfs-fs.js)", not names a dataclass field can have.)"""

    by_storage: dict


def query_speed(pw, dist, scratch, db, runs=9):
    """Section 5: the queries on the page-latency database db, `runs` rounds after a warm-up round."""
    say("5. query speed OPFS vs MEMFS…")
    harness = Harness(pw, dist, scratch)
    try:
        opfs, memfs = (
            harness.call_with_file(db, "toOpfs", "bench.db"),
            harness.call_with_file(db, "toMemfs", "bench.db"),
        )
        # The last variant shows one lever: SQLite's default 2 MB page cache sends random reads to storage.
        variants = {
            "OPFS (opfs-fs.js)": (opfs, None, "apsw"),
            "MEMFS": (memfs, None, "apsw"),
            "OPFS, 64 MB SQLite cache": (opfs, 65536, "apsw"),
            "OPFS, Pyodide's SQLite 3.39": (opfs, None, "sqlite3"),
        }
        harness.call("install", harness.apsw_wheel, shim_files())
        modules = "{'sqlite3': sqlite3, 'apsw': __import__('sqlite3_apsw.dbapi2').dbapi2}"
        results = harness.call("py", queries_code() + f"json.dumps(bench({variants!r}, {runs}, {modules}))")
    finally:
        harness.close()
    scope = {}
    exec(queries_code(), scope)
    version = scope["sqlite3"].sqlite_version  # the tests' sqlite3 (testkit/app_sqlite.py): the app's SQLite
    results.update(scope["bench"]({f"CPython, SQLite {version}, disk": (str(db), None, "sqlite3")}, runs))
    return QuerySpeed({label: {q: stats(v) for q, v in r.items()} for label, r in results.items()})
