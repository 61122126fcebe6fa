"""Packages loaded when first needed, never at start (formats.ON_DEMAND). Under Pyodide the worker loads the wheel
build.py shipped apart (pwa/worker/on-demand.js, which the worker registers as the module datasette_pwa_host, since
Pyodide's loadPackage is JavaScript's); under CPython they are installed like any dependency."""

import sys

from .formats import ON_DEMAND


def needed(need: str | None) -> bool:
    """Whether need (a key of formats.ON_DEMAND) takes a package that load() must load first."""
    return need in ON_DEMAND and sys.platform == "emscripten"


async def load(need: str | None) -> None:
    """Make the package that need (a key of formats.ON_DEMAND) takes importable; nothing for other needs."""
    if not needed(need):
        return
    package = ON_DEMAND[need]
    from datasette_pwa_host import load_on_demand

    await load_on_demand(package)
