"""What the plugin's download routes (dump.sql, diagram.svg) share."""

import re
from urllib.parse import quote


def attachment(filename: str) -> str:
    """A Content-Disposition for filename: plain when it is plain ASCII; otherwise an ASCII stand-in for old clients
    and the exact name in UTF-8 (RFC 6266), since a quote or a line break in a header would corrupt it."""
    plain = re.sub(r'[^\x20-\x7e]|["\\]', "_", filename)
    if plain == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
