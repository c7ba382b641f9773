"""Private emails written into public text: found at `check` time, where they were written.

The build's last line of defence (write.Staging) refuses to publish any output file holding a
private address, but it can only name the output file. This rule names the profile or guide
and the line, so the editor knows what to fix before a build ever runs.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

from .config import SiteConfig
from .diagnostics import Diagnostic, quote
from .load import Loaded, LoadedMentor
from .models import PRIVATE_FIELDS
from .replaced import replaced
from .textrules import line_col
from .validation import loc_name
from .write import PrivateStrings, private_strings


def private_addresses(config: SiteConfig, mentors: list[LoadedMentor]) -> frozenset[str]:
    """Addresses never published nor quoted: mentors' private ones and the receiver's coordinator's."""
    # A build asks twice, and serve at every rebuild, mostly for the very same profiles: a
    # LoadedMentor is never edited (load.LoadCache hands back the same one while its file is
    # unchanged), so only the profiles at the places that hold other objects are read again
    # (reading every model took 20 ms at 10,000 mentors, each time). The same addresses are
    # then the very same set, which what is made from it (private_strings) finds at once.
    coordinator = config.contact.coordinator_email
    last = _last_addresses.get(coordinator)
    places = replaced(last[0], mentors) if last is not None else None
    if last is not None and places is not None:
        counts, found = last[1], last[2]
        if places:
            counts = counts.copy()
            for i in places:
                if gone := last[0][i].mentor.email:
                    counts[gone] -= 1
                    if not counts[gone]:
                        del counts[gone]
                if added := mentors[i].mentor.email:
                    counts[added] += 1
            if counts.keys() != last[1].keys():
                found = frozenset(counts) | ({coordinator} if coordinator else set())
    else:
        counts = Counter(m.mentor.email for m in mentors if m.mentor.email)
        found = frozenset(counts) | ({coordinator} if coordinator else set())
    _last_addresses.clear()
    # The mentors are kept alive, so no other object can take one's identity.
    _last_addresses[coordinator] = (list(mentors), counts, found)
    return found


#: The last answer of private_addresses by coordinator address: (the mentors, how many of them
#: have each address, the addresses).
_last_addresses: dict[str | None, tuple[list[LoadedMentor], Counter[str], frozenset[str]]] = {}


def quote_public_sources(diagnostics: list[Diagnostic], loaded: Loaded, config: SiteConfig) -> list[Diagnostic]:
    """Diagnostics with their source line attached, except lines holding a private address
    (a mentor's, or the coordinator's)."""
    hidden = private_strings(frozenset(private_addresses(config, loaded.mentors)))
    # Serve's rebuilds quote mostly the very diagnostics of the last one, in the same order (a
    # LoadCache keeps a file's while its bytes stay), under the same addresses (the same
    # matcher): those at the places holding others are quoted, and those quoted from their
    # file's text (which may have changed under the same diagnostic), not the others (10,000
    # warnings took 40 ms to quote again).
    last = _last_quoted[0] if _last_quoted else None
    places = replaced(last[1], diagnostics) if last is not None and last[0] is hidden else None
    if last is not None and places is not None:
        found = last[2].copy()
        places = sorted({*places, *last[3]})
    else:
        found, places = list(diagnostics), list(range(len(diagnostics)))
    todo = [diagnostics[i] for i in places]
    from_texts = [i for i in places if diagnostics[i].line and not diagnostics[i].source]
    if todo:
        texts = (
            {m.path: m.source for m in loaded.mentors}
            | {g.path: g.source for g in [*loaded.guides, *loaded.translations]}
            if from_texts
            else {}
        )
        quoted = quote(todo, texts, hide=lambda line: hidden.found_in(line.encode("utf-8")))
        for i, q in zip(places, quoted, strict=True):
            found[i] = q
    _last_quoted[:] = [(hidden, list(diagnostics), found, from_texts)]
    return list(found)


#: The last quote_public_sources' matcher, diagnostics (kept alive, so no other diagnostic
#: takes one's identity), answer, and the places of those it quoted from their file's text.
_last_quoted: list[tuple[PrivateStrings, list[Diagnostic], list[Diagnostic], list[int]]] = []


def _owners(mentors: list[LoadedMentor]) -> tuple[dict[str, str], bytes, list[LoadedMentor]]:
    """Whose each private address is (the last profile holding it), their digest, and the
    profiles to look into: every one, or in serve, when the last answer found none holding an
    address and the addresses stayed with the same files, only those at the places holding
    other objects (replaced). A profile found free of these very addresses before (the same
    LoadedMentor, clean_of) is free of them still."""
    last = _last_owners[0]
    places = replaced(last[0], mentors) if last[0] else None
    if places is not None and all(_owner(mentors[i]) == _owner(last[0][i]) for i in places):
        owners, addresses, walk = last[1], last[2], [mentors[i] for i in places] if last[3] else mentors
    else:
        owners = {m.mentor.email.strip().lower(): m.path for m in mentors if m.mentor.email}
        addresses = hashlib.blake2b("\n".join(sorted(owners)).encode("utf-8"), digest_size=16).digest()
        walk = mentors
    _last_owners[0] = (list(mentors), owners, addresses, False)  # private_email_problems says if clean
    return owners, addresses, walk


def _owner(item: LoadedMentor) -> tuple[str | None, str]:
    return (item.mentor.email.strip().lower() if item.mentor.email else None), item.path


#: The last private_email_problems' profiles (kept alive, so no other object takes one's
#: identity), whose each address is, their digest, and whether none of the profiles held one.
_last_owners: list[tuple[list[LoadedMentor], dict[str, str], bytes, bool]] = [([], {}, b"", False)]


def _strings(data: Any, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every text value in parsed YAML data with its location."""
    if isinstance(data, str):
        yield loc, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, loc + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, loc + (index,))


def public_texts(item: LoadedMentor) -> list[tuple[tuple, str]]:
    """Every text of a profile but its private fields, with its location."""
    return [(loc, text) for loc, text in _strings(item.document.data) if not (loc and loc[0] in PRIVATE_FIELDS)]


def public_text(item: LoadedMentor) -> bytes:
    """Every text of a profile but its private fields, joined by newlines (as public_texts).

    Remembered on the LoadedMentor: a LoadCache hands back the same one while its file is
    unchanged, so a process building again and again walks each profile once. Collected
    without locations, which only a profile holding an address needs: over 10,000 bench
    profiles the walk with locations took 0.41 s, this one 0.22 s, on a cold build's one busy
    core."""
    if item.public_text is None:
        found: list[str] = []
        data = item.document.data
        if isinstance(data, dict):
            for key, value in data.items():
                if key not in PRIVATE_FIELDS:
                    _collect(value, found)
        else:
            _collect(data, found)
        item.public_text = "\n".join(found).encode("utf-8")
    return item.public_text


def _collect(data: Any, found: list[str]) -> None:
    """The text values in `data`, in _strings' order."""
    if isinstance(data, str):
        found.append(data)
    elif isinstance(data, dict):
        for value in data.values():
            _collect(value, found)
    elif isinstance(data, list):
        for value in data:
            _collect(value, found)


def private_email_problems(loaded: Loaded) -> list[Diagnostic]:
    """An error for every public field, profile or guide that contains a mentor's private email."""
    owners, addresses, walk = _owners(loaded.mentors)
    private = private_strings(frozenset(owners))
    if not private:
        return []

    def whose(text: str) -> str:
        found = [path for email, path in owners.items() if PrivateStrings({email}).found_in(text.encode("utf-8"))]
        return ", ".join(sorted(found))

    problems = []
    for item in walk:
        if item.clean_of == addresses:
            continue
        if not private.found_in(public_text(item)):
            item.clean_of = addresses
            continue
        for loc, text in public_texts(item):
            if private.found_in(text.encode("utf-8")):
                owner = whose(text)
                mine = owner == item.path
                problems.append(
                    Diagnostic(
                        item.path,
                        *item.document.position(loc),
                        f"'{loc_name(loc)}' contains {'this profile' if mine else owner}'s private email, which is never published",
                        "use public_email for an address that may be shown" if mine else "remove the address",
                    )
                )
    _last_owners[0] = _last_owners[0][:3] + (not problems,)
    for guide in [*loaded.guides, *loaded.translations]:
        meta = guide.meta.model_dump(mode="json")
        if private.found_in(guide.body.encode("utf-8")):
            lower = guide.body.lower()
            index = min((i for i in (lower.find(e) for e in owners) if i >= 0), default=-1)
            line = guide.body_line + line_col(guide.body, index)[0] - 1 if index >= 0 else 0
            problems.append(
                Diagnostic(
                    guide.path,
                    line,
                    1 if line else 0,
                    f"contains {whose(guide.body)}'s private email, which is never published",
                    "remove the address",
                )
            )
        for loc, text in _strings(meta):
            if private.found_in(text.encode("utf-8")):
                problems.append(
                    Diagnostic(
                        guide.path,
                        0,
                        0,
                        f"'{loc_name(loc)}' contains {whose(text)}'s private email, which is never published",
                        "remove the address",
                    )
                )
    return problems
