"""Serve's builds patch the facet sidebar into listing pages nothing else of changed
(sidebars.py): byte for byte what rendering gives, and never where a template could derive
more from the sidebar than the sidebar itself."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from kit import TODAY
from test_incremental import (
    EDITS,
    LANGUAGE_EDITS,
    NAMES,
    SEQUENCE_SETTINGS,
    assert_same_tree,
    profile,
    sequences,
    start_site,
    tree,
)

from mentorsite import parallel, runner
from mentorsite.build import build_site
from mentorsite.buildcache import TemplateDeps, manifest_path
from mentorsite.config import load_config
from mentorsite.derived import DerivedCache
from mentorsite.load import LoadCache
from mentorsite.render import make_environment
from mentorsite.sidebars import Placed, in_place, locate, patched
from mentorsite.write import PrivateStrings, Staging

BASE = "http://127.0.0.1:9/"


class Serve:
    """Builds as serve makes them: into one output, previews, one load cache and derived cache."""

    def __init__(self, site: Path, output: Path):
        self.site, self.output = site, output
        self.cache, self.derived = LoadCache(), DerivedCache()

    def build(self, *, ok: bool = True, hold: bool = False):
        report = build_site(
            self.site,
            self.output,
            today=TODAY,
            base_url=BASE,
            cache=self.cache,
            derived=self.derived,
            preview=True,
            hold=hold,
        )
        assert report.written == ok, [d.human() for d in report.errors]
        return report


def cold(site: Path, output: Path) -> None:
    report = build_site(site, output, today=TODAY, base_url=BASE, clean=True)
    assert report.written, [d.human() for d in report.errors]


class Patches(list):
    """The pages whose sidebar a build patched, either way; `in_place`: those whose sidebar
    was written over the old one in their file (the others were read and written whole)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_place: list[str] = []


@pytest.fixture
def patches(monkeypatch) -> Patches:
    """The pages whose sidebar a build patched (the example site is rendered in this process)."""
    done = Patches()
    real, real_in_place = runner.patched, runner.in_place

    def counting(file: Path, placed: Placed, sidebar: str):
        found = real(file, placed, sidebar)
        if found is not None:
            done.append(file.as_posix())
        return found

    def counting_in_place(file: Path, placed: Placed, data: bytes, private) -> bool:
        found = real_in_place(file, placed, data, private)
        if found:
            done.append(file.as_posix())
            done.in_place.append(file.as_posix())
        return found

    monkeypatch.setattr(runner, "patched", counting)
    monkeypatch.setattr(runner, "in_place", counting_in_place)
    return done


def set_tags(site: Path, slug: str, index: int, tags: list[str], name: str | None = None) -> None:
    (site / "mentors" / f"{slug}.yaml").write_text(profile(name or NAMES[index], tags, accepting=True))


def shown(patches: list[str], output: Path) -> list[str]:
    return sorted(Path(p).relative_to(output).as_posix() for p in patches)


def serving(folder: Path, templates: dict[str, str] | None = None) -> Serve:
    """The example site (with these template overrides), built once as serve builds it."""
    site = start_site(folder / "site")
    for name, source in (templates or {}).items():
        (site / "templates" / name).write_text(source)
    serve = Serve(site, folder / "preview")
    serve.build()
    return serve


def move_dee(serve: Serve):
    """Dee moves from leadership to writing: every sidebar's counts change; serve builds."""
    set_tags(serve.site, "dee", 3, ["writing"])
    return serve.build()


def assert_as_cold(serve: Serve, folder: Path) -> None:
    cold(serve.site, folder / "cold")
    assert_same_tree(serve.output, folder / "cold")


def test_a_tag_edit_patches_the_sidebar_of_the_listings_that_do_not_show_her(tmp_path, patches):
    """Dee moves from leadership to writing: every sidebar's counts change. The listings that
    show her card are rendered; the one that does not (machine learning) gets its sidebar
    patched, and every page is what a cold build writes."""
    serve = serving(tmp_path)
    page = serve.output / "tags/machine-learning/index.html"
    before, stat = page.read_text(), page.stat()
    assert 'href="/tags/leadership/"><span class="facet-label">Leadership</span> <span class="count">5' in before
    report = move_dee(serve)
    assert shown(patches, serve.output) == ["tags/machine-learning/index.html"]
    assert report.patched == 1
    after = page.read_text()
    assert 'href="/tags/leadership/"><span class="facet-label">Leadership</span> <span class="count">4' in after
    # 5 and 4 (writing: 3 and 4): a sidebar as long as the old one, written over it in the file.
    assert shown(patches.in_place, serve.output) == ["tags/machine-learning/index.html"]
    assert page.stat().st_ino == stat.st_ino and len(after) == len(before)
    assert serve.derived.manifest.entries["tags/machine-learning/index.html"][1:] == (
        page.stat().st_size,
        page.stat().st_mtime_ns,
    )
    assert_as_cold(serve, tmp_path)
    # The next edit patches it again from where this one left its sidebar.
    set_tags(serve.site, "dee", 3, ["leadership"])
    assert (
        serve.build().patched == 1 and shown(patches.in_place, serve.output) == ["tags/machine-learning/index.html"] * 2
    )
    assert page.read_text() == before
    assert_as_cold(serve, tmp_path / "again")


def test_a_sidebar_of_another_length_is_patched_whole(tmp_path, patches):
    """Ten mentors in leadership, then nine: the sidebar is a byte shorter, so the page is
    read and written again whole (a new file moved into place), never shifted in place."""
    serve = serving(tmp_path)
    for index in range(5):
        (serve.site / "mentors" / f"extra-{index}.yaml").write_text(
            profile(f"Extra{index} Person", ["leadership"], accepting=True)
        )
    serve.build()
    page = serve.output / "tags/machine-learning/index.html"
    stat = page.stat()
    assert '<span class="facet-label">Leadership</span> <span class="count">10' in page.read_text()
    patches.clear()
    report = move_dee(serve)
    assert "tags/machine-learning/index.html" in shown(patches, serve.output)
    assert report.patched == len(patches) == 5  # the listings that do not show her
    assert patches.in_place == [] and page.stat().st_ino != stat.st_ino
    assert '<span class="facet-label">Leadership</span> <span class="count">9' in page.read_text()
    assert_as_cold(serve, tmp_path)


def test_a_directory_page_started_early_has_its_sidebar_written_in_place(tmp_path, patches, monkeypatch):
    """The directory's pages start rendering in forked workers before the rest of the build
    (build.start; here however few they are). The one that does not show Dee gets her tag
    move's sidebar written over the old one in its file, as the other listings do, not a whole
    new file from the workers."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    monkeypatch.setattr(parallel, "default_jobs", lambda: 2)
    serve = serving(tmp_path)
    for index in range(5):  # writing: 8, then 9 (leadership 5, then 4): sidebars as long as before
        (serve.site / "mentors" / f"extra-{index}.yaml").write_text(
            profile(f"Extra{index} Person", ["writing"], accepting=True)
        )
    serve.build()
    page = serve.output / "mentors/page/2/index.html"
    before, stat = page.read_text(), page.stat()
    assert "/mentors/dee/" not in before and "/mentors/extra-2/" in before
    patches.clear()
    report = move_dee(serve)
    assert "mentors/page/2/index.html" in shown(patches.in_place, serve.output)
    assert shown(patches, serve.output) == shown(patches.in_place, serve.output)
    assert page.stat().st_ino == stat.st_ino and len(page.read_text()) == len(before) and page.read_text() != before
    assert report.patched == len(patches)
    assert_as_cold(serve, tmp_path)


def test_a_build_that_fails_writes_no_sidebar_in_place(tmp_path, patches):
    """Dee moves (every count changes) and her own page fails to render: the build fails and
    the listing whose sidebar was to be written in place is as it was."""
    serve = serving(
        tmp_path,
        {
            "mentor.html": (
                '{% extends "!theme/mentor.html" %}{% block content %}'
                '{% if mentor.name == "Dee Fails" %}{{ no_such_name }}{% endif %}{{ super() }}{% endblock %}'
            )
        },
    )
    kept = tree(serve.output)
    set_tags(serve.site, "dee", 3, ["writing"], name="Dee Fails")
    report = serve.build(ok=False)
    assert [d.message for d in report.errors] == ["template error: 'no_such_name' is undefined"]
    assert tree(serve.output) == kept
    set_tags(serve.site, "dee", 3, ["writing"])
    assert serve.build().patched == 1
    assert_as_cold(serve, tmp_path)


def test_no_build_keeps_the_sidebars_calls(tmp_path):
    """Calls of `sidebar()` are recorded only while serve renders a page whose sidebar it
    records: a one-off build of thousands of listings keeps none, and serve none after."""
    report = build_site(start_site(tmp_path / "site"), tmp_path / "out", today=TODAY, base_url=BASE, hold=True)
    sidebar = report.held[2][0].renderer.env.globals["sidebar"]
    assert report.written and sidebar.facets and sidebar.calls is None
    serve = serving(tmp_path / "serve")
    assert serve.derived.manifest.sidebars  # recorded as the pages rendered
    set_tags(serve.site, "dee", 3, ["writing"])
    report = serve.build(hold=True)
    assert report.patched == 1 and serve.derived.manifest.sidebars
    assert report.held[2][0].renderer.env.globals["sidebar"].calls is None


def test_a_sidebar_that_renders_the_same_keeps_the_page_unwritten(tmp_path, patches):
    """A new name moves Dee in every list (the facets change) but no count: the listing that
    does not show her is neither patched nor written again. (A site's own `_facets.html`,
    which may show anything of the facets: the theme's sidebar is keyed by what it shows,
    and its key would not move.)"""
    serve = serving(
        tmp_path,
        {
            "_facets.html": (
                "{% macro facet_sidebar(facets, active_key=None, active_value=None) %}"
                "<ul>{% for f in facets %}{% for v in f.values %}<li>{{ v.label }}={{ v.count }}</li>"
                "{% endfor %}{% endfor %}</ul>{% endmacro %}"
            )
        },
    )
    site = serve.site
    page = serve.output / "tags/machine-learning/index.html"
    stat, key = page.stat(), serve.derived.manifest.entries["tags/machine-learning/index.html"][0]
    set_tags(site, "dee", 3, ["leadership"], name="Zed Dee Park")
    report = serve.build()
    assert patches == [] and report.patched == 0
    # Its key moved with the facets (her place in their lists), yet its file stayed.
    assert serve.derived.manifest.entries["tags/machine-learning/index.html"][0] != key
    assert (page.stat().st_ino, page.stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    assert (serve.output / "mentors/dee/index.html").stat().st_mtime_ns > stat.st_mtime_ns
    assert_as_cold(serve, tmp_path)


def test_a_listing_whose_template_derives_from_the_sidebar_is_rendered_again(tmp_path, patches):
    """A site's facet_value.html that shows the sidebar once and also its length: patching the
    sidebar alone would leave the length stale, so its pages are rendered."""
    serve = serving(
        tmp_path,
        {
            "facet_value.html": (
                '{% extends "base.html" %}{% block content %}{% set s = sidebar(facet.key, value.key) %}'
                '<aside>{{ s }}</aside><p class="size">{{ s|length }}</p>'
                "{% for card in cards %}{{ card }}{% endfor %}{% endblock %}"
            )
        },
    )
    move_dee(serve)
    assert patches == []
    assert_as_cold(serve, tmp_path)


def test_a_sites_own_facets_template_is_patched_in_as_it_renders(tmp_path, patches):
    serve = serving(
        tmp_path,
        {
            "_facets.html": (
                "{% macro facet_sidebar(facets, active_key=None, active_value=None) %}"
                "<ul>{% for f in facets %}{% for v in f.values %}<li>{{ v.label }}={{ v.count }}"
                "{% if f.key == active_key and v.key == active_value %} (here){% endif %}</li>"
                "{% endfor %}{% endfor %}</ul>{% endmacro %}"
            )
        },
    )
    assert "<li>Leadership=5</li>" in (serve.output / "tags/machine-learning/index.html").read_text()
    move_dee(serve)
    assert shown(patches, serve.output) == ["tags/machine-learning/index.html"]
    assert "<li>Leadership=4</li>" in (serve.output / "tags/machine-learning/index.html").read_text()
    assert_as_cold(serve, tmp_path)


def test_a_sidebar_that_fails_after_an_edit_is_reported_as_the_render_reports_it(tmp_path, patches):
    """A site's `_facets.html` that breaks on a count of four: the build fails with the
    template's own problem (not an internal error), and serve's pages stay as they were."""
    serve = serving(
        tmp_path,
        {
            "_facets.html": (
                "{% macro facet_sidebar(facets, active_key=None, active_value=None) %}"
                "{% for f in facets %}{% for v in f.values %}{% if v.count == 4 %}{{ no_such_name }}{% endif %}"
                "{{ v.label }}={{ v.count }};{% endfor %}{% endfor %}{% endmacro %}"
            )
        },
    )
    site = serve.site
    kept = tree(serve.output)
    set_tags(site, "dee", 3, ["writing"])  # leadership and writing: four mentors each
    report = serve.build(ok=False)
    assert [(d.path, d.message) for d in report.errors][:1] == [
        ("templates/_facets.html", "template error: 'no_such_name' is undefined")
    ]
    assert tree(serve.output) == kept and patches == []


def test_a_page_changed_behind_serves_back_is_rendered_not_patched(tmp_path, patches):
    serve = serving(tmp_path)
    page = serve.output / "tags/machine-learning/index.html"
    page.write_text(page.read_text().replace("<main", "<!-- edited by hand --><main", 1))
    move_dee(serve)
    assert patches == []
    assert_as_cold(serve, tmp_path)


def test_a_failed_build_leaves_the_recorded_sidebars_usable(tmp_path, patches):
    serve = serving(tmp_path)
    site = serve.site
    set_tags(site, "dee", 3, ["writing"])
    (site / "mentors/broken.yaml").write_text("name: [unclosed\n")
    kept = tree(serve.output)
    serve.build(ok=False)
    assert tree(serve.output) == kept and patches == []
    (site / "mentors/broken.yaml").unlink()
    serve.build()
    assert shown(patches, serve.output) == ["tags/machine-learning/index.html"]
    assert_as_cold(serve, tmp_path)


def move_tags(site: Path, draw: int) -> None:
    """A profile's tags changed: every count in every sidebar may move."""
    profiles = sorted((site / "mentors").glob("*.yaml"))
    if profiles:
        path = profiles[draw % len(profiles)]
        tags = ["leadership", "writing", "machine-learning"]
        text = path.read_text()
        path.write_text(re.sub(r"(?m)^tags: .*$", f"tags: [{tags[draw % 3]}]", text))


@SEQUENCE_SETTINGS
@given(sequences([*EDITS, move_tags, move_tags]))
def test_serves_builds_equal_a_cold_build_after_any_edits(sequence):
    """The incremental-equals-cold property, for serve's builds (which patch sidebars)."""
    assert_serve_equals_cold(sequence)


@SEQUENCE_SETTINGS
@given(sequences([*LANGUAGE_EDITS, move_tags]))
def test_serves_builds_equal_a_cold_build_after_language_edits(sequence):
    """The same over a site that becomes bilingual and back: each language's listings have
    their own sidebar, under their own paths."""
    assert_serve_equals_cold(sequence)


def assert_serve_equals_cold(sequence: list) -> None:
    with tempfile.TemporaryDirectory() as folder:
        site = start_site(Path(folder) / "site")
        serve = Serve(site, Path(folder) / "preview")
        serve.build()
        for edit, draw in sequence:
            if edit == "break":
                (site / "mentors/broken.yaml").write_text("name: [unclosed\n")
                serve.build(ok=False)
                (site / "mentors/broken.yaml").unlink()
                continue
            edit(site, draw)
            serve.build()
            cold(site, Path(folder) / "cold")
            assert_same_tree(serve.output, Path(folder) / "cold")
            shutil.rmtree(Path(folder) / "cold")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, {"directory.html": True, "facet_value.html": True, "mentor.html": False, "home.html": False}),
        (
            {"_facets.html": "{% macro facet_sidebar(facets, k=None, v=None) %}x{% endmacro %}"},
            {"directory.html": True},
        ),
        ({"base.html": '{% extends "!theme/base.html" %}'}, {"directory.html": False, "facet_value.html": False}),
        ({"_pagination.html": '{% extends "!theme/_pagination.html" %}'}, {"directory.html": False}),
        ({"facet_value.html": '{% extends "!theme/facet_value.html" %}'}, {"facet_value.html": False}),
    ],
)
def test_only_pages_of_the_themes_own_templates_have_their_sidebar_patched(tmp_path, overrides, expected):
    site = start_site(tmp_path / "site")
    for name, source in overrides.items():
        (site / "templates" / name).write_text(source)
    env = make_environment(site, load_config(site), {}, TODAY)
    deps = TemplateDeps(env)
    assert {name: deps.splices_sidebar(name) for name in expected} == expected


def test_a_sidebar_is_located_only_when_the_page_holds_it_exactly_once():
    page = b"<main><aside>A=1</aside></main>"
    assert locate(page, (None, None), "A=1") == Placed((None, None), 13, 16, locate(page, (), "A=1").digest, 31)
    assert locate(page + b"A=1", (None, None), "A=1") is None  # twice
    assert locate(page, (None, None), "B=2") is None  # not there (a template that changed it)
    assert locate(page, (None, None), "") is None


def test_a_patch_needs_the_file_as_recorded(tmp_path):
    file = tmp_path / "index.html"
    file.write_bytes("<p>é</p><aside>A=1</aside>".encode())
    placed = locate(file.read_bytes(), ("tags", "x"), "A=1")
    assert placed is not None
    text, moved = patched(file, placed, "A=10 and more")
    assert text == "<p>é</p><aside>A=10 and more</aside>"
    assert (moved.start, moved.end, moved.size) == (placed.start, placed.start + 13, len(text.encode()))
    file.write_bytes("<p>é</p><aside>B=1</aside>".encode())  # the same size, another sidebar
    assert patched(file, placed, "A=2") is None
    file.write_bytes("<p>é</p><aside>A=1</aside>!".encode())  # another size
    assert patched(file, placed, "A=2") is None
    file.unlink()
    assert patched(file, placed, "A=2") is None


#: Languages of nine more mentors: ten values in the languages facet (en 14, fr 9, de 8 … fi 1),
#: so the sidebar lists eight and links to "All 10".
MORE_LANGUAGES = ["fr", "de", "es", "it", "pt", "nl", "sv", "da", "fi"]


def set_languages(site: Path, slug: str, languages: list[str]) -> None:
    path = site / "mentors" / f"{slug}.yaml"
    path.write_text(re.sub(r"(?m)^languages: .*$", f"languages: [{', '.join(languages)}]", path.read_text()))


def with_ten_languages(tmp_path: Path, templates: dict[str, str] | None = None) -> Serve:
    serve = serving(tmp_path, templates)
    for k in range(9):
        slug = f"polyglot-{k}"
        (serve.site / "mentors" / f"{slug}.yaml").write_text(profile(f"Poly{k} Glot", ["writing"], accepting=True))
        set_languages(serve.site, slug, ["en", *MORE_LANGUAGES[: 9 - k]])
    serve.build()
    return serve


def test_a_count_the_sidebar_does_not_list_moves_no_listing(tmp_path, patches):
    """Finnish goes from one mentor to two: the tenth language, which the theme's sidebar
    does not list (it shows eight and "All 10"). No listing is patched or written again;
    the pages showing that mentor or Finnish are."""
    serve = with_ten_languages(tmp_path)
    page = serve.output / "tags/machine-learning/index.html"
    stat, key = page.stat(), serve.derived.manifest.entries["tags/machine-learning/index.html"][0]
    text = page.read_text()
    assert "All 10<span" in text and "Swedish" in text and "Finnish" not in text and "Danish" not in text
    patches.clear()
    set_languages(serve.site, "polyglot-1", ["en", *MORE_LANGUAGES])
    report = serve.build()
    assert patches == [] and report.patched == 0
    assert (page.stat().st_ino, page.stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    # Not even its key moved: no sidebar had to be drawn again to find it the same.
    assert serve.derived.manifest.entries["tags/machine-learning/index.html"][0] == key
    assert report.rendered < 10
    assert_as_cold(serve, tmp_path)
    # An eleventh language: the link under the list says so on every listing.
    set_languages(serve.site, "polyglot-8", ["en", "fr", "no"])
    serve.build()
    assert "All 11<span" in page.read_text()
    assert_as_cold(serve, tmp_path / "eleven")


def test_a_sites_own_facets_template_showing_every_value_is_patched_for_any_count(tmp_path, patches):
    facets = (
        "{% macro facet_sidebar(facets, active_key=None, active_value=None) %}"
        "<ul>{% for f in facets %}{% for v in f.values %}<li>{{ v.label }}={{ v.count }}</li>"
        "{% endfor %}{% endfor %}</ul>{% endmacro %}"
    )
    serve = with_ten_languages(tmp_path, {"_facets.html": facets})
    assert "<li>Finnish=1</li>" in (serve.output / "tags/machine-learning/index.html").read_text()
    set_languages(serve.site, "polyglot-1", ["en", *MORE_LANGUAGES])
    serve.build()
    assert "tags/machine-learning/index.html" in shown(patches, serve.output)
    assert "<li>Finnish=2</li>" in (serve.output / "tags/machine-learning/index.html").read_text()
    assert_as_cold(serve, tmp_path)


def test_a_sidebar_is_written_in_place_only_over_the_file_as_recorded(tmp_path):
    file = tmp_path / "index.html"
    page = "<p>é</p><aside>A=1</aside><p>ada.private@exam</p>".encode()
    file.write_bytes(page)
    placed = locate(page, ("tags", "x"), "A=1")
    none, ada = PrivateStrings(), PrivateStrings({"Ada.Private@example.org"})
    assert in_place(file, placed, b"A=2", ada)
    assert not in_place(file, placed, b"A=10", none)  # another length
    assert not in_place(file, placed, b"", none)
    file.write_bytes(page.replace(b"A=1", b"B=1"))  # the same size, another sidebar
    assert not in_place(file, placed, b"A=2", none)
    file.write_bytes(page + b"!")  # another size
    assert not in_place(file, placed, b"A=2", none)
    file.unlink()
    assert not in_place(file, placed, b"A=2", none)
    # A sidebar that would make a private address with the text around it.
    page = b"<p>write to ada.private@<aside>A=1</aside>"
    file.write_bytes(page)
    placed = locate(page, ("tags", "x"), "<aside>A=1</aside>")
    assert in_place(file, placed, b"<aside>A=2</aside>", ada)
    assert not in_place(file, placed, b"example.org </p>  ", ada)
    assert in_place(file, placed, b"example.org </p>  ", none)


def test_staging_writes_spliced_bytes_into_the_destination_when_applied(tmp_path):
    destination = tmp_path / "site"
    (destination / "tags").mkdir(parents=True)
    page = destination / "tags" / "index.html"
    page.write_bytes(b"<aside>A=1</aside><p>rest</p>")
    inode = page.stat().st_ino
    staging = Staging(destination)
    staging.flat = True
    where = locate(page.read_bytes(), (None, None), "A=1")
    staging.splice("tags/index.html", b"A=2", where._replace(digest=b"new"))
    staging.splice("gone/index.html", b"A=2", where)
    assert page.read_bytes() == b"<aside>A=1</aside><p>rest</p>"  # nothing before the build is applied
    assert (
        staging.patched == {"tags/index.html", "gone/index.html"} and staging.placed["tags/index.html"].digest == b"new"
    )
    staging.apply([])
    assert page.read_bytes() == b"<aside>A=2</aside><p>rest</p>" and page.stat().st_ino == inode
    assert not (destination / "gone").exists() and not staging.root.exists()


def test_a_preview_keeps_its_manifest_in_memory_and_through_a_failed_build(tmp_path):
    """serve's folder is its own and goes with it: its builds write no manifest to disk. A
    build that fails (a broken template) leaves the last manifest, so the next good build
    still renders only the pages the edits changed."""
    serve = serving(tmp_path)
    assert not manifest_path(serve.site, serve.output).exists()
    page = serve.site / "templates" / "page.html"
    good = page.read_text()
    page.write_text(good.replace("{{ super() }}", "{{ no_such_name }}"))  # fails as it renders
    assert serve.derived.manifest is not None
    serve.build(ok=False)
    assert serve.derived.manifest is not None
    page.write_text(good)
    set_tags(serve.site, "dee", 3, ["leadership", "writing"])
    report = serve.build()
    assert 0 < report.rendered < report.unchanged
    assert not manifest_path(serve.site, serve.output).exists()
    assert_as_cold(serve, tmp_path)
