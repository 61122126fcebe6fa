"""Servers on free ports of 127.0.0.1: the built app (`build.py serve`), a real `datasette serve` to publish to and
pull from, native Datasette as a baseline, static and CORS file servers in a thread; and http(), to talk to them."""

import functools
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import ROOT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def start_server(command, url, ready_path="", env=None):
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(url + ready_path, timeout=1)
            return Server(url, process)
        except OSError:
            if process.poll() is not None or time.time() > deadline:
                process.kill()
                raise RuntimeError(f"{command} did not start: {process.stderr.read().decode()}") from None
            time.sleep(0.2)


def serve_app():
    """`python build.py serve` on a free port (dist/ is already built, so it serves at once)."""
    port = free_port()
    return start_server([sys.executable, "build.py", "serve", "--port", str(port)], f"http://127.0.0.1:{port}/")


@dataclass
class DatasetteServer(Server):
    """A real `datasette serve` of one database file, with CORS, and a token that may do anything."""

    path: Path = None
    token: str = ""
    port: int = 0
    command: list = field(default_factory=list)

    @property
    def database_url(self):
        return self.url + self.path.stem

    def restart(self):
        """Start it again on the same port and file (after stop(): the server was down, and is back)."""
        self.process = start_server(self.command, self.url, env=DATASETTE_ENV).process


def bundled_plugins():
    """The Datasette plugins the app bundles: the datasette-* lines of wheels.in, where they are listed once."""
    text = (ROOT / "wheels.in").read_text()
    return set(re.findall(r"^(datasette-[\w-]+)==", text, re.MULTILINE))


# Our plugin is installed in this environment, and it makes every visitor root: the server loads no plugins.
DATASETTE_ENV = {**os.environ, "DATASETTE_LOAD_PLUGINS": ""}
# Native Datasette as a baseline that is not us: the plugins the app bundles, without this project's.
NATIVE_ENV = {**os.environ, "DATASETTE_LOAD_PLUGINS": ",".join(sorted(bundled_plugins()))}
DATASETTE_SECRET = "datasette-pwa-tests"


def serve_datasette(path, *options):
    """`datasette serve path --cors` (1.0a41, this environment's), plus options, on a free port."""
    port = free_port()
    datasette = str(Path(sys.executable).with_name("datasette"))
    command = [
        datasette,
        "serve",
        str(path),
        "--cors",
        "--root",
        "--secret",
        DATASETTE_SECRET,
        "--port",
        str(port),
        *options,
    ]
    server = start_server(command, f"http://127.0.0.1:{port}/", env=DATASETTE_ENV)
    token = subprocess.run(
        [datasette, "create-token", "root", "--secret", DATASETTE_SECRET], capture_output=True, text=True, check=True
    ).stdout.strip()
    return DatasetteServer(server.url, server.process, Path(path), token, port, command)


def serve_directory(root, port=0):
    """A static server (build.py's, with its MIME types) for root on port (0: a free one), in a thread; returns (url,
    server). build.py is imported from the project's folder: on sys.path under pytest (pyproject.toml's pythonpath)."""
    from build import Handler

    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/", server


class CorsFiles(SimpleHTTPRequestHandler):
    """Files any site may read (a link's ?url= downloads them), served quietly."""

    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args):
        pass


def serve_cors_files(folder):
    """A static server of folder on 127.0.0.1 whose files other sites may read, in a thread: (url, server)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(CorsFiles, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/", server


def http(url, body=None, token=None):
    """(status, body) of a GET, or of a POST of body (bytes, or an object sent as JSON), to a real server."""
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers)) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
