"""Real databases of several shapes, and damage done to them at random (seeded): bytes flipped, zeroed or overwritten
with garbage, the file truncated, pages swapped; aimed at the header, the schema page, b-tree interior and leaf pages,
freelist and overflow pages, each found from the file format (SQLite's dbstat, and the freelist's trunk pages).

A case is a small dict (its number, shape, target, action and what exactly was done), so a damaged file is made again
from its case alone (Damager.make), in whatever process needs it, and written to disk only while it is used.
"""

import random
import sqlite3
from pathlib import Path

from . import shapes

HEADER_BYTES = 100
TARGETS = ["header", "schema", "interior", "leaf", "overflow", "freelist", "anywhere"]
ACTIONS = ["flip", "zero", "garbage", "swap", "truncate"]


def page_map(path: Path) -> dict[str, list[int]]:
    """{kind: [page numbers]} of an intact database: schema (page 1), interior, leaf, overflow, freelist."""
    with sqlite3.connect(path) as conn:
        found = {"schema": [1], "interior": [], "leaf": [], "overflow": [], "freelist": []}
        for pageno, kind in conn.execute("select pageno, pagetype from dbstat"):
            if pageno != 1:
                found[{"internal": "interior"}.get(kind, kind)].append(pageno)
    conn.close()
    data = path.read_bytes()
    size = page_size_of(data)
    trunk = int.from_bytes(data[32:36], "big")
    while trunk:  # each trunk page: the next trunk, a count, then that many freelist leaf pages
        found["freelist"].append(trunk)
        at = (trunk - 1) * size
        count = int.from_bytes(data[at + 4 : at + 8], "big")
        found["freelist"] += [int.from_bytes(data[at + 8 + 4 * i : at + 12 + 4 * i], "big") for i in range(count)]
        trunk = int.from_bytes(data[at : at + 4], "big")
    return found


def page_size_of(data: bytes) -> int:
    size = int.from_bytes(data[16:18], "big")
    return 65536 if size == 1 else size


def region(rng: random.Random, size: int, page: int) -> tuple[int, int]:
    """(start, end) in the file of the part of page to damage: its b-tree header and cell pointers (where a bad
    byte does most harm) half the time, the whole page otherwise. Page 1's b-tree header follows the file's."""
    start = (page - 1) * size + (HEADER_BYTES if page == 1 else 0)
    end = page * size
    if rng.random() < 0.5:
        end = min(end, start + 64)
    return start, end


def plan(number: int, seed: int, maps: dict[str, dict[str, list[int]]], sizes: dict[str, int]) -> dict:
    """Case number: which shape, where and how it is damaged (every choice from the seeded RNG)."""
    rng = random.Random(seed * 1_000_003 + number)
    shape = shapes.NAMES[number % len(shapes.NAMES)]
    pages = maps[shape]
    target = rng.choice([t for t in TARGETS if t in ("header", "anywhere") or pages.get(t)])
    action = rng.choice(ACTIONS if target != "header" else ["flip", "zero", "garbage", "truncate"])
    size = sizes[shape]
    total = sum(len(v) for v in pages.values())
    if target == "header":
        page, start, end = 1, 0, HEADER_BYTES
    else:
        page = rng.choice(pages[target]) if target != "anywhere" else rng.randint(1, total)
        start, end = region(rng, size, page)
    case = {"number": number, "shape": shape, "target": target, "action": action, "page": page}
    if action == "flip":
        case["flips"] = [(rng.randrange(start, end), 1 << rng.randrange(8)) for _ in range(rng.choice([1, 1, 2, 4, 8]))]
    elif action in ("zero", "garbage"):
        at = rng.randrange(start, end)
        case["at"], case["length"] = at, rng.randint(1, min(end - at, rng.choice([1, 4, 16, 64, size])))
        case["garbage_seed"] = rng.randrange(1 << 30)
    elif action == "swap":
        other = rng.choice([p for p in range(1, total + 1) if p != page] or [page])
        case["other"] = other
    else:  # truncate: inside the target's page, at a page boundary or anywhere in it
        case["length"] = (page - 1) * size + (0 if rng.random() < 0.4 else rng.randrange(1, size))
        if target == "header":
            case["length"] = rng.randrange(0, HEADER_BYTES)
    return case


def damage(data: bytearray, case: dict, size: int) -> bytearray:
    """The bytes of the database with case's damage done."""
    action = case["action"]
    if action == "flip":
        for at, bit in case["flips"]:
            data[at] ^= bit
    elif action == "zero":
        data[case["at"] : case["at"] + case["length"]] = bytes(case["length"])
    elif action == "garbage":
        noise = random.Random(case["garbage_seed"]).randbytes(case["length"])
        data[case["at"] : case["at"] + case["length"]] = noise
    elif action == "swap":
        a, b = (case["page"] - 1) * size, (case["other"] - 1) * size
        data[a : a + size], data[b : b + size] = data[b : b + size], data[a : a + size]
    else:
        del data[case["length"] :]
    return data


def describe(case: dict) -> str:
    """What was done to the database, in a few words (the report's list of failures)."""
    where = "the header" if case["target"] == "header" else f"page {case['page']} ({case['target']})"
    if case["action"] == "flip":
        what = f"{len(case['flips'])} bit(s) flipped at {', '.join(str(at) for at, _ in case['flips'])}"
    elif case["action"] in ("zero", "garbage"):
        what = f"{case['length']} byte(s) {'zeroed' if case['action'] == 'zero' else 'of garbage'} at {case['at']}"
    elif case["action"] == "swap":
        what = f"swapped with page {case['other']}"
    else:
        what = f"truncated to {case['length']} bytes"
    return f"{case['shape']} #{case['number']}: {where}, {what}"


class Damager:
    """The intact shapes (made once, in folder) and every case made from them."""

    def __init__(self, folder: Path, seed: int, large_mb: int = 0):
        """The shapes in folder: made there when large_mb is given, else already there (a worker process)."""
        self.folder, self.seed = folder, seed
        self.originals = shapes.make_all(folder, large_mb) if large_mb else shapes.found(folder)
        self.maps = {name: page_map(path) for name, path in self.originals.items()}
        self.sizes = {name: page_size_of(path.read_bytes()[:100]) for name, path in self.originals.items()}

    def plans(self, count: int) -> list[dict]:
        """count cases, each of which changes its database (one that would change nothing is skipped)."""
        found, number = [], 0
        while len(found) < count:
            case = plan(number, self.seed, self.maps, self.sizes)
            if self.changes(case):
                found.append(case)
            number += 1
        return found

    def changes(self, case: dict) -> bool:
        """Whether the damage changes any byte (a swap of two equal pages, a zeroed run already zero, do not)."""
        original = self.originals[case["shape"]].read_bytes()
        return bytes(damage(bytearray(original), case, self.sizes[case["shape"]])) != original

    def make(self, case: dict, target: Path) -> Path:
        """Write case's damaged database at target."""
        data = bytearray(self.originals[case["shape"]].read_bytes())
        target.write_bytes(damage(data, case, self.sizes[case["shape"]]))
        return target
