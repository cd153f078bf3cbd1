"""Every rule flashgen applies to card sources, shared by ``check`` and ``build``.

Rules with severity ``warning`` are lint: a card can silence one with ``allow: {rule: reason}``.
Errors cannot be silenced; ``build`` refuses to write a deck while any remains.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flashgen.ids import deck_name, notetype_id
from flashgen.lock import (
    LOCK_FILE,
    Lock,
    LockError,
    Released,
    current_notetypes,
    read_lock,
    release_problems,
)
from flashgen.markup import CLOZE, cloze_numbers, has_raw_html, picture_references
from flashgen.pictures import (
    PICTURE_PREFIX,
    SubjectPictures,
    derive_pictures,
    picture_answer_problems,
    picture_cards,
)
from flashgen.problems import SAFETY_RULES, Problem, Severity, Where, sort_problems
from flashgen.sources import (
    INVISIBLE,
    SLUG,
    SLUG_RULE,
    Card,
    DeckSources,
    Subject,
    load_sources,
    unknown_references,
)
from flashgen.stride import NO_CHARTS, RULE_SUMMARIES, Charts, chart_cards, stride_charts


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    summary: str


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule("yaml-syntax", "error", "The file is not valid YAML."),
        Rule("yaml-tag", "error", "A YAML tag such as !!python/object; tags never build objects."),
        Rule(
            "yaml", "error", "YAML features flashgen refuses: anchors, aliases, several documents."
        ),
        Rule("duplicate-key", "error", "The same key twice in one mapping."),
        Rule("too-deep", "error", "YAML nested deeper than flashgen reads."),
        Rule("encoding", "error", "The file is not valid UTF-8."),
        Rule("file-too-large", "error", "A source file over the size limit."),
        Rule("missing-file", "error", "deck.yaml is missing."),
        Rule("empty-file", "error", "A source file with nothing in it."),
        Rule("not-a-mapping", "error", "A file whose top level is not a mapping."),
        Rule("missing-key", "error", "A required key is missing."),
        Rule("unknown-key", "error", "A key flashgen does not know (with a suggestion)."),
        Rule("wrong-type", "error", "A value of the wrong type (text, number, list)."),
        Rule("empty-field", "error", "A field that is present but empty."),
        Rule("card-kind", "error", "A card with both cloze and front/back."),
        Rule("deck-name", "error", "A malformed deck or subdeck name."),
        Rule("duplicate-id", "error", "Two cards (or subjects) with the same id."),
        Rule("id-format", "error", "A card id that is not a lowercase slug."),
        Rule("cloze-syntax", "error", "A cloze with no deletion or unbalanced braces."),
        Rule("cloze-numbering", "warning", "Cloze numbers that skip (c1, c3 without c2)."),
        Rule("tag-format", "error", "A tag with a space or a character Anki handles badly."),
        Rule("unknown-subject", "error", "A card's subject is not in subjects.yaml."),
        Rule("unknown-aspect", "error", "An aspect not declared under 'aspects' in deck.yaml."),
        Rule("missing-media", "error", "A picture referenced but not in media/."),
        Rule("unused-media", "warning", "A file in media/ that no card uses."),
        Rule("unknown-rule", "error", "'allow' names a rule that does not exist or is an error."),
        Rule("duplicate-question", "warning", "Two questions that read the same once normalised."),
        Rule("long-answer", "warning", "An answer longer than max_answer_words."),
        Rule(
            "list-answer",
            "warning",
            "A front/back answer that is a list: use cloze or one card each.",
        ),
        Rule("yes-no-question", "warning", "A question answered by yes or no."),
        Rule(
            "give-away",
            "warning",
            "A card's answer (or a name of the subject it names) shows on the card's front.",
        ),
        Rule(
            "context-cue",
            "warning",
            "A question without a 'Topic:' cue, where deck.yaml asks for one.",
        ),
        Rule("raw-html", "warning", "Raw HTML in a field; write Markdown (HTML is shown as text)."),
        Rule("missing-source", "warning", "A card without a source."),
        Rule("unknown-reference", "error", "A source key not listed under 'references'."),
        Rule("lock", "error", "deck.lock cannot be read."),
        Rule("diagram", "error", "A diagram in diagrams/ that is not a readable SVG."),
        Rule("unknown-kind", "error", "A subject kind that is not one flashgen knows."),
        Rule(
            "picture-answer",
            "warning",
            "The picture after a card's answer highlights something other than the answer.",
        ),
        Rule(
            "card-removed", "error", "A released card is gone: retire it or forget it explicitly."
        ),
        Rule("deck-changed", "error", "A released card moved deck; Anki will not move it."),
        Rule("guid-changed", "error", "A released card would get a new note guid."),
        Rule("notetype-changed", "error", "A notetype's fields or templates changed under its id."),
        Rule("id-reused", "error", "A card id that was released and forgotten is used again."),
        *(Rule(rule_id, "error", text) for rule_id, text in RULE_SUMMARIES.items()),
        *(Rule(*rule) for rule in SAFETY_RULES),
    )
}


def _problem(where: Where, message: str, rule: str) -> Problem:
    return Problem(where, message, rule, RULES[rule].severity)


_TAG = re.compile(r"\A[A-Za-z0-9_.+-]+(::[A-Za-z0-9_.+-]+)*\Z")
_CONTEXT_CUE = re.compile(r"\A[^\s:][^:\n]{0,48}:\s")
_YES_NO_OPENERS = (
    "is", "are", "am", "was", "were", "do", "does", "did", "can", "could", "should", "would",
    "will", "has", "have", "had", "must", "may", "might", "shall",
)  # fmt: skip
_PUNCTUATION = str.maketrans("", "", string.punctuation + "\u2018\u2019\u201c\u201d\u2013\u2014")


def normalise(text: str) -> str:
    return " ".join(INVISIBLE.sub("", text).lower().translate(_PUNCTUATION).split())


def words(text: str) -> list[str]:
    return re.findall(r"[\w'\u2019-]+", text)


def strip_cue(question: str) -> str:
    match = _CONTEXT_CUE.match(question)
    return question[match.end() :] if match else question


def is_yes_no(question: str) -> bool:
    body = strip_cue(question).strip()
    first = body.split(maxsplit=1)[0].lower() if body else ""
    return first in _YES_NO_OPENERS and " or " not in body.lower()


def is_list_answer(answer: str) -> bool:
    if re.search(r"^\s*(?:[-*+]|\d+[.)])\s", answer, re.MULTILINE):
        return True
    separators = answer.count(",") + len(re.findall(r"\band\b|&", answer))
    return separators >= 2


def media_references(card: Card) -> list[str]:
    names = [unicodedata.normalize("NFC", card.picture)] if card.picture else []
    for text in (card.front, card.back, card.cloze, card.extra):
        if text:
            names.extend(picture_references(text))  # what the build will look up
    return names


# --- give-away: what the front shows must not hold the answer ---------------------------------
_MARKDOWN_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_ARTICLES = frozenset({"the", "a", "an"})
# Answer phrases made only of these say nothing on their own ("it", "one of them").
_FILLER = frozenset(
    {*_ARTICLES, "it", "they", "them", "one", "of", "and", "or", "to", "in", "on", "at", "by",
     "with", "is", "are", "its", "their", "from", "for", "as"}
)  # fmt: skip


@lru_cache(maxsize=1 << 16)  # a deck's words repeat: most calls are a cache hit
def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def comparable(text: str) -> tuple[str, ...]:
    """Text as a reader compares it: the words of its Markdown (picture alt text and link text
    included), lower-cased, without punctuation, each word in a simple singular."""
    text = _MARKDOWN_IMAGE.sub(r" \1 ", text)
    text = _MARKDOWN_LINK.sub(r" \1 ", text)
    return tuple(_singular(w) for w in re.findall(r"[^\W_]+", text.lower()))


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))


def answer_phrases(answer: str) -> list[tuple[str, tuple[str, ...]]]:
    """What a learner would say, as written and as compared: the answer without its
    parentheses, and each parenthesis on its own ("Calcaneus (heel bone)" -> "Calcaneus",
    "heel bone"); leading articles dropped; phrases of filler words only ("it", "one") left
    out. A picture in an answer is no text."""
    answer = _MARKDOWN_IMAGE.sub(" ", answer)
    phrases: list[tuple[str, tuple[str, ...]]] = []
    for part in [_PARENTHESES.sub(" ", answer), *_PARENTHESES.findall(answer)]:
        words = comparable(part)
        while words and words[0] in _ARTICLES:
            words = words[1:]
        if words and not set(words) <= _FILLER and words not in [w for _, w in phrases]:
            phrases.append((" ".join(part.split()), words))
    return phrases


def subject_names(subject: Subject) -> list[tuple[str, ...]]:
    """Every way the deck names a subject: its name (and the parts of a name such as
    "Vasti (vastus lateralis, medialis, intermedius)"), its key as words, its aliases."""
    outside = _PARENTHESES.sub(" ", subject.name)
    inside = [part for group in _PARENTHESES.findall(subject.name) for part in group.split(",")]
    texts = [subject.name, outside, *inside, subject.key.replace("-", " "), *subject.aliases]
    names = []
    for text in texts:
        words = comparable(text)
        if words and words not in names:
            names.append(words)
    return names


def topic_name(sources: DeckSources, card: Card) -> str:
    """The card's Topic field, the answer side's header: its subject's group, else its subject.
    A picture card has none: it asks which subject (or group) its picture shows."""
    subject = sources.subjects.get(card.subject or "")
    if subject is None or card.id.startswith(PICTURE_PREFIX):
        return ""
    group = sources.subjects.get(subject.group or "")
    return (group or subject).name


def _cloze_sides(cloze: str) -> Iterator[tuple[int, str, str, str]]:
    """For each card of a cloze note: its number, its answer, the text its front shows (that
    deletion hidden behind its hint, if any; the other deletions shown), and that text without
    the other deletions (the answer's siblings in a list, not names of it)."""
    matches = list(CLOZE.finditer(cloze))
    for number in sorted(set(cloze_numbers(cloze))):
        answer, front, alone, at = [], [], [], 0
        for match in matches:
            front.append(cloze[at : match.start()])
            alone.append(cloze[at : match.start()])
            at = match.end()
            if int(match.group(1)) == number:
                answer.append(match.group(2))
                front.append(f" {match.group(3) or ''} ")
                alone.append(f" {match.group(3) or ''} ")
            else:
                front.append(match.group(2))
                alone.append(" , ")
        front.append(cloze[at:])
        alone.append(cloze[at:])
        yield number, " ".join(answer), "".join(front), "".join(alone)


def _give_aways(card: Card, sources: DeckSources) -> Iterator[str]:
    """Why the card's front gives its answer away, once per card side and reason. The front
    is the question alone: the question templates show no other field (the Topic header is on
    the answer side)."""
    subject = sources.subjects.get(card.subject or "")
    group = sources.subjects.get(subject.group or "") if subject else None
    named = [s for s in (subject, group) if s is not None]
    if card.cloze is not None:
        sides = [
            (f"c{n}'s answer", answer, front, alone)
            for n, answer, front, alone in _cloze_sides(card.cloze)
        ]
    else:
        front = card.front or ""
        sides = [("the answer", card.back or "", front, front)]
    for label, answer, front, alone in sides:
        shown = comparable(front)
        without_siblings = shown if alone is front else comparable(alone)
        for text, phrase in answer_phrases(answer):
            if _contains(shown, phrase):
                yield f"{label} '{text}' shows on the front; ask without it"
                break
            if len(phrase) > 1 and set(phrase) - _FILLER <= set(shown):
                # "of gluteus maximus and medius, which ...?": a choice that holds its answer.
                yield f"every word of {label} '{text}' shows on the front; ask without them"
                break
            reason = _names_shown(phrase, named, without_siblings)
            if reason is not None:
                yield f"{label} '{text}' {reason}"
                break


def _names_shown(
    phrase: tuple[str, ...], named: list[Subject], shown: tuple[str, ...]
) -> str | None:
    """When the answer is a name of the card's subject or group and the front shows another
    of its names: why. A question that merely names its subject is fine."""
    for entity in named:
        names = subject_names(entity)
        if phrase not in names:
            continue
        for name in names:
            if _contains(shown, name):
                return (
                    f"names {entity.name}, which the front already names; "
                    "use a neutral cue or wording"
                )
    return None


def _card_problems(card: Card, sources: DeckSources) -> Iterator[Problem]:
    config = sources.config
    if not SLUG.match(card.id):
        yield _problem(card.at("id"), f"card id '{card.id}' must be {SLUG_RULE}", "id-format")
    for tag in card.tags:
        if not _TAG.match(tag):
            reason = (
                "contains a space"
                if " " in tag
                else "has a character outside A-Z a-z 0-9 _ . + - ::"
            )
            yield _problem(card.at("tags"), f"tag '{tag}' {reason}", "tag-format")
    if card.cloze is not None:
        numbers = cloze_numbers(card.cloze)
        if card.cloze.count("{{") != card.cloze.count("}}"):
            yield _problem(card.at("cloze"), "cloze has unbalanced '{{' and '}}'", "cloze-syntax")
        elif not numbers:
            yield _problem(
                card.at("cloze"),
                "cloze has no deletion; mark one like {{c1::answer}}",
                "cloze-syntax",
            )
        elif sorted(set(numbers)) != list(range(1, max(numbers) + 1)):
            missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
            yield _problem(
                card.at("cloze"),
                "cloze numbers skip " + ", ".join(f"c{n}" for n in missing),
                "cloze-numbering",
            )
    if card.subject is not None and card.subject not in sources.subjects:
        where_key = "subject" if card.written("subject") else "id"
        if sources.subjects:
            yield _problem(
                card.at(where_key),
                f"subject '{card.subject}' is not in {sources.subjects_file}",
                "unknown-subject",
            )
        else:
            yield _problem(
                card.at(where_key),
                f"subject '{card.subject}' given but the deck has no subjects.yaml",
                "unknown-subject",
            )
    if config is not None:
        for aspect in card.aspects:
            if aspect not in config.aspects:
                known = ", ".join(config.aspects) or "none declared"
                yield _problem(
                    card.at("aspect"),
                    f"aspect '{aspect}' is not declared in deck.yaml (known: {known})",
                    "unknown-aspect",
                )
    for name in media_references(card):
        if "/" in name or name not in sources.media:
            yield _problem(
                card.at("picture" if name == card.picture else "id"),
                f"picture '{name}' is not in {sources.shown('media')}/",
                "missing-media",
            )
    for key in ("front", "back", "cloze", "extra"):
        text = getattr(card, key)
        if text and has_raw_html(text):
            yield _problem(
                card.at(key), f"'{key}' holds raw HTML; write Markdown instead", "raw-html"
            )
    if not card.source:
        yield _problem(card.where, f"card '{card.id}' has no source", "missing-source")
    else:
        yield from unknown_references(card.source, config, card.at("source"))
    if card.back is not None and config is not None:
        count = len(words(card.back))
        if count > config.max_answer_words:
            yield _problem(
                card.at("back"),
                f"answer has {count} words (at most {config.max_answer_words}); "
                "move the explanation to 'extra'",
                "long-answer",
            )
        if is_list_answer(card.back):
            yield _problem(
                card.at("back"), "answer is a list; use a cloze or one card per item", "list-answer"
            )
    if card.front is not None and is_yes_no(card.front):
        yield _problem(
            card.at("front"),
            "yes/no question; ask for the thing itself (what, which, where, how)",
            "yes-no-question",
        )
    if not card.retired:
        for reason in _give_aways(card, sources):
            yield _problem(card.at("cloze" if card.is_cloze else "front"), reason, "give-away")
    if config is not None and config.context_cue and not _CONTEXT_CUE.match(card.question):
        key = "cloze" if card.is_cloze else "front"
        yield _problem(
            card.at(key),
            "question has no context cue; start it with a topic, e.g. 'Calf: ...'",
            "context-cue",
        )
    for rule_id, _reason in card.allow.items():
        rule = RULES.get(rule_id)
        if rule is None or rule.severity == "error":
            why = "is an error and cannot be silenced" if rule else "is not a rule"
            yield _problem(card.at("allow"), f"'allow: {rule_id}' {why}", "unknown-rule")


def _deck_problems(sources: DeckSources) -> Iterator[tuple[Card | None, Problem]]:
    seen_ids: dict[str, Card] = {}
    seen_questions: dict[str, Card] = {}
    for card in sources.cards:
        first = seen_ids.get(card.id)
        if first is not None:
            yield (
                card,
                _problem(
                    card.at("id"),
                    f"duplicate card id '{card.id}' (also at {first.at('id')})",
                    "duplicate-id",
                ),
            )
        else:
            seen_ids[card.id] = card
        question = normalise(card.question)
        earlier = seen_questions.get(question)
        if earlier is not None and question:
            yield (
                card,
                _problem(
                    card.at("cloze" if card.is_cloze else "front"),
                    f"question duplicates card '{earlier.id}' at {earlier.where}",
                    "duplicate-question",
                ),
            )
        else:
            seen_questions.setdefault(question, card)
    used = {name for card in sources.cards for name in media_references(card)}
    for name in sorted(set(sources.media) - used):
        yield (
            None,
            _problem(
                Where(sources.shown(f"media/{name}")),
                f"media file '{name}' is not used by any card",
                "unused-media",
            ),
        )


def check_sources(sources: DeckSources) -> list[Problem]:
    """Content rules over loaded sources (the shape was checked while loading)."""
    found: list[Problem] = []
    pairs = list(_deck_problems(sources))
    for card in sources.cards:
        pairs.extend((card, problem) for problem in _card_problems(card, sources))
    for owner, problem in pairs:
        silenced = (
            owner is not None and problem.severity == "warning" and problem.rule in owner.allow
        )
        if not silenced:
            found.append(problem)
    return found


def released_cards(
    sources: DeckSources,
    pictures: Mapping[str, SubjectPictures],
    charts: Charts = NO_CHARTS,
    lock: Lock | None = None,
) -> list[Released]:
    config = sources.config
    assert config is not None
    cards = [
        *sources.cards,
        *picture_cards(sources, pictures, lock.cards if lock else ()),
        *chart_cards(sources, charts),
    ]
    return [Released(card, config, deck_name(config, card), notetype_id(card)) for card in cards]


def release_safety(
    sources: DeckSources, pictures: Mapping[str, SubjectPictures], charts: Charts = NO_CHARTS
) -> tuple[list[Problem], Lock | None]:
    """Compare the sources with what was released: the problems, and the lock read (``None``
    when it cannot be)."""
    if sources.config is None:
        return [], None
    shown = sources.shown(LOCK_FILE)
    try:
        lock = read_lock(sources.root / LOCK_FILE, shown)
    except LockError as exc:
        return [exc.problem], None
    released = released_cards(sources, pictures, charts, lock)
    # Cards of a file that could not be read are unknown, not removed.
    unknown = sources.unread_ids if not sources.unreadable else None
    problems = release_problems(lock, released, current_notetypes(), shown, unknown)
    return list(problems), lock


@dataclass(frozen=True, slots=True)
class Inspection:
    """A cards directory loaded and checked, with the pictures derived on the way."""

    sources: DeckSources
    problems: list[Problem]
    """Every problem, sorted."""
    pictures: dict[str, SubjectPictures]
    lock: Lock | None
    """``deck.lock`` as read (empty when there is none); ``None`` when it could not be read."""
    charts: Charts = NO_CHARTS
    """The stride charts drawn from ``stride.yaml`` (none when the deck has no such file)."""


def inspect_directory(root: Path, *, shown_root: str | None = None) -> Inspection:
    """Load and check a cards directory: every problem at once, and the pictures derived."""
    sources, problems = load_sources(root, shown_root=shown_root)
    problems.extend(check_sources(sources))
    pictures, picture_problems = derive_pictures(sources)
    problems.extend(picture_problems)
    problems.extend(picture_answer_problems(sources.cards, sources.subjects, pictures))
    charts, chart_problems = stride_charts(sources)
    problems.extend(chart_problems)
    release, lock = release_safety(sources, pictures, charts)
    problems.extend(release)
    return Inspection(sources, sort_problems(problems), pictures, lock, charts)


def check_directory(
    root: Path, *, shown_root: str | None = None
) -> tuple[DeckSources, list[Problem]]:
    """Load and check a cards directory: every problem, sorted, at once."""
    inspection = inspect_directory(root, shown_root=shown_root)
    return inspection.sources, inspection.problems


def summary(problems: Iterable[Problem]) -> str:
    problems = list(problems)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if not problems:
        return "no problems"
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
