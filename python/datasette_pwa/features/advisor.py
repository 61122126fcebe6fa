"""The index advisor (explain_routes.py shows it): SQLite's EXPLAIN QUERY PLAN as a tree, and the indexes that would
stop it scanning a whole table for a WHERE, a JOIN or an ORDER BY.

How an index is found: SQLite is asked, not second-guessed. On an empty in-memory copy of the schema (scripts.py's,
nothing of the user's database read), each column of a table the SQL names, whose name the SQL also names, is tried
as a one-column index, and the plan is asked again: the index that removes the most full scans and temporary sorting
b-trees is proposed (or, where no one index alone helps, as in a join, the best pair); then, with it in place, the
next, up to MAX_PROPOSALS. A query whose plan has no full scan and no
temporary b-tree gets no proposal.
"""

import re
import sqlite3
from dataclasses import dataclass, field

from .indexes import NewIndex, create_sql, default_name
from .scripts import schema_copy

MAX_PROPOSALS = 3
MAX_CANDIDATES = 60  # (table, column) pairs tried: a plan takes well under a millisecond on an empty schema
MAX_PAIRED = 16  # candidates tried two at a time (120 pairs) when no one index alone helps
# A step that reads every row of a table: "SCAN t" or "SCAN t AS x", not "SCAN t USING INDEX i" (an index's order) or
# "SCAN t VIRTUAL TABLE ..." (its module decides) or a CTE's or subquery's rows ("SCAN (subquery-1)", "SCAN n").
FULL_SCAN = re.compile(r"^SCAN (?!.*\bUSING\b)(?!.*VIRTUAL TABLE)(?!\()")
TEMP_SORT = re.compile(r"^USE TEMP B-TREE FOR (ORDER BY|GROUP BY|DISTINCT)")


@dataclass
class Step:
    detail: str
    children: list["Step"] = field(default_factory=list)

    @property
    def costly(self) -> bool:
        return bool(FULL_SCAN.match(self.detail) or TEMP_SORT.match(self.detail))


def plan(conn, sql: str, params) -> list[Step]:
    """EXPLAIN QUERY PLAN of sql as a tree of Steps (its top level)."""
    steps, top = {}, []
    # EXPLAIN runs in no transaction, so it plans with the schema this connection last loaded, and a cached EXPLAIN
    # keeps the plan it was prepared with: after CREATE INDEX on the write connection both still said SCAN (seen,
    # under APSW). A read of sqlite_master loads the schema again; its version in the text makes the EXPLAIN new.
    conn.execute("select count(*) from sqlite_master").fetchall()
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    for id_, parent, _, detail in conn.execute(f"EXPLAIN QUERY PLAN {sql}\n-- schema {version}", params or {}):
        step = steps[id_] = Step(detail)
        (steps[parent].children if parent in steps else top).append(step)
    return top


def cost(steps: list[Step]) -> int:
    """Full scans and temporary b-trees in the plan."""
    return sum(step.costly + cost(step.children) for step in steps)


def candidates(conn, sql: str) -> list[tuple[str, str]]:
    """(table, column) pairs worth trying: tables the SQL names, columns it names, not already an index's first."""
    words = {w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_$]*|\"(?:[^\"]|\"\")+\"|\[[^\]]+\]|`[^`]+`", sql)}
    words |= {w.strip('"[]`').replace('""', '"').lower() for w in words}
    found = []
    tables = [t for (t,) in conn.execute("select name from sqlite_master where type = 'table' and sql is not null")]
    for table in (t for t in tables if t.lower() in words and not t.startswith("sqlite_")):
        led = {
            row[2]
            for i in conn.execute("select name from pragma_index_list(?)", [table])
            for row in conn.execute("select * from pragma_index_info(?) where seqno = 0", [i[0]])
        }
        for (column,) in conn.execute("select name from pragma_table_info(?)", [table]):
            if column.lower() in words and column not in led:
                found.append((table, column))
    return found[:MAX_CANDIDATES]


def index_for(table: str, column: str) -> NewIndex:
    return NewIndex(default_name(table, [column]), (column,), False)


def advise(schema: list[str], sql: str, params) -> list[tuple[str, NewIndex]]:
    """(table, index) to propose for sql, in order (none when its plan scans no table and sorts in no b-tree)."""
    conn = schema_copy(schema)
    try:
        proposals = []
        best = cost(plan(conn, sql, params))
        while best and len(proposals) < MAX_PROPOSALS:
            tried = sorted(what_if(conn, sql, params), key=lambda t: t[0])
            if not tried or tried[0][0] >= best:
                break
            best, chosen = tried[0]
            for table, index in chosen:
                conn.execute(create_sql(table, index))
            proposals += chosen
        return proposals
    except sqlite3.Error:
        return []  # SQL this copy cannot plan (a module it lacks): no advice rather than a wrong one
    finally:
        conn.close()


def what_if(conn, sql: str, params) -> list[tuple[int, list[tuple[str, NewIndex]]]]:
    """(cost of the plan, the indexes that give it) for each candidate index; where none alone lowers the cost, each
    pair (a join: one table searched by a filter, the other by the join's column)."""
    singles = [[(table, index_for(table, column))] for table, column in candidates(conn, sql)]
    tried = [(planned_with(conn, sql, params, chosen), chosen) for chosen in singles]
    baseline = cost(plan(conn, sql, params))
    if any(c < baseline for c, _ in tried) or len(singles) > MAX_PAIRED:
        return tried
    pairs = [a + b for i, a in enumerate(singles) for b in singles[i + 1 :]]
    return [(planned_with(conn, sql, params, chosen), chosen) for chosen in pairs]


def planned_with(conn, sql: str, params, chosen: list[tuple[str, NewIndex]]) -> int:
    """The cost of sql's plan with the chosen indexes, which are then removed again."""
    conn.execute("savepoint whatif")
    try:
        for table, index in chosen:
            conn.execute(create_sql(table, index))
        return cost(plan(conn, sql, params))
    finally:
        conn.execute("rollback to whatif")
        conn.execute("release whatif")
