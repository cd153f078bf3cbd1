"""Which subject of the manifest is taught by which cards, aspect by aspect."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flashgen.pipeline import CompiledDeck, compile_deck
from flashgen.problems import FlashgenError
from flashgen.sources import Card, Subject


@dataclass(frozen=True, slots=True)
class SubjectCoverage:
    subject: Subject
    card_ids: tuple[str, ...]
    covered: tuple[str, ...]
    required: tuple[str, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(a for a in self.required if a not in self.covered)

    @property
    def failing(self) -> bool:
        """A subject the source material names must be taught in every required aspect."""
        return self.subject.named_in_source and bool(self.missing)


@dataclass(frozen=True, slots=True)
class CoverageReport:
    aspects: tuple[str, ...]
    subjects: tuple[SubjectCoverage, ...]

    @property
    def complete(self) -> bool:
        return not any(entry.failing for entry in self.subjects)


def coverage_of(deck: CompiledDeck) -> CoverageReport:
    """Every live card, written or generated, counted for its subject; retired cards teach no
    new learner, so they count for nothing."""
    sources, config = deck.sources, deck.config
    if not sources.subjects:
        raise FlashgenError(f"coverage needs a {sources.shown('subjects.yaml')} manifest")
    by_subject: dict[str, list[Card]] = {}
    for card in deck.cards:
        if card.subject is not None and not card.retired:
            by_subject.setdefault(card.subject, []).append(card)
    entries = []
    for subject in sources.subjects.values():
        cards = by_subject.get(subject.key, [])
        covered = {aspect for card in cards for aspect in card.aspects}
        required = subject.aspects if subject.aspects is not None else config.required_aspects
        entries.append(
            SubjectCoverage(
                subject=subject,
                card_ids=tuple(card.id for card in cards),
                covered=tuple(a for a in config.aspects if a in covered),
                required=tuple(required),
            )
        )
    return CoverageReport(aspects=tuple(config.aspects), subjects=tuple(entries))


def coverage_report(cards_dir: Path, *, shown_root: str | None = None) -> CoverageReport:
    return coverage_of(compile_deck(cards_dir, shown_root=shown_root).usable())


def _mark(entry: SubjectCoverage, aspect: str) -> str:
    if aspect in entry.covered:
        return "yes"
    return "MISSING" if aspect in entry.required else "-"


def format_report(report: CoverageReport) -> str:
    width = max([len(e.subject.key) for e in report.subjects] + [7])
    header = f"{'subject':<{width}}  src  notes  " + "  ".join(report.aspects)
    lines = [header, "-" * len(header)]
    for entry in report.subjects:
        marks = "  ".join(f"{_mark(entry, a):<{len(a)}}" for a in report.aspects)
        named = "yes" if entry.subject.named_in_source else "   "
        lines.append(f"{entry.subject.key:<{width}}  {named}  {len(entry.card_ids):>5}  {marks}")
    failing = [e for e in report.subjects if e.failing]
    lines.append("")
    if failing:
        lines.append(f"{len(failing)} subject(s) named in the source lack a required aspect:")
        lines.extend(f"  {e.subject.key}: {', '.join(e.missing)}" for e in failing)
    else:
        required = sum(e.subject.named_in_source for e in report.subjects)
        lines.append(
            f"complete: all {required} subjects named in the source are taught in every "
            f"required aspect ({len(report.subjects)} subjects in all)"
        )
    return "\n".join(lines)
