"""Compile checked sources into an .apkg that Anki imports and later updates in place."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import shutil
import sqlite3
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, TypeVar

import genanki

from flashgen.ids import deck_id
from flashgen.lock import (
    LOCK_FILE,
    MAX_MOD,
    RELEASE_FILE,
    LockedCard,
    LockedCards,
    Release,
    content_hash,
    current_notetypes,
    next_mod,
    updated_lock,
)
from flashgen.markup import to_html
from flashgen.notetypes import Notetypes, notetypes
from flashgen.packaged import packed_images
from flashgen.pipeline import CompiledDeck, compile_deck
from flashgen.problems import FlashgenError, shown_safely
from flashgen.release import (
    Tally,
    classify,
    release_line,
    release_trailer,
    summary_html,
)
from flashgen.sources import DeckConfig

# Zip entries carry a date; a fixed one keeps builds byte-identical.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_Result = TypeVar("_Result")
_PROVISIONAL_FIRST_ID = -(1 << 62)


@dataclass(frozen=True, slots=True)
class LockChanges:
    """How a build's notes differ from the lock: what learners' Anki will do on import (the
    counts ``flashgen changes`` lists)."""

    new: int
    changed: int
    retired: int
    unchanged: int

    def __str__(self) -> str:
        return (
            f"{self.new} new, {self.changed} changed, {self.retired} retired, "
            f"{self.unchanged} unchanged"
        )


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
    release: Release | None = None
    """The release this build made; ``None`` when it changed no note."""

    def __str__(self) -> str:
        retired = f" ({self.retired} of them retired, without cards)" if self.retired else ""
        line = (
            f"Wrote {shown_safely(str(self.path))}: {self.notes} notes{retired}, "
            f"{self.cards} cards, "
            f"{self.media} media file{'s' * (self.media != 1)}"
        )
        if self.lock is not None:
            number = f"release {self.release.number}: " if self.release is not None else ""
            line += f"\nUpdated {self.lock}: {number}{self.changes}"
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
    if int(raw) > time.time():
        raise FlashgenError(
            "SOURCE_DATE_EPOCH is after the current time: notes stamped with it could not be "
            "updated by a release before then (Anki updates a note only from a newer one)"
        )
    return int(raw)


@dataclass(frozen=True, slots=True)
class _Written:
    """What went into an .apkg, and the lock entries of its notes."""

    entries: LockedCards
    cards: int
    retired: int
    """Retired notes, shipped without cards."""
    media: dict[str, bytes]
    release: Release | None
    """The release this build makes; ``None`` when it changes no note."""
    changes: LockChanges


_INSERT_NOTES = "INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)"
_INSERT_CARDS = "INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
_BATCH = 2048


def _write_collection(
    cursor: sqlite3.Cursor, deck: CompiledDeck, now: int, types: Notetypes, shipped: TextIO
) -> _Written:
    """Write every note into the collection as it is rendered, with its lock entry's mod, in
    batches of prepared inserts (one transaction: the caller commits).

    Note and card ids count up from the newest note's ``mod``, which is known only once every
    note has been compared with the lock: they are written counting from far below zero (so the
    two ranges never meet) and moved up at the end, the same ids as counting from there at once.
    A retired note is written without cards: a new learner gets nothing to study, a learner
    who has its card keeps it, and the note is updated in place. Each note's fields go to
    ``shipped`` too (``deck.release``), and the release is tallied: when it changes any note,
    the deck's description tells learners what it brought.
    """
    config, lock = deck.config, deck.lock
    tally = Tally(deck.sources)
    entries = LockedCards(like=lock.cards)
    decks: dict[str, genanki.Deck] = {}
    used: set[str] = set()
    cards = retired = position = 0
    genanki.Package([]).write_to_db(cursor, now, None)  # the schema and the collection row
    # Indexes are built once the rows are in (and their ids moved): kept up to date row by row,
    # they cost a third of the writing.
    indexes = cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
    ).fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    ids = itertools.count(_PROVISIONAL_FIRST_ID)
    note_rows: list[tuple[object, ...]] = []
    card_rows: list[tuple[object, ...]] = []
    for data in deck.notes():
        card_id = data.card.id
        digest = content_hash(data.fields, data.tags, data.notetype_id, data.deck)
        locked = lock.cards.get(card_id)
        mod = next_mod(locked, digest, now, lock.release.first)
        entry = LockedCard(data.guid, data.deck, data.notetype_id, digest, mod, data.retired)
        if entry == locked:
            entries.keep(card_id, lock.cards)  # as the lock packed it: one copy when unchanged
        else:
            entries[card_id] = entry
        tally.add(classify(data, locked, digest), data)
        shipped.write(release_line(data))
        target = decks.get(data.deck)
        if target is None:
            target = genanki.Deck(deck_id(config, data.deck), data.deck, "")
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
        position += 1  # a new card's due: new cards reach a learner in the order written
        for ordinal in () if data.retired else data.ordinals:
            card_rows.append(
                (next(ids), note_id, target.deck_id, ordinal - 1, mod, -1, 0, 0, position, 0, 0,
                 0, 0, 0, 0, 0, 0, "")
            )  # fmt: skip
        cards += data.card_count
        retired += data.retired
        used.update(packed_images(data.card, data.fields, deck.available_media))
        if len(note_rows) >= _BATCH:
            cursor.executemany(_INSERT_NOTES, note_rows)
            cursor.executemany(_INSERT_CARDS, card_rows)
            note_rows.clear()
            card_rows.clear()
    cursor.executemany(_INSERT_NOTES, note_rows)
    cursor.executemany(_INSERT_CARDS, card_rows)
    release = tally.release(lock.release, now)
    shipped.write(release_trailer((release or lock.release).number))
    if config.name not in decks:
        decks[config.name] = genanki.Deck(config.deck_id, config.name, "")
    decks[config.name].description = deck_description(config, release or lock.release)
    # Every id Anki stores derives from the newest note: unchanged sources, same bytes.
    timestamp = max((entry.mod for entry in entries.values()), default=now)
    shift = timestamp * 1000 - _PROVISIONAL_FIRST_ID
    cursor.execute("UPDATE notes SET id = id + ?", (shift,))
    cursor.execute("UPDATE cards SET id = id + ?, nid = nid + ?", (shift, shift))
    for _, sql in indexes:
        cursor.execute(sql)
    for target in sorted(decks.values(), key=lambda d: d.name):
        target.write_to_db(cursor, timestamp, None)  # the deck and its notetypes
    counts = tally.counts
    changes = LockChanges(counts["new"], counts["changed"], counts["retired"], counts["unchanged"])
    return _Written(entries, cards, retired, deck.media(used), release, changes)


def deck_description(config: DeckConfig, release: Release) -> str:
    """The deck's description as Anki's deck overview shows it: the maintainer's, then what
    the last release brought (escaped like every text). On one line: the overview keeps the
    description's line breaks (white-space: pre-wrap), so each would show as a blank line."""
    described = re.sub(r"<br>\n", "<br>", to_html(config.description)).replace("\n", " ")
    return described + summary_html(release)


def _zip_package(path: Path, collection: Path, media: Mapping[str, bytes]) -> None:
    """The .apkg: the collection, the media index and the media, with fixed dates and order."""

    def entry(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    collection_entry = entry("collection.anki2")
    # The collection at deflate level 1: three times faster than the default 6, 6% larger.
    # (ZipFile.open takes the level from the entry: compress_level from Python 3.13 on.)
    level = "compress_level" if hasattr(collection_entry, "compress_level") else "_compresslevel"
    setattr(collection_entry, level, 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with collection.open("rb") as db, archive.open(collection_entry, "w") as out:
            shutil.copyfileobj(db, out, 1 << 20)
        names = list(media)
        index = {str(i): name for i, name in enumerate(names)}
        archive.writestr(entry("media"), json.dumps(index).encode())
        for i, name in enumerate(names):
            archive.writestr(entry(str(i)), media[name])


def _write_apkg(
    path: Path, deck: CompiledDeck, now: int, types: Notetypes, shipped: Path
) -> _Written:
    try:
        with tempfile.TemporaryDirectory() as scratch:
            collection = Path(scratch) / "collection.anki2"
            connection = sqlite3.connect(collection)
            # A scratch file, thrown away on any failure: no journal and no waiting for the
            # disk at each commit (the schema's alone waited 0.1 to 0.2 s, a third of a small
            # deck's build). Neither changes a byte of the file.
            connection.execute("PRAGMA journal_mode = OFF")
            connection.execute("PRAGMA synchronous = OFF")
            try:
                with shipped.open("w", encoding="utf-8", newline="\n") as out:
                    written = _write_collection(connection.cursor(), deck, now, types, out)
                connection.commit()
            finally:
                connection.close()
            _zip_package(path, collection, written.media)
    except (sqlite3.Error, OSError) as exc:  # a full disk, a temporary folder gone
        where = shown_safely(tempfile.gettempdir())
        raise FlashgenError(
            f"cannot write the deck: {exc} (the collection is written in the temporary folder "
            f"{where}, set by TMPDIR, and the deck beside {shown_safely(str(path.parent))}); "
            "nothing was written"
        ) from None
    return written


def _temporary_beside(path: Path) -> Path:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        mode = stat.S_IFREG  # nothing there yet
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise FlashgenError(
            f"{shown_safely(str(path))} is not a regular file (a FIFO, a device or a folder): "
            "flashgen writes only over a regular file"
        )
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


def replace_together(deck: tuple[Path, Path], records: Sequence[tuple[Path, Path]]) -> None:
    """Move complete temporary files into place (``(temporary, target)`` each): the
    ``records`` (``deck.release``, then ``deck.lock``) first, in order, then the deck, so that
    all are replaced or none: when a move fails, every record already moved gets its previous
    content back. The temporaries are removed in any case.

    The records go first because a kill between the moves (nothing can undo a SIGKILL) must
    leave the lock ahead of the deck, never behind: a lock that records a release the deck
    file does not hold yet is safe (the next build, from the same sources, writes that very
    deck, byte for byte), while a deck released past its lock could lose a removed card or a
    note's mod without a word. ``deck.release`` only shows old text: ahead of the lock, it is
    told apart by its release number."""
    temporary, target = deck
    moved: list[tuple[Path, Path | None]] = []  # (target, backup of its previous content)
    backups: list[Path] = []
    try:
        try:
            for record_temporary, record in records:
                backup: Path | None = None
                if record.exists():
                    backup = _temporary_beside(record)
                    backups.append(backup)
                    backup.unlink()
                    try:
                        os.link(record, backup)  # the previous file, kept without a copy
                    except OSError:
                        shutil.copy2(record, backup)
                _publishable(record_temporary)
                os.replace(record_temporary, record)
                moved.append((record, backup))
            _publishable(temporary)
            os.replace(temporary, target)
        except BaseException:
            for record, backup in reversed(moved):
                if backup is not None:
                    os.replace(backup, record)
                else:
                    record.unlink(missing_ok=True)
            raise
    finally:
        temporary.unlink(missing_ok=True)
        for record_temporary, _ in records:
            record_temporary.unlink(missing_ok=True)
        for leftover in backups:
            leftover.unlink(missing_ok=True)


def _digest(path: Path) -> bytes | None:
    """The SHA-256 of a file's bytes; ``None`` when there is no such regular file."""
    try:
        with open(path, "rb", buffering=0) as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                return None
            return hashlib.file_digest(file, "sha256").digest()
    except OSError:
        return None


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
    release_path = cards_dir / RELEASE_FILE

    if output is not None:
        refuse_inside(output, cards_dir, "deck")
    target = output if output is not None else default_output(config)
    # Every file is written completely first, then moved into place: deck.release and the
    # lock first, the deck last; a failure on the way restores the previous files, and a kill
    # in between leaves the lock ahead of the deck, which the next build repairs (see
    # replace_together).
    deck_temporary = _temporary_beside(target)
    release_temporary = _temporary_beside(release_path)
    lock_temporary: Path | None = None
    records: list[tuple[Path, Path]] = []
    try:
        written = _write_apkg(deck_temporary, deck, now, notetypes(), release_temporary)
        new_lock = updated_lock(lock, written.entries, current_notetypes(), written.release)
        lock_changed = lock.file_digest != new_lock.digest()
        release_changed = _digest(release_temporary) != _digest(release_path)
        if frozen and (lock_changed or release_changed):
            stale = sources.shown(LOCK_FILE if lock_changed else RELEASE_FILE)
            raise FlashgenError(
                f"{stale} is out of date ({written.changes}): run "
                "'flashgen build' and commit the lock and deck.release"
            )
        if release_changed:
            records.append((release_temporary, release_path))
        if lock_changed:
            lock_temporary = _temporary_beside(lock_path)
            write_lines(lock_temporary, new_lock.render_lines())
            records.append((lock_temporary, lock_path))
    except BaseException:
        for leftover in (deck_temporary, release_temporary, lock_temporary):
            if leftover is not None:
                leftover.unlink(missing_ok=True)
        raise
    if not release_changed:
        release_temporary.unlink(missing_ok=True)
    replace_together((deck_temporary, target), records)
    return BuildResult(
        path=target,
        notes=len(written.entries),
        cards=written.cards,
        retired=written.retired,
        media=len(written.media),
        lock=sources.shown(LOCK_FILE) if lock_changed else None,
        changes=written.changes,
        release=written.release,
    )
