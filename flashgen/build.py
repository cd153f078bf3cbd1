"""Compile checked sources into an .apkg that Anki imports and later updates in place."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import genanki

from flashgen.check import inspect_directory, topic_name
from flashgen.ids import deck_id, deck_name, note_guid, notetype_id
from flashgen.lock import (
    LOCK_FILE,
    MAX_MOD,
    Lock,
    LockedCard,
    content_hash,
    current_notetypes,
    next_mod,
    updated_lock,
)
from flashgen.markup import (
    cloze_numbers,
    escape_text,
    image_tag,
    markdown_literal,
    media_stem,
    media_suffix,
    picture_names,
    replace_picture_sources,
    to_html,
)
from flashgen.notetypes import Notetypes, notetypes
from flashgen.pictures import (
    SubjectPictures,
    all_pictures,
    answer_picture_subject,
    content_name,
    picture_cards,
)
from flashgen.problems import (
    FlashgenError,
    Problem,
    ProblemError,
    SourcesError,
    has_errors,
    shown_safely,
)
from flashgen.sources import MEDIA_DIR, Card, DeckConfig, DeckSources
from flashgen.stride import Charts, chart_alt, chart_cards, chart_image
from flashgen.yamlsource import read_regular_file

# Zip entries carry a date; a fixed one keeps builds byte-identical.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_Result = TypeVar("_Result")
_PROVISIONAL_FIRST_ID = -(1 << 62)


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


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "deck"


def default_output(config: DeckConfig) -> Path:
    return Path("build") / f"{slug(config.name)}.apkg"


def source_date_epoch(environ: Mapping[str, str]) -> int | None:
    raw = environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise FlashgenError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds, not '{shown_safely(raw)}'"
        )
    if len(raw) > 12 or int(raw) > MAX_MOD:
        raise FlashgenError(f"SOURCE_DATE_EPOCH must be at most {MAX_MOD} (the year 9999)")
    return int(raw)


def deck_media(
    sources: DeckSources, pictures: Mapping[str, SubjectPictures], charts: Charts
) -> tuple[dict[str, str], dict[str, bytes]]:
    """Media names by source name, and every media file's bytes by its packed name (with the
    pictures and the stride charts this run derived)."""
    packed: dict[str, str] = {}
    available: dict[str, bytes] = {}
    for name, path in sources.media.items():
        data = sources.media_data.get(name)
        if data is None:
            try:
                data = read_regular_file(path, sources.shown(f"{MEDIA_DIR}/{name}"))
            except ProblemError as exc:  # changed since it was checked
                raise SourcesError([exc.problem]) from None
        packed[name] = content_name(media_stem(path.stem), media_suffix(path.suffix), data)
        available[packed[name]] = data
    for picture in all_pictures(pictures):
        available[picture.name] = picture.data
    for picture in charts.pictures():
        available[picture.name] = picture.data
    return packed, available


def _html(text: str, packed: Mapping[str, str]) -> str:
    return replace_picture_sources(to_html(text), packed.get)


def _source_html(card: Card, references: Mapping[str, str]) -> str:
    """The card's source; with a deck's ``references``, each cited one in full."""
    if not references:
        return to_html(card.source)
    return "<br>".join(references[key] for key in card.source_keys)


def iter_notes(
    sources: DeckSources,
    packed_media: Mapping[str, str],
    pictures: Mapping[str, SubjectPictures],
    charts: Charts,
    released: Collection[str] = (),
) -> Iterator[NoteData]:
    """Every card as the note Anki will store, one at a time: the sources' cards, then the
    picture cards, then the chart cards. A stride card shows its stride chart after the answer
    (its subject's, else the overview), after any picture; ``charts`` are those the run drew
    once. Picture cards include the retired ones among the ``released`` card ids."""
    config = sources.config
    assert config is not None
    # Rendered once: a deck cites the same few references on every card.
    references = {key: to_html(text) for key, text in config.references.items()}
    for card in [
        *sources.cards,
        *picture_cards(sources, pictures, released),
        *chart_cards(sources, charts),
    ]:
        picture = ""
        subject = sources.subjects.get(card.subject or "")
        if card.picture:
            alt = subject.name if subject else card.picture
            picture = image_tag(packed_media.get(card.picture, card.picture), alt)
        elif (shown := answer_picture_subject(card, sources.subjects, pictures)) is not None:
            alt = f"{sources.subjects[shown].name} highlighted"
            picture = image_tag(pictures[shown].highlighted.name, alt)
        chart = charts.for_card(card)
        if chart is not None:
            picture += chart_image(chart, chart_alt(card, sources, charts))
        extra, source = _html(card.extra, packed_media), _source_html(card, references)
        if card.retired:
            retired = to_html(f"*Retired: {markdown_literal(card.retired)}*")
            extra = (extra + "<br>" if extra else "") + retired
        topic = escape_text(topic_name(sources, card))
        tail = (extra, picture, source, topic, escape_text(card.id))
        if card.cloze is not None:
            fields: tuple[str, ...] = (_html(card.cloze, packed_media), *tail)
            count = len(set(cloze_numbers(card.cloze)))
        else:
            front, back = card.front or "", card.back or ""
            fields = (_html(front, packed_media), _html(back, packed_media), *tail)
            count = 1
        yield NoteData(
            card=card,
            guid=note_guid(config, card.id),
            notetype="cloze" if card.cloze is not None else "basic",
            fields=fields,
            tags=(*card.tags, "retired") if card.retired else card.tags,
            deck=deck_name(config, card),
            card_count=count,
        )


def media_used(note: NoteData) -> list[str]:
    """The packed names of the media files a note shows."""
    return [name for field in note.fields if "<img" in field for name in picture_names(field)]


@dataclass(frozen=True, slots=True)
class CompiledDeck:
    """Checked sources, ready to become the notes and media Anki will store."""

    sources: DeckSources
    config: DeckConfig
    pictures: dict[str, SubjectPictures]
    packed_media: dict[str, str]
    """Packed media name by source name."""
    available_media: dict[str, bytes]
    """Every media file a note may use, by its packed name."""
    lock: Lock
    """``deck.lock`` as it was before this build."""
    charts: Charts

    def notes(self) -> Iterator[NoteData]:
        """The notes, rendered as they are asked for, so a large deck is never all in memory."""
        return iter_notes(
            self.sources, self.packed_media, self.pictures, self.charts, self.lock.cards.keys()
        )

    def media(self, used: Iterable[str]) -> dict[str, bytes]:
        """The media files among ``used``, by packed name."""
        available = self.available_media
        # A name no file has (Markdown in a subject's name, say) packs nothing: never a KeyError.
        return {name: available[name] for name in sorted(set(used)) if name in available}


def compile_deck(cards_dir: Path, *, shown_root: str | None = None) -> CompiledDeck:
    """Check ``cards_dir`` and, when it has no errors, get it ready to compile."""
    inspection = inspect_directory(cards_dir, shown_root=shown_root)
    sources, lock = inspection.sources, inspection.lock
    if has_errors(inspection.problems) or sources.config is None or lock is None:
        raise SourcesError([p for p in inspection.problems if p.severity == "error"])
    packed, available = deck_media(sources, inspection.pictures, inspection.charts)
    return CompiledDeck(
        sources, sources.config, inspection.pictures, packed, available, lock, inspection.charts
    )


@dataclass(frozen=True, slots=True)
class _Written:
    """What went into an .apkg, and the lock entries of its notes."""

    entries: dict[str, LockedCard]
    cards: int
    media: dict[str, bytes]


def _write_collection(
    cursor: sqlite3.Cursor, deck: CompiledDeck, now: int, types: Notetypes
) -> _Written:
    """Write every note into the collection as it is rendered, with its lock entry's mod.

    Note and card ids count up from the newest note's ``mod``, which is known only once every
    note has been compared with the lock: they are written counting from far below zero (so the
    two ranges never meet) and moved up at the end, the same ids as counting from there at once.
    """
    config = deck.config
    entries: dict[str, LockedCard] = {}
    decks: dict[str, genanki.Deck] = {}
    used: set[str] = set()
    cards = 0
    genanki.Package([]).write_to_db(cursor, now, None)  # the schema and the collection row
    provisional_ids = itertools.count(_PROVISIONAL_FIRST_ID)
    guids: dict[str, Card] = {}
    for data in deck.notes():
        first = guids.setdefault(data.guid, data.card)
        if first is not data.card:  # one note per guid, or an import overwrites another note
            raise SourcesError(
                [
                    Problem(
                        data.card.at("id"),
                        f"card '{data.card.id}' would get the note guid of card '{first.id}' "
                        f"at {first.at('id')}: one would overwrite the other in Anki",
                        "duplicate-guid",
                    )
                ]
            )
        notetype = notetype_id(data.card)
        digest = content_hash(data.fields, data.tags, notetype, data.deck)
        locked = deck.lock.cards.get(data.card.id)
        entry = LockedCard(data.guid, data.deck, notetype, digest, next_mod(locked, digest, now))
        entries[data.card.id] = locked if entry == locked else entry  # one copy when unchanged
        mod = entry.mod
        target = decks.get(data.deck)
        if target is None:
            description = to_html(config.description) if data.deck == config.name else ""
            target = genanki.Deck(deck_id(config, data.deck), data.deck, description)
            decks[data.deck] = target
        model = types.cloze if data.notetype == "cloze" else types.basic
        target.add_model(model)
        note = genanki.Note(
            model=model, fields=list(data.fields), tags=list(data.tags), guid=data.guid
        )
        note.write_to_db(cursor, mod, target.deck_id, provisional_ids)
        used.update(media_used(data))
        cards += data.card_count
    if config.name not in decks:
        decks[config.name] = genanki.Deck(config.deck_id, config.name, to_html(config.description))
    # Every id Anki stores derives from the newest note: unchanged sources, same bytes.
    timestamp = max((entry.mod for entry in entries.values()), default=now)
    shift = timestamp * 1000 - _PROVISIONAL_FIRST_ID
    cursor.execute("UPDATE notes SET id = id + ?", (shift,))
    cursor.execute("UPDATE cards SET id = id + ?, nid = nid + ?", (shift, shift))
    for target in sorted(decks.values(), key=lambda d: d.name):
        target.write_to_db(cursor, timestamp, None)  # the deck and its notetypes
    return _Written(entries, cards, deck.media(used))


def _zip_package(path: Path, collection: Path, media: Mapping[str, bytes]) -> None:
    """The .apkg: the collection, the media index and the media, with fixed dates and order."""

    def entry(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with collection.open("rb") as db, archive.open(entry("collection.anki2"), "w") as out:
            shutil.copyfileobj(db, out, 1 << 20)
        names = list(media)
        index = {str(i): name for i, name in enumerate(names)}
        archive.writestr(entry("media"), json.dumps(index).encode())
        for i, name in enumerate(names):
            archive.writestr(entry(str(i)), media[name])


def _write_apkg(path: Path, deck: CompiledDeck, now: int, types: Notetypes) -> _Written:
    with tempfile.TemporaryDirectory() as scratch:
        collection = Path(scratch) / "collection.anki2"
        connection = sqlite3.connect(collection)
        try:
            written = _write_collection(connection.cursor(), deck, now, types)
            connection.commit()
        finally:
            connection.close()
        _zip_package(path, collection, written.media)
    return written


def _temporary_beside(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    return Path(temporary)


def _publishable(temporary: Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes files private; a deck is not


def write_atomically(path: Path, write: Callable[[Path], _Result]) -> _Result:
    """Write via a temporary file beside ``path`` and move it into place only when complete;
    returns what ``write`` returns."""
    temporary = _temporary_beside(path)
    try:
        result = write(temporary)
        _publishable(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return result


def replace_together(first: tuple[Path, Path], second: tuple[Path, Path] | None) -> None:
    """Move two complete temporary files into place (``(temporary, target)`` each) so that
    either both are replaced or neither: when the second move fails, the first target gets its
    previous content back. The temporaries are removed in any case."""
    temporary, target = first
    backup: Path | None = None
    try:
        if second is not None and target.exists():
            backup = _temporary_beside(target)
            backup.unlink()
            try:
                os.link(target, backup)  # the previous file, kept without a copy
            except OSError:
                shutil.copy2(target, backup)
        _publishable(temporary)
        os.replace(temporary, target)
        if second is not None:
            try:
                _publishable(second[0])
                os.replace(*second)
            except BaseException:
                if backup is not None:
                    os.replace(backup, target)
                else:
                    target.unlink(missing_ok=True)
                raise
    finally:
        temporary.unlink(missing_ok=True)
        if second is not None:
            second[0].unlink(missing_ok=True)
        if backup is not None:
            backup.unlink(missing_ok=True)


def write_lines(path: Path, lines: Iterable[str]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.writelines(lines)


def refuse_inside(output: Path, cards_dir: Path, what: str) -> None:
    """An output inside the cards directory would overwrite (or add) a source file."""
    try:
        inside = output.resolve().is_relative_to(cards_dir.resolve())
    except (OSError, RuntimeError) as exc:
        shown = shown_safely(str(output))
        raise FlashgenError(f"cannot resolve the output path {shown}: {exc}") from None
    if inside:
        raise FlashgenError(
            f"the {what} would be written inside the cards directory "
            f"({shown_safely(str(output))}); choose a path outside {shown_safely(str(cards_dir))}"
        )


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
    sources, config = deck.sources, deck.config
    now = epoch if epoch is not None else int(time.time())
    lock_path, lock = cards_dir / LOCK_FILE, deck.lock

    if output is not None:
        refuse_inside(output, cards_dir, "deck")
    target = output if output is not None else default_output(config)
    # Both files are written completely first, then moved into place deck first, lock last;
    # a failure on the way restores the previous deck, so deck and lock always match.
    deck_temporary = _temporary_beside(target)
    lock_temporary: Path | None = None
    try:
        written = _write_apkg(deck_temporary, deck, now, notetypes())
        new_lock = updated_lock(lock, written.entries, current_notetypes())
        lock_changed = lock.file_digest != new_lock.digest()
        if frozen and lock_changed:
            raise FlashgenError(
                f"{sources.shown(LOCK_FILE)} is out of date "
                f"({LockChanges.between(lock, new_lock)}): run 'flashgen build' and commit the lock"
            )
        if lock_changed:
            lock_temporary = _temporary_beside(lock_path)
            write_lines(lock_temporary, new_lock.render_lines())
    except BaseException:
        deck_temporary.unlink(missing_ok=True)
        if lock_temporary is not None:
            lock_temporary.unlink(missing_ok=True)
        raise
    replace_together(
        (deck_temporary, target),
        (lock_temporary, lock_path) if lock_temporary is not None else None,
    )
    return BuildResult(
        path=target,
        notes=len(written.entries),
        cards=written.cards,
        media=len(written.media),
        lock=sources.shown(LOCK_FILE) if lock_changed else None,
        changes=LockChanges.between(lock, new_lock),
    )
