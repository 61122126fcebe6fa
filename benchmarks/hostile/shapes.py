"""The intact databases the damage is done to: real shapes (an FTS5 index, views, blobs over overflow pages, WITHOUT
ROWID tables, foreign keys and triggers, several page sizes) and one large one. Each has deleted rows, so its
freelist holds pages. Nothing random: the same SQL makes the same files in every run (with the same SQLite)."""

import sqlite3
from pathlib import Path

from testkit.databases import make_db

NUMBERS = "with recursive n(i) as (select 1 union all select i + 1 from n where i < {})"

FTS = f"""
pragma page_size = 4096;
create table docs (id integer primary key, title text not null, body text);
create virtual table docs_fts using fts5(title, body, content=docs, content_rowid=id);
create trigger docs_ai after insert on docs begin
  insert into docs_fts (rowid, title, body) values (new.id, new.title, new.body); end;
create trigger docs_ad after delete on docs begin
  insert into docs_fts (docs_fts, rowid, title, body) values ('delete', old.id, old.title, old.body); end;
{NUMBERS.format(3000)}
insert into docs (title, body) select 'document ' || i,
  'the quick brown fox ' || i || ' jumps over ' || (i * 7 % 101) || ' lazy dogs near river ' || (i % 13) from n;
delete from docs where id % 9 = 0 or id between 1000 and 1600;
"""
VIEWS = f"""
pragma page_size = 1024;
create table authors (id integer primary key, name text, born integer);
create table books (id integer primary key, author_id integer, title text, year integer, price real);
create index books_author on books (author_id);
create view recent as select b.title, a.name, b.year from books b join authors a on a.id = b.author_id where b.year > 1990;
create view per_author as select a.name, count(*) as books, avg(price) as price from authors a
  join books b on b.author_id = a.id group by a.id;
{NUMBERS.format(300)} insert into authors select i, 'author ' || i, 1900 + i % 100 from n;
{NUMBERS.format(4000)} insert into books select i, 1 + i % 300, 'book title ' || i, 1950 + i % 70, i / 7.0 from n;
delete from books where id % 11 = 0 or id between 2000 and 2600;
"""
BLOBS = f"""
pragma page_size = 1024;
create table files (id integer primary key, name text, kind text, data blob);
{NUMBERS.format(400)}
insert into files select i, 'file ' || i || '.bin', 'bin', cast(printf('%.*c', case when i % 4 = 0 then 12000 else 60 + i * 7 end, char(33 + i % 90)) as blob)
  from n;
delete from files where id % 5 = 0;
"""
WITHOUT_ROWID = f"""
pragma page_size = 512;
create table kv (a text, b integer, v text, primary key (a, b)) without rowid;
create table tags (tag text primary key, uses integer) without rowid;
create index kv_v on kv (v);
{NUMBERS.format(5000)} insert into kv select 'key ' || (i % 97), i, 'value ' || (i * 31 % 1009) from n;
{NUMBERS.format(500)} insert into tags select 'tag ' || i, i from n;
delete from kv where b % 7 = 0 or b between 1000 and 1800;
"""
FOREIGN_KEYS = f"""
pragma page_size = 8192;
pragma foreign_keys = on;
create table parents (id integer primary key, name text unique);
create table children (id integer primary key, parent_id integer not null references parents (id) on delete cascade,
  name text, score integer check (score >= 0));
create table audit (id integer primary key, what text, at integer);
create trigger children_audit after insert on children begin
  insert into audit (what, at) values ('child ' || new.id, new.parent_id); end;
create trigger parents_audit after delete on parents begin insert into audit (what, at) values ('gone', old.id); end;
{NUMBERS.format(800)} insert into parents select i, 'parent ' || i from n;
{NUMBERS.format(6000)} insert into children select i, 1 + i % 800, 'child ' || i, i % 50 from n;
delete from parents where id % 13 = 0;
delete from children where id between 3000 and 4500;
"""
MIXED = f"""
pragma page_size = 65536;
create table wide (id integer primary key, a text, b real, c blob, d integer, e text);
create table plain (x, y);
create view wide_view as select id, a, d from wide where d % 2 = 0;
{NUMBERS.format(2000)}
insert into wide select i, printf('%0500d', i), i * 1.5, cast(printf('%.*c', i % 300 * 10, char(33 + i % 90)) as blob), i, 'e' || i from n;
{NUMBERS.format(100)} insert into plain select i, 'y' from n;
delete from wide where id % 4 = 0 or id between 500 and 900;
"""
SHAPES = {
    "fts": FTS,
    "views": VIEWS,
    "blobs": BLOBS,
    "without_rowid": WITHOUT_ROWID,
    "foreign_keys": FOREIGN_KEYS,
    "mixed": MIXED,
}
NAMES = [*SHAPES, "large"]


def make(path: Path, sql: str) -> Path:
    """The database of sql at path, made afresh."""
    path.unlink(missing_ok=True)
    return make_db(path, sql)


def large_sql(megabytes: int) -> str:
    """A database of about megabytes MB: rows of about 1 kB (overflow pages at 1024), an index, a view."""
    rows = megabytes * 900
    return f"""
pragma page_size = 4096;
create table events (id integer primary key, kind text, at integer, payload text, raw blob);
create index events_kind on events (kind, at);
create view kinds as select kind, count(*) as n from events group by kind;
{NUMBERS.format(rows)} insert into events select i, 'kind ' || (i % 40), i * 60,
  printf('%.*c', 300 + i % 500, 'p'), cast(printf('%.*c', case when i % 50 = 0 then 6000 else 200 end, char(33 + i % 90)) as blob) from n;
delete from events where id % 17 = 0;
"""


def make_all(folder: Path, large_mb: int) -> dict[str, Path]:
    """{shape: path} of every intact shape, made in folder."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {name: make(folder / f"{name}.db", sql) for name, sql in SHAPES.items()}
    made["large"] = make(folder / "large.db", large_sql(large_mb))
    return made


def found(folder: Path) -> dict[str, Path]:
    """{shape: path} of the shapes make_all made in folder."""
    return {name: folder / f"{name}.db" for name in NAMES}


def make_intact(path: Path) -> Path:
    """The database each damaged one is put beside: it must come out of every case byte for byte the same."""
    return make(
        path,
        f"""create table items (id integer primary key, name text);
        create virtual table items_fts using fts5(name, content=items, content_rowid=id);
        {NUMBERS.format(500)} insert into items (name) select 'intact ' || i from n;
        insert into items_fts (rowid, name) select id, name from items;""",
    )


def tables_of(path: Path) -> list[str]:
    """Every table and view of an intact database (the pages each damaged copy of it is asked for)."""
    with sqlite3.connect(path) as conn:
        found = [
            r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view') order by 1")
        ]
    conn.close()
    return found
