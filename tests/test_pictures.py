"""Pictures: each subject's region highlighted on its cards, picture cards, media Anki accepts."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from anki_collection import import_apkg, notes_by_card_id, open_collection
from conftest import SHIPPED_CARDS
from test_browser import browser  # noqa: F401  (the shared Chromium fixture)

from flashgen.build import build
from flashgen.cli import cli
from flashgen.pictures import deck_pictures
from flashgen.sources import load_sources

DRAWABLE_KINDS = {"muscle", "group", "structure"}


@pytest.fixture(scope="module")
def shipped():
    sources, _ = load_sources(SHIPPED_CARDS, shown_root="cards")
    return sources, deck_pictures(sources)


def test_every_muscle_group_and_structure_has_a_picture(shipped):
    sources, pictures = shipped
    drawable = {k for k, s in sources.subjects.items() if s.kind in DRAWABLE_KINDS and k != "gait"}
    assert drawable - set(pictures) == set()
    for key, item in pictures.items():
        assert re.fullmatch(r"legs-(front|back)-[a-z-]+-[0-9a-f]{12}\.svg", item.highlighted.name)
        assert item.highlighted.data != item.blank.data, key


def test_imported_deck_shows_pictures_and_anki_finds_every_file(tmp_path, shipped):
    sources, pictures = shipped
    apkg = tmp_path / "deck.apkg"
    result = build(SHIPPED_CARDS, output=apkg, environ={}, frozen=True)
    assert result.media == len({p.name for item in pictures.values() for p in
                                (item.highlighted, item.blank)})  # fmt: skip
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, apkg)
        report = col.media.check()
        assert not report.missing and not report.unused, report.report
        on_disk = {p.name for p in Path(col.media.dir()).iterdir()}
        notes = notes_by_card_id(col)
        for card in sources.cards:
            note = notes[card.id]
            if card.subject in pictures:
                expected = pictures[card.subject].highlighted.name
                assert f'src="{expected}"' in note["Picture"], card.id
                answer = note.cards()[0].answer()
                assert '<div class="fg-picture"><img src="' + expected in answer
                assert expected in on_disk
        for key in pictures:
            which = notes[f"picture-which-{key}"]
            point = notes[f"picture-point-{key}"]
            assert pictures[key].highlighted.name in which["Front"]
            assert which["Back"] == sources.subjects[key].name
            assert pictures[key].blank.name in point["Front"]
            assert pictures[key].highlighted.name in point["Back"]
    finally:
        col.close()


def test_a_changed_drawing_gets_new_picture_names(shipped_cards):
    sources, _ = load_sources(shipped_cards)
    before = deck_pictures(sources)
    path = shipped_cards / "diagrams" / "legs-back.svg"
    path.write_text(path.read_text(encoding="utf-8").replace('rx="16"', 'rx="12"'), "utf-8")
    after = deck_pictures(sources)
    assert before["soleus"].highlighted.name != after["soleus"].highlighted.name
    assert before["knee"].highlighted.name == after["knee"].highlighted.name  # front view


def test_diagram_problems_name_file_and_line(runner, shipped_cards):
    path = shipped_cards / "diagrams" / "legs-front.svg"
    text = path.read_text(encoding="utf-8").replace('data-subjects="knee"', 'data-subjects="kneee"')
    path.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if '"kneee"' in row)
    (shipped_cards / "diagrams" / "broken.svg").write_text("<svg><path></svg>", "utf-8")
    result = runner.invoke(cli, ["check", str(shipped_cards)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    broken = [row for row in lines if row.startswith(f"{shipped_cards}/diagrams/broken.svg:1:")]
    assert len(broken) == 1 and broken[0].endswith("[diagram]")
    assert "error: diagram cannot be read: mismatched tag" in broken[0]
    assert (
        f"{shipped_cards}/diagrams/legs-front.svg:{line}:1: error: diagram region names "
        "unknown subject 'kneee' [unknown-subject]"
    ) in lines
    # The knee lost its picture, so its released picture cards would vanish: also reported.
    assert any("released card 'picture-which-knee' is gone" in row for row in lines)


RASTERISE = """
async ([highlighted, blank, width, height]) => {
  async function pixels(source) {
    const img = new Image();
    img.src = source;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = width; canvas.height = height;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0, width, height);
    return context.getImageData(0, 0, width, height).data;
  }
  const a = await pixels(highlighted), b = await pixels(blank);
  let changed = 0, minX = width, minY = height, maxX = -1, maxY = -1;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const i = (y * width + x) * 4;
    const d = Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]);
    if (d > 60) { changed++; minX = Math.min(minX, x); maxX = Math.max(maxX, x);
                  minY = Math.min(minY, y); maxY = Math.max(maxY, y); }
  }
  return {changed, box: [minX, minY, maxX, maxY]};
}
"""

REGION_BOX = """
([svg, key]) => {
  const holder = document.createElement('div');
  holder.innerHTML = svg;
  document.body.appendChild(holder);
  let box = null;
  for (const el of holder.querySelectorAll('.hl')) {
    const b = el.getBBox();
    box = box ? [Math.min(box[0], b.x), Math.min(box[1], b.y), Math.max(box[2], b.x + b.width),
                 Math.max(box[3], b.y + b.height)] : [b.x, b.y, b.x + b.width, b.y + b.height];
  }
  holder.remove();
  return box;
}
"""


def test_each_highlight_is_visible_where_the_region_is(browser, shipped):  # noqa: F811
    _, pictures = shipped
    page = browser.new_page(viewport={"width": 400, "height": 700})
    try:
        page.set_content("<html><body></body></html>")
        for key, item in pictures.items():

            def uri(data: bytes) -> str:
                return "data:image/svg+xml;base64," + base64.b64encode(data).decode()

            seen = page.evaluate(
                RASTERISE, [uri(item.highlighted.data), uri(item.blank.data), 320, 640]
            )
            expected = page.evaluate(REGION_BOX, [item.highlighted.data.decode(), key])
            assert expected is not None, key
            assert seen["changed"] > 300, f"{key}: only {seen['changed']} pixels differ"
            x0, y0, x1, y1 = seen["box"]
            margin = 6  # the heavy outline is drawn half outside the region
            assert x0 >= expected[0] - margin and y0 >= expected[1] - margin, key
            assert x1 <= expected[2] + margin and y1 <= expected[3] + margin, key
    finally:
        page.close()


def test_a_card_tagged_picture_by_its_author_still_shows_its_subjects_picture(shipped_cards):
    from conftest import write_yaml

    from flashgen.build import compile_deck

    card = {
        "id": "soleus-extra", "subject": "soleus", "aspect": "location", "tags": ["picture"],
        "front": "Calf: which muscle lies under the gastrocnemius?", "back": "Soleus",
        "source": "S23c",
    }  # fmt: skip
    write_yaml(shipped_cards / "mine.yaml", {"cards": [card]})
    deck = compile_deck(shipped_cards)
    notes = {note.card.id: note for note in deck.notes()}
    picture = notes["soleus-extra"].fields[3]
    assert f'src="{deck.pictures["soleus"].highlighted.name}"' in picture
    assert notes["picture-which-soleus"].fields[3] == ""  # its picture is the question itself
