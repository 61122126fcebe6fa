"""The sections of benchmarks/run.py, one module each: start (1 and 2), pages (3), large (4), queries (5); each section
returns a dataclass whose fields are its keys in results/latest.json. common has what they share; report writes the
markdown from the JSON. They import benchmarks/datagen.py and testkit/ from benchmarks/, which `python benchmarks/x.py`
puts first on sys.path."""

# What runs under CPython here runs on the app's SQLite (3.54, APSW's), as the tests do: before Datasette is imported.
import testkit.app_sqlite  # noqa: F401
