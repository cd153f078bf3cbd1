"""What a deck's package may hold: the last word before media and fields reach learners.

Nothing leaves the package: every picture a field shows (written or generated, the source
included) is a media file the package holds, and every SVG the package holds, drawn by
flashgen or written, passes :func:`flashgen.svgsafe.check_packed` (a viewer can always draw it,
and it names no other file). Media are pictures, sound or video, bounded in size, one by one
and for the deck as a whole. Each violation is a located problem at the source that caused it.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from flashgen.markup import picture_names
from flashgen.pictures import MAX_PICTURE_BYTES, SubjectPictures
from flashgen.problems import Problem, SourcesError, Where
from flashgen.sources import DIAGRAMS_DIR, STRIDE_FILE, Card, DeckSources
from flashgen.stride import Charts
from flashgen.svgsafe import SeenAttributes, SvgError, check_packed

# Files Anki shows or plays from a note (what its media check and its editor accept): pictures,
# sound and video. Anything else (.html, .js, .pdf) has no place in a learner's media folder.
PICTURE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".bmp", ".ico", ".tif", ".tiff"}
)
SOUND_AND_VIDEO_SUFFIXES = frozenset(
    {".mp3", ".ogg", ".oga", ".opus", ".wav", ".flac", ".m4a", ".aac", ".spx", ".3gp", ".mp4",
     ".webm", ".mkv", ".mov", ".ogv", ".avi", ".mpg", ".mpeg"}
)  # fmt: skip
MEDIA_SUFFIXES = PICTURE_SUFFIXES | SOUND_AND_VIDEO_SUFFIXES
MAX_MEDIA_FILE_BYTES = 16 * 1024 * 1024
"""One file in ``media/``."""
MAX_DECK_MEDIA_BYTES = MAX_PICTURE_BYTES
"""Every media file of a deck together, written and drawn: what each learner's phone stores
(one bound: the pictures are held to it before they are drawn, all media once they are).
The shipped deck packs about 1.6 MB."""


def media_type_problem(name: str, where: Where) -> Problem | None:
    """A ``media-type`` problem for a file in ``media/`` Anki would not show."""
    suffix = "." + name.rpartition(".")[2].lower() if "." in name else ""
    if suffix in MEDIA_SUFFIXES:
        return None
    return Problem(
        where,
        f"media file type '{suffix or name}' is not a picture, sound or video Anki shows "
        f"(pictures: {', '.join(sorted(PICTURE_SUFFIXES))}); remove it from media/",
        "media-type",
    )


def media_size_problem(size: int, total: int, where: Where) -> Problem | None:
    """A ``media-size`` problem when one file, or the deck's media so far, is over its bound."""
    if size > MAX_MEDIA_FILE_BYTES:
        return Problem(
            where,
            f"media file is {size} bytes; one file may have at most {MAX_MEDIA_FILE_BYTES}",
            "media-size",
        )
    if total > MAX_DECK_MEDIA_BYTES:
        return Problem(
            where,
            f"the deck's media reach {total} bytes with this file; a deck may pack at most "
            f"{MAX_DECK_MEDIA_BYTES} (every learner's phone stores them)",
            "media-size",
        )
    return None


def derived_media_problems(
    sources: DeckSources, pictures: Mapping[str, SubjectPictures], charts: Charts
) -> list[Problem]:
    """Every picture and chart flashgen drew, checked as a deck packs it, and all of them with
    the media within :data:`MAX_DECK_MEDIA_BYTES`: each problem at the diagram a picture was
    drawn from, or at stride.yaml for a chart."""
    drawn = [
        (item.view, picture)
        for item in pictures.values()
        for picture in (item.highlighted, item.blank)
    ]
    drawn.extend(("", picture) for picture in charts.pictures())
    problems: list[Problem] = []
    total = sum(_size(path) for path in sources.media.values())
    seen: set[str] = set()
    attributes = SeenAttributes()
    for view, picture in drawn:
        if picture.name in seen:
            continue
        seen.add(picture.name)
        shown = sources.shown(f"{DIAGRAMS_DIR}/{view}.svg" if view else STRIDE_FILE)
        try:
            check_packed(picture.data, shown, "diagram" if view else "svg", attributes)
        except SvgError as exc:
            problems.append(
                Problem(
                    exc.problem.where,
                    f"the picture {picture.name} drawn from it: {exc.problem.message}",
                    exc.problem.rule,
                )
            )
        total += len(picture.data)
        over = media_size_problem(0, total, Where(shown))
        if over is not None:
            problems.append(over)
            break
    return problems


def _size(path: Path) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0  # reported where it is read


def _field_keys(card: Card) -> Sequence[str]:
    """The card key each note field comes from, in the notetype's field order."""
    if card.cloze is not None:
        return ("cloze", "extra", "picture", "source", "id", "id")
    return ("front", "back", "extra", "picture", "source", "id", "id")


def packed_images(card: Card, fields: Sequence[str], available: Collection[str]) -> list[str]:
    """The media names the note's fields show, every one a file the package holds; else a
    :class:`SourcesError` located at the field's key (an address such as ``//host/x.png``
    would be fetched from the network on every review)."""
    names: list[str] = []
    problems: list[Problem] = []
    for key, field in zip(_field_keys(card), fields, strict=False):
        if "<img" not in field:
            continue
        for name in picture_names(field):
            if name in available:
                names.append(name)
                continue
            problems.append(
                Problem(
                    card.at(key),
                    f"card '{card.id}' would show picture '{name}' from its {key}, which is "
                    "not a file the deck packs: a card shows only pictures in media/",
                    "missing-media",
                )
            )
    if problems:
        raise SourcesError(problems)
    return names
