"""HTML the receiver serves itself: the review page of the no-JavaScript path, the pages of a
mentor's answer links (``answers``) and the page refusing a request to a full or paused mentor.
A visitor's pages speak the language of the page their form was sent from (a `Voice` per
language of the site); a mentor's, the site's default language, as their mail does.

It is rendered with the site's own templates (its ``base.html``, overrides included), so it
looks like the site; every link and asset URL is made absolute, because the page is served
from the receiver's address, not the site's.

Privacy as in the build: templates get the mentor's public fields only (``PublicEntry``, no
address), and the finished page goes through the build's private-address guard
(``write.PrivateStrings``): a page holding any private address the site knows (a site
template printing the coordinator's, say) is not served; the plain page is, and the log says
why without quoting the address. Addresses the visitor typed themselves are echoed back in
their own fields and are no secret from them, so those alone are not counted.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urljoin

import jinja2

from ..cldr import Cldr
from ..contact_fields import FORMAT_CHOICES, NO_PREFERENCE
from ..messages import Messages, load_messages
from ..render import asset_sources, make_environment, version_of
from ..textdirection import text_direction
from ..write import PrivateStrings
from .directory import PublicEntry
from .settings import Settings

log = logging.getLogger("mentorsite.receiver")
TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Voice:
    """The receiver in one of the site's languages: its words, CLDR's formats, and the site's
    templates rendering in that language's tree (its links stay inside the tree)."""

    messages: Messages
    cldr: Cldr
    env: jinja2.Environment


class Pages:
    def __init__(self, settings: Settings):
        self.settings = settings
        config = settings.config
        versions = {name: version_of(path.read_bytes()) for name, path in asset_sources(settings.site_dir).items()}
        #: One voice per language of the site, the default first.
        self.voices = {language: self._voice(language, versions) for language in config.site_languages}
        default = self.voices[settings.default_language]
        #: The default language's words: what the receiver says before it knows a form's language, and the mails.
        self.messages = default.messages
        self.env = default.env

    def _voice(self, language: str, versions: dict[str, str]) -> Voice:
        config = self.settings.config.in_language(language)
        # With the site's own catalogue's strings (the build reported their problems).
        messages, _problems = load_messages(self.settings.site_dir, language)
        env = make_environment(self.settings.site_dir, config, versions, date.today(), messages)
        assert env.loader is not None  # make_environment always sets one
        env.loader = jinja2.ChoiceLoader(
            [jinja2.PrefixLoader({"receiver": jinja2.FileSystemLoader(str(TEMPLATES))}, delimiter="/"), env.loader]
        )
        site_url: Callable[[str], str] = env.globals["url"]  # type: ignore[assignment]
        site_asset: Callable[[str], str] = env.globals["asset"]  # type: ignore[assignment]
        env.globals["url"] = lambda path="": urljoin(config.base_url, site_url(path))
        env.globals["asset"] = lambda path: urljoin(config.base_url, site_asset(path))
        return Voice(messages, Cldr(language), env)

    def voice(self, language: str | None = None) -> Voice:
        """The receiver in `language` (one of the site's), or in the site's default language."""
        return self.voices.get(language or "", None) or self.voices[self.settings.default_language]

    def review(
        self,
        *,
        entry: PublicEntry | None,
        values: dict[str, str],
        errors: dict[str, str],
        token: str,
        private: frozenset[str],
        notice: str = "",
        language: str | None = None,
    ) -> str:
        voice = self.voice(language)
        gettext = voice.messages.gettext
        if errors:
            heading = gettext("Please check your request")
            intro = notice or gettext(
                "Nothing has been sent yet. Correct the fields below, then send your request again."
            )
        else:
            heading = gettext("Check your request, then send it")
            intro = notice or gettext(
                "Nothing has been sent yet. Read your request once more; when it looks right, press “Send request”."
            )
        # The mentor's formats, and the one posted if it is valid but no longer theirs.
        formats = dict(entry.formats if entry else ())
        if values.get("format") in FORMAT_CHOICES and values["format"] not in formats:
            formats[values["format"]] = FORMAT_CHOICES[values["format"]]
        formats.pop(NO_PREFERENCE, None)
        context = {
            "page": {"path": "contact/review/", "title": heading, "description": ""},
            "entry": entry,
            "values": values,
            "errors": errors,
            "token": token,
            "action": self.settings.contact.action,
            "formats": [{"key": key, "label": gettext(label)} for key, label in formats.items()],
            "heading": heading,
            "intro": intro,
        }
        try:
            page = voice.env.get_template("receiver/contact_review.html").render(**context)
        except Exception:  # a broken site override must not cost anyone their request text
            log.exception("review page: the site's templates failed; serving a plain page")
            return self._plain(voice, heading, intro, errors)
        if _secrets_for(private, values).found_in(page.encode("utf-8")):
            log.error(
                "review page: the site's templates put a private address on the page; serving a plain page "
                "instead (the build refuses such templates too: run `mentorsite check`)"
            )
            return self._plain(voice, heading, intro, errors)
        return page

    def page(
        self,
        template: str,
        *,
        path: str,
        heading: str,
        intro: str,
        private: frozenset[str],
        language: str | None = None,
        **extra,
    ) -> str:
        """A page from the receiver's `template` with `heading` and `intro`, in `language`'s tree
        (the default's without); the plain page when the site's templates fail or put any of the
        `private` addresses on it."""
        voice = self.voice(language)
        context = {"page": {"path": path, "title": heading, "description": ""}, "heading": heading, "intro": intro}
        try:
            page = voice.env.get_template(f"receiver/{template}").render(**context, **extra)
        except Exception:
            log.exception("%s: the site's templates failed; serving a plain page", template)
            return self._plain(voice, heading, intro, {})
        if PrivateStrings(set(private)).found_in(page.encode("utf-8")):
            log.error("%s: the site's templates put a private address on the page; serving a plain page", template)
            return self._plain(voice, heading, intro, {})
        return page

    def _plain(self, voice: Voice, heading: str, intro: str, errors: dict[str, str]) -> str:
        language = voice.messages.language
        items = "".join(f"<li>{html.escape(m)}</li>" for m in errors.values())
        return (
            f'<!doctype html><html lang="{html.escape(language)}" dir="{text_direction(language)}">'
            '<meta charset="utf-8">'
            f"<title>{html.escape(heading)}</title><h1>{html.escape(heading)}</h1><p>{html.escape(intro)}</p>"
            f"<ul>{items}</ul><p>{html.escape(voice.messages.gettext('Please go back and try again.'))}</p></html>"
        )


def _secrets_for(private: frozenset[str], values: dict[str, str]) -> PrivateStrings:
    """The private addresses a visitor may not see: all, less any they typed in the form."""
    typed = "\n".join(values.values()).encode("utf-8")
    return PrivateStrings({a for a in private if not PrivateStrings({a}).found_in(typed)})
