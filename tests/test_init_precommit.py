"""The pre-commit hooks a deck repository can use: their commands run on a copy of our deck."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, SHIPPED_CARDS

HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
BY_ID = {hook["id"]: hook for hook in HOOKS}
# The installed entry point, as pre-commit's python environment has it.
FLASHGEN = Path(sys.executable).parent / "flashgen"


def test_the_hooks_and_what_they_run_on():
    assert list(BY_ID) == ["flashgen-check", "flashgen-build-frozen"]
    assert BY_ID["flashgen-check"]["entry"] == "flashgen check --strict"
    assert BY_ID["flashgen-build-frozen"]["entry"] == "flashgen build --frozen"
    for hook in HOOKS:
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False  # the whole deck, whichever files changed
        assert {"id", "name", "entry", "language", "files"} <= set(hook)
        files = re.compile(hook["files"])
        for changed in ("cards/calf.yaml", "cards/diagrams/right-back.svg", "cards/deck.lock"):
            assert files.search(changed), (hook["id"], changed)
        for unrelated in ("README.md", "flashgen/cli.py", "tests/cards/x.yaml"):
            assert not files.search(unrelated), (hook["id"], unrelated)


@pytest.fixture
def deck_repo(tmp_path: Path) -> Path:
    """A deck repository's working tree: a copy of our cards, nothing else."""
    shutil.copytree(SHIPPED_CARDS, tmp_path / "cards")
    return tmp_path


def run_hook(hook_id: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a hook's command as pre-commit does: entry, then args, from the repository's root."""
    hook = BY_ID[hook_id]
    program, *arguments = shlex.split(hook["entry"])
    assert program == "flashgen"
    assert FLASHGEN.is_file(), "flashgen is not installed in this Python environment"
    env = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    return subprocess.run(
        [str(FLASHGEN), *arguments, *hook.get("args", [])],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_hooks_pass_on_the_shipped_deck_and_write_nothing_in_it(deck_repo):
    lock = (deck_repo / "cards" / "deck.lock").read_bytes()
    check = run_hook("flashgen-check", deck_repo)
    assert (check.returncode, check.stderr) == (0, ""), check.stderr
    assert check.stdout == "no problems\n"
    build = run_hook("flashgen-build-frozen", deck_repo)
    assert build.returncode == 0, build.stderr
    (apkg,) = (deck_repo / "build").glob("*.apkg")
    assert build.stdout.startswith(f"Wrote build/{apkg.name}: ")
    assert (deck_repo / "cards" / "deck.lock").read_bytes() == lock


def test_hooks_stop_a_commit_that_would_hurt_learners(deck_repo):
    """An edited card without a rebuilt lock fails the frozen build; a broken card fails both."""
    calf = deck_repo / "cards" / "calf.yaml"
    text = calf.read_text(encoding="utf-8")
    match = re.search(r"^(\s+back: )([^>|'\"\s].*)$", text, re.MULTILINE)
    assert match
    calf.write_text(text.replace(match.group(0), f"{match.group(1)}Changed answer", 1), "utf-8")
    frozen = run_hook("flashgen-build-frozen", deck_repo)
    assert frozen.returncode == 1
    assert "cards/deck.lock is out of date (0 new, 1 changed" in frozen.stderr
    assert "run 'flashgen build' and commit the lock" in frozen.stderr

    calf.write_text(text.replace(match.group(0), f"{match.group(1)}''", 1), "utf-8")
    for hook_id in BY_ID:
        broken = run_hook(hook_id, deck_repo)
        assert broken.returncode == 1, hook_id
        assert re.search(r"cards/calf\.yaml:\d+:\d+: error: 'back' is empty", broken.stderr)
