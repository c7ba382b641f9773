"""The receiver's parts, in-process: tokens, limits, validation, mail, storage, outbox, settings, commands.

The HTTP behaviour with a real server process and a real SMTP server is in
test_receiver_http.py and test_receiver_faults.py.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import time
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from receiver_kit import VALID_FORM, write_site

from mentorsite.cli import cli
from mentorsite.config import ContactConfig, SiteConfig, load_config
from mentorsite.receiver.delivery import Outbox, PermanentFailure, TemporaryFailure, backoff
from mentorsite.receiver.directory import Directory, Entry, load_directory, read_contacts
from mentorsite.receiver.mail import build_message
from mentorsite.receiver.pages import Pages
from mentorsite.receiver.ratelimit import RateLimiter
from mentorsite.receiver.settings import SettingsError, origin_of, resolve
from mentorsite.receiver.store import Store, TokenReused
from mentorsite.receiver.tokens import MAX_AGE, Signer
from mentorsite.receiver.validation import FormError, Submission, form_language, parse_form, validate

KEY = b"k" * 32
ANA = Entry("ana-example", "Ana Example", True, (("one-to-one", "One-to-one"),), "ana.private@example.org")
DIRECTORY = Directory(
    {
        "ana-example": ANA,
        "ben-example": Entry("ben-example", "Ben Example", False, (), "ben.private@example.org"),
        "dev-example": Entry("dev-example", "Dev Example", True, (), None),
    }
)
GOOD = VALID_FORM


def submission(**changes) -> Submission:
    sub, errors, _ = validate({**GOOD, **changes}, DIRECTORY)
    assert not errors, errors
    return sub


# Tokens -----------------------------------------------------------------------------------------


def test_token_round_trip_and_fill_time():
    signer = Signer(KEY)
    token = signer.issue(now=1000.0)
    assert signer.check(token, 3, now=1002.0).status == "too_fast"
    assert signer.check(token, 3, now=1002.0).retry_after == 1.0
    check = signer.check(token, 3, now=1003.5)
    assert check.ok and check.nonce == token.split(".")[1]


@pytest.mark.parametrize(
    "mutate, status",
    [
        (lambda t: "", "missing"),
        (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "invalid"),
        (lambda t: str(int(t.split(".")[0]) - 5000) + t[t.index(".") :], "invalid"),  # earlier time, same signature
        (lambda t: "not.a.token", "invalid"),
        (lambda t: "x" * 200, "invalid"),
    ],
)
def test_token_tampering_is_refused(mutate, status):
    signer = Signer(KEY)
    assert signer.check(mutate(signer.issue(now=1000.0)), 0, now=1010.0).status == status


def test_token_from_another_key_or_too_old_or_future():
    token = Signer(KEY).issue(now=1000.0)
    assert Signer(b"x" * 32).check(token, 0, now=1010.0).status == "invalid"
    assert Signer(KEY).check(token, 0, now=1000.0 + MAX_AGE + 1).status == "expired"
    assert Signer(KEY).check(token, 0, now=900.0).status == "invalid"


# Rate limits ------------------------------------------------------------------------------------


def test_rate_limiter_sliding_window():
    limiter = RateLimiter(2, 60)
    assert limiter.hit("a", now=0) == 0 and limiter.hit("a", now=10) == 0
    assert limiter.hit("a", now=20) == pytest.approx(40)
    assert limiter.hit("b", now=20) == 0  # per client
    assert limiter.hit("a", now=60.5) == 0  # the first hit left the window
    assert RateLimiter(0, 60).hit("a") == 0  # 0 turns it off


def test_rate_limiter_memory_is_bounded():
    limiter = RateLimiter(1, 60, max_keys=3)
    for n in range(10):
        limiter.hit(f"ip{n}", now=0)
    assert len(limiter._hits) == 3


def test_client_address_behind_a_trusted_proxy_only():
    from mentorsite.receiver.app import Request

    forwarded = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"}
    assert Request(forwarded).client_ip("10.0.0.5") == "203.0.113.9"  # the proxy's own entry, not the client's claim
    assert Request(forwarded).client_ip(None) == "10.0.0.5"
    assert Request(forwarded).client_ip("10.0.0.6") == "10.0.0.5"
    assert Request({"REMOTE_ADDR": "10.0.0.5"}).client_ip("10.0.0.5") == "10.0.0.5"


# Parsing and validation -------------------------------------------------------------------------


def test_parse_form_maps_names_and_refuses_repeats():
    assert parse_form(b"name=Zo%C3%AB&x=1") == {"name": "Zoë", "x": "1"}
    assert parse_form(b"full_name=Ann", {"name": "full_name"}) == {"name": "Ann"}
    with pytest.raises(FormError, match="more than once"):
        parse_form(b"name=a&name=b")
    with pytest.raises(FormError, match="UTF-8"):
        parse_form(b"name=%FF")


def test_valid_submission_is_normalised():
    sub = submission(name="  Zoe\u0308 Mentee ", message="Hello Ana,\r\ncould we talk?\r\n")
    assert sub == Submission(
        "ana-example",
        "Zoë Mentee",
        "zoe@example.org",
        "Confidence leading a team.",
        "",
        "one-to-one",
        "monthly",
        "Hello Ana,\ncould we talk?",
        True,
    )
    assert submission(format="", cadence="").format == "no-preference"


def test_validation_reports_every_field_with_a_clear_message():
    form = {
        "mentor": "ana-example",
        "name": "",
        "email": "not-an-email",
        "hope_to_gain": "x" * 1001,
        "message": "",
        "format": "telepathy",
        "cadence": "hourly",
    }
    sub, errors, entry = validate(form, DIRECTORY)
    assert sub is None and entry == ANA
    assert errors == {
        "name": "Please enter your name.",
        "email": "Please enter a valid email address, such as name@example.org.",
        "hope_to_gain": "Please keep what you hope to gain to 1,000 characters or fewer (it has 1,001).",
        "message": "Please enter a short message.",
        "format": "Please choose a format from the list.",
        "cadence": "Please choose a cadence from the list.",
        "consent": "Please agree that your details are shared with the mentor; we cannot send the request otherwise.",
    }


def test_line_breaks_count_once_like_the_browser_maxlength():
    # A browser allows 1000 characters with line breaks counted as one, then sends CRLF.
    text = ("x" * 99 + "\n") * 10
    assert len(text.strip()) == 999
    assert submission(hope_to_gain=text.replace("\n", "\r\n")).hope_to_gain == text.strip()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "Eve\r\nBcc: victim@example.org", "Please write your name on one line."),
        ("name", "Eve\u2028Bcc: victim@example.org", "Please write your name on one line."),
        ("name", "Eve\u202egnp.exe", "Please retype your name: it contains hidden formatting characters."),
        ("email", "eve@example.org\r\nBcc: victim@example.org", "Please write your email address on one line."),
        (
            "email",
            "eve@example.org, victim@example.org",
            "Please enter a valid email address, such as name@example.org.",
        ),
        ("message", "hi\x00there", "Please remove the control characters from a short message."),
    ],
)
def test_header_injection_and_control_characters_are_refused(field, value, message):
    _, errors, _ = validate({**GOOD, field: value}, DIRECTORY)
    assert errors == {field: message}


@pytest.mark.parametrize(
    "slug, message",
    [
        ("nobody", "This mentor is not in the directory any more. Please choose another mentor."),
        ("../etc", "This mentor is not in the directory any more. Please choose another mentor."),
        ("ben-example", "Ben Example is not taking new mentees right now. Please choose another mentor."),
        ("dev-example", "Dev Example cannot be contacted through this form yet. Please choose another mentor."),
    ],
)
def test_mentor_must_exist_accept_and_be_reachable(slug, message):
    _, errors, _ = validate({**GOOD, "mentor": slug}, DIRECTORY)
    assert errors == {"mentor": message}


# Mail -------------------------------------------------------------------------------------------


def _row(store: Store, **changes):
    ref, _ = store.add(
        submission(**changes),
        mentor_name="Ana Example",
        recipient="ana.private@example.org",
        token_nonce=None,
        domain="example.org",
    )
    return store.get(ref)


def test_message_headers_and_body(tmp_path):
    row = _row(Store(tmp_path / "r.db"), goals="Lead a team of five.")
    msg = build_message(
        row,
        sender="mentors@example.org",
        site_title="Test Mentors",
        organisation="Test Org",
        base_url="https://example.org/m/",
        coordinator_mode=False,
    )
    assert msg["From"] == "Test Mentors <mentors@example.org>"
    assert msg["To"] == "Ana Example <ana.private@example.org>"
    assert msg["Reply-To"] == "Zoë Mentee <zoe@example.org>"
    assert msg["Subject"] == "Mentoring request from Zoë Mentee"
    assert msg["Message-ID"] == row.message_id and row.message_id.endswith("@example.org>")
    assert msg["X-Mentorsite-Reference"] == row.reference
    body = msg.get_content()
    assert body.startswith("Hello Ana Example,\n\nZoë Mentee found you in Test Mentors")
    assert "What they hope to gain\n----------------------\nConfidence leading a team.\n" in body
    assert "Their goals\n-----------\nLead a team of five.\n" in body
    assert "Preferred format: One-to-one\nPreferred cadence: Monthly\n" in body
    assert "Their message\n-------------\nHello Ana,\ncould we talk?\n" in body
    assert f"-- \nReference {row.reference}, received" in body
    # Same row, same bytes apart from nothing: a retry is recognisably the same message.
    again = build_message(
        row,
        sender="mentors@example.org",
        site_title="Test Mentors",
        organisation="Test Org",
        base_url="https://example.org/m/",
        coordinator_mode=False,
    )
    assert bytes(again) == bytes(msg)


def test_coordinator_message(tmp_path):
    row = _row(Store(tmp_path / "r.db"))
    msg = build_message(
        replace(row, recipient="coord@example.org"),
        sender="mentors@example.org",
        site_title="Test Mentors",
        organisation="Test Org",
        base_url="https://example.org/m/",
        coordinator_mode=True,
    )
    assert msg["To"] == "coord@example.org"
    assert msg["Subject"] == "Mentoring request for Ana Example from Zoë Mentee"
    assert "Mentor: Ana Example (https://example.org/m/mentors/ana-example/)" in msg.get_content()


def test_mail_policy_refuses_injected_headers_even_without_validation(tmp_path):
    row = _row(Store(tmp_path / "r.db"))
    for changes in (
        {"name": "Eve\r\nBcc: victim@example.org"},
        {"name": "Eve\nBcc: victim@example.org"},
        {"email": "eve@example.org\r\nBcc: victim@example.org"},
    ):
        forged = replace(row, request=Submission(**{**row.request.values, **changes}))
        with pytest.raises(ValueError):
            build_message(
                forged,
                sender="m@example.org",
                site_title="T",
                organisation="O",
                base_url="https://example.org/",
                coordinator_mode=False,
            )


def test_display_name_with_address_syntax_stays_a_name(tmp_path):
    row = _row(Store(tmp_path / "r.db"), name='Eve "Boss" <ceo@example.org>, Bcc: victim@example.org')
    msg = build_message(
        row,
        sender="m@example.org",
        site_title="T",
        organisation="O",
        base_url="https://example.org/",
        coordinator_mode=False,
    )
    reply_to = msg["Reply-To"].addresses
    assert [a.addr_spec for a in reply_to] == ["zoe@example.org"]
    assert reply_to[0].display_name == 'Eve "Boss" <ceo@example.org>, Bcc: victim@example.org'
    assert msg["Bcc"] is None and msg["Cc"] is None


# Storage ----------------------------------------------------------------------------------------


def test_store_is_durable_wal_full_sync_and_private(tmp_path):
    store = Store(tmp_path / "sub" / "r.db")
    conn = store.db.connection()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert (tmp_path / "sub" / "r.db").stat().st_mode & 0o777 == 0o600


def test_same_token_same_content_is_one_request(tmp_path):
    store = Store(tmp_path / "r.db")
    args = {
        "mentor_name": "Ana Example",
        "recipient": "ana.private@example.org",
        "token_nonce": "n1",
        "domain": "example.org",
    }
    ref, created = store.add(submission(), **args)
    assert created and ref.startswith("MR-")
    assert store.add(submission(), **args) == (ref, False)
    with pytest.raises(TokenReused):
        store.add(submission(message="Something else"), **args)
    assert store.counts() == {"queued": 1, "sending": 0, "sent": 0, "failed": 0}


def test_outbox_state_machine(tmp_path):
    store = Store(tmp_path / "r.db")
    row = _row(store)
    assert [r.id for r in store.due(time.time())] == [row.id]
    assert store.claim(row.id) and not store.claim(row.id)
    assert store.requeue_interrupted() == 1
    again = store.get(row.reference)
    assert (again.status, again.attempts, again.interrupted) == ("queued", 1, 1)
    store.claim(row.id)
    store.mark_failed(row.id, "550 no such user")
    assert store.get(row.reference).status == "failed"
    assert store.retry(row.reference) and store.get(row.reference).status == "queued"
    store.claim(row.id)
    store.mark_sent(row.id)
    done = store.get(row.reference)
    assert (done.status, done.attempts, done.last_error) == ("sent", 3, None)


def test_purge_keeps_undelivered_unless_asked(tmp_path):
    store = Store(tmp_path / "r.db")
    sent, queued = _row(store), _row(store, message="Another")
    store.claim(sent.id)
    store.mark_sent(sent.id)
    assert store.purge(1) == 0  # both are from today
    assert store.purge(0, dry_run=True) == 1
    assert store.purge(0) == 1
    assert [r.reference for r in store.rows()] == [queued.reference]
    assert store.purge(0, include_undelivered=True) == 1
    assert store.rows() == []
    # secure_delete: the personal data is not left in the file.
    store.close()
    assert b"Another" not in (tmp_path / "r.db").read_bytes()


# The outbox worker, with a scripted transport -----------------------------------------------------


class ScriptedTransport:
    def __init__(self, outcomes):
        self.outcomes = outcomes
        self.sent = []

    def __call__(self, settings):
        return self

    def send(self, row):
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome:
            raise outcome
        self.sent.append(row.reference)

    def close(self):
        pass


def _outbox(tmp_path, outcomes):
    site = write_site(
        tmp_path / "site",
        base_url="https://example.org/",
        action="https://example.org/requests",
        contact={"retry_base_seconds": 60, "retry_max_seconds": 600},
    )
    from mentorsite.config import load_config

    settings = resolve(site, load_config(site), database=tmp_path / "r.db")
    store = Store(settings.database)
    transport = ScriptedTransport(outcomes)
    return Outbox(store, settings, transport_factory=transport), store, transport


def test_outbox_server_down_keeps_rows_due_and_backs_off(tmp_path):
    outbox, store, transport = _outbox(tmp_path, [TemporaryFailure("refused", server_down=True)])
    a, b = _row(store), _row(store, message="Second")
    assert outbox.drain() == 0.0
    assert transport.sent == []
    assert store.get(a.reference).status == "queued" and "refused" in store.get(a.reference).last_error
    assert 54 <= outbox.server_retry_at - time.time() <= 66  # base 60 s ± 10 %
    assert outbox.drain() > 0  # waiting: no probe before server_retry_at
    outbox.server_retry_at = 0
    outbox.drain()
    assert sorted(transport.sent) == sorted([a.reference, b.reference])
    assert outbox.server_failures == 0


def test_outbox_permanent_and_per_recipient_failures(tmp_path):
    outbox, store, transport = _outbox(
        tmp_path, [PermanentFailure("550 no such user"), TemporaryFailure("451 try later", server_down=False)]
    )
    a, b, c = _row(store), _row(store, message="2"), _row(store, message="3")
    outbox.drain()
    assert store.get(a.reference).status == "failed" and store.get(a.reference).last_error == "550 no such user"
    deferred = store.get(b.reference)
    assert deferred.status == "queued" and deferred.next_attempt_at > time.time() + 50
    assert transport.sent == [c.reference]


def test_backoff_doubles_and_caps():
    for failures, expected in ((1, 10), (2, 20), (3, 40), (4, 60), (9, 60)):
        for _ in range(20):
            assert 0.9 * expected <= backoff(failures, 10, 60) <= 1.1 * expected


# Settings, directory, config --------------------------------------------------------------------


def test_config_defaults_keep_old_site_toml_valid_and_check_new_fields():
    config = SiteConfig.model_validate({"title": "T", "organisation": "O"})
    assert config.contact.delivery == "mentor" and config.contact.min_fill_seconds == 3.0
    with pytest.raises(ValueError, match="needs coordinator_email"):
        ContactConfig(delivery="coordinator")
    with pytest.raises(ValueError, match="is not an origin"):
        ContactConfig(allowed_origins=["https://example.org/path"])
    with pytest.raises(ValueError, match="not a valid email"):
        ContactConfig(coordinator_email="nope")
    for name, field in ContactConfig.model_fields.items():
        assert field.description, f"[contact] {name} needs a doc comment"


def test_settings_resolve(tmp_path):
    site = write_site(
        tmp_path / "site",
        base_url="https://Example.org:443/mentors/",
        action="https://forms.example.org/in/",
        contact={
            "allowed_origins": ["http://127.0.0.1:8000"],
            "smtp_security": "ssl",
            "coordinator_email": "coord@example.org",
        },
    )
    from mentorsite.config import load_config

    settings = resolve(
        site, load_config(site), environ={"MENTORSITE_SMTP_USERNAME": "u", "MENTORSITE_SMTP_PASSWORD": "p"}
    )
    assert settings.origins == {"https://example.org", "https://forms.example.org", "http://127.0.0.1:8000"}
    assert (settings.submit_path, settings.token_path) == ("/in/", "/in/token")
    assert settings.thanks_url == "https://Example.org:443/mentors/contact/thanks/"
    assert (settings.smtp_port, settings.smtp_username, settings.smtp_password) == (465, "u", "p")
    assert settings.from_email == "coord@example.org"
    assert settings.database == Path.home() / ".local/share/mentorsite/requests.sqlite3"
    assert origin_of("HTTP://LOCALHOST:80/x") == "http://localhost"


def test_a_french_first_site_thanks_and_speaks_french_by_default(tmp_path):
    """languages = ["fr", "en"]: French is the default (the root's thank-you page, the words
    before a form's language is known, the mails); English posts go to /en/."""
    site = write_site(tmp_path / "site", base_url="https://example.org/m/", action="https://forms.example.org/r")
    toml = site / "site.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[contact]", 'languages = ["fr", "en"]\n\n[contact]'))
    settings = resolve(site, load_config(site), database=tmp_path / "r.db")
    assert settings.default_language == "fr"
    assert settings.thanks_url == "https://example.org/m/contact/thanks/"
    assert settings.thanks_url_in("en") == "https://example.org/m/en/contact/thanks/"
    pages = Pages(settings)
    assert pages.messages.language == "fr" and pages.voice("zz") is pages.voice() is pages.voices["fr"]
    assert pages.voice("en").messages.gettext("Please go back and try again.") == "Please go back and try again."


@pytest.mark.parametrize(
    ("sent", "language"),
    [("fr", "fr"), ("en", "en"), ("", "en"), ("FR", "en"), ("fr-CA", "en"), ("../fr", "en"), ("fr\r\n", "en")],
)
def test_a_forms_language_is_one_of_the_sites_or_the_default(sent, language):
    assert form_language({"lang": sent}, ["en", "fr"]) == language
    assert form_language({}, ["en", "fr"]) == "en"


def test_a_local_preview_is_one_origin_under_every_loopback_name(tmp_path):
    site = write_site(tmp_path / "site", base_url="http://localhost:8000/", action="http://127.0.0.1:8787/requests")
    from mentorsite.config import load_config

    assert resolve(site, load_config(site)).origins == {
        "http://localhost:8000",
        "http://127.0.0.1:8000",
        "http://[::1]:8000",
        "http://127.0.0.1:8787",
    }


def test_settings_refuse_private_data_in_the_published_tree(tmp_path):
    site = write_site(tmp_path / "site", base_url="https://example.org/", action="https://example.org/requests")
    from mentorsite.config import load_config

    with pytest.raises(SettingsError, match="inside the published output"):
        resolve(site, load_config(site), database=site / "_site" / "r.db")
    (site / "_site").mkdir()
    (site / "_site" / "contacts.toml").write_text("")
    with pytest.raises(SettingsError, match="inside the published output"):
        resolve(site, load_config(site), contacts_file=site / "_site" / "contacts.toml")
    with pytest.raises(SettingsError, match="at least 16 characters"):
        resolve(site, load_config(site), environ={"MENTORSITE_RECEIVER_SECRET": "short"})


def test_contacts_file_toml_and_csv(tmp_path):
    toml_file = tmp_path / "contacts.toml"
    toml_file.write_text('[contacts]\ncleo-example = "cleo@example.org"\n')
    assert read_contacts(toml_file) == {"cleo-example": "cleo@example.org"}
    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text("slug,email\ncleo-example, cleo@example.org\nana-example,ana.other@example.org\n")
    assert read_contacts(csv_file) == {"cleo-example": "cleo@example.org", "ana-example": "ana.other@example.org"}
    csv_file.write_text("slug,email\ncleo-example,nope\n")
    with pytest.raises(SettingsError, match=r"contacts.csv:2: 'nope' is not a valid email address"):
        read_contacts(csv_file)


def test_directory_from_profiles_and_contacts_file(tmp_path):
    contacts = tmp_path / "private" / "contacts.toml"
    contacts.parent.mkdir()
    contacts.write_text(
        'cleo-example = "cleo@example.org"\nana-example = "ana.override@example.org"\nghost = "g@example.org"\n'
    )
    site = write_site(
        tmp_path / "site",
        base_url="https://example.org/",
        action="https://example.org/requests",
        contact={"contacts_file": str(contacts)},
    )
    from mentorsite.config import load_config

    directory = load_directory(resolve(site, load_config(site)))
    recipients = {slug: e.recipient for slug, e in directory.entries.items()}
    assert recipients == {
        "ana-example": "ana.override@example.org",
        "ben-example": "ben.private@example.org",
        "cleo-example": "cleo@example.org",
        "dev-example": None,
    }
    assert directory.entries["cleo-example"].formats == (("peer", "Peer"),)
    assert any("dev-example.yaml: no private address" in w for w in directory.warnings)
    assert any("'ghost' is not a published mentor" in w for w in directory.warnings)


def test_coordinator_mode_sends_everything_to_the_coordinator(tmp_path):
    site = write_site(
        tmp_path / "site",
        base_url="https://example.org/",
        action="https://example.org/requests",
        contact={"delivery": "coordinator", "coordinator_email": "coord@example.org"},
    )
    from mentorsite.config import load_config

    directory = load_directory(resolve(site, load_config(site)))
    assert {e.recipient for e in directory.entries.values()} == {"coord@example.org"}


def test_example_site_toml_still_valid():
    root = Path(__file__).resolve().parents[1]
    SiteConfig.model_validate(tomllib.loads((root / "site.toml").read_text(encoding="utf-8")))


# Commands ---------------------------------------------------------------------------------------


@pytest.fixture
def filled_db(tmp_path):
    store = Store(tmp_path / "r.db")
    sent = _row(store)
    store.claim(sent.id)
    store.mark_sent(sent.id)
    failed = _row(store, message='=HYPERLINK("http://evil.example")', name="-Eve")
    store.claim(failed.id)
    store.mark_failed(failed.id, "recipient refused: 550 no such user")
    queued = _row(store, message="Third")
    store.close()
    return tmp_path / "r.db", sent, failed, queued


def test_requests_list(filled_db):
    db, sent, failed, queued = filled_db
    result = CliRunner().invoke(cli, ["requests", "list", "--database", str(db)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "1 queued  0 sending  1 sent  1 failed"
    assert lines[1].split() == ["REFERENCE", "RECEIVED", "(UTC)", "STATE", "STATUS", "TRIES", "MENTOR", "FROM"]
    assert [line.split()[0] for line in lines[2:] if line.startswith("MR-")] == [
        queued.reference,
        failed.reference,
        sent.reference,
    ]
    assert "last error: recipient refused: 550 no such user" in result.output
    only_failed = CliRunner().invoke(cli, ["requests", "list", "--database", str(db), "--status", "failed", "--json"])
    assert only_failed.exit_code == 0
    assert [line.count(failed.reference) for line in only_failed.output.splitlines()] == [1]


def test_requests_export_csv_is_spreadsheet_safe(filled_db):
    db, sent, failed, queued = filled_db
    result = CliRunner().invoke(cli, ["requests", "export", "--csv", "--database", str(db)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["reference"] for r in rows] == [sent.reference, failed.reference, queued.reference]
    assert rows[0]["status"] == "sent" and rows[0]["message"] == "Hello Ana,\ncould we talk?"
    assert rows[1]["message"] == '\'=HYPERLINK("http://evil.example")' and rows[1]["name"] == "'-Eve"


def test_requests_purge_retry_and_show(filled_db, tmp_path):
    db, sent, failed, queued = filled_db
    runner = CliRunner()
    result = runner.invoke(cli, ["requests", "purge", "--older-than", "30", "--database", str(db)])
    assert result.output == "deleted 0 request(s) received more than 30 days ago\n"
    result = runner.invoke(cli, ["requests", "purge", "--older-than", "0", "--dry-run", "--database", str(db)])
    assert result.output == "would delete 2 request(s) received more than 0 days ago\n"
    result = runner.invoke(cli, ["requests", "retry", failed.reference, "--database", str(db)])
    assert result.exit_code == 0 and "queued again" in result.output
    assert runner.invoke(cli, ["requests", "retry", failed.reference, "--database", str(db)]).exit_code == 1
    result = runner.invoke(cli, ["requests", "purge", "--older-than", "0", "--database", str(db)])
    assert result.output == "deleted 1 request(s) received more than 0 days ago\n"
    shown = runner.invoke(cli, ["requests", "show", queued.reference.lower(), "--database", str(db)])
    assert (
        shown.exit_code == 0 and f"reference: {queued.reference}" in shown.output and "message: Third" in shown.output
    )
    missing = runner.invoke(cli, ["requests", "list", "--database", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "no request database" in missing.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == 2
