"""Cards as the notes Anki stores: fields rendered to safe HTML, tags, deck and media.

The emit stage's shared half: ``build`` writes these notes into an .apkg and ``preview`` shows
them, so a maintainer previews exactly what learners import.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from flashgen.ids import deck_name, notetype_id
from flashgen.markup import (
    cloze_numbers,
    escape_text,
    image_tag,
    markdown_literal,
    media_stem,
    media_suffix,
    replace_picture_sources,
    to_html,
)
from flashgen.pictures import (
    PICTURE_PREFIX,
    SubjectPictures,
    all_pictures,
    answer_picture_subject,
    content_name,
)
from flashgen.problems import ProblemError, SourcesError
from flashgen.sources import MEDIA_DIR, Card, DeckSources
from flashgen.stride import Charts, chart_alt, chart_image
from flashgen.yamlsource import read_regular_file


@dataclass(frozen=True, slots=True)
class NoteData:
    """One note as Anki will store it: the unit a lock or a preview works with."""

    card: Card
    guid: str
    notetype: str
    """``basic`` or ``cloze``."""
    notetype_id: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str
    ordinals: tuple[int, ...]
    """The note's cards, by number: 1 for a basic note, each cloze deletion's for a cloze."""
    retired: bool

    @property
    def card_count(self) -> int:
        """The cards the package holds for the note: none for a retired note, so a new learner
        gets nothing to study while a learner who has its card keeps it."""
        return 0 if self.retired else len(self.ordinals)


def topic_of(sources: DeckSources, card: Card) -> str:
    """What a card is about, for learners: its subject's group, else its subject."""
    subject = sources.subjects.get(card.subject or "")
    if subject is None:
        return ""
    group = sources.subjects.get(subject.group or "")
    return (group or subject).name


def topic_name(sources: DeckSources, card: Card) -> str:
    """The card's Topic field, the answer side's header: :func:`topic_of`. A picture card has
    none: it asks which subject (or group) its picture shows."""
    return "" if card.id.startswith(PICTURE_PREFIX) else topic_of(sources, card)


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


def _source_html(card: Card, references: Mapping[str, str], seen: dict[str, str]) -> str:
    """The card's source; with a deck's ``references``, each cited one in full. ``seen``:
    sources already rendered (cards of a deck cite the same few, written alike)."""
    html = seen.get(card.source)
    if html is None:
        if references:
            html = "<br>".join(references[key] for key in card.source_keys)
        else:
            html = to_html(card.source)
        seen[card.source] = html
    return html


def render_notes(
    sources: DeckSources,
    cards: Sequence[Card],
    guids: Sequence[str],
    packed_media: Mapping[str, str],
    pictures: Mapping[str, SubjectPictures],
    charts: Charts,
) -> Iterator[NoteData]:
    """Every card as the note Anki will store, one at a time, in the order of ``cards`` (with
    its guid from ``guids``). A card about a subject a picture shows gets that picture after
    the answer; a stride card then its stride chart (its subject's, else the overview)."""
    config = sources.config
    assert config is not None
    # Rendered once: a deck cites the same few references on every card.
    references = {key: to_html(text) for key, text in config.references.items()}
    sources_seen: dict[str, str] = {}
    for card, guid in zip(cards, guids, strict=True):
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
        extra = _html(card.extra, packed_media)
        source = _source_html(card, references, sources_seen)
        if card.retired:
            retired = to_html(f"*Retired: {markdown_literal(card.retired)}*")
            extra = (extra + "<br>" if extra else "") + retired
        topic = escape_text(topic_name(sources, card))
        tail = (extra, picture, source, topic, escape_text(card.id))
        if card.cloze is not None:
            fields: tuple[str, ...] = (_html(card.cloze, packed_media), *tail)
            # As Anki numbers the cards: from the field it stores.
            ordinals = tuple(sorted(set(cloze_numbers(fields[0]))))
        else:
            front, back = card.front or "", card.back or ""
            fields = (_html(front, packed_media), _html(back, packed_media), *tail)
            ordinals = (1,)
        yield NoteData(
            card=card,
            guid=guid,
            notetype="cloze" if card.cloze is not None else "basic",
            notetype_id=notetype_id(card),
            fields=fields,
            tags=(*card.tags, "retired") if card.retired else card.tags,
            deck=deck_name(config, card),
            ordinals=ordinals,
            retired=card.retired is not None,
        )
