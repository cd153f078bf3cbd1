"""SVG from the sources (diagrams, media) read with bounds and cleaned with an allow-list.

An SVG reaches learners' media folders, where it may be opened directly (not only inside an
``<img>``, which never runs anything): so no script, event handler, ``foreignObject``,
``<style>``, outside or ``javascript:`` link may survive. The file is parsed with expat, an
event parser (a deeply nested file cannot exhaust the stack), within limits on size, nesting and
element count, as UTF-8 (a file declaring another encoding is refused: a viewer would decode
other text than was checked), and rebuilt from allowed elements and attributes only; references
must be local (``#id``). A file that needs no cleaning is kept byte for byte.

Interface: :func:`sanitise_text` and :func:`sanitise` (bytes) return safe SVG or raise
:class:`SvgError` with a located problem; :func:`read_svg` reads a file safely first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from flashgen.problems import Problem, ProblemError, Where
from flashgen.yamlsource import read_regular_file

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
MAX_SVG_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_ELEMENTS = 20_000
"""Elements in one SVG a deck packs (media, pictures and charts): a viewer draws every one.
The deck's own pictures have at most about 300."""
MAX_PATH_VERTICES = 200_000
"""Vertices (pairs of numbers in path data and points) in one SVG: the deck's own have at most
about 2,500."""

# What a picture in a deck may hold: shapes, groups, text, and paint servers, clips and masks
# that draw their own content once. Nothing that draws other content again (<use>, <symbol>,
# markers repeated on every vertex, patterns or gradients inheriting through href): a file of
# under 2 KB could otherwise expand without bound in the viewer (ten levels of ten <use>). No
# element or attribute can name another file: no href at all, and url() only to '#id'.
ALLOWED_ELEMENTS = frozenset(
    {
        "svg", "g", "path", "ellipse", "circle", "polygon", "polyline", "line", "rect", "defs",
        "title", "desc", "text", "tspan", "linearGradient", "radialGradient", "stop",
        "clipPath", "mask", "pattern",
    }
)  # fmt: skip
RESOURCES = frozenset({"linearGradient", "radialGradient", "pattern", "clipPath", "mask"})
"""Drawn wherever they are referenced: their content may reference nothing in turn."""
ALLOWED_ATTRIBUTES = frozenset(
    {
        "id", "class", "d", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx",
        "fy", "width", "height", "viewBox", "points", "transform", "preserveAspectRatio", "fill",
        "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
        "stroke-linecap", "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset",
        "stroke-miterlimit", "opacity", "clip-path", "clip-rule", "mask", "offset",
        "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "patternUnits",
        "patternTransform", "clipPathUnits", "maskUnits", "font-size", "font-family",
        "font-weight", "font-style", "text-anchor", "dominant-baseline", "dx", "dy",
        "visibility", "display", "vector-effect", "version", "xmlns", "xmlns:xlink", "role",
        "aria-label", "aria-hidden", "xml:space",
    }
)  # fmt: skip
_DATA_ATTRIBUTE = re.compile(r"\Adata-[a-z0-9-]{1,64}\Z")
# A function in a value, as CSS reads it once escapes are refused: its name and what follows.
_FUNCTION = re.compile(r"([A-Za-z][A-Za-z0-9-]*+)\(")
_LOCAL_URL = re.compile(r"url\(\s*+(['\"]?+)(#[A-Za-z_][\w.:-]*+)\1\s*+\)", re.IGNORECASE)
_VALUE_FUNCTIONS = frozenset(
    {"url", "rgb", "rgba", "hsl", "hsla", "matrix", "translate", "scale", "rotate", "skewx",
     "skewy"}
)  # fmt: skip
"""Functions an attribute value may hold: colours, transforms and url() to '#id'. Not
``image-set()``, ``image()``, ``src()`` or anything else that could load a file."""
_STYLE_FUNCTIONS = frozenset({"calc", "var", "not"})
"""Functions (and :not() selectors) a <style> of flashgen's own pictures holds: written media
have no <style>."""
# A number as SVG writes it. Every quantifier is possessive and the alternatives cannot match
# the same text, so no pattern built from it can backtrack: a run of digits is one number, read
# once. (The old pattern, with \d+\.?\d* inside a repeated group, split a run of digits every
# possible way: exponential time on a few hundred bytes.) Diagrams' path data is read with it too.
NUMBER = r"[-+]?+(?:\d++(?:\.\d*+)?+|\.\d++)(?:[eE][-+]?+\d++)?+"
_COORDINATE = re.compile(NUMBER)
_NAMESPACE_VALUES = {"xmlns": SVG_NS, "xmlns:xlink": XLINK_NS}
_TEXT_ATTRIBUTES = frozenset({"id", "class", "role", "aria-label", "aria-hidden", "version",
                              "xml:space"})  # fmt: skip
_UTF8_NAMES = frozenset({"utf-8", "utf8"})


@dataclass(frozen=True, slots=True)
class Limits:
    """What one SVG may hold."""

    elements: int = MAX_ELEMENTS
    vertices: int = MAX_PATH_VERTICES


PACKED = Limits()
DIAGRAM = Limits(elements=3_000, vertices=30_000)
"""A diagram is drawn again for every subject it shows, its highlighted regions up to six
times: within these, every picture made from it is within :data:`PACKED`. The deck's own
diagrams have at most about 150 elements and 1,700 vertices."""


def unsafe_css(text: str, functions: frozenset[str]) -> str | None:
    """Why CSS text (an attribute value or a style sheet) could load something, or ``None``.

    CSS escapes (``u\\72l(``) and comments are refused outright rather than decoded: nothing a
    picture needs is written with them. Every function must be one of ``functions``, and a
    ``url()`` must point into the file itself (``#id``)."""
    if "\\" in text or "/*" in text:
        return "a CSS escape or comment"
    if "@" in text or "javascript:" in "".join(text.split()).lower():
        return "an @-rule or a script address"
    for found in _FUNCTION.finditer(text):
        name = found.group(1).lower()
        if name not in functions:
            return f"{name}()"
        if name == "url" and _LOCAL_URL.match(text, found.start()) is None:
            return "a url() that is not '#id' in the same file"
    return None


class SvgError(ProblemError):
    """An SVG that cannot be read safely."""


@dataclass(slots=True)
class _Element:
    tag: str
    attributes: list[tuple[str, str]]
    children: list[_Element | str] = field(default_factory=list)


def _unsafe_attribute(name: str, value: str, in_resource: bool) -> str | None:
    """Why an attribute may not be packed, or ``None`` when it may."""
    if name not in ALLOWED_ATTRIBUTES and _DATA_ATTRIBUTE.match(name) is None:
        return f"attribute '{name}'"
    if name in _NAMESPACE_VALUES:
        return None if value == _NAMESPACE_VALUES[name] else f"namespace '{value}'"
    if name in _TEXT_ATTRIBUTES or name.startswith("data-"):
        return None  # read as text, never as CSS: a name in a label is no url()
    unsafe = unsafe_css(value, _VALUE_FUNCTIONS)
    if unsafe is not None:
        return f"{unsafe} in '{name}'"
    if in_resource and "url(" in value.lower():
        return f"a reference in '{name}' inside a gradient, pattern, clip or mask"
    return None


def _escape(text: str, quote: bool) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


def _serialise(root: _Element) -> str:
    """The cleaned tree as SVG text, iteratively (no recursion, whatever the depth)."""
    out: list[str] = []
    stack: list[_Element | str] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)  # a closing tag or already escaped text
            continue
        attributes = "".join(f' {n}="{_escape(v, True)}"' for n, v in item.attributes)
        if not item.children:
            out.append(f"<{item.tag}{attributes}/>")
            continue
        out.append(f"<{item.tag}{attributes}>")
        stack.append(f"</{item.tag}>")
        for child in reversed(item.children):
            stack.append(child if isinstance(child, _Element) else _escape(child, False))
    return "".join(out)


def sanitise_text(text: str, shown: str, rule: str = "svg") -> str:
    """``text`` if it is a safe SVG already, else the SVG rebuilt from what the allow-lists
    keep; an :class:`SvgError` for a file that is too large or deep or not an SVG at all."""
    root, changed = _scan(text, shown, rule, keep=True)
    if not changed or root is None:
        return text
    return _serialise(root)


def _scan(
    text: str,
    shown: str,
    rule: str,
    *,
    keep: bool,
    limits: Limits = PACKED,
    strict: bool = False,
    seen: SeenAttributes | None = None,
) -> tuple[_Element | None, bool]:
    """Parse ``text`` within the bounds (depth, elements, path vertices, no DOCTYPE or
    entities, a UTF-8 declaration if any, an ``<svg>`` root); with ``keep``, also build the
    cleaned tree and say whether cleaning changed anything. ``strict`` (for what a deck packs)
    refuses, with a located error, anything cleaning would drop, and allows a ``<style>`` of
    flashgen's own (no function but calc() and var(), no @-rule, no escape)."""
    label = "diagram" if rule == "diagram" else "SVG"
    verdicts, counts = (seen.verdicts, seen.vertices) if seen is not None else (None, None)
    parser = expat.ParserCreate()
    root: _Element | None = None
    stack: list[_Element | None] = []  # None: inside an element being dropped (or not kept)
    resources: list[bool] = []  # per open element: inside a gradient, pattern, clip or mask
    styles: list[str] = []
    changed = False
    started = False
    count = 0
    vertices = 0

    def fail(message: str) -> SvgError:
        return SvgError(
            Problem(Where(shown, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1),
                    message, rule)
        )  # fmt: skip

    def dropped(what: str) -> None:
        nonlocal changed
        if strict:
            raise fail(f"{label} holds {what}, which a deck does not pack")
        changed = True

    def start(tag: str, attrs: list[str]) -> None:
        nonlocal root, started, count, vertices
        count += 1
        if len(stack) >= MAX_DEPTH:
            raise fail(f"SVG nested more than {MAX_DEPTH} levels deep")
        if count > limits.elements:
            raise fail(
                f"{label} has more than {limits.elements} elements, the most a picture may "
                "hold (a viewer draws each one)"
            )
        if not started and tag != "svg":
            raise fail(f"{label} must have <svg> as its root element, not <{tag}>")
        started = True
        pairs = list(zip(attrs[::2], attrs[1::2], strict=True))
        for name, value in pairs:
            if name in {"d", "points"}:
                counted = counts.get(value) if counts is not None else None
                if counted is None:
                    counted = len(_COORDINATE.findall(value)) // 2
                    if counts is not None:
                        counts[value] = counted
                vertices += counted
                if vertices > limits.vertices:
                    raise fail(
                        f"{label} has more than {limits.vertices} path vertices, the most a "
                        "picture may hold"
                    )
        parent = stack[-1] if stack else None
        in_resource = bool(resources and resources[-1]) or tag in RESOURCES
        resources.append(in_resource)
        if stack and parent is None:
            stack.append(None)  # inside a dropped element: dropped with it
            return
        if tag not in ALLOWED_ELEMENTS and not (strict and tag == "style"):
            dropped(f"<{tag}>")
            stack.append(None)
            return
        if not keep:
            stack.append(None)
            return
        kept = []
        for name, value in pairs:
            if verdicts is None:
                unsafe = _unsafe_attribute(name, value, in_resource)
            else:
                attribute = (name, value, in_resource)
                if attribute in verdicts:
                    unsafe = verdicts[attribute]
                else:
                    unsafe = verdicts[attribute] = _unsafe_attribute(name, value, in_resource)
            if unsafe is None:
                kept.append((name, value))
            else:
                dropped(unsafe)
        element = _Element(tag, kept)
        if parent is None:
            if ("xmlns", SVG_NS) not in kept:
                element.attributes.insert(0, ("xmlns", SVG_NS))
                dropped("no SVG namespace")
            root = element
        else:
            parent.children.append(element)
        stack.append(element)

    def end(tag: str) -> None:
        element = stack.pop()
        resources.pop()
        if tag == "style" and element is not None:
            styles.append("".join(c for c in element.children if isinstance(c, str)))

    def data(chunk: str) -> None:
        if stack and stack[-1] is not None:
            element = stack[-1]
            if element.children and isinstance(element.children[-1], str):
                element.children[-1] += chunk
            else:
                element.children.append(chunk)

    def declaration(_version: str, encoding: str | None, _standalone: int) -> None:
        # The text checked is the decoded text: a viewer honouring another declared encoding
        # would decode different text (UTF-7 turns "+ADw-script+AD4-" into "<script>").
        if encoding is not None and encoding.lower() not in _UTF8_NAMES:
            raise fail(
                f"{label} declares encoding '{encoding}': flashgen reads SVG as UTF-8 only; "
                'save it as UTF-8 and declare encoding="UTF-8" (or no encoding)'
            )

    def refuse_doctype(*_: object) -> None:
        raise fail("DOCTYPE and entity declarations are not allowed in an SVG")

    def processing_instruction(*_: object) -> None:
        dropped("a processing instruction")  # e.g. <?xml-stylesheet?>

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if keep:
        parser.CharacterDataHandler = data
    parser.XmlDeclHandler = declaration
    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.ProcessingInstructionHandler = processing_instruction
    parser.ordered_attributes = True
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        raise SvgError(
            Problem(Where(shown, exc.lineno, exc.offset + 1),
                    f"{label} cannot be read: {expat.ErrorString(exc.code)}", rule)
        ) from None  # fmt: skip
    except RecursionError:  # pragma: no cover - expat is iterative; belt and braces
        raise fail("SVG nested too deeply") from None
    if not started:
        raise SvgError(Problem(Where(shown), f"{label} has no <svg> element", rule))
    for sheet in styles:
        unsafe = unsafe_css(_without_comments(sheet), _STYLE_FUNCTIONS)
        if unsafe is not None:
            raise SvgError(Problem(Where(shown), f"{label} style holds {unsafe}", rule))
    return root, changed


def _without_comments(sheet: str) -> str:
    """A style sheet without its ``/* comments */``, joined without a space, so that nothing
    split by a comment (``u/**/rl(``) escapes the check; an unclosed one runs to the end."""
    out: list[str] = []
    at = 0
    while True:
        opening = sheet.find("/*", at)
        if opening < 0:
            out.append(sheet[at:])
            return "".join(out)
        out.append(sheet[at:opening])
        closing = sheet.find("*/", opening + 2)
        if closing < 0:
            return "".join(out)
        at = closing + 2


@dataclass(slots=True)
class SeenAttributes:
    """What :func:`check_packed` found of each attribute value, kept across the pictures one
    run checks: drawn from a few diagrams, they repeat most of their attributes, and checking
    each value once halves the time. Held by the caller for that run only."""

    verdicts: dict[tuple[str, str, bool], str | None] = field(default_factory=dict)
    vertices: dict[str, int] = field(default_factory=dict)


def check_packed(
    data: bytes, shown: str, rule: str = "svg", seen: SeenAttributes | None = None
) -> None:
    """Refuse, with a located error, an SVG a deck is about to pack that holds anything but
    what :data:`ALLOWED_ELEMENTS` and :data:`ALLOWED_ATTRIBUTES` allow (every url() to '#id'
    in the file), or more than :data:`PACKED` allows: for the pictures and charts flashgen
    draws, and, once more, for the media already cleaned when they were read."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SvgError(Problem(Where(shown), "SVG is not valid UTF-8", rule)) from None
    _scan(text, shown, rule, keep=True, strict=True, seen=seen)


def sanitise(data: bytes, shown: str, rule: str = "svg") -> bytes:
    """The bytes of a safe SVG made from ``data`` (see :func:`sanitise_text`)."""
    if len(data) > MAX_SVG_BYTES:
        raise SvgError(
            Problem(Where(shown), f"SVG is over the limit of {MAX_SVG_BYTES} bytes", rule)
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SvgError(Problem(Where(shown), "SVG is not valid UTF-8", rule)) from None
    clean = sanitise_text(text, shown, rule)
    return data if clean is text else clean.encode("utf-8")


def _read_text(path: Path, shown: str, rule: str) -> str:
    try:
        data = read_regular_file(path, shown, MAX_SVG_BYTES)
        return data.decode("utf-8")
    except ProblemError as exc:
        raise SvgError(exc.problem) from None
    except UnicodeDecodeError:
        raise SvgError(Problem(Where(shown), "SVG is not valid UTF-8", rule)) from None


def read_svg(path: Path, shown: str, rule: str = "svg") -> str:
    """A safe SVG's text from ``path``, which must be a regular file inside the deck."""
    return sanitise_text(_read_text(path, shown, rule), shown, rule)


def read_bounded(path: Path, shown: str, rule: str = "svg") -> str:
    """The SVG's own text from ``path``, once it has been parsed within the bounds (size, depth,
    element count, no DOCTYPE): for a reader that refuses whatever it does not allow with its
    own located errors, which must name the lines of the file as written, not of a cleaned copy.
    """
    text = _read_text(path, shown, rule)
    _scan(text, shown, rule, keep=False, limits=DIAGRAM)  # the bounds only: no cleaned copy
    return text
