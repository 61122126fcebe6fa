"""Datasette's and sqlite-utils' own test suites as a second opinion (issues 24 and 27), under CPython:

- Datasette 1.0a41's suite with the bundled plugins, without and with this project's plugin: each test whose outcome
  differs, with its reason (what the plugin changes in Datasette's behaviour, by design);
- Datasette's and sqlite-utils 4.2.1's suites on the standard `sqlite3` and on python/datasette_pwa/sqlite3_apsw
  (SQLite 3.54 through APSW, installed before pytest starts): each difference, with its reason.

    .venv/bin/python benchmarks/upstream_suites.py [--only LABEL ...] [--report-only]

Everything it fetches is cached under .cache/upstream/ (the source distributions from PyPI; Datasette's missing
support files from the repository snapshot that the search tool's `fetch github:simonw/datasette` leaves; a
virtualenv of its own with the test extras). Takes about 30 minutes on 2 cores, run under `nice`. Writes
benchmarks/results/upstream_suites.json and .md. Not part of the test run; it asserts nothing.
"""

import argparse
import datetime
import json
import subprocess
import sys
from pathlib import Path

from upstream import prepare, report, timing
from upstream.compare import differences
from upstream.runs import CACHE, counts, read_run, run

HERE = Path(__file__).resolve().parent

RESULTS = HERE / "results"
BUNDLED = [requirement.split("==")[0] for requirement in prepare.BUNDLED]


def plan(datasette: Path, sqlite_utils: Path) -> list[dict]:
    """The runs: (label, suite folder, its test files, the plugins Datasette loads, APSW or not)."""
    every = sorted(f"tests/{path.name}" for path in (datasette / "tests").glob("test_*.py"))
    utils = sorted(f"tests/{path.name}" for path in (sqlite_utils / "tests").glob("test_*.py"))
    return [
        dict(label="datasette-bundled", suite=datasette, files=every, plugins=BUNDLED, apsw=False),
        dict(label="datasette-pwa", suite=datasette, files=every, plugins=[*BUNDLED, "datasette-pwa"], apsw=False),
        dict(label="datasette-bundled-apsw", suite=datasette, files=every, plugins=BUNDLED, apsw=True),
        dict(label="sqlite-utils", suite=sqlite_utils, files=utils, plugins=None, apsw=False),
        dict(label="sqlite-utils-apsw", suite=sqlite_utils, files=utils, plugins=None, apsw=True),
    ]


COMPARISONS = [
    ("plugin", "datasette-bundled", "datasette-pwa", "Datasette: bundled plugins, then this project's too"),
    ("apsw-datasette", "datasette-bundled", "datasette-bundled-apsw", "Datasette: sqlite3, then APSW's SQLite"),
    ("apsw-sqlite-utils", "sqlite-utils", "sqlite-utils-apsw", "sqlite-utils: sqlite3, then APSW's SQLite"),
]


def git_revision() -> str:
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=HERE, capture_output=True, text=True).stdout
    return rev + (" (with uncommitted changes)" if dirty.strip() else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="run only these runs (labels); read the others' last JUnit XML")
    parser.add_argument("--report-only", action="store_true", help="only write the .md from the .json")
    args = parser.parse_args()
    if args.report_only:
        report.write(json.loads((RESULTS / "upstream_suites.json").read_text()), RESULTS / "upstream_suites.md")
        return
    datasette, sqlite_utils = prepare.sdist(prepare.DATASETTE), prepare.sdist(prepare.SQLITE_UTILS)
    support_commit, missing = prepare.support_files(datasette)
    if missing:
        print(f"Datasette's suite cannot run: {', '.join(missing)} not in its sdist and no repository snapshot")
    prepare.venv()
    prepare.install_project()
    runs = {}
    for step in plan(datasette, sqlite_utils):
        if step["suite"] == datasette and missing:
            continue
        xml = CACHE / "results" / f"{step['label']}.xml"
        if args.only is None or step["label"] in args.only:
            runs[step["label"]] = run(**step)
        elif xml.exists():
            runs[step["label"]] = read_run(step["label"])
    results = summarize(runs, support_commit, missing)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "upstream_suites.json").write_text(json.dumps(results, indent=1) + "\n")
    report.write(results, RESULTS / "upstream_suites.md")


def summarize(runs: dict, support_commit: str | None, missing: list[str]) -> dict:
    comparisons = []
    for name, before, after, title in COMPARISONS:
        if before not in runs or after not in runs:
            continue
        found = differences(name, runs[before]["outcomes"], runs[after]["outcomes"])
        comparisons.append(
            {
                "name": name,
                "title": title,
                "before": {"run": before, **counts(runs[before]["outcomes"]), "seconds": runs[before].get("seconds")},
                "after": {"run": after, **counts(runs[after]["outcomes"]), "seconds": runs[after].get("seconds")},
                "differences": found,
                "unexplained": sum(1 for difference in found if not difference["reason"]),
            }
        )
    versions = prepare.versions()
    return {
        "date": datetime.date.today().isoformat(),
        "git_revision": git_revision(),
        "python": sys.version.split()[0],
        "versions": {name: versions.get(name) for name in ("datasette", "sqlite-utils", "apsw", "pytest")},
        "sqlite": {"sqlite3": sqlite_version(False), "apsw": sqlite_version(True)},
        "datasette_support_files": {"from_commit": support_commit, "missing": missing},
        "import_ms": timing.import_times(),
        "comparisons": comparisons,
    }


def sqlite_version(apsw: bool) -> str:
    code = "import sqlite3; print(sqlite3.sqlite_version)"
    if apsw:
        code = f"import sys; sys.path.insert(0, {str(HERE.parent / 'python')!r}); " + (
            "from datasette_pwa.sqlite3_apsw import install; install(); " + code
        )
    return subprocess.run([prepare.PYTHON, "-c", code], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    main()
