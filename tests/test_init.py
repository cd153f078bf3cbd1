"""`flashgen init`: a new deck that checks, builds and imports, with ids of its own."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest
import yaml
from anki_collection import import_apkg, notes_by_card_id, open_collection
from conftest import SHIPPED_CARDS
from jsonschema import Draft7Validator, Draft202012Validator

from flashgen import scaffold
from flashgen.cli import cli
from flashgen.schema import kind_of, render
from flashgen.yamlsource import parse, read_text, to_plain

SHIPPED_DECK = yaml.safe_load((SHIPPED_CARDS / "deck.yaml").read_text(encoding="utf-8"))
MODELINE = re.compile(r"\A# yaml-language-server: \$schema=(\S+)\n")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones too) with its bytes."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def deck_yaml(root: Path) -> dict[str, object]:
    return yaml.safe_load((root / "cards" / "deck.yaml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_init_check_build_and_import_with_anki(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["init", "my-deck"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Created the deck 'My deck' in my-deck:\n"
        "  README.md\n"
        "  .gitignore\n"
        "  cards/deck.yaml\n"
        "  cards/example.yaml\n"
        "  cards/.schema/deck.schema.json\n"
        "  cards/.schema/subjects.schema.json\n"
        "  cards/.schema/cards.schema.json\n"
        "Next: cd my-deck && flashgen check && flashgen build\n"
    )
    deck = tmp_path / "my-deck"
    assert (deck / ".gitignore").read_text(encoding="utf-8") == "build/\n"
    assert not (deck / "cards" / "subjects.yaml").exists()

    # The commands the deck's own README gives, run where it says: in the deck's folder.
    readme = (deck / "README.md").read_text(encoding="utf-8")
    commands = [line[2:] for line in readme.splitlines() if line.startswith("$ flashgen ")]
    assert commands == ["flashgen check", "flashgen changes", "flashgen build"]
    monkeypatch.chdir(deck)
    strict = runner.invoke(cli, ["check", "--strict"])
    assert (strict.exit_code, strict.stderr) == (0, ""), strict.output
    for command in commands:
        result = runner.invoke(cli, shlex.split(command)[1:])
        assert result.exit_code == 0, result.output
    assert "build/my-deck.apkg" in readme
    apkg = deck / "build" / "my-deck.apkg"

    col = open_collection(tmp_path / "anki")
    try:
        log = import_apkg(col, apkg)
        assert len(log.new) == 2 and not log.conflicting and not log.duplicate
        notes = notes_by_card_id(col)
        assert set(notes) == {"minimum-information", "cloze-deletion"}
        (basic,) = notes["minimum-information"].cards()
        assert col.decks.name(basic.did) == "My deck"
        assert "which principle says each card" in basic.question()
        assert "The minimum information principle" in basic.answer()
        (cloze,) = notes["cloze-deletion"].cards()
        visible = re.sub(r"<[^>]+>", "", cloze.question().split("</style>", 1)[1])
        assert "Card writing: [...] hides a part of a sentence" in visible
        assert sorted(notes["cloze-deletion"].tags) == ["card-writing"]
    finally:
        col.close()

    # The first build wrote the lock; released, the deck builds frozen from now on.
    assert (deck / "cards" / "deck.lock").is_file()
    frozen = runner.invoke(cli, ["build", "--frozen", "-o", str(tmp_path / "again.apkg")])
    assert frozen.exit_code == 0, frozen.output


def test_init_with_subjects_checks_and_covers(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["init", "--with-subjects", "--name", "Card writing::Basics"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Created the deck 'Card writing::Basics' here:\n")
    assert result.stdout.endswith("Next: flashgen check && flashgen build\n")
    subjects = yaml.safe_load((tmp_path / "cards" / "subjects.yaml").read_text(encoding="utf-8"))
    cards = yaml.safe_load((tmp_path / "cards" / "example.yaml").read_text(encoding="utf-8"))
    keys = {subject["key"] for subject in subjects["subjects"]}
    assert {card["subject"] for card in cards["cards"]} <= keys
    assert deck_yaml(tmp_path)["name"] == "Card writing::Basics"
    for command in (["check", "--strict"], ["coverage"], ["build", "-o", "out.apkg"]):
        outcome = runner.invoke(cli, command)
        assert outcome.exit_code == 0, (command, outcome.output)


def test_two_inits_draw_their_own_ids_and_keys(runner, tmp_path):
    decks = []
    for name in ("one", "two"):
        result = runner.invoke(cli, ["init", str(tmp_path / name), "--name", "Same name"])
        assert result.exit_code == 0, result.output
        decks.append(deck_yaml(tmp_path / name))
    first, second = decks
    assert first["id"] != second["id"] and first["key"] != second["key"]
    for deck in decks:
        assert isinstance(deck["id"], int) and (1 << 30) <= deck["id"] < (1 << 31)
        assert deck["id"] != SHIPPED_DECK["id"] and deck["key"] != SHIPPED_DECK["key"]
        assert re.fullmatch(r"same-name-[0-9a-f]{16}", str(deck["key"]))


def test_deck_yaml_says_why_id_and_key_are_fixed(tmp_path):
    scaffold.init_deck(tmp_path / "d")
    text = (tmp_path / "d" / "cards" / "deck.yaml").read_text(encoding="utf-8")
    assert "KEEP BOTH FOREVER" in text
    assert "learners get duplicates" in text


def test_every_file_names_its_schema_and_follows_it(tmp_path):
    """The modeline editors read: a path relative to the file, to the schema flashgen made."""
    scaffold.init_deck(tmp_path / "d", with_subjects=True)
    cards = tmp_path / "d" / "cards"
    sources = sorted(cards.glob("*.yaml"))
    assert [p.name for p in sources] == ["deck.yaml", "example.yaml", "subjects.yaml"]
    for source in sources:
        text = source.read_text(encoding="utf-8")
        match = MODELINE.match(text)
        assert match, source.name
        schema_path = source.parent / match.group(1)
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        assert schema_path.read_text(encoding="utf-8") == render(kind_of(source.name))
        document = to_plain(parse(read_text(source, source.name), source.name))  # type: ignore[arg-type]
        for validator in (Draft202012Validator, Draft7Validator):
            assert list(validator(schema).iter_errors(document)) == [], source.name


def test_init_refuses_an_existing_deck_and_changes_nothing(runner, tmp_path):
    deck = tmp_path / "deck"
    assert runner.invoke(cli, ["init", str(deck)]).exit_code == 0
    (deck / "cards" / "example.yaml").write_text("cards: []  # mine\n", encoding="utf-8")
    before = snapshot(tmp_path)
    result = runner.invoke(cli, ["init", str(deck)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {deck}/cards/deck.yaml already exists: there is a deck in {deck}/cards, and "
        "flashgen init never overwrites or adds to one; nothing was written\n"
    )
    assert snapshot(tmp_path) == before


def test_init_refuses_the_shipped_deck(runner, tmp_path, monkeypatch):
    """Run where a deck is, as in this repository: the deck is named, nothing is touched."""
    import shutil

    shutil.copytree(SHIPPED_CARDS, tmp_path / "cards")
    before = snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cards/deck.yaml already exists: there is a deck in")
    assert snapshot(tmp_path) == before


def test_init_refuses_to_write_inside_a_cards_folder(runner, tmp_path, monkeypatch):
    """`flashgen init cards` where cards/ is a deck: no deck inside the deck."""
    import shutil

    shutil.copytree(SHIPPED_CARDS, tmp_path / "cards")
    before = snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["init", "cards"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: cards/deck.yaml already exists: cards holds a deck's cards, and flashgen init DIR "
        "writes a new deck into DIR/cards, never inside a deck; nothing was written\n"
    )
    assert snapshot(tmp_path) == before


def test_init_refuses_cards_without_a_deck_yaml(runner, tmp_path):
    """A cards folder with card files is a deck in the making: init adds nothing to it."""
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "calf.yaml").write_text("cards: []\n", encoding="utf-8")
    before = snapshot(tmp_path)
    result = runner.invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert f"Error: {tmp_path}/cards/calf.yaml already exists: there is a deck" in result.stderr
    assert snapshot(tmp_path) == before


def test_init_never_overwrites_any_file(runner, tmp_path):
    (tmp_path / "README.md").write_text("# My project\n", encoding="utf-8")
    result = runner.invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path}/README.md already exists: flashgen init never overwrites a file; "
        "nothing was written (start the deck in a new folder: flashgen init my-deck)\n"
    )
    assert snapshot(tmp_path) == {"README.md": b"# My project\n"}
    assert os.listdir(tmp_path) == ["README.md"]


def test_init_into_an_existing_empty_folder(runner, tmp_path):
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "media").mkdir()  # folders without a deck in them are fine
    result = runner.invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cards" / "deck.yaml").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".flashgen-init")]


@pytest.mark.parametrize(
    "name", ['Card writing: "quoted" \\ #not-a-comment', "Ünïcödé::Sub deck", "- [yes]: no"]
)
def test_any_wellformed_name_is_written_as_given(runner, tmp_path, name):
    result = runner.invoke(cli, ["init", str(tmp_path / "d"), "--name", name])
    assert result.exit_code == 0, result.output
    assert deck_yaml(tmp_path / "d")["name"] == name
    check = runner.invoke(cli, ["check", "--strict", str(tmp_path / "d" / "cards")])
    assert check.exit_code == 0, check.output


@pytest.mark.parametrize("name", ["::Deck", "Deck::", "A:::B", "  ", "Two\nlines", "Tab\there"])
def test_a_malformed_name_is_refused(runner, tmp_path, name):
    result = runner.invoke(cli, ["init", str(tmp_path / "d"), "--name", name])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "deck name" in result.stderr
    assert not (tmp_path / "d").exists()


def test_a_failure_half_way_leaves_no_half_deck(tmp_path, monkeypatch):
    """New folder: it appears whole or not at all. Existing folder: what was placed goes again."""

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(scaffold, "_self_check", fail)
    with pytest.raises(OSError, match="disk full"):
        scaffold.init_deck(tmp_path / "made" / "for" / "it" / "new")
    assert os.listdir(tmp_path) == []  # the folders made on the way go too

    monkeypatch.undo()
    existing = tmp_path / "existing"
    (existing / "cards").mkdir(parents=True)
    links = 0
    real_link = os.link

    def link_then_fail(source: Path, target: Path) -> None:
        nonlocal links
        links += 1
        if links == 3:  # another program writes cards/deck.yaml while init places its files
            raise FileExistsError(target)
        real_link(source, target)

    monkeypatch.setattr(scaffold.os, "link", link_then_fail)
    with pytest.raises(scaffold.DeckExists, match="deck.yaml appeared while writing the deck"):
        scaffold.init_deck(existing)
    assert links == 3
    assert snapshot(existing) == {} and os.listdir(existing) == ["cards"]
    assert os.listdir(existing / "cards") == []


def test_new_deck_files_are_readable_by_others(tmp_path):
    umask = os.umask(0o022)
    try:
        scaffold.init_deck(tmp_path / "d")
    finally:
        os.umask(umask)
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "d" / "cards" / "deck.yaml").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Usage: cli {command} ")
    assert "Example:" in result.stdout


def test_init_and_schema_help(runner):
    init = runner.invoke(cli, ["init", "--help"]).stdout
    assert "Usage: cli init [OPTIONS] [DIRECTORY]" in init
    assert "--with-subjects" in init and "--name TEXT" in init
    assert "flashgen init my-deck && cd my-deck && flashgen build" in init
    schema = runner.invoke(cli, ["schema", "--help"]).stdout
    assert "Usage: cli schema [OPTIONS] [KIND]" in schema
    assert "flashgen schema -o cards/.schema" in schema


def _readme_section(title: str) -> str:
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def _blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"^ *```{language}\n(.*?)^ *```$", section, re.MULTILINE | re.DOTALL)


def test_readme_your_own_deck_shows_what_flashgen_does(runner, tmp_path, monkeypatch):
    """The transcript is init's real output; the snippets name real hooks and real files."""
    section = _readme_section("Your own deck")
    transcript = _blocks(section, "console")[0].splitlines()
    assert transcript[0] == "$ flashgen init my-deck && cd my-deck"
    shown = transcript[1 : transcript.index("$ flashgen check && flashgen build")]
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["init", "my-deck"])
    assert result.stdout.splitlines() == shown

    (config,) = _blocks(section, "yaml")
    hooks = yaml.safe_load(config.replace("<", "'<").replace(">", ">'"))["repos"][0]["hooks"]
    shipped = yaml.safe_load(
        (Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text("utf-8")
    )
    assert [hook["id"] for hook in hooks] == [hook["id"] for hook in shipped]

    (settings,) = _blocks(section, "json")
    for schema_file, pattern in json.loads(settings)["yaml.schemas"].items():
        assert (tmp_path / "my-deck" / schema_file).is_file()
        assert pattern == "cards/*.yaml"
    ci = _blocks(section, "console")[1].strip()
    assert ci == "$ flashgen check --strict && flashgen build --frozen"
