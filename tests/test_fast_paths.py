"""Every shortcut taken for speed gives exactly what the general code it stands in for gives."""

from __future__ import annotations

import datetime
import hashlib
import json
import re

import genanki
import yaml
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from flashgen.check import comparable
from flashgen.ids import note_guid
from flashgen.lock import (
    MAX_MOD,
    Lock,
    LockedCard,
    LockedCards,
    content_hash,
    json_strings,
    read_lock,
)
from flashgen.sources import SLUG, DeckConfig
from flashgen.yamlsource import _scalar_value, parse

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=500, deadline=1000)
@given(key=_TEXT.filter(lambda k: "__" not in k), card_id=_TEXT)
@example(key="flashgen-leg-muscles-in-running", card_id="soleus-depth")
def test_note_guids_are_genankis(key, card_id):
    config = DeckConfig(name="Deck", deck_id=5, key=key)
    assert note_guid(config, card_id) == genanki.guid_for(key, card_id)


def _singular(word: str) -> str:
    """The rule as first written, word by word."""
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


_WORDY = st.text(alphabet=st.sampled_from("aeiousy_ -.,'ÉéİßΣς1"), max_size=40)


@settings(max_examples=2000, deadline=1000)
@given(_WORDY | _TEXT)
@example("flies buses kiss ties is us gas plus ies series_ies Σs")
def test_comparable_singulars_words_as_the_word_by_word_rule_does(text):
    expected = tuple(_singular(w) for w in re.findall(r"[^\W_]+", text.lower()))
    assert comparable(text) == expected


_PLAIN_WORDS = [
    "", "~", "y", "yes", "Yes", "YES", "yEs", "no", "n", "on", "On", "oN", "off", "OFF", "true",
    "True", "tRue", "false", "null", "Null", "nULL", "nulls", "tags", "front", "o", "12", "1.5",
    "-3", "+2", ".5", "0x1F", "0o17", "1_000", "0b101", "12:30:00", "2020-01-01", ".inf",
    "-.Inf", ".nan", "~x", "Knee 3", "Yesterday",
]  # fmt: skip


def _as_pyyaml(word: str) -> object:
    value = yaml.load(f"a: {word}\n", Loader=yaml.SafeLoader)["a"]
    return word if isinstance(value, datetime.date) else value  # dates stay text here


@settings(max_examples=400, deadline=1000)
@given(
    st.sampled_from(_PLAIN_WORDS)
    | st.from_regex(r"\A[A-Za-z0-9~+.\-][A-Za-z0-9 ._:+\-]{0,12}\Z", fullmatch=True).filter(
        lambda w: w == w.strip() and ": " not in w and not w.endswith(":") and " #" not in w
    )
)
def test_plain_scalars_read_as_pyyamls_safe_loader_reads_them(word):
    try:
        expected = _as_pyyaml(word)
    except yaml.YAMLError:
        assume(False)  # not a plain scalar ("-", "? x"): YAML syntax, not a value
    got = _scalar_value(word)
    assert type(got) is type(expected)
    assert got == expected or (got != got and expected != expected)  # NaN
    node = parse(f"a: {word}\n", "x.yaml")
    assert node.items["a"].value == got or got != got


_FIELD = st.text(max_size=40)


@settings(max_examples=500, deadline=1000)
@given(
    fields=st.lists(_FIELD, max_size=7),
    tags=st.lists(_FIELD, max_size=4),
    notetype=st.integers(0, 2**63 - 1),
    deck=_FIELD,
)
def test_content_hashes_are_those_of_json_dumps(fields, tags, notetype, deck):
    """The lock's hashes stay what they were: the same payload json.dumps wrote."""
    payload = json.dumps([fields, sorted(tags), notetype, deck], ensure_ascii=False)
    expected = hashlib.sha256(payload.encode()).hexdigest()[:24]
    assert content_hash(fields, tags, notetype, deck) == expected
    assert json_strings(fields) == json.dumps(fields, ensure_ascii=False)


_HEXISH = st.text(alphabet="0123456789abcdefABCDEF g", min_size=22, max_size=26)
_ENTRIES = st.builds(
    LockedCard,
    guid=_TEXT | st.text(alphabet=st.sampled_from(genanki.util.BASE91_TABLE), max_size=11),
    deck=_TEXT,
    notetype=st.integers(min_value=0, max_value=(1 << 63) - 1),
    hash=_HEXISH | _TEXT,
    mod=st.integers(min_value=0, max_value=MAX_MOD),
    retired=st.booleans(),
)


@settings(max_examples=500, deadline=1000)
@given(st.dictionaries(_TEXT, _ENTRIES, max_size=8))
@example({"soleus-depth": LockedCard("b{8L!w,J`X", "Legs", 1, "0123456789abcdef01234567", 5)})
def test_lock_entries_read_back_as_they_were_kept(entries):
    """The lock's packed entries (any text where a build writes a guid or a hash, since a
    lock file may hold anything) are the entries given, in either lock an unchanged build
    copies them between, and the lock file renders as it would from the entries themselves."""
    cards = LockedCards(entries)
    assert dict(cards.items()) == entries and list(cards.sorted_items()) == sorted(entries.items())
    kept, copied = LockedCards(like=cards), LockedCards()
    for card_id in entries:
        kept.keep(card_id, cards)
        copied.keep(card_id, cards)
    assert dict(kept.items()) == dict(copied.items()) == entries


_IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12).filter(
    lambda card_id: SLUG.match(card_id) is not None
)


@settings(max_examples=200, deadline=1000)
@given(st.dictionaries(_IDS, _ENTRIES, max_size=8))
def test_a_lock_file_reads_back_as_it_was_written(tmp_path_factory, entries):
    """Read from its file, packed as it is parsed, a lock has the entries it was written with
    and renders the same bytes."""
    written = Lock(cards=LockedCards(entries))
    path = tmp_path_factory.mktemp("lock") / "deck.lock"
    path.write_text(written.render(), encoding="utf-8")
    read = read_lock(path, "deck.lock")
    assert dict(read.cards.items()) == entries
    assert read.render() == written.render() and read.digest() == read.file_digest
