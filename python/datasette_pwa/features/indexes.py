"""A table's indexes, as SQLite's pragmas describe them, and the CREATE INDEX and DROP INDEX statements that
indexes_routes.py shows before it runs them.

Identifiers are always double-quoted, their quotes doubled (sqlite-utils's quote_identifier): SQLite's own quoting,
which holds for every name.
"""

from dataclasses import dataclass

from sqlite_utils.db import quote_identifier as quote

# The create form offers a select for each of the index's first, second... column, up to this many: enough for
# nearly every index, and still a short form on a phone. The routes take any number.
FORM_COLUMNS = 6

# pragma_index_list's origin: who made the index. Only CREATE INDEX's may be dropped; SQLite refuses the others,
# which go with the table's constraints.
ORIGINS = {"c": "created by you", "u": "by a UNIQUE constraint", "pk": "by the PRIMARY KEY"}


class Invalid(ValueError):
    """The form asks for an index that cannot be made; the message says why, for the person who filled it in."""


@dataclass(frozen=True)
class Index:
    name: str
    columns: tuple[str, ...]  # in the index's order; "rowid", "(expression)", and " DESC" where so
    unique: bool
    partial: bool
    origin: str  # "c", "u" or "pk" (ORIGINS)
    sql: str | None  # its CREATE INDEX; None for those a constraint made

    @property
    def droppable(self) -> bool:
        return self.origin == "c"

    @property
    def made_by(self) -> str:
        return ORIGINS.get(self.origin, self.origin)


@dataclass(frozen=True)
class NewIndex:
    name: str
    columns: tuple[str, ...]
    unique: bool


def create_sql(table: str, index: NewIndex) -> str:
    unique = "UNIQUE " if index.unique else ""
    columns = ", ".join(quote(column) for column in index.columns)
    return f"CREATE {unique}INDEX {quote(index.name)} ON {quote(table)} ({columns})"


def drop_sql(name: str) -> str:
    return f"DROP INDEX {quote(name)}"


def default_name(table: str, columns) -> str:
    return "_".join(["idx", table, *columns])


def new_index(table: str, table_columns: list[str], chosen: list[str], name: str, unique: bool) -> NewIndex:
    """The index the form asks for: chosen are its columns in order ("" for a select left empty), name "" for
    default_name. Raises Invalid."""
    columns = [column for column in chosen if column != ""]
    if not columns:
        raise Invalid("Choose at least one column for the index.")
    for column in columns:
        if column not in table_columns:
            raise Invalid(f"{table} has no column {column}.")
    if len(set(columns)) < len(columns):
        raise Invalid("Choose each column once.")
    # A name of spaces only is a slip, not a wish: it gets the default, as an empty one does.
    return NewIndex(name if name.strip() else default_name(table, columns), tuple(columns), unique)


def table_columns(conn, table: str) -> list[str]:
    """The columns an index can use, in the table's order: generated ones too, the hidden ones of virtual tables not."""
    return [row[0] for row in conn.execute("select name from pragma_table_xinfo(?) where hidden != 1", [table])]


def read_indexes(conn, table: str) -> list[Index]:
    """The table's indexes, by name (run with Database.execute_fn)."""
    listed = conn.execute(
        'select name, "unique", origin, partial from pragma_index_list(?) order by name', [table]
    ).fetchall()
    sql_of = dict(conn.execute("select name, sql from sqlite_master where type = 'index' and tbl_name = ?", [table]))
    indexes = []
    for name, unique, origin, partial in listed:
        keys = conn.execute(
            "select cid, name, desc from pragma_index_xinfo(?) where key order by seqno", [name]
        ).fetchall()
        columns = tuple(key_label(cid, column, desc) for cid, column, desc in keys)
        indexes.append(Index(name, columns, bool(unique), bool(partial), origin, sql_of.get(name)))
    return indexes


def key_label(cid: int, column: str | None, desc: int) -> str:
    # pragma_index_xinfo's cid: -1 is the rowid, -2 an expression (whose text is only in the index's SQL).
    label = column if cid >= 0 else "rowid" if cid == -1 else "(expression)"
    return label + " DESC" if desc else label
