"""deck.lock: per-note modification times, and release errors that protect learners."""

from __future__ import annotations

import json
import time

import pytest
from anki_collection import import_apkg, notes_by_card_id, open_collection
from conftest import write_yaml

from flashgen.build import build
from flashgen.cli import cli

CARDS = [
    {"id": f"card-{n}", "front": f"Calf: question {n}?", "back": f"Answer {n}", "source": "S1"}
    for n in range(6)
]


def _write(root, cards):
    write_yaml(root / "calf.yaml", {"cards": cards})


def test_reimport_updates_exactly_the_changed_note_and_keeps_user_tags(make_cards, tmp_path):
    root = make_cards(calf={"cards": CARDS})
    build(root, output=tmp_path / "v1.apkg", environ={})
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, tmp_path / "v1.apkg")
        col.decks.select(col.decks.id_for_name("Test deck"))
        for _ in range(3):
            card = col.get_card(col.sched.get_queued_cards().cards[0].card.id)
            card.start_timer()
            col.sched.answerCard(card, 3)
        untouched = notes_by_card_id(col)["card-5"]
        untouched.add_tag("my::own-tag")
        col.update_note(untouched)
        reviews = col.db.scalar("select count() from revlog")

        edited = [dict(card) for card in CARDS]
        edited[2]["back"] = "A better answer"
        _write(root, edited)
        build(root, output=tmp_path / "v2.apkg", environ={})  # same second as v1 is fine
        log = import_apkg(col, tmp_path / "v2.apkg")

        assert [note.fields[-1] for note in log.updated] == ["card-2"]
        assert len(log.duplicate) == 5 and not log.new and not log.conflicting
        notes = notes_by_card_id(col)
        assert notes["card-2"]["Back"] == "A better answer"
        assert "my::own-tag" in notes["card-5"].tags
        assert col.db.scalar("select count() from revlog") == reviews
    finally:
        col.close()


def test_changed_note_mod_is_strictly_newer_even_with_an_older_clock(make_cards, tmp_path):
    root = make_cards(calf={"cards": CARDS})
    build(root, output=tmp_path / "a.apkg", environ={"SOURCE_DATE_EPOCH": "1750000000"})
    edited = [dict(card) for card in CARDS]
    edited[0]["back"] = "Changed"
    _write(root, edited)
    build(root, output=tmp_path / "b.apkg", environ={"SOURCE_DATE_EPOCH": "1700000000"})
    lock = json.loads((root / "deck.lock").read_text(encoding="utf-8"))
    assert lock["cards"]["card-0"]["mod"] == 1750000001
    assert {lock["cards"][f"card-{n}"]["mod"] for n in range(1, 6)} == {1750000000}


def test_builds_from_the_same_sources_and_lock_are_byte_identical_without_epoch(
    make_cards, tmp_path
):
    root = make_cards(calf={"cards": CARDS})
    outputs = []
    for name in ("one.apkg", "two.apkg"):
        build(root, output=tmp_path / name, environ={})
        outputs.append((tmp_path / name).read_bytes())
        time.sleep(1.1)  # the clock moves on between releases; the bytes must not
    assert outputs[0] == outputs[1]


def test_frozen_fails_when_the_lock_would_change(runner, make_cards, tmp_path):
    root = make_cards(calf={"cards": CARDS})
    output = tmp_path / "deck.apkg"
    assert runner.invoke(cli, ["build", str(root), "-o", str(output)]).exit_code == 0
    assert runner.invoke(cli, ["build", str(root), "--frozen", "-o", str(output)]).exit_code == 0
    _write(root, [*CARDS, {"id": "new", "front": "Calf: new?", "back": "New", "source": "S1"}])
    before = output.read_bytes()
    result = runner.invoke(cli, ["build", str(root), "--frozen", "-o", str(output)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {root}/deck.lock is out of date (1 new, 0 changed, 0 retired, 6 unchanged): "
        "run 'flashgen build' and commit the lock and deck.release\n"
    )
    assert output.read_bytes() == before


def _released(runner, make_cards, tmp_path, deck=None):
    root = make_cards(deck=deck, calf={"cards": CARDS})
    result = runner.invoke(cli, ["build", str(root), "-o", str(tmp_path / "v1.apkg")])
    assert result.exit_code == 0, result.output
    return root


def _check_errors(runner, root):
    result = runner.invoke(cli, ["check", str(root)])
    assert result.exit_code == 1
    return result.stderr.splitlines()[:-1]


def test_removed_card_is_an_error_naming_the_lock_line(runner, make_cards, tmp_path):
    root = _released(runner, make_cards, tmp_path)
    _write(root, CARDS[:5])
    lines = _check_errors(runner, root)
    lock_line = (root / "deck.lock").read_text(encoding="utf-8").splitlines().index(
        next(line for line in (root / "deck.lock").read_text().splitlines() if '"card-5"' in line)
    ) + 1
    assert lines == [
        f"{root}/deck.lock:{lock_line}:1: error: released card 'card-5' is gone from the sources: "
        "an .apkg cannot delete it, so learners keep it as it was. Keep it with "
        "'retired: <reason>', or run 'flashgen forget card-5 --reason ...' [card-removed]"
    ]


def test_a_lock_reformatted_by_hand_still_reads_and_names_lines(runner, make_cards, tmp_path):
    root = _released(runner, make_cards, tmp_path)
    lock_path = root / "deck.lock"
    data = json.loads(lock_path.read_text(encoding="utf-8"))
    lock_path.write_text(json.dumps(data, indent=4), encoding="utf-8")
    assert runner.invoke(cli, ["check", str(root)]).exit_code == 0
    _write(root, CARDS[:5])
    (line,) = _check_errors(runner, root)
    lock_line = lock_path.read_text(encoding="utf-8").splitlines().index('        "card-5": {') + 1
    assert line.startswith(f"{root}/deck.lock:{lock_line}:1: error: released card 'card-5'")


def test_a_lock_that_is_not_utf8_is_a_clear_error(runner, make_cards, tmp_path):
    root = _released(runner, make_cards, tmp_path)
    (root / "deck.lock").write_bytes(b'{\n  "version": 1,\n  \xff\n}\n')
    (line,) = _check_errors(runner, root)
    assert line == (
        f"{root}/deck.lock:3:3: error: lock is not valid UTF-8 (byte 0xff); restore it from "
        "version control [lock]"
    )
    result = runner.invoke(cli, ["build", str(root), "-o", str(tmp_path / "out.apkg")])
    assert result.exit_code == 1 and "lock is not valid UTF-8" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    ("old", "new"), [('"mod": ', '"mod": "soon", "x": '), ('"hash": ', '"hush": ')]
)
def test_a_lock_entry_of_the_wrong_shape_is_a_clear_error(runner, make_cards, tmp_path, old, new):
    root = _released(runner, make_cards, tmp_path)
    lock_path = root / "deck.lock"
    lock_path.write_text(lock_path.read_text(encoding="utf-8").replace(old, new, 1), "utf-8")
    (line,) = _check_errors(runner, root)
    assert line.startswith(f"{root}/deck.lock:1:1: error: lock is malformed (")
    assert line.endswith("restore it from version control [lock]")
    result = runner.invoke(cli, ["build", str(root), "-o", str(tmp_path / "out.apkg")])
    assert result.exit_code == 1 and "lock is malformed" in result.stderr
    assert not (tmp_path / "out.apkg").exists()


def test_retiring_a_card_builds_it_tagged_retired(runner, make_cards, tmp_path):
    root = _released(runner, make_cards, tmp_path)
    _write(root, [*CARDS[:5], {**CARDS[5], "retired": "merged into card-4"}])
    result = runner.invoke(cli, ["build", str(root), "-o", str(tmp_path / "v2.apkg")])
    assert result.exit_code == 0, result.output
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, tmp_path / "v2.apkg")
        note = notes_by_card_id(col)["card-5"]
        assert "retired" in note.tags
        assert "Retired: merged into card-4" in note["Extra"]
    finally:
        col.close()


def test_forgetting_a_card_records_why_and_forbids_reusing_its_id(runner, make_cards, tmp_path):
    root = _released(runner, make_cards, tmp_path)
    _write(root, CARDS[:5])
    result = runner.invoke(cli, ["forget", "card-5", "--reason", "duplicate", "-C", str(root)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Forgot 1 card in {root}/deck.lock\n"
    assert runner.invoke(cli, ["check", str(root)]).exit_code == 0
    _write(root, [*CARDS[:5], {**CARDS[5], "back": "Reused"}])
    (line,) = _check_errors(runner, root)
    assert line.endswith(
        "error: card id 'card-5' was released and forgotten (duplicate); ids are never reused, "
        "choose a new one [id-reused]"
    )


def test_forgetting_an_unknown_card_is_a_clear_error(runner, make_cards, tmp_path):
    root = _released(runner, make_cards, tmp_path)
    result = runner.invoke(cli, ["forget", "nope", "--reason", "x", "-C", str(root)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{root}/deck.lock:1:1: error: card 'nope' is not in the lock [lock]"
    )


def test_moving_a_released_card_to_another_deck_is_an_error(runner, make_cards, tmp_path):
    root = _released(runner, make_cards, tmp_path)
    _write(root, [*CARDS[:5], {**CARDS[5], "subdeck": "Thigh"}])
    (line,) = _check_errors(runner, root)
    assert "error: card 'card-5' moved from deck 'Test deck' to 'Test deck::Thigh'" in line
    assert line.endswith("[deck-changed]") and line.startswith(f"{root}/calf.yaml:")


def test_changing_the_deck_key_changes_guids_and_is_an_error(runner, make_cards, tmp_path):
    root = _released(runner, make_cards, tmp_path)
    write_yaml(root / "deck.yaml", {**yaml_deck(root), "key": "another-key"})
    lines = _check_errors(runner, root)
    assert len(lines) == 6
    assert all(line.endswith("[guid-changed]") for line in lines)
    assert "card 'card-0' would get a new note guid" in lines[0]


def yaml_deck(root):
    import yaml

    return yaml.safe_load((root / "deck.yaml").read_text(encoding="utf-8"))


def test_notetype_fields_changed_under_the_same_id_is_an_error(runner, make_cards, tmp_path):
    root = _released(runner, make_cards, tmp_path)
    lock_path = root / "deck.lock"
    # The lock records the notetype as released; a flashgen whose notetype differs must refuse.
    text = lock_path.read_text(encoding="utf-8").replace('"Card ID"]', '"Card ID", "Hint"]', 1)
    lock_path.write_text(text, encoding="utf-8")
    (line,) = _check_errors(runner, root)
    assert line.startswith(f"{root}/deck.lock:1:1: error: notetype 'flashgen Basic' (1251877058)")
    assert line.endswith("[notetype-changed]")


@pytest.mark.parametrize("text", ["{not json", '{"version": 9}'])
def test_a_broken_lock_is_a_clear_error(runner, make_cards, tmp_path, text):
    root = _released(runner, make_cards, tmp_path)
    (root / "deck.lock").write_text(text, encoding="utf-8")
    (line,) = _check_errors(runner, root)
    assert line.startswith(f"{root}/deck.lock:1:")
    assert line.endswith("[lock]")


@pytest.mark.parametrize(
    ("section", "card_id", "reason"),
    [
        ("cards", "picture-which-calf\u001f", "holds control character U+001F"),
        ("cards", "card-0\nx", "holds control character U+000A"),
        ("forgotten", "old\u0085card", "holds control character U+0085"),
        ("cards", "Card 7", "is not a lowercase slug (a-z, 0-9, '-', '_', '.')"),
        ("forgotten", "<b>gone</b>", "is not a lowercase slug (a-z, 0-9, '-', '_', '.')"),
    ],
)
def test_a_lock_card_id_that_is_no_card_id_is_a_located_error(
    runner, make_cards, tmp_path, section, card_id, reason
):
    """Ids in the lock become cards (a retired picture card) and fields: they obey the id rule
    and hold no control character, or check and build stop at the lock's line."""
    root = _released(runner, make_cards, tmp_path)
    lock_path = root / "deck.lock"
    data = json.loads(lock_path.read_text(encoding="utf-8"))
    data[section][card_id] = data["cards"]["card-0"] if section == "cards" else "a reason"
    text = json.dumps(data, indent=2, ensure_ascii=False)
    lock_path.write_text(text, encoding="utf-8")
    key = json.dumps(card_id, ensure_ascii=False)
    line = next(n for n, row in enumerate(text.split("\n"), 1) if row.strip().startswith(key))
    (error,) = _check_errors(runner, root)
    shown = repr(card_id)[1:-1]
    assert error == (
        f"{root}/deck.lock:{line}:1: error: card id '{shown}' in the lock {reason}; restore the "
        "lock from version control [lock]"
    ), error
    output = tmp_path / "out.apkg"
    result = runner.invoke(cli, ["build", str(root), "-o", str(output)])
    assert result.exit_code == 1 and not output.exists()
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{root}/deck.lock:{line}:1: error: card id " in result.stderr


def test_a_lock_written_before_releases_were_counted_was_release_1(make_cards, tmp_path):
    """A version 1 lock (as flashgen wrote it before releases were counted) came from a build
    that released its notes: read, it is release 1, its oldest note the first; a rebuild that
    changes nothing tells learners nothing new, and the next one that does is release 2."""
    root = make_cards(calf={"cards": CARDS})
    build(root, output=tmp_path / "a.apkg", environ={"SOURCE_DATE_EPOCH": "1750000000"})
    lock = json.loads((root / "deck.lock").read_text(encoding="utf-8"))
    lines = (root / "deck.lock").read_text(encoding="utf-8").splitlines(keepends=True)
    old = [line for line in lines if not line.startswith('  "release": ')]
    (root / "deck.lock").write_text("".join(old).replace('"version": 2', '"version": 1'))
    (root / "deck.release").unlink()

    build(root, output=tmp_path / "b.apkg", environ={"SOURCE_DATE_EPOCH": "1760000000"})
    unchanged = json.loads((root / "deck.lock").read_text(encoding="utf-8"))
    assert unchanged["version"] == 2
    assert unchanged["release"]["number"] == 1
    assert unchanged["release"]["first"] == min(c["mod"] for c in lock["cards"].values())
    assert unchanged["cards"] == lock["cards"]

    edited = [dict(card) for card in CARDS]
    edited[0]["back"] = "Changed"
    _write(root, edited)
    build(root, output=tmp_path / "c.apkg", environ={"SOURCE_DATE_EPOCH": "1770000000"})
    released = json.loads((root / "deck.lock").read_text(encoding="utf-8"))["release"]
    assert (released["number"], released["changed"]) == (2, 1)
