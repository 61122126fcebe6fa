"""What the Chromium sections share: the shared browser lock, the built app and its server, a started app, a local
CORS file server for links, and the app's answers read as a user would (notices, the library, Check)."""

import fcntl
import hashlib
import subprocess
import sys
import time
from contextlib import contextmanager

from playwright.sync_api import Error as PlaywrightError
from testkit.browser import launch, wait_ready
from testkit.page import clear_notices
from testkit.servers import serve_app

from . import ROOT

LOCK = "/tmp/browser.lock"
UNEXPECTED_DIALOGS = []  # dialogs found open where none should be (browser.dismiss)
SETUP_FAILURES = []  # the app failing to start for a section, not after hostile input: reported with the results
NOTICES = "() => [...document.querySelectorAll('#notices .notice span')].map(n => n.textContent)"
STOPPED = "Datasette stopped"
# A database's contents as the app serves them: every row of items, its FTS index's rows, and the schema.
CHECKSUM_SQL = (
    "select (select group_concat(sql, ';') from (select sql from sqlite_master order by name)) || '|' ||"
    " (select count(*) || ':' || ifnull(group_concat(id || '=' || name, ','), '') from (select * from items order by id))"
    " as contents"
)
CHECKSUM_JS = """([db, sql]) => fetch(`ds/${db}/-/query.json?_shape=array&sql=${encodeURIComponent(sql)}`,
  {signal: AbortSignal.timeout(60000)}).then(async (r) => [r.status, await r.text()]).catch((e) => [0, String(e)])"""


@contextmanager
def browser_lock():
    """The machine's shared lock for any browser run or build (others wait; so does this)."""
    with open(LOCK, "a") as lock:
        print("waiting for the browser lock…", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def build_and_serve():
    """dist/ built from the working tree (under the lock), and `build.py serve` on a free port."""
    print("building dist/…", flush=True)
    subprocess.run([sys.executable, "build.py"], cwd=ROOT, check=True, capture_output=True)
    return serve_app()


def start(playwright, profile, url, settings=None, tries=1):
    """(context, page) of the app started on profile, or (None, why) when it did not start (tries times). settings:
    the app's localStorage settings (the SQL time limit), written before the worker starts."""
    for _ in range(tries - 1):
        context, page = start(playwright, profile, url, settings)
        if context is not None:
            return context, page
        SETUP_FAILURES.append(page)
        print(f"  the app did not start: {page[:300]}", flush=True)
    context = launch(playwright, profile)
    page = context.pages[0]
    try:
        if settings:
            page.goto(url + "manifest.webmanifest")  # a page of the app's origin that starts no worker
            page.evaluate("s => localStorage.setItem('datasette-pwa-settings', s)", settings)
        page.goto(url)
        wait_ready(page)
        return context, page
    except (AssertionError, PlaywrightError) as error:
        context.close()
        return None, str(error)[:500]


def notices(page) -> list[str]:
    return page.evaluate(NOTICES)


def settle(page, after: list[str]) -> tuple[list[str], bool]:
    """The notices since after was read, and whether the worker crashed (cleared; the app waits for Ready again)."""
    now = notices(page)
    new = now[len(after) :] if now[: len(after)] == after else now
    crashed = any(STOPPED in n for n in new)
    clear_notices(page)
    if crashed:
        wait_ready(page)
    return new, crashed


def contents(page, db: str) -> str:
    """A digest of db's contents as the app serves them ("" with why, when it cannot answer)."""
    status, body = page.evaluate(CHECKSUM_JS, [db, CHECKSUM_SQL])
    if status != 200:
        return f"unreadable: {status} {body[:200]}"
    return hashlib.sha256(body.encode()).hexdigest()


def library_item(page, name: str) -> str | None:
    """The library's line for database name (with "can't be opened: …" when set aside), or None if not listed."""
    return page.evaluate("n => document.querySelector(`#library li[data-name='${n}']`)?.textContent ?? null", name)


def dismiss(page) -> str | None:
    """Close a dialog left open (Cancel), so the sidebar can be clicked; its text, noted in UNEXPECTED_DIALOGS."""
    dialogs = page.locator("dialog[open]")
    texts = []
    while dialogs.count():  # the top one first
        texts.append(" ".join(dialogs.last.inner_text().split())[:300])
        print(f"  a dialog was open: {texts[-1]}", flush=True)
        dialogs.last.get_by_role("button", name="Cancel", exact=True).click()
        time.sleep(0.2)
    UNEXPECTED_DIALOGS.extend(texts)
    return " | ".join(texts) or None


def check(page, name: str, timeout=120_000) -> str:
    """Click Check for name; the notice it ends with ("passed", or "failed …"; "no answer" after timeout)."""
    dismiss(page)
    clear_notices(page)
    page.click(f"#library li[data-name='{name}'] button[aria-label='Check {name}']")
    try:
        page.wait_for_function(
            "n => new RegExp(n + ' (passed|failed)').test(document.querySelector('#notices').textContent)",
            arg=name,
            timeout=timeout,
        )
    except PlaywrightError:
        return "no answer"
    said = " ".join(n for n in notices(page) if name in n)
    clear_notices(page)
    return said


def wait_until(page, js: str, arg, timeout_s: float, every=0.2):
    """Poll js(arg) in the page until it returns something truthy; that value, or None after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = page.evaluate(js, arg)
        except PlaywrightError:
            value = None  # the page navigating, or the frame between documents
        if value:
            return value
        time.sleep(every)
    return None
