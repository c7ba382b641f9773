"""Serve's first look (serve/first_look.py): the page of an edited profile, rendered before the
full rebuild, is byte for byte the page that build then writes; any edit that moves more than
that page, or anything wrong, gets no first look. And the server's side of it: only tabs
showing a first-looked page reload early, and they reload again only if the build's page differs.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from pathlib import Path

import pytest
from test_incremental import (  # the incremental build's own site and edits
    NAMES,
    SLUGS,
    TAGS,
    add_photo,
    add_profile,
    change_settings,
    change_template,
    delete_profile,
    profile,
    rename_profile,
    start_site,
    toggle_languages,
)

from mentorsite import context
from mentorsite.diagnostics import Diagnostic
from mentorsite.serve.server import LiveState, live_snippet, preview_server
from mentorsite.serve.session import PreviewBuilds, _rebuild
from mentorsite.write import IN_PLACE


@pytest.fixture
def builds(tmp_path):
    """A site of five mentors (cy is not accepting: its page suggests others), built once as serve does."""
    builds = PreviewBuilds(start_site(tmp_path / "site"), "http://127.0.0.1:9/")
    assert builds.build(set()).written
    yield builds
    builds.close()


def save(site: Path, slug: str, **changes) -> str:
    """Rewrite one profile of start_site's with `changes` to profile()'s arguments; its path."""
    index = SLUGS.index(slug)
    arguments = {"name": NAMES[index], "tags": TAGS[: 1 + index % 3], "accepting": index != 2} | changes
    (site / "mentors" / f"{slug}.yaml").write_text(profile(**arguments))
    return f"mentors/{slug}.yaml"


def page_of(builds: PreviewBuilds, slug: str) -> bytes:
    return (builds.output / "mentors" / slug / "index.html").read_bytes()


@pytest.mark.parametrize(
    ("slug", "bio"),
    [
        ("ana", "A new bio, with **bold** words."),
        ("cy", "Not accepting, so the page suggests similar mentors."),  # similar mentors kept
        ("bo", '<script>alert("x")</script> & <img src=x onerror=alert(1)> [a](javascript:alert(1))'),
    ],
)
def test_the_first_look_is_the_page_the_build_then_writes(builds, slug, bio):
    before = page_of(builds, slug)
    changed = {save(builds.site, slug, bio=bio)}
    looked = builds.first_look(changed)
    assert list(looked) == [f"mentors/{slug}/index.html"]
    assert looked[f"mentors/{slug}/index.html"] != before
    report = builds.build(changed)
    assert report.written
    assert looked[f"mentors/{slug}/index.html"] == page_of(builds, slug)
    if slug == "cy":
        assert "Ana Ruiz" in page_of(builds, slug).decode()  # a suggested mentor
    assert b"<script>alert" not in page_of(builds, slug) and b'href="javascript' not in page_of(builds, slug)


def test_the_build_after_a_first_look_asks_whether_only_the_edited_profile_is_published(builds, monkeypatch):
    """A first look reads the edited profile on its own: the build after it still updates the
    last answer for the whole list (replaced.filtered), asking of the edited profile alone."""
    asked = []
    is_published = context.is_published
    monkeypatch.setattr(context, "is_published", lambda config, m: asked.append(m.path) or is_published(config, m))
    changed = {save(builds.site, "bo", bio="Bo, edited.")}
    assert builds.first_look(changed)
    asked.clear()
    assert builds.build(changed).written
    assert asked == ["mentors/bo.yaml"]


def test_three_profiles_saved_at_once_get_a_first_look_each(builds):
    changed = {save(builds.site, slug, bio=f"Edited {slug}.") for slug in ("ana", "bo", "dee")}
    looked = builds.first_look(changed)
    assert sorted(looked) == ["mentors/ana/index.html", "mentors/bo/index.html", "mentors/dee/index.html"]
    builds.build(changed)
    assert looked == {path: (builds.output / path).read_bytes() for path in looked}


def _four_profiles(site: Path) -> set[str]:
    return {save(site, slug, bio="Edited.") for slug in ("ana", "bo", "dee", "eli")}


def _unknown_field(site: Path) -> set[str]:
    path = site / "mentors/ana.yaml"
    path.write_text(path.read_text().replace("industry:", "favourite_colour: teal\nindustry:"))
    return {"mentors/ana.yaml"}


def _own_address_in_bio(site: Path) -> set[str]:
    return {save(site, "ana", bio="Write to ana.private@example.org directly.")}


def _files_changed_by(edit):
    """An edit of test_incremental's, with the paths it changed (as the watcher names them)."""

    def run(site: Path) -> set[str]:
        before = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}
        edit(site, 1)
        after = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}
        return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}

    return run


@pytest.mark.parametrize(
    "edit",
    [
        _four_profiles,
        _unknown_field,
        _own_address_in_bio,
        _files_changed_by(add_profile),
        _files_changed_by(delete_profile),
        _files_changed_by(rename_profile),
        _files_changed_by(add_photo),
        _files_changed_by(change_settings),
        _files_changed_by(change_template),
    ],
    ids=[
        "four-profiles",
        "unknown-field",
        "private-address",
        "added",
        "deleted",
        "renamed",
        "photo",
        "settings",
        "template",
    ],
)
def test_an_edit_beyond_the_profiles_or_wrong_gets_no_first_look(builds, edit):
    changed = edit(builds.site)
    assert changed
    assert builds.first_look(changed) == {}


@pytest.mark.parametrize(
    ("slug", "changes", "shown", "hidden"),
    [
        # Ana is accepting: her facet values change, and the tags' counts with them.
        (
            "ana",
            {"tags": ["writing", "machine-learning"]},
            ["/tags/machine-learning/", "/tags/writing/"],
            ["/tags/leadership/"],
        ),
        # Cy suggests others by shared tags: other tags, other suggestions.
        ("cy", {"tags": ["writing"]}, ["Bo Chen", "Eli Stone"], ["Ana Ruiz"]),
        ("ana", {"name": "Zed Ruiz"}, ["Zed Ruiz"], ["Ana Ruiz"]),  # the directory order moves
        ("ana", {"accepting": False}, ["Dee Park"], []),  # no longer accepting: suggestions appear
        ("cy", {"accepting": True}, [], ["Ana Ruiz"]),  # accepting again: none
    ],
    ids=["tags", "suggestions", "name", "closed", "opened"],
)
def test_an_edit_that_moves_more_than_its_page_gets_a_first_look_from_the_context_made_again(
    builds, slug, changes, shown, hidden
):
    """Facets, order and suggestions are made again with the edit in place: the page is the
    build's, byte for byte, and the last build's tree is left as it was for the next look."""
    before = page_of(builds, slug)
    tree = builds.last.tree
    own = dict(tree.renderer.env.globals)
    changed = {save(builds.site, slug, **changes)}
    looked = builds.first_look(changed)
    assert list(looked) == [f"mentors/{slug}/index.html"] and looked[f"mentors/{slug}/index.html"] != before
    assert tree.renderer.env.globals == own and builds.last.tree is tree
    page = looked[f"mentors/{slug}/index.html"].decode()
    assert [text for text in shown if text not in page] == []
    assert [text for text in hidden if text in page] == []
    assert builds.build(changed).written
    assert looked == {f"mentors/{slug}/index.html": page_of(builds, slug)}


def test_a_first_look_shows_the_facet_counts_and_search_hints_the_build_will(builds):
    """A site's mentor page showing the sidebar and the search box: their counts and examples
    follow the edit (the theme's mentor page shows neither)."""
    (builds.site / "templates/mentor.html").write_text(
        '{% extends "!theme/mentor.html" %}{% block content %}{{ super() }}'
        '{{ sidebar() }}{% include "_search.html" %}{% endblock %}'
    )
    assert builds.build({"templates/mentor.html"}).written
    changed = {save(builds.site, slug, tags=["writing"]) for slug in ("ana", "dee", "cy")}
    looked = builds.first_look(changed)
    assert builds.build(changed).written
    assert sorted(looked) == ["mentors/ana/index.html", "mentors/cy/index.html", "mentors/dee/index.html"]
    assert looked == {path: (builds.output / path).read_bytes() for path in looked}
    page = looked["mentors/ana/index.html"].decode()
    # Writing now leads (five mentors against two): the first example, the first count.
    assert "For example “Writing”" in page
    assert 'Writing</span> <span class="count">5<' in page and 'Leadership</span> <span class="count">2<' in page


def test_a_plain_edit_and_one_that_moves_more_saved_together_look_as_the_build_makes_them(builds):
    changed = {save(builds.site, "bo", bio="Only the bio."), save(builds.site, "ana", tags=["machine-learning"])}
    looked = builds.first_look(changed)
    assert sorted(looked) == ["mentors/ana/index.html", "mentors/bo/index.html"]
    assert builds.build(changed).written
    assert looked == {path: (builds.output / path).read_bytes() for path in looked}


def test_a_save_by_rename_through_a_visible_temporary_file_gets_a_first_look(builds):
    """`sed -i` writes mentors/sedXXXXXX and renames it over the profile: the watcher reports
    both paths, the temporary one gone by the time serve looks."""
    text = (builds.site / "mentors/ana.yaml").read_text().replace("bio: |\n  ", "bio: |\n  Saved by sed. ", 1)
    (builds.site / "mentors/sedAb12Cd").write_text(text)
    (builds.site / "mentors/sedAb12Cd").replace(builds.site / "mentors/ana.yaml")
    changed = {"mentors/ana.yaml", "mentors/sedAb12Cd"}
    looked = builds.first_look(changed)
    assert list(looked) == ["mentors/ana/index.html"] and b"Saved by sed." in looked["mentors/ana/index.html"]
    assert builds.build(changed).written
    assert looked == {"mentors/ana/index.html": page_of(builds, "ana")}


def test_a_photo_the_last_build_published_gone_gets_no_first_look(builds):
    add_photo(builds.site, 0)  # ana's
    assert builds.build({"mentors/ana.yaml", "mentors/photos/ana.jpg"}).written
    (builds.site / "mentors/photos/ana.jpg").unlink()
    changed = {save(builds.site, "bo", bio="Edited."), "mentors/photos/ana.jpg"}
    assert builds.first_look(changed) == {}
    assert builds.first_look({"mentors/photos/ana.jpg"}) == {}


def test_a_private_address_in_a_bio_gets_no_first_look_and_the_build_refuses_it(builds):
    changed = _own_address_in_bio(builds.site)
    assert builds.first_look(changed) == {}
    report = builds.build(changed)
    assert not report.written and report.errors


def test_a_site_in_two_languages_gets_no_first_look(builds):
    toggle_languages(builds.site, 0)
    assert builds.build({"site.toml"}).written
    changed = {save(builds.site, "ana", bio="Edited in English.")}
    assert builds.first_look(changed) == {}


def test_rebuild_shows_the_first_look_then_the_build_under_the_same_number(builds):
    """_rebuild: the first look is shown before the build runs; a build whose page is the same
    keeps its number, so the tab that reloaded for it does not reload again."""
    live, seen = LiveState(), []
    _rebuild(builds, live, lambda *a, **k: None, changed=set(), complete=True)
    number = live.current.number
    set_state = live._set
    live._set = lambda state: (seen.append(state), set_state(state))  # type: ignore[method-assign]
    changed = {save(builds.site, "ana", bio="Seen first.")}
    _rebuild(builds, live, lambda *a, **k: None, changed=changed, complete=True)
    first, final = seen
    assert (first.number, list(first.first_look), first.root) == (
        number + 1,
        ["mentors/ana/index.html"],
        live.current.root,
    )
    assert (final.number, final.first_look, final.problems) == (number + 1, {}, ())
    assert first.first_look["mentors/ana/index.html"] == page_of(builds, "ana")
    seen.clear()
    _rebuild(builds, live, lambda *a, **k: None, changed=changed, complete=False)  # the watcher restarted
    assert [(s.number, s.first_look) for s in seen] == [(number + 2, {})]  # no first look without every change
    live.close()


# --- the server --------------------------------------------------------------------------------


@pytest.fixture
def served(tmp_path):
    """A running preview server over a LiveState, and two build folders to switch between."""
    roots = []
    for name, ana in (("one", "ana v1"), ("two", "ana v2")):
        root = tmp_path / name
        (root / "mentors" / "ana").mkdir(parents=True)
        (root / "mentors" / "ana" / "index.html").write_text(f"<html><body>{ana}</body></html>")
        (root / "index.html").write_text(f"<html><body>home {name}</body></html>")
        roots.append(root)
    live = LiveState()
    server = preview_server("127.0.0.1", 0, live)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    yield live, url, roots
    live.close()
    server.shutdown()
    server.server_close()


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def number_in(page: str) -> int:
    return json.loads(page.split('id="__mentorsite-live">')[1].split("</script>")[0])["build"]


def test_a_first_look_is_served_to_its_page_only_with_the_number_of_the_build_under_way(served):
    live, url, (one, two) = served
    live.succeeded(one)
    live.first_look({"mentors/ana/index.html": b"<html><body>ana looked</body></html>"})
    assert json.loads(live.current.message()) == {
        "build": 2,
        "problems": [],
        "pages": ["/mentors/ana/", "/mentors/ana/index.html"],
    }
    for path in ("mentors/ana/", "mentors/ana/index.html"):
        page = get(url + path)
        assert "ana looked" in page and number_in(page) == 2
    home = get(url)
    assert "home one" in home and number_in(home) == 1  # reloads when the build ends
    assert live_snippet(1).decode() in home


def test_the_build_after_a_first_look_keeps_its_number_only_if_the_page_is_the_same(served):
    live, url, (one, two) = served
    live.succeeded(one)
    live.first_look({"mentors/ana/index.html": (two / "mentors/ana/index.html").read_bytes()})
    live.succeeded(two)
    assert json.loads(live.current.message()) == {"build": 2, "problems": [], "pages": None}
    assert number_in(get(url + "mentors/ana/")) == 2 and "ana v2" in get(url + "mentors/ana/")
    live.first_look({"mentors/ana/index.html": b"<html><body>not what the build made</body></html>"})
    live.succeeded(one)
    assert live.current.number == 4  # 3 was the first look's: its tab reloads again
    assert "ana v1" in get(url + "mentors/ana/") and number_in(get(url)) == 4


def test_a_failed_build_withdraws_its_first_look(served):
    live, url, (one, two) = served
    live.succeeded(one)
    live.first_look({"mentors/ana/index.html": b"<html><body>ana looked</body></html>"})
    live.failed([Diagnostic("mentors/ana.yaml", 3, 1, "unknown field 'favourite_colour'", "remove it")])
    state = json.loads(live.current.message())
    assert (state["build"], state["pages"], [p["where"] for p in state["problems"]]) == (
        1,
        None,
        ["mentors/ana.yaml:3:1"],
    )
    page = get(url + "mentors/ana/")
    assert "ana v1" in page and number_in(page) == 1  # the last good page; its tab shows the problems


def test_a_page_is_not_served_while_a_build_writes_into_it(served):
    """serve's builds write some sidebars into served files in place (sidebars.in_place) under
    write.IN_PLACE: a request for a page waits for the write, then gets the page whole."""
    live, url, (one, _) = served
    live.succeeded(one)
    got: list[str] = []
    with IN_PLACE:
        reader = threading.Thread(target=lambda: got.append(get(url + "mentors/ana/")))
        reader.start()
        reader.join(0.5)
        assert reader.is_alive() and got == []  # it waits
        page = one / "mentors" / "ana" / "index.html"
        page.write_bytes(page.read_bytes().replace(b"ana v1", b"ana v3"))
    reader.join(10)
    assert "ana v3" in got[0]
    assert "home one" in get(url)  # and nothing else is held
