"""The keys each source file accepts, with their types and meanings: one table for all.

The loader (:mod:`flashgen.sources`) accepts exactly these keys and reads each value as its
:class:`ValueType` says; :mod:`flashgen.schema` turns the same table into the JSON Schemas
editors use. A new key goes here first, then into the reader that turns it into a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ValueType = Literal[
    "text",
    "optional-text",
    "integer",
    "boolean",
    "words",
    "text-map",
    "choice",
    "subjects",
    "cards",
]
"""How the loader reads a value:

- ``text``: a non-empty string (a number is read as its text);
- ``optional-text``: the same, but it may be empty or left out (``extra: ``);
- ``integer``: a whole number; ``boolean``: true or false;
- ``words``: a list of non-empty words, or a single word taken as a list of one;
- ``text-map``: a mapping of names to non-empty text;
- ``choice``: one word of the key's :attr:`Key.choices`;
- ``subjects`` / ``cards``: a list of subject / card mappings (:data:`SUBJECT`, :data:`CARD`).
"""


@dataclass(frozen=True, slots=True)
class Key:
    """One key a source file (or an entry in it) may have."""

    name: str
    type: ValueType
    description: str
    """One line, shown by editors when the key is hovered or completed."""
    required: bool = False
    choices: tuple[str, ...] = ()
    """The words a ``choice`` value may be."""


SUBJECT_KINDS: dict[str, str] = {
    "muscle": "a muscle (or a muscle learned as one, such as the vasti)",
    "group": "a group of subjects, each naming it in 'group' (the calf muscles)",
    "tendon": "a tendon, or a ligament built like one (Achilles tendon, patellar tendon)",
    "fascia": "a sheet or band of fascia (iliotibial band, plantar fascia)",
    "bone": "a bone or a shape made of bones (the foot arch)",
    "joint": "a joint: where bones meet (knee joint)",
    "region": "a part of the body holding joints and groups (hip; ankle and foot)",
    "term": "a word or idea, not a part of the body (stance phase)",
}
"""What a subject may be (``kind`` in ``subjects.yaml``): rules and pictures read it."""


DECK = (
    Key("name", "text", "Anki deck name; '::' makes subdecks (Anki matches decks by name).",
        required=True),
    Key("id", "integer", "Anki deck id, fixed forever: random, from 2 to 2^63-1.", required=True),
    Key("key", "text", "Hashed with each card id into the note's guid: fixed forever.",
        required=True),
    Key("description", "optional-text", "Shown on the deck's overview screen in Anki (Markdown)."),
    Key("context_cue", "boolean", "Every question must open with a topic cue such as 'Calf: '."),
    Key("context_cues", "words", "The cues questions may open with (e.g. Calf, Shin); any other "
        "cue is a warning."),
    Key("max_answer_words", "integer", "Answers longer than this are a warning (default 8)."),
    Key("aspects", "text-map", "What a card can teach about a subject: aspect key -> meaning."),
    Key("required_aspects", "words", "Aspects every subject named in the sources needs cards for."),
    Key("references", "text-map", "Citations by key; a card's 'source' then lists these keys."),
    Key("allow", "text-map", "Silence lint warnings about the deck as a whole (such as "
        "unused-reference): rule-id: reason."),
)  # fmt: skip
"""``deck.yaml``."""

SUBJECT = (
    Key("key", "text", "The subject's key: cards name it in 'subject', pictures in "
        "'data-subjects'.", required=True),
    Key("name", "text", "The subject's name as learners read it.", required=True),
    Key("kind", "choice", "What it is: muscle (default), group, tendon, fascia, bone, joint, "
        "region or term.", choices=tuple(SUBJECT_KINDS)),
    Key("group", "text", "Key of the group subject this one belongs to."),
    Key("aliases", "words", "Other names learners may meet."),
    Key("named_in_source", "boolean", "The source material names it: coverage must be complete."),
    Key("aspects", "words", "The aspects this subject needs cards for (overrides the deck's)."),
    Key("view", "text", "The diagram its picture is drawn from (its file name in diagrams/ "
        "without .svg), instead of the view flashgen would choose."),
)  # fmt: skip
"""One entry of ``subjects.yaml``'s ``subjects`` list."""

SUBJECTS_FILE = (
    Key("subjects", "subjects", "What the deck teaches: muscles, groups, tissues, joints, terms.",
        required=True),
)  # fmt: skip
"""``subjects.yaml``."""

CARD = (
    Key("id", "text", "Unique lowercase slug, fixed forever: it makes the note's guid; never "
        "reuse one.", required=True),
    Key("front", "text", "The question of a basic card (Markdown); needs 'back'."),
    Key("back", "text", "The answer of a basic card: short; explanations go in 'extra'."),
    Key("cloze", "text", "A cloze card instead of front/back: hide parts as {{c1::answer}}."),
    Key("extra", "optional-text", "Shown after the answer (Markdown)."),
    Key("source", "optional-text", "Where the fact comes from (or reference keys from deck.yaml)."),
    Key("tags", "words", "Anki tags, hierarchical with '::', no spaces."),
    Key("subject", "text", "Key of the subject (subjects.yaml) the card teaches about."),
    Key("aspect", "words", "What the card teaches about its subject: one aspect or a list."),
    Key("picture", "text", "A file in media/ shown after the answer."),
    Key("subdeck", "text", "Put the card in this subdeck of the deck ('::' nests further)."),
    Key("allow", "text-map", "Silence lint warnings on this card: rule-id: reason."),
    Key("retired", "text", "Why the card was retired; it still builds, tagged 'retired'."),
)  # fmt: skip
"""One entry of a card file's ``cards`` list."""

CARD_FILE = (
    Key("cards", "cards", "The file's cards.", required=True),
    Key("tags", "words", "Tags added to every card in the file."),
    Key("subject", "text", "Default subject for the file's cards."),
    Key("subdeck", "text", "Default subdeck for the file's cards."),
)  # fmt: skip
"""Any other ``*.yaml`` file in the cards directory."""


def names(keys: tuple[Key, ...]) -> tuple[str, ...]:
    """The key names, in the table's order."""
    return tuple(key.name for key in keys)
