"""The compiler in one place: load → derive → check → emit.

:func:`compile_deck` reads as the stages. Each runs once per run:

- **load** reads every source file once: the card files, ``subjects.yaml`` and ``deck.yaml``,
  ``media/``, ``diagrams/``, ``stride.yaml`` and ``deck.lock``, into typed values that keep
  file and line;
- **derive** makes what flashgen generates from them, once: pictures, stride charts, and the
  picture and chart cards, which from then on are cards like any other; every card's note guid
  is hashed here, once;
- **check** runs the rules (:mod:`flashgen.check`) over every card, written or generated, and
  compares the release with ``deck.lock``; generated cards are located at the source that
  caused them (a subject, a diagram, a row of ``stride.yaml``);
- **emit** is the caller's: ``build``, ``preview``, ``coverage`` and ``check`` each take the one
  :class:`CompiledDeck` and never load, derive or check again.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from flashgen import check as rules
from flashgen.ids import note_guid
from flashgen.lock import (
    LOCK_FILE,
    Lock,
    LockError,
    Released,
    current_notetypes,
    lock_problems,
    read_lock,
    release_problems,
)
from flashgen.notes import NoteData, deck_media, render_notes
from flashgen.packaged import derived_media_problems
from flashgen.pictures import (
    Diagram,
    SubjectPictures,
    all_pictures,
    picture_answer_problems,
    picture_cards,
    read_diagrams,
    subject_pictures,
)
from flashgen.problems import Problem, SourcesError, sort_problems
from flashgen.sources import Card, DeckConfig, DeckSources, load_sources, shown_root_of
from flashgen.stride import Charts, StrideData, chart_cards, derive_charts, load_stride


@dataclass(frozen=True, slots=True)
class Loaded:
    """Every source under a cards directory, each file read once."""

    sources: DeckSources
    diagrams: list[Diagram]
    stride: StrideData | None
    """``stride.yaml`` as read; ``None`` when the deck has none or it cannot be read."""
    lock: Lock | None
    """``deck.lock`` as read (empty when there is none); ``None`` when it cannot be read."""


@dataclass(frozen=True, slots=True)
class Derived:
    """What flashgen generates from the sources, and every card's identity."""

    pictures: dict[str, SubjectPictures]
    charts: Charts
    cards: list[Card]
    """Every card: the written ones in the order of their files, then the generated ones."""
    guids: list[str]
    """Each card's note guid, in the order of ``cards`` (empty without a ``deck.yaml``)."""


def load(root: Path, *, shown_root: str | None = None) -> tuple[Loaded, list[Problem]]:
    """Read every source file once; the problems say what could not be read or is malformed."""
    # The lock first: parsing a large one holds its whole text for a moment, better before
    # the cards than on top of them.
    shown = shown_root_of(root, shown_root)
    lock: Lock | None = None
    lock_problem: Problem | None = None
    try:
        lock = read_lock(root / LOCK_FILE, f"{shown}/{LOCK_FILE}" if shown else LOCK_FILE)
    except LockError as exc:
        lock_problem = exc.problem
    except OSError:  # the cards directory itself cannot be read: load_sources says so
        pass
    sources, problems = load_sources(root, shown_root=shown_root)
    diagrams, found = read_diagrams(sources)
    problems.extend(found)
    stride, found = load_stride(sources)
    problems.extend(found)
    if sources.config is None:
        lock = None  # without deck.yaml there is no release to compare with
    elif lock_problem is not None:
        problems.append(lock_problem)
    return Loaded(sources, diagrams, stride, lock), problems


def derive(loaded: Loaded) -> Derived:
    """Pictures, charts and the generated cards, made once; every card's guid, hashed once."""
    sources = loaded.sources
    pictures = subject_pictures(loaded.diagrams, sources.subjects)
    charts = derive_charts(sources, loaded.stride)
    released = loaded.lock.cards.keys() if loaded.lock is not None else ()
    cards = [
        *sources.cards,
        *picture_cards(sources, pictures, released),
        *chart_cards(sources, charts),
    ]
    config = sources.config
    # Without deck.yaml there is no key to hash: nothing can be built, the rules still run.
    guids = [note_guid(config, card.id) if config else "" for card in cards]
    return Derived(pictures, charts, cards, guids)


def check(loaded: Loaded, derived: Derived) -> list[Problem]:
    """Every rule over every card, written or generated, and the release against the lock."""
    sources = loaded.sources
    generated_media = {
        *(picture.name for picture in all_pictures(derived.pictures)),
        *(picture.name for picture in derived.charts.pictures()),
    }
    problems = rules.check_cards(
        derived.cards, derived.guids, sources, generated_media, loaded.stride
    )
    problems.extend(picture_answer_problems(derived.cards, sources.subjects, derived.pictures))
    problems.extend(derived.charts.problems)  # the stride data, as the charts read it
    problems.extend(derived_media_problems(sources, derived.pictures, derived.charts))
    config = sources.config
    if config is not None and loaded.lock is not None:
        problems.extend(lock_problems(loaded.lock, int(time.time())))
        released = (
            Released(card, guid, config)
            for card, guid in zip(derived.cards, derived.guids, strict=True)
        )
        # Cards of a file that could not be read are unknown, not removed.
        unknown = sources.unread_ids if not sources.unreadable else None
        problems.extend(
            release_problems(
                loaded.lock, released, current_notetypes(), sources.shown(LOCK_FILE), unknown
            )
        )
    return problems


@dataclass(frozen=True)
class CompiledDeck:
    """A cards directory loaded, derived and checked: what ``build``, ``preview``, ``coverage``
    and ``check`` work from."""

    loaded: Loaded
    derived: Derived
    problems: list[Problem]
    """Every problem, sorted."""

    @property
    def sources(self) -> DeckSources:
        return self.loaded.sources

    @property
    def config(self) -> DeckConfig:
        config = self.loaded.sources.config
        assert config is not None, "a deck with errors is not usable"
        return config

    @property
    def lock(self) -> Lock:
        """``deck.lock`` as it was before this run."""
        assert self.loaded.lock is not None, "a deck with errors is not usable"
        return self.loaded.lock

    @property
    def pictures(self) -> dict[str, SubjectPictures]:
        return self.derived.pictures

    @property
    def charts(self) -> Charts:
        return self.derived.charts

    @property
    def cards(self) -> list[Card]:
        return self.derived.cards

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    def usable(self) -> CompiledDeck:
        """This deck, when it has no errors; otherwise :class:`SourcesError` with them."""
        errors = self.errors
        if errors or self.loaded.sources.config is None or self.loaded.lock is None:
            raise SourcesError(errors)
        return self

    @cached_property
    def _packed(self) -> tuple[dict[str, str], dict[str, bytes]]:
        # Media files other than SVGs are read only when something is emitted.
        return deck_media(self.sources, self.pictures, self.charts)

    @property
    def packed_media(self) -> dict[str, str]:
        """Packed media name by source name."""
        return self._packed[0]

    @property
    def available_media(self) -> dict[str, bytes]:
        """Every media file a note may use, by its packed name."""
        return self._packed[1]

    def notes(self) -> Iterator[NoteData]:
        """The notes, rendered as they are asked for, so a large deck is never all in memory."""
        return render_notes(
            self.sources,
            self.derived.cards,
            self.derived.guids,
            self.packed_media,
            self.pictures,
            self.charts,
        )

    def media(self, used: Iterable[str]) -> dict[str, bytes]:
        """The media files among ``used``, by packed name."""
        available = self.available_media
        # A name no file has (Markdown in a subject's name, say) packs nothing: never a KeyError.
        return {name: available[name] for name in sorted(set(used)) if name in available}


def compile_deck(root: Path, *, shown_root: str | None = None) -> CompiledDeck:
    """Load, derive and check ``root``: the compiled deck and every problem, sorted."""
    loaded, problems = load(root, shown_root=shown_root)
    derived = derive(loaded)
    problems.extend(check(loaded, derived))
    return CompiledDeck(loaded, derived, sort_problems(problems))


def check_directory(
    root: Path, *, shown_root: str | None = None
) -> tuple[DeckSources, list[Problem]]:
    """Load and check a cards directory: every problem, sorted, at once."""
    deck = compile_deck(root, shown_root=shown_root)
    return deck.sources, deck.problems
