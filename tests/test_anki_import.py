"""What the official Anki package does with our file: import, render, and update in place."""

from __future__ import annotations

import re
from pathlib import Path

from anki_collection import import_apkg, notes_by_card_id, open_collection
from conftest import SHIPPED_CARDS, write_yaml

from flashgen.build import build
from flashgen.lock import forget

CARDS = [
    {"id": "soleus-depth", "front": "Calf: which muscle lies **deep** to the gastrocnemius?",
     "back": "Soleus", "extra": "Flat and broad.", "source": "S23c", "tags": ["gait::stance"]},
    {"id": "gastroc-knee", "front": "Calf: which calf muscle also flexes the knee?",
     "back": "Gastrocnemius", "source": "S23b"},
    {"id": "calf-cloze", "cloze": "Calf: the {{c1::soleus}} lies under the {{c2::gastrocnemius}}.",
     "source": "S23c"},
    {"id": "hamstring-swing", "front": "Hamstrings: in which phase do they brake the swinging leg?",
     "back": "Terminal swing", "source": "S7", "subdeck": "Thigh"},
]  # fmt: skip


def _build(
    make_cards, tmp_path: Path, cards: list[dict[str, object]], epoch: int, name: str
) -> Path:
    root = make_cards(calf={"tags": ["group::calf"], "cards": cards})
    output = tmp_path / name
    build(root, output=output, environ={"SOURCE_DATE_EPOCH": str(epoch)})
    return output


def test_import_creates_notes_decks_tags_and_renders(make_cards, tmp_path):
    apkg = _build(make_cards, tmp_path, CARDS, 1_700_000_000, "v1.apkg")
    col = open_collection(tmp_path / "anki")
    try:
        log = import_apkg(col, apkg)
        assert len(log.new) == 4 and not log.conflicting and not log.duplicate
        notes = notes_by_card_id(col)
        assert set(notes) == {"soleus-depth", "gastroc-knee", "calf-cloze", "hamstring-swing"}
        soleus = notes["soleus-depth"]
        assert sorted(soleus.tags) == ["gait::stance", "group::calf"]
        assert soleus.note_type()["name"] == "flashgen Basic"
        (card,) = soleus.cards()
        assert col.decks.name(card.did) == "Test deck"
        question = card.question()
        assert "Calf: which muscle lies <strong>deep</strong> to the gastrocnemius?" in question
        assert "Soleus" not in question.split("</style>", 1)[1]
        answer = card.answer()
        assert '<div class="fg-answer">Soleus</div>' in answer
        assert '<div class="fg-extra">Flat and broad.</div>' in answer
        cloze_cards = notes["calf-cloze"].cards()
        assert len(cloze_cards) == 2
        first = cloze_cards[0].question()
        visible = re.sub(r"<[^>]+>", "", first.split("</style>", 1)[1])
        assert "Calf: the [...] lies under the gastrocnemius." in visible
        assert "gastrocnemius" in first
        (swing,) = notes["hamstring-swing"].cards()
        assert col.decks.name(swing.did) == "Test deck::Thigh"
        assert col.card_count() == 5
        # Anki dates a note by its id: the build's date, in the order the sources give.
        assert {note.id // 1000 for note in notes.values()} == {1_700_000_000}
        assert sorted(notes, key=lambda card_id: notes[card_id].id) == [c["id"] for c in CARDS]
    finally:
        col.close()


def _study(col, reviews: int) -> dict[str, tuple[int, int, int]]:
    """Answer ``reviews`` cards 'Good' with Anki's own scheduler; return each card's state."""
    col.decks.select(col.decks.id_for_name("Test deck"))
    for _ in range(reviews):
        queued = col.sched.get_queued_cards()
        assert queued.cards, "nothing left to study"
        card = col.get_card(queued.cards[0].card.id)
        card.start_timer()
        col.sched.answerCard(card, 3)
    state = {}
    for note_id in col.find_notes(""):
        note = col.get_note(note_id)
        for card in note.cards():
            revlog = col.db.scalar("select count() from revlog where cid = ?", card.id)
            state[f"{note['Card ID']}/{card.ord}"] = (card.ivl, card.type, revlog)
    return state


def test_second_build_updates_in_place_and_keeps_every_review(make_cards, tmp_path):
    v1 = _build(make_cards, tmp_path, CARDS, 1_700_000_000, "v1.apkg")
    edited = [dict(card) for card in CARDS if card["id"] != "gastroc-knee"]
    edited[0]["back"] = "The soleus"
    edited.append(
        {
            "id": "achilles",
            "front": "Calf: which tendon joins both calf muscles to the heel?",
            "back": "Achilles tendon",
            "source": "S23a",
        }
    )
    # A released card cannot vanish silently (an .apkg cannot delete it): say so in the lock.
    lock = tmp_path / "cards" / "deck.lock"
    text = forget(lock, "deck.lock", ["gastroc-knee"], "merged into calf-cloze").render()
    lock.write_text(text, encoding="utf-8")
    v2 = _build(make_cards, tmp_path, edited, 1_700_086_400, "v2.apkg")

    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, v1)
        before = _study(col, 4)
        studied = {key for key, (_, _, revlog) in before.items() if revlog}
        assert len(studied) == 4

        log = import_apkg(col, v2)
        assert [n.fields[-1] for n in log.updated] == ["soleus-depth"]
        assert [n.fields[-1] for n in log.new] == ["achilles"]
        assert not log.conflicting and not log.missing_notetype

        notes = notes_by_card_id(col)
        assert sorted(notes) == sorted(
            ["soleus-depth", "gastroc-knee", "calf-cloze", "hamstring-swing", "achilles"]
        ), "the removed card stays (an .apkg cannot delete) and nothing is duplicated"
        assert notes["soleus-depth"]["Back"] == "The soleus"
        after = _study(col, 0)
        for key in before:
            assert after[key] == before[key], f"{key}: scheduling changed on re-import"
    finally:
        col.close()


def test_media_check_is_clean(make_cards, tmp_path):
    root = make_cards()
    (root / "media").mkdir()
    (root / "media" / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>', encoding="utf-8"
    )
    write_yaml(root / "calf.yaml", {"cards": [{**CARDS[0], "picture": "dot.svg"}]})
    output = tmp_path / "m.apkg"
    result = build(root, output=output, environ={"SOURCE_DATE_EPOCH": "1700000000"})
    assert result.media == 1
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, output)
        (note,) = notes_by_card_id(col).values()
        assert note["Picture"].startswith('<img src="dot-') and note["Picture"].endswith(
            '.svg" alt="dot.svg">'
        )
        report = col.media.check()
        assert not report.missing and not report.unused
        assert len(list(Path(col.media.dir()).iterdir())) == 1
    finally:
        col.close()


def test_topic_header_shows_on_the_answer_side_only(make_cards, tmp_path):
    """The front names its context once, through the question's cue; Anki shows the group
    header only after the answer, so a header such as "Calf muscles" cannot answer the card."""
    subjects = {
        "subjects": [
            {"key": "calf", "name": "Calf muscles", "kind": "group"},
            {"key": "soleus", "name": "Soleus", "kind": "muscle", "group": "calf"},
        ]
    }
    cards = [
        {**CARDS[0], "subject": "soleus"},
        {**CARDS[2], "subject": "soleus"},
        {"id": "calf-group", "front": "Running gait: which group leads propulsion late in stance?",
         "back": "Calf muscles", "subject": "calf", "source": "S1"},
    ]  # fmt: skip
    root = make_cards(subjects=subjects, calf={"cards": cards})
    output = tmp_path / "topic.apkg"
    build(root, output=output, environ={"SOURCE_DATE_EPOCH": "1700000000"})
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, output)
        notes = notes_by_card_id(col)
        header = '<div class="fg-topic">Calf muscles</div>'
        for card_id in ("soleus-depth", "calf-cloze", "calf-group"):
            assert notes[card_id]["Topic"] == "Calf muscles"
            for card in notes[card_id].cards():
                front = card.question().split("</style>", 1)[1]
                assert "fg-topic" not in front and "Calf muscles" not in front, card_id
                assert header in card.answer(), card_id
        (group_card,) = notes["calf-group"].cards()
        assert "Running gait: which group" in group_card.question()
    finally:
        col.close()


def test_a_retired_card_reaches_no_new_learner_and_keeps_every_review(make_cards, tmp_path):
    """Release 2 retires two cards (a basic and a cloze). A learner who studied them keeps
    their cards, reviews and review log, and sees the notes tagged and explained; a learner
    who starts with release 2 gets the notes and nothing of them to study."""
    v1 = _build(make_cards, tmp_path, CARDS, 1_700_000_000, "v1.apkg")
    retiring = {"gastroc-knee": "merged into calf-cloze", "calf-cloze": "split into two cards"}
    v2_cards = [
        {**card, "retired": retiring[card["id"]]} if card["id"] in retiring else card
        for card in CARDS
    ]
    v2 = _build(make_cards, tmp_path, v2_cards, 1_700_086_400, "v2.apkg")

    col = open_collection(tmp_path / "studied")
    try:
        import_apkg(col, v1)
        before = _study(col, 5)
        assert all(revlog for _, _, revlog in before.values())
        log = import_apkg(col, v2)
        assert sorted(n.fields[-1] for n in log.updated) == sorted(retiring)
        assert not log.new and not log.conflicting
        after = _study(col, 0)
        assert after == before, "every card, interval and review log entry is kept"
        notes = notes_by_card_id(col)
        for card_id, reason in retiring.items():
            assert "retired" in notes[card_id].tags
            assert f"Retired: {reason}" in notes[card_id]["Extra"]
            for card in notes[card_id].cards():
                assert f"Retired: {reason}" in card.answer()
    finally:
        col.close()

    fresh = open_collection(tmp_path / "new")
    try:
        log = import_apkg(fresh, v2)
        assert len(log.new) == 4
        notes = notes_by_card_id(fresh)
        assert sorted(notes) == sorted(card["id"] for card in CARDS)
        for card_id in retiring:
            assert notes[card_id].cards() == [], card_id
        assert fresh.card_count() == 2  # soleus-depth and hamstring-swing
        assert not fresh.find_cards("tag:retired")
    finally:
        fresh.close()


def test_a_fresh_import_of_the_shipped_deck_has_no_retired_card(tmp_path):
    apkg = tmp_path / "deck.apkg"
    result = build(SHIPPED_CARDS, output=apkg, environ={}, frozen=True)
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, apkg)
        retired_notes = col.find_notes("tag:retired")
        assert len(retired_notes) == result.retired > 0
        assert col.find_cards("tag:retired") == []
        assert col.card_count() == result.cards
    finally:
        col.close()
