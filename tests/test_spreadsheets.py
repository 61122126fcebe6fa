"""Spreadsheets in and out under CPython. In (python/datasette_pwa/spreadsheets.py, through importing.py): each sheet a
table, or the one picked; header and types detected; rows that do not fit skipped and listed; nothing left behind on
failure. Out (features/xlsx.py): a table's or a query's rows as .xlsx. The browser tests are in test_library_app.py
and test_engines.py."""

import datetime
import io
import json
import sqlite3
import zipfile

import pytest
from datasette_pwa.importing import ImportFailed, import_file, sheet_names
from testkit.app import get, header, serving
from testkit.databases import make_db
from testkit.sheets import write_ods, write_xlsx

BIRDS = [
    ["name", "count", "weight", "seen", ""],
    ["wren", 3, 9.5, datetime.date(2026, 5, 1)],
    ["kite", 1, 1100, datetime.date(2026, 5, 2)],
    [],
    ["robin", 2, 18.25, datetime.date(2026, 5, 3), "a note past the header"],
    ["tit", None, 11, "June"],
]
PARKS = [["park", "area"], ["Heath", 320], ["Fields", 45]]


@pytest.fixture
def db(tmp_path):
    return str(make_db(tmp_path / "target.db", "select 1"))


def schema(db, table):
    return {name: kind for _, name, kind, *_ in sqlite3.connect(db).execute(f"pragma table_info('{table}')")}


def test_every_sheet_becomes_a_table_named_after_it_with_types_detected(tmp_path, db):
    book = str(write_xlsx(tmp_path / "survey.xlsx", {"Birds": BIRDS, "Parks": PARKS, "Notes": []}))
    assert sheet_names(book, "survey.xlsx") == ["Birds", "Parks", "Notes"]
    result = import_file(db, "ignored", book, "survey.xlsx")
    assert result["tables"] == ["Birds", "Parks"] and result["table"] is None and result["rows"] == 5
    assert schema(db, "Birds") == {"name": "TEXT", "count": "INTEGER", "weight": "REAL", "seen": "TEXT"}
    assert schema(db, "Parks") == {"park": "TEXT", "area": "INTEGER"}
    rows = sqlite3.connect(db).execute("select * from Birds order by rowid").fetchall()
    assert rows == [("wren", 3, 9.5, "2026-05-01"), ("kite", 1, 1100.0, "2026-05-02"), ("tit", None, 11.0, "June")]
    assert result["skipped"] == 1 and "Birds row 5" in result["skipped_detail"]
    assert result["notes"] == [
        "Each sheet became a table: Birds (3 rows), Parks (2 rows).",
        "Sheets without rows were left out: Notes.",
    ]


def test_one_sheet_picked_becomes_the_table_named(tmp_path, db):
    book = str(write_xlsx(tmp_path / "survey.xlsx", {"Birds": BIRDS, "Parks": PARKS}))
    result = import_file(db, "parks 2026", book, "survey.xlsx", sheet="Parks")
    assert result["table"] == "parks 2026" and result["rows"] == 2
    assert sqlite3.connect(db).execute("select name from sqlite_master").fetchall() == [("parks 2026",)]


def test_an_opendocument_spreadsheet_imports_too(tmp_path, db):
    book = str(write_ods(tmp_path / "parks.ods", {"Parks": PARKS}))
    assert import_file(db, "parks", book, "parks.ods", sheet="Parks")["rows"] == 2
    assert sqlite3.connect(db).execute("select * from parks").fetchall() == [("Heath", 320), ("Fields", 45)]


def test_a_name_taken_fails_and_no_sheet_is_left_behind(tmp_path, db):
    sqlite3.connect(db).execute("create table Parks (x)").connection.commit()
    book = str(write_xlsx(tmp_path / "survey.xlsx", {"Birds": BIRDS, "Parks": PARKS}))
    with pytest.raises(ImportFailed, match="There is already a table called “Parks”"):
        import_file(db, "ignored", book, "survey.xlsx")
    assert sqlite3.connect(db).execute("select name from sqlite_master").fetchall() == [("Parks",)]


@pytest.mark.parametrize("content", [b"", b"name,count\nwren,3\n", b"PK\x03\x04 not really a zip"])
def test_a_file_that_is_not_a_spreadsheet_is_refused_in_words(tmp_path, db, content):
    fake = tmp_path / "survey.xlsx"
    fake.write_bytes(content)
    with pytest.raises(ImportFailed, match="survey.xlsx could not be read as a spreadsheet"):
        import_file(db, "t", str(fake), "survey.xlsx")
    assert sqlite3.connect(db).execute("select count(*) from sqlite_master").fetchone() == (0,)


def test_a_workbook_without_rows_is_refused(tmp_path, db):
    book = str(write_xlsx(tmp_path / "empty.xlsx", {"Sheet1": [["only", "a header"]]}))
    with pytest.raises(ImportFailed, match="has no rows that could be imported"):
        import_file(db, "t", book, "empty.xlsx")


SHOP = """
create table items (id integer primary key, code text, name text, price real, qty integer);
with recursive n(i) as (select 1 union all select i + 1 from n where i < 250)
insert into items select i, printf('%03d', i), 'item ' || i, i * 1.5, i % 7 from n;
insert into items values (1000, '1234567890123456789', '=1+1', 2.5, 3);
"""


def read_xlsx(body: bytes) -> list[list]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(body))
    return book.get_sheet_by_index(0).to_python()


@pytest.fixture
def shop(tmp_path):
    with serving(("shop", make_db(tmp_path / "shop.db", SHOP))) as app:
        yield app


def test_a_tables_xlsx_has_every_row_filtered_and_sorted_as_its_page(shop):
    reply = get(shop, "/ds/shop/items.xlsx", qty__gt="4", _sort_desc="price")
    assert reply.status == 200 and header(reply, "content-type").startswith("application/vnd.openxmlformats")
    assert header(reply, "content-disposition") == 'attachment; filename="items.xlsx"'
    rows = read_xlsx(reply.body)
    assert rows[0] == ["id", "code", "name", "price", "qty"]
    expected = [i for i in range(250, 0, -1) if i % 7 > 4]
    assert [r[0] for r in rows[1:]] == expected and len(expected) > 60  # more than one page of Datasette's
    assert rows[1] == [250, 250, "item 250", 375, 5]  # numbers in the sheet, as Excel reads a CSV


def test_values_a_number_would_change_stay_text_and_nothing_becomes_a_formula(shop):
    rows = read_xlsx(get(shop, "/ds/shop/items.xlsx", id__in="7,1000").body)
    assert rows[1:] == [[7, "007", "item 7", 10.5, 0], [1000, "1234567890123456789", "=1+1", 2.5, 3]]


def test_a_querys_xlsx_is_its_results_and_enters_the_history_once(shop):
    reply = get(shop, "/ds/shop/-/query.xlsx", sql="select name, qty from items where qty = :q order by id", q="0")
    rows = read_xlsx(reply.body)
    assert rows[0] == ["name", "qty"] and len(rows) == 1 + 35
    history = json.loads(get(shop, "/ds/shop/-/history.json").body)["entries"]
    assert [e["sql"] for e in history] == ["select name, qty from items where qty = :q order by id"]


def test_more_rows_than_a_sheet_holds_are_refused_in_words_before_any_is_read(shop, monkeypatch):
    from datasette_pwa.features import xlsx

    monkeypatch.setattr(xlsx, "EXCEL_ROWS", 100)  # a sheet of 99 rows and its header
    table = get(shop, "/ds/shop/items.xlsx", qty__gt="1")
    assert table.status == 400 and b"180 rows are more than an Excel sheet holds: download the CSV." in table.body
    query = get(shop, "/ds/shop/-/query.xlsx", sql="select * from items where qty > :q", q="0")
    assert query.status == 400 and b"rows are more than an Excel sheet holds" in query.body
    assert get(shop, "/ds/shop/items.xlsx", qty="1").status == 200  # 36 rows fit


def test_a_workbook_whose_sheet_is_damaged_is_refused_in_words(tmp_path, db):
    book = write_xlsx(tmp_path / "good.xlsx", {"Birds": BIRDS})
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            body = source.read(item)
            target.writestr(item, b"<worksheet><sheetData><row><c r=" if item.filename.endswith("sheet1.xml") else body)
    with pytest.raises(ImportFailed, match="damaged.xlsx could not be read as a spreadsheet"):
        import_file(db, "t", str(damaged), "damaged.xlsx")
    assert sqlite3.connect(db).execute("select count(*) from sqlite_master").fetchone() == (0,)


def test_headers_that_differ_only_in_case_become_two_columns(tmp_path, db):
    book = str(write_xlsx(tmp_path / "case.xlsx", {"S": [["Name", "name", "NAME"], ["a", "b", "c"]]}))
    import_file(db, "t", book, "case.xlsx")
    assert schema(db, "S") == {"Name": "TEXT", "name_2": "TEXT", "NAME_3": "TEXT"}
