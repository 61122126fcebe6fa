"""The shell on a phone: 360x740 CSS pixels, touch. The library is a menu; dialogs fit; everything works by tapping."""

from testkit.browser import PHONE, launch, wait_ready
from testkit.databases import make_db
from testkit.page import library_names, notices, open_with_input, wait_for_frame


def fits(page, selector):
    page.wait_for_function("s => document.querySelector(s).getAnimations().length === 0", arg=selector)  # slid in
    box = page.locator(selector).bounding_box()
    return (
        box and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= 360 and box["y"] + box["height"] <= 740
    )


def test_the_app_on_a_phone(playwright, server, tmp_path):
    context = launch(playwright, tmp_path / "profile", device=PHONE)
    try:
        page = context.pages[0]
        page.goto(server.url)
        wait_ready(page)
        assert page.locator("#open-database").is_hidden()  # the sidebar is out of the way of Datasette's page
        page.tap("#menu")
        page.locator("#open-database").wait_for()
        assert fits(page, "#sidebar")
        open_with_input(page, [make_db(tmp_path / "pocket.db", rows=4)], tap=True)
        page.locator("#library li[data-name='pocket']").wait_for(state="attached")
        wait_for_frame(page, "/ds/pocket")
        assert page.locator("#open-database").is_hidden()  # choosing closed the menu
        # Datasette's own phone controls work: "Choose columns" (an inline handler its policy allows by hash).
        page.evaluate("() => { document.getElementById('frame').src = 'ds/pocket/items'; }")
        wait_for_frame(page, "/ds/pocket/items")
        frame = page.frame_locator("#frame")
        frame.locator("button.choose-columns-mobile").tap()
        frame.locator("dialog[open]").first.wait_for()

        page.tap("#menu")
        page.tap("#library li[data-name='pocket'] button[aria-label='Rename pocket']")
        assert fits(page, "dialog[open]")
        page.locator("dialog[open] input").fill("pocket-db")
        page.tap("dialog[open] button.primary")
        page.locator("#library li[data-name='pocket-db']").wait_for(state="attached")  # in the closed menu
        assert "pocket" not in library_names(page) and not [n for n in notices(page) if "wrong" in n]
    finally:
        context.close()
