"""The sample database a newcomer opens from the welcome screen ("Try a sample database"): bird sightings in the
parks of a town, made here, the same at every build (a seeded generator, fixed dates), a few hundred KB.

Every feature has something to show: facets (a sighting's park, weather, species), full-text search (the species'
names, an FTS5 index Datasette finds by its content table), a foreign key with labels (a sighting's species), a view
and numbers to chart (sightings per month), and a row with a note in Markdown (datasette-render-markdown).
"""

import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

SPECIES = [
    ("Eurasian wren", "Troglodytes troglodytes", "Wrens"),
    ("European robin", "Erithacus rubecula", "Chats and flycatchers"),
    ("Common blackbird", "Turdus merula", "Thrushes"),
    ("Song thrush", "Turdus philomelos", "Thrushes"),
    ("Great tit", "Parus major", "Tits"),
    ("Blue tit", "Cyanistes caeruleus", "Tits"),
    ("Coal tit", "Periparus ater", "Tits"),
    ("Long-tailed tit", "Aegithalos caudatus", "Long-tailed tits"),
    ("Common chaffinch", "Fringilla coelebs", "Finches"),
    ("European goldfinch", "Carduelis carduelis", "Finches"),
    ("European greenfinch", "Chloris chloris", "Finches"),
    ("House sparrow", "Passer domesticus", "Sparrows"),
    ("Eurasian magpie", "Pica pica", "Crows"),
    ("Carrion crow", "Corvus corone", "Crows"),
    ("Eurasian jay", "Garrulus glandarius", "Crows"),
    ("Common wood pigeon", "Columba palumbus", "Pigeons"),
    ("Eurasian collared dove", "Streptopelia decaocto", "Pigeons"),
    ("Great spotted woodpecker", "Dendrocopos major", "Woodpeckers"),
    ("Eurasian nuthatch", "Sitta europaea", "Nuthatches"),
    ("Common kingfisher", "Alcedo atthis", "Kingfishers"),
    ("Grey heron", "Ardea cinerea", "Herons"),
    ("Mallard", "Anas platyrhynchos", "Ducks"),
    ("Mute swan", "Cygnus olor", "Ducks"),
    ("Red kite", "Milvus milvus", "Hawks"),
    ("Common buzzard", "Buteo buteo", "Hawks"),
    ("Eurasian sparrowhawk", "Accipiter nisus", "Hawks"),
    ("Common swift", "Apus apus", "Swifts"),
    ("Barn swallow", "Hirundo rustica", "Swallows"),
    ("Pied wagtail", "Motacilla alba", "Wagtails"),
    ("Common starling", "Sturnus vulgaris", "Starlings"),
]
PARKS = [
    "Riverside",
    "Old Orchard",
    "Mill Pond",
    "Hilltop Common",
    "Station Gardens",
    "Beech Wood",
    "Marsh Lane",
    "Castle Green",
]
WEATHER = ["sunny", "cloudy", "rain", "windy", "fog"]
OBSERVERS = ["Ada", "Bea", "Cal", "Dev", "Eli", "Fay"]
SIGHTINGS = 4000
FIRST_DAY = date(2025, 1, 1)

SCHEMA = """
create table species (
    id integer primary key,
    name text not null,
    scientific_name text not null,
    family text not null
);
create virtual table species_fts using fts5(name, scientific_name, content=species, content_rowid=id);
create table sightings (
    id integer primary key,
    species_id integer not null references species(id),
    park text not null,
    seen_on text not null,
    birds integer not null,
    weather text not null,
    observer text not null,
    notes_markdown text
);
create index sightings_by_species on sightings(species_id);
create view sightings_by_month as
    select substr(seen_on, 1, 7) as month, count(*) as sightings, sum(birds) as birds
    from sightings group by month order by month;
"""


def write_sample(path: Path) -> None:
    """Write the sample database at path (replacing it)."""
    path.unlink(missing_ok=True)
    rng = random.Random(2025)
    conn = sqlite3.connect(path)
    with conn:
        conn.executescript(SCHEMA)
        conn.executemany(
            "insert into species (id, name, scientific_name, family) values (?, ?, ?, ?)",
            [(i, *row) for i, row in enumerate(SPECIES, start=1)],
        )
        conn.execute(
            "insert into species_fts (rowid, name, scientific_name) select id, name, scientific_name from species"
        )
        conn.executemany("insert into sightings values (?, ?, ?, ?, ?, ?, ?, ?)", sightings(rng))
    conn.execute("vacuum")
    conn.close()


def sightings(rng: random.Random):
    # Common birds are seen more often: a weight per species, falling down the list.
    weights = [1 / (1 + i / 4) for i in range(len(SPECIES))]
    for i in range(1, SIGHTINGS + 1):
        day = FIRST_DAY + timedelta(days=rng.randrange(365))
        species = rng.choices(range(1, len(SPECIES) + 1), weights)[0]
        note = "**First of the year** in this park." if i % 97 == 0 else None
        yield (
            i,
            species,
            rng.choice(PARKS),
            day.isoformat(),
            rng.randint(1, 12),
            rng.choice(WEATHER),
            rng.choice(OBSERVERS),
            note,
        )
