"""The figures of the README and docs/ come from the results files that measured them, never typed by hand: each
section between <!-- results:NAME --> and <!-- /results:NAME --> is made here from its JSON, as cog keeps
sqlite-utils' docs.

    .venv/bin/python benchmarks/readme_figures.py           rewrite those sections of README.md and docs/*.md
    .venv/bin/python benchmarks/readme_figures.py --check   exit 1 if one differs (tests/test_code.py runs it)
"""

import json
import os
import re
import sys
from pathlib import Path

from hostile.report import table
from speed_summary import speed_summary

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RESULTS = ROOT / "benchmarks" / "results"
SECTION = re.compile(r"(<!-- results:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /results:(?P=name) -->)", re.DOTALL)


def hostile_tally(page: Path) -> str:
    results = json.loads((RESULTS / "hostile_tally.json").read_text())
    sqlite = f", SQLite {results['sqlite']}" if "sqlite" in results else ""  # recorded since 2026-12-07 18:40
    when = f"{results['started']} ({results['seconds'] // 60} min, commit {results['revision']['commit'][:12]}{sqlite})"
    link = os.path.relpath(RESULTS / "hostile_tally.md", page.parent)
    return "\n".join([*table(results["rows"]), "", f"One run, {when}: [hostile_tally.md]({link})."])


def ab_start(page: Path, pair: str) -> str:
    """benchmarks/ab_start.py's table for a pair of builds (its ab_start-A-B.md, written with its JSON), less the title."""
    source = RESULTS / f"ab_start-{pair}.md"
    body = source.read_text().split("\n", 1)[1].strip()
    return f"{body}\n\n[{source.name}]({os.path.relpath(source, page.parent)})"


def crash_tally(page: Path) -> str:
    results = json.loads((RESULTS / "crash_tally.json").read_text())
    link = os.path.relpath(RESULTS / "crash_tally.txt", page.parent)
    lines = [
        "| kind of write | kills | acknowledged | lost | failed starts | integrity failures |",
        "|---|---|---|---|---|---|",
    ]
    for r in results["rows"]:
        counts = " | ".join(str(r[c]) for c in ("acknowledged", "lost", "failed starts", "integrity failures"))
        lines.append(f"| {r['what']} | {r['kills']} | {counts} |")
    when = (
        f"{results['started']} ({results['minutes']} min, commit {results['commit'][:12]}, SQLite {results['sqlite']})"
    )
    return "\n".join([*lines, "", f"One run, {when}: [crash_tally.txt]({link})."])


def spreadsheets(page: Path) -> str:
    """benchmarks/spreadsheets.py's table (its .md, written with its JSON), less the title."""
    source = RESULTS / "spreadsheets.md"
    title, body = source.read_text().split("\n", 1)
    return f"{body.strip()}\n\n{title.removeprefix('# ')}: [{source.name}]({os.path.relpath(source, page.parent)})."


SECTIONS = {
    "hostile-tally": hostile_tally,
    "crash-tally": crash_tally,
    "spreadsheets": spreadsheets,
    "speed-summary": speed_summary,
}


def section(page: Path, name: str) -> str:
    if name.startswith("ab-start-"):
        return ab_start(page, name.removeprefix("ab-start-"))
    return SECTIONS[name](page)


def rendered(page: Path) -> str:
    """The page's text with every results section made again from its file."""

    def made(m):
        return m.group(1) + section(page, m.group("name")) + "\n" + m.group(4)

    return SECTION.sub(made, page.read_text())


def main():
    stale = [page for page in PAGES if rendered(page) != page.read_text()]
    if "--check" in sys.argv:
        if stale:
            names = ", ".join(str(page.relative_to(ROOT)) for page in stale)
            sys.exit(f"{names}: figures differ from benchmarks/results/: run benchmarks/readme_figures.py")
        return
    for page in stale:
        page.write_text(rendered(page))


if __name__ == "__main__":
    main()
