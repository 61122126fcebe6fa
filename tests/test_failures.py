"""When the runtime itself fails, the user is told, Datasette restarts, and the databases are still there."""

import pytest
from testkit.browser import installed_copy, start_app, wait_ready
from testkit.databases import make_db
from testkit.page import clear_notices, open_with_input, wait_for_frame, wait_for_library


@pytest.mark.parametrize(
    "failure, message",
    [
        ("setTimeout(() => { throw new Error('simulated crash') })", "simulated crash"),
        # A worker that is gone without a word, as if hung, while no request waits on it (with one waiting, the
        # watchdog allows it the SQL time limit first: it may be busy in a long query, unable to answer a ping).
        ("close()", "stopped responding"),
    ],
)
def test_a_failed_worker_is_restarted_with_a_notice(playwright, server, installed, tmp_path, failure, message):
    context, page = start_app(playwright, installed_copy(installed, tmp_path / "profile"), server.url)
    try:
        open_with_input(page, [make_db(tmp_path / "survivor.db", rows=4)])
        wait_for_library(page, "survivor")
        wait_for_frame(page, "/ds/survivor")

        worker = next(w for w in page.workers if w.url.endswith("/worker.js"))
        worker.evaluate(failure)
        page.locator("#notices .notice-error", has_text=message).wait_for(timeout=40_000)
        wait_ready(page)
        # The new worker opened the databases again: none was left locked by the old one.
        count = "fetch('ds/survivor/items.json?_shape=array').then(r => r.json()).then(r => r.length)"
        assert page.evaluate(count) == 4
    finally:
        context.close()


@pytest.mark.parametrize("where", ["worker", "service worker"])
def test_an_error_nothing_reported_reaches_the_status_bar(app_page, app_context, where):
    """Nothing fails silently: an unhandled rejection in the worker or the service worker shows in the window."""
    message = f"a check of the {where}"
    if where == "worker":
        worker = next(w for w in app_page.workers if w.url.endswith("/worker.js"))
        worker.evaluate("m => { setTimeout(() => Promise.reject(new Error(m))); }", message)
    else:
        app_context.service_workers[0].evaluate("m => { setTimeout(() => Promise.reject(new Error(m))); }", message)
    app_page.locator("#notices .notice-error", has_text=f"Something went wrong in the {where}: {message}").wait_for()
    assert app_page.inner_text("#status") == f"Error in the {where}"
    clear_notices(app_page)
