"""The lifecycle mails and the scheduler (issue 13 item 3): what the mentee, the mentor and the
coordinator hear after a request, when, and that each goes out once.

The end-to-end tests run the real receiver process against the real SMTP sink
(``receiver_kit``); the scheduler runs in the test on an injected clock (days pass in no time)
on the same database, and the receiver's outbox sends what it queued. Store-level tests take
the `database` fixture: SQLite, then a real PostgreSQL.
"""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
import urllib.request
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlencode

import pytest
from babel.dates import format_date
from receiver_kit import VALID_FORM, ReceiverProcess, SmtpSink, kind_of, write_site

from mentorsite.config import load_config
from mentorsite.diagnostics import InputError
from mentorsite.messages import messages_for
from mentorsite.receiver.delivery import Outbox
from mentorsite.receiver.directory import Directory, Entry, load_directory
from mentorsite.receiver.lifecycle_mail import LifecycleMailer, similar_mentors
from mentorsite.receiver.mail import HEADERS, UnsafeMessage
from mentorsite.receiver.scheduler import Scheduler
from mentorsite.receiver.schema import MAIL_KINDS
from mentorsite.receiver.settings import resolve
from mentorsite.receiver.store import Mail, Store, queue_mail, utcnow
from mentorsite.receiver.validation import Submission

SITE = "https://mentors.example.org"
COORDINATOR = "coordinator@example.org"
#: Extra profiles beside receiver_kit.PROFILES (all share the tag "leadership").
EXTRA = {
    "eve-example": ("Eve Example", "eve.private@example.org", 1),  # capacity 1, filled below: full
    "gus-example": ("Gus Example", "gus.private@example.org", None),
    "hal-example": ("Hal Example", "hal.private@example.org", None),
    "ida-example": ("Ida Example", "ida.private@example.org", None),
}
MEETINGS = "---\ntitle: Running mentoring meetings\nsummary: How to run them.\n---\n\nAgenda first.\n"


def lifecycle_site(root: Path, **contact) -> Path:
    """receiver_kit's site plus four accepting mentors (one with capacity 1) and the meetings guide;
    a `contact` setting given as None is left out."""
    settings = {
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
        **contact,
    }
    site = write_site(
        root,
        base_url=f"{SITE}/",
        action="http://127.0.0.1:8787/requests",
        contact={key: value for key, value in settings.items() if value is not None},
    )
    template = (site / "mentors" / "ana-example.yaml").read_text(encoding="utf-8")
    for slug, (name, address, capacity) in EXTRA.items():
        text = template.replace("Ana Example", name).replace("ana.private@example.org", address)
        if capacity is not None:
            text = text.replace("  accepting: true\n", f"  accepting: true\n  capacity: {capacity}\n")
        (site / "mentors" / f"{slug}.yaml").write_text(text, encoding="utf-8")
    (site / "content" / "guides").mkdir(parents=True)
    (site / "content" / "guides" / "running-mentoring-meetings.md").write_text(MEETINGS, encoding="utf-8")
    return site


@pytest.fixture
def opened():
    """opened(store) -> store, closed when the test ends (a PostgreSQL store holds a pool)."""
    stores: list[Store] = []

    def keep(store: Store) -> Store:
        stores.append(store)
        return store

    yield keep
    for store in stores:
        store.close()


def add(store: Store, n: int = 0, *, mentor: str = "ana-example", **changes) -> str:
    """Store a request as the web app does (its 'ack' queued in the same commit)."""
    values = {**VALID_FORM, "mentor": mentor, "message": f"Request {n}", **changes}
    values.pop("consent")
    sub = Submission(**values, consent=True)
    name = {"ana-example": "Ana Example", **{slug: e[0] for slug, e in EXTRA.items()}}[mentor]
    recipient = {"ana-example": "ana.private@example.org", **{slug: e[1] for slug, e in EXTRA.items()}}[mentor]
    return store.add(sub, mentor_name=name, recipient=recipient, token_nonce=None, domain="example.org")[0]


def set_state(store: Store, reference: str, **columns) -> None:
    assignments = ", ".join(f"{name} = ?" for name in columns)
    store._write(
        lambda tx: tx.execute(f"UPDATE requests SET {assignments} WHERE reference = ?", (*columns.values(), reference))
    )


def queue(store: Store, reference: str, kind: str) -> None:
    def put(tx):
        request_id = tx.execute("SELECT id FROM requests WHERE reference = ?", (reference,)).fetchone()["id"]
        assert queue_mail(tx, request_id, kind, utcnow(), "example.org")

    store._write(put)


def mail_rows(store: Store) -> list[tuple[str, str]]:
    return sorted((m["reference"], m["kind"]) for m in store.mails())


def parse(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def similar_slugs(message: EmailMessage) -> list[str]:
    """The mentors a declined/expired mail offers, in order, read from their page URLs."""
    body = message.get_content()
    return [line.rsplit("/mentors/", 1)[1].strip("/") for line in body.splitlines() if line.startswith("- ")]


# Similar mentors: a pure function over the directory and the mentors' load ------------------


def entry(slug: str, *, tags=("leadership",), accepting=True, recipient="x@example.org", capacity=None) -> Entry:
    return Entry(slug, slug.title(), accepting, (), recipient, capacity, tuple(tags))


def test_similar_mentors_are_open_accepting_and_share_tags_suggestion_first():
    """Offered: the declining mentor's suggestion first, then most shared tags (ties by name);
    never the mentor themself, nor one not accepting, paused, full, unreachable or sharing no
    tag; at most three; each with its page URL."""
    directory = Directory(
        {
            e.slug: e
            for e in (
                entry("ana", tags=("leadership", "data")),
                entry("ben", tags=("leadership", "data")),  # two tags shared: first after the suggestion
                entry("cleo"),
                entry("dora"),
                entry("emil"),  # fourth by rank: beyond the limit
                entry("full", capacity=2),
                entry("paused"),
                entry("closed", accepting=False),
                entry("nowhere", recipient=None),
                entry("other", tags=("finance",)),  # the suggestion may share no tag
                entry("unrelated", tags=("finance",)),
            )
        }
    )
    taken = {"full": 2, "cleo": 5}  # cleo has no capacity: no limit
    found = similar_mentors(
        directory,
        "ana",
        suggested="other",
        taken=taken,
        paused=frozenset({"paused"}),
        base_url="https://m.example.org/",
    )
    assert [s.slug for s in found] == ["other", "ben", "cleo"]
    assert found[0].url == "https://m.example.org/mentors/other/"
    plain = similar_mentors(directory, "ana", taken=taken, paused=frozenset({"paused"}), base_url="https://m/")
    assert [s.slug for s in plain] == ["ben", "cleo", "dora"]
    # A suggestion that cannot take the request (full, or the mentor themself) is skipped.
    for bad in ("full", "ana", "missing"):
        found = similar_mentors(directory, "ana", suggested=bad, taken=taken, paused=frozenset(), base_url="https://m/")
        assert [s.slug for s in found] == ["ben", "cleo", "dora"]


# Settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (
            {"remind_after_days": 10, "coordinator_after_days": 5},
            "coordinator_after_days (5) must come no sooner than remind_after_days (10)",
        ),
        (
            {"coordinator_after_days": 21, "expire_after_days": 21},
            "expire_after_days (21) must come after coordinator_after_days (21)",
        ),
        (
            {"remind_after_days": 3, "coordinator_after_days": 0, "expire_after_days": 2},
            "expire_after_days (2) must come after remind_after_days (3)",
        ),
    ],
)
def test_lifecycle_days_out_of_order_are_a_positioned_error(tmp_path, days, message):
    """The reminder, the coordinator's notice and expiry must come in that order (0 turns one off);
    a site that says otherwise gets an error at the [contact] table's line."""
    site = write_site(tmp_path / "site", base_url=f"{SITE}/", action="https://r.example.org/requests", contact=days)
    with pytest.raises(InputError) as caught:
        load_config(site)
    assert f"site.toml:6:1: error: 'contact': {message}" in str(caught.value)


def test_lifecycle_days_defaults_and_zero_turns_a_step_off(tmp_path):
    site = write_site(tmp_path / "site", base_url=f"{SITE}/", action="https://r.example.org/requests")
    contact = load_config(site).contact
    assert (contact.remind_after_days, contact.coordinator_after_days, contact.expire_after_days) == (7, 14, 21)
    site = write_site(
        tmp_path / "off", base_url=f"{SITE}/", action="https://r.example.org/requests", contact={"remind_after_days": 0}
    )
    assert load_config(site).contact.remind_after_days == 0


# The scheduler on an injected clock -----------------------------------------------------------


def scheduler_for(site: Path, store: Store, clock=utcnow) -> Scheduler:
    settings = resolve(site, load_config(site), database=store.label)
    return Scheduler(store, settings, clock=clock)


def test_scheduler_reminds_escalates_and_expires_once_each(database, tmp_path, opened):
    """After N days a reminder (reminded_at), after M the coordinator's notice (escalated_at),
    after the expiry the state 'expired' (expired_at) and the mentee's mail; a pass that runs
    again queues nothing; answered requests are left alone."""
    site = lifecycle_site(tmp_path / "site")
    store = opened(Store(database))
    start = utcnow()
    waiting, answered = add(store, 1), add(store, 2)
    set_state(store, answered, state="accepted")
    scheduler = scheduler_for(site, store)
    assert scheduler.run_once(start + timedelta(days=2, hours=23)) == {"expired": 0, "coordinator": 0, "reminder": 0}
    assert scheduler.run_once(start + timedelta(days=3, minutes=1)) == {"expired": 0, "coordinator": 0, "reminder": 1}
    assert scheduler.run_once(start + timedelta(days=3, minutes=2)) == {"expired": 0, "coordinator": 0, "reminder": 0}
    assert store.get(waiting) is not None
    assert scheduler.run_once(start + timedelta(days=7, minutes=1)) == {"expired": 0, "coordinator": 1, "reminder": 0}
    assert scheduler.run_once(start + timedelta(days=14, minutes=1)) == {"expired": 1, "coordinator": 0, "reminder": 0}
    assert scheduler.run_once(start + timedelta(days=30)) == {"expired": 0, "coordinator": 0, "reminder": 0}
    row = store.db.query("SELECT * FROM requests WHERE reference = ?", (waiting,))[0]
    assert row["state"] == "expired"
    assert row["reminded_at"] < row["escalated_at"] < row["expired_at"]
    assert mail_rows(store) == sorted(
        [(waiting, "ack"), (answered, "ack"), (waiting, "reminder"), (waiting, "coordinator"), (waiting, "expired")]
    )


def test_a_request_found_past_every_deadline_expires_without_a_reminder(database, tmp_path, opened):
    """A receiver down for weeks catches up at its first pass: expiry goes first, so the mentor
    is not reminded of a request that can no longer be answered."""
    site = lifecycle_site(tmp_path / "site")
    store = opened(Store(database))
    reference = add(store)
    counts = scheduler_for(site, store).run_once(utcnow() + timedelta(days=40))
    assert counts == {"expired": 1, "coordinator": 0, "reminder": 0}
    assert mail_rows(store) == [(reference, "ack"), (reference, "expired")]


def test_no_coordinator_notice_without_a_coordinator_address(database, tmp_path, opened):
    site = lifecycle_site(tmp_path / "site", coordinator_email=None)
    store = opened(Store(database))
    reference = add(store)
    counts = scheduler_for(site, store).run_once(utcnow() + timedelta(days=8))
    assert counts == {"expired": 0, "coordinator": 0, "reminder": 1}
    assert mail_rows(store) == [(reference, "ack"), (reference, "reminder")]


def test_two_schedulers_at_once_queue_each_mail_once(database, tmp_path, opened):
    """Two receivers' schedulers (two stores on one database) run the same passes at the same
    moment: every request gets exactly one mail of each kind, and the counts they report add up
    to exactly that (neither queued what the other had)."""
    site = lifecycle_site(tmp_path / "site")
    first = opened(Store(database))
    refs = {add(first, n) for n in range(60)}
    schedulers = [scheduler_for(site, first), scheduler_for(site, opened(Store(database)))]
    start = utcnow()
    totals: list[dict[str, int]] = []
    lock = threading.Lock()
    for days in (4, 8, 15):
        barrier = threading.Barrier(2)

        def run(scheduler: Scheduler, days=days, barrier=barrier) -> None:
            barrier.wait()
            counts = scheduler.run_once(start + timedelta(days=days))
            with lock:
                totals.append(counts)

        threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    summed = {kind: sum(t[kind] for t in totals) for kind in ("reminder", "coordinator", "expired")}
    assert summed == {"reminder": 60, "coordinator": 60, "expired": 60}
    kinds = ("ack", "reminder", "coordinator", "expired")
    assert mail_rows(first) == sorted((ref, kind) for ref in refs for kind in kinds)
    states = first.db.query("SELECT state, COUNT(*) AS n FROM requests GROUP BY state")
    assert [(r["state"], r["n"]) for r in states] == [("expired", 60)]


# The mails' outbox: leases and fencing as for the requests' ----------------------------------


def test_a_mail_whose_lease_ran_out_is_claimed_again_and_the_late_sender_is_fenced(database, opened):
    store = opened(Store(database, lease_seconds=5))
    reference = add(store)
    now = time.time()
    mail = store.claim_next_mail(now)
    assert (mail.kind, mail.attempts, mail.request.reference) == ("ack", 1, reference)
    assert store.claim_next_mail(now) is None  # claimed: nobody else takes it
    assert store.requeue_expired_mails(now + 1) == 0  # the lease still runs
    assert store.requeue_expired_mails(now + 10) == 1
    again = store.claim_next_mail(now + 10)
    assert (again.id, again.attempts, again.message_id) == (mail.id, 2, mail.message_id)
    store.mark_mail_sent(mail.id, attempt=1)  # the first sender, too late: changes nothing
    assert store.mails()[0]["status"] == "sending"
    store.mark_mail_sent(again.id, attempt=2)
    found = store.mails()[0]
    assert (found["status"], found["attempts"], found["interrupted"]) == ("sent", 2, 1)


# Composition: headers safe for every kind, whatever the name ---------------------------------


def mailer_for(site: Path, store: Store) -> LifecycleMailer:
    settings = resolve(site, load_config(site), database=store.label)
    directory = load_directory(settings)
    return LifecycleMailer(settings, messages_for("en"), lambda: directory, store.load)


def claimed(store: Store) -> list[Mail]:
    found = []
    while (mail := store.claim_next_mail(time.time() + 1)) is not None:
        found.append(mail)
    return found


def queue_every_kind(store: Store, reference: str) -> None:
    for kind in MAIL_KINDS:
        if kind != "ack":  # queued by add
            queue(store, reference, kind)


#: A name in every language direction, with bidi controls and an isolate.
BIDI_NAME = "Zoë \u202eeerf\u202c \u2067سارا\u2069 Mentee"


def test_every_kind_with_a_bidi_name_has_exactly_the_expected_headers(tmp_path, opened):
    """Each kind of mail for a mentee whose name carries bidi controls: exactly the expected
    headers, each once; From, To, Reply-To and Subject decode to what was meant (the name
    intact); To is the right person; the mentor's address only where the mentor consented."""
    site = lifecycle_site(tmp_path / "site")
    store = opened(Store(tmp_path / "r.db"))
    reference = add(store, name=BIDI_NAME)
    queue_every_kind(store, reference)
    mailer = mailer_for(site, store)
    to = {}
    for mail in claimed(store):
        recipient, data = mailer.render(mail)
        head = data.partition(b"\r\n\r\n")[0]
        names = [line.split(b":")[0].decode().lower() for line in head.split(b"\r\n") if line[:1] not in (b" ", b"\t")]
        assert sorted(names) == sorted(HEADERS), mail.kind
        message = parse(data)
        assert message["X-Mentorsite-Reference"] == reference
        assert message["Message-ID"] == mail.message_id
        to[mail.kind] = (recipient, message["To"].addresses[0].display_name, message["Reply-To"].addresses[0].addr_spec)
        shows_mentor = b"ana.private@example.org" in data
        assert shows_mentor == (mail.kind in ("intro_mentee", "intro_mentor", "reminder")), mail.kind
    assert to == {
        "ack": ("zoe@example.org", BIDI_NAME, COORDINATOR),
        "intro_mentee": ("zoe@example.org", BIDI_NAME, "ana.private@example.org"),
        "intro_mentor": ("ana.private@example.org", "Ana Example", "zoe@example.org"),
        "declined": ("zoe@example.org", BIDI_NAME, COORDINATOR),
        "expired": ("zoe@example.org", BIDI_NAME, COORDINATOR),
        "reminder": ("ana.private@example.org", "Ana Example", "zoe@example.org"),
        "coordinator": (COORDINATOR, "", COORDINATOR),
    }


def test_the_acknowledgement_is_written_in_the_sites_language(tmp_path, opened):
    """A French site's acknowledgement: subject, sentences and the date in French."""
    site = lifecycle_site(tmp_path / "site")
    store = opened(Store(tmp_path / "r.db"))
    reference = add(store)
    settings = resolve(site, load_config(site), database=store.label)
    directory = load_directory(settings)
    mailer = LifecycleMailer(settings, messages_for("fr"), lambda: directory, store.load)
    (mail,) = claimed(store)
    message = parse(mailer.render(mail)[1])
    assert message["Subject"] == f"Votre demande de mentorat {reference}"
    body = message.get_content()
    today = format_date(utcnow(), format="long", locale="fr")
    assert f"Nous avons reçu votre demande à Ana Example le {today}. Sa référence est {reference}." in body
    assert f"Préparer votre première rencontre : {SITE}/guides/running-mentoring-meetings/" in body
    assert body.startswith("Bonjour Zoë Mentee,\r\n")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Eve\r\nBcc: victim@evil.example", "contains a control or line-break character"),
        ("=?utf-8?q?Eve=0D=0ABcc:_x@evil.example?=", "contains encoded-word syntax (=? … ?=)"),
        ("Eve\u2028Bcc: victim@evil.example", "contains a control or line-break character"),
    ],
)
def test_every_kind_refuses_a_hostile_name_and_the_outbox_sends_nothing(tmp_path, opened, name, problem):
    """A name that could break a header (a CR LF, an encoded word, a line separator), stored
    past the form's checks, stops every kind that carries it in a header; the outbox keeps
    such a mail as 'failed' with the reason and hands nothing to SMTP."""
    site = lifecycle_site(tmp_path / "site")
    store = opened(Store(tmp_path / "r.db"))
    reference = add(store, name=name)
    queue_every_kind(store, reference)
    mailer = mailer_for(site, store)
    for mail in claimed(store):
        if mail.kind == "coordinator":  # no header holds the mentee's name
            mailer.render(mail)
            continue
        with pytest.raises(UnsafeMessage) as caught:
            mailer.render(mail)
        assert problem in str(caught.value), mail.kind
    # The same through the outbox: each mail in the queue again, sent with a recording transport.
    store._write(lambda tx: tx.execute("UPDATE mails SET status = 'queued', lease_until = NULL, attempts = 0"))
    store._write(lambda tx: tx.execute("UPDATE requests SET status = 'sent'"))  # only the mails are due
    handed: list[str] = []

    class Recording:
        def __init__(self, settings):
            pass

        def deliver(self, recipient, data):
            handed.append(parse(data)["Message-ID"])

        def close(self):
            pass

    settings = resolve(site, load_config(site), database=store.label)
    Outbox(store, settings, transport_factory=Recording, mailer=mailer).drain()
    outcome = {m["kind"]: (m["status"], m["last_error"]) for m in store.mails()}
    assert outcome.pop("coordinator")[0] == "sent"
    assert len(handed) == 1
    for kind, (status, error) in outcome.items():
        assert status == "failed", kind
        assert error.startswith("refused to send an unsafe message: ") and problem in error, kind


# The real receiver, the real SMTP sink ------------------------------------------------------


def post(receiver: ReceiverProcess, **changes) -> str:
    with urllib.request.urlopen(f"{receiver.url}/requests/token", timeout=10) as response:
        ts = json.loads(response.read())["ts"]
    request = urllib.request.Request(
        f"{receiver.url}/requests",
        data=urlencode({**VALID_FORM, **changes, "ts": ts}).encode(),
        headers={"Accept": "application/json", "Origin": SITE},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["reference"]


def wait_for(sink: SmtpSink, kinds: list[str], timeout: float = 20.0) -> dict[str, EmailMessage]:
    """Waits until exactly these kinds have arrived (one each), then a moment for any extra."""
    deadline = time.monotonic() + timeout
    while sorted(kind_of(m) for m in sink.messages()) != sorted(kinds):
        if time.monotonic() > deadline:
            raise TimeoutError(f"expected {sorted(kinds)}, got {sorted(kind_of(m) for m in sink.messages())}")
        time.sleep(0.05)
    time.sleep(0.3)
    messages = sink.messages()
    assert sorted(kind_of(m) for m in messages) == sorted(kinds)
    return {kind_of(m): m for m in messages}


@pytest.fixture
def receiver(tmp_path):
    """The lifecycle site, the SMTP sink and a receiver process on an SQLite database."""
    site = lifecycle_site(tmp_path / "site")
    sink = SmtpSink().start()
    process = ReceiverProcess(site, tmp_path / "data" / "requests.sqlite3", smtp_port=sink.port).start()
    yield site, sink, process
    process.stop()
    sink.stop()


def test_a_post_brings_the_mentors_mail_and_the_mentees_acknowledgement(receiver):
    """Posting the form: the mentor's mail goes to the mentor, the acknowledgement to the mentee
    with the reference, a copy of the request and the meetings guide, and no mentor address."""
    site, sink, process = receiver
    reference = post(process)
    arrived = wait_for(sink, ["request", "ack"])
    rcpt = {kind_of(r.message): r.rcpt_tos for r in sink.received}
    assert rcpt == {"request": ["ana.private@example.org"], "ack": ["zoe@example.org"]}
    ack = arrived["ack"]
    assert ack["Subject"] == f"Your mentoring request {reference}"
    assert (ack["To"].addresses[0].addr_spec, ack["To"].addresses[0].display_name) == ("zoe@example.org", "Zoë Mentee")
    assert ack["Reply-To"].addresses[0].addr_spec == COORDINATOR
    assert ack["X-Mentorsite-Reference"] == reference
    body = ack.get_content()
    assert f"Its reference is {reference}." in body
    assert "Confidence leading a team." in body and "could we talk?" in body
    assert f"Preparing for your first meeting: {SITE}/guides/running-mentoring-meetings/" in body
    raw = next(r.data for r in sink.received if kind_of(r.message) == "ack")
    assert b"ana.private" not in raw
    for r in sink.received:
        assert r.message["X-Mentorsite-Reference"] == reference


def test_on_the_clock_the_mentor_is_reminded_the_coordinator_told_and_the_mentee_offered_others(receiver, tmp_path):
    """Days pass on an injected clock: the reminder reaches the mentor after N days, the
    coordinator's notice after M, and at expiry the mentee gets the mail offering exactly the
    similar open mentors (Eve is full, Dev paused, Ben not accepting; three at most)."""
    site, sink, process = receiver
    reference = post(process)
    wait_for(sink, ["request", "ack"])
    store = Store(tmp_path / "data" / "requests.sqlite3")
    try:
        eve = add(store, 9, mentor="eve-example")  # Eve's one place is taken (her mail and its ack go out)
        set_state(store, eve, state="accepted")
        store._write(lambda tx: tx.execute("INSERT INTO mentor_state (mentor, paused) VALUES ('dev-example', 1)"))
        start = utcnow()
        scheduler = scheduler_for(site, store)
        assert scheduler.run_once(start + timedelta(days=3, minutes=1))["reminder"] == 1
        arrived = wait_for(sink, ["request", "request", "ack", "ack", "reminder"])
        reminder = arrived["reminder"]
        assert sink.of_kind("reminder")[0].rcpt_tos == ["ana.private@example.org"]
        assert reminder["Subject"] == "Reminder: mentoring request from Zoë Mentee"
        assert f"(reference {reference}) and is still waiting for your answer" in reminder.get_content()
        assert scheduler.run_once(start + timedelta(days=7, minutes=1))["coordinator"] == 1
        arrived = wait_for(sink, ["request", "request", "ack", "ack", "reminder", "coordinator"])
        assert sink.of_kind("coordinator")[0].rcpt_tos == [COORDINATOR]
        assert arrived["coordinator"]["Subject"] == f"Unanswered mentoring request {reference}"
        assert scheduler.run_once(start + timedelta(days=14, minutes=1))["expired"] == 1
        arrived = wait_for(sink, ["request", "request", "ack", "ack", "reminder", "coordinator", "expired"])
        expired = arrived["expired"]
        assert sink.of_kind("expired")[0].rcpt_tos == ["zoe@example.org"]
        assert expired["Subject"] == f"About your mentoring request {reference}"
        # Cléo is reachable through the coordinator; sorted by name, Ida is the fourth.
        assert similar_slugs(expired) == ["cleo-example", "gus-example", "hal-example"]
        assert b"private@" not in sink.of_kind("expired")[0].data
        assert store.get(reference) is not None
        state = store.db.query("SELECT state FROM requests WHERE reference = ?", (reference,))[0]["state"]
        assert state == "expired"
    finally:
        store.close()


def test_a_declined_mail_offers_the_mentors_suggestion_first(receiver, tmp_path):
    site, sink, process = receiver
    reference = post(process)
    wait_for(sink, ["request", "ack"])
    store = Store(tmp_path / "data" / "requests.sqlite3")
    try:
        # As the Decline page does (the "lifecycle" work): state, suggestion and the mail, one commit.
        set_state(store, reference, state="declined", suggested_mentor="ida-example")
        queue(store, reference, "declined")
    finally:
        store.close()
    declined = wait_for(sink, ["request", "ack", "declined"])["declined"]
    assert similar_slugs(declined) == ["ida-example", "cleo-example", "dev-example"]
    assert "Ana Example cannot take on your request" in declined.get_content()


def test_smtp_down_then_up_sends_every_lifecycle_mail_once(tmp_path):
    """With SMTP down, lifecycle mails wait in the queue with their error; when it is back each
    is sent exactly once, and a receiver restarted meanwhile sends nothing twice."""
    site = lifecycle_site(tmp_path / "site")
    database = tmp_path / "data" / "requests.sqlite3"
    sink = SmtpSink()  # down
    process = ReceiverProcess(site, database, smtp_port=sink.port).start()
    try:
        refs = [post(process, message=f"Request {n}") for n in range(3)]
        store = Store(database)
        try:
            Scheduler(store, resolve(site, load_config(site), database=database)).run_once(
                utcnow() + timedelta(days=3, minutes=1)
            )
            deadline = time.monotonic() + 20
            while not any(row.last_error for row in store.rows()):  # the outbox has met the dead server
                assert time.monotonic() < deadline
                time.sleep(0.05)
            assert {m["status"] for m in store.mails()} == {"queued"}
            assert len(store.mails()) == 6
            process.kill()  # and a restart while SMTP is still down
            process = ReceiverProcess(site, database, smtp_port=sink.port, port=process.port).start()
            sink.start()
            deadline = time.monotonic() + 20
            while len(sink.received) < 9:
                assert time.monotonic() < deadline, len(sink.received)
                time.sleep(0.05)
            time.sleep(1.0)  # anything sent twice would arrive now
            sent = sorted((kind_of(m), m["X-Mentorsite-Reference"]) for m in sink.messages())
            assert sent == sorted((kind, ref) for ref in refs for kind in ("request", "ack", "reminder"))
            assert {m["status"] for m in store.mails()} == {"sent"}
        finally:
            store.close()
    finally:
        process.stop()
        sink.stop()
