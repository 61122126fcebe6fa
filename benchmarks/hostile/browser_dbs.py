"""Section 2: a random sample of the damaged databases opened in the real app in Chromium (the Open button's input),
into a library holding an intact database. Each ends with a notice giving the reason, or the database in the library
with its page drawn (and its tables' pages asked for); the app is restarted after every 10 and must reach Ready,
with the intact database's contents unchanged throughout."""

import tempfile
import time
from pathlib import Path

from testkit.page import open_with_input, wait_for_library

from . import browser
from .damage import describe
from .damaged import empty_row
from .shapes import make_intact

OUTCOME_JS = """([file, name]) => {
  const texts = [...document.querySelectorAll('#notices .notice span')].map((n) => n.textContent);
  const notice = texts.find((t) => t.includes(file) || t.includes('Datasette stopped'));
  if (notice) return { notice };
  if (document.querySelector('#imports .import')) return null;
  const item = document.querySelector(`#library li[data-name='${name}']`);
  if (!item) return null;
  if (item.textContent.includes("can't be opened")) return { listed: item.textContent };
  const w = document.getElementById('frame').contentWindow;
  if (!w.location.pathname.endsWith('/ds/' + name) || w.document.readyState !== 'complete') return null;
  const box = w.document.querySelector('div[style*="solid red"]');
  return { listed: item.textContent, h1: w.document.querySelector('h1')?.textContent ?? '', error: box?.textContent ?? '' };
}"""
TABLES_JS = """async (name) => {
  const answer = async (path) => fetch(path, { signal: AbortSignal.timeout(60000) })
    .then(async (r) => [r.status, await r.text()]).catch((e) => [0, String(e)]);
  const [status, body] = await answer(`ds/${name}.json`);
  if (status !== 200) return [[`ds/${name}.json`, status, body.slice(0, 300)]];
  const data = JSON.parse(body);
  const names = [...data.tables.filter((t) => !t.hidden), ...(data.views ?? [])].map((t) => t.name);
  const out = [];
  for (const table of names) {
    const path = `ds/${name}/${encodeURIComponent(table)}.json?_size=10`;
    out.push([path, ...(await answer(path))].map((v) => (typeof v === 'string' ? v.slice(0, 300) : v)));
  }
  return out;
}"""
CASE_SECONDS = 90
RESTART_EVERY = 10


def tables(page, name, row, wrong):
    for path, status, body in page.evaluate(TABLES_JS, name):
        if status == 200:
            row["pages_rendered"] += 1
        elif '"error"' in body and "Traceback" not in body:
            row["page_errors_in_words"] += 1
        else:
            row["silent_failures"] += 1
            wrong.append(f"{path} answered {status} without words: {body}")


def one(page, url, damager, case, folder, row) -> tuple[object, list[str]]:
    """Open case's damaged database; count what the window shows. Returns (page, what went wrong)."""
    name = f"d{case['number']}"
    path = damager.make(case, folder / f"{name}.db")
    before = browser.notices(page)
    open_with_input(page, [path])
    shown = browser.wait_until(page, OUTCOME_JS, [path.name, name], CASE_SECONDS)
    path.unlink()
    row["tried"] += 1
    wrong = []
    if shown is None:
        row["hangs"] += 1
        wrong.append(f"neither a notice nor the database after {CASE_SECONDS} s")
        page.goto(url)
        browser.wait_ready(page)
        return page, wrong
    new, crashed = browser.settle(page, before)
    if crashed:
        row["worker_crashes"] += 1
        wrong.append(f"the worker crashed: {new}")
    elif "notice" in shown:
        said = shown["notice"]
        row["refused"] += "was not added" in said
        if "was not added: " not in said or "Traceback" in said or said.rstrip().endswith(":"):
            row["silent_failures"] += 1
            wrong.append(f"the notice gives no reason in words: {said}")
    elif "can't be opened" in shown["listed"]:
        row["set_aside"] += 1
    else:
        row["opened"] += 1
        if shown["error"]:
            row["page_errors_in_words"] += 1
        tables(page, name, row, wrong)
    return page, wrong


def restart(playwright, context, profile, url, row) -> tuple[object, object, list[str]]:
    """Close the browser and start the app again; it must reach Ready (one retry)."""
    context.close()
    context, page = browser.start(playwright, profile, url)
    if context is None:
        row["failed_starts"] += 1
        failed = page
        context, page = browser.start(playwright, profile, url)
        if context is None:
            raise SystemExit(f"the app does not start any more: {page}")
        return context, page, [f"failed start: {failed}"]
    return context, page, []


def run(playwright, url, damager, chosen: list[dict]) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="hostile-dbs-"))
    row, failures, began = (
        empty_row("damaged databases opened in Chromium (Open, beside an intact database)"),
        [],
        time.monotonic(),
    )
    context, page = browser.start(playwright, folder / "profile", url, tries=2)
    if context is None:
        raise SystemExit(f"the app did not start: {page}")
    open_with_input(page, [make_intact(folder / "intact.db")])
    wait_for_library(page, "intact")
    intact = browser.contents(page, "intact")
    for i, case in enumerate(chosen, 1):
        page, wrong = one(page, url, damager, case, folder, row)
        if browser.contents(page, "intact") != intact:
            row["other_databases_changed"] += 1
            wrong.append("the intact database's contents changed (or it stopped answering)")
        if i % RESTART_EVERY == 0:
            context, page, failed = restart(playwright, context, folder / "profile", url, row)
            wrong += failed
            if browser.contents(page, "intact") != intact:
                row["other_databases_changed"] += 1
                wrong.append("after a restart, the intact database's contents changed (or it is not served)")
        if wrong:
            failures.append({"case": describe(case), "plan": case, "what": wrong})
            print(f"  FAILURE {describe(case)}: {wrong[0][:300]}", flush=True)
        print(f"  {i}/{len(chosen)} {describe(case)}: {row_summary(row)}", flush=True)
    listed = page.evaluate("() => document.querySelectorAll('#library li').length")
    context.close()
    return {"rows": [row], "failures": failures, "listed_at_end": listed, "seconds": round(time.monotonic() - began)}


def row_summary(row):
    return ", ".join(f"{k} {v}" for k, v in row.items() if k not in ("input",) and v)
