"""The rows added, removed and changed of one table both databases have, matched on a key that is unique and never
NULL on both sides (compare.py chose it).

Values are compared with IS NOT ... COLLATE BINARY: NULL differs from any value and equals NULL, a blob is compared
byte for byte and text exactly, whatever collation the column declares.

What it reads, since reading is most of the time (in Pyodide every page comes from OPFS): one pass over a, seeking each
row in b (a LEFT JOIN on the key: the removed and the changed rows, and a's count); b's count; and only when b has rows
a lacks, a pass over b seeking each in a. New rows usually come after all of a's (a rowid, an INTEGER PRIMARY KEY), so
with such a key they are looked for there first, with a seek. Python sees only the keys of rows that differ.
"""

from sqlite_utils.db import quote_identifier as identifier

LIMIT = 100  # rows listed of each kind of difference; all of them are counted
MAIN, OTHER = "main", "b"  # the schemas of databases a and b on the comparison's connection


def integer_key(side) -> bool:
    """An INTEGER PRIMARY KEY of a rowid table (a compare.Side): the rowid itself, never NULL."""
    key = side.primary_key
    return side.has_rowid and len(key) == 1 and side.columns[key[0]].upper() == "INTEGER"


class Found:
    """How many rows of one kind there are, and the keys of the first LIMIT of them."""

    def __init__(self):
        self.count, self.keys = 0, []

    def add(self, key) -> None:
        self.count += 1
        if len(self.keys) < LIMIT:
            self.keys.append(list(key))


class PassA:
    """SQLite's aggregate (pwa_compare_a) that sorts each differing row of pass A: removed, or changed."""

    def __init__(self):
        self.removed, self.changed = Found(), Found()

    def step(self, removed, *key):
        (self.removed if removed else self.changed).add(key)

    def finalize(self):
        return None


class RowDiff:
    def __init__(self, comparison, table: str, a, b, key: list[str]):
        self.comparison = comparison
        self.a, self.b, self.key = a, b, key
        self.in_a = f"{MAIN}.{identifier(table)}"
        self.in_b = f"{OTHER}.{identifier(table)}"
        # Columns both sides have are compared; one only a side has is a change of the table, not of its rows.
        self.common = [c for c in a.columns if c in b.columns and c not in key]

    def match(self, x: str, y: str) -> str:
        return " and ".join(f"{y}.{identifier(k)} = {x}.{identifier(k)}" for k in self.key)

    def keys(self, alias: str) -> str:
        return ", ".join(f"{alias}.{identifier(k)}" for k in self.key)

    def run(self) -> dict:
        rows_a, removed, changed = self.pass_a()
        rows_b = self.comparison.count(OTHER, self.comparison.table)
        # Each row of a that b has matches one row of b (keys are unique): b's other rows are the added ones.
        added = rows_b - (rows_a - removed.count)
        found = (self.after_a(added) or self.pass_b()) if added else Found()
        return {
            "rows_a": rows_a,
            "rows_b": rows_b,
            "rows_added": {"count": found.count, "rows": [self.row(OTHER, k) for k in found.keys]},
            "rows_removed": {"count": removed.count, "rows": [self.row(MAIN, k) for k in removed.keys]},
            "rows_changed": {"count": changed.count, "rows": [self.changes(k) for k in changed.keys]},
        }

    def pass_a(self) -> tuple[int, Found, Found]:
        """a's count, and its rows that b lacks (y's key is NULL: keys never are) or has with other values."""
        differs = " or ".join(f"y.{identifier(c)} is not x.{identifier(c)} collate binary" for c in self.common) or "0"
        absent = f"y.{identifier(self.key[0])} is null"
        rows = PassA()
        self.comparison.conn.create_aggregate("pwa_compare_a", -1, lambda: rows)
        count = self.comparison.value(
            f"select count(*), pwa_compare_a({absent}, {self.keys('x')}) filter (where {absent} or {differs}) "
            f"from {self.in_a} as x left join {self.in_b} as y on {self.match('x', 'y')}"
        )
        return count, rows.removed, rows.changed

    def after_a(self, added: int) -> Found | None:
        """The added rows when they all come after a's last row, found by a seek; None when some do not. For a rowid
        or INTEGER PRIMARY KEY on both sides, whose order is plain."""
        rowid = self.key[0] not in self.a.columns
        if not rowid and not (integer_key(self.a) and integer_key(self.b)):
            return None
        k = identifier(self.key[0])
        after = f"from {self.in_b} where {k} > (select max({k}) from {self.in_a})"
        if self.comparison.value(f"select count(*) {after}") != added:
            return None
        found = Found()
        for key in self.comparison.each(f"select {k} {after} order by {k} limit {LIMIT}"):
            found.add(key)
        found.count = added
        return found

    def pass_b(self) -> Found:
        """b's rows that a lacks, seeking each of b's rows in a."""
        found = Found()
        sql = (
            f"select {self.keys('y')} from {self.in_b} as y "
            f"where not exists (select 1 from {self.in_a} as x where {self.match('y', 'x')})"
        )
        for key in self.comparison.each(sql):
            found.add(key)
        return found

    def where_key(self, alias: str) -> str:
        return " and ".join(f"{alias}.{identifier(k)} = ?" for k in self.key)

    def row(self, schema: str, key: list) -> dict:
        """The row with this key, every column, the rowid first when that is the key."""
        side = self.a if schema == MAIN else self.b
        names = [k for k in self.key if k not in side.columns] + list(side.columns)
        table = self.in_a if schema == MAIN else self.in_b
        columns = ", ".join(f"x.{identifier(n)}" for n in names)
        found = self.comparison.rows(f"select {columns} from {table} as x where {self.where_key('x')} limit 1", key)
        return dict(zip(names, found[0], strict=True)) if found else dict(zip(self.key, key, strict=True))

    def changes(self, key: list) -> dict:
        """The changed row with this key: {"key": {column: value}, "changes": {column: [old, new]}}."""
        parts = [f"x.{c}, y.{c}, y.{c} is not x.{c} collate binary" for c in map(identifier, self.common)]
        sql = (
            f"select {', '.join(parts) or '0'} from {self.in_a} as x join {self.in_b} as y on {self.match('x', 'y')} "
            f"where {self.where_key('x')} limit 1"
        )
        found = self.comparison.rows(sql, key)
        values = found[0] if found else [None, None, 0] * len(self.common)
        changes = {c: [values[3 * i], values[3 * i + 1]] for i, c in enumerate(self.common) if values[3 * i + 2]}
        return {"key": dict(zip(self.key, key, strict=True)), "changes": changes}
