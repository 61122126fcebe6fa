"""CPython tests of python/datasette_pwa/importing.py: formats, types, bad rows, encodings, all or nothing."""

import json
import sqlite3

import pytest
from datasette_pwa.importing import ImportFailed, import_file


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "target.db"
    sqlite3.connect(path).close()
    return str(path)


def rows(db, table):
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(f'select * from "{table}"')]


def column_types(db, table):
    with sqlite3.connect(db) as conn:
        return {r[1]: r[2] for r in conn.execute(f'pragma table_info("{table}")')}


@pytest.mark.parametrize(
    "name, content",
    [
        ("people.csv", "name,age,score\nCleo,5,1.5\nPancakes,4,2.25\n"),
        ("people.tsv", "name\tage\tscore\nCleo\t5\t1.5\nPancakes\t4\t2.25\n"),
        (
            "people.json",
            json.dumps([{"name": "Cleo", "age": 5, "score": 1.5}, {"name": "Pancakes", "age": 4, "score": 2.25}]),
        ),
        ("people.ndjson", '{"name": "Cleo", "age": 5, "score": 1.5}\n{"name": "Pancakes", "age": 4, "score": 2.25}\n'),
    ],
)
def test_each_format_imports_with_types(db, tmp_path, name, content):
    source = tmp_path / name
    source.write_text(content)
    result = import_file(db, "people", str(source), name)
    assert result == {"table": "people", "rows": 2, "skipped": 0, "skipped_detail": "", "notes": []}
    assert rows(db, "people")[0] == {"name": "Cleo", "age": 5, "score": 1.5}
    assert column_types(db, "people") == {"name": "TEXT", "age": "INTEGER", "score": "REAL"}


def test_bad_csv_rows_are_skipped_and_reported(db, tmp_path):
    source = tmp_path / "ragged.csv"
    source.write_text("a,b\n1,2\n3,4,5\n6,7\n8,9,10,11\n")
    result = import_file(db, "ragged", str(source), "ragged.csv")
    assert result["rows"] == 2 and result["skipped"] == 2
    assert (
        result["skipped_detail"] == "line 3: 1 more field(s) than the header; line 5: 2 more field(s) than the header"
    )


def test_non_utf8_text_is_read_as_windows_1252(db, tmp_path):
    source = tmp_path / "latin.csv"
    source.write_bytes("city\nMünchen\nSão Paulo\n".encode("cp1252"))
    result = import_file(db, "cities", str(source), "latin.csv")
    assert [r["city"] for r in rows(db, "cities")] == ["München", "São Paulo"]
    assert result["notes"] == ["latin.csv is not UTF-8 text: it was read as Windows-1252."]


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("broken.json", '[{"a": 1}, {"a": ', "could not be read as JSON"),
        ("scalars.json", "[1, 2, 3]", "no rows that could be imported"),
        ("empty.csv", "", "no rows that could be imported"),
        ("notes.txt", "hello", "not a CSV, TSV, JSON or newline-delimited JSON file"),
    ],
)
def test_unusable_files_leave_nothing_behind(db, tmp_path, name, content, reason):
    source = tmp_path / name
    source.write_text(content)
    with pytest.raises(ImportFailed, match=reason):
        import_file(db, "t", str(source), name)
    assert sqlite3.connect(db).execute("select count(*) from sqlite_master").fetchone() == (0,)


def test_a_failure_half_way_rolls_everything_back(db, tmp_path):
    source = tmp_path / "half.ndjson"
    source.write_text('{"a": 1}\n' * 3000 + "not json\n")
    with pytest.raises(ImportFailed):
        import_file(db, "half", str(source), "half.ndjson")
    assert sqlite3.connect(db).execute("select count(*) from sqlite_master").fetchone() == (0,)


def test_an_existing_table_is_never_replaced(db, tmp_path):
    source = tmp_path / "t.csv"
    source.write_text("a\n1\n")
    import_file(db, "t", str(source), "t.csv")
    with pytest.raises(ImportFailed, match="already a table"):
        import_file(db, "t", str(source), "t.csv")
    assert rows(db, "t") == [{"a": 1}]
