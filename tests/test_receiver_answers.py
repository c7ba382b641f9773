"""Answer-link tokens and availability statuses, without a process: pure functions over plain data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mentorsite.receiver.answers import LinkSigner, answer_path, links_for
from mentorsite.receiver.availability import similar_open, statuses
from mentorsite.receiver.directory import Directory, Entry
from mentorsite.receiver.tokens import Signer

KEY = b"k" * 32
EXPIRES = datetime(2026, 3, 16, 9, 30, tzinfo=UTC)


def test_a_token_is_valid_until_its_expiry_and_only_with_its_own_key_and_parts():
    """The signature covers action, subject and expiry; the expiry second itself is too late."""
    signer = LinkSigner(KEY)
    token = signer.issue("decline", "MR-7K3M-Q9XD", EXPIRES)
    assert token.startswith(f"decline.MR-7K3M-Q9XD.{int(EXPIRES.timestamp())}.")
    last = EXPIRES.timestamp() - 1
    assert (signer.check(token, last).status, signer.check(token, last).subject) == ("ok", "MR-7K3M-Q9XD")
    assert signer.check(token, EXPIRES.timestamp()).status == "expired"
    action, subject, expiry, signature = token.split(".")
    for forged in (
        f"accept.{subject}.{expiry}.{signature}",
        f"{action}.MR-0000-0000.{expiry}.{signature}",
        f"{action}.{subject}.{int(expiry) + 86400}.{signature}",
        f"{action}.{subject}.{expiry}",
        f"{action}.{subject}.{expiry}.{signature}.x",
        f"{action}.{subject}.{expiry}.{signature[:-1]}é",
    ):
        assert signer.check(forged, last).status == "invalid", forged
    assert LinkSigner(b"o" * 32).check(token, last).status == "invalid"
    # A form timestamp signed with the same secret is no answer link.
    assert signer.check(Signer(KEY).issue(), last).status == "invalid"
    with pytest.raises(ValueError):
        signer.issue("accept", "../etc", EXPIRES)


def test_links_follow_the_receiver_url_and_the_request_time():
    links = links_for(
        LinkSigner(KEY),
        reference="MR-7K3M-Q9XD",
        mentor="ana-example",
        created_at="2026-03-02T09:30:00.000000Z",
        receiver_url="https://example.org/receiver",
        days=14,
    )
    assert links.expires == EXPIRES
    assert links.accept.startswith("https://example.org/receiver/answer/accept.MR-7K3M-Q9XD.")
    assert links.pause.startswith("https://example.org/receiver/answer/pause.ana-example.")
    assert answer_path("https://example.org/receiver") == "/receiver/answer/"
    assert answer_path("https://example.org") == "/answer/"


def test_statuses_and_similar_open_mentors():
    """closed before paused before full; similar mentors are open ones sharing most tags, ties by name."""
    entries = {
        "ana": Entry("ana", "Ana", True, (), "a@x.org", 1, ("data", "lead")),
        "ben": Entry("ben", "Ben", False, (), "b@x.org", None, ("data", "lead")),
        "cy": Entry("cy", "Cy", True, (), None, None, ("data",)),
        "dee": Entry("dee", "Dee", True, (), "d@x.org", 0, ("data",)),
        "eli": Entry("eli", "Eli", True, (), "e@x.org", None, ("data",)),
        "fox": Entry("fox", "Fox", True, (), "f@x.org", 3, ("data", "lead")),
        "gil": Entry("gil", "Gil", True, (), "g@x.org", None, ("art",)),
        "abe": Entry("abe", "Abe", True, (), "z@x.org", None, ("lead",)),
    }
    directory = Directory(entries)
    status = statuses(directory, {"ana": 1, "fox": 2}, {"eli": "2026-03-02T09:30:00.000000Z"})
    assert status == {
        "abe": "open",
        "ana": "full",
        "ben": "closed",
        "cy": "closed",
        "dee": "full",
        "eli": "paused",
        "fox": "open",
        "gil": "open",
    }
    assert [e.slug for e in similar_open(directory, status, "ana")] == ["fox", "abe"]
    assert similar_open(directory, status, "gil") == []
    assert similar_open(directory, status, "nobody") == []
