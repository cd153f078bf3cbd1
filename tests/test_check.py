"""`flashgen check`: every rule fires on an example, can be silenced where it is lint, and
reports in text or JSON."""

from __future__ import annotations

import json

import pytest

from flashgen.check import RULES
from flashgen.cli import cli
from flashgen.problems import SAFETY_RULES

GOOD = {"id": "good", "front": "Calf: which muscle lies deep?", "back": "Soleus", "source": "S1"}
DECK = {"context_cue": True, "max_answer_words": 5, "aspects": {"location": "where"}}


def _check(runner, cards, *args):
    result = runner.invoke(cli, ["check", str(cards), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


LINT_EXAMPLES = {
    "duplicate-question": [GOOD, {**GOOD, "id": "again", "front": "calf: Which muscle lies DEEP"}],
    "long-answer": [{**GOOD, "back": "The soleus, a flat muscle under the gastrocnemius"}],
    "list-answer": [{**GOOD, "back": "Soleus, gastrocnemius, plantaris"}],
    "yes-no-question": [{**GOOD, "front": "Calf: is the soleus deep to the gastrocnemius?"}],
    "context-cue": [{**GOOD, "front": "Which muscle lies deep to the gastrocnemius?"}],
    "raw-html": [{**GOOD, "extra": "<b>flat</b> muscle"}],
    "missing-source": [{k: v for k, v in GOOD.items() if k != "source"}],
    "cloze-numbering": [{"id": "c", "cloze": "Calf: {{c1::a}} and {{c3::b}}", "source": "S1"}],
}


@pytest.mark.parametrize("rule", sorted(LINT_EXAMPLES))
def test_each_lint_rule_fires_and_can_be_silenced_with_a_reason(runner, make_cards, rule):
    cards = make_cards(deck=DECK, calf={"cards": LINT_EXAMPLES[rule]})
    result = _check(runner, cards)
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert [line for line in lines if line.endswith(f"[{rule}]")], result.stderr
    assert all(": warning: " in line for line in lines[:-1])
    assert _check(runner, cards, "--strict").exit_code == 1

    silenced = [dict(card, allow={rule: "an example of a justified exception"}) for card in
                LINT_EXAMPLES[rule]]  # fmt: skip
    cards = make_cards(deck=DECK, calf={"cards": silenced})
    assert f"[{rule}]" not in _check(runner, cards).stderr


ERROR_EXAMPLES = {
    "id-format": [{**GOOD, "id": "Soleus Depth"}],
    "cloze-syntax": [{"id": "c", "cloze": "Calf: {{c1::a}", "source": "S1"}],
    "unknown-subject": [{**GOOD, "subject": "solues"}],
    "unknown-aspect": [{**GOOD, "aspect": "colour"}],
    "missing-media": [{**GOOD, "picture": "soleus.svg"}],
    "unknown-rule": [{**GOOD, "allow": {"no-such-rule": "because"}}],
    "tag-format": [{**GOOD, "tags": ["café"]}],
    "card-kind": [{**GOOD, "cloze": "Calf: {{c1::x}}"}],
    "wrong-type": [{**GOOD, "tags": {"a": 1}}],
}


@pytest.mark.parametrize("rule", sorted(ERROR_EXAMPLES))
def test_each_error_rule_fails_check_and_build(runner, make_cards, tmp_path, rule):
    cards = make_cards(deck=DECK, calf={"cards": ERROR_EXAMPLES[rule]})
    result = _check(runner, cards)
    assert result.exit_code == 1
    assert any(
        line.endswith(f"[{rule}]") and ": error: " in line for line in result.stderr.splitlines()
    )
    built = runner.invoke(cli, ["build", str(cards), "-o", str(tmp_path / "x.apkg")])
    assert built.exit_code == 1
    assert not (tmp_path / "x.apkg").exists()


def test_every_rule_has_an_example_test():
    tested = set(LINT_EXAMPLES) | set(ERROR_EXAMPLES)
    structural = {
        "yaml-syntax", "yaml-tag", "yaml", "duplicate-key", "too-deep", "encoding",
        "file-too-large", "missing-file", "empty-file", "not-a-mapping", "missing-key",
        "unknown-key", "empty-field", "deck-name", "duplicate-id", "unused-media",
        "unknown-reference",
        # Release safety against deck.lock: tests/test_lock.py.
        "diagram",  # tests/test_pictures.py
        "lock", "card-removed", "deck-changed", "guid-changed", "notetype-changed", "id-reused",
        # Hostile sources (issue #14): tests/test_safety*.py.
        *(rule_id for rule_id, _, _ in SAFETY_RULES),
    }  # fmt: skip
    assert set(RULES) - tested - structural == set()


def test_warnings_do_not_stop_a_build(runner, make_cards, tmp_path):
    cards = make_cards(deck=DECK, calf={"cards": LINT_EXAMPLES["yes-no-question"]})
    result = runner.invoke(cli, ["build", str(cards), "-o", str(tmp_path / "x.apkg")])
    assert result.exit_code == 0
    assert (tmp_path / "x.apkg").is_file()


def test_json_output_lists_the_same_problems(runner, make_cards):
    wrong_aspect = {**ERROR_EXAMPLES["unknown-aspect"][0], "id": "other", "front": "Calf: what?"}
    cards = make_cards(deck=DECK, calf={"cards": [*LINT_EXAMPLES["yes-no-question"], wrong_aspect]})
    text = _check(runner, cards)
    result = _check(runner, cards, "--format", "json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    assert [p["rule"] for p in problems] == ["yes-no-question", "unknown-aspect"]
    shown = [f"{p['file']}:{p['line']}:{p['col']}: {p['severity']}: {p['message']} [{p['rule']}]"
             for p in problems]  # fmt: skip
    assert shown == text.stderr.splitlines()[:-1]
    assert text.stderr.splitlines()[-1] == "1 error, 1 warning"


def test_clean_sources_say_so(runner, make_cards):
    cards = make_cards(deck=DECK, calf={"cards": [GOOD]})
    result = _check(runner, cards, "--strict")
    assert result.exit_code == 0
    assert result.stdout == "no problems\n"


def test_list_rules_explains_every_rule(runner):
    result = runner.invoke(cli, ["check", "--list-rules"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(RULES)
    for line, rule in zip(lines, RULES.values(), strict=True):
        assert line.split()[:2] == [rule.id, rule.severity]
        assert line.endswith(rule.summary)


def test_unused_media_is_a_warning(runner, make_cards):
    cards = make_cards(deck=DECK, calf={"cards": [GOOD]})
    (cards / "media").mkdir()
    (cards / "media" / "old.svg").write_text("<svg/>", encoding="utf-8")
    result = _check(runner, cards)
    assert result.stderr.splitlines()[0] == (
        f"{cards}/media/old.svg:1:1: warning: media file 'old.svg' is not used by any card "
        "[unused-media]"
    )


def test_unknown_reference_suggests_the_close_one(runner, make_cards):
    deck = {**DECK, "references": {"S23c": "Wikipedia, Soleus muscle"}}
    cards = make_cards(deck=deck, calf={"cards": [{**GOOD, "source": "S23x"}]})
    result = _check(runner, cards)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].endswith(
        "error: source 'S23x' is not under 'references' in deck.yaml; did you mean 'S23c'? "
        "[unknown-reference]"
    )
