"""Pictures derived from hand-drawn diagrams: one per subject, framed on its highlighted region.

A diagram (``cards/diagrams/*.svg``) is one view of a leg, drawn to the convention in the
README: a ``data-view`` caption and a ``data-source`` on the root, and shapes classed by tissue
``skin``, ``bone``, ``muscle``, ``tendon``, ``fascia``, ``region`` (a subject's shape, with
``data-subjects``; ``deep`` when it lies under others; a ``g`` holding its texture lines and
tendon parts), ``ghost`` and ``fibre``, coloured only by :data:`PICTURE_CSS`.

For each subject the view that shows it best is chosen (:func:`choose_view`, or the subject's
``view``), its regions are highlighted where they lie (colour and a heavy outline that keep the
tissue's texture; what the drawing puts over them stays over them, and a deep one shows by its
dashed outline over what covers it: :func:`render`), and the picture is cropped to them with
context around (:func:`frame`); :func:`answer_picture` decides which picture a card shows after
its answer, :func:`makes_picture_cards` whether the subject also gets picture cards (its
picture must have one right answer a learner can see: :func:`no_picture_cards`). The caption is
drawn on a badge above the drawing. Pictures are rebuilt from an allow-list of elements and
attributes, so no title, comment, id or ``data-subjects`` of the diagram reaches a learner, and
are named after their content only (``fg-view-<hash>.svg``): neither name nor alt text says
what is highlighted.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
import xml.etree.ElementTree as ET
import xml.parsers.expat
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import reduce
from pathlib import Path

from flashgen import svgsafe
from flashgen.markup import clozes, listed, markdown_literal
from flashgen.problems import Problem, Where
from flashgen.sources import (
    DIAGRAMS_DIR,
    Card,
    DeckSources,
    Subject,
    diagram_paths,
    source_keys,
    unknown_references,
)
from flashgen.svgsafe import SVG_NS

ET.register_namespace("", SVG_NS)
PICTURE_PREFIX = "picture-"

# --- Framing ---------------------------------------------------------------------------------
MIN_SHARE = 0.15
"""The highlighted regions' bounding box covers at least this share of the picture's area.

About 39% of the picture's width and height for a compact shape: on a 390 px phone that is a
shape 130 px or more across, big enough to see its outline and fibre direction, while the other
85% shows the limb around it to place it. Shapes more elongated than the aspect limit allows
(a highlight thinner than about 1:10, such as the iliotibial band) cannot reach it: their
picture is then as tight as :data:`MAX_ASPECT` permits (see :func:`frame`)."""
MAX_ASPECT = 1.6
"""No picture is longer than 1.6 times its width or wider than 1.6 times its height: a tall
picture still fits a phone screen's picture area (55% of its height) at a useful width, a wide
one is not a strip."""
MAX_CONTEXT = 0.6
"""At most this much of the highlight's longer side is added as context on each side."""
END_CONTEXT = 0.12
"""A highlight too long for the aspect limit (a band, a long tendon) keeps at least this share
of its length as context beyond each end: its ends are its attachments, shown with the bone
they attach to (the iliotibial band on the tibia below the knee, the plantar fascia with the
heel behind it and the toes in front)."""
MIN_CROP = 0.18
"""No picture shows less than this share of its drawing's longer side across (the leg's
length: about 17 cm of a leg drawn at full length), so a small structure keeps its landmarks
around it: the patellar tendon shows the patella above and the tibial tuberosity below, and
a picture of it cannot be a close-up of one tendon. Such a picture's highlight may cover less
than :data:`MIN_SHARE` of it."""
_SHARE_TARGET = MIN_SHARE * 1.1
"""Frame with a little room over :data:`MIN_SHARE`: antialiased edges shrink what is seen."""
WIDTH_PX = 360
"""Intrinsic width of every picture in CSS px (a 390 px phone card's content width)."""
CAPTION_PX = 34.0
"""Height of the caption band above the drawing, in intrinsic px."""

# One palette for day (white) and night (#1c1c1e / #2f2f31) backgrounds: an <img> cannot see
# Anki's nightMode class. The background stays transparent. Each tissue looks as an atlas draws
# it, so a learner tells them apart before reading any outline:
# - muscle: red-brown with darker fibre lines along its fibres;
# - bone: ivory, with a fine darker outline;
# - tendon: silvery white (cool, where bone is warm) with pale glossy streaks along it;
# - fascia (the iliotibial band, the plantar fascia): a pale sheet, the muscle under it faintly
#   showing through, with fine white lines along its fibres;
# - skin: a muted brown silhouette behind it all, its outline a mid grey (3:1 or more on white
#   and on both night backgrounds).
# A see-through sheet over a highlight is veiled further, so the highlight reads through it.
# The highlight adds colour and outline and keeps the tissue's texture. A highlighted muscle
# turns dark maroon (3:1 or more darker than the muscles around it; its fibre lines turn light
# so their direction still shows). A highlighted tendon, fascia or bone keeps its pale fill and
# texture and is tinted one colour no tissue has, a clear sky blue for tendon and fascia and a
# strong amber for bone, far more saturated than ivory bone (never the pinks and salmons of
# flesh): pale where the muscle highlight is dark, so a tendon of a highlighted muscle reads as
# that muscle's tendon, not as a gap in it.
# Every highlight is ringed the same way: a pale halo, then a heavy black rim drawn *under* its
# fill, so the rim follows the outline of the whole highlighted shape and the lines inside it
# (between the bones of an arch, between a muscle and its tendon) stay fine, never stained
# glass. A highlight is drawn where it lies: whatever the drawing puts over it (a ligament, a
# muscle) stays over it; a ghost (a removed superficial muscle, drawn faintly) never veils it.
# A deep highlight is seen by its outline, drawn over everything in dashes, pale on black, so
# they show on a muscle, a bone, the page and a highlight alike (one convention for a deep
# muscle and for a deep member of a highlighted group). Every highlighted muscle is edged in a
# pale line (3.6 px, so it reads at the narrowest phone width), then the black rim (3.2 px
# outside it), then the pale halo (2.4 px outside the rim), the same for one muscle and for each
# member of a group (fresh eyes round 4: single muscles had a thin rim and next to no halo,
# groups a thick one), so where two highlighted regions meet, the later one's pale edge parts
# them (a group's members, a muscle drawn in two parts). A highlighted tendon, fascia or bone
# keeps a thin dark edge (a pale one would vanish on its pale tint), with the same black rim and
# pale halo outside it. Shapes
# take their colours by inheritance, so a region's own texture lines (its ``fibre`` children)
# follow its tissue and its highlight; a bone region's texture line (the foot arch's curve) is
# drawn bold when highlighted.
# Relative luminance and contrast are measured on the rendered pixels in tests/test_pictures.py;
# the night bound is a mean lightness of 0.45. ``--u`` is one intrinsic pixel in the picture's
# own units, set per picture, so lines keep their weight whatever the zoom. The caption is white
# on a dark grey badge: the same contrast on white and on night backgrounds.
PICTURE_CSS = """
svg { --u: 1px; fill: none; stroke: none; stroke-linejoin: round; stroke-linecap: round; }
.skin { fill: #78655e; stroke: #8f8f96; stroke-width: calc(2.2 * var(--u)); }
.muscle, .region, .ghost { fill: #a4564a; stroke: #5a1f17; stroke-width: calc(1 * var(--u)); }
.bone { fill: #d8cdb0; stroke: #7d725c; stroke-width: calc(1.2 * var(--u)); }
.tendon { fill: #cdd5dc; stroke: #6e7a86; stroke-width: calc(1 * var(--u)); }
.fascia { fill: #e9eef2; fill-opacity: 0.7; stroke: #aab4bd; stroke-width: calc(0.8 * var(--u)); }
.ghost { fill-opacity: 0.28; stroke: #b08a82; stroke-opacity: 0.7;
  stroke-width: calc(0.8 * var(--u)); stroke-dasharray: calc(3 * var(--u)) calc(3 * var(--u)); }
.fibre { fill: none; stroke: #6a2519; stroke-opacity: 0.6; stroke-width: calc(0.7 * var(--u));
  stroke-dasharray: none; }
.tendon .fibre { stroke: #f7fafc; stroke-opacity: 0.85; }
.fascia .fibre { stroke: #ffffff; stroke-opacity: 0.7; }
.bone .fibre { stroke: #7d725c; stroke-opacity: 0.6; stroke-width: calc(1 * var(--u)); }
.veil { fill-opacity: 0.3; } .veil .fibre { stroke-opacity: 0.35; }
.halo, .halo * { fill: none; stroke: #f2e6c9; stroke-opacity: 1;
  stroke-width: calc(14.8 * var(--u)); stroke-dasharray: none; }
.rim, .rim * { fill: none; stroke: #000000; stroke-opacity: 1; stroke-width: calc(10 * var(--u));
  stroke-dasharray: none; }
.halo .fibre, .rim .fibre { stroke: none; }
.hl { fill: #2e0503; fill-opacity: 1; stroke: #f2e6c9; stroke-opacity: 1;
  stroke-width: calc(3.6 * var(--u)); stroke-dasharray: none; }
.halo.tendon, .halo.tendon *, .halo.fascia, .halo.fascia *, .halo.bone, .halo.bone * {
  stroke-width: calc(11.2 * var(--u)); }
.rim.tendon, .rim.tendon *, .rim.fascia, .rim.fascia *, .rim.bone, .rim.bone * {
  stroke-width: calc(6.4 * var(--u)); }
.hl .fibre { stroke: #d4695a; stroke-opacity: 0.75; stroke-width: calc(0.8 * var(--u)); }
.hl.tendon, .hl .tendon { fill: #8fd0f2; stroke: #2b5d78; stroke-width: calc(0.8 * var(--u)); }
.hl.fascia { fill: #9fd8f5; fill-opacity: 0.9; stroke: #2b5d78;
  stroke-width: calc(0.8 * var(--u)); }
.hl.bone, .hl .bone { fill: #f4b012; stroke: #6d5420; stroke-width: calc(0.9 * var(--u)); }
.hl.tendon .fibre, .hl.fascia .fibre, .hl .tendon .fibre { stroke: #ffffff; stroke-opacity: 0.9; }
.hl.bone .fibre { stroke: #4a380f; stroke-opacity: 1; stroke-width: calc(4 * var(--u)); }
.hl.edge, .hl.edge * { fill: none; stroke-opacity: 1;
  stroke-dasharray: calc(7 * var(--u)) calc(5 * var(--u)); }
.hl.case, .hl.case * { stroke: #000000; stroke-width: calc(4.6 * var(--u)); }
.hl.dash, .hl.dash * { stroke: #f2e6c9; stroke-width: calc(2.2 * var(--u)); }
.hl.edge .fibre { stroke: none; }
.fg-badge { fill: #3a3a3c; stroke: none; }
.fg-caption { fill: #ffffff; stroke: none; font-family: -apple-system, BlinkMacSystemFont,
  "Segoe UI", Roboto, Arial, sans-serif; font-weight: 700; }
"""

DIAGRAM_CLASSES = frozenset(
    {"skin", "bone", "muscle", "region", "ghost", "tendon", "fascia", "fibre", "deep"}
)
SHAPES = frozenset({"path", "ellipse", "circle", "polygon", "polyline", "line", "rect"})
_CONTAINERS = frozenset({"svg", "g"})
_SILENTLY_DROPPED = frozenset({"title", "desc", "metadata"})
_GEOMETRY = {
    "path": ("d",),
    "ellipse": ("cx", "cy", "rx", "ry"),
    "circle": ("cx", "cy", "r"),
    "polygon": ("points",),
    "polyline": ("points",),
    "line": ("x1", "y1", "x2", "y2"),
    "rect": ("x", "y", "width", "height", "rx", "ry"),
}
# Attributes that would colour, move or script a shape: the picture CSS alone styles diagrams.
_FORBIDDEN_ATTRIBUTE = re.compile(
    r"\A(style|fill.*|stroke.*|opacity|color|font.*|transform|href|.*:href|on.*|filter|mask|"
    r"clip-path|display|visibility)\Z"
)


class DiagramError(ValueError):
    """A diagram that cannot be turned into pictures, at a line and column."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.line, self.col = line, col


# --- Geometry --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned box in a diagram's units."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        return self.width * self.height

    def union(self, other: Box) -> Box:
        return Box(
            min(self.x0, other.x0),
            min(self.y0, other.y0),
            max(self.x1, other.x1),
            max(self.y1, other.y1),
        )

    def contains(self, other: Box, slack: float = 1e-6) -> bool:
        return (
            other.x0 >= self.x0 - slack
            and other.y0 >= self.y0 - slack
            and other.x1 <= self.x1 + slack
            and other.y1 <= self.y1 + slack
        )


def _box_of(points: list[tuple[float, float]]) -> Box:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return Box(min(xs), min(ys), max(xs), max(ys))


def _shoelace(points: list[tuple[float, float]]) -> float:
    total = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        total += x0 * y1 - x1 * y0
    return abs(total) / 2


_NUMBER = svgsafe.NUMBER  # possessive throughout: no pattern built from it backtracks
MAX_COORDINATE = 1e6
"""No number in a diagram's geometry lies further from zero than this. Drawings are a few
hundred units across; a larger (or infinite: "1e400") number is a mistake, and products of
numbers within it cannot overflow."""
MIN_VIEW_SIZE = 1.0
"""A view box is at least this many units wide and high: pictures state the crop to a
thousandth of a unit and frame it with margins of a few units."""
MAX_PATH_VERTICES = 100_000
"""At most this many vertices in one diagram's paths, curves counted as flattened: a picture
is drawn from every vertex of its view, for every subject the view shows."""
_SEPARATOR = r"(?:\s*+,\s*+|\s++)"
_VIEW_BOX = re.compile(rf"\s*+({_NUMBER}){_SEPARATOR}({_NUMBER}){_SEPARATOR}({_NUMBER})"
                       rf"{_SEPARATOR}({_NUMBER})\s*+")  # fmt: skip
_ONE_NUMBER = re.compile(rf"\s*+{_NUMBER}\s*+")
_ANY_NUMBER = re.compile(_NUMBER)
# One token of path data, after optional white space and at most one comma: a command letter or
# a number. Tried at one position at a time by the tokenizer below, never over the whole string.
_PATH_TOKEN = re.compile(rf"\s*+,?+\s*+(?:([A-Za-z])|({_NUMBER}))")
_TRAILING_SPACE = re.compile(r"\s*+")
_WORD = re.compile(r"[a-z0-9]++")
_ARITY = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "Q": 4, "Z": 0}
_CURVE_STEPS = 8


def path_tokens(d: str) -> list[str]:
    """The commands and numbers of path data, in one pass over it (linear time whatever it
    holds); a ValueError names where it cannot be read."""
    tokens: list[str] = []
    at, end = 0, len(d)
    while True:
        found = _PATH_TOKEN.match(d, at)
        if found is None:
            break
        tokens.append(found.group(1) or found.group(2))
        at = found.end()
    tail = _TRAILING_SPACE.match(d, at)
    if tail is None or tail.end() != end:
        raise ValueError(f"path data cannot be read at '{d[at : at + 12].strip()}'")
    return tokens


def _finite(raw: str, what: str) -> float:
    """``raw`` as a number within :data:`MAX_COORDINATE` of zero, else a ValueError."""
    value = float(raw)
    if not math.isfinite(value) or abs(value) > MAX_COORDINATE:
        raise ValueError(
            f"{what} '{raw.strip()}' is out of range: numbers in diagrams lie between "
            f"-{MAX_COORDINATE:.0f} and {MAX_COORDINATE:.0f}"
        )
    return value


def path_outline(d: str) -> list[list[tuple[float, float]]]:
    """The subpaths of path data as polygons, curves flattened (absolute M L H V C Q Z only)."""
    tokens = path_tokens(d)
    subpaths: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    x = y = 0.0
    start = (0.0, 0.0)
    command = ""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.isalpha():
            if token not in _ARITY:
                raise ValueError(
                    f"path command '{token}' is not allowed: diagrams use absolute "
                    "M L H V C Q Z only, so their extent can be worked out"
                )
            command = token
            i += 1
            if command == "Z":
                if current:
                    subpaths.append(current)
                current = []
                x, y = start
                continue
        elif not command or command == "Z":
            raise ValueError("path data must start with M")
        count = _ARITY[command]
        args = tokens[i : i + count]
        if len(args) < count or any(a.isalpha() for a in args):
            raise ValueError(f"path command '{command}' needs {count} numbers")
        values = [_finite(a, "number") for a in args]
        i += count
        if command == "M":
            if current:
                subpaths.append(current)
            x, y = values
            start = (x, y)
            current = [(x, y)]
            command = "L"  # further pairs after M are lines
            continue
        if not current:
            current = [(x, y)]
        if command == "L":
            x, y = values
            current.append((x, y))
        elif command == "H":
            x = values[0]
            current.append((x, y))
        elif command == "V":
            y = values[0]
            current.append((x, y))
        elif command == "C":
            (x1, y1, x2, y2, x3, y3) = values
            for step in range(1, _CURVE_STEPS + 1):
                t = step / _CURVE_STEPS
                s = 1 - t
                current.append(
                    (
                        s**3 * x + 3 * s * s * t * x1 + 3 * s * t * t * x2 + t**3 * x3,
                        s**3 * y + 3 * s * s * t * y1 + 3 * s * t * t * y2 + t**3 * y3,
                    )
                )
            x, y = x3, y3
        elif command == "Q":
            (x1, y1, x2, y2) = values
            for step in range(1, _CURVE_STEPS + 1):
                t = step / _CURVE_STEPS
                s = 1 - t
                current.append(
                    (
                        s * s * x + 2 * s * t * x1 + t * t * x2,
                        s * s * y + 2 * s * t * y1 + t * t * y2,
                    )
                )
            x, y = x2, y2
    if current:
        subpaths.append(current)
    return subpaths


def _number(
    attributes: Mapping[str, str], name: str, default: float | None = None, size: bool = False
) -> float:
    """The attribute ``name`` as a number (``default`` when absent); a ``size`` (width, height,
    radius) may not be negative."""
    raw = attributes.get(name)
    if raw is None:
        if default is None:
            raise ValueError(f"missing '{name}'")
        return default
    if not _ONE_NUMBER.fullmatch(raw):
        raise ValueError(f"'{name}' must be a plain number, not '{raw}'")
    value = _finite(raw, f"'{name}'")
    if size and value < 0:
        raise ValueError(f"'{name}' may not be negative, not '{raw.strip()}'")
    return value


def _points(raw: str) -> list[tuple[float, float]]:
    numbers = [_finite(n, "'points' number") for n in _ANY_NUMBER.findall(raw)]
    if len(numbers) < 4 or len(numbers) % 2:
        raise ValueError("'points' needs pairs of numbers")
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def shape_geometry(tag: str, attributes: Mapping[str, str]) -> tuple[Box, float]:
    """A shape's bounding box and area (lines and polylines have none)."""
    if tag == "path":
        subpaths = [p for p in path_outline(attributes.get("d", "")) if p]
        if not subpaths:
            raise ValueError("path has no data")
        box = _box_of([p for sub in subpaths for p in sub])
        return box, sum(_shoelace(sub) for sub in subpaths)
    if tag in ("ellipse", "circle"):
        cx, cy = _number(attributes, "cx", 0.0), _number(attributes, "cy", 0.0)
        if tag == "circle":
            rx = ry = _number(attributes, "r", size=True)
        else:
            rx, ry = _number(attributes, "rx", size=True), _number(attributes, "ry", size=True)
        return Box(cx - rx, cy - ry, cx + rx, cy + ry), math.pi * abs(rx * ry)
    if tag == "rect":
        x, y = _number(attributes, "x", 0.0), _number(attributes, "y", 0.0)
        w, h = _number(attributes, "width", size=True), _number(attributes, "height", size=True)
        return Box(x, y, x + w, y + h), abs(w * h)
    if tag in ("polygon", "polyline"):
        points = _points(attributes.get("points", ""))
        return _box_of(points), _shoelace(points) if tag == "polygon" else 0.0
    if tag == "line":
        ends = [
            (_number(attributes, "x1", 0.0), _number(attributes, "y1", 0.0)),
            (_number(attributes, "x2", 0.0), _number(attributes, "y2", 0.0)),
        ]
        return _box_of(ends), 0.0
    raise ValueError(f"<{tag}> has no geometry")


# --- Reading diagrams ------------------------------------------------------------------------


@dataclass(slots=True)
class Node:
    """An element of a diagram as read: what pictures are rebuilt from."""

    tag: str
    attributes: dict[str, str]
    line: int
    col: int
    classes: tuple[str, ...] = ()
    children: list[Node] = field(default_factory=list)
    box: Box | None = None
    area: float = 0.0


@dataclass(frozen=True, slots=True)
class Region:
    """A subject's shape in a view."""

    index: int
    keys: tuple[str, ...]
    box: Box
    area: float
    deep: bool
    line: int
    node: Node = field(compare=False, repr=False)
    """The element drawn for it: what :func:`render` highlights."""


@dataclass(frozen=True, slots=True)
class Diagram:
    name: str
    caption: str
    """The view, as the picture states it ("Right leg, from behind")."""
    view_box: Box
    root: Node
    regions: tuple[Region, ...]
    """The subject regions, in document order."""
    source: str = ""
    """What the drawing follows (the root's ``data-source``): reference keys in a deck with
    ``references``, else text; picture cards cite it (:func:`picture_source`)."""
    extent: Box | None = None
    """The view box, its top and bottom brought to what it draws (its shapes' box; the view box
    when it draws nothing): pictures are cropped within it. A crop reaching above the drawn leg
    showed an empty band over it (fresh eyes round 2, the gluteus medius from behind); at the
    sides the page around the limb is its background, and stays."""

    @property
    def drawn(self) -> Box:
        return self.view_box if self.extent is None else self.extent


def _extent(root: Node, view_box: Box) -> Box | None:
    """``view_box`` from the top to the bottom of the shapes ``root`` draws
    (:attr:`Diagram.extent`); ``None`` when it draws nothing there."""
    boxes = [node.box for node in _walk(root) if node.tag in SHAPES and node.box is not None]
    if not boxes:
        return None
    box = reduce(Box.union, boxes)
    inside = Box(view_box.x0, max(box.y0, view_box.y0), view_box.x1, min(box.y1, view_box.y1))
    if inside.width < MIN_VIEW_SIZE or inside.height < MIN_VIEW_SIZE:
        return None
    return inside


def _parse(text: str) -> Node:
    """Read SVG text into nodes with their positions; DOCTYPEs and entities are refused."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
    stack: list[Node] = []
    roots: list[Node] = []

    def refuse(*_args: object) -> None:
        raise DiagramError(
            "DOCTYPE and entities are not allowed in diagrams",
            parser.CurrentLineNumber,
            parser.CurrentColumnNumber + 1,
        )

    def start(name: str, attributes: dict[str, str]) -> None:
        namespace, _, local = name.rpartition("}")
        node = Node(
            local if namespace == SVG_NS else "{" + name if namespace else name,
            {
                key.rpartition("}")[2] if key.startswith(SVG_NS) else key: v
                for key, v in attributes.items()
            },  # fmt: skip
            parser.CurrentLineNumber,
            parser.CurrentColumnNumber + 1,
        )
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    def end(_name: str) -> None:
        stack.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as exc:
        raise DiagramError(
            xml.parsers.expat.ErrorString(exc.code), exc.lineno, exc.offset + 1
        ) from None
    if not roots or roots[0].tag != "svg":
        raise DiagramError("the root element must be <svg> in the SVG namespace")
    return roots[0]


def _view_box(root: Node) -> Box:
    raw = root.attributes.get("viewBox", "")
    found = _VIEW_BOX.fullmatch(raw)
    if found is None:
        raise DiagramError('the <svg> needs viewBox="0 0 W H"', root.line, root.col)
    try:
        x, y, w, h = (_finite(n, "viewBox number") for n in found.groups())
    except ValueError as exc:
        raise DiagramError(str(exc), root.line, root.col) from None
    if not (MIN_VIEW_SIZE <= w and MIN_VIEW_SIZE <= h):
        raise DiagramError(
            f"the viewBox '{raw.strip()}' is too small: its width and height are at least "
            f"{MIN_VIEW_SIZE:g} unit (a drawing is a few hundred units across)",
            root.line,
            root.col,
        )
    return Box(x, y, x + w, y + h)


class _Problems(list[Problem]):
    """A diagram's problems, each at the element it is about."""

    def __init__(self, shown: str) -> None:
        super().__init__()
        self.shown = shown

    def at(self, node: Node, message: str) -> None:
        self.append(Problem(Where(self.shown, node.line, node.col), message, "diagram"))


def _prepare(node: Node, problems: _Problems, inherited_region: bool = False) -> None:
    """Check one element and its children, work out classes and geometry, drop what the
    pictures never show (titles, descriptions)."""
    kept: list[Node] = []
    for child in node.children:
        if child.tag in _SILENTLY_DROPPED:
            continue
        if child.tag not in SHAPES and child.tag not in _CONTAINERS - {"svg"}:
            problems.at(
                child,
                f"<{child.tag}> is not allowed in diagrams "
                "(only g, path, ellipse, circle, polygon, polyline, line and rect)",
            )
            continue
        classes = []
        for name in child.attributes.get("class", "").split():
            if name in DIAGRAM_CLASSES:
                classes.append(name)
            else:
                problems.at(
                    child, f"class '{name}' is not one of {', '.join(sorted(DIAGRAM_CLASSES))}"
                )
        for attribute in child.attributes:
            if _FORBIDDEN_ATTRIBUTE.match(attribute):
                problems.at(
                    child,
                    f"attribute '{attribute}' is not allowed in diagrams: shapes carry "
                    "geometry and classes only (the picture CSS colours them; no links, "
                    "scripts or transforms)",
                )
        child.classes = tuple(dict.fromkeys(classes))
        if "data-subjects" in child.attributes and "region" not in child.classes:
            problems.at(child, "an element with data-subjects needs class 'region'")
        if "region" in child.classes and inherited_region:
            problems.at(child, "a region may not hold another region")
        if child.tag in SHAPES:
            try:
                child.box, child.area = shape_geometry(child.tag, child.attributes)
            except ValueError as exc:
                problems.at(child, f"<{child.tag}> {exc}")
                continue
        else:
            _prepare(child, problems, inherited_region or "region" in child.classes)
            # A group's extent and area are its shapes'; its texture lines add none.
            shapes = [c for c in child.children if "fibre" not in c.classes] or child.children
            boxes = [c.box for c in shapes if c.box is not None]
            if boxes:
                child.box = reduce(Box.union, boxes)
            child.area = sum(c.area for c in shapes)
        kept.append(child)
    node.children = kept


def _walk(node: Node) -> Iterator[Node]:
    for child in node.children:
        yield child
        yield from _walk(child)


def read_diagram(name: str, text: str, shown: str | None = None) -> tuple[Diagram, list[Problem]]:
    """A diagram from its SVG text, and its problems located in ``shown`` (the file as
    messages name it; ``<name>.svg`` by default); raises :class:`DiagramError` when it cannot
    be read at all."""
    root = _parse(text)
    view_box = _view_box(root)
    caption = root.attributes.get("data-view", "").strip()
    problems = _Problems(f"{name}.svg" if shown is None else shown)
    if not caption:
        problems.at(
            root,
            'the <svg> needs data-view naming the leg and the view, e.g. "Right leg, from behind"',
        )
    _prepare(root, problems)
    regions: list[Region] = []
    for node in _walk(root):
        if "region" not in node.classes:
            continue
        keys = tuple(dict.fromkeys(node.attributes.get("data-subjects", "").split()))
        if not keys:
            problems.at(node, "a region needs data-subjects")
            continue
        if node.box is None:
            problems.at(node, "a region needs a shape")
            continue
        regions.append(
            Region(len(regions), keys, node.box, node.area, "deep" in node.classes, node.line, node)
        )
    source = root.attributes.get("data-source", "").strip()
    extent = _extent(root, view_box)
    diagram = Diagram(name, caption, view_box, root, tuple(regions), source, extent)
    return diagram, list(problems)


def _words(text: str) -> str:
    """``text`` as its lower-case words, each between single spaces (" a b "): a phrase is then
    in a text when its words are a substring of the text's, which str.find checks in linear
    time (a pattern per name, tried at every position, was not)."""
    return " " + " ".join(_WORD.findall(text.lower())) + " "


def names_in(text: str, names: Collection[str]) -> list[str]:
    """Which of ``names`` appear in ``text`` as whole words (case-insensitive)."""
    words = _words(text)
    found = []
    for name in names:
        phrase = _words(name)
        if phrase.strip() and phrase in words:
            found.append(name)
    return found


def giveaway_names(key: str, subjects: Mapping[str, Subject]) -> list[str]:
    """What an identification card's front must not say: the subject's name and aliases, and
    those of every group it belongs to (through ``group`` or, for regions, data-subjects)."""
    names: list[str] = []
    seen: set[str] = set()
    todo = [key]
    while todo:
        current = todo.pop()
        if current in seen or current not in subjects:
            continue
        seen.add(current)
        subject = subjects[current]
        names.extend([subject.name, *subject.aliases])
        if subject.group:
            todo.append(subject.group)
    return names


def load_diagrams(
    root: Path, shown_dir: str, subjects: Mapping[str, Subject]
) -> tuple[list[Diagram], list[Problem]]:
    diagrams: list[Diagram] = []
    sizes: list[int] = []
    problems: list[Problem] = []
    every_name = [n for s in subjects.values() for n in (s.name, *s.aliases)]
    files: list[str] = []
    for path in diagram_paths(root):  # none through a symlinked folder
        files.append(path.stem)
        shown = f"{shown_dir}/{path.name}"
        try:
            text = svgsafe.read_bounded(path, shown, "diagram")  # read_diagram allows less still
            diagram, found = read_diagram(path.stem, text, shown)
        except svgsafe.SvgError as exc:
            problems.append(exc.problem)
            continue
        except DiagramError as exc:
            problems.append(
                Problem(
                    Where(shown, exc.line, exc.col), f"diagram cannot be read: {exc}", "diagram"
                )
            )
            continue
        except OSError as exc:
            problems.append(
                Problem(Where(shown), f"diagram cannot be read: {exc.strerror}", "diagram")
            )
            continue
        problems.extend(found)
        if not caption_fits(diagram.caption):
            problems.append(
                Problem(
                    Where(shown, diagram.root.line, diagram.root.col),
                    f"the caption '{diagram.caption}' is {len(diagram.caption)} characters: at "
                    f"most {MAX_CAPTION_CHARS} fit a picture at the {MIN_CAPTION_SIZE:g} px a "
                    'phone needs ("Right leg, back view, deep layer")',
                    "diagram",
                )
            )
        for name in names_in(diagram.caption, every_name):
            problems.append(
                Problem(
                    Where(shown, diagram.root.line, diagram.root.col),
                    f"the caption '{diagram.caption}' names '{name}': a picture must not "
                    "give its answer away",
                    "diagram",
                )
            )
        for region in diagram.regions:
            for key in region.keys:
                if key not in subjects:
                    problems.append(
                        Problem(
                            Where(shown, region.line),
                            f"diagram region names unknown subject '{key}'",
                            "unknown-subject",
                        )
                    )
        diagrams.append(diagram)
        sizes.append(len(text))
    drawn = _within_budget(diagrams, sizes, subjects, shown_dir, problems)
    problems.extend(view_problems(drawn, files, subjects, shown_dir))
    return drawn, problems


def view_problems(
    diagrams: list[Diagram], files: Collection[str], subjects: Mapping[str, Subject], shown_dir: str
) -> Iterator[Problem]:
    """Rule ``unknown-view``: a subject whose ``view`` names no diagram (``files``: the stems of
    the diagram files), or a diagram that draws no region of it or its members. A diagram that
    could not be read (or drawn: over the budget) has its own error and is not reported again
    here."""
    by_name = {diagram.name: diagram for diagram in diagrams}
    covers = _covers(subjects)
    for subject in subjects.values():
        if subject.view is None:
            continue
        where = subject.view_where or subject.where
        diagram = by_name.get(subject.view)
        if diagram is None:
            if subject.view in files:
                continue
            close = difflib.get_close_matches(subject.view, sorted(files), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            known = ", ".join(sorted(files)) or "none"
            yield Problem(
                where,
                f"'view' is '{subject.view}', but there is no {shown_dir}/{subject.view}.svg "
                f"(the views are: {known}){hint}",
                "unknown-view",
            )
            continue
        keys = covers[subject.key]
        if not any(keys.intersection(region.keys) for region in diagram.regions):
            showing = sorted(
                d.name for d in diagrams if any(keys.intersection(r.keys) for r in d.regions)
            )
            others = (
                f": the views that draw it are {', '.join(showing)}"
                if showing
                else ": no view draws it"
            )
            yield Problem(
                where,
                f"'view' is '{subject.view}', but {shown_dir}/{subject.view}.svg draws no region "
                f"of {subject.name} (data-subjects naming '{subject.key}'"
                f"{' or a member' if len(keys) > 1 else ''}){others}",
                "unknown-view",
            )


MAX_PICTURE_BYTES = 128 * 1024 * 1024
"""What the pictures drawn from a deck's diagrams may take together (see
:data:`flashgen.packaged.MAX_DECK_MEDIA_BYTES`)."""


def _within_budget(
    diagrams: list[Diagram],
    sizes: list[int],
    subjects: Mapping[str, Subject],
    shown_dir: str,
    problems: list[Problem],
) -> list[Diagram]:
    """The diagrams whose pictures fit :data:`MAX_PICTURE_BYTES`, before any is drawn.

    Every subject a diagram shows gets two pictures, each a copy of the whole view: 3.5 MB of
    diagrams showing many subjects made 710 MB of media. A diagram is bounded by two copies of
    its text per subject that may choose it; the first diagram over the budget is a located
    error and it, and those after it, are not drawn."""
    covers = _covers(subjects)
    total = 0
    for index, (diagram, size) in enumerate(zip(diagrams, sizes, strict=True)):
        keys = {key for region in diagram.regions for key in region.keys}
        showing = sum(1 for key in subjects if covers[key] & keys)
        total += 2 * showing * size
        if total > MAX_PICTURE_BYTES:
            problems.append(
                Problem(
                    Where(f"{shown_dir}/{diagram.name}.svg"),
                    f"the pictures drawn from the diagrams would take up to {total} bytes with "
                    f"this one (two copies of its {size} bytes for each of the {showing} "
                    f"subjects it shows), over the bound of {MAX_PICTURE_BYTES}: simplify the "
                    "drawing or show fewer subjects in one view",
                    "media-size",
                )
            )
            return diagrams[:index]
    return diagrams


# --- Choosing a view and framing -------------------------------------------------------------


def _covers(subjects: Mapping[str, Subject]) -> dict[str, set[str]]:
    """For each subject, itself and every subject below it through ``group``."""
    covers: dict[str, set[str]] = {key: {key} for key in subjects}
    for key in subjects:
        seen = {key}
        parent = subjects[key].group
        while parent is not None and parent in subjects and parent not in seen:
            covers[parent].add(key)
            seen.add(parent)
            parent = subjects[parent].group
    return covers


DEEP_WEIGHT = 0.5
"""A region marked ``deep`` counts this much of its area when views are compared: a view
where the subject lies under others is chosen only when it shows it twice as large."""


def choose_view(
    diagrams: list[Diagram],
    keys: set[str],
    group: bool = False,
    members: Collection[Collection[str]] = (),
) -> tuple[Diagram, tuple[Region, ...]] | None:
    """The view where the subject (``keys``: it and its members) is seen best, and its regions
    there: for a group, a view showing every one of its ``members`` (each the keys that stand
    for it: a member and what lies below it) first, so its picture is the whole group as the
    deck defines it (the gluteal muscles from the side, with the minimus under the medius, not
    the gluteus maximus alone from behind); then one where two or more of its members
    show on the surface, then one where two or more show at all (else its picture would be one
    member's, or that member's with a dashed outline added); then the largest share of the
    view's area (summed over the regions), deep regions counted at :data:`DEEP_WEIGHT`, so a
    view where the subject is not under others is preferred; on a tie, the first file by
    name. Where this is not the view a learner tells the subject apart in, its author names
    the view (``view`` in ``subjects.yaml``, which :func:`subject_pictures` passes alone): from
    behind, the calf muscles are nearly all gastrocnemius."""
    best: tuple[tuple[bool, int, int, float], Diagram, tuple[Region, ...]] | None = None
    for diagram in diagrams:
        hits = tuple(region for region in diagram.regions if keys.intersection(region.keys))
        if not hits:
            continue
        named = {key for region in hits for key in region.keys}
        whole = all(named.intersection(member) for member in members)
        kinds = len({frozenset(region.keys) for region in hits}) if group else 1
        seen = len({frozenset(region.keys) for region in hits if not region.deep}) if group else 1
        area = sum(r.area * (DEEP_WEIGHT if r.deep else 1.0) for r in hits)
        score = (whole, min(seen, 2), min(kinds, 2), area / diagram.view_box.area)
        if best is None or score > best[0]:
            best = (score, diagram, hits)
    return None if best is None else (best[1], best[2])


HIDDEN_SLACK = 2.0
"""How far (in a diagram's units) a deep region may reach past the box of the region over it
and still count as lying wholly under it (:func:`no_picture_cards`)."""


def _members(key: str, subjects: Mapping[str, Subject]) -> list[Subject]:
    """A group's own members (subjects naming it in ``group``) that a picture can show."""
    return [m for m in subjects.values() if m.group == key and shows_a_shape(m.key, subjects)]


def no_picture_cards(
    key: str,
    subjects: Mapping[str, Subject],
    diagram: Diagram,
    hits: tuple[Region, ...],
    covers: Mapping[str, set[str]],
) -> str:
    """Why a subject that :func:`shows_a_shape` gets no picture cards from its picture
    (``hits``: its regions in ``diagram``, its chosen view), or ``""`` when it gets them. A
    *which is highlighted?* card must have one right answer that a learner can see:

    - a group whose picture leaves out one of its members (the deck's members: subjects
      naming it in ``group``) shows part of the group, which is no group's name;
    - a group whose picture borrows a muscle, tendon, fascia or bone the deck files elsewhere
      (the hip extensors: the gluteus maximus and the hamstrings) is those subjects put
      together: "gluteus maximus and hamstrings" is as right as its name;
    - a subject whose regions all lie deep, each wholly within a region over it of another
      subject (the gluteus minimus under the medius), is that subject's picture with a dashed
      outline added: at phone size the two are the same picture.
    """
    subject = subjects[key]
    named = {name for region in hits for name in region.keys}
    if subject.kind == "group":
        missing = [m.name for m in _members(key, subjects) if not named & covers[m.key]]
        if missing:
            return (
                f"no view shows all of the group: its picture left out {', '.join(missing)}, "
                "so it was no group's name."
            )
        borrowed = sorted(
            subjects[name].name
            for name in named - covers[key]
            if name in subjects and subjects[name].kind in SHAPE_KINDS
        )
        if borrowed:
            return (
                f"its picture highlighted {listed(borrowed)} together, which the deck files "
                "under other subjects: naming them was as right as naming the group."
            )
        return ""
    if not hits or not all(region.deep for region in hits):
        return ""
    for other in diagram.regions:
        over = [name for name in other.keys if name in subjects and name not in covers[key]]
        if other.deep or not over:
            continue
        if all(other.box.contains(region.box, HIDDEN_SLACK) for region in hits):
            name = subjects[over[0]].name
            return (
                f"it lies wholly under another muscle ({name}): at phone size its picture was "
                f"that muscle's with a dashed outline added."
            )
    return ""


def _caption_band(width: float) -> float:
    return CAPTION_PX * width / WIDTH_PX


def _fit(crop: Box, drawing: Box) -> Box:
    """``crop`` moved (and, if larger than the drawing, cut) to lie inside ``drawing``."""
    width, height = min(crop.width, drawing.width), min(crop.height, drawing.height)
    x0 = min(max(crop.x0, drawing.x0), drawing.x1 - width)
    y0 = min(max(crop.y0, drawing.y0), drawing.y1 - height)
    return Box(x0, y0, x0 + width, y0 + height)


def _crop(highlight: Box, drawing: Box, context: float) -> Box:
    """The part of the drawing shown: the highlight with ``context`` times its longer side
    around it, widened or heightened toward the aspect limit (the caption band counted in).

    Where the drawing is too narrow (or too low) for that, the long side gives up context
    instead, down to :data:`END_CONTEXT` beyond each end of the highlight: a highlight longer
    than the aspect limit allows at the drawing's full width is the one case a picture exceeds
    it."""
    pad = context * max(highlight.width, highlight.height) + 2.0
    k = CAPTION_PX / WIDTH_PX  # caption band height per unit of width
    # The least a long side shows: the highlight, and for an elongated one its ends' context.
    tall = highlight.height > MAX_ASPECT * highlight.width
    wide = highlight.width > MAX_ASPECT * highlight.height
    least_w = highlight.width * (1 + 2 * END_CONTEXT * wide) + 4.0
    least_h = highlight.height * (1 + 2 * END_CONTEXT * tall) + 4.0
    width = min(max(highlight.width + 2 * pad, least_w), drawing.width)
    height = min(max(highlight.height + 2 * pad, least_h), drawing.height)
    if height + k * width > MAX_ASPECT * width:  # too tall: widen, else cut the context
        width = min(drawing.width, height / (MAX_ASPECT - k))
        height = min(height, max(least_h, width * (MAX_ASPECT - k)))
    elif width > MAX_ASPECT * (height + k * width):  # too wide: heighten, else cut
        height = min(drawing.height, width / MAX_ASPECT - k * width)
        width = min(width, max(least_w, MAX_ASPECT * height / (1 - MAX_ASPECT * k)))
    cx, cy = (highlight.x0 + highlight.x1) / 2, (highlight.y0 + highlight.y1) / 2
    return _fit(Box(cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2), drawing)


def picture_box(crop: Box) -> Box:
    """The whole picture: the crop with the caption band above it."""
    return Box(crop.x0, crop.y0 - _caption_band(crop.width), crop.x1, crop.y1)


def highlight_share(highlight: Box, crop: Box) -> float:
    return highlight.area / picture_box(crop).area


def frame(highlight: Box, drawing: Box) -> Box:
    """The crop for a highlight: as much context as keeps its box at :data:`MIN_SHARE` of the
    picture (with a little room), at most :data:`MAX_CONTEXT`, and at least :data:`MIN_CROP`
    across; never outside the drawing."""
    if highlight_share(highlight, _crop(highlight, drawing, MAX_CONTEXT)) >= _SHARE_TARGET:
        return _at_least(_crop(highlight, drawing, MAX_CONTEXT), drawing)
    low, high = 0.0, MAX_CONTEXT
    for _ in range(30):
        middle = (low + high) / 2
        if highlight_share(highlight, _crop(highlight, drawing, middle)) >= _SHARE_TARGET:
            low = middle
        else:
            high = middle
    return _at_least(_crop(highlight, drawing, low), drawing)


def min_crop_side(drawing: Box) -> float:
    """The shortest side a picture of ``drawing`` may have (:data:`MIN_CROP`)."""
    return MIN_CROP * max(drawing.width, drawing.height)


def _at_least(crop: Box, drawing: Box) -> Box:
    """``crop`` widened (or heightened) about its centre to :func:`min_crop_side`."""
    side = min_crop_side(drawing)
    width, height = max(crop.width, side), max(crop.height, side)
    if (width, height) == (crop.width, crop.height):
        return crop
    cx, cy = (crop.x0 + crop.x1) / 2, (crop.y0 + crop.y1) / 2
    return _fit(Box(cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2), drawing)


# --- Rendering -------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _element(node: Node, classes: list[str]) -> ET.Element:
    """A copy of ``node`` with only its geometry and ``classes``: no id, title, data-*."""
    element = ET.Element(f"{{{SVG_NS}}}{node.tag}")
    for name in _GEOMETRY.get(node.tag, ()):
        if name in node.attributes:
            element.set(name, node.attributes[name])
    if classes:
        element.set("class", " ".join(classes))
    for child in node.children:
        element.append(_element(child, list(child.classes)))
    return element


_LAYERS = ("halo", "rim", "hl")
"""A highlighted region is drawn three times: its pale halo, its heavy black rim, and its
highlighted shape over them, so the rim shows only outside the shape as a whole."""
_EDGES = ("case", "dash")
"""A deep highlighted region's outline, drawn over everything: black dashes, and pale dashes on
them, so the dashes show on a highlight, a muscle, a bone or the page alike."""


def _highlighted_layers(node: Node) -> list[ET.Element]:
    """``node`` in its :data:`_LAYERS`, ringed the same way whether it is highlighted alone or
    with others (its pale edge parts it from another highlighted shape where they meet)."""
    return [_element(node, [*node.classes, layer]) for layer in _LAYERS]


def _edges(node: Node) -> list[ET.Element]:
    return [_element(node, [*node.classes, "hl", "edge", edge]) for edge in _EDGES]


def _overlaps(first: Box, second: Box) -> bool:
    return (
        first.x0 < second.x1
        and second.x0 < first.x1
        and first.y0 < second.y1
        and second.y0 < first.y1
    )


def _classes(node: Node, over: tuple[Box, ...]) -> list[str]:
    """A context shape's classes, ``veil`` added to a see-through sheet (fascia) lying over a
    highlight (``over``: the highlighted regions' boxes): the highlight shows through it
    clearly (the vastus lateralis under the iliotibial band)."""
    classes = list(node.classes)
    if "fascia" in classes and node.box is not None and any(_overlaps(node.box, b) for b in over):
        classes.append("veil")
    return classes


@dataclass(frozen=True, slots=True)
class _Drawn:
    """One thing the drawing draws, in its order: a region, a shape, or a ``g`` with a tissue
    class (one structure); an unclassed ``g`` is only a folder of them."""

    node: Node
    highlighted: bool


def _copy(
    node: Node,
    highlighted: set[int],
    drawn: list[_Drawn],
    over: tuple[Box, ...] = (),
) -> list[ET.Element]:
    """The drawing's elements for a picture, in the drawing's order: highlighted ones
    (``highlighted``: the ``id`` of each highlighted region's node) in their layers
    (:data:`_LAYERS`), where they lie, so whatever the drawing puts over them stays over them
    (the soleus over the tibialis posterior, the inguinal ligament over the iliopsoas). Each
    thing drawn is listed in ``drawn``. Fascia over a highlight (``over``) is veiled
    (:func:`_classes`)."""
    out: list[ET.Element] = []
    for child in node.children:
        if "region" in child.classes and child.box is not None and id(child) in highlighted:
            out.extend(_highlighted_layers(child))
            drawn.append(_Drawn(child, True))
            continue
        if child.tag == "g" and not child.classes:
            group = ET.Element(f"{{{SVG_NS}}}g")
            group.extend(_copy(child, highlighted, drawn, over))
            out.append(group)
            continue
        out.append(_element(child, _classes(child, over)))
        drawn.append(_Drawn(child, False))
    return out


def _above_ghosts(drawn: list[_Drawn], over: tuple[Box, ...]) -> list[ET.Element]:
    """What is drawn again over a deep view's ghosts (its superficial muscles, drawn faintly over
    it) where they would veil the highlight: the highlighted regions, and after each, in the
    drawing's order, what lies over them there (not ghosts). Nothing when no ghost drawn after
    a highlighted region overlaps it."""
    first = next((i for i, item in enumerate(drawn) if item.highlighted), None)
    if first is None:
        return []
    veiling = any(
        "ghost" in item.node.classes
        and item.node.box is not None
        and any(_overlaps(item.node.box, box) for box in over)
        for item in drawn[first:]
    )
    if not veiling:
        return []
    out: list[ET.Element] = []
    for item in drawn[first:]:
        box = item.node.box
        if item.highlighted:
            out.extend(_highlighted_layers(item.node))
        elif "ghost" not in item.node.classes and box is not None:
            if any(_overlaps(box, highlight) for highlight in over):
                out.append(_element(item.node, _classes(item.node, over)))
    return out


CAPTION_SIZE = 22.0
"""The caption's font size in intrinsic px (about its size on a phone: pictures are 360 px
wide and shown 358 to 390 px wide): a 17 px phone's body text, bold."""
MIN_CAPTION_SIZE = 20.0
"""No caption is set smaller: a caption longer than fits at this size is a diagram error."""
_CAPTION_EM = 0.5
"""Bold system sans-serif letters average under half an em (0.46 em in Chromium)."""
_CAPTION_PAD = 6.0
"""Room between the badge's edge and the caption's text, and between the badge and the
picture's edge, in intrinsic px."""


def caption_size(caption: str) -> float:
    """The caption's font size in intrinsic px: :data:`CAPTION_SIZE`, smaller (down to
    :data:`MIN_CAPTION_SIZE`) for a caption too long to fit the width."""
    room = WIDTH_PX - 4 * _CAPTION_PAD
    return round(min(CAPTION_SIZE, room / (_CAPTION_EM * max(len(caption), 1))), 2)


MAX_CAPTION_CHARS = int((WIDTH_PX - 4 * _CAPTION_PAD) / (_CAPTION_EM * MIN_CAPTION_SIZE))
"""The longest caption (in characters) set at :data:`MIN_CAPTION_SIZE` or larger."""


def caption_fits(caption: str) -> bool:
    """Whether ``caption`` fits a picture's width at :data:`MIN_CAPTION_SIZE` or larger."""
    return len(caption) <= MAX_CAPTION_CHARS


def render(diagram: Diagram, highlighted: Collection[int], crop: Box) -> bytes:
    """The picture of ``diagram`` cropped to ``crop`` with the regions ``highlighted``.

    The outer picture is in intrinsic pixels: the caption on its badge on top, and below it a
    nested <svg> whose viewBox is the crop, which also clips the drawing to the crop. The
    drawing keeps its layers (:func:`_copy`), drawn again over its ghosts where they would veil
    the highlight (:func:`_above_ghosts`); then each deep region's dashed outline (:data:`_EDGES`)
    over everything."""
    chosen = set(highlighted)
    regions = [region for region in diagram.regions if region.index in chosen]
    scale = WIDTH_PX / crop.width
    height_px = CAPTION_PX + crop.height * scale
    root = ET.Element(f"{{{SVG_NS}}}svg")
    root.set("viewBox", f"0 0 {_fmt(WIDTH_PX)} {_fmt(height_px)}")
    root.set("width", _fmt(WIDTH_PX))
    root.set("height", _fmt(height_px))
    style = ET.SubElement(root, f"{{{SVG_NS}}}style")
    size = caption_size(diagram.caption)
    style.text = (
        PICTURE_CSS + f"svg svg {{ --u: {_fmt(1 / scale)}px; }}\n"
        f".fg-caption {{ font-size: {_fmt(size)}px; }}\n"
    )
    badge = ET.SubElement(root, f"{{{SVG_NS}}}rect")
    badge.set("class", "fg-badge")
    width = min(
        WIDTH_PX - _CAPTION_PAD, 2 * _CAPTION_PAD + _CAPTION_EM * size * len(diagram.caption)
    )
    for name, value in (("x", 2), ("y", 2), ("width", width), ("height", CAPTION_PX - 6),
                        ("rx", 6)):  # fmt: skip
        badge.set(name, _fmt(value))
    text = ET.SubElement(root, f"{{{SVG_NS}}}text")
    text.set("class", "fg-caption")
    text.set("x", _fmt(2 + _CAPTION_PAD))
    text.set("y", _fmt((CAPTION_PX - 2) / 2 + size * 0.36))
    text.text = diagram.caption  # ElementTree escapes it
    view = ET.SubElement(root, f"{{{SVG_NS}}}svg")
    for name, value in (
        ("x", 0),
        ("y", CAPTION_PX),
        ("width", WIDTH_PX),
        ("height", crop.height * scale),
    ):
        view.set(name, _fmt(value))
    view.set("viewBox", " ".join(_fmt(v) for v in (crop.x0, crop.y0, crop.width, crop.height)))
    over = tuple(region.box for region in regions)
    drawn: list[_Drawn] = []
    view.extend(_copy(diagram.root, {id(region.node) for region in regions}, drawn, over))
    view.extend(_above_ghosts(drawn, over))
    for region in regions:  # a deep one's outline shows over what covers it
        if region.deep:
            view.extend(_edges(region.node))
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return data


def to_picture(crop: Box, box: Box) -> Box:
    """``box`` (diagram units) in the picture's intrinsic pixels."""
    scale = WIDTH_PX / crop.width
    return Box(
        (box.x0 - crop.x0) * scale,
        CAPTION_PX + (box.y0 - crop.y0) * scale,
        (box.x1 - crop.x0) * scale,
        CAPTION_PX + (box.y1 - crop.y0) * scale,
    )


def content_name(stem: str, suffix: str, data: bytes) -> str:
    """A media name derived from the content: a changed file gets a new name, which Anki
    then imports (it keeps a file it already has under the same name)."""
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:12]}{suffix}"


@dataclass(frozen=True, slots=True)
class Picture:
    """A derived picture: its media name (from its content only) and SVG bytes."""

    name: str
    data: bytes


def _named(data: bytes) -> Picture:
    return Picture(content_name("fg-view", ".svg", data), data)


@dataclass(frozen=True, slots=True)
class SubjectPictures:
    """For one subject: its highlighted picture and the same view and crop, nothing
    highlighted; where they come from, for tests and messages."""

    highlighted: Picture
    blank: Picture
    view: str = ""
    """The diagram's name."""
    caption: str = ""
    crop: Box = Box(0, 0, 1, 1)
    """The part of the drawing shown (the caption band sits above it)."""
    highlight: Box = Box(0, 0, 1, 1)
    """The bounding box of the highlighted regions."""
    regions: tuple[tuple[str, ...], ...] = ()
    """The subjects each highlighted region names (its ``data-subjects``)."""
    indices: tuple[int, ...] = ()
    """The highlighted regions' places among their diagram's regions (:attr:`Region.index`)."""
    source: str = ""
    """What the drawing it was cut from follows (:attr:`Diagram.source`)."""
    no_cards: str = ""
    """Why this subject's picture makes no picture cards (:func:`no_picture_cards`), or
    ``""``: it makes them when it :func:`shows_a_shape`."""

    @property
    def cards(self) -> bool:
        """Whether the picture makes picture cards, for a subject that shows a shape."""
        return not self.no_cards


def subject_pictures(
    diagrams: list[Diagram], subjects: Mapping[str, Subject]
) -> dict[str, SubjectPictures]:
    """The pictures of every subject a picture can show: one that :func:`shows_a_shape`, or a
    joint or region a diagram draws as its own region. A region drawn only through its
    members (the hip, through its muscle groups) gets none: that picture would show muscles in
    its place."""
    covers = _covers(subjects)
    by_name = {diagram.name: diagram for diagram in diagrams}
    pictures: dict[str, SubjectPictures] = {}
    for key in subjects:
        group = subjects[key].kind == "group"
        members = [covers[m.key] for m in _members(key, subjects)] if group else []
        chosen = None
        view = subjects[key].view
        if view is not None and view in by_name:  # the author's choice (view_problems checks it)
            chosen = choose_view([by_name[view]], covers[key], group, members)
        if chosen is None:
            chosen = choose_view(diagrams, covers[key], group, members)
        if chosen is None:
            continue
        diagram, hits = chosen
        shape = shows_a_shape(key, subjects)
        if not shape and not all(key in hit.keys for hit in hits):
            continue  # a joint, region or term drawn only through others: never shown as it
        highlight = reduce(Box.union, (hit.box for hit in hits))
        crop = frame(highlight, diagram.drawn)
        pictures[key] = SubjectPictures(
            highlighted=_named(render(diagram, {r.index for r in hits}, crop)),
            blank=_named(render(diagram, (), crop)),
            view=diagram.name,
            caption=diagram.caption,
            crop=crop,
            highlight=highlight,
            regions=tuple(region.keys for region in hits),
            indices=tuple(region.index for region in hits),
            source=diagram.source,
            no_cards=no_picture_cards(key, subjects, diagram, hits, covers) if shape else "",
        )
    return pictures


def all_pictures(pictures: Mapping[str, SubjectPictures]) -> Iterator[Picture]:
    seen: set[str] = set()
    for item in pictures.values():
        for picture in (item.highlighted, item.blank):
            if picture.name not in seen:
                seen.add(picture.name)
                yield picture


def read_diagrams(sources: DeckSources) -> tuple[list[Diagram], list[Problem]]:
    """The deck's diagrams, read and checked (their sources as a card's are), and their
    problems."""
    shown = sources.shown(DIAGRAMS_DIR)
    diagrams, problems = load_diagrams(sources.root, shown, sources.subjects)
    for diagram in diagrams:
        where = Where(f"{shown}/{diagram.name}.svg", diagram.root.line, diagram.root.col)
        problems.extend(unknown_references(diagram.source, sources.config, where))
    return diagrams, problems


def derive_pictures(sources: DeckSources) -> tuple[dict[str, SubjectPictures], list[Problem]]:
    """Every subject's pictures from the deck's diagrams, and the diagrams' problems."""
    diagrams, problems = read_diagrams(sources)
    return subject_pictures(diagrams, sources.subjects), problems


def deck_pictures(sources: DeckSources) -> dict[str, SubjectPictures]:
    return derive_pictures(sources)[0]


# --- Picture cards ---------------------------------------------------------------------------

PICTURE_CUE = "Picture:"
"""The context cue of every picture card: it names no body part, so it gives nothing away."""
IDENTIFY_QUESTION = f"{PICTURE_CUE} which muscle, muscle group or structure is highlighted?"
"""The question of a picture card whose subject's kind is not known (a retired one's)."""
IDENTIFY_BY_KIND = {
    "muscle": f"{PICTURE_CUE} which muscle or muscles are highlighted?",
    "group": f"{PICTURE_CUE} which muscle group is highlighted?",
    "tendon": f"{PICTURE_CUE} which tendon is highlighted?",
    "fascia": f"{PICTURE_CUE} which fascia is highlighted?",
    "bone": f"{PICTURE_CUE} which bony structure is highlighted?",
}
"""The question asks for the kind of answer its subject is (rubric M4: one right answer): a
reader shown three vasti could name them or 'the quadriceps without the rectus femoris', the
arch's bones 'the arch' or 'the tarsals'. 'Muscle or muscles': a subject such as the vasti or
the long toe extensors is several muscles under one name."""
SHAPE_KINDS = frozenset({"muscle", "tendon", "fascia", "bone"})
"""Kinds of subject a picture tells apart by shape (see :func:`shows_a_shape`)."""
RETIRED_NOT_A_SHAPE = (
    "picture cards are kept for muscles, tendons, fascia, bones and muscle groups, whose shape "
    "a picture shows; a joint or a whole region is learned from its written cards."
)
RETIRED_NO_SUBJECT = "its subject is no longer in the deck."


def shows_a_shape(
    key: str, subjects: Mapping[str, Subject], _seen: frozenset[str] = frozenset()
) -> bool:
    """Whether a picture can tell this subject apart, so it gets picture cards. Read from its
    ``kind`` (the rule is stated for authors at the top of ``cards/subjects.yaml``):

    - a muscle, tendon, fascia (a band such as the iliotibial band is fascia) or bone (the foot
      arch): yes, its outline, attachments and texture are what a picture shows;
    - a group: yes when every subject in it (through ``group``) passes this rule, so it is a
      group of muscles and tendons highlighted together ("which group is highlighted?" is
      fair); a group of terms (gait) is not;
    - a joint (where bones meet, not a shape to recognise), a region (hip; ankle and foot: a
      part of the body, not one thing) or a term: no.
    """
    subject = subjects.get(key)
    if subject is None or key in _seen:
        return False
    if subject.kind in SHAPE_KINDS:
        return True
    if subject.kind == "group":
        members = [m for m in subjects.values() if m.group == key]
        return all(shows_a_shape(m.key, subjects, _seen | {key}) for m in members)
    return False


_PARENTHESES = re.compile(r"\([^()]*\)")
_ARTICLES = frozenset({"the", "a", "an"})


def _name_words(text: str) -> tuple[str, ...]:
    """The words of ``text`` as names are compared: lower case, a plural's "s" dropped."""
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") else w
                 for w in re.findall(r"[a-z0-9]+", text.lower()))  # fmt: skip


def _as_name(answer: str) -> tuple[str, ...]:
    """An answer as the name it may be: without parentheses ("Tensor fasciae latae (TFL)") and
    a leading article ("The quadriceps")."""
    words = _name_words(_PARENTHESES.sub(" ", answer))
    return words[1:] if words[:1] and words[0] in _ARTICLES else words


def _names_of(subject: Subject) -> list[str]:
    return [subject.name, _PARENTHESES.sub(" ", subject.name), *subject.aliases]


@dataclass(frozen=True, slots=True)
class _SubjectIndex:
    """What picture decisions look up per card, worked out once per deck."""

    subjects: Mapping[str, Subject]
    shapes: frozenset[str]
    """The subjects :func:`shows_a_shape`."""
    covers: dict[str, set[str]]
    """Each subject, and every subject below it through ``group``."""
    by_name: dict[tuple[str, ...], frozenset[str]]
    """The subjects (terms aside) each name or alias, as :func:`_name_words`, belongs to."""


_INDEX: list[_SubjectIndex] = []


def _index(subjects: Mapping[str, Subject]) -> _SubjectIndex:
    """The index of ``subjects``, kept for the last mapping asked about (one deck a run)."""
    if _INDEX and _INDEX[0].subjects is subjects:
        return _INDEX[0]
    by_name: dict[tuple[str, ...], set[str]] = {}
    for key, subject in subjects.items():
        if subject.kind == "term":
            continue  # "Dorsiflexion" under the shin muscles: what they do, not what is shown
        for name in _names_of(subject):
            if _name_words(name):
                by_name.setdefault(_name_words(name), set()).add(key)
    index = _SubjectIndex(
        subjects,
        frozenset(key for key in subjects if shows_a_shape(key, subjects)),
        _covers(subjects),
        {name: frozenset(keys) for name, keys in by_name.items()},
    )
    _INDEX[:] = [index]
    return index


def answered_subjects(answer: str, subjects: Mapping[str, Subject]) -> frozenset[str]:
    """The subjects (terms aside) an answer *is*: "The quadriceps", "Tensor fasciae latae
    (TFL)", "Vastus lateralis" (an alias of the vasti); none for "Extend (straighten) it"."""
    return _index(subjects).by_name.get(_as_name(answer), frozenset())


def answer_picture(
    card: Card, subjects: Mapping[str, Subject], pictures: Mapping[str, SubjectPictures]
) -> Picture | None:
    """The picture a written card shows after its answer, or ``None``: the one place that
    decides it (:func:`answer_picture_subject` says whose picture it is)."""
    key = answer_picture_subject(card, subjects, pictures)
    return None if key is None else pictures[key].highlighted


def answer_picture_subject(
    card: Card, subjects: Mapping[str, Subject], pictures: Mapping[str, SubjectPictures]
) -> str | None:
    """Whose picture a written card shows after its answer, if any.

    - A subject that :func:`shows_a_shape` shows its highlighted picture; but a basic card of
      a group whose answer is one member ("Glutes: which gluteal muscle keeps the pelvis
      level? Gluteus medius") shows that member's, not the whole group highlighted.
    - A joint or region shows a picture only where a diagram draws it as its own region. Drawn
      only through its members (the hip's muscle groups, the ankle and foot's arch and fascia)
      it shows none: muscles must not stand in its place.
    - Terms and generated cards (they carry their pictures in their fields) show none.

    Whether the picture agrees with the answer is :func:`picture_answer_problems`' to say."""
    if card.generated or card.subject is None:
        return None
    subject, item = subjects.get(card.subject), pictures.get(card.subject)
    if subject is None or item is None or subject.kind == "term":
        return None
    index = _index(subjects)
    if card.subject in index.shapes:
        if subject.kind == "group" and card.cloze is None:
            members = answered_subjects(card.back or "", subjects) & index.covers[card.subject]
            member = next(iter(members)) if len(members) == 1 else None
            if member is not None and member in index.shapes and member in pictures:
                return member
        return card.subject
    if all(card.subject in keys for keys in item.regions):
        return card.subject  # the joint or region drawn as itself
    return None


PICTURE_ANSWER = "picture-answer"


def _answers(card: Card) -> list[str]:
    """What a learner recalls: a basic card's back, or each of a cloze's deletions."""
    if card.cloze is not None:
        return [deletion.answer for deletion in clozes(card.cloze)]
    return [card.back or ""]


def _highlighted(item: SubjectPictures, index: _SubjectIndex) -> set[str]:
    """The subjects a picture highlights: each highlighted region's, and every subject whose
    members (through ``group``) are all among them."""
    shown = {key for keys in item.regions for key in keys}
    for key, below in index.covers.items():
        if len(below) > 1 and below - {key} <= shown:
            shown.add(key)
    return shown


def picture_answer_problems(
    cards: Iterable[Card], subjects: Mapping[str, Subject], pictures: Mapping[str, SubjectPictures]
) -> Iterator[Problem]:
    """Rule ``picture-answer`` (a warning): a card whose answer *is* a subject
    (:func:`answered_subjects`: "Achilles tendon", "The quadriceps") that the picture shown
    after it (:func:`answer_picture`) does not highlight, while its question does not name what
    the picture highlights either: the learner would take the highlighted shape for the answer
    ("which tissue stores the most elastic energy? Achilles tendon" under the foot arch).

    A question that names the highlighted subject says what is shown ("what does the Achilles
    tendon carry? The calf muscles' pull" under the Achilles tendon is fine). The fix is the
    card's ``subject``, which the picture follows, or a question naming it; ``allow:
    {picture-answer: why}`` keeps a picture the author judged right. Retired cards are left
    alone."""
    index = _index(subjects)
    names = {key: _names_of(subject) for key, subject in subjects.items()}
    for card in cards:
        if card.retired or PICTURE_ANSWER in card.allow or card.subject is None:
            continue
        shown_key = answer_picture_subject(card, subjects, pictures)
        if shown_key is None:
            continue
        shown = subjects[shown_key]
        highlighted = _highlighted(pictures[shown_key], index)
        question_names_it = bool(names_in(card.question, names[shown_key]))
        field = "cloze" if card.cloze is not None else "back"
        where = card.at("subject") if card.written("subject") else card.at(field)
        reported: set[str] = set()
        for answer in _answers(card):
            named = answered_subjects(answer, subjects)
            if named & highlighted or question_names_it:
                continue
            for key in sorted(named - reported):
                reported.add(key)
                yield Problem(
                    where,
                    f"the answer '{answer.strip()}' names {subjects[key].name}, but the picture "
                    f"after it highlights {shown.name}, which the question does not name: set "
                    f"'subject: {key}' if the card is about it, or name {shown.name} in the "
                    "question",
                    PICTURE_ANSWER,
                    "warning",
                )


def _picture_markdown(picture: Picture, caption: str) -> str:
    return f"![{markdown_literal(caption)}]({picture.name})"


def _card(
    card_id: str,
    subject_key: str,
    where: Where,
    front: str,
    back: str,
    aspects: tuple[str, ...],
    retired: str | None = None,
    extra: str = "",
    source: str = "",
) -> Card:
    return Card(
        id=card_id,
        where=where,
        front=front,
        back=back,
        extra=extra,
        source=source,
        subject=subject_key,
        aspects=aspects,
        tags=("picture",),
        retired=retired,
        generated=True,
    )


def _cards_for(
    key: str,
    name: str,
    where: Where,
    pictures: SubjectPictures | None,
    aspects: tuple[str, ...],
    retired: str | None = None,
    source: str = "",
    kind: str | None = None,
) -> tuple[Card, Card]:
    if pictures is not None:
        highlighted = _picture_markdown(pictures.highlighted, pictures.caption)
        blank = "\n\n" + _picture_markdown(pictures.blank, pictures.caption)
    else:
        highlighted = "*(This picture is no longer in the deck.)*"
        blank = ""
    # "Vasti (vastus lateralis, medialis, intermedius)": the answer is the name, the parts
    # in parentheses are an explanation.
    answer, opening, parenthesis = name.partition(" (")
    which = _card(
        f"{PICTURE_PREFIX}which-{key}",
        key,
        where,
        f"{IDENTIFY_BY_KIND.get(kind or '', IDENTIFY_QUESTION)}\n\n{highlighted}",
        markdown_literal(answer),
        aspects,
        retired,
        extra=markdown_literal(parenthesis.removesuffix(")")) if opening else "",
        source=source,
    )
    point = _card(
        f"{PICTURE_PREFIX}point-{key}",
        key,
        where,
        f"{PICTURE_CUE} point to **{markdown_literal(name)}**.{blank}",
        highlighted if pictures is not None else markdown_literal(name),
        aspects,
        retired,
        source=source,
    )
    return which, point


def _cited_by_subject(sources: DeckSources) -> dict[str, set[str]]:
    """For each subject, the reference keys its written cards cite (a deck with references)."""
    cited: dict[str, set[str]] = {}
    for card in sources.cards:
        if card.subject is not None and not card.generated:
            cited.setdefault(card.subject, set()).update(card.source_keys)
    return cited


def picture_source(
    item: SubjectPictures,
    sources: DeckSources,
    cited: Mapping[str, set[str]],
    subjects: Collection[str],
) -> str:
    """What a picture card cites: the references the drawing follows (its diagram's
    ``data-source``) that the pictured ``subjects``' own cards cite too (the ones about what it
    shows), or all of the drawing's when they cite none of them; in a deck without
    references, the drawing's source as written."""
    config = sources.config
    if not item.source or config is None or not config.references:
        return item.source
    drawn = source_keys(item.source)
    theirs = set().union(*(cited.get(key, set()) for key in subjects))
    return ", ".join([key for key in drawn if key in theirs] or drawn)


def makes_picture_cards(
    key: str, subjects: Mapping[str, Subject], pictures: Mapping[str, SubjectPictures]
) -> bool:
    """Whether a subject gets picture cards: it :func:`shows_a_shape`, a diagram shows it, and
    its picture can be told apart and named (:func:`no_picture_cards` finds no reason not
    to)."""
    item = pictures.get(key)
    return item is not None and item.cards and shows_a_shape(key, subjects)


def picture_cards(
    sources: DeckSources,
    pictures: Mapping[str, SubjectPictures],
    released: Collection[str] = (),
) -> list[Card]:
    """Two picture cards for every subject that :func:`makes_picture_cards`: *which is
    highlighted?* (the picture, nothing else on the front) and *point to it* (the same view and
    crop, unhighlighted; answered with the highlight).

    Released picture cards (ids in ``released``, the lock) of subjects that no longer get
    picture cards are built as retired cards, saying why, so learners' copies are marked, not
    left behind. Each card is placed at its subject's manifest entry.
    """
    # They teach where a subject is, in a deck that declares that aspect.
    declared = sources.config.aspects if sources.config is not None else {}
    aspects = ("location",) if "location" in declared else ()
    cards: list[Card] = []
    live: set[str] = set()
    cited = _cited_by_subject(sources)
    covers = _covers(sources.subjects)
    for key, subject in sources.subjects.items():
        if makes_picture_cards(key, sources.subjects, pictures):
            source = picture_source(pictures[key], sources, cited, covers[key])
            cards.extend(
                _cards_for(
                    key,
                    subject.name,
                    subject.where,
                    pictures[key],
                    aspects,
                    None,
                    source,
                    subject.kind,
                )
            )
            live.add(key)
    retired: dict[str, str] = {}
    for card_id in sorted(released):
        for kind in ("which-", "point-"):
            if card_id.startswith(PICTURE_PREFIX + kind):
                key = card_id[len(PICTURE_PREFIX + kind) :]
                if key not in live:
                    retired[key] = card_id
    for key in sorted(retired):
        gone = sources.subjects.get(key)
        item = pictures.get(key)
        shape = gone is not None and shows_a_shape(key, sources.subjects)
        if shape and item is None:
            continue  # a shape no diagram shows any more: the lock reports it (card-removed)
        if gone is None:
            reason = RETIRED_NO_SUBJECT
        else:
            reason = item.no_cards if shape and item is not None else RETIRED_NOT_A_SHAPE
        where = gone.where if gone is not None else Where(sources.shown("deck.lock"))
        name = gone.name if gone is not None else key.replace("-", " ")
        source = picture_source(item, sources, cited, covers.get(key, {key})) if item else ""
        which, point = _cards_for(key, name, where, item, aspects, reason, source)
        if gone is None:  # about a subject the deck no longer has
            which, point = (replace(card, subject=None) for card in (which, point))
        cards.extend(card for card in (which, point) if card.id in released)
    return cards
