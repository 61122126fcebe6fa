"""The bundled plugins work with the network cut, and nothing they show reaches outside the app."""

from urllib.parse import quote_plus

from testkit.servers import bundled_plugins

PNG = (
    "89504E470D0A1A0A0000000D4948445200000001000000010806000000"
    + "1F15C4890000000D49444154789C6360F8CF00000301010018DD8DB40000000049454E44AE426082"
)


def show_query(page, sql):
    query = f"?sql={quote_plus(sql)}"
    page.evaluate("q => { document.getElementById('frame').src = 'ds/_memory/-/query' + q; }", query)
    page.wait_for_function(
        "q => { const w = document.getElementById('frame').contentWindow;"
        " return w.location.search === q && w.document.querySelector('table.rows-and-columns'); }",
        arg=query,
    )
    return page.frame_locator("#frame")


def test_bundled_plugins_offline(app_page, app_context):
    plugins = app_page.evaluate("fetch('ds/-/plugins.json').then(r => r.json()).then(ps => ps.map(p => p.name))")
    assert bundled_plugins() <= set(plugins)
    app_context.set_offline(True)
    try:
        # A chart, drawn by datasette-plot's own bundled JavaScript.
        frame = show_query(app_page, "select 1 as x, 10 as y union all select 2, 30 union all select 3, 20")
        frame.locator("button", has_text="Show Plot").click()
        frame.locator("svg").first.wait_for()

        frame = show_query(
            app_page,
            "select '{\"a\": [1, 2]}' as data, '**bold**' as notes_markdown, "
            f'X\'{PNG}\' as picture, \'{{"href": "/ds/-/versions", "label": "Versions"}}\' as link',
        )
        assert frame.locator("td pre").count() >= 1  # pretty JSON
        assert frame.locator("td strong", has_text="bold").count() == 1  # markdown
        assert frame.locator("td img[src^='data:image/png']").count() == 1  # a PNG blob shown as an image
        assert frame.locator("td a[href='/ds/-/versions']", has_text="Versions").count() == 1  # json-html

        app_page.evaluate("() => { document.getElementById('frame').src = 'ds/-/search?q=anything'; }")
        app_page.wait_for_function("() => document.getElementById('frame').contentDocument.title.includes('Search')")
    finally:
        app_context.set_offline(False)
        app_page.goto(app_page.url.split("/ds/")[0] + "/")
