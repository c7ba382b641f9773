"""`mentorsite tags`: usage counts per facet value, paused mentors marked, unused values listed."""

from __future__ import annotations

import json

from click.testing import CliRunner
from kit import BIO

from mentorsite.cli import cli


def profile(
    name: str, *, tags: str, industry: str, country: str, languages: str, formats: str, active: bool = True
) -> str:
    return (
        f"name: {name}\nheadline: Helps with careers\ntags: {tags}\nindustry: {industry}\n"
        f"location:\n  country: {country}\nlanguages: {languages}\nformats: {formats}\n"
        f"active: {str(active).lower()}\nbio: |\n  {BIO}\n"
    )


PROFILES = {
    "ana-lima.yaml": profile(
        "Ana Lima",
        tags="[leadership, ML]",
        industry="technology",
        country="PT",
        languages="[en, pt]",
        formats="[one-to-one]",
    ),
    "bo-chen.yaml": profile(
        "Bo Chen",
        tags="[management, writing]",
        industry="technology",
        country="br",
        languages="[pt]",
        formats="[one-to-one, group]",
        active=False,
    ),
    "chidi-okeke.yaml": profile(
        "Chidi Okeke",
        tags="[Machine learning]",
        industry="technology",
        country="PT",
        languages="[en]",
        formats="[peer]",
    ),
    "broken.yaml": "name: Broken\nheadline: x\nbio: y\ntags: [leadrship]\n",
}


def mentors(profiles: dict[str, str]) -> str:
    """The profiles as txtar sections mentors/<name>, for make_site."""
    return "".join(f"-- mentors/{name} --\n{text}" for name, text in profiles.items())


def test_tags_counts_every_value_and_lists_unused_ones(make_site):
    site = make_site(mentors(PROFILES))
    result = CliRunner().invoke(cli, ["tags", str(site)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Expertise (tags): 3 of 3 values used\n"
        "  leadership        Leadership        2  (1 paused)\n"
        "  machine-learning  Machine learning  2\n"
        "  writing           Writing           1  (1 paused)\n"
        "\n"
        "Industry (industry): 1 of 2 values used\n"
        "  technology  Technology  3  (1 paused)\n"
        "  unused: finance\n"
        "\n"
        "Country (countries): 2 values used\n"
        "  pt  Portugal  2\n"
        "  br  Brazil    1  (1 paused)\n"
        "\n"
        "Language (languages): 2 values used\n"
        "  en  English     2\n"
        "  pt  Portuguese  2  (1 paused)\n"
        "\n"
        "Mentoring format (formats): 3 of 5 values used\n"
        "  one-to-one  One-to-one  2  (1 paused)\n"
        "  group       Group       1  (1 paused)\n"
        "  peer        Peer        1\n"
        "  unused: co-mentoring, reverse\n"
        "\n"
        "1 profile(s) with errors are not counted; run `mentorsite check`\n"
    )


def test_tags_json(make_site):
    site = make_site(mentors({name: text for name, text in PROFILES.items() if name != "broken.yaml"}))
    data = json.loads(CliRunner().invoke(cli, ["tags", str(site), "--format", "json"]).stdout)
    assert data["profiles_with_errors"] == 0
    industry = next(f for f in data["facets"] if f["key"] == "industry")
    assert industry == {
        "key": "industry",
        "label": "Industry",
        "field": "industry",
        "vocabulary_size": 2,
        "used": [{"key": "technology", "label": "Technology", "mentors": 3, "paused": 1}],
        "unused": [{"key": "finance", "label": "Finance and banking", "mentors": 0, "paused": 0}],
    }


def test_tags_with_a_broken_site_toml_exits_1(make_site):
    site = make_site(mentors(PROFILES) + '-- site.toml --\ntitle = "x"\n')
    result = CliRunner().invoke(cli, ["tags", str(site)])
    assert result.exit_code == 1
    assert "missing required field 'organisation'" in result.stderr
