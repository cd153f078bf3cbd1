"""``cards/deck.lock``: what has been released, so that a release cannot silently hurt learners.

For every released card the lock keeps its note guid, its deck, a hash of what Anki stores
(fields, tags, notetype, deck) and the note's ``mod``. A build reuses the locked ``mod`` for
unchanged notes, so re-importing leaves them alone (and keeps a learner's own tags on them),
and gives changed notes a strictly newer one, so Anki updates exactly those.

The lock is JSON with one card per line: diffs stay readable and problems can name a line.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import struct
from collections.abc import Collection, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from flashgen.ids import deck_name, is_note_guid
from flashgen.notetypes import (
    BASIC_FIELDS,
    BASIC_ID,
    BASIC_NAME,
    BASIC_TEMPLATES,
    CLOZE_FIELDS,
    CLOZE_ID,
    CLOZE_NAME,
    CLOZE_TEMPLATES,
)
from flashgen.problems import ANY_CONTROL, Problem, ProblemError, Where, undecodable_at
from flashgen.sources import SLUG, SLUG_RULE, Card, DeckConfig, malformed_deck_name
from flashgen.yamlsource import read_regular_file

LOCK_FILE = "deck.lock"
RELEASE_FILE = "deck.release"
"""Beside the lock: every released note's fields (:mod:`flashgen.release`)."""
LOCK_VERSION = 2
"""Version 2 added ``release``; version 1 locks are read (as release 1, built at their oldest
``mod``) and written back as version 2."""
MAX_MOD = 253_402_300_799
"""The latest ``mod`` (and SOURCE_DATE_EPOCH) accepted: 9999-12-31, in seconds."""
MAX_LOCK_BYTES = 1 << 30


class LockedCard(NamedTuple):
    """A card's entry in the lock. A tuple: one is made each time an entry is read from
    :class:`LockedCards`, several times a build for every card, three times faster than a
    frozen dataclass."""

    guid: str
    deck: str
    notetype: int
    hash: str
    mod: int
    retired: bool = False
    """Released retired (without cards): a later change to it is no new retirement."""


_Kind = tuple[str, int, int, bool]
"""An entry's deck, notetype, mod and retired: a deck's cards share a few of them."""


class _Kinds:
    """The kinds of a lock's entries, each numbered once (numbers are never reused)."""

    __slots__ = ("kinds", "numbers")

    def __init__(self) -> None:
        self.kinds: list[_Kind] = []
        self.numbers: dict[_Kind, int] = {}

    def number(self, kind: _Kind) -> int:
        number = self.numbers.get(kind)
        if number is None:
            number = self.numbers[kind] = len(self.kinds)
            self.kinds.append(kind)
        return number


_HASH_BYTES = 12
"""A hash's 24 hexadecimal digits as bytes."""
_HEAD = struct.Struct("<12sI")
"""A packed entry: the hash's bytes and its kind's number, then the guid's ASCII digits."""


class LockedCards(MutableMapping[str, LockedCard]):
    """Card id -> its :class:`LockedCard`, kept small: a large deck's lock has an entry for
    each of tens of thousands of cards. Each is one bytes value, made a LockedCard when asked
    for: its hash's 12 bytes, the number of its kind (deck, notetype, mod, retired), and its
    guid's digits. 64 bytes an entry instead of 224 (a LockedCard with its guid and hash
    strings). An entry that does not pack so (a hash that is not 24 lowercase hexadecimal
    digits, a guid that is not ASCII: no build writes either, lock_problems names them) is kept
    as it is."""

    __slots__ = ("_entries", "_kinds")

    def __init__(
        self, entries: Mapping[str, LockedCard] | None = None, *, like: LockedCards | None = None
    ) -> None:
        self._entries: dict[str, bytes | LockedCard] = {}
        # Shared with ``like``: an entry packed for one is packed for the other (:meth:`keep`).
        self._kinds: _Kinds = like._kinds if like is not None else _Kinds()
        if entries is not None:
            self.update(entries)

    def pack(
        self, guid: str, deck: str, notetype: int, hash: str, mod: int, retired: bool
    ) -> bytes | LockedCard:
        """The entry as this lock keeps it, for :meth:`set_packed`."""
        if len(hash) == 2 * _HASH_BYTES and guid.isascii():
            with contextlib.suppress(ValueError):  # not hexadecimal
                digest = bytes.fromhex(hash)
                if digest.hex() == hash:  # lowercase, without spaces
                    number = self._kinds.number((deck, notetype, mod, retired))
                    # (A lock has fewer than 2^32 entries, so fewer kinds: it is at most 1 GiB.)
                    return _HEAD.pack(digest, number) + guid.encode("ascii")
        return LockedCard(guid, deck, notetype, hash, mod, retired)

    def set_packed(self, card_id: str, packed: bytes | LockedCard) -> None:
        self._entries[card_id] = packed

    def keep(self, card_id: str, other: LockedCards) -> None:
        """Take ``card_id``'s entry from ``other`` (made ``like`` this lock) as it is packed."""
        if other._kinds is self._kinds:
            self._entries[card_id] = other._entries[card_id]
        else:
            self[card_id] = other[card_id]

    def sorted_items(self) -> Iterator[tuple[str, LockedCard]]:
        """The entries by card id, each made a LockedCard only when it is reached (sorting
        ``items()`` would make every one at once)."""
        entries, card = self._entries, self._card
        for card_id in sorted(entries):
            yield card_id, card(entries[card_id])

    def get(self, card_id: str, default: LockedCard | None = None) -> LockedCard | None:  # type: ignore[override]
        packed = self._entries.get(card_id)
        return default if packed is None else self._card(packed)

    def __getitem__(self, card_id: str) -> LockedCard:
        return self._card(self._entries[card_id])

    def _card(self, packed: bytes | LockedCard) -> LockedCard:
        if isinstance(packed, LockedCard):
            return packed
        digest, number = _HEAD.unpack_from(packed)
        deck, notetype, mod, retired = self._kinds.kinds[number]
        return LockedCard(
            packed[_HEAD.size :].decode("ascii"), deck, notetype, digest.hex(), mod, retired
        )

    def __setitem__(self, card_id: str, card: LockedCard) -> None:
        self._entries[card_id] = _packed(self, card)

    def __delitem__(self, card_id: str) -> None:
        del self._entries[card_id]

    def __contains__(self, card_id: object) -> bool:
        return card_id in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"LockedCards({dict(self.items())!r})"


@dataclass(frozen=True, slots=True)
class Release:
    """The last release as the lock records it: its number, and what learners were told it
    brought (the "What's new" in the deck's description, kept until the next release)."""

    number: int = 0
    """Counts the builds that changed any note; 0 before the first."""
    first: int = 0
    """When the first release was built (its notes' ``mod``): no note of the deck can be
    older. 0 before the first release."""
    new: int = 0
    changed: int = 0
    retired: int = 0
    topics: tuple[str, ...] = ()
    """What the new cards are about (their subjects' group or subject names), most first."""

    def as_json(self) -> dict[str, object]:
        return {
            "changed": self.changed,
            "first": self.first,
            "new": self.new,
            "number": self.number,
            "retired": self.retired,
            "topics": list(self.topics),
        }


@dataclass(frozen=True, slots=True)
class Notetype:
    name: str
    fields: tuple[str, ...]
    templates: tuple[str, ...]


@dataclass(slots=True)
class Lock:
    cards: LockedCards = field(default_factory=LockedCards)
    notetypes: dict[int, Notetype] = field(default_factory=dict)
    forgotten: dict[str, str] = field(default_factory=dict)
    """Card ids removed from the lock on purpose, with the reason."""
    release: Release = Release()
    path: Path | None = field(default=None, compare=False)
    """The file this lock was read from."""
    shown: str | None = field(default=None, compare=False)
    """The lock file as messages name it."""
    file_digest: bytes | None = field(default=None, compare=False)
    """The SHA-256 of that file's bytes, to tell whether a rendered lock differs from it."""
    _lines: dict[str, int] | None = field(default=None, init=False, repr=False, compare=False)

    def line_of(self, card_id: str) -> int:
        """The line of ``card_id`` in the file read, for messages (1 when unknown).

        Worked out from the file only when a message needs it, not kept for every card."""
        if self._lines is None:
            self._lines = {}
            if self.path is not None and self.path.exists():
                with self.path.open(encoding="utf-8") as lines:
                    for number, line in enumerate(lines, start=1):
                        key, separator, rest = line.strip().partition(": ")
                        # A card's entry ({...}), or a forgotten card's reason ("...").
                        if separator and key.startswith('"') and rest.startswith(("{", '"')):
                            with contextlib.suppress(ValueError):
                                self._lines.setdefault(json.loads(key), number)
        return self._lines.get(card_id, 1)

    def render(self) -> str:
        return "".join(self.render_lines())

    def render_lines(self) -> Iterator[str]:
        """The lock file, line by line: a large deck's lock need never be one string."""

        def dump(value: object) -> str:
            return json.dumps(value, sort_keys=True, ensure_ascii=False)

        def block(name: str, rows: Iterable[str], last: bool = False) -> Iterator[str]:
            yield f'  "{name}": {{\n'
            previous = None
            for row in rows:
                if previous is not None:
                    yield f"    {previous},\n"
                previous = row
            if previous is not None:
                yield f"    {previous}\n"
            yield "  }\n" if last else "  },\n"

        yield "{\n"
        yield f'  "version": {LOCK_VERSION},\n'
        yield f'  "release": {dump(self.release.as_json())},\n'
        yield from block(
            "notetypes",
            (
                f"{dump(str(type_id))}: "
                f"{dump({'name': t.name, 'fields': t.fields, 'templates': t.templates})}"
                for type_id, t in sorted(self.notetypes.items())
            ),
        )
        yield from block(
            "forgotten",
            (
                f"{dump(card_id)}: {dump(reason)}"
                for card_id, reason in sorted(self.forgotten.items())
            ),
        )
        # The text json.dumps(sort_keys=True) gives, without a dict or a dumps call per card.
        quote = json_string
        yield from block(
            "cards",
            (
                f'{quote(card_id)}: {{"deck": {quote(c.deck)}, "guid": {quote(c.guid)}, '
                f'"hash": {quote(c.hash)}, "mod": {c.mod}, "notetype": {c.notetype}'
                f"{_RETIRED if c.retired else ''}}}"
                for card_id, c in self.cards.sorted_items()
            ),
            last=True,
        )
        yield "}\n"

    def digest(self) -> bytes:
        """The SHA-256 of the file :meth:`render_lines` writes, to compare with ``file_digest``."""
        hasher = hashlib.sha256()
        for line in self.render_lines():
            hasher.update(line.encode())
        return hasher.digest()


class LockError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


_ENTRY_KEYS = {"guid", "deck", "notetype", "hash", "mod"}
_RETIRED_ENTRY_KEYS = {*_ENTRY_KEYS, "retired"}
_RETIRED = ', "retired": true'
"""A retired card's entry carries this last (as json.dumps with sorted keys writes it)."""
MAX_NOTETYPE_ID = (1 << 63) - 1


def _whole(value: Any, name: str, high: int) -> int:
    if type(value) is not int or not 0 <= value <= high:
        raise ValueError(f"'{name}' must be a whole number from 0 to {high}, not {value!r:.40}")
    return value


def _locked_card(entry: Any) -> LockedCard:
    """A lock entry, checked."""
    if not all(isinstance(entry[key], str) for key in ("guid", "deck", "hash")):
        raise ValueError("'guid', 'deck' and 'hash' must be text")
    deck = str(entry["deck"])
    notetype = _whole(entry["notetype"], "notetype", MAX_NOTETYPE_ID)
    mod = _whole(entry["mod"], "mod", MAX_MOD)
    retired = entry.get("retired", False)
    if retired is not True and "retired" in entry:
        raise ValueError("'retired' is true when present")
    return LockedCard(
        guid=str(entry["guid"]),
        deck=deck,
        notetype=notetype,
        hash=str(entry["hash"]),
        mod=mod,
        retired=retired,
    )


def _packed(cards: LockedCards, card: LockedCard) -> bytes | LockedCard:
    return cards.pack(card.guid, card.deck, card.notetype, card.hash, card.mod, card.retired)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a lock holds")


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > 20:
        raise ValueError(f"number {digits[:20]}... is too large")
    return int(digits)


_RELEASE_KEYS = {"number", "first", "new", "changed", "retired", "topics"}
MAX_TOPICS = 3


def _release(entry: Any) -> Release:
    if not isinstance(entry, dict) or entry.keys() != _RELEASE_KEYS:
        raise ValueError(f"'release' must have exactly {', '.join(sorted(_RELEASE_KEYS))}")
    topics = entry["topics"]
    if (
        not isinstance(topics, list)
        or len(topics) > MAX_TOPICS
        or not all(isinstance(t, str) and t.strip() and len(t) <= 200 for t in topics)
    ):
        raise ValueError(f"'release' topics must be at most {MAX_TOPICS} short names")
    return Release(
        number=_whole(entry["number"], "release number", MAX_MOD),
        first=_whole(entry["first"], "first release", MAX_MOD),
        new=_whole(entry["new"], "new", MAX_MOD),
        changed=_whole(entry["changed"], "changed", MAX_MOD),
        retired=_whole(entry["retired"], "retired", MAX_MOD),
        topics=tuple(topics),
    )


def read_lock(path: Path, shown: str) -> Lock:
    """The lock at ``path``; an empty lock when there is none yet."""
    if not os.path.lexists(path):
        return Lock()
    try:
        raw = read_regular_file(path, shown, MAX_LOCK_BYTES)
    except ProblemError as exc:
        raise LockError(exc.problem) from None
    try:
        text = raw.decode("utf-8")
        file_digest = hashlib.sha256(raw).digest()
    except UnicodeDecodeError as exc:
        raise LockError(
            Problem(
                undecodable_at(raw, exc, shown),
                f"lock is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); restore it from "
                "version control",
                "lock",
            )
        ) from None
    del raw  # a large lock is held once, as text, while it is parsed
    cards = LockedCards()

    def compact(entry: dict[str, Any]) -> Any:
        # Each card's entry is packed as soon as it is parsed, so the whole lock never sits in
        # memory as dicts or LockedCards.
        if len(entry) == 5 or (len(entry) == 6 and entry.get("retired") is True):
            # As flashgen writes an entry: checked without the general conversions below.
            deck, guid, digest = entry.get("deck"), entry.get("guid"), entry.get("hash")
            mod, notetype = entry.get("mod"), entry.get("notetype")
            if (
                type(deck) is str
                and type(guid) is str
                and type(digest) is str
                and type(mod) is int
                and type(notetype) is int
                and 0 <= mod <= MAX_MOD
                and 0 <= notetype <= MAX_NOTETYPE_ID
            ):
                return cards.pack(guid, deck, notetype, digest, mod, len(entry) == 6)
        if entry.keys() == _ENTRY_KEYS or entry.keys() == _RETIRED_ENTRY_KEYS:
            with contextlib.suppress(KeyError, TypeError, ValueError, OverflowError):
                return _packed(cards, _locked_card(entry))
        return entry

    try:
        data = json.loads(
            text, object_hook=compact, parse_constant=_refuse_constant, parse_int=_bounded_int
        )
    except json.JSONDecodeError as exc:
        raise LockError(
            Problem(
                Where(shown, exc.lineno, exc.colno), f"lock is not valid JSON: {exc.msg}", "lock"
            )
        ) from None
    except (RecursionError, ValueError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise LockError(
            Problem(
                Where(shown),
                f"lock is malformed ({reason}); restore it from version control",
                "lock",
            )
        ) from None
    try:
        version = data.get("version")
        if version not in (1, LOCK_VERSION):
            raise ValueError(f"unknown lock version {version!r}")
        for card_id, e in data["cards"].items():
            packed = e if isinstance(e, (bytes, LockedCard)) else _packed(cards, _locked_card(e))
            cards.set_packed(str(card_id), packed)
        if version == 1:
            # Written before releases were counted, by a build that released its notes: that
            # was release 1 (none if it holds none), and its oldest note marks when.
            release = Release(
                number=1 if cards else 0, first=min((c.mod for c in cards.values()), default=0)
            )
        else:
            release = _release(data["release"])
        lock = Lock(
            cards=cards,
            release=release,
            notetypes={
                int(type_id): Notetype(str(e["name"]), tuple(e["fields"]), tuple(e["templates"]))
                for type_id, e in data["notetypes"].items()
            },
            forgotten={str(k): str(v) for k, v in data.get("forgotten", {}).items()},
            path=path,
            shown=shown,
            file_digest=file_digest,
        )
    except (AttributeError, KeyError, TypeError, ValueError, OverflowError) as exc:
        raise LockError(
            Problem(
                Where(shown), f"lock is malformed ({exc}); restore it from version control", "lock"
            )
        ) from None
    for card_id in (*lock.forgotten, *lock.cards):
        if not SLUG.match(card_id):
            # Ids in the lock become cards (retired picture cards) and fields: as checked as
            # the ids written in card files.
            found = ANY_CONTROL.search(card_id)
            reason = (
                f"holds control character U+{ord(found.group()):04X}"
                if found is not None
                else f"is not {SLUG_RULE}"
            )
            raise LockError(
                Problem(
                    Where(shown, _line_of_key(text, card_id)),
                    f"card id '{card_id}' in the lock {reason}; restore the lock from version "
                    "control",
                    "lock",
                )
            )
    return lock


_HASH = re.compile(r"\A[0-9a-f]{24}\Z")


def lock_problems(lock: Lock, now: int) -> list[Problem]:
    """What in a lock that was read cannot be what a build wrote: a located ``lock`` problem
    per card (at its line) or notetype.

    ``now`` is the wall clock, never SOURCE_DATE_EPOCH (which may be older than a lock's mods):
    a ``mod`` after it would freeze the note, since Anki updates a note only from a newer one,
    so no later release could update it for anyone who imported it."""
    if lock.path is None:
        return []
    shown = str(lock.shown or lock.path)
    problems: list[Problem] = []
    first = lock.release.first

    def problem(key: str, message: str) -> None:
        problems.append(
            Problem(
                Where(shown, lock.line_of(key)),
                f"{message}; restore deck.lock from version control (see the README, "
                "'When the lock is wrong')",
                "lock",
            )
        )

    for type_id, notetype in sorted(lock.notetypes.items()):
        texts = (notetype.name, *notetype.fields, *notetype.templates)
        if not 1 <= type_id <= MAX_NOTETYPE_ID:
            problem(str(type_id), f"notetype id {type_id} is out of range (1 to 2^63-1)")
        elif any(not isinstance(t, str) or ANY_CONTROL.search(t) for t in texts):
            problem(str(type_id), f"notetype {type_id} has a name, field or template that is "
                    "not one line of text")  # fmt: skip
    for card_id, card in lock.cards.sorted_items():
        label = f"card '{card_id}' in the lock"
        if card.mod > now:
            problem(card_id, f"{label} has mod {card.mod}, after the current time {now}: no "
                    "later release could update the note for anyone who imported it")  # fmt: skip
        elif card.mod < first:
            problem(card_id, f"{label} has mod {card.mod}, before the deck's first release "
                    f"({first}): no build wrote it")  # fmt: skip
        elif not is_note_guid(card.guid):
            problem(card_id, f"{label} has guid '{card.guid}', which flashgen never makes")
        elif not 1 <= card.notetype <= MAX_NOTETYPE_ID:
            problem(card_id, f"{label} has notetype id {card.notetype}, out of range")
        elif not _HASH.match(card.hash):
            problem(card_id, f"{label} has hash '{card.hash}', not 24 hexadecimal digits")
        elif (
            not card.deck.strip() or ANY_CONTROL.search(card.deck) or malformed_deck_name(card.deck)
        ):
            problem(card_id, f"{label} has deck '{card.deck}', which is no deck name")
    for card_id, reason in sorted(lock.forgotten.items()):
        if ANY_CONTROL.search(reason):
            problem(card_id, f"the reason card '{card_id}' was forgotten is not one line")
    release = lock.release
    if release.first > now:
        problem("release", f"the first release is dated {release.first}, after the current "
                f"time {now}")  # fmt: skip
    for topic in release.topics:
        if ANY_CONTROL.search(topic):
            problem("release", "a topic of the last release is not one line of text")
    return problems


def _line_of_key(text: str, key: str) -> int:
    """The first line of a lock's text that starts with ``key`` as a JSON string (1 if none)."""
    decoder = json.JSONDecoder()
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped.startswith('"'):
            with contextlib.suppress(ValueError):
                if decoder.raw_decode(stripped)[0] == key:
                    return number
    return 1


# What json.dumps uses for a str when not ensure_ascii: its text, quoted and escaped.
json_string = json.encoder.encode_basestring


def json_strings(texts: Iterable[str]) -> str:
    """A list of strings as json.dumps writes it, without its per-call machinery."""
    return f"[{', '.join(map(json_string, texts))}]"


def content_hash(fields: Iterable[str], tags: Iterable[str], notetype: int, deck: str) -> str:
    """What Anki stores of a note, hashed: the SHA-256 of
    ``json.dumps([fields, sorted(tags), notetype, deck], ensure_ascii=False)`` (built here
    without json.dumps, every note of a large deck needs one; a test holds the two equal)."""
    ordered = _SORTED_TAGS.get(tags) if isinstance(tags, tuple) else None
    if ordered is None:
        ordered = json_strings(sorted(tags))
        if isinstance(tags, tuple) and len(_SORTED_TAGS) < 4096:  # a deck's few tag sets
            _SORTED_TAGS[tags] = ordered
    payload = f"[{json_strings(fields)}, {ordered}, {notetype}, {json_string(deck)}]"
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


_SORTED_TAGS: dict[tuple[str, ...], str] = {}


def next_mod(locked: LockedCard | None, new_hash: str, now: int, first: int = 0) -> int:
    """Unchanged notes keep their mod; changed or new ones get ``now``, strictly past the lock
    (and a new one no older than the ``first`` release: SOURCE_DATE_EPOCH may be older)."""
    if locked is None:
        return max(now, first)
    if locked.hash == new_hash:
        return locked.mod
    return max(now, locked.mod + 1)


@dataclass(frozen=True, slots=True)
class Released:
    """A card as this build would release it, for comparison with the lock."""

    card: Card
    guid: str
    config: DeckConfig

    @property
    def deck(self) -> str:
        return deck_name(self.config, self.card)


def release_problems(
    lock: Lock,
    released: Iterable[Released],
    notetypes: Mapping[int, Notetype],
    shown_lock: str,
    unread: Collection[str] | None = frozenset(),
) -> Iterator[Problem]:
    """What learners would get wrong if these sources were released over the lock.

    ``unread``: ids of cards written but not loaded because of their own errors (not removed);
    ``None`` when a source file could not be read at all, so no card can be called removed."""
    for type_id, locked_type in sorted(lock.notetypes.items()):
        current = notetypes.get(type_id)
        if current is not None and (current.fields, current.templates) != (
            locked_type.fields,
            locked_type.templates,
        ):
            yield Problem(
                Where(shown_lock),
                f"notetype '{locked_type.name}' ({type_id}) changed its fields or templates "
                f"from {list(locked_type.fields)} {list(locked_type.templates)} to "
                f"{list(current.fields)} {list(current.templates)} without a new id: Anki would "
                "copy the notetype and never update learners' notes again",
                "notetype-changed",
            )
    present = set()
    for item in released:
        present.add(item.card.id)
        if item.card.id in lock.forgotten:
            yield Problem(
                item.card.at("id"),
                f"card id '{item.card.id}' was released and forgotten "
                f"({lock.forgotten[item.card.id]}); ids are never reused, choose a new one",
                "id-reused",
            )
        locked = lock.cards.get(item.card.id)
        if locked is None:
            continue
        guid = item.guid
        if locked.guid != guid:
            yield Problem(
                item.card.at("id"),
                f"card '{item.card.id}' would get a new note guid (was {locked.guid}, now "
                f"{guid}; did the deck key change?): learners would get a duplicate note "
                "and lose its reviews",
                "guid-changed",
            )
        if locked.deck != item.deck:
            yield Problem(
                item.card.at("subdeck" if item.card.written("subdeck") else "id"),
                f"card '{item.card.id}' moved from deck '{locked.deck}' to '{item.deck}': Anki "
                "will not move learners' existing cards, only new learners would see the move",
                "deck-changed",
            )
    if unread is not None:
        for card_id in sorted(set(lock.cards) - present - set(unread)):
            yield Problem(
                Where(shown_lock, lock.line_of(card_id)),
                f"released card '{card_id}' is gone from the sources: an .apkg cannot delete it, "
                "so learners keep it as it was. Keep it with 'retired: <reason>', or run "
                f"'flashgen forget {card_id} --reason ...'",
                "card-removed",
            )


def current_notetypes() -> dict[int, Notetype]:
    return {
        BASIC_ID: Notetype(BASIC_NAME, BASIC_FIELDS, BASIC_TEMPLATES),
        CLOZE_ID: Notetype(CLOZE_NAME, CLOZE_FIELDS, CLOZE_TEMPLATES),
    }


def updated_lock(
    lock: Lock,
    entries: LockedCards,
    notetypes: Mapping[int, Notetype],
    release: Release | None = None,
) -> Lock:
    """The lock a build writes: its notes' entries (taken as they are), and ``release`` when it
    released any change (else the lock's own, so an unchanged rebuild writes the same lock)."""
    return Lock(
        cards=entries,
        notetypes=dict(notetypes),
        forgotten=dict(lock.forgotten),
        release=release if release is not None else lock.release,
    )


def forget(lock_path: Path, shown: str, card_ids: Iterable[str], reason: str) -> Lock:
    """Drop released cards from the lock on purpose, recording why; returns the new lock."""
    lock = read_lock(lock_path, shown)
    for card_id in card_ids:
        if card_id not in lock.cards:
            raise LockError(Problem(Where(shown), f"card '{card_id}' is not in the lock", "lock"))
        del lock.cards[card_id]
        lock.forgotten[card_id] = reason
    return lock
