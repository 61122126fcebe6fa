"""The figures and the markdown of other_engines.py: each engine's warm starts, its pages against native Datasette's
(ratios of medians, repeat views, the relay), and the tables of benchmarks/results/other_engines.md. Apart from
other_engines.py, which drives the engines, so that each file holds one job."""

from bench.common import fmt, stats
from bench.page_set import median_or_none


def warm_figures(runs, page):
    """The warm starts' times to the live page and, where shown, to the saved view of it (pwa/shared/saved-views.js)."""
    saved = [r["saved_view_ms"] for r in runs if r.get("saved_view_ms") is not None]
    return {"usable": stats([r["usable_ms"] for r in runs]), "saved_view": stats(saved), "page": page, "runs": runs}


def ratios(app, native):
    """The app's pages against each native baseline: median and worst ratio of medians, and the repeat views."""
    labels = [label for label in app if label in native["default"]]
    out = {"app": app, "native": native}
    for baseline in ("default", "threads0"):
        by_page = {
            label: app[label]["stats"]["median"] / native[baseline][label]["stats"]["median"] for label in labels
        }
        worst = max(by_page, key=by_page.get)
        out[baseline] = {
            "median_ratio": median_or_none(by_page.values()),
            "max_ratio": by_page[worst],
            "max_page": worst,
        }
    out["repeat_median_ms"] = median_or_none(app[label]["repeat"]["stats"]["median"] for label in labels)
    out["relay_median_ms"] = median_or_none(app[label]["relay"]["median"] for label in labels if "relay" in app[label])
    return out


def fmt_ms(value):
    return "–" if value is None else f"{value:.1f} ms"


def report(results):
    lines = [
        "# Firefox and WebKit (benchmarks/other_engines.py)",
        "",
        f"{results['when']}, {results['machine']}; {results['requests']} requests per page after {results['warmups']} warm-ups.",
        "",
        "| engine | warm start, offline, to | median [min–max] | saved view shown | "
        "pages ÷ native (default threads): median, worst | ÷ native (0 threads) | repeat views, median | relay, median |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results["engines"].items():
        if "error" in r:
            lines.append(f"| {name} | failed: {r['error']} | | | | | | |")
            continue
        d, t = r["default"], r["threads0"]
        lines.append(
            f"| {name} ({r.get('when', results['when'])}) | {r['warm']['page']} | {fmt(r['warm']['usable'])} | {fmt(r['warm'].get('saved_view'))} | "
            f"{d['median_ratio']:.2f}x, "
            f"{d['max_ratio']:.2f}x ({d['max_page']}) | {t['median_ratio']:.2f}x, {t['max_ratio']:.2f}x | "
            f"{r['repeat_median_ms']:.1f} ms | {fmt_ms(r.get('relay_median_ms'))} |"
        )
    lines += [
        "",
        "Per page, medians in ms: the app; of it, the worker as the shell sees it (REQUEST posted to the answer's last",
        "message: Datasette and the two hops between shell and worker) and the relay (the rest: service worker, its",
        "messages with the shell, the Response); native Datasette with default threads and with 0; the app's repeat view.",
        "",
    ]
    for name, r in results["engines"].items():
        if "error" in r:
            continue
        lines += [
            f"## {name}",
            "",
            "| page | app | worker | relay | native | native, 0 threads | repeat |",
            "|---|---|---|---|---|---|---|",
        ]
        for label, a in r["app"].items():
            native = [r["native"][b][label]["stats"]["median"] for b in ("default", "threads0")]
            parts = [f"{a[part]['median']:.1f}" if part in a else "–" for part in ("worker", "relay")]
            lines.append(
                f"| {label} | {a['stats']['median']:.1f} | {parts[0]} | {parts[1]} | {native[0]:.1f} | "
                f"{native[1]:.1f} | {a['repeat']['stats']['median']:.1f} |"
            )
        lines.append("")
    return "\n".join(lines) + "\n"
