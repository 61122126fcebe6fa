"""Fast CPython tests of what a start leaves out (issue 29): Datasette's list of plugins is made once."""

from datasette import hookimpl
from datasette.plugins import get_plugins, pm
from datasette_pwa import plugin_list


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
