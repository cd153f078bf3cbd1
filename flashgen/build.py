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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import genanki

from flashgen.ids import deck_id
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
from flashgen.markup import to_html
from flashgen.notes import media_used
from flashgen.notetypes import Notetypes, notetypes
from flashgen.pipeline import CompiledDeck, compile_deck
from flashgen.problems import FlashgenError, shown_safely
from flashgen.sources import DeckConfig

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
    retired: int = 0
    """Retired notes, shipped without cards."""
    lock: str | None = None
    """The lock file, when this build updated it."""
    changes: LockChanges | None = None

    def __str__(self) -> str:
        retired = f" ({self.retired} of them retired, without cards)" if self.retired else ""
        line = (
            f"Wrote {self.path}: {self.notes} notes{retired}, {self.cards} cards, "
            f"{self.media} media file{'s' * (self.media != 1)}"
        )
        if self.lock is not None:
            line += f"\nUpdated {self.lock}: {self.changes}"
        return line


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


@dataclass(frozen=True, slots=True)
class _Written:
    """What went into an .apkg, and the lock entries of its notes."""

    entries: dict[str, LockedCard]
    cards: int
    retired: int
    """Retired notes, shipped without cards."""
    media: dict[str, bytes]


_INSERT_NOTES = "INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)"
_INSERT_CARDS = "INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
_BATCH = 2048


def _write_collection(
    cursor: sqlite3.Cursor, deck: CompiledDeck, now: int, types: Notetypes
) -> _Written:
    """Write every note into the collection as it is rendered, with its lock entry's mod, in
    batches of prepared inserts (one transaction: the caller commits).

    Note and card ids count up from the newest note's ``mod``, which is known only once every
    note has been compared with the lock: they are written counting from far below zero (so the
    two ranges never meet) and moved up at the end, the same ids as counting from there at once.
    A retired note is written without cards: a new learner gets nothing to study, a learner
    who has its card keeps it, and the note is updated in place.
    """
    config, lock = deck.config, deck.lock
    entries: dict[str, LockedCard] = {}
    decks: dict[str, genanki.Deck] = {}
    used: set[str] = set()
    cards = retired = 0
    genanki.Package([]).write_to_db(cursor, now, None)  # the schema and the collection row
    ids = itertools.count(_PROVISIONAL_FIRST_ID)
    note_rows: list[tuple[object, ...]] = []
    card_rows: list[tuple[object, ...]] = []
    for data in deck.notes():
        card_id = data.card.id
        digest = content_hash(data.fields, data.tags, data.notetype_id, data.deck)
        locked = lock.cards.get(card_id)
        mod = next_mod(locked, digest, now)
        entry = LockedCard(data.guid, data.deck, data.notetype_id, digest, mod)
        entries[card_id] = locked if entry == locked else entry  # one copy when unchanged
        target = decks.get(data.deck)
        if target is None:
            description = to_html(config.description) if data.deck == config.name else ""
            target = genanki.Deck(deck_id(config, data.deck), data.deck, description)
            target.add_model(types.cloze if data.notetype == "cloze" else types.basic)
            decks[data.deck] = target
        elif data.notetype_id not in target.models:
            target.add_model(types.cloze if data.notetype == "cloze" else types.basic)
        note_id = next(ids)
        # As genanki writes a note: tags space-delimited, the first field its sort field.
        tags = f" {' '.join(data.tags)} "
        note_rows.append(
            (note_id, data.guid, data.notetype_id, mod, -1, tags, "\x1f".join(data.fields),
             data.fields[0], 0, 0, "")
        )  # fmt: skip
        for ordinal in () if data.retired else data.ordinals:
            card_rows.append(
                (next(ids), note_id, target.deck_id, ordinal - 1, mod, -1, 0, 0, 0, 0, 0, 0, 0,
                 0, 0, 0, 0, "")
            )  # fmt: skip
        cards += data.card_count
        retired += data.retired
        if "<img" in "".join(data.fields):
            used.update(media_used(data))
        if len(note_rows) >= _BATCH:
            cursor.executemany(_INSERT_NOTES, note_rows)
            cursor.executemany(_INSERT_CARDS, card_rows)
            note_rows.clear()
            card_rows.clear()
    cursor.executemany(_INSERT_NOTES, note_rows)
    cursor.executemany(_INSERT_CARDS, card_rows)
    if config.name not in decks:
        decks[config.name] = genanki.Deck(config.deck_id, config.name, to_html(config.description))
    # Every id Anki stores derives from the newest note: unchanged sources, same bytes.
    timestamp = max((entry.mod for entry in entries.values()), default=now)
    shift = timestamp * 1000 - _PROVISIONAL_FIRST_ID
    cursor.execute("UPDATE notes SET id = id + ?", (shift,))
    cursor.execute("UPDATE cards SET id = id + ?, nid = nid + ?", (shift, shift))
    for target in sorted(decks.values(), key=lambda d: d.name):
        target.write_to_db(cursor, timestamp, None)  # the deck and its notetypes
    return _Written(entries, cards, retired, deck.media(used))


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
    deck = compile_deck(cards_dir, shown_root=shown_root).usable()
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
        retired=written.retired,
        media=len(written.media),
        lock=sources.shown(LOCK_FILE) if lock_changed else None,
        changes=LockChanges.between(lock, new_lock),
    )
