"""Problems found in card sources, reported all at once as ``file:line:col: severity: message``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
# Every control character, tabs and line breaks included: none belongs in a name, an id or a
# one-line message (text fields may hold tabs and newlines: yamlsource.CONTROL leaves those).
ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def shown_safely(text: str) -> str:
    """``text`` for a terminal: control characters (newlines, escape codes) written as escapes."""
    return ANY_CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


@dataclass(frozen=True, slots=True, order=True)
class Where:
    """A place in a source file; line and column count from 1."""

    path: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{shown_safely(self.path)}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the sources, tied to the place that causes it."""

    where: Where
    message: str
    rule: str
    severity: Severity = "error"

    def __post_init__(self) -> None:
        # Messages quote source text; keep each problem on one line whatever that text holds.
        clean = shown_safely(self.message)
        object.__setattr__(self, "message", clean)

    def __str__(self) -> str:
        return f"{self.where}: {self.severity}: {self.message} [{self.rule}]"

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.where.path,
            "line": self.where.line,
            "col": self.where.col,
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
        }


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Order by file and position, errors before warnings at the same place."""
    return sorted(problems, key=lambda p: (p.where, p.severity != "error", p.rule, p.message))


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


class SourcesError(Exception):
    """The sources have errors, so nothing was built."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the card sources")
        self.problems = sort_problems(problems)


# The rules that keep hostile sources from hurting learners: (id, severity, summary).
# flashgen.check.RULES lists them with every other rule.
SAFETY_RULES: tuple[tuple[str, Severity, str], ...] = (
    ("reserved-id", "error", "A written card id starting with picture- or chart-."),
    ("guid-separator", "error", "'__' in a deck key, card id or subject key: guids could collide."),
    ("duplicate-guid", "error", "Two notes of one build with the same guid."),
    ("control-character", "error", "A control character (Anki refuses it) in any text or name."),
    ("invisible-character", "warning", "A zero-width or text-direction character in text."),
    ("unsafe-file", "error", "A symlink, FIFO, device or unreadable file where a source belongs."),
    ("file-name", "error", "A diagram or media file name that cannot be told apart or packed."),
    ("svg", "error", "An SVG in media/ that cannot be read safely (size, depth, not SVG)."),
    ("environment", "error", "A problem outside the sources (a path, a setting) stopped check."),
    ("picture-place", "error", "A picture in deck.yaml's description or references, or a source."),
    ("deck-id", "error", "A deck id Anki cannot store (from 2 to 2^63-1)."),
    ("too-long", "error", "A name or alias over 200 characters; over 40 spans for a muscle."),
    ("media-type", "error", "A file in media/ that is no picture, sound or video Anki shows."),
    ("media-size", "error", "A media file, or a deck's media together, over the size bound."),
)  # fmt: skip


class ProblemError(Exception):
    """One located problem that stops reading a file."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class FlashgenError(Exception):
    """A problem outside the card sources (a path, an environment variable), one line long."""


def undecodable_at(data: bytes, error: UnicodeDecodeError, shown: str) -> Where:
    """Where in ``data`` (the file ``shown``) the first byte that is not UTF-8 sits."""
    before = data[: error.start]
    return Where(shown, before.count(b"\n") + 1, error.start - (before.rfind(b"\n") + 1) + 1)
