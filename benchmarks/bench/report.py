"""The markdown report (results/latest.md) from the results as written to results/latest.json: one function per
section, each returning its lines; report() joins them, footer() ends the file with the run's duration."""

from .common import fmt


def times(x):
    return "–" if x is None else f"{x:.2f}×"


def header(r):
    return [
        f"# datasette-pwa benchmark — {r['when']}",
        "",
        f"`{r['command']}` on {r['machine']}; Chromium: {r['chromium']}. "
        "Medians with [min–max]; every baseline is measured in the same run. Load average (1, 5, 15 min) at the start: "
        + ", ".join(f"{x:.1f}" for x in r["load_average_start"])
        + ".",
        "",
    ]


def start(r):
    """Cold and warm start, and the boot stages of both."""
    c = r["cold"]
    md = [
        "## Start",
        "",
        "| | median [min–max] | runs |",
        "|---|---|---|",
        f"| Cold start, online, empty profile: first Datasette page rendered | {fmt(c['usable'])} | {c['usable']['n']} |",
        f"| Cold start: downloaded (network responses, bodies + headers) | {c['bytes'] / 1e6:.1f} MB in {c['requests']:.0f} responses: "
        + ", ".join(f"{part} {b / 1e6:.1f} MB" for part, b in c["runs"][0]["bytes_by_part"].items())
        + f" (dist/ is {c['dist_bytes'] / 1e6:.1f} MB) | |",
        f"| Warm start, offline, new browser process: database page rendered (from navigation) | {fmt(r['warm']['usable'])} | {(r['warm']['usable'] or {}).get('n', 0)} |",
        f"| Warm start including browser launch | {fmt(r['warm']['with_launch'])} | {(r['warm']['usable'] or {}).get('n', 0)} |",
        f"| Warm start: shell's first contentful paint | {fmt(r['warm']['fcp'])} | {(r['warm']['usable'] or {}).get('n', 0)} |",
        f"| Warm start: the database page as saved at the last visit, shown while Python starts | {fmt(r['warm'].get('saved_view'))} | {(r['warm'].get('saved_view') or {}).get('n', 0)} |",
        f"| Warm start: that saved view answered by the service worker (found current: IndexedDB, the files' headers) | {fmt(r['warm'].get('saved_view_answered'))} | {(r['warm'].get('saved_view_answered') or {}).get('n', 0)} |",
        "",
        "Boot stages (when the status bar showed each one, ms from navigation; median [min–max]):",
        "",
        "| stage | cold | warm |",
        "|---|---|---|",
    ]
    for name in list(dict.fromkeys([*c["stages"], *r["warm"]["stages"]])):
        label = "Loading (the shell's HTML is parsed)" if name == "Loading" else name
        md.append(f"| {label} | {fmt(c['stages'].get(name))} | {fmt(r['warm']['stages'].get(name))} |")
    md.append(f"| Datasette page rendered in the frame | {fmt(c['usable'])} | {fmt(r['warm']['usable'])} |")
    if r["warm"]["failures"]:
        md += ["", f"**{len(r['warm']['failures'])} warm start(s) failed**: " + "; ".join(r["warm"]["failures"])]
    modes = r["warm"]["boot_modes"]
    if any(modes):
        md += [
            "",
            f"Warm starts from a memory snapshot: {modes.count('from snapshot')} of {len(modes)}. The worker's own marks "
            "(its console `boot` line; ms since the worker's boot began, cumulative): "
            + ", ".join(f"{k} {fmt(v)}" for k, v in r["warm"]["worker_marks"].items())
            + ".",
        ]
    return md


def page_table(p):
    """Page latency: one row per page, app vs native."""
    md = [
        "",
        f"## Page latency: app vs native CPython Datasette ({p['requests']} requests per page after {p['warmups']} warm-ups)",
        "",
        f"Both measured with `fetch()` in Chromium to the last body byte. Baseline: native `datasette serve` with "
        f"{p['baseline_name']}. In the app, *worker* is the time inside the Datasette worker (request message in to "
        "response message out) and *relay* the rest (service worker, shell, messages, Response); *first request* is the "
        "very first fetch of that URL in the session (a page type's first render also compiles its templates). Each "
        "timed request follows an untimed one of another page, so the app draws the page again; *repeat view* is the "
        "same URL asked again and again, with how many answers came from the worker's cache (pwa/worker/response-cache.js).",
        "",
        "| page | app | worker | relay | repeat view (cache hits) | native (baseline) | ratio | native, default threads | first request app / native | bytes app / native |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    boots = {entry.get("boot") for entry in p["app"].values()}
    for label, base in p["native"][p["baseline"]].items():
        entry = p["app"].get(label)
        if entry is None:
            md.append(f"| {label} | **failed** (see below) | | | | {fmt(base['stats'], digits=1)} | | | | |")
            continue
        shown = label + (" †" if len(boots) > 1 and entry.get("boot") != "from snapshot" else "")
        other = p["native"]["default" if p["baseline"] == "threads0" else "threads0"][label]
        ratio = entry["stats"]["median"] / base["stats"]["median"]
        size = f"{entry['bytes']:,} / {base['bytes']:,}" + (
            "" if entry["status"] == base["status"] else f" (status {entry['status']} / {base['status']})"
        )
        md.append(
            f"| {shown} | {fmt(entry['stats'], digits=1)} | {fmt(entry.get('worker_stats'), '', 1)} | "
            f"{fmt(entry.get('relay_stats'), '', 1)} | {repeat_cell(entry.get('repeat'))} | "
            f"{fmt(base['stats'], digits=1)} | {ratio:.2f}× | "
            f"{other['stats']['median']:.1f} ms | {entry['first_ms']:.0f} / {base['first_ms']:.0f} ms | {size} |"
        )
    return md


def repeat_cell(repeat):
    if not repeat or "stats" not in repeat:
        return "–"
    return f"{fmt(repeat['stats'], digits=1)} ({repeat['cache_hits']} of {len(repeat['times'])})"


def ms(value):
    return "–" if value is None else f"{value:.1f} ms"


def page_summary(p):
    """Page latency: the ratios, and when the app failed."""
    boots = {entry.get("boot") for entry in p["app"].values()}
    md = [
        "",
        f"Median of page ratios: **{times(p['median_ratio'])}**; worst: **{times(p['max_ratio'])}** ({p['max_ratio_page']}); "
        f"over the {p['pages_compared']} of {p['pages']} pages the app answered. "
        f"(Against default threads: median {times(p['median_ratio_default'])}, worst {times(p['max_ratio_default'])}.)",
        "",
        f"Repeat views: median over the pages **{ms(p.get('repeat_median_ms'))}**, slowest {ms(p.get('repeat_max_ms'))}.",
        "",
    ]
    if p["app_failures"]:
        md += [
            f"**The app failed {len(p['app_failures'])} time(s)** during this section; each time the benchmark started a "
            "new window and tried that page once more (booting normally if the failed window had restored the snapshot):",
            "",
        ]
        for f in p["app_failures"]:
            md.append(
                f"- {f['page']}, request {f['request'] + 1} (worker boot: {f['boot'] or 'unknown'}): "
                f"{f.get('status', '')} {f['error']}"
                + (f" — worker errors: {'; '.join(f['errors'])}" if f["errors"] else "")
            )
        if len(boots) > 1:
            md.append(
                "\n† measured in a window whose worker booted normally (after the benchmark dropped the snapshot), "
                "not from the memory snapshot."
            )
        md.append("")
    return md


def large(r):
    if r.get("large", {}).get("error"):
        return ["## Large database", "", f"**Failed**: {r['large']['error']}", ""]
    if not r.get("large"):
        return []
    g = r["large"]
    return [
        "## Large database",
        "",
        f"| {g['bytes'] / 1e9:.2f} GB generated database | |",
        "|---|---|",
        f"| Import through Open (choose file → listed in the library) | {g['import_s']:.1f} s ({g['import_mb_s']:.0f} MB/s; the OS copies the same file at {g['os_copy_mb_s']:.0f} MB/s) |",
        f"| Listed → its database page rendered | {g['listed_to_db_page_s']:.2f} s |",
        f"| Click → first table page rendered ({g['rows_shown']} rows) | {g['table_page_s']:.2f} s |",
        f"| Browser memory growth, peak, all of the profile's processes (RSS sampled ~5×/s) | +{g['rss_growth_mb']:.0f} MB "
        f"(+{g['rss_growth_import_mb']:.0f} MB during the import; {g['rss_base_mb']:.0f} → peak {g['rss_peak_mb']:.0f} → "
        f"{g['rss_after_mb']:.0f} MB after the table page); "
        f"PSS +{g['pss_growth_mb']:.0f} MB; anonymous (not file-backed) +{g['anon_growth_mb']:.0f} MB |",
        "| Baselines: the same File in a plain page's worker (same browser) | "
        + "; ".join(
            f"{k}: {v['s']:.1f} s, {v['mb_s']:.0f} MB/s, RSS +{v['rss_growth_mb']:.0f} MB"
            for k, v in g["baselines"].items()
        )
        + " |",
        "| Peak RSS growth by process | "
        + ", ".join(f"{k} +{v:.0f} MB" for k, v in g["rss_growth_by_process_mb"].items() if abs(v) >= 5)
        + " |",
        "",
    ]


def queries(r):
    q = r["queries"]
    labels = list(q)
    md = [
        "## Query speed by storage and SQLite (in a Pyodide worker, SQLite 3.54 unless said; ms, median [min–max] of 9 rounds after a warm-up round)",
        "",
        "| query | " + " | ".join(labels) + " | OPFS / MEMFS | 3.54 / 3.39 |",
        "|---|" + "---|" * (len(labels) + 2),
    ]
    old = next((label for label in labels if "3.39" in label), None)  # results from before it was measured lack it
    for query in q[labels[0]]:
        cells = [fmt(q[label][query], "", 1) for label in labels]
        median = q[labels[0]][query]["median"]
        by_version = f"{median / q[old][query]['median']:.2f}×" if old else "–"
        md.append(
            f"| {query} | " + " | ".join(cells) + f" | {median / q[labels[1]][query]['median']:.2f}× | {by_version} |"
        )
    md.append("")
    return md


def report(r):
    p = r["pages"]
    return "\n".join([*header(r), *start(r), *page_table(p), *page_summary(p), *large(r), *queries(r)])


def footer(r):
    return (
        f"\nTotal benchmark time: {r['duration_s'] / 60:.1f} min; load average at the end: "
        + ", ".join(f"{x:.1f}" for x in r["load_average_end"])
        + ".\n"
    )
