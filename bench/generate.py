"""Generate a synthetic mentorsite site with N mentors, deterministically.

    python bench/generate.py 10000 bench/out/site-10k

The same N always gives byte-identical files (seeded RNG, fixed dates), so timings compare
across commits. Vocabularies and guides come from the example site at the repo root.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FIRST = [
    "Ana",
    "Bruno",
    "Chidi",
    "Dana",
    "Elif",
    "Farah",
    "Gustav",
    "Hana",
    "Ivan",
    "Jia",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tomás",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoë",
    "Åsa",
    "Çağla",
    "Dương",
    "Łucja",
    "Ngũgĩ",
    "Ólafur",
]
LAST = [
    "Almeida",
    "Bergström",
    "Castillo",
    "Dlamini",
    "Eriksen",
    "Fonseca",
    "Gallagher",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalska",
    "Lindqvist",
    "Mensah",
    "Nakamura",
    "Okafor",
    "Petrova",
    "Quispe",
    "Rahman",
    "Sato",
    "Tanaka",
    "Usman",
    "Varga",
    "Wójcik",
    "Xu",
    "Yilmaz",
    "Zapata",
    "Núñez",
    "Søndergaard",
]
CITIES = [
    ("Lisbon", "PT", "Europe/Lisbon"),
    ("Oslo", "NO", "Europe/Oslo"),
    ("Lagos", "NG", "Africa/Lagos"),
    ("Bogotá", "CO", "America/Bogota"),
    ("Osaka", "JP", "Asia/Tokyo"),
    ("Pune", "IN", "Asia/Kolkata"),
    ("Kraków", "PL", "Europe/Warsaw"),
    ("Nairobi", "KE", "Africa/Nairobi"),
    ("Toronto", "CA", "America/Toronto"),
    ("Hanoi", "VN", "Asia/Ho_Chi_Minh"),
    ("Izmir", "TR", "Europe/Istanbul"),
    ("Reykjavík", "IS", "Atlantic/Reykjavik"),
]
LANGS = ["en", "es", "pt", "fr", "de", "sw", "yo", "hi", "ja", "zh", "ar", "pl", "tr", "vi", "no", "is"]
FORMATS = ["one-to-one", "group", "peer", "co-mentoring", "reverse"]
MODES = ["video", "phone", "in-person", "email"]
CADENCES = ["weekly", "bi-weekly", "monthly"]
WORDS = [
    "mentoring",
    "career",
    "leadership",
    "product",
    "data",
    "research",
    "team",
    "growth",
    "design",
    "strategy",
    "learning",
    "finance",
    "engineering",
    "community",
    "practice",
    "feedback",
    "goals",
    "planning",
    "negotiation",
    "writing",
    "speaking",
    "health",
    "policy",
]


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def profile(rng: random.Random, index: int, tags: list[str], industries: list[str]) -> str:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {index}"
    city, country, tz = rng.choice(CITIES)
    accepting = rng.random() < 0.7
    bio = "\n\n".join(" ".join(sentence(rng, rng.randint(8, 16)) for _ in range(3)) for _ in range(2))
    lines = [
        f'name: "{name}"',
        f'headline: "{sentence(rng, 7)[:-1]}"',
        f'role: "{rng.choice(["Director", "Lead", "Senior analyst", "Professor", "Founder"])}"',
        f'organisation: "{rng.choice(LAST)} {rng.choice(["Labs", "Group", "Partners", "Institute"])}"',
        f"industry: {rng.choice(industries)}",
        "location:",
        f'  city: "{city}"',
        f"  country: {country}",
        f"timezone: {tz}",
        f"languages: [{', '.join(sorted(set(rng.sample(LANGS, rng.randint(1, 3)))))}]",
        f"tags: [{', '.join(rng.sample(tags, rng.randint(1, 4)))}]",
        f"formats: [{', '.join(rng.sample(FORMATS, rng.randint(1, 2)))}]",
        f"meeting_modes: [{', '.join(rng.sample(MODES, rng.randint(1, 2)))}]",
        f"cadence: {rng.choice(CADENCES)}",
        "availability:",
        f"  accepting: {'true' if accepting else 'false'}",
        f"  capacity: {rng.randint(1, 4)}",
        f"cohort: {rng.randint(1980, 2022)}",
        "help_with:",
        *[f'  - "{sentence(rng, 5)[:-1]}"' for _ in range(rng.randint(1, 3))],
        f'expectations: "{sentence(rng, 12)}"',
        f"email: mentor{index}@example.org",
        f"featured: {'true' if index % 997 == 0 else 'false'}",
        f"joined: 20{rng.randint(24, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        f"last_reviewed: 2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}",
        "bio: |",
        *["  " + line if line else "" for line in bio.split("\n")],
    ]
    return "\n".join(lines) + "\n"


def generate(count: int, target: Path, seed: int = 20261123, social_cards: bool = False) -> Path:
    """Write a site with `count` mentors into target (replacing it).

    Social cards are off unless asked for: the benchmarks compare builds like for like (the
    Hugo site of hugo_compare.py draws no images), and earlier figures were taken without them.
    """
    if target.exists():
        shutil.rmtree(target)
    (target / "mentors").mkdir(parents=True)
    shutil.copy(ROOT / "site.toml", target / "site.toml")
    if not social_cards:
        with (target / "site.toml").open("a", encoding="utf-8") as toml:
            toml.write("\n[previews]\nsocial_cards = false\n")
    shutil.copytree(ROOT / "content", target / "content")
    config = tomllib.loads((ROOT / "site.toml").read_text())
    facets = {f["key"]: f for f in config["facets"]}
    tags = sorted(facets["tags"]["values"])
    industries = sorted(facets["industry"]["values"])
    rng = random.Random(seed)
    for index in range(count):
        (target / "mentors" / f"mentor-{index:05d}.yaml").write_text(
            profile(rng, index, tags, industries), encoding="utf-8"
        )
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("target", type=Path)
    parser.add_argument("--social-cards", action="store_true", help="draw social cards (off by default)")
    args = parser.parse_args()
    generate(args.count, args.target, social_cards=args.social_cards)
    print(f"wrote {args.count} mentors to {args.target}")


if __name__ == "__main__":
    main()
