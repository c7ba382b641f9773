"""Read YAML safely, keeping where every value came from.

Profiles come from many hands, so this reader is deliberately narrower than PyYAML's
`safe_load`:

* YAML 1.2 core scalars only: `no`, `on`, `yes` stay text (Norway's country code is `NO`),
  dates stay text for the model to validate, `1e3` is a number.
* Duplicate keys, anchors/aliases (the "billion laughs" bomb), custom or Python tags, very
  deep nesting and oversized files are errors, not surprises.
* Every value keeps its line and column so validation errors point at the right line.

libyaml's C parser is used when PyYAML was built with it (about ten times faster).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from .diagnostics import Diagnostic, InputError
from .textrules import line_col

#: Largest profile or front matter accepted, in bytes.
MAX_YAML_BYTES = 256 * 1024
#: Deepest nesting of mappings and lists accepted.
MAX_DEPTH = 16
#: Most values (scalars, lists, mappings) in one document.
MAX_NODES = 10_000
#: Longest integer literal, in digits (int() of a huge literal is slow and never meaningful).
MAX_INT_DIGITS = 18

Path = tuple[Any, ...]
Position = tuple[int, int]

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"


class CoreResolver(BaseResolver):
    """YAML 1.2 core-schema implicit typing: null, true/false, decimal ints and floats."""

    yaml_implicit_resolvers: dict = {}

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        """BaseResolver.resolve less what this schema never has (wildcard and path resolvers):
        the composer asks once per node, keys included, 60 times in a profile."""
        if kind is ScalarNode:
            if implicit[0]:
                for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        return self.DEFAULT_SEQUENCE_TAG if kind is SequenceNode else self.DEFAULT_MAPPING_TAG


CoreResolver.add_implicit_resolver(_TAG + "null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
CoreResolver.add_implicit_resolver(_TAG + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
CoreResolver.add_implicit_resolver(_TAG + "int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
CoreResolver.add_implicit_resolver(
    _TAG + "float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"),
    list("-+.0123456789"),
)

try:  # libyaml: the fast path; optional, as PyYAML may be built without it
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    class _Composer(CParser, CoreResolver):
        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            CoreResolver.__init__(self)
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Composer(Reader, Scanner, Parser, Composer, CoreResolver):  # type: ignore[no-redef]
        def __init__(self, stream: str):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            CoreResolver.__init__(self)


@dataclass
class Document:
    """Plain data from one YAML document plus the position of every value and key in it."""

    data: Any
    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)

    def position(self, loc: Path, *, key: bool = False) -> Position:
        """Best position for a location: the node itself, else its nearest enclosing node."""
        loc = tuple(loc)
        table = self.keys if key else self.values
        if loc in table:
            return table[loc]
        while loc:
            loc = loc[:-1]
            if loc in self.values:
                return self.values[loc]
        return self.values.get((), (1, 1))


_YAML_HINTS = [
    ("found character '\\t'", "indent with spaces; YAML does not allow tabs"),
    ("mapping values are not allowed", "a text containing ': ' must be put in quotes"),
    ("found undefined alias", "'*' starts an alias in YAML; put the text in quotes"),
    ("found character '@'", "a text starting with '@' or '`' must be put in quotes"),
    ("found character '`'", "a text starting with '@' or '`' must be put in quotes"),
    ("could not find expected ':'", "each line of a mapping needs 'key: value'; check the quotes on this line"),
    ("found unexpected end of stream", "a quote or bracket was opened and never closed"),
    ("expected <block end>", "check the indentation of this line against the lines above"),
]


def decode_source(raw: bytes, path: str, *, limit: int = MAX_YAML_BYTES, size: int | None = None) -> str:
    """Bytes from disk to text, or an InputError naming the exact problem and position.

    `size` is the file's size on disk when `raw` holds only its first bytes (a reader that
    stops past the limit), so the message states the real size.
    """
    if len(raw) > limit or (size or 0) > limit:
        raise InputError(
            [
                Diagnostic(
                    path,
                    0,
                    0,
                    f"file is {max(len(raw), size or 0):,} bytes; the limit is {limit:,}",
                    "profiles and guides are plain text; is this the right file?",
                )
            ]
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # what Windows editors call "Unicode"
        raise InputError(
            [Diagnostic(path, 1, 1, "file is UTF-16 text, not UTF-8", "save the file with UTF-8 encoding")]
        )
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = line_col(raw, nul)
        raise InputError(
            [
                Diagnostic(
                    path,
                    line,
                    col,
                    "file contains a NUL byte",
                    "the file looks binary or corrupted; save it again as UTF-8 text",
                )
            ]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = line_col(raw, exc.start)
        raise InputError(
            [
                Diagnostic(
                    path,
                    line,
                    col,
                    f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                    "save the file with UTF-8 encoding",
                )
            ]
        ) from None
    # A byte-order mark is harmless noise from some Windows editors.
    return text.removeprefix("\ufeff")


def parse_yaml(text: str, path: str, *, line_offset: int = 0) -> Document:
    """Parse one YAML document into plain data with positions; raise InputError if unusable.

    `line_offset` shifts every reported line, for YAML embedded in a larger file (front matter).
    """
    if len(text) > MAX_YAML_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise InputError([Diagnostic(path, 0, 0, f"YAML is larger than the limit of {MAX_YAML_BYTES:,} bytes")])
    _check_flow_depth(text, path, line_offset)
    _check_block_depth(text, path, line_offset)
    where = _Lines(text)
    try:
        composer = _Composer(text)
    except UnicodeEncodeError as exc:  # a lone surrogate: only possible for text not read from disk
        line, col = line_col(text, exc.start)
        raise InputError(
            [Diagnostic(path, line + line_offset, col, "text contains an invalid character (a lone surrogate)")]
        ) from None
    try:
        node = composer.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise InputError([_yaml_error(exc, path, line_offset, where, text)]) from None
    except yaml.reader.ReaderError as exc:
        # YAML refuses most control characters; say which one and where, not a byte offset.
        line, col = line_col(text, text.find(chr(exc.character)))
        raise InputError(
            [
                Diagnostic(
                    path,
                    line + line_offset,
                    col,
                    f"file contains the control character U+{exc.character:04X}",
                    "delete it; it was probably pasted in with hidden formatting",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise InputError([Diagnostic(path, 0, 0, f"invalid YAML: {exc}")]) from None
    except RecursionError:
        raise InputError(
            [Diagnostic(path, 0, 0, f"YAML is nested too deeply (the limit is {MAX_DEPTH} levels)")]
        ) from None
    finally:
        dispose = getattr(composer, "dispose", None)
        if dispose:
            dispose()
    if node is None or (isinstance(node, ScalarNode) and node.tag == _TAG + "null" and node.value == ""):
        # Nothing but comments or a lone '---' is as empty as a blank file.
        raise InputError(
            [
                Diagnostic(
                    path,
                    1 + line_offset,
                    1,
                    "file is empty",
                    'start from `mentorsite new mentor "Full Name"` for a valid profile',
                )
            ]
        )
    walker = _Walker(path, line_offset, where)
    data = walker.convert(node, (), 0)
    if walker.errors:
        raise InputError(walker.errors)
    return Document(data, walker.values, walker.keys)


def _check_flow_depth(text: str, path: str, line_offset: int) -> None:
    # Deep flow nesting ("[[[[…") would exhaust the parser's stack before we could count levels
    # while walking, so count brackets first. Brackets inside quotes or block text only make
    # this stricter than needed, and no real profile nests 16 levels.
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line, col = line_col(text, match.start())
                raise _too_deep(path, line + line_offset, col)
        elif depth:
            depth -= 1


def _too_deep(path: str, line: int, col: int) -> InputError:
    return InputError([Diagnostic(path, line, col, f"YAML is nested too deeply (the limit is {MAX_DEPTH} levels)")])


_BRACKETS = re.compile(r"[\[\]{}]")
#: A line prefix (indentation and indicators) wider than MAX_DEPTH: the only way to nest deeper
#: (each of "- - ? x" nests one level). Searched for in "\n" + text: a pattern that starts with
#: "\n" skips ahead in C, where "^" in MULTILINE mode was tried at every character (37 µs of a
#: profile's parse, now about 9).
_DEEP_PREFIX = re.compile(r"\n(?:[ \t]|[-?:](?=[ \t\n]|\Z)){" + str(MAX_DEPTH + 1) + "}")


def _check_block_depth(text: str, path: str, line_offset: int) -> None:
    # libyaml's composer recurses once per level: "- - - - …" tens of thousands deep on one
    # line overflows the C stack and kills the process (no exception to catch). Every block
    # level costs at least one column of indentation or indicators, so only text with a wide
    # line prefix can nest deeper than the limit; for it, count levels on the parser's event
    # stream, which libyaml produces without recursion.
    if not _DEEP_PREFIX.search("\n" + text):
        return
    try:
        parser = _Composer(text)
    except UnicodeEncodeError:
        return  # parse_yaml reports the character
    depth = 0
    try:
        while not parser.check_event(yaml.StreamEndEvent):
            event = parser.get_event()
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    line, col = _Lines(text)(event.start_mark)
                    raise _too_deep(path, line + line_offset, col)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # composing reports the syntax error with its position
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose:
            dispose()


class _Lines:
    """(line, column) of a YAML mark as an editor counts them.

    YAML also breaks lines at NEL (U+0085) and U+2028/U+2029, which editors show inside one
    line; only when the text has any are positions recounted from the mark's character index.
    """

    def __init__(self, text: str):
        self.starts: list[int] | None = None
        if _ODD_BREAKS.search(text):
            self.starts = [0] + [m.end() for m in re.finditer("\r\n|\r|\n", text)]

    def __call__(self, mark: Any) -> Position:
        if self.starts is None:
            return mark.line + 1, mark.column + 1
        line = bisect.bisect_right(self.starts, mark.index)
        return line, mark.index - self.starts[line - 1] + 1


_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")


def _yaml_error(exc: yaml.MarkedYAMLError, path: str, line_offset: int, where: _Lines, text: str = "") -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, col = where(mark) if mark else (0, 0)
    line += line_offset if mark else 0
    problem = exc.problem or "invalid YAML"
    if "expected a single document" in (exc.context or "") + problem:
        return Diagnostic(
            path,
            line,
            col,
            "file holds more than one YAML document",
            "remove the second '---' line; one file holds one profile",
        )
    layout = _layout_problem(exc, text.split("\n"), 1 + line_offset) if where.starts is None else None
    if layout:
        at_line, at_col, message, hint = layout
        return Diagnostic(path, at_line + 1 + line_offset, at_col + 1, message, hint)
    message = f"invalid YAML: {problem}"
    if exc.context:
        message += f" ({exc.context})"
    hint = next((h for needle, h in _YAML_HINTS if needle in problem or needle in (exc.context or "")), "")
    # libyaml does not name the offending character ("found character that cannot start any
    # token"), so look at the text under the mark for the two usual culprits.
    lines = text.split("\n") if not hint and mark is not None else []
    if mark is not None and mark.line < len(lines) and mark.column < len(lines[mark.line]):
        found = lines[mark.line][mark.column]
        if found == "\t":
            hint = "indent with spaces; YAML does not allow tabs"
        elif found in "@`":
            hint = "a text starting with '@' or '`' must be put in quotes"
    return Diagnostic(path, line, col, message, hint)


_KEY = re.compile(r"^( *)(?:- +)?([\w-]+) *:(?: |$)")
_BLOCK_TEXT = re.compile(r"^( *)(?:- +)?([\w-]+) *: *[|>][-+0-9]* *(?:#.*)?$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _spaces(count: int) -> str:
    return f"{count} space" if count == 1 else f"{count} spaces"


def _above(lines: list[str], index: int) -> int | None:
    """Index of the nearest line above `index` holding something (not blank, not a comment)."""
    for i in range(index - 1, -1, -1):
        if lines[i].strip() and not lines[i].lstrip().startswith("#"):
            return i
    return None


def _layout_problem(exc: yaml.MarkedYAMLError, lines: list[str], first: int = 1) -> tuple[int, int, str, str] | None:
    """(line, column, message, hint), 0-based, for the syntax errors that are really
    indentation mistakes, which libyaml reports in parser terms (or a line too late).
    `first` is the number messages give the first line (front matter starts on line 2)."""
    problem, mark, context = exc.problem or "", exc.problem_mark, exc.context_mark
    if mark is not None and mark.line < len(lines) and "mapping values are not allowed" in problem:
        return _over_indented(lines, mark.line, mark.column, first)
    if mark is not None and mark.line < len(lines) and "did not find expected key" in problem and context is not None:
        return _under_indented(lines, mark.line, mark.column, context.column, first)
    if "could not find expected ':'" in problem and context is not None and context.line < len(lines):
        return _unindented_text(lines, context.line, first)
    return None


def _over_indented(lines: list[str], index: int, col: int, first: int) -> tuple[int, int, str, str] | None:
    # "  tags: [x]" under "headline: …": a key indented deeper than the field above it.
    # Text with ': ' in it ("headline: Data: leader") is the other cause; it has no lone key before the colon.
    key = re.fullmatch(r"( +)([\w-]+) *", lines[index][:col])
    above = _above(lines, index)
    if not key or above is None or _indent(lines[above]) >= len(key.group(1)):
        return None
    extra = len(key.group(1)) - _indent(lines[above])
    sibling = _KEY.match(lines[above])
    like = f"'{sibling.group(2)}' on line {above + first}" if sibling else f"line {above + first}"
    return (
        index,
        len(key.group(1)),
        f"'{key.group(2)}' is indented more than the line above",
        f"remove {_spaces(extra)} so that it starts in the same column as {like}",
    )


def _under_indented(lines: list[str], index: int, col: int, outer: int, first: int) -> tuple[int, int, str, str] | None:
    # libyaml names the enclosing mapping, not the one the line has fallen out of: find that
    # one from the lines above (the nearest indented deeper than this one, and its parent).
    sibling = next((i for i in range(index - 1, -1, -1) if lines[i].strip() and _indent(lines[i]) > col), None)
    if sibling is None or lines[sibling].lstrip().startswith("#"):
        return None
    depth = _indent(lines[sibling])
    parent = next((i for i in range(sibling - 1, -1, -1) if lines[i].strip() and _indent(lines[i]) < depth), None)
    parent_key = _KEY.match(lines[parent]) if parent is not None else None
    sibling_key, own_key = _KEY.match(lines[sibling]), _KEY.match(lines[index])
    subject = f"'{own_key.group(2)}'" if own_key else f"line {index + first}"
    under = f" to keep it under '{parent_key.group(2)}'" if parent_key else ""
    like = f"'{sibling_key.group(2)}' on line {sibling + first}" if sibling_key else f"line {sibling + first}"
    # A list item has only one place to go; a key may also be meant as a field of the mapping outside.
    other = "" if lines[index].lstrip().startswith("-") else f", or by {_spaces(outer)} if it is a field of its own"
    return (
        index,
        col,
        f"{subject} is not lined up with the lines above",
        f"indent it by {_spaces(depth)}{under} (like {like}){other}",
    )


def _unindented_text(lines: list[str], index: int, first: int) -> tuple[int, int, str, str]:
    # A line of text that lost its indentation ends the text above it; libyaml then reads it
    # as a key and complains a line later, often past the end of the file.
    col = _indent(lines[index])
    i = index - 1
    while i >= 0 and (not lines[i].strip() or _indent(lines[i]) > col):
        i -= 1
    header = _BLOCK_TEXT.match(lines[i]) if i >= 0 else None
    if header and i < index - 1:
        depth = next((_indent(line) for line in lines[i + 1 : index] if line.strip()), col + 2)
        return (
            index,
            col,
            f"line {index + first} is part of '{header.group(2)}' but is not indented",
            f"indent every line of '{header.group(2)}' by {_spaces(depth)}, like the lines above it",
        )
    above = _above(lines, index)
    field = _KEY.match(lines[above]) if above is not None else None
    if above is not None and field and lines[above][field.end() :].strip() and _indent(lines[above]) >= col:
        return (
            index,
            col,
            f"line {index + first} is not 'key: value'",
            f"if it continues '{field.group(2)}' on line {above + first}, indent it by "
            f"{_spaces(_indent(lines[above]) + 2)}; otherwise write it as 'key: value'",
        )
    return (
        index,
        col,
        f"line {index + first} is not 'key: value'",
        "each line of a mapping needs 'key: value'; check the quotes on this line",
    )


#: Paths, positions and keys as first made, so that every profile holds the same objects: a
#: profile's two position tables hold some 70 small tuples, most of them in every other
#: profile too (13 KB a profile, 130 MB at 10,000, before they were shared; pickles back from
#: the loading workers share them as well).
_SHARED: dict[Any, Any] = {}
#: More than this many, and nothing new is shared: a hostile site cannot grow the table.
MAX_SHARED = 200_000


def _shared(value: Any) -> Any:
    found = _SHARED.get(value)
    if found is not None:
        return found
    if len(_SHARED) < MAX_SHARED:
        _SHARED[value] = value
    return value


class _Walker:
    """Turns a composed node tree into plain Python data, recording positions and problems."""

    allowed_tags = {_TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map")}

    def __init__(self, path: str, line_offset: int, where: _Lines):
        self.path = path
        self.line_offset = line_offset
        self.where = where
        self.values: dict[Path, Position] = {}
        self.keys: dict[Path, Position] = {}
        self.errors: list[Diagnostic] = []
        self.seen: set[int] = set()
        self.aliased: set[int] = set()

    def pos(self, node: Node) -> Position:
        mark = node.start_mark
        if self.where.starts is None:  # the common case, inlined: this runs for every node
            return _shared((mark.line + 1 + self.line_offset, mark.column + 1))
        line, col = self.where(mark)
        return _shared((line + self.line_offset, col))

    def error(self, node: Node, message: str, hint: str = "") -> None:
        self.errors.append(Diagnostic(self.path, *self.pos(node), message, hint))

    def convert(self, node: Node, loc: Path, depth: int) -> Any:
        if id(node) in self.seen:
            # The composer hands back the very same node for every alias of an anchor:
            # report each anchor once, however many aliases (a "billion laughs" has many).
            if id(node) not in self.aliased:
                self.aliased.add(id(node))
                self.error(
                    node,
                    "anchors and aliases (& and *) are not allowed",
                    "write the value out in full; a '*' or '&' at the start of a text needs quotes",
                )
            return None
        self.seen.add(id(node))
        if len(self.seen) > MAX_NODES:
            if len(self.errors) == 0 or "too many values" not in self.errors[-1].message:
                self.error(node, f"too many values in one file (the limit is {MAX_NODES:,})")
            return None
        if depth > MAX_DEPTH:
            self.error(node, f"YAML is nested too deeply (the limit is {MAX_DEPTH} levels)")
            return None
        self.values[loc] = self.pos(node)
        if node.tag not in self.allowed_tags:
            self.error(
                node,
                f"unsupported YAML tag '{node.tag.replace(_TAG, '!!')}'",
                "remove the tag; profiles only hold text, numbers, true/false, lists and mappings",
            )
            return None
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != _TAG + "seq":
                self.error(node, "a list cannot carry a scalar tag")
                return None
            return [self.convert(item, _shared(loc + (i,)), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != _TAG + "map":
                self.error(node, "a mapping cannot carry a scalar tag")
                return None
            result: dict[str, Any] = {}
            first_line: dict[str, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    self.error(key_node, "a key must be plain text, not a list or mapping")
                    continue
                self.seen.add(id(key_node))
                key = _shared(key_node.value)
                if key in result or key in first_line:
                    self.error(
                        key_node,
                        f"duplicate key '{key}'",
                        f"'{key}' is first set on line {first_line[key]}; keep one of them",
                    )
                    continue
                key_pos = self.pos(key_node)
                first_line[key] = key_pos[0]
                at = _shared(loc + (key,))
                self.keys[at] = key_pos
                if (
                    value_node.tag == _STR
                    and type(value_node) is ScalarNode
                    and depth < MAX_DEPTH
                    and len(self.seen) < MAX_NODES
                    and id(value_node) not in self.seen
                ):
                    # What convert does for a text, the most common value, without its calls.
                    self.seen.add(id(value_node))
                    self.values[at] = self.pos(value_node)
                    result[key] = value_node.value
                    continue
                result[key] = self.convert(value_node, at, depth + 1)
            return result
        self.error(node, "unsupported YAML node")  # pragma: no cover - composer makes only these
        return None

    def scalar(self, node: ScalarNode) -> Any:
        tag = node.tag[len(_TAG) :]
        value = node.value
        if tag == "str":
            return value
        if tag == "null":
            if value not in ("", "~", "null", "Null", "NULL"):
                self.error(node, f"'{value}' is not null")
            return None
        if tag == "bool":
            if value.lower() not in ("true", "false"):
                self.error(node, f"'{value}' is not true or false")
                return None
            return value.lower() == "true"
        if tag == "int":
            digits = value.lstrip("+-")
            if not digits.isdigit():
                self.error(node, f"'{value}' is not a whole number")
                return None
            if len(digits) > MAX_INT_DIGITS:
                self.error(node, f"number has more than {MAX_INT_DIGITS} digits")
                return None
            return int(value)
        if tag == "float":
            try:
                number = float(value)
            except ValueError:
                self.error(node, f"'{value}' is not a number")
                return None
            if number != number or number in (float("inf"), float("-inf")):
                self.error(node, f"'{value}' is not a finite number")
                return None
            return number
        return value  # pragma: no cover - filtered by allowed_tags


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Split '---' front matter from a Markdown file: (yaml or None, body, body's first line)."""
    if not text.startswith("---"):
        return None, text, 1
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return "", text, 1  # opened and never closed: the caller reports it
