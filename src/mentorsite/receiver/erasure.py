"""A person's data in the request database: erasure (`requests forget`) and access (`requests
export --person`), as GDPR articles 17 and 15 ask.

An address matches when its local part (before the last "@") is the same, character for
character, and its domain is the same ignoring case: domains are case-insensitive, while a mail
server may treat ``Ana@`` and ``ana@`` as two mailboxes, and erasing someone else's data is
worse than asking the person which spelling they used.

Where an address lives in the database, and what erasure does there:

* ``requests.email``: the person sent the request. The row goes, with its lifecycle mails
  (``mails`` rows, ON DELETE CASCADE).
* ``requests.recipient``: the person received it (a mentor, or the coordinator for a mentor
  without an address). The row stays (it is the mentee's request, and the programme's figures
  count it), with ``recipient`` and ``mentor_name`` replaced by ``ERASED``; a mail to them still
  queued is marked failed instead of being sent. The mentor's slug stays: it is the name of a
  public profile file, which the publisher removes from the site's repository.
* ``last_error`` of any request or mail quoting the address (older versions kept SMTP replies
  as they came) is replaced by ``REDACTED``.

Then the backend's purge step runs, so nothing lingers in its files (SQLite: secure_delete and a
truncated WAL; PostgreSQL: VACUUM).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .schema import STAMP_COLUMNS
from .store import Store, iso, utcnow

#: What replaces an erased recipient's address and name.
ERASED = "(erased)"
#: What replaces an error text that quoted an erased address.
REDACTED = "[erased address]"
#: Lifecycle mails to the mentee, and to the request's recipient (``schema.MAIL_KINDS``).
TO_MENTEE = ("ack", "intro_mentee", "declined", "expired")
TO_RECIPIENT = ("intro_mentor", "reminder")
#: What a mentee's copy leaves out of a request they sent: the receiver's machinery, and the
#: mentor's private address (``recipient``), which a mentee never sees.
_NOT_FOR_SENDER = (
    "id",
    "recipient",
    "token_nonce",
    "content_hash",
    "next_attempt_at",
    "lease_until",
    "attempts",
    "interrupted",
)
#: What a recipient's copy shows of a request they received: never the mentee's own fields.
_RECIPIENT_VIEW = (
    "reference",
    "created_at",
    "mentor",
    "mentor_name",
    "recipient",
    "status",
    "sent_at",
    "state",
    *STAMP_COLUMNS,
    "decline_reason",
    "suggested_mentor",
)


def same_address(stored: str, wanted: str) -> bool:
    """Exact local part, case-insensitive domain (see the module's docstring)."""
    local, at, domain = stored.strip().rpartition("@")
    wanted_local, wanted_at, wanted_domain = wanted.strip().rpartition("@")
    return bool(at and wanted_at) and local == wanted_local and domain.casefold() == wanted_domain.casefold()


def _matching(tx: Any, column: str, address: str) -> list[int]:
    # lower() narrows the candidates in the database; same_address decides.
    rows = tx.execute(f"SELECT id, {column} AS address FROM requests WHERE lower({column}) = ?", (address.lower(),))
    return [row["id"] for row in rows.fetchall() if same_address(row["address"], address)]


def _marks(values: list[int] | tuple[str, ...]) -> str:
    return ", ".join("?" * len(values))


@dataclass(frozen=True)
class Erased:
    """What `forget` erased (or, in a dry run, would erase)."""

    #: Requests the person sent, deleted.
    requests: int
    #: Their lifecycle mails, deleted with them.
    mails: int
    #: Requests the person received, kept with the address and name replaced.
    received: int
    #: Error texts that quoted the address, replaced.
    errors: int


def forget(store: Store, address: str, *, dry_run: bool = False) -> Erased:
    """Erase `address` from the request database, in one transaction; idempotent."""
    pattern = "%" + address.strip().lower() + "%"

    def erase(tx: Any) -> Erased:
        sent = _matching(tx, "email", address)
        received = _matching(tx, "recipient", address)
        mails = 0
        if sent:
            mails = tx.execute(
                f"SELECT COUNT(*) AS n FROM mails WHERE request_id IN ({_marks(sent)})", sent
            ).fetchone()["n"]
        errors = sum(
            tx.execute(f"SELECT COUNT(*) AS n FROM {table} WHERE lower(last_error) LIKE ?", (pattern,)).fetchone()["n"]
            for table in ("requests", "mails")
        )
        if dry_run:
            return Erased(len(sent), mails, len(received), errors)
        for table in ("requests", "mails"):
            tx.execute(f"UPDATE {table} SET last_error = ? WHERE lower(last_error) LIKE ?", (REDACTED, pattern))
        if sent:
            tx.execute(f"DELETE FROM requests WHERE id IN ({_marks(sent)})", sent)
        if received:
            tx.execute(
                "UPDATE requests SET recipient = ?, mentor_name = ?,"
                " last_error = CASE WHEN status = 'queued' THEN 'recipient erased' ELSE last_error END,"
                f" status = CASE WHEN status = 'queued' THEN 'failed' ELSE status END WHERE id IN ({_marks(received)})",
                (ERASED, ERASED, *received),
            )
            tx.execute(
                "UPDATE mails SET status = 'failed', last_error = 'recipient erased'"
                f" WHERE status = 'queued' AND kind IN ({_marks(TO_RECIPIENT)}) AND request_id IN ({_marks(received)})",
                (*TO_RECIPIENT, *received),
            )
        return Erased(len(sent), mails, len(received), errors)

    erased: Erased = store.db.run(erase)
    if not dry_run and (erased.requests or erased.received or erased.errors):
        store.db.after_purge()
    return erased


def _mails(store: Store, ids: list[int], kinds: tuple[str, ...]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = store.db.query(
        f"SELECT request_id, kind, created_at, status, sent_at FROM mails WHERE request_id IN ({_marks(ids)})"
        f" AND kind IN ({_marks(kinds)}) ORDER BY created_at, id",
        [*ids, *kinds],
    )
    for row in rows:
        found[row["request_id"]].append(
            {"kind": row["kind"], "created_at": row["created_at"], "status": row["status"], "sent_at": row["sent_at"]}
        )
    return found


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float)) else str(value)


def person_data(store: Store, address: str, now: datetime | None = None) -> dict[str, Any]:
    """Everything the database holds about `address`, as JSON-ready data: the requests they sent
    (every field, state and timestamp, and the lifecycle mails sent to them about it) and the
    requests they received (the request's course, never the mentee's own fields). A mentee's
    copy never holds the mentor's private address."""

    def rows(column: str) -> list[dict[str, Any]]:
        found = store.db.query(
            f"SELECT * FROM requests WHERE lower({column}) = ? ORDER BY created_at, id", (address.strip().lower(),)
        )
        return [dict(row) for row in found if same_address(row[column], address)]

    sent, received = rows("email"), rows("recipient")
    sent_mails = _mails(store, [r["id"] for r in sent], TO_MENTEE)
    received_mails = _mails(store, [r["id"] for r in received], TO_RECIPIENT)
    return {
        "address": address.strip(),
        "exported_at": iso(now or utcnow()),
        "requests_sent": [
            {**{k: _plain(v) for k, v in row.items() if k not in _NOT_FOR_SENDER}, "mails": sent_mails[row["id"]]}
            for row in sent
        ],
        "requests_received": [
            {**{k: _plain(row[k]) for k in _RECIPIENT_VIEW if k in row}, "mails": received_mails[row["id"]]}
            for row in received
        ],
    }
