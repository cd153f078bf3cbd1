"""The card sources as typed values: ``cards/deck.yaml``, ``cards/subjects.yaml`` and card files.

Loading checks the shape of every file (keys, types, required fields) and keeps going after a
problem, so that one run reports everything. Rules about content live in :mod:`flashgen.check`.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import struct
import unicodedata
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from flashgen import fields
from flashgen.markup import cycle_collector_paused, picture_references
from flashgen.problems import Problem, ProblemError, Where
from flashgen.yamlsource import (
    YamlProblem,
    YMap,
    YNode,
    YScalar,
    YSeq,
    control_problem,
    parse,
    read_regular_file,
    read_text,
)

DECK_FILE = "deck.yaml"
SUBJECTS_FILE = "subjects.yaml"
STRIDE_FILE = "stride.yaml"
"""Stride activity data, not a card file: read and checked by :mod:`flashgen.stride`."""
MEDIA_DIR = "media"
DIAGRAMS_DIR = "diagrams"
# Generated cards' ids start with these; written cards may not (their guids would collide).
RESERVED_ID_PREFIXES = ("picture-", "chart-")
# genanki.guid_for joins its arguments with this: a key or id holding it could hash like another.
GUID_SEPARATOR = "__"
# Anki stores deck ids as signed 64-bit integers; 0 and 1 are its own.
MAX_DECK_ID = (1 << 63) - 1
# What a card id or a subject key must be: a lowercase slug (it is part of note guids and ids).
SLUG = re.compile(r"\A[a-z0-9][a-z0-9._-]*\Z")
SLUG_RULE = "a lowercase slug (a-z, 0-9, '-', '_', '.')"
# Zero-width and bidirectional controls: invisible, yet they change what text compares equal to.
INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_NO_ALLOW: Mapping[str, str] = MappingProxyType({})
MAX_NAME_LENGTH = 200
"""Characters in a deck's or subject's name or alias: names head cards, picture questions and
charts, each drawn again for every card or subject that shows them."""


@dataclass(frozen=True, slots=True)
class DeckConfig:
    """What ``deck.yaml`` says about the deck as a whole."""

    name: str
    """Anki deck name; ``::`` makes subdecks."""
    deck_id: int
    """Anki deck id, fixed forever."""
    key: str
    """The deck's own key: note guids hash it with each card id."""
    description: str = ""
    context_cue: bool = False
    """Every question must open with a context cue such as ``Calf:``."""
    context_cues: tuple[str, ...] = ()
    """The cues a question may open with (without the colon); empty: any cue."""
    max_answer_words: int = 8
    aspects: dict[str, str] = field(default_factory=dict)
    """What a card can teach about a subject (aspect key -> one-line meaning)."""
    required_aspects: tuple[str, ...] = ()
    """Aspects every subject named in the source material must have cards for."""
    references: dict[str, str] = field(default_factory=dict)
    """Citations by key; a card's ``source`` then lists keys, shown in full on the card."""
    reference_places: dict[str, Where] = field(default_factory=dict)
    """Where each reference key is written in ``deck.yaml``."""
    allow: dict[str, str] = field(default_factory=dict)
    """Lint rules silenced for problems about the deck as a whole, each with the reason."""
    where: Where = Where(DECK_FILE)


@dataclass(frozen=True, slots=True)
class Subject:
    """One manifest entry: a thing the deck teaches (a muscle, a group, a tendon, a term...)."""

    key: str
    name: str
    kind: str
    """One of :data:`fields.SUBJECT_KINDS`: what it is, which rules and pictures read."""
    group: str | None
    aliases: tuple[str, ...]
    named_in_source: bool
    """The source material names it, so coverage requires it to be taught fully."""
    aspects: tuple[str, ...] | None
    """Overrides the deck's ``required_aspects`` for this subject."""
    where: Where
    view: str | None = None
    """The diagram (its name: the file's stem) its picture is drawn from, when the author
    chose it (:func:`flashgen.pictures.choose_view` chooses otherwise)."""
    view_where: Where | None = None
    """Where ``view`` is written."""


@dataclass(frozen=True, slots=True)
class Card:
    """One note to build. ``front``/``back`` make a basic card, ``cloze`` a cloze card."""

    id: str
    where: Where
    front: str | None = None
    back: str | None = None
    cloze: str | None = None
    extra: str = ""
    source: str = ""
    tags: tuple[str, ...] = ()
    subject: str | None = None
    aspects: tuple[str, ...] = ()
    picture: str | None = None
    subdeck: str | None = None
    allow: Mapping[str, str] = field(default_factory=lambda: _NO_ALLOW)
    """Lint rules silenced on this card, each with the reason."""
    retired: str | None = None
    """Why the card was retired; it still builds, tagged ``retired``."""
    places: bytes = b""
    """Where each key's value was written, packed by :func:`_pack_places`."""
    generated: bool = False
    """Made by flashgen (the picture cards), not written in a card file."""

    @property
    def is_cloze(self) -> bool:
        return self.cloze is not None

    @property
    def source_keys(self) -> list[str]:
        """The source split into items, for decks that cite references by key."""
        return source_keys(self.source)

    @property
    def question(self) -> str:
        return self.cloze if self.cloze is not None else (self.front or "")

    def at(self, key: str) -> Where:
        """Where ``key``'s value was written; the card itself when it has no such key."""
        slot = _CARD_KEY_SLOTS.get(key)
        if slot is None:
            return self.where
        for written, line, col in _PLACE.iter_unpack(self.places):
            if written == slot:
                return Where(self.where.path, line, col)
        return self.where

    def written(self, key: str) -> bool:
        """Whether the card's own mapping has ``key`` (not inherited from its file)."""
        return self.at(key) is not self.where


@dataclass(slots=True)
class DeckSources:
    """Everything under a cards directory, loaded."""

    root: Path
    shown_root: str
    config: DeckConfig | None
    subjects: dict[str, Subject]
    cards: list[Card]
    files: list[str]
    media: dict[str, Path]
    """Media files under ``media/``, by name (NFC)."""
    subjects_file: str | None = None
    media_data: dict[str, bytes] = field(default_factory=dict)
    """Media files already read and made safe (SVGs are sanitised), by name."""
    unreadable: list[str] = field(default_factory=list)
    """Source files that could not be parsed: their cards are unknown, not removed."""
    unread_ids: set[str] = field(default_factory=set)
    """Ids of cards written with errors that kept them from loading."""

    def shown(self, name: str) -> str:
        return f"{self.shown_root}/{name}" if self.shown_root else name


# The accepted keys come from one table, which flashgen.schema also turns into JSON Schema.
CARD_KEYS = fields.names(fields.CARD)
CARD_FILE_KEYS = fields.names(fields.CARD_FILE)
_CARD_KEY_SLOTS = {key: slot for slot, key in enumerate(CARD_KEYS)}
# Each key written: its slot in CARD_KEYS, and its value's line and column.
_PLACE = struct.Struct("=BII")
_Shared = TypeVar("_Shared", bound=Hashable)


# One packing per number of keys written (a card writes at most every key once).
_PLACES = [struct.Struct("=" + "BII" * count) for count in range(len(CARD_KEYS) + 1)]


def _pack_places(node: YMap) -> bytes:
    """Line and column of each card key's value, in a few bytes: decks hold 100,000s of cards,
    and a card writes few of its keys."""
    numbers: list[int] = []
    for key, value in node.items.items():
        slot = _CARD_KEY_SLOTS.get(key)
        if slot is not None:
            numbers += (slot, value.line, value.col)
    return _PLACES[len(numbers) // 3].pack(*numbers)


DECK_KEYS = fields.names(fields.DECK)
SUBJECTS_FILE_KEYS = fields.names(fields.SUBJECTS_FILE)
SUBJECT_KEYS = fields.names(fields.SUBJECT)


def source_keys(source: str) -> list[str]:
    """A ``source`` (a card's, or a number's in stride.yaml) split into its items: the
    reference keys it cites, in a deck with ``references``."""
    return [part.strip() for part in re.split(r"[;,]", source) if part.strip()]


def unknown_references(source: str, config: DeckConfig | None, where: Where) -> Iterator[Problem]:
    """An ``unknown-reference`` problem for each item of ``source`` that is not a key of
    deck.yaml's ``references``; when the deck has no references (sources are then Markdown
    text), a ``picture-place`` problem for a picture in it."""
    references = config.references if config is not None else {}
    if not references:
        # The source is then Markdown, shown as written: a citation, never a picture (one
        # with an address, //host/x.png, would be fetched on every review).
        if picture_references(source):
            yield Problem(
                where,
                "a source shows a picture; sources cite, pictures belong on cards (in media/)",
                "picture-place",
            )
        return
    for key in source_keys(source):
        if key not in references:
            close = difflib.get_close_matches(key, references, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            yield Problem(
                where,
                f"source '{key}' is not under 'references' in deck.yaml{hint}",
                "unknown-reference",
            )


def malformed_deck_name(name: str) -> bool:
    """A deck name Anki would read differently: an empty part around '::', or ':::'."""
    return ":::" in name or any(not part.strip() for part in name.split("::"))


_RETIRED_CHOICES = {
    "structure": " ('structure' was split: a tendon, fascia, bone or joint is now named as such)",
}
"""Choices an earlier flashgen accepted, and what replaced them."""


class Reader:
    """Converts located YAML into typed values, collecting problems instead of stopping (the
    card sources' loader, and :mod:`flashgen.stride`'s)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.unread_ids: set[str] = set()
        self._shared: dict[Hashable, Hashable] = {}
        self.may_hide = True
        """Whether the file being read may hold an invisible character in a value: when its
        text has none and no escape (``\\``) could spell one, no value is searched."""

    def reading(self, text: str) -> None:
        """Start reading a file whose text is ``text``."""
        self.may_hide = "\\" in text or INVISIBLE.search(text) is not None

    def shared(self, value: _Shared) -> _Shared:
        """One copy of a value many cards repeat (tags, sources, subjects), not one per card."""
        return self._shared.setdefault(value, value)  # type: ignore[return-value]

    def error(self, where: Where, message: str, rule: str) -> None:
        self.problems.append(Problem(where, message, rule))

    def check_keys(self, node: YMap, allowed: tuple[str, ...], what: str) -> None:
        for key, key_node in node.keys.items():
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(allowed)})"
            self.error(key_node.where, f"unknown key '{key}' in {what}{hint}", "unknown-key")

    def required_list(self, node: YMap, key: str, shown: str, not_a_list: str) -> list[YNode]:
        """The items of ``node``'s list under ``key``; none, and a problem, when it is missing
        or not a list (``not_a_list`` says what it must be)."""
        value = node.items.get(key)
        if value is None:
            self.error(node.where, f"{shown} is missing required key '{key}'", "missing-key")
            return []
        if not isinstance(value, YSeq):
            self.error(value.where, not_a_list, "wrong-type")
            return []
        return value.items

    def string(
        self, node: YMap, key: str, what: str, *, required: bool = False, empty_ok: bool = False
    ) -> str | None:
        value = node.items.get(key)
        if type(value) is YScalar and type(value.value) is str:
            # The common case, text, without the general checks below.
            text = value.value.strip()
            if text:
                if self.may_hide:
                    self.invisible(text, value, key)
                return text
        if value is None:
            if required:
                self.error(node.where, f"{what} is missing required key '{key}'", "missing-key")
            return None
        if not isinstance(value, YScalar) or isinstance(value.value, bool):
            self.error(value.where, f"'{key}' must be text", "wrong-type")
            return None
        if value.value is None or (isinstance(value.value, str) and not value.value.strip()):
            if not empty_ok:
                self.error(value.where, f"'{key}' is empty", "empty-field")
            return None
        return str(value.value)  # a number or a date, written as text

    def long_name(self, text: str, where: Where, what: str) -> None:
        """A ``too-long`` problem for a name over :data:`MAX_NAME_LENGTH` characters."""
        if len(text) > MAX_NAME_LENGTH:
            self.error(
                where,
                f"{what} is {len(text)} characters long; a name has at most {MAX_NAME_LENGTH} "
                "(it heads cards, questions and charts): move the rest to a card",
                "too-long",
            )

    def choice(
        self, node: YMap, key: str, choices: Mapping[str, str], what: str, rule: str
    ) -> str | None:
        """One of ``choices`` (word -> meaning), or ``None`` and a located problem under
        ``rule`` with a suggestion."""
        text = self.string(node, key, what)
        if text is None or text in choices:
            return text
        close = difflib.get_close_matches(text.lower(), choices, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        hint += _RETIRED_CHOICES.get(text, "")
        self.error(
            node.items[key].where,
            f"'{key}' is '{text}', not one of {', '.join(choices)}{hint}",
            rule,
        )
        return None

    def invisible(self, text: str, node: YScalar, key: str) -> None:
        found = INVISIBLE.search(text)
        if found is not None:
            self.problems.append(
                Problem(
                    node.where,
                    f"'{key}' holds an invisible character U+{ord(found.group()):04X} "
                    "(zero-width or text direction); remove it",
                    "invisible-character",
                    "warning",
                )
            )

    def integer(self, node: YMap, key: str, *, required: bool = False) -> int | None:
        value = node.items.get(key)
        if value is None:
            if required:
                self.error(
                    node.where, f"{DECK_FILE} is missing required key '{key}'", "missing-key"
                )
            return None
        if (
            not isinstance(value, YScalar)
            or isinstance(value.value, bool)
            or not isinstance(value.value, int)
        ):
            self.error(value.where, f"'{key}' must be a whole number", "wrong-type")
            return None
        return value.value

    def boolean(self, node: YMap, key: str) -> bool | None:
        value = node.items.get(key)
        if value is None:
            return None
        if not isinstance(value, YScalar) or not isinstance(value.value, bool):
            self.error(value.where, f"'{key}' must be true or false", "wrong-type")
            return None
        return value.value

    def strings(self, node: YMap, key: str) -> list[str]:
        """A list of words; a single word is taken as a list of one."""
        return [word for word, _ in self.located_strings(node, key)]

    def located_strings(self, node: YMap, key: str) -> list[tuple[str, YScalar]]:
        """A list of words, each with its node (for where it was written)."""
        value = node.items.get(key)
        if value is None:
            return []
        items = value.items if isinstance(value, YSeq) else [value]
        words: list[tuple[str, YScalar]] = []
        for item in items:
            if (
                not isinstance(item, YScalar)
                or item.value is None
                or isinstance(item.value, bool)
                or not str(item.value).strip()
            ):
                self.error(item.where, f"'{key}' must be a list of words", "wrong-type")
                continue
            word = str(item.value).strip()
            words.append((word, item))
            if self.may_hide:
                self.invisible(word, item, key)
        return words

    def mapping_of_text(self, node: YMap, key: str) -> dict[str, str]:
        value = node.items.get(key)
        if value is None:
            return {}
        if not isinstance(value, YMap):
            self.error(value.where, f"'{key}' must be a mapping of name: text", "wrong-type")
            return {}
        out: dict[str, str] = {}
        for name in value.items:
            text = self.string(value, name, f"'{key}'")
            if text is not None:
                out[name] = text
        return out


def _load_yaml(path: Path, shown: str, reader: Reader) -> tuple[bool, YNode | None]:
    """Whether the file parsed, and its root node (``None`` for an empty file)."""
    try:
        text = read_text(path, shown)
        reader.reading(text)
        return True, parse(text, shown)
    except YamlProblem as exc:
        reader.problems.append(exc.problem)
        return False, None


def _top_mapping(node: YNode | None, shown: str, reader: Reader, expected: str) -> YMap | None:
    if node is None:
        reader.error(
            Where(shown), f"file is empty; expected a mapping with {expected}", "empty-file"
        )
        return None
    if not isinstance(node, YMap):
        kind = "a list" if isinstance(node, YSeq) else "a single value"
        reader.error(
            node.where, f"file holds {kind}; expected a mapping with {expected}", "not-a-mapping"
        )
        return None
    return node


def _read_deck(node: YMap, reader: Reader) -> DeckConfig | None:
    reader.check_keys(node, DECK_KEYS, DECK_FILE)
    name = reader.string(node, "name", DECK_FILE, required=True)
    if name is not None:
        reader.long_name(name, node.items["name"].where, "the deck name")
    deck_id = reader.integer(node, "id", required=True)
    key = reader.string(node, "key", DECK_FILE, required=True)
    description = reader.string(node, "description", DECK_FILE, empty_ok=True) or ""
    context_cue = reader.boolean(node, "context_cue") or False
    context_cues = reader.strings(node, "context_cues")
    max_words = reader.integer(node, "max_answer_words")
    aspects = reader.mapping_of_text(node, "aspects")
    references = reader.mapping_of_text(node, "references")
    allow = reader.mapping_of_text(node, "allow")
    listed = node.items.get("references")
    reference_places = (
        {name: listed.keys[name].where for name in references} if isinstance(listed, YMap) else {}
    )
    for field_name, texts in (("description", [description]), ("references", references.values())):
        value = node.items.get(field_name)
        if value is not None and any(picture_references(text) for text in texts):
            reader.error(
                value.where,
                f"'{field_name}' shows a picture; pictures belong on cards (in media/)",
                "picture-place",
            )
    required_nodes = reader.located_strings(node, "required_aspects")
    required = [word for word, _ in required_nodes]
    places = [item.where for _, item in required_nodes]
    for aspect, where in zip(required, places, strict=True):
        if aspect not in aspects:
            reader.error(
                where, f"required aspect '{aspect}' is not under 'aspects'", "unknown-aspect"
            )
    if name is None or deck_id is None or key is None:
        return None
    if malformed_deck_name(name):
        reader.error(node.items["name"].where, f"deck name '{name}' is malformed", "deck-name")
    if not 1 < deck_id <= MAX_DECK_ID:
        reader.error(
            node.items["id"].where,
            f"deck id {deck_id} is out of range: Anki needs a number from 2 to 2^63-1",
            "deck-id",
        )
        return None
    if GUID_SEPARATOR in key:
        reader.error(
            node.items["key"].where,
            f"deck key '{key}' holds '{GUID_SEPARATOR}', which note guids are joined with: "
            "another deck's notes could get the same guids",
            "guid-separator",
        )
    return DeckConfig(
        name=name,
        deck_id=deck_id,
        key=key,
        description=description,
        context_cue=context_cue,
        context_cues=tuple(context_cues),
        max_answer_words=max_words if max_words and max_words > 0 else 8,
        aspects=aspects,
        required_aspects=tuple(required),
        references=references,
        reference_places=reference_places,
        allow=allow,
        where=node.where,
    )


def _read_subjects(node: YMap, shown: str, reader: Reader) -> dict[str, Subject]:
    reader.check_keys(node, SUBJECTS_FILE_KEYS, shown)
    subjects: dict[str, Subject] = {}
    for entry in reader.required_list(node, "subjects", shown, "'subjects' must be a list"):
        if not isinstance(entry, YMap):
            reader.error(entry.where, "each subject must be a mapping", "wrong-type")
            continue
        reader.check_keys(entry, SUBJECT_KEYS, "a subject")
        key = reader.string(entry, "key", "subject", required=True)
        name = reader.string(entry, "name", "subject", required=True)
        kind = reader.choice(entry, "kind", fields.SUBJECT_KINDS, "subject", "unknown-kind")
        kind = kind or "muscle"
        group = reader.string(entry, "group", "subject")
        located_aliases = reader.located_strings(entry, "aliases")
        aliases = [alias for alias, _ in located_aliases]
        for text, where in [
            *([(name, entry.items["name"].where)] if name is not None else []),
            *((alias, item.where) for alias, item in located_aliases),
        ]:
            reader.long_name(text, where, "a subject's name or alias")
        named = reader.boolean(entry, "named_in_source") or False
        aspects = reader.strings(entry, "aspects")
        view = reader.string(entry, "view", "subject")
        if key is None or name is None:
            continue
        if not SLUG.match(key):
            reader.error(
                entry.items["key"].where, f"subject key '{key}' must be {SLUG_RULE}", "id-format"
            )
            continue
        if GUID_SEPARATOR in key:
            # Its generated cards' ids (picture-which-<key>) would hold it.
            reader.error(
                entry.items["key"].where,
                f"subject key '{key}' holds '{GUID_SEPARATOR}', which note guids are joined "
                "with: its picture cards' ids could collide with another deck's notes; use one "
                "'_' or '-'",
                "guid-separator",
            )
            continue
        if key in subjects:
            first = subjects[key].where
            reader.error(
                entry.where,
                f"duplicate subject '{key}' (first at line {first.line})",
                "duplicate-id",
            )
            continue
        subjects[key] = Subject(
            key=key,
            name=name,
            kind=kind,
            group=group,
            aliases=tuple(aliases),
            named_in_source=named,
            aspects=tuple(aspects) if "aspects" in entry.items else None,
            where=entry.where,
            view=view,
            view_where=entry.items["view"].where if view is not None else None,
        )
    for subject in subjects.values():
        if subject.group is not None and subject.group not in subjects:
            reader.error(
                subject.where,
                f"subject '{subject.key}' names unknown group '{subject.group}'",
                "unknown-subject",
            )
    return subjects


def _read_card(node: YNode, defaults: dict[str, object], shown: str, reader: Reader) -> Card | None:
    if not isinstance(node, YMap):
        reader.error(
            node.where, "each card must be a mapping of keys such as id, front, back", "wrong-type"
        )
        return None
    reader.check_keys(node, CARD_KEYS, "a card")
    card_id = reader.string(node, "id", "card", required=True)
    front = reader.string(node, "front", "card")
    back = reader.string(node, "back", "card")
    cloze = reader.string(node, "cloze", "card")
    text = {"front": front, "back": back, "cloze": cloze}
    present = {k for k in text if k in node.items}
    extra = reader.string(node, "extra", "card", empty_ok=True) or ""
    source = reader.string(node, "source", "card", empty_ok=True) or ""
    tags = reader.strings(node, "tags")
    aspects = reader.strings(node, "aspect")
    subject = reader.string(node, "subject", "card") or defaults.get("subject")
    picture = reader.string(node, "picture", "card")
    if picture is not None:
        picture = unicodedata.normalize("NFC", picture)  # as media names are
    subdeck = reader.string(node, "subdeck", "card") or defaults.get("subdeck")
    allow = reader.mapping_of_text(node, "allow")
    retired = reader.string(node, "retired", "card")

    label = f"card '{card_id}'" if card_id else "card"
    if card_id is not None:
        if card_id.startswith(RESERVED_ID_PREFIXES):
            reader.error(
                node.items["id"].where,
                f"card id '{card_id}' starts with a prefix reserved for generated cards "
                f"({', '.join(RESERVED_ID_PREFIXES)}); choose another id",
                "reserved-id",
            )
            card_id = None
        elif GUID_SEPARATOR in card_id:
            reader.error(
                node.items["id"].where,
                f"card id '{card_id}' holds '{GUID_SEPARATOR}', which note guids are joined "
                "with: it could collide with another deck's note; use one '_' or '-'",
                "guid-separator",
            )
            card_id = None
    if isinstance(subdeck, str) and malformed_deck_name(subdeck):
        reader.error(
            node.items["subdeck"].where if "subdeck" in node.items else node.where,
            f"subdeck name '{subdeck}' is malformed",
            "deck-name",
        )
        card_id = None
    if "cloze" in present and present & {"front", "back"}:
        reader.error(
            node.where,
            f"{label} has both 'cloze' and 'front'/'back'; use one or the other",
            "card-kind",
        )
        return None
    if not present:
        reader.error(node.where, f"{label} needs 'front' and 'back', or 'cloze'", "missing-key")
        return None
    needed = ("cloze",) if "cloze" in present else ("front", "back")
    for key in needed:
        if key not in present:
            reader.error(node.where, f"{label} is missing required key '{key}'", "missing-key")
    if card_id is None or any(text[key] is None for key in needed):
        return None
    file_tags = defaults.get("tags", ())
    assert isinstance(file_tags, tuple)
    return Card(
        id=card_id,
        where=node.where,
        front=front,
        back=back,
        cloze=cloze,
        extra=extra,
        source=reader.shared(source),
        tags=reader.shared(tuple(dict.fromkeys([*file_tags, *tags]))),
        subject=reader.shared(subject) if isinstance(subject, str) else None,
        aspects=reader.shared(tuple(aspects)),
        picture=picture,
        subdeck=reader.shared(subdeck) if isinstance(subdeck, str) else None,
        allow=allow or _NO_ALLOW,
        retired=retired,
        places=_pack_places(node),
    )


_FILE_DEFAULT_KEYS = ("tags", "subject", "subdeck")


def _file_defaults(node: YMap, reader: Reader) -> dict[str, object]:
    """What a card file gives every card in it."""
    return {
        "tags": tuple(reader.strings(node, "tags")),
        "subject": reader.string(node, "subject", "card file"),
        "subdeck": reader.string(node, "subdeck", "card file"),
    }


class _CardFile:
    """A card file's cards, each read as soon as its entry is parsed: the file is never held
    as a tree of every card (a 16 MiB file would be hundreds of MB of nodes)."""

    def __init__(self, shown: str, reader: Reader) -> None:
        self.shown = shown
        self.reader = reader
        self.cards: list[Card] = []
        self.defaults: dict[str, object] | None = None

    def take(self, entry: YNode, root: YMap) -> None:
        if self.defaults is None:  # the keys written before 'cards' (see _load_card_file)
            self.defaults = _file_defaults(root, self.reader)
        card = _read_card(entry, self.defaults, self.shown, self.reader)
        if card is not None:
            self.cards.append(card)
        elif isinstance(entry, YMap):
            written_id = entry.items.get("id")
            if isinstance(written_id, YScalar) and written_id.value is not None:
                self.reader.unread_ids.add(str(written_id.value).strip())


def _read_card_file(node: YMap, shown: str, reader: Reader) -> list[Card]:
    """The cards of a card file parsed whole."""
    reader.check_keys(node, CARD_FILE_KEYS, "a card file")
    read = _CardFile(shown, reader)
    read.defaults = _file_defaults(node, reader)
    for entry in reader.required_list(node, "cards", shown, "'cards' must be a list of cards"):
        read.take(entry, node)
    return read.cards


def _load_card_file(text: str, shown: str, reader: Reader) -> tuple[bool, list[Card]]:
    """Whether the card file parsed, and its cards. Its cards are read as they are parsed;
    should a file give its defaults (tags, subject, subdeck) after its cards, it is parsed
    again whole (the defaults apply to every card), with the same result."""
    problems, unread = len(reader.problems), set(reader.unread_ids)
    read = _CardFile(shown, reader)
    try:
        node = parse(text, shown, stream=read.take, streamed_key="cards")
    except YamlProblem as exc:
        del reader.problems[problems:]  # a file that does not parse reports only that
        reader.unread_ids = unread
        reader.problems.append(exc.problem)
        return False, []
    top = _top_mapping(node, shown, reader, "a 'cards:' list")
    if top is None:
        return True, []
    order = list(top.items)
    streamed = "cards" in order and isinstance(top.items["cards"], YSeq)
    late = streamed and any(
        key in order and order.index(key) > order.index("cards") for key in _FILE_DEFAULT_KEYS
    )
    if late:
        del reader.problems[problems:]
        reader.unread_ids = unread
        whole = parse(text, shown)
        assert isinstance(whole, YMap)  # it parsed a moment ago
        return True, _read_card_file(whole, shown, reader)
    reader.check_keys(top, CARD_FILE_KEYS, "a card file")
    if read.defaults is None:  # no card: the defaults are still checked
        read.defaults = _file_defaults(top, reader)
    if not streamed:
        reader.required_list(top, "cards", shown, "'cards' must be a list of cards")
    return True, read.cards


def _yaml_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.iterdir()):
        if path.suffix in {".yaml", ".yml"} and path.name != STRIDE_FILE:
            yield path  # anything but a regular file is refused when it is read


def _load_file(path: Path, sources: DeckSources, reader: Reader) -> None:
    shown = sources.shown(path.name)
    sources.files.append(shown)
    problem = control_problem(path.name, Where(shown), "file name")
    if problem is not None:  # a name that is not UTF-8 cannot be shown, in a preview or a message
        reader.problems.append(problem)
        sources.unreadable.append(shown)
        return
    if path.name not in (DECK_FILE, SUBJECTS_FILE):
        try:
            text = read_text(path, shown)
        except YamlProblem as exc:
            reader.problems.append(exc.problem)
            sources.unreadable.append(shown)
            return
        reader.reading(text)
        parsed, cards = _load_card_file(text, shown, reader)
        if not parsed:
            sources.unreadable.append(shown)
        sources.cards.extend(cards)
        return
    parsed, node = _load_yaml(path, shown, reader)
    if not parsed:
        sources.unreadable.append(shown)
        return
    if path.name == DECK_FILE:
        top = _top_mapping(node, shown, reader, "name, id and key")
        if top is not None:
            sources.config = _read_deck(top, reader)
    else:
        sources.subjects_file = shown
        top = _top_mapping(node, shown, reader, "a 'subjects:' list")
        if top is not None:
            sources.subjects = _read_subjects(top, shown, reader)


def shown_root_of(root: Path, shown_root: str | None) -> str:
    """How messages name the cards directory ``root`` (``shown_root``, else its path)."""
    shown = str(root) if shown_root is None else shown_root
    return shown.rstrip("/") if shown not in {"", "/"} else shown


def load_sources(root: Path, *, shown_root: str | None = None) -> tuple[DeckSources, list[Problem]]:
    """Load every source file under ``root``; the problems say what could not be read."""
    shown_root = shown_root_of(root, shown_root)
    reader = Reader()
    sources = DeckSources(
        root=root, shown_root=shown_root, config=None, subjects={}, cards=[], files=[], media={}
    )
    try:
        root_mode = os.stat(root).st_mode
    except OSError as exc:
        root_mode = 0
        reason = f"cannot be read: {exc.strerror or exc}"
    else:
        reason = "is a file, not a directory: give the folder that holds deck.yaml"
    if not stat.S_ISDIR(root_mode):
        reader.error(Where(shown_root or "."), f"the cards directory {reason}", "unsafe-file")
        return sources, reader.problems
    deck_path = root / DECK_FILE
    if not os.path.lexists(deck_path):
        reader.error(
            Where(sources.shown(DECK_FILE)),
            f"no {DECK_FILE}: a deck needs one with its name, id and key",
            "missing-file",
        )
    try:
        with cycle_collector_paused():
            for path in _yaml_files(root):
                _load_file(path, sources, reader)
    except OSError as exc:
        reader.error(Where(shown_root or "."), f"cannot be listed: {exc.strerror}", "unsafe-file")
    sources.unread_ids = reader.unread_ids
    _load_media(sources, reader)
    _check_diagram_names(sources, reader)
    for folder in (MEDIA_DIR, DIAGRAMS_DIR):
        if os.path.islink(root / folder):
            reader.error(
                Where(sources.shown(folder)),
                f"'{folder}' is a symbolic link; flashgen reads only files inside the deck",
                "unsafe-file",
            )
    return sources, reader.problems


_SAFE_FILE_NAME = re.compile(r"\A[A-Za-z0-9_-][A-Za-z0-9._-]*\Z")


def diagram_paths(root: Path) -> list[Path]:
    """The diagram files (``diagrams/*.svg``) of the cards directory ``root``, by name; none when
    ``diagrams`` is missing, not a directory or a symbolic link (``load_sources`` reports the
    link). Read each with a reader that refuses symbolic links, FIFOs and devices."""
    folder = root / DIAGRAMS_DIR
    if os.path.islink(folder) or not folder.is_dir():
        return []
    try:
        return sorted(folder.glob("*.svg"))
    except OSError:  # pragma: no cover - glob itself passes over a folder it cannot list
        return []


def _check_diagram_names(sources: DeckSources, reader: Reader) -> None:
    """Diagram file names name the views in messages and order them (the first by name wins a
    tie between views): letters, digits, '.-_' only. Pictures are named after their content
    (``fg-view-<hash>.svg``), never after a diagram."""
    folder = sources.root / DIAGRAMS_DIR
    if os.path.lexists(folder) and not os.path.islink(folder):
        try:
            with os.scandir(folder):
                pass
        except OSError as exc:  # not a folder, or one that cannot be read: never silently none
            reader.error(
                Where(sources.shown(DIAGRAMS_DIR)),
                f"cannot be listed: {exc.strerror or exc}",
                "unsafe-file",
            )
    for path in diagram_paths(sources.root):
        if not _SAFE_FILE_NAME.match(path.stem):
            reader.error(
                Where(sources.shown(f"{DIAGRAMS_DIR}/{path.name}")),
                "diagram file names may hold only letters, digits, '.', '-' and '_'",
                "file-name",
            )


def _load_media(sources: DeckSources, reader: Reader) -> None:
    """Every regular file in ``media/``; SVGs are read now and sanitised."""
    from flashgen import svgsafe
    from flashgen.packaged import media_size_problem, media_type_problem

    media_dir = sources.root / MEDIA_DIR
    if os.path.islink(media_dir) or not media_dir.is_dir():
        return
    try:
        entries = sorted(media_dir.iterdir())
    except OSError as exc:
        reader.error(
            Where(sources.shown(MEDIA_DIR)), f"cannot be listed: {exc.strerror}", "unsafe-file"
        )
        return
    total = 0
    for path in entries:
        shown = sources.shown(f"{MEDIA_DIR}/{path.name}")
        problem = control_problem(path.name, Where(shown), "file name")
        if problem is not None:
            reader.problems.append(problem)
            continue
        try:
            info = os.lstat(path)
        except OSError as exc:
            reader.error(Where(shown), f"cannot be read: {exc.strerror}", "unsafe-file")
            continue
        if not stat.S_ISREG(info.st_mode):
            kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
            reader.error(
                Where(shown), f"media file is {kind}; only regular files are packed", "unsafe-file"
            )
            continue
        name = unicodedata.normalize("NFC", path.name)
        total += info.st_size
        problem = media_type_problem(name, Where(shown)) or media_size_problem(
            info.st_size, total, Where(shown)
        )  # the size as listed; a file grown since is bounded where it is read
        if problem is not None:
            reader.problems.append(problem)
            continue
        if name in sources.media:
            reader.error(
                Where(shown),
                f"media file '{name}' has the name of '{sources.media[name].name}' once "
                "normalised (Unicode NFC): cards could not tell them apart; rename one",
                "file-name",
            )
            continue
        if path.suffix.lower() == ".svg":
            try:
                data = read_regular_file(path, shown, svgsafe.MAX_SVG_BYTES)
                sources.media_data[name] = svgsafe.sanitise(data, shown)
            except ProblemError as exc:
                reader.problems.append(exc.problem)
                continue
        sources.media[name] = path
