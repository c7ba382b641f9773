"""Read mentor profiles and guides from disk into validated models plus diagnostics.

`read_mentor` and `read_guide` are pure over (relative path, bytes, context): the build can
run them in worker processes or cache them per file. Only `load_*` touch the disk.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

from markupsafe import Markup
from pydantic import ValidationError

from .config import SiteConfig
from .custom_fields import profile_model
from .diagnostics import Diagnostic, InputError, quote
from .guide_files import GuideFile, check_references
from .markdown import PLACEHOLDERS, render_profile, unknown_placeholders
from .models import PRIVATE_FIELDS, Guide, Mentor, base_profile
from .parallel import run_ranges
from .textrules import is_slug, line_col, prose_problem, slugify, symlink_on_path
from .uptodate import Stat, is_racy, stamp
from .validation import diagnostics_from
from .vocabulary import Vocabulary
from .writing import SCALE_CJK, cjk_count, prose_length
from .yamlsource import Document, decode_source, parse_yaml, split_front_matter

MENTOR_SUFFIXES = (".yaml", ".yml")
#: A line setting a private field: never shown under a diagnostic (CI logs can be public).
_PRIVATE_LINE = re.compile(r"^[\s\"']*(?:" + "|".join(map(re.escape, sorted(PRIVATE_FIELDS))) + r")[\"']?\s*:")
#: Largest guide or page accepted, in bytes.
MAX_GUIDE_BYTES = 1024 * 1024
#: A bio shorter than this draws a warning: characters, a Chinese or Japanese one counting
#: writing.SCALE_CJK (so 50 of those suffice; words would miscount scripts without spaces).
SHORT_BIO = 200


@dataclass(slots=True)
class LoadedMentor:
    """A profile that validated, with where its values sit in the file (for later rules)."""

    slug: str
    path: str
    mentor: Mentor
    document: Document
    #: The file's text without its private lines, for showing the line of a later rule's problem.
    source: str = ""
    #: bio and expectations as HTML, rendered next to loading so it runs in the same worker.
    bio_html: str = ""
    expectations_html: str = ""
    #: last_reviewed is older than the site's review_after_months (see SiteConfig.stale_profiles).
    stale: bool = False
    #: Its public texts joined, as UTF-8 (privacy.public_text fills it once).
    public_text: bytes | None = field(default=None, repr=False, compare=False)
    #: The digest of the private addresses its public texts were last found free of (privacy).
    clean_of: bytes | None = field(default=None, repr=False, compare=False)
    #: What tells one person from another (rules.SAME_PERSON), made once: collating 10,000
    #: names took a tenth of each serve rebuild.
    person_keys: tuple[str | None, ...] | None = field(default=None, init=False, repr=False, compare=False)
    #: Its warnings for text left from `mentorsite new mentor` (guardrails.placeholder_problems), made once.
    placeholders: list[Diagnostic] | None = field(default=None, init=False, repr=False, compare=False)
    #: In a tree of another language: the free-text fields shown untranslated, with the language
    #: they are in (languages.mentors_in), which pages mark with `lang`.
    text_lang: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadedGuide:
    slug: str
    path: str
    kind: str  # "guide" (content/guides/) or "page" (content/)
    meta: Guide
    body: str
    body_line: int
    #: The file's text, for showing the line of a problem found by a later rule.
    source: str = ""
    #: Files next to it that its Markdown references, published with it (see guide_files).
    files: list[GuideFile] = field(default_factory=list)
    #: The language of a translation (content/guides/<slug>.<language>.md); None for the guide itself.
    language: str | None = None
    #: In a tree of another language, the language its text is in when it has no translation
    #: (pages mark it with `lang`); None when the text is in the page's language.
    text_lang: str | None = None

    @property
    def url(self) -> str:
        """Where it is published, relative to the site's root."""
        return f"guides/{self.slug}/" if self.kind == "guide" else f"{self.slug}/"


@dataclass
class Loaded:
    mentors: list[LoadedMentor] = field(default_factory=list)
    guides: list[LoadedGuide] = field(default_factory=list)
    #: Translations of guides and pages into the site's other languages (content/guides/<slug>.<language>.md).
    translations: list[LoadedGuide] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: Checked photos of active mentors by slug (filled by build.check_site).
    photos: dict = field(default_factory=dict)


def vocabularies(config: SiteConfig) -> dict[str, Vocabulary]:
    """The validation context's vocabularies, one per facet field (the site's own choice fields
    carry theirs in the profile model)."""
    found = {}
    for facet in config.facets:
        values = config.field_vocabulary(facet.source_field)
        if values is not None and config.custom_field(facet.source_field) is None:
            found[facet.source_field] = Vocabulary(values)
    return found


def profile_context(config: SiteConfig) -> dict:
    """What read_mentor validates against: the vocabularies, and the site's profile model
    (Mentor plus the site's own fields) under "profile"."""
    return {
        "vocabularies": vocabularies(config),
        "profile": profile_model(config.fields),
        "languages": config.site_languages,
    }


def slug_problem(name: str, suffixes: tuple[str, ...]) -> Diagnostic | None:
    """A diagnostic if a file name cannot become a URL slug, else None."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or "." + suffix.lower() not in suffixes:
        return None
    if is_slug(stem):
        if "." + suffix in suffixes:
            return None
        # "ana.YAML" would otherwise be skipped without a word: the profile silently missing.
        return Diagnostic(
            name, 0, 0, f"file extension '.{suffix}' must be lower-case", f"rename it to {stem}.{suffix.lower()}"
        )
    suggestion = slugify(stem)
    hint = f"rename it to {suggestion}.{suffix.lower()}" if suggestion else "use lower-case letters, digits and hyphens"
    return Diagnostic(
        name, 0, 0, f"file name '{stem}' is not a valid slug (lower-case a-z, 0-9 and hyphens, at most 64)", hint
    )


def _hidden_suffix(name: str, suffixes: tuple[str, ...]) -> Diagnostic | None:
    """A warning for "ana.yaml.txt" (an editor's or a download's extra suffix), which would
    otherwise be skipped without a word; None for any other name."""
    inner, _, extra = name.rpartition(".")
    if not inner.lower().endswith(suffixes):
        return None
    kind = "profile" if ".yaml" in suffixes else "guide"
    return Diagnostic(
        name,
        0,
        0,
        f"not read: the name ends in '.{extra}', so this is not a {kind}",
        f"rename it to {inner} (some editors add '.{extra}' when saving)",
        "warning",
    )


def read_mentor(
    path: str, raw: bytes, context: dict, *, today: date, review_after_months: int = 12, size: int | None = None
) -> tuple[LoadedMentor | None, list[Diagnostic]]:
    """Validate one profile file's bytes; return the model (or None) and every problem found.

    `size` is the file's size on disk when `raw` was cut short (see `_read`).
    """
    try:
        text = decode_source(raw, path, size=size)
    except InputError as exc:
        return None, exc.diagnostics
    loaded, problems = _validate_mentor(path, text, context, today, review_after_months)
    public = "\n".join("" if _PRIVATE_LINE.match(line) else line for line in text.split("\n"))
    if loaded:
        loaded.source = public
    return loaded, quote(problems, {path: public})


def read_profile(
    path: str, raw: bytes, context: dict, *, today: date, review_after_months: int = 12, size: int | None = None
) -> tuple[LoadedMentor | None, list[Diagnostic]]:
    """read_mentor, with the bio and expectations rendered as pages show them (next to the
    parsing, so it runs in the same worker): what a build loads of each profile."""
    mentor, diagnostics = read_mentor(
        path, raw, context, today=today, review_after_months=review_after_months, size=size
    )
    if mentor:
        # Markup already, so the view shows this very string (views.mentor_view), not a copy.
        mentor.bio_html = Markup(render_profile(mentor.mentor.bio))
        if mentor.mentor.expectations:
            mentor.expectations_html = Markup(render_profile(mentor.mentor.expectations, "expectations"))
    return mentor, diagnostics


def _validate_mentor(
    path: str, text: str, context: dict, today: date, review_after_months: int
) -> tuple[LoadedMentor | None, list[Diagnostic]]:
    try:
        document = parse_yaml(text, path)
    except InputError as exc:
        return None, exc.diagnostics
    if not isinstance(document.data, dict):
        kind = "a list" if isinstance(document.data, list) else "a single value"
        return None, [
            Diagnostic(
                path,
                1,
                1,
                f"a profile must be a mapping of fields, but this file holds {kind}",
                "each line should look like 'name: Ada Example'",
            )
        ]
    model: type[Mentor] = context.get("profile", Mentor)
    try:
        mentor = base_profile(model.model_validate(document.data, context=context))
    except ValidationError as exc:
        return None, diagnostics_from(exc, model, path, lambda loc, key: document.position(loc, key=key))
    stale = is_stale(mentor, today, review_after_months)
    # Where the keys are is for validation's errors, now made: a third of a profile's memory.
    document = Document(document.data, document.values)
    loaded = LoadedMentor(Path(path).stem, path, mentor, document, stale=stale)
    return loaded, profile_warnings(loaded, today, review_after_months)


def is_stale(mentor: Mentor, today: date, review_after_months: int) -> bool:
    """Whether the profile was last reviewed more than review_after_months calendar months ago."""
    if mentor.last_reviewed is None:
        return False
    months = (today.year - mentor.last_reviewed.year) * 12 + today.month - mentor.last_reviewed.month
    return months > review_after_months


def profile_warnings(loaded: LoadedMentor, today: date, review_after_months: int) -> list[Diagnostic]:
    """Things worth fixing that do not stop the build (they do under --strict)."""
    mentor, doc, path = loaded.mentor, loaded.document, loaded.path
    found = []

    def warn(loc: tuple, message: str, hint: str = "") -> None:
        found.append(Diagnostic(path, *doc.position(loc), message, hint, "warning"))

    if prose_length(mentor.bio) < SHORT_BIO:
        cjk = cjk_count(mentor.bio)
        warn(
            ("bio",),
            f"bio is short ({len(mentor.bio)} characters)",
            f"mentees choose by the bio; aim for at least {SHORT_BIO} characters"
            + (f", a Chinese or Japanese character counting as {SCALE_CJK}" if cjk else ""),
        )
    if not mentor.photo:
        warn(("name",), "no photo", "add 'photo: photos/<file>.jpg'; an initials avatar is shown meanwhile")
    availability = mentor.availability
    if availability.accepting and availability.capacity == 0:
        warn(
            ("availability", "capacity"),
            "capacity is 0 but the mentor is accepting mentees",
            "set accepting: false, or raise the capacity",
        )
    if mentor.last_reviewed is not None and is_stale(mentor, today, review_after_months):
        warn(
            ("last_reviewed",),
            f"profile last reviewed {mentor.last_reviewed.isoformat()}, over {review_after_months} months ago",
            "confirm the details with the mentor and update last_reviewed",
        )
    return found


def read_guide(
    path: str, raw: bytes, kind: str, *, size: int | None = None
) -> tuple[LoadedGuide | None, list[Diagnostic]]:
    """Validate one Markdown file with front matter."""
    try:
        text = decode_source(raw, path, limit=MAX_GUIDE_BYTES, size=size)
    except InputError as exc:
        return None, exc.diagnostics
    guide, problems = _validate_guide(path, text, kind)
    return guide, quote(problems, {path: text})


def _validate_guide(path: str, text: str, kind: str) -> tuple[LoadedGuide | None, list[Diagnostic]]:
    front, body, body_line = split_front_matter(text)
    if front is None:
        return None, [
            Diagnostic(path, 1, 1, "missing front matter", "start the file with '---', then 'title: …', then '---'")
        ]
    if front == "" and body_line == 1:
        return None, [
            Diagnostic(
                path,
                1,
                1,
                "front matter is opened with '---' but never closed",
                "add a line with '---' after the title and other fields",
            )
        ]
    if not front.strip():
        return None, [
            Diagnostic(path, 2, 1, "front matter is empty", "add at least 'title: …' between the '---' lines")
        ]
    body_problems = []
    # Line breaks written "\r\n" are fine; removing the "\r" moves no (line, column).
    unix_body = body.replace("\r\n", "\n")
    bad = prose_problem(unix_body)
    if bad:
        line, col = line_col(unix_body, bad.offset)
        kind_of = "text-direction override" if bad.kind == "bidi" else "control"
        body_problems.append(
            Diagnostic(
                path,
                body_line + line - 1,
                col,
                f"contains the {kind_of} character U+{ord(bad.char):04X}",
                "delete it; it was probably pasted in with hidden formatting",
            )
        )
    for offset, written in unknown_placeholders(body):
        line, col = line_col(body, offset)
        body_problems.append(
            Diagnostic(
                path,
                body_line + line - 1,
                col,
                f"unknown placeholder '{written}'",
                "use one of " + ", ".join(f"{{{{< {name} >}}}}" for name in PLACEHOLDERS),
            )
        )
    try:
        document = parse_yaml(front, path, line_offset=1)
    except InputError as exc:
        return None, exc.diagnostics + body_problems
    if not isinstance(document.data, dict):
        return None, [
            Diagnostic(path, 2, 1, "front matter must be a mapping of fields such as 'title: …'")
        ] + body_problems
    try:
        meta = Guide.model_validate(document.data)
    except ValidationError as exc:
        return None, diagnostics_from(
            exc, Guide, path, lambda loc, key: document.position(loc, key=key)
        ) + body_problems
    if body_problems:
        return None, body_problems
    return LoadedGuide(Path(path).stem, path, kind, meta, body, body_line, source=text), []


def _files(
    folder: Path, suffixes: tuple[str, ...], site_dir: Path, *, translations: bool = False
) -> tuple[list[tuple[str, str]], list[Diagnostic]]:
    """Files with the given suffixes directly in folder, as (path relative to site, absolute);
    with `translations`, also files named as a translation (<slug>.<language>.md)."""
    found: list[tuple[str, str]] = []
    problems: list[Diagnostic] = []
    link = symlink_on_path(site_dir, folder.relative_to(site_dir).parts)
    if link:
        # A symlinked folder could publish files from anywhere on the machine. Report it
        # once, for the folder itself (content/ is read on its own as well as content/guides/).
        if link == folder:
            problems.append(
                Diagnostic(
                    link.relative_to(site_dir).as_posix(),
                    0,
                    0,
                    "symbolic links are not followed",
                    "commit the folder itself",
                )
            )
        return found, problems
    if not folder.is_dir():
        return found, problems
    prefix = folder.relative_to(site_dir).as_posix() + "/"
    # scandir's entries know their type without a stat call per file (thousands of profiles).
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    for entry in entries:
        if entry.name.startswith("."):
            continue
        rel = prefix + entry.name
        if not entry.name.lower().endswith(suffixes):
            problem = _hidden_suffix(entry.name, suffixes)
            if problem and entry.is_file():
                problems.append(replace(problem, path=rel))
            continue
        if entry.is_symlink():
            problems.append(Diagnostic(rel, 0, 0, "symbolic links are not followed", "commit the file itself"))
            continue
        if not entry.is_file():
            continue
        problem = slug_problem(entry.name, suffixes)
        if problem and not (translations and translation_name(entry.name)):
            problems.append(Diagnostic(rel, 0, 0, problem.message, problem.hint))
            continue
        found.append((rel, entry.path))  # a str: no Path object per profile
    return found, problems


MentorResult = tuple[LoadedMentor | None, list[Diagnostic]]
GuideResult = tuple[LoadedGuide | None, list[Diagnostic]]


class LoadCache:
    """What each profile and guide gave when last read, so a build in the same process (a
    `serve` preview) parses and validates only the files that changed.

    A result is reused while the file's bytes and the validation settings (site.toml as
    validated, the date) are the same. The bytes are compared by digest; the file's stat
    stands in for reading it only where it cannot lie (see uptodate: not for a file stamped
    just before it was read). Results are never edited after loading, so sharing them
    between builds is safe.
    """

    def __init__(self) -> None:
        self.settings = b""
        #: path -> (stat when read, whether that stat can be trusted, digest of the bytes, result)
        self.entries: dict[str, tuple[Stat | None, bool, bytes, MentorResult | GuideResult]] = {}
        #: Whether a file watcher reports every change (serve, see trust_changes)…
        self.watched = False
        #: …and the paths it reported since the last load began; None: stat every file.
        self.changed: set[str] | None = None
        #: The paths the current load reads again, the others trusted (None: none trusted).
        self.trusted: set[str] | None = None
        #: The last listing of mentors/: (the site, the files, the problems, the files' paths).
        self._listing: tuple[Path, list[tuple[str, str]], list[Diagnostic], set[str]] | None = None
        #: The last load's profile results, in the order of its listing (which is kept alive),
        #: and each path's place in it: see results_of.
        self._results: tuple[list[tuple[str, str]], list[Any], dict[str, int]] | None = None
        #: The paths whose entry's stat cannot be trusted (a file stamped just before it was
        #: read): every load stats them again.
        self._racy: set[str] = set()
        #: photos.check_photos' answers for the last build's profiles.
        self.photos: dict = {}
        #: Whether the watcher reports a change of a path (relative to the site): serve's
        #: filter, which ignores some names. None: photos are stat'ed, whatever it reported.
        self.reported: Callable[[str], bool] | None = None

    def trust_changes(self, changed: set[str] | None) -> None:
        """Before a build, from a process whose file watcher saw `changed` (paths relative to
        the site) since the last build: the next load reads again only those, files without a
        trusted stat, and every path reported since the last load began (a build that failed
        before loading did not see them). None, when the watcher may have missed a change (it
        restarted or failed): the next load stats every file again."""
        if changed is None:
            self.watched, self.changed = False, None
        elif not self.watched:
            self.watched = True  # from the next load on: this one still stats every file
        elif self.changed is not None:
            self.changed |= changed

    def begin_load(self) -> None:
        """A load begins: it trusts what was reported before; what is reported now is for the next."""
        self.trusted, self.changed = self.changed, (set() if self.watched else None)

    def mentor_files(self, site_dir: Path) -> tuple[list[tuple[str, str]], list[Diagnostic]]:
        """_files of mentors/: the last listing again when the watcher reports every change and
        saw no profile appear or vanish (listing 10,000 files takes 50 ms of each rebuild)."""
        last = self._listing
        if (
            last is not None
            and last[0] == site_dir
            and self.trusted is not None
            and all(_same_entry(site_dir, rel, last[3]) for rel in self.trusted)
        ):
            return last[1], last[2]
        files, problems = _files(site_dir / "mentors", MENTOR_SUFFIXES, site_dir)
        self._listing = (site_dir, files, problems, {rel for rel, _ in files})
        return files, problems

    def use_settings(self, config: SiteConfig, today: date) -> None:
        """Forget every result when the settings they were validated under change."""
        settings = _digest(f"{config.model_dump_json()}\0{today.isoformat()}".encode())
        if settings != self.settings:
            self.settings, self.entries, self._results, self._racy = settings, {}, None, set()

    def lookup(self, rel: str, path: str | Path) -> tuple[Any, bytes | None, Stat | None]:
        """(the cached result or None, the file's bytes if they had to be read, its stat)."""
        entry = self.entries.get(rel)
        if entry is not None and entry[1] and self.trusted is not None and rel not in self.trusted:
            return entry[3], None, entry[0]
        now = time.time_ns()
        found = stamp(str(path))
        if entry is not None and found == entry[0] and entry[1]:
            return entry[3], None, found
        raw = read_capped(path)
        if entry is not None and _digest(raw) == entry[2]:
            self._enter(rel, (found, found is not None and not is_racy(found, now), entry[2], entry[3]))
            return entry[3], raw, found
        return None, raw, found

    def store(self, rel: str, raw: bytes, found: Stat | None, taken_ns: int, result: Any) -> None:
        self._enter(rel, (found, found is not None and not is_racy(found, taken_ns), _digest(raw), result))

    def _enter(self, rel: str, entry: tuple[Stat | None, bool, bytes, Any]) -> None:
        self.entries[rel] = entry
        if entry[1]:
            self._racy.discard(rel)
        else:
            self._racy.add(rel)

    def results_of(self, files: list[tuple[str, str]]) -> tuple[list[Any], list[int]] | None:
        """The last load's profile results for this very listing (mentor_files gave it again),
        with the places of the files this load must look up again: those the watcher reported
        and those whose stat cannot be trusted. None when this load must look up every file."""
        last = self._results
        if last is None or last[0] is not files or self.trusted is None:
            return None
        places = last[2]
        again = sorted(places[rel] for rel in self.trusted | self._racy if rel in places)
        return list(last[1]), again

    def keep_results(self, files: list[tuple[str, str]], results: list[Any]) -> None:
        """Keep a load's profile results for the next load over the same listing (results_of)."""
        last = self._results
        places = last[2] if last is not None and last[0] is files else {rel: i for i, (rel, _) in enumerate(files)}
        self._results = (files, results, places)

    def paths_of(self, files: list[tuple[str, str]]) -> set[str]:
        """The paths of mentor_files' `files`: a copy of the listing's own set when it is that listing."""
        last = self._listing
        return set(last[3]) if last is not None and last[1] is files else {rel for rel, _ in files}

    def keep_only(self, paths: set[str]) -> None:
        """Drop the results of files that are gone."""
        for rel in self.entries.keys() - paths:
            del self.entries[rel]
            self._racy.discard(rel)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _same_entry(site_dir: Path, rel: str, listed: set[str]) -> bool:
    """Whether a change the watcher reported at `rel` leaves the listing of mentors/ as it was:
    a path outside it or in one of its folders (photos), or a listed profile still a file."""
    if not rel.startswith("mentors/"):
        return rel != "mentors"
    name = rel.removeprefix("mentors/")
    if "/" in name:
        return True  # a folder's content is not listed (but the folder's own entry is: `name`)
    if rel not in listed:
        return False  # appeared, or a file the listing reported a problem with
    try:
        return stat.S_ISREG(os.lstat(site_dir / rel).st_mode)  # still a file, not a symbolic link
    except OSError:
        return False  # vanished


def load_site(site_dir: Path, config: SiteConfig, *, today: date, cache: LoadCache | None = None) -> Loaded:
    """Read every profile and guide of a site; collect every problem instead of stopping.

    With a `cache`, files unchanged since the cache last saw them are not read again.
    """
    loaded = Loaded()
    cache = cache or LoadCache()
    cache.use_settings(config, today)
    cache.begin_load()
    context = profile_context(config)
    files, problems = cache.mentor_files(site_dir)
    loaded.diagnostics += problems
    taken = time.time_ns()  # before any file is read: a file stamped after it is racy
    todo: list[tuple[int, str, bytes, Stat | None]] = []
    # Serve's loads over the same listing look up only the files its watcher reported (and
    # those with a stat that cannot be trusted); the others' results are the last load's.
    last = cache.results_of(files)
    results: list[Any] = [None] * len(files)
    places: Sequence[int] = range(len(files))
    if last is not None:
        results, places = last
    for index in places:
        rel, path = files[index]
        result, raw, found = cache.lookup(rel, path)
        if result is None:
            todo.append((index, rel, raw or read_capped(path), found))
        results[index] = result

    def work(start: int, stop: int) -> list[MentorResult]:
        parsed = []
        for _, rel, raw, found in todo[start:stop]:
            size = found[1] if found and len(raw) > MAX_GUIDE_BYTES else None
            parsed.append(
                read_profile(rel, raw, context, today=today, review_after_months=config.review_after_months, size=size)
            )
        return parsed

    done = [result for chunk in run_ranges(len(todo), work) for result in chunk]
    for (index, rel, raw, found), result in zip(todo, done, strict=True):
        cache.store(rel, raw, found, taken, result)
        results[index] = result
    cache.keep_results(files, results)
    seen = cache.paths_of(files)
    # In C, not a loop of 10,000 steps: the profiles that loaded, and every file's problems.
    loaded.diagnostics += chain.from_iterable(map(itemgetter(1), results))
    loaded.mentors += filter(None, map(itemgetter(0), results))
    for folder, kind in ((site_dir / "content" / "guides", "guide"), (site_dir / "content", "page")):
        files, problems = _files(folder, (".md",), site_dir, translations=True)
        loaded.diagnostics += problems
        for rel, name in files:
            seen.add(rel)
            guide_path = Path(name)
            translated = translation_name(guide_path.name)
            if translated and translated[1] not in config.site_languages[1:]:
                loaded.diagnostics.append(_untranslated_language(rel, translated[1], config))
                continue
            guide, diagnostics = _guide(cache, rel, guide_path, kind, taken)
            loaded.diagnostics += diagnostics
            if guide and not guide.meta.draft:
                if translated:
                    guide = replace(guide, slug=translated[0], language=translated[1])
                guide.files, problems = check_references(site_dir, rel, guide.url, guide.body, guide.body_line)
                loaded.diagnostics += quote(problems, {rel: guide.source})
                (loaded.translations if translated else loaded.guides).append(guide)
    cache.keep_only(seen)
    return loaded


def translation_name(name: str) -> tuple[str, str] | None:
    """(slug, language) of a translation's file name, "code-of-conduct.fr.md"; None for any other name."""
    match = _TRANSLATION_NAME.match(name)
    return (match["slug"], match["language"]) if match and is_slug(match["slug"]) else None


_TRANSLATION_NAME = re.compile(r"^(?P<slug>[^.]+)\.(?P<language>[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.md$")


def _untranslated_language(rel: str, language: str, config: SiteConfig) -> Diagnostic:
    """The one warning for a translation into a language the site does not build."""
    return Diagnostic(
        rel,
        0,
        0,
        f"not read: a translation into '{language}', which is not one of the site's other languages",
        f"the site is built in {', '.join(config.site_languages)}; add '{language}' to `languages` to build it",
        "warning",
    )


def _guide(cache: LoadCache, rel: str, path: Path, kind: str, taken: int) -> GuideResult:
    """A guide as cached, or read now (and cached)."""
    result, raw, found = cache.lookup(rel, path)
    if result is None:
        raw = raw or read_capped(path)
        result = read_guide(rel, raw, kind, size=found[1] if found and len(raw) > MAX_GUIDE_BYTES else None)
        cache.store(rel, raw, found, taken, result)
    return result


def read_capped(path: str | Path) -> bytes:
    """A file's bytes, at most MAX_GUIDE_BYTES + 1 of them (more means: too big)."""
    # Refuse to read a huge file into memory just to say it is too big.
    with open(path, "rb") as handle:
        return handle.read(MAX_GUIDE_BYTES + 1)
