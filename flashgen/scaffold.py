"""``flashgen init``: a new deck of one's own, with ids nobody else has.

The new deck is complete or absent: every file is written into a private folder first, checked
as ``flashgen check --strict`` would, and only then moved into place; an existing file is never
overwritten, and a deck already there is refused before anything is written.
"""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flashgen.lock import LOCK_FILE, RELEASE_FILE
from flashgen.problems import ANY_CONTROL, FlashgenError, SourcesError, shown_safely
from flashgen.schema import KINDS, SCHEMA_DIR, Kind, file_name, render
from flashgen.sources import DECK_FILE, STRIDE_FILE, SUBJECTS_FILE, malformed_deck_name

CARDS_DIR = "cards"
EXAMPLE_FILE = "example.yaml"


class DeckExists(FlashgenError):
    """A file ``flashgen init`` would write is already there."""


@dataclass(frozen=True, slots=True)
class NewDeck:
    """What ``flashgen init`` wrote."""

    root: Path
    """The deck's folder (its repository, say): README.md, .gitignore and the cards folder."""
    name: str
    deck_id: int
    key: str
    files: tuple[str, ...]
    """The files written, relative to ``root``, in order."""


def fresh_ids(name: str) -> tuple[int, str]:
    """A random deck id and key for a new deck.

    The id is drawn from [2^30, 2^31) as genanki advises (Anki keeps deck ids in a signed 64-bit
    field; small ones are its own). The key carries 64 random bits, so no two decks share one:
    notes of decks with the same key and card id would be one note to Anki.
    """
    from flashgen.build import slug

    deck_id = random.SystemRandom().randrange(1 << 30, 1 << 31)
    return deck_id, f"{slug(name)}-{secrets.token_hex(8)}"


def default_name(directory: Path) -> str:
    """A deck name from a folder name: ``my-deck`` -> ``My deck``."""
    words = re.sub(r"[-_.\s]+", " ", directory.resolve().name).strip()
    return (words[:1].upper() + words[1:]) if words else "My deck"


def _check_name(name: str) -> None:
    if not name.strip():
        raise FlashgenError("the deck name is empty")
    if ANY_CONTROL.search(name):
        raise FlashgenError("the deck name holds a control character (a line break, a tab, …)")
    if malformed_deck_name(name):
        raise FlashgenError(
            f"deck name '{name}' is malformed: '::' separates subdecks, each part needs a name"
        )


def _modeline(kind: Kind) -> str:
    """The first line of a file: which schema editors check it against (relative to it)."""
    return f"# yaml-language-server: $schema={SCHEMA_DIR}/{file_name(kind)}\n"


def _deck_yaml(name: str, deck_id: int, key: str) -> str:
    return f"""{_modeline("deck")}\
# The deck. Check it with `flashgen check`, build it with `flashgen build`.

# The deck's name in Anki ("::" makes subdecks). Anki finds a deck by its name, so once the deck
# is released, keep the name: `flashgen build` refuses to move released cards to another deck.
name: {json.dumps(name, ensure_ascii=False)}
description: Made with flashgen.

# `id` and `key` were drawn at random for this deck alone by `flashgen init`. KEEP BOTH FOREVER,
# and never copy them into another deck:
# - id: Anki's number for this deck; every release must carry the same one.
# - key: hashed with each card's id into the note's id in Anki (its guid). That is how Anki
#   knows an updated card is the same note, with the learner's reviews. A changed key makes
#   every card a new note: learners get duplicates, and their reviews stay on the old ones.
id: {deck_id}
key: {key}

# Every question opens with a topic cue such as "Card writing: " (a warning otherwise).
context_cue: true
# Answers longer than this many words are a warning: move explanations to `extra`.
max_answer_words: 8
"""


_SOURCE = "Wozniak, *Effective learning: Twenty rules of formulating knowledge* (1999), rule"


def _example_yaml(with_subjects: bool) -> str:
    def subject(key: str) -> str:
        return f"    subject: {key}\n" if with_subjects else ""

    return f"""{_modeline("cards")}\
# A card file: every *.yaml in this folder holds cards, but {DECK_FILE}, {SUBJECTS_FILE} and
# {STRIDE_FILE} (when there is one: muscle activity data for stride charts).
# Replace these examples with your own. A card's id is fixed once released: it is how Anki
# knows the card again. Edit a card's text freely; never reuse an id for another card.
tags: [card-writing]                  # added to every card in this file
cards:
  # A basic card: a question (front) and a short answer (back).
  - id: minimum-information
    front: "Card writing: which principle says each card should ask for as little as possible?"
    back: The minimum information principle
    extra: Simple cards are quicker to learn, and to review.   # shown after the answer
    source: "{_SOURCE} 4"
{subject("minimum-information")}\
  # A cloze card: each {{{{c1::...}}}} is hidden in turn and you recall it.
  - id: cloze-deletion
    cloze: "Card writing: {{{{c1::cloze deletion}}}} hides a part of a sentence for you to recall."
    source: "{_SOURCE} 5"
{subject("cloze-deletion")}\
"""


def _subjects_yaml() -> str:
    return f"""{_modeline("subjects")}\
# What the deck teaches. A card names its subject with `subject: <key>`;
# `flashgen coverage` shows which subjects have cards.
subjects:
  - key: card-writing
    name: Card writing
    kind: group
  - key: minimum-information
    name: Minimum information principle
    kind: term
    group: card-writing
  - key: cloze-deletion
    name: Cloze deletion
    kind: term
    group: card-writing
"""


def _readme(name: str) -> str:
    from flashgen.build import default_output
    from flashgen.sources import DeckConfig

    apkg = default_output(DeckConfig(name=name, deck_id=0, key="")).as_posix()
    return f"""# {name}

An Anki deck, written as YAML in `{CARDS_DIR}/` and built with flashgen:

```console
$ flashgen check
$ flashgen changes
$ flashgen build
```

`flashgen check` lists every problem in the cards, with file and line. `flashgen changes` shows
what the next build would release (new, changed, retired and forgotten cards, the old text of
each changed field beside the new; `--format markdown` for a pull request). `flashgen build`
writes `{apkg}` (import it into Anki, AnkiDroid or AnkiMobile) and updates
`{CARDS_DIR}/{LOCK_FILE}` and `{CARDS_DIR}/{RELEASE_FILE}`: commit both with each release, so the
next build updates learners' cards in place and keeps their reviews, and `flashgen changes` can
show the old text. The deck's `id` and `key` in
`{CARDS_DIR}/{DECK_FILE}` are fixed forever.

Editors with the YAML language server (VS Code's YAML extension, Neovim, Helix, …) complete
keys and flag mistakes as you type, from the schemas in `{CARDS_DIR}/{SCHEMA_DIR}/` that each
file names in its first line. After upgrading flashgen, refresh them with
`flashgen schema -o {CARDS_DIR}/{SCHEMA_DIR}`.
"""


def deck_files(name: str, deck_id: int, key: str, *, with_subjects: bool) -> dict[str, str]:
    """Every file of a new deck: relative path -> text."""
    files = {
        "README.md": _readme(name),
        ".gitignore": "build/\n",
        f"{CARDS_DIR}/{DECK_FILE}": _deck_yaml(name, deck_id, key),
        f"{CARDS_DIR}/{EXAMPLE_FILE}": _example_yaml(with_subjects),
    }
    if with_subjects:
        files[f"{CARDS_DIR}/{SUBJECTS_FILE}"] = _subjects_yaml()
    for kind in KINDS:
        files[f"{CARDS_DIR}/{SCHEMA_DIR}/{file_name(kind)}"] = render(kind)
    return files


def _refuse_existing(root: Path, relative: list[str]) -> None:
    """Raise before anything is written if the deck, or any file to write, is already there."""
    if root.exists() and not root.is_dir():
        raise FlashgenError(f"{root} exists and is not a folder")
    for inside in (root / DECK_FILE, root / LOCK_FILE):
        if inside.exists():
            raise DeckExists(
                f"{inside} already exists: {root} holds a deck's cards, and flashgen init DIR "
                "writes a new deck into DIR/cards, never inside a deck; nothing was written"
            )
    cards = root / CARDS_DIR
    for folder in (cards, cards / SCHEMA_DIR):
        if folder.is_symlink():
            raise FlashgenError(
                f"{shown_safely(str(folder))} is a symbolic link: flashgen init writes only "
                "into real folders (it would write wherever the link points); nothing was written"
            )
    if cards.is_dir():
        for path in sorted(cards.iterdir(), key=lambda p: (p.name != DECK_FILE, p.name)):
            if path.suffix in {".yaml", ".yml"} or path.name == LOCK_FILE:
                raise DeckExists(
                    f"{path} already exists: there is a deck in {cards}, and flashgen init "
                    "never overwrites or adds to one; nothing was written"
                )
    for name in relative:
        target = root / name
        if target.exists() or target.is_symlink():
            raise DeckExists(
                f"{target} already exists: flashgen init never overwrites a file; nothing was "
                "written (start the deck in a new folder: flashgen init my-deck)"
            )


def _write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as out:
            out.write(text)


def _self_check(staged_cards: Path, shown_cards: str) -> None:
    """The new deck passes ``flashgen check --strict``: nothing is moved into place otherwise."""
    from flashgen.pipeline import compile_deck

    problems = compile_deck(staged_cards, shown_root=shown_cards).problems
    if problems:
        raise SourcesError(problems)


def _place(source: Path, target: Path, placed: list[Path]) -> None:
    """Move a staged file or folder to ``target``, which must not exist."""
    if source.is_dir() and not source.is_symlink():
        if not target.exists():
            os.rename(source, target)
            placed.append(target)
            return
        for child in sorted(source.iterdir()):
            _place(child, target / child.name, placed)
        return
    appeared = DeckExists(f"{target} appeared while writing the deck; nothing was kept")
    try:
        os.link(source, target)  # fails rather than overwrite a file made in the meantime
    except FileExistsError:
        raise appeared from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise appeared from None
        os.rename(source, target)
    placed.append(target)


def _remove(paths: list[Path]) -> None:
    for path in reversed(paths):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _make_shareable(folder: Path) -> None:
    """mkdtemp makes a private folder; a deck's folders get the usual permissions."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(folder, 0o777 & ~umask)


def init_deck(root: Path, *, name: str | None = None, with_subjects: bool = False) -> NewDeck:
    """Write a new deck into ``root`` (made if missing): all of it, or nothing."""
    name = default_name(root) if name is None else name.strip()
    _check_name(name)
    deck_id, key = fresh_ids(name)
    files = deck_files(name, deck_id, key, with_subjects=with_subjects)
    _refuse_existing(root, list(files))

    fresh = not root.exists()
    parent = root.parent if fresh else root
    made = [folder for folder in (parent, *parent.parents) if not folder.exists()]
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=".flashgen-init-"))
    placed: list[Path] = made[::-1]  # removed again, deepest first, if anything fails
    try:
        _write_tree(staging, files)
        _self_check(staging / CARDS_DIR, str(root / CARDS_DIR))
        if fresh:
            _make_shareable(staging)
            os.rename(staging, root)  # the whole deck appears at once
        else:
            for child in sorted(staging.iterdir()):
                _place(child, root / child.name, placed)
    except BaseException:
        _remove(placed)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return NewDeck(root=root, name=name, deck_id=deck_id, key=key, files=tuple(files))
