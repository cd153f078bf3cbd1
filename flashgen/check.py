"""Every rule flashgen applies to cards, written or generated: rules only (the pipeline,
:mod:`flashgen.pipeline`, loads, derives and calls them).

Rules with severity ``warning`` are lint: a card can silence one with ``allow: {rule: reason}``.
Errors cannot be silenced; ``build`` refuses to write a deck while any remains.
"""

from __future__ import annotations

import difflib
import re
import string
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from flashgen.markup import (
    MAX_CLOZE_NUMBER,
    cloze_in_link,
    cloze_numbers,
    clozes,
    has_raw_html,
    picture_references,
)
from flashgen.pictures import PICTURE_CUE
from flashgen.problems import SAFETY_RULES, Problem, Severity, Where
from flashgen.sources import (
    INVISIBLE,
    SLUG,
    SLUG_RULE,
    Card,
    DeckConfig,
    DeckSources,
    Subject,
    source_keys,
    unknown_references,
)
from flashgen.stride import CHART_CUE, RULE_SUMMARIES, StrideData

MAX_EXTRA_WORDS = 30
"""An extra note longer than this is a warning: it is read on every review."""


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
        Rule("long-extra", "warning", f"An extra note over {MAX_EXTRA_WORDS} words."),
        Rule("unknown-cue", "warning", "A context cue outside deck.yaml's 'context_cues'."),
        Rule("leak", "warning", "A front that shows another live card's answer with its subject."),
        Rule(
            "extra-leak",
            "warning",
            "An extra that tells another live card's answer with words of its question.",
        ),
        Rule("same-answer", "warning", "Two live cards on one subject (or group) with one answer."),
        Rule("unused-reference", "warning", "A reference in deck.yaml that no card cites."),
        Rule("raw-html", "warning", "Raw HTML in a field; write Markdown (HTML is shown as text)."),
        Rule("missing-source", "warning", "A card without a source."),
        Rule("unknown-reference", "error", "A source key not listed under 'references'."),
        Rule("lock", "error", "deck.lock cannot be read."),
        Rule("diagram", "error", "A diagram in diagrams/ that is not a readable SVG."),
        Rule("unknown-kind", "error", "A subject kind that is not one flashgen knows."),
        Rule(
            "unknown-view",
            "error",
            "A subject's 'view' names no diagram, or one that does not draw it.",
        ),
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


_TAG = re.compile(r"\A[A-Za-z0-9_.+-]++(?:::[A-Za-z0-9_.+-]++)*+\Z")
_CONTEXT_CUE = re.compile(r"\A[^\s:][^:\n]{0,48}:\s")
_YES_NO_OPENERS = (
    "is", "are", "am", "was", "were", "do", "does", "did", "can", "could", "should", "would",
    "will", "has", "have", "had", "must", "may", "might", "shall",
)  # fmt: skip
_PUNCTUATION = str.maketrans("", "", string.punctuation + "\u2018\u2019\u201c\u201d\u2013\u2014")


def normalise(text: str) -> str:
    return " ".join(INVISIBLE.sub("", text).lower().translate(_PUNCTUATION).split())


_WORDS = re.compile(r"[\w'\u2019-]++")
# A list item: each line's leading blanks stay on that line, so no line start re-reads the
# lines after it (``^\s*`` did, in quadratic time on a field of blank lines).
_LIST_ITEM = re.compile(r"^[^\S\n]*+(?:[-*+]|\d++[.)])\s", re.MULTILINE)
_AND = re.compile(r"\band\b|&")


def words(text: str) -> list[str]:
    """The words a learner reads: a picture is none (its alt text is not shown)."""
    if "!" in text:
        text = _MARKDOWN_IMAGE.sub(" ", text)
    return _WORDS.findall(text)


def strip_cue(question: str) -> str:
    match = _CONTEXT_CUE.match(question)
    return question[match.end() :] if match else question


def is_yes_no(question: str) -> bool:
    body = strip_cue(question).strip()
    first = body.split(maxsplit=1)[0].lower() if body else ""
    return first in _YES_NO_OPENERS and " or " not in body.lower()


def is_list_answer(answer: str) -> bool:
    if "!" in answer:
        answer = _MARKDOWN_IMAGE.sub(" ", answer)
    if _LIST_ITEM.search(answer):
        return True
    separators = answer.count(",") + len(_AND.findall(answer))
    return separators >= 2


def media_references(card: Card) -> list[str]:
    names = [unicodedata.normalize("NFC", card.picture)] if card.picture else []
    for text in (card.front, card.back, card.cloze, card.extra):
        if text:
            names.extend(picture_references(text))  # what the build will look up
    return names


# --- give-away: what the front shows must not hold the answer ---------------------------------
# Neither bracket may stand inside the text or the target: a scan from one '[' then stops at the
# next, so scans from many openings never re-read the same text (linear time).
_MARKDOWN_IMAGE = re.compile(r"!\[([^\[\]]*+)\]\([^()]*+\)")
_MARKDOWN_LINK = re.compile(r"\[([^\[\]]*+)\]\([^()]*+\)")
_PARENTHESES = re.compile(r"\(([^()]*+)\)")
_ARTICLES = frozenset({"the", "a", "an"})
# Answer phrases made only of these say nothing on their own ("it", "one of them").
_FILLER = frozenset(
    {*_ARTICLES, "it", "they", "them", "one", "of", "and", "or", "to", "in", "on", "at", "by",
     "with", "is", "are", "its", "their", "from", "for", "as"}
)  # fmt: skip


# The simple singular every word is compared in: "-ies" -> "-y" and a final "s" dropped, in
# words of four letters or more (not "-ss", "-us", "-is"). Whole-text substitutions: a card's
# words cost one pass over its text, whatever they are.
_IES = re.compile(r"(?<=[^\W_])ies(?![^\W_])")
_PLURAL_S = re.compile(r"(?<=[^\W_]{3})(?<![sui])s(?![^\W_])")
_WORD = re.compile(r"[^\W_]+")


def comparable(text: str) -> tuple[str, ...]:
    """Text as a reader compares it: the words of its Markdown (picture alt text and link text
    included), lower-cased, without punctuation, each word in a simple singular."""
    if "[" in text:
        text = _MARKDOWN_IMAGE.sub(r" \1 ", text)
        text = _MARKDOWN_LINK.sub(r" \1 ", text)
    lowered = text.lower()
    if "ies" in lowered:
        lowered = _IES.sub("y", lowered)
    if "s" in lowered:
        lowered = _PLURAL_S.sub("", lowered)
    return tuple(_WORD.findall(lowered))


def _spaced(words: tuple[str, ...]) -> str:
    """Words as one string a phrase can be found in by a substring search (linear time)."""
    return f" {' '.join(words)} "


def _contains(haystack: str, needle: tuple[str, ...]) -> bool:
    """Whether ``needle``'s words stand together, in order, in ``haystack`` (:func:`_spaced`):
    a substring search (linear time; comparing a slice at every position was not)."""
    return _spaced(needle) in haystack


def answer_phrases(answer: str) -> list[tuple[str, tuple[str, ...]]]:
    """What a learner would say, as written and as compared: the answer without its
    parentheses, and each parenthesis on its own ("Calcaneus (heel bone)" -> "Calcaneus",
    "heel bone"); leading articles dropped; phrases of filler words only ("it", "one") left
    out. A picture in an answer is no text."""
    if "!" in answer:
        answer = _MARKDOWN_IMAGE.sub(" ", answer)
    parts = (
        [_PARENTHESES.sub(" ", answer), *_PARENTHESES.findall(answer)]
        if "(" in answer
        else [answer]
    )
    phrases: list[tuple[str, tuple[str, ...]]] = []
    seen: set[tuple[str, ...]] = set()
    for part in parts:
        words = comparable(part)
        start = 0
        while start < len(words) and words[start] in _ARTICLES:
            start += 1
        words = words[start:]
        if words and not _FILLER.issuperset(words) and words not in seen:
            seen.add(words)
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


class DeckTables:
    """What the rules read about the deck as a whole, worked out once per run (never once per
    card): every subject's names, and the media cards may show."""

    def __init__(self, sources: DeckSources, generated_media: Collection[str] = ()) -> None:
        self.sources = sources
        self.config = sources.config
        self.generated_media = generated_media
        """Pictures and charts the run derived: what generated cards may show."""
        self.names = {key: subject_names(subject) for key, subject in sources.subjects.items()}
        """Every subject's names, as :func:`comparable` words, by key."""
        self.good_tags: set[str] = set()
        """Tags already found well-formed."""
        self.references = frozenset(self.config.references if self.config is not None else ())
        """deck.yaml's reference keys (none: sources are text)."""
        declared = self.config.context_cues if self.config is not None else ()
        # flashgen's own cues for the cards it generates belong to every vocabulary.
        generated = (PICTURE_CUE.removesuffix(":"), CHART_CUE.removesuffix(":"))
        self.cues = frozenset([*declared, *generated]) if declared else frozenset()
        """The context cues questions may open with (none: any cue)."""

    def named(self, card: Card) -> list[Subject]:
        """The card's subject and that subject's group."""
        subjects = self.sources.subjects
        subject = subjects.get(card.subject or "")
        if subject is None:
            return []
        group = subjects.get(subject.group or "")
        return [subject, group] if group is not None else [subject]


def _cloze_sides(cloze: str) -> Iterator[tuple[int, str, str, str]]:
    """For each card of a cloze note: its number, its answer, the text its front shows (that
    deletion hidden behind its hint, if any; the other deletions shown), and that text without
    the other deletions (the answer's siblings in a list, not names of it)."""
    matches = clozes(cloze)
    for number in sorted({match.number for match in matches}):
        answer, front, alone, at = [], [], [], 0
        for match in matches:
            front.append(cloze[at : match.start])
            alone.append(cloze[at : match.start])
            at = match.end
            if match.number == number:
                answer.append(match.answer)
                front.append(f" {match.hint or ''} ")
                alone.append(f" {match.hint or ''} ")
            else:
                front.append(match.answer)
                alone.append(" , ")
        front.append(cloze[at:])
        alone.append(cloze[at:])
        yield number, " ".join(answer), "".join(front), "".join(alone)


MAX_ANSWER_PHRASES = 32
"""An answer's phrases compared with its front (each costs a pass over the front); a real
answer has a few, an answer with more is long already (``long-answer``)."""


@dataclass(frozen=True, slots=True)
class Side:
    """One card of a note as the rules compare it: what it asks and what its front shows."""

    label: str
    """How messages name its answer ("the answer", "c2's answer")."""
    answer: str
    phrases: list[tuple[str, tuple[str, ...]]]
    """:func:`answer_phrases` of the answer (at most :data:`MAX_ANSWER_PHRASES`)."""
    shown: tuple[str, ...]
    """The front's words, as compared."""
    alone: tuple[str, ...]
    """The front's words without the other deletions of a cloze (else ``shown``)."""


def sides(card: Card) -> list[Side]:
    """Each card of the note, compared once for every rule that reads it. The front is the
    question alone: the question templates show no other field (the Topic header is on the
    answer side). A cloze over the deletion limit has none (an error already; its sides
    would cost numbers times text)."""
    if card.cloze is not None:
        if max(cloze_numbers(card.cloze), default=0) > MAX_CLOZE_NUMBER:
            return []
        found = []
        for number, answer, front, alone in _cloze_sides(card.cloze):
            shown = comparable(front)
            found.append(
                Side(
                    f"c{number}'s answer",
                    answer,
                    answer_phrases(answer)[:MAX_ANSWER_PHRASES],
                    shown,
                    shown if alone == front else comparable(alone),
                )
            )
        return found
    shown = comparable(card.front or "")
    answer = card.back or ""
    return [Side("the answer", answer, answer_phrases(answer)[:MAX_ANSWER_PHRASES], shown, shown)]


def _give_aways(card: Card, card_sides: list[Side], tables: DeckTables) -> Iterator[str]:
    """Why the card's front gives its answer away, once per card side and reason."""
    named = tables.named(card)
    for side in card_sides:
        shown, shown_words = _spaced(side.shown), frozenset(side.shown)
        without_siblings = shown if side.alone is side.shown else _spaced(side.alone)
        for text, phrase in side.phrases:
            if _contains(shown, phrase):
                yield f"{side.label} '{text}' shows on the front; ask without it"
                break
            if len(phrase) > 1 and shown_words.issuperset(set(phrase) - _FILLER):
                # "of gluteus maximus and medius, which ...?": a choice that holds its answer.
                yield f"every word of {side.label} '{text}' shows on the front; ask without them"
                break
            reason = _names_shown(phrase, named, tables, without_siblings)
            if reason is not None:
                yield f"{side.label} '{text}' {reason}"
                break


def _names_shown(
    phrase: tuple[str, ...], named: list[Subject], tables: DeckTables, shown: str
) -> str | None:
    """When the answer is a name of the card's subject or group and the front shows another
    of its names: why. A question that merely names its subject is fine."""
    for entity in named:
        names = tables.names[entity.key]
        if phrase not in names:
            continue
        for name in names:
            if _contains(shown, name):
                return (
                    f"names {entity.name}, which the front already names; "
                    "use a neutral cue or wording"
                )
    return None


def _card_problems(
    card: Card, media: list[str], card_sides: list[Side], tables: DeckTables
) -> Iterator[Problem]:
    """The rules about one card on its own; ``media`` are the pictures it shows."""
    sources, config = tables.sources, tables.config
    if not SLUG.match(card.id):
        yield _problem(card.at("id"), f"card id '{card.id}' must be {SLUG_RULE}", "id-format")
    for tag in card.tags:
        if tag in tables.good_tags:  # cards share their file's tags: each is checked once
            continue
        if _TAG.match(tag):
            tables.good_tags.add(tag)
        else:
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
        elif 0 in numbers:
            yield _problem(
                card.at("cloze"),
                "cloze has a deletion c0, which Anki shows as text and makes no card for; "
                "number deletions from c1",
                "cloze-syntax",
            )
        elif max(numbers) > MAX_CLOZE_NUMBER:
            yield _problem(
                card.at("cloze"),
                f"cloze number c{max(numbers)} is over c{MAX_CLOZE_NUMBER}: each number makes "
                "a card that shows the whole text; split it into several notes",
                "cloze-syntax",
            )
        elif sorted(set(numbers)) != list(range(1, max(numbers) + 1)):
            missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
            yield _problem(
                card.at("cloze"),
                "cloze numbers skip " + ", ".join(f"c{n}" for n in missing),
                "cloze-numbering",
            )
        inside = cloze_in_link(card.cloze)
        if inside is not None:
            yield _problem(
                card.at("cloze"),
                f"a cloze deletion inside a {inside}'s address, title or alt text: Anki would "
                "write its markup into the attribute; put deletions in the text",
                "cloze-syntax",
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
    available = tables.generated_media if card.generated else sources.media
    for name in media:
        if "/" in name or name not in available:
            remote = " (an address: a card shows only files in media/)" if "//" in name else ""
            yield _problem(
                card.at("picture" if name == card.picture else "id"),
                f"picture '{name}' is not in {sources.shown('media')}/{remote}",
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
    elif (
        not tables.references.issuperset(card.source_keys)
        if tables.references
        else "!" in card.source  # no picture in a source (picture_references needs a "!")
    ):
        yield from unknown_references(card.source, config, card.at("source"))
    if card.back is not None and config is not None:
        # n words take at least 2n - 1 characters: a short answer is never too long.
        count = len(words(card.back)) if len(card.back) > 2 * config.max_answer_words else 0
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
    for reason in _give_aways(card, card_sides, tables):
        yield _problem(card.at(_front_key(card)), reason, "give-away")
    count = len(words(card.extra)) if len(card.extra) > 2 * MAX_EXTRA_WORDS else 0
    if count > MAX_EXTRA_WORDS:
        yield _problem(
            card.at("extra"),
            f"extra has {count} words (at most {MAX_EXTRA_WORDS}); keep one point, or make the "
            "rest a card of its own",
            "long-extra",
        )
    cue = _CONTEXT_CUE.match(card.question)
    if config is not None and config.context_cue and cue is None:
        yield _problem(
            card.at(_front_key(card)),
            "question has no context cue; start it with a topic, e.g. 'Calf: ...'",
            "context-cue",
        )
    if cue is not None and tables.cues:
        word = cue.group().rstrip()[:-1].strip()
        if word not in tables.cues:
            close = difflib.get_close_matches(word, tables.cues, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            yield _problem(
                card.at(_front_key(card)),
                f"context cue '{word}' is not under 'context_cues' in deck.yaml{hint}",
                "unknown-cue",
            )
    for rule_id in card.allow:
        why = unsilenceable(rule_id)
        if why is not None:
            yield _problem(card.at("allow"), f"'allow: {rule_id}' {why}", "unknown-rule")


def unsilenceable(rule_id: str) -> str | None:
    """Why ``allow`` cannot name this rule (it is no rule, or an error); ``None`` if it can."""
    rule = RULES.get(rule_id)
    if rule is None:
        return "is not a rule"
    return "is an error and cannot be silenced" if rule.severity == "error" else None


_NOBODY: frozenset[str] = frozenset()
LEAK_WORDS = 12
"""The longest answer or name (in words) :meth:`CardCraft.leaks` looks for on a front (and
:meth:`CardCraft.extra_leaks` in an extra): a text is read in runs of up to this many words
from each word, so the cost is the text's length times this, never times the longest answer
(a cloze of 5,000 deletions of one number is one answer of 5,000 words: 100 KB of it took
three minutes). Answers are at most ``max_answer_words`` (6) without a warning, names a few
words."""

MAX_COMPARED = 256
"""The most (answer, card) pairs ``extra-leak`` compares one extra with."""

MAX_ASKED = 64
"""The most words of a question ``extra-leak`` compares an extra with (a question is rarely a
quarter of that)."""

MAX_NAMED_ANSWERS = 8
"""Cards per name answer that ``extra-leak`` compares an extra with: a name answered by more
cards is ``same-answer``'s business, and the bound keeps the cost linear in the deck."""
# Words of a question that say nothing of its fact: question words and filler.
_ASKING = _FILLER | frozenset(
    """what which who whose where when why how do doe does did called that this these those be
    been ha has have had was were than then there into about each most more only also not no so
    such but if all any other same while over under after before just""".split()
)


def _as_written(text: str, compared: Collection[str]) -> str:
    """The words of ``text`` whose compared form (:func:`comparable`) is one of ``compared``,
    as the text writes them, once each, in its order."""
    found: dict[str, None] = {}
    for word in words(text):
        if any(part in compared for part in comparable(word)):
            found.setdefault(word, None)
    return ", ".join(found)


def _runs(shown: Sequence[str], longest: int, starts: frozenset[str]) -> Iterator[tuple[str, ...]]:
    """Every run of up to ``longest`` words of ``shown`` that begins with a word of ``starts``
    (the first words of what is looked up: most words of a front begin nothing)."""
    for start, word in enumerate(shown):
        if word in starts:
            for end in range(start + 1, min(start + longest, len(shown)) + 1):
                yield tuple(shown[start:end])


class CardCraft:
    """The rules between live cards (``leak``, ``same-answer``): each card's sides are added
    once (their answers, and each front as one string of its words); then every front is read
    once, in runs of words looked up in tables built once per deck. The cost grows with the
    cards' own text, not with the number of other cards."""

    def __init__(self, tables: DeckTables) -> None:
        self.subjects = tables.sources.subjects
        self.named: dict[tuple[str, ...], set[str]] = {}
        """A name -> the subjects it names."""
        self.things: set[tuple[str, ...]] = set()
        """Names of muscles, groups and structures (not of terms)."""
        for key, subject in self.subjects.items():
            for name in tables.names[key]:
                self.named.setdefault(name, set()).add(key)
                if subject.kind != "term":
                    self.things.add(name)
        self.own_names = {key: frozenset(names) for key, names in tables.names.items()}
        self.answers: dict[tuple[str, tuple[str, ...]], list[Card]] = {}
        """(subject key, answer phrase) -> the first cards on that subject with that answer."""
        self.fronts: list[tuple[Card, tuple[tuple[str, ...], ...], str]] = []
        """Each side's card, answer phrases and front words (one string): kept only in a deck
        with subjects, since no front can leak an answer that is on no subject."""
        self.first: dict[tuple[str, tuple[str, ...]], Card] = {}
        self.keyed: list[tuple[Card, list[tuple[str, tuple[str, ...]]]]] = []
        self.name_words = frozenset(word for name in self.named for word in name)
        """Every word of a subject's name."""
        self.named_answers: dict[tuple[str, ...], list[Card]] = {}
        """A name -> the first cards whose answer it is (at most :data:`MAX_NAMED_ANSWERS`)."""
        self.asks: dict[int, frozenset[str]] = {}
        """Each card (by ``id``) -> the words of its question, without its cue or filler."""
        self.said: dict[tuple[str, ...], str] = {}
        """An answer phrase -> how a card first wrote it."""
        self.extras: list[tuple[Card, frozenset[tuple[str, ...]], tuple[str, ...]]] = []
        """Each card with an extra: its own answer phrases and the extra's words."""

    def add(self, card: Card, card_sides: list[Side]) -> None:
        if not self.subjects:
            return
        on_subject = card.subject is not None and card.subject in self.subjects
        keys = []
        cue = _CONTEXT_CUE.match(card.question)
        skip = len(comparable(cue.group())) if cue else 0
        asks: dict[str, None] = {}
        mine: set[tuple[str, ...]] = set()
        for side in card_sides:
            phrases = [phrase for _, phrase in side.phrases]
            for word in side.shown[skip:]:
                if len(asks) < MAX_ASKED and word not in _ASKING:
                    asks.setdefault(word, None)
            mine.update(phrases)
            for text, phrase in side.phrases:
                self.said.setdefault(phrase, text)
            if phrases and phrases[0] in self.things and not card.is_cloze:
                # A list's deletion is a member's name, which extras mention all the time.
                found = self.named_answers.setdefault(phrases[0], [])
                if len(found) < MAX_NAMED_ANSWERS and all(c is not card for c in found):
                    found.append(card)
            self.fronts.append((card, tuple(phrases), " ".join(side.shown)))
            if not on_subject:
                continue
            subject = card.subject or ""
            for index, phrase in enumerate(phrases):
                if phrase in self.things or (index and len(phrase) < 2):
                    continue  # a name, or a one-word aside such as "Terminal (late) swing"
                found = self.answers.setdefault((subject, phrase), [])
                if len(found) < 2:  # one other card per answer is enough; the rest is noise
                    found.append(card)
            if phrases and phrases[0] not in self.own_names[subject]:
                keys.append((subject, phrases[0]))
        if keys:
            for key in keys:
                self.first.setdefault(key, card)
            self.keyed.append((card, keys))
        self.asks[id(card)] = frozenset(asks)
        if card.extra:
            self.extras.append((card, frozenset(mine), comparable(card.extra)))

    def _lookup(self, indexed: set[tuple[str, ...]]) -> tuple[int, frozenset[str]]:
        """How many words a run may have, and the words a run may start with, to find these
        answers and the subjects' names in a text (names longer than :data:`LEAK_WORDS`
        words are not looked for)."""
        phrases = [*(name for name in self.named if len(name) <= LEAK_WORDS), *indexed]
        return max(map(len, phrases), default=0), frozenset(phrase[0] for phrase in phrases)

    def leaks(self) -> Iterator[tuple[Card, Problem]]:
        """``leak``: a live card's front shows another live card's answer together with that
        card's subject (named on the front, or the front card's own subject): the front states
        the fact the other card asks. Answers that name a muscle, group or structure are left
        out (a front naming a muscle is no leak of the cards that ask for it; a term's name,
        such as a phase, is a fact like any other), and a one-word answer counts only on the
        front card's own subject ("swing" next to "hip" is rarely the hip's fact)."""
        indexed = {phrase for _, phrase in self.answers if len(phrase) <= LEAK_WORDS}
        if not indexed:
            return
        reach, starts = self._lookup(indexed)
        reported: set[tuple[str, str]] = set()
        for card, mine, shown in self.fronts:
            own = (
                {card.subject}
                if card.subject is not None and card.subject in self.subjects
                else set()
            )
            about, shown_answers = set(own), []
            for run in _runs(shown.split(), reach, starts):
                about |= self.named.get(run, _NOBODY)
                if run in indexed and run not in mine:  # its own answer is give-away's business
                    shown_answers.append(run)
            for phrase in shown_answers:
                for key in about if len(phrase) > 1 else own:
                    if key in self.named.get(phrase, ()):
                        continue  # the front names the term that card asks for: no fact told
                    for other in self.answers.get((key, phrase), ()):
                        if other is card or (card.id, other.id) in reported:
                            continue
                        reported.add((card.id, other.id))
                        yield (
                            card,
                            _problem(
                                card.at(_front_key(card)),
                                f"the front shows '{' '.join(phrase)}' with "
                                f"{self.subjects[key].name}: the answer of card '{other.id}' at "
                                f"{other.where}; ask without it",
                                "leak",
                            ),
                        )

    def extra_leaks(self) -> Iterator[tuple[Card, Problem]]:
        """``extra-leak``: a live card's extra tells another live card's fact: it shows that
        card's answer together with words of that card's question. Read as ``leaks`` reads a
        front (an answer on the card's own subject or on one the extra names), with these
        differences, each measured on the shipped deck before and after blind review 4's fixes:
        an answer of one word never counts ("talus", "dorsiflexion": extras mention such words
        far more often than they tell them); the extra must share a word with the other card's
        question that its own question lacks (besides cues and filler: a card's own framing is
        its context, not another card's fact); and an answer that is a name (not of a cloze's
        list) counts too, with two such words besides names ("the quadriceps lead braking early
        in stance" tells; a muscle merely mentioned does not). Each extra is compared at most
        :data:`MAX_COMPARED` times, each time with at most :data:`MAX_ASKED` words of the other
        question: the cost grows with the extra's own text."""
        indexed = {phrase for _, phrase in self.answers if 1 < len(phrase) <= LEAK_WORDS}
        if not indexed and not self.named_answers:
            return
        reach, starts = self._lookup(indexed)
        for card, mine, shown in self.extras:
            own = card.subject if card.subject is not None and card.subject in self.subjects else ""
            about = {own} if own else set()
            found: dict[tuple[str, ...], None] = {}
            for run in _runs(shown, reach, starts):
                about |= self.named.get(run, _NOBODY)
                if run not in mine and (run in indexed or run in self.named_answers):
                    found.setdefault(run, None)
            if not found:
                continue
            # Words of the card's own question are its context, not the other card's fact.
            told = frozenset(shown).difference(self.asks.get(id(card), _NOBODY))
            reported, budget = {card.id}, MAX_COMPARED
            for phrase in found:
                named = phrase in self.named_answers
                if named:
                    candidates: Iterable[Card] = self.named_answers[phrase]
                else:
                    candidates = (
                        other
                        for key in about
                        if key not in self.named.get(phrase, ())
                        for other in self.answers.get((key, phrase), ())
                    )
                for other in candidates:
                    budget -= 1
                    if budget < 0:
                        break
                    if other.id in reported:
                        continue
                    common = (self.asks.get(id(other), _NOBODY) & told).difference(phrase)
                    if named:
                        common -= self.name_words
                    if len(common) < (2 if named else 1):
                        continue
                    reported.add(other.id)
                    yield (
                        card,
                        _problem(
                            card.at("extra"),
                            f"the extra tells the answer of card '{other.id}' at {other.where}: "
                            f"'{self.said.get(phrase, ' '.join(phrase))}', with words of its "
                            f"question ({_as_written(other.question, common)}); cut it, or say it "
                            "without the answer",
                            "extra-leak",
                        ),
                    )
                if budget < 0:
                    break

    def same_answers(self) -> Iterator[tuple[Card, Problem]]:
        """``same-answer``: two live cards with one answer (its words, as compared, without
        parentheses) on one subject, or on a group and a member of it: likely one fact asked
        twice. A cloze's deletions count as answers. An answer that names the card's own
        subject (a muscle asked for by its place, then by its action) is no repeat, and a
        member's name answering both a group's list card and a card of its own is none either.
        Reported on the later card."""
        for card, keys in self.keyed:
            group = self.subjects[card.subject or ""].group
            for subject, phrase in keys:
                other: Card | None = self.first[subject, phrase]  # the earliest on the subject
                if other is card and group is not None and phrase not in self.named:
                    other = self.first.get((group, phrase))  # a card on its group
                if other is not None and other is not card:
                    yield (
                        card,
                        _problem(
                            card.at("cloze" if card.is_cloze else "back"),
                            f"same answer and subject as card '{other.id}' at {other.where}: "
                            "merge them, or ask each for a different fact",
                            "same-answer",
                        ),
                    )
                    break


def unused_references(
    cards: Iterable[Card], config: DeckConfig | None, data: StrideData | None = None
) -> Iterator[Problem]:
    """``unused-reference``: a reference in deck.yaml that no card cites. A retired card's
    citations count (its note still ships, with its source, to learners who have it), and so do
    the stride data's (the charts and their card are drawn from it)."""
    if config is None or not config.references:
        return
    cited = {key for card in cards for key in card.source_keys}
    if data is not None:
        texts = [speed.source for speed in data.speeds.values()]
        texts.extend(span.source for muscle in data.muscles.values() for span in muscle.spans)
        cited.update(key for text in texts for key in source_keys(text))
    for key in config.references:
        if key not in cited:
            yield _problem(
                config.reference_places.get(key, config.where),
                f"reference '{key}' is cited by no card; cite it or remove it",
                "unused-reference",
            )


def unknown_deck_allows(config: DeckConfig | None) -> Iterator[Problem]:
    """``unknown-rule`` for deck.yaml's ``allow``: a rule that does not exist or is an error."""
    if config is None:
        return
    for rule_id in config.allow:
        why = unsilenceable(rule_id)
        if why is not None:
            yield _problem(config.where, f"'allow: {rule_id}' in deck.yaml {why}", "unknown-rule")


def _front_key(card: Card) -> str:
    return "cloze" if card.is_cloze else "front"


def check_cards(
    cards: Sequence[Card],
    guids: Sequence[str],
    sources: DeckSources,
    generated_media: Collection[str] = (),
    stride: StrideData | None = None,
) -> list[Problem]:
    """Every rule over every card, written or generated alike (their shape was checked while
    loading): each card on its own, then the deck as a whole: ids, guids, questions, answers
    and media shared between cards, and the references they cite (``stride``, the stride data,
    cites some too). ``guids`` are the cards' note guids, in the same order (each empty when
    the deck has no key). A card's ``allow`` silences its warnings, deck.yaml's the deck's own."""
    tables = DeckTables(sources, generated_media)
    craft = CardCraft(tables)
    owned: list[tuple[Card, Problem]] = []
    # One table finds both duplicate ids and guid clashes: a card's guid hashes its id, so a
    # card with the guid of an earlier one has its id, unless 64 bits of SHA-256 collide (which
    # only crafted ids would do: then one note would overwrite the other in Anki). Keyed by
    # guid, the deck's own strings; by id when the deck has no key (its guids are empty).
    first_of: dict[str, Card] = {}
    clashing: dict[str, Card] = {}
    """Id -> its first card, for ids whose guid an earlier id has (only after a collision)."""
    seen_questions: dict[int, Card] = {}
    used: set[str] = set()
    clashes: list[Problem] = []
    for card, guid in zip(cards, guids, strict=True):
        media = media_references(card)
        used.update(media)
        # Nobody new studies a retired card: what only lint reads of it is not worked out.
        card_sides = [] if card.retired else sides(card)
        owned.extend((card, problem) for problem in _card_problems(card, media, card_sides, tables))
        if card_sides:
            craft.add(card, card_sides)
        first = first_of.setdefault(guid or card.id, card)
        if first.id != card.id:
            clashes.append(
                _problem(
                    card.at("id"),
                    f"card '{card.id}' would get the note guid of card '{first.id}' at "
                    f"{first.at('id')}: one would overwrite the other in Anki",
                    "duplicate-guid",
                )
            )
            first = clashing.setdefault(card.id, card)  # the first card with this id
        if first is not card:
            owned.append(
                (
                    card,
                    _problem(
                        card.at("id"),
                        f"duplicate card id '{card.id}' (also at {first.at('id')})",
                        "duplicate-id",
                    ),
                )
            )
        # A retired card is studied by no new learner: its replacement may ask the same.
        question = "" if card.retired else normalise(card.question)
        # Keyed by the question's hash, not the question: a large deck's questions would all
        # be held twice; a hash collision is told apart by comparing the two questions.
        earlier = seen_questions.setdefault(hash(question), card)
        if earlier is not card and question and normalise(earlier.question) == question:
            owned.append(
                (
                    card,
                    _problem(
                        card.at(_front_key(card)),
                        f"question duplicates card '{earlier.id}' at {earlier.where}",
                        "duplicate-question",
                    ),
                )
            )
    owned.extend(craft.leaks())
    owned.extend(craft.extra_leaks())
    owned.extend(craft.same_answers())
    # Lint is about what learners study; errors hold for retired cards too.
    found = [
        problem
        for card, problem in owned
        if problem.severity == "error" or not (card.retired or problem.rule in card.allow)
    ]
    found.extend(clashes)
    config = sources.config
    deck_wide = [
        _problem(
            Where(sources.shown(f"media/{name}")),
            f"media file '{name}' is not used by any card",
            "unused-media",
        )
        for name in sorted(set(sources.media) - used)
    ]
    deck_wide.extend(unused_references(cards, config, stride))
    deck_allow = config.allow if config is not None else {}
    found.extend(problem for problem in deck_wide if problem.rule not in deck_allow)
    found.extend(unknown_deck_allows(config))
    return found


def summary(problems: Iterable[Problem]) -> str:
    problems = list(problems)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if not problems:
        return "no problems"
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
