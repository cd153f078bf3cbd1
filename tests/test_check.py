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
    "yes-no-question": [
        {**GOOD, "front": "Calf: is the soleus deep to the gastrocnemius?", "back": "Yes"}
    ],
    "context-cue": [{**GOOD, "front": "Which muscle lies deep to the gastrocnemius?"}],
    "raw-html": [{**GOOD, "extra": "<b>flat</b> muscle"}],
    "missing-source": [{k: v for k, v in GOOD.items() if k != "source"}],
    "cloze-numbering": [{"id": "c", "cloze": "Calf: {{c1::a}} and {{c3::b}}", "source": "S1"}],
    "give-away": [{**GOOD, "front": "Calf: which muscle, the soleus or a heel muscle, lies deep?"}],
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
    tested = set(LINT_EXAMPLES) | set(ERROR_EXAMPLES) | set(CRAFT)
    structural = {
        "yaml-syntax", "yaml-tag", "yaml", "duplicate-key", "too-deep", "encoding",
        "file-too-large", "missing-file", "empty-file", "not-a-mapping", "missing-key",
        "unknown-key", "empty-field", "deck-name", "duplicate-id", "unused-media",
        "unknown-reference",
        # Release safety against deck.lock: tests/test_lock.py.
        "diagram", "unknown-kind", "unknown-view", "picture-answer",  # tests/test_pictures.py
        # stride.yaml: tests/test_stride.py.
        "stride-range", "stride-role", "stride-source", "stride-speed", "stride-missing",
        "stride-overview", "stride-group",
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


SUBJECTS = {
    "subjects": [
        {"key": "quadriceps", "name": "Quadriceps", "kind": "group", "aliases": ["quads"]},
        {"key": "vasti", "name": "Vasti", "kind": "muscle", "group": "quadriceps",
         "aliases": ["vastus lateralis"]},
        {"key": "soleus", "name": "Soleus", "kind": "muscle", "aliases": ["inner calf"]},
    ]
}  # fmt: skip

GIVE_AWAYS = {
    # The answer itself on the front: case, punctuation and a simple plural do not hide it.
    "in-the-question": {"front": "Calf: which muscle — SOLEUS? — lies deep to the gastrocnemius?",
                        "back": "The soleus"},
    "plural": {"front": "Thigh: which muscles, the hamstring group, brake the swinging leg?",
               "back": "Hamstrings"},
    "in-a-parenthesis": {"front": "Calf: on which bone, the heel bone, does the Achilles insert?",
                         "back": "Calcaneus (heel bone)"},
    "binary-choice": {"front": "Glutes: of gluteus maximus and medius, which abducts the hip?",
                      "back": "Gluteus medius"},
    "in-the-cue": {"front": "Quadriceps: which group brakes most in early stance?",
                   "back": "Quadriceps", "subject": "quadriceps"},
    # The answer is the subject's (or its group's) name, and the front uses another of them.
    "alias-in-the-cue": {"front": "Quads: which group brakes most in early stance?",
                         "back": "Quadriceps", "subject": "quadriceps"},
    "group-alias": {"front": "Thigh: which group, the quads, brakes most in early stance?",
                    "back": "Quadriceps", "subject": "vasti"},
    "alt-text": {"front": "Calf: which muscle is this?\n\n![Soleus, deep calf](soleus.svg)",
                 "back": "Soleus"},
    # A cloze: the text of another deletion is shown on this deletion's card.
    "cloze-sibling": {"cloze": "Calf: the {{c1::soleus}} is flat; the {{c2::soleus}} is deep."},
    "cloze-hint": {"cloze": "Calf: the {{c1::soleus::soleus or gastrocnemius?}} lies deep."},
}  # fmt: skip

FAIR = {
    "about-its-subject": {"front": "Quadriceps: which joint do they extend?", "back": "The knee",
                          "subject": "quadriceps"},
    "neutral-cue": {"front": "Running gait: which group brakes most in early stance?",
                    "back": "Quadriceps", "subject": "quadriceps"},
    "member-under-its-group": {"front": "Quadriceps: which head lies deepest?",
                               "back": "Vastus intermedius", "subject": "vasti"},
    "cloze-list": {"cloze": "Calf: the {{c1::soleus}} lies under the {{c2::gastrocnemius}}."},
    "a-part-of-the-answer": {"front": "Hamstrings: which knee movement do they decelerate?",
                             "back": "Knee extension"},
    "filler-answer": {"front": "Quadriceps: how many heads flex the hip, one or four?",
                      "back": "One (rectus femoris)", "allow": {"yes-no-question": "n/a here"}},
}  # fmt: skip


def _give_away_cards(make_cards, examples):
    cards = [{"id": key, "source": "S1", **card} for key, card in examples.items()]
    root = make_cards(deck=DECK, subjects=SUBJECTS, calf={"cards": cards})
    if any("soleus.svg" in card.get("front", "") for card in cards):
        (root / "media").mkdir(exist_ok=True)
        (root / "media" / "soleus.svg").write_text("<svg/>", encoding="utf-8")
    return root


@pytest.mark.parametrize("example", sorted(GIVE_AWAYS))
def test_give_away_flags_an_answer_the_front_shows(runner, make_cards, example):
    cards = _give_away_cards(make_cards, {example: GIVE_AWAYS[example]})
    result = _check(runner, cards, "--strict")
    assert result.exit_code == 1
    flagged = [line for line in result.stderr.splitlines() if line.endswith("[give-away]")]
    assert len(flagged) >= 1, result.stderr
    assert all(": warning: " in line for line in flagged)
    assert flagged[0].startswith(f"{cards}/calf.yaml:")


def test_give_away_names_the_answer_and_the_cloze_card(runner, make_cards):
    examples = {k: GIVE_AWAYS[k] for k in ("in-the-question", "alias-in-the-cue", "cloze-sibling")}
    result = _check(runner, _give_away_cards(make_cards, examples))
    messages = [line.split(": warning: ", 1)[1] for line in result.stderr.splitlines()[:-1]]
    assert messages == [
        "the answer 'The soleus' shows on the front; ask without it [give-away]",
        "the answer 'Quadriceps' names Quadriceps, which the front already names; "
        "use a neutral cue or wording [give-away]",
        "c1's answer 'soleus' shows on the front; ask without it [give-away]",
        "c2's answer 'soleus' shows on the front; ask without it [give-away]",
    ]


def test_give_away_leaves_fair_questions_alone(runner, make_cards):
    result = _check(runner, _give_away_cards(make_cards, FAIR), "--strict")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "no problems\n"


def test_give_away_skips_retired_cards(runner, make_cards):
    retired = {**GIVE_AWAYS["in-the-cue"], "retired": "merged into another card"}
    result = _check(runner, _give_away_cards(make_cards, {"old": retired}), "--strict")
    assert result.exit_code == 0, result.stderr


# --- Card craft over the whole deck (issue 21): each rule with failing and passing examples ---
CRAFT_SUBJECTS = {
    "subjects": [
        {"key": "calf", "name": "Calf muscles", "kind": "group", "aliases": ["calves"]},
        {"key": "soleus", "name": "Soleus", "kind": "muscle", "group": "calf"},
        {"key": "gastrocnemius", "name": "Gastrocnemius", "kind": "muscle", "group": "calf"},
    ]
}
SECOND_HALF = {"id": "soleus-when", "subject": "soleus", "source": "S1",
               "front": "Calf: in which half of stance does the soleus propel the body most?",
               "back": "The second half"}  # fmt: skip
CRAFT = {
    "long-extra": {
        "fails": [{**GOOD, "extra": " ".join(["word"] * 31)}],
        "passes": [{**GOOD, "extra": " ".join(["word"] * 30)}],
    },
    "unknown-cue": {
        "deck": {"context_cues": ["Calf", "Running gait"]},
        "fails": [{**GOOD, "front": "Calves: which muscle lies deep?"}],
        "passes": [GOOD, {**GOOD, "id": "g", "front": "Running gait: what is a stride?"}],
    },
    "leak": {
        # The front states the other card's fact: its answer, next to its subject.
        "fails": [SECOND_HALF, {"id": "soleus-fibres", "subject": "gastrocnemius", "source": "S1",
                                "front": "Calf: the soleus propels the body in the second half of "
                                "stance; which fibre type dominates it?", "back": "Slow-twitch"}],
        # Another subject's fact, a one-word answer on another subject, a muscle's name.
        "passes": [SECOND_HALF,
                   {"id": "gastroc-when", "subject": "gastrocnemius", "source": "S1",
                    "front": "Calf: the gastrocnemius works in the second half of stance; what "
                    "else does it flex?", "back": "The knee"},
                   {"id": "soleus-deep", "subject": "soleus", "source": "S1",
                    "front": "Calf: which muscle lies deep to the gastrocnemius?",
                    "back": "Soleus"},
                   {"id": "soleus-joint", "subject": "soleus", "source": "S1",
                    "front": "Calf: unlike the muscle that also bends the knee, which one joint "
                    "does the soleus cross?", "back": "The ankle"}],
    },
    "extra-leak": {
        # The extra states the other card's fact: its answer, with words of its question.
        "fails": [SECOND_HALF, {"id": "soleus-fibres", "subject": "soleus", "source": "S1",
                                "front": "Calf: which fibre type dominates the soleus?",
                                "back": "Slow-twitch",
                                "extra": "It propels the body most in the second half of stance."}],
        # Another subject's fact; a one-word answer; the answer without the other card's words
        # (its own question's words are its own context); a muscle merely mentioned.
        "passes": [SECOND_HALF,
                   {"id": "gastroc-peak", "subject": "gastrocnemius", "source": "S1",
                    "front": "Calf: which fibre type dominates the gastrocnemius?",
                    "back": "Mixed", "extra": "It propels the body most in the second half of "
                    "stance."},
                   {"id": "soleus-work", "subject": "soleus", "source": "S1",
                    "front": "Calf: which kind of action do the soleus fibres do on landing?",
                    "back": "Isometric"},
                   {"id": "soleus-posture", "subject": "soleus", "source": "S1",
                    "front": "Calf: standing still, which calf muscle keeps you from toppling?",
                    "back": "Soleus", "extra": "Its fibres stay isometric, as on landing."},
                   {"id": "calf-compartment", "subject": "calf", "source": "S1",
                    "front": "Calf: which compartment holds the calf muscles?",
                    "back": "Superficial posterior compartment",
                    "extra": "The deep posterior compartment, under it, holds other muscles."},
                   {"id": "toe-flexors", "subject": "calf", "source": "S1",
                    "front": "Calf: which compartment holds the long toe flexors?",
                    "back": "Deep posterior compartment"},

                   {"id": "gastroc-knee", "subject": "gastrocnemius", "source": "S1",
                    "front": "Calf: which muscle also flexes the knee?", "back": "Gastrocnemius",
                    "extra": "Unlike the soleus, which keeps to the ankle."}],

    },
    "same-answer": {
        "fails": [SECOND_HALF, {**SECOND_HALF, "id": "again",

                                "front": "Calf: when in stance is the soleus the main propeller?"}],
        # Same answer on another subject; a member's name in its group's list and on its own card.
        "passes": [SECOND_HALF, {**SECOND_HALF, "id": "gastroc", "subject": "gastrocnemius",
                                 "front": "Calf: in which half of stance does the gastrocnemius "
                                 "propel the body most?"},
                   {"id": "members", "subject": "calf", "source": "S1",
                    "cloze": "Calf: the triceps surae is the {{c1::gastrocnemius}} and the "
                    "{{c2::soleus}}.", "allow": {"list-answer": "a closed group, in order"}},
                   {"id": "deep", "subject": "soleus", "source": "S1", "back": "Soleus",
                    "front": "Calf: which muscle lies deep to the gastrocnemius?"}],
    },
    "unused-reference": {
        "deck": {"references": {"S1": "Hamner 2010", "S2": "Hamner 2009"}},
        "fails": [GOOD],
        # A retired card's note still ships with its source: its citation counts.
        "passes": [GOOD, {**GOOD, "id": "old", "front": "Calf: what?", "source": "S2",
                          "retired": "its note still shows the source"}],
    },
}  # fmt: skip


def _craft_cards(make_cards, rule, cards, deck_allow=None):
    deck = {**DECK, **CRAFT[rule].get("deck", {})}
    if deck_allow:
        deck["allow"] = deck_allow
    return make_cards(deck=deck, subjects=CRAFT_SUBJECTS, calf={"cards": cards})


@pytest.mark.parametrize("rule", sorted(CRAFT))
def test_each_craft_rule_flags_its_failing_example(runner, make_cards, rule):
    result = _check(runner, _craft_cards(make_cards, rule, CRAFT[rule]["fails"]), "--strict")
    assert result.exit_code == 1
    flagged = [line for line in result.stderr.splitlines() if line.endswith(f"[{rule}]")]
    assert len(flagged) == 1, result.stderr
    assert ": warning: " in flagged[0]


@pytest.mark.parametrize("rule", sorted(CRAFT))
def test_each_craft_rule_passes_its_passing_example(runner, make_cards, rule):
    result = _check(runner, _craft_cards(make_cards, rule, CRAFT[rule]["passes"]), "--strict")
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("rule", sorted(CRAFT))
def test_each_craft_rule_is_silenced_by_allow_with_a_reason(runner, make_cards, rule):
    reason = {rule: "an example of a justified exception"}
    if rule == "unused-reference":  # about the deck, not a card: deck.yaml's own allow
        cards = _craft_cards(make_cards, rule, CRAFT[rule]["fails"], deck_allow=reason)
    else:
        silenced = [dict(card, allow={**card.get("allow", {}), **reason})
                    for card in CRAFT[rule]["fails"]]  # fmt: skip
        cards = _craft_cards(make_cards, rule, silenced)
    result = _check(runner, cards, "--strict")
    assert result.exit_code == 0, result.stderr


def test_craft_messages_name_the_other_card_and_the_place(runner, make_cards):
    cards = _craft_cards(make_cards, "leak", CRAFT["leak"]["fails"])
    leak = _check(runner, cards).stderr.splitlines()[0]
    assert leak.startswith(f"{cards}/calf.yaml:")
    assert "'second half' with Soleus: the answer of card 'soleus-when'" in leak
    cards = _craft_cards(make_cards, "unused-reference", CRAFT["unused-reference"]["fails"])
    unused = _check(runner, cards).stderr.splitlines()[0]
    assert (
        unused.startswith(f"{cards}/deck.yaml:") and "reference 'S2' is cited by no card" in unused
    )
    cards = _craft_cards(make_cards, "unknown-cue", CRAFT["unknown-cue"]["fails"])
    assert "did you mean 'Calf'?" in _check(runner, cards).stderr


def test_unknown_cue_needs_a_declared_vocabulary(runner, make_cards):
    cards = make_cards(deck=DECK, calf={"cards": CRAFT["unknown-cue"]["fails"]})
    assert _check(runner, cards, "--strict").exit_code == 0


def test_deck_allow_of_an_unknown_or_error_rule_is_an_error(runner, make_cards):
    for rule in ("no-such-rule", "duplicate-id"):
        cards = make_cards(deck={**DECK, "allow": {rule: "because of reasons here"}},
                           calf={"cards": [GOOD]})  # fmt: skip
        result = _check(runner, cards)
        assert result.exit_code == 1
        assert "deck.yaml" in result.stderr and "[unknown-rule]" in result.stderr


def test_leak_counts_a_term_as_a_fact_but_not_a_front_that_names_the_term(runner, make_cards):
    subjects = {
        "subjects": [
            *CRAFT_SUBJECTS["subjects"],
            {"key": "late-swing", "name": "Terminal swing", "kind": "term"},
        ]
    }
    when = {
        "id": "when",
        "subject": "soleus",
        "source": "S1",
        "back": "Terminal swing",
        "front": "Calf: in which phase does the soleus switch on?",
    }
    term = {
        "id": "term",
        "subject": "late-swing",
        "source": "S1",
        "back": "Terminal swing",
        "front": "Stride: which phase runs from mid-swing to landing?",
    }
    leaky = {
        "id": "leaky",
        "subject": "gastrocnemius",
        "source": "S1",
        "back": "Slow-twitch",
        "front": "Calf: the soleus switches on in terminal swing; which fibres does it have?",
    }
    cards = make_cards(deck=DECK, subjects=subjects, calf={"cards": [when, term, leaky]})
    flagged = [line for line in _check(runner, cards).stderr.splitlines() if "[leak]" in line]
    # The soleus's timing is told; naming the term is no leak of the card that defines it.
    assert len(flagged) == 1 and "the answer of card 'when'" in flagged[0], flagged


def test_extra_leak_counts_a_name_told_with_two_words_of_its_question(runner, make_cards):
    deep = {
        "id": "soleus-deep",
        "subject": "soleus",
        "source": "S1",
        "front": "Calf: which muscle lies deep to the gastrocnemius?",
        "back": "Soleus",
    }
    telling = {
        "id": "gastroc-surface",
        "subject": "gastrocnemius",
        "source": "S1",
        "front": "Calf: which muscle is the most superficial?",
        "back": "Gastrocnemius",
        "extra": "The soleus lies deep to it.",
    }
    mentioning = {
        "id": "gastroc-knee",
        "subject": "gastrocnemius",
        "source": "S1",
        "front": "Calf: which muscle also flexes the knee?",
        "back": "Gastrocnemius",
        "extra": "The soleus lies below the knee.",
    }
    cards = make_cards(
        deck=DECK, subjects=CRAFT_SUBJECTS, calf={"cards": [deep, telling, mentioning]}
    )
    flagged = [line for line in _check(runner, cards).stderr.splitlines() if "[extra-leak]" in line]
    # 'lies deep' tells where the soleus is; 'lies' alone, beside a name, tells nothing.
    assert len(flagged) == 1, flagged
    assert flagged[0].startswith(f"{cards}/calf.yaml:")
    assert (
        "the extra tells the answer of card 'soleus-deep' at " in flagged[0]
        and "'Soleus', with words of its question (lies, deep)" in flagged[0]
    ), flagged[0]
