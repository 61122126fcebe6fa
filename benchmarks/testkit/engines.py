"""Firefox ESR and WebKitGTK behind one small interface, so journeys run in engines other than Chromium.

Firefox: Debian's firefox-esr over WebDriver BiDi, through puppeteer-core in a Node process (firefox-bridge.mjs) that
takes one JSON command per line. WebKit: Debian's WebKitWebDriver driving MiniBrowser under Xvfb, through Selenium.
Both send every request for a host other than 127.0.0.1/localhost to RefusingProxy, which refuses and records it.
"""

import shutil
import socketserver
import threading

from . import ROOT
from .engine import DESKTOP, PHONE, Engine, EngineError
from .firefox import FIREFOX, Firefox
from .webkit import MINIBROWSER, WEBKIT_DRIVER, WebKit

__all__ = ["DESKTOP", "PHONE", "Engine", "EngineError", "Firefox", "WebKit", "RefusingProxy", "available", "launch"]


def launch(name, profile, proxy_port, **options):
    """Start engine `name` ("firefox" or "webkit") on profile; every request off loopback goes to proxy_port."""
    return {"firefox": Firefox, "webkit": WebKit}[name](profile, proxy_port, **options)


def available(name):
    """Why engine `name` cannot run here (a missing program), or None."""
    needs = {"firefox": [FIREFOX, "node"], "webkit": [WEBKIT_DRIVER, MINIBROWSER, "Xvfb"]}[name]
    missing = [program for program in needs if not shutil.which(program)]
    if name == "firefox" and not (ROOT / "node_modules" / "puppeteer-core").is_dir():
        missing.append("node_modules/puppeteer-core (npm ci)")
    return f"{name} needs {', '.join(missing)}" if missing else None


class RefusingProxy:
    """An HTTP proxy on 127.0.0.1 that refuses everything and records what was asked (the offline guard).

    Records "GET http://host/path" for plain HTTP, "CONNECT host:443" for tunnels, a TLS line if an engine speaks
    TLS straight to it (WebKit does with the W3C proxy capability's sslProxy, which minibrowser_proxy_args avoids)."""

    def __init__(self):
        self.outside = []
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                start = self.rfile.peek(1)  # what the engine sent first, still unread
                if start[:1] == b"\x16":  # a TLS handshake record: no HTTP to read, and no answer it would understand
                    proxy.outside.append("TLS to the proxy itself (host unknown)")
                    return
                line = self.rfile.readline(8192).decode("latin-1").strip()
                if line:  # e.g. "CONNECT example.org:443 HTTP/1.1", kept without the version
                    proxy.outside.append(" ".join(line.split(" ")[:2]))
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
