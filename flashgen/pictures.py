"""Pictures derived from hand-drawn diagrams: one per subject, its region highlighted.

A diagram is an SVG in ``cards/diagrams/`` whose regions carry ``data-subjects`` (manifest keys;
a group's picture highlights every region of its members) and ``class="region"``, plus
``deep`` for muscles that lie under others. The derived pictures mute every region and
highlight the subject's by lightness and a heavy outline (not hue alone), and bring deep
regions to the front with a dashed outline, so depth stays clear. Each picture is named after
its content, so a changed drawing reaches learners as a new file.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from flashgen import svgsafe
from flashgen.markup import image_tag as _image_tag
from flashgen.markup import markdown_literal
from flashgen.problems import Problem, Where
from flashgen.sources import Card, DeckSources, Subject

DIAGRAMS_DIR = "diagrams"
SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)

PICTURE_CSS = """
.panel { fill: #f8fafc; }
.outline { fill: #efe3d6; stroke: #374151; stroke-width: 2; }
.region { fill: #e5e7eb; stroke: #6b7280; stroke-width: 1.2; }
.region.deep { fill: none; stroke-dasharray: 5 3; }
.region.hl { fill: #9a3412; stroke: #000000; stroke-width: 3.5; }
.region.deep.hl { fill: #9a3412; fill-opacity: 0.8; stroke-dasharray: 7 4; }
"""


@dataclass(frozen=True, slots=True)
class Diagram:
    name: str
    text: str
    regions: tuple[tuple[str, ...], ...]
    """The subject keys of each region, in document order."""


@dataclass(frozen=True, slots=True)
class Picture:
    """A derived picture: its media name and SVG bytes."""

    name: str
    data: bytes


def _line_of(text: str, needle: str, start: int = 0) -> tuple[int, int]:
    at = text.find(needle, start)
    return (text.count("\n", 0, at) + 1, at + 1) if at >= 0 else (1, start)


def load_diagrams(
    root: Path, shown_dir: str, subjects: Mapping[str, Subject]
) -> tuple[list[Diagram], list[Problem]]:
    folder = root / DIAGRAMS_DIR
    diagrams: list[Diagram] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return diagrams, problems
    for path in sorted(folder.glob("*.svg")):
        shown = f"{shown_dir}/{path.name}"
        try:
            text = svgsafe.read_svg(path, shown, "diagram")  # bounded, sanitised, regular file
            tree = ET.fromstring(text)
        except svgsafe.SvgError as exc:
            problems.append(exc.problem)
            continue
        except (ET.ParseError, ValueError, UnicodeDecodeError) as exc:
            line = getattr(exc, "position", (1, 0))[0]
            problems.append(
                Problem(Where(shown, line), f"diagram cannot be read: {exc}", "diagram")
            )
            continue
        regions = []
        cursor = 0
        for element in tree.iter():
            keys = tuple((element.get("data-subjects") or "").split())
            if not keys:
                continue
            line, cursor = _line_of(text, f'data-subjects="{element.get("data-subjects")}"', cursor)
            for key in keys:
                if key not in subjects:
                    problems.append(
                        Problem(
                            Where(shown, line),
                            f"diagram region names unknown subject '{key}'",
                            "unknown-subject",
                        )
                    )
            regions.append(keys)
        diagrams.append(Diagram(path.stem, text, tuple(regions)))
    return diagrams, problems


def _covers(subjects: Mapping[str, Subject]) -> dict[str, set[str]]:
    """For each subject, itself and every subject below it through ``group``."""
    covers: dict[str, set[str]] = {key: {key} for key in subjects}
    for key in subjects:
        seen = {key}
        parent = subjects[key].group
        while parent is not None and parent in subjects and parent not in seen:
            covers[parent].add(key)
            seen.add(parent)
            parent = subjects[parent].group
    return covers


def _render(diagram: Diagram, highlighted: set[int]) -> bytes:
    root = ET.fromstring(diagram.text)
    style = ET.Element(f"{{{SVG_NS}}}style")
    style.text = PICTURE_CSS
    root.insert(0, style)
    parents = {child: parent for parent in root.iter() for child in parent}
    regions = [element for element in root.iter() if element.get("data-subjects")]
    lifted = []
    for index, element in enumerate(regions):
        if index not in highlighted:
            continue
        classes = element.get("class", "").split()
        element.set("class", " ".join([*classes, "hl"]))
        if "deep" in classes:
            parents[element].remove(element)
            lifted.append(element)
    root.extend(lifted)  # deep regions come to the front when they are the answer
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return data


def content_name(stem: str, suffix: str, data: bytes) -> str:
    """A media name derived from the content: a changed file gets a new name, which Anki
    then imports (it keeps a file it already has under the same name)."""
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:12]}{suffix}"


def _named(stem: str, data: bytes) -> Picture:
    return Picture(content_name(stem, ".svg", data), data)


@dataclass(frozen=True, slots=True)
class SubjectPictures:
    """For one subject: its highlighted picture and the same view with nothing highlighted."""

    highlighted: Picture
    blank: Picture


def subject_pictures(
    diagrams: list[Diagram], subjects: Mapping[str, Subject]
) -> dict[str, SubjectPictures]:
    covers = _covers(subjects)
    blanks = {d.name: _named(f"{d.name}-all", _render(d, set())) for d in diagrams}
    pictures: dict[str, SubjectPictures] = {}
    for key in subjects:
        best: tuple[int, Diagram, set[int]] | None = None
        for diagram in diagrams:
            hits = {
                i for i, region in enumerate(diagram.regions) if covers[key].intersection(region)
            }
            if hits and (best is None or len(hits) > best[0]):
                best = (len(hits), diagram, hits)
        if best is not None:
            _, diagram, hits = best
            pictures[key] = SubjectPictures(
                highlighted=_named(f"{diagram.name}-{key}", _render(diagram, hits)),
                blank=blanks[diagram.name],
            )
    return pictures


def all_pictures(pictures: Mapping[str, SubjectPictures]) -> Iterator[Picture]:
    seen: set[str] = set()
    for item in pictures.values():
        for picture in (item.highlighted, item.blank):
            if picture.name not in seen:
                seen.add(picture.name)
                yield picture


def image_tag(name: str, alt: str) -> str:
    return _image_tag(name, alt)


def derive_pictures(sources: DeckSources) -> tuple[dict[str, SubjectPictures], list[Problem]]:
    """Every subject's pictures from the deck's diagrams, and the diagrams' problems."""
    diagrams, problems = load_diagrams(sources.root, sources.shown(DIAGRAMS_DIR), sources.subjects)
    return subject_pictures(diagrams, sources.subjects), problems


def deck_pictures(sources: DeckSources) -> dict[str, SubjectPictures]:
    return derive_pictures(sources)[0]


def picture_cards(sources: DeckSources, pictures: Mapping[str, SubjectPictures]) -> list[Card]:
    """For every subject with a picture: name the highlighted region, and point to a named one.

    Each card is placed at its subject's manifest entry, which is what makes it exist.
    """
    cards = []
    for key, subject in sources.subjects.items():
        if key not in pictures:
            continue
        highlighted, blank = pictures[key].highlighted.name, pictures[key].blank.name
        for card_id, front, back in (
            (
                f"picture-which-{key}",
                f"Picture: which muscle or structure is highlighted?\n\n![]({highlighted})",
                markdown_literal(subject.name),
            ),
            (
                f"picture-point-{key}",
                f"Picture: point to **{markdown_literal(subject.name)}**.\n\n![]({blank})",
                f"![{markdown_literal(subject.name)}]({highlighted})",
            ),
        ):
            cards.append(
                Card(
                    id=card_id,
                    where=subject.where,
                    front=front,
                    back=back,
                    subject=key,
                    aspects=("location",),
                    tags=("picture",),
                    generated=True,
                )
            )
    return cards
