"""The shipped deck: complete coverage, the card-writing rubric, and a clean import into Anki."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest
from anki.consts import CARD_TYPE_NEW
from anki_collection import import_apkg, notes_by_card_id, open_collection
from conftest import SHIPPED_CARDS, write_yaml

from flashgen.build import build
from flashgen.check import is_list_answer, is_yes_no, words
from flashgen.cli import cli
from flashgen.coverage import coverage_of
from flashgen.pipeline import compile_deck


@pytest.fixture(scope="module")
def compiled():
    return compile_deck(SHIPPED_CARDS, shown_root="cards")


@pytest.fixture(scope="module")
def deck(compiled):
    return compiled.sources, compiled.problems


def test_shipped_deck_passes_strict_check(deck):
    _, problems = deck
    assert [str(p) for p in problems] == []


def test_every_subject_the_article_names_is_taught_in_every_aspect(compiled):
    report = coverage_of(compiled)
    named = [entry for entry in report.subjects if entry.subject.named_in_source]
    assert len(named) >= 20
    for entry in named:
        assert entry.required, f"{entry.subject.key} requires nothing"
        assert entry.missing == (), f"{entry.subject.key} lacks {entry.missing}"
        assert len(entry.card_ids) >= len(entry.required)
    assert report.complete


def test_coverage_command_reports_complete(runner):
    result = runner.invoke(cli, ["coverage", str(SHIPPED_CARDS)])
    assert result.exit_code == 0, result.output
    assert "complete: all" in result.stdout


def test_every_card_has_a_subject_from_the_manifest_and_a_source(deck):
    sources, _ = deck
    # Retired cards stay in the sources for good (learners keep their notes): the bound is on
    # the cards a learner studies.
    assert 80 <= sum(not card.retired for card in sources.cards) <= 220
    for card in sources.cards:
        assert card.subject in sources.subjects, card.id
        assert card.source_keys, card.id
        assert all(key in sources.config.references for key in card.source_keys), card.id
        assert card.aspects, f"{card.id} says nothing about what it teaches"


def test_every_article_correction_cites_the_article_and_explains(deck):
    sources, _ = deck
    corrections = [c for c in sources.cards if "article-correction" in c.tags]
    assert len(corrections) >= 15
    for card in corrections:
        assert "article" in card.source_keys, card.id
        assert re.search(r"\barticle\b", card.extra, re.IGNORECASE), card.id


def test_rubric_holds_for_every_card_or_is_justified_on_the_card(deck):
    sources, _ = deck
    limit = sources.config.max_answer_words
    for card in sources.cards:
        question = card.cloze or card.front
        assert re.match(r"^[A-Z][^:\n]{1,40}: ", question), f"{card.id}: no context cue"
        if card.back is not None:
            assert len(words(card.back)) <= limit or "long-answer" in card.allow, card.id
            assert not is_list_answer(card.back) or "list-answer" in card.allow, card.id
            assert not is_yes_no(card.front), card.id
    for card in sources.cards:
        for rule, reason in card.allow.items():
            assert len(reason.split()) >= 4, f"{card.id}: exception to {rule} is not justified"


def test_look_alike_pairs_each_have_a_discriminating_card(deck):
    """Each look-alike pair is told apart by one card that names both (a look-alike extra, a
    two-deletion cloze), or by two discriminating cards, one answered by each: naming the
    other in an extra would give that card's answer away."""
    sources, _ = deck
    # Live cards only: a retired card is studied by no new learner.
    discriminating = [
        c
        for c in sources.cards
        if not c.retired and ("discriminate" in c.tags or "{{c2::" in (c.cloze or ""))
    ]
    texts = [
        " ".join((c.front or "", c.back or "", c.cloze or "", c.extra)).lower()
        for c in discriminating
    ]
    answers = [(c.back or "").lower() for c in discriminating]
    for first, second in [
        ("gastrocnemius", "soleus"),
        ("tibialis anterior", "tibialis posterior"),
        ("gluteus maximus", "gluteus medius"),
        ("rectus femoris", "vasti"),
        ("plantar flexion", "dorsiflexion"),
        ("medial", "lateral"),
    ]:
        one_card = any(first in text and second in text for text in texts)
        two_cards = any(first in a for a in answers) and any(second in a for a in answers)
        assert one_card or two_cards, (first, second)


def test_tags_let_a_learner_filter_by_group_and_phase(deck):
    sources, _ = deck
    groups = Counter(t for c in sources.cards for t in c.tags if t.startswith("group::"))
    phases = Counter(t for c in sources.cards for t in c.tags if t.startswith("phase::"))
    assert all(sum(t.startswith("group::") for t in c.tags) == 1 for c in sources.cards)
    assert set(phases) >= {"phase::loading", "phase::midstance", "phase::push-off", "phase::swing"}
    assert len(groups) >= 7


def test_built_deck_imports_with_every_card_rendering(tmp_path, deck):
    sources, _ = deck
    apkg = tmp_path / "deck.apkg"
    result = build(SHIPPED_CARDS, output=apkg, environ={}, frozen=True)
    col = open_collection(tmp_path / "anki")
    try:
        log = import_apkg(col, apkg)
        assert len(log.new) == result.notes
        notes = notes_by_card_id(col)
        picture_cards = {card_id for card_id in notes if card_id.startswith(("picture-", "chart-"))}
        assert set(notes) - picture_cards == {card.id for card in sources.cards}
        assert col.card_count() == result.cards
        for card in sources.cards:
            for anki_card in notes[card.id].cards():
                question = anki_card.question().split("</style>", 1)[1]
                answer = anki_card.answer().split("</style>", 1)[1]
                assert 'class="fg-question"' in question and "{{" not in question, card.id
                assert 'class="fg-divider"' in answer, card.id
                if card.back is not None:
                    assert f'<div class="fg-answer">{notes[card.id]["Back"]}</div>' in answer
                # The front names the context once, through the question's cue; the topic
                # header (the group) joins on the answer side only.
                subject = sources.subjects[card.subject]
                group = sources.subjects.get(subject.group or "", subject)
                assert 'class="fg-topic"' not in question, card.id
                assert f'<div class="fg-topic">{group.name}</div>' in answer, card.id
    finally:
        col.close()


def test_every_muscle_group_has_an_integrative_card(deck):
    sources, _ = deck
    integrative = {c.subject for c in sources.cards if "integrative" in c.tags}
    groups = {
        key
        for key, subject in sources.subjects.items()
        if subject.kind in ("group", "region") and subject.named_in_source and subject.group is None
    }
    assert groups - integrative == set()


# The runner's topics (issue 15): not named by the article, taught with sourced cards.
RUNNER_TOPICS = {
    "sartorius": {"location", "action"},
    "tensor-fasciae-latae": {"location", "action"},  # its stride card was trivia (blind review 2)
    "fibularis": {"location", "action"},
    "iliotibial-band": {"location", "action"},
    "patellar-tendon": {"location", "action"},  # its stride card re-asked its location (#21)
    "patellofemoral-joint": {"location", "action", "stride"},
    "plantar-fascia": {"location", "action"},  # its stride card: a two-way guess (blind review 3)
    "itb-syndrome": {"definition"},
    "shin-splints": {"definition"},
    "foot-strike": {"definition"},
}


@pytest.mark.parametrize("key", sorted(RUNNER_TOPICS))
def test_each_runner_topic_is_taught_and_stays_an_addition(deck, compiled, key):
    sources, _ = deck
    entry = next(e for e in coverage_of(compiled).subjects if e.subject.key == key)
    assert not entry.subject.named_in_source, f"{key} is not an article term"
    assert set(entry.covered) >= RUNNER_TOPICS[key], (key, entry.covered)
    assert set(entry.covered) & set(entry.required), f"{key} has no card of a required aspect"
    cards = [c for c in sources.cards if c.subject == key and not c.retired]
    assert all("article" not in c.source_keys for c in cards), key


def test_windlass_and_running_injuries_are_taught_without_overclaiming(deck):
    sources, _ = deck
    by_id = {card.id: card for card in sources.cards}
    assert "windlass" in by_id["plantar-fascia-windlass"].front.lower()
    for key in ("itb-syndrome", "shin-splints"):
        cards = [c for c in sources.cards if c.subject == key]
        assert all("injury" in c.tags for c in cards), key
        text = " ".join(c.front + " " + c.extra for c in cards).lower()
        assert "not settled" in text or "association" in text, key


def test_retired_cards_still_build_and_keep_every_subjects_coverage(deck, compiled):
    """Redundant released cards are retired, not removed; coverage counts only live cards."""
    sources, _ = deck
    retired = [card for card in sources.cards if card.retired]
    assert len(retired) >= 8
    assert all(len(card.retired.split()) >= 4 for card in retired)
    assert coverage_of(compiled).complete
    live_answers = Counter(
        (card.back or "").lower() for card in sources.cards if not card.retired and card.back
    )
    assert live_answers["plantar flexion"] + live_answers["dorsiflexion"] <= 5
    tibialis_answers = Counter(
        (card.back or "").lower()
        for card in sources.cards
        if not card.retired and card.subject in {"tibialis-anterior", "tibialis-posterior"}
    )
    # Inversion is also the answer of its own definition card (another subject, M2).
    assert tibialis_answers["inversion"] <= 1, "the tibialis pair must not share an answer"


# --- New cards in the order Anki shows them ------------------------------------------------

# A term a card uses, the card that defines it, and how a card's text shows it is used. Anki's
# wording is the learner's: the question and the answer side as rendered, without the source
# line (a paper's title is no use of a term) and the topic header.
TERMS = {
    "stride": ("stride-definition", r"\bstrides?\b"),
    "stance": ("gait-stance-definition", r"\bstance\b"),
    "swing": ("gait-swing-definition", r"\bswing"),
    "terminal swing": ("terminal-swing-definition", r"\bterminal swing|\blate swing"),
    "propulsion": ("propulsion-definition", r"\bpropulsi"),
    "midstance": ("gait-stance-order", r"\bmid-?stance"),
    "medial and lateral": ("medial-definition", r"\b(?:medial|lateral)"),
    "compartment": ("compartment-definition", r"\bcompartment"),
    "plantar flexion": ("gait-plantar-flexion-definition", r"\bplantar[- ]?flex"),
    "dorsiflexion": ("gait-dorsiflexion-definition", r"\bdorsiflex"),
    "abduction": ("abduction-definition", r"\babduct(?:ion|s|ing|ed)?\b"),
    "adduction": ("adduction-definition", r"\badduct(?:ion|s|ing|ed)?\b"),
    "inversion": ("gait-inversion-definition", r"\binver(?:t|sion)"),
    "eversion": ("gait-eversion-definition", r"\bever(?:t|sion)"),
    "pronation": ("gait-pronation-definition", r"\bpronat"),
    "supination": ("gait-supination-definition", r"\bsupinat"),
    "muscle-tendon unit": ("muscle-tendon-unit-definition", r"\bmuscle-tendon unit|\bMTU\b"),
    "eccentric, lengthening under load": (
        "gait-eccentric-definition",
        r"\beccentric|\blengthen(?:s|ing)? under load",
    ),
    "concentric": ("gait-eccentric-opposite", r"\bconcentric"),
    "positive work": ("positive-work-name", r"\bpositive work"),
    "negative work": ("negative-work-name", r"\bnegative work"),
    "stretch-shortening cycle": ("stretch-shortening-cycle-definition", r"stretch-shortening"),
    "DOMS": ("gait-doms-name", r"\bDOMS\b"),
    "vasti": ("quadriceps-heads", r"\bvasti\b"),
}
REQUIRED_TERMS = {
    "plantar flexion", "dorsiflexion", "eccentric, lengthening under load", "stance", "swing",
    "inversion", "eversion", "compartment",
}  # fmt: skip


def _shown_text(side: str) -> str:
    """What a learner reads on a rendered card side: no style, source line, topic or markup."""
    side = side.split("</style>", 1)[-1]
    side = re.sub(r'<div class="fg-(?:source|topic)">.*?</div>', " ", side, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", side))


def new_card_order(apkg, folder):
    """Every new card of ``apkg`` as Anki shows them to a new learner with its default options
    (gathered by deck, sorted by card type, then in the order gathered), limits lifted: each as
    (card id, its rendered text). The review limit caps new cards too, so both are lifted."""
    col = open_collection(folder)
    try:
        import_apkg(col, apkg)
        (deck_id,) = [d["id"] for d in col.decks.all() if d["name"] != "Default"]
        config = col.decks.config_dict_for_deck_id(deck_id)
        config["new"]["perDay"] = config["rev"]["perDay"] = 9999
        col.decks.update_config(config)
        col.decks.select(deck_id)
        queued = col.sched.get_queued_cards(fetch_limit=9999)
        order = []
        for entry in queued.cards:
            card = col.get_card(entry.card.id)
            assert card.type == CARD_TYPE_NEW
            text = _shown_text(card.question()) + " " + _shown_text(card.answer())
            order.append((card.note()["Card ID"], text))
        return order
    finally:
        col.close()


def terms_used_too_early(order, live):
    """Each use of a term, in Anki's order, before the card that defines it; and the terms
    whose definition was met."""
    defined: set[str] = set()
    late = []
    for card_id, text in order:
        for term, (definer, pattern) in TERMS.items():
            assert definer in live, f"{term}: its definition {definer} is not a live card"
            if card_id == definer:
                assert re.search(pattern, text, re.IGNORECASE), f"{definer} never says {term}"
                defined.add(term)
            elif term not in defined and re.search(pattern, text, re.IGNORECASE):
                late.append(f"{card_id} uses '{term}' before {definer} defines it")
    return late, defined


def test_every_term_is_defined_by_a_card_anki_shows_before_any_card_using_it(tmp_path, deck):
    """Build upon the basics (rule 3; rubric M2): a new learner meets the card that defines a
    term before any card that uses it, in the order Anki itself introduces new cards."""
    sources, _ = deck
    assert REQUIRED_TERMS <= set(TERMS)
    live = {card.id for card in sources.cards if not card.retired}
    apkg = tmp_path / "deck.apkg"
    result = build(SHIPPED_CARDS, output=apkg, environ={}, frozen=True)
    order = new_card_order(apkg, tmp_path / "anki")
    assert len(order) == result.cards  # every card a new learner gets, none held back
    late, defined = terms_used_too_early(order, live)
    assert late == []
    assert defined == set(TERMS)


def test_the_order_check_finds_a_term_used_before_its_definition(tmp_path, shipped_cards):
    """The same check on a copy of the deck with a card file sorted before the basics, whose
    card uses 'compartment' and 'lateral': it is the first card Anki shows, and the check names
    it for both terms."""
    write_yaml(
        shipped_cards / "0-aa-probe.yaml",
        {"tags": ["group::gait"], "cards": [{
            "id": "order-probe", "subject": "calf", "aspect": "location", "source": "S78",
            "front": "Calf: which compartment of the lower leg is on the outer side?",
            "back": "Lateral compartment",
        }]},
    )  # fmt: skip
    apkg = tmp_path / "probe.apkg"
    build(shipped_cards, output=apkg, environ={})
    order = new_card_order(apkg, tmp_path / "anki")
    assert order[0][0] == "order-probe"
    sources = compile_deck(shipped_cards).sources
    late, _ = terms_used_too_early(order, {c.id for c in sources.cards if not c.retired})
    assert late == [
        "order-probe uses 'medial and lateral' before medial-definition defines it",
        "order-probe uses 'compartment' before compartment-definition defines it",
    ]
