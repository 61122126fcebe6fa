"""Text that is not valid UTF-8, for a text_factory that takes bytes (Datasette's decodes with "replace"; the app's
dump keeps them as they are). APSW decodes every text before giving a row and refuses such text, so a SELECT that
meets one is run again with each text cast to a blob, past the rows already read: the bytes sqlite3 would have
given the factory."""

NAME = "_sqlite3_apsw_raw"


def raw_sql(statement: str, columns: int, skip: int) -> str:
    """The statement as a common table expression, each column as two: its text as a blob, else its value."""
    names = ", ".join(f"c{i}" for i in range(columns))
    picks = ", ".join(
        f"CASE WHEN typeof(c{i}) = 'text' THEN CAST(c{i} AS BLOB) END, "
        f"CASE WHEN typeof(c{i}) = 'text' THEN NULL ELSE c{i} END"
        for i in range(columns)
    )
    body = statement.rstrip(" \t\f\n\r;")  # a line comment at its end is closed by the newline before ")"
    return f"WITH {NAME}({names}) AS ({body}\n) SELECT {picks} FROM {NAME} LIMIT -1 OFFSET {skip}"


def raw_rows(cursor, statement: str, parameters, columns: int, skip: int, factory):
    """The statement's rows after the first `skip`, each text given to `factory` as its bytes. Runs it now, so
    that a statement that cannot be wrapped (a PRAGMA) fails here."""
    rows = cursor.execute(raw_sql(statement, columns, skip), parameters)
    return (
        tuple([row[2 * i + 1] if row[2 * i] is None else factory(row[2 * i]) for i in range(columns)]) for row in rows
    )
