"""A real `mentorsite serve` process on a small site, for the dev server's tests
(tests/test_serve.py and tests/browser/test_serve_browser.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

from kit import free_port  # noqa: F401 - also for the tests that import it from here

from mentorsite.scaffold import init_site

#: Where the test site is published; no URL in its published output points at this machine.
PUBLIC_URL = "https://mentors.example.org/"
#: The starter site's one profile, relative to the site.
PROFILE = "mentors/ada-example.yaml"
#: Generous: a build on a loaded 2-core machine can take seconds.
TIMEOUT = 60.0


def preview_site(root: Path) -> Path:
    """A new site from `mentorsite init`, with a public base URL and contact receiver."""
    init_site(root, date(2026, 6, 1))
    toml = root / "site.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('base_url = "http://localhost:8000/"', f'base_url = "{PUBLIC_URL}"')
    text = text.replace('"http://127.0.0.1:8787/requests"', '"https://requests.example.org/requests"')
    assert "localhost" not in text and "127.0.0.1" not in text, "the starter site.toml changed: update preview_site"
    toml.write_text(text, encoding="utf-8")
    return root


def save_by_rename(path: Path, text: str) -> None:
    """Save as Vim and many editors do: write a temporary file, then rename it over the real one."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def wait_until(condition, what: str, timeout: float = TIMEOUT):
    """Poll `condition` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise TimeoutError(f"waited {timeout:.0f} s for {what}")


class ServeProcess:
    """`python -m mentorsite serve SITE --port N`, its output collected line by line."""

    def __init__(self, site: Path, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mentorsite", "serve", str(site), "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, start: str, after: int = 0) -> int:
        """Wait until a line from index `after` on starts with `start`; the index after it."""

        def found():
            for index in range(after, len(self.lines)):
                if self.lines[index].startswith(start):
                    return index + 1
            assert self.process.poll() is None, f"serve exited with {self.process.returncode}:\n{self.output}"
            return None

        return wait_until(found, f"a line starting {start!r} from serve:\n{self.output}")

    def get(self, path: str = "") -> tuple[int, str]:
        """Status and body of a GET, errors included."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=TIMEOUT) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")

    def stop(self) -> int:
        """Ctrl+C, then the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=TIMEOUT)

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.stop()
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
