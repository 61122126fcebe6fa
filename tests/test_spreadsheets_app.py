"""Spreadsheets in and out in Chromium, offline, as a user does it: a workbook opened with the Open button becomes a
table per sheet (or the one picked), its reader loaded on demand from the app's own files; a table downloads as
.xlsx. (CPython tests of the same: test_spreadsheets.py.)"""

import base64
import io
from pathlib import Path

import pytest
from testkit.browser import installed_offline
from testkit.page import library_names, notices, open_with_input, wait_for_frame, wait_for_library, wait_for_notice
from testkit.sheets import write_xlsx

DOCS = Path(__file__).resolve().parent.parent / "docs"
BIRDS = [["name", "count", "weight"], ["wren", 3, 9.5], ["kite", 1, 1100], ["robin", 2, 18.25, "past the header"]]
PARKS = [["park", "area"], ["Heath", 320], ["Fields", 45]]


@pytest.fixture(scope="module")
def app(playwright, server, tmp_path_factory):
    session = installed_offline(playwright, server, tmp_path_factory.mktemp("sheets-profile"))
    yield session.page
    session.context.close()
    assert session.guard.outside == [], f"requests left 127.0.0.1: {session.guard.outside}"


def import_dialog(page, path):
    open_with_input(page, [path])
    dialog = page.locator("dialog[open]")
    dialog.locator("h2", has_text=f"Import {path.name}").wait_for()
    return dialog


def rows(page, path):
    return page.evaluate(f"fetch('{path}?_shape=array').then(r => r.json())")


def test_a_workbook_becomes_a_table_per_sheet(app, tmp_path):
    dialog = import_dialog(app, write_xlsx(tmp_path / "survey.xlsx", {"Birds": BIRDS, "Parks": PARKS}))
    sheets = dialog.locator("label", has_text="Sheets").locator("select")
    assert sheets.locator("option").all_inner_texts() == ["Every sheet, each a table", "Birds", "Parks"]
    app.screenshot(path=DOCS / "spreadsheet.png")
    dialog.locator("button", has_text="Import").click()
    wait_for_library(app, "survey")
    wait_for_frame(app, "/ds/survey")
    texts = " | ".join(notices(app))
    assert "Imported 4 rows from survey.xlsx into survey." in texts
    assert "Each sheet became a table: Birds (2 rows), Parks (2 rows)." in texts
    assert "1 row(s) of survey.xlsx were skipped: Birds row 4: values beyond the header's 3 columns." in texts
    assert rows(app, "ds/survey/Birds.json") == [
        {"rowid": 1, "name": "wren", "count": 3, "weight": 9.5},
        {"rowid": 2, "name": "kite", "count": 1, "weight": 1100.0},
    ]
    frame = app.frame_locator("#frame")
    assert frame.locator("a[href$='/ds/survey/Parks']").count() > 0


def test_one_sheet_picked_goes_into_a_database_under_the_name_given(app, tmp_path):
    dialog = import_dialog(app, write_xlsx(tmp_path / "more.xlsx", {"Birds": BIRDS, "Parks": PARKS}))
    dialog.locator("label", has_text="Into database").locator("select").select_option("survey")
    dialog.locator("label", has_text="Sheets").locator("select").select_option("Parks")
    dialog.locator("input").fill("parks again")
    dialog.locator("button", has_text="Import").click()
    wait_for_frame(app, "/ds/survey/parks+again")
    assert rows(app, "ds/survey/parks+again.json") == [
        {"rowid": 1, "park": "Heath", "area": 320},
        {"rowid": 2, "park": "Fields", "area": 45},
    ]


def test_a_file_that_is_not_a_spreadsheet_says_so_and_adds_nothing(app, tmp_path):
    before = set(library_names(app))
    fake = tmp_path / "budget.xlsx"
    fake.write_bytes(b"PK\x03\x04 this is not a workbook")
    open_with_input(app, [fake])
    wait_for_notice(app, "budget.xlsx could not be read as a spreadsheet")
    assert app.locator("dialog[open]").count() == 0 and set(library_names(app)) == before


def test_a_table_downloads_as_xlsx_from_its_page(app):
    app.evaluate("() => { document.getElementById('frame').src = 'ds/survey/Birds'; }")
    wait_for_frame(app, "/ds/survey/Birds")
    link = app.frame_locator("#frame").locator("a[href*='Birds.xlsx']")
    href = link.first.get_attribute("href")
    body = app.evaluate(
        "href => fetch(href).then(r => r.arrayBuffer()).then(b => btoa(String.fromCharCode(...new Uint8Array(b))))",
        href,
    )
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_filelike(io.BytesIO(base64.b64decode(body))).get_sheet_by_index(0)
    assert sheet.to_python() == [["rowid", "name", "count", "weight"], [1, "wren", 3, 9.5], [2, "kite", 1, 1100]]
