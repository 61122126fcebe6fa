"""What every import of rows shares (importing.py's CSV and JSON, spreadsheets.py's sheets): storing them fails as
ImportFailed, in words, and the rows skipped are told in a sentence."""

import contextlib
import sqlite3

from .restore import ImportFailed
from .sql_guard import BULK_TIME_LIMIT_MS

# Enough detail to act on, without a wall of text for a file where every line is wrong.
MAX_REPORTED = 5


@contextlib.contextmanager
def stored_or_failed():
    """Storing the rows fails as ImportFailed, in words."""
    try:
        yield
    except UnicodeDecodeError:
        raise  # import_file tries the next encoding
    except (ValueError, sqlite3.Error) as error:
        if str(error) == "interrupted":
            error = f"a step took longer than the {BULK_TIME_LIMIT_MS // 60_000} minutes it may take"
        raise ImportFailed(f"The rows could not be stored: {error}") from None


def summary(skipped: list[str]) -> str:
    shown = "; ".join(skipped[:MAX_REPORTED])
    return shown + (f"; and {len(skipped) - MAX_REPORTED} more" if len(skipped) > MAX_REPORTED else "")
