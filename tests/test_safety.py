"""Issue #14: each class of hostile source ends in a located error (exit 1, no traceback,
nothing written) or a safe deck. Through the CLI and the real ``anki`` package."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from anki_collection import import_apkg, notes_by_card_id, open_collection
from cli_results import errors, fails_located, invoke
from click.testing import CliRunner
from conftest import write_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashgen import build as build_module
from flashgen import pipeline as pipeline_module
from flashgen.build import write_atomically
from flashgen.cli import install_signal_handlers
from flashgen.problems import Where
from flashgen.sources import Card

CARD = {"id": "soleus-depth", "front": "Calf: which muscle lies deep?", "back": "Soleus",
        "source": "S1"}  # fmt: skip
SUBJECTS = {"subjects": [{"key": "soleus", "name": "Soleus", "kind": "muscle"}]}
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# Identity ---------------------------------------------------------------------------------


@pytest.mark.parametrize("card_id", ["picture-which-soleus", "picture-point-x", "chart-stride-1"])
def test_written_ids_may_not_take_a_generated_prefix(runner, make_cards, tmp_path, card_id):
    cards = make_cards(calf={"cards": [{**CARD, "id": card_id, "subject": "soleus"}]})
    write_yaml(cards / "subjects.yaml", SUBJECTS)
    (located,) = fails_located(runner, cards, "reserved-id", tmp_path)
    assert located.startswith(f"{cards}/calf.yaml:2:7:")


def test_the_guid_separator_is_refused_in_key_and_ids(runner, make_cards, tmp_path):
    cards = make_cards(deck={"key": "a__b"}, calf={"cards": [{**CARD, "id": "b__c"}]})
    located = fails_located(runner, cards, "guid-separator", tmp_path)
    assert {line.split(":")[0].rsplit("/", 1)[1] for line in located} == {"deck.yaml", "calf.yaml"}


def test_the_guid_separator_is_refused_in_subject_keys(runner, make_cards, tmp_path):
    """A subject's picture cards are ids ``picture-which-<key>``: '__' may not reach them."""
    cards = make_cards(calf={"cards": [CARD]})
    write_yaml(cards / "subjects.yaml", {"subjects": [{"key": "calf__soleus", "name": "Soleus"}]})
    (located,) = fails_located(runner, cards, "guid-separator", tmp_path)
    assert located.startswith(f"{cards}/subjects.yaml:2:")
    assert "subject key 'calf__soleus' holds '__'" in located


def test_a_generated_card_is_checked_by_the_rules_written_cards_pass(
    runner, make_cards, tmp_path, monkeypatch
):
    """Should a generated card ever share a written card's id, the duplicate-id rule that
    checks written cards reports it, at the source the generated card comes from."""
    cards = make_cards(calf={"cards": [CARD]})
    write_yaml(cards / "subjects.yaml", {"subjects": [{"key": "soleus", "name": "Soleus"}]})
    subject_at = Where(f"{cards}/subjects.yaml", 2, 5)

    def clashing(sources, pictures, released=()):
        return [Card(id="soleus-depth", where=subject_at, front="Calf: x?", back="y", source="s")]

    monkeypatch.setattr(pipeline_module, "picture_cards", clashing)
    out = tmp_path / "out.apkg"
    built = invoke(runner, "build", cards, "-o", out)
    assert built.exit_code == 1 and not out.exists()
    (error,) = errors(built)
    assert error.startswith(f"{subject_at}: error: duplicate card id 'soleus-depth'")
    assert error.endswith("[duplicate-id]")


def test_every_build_has_one_note_per_guid(runner, make_cards, tmp_path, monkeypatch):
    """Distinct ids hash to distinct guids unless a 64-bit hash collides: a crafted pair of ids
    could, so every guid is compared, and a clash stops the build, located."""
    second = {**CARD, "id": "soleus-other", "front": "Calf: which muscle lies under it?"}
    cards = make_cards(calf={"cards": [CARD, second]})
    monkeypatch.setattr(pipeline_module, "note_guid", lambda config, card_id: "same")
    out = tmp_path / "out.apkg"
    built = invoke(runner, "build", cards, "-o", out)
    assert built.exit_code == 1 and not out.exists()
    (error,) = errors(built)
    assert "would get the note guid of card 'soleus-depth'" in error
    assert error.endswith("[duplicate-guid]")


def test_duplicate_ids_are_told_apart_from_guid_clashes(runner, make_cards, tmp_path, monkeypatch):
    """One table finds both: with every guid the same, a card with the first card's id is a
    duplicate id; any other clashes with the first card, and a second card with its own id is
    a duplicate of that id's first card as well."""
    ids = ["soleus-depth", "soleus-other", "soleus-other", "soleus-depth"]
    written = [
        {**CARD, "id": card_id, "front": f"Calf: which muscle lies under it, {n}?"}
        for n, card_id in enumerate(ids)
    ]
    cards = make_cards(calf={"cards": written})
    monkeypatch.setattr(pipeline_module, "note_guid", lambda config, card_id: "same")
    checked = invoke(runner, "check", cards)
    assert checked.exit_code == 1
    # Each card is written on four lines; its id on the first.
    at = [f"{cards}/calf.yaml:{2 + 4 * n}:7" for n in range(len(ids))]
    clash = "would get the note guid of card 'soleus-depth' at"
    assert errors(checked) == [
        f"{at[1]}: error: card 'soleus-other' {clash} {at[0]}: one would overwrite the other "
        "in Anki [duplicate-guid]",
        f"{at[2]}: error: card 'soleus-other' {clash} {at[0]}: one would overwrite the other "
        "in Anki [duplicate-guid]",
        f"{at[2]}: error: duplicate card id 'soleus-other' (also at {at[1]}) [duplicate-id]",
        f"{at[3]}: error: duplicate card id 'soleus-depth' (also at {at[0]}) [duplicate-id]",
    ]


def test_the_shipped_deck_still_builds_frozen(runner, shipped_cards, tmp_path):
    built = invoke(runner, "build", shipped_cards, "--frozen", "-o", tmp_path / "d.apkg")
    assert built.exit_code == 0, built.output


# What Anki refuses or treats as syntax ----------------------------------------------------


@pytest.mark.parametrize("char", ["\x1f", "\x00", "\x08", "\x7f", "\x9b", "\r"])
def test_control_characters_are_located_errors(runner, make_cards, tmp_path, char):
    cards = make_cards(calf={"cards": [CARD, {**CARD, "id": "two", "back": f"So{char}leus"}]})
    (located,) = fails_located(runner, cards, "control-character", tmp_path)
    assert located.startswith(f"{cards}/calf.yaml:8:9:")


def test_control_characters_in_names_and_keys(runner, make_cards, tmp_path):
    cards = make_cards(deck={"name": "Deck\x1b[31m"}, calf={"cards": [CARD]})
    located = fails_located(runner, cards, "control-character", tmp_path)
    assert "\x1b" not in "".join(located) and "U+001B" in located[0]


@SETTINGS
@given(st.text(st.characters(max_codepoint=0x3000, blacklist_categories=("Cs",)), max_size=20))
def test_any_text_in_any_field_builds_or_is_a_located_error(tmp_path_factory, text):
    tmp = tmp_path_factory.mktemp("t")
    root = tmp / "cards"
    write_yaml(root / "deck.yaml", {"name": "Fuzz", "id": 1500000003, "key": "fuzz"})
    write_yaml(root / "subjects.yaml", {"subjects": [{"key": "s", "name": text or "x"}]})
    card = {"id": "c", "front": f"Q: {text}?", "back": "B", "extra": text, "source": text,
            "subject": "s"}  # fmt: skip
    write_yaml(root / "c.yaml", {"cards": [card]})
    write_yaml(root / "d.yaml", {"cards": [{"id": text, "front": "Q: id?", "back": "B"}]})
    built = invoke(CliRunner(), "build", root, "-o", tmp / "d.apkg")
    if built.exit_code:
        assert errors(built) and not (tmp / "d.apkg").exists()
        return
    col = open_collection(tmp / "anki")
    try:
        log = import_apkg(col, tmp / "d.apkg")
        assert len(log.new) == 2  # Anki accepted the notes
    finally:
        col.close()


def test_zero_width_characters_do_not_evade_duplicate_detection(runner, make_cards):
    twin = {**CARD, "id": "twin", "front": "Calf: which muscle lies\u200b deep?"}
    cards = make_cards(calf={"cards": [CARD, twin]})
    result = invoke(runner, "check", cards)
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    rules = [line.rsplit("[", 1)[1] for line in lines if ": warning: " in line]
    assert "duplicate-question]" in rules and "invisible-character]" in rules


def test_sound_and_tts_tags_are_text_in_anki_and_in_the_preview(runner, make_cards, tmp_path):
    card = {**CARD, "back": "[sound:boom.mp3]", "extra": "[anki:tts lang=en_US]hi[/anki:tts]"}
    cards = make_cards(calf={"cards": [card]})
    assert invoke(runner, "build", cards, "-o", tmp_path / "d.apkg").exit_code == 0
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, tmp_path / "d.apkg")
        (anki_card,) = notes_by_card_id(col)["soleus-depth"].cards()
        assert anki_card.question_av_tags() == [] and anki_card.answer_av_tags() == []
        answer = anki_card.answer()
        assert "&#91;sound:boom.mp3]" in answer and "&#91;anki:tts lang=en_US]hi" in answer
    finally:
        col.close()
    assert invoke(runner, "preview", cards, "-o", tmp_path / "p.html").exit_code == 0
    assert "&#91;sound:boom.mp3]" in (tmp_path / "p.html").read_text("utf-8")


# Media and files --------------------------------------------------------------------------


def test_a_symlink_in_media_is_refused(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [{**CARD, "picture": "secret.png"}]})
    (cards / "media").mkdir()
    (cards / "media" / "secret.png").symlink_to("/etc/passwd")
    (located,) = fails_located(runner, cards, "unsafe-file", tmp_path)
    assert located.startswith(f"{cards}/media/secret.png:1:1:")


def test_media_itself_a_symlink_is_refused(runner, make_cards, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.png").write_bytes(b"secret")
    cards = make_cards(calf={"cards": [{**CARD, "picture": "x.png"}]})
    (cards / "media").symlink_to(outside)
    fails_located(runner, cards, "unsafe-file", tmp_path)


def test_symlinked_card_files_and_diagrams_are_refused(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [CARD]})
    (tmp_path / "elsewhere.yaml").write_text("cards: []\n", "utf-8")
    (cards / "more.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    (located,) = fails_located(runner, cards, "unsafe-file", tmp_path)
    assert located.startswith(f"{cards}/more.yaml:1:1:")


def test_fifos_never_hang_check_or_build(make_cards, tmp_path):
    cards = make_cards(calf={"cards": [CARD]})
    (cards / "media").mkdir()
    os.mkfifo(cards / "media" / "pipe.png")
    os.mkfifo(cards / "pipe.yaml")
    (cards / "diagrams").mkdir()
    os.mkfifo(cards / "diagrams" / "pipe.svg")
    os.mkfifo(tmp_path / "lockpipe")
    for command in (["check", "--format", "json"], ["build", "-o", str(tmp_path / "d.apkg")]):
        done = subprocess.run(
            [sys.executable, "-m", "flashgen", command[0], str(cards), *command[1:]],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 1 and "Traceback" not in done.stderr
    problems = json.loads(
        subprocess.run(
            [sys.executable, "-m", "flashgen", "check", str(cards), "--format", "json"],
            capture_output=True, text=True, timeout=60,
        ).stdout
    )  # fmt: skip
    assert {(Path(p["file"]).name, p["rule"]) for p in problems} >= {
        ("pipe.png", "unsafe-file"), ("pipe.yaml", "unsafe-file"), ("pipe.svg", "unsafe-file")
    }  # fmt: skip


PICTURE_NAMES = ["my pic.png", "über.png", "50%.png", "a#b.png", "a:b.png", 'say "hi".png',
                 "a|b.png", "a<b.png", "\u212a.png"]  # fmt: skip


def _reference(name: str) -> str:
    """How a card writes a picture name in Markdown: angle brackets, '<' percent-encoded."""
    return "<" + name.replace("<", "%3C") + ">"


def test_any_picture_name_is_referenced_packed_and_shown(runner, make_cards, tmp_path):
    inline = "![pic {n}]({target})"
    by_reference = "![pic {n}][p]\n\n[p]: {target}"
    cards_list = [
        {**CARD, "id": f"card-{n}", "front": f"Q{n}: which?",
         "extra": (inline if n % 2 else by_reference).format(n=n, target=_reference(name))}
        for n, name in enumerate(PICTURE_NAMES)
    ]  # fmt: skip
    cards = make_cards(calf={"cards": cards_list})
    (cards / "media").mkdir()
    for name in PICTURE_NAMES:
        (cards / "media" / name).write_bytes(b"img " + name.encode())
    checked = invoke(runner, "check", cards)
    assert checked.exit_code == 0 and "media" not in checked.stderr, checked.stderr
    assert invoke(runner, "build", cards, "-o", tmp_path / "d.apkg").exit_code == 0
    with zipfile.ZipFile(tmp_path / "d.apkg") as archive:
        packed = json.loads(archive.read("media"))
    assert len(packed) == len(PICTURE_NAMES)
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, tmp_path / "d.apkg")
        check = col.media.check()
        assert check.missing == [] and check.unused == []
        for n, note in enumerate(
            notes_by_card_id(col)[f"card-{n}"] for n in range(len(cards_list))
        ):
            assert '<img src="' in note["Extra"] and f'alt="pic {n}"' in note["Extra"]
    finally:
        col.close()
    assert invoke(runner, "preview", cards, "-o", tmp_path / "p.html").exit_code == 0
    assert (tmp_path / "p.html").read_text("utf-8").count('src="data:image/png;base64,') == 9


def test_media_names_equal_once_normalised_are_refused(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [{**CARD, "picture": "K.png"}]})
    (cards / "media").mkdir()
    (cards / "media" / "K.png").write_bytes(b"1")
    (cards / "media" / "\u212a.png").write_bytes(b"2")
    fails_located(runner, cards, "file-name", tmp_path)


@pytest.mark.parametrize("where", ["description", "references"])
def test_pictures_outside_cards_are_refused(runner, make_cards, tmp_path, where):
    text = "See ![x](<x.png>)."
    deck = {"description": text} if where == "description" else {"references": {"S1": text}}
    cards = make_cards(deck=deck, calf={"cards": [CARD]})
    (cards / "media").mkdir()
    (cards / "media" / "x.png").write_bytes(b"x")
    fails_located(runner, cards, "picture-place", tmp_path)


def test_a_missing_reference_style_picture_is_found_by_check(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [{**CARD, "extra": "![x][p]\n\n[p]: <gone pic.png>"}]})
    (located,) = fails_located(runner, cards, "missing-media", tmp_path)
    assert "gone pic.png" in located


def test_deep_svg_diagram_is_a_located_error(runner, shipped_cards, tmp_path):
    deep = '<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * 5000 + "</g>" * 5000 + "</svg>"
    (shipped_cards / "diagrams" / "deep.svg").write_text(deep, "utf-8")
    (located,) = fails_located(runner, shipped_cards, "diagram", tmp_path)
    assert located.startswith(f"{shipped_cards}/diagrams/deep.svg:1:") and "deep" in located


HOSTILE_SVG = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
  viewBox="0 0 10 10" onload="alert(1)">
<script>alert(2)</script><style>@import url(http://x/)</style>
<foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(3)"/>
</body></foreignObject>
<a href="javascript:alert(4)"><rect width="1" height="1"/></a>
<use xlink:href="http://evil/x.svg#a"/><use href="#ok"/>
<rect id="ok" class="region" data-subjects="soleus" fill="url(http://evil/p)" onclick="alert(5)"/>
<circle r="1" fill="url(#ok)"/>
</svg>"""


def _assert_clean_svg(data: bytes) -> None:
    text = data.decode()
    for bad in ("script", "onload", "onclick", "onerror", "foreignObject", "javascript",
                "http://evil", "@import", "<style>"):  # fmt: skip
        assert bad not in text, (bad, text)
    assert "<use" not in text and "href" not in text  # nothing drawn again, nothing linked
    assert 'fill="url(#ok)"' in text


def test_svg_media_are_sanitised_before_packing(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [{**CARD, "picture": "x.svg"}]})
    (cards / "media").mkdir()
    (cards / "media" / "x.svg").write_text(HOSTILE_SVG, "utf-8")
    assert invoke(runner, "build", cards, "-o", tmp_path / "d.apkg").exit_code == 0
    with zipfile.ZipFile(tmp_path / "d.apkg") as archive:
        (svg,) = [
            archive.read(n) for n in archive.namelist() if n not in {"media", "collection.anki2"}
        ]
    _assert_clean_svg(svg)


def test_hostile_diagrams_are_refused_where_they_are_written(runner, shipped_cards, tmp_path):
    """A diagram is drawn with geometry and classes only: script, styles, links, foreign content
    and event handlers are each a located error, and no picture is derived from it."""
    (shipped_cards / "diagrams" / "right-back.svg").write_text(HOSTILE_SVG, "utf-8")
    out = tmp_path / "d.apkg"
    result = invoke(runner, "build", shipped_cards, "-o", out)
    assert result.exit_code == 1 and not out.exists()
    lines = HOSTILE_SVG.splitlines()
    for bad in ("<script", "<style", "<foreignObject", "<a ", "onclick"):
        line = next(n for n, row in enumerate(lines, 1) if bad in row)
        assert any(
            f"diagrams/right-back.svg:{line}:" in row and row.endswith("[diagram]")
            for row in errors(result)
        ), (bad, result.stderr)


@pytest.mark.parametrize("command", ["build", "preview"])
def test_output_inside_the_cards_directory_is_refused(runner, make_cards, command):
    cards = make_cards(calf={"cards": [CARD]})
    before = (cards / "calf.yaml").read_bytes()
    result = invoke(runner, command, cards, "-o", cards / "calf.yaml")
    assert result.exit_code == 1 and "inside the cards directory" in result.stderr
    assert (cards / "calf.yaml").read_bytes() == before
    assert not (cards / "deck.lock").exists()


# Releases are all-or-nothing --------------------------------------------------------------


def test_deck_and_lock_are_replaced_together(runner, make_cards, tmp_path, monkeypatch):
    cards = make_cards(calf={"cards": [CARD]})
    out = tmp_path / "d.apkg"
    assert invoke(runner, "build", cards, "-o", out).exit_code == 0
    deck_before, lock_before = out.read_bytes(), (cards / "deck.lock").read_bytes()
    write_yaml(cards / "calf.yaml", {"cards": [{**CARD, "back": "Soleus muscle"}]})
    real_replace = os.replace

    def full_disk(source, target):
        if Path(target).name == "deck.lock":
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(build_module.os, "replace", full_disk)
    result = invoke(runner, "build", cards, "-o", out)
    assert result.exit_code == 1 and "No space left" in result.stderr
    assert out.read_bytes() == deck_before
    assert (cards / "deck.lock").read_bytes() == lock_before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
    assert [p.name for p in cards.iterdir() if p.name.endswith(".tmp")] == []


def test_sigterm_removes_temporary_files_like_ctrl_c(tmp_path):
    previous = signal.getsignal(signal.SIGTERM)
    install_signal_handlers()
    try:
        with pytest.raises(SystemExit):
            write_atomically(tmp_path / "deck.apkg", lambda _: os.kill(os.getpid(), signal.SIGTERM))
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_fails_to_parse_does_not_report_its_cards_removed(runner, shipped_cards):
    (shipped_cards / "calf.yaml").write_text("cards: [\n", "utf-8")
    result = invoke(runner, "check", shipped_cards)
    assert result.exit_code == 1
    assert [line.rsplit("[", 1)[1] for line in errors(result)] == ["yaml-syntax]"]


def test_a_card_with_an_error_is_not_also_reported_removed(runner, shipped_cards):
    text = (shipped_cards / "calf.yaml").read_text("utf-8")
    first = yaml.safe_load(text)["cards"][0]
    key = "front" if "front" in first else "cloze"
    (shipped_cards / "calf.yaml").write_text(text.replace(f"{key}:", "frnt:", 1), "utf-8")
    result = invoke(runner, "check", shipped_cards)
    assert result.exit_code == 1
    assert not [line for line in errors(result) if line.endswith("[card-removed]")]


@pytest.mark.parametrize(
    "mod", ["1e999", "-1", "1" * 400, "99999999999999999999999999", '"soon"', "NaN", "Infinity"]
)
def test_a_bad_mod_in_the_lock_is_a_located_error(runner, shipped_cards, tmp_path, mod):
    lock = shipped_cards / "deck.lock"
    text = lock.read_text("utf-8")
    start = text.index('"mod": ') + len('"mod": ')
    lock.write_text(text[:start] + mod + text[text.index(",", start) :], "utf-8")
    (located,) = fails_located(runner, shipped_cards, "lock", tmp_path)
    assert located.startswith(f"{shipped_cards}/deck.lock:")


def test_a_deeply_nested_lock_is_a_located_error(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [CARD]})
    (cards / "deck.lock").write_text("[" * 100_000 + "]" * 100_000, "utf-8")
    fails_located(runner, cards, "lock", tmp_path)


# Every failure speaks the same language ---------------------------------------------------


def _json_check(runner, cards) -> list[dict[str, object]]:
    result = invoke(runner, "check", cards, "--format", "json")
    assert result.exit_code == 1, result.output
    problems = json.loads(result.stdout)
    assert problems and all(p["severity"] in {"error", "warning"} for p in problems)
    return problems


def test_check_json_for_a_cards_dir_that_is_a_file(runner, tmp_path):
    (tmp_path / "cards").write_text("not a directory", "utf-8")
    (problem,) = _json_check(runner, tmp_path / "cards")
    assert problem["rule"] == "unsafe-file" and problem["file"] == str(tmp_path / "cards")


@pytest.mark.parametrize(
    ("deck", "rule"),
    [({"id": 0}, "deck-id"), ({"id": 1 << 63}, "deck-id"), ({"id": 1 << 80}, "deck-id")],
)
def test_check_json_for_deck_ids_anki_cannot_store(runner, make_cards, deck, rule):
    cards = make_cards(deck=deck, calf={"cards": [CARD]})
    assert rule in {p["rule"] for p in _json_check(runner, cards)}


@pytest.mark.parametrize("subdeck", ["::", "a::", "::b", "a:: ::b", "a:::b"])
def test_check_json_for_malformed_subdecks(runner, make_cards, subdeck):
    cards = make_cards(calf={"cards": [{**CARD, "subdeck": subdeck}]})
    assert "deck-name" in {p["rule"] for p in _json_check(runner, cards)}


def test_check_json_for_a_deep_svg_and_a_deep_lock(runner, make_cards):
    cards = make_cards(calf={"cards": [CARD]})
    (cards / "diagrams").mkdir()
    deep = '<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * 5000 + "</g>" * 5000 + "</svg>"
    (cards / "diagrams" / "deep.svg").write_text(deep, "utf-8")
    (cards / "deck.lock").write_text("{" + '"a":{' * 50_000, "utf-8")
    assert {"diagram", "lock"} <= {p["rule"] for p in _json_check(runner, cards)}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_check_json_for_an_unreadable_file(runner, make_cards):
    cards = make_cards(calf={"cards": [CARD]})
    (cards / "calf.yaml").chmod(0)
    assert "unsafe-file" in {p["rule"] for p in _json_check(runner, cards)}


@pytest.mark.parametrize("epoch", ["\u00b2", "1" * 5000, "99999999999999"])
def test_a_bad_source_date_epoch_is_one_line(runner, make_cards, tmp_path, epoch):
    cards = make_cards(calf={"cards": [CARD]})
    result = invoke(runner, "build", cards, "-o", tmp_path / "d.apkg",
                     env={"SOURCE_DATE_EPOCH": epoch})  # fmt: skip
    assert result.exit_code == 1 and result.stderr.startswith("Error: SOURCE_DATE_EPOCH")
    assert len(result.stderr) < 200 and not (tmp_path / "d.apkg").exists()


def test_file_names_with_newlines_and_escape_codes_print_escaped(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [CARD]})
    (cards / "media").mkdir()
    (cards / "media" / "a\nb\x1b[31m.png").write_bytes(b"x")
    (cards / "bad\x1b[2J\n.yaml").write_text("cards: [", "utf-8")
    result = invoke(runner, "check", cards)
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr
    assert len(result.stderr.splitlines()) == len(errors(result)) + 1  # each problem one line
    assert json.loads(invoke(runner, "check", cards, "--format", "json").stdout)
