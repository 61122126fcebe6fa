"""Two databases compared, as `sqldiff` does: tables added and removed, columns added, removed or of another type, row
counts, and the rows added, removed and changed of each table both have, matched on their primary key (or rowid).

The rows are compared inside SQLite, on one read-only connection to database a with b attached: a pass over a seeks
every row's key in b (compare_rows.py), and Python gets only the keys of the rows that differ. So two copies of a 1 GB
database take about three full reads, with no temporary copy of a table and no row-by-row Python. (EXCEPT would build a
temporary b-tree of the whole table, which in Pyodide is in memory.) compare_routes.py serves the result."""

import contextlib
import sqlite3
from dataclasses import dataclass
from urllib.parse import quote

from datasette.utils import sqlite_timelimit

from .compare_rows import OTHER, RowDiff, identifier, integer_key


class CompareFailed(Exception):
    """Why the comparison could not be made, in words for the user."""


@dataclass
class Side:
    """A table as one database has it."""

    columns: dict[str, str]  # name -> declared type, in the table's order
    primary_key: list[str]
    has_rowid: bool  # not WITHOUT ROWID


def open_pair(path_a: str, path_b: str) -> sqlite3.Connection:
    """A connection to a with b attached, both read-only (paths are URIs, so "?", "#" and "%" in them are escaped)."""
    conn = sqlite3.connect(f"file:{quote(path_a)}?mode=ro", uri=True, check_same_thread=False)
    conn.text_factory = lambda data: str(data, "utf-8", "replace")  # as Datasette reads text that is not UTF-8
    conn.execute("ATTACH ? AS ?", [f"file:{quote(path_b)}?mode=ro", OTHER])
    return conn


def compare_files(path_a: str, path_b: str, time_limit_ms: int, visible=lambda side, table: True) -> dict:
    """The differences from the database at path_a to the one at path_b (see compare_routes.py for the shape).

    Each statement gets Datasette's SQL time limit, as each of its queries does. visible(side, table), side "a" or
    "b", says whether the actor may see a table: one hidden on either side is left out of the comparison entirely.
    """
    with reading(path_a, path_b, time_limit_ms) as comparison:
        return comparison.run(visible)


@contextlib.contextmanager
def reading(path_a: str, path_b: str, time_limit_ms: int):
    """A Comparison of the two databases in one read transaction: every count and row comes from the same state of
    both. CompareFailed if SQLite cannot open them."""
    try:
        conn = open_pair(path_a, path_b)
    except sqlite3.Error as error:
        raise CompareFailed(f"SQLite cannot open the databases: {error}.") from error
    try:
        conn.execute("BEGIN")
        yield Comparison(conn, time_limit_ms)
    finally:
        conn.close()


class Comparison:
    def __init__(self, conn: sqlite3.Connection, time_limit_ms: int):
        self.conn = conn
        self.time_limit_ms = time_limit_ms
        self.table = ""  # the table being compared, for the message when the time limit stops it

    def rows(self, sql: str, params=()) -> list:
        return list(self.each(sql, params))

    def each(self, sql: str, params=()):
        """The rows of one statement, one at a time, stopped at the SQL time limit as Datasette stops a query."""
        with self.guard():
            yield from self.conn.execute(sql, params)

    @contextlib.contextmanager
    def guard(self):
        try:
            with sqlite_timelimit(self.conn, self.time_limit_ms) if self.time_limit_ms else contextlib.nullcontext():
                yield
        except sqlite3.Error as error:
            what = f"the table “{self.table}”" if self.table else "the schemas"
            if str(error) == "interrupted":
                raise CompareFailed(
                    f"Comparing {what} took longer than the SQL time limit of {self.time_limit_ms / 1000:g} s; "
                    "a longer one can be set in Settings."
                ) from error
            raise CompareFailed(f"SQLite failed comparing {what}: {error}.") from error

    def run(self, visible) -> dict:
        a, b = self.tables(visible)
        added = [self.lone(OTHER, t, b[t]) for t in b if t not in a]
        removed = [self.lone("main", t, a[t]) for t in a if t not in b]
        both = [self.both(t, a[t], b[t]) for t in a if t in b]
        return {
            "identical": not added and not removed and not any(t["changed"] for t in both),
            "tables_added": added,
            "tables_removed": removed,
            "tables_changed": [t for t in both if t["changed"]],
            "tables_unchanged": [{"name": t["name"], "rows": t["rows_a"]} for t in both if not t["changed"]],
        }

    def tables(self, visible) -> tuple[dict[str, Side], dict[str, Side]]:
        """The tables of a and of b that are compared: none hidden on either side."""
        a, b = self.schema("main"), self.schema(OTHER)
        hidden = {t for t in a if not visible("a", t)} | {t for t in b if not visible("b", t)}
        return {t: s for t, s in a.items() if t not in hidden}, {t: s for t, s in b.items() if t not in hidden}

    def schema(self, schema: str) -> dict[str, Side]:
        """The ordinary tables of a schema (with the shadow tables of full-text indexes, as sqldiff has them): SQLite's
        own and virtual tables are left out."""
        self.table = ""
        found = self.rows(
            "select name, wr from pragma_table_list where schema = ? and type in ('table', 'shadow') "
            "and substr(name, 1, 7) != 'sqlite_' order by name",
            [schema],
        )
        tables = {}
        for name, without_rowid in found:
            self.table = name
            info = self.rows("select name, type, pk from pragma_table_info(?, ?) order by cid", [name, schema])
            key = [column for column, _, pk in sorted(info, key=lambda c: c[2]) if pk]
            tables[name] = Side({column: kind for column, kind, _ in info}, key, not without_rowid)
        return tables

    def value(self, sql: str, params=()):
        """The first column of the statement's first row."""
        return self.rows(sql, params)[0][0]

    def count(self, schema: str, table: str) -> int:
        self.table = table
        return self.value(f"select count(*) from {identifier(schema)}.{identifier(table)}")

    def lone(self, schema: str, table: str, side: Side) -> dict:
        columns = [{"name": c, "type": t} for c, t in side.columns.items()]
        return {"name": table, "rows": self.count(schema, table), "columns": columns}

    def key(self, table: str, a: Side, b: Side) -> list[str] | None:
        """How rows are matched: by the primary key when both sides have the same one, unless it holds a NULL (SQLite
        allows NULLs, even several, in the primary key of a rowid table unless it is the INTEGER PRIMARY KEY); else by
        rowid (which a VACUUM may renumber in a table without INTEGER PRIMARY KEY); else not at all, and only the row
        counts are compared. So a key is unique and never NULL on both sides."""
        key = a.primary_key
        if not key or key != b.primary_key:
            return rowid_key(a, b)
        if (a.has_rowid or b.has_rowid) and not (integer_key(a) and integer_key(b)):
            nulls = " or ".join(f"{identifier(k)} is null" for k in key)
            for schema in ("main", OTHER):
                if self.value(f"select exists (select 1 from {identifier(schema)}.{identifier(table)} where {nulls})"):
                    return rowid_key(a, b)
        return key

    def both(self, table: str, a: Side, b: Side) -> dict:
        """A table both databases have: its columns, row counts and, matched by key, rows added, removed, changed."""
        result = self.shape(table, a, b)
        if result["key"] is None:
            return result
        result.update(RowDiff(self, table, a, b, result["key"]).run())
        kinds = ("rows_added", "rows_removed", "rows_changed")
        result["changed"] = result["changed"] or any(result[k]["count"] for k in kinds)
        return result

    def shape(self, table: str, a: Side, b: Side) -> dict:
        """What both() finds of a table but its rows: its columns, primary keys and the key rows are matched on; when
        there is none, the row counts (the patch, compare_patch.py, needs no more to know what it can write)."""
        result = {
            "name": table,
            "columns_added": [{"name": c, "type": t} for c, t in b.columns.items() if c not in a.columns],
            "columns_removed": [{"name": c, "type": t} for c, t in a.columns.items() if c not in b.columns],
            "columns_changed": [
                {"name": c, "type_a": t, "type_b": b.columns[c]}
                for c, t in a.columns.items()
                if c in b.columns and t.upper() != b.columns[c].upper()
            ],
            "primary_key_a": a.primary_key,
            "primary_key_b": b.primary_key,
        }
        result["changed"] = a.primary_key != b.primary_key or any(
            result[k] for k in ("columns_added", "columns_removed", "columns_changed")
        )
        self.table = table
        result["key"] = self.key(table, a, b)
        if result["key"] is None:
            result.update(rows_a=self.count("main", table), rows_b=self.count(OTHER, table))
            result.update(rows_added=None, rows_removed=None, rows_changed=None)
            result["changed"] = result["changed"] or result["rows_a"] != result["rows_b"]
        return result


ROWID_NAMES = ("rowid", "_rowid_", "oid")


def rowid_key(a: Side, b: Side) -> list[str] | None:
    """The rowid, when both tables have one and one of its names is no column's."""
    taken = {c.lower() for c in [*a.columns, *b.columns]}
    name = next((n for n in ROWID_NAMES if n not in taken), None)
    return [name] if name and a.has_rowid and b.has_rowid else None
