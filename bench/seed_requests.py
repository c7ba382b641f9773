"""Fill a request database with N synthetic requests over about a year, deterministically.

    python bench/seed_requests.py 100000 --database bench/out/requests.db --site bench/out/site-1k
    python bench/seed_requests.py 100000 --database postgresql://user@host/db --mentors 1000

The same N, mentors and seed always give the same rows (seeded RNG, fixed dates), in every
lifecycle state with its timestamps: accepted (some closed), declined, expired, withdrawn and
still open. Mentor slugs come from --site's mentors/ (so `mentorsite report` finds them), else
are generated as mentor-00001 …. Rows go in with one multi-row statement per batch, in one
transaction: the point is to measure the report, not the inserts. `insert` is also what the
report's tests use to put rows whose figures they know by construction.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mentorsite.receiver.store import Store, iso  # noqa: E402

#: The first request of a seeded year.
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
#: Lifecycle outcomes and their shares.
OUTCOMES = (("accepted", 0.45), ("declined", 0.25), ("expired", 0.12), ("withdrawn", 0.03), ("open", 0.15))
_BATCH = 500


def insert(store: Store, records: Iterable[Mapping[str, object]]) -> int:
    """Insert requests: each record gives at least reference, created_at, mentor, name and email,
    and any lifecycle column (state, answered_at, closed_at …); the rest gets neutral values."""
    count = 0

    def batch_insert(tx, batch: list[dict[str, object]]) -> None:
        columns = list(batch[0])
        row_marks = "(" + ", ".join("?" * len(columns)) + ")"
        tx.execute(
            f"INSERT INTO requests ({', '.join(columns)}) VALUES {', '.join([row_marks] * len(batch))}",
            [row[c] for row in batch for c in columns],
        )

    def complete(record: Mapping[str, object]) -> dict[str, object]:
        reference = str(record["reference"])
        state = record.get("state", "received")
        return {
            "mentor_name": record.get("mentor_name", record["mentor"]),
            "recipient": f"{record['mentor']}@mentors.example",
            "hope_to_gain": "Advice",
            "consent": 1,
            "content_hash": hashlib.sha256(reference.encode()).hexdigest(),
            "message_id": f"<{reference.lower()}@seed.example>",
            "status": "queued" if state == "received" else "sent",
            "next_attempt_at": 0.0,
            "state": state,
            **record,
        }

    def write(tx) -> None:
        nonlocal count
        batch: list[dict[str, object]] = []
        for record in records:
            row = complete(record)
            if batch and list(row) != list(batch[0]):
                batch_insert(tx, batch)
                batch = []
            batch.append(row)
            count += 1
            if len(batch) == _BATCH:
                batch_insert(tx, batch)
                batch = []
        if batch:
            batch_insert(tx, batch)

    store.db.run(write)
    return count


def synthetic(count: int, mentors: list[str], seed: int = 20261201) -> Iterable[dict[str, object]]:
    """`count` requests spread over 52 weeks from START, to `mentors` (popular ones more often)."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 0.6 for rank in range(len(mentors))]
    shares = [share for _state, share in OUTCOMES]
    year = timedelta(weeks=52).total_seconds()
    for index in range(count):
        created = START + timedelta(seconds=rng.random() * year)
        outcome = rng.choices(OUTCOMES, shares)[0][0]
        mentee = rng.randrange(count // 2 + 1)
        record: dict[str, object] = {
            "reference": f"MR-S{index:07d}",
            "created_at": iso(created),
            "mentor": rng.choices(mentors, weights)[0],
            "name": f"Mentee {mentee}",
            "email": f"mentee{mentee}@mentees.example",
            "state": "delivered" if outcome == "open" else outcome,
            "delivered_at": iso(created + timedelta(minutes=1)),
            "answered_at": None,
            "expired_at": None,
            "withdrawn_at": None,
            "closed_at": None,
        }
        if outcome in ("accepted", "declined"):
            answered = created + timedelta(hours=rng.expovariate(1 / 30))
            record["answered_at"] = iso(answered)
            if outcome == "accepted" and rng.random() < 0.8:
                record["closed_at"] = iso(answered + timedelta(days=rng.randrange(30, 180)))
        elif outcome == "expired":
            record["expired_at"] = iso(created + timedelta(days=14))
        elif outcome == "withdrawn":
            record["withdrawn_at"] = iso(created + timedelta(days=2))
        yield record


def site_mentors(site: Path) -> list[str]:
    return sorted(path.stem for path in (site / "mentors").glob("*.yaml"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--database", required=True, help="An SQLite file or a postgresql:// URL.")
    parser.add_argument("--site", type=Path, help="Take the mentors' slugs from this site's mentors/.")
    parser.add_argument("--mentors", type=int, default=1000, help="Without --site: this many made-up slugs.")
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    mentors = site_mentors(args.site) if args.site else [f"mentor-{i:05d}" for i in range(1, args.mentors + 1)]
    with Store(args.database) as store:
        done = insert(store, synthetic(args.count, mentors, args.seed))
    print(f"seeded {done:,} requests to {len(mentors):,} mentors in {args.database}")


if __name__ == "__main__":
    main()
