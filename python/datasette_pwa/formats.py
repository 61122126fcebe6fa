"""The files the app opens: SQLite databases, and data files imported as tables. The one list; build.py writes it to
dist/formats.json for the shell (its file picker, the input's accept list and the routing of dropped files)."""

DATABASES = {
    "description": "SQLite databases",
    "mime": "application/vnd.sqlite3",
    "suffixes": [".db", ".sqlite", ".sqlite3", ".db3"],
}
# Suffix -> sqlite_utils's format name (importing.py).
DATA = {
    "description": "CSV and JSON data",
    "formats": {".csv": "CSV", ".tsv": "TSV", ".tab": "TSV", ".json": "JSON", ".ndjson": "NL", ".jsonl": "NL"},
}


def suffix_of(file_name: str) -> str:
    """The suffix that says what file_name is ("" when none of ours)."""
    lower = file_name.lower()
    return next((s for s in [*DATABASES["suffixes"], *DATA["formats"]] if lower.endswith(s)), "")
