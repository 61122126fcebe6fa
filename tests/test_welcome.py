"""The first minutes, in Chromium: with the network cut after install, a newcomer sees the welcome (what the app is,
the ways in, a sample), and reaches a faceted table in two clicks: Try a sample database, then a facet's value."""

from testkit import ROOT
from testkit.browser import DESKTOP, NetworkGuard, installed_copy, launch, wait_ready
from testkit.page import wait_for_frame

DOCS = ROOT / "docs"
PHONE_SIZE = {"width": 360, "height": 740}


def test_a_newcomer_reaches_a_faceted_table_in_two_clicks_offline(playwright, server, installed, tmp_path):
    guard = NetworkGuard()
    context = launch(playwright, installed_copy(installed, tmp_path / "profile"), guard, offline=True)
    page = context.pages[0]
    page.goto(server.url)
    welcome = page.locator("#welcome")
    assert welcome.is_visible()  # while Python starts, on a first visit
    wait_ready(page)
    assert welcome.is_visible() and page.locator("#frame").is_hidden()  # the library is empty: no bare _memory page
    text = welcome.inner_text()
    assert "Explore SQLite databases, offline" in text and "never leave this device" in text
    assert "Install it as an app" in text
    screenshots(page)

    page.get_by_role("button", name="Try a sample database").click()  # one
    wait_for_frame(page, "/ds/sample/sightings")
    frame = page.frame_locator("#frame")
    facet = frame.locator(".facet-info", has_text="park")
    assert "Riverside" in facet.inner_text()
    assert welcome.is_hidden() and page.locator("#library li[data-name='sample']").is_visible()
    facet.locator("a", has_text="Riverside").click()  # two
    page.wait_for_function("() => document.getElementById('frame').contentWindow.location.search.includes('park=')")
    wait_for_frame(page, "/ds/sample/sightings")
    assert "Mill Pond" not in frame.locator(".facet-info", has_text="park").inner_text()  # one park's sightings now
    assert frame.locator("td.col-park").first.inner_text() == "Riverside"
    context.close()
    assert guard.outside == [], guard.outside


def screenshots(page):
    """The welcome, light and dark, desktop and phone, for the README."""
    page.screenshot(path=DOCS / "welcome.png")
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=DOCS / "welcome-dark.png")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(PHONE_SIZE)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_SIZE["width"]
    page.screenshot(path=DOCS / "welcome-phone.png")
    page.set_viewport_size(DESKTOP["viewport"])
