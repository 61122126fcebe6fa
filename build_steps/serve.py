"""Serve: `python3 build.py serve`, dist/ on 127.0.0.1 with the MIME types the app needs (tests and benchmarks serve
other folders with the same Handler), built first if any source is newer than it."""

import functools
import http.server

from build_steps.paths import DIST, SOURCES


def up_to_date():
    sw = DIST / "sw.js"
    if not sw.exists():
        return False
    built = sw.stat().st_mtime
    paths = [p for s in SOURCES for p in ([s] if s.is_file() else s.rglob("*"))]
    return all(p.stat().st_mtime <= built for p in paths)


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".webmanifest": "application/manifest+json",
        ".whl": "application/zip",
        ".zip": "application/zip",
    }

    def log_message(self, format, *args):
        pass


def serve(port, build):
    """Serve dist/ until Ctrl+C; build (build.py's, every step in order) runs first if dist/ is out of date."""
    if not up_to_date():
        build()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=str(DIST)))
    print(f"Serving datasette-pwa at http://127.0.0.1:{server.server_port}/  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
