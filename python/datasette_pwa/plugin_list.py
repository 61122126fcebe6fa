"""Datasette's list of the installed plugins, made once for a set of plugins instead of at every start (issue 29).

Datasette 1.0a41 calls datasette.plugins.get_plugins() twice as one starts (its __init__, for the plugins' template
folders; app(), for their static routes) and again for each /-/static-plugins/ file; each call parses every plugin
package's METADATA (importlib.metadata) and looks for its static/ and templates/ folders. Measured: 5.5-7 ms a call in
Pyodide (under Node), 3 ms under CPython, over half of app.start(). The plugins are the build's and cannot change while
Python runs: the warm-up fills this cache, and the memory snapshot keeps it, so a returning start reads no METADATA.
"""

from datasette import app as datasette_app
from datasette.plugins import get_plugins, pm

# [the registered plugins (name, plugin), get_plugins() for them]: holding the plugins keeps their ids from being
# reused by others that tests register.
_last: list = [None, None]


def plugins() -> list[dict]:
    """get_plugins(), made again only when the registered plugins change (tests register and unregister some)."""
    registered = pm.list_name_plugin()
    if _last[0] != registered:
        _last[:] = [registered, get_plugins()]
    return [dict(plugin) for plugin in _last[1]]  # copies: a caller that changes one changes no later caller's


def install() -> None:
    """Make Datasette use plugins(): it calls get_plugins through its own module's name for it."""
    datasette_app.get_plugins = plugins
