"""/-/compare.sql?a=<db>&b=<db> (served by compare_routes.py): the SQL that turns database a into database b, as
SQLite's sqldiff writes it, streamed as the dump is (features/dump.py). Opened in the app like any .sql script, it runs
in one transaction (restore.py); `sqlite3 a.db < a-to-b.sql` runs it too.

What it writes, between BEGIN; and COMMIT;
- a table only a has: DROP TABLE; a virtual table (an FTS index) only a has: DROP TABLE, which drops its shadow tables.
- a virtual table only b has: its schema row, as the dump records one; its shadow tables follow as tables only b has.
- a table only b has: its CREATE TABLE, its rows (the rowid kept, as the dump keeps it), then its indexes and triggers.
- a table both have, with the same columns and a key to match rows on (compare.py's): DELETE, UPDATE (the columns that
  changed) and INSERT by that key (compare_patch_rows.py). A trigger of a that these fire and that writes a table the
  patch writes is dropped before them and made again at the end (triggers_off()): the patch already holds b's rows of
  that table. The others act: an FTS index whose tables are hidden (as Datasette hides those of an index of a table's
  content) is kept in step with that content by its triggers, as it is in b.
What it cannot write safely it leaves out, and says so at the top (unpatchable(), virtual_changes()); the compare page
says so too (patch_notes()). What the comparison does not look at (views, and the indexes and triggers of tables both
have) the patch leaves as a has it.
"""

import re
import sqlite3
from dataclasses import dataclass, field

from sqlite_utils.db import quote_identifier as identifier

from .compare import CompareFailed, Comparison, Side, open_pair, reading
from .compare_patch_rows import PatchRows, inserts, named, own_key
from .compare_rows import OTHER
from .dump import CHUNK_BYTES, DatabaseChanged, change_counter, in_executor, literal, take

# As the dump ends when it cannot go on (dump.py's INCOMPLETE): a reason, a statement that fails, and no COMMIT.
INCOMPLETE = "\n-- The patch stopped here, incomplete: {}\nTHE PATCH IS INCOMPLETE;\n"


def unpatchable(table: dict) -> str | None:
    """Why the patch leaves a table both databases have (compare.py's dict of it) as a has it; None when it does not."""
    columns = ("columns_added", "columns_removed", "columns_changed")
    if any(table[k] for k in columns) or table["primary_key_a"] != table["primary_key_b"]:
        # sqldiff would drop the table and make it again, and so lose what b's CREATE TABLE does not hold.
        return f"“{table['name']}”: its columns differ, and a patch cannot change a table's columns safely."
    if table["key"] is None and table["changed"]:
        return f"“{table['name']}”: its rows cannot be matched, with no primary key both have and no rowid."
    return None


@dataclass
class Plan:
    """What the patch writes, as the schemas tell before its first statement."""

    notes: list[str] = field(default_factory=list)  # unpatchable()'s
    unmade: list[str] = field(default_factory=list)  # virtual tables only a has
    made: dict[str, str] = field(default_factory=dict)  # virtual tables only b has: their CREATE VIRTUAL TABLE
    dropped: list[str] = field(default_factory=list)
    added: dict[str, Side] = field(default_factory=dict)
    patched: list[tuple] = field(default_factory=list)  # (table, a's Side, b's Side, key)
    virtual: set[str] = field(default_factory=set)  # a's virtual tables, lower case
    suspended: dict[str, bytes] = field(default_factory=dict)  # a's triggers dropped so far: their CREATE TRIGGER

    def written(self) -> set[str]:
        """The tables (lower case) whose rows the patch writes."""
        return {t.lower() for t in [*self.added, *(p[0] for p in self.patched)]}


def make_plan(comparison: Comparison, visible) -> Plan:
    a, b = comparison.tables(visible)
    plan = Plan(dropped=[t for t in a if t not in b], added={t: side for t, side in b.items() if t not in a})
    for table in (t for t in a if t in b):
        shape = comparison.shape(table, a[table], b[table])
        if note := unpatchable(shape):
            plan.notes.append(note)
        elif shape["key"]:
            plan.patched.append((table, a[table], b[table], shape["key"]))
    virtual_changes(comparison, plan, visible)
    return plan


def virtual_changes(comparison: Comparison, plan: Plan, visible) -> None:
    """The virtual tables only a has (dropped) and only b has (made, when the patch makes every table that holds its
    rows: Datasette hides those of an FTS index of another table's content, and the index would be left without)."""
    in_a, in_b = (virtual_tables(comparison, schema) for schema in ("main", OTHER))
    plan.virtual = {t.lower() for t in in_a}
    plan.unmade = [t for t in in_a if t not in in_b and visible("a", t)]
    found = comparison.rows("select name from pragma_table_list where schema = ? and type = 'shadow'", [OTHER])
    shadows = [t for (t,) in found]
    for table, sql in in_b.items():
        if table in in_a or not visible("b", table):
            continue
        own = [t for t in shadows if t.lower().startswith(table.lower() + "_")]
        if all(t in plan.added for t in own):
            plan.made[table] = sql
            continue
        plan.notes.append(f"“{table}”, a virtual table only b has: the tables that hold its rows are hidden.")
        for t in own:
            plan.added.pop(t, None)


def virtual_tables(comparison: Comparison, schema: str) -> dict[str, str]:
    comparison.table = ""
    found = comparison.rows(
        f"select name, sql from {schema}.sqlite_master where type = 'table' and sql like 'create virtual table%'"
    )
    return dict(found)


def patch_notes(path_a: str, path_b: str, time_limit_ms: int, visible) -> list[str]:
    """What the patch from a to b would leave out, as it says at its top: for the compare page, next to its link."""
    with reading(path_a, path_b, time_limit_ms) as comparison:
        return make_plan(comparison, visible).notes


def comment(text: str) -> bytes:
    """A SQL comment: a line break in a name would end it, and the rest would be read as SQL."""
    return ("-- " + re.sub(r"[\r\n]+", " ", text)).encode()


def header(names: tuple[str, str], plan: Plan):
    a, b = names
    yield comment(
        f"The changes that turn the database “{a}” into “{b}”, as sqldiff writes them: rows deleted, changed and "
        "added by primary key (or rowid), tables dropped and made. From Compare in Datasette."
    )
    # -bail: else the shell goes on past a failing statement, and COMMIT keeps the rest.
    yield comment(f"Run it in “{a}”, all or nothing: open it in the app, or sqlite3 -bail {a}.db < {a}-to-{b}.sql")
    if plan.notes:
        yield comment("Not in this patch, which cannot write these safely (change them by hand):")
        yield from (comment("  " + note) for note in plan.notes)


def patch_statements(comparison: Comparison, names: tuple[str, str], visible):
    """The patch's statements (bytes, no line ends), each read as a chunk asks for it: no query stays open between."""
    plan = make_plan(comparison, visible)
    yield from header(names, plan)
    yield b"BEGIN;"
    # Drops first: a name a frees may be one b has for another table.
    yield from (b"DROP TABLE %s;" % named(t) for t in plan.unmade)
    # IF EXISTS: a virtual table dropped above took its shadow tables with it.
    yield from (b"DROP TABLE IF EXISTS %s;" % named(t) for t in plan.dropped)
    if plan.made:
        yield b"PRAGMA writable_schema=ON;"  # as the dump records a virtual table; restore.py writes the row itself
        for t, sql in plan.made.items():
            row = literal(t), literal(t), literal(sql)
            yield b"INSERT INTO sqlite_master(type,name,tbl_name,rootpage,sql)VALUES('table',%s,%s,0,%s);" % row
    for table, side in plan.added.items():
        yield from new_table(comparison, table, side)
    for table, a, b, key in plan.patched:
        comparison.table = table
        yield from triggers_off(comparison, table, a, PatchRows(comparison, table, a, b, key).statements(), plan)
    yield from plan.suspended.values()
    if plan.made:
        yield b"PRAGMA writable_schema=OFF;"
    yield b"COMMIT;"


def new_table(comparison: Comparison, table: str, side: Side):
    """A table only b has: its CREATE TABLE, its rows, then its indexes and triggers (after the rows: none fires)."""
    comparison.table = table
    found = comparison.rows(
        f"select cast(sql as blob) from {OTHER}.sqlite_master where tbl_name = ? collate nocase "
        "and type in ('table', 'index', 'trigger') and sql not null order by type != 'table', type = 'trigger', rowid",
        [table],
    )
    yield found[0][0] + b";"
    yield from inserts(comparison, table, OTHER, side, own_key(side))
    yield from (sql + b";" for (sql,) in found[1:])


def triggers_off(comparison: Comparison, table: str, side: Side, statements, plan: Plan):
    """The statements of a table both have, the triggers of a that they fire and that write a table the patch writes
    dropped before the first (none when there is none), their CREATE TRIGGER kept in plan.suspended, to be made again
    at the end. A write to a virtual table is taken as one to its shadow tables (named after it)."""
    first = True
    for statement in statements:
        if first:
            first, written = False, plan.written()
            for trigger, tables in fired(comparison, table, side).items():
                tables = {t.lower() for t in tables}
                shadows = {w for w in written for t in tables & plan.virtual if w.startswith(t + "_")}
                if trigger not in plan.suspended and (tables | shadows) & written:
                    found = comparison.rows(
                        "select cast(sql as blob) from main.sqlite_master where name = ?", [trigger]
                    )
                    plan.suspended[trigger] = found[0][0] + b";"
                    yield b"DROP TRIGGER %s;" % named(trigger)
        yield statement


WRITES = (sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE)


def fired(comparison: Comparison, table: str, side: Side) -> dict[str, set[str]]:
    """a's triggers that an INSERT, UPDATE or DELETE of table fires, at any depth, each with the tables it writes. SQLite
    tells as it prepares such statements (EXPLAIN: prepared, never run): its authorizer is asked about each write, with
    the trigger that makes it."""
    writes: dict[str, set[str]] = {}

    def authorize(action, name, _column, _schema, trigger):
        if trigger and action in WRITES:
            writes.setdefault(trigger, set()).add(name)
        return sqlite3.SQLITE_OK

    target = f"main.{identifier(table)}"
    every = ", ".join(f"{c} = {c}" for c in map(identifier, side.columns))  # so that each UPDATE OF trigger fires
    comparison.conn.set_authorizer(authorize)
    try:
        for sql in (f"insert into {target} default values", f"update {target} set {every}", f"delete from {target}"):
            comparison.rows(f"explain {sql}")
    finally:
        comparison.conn.set_authorizer(None)
    return writes


async def send_patch(datasette, names: tuple[str, str], job: tuple, send) -> None:
    """Send the patch from a to b (job: their paths, the SQL time limit, visible(side, table)) as ASGI body messages
    of about CHUNK_BYTES, as dump.send_dump sends a dump: each chunk read in a read transaction of its own, so that a
    paused download holds no write back; a write to either database between two chunks ends it as a script that
    fails."""
    *paths, limit, visible = job
    conn = None
    try:
        conn = open_pair(*paths)
        conn.isolation_level = None  # read_chunk begins and ends each read transaction
        counters = [change_counter(path) for path in paths]
        statements = patch_statements(Comparison(conn, limit), names, visible)
        while chunk := await in_executor(datasette, read_chunk, conn, statements, names, paths, counters):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except (sqlite3.Error, OSError, DatabaseChanged, CompareFailed) as error:
        reason = " ".join(str(error).split())
        await send({"type": "http.response.body", "body": INCOMPLETE.format(reason).encode(), "more_body": True})
    finally:
        if conn:
            conn.close()


def read_chunk(conn, statements, names, paths, counters) -> bytes:
    """The next chunk of the patch, read in one short read transaction on both databases (dump.read_chunk's way)."""
    conn.execute("BEGIN")
    try:
        for schema in ("main", OTHER):  # takes the read lock on each file; then neither changes
            conn.execute(f"select count(*) from {schema}.sqlite_master").fetchone()
        if [change_counter(path) for path in paths] != counters:
            a, b = names
            raise DatabaseChanged(f"“{a}” or “{b}” changed while the patch was being written: download it again.")
        return take(statements, CHUNK_BYTES)
    finally:
        conn.execute("COMMIT")
