"""What a release changes, for the people who review it and the learners who get it.

A build compares every note with ``deck.lock`` (:func:`classify`) and tallies the release
(:class:`Tally`): the lock records the result (:class:`flashgen.lock.Release`), and the deck's
description tells learners, in Anki's deck overview, what the release brought
(:func:`summary_html`; kept until the next release, so an unchanged rebuild is byte-identical).

``deck.release``, written beside the lock by every build that changes it, holds each released
note's fields as learners have them, so that ``flashgen changes`` (:func:`release_changes`) and
``flashgen preview --changed`` can show a changed card's old text beside its new. It is a file
of its own, not part of the lock: only those two commands read it, so builds and checks of a
large deck never parse every released field.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from flashgen.lock import (
    LOCK_FILE,
    MAX_LOCK_BYTES,
    MAX_TOPICS,
    RELEASE_FILE,
    LockedCard,
    Release,
    content_hash,
    json_string,
    json_strings,
)
from flashgen.markup import IMG_TAG, escape_text, listed, markdown_literal, replace_clozes
from flashgen.notes import NoteData, topic_of
from flashgen.notetypes import BASIC_FIELDS, CLOZE_FIELDS
from flashgen.problems import ProblemError, Where, shown_safely
from flashgen.sources import DeckSources
from flashgen.yamlsource import read_regular_file

if TYPE_CHECKING:
    from flashgen.pipeline import CompiledDeck

RELEASE_FILE_VERSION = 1

Kind = Literal["new", "changed", "retired", "unchanged"]
NO_RELEASE = Release()


def classify(note: NoteData, locked: LockedCard | None, digest: str) -> Kind:
    """What a note is in this release, against its entry in the lock (``digest`` is its
    :func:`~flashgen.lock.content_hash`). A note is ``retired`` in the release that retires
    it (the ``retired`` tag and the reason join it); a change to a note released retired is a
    change like any other."""
    if locked is not None and locked.hash == digest:
        return "unchanged"
    if note.retired and not (locked is not None and locked.retired):
        return "retired"
    return "new" if locked is None else "changed"


@dataclass
class Tally:
    """A release being counted, note by note."""

    sources: DeckSources
    counts: Counter[str] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)

    def add(self, kind: Kind, note: NoteData) -> None:
        self.counts[kind] += 1
        if kind == "new":
            topic = topic_of(self.sources, note.card)
            if topic:
                self.topics[topic] += 1

    @property
    def changed_anything(self) -> bool:
        return any(self.counts[kind] for kind in ("new", "changed", "retired"))

    def release(self, previous: Release, now: int) -> Release | None:
        """The release this build makes, or ``None`` when no note changed (the lock keeps
        the previous one, and learners keep being told what it brought)."""
        if not self.changed_anything:
            return None
        # Most cards first; a tie in the order the sources give them.
        topics = tuple(name for name, _ in self.topics.most_common(MAX_TOPICS))
        return Release(
            number=previous.number + 1,
            first=previous.first or now,
            new=self.counts["new"],
            changed=self.counts["changed"],
            retired=self.counts["retired"],
            topics=topics,
        )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def summary_text(release: Release) -> str:
    """What the release brought, in a few words for learners; empty before the first."""
    if release.number == 0:
        return ""
    parts = []
    if release.new:
        about = f" on {listed(release.topics)}" if release.topics else ""
        parts.append(f"{_plural(release.new, 'new card')}{about}")
    if release.changed:
        parts.append(f"{release.changed} updated")
    if release.retired:
        parts.append(f"{release.retired} retired")
    return listed(parts)


RETIRED_HOW_TO = (
    "Retired cards are tagged retired: search tag:retired in the Browse window to delete them."
)


def summary_html(release: Release) -> str:
    """:func:`summary_text` as the deck description's last paragraph (every name escaped)."""
    text = summary_text(release)
    if not text:
        return ""
    how = f" {RETIRED_HOW_TO}" if release.retired else ""
    return (
        f'<p class="fg-release"><b>New in release {release.number}:</b> '
        f"{escape_text(text)}.{escape_text(how)}</p>"
    )


# --- deck.release: the released notes' fields ------------------------------------------------


def release_line(note: NoteData) -> str:
    """A note as ``deck.release`` records it: one JSON line, ``[id, [tags], [fields]]``."""
    fields = json_strings(note.fields)
    return f"[{json_string(note.card.id)}, {json_strings(note.tags)}, {fields}]\n"


def release_trailer(number: int) -> str:
    """The last line: the release the file belongs to (the lock's ``release.number``)."""
    return json.dumps({"release": number, "version": RELEASE_FILE_VERSION}) + "\n"


@dataclass(frozen=True, slots=True)
class ShippedNote:
    """A note as the last release shipped it."""

    tags: tuple[str, ...]
    fields: tuple[str, ...]


class ReleaseFileError(ValueError):
    """deck.release cannot be used; the message says why."""


def read_release(path: Path, shown: str, number: int) -> dict[str, ShippedNote]:
    """The notes of release ``number`` from ``deck.release``, by card id; a
    :class:`ReleaseFileError` when the file is missing, malformed or from another release."""
    if not os.path.lexists(path):
        raise ReleaseFileError(f"{shown} does not exist yet (the next build writes it)")
    try:
        raw = read_regular_file(path, shown, MAX_LOCK_BYTES)
    except ProblemError as exc:
        raise ReleaseFileError(exc.problem.message) from None
    notes: dict[str, ShippedNote] = {}
    trailer: Any = None
    try:
        lines = raw.decode("utf-8").splitlines()
        for line in lines[:-1]:
            entry = json.loads(line, parse_constant=_refuse, parse_int=_refuse)
            card_id, tags, fields = entry
            if not (
                isinstance(card_id, str)
                and isinstance(tags, list)
                and isinstance(fields, list)
                and all(isinstance(t, str) for t in [*tags, *fields])
            ):
                raise ValueError("an entry is not [id, [tags], [fields]]")
            notes[card_id] = ShippedNote(tuple(tags), tuple(fields))
        trailer = json.loads(lines[-1]) if lines else None
    except (UnicodeDecodeError, ValueError, TypeError, RecursionError) as exc:
        reason = f"{shown} is malformed ({exc}); the next build rewrites it"
        raise ReleaseFileError(reason) from None
    if trailer != {"release": number, "version": RELEASE_FILE_VERSION}:
        raise ReleaseFileError(
            f"{shown} is not from the release deck.lock records ({number}); the next build "
            "rewrites it"
        )
    return notes


def _refuse(text: str) -> Any:
    raise ValueError(f"'{text[:20]}' is no text")


# --- flashgen changes ------------------------------------------------------------------------

_TAG = re.compile(r"<[^<>]*+>")
_BREAK = re.compile(r"<br\s*+/?>|</p>|</li>|</div>")
FRONT_CHARACTERS = 100


def plain(field_html: str) -> str:
    """A field's HTML as a learner reads the text: tags dropped, a picture as [picture], a
    cloze deletion as [...], one line."""
    text = IMG_TAG.sub(" [picture] ", field_html)
    text = replace_clozes(text, lambda _: "[...]")
    text = _BREAK.sub(" ", text)
    text = html.unescape(_TAG.sub("", text))
    return " ".join(text.split())


def _short(text: str, limit: int = FRONT_CHARACTERS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


@dataclass(frozen=True, slots=True)
class FieldChange:
    name: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class CardChange:
    """One card of the release, as a reviewer reads it."""

    id: str
    where: Where
    front: str
    """The question as a learner reads it, plain and short."""
    fields: tuple[FieldChange, ...] = ()
    """For a changed card: each field that changed, old and new (plain text)."""
    reason: str = ""
    """For a retired or forgotten card: why."""

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.id,
            "file": self.where.path,
            "line": self.where.line,
            "front": self.front,
        }
        if self.fields:
            out["fields"] = {f.name: {"old": f.old, "new": f.new} for f in self.fields}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True, slots=True)
class ReleaseChanges:
    """What the next build would release against ``deck.lock``."""

    new: tuple[CardChange, ...]
    changed: tuple[CardChange, ...]
    retired: tuple[CardChange, ...]
    forgotten: tuple[CardChange, ...]
    unchanged: int
    old_text: str = ""
    """Why the old text of changed cards is not shown (empty when it is)."""
    release: Release = NO_RELEASE
    """The release the lock records (the one these changes would follow)."""

    def as_json(self) -> dict[str, object]:
        return {
            "new": [c.as_json() for c in self.new],
            "changed": [c.as_json() for c in self.changed],
            "retired": [c.as_json() for c in self.retired],
            "forgotten": [c.as_json() for c in self.forgotten],
            "unchanged": self.unchanged,
        }

    @property
    def counts(self) -> str:
        return (
            f"{len(self.new)} new, {len(self.changed)} changed, {len(self.retired)} retired, "
            f"{len(self.forgotten)} forgotten, {self.unchanged} unchanged"
        )


def _names(note: NoteData) -> tuple[str, ...]:
    return CLOZE_FIELDS if note.notetype == "cloze" else BASIC_FIELDS


def _field_changes(note: NoteData, old: ShippedNote) -> tuple[FieldChange, ...]:
    changes = [
        FieldChange(name, plain(before), plain(after))
        for name, before, after in zip(_names(note), old.fields, note.fields, strict=False)
        if before != after
    ]
    if sorted(old.tags) != sorted(note.tags):
        changes.append(FieldChange("Tags", " ".join(old.tags), " ".join(note.tags)))
    return tuple(changes)


def classified(
    notes: Iterable[NoteData], lock_cards: Mapping[str, LockedCard]
) -> Iterator[tuple[Kind, NoteData]]:
    """Each note with what it is in the release, as a build counts it."""
    for note in notes:
        digest = content_hash(note.fields, note.tags, note.notetype_id, note.deck)
        yield classify(note, lock_cards.get(note.card.id), digest), note


def shipped_notes(deck: CompiledDeck) -> tuple[dict[str, ShippedNote] | None, str]:
    """The last release's notes from ``deck.release``, by card id, or ``None`` and why not."""
    sources = deck.sources
    try:
        path, shown = sources.root / RELEASE_FILE, sources.shown(RELEASE_FILE)
        return read_release(path, shown, deck.lock.release.number), ""
    except ReleaseFileError as exc:
        return None, str(exc)


def release_changes(
    notes: Iterable[NoteData],
    lock_cards: Mapping[str, LockedCard],
    forgotten: Mapping[str, str],
    released: Mapping[str, ShippedNote] | None,
    old_text: str = "",
    release: Release = NO_RELEASE,
    forgotten_at: Callable[[str], Where] = lambda card_id: Where(LOCK_FILE),
) -> ReleaseChanges:
    """Every note compared with the lock, as a build would (``released``: the last release's
    fields, for old text; ``None`` when ``deck.release`` cannot be used, ``old_text`` says
    why). Entries are sorted by id."""
    found: dict[Kind, list[CardChange]] = {"new": [], "changed": [], "retired": []}
    unchanged = 0
    for kind, note in classified(notes, lock_cards):
        card = note.card
        if kind == "unchanged":
            unchanged += 1
            continue
        front = _short(plain(note.fields[0]))
        where = card.at("id")
        old = released.get(card.id) if released is not None else None
        fields = _field_changes(note, old) if kind == "changed" and old is not None else ()
        found[kind].append(CardChange(card.id, where, front, fields, card.retired or ""))
    # Forgotten since the last release: the release shipped them, the lock has let them go.
    gone = [
        CardChange(card_id, forgotten_at(card_id), _short(plain(old.fields[0])), reason=reason)
        for card_id, reason in forgotten.items()
        if released is not None and (old := released.get(card_id)) is not None
    ]
    ordered = {kind: tuple(sorted(items, key=lambda c: c.id)) for kind, items in found.items()}
    return ReleaseChanges(
        new=ordered["new"],
        changed=ordered["changed"],
        retired=ordered["retired"],
        forgotten=tuple(sorted(gone, key=lambda c: c.id)),
        unchanged=unchanged,
        old_text=old_text,
        release=release,
    )


_SECTIONS = (
    ("new", "New"),
    ("changed", "Changed"),
    ("retired", "Retired"),
    ("forgotten", "Forgotten"),
)


def _entries(changes: ReleaseChanges) -> Iterator[tuple[str, tuple[CardChange, ...]]]:
    for key, title in _SECTIONS:
        yield title, getattr(changes, key)


def format_text(changes: ReleaseChanges) -> str:
    """For a terminal: every text printed with control characters escaped."""
    lines = [f"Against release {changes.release.number} (deck.lock): {changes.counts}"]
    if changes.old_text and changes.changed:
        lines.append(f"(old text not shown: {changes.old_text})")
    for title, items in _entries(changes):
        if not items:
            continue
        lines.append("")
        lines.append(f"{title} ({len(items)}):")
        for item in items:
            place = f"  {item.where}"
            lines.append(f"  {shown_safely(item.id)}{shown_safely(place)}")
            lines.append(f"    {shown_safely(item.front)}")
            for change in item.fields:
                lines.append(f"    {change.name}:")
                lines.append(f"      - {shown_safely(change.old)}")
                lines.append(f"      + {shown_safely(change.new)}")
            if item.reason:
                lines.append(f"    why: {shown_safely(item.reason)}")
    return "\n".join(lines)


def _md(text: str) -> str:
    """Source text as Markdown that shows it as written, on one line."""
    return markdown_literal(shown_safely(text))


def format_markdown(changes: ReleaseChanges) -> str:
    """For a pull request or a release page: Markdown whose every text is literal."""
    lines = [f"**{changes.counts}** (against release {changes.release.number})"]
    if changes.old_text and changes.changed:
        lines.append("")
        lines.append(f"_Old text not shown: {_md(changes.old_text)}_")
    for title, items in _entries(changes):
        if not items:
            continue
        lines.append("")
        lines.append(f"### {title} ({len(items)})")
        lines.append("")
        for item in items:
            place = f" ({_md(str(item.where))})"
            lines.append(f"- `{item.id}`{place}: {_md(item.front)}")
            for change in item.fields:
                lines.append(f"  - {change.name}: ~~{_md(change.old)}~~ \u2192 {_md(change.new)}")
            if item.reason:
                lines.append(f"  - why: {_md(item.reason)}")
    return "\n".join(lines)


def format_json(changes: ReleaseChanges) -> str:
    return json.dumps(changes.as_json(), indent=2, ensure_ascii=False)


def changes_of(deck: CompiledDeck) -> ReleaseChanges:
    """What building ``deck`` would release against its ``deck.lock``, the old text of changed
    cards read from ``deck.release``; writes nothing."""
    lock, sources = deck.lock, deck.sources
    shipped, why = shipped_notes(deck)
    shown_lock = sources.shown(LOCK_FILE)
    return release_changes(
        deck.notes(),
        lock.cards,
        lock.forgotten,
        shipped,
        why,
        lock.release,
        lambda card_id: Where(shown_lock, lock.line_of(card_id)),
    )
