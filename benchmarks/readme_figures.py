"""The README's figures come from the results files that measured them, never typed by hand: each section between
<!-- results:NAME --> and <!-- /results:NAME --> is made here from its JSON, as cog keeps sqlite-utils' docs.

    .venv/bin/python benchmarks/readme_figures.py           rewrite those sections of README.md
    .venv/bin/python benchmarks/readme_figures.py --check   exit 1 if README.md differs (tests/test_code.py runs it)
"""

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostile.report import table

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RESULTS = ROOT / "benchmarks" / "results"
SECTION = re.compile(r"(<!-- results:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /results:(?P=name) -->)", re.DOTALL)


def hostile_tally() -> str:
    results = json.loads((RESULTS / "hostile_tally.json").read_text())
    when = f"{results['started']} ({results['seconds'] // 60} min, commit {results['revision']['commit'][:12]})"
    return "\n".join(
        [*table(results["rows"]), "", f"One run, {when}: [hostile_tally.md](benchmarks/results/hostile_tally.md)."]
    )


SECTIONS = {"hostile-tally": hostile_tally}


def rendered(text: str) -> str:
    """text with every results section made again from its file."""
    return SECTION.sub(lambda m: m.group(1) + SECTIONS[m.group("name")]() + "\n" + m.group(4), text)


def main():
    text = README.read_text()
    if "--check" in sys.argv:
        if rendered(text) != text:
            sys.exit("README.md's figures differ from benchmarks/results/: run benchmarks/readme_figures.py")
        return
    README.write_text(rendered(text))


if __name__ == "__main__":
    main()
