"""The ``flashgen`` command line: a thin layer over the importable core."""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable
from functools import wraps
from pathlib import Path
from typing import Literal, ParamSpec, TypeVar

import click

from flashgen import __version__
from flashgen.lock import LockError
from flashgen.problems import FlashgenError, Problem, SourcesError, Where, shown_safely

P = ParamSpec("P")
R = TypeVar("R")

CARDS_DIR = click.argument(
    "cards_dir",
    default="cards",
    required=False,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)


def _output_option(what: str, default: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"Where to write the {what}.  [default: {default}]",
    )


HOOK = click.option(
    "--hook",
    is_flag=True,
    help="As a pre-commit hook: do nothing when the commit stages changes, none of them "
    "(deletions included) under CARDS_DIR.",
)


def _staged_elsewhere(cards_dir: Path) -> bool:
    """Whether git's index holds staged changes and none of them is under ``cards_dir``: then
    the commit cannot change the deck. Without git, or with nothing staged (``pre-commit run
    --all-files``), the hook runs."""

    def differs(*paths: str) -> bool | None:
        try:
            done = subprocess.run(
                ["git", "diff", "--cached", "--quiet", "--no-ext-diff", "--no-renames", "--",
                 *paths],
                capture_output=True,
                timeout=120,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            return None
        return {0: False, 1: True}.get(done.returncode)

    return differs() is True and differs(str(cards_dir)) is False


def _report(problems: Iterable[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the core's typed exceptions into one-line errors with exit status 1."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except SourcesError as exc:
            _report(exc.problems)
            count = len(exc.problems)
            raise click.ClickException(
                f"{count} problem{'s' * (count != 1)} in the card sources; nothing was written"
            ) from None
        except LockError as exc:
            _report([exc.problem])
            raise click.ClickException("the lock could not be used; nothing was written") from None
        except (FlashgenError, OSError) as exc:
            raise click.ClickException(shown_safely(str(exc))) from None

    return wrapper


def _shown(path: Path) -> str:
    return str(path)


def _problems_of(exc: Exception, cards_dir: Path) -> list[Problem]:
    """Any failure of ``check`` as located problems, so that every outcome prints alike."""
    if isinstance(exc, SourcesError):
        return exc.problems
    if isinstance(exc, LockError):
        return [exc.problem]
    where = Where(getattr(exc, "filename", None) or _shown(cards_dir))
    rule = "unsafe-file" if isinstance(exc, OSError) else "environment"
    message = (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
    return [Problem(where, message, rule)]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flashgen")
def cli() -> None:
    """Compile YAML flashcards into an Anki deck (.apkg) that updates in place."""


@cli.command()
@CARDS_DIR
@_output_option("deck", "build/<deck-name>.apkg")
@click.option(
    "--frozen",
    is_flag=True,
    help="Fail instead of updating deck.lock (for CI: the committed lock must be current).",
)
@HOOK
@_friendly_errors
def build(cards_dir: Path, output: Path | None, frozen: bool, hook: bool) -> None:
    """Check CARDS_DIR and build its Anki deck.

    \b
    Example:
        flashgen build                  # cards/ -> build/<deck-name>.apkg
        flashgen build my-cards -o deck.apkg

    Unchanged notes keep their modification time from CARDS_DIR/deck.lock, so
    re-importing updates exactly the notes that changed; the build then updates
    the lock. Set SOURCE_DATE_EPOCH to stamp changed notes with a fixed time.
    """
    from flashgen.build import build as build_deck

    if hook and _staged_elsewhere(cards_dir):
        return
    result = build_deck(cards_dir, output=output, shown_root=_shown(cards_dir), frozen=frozen)
    click.echo(str(result))


@cli.command()
@click.argument("cards_dir", default="cards", required=False, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print problems.",
)
@click.option("--list-rules", is_flag=True, help="List every rule with its id and exit.")
@HOOK
def check(cards_dir: Path, strict: bool, output_format: str, list_rules: bool, hook: bool) -> None:
    """Lint CARDS_DIR: every problem at once, without writing a deck.

    \b
    Example:
        flashgen check
        flashgen check --strict --format json cards

    Silence a warning on one card with  allow: {rule-id: reason}.
    """
    from flashgen.check import RULES, summary
    from flashgen.pipeline import check_directory

    if list_rules:
        for rule in RULES.values():
            click.echo(f"{rule.id:<20} {rule.severity:<8} {rule.summary}")
        return
    if hook and _staged_elsewhere(cards_dir):
        return
    try:
        _, problems = check_directory(cards_dir, shown_root=_shown(cards_dir))
    except (SourcesError, LockError, FlashgenError, OSError) as exc:
        problems = _problems_of(exc, cards_dir)
    failing = [p for p in problems if p.severity == "error" or strict]
    if output_format == "json":
        click.echo(json.dumps([p.as_json() for p in problems], indent=2))
    else:
        _report(problems)
        click.echo(summary(problems), err=bool(problems))
    if failing:
        sys.exit(1)


@cli.command()
@click.argument("cards_dir", default="cards", required=False, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="text for a terminal, markdown for a pull request or release page, json for tools.",
)
@HOOK
def changes(cards_dir: Path, output_format: str, hook: bool) -> None:
    """Show what the next build would release against deck.lock: new, changed, retired
    and forgotten cards, each with its file and line and its question; writes nothing.

    \b
    Example:
        flashgen changes
        flashgen changes --format markdown > release-notes.md

    A changed card shows the old and new text of each field that changed (read from
    deck.release, which every build writes beside the lock). Exits 1, printing
    the problems as 'flashgen check' does, when the sources have errors.
    """
    from flashgen.pipeline import compile_deck
    from flashgen.release import changes_of, format_json, format_markdown, format_text

    if hook and _staged_elsewhere(cards_dir):
        return
    try:
        deck = compile_deck(cards_dir, shown_root=_shown(cards_dir)).usable()
        found = changes_of(deck)
    except (SourcesError, LockError, FlashgenError, OSError) as exc:
        problems = _problems_of(exc, cards_dir)
        if output_format == "json":
            click.echo(json.dumps({"problems": [p.as_json() for p in problems]}, indent=2))
        else:
            _report(problems)
        count = len(problems)
        click.echo(f"{count} problem{'s' * (count != 1)}: nothing to compare", err=True)
        sys.exit(1)
    formats = {"text": format_text, "markdown": format_markdown, "json": format_json}
    click.echo(formats[output_format](found))


@cli.command()
@CARDS_DIR
@_friendly_errors
def coverage(cards_dir: Path) -> None:
    """Show which subject is taught by which cards, and what is missing.

    \b
    Example:
        flashgen coverage

    Exits 1 when a subject the source material names lacks a required aspect.
    """
    from flashgen.coverage import coverage_report, format_report

    report = coverage_report(cards_dir, shown_root=_shown(cards_dir))
    click.echo(format_report(report))
    if not report.complete:
        sys.exit(1)


@cli.command()
@CARDS_DIR
@_output_option("page", "build/<deck-name>.html")
@click.option("--open", "open_page", is_flag=True, help="Open the page in a browser.")
@click.option(
    "--changed",
    is_flag=True,
    help="Only what the next build would release: new, changed (beside their old version) "
    "and retired cards.",
)
@_friendly_errors
def preview(cards_dir: Path, output: Path | None, open_page: bool, changed: bool) -> None:
    """Write one self-contained HTML page showing every card, front and back.

    \b
    Example:
        flashgen preview --open
        flashgen preview --changed -o build/release.html

    Cards are rendered with the deck's own templates and CSS, with a day/night
    switch and a search box; the page works offline. With --changed, a reviewer
    sees a release as learners will get it.
    """
    from flashgen.build import refuse_inside, write_atomically
    from flashgen.preview import preview as render_preview

    if output is not None:
        refuse_inside(output, cards_dir, "page")
    result = render_preview(cards_dir, shown_root=_shown(cards_dir), changed=changed)
    output = output or result.default_output
    write_atomically(output, lambda temporary: temporary.write_text(result.page, encoding="utf-8"))
    click.echo(f"Wrote {shown_safely(str(output))}")
    if open_page:
        click.launch(str(output.resolve()))


@cli.command()
@click.argument("card_ids", nargs=-1, required=True)
@click.option("--reason", required=True, help="Why the cards are dropped (kept in the lock).")
@click.option(
    "-C",
    "--cards-dir",
    default="cards",
    show_default=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@_friendly_errors
def forget(card_ids: tuple[str, ...], reason: str, cards_dir: Path) -> None:
    """Remove released cards from deck.lock on purpose.

    An .apkg cannot delete notes from learners' collections, so a released card
    that disappears from the sources is an error. Keep it with 'retired: <reason>',
    or forget it here: its id is then never used again.

    \b
    Example:
        flashgen forget soleus-old-wording --reason "merged into soleus-depth"
    """
    from flashgen.build import write_atomically, write_lines
    from flashgen.lock import LOCK_FILE
    from flashgen.lock import forget as forget_cards

    lock_path = cards_dir / LOCK_FILE
    shown = f"{_shown(cards_dir)}/{LOCK_FILE}"
    lock = forget_cards(lock_path, shown, card_ids, reason)
    write_atomically(lock_path, lambda temporary: write_lines(temporary, lock.render_lines()))
    click.echo(f"Forgot {len(card_ids)} card{'s' * (len(card_ids) != 1)} in {shown_safely(shown)}")


@cli.command()
@click.argument(
    "directory", default=".", required=False, type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--name", help="The deck's name in Anki.  [default: from DIRECTORY's name]")
@click.option(
    "--with-subjects",
    is_flag=True,
    help="Also write subjects.yaml, a manifest of what the deck teaches.",
)
@_friendly_errors
def init(directory: Path, name: str | None, with_subjects: bool) -> None:
    """Start a new deck in DIRECTORY (default: here), its cards in DIRECTORY/cards.

    \b
    Example:
        flashgen init my-deck && cd my-deck && flashgen build

    Writes cards/deck.yaml with a deck id and key drawn at random for this deck
    alone, an example card file, JSON Schemas for editors in cards/.schema/, a
    README and a .gitignore. Never overwrites: if a deck or any of these files
    is already there, nothing is written.
    """
    from flashgen.scaffold import init_deck

    deck = init_deck(directory, name=name, with_subjects=with_subjects)
    here = directory.resolve() == Path.cwd().resolve()
    place = "here" if here else f"in {shown_safely(_shown(directory))}"
    click.echo(f"Created the deck '{deck.name}' {place}:")
    for file in deck.files:
        click.echo(f"  {file}")
    go = "" if here else f"cd {shown_safely(shlex.quote(_shown(directory)))} && "
    click.echo(f"Next: {go}flashgen check && flashgen build")


@cli.command()
@click.argument(
    "kind", type=click.Choice(["deck", "subjects", "cards"]), required=False, metavar="[KIND]"
)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the schemas (KIND's, or all three) as KIND.schema.json into this directory.",
)
@_friendly_errors
def schema(kind: Literal["deck", "subjects", "cards"] | None, output_dir: Path | None) -> None:
    """Print the JSON Schema of a source file: KIND is deck, subjects or cards.

    \b
    Example:
        flashgen schema cards > cards.schema.json
        flashgen schema -o cards/.schema     # all three, as flashgen init writes them

    Editors with the YAML language server complete keys and flag mistakes from
    it. The schema is made from the same key table the loader reads with.
    """
    from flashgen.schema import KINDS, render, write_schemas

    if output_dir is not None:
        for path in write_schemas(output_dir, (kind,) if kind else KINDS):
            click.echo(f"Wrote {shown_safely(str(path))}")
    elif kind is None:
        raise click.UsageError("name the schema to print: deck, subjects or cards (or use -o DIR)")
    else:
        click.echo(render(kind), nl=False)


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM ends flashgen as Ctrl-C does: temporary files are removed on the way out."""
    raise SystemExit(128 + signum)


def install_signal_handlers() -> None:
    signal.signal(signal.SIGTERM, _terminate)


def main() -> None:
    install_signal_handlers()
    cli(prog_name="flashgen")
