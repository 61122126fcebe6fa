"""Section 3: every hostile script of testkit/hostile_scripts.py in the real app in Chromium, brought three ways into
the library's database `target`, aimed at the real file of `victim` inside the worker (/library/<its record's file>):
execute-write, a drop of the .sql file (its dialog, then Run) and a link (<app>/?url=…, Open, then Run). The SQL time
limit is set low (2 s) before the app starts; a restore's statements get the bulk limit (5 minutes), so a slow script
brought as a file is stopped with Cancel. After each: the victim's contents through the app, the target's listing and
Check, and the target made afresh if the script changed it."""

import json
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from testkit.databases import make_db
from testkit.hostile_scripts import script_for, scripts
from testkit.page import wait_for_frame
from testkit.servers import serve_cors_files

from . import browser
from .script_ways import WAYS, Run

SQL_LIMIT_MS = 2000
SETTINGS = json.dumps({"sqlTimeLimitMs": SQL_LIMIT_MS})
SCHEMA = """
create table items (id integer primary key, name text);
create virtual table items_fts using fts5(name, content=items, content_rowid=id);
insert into items (name) values ('kept'), ('also kept'), ('third');
insert into items_fts (rowid, name) select id, name from items;
"""
RECORD_FILE_JS = """async (name) => {
  const db = await new Promise((ok, no) => { const r = indexedDB.open('datasette-pwa'); r.onsuccess = () => ok(r.result); r.onerror = no; });
  const record = await new Promise((ok) => { const r = db.transaction('databases').objectStore('databases').get(name); r.onsuccess = () => ok(r.result); });
  db.close();
  return record?.file ?? null;
}"""


def make(path: Path) -> Path:
    """A target or victim database at path, made afresh."""
    path.unlink(missing_ok=True)
    return make_db(path, SCHEMA)


class Library:
    """The app's window, its target and victim databases, and how each is made afresh."""

    def __init__(self, playwright, url, folder: Path):
        self.playwright, self.url, self.folder = playwright, url, folder
        self.drops_again = []  # scripts whose drop showed no dialog within 15 s, so were dropped a second time
        self.context, self.page = browser.start(playwright, folder / "profile", url, SETTINGS, tries=2)
        if self.context is None:
            raise SystemExit(f"the app did not start: {self.page}")
        for name in ("target", "victim"):
            self.add(name)
        self.baseline = {name: browser.contents(self.page, name) for name in ("target", "victim")}
        self.victim_path = f"/library/{self.page.evaluate(RECORD_FILE_JS, 'victim')}"

    def add(self, name: str):
        from testkit.page import open_with_input, wait_for_library

        open_with_input(self.page, [make(self.folder / f"{name}.db")])
        wait_for_library(self.page, name)
        browser.clear_notices(self.page)

    def renew(self, name: str):
        """Remove name from the library and open a fresh copy of it."""
        page = self.page
        page.click(f"#library li[data-name='{name}'] button[aria-label='Remove {name}']")
        page.locator("dialog[open]").get_by_role("button", name="Remove", exact=True).click()
        page.wait_for_selector(f"#library li[data-name='{name}']", state="detached")
        self.add(name)
        wait_for_frame(page, f"/ds/{name}")  # shown once added: a drop while the frame loads is lost (see dropped)
        if name == "victim":
            self.victim_path = f"/library/{page.evaluate(RECORD_FILE_JS, 'victim')}"

    def restart(self):
        self.context.close()
        self.context, self.page = browser.start(self.playwright, self.folder / "profile", self.url)
        if self.context is None:
            raise SystemExit(f"the app does not start any more: {self.page}")


def script_row(label: str) -> dict:
    keys = ["tried", "opened", "refused", "stopped", "other_databases_changed", "malformed_left", "over_limit", "hangs",
            "failed_starts", "worker_crashes", "silent_failures"]  # fmt: skip
    return {"input": label, **dict.fromkeys(keys, 0)}


def aftermath(library: Library, run: Run, row: dict) -> list[str]:
    """The victim and the target after a script: counted into row; what went wrong, in words."""
    page, wrong = library.page, []
    if browser.contents(page, "victim") != library.baseline["victim"]:
        row["other_databases_changed"] += 1
        wrong.append("the victim database's contents changed")
        library.renew("victim")
    item = browser.library_item(page, "target") or ""
    checked = browser.check(page, "target") if item else "not in the library"
    if "can't be opened" in item or "failed" in checked or not item:
        row["malformed_left"] += 1
        wrong.append(f"the target was left malformed: {item[:200]} / Check: {checked[:300]}")
    elif checked == "no answer":
        row["hangs"] += 1
        wrong.append("Check on the target gave no answer")
    if not item or browser.contents(page, "target") != library.baseline["target"] or "passed" not in checked:
        library.renew("target")
    return wrong


def tally(run: Run, row: dict) -> list[str]:
    row["tried"] += 1
    key = {"ran": "opened", "refused": "refused", "stopped": "stopped"}.get(run.outcome)
    if key:
        row[key] += 1
    for outcome, column in (("hang", "hangs"), ("crash", "worker_crashes"), ("failed start", "failed_starts")):
        if run.outcome == outcome:
            row[column] += 1
    if run.outcome == "silent":
        row["silent_failures"] += 1
    if run.outcome not in ("hang", "crash") and not run.within:
        row["over_limit"] += 1
    return [f"{run.outcome}: {run.said[:400]}"] if run.outcome in ("hang", "crash", "failed start", "silent") else []


def run(playwright, url, quick: bool, only=None) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="hostile-scripts-"))
    (folder / "files").mkdir()
    files_url, files_server = serve_cors_files(folder / "files")
    corpus = [h for h in scripts()[:: 10 if quick else 1] if not only or h.name in only]
    library = Library(playwright, url, folder)
    rows = {way: script_row(label) for way, (label, _) in WAYS.items()}
    failures, runs, began = [], [], time.monotonic()
    for i, hostile in enumerate(corpus, 1):
        sql = script_for(hostile, library.victim_path)
        for way, (_, bring) in WAYS.items():
            try:
                result = bring(library, hostile, sql, files_url, folder / "files", SQL_LIMIT_MS / 1000)
            except PlaywrightError as error:
                result = Run("silent", f"the harness could not go on: {error}"[:400], 0, False)
                library.restart()
            wrong = tally(result, rows[way])
            wrong += aftermath(library, result, rows[way])
            runs.append({"script": hostile.name, "way": way, "outcome": result.outcome, "seconds": result.seconds,
                         "said": result.said[:300], "within_limit": result.within})  # fmt: skip
            if wrong:
                failures.append({"script": hostile.name, "sql": sql, "way": way, "what": wrong})
                print(f"  FAILURE {hostile.name} ({way}): {'; '.join(wrong)[:300]}", flush=True)
        print(f"  {i}/{len(corpus)} {hostile.name}: {[r['outcome'] for r in runs[-3:]]}", flush=True)
    library.context.close()
    files_server.shutdown()
    return {
        "rows": list(rows.values()),
        "failures": failures,
        "runs": runs,
        "victim_path": library.victim_path,
        "dropped_twice": library.drops_again,
        "sql_time_limit_ms": SQL_LIMIT_MS,
        "seconds": round(time.monotonic() - began),
    }
