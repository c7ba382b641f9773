"""The receiver under attack (issue 14): header injection, privacy and rate-limit cases, each
against a real `mentorsite receive` process, a real SQLite file and a real SMTP server
(aiosmtpd), all on 127.0.0.1. The `mentorsite requests` commands run as their own processes
on the database the receiver wrote.

One receiver serves most of the module; it trusts X-Forwarded-For from 127.0.0.1, so each test
speaks as its own client. Every test that stores requests writes to its own mentor, so the
per-mentor cap of one test cannot affect another.
"""

from __future__ import annotations

import csv
import http.client
import io
import itertools
import os
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

pytest.importorskip("aiosmtpd")

from receiver_kit import BIO, PROFILES, ReceiverProcess, SmtpSink, free_port, outbox_settled, write_site  # noqa: E402
from test_receiver_http import form, hidden_token, post_json, request  # noqa: E402

from mentorsite.receiver.mail import HEADERS  # noqa: E402
from mentorsite.receiver.store import COLUMNS  # noqa: E402

SECRET = "receiver-test-secret-0123456789"  # the one test_receiver_http's token() signs with
SITE = "http://127.0.0.1:8000"
COORDINATOR = "coordinator.private@example.org"
REFUSED = "refused.private@example.org"
CAP = 3
_ips = itertools.count(1)

#: Each storing test has its own mentor (accepting, with a private address in the profile).
MENTORS = {
    slug: {"name": name, "accepting": True, "email": f"{slug.split('-')[0]}.private@example.org", "formats": []}
    for slug, name in (
        ("show-example", "Show Example"),
        ("csv-example", "Csv Example"),
        ("wall-example", "Wall Example"),
        ("refused-example", "Refused Example"),
        ("cap-example", "Cap Example"),
        ("other-example", "Other Example"),
    )
}
#: Every private address of the test site: none may reach a page or the log.
PRIVATE = {COORDINATOR, *(p["email"] for p in PROFILES.values() if p["email"])} | {p["email"] for p in MENTORS.values()}

#: A site override of base.html printing what a careless template might: the entry given to
#: the review page, its recipient, and (only for one test's name) the coordinator's address.
BASE_OVERRIDE = """{% extends "!theme/base.html" %}
{% block scripts %}
<p id="leak">entry={{ entry }} recipient={{ entry.recipient|default("none") if entry else "" }}
{% if values is defined and values.name == "Show the coordinator" %}{{ site.contact.coordinator_email }}{% endif %}</p>
{{ super() }}
{% endblock %}
"""


@dataclass
class Service:
    receiver: ReceiverProcess
    sink: SmtpSink
    database: Path
    site: Path

    def rows(self, **where) -> list[dict]:
        sql = "SELECT * FROM requests" + (" WHERE " + " AND ".join(f"{k} = ?" for k in where) if where else "")
        with sqlite3.connect(self.database) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql + " ORDER BY id", tuple(where.values()))]

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "mentorsite", "requests", *args, str(self.site), "--database", str(self.database)],
            capture_output=True,
            text=True,
            timeout=60,
        )


def wait_until(condition, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise TimeoutError(what)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = tmp_path_factory.mktemp("attack")
    sink = SmtpSink(refuse={REFUSED: f"550 5.1.1 <{REFUSED}>: Recipient address rejected"}).start()
    port = free_port()
    site = write_site(
        root / "site",
        base_url=f"{SITE}/",
        action=f"http://127.0.0.1:{port}/requests",
        contact={
            "rate_limit": 5,
            "rate_window_seconds": 600,
            "mentor_daily_limit": CAP,
            "min_fill_seconds": 1.0,
            "retry_base_seconds": 0.2,
            "retry_max_seconds": 1.0,
            "from_email": "mentors@example.org",
            "coordinator_email": COORDINATOR,
        },
        profiles={**PROFILES, **MENTORS},
    )
    (site / "templates").mkdir()
    (site / "templates" / "base.html").write_text(BASE_OVERRIDE, encoding="utf-8")
    # A profile not reviewed for years, on a site that hides such profiles.
    text = (site / "site.toml").read_text(encoding="utf-8")
    (site / "site.toml").write_text(text.replace("[contact]", 'stale_profiles = "hide"\n\n[contact]'), "utf-8")
    (site / "mentors" / "old-example.yaml").write_text(
        "name: Old Example\nheadline: Happy to help with a first leadership role\ntags: [leadership]\n"
        f"formats: []\navailability:\n  accepting: true\nbio: |\n  {BIO}\n"
        "email: old.private@example.org\nlast_reviewed: 2001-01-01\n",
        encoding="utf-8",
    )
    PRIVATE.add("old.private@example.org")
    receiver = ReceiverProcess(
        site,
        root / "data" / "requests.sqlite3",
        smtp_port=sink.port,
        port=port,
        args=("--trusted-proxy", "127.0.0.1"),
        env={"MENTORSITE_RECEIVER_SECRET": SECRET},
    )
    try:
        yield Service(receiver.start(), sink, receiver.database, site)
    finally:
        code = receiver.stop()
        sink.stop()
    log = receiver.output()
    assert code == 0
    assert "Traceback" not in log, log
    assert not [a for a in PRIVATE if a in log.lower()], log  # no private address in the log, ever
    for received in sink.received:  # every delivered message has exactly the expected headers
        assert sorted(k.lower() for k in received.message) == sorted(HEADERS)


def ip() -> str:
    return f"203.0.113.{next(_ips)}"


# Header injection -------------------------------------------------------------------------------

#: On Python without the CVE-2024-6923 fix (3.11.7) these decode into real header lines.
ENCODED_NAME = "=?utf-8?q?Eve=0D=0ABcc:_x@evil.example?="
#: Passes the address syntax check (every character is allowed in a local part).
ENCODED_LOCAL_PART = "=?utf-8?q?x=0D=0ABcc=3A=20x=40evil.example?=@example.org"


def test_encoded_word_injection_through_name_and_email_is_refused(service):
    """The attack of issue 14 through the real form: refused with 422, nothing stored, nothing sent."""
    outbox_settled(service.database)  # earlier tests' mails (acknowledgements too) have arrived
    before, mails = len(service.rows()), len(service.sink.received)
    status, _, answer = post_json(service, form(mentor="wall-example", name=ENCODED_NAME), ip=ip())
    assert (status, answer["errors"]) == (
        422,
        {"name": "Please remove “=?” and “?=” from your name: email programs read them as encoded text."},
    )
    status, _, answer = post_json(service, form(mentor="wall-example", email=ENCODED_LOCAL_PART), ip=ip())
    assert (status, answer["errors"]) == (
        422,
        {"email": "Please remove “=?” and “?=” from your email address: email programs read them as encoded text."},
    )
    status, _, answer = post_json(service, form(mentor="wall-example", name="Eve\u2028Bcc: x@evil.example"), ip=ip())
    assert (status, answer["errors"]) == (422, {"name": "Please write your name on one line."})
    time.sleep(0.3)
    assert (len(service.rows()), len(service.sink.received)) == (before, mails)


def test_a_stored_injection_is_never_handed_to_smtp(service):
    """The second wall: a row that bypassed validation (an older version stored it, say) is
    refused by the mail checks and kept as failed with the reason; the SMTP server gets nothing."""
    status, _, answer = post_json(service, form(mentor="wall-example"), ip=ip())
    assert status == 201
    (good,) = service.rows(reference=answer["reference"])
    wait_until(lambda: service.rows(reference=good["reference"])[0]["status"] == "sent", what="first delivery")
    forged = {k: v for k, v in good.items() if k != "id"} | {
        "reference": "MR-FAKE-0001",
        "message_id": "<mr-fake-0001@example.org>",
        "token_nonce": "forged",
        "name": ENCODED_NAME,
        "status": "queued",
        "attempts": 0,
        "sent_at": None,
        "next_attempt_at": time.time(),
    }
    with sqlite3.connect(service.database) as conn:
        conn.execute(
            f"INSERT INTO requests ({', '.join(forged)}) VALUES ({', '.join('?' * len(forged))})",
            tuple(forged.values()),
        )
    wait_until(lambda: service.rows(reference="MR-FAKE-0001")[0]["status"] == "failed", what="refusal")
    (row,) = service.rows(reference="MR-FAKE-0001")
    assert row["last_error"] == (
        "refused to send an unsafe message: the mentee's name contains encoded-word syntax (=? … ?=)"
    )
    assert row["attempts"] == 1
    assert not [r for r in service.sink.received if b"MR-FAKE-0001" in r.data]
    assert "request MR-FAKE-0001: delivery failed permanently: refused to send an unsafe message" in (
        service.receiver.output()
    )


# Privacy ----------------------------------------------------------------------------------------


def test_review_page_gives_templates_no_private_address(service):
    """A site template printing the entry shows its public fields; `recipient` is not there."""
    status, _, body = request(service, "POST", "/requests", form(mentor="show-example", ts=""), ip=ip())
    page = body.decode()
    assert status == 200 and "Check your request, then send it" in page
    leak = re.search(r'<p id="leak">(.*?)</p>', page, re.S).group(1)
    assert leak.split("recipient=")[1].strip() == "none"
    assert "PublicEntry(slug=&#39;show-example&#39;, name=&#39;Show Example&#39;" in leak
    assert not [a for a in PRIVATE if a in page.lower()]


def test_review_page_with_a_private_address_is_not_served(service):
    """The build's private-address guard covers the receiver's page: a template printing the
    coordinator's address gets the plain page instead, and the log says why (without it)."""
    status, headers, body = request(
        service, "POST", "/requests", form(mentor="show-example", name="Show the coordinator", ts=""), ip=ip()
    )
    page = body.decode()
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert '<p id="leak">' not in page and "<h1>Check your request, then send it</h1>" in page
    assert not [a for a in PRIVATE if a in page.lower()]
    assert "review page: the site's templates put a private address on the page" in service.receiver.output()
    # An address the visitor typed is theirs to see: the page is served in the site's look.
    status, _, body = request(
        service,
        "POST",
        "/requests",
        form(mentor="show-example", message="I wrote to show.private@example.org before.", ts=""),
        ip=ip(),
    )
    assert status == 200 and '<p id="leak">' in body.decode()


def test_stale_mentor_hidden_by_the_site_cannot_be_contacted(service):
    before = len(service.rows())
    status, _, answer = post_json(service, form(mentor="old-example"), ip=ip())
    assert (status, answer["errors"]) == (
        422,
        {"mentor": "This mentor is not in the directory any more. Please choose another mentor."},
    )
    assert len(service.rows()) == before


def test_smtp_refusal_quoting_the_address_is_redacted_in_log_and_list(service):
    status, _, answer = post_json(service, form(mentor="refused-example"), ip=ip())
    assert status == 201
    reference = answer["reference"]
    wait_until(lambda: service.rows(reference=reference)[0]["status"] == "failed", what="permanent failure")
    expected = "recipient refused: 550 5.1.1 <[address redacted]>: Recipient address rejected"
    assert service.rows(reference=reference)[0]["last_error"] == expected
    assert f"request {reference}: delivery failed permanently: {expected}" in service.receiver.output()
    listed = service.cli("list", "--status", "failed")
    assert listed.returncode == 0, listed.stderr
    assert f"last error: {expected}" in listed.stdout and REFUSED not in listed.stdout
    shown = service.cli("show", reference)
    assert f"last_error: {expected}" in shown.stdout.splitlines()


def test_requests_show_multi_line_values_cannot_fake_fields(service):
    message = "Hello\nstatus: sent\nrecipient: eve@evil.example\nlast_error: none"
    status, _, answer = post_json(service, form(mentor="show-example", message=message), ip=ip())
    assert status == 201
    shown = service.cli("show", answer["reference"])
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert [line.split(":")[0] for line in lines if not line.startswith(" ")] == list(COLUMNS)
    start = lines.index("message: |")
    assert lines[start + 1 : start + 5] == [
        "  Hello",
        "  status: sent",
        "  recipient: eve@evil.example",
        "  last_error: none",
    ]


#: Formula triggers after every separator a spreadsheet might split on, and after white space.
HOSTILE = {
    "name": "Bob;=1+1;@SUM(2)",
    "hope_to_gain": "a,+1\tb -2 |=3",
    "goals": "  =cmd|' /C calc'!A0",
    "message": "Hi\n@SUM(1)\n-2 and ;=3",
}


def _starts_like_a_formula(cell: str) -> bool:
    return cell.strip().strip('"').lstrip().startswith(("=", "+", "-", "@"))


def test_export_is_private_from_creation_and_formula_safe_whatever_the_separator(service, tmp_path):
    status, _, answer = post_json(service, form(mentor="csv-example", **HOSTILE), ip=ip())
    assert status == 201
    output = tmp_path / "requests.csv"
    output.write_text("old, world-readable\n", encoding="utf-8")
    output.chmod(0o644)
    result = service.cli("export", "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert os.stat(output).st_mode & 0o777 == 0o600
    text = output.read_text(encoding="utf-8")
    assert "old, world-readable" not in text
    # A reader honouring quotes, whatever separator it is set to: no cell is a formula.
    for delimiter in (",", ";", "\t", " ", "|"):
        cells = [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]
        assert not [c for c in cells if _starts_like_a_formula(c)], delimiter
    # A naive reader splitting lines on a separator and ignoring quotes: none either.
    for separator in (",", ";", "\t", " ", "|"):
        cells = [cell for line in text.splitlines() for cell in line.split(separator)]
        assert not [c for c in cells if _starts_like_a_formula(c)], separator
    # What the organisation reads back with the comma it was written with:
    (row,) = [r for r in csv.DictReader(io.StringIO(text)) if r["reference"] == answer["reference"]]
    assert row["name"] == "Bob;'=1+1;'@SUM(2)"
    assert row["hope_to_gain"] == "a,'+1\tb '-2 |'=3"


# Rate limits ------------------------------------------------------------------------------------


def _invalid(service, address: str) -> int:
    """A post that counts against the client's limit but stores nothing."""
    status, _, _ = post_json(service, form(name=""), ip=address)
    return status


def test_ipv6_clients_are_limited_by_their_64(service):
    assert [_invalid(service, f"2001:db8:1:2::{n}") for n in range(1, 6)] == [422] * 5
    assert _invalid(service, "2001:db8:1:2:ffff:ffff:ffff:ffff") == 429  # same /64
    assert _invalid(service, "2001:db8:1:3::1") == 422  # the next /64 is another client


def test_ipv4_mapped_address_is_the_ipv4_client(service):
    assert [_invalid(service, "::ffff:198.51.100.200") for _ in range(5)] == [422] * 5
    assert _invalid(service, "198.51.100.200") == 429


def test_per_mentor_cap(service):
    for _ in range(CAP):
        status, _, _ = post_json(service, form(mentor="cap-example"), ip=ip())
        assert status == 201
    status, headers, answer = post_json(service, form(mentor="cap-example"), ip=ip())
    assert (status, answer["code"]) == (429, "mentor_busy")
    assert answer["message"] == (
        "Cap Example has received many requests today, so yours was not sent. "
        "Please try again tomorrow, or choose another mentor."
    )
    assert 86_000 < int(headers["retry-after"]) <= 86_400
    assert len(service.rows(mentor="cap-example")) == CAP
    status, _, _ = post_json(service, form(mentor="other-example"), ip=ip())
    assert status == 201


def test_non_ascii_signed_timestamp_is_a_400_not_a_500(service):
    for ts in ("١٢٣٤.abc.def", "²³.abc.def", "1700000000000.é.x", "1700000000000.abc.dé"):
        status, _, answer = post_json(service, form(ts=ts), ip=ip())
        assert (status, answer["code"], answer["status"]) == (400, "token", "invalid"), ts
    status, _, body = request(service, "POST", "/requests", form(ts="١٢٣٤.abc.def"), ip=ip())
    assert status == 200 and hidden_token(body.decode()).split(".")[0].isascii()


def test_forwarded_headers_from_an_untrusted_proxy(tmp_path):
    """Without --trusted-proxy, form requests relayed by a local proxy are refused (503) and
    the log names the fix; with it, on a dual-stack listener (peer ::ffff:127.0.0.1), each
    forwarded client has its own limit. A request without forwarding headers is served."""
    sink = SmtpSink().start()
    port = free_port()
    site = write_site(
        tmp_path / "site",
        base_url=f"{SITE}/",
        action=f"http://127.0.0.1:{port}/requests",
        contact={"rate_limit": 2, "min_fill_seconds": 1.0, "from_email": "mentors@example.org"},
    )
    database = tmp_path / "data" / "requests.sqlite3"
    env = {"MENTORSITE_RECEIVER_SECRET": SECRET}
    untrusted = ReceiverProcess(site, database, smtp_port=sink.port, port=port, args=("--host", "::"), env=env)
    try:
        service = Service(untrusted.start(), sink, database, site)
        for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
            status, _, answer = post_json(service, form(name=""), headers={header: "for=192.0.2.1"})
            assert (status, answer["code"]) == (503, "proxy_not_trusted"), header
        assert answer["message"] == (
            "The contact form is not set up correctly on our side, so nothing was sent. "
            "Please try again later; we have been told."
        )
        status, _, _ = request(service, "GET", "/requests/token", headers={"X-Forwarded-For": "192.0.2.1"})
        assert status == 503
        log = untrusted.output()
        assert log.count("refusing form requests relayed by 127.0.0.1") == 1  # once, not per request
        assert (
            "they carry X-Forwarded-For, but the receiver was not told to trust a proxy at 127.0.0.1, so every "
            "visitor behind it would share one rate limit. If 127.0.0.1 is your reverse proxy, restart with "
            "--trusted-proxy 127.0.0.1"
        ) in log
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        plain.request(
            "POST",
            "/requests",
            body=urlencode(form(name="")),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        )
        assert plain.getresponse().status == 422  # no forwarding headers: served as usual
        plain.close()
    finally:
        untrusted.stop()
    trusted = ReceiverProcess(
        site, database, smtp_port=sink.port, port=port, args=("--host", "::", "--trusted-proxy", "127.0.0.1"), env=env
    )
    try:
        service = Service(trusted.start(), sink, database, site)
        assert [_invalid(service, "192.0.2.1") for _ in range(3)] == [422, 422, 429]
        assert _invalid(service, "192.0.2.2") == 422  # keyed by the forwarded client, not the proxy
    finally:
        trusted.stop()
        sink.stop()
    assert "Traceback" not in trusted.output()


def test_trusted_proxy_must_be_an_address(tmp_path):
    site = write_site(tmp_path / "site", base_url=f"{SITE}/", action="http://127.0.0.1:8787/requests")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mentorsite",
            "receive",
            str(site),
            "--database",
            str(tmp_path / "r.db"),
            "--port",
            str(free_port()),
            "--trusted-proxy",
            "proxy.internal",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "--trusted-proxy 'proxy.internal' is not an IP address (e.g. 127.0.0.1 or ::1)" in result.stderr
