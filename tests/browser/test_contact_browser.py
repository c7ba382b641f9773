"""End to end in headless Chromium: a built mentor page, its contact form, the receiver, SQLite
and a real SMTP server, all on 127.0.0.1.

Two people send a request: one with JavaScript (timestamp fetched from the receiver, fetch
submission, answer in the form's live region) and one without (plain POST, the receiver's review
page, 303 to the thank-you page). Each request must be stored once and delivered once.

Needs the `playwright` Python package and the system's Chromium (/usr/bin/chromium); no browser
is downloaded. Skipped when either is missing.
"""

from __future__ import annotations

import functools
import shutil
import sqlite3
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("aiosmtpd")
sync_api = pytest.importorskip("playwright.sync_api")

from receiver_kit import ReceiverProcess, SmtpSink, free_port, write_site  # noqa: E402

from mentorsite.build import build_site  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MIN_FILL = 1.0

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not shutil.which("chromium"),
    reason="needs the system Chromium (apt-get install chromium)",
)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def chromium(request):
    """The session's shared browser from tests/browser/conftest.py when there is one (two
    Playwright drivers cannot run in one process); else this module launches its own."""
    try:
        shared = request.getfixturevalue("browser")
    except pytest.FixtureLookupError:
        shared = None
    if shared is not None:
        yield shared
        return
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, chromium):
    root = tmp_path_factory.mktemp("contact-browser")
    site_port, receiver_port = free_port(), free_port()
    base_url = f"http://127.0.0.1:{site_port}/"
    site = write_site(
        root / "site",
        base_url=base_url,
        action=f"http://127.0.0.1:{receiver_port}/requests",
        contact={"min_fill_seconds": MIN_FILL, "rate_limit": 50, "from_email": "mentors@example.org"},
    )
    report = build_site(site)
    assert report.written, [d.human() for d in report.errors]
    output = site / "_site"
    # The thank-you page is the build's job; stand in for it if this build does not make it yet.
    thanks = output / "contact" / "thanks" / "index.html"
    if not thanks.exists():
        thanks.parent.mkdir(parents=True)
        thanks.write_text("<!doctype html><title>Thanks</title><h1>Thank you</h1>", encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", site_port), functools.partial(_Quiet, directory=str(output)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sink = SmtpSink().start()
    receiver = ReceiverProcess(site, root / "data" / "requests.sqlite3", smtp_port=sink.port, port=receiver_port)
    try:
        receiver.start()
        yield {"base_url": base_url, "sink": sink, "receiver": receiver, "browser": chromium, "output": output}
    finally:
        receiver.stop()
        sink.stop()
        server.shutdown()
        server.server_close()


def stored(stack, reference: str) -> dict:
    with sqlite3.connect(stack["receiver"].database) as conn:
        conn.row_factory = sqlite3.Row
        found = [dict(r) for r in conn.execute("SELECT * FROM requests WHERE reference = ?", (reference,))]
    assert len(found) == 1
    return found[0]


def delivered(stack, reference: str, timeout: float = 10.0):
    """The mentor's mail for `reference` (the mentee's acknowledgement is another kind), once."""

    def mentor_mails():
        return [r.message for r in stack["sink"].of_kind("request") if r.message["X-Mentorsite-Reference"] == reference]

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = mentor_mails()
        if found:
            time.sleep(0.2)
            found = mentor_mails()
            assert len(found) == 1, "delivered twice"
            return found[0]
        time.sleep(0.05)
    raise TimeoutError(f"{reference} was not delivered")


def fill(page, name: str, message: str) -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Your email").fill("mentee@example.org")
    page.get_by_label("What you hope to gain").fill("Advice on leading my first team.")
    page.get_by_label("Your goals").fill("Lead a team of five within a year.")
    page.get_by_label("Preferred format").select_option("group")
    page.get_by_label("Preferred cadence").select_option("monthly")
    page.get_by_label("A short message").fill(message)
    page.get_by_label("I agree that my details are shared with this mentor").check()


def test_with_javascript_the_answer_appears_in_the_live_region(stack):
    context = stack["browser"].new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(stack["base_url"] + "mentors/ana-example/")
    form = page.locator("form.contact-form")
    assert "ana.private@example.org" not in page.content()
    fill(page, "Jo Browser", "Hello Ana, could we have a 30-minute call next month?")
    page.get_by_role("button", name="Send request").click()
    status = page.locator(".form-status")
    sync_api.expect(status).to_contain_text("Thank you! Your request has been sent.", timeout=10_000)
    assert page.url == stack["base_url"] + "mentors/ana-example/"  # no navigation
    reference = status.inner_text().split("Your reference is ")[1].split(".")[0]
    assert not form.locator("button").is_visible()
    row = stored(stack, reference)
    assert (row["name"], row["email"], row["format"], row["cadence"], row["goals"]) == (
        "Jo Browser",
        "mentee@example.org",
        "group",
        "monthly",
        "Lead a team of five within a year.",
    )
    msg = delivered(stack, reference)
    assert msg["To"] == "Ana Example <ana.private@example.org>"
    assert msg["Reply-To"] == "Jo Browser <mentee@example.org>"
    assert "Hello Ana, could we have a 30-minute call next month?" in msg.get_content()
    assert errors == []
    context.close()


def test_with_javascript_field_errors_are_announced(stack):
    context = stack["browser"].new_context()
    page = context.new_page()
    page.goto(stack["base_url"] + "mentors/ana-example/")
    fill(page, "Jo Browser", "x")
    # The browser's own checks pass; the receiver's stricter one (one line, no hidden characters) does not.
    page.get_by_label("Your name").fill("Jo\u202eBrowser")
    page.get_by_role("button", name="Send request").click()
    name = page.get_by_label("Your name")
    sync_api.expect(name).to_have_attribute("aria-invalid", "true", timeout=10_000)
    assert "c-name-error" in name.get_attribute("aria-describedby")
    assert page.locator("#c-name-error").inner_text().startswith("Error: Please retype your name")
    assert page.evaluate("document.activeElement.id") == "c-name"
    context.close()


def test_without_javascript_review_page_then_thank_you_page(stack):
    context = stack["browser"].new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(stack["base_url"] + "mentors/ana-example/")
    fill(page, "Noor Plain", "Hello Ana, I am writing without JavaScript.")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_load_state()
    sync_api.expect(page.get_by_role("heading", level=1)).to_have_text("Check your request, then send it")
    assert page.get_by_label("Your name").input_value() == "Noor Plain"
    time.sleep(MIN_FILL + 0.1)  # a person reads it through
    page.get_by_role("button", name="Send request").click()
    thanks = stack["base_url"] + "contact/thanks/?ref="
    page.wait_for_url(lambda url: url.startswith(thanks), timeout=10_000)
    reference = page.url.split("ref=")[1]
    row = stored(stack, reference)
    assert (row["name"], row["message"]) == ("Noor Plain", "Hello Ana, I am writing without JavaScript.")
    assert delivered(stack, reference)["Reply-To"] == "Noor Plain <mentee@example.org>"
    context.close()
