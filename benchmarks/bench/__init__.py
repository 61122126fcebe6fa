"""The sections of benchmarks/run.py, one module each: start (1 and 2), pages (3), large (4), queries (5); each section
returns a dataclass whose fields are its keys in results/latest.json. common has what they share; report writes the
markdown from the JSON."""

import sys
from pathlib import Path

# As the scripts in benchmarks/ do: the sections import benchmarks/datagen.py and the tests' conftest.py.
_ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [p for p in (str(_ROOT), str(_ROOT / "tests"), str(_ROOT / "benchmarks")) if p not in sys.path]
