"""Write a Hugo site equivalent to a mentorsite site, from the same files.

    python bench/hugo_site.py bench/out/site-1000 bench/out/hugo-1000

Same mentors (names, bios, help, expectations, every facet as a Hugo taxonomy with the same
labels and URLs), same pagination (site.toml's per_page), the same guides, a contact form per
accepting mentor, "similar mentors" for the others, a search index
(home page as JSON), sitemap and robots.txt. The layouts in bench/hugo_layouts/ mirror the
theme's sections with Hugo's idioms (partialCached for cards and the facet sidebar). Profiles
are read with mentorsite's own YAML reader; private fields (email) are not copied.

Similar mentors (`--similar`): "related" (the default) uses Hugo's Related Content, an index
over the tags, which is how a Hugo site would do it and the lean baseline; "exact" ranks as
mentorsite's similar_mentors does (up to 50 accepting candidates per tag, by shared tags, then
name) in template code, which costs Hugo several times more CPU at 10,000 mentors.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
from mentorsite.config import SiteConfig, load_config  # noqa: E402
from mentorsite.vocabulary import year_key  # noqa: E402
from mentorsite.yamlsource import parse_yaml, split_front_matter  # noqa: E402

LAYOUTS = HERE / "hugo_layouts"
ASSETS = ("style.css", "site.js", "logo.svg")  # what the layouts fingerprint, from the built-in theme


def field_values(profile: dict, field: str, group: str | None = None) -> list[str]:
    """A profile's values for one facet field, as term keys (lower case, as mentorsite's URLs);
    years grouped as the facet groups them (`group = "decade"`: 2010s)."""
    raw = (profile.get("location") or {}).get("country") if field == "country" else profile.get(field)
    values = raw if isinstance(raw, list) else [] if raw is None else [raw]
    if group is not None:
        return [year_key(int(v), group) for v in values]
    return [str(v).lower() for v in values]


def initials(name: str) -> str:
    words = [w for w in name.split() if w[:1].isalpha()]
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper() if words else "?"


def front_matter(data: dict, body: str = "") -> str:
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=float("inf")) + "---\n\n" + body


def mentor_page(profile: dict, config: SiteConfig) -> str:
    """One mentor's Hugo content file; accepting mentors first in listings, then by name."""
    availability = profile.get("availability") or {}
    accepting = bool(availability.get("accepting"))
    data = {
        "title": profile["name"],
        "description": profile.get("headline", ""),
        "weight": 1 if accepting else 2,
        "headline": profile.get("headline", ""),
        "pronouns": profile.get("pronouns"),
        "role": profile.get("role"),
        "organisation": profile.get("organisation"),
        "city": (profile.get("location") or {}).get("city"),
        "timezone": profile.get("timezone"),
        "accepting": accepting,
        "capacity": availability.get("capacity"),
        "cohort": profile.get("cohort"),
        "help_with": profile.get("help_with") or [],
        "expectations": profile.get("expectations"),
        "featured": bool(profile.get("featured")),
        "joined": str(profile.get("joined", "")),
        "initials": initials(profile["name"]),
    }
    for facet in config.facets:
        data[facet.key] = field_values(profile, facet.source_field, config.facet_group(facet))
    return front_matter({k: v for k, v in data.items() if v is not None}, profile.get("bio", ""))


#: Hugo's Related Content over the tags, for `--similar related` (layouts/_partials/similar-related.html).
RELATED = {"includeNewer": True, "threshold": 1, "toLower": False, "indices": [{"name": "tags", "weight": 1}]}


def hugo_config(config: SiteConfig) -> str:
    """Hugo's configuration (hugo.json) with the same title, URLs, per_page and facets."""
    return json.dumps(
        {
            "related": RELATED,
            "baseURL": config.base_url,
            "title": config.title,
            "locale": config.language,
            "disableKinds": ["rss"],
            "enableRobotsTXT": True,
            "pagination": {"pagerSize": config.per_page, "disableAliases": True},
            "taxonomies": {facet.key: facet.key for facet in config.facets},
            "outputs": {"home": ["html", "json"]},
            "params": {
                "description": config.description,
                "organisation": config.organisation,
                "brand_colour": config.brand_colour,
                "nav": [{"label": item.label, "url": item.url} for item in config.nav],
                "facets": [{"key": facet.key, "label": facet.label} for facet in config.facets],
                "contact_action": config.contact.action,
                "contact_guide": config.contact.guide,
                "programme_email": config.programme_email,
                "contact_thanks": config.contact.thanks_path,
                "guides": config.guides.model_dump(),
            },
        },
        indent=2,
        ensure_ascii=False,
    )


def guide_page(source: Path) -> str:
    """A guide with its front matter renamed for Hugo: `tags` would join the mentors' taxonomy."""
    head, body, _ = split_front_matter(source.read_text(encoding="utf-8"))
    meta = parse_yaml(head or "", str(source)).data
    data = {"title": meta["title"], "description": meta.get("summary", ""), "weight": meta.get("order", 0)}
    return front_matter(data, body.lstrip("\n"))


def write_hugo_site(source: Path, target: Path, similar: str = "related") -> Path:
    """Write target (replacing it) as the Hugo equivalent of the mentorsite site at source;
    `similar` is "related" (Hugo's Related Content) or "exact" (mentorsite's ranking)."""
    config = load_config(source)
    if target.exists():
        shutil.rmtree(target)
    content = target / "content"
    (content / "mentors").mkdir(parents=True)
    (target / "hugo.json").write_text(hugo_config(config), encoding="utf-8")
    shutil.copytree(LAYOUTS, target / "layouts")
    partials = target / "layouts" / "_partials"
    if similar == "related":
        (partials / "similar-related.html").replace(partials / "similar.html")
    else:
        (partials / "similar-related.html").unlink()
    (target / "assets").mkdir()
    for name in ASSETS:
        shutil.copy(ROOT / "templates" / "assets" / name, target / "assets" / name)

    used: dict[str, set[str]] = {facet.key: set() for facet in config.facets}
    for path in sorted((source / "mentors").glob("*.yaml")):
        profile = parse_yaml(path.read_text(encoding="utf-8"), str(path)).data  # as mentorsite reads it (NO is Norway)
        if profile.get("active", True) is False:
            continue
        (content / "mentors" / f"{path.stem}.md").write_text(mentor_page(profile, config), encoding="utf-8")
        for facet in config.facets:
            used[facet.key].update(field_values(profile, facet.source_field, config.facet_group(facet)))
    (content / "mentors" / "_index.md").write_text(
        front_matter({"title": "Mentor directory", "description": f"All mentors of {config.organisation}."})
    )

    # Taxonomy and term pages carry mentorsite's labels; only used terms get a page, as there.
    for facet in config.facets:
        labels = {key.lower(): value.label for key, value in facet.labelled_values().items()}
        (content / facet.key).mkdir()
        (content / facet.key / "_index.md").write_text(front_matter({"title": facet.label}), encoding="utf-8")
        for term in sorted(used[facet.key]):
            (content / facet.key / term).mkdir()
            (content / facet.key / term / "_index.md").write_text(
                front_matter({"title": labels.get(term, term)}), encoding="utf-8"
            )

    (content / "guides").mkdir()
    (content / "guides" / "_index.md").write_text(
        front_matter({"title": "Guides", "description": "Guides to finding and working with a mentor."})
    )
    # Translations (<slug>.<language>.md) belong to a multilingual build, which this comparison has not.
    for guide in sorted((source / "content" / "guides").glob("*.md")):
        if "." not in guide.stem:
            (content / "guides" / guide.name).write_text(guide_page(guide), encoding="utf-8")
    for page in sorted((source / "content").glob("*.md")):
        if "." not in page.stem:
            (content / page.name).write_text(guide_page(page), encoding="utf-8")
    (content / "match.md").write_text(
        front_matter(
            {
                "title": "Find my match",
                "description": "Get matched with a mentor who is taking mentees.",
                "type": "match",
            }
        )
    )
    # The theme's accessibility statement: a plain page of a few paragraphs, like mentorsite's.
    (content / "accessibility.md").write_text(
        front_matter(
            {"title": "Accessibility statement", "description": "How accessible this site is."},
            "This site aims to meet WCAG 2.1 at level AA.",
        )
    )
    if config.contact.mode in ("receiver", "netlify"):
        (content / "contact-thanks.md").write_text(
            front_matter({"title": "Request sent", "url": "/" + config.contact.thanks_path}, "Your request was sent.")
        )
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a mentorsite site (e.g. from bench/generate.py)")
    parser.add_argument("target", type=Path)
    parser.add_argument("--similar", choices=["related", "exact"], default="related", help="see above")
    args = parser.parse_args()
    write_hugo_site(args.source, args.target, args.similar)
    print(f"wrote the Hugo equivalent of {args.source} to {args.target}")


if __name__ == "__main__":
    main()
