"""Anki stops updating notes of a notetype whose field or template names change.

These names are pinned to the ids: changing a list means a new notetype id *and* name, which
this test forces you to think about (and a later section of the README explains).
"""

from __future__ import annotations

import re

from flashgen.notetypes import notetypes

PINNED = {
    1251877058: (
        "flashgen Basic",
        ["Front", "Back", "Extra", "Picture", "Source", "Topic", "Card ID"],
        ["Card 1"],
    ),
    1750401658: (
        "flashgen Cloze",
        ["Text", "Extra", "Picture", "Source", "Topic", "Card ID"],
        ["Cloze"],
    ),
}


def test_notetype_field_and_template_names_are_pinned_to_their_ids():
    types = notetypes()
    for model in (types.basic, types.cloze):
        name, fields, templates = PINNED[model.model_id]
        assert model.name == name
        assert [f["name"] for f in model.fields] == fields
        assert [t["name"] for t in model.templates] == templates


def test_templates_carry_no_javascript():
    types = notetypes()
    for model in (types.basic, types.cloze):
        for template in model.templates:
            for side in ("qfmt", "afmt"):
                assert "<script" not in template[side].lower()


def test_the_question_side_shows_the_question_alone():
    """check's give-away rule reads a card's front as its question alone: no other field (the
    Topic header is on the answer side) may join the question templates."""
    types = notetypes()
    for model, question in ((types.basic, "{{Front}}"), (types.cloze, "{{cloze:Text}}")):
        qfmt = model.templates[0]["qfmt"]
        assert re.findall(r"\{\{[^}]*\}\}", qfmt) == [question]
