"""Generated databases for the benchmark, written once into benchmarks/.data/ and reused by later runs.

pages_db(): 250,000 items with a foreign key to 40 categories, a JSON column and a full-text index over name and
description (the page-latency and query-speed database, about 70 MB); 1,000 rows with blobs; a table of 40 columns;
and small tables to make 60 in all (issue 15's page set).
huge_db(): 1.5 million rows with a 1000-byte blob each (1.7 GB, as tests/ huge_db), for importing a large file.
"""

import json
import random
import sqlite3
from pathlib import Path

DATA = Path(__file__).resolve().parent / ".data"
ITEMS = 250_000
CATEGORIES = 40
HUGE_ROWS = 1_500_000

# A small made-up vocabulary, so that full-text searches hit a few hundred rows rather than all or none.
SYLLABLES = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "vo", "pe", "zu", "an", "el", "or", "ub", "is", "ya"]
COLORS = ["red", "green", "blue", "black", "white", "amber", "teal", "violet"]


def _words(rng, n):
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) for _ in range(n)]


def pages_db(fts="fts5"):
    """The page-latency database; `fts` is the full-text module the app's SQLite has (fts5, else fts4)."""
    path = DATA / f"pages-v2-{fts}.db"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    rng = random.Random(4)
    vocabulary = _words(rng, 2000)
    db = sqlite3.connect(partial)
    db.executescript(
        """
        create table categories (id integer primary key, name text not null, description text);
        create table items (
            id integer primary key,
            category_id integer not null references categories(id),
            name text not null,
            description text,
            price real,
            quantity integer,
            created text,
            data text  -- JSON
        );
        """
    )
    db.executemany(
        "insert into categories values (?, ?, ?)",
        [(i, f"Category {' '.join(_words(rng, 2))}", " ".join(_words(rng, 8))) for i in range(1, CATEGORIES + 1)],
    )

    def items():
        for i in range(1, ITEMS + 1):
            data = {"color": rng.choice(COLORS), "tags": rng.sample(vocabulary[:50], 2), "weight": rng.randint(1, 500)}
            yield (
                i,
                rng.randint(1, CATEGORIES),
                " ".join(rng.choices(vocabulary, k=3)),
                " ".join(rng.choices(vocabulary, k=12)),
                round(rng.uniform(1, 1000), 2),
                rng.randint(0, 100),
                f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                json.dumps(data),
            )

    db.executemany("insert into items values (?, ?, ?, ?, ?, ?, ?, ?)", items())
    # A foreign key usually has an index; the facet and the row page's "links from other tables" use it.
    db.execute("create index items_category on items(category_id)")
    # content=[items] is how Datasette recognises items_fts as the full-text index of items (?_search=).
    db.execute(f"create virtual table items_fts using {fts}(name, description, content=[items])")
    db.execute("insert into items_fts (rowid, name, description) select id, name, description from items")
    issue_15_tables(db, rng)
    db.commit()
    db.execute("vacuum")
    db.close()
    partial.rename(path)
    return path


WIDE_COLUMNS = 40
TABLES = 60


def issue_15_tables(db, rng):
    """blobs (1,000 rows of 256 bytes), wide (40 columns, 1,000 rows), and small tables up to 60 tables in all."""
    db.execute("create table blobs (id integer primary key, label text, payload blob)")
    db.executemany("insert into blobs values (?, ?, ?)", [(i, f"blob {i}", rng.randbytes(256)) for i in range(1000)])
    columns = [f"c{i:02d}" for i in range(WIDE_COLUMNS - 1)]
    db.execute(f"create table wide (id integer primary key, {', '.join(f'{c} text' for c in columns)})")
    rows = [(i, *(" ".join(_words(rng, 2)) for _ in columns)) for i in range(1000)]
    db.executemany(f"insert into wide values ({', '.join('?' * WIDE_COLUMNS)})", rows)
    for i in range(TABLES - 4):  # categories, items, blobs, wide
        db.execute(f"create table small_{i:02d} (id integer primary key, name text, value real)")
        db.executemany(f"insert into small_{i:02d} values (?, ?, ?)", [(j, f"n{j}", j / 3) for j in range(10)])


def search_word(path):
    """A word of the vocabulary that occurs in some hundreds of item names: a realistic search."""
    db = sqlite3.connect(path)
    word = db.execute("select name from items where id = 1").fetchone()[0].split()[0]
    db.close()
    return word


def huge_db(rows=HUGE_ROWS, folder=DATA):
    """One table of rows of 1,000 random bytes each: 1.71 GB for the default 1,500,000 rows. Always named huge.db
    (bench/large.py looks for that name): another size goes in a folder of its own."""
    path = folder / "huge.db"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    db.execute("pragma journal_mode=off")
    db.execute("create table blobs (id integer primary key, label text, payload blob)")
    db.execute(
        f"with recursive n(i) as (select 1 union all select i + 1 from n where i < {rows}) "
        "insert into blobs select i, 'row ' || i, randomblob(1000) from n"
    )
    db.commit()
    db.close()
    partial.rename(path)
    return path


if __name__ == "__main__":
    for make in (pages_db, huge_db):
        p = make()
        print(p, f"{p.stat().st_size / 1e6:.0f} MB")
