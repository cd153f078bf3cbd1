"""The preview shows each card side exactly as the official anki package renders it."""

from __future__ import annotations

import base64
import re

from anki_collection import import_apkg, notes_by_card_id, open_collection

from flashgen.build import build
from flashgen.cli import cli
from flashgen.notes import deck_media
from flashgen.pictures import deck_pictures
from flashgen.preview import preview
from flashgen.sources import load_sources
from flashgen.stride import stride_charts

_SIDE = re.compile(
    r'<div class="card" data-side="(front|back)" data-card="([^"]+)">(.*?)</div><!--/side-->',
    re.DOTALL,
)


def _without_wrapper(rendered: str) -> str:
    """Anki prefixes the notetype CSS as a <style> element; the preview has it once per page."""
    return re.sub(r"\A<style>.*?</style>", "", rendered, count=1, flags=re.DOTALL)


def _preview_sides(page: str, media: dict[str, bytes]) -> dict[tuple[str, str], str]:
    """Each side's HTML, with inlined pictures named again as the .apkg names them."""
    names = {base64.b64encode(data).decode(): name for name, data in media.items()}

    def rename(match: re.Match[str]) -> str:
        return f'src="{names[match.group(1)]}"'

    return {
        (card, side): re.sub(r'src="data:[^;"]+;base64,([^"]+)"', rename, html)
        for side, card, html in _SIDE.findall(page)
    }


def _media(cards_dir) -> dict[str, bytes]:
    sources, _ = load_sources(cards_dir)
    return deck_media(sources, deck_pictures(sources), stride_charts(sources)[0])[1]


def _anki_sides(cards_dir, tmp_path) -> dict[tuple[str, str], str]:
    """Every card side as Anki renders it; a retired note, which the package ships without
    cards, rendered as Anki renders a note's card it does not store."""
    apkg = tmp_path / "deck.apkg"
    build(cards_dir, output=apkg, environ={"SOURCE_DATE_EPOCH": "1700000000"})
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, apkg)
        sides = {}
        for card_id, note in notes_by_card_id(col).items():
            cards = note.cards()
            if "retired" in note.tags:
                assert not cards, card_id
                text = note.fields[0]
                ordinals = sorted({int(n) for n in re.findall(r"\{\{c(\d+)::", text)}) or [1]
                cards = [note.ephemeral_card(ordinal - 1) for ordinal in ordinals]
            for card in cards:
                key = f"{card_id}/{card.ord + 1}"
                sides[(key, "front")] = _without_wrapper(card.question())
                sides[(key, "back")] = _without_wrapper(card.answer())
        return sides
    finally:
        col.close()


def test_every_side_of_the_shipped_deck_matches_anki(shipped_cards, tmp_path):
    page = preview(shipped_cards).page
    ours = _preview_sides(page, _media(shipped_cards))
    theirs = _anki_sides(shipped_cards, tmp_path)
    assert len(theirs) > 300
    assert set(ours) == set(theirs)
    for key, html in theirs.items():
        assert ours[key] == html, key


def test_cloze_hints_markup_and_empty_fields_match_anki(make_cards, tmp_path):
    cards = make_cards(
        calf={
            "cards": [
                {"id": "hint", "cloze": 'Calf: {{c1::**soleus**::muscle}} & {{c2::"tendon" é–€_x}}',
                 "extra": "Line one\nline two", "source": "S1"},
                {"id": "plain", "front": "Calf: what?", "back": "- a\n- b"},
                {"id": "same-twice", "cloze": "Calf: {{c1::a}} then {{c1::b}}, {{c2::c}}"},
            ]
        }
    )  # fmt: skip
    ours = _preview_sides(preview(cards).page, _media(cards))
    theirs = _anki_sides(cards, tmp_path)
    assert set(ours) == set(theirs)
    for key, html in theirs.items():
        assert ours[key] == html, key


def test_preview_command_writes_one_self_contained_page(runner, shipped_cards, tmp_path):
    output = tmp_path / "page.html"
    result = runner.invoke(cli, ["preview", str(shipped_cards), "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {output}\n"
    page = output.read_text(encoding="utf-8")
    assert "<link" not in page and 'src="http' not in page and "@import" not in page
    assert page.count('data-side="front"') == page.count('data-side="back"') > 150
    headings = re.findall(r"<h2>([^<]*)</h2>", page)
    assert "Leg muscles in running › pictures" in headings
    assert not any(heading.endswith("subjects") for heading in headings)


def test_preview_refuses_sources_with_errors(runner, make_cards, tmp_path):
    cards = make_cards(calf="cards: [")
    result = runner.invoke(cli, ["preview", str(cards), "-o", str(tmp_path / "p.html")])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: 1 problem in the card sources; nothing was written"
    )
    assert not (tmp_path / "p.html").exists()
