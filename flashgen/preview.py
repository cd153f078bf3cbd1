"""One self-contained HTML page showing every card's front and back, as Anki renders them.

Card sides are rendered from the notetypes' own templates with the same rules Anki applies
(field replacement, conditional sections, cloze deletions), so what a maintainer sees here is
what learners see; ``tests/test_preview.py`` compares every side with the ``anki`` package.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from flashgen.build import slug
from flashgen.markup import (
    Cloze,
    attribute,
    clozes,
    escape_text,
    field_read_back,
    picture_names,
    replace_clozes,
    replace_picture_sources,
)
from flashgen.notes import NoteData
from flashgen.notetypes import (
    BASIC_AFMT,
    BASIC_FIELDS,
    BASIC_QFMT,
    CLOZE_AFMT,
    CLOZE_FIELDS,
    CLOZE_QFMT,
    CSS,
)
from flashgen.packaged import packed_images
from flashgen.pictures import Picture
from flashgen.pipeline import CompiledDeck, compile_deck
from flashgen.release import classified, shipped_notes
from flashgen.stride import chart_image

_SECTION = re.compile(r"\{\{([#^])([^}]+)\}\}(.*?)\{\{/\2\}\}", re.DOTALL)
_FIELD = re.compile(r"\{\{(cloze:)?([^#^/}][^}]*)\}\}")


@dataclass(frozen=True, slots=True)
class CardSides:
    """One Anki card: a note and, for cloze notes, the deletion number it asks."""

    note: NoteData
    ordinal: int
    question: str
    answer: str

    @property
    def key(self) -> str:
        return f"{self.note.card.id}/{self.ordinal}"


_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def _escape_attribute(text: str) -> str:
    """Escape as Anki does for data-cloze: every Latin-1 character but ASCII letters and digits."""
    out = []
    for char in text:
        if char.isascii() and char.isalnum():
            out.append(char)
        elif char in _NAMED:
            out.append(_NAMED[char])
        elif ord(char) < 0x100:
            out.append(f"&#x{ord(char):X};")
        else:
            out.append(char)
    return "".join(out)


def _render_cloze(text: str, ordinal: int, question: bool) -> str:
    def replace(cloze: Cloze) -> str:
        number, content, hint = cloze.number, cloze.answer, cloze.hint
        if number != ordinal:
            return f'<span class="cloze-inactive" data-ordinal="{number}">{content}</span>'
        if not question:
            return f'<span class="cloze" data-ordinal="{number}">{content}</span>'
        shown = f"[{hint}]" if hint else "[...]"
        escaped = _escape_attribute(content)
        return f'<span class="cloze" data-cloze="{escaped}" data-ordinal="{number}">{shown}</span>'

    return replace_clozes(text, replace)


def render_template(template: str, fields: Mapping[str, str], ordinal: int, question: bool) -> str:
    """Render one of our templates as Anki does (the subset of its syntax they use)."""

    def section(match: re.Match[str]) -> str:
        kind, name, inner = match.group(1), match.group(2).strip(), match.group(3)
        present = bool(fields.get(name, "").strip())
        return inner if present == (kind == "#") else ""

    text = _SECTION.sub(section, template)

    def field(match: re.Match[str]) -> str:
        value = fields.get(match.group(2).strip(), "")
        return _render_cloze(value, ordinal, question) if match.group(1) else value

    return _FIELD.sub(field, text)


def card_sides(notes: list[NoteData]) -> list[CardSides]:
    sides = []
    for data in notes:
        if data.notetype == "cloze":
            fields = dict(zip(CLOZE_FIELDS, data.fields, strict=True))
            ordinals = list(data.ordinals)
            templates = (CLOZE_QFMT, CLOZE_AFMT)
        else:
            fields = dict(zip(BASIC_FIELDS, data.fields, strict=True))
            ordinals = [1]
            templates = (BASIC_QFMT, BASIC_AFMT)
        for ordinal in ordinals:
            sides.append(
                CardSides(
                    note=data,
                    ordinal=ordinal,
                    question=render_template(templates[0], fields, ordinal, question=True),
                    answer=render_template(templates[1], fields, ordinal, question=False),
                )
            )
    return sides


def _inline_media(text: str, media: Mapping[str, bytes]) -> str:
    def data_uri(name: str) -> str | None:
        data = media.get(name)
        if data is None:
            return None
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return f"data:{kind};base64,{base64.b64encode(data).decode()}"

    return replace_picture_sources(text, data_uri)


_PAGE_CSS = """
html { background: #e5e7eb; }
body.fg-preview { margin: 0; padding: 0; background: #e5e7eb; color: #111827;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Arial, sans-serif; }
body.fg-preview.nightMode { background: #0b0b0c; color: #ececec; }
.fg-toolbar { position: sticky; top: 0; z-index: 1; display: flex; flex-wrap: wrap; gap: 8px;
  align-items: center; padding: 10px 12px; background: #111827; color: #ffffff; }
.fg-toolbar h1 { font-size: 18px; margin: 0 auto 0 0; }
.fg-toolbar input { font-size: 16px; padding: 6px 8px; min-width: 0; flex: 1 1 160px;
  border-radius: 6px; border: 1px solid #6b7280; }
.fg-toolbar button { font-size: 16px; padding: 6px 10px; border-radius: 6px;
  border: 1px solid #9ca3af; background: #1f2937; color: #ffffff; }
.fg-count { font-size: 16px; color: #e5e7eb; }
.fg-group > h2 { font-size: 18px; margin: 20px 12px 8px; }
.fg-note { margin: 12px; display: grid; gap: 8px; grid-template-columns: 1fr; }
@media (min-width: 900px) { .fg-note { grid-template-columns: 1fr 1fr; } }
.fg-side { border-radius: 10px; overflow: hidden; box-shadow: 0 1px 3px rgba(0,0,0,.25); }
.fg-side-label { font-size: 13px; padding: 4px 10px; background: #374151; color: #ffffff; }
.fg-note[hidden], .fg-group[hidden] { display: none; }
.fg-overview { margin: 12px; }
.fg-page-note { margin: 12px; font-size: 16px; }
.fg-before { opacity: .8; }
.fg-before .fg-side-label { background: #7c2d12; }
.fg-overview img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
"""

_PAGE_JS = """
const body = document.body;
const search = document.getElementById('fg-search');
const count = document.getElementById('fg-count');
function setNight(on) {
  body.classList.toggle('nightMode', on);
  body.classList.toggle('night_mode', on);
  document.getElementById('fg-night').textContent = on ? 'Day mode' : 'Night mode';
}
document.getElementById('fg-night').addEventListener('click',
  () => setNight(!body.classList.contains('nightMode')));
function filter() {
  const words = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
  // Each article is one card; a cloze note has one per deletion.
  const notes = new Set();
  let cards = 0;
  for (const card of document.querySelectorAll('.fg-note')) {
    const text = card.dataset.search;
    const match = words.every(w => text.includes(w));
    card.hidden = !match;
    if (match) { cards += 1; notes.add(card.dataset.note); }
  }
  for (const group of document.querySelectorAll('.fg-group')) {
    group.hidden = !group.querySelector('.fg-note:not([hidden])');
  }
  const plural = (n, word) => n + ' ' + word + (n === 1 ? '' : 's');
  count.textContent = plural(notes.size, 'note') + ', ' + plural(cards, 'card');
}
search.addEventListener('input', filter);
if (new URLSearchParams(location.search).get('night') === '1') setNight(true);
filter();
"""


def _search_text(sides: CardSides) -> str:
    card = sides.note.card
    raw = " ".join(
        [card.id, card.front or "", card.back or "", card.cloze or "", card.extra, *card.tags]
    )
    return attribute(raw.lower())


RETIRED_HEADING = "Retired: no new learner gets these; learners who have them see them updated"


def _by_place(sides: list[CardSides]) -> dict[str, list[CardSides]]:
    """Cards by deck and file, the retired ones apart and last: the package holds no card of
    their notes."""
    groups: dict[str, list[CardSides]] = {}
    retired: list[CardSides] = []
    for item in sides:
        card = item.note.card
        if item.note.retired:
            retired.append(item)
            continue
        place = "pictures" if card.generated else Path(card.where.path).stem
        groups.setdefault(f"{item.note.deck} \u203a {place}", []).append(item)
    if retired:
        groups[RETIRED_HEADING] = retired
    return groups


def render_page(
    title: str,
    sides: list[CardSides],
    media: Mapping[str, bytes],
    overview: str | None = None,
    *,
    grouped: Mapping[str, list[CardSides]] | None = None,
    before: Mapping[str, CardSides] | None = None,
    note: str = "",
) -> str:
    """The page; ``overview`` names the stride overview chart in ``media``, shown at the top.
    ``grouped``: the cards already in sections (else ``sides`` by deck and file); ``before``:
    old versions of cards, by :attr:`CardSides.key`, shown beside them; ``note``: a line of
    text under the toolbar."""
    groups = {k: v for k, v in (grouped or _by_place(sides)).items() if v}
    before = before or {}
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape_text(title)}: preview</title>",
        f"<style>{CSS}</style><style>{_PAGE_CSS}</style>",
        '</head><body class="fg-preview">',
        '<header class="fg-toolbar">',
        f"<h1>{escape_text(title)}</h1>",
        '<input id="fg-search" type="search" placeholder="Filter cards" aria-label="Filter cards">',
        '<span id="fg-count" class="fg-count"></span>',
        '<button id="fg-night" type="button">Night mode</button>',
        "</header><main>",
    ]
    if note:
        out.append(f'<p class="fg-page-note">{escape_text(note)}</p>')
    if overview is not None:
        image = chart_image(
            Picture(overview, b""), "Stride chart: every leg muscle the article names"
        )
        out.append(f'<section class="fg-overview">{_inline_media(image, media)}</section>')
    for group, items in groups.items():
        marker = ' data-retired="true"' if group == RETIRED_HEADING else ""
        out.append(f'<section class="fg-group"{marker}><h2>{escape_text(group)}</h2>')
        for item in items:
            out.append(
                f'<article class="fg-note" id="{attribute(item.key)}" '
                f'data-note="{attribute(item.note.card.id)}" '
                f'data-search="{_search_text(item)}">'
            )
            key = attribute(item.key)
            old = before.get(item.key)
            pairs = (
                (("Before: front", old.question), ("Front", item.question),
                 ("Before: back", old.answer), ("Back", item.answer))
                if old is not None
                else (("Front", item.question), ("Back", item.answer))
            )  # fmt: skip
            for side, content in pairs:
                out.append(
                    f'<div class="fg-side{" fg-before" if side.startswith("Before") else ""}">'
                    f'<div class="fg-side-label">{side} \u00b7 {key}</div>'
                    f'<div class="card" data-side="{side.lower().replace(": ", "-")}" '
                    f'data-card="{key}">'
                    f"{_inline_media(content, media)}</div><!--/side--></div>"
                )
            out.append("</article>")
        out.append("</section>")
    out.append(f"</main><script>{_PAGE_JS}</script></body></html>")
    return "\n".join(out) + "\n"


@dataclass(frozen=True, slots=True)
class Preview:
    deck_name: str
    page: str

    @property
    def default_output(self) -> Path:
        return Path("build") / f"{slug(self.deck_name)}.html"


def preview(cards_dir: Path, *, shown_root: str | None = None, changed: bool = False) -> Preview:
    """The preview page for ``cards_dir``, which must have no errors. With ``changed``, only
    what the next build would release: new, changed (each beside its old version, from
    ``deck.release``) and retired cards."""
    deck = compile_deck(cards_dir, shown_root=shown_root).usable()
    notes = list(deck.notes())
    available = deck.available_media
    overview = deck.charts.overview
    if changed:
        return _changed_preview(deck, notes)
    media = deck.media(
        n for note in notes for n in packed_images(note.card, note.fields, available)
    )
    if overview is not None:
        media = {**media, overview.name: overview.data}
    page = render_page(
        deck.config.name, card_sides(notes), media, overview.name if overview else None
    )
    return Preview(deck.config.name, page)


CHANGED_HEADINGS = {
    "new": "New cards",
    "changed": "Changed cards, each beside its old version",
    "retired": RETIRED_HEADING,
}


def _changed_preview(deck: CompiledDeck, notes: list[NoteData]) -> Preview:
    """The release as learners will get it: its new, changed and retired cards."""
    shipped, why = shipped_notes(deck)
    available = deck.available_media
    groups: dict[str, list[CardSides]] = {heading: [] for heading in CHANGED_HEADINGS.values()}
    before: dict[str, CardSides] = {}
    shown: list[NoteData] = []
    for kind, note in classified(notes, deck.lock.cards):
        if kind == "unchanged":
            continue
        shown.append(note)
        groups[CHANGED_HEADINGS[kind]].extend(card_sides([note]))
        old = shipped.get(note.card.id) if shipped is not None and kind != "new" else None
        if old is not None:
            fields = tuple(field_read_back(field, available) for field in old.fields)
            ordinals = (
                tuple(sorted({c.number for c in clozes(fields[0])})) or (1,)
                if note.notetype == "cloze"
                else (1,)
            )
            was = replace(note, fields=fields, tags=old.tags, ordinals=ordinals, retired=False)
            before.update((sides.key, sides) for sides in card_sides([was]))
    media = deck.media(
        n for note in shown for n in packed_images(note.card, note.fields, available)
    )
    media.update(
        (name, available[name])
        for sides in before.values()
        for name in picture_names(sides.question + sides.answer)
        if name in available
    )
    title = f"{deck.config.name}: the next release"
    missing = f"Old versions not shown: {why}" if why else ""
    page = render_page(title, [], media, None, grouped=groups, before=before, note=missing)
    return Preview(deck.config.name, page)
