"""How long `mentorsite report` takes on a year of requests: SQLite and PostgreSQL.

    python bench/report_bench.py                   # 100,000 requests, 1,000 mentors, both backends
    python bench/report_bench.py --requests 20000 --backend sqlite

Generates a site of N mentors (bench/generate.py), seeds each database with the same requests
(bench/seed_requests.py; PostgreSQL is a real server from tests/postgres_kit.py, fsync on),
then times the whole report (read the site, aggregate in the database, render the HTML) three
times and prints the median, with the database's share of it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate  # noqa: E402
from seed_requests import insert, site_mentors, synthetic  # noqa: E402

from mentorsite.receiver.store import Store  # noqa: E402
from mentorsite.report.command import make_report, render  # noqa: E402
from mentorsite.report.query import Period, read_tallies  # noqa: E402


def measure(site: Path, database: str, runs: int = 3) -> tuple[float, float, int]:
    """(median seconds of the whole report, median seconds of the database's part, its size in bytes)."""
    today = date(2026, 1, 5)
    totals, queries = [], []
    for _ in range(runs):
        started = time.perf_counter()
        figures, facts = make_report(site, database, Period(), include_mentees=False, today=today)
        page = render(figures, "html", facts, today)
        totals.append(time.perf_counter() - started)
        with Store(database, create=False) as store:
            started = time.perf_counter()
            read_tallies(store.db, Period())
            queries.append(time.perf_counter() - started)
    return statistics.median(totals), statistics.median(queries), len(page.encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--mentors", type=int, default=1_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mentorsite-report-") as folder:
        site = generate(args.mentors, Path(folder) / "site")
        mentors = site_mentors(site)
        databases: list[tuple[str, str]] = []
        server = None
        if args.backend in ("sqlite", "both"):
            databases.append(("SQLite", str(Path(folder) / "requests.db")))
        if args.backend in ("postgres", "both"):
            from postgres_kit import PostgresServer

            server = PostgresServer(durable=True).start()
            databases.append(("PostgreSQL", server.database()))
        try:
            for label, database in databases:
                started = time.perf_counter()
                with Store(database) as store:
                    insert(store, synthetic(args.requests, mentors))
                seeded = time.perf_counter() - started
                total, query, size = measure(site, database)
                print(
                    f"{label}: {args.requests:,} requests, {len(mentors):,} mentors: report in {total:.2f} s "
                    f"(median of 3; database {query:.2f} s), HTML {size / 1024:.0f} KiB; seeding took {seeded:.1f} s"
                )
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
