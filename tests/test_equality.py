"""The app's Datasette answers exactly as native CPython Datasette 1.0a41 does behind base_url /ds/, with the same
bundled plugins and without this project's (conftest.NATIVE_ENV), but for the plugin list, which names this one too."""

import json
import sys
import urllib.request

import pytest
from datasette_pwa.app import SQL_TIME_LIMIT_MS
from testkit.servers import NATIVE_ENV, free_port, start_server

ENDPOINTS = [
    ".json",
    "-/databases.json",
    "-/settings.json",
    "-/plugins.json",
    "-/config.json",
    "_memory.json",
    "_memory/-/query.json?sql=select+1+as+one,+'h%C3%A9llo'+as+greeting,+null+as+nothing",
    "_memory/-/query.json?sql=select+value+from+json_each('[1,2,3]')&_shape=array",
    "_memory/-/query.json?sql=with+recursive+n(i)+as+(select+1+union+all+select+i%2B1+from+n+limit+1500)+select+i+from+n",
    "_memory.json?sql=select+2+as+two",  # redirected to /_memory/-/query.json
    "_memory/-/query.json?sql=select+*+from+no_such_table",
]


@pytest.fixture(scope="module")
def native():
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        "--port",
        str(port),
        "--setting",
        "base_url",
        "/ds/",
        "--setting",
        "num_sql_threads",
        "0",
        "--setting",
        "sql_time_limit_ms",
        str(SQL_TIME_LIMIT_MS),
    ]
    server = start_server(command, f"http://127.0.0.1:{port}/", "ds/-/versions.json", env=NATIVE_ENV)
    yield server
    server.stop()


def native_body(native, path):
    try:
        with urllib.request.urlopen(native.url + "ds/" + path) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:
        return error.read().decode()


@pytest.mark.parametrize("path", ENDPOINTS)
def test_json_matches_native_datasette(app_page, server, native, path):
    app = app_page.evaluate("path => fetch(path).then(r => r.text())", "ds/" + path)
    expected = native_body(native, path).replace(native.url, server.url)
    answer = json.loads(app)
    if path == "-/plugins.json":
        answer = [plugin for plugin in answer if plugin["name"] != "datasette-pwa"]
    assert answer == json.loads(expected)
