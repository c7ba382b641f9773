"""Right to left in real Chromium: the example site built with `language = "ar"`, at desktop and
phone widths, fits the screen and is mirrored.

Each page is also photographed (the first screen). `UPDATE_SCREENSHOTS=1` writes the pictures to
docs/screenshots/rtl/ (committed, for people to look at); otherwise they go to a temporary folder,
so every run still takes them.
"""

from __future__ import annotations

import io
import os

import pytest
from browser_support import ROOT
from PIL import Image

SCREENSHOTS = ROOT / "docs" / "screenshots" / "rtl"
WIDTHS = {"desktop": 1280, "phone": 375}
PAGES = {
    "home": "",
    "directory": "mentors/",
    # accepting mentees, so the page has the contact form (and its honeypot field)
    "mentor": "mentors/ana-lucia-ferreira/",
    "guide": "guides/being-a-mentor/",
}

#: Boxes of the parts whose sides the tests compare, as {left, right} in CSS pixels.
BOXES = """(selectors) => Object.fromEntries(Object.entries(selectors).map(([name, selector]) => {
    const element = document.querySelector(selector);
    if (!element) return [name, null];
    const box = element.getBoundingClientRect();
    return [name, {left: box.left, right: box.right}];
}))"""

#: The box of an element's own text (not its padding or its generated arrow).
TEXT_BOX = """(selector) => {
    const range = document.createRange();
    range.selectNodeContents(document.querySelector(selector));
    const box = range.getBoundingClientRect();
    return {left: box.left, right: box.right};
}"""


#: The home page's "All guides" link, whose arrow is drawn by CSS.
ALL_GUIDES = "a.section-link.link-forward[href$='guides/']"


def home_layout(page) -> tuple[dict, str]:
    """The home page's boxes (brand, nav, first card's avatar and name, the "All guides" link and
    its text) and the transform of that link's arrow."""
    boxes = page.evaluate(
        BOXES,
        {"brand": ".brand", "nav": ".main-nav", "avatar": ".card .avatar", "name": ".card h3 a", "link": ALL_GUIDES},
    )
    boxes["text"] = page.evaluate(TEXT_BOX, ALL_GUIDES)
    arrow = page.evaluate(
        "(selector) => getComputedStyle(document.querySelector(selector), '::after').transform", ALL_GUIDES
    )
    return boxes, arrow


@pytest.fixture
def phone_or_desktop(browser, request):
    context = browser.new_context(viewport={"width": WIDTHS[request.param], "height": 900}, locale="ar")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield request.param, page
    context.close()


def save_screenshot(page, tmp_path, name: str) -> None:
    """The first screen of the page as a PNG of 256 colours (a quarter the size, fine for reading)."""
    folder = tmp_path
    if os.environ.get("UPDATE_SCREENSHOTS", "") not in ("", "0"):
        folder = SCREENSHOTS
        folder.mkdir(parents=True, exist_ok=True)
    picture = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    picture.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(folder / name, optimize=True)


@pytest.mark.parametrize("phone_or_desktop", list(WIDTHS), indirect=True)
@pytest.mark.parametrize("name", list(PAGES))
def test_arabic_pages_fit_the_screen_right_to_left(arabic_site, phone_or_desktop, name, tmp_path):
    """No horizontal overflow (in either direction), `dir="rtl"`, the header's start on the right."""
    width, page = phone_or_desktop
    page.goto(arabic_site.url + PAGES[name])
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
    assert page.evaluate("[document.documentElement.scrollWidth, innerWidth]") == [WIDTHS[width]] * 2
    boxes = page.evaluate(BOXES, {"header": ".header-inner", "brand": ".brand"})
    # The brand sits at the header's inline start: its right edge on the header's right padding.
    assert boxes["header"]["right"] - boxes["brand"]["right"] in (20, 32)  # the container's padding
    save_screenshot(page, tmp_path, f"{name}-{width}.png")
    assert page.errors == []


@pytest.mark.parametrize("phone_or_desktop", ["desktop"], indirect=True)
def test_arabic_layout_is_mirrored(arabic_site, phone_or_desktop):
    """The parts that sit side by side change sides: avatar right of the name, navigation left of
    the brand, sidebar left of the results, table of contents left of the guide, labels and text
    flush right, and the arrow after "All guides" on its left, pointing left."""
    _, page = phone_or_desktop
    page.goto(arabic_site.url)
    boxes, arrow = home_layout(page)
    assert boxes["nav"]["right"] < boxes["brand"]["left"]
    assert boxes["name"]["right"] < boxes["avatar"]["left"]
    assert (
        boxes["text"]["left"] - boxes["link"]["left"] > 10 and abs(boxes["link"]["right"] - boxes["text"]["right"]) < 1
    )
    assert arrow == "matrix(-1, 0, 0, 1, 0, 0)"

    page.goto(arabic_site.url + "mentors/")
    boxes = page.evaluate(BOXES, {"results": "#results", "sidebar": ".sidebar"})
    assert boxes["sidebar"]["right"] < boxes["results"]["left"]

    page.goto(arabic_site.url + PAGES["mentor"])
    boxes = page.evaluate(BOXES, {"field": "#c-name", "avatar": ".profile-header .avatar", "intro": ".profile-intro"})
    label = page.evaluate(TEXT_BOX, "label[for='c-name']")
    assert abs(label["right"] - boxes["field"]["right"]) < 1 and label["left"] > boxes["field"]["left"] + 100
    assert boxes["intro"]["right"] < boxes["avatar"]["left"]

    page.goto(arabic_site.url + PAGES["guide"])
    boxes = page.evaluate(BOXES, {"toc": ".toc", "body": ".doc-body", "title": ".doc-header h1"})
    title = page.evaluate(TEXT_BOX, ".doc-header h1")
    assert boxes["toc"]["right"] < boxes["body"]["left"]
    assert abs(title["right"] - boxes["title"]["right"]) < 1 and title["left"] > boxes["title"]["left"]


def test_english_pages_stay_left_to_right(page, site_url):
    """The same checks the other way round on the English site: nothing above is mirrored by accident."""
    page.goto(site_url)
    assert page.evaluate("document.documentElement.dir") == "ltr"
    boxes, arrow = home_layout(page)
    assert boxes["brand"]["right"] < boxes["nav"]["left"] and boxes["avatar"]["right"] < boxes["name"]["left"]
    assert (
        boxes["link"]["right"] - boxes["text"]["right"] > 10 and abs(boxes["link"]["left"] - boxes["text"]["left"]) < 1
    )
    assert arrow == "none"
