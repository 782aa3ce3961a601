"""Serving the studio: a loopback socket (a free port unless one is asked for), uvicorn, the browser.

``optviz studio`` calls :func:`serve`; Ctrl-C ends it with one line (uvicorn shuts down the app, whose
lifespan ends a running render, then re-raises the signal, which ``serve`` turns into that line).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import webbrowser
from pathlib import Path


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 lets the system pick a free one. A non-loopback host is refused here
    unless the caller asked for it explicitly (``--host``), which is the only way past the default."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(64)
    return sock


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def open_browser(url: str) -> bool:
    """Open the page when a browser is available (``webbrowser`` honours BROWSER); never fail the studio."""
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    return True


def _server_class():
    import uvicorn

    class StudioServer(uvicorn.Server):
        """uvicorn's server that tells the studio it is closing as soon as Ctrl-C arrives, so the pages' open
        progress streams end by themselves instead of being cancelled mid-response."""

        studio = None

        def handle_exit(self, sig, frame) -> None:
            if self.studio is not None:
                self.studio.closing = True
            super().handle_exit(sig, frame)

    return StudioServer


def serve(studio, host: str = "127.0.0.1", port: int = 0, browser: bool = True, say=print) -> None:
    import uvicorn

    from scenes.studio.app import create_app

    sock = bind(host, port)
    url = f"http://{host if ':' not in host else f'[{host}]'}:{sock.getsockname()[1]}/"
    app = create_app(studio)
    # a page left open holds a Server-Sent Events stream: give open requests 3 s, then stop anyway
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=3)
    server = _server_class()(config)
    server.studio = studio
    say(f"optviz studio: {url}  (Ctrl-C stops it)")
    if browser and not open_browser(url):
        say("optviz studio: no browser found here; open the address above in one")
    server.run(sockets=[sock])
