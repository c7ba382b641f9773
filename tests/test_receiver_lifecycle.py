"""A request's lifecycle through a real `mentorsite receive` process and a real SMTP server: the
mentor's mail carries signed answer links; GET on them shows a confirmation page and changes
nothing; POST accepts, declines or pauses once; availability.json and the form follow capacity.
"""

from __future__ import annotations

import http.client
import itertools
import json
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from click.testing import CliRunner
from receiver_kit import ReceiverProcess, SmtpSink, free_port, outbox_settled, write_site

from mentorsite.cli import cli
from mentorsite.receiver.answers import LinkSigner
from mentorsite.receiver.tokens import Signer

SECRET = "lifecycle-test-secret-0123456789"
SITE = "http://127.0.0.1:8000"
_ips = itertools.count(1)

PROFILES = {
    # Capacity 1, asked in every test; tags shared in varying numbers with the others.
    "ana-example": {
        "name": "Ana Example",
        "accepting": True,
        "email": "ana.private@example.org",
        "formats": ["one-to-one"],
        "capacity": 1,
        "tags": ["leadership", "data"],
    },
    "ben-example": {"name": "Ben Example", "accepting": False, "email": "ben@example.org", "formats": []},
    "cleo-example": {
        "name": "Cléo Exemple",
        "accepting": True,
        "email": "cleo@example.org",
        "formats": [],
        "tags": ["leadership", "data"],
    },
    "eve-example": {"name": "Eve Example", "accepting": True, "email": "eve@example.org", "formats": []},
    "fay-example": {
        "name": "Fay Example",
        "accepting": True,
        "email": "fay@example.org",
        "formats": [],
        "tags": ["data"],
    },
    "gus-example": {
        "name": "Gus Example",
        "accepting": True,
        "email": "gus@example.org",
        "formats": [],
        "tags": ["finance"],
    },
    "hal-example": {"name": "Hal Example", "accepting": True, "email": None, "formats": []},
}


@dataclass
class Service:
    receiver: ReceiverProcess
    sink: SmtpSink
    database: Path
    site: Path

    def query(self, sql: str, params: tuple = ()) -> list[dict]:
        with sqlite3.connect(self.database) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql, params)]

    def row(self, reference: str) -> dict:
        (found,) = self.query("SELECT * FROM requests WHERE reference = ?", (reference,))
        return found

    def snapshot(self) -> list:
        """Every lifecycle table, as stored."""
        return [self.query(f"SELECT * FROM {t} ORDER BY 1") for t in ("requests", "mails", "mentor_state")]

    def cli(self, *args: str):
        return CliRunner().invoke(cli, ["requests", *args, str(self.site), "--database", str(self.database)])


@pytest.fixture
def service(tmp_path):
    sink = SmtpSink().start()
    port = free_port()
    site = write_site(
        tmp_path / "site",
        base_url=f"{SITE}/",
        action=f"http://127.0.0.1:{port}/requests",
        contact={"min_fill_seconds": 0.5, "from_email": "mentors@example.org", "retry_base_seconds": 0.2},
        profiles=PROFILES,
    )
    receiver = ReceiverProcess(
        site,
        tmp_path / "data" / "requests.sqlite3",
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
    assert code == 0
    assert "Traceback" not in receiver.output(), receiver.output()


def call(
    service: Service, method: str, path: str, body: bytes | str | dict | None = None, **headers: str
) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", service.receiver.port, timeout=10)
    sent = {"X-Forwarded-For": f"198.51.100.{next(_ips)}", **{k.replace("_", "-"): v for k, v in headers.items()}}
    if isinstance(body, dict):
        body = urlencode(body)
    if body is not None:
        sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
    conn.request(method, path, body=body.encode() if isinstance(body, str) else body, headers=sent)
    response = conn.getresponse()
    data = response.read().decode("utf-8")
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def send_request(service: Service, mentor: str = "ana-example", *, accept_json: bool = True) -> tuple[int, dict]:
    form = {
        "mentor": mentor,
        "name": "Zoë Mentee",
        "email": "zoe@example.org",
        "hope_to_gain": "Confidence leading a team.",
        "goals": "",
        "format": "one-to-one" if mentor == "ana-example" else "no-preference",
        "cadence": "monthly",
        "message": "Hello,\r\ncould we talk?",
        "consent": "yes",
        "ts": Signer(SECRET.encode()).issue(now=time.time() - 5),
    }
    extra = {"Accept": "application/json"} if accept_json else {}
    status, _, body = call(service, "POST", "/requests", form, Origin=SITE, **extra)
    return status, (json.loads(body) if accept_json else {"html": body})


def mentor_mail_links(service: Service, reference: str) -> dict[str, str]:
    """The answer links in the mail the mentor received for `reference`, by their label."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        # The mentee's acknowledgement carries the same reference and is queued in the same
        # commit: either can arrive first, so only the mentor's mail (kind "request") counts.
        for received in service.sink.of_kind("request"):
            if received.message["X-Mentorsite-Reference"] == reference:
                text = received.message.get_content().replace("\r\n", "\n")
                return dict(re.findall(r"^(Accept|Decline|I'm full)[^:]*: (http\S+)$", text, re.M))
        time.sleep(0.02)
    raise TimeoutError(f"no mail for {reference}:\n{service.receiver.output()}")


def delivered(service: Service, reference: str) -> dict:
    deadline = time.monotonic() + 10
    while service.row(reference)["state"] != "delivered" and time.monotonic() < deadline:
        time.sleep(0.02)
    # The mentee's acknowledgement goes out after the mentor's mail: wait for it too, so a test
    # comparing the tables before and after an action is not met by that send.
    outbox_settled(service.database)
    return service.row(reference)


def path_of(link: str) -> str:
    return urlsplit(link).path


def form_token(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def availability(service: Service, **headers: str) -> tuple[int, dict, dict]:
    status, got, body = call(service, "GET", "/availability.json", **headers)
    return status, got, (json.loads(body) if body else {})


def wait_for_status(service: Service, slug: str, wanted: str) -> dict:
    """availability.json once it shows `wanted` for `slug` (a change made by another process shows
    within the receiver's few seconds of memory)."""
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline:
        mentors = availability(service)[2]["mentors"]
        if mentors[slug] == wanted:
            return mentors
        time.sleep(0.1)
    raise AssertionError(f"{slug} never became {wanted}: {mentors}")


def accepted_request(service: Service) -> str:
    """A request to ana-example, delivered and accepted through its link."""
    status, answer = send_request(service)
    assert status == 201, answer
    reference = answer["reference"]
    link = path_of(mentor_mail_links(service, reference)["Accept"])
    delivered(service, reference)
    _, _, page = call(service, "GET", link)
    assert call(service, "POST", link, {"token": form_token(page)}, Origin=service.receiver.url)[0] == 200
    return reference


# The mail and the states ---------------------------------------------------------------------------


def test_the_delivered_mail_carries_three_signed_links_and_the_request_is_delivered(service):
    """The mentor's mail holds Accept, Decline and pause links on the receiver's /answer/ path, each a
    token the receiver signed for that request (or mentor) with the configured expiry; the SMTP 250
    moved the request received -> delivered at the moment it was sent."""
    status, answer = send_request(service)
    assert status == 201, answer
    reference = answer["reference"]
    links = mentor_mail_links(service, reference)
    assert sorted(links) == ["Accept", "Decline", "I'm full"]
    row = delivered(service, reference)
    assert (row["state"], row["status"], row["delivered_at"]) == ("delivered", "sent", row["sent_at"])
    signer = LinkSigner(SECRET.encode())
    now = time.time()
    checks = {label: signer.check(path_of(link).removeprefix("/answer/"), now) for label, link in links.items()}
    assert {label: (c.status, c.action, c.subject) for label, c in checks.items()} == {
        "Accept": ("ok", "accept", reference),
        "Decline": ("ok", "decline", reference),
        "I'm full": ("ok", "pause", "ana-example"),
    }
    created = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
    assert {c.expires for c in checks.values()} == {int((created + timedelta(days=14)).timestamp())}
    assert all(link.startswith(service.receiver.url + "/answer/") for link in links.values())


def test_opening_every_link_many_times_changes_nothing(service):
    """A mail scanner's prefetch: GET and HEAD on every link, five times each, leave every table as
    it was; each GET is a confirmation page (200) with a POST form, the mentee's name and text, and
    no mentee address."""
    reference = send_request(service)[1]["reference"]
    links = mentor_mail_links(service, reference)
    delivered(service, reference)
    before = service.snapshot()
    for _ in range(5):
        for link in links.values():
            status, headers, page = call(service, "GET", path_of(link))
            assert status == 200, page
            assert headers["cache-control"] == "no-store"
            assert '<form method="post"' in page and "zoe@example.org" not in page
            assert call(service, "HEAD", path_of(link))[0] == 200
    assert service.snapshot() == before
    _, _, accept_page = call(service, "GET", path_of(links["Accept"]))
    assert "Accept this request?" in accept_page and "Zoë Mentee" in accept_page and "could we talk?" in accept_page


def test_accept_confirmed_by_post_changes_the_state_once_and_queues_the_introductions(service):
    """POST from the confirmation page accepts: state, answered_at and exactly the mails ack,
    intro_mentee and intro_mentor; the replayed POST and a later GET get 409 saying when."""
    reference = send_request(service)[1]["reference"]
    link = path_of(mentor_mail_links(service, reference)["Accept"])
    delivered(service, reference)
    _, _, page = call(service, "GET", link)
    status, _, done = call(service, "POST", link, {"token": form_token(page)}, Origin=service.receiver.url)
    assert status == 200 and "Request accepted" in done
    row = service.row(reference)
    assert row["state"] == "accepted" and row["answered_at"] is not None
    kinds = service.query("SELECT kind FROM mails WHERE request_id = ? ORDER BY kind", (row["id"],))
    assert [k["kind"] for k in kinds] == ["ack", "intro_mentee", "intro_mentor"]
    # The introductions go out (once each) before the replay is tried, so the tables stay still.
    outbox_settled(service.database)
    sent = service.query("SELECT kind, status FROM mails WHERE request_id = ? ORDER BY kind", (row["id"],))
    assert [(k["kind"], k["status"]) for k in sent] == [
        ("ack", "sent"),
        ("intro_mentee", "sent"),
        ("intro_mentor", "sent"),
    ]
    assert [len(service.sink.of_kind(kind)) for kind in ("intro_mentee", "intro_mentor")] == [1, 1]
    before = service.snapshot()
    day = datetime.now(UTC).strftime("%-d %B %Y")
    expected = f"This request was already accepted on {day}. Nothing was changed."
    replay = call(service, "POST", link, {"token": form_token(page)}, Origin=service.receiver.url)
    assert replay[0] == 409 and expected in replay[2]
    again = call(service, "GET", link)
    assert again[0] == 409 and expected in again[2] and "<form" not in again[2].split("</header>")[-1]
    decline = path_of(mentor_mail_links(service, reference)["Decline"])
    assert call(service, "GET", decline)[0] == 409
    assert service.snapshot() == before


def test_tampered_expired_forged_and_cross_site_answers_change_nothing(service):
    """A changed signature, a token moved to another reference, an expired token, a form token that
    is not the link's, an unknown reference and a post from another site: a clear page, 4xx, and
    every table as it was."""
    reference = send_request(service)[1]["reference"]
    link = path_of(mentor_mail_links(service, reference)["Accept"])
    delivered(service, reference)
    before = service.snapshot()
    token = link.removeprefix("/answer/")
    action, subject, expiry, signature = token.split(".")
    tampered = f"/answer/{action}.{subject}.{expiry}.{signature[:-2]}AA"
    moved = f"/answer/{action}.MR-0000-0000.{expiry}.{signature}"
    signer = LinkSigner(SECRET.encode())
    expired = "/answer/" + signer.issue("accept", reference, datetime.now(UTC) - timedelta(seconds=1))
    unknown = "/answer/" + signer.issue("accept", "MR-0000-0000", datetime.now(UTC) + timedelta(days=1))
    invalid = "Check that the whole link was copied from the email. Nothing was changed."
    for path in (tampered, moved, "/answer/", "/answer/accept", "/answer/" + "x" * 5000):
        for method in ("GET", "POST"):
            status, _, page = call(service, method, path, {"token": path.removeprefix("/answer/")})
            assert (status, invalid in page) == (400, True), (path, method, page)
    for method in ("GET", "POST"):
        status, _, page = call(service, method, expired, {"token": expired.removeprefix("/answer/")})
        assert status == 410 and "The links in a request email work for 14 days. Nothing was changed" in page
        status, _, page = call(service, method, unknown, {"token": unknown.removeprefix("/answer/")})
        assert status == 404 and "This request or profile is no longer stored. Nothing was changed." in page
    other_token = "/answer/" + signer.issue("accept", reference, datetime.now(UTC) + timedelta(days=1))
    assert call(service, "POST", link, {"token": other_token.removeprefix("/answer/")})[0] == 400
    assert call(service, "POST", link, {"token": token}, Origin="https://evil.example")[0] == 403
    assert call(service, "POST", link, {"token": token, "x": "y" * 9000})[0] == 413
    assert call(service, "POST", link, "token=" + token, Content_Type="text/plain")[0] == 415
    assert call(service, "PUT", link, {"token": token})[0] == 405
    assert service.snapshot() == before


def test_decline_keeps_a_clean_reason_and_refuses_a_forged_suggestion(service):
    """The reason is stored with line breaks but without CR, bidi overrides or other control
    characters, and is shown escaped; a suggested mentor outside the offered list (a real but
    dissimilar mentor, a made-up slug) is a 422 that changes nothing; the offered list is the open
    mentors sharing tags with the one asked, most shared first."""
    reference = send_request(service)[1]["reference"]
    link = path_of(mentor_mail_links(service, reference)["Decline"])
    delivered(service, reference)
    _, _, page = call(service, "GET", link)
    offered = re.findall(r'<option value="([a-z-]+)"', page)
    assert offered == ["cleo-example", "eve-example", "fay-example"]
    before = service.snapshot()
    reason = "Busy until June.\r\n<script>alert(1)</script> \u202eevil\u202c\x07"
    for forged in ("gus-example", "../../etc", "ben-example"):
        status, _, again = call(
            service, "POST", link, {"token": form_token(page), "reason": reason, "suggested_mentor": forged}
        )
        assert status == 422 and "Choose a mentor from the list." in again
        assert "<script>alert" not in again and "&lt;script&gt;alert(1)&lt;/script&gt;" in again
    assert service.snapshot() == before
    status, _, done = call(
        service, "POST", link, {"token": form_token(page), "reason": reason, "suggested_mentor": "cleo-example"}
    )
    assert status == 200 and "Request declined" in done
    row = service.row(reference)
    assert (row["state"], row["decline_reason"], row["suggested_mentor"]) == (
        "declined",
        "Busy until June.\n<script>alert(1)</script> evil",
        "cleo-example",
    )
    kinds = service.query("SELECT kind FROM mails WHERE request_id = ? ORDER BY kind", (row["id"],))
    assert [k["kind"] for k in kinds] == ["ack", "declined"]


# Capacity and availability --------------------------------------------------------------------------


def test_capacity_reached_makes_the_mentor_full_and_refuses_new_requests_with_similar_mentors(service):
    """ana-example has capacity 1: once one request is accepted, availability.json says "full"
    and a new request gets 409 with the three open mentors sharing most tags (JSON and page);
    nothing is stored. `requests close` frees the place and says so."""
    assert availability(service)[2]["mentors"]["ana-example"] == "open"
    reference = accepted_request(service)
    assert availability(service)[2]["mentors"]["ana-example"] == "full"
    count = len(service.query("SELECT id FROM requests"))
    status, answer = send_request(service)
    assert status == 409
    assert answer == {
        "ok": False,
        "code": "mentor_full",
        "message": "Ana Example has no free place at the moment, so your request was not sent.",
        "similar": [
            {"slug": slug, "name": name, "url": f"{SITE}/mentors/{slug}/"}
            for slug, name in (
                ("cleo-example", "Cléo Exemple"),
                ("eve-example", "Eve Example"),
                ("fay-example", "Fay Example"),
            )
        ],
    }
    status, page = send_request(service, accept_json=False)
    assert status == 409
    assert re.findall(r'href="http://127.0.0.1:8000/mentors/([a-z-]+)/"', page["html"].split("similar-mentors")[1])[
        :3
    ] == ["cleo-example", "eve-example", "fay-example"]
    assert len(service.query("SELECT id FROM requests")) == count
    result = service.cli("close", reference.lower())
    assert (result.exit_code, result.output) == (
        0,
        f"{reference}: mentorship closed; ana-example has one more free place\n",
    )
    assert service.row(reference)["closed_at"] is not None
    wait_for_status(service, "ana-example", "open")
    assert send_request(service)[0] == 201
    again = service.cli("close", reference)
    assert again.exit_code == 1 and "the mentorship was already closed at" in again.output


def test_a_withdrawn_request_takes_no_answer(service):
    """`requests withdraw` ends an unanswered request; its Accept link then says so and acts on nothing."""
    reference = send_request(service)[1]["reference"]
    link = path_of(mentor_mail_links(service, reference)["Accept"])
    delivered(service, reference)
    result = service.cli("withdraw", reference.lower())
    assert (result.exit_code, result.output) == (0, f"{reference}: withdrawn; the mentor's links now say so\n")
    row = service.row(reference)
    assert row["state"] == "withdrawn" and row["withdrawn_at"] is not None
    before = service.snapshot()
    status, _, page = call(service, "GET", link)
    assert status == 409 and "This request was withdrawn on" in page
    assert call(service, "POST", link, {"token": link.removeprefix("/answer/")}, Origin=service.receiver.url)[0] == 409
    assert service.snapshot() == before
    again = service.cli("withdraw", reference)
    assert (again.exit_code, again.output) == (
        1,
        f"Error: {reference} is withdrawn already: only an unanswered request can be withdrawn\n",
    )


def test_pause_link_pauses_until_resumed(service):
    """The "I'm full" link, confirmed by POST, pauses the mentor: availability says "paused", a
    new request gets 409 mentor_paused; the replay says since when; `requests resume` reopens."""
    reference = send_request(service)[1]["reference"]
    link = path_of(mentor_mail_links(service, reference)["I'm full"])
    _, _, page = call(service, "GET", link)
    assert "Pause your profile?" in page
    status, _, done = call(service, "POST", link, {"token": form_token(page)})
    assert status == 200 and "Profile paused" in done
    assert availability(service)[2]["mentors"]["ana-example"] == "paused"
    status, answer = send_request(service)
    assert (status, answer["code"]) == (409, "mentor_paused")
    day = datetime.now(UTC).strftime("%-d %B %Y")
    replay = call(service, "POST", link, {"token": form_token(page)})
    assert replay[0] == 409 and f"Your profile was already paused on {day}. Nothing was changed." in replay[2]
    result = service.cli("resume", "ana-example")
    assert (result.exit_code, result.output) == (0, "ana-example: resumed; availability.json shows it within seconds\n")
    wait_for_status(service, "ana-example", "open")
    assert service.cli("resume", "ana-example").exit_code == 1


def test_availability_json_is_public_cacheable_and_readable_by_the_site_only(service):
    """Exactly {generated, mentors} with every published mentor's status; public caching for 60 s,
    an ETag answered with 304, CORS for the site's origin only."""
    status, headers, data = availability(service, Origin=SITE)
    assert status == 200
    assert data["mentors"] == {
        "ana-example": "open",
        "ben-example": "closed",  # not accepting in the profile
        "cleo-example": "open",
        "eve-example": "open",
        "fay-example": "open",
        "gus-example": "open",
        "hal-example": "closed",  # no address to deliver to
    }
    assert sorted(data) == ["generated", "mentors"]
    assert datetime.fromisoformat(data["generated"].replace("Z", "+00:00")) <= datetime.now(UTC)
    assert (headers["content-type"], headers["cache-control"], headers["access-control-allow-origin"]) == (
        "application/json",
        "public, max-age=60",
        SITE,
    )
    assert headers["vary"] == "Origin" and re.fullmatch(r'"[0-9a-f]{20}"', headers["etag"])
    status, again, body = call(service, "GET", "/availability.json", If_None_Match=headers["etag"], Origin=SITE)
    assert (status, body, again["etag"]) == (304, "", headers["etag"])
    status, other, _ = availability(service, Origin="https://evil.example")
    assert status == 200 and "access-control-allow-origin" not in other
    preflight = call(service, "OPTIONS", "/availability.json", Origin=SITE, Access_Control_Request_Method="GET")
    assert preflight[0] == 204 and preflight[1]["access-control-allow-methods"] == "GET, OPTIONS"
    assert call(service, "POST", "/availability.json", {})[0] == 405
