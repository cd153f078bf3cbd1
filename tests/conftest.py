"""Shared fixtures: a CLI runner, card directories written from dicts, and real Anki collections."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
SHIPPED_CARDS = REPO / "cards"

DECK = {
    "name": "Test deck",
    "id": 1500000001,
    "key": "test-deck",
    "description": "A deck for tests.",
}


def write_yaml(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def make_cards(tmp_path: Path) -> Callable[..., Path]:
    """Write a cards directory: ``deck`` overrides deck.yaml, other keywords are card files."""

    def make(deck: dict[str, object] | None = None, **files: object) -> Path:
        root = tmp_path / "cards"
        write_yaml(root / "deck.yaml", {**DECK, **(deck or {})})
        for name, content in files.items():
            target = root / f"{name}.yaml"
            if isinstance(content, str):
                target.write_text(content, encoding="utf-8")
            else:
                write_yaml(target, content)
        return root

    return make


@pytest.fixture
def shipped_cards(tmp_path: Path) -> Iterator[Path]:
    """A copy of the shipped deck's sources, safe to edit."""
    copy = tmp_path / "shipped"
    shutil.copytree(SHIPPED_CARDS, copy)
    yield copy
