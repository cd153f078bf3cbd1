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
MAX_ELEMENTS = 200_000

ALLOWED_ELEMENTS = frozenset(
    {
        "svg", "g", "path", "ellipse", "circle", "polygon", "polyline", "line", "rect", "defs",
        "use", "symbol", "title", "desc", "text", "tspan", "linearGradient", "radialGradient",
        "stop", "clipPath", "mask", "marker", "pattern",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = frozenset(
    {
        "id", "class", "d", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx",
        "fy", "width", "height", "viewBox", "points", "transform", "preserveAspectRatio", "fill",
        "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
        "stroke-linecap", "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset",
        "stroke-miterlimit", "opacity", "clip-path", "clip-rule", "mask", "marker-start",
        "marker-mid", "marker-end", "offset", "stop-color", "stop-opacity", "gradientUnits",
        "gradientTransform", "patternUnits", "patternTransform", "clipPathUnits", "maskUnits",
        "markerWidth", "markerHeight", "refX", "refY", "orient", "font-size", "font-family",
        "font-weight", "font-style", "text-anchor", "dominant-baseline", "dx", "dy",
        "visibility", "display", "vector-effect", "version", "xmlns", "href", "xlink:href",
        "xmlns:xlink", "role", "aria-label", "aria-hidden", "xml:space",
    }
)  # fmt: skip
_DATA_ATTRIBUTE = re.compile(r"\Adata-[a-z0-9-]{1,64}\Z")
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_LOCAL = re.compile(r"\A#[A-Za-z_][\w.:-]*\Z")
_NAMESPACE_VALUES = {"xmlns": SVG_NS, "xmlns:xlink": XLINK_NS}
_UTF8_NAMES = frozenset({"utf-8", "utf8"})


class SvgError(ProblemError):
    """An SVG that cannot be read safely."""


@dataclass(slots=True)
class _Element:
    tag: str
    attributes: list[tuple[str, str]]
    children: list[_Element | str] = field(default_factory=list)


def _safe_value(name: str, value: str) -> bool:
    if name in _NAMESPACE_VALUES:
        return value == _NAMESPACE_VALUES[name]
    if name in {"href", "xlink:href"}:
        return _LOCAL.match(value.strip()) is not None
    lowered = "".join(value.split()).lower()
    if "javascript:" in lowered or "expression(" in lowered or "@import" in lowered:
        return False
    return all(_LOCAL.match(url.strip()) for _, url in _URL.findall(value))


def _allowed_attribute(name: str, value: str) -> bool:
    known = name in ALLOWED_ATTRIBUTES or _DATA_ATTRIBUTE.match(name) is not None
    return known and _safe_value(name, value)


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


def _scan(text: str, shown: str, rule: str, *, keep: bool) -> tuple[_Element | None, bool]:
    """Parse ``text`` within the bounds (depth, element count, no DOCTYPE or entities, a
    UTF-8 declaration if any, an ``<svg>`` root); with ``keep``, also build the cleaned tree
    and say whether cleaning changed anything."""
    label = "diagram" if rule == "diagram" else "SVG"
    parser = expat.ParserCreate()
    root: _Element | None = None
    stack: list[_Element | None] = []  # None: inside an element being dropped (or not kept)
    changed = False
    started = False
    count = 0

    def fail(message: str) -> SvgError:
        return SvgError(
            Problem(Where(shown, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1),
                    message, rule)
        )  # fmt: skip

    def start(tag: str, attrs: list[str]) -> None:
        nonlocal root, changed, started, count
        count += 1
        if len(stack) >= MAX_DEPTH:
            raise fail(f"SVG nested more than {MAX_DEPTH} levels deep")
        if count > MAX_ELEMENTS:
            raise fail(f"SVG has more than {MAX_ELEMENTS} elements")
        if not started and tag != "svg":
            raise fail(f"{label} must have <svg> as its root element, not <{tag}>")
        started = True
        parent = stack[-1] if stack else None
        if not keep or (stack and parent is None) or tag not in ALLOWED_ELEMENTS:
            changed = True
            stack.append(None)
            return
        pairs = list(zip(attrs[::2], attrs[1::2], strict=True))
        kept = [(name, value) for name, value in pairs if _allowed_attribute(name, value)]
        changed = changed or len(kept) != len(pairs)
        element = _Element(tag, kept)
        if parent is None:
            if ("xmlns", SVG_NS) not in kept:
                element.attributes.insert(0, ("xmlns", SVG_NS))
                changed = True
            root = element
        else:
            parent.children.append(element)
        stack.append(element)

    def end(tag: str) -> None:
        stack.pop()

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
        nonlocal changed
        changed = True  # e.g. <?xml-stylesheet?>: dropped

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
    return root, changed


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
    _scan(text, shown, rule, keep=False)  # the bounds only: no cleaned copy is built
    return text
