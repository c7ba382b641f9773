"""The theme's CSS is written in logical properties: nothing in it names a physical left or right.

A site whose language is written right to left (`dir="rtl"`) mirrors the theme only if every
horizontal margin, padding, border, offset and alignment is logical (`margin-inline-start`,
`inset-inline-end`, `text-align: start`…). The check reads every stylesheet the theme ships, and
the `<style>` elements and `style` attributes of its templates and the receiver's.
"""

from __future__ import annotations

import re
from pathlib import Path

from mentorsite.render import theme_dir

RECEIVER_TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "mentorsite" / "receiver" / "templates"

#: Shorthands whose four values go top, right, bottom, left: mirrored unless right equals left.
BOX_SHORTHANDS = {
    "margin",
    "padding",
    "inset",
    "border-width",
    "border-style",
    "border-color",
    "scroll-margin",
    "scroll-padding",
}
PHYSICAL_NAME = re.compile(r"(^|-)(left|right)(-|$)")
PHYSICAL_WORD = re.compile(r"\b(left|right)\b")
DECLARATION = re.compile(r"(?<![\w-])(-?[a-z][a-z-]*)\s*:\s*([^;{}]+?)\s*(?=;|}|$)", re.S)


def _top_level_values(value: str) -> list[str]:
    """Space-separated values, keeping `calc(a + b)` and `var(--x, y)` whole."""
    parts, depth, current = [], 0, ""
    for char in value:
        depth += char == "("
        depth -= char == ")"
        if char.isspace() and depth == 0:
            if current:
                parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current] if current else parts


def _asymmetric(name: str, value: str) -> bool:
    """Whether a box or radius shorthand sets left and right differently."""
    values = _top_level_values(value.split("/")[0].replace("!important", ""))
    if name in BOX_SHORTHANDS:
        return len(values) == 4 and values[1] != values[3]
    if name == "border-radius" and len(values) > 1:
        top_left, top_right, bottom_right, bottom_left = {
            2: lambda a, b: (a, b, a, b),
            3: lambda a, b, c: (a, b, c, b),
            4: lambda a, b, c, d: (a, b, c, d),
        }[len(values)](*values)
        return top_left != top_right or bottom_right != bottom_left
    return False


def physical_declarations(css: str) -> list[tuple[int, str]]:
    """(line, declaration) for each declaration of `css` that names a physical side."""
    # Comments and url(…) data may say anything; blank them, keeping the line numbers.
    css = re.sub(r"/\*.*?\*/|url\([^)]*\)", lambda m: re.sub(r"[^\n]", " ", m.group(0)), css, flags=re.S)
    found = []
    for match in DECLARATION.finditer(css):
        name, value = match.group(1), " ".join(match.group(2).split())
        if name.startswith("--"):
            continue
        if PHYSICAL_NAME.search(name) or PHYSICAL_WORD.search(value) or _asymmetric(name, value):
            found.append((css.count("\n", 0, match.start()) + 1, f"{name}: {value}"))
    return found


def _styles_in(html: str) -> str:
    """The CSS of a template's `<style>` elements and `style` attributes, each on its own lines."""
    kept = [" " * len(line) for line in html.splitlines()]
    for match in re.finditer(r"<style[^>]*>(.*?)</style>|\bstyle=\"([^\"]*)\"", html, re.S):
        start = match.start(1) if match.group(1) is not None else match.start(2)
        text = match.group(1) if match.group(1) is not None else "{" + match.group(2) + "}"
        line = html.count("\n", 0, start)
        for offset, part in enumerate(text.splitlines()):
            kept[line + offset] += " " + part
    return "\n".join(kept)


def shipped_styles() -> dict[str, str]:
    """Every piece of CSS the theme and the receiver ship, by path."""
    styles = {}
    for root, label in ((theme_dir(), "templates"), (RECEIVER_TEMPLATES, "src/mentorsite/receiver/templates")):
        for path in sorted(root.rglob("*")):
            name = f"{label}/{path.relative_to(root).as_posix()}"
            if path.suffix == ".css":
                styles[name] = path.read_text(encoding="utf-8")
            elif path.suffix == ".html":
                styles[name] = _styles_in(path.read_text(encoding="utf-8"))
    return styles


def test_shipped_css_names_no_physical_side():
    """On failure: every offending declaration, as path:line: declaration."""
    styles = shipped_styles()
    assert "templates/assets/style.css" in styles and "templates/assets/search.css" in styles
    offending = [f"{path}:{line}: {text}" for path, css in styles.items() for line, text in physical_declarations(css)]
    assert offending == []


def test_the_check_names_each_physical_declaration():
    """Guards the check above: what it must report, and what it must let through."""
    css = """\
.hp { position: absolute; left: -9999px; }
.a {
  margin-right: 0.25rem;
  margin-inline-start: 1rem;
  text-align: right;
  float: left;
  padding: 0 0 0 1.25rem;
  padding: 0 1rem;
  margin: 0 auto 1rem auto;
  border-radius: 0 4px 4px 0;
  border-radius: 50%;
  border-top-left-radius: 2px;
  border-start-end-radius: 2px;
  inset-inline-end: 6%;
  background: url("data:image/svg+xml,left right") linear-gradient(to right, red, blue);
  /* margin-left: 1rem in a comment */
  --side: left;
  text-align: start;
}
"""
    assert physical_declarations(css) == [
        (1, "left: -9999px"),
        (3, "margin-right: 0.25rem"),
        (5, "text-align: right"),
        (6, "float: left"),
        (7, "padding: 0 0 0 1.25rem"),
        (10, "border-radius: 0 4px 4px 0"),
        (12, "border-top-left-radius: 2px"),
        (15, "background: linear-gradient(to right, red, blue)"),
    ]
