"""Spreadsheet import speed (issue 28): the same rows as an .xlsx and as a .csv, each imported with the Open button and
the import dialog in the built app (headless Chromium), timed from the dialog's Import to the new database in the
sidebar: rows per second, the CSV import the baseline, runs alternated. The first .xlsx import also loads
python-calamine (on demand); it is reported apart, and the figures are the later ones.

    .venv/bin/python benchmarks/spreadsheets.py [--rows N] [--runs N]
Writes benchmarks/results/spreadsheets.json and .md.
"""

import argparse
import csv
import datetime
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from testkit import ROOT
from testkit.browser import launch, wait_ready
from testkit.page import IN_LIBRARY, open_with_input
from testkit.servers import serve_app
from testkit.sheets import write_xlsx

RESULTS = ROOT / "benchmarks" / "results"


def rows(n: int) -> list[list]:
    header = ["id", "name", "kind", "amount", "count"]
    return [header, *([i, f"item {i}", ("wren", "kite", "robin")[i % 3], i * 0.25, i % 97] for i in range(1, n + 1))]


def write_files(folder: Path, n: int) -> tuple[Path, Path]:
    data = rows(n)
    book = write_xlsx(folder / "sheet.xlsx", {"Items": data})
    with open(folder / "sheet.csv", "w", newline="") as f:
        csv.writer(f).writerows(data)
    return book, folder / "sheet.csv"


def import_once(page, path: Path, name: str) -> float:
    """Seconds from Import to the database in the sidebar, for path renamed name (a new database each time)."""
    copy = path.with_name(f"{name}{path.suffix}")
    copy.write_bytes(path.read_bytes())
    open_with_input(page, [copy])
    dialog = page.locator("dialog[open]")
    dialog.locator("button", has_text="Import").wait_for(timeout=120_000)
    began = time.perf_counter()
    dialog.locator("button", has_text="Import").click()
    page.wait_for_function(IN_LIBRARY, arg=name, timeout=600_000)
    return time.perf_counter() - began


def measure(n: int, runs: int) -> dict:
    server = serve_app()
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        book, table = write_files(Path(folder), n)
        context = launch(playwright, Path(folder) / "profile")
        page = context.pages[0]
        page.goto(server.url)
        wait_ready(page)
        first_xlsx = import_once(page, book, "xlsx0")
        times = {"xlsx": [], "csv": []}
        for run in range(1, runs + 1):
            times["xlsx"].append(import_once(page, book, f"xlsx{run}"))
            times["csv"].append(import_once(page, table, f"csv{run}"))
        context.close()
        sizes = {"xlsx": book.stat().st_size, "csv": table.stat().st_size}
    server.stop()
    return {"first_xlsx_s": first_xlsx, "times_s": times, "bytes": sizes}


def report(results: dict) -> str:
    n = results["rows"]
    median = {k: statistics.median(v) for k, v in results["times_s"].items()}
    lines = [
        f"# Spreadsheet import: {n:,} rows, 5 columns, Chromium ({results['started']}, commit {results['commit']})",
        "",
        "| file | size | median import | rows/s | spread | speed against CSV |",
        "|---|---|---|---|---|---|",
    ]
    for kind in ("xlsx", "csv"):
        times = results["times_s"][kind]
        lines.append(
            f"| .{kind} | {results['bytes'][kind] / 1e6:.1f} MB | {median[kind]:.2f} s | {n / median[kind]:,.0f} | "
            f"{min(times):.2f}–{max(times):.2f} s | {median['csv'] / median[kind]:.2f}x |"
        )
    lines += [
        "",
        f"The first .xlsx import, which also loads python-calamine on demand: {results['first_xlsx_s']:.2f} s.",
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    results = {"rows": args.rows, "started": started, "commit": commit.stdout.strip(), **measure(args.rows, args.runs)}
    (RESULTS / "spreadsheets.json").write_text(json.dumps(results, indent=1) + "\n")
    (RESULTS / "spreadsheets.md").write_text(report(results))
    print(report(results))


if __name__ == "__main__":
    main()
