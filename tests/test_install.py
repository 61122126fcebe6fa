"""The app is installable: Chromium finds no installability errors and sees the file handlers."""

import json


def test_chromium_reports_no_installability_errors(app_page):
    cdp = app_page.context.new_cdp_session(app_page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [], manifest["errors"]


def test_manifest_declares_sqlite_file_handlers_and_icons(app_page):
    manifest = json.loads(app_page.evaluate("fetch('manifest.webmanifest').then(r => r.text())"))
    extensions = {ext for handler in manifest["file_handlers"] for exts in handler["accept"].values() for ext in exts}
    assert extensions == {".db", ".sqlite", ".sqlite3", ".db3"}
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "./" and manifest["scope"] == "./"


def test_the_shell_runs_no_inline_script(app_page):
    policy = app_page.get_attribute("meta[http-equiv='Content-Security-Policy']", "content")
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy
    app_page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.inlineRan = 1';"
        " document.head.append(s); }"
    )
    assert app_page.evaluate("window.inlineRan") is None


def test_dark_mode_follows_the_system(app_page, tmp_path):
    app_page.emulate_media(color_scheme="dark")
    try:
        background = app_page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(21, 24, 29)"
        frame = app_page.frame_locator("#frame").locator("html")
        assert "invert" in frame.evaluate("html => getComputedStyle(html).filter")
        app_page.screenshot(path=tmp_path / "dark.png")
    finally:
        app_page.emulate_media(color_scheme="light")
    assert "invert" not in app_page.frame_locator("#frame").locator("html").evaluate("h => getComputedStyle(h).filter")
