"""Fast CPython tests of what a start leaves out (issue 29): Datasette's list of plugins is made once, and every
feature's page is either warmed up before the memory snapshot or left cold on purpose."""

import re

from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import get_plugins, pm
from datasette_pwa import plugin_list, warmup


class Extra:
    @hookimpl
    def extra_css_urls(self):
        return []


def test_the_plugins_list_is_datasettes_and_follows_the_registered_plugins():
    assert plugin_list.plugins() == get_plugins()
    pm.register(Extra(), name="extra")
    try:
        assert "Extra" in [plugin["name"] for plugin in plugin_list.plugins()]
    finally:
        pm.unregister(name="extra")
    assert "Extra" not in [plugin["name"] for plugin in plugin_list.plugins()]


def test_a_change_to_the_plugins_list_given_is_not_kept():
    plugin_list.plugins()[0]["name"] = "changed"
    assert plugin_list.plugins()[0]["name"] != "changed"


def test_every_feature_route_is_warmed_up_or_left_cold_on_purpose():
    ds = Datasette([])
    routes = [
        regex
        for name, plugin in pm.list_name_plugin()
        if name.startswith("pwa") and hasattr(plugin, "register_routes")
        for regex, _ in plugin.register_routes(datasette=ds)
    ]
    assert len(routes) > 10  # pyproject.toml's entry points are installed
    warmed = ["/" + page.partition("?")[0] for page in warmup.PAGES]
    forgotten = [r for r in routes if r not in warmup.LEFT_COLD and not any(re.match(r, p) for p in warmed)]
    assert not forgotten, "add a page of each to warmup.PAGES, or to warmup.LEFT_COLD with why"
    assert not set(warmup.LEFT_COLD) - set(routes), "warmup.LEFT_COLD names routes that no longer exist"
