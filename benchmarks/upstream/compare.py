"""Two runs of the same files compared test by test: every test whose outcome differs, with the reason for it when
one of REASONS explains it (else it counts as unexplained)."""

import re

from .reasons import REASONS


def differences(comparison: str, before: dict, after: dict) -> list[dict]:
    """The tests whose outcome differs between the two runs' outcomes, each with its messages and reason."""
    found = []
    for test in sorted(before.keys() | after.keys()):
        a = before.get(test, {"outcome": "absent"})
        b = after.get(test, {"outcome": "absent"})
        if a["outcome"] == b["outcome"]:
            continue
        message = b.get("message") or a.get("message") or ""
        found.append(
            {
                "test": test,
                "before": a["outcome"],
                "after": b["outcome"],
                "message": message.splitlines()[0][:300] if message else "",
                "reason": reason(comparison, test, message),
            }
        )
    return found


def reason(comparison: str, test: str, message: str) -> str | None:
    """The first reason whose patterns match the test's id and the message of its failing run."""
    for where, test_pattern, message_pattern, why in REASONS:
        if where != comparison:
            continue
        if re.search(test_pattern, test) and re.search(message_pattern, message, re.DOTALL):
            return why
    return None
