"""dist/ is a plain static site: it works under a sub-path of any static host, not only at the root."""

from testkit.browser import launch, wait_ready
from testkit.servers import serve_directory


def test_app_works_under_a_sub_path(playwright, dist, tmp_path):
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "datasette").symlink_to(dist)
    root, server = serve_directory(tmp_path)
    url = root + "tools/datasette/"
    context = launch(playwright, tmp_path / "profile")
    try:
        page = context.pages[0]
        page.goto(url)
        frame = wait_ready(page)
        assert frame.locator("a[href='/tools/datasette/ds/_memory']").count() >= 1
        assert page.url == url + "ds/"
        # A reload of a deep Datasette URL under the sub-path gets the shell, with working relative URLs.
        page.goto(url + "ds/_memory")
        frame = wait_ready(page)
        assert frame.locator("h1").inner_text() == "_memory"
    finally:
        context.close()
        server.shutdown()
