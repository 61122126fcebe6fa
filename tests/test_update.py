"""A new build deployed to the same URL: the app keeps working, offers the update, and the library survives it."""

import json
import shutil
import subprocess
import sys

from testkit import ROOT
from testkit.browser import launch, wait_ready
from testkit.databases import make_db
from testkit.page import open_with_input, wait_for_library
from testkit.servers import serve_directory

import build

# What a build reads (build.py's own list, which decides when dist/ is out of date), and npm's manifest.
SOURCES = [path.relative_to(ROOT).as_posix() for path in build.SOURCES] + ["package.json"]


def build_copy(repo, site):
    """Build the copied project and deploy its dist/ to the served site, replacing what was there."""
    result = subprocess.run([sys.executable, "build.py"], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(repo / "dist", site)
    return json.loads((site / "build.json").read_text())["id"]


def test_update_to_a_new_build(playwright, dist, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, repo / name)
    for cached in ["node_modules", ".cache"]:  # the same downloads: no network needed
        (repo / cached).symlink_to(ROOT / cached)
    site = tmp_path / "site"
    version_a = build_copy(repo, site)
    url, server = serve_directory(site)

    context = launch(playwright, tmp_path / "profile")
    try:
        first = context.pages[0]  # a first visit: not controlled by a service worker when it registered one
        first.goto(url)
        first.locator(".toast", has_text="Ready to work offline").wait_for()  # said once installed
        wait_ready(first)
        assert f"build {version_a}" in first.inner_text("#versions")
        open_with_input(first, [make_db(tmp_path / "kept.db", rows=5)])
        wait_for_library(first, "kept")

        # Version B is deployed; a second window finds it on its navigation.
        with open(repo / "pwa" / "page" / "shell.css", "a") as css:
            css.write("\n/* version B */\n")
        version_b = build_copy(repo, site)
        assert version_b != version_a
        second = context.new_page()
        second.goto(url)
        second.locator("#elsewhere").wait_for()
        second.locator("#update").wait_for()
        versions = "fetch('ds/-/versions.json').then(r => r.json()).then(v => v.datasette.note)"
        assert second.evaluate(versions) == f"datasette-pwa build {version_a}"  # still the old version, working

        for page in (first, second):
            page.evaluate("window.beforeUpdate = true")
        second.click("#update-now")
        # Both windows reload into version B, the first visit's too.
        for page in (first, second):
            page.wait_for_function(
                "() => !window.beforeUpdate && document.querySelector('#status')?.textContent.match("
                "/Ready|another window/)",
                timeout=60_000,
            )
        owner = first if first.locator("#elsewhere").is_hidden() else second
        wait_ready(owner)
        assert f"build {version_b}" in owner.inner_text("#versions")
        for page in (first, second):
            assert page.evaluate("fetch('build.json').then(r => r.json()).then(b => b.id)") == version_b
            assert page.evaluate(versions) == f"datasette-pwa build {version_b}"
        wait_for_library(owner, "kept")
        assert owner.evaluate("fetch('ds/kept/items.json?_shape=array').then(r => r.json()).then(r => r.length)") == 5
    finally:
        context.close()
        server.shutdown()
