"""Compile checked sources into an .apkg that Anki imports and later updates in place."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import genanki

from flashgen.check import inspect_directory
from flashgen.ids import deck_id, deck_name, note_guid, notetype_id
from flashgen.lock import (
    LOCK_FILE,
    Lock,
    LockedCard,
    content_hash,
    current_notetypes,
    next_mod,
    read_lock,
    updated_lock,
)
from flashgen.markup import cloze_numbers, picture_names, replace_picture_sources, to_html
from flashgen.notetypes import Notetypes, notetypes
from flashgen.pictures import (
    SubjectPictures,
    all_pictures,
    image_tag,
    picture_cards,
)
from flashgen.problems import FlashgenError, SourcesError, has_errors
from flashgen.sources import Card, DeckConfig, DeckSources

# Zip entries carry a date; a fixed one keeps builds byte-identical.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class LockChanges:
    """How a build's notes differ from the lock: what learners' Anki will do on import."""

    new: int
    changed: int
    unchanged: int

    @classmethod
    def between(cls, old: Lock, new: Lock) -> LockChanges:
        fresh = [card_id for card_id in new.cards if card_id not in old.cards]
        changed = [
            card_id
            for card_id, entry in new.cards.items()
            if card_id in old.cards and old.cards[card_id].hash != entry.hash
        ]
        return cls(len(fresh), len(changed), len(new.cards) - len(fresh) - len(changed))

    def __str__(self) -> str:
        return f"{self.new} new, {self.changed} changed, {self.unchanged} unchanged"


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build wrote."""

    path: Path
    notes: int
    cards: int
    media: int
    lock: str | None = None
    """The lock file, when this build updated it."""
    changes: LockChanges | None = None

    def __str__(self) -> str:
        line = (
            f"Wrote {self.path}: {self.notes} notes, {self.cards} cards, "
            f"{self.media} media file{'s' * (self.media != 1)}"
        )
        if self.lock is not None:
            line += f"\nUpdated {self.lock}: {self.changes}"
        return line


@dataclass(frozen=True, slots=True)
class NoteData:
    """One note as Anki will store it: the unit a lock or a preview works with."""

    card: Card
    guid: str
    notetype: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str
    card_count: int


class _Note(genanki.Note):  # type: ignore[misc]
    """A genanki note that carries its own modification time."""

    def __init__(self, *, mod: int, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.mod = mod

    def write_to_db(
        self, cursor: sqlite3.Cursor, timestamp: float, deck_id: int, id_gen: object
    ) -> None:
        super().write_to_db(cursor, self.mod, deck_id, id_gen)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "deck"


def default_output(config: DeckConfig) -> Path:
    return Path("build") / f"{slug(config.name)}.apkg"


def source_date_epoch(environ: Mapping[str, str]) -> int | None:
    raw = environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise FlashgenError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not '{raw}'")
    return int(raw)


def media_name(path: Path) -> str:
    """A content-derived name: a changed file gets a new name, which Anki then imports."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"{path.stem}-{digest}{path.suffix}"


def deck_media(
    sources: DeckSources, pictures: Mapping[str, SubjectPictures]
) -> tuple[dict[str, str], dict[str, bytes]]:
    """Media names by source name, and every media file's bytes by its packed name."""
    packed = {name: media_name(path) for name, path in sources.media.items()}
    available = {packed[name]: path.read_bytes() for name, path in sources.media.items()}
    for picture in all_pictures(pictures):
        available[picture.name] = picture.data
    return packed, available


def _topic(sources: DeckSources, card: Card) -> str:
    subject = sources.subjects.get(card.subject or "")
    if subject is None:
        return ""
    group = sources.subjects.get(subject.group or "")
    return (group or subject).name


def _html(text: str, packed: Mapping[str, str]) -> str:
    return replace_picture_sources(to_html(text), packed.get)


def _source_html(config: DeckConfig, card: Card) -> str:
    if not config.references:
        return to_html(card.source)
    return "<br>".join(to_html(config.references[key]) for key in card.source_keys)


def note_data(
    sources: DeckSources,
    packed_media: Mapping[str, str],
    pictures: Mapping[str, SubjectPictures] | None = None,
) -> list[NoteData]:
    """Every card as the note Anki will store: the sources' cards, then the picture cards."""
    config = sources.config
    assert config is not None
    pictures = pictures or {}
    notes = []
    for card in [*sources.cards, *picture_cards(sources, pictures)]:
        picture = ""
        subject = sources.subjects.get(card.subject or "")
        if card.picture:
            alt = subject.name if subject else card.picture
            picture = _html(f"![{alt}]({card.picture})", packed_media)
        elif subject is not None and subject.key in pictures and "picture" not in card.tags:
            picture = image_tag(
                pictures[subject.key].highlighted.name, f"{subject.name} highlighted"
            )
        extra, source = _html(card.extra, packed_media), _source_html(config, card)
        if card.retired:
            extra = (extra + "<br>" if extra else "") + to_html(f"*Retired: {card.retired}*")
        tail = (extra, picture, source, _topic(sources, card), card.id)
        if card.cloze is not None:
            fields: tuple[str, ...] = (_html(card.cloze, packed_media), *tail)
            count = len(set(cloze_numbers(card.cloze)))
        else:
            front, back = card.front or "", card.back or ""
            fields = (_html(front, packed_media), _html(back, packed_media), *tail)
            count = 1
        tags = (*card.tags, "retired") if card.retired else card.tags
        deck = deck_name(config, card)
        notes.append(
            NoteData(
                card=card,
                guid=note_guid(config, card.id),
                notetype="cloze" if card.cloze is not None else "basic",
                fields=fields,
                tags=tags,
                deck=deck,
                card_count=count,
            )
        )
    return notes


def _write_apkg(
    path: Path,
    notes: list[NoteData],
    mods: Mapping[str, int],
    config: DeckConfig,
    media: Mapping[str, bytes],
    timestamp: int,
    types: Notetypes,
) -> None:
    decks: dict[str, genanki.Deck] = {}
    for data in notes:
        deck = decks.get(data.deck)
        if deck is None:
            description = to_html(config.description) if data.deck == config.name else ""
            deck = genanki.Deck(deck_id(config, data.deck), data.deck, description)
            decks[data.deck] = deck
        model = types.cloze if data.notetype == "cloze" else types.basic
        deck.add_note(
            _Note(
                model=model,
                fields=list(data.fields),
                tags=list(data.tags),
                guid=data.guid,
                mod=mods[data.card.id],
            )
        )
    if config.name not in decks:
        decks[config.name] = genanki.Deck(config.deck_id, config.name, to_html(config.description))
    package = genanki.Package(sorted(decks.values(), key=lambda d: d.name))

    with tempfile.TemporaryDirectory() as scratch:
        db_path = Path(scratch) / "collection.anki2"
        connection = sqlite3.connect(db_path)
        try:
            package.write_to_db(connection.cursor(), timestamp, itertools.count(timestamp * 1000))
            connection.commit()
        finally:
            connection.close()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:

            def add(name: str, data: bytes) -> None:
                info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)

            add("collection.anki2", db_path.read_bytes())
            names = sorted(media)
            add("media", json.dumps({str(i): name for i, name in enumerate(names)}).encode())
            for i, name in enumerate(names):
                add(str(i), media[name])


@dataclass(frozen=True, slots=True)
class CompiledDeck:
    """Checked sources turned into the notes and media Anki will store."""

    sources: DeckSources
    config: DeckConfig
    notes: list[NoteData]
    media: dict[str, bytes]
    """The media files the notes use, by their packed name."""


def compile_deck(cards_dir: Path, *, shown_root: str | None = None) -> CompiledDeck:
    """Check ``cards_dir`` and, when it has no errors, compile its notes and media."""
    inspection = inspect_directory(cards_dir, shown_root=shown_root)
    sources = inspection.sources
    if has_errors(inspection.problems) or sources.config is None:
        raise SourcesError([p for p in inspection.problems if p.severity == "error"])
    packed, available = deck_media(sources, inspection.pictures)
    notes = note_data(sources, packed, inspection.pictures)
    used = {name for data in notes for field in data.fields for name in picture_names(field)}
    media = {name: data for name, data in available.items() if name in used}
    return CompiledDeck(sources, sources.config, notes, media)


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Write via a temporary file beside ``path`` and move it into place only when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temporary))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes files private; a deck is not
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def build(
    cards_dir: Path,
    *,
    output: Path | None = None,
    shown_root: str | None = None,
    environ: Mapping[str, str] | None = None,
    frozen: bool = False,
) -> BuildResult:
    """Check ``cards_dir`` and, when it has no errors, write its deck to ``output``.

    Notes keep the ``mod`` recorded in ``deck.lock`` while their content is unchanged; changed
    and new notes get ``SOURCE_DATE_EPOCH`` (else now), strictly newer than the lock. The lock
    is then updated, unless ``frozen``, where a lock that would change is an error.
    """
    environ = os.environ if environ is None else environ
    epoch = source_date_epoch(environ)
    deck = compile_deck(cards_dir, shown_root=shown_root)
    sources, config, notes, media = deck.sources, deck.config, deck.notes, deck.media
    now = epoch if epoch is not None else int(time.time())

    lock_path = cards_dir / LOCK_FILE
    lock = read_lock(lock_path, sources.shown(LOCK_FILE))
    entries: dict[str, LockedCard] = {}
    for data in notes:
        notetype = notetype_id(data.card)
        digest = content_hash(data.fields, data.tags, notetype, data.deck)
        mod = next_mod(lock.cards.get(data.card.id), digest, now)
        entries[data.card.id] = LockedCard(data.guid, data.deck, notetype, digest, mod)
    new_lock = updated_lock(lock, entries, current_notetypes())
    changes = LockChanges.between(lock, new_lock)
    lock_text = new_lock.render()
    lock_changed = not lock_path.exists() or lock_path.read_text(encoding="utf-8") != lock_text
    if frozen and lock_changed:
        raise FlashgenError(
            f"{sources.shown(LOCK_FILE)} is out of date ({changes}): run 'flashgen build' "
            "and commit the lock"
        )
    # Every id Anki stores derives from the newest note, so unchanged sources give the same bytes.
    timestamp = max((entry.mod for entry in entries.values()), default=now)
    mods = {card_id: entry.mod for card_id, entry in entries.items()}
    target = output if output is not None else default_output(config)
    write_atomically(
        target,
        lambda temporary: _write_apkg(
            temporary, notes, mods, config, media, timestamp, notetypes()
        ),
    )
    if lock_changed:
        write_atomically(
            lock_path, lambda temporary: temporary.write_text(lock_text, encoding="utf-8")
        )
    return BuildResult(
        path=target,
        notes=len(notes),
        cards=sum(data.card_count for data in notes),
        media=len(media),
        lock=sources.shown(LOCK_FILE) if lock_changed else None,
        changes=changes,
    )
