"""Issue 13's "Done when", end to end: a built site served on one port, the real receiver process
on another (SQLite), a real SMTP server (aiosmtpd) and headless Chromium.

A mentee sends a request through the mentor's form; the Accept link is taken from the mentor's
mail, opened and confirmed in the browser; the introductions arrive; the mentor, now at capacity,
shows as full on the site without a rebuild (site.js reads the receiver's availability.json). A
second request's links are fetched (GET) again and again, as mail scanners do, and nothing changes.
A third request is left unanswered while days pass on an injected clock: the scheduler (run in the
test on the receiver's database, as in tests/test_receiver_lifecycle_mail.py) queues the reminder,
the coordinator's notice and the expiry, and the receiver's outbox sends them.

One site, one receiver and one SMTP sink serve the whole module; each test uses its own mentor.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlencode

import pytest
from browser_support import StaticServer, build_into, free_port
from playwright.sync_api import expect
from receiver_kit import VALID_FORM, ReceiverProcess, SmtpSink, kind_of, outbox_settled, write_site
from test_accessibility import violations

from mentorsite.config import load_config
from mentorsite.receiver.scheduler import Scheduler
from mentorsite.receiver.settings import resolve
from mentorsite.receiver.store import Store, utcnow

COORDINATOR = "coordinator@example.org"
MENTEE = ("Zoë Mentee", "zoe@example.org")
#: Ana (capacity 1) is the mentor of the browser story and the only one tagged "product"; the
#: others share "data". Eve (capacity 1) is filled in the clock test, Ben does not accept.
PROFILES = {
    "ana-example": {
        "name": "Ana Example",
        "accepting": True,
        "capacity": 1,
        "email": "ana.private@example.org",
        "formats": ["one-to-one"],
        "tags": ["product"],
    },
    **{
        slug: {
            "name": name,
            "accepting": True,
            "email": f"{slug[:3]}.private@example.org",
            "formats": [],
            "tags": ["data"],
        }
        for slug, name in (
            ("gus-example", "Gus Example"),
            ("hal-example", "Hal Example"),
            ("ida-example", "Ida Example"),
            ("jo-example", "Jo Example"),
            ("kim-example", "Kim Example"),
        )
    },
    "eve-example": {
        "name": "Eve Example",
        "accepting": True,
        "capacity": 1,
        "email": "eve.private@example.org",
        "formats": [],
        "tags": ["data"],
    },
    "ben-example": {
        "name": "Ben Example",
        "accepting": False,
        "email": "ben.private@example.org",
        "formats": [],
        "tags": ["data"],
    },
}
TABLES = ("requests", "mails", "mentor_state")


@dataclass
class Stack:
    site: Path
    url: str  # the built site's base URL
    sink: SmtpSink
    receiver: ReceiverProcess

    @property
    def database(self) -> Path:
        assert isinstance(self.receiver.database, Path)
        return self.receiver.database


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("lifecycle-browser")
    site_port, receiver_port = free_port(), free_port()
    base_url = f"http://127.0.0.1:{site_port}/sub/"
    site = write_site(
        root / "site",
        base_url=base_url,
        action=f"http://127.0.0.1:{receiver_port}/requests",
        contact={
            "rate_limit": 0,
            "mentor_daily_limit": 0,
            "min_fill_seconds": 0,
            "retry_base_seconds": 0.1,
            "retry_max_seconds": 0.4,
            "from_email": "mentors@example.org",
            "coordinator_email": COORDINATOR,
            "remind_after_days": 3,
            "coordinator_after_days": 7,
            "expire_after_days": 14,
        },
        profiles=PROFILES,
    )
    server = StaticServer(build_into(site, root, site_port), site_port)
    sink = SmtpSink().start()
    receiver = ReceiverProcess(site, root / "data" / "requests.sqlite3", smtp_port=sink.port, port=receiver_port)
    try:
        receiver.start()
        yield Stack(site, server.url, sink, receiver)
    finally:
        receiver.stop()
        sink.stop()
        server.close()


# Helpers ---------------------------------------------------------------------------------------


def snapshot(database: Path) -> dict[str, list[tuple]]:
    """Every row of the lifecycle's tables, in storage order."""
    with sqlite3.connect(database) as conn:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() for table in TABLES}


def state_of(database: Path, reference: str) -> str:
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT state FROM requests WHERE reference = ?", (reference,)).fetchone()[0]


def mails_for(sink: SmtpSink, reference: str, kinds: list[str], timeout: float = 20.0) -> dict[str, EmailMessage]:
    """Waits until exactly these kinds (one each) have arrived for `reference`, then a moment for
    any extra; returns them by kind."""

    def arrived() -> list[EmailMessage]:
        return [m for m in sink.messages() if m["X-Mentorsite-Reference"] == reference]

    deadline = time.monotonic() + timeout
    while sorted(kind_of(m) for m in arrived()) != sorted(kinds):
        assert time.monotonic() < deadline, f"expected {sorted(kinds)}, got {sorted(kind_of(m) for m in arrived())}"
        time.sleep(0.05)
    time.sleep(0.3)
    messages = arrived()
    assert sorted(kind_of(m) for m in messages) == sorted(kinds)
    return {kind_of(m): m for m in messages}


def recipients(sink: SmtpSink, reference: str, kind: str) -> list[list[str]]:
    return [r.rcpt_tos for r in sink.of_kind(kind) if r.message["X-Mentorsite-Reference"] == reference]


def answer_links(message: EmailMessage) -> dict[str, str]:
    """The answer links of a mentor's mail or reminder: Accept, Decline and Pause."""
    lines = {
        "Accept": r"Accept: ",
        "Decline": r"Decline \(you may give a reason or suggest another mentor\): ",
        "Pause": r"I'm full, pause my profile: ",
    }
    text = message.get_content().replace("\r\n", "\n")
    found = {word: re.findall(rf"^{line}(http://\S+/answer/\S+)$", text, re.M) for word, line in lines.items()}
    assert all(len(links) == 1 for links in found.values()), text
    return {word: links[0] for word, links in found.items()}


def post_request(stack: Stack, mentor: str, message: str) -> str:
    """A request as the site's script sends it (JSON answer); its reference."""
    ts = json.loads(fetch(stack.receiver.url + "/requests/token")[1])["ts"]
    body = urlencode({**VALID_FORM, "mentor": mentor, "message": message, "ts": ts}).encode()
    request = urllib.request.Request(
        stack.receiver.url + "/requests",
        data=body,
        headers={"Accept": "application/json", "Origin": stack.url.split("/sub/")[0]},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["reference"]


def fetch(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None
) -> tuple[int, str]:
    """(status, body) of a plain HTTP request, error statuses included."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def violations_under_csp(page, axe: Path) -> list[str]:
    """axe on a receiver page: its Content-Security-Policy refuses the inline script tag that
    test_accessibility.violations adds, so axe is evaluated through the DevTools protocol (which
    the policy does not govern) and the page keeps its policy."""
    page.evaluate(axe.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => `${v.id} (${v.impact}): ${v.help} ` + v.nodes.map(n => n.target.join(' ')));
    }""")


def confirm(stack: Stack, link: str, **fields: str) -> tuple[int, str]:
    """What the confirmation page's form posts, over plain HTTP."""
    token = link.rsplit("/", 1)[1]
    data = urlencode({"token": token, **fields}).encode()
    origin = stack.receiver.url
    return fetch(link, data, {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin})


# 1-3: send, accept from the mail, full without a rebuild ------------------------------------------


def test_a_request_sent_in_chromium_is_accepted_from_its_mail_and_the_mentor_shows_full(stack, page, axe):
    """The mentee sends the form and sees the reference; the mentor's mail and the mentee's
    acknowledgement arrive; the Accept link from that mail shows a confirmation page (a GET that
    changes nothing), the button is pressed from the keyboard, the request is accepted and each
    introduction arrives once; Ana (capacity 1) then shows as full on the directory and her page
    loses its form, without a rebuild. The receiver's two pages and the site's two pass axe."""
    name, address = MENTEE
    # 1. The mentee sends the request.
    page.goto(stack.url + "mentors/ana-example/")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Your email").fill(address)
    page.get_by_label("What you hope to gain").fill("Confidence leading a product team.")
    page.get_by_label("Preferred format").select_option("one-to-one")
    page.get_by_label("Preferred cadence").select_option("monthly")
    page.get_by_label("A short message").fill("Hello Ana, could we talk next month?")
    page.get_by_label("I agree that my details are shared with this mentor").check()
    page.get_by_role("button", name="Send request").click()
    status = page.locator(".form-status")
    expect(status).to_contain_text("Thank you! Your request has been sent.")
    reference = re.fullmatch(r".*Your reference is (\S+)\..*", status.inner_text(), re.S)[1]
    arrived = mails_for(stack.sink, reference, ["request", "ack"])
    assert recipients(stack.sink, reference, "request") == [["ana.private@example.org"]]
    mentor_mail = arrived["request"]
    assert mentor_mail["Subject"] == f"Mentoring request from {name}"
    assert mentor_mail["X-Mentorsite-Reference"] == reference
    assert f"Reference {reference}" in mentor_mail.get_content()
    assert recipients(stack.sink, reference, "ack") == [[address]]
    ack = arrived["ack"]
    assert ack["Subject"] == f"Your mentoring request {reference}"
    assert f"Its reference is {reference}." in ack.get_content()
    raw_ack = next(r.data for r in stack.sink.of_kind("ack") if r.message["X-Mentorsite-Reference"] == reference)
    assert b"ana.private" not in raw_ack
    assert state_of(stack.database, reference) == "delivered"

    # 2. The Accept link from the mail, opened in the browser: a confirmation page; the GET changed nothing.
    outbox_settled(stack.database)
    before = snapshot(stack.database)
    page.goto(answer_links(mentor_mail)["Accept"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Accept this request?")
    summary = page.locator(".answer-request")
    expect(page.locator(".lede")).to_have_text(
        f"If you accept, {name} and you will each receive an email introducing you to each other."
    )
    expect(summary).to_contain_text(f"Request {reference} from {name}")
    expect(summary).to_contain_text("Confidence leading a product team.")
    expect(summary).to_contain_text("Hello Ana, could we talk next month?")
    assert address not in page.content()
    assert snapshot(stack.database) == before
    assert violations_under_csp(page, axe) == []
    button = page.get_by_role("button", name="Accept the request")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Request accepted")
    expect(page.locator(".lede")).to_have_text(
        f"Thank you. {name} and you will each receive an email introducing you to each other."
    )
    assert violations_under_csp(page, axe) == []
    assert state_of(stack.database, reference) == "accepted"
    arrived = mails_for(stack.sink, reference, ["request", "ack", "intro_mentee", "intro_mentor"])
    assert recipients(stack.sink, reference, "intro_mentee") == [[address]]
    assert recipients(stack.sink, reference, "intro_mentor") == [["ana.private@example.org"]]
    assert (
        "Ana Example accepted your request "
        f"{reference} and agreed that we give you their email address: ana.private@example.org"
    ) in " ".join(arrived["intro_mentee"].get_content().split())
    assert arrived["intro_mentee"]["Reply-To"].addresses[0].addr_spec == "ana.private@example.org"
    intro_mentor = " ".join(arrived["intro_mentor"].get_content().split())
    assert f"As the Accept page said, we have sent {name} your email address." in intro_mentor
    assert f"Reply to this email to write to {name} directly ({address})." in intro_mentor
    assert page.errors == []

    # 3. Without a rebuild: the card says full, the form has gone, and both pages pass axe.
    page.goto(stack.url + "mentors/")
    badge = page.locator('.card[data-mentor="ana-example"] .badge[data-live]')
    expect(badge).to_have_text("Full — not taking requests now", timeout=15_000)
    assert page.locator(".badge[data-live]").count() == 1  # nobody else changed
    origin = stack.url.split("/sub/")[0]
    with urllib.request.urlopen(
        urllib.request.Request(stack.receiver.url + "/availability.json", headers={"Origin": origin}), timeout=10
    ) as response:
        assert response.headers["Access-Control-Allow-Origin"] == origin
        assert json.loads(response.read())["mentors"]["ana-example"] == "full"
    assert violations(page, axe) == []
    page.goto(stack.url + "mentors/ana-example/")
    expect(page.locator("#contact [data-availability-status]")).to_have_text(
        "Ana Example is full and not taking requests now."
    )
    expect(page.locator("form.contact-form")).to_have_count(0)
    expect(page.locator("#contact .notice strong")).to_have_text("Ana Example is not taking new mentees right now.")
    assert violations(page, axe) == []
    assert page.errors == []


# 4: prefetching every link changes nothing ------------------------------------------------------


def test_fetching_every_link_of_a_mail_again_and_again_changes_nothing(stack, page):
    """Accept, Decline and Pause, each fetched three times over plain HTTP (GET and HEAD, as mail
    scanners do) and three times in Chromium: each answers its confirmation page (200) and the requests,
    mails and mentor_state tables are unchanged, row for row. The links still work afterwards."""
    reference = post_request(stack, "gus-example", "Prefetched request")
    links = answer_links(mails_for(stack.sink, reference, ["request", "ack"])["request"])
    outbox_settled(stack.database)
    before = snapshot(stack.database)
    headings = {"Accept": "Accept this request?", "Decline": "Decline this request?", "Pause": "Pause your profile?"}
    for word, link in links.items():
        for _ in range(3):
            status, html = fetch(link)
            assert status == 200 and f">{headings[word]}</h1>" in html
            assert fetch(link, method="HEAD") == (200, "")
            response = page.goto(link)
            assert response is not None and response.status == 200
            expect(page.get_by_role("heading", level=1)).to_have_text(headings[word])
    assert snapshot(stack.database) == before
    assert state_of(stack.database, reference) == "delivered"
    # The prefetched link still works: declining closes this request (so the clock test below finds
    # only its own request open).
    status, html = confirm(stack, links["Decline"])
    assert status == 200 and ">Request declined</h1>" in html
    assert state_of(stack.database, reference) == "declined"


# 5: reminder, coordinator and expiry on an injected clock ----------------------------------------


def similar(message: EmailMessage) -> list[tuple[str, str]]:
    """(name, slug) of the mentors an expired or declined mail offers, in order."""
    return re.findall(r"^- (.+?): \S+/mentors/([a-z0-9-]+)/$", message.get_content().replace("\r\n", "\n"), re.M)


def test_an_unanswered_request_is_reminded_then_expires_on_an_injected_clock(stack):
    """Days pass on the scheduler's clock: after 3 days the reminder reaches Hal with the answer
    links, after 7 the coordinator is told, after 14 the request is 'expired' and the mentee is
    offered exactly the open similar mentors: not Hal, not Eve (full), not Ben (not accepting),
    not Ana (no shared tag); three at most, by name."""
    eve = post_request(stack, "eve-example", "Fills Eve's one place")
    status, html = confirm(stack, answer_links(mails_for(stack.sink, eve, ["request", "ack"])["request"])["Accept"])
    assert status == 200 and ">Request accepted</h1>" in html
    reference = post_request(stack, "hal-example", "Waiting for Hal")
    mails_for(stack.sink, reference, ["request", "ack"])
    store = Store(stack.database)
    try:
        scheduler = Scheduler(store, resolve(stack.site, load_config(stack.site), database=stack.database))
        start = utcnow()
        quiet = {"expired": 0, "coordinator": 0, "reminder": 0}
        assert scheduler.run_once(start + timedelta(days=2, hours=23)) == quiet
        assert scheduler.run_once(start + timedelta(days=3, minutes=1)) == {**quiet, "reminder": 1}
        reminder = mails_for(stack.sink, reference, ["request", "ack", "reminder"])["reminder"]
        assert recipients(stack.sink, reference, "reminder") == [["hal.private@example.org"]]
        assert reminder["Subject"] == f"Reminder: mentoring request from {MENTEE[0]}"
        links = answer_links(reminder)
        assert fetch(links["Accept"])[0] == 200
        assert scheduler.run_once(start + timedelta(days=7, minutes=1)) == {**quiet, "coordinator": 1}
        mails_for(stack.sink, reference, ["request", "ack", "reminder", "coordinator"])
        assert recipients(stack.sink, reference, "coordinator") == [[COORDINATOR]]
        assert scheduler.run_once(start + timedelta(days=14, minutes=1)) == {**quiet, "expired": 1}
        kinds = ["request", "ack", "reminder", "coordinator", "expired"]
        expired = mails_for(stack.sink, reference, kinds)["expired"]
        assert scheduler.run_once(start + timedelta(days=30)) == quiet
    finally:
        store.close()
    assert recipients(stack.sink, reference, "expired") == [[MENTEE[1]]]
    assert expired["Subject"] == f"About your mentoring request {reference}"
    raw = next(r.data for r in stack.sink.of_kind("expired") if r.message["X-Mentorsite-Reference"] == reference)
    assert b"private@" not in raw
    assert similar(expired) == [
        ("Gus Example", "gus-example"),
        ("Ida Example", "ida-example"),
        ("Jo Example", "jo-example"),
    ]
    assert state_of(stack.database, reference) == "expired"
    # The reminder's links now say so and change nothing.
    status, html = confirm(stack, links["Accept"])
    assert status == 409 and ">Already answered</h1>" in html
    assert state_of(stack.database, reference) == "expired"
