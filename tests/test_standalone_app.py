"""Each database stands alone, in the real app in Chromium: a file SQLite cannot read is refused in words, one of the
library that became unreadable is listed "can't be opened" at the next start while the others open, and one whose
pages crashed the worker twice in a row is set aside, then opens again on Try again."""

import pytest
from test_standalone import unknown_module
from testkit.browser import installed_copy, launch, wait_ready
from testkit.databases import make_db
from testkit.page import IN_LIBRARY, open_with_input, query, wait_for_library, wait_for_notice

# The OPFS file of a database of the library, found by its record (pwa/shared/records.js), overwritten with bytes: what a
# file that became unreadable looks like to the next start. Runs in a page of the app's origin with no worker.
OVERWRITE_JS = """async ([name, bytes]) => {
  const db = await new Promise((ok, no) => { const r = indexedDB.open('datasette-pwa'); r.onsuccess = () => ok(r.result); r.onerror = no; });
  const record = await new Promise((ok) => { const r = db.transaction('databases').objectStore('databases').get(name); r.onsuccess = () => ok(r.result); });
  db.close();
  const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('library');
  const writable = await (await folder.getFileHandle(record.file)).createWritable();
  await writable.write(new Uint8Array(bytes)); await writable.close();
}"""
ITEM = "#library li[data-name='{}']"


@pytest.fixture
def app(playwright, server, installed, tmp_path):
    profile = installed_copy(installed, tmp_path / "profile")
    context = launch(playwright, profile)
    page = context.pages[0]
    page.goto(server.url)
    wait_ready(page)
    yield context, page, profile
    context.close()


def test_a_file_sqlite_cannot_read_is_refused_in_words(app, tmp_path):
    _, page, _ = app
    open_with_input(page, [unknown_module(tmp_path / "modern.db")])
    wait_for_notice(page, "modern.db was not added: it uses a virtual table this SQLite does not have")
    assert "Traceback" not in page.text_content("#notices")
    assert not page.evaluate(IN_LIBRARY, "modern")


def test_a_database_that_became_unreadable_is_listed_and_the_others_open(app, playwright, server, tmp_path):
    context, page, profile = app
    open_with_input(page, [make_db(tmp_path / "good.db"), make_db(tmp_path / "bad.db")])
    wait_for_library(page, "bad")
    context.close()
    context = launch(playwright, profile)
    page = context.pages[0]
    page.goto(server.url + "manifest.webmanifest")  # a page of the app's origin that starts no worker
    page.evaluate(OVERWRITE_JS, ["bad", list(open(unknown_module(tmp_path / "worse.db"), "rb").read())])
    page.goto(server.url)
    wait_ready(page)
    item = page.locator(ITEM.format("bad"))
    assert "can't be opened: it uses a virtual table this SQLite does not have" in item.text_content()
    assert sorted(item.locator(".library-actions button").all_text_contents()) == [
        "Check",
        "Download",
        "Remove",
        "Try again",
    ]
    assert query(page, "good", "select count(*) as n from items") == [{"n": 50}]
    item.get_by_role("button", name="Check bad").click()
    wait_for_notice(page, "bad passed SQLite's integrity check")  # the file is sound; this SQLite lacks its module
    with page.expect_download() as download:
        item.get_by_role("button", name="Download bad").click()
    assert open(download.value.path(), "rb").read() == open(tmp_path / "worse.db", "rb").read()
    item.get_by_role("button", name="Remove bad").click()
    page.get_by_role("button", name="Remove", exact=True).click()
    page.wait_for_selector(ITEM.format("bad"), state="detached")
    context.close()


def test_a_database_whose_pages_crashed_twice_is_set_aside_until_tried_again(app, tmp_path):
    _, page, _ = app
    open_with_input(page, [make_db(tmp_path / "fragile.db")])
    wait_for_library(page, "fragile")
    page.evaluate("() => localStorage.setItem('datasette-pwa-crashes', JSON.stringify({fragile: 2}))")
    page.reload()
    wait_ready(page)
    item = page.locator(ITEM.format("fragile"))
    assert "can't be opened: the app stopped twice in a row while showing its pages" in item.text_content()
    item.get_by_role("button", name="Try again fragile").click()
    page.wait_for_function(
        "() => !document.querySelector(`#library li[data-name='fragile']`).textContent.includes(\"can't\")"
    )
    assert query(page, "fragile", "select count(*) as n from items") == [{"n": 50}]
    assert page.evaluate("() => localStorage.getItem('datasette-pwa-crashes')") == "{}"
