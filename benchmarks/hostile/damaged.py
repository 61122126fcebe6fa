"""Section 1: every damaged database through the app's Python under CPython, as an import and at a start, in worker
processes (pool.py), each case within a time limit; the outcomes tallied into rows of the results."""

import time
from collections import Counter

from . import cpython, pool
from .damage import describe

CASE_SECONDS = 120  # a case not answered by then is a hang (the large database's quick_check and pages take ~2 s)
MODES = {"import": "damaged databases opened (CPython: problem_with, then add)", "start": "damaged databases in the "
         "library at a start (CPython: add, no check)"}  # fmt: skip


def empty_row(label: str) -> dict:
    return {"input": label, "tried": 0, "refused": 0, "set_aside": 0, "opened": 0, "pages_rendered": 0,
            "page_errors_in_words": 0, "other_databases_changed": 0, "malformed_left": None, "hangs": 0,
            "failed_starts": 0, "worker_crashes": 0, "silent_failures": 0}  # fmt: skip


def tally(row: dict, outcome: dict, mode: str) -> list[str]:
    """Add one case's outcome to row; what went wrong, in words (empty when nothing did)."""
    row["tried"] += 1
    wrong = []
    if "hang" in outcome or "crash" in outcome:
        key = "hangs" if "hang" in outcome else "worker_crashes"
        row[key] += 1
        return [outcome.get("hang") or outcome["crash"]]
    kind = outcome.get("outcome")
    if kind:
        row[{"refused": "refused", "set aside": "set_aside", "opened": "opened"}[kind]] += 1
    row["pages_rendered"] += outcome["pages"]
    row["page_errors_in_words"] += outcome["page_errors"]
    if outcome["intact_changed"]:
        row["other_databases_changed"] += 1
        wrong.append("the intact database's file changed")
    if mode == "start" and (outcome.get("failed_start") or outcome["escaped"]):
        row["failed_starts"] += 1
        wrong.append(f"failed start: {outcome.get('failed_start') or outcome['escaped']}")
    elif outcome["escaped"] or outcome["silent"] or not kind:
        row["silent_failures"] += 1
        wrong += outcome["silent"] + (
            [f"a Python exception escaped: {outcome['escaped']}"] if outcome["escaped"] else []
        )
        wrong += [] if kind or outcome["escaped"] else ["no outcome"]
    return wrong


def run(damager, cases: list[dict], processes: int) -> dict:
    """Every case in both modes; returns {"rows": [...], "failures": [...], "by_target": {...}, "seconds": n}."""
    rows = {mode: empty_row(label) for mode, label in MODES.items()}
    failures, by_target, messages = [], {}, Counter()
    jobs = [(case, mode) for case in cases for mode in MODES]
    began, done = time.monotonic(), 0
    for (case, mode), outcome, seconds in pool.run_all(
        jobs, cpython.serve, (str(damager.folder), damager.seed), processes, CASE_SECONDS
    ):
        done += 1
        wrong = tally(rows[mode], outcome, mode)
        target = by_target.setdefault(f"{case['target']} / {case['action']}", Counter())
        target[f"{mode}: {outcome.get('outcome') or ('hang' if 'hang' in outcome else 'crash')}"] += 1
        for message in outcome.get("page_messages", {}):
            messages[message] += 1
        if wrong:
            failures.append({"case": describe(case), "plan": case, "mode": mode, "what": wrong, "seconds": seconds})
            print(f"  FAILURE {describe(case)} ({mode}): {wrong[0][:300]}", flush=True)
        if done % 100 == 0 or done == len(jobs):
            print(f"  {done}/{len(jobs)} cases, {time.monotonic() - began:.0f} s", flush=True)
    return {
        "rows": list(rows.values()),
        "failures": failures,
        "by_target": {k: dict(v) for k, v in sorted(by_target.items())},
        "page_messages": dict(messages.most_common(30)),
        "seconds": round(time.monotonic() - began),
    }
