"""Live availability in headless Chromium: the example site, served from one port, reads the
receiver's availability.json from another origin (a second port, with real CORS headers) and
marks full and paused mentors without a rebuild; anything wrong with that answer (an error, a
slow reply, no CORS headers) leaves the pages exactly as built.

The JSON file is the one the receiver serves (`GET /availability.json`); the server here answers
it as configured per test (delay, status, CORS header)."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from browser_support import ROOT, StaticServer, build_into, free_port
from playwright.sync_api import expect
from test_accessibility import violations


class AvailabilityServer:
    """The receiver's availability.json on its own origin: body, status, delay and whether the
    CORS header is sent are set per test; `requested` counts requests, `served` answers sent."""

    def __init__(self, site_origin: str):
        self.site_origin = site_origin
        self.reset()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # noqa: A002 - the base class's name
                pass

            def do_GET(self):  # noqa: N802 - http.server's name
                with server.lock:
                    server.requested += 1
                time.sleep(server.delay)
                body = json.dumps(server.document).encode() if self.path == "/availability.json" else b"{}"
                self.send_response(server.status if self.path == "/availability.json" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "public, max-age=60")
                if server.cors:
                    self.send_header("Access-Control-Allow-Origin", server.site_origin)
                    self.send_header("Vary", "Origin")
                self.send_header("Content-Length", str(len(body)))
                try:
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the page gave up waiting (the slow case)
                with server.lock:
                    server.served += 1
                    server.cookies.append(self.headers.get("Cookie"))

        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def reset(self, document: dict | None = None) -> None:
        self.document = document or {"generated": "2026-11-23T10:00:00Z", "mentors": {}}
        self.status, self.delay, self.cors = 200, 0.0, True
        self.requested = self.served = 0
        self.cookies: list[str | None] = []

    def wait_served(self, count: int = 1, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while self.requested < count:
            assert time.monotonic() < deadline, "availability.json was never requested"
            time.sleep(0.05)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _example_with_receiver(parent, language: str, receiver_port: int):
    site = parent / f"example-{language}"
    for folder in ("mentors", "content"):
        shutil.copytree(ROOT / folder, site / folder)
    settings = (ROOT / "site.toml").read_text(encoding="utf-8")
    action = 'action = "http://127.0.0.1:8787/requests"'
    assert settings.count(action) == 1 and settings.count('\nlanguage = "en"\n') == 1
    settings = settings.replace(action, f'action = "http://127.0.0.1:{receiver_port}/requests"')
    settings = settings.replace('\nlanguage = "en"\n', f'\nlanguage = "{language}"\n')
    # The statistics page too (off in the example site), for its audit below.
    (site / "site.toml").write_text(settings + "\n[stats]\nenabled = true\n", "utf-8")
    return site


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """(site base URL, built output folder, availability server, Arabic base URL)."""
    port = free_port()
    avail = AvailabilityServer(f"http://127.0.0.1:{port}")
    sites = {}
    servers = []
    for language in ("en", "ar"):
        site_port = port if language == "en" else free_port()
        parent = tmp_path_factory.mktemp(f"live-{language}")
        out = build_into(_example_with_receiver(parent, language, avail.port), parent, site_port)
        servers.append(StaticServer(out, site_port))
        sites[language] = (servers[-1].url, out)
    # Both sites' origins may read it: the Arabic one is on another port.
    yield sites, avail
    avail.close()
    for server in servers:
        server.close()


CARD = re.compile(r'<article class="card">.*?<h3><a href="[^"]*/mentors/([a-z0-9-]+)/">(.*?)</article>', re.S)


def _open_cards(html: str) -> list[str]:
    """Slugs of the cards a built listing shows as accepting, in order."""
    return [slug for slug, body in CARD.findall(html) if 'class="badge open"' in body]


def _closed_cards(html: str) -> list[str]:
    return [slug for slug, body in CARD.findall(html) if 'class="badge closed"' in body]


def _live_badges(page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.card[data-mentor]')]
        .filter(c => c.querySelector('.badge[data-live]'))
        .map(c => [c.dataset.mentor, c.querySelector('.badge').dataset.live + ': ' + c.querySelector('.badge').textContent]))""")


@pytest.fixture
def states(live):
    """Three accepting mentors full, paused and closed now, a mentor not accepting at build time
    said to be open, everyone else open."""
    out, avail = live[0]["en"][1], live[1]
    listings = [(out / "mentors" / page / "index.html").read_text("utf-8") for page in ("", "page/2")]
    accepting = [s for html in listings for s in _open_cards(html)]
    closed = [s for html in listings for s in _closed_cards(html)]
    full, paused, gone = accepting[0], accepting[-1], accepting[1]
    mentors = dict.fromkeys(accepting, "open")
    mentors.update({full: "full", paused: "paused", gone: "closed", closed[0]: "open"})
    avail.reset({"generated": "2026-11-23T10:00:00Z", "mentors": mentors})
    return {"full": full, "paused": paused, "closed": gone, "reopened": closed[0]}


@pytest.mark.parametrize("listing", ["", "page/2/"])
def test_directory_cards_carry_the_live_state(page, live, states, listing):
    """Exactly the cards accepting at build time and not open now get a badge; a mentor built
    as not accepting stays so although the receiver says open; no cookie is sent."""
    (url, out), avail = live[0]["en"], live[1]
    page.goto(url + "mentors/" + listing)
    built = (out / "mentors" / listing / "index.html").read_text("utf-8")
    live_badges = {
        states["full"]: "full: Full — not taking requests now",
        states["paused"]: "paused: Paused",
        states["closed"]: "closed: Not accepting",
    }
    expected = {slug: text for slug, text in live_badges.items() if slug in _open_cards(built)}
    if expected:
        slug = next(iter(expected))
        expect(page.locator(f'.card[data-mentor="{slug}"] .badge[data-live]')).to_have_count(1)
    else:
        avail.wait_served()
        time.sleep(0.3)
    assert _live_badges(page) == expected
    if states["reopened"] in _closed_cards(built):
        reopened = page.locator(f'.card[data-mentor="{states["reopened"]}"] .badge')
        expect(reopened).to_have_text("Not accepting")
        expect(reopened).to_have_class("badge closed")
    assert avail.served == 1 and avail.cookies == [None]
    assert page.errors == []


def test_the_first_directory_page_shows_the_full_mentor(live, states):
    """The case above is not empty: the full mentor's card is on the first page."""
    built = (live[0]["en"][1] / "mentors" / "index.html").read_text("utf-8")
    assert states["full"] in _open_cards(built)


def test_search_results_are_marked_as_they_are_drawn(page, live, states):
    """Cards search.js draws after the answer arrived carry the live badge too."""
    url = live[0]["en"][0]
    page.goto(url + "mentors/")
    expect(page.locator(f'.card[data-mentor="{states["full"]}"] .badge[data-live]')).to_have_count(1)
    name = page.locator(f'.card[data-mentor="{states["full"]}"] h3').inner_text()
    page.fill('form[role="search"] input[name="q"]', name)
    page.keyboard.press("Enter")
    card = page.locator(f'.card[data-mentor="{states["full"]}"]')
    expect(card.locator(".badge")).to_have_text("Full — not taking requests now")
    expect(page.locator(".card[data-mentor]")).not_to_have_count(0)
    assert page.errors == []


def test_a_full_mentor_page_loses_its_form_and_says_so_once(page, live, states):
    """The form is replaced by the notice the build kept hidden, the header's button goes and
    the live region says it once."""
    url = live[0]["en"][0]
    page.goto(url + f"mentors/{states['full']}/")
    status = page.locator("#contact [data-availability-status]")
    name = page.locator(".profile-intro h1").inner_text()
    expect(status).to_have_text(f"{name} is full and not taking requests now.")
    expect(page.locator("form.contact-form")).to_have_count(0)
    expect(page.locator(".profile-actions .badge")).to_have_text("Full — not taking requests now")
    expect(page.locator('.profile-actions a[href="#contact"]')).to_have_count(0)
    notice = page.locator("#contact .notice")
    expect(notice.locator("strong")).to_have_text(f"{name} is not taking new mentees right now.")
    expect(notice).to_be_visible()
    assert page.locator("[data-availability-notice]").count() == 0
    assert page.locator("[role=status][data-availability-status]").count() == 1
    assert page.errors == []


def test_a_paused_mentor_page(page, live, states):
    url = live[0]["en"][0]
    page.goto(url + f"mentors/{states['paused']}/")
    name = page.locator(".profile-intro h1").inner_text()
    expect(page.locator("#contact [data-availability-status]")).to_have_text(f"{name} has paused new requests.")
    expect(page.locator(".profile-actions .badge")).to_have_text("Paused")
    expect(page.locator("form.contact-form")).to_have_count(0)


def _as_built(page, avail, url: str, wait: float) -> None:
    before = (page.goto(url), page.locator("main").inner_html())[1]
    avail.wait_served()
    time.sleep(avail.delay + wait)  # a slow answer has arrived by then, after the script's timeout
    assert page.locator("main").inner_html() == before
    expect(page.locator("form.contact-form")).to_have_count(1)
    assert page.locator("[data-live]").count() == 0
    assert page.locator("[data-availability-status]").inner_text() == ""


@pytest.mark.parametrize("failure", ["error", "no-cors", "not-json"])
def test_an_unusable_answer_leaves_the_page_as_built(page, live, states, failure):
    """A 503, an answer without CORS headers (the browser hides it) and a body that is not the
    document all leave the page as built."""
    avail = live[1]
    if failure == "error":
        avail.status = 503
    elif failure == "no-cors":
        avail.cors = False
    else:
        avail.document = ["full"]
    _as_built(page, avail, live[0]["en"][0] + f"mentors/{states['full']}/", 0.5)


def test_a_slow_answer_is_given_up(page, live, states):
    """An answer later than the script's 4-second timeout is ignored, even once it arrives."""
    avail = live[1]
    avail.delay = 5.0
    _as_built(page, avail, live[0]["en"][0] + f"mentors/{states['full']}/", 0.7)


def test_right_to_left_in_arabic(page, live, states):
    """The Arabic site marks the same mentor with the Arabic words, laid out right to left."""
    url = live[0]["ar"][0]
    live[1].site_origin = url.split("/sub/")[0]
    try:
        page.goto(url + f"mentors/{states['full']}/")
        badge = page.locator(".profile-actions .badge")
        expect(badge).to_have_text("ممتلئ — لا يستقبل طلبات الآن")
        assert page.evaluate("getComputedStyle(document.querySelector('.profile-actions .badge')).direction") == "rtl"
        expect(page.locator("form.contact-form")).to_have_count(0)
    finally:
        live[1].site_origin = live[0]["en"][0].split("/sub/")[0]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["mentors/", "full"])
def test_marked_pages_are_axe_clean(page, live, states, axe, scheme, path):
    page.emulate_media(color_scheme=scheme)
    url = live[0]["en"][0]
    page.goto(url + (f"mentors/{states['full']}/" if path == "full" else path))
    expect(page.locator(".badge[data-live]").first).to_be_visible()
    assert violations(page, axe) == []


def test_keyboard_reaches_the_notice_links(page, live, states):
    """After the form goes, the notice's links can be reached from the keyboard."""
    url = live[0]["en"][0]
    page.goto(url + f"mentors/{states['full']}/")
    expect(page.locator("form.contact-form")).to_have_count(0)
    first = page.locator("#contact .notice a").first
    first.focus()
    assert page.evaluate("document.activeElement.closest('#contact') !== null")


def test_the_accepting_filter_follows_the_live_state(page, live, states):
    """ "Accepting mentees only" leaves out the mentors full, paused or closed now: the count is
    the build's accepting mentors less those three, and the full mentor's card is not listed."""
    url, out = live[0]["en"]
    built = [(out / "mentors" / p / "index.html").read_text("utf-8") for p in ("", "page/2", "page/3")]
    accepting = sum(len(_open_cards(html)) for html in built)
    page.goto(url + "mentors/?accepting=1")
    count = page.locator("#result-count")
    expect(count).to_have_text(re.compile(rf"^{accepting - 3}\D"))
    listed = page.locator("#cards .card[data-mentor]").evaluate_all("cards => cards.map(c => c.dataset.mentor)")
    assert states["full"] not in listed and states["closed"] not in listed and len(listed) == min(24, accepting - 3)
    assert page.errors == []


def test_a_page_built_without_a_form_drops_similar_mentors_not_taking_requests(page, live):
    """A mentor not accepting at build time keeps the build's notice, less the similar mentors
    the receiver says are full now (the lead-in goes with the last of them)."""
    (url, out), avail = live[0]["en"], live[1]
    pages = [(out / "mentors" / p / "index.html").read_text("utf-8") for p in ("page/2", "page/3")]
    closed = [s for html in pages for s in _closed_cards(html)]
    built = {s: (out / "mentors" / s / "index.html").read_text("utf-8") for s in closed}
    slug = next(s for s in closed if len(re.findall(r'<li data-mentor="', built[s].split('id="contact"')[1])) >= 2)
    similar = re.findall(r'<li data-mentor="([^"]+)">', built[slug].split('id="contact"')[1])
    avail.reset({"generated": "2026-11-23T10:00:00Z", "mentors": {similar[0]: "full", slug: "open"}})
    page.goto(url + f"mentors/{slug}/")
    items = page.locator("#contact .notice li[data-mentor]")
    expect(items).to_have_count(len(similar) - 1)
    assert items.evaluate_all("items => items.map(i => i.dataset.mentor)") == similar[1:]
    expect(page.locator("form.contact-form")).to_have_count(0)
    assert page.locator("[data-availability-status]").count() == 0


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_statistics_page_is_axe_clean(page, live, axe, scheme, language):
    """/stats/ ([stats] on): its charts, tables and totals, light and dark, left to right and right to left."""
    page.emulate_media(color_scheme=scheme)
    page.goto(live[0][language][0] + "stats/")
    expect(page.locator(".stats-chart").first).to_be_visible()
    assert violations(page, axe) == []
