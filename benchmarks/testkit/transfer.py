"""Publish and Pull: their dialogs in the app's window, and what their pages do, under CPython (tests/test_transfer.py,
benchmarks/transfer.py)."""

import json
from urllib.parse import quote, urlencode

from .page import wait_for_frame
from .servers import http


def publish_natively(local, database, remote, size=1000, max_bytes=1 << 20):
    """What static/publish.js does, under CPython: the plan, then each table created on remote (a
    servers.serve_datasette) and its batches upserted, in key order. local(path, method, body) answers the plugin's
    routes."""
    plan = json.loads(local(f"/ds/{database}/-/publish.json").body)
    for table in plan["tables"]:
        assert http(remote.database_url + "/-/create", table["create"], remote.token)[0] == 201
        after = None
        while True:
            query = {"table": table["table"], "size": size, "bytes": max_bytes, **({"after": after} if after else {})}
            batch = local(f"/ds/{database}/-/publish-rows?" + urlencode(query))
            headers = dict(batch.headers)
            if int(headers["x-datasette-pwa-rows"]):
                status, answer = http(f"{remote.database_url}/{table['path']}/-/upsert", batch.body, remote.token)
                assert status == 200, answer
            after = headers.get("x-datasette-pwa-after")
            if not after:
                break
    return plan


def pull_natively(local, database, url, table, flags="&first=1"):
    """What static/pull.js does, under CPython: each page of the server's JSON at url posted, as it came, to
    pull-rows of database, following next_url; returns each answer's (status, JSON)."""
    answers = []
    while url:
        status, page = http(url)
        assert status == 200, page
        answer = local(f"/ds/{database}/-/pull-rows?table={quote(table)}{flags}", "POST", page)
        answers.append((answer.status, json.loads(answer.body)))
        if answer.status != 200:
            break
        url, flags = answers[-1][1]["next_url"], ""
    return answers


def dialog(page, action, db, url, token, table=None, remember=False):
    """Open a database's Publish… or Pull… from the sidebar, fill it in and submit it; returns the frame. An empty
    token of None waits for the token the app kept for that server to be filled in."""
    page.evaluate("document.getElementById('frame').contentDocument.body.dataset.old = '1'")
    page.click(f'button[aria-label="{action} {db}"]')
    wait_for_frame(page, f"/ds/{db}/-/{'publish' if action == 'Publish…' else 'pull'}")
    page.wait_for_function(
        "() => { const doc = document.getElementById('frame').contentDocument;"
        " return doc.readyState === 'complete' && !doc.body.dataset.old; }"
    )
    frame = page.frame_locator("#frame")
    label = "Database URL" if action == "Publish…" else "Datasette URL"
    frame.get_by_label(label).fill(url)
    frame.get_by_label(label).press("Tab")
    if token is None:  # the token kept for this server comes from IndexedDB
        page.wait_for_function(
            "() => document.getElementById('frame').contentDocument.querySelector('input[name=token]').value"
        )
    else:
        frame.get_by_label("API token").fill(token)
    frame.get_by_label("Remember the token").set_checked(
        remember or frame.get_by_label("Remember the token").is_checked()
    )
    if table is not None and action == "Pull…":
        frame.get_by_label("Table name").fill(table)
    elif table is not None:
        frame.locator("select[name=table]").select_option(table)
    frame.get_by_role("button", name=action.rstrip("…"), exact=True).click()
    return frame


def message(frame, timeout=60_000):
    """The dialog's message, once there is one (the end of a run: done, failed or stopped)."""
    shown = frame.locator(".pwa-transfer-message:not([hidden])")
    shown.wait_for(timeout=timeout)
    return shown.inner_text()
