"""The SQLite files the tests and benchmarks open, all made by make_db(): from SQL scripts (some written here, for
tables SQLite fills itself, fast for hundreds of thousands of rows), or the usual small table."""

import sqlite3


def make_db(path, *scripts, rows=50, table="items"):
    """A SQLite database at path, which is returned as given: each SQL script run in turn; with none, `table`
    (id, name, size) holding `rows` rows: (1, 'item 0', 0), (2, 'item 1', 1)..."""
    with sqlite3.connect(path) as db:
        if not scripts:
            db.execute(f"create table {table} (id integer primary key, name text, size integer)")
            db.executemany(f"insert into {table} (name, size) values (?, ?)", [(f"item {i}", i) for i in range(rows)])
        for script in scripts:
            db.executescript(script)
    db.close()
    return path


def counting(rows):
    """SQL for a table-valued n(i) of 1 to rows, to insert from."""
    return f"with recursive n(i) as (select 1 union all select i + 1 from n where i < {rows}) "


def numbered(rows, table="r", label="'row ' || i"):
    """A table of rows (id, label), the label an SQL expression of i."""
    return (
        f"create table {table} (id integer primary key, label text); "
        f"{counting(rows)} insert into {table} select i, {label} from n;"
    )


def kilobyte_rows(rows):
    """Table items of rows x 1 kB: big enough that copying or saving it takes a while to interrupt."""
    return (
        "create table items (id integer primary key, name text, size integer, payload blob); "
        f"{counting(rows)} insert into items select i, 'row', i, randomblob(1000) from n;"
    )


def to_publish(rows, table="items"):
    """A table to publish: integer key, text (not only ASCII), real and blob columns."""
    return f"""
        create table {table} (id INTEGER PRIMARY KEY, label TEXT, score REAL, data BLOB);
        {counting(rows)}
        insert into {table} select i, 'row ' || i || ' ü', i / 7.0, cast(printf('%08x', i * 2654435761) as blob)
        from n;
        """


def rows_named(path, name):
    """How many rows of table items are named name."""
    with sqlite3.connect(path) as db:
        count = db.execute("select count(*) from items where name = ?", [name]).fetchone()[0]
    db.close()
    return count
