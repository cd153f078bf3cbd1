"""`flashgen build` as a user runs it: output, exit codes and exact error messages."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from flashgen import __version__
from flashgen.cli import cli

CARD = {"id": "soleus-depth", "front": "Calf: which muscle lies deep to the gastrocnemius?",
        "back": "Soleus", "source": "S23c"}  # fmt: skip


def test_build_writes_default_output_and_prints_one_line(runner, make_cards, tmp_path, monkeypatch):
    cards = make_cards(calf={"cards": [CARD, {"id": "c2", "cloze": "Calf: {{c1::a}} {{c2::b}}"}]})
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["build", str(cards)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Wrote build/test-deck.apkg: 2 notes, 3 cards, 0 media files\n"
        f"Updated {cards}/deck.lock: release 1: 2 new, 0 changed, 0 retired, 0 unchanged\n"
    )
    with zipfile.ZipFile(tmp_path / "build" / "test-deck.apkg") as archive:
        assert archive.namelist() == ["collection.anki2", "media"]


def test_build_defaults_to_cards_directory(runner, make_cards, tmp_path, monkeypatch):
    make_cards(calf={"cards": [CARD]})
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["build", "-o", "out/deck.apkg"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "Wrote out/deck.apkg: 1 notes, 1 cards, 0 media files"
    assert (tmp_path / "out" / "deck.apkg").is_file()


def test_version_and_python_dash_m():
    completed = subprocess.run(
        [sys.executable, "-m", "flashgen", "--version"], capture_output=True, text=True, check=True
    )
    assert completed.stdout == f"flashgen, version {__version__}\n"


def test_missing_cards_directory_is_usage_error(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["build", "nowhere"])
    assert result.exit_code == 2
    assert "Directory 'nowhere' does not exist." in result.stderr


def _errors(runner, cards: Path) -> tuple[int, list[str]]:
    result = runner.invoke(cli, ["build", str(cards), "-o", str(cards.parent / "out.apkg")])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stderr.splitlines()


BROKEN_CARDS = """\
cards:
  - id: soleus-depth
    front: "Calf: which muscle lies deep to the gastrocnemius?"
    back: Soleus
  - id: soleus-depth
    front: "Calf: what lifts the heel?"
    back: Soleus
  - id: no-back
    front: "Calf: what?"
  - id: typo
    front: "Calf: x?"
    bak: y
    back: z
  - id: empty
    front: "Calf: x2?"
    back: ""
  - id: cl
    cloze: "Calf: no deletion here"
  - id: tagged
    front: "Calf: t?"
    back: t
    tags: [gait phase]
"""


def test_every_problem_is_reported_at_once_with_file_and_line(runner, make_cards):
    cards = make_cards(calf=BROKEN_CARDS, notes="- just\n- a list\n")
    code, lines = _errors(runner, cards)
    assert code == 1
    c = f"{cards}/calf.yaml"
    assert lines == [
        f"{c}:5:9: error: duplicate card id 'soleus-depth' (also at {c}:2:9) [duplicate-id]",
        f"{c}:8:5: error: card 'no-back' is missing required key 'back' [missing-key]",
        f"{c}:12:5: error: unknown key 'bak' in a card; did you mean 'back'? [unknown-key]",
        f"{c}:16:11: error: 'back' is empty [empty-field]",
        f"{c}:18:12: error: cloze has no deletion; mark one like {{{{c1::answer}}}} [cloze-syntax]",
        f"{c}:22:11: error: tag 'gait phase' contains a space [tag-format]",
        f"{cards}/notes.yaml:1:1: error: file holds a list; expected a mapping with a 'cards:' "
        "list [not-a-mapping]",
        "Error: 7 problems in the card sources; nothing was written",
    ]


def test_yaml_syntax_error_names_line_and_column(runner, make_cards):
    cards = make_cards(calf="cards:\n  - id: a\n    front: [unclosed\n")
    code, lines = _errors(runner, cards)
    assert code == 1
    assert lines[0] == (
        f"{cards}/calf.yaml:4:1: error: YAML syntax: did not find expected ',' or ']' "
        "(while parsing a flow sequence) [yaml-syntax]"
    )


def test_invalid_utf8_is_reported_with_position(runner, make_cards):
    cards = make_cards()
    (cards / "calf.yaml").write_bytes(b"cards:\n  - id: a\n    front: caf\xe9\n")
    code, lines = _errors(runner, cards)
    assert code == 1
    assert lines[0] == (
        f"{cards}/calf.yaml:3:15: error: invalid UTF-8 (byte 0xe9); "
        "save the file as UTF-8 [encoding]"
    )


def test_python_tags_are_refused_never_run(runner, make_cards, tmp_path):
    marker = tmp_path / "pwned"
    cards = make_cards(
        calf=f"cards: !!python/object/apply:os.system ['touch {marker}']\n",
    )
    code, lines = _errors(runner, cards)
    assert code == 1
    assert not marker.exists()
    assert lines[0] == (
        f"{cards}/calf.yaml:1:8: error: YAML tag '!!python/object/apply:os.system' is not allowed "
        "(tags never construct objects here) [yaml-tag]"
    )


def test_deck_file_problems(runner, make_cards):
    cards = make_cards(deck={"id": "abc", "nmae": "x"}, calf={"cards": [CARD]})
    code, lines = _errors(runner, cards)
    assert code == 1
    assert lines[:2] == [
        f"{cards}/deck.yaml:2:5: error: 'id' must be a whole number [wrong-type]",
        f"{cards}/deck.yaml:5:1: error: unknown key 'nmae' in deck.yaml; did you mean 'name'? "
        "[unknown-key]",
    ]


def test_failed_build_leaves_last_good_deck_untouched(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [CARD]})
    output = tmp_path / "deck.apkg"
    assert runner.invoke(cli, ["build", str(cards), "-o", str(output)]).exit_code == 0
    good = output.read_bytes()
    (cards / "calf.yaml").write_text("cards: [oops", encoding="utf-8")
    result = runner.invoke(cli, ["build", str(cards), "-o", str(output)])
    assert result.exit_code == 1
    assert output.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_bad_source_date_epoch_is_a_clear_error(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [CARD]})
    result = runner.invoke(
        cli,
        ["build", str(cards), "-o", str(tmp_path / "d.apkg")],
        env={"SOURCE_DATE_EPOCH": "soon"},
    )
    assert result.exit_code == 1
    assert (
        result.stderr == "Error: SOURCE_DATE_EPOCH must be a whole number of seconds, not 'soon'\n"
    )


def test_builds_are_byte_identical_with_source_date_epoch(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [CARD, {"id": "c2", "cloze": "Calf: {{c1::a}}"}]})
    outputs = []
    for name in ("one.apkg", "two.apkg"):
        result = runner.invoke(
            cli,
            ["build", str(cards), "-o", str(tmp_path / name)],
            env={"SOURCE_DATE_EPOCH": "1700000000"},
        )
        assert result.exit_code == 0, result.output
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]


def test_the_shipped_deck_builds_from_a_fresh_checkout(tmp_path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    completed = subprocess.run(
        [sys.executable, "-m", "flashgen", "build", "--frozen", "-o", str(tmp_path / "deck.apkg")],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        env=env,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith(f"Wrote {tmp_path / 'deck.apkg'}: ")
    assert "Updated" not in completed.stdout, "the committed deck.lock is current"


@pytest.mark.parametrize("command", ["build", "check", "coverage", "forget"])
def test_every_command_has_help(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout
