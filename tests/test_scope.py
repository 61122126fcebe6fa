"""The app may share its origin with whatever else its host serves (another project at another path): only its own
pages, inside its service worker's scope, may change its databases or frame its pages (pwa/sw/sw.js)."""

from urllib.parse import quote

from testkit.browser import launch, wait_ready
from testkit.databases import make_db
from testkit.page import open_with_input, query, wait_for_frame, wait_for_library
from testkit.servers import serve_directory

# Another project's page on the same host, with a frame and a form that posts a write into it.
OTHER_PAGE = """<!doctype html><title>another project</title><iframe name="sink"></iframe>
<form method="post" action="/app/ds/shared/-/execute-write" target="sink"><input name="sql" value="delete from items">
</form>"""
REFUSED = "Only this app's own pages can change your databases or show its pages."
# Resolves once the frame has loaded the form's answer (run: 'submit'), or the page at the address run.
LOADED = """run => new Promise((resolve) => {
    const frame = document.querySelector('iframe');
    frame.onload = () => resolve();
    run === 'submit' ? document.forms[0].submit() : (frame.src = run);
})"""


def test_pages_outside_the_apps_scope_can_neither_write_nor_frame_it(playwright, dist, tmp_path):
    (tmp_path / "app").symlink_to(dist)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "index.html").write_text(OTHER_PAGE)
    root, server = serve_directory(tmp_path)
    context = launch(playwright, tmp_path / "profile")
    try:
        app = context.pages[0]
        app.goto(root + "app/")
        wait_ready(app)
        open_with_input(app, [make_db(tmp_path / "shared.db", rows=3)])
        wait_for_library(app, "shared")
        other = context.new_page()
        other.goto(root + "other/")
        # Framed, a page of the app could be driven by the other page's scripts (the same origin): it is refused, and
        # so is the page kept for the next start (saved-views.js).
        for page in ["app/ds/shared", f"app/saved-view?of={quote(root + 'app/ds/shared')}"]:
            other.evaluate(LOADED, root + page)
            assert REFUSED in other.frame(name="sink").inner_text("body"), page
        # A form posted into that frame, which now shows a document of the app's scope: its referrer is the other
        # project's page, and it is refused; nothing is deleted.
        other.evaluate(LOADED, "submit")
        assert REFUSED in other.frame(name="sink").inner_text("body")
        assert query(app, "shared", "select count(*) as n from items") == [{"n": 3}]
        # Inside the scope, the app's own frame shows that page, and follows its links: from a table page too, which
        # Datasette sends with a policy of no referrer.
        wait_for_frame(app, "/app/ds/shared")
        frame = app.frame_locator("#frame")
        frame.locator("a", has_text="items").first.click()
        wait_for_frame(app, "/app/ds/shared/items")
        frame.locator("td a", has_text="1").first.click()
        wait_for_frame(app, "/app/ds/shared/items/1")
        assert frame.locator("td.col-name").inner_text() == "item 0"
    finally:
        context.close()
        server.shutdown()
