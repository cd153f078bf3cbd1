"""When in the stride each muscle works: ``cards/stride.yaml``, checked, and drawn as charts.

The data file gives, per manifest subject, the parts of one running stride in which it is active
(per cent of the stride from foot strike, 0, to the next foot strike of the same foot, 100), at
one or more speeds, with a role from :data:`ROLES` and a ``source`` (keys of deck.yaml
``references``) on every number. :func:`load_stride` reads and validates it with located
problems; :func:`derive_charts` draws one SVG chart per subject with data and an overview of
every muscle the article names; :func:`chart_cards` makes the generated ``chart-`` card.

The charts are drawn on their own dark, neutral rounded panel: an ``<img>`` cannot see Anki's
``nightMode`` class, and no text colour reads at 4.5:1 on both a white and a near-black card,
so the chart brings its background with it (dim enough not to glare in night mode). Every bar
carries its role three ways: a label next to it, a fill pattern, and a colour. The SVG is built
with :mod:`xml.etree.ElementTree`, which escapes every text and attribute value.

The stance and swing phases are split at their middles (midstance, mid swing): a schematic
division after Novacheck 1998, drawn as dashed lines, while toe-off is the data's own value.
"""

from __future__ import annotations

import difflib
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flashgen.markup import image_tag, markdown_literal
from flashgen.pictures import Picture, content_name
from flashgen.problems import Problem, Where
from flashgen.sources import (
    STRIDE_FILE,
    Card,
    DeckSources,
    Reader,
    Subject,
    source_keys,
    unknown_references,
)
from flashgen.svgsafe import SVG_NS
from flashgen.yamlsource import YamlProblem, YMap, YNode, YScalar, YSeq, parse, read_text


@dataclass(frozen=True, slots=True)
class Role:
    key: str
    label: str
    """Shown next to each bar on a subject's chart."""
    short: str
    """Shown next to each bar on the overview chart, explained in its legend."""
    colour: str
    pattern: str
    """How the bar is hatched, so colour is never the only carrier of the role."""


# The roles a span may have: the single source of truth for the data, its checks and the charts.
# Colours are light enough for 3:1 against the chart's dark panel; patterns differ pairwise.
ROLES: dict[str, Role] = {
    role.key: role
    for role in (
        Role("absorb", "brake and absorb", "brake", "#fca5a5", "horizontal"),
        Role("support", "support the body", "support", "#fcd34d", "solid"),
        Role("propel", "propel", "propel", "#86efac", "diagonal"),
        Role("swing", "swing the leg forward", "swing", "#93c5fd", "dots"),
        Role("slow", "slow the leg before landing", "slow leg", "#d8b4fe", "cross"),
        Role("pelvis", "steady the pelvis", "pelvis", "#f9a8d4", "vertical"),
        Role("lift-foot", "lift the foot clear", "lift foot", "#5eead4", "antidiagonal"),
        Role("prepare", "brace for landing", "brace", "#fdba74", "grid"),
    )
}

# Rule ids this module reports (check.RULES lists them with their summaries).
RULE_SUMMARIES = {
    "stride-range": "stride.yaml: a span outside 0-100 or not from < to; toe_off outside 0-100.",
    "stride-role": "stride.yaml: a role outside the fixed vocabulary (with a suggestion).",
    "stride-source": "stride.yaml: a span or speed without a source key.",
    "stride-speed": "stride.yaml: a span at a speed not defined under 'speeds'.",
    "stride-missing": "stride.yaml: a muscle or group the article names has no spans.",
}
TOP_KEYS = ("speeds", "muscles")
SPEED_KEYS = ("label", "toe_off", "source")
MUSCLE_KEYS = ("subject", "note", "spans")
SPAN_KEYS = ("speed", "from", "to", "role", "source")
REFERENCE_SPEED = "easy"
"""The speed whose toe-off the charts' axis shows (the first speed listed when there is none)."""
CHART_KINDS = ("muscle", "group")
MAX_SPANS = 40
"""Spans of one muscle, all speeds together: a chart packs overlapping spans into lanes, each
against every other."""


@dataclass(frozen=True, slots=True)
class Speed:
    key: str
    label: str
    toe_off: float
    """Stance share: toe-off as per cent of the stride."""
    source: str
    where: Where


@dataclass(frozen=True, slots=True)
class Span:
    speed: str
    start: float
    end: float
    role: str
    source: str
    where: Where


@dataclass(frozen=True, slots=True)
class MuscleData:
    subject: str
    note: str
    spans: tuple[Span, ...]
    where: Where


@dataclass(frozen=True, slots=True)
class StrideData:
    file: str
    speeds: dict[str, Speed]
    muscles: dict[str, MuscleData]

    @property
    def reference(self) -> Speed | None:
        if REFERENCE_SPEED in self.speeds:
            return self.speeds[REFERENCE_SPEED]
        return next(iter(self.speeds.values()), None)


def article_muscles(subjects: Mapping[str, Subject]) -> list[str]:
    """The muscles and groups the article names, which the data must cover, in manifest order.

    Umbrella groups are left out: a group none of whose members is a muscle (``hip``, whose
    members are the hip muscle groups; ``ankle-foot``, whose members are a joint and the foot's
    passive structures) has no activity of its own to chart; its members carry it. Gait terms,
    joints and structures have no EMG either.
    """
    members: dict[str, list[Subject]] = {}
    for subject in subjects.values():
        if subject.group is not None:
            members.setdefault(subject.group, []).append(subject)
    keys = []
    for key, subject in subjects.items():
        if not subject.named_in_source or subject.kind not in CHART_KINDS:
            continue
        below = members.get(key, [])
        if subject.kind == "group" and below and all(m.kind != "muscle" for m in below):
            continue
        keys.append(key)
    return keys


class _Checker(Reader):
    """The card sources' reader (keys, text, problems), with stride.yaml's own values."""

    def __init__(self, shown: str, sources: DeckSources) -> None:
        super().__init__()
        self.shown = shown
        self.sources = sources

    def number(self, node: YMap, key: str, what: str) -> float | None:
        value = node.items.get(key)
        if value is None:
            self.error(node.where, f"{what} is missing required key '{key}'", "missing-key")
            return None
        if (
            not isinstance(value, YScalar)
            or isinstance(value.value, bool)
            or not isinstance(value.value, (int, float))
        ):
            self.error(
                value.where, f"'{key}' must be a number (per cent of the stride)", "wrong-type"
            )
            return None
        return float(value.value)

    def source(self, node: YMap, what: str) -> str | None:
        """The ``source`` of a span or speed: present, and every key a deck reference."""
        value = node.items.get("source")
        if value is None:
            self.error(
                node.where,
                f"{what} has no 'source': cite a key of deck.yaml 'references' for every number",
                "stride-source",
            )
            return None
        text = self.string(node, "source", what, required=True)
        if text is None:
            return None
        self.problems.extend(unknown_references(text, self.sources.config, value.where))
        return text

    def subject(self, value: YNode | None, where: Where) -> str | None:
        if value is None:
            self.error(where, "a muscle entry is missing required key 'subject'", "missing-key")
            return None
        if not isinstance(value, YScalar) or not isinstance(value.value, str):
            self.error(value.where, "'subject' must be a manifest key", "wrong-type")
            return None
        key = value.value.strip()
        subjects = self.sources.subjects
        if key not in subjects:
            close = difflib.get_close_matches(key, subjects, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            manifest = self.sources.subjects_file or "subjects.yaml"
            self.error(
                value.where, f"subject '{key}' is not in {manifest}{hint}", "unknown-subject"
            )
            return None
        return key


def _read_speeds(node: YNode | None, top: YMap, check: _Checker) -> dict[str, Speed]:
    if node is None:
        check.error(top.where, f"{check.shown} is missing required key 'speeds'", "missing-key")
        return {}
    if not isinstance(node, YMap):
        check.error(
            node.where,
            "'speeds' must be a mapping of speed key: {label, toe_off, source}",
            "wrong-type",
        )
        return {}
    speeds = {}
    for key, value in node.items.items():
        what = f"speed '{key}'"
        if not isinstance(value, YMap):
            check.error(
                value.where, f"{what} must be a mapping of label, toe_off, source", "wrong-type"
            )
            continue
        check.check_keys(value, SPEED_KEYS, what)
        label = check.string(value, "label", what, required=True)
        toe_off = check.number(value, "toe_off", what)
        source = check.source(value, what)
        if toe_off is not None and not 0 < toe_off < 100:
            check.error(
                value.items["toe_off"].where,
                f"toe_off {toe_off:g} of {what} must lie between 0 and 100 (% of the stride)",
                "stride-range",
            )
            toe_off = None
        if label is not None and toe_off is not None and source is not None:
            speeds[key] = Speed(key, label, toe_off, source, value.where)
    return speeds


def _read_span(
    node: YNode, speeds: Mapping[str, Speed], check: _Checker, defined: set[str]
) -> Span | None:
    if not isinstance(node, YMap):
        check.error(
            node.where, "each span must be a mapping of speed, from, to, role, source", "wrong-type"
        )
        return None
    check.check_keys(node, SPAN_KEYS, "a span")
    speed = check.string(node, "speed", "a span", required=True)
    start = check.number(node, "from", "a span")
    end = check.number(node, "to", "a span")
    role = check.string(node, "role", "a span", required=True)
    source = check.source(node, "a span")
    ok = True
    if speed is not None and speed not in defined:
        known = ", ".join(sorted(defined)) or "none defined"
        check.error(
            node.items["speed"].where,
            f"speed '{speed}' is not defined under 'speeds' (known: {known})",
            "stride-speed",
        )
        ok = False
    for key, value in (("from", start), ("to", end)):
        if value is not None and not 0 <= value <= 100:
            check.error(
                node.items[key].where,
                f"'{key}: {value:g}' is outside 0-100 (per cent of the stride; "
                "write a span that wraps past 100 as two spans)",
                "stride-range",
            )
            ok = False
    if ok and start is not None and end is not None and start >= end:
        check.error(
            node.items["from"].where,
            f"span runs from {start:g} to {end:g}: 'from' must be less than 'to' "
            "(write a span that wraps past 100 as two spans)",
            "stride-range",
        )
        ok = False
    if role is not None and role not in ROLES:
        close = difflib.get_close_matches(role, list(ROLES), n=1, cutoff=0.4)
        labels = {r.label: r.key for r in ROLES.values()}
        close = close or [labels[m] for m in difflib.get_close_matches(role, labels, n=1)]
        hint = f"; did you mean '{close[0]}'?" if close else ""
        check.error(
            node.items["role"].where,
            f"role '{role}' is not one of {', '.join(ROLES)}{hint}",
            "stride-role",
        )
        ok = False
    if not ok or None in (speed, start, end, role, source):
        return None
    assert speed is not None and start is not None and end is not None
    assert role is not None and source is not None
    if speed not in speeds:
        return None  # defined, but the speed itself had an error: reported there
    return Span(speed, start, end, role, source, node.where)


def _read_muscles(
    top: YMap, speeds: Mapping[str, Speed], defined: set[str], check: _Checker
) -> dict[str, MuscleData]:
    entries = check.required_list(
        top, "muscles", check.shown, "'muscles' must be a list of {subject, spans}"
    )
    muscles: dict[str, MuscleData] = {}
    for entry in entries:
        if not isinstance(entry, YMap):
            check.error(
                entry.where, "each muscle must be a mapping of subject, note, spans", "wrong-type"
            )
            continue
        check.check_keys(entry, MUSCLE_KEYS, "a muscle")
        key = check.subject(entry.items.get("subject"), entry.where)
        note = check.string(entry, "note", "a muscle") or ""
        spans_node = entry.items.get("spans")
        spans: list[Span] = []
        if spans_node is None:
            check.error(
                entry.where, "a muscle entry is missing required key 'spans'", "missing-key"
            )
        elif not isinstance(spans_node, YSeq) or not spans_node.items:
            check.error(
                spans_node.where, "'spans' must be a list of at least one span", "wrong-type"
            )
        else:
            for item in spans_node.items:
                span = _read_span(item, speeds, check, defined)
                if span is not None:
                    spans.append(span)
        if key is None:
            continue
        if key in muscles:
            first = muscles[key].where
            check.error(
                entry.items["subject"].where,
                f"subject '{key}' is listed twice (first at line {first.line})",
                "duplicate-id",
            )
            continue
        if len(spans) > MAX_SPANS:
            check.error(entry.where, f"more than {MAX_SPANS} spans for one muscle", "too-long")
            continue
        spans.sort(key=lambda s: (s.speed, s.start, s.end))
        muscles[key] = MuscleData(key, note, tuple(spans), entry.where)
    return muscles


def load_stride(sources: DeckSources) -> tuple[StrideData | None, list[Problem]]:
    """Read and check the stride data; ``None`` when the deck has none or it is unreadable."""
    path = sources.root / STRIDE_FILE
    if not os.path.lexists(path):
        return None, []  # a symlink or a FIFO is there, and refused by read_text
    shown = sources.shown(STRIDE_FILE)
    check = _Checker(shown, sources)
    try:
        node = parse(read_text(path, shown), shown)
    except YamlProblem as exc:
        # Its chart cards are then unknown, not removed: release safety must not say otherwise.
        sources.unreadable.append(shown)
        return None, [exc.problem]
    if not isinstance(node, YMap):
        what = (
            "nothing" if node is None else "a list" if isinstance(node, YSeq) else "a single value"
        )
        where = Where(shown) if node is None else node.where
        rule = "empty-file" if node is None else "not-a-mapping"
        check.error(
            where, f"file holds {what}; expected a mapping with 'speeds' and 'muscles'", rule
        )
        return None, check.problems
    check.check_keys(node, TOP_KEYS, shown)
    speeds_node = node.items.get("speeds")
    speeds = _read_speeds(speeds_node, node, check)
    defined = set(speeds_node.items) if isinstance(speeds_node, YMap) else set()
    muscles = _read_muscles(node, speeds, defined, check)
    missing_at = node.keys["muscles"].where if "muscles" in node.keys else node.where
    for key in article_muscles(sources.subjects):
        if key not in muscles:
            subject = sources.subjects[key]
            check.error(
                missing_at,
                f"{subject.kind} '{key}' ({subject.name}) is named in the source material "
                "(named_in_source) but has no spans here: add its activity, with sources",
                "stride-missing",
            )
    return StrideData(shown, speeds, muscles), check.problems


# --- Charts ---------------------------------------------------------------------------------

WIDTH = 340
"""viewBox width: a 390 px phone shows the chart 334-358 px wide: 13-unit text stays >= 12 px."""
DISPLAY_SCALE = 1.5
"""The SVG's width and height attributes: bigger on a desktop, scaled down to fit on a phone."""
PAD = 10
X0, X1 = 14.0, 326.0
"""The stride's 0 and 100 per cent."""
FONT, TITLE_FONT, LINE = 13, 16, 17
MAIN_BAR, OTHER_BAR = 16, 9
PANEL, BORDER = "#26272b", "#6b6e78"
TEXT, MUTED = "#f4f4f5", "#d4d4d8"
STANCE_FILL, SWING_FILL, TRACK_FILL = "#4b4e58", "#3a3c44", "#303238"
GUIDE, HATCH = "#8b8f99", "#1f2937"
FONT_FAMILY = (
    '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Arial, "Liberation Sans", sans-serif'
)
_PATTERNS = {
    "solid": "",
    "dots": "",
    "horizontal": "M0 3H6",
    "vertical": "M3 0V6",
    "diagonal": "M-1 7L7 -1M-1 1L1 -1M5 7L7 5",
    "antidiagonal": "M-1 -1L7 7M5 -1L7 1M-1 5L1 7",
    "cross": "M-1 7L7 -1M-1 -1L7 7",
    "grid": "M0 3H6M3 0V6",
}


def x_at(percent: float) -> float:
    """Where a per cent of the stride sits on the chart's horizontal axis."""
    return X0 + percent / 100 * (X1 - X0)


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def text_width(text: str, size: float, bold: bool = False) -> float:
    """A generous estimate of rendered width (Arial-like metrics plus a margin for wider
    system fonts); the browser tests check that no two texts overlap."""
    units = 0.0
    for char in text:
        if char in "ijl.,:;'|!":
            units += 0.25
        elif char in "frt-()/ ":
            units += 0.35
        elif char in "mwMW%":
            units += 0.86
        elif char.isupper() or char.isdigit():
            units += 0.68
        else:
            units += 0.57
    return units * size * (1.1 if bold else 1.0) * 1.08


def _wrap(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _pack(items: list[tuple[float, float]], gap: float) -> list[int]:
    """Lanes for intervals (left, right): the first lane where each fits without overlap."""
    lanes: list[list[tuple[float, float]]] = []
    out = []
    for left, right in items:
        for index, lane in enumerate(lanes):
            if all(right + gap <= a or left >= b + gap for a, b in lane):
                lane.append((left, right))
                out.append(index)
                break
        else:
            lanes.append([(left, right)])
            out.append(len(lanes) - 1)
    return out


@dataclass(frozen=True, slots=True)
class _Row:
    subject: str
    name: str | None
    """The row's heading (the overview names each muscle; a subject's chart has one row)."""
    tracks: tuple[tuple[Speed, tuple[Span, ...]], ...]


class _Drawing:
    def __init__(self, title: str) -> None:
        self.root = ET.Element(f"{{{SVG_NS}}}svg")
        self.root.set("role", "img")
        self.root.set("aria-label", title)
        self.root.set("font-family", FONT_FAMILY)
        ET.SubElement(self.root, f"{{{SVG_NS}}}title").text = title
        defs = ET.SubElement(self.root, f"{{{SVG_NS}}}defs")
        for role in ROLES.values():
            pattern = ET.SubElement(
                defs,
                f"{{{SVG_NS}}}pattern",
                id=f"p-{role.key}",
                patternUnits="userSpaceOnUse",
                width="6",
                height="6",
            )
            self.element(pattern, "rect", width="6", height="6", fill=role.colour)
            path = _PATTERNS[role.pattern]
            if path:
                self.element(
                    pattern, "path", d=path, stroke=HATCH, fill="none",
                    **{"stroke-width": "1.3", "stroke-opacity": "0.7"},
                )  # fmt: skip
            if role.pattern == "dots":
                self.element(pattern, "circle", cx="3", cy="3", r="1.3", fill=HATCH,
                             **{"fill-opacity": "0.7"})  # fmt: skip
        self.panel = self.element(
            self.root, "rect", x="1", y="1", rx="12", fill=PANEL, stroke=BORDER,
            width=_num(WIDTH - 2), **{"class": "panel"},
        )  # fmt: skip
        self.y = 0.0

    def element(self, parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
        return ET.SubElement(parent, f"{{{SVG_NS}}}{tag}", attributes)

    def rect(
        self, x: float, y: float, width: float, height: float, **attributes: str
    ) -> ET.Element:
        return self.element(
            self.root, "rect", x=_num(x), y=_num(y), width=_num(width), height=_num(height),
            **attributes,
        )  # fmt: skip

    def text(
        self, x: float, baseline: float, content: str, *, size: int = FONT, bold: bool = False,
        anchor: str = "start", fill: str = TEXT, css_class: str = "",
    ) -> ET.Element:  # fmt: skip
        element = self.element(
            self.root, "text", x=_num(x), y=_num(baseline), fill=fill,
            **{"font-size": str(size), "text-anchor": anchor},
        )  # fmt: skip
        if bold:
            element.set("font-weight", "700")
        if css_class:
            element.set("class", css_class)
        element.text = content
        return element

    def lines(
        self, content: str, *, size: int = FONT, bold: bool = False, fill: str = TEXT
    ) -> None:
        height = LINE if size <= FONT else size + 6
        for line in _wrap(content, size, WIDTH - 2 * PAD - 4, bold):
            self.text(PAD + 2, self.y + height - 4, line, size=size, bold=bold, fill=fill)
            self.y += height

    def labelled(self, items: list[tuple[float, str, str]], *, swatch: bool, gap: float) -> None:
        """Texts (preferred left x, text, role key or '') packed into lanes below ``self.y``."""
        boxes = []
        for left, content, _ in items:
            width = text_width(content, FONT) + (14 if swatch else 0)
            left = min(max(left, PAD), WIDTH - PAD - width)
            boxes.append((left, left + width))
        lanes = _pack(boxes, gap)
        for (left, _), lane, (_, content, role) in zip(boxes, lanes, items, strict=True):
            top = self.y + lane * LINE
            if swatch:
                self.rect(left, top + 4, 10, 10, fill=f"url(#p-{role})", stroke=TEXT,
                          **{"stroke-width": "0.8", "class": "swatch"})  # fmt: skip
                left += 14
            self.text(left, top + 14, content, css_class="role-label" if swatch else "axis-label")
        self.y += (max(lanes) + 1) * LINE if lanes else 0

    def finish(self) -> bytes:
        height = self.y + PAD
        self.panel.set("height", _num(height - 2))
        self.root.set("viewBox", f"0 0 {WIDTH} {_num(height)}")
        self.root.set("width", _num(WIDTH * DISPLAY_SCALE))
        self.root.set("height", _num(height * DISPLAY_SCALE))
        data: bytes = ET.tostring(self.root, encoding="utf-8", xml_declaration=False)
        return data


def _phase_marks(toe: float) -> tuple[float, float]:
    """Midstance and mid swing: the schematic middles of stance and swing."""
    return toe / 2, (toe + 100) / 2


def _axis_top(drawing: _Drawing, toe: float) -> tuple[float, float]:
    """Stance and swing as a band, the deck's phase names under it; returns the band's y range."""
    top = drawing.y
    for left, right, word, fill in (
        (0, toe, "stance", STANCE_FILL),
        (toe, 100, "swing", SWING_FILL),
    ):
        drawing.rect(x_at(left), top, x_at(right) - x_at(left), 22, fill=fill)
        drawing.text((x_at(left) + x_at(right)) / 2, top + 16, word, bold=True, anchor="middle")
    drawing.y += 24
    middle_stance, middle_swing = _phase_marks(toe)
    phases = (
        ("loading", 0, middle_stance), ("push-off", middle_stance, toe),
        ("early swing", toe, middle_swing), ("terminal swing", middle_swing, 100),
    )  # fmt: skip
    items = []
    for word, left, right in phases:
        centre = (x_at(left) + x_at(right)) / 2
        items.append((centre - text_width(word, FONT) / 2, word, ""))
    drawing.labelled(items, swatch=False, gap=6)
    return top, top + 22


def _guides(drawing: _Drawing, toe: float, top: float, bottom: float) -> None:
    """Toe-off (solid) and the phase middles (dashed) through one band of the chart."""
    middle_stance, middle_swing = _phase_marks(toe)
    for percent, dashed in ((middle_stance, True), (toe, False), (middle_swing, True)):
        attributes = {"stroke-width": "1.5" if not dashed else "1", "class": "guide"}
        if dashed:
            attributes["stroke-dasharray"] = "3 3"
        drawing.element(
            drawing.root, "line", x1=_num(x_at(percent)), x2=_num(x_at(percent)),
            y1=_num(top), y2=_num(bottom), stroke=GUIDE, **attributes,
        )  # fmt: skip


def _track(
    drawing: _Drawing, row: int, subject: str, speed: Speed, spans: tuple[Span, ...],
    reference: Speed, *, overview: bool,
) -> None:  # fmt: skip
    main = speed.key == reference.key
    height = MAIN_BAR if main else OTHER_BAR
    lanes = _pack([(x_at(s.start), x_at(s.end)) for s in spans], 0)
    count = max(lanes) + 1 if lanes else 1
    top = drawing.y + (0 if main else 6)  # room for the other speed's toe-off mark
    full = count * height + (count - 1) * 2
    drawing.rect(X0, top, X1 - X0, full, fill=TRACK_FILL, **{"class": "track"})
    _guides(drawing, reference.toe_off, top, top + full)
    for span, lane in zip(spans, lanes, strict=True):
        drawing.rect(
            x_at(span.start), top + lane * (height + 2), x_at(span.end) - x_at(span.start), height,
            fill=f"url(#p-{span.role})", stroke=PANEL,
            **{"stroke-width": "1", "class": "bar", "data-row": str(row), "data-speed": speed.key,
               "data-subject": subject, "data-role": span.role},
        )  # fmt: skip
    if not main:
        tip = x_at(speed.toe_off)
        drawing.element(
            drawing.root, "path", fill=TEXT, d=f"M{_num(tip - 4)} {_num(top - 6)}H{_num(tip + 4)}"
            f"L{_num(tip)} {_num(top - 1)}Z", **{"class": "toe-off-mark"},
        )  # fmt: skip
    drawing.y = top + full + 3
    prefix = "" if main or not overview else f"{speed.key}: "
    drawing.labelled(
        [
            (
                x_at(s.start),
                prefix + (ROLES[s.role].short if overview else ROLES[s.role].label),
                s.role,
            )
            for s in spans
        ],
        swatch=True,
        gap=8,
    )


def _axis_bottom(drawing: _Drawing, toe: float) -> None:
    middle_stance, _ = _phase_marks(toe)
    marks = ((0, "foot strike", "start"), (middle_stance, "midstance", "middle"),
             (toe, "toe-off", "middle"), (100, "foot strike", "end"))  # fmt: skip
    for percent, _, _ in marks:
        drawing.element(
            drawing.root, "line", x1=_num(x_at(percent)), x2=_num(x_at(percent)),
            y1=_num(drawing.y), y2=_num(drawing.y + 6), stroke=TEXT, **{"stroke-width": "1.5"},
        )  # fmt: skip
    drawing.y += 6
    items = []
    for percent, word, anchor in marks:
        width = text_width(word, FONT)
        x = x_at(percent)
        left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
        items.append((left, word, ""))
    drawing.labelled(items, swatch=False, gap=6)


def _draw(
    title: str, subtitle: str, rows: list[_Row], stride: StrideData, *, overview: bool
) -> bytes:
    reference = stride.reference
    assert reference is not None
    drawing = _Drawing(title)
    drawing.y = PAD
    drawing.lines(title, size=TITLE_FONT, bold=True)
    drawing.lines(subtitle, fill=MUTED)
    drawing.y += 4
    _axis_top(drawing, reference.toe_off)
    drawing.y += 4
    for index, row in enumerate(rows):
        if overview and index:
            drawing.element(
                drawing.root, "line", x1=_num(PAD), x2=_num(WIDTH - PAD), y1=_num(drawing.y),
                y2=_num(drawing.y), stroke=GUIDE, **{"stroke-width": "0.75"},
            )  # fmt: skip
            drawing.y += 4
        if row.name is not None:
            drawing.lines(row.name, bold=True)
        for speed, spans in row.tracks:
            if not overview:
                label = speed.label
                if speed.key != reference.key:
                    label += f" (toe-off {_num(speed.toe_off)}%)"
                drawing.lines(label, fill=MUTED)
            _track(drawing, index, row.subject, speed, spans, reference, overview=overview)
        drawing.y += 4
    _axis_bottom(drawing, reference.toe_off)
    if overview:
        drawing.y += 6
        used = [
            role
            for role in ROLES.values()
            if any(
                span.role == role.key for row in rows for _, spans in row.tracks for span in spans
            )
        ]
        for role in used:
            drawing.labelled([(PAD, f"{role.short}: {role.label}" if role.short != role.label
                               else role.label, role.key)], swatch=True, gap=0)  # fmt: skip
        others = [s for s in stride.speeds.values() if s.key != reference.key]
        for speed in others:
            if any(speed.key == sp.key for row in rows for sp, _ in row.tracks):
                drawing.lines(
                    f"Thin bars: {speed.label}; its toe-off ({_num(speed.toe_off)}%) is marked "
                    "with a small triangle.",
                    fill=MUTED,
                )
    return drawing.finish()


def _row(subject: str, name: str | None, muscle: MuscleData, stride: StrideData) -> _Row:
    reference = stride.reference
    assert reference is not None
    order = [reference.key, *[key for key in stride.speeds if key != reference.key]]
    tracks = []
    for key in order:
        spans = tuple(
            sorted((s for s in muscle.spans if s.speed == key), key=lambda s: (s.start, s.end))
        )
        if spans or key == reference.key:
            tracks.append((stride.speeds[key], spans))
    return _Row(subject, name, tuple(tracks))


@dataclass(frozen=True, slots=True)
class Charts:
    """The deck's stride charts: one per subject with data, and the overview."""

    data: StrideData | None = None
    subjects: dict[str, Picture] = field(default_factory=dict)
    overview: Picture | None = None
    overview_rows: tuple[str, ...] = ()
    """The subjects the overview stacks, top to bottom."""

    def pictures(self) -> list[Picture]:
        found = {p.name: p for p in self.subjects.values()}
        if self.overview is not None:
            found[self.overview.name] = self.overview
        return list(found.values())

    def for_card(self, card: Card) -> Picture | None:
        """The chart a card shows after its answer: a stride card's subject's, else the overview
        (which the overview's own card answers with)."""
        if card.id == CHART_OVERVIEW_ID:
            return self.overview
        if "stride" not in card.aspects:
            return None
        return self.subjects.get(card.subject or "", self.overview)


NO_CHARTS = Charts()


def derive_charts(sources: DeckSources, stride: StrideData | None) -> Charts:
    """Every chart the data allows (none when the deck has no stride data or no usable speed)."""
    if stride is None or stride.reference is None:
        return Charts(data=stride)
    subjects = sources.subjects
    charts = {}
    for key, muscle in stride.muscles.items():
        if not muscle.spans or key not in subjects:
            continue
        name = subjects[key].name
        row = _row(key, None, muscle, stride)
        data = _draw(f"{name}: when it works", "One running stride, foot strike to foot strike",
                     [row], stride, overview=False)  # fmt: skip
        charts[key] = Picture(content_name("fg-chart", ".svg", data), data)
    rows = [
        _row(key, subjects[key].name, stride.muscles[key], stride)
        for key in article_muscles(subjects)
        if key in stride.muscles and stride.muscles[key].spans
    ]
    overview = None
    if rows:
        data = _draw(
            "Leg muscles in one running stride",
            "Every muscle and group the article names, foot strike to foot strike",
            rows, stride, overview=True,
        )  # fmt: skip
        overview = Picture(content_name("fg-chart", ".svg", data), data)
    return Charts(stride, charts, overview, tuple(row.subject for row in rows))


def chart_image(picture: Picture, alt: str) -> str:
    """The ``<img>`` a note field shows a chart with (its class lifts the picture height cap)."""
    return image_tag(picture.name, alt, "fg-chart")


def chart_alt(card: Card, sources: DeckSources, charts: Charts) -> str:
    subject = sources.subjects.get(card.subject or "")
    if subject is not None and subject.key in charts.subjects:
        return f"Stride chart: {subject.name}"
    return "Stride chart: every leg muscle the article names"


CHART_OVERVIEW_ID = "chart-overview"


def _active(spans: Iterable[Span], left: float, right: float) -> list[Span]:
    return [s for s in spans if min(s.end, right) - max(s.start, left) >= 2]


def chart_cards(sources: DeckSources, charts: Charts) -> list[Card]:
    """The overview chart's own card. It asks for the one job the muscles working in early swing
    share (a short answer, computed from the data), and answers with the chart: the learner
    recalls the phase, then checks who does it and what every other phase looks like."""
    stride = charts.data
    if charts.overview is None or stride is None or stride.reference is None:
        return []
    reference = stride.reference
    left, right = reference.toe_off, _phase_marks(reference.toe_off)[1]
    doing, cited = [], [*source_keys(reference.source)]
    votes: dict[str, int] = dict.fromkeys(ROLES, 0)
    for key in charts.overview_rows:
        spans = _active(
            (s for s in stride.muscles[key].spans if s.speed == reference.key), left, right
        )
        if spans:
            roles = dict.fromkeys(s.role for s in spans)
            for role in roles:
                votes[role] += 1
            labels = ", ".join(ROLES[role].label for role in roles)
            doing.append(f"{markdown_literal(sources.subjects[key].name)} ({labels})")
            cited.extend(key for s in spans for key in source_keys(s.source))
    if not doing:
        return []
    top = max(votes, key=lambda role: votes[role])  # ties: the vocabulary's order
    label = ROLES[top].label
    extra = (
        f"{markdown_literal(reference.label)}: early swing runs from toe-off, at "
        f"{_num(reference.toe_off)}% of the stride, to mid swing. Working then: "
        + "; ".join(doing)
        + "."
    )
    where = next(iter(stride.muscles.values())).where if stride.muscles else Where(stride.file)
    return [
        Card(
            id=CHART_OVERVIEW_ID,
            where=where,
            front="Stride chart: in early swing, just after toe-off, what is the main job of the "
            "leg muscles that are working?",
            back=label[0].upper() + label[1:],
            extra=extra,
            source=", ".join(dict.fromkeys(cited)),
            # It teaches the stride, in a deck that declares that aspect.
            aspects=("stride",) if sources.config and "stride" in sources.config.aspects else (),
            tags=("chart",),
            generated=True,
        )
    ]


def stride_charts(sources: DeckSources) -> tuple[Charts, list[Problem]]:
    """Load, check and draw: the deck's charts and the data's problems."""
    stride, problems = load_stride(sources)
    return derive_charts(sources, stride), problems
