"""Tables to and from Datasette servers, in the shapes of Datasette's JSON API (transfer_routes.py serves them; the
page's static/transfer.js moves them over the network).

Publishing: create_body() is the body of the server's POST <db>/-/create for a table: its columns with the write API's
four types (by SQLite's affinity rules, so that every value keeps its storage class), NOT NULL and the primary key (the rowid
for a table without one). rows_page() reads the rows after a cursor in key order as the body of the server's
<table>/-/upsert, so that a batch sent twice (a resume after a lost answer) changes nothing.

A generated column (stored or virtual) is published as a plain column holding its values: the write API cannot create
one. PRAGMA table_info leaves generated columns out, so the columns come from table_xinfo.

Pulling: read_page() checks one page of a server's JSON (a table or a query, objects or arrays) and says in words what
is wrong with a malformed one; store_page() writes it into a local table, created on the first page with types taken
from the values. The caller owns the transaction (Datasette's execute_write_fn), so a page is stored whole or not at
all.
"""

import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass
from itertools import groupby

from datasette.utils import CustomJSONEncoder, WriteJsonValueError, decode_write_json_rows
from sqlite_utils.db import Database, quote_identifier


class TransferError(Exception):
    """A page that cannot be stored, in words for the user."""


def api_type(declared: str) -> str:
    """The write API's column type that keeps a column's affinity (SQLite's datatypes page, 3.1)."""
    declared = declared.upper()
    if "INT" in declared:
        return "integer"
    if any(word in declared for word in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if any(word in declared for word in ("REAL", "FLOA", "DOUB")):
        return "float"
    # No type, BLOB, and NUMERIC (DATE, BOOLEAN, DECIMAL...): a "blob" column has no affinity and keeps each value as
    # it comes, so a NUMERIC column's integers stay integers, which a "float" one would turn into reals.
    return "blob"


# PRAGMA table_xinfo's hidden: 0 a plain column, 1 a virtual table's hidden one (not in select *), 2 and 3 generated.
GENERATED = (2, 3)


def table_columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str, bool, bool]]:
    """(name, declared type, not null, generated) of each column that select * gives, generated ones included."""
    return [
        (name, declared or "", bool(notnull), hidden in GENERATED)
        for name, declared, notnull, hidden in conn.execute(
            'select name, type, "notnull", hidden from pragma_table_xinfo(?) where hidden != 1', [table]
        )
    ]


def create_body(conn: sqlite3.Connection, table: str) -> dict:
    """The server's <db>/-/create body for an empty copy of table."""
    columns = [
        {"name": name, "type": api_type(declared), **({"not_null": True} if notnull else {})}
        for name, declared, notnull, _ in table_columns(conn, table)
    ]
    body = {"table": table, "columns": columns}
    pks = Database(conn)[table].pks
    pks = [] if pks == ["rowid"] else pks
    if len(pks) == 1:
        body["pk"] = pks[0]
    elif pks:
        body["pks"] = pks
    return body


@dataclass
class Page:
    body: bytes  # {"rows": [...]}: the server's upsert body
    rows: int
    after: str | None  # the cursor of the next page, None after the last


def rows_page(conn: sqlite3.Connection, table: str, after: str | None, size: int, max_bytes: int) -> Page:
    """Up to size rows after the cursor after (JSON of the last key sent), in key order, and no more than max_bytes of
    JSON unless one row alone is bigger. A table without a primary key is keyed on its rowid, sent as "rowid"."""
    keys = Database(conn)[table].pks  # ["rowid"] for a table without a primary key
    key_sql = ", ".join(quote_identifier(k) if k != "rowid" else "rowid" for k in keys)
    select = "select rowid, *" if keys == ["rowid"] else "select *"
    sql = f"{select} from {quote_identifier(table)}"
    params = []
    if after is not None:
        params = decode_key(after)
        sql += f" where ({key_sql}) > ({', '.join('?' * len(keys))})"
    cursor = conn.execute(f"{sql} order by {key_sql} limit ?", [*params, size])
    names = [d[0] for d in cursor.description]
    parts, used, last, more = [], 0, None, False
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        text = json.dumps(row, cls=CustomJSONEncoder)
        if parts and used + len(text) > max_bytes:
            more = True
            break
        parts.append(text)
        used += len(text) + 1
        last = row
    more = more or len(parts) == size
    after = json.dumps([last[k] for k in keys], cls=CustomJSONEncoder) if more else None
    return Page(('{"rows": [' + ",".join(parts) + "]}").encode(), len(parts), after)


def decode_key(after: str) -> list:
    """The key values of a cursor: JSON, with blobs as Datasette writes them ({"$base64": true, ...})."""
    values = json.loads(after)
    return list(decode_write_json_rows([dict(enumerate(values))])[0].values())


@dataclass
class Pulled:
    """One page of a server's JSON, checked: what store_page() writes and what the page goes on to."""

    rows: list[dict]
    pks: list[str]
    next_url: str | None
    count: int | None
    truncated: bool
    fingerprint: str  # the same for a page that repeats another's rows (a server that does not move on)


SQLITE_INTEGERS = range(-(2**63), 2**63)


def read_page(body: bytes) -> Pulled:
    """A page of Datasette's JSON, checked, or TransferError saying what is wrong with it."""
    if nesting(body) > MAX_NESTING:
        raise TransferError("The server's answer is JSON nested too deeply to be a page of rows.")
    try:
        page = json.loads(body)
    except ValueError:
        raise TransferError("The server's answer is not JSON: is the URL a Datasette table or query?") from None
    if not isinstance(page, dict):
        raise TransferError("The server's answer is not a page of Datasette's JSON (an object with rows).")
    rows = page_rows(page)
    pks = page.get("primary_keys") or []
    if not isinstance(pks, list) or not all(isinstance(k, str) for k in pks):
        raise TransferError("The server's primary_keys is not a list of column names.")
    next_url, count, truncated = page.get("next_url"), page.get("count"), page.get("truncated", False)
    if next_url is not None and not isinstance(next_url, str):
        raise TransferError("The server's next_url is not a web address.")
    if count is not None and (type(count) is not int or count < 0):
        raise TransferError("The server's count is not a number of rows.")
    if not isinstance(truncated, bool):
        raise TransferError("The server's truncated is neither true nor false.")
    fingerprint = hashlib.sha256(repr((len(rows), rows[:1], rows[-1:])).encode()).hexdigest()[:32]
    return Pulled(rows, [k for k in pks if k != "rowid"], next_url, count, truncated, fingerprint)


# A page is an object of rows of values, which Datasette's ?_json= may make arrays or objects themselves: a few levels.
MAX_NESTING = 64
# What nests in JSON, and what may hide a bracket: a string.
STRUCTURE = re.compile(rb'"(?:[^"\\]|\\.)*"|[^\[\]{}"]+')


def nesting(body: bytes) -> int:
    """How deep the JSON text body nests, before it is parsed: in Pyodide, json.loads of 100,000 nested lists
    overflowed the wasm stack (a RangeError that killed the worker: the hostile tally's deep-json server) before
    Python's recursion limit could raise. Strings and everything but brackets go first, in C; then only the brackets
    are counted."""
    depth = deepest = 0
    for byte in STRUCTURE.sub(b"", body):  # brackets, and the quote of a string that never ends (invalid JSON)
        depth += (byte in b"[{") - (byte in b"]}")
        deepest = max(deepest, depth)
    return deepest


def page_rows(page: dict) -> list[dict]:
    """The rows of a page: objects (1.0's default, ?_shape=objects) or arrays with "columns", each value one SQLite
    can store."""
    rows = page.get("rows")
    if not isinstance(rows, list):
        raise TransferError("The server's answer has no rows: is the URL a Datasette table or query?")
    if rows and all(isinstance(row, list) for row in rows):
        rows = list_rows(rows, page.get("columns"))
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise TransferError(
                f"Row {number} of the server's page is {kind(row)}: a page's rows must all be objects, or all lists."
            )
    try:
        rows = decode_write_json_rows(rows)
    except WriteJsonValueError as error:
        raise TransferError(f"The server's answer has a value that cannot be read: {error}") from None
    return [{name: storable(value, number, name) for name, value in row.items()} for number, row in enumerate(rows, 1)]


def list_rows(rows: list[list], columns) -> list[dict]:
    """Rows given as lists, as objects keyed by the page's columns."""
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise TransferError("The server's rows are lists, but its columns are not a list of names.")
    if len(set(columns)) != len(columns):
        raise TransferError("The server's columns name a column twice.")
    for number, row in enumerate(rows, 1):
        if len(row) != len(columns):
            raise TransferError(
                f"Row {number} of the server's page has {len(row)} values for its {len(columns)} columns."
            )
    return [dict(zip(columns, row, strict=True)) for row in rows]


def kind(value) -> str:
    """What a JSON value is, in words."""
    names = {dict: "an object", list: "a list", str: "text", bool: "true or false", type(None): "null"}
    return names.get(type(value), "a number")


def storable(value, number: int, name: str):
    """value as SQLite stores it: objects and lists (Datasette's ?_json= columns) as JSON text."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, int) and value not in SQLITE_INTEGERS:
        raise TransferError(f"Row {number}'s {name} is a number too big for SQLite ({len(str(abs(value)))} digits).")
    if isinstance(value, str) and not value.isascii() and not valid_unicode(value):
        raise TransferError(f"Row {number}'s {name} is text that is not valid Unicode (it holds a lone surrogate).")
    return value


def valid_unicode(text: str) -> bool:
    """Whether text can be UTF-8, as SQLite stores it (JSON's \\ud800 escapes make strings that cannot)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def column_type(values: list) -> str | None:
    """A declared type for a new column holding values: one type for one kind of value, none (no affinity, each value
    kept as it is) for a mix or for nothing but nulls."""
    kinds = {type(v) for v in values if v is not None}
    if kinds == {int}:
        return "INTEGER"
    if kinds == {float}:
        return "REAL"  # not for a mix with integers: REAL would turn them into reals
    if kinds == {str}:
        return "TEXT"
    if kinds == {bytes}:
        return "BLOB"
    return None


def column_names(rows: list[dict]) -> list[str]:
    """The columns of rows, in order; "rowid" (a rowid table's key, as Datasette's JSON has it) is not one."""
    return [name for name in dict.fromkeys(name for row in rows for name in row) if name != "rowid"]


def create_table(conn: sqlite3.Connection, table: str, rows: list[dict], pks: list[str]) -> None:
    names = column_names(rows)
    columns = []
    for name in names:
        declared = column_type([row.get(name) for row in rows])
        columns.append(quote_identifier(name) + (f" {declared}" if declared else ""))
    if pks:
        columns.append(f"PRIMARY KEY ({', '.join(quote_identifier(k) for k in pks)})")
    conn.execute(f"CREATE TABLE {quote_identifier(table)} ({', '.join(columns)})")


def store_page(conn: sqlite3.Connection, table: str, page: Pulled, replace: bool) -> int:
    """Write one checked page into table, creating it from this page when it does not exist (replace: drop it first);
    rows with a key already there are replaced. Returns the number of rows written."""
    rows = page.rows
    exists = Database(conn)[table].exists()
    if exists and replace:
        conn.execute(f"DROP TABLE {quote_identifier(table)}")
    if not exists or replace:
        if not rows:
            raise TransferError("The server sent no rows, so there is no table to make.")
        create_table(conn, table, rows, [k for k in page.pks if k in rows[0]])
    insert_rows(conn, table, rows)
    return len(rows)


def insert_rows(conn: sqlite3.Connection, table: str, rows: list[dict]) -> None:
    """Insert rows, replacing those with the same key (primary key, or "rowid"); a column the table lacks is added."""
    quoted = quote_identifier(table)
    existing = {name for name, *_ in table_columns(conn, table)}
    for name in column_names(rows):
        if name not in existing:
            conn.execute(f"ALTER TABLE {quoted} ADD COLUMN {quote_identifier(name)}")
    for keys, group in groupby(rows, key=tuple):
        names = ", ".join("rowid" if k == "rowid" else quote_identifier(k) for k in keys)
        sql = f"INSERT OR REPLACE INTO {quoted} ({names}) VALUES ({', '.join('?' * len(keys))})"
        conn.executemany(sql, [tuple(row.values()) for row in group])
