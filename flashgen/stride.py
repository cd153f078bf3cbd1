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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from flashgen.markup import escape_text, image_tag, markdown_literal
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
        Role("swing", "swing the leg forward", "swing leg", "#93c5fd", "dots"),
        Role("slow", "slow the leg before landing", "slow leg", "#d8b4fe", "cross"),
        Role("pelvis", "steady the pelvis", "pelvis", "#f9a8d4", "vertical"),
        Role("trunk", "hold the trunk upright", "trunk", "#bef264", "zigzag"),
        Role("hip-joint", "steady the hip joint", "hip joint", "#a5b4fc", "rings"),
        Role("lift-foot", "lift the foot clear", "lift foot", "#5eead4", "antidiagonal"),
        Role("lower-foot", "ease the forefoot down", "lower foot", "#67e8f9", "dashes"),
        Role("prepare", "brace for landing", "brace", "#fdba74", "grid"),
    )
}
"""Why three roles are narrow: a chart must never teach what a card corrects. The gluteus
maximus controls the trunk's forward pitch in stance while the medius and minimus level the
pelvis (``trunk`` vs ``pelvis``); the deep rotators hold the femoral head in its socket
(``hip-joint``, not the pelvis); after a heel landing the tibialis anterior only eases the
forefoot down (``lower-foot``): it is not one of the shock absorbers ``absorb`` names."""

# Rule ids this module reports (check.RULES lists them with their summaries).
RULE_SUMMARIES = {
    "stride-range": "stride.yaml: a span outside 0-100 or not from < to; toe_off outside 0-100.",
    "stride-role": "stride.yaml: a role outside the fixed vocabulary (with a suggestion).",
    "stride-source": "stride.yaml: a span or speed without a source key.",
    "stride-speed": "stride.yaml: a span at a speed not defined under 'speeds'.",
    "stride-missing": "stride.yaml: a muscle or group the article names has no spans.",
    "stride-overview": "stride.yaml: the overview card's question would have two right answers.",
}
TOP_KEYS = ("speeds", "muscles")
SPEED_KEYS = ("label", "toe_off", "source")
MUSCLE_KEYS = ("subject", "note", "spans")
SPAN_KEYS = ("speed", "from", "to", "role", "source", "members")
MAX_MEMBERS = 60
REFERENCE_SPEED = "easy"
"""The speed whose toe-off the charts' axis shows (the first speed listed when there is none)."""
CHART_KINDS = ("muscle", "group")
MAX_SPANS = 40
"""Spans of one muscle, all speeds together: a chart packs overlapping spans into lanes, each
against every other."""


@dataclass(frozen=True, slots=True)
class Cite:
    """One item of a ``source``: a reference key and where in it the number is read (a figure,
    a table, the abstract), e.g. ``S41 Fig. 3`` is key ``S41`` at ``Fig. 3``."""

    key: str
    at: str = ""


@dataclass(frozen=True, slots=True)
class Speed:
    key: str
    label: str
    toe_off: float
    """Stance share: toe-off as per cent of the stride."""
    source: str
    where: Where
    cites: tuple[Cite, ...] = ()


@dataclass(frozen=True, slots=True)
class Span:
    speed: str
    start: float
    end: float
    role: str
    source: str
    where: Where
    cites: tuple[Cite, ...] = ()
    members: str = ""
    """Empty when the span is true of the whole subject; else which of a group's members it is
    true of (shown as its own row, e.g. "Rectus femoris"): a group row carries a role only
    where it is true of the group."""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(cite.key for cite in self.cites)


@dataclass(frozen=True, slots=True)
class MuscleData:
    subject: str
    note: str
    spans: tuple[Span, ...]
    where: Where
    parts: tuple[str, ...] = ()
    """The spans' ``members`` labels, in the file's order: each is a row of its own."""


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


def split_cites(source: str, references: Mapping[str, str]) -> tuple[Cite, ...]:
    """A ``source`` as its items: ``S41 Fig. 3`` is key ``S41`` read at ``Fig. 3`` when ``S41``
    is a reference and ``S41 Fig. 3`` is not; in a deck without references, items are text."""
    cites = []
    for item in source_keys(source):
        key, *at = item.split(None, 1)
        if references and item not in references and key in references:
            cites.append(Cite(key, at[0] if at else ""))
        else:
            cites.append(Cite(item))
    return tuple(cites)


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

    def source(self, node: YMap, what: str) -> tuple[str, tuple[Cite, ...]] | None:
        """The ``source`` of a span or speed: present, and every item a deck reference, which
        may be followed by where in it the number is read (``S41 Fig. 3``)."""
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
        config = self.sources.config
        cites = split_cites(text, config.references if config is not None else {})
        keys = ", ".join(cite.key for cite in cites)
        self.problems.extend(unknown_references(keys, config, value.where))
        return text, cites

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
        cited = check.source(value, what)
        if toe_off is not None and not 0 < toe_off < 100:
            check.error(
                value.items["toe_off"].where,
                f"toe_off {toe_off:g} of {what} must lie between 0 and 100 (% of the stride)",
                "stride-range",
            )
            toe_off = None
        if label is not None and toe_off is not None and cited is not None:
            speeds[key] = Speed(key, label, toe_off, cited[0], value.where, cited[1])
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
    members = check.string(node, "members", "a span") or ""
    ok = True
    if len(members) > MAX_MEMBERS:
        check.error(
            node.items["members"].where,
            f"'members' is {len(members)} characters long: name them in at most {MAX_MEMBERS} "
            "(it is the heading of their row)",
            "wrong-type",
        )
        ok = False
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
    text, cites = source
    return Span(speed, start, end, role, text, node.where, cites, " ".join(members.split()))


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
        parts = tuple(dict.fromkeys(s.members for s in spans if s.members))
        spans.sort(key=lambda s: (s.speed, s.start, s.end))
        muscles[key] = MuscleData(key, note, tuple(spans), entry.where, parts)
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
    "zigzag": "M-1 4L1.5 1.5L4.5 4.5L7 2",
    "rings": "",
    "dashes": "M0.5 1.5H3.5M3.5 4.5H6.5M-2.5 4.5H0.5",
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


WHOLE_GROUP, WHOLE_MUSCLE = "Whole group", "Whole muscle"
"""The heading of the row of spans true of the whole subject, when some are not."""


@dataclass(frozen=True, slots=True)
class ChartRow:
    """One row of a chart: a subject's spans true of all of it, or those of some members."""

    subject: str
    name: str | None
    """The subject's heading (the overview names each subject above its first row)."""
    part: str
    """The row's own heading: empty for a subject drawn as one row; else :data:`WHOLE_GROUP`
    (or :data:`WHOLE_MUSCLE`), or the members its spans are true of ("Rectus femoris only"
    beside a whole-group row)."""
    members: str
    """The spans' ``members``: empty for spans true of the whole subject."""
    tracks: tuple[tuple[Speed, tuple[Span, ...]], ...]

    @property
    def spans(self) -> tuple[Span, ...]:
        return tuple(span for _, spans in self.tracks for span in spans)


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
            if role.pattern == "rings":
                self.element(pattern, "circle", cx="3", cy="3", r="1.8", fill="none", stroke=HATCH,
                             **{"stroke-width": "1.1", "stroke-opacity": "0.7"})  # fmt: skip
        self.panel = self.element(
            self.root, "rect", x="1", y="1", rx="12", fill=PANEL, stroke=BORDER,
            width=_num(WIDTH - 2), **{"class": "panel"},
        )  # fmt: skip
        self.parent = self.root
        """Where new shapes go: the root, or the group of the row being drawn."""
        self.y = 0.0

    def element(self, parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
        return ET.SubElement(parent, f"{{{SVG_NS}}}{tag}", attributes)

    def rect(
        self, x: float, y: float, width: float, height: float, **attributes: str
    ) -> ET.Element:
        return self.element(
            self.parent, "rect", x=_num(x), y=_num(y), width=_num(width), height=_num(height),
            **attributes,
        )  # fmt: skip

    def text(
        self, x: float, baseline: float, content: str, *, size: int = FONT, bold: bool = False,
        anchor: str = "start", fill: str = TEXT, css_class: str = "",
    ) -> ET.Element:  # fmt: skip
        element = self.element(
            self.parent, "text", x=_num(x), y=_num(baseline), fill=fill,
            **{"font-size": str(size), "text-anchor": anchor},
        )  # fmt: skip
        if bold:
            element.set("font-weight", "700")
        if css_class:
            element.set("class", css_class)
        element.text = content
        return element

    def lines(
        self, content: str, *, size: int = FONT, bold: bool = False, fill: str = TEXT,
        css_class: str = "",
    ) -> None:  # fmt: skip
        height = LINE if size <= FONT else size + 6
        for line in _wrap(content, size, WIDTH - 2 * PAD - 4, bold):
            self.text(PAD + 2, self.y + height - 4, line, size=size, bold=bold, fill=fill,
                      css_class=css_class)  # fmt: skip
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
            drawing.parent, "line", x1=_num(x_at(percent)), x2=_num(x_at(percent)),
            y1=_num(top), y2=_num(bottom), stroke=GUIDE, **attributes,
        )  # fmt: skip


def _track(
    drawing: _Drawing, row: int, chart_row: ChartRow, speed: Speed, spans: tuple[Span, ...],
    reference: Speed, *, overview: bool,
) -> None:  # fmt: skip
    main = speed.key == reference.key
    height = MAIN_BAR if main else OTHER_BAR
    lanes = _pack([(x_at(s.start), x_at(s.end)) for s in spans], 0)
    count = max(lanes) + 1 if lanes else 1
    top = drawing.y + (0 if main else 6)  # room for the other speed's toe-off mark
    full = count * height + (count - 1) * 2
    drawing.rect(X0, top, X1 - X0, full, fill=TRACK_FILL, **{"class": "track"})
    _guides(drawing, speed.toe_off, top, top + full)  # each speed's own toe-off and middles
    for span, lane in zip(spans, lanes, strict=True):
        drawing.rect(
            x_at(span.start), top + lane * (height + 2), x_at(span.end) - x_at(span.start), height,
            fill=f"url(#p-{span.role})", stroke=PANEL,
            **{"stroke-width": "1", "class": "bar", "data-row": str(row), "data-speed": speed.key,
               "data-subject": chart_row.subject, "data-role": span.role},
        )  # fmt: skip
    for span, lane in zip(spans, lanes, strict=True):
        if span.start < speed.toe_off < span.end:  # toe-off, dark, across a bar that spans it
            y = top + lane * (height + 2)
            drawing.element(
                drawing.parent, "line", x1=_num(x_at(speed.toe_off)), x2=_num(x_at(speed.toe_off)),
                y1=_num(y), y2=_num(y + height), stroke=PANEL, **{"stroke-width": "1.5",
                                                                   "class": "guide"},
            )  # fmt: skip
    if not main:
        tip = x_at(speed.toe_off)
        drawing.element(
            drawing.parent, "path", fill=TEXT, d=f"M{_num(tip - 4)} {_num(top - 6)}H{_num(tip + 4)}"
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
    title: str, subtitle: str, rows: list[ChartRow], stride: StrideData, *, overview: bool,
    speed_labels: bool,
) -> bytes:  # fmt: skip
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
        if overview and index and row.name is not None:
            drawing.element(
                drawing.root, "line", x1=_num(PAD), x2=_num(WIDTH - PAD), y1=_num(drawing.y),
                y2=_num(drawing.y), stroke=GUIDE, **{"stroke-width": "0.75"},
            )  # fmt: skip
            drawing.y += 4
        drawing.parent = drawing.element(
            drawing.root, "g", **{"class": "chart-row", "data-row": str(index),
                                  "data-subject": row.subject, "data-part": row.part},
        )  # fmt: skip
        if row.name:
            drawing.lines(row.name, bold=True, css_class="row-name")
        if row.part:
            drawing.lines(row.part, bold=True, fill=MUTED, css_class="row-part")
        for speed, spans in row.tracks:
            if speed_labels:
                label = speed.label
                if speed.key != reference.key:
                    label += f" (toe-off {_num(speed.toe_off)}%)"
                drawing.lines(label, fill=MUTED)
            _track(drawing, index, row, speed, spans, reference, overview=overview)
        drawing.parent = drawing.root
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


def chart_rows(
    subject: Subject, muscle: MuscleData, stride: StrideData, speeds: Sequence[str],
    *, name: str | None = None,
) -> tuple[ChartRow, ...]:  # fmt: skip
    """A subject's rows at ``speeds`` (the reference speed first): one, or, when some spans are
    true of some members only, a row of the spans true of the whole subject (if any) and one
    per ``members`` label. ``name``: the heading above its first row (the overview's)."""
    reference = stride.reference
    assert reference is not None
    whole = WHOLE_GROUP if subject.kind == "group" else WHOLE_MUSCLE
    has_whole = any(not s.members for s in muscle.spans if s.speed in speeds)
    parts = [""] if not muscle.parts else ["", *muscle.parts]
    rows: list[ChartRow] = []
    for members in parts:
        tracks = []
        for key in speeds:
            spans = tuple(
                sorted(
                    (s for s in muscle.spans if s.speed == key and s.members == members),
                    key=lambda s: (s.start, s.end),
                )
            )
            if spans or (key == reference.key and (members or not muscle.parts)):
                tracks.append((stride.speeds[key], spans))
        if not tracks:
            continue
        part = "" if not muscle.parts else whole if not members else members
        if members and has_whole:
            part = f"{members} only"
        rows.append(ChartRow(subject.key, None if rows else name, part, members, tuple(tracks)))
    return tuple(rows)


def _overview_layout(
    subjects: Mapping[str, Subject], keys: list[str], stride: StrideData
) -> tuple[ChartRow, ...]:
    """The overview's rows at the reference speed: every subject in ``keys``, except that a
    muscle whose bars are its group's (the gastrocnemius and soleus are the calf's) shares the
    group's rows and heading instead of repeating them."""
    reference = stride.reference
    assert reference is not None
    layouts: dict[str, list[ChartRow]] = {}
    headings: dict[str, list[str]] = {}

    def bars(key: str) -> set[tuple[str, float, float, str]]:
        return {
            (s.role, s.start, s.end, s.members)
            for s in stride.muscles[key].spans
            if s.speed == reference.key
        }

    for key in keys:
        group = subjects[key].group
        if group in layouts and subjects[key].kind == "muscle" and bars(key) == bars(group):
            headings[group].append(subjects[key].name)
            continue
        rows = chart_rows(subjects[key], stride.muscles[key], stride, [reference.key], name="")
        layouts[key], headings[key] = list(rows), [subjects[key].name]
    out = []
    for key, drawn in layouts.items():
        out.append(replace(drawn[0], name=", ".join(headings[key])))
        out.extend(drawn[1:])
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Charts:
    """The deck's stride charts: one per subject with data, and the overview."""

    data: StrideData | None = None
    subjects: dict[str, Picture] = field(default_factory=dict)
    overview: Picture | None = None
    overview_rows: tuple[str, ...] = ()
    """The subjects the overview stacks, top to bottom."""
    rows: dict[str, tuple[ChartRow, ...]] = field(default_factory=dict)
    """What each subject's chart draws, top to bottom (its ``data-row`` order)."""
    overview_layout: tuple[ChartRow, ...] = ()
    """What the overview draws, top to bottom."""
    credits: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """By chart name: the reference keys its numbers come from (speeds and spans drawn)."""
    problems: tuple[Problem, ...] = ()
    """What drawing found wrong with the data (``stride-overview``)."""

    def credit(self, chart: Picture) -> tuple[str, ...]:
        return self.credits.get(chart.name, ())

    def pictures(self) -> list[Picture]:
        found = {p.name: p for p in self.subjects.values()}
        if self.overview is not None:
            found[self.overview.name] = self.overview
        return list(found.values())

    def for_card(self, card: Card) -> Picture | None:
        """The chart a card shows after its answer: a stride card's subject's own, or none (the
        overview, every muscle at once, answers only its own card: shown after a card about
        something else, it was a long scroll and a Source field of another card's sources)."""
        if card.id == CHART_OVERVIEW_ID:
            return self.overview
        if "stride" not in card.aspects:
            return None
        return self.subjects.get(card.subject or "")


NO_CHARTS = Charts()


def _cited(rows: Iterable[ChartRow]) -> tuple[str, ...]:
    """The reference keys of every speed and span a chart draws, in order, once each."""
    keys = []
    for row in rows:
        for speed, spans in row.tracks:
            keys += [cite.key for cite in speed.cites]
            keys += [cite.key for span in spans for cite in span.cites]
    return tuple(dict.fromkeys(keys))


def derive_charts(sources: DeckSources, stride: StrideData | None) -> Charts:
    """Every chart the data allows (none when the deck has no stride data or no usable speed)."""
    if stride is None or stride.reference is None:
        return Charts(data=stride)
    subjects = sources.subjects
    charts, layouts, credits = {}, {}, {}
    reference = stride.reference
    order = [reference.key, *[key for key in stride.speeds if key != reference.key]]
    for key, muscle in stride.muscles.items():
        if not muscle.spans or key not in subjects:
            continue
        name = subjects[key].name
        rows = chart_rows(subjects[key], muscle, stride, order)
        one_speed = len({speed.key for row in rows for speed, _ in row.tracks}) == 1
        subtitle = (
            f"{reference.label}: one stride, foot strike to foot strike"
            if one_speed
            else "One running stride, foot strike to foot strike"
        )
        data = _draw(f"{name} in the running stride", subtitle, list(rows), stride,
                     overview=False, speed_labels=not one_speed)  # fmt: skip
        charts[key] = Picture(content_name("fg-chart", ".svg", data), data)
        layouts[key] = rows
        credits[charts[key].name] = _cited(rows)
    named = [
        key
        for key in article_muscles(subjects)
        if key in stride.muscles and stride.muscles[key].spans
    ]
    layout = _overview_layout(subjects, named, stride)
    overview = None
    if layout:
        data = _draw(
            "Leg muscles in one running stride",
            f"Every muscle and group the article names. {reference.label}.",
            list(layout), stride, overview=True, speed_labels=False,
        )  # fmt: skip
        overview = Picture(content_name("fg-chart", ".svg", data), data)
        credits[overview.name] = _cited(layout)
    drawn = Charts(stride, charts, overview, tuple(named), layouts, layout, credits)
    return replace(drawn, problems=tuple(overview_problems(sources, drawn)))


def chart_image(picture: Picture, alt: str) -> str:
    """The ``<img>`` a note field shows a chart with (its class lifts the picture height cap)."""
    return image_tag(picture.name, alt, "fg-chart")


def chart_alt(card: Card, sources: DeckSources, charts: Charts) -> str:
    subject = sources.subjects.get(card.subject or "")
    if subject is not None and subject.key in charts.subjects:
        return f"Stride chart: {subject.name}"
    return "Stride chart: every leg muscle the article names"


CHART_OVERVIEW_ID = "chart-overview"
CHART_CUE = "Stride chart:"
"""The context cue of the chart card."""
WHOLE_SWING_GAP = 2.0
"""Per cent of the stride: bars that leave less of swing uncovered than this cover all of it
(the data are read to about 5%, so a smaller gap is no pause)."""
CLOSE_SHARE = 0.75
"""The overview card has one answer only if every other row covers at most this share of
swing: one that covers more is close enough to be a second answer."""


def _covered(spans: Iterable[Span], left: float, right: float) -> float:
    """How much of ``left``-``right`` (per cent of the stride) the spans cover together."""
    total, reach = 0.0, left
    for span in sorted(spans, key=lambda s: s.start):
        start, end = max(span.start, reach), min(span.end, right)
        if end > start:
            total += end - start
            reach = end
    return total


@dataclass(frozen=True, slots=True)
class SwingAnswer:
    """The overview card's answer, read from the data: the subjects the overview shows, each
    with the share of swing (toe-off to foot strike) in which it works at the reference speed,
    most first. The card has one right answer when exactly the first covers all of swing and
    the next covers at most :data:`CLOSE_SHARE` of it."""

    shares: tuple[tuple[str, float], ...]
    toe_off: float

    @property
    def whole(self) -> list[str]:
        length = 100 - self.toe_off
        return [key for key, share in self.shares if share * length >= length - WHOLE_SWING_GAP]

    @property
    def answer(self) -> str | None:
        whole = self.whole
        if len(whole) != 1:
            return None
        runner_up = self.shares[1][1] if len(self.shares) > 1 else 0.0
        return whole[0] if runner_up <= CLOSE_SHARE else None


def swing_answer(charts: Charts) -> SwingAnswer | None:
    """Which subject of the overview works through the whole of swing, and how much of swing
    every other one covers (``None`` when there is no overview)."""
    stride = charts.data
    if charts.overview is None or stride is None or stride.reference is None:
        return None
    reference = stride.reference
    length = 100 - reference.toe_off
    shares = []
    for key in charts.overview_rows:
        spans = [s for s in stride.muscles[key].spans if s.speed == reference.key]
        shares.append((key, _covered(spans, reference.toe_off, 100) / length))
    shares.sort(key=lambda item: -item[1])
    return SwingAnswer(tuple(shares), reference.toe_off)


def overview_problems(sources: DeckSources, charts: Charts) -> list[Problem]:
    """``stride-overview``: the data would give the overview card a second right answer."""
    found = swing_answer(charts)
    if found is None or found.answer is not None or not found.whole:
        return []  # no overview, one answer, or nothing to ask (then no card: nothing to mislead)
    assert charts.data is not None
    names = {key: sources.subjects[key].name for key, _ in found.shares}
    first, second = found.shares[0], found.shares[1]
    where = charts.data.muscles[second[0]].where
    return [
        Problem(
            where,
            f"the overview card asks which muscle or group works through the whole of swing: "
            f"'{names[first[0]]}' ({first[1]:.0%} of swing) and '{names[second[0]]}' "
            f"({second[1]:.0%}) are both, or too close, to call (one answer needs the next at "
            f"most {CLOSE_SHARE:.0%})",
            "stride-overview",
        )
    ]


def chart_cards(sources: DeckSources, charts: Charts) -> list[Card]:
    """The overview chart's own card: which of the muscles and groups the overview shows works
    through the whole of swing, from toe-off to the next foot strike. The answer is read from
    the data (:func:`swing_answer`); when the data would make it ambiguous there is no card and
    ``stride-overview`` says why. The answer side shows the chart: what the answer does in swing,
    and who comes next."""
    found = swing_answer(charts)
    if found is None or found.answer is None:
        return []
    stride = charts.data
    assert stride is not None and stride.reference is not None
    reference = stride.reference
    key = found.answer
    name = sources.subjects[key].name
    spans = [
        s
        for s in stride.muscles[key].spans
        if s.speed == reference.key and s.end > reference.toe_off
    ]
    spans.sort(key=lambda s: s.start)
    doing = ", then ".join(
        f"{ROLES[s.role].label} from {_num(max(s.start, reference.toe_off))}%" for s in spans
    )
    runner_up, share = found.shares[1] if len(found.shares) > 1 else (None, 0.0)
    extra = f"{markdown_literal(reference.label)}. {markdown_literal(name)}: {doing}."
    if runner_up is not None:
        extra += (
            f" Next: {markdown_literal(sources.subjects[runner_up].name)}, {share:.0%} of swing."
        )
    cited = [cite.key for cite in reference.cites]
    cited += [cite.key for s in spans for cite in s.cites]
    references = sources.config.references if sources.config is not None else {}
    if references:  # an unknown key is the data's error, reported there once
        cited = [key for key in cited if key in references]
    where = stride.muscles[key].where
    return [
        Card(
            id=CHART_OVERVIEW_ID,
            where=where,
            front=f"{CHART_CUE} of the leg muscles and groups the article names, which works "
            "through the whole of swing, from toe-off to the next foot strike?",
            back=markdown_literal(name),
            extra=extra,
            source=", ".join(dict.fromkeys(cited)),
            # It teaches the stride, in a deck that declares that aspect.
            aspects=("stride",) if sources.config and "stride" in sources.config.aspects else (),
            tags=("chart",),
            generated=True,
        )
    ]


def short_reference(text: str) -> str:
    """A reference as a short credit: its authors and year ("Gazendam & Hof 2007"; "Hamner et
    al. 2010" for three or more), else its first two parts ("Wikipedia, Gluteus medius")."""
    parts = [part.strip() for part in text.split(",")]
    for index, part in enumerate(parts):
        last = part.rsplit(None, 1)[-1] if part else ""
        if len(last) == 4 and last.isdigit() and last[:2] in ("18", "19", "20"):
            if index == 0:
                return part
            if (index == 1 and " & " in part) or index >= 2:
                return f"{parts[0]} et al. {last}"
            return f"{parts[0]}, {part}"
    return ", ".join(parts[:2])


def credit_chart(
    source_html: str, card: Card, keys: Iterable[str], references: Mapping[str, str]
) -> str:
    """A Source field's HTML with a line crediting the chart the card shows: the references its
    numbers come from that the card does not cite itself, shortly ("Chart data: Gazendam & Hof
    2007; Novacheck 1998"), as text."""
    own = set(card.source_keys)
    items = [
        short_reference(references[key]) if key in references else key
        for key in dict.fromkeys(keys)
        if key not in own
    ]
    if not items:
        return source_html
    line = escape_text("Chart data: " + "; ".join(dict.fromkeys(items)))
    return f"{source_html}<br>{line}" if source_html else line


def stride_charts(sources: DeckSources) -> tuple[Charts, list[Problem]]:
    """Load, check and draw: the deck's charts and the data's problems."""
    stride, problems = load_stride(sources)
    charts = derive_charts(sources, stride)
    return charts, [*problems, *charts.problems]
