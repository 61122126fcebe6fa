"""One run of an upstream suite: its files in one pytest process (some of Datasette's table-HTML tests fail only
after other files ran, so a file set always runs whole), under `nice`, its outcomes read from pytest's JUnit XML."""

import os
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from .prepare import CACHE, PYTHON, ROOT

# Put before pytest, in the same process: the APSW module replaces `sqlite3` before anything imports it.
WITH_APSW = """import sys
sys.path.insert(0, {python!r})
assert "sqlite3" not in sys.modules, "sqlite3 was imported before install()"
from datasette_pwa.sqlite3_apsw import install
assert install(), "apsw cannot be imported"
import pytest
sys.exit(pytest.main(sys.argv[1:]))
"""
PER_TEST_TIMEOUT_S = 120


def run(label: str, suite: Path, files: list[str], plugins: list[str] | None, apsw: bool) -> dict:
    """Runs `files` of the suite in `suite`; `plugins` lists the distributions Datasette loads (None: its default).
    Returns the run's description with each test's outcome and, for those that did not pass, its message."""
    xml = CACHE / "results" / f"{label}.xml"
    xml.parent.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "DATASETTE_LOAD_PLUGINS"}
    if plugins is not None:
        env["DATASETTE_LOAD_PLUGINS"] = ",".join(plugins)
    start = ["-c", WITH_APSW.format(python=str(ROOT / "python"))] if apsw else ["-m", "pytest"]
    args = ["-q", "-p", "no:cacheprovider", f"--junitxml={xml}", f"--timeout={PER_TEST_TIMEOUT_S}", *files]
    print(f"running {label}: {len(files)} files in {suite.name}", flush=True)
    began = time.monotonic()
    log = CACHE / "results" / f"{label}.log"
    with log.open("w") as out:
        subprocess.run(["nice", "-n", "10", PYTHON, *start, *args], cwd=suite, env=env, stdout=out, stderr=out)
    print(f"  {label}: {counts(read_junit(xml))} in {round(time.monotonic() - began)} s", flush=True)
    return read_run(label)


def read_run(label: str) -> dict:
    """A run's outcomes and pytest's time for it, from its JUnit XML."""
    xml = CACHE / "results" / f"{label}.xml"
    suite = next(ET.parse(xml).iter("testsuite"))
    return {"label": label, "seconds": round(float(suite.get("time"))), "outcomes": read_junit(xml)}


def read_junit(path: Path) -> dict[str, dict]:
    """Each test's outcome (passed, failed, error, skipped) and, unless it passed, the first lines of its message."""
    outcomes = {}
    for case in ET.parse(path).iter("testcase"):
        test = f"{case.get('classname')}::{case.get('name')}"
        result = {"outcome": "passed"}
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                text = (child.get("message") or "") + "\n" + (child.text or "")
                result = {"outcome": "failed" if child.tag == "failure" else child.tag, "message": text.strip()[:600]}
                if child.tag != "skipped":
                    break
        if test in outcomes and outcomes[test]["outcome"] != "passed":
            continue  # a test that failed and whose teardown errored too: its failure counts
        outcomes[test] = result
    return outcomes


def counts(outcomes: dict[str, dict]) -> dict[str, int]:
    tally = {"tests": len(outcomes), "passed": 0, "failed": 0, "error": 0, "skipped": 0}
    for result in outcomes.values():
        tally[result["outcome"]] += 1
    return tally
