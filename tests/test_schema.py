"""`flashgen schema`: the JSON Schemas editors use accept exactly what the loader accepts."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import pytest
from conftest import DECK, SHIPPED_CARDS, write_yaml
from jsonschema import Draft7Validator, Draft202012Validator
from jsonschema.protocols import Validator

from flashgen import fields, sources
from flashgen.cli import cli
from flashgen.fields import Key, ValueType
from flashgen.schema import KINDS, Kind, file_name, kind_of, render, schema
from flashgen.sources import load_sources
from flashgen.yamlsource import parse, read_text, to_plain

# The problems that say a file's shape is wrong: what a schema can know.
SHAPE_RULES = {
    "unknown-key", "wrong-type", "empty-field", "missing-key", "card-kind", "unknown-kind",
}  # fmt: skip
BASIC = {"id": "c", "front": "q?", "back": "a"}
CLOZE = {"id": "c", "cloze": "a {{c1::b}}"}
SUBJECT = {"key": "a", "name": "A"}
BASE_DECK = {**DECK, "aspects": {"a": "x"}}


@cache
def validators(kind: Kind) -> tuple[Validator, ...]:
    """One validator per draft: 2020-12 as declared, draft-07 as most editors validate."""
    return tuple(cls(schema(kind)) for cls in (Draft202012Validator, Draft7Validator))


def plain(path: Path) -> object:
    """A source file as flashgen reads it (YAML 1.1 scalars, dates kept as text)."""
    node = parse(read_text(path, path.name), path.name)
    return None if node is None else to_plain(node)


def errors(kind: Kind, document: object) -> list[str]:
    found = []
    for validator in validators(kind):
        found.extend(
            f"{type(validator).__name__}: {error.json_path}: {error.message}"
            for error in validator.iter_errors(document)
        )
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_schemas_are_valid_json_schema(kind: Kind):
    document = schema(kind)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(document)
    Draft7Validator.check_schema(document)
    assert json.loads(render(kind)) == document


def test_stride_data_has_no_schema_and_is_no_card_file():
    assert kind_of(sources.STRIDE_FILE) is None
    assert [kind_of(name) for name in ("deck.yaml", "subjects.yaml", "calf.yaml")] == [
        "deck",
        "subjects",
        "cards",
    ]


def test_every_shipped_source_file_validates():
    """deck.yaml, subjects.yaml and every file the loader reads cards from (other files in
    cards/, such as data files with formats of their own, are not card files)."""
    loaded, problems = load_sources(SHIPPED_CARDS, shown_root="")
    assert not [p for p in problems if p.severity == "error"]
    card_files = {card.where.path for card in loaded.cards}
    names = [sources.DECK_FILE, sources.SUBJECTS_FILE, *sorted(card_files)]
    assert len(card_files) >= 5
    for name in names:
        assert errors(kind_of(name), plain(SHIPPED_CARDS / name)) == [], name


TABLES: dict[str, tuple[tuple[Key, ...], tuple[str, ...]]] = {
    "deck": (fields.DECK, sources.DECK_KEYS),
    "subject": (fields.SUBJECT, sources.SUBJECT_KEYS),
    "subjects file": (fields.SUBJECTS_FILE, sources.SUBJECTS_FILE_KEYS),
    "card": (fields.CARD, sources.CARD_KEYS),
    "card file": (fields.CARD_FILE, sources.CARD_FILE_KEYS),
}


def _properties(container: str) -> dict[str, object]:
    if container == "deck":
        return schema("deck")["properties"]  # type: ignore[no-any-return]
    if container == "subjects file":
        return schema("subjects")["properties"]  # type: ignore[no-any-return]
    if container == "subject":
        return schema("subjects")["properties"]["subjects"]["items"]["properties"]  # type: ignore[no-any-return]
    if container == "card file":
        return schema("cards")["properties"]  # type: ignore[no-any-return]
    return schema("cards")["properties"]["cards"]["items"]["properties"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("container", TABLES)
def test_schema_lists_exactly_the_keys_the_loader_accepts(container):
    table, loader_keys = TABLES[container]
    assert list(_properties(container)) == list(loader_keys) == list(fields.names(table))
    for key in table:
        assert _properties(container)[key.name]["description"] == key.description  # type: ignore[index]


def _document(container: str, key: str, value: object, *, drop: bool = False) -> tuple[Kind, dict]:
    """A file of the container's kind whose ``key`` is ``value`` (or left out with ``drop``)."""

    def put(base: dict[str, object]) -> dict[str, object]:
        entry = dict(base)
        if drop:
            entry.pop(key, None)
        else:
            entry[key] = value
        return entry

    if container == "deck":
        return "deck", put(BASE_DECK)
    if container == "subjects file":
        return "subjects", put({"subjects": [SUBJECT]})
    if container == "subject":
        return "subjects", {"subjects": [put(SUBJECT)]}
    if container == "card file":
        return "cards", put({"cards": [BASIC]})
    return "cards", {"cards": [put(CLOZE if key == "cloze" else BASIC)]}


def loader_refuses(tmp_path: Path, kind: Kind, document: dict) -> bool:
    """Whether loading the file reports a problem with its shape."""
    root = tmp_path / f"case-{len(list(tmp_path.iterdir()))}"
    write_yaml(root / "deck.yaml", document if kind == "deck" else BASE_DECK)
    name = {"deck": "deck.yaml", "subjects": "subjects.yaml", "cards": "probe.yaml"}[kind]
    if kind != "deck":
        write_yaml(root / name, document)
    _, problems = load_sources(root, shown_root="")
    return any(p.rule in SHAPE_RULES for p in problems if p.where.path == name)


ALL_KEY_NAMES = sorted(
    {key.name for table, _ in TABLES.values() for key in table} | {"bogus", "Front", "tag"}
)


@pytest.mark.parametrize("container", TABLES)
def test_loader_and_schema_refuse_the_same_keys(tmp_path, container):
    """Every key is probed in every place: the loader refuses it exactly where the schema does."""
    disagreements = []
    for name in ALL_KEY_NAMES:
        known = {key.name: key for key in TABLES[container][0]}
        value = GOOD[known[name].type][0] if name in known else "x"
        kind, document = _document(container, name, value)
        by_loader = loader_refuses(tmp_path, kind, document)
        by_schema = bool(errors(kind, document))
        if by_loader != by_schema or by_loader == (name in known):
            disagreements.append((name, by_loader, by_schema))
    assert disagreements == []


GOOD: dict[ValueType, list[object]] = {
    "text": ["a", 7, 2.5],
    "optional-text": ["a", "", None, 7],
    "integer": [7, -3],
    "boolean": [True, False],
    "words": [["a", "b"], "a", [], [3]],
    "text-map": [{"a": "x"}, {}, {"a": 3}],
    "choice": list(fields.SUBJECT_KINDS),  # the one choice: a subject's kind
    "subjects": [[{"key": "b", "name": "B"}], []],
    "cards": [[BASIC], [CLOZE], []],
}
BAD: dict[ValueType, list[object]] = {
    "text": ["", "  ", None, True, ["a"], {"a": "b"}],
    "optional-text": [True, ["a"], {"a": "b"}],
    "integer": ["7", True, 2.5, None, [7]],
    "boolean": ["true", 1, None],
    "words": [[""], [None], [True], True, None, {"a": "b"}, [["a"]]],
    "text-map": ["x", ["a"], {"a": ""}, {"a": None}, {"a": True}, {"a": ["x"]}, None],
    "choice": ["structure", "Muscle", "musle", "", None, 7, True, ["muscle"]],
    "subjects": ["x", ["x"], [{"name": "B"}], [{"key": "b", "name": "B", "bogus": 1}], None],
    "cards": ["x", ["x"], [{"id": "c"}], [{**BASIC, "cloze": "{{c1::a}}"}], [{"front": "q"}]],
}


@pytest.mark.parametrize(
    ("container", "key"),
    [(container, key) for container, (table, _) in TABLES.items() for key in table],
    ids=lambda item: item if isinstance(item, str) else item.name,
)
def test_loader_and_schema_agree_on_every_value_type(tmp_path, container, key: Key):
    """Good values pass both, bad values fail both; a required key left out fails both."""
    cases = [(value, False) for value in GOOD[key.type]] + [(v, True) for v in BAD[key.type]]
    verdicts = []
    for value, bad in cases:
        kind, document = _document(container, key.name, value)
        verdicts.append(
            (value, bad, loader_refuses(tmp_path, kind, document), bool(errors(kind, document)))
        )
    if key.required:
        kind, document = _document(container, key.name, None, drop=True)
        verdicts.append(
            (
                "<missing>",
                True,
                loader_refuses(tmp_path, kind, document),
                bool(errors(kind, document)),
            )
        )
    assert [v for v in verdicts if not v[1] == v[2] == v[3]] == []


@pytest.mark.parametrize(
    "card",
    [
        {"id": "c", "front": "q?"},
        {"id": "c", "back": "a"},
        {"id": "c"},
        {"id": "c", "cloze": "{{c1::a}}", "front": "q?"},
        {"id": "c", "cloze": "{{c1::a}}", "back": "a"},
        {**BASIC, "cloze": "{{c1::a}}"},
        {"front": "q?", "back": "a"},
    ],
)
def test_a_card_is_cloze_or_front_and_back_for_both(tmp_path, card):
    document = {"cards": [card]}
    assert loader_refuses(tmp_path, "cards", document)
    assert errors("cards", document)


def test_schema_command_prints_one_schema(runner):
    result = runner.invoke(cli, ["schema", "cards"])
    assert result.exit_code == 0, result.output
    assert result.stdout == render("cards")
    assert json.loads(result.stdout)["properties"]["cards"]["items"]["required"] == ["id"]


def test_schema_command_needs_a_kind_or_a_folder(runner):
    result = runner.invoke(cli, ["schema"])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: name the schema to print: deck, subjects or cards (or use -o DIR)\n"
    )
    result = runner.invoke(cli, ["schema", "card"])
    assert result.exit_code == 2
    assert "'card' is not one of 'deck', 'subjects', 'cards'" in result.stderr


def test_schema_command_writes_all_three(runner, tmp_path):
    target = tmp_path / "cards" / ".schema"
    result = runner.invoke(cli, ["schema", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "".join(f"Wrote {target / file_name(kind)}\n" for kind in KINDS)
    for kind in KINDS:
        assert json.loads((target / file_name(kind)).read_text(encoding="utf-8")) == schema(kind)
    assert sorted(p.name for p in target.iterdir()) == sorted(file_name(k) for k in KINDS)


def test_schema_flags_what_editors_should_flag():
    """The mistakes an editor shows as you type: a typo'd key, a missing answer, a wrong type."""
    typo = errors("cards", {"cards": [{**BASIC, "bakc": "x"}]})
    assert any("'bakc' was unexpected" in e for e in typo)
    assert errors("cards", {"cards": [{"id": "c", "front": "q?"}]})
    assert errors("deck", {**DECK, "id": "1500000001"})
    assert errors("deck", {"name": "x", "key": "k"})  # no id


def test_schema_command_writes_one_kind(runner, tmp_path):
    result = runner.invoke(cli, ["schema", "deck", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {tmp_path / 'deck.schema.json'}\n"
    assert os.listdir(tmp_path) == ["deck.schema.json"]
    assert (tmp_path / "deck.schema.json").read_text(encoding="utf-8") == render("deck")
