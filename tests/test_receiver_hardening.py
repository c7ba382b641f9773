"""The receiver's walls in-process (issue 14): the header-injection corpus against each wall on
its own, whatever the interpreter's patch level; redaction, client keys, CSV cells, the export
file's mode, stale profiles and the per-mentor cap. The same cases against a real receiver
process are in test_receiver_attack.py.
"""

from __future__ import annotations

import csv
import os
from dataclasses import replace

import pytest
from click.testing import CliRunner
from receiver_kit import PROFILES, VALID_FORM, write_site
from test_receiver_units import DIRECTORY, _row

from mentorsite.cli import cli
from mentorsite.config import load_config
from mentorsite.receiver.app import Request
from mentorsite.receiver.commands import _cell, _field_lines
from mentorsite.receiver.delivery import redact_addresses
from mentorsite.receiver.directory import load_directory
from mentorsite.receiver.headers import header_value_problem
from mentorsite.receiver.mail import HEADERS, UnsafeMessage, check_message_bytes, render_message
from mentorsite.receiver.ratelimit import client_key
from mentorsite.receiver.settings import resolve
from mentorsite.receiver.store import MentorBusy, Store
from mentorsite.receiver.validation import Submission, validate

SEND = {
    "sender": "mentors@example.org",
    "site_title": "Test Mentors",
    "organisation": "Test Org",
    "base_url": "https://example.org/",
}

#: Names that decode to extra headers somewhere (the email package before CVE-2024-6923's
#: fix, or a mail program), or break a line, or hide a break.
HOSTILE_NAMES = [
    "=?utf-8?q?Eve=0D=0ABcc:_x@evil.example?=",
    "=?UTF-8?Q?Eve=0D=0AFrom:_ceo@evil.example?=",
    "=?utf-8?b?RXZlDQpCY2M6IHhAZXZpbC5leGFtcGxl?=",
    "Eve =?iso-8859-1?q?=0A?= Bcc",
    "=?utf-8?q?Eve?= =?utf-8?q?=0D=0A?=",
    "Eve =? not well formed ?=",
    "Eve\rBcc: x@evil.example",
    "Eve\x85Bcc: x@evil.example",
    "Eve\u2028Bcc: x@evil.example",
    "Eve\u2029Bcc: x@evil.example",
    "Eve\x00",
    "Eve\x1bBcc",
]
#: Address local parts the address syntax allows, encoded words included.
HOSTILE_EMAILS = [
    "=?utf-8?q?x=0D=0ABcc=3A=20x=40evil.example?=@example.org",
    "=?utf-8?b?eA0KQmNjOiB4?=@example.org",
]
#: Names people have: quotes, commas, address syntax, long non-ASCII text.
FINE_NAMES = [
    "Zoë Mentee",
    'Eve "Boss" <ceo@example.org>, Bcc: victim@example.org',
    "O'Brien, Mary-Jane (she/her)",
    "Ünïcödé " * 11 + "Ü",
    "日本語の名前" * 15,
    "Łukasz  Double  Space",
    "x=y ?z",
    "😀 emoji " * 10,
    "a" * 100,
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_validation_refuses_hostile_names(name):
    _, errors, _ = validate({**VALID_FORM, "name": name}, DIRECTORY)
    assert set(errors) == {"name"}


@pytest.mark.parametrize("address", HOSTILE_EMAILS)
def test_validation_refuses_encoded_words_in_the_local_part(address):
    _, errors, _ = validate({**VALID_FORM, "email": address}, DIRECTORY)
    assert errors == {
        "email": "Please remove “=?” and “?=” from your email address: email programs read them as encoded text."
    }


@pytest.mark.parametrize(
    ("field", "value"), [("name", n) for n in HOSTILE_NAMES] + [("email", e) for e in HOSTILE_EMAILS]
)
def test_mail_refuses_hostile_values_that_bypassed_validation(tmp_path, field, value):
    row = _row(Store(tmp_path / "r.db"))
    forged = replace(row, request=Submission(**{**row.request.values, field: value}))
    for coordinator_mode in (False, True):
        with pytest.raises(UnsafeMessage) as refused:
            render_message(forged, **SEND, coordinator_mode=coordinator_mode)
        assert str(refused.value).startswith(f"the mentee's {'name' if field == 'name' else 'email address'} contains ")


@pytest.mark.parametrize(
    ("what", "value"),
    [("mentor_name", "=?utf-8?q?Ana=0ABcc:_x?="), ("recipient", "a=?x?=@example.org"), ("reference", "MR-\nBcc")],
)
def test_mail_refuses_unsafe_stored_details_naming_the_value_not_the_address(tmp_path, what, value):
    row = replace(_row(Store(tmp_path / "r.db")), **{what: value})
    with pytest.raises(UnsafeMessage) as refused:
        render_message(row, **SEND, coordinator_mode=False)
    assert "@" not in str(refused.value)


@pytest.mark.parametrize("name", FINE_NAMES)
def test_real_names_pass_every_check_with_exactly_the_expected_headers(tmp_path, name):
    row = _row(Store(tmp_path / "r.db"), name=name)
    for coordinator_mode in (False, True):
        data = render_message(row, **SEND, coordinator_mode=coordinator_mode)
        head = data.partition(b"\r\n\r\n")[0]
        names = [line.split(b":")[0].decode().lower() for line in head.split(b"\r\n") if line[:1] not in (b" ", b"\t")]
        assert sorted(names) == sorted(HEADERS)


#: The header block Python 3.11.7 generates for the name "=?utf-8?q?Eve=0D=0ABcc:_x@evil.example?=".
UNPATCHED = (
    b"From: Test Mentors <mentors@example.org>\r\n"
    b"To: Ana Example <ana.private@example.org>\r\n"
    b'Reply-To: "Eve\r\nBcc: x@evil.example" <zoe@example.org>\r\n'
    b"Subject: Mentoring request from Eve\r\n"
    b"Bcc: x@evil.example\r\n"
    b"Date: Sat, 01 Mar 2025 10:00:00 +0000\r\n"
    b"Message-ID: <mr-aaaa-bbbb.1@example.org>\r\n"
    b"X-Mentorsite-Reference: MR-AAAA-BBBB\r\n"
    b'Content-Type: text/plain; charset="utf-8"\r\n'
    b"Content-Transfer-Encoding: 7bit\r\n"
    b"MIME-Version: 1.0\r\n\r\nHello\r\n"
)
EXPECTED = {
    "from": ("mentors@example.org", "Test Mentors"),
    "to": ("ana.private@example.org", "Ana Example"),
    "reply-to": ("zoe@example.org", "Zoë Mentee"),
}


def _lines(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new)


CLEAN = _lines(
    _lines(UNPATCHED, b'"Eve\r\nBcc: x@evil.example" <zoe', b"=?utf-8?q?Zo=C3=AB?= Mentee <zoe"),
    b"Eve\r\nBcc: x@evil.example\r\n",
    b"=?utf-8?q?Zo=C3=AB?= Mentee\r\n",
)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (UNPATCHED, "the headers are not the expected set; unexpected or repeated: bcc"),
        (_lines(CLEAN, b"MIME-Version: 1.0\r\n", b""), "the headers are not the expected set; missing: mime-version"),
        (
            _lines(CLEAN, b"MIME-Version: 1.0\r\n", b"MIME-Version: 1.0\r\nmime-version: 1.0\r\n"),
            "the headers are not the expected set; unexpected or repeated: mime-version",
        ),
        (_lines(CLEAN, b"Date:", b"\nBcc: x@evil.example\r\nDate:"), "header line 5 holds a bare CR or LF"),
        (_lines(CLEAN, b"From:", b" From:"), "the header block starts with a continuation line"),
        (_lines(CLEAN, b"Date:", b"Not a header\r\nDate:"), "header line 5 is neither a header nor a continuation"),
        (_lines(CLEAN, b"Subject: Mentoring", "Subject: Ünï".encode()), "the header block is not ASCII"),
        (
            _lines(CLEAN, b"Subject: Mentoring request from", b"Subject: " + b"x" * 1000),
            "header line 4 is longer than 998 bytes",
        ),
        (
            _lines(CLEAN, b"<zoe@example.org>", b"<eve@evil.example>"),
            "the reply-to header does not decode to the one address and name intended",
        ),
        (
            _lines(CLEAN, b"<zoe@example.org>", b"<zoe@example.org>, x@evil.example"),
            "the reply-to header does not decode to the one address and name intended",
        ),
        (
            _lines(
                CLEAN,
                b"Subject: Mentoring request from =?utf-8?q?Zo=C3=AB?= Mentee",
                b"Subject: =?utf-8?q?Mentoring_request_from_Zo=C3=AB_Mentee=0D=0ABcc:_x?=",
            ),
            "the subject header, decoded, contains a control or line-break character",
        ),
        (CLEAN.replace(b"\r\n\r\n", b"\r\n"), "the message has no blank line between its headers and its body"),
    ],
)
def test_byte_check_refuses_what_an_unpatched_interpreter_generates(data, reason):
    """The third wall on literal bytes, so it is tested the same on every interpreter."""
    check_message_bytes(CLEAN, EXPECTED, "Mentoring request from Zoë Mentee")  # the control case passes
    with pytest.raises(UnsafeMessage) as refused:
        check_message_bytes(data, EXPECTED, "Mentoring request from Zoë Mentee")
    assert str(refused.value) == reason


def test_header_value_problem():
    assert header_value_problem('Zoë Mentee, "Boss" <a@b.org> ?= =?') == ""
    assert header_value_problem("a =?x?= b") == "contains encoded-word syntax (=? … ?=)"
    assert header_value_problem("a\tb") == "contains a control or line-break character"


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        (
            "550 5.1.1 <ana.private@example.org>: Recipient address rejected",
            "550 5.1.1 <[address redacted]>: Recipient address rejected",
        ),
        ('550 user "Ana.Private@EXAMPLE.org" unknown', '550 user "[address redacted]" unknown'),
        (
            "550-5.1.1 no such user\n550 5.1.1 ana+tag@x.org (ana@x.org)",
            "550-5.1.1 no such user\n550 5.1.1 [address redacted] ([address redacted])",
        ),
        ("421 try later", "421 try later"),
    ],
)
def test_smtp_errors_are_redacted(text, redacted):
    assert redact_addresses(text) == redacted


def test_client_keys():
    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert client_key("::ffff:192.0.2.7") == client_key("192.0.2.7") == "192.0.2.7"
    assert client_key("unknown") == "unknown"


def test_forwarding_headers_from_an_untrusted_non_public_peer():
    def seen(peer: str, trusted: str | None = None, **headers: str) -> str | None:
        return Request({"REMOTE_ADDR": peer, **headers}).forwarded_by_untrusted_proxy(trusted)

    xff = {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert seen("127.0.0.1", **xff) == "X-Forwarded-For"
    assert seen("::ffff:10.0.0.5", **{"HTTP_FORWARDED": "for=203.0.113.9"}) == "Forwarded"
    assert seen("fd00::1", "10.0.0.5", **{"HTTP_X_REAL_IP": "203.0.113.9"}) == "X-Real-Ip"
    assert seen("::ffff:127.0.0.1", "127.0.0.1", **xff) is None  # the trusted proxy, seen on a dual-stack socket
    assert seen("8.8.8.8", **xff) is None  # a visitor's own forward proxy: served, keyed by its address
    assert seen("127.0.0.1") is None
    request = Request({"REMOTE_ADDR": "::ffff:127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, ::ffff:203.0.113.9"})
    assert request.client_ip("127.0.0.1") == "203.0.113.9"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("Bob;=1+1;@SUM(2)", "Bob;'=1+1;'@SUM(2)"),
        ("-Eve", "'-Eve"),
        ("a,+1", "a,'+1"),
        ("x\t-2", "x\t'-2"),
        ("a|=b", "a|'=b"),
        ("  =1", "  '=1"),
        ("line\n- bullet", "line\n'- bullet"),
        ("Mon - Fri", "Mon '- Fri"),
        ("\tx", "'\tx"),
        ("x=1+2", "x=1+2"),
        (3, "3"),
        (None, ""),
    ],
)
def test_csv_cells_are_neutralised_whatever_the_separator(value, cell):
    assert _cell(value) == cell


def test_show_lines():
    assert _field_lines("name", "Zoë") == "name: Zoë"
    assert _field_lines("message", "a\nstatus: sent") == "message: |\n  a\n  status: sent"
    assert _field_lines("last_error", "x\x1b[31m\r") == "last_error: x\\x1b[31m\\x0d"
    assert _field_lines("sent_at", None) == "sent_at: "


def test_export_file_is_0600_before_the_first_byte(tmp_path, monkeypatch):
    """Created with mode 0600 (not narrowed after writing): checked when the first row is
    written, with a umask that would leave a plain open() world-writable."""
    store = Store(tmp_path / "r.db")
    _row(store)
    store.close()
    output = tmp_path / "out.csv"
    output.write_text("stale", encoding="utf-8")
    output.chmod(0o666)
    modes = []
    real_writer = csv.writer

    def spy(handle, **options):
        writer = real_writer(handle, **options)

        class Spy:
            def writerow(self, row):
                modes.append(os.stat(output).st_mode & 0o777)
                return writer.writerow(row)

        return Spy()

    monkeypatch.setattr(csv, "writer", spy)
    old = os.umask(0)
    try:
        result = CliRunner().invoke(
            cli, ["requests", "export", "--database", str(tmp_path / "r.db"), "-o", str(output)]
        )
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert modes == [0o600, 0o600]
    assert os.stat(output).st_mode & 0o777 == 0o600
    assert "stale" not in output.read_text(encoding="utf-8")


@pytest.mark.parametrize(("stale_profiles", "reachable"), [("hide", False), ("flag", True), ("show", True)])
def test_stale_profiles_are_reachable_only_where_the_site_publishes_them(tmp_path, stale_profiles, reachable):
    site = write_site(tmp_path / "site", base_url="https://example.org/", action="https://forms.example.org/requests")
    text = (site / "site.toml").read_text(encoding="utf-8")
    (site / "site.toml").write_text(text.replace("[contact]", f'stale_profiles = "{stale_profiles}"\n\n[contact]'))
    profile = site / "mentors" / "ana-example.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "last_reviewed: 2001-01-01\n", encoding="utf-8")
    directory = load_directory(resolve(site, load_config(site)))
    assert ("ana-example" in directory.entries) is reachable
    # Its address stays private either way: the review page's guard knows it.
    assert PROFILES["ana-example"]["email"] in directory.private


def test_per_mentor_cap_counts_the_last_24_hours(tmp_path):
    store = Store(tmp_path / "r.db")
    details = {"mentor_name": "Ana Example", "recipient": "ana.private@example.org", "domain": "example.org"}
    sub = validate(VALID_FORM, DIRECTORY)[0]
    for n in range(2):
        store.add(sub, token_nonce=f"n{n}", mentor_daily_limit=2, **details)
    with pytest.raises(MentorBusy) as busy:
        store.add(sub, token_nonce="n2", mentor_daily_limit=2, **details)
    assert 86_000 < busy.value.retry_after <= 86_400
    # The same form sent again is the same request, not a new one over the cap.
    assert store.add(sub, token_nonce="n1", mentor_daily_limit=2, **details)[1] is False
    store._write(lambda conn: conn.execute("UPDATE requests SET created_at = '2001-01-01T00:00:00.000000Z'"))
    assert store.add(sub, token_nonce="n3", mentor_daily_limit=2, **details)[1] is True
