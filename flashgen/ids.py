"""Ids Anki stores, all derived from the sources: never random, never time-based."""

from __future__ import annotations

import hashlib

import genanki
import genanki.util

from flashgen.notetypes import BASIC_ID, CLOZE_ID
from flashgen.sources import Card, DeckConfig

# genanki's digits for a guid: Anki's own base-91 alphabet.
_BASE91 = "".join(genanki.util.BASE91_TABLE)


def note_guid(config: DeckConfig, card_id: str) -> str:
    """The note's identity in Anki: the deck's own key and the card id, nothing else.

    Exactly ``genanki.guid_for(config.key, card_id)`` (a test holds them equal), computed
    without its digit-by-digit loop over a list: every card of a large deck needs one."""
    digest = hashlib.sha256(f"{config.key}__{card_id}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    digits = []
    while number:
        number, digit = divmod(number, 91)
        digits.append(_BASE91[digit])
    return "".join(reversed(digits))


_GUID_DIGITS = {char: value for value, char in enumerate(_BASE91)}


def is_note_guid(text: str) -> bool:
    """Whether ``text`` is what :func:`note_guid` makes: genanki's base-91 digits of a 64-bit
    number, without a leading zero digit ('a')."""
    if not 1 <= len(text) <= 10 or text[0] == _BASE91[0]:
        return False
    value = 0
    for char in text:
        digit = _GUID_DIGITS.get(char)
        if digit is None:
            return False
        value = value * len(_BASE91) + digit
    return value < 1 << 64


def deck_name(config: DeckConfig, card: Card) -> str:
    return f"{config.name}::{card.subdeck}" if card.subdeck else config.name


def deck_id(config: DeckConfig, full_name: str) -> int:
    """Subdeck ids derive from the deck id and their name, so they never change."""
    if full_name == config.name:
        return config.deck_id
    digest = hashlib.sha256(f"{config.deck_id}:{full_name}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def notetype_id(card: Card) -> int:
    return CLOZE_ID if card.is_cloze else BASIC_ID
