"""`mentorsite tags`: how often each facet value is used, and which values nobody uses.

Counts cover every profile that validates, published or paused (`active: false`), so a
value used only by paused mentors is not mistaken for unused. Facets with ISO vocabularies
(countries, languages) list only the values in use: their hundreds of unused codes are not
news.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict, dataclass

from .config import SiteConfig
from .index import facet_keys
from .load import Loaded
from .models import facet_values

#: Facet fields whose built-in vocabulary is a whole ISO standard.
ISO_FIELDS = frozenset({"country", "languages"})


@dataclass
class ValueUsage:
    key: str
    label: str
    mentors: int = 0
    #: Of those, how many are paused (active: false).
    paused: int = 0


@dataclass
class FacetUsage:
    key: str
    label: str
    field: str
    used: list[ValueUsage] = dataclasses.field(default_factory=list)
    #: Vocabulary values no profile uses (empty for ISO facets).
    unused: list[ValueUsage] = dataclasses.field(default_factory=list)
    vocabulary_size: int = 0


def facet_usage(config: SiteConfig, loaded: Loaded) -> list[FacetUsage]:
    """Usage of every facet value across all valid profiles, most used first."""
    result = []
    for facet in config.facets:
        vocabulary = config.facet_vocabulary(facet)
        group = config.facet_group(facet)
        counts: dict[str, ValueUsage] = {}
        for item in loaded.mentors:
            for value in facet_keys(facet_values(item.mentor, facet.source_field), group):
                label = vocabulary[value].label if value in vocabulary else value
                usage = counts.setdefault(value, ValueUsage(value, label))
                usage.mentors += 1
                if not item.mentor.active:
                    usage.paused += 1
        used = sorted(counts.values(), key=lambda u: (-u.mentors, u.key))
        unused = (
            []
            if facet.source_field in ISO_FIELDS
            else [ValueUsage(key, value.label) for key, value in vocabulary.items() if key not in counts]
        )
        result.append(FacetUsage(facet.key, facet.label, facet.source_field, used, unused, len(vocabulary)))
    return result


def format_usage(usage: list[FacetUsage], fmt: str = "text", *, invalid: int = 0) -> str:
    """The report: text for people, json for tools."""
    if fmt == "json":
        return json.dumps(
            {"facets": [asdict(u) for u in usage], "profiles_with_errors": invalid}, indent=2, ensure_ascii=False
        )
    blocks = []
    for facet in usage:
        if facet.field in ISO_FIELDS or not facet.vocabulary_size:  # ISO lists, and years: only what is used
            title = f"{facet.label} ({facet.key}): {len(facet.used)} values used"
        else:
            title = f"{facet.label} ({facet.key}): {len(facet.used)} of {facet.vocabulary_size} values used"
        lines = [title]
        key_width = max((len(u.key) for u in facet.used), default=0)
        label_width = max((len(u.label) for u in facet.used), default=0)
        count_width = max((len(str(u.mentors)) for u in facet.used), default=0)
        for u in facet.used:
            paused = f"  ({u.paused} paused)" if u.paused else ""
            lines.append(
                f"  {u.key:<{key_width}}  {u.label:<{label_width}}  {u.mentors:>{count_width}}{paused}".rstrip()
            )
        if facet.unused:
            lines.append("  unused: " + ", ".join(u.key for u in facet.unused))
        blocks.append("\n".join(lines))
    if invalid:
        blocks.append(f"{invalid} profile(s) with errors are not counted; run `mentorsite check`")
    return "\n\n".join(blocks)
