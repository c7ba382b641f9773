"""How long the receiver takes to compute availability.json for a large programme.

    python bench/availability_load.py                          # 10,000 mentors, 100,000 requests
    python bench/availability_load.py --database postgresql://user@host/db   # an empty PostgreSQL database

Seeds a fresh database (SQLite in a temporary folder by default) with the requests, a third of
them accepted and a tenth of those closed, and 1 % of the mentors paused; then times
``Availability.current`` with the cache bypassed (``Store.load``'s one query plus the statuses
of every mentor and the JSON body), which is what a receiver does at most every two seconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from mentorsite.contact_fields import FIELD_NAMES  # noqa: E402
from mentorsite.receiver.availability import Availability  # noqa: E402
from mentorsite.receiver.directory import Directory, Entry  # noqa: E402
from mentorsite.receiver.store import Store  # noqa: E402


def seed(store: Store, mentors: list[str], requests: int, rng: random.Random) -> None:
    columns = ("reference", "created_at", "mentor_name", "recipient", *FIELD_NAMES)
    columns += ("content_hash", "message_id", "next_attempt_at", "state", "answered_at", "closed_at")
    sql = f"INSERT INTO requests ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    stamp = "2026-01-01T00:00:00.000000Z"
    rows = []
    for n in range(requests):
        state = "accepted" if n % 3 == 0 else rng.choice(("delivered", "declined", "expired"))
        values = dict.fromkeys(FIELD_NAMES, "") | {"mentor": rng.choice(mentors), "consent": 1}
        rows.append(
            (
                f"MR-{n:08d}",
                stamp,
                "Mentor",
                "m@example.org",
                *(values[name] for name in FIELD_NAMES),
                "h",
                f"<{n}@example.org>",
                0.0,
                state,
                stamp if state in ("accepted", "declined") else None,
                stamp if state == "accepted" and n % 10 == 0 else None,
            )
        )

    def insert(tx) -> None:
        for start in range(0, len(rows), 5_000):
            for row in rows[start : start + 5_000]:
                tx.execute(sql, row)

    store.db.run(insert)
    for slug in mentors[1::100]:
        store.pause(slug, datetime.now(UTC))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentors", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--database", help="a postgresql:// URL of an empty database (default: SQLite)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(13)
    mentors = [f"mentor-{n:05d}" for n in range(args.mentors)]
    directory = Directory(
        {
            slug: Entry(slug, slug, n % 20 != 0, (), "m@example.org", rng.choice((None, 1, 2, 3)), ("tag",))
            for n, slug in enumerate(mentors)
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        store = Store(args.database or Path(folder) / "requests.sqlite3")
        started = time.perf_counter()
        seed(store, mentors, args.requests, rng)
        print(
            f"seeded {args.requests:,} requests for {args.mentors:,} mentors in {time.perf_counter() - started:.1f} s"
        )
        availability = Availability(store)
        times = []
        for _ in range(args.repeat):
            availability.invalidate()
            started = time.perf_counter()
            snapshot = availability.current(directory)
            times.append(time.perf_counter() - started)
        counts: dict[str, int] = {}
        for status in snapshot.mentors.values():
            counts[status] = counts.get(status, 0) + 1
        print(f"statuses: {counts}; body {len(snapshot.body):,} bytes")
        print(
            f"availability.json recomputed {args.repeat} times: median {statistics.median(times) * 1000:.1f} ms, "
            f"max {max(times) * 1000:.1f} ms (served from memory in between)"
        )
        store.close()


if __name__ == "__main__":
    main()
