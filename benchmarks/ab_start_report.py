"""The figures and the markdown of ab_start.py: each build's medians and ranges, B - A of each, and the table of
benchmarks/results/ab_start-A-B.md. Apart from ab_start.py, which runs the builds' starts, so that each file holds
one job."""

import dataclasses

from bench.common import fmt, stats
from bench.report import footer

# The worker's marks (pwa/worker/python-start.js, pwa/worker/worker.js), in the order a start passes them.
STAGES = ["snapshot read", "module", "runtime", "site-packages", "library", "app", "datasette"]


def snapshot_mb(run, suffix=""):
    """MB in the snapshot's files (<build id>.memory and, unzipped, <build id>.site-packages) whose names end so."""
    return sum(size or 0 for name, size in run["snapshot_files"].items() if name.endswith(suffix)) / 1e6


def summary(b):
    """{row: [stats, unit, digits]}: medians and ranges of what each build's runs measured."""
    marks = [w.get("worker_marks", {}) for w in b.warm]
    names = dict.fromkeys([*STAGES, *(k for m in marks for k in m)])  # the stages above first, in order, then any other
    return {
        "warm: live database page": timed(w["usable_ms"] for w in b.warm),
        "warm: saved view shown": timed(w["saved_view_ms"] for w in b.warm),
        "warm: Ready in the status bar": timed(stage(w, "Ready") for w in b.warm),
        # The first page after the boot, from the frame's request to its HTML: Datasette's first render in the worker.
        "warm: first page, request to HTML": timed(
            between(w, "frame: navigation starts", "frame: page's HTML received") for w in b.warm
        ),
        **{f"worker: {k}": timed(m.get(k) for m in marks) for k in names},
        # The last two stages swapped places after 3e384e1: the last mark is the boot's end in either order.
        "worker: boot done (last mark)": timed(max(m.values(), default=None) for m in marks),
        "cold start: first Datasette page": timed(c["usable_ms"] for c in b.cold),
        "site-packages: files.gz": [stats([b.sizes["files_gz_bytes"] / 1e6]), "MB", 2],
        "site-packages: unzipped": [stats([b.sizes["site_packages_bytes"] / 1e6]), "MB", 2],
        "memory snapshot: all of OPFS snapshots/": [stats([snapshot_mb(w) for w in b.warm]), "MB", 1],
        "memory snapshot: its .memory file": [stats([snapshot_mb(w, ".memory") for w in b.warm]), "MB", 1],
    }


def stage(run, name):
    """When the status bar showed a stage, or the frame passed a mark (bench/start.py's stages), in ms; or None."""
    return next((ms for shown, ms in run["stages"] if shown == name), None)


def between(run, first, then):
    began, ended = stage(run, first), stage(run, then)
    return None if began is None or ended is None else ended - began


def timed(values):
    return [stats([v for v in values if v is not None]), "ms", 0]


def cell(s, unit, digits):
    """fmt's median [min–max], or the value alone when all are the same (a size)."""
    return f"{s['median']:.{digits}f} {unit}" if s and s["min"] == s["max"] else fmt(s, unit, digits)


def difference(a, b):
    """B - A of each row's median, where both have one."""
    return {row: b[row][0]["median"] - a[row][0]["median"] if a[row][0] and b[row][0] else None for row in a}


def table(results):
    a, b = (results["builds"][k] for k in "AB")
    rows = [f"| | A: {a['revision']['name']} | B: {b['revision']['name']} | B − A |", "|---|---|---|---|"]
    for row, diff in results["difference"].items():
        (sa, unit, digits), (sb, _, _) = a["summary"][row], b["summary"][row]
        change = "–" if diff is None else f"{diff:+.{digits}f} {unit}"
        rows.append(f"| {row} | {cell(sa, unit, digits)} | {cell(sb, unit, digits)} | {change} |")
    rows.append(f"| warm starts from the snapshot | {boots(a)} | {boots(b)} | |")
    rows.append(f"| failed starts | {len(a['failures'])} | {len(b['failures'])} | |")
    return rows


def boots(b):
    return f"{sum(w.get('boot') == 'from snapshot' for w in b['warm'])} of {len(b['warm'])}"


def markdown(results):
    lines = [f"# A/B start — {results['when']}", "", f"`{results['command']}` on {results['machine']}.", ""]
    for key, b in results["builds"].items():
        r = b["revision"]
        changes = f", with {len(r['uncommitted'])} uncommitted changes" if "uncommitted" in r else ""
        lines.append(f"- {key}: {r['name']} = {r['hash'][:12]} ({r['date']}{changes}): {r['subject']}")
    lines += ["", *table(results), ""]
    lines.append(
        "Medians with [min–max]; cold and warm starts alternate A, B. Worker marks: ms from the worker's boot to the "
        "end of each stage. Warm starts are offline, a new browser process each, from navigation."
    )
    return "\n".join(lines) + "\n" + footer(results)


def as_results(builds):
    out = {}
    for b in builds:
        fields = dataclasses.asdict(b)
        fields.update(dist=str(b.dist), profile=str(b.profile), summary=summary(b))
        out[b.key] = fields
    return out
