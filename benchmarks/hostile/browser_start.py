"""Section 2b: the same sample of damaged databases, in Chromium, as databases already in the library at a start: ten
databases of the library (s0…s9) have their files in OPFS overwritten with ten damaged ones (from a page of the app's
origin that starts no worker), then the app starts. It must reach Ready, with each of them listed "can't be opened"
with a reason or served with its pages answering, and the intact database's contents unchanged."""

import tempfile
import time
from pathlib import Path

from testkit.browser import launch
from testkit.page import open_with_input, wait_for_library
from testkit.servers import serve_cors_files

from . import browser
from .browser_dbs import TABLES_JS
from .damage import describe
from .damaged import empty_row
from .shapes import make_intact

SLOTS = 10
OVERWRITE_JS = """async ([name, url]) => {
  const db = await new Promise((ok, no) => { const r = indexedDB.open('datasette-pwa'); r.onsuccess = () => ok(r.result); r.onerror = no; });
  const record = await new Promise((ok) => { const r = db.transaction('databases').objectStore('databases').get(name); r.onsuccess = () => ok(r.result); });
  db.close();
  const bytes = await (await fetch(url)).arrayBuffer();
  const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('library');
  const writable = await (await folder.getFileHandle(record.file)).createWritable();
  await writable.write(bytes);
  await writable.close();
  localStorage.removeItem('datasette-pwa-crashes');  // a slot's crashes in the group before are not this one's
  return bytes.byteLength;
}"""
PAGE_JS = """(name) => fetch(`ds/${name}`, { signal: AbortSignal.timeout(60000) })
  .then(async (r) => [r.status, await r.text()]).catch((e) => [0, String(e)])"""


def slot_outcome(page, name, row) -> list[str]:
    """One damaged database of the library after the start: listed with a reason, or served with its pages."""
    item = browser.library_item(page, name)
    if item is None:
        row["silent_failures"] += 1
        return [f"{name} left the library without a word"]
    if "can't be opened" in item:
        row["set_aside"] += 1
        reason = item.split("can't be opened", 1)[1].strip(": ")
        return [] if reason else [f"{name} is listed as can't be opened, without a reason: {item}"]
    row["opened"] += 1
    wrong = []
    status, body = page.evaluate(PAGE_JS, name)
    pages = [[f"ds/{name}", status, body[-3000:]]] + page.evaluate(TABLES_JS, name)
    for path, status, body in pages:
        if status == 200:
            row["pages_rendered"] += 1
        elif ("red;" in body or '"error"' in body) and "Traceback" not in body:
            row["page_errors_in_words"] += 1
        else:
            row["silent_failures"] += 1
            wrong.append(f"{path} answered {status} without words: {body[:200]}")
    return wrong


def overwrite(playwright, profile, url, files_url, names):
    """Overwrite each name's file in OPFS with files_url/<name>.db, with no worker running."""
    context = launch(playwright, profile)
    page = context.pages[0]
    page.goto(url + "manifest.webmanifest")
    for name in names:
        page.evaluate(OVERWRITE_JS, [name, f"{files_url}{name}.db"])
    context.close()


def group(playwright, url, profile, files, files_url, damager, cases, row):
    """One start with len(cases) damaged databases in the library; (context, page, failures)."""
    names = [f"s{i}" for i in range(len(cases))]
    for name, case in zip(names, cases, strict=True):
        damager.make(case, files / f"{name}.db")
    overwrite(playwright, profile, url, files_url, names)
    context, page = browser.start(playwright, profile, url)
    row["tried"] += len(cases)
    failures = []
    if context is None:
        row["failed_starts"] += 1
        failures.append({"case": ", ".join(describe(c) for c in cases), "what": [f"failed start: {page}"]})
        context, page = browser.start(playwright, profile, url)
        if context is None:
            raise SystemExit(f"the app does not start any more: {page}")
    before = []
    for name, case in zip(names, cases, strict=True):
        wrong = slot_outcome(page, name, row)
        if wrong:
            failures.append({"case": describe(case), "plan": case, "mode": "start", "what": wrong})
    new, crashed = browser.settle(page, before)
    if crashed:
        row["worker_crashes"] += 1
        failures.append({"case": ", ".join(describe(c) for c in cases), "mode": "start", "what": new})
    return context, page, failures


def run(playwright, url, damager, chosen) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="hostile-start-"))
    (folder / "files").mkdir()
    files_url, files_server = serve_cors_files(folder / "files")
    row, failures, began = empty_row("damaged databases in the library at a start (Chromium)"), [], time.monotonic()
    context, page = browser.start(playwright, folder / "profile", url, tries=2)
    if context is None:
        raise SystemExit(f"the app did not start: {page}")
    open_with_input(page, [make_intact(folder / "intact.db")])
    wait_for_library(page, "intact")
    slots = [make_intact(folder / f"s{i}.db") for i in range(SLOTS)]
    open_with_input(page, slots)
    wait_for_library(page, f"s{SLOTS - 1}")
    intact = browser.contents(page, "intact")
    context.close()
    for first in range(0, len(chosen), SLOTS):
        cases = chosen[first : first + SLOTS]
        context, page, found = group(
            playwright, url, folder / "profile", folder / "files", files_url, damager, cases, row
        )
        if browser.contents(page, "intact") != intact:
            row["other_databases_changed"] += 1
            found.append({"case": "the group's start", "what": ["the intact database's contents changed"]})
        context.close()
        failures += found
        for failure in found:
            print(f"  FAILURE {failure['case'][:200]}: {'; '.join(failure['what'])[:300]}", flush=True)
        print(f"  {first + len(cases)}/{len(chosen)}: {', '.join(f'{k} {v}' for k, v in row.items() if v)}", flush=True)
    files_server.shutdown()
    return {"rows": [row], "failures": failures, "seconds": round(time.monotonic() - began)}
