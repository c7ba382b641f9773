"""The receiver over HTTP: a real `mentorsite receive` process, a real SQLite file, a real SMTP
server (aiosmtpd) — all on 127.0.0.1.

One receiver serves the whole module. It trusts X-Forwarded-For from 127.0.0.1 (as behind a
reverse proxy), so each test speaks as its own client address and the per-IP rate limit of one
test cannot affect another.
"""

from __future__ import annotations

import http.client
import itertools
import json
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

pytest.importorskip("aiosmtpd")

from receiver_kit import ReceiverProcess, SmtpSink, free_port, outbox_settled, write_site  # noqa: E402

from mentorsite.receiver.answers import LinkSigner, links_for  # noqa: E402
from mentorsite.receiver.tokens import MAX_AGE, Signer  # noqa: E402

SECRET = "receiver-test-secret-0123456789"
SITE = "http://127.0.0.1:8000"
THANKS = f"{SITE}/contact/thanks/"
REF = re.compile(r"^MR-[0-9A-Z]{4}-[0-9A-Z]{4}$")
_ips = itertools.count(1)


@dataclass
class Service:
    receiver: ReceiverProcess
    sink: SmtpSink
    database: Path

    def rows(self) -> list[dict]:
        with sqlite3.connect(self.database) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute("SELECT * FROM requests ORDER BY id")]

    def row(self, reference: str) -> dict:
        found = [r for r in self.rows() if r["reference"] == reference]
        assert len(found) == 1, f"{reference}: {len(found)} rows"
        return found[0]

    def delivered(self, message_id: str, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [r for r in list(self.sink.received) if r.message["Message-ID"] == message_id]
            if found:
                return found
            time.sleep(0.02)
        raise TimeoutError(f"{message_id} was not delivered:\n{self.receiver.output()}")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = tmp_path_factory.mktemp("receiver")
    contacts = root / "private" / "contacts.toml"
    contacts.parent.mkdir()
    contacts.write_text('cleo-example = "cleo@example.org"\n', encoding="utf-8")
    sink = SmtpSink().start()
    port = free_port()
    site = write_site(
        root / "site",
        base_url=f"{SITE}/",
        action=f"http://127.0.0.1:{port}/requests",
        contact={
            "rate_limit": 5,
            "rate_window_seconds": 600,
            "min_fill_seconds": 1.0,
            "max_body_bytes": 4096,
            "retry_base_seconds": 0.2,
            "retry_max_seconds": 1.0,
            "from_email": "mentors@example.org",
            "contacts_file": str(contacts),
        },
    )
    receiver = ReceiverProcess(
        site,
        root / "data" / "requests.sqlite3",
        smtp_port=sink.port,
        port=port,
        args=("--trusted-proxy", "127.0.0.1"),
        env={"MENTORSITE_RECEIVER_SECRET": SECRET},
    )
    try:
        yield Service(receiver.start(), sink, receiver.database)
    finally:
        code = receiver.stop()
        sink.stop()
    assert code == 0
    assert "Traceback" not in receiver.output(), receiver.output()


def token(age: float = 5.0) -> str:
    """A timestamp the receiver issued `age` seconds ago (signed with the receiver's key)."""
    return Signer(SECRET.encode()).issue(now=time.time() - age)


def form(**changes) -> dict:
    data = {
        "mentor": "ana-example",
        "name": "Zoë Mentee",
        "email": "zoe@example.org",
        "hope_to_gain": "Confidence leading a team.",
        "goals": "Run a team of five within a year.",
        "format": "one-to-one",
        "cadence": "monthly",
        "message": "Hello Ana,\r\ncould we have a 30-minute call?",
        "consent": "yes",
        "website": "",
        "ts": token(),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def request(
    service: Service,
    method: str,
    path: str,
    body: bytes | str | dict | None = None,
    *,
    json_answer: bool = False,
    origin: str | None = SITE,
    ip: str | None = None,
    headers: dict | None = None,
) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", service.receiver.port, timeout=10)
    sent = {"X-Forwarded-For": ip or f"198.51.100.{next(_ips)}"}
    if json_answer:
        sent["Accept"] = "application/json"
    if origin:
        sent["Origin"] = origin
    if isinstance(body, dict):
        body = urlencode(body)
    if body is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    sent.update(headers or {})
    conn.request(method, path, body=body.encode() if isinstance(body, str) else body, headers=sent)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def post_json(service, data, **kwargs):
    status, headers, body = request(service, "POST", "/requests", data, json_answer=True, **kwargs)
    return status, headers, json.loads(body)


def hidden_token(page: str) -> str:
    return re.search(r'name="ts" value="([^"]+)"', page).group(1)


# The happy paths --------------------------------------------------------------------------------


def test_fetch_submission_is_stored_then_delivered_exactly(service):
    status, headers, answer = post_json(service, form())
    assert status == 201
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["access-control-allow-origin"] == SITE
    reference = answer["reference"]
    assert REF.match(reference)
    assert answer == {
        "ok": True,
        "reference": reference,
        "thanks_url": f"{THANKS}?ref={reference}",
        "message": f"Thank you! Your request has been received (reference {reference}). "
        "The mentor will reply to you by email.",
    }
    # Stored before the answer: the row exists the moment the 201 arrives.
    row = service.row(reference)
    assert {
        k: row[k]
        for k in (
            "mentor",
            "mentor_name",
            "recipient",
            "name",
            "email",
            "hope_to_gain",
            "goals",
            "format",
            "cadence",
            "message",
            "consent",
        )
    } == {
        "mentor": "ana-example",
        "mentor_name": "Ana Example",
        "recipient": "ana.private@example.org",
        "name": "Zoë Mentee",
        "email": "zoe@example.org",
        "hope_to_gain": "Confidence leading a team.",
        "goals": "Run a team of five within a year.",
        "format": "one-to-one",
        "cadence": "monthly",
        "message": "Hello Ana,\ncould we have a 30-minute call?",
        "consent": 1,
    }
    (received,) = service.delivered(row["message_id"])
    assert received.mail_from == "mentors@example.org"
    assert received.rcpt_tos == ["ana.private@example.org"]
    msg = received.message
    created = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
    assert {k: str(msg[k]) for k in ("From", "To", "Reply-To", "Subject", "Message-ID", "X-Mentorsite-Reference")} == {
        "From": "Receiver Test Mentors <mentors@example.org>",
        "To": "Ana Example <ana.private@example.org>",
        "Reply-To": "Zoë Mentee <zoe@example.org>",
        "Subject": "Mentoring request from Zoë Mentee",
        "Message-ID": row["message_id"],
        "X-Mentorsite-Reference": reference,
    }
    assert msg["Bcc"] is None and msg["Cc"] is None
    links = links_for(
        LinkSigner(SECRET.encode()),
        reference=reference,
        mentor="ana-example",
        created_at=row["created_at"],
        receiver_url=service.receiver.url,
        days=14,
    )
    assert msg.get_content().replace("\r\n", "\n") == (
        "Hello Ana Example,\n\n"
        "Zoë Mentee found you in Receiver Test Mentors and would like to talk with you about mentoring. "
        "They agreed that these details are shared with you.\n\n"
        "Reply to this email to answer Zoë Mentee directly (zoe@example.org).\n\n"
        "What they hope to gain\n----------------------\nConfidence leading a team.\n\n"
        "Their goals\n-----------\nRun a team of five within a year.\n\n"
        "Preferred format: One-to-one\nPreferred cadence: Monthly\n\n"
        "Their message\n-------------\nHello Ana,\ncould we have a 30-minute call?\n\n"
        "Answer in one click\n-------------------\n"
        f"Accept: {links.accept}\n\n"
        f"Decline (you may give a reason or suggest another mentor): {links.decline}\n\n"
        f"I'm full, pause my profile: {links.pause}\n\n"
        "Each link opens a page where you confirm; nothing changes until you do.\n"
        f"The links work until {(created + timedelta(days=14)).strftime('%-d %B %Y')}.\n\n"
        "-- \n"
        f"Reference {reference}, received {created.strftime('%-d %B %Y at %H:%M UTC')}\n"
        "through the contact form of Receiver Test Mentors (Test Org).\n"
        "Your address was not shown to Zoë Mentee; it is theirs only if you reply.\n"
    )
    deadline = time.monotonic() + 5
    while service.row(reference)["status"] != "sent" and time.monotonic() < deadline:
        time.sleep(0.02)
    done = service.row(reference)
    assert (done["status"], done["attempts"], done["interrupted"], done["last_error"]) == ("sent", 1, 0, None)


def test_address_from_the_contacts_file(service):
    status, _, answer = post_json(service, form(mentor="cleo-example", format="peer"))
    assert status == 201
    row = service.row(answer["reference"])
    (received,) = service.delivered(row["message_id"])
    assert received.rcpt_tos == ["cleo@example.org"]
    assert received.message["To"] == "Cléo Exemple <cleo@example.org>"


def test_no_javascript_form_post_reviews_then_redirects_303(service):
    ip = "192.0.2.10"
    before = len(service.rows())
    # 1. The static page's form has an empty ts: the receiver shows the request back to check.
    status, headers, body = request(service, "POST", "/requests", form(ts=""), ip=ip)
    page = body.decode()
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert "Check your request, then send it" in page
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert 'value="Zoë Mentee"' in page and "Hello Ana,\ncould we have a 30-minute call?</textarea>" in page
    assert '<option value="one-to-one" selected>' in page and 'name="consent" value="yes" required checked' in page
    assert "ana.private@example.org" not in page  # a private address never reaches HTML
    assert f'action="http://127.0.0.1:{service.receiver.port}/requests"' in page
    assert len(service.rows()) == before
    fresh = hidden_token(page)
    # 2. Pressing "Send request" at once is too quick for a person: shown again, not stored.
    status, _, body = request(service, "POST", "/requests", form(ts=fresh), ip=ip)
    assert status == 200 and "That was very quick!" in body.decode()
    assert len(service.rows()) == before
    # 3. A moment later it is stored and the browser is sent to the thank-you page.
    time.sleep(1.05)
    status, headers, body = request(service, "POST", "/requests", form(ts=fresh), ip=ip)
    assert status == 303, body
    location = headers["location"]
    assert location.startswith(f"{THANKS}?ref=") and REF.match(location.split("=", 1)[1])
    reference = location.split("=", 1)[1]
    assert len(service.rows()) == before + 1
    service.delivered(service.row(reference)["message_id"])
    # 4. Back, and "Send request" again: the same request, not a second one.
    status, headers, _ = request(service, "POST", "/requests", form(ts=fresh), ip=ip)
    assert (status, headers["location"]) == (303, location)
    assert len(service.rows()) == before + 1
    # 5. The same form used for a different request needs a fresh check.
    status, _, body = request(service, "POST", "/requests", form(ts=fresh, message="Another question"), ip=ip)
    assert status == 200 and "You already sent a request from this form" in body.decode()
    assert hidden_token(body.decode()) != fresh
    assert len(service.rows()) == before + 1


# Refusals ---------------------------------------------------------------------------------------


def test_invalid_fields_422_json(service):
    before = len(service.rows())
    status, headers, answer = post_json(service, form(name="", email="zoe@", message="x" * 2001, consent=None))
    assert status == 422 and headers["access-control-allow-origin"] == SITE
    assert answer == {
        "ok": False,
        "code": "invalid",
        "message": "Please correct the 4 highlighted fields; nothing was sent yet.",
        "errors": {
            "name": "Please enter your name.",
            "email": "Please enter a valid email address, such as name@example.org.",
            "message": "Please keep a short message to 2,000 characters or fewer (it has 2,001).",
            "consent": "Please agree that your details are shared with the mentor; we cannot send the request otherwise.",
        },
    }
    assert len(service.rows()) == before


def test_invalid_fields_422_review_page_keeps_the_text(service):
    status, _, body = request(service, "POST", "/requests", form(email="zoe at example", goals="<b>big</b> plans"))
    page = body.decode()
    assert status == 422
    assert "Please check your request" in page and 'role="alert"' in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="c-email-help c-email-error"' in page
    assert '<p class="help field-error" id="c-email-error">Please enter a valid email address' in page
    assert "&lt;b&gt;big&lt;/b&gt; plans</textarea>" in page  # escaped, kept
    assert 'value="zoe at example"' in page


@pytest.mark.parametrize(
    "mentor, message",
    [
        ("ben-example", "Ben Example is not taking new mentees right now. Please choose another mentor."),
        ("dev-example", "Dev Example cannot be contacted through this form yet. Please choose another mentor."),
        ("no-such-mentor", "This mentor is not in the directory any more. Please choose another mentor."),
    ],
)
def test_mentor_not_available_422(service, mentor, message):
    status, _, answer = post_json(service, form(mentor=mentor))
    assert (status, answer["errors"]) == (422, {"mentor": message})


def test_header_injection_cannot_add_headers(service):
    before = len(service.rows())
    status, _, answer = post_json(service, form(name="Eve\r\nBcc: victim@example.org"))
    assert (status, answer["errors"]) == (422, {"name": "Please write your name on one line."})
    status, _, answer = post_json(service, form(email="eve@example.org\nBcc: victim@example.org"))
    assert (status, answer["errors"]) == (422, {"email": "Please write your email address on one line."})
    assert len(service.rows()) == before
    # Address syntax inside a one-line name stays part of the display name.
    status, _, answer = post_json(service, form(name="Eve <ceo@example.org>, Bcc: victim@example.org"))
    assert status == 201
    (received,) = service.delivered(service.row(answer["reference"])["message_id"])
    assert received.rcpt_tos == ["ana.private@example.org"]
    msg = received.message
    assert [a.addr_spec for a in msg["Reply-To"].addresses] == ["zoe@example.org"]
    assert msg["Reply-To"].addresses[0].display_name == "Eve <ceo@example.org>, Bcc: victim@example.org"
    assert msg["Bcc"] is None and b"\nBcc:" not in received.data


def test_honeypot_answers_like_success_but_stores_and_sends_nothing(service):
    outbox_settled(service.database)  # earlier tests' mails (acknowledgements too) have arrived
    before, mails = len(service.rows()), len(service.sink.received)
    status, headers, _ = request(service, "POST", "/requests", form(website="http://spam.example"))
    assert status == 303 and headers["location"].startswith(f"{THANKS}?ref=")
    assert REF.match(headers["location"].split("=", 1)[1])
    status, _, answer = post_json(service, form(website="http://spam.example"))
    assert status == 201 and REF.match(answer["reference"])
    time.sleep(0.5)
    assert len(service.rows()) == before and len(service.sink.received) == mails


def test_body_over_the_limit_413(service):
    status, headers, answer = post_json(service, form(message="x" * 5000))
    assert status == 413 and headers["access-control-allow-origin"] == SITE
    assert answer["code"] == "too_large"
    status, _, body = request(service, "POST", "/requests", "a=" + "x" * 5000)
    assert status == 413 and b"too large" in body


def test_rate_limit_429_per_client(service):
    ip = "192.0.2.77"
    for _ in range(5):
        status, _, _ = post_json(service, form(name=""), ip=ip)
        assert status == 422
    status, headers, answer = post_json(service, form(), ip=ip)
    assert status == 429 and answer["code"] == "rate_limited"
    assert 590 <= int(headers["retry-after"]) <= 600
    assert answer["message"].startswith("Too many requests from your network. Please try again in about 10 minutes")
    status, _, _ = post_json(service, form(), ip="192.0.2.78")  # another client is not affected
    assert status == 201


def test_cors_only_for_the_site_origin(service):
    status, headers, body = request(service, "GET", "/requests/token", json_answer=True)
    assert status == 200 and headers["access-control-allow-origin"] == SITE and headers["vary"] == "Origin"
    assert set(json.loads(body)) == {"ts", "min_fill_seconds"}
    status, headers, _ = request(service, "GET", "/requests/token", origin="https://evil.example")
    assert status == 403 and "access-control-allow-origin" not in headers
    status, headers, _ = request(service, "OPTIONS", "/requests", headers={"Access-Control-Request-Method": "POST"})
    assert status == 204 and headers["access-control-allow-origin"] == SITE
    assert headers["access-control-allow-methods"] == "POST, OPTIONS"
    status, headers, _ = request(service, "OPTIONS", "/requests", origin="https://evil.example")
    assert status == 403 and "access-control-allow-origin" not in headers
    before = len(service.rows())
    status, headers, answer = post_json(service, form(), origin="https://evil.example")
    assert status == 403 and answer["code"] == "origin" and "access-control-allow-origin" not in headers
    status, _, _ = post_json(service, form(), origin="null")
    assert status == 403
    assert len(service.rows()) == before
    status, headers, _ = request(service, "GET", "/requests/token", origin=None)  # curl, monitoring: no CORS headers
    assert status == 200 and "access-control-allow-origin" not in headers


def test_token_problems_tell_the_script_to_fetch_a_new_one(service):
    for ts, kind in ((None, "missing"), ("1.2.3", "invalid"), (token(age=MAX_AGE + 60), "expired")):
        status, _, answer = post_json(service, form(ts=ts))
        assert (status, answer["code"], answer["status"]) == (400, "token", kind)
    status, _, answer = post_json(service, form(ts=token(age=0)))
    assert (status, answer["code"]) == (400, "too_fast") and 0.5 < answer["retry_after"] <= 1.0


def test_other_methods_types_and_paths(service):
    status, headers, _ = request(service, "GET", "/requests", json_answer=True)
    assert status == 405 and headers["allow"] == "POST, OPTIONS"
    status, _, answer = request(
        service, "POST", "/requests", b"{}", json_answer=True, headers={"Content-Type": "application/json"}
    )
    assert status == 415
    status, _, answer = post_json(service, "name=a&name=b")
    assert status == 400 and answer["code"] == "bad_form"
    status, _, _ = request(service, "GET", "/elsewhere")
    assert status == 404
    status, _, body = request(service, "GET", "/healthz")
    assert (status, json.loads(body)) == (200, {"ok": True})


def test_cli_reads_the_live_database(service):
    from click.testing import CliRunner

    from mentorsite.cli import cli

    result = CliRunner().invoke(cli, ["requests", "list", "--database", str(service.database), "--limit", "0"])
    assert result.exit_code == 0, result.output
    assert sum(1 for line in result.output.splitlines() if line.startswith("MR-")) == len(service.rows())
