"""The speed table of docs/performance.md, made from the results file of benchmarks/run.py (results/latest.json) by
readme_figures.py: each figure beside its baseline, measured in the same run, and its target (issues 15 and 29)."""

import json
import os
import statistics
from pathlib import Path

from bench.page_set import TRIVIAL

RESULTS = Path(__file__).resolve().parent / "results"
# The targets the issues set; a figure with no target has none here.
TARGETS = {
    "warm": "≤ 0.6 s; a saved copy ≤ 0.25 s (issue 15)",
    "pages": "≤ 1.3× (issues 15, 29)",
    "worst": "≤ 2.0× (issue 29)",
    "repeat": "< 5 ms (issue 15)",
    "relay": "< 3 ms (issue 15)",
}


def spread(stats: dict, unit: str = "ms", scale: float = 1.0, digits: int = 0) -> str:
    f = f"{{:.{digits}f}}"
    low, high = f.format(stats["min"] / scale), f.format(stats["max"] / scale)
    return f"**{f.format(stats['median'] / scale)} {unit}** ({low}–{high})"


def page_ratios(pages: dict, baseline: str) -> dict[str, float]:
    """{page: app's median / native's median} against one of the two native baselines."""
    native = pages["native"][baseline]
    return {
        label: app["stats"]["median"] / native[label]["stats"]["median"]
        for label, app in pages["app"].items()
        if label in native and app.get("stats") and native[label].get("stats")
    }


def start_rows(r: dict) -> list[str]:
    cold, warm = r["cold"], r["warm"]
    return [
        f"| Cold start, online, to the first page | {spread(cold['usable'], 's', 1000, 1)}, "
        f"{cold['bytes'] / 1e6:.1f} MB downloaded | | |",
        f"| Warm start, offline, new browser, to a database page | {spread(warm['usable'], 's', 1000, 2)}; the page as "
        f"saved at the last visit at {spread(warm['saved_view'], 's', 1000, 2)} "
        f"({len(warm['boot_modes'])} starts) | | {TARGETS['warm']} |",
    ]


def page_rows(p: dict) -> list[str]:
    """Over the page set that run.py compares (its trivial pages, a static file and versions.json, left out)."""
    trivial = {label for label, _ in TRIVIAL}
    default = {k: v for k, v in page_ratios(p, "default").items() if k not in trivial}
    threads0 = page_ratios(p, "threads0")
    worst = max(default, key=default.get)
    relays = [a["relay_stats"]["median"] for a in p["app"].values() if a.get("relay_stats")]
    return [
        f"| Page latency: median of {p['pages_compared']} pages' ratios, app / native | "
        f"**{p['median_ratio_default']:.2f}×** | native `datasette serve` with its default threads, same run; "
        f"{p['median_ratio']:.2f}× against `num_sql_threads 0`, the app's code path | {TARGETS['pages']} |",
        f"| Worst page | **{p['max_ratio_default']:.2f}×**, {worst} | {threads0[worst]:.2f}× against "
        f"`num_sql_threads 0` | {TARGETS['worst']} |",
        f"| Repeat views: the same page again, no database changed | **{p['repeat_median_ms']:.1f} ms**, the median "
        f"of the pages' medians | | {TARGETS['repeat']} |",
        f"| Relay (service worker → shell → worker and back) | **{statistics.median(relays):.1f} ms**, the median "
        f"over {len(relays)} URLs | | {TARGETS['relay']} |",
    ]


def storage_row(q: dict) -> str:
    opfs, memfs, cached = q["OPFS (opfs-fs.js)"], q["MEMFS"], q["OPFS, 64 MB SQLite cache"]
    ratio = lambda a, k: a[k]["median"] / memfs[k]["median"]  # noqa: E731
    scan = "full scan (the custom SQL page)"
    return (
        f"| Storage: OPFS against in-memory SQLite (group by / full scan) | {ratio(opfs, 'group by'):.2f}× / "
        f"{ratio(opfs, scan):.2f}× | with the app's 64 MB page cache on OPFS: {ratio(cached, 'group by'):.2f}× / "
        f"{ratio(cached, scan):.2f}× | |"
    )


def speed_summary(page: Path) -> str:
    r = json.loads((RESULTS / "latest.json").read_text())
    link = os.path.relpath(RESULTS / "latest.md", page.parent)
    lines = [
        "| | app | baseline, same run | target |",
        "|---|---|---|---|",
        *start_rows(r),
        *page_rows(r["pages"]),
        storage_row(r["queries"]),
    ]
    when = f"`{r['command']}`, {r['when']}, {r['chromium']}"
    return "\n".join([*lines, "", f"Medians, with (min–max) where given; one run, {when}: [latest.md]({link})."])
