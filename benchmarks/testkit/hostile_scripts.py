"""SQL scripts that try to leave their box: reach another database, damage their own, or never end. Used by
tests/test_sql_guard.py (each run as a `.sql` restore and through execute-write, under CPython) and by
benchmarks/hostile_tally.py (each brought to the real app by a link, a drop and execute-write).

Each script is built for a target database (where it runs, holding table `items`) and a victim: another database of
the library whose path the script knows (a real attack finds it in Datasette's catalog), holding table `items` too.
A script passes when the victim is untouched and the target still reads and passes SQLite's checks, whether the
script was refused, failed, stopped at its time limit, or ran (a script may change its own database).
"""

from dataclasses import dataclass

# Every PRAGMA that sets something, with a value to try (a read of one is harmless: sql_guard.py lets those run).
SETTING_PRAGMAS = {
    "analysis_limit": "1",
    "application_id": "7",
    "auto_vacuum": "FULL",
    "automatic_index": "OFF",
    "busy_timeout": "100000",
    "cache_size": "1",
    "cache_spill": "OFF",
    "case_sensitive_like": "ON",
    "cell_size_check": "ON",
    "checkpoint_fullfsync": "ON",
    "defer_foreign_keys": "ON",
    "encoding": "'UTF-16'",
    "foreign_keys": "ON",
    "fullfsync": "ON",
    "hard_heap_limit": "1",
    "ignore_check_constraints": "ON",
    "incremental_vacuum": "10",
    "journal_mode": "OFF",
    "journal_size_limit": "0",
    "legacy_alter_table": "ON",
    "locking_mode": "EXCLUSIVE",
    "max_page_count": "1",
    "mmap_size": "1000000000",
    "optimize": "0x10002",
    "page_size": "512",
    "query_only": "ON",
    "read_uncommitted": "ON",
    "recursive_triggers": "ON",
    "reverse_unordered_selects": "ON",
    "schema_version": "1",
    "secure_delete": "ON",
    "shrink_memory": "1",
    "soft_heap_limit": "1",
    "synchronous": "OFF",
    "temp_store": "MEMORY",
    "threads": "8",
    "trusted_schema": "ON",
    "user_version": "9",
    "wal_autocheckpoint": "1",
    "wal_checkpoint": "TRUNCATE",
    "writable_schema": "ON",
}
ATTACH_SPELLINGS = [
    "ATTACH '{victim}' AS v",
    "attach database '{victim}' as v",
    "AtTaCh DaTaBaSe '{victim}' aS v",
    "/* hello */ ATTACH '{victim}' AS v",
    "ATTACH 'file:{victim}?mode=rw' AS v",
    "ATTACH 'file:{victim}' AS v",
    "ATTACH ('{victim}') AS v",
    "ATTACH '{victim_head}' || '{victim_tail}' AS v",
    "ATTACH printf('%s', '{victim}') AS v",
    "ATTACH replace('{victim_x}', 'X', '') AS v",
    "ATTACH '{victim}' AS main2",
    "ATTACH '{victim}' AS \"v\"",
    "ATTACH '{victim}' AS [v]",
    "ATTACH '{victim}' AS `v`",
    "ATTACH char({victim_codes}) AS v",
]
ATTACK_AFTER_ATTACH = [
    "DELETE FROM v.items",
    "DROP TABLE v.items",
    "UPDATE v.items SET name = 'gone'",
    "INSERT INTO v.items (name) VALUES ('planted')",
    "CREATE TABLE v.planted (x)",
]
VACUUMS = [
    "VACUUM",
    "VACUUM main",
    "VACUUM INTO '{victim}'",
    "VACUUM main INTO '{victim}'",
    "VACUUM INTO 'file:{victim}?mode=rw'",
    "vacuum into '{victim}.copy'",
]
FAIL = "INSERT INTO no_such_table VALUES (1)"  # a statement that fails, after a harmful one


@dataclass(frozen=True)
class Hostile:
    name: str
    sql: str  # with {victim} and friends to fill in (script_for)
    slow: bool = False  # it can only end at the time limit


def scripts() -> list[Hostile]:
    """The whole corpus: over 200 scripts."""
    found = []
    for i, attach in enumerate(ATTACH_SPELLINGS):
        for j, attack in enumerate(ATTACK_AFTER_ATTACH):
            found.append(Hostile(f"attach {i} {j}", f"{attach};\n{attack};\n"))
    for i, vacuum in enumerate(VACUUMS):
        found.append(Hostile(f"vacuum {i}", f"{vacuum};\n"))
    for pragma, value in SETTING_PRAGMAS.items():
        found.append(Hostile(f"pragma {pragma}", f"PRAGMA {pragma}={value};\nDELETE FROM items;\n{FAIL};\n"))
        found.append(
            Hostile(f"pragma main.{pragma}", f"PRAGMA main.{pragma}({value});\nUPDATE items SET name = 'x';\n")
        )
    return found + schema_attacks() + transaction_games() + endless() + elsewhere()


def schema_attacks() -> list[Hostile]:
    row = "INSERT INTO sqlite_master(type,name,tbl_name,rootpage,sql)VALUES({})"
    return [
        Hostile(
            "writable schema rewrite",
            "PRAGMA writable_schema=ON;\nUPDATE sqlite_master SET sql = 'CREATE TABLE items(x, y, z)' WHERE name = 'items';\n",
        ),
        Hostile(
            "writable schema delete", "PRAGMA writable_schema=1;\nDELETE FROM sqlite_master WHERE name = 'items';\n"
        ),
        Hostile(
            "schema row, a table",
            "PRAGMA writable_schema=ON;\n" + row.format("'table','items2','items2',2,'CREATE TABLE items2(x)'") + ";\n",
        ),
        Hostile(
            "schema row over a table",
            "PRAGMA writable_schema=ON;\n"
            + row.format("'table','items','items',0,'CREATE VIRTUAL TABLE items USING fts5(x)'")
            + ";\n",
        ),
        Hostile("schema row, an index", row.format("'index','i','items',3,'CREATE INDEX i ON items(name)'") + ";\n"),
        Hostile(
            "schema row, unknown module",
            row.format("'table','nope','nope',0,'CREATE VIRTUAL TABLE nope USING no_such_module(x)'") + ";\n",
        ),
        Hostile(
            "schema row, mismatched name",
            row.format("'table','a','a',0,'CREATE VIRTUAL TABLE b USING fts5(x)'") + ";\n",
        ),
        Hostile(
            "schema row, garbage sql", row.format("'table','g','g',0,'CREATE VIRTUAL TABLE g USING fts5(x'") + ";\n"
        ),
        Hostile(
            "schema row in sqlite_schema",
            "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('view','v','v',0,'CREATE VIEW v AS SELECT 1');\n",
        ),
        Hostile("direct schema write", "UPDATE sqlite_master SET sql = 'x';\n"),
        Hostile("drop a shadow table", "DROP TABLE items_fts_data;\n"),
        Hostile("drop a shadow table, then fail", f"DROP TABLE items_fts_config;\n{FAIL};\n"),
        Hostile("shadow table garbage", "DELETE FROM items_fts_config;\n"),
        Hostile("load_extension", "SELECT load_extension('/tmp/evil.so');\n"),
        Hostile("fts3_tokenizer", "SELECT fts3_tokenizer('simple', x'0000000000000000');\n"),
        Hostile(
            "temp trigger", "CREATE TEMP TRIGGER t AFTER INSERT ON main.items BEGIN DELETE FROM main.items; END;\n"
        ),
        Hostile("temp view", "CREATE TEMP VIEW tv AS SELECT * FROM main.items;\n"),
        Hostile("journal off then fail", f"PRAGMA journal_mode=OFF;\nUPDATE items SET name = name || 'x';\n{FAIL};\n"),
        Hostile("heap limit alone", "PRAGMA hard_heap_limit=1;\n"),
        Hostile("soft heap limit alone", "PRAGMA soft_heap_limit=1;\n"),
        Hostile("huge blob", "INSERT INTO items (name) VALUES (randomblob(1500000000));\n"),
        # Over sql_guard.py's MAX_VALUE_BYTES. SQLite's printf() checks the limit a character at a time, out of the
        # progress handler's reach: 1.5 billion took 7.2 s natively, so the corpus asks for just over the limit.
        Hostile("huge string", "INSERT INTO items (name) VALUES (printf('%.*c', 300000000, 'x'));\n"),
        Hostile("huge zeroblob", "INSERT INTO items (name) VALUES (zeroblob(2000000000));\n"),
    ]


def transaction_games() -> list[Hostile]:
    return [
        Hostile("commit midway", f"DELETE FROM items;\nCOMMIT;\n{FAIL};\n"),
        Hostile("end midway", f"DELETE FROM items;\nEND;\n{FAIL};\n"),
        Hostile("begin begin", "BEGIN;\nBEGIN;\nDELETE FROM items;\n"),
        Hostile("rollback", "DELETE FROM items;\nROLLBACK;\nDELETE FROM items;\n"),
        Hostile("savepoint release", f"SAVEPOINT a;\nDELETE FROM items;\nRELEASE a;\n{FAIL};\n"),
        Hostile("savepoint rollback to", "SAVEPOINT a;\nDELETE FROM items;\nROLLBACK TO a;\nRELEASE a;\n"),
        Hostile("release unknown", "RELEASE nothing;\n"),
        Hostile("rollback to unknown", "ROLLBACK TO nothing;\n"),
        Hostile("nested savepoints", f"SAVEPOINT a;\nSAVEPOINT b;\nDELETE FROM items;\nRELEASE a;\n{FAIL};\n"),
        Hostile("begin immediate midway", f"DELETE FROM items;\nBEGIN IMMEDIATE;\n{FAIL};\n"),
        Hostile("commit then attach", "COMMIT;\nATTACH '{victim}' AS v;\nDELETE FROM v.items;\n"),
    ]


def endless() -> list[Hostile]:
    forever = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
    return [
        Hostile("recursive cte", f"{forever} SELECT count(*) FROM c;\n", slow=True),
        Hostile("recursive insert", f"INSERT INTO items (name) {forever} SELECT x FROM c;\n", slow=True),
        Hostile("recursive create as", f"CREATE TABLE forever AS {forever} SELECT x FROM c;\n", slow=True),
        Hostile(
            "cross join",
            "SELECT count(*) FROM items a, items b, items c, items d, items e, items f, items g;\n",
            slow=True,
        ),
    ]


def elsewhere() -> list[Hostile]:
    """Triggers and views that would write or read outside their database."""
    return [
        Hostile("trigger writes elsewhere", "CREATE TRIGGER t AFTER INSERT ON items BEGIN DELETE FROM v.items; END;\n"),
        Hostile("trigger on temp", "CREATE TRIGGER temp.t AFTER INSERT ON items BEGIN DELETE FROM items; END;\n"),
        Hostile("view elsewhere", "CREATE VIEW ve AS SELECT * FROM v.items;\n"),
        Hostile(
            "trigger then attach",
            "CREATE TRIGGER t AFTER INSERT ON items BEGIN DELETE FROM items; END;\nATTACH '{victim}' AS v;\n",
        ),
    ]


def script_for(hostile: Hostile, victim: str) -> str:
    """The script's text, aimed at the victim database's file."""
    head, tail = victim[: len(victim) // 2], victim[len(victim) // 2 :]
    return hostile.sql.format(
        victim=victim,
        victim_head=head,
        victim_tail=tail,
        victim_x="X".join(victim),
        victim_codes=",".join(str(ord(c)) for c in victim),
    )
