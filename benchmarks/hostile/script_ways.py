"""The three ways a hostile script reaches the app, as a user would bring it: execute-write (the JSON API the app's own
pages call), a drop of its .sql file, and a link to it (<app>/?url=…). Each returns a Run: how it ended, what the
app said, how long it took and whether that was within its limit."""

import json
import re
import time
from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError
from testkit.browser import wait_ready
from testkit.page import drop

from . import browser

HANG_SECONDS = 90  # a script brought as a file that has not ended by then is a hang (the bulk limit is 5 minutes)
SLACK_SECONDS = 5  # past the SQL time limit: the request's way through the service worker, the shell and Pyodide
CANCEL_AFTER_SECONDS = 3  # a slow script brought as a file is cancelled after this
CANCEL_GRACE_SECONDS = 3 + 20  # copying.js's grace before it restarts Datasette, and the restart
EXECUTE_WRITE_JS = """([db, sql, ms]) => { const began = performance.now();
  return fetch(`ds/${db}/-/execute-write`, { method: 'POST', signal: AbortSignal.timeout(ms),
    headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ sql }) })
    .then(async (r) => [r.status, await r.text(), performance.now() - began])
    .catch((e) => [0, String(e), performance.now() - began]); }"""
NOTICE_FOR_JS = """(name) => [...document.querySelectorAll('#notices .notice span')].map((n) => n.textContent)
  .find((t) => t.includes(name) || t.includes('Datasette stopped')) ?? null"""


@dataclass
class Run:
    outcome: str  # ran, refused, stopped, hang, crash, failed start, silent
    said: str
    seconds: float
    within: bool


def file_name(hostile) -> str:
    return re.sub(r"\W+", "-", hostile.name).strip("-") + ".sql"


def words_of(body: str) -> str:
    try:
        answer = json.loads(body)
        return " ".join(str(e) for e in answer.get("errors") or [answer.get("error") or ""] if e)
    except (ValueError, AttributeError):
        return ""


def execute_write(library, hostile, sql, files_url, folder, limit_s) -> Run:
    page = library.page
    before = browser.notices(page)
    status, body, ms = page.evaluate(EXECUTE_WRITE_JS, ["target", sql, HANG_SECONDS * 1000])
    seconds = ms / 1000
    new, crashed = browser.settle(page, before)
    if crashed:
        return Run("crash", f"{new} ({status} {body[:200]})", seconds, False)
    if status == 0:
        return Run("hang", f"no answer after {HANG_SECONDS} s: {body}", seconds, False)
    within = seconds <= limit_s + SLACK_SECONDS
    if status == 200:
        return Run("ran", body, seconds, within)
    words = words_of(body)
    if not words or "Traceback" in words:
        return Run("silent", f"{status} without words: {body[:300]}", seconds, within)
    stopped = hostile.slow and re.search(r"interrupt|time limit|too long|took longer", words, re.IGNORECASE)
    return Run("stopped" if stopped else "refused", f"{status}: {words}", seconds, within)


def dropped(library, hostile, sql, files_url, folder, limit_s) -> Run:
    name = file_name(hostile)
    (folder / name).write_text(sql)
    drop(library.page, [folder / name])
    try:
        library.page.locator("dialog[open] h2", has_text=f"Run {name}").wait_for(timeout=15_000)
    except PlaywrightError:  # counted in the results (drops_again): a drop can be lost while the frame loads a page
        library.drops_again.append(name)
        drop(library.page, [folder / name])
    return run_file(library, hostile, name)


def linked(library, hostile, sql, files_url, folder, limit_s) -> Run:
    name = file_name(hostile)
    (folder / name).write_text(sql)
    page, began = library.page, time.monotonic()
    page.goto(f"{library.url}?url={files_url}{name}")
    try:
        wait_ready(page)
    except (AssertionError, PlaywrightError) as error:
        library.restart()
        return Run(
            "failed start", f"the app did not start from the link: {error}"[:400], time.monotonic() - began, False
        )
    question = page.locator("dialog[open]")
    try:
        question.locator("h2", has_text="SQL script from the web").wait_for(timeout=30_000)
    except PlaywrightError:
        return Run("silent", f"the link asked nothing: {browser.notices(page)}", time.monotonic() - began, False)
    question.get_by_role("button", name="Open", exact=True).click()
    return run_file(library, hostile, name)


def run_file(library, hostile, name) -> Run:
    """The script's dialog: its database chosen, Run; a slow one cancelled; until its notice."""
    page = library.page
    question = page.locator("dialog[open]")
    try:
        question.locator("h2", has_text=f"Run {name}").wait_for(timeout=30_000)
    except PlaywrightError:
        return Run("silent", f"no Run dialog for {name}: {browser.notices(page)}", 0, False)
    question.locator("select").select_option("target")
    before, began = browser.notices(page), time.monotonic()
    question.get_by_role("button", name="Run", exact=True).click()
    limit = HANG_SECONDS
    if hostile.slow:
        time.sleep(CANCEL_AFTER_SECONDS)
        cancel = page.locator("#imports .import button", has_text="Cancel")
        if cancel.count():
            cancel.first.click()
        limit = time.monotonic() - began + CANCEL_GRACE_SECONDS
    said = browser.wait_until(page, NOTICE_FOR_JS, name, HANG_SECONDS)
    seconds = time.monotonic() - began
    if said is None:
        page.goto(library.url)
        wait_ready(page)
        return Run("hang", f"no notice about {name} after {HANG_SECONDS} s", seconds, False)
    new, crashed = browser.settle(page, before)
    if crashed:
        return Run("crash", " | ".join(new), seconds, False)
    if "was cancelled" in said:
        wait_ready(page)  # Datasette was restarted to stop the statement
        return Run("stopped", said, seconds, seconds <= limit)
    if said.startswith("Ran "):
        return Run("ran", said, seconds, seconds <= limit)
    reason = said.split(" was not imported: ", 1)[1].strip() if " was not imported: " in said else ""
    if not reason or "Traceback" in said:
        return Run("silent", said, seconds, seconds <= limit)
    return Run("refused", said, seconds, seconds <= limit)


WAYS = {
    "execute-write": ("hostile scripts through execute-write (Chromium)", execute_write),
    "drop": ("hostile scripts dropped as .sql files, then Run (Chromium)", dropped),
    "link": ("hostile scripts by a link to the app with ?url=…, then Open and Run (Chromium)", linked),
}
