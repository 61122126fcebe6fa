"""Tables to and from Datasette servers, in the shapes of Datasette's JSON API (transfer_routes.py serves them; the
page's static/transfer.js moves them over the network).

Publishing: create_body() is the body of the server's POST <db>/-/create for a table: its columns with the write API's
four types (by SQLite's affinity rules, so that every value keeps its storage class), NOT NULL and the primary key (the rowid
for a table without one). rows_page() reads the rows after a cursor in key order as the body of the server's
<table>/-/upsert, so that a batch sent twice (a resume after a lost answer) changes nothing.

Pulling: store_page() writes one page of a server's JSON (a table or a query, objects or arrays) into a local table,
created on the first page with types taken from the values. The caller owns the transaction (Datasette's
execute_write_fn).
"""

import json
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


def create_body(conn: sqlite3.Connection, table: str) -> dict:
    """The server's <db>/-/create body for an empty copy of table."""
    source = Database(conn)[table]
    columns = [
        {"name": c.name, "type": api_type(c.type or ""), **({"not_null": True} if c.notnull else {})}
        for c in source.columns
    ]
    body = {"table": table, "columns": columns}
    pks = [] if source.pks == ["rowid"] else source.pks
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


def page_rows(page: dict) -> list[dict]:
    """The rows of a page of Datasette's JSON: objects (1.0's default, ?_shape=objects) or arrays with "columns"."""
    rows = page.get("rows")
    if not isinstance(rows, list):
        raise TransferError("The server's answer has no rows: is the URL a Datasette table or query?")
    if rows and isinstance(rows[0], list):
        columns = page.get("columns") or []
        rows = [dict(zip(columns, row, strict=True)) for row in rows]
    try:
        return decode_write_json_rows(rows)
    except WriteJsonValueError as error:
        raise TransferError(f"The server's answer has a value that cannot be read: {error}") from None


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


def store_page(conn: sqlite3.Connection, table: str, page: dict, replace: bool) -> int:
    """Write one page of a server's JSON into table, creating it from this page when it does not exist (replace: drop
    it first); rows with a key already there are replaced. Returns the number of rows written."""
    rows = page_rows(page)
    pks = [k for k in page.get("primary_keys") or [] if k != "rowid"]
    exists = Database(conn)[table].exists()
    if exists and replace:
        conn.execute(f"DROP TABLE {quote_identifier(table)}")
    if not exists or replace:
        if not rows:
            raise TransferError("The server sent no rows, so there is no table to make.")
        create_table(conn, table, rows, [k for k in pks if k in rows[0]])
    insert_rows(conn, table, rows)
    return len(rows)


def insert_rows(conn: sqlite3.Connection, table: str, rows: list[dict]) -> None:
    """Insert rows, replacing those with the same key (primary key, or "rowid"); a column the table lacks is added."""
    quoted = quote_identifier(table)
    existing = set(Database(conn)[table].columns_dict)
    for name in column_names(rows):
        if name not in existing:
            conn.execute(f"ALTER TABLE {quoted} ADD COLUMN {quote_identifier(name)}")
    for keys, group in groupby(rows, key=tuple):
        names = ", ".join("rowid" if k == "rowid" else quote_identifier(k) for k in keys)
        sql = f"INSERT OR REPLACE INTO {quoted} ({names}) VALUES ({', '.join('?' * len(keys))})"
        conn.executemany(sql, [tuple(row.values()) for row in group])
