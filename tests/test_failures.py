"""When the runtime itself fails, the user sees why and can restart it."""

from conftest import launch, wait_ready


def test_a_crashed_worker_shows_the_error_and_restarts(playwright, server, tmp_path):
    context = launch(playwright, tmp_path / "profile")
    try:
        page = context.pages[0]
        page.goto(server.url)
        wait_ready(page)
        worker = next(w for w in page.workers if w.url.endswith("/worker.js"))
        worker.evaluate("setTimeout(() => { throw new Error('simulated crash') })")
        page.locator("#failure").wait_for()
        assert "simulated crash" in page.inner_text("#failure-detail")
        page.click("#restart")
        frame = wait_ready(page)
        assert frame.locator("h1").inner_text() == "Datasette"
        assert page.evaluate("fetch('ds/-/versions.json').then(r => r.status)") == 200
    finally:
        context.close()
