"""Damaged databases through the app's Python under CPython, as the worker uses it (pwa/worker/library-in.js, library.js):

- "import": a file opened into the library: problem_with() (header, length, quick_check); if it passes, add() into
  the running app beside the intact database (serveNew: one set aside is removed again and refused).
- "start": a database already in the library at a start: a fresh app, recover() on each file, then one add() of the
  intact database and the damaged one together, with no check first.

An opened database then has its page and every table and view page asked for, as HTML and as .json. Each case runs
in a worker process (pool.py) so that a hang or a crash is counted, not suffered.
"""

import asyncio
import hashlib
import html
import json
import re
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

from testkit import ORIGIN

ERROR_BOX = re.compile(r'<div style="padding: 1em; margin: 1em 0; border: 3px solid red;">(.*?)</div>', re.DOTALL)
NAME = "damaged"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def said(reply) -> str | None:
    """The message of one of Datasette's error pages (HTML or JSON), in words; None when it has none."""
    text = reply.body.decode("utf-8", "replace")
    if text.lstrip().startswith("{"):
        try:
            text = json.loads(text).get("error") or ""
        except (ValueError, AttributeError):
            return None
    else:
        box = ERROR_BOX.search(text)
        text = html.unescape(re.sub(r"<[^>]+>", "", box.group(1))) if box else ""
    text = " ".join(text.split())
    return text if text and "Traceback" not in text else None


class Worker:
    """One worker process's state: its folder, the intact database, the damage maker, a running app for imports."""

    def __init__(self, shapes_folder: str, seed: int):
        from .damage import Damager
        from .shapes import make_intact, tables_of

        self.folder = Path(tempfile.mkdtemp(prefix="hostile-worker-"))
        self.damager = Damager(Path(shapes_folder), seed)
        self.intact = make_intact(self.folder / "intact.db")
        self.loop = asyncio.new_event_loop()
        self.app = None
        every = {name: tables_of(path) for name, path in self.damager.originals.items()}
        self.tables = {name: self.shown(name, tables) for name, tables in every.items()}
        self.forbidden = {name: set(every[name]) - set(self.tables[name]) for name in every}

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def case(self, case: dict, mode: str) -> dict:
        path = self.damager.make(case, self.folder / f"{NAME}.db")
        before = sha256(self.intact)
        outcome = {"number": case["number"], "mode": mode, "pages": 0, "page_errors": 0, "silent": [], "escaped": None}
        try:
            (self.imported if mode == "import" else self.started)(path, case, outcome)
        except Exception:  # noqa: BLE001 - what escapes the app's functions is what the tally counts
            outcome["escaped"] = traceback.format_exc()[-1500:]
        outcome["intact_changed"] = sha256(self.intact) != before
        for leftover in self.folder.glob(f"{NAME}.db*"):
            leftover.unlink()
        return outcome

    def shown(self, shape: str, tables: list[str]) -> list[str]:
        """Those of tables whose pages the intact shape shows (Datasette forbids an FTS index's config table's)."""
        from datasette_pwa import library
        from datasette_pwa.app import start

        path = self.folder / f"{NAME}.db"
        shutil.copy(self.damager.originals[shape], path)
        app = self.run(start("/ds/", "hostile-tally"))
        self.run(library.add(app.ds, (NAME, str(path))))
        shown = [t for t in tables if self.get(app, f"/ds/{NAME}/{quote(t)}.json").status == 200]
        app.ds.close()
        path.unlink()
        return shown

    def imported(self, path: Path, case: dict, outcome: dict):
        from datasette_pwa import library
        from datasette_pwa.app import start

        if self.app is None:
            self.app = self.run(start("/ds/", "hostile-tally"))
            assert self.run(library.add(self.app.ds, ("intact", str(self.intact)))) == {}
        reason = library.problem_with(str(path))
        if reason:
            outcome.update(outcome="refused", reason=reason)
            return
        try:
            self.opened(self.app, path, case, outcome)
        finally:
            self.run(library.remove(self.app.ds, NAME))
        self.intact_served(self.app, outcome)

    def started(self, path: Path, case: dict, outcome: dict):
        from datasette_pwa import library
        from datasette_pwa.app import start

        app = self.run(start("/ds/", "hostile-tally"))
        try:
            for file in (self.intact, path):
                library.recover(str(file))
            try:
                self.opened(app, path, case, outcome, together=True)
            except Exception:  # noqa: BLE001
                outcome["failed_start"] = traceback.format_exc()[-1500:]
                raise
            if "intact" not in app.ds.databases:
                outcome["failed_start"] = "the intact database is not served after the start"
            self.intact_served(app, outcome)
        finally:
            app.ds.close()

    def opened(self, app, path: Path, case: dict, outcome: dict, together=False):
        """add() the damaged database (with the intact one when together: a start); set aside, or its pages drawn."""
        from datasette_pwa import library

        pairs = [("intact", str(self.intact))] if together else []
        problems = self.run(library.add(app.ds, *pairs, (NAME, str(path))))
        if "intact" in problems:
            outcome["failed_start"] = f"the intact database was set aside: {problems['intact']}"
        if NAME in problems:
            outcome.update(outcome="set aside", reason=problems[NAME])
            if not problems[NAME].strip():
                outcome["silent"].append("set aside without a reason")
            return
        outcome["outcome"] = "opened"
        names = list(self.tables[case["shape"]])
        listed = self.get(app, f"/ds/{NAME}.json")
        if listed.status == 200:
            data = json.loads(listed.body)
            found = [t["name"] for t in data.get("tables", [])] + [v["name"] for v in data.get("views", [])]
            names += [name for name in found if name not in self.forbidden[case["shape"]]]
        paths = [f"/ds/{NAME}"] + [f"/ds/{NAME}/{quote(name)}" for name in dict.fromkeys(names)]
        for page in paths:
            for suffix in ("", ".json"):
                self.page(app, page + suffix, outcome)

    def page(self, app, path: str, outcome: dict):
        reply = self.get(app, path)
        if reply.status == 200:
            outcome["pages"] += 1
        elif said(reply):
            outcome["page_errors"] += 1
            outcome.setdefault("page_messages", {}).setdefault(said(reply)[:160], path)
        else:
            outcome["silent"].append(f"{path}: {reply.status} without a message: {reply.body[:200]!r}")

    def intact_served(self, app, outcome: dict):
        reply = self.get(app, "/ds/intact/items.json?_shape=array&_size=1")
        if reply.status != 200:
            outcome["silent"].append(f"the intact database's page answered {reply.status}: {reply.body[:200]!r}")

    def get(self, app, path: str):
        return self.run(app.handle("GET", ORIGIN + path, [], None))

    def close(self):
        if self.app:
            self.app.ds.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def quote(name: str) -> str:
    from datasette.utils import tilde_encode

    return tilde_encode(name)


def serve(connection, shapes_folder: str, seed: int):
    """A worker process's loop: (case, mode) in, outcome out, until None."""
    import logging

    logging.disable(logging.CRITICAL)
    sys.stderr = open(Path(tempfile.gettempdir()) / "hostile-worker-stderr.log", "a")  # Datasette's 500 tracebacks
    worker = Worker(shapes_folder, seed)
    connection.send("ready")
    while (job := connection.recv()) is not None:
        connection.send(worker.case(*job))
    worker.close()
