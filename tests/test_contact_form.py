"""The request form's fields on mentor pages (mentorsite.contact_form): drawn once per set of
formats with a stand-in name, each page's name put in; the bytes `_contact_fields.html`'s
`visible` macro draws for that page, whatever the name holds."""

from __future__ import annotations

import re

import pytest
from hostile_kit import BASE_SITE, assert_builds, profile
from kit import SITE_TOML, TODAY, write_site

from mentorsite.config import load_config
from mentorsite.contact_form import CONTACT_FIELDS_TEMPLATE, FORM_FIELDS_GLOBAL
from mentorsite.messages import messages_for
from mentorsite.render import make_environment
from mentorsite.views import FacetRef

#: Names that would go wrong if the stand-in were put back unescaped, twice, or in the wrong place.
NAMES = [
    "Ana Example",
    "<script>alert(1)</script>",
    'Zoë & "Q" O\'Neil',
    "100%(mentor)s %s %%",
    "mentor-name-" + "0" * 32,
    "{{ 7 * 7 }}",
    "محمد الأمين",
    "",
]
ONE = FacetRef("one-to-one", "One-to-one", "formats/one-to-one/")
GROUP = FacetRef("group", "Group <sessions>", None)
OPTIONS = [{}, {"format": [ONE]}, {"format": [ONE, GROUP]}]


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_the_fields_drawn_once_are_the_macros_for_every_name(tmp_path, language):
    """For 8 names and 3 sets of options, the same text as the macro's own, and the macro drawn
    only once per set of options."""
    site = write_site(tmp_path / "site", files={"site.toml": SITE_TOML})
    env = make_environment(site, load_config(site), {}, TODAY, messages_for(language))
    module = env.get_template(CONTACT_FIELDS_TEMPLATE).module
    macro, calls = module.visible, []

    def counted(*args, **kwargs):
        calls.append(args)
        return macro(*args, **kwargs)

    module.visible = counted  # type: ignore[attr-defined]
    fields = env.globals[FORM_FIELDS_GLOBAL]
    for options in OPTIONS:
        for name in NAMES:
            drawn = fields(name, options)
            assert drawn == macro(name, options)
            assert type(drawn).__name__ == "Markup"
    assert len(calls) == len(OPTIONS)
    # The name reaches the page as text: escaped once, never as markup.
    page = str(fields("<script>alert(1)</script>", {"format": [ONE]}))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "Group &lt;sessions&gt;" in str(fields("Ana", {"format": [ONE, GROUP]}))


#: An override whose fields read the name other than as text: called for every page, as written.
OVERRIDE = (
    '{% macro hidden(values) %}<input type="hidden" name="mentor" value="{{ values.mentor }}">{% endmacro %}'
    "{% macro visible(mentor_name, options={}, values={}, errors={}) %}"
    '<p class="fields">{{ mentor_name|length }} letters{% if mentor_name == "Bo Example" %}, Bo{% endif %}: '
    '{{ options.format|map(attribute="key")|join(",") }}</p>'
    "{% endmacro %}"
)


def test_a_sites_own_fields_are_drawn_for_every_page(tmp_path):
    """A site's _contact_fields.html may use the name in any way: each mentor page has its own."""
    bo = profile("Bo Example").replace("formats: [one-to-one]", "formats: [group, one-to-one]")
    site = write_site(
        tmp_path / "site",
        BASE_SITE,
        files={"mentors/bo.yaml": bo, f"templates/{CONTACT_FIELDS_TEMPLATE}": OVERRIDE},
    )
    _, out = assert_builds(site)
    shown = {
        slug: re.findall(r'<p class="fields">[^<]*</p>', (out / f"mentors/{slug}/index.html").read_text())
        for slug in ("ada", "bo")
    }
    assert shown == {
        "ada": ['<p class="fields">11 letters: one-to-one</p>'],
        "bo": ['<p class="fields">10 letters, Bo: group,one-to-one</p>'],
    }
