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
# The importer of spreadsheets (spreadsheets.py): each sheet a table.
SHEETS = "SHEETS"
# (MIME type, suffixes, importer: sqlite-utils's format name, SQL or SHEETS)
DATA = [
    ("text/csv", [".csv"], "CSV"),
    ("text/tab-separated-values", [".tsv", ".tab"], "TSV"),
    ("application/json", [".json"], "JSON"),
    ("application/x-ndjson", [".ndjson", ".jsonl"], "NL"),
    ("application/sql", [".sql"], SQL),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", [".xlsx"], SHEETS),
    ("application/vnd.ms-excel", [".xls"], SHEETS),
    ("application/vnd.oasis.opendocument.spreadsheet", [".ods"], SHEETS),
]
DATA_DESCRIPTION = "CSV, JSON, SQL and spreadsheet files"
# Packages that only some files need, loaded when such a file arrives or is asked for, never on the start path
# (build.py ships their wheels apart from site-packages; on_demand.py loads them): {what needs it: package}.
# python-calamine reads spreadsheets (0.5 MB of WebAssembly); XlsxWriter writes .xlsx downloads (features/xlsx.py).
XLSX = "xlsx"
ON_DEMAND = {SHEETS: "python_calamine", XLSX: "xlsxwriter"}

DATA_SUFFIXES = [suffix for _, suffixes, _ in DATA for suffix in suffixes]
IMPORTERS = {suffix: name for _, suffixes, name in DATA for suffix in suffixes}
SCRIPT_SUFFIXES = [suffix for suffix, name in IMPORTERS.items() if name == SQL]
SHEET_SUFFIXES = [suffix for suffix, name in IMPORTERS.items() if name == SHEETS]


def suffix_of(file_name: str) -> str:
    """The suffix that says what file_name is ("" when none of ours)."""
    lower = file_name.lower()
    return next((s for s in [*DATABASES["suffixes"], *DATA_SUFFIXES] if lower.endswith(s)), "")


def for_the_shell() -> dict:
    """What the shell needs, as JSON: showOpenFilePicker's types, the <input>'s accept list, the data suffixes (and
    which of them are SQL scripts: the shell asks no table name for those; and spreadsheets: it asks which sheet)."""
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
        "sheetSuffixes": SHEET_SUFFIXES,
    }


def file_handlers_accept() -> dict:
    """The installed app's file handlers (manifest.webmanifest): databases open with it from the file manager."""
    return {DATABASES["mime"]: DATABASES["suffixes"]}
