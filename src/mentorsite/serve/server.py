"""The preview's HTTP side: the last good build, with the live-reload script added to every
HTML response, and each build's outcome streamed to open tabs as Server-Sent Events.

The script is added while serving, so no built file ever contains it. Standard library only:
one person's browser on localhost, not production traffic.
"""

from __future__ import annotations

import html
import json
import threading
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from ..diagnostics import Diagnostic, printable
from ..write import IN_PLACE

#: The preview's own URLs; no built page can live there (output paths never start with "_").
PREFIX = "/__mentorsite/"
EVENTS_URL = PREFIX + "events"
SCRIPT_URL = PREFIX + "live.js"
#: Id of the data block the script reads its settings from.
DATA_ID = "__mentorsite-live"
#: Every word the preview shows in the browser; the script gets them as data.
UI_TEXT = {
    "title": "The site did not build",
    "kept": "The last good pages are still shown. Fix the problems below and this page updates itself.",
    "waiting": "Nothing built yet. Fix the problems below and this page loads the site.",
    "hint": "hint",
    "dismiss": "Dismiss",
}
#: An idle event stream sends a comment this often, so tabs closed long ago are noticed.
KEEPALIVE_SECONDS = 15
#: How soon a tab reconnects when the stream breaks (e.g. serve restarted), in milliseconds.
RETRY_MS = 500

LIVE_SCRIPT = files(__package__).joinpath("live.js").read_bytes()


@dataclass(frozen=True)
class BuildState:
    """What the preview shows: one immutable value, so a request sees a consistent pair."""

    #: Number of the build being served (its folder is `root`); 0 before the first good build.
    #: During a first look, the number the build under way will have.
    number: int = 0
    root: Path | None = None
    #: The latest build's errors as the browser shows them; empty when it succeeded.
    problems: tuple[dict[str, str], ...] = ()
    #: Pages of the build under way shown before it ends (first_look), by output path.
    first_look: dict[str, bytes] = field(default_factory=dict)

    @property
    def served(self) -> int:
        """The number of the build whose folder is served (the one before a first look)."""
        return self.number - 1 if self.first_look else self.number

    def message(self) -> bytes:
        # `pages`: only tabs showing these reload now; the others when the build ends.
        pages = [url for path in sorted(self.first_look) for url in page_urls(path)] if self.first_look else None
        return json.dumps(
            {"build": self.number, "problems": self.problems, "pages": pages}, ensure_ascii=False
        ).encode()


def page_urls(path: str) -> list[str]:
    """The URL paths a tab shows the output `path` at ("mentors/ada/index.html": with and without index.html)."""
    urls = ["/" + path]
    if path == "index.html" or path.endswith("/index.html"):
        urls.insert(0, "/" + path.removesuffix("index.html"))
    return urls


def problem_data(diagnostic: Diagnostic) -> dict[str, str]:
    """A diagnostic for the overlay; as in the terminal, nothing in it can reorder or hide text."""
    where = f"{diagnostic.path}:{diagnostic.line}:{diagnostic.col or 1}" if diagnostic.line else diagnostic.path
    return {
        "where": printable(where),
        "message": printable(diagnostic.message),
        "hint": printable(diagnostic.hint),
        # The offending line, as the terminal shows it under the message.
        "source": printable(diagnostic.source.rstrip()) if diagnostic.line else "",
    }


class LiveState:
    """The current BuildState, shared by the build loop (writer) and request threads (readers)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.current = BuildState()
        self.closed = False

    def first_look(self, pages: dict[str, bytes]) -> None:
        """Show `pages` of the build under way (by output path) before it ends: tabs showing them reload."""
        current = self.current
        if pages and current.root is not None and not current.first_look:
            self._set(BuildState(current.number + 1, current.root, (), dict(pages)))

    def succeeded(self, root: Path) -> None:
        """The build ended well: serve `root`. Tabs that reloaded for a first look reload again
        only if one of its pages came out different."""
        current = self.current
        looked = current.first_look
        same = all(_holds(root, path, page) for path, page in looked.items())
        self._set(BuildState(current.number if looked and same else current.served + 1 + bool(looked), root))

    def failed(self, diagnostics: list[Diagnostic]) -> None:
        """The build failed: the last good pages stay, with the problems over them (a first look is withdrawn)."""
        current = self.current
        self._set(BuildState(current.served, current.root, tuple(problem_data(d) for d in diagnostics)))

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait(self, seen: BuildState | None, timeout: float) -> BuildState | None:
        """The current state as soon as it is not `seen`; None after `timeout` or once closed."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed or self.current is not seen, timeout)
            return None if self.closed or self.current is seen else self.current

    def _set(self, state: BuildState) -> None:
        with self._changed:
            self.current = state
            self._changed.notify_all()


def _holds(root: Path, path: str, page: bytes) -> bool:
    try:
        return (root / path).read_bytes() == page
    except OSError:
        return False


def live_snippet(number: int) -> bytes:
    """The markup added to a served page: the script's settings as data, then the script."""
    data = json.dumps({"build": number, "events": EVENTS_URL, "text": UI_TEXT}, ensure_ascii=False)
    # Inside <script>, "</script>" or "<!--" in the data would end or change the element.
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        f'<script type="application/json" id="{DATA_ID}">{data}</script><script src="{SCRIPT_URL}"></script>'.encode()
    )


def inject(page: bytes, snippet: bytes) -> bytes:
    """`page` with `snippet` just before its closing body tag (at the end when it has none)."""
    at = page.lower().rfind(b"</body")
    return page + snippet if at < 0 else page[:at] + snippet + page[at:]


def waiting_page() -> bytes:
    """What every URL shows until a build has succeeded; the overlay lists the problems."""
    title = html.escape(UI_TEXT["title"])
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1></body></html>"
    ).encode()


class PreviewHandler(SimpleHTTPRequestHandler):
    """Files of the build that was current when the request arrived (builds swap meanwhile)."""

    live: LiveState  # set by preview_server

    def __init__(self, *args, **kwargs):
        self.state = self.live.current
        super().__init__(*args, directory=str(self.state.root or "."), **kwargs)

    def do_GET(self):
        if urlsplit(self.path).path == EVENTS_URL:
            self._stream_events()
        else:
            super().do_GET()

    def send_head(self):
        path = urlsplit(self.path).path
        if path == SCRIPT_URL:
            return self._send(200, "text/javascript; charset=utf-8", LIVE_SCRIPT)
        if self.state.root is None:
            return self._send_page(503, waiting_page())
        # Every build writes new files, possibly within the same second as the last: always
        # answer in full rather than "304 not modified" by timestamp.
        del self.headers["If-Modified-Since"]
        target = Path(self.translate_path(self.path))
        if target.is_dir() and path.endswith("/"):
            target = target / "index.html"
        looked = self._first_look(target)
        if looked is not None:
            return self._send(200, "text/html; charset=utf-8", inject(looked, live_snippet(self.state.number)))
        if target.suffix == ".html" and target.is_file():
            with IN_PLACE:  # never while a build writes a sidebar into it
                page = target.read_bytes()
            return self._send_page(200, page)
        return super().send_head()

    def send_error(self, code, message=None, explain=None):
        # The site's own 404 page, as static hosts serve it (with the script, like every page).
        page = self.state.root / "404.html" if self.state.root else None
        if code == 404 and page is not None and page.is_file():
            body = self._send_page(404, page.read_bytes())
            if self.command != "HEAD":
                self.wfile.write(body.getvalue())
            return
        super().send_error(code, message, explain)

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name; quieter than the default
        pass

    def _first_look(self, target: Path) -> bytes | None:
        if not self.state.first_look or self.state.root is None:
            return None
        try:
            return self.state.first_look.get(target.relative_to(self.state.root).as_posix())
        except ValueError:
            return None

    def _send_page(self, code: int, page: bytes) -> BytesIO:
        """A page of the served folder, with the script and the number of its build."""
        return self._send(code, "text/html; charset=utf-8", inject(page, live_snippet(self.state.served)))

    def _send(self, code: int, content_type: str, body: bytes) -> BytesIO:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return BytesIO(body)

    def _stream_events(self) -> None:
        """Send the current state, then every new one, until the tab goes away or serve stops."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        seen = None
        try:
            self.wfile.write(f"retry: {RETRY_MS}\n\n".encode())
            while not self.live.closed:
                state = self.live.wait(seen, KEEPALIVE_SECONDS)
                if state is not None:
                    self.wfile.write(b"event: state\ndata: " + state.message() + b"\n\n")
                    seen = state
                elif not self.live.closed:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


def preview_server(host: str, port: int, live: LiveState) -> ThreadingHTTPServer:
    """Bind the preview's server (not yet serving); raises OSError when the port is taken."""
    handler = type("Handler", (PreviewHandler,), {"live": live})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True  # event streams never end by themselves
    return server
