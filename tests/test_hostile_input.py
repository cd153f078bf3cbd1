"""Bad input never breaks flashgen: every outcome is a deck or a clean list of problems."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml
from html_safety import executable_parts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashgen.build import build
from flashgen.markup import to_html
from flashgen.pipeline import check_directory
from flashgen.problems import FlashgenError, SourcesError
from flashgen.yamlsource import MAX_DEPTH, MAX_FILE_BYTES

DECK_YAML = "name: Fuzz\nid: 1500000002\nkey: fuzz\n"
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _cards_dir(tmp_path: Path, content: bytes) -> Path:
    root = tmp_path / "cards"
    root.mkdir(exist_ok=True)
    (root / "deck.yaml").write_text(DECK_YAML, encoding="utf-8")
    (root / "cards.yaml").write_bytes(content)
    return root


def _outcome(tmp_path: Path, content: bytes) -> None:
    """Build; the only acceptable failures are the typed ones the CLI reports cleanly."""
    root = _cards_dir(tmp_path, content)
    _, problems = check_directory(root)
    for problem in problems:
        assert problem.where.path.endswith((".yaml", ".lock")) or "/media/" in problem.where.path
        assert problem.where.line >= 1 and problem.where.col >= 1
        assert problem.message and "\n" not in problem.message
    try:
        build(root, output=tmp_path / "out.apkg", environ={"SOURCE_DATE_EPOCH": "1700000000"})
    except (SourcesError, FlashgenError):
        assert problems or not (tmp_path / "out.apkg").exists()
    (root / "deck.lock").unlink(missing_ok=True)


@SETTINGS
@given(st.text())
def test_arbitrary_text(tmp_path, text):
    _outcome(tmp_path, text.encode("utf-8", "surrogatepass"))


@SETTINGS
@given(st.binary())
def test_arbitrary_bytes(tmp_path, data):
    _outcome(tmp_path, data)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
structures = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(string.ascii_lowercase, max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
card_like = st.fixed_dictionaries(
    {"id": st.text(max_size=12)},
    optional={
        "front": structures,
        "back": structures,
        "cloze": structures,
        "extra": structures,
        "tags": structures,
        "subject": structures,
        "allow": structures,
        "bogus": structures,
    },
)


@SETTINGS
@given(st.one_of(structures, st.fixed_dictionaries({"cards": st.lists(card_like, max_size=4)})))
def test_arbitrary_yaml_structures(tmp_path, data):
    _outcome(tmp_path, yaml.safe_dump(data, allow_unicode=True).encode("utf-8"))


@SETTINGS
@given(st.text())
def test_arbitrary_field_text_never_yields_anything_executable(text):
    assert executable_parts(to_html(text)) == []


hostile_fragments = st.sampled_from(
    [
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[a](javascript:alert(1))",
        "![a](javascript:alert(1))", "<a href='jav&#x09;ascript:alert(1)'>x</a>",
        "<svg/onload=alert(1)>", "<iframe src=//x>", "**", "_", "<", ">", "\n", "`", "{{c1::",
        "}}", "[", "](", ")", "<style>", "&#106;avascript:", "data:text/html,x",
    ]
)  # fmt: skip


@SETTINGS
@given(st.lists(hostile_fragments | st.text(max_size=5), max_size=12).map("".join))
def test_hostile_markup_never_reaches_a_card(text):
    assert executable_parts(to_html(text)) == []


def test_python_object_tags_never_construct_anything(tmp_path):
    root = _cards_dir(tmp_path, b"cards: !!python/object/new:os.system [echo hacked]\n")
    _, problems = check_directory(root)
    assert [p.rule for p in problems] == ["yaml-tag"]


def test_billion_laughs_is_refused_at_the_first_anchor(tmp_path):
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        bomb.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    root = _cards_dir(tmp_path, ("\n".join(bomb) + "\n").encode())
    _, problems = check_directory(root)
    assert [(p.rule, p.where.line) for p in problems] == [("yaml", 1)]


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 2_000, 100_000])
def test_deep_nesting_is_refused_without_recursion(tmp_path, depth):
    root = _cards_dir(tmp_path, b"cards: " + b"[" * depth + b"]" * depth + b"\n")
    _, problems = check_directory(root)
    assert [p.rule for p in problems] == ["too-deep"]
    assert f"nested more than {MAX_DEPTH} levels deep" in problems[0].message


def test_oversized_file_is_refused_before_reading(tmp_path):
    root = _cards_dir(tmp_path, b"")
    with (root / "cards.yaml").open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    _, problems = check_directory(root)
    assert [p.rule for p in problems] == ["file-too-large"]


def test_a_card_file_of_many_megabytes_builds(tmp_path):
    lines = ["cards:"]
    for n in range(20_000):
        lines.append(f"  - id: card-{n}\n    front: 'Q{n}: what is {n}?'\n    back: A{n}\n")
    content = "\n".join(lines).encode()
    assert len(content) > 1_000_000
    root = _cards_dir(tmp_path, content)
    result = build(root, output=tmp_path / "big.apkg", environ={"SOURCE_DATE_EPOCH": "1"})
    assert result.notes == 20_000
