"""The statements of the patch (compare_patch.py) for the rows of one table: DELETE, UPDATE and INSERT, as sqldiff
writes them, found as compare_rows.py finds them (matched on the same key, compared with IS NOT ... COLLATE BINARY).

Values are written as SQL by SQLite itself, with the dump's value() (features/dump.py): integers, reals to 20 digits,
±infinity as ±9.0e+999, 'text' (a carriage return as char(13)), X'blob' and NULL, each read back as the same value.
(But for the SQLite reading it: 3.40's conversion of text to real, CPython's here, is one unit off for some reals
below about 1e-290, whose 20 digits are exact.) They come out as blobs, the bytes of the SQL text, whatever the text
of the database holds.

Rows are read a page at a time, each page a query of its own resumed after the last row's key: each chunk of the
download is read in a read transaction of its own, and no cursor stays open while the reader is paused.
"""

from sqlite_utils.db import quote_identifier as identifier

from .compare import ROWID_NAMES
from .compare_rows import OTHER, RowDiff, integer_key
from .dump import RESUME, resume_params, typed_keys, value

PAGE_ROWS = 500


def literal(expression: str) -> str:
    """SQL whose value is the SQL literal of expression's value, as bytes."""
    return f"cast({value(expression)} as blob)"


def named(name: str) -> bytes:
    return identifier(name).encode()


def paged(comparison, columns: str, rest: str, order: list[str]):
    """The rows of `select columns rest` (rest: from ... where ...) in the order of the expressions order (a key:
    unique, never NULL), PAGE_ROWS at a time. Without a key (a table of b whose rowid has no name left), by OFFSET:
    slower, but the database does not change while the patch is read (compare_patch.py checks)."""
    listed = ", ".join(order)
    raw = typed_keys(order)
    resume, params, offset = "", [], 0
    while True:
        sql = f"select {columns}{raw} {rest}{resume}"
        sql += f" order by {listed} limit {PAGE_ROWS}" if order else f" limit {PAGE_ROWS} offset {offset}"
        page = comparison.rows(sql, params)
        for row in page:
            yield row[: len(row) - 2 * len(order)]
        if len(page) < PAGE_ROWS:
            return
        offset += PAGE_ROWS
        if order:
            last = page[-1][len(page[-1]) - 2 * len(order) :]
            params = resume_params(last)
            resume = f" and ({listed}) > ({', '.join([RESUME] * len(order))})"


def own_key(side) -> list[str]:
    """How a table of one database is read in order: its rowid (the INTEGER PRIMARY KEY, or a name of the rowid that
    no column has; [] when every one is taken) or, WITHOUT ROWID, its primary key."""
    if not side.has_rowid or integer_key(side):
        return side.primary_key
    taken = {c.lower() for c in side.columns}
    return [n for n in ROWID_NAMES if n not in taken][:1]


def inserts(comparison, table: str, schema: str, side, key: list[str], where: str = "1"):
    """An INSERT for each row of schema's table where the condition holds, every column named (the rowid first when
    it is the key), so that the columns' order in a does not matter and the rowid is kept."""
    names = [k for k in key if k not in side.columns] + list(side.columns)
    head = b"INSERT INTO %s(%s) VALUES(" % (named(table), b",".join(map(named, names)))
    columns = ", ".join(literal(f"y.{identifier(n)}") for n in names)
    rest = f"from {identifier(schema)}.{identifier(table)} as y where {where}"
    for row in paged(comparison, columns, rest, [f"y.{identifier(k)}" for k in key]):
        yield head + b",".join(row) + b");"


class PatchRows(RowDiff):
    """The DELETEs, UPDATEs and INSERTs that turn a table of a into b's, rows matched on key."""

    def __init__(self, comparison, table: str, a, b, key: list[str]):
        super().__init__(comparison, table, a, b, key)
        self.table = table

    def statements(self):
        # Deletes first, then updates, then inserts: a unique value a row of a gives up is free for b's row that takes
        # it.
        yield from self.deletes()
        if self.common:
            yield from self.updates()
        yield from self.inserts()

    def where(self, keys) -> bytes:
        return b" AND ".join(named(k) + b"=" + v for k, v in zip(self.key, keys, strict=True))

    def key_literals(self, alias: str) -> str:
        return ", ".join(literal(f"{alias}.{identifier(k)}") for k in self.key)

    def order(self, alias: str) -> list[str]:
        return [f"{alias}.{identifier(k)}" for k in self.key]

    def deletes(self):
        rest = f"from {self.in_a} as x where not exists (select 1 from {self.in_b} as y where {self.match('x', 'y')})"
        for keys in paged(self.comparison, self.key_literals("x"), rest, self.order("x")):
            yield b"DELETE FROM %s WHERE %s;" % (named(self.table), self.where(keys))

    def updates(self):
        """An UPDATE of the columns that changed in each row both have, as sqldiff writes it."""
        pairs = [(f"x.{identifier(c)}", f"y.{identifier(c)}") for c in self.common]
        new = ", ".join(f"iif({y} is not {x} collate binary, {literal(y)}, null)" for x, y in pairs)
        differs = " or ".join(f"{y} is not {x} collate binary" for x, y in pairs)
        # CROSS JOIN: a is read in key order (SQLite keeps the order written), each row sought in b.
        rest = f"from {self.in_a} as x cross join {self.in_b} as y on {self.match('x', 'y')} where ({differs})"
        columns = [named(c) for c in self.common]
        for row in paged(self.comparison, f"{self.key_literals('x')}, {new}", rest, self.order("x")):
            keys, values = row[: len(self.key)], row[len(self.key) :]
            sets = b", ".join(c + b"=" + v for c, v in zip(columns, values, strict=True) if v is not None)
            yield b"UPDATE %s SET %s WHERE %s;" % (named(self.table), sets, self.where(keys))

    def inserts(self):
        where = f"not exists (select 1 from {self.in_a} as x where {self.match('y', 'x')})"
        yield from inserts(self.comparison, self.table, OTHER, self.b, self.key, where)
