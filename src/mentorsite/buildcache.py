"""The build cache: what each output of the last build was made from, so the next build can
keep the outputs whose inputs did not change instead of rendering and writing them again.

Every output gets a key, a digest of everything its bytes can depend on:

- the tool (its version, its own code, Jinja's version), the settings (site.toml with any
  `--base-url`) and the asset versions: these concern every output;
- for a page, the templates its template can reach (extends, includes, imports, found in
  Jinja's syntax tree), the template globals those use, and its context. Views inside a
  context are digested once per build and shared by every page that shows them, so a listing
  depends on the cards it shows, its pagination and totals, not on every mentor;
- for a file, its bytes; for a copy, the cached file it copies.

An output whose key cannot be computed (a template that does not parse, a value that cannot
be digested) has no key and is always produced again: the cache may only ever cost speed.

The manifest of a build (path -> key, size, mtime of the file written) lives outside the
output, in `<site>/.mentorsite-cache/build/<output folder's digest>/`. An output file that
is missing or was changed behind the cache's back (size or mtime differ) is produced again.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import io
import os
import pickle
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache
from itertools import compress, repeat
from operator import and_, eq, is_not, itemgetter, not_
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import jinja2
import jinja2.meta
from jinja2 import nodes
from jinja2.defaults import DEFAULT_NAMESPACE
from markupsafe import Markup
from pydantic import BaseModel

from . import __version__
from .cachefile import read_signed, write_signed
from .config import SiteConfig
from .contact_form import CONTACT_FIELDS_TEMPLATE, FORM_FIELDS_GLOBAL
from .outputs import Copy, Drawn, File, Output, Page
from .previews import ProfilePreview
from .render import FacetSidebar, Renderer
from .replaced import replaced
from .sidebars import Splice
from .views import MentorView

#: Where manifests are kept, relative to the site (git-ignored with the rest of the cache).
CACHE_DIR = ".mentorsite-cache/build"
#: Change when the manifest's layout changes.
MANIFEST_FORMAT = 1
#: Template globals made from the settings and asset versions, which are part of every key.
SETTINGS_GLOBALS = frozenset(
    {
        "site",
        "url",
        "asset",
        "abs_url",
        "sitemap_urls",
        "contact_field",
        "facet_label",
        "availability_url",
        "language_name",
        # The catalogue's functions: the language is a setting, the site's catalogue is part of
        # settings_key and the shipped ones of tool_fingerprint.
        "_",
        "gettext",
        "ngettext",
        "attr_gettext",
    }
)
#: The facet sidebar: rendered from `_facets.html` over the facets (build.site_outputs).
SIDEBAR = "sidebar"
SIDEBAR_TEMPLATE = "_facets.html"
#: Markup longer than this (a card) is digested once per object, not once per page showing it.
LONG_MARKUP = 256
#: The template of mentor cards, which derived.DerivedCache keeps from build to build.
CARD_TEMPLATE = "_card.html"
#: Globals whose values the settings and the date fix (the rest follow the content).
FIXED_GLOBALS = SETTINGS_GLOBALS | {"text_direction", "request_fields", "build_year", "script_messages"}

Key = bytes


class Undigestable(Exception):
    """A value whose digest would not pin its rendering (a function, an open file)."""


@lru_cache(maxsize=1)
def tool_fingerprint() -> bytes:
    """The tool's version, its own code and the renderer's: a source checkout changes without
    a version bump, and any code change may change the output."""
    digest = hashlib.blake2b(f"{__version__}\0{jinja2.__version__}\0".encode(), digest_size=16)
    package = Path(__file__).parent
    # The shipped message catalogues shape the output as much as the code does.
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.po")]):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.digest()


def _pickled(value: object) -> bytes:
    """A value's pickle without memo, so equal values give equal bytes however they are shared."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    try:
        pickler.dump(value)
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError) as exc:
        # A local function, an open file…: nothing that pins how a page renders.
        raise Undigestable(str(exc)) from None
    return buffer.getvalue()


class Digests:
    """Stable digests of plain data, memoised per object for the one build they serve.

    Contexts are walked through their dicts and lists; a view (a dataclass) or the settings (a
    pydantic model) is digested once, however many pages show it. A module-level function is
    pickled by name, its code being part of the tool's fingerprint.

    A page whose templates never read a mentor view's `card` (TemplateUse.reads_cards) is
    digested card-blind: its views without their cards, so an edited `_card.html` leaves the
    mentor pages, which show no card, as they were.
    """

    def __init__(self, previous: Digests | None = None) -> None:
        # id -> (the object, kept alive so its id is not reused; its digest), by card-blindness
        self._memo: dict[bool, dict[int, tuple[object, bytes]]] = {False: {}, True: {}}
        #: The last build's memo, for the objects it shares with this one (derived.DerivedCache
        #: hands back views and cards, never edited once made): looked up, then forgotten.
        self._previous = previous._memo if previous is not None else {False: {}, True: {}}
        #: id of a file's data -> (the data, its digest): the search index's unchanged shards
        #: are the very bytes of the last build (search.TextIndex), some 7 MB at 10,000 mentors.
        self._data: dict[int, tuple[bytes | str, bytes]] = {}
        self._previous_data = previous._data if previous is not None else {}
        #: id of a page -> PageEntry: a page kept from the last build (serve: derived.DerivedCache)
        #: keeps its key while the settings and its template's header do, and a sidebar moved
        #: by an edit elsewhere does not walk the page's context again.
        self.page_keys: dict[int, PageEntry] = {}
        self._previous_page_keys = previous.page_keys if previous is not None else {}
        #: path -> the key but for the sidebar, of the pages of this build that show the facet
        #: sidebar (sidebars.py: such a page is patched when nothing else of it changed)
        self.page_rests: dict[str, Key] = {}
        #: Keyer.keys' calls of this build, in order, and those of the last build.
        self.calls: list[KeysCall] = []
        self.last_calls = previous.calls if previous is not None else []

    def page_entry(self, page: Page) -> PageEntry | None:
        """What this page object got in this build or the last; None if it got nothing.
        Pages are never edited once made."""
        found = self.page_keys.get(id(page)) or self._previous_page_keys.get(id(page))
        return found if found is not None and found[0] is page else None

    def of_data(self, data: bytes | str) -> bytes:
        """The digest of a file's data, once per data object."""
        found = self._data.get(id(data)) or self._previous_data.get(id(data))
        if found is None or found[0] is not data:
            found = (data, _data_digest(data))
        self._data[id(data)] = found
        return found[1]

    def of(self, value: object, *, blind: bool = False) -> bytes:
        out = bytearray()
        self._feed(value, out, blind)
        return _digest(bytes(out))

    def of_context(self, context: dict, *, blind: bool = False) -> bytes:
        """A page context's digest, once per context object: a page the generators kept from
        the last build (derived.DerivedCache) is not walked again. Contexts are never edited
        once made (a page given alternates gets a new one). `blind`: without views' cards."""
        memo = self._memo[blind]
        found = memo.get(id(context)) or self._previous[blind].get(id(context))
        if found is not None and found[0] is context:
            memo[id(context)] = found
            return found[1]
        digest = self.of(context, blind=blind)
        memo[id(context)] = (context, digest)
        return digest

    def _feed(self, value: object, out: bytearray, blind: bool) -> None:
        kind = type(value)
        # Exact types: a subclass (other than Markup, which renders unescaped) may render otherwise.
        if kind is Markup and len(value) > LONG_MARKUP:  # type: ignore[arg-type]
            # A card: shown on many listing pages, and the same object from build to build.
            out += b"M" + self._memoised(value, False)
        elif isinstance(value, str) and (kind is str or kind is Markup):
            data = value.encode("utf-8", "surrogatepass")
            out += b"m" if kind is Markup else b"s"
            out += len(data).to_bytes(8, "little")
            out += data
        elif value is None or kind is bool or kind is int or kind is float:
            out += f"{kind.__name__}:{value!r};".encode()
        elif isinstance(value, dict) and kind is dict:
            out += b"d" + len(value).to_bytes(8, "little")
            for key, item in value.items():
                if type(key) is str and type(item) is str:  # as _feed has them (the sitemap's dates)
                    data = key.encode("utf-8", "surrogatepass")
                    out += b"s" + len(data).to_bytes(8, "little") + data
                    data = item.encode("utf-8", "surrogatepass")
                    out += b"s" + len(data).to_bytes(8, "little") + data
                    continue
                self._feed(key, out, blind)
                self._feed(item, out, blind)
        elif isinstance(value, (list, tuple)) and (kind is list or kind is tuple):
            out += (b"l" if kind is list else b"t") + len(value).to_bytes(8, "little")
            for item in value:
                if type(item) is str:  # most items of the longest lists (sitemap paths)
                    data = item.encode("utf-8", "surrogatepass")
                    out += b"s" + len(data).to_bytes(8, "little") + data
                else:
                    self._feed(item, out, blind)
        else:
            out += b"o" + self._memoised(value, blind and kind is MentorView)

    def _memoised(self, value: object, blind: bool) -> bytes:
        memo = self._memo[blind]
        found = memo.get(id(value)) or self._previous[blind].get(id(value))
        if found is not None and found[0] is value:
            memo[id(value)] = found
            return found[1]
        if blind:
            data = self._card_blind(value)  # type: ignore[arg-type]
        elif type(value) is Markup:
            data = b"m" + value.encode("utf-8", "surrogatepass")
        elif type(value) is ProfilePreview:
            # Its JSON-LD is written as its page renders, from these parts (and the settings).
            out = bytearray(b"ProfilePreview\0")
            self._feed(value.key_parts(), out, True)
            data = bytes(out)
        elif isinstance(value, BaseModel):
            # Its pickle holds a set (the fields set), whose order varies between processes.
            data = type(value).__qualname__.encode() + b"\0" + value.model_dump_json().encode()
        else:
            data = _pickled(value)
        digest = _digest(data)
        memo[id(value)] = (value, digest)
        return digest

    def _card_blind(self, view: MentorView) -> bytes:
        """A view's data without its card, its similar mentors by their card-blind digests."""
        # In field order, as vars() gave them before views had slots: the same digests.
        state = {name: getattr(view, name) for name in _VIEW_FIELDS if name not in ("card", "similar")}
        similar = b"".join(self._memoised(other, True) for other in view.similar)
        return b"card-blind view\0" + _pickled(state) + b"\0" + similar


_VIEW_FIELDS = tuple(f.name for f in fields(MentorView))


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


@dataclass(frozen=True)
class TemplateUse:
    """What a page template can reach: the digest of the sources of every template it
    extends, includes or imports (and so on), and the global names any of them uses."""

    sources: bytes
    names: frozenset[str]
    #: Whether any of them may read a mentor view's `card` (see _may_read_cards).
    reads_cards: bool = True
    #: The templates it reaches, itself included.
    templates: frozenset[str] = frozenset()


class TemplateDeps:
    """The reach of each page template, found in Jinja's syntax trees."""

    def __init__(self, env: jinja2.Environment):
        self.env = env
        self._parsed: dict[str, tuple[str, frozenset[str], tuple[str | None, ...], bool]] = {}
        self._uses: dict[str, TemplateUse | None] = {}
        self._headers: dict[tuple[str, tuple[str, ...]], tuple[bytes, bytes] | None] = {}

    def _parse(self, name: str) -> tuple[str, frozenset[str], tuple[str | None, ...], bool]:
        if name not in self._parsed:
            loader = self.env.loader
            assert loader is not None
            source = loader.get_source(self.env, name)[0]
            self._parsed[name] = (source, *_analysed(self.env, source))
        return self._parsed[name]

    def header(self, name: str, context_names: tuple[str, ...], global_digest: Any) -> tuple[bytes, bytes] | None:
        """What every page of template `name` with a context of these names shares in its key:
        the template's reach and the digests of the globals it reads (those its context does
        not give), as (all but the facet sidebar, the sidebar's digest or b"" when it does not
        read it). None when the reach or a global cannot be known. Once per template and
        shape of context: the globals are fixed for the build."""
        key = (name, context_names)
        if key not in self._headers:
            self._headers[key] = self._header(name, context_names, global_digest)
        return self._headers[key]

    def _header(self, name: str, context_names: tuple[str, ...], global_digest: Any) -> tuple[bytes, bytes] | None:
        use = self.use(name)
        if use is None:
            return None
        parts = [name.encode(), use.sources]
        sidebar = b""
        for read in sorted(use.names & set(self.env.globals) - set(context_names)):
            value = global_digest(read)
            if value is None:
                return None
            if read == SIDEBAR:
                sidebar = value
            else:
                parts += [read.encode(), value]
        return b"\0".join(parts), sidebar

    def splices_sidebar(self, name: str) -> bool:
        """Whether pages of template `name` may have their facet sidebar patched in place
        (sidebars.py): it reads the `sidebar` global and reaches only the theme's templates,
        whose `{{ sidebar(...) }}` puts the sidebar in the page as it is and derives nothing
        else from it. A site's `_facets.html` is fine: what it renders is what is patched."""
        use = self.use(name)
        if use is None or SIDEBAR not in use.names:
            return False
        needs_sandbox = getattr(self.env, "needs_sandbox", None)
        if needs_sandbox is None or getattr(self.env, "sandbox", None) is None:
            return needs_sandbox is not None  # a ThemeEnvironment without overrides: all the theme's
        return not any(needs_sandbox(t) for t in use.templates - {SIDEBAR_TEMPLATE})

    def themes_own(self, name: str) -> bool:
        """Whether template `name` is the theme's own, as shipped (no site override of it, nor
        of a template it reaches); False when that cannot be told."""
        needs_sandbox = getattr(self.env, "needs_sandbox", None)
        if needs_sandbox is None:
            return False
        if getattr(self.env, "sandbox", None) is None:
            return True  # a ThemeEnvironment without overrides
        use = self.use(name)
        return use is not None and not any(needs_sandbox(t) for t in use.templates)

    def use(self, name: str) -> TemplateUse | None:
        """None when the reach cannot be known (a template missing, unparsable, or named by a
        variable): such pages are always rendered, and the render reports any problem."""
        if name not in self._uses:
            try:
                self._uses[name] = self._closure(name)
            except Exception:  # any failure to read or parse is the render's to report
                self._uses[name] = None
        return self._uses[name]

    def _closure(self, name: str) -> TemplateUse | None:
        seen: dict[str, str] = {}
        names: set[str] = set()
        reads_cards = False
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            source, used, referenced, cards = self._parse(current)
            seen[current] = source
            names |= used
            reads_cards = reads_cards or cards
            if SIDEBAR in used:
                todo.append(SIDEBAR_TEMPLATE)
            for reference in referenced:
                if reference is None:
                    return None  # {% include some_variable %}: could be any template
                todo.append(reference)
        digest = hashlib.blake2b(digest_size=16)
        for template in sorted(seen):
            digest.update(template.encode() + b"\0" + seen[template].encode() + b"\0")
        return TemplateUse(digest.digest(), frozenset(names), reads_cards, frozenset(seen))


#: Template source -> (names it uses, templates it references, whether it may read cards):
#: parsing and analysing every template costs a noticeable part of a small rebuild, and a
#: preview rebuilds in one process.
_ANALYSED: dict[str, tuple[frozenset[str], tuple[str | None, ...], bool]] = {}
#: Filters that read attributes named by their arguments (`attr("card")`, `map(attribute=…)`).
ATTRIBUTE_FILTERS = frozenset(
    {"attr", "map", "select", "selectattr", "reject", "rejectattr", "sort", "groupby", "unique", "min", "max", "sum"}
)


def _analysed(env: jinja2.Environment, source: str) -> tuple[frozenset[str], tuple[str | None, ...], bool]:
    if source not in _ANALYSED:
        if len(_ANALYSED) > 512:
            _ANALYSED.clear()
        # Jinja's analysis leaves out names that are globals of the environment it parses with,
        # and globals are exactly the names a page's key must follow: parse with the same
        # extensions in an environment without any.
        tree = _without_globals(env).parse(source)
        _ANALYSED[source] = (
            frozenset(jinja2.meta.find_undeclared_variables(tree)),
            tuple(jinja2.meta.find_referenced_templates(tree)),
            _may_read_cards(tree),
        )
    return _ANALYSED[source]


def _may_read_cards(tree: nodes.Template) -> bool:
    """Whether a template may read the `card` of a mentor view: by name (`m.card`, `m["card"]`,
    `attr("card")`, `map(attribute="similar.card")`), or by a name it cannot see (`m[key]`,
    `attr(name)`, `m.__dict__`). A view printed whole shows no card (MentorView.card is kept
    out of its repr)."""
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Const, nodes.Filter)):
        if isinstance(node, nodes.Getattr) and (node.attr == "card" or node.attr.startswith("_")):
            return True
        if isinstance(node, nodes.Const) and isinstance(node.value, str) and "card" in node.value.split("."):
            return True
        if isinstance(node, nodes.Getitem) and not isinstance(node.arg, (nodes.Const, nodes.Slice)):
            return True
        if isinstance(node, nodes.Filter) and node.name in ATTRIBUTE_FILTERS and _names_attributes_unseen(node):
            return True
    return False


def _names_attributes_unseen(node: nodes.Filter) -> bool:
    """Whether a filter of ATTRIBUTE_FILTERS names an attribute by an expression, not a constant."""
    if node.dyn_args or node.dyn_kwargs:
        return True
    if node.name in ("selectattr", "rejectattr", "select", "reject"):
        named = node.args[:1]  # the attribute (or the test); the rest are the test's values
    elif (
        node.name == "map"
        and node.args
        and isinstance(node.args[0], nodes.Const)
        and node.args[0].value not in ATTRIBUTE_FILTERS
    ):
        named = [keyword.value for keyword in node.kwargs]  # map("lower"): the other arguments are values
    else:
        named = [*node.args, *(keyword.value for keyword in node.kwargs)]
    return not all(isinstance(argument, nodes.Const) for argument in named)


def settings_key(config: SiteConfig, outputs: Iterable[Output], catalogue: bytes = b"") -> bytes:
    """What every output depends on: the tool, the settings, the site's own message catalogue
    (any page may show any of its strings) and the asset versions."""
    digest = hashlib.blake2b(tool_fingerprint(), digest_size=16)
    digest.update(config.model_dump_json().encode())
    digest.update(_data_digest(catalogue))
    for output in outputs:
        if isinstance(output, File) and output.path.startswith("assets/"):
            digest.update(output.path.encode() + b"\0" + _data_digest(output.data))
    return digest.digest()


def card_settings(renderer: Renderer, settings: bytes, today: str) -> bytes | None:
    """What a mentor's card depends on besides its view: the settings (settings_key), the date,
    the kind of environment and the templates `_card.html` reaches. None when a card may depend
    on more (a template global that follows the content, a template the analysis cannot follow):
    then no card is kept from one build to the next."""
    use = TemplateDeps(renderer.env).use(CARD_TEMPLATE)
    if use is None or not use.names <= FIXED_GLOBALS | set(DEFAULT_NAMESPACE) | {"mentor"}:
        return None
    return _digest(b"\0".join([settings, today.encode(), type(renderer.env).__qualname__.encode(), use.sources]))


def output_keys(
    outputs: Sequence[Output], renderer: Renderer, settings: bytes, digests: Digests | None = None
) -> dict[str, Key | None]:
    """The key of every output by path; None for an output that must always be produced.

    `digests` may carry digests over from the last build (Digests(previous=...))."""
    return Keyer(renderer, settings, digests).keys(outputs)


class Keyer:
    """The key of one output after another, for one tree's renderer and settings: memoising
    digests, template reaches and the digests of globals from one output to the next.

    A cold build's workers each use a copy (see runner.write_outputs): the keys only depend on
    the outputs, the renderer's templates and globals and the settings, never on the process.
    """

    def __init__(self, renderer: Renderer, settings: bytes, digests: Digests | None = None) -> None:
        self.renderer = renderer
        self.digests = digests or Digests()
        self.templates = TemplateDeps(renderer.env)
        self._globals: dict[str, bytes | None] = {}
        # The sandbox may refuse what the plain environment renders: a site adding its first
        # override must not keep pages the sandbox never saw.
        self.settings = _digest(settings + type(renderer.env).__qualname__.encode())

    def __call__(self, output: Output) -> Key | None:
        if isinstance(output, Page):
            return _page_key(output, self.settings, self.digests, self.templates, self.global_digest)
        digest = hashlib.blake2b(self.settings, digest_size=16)
        digest.update(type(output).__name__.encode() + b"\0" + output.path.encode() + b"\0")
        if isinstance(output, File):
            digest.update(self.digests.of_data(output.data))
        elif isinstance(output, Copy):
            try:
                stat = output.source.stat()
            except OSError:
                return None
            digest.update(f"{output.source}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
        elif isinstance(output, Drawn):
            # The spec names the photo by its content digest and the font by its stamp.
            digest.update(_pickled(output.spec))
        return digest.digest()

    def keys(self, outputs: Sequence[Output]) -> dict[str, Key | None]:
        """The key of each output by path. A page kept from the last build whose template's
        header is the same gets its last key here, in one pass over the outputs; a rebuild of
        10,000 mentors asks this of some 15,000 pages, and a call per page costs 40 ms.

        When the last build's call of the same rank asked this of the same objects but at a
        few places (serve's one-profile rebuilds), under the same settings and headers, its
        answer is updated at those places instead (about 1 ms where the pass took 40)."""
        rank = len(self.digests.calls)
        last = self.digests.last_calls[rank] if rank < len(self.digests.last_calls) else None
        found = self._updated(last, outputs) if last is not None else None
        if found is None:
            found = self._walked(outputs)
        return found.copy()  # the next build's call updates the original

    def _walked(self, outputs: Sequence[Output]) -> dict[str, Key | None]:
        current, previous = self.digests.page_keys, self.digests._previous_page_keys
        headers, rests, settings = self.templates._headers, self.digests.page_rests, self.settings
        found: dict[str, Key | None] = {}
        for output in outputs:
            if type(output) is Page:
                entry = current.get(id(output)) or previous.get(id(output))
                if entry is not None and entry.page is output and entry.settings == settings:
                    header = headers.get(entry.shape)
                    if header is not None and header == entry.header:
                        current[id(output)] = entry
                        if entry.rest is not None and header[1]:
                            rests[output.path] = entry.rest
                        found[output.path] = entry.key
                        continue
            found[output.path] = self(output)
        self.digests.calls.append(self._call(outputs, found))
        return found

    def _call(self, outputs: Sequence[Output], found: dict[str, Key | None]) -> KeysCall:
        """What the next build's call of this rank needs to update this answer (see keys)."""
        current, rests = self.digests.page_keys, self.digests.page_rests
        entries = {id(o): current[id(o)] for o in outputs if type(o) is Page and id(o) in current}
        paths = {entry.page.path for entry in entries.values()}
        return KeysCall(
            list(outputs),
            found,
            self.settings,
            dict(self.templates._headers),
            entries,
            {path: rest for path, rest in rests.items() if path in paths},
            [i for i, o in enumerate(outputs) if type(o) is Copy],
            [i for i, o in enumerate(outputs) if type(o) is File],
        )

    def _updated(self, last: KeysCall, outputs: Sequence[Output]) -> dict[str, Key | None] | None:
        """keys' answer made from `last` at the places that hold other objects; None when it
        cannot be (other settings or headers, other lengths, many or renamed places)."""
        if last.settings != self.settings:
            return None
        # Each changed place costs a key: up to a quarter of them is still much less than a walk
        # (the search index's files are new objects at every build, some 450 at 10,000 mentors).
        places = replaced(last.outputs, outputs, len(outputs) // 4)
        if places is None or any(
            type(last.outputs[i]) is not type(outputs[i]) or last.outputs[i].path != outputs[i].path for i in places
        ):
            return None  # (a path moving would change the answer's order)
        # Every page at another place has its last entry, made under one of these headers.
        if any(self.templates.header(*shape, self.global_digest) != h for shape, h in last.headers.items()):
            return None
        digests = self.digests
        entries, rests, found = last.entries.copy(), last.rests.copy(), last.found.copy()
        for i in places:
            old = last.outputs[i]
            entries.pop(id(old), None)
            rests.pop(old.path, None)
        digests.page_keys.update(entries)
        digests.page_rests.update(rests)
        for i in places:
            found[outputs[i].path] = self(outputs[i])  # (it records its entry and rest)
        moved = set(places)
        copies = [i for i in last.copies if i not in moved]
        for i in copies:
            found[outputs[i].path] = self(outputs[i])  # its source may have changed on disk
        files = [i for i in last.files if i not in moved]
        for i in files:  # their data's digests, for a later build that walks every output
            digests.of_data(outputs[i].data)  # type: ignore[union-attr]
        call = KeysCall(
            list(outputs),
            found,
            self.settings,
            dict(self.templates._headers),
            entries,
            rests,
            sorted(copies + [i for i in places if type(outputs[i]) is Copy]),
            sorted(files + [i for i in places if type(outputs[i]) is File]),
        )
        for i in places:
            if (entry := digests.page_keys.get(id(outputs[i]))) is not None and entry.page is outputs[i]:
                entries[id(outputs[i])] = entry
                if entry.rest is not None and entry.header[1]:
                    rests[outputs[i].path] = entry.rest
        digests.calls.append(call)
        return found

    def global_digest(self, name: str) -> bytes | None:
        """The digest of template global `name`; None when what it gives cannot be known."""
        if name not in self._globals:
            value = self.renderer.env.globals[name]
            if name in SETTINGS_GLOBALS:
                self._globals[name] = b"settings"
            elif name == SIDEBAR:
                # The theme's sidebar shows the first values of each facet: keyed by those, a
                # count further down moves no listing (FacetSidebar.shown). A site's own
                # `_facets.html` may show anything of the facets.
                if isinstance(value, FacetSidebar) and self.templates.themes_own(SIDEBAR_TEMPLATE):
                    self._globals[name] = _or_none(self.digests, value.shown())
                else:
                    self._globals[name] = _or_none(self.digests, getattr(value, "facets", None))
            elif name in DEFAULT_NAMESPACE and value is DEFAULT_NAMESPACE[name]:
                self._globals[name] = b"jinja"
            elif name == FORM_FIELDS_GLOBAL:
                self._globals[name] = self._form_fields_digest()
            elif callable(value):
                self._globals[name] = None  # a function we cannot see into
            else:
                self._globals[name] = _or_none(self.digests, value)
        return self._globals[name]

    def _form_fields_digest(self) -> bytes | None:
        # It draws `_contact_fields.html` from the globals alone (contact_form): what that
        # template reaches, and the globals those templates read.
        use = self.templates.use(CONTACT_FIELDS_TEMPLATE)
        if use is None:
            return None
        parts = [b"request form fields", use.sources]
        for read in sorted(use.names & set(self.renderer.env.globals) - {FORM_FIELDS_GLOBAL}):
            value = self.global_digest(read)
            if value is None:
                return None
            parts += [read.encode(), value]
        return _digest(b"\0".join(parts))


class PageEntry(NamedTuple):
    """How a page's key was made: the page (kept alive, so its id is not reused), its template
    and context names (TemplateDeps.header's question), the settings, the template's header,
    the key but for the sidebar and the key."""

    page: Page
    shape: tuple[str, tuple[str, ...]]
    settings: bytes
    header: tuple[bytes, bytes]
    rest: Key | None
    key: Key | None


class KeysCall(NamedTuple):
    """One call of Keyer.keys, for the next build's call of the same rank: the outputs (kept
    alive, so their ids are not reused), the answer, the settings and the headers it was made
    under, the entries and sidebar-less keys of its pages, and the places of its copies and
    files."""

    outputs: list[Output]
    found: dict[str, Key | None]
    settings: bytes
    headers: dict[tuple[str, tuple[str, ...]], tuple[bytes, bytes] | None]
    entries: dict[int, PageEntry]
    rests: dict[str, Key]
    copies: list[int]
    files: list[int]


def _page_key(page: Page, settings: bytes, digests: Digests, templates: TemplateDeps, global_digest: Any) -> Key | None:
    entry = digests.page_entry(page)
    shape = entry.shape if entry is not None else (page.template, tuple(page.context))
    header = templates.header(*shape, global_digest)
    if header is None:
        return None
    rest_header, sidebar = header
    if entry is not None and entry.settings == settings and entry.header == header:
        rest, key = entry.rest, entry.key  # the same page under the same header: most pages of a rebuild
    else:
        if entry is not None and entry.settings == settings and entry.header[0] == rest_header:
            rest = entry.rest  # only the sidebar moved: the context is not walked again
        else:
            digest = hashlib.blake2b(settings, digest_size=16)
            digest.update(b"Page\0" + page.path.encode() + b"\0" + rest_header)
            use = templates.use(page.template)
            try:
                digest.update(digests.of_context(page.context, blind=use is not None and not use.reads_cards))
            except Undigestable:
                rest = None
            else:
                rest = digest.digest()
        key = rest if rest is None or not sidebar else _digest(rest + b"\0sidebar\0" + sidebar)
        entry = PageEntry(page, shape, settings, header, rest, key)
    digests.page_keys[id(page)] = entry
    if rest is not None and sidebar:
        digests.page_rests[page.path] = rest
    return key


def _or_none(digests: Digests, value: object) -> bytes | None:
    try:
        return digests.of(value)
    except Undigestable:
        return None


def _data_digest(data: bytes | str) -> bytes:
    return hashlib.blake2b(data.encode("utf-8") if isinstance(data, str) else data, digest_size=16).digest()


def address_digest(address: str) -> bytes:
    """A private address as the manifest records it: never the address itself."""
    return hashlib.blake2b(address.strip().lower().encode(), digest_size=16).digest()


@lru_cache(maxsize=2)
def address_digests(private: frozenset[str]) -> tuple[Mapping[bytes, str], frozenset[bytes]]:
    """Each address by its digest, and the digests: made once for the same addresses, which
    serve's rebuilds mostly have (hashing 10,000 addresses took 15 ms of each)."""
    by_digest = {address_digest(a): a for a in private}
    return MappingProxyType(by_digest), frozenset(by_digest)


@dataclass
class Manifest:
    """What the last build wrote into one output folder."""

    #: path -> (key, size, mtime_ns) of every file it wrote (the key None: always produced again).
    entries: dict[str, tuple[Key | None, int, int]] = field(default_factory=dict)
    #: Digests of the private addresses the kept files were checked against.
    private: frozenset[bytes] = frozenset()
    #: Where the facet sidebar lies in the pages that record it (sidebars.py); kept in memory
    #: by serve, not saved: only serve's builds patch sidebars.
    sidebars: dict[str, Splice] = field(default_factory=dict)
    #: path -> the key recorded in entries (made once: recorded_keys).
    _keys: dict[str, Key | None] | None = field(default=None, repr=False, compare=False)

    def recorded_keys(self) -> dict[str, Key | None]:
        """path -> the key each entry records, to compare a build's keys with in C."""
        if self._keys is None:
            self._keys = dict(zip(self.entries, map(itemgetter(0), self.entries.values()), strict=True))
        return self._keys


def manifest_path(site_dir: Path, output: Path) -> Path:
    """One manifest per output folder (serve previews keep their own)."""
    folder = hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
    return site_dir / CACHE_DIR / folder / "manifest.pickle"


def load_manifest(site_dir: Path, output: Path) -> Manifest | None:
    """The last build's manifest, or None (no cache, an unreadable one, or no output) for a cold build."""
    if not output.is_dir() or output.is_symlink():
        return None
    stored = read_signed(manifest_path(site_dir, output))
    if not isinstance(stored, dict) or stored.get("format") != MANIFEST_FORMAT:
        return None
    return Manifest(stored["entries"], stored["private"])


def forget_manifest(site_dir: Path, output: Path) -> None:
    """Drop the manifest before the output changes: a build interrupted while applying its
    changes then leads to a cold build, never to trusting half-applied output."""
    with contextlib.suppress(FileNotFoundError):
        manifest_path(site_dir, output).unlink()


def save_manifest(site_dir: Path, output: Path, manifest: Manifest) -> None:
    """Record the manifest (last, once the output is in place); a read-only site keeps none."""
    write_signed(
        manifest_path(site_dir, output),
        {"format": MANIFEST_FORMAT, "entries": manifest.entries, "private": manifest.private},
    )


@dataclass(frozen=True)
class Plan:
    """Which outputs the build keeps as they are in the output folder, and what else is there
    that no output claims (pages of deleted or renamed profiles, a file dropped in by hand)."""

    keep: dict[str, tuple[Key | None, int, int]]
    #: Files (and symbolic links) to delete, relative to the output folder.
    stale: list[str] = field(default_factory=list)
    #: Folders that hold no output, deepest first.
    stale_folders: list[str] = field(default_factory=list)


def plan(output: Path, keys: dict[str, Key | None], previous: Manifest, *, trusted: bool = False) -> Plan:
    """Keep an output when its key is the one recorded and its file is as it was written.

    The output folder is listed, so anything in it that a cold build would not write goes.
    A `trusted` folder (serve's preview, which nothing else writes) is taken to hold what the
    manifest says, without listing it or checking the kept files.
    """
    entries = previous.entries
    keep: dict[str, tuple[Key | None, int, int]] = {}
    if trusted:
        # The paths with a key, the one recorded (in C: a loop over 15,000 outputs took 4 ms
        # of a one-profile rebuild).
        paths, now, was = list(keys), list(keys.values()), previous.recorded_keys()
        same = list(compress(paths, map(and_, map(is_not, now, repeat(None)), map(eq, now, map(was.get, paths)))))
        keep = dict(zip(same, map(entries.__getitem__, same), strict=True))
        if keys.keys() == entries.keys():  # the same paths (an edit, not an addition): nothing is stale
            return Plan(keep, [], [])
        # Only folders of stale files can be stale; each is unless some output lies under it
        # (found by bisection: the parents of 15,000 outputs took 60 ms of a tag edit's rebuild).
        stale = sorted(entries.keys() - keys.keys())
        listed = sorted(keys)
        empty = {
            folder
            for folder in {parent for path in stale for parent in _parents(path)}
            if not _holds_under(listed, folder + "/")
        }
        return Plan(keep, stale, sorted(empty, key=lambda folder: (-folder.count("/"), folder)))
    files, folders = _listing(output)
    for path, key in keys.items():
        recorded = entries.get(path)
        if key is None or recorded is None or recorded[0] != key or path not in files:
            continue
        try:
            stat = os.lstat(output / path)
        except OSError:
            continue
        if (stat.st_size, stat.st_mtime_ns) == recorded[1:]:
            keep[path] = recorded
    needed = {parent for path in keys for parent in _parents(path)}
    return Plan(
        keep,
        sorted(files - keys.keys()),
        sorted(folders - needed, key=lambda folder: (-folder.count("/"), folder)),
    )


def _listing(output: Path) -> tuple[set[str], set[str]]:
    """Files (symbolic links counted as files) and folders under `output`, relative to it."""
    files: set[str] = set()
    folders: set[str] = set()
    top = str(output)
    for root, dirs, names in os.walk(top):
        # Slicing, not Path.relative_to: this runs once per folder, ten thousand times on a big site.
        prefix = root[len(top) + 1 :].replace(os.sep, "/") + "/" if root != top else ""
        for name in list(dirs):
            if os.path.islink(os.path.join(root, name)):
                dirs.remove(name)
                names.append(name)
            else:
                folders.add(prefix + name)
        files.update(prefix + name for name in names)
    return files, folders


def _holds_under(listed: list[str], prefix: str) -> bool:
    """Whether a path of sorted `listed` starts with `prefix`."""
    at = bisect.bisect_left(listed, prefix)
    return at < len(listed) and listed[at].startswith(prefix)


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def new_manifest(
    output: Path, keys: dict[str, Key | None], kept: dict[str, tuple[Key | None, int, int]], private: frozenset[bytes]
) -> Manifest:
    """The manifest of the output now in place: kept entries as they were, written files as stat says."""
    paths = list(keys)
    held = list(map(kept.__contains__, paths))
    kept_paths = list(compress(paths, held))
    entries: dict[str, tuple[Key | None, int, int]] = dict(
        zip(kept_paths, map(kept.__getitem__, kept_paths), strict=True)
    )
    for path in compress(paths, map(not_, held)):
        try:
            stat = os.stat(output / path)
        except OSError:
            continue
        entries[path] = (keys[path], stat.st_size, stat.st_mtime_ns)
    manifest = Manifest(entries, private)
    # Every entry records its path's key (a kept one was kept for having it).
    manifest._keys = dict(keys) if len(entries) == len(keys) else {path: keys[path] for path in entries}
    return manifest


def _without_globals(env: jinja2.Environment) -> jinja2.Environment:
    """An environment that parses like `env` but has no globals (see _analysed). It knows
    `env`'s filters and tests: the analysis compiles, and Jinja refuses a filter it does not
    know outside an `{% if %}`, which would leave the page without a key."""
    extensions = tuple(type(extension) for extension in env.extensions.values())
    key = (extensions, frozenset(env.filters), frozenset(env.tests))
    if key not in _BARE:
        bare = jinja2.Environment(extensions=list(extensions))
        bare.globals.clear()
        bare.filters.update(env.filters)
        bare.tests.update(env.tests)
        _BARE[key] = bare
    return _BARE[key]


_BARE: dict[tuple[tuple[type, ...], frozenset[str], frozenset[str]], jinja2.Environment] = {}
