"""When in the stride each muscle works: ``cards/stride.yaml``, checked, and drawn as charts.

The data file gives, per muscle, the parts of one running stride in which it is active (per cent
of the stride from foot strike, 0, to the next foot strike of the same foot, 100), at one or more
speeds, with a role from :data:`ROLES` and a ``source`` (keys of deck.yaml ``references``) on
every number. :func:`load_stride` reads and validates it with located problems;
:func:`derive_charts` draws one SVG chart per subject with data and an overview of every muscle
the article names; :func:`chart_cards` makes the generated ``chart-`` card.

**Groups are derived, never written.** A group lists its ``members`` (muscles, or a group whose
members all work alike) and has no spans of its own, so a group chart cannot disagree with its
members' charts. Its rows, at each speed:

- a *Whole group* row: where every member does the same job at the same time (the overlap of
  the members' bars of that role). Only when the group has two members or more, every member has
  data at that speed and none is ``unmeasured`` (a member without running data);
- under it, one row per member, holding that member's own bars, each exactly as its own chart
  draws it, except a bar the Whole group row already draws unchanged ("Vasti, also"); with no
  Whole group row, a member's row holds all its bars ("Gluteus maximus");
- last, a hatched "no data" row naming the members without data at that speed, or none at all.

Where our sources have no data, a chart draws a grey hatched track, never an empty one: a speed
it has no data for, those members, and a job a muscle's ``unmeasured`` lists (the soleus'
brace for landing at a sprint). Hatched spans are never activity.

The overview stacks one row per muscle of the groups the article names (muscles that work alike
share one), each saying the groups it is in ("in Quadriceps and Hip flexors"), so every group
the article names is on it and no row is a group's. The overview card's question, which of them
works through the whole of swing, reads a group as working whenever one of its members does.

The charts are drawn on their own dark, neutral rounded panel: an ``<img>`` cannot see Anki's
``nightMode`` class, and no text colour reads at 4.5:1 on both a white and a near-black card,
so the chart brings its background with it (dim enough not to glare in night mode). Every bar
carries its role three ways: its name (a swatch and the role's one name, with the bars' ends,
above the bar's row; on the overview, once per section), a bold texture, and a colour; five
colours that stay apart in the three kinds of colour blindness (:data:`COLOURS`), and texture
families (:data:`PATTERN_FAMILIES`) that two roles of close colours never share. Each speed has
its own section: its label and pace, its stance and swing band, its phase words, its bars on a
track shaded light in stance and dark in swing (a track per lane, when two jobs overlap), and
its own per cent scale, so a sprint's bars are read against the sprint's toe-off. The SVG is
built with :mod:`xml.etree.ElementTree`, which escapes every text and attribute value.

The stance and swing phases are split at their middles (midstance, mid swing): a schematic
division after Novacheck 1998, drawn as dashed lines at every speed, while toe-off is the data's
own value. Phase lines run behind the bars and reach a little above and below each track
(round 2's reader read a bar crossed by a mark as two bars); toe-off alone is also drawn over
them, as a thin white line in a dark casing (round 4's reader lost it under the bars), and has
its own number on the per cent scale. Each phase's split is printed with its per cents.
"""

from __future__ import annotations

import difflib
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from flashgen.markup import image_tag, listed, markdown_literal
from flashgen.pictures import Picture, content_name
from flashgen.problems import Problem, Where
from flashgen.sources import (
    SLUG,
    SLUG_RULE,
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

COLOURS = {
    "yellow": "#ffdc0c",
    "orange": "#d77f43",
    "blue": "#539bfa",
    "green": "#46a497",
    "white": "#e5e7eb",
}
"""Light enough for 3:1 against the chart's tracks; chosen so that any two, except blue and green,
stay apart in normal vision and in protanopia, deuteranopia and tritanopia (CIEDE2000 of at least
20 in each). Some pairs only just do (yellow and orange, yellow and white, orange and green,
green and white), so roles whose colours are that close never share a texture family either."""

PATTERN_FAMILIES = {
    "solid": "plain",
    "horizontal": "horizontal lines",
    "dashes": "horizontal lines",
    "vertical": "vertical lines",
    "vdashes": "vertical lines",
    "hatching": "diagonal lines",
    "grid": "mesh",
    "bricks": "mesh",
    "windows": "mesh",
    "dots": "points",
    "triangles": "points",
    "checker": "blocks",
    "zigzag": "waves",
    "arcs": "waves",
    "sine": "waves",
}
"""Textures that look alike on a phone belong to one family: lines one way (solid or dashed),
meshes, points, blocks, waves. Two roles of one family must differ clearly in colour: round 2's
reader could not tell four yellow textures apart, nor four white ones. Diagonal lines are
:data:`NO_DATA_PATTERN`'s family alone: round 3's reader, told "Hatched: no data", saw the white
diagonal "ease the forefoot down", the orange diagonal "extend the hip" and the white diagonal
crosshatch "steady the ankle" as hatching too, so no job is drawn with diagonal lines."""

NO_DATA_PATTERN = "hatching"
"""The texture of "no data in our sources": thin grey diagonal lines on the panel's colour."""


@dataclass(frozen=True, slots=True)
class Role:
    key: str
    label: str
    """The role's one name, shown on every chart (the overview too) and on the overview card."""
    colour: str
    pattern: str
    """How the bar is hatched, so colour is never the only carrier of the role."""
    when: str = ""
    """When in the stride the job is done by definition ("before foot strike"), whatever the
    speed: said of a job our sources name but do not time, in place of per cents."""


# The roles a span may have: the single source of truth for the data, its checks and the charts.
ROLES: dict[str, Role] = {
    role.key: role
    for role in (
        Role("absorb", "brake and absorb", COLOURS["yellow"], "horizontal"),
        Role("support", "support the body", COLOURS["yellow"], "solid"),
        Role("propel", "propel the body", COLOURS["green"], "dashes"),
        Role("extend-hip", "extend the hip", COLOURS["orange"], "sine"),
        Role("swing", "swing the leg forward", COLOURS["blue"], "zigzag"),
        Role("slow", "slow the swinging leg", COLOURS["yellow"], "dots"),
        Role("pelvis", "steady the pelvis", COLOURS["white"], "vertical"),
        Role("trunk", "hold the trunk upright", COLOURS["blue"], "vdashes"),
        Role("hip-joint", "steady the hip joint", COLOURS["white"], "arcs"),
        Role("lift-foot", "lift the foot clear", COLOURS["green"], "triangles"),
        Role("lower-foot", "ease the forefoot down", COLOURS["blue"], "bricks"),
        Role("prepare", "brace for landing", COLOURS["orange"], "grid", "before foot strike"),
        Role("arch", "hold up the arch", COLOURS["yellow"], "checker"),
        Role("ankle", "steady the ankle", COLOURS["white"], "windows"),
    )
}
"""Why some roles are narrow: a chart must never teach what a card corrects. The gluteus
maximus controls the trunk's forward pitch in stance while the medius and minimus level the
pelvis (``trunk`` vs ``pelvis``); the deep rotators hold the femoral head in its socket
(``hip-joint``, not the pelvis); after a heel landing the tibialis anterior only eases the
forefoot down (``lower-foot``): it is not one of the shock absorbers ``absorb`` names. The
calf's push-off (``propel``) and the hamstrings' hip extension into early stance
(``extend-hip``) are two jobs with two names; so are the body held up against gravity
(``support``), the arch held up by the tibialis posterior (``arch``) and the ankle steadied by
the fibularis (``ankle``)."""

# Rule ids this module reports (check.RULES lists them with their summaries).
RULE_SUMMARIES = {
    "stride-range": "stride.yaml: a span outside 0-100 or not from < to; toe_off outside 0-100.",
    "stride-role": "stride.yaml: a role outside the fixed vocabulary (with a suggestion).",
    "stride-source": "stride.yaml: a span or speed without a source key.",
    "stride-speed": "stride.yaml: a span at a speed not defined under 'speeds'; a speed whose "
    "label does not say its m_s.",
    "stride-missing": "stride.yaml: a muscle or group the article names has no spans.",
    "stride-overview": "stride.yaml: the overview card's question would have two right answers.",
    "stride-group": "stride.yaml: a group with spans of its own, or members that do not resolve.",
}
TOP_KEYS = ("speeds", "muscles", "groups")
SPEED_KEYS = ("label", "toe_off", "m_s", "source")
MAX_M_S = 15.0
"""Metres per second: no runner is faster (the fastest sprinters peak at about 12.5)."""
MUSCLE_KEYS = ("subject", "key", "name", "note", "unmeasured", "spans")
GROUP_KEYS = ("subject", "members", "unmeasured", "note")
SPAN_KEYS = ("speed", "from", "to", "role", "source")
UNTIMED_KEYS = ("speed", "phase", "role", "source")
PHASES = ("stance", "swing")
"""Where a job our sources do not time may be: the phase it is in, never per cents."""
MAX_NAME = 60
"""A muscle the manifest does not list is named on the charts: at most this many characters."""
REFERENCE_SPEED = "easy"
"""The speed the overview and its card read (the first speed listed when there is none)."""
CHART_KINDS = ("muscle", "group")
MAX_SPANS = 40
"""Spans of one muscle, all speeds together: a chart packs overlapping spans into lanes, each
against every other."""
MAX_MEMBERS = 12
"""Members of one group: its Whole group row intersects every member's bars."""
MAX_NESTING = 3
"""Groups within groups: the hip extensors hold the hamstrings, one level."""


@dataclass(frozen=True, slots=True)
class Cite:
    """One item of a ``source``: a reference key and where in it the number is read (a figure,
    a table, the abstract), e.g. ``S41 Fig. 3`` is key ``S41`` at ``Fig. 3``."""

    key: str
    at: str = ""

    @property
    def text(self) -> str:
        return f"{self.key} {self.at}" if self.at else self.key


@dataclass(frozen=True, slots=True)
class Speed:
    key: str
    label: str
    toe_off: float
    """Stance share: toe-off as per cent of the stride."""
    source: str
    where: Where
    cites: tuple[Cite, ...] = ()
    m_s: float | None = None
    """The speed in metres per second, which the label names: the charts add its pace."""

    @property
    def title(self) -> str:
        """The label as the charts show it, with a runner's pace beside the
        metres per second: "Easy run, about 3.2 m/s (5:13 per km)"."""
        return f"{self.label} ({pace(self.m_s)} per km)" if self.m_s else self.label


def pace(m_s: float) -> str:
    """Minutes and seconds per kilometre at ``m_s`` metres per second, to the nearest second
    (3.2 m/s: "5:13")."""
    seconds = int(1000 / m_s + 0.5)
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass(frozen=True, slots=True)
class Span:
    speed: str
    start: float
    end: float
    role: str
    source: str
    where: Where
    cites: tuple[Cite, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(cite.key for cite in self.cites)

    @property
    def bar(self) -> tuple[str, float, float]:
        """What a chart draws of it: its role and ends."""
        return (self.role, self.start, self.end)


@dataclass(frozen=True, slots=True)
class MuscleData:
    subject: str
    """A manifest key, or for a muscle the manifest does not list, the entry's own ``key``."""
    note: str
    spans: tuple[Span, ...]
    where: Where
    name: str = ""
    """The name a muscle the manifest does not list is shown by (a row of its groups' charts);
    empty for a manifest subject, which has its own chart."""
    unmeasured: tuple[Span, ...] = ()
    """Jobs our sources do not time for this muscle, where a like muscle does them (the soleus'
    brace for landing at a sprint): drawn hatched, "no data", so a missing bar is not read as
    rest. Never activity: no Whole group row, overview answer or coverage reads them."""


@dataclass(frozen=True, slots=True)
class GroupData:
    subject: str
    members: tuple[str, ...]
    """Keys of muscle entries, or of groups whose members all work alike."""
    where: Where
    note: str = ""
    unmeasured: tuple[str, ...] = ()
    """Members with no running data in the sources ("gracilis", "pectineus"): each of the
    group's sections ends with a hatched "no data" row naming them."""


@dataclass(frozen=True, slots=True)
class StrideData:
    file: str
    speeds: dict[str, Speed]
    muscles: dict[str, MuscleData]
    groups: dict[str, GroupData] = field(default_factory=dict)
    one_rows: dict[str, dict[str, tuple[Span, ...]] | None] = field(
        default_factory=dict, compare=False, repr=False
    )
    """Memo of each member's bars as one row (:func:`_as_one_row`): a group nested in several
    others is derived once."""

    @property
    def reference(self) -> Speed | None:
        if REFERENCE_SPEED in self.speeds:
            return self.speeds[REFERENCE_SPEED]
        return next(iter(self.speeds.values()), None)

    def leaves(self, key: str) -> list[str]:
        """The muscles under ``key``: itself for a muscle, its members' muscles for a group."""
        if key in self.muscles:
            return [key]
        out: list[str] = []
        stack, seen = [key], set()
        while stack:  # depth first, in the members' order; a cycle is the loader's error
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if current in self.muscles:
                out.append(current)
            elif current in self.groups:
                stack.extend(reversed(self.groups[current].members))
        return list(dict.fromkeys(out))

    def activity(self, key: str, speed: str) -> list[Span]:
        """Every bar of ``key``'s muscles at ``speed``: when it (some member of it) works."""
        return [
            s for leaf in self.leaves(key) for s in self.muscles[leaf].spans if s.speed == speed
        ]


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
        m_s = check.number(value, "m_s", what) if "m_s" in value.items else None
        if m_s is not None and not 0 < m_s <= MAX_M_S:
            check.error(value.items["m_s"].where,
                        f"m_s {m_s:g} of {what} must lie above 0 and at most {MAX_M_S:g} (metres "
                        "per second)", "stride-range")  # fmt: skip
            label = None
        elif m_s is not None and label is not None and f"{m_s:g} m/s" not in label:
            check.error(value.items["m_s"].where,
                        f"{what} has m_s {m_s:g}, but its label '{label}' does not say "
                        f"'{m_s:g} m/s': the chart shows the label with the pace of m_s",
                        "stride-speed")  # fmt: skip
            label = None
        if label is not None and toe_off is not None and cited is not None:
            speeds[key] = Speed(key, label, toe_off, cited[0], value.where, cited[1], m_s)
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
    assert speed is not None and start is not None and end is not None and role is not None
    assert source is not None
    text, cites = source
    return Span(speed, start, end, role, text, node.where, cites)


def _entry_key(entry: YMap, check: _Checker) -> tuple[str, str] | None:
    """A muscle entry's key and shown name: a manifest ``subject`` (named by the manifest), or
    a muscle the manifest does not list, with its own ``key`` and ``name``."""
    subjects = check.sources.subjects
    if "key" not in entry.items:
        if "name" in entry.items:
            check.error(
                entry.items["name"].where,
                "'name' is for a muscle the manifest does not list (with 'key'); a manifest "
                "subject is named by the manifest",
                "stride-group",
            )
        key = check.subject(entry.items.get("subject"), entry.where)
        if key is not None and subjects[key].kind == "group":
            check.error(
                entry.items["subject"].where,
                f"'{key}' is a group: list it under 'groups' with its members; its rows are "
                "derived from theirs, so it has no spans of its own",
                "stride-group",
            )
            return None
        return None if key is None else (key, "")
    if "subject" in entry.items:
        check.error(
            entry.items["key"].where,
            "a muscle has a manifest 'subject' or its own 'key' and 'name', not both",
            "stride-group",
        )
        return None
    key = check.string(entry, "key", "a muscle", required=True)
    name = check.string(entry, "name", "a muscle with its own 'key'", required=True)
    if key is None or name is None:
        return None
    where = entry.items["key"].where
    if not SLUG.match(key):
        check.error(where, f"muscle key '{key}' must be {SLUG_RULE}", "id-format")
        return None
    if key in subjects:
        check.error(
            where, f"'{key}' is a manifest subject: write 'subject: {key}' instead", "stride-group"
        )
        return None
    if len(name) > MAX_NAME:
        check.error(
            entry.items["name"].where,
            f"'name' is {len(name)} characters long: at most {MAX_NAME} (it heads a chart row)",
            "too-long",
        )
        return None
    return key, " ".join(name.split())


def _unmeasured_members(entry: YMap, check: _Checker) -> tuple[str, ...]:
    """A group's ``unmeasured``: the names of members with no running data (one, or a list)."""
    names = []
    for name, item in check.located_strings(entry, "unmeasured"):
        name = " ".join(name.split())
        if len(name) > MAX_NAME:
            check.error(item.where, f"an 'unmeasured' name is {len(name)} characters long: at "
                        f"most {MAX_NAME} (it heads a chart row)", "too-long")  # fmt: skip
            continue
        names.append(name)
    if len(names) > MAX_MEMBERS:
        check.error(entry.items["unmeasured"].where,
                    f"more than {MAX_MEMBERS} names in 'unmeasured'", "too-long")  # fmt: skip
        return ()
    return tuple(dict.fromkeys(names))


def _read_untimed(
    node: YNode, speeds: Mapping[str, Speed], check: _Checker, defined: set[str]
) -> Span | None:
    """One job our sources name but do not time: its speed, the phase it is in, its role and
    source. As a span it covers that whole phase at that speed (hatched, "no data"): no per
    cents are written, so none can be drawn or printed as if timed."""
    if not isinstance(node, YMap):
        check.error(node.where, UNTIMED_SHAPE, "wrong-type")
        return None
    check.check_keys(node, UNTIMED_KEYS, "an unmeasured job")
    speed = check.string(node, "speed", "an unmeasured job", required=True)
    phase = check.string(node, "phase", "an unmeasured job", required=True)
    role = check.string(node, "role", "an unmeasured job", required=True)
    source = check.source(node, "an unmeasured job")
    ok = True
    if speed is not None and speed not in defined:
        known = ", ".join(sorted(defined)) or "none defined"
        check.error(node.items["speed"].where,
                    f"speed '{speed}' is not defined under 'speeds' (known: {known})",
                    "stride-speed")  # fmt: skip
        ok = False
    if phase is not None and phase not in PHASES:
        check.error(node.items["phase"].where,
                    f"phase '{phase}' must be one of {', '.join(PHASES)} (an untimed job has "
                    "no per cents)", "stride-range")  # fmt: skip
        ok = False
    if role is not None and role not in ROLES:
        check.error(node.items["role"].where, f"role '{role}' is not one of {', '.join(ROLES)}",
                    "stride-role")  # fmt: skip
        ok = False
    if not ok or speed is None or phase is None or role is None or source is None:
        return None
    if speed not in speeds:  # defined, but its own entry had a problem (reported there)
        return None
    toe = speeds[speed].toe_off
    start, end = (0.0, toe) if phase == "stance" else (toe, 100.0)
    return Span(speed, start, end, role, source[0], node.where, source[1])


UNTIMED_SHAPE = (
    "a muscle's 'unmeasured' must be a list of jobs (speed, phase, role, source): the jobs our "
    "sources name but do not time for it, drawn hatched as 'no data' over that phase"
)


def _unmeasured_jobs(
    entry: YMap, speeds: Mapping[str, Speed], defined: set[str], check: _Checker
) -> list[Span]:
    """A muscle's ``unmeasured``: the jobs our sources name but do not time for it."""
    node = entry.items.get("unmeasured")
    if node is None:
        return []
    if not isinstance(node, YSeq) or not node.items:
        check.error(node.where, UNTIMED_SHAPE, "wrong-type")
        return []
    found = [_read_untimed(item, speeds, check, defined) for item in node.items]
    return [span for span in found if span is not None]


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
        named = _entry_key(entry, check)
        note = check.string(entry, "note", "a muscle") or ""
        unmeasured = _unmeasured_jobs(entry, speeds, defined, check)
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
        if named is None:
            continue
        key, name = named
        if key in muscles:
            first = muscles[key].where
            check.error(
                entry.items["subject" if "subject" in entry.items else "key"].where,
                f"muscle '{key}' is listed twice (first at line {first.line})",
                "duplicate-id",
            )
            continue
        if len(spans) + len(unmeasured) > MAX_SPANS:
            check.error(entry.where, f"more than {MAX_SPANS} spans for one muscle", "too-long")
            continue
        spans.sort(key=lambda s: (s.speed, s.start, s.end))
        unmeasured.sort(key=lambda s: (s.speed, s.start, s.end))
        muscles[key] = MuscleData(key, note, tuple(spans), entry.where, name, tuple(unmeasured))
    return muscles


def _read_groups(
    top: YMap, muscles: Mapping[str, MuscleData], check: _Checker
) -> dict[str, GroupData]:
    node = top.items.get("groups")
    if node is None:
        return {}
    if not isinstance(node, YSeq):
        check.error(node.where, "'groups' must be a list of {subject, members}", "wrong-type")
        return {}
    subjects = check.sources.subjects
    groups: dict[str, GroupData] = {}
    members_at: dict[str, list[tuple[str, YScalar]]] = {}
    lists: dict[str, Where] = {}
    for entry in node.items:
        if not isinstance(entry, YMap):
            check.error(
                entry.where, "each group must be a mapping of subject, members", "wrong-type"
            )
            continue
        check.check_keys(entry, GROUP_KEYS, "a group")
        key = check.subject(entry.items.get("subject"), entry.where)
        note = check.string(entry, "note", "a group") or ""
        unmeasured = _unmeasured_members(entry, check)
        if "members" not in entry.items:
            check.error(entry.where, "a group is missing required key 'members'", "missing-key")
        members = check.located_strings(entry, "members")
        if key is None:
            continue
        where = entry.items["subject"].where
        if subjects[key].kind != "group":
            check.error(
                where,
                f"'{key}' is a {subjects[key].kind}, not a group: give it spans under 'muscles'",
                "stride-group",
            )
            continue
        if key in groups or key in muscles:
            check.error(where, f"'{key}' is listed twice", "duplicate-id")
            continue
        if len(members) > MAX_MEMBERS:
            check.error(entry.items["members"].where,
                        f"more than {MAX_MEMBERS} members in one group", "too-long")  # fmt: skip
            continue
        if not members:
            continue
        members_at[key] = members
        lists[key] = entry.items["members"].where
        groups[key] = GroupData(key, tuple(m for m, _ in members), entry.where, note, unmeasured)
    # Members resolve to muscles or groups, once each, without a cycle.
    known = [*muscles, *groups]
    bad: set[str] = set()
    for key, members in members_at.items():
        seen: set[str] = set()
        for member, item in members:
            if member in seen:
                check.error(item.where, f"member '{member}' is listed twice", "stride-group")
                bad.add(key)
            seen.add(member)
            if member not in muscles and member not in groups:
                close = difflib.get_close_matches(member, known, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                check.error(
                    item.where,
                    f"member '{member}' has no entry under 'muscles' or 'groups'{hint}",
                    "stride-group",
                )
                bad.add(key)
    # One depth-first walk over every group: a member on the current path closes a cycle;
    # each group's depth (groups within groups) is known once its members are done.
    state: dict[str, int] = {}  # 1: on the path, 2: done
    depth: dict[str, int] = {}
    for root in groups:
        if root in state:
            continue
        state[root], path = 1, [root]
        stack = [(root, iter(groups[root].members))]
        while stack:
            current, rest = stack[-1]
            member = next(rest, "")
            if not member:
                stack.pop()
                path.pop()
                state[current] = 2
                below = [depth.get(m, 0) for m in groups[current].members if m in groups]
                depth[current] = 1 + max(below, default=0)
                deepest = all(depth.get(m, 0) <= MAX_NESTING + 1 for m in groups[current].members)
                if depth[current] > MAX_NESTING + 1 and current not in bad and deepest:
                    check.error(
                        lists[current],
                        f"group '{current}' nests groups more than {MAX_NESTING} deep",
                        "stride-group",
                    )
                    bad.add(current)
                continue
            if member not in groups:
                continue
            if state.get(member) == 1:
                cycle = [*path[path.index(member) :], member]
                check.error(
                    lists[current],
                    f"group '{current}' contains itself: {' > '.join(cycle)}",
                    "stride-group",
                )
                bad.add(current)
                continue
            if state.get(member) == 2:
                continue
            state[member] = 1
            path.append(member)
            stack.append((member, iter(groups[member].members)))
    # A group with a bad member is bad: walk up from the bad ones.
    holders: dict[str, list[str]] = {}
    for key, group in groups.items():
        for member in group.members:
            holders.setdefault(member, []).append(key)
    pending = list(bad)
    while pending:
        for holder in holders.get(pending.pop(), []):
            if holder not in bad:
                bad.add(holder)
                pending.append(holder)
    return {key: group for key, group in groups.items() if key not in bad}


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
    groups = _read_groups(node, muscles, check)
    stride = StrideData(shown, speeds, muscles, groups)
    if stride.reference is not None:
        for key, group in groups.items():  # a member group must draw as one row
            for member in group.members:
                if member in groups and _as_one_row(stride, member) is None:
                    check.error(
                        group.where,
                        f"member '{member}' of '{key}' is a group whose members do not all work "
                        "alike (its chart has member rows): list its members here instead",
                        "stride-group",
                    )
    missing_at = node.keys["muscles"].where if "muscles" in node.keys else node.where
    for key in article_muscles(sources.subjects):
        if key not in muscles and key not in groups:
            subject = sources.subjects[key]
            what = "spans" if subject.kind != "group" else "members with spans"
            check.error(
                missing_at,
                f"{subject.kind} '{key}' ({subject.name}) is named in the source material "
                f"(named_in_source) but has no {what} here: add its activity, with sources",
                "stride-missing",
            )
    return stride, check.problems


# --- Rows: what each chart draws, derived from the muscles' data ------------------------------

STRIDE_LINE = "0%: foot strike. 100%: that foot's next strike."
"""What the per cent scale means: one line at 390 px."""
WHOLE_GROUP = "Whole group"
"""The heading of a group's row of what every member does."""
ALSO = ", also"
"""After a member's name, under a Whole group row: the member's bars beyond that row."""


@dataclass(frozen=True, slots=True)
class ChartRow:
    """One row of one speed's section of a chart: bars of one or more muscles, or a group's."""

    subject: str
    """The chart's subject (on the overview: the row's first muscle)."""
    members: tuple[str, ...]
    """Whose bars these are: empty on a muscle's own chart; on a group's chart, every member
    for the Whole group row, else the one member; on the overview, the muscles that share it."""
    heading: str
    """Shown above the row: empty on a muscle's own chart."""
    speed: Speed
    spans: tuple[Span, ...]
    whole: bool = False
    """A group's Whole group row: what every member does."""
    note: str = ""
    """Shown under the heading, muted (the overview: the groups its muscles belong to)."""
    unknown: tuple[Span, ...] = ()
    """Jobs our sources do not time for the row's muscle at this speed: drawn hatched."""


@dataclass(frozen=True, slots=True)
class Section:
    """One speed's part of a chart: its phase header, its rows and its per cent scale; with no
    rows, a speed the chart has no data for, drawn as one hatched "no data" track."""

    speed: Speed
    rows: tuple[ChartRow, ...]
    missing: tuple[str, ...] = ()
    """Names of members with no data at this speed (or no running data at all): a hatched
    "no data" row after the others names them."""
    missing_note: str = ""
    """Shown beside the "no data" row's names, muted (the overview: their groups)."""


@dataclass(frozen=True, slots=True)
class Layout:
    """What a chart draws: a title, lines under it, and its sections, top to bottom."""

    subject: str
    title: str
    lines: tuple[str, ...]
    sections: tuple[Section, ...]
    section_legend: bool = False
    """Name the jobs once per section, under its phase header and per cent scale, instead of
    above each row (the overview: many rows, few jobs, read as one picture)."""

    @property
    def rows(self) -> tuple[ChartRow, ...]:
        return tuple(row for section in self.sections for row in section.rows)


def display_name(stride: StrideData, subjects: Mapping[str, Subject], key: str) -> str:
    if key in subjects:
        return subjects[key].name
    muscle = stride.muscles.get(key)
    return muscle.name if muscle is not None and muscle.name else key


def _lower(name: str) -> str:
    """A name inside a sentence: lower-cased, unless it starts with an abbreviation ("TFL")."""
    return name if name[1:2].isupper() else name[:1].lower() + name[1:]


def join_names(names: Sequence[str], *, lower_first: bool = False) -> str:
    """Names in a sentence: "Gastrocnemius and soleus"; "A, B and C"."""
    shown = [
        name if index == 0 and not lower_first else _lower(name) for index, name in enumerate(names)
    ]
    if len(shown) < 2:
        return "".join(shown)
    if any(" and " in name for name in shown):  # "biceps femoris; semitendinosus and ..."
        return "; ".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _speed_order(stride: StrideData) -> list[Speed]:
    reference = stride.reference
    assert reference is not None
    return [reference, *[s for s in stride.speeds.values() if s.key != reference.key]]


def _merged(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for left, right in sorted(intervals):
        if out and left <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], right))
        else:
            out.append((left, right))
    return out


def _intersect(
    a: list[tuple[float, float]], b: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        left, right = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if left < right:
            out.append((left, right))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def common_bars(bars: Sequence[Sequence[Span]], speed: str, where: Where) -> tuple[Span, ...]:
    """Where every one of ``bars`` (each a member's, at one speed) has a bar of the same role:
    the Whole group row. Each piece cites the members' bars it is read from."""
    out = []
    for role in ROLES:
        pieces = _merged((s.start, s.end) for s in bars[0] if s.role == role)
        for member in bars[1:]:
            pieces = _intersect(pieces, _merged((s.start, s.end) for s in member if s.role == role))
        for left, right in pieces:
            cites = tuple(
                dict.fromkeys(
                    cite
                    for member in bars
                    for s in member
                    if s.role == role and s.start < right and s.end > left
                    for cite in s.cites
                )
            )
            source = ", ".join(cite.text for cite in cites)
            out.append(Span(speed, left, right, role, source, where, cites))
    return tuple(sorted(out, key=lambda s: (s.start, s.end)))


def _by_speed(spans: Iterable[Span]) -> dict[str, tuple[Span, ...]]:
    out: dict[str, list[Span]] = {}
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        out.setdefault(span.speed, []).append(span)
    return {key: tuple(value) for key, value in out.items()}


def _group_sections(
    stride: StrideData, subjects: Mapping[str, Subject], key: str
) -> tuple[list[Section], bool]:
    """A group's sections with data (see the module's docstring) and whether one has a Whole
    group row."""
    group = stride.groups[key]
    own = {member: _as_one_row(stride, member, subjects) or {} for member in group.members}
    can_whole = len(group.members) > 1 and not group.unmeasured
    sections, any_whole = [], False
    for speed in _speed_order(stride):
        have = [m for m in group.members if own[m].get(speed.key)]
        whole: tuple[Span, ...] = ()
        if can_whole and len(have) == len(group.members):
            whole = common_bars([own[m][speed.key] for m in have], speed.key, group.where)
        rows = []
        if whole:
            any_whole = True
            rows.append(ChartRow(key, group.members, WHOLE_GROUP, speed, whole, whole=True))
        drawn = {span.bar for span in whole}
        for member in group.members:
            spans = tuple(s for s in own[member].get(speed.key, ()) if s.bar not in drawn)
            unknown = _unknown(stride, member, speed.key)
            if spans or unknown:
                name = display_name(stride, subjects, member) + (ALSO if whole else "")
                rows.append(ChartRow(key, (member,), name, speed, spans, unknown=unknown))
        if rows:
            shown = {m for row in rows for m in row.members}
            missing = [display_name(stride, subjects, m) for m in group.members if m not in shown]
            sections.append(Section(speed, tuple(rows), (*missing, *group.unmeasured)))
    return sections, any_whole


def _unknown(stride: StrideData, key: str, speed: str) -> tuple[Span, ...]:
    """The jobs our sources do not time for muscle ``key`` at ``speed``."""
    muscle = stride.muscles.get(key)
    return tuple(s for s in muscle.unmeasured if s.speed == speed) if muscle is not None else ()


def _as_one_row(
    stride: StrideData, key: str, subjects: Mapping[str, Subject] | None = None
) -> dict[str, tuple[Span, ...]] | None:
    """A member's bars as one row, by speed: a muscle's own; a group's Whole group row when
    that is all its chart draws (its members all work alike), else ``None``."""
    if key in stride.one_rows:
        return stride.one_rows[key]
    found: dict[str, tuple[Span, ...]] | None
    if key in stride.muscles:
        found = _by_speed(stride.muscles[key].spans)
    else:
        sections, _ = _group_sections(stride, subjects or {}, key)
        if any(len(s.rows) != 1 or not s.rows[0].whole or s.missing for s in sections):
            found = None
        else:
            found = {s.speed.key: s.rows[0].spans for s in sections}
    stride.one_rows[key] = found
    return found


NO_DATA = "no data in our sources"
"""The name of the hatched placeholder: where our sources have no data (not rest)."""
UNTIMED = "not timed in our sources"
"""Under a job our sources do not time for a muscle at a speed (hatched): what is unknown."""
NO_DATA_LINE = "Grey hatching: no data in our sources, not rest."
"""Said on every chart that draws one, by its texture and colour: no job is drawn in either."""


def subject_layout(stride: StrideData, subjects: Mapping[str, Subject], key: str) -> Layout:
    """A muscle's or a group's chart: a section per speed, the reference speed first; a speed
    without data is a hatched "no data" section."""
    name = subjects[key].name
    if key in stride.muscles:
        spans = _by_speed(stride.muscles[key].spans)
        sections = [
            Section(
                speed,
                (
                    ChartRow(
                        key,
                        (),
                        "",
                        speed,
                        spans.get(speed.key, ()),
                        unknown=_unknown(stride, key, speed.key),
                    ),
                ),
            )  # fmt: skip
            if speed.key in spans or _unknown(stride, key, speed.key)
            else Section(speed, ())
            for speed in _speed_order(stride)
        ]
        lines = [STRIDE_LINE]
    else:
        group = stride.groups[key]
        found, whole = _group_sections(stride, subjects, key)
        by_speed = {section.speed.key: section for section in found}
        sections = [by_speed.get(speed.key, Section(speed, ())) for speed in _speed_order(stride)]
        names = [display_name(stride, subjects, m) for m in group.members]
        lines = [f"Members: {join_names([*names, *group.unmeasured])}."]
        if group.unmeasured:
            lines.append(
                f"No running data for the {join_names(group.unmeasured, lower_first=True)}, so "
                "each member gets its own row."
            )
        elif whole:
            lines.append(
                f"{WHOLE_GROUP}: what all the members do at the same time. A row named "
                f"\u201c\u2026{ALSO}\u201d: what one member does besides."
            )
        elif len(group.members) > 1:
            lines.append("No job is shared by all the members, so each member gets its own row.")
        lines.append(STRIDE_LINE)
    if any(not s.rows or s.missing or any(r.unknown for r in s.rows) for s in sections):
        lines.append(NO_DATA_LINE)
    return Layout(key, name, tuple(lines), tuple(sections))


OVERVIEW_ROWS = 8
"""Overview rows per section: each section repeats the phase header and the per cent scale, so
the chart reads mid-scroll (about a phone screen apart)."""


def overview_chart_layout(
    stride: StrideData, subjects: Mapping[str, Subject], named: Sequence[str]
) -> Layout:
    """One row per muscle under the subjects ``named``, at the reference speed, each saying the
    groups it is in ("in Hip flexors and Hip abductors"), every row alike; muscles next to each
    other that work alike, in the same groups, share a row. A last, hatched row names the
    muscles without data here (the groups' ``unmeasured``)."""
    reference = stride.reference
    assert reference is not None
    leaves = list(dict.fromkeys(leaf for key in named for leaf in stride.leaves(key)))
    tags = {
        leaf: [g for g in stride.groups if leaf in stride.leaves(g)] for leaf in leaves
    }  # in the file's order

    def drawn(leaf: str) -> list[tuple[str, float, float]]:
        spans = (*stride.muscles[leaf].spans, *_unknown(stride, leaf, reference.key))
        return [s.bar for s in spans if s.speed == reference.key]

    runs: list[list[str]] = []
    # Muscles with no data at this speed, and the groups' members with no running data at all:
    # named on a hatched "no data" row at the end, with their groups.
    missing = {
        display_name(stride, subjects, leaf): tags[leaf] for leaf in leaves if not drawn(leaf)
    }
    for group in (g for key in named for g in _groups_under(stride, key)):
        for name in stride.groups[group].unmeasured:
            missing.setdefault(name, [])
            missing[name] += [group] if group not in missing[name] else []
    for leaf in leaves:
        if not drawn(leaf):
            continue
        last = runs[-1][-1] if runs else None
        if last is not None and tags[last] == tags[leaf] and drawn(last) == drawn(leaf):
            runs[-1].append(leaf)
        else:
            runs.append([leaf])
    rows = []
    for run in runs:
        heading = join_names([_short(display_name(stride, subjects, m)) for m in run])
        spans = tuple(
            sorted(
                (s for s in stride.muscles[run[0]].spans if s.speed == reference.key),
                key=lambda s: (s.start, s.end),
            )
        )
        note = _in_groups(tags[run[0]], subjects)
        unknown = _unknown(stride, run[0], reference.key)
        rows.append(
            ChartRow(run[0], tuple(run), heading, reference, spans, note=note, unknown=unknown)
        )
    sections = [
        Section(reference, tuple(rows[i : i + OVERVIEW_ROWS]))
        for i in range(0, len(rows), OVERVIEW_ROWS)
    ]
    if missing and sections:
        in_groups = list(dict.fromkeys(g for groups in missing.values() for g in groups))
        sections[-1] = replace(sections[-1], missing=tuple(missing),
                               missing_note=_in_groups(in_groups, subjects))  # fmt: skip
    lines = [
        "A row per muscle of the groups the article names (muscles that work alike share one).",
        STRIDE_LINE,
    ]
    title = "Leg muscles in one running stride"
    return Layout("", title, tuple(lines), tuple(sections), section_legend=True)


def _short(name: str) -> str:
    """A name without its bracketed gloss, for the overview's rows ("Vasti"): the gloss is on
    the muscle's own chart."""
    return name[: name.rindex(" (")] if name.endswith(")") and " (" in name else name


def _in_groups(groups: Sequence[str], subjects: Mapping[str, Subject]) -> str:
    """The groups an overview row's muscles are in, as every row says them: "in Quadriceps and
    Hip flexors" (the groups' chart titles, as written)."""
    names = [subjects[g].name for g in groups]
    return f"in {listed(names)}" if names else ""


def _groups_under(stride: StrideData, key: str) -> list[str]:
    """``key`` and the groups inside it, when it is a group."""
    out: dict[str, None] = {}
    stack = [key]
    while stack:
        current = stack.pop()
        if current in stride.groups and current not in out:
            out[current] = None
            stack.extend(stride.groups[current].members)
    return list(out)


# --- Drawing ----------------------------------------------------------------------------------

WIDTH = 340
"""viewBox width: a 390 px phone shows the chart 334-358 px wide: 13-unit text stays >= 12 px."""
DISPLAY_SCALE = 1.5
"""The SVG's width and height attributes: bigger on a desktop, scaled down to fit on a phone."""
PAD = 10
X0, X1 = 14.0, 326.0
"""The stride's 0 and 100 per cent."""
FONT, TITLE_FONT, LINE = 13, 16, 17
BAR, LANE_GAP = 16, 4
"""A bar's height, and the panel showing between the two tracks of stacked bars."""
LEGEND_COLUMN = 174
"""Where a section legend's second column starts."""
SWATCH_W, SWATCH_H = 32, 16
"""A role's swatch beside its name: a piece of bar, as tall as one and four tiles wide."""
PANEL, BORDER = "#26272b", "#6b6e78"
TEXT, MUTED = "#f4f4f5", "#d4d4d8"
STANCE_BAND, SWING_BAND = "#4b4e58", "#383a42"
STANCE_TRACK, SWING_TRACK = "#43464e", "#2f3137"
"""A track is lighter in stance and darker in swing, at its own speed's toe-off; bars are
drawn at 3:1 against the lighter."""
GUIDE, GRID, HATCH = "#a1a5ae", "#5d606a", "#1f2937"
WHOLE_FILL = "#141517"
"""Behind a group's Whole group row: what every member does, set apart from the members' rows
by a box darker than the panel (with a grid-grey edge), so both shades of track stand out on it
(round 3's lighter box was 1.06:1 against the swing track, which vanished on it)."""
NO_DATA_EDGE = "#8b8f99"
"""The grey of a "no data" track's hatching and dashed edge: no role's colour."""
PART_ON = ": same stride, more muscles"
"""After "Part 2 of 2" on the overview: the same speed as part 1, other rows."""
TWO_JOBS = "Stacked bars: two jobs at the same time."
FONT_FAMILY = (
    '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Arial, "Liberation Sans", sans-serif'
)
TILE = 8
"""Texture tiles, in chart units: a 16-unit bar is two tiles tall, and a 390 px phone shows a
tile about 8 px wide, so each texture reads as its own at a glance (round 2's 6-unit tiles with
thin lines blurred into one look)."""
_PATTERNS: dict[str, tuple[str, str]] = {
    # Each texture as one path on the role's colour: drawn as a line of that width, or filled.
    "solid": ("", ""),
    "horizontal": ("M0 2.75H8V5.25H0Z", "fill"),
    "dashes": ("M0.5 2.75H6V5.25H0.5Z", "fill"),
    "vertical": ("M2.75 0V8H5.25V0Z", "fill"),
    "vdashes": ("M2.75 0.5V6H5.25V0.5Z", "fill"),
    "hatching": ("M-1 1L1 -1M-1 7L7 -1M5 7L7 5", "1.1"),  # the no-data texture, in a 6 tile
    "grid": ("M0 4H8M4 0V8", "1.6"),
    "bricks": ("M0 2H8M0 6H8M2 2V6M6 6V10M6 -2V2", "1.5"),
    "windows": ("M1.6 1.6H6.4V6.4H1.6Z", "1.5"),
    "dots": ("M1.8 4A2.2 2.2 0 1 0 6.2 4A2.2 2.2 0 1 0 1.8 4Z", "fill"),
    "triangles": ("M4 1.2L7.2 6.8H0.8Z", "fill"),
    "checker": ("M0 0H4V4H0ZM4 4H8V8H4Z", "fill"),
    "zigzag": ("M0 6L4 2L8 6", "1.8"),
    "arcs": ("M0.6 6.6A3.4 3.4 0 0 1 7.4 6.6", "1.6"),
    "sine": ("M0 4C1.4 0.6 2.6 0.6 4 4S6.6 7.4 8 4", "1.7"),
}


def x_at(percent: float) -> float:
    """Where a per cent of the stride sits on the chart's horizontal axis."""
    return X0 + percent / 100 * (X1 - X0)


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def span_range(spans: Iterable[Span]) -> str:
    """Where bars run, as printed beside their role: "0–37%", "0–15%, 86–100%"."""
    return ", ".join(f"{_num(s.start)}\u2013{_num(s.end)}%" for s in spans)


def untimed_when(span: Span) -> str:
    """When a job our sources do not time is done, in words: by its role's definition ("before
    foot strike"), else the phase its hatching covers ("in swing")."""
    return ROLES[span.role].when or ("in stance" if span.start == 0 else "in swing")


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


def _greedy(words: list[str], size: float, width: float, bold: bool) -> list[str]:
    lines: list[str] = []
    for word in words:
        if lines and text_width(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _wrap(
    text: str, size: float, width: float, bold: bool = False, *, balance: bool = False
) -> list[str]:
    """Lines no wider than ``width``. Filled line by line, except that a last line of one word
    (or every line, with ``balance``: titles and headings) is evened out: the lines are made as
    even as the fewest lines allow."""
    words = text.split()
    lines = _greedy(words, size, width, bold)
    if len(lines) < 2 or not (balance or " " not in lines[-1]):
        return lines or [""]
    low, high = max(text_width(word, size, bold) for word in words), width
    if low >= high:
        return lines
    for _ in range(20):  # the narrowest width that still takes no more lines
        middle = (low + high) / 2
        if len(_greedy(words, size, middle, bold)) <= len(lines):
            high = middle
        else:
            low = middle
    return _greedy(words, size, high, bold)


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


def _lanes(spans: Sequence[Span]) -> list[int]:
    return _pack([(x_at(s.start), x_at(s.end)) for s in spans], 0)


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
                defs, f"{{{SVG_NS}}}pattern", id=f"p-{role.key}", patternUnits="userSpaceOnUse",
                width=str(TILE), height=str(TILE),
            )  # fmt: skip
            self.element(pattern, "rect", width=str(TILE), height=str(TILE), fill=role.colour)
            path, how = _PATTERNS[role.pattern]
            if how == "fill":
                self.element(pattern, "path", d=path, fill=HATCH, **{"fill-opacity": "0.8"})
            elif how:
                self.element(pattern, "path", d=path, fill="none", stroke=HATCH,
                             **{"stroke-width": how, "stroke-opacity": "0.8"})  # fmt: skip
        hatch = ET.SubElement(defs, f"{{{SVG_NS}}}pattern", id="p-no-data", width="6", height="6",
                              patternUnits="userSpaceOnUse")  # fmt: skip
        self.element(hatch, "rect", width="6", height="6", fill=PANEL)
        path, width = _PATTERNS[NO_DATA_PATTERN]
        self.element(hatch, "path", d=path, stroke=NO_DATA_EDGE, **{"stroke-width": width})
        self.panel = self.element(
            self.root, "rect", x="1", y="1", rx="12", fill=PANEL, stroke=BORDER,
            width=_num(WIDTH - 2), **{"class": "panel"},
        )  # fmt: skip
        self.parent = self.root
        """Where new shapes go: the root, or the group of the row being drawn."""
        self.y = 0.0
        self.x, self.y_top = 0.0, 0.0
        """Where the next legend item goes (its left, its line's top)."""

    def element(self, parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
        return ET.SubElement(parent, f"{{{SVG_NS}}}{tag}", attributes)

    def rect(
        self, x: float, y: float, width: float, height: float, **attributes: str
    ) -> ET.Element:
        return self.element(
            self.parent, "rect", x=_num(x), y=_num(y), width=_num(width), height=_num(height),
            **attributes,
        )  # fmt: skip

    def line(self, x: float, top: float, bottom: float, **attributes: str) -> None:
        self.element(self.parent, "line", x1=_num(x), x2=_num(x), y1=_num(top), y2=_num(bottom),
                     **attributes)  # fmt: skip

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
        for line in _wrap(content, size, WIDTH - 2 * PAD - 4, bold, balance=bold):
            self.text(PAD + 2, self.y + height - 4, line, size=size, bold=bold, fill=fill,
                      css_class=css_class)  # fmt: skip
            self.y += height

    def heading(self, heading: str, note: str) -> None:
        """A row's heading (bold) and its note (muted) right after it, like one sentence: the
        note goes on the heading's last line when it fits there, else on lines of its own."""
        room = WIDTH - 2 * PAD - 4
        lines = _wrap(heading, FONT, room, True, balance=True) if heading else []
        last = text_width(lines[-1], FONT, True) if lines else 0.0
        inline = bool(lines and note) and last + text_width(f" {note}", FONT) <= room
        for number, line in enumerate(lines):
            text = self.text(PAD + 2, self.y + LINE - 4, line, bold=True, css_class="row-name")
            if inline and number == len(lines) - 1:
                muted = {"font-weight": "400", "class": "row-note"}
                self.element(text, "tspan", fill=MUTED, **muted).text = f" {note}"
            self.y += LINE
        if note and not inline:
            self.lines(note, fill=MUTED, css_class="row-note")

    def roles(self, spans: Sequence[Span], unknown: Sequence[Span] = ()) -> None:
        """Each role of ``spans`` once, in the order its first bar starts: a swatch, its name and
        where its bars run ("support the body 0\u201337%"), flowed left to right like words. The
        numbers are the bars' ends, so no end is judged against grid lines. Then each job our
        sources name but do not time, hatched, on a line of its own: its name and when it is
        done, never per cents, then "not timed in our sources" on the line under it ("brace for
        landing: before foot strike," / "not timed in our sources"). Round 4's reader read
        "brace for landing 80\u2013100%: not timed" as a range denied in one breath."""
        self.x, self.y_top = PAD + 2.0, self.y
        ordered = sorted(spans, key=lambda s: (s.start, s.end))
        for key in dict.fromkeys(s.role for s in ordered):
            where = span_range(s for s in ordered if s.role == key)
            self._legend(f"url(#p-{key})", ROLES[key].label, where, "swatch", "role-label", key)
        for span in sorted(unknown, key=lambda s: (s.start, s.end)):
            self.x = WIDTH if self.x > PAD + 2 else self.x  # on a line of its own
            self._legend("url(#p-no-data)", f"{ROLES[span.role].label}:", f"{untimed_when(span)},",
                         "no-data-swatch", "no-data-label", span.role)  # fmt: skip
            self.y_top += LINE
            self.text(PAD + 2 + SWATCH_W + 5, self.y_top + 13, UNTIMED, css_class="no-data-label")
            self.x = WIDTH
        self.y = self.y_top + LINE

    def legend(self, roles: Sequence[str], no_data: bool) -> None:
        """A section's jobs, each once (a swatch and its name), then the hatched "no data"
        swatch when the section has one: in two columns where two fit on a line, an item paired
        with the first later one that fits beside it, so the legend keeps the jobs' order."""
        items = [(f"url(#p-{key})", ROLES[key].label, "swatch", "role-label", key)
                 for key in roles]  # fmt: skip
        if no_data:
            items.append(("url(#p-no-data)", NO_DATA, "no-data-swatch", "no-data-label", ""))
        width = [SWATCH_W + 5 + text_width(item[1], FONT) for item in items]
        left = list(range(len(items)))
        self.y_top = self.y - LINE
        while left:
            first = left.pop(0)
            beside = next((i for i in left if width[first] + 12 <= LEGEND_COLUMN - PAD - 2
                           and LEGEND_COLUMN + width[i] <= WIDTH - PAD), None)  # fmt: skip
            self.x, self.y_top = PAD + 2.0, self.y_top + LINE
            self._legend(*items[first][:2], "", *items[first][2:])
            if beside is not None:
                left.remove(beside)
                self.x = LEGEND_COLUMN
                self._legend(*items[beside][:2], "", *items[beside][2:])
        self.y = self.y_top + LINE

    def no_data_label(self) -> None:
        """The legend of a hatched track: "no data in our sources"."""
        self.x, self.y_top = PAD + 2.0, self.y
        self._legend("url(#p-no-data)", NO_DATA, "", "no-data-swatch", "no-data-label", "")
        self.y = self.y_top + LINE

    def _legend(
        self, fill: str, label: str, where: str, swatch: str, css_class: str, role: str
    ) -> None:
        """One legend item at the flow's place, on the next line when it does not fit."""
        suffix = f" {where}" if where else ""
        width = SWATCH_W + 5 + text_width(label + suffix, FONT)
        if self.x > PAD + 2 and self.x + width > WIDTH - PAD:
            self.x, self.y_top = PAD + 2.0, self.y_top + LINE
        attributes = {"stroke-width": "0.8", "class": swatch, "data-role": role}
        if swatch == "no-data-swatch":
            attributes.update({"stroke-dasharray": "3 2"})
        self.rect(self.x, self.y_top + 0.5, SWATCH_W, SWATCH_H, fill=fill,
                  stroke=TEXT if swatch == "swatch" else NO_DATA_EDGE, **attributes)  # fmt: skip
        text = self.text(self.x + SWATCH_W + 5, self.y_top + 13, label, css_class=css_class)
        if suffix:
            kind = "role-range" if swatch == "swatch" else "untimed-when"  # never per cents
            self.element(text, "tspan", **{"class": kind}).text = suffix
        self.x += width + 12

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


PHASE_MARGIN = 1.5
"""Room a phase word keeps from the lines either side of it."""
OVERHANG = 3.0
"""How far a phase line reaches above and below a track: where a bar hides it, its two ends
still mark the phase on the bar's edges, and nothing is drawn on the bar itself."""
TOE_MARK_W, TOE_MARK_H = 6.0, 4.2
"""A white wedge above each row's tracks (and a shorter one under them) points at toe-off:
round 3's reader could not see the toe-off line under a bar that crosses it (the iliopsoas',
the rectus femoris'), and a mark on the bar would cut it in two (round 2). Outside the tracks,
as wide as a phone shows 6 px."""
TOE_LINE_W, TOE_CASING_W, TOE_CASING = 1.4, 3.2, "#0b0b0d"
"""The toe-off line drawn over a row's bars: white, 1.4 units, on a near-black casing 3.2 units
wide (about 1 px of dark each side at 390 px), so it reads on every bar colour and on the
tracks, and a bar's texture still shows on both sides of it."""
GRID_CLEAR = 2.5
"""Per cent of the stride: no 10% grid line this close to a phase line (two lines a few pixels
apart read as one thick one)."""


def _phases(
    toe: float,
) -> tuple[list[tuple[str, float, float]], list[tuple[float, bool]], list[str]]:
    """The phase words that fit between their lines at this toe-off, the lines (toe-off solid,
    midstance and mid swing dashed, always), and a line per phase naming its split with its per
    cents ("Stance: loading 0\u201319.5%, push-off 19.5\u201339%.", "Swing: early
    39\u201369.5%, terminal 69.5\u2013100%."), its only naming where its words do not fit."""
    middle_stance, middle_swing = _phase_marks(toe)
    halves = (
        ("Stance", (("loading", 0.0, middle_stance), ("push-off", middle_stance, toe))),
        ("Swing", (("early swing", toe, middle_swing), ("terminal swing", middle_swing, 100.0))),
    )
    shown: list[tuple[str, float, float]] = []
    callouts = []
    for half, words in halves:
        fits = all(  # the estimate without its margin for wide fonts: Chromium's tests measure
            text_width(word, FONT) / 1.08 + 2 * PHASE_MARGIN <= x_at(right) - x_at(left)
            for word, left, right in words
        )
        if fits:
            shown.extend(words)
        # Each split printed with its per cents, whether or not its words fit between the
        # lines: round 3's reader measured swing's, round 4's the easy run's stance split.
        named = ", ".join(f"{word.split()[0] if fits else word} {_num(left)}\u2013{_num(right)}%"
                          for word, left, right in words)  # fmt: skip
        callouts.append(f"{half}: {named}.")
    guides = [(middle_stance, True), (toe, False), (middle_swing, True)]
    return shown, guides, callouts


def _guide(drawing: _Drawing, percent: float, dashed: bool, top: float, bottom: float) -> None:
    attributes = {"stroke-width": "1" if dashed else "1.5", "class": "guide", "stroke": GUIDE}
    if dashed:
        attributes["stroke-dasharray"] = "3 2"
    drawing.line(x_at(percent), top, bottom, **attributes)


def _header(drawing: _Drawing, toe: float) -> list[tuple[float, bool]]:
    """Stance and swing as a band, the phase words under it between their lines (or, for a
    phase too short for them, a line naming them with their per cents)."""
    top = drawing.y
    for left, right, word, fill in (
        (0, toe, "stance", STANCE_BAND),
        (toe, 100, "swing", SWING_BAND),
    ):
        drawing.rect(x_at(left), top, x_at(right) - x_at(left), 20, fill=fill)
        if text_width(word, FONT, True) + 4 <= x_at(right) - x_at(left):
            drawing.text((x_at(left) + x_at(right)) / 2, top + 15, word, bold=True,
                         anchor="middle", css_class="phase-label")  # fmt: skip
    words, guides, callouts = _phases(toe)
    drawing.y = top + 20
    for percent, dashed in guides:
        _guide(drawing, percent, dashed, drawing.y, drawing.y + LINE)
    for word, left, right in words:
        drawing.text((x_at(left) + x_at(right)) / 2, drawing.y + 13, word, anchor="middle",
                     fill=MUTED, css_class="phase-label")  # fmt: skip
    drawing.y += LINE
    for callout in callouts:
        drawing.lines(callout, fill=MUTED, css_class="phase-label")
    return guides


def _track(
    drawing: _Drawing, index: int, row: ChartRow, guides: list[tuple[float, bool]]
) -> None:  # fmt: skip
    """The row's bars on a track shaded by phase, with 10% grid lines and the phase lines
    behind them; two jobs at once are two tracks, one above the other, with the panel between
    them (round 2's one block of track hid the lower track's empty part). A phase line reaches
    a little above and below the tracks, so a bar that hides it still shows where it crosses,
    at both edges, and a white wedge above and under the tracks points at toe-off. Toe-off's
    thin cased line is the one mark drawn over the bars."""
    spans = row.spans
    lanes = _lanes([*spans, *row.unknown])
    count = max(lanes) + 1 if lanes else 1
    top, toe = drawing.y, x_at(row.speed.toe_off)
    full = count * BAR + (count - 1) * LANE_GAP
    for lane in range(count):  # a track per lane, the panel between: stacked bars look stacked
        y = top + lane * (BAR + LANE_GAP)
        drawing.rect(X0, y, toe - X0, BAR, fill=STANCE_TRACK, **{"class": "track"})
        drawing.rect(toe, y, X1 - toe, BAR, fill=SWING_TRACK, **{"class": "track"})
        for step in range(10, 100, 10):
            if all(abs(step - percent) >= GRID_CLEAR for percent, _ in guides):
                drawing.line(x_at(step), y, y + BAR, stroke=GRID,
                             **{"stroke-width": "0.6", "class": "grid"})  # fmt: skip
    for percent, dashed in guides:
        _guide(drawing, percent, dashed, top - OVERHANG, top + full + OVERHANG)
    for span, lane in zip(spans, lanes, strict=False):
        drawing.rect(
            x_at(span.start), top + lane * (BAR + LANE_GAP), x_at(span.end) - x_at(span.start),
            BAR, fill=f"url(#p-{span.role})", stroke=PANEL,
            **{"stroke-width": "1", "class": "bar", "data-row": str(index),
               "data-speed": row.speed.key, "data-subject": row.subject, "data-role": span.role},
        )  # fmt: skip
    for span, lane in zip(row.unknown, lanes[len(spans) :], strict=True):
        drawing.rect(
            x_at(span.start), top + lane * (BAR + LANE_GAP), x_at(span.end) - x_at(span.start),
            BAR, fill="url(#p-no-data)", stroke=NO_DATA_EDGE,
            **{"stroke-width": "1", "stroke-dasharray": "3 2", "class": "no-data",
               "data-speed": row.speed.key, "data-role": span.role},
        )  # fmt: skip
    # Toe-off over everything: a thin white line in a dark casing, so it shows through a bar
    # that crosses it without hiding the bar's texture either side (round 4's reader found only
    # the two wedges left of it where a bar covered the line behind).
    casing = {"class": "toe-off-casing", "stroke": TOE_CASING, "stroke-width": _num(TOE_CASING_W)}
    drawing.line(toe, top, top + full, **casing)
    drawing.line(toe, top - OVERHANG, top + full + OVERHANG, stroke=TEXT,
                 **{"class": "toe-off-line", "stroke-width": _num(TOE_LINE_W)})  # fmt: skip
    for tip, base in ((top - 0.8, top - 0.8 - TOE_MARK_H), (top + full + 0.8, top + full + 4.2)):
        drawing.element(drawing.parent, "path", fill=TEXT, **{"class": "toe-off"}, d=(
            f"M{_num(toe - TOE_MARK_W / 2)} {_num(base)}H{_num(toe + TOE_MARK_W / 2)}"
            f"L{_num(toe)} {_num(tip)}Z"))  # fmt: skip
    drawing.y = top + full


def _scale(drawing: _Drawing, toe: float, *, on_top: bool = False) -> None:
    """The per cent scale: a tick every 10%, a number every 20%; under a section's rows, or on
    top of them (ticks under the numbers, pointing at the rows). Toe-off has its own number, in
    bold white on a white tick, and a number of the scale too close to it is left out: round 4's
    reader read the sprint's toe-off line at 22% as 20, beside the scale's "20"."""
    top = drawing.y + (2 if on_top else OVERHANG + 2)
    ticks = top + 15 if on_top else top
    for percent in range(0, 101, 10):
        major = percent % 20 == 0
        length = 5 if major else 3
        drawing.line(x_at(percent), ticks + (5 - length if on_top else 0),
                     ticks + (5 if on_top else length), stroke=TEXT if major else MUTED,
                     **{"stroke-width": "1.2" if major else "0.8"})  # fmt: skip
    drawing.line(x_at(toe), ticks, ticks + 5, stroke=TEXT,
                 **{"stroke-width": _num(TOE_LINE_W), "class": "toe-off-tick"})  # fmt: skip
    baseline = top + (12 if on_top else 17)
    said = _num(toe)
    half = text_width(said, FONT, True) / 2
    drawing.text(x_at(toe), baseline, said, anchor="middle", bold=True,
                 css_class="toe-off-label")  # fmt: skip
    for percent in range(0, 101, 20):
        label = f"{percent}%" if percent == 100 else str(percent)
        anchor = "start" if percent == 0 else "end" if percent == 100 else "middle"
        x = x_at(percent) - (2 if percent == 0 else -2 if percent == 100 else 0)
        width = text_width(label, FONT)
        left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
        if left < x_at(toe) + half + SCALE_GAP and left + width > x_at(toe) - half - SCALE_GAP:
            continue  # toe-off's own number stands there
        drawing.text(x, baseline, label, anchor=anchor, fill=MUTED,
                     css_class="axis-label")  # fmt: skip
    drawing.y = top + 21


SCALE_GAP = 4.0
"""Room between toe-off's number and the scale's numbers either side of it."""


def _separator(drawing: _Drawing) -> None:
    """A thin line between two rows of a section."""
    drawing.y += OVERHANG + 1.5
    drawing.element(drawing.root, "line", x1=_num(PAD), x2=_num(WIDTH - PAD), y1=_num(drawing.y),
                    y2=_num(drawing.y), stroke=GRID, **{"stroke-width": "0.75"})  # fmt: skip
    drawing.y += 1.5


def _no_data_track(drawing: _Drawing, speed: Speed) -> None:
    """A track hatched from end to end: the chart has no data for it at this speed."""
    drawing.y += OVERHANG + 2
    drawing.rect(X0, drawing.y, X1 - X0, BAR, fill="url(#p-no-data)", stroke=NO_DATA_EDGE,
                 **{"stroke-width": "1", "stroke-dasharray": "3 2", "class": "no-data",
                    "data-speed": speed.key})  # fmt: skip
    drawing.y += BAR


def _draw(layout: Layout, credit: str = "") -> bytes:
    drawing = _Drawing(layout.title)
    drawing.y = PAD
    drawing.lines(layout.title, size=TITLE_FONT, bold=True, css_class="title")
    lines = list(layout.lines)
    if any(max(_lanes(row.spans), default=0) > 0 for row in layout.rows):
        lines.append(TWO_JOBS)
    for line in lines:
        drawing.lines(line, fill=MUTED, css_class="subtitle")
    index = 0
    for section in layout.sections:
        drawing.y += 10
        speed = section.speed
        if not section.rows:  # no data at this speed: said, and drawn as a hatched track
            drawing.parent = drawing.element(drawing.root, "g", **{
                "class": "no-data-row", "data-speed": speed.key})  # fmt: skip
            drawing.lines(speed.title, bold=True, css_class="speed")
            drawing.lines(f"{NO_DATA[:1].upper()}{NO_DATA[1:]}.", bold=True, css_class="speed")
            _no_data_track(drawing, speed)
            drawing.parent = drawing.root
            drawing.y += OVERHANG
            continue
        # Every section says its speed, the overview's too: read mid-scroll, it stands alone.
        # Sections of one speed (the overview's) say which part they are: round 3's reader
        # took the second, under the same heading, for a new speed or a page drawn twice.
        parts = [s for s in layout.sections if s.speed.key == speed.key]
        if len(parts) > 1:
            number = parts.index(section) + 1
            drawing.lines(f"Part {number} of {len(parts)}" + (PART_ON if number > 1 else ""),
                          bold=True, css_class="part")  # fmt: skip
        drawing.lines(speed.title, bold=True, css_class="speed")  # its own line, never split
        drawing.lines(f"Toe-off at {_num(speed.toe_off)}%", bold=True, css_class="speed")
        drawing.y += 2
        holder = drawing.element(drawing.root, "g", **{"class": "section",
                                                       "data-speed": speed.key})  # fmt: skip
        drawing.parent = holder
        guides = _header(drawing, speed.toe_off)
        if layout.section_legend:  # the scale on top too, then every job of the section, once
            _scale(drawing, speed.toe_off, on_top=True)
            drawing.parent = drawing.element(holder, "g", **{"class": "legend"})
            drawing.y += 4
            roles = [
                s.role for row in section.rows for s in sorted(row.spans, key=lambda s: s.start)
            ]
            no_data = bool(section.missing) or any(row.unknown for row in section.rows)
            drawing.legend(list(dict.fromkeys(roles)), no_data)
            drawing.parent = holder
            drawing.y += 2
        for number, row in enumerate(section.rows):
            if number or layout.section_legend:
                _separator(drawing)
            drawing.y += 2
            drawing.parent = drawing.element(
                holder, "g", **{"class": "chart-row", "data-row": str(index),
                                "data-subject": row.subject, "data-speed": row.speed.key,
                                "data-members": " ".join(row.members)},
            )  # fmt: skip
            top = drawing.y
            drawing.heading(row.heading, row.note)
            if not layout.section_legend:
                drawing.roles(row.spans, row.unknown)
            drawing.y += OVERHANG + 2
            _track(drawing, index, row, guides)
            if row.whole:  # set apart from the member rows under it by a darker box
                box = drawing.element(drawing.parent, "rect", x=_num(PAD - 5), y=_num(top - 1),
                                      width=_num(WIDTH - 2 * PAD + 10), rx="6", fill=WHOLE_FILL,
                                      height=_num(drawing.y + OVERHANG + 3 - top), stroke=GRID,
                                      **{"class": "whole-group",
                                         "stroke-width": "0.75"})  # fmt: skip
                drawing.parent.remove(box)
                drawing.parent.insert(0, box)
            drawing.parent = holder
            index += 1
        if section.missing:  # members without data here: a row of their own, hatched
            _separator(drawing)
            drawing.y += 2
            drawing.parent = drawing.element(holder, "g", **{
                "class": "no-data-row", "data-speed": speed.key,
                "data-names": "; ".join(section.missing)})  # fmt: skip
            drawing.heading(join_names(section.missing), section.missing_note)
            if not layout.section_legend:
                drawing.no_data_label()
            _no_data_track(drawing, speed)
            drawing.parent = holder
        _scale(
            drawing, speed.toe_off
        )  # under every section's rows: round 3's reader counted grid lines
        drawing.parent = drawing.root
    if credit:  # where the numbers come from, under them
        drawing.y += 8
        drawing.lines(credit, fill=MUTED, css_class="credit")
    return drawing.finish()


@dataclass(frozen=True, slots=True)
class Charts:
    """The deck's stride charts: one per subject with data, and the overview."""

    data: StrideData | None = None
    subjects: dict[str, Picture] = field(default_factory=dict)
    overview: Picture | None = None
    overview_rows: tuple[str, ...] = ()
    """The subjects the article names, which the overview shows (as its muscles' rows)."""
    layouts: dict[str, Layout] = field(default_factory=dict)
    """What each subject's chart draws, top to bottom (its rows in ``data-row`` order)."""
    overview_layout: Layout | None = None
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


def _cited(layout: Layout) -> tuple[str, ...]:
    """The reference keys of every speed and span a chart draws, in order, once each."""
    keys = []
    for section in layout.sections:
        if section.rows:  # a section without data draws no toe-off
            keys += [cite.key for cite in section.speed.cites]
        for row in section.rows:
            keys += [cite.key for span in (*row.spans, *row.unknown) for cite in span.cites]
    return tuple(dict.fromkeys(keys))


def derive_charts(sources: DeckSources, stride: StrideData | None) -> Charts:
    """Every chart the data allows (none when the deck has no stride data or no usable speed)."""
    if stride is None or stride.reference is None:
        return Charts(data=stride)
    subjects = sources.subjects
    charts, layouts, credits = {}, {}, {}
    for key in [*stride.muscles, *stride.groups]:
        if key not in subjects:
            continue  # a muscle the manifest does not list: a row of its groups' charts only
        layout = subject_layout(stride, subjects, key)
        if not layout.sections:
            continue
        cited = _cited(layout)
        data = _draw(layout, credit_line(cited, sources))
        charts[key] = Picture(content_name("fg-chart", ".svg", data), data)
        layouts[key] = layout
        credits[charts[key].name] = cited
    named = [key for key in article_muscles(subjects) if stride.activity(key, stride.reference.key)]
    overview, overview_layout = None, None
    if named:
        overview_layout = overview_chart_layout(stride, subjects, named)
        cited = _cited(overview_layout)
        data = _draw(overview_layout, credit_line(cited, sources))
        overview = Picture(content_name("fg-chart", ".svg", data), data)
        credits[overview.name] = cited
    drawn = Charts(stride, charts, overview, tuple(named), layouts, overview_layout, credits)
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
        spans = stride.activity(key, reference.key)
        shares.append((key, _covered(spans, reference.toe_off, 100) / length))
    shares.sort(key=lambda item: -item[1])
    return SwingAnswer(tuple(shares), reference.toe_off)


def overview_problems(sources: DeckSources, charts: Charts) -> list[Problem]:
    """``stride-overview``: the data would give the overview card a second right answer."""
    found = swing_answer(charts)
    if found is None or found.answer is not None or not found.whole:
        return []  # no overview, one answer, or nothing to ask (then no card: nothing to mislead)
    stride = charts.data
    assert stride is not None
    names = {key: sources.subjects[key].name for key, _ in found.shares}
    first, second = found.shares[0], found.shares[1]
    where = (
        stride.groups[second[0]] if second[0] in stride.groups else stride.muscles[second[0]]
    ).where
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
    by_bar = {s.bar: s for s in stride.activity(key, reference.key) if s.end > reference.toe_off}
    spans = sorted(by_bar.values(), key=lambda s: (s.start, s.end))
    doing = ", then ".join(
        f"{ROLES[s.role].label} from {_num(max(s.start, reference.toe_off))}%" for s in spans
    )
    share = found.shares[1][1] if len(found.shares) > 1 else 0.0
    # The runners-up: every subject as close to the answer as the next one (ties named alike).
    next_ones = [sources.subjects[k].name for k, s in found.shares[1:] if abs(s - share) < 0.005]
    # The label without its pace: the chart on the answer side says it; the extra stays short.
    extra = f"{markdown_literal(reference.label)}. {markdown_literal(name)}: {doing}."
    if next_ones:
        listed = ", ".join(next_ones[:1] + [_lower(n) for n in next_ones[1:]])
        extra += f" Next, {share:.0%} of swing: {markdown_literal(listed)}."
    cited = [cite.key for cite in reference.cites]
    cited += [cite.key for s in spans for cite in s.cites]
    references = sources.config.references if sources.config is not None else {}
    if references:  # an unknown key is the data's error, reported there once
        cited = [key for key in cited if key in references]
    where = (stride.groups[key] if key in stride.groups else stride.muscles[key]).where
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


def credit_line(keys: Iterable[str], sources: DeckSources) -> str:
    """The line a chart ends with: where its numbers come from, shortly ("Data: Gazendam & Hof
    2007; Novacheck 1998"). On the chart, not in the Source field of the card that shows it:
    there it listed a dozen studies that do not back the card's own fact."""
    references = sources.config.references if sources.config is not None else {}
    items = [short_reference(references[key]) if key in references else key for key in keys]
    return "Data: " + "; ".join(dict.fromkeys(items)) if items else ""


def stride_charts(sources: DeckSources) -> tuple[Charts, list[Problem]]:
    """Load, check and draw: the deck's charts and the data's problems."""
    stride, problems = load_stride(sources)
    charts = derive_charts(sources, stride)
    return charts, [*problems, *charts.problems]
