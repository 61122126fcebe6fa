"""The results: benchmarks/results/hostile_tally.json (every count, what was tried, when, the app's revision) and
hostile_tally.md, a table made from that JSON alone. One run writes one file of each; runs are never merged."""

import json
import subprocess

from . import ROOT

RESULTS = ROOT / "benchmarks" / "results"
MAX_LISTED = 60  # failures listed in the Markdown; the JSON has them all
COLUMNS = [
    ("tried", "tried"),
    ("opened", "opened / ran"),
    ("refused", "refused with a reason"),
    ("set_aside", "set aside with a reason"),
    ("stopped", "stopped at the time limit or by Cancel"),
    ("pages_rendered", "pages rendered"),
    ("page_errors_in_words", "page errors in words"),
    ("other_databases_changed", "other databases changed"),
    ("malformed_left", "malformed databases left"),
    ("half_written", "half-written tables"),
    ("not_as_expected", "ended, not with the expected message"),
    ("over_limit", "over its time limit"),
    ("hangs", "hangs"),
    ("failed_starts", "failed starts"),
    ("worker_crashes", "worker crashes"),
    ("silent_failures", "silent failures"),
]


def revision() -> dict:
    """The app's git revision, and the files changed in the working tree since it (the run tests those)."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    changed = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    return {"commit": head, "uncommitted_files": len(changed.splitlines())}


def cell(row: dict, key: str) -> str:
    value = row.get(key)
    return "—" if value is None else f"{value:,}"


def table(rows: list[dict]) -> list[str]:
    shown = [(k, label) for k, label in COLUMNS if any(row.get(k) is not None for row in rows)]
    lines = ["| input | " + " | ".join(label for _, label in shown) + " |", "|---" * (len(shown) + 1) + "|"]
    for row in rows:
        lines.append(f"| {row['input']} | " + " | ".join(cell(row, k) for k, _ in shown) + " |")
    return lines


def failures(results: dict) -> list[str]:
    lines = []
    for section in results["sections"].values():
        for failure in section.get("failures", []):
            what = "; ".join(failure["what"])[:600].replace("\n", " ").replace("|", "\\|")
            who = failure.get("case") or failure.get("script")
            lines.append(f"- **{who}** ({failure.get('mode') or failure.get('way') or 'Chromium'}): {what}")
    if len(lines) > MAX_LISTED:
        lines[MAX_LISTED:] = [f"- … and {len(lines) - MAX_LISTED} more (hostile_tally.json, each section's failures)."]
    return lines or ["None."]


def setup(results: dict) -> list[str]:
    failed = results["sections"].get("setup", {}).get("failed_starts_before_any_input")
    if not failed:
        return []
    return [f"Before any hostile input, a section's first start of the app failed {len(failed)} time(s) (a second "
            f"try started): {'; '.join(f[:200] for f in failed)}", ""]  # fmt: skip


def markdown(results: dict) -> str:
    rev = results["revision"]
    lines = [
        "# The hostile tally",
        "",
        f"`{results['command']}`, {results['started']} to {results['ended']} ({results['seconds'] // 60} min), "
        f"on commit {rev['commit'][:12]} with {rev['uncommitted_files']} files changed in the working tree.",
        "",
        *[f"- {line}" for line in results["tried"]],
        "",
        *table(results["rows"]),
        "",
        *setup(results),
        "## What failed",
        "",
        *failures(results),
    ]
    damaged = results["sections"].get("damaged_cpython")
    if damaged:
        lines += ["", "## Damaged databases under CPython, by where and how each was damaged", ""]
        lines += ["| damage | outcomes |", "|---|---|"]
        for damage, outcomes in damaged["by_target"].items():
            lines.append(f"| {damage} | " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) + " |")
        lines += ["", "Datasette's error pages for the damaged databases that opened (message: pages):", ""]
        lines += [f"- {message}: {count}" for message, count in damaged["page_messages"].items()]
    return "\n".join(lines) + "\n"


def write(results: dict, folder=RESULTS, name: str = "hostile_tally") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    (folder / f"{name}.md").write_text(markdown(json.loads((folder / f"{name}.json").read_text())))
    print(f"wrote {folder / name}.json and .md", flush=True)
