"""The README's field reference is generated from the models and must not go stale."""

from pathlib import Path

from mentorsite.reference import BEGIN, END, readme_site, reference

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_reference_is_current():
    """README.md embeds exactly what `python -m mentorsite.reference --write README.md` writes:
    the reference plus the example site's own fields (its site.toml is beside the README)."""
    text = README.read_text(encoding="utf-8")
    embedded = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert embedded == reference(readme_site(README)), "run: python -m mentorsite.reference --write README.md"


def test_reference_lists_every_profile_field():
    """Each Mentor field appears as a row, so a new field cannot go undocumented."""
    from mentorsite.models import Mentor

    text = reference()
    for name in Mentor.model_fields:
        assert f"| `{name}` |" in text


def test_reference_documents_fields_and_lists_a_sites_own():
    """The site.toml reference documents [[fields]]; given a site, its own fields get a table
    row each: key, type with its values or years, required, label and help."""
    text = reference(readme_site(README))
    assert "#### CustomField" in text and "| `minimum` |" in text
    assert "| `booking_url` |" in text
    own = text[text.index("#### This site's own fields") :]
    rows = [line for line in own.splitlines() if line.startswith("| `")][:2]
    assert rows == [
        "| `faculty` | choice: `business`, `engineering`, `humanities`, `law`, `medicine`, `science`, "
        "`social-sciences` |  | Faculty. The Northbridge faculty you graduated from. |",
        "| `degree` | text |  | Degree. Your Northbridge degree, e.g. BSc Physics. |",
    ]
    assert "This site's own fields" not in reference()
