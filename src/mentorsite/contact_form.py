"""The request form's fields on mentor pages, drawn once per choice of formats, not per page.

`_contact_fields.html`'s `visible` macro draws about ten fields, each with its label, help
text and limits: a third of a mentor page's render time, 7 s of CPU for 10,000 mentors. On
a mentor page only two things in it vary: the mentor's name, which the email field's help
shows as text, and the formats the mentor offers. So the theme's `_contact.html` calls
`request_form_fields(name, options)`, which draws the theme's macro once per set of options
with a stand-in name, then puts each page's name, escaped, where the stand-in is.

That is only right for a macro known to show the name as escaped text and nothing else
(not its length, not in a test): the theme's own. A site that overrides
`_contact_fields.html` gets its macro called for every page, as written.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import jinja2
from markupsafe import Markup, escape

#: The template that draws the request form's fields (also used by the receiver's review page).
CONTACT_FIELDS_TEMPLATE = "_contact_fields.html"
#: The template global that draws the visible fields on a mentor page.
FORM_FIELDS_GLOBAL = "request_form_fields"


def request_form_fields(env: jinja2.Environment) -> Callable[..., Markup]:
    """`request_form_fields(mentor_name, options)` for `env`'s templates: what
    `visible(mentor_name, options)` of `_contact_fields.html` draws, with no values or errors.

    One per environment: an environment speaks one language, and the drawn fields hold its words.
    """
    # No profile, setting or translation can hold it: random, and new for each environment.
    stand_in = f"mentor-name-{secrets.token_hex(16)}"
    drawn: dict[tuple, str] = {}

    # The macro and whether it is the theme's, found at the first call: by then the build has
    # set every global the template reads. Once per environment, not once per page.
    found: list[tuple[Callable[..., str], bool]] = []

    def fields(mentor_name: str, options: dict[str, Any] | None = None) -> Markup:
        options = options or {}
        if not found:
            module = env.get_template(CONTACT_FIELDS_TEMPLATE).module
            found.append((module.visible, is_theme_template(env, CONTACT_FIELDS_TEMPLATE)))  # type: ignore[attr-defined]
        visible, theme = found[0]
        if not theme:
            return Markup(visible(mentor_name, options))
        # What the theme's macro reads of an option: its key and its label.
        key = tuple(
            (name, tuple((option.key, str(option.label)) for option in offered))
            for name, offered in sorted(options.items())
        )
        if key not in drawn:
            drawn[key] = str(visible(stand_in, options))
        return Markup(drawn[key].replace(stand_in, str(escape(mentor_name))))

    return fields


def is_theme_template(env: jinja2.Environment, name: str) -> bool:
    """Whether `env` runs the theme's own template `name`: not one from the site's templates/
    (nor one extending such), and not in an environment that cannot tell (render.ThemeEnvironment can)."""
    needs_sandbox = getattr(env, "needs_sandbox", None)
    if needs_sandbox is None:
        return False
    return getattr(env, "sandbox", None) is None or not needs_sandbox(name)
