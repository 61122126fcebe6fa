"""Datasette 1.0a41's catalog of foreign keys, for a database where a table has two foreign keys to one table and one
of them names no column (`b integer references people`, which SQLite reads as the parent's primary key): Datasette
sorts None against a column's name (utils.get_all_foreign_keys), and the database page of such a real-world file
failed with a 500. Here a key that names no column names the parent's primary key, as SQLite means it."""

from datasette.utils import detect_primary_keys, get_outbound_foreign_keys


def all_foreign_keys(conn) -> dict:
    """{table: {"incoming": [...], "outgoing": [...]}}, as Datasette's get_all_foreign_keys gives it."""
    tables = [name for (name,) in conn.execute("select name from sqlite_master where type = 'table' order by name")]
    found = {table: {"incoming": [], "outgoing": []} for table in tables}
    for table in tables:
        for fk in get_outbound_foreign_keys(conn, table):
            other, column = fk["other_table"], fk["column"]
            if other not in found:
                continue  # a key to a table that does not exist: Datasette leaves it out too
            other_column = fk["other_column"] or parent_key(conn, other)
            found[other]["incoming"].append({"other_table": table, "column": other_column, "other_column": column})
            found[table]["outgoing"].append({"other_table": other, "column": column, "other_column": other_column})
    for links in found.values():
        for direction in links.values():
            direction.sort(key=lambda fk: (fk["other_table"], fk["column"], fk["other_column"]))
    return found


def parent_key(conn, table: str) -> str:
    keys = detect_primary_keys(conn, table)
    return keys[0] if len(keys) == 1 else "rowid"
