"""A local preview server for a built site (`mentorsite serve`); not for production."""

from __future__ import annotations

import contextlib
import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Handler(SimpleHTTPRequestHandler):
    def send_error(self, code, message=None, explain=None):
        # Serve the site's own 404 page, as static hosts do.
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format, *args):  # quieter than the default
        pass


def serve_directory(root: Path, host: str, port: int) -> None:
    handler = functools.partial(_Handler, directory=str(root))
    with ThreadingHTTPServer((host, port), handler) as server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
