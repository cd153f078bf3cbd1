"""Problems found in card sources, reported all at once as ``file:line:col: severity: message``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


@dataclass(frozen=True, slots=True, order=True)
class Where:
    """A place in a source file; line and column count from 1."""

    path: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the sources, tied to the place that causes it."""

    where: Where
    message: str
    rule: str
    severity: Severity = "error"

    def __post_init__(self) -> None:
        # Messages quote source text; keep each problem on one line whatever that text holds.
        clean = _CONTROL.sub(lambda m: repr(m.group())[1:-1], self.message)
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


class FlashgenError(Exception):
    """A problem outside the card sources (a path, an environment variable), one line long."""


def undecodable_at(data: bytes, error: UnicodeDecodeError, shown: str) -> Where:
    """Where in ``data`` (the file ``shown``) the first byte that is not UTF-8 sits."""
    before = data[: error.start]
    return Where(shown, before.count(b"\n") + 1, error.start - (before.rfind(b"\n") + 1) + 1)
