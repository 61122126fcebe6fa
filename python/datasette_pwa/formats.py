"""The files the app opens: SQLite databases, and data files imported as tables. The one list: importing.py builds its
importers from it, and build.py writes it for the shell (dist/formats.js: the file picker's types, the file input's
accept list, which dropped files are imported) and for the installed app (the manifest's file handlers)."""

DATABASES = {
    "description": "SQLite databases",
    "mime": "application/vnd.sqlite3",
    "suffixes": [".db", ".sqlite", ".sqlite3", ".db3"],
}
# The importer of a script of SQL statements (a `.dump`), restored by importing.py's restore_file: not one of
# sqlite-utils's formats, since its statements make whole tables (and views, triggers...), not rows of one.
SQL = "SQL"
# (MIME type, suffixes, importer: sqlite-utils's format name, or SQL)
DATA = [
    ("text/csv", [".csv"], "CSV"),
    ("text/tab-separated-values", [".tsv", ".tab"], "TSV"),
    ("application/json", [".json"], "JSON"),
    ("application/x-ndjson", [".ndjson", ".jsonl"], "NL"),
    ("application/sql", [".sql"], SQL),
]
DATA_DESCRIPTION = "CSV, JSON and SQL files"

DATA_SUFFIXES = [suffix for _, suffixes, _ in DATA for suffix in suffixes]
IMPORTERS = {suffix: name for _, suffixes, name in DATA for suffix in suffixes}
SCRIPT_SUFFIXES = [suffix for suffix, name in IMPORTERS.items() if name == SQL]


def suffix_of(file_name: str) -> str:
    """The suffix that says what file_name is ("" when none of ours)."""
    lower = file_name.lower()
    return next((s for s in [*DATABASES["suffixes"], *DATA_SUFFIXES] if lower.endswith(s)), "")


def for_the_shell() -> dict:
    """What the shell needs, as JSON: showOpenFilePicker's types, the <input>'s accept list, the data suffixes (and
    which of them are SQL scripts: the shell asks no table name for those)."""
    databases = {DATABASES["mime"]: DATABASES["suffixes"]}
    data = {mime: suffixes for mime, suffixes, _ in DATA}
    return {
        "pickerTypes": [
            {"description": DATABASES["description"], "accept": databases},
            {"description": DATA_DESCRIPTION, "accept": data},
        ],
        "accept": ",".join([*DATABASES["suffixes"], DATABASES["mime"], *DATA_SUFFIXES]),
        "dataSuffixes": DATA_SUFFIXES,
        "scriptSuffixes": SCRIPT_SUFFIXES,
    }


def file_handlers_accept() -> dict:
    """The installed app's file handlers (manifest.webmanifest): databases open with it from the file manager."""
    return {DATABASES["mime"]: DATABASES["suffixes"]}
