"""A database's schema as an entity-relationship diagram in SVG: layout and drawing, pure functions of the schema
(diagram_routes.py reads the schema and serves the pages).

Drawn here rather than by a JavaScript library: the app works offline and its pages load no code from elsewhere.
Boxes sit in a grid, in an order that keeps tables joined by foreign keys close; each foreign key is a curve from its
column to the referenced column (or the table's primary key).
"""

import math
import re
import unicodedata
from dataclasses import dataclass

from markupsafe import escape


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    pk: int  # position in the primary key, 0 when not part of it (PRAGMA table_info's pk)


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    other_table: str
    other_columns: tuple[str | None, ...]  # None: the referenced table's primary key


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    is_view: bool = False


@dataclass(frozen=True)
class Box:
    table: Table
    x: float
    y: float
    width: float
    height: float


# Monospace text, so a name's width is its character count (wide characters count twice) times one advance; 7.4 px
# is a little over the advance of the common monospace fonts at 12 px (0.6 em), so text never overflows its box.
CHAR_W = 7.4
HEAD = 26  # header row: the table's name
ROW = 18  # one row per column
PAD = 8
GUTTER = 28  # left of the column names: the PK / FK marks
MIN_WIDTH = 120
NAME_LIMIT = 40  # characters shown of a name; longer ones are cut, whole in the box's tooltip
TYPE_LIMIT = 18
COL_GAP = 90  # room between grid columns for the curves
ROW_GAP = 50
MARGIN = 20
ASPECT = 1.6  # the grid's aim: about as wide as a landscape screen
# Characters XML 1.0 forbids even escaped: a table named with one would make the whole SVG unreadable.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
STYLE = (
    ".pwa-erd{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono',monospace}"
    ".pwa-erd text{white-space:pre;fill:#1f2937}"
    ".pwa-erd .erd-body{fill:#fff}.pwa-erd .erd-head{fill:#dbe7f5}.pwa-erd .erd-view .erd-head{fill:#e3f1dc}"
    ".pwa-erd .erd-frame{fill:none;stroke:#5b6b82;stroke-width:1.2}"
    ".pwa-erd .erd-view .erd-frame{stroke-dasharray:5 3}"
    ".pwa-erd .erd-name,.pwa-erd .erd-pk .erd-colname{font-weight:bold}"
    ".pwa-erd .erd-type,.pwa-erd .erd-tag{fill:#6b7280}"
    ".pwa-erd .erd-mark{font-size:9px;font-weight:bold;fill:#b45309}"
    ".pwa-erd .erd-fk{fill:none;stroke:#6b7a90;stroke-width:1.4;opacity:.85}"
    ".pwa-erd .erd-on .erd-frame,.pwa-erd .erd-fk.erd-on{stroke:#d97706;stroke-width:2.5;opacity:1}"
)
DEFS = (
    '<defs><marker id="erd-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
    'orient="auto"><path d="M0 0L10 5L0 10z" fill="#6b7a90"/></marker>'
    '<marker id="erd-dot" viewBox="0 0 6 6" refX="3" refY="3" markerWidth="5" markerHeight="5">'
    '<circle cx="3" cy="3" r="3" fill="#6b7a90"/></marker></defs>'
)


def clean(text: str) -> str:
    return NOT_XML.sub("\ufffd", str(text))


def cells(text: str) -> int:
    """Monospace cells text takes: East Asian wide characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def shorten(text: str, limit: int = NAME_LIMIT) -> str:
    text = clean(text)
    if cells(text) <= limit:
        return text
    kept, used = [], 0
    for char in text:  # one pass: a name may be megabytes long
        used += cells(char)
        if used > limit - 1:
            break
        kept.append(char)
    return "".join(kept) + "…"


def num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def box_size(table: Table) -> tuple[float, float]:
    """Width from the longest name (with its type), height from the number of columns."""
    head = cells(shorten(table.name)) + (6 if table.is_view else 0)  # " view" tag
    body = max((cells(shorten(c.name)) + 2 + cells(shorten(c.type, TYPE_LIMIT)) for c in table.columns), default=0)
    width = max(MIN_WIDTH, 2 * PAD + head * CHAR_W, GUTTER + body * CHAR_W + PAD)
    return math.ceil(width), HEAD + ROW * max(1, len(table.columns)) + 4


def _links(tables: list[Table]) -> dict[str, set[str]]:
    """Tables joined by a foreign key, either way round (SQLite matches table names case-insensitively)."""
    by_lower = {t.name.lower(): t.name for t in tables}
    links: dict[str, set[str]] = {t.name: set() for t in tables}
    for table in tables:
        for fk in table.foreign_keys:
            other = by_lower.get(fk.other_table.lower())
            if other and other != table.name:
                links[table.name].add(other)
                links[other].add(table.name)
    return links


def order(tables: list[Table]) -> list[Table]:
    """Breadth first through the foreign keys from the most connected table, so neighbours in the list (and so in the
    grid) are mostly joined; then tables joined to none, then views. Ties go by name: the same schema, the same
    diagram."""
    links = _links(tables)
    by_name = {t.name: t for t in tables}

    def rank(name):
        return (by_name[name].is_view, -len(links[name]), name)

    placed: set[str] = set()
    result: list[Table] = []
    for start in sorted(by_name, key=rank):
        if start in placed:
            continue
        placed.add(start)
        queue = [start]
        while queue:
            name = queue.pop(0)
            result.append(by_name[name])
            for other in sorted(links[name] - placed, key=rank):
                placed.add(other)
                queue.append(other)
    return result


def layout(tables: list[Table]) -> list[Box]:
    """Boxes in a grid filled row by row, alternate rows right to left so the list's order never jumps across the
    diagram; each grid column as wide as its widest box, each row as tall as its tallest, so boxes never overlap."""
    ordered = order(tables)
    if not ordered:
        return []
    sizes = [box_size(t) for t in ordered]
    n = len(ordered)
    mean_w = sum(w for w, _ in sizes) / n + COL_GAP
    mean_h = sum(h for _, h in sizes) / n + ROW_GAP
    per_row = max(1, min(n, round(math.sqrt(n * ASPECT * mean_h / mean_w))))
    places = []
    for i in range(n):
        row, k = divmod(i, per_row)
        places.append((row, k if row % 2 == 0 else per_row - 1 - k))
    widths, heights = [0.0] * per_row, [0.0] * (places[-1][0] + 1)
    for (row, col), (w, h) in zip(places, sizes, strict=True):
        widths[col], heights[row] = max(widths[col], w), max(heights[row], h)
    xs = [MARGIN + sum(widths[:c]) + COL_GAP * c for c in range(per_row)]
    ys = [MARGIN + sum(heights[:r]) + ROW_GAP * r for r in range(len(heights))]
    return [
        Box(t, xs[col] + (widths[col] - w) / 2, ys[row], w, h)
        for t, (row, col), (w, h) in zip(ordered, places, sizes, strict=True)
    ]


def row_y(box: Box, column: str | None) -> float:
    """Middle of column's row in box; column None or unknown: the middle of the header."""
    names = [c.name.lower() for c in box.table.columns]
    if column is not None and column.lower() in names:
        return box.y + HEAD + ROW * names.index(column.lower()) + ROW / 2
    return box.y + HEAD / 2


def target_column(table: Table, fk: ForeignKey) -> str | None:
    if fk.other_columns and fk.other_columns[0]:
        return fk.other_columns[0]
    keys = sorted((c for c in table.columns if c.pk), key=lambda c: c.pk)
    return keys[0].name if keys else None


def curve(source: Box, y1: float, target: Box, y2: float) -> str:
    """A path from source's side facing target to target's side facing source; boxes one above the other (and a
    table referring to itself) get a loop out of their right sides."""
    if target.x >= source.x + source.width:
        x1, x2 = source.x + source.width, target.x
    elif target.x + target.width <= source.x:
        x1, x2 = source.x, target.x + target.width
    else:
        x1, x2 = source.x + source.width, target.x + target.width
        if source is target and abs(y1 - y2) < 1:
            y2 = source.y + HEAD / 2
        bulge = 40 + min(abs(y2 - y1), 400) / 10
        return f"M{num(x1)} {num(y1)}C{num(x1 + bulge)} {num(y1)} {num(x2 + bulge)} {num(y2)} {num(x2)} {num(y2)}"
    pull = max(30, abs(x2 - x1) / 2) * (1 if x2 > x1 else -1)
    return f"M{num(x1)} {num(y1)}C{num(x1 + pull)} {num(y1)} {num(x2 - pull)} {num(y2)} {num(x2)} {num(y2)}"


def _text(x: float, y: float, text: str, cls: str = "", end: bool = False) -> str:
    attrs = f' class="{cls}"' if cls else ""
    attrs += ' text-anchor="end"' if end else ""
    return f'<text x="{num(x)}" y="{num(y)}"{attrs}>{escape(text)}</text>'


def _column_svg(box: Box, j: int, column: Column, fk_columns: set[str]) -> str:
    y = HEAD + ROW * j + ROW / 2 + 4
    is_fk = column.name.lower() in fk_columns
    classes = "erd-col" + (" erd-pk" if column.pk else "") + (" erd-fkcol" if is_fk else "")
    name = shorten(column.name)
    parts = [f'<g class="{classes}" data-column="{escape(clean(column.name))}">']
    if name != clean(column.name):
        parts.append(f"<title>{escape(clean(column.name))}</title>")
    if column.pk or is_fk:
        parts.append(_text(6, y - 1, "PK" if column.pk else "FK", "erd-mark"))
    parts.append(_text(GUTTER, y, name, "erd-colname"))
    parts.append(_text(box.width - PAD, y, shorten(column.type, TYPE_LIMIT), "erd-type", end=True))
    return "".join(parts) + "</g>"


def _box_svg(i: int, box: Box) -> str:
    table = box.table
    kind = "erd-view" if table.is_view else "erd-table"
    w, h = num(box.width), num(box.height)
    fk_columns = {c.lower() for fk in table.foreign_keys for c in fk.columns}
    parts = [
        f'<g id="erd-t{i}" class="erd-box {kind}" data-table="{escape(clean(table.name))}" '
        f'transform="translate({num(box.x)} {num(box.y)})">',
        f"<title>{'View' if table.is_view else 'Table'} {escape(clean(table.name))}</title>",
        f'<rect class="erd-body" width="{w}" height="{h}"/><rect class="erd-head" width="{w}" height="{HEAD}"/>',
        _text(PAD, HEAD - 8, shorten(table.name), "erd-name"),
    ]
    if table.is_view:
        parts.append(_text(box.width - PAD, HEAD - 8, "view", "erd-tag", end=True))
    parts += [_column_svg(box, j, c, fk_columns) for j, c in enumerate(table.columns)]
    parts.append(f'<rect class="erd-frame" width="{w}" height="{h}" rx="3"/></g>')
    return "".join(parts)


def _edges_svg(boxes: list[Box]) -> list[str]:
    """One path per foreign key whose table is in the diagram, from its (first) column to the referenced one."""
    index = {b.table.name.lower(): i for i, b in enumerate(boxes)}
    paths = []
    for i, source in enumerate(boxes):
        for fk in source.table.foreign_keys:
            j = index.get(fk.other_table.lower())
            if j is None:
                continue  # a table hidden from the diagram, or one that does not exist
            target = boxes[j]
            to_column = target_column(target.table, fk)
            d = curve(source, row_y(source, fk.columns[0]), target, row_y(target, to_column))
            columns = clean(", ".join(fk.columns))
            to_columns = clean(", ".join(c or to_column or "" for c in fk.other_columns))
            label = f"{clean(source.table.name)}({columns}) → {clean(target.table.name)}({to_columns})"
            paths.append(
                f'<path id="erd-fk{len(paths)}" class="erd-fk" d="{d}" data-from-box="erd-t{i}" data-to-box="erd-t{j}" '
                f'data-from-table="{escape(clean(source.table.name))}" data-from-column="{escape(columns)}" '
                f'data-to-table="{escape(clean(target.table.name))}" data-to-column="{escape(to_columns)}" '
                f'marker-start="url(#erd-dot)" marker-end="url(#erd-arrow)"><title>{escape(label)}</title></path>'
            )
    return paths


def render_svg(database: str, tables: list[Table]) -> str:
    """The diagram as one <svg> element (for an HTML page, or after an XML declaration as a file)."""
    boxes = layout(tables)
    width = max((b.x + b.width for b in boxes), default=MIN_WIDTH) + MARGIN
    height = max((b.y + b.height for b in boxes), default=HEAD) + MARGIN
    size = f'width="{num(width)}" height="{num(height)}" viewBox="0 0 {num(width)} {num(height)}"'
    empty = [] if boxes else [_text(MARGIN, MARGIN + 12, "No tables")]
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="pwa-erd" {size} role="img" aria-labelledby="erd-title">',
            f'<title id="erd-title">Schema of {escape(clean(database))}</title><style>{STYLE}</style>{DEFS}',
            # Lines under the boxes keep every name readable; the page's script lifts a box's lines on hover.
            '<g class="erd-fks">',
            *_edges_svg(boxes),
            '</g><g class="erd-boxes">',
            *[_box_svg(i, b) for i, b in enumerate(boxes)],
            *empty,
            "</g></svg>",
        ]
    )
