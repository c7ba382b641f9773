"""The README's field reference is generated from the models and must not go stale."""

from pathlib import Path

from mentorsite.reference import BEGIN, END, reference

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_reference_is_current():
    """README.md embeds exactly what `python -m mentorsite.reference` prints."""
    text = README.read_text(encoding="utf-8")
    embedded = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert embedded == reference(), "run: python -m mentorsite.reference --write README.md"


def test_reference_lists_every_profile_field():
    """Each Mentor field appears as a row, so a new field cannot go undocumented."""
    from mentorsite.models import Mentor

    text = reference()
    for name in Mentor.model_fields:
        assert f"| `{name}` |" in text
