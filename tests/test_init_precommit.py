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
    assert list(BY_ID) == ["flashgen-check", "flashgen-build-frozen", "flashgen-changes"]
    assert BY_ID["flashgen-check"]["entry"] == "flashgen check --strict --hook"
    assert BY_ID["flashgen-build-frozen"]["entry"] == "flashgen build --frozen --hook"
    assert BY_ID["flashgen-changes"]["entry"] == "flashgen changes --hook"
    assert (
        BY_ID["flashgen-changes"]["verbose"] is True
    )  # shown on every commit, not only on failure
    for hook in HOOKS:
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False  # the whole deck, whichever files changed
        assert hook["always_run"] is True  # a deletion matches no `files`: run on every commit
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
    assert "cards/deck.lock is out of date (0 new, 1 changed, 0 retired" in frozen.stderr
    assert "run 'flashgen build' and commit the lock" in frozen.stderr

    calf.write_text(text.replace(match.group(0), f"{match.group(1)}''", 1), "utf-8")
    for hook_id in BY_ID:
        broken = run_hook(hook_id, deck_repo)
        assert broken.returncode == 1, hook_id
        assert re.search(r"cards/calf\.yaml:\d+:\d+: error: 'back' is empty", broken.stderr)


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"},
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
        "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }  # fmt: skip
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, env=env, timeout=600,
        check=check,
    )  # fmt: skip


@pytest.fixture
def committed_deck(deck_repo: Path) -> Path:
    """A git repository with our deck, committing through pre-commit with our hooks: every key
    of .pre-commit-hooks.yaml as it is, run from this environment's flashgen."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    hooks = []
    for hook in HOOKS:
        local = {**hook, "language": "system"}
        local["entry"] = f"{FLASHGEN} {hook['entry'].removeprefix('flashgen ')}"
        hooks.append(local)
    config = {"repos": [{"repo": "local", "hooks": hooks}]}
    (deck_repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), "utf-8")
    (deck_repo / ".gitignore").write_text("build/\n", "utf-8")
    (deck_repo / "README.md").write_text("# A deck\n", "utf-8")
    _git(deck_repo, "init", "-q")
    _git(deck_repo, "add", "-A")
    _git(deck_repo, "commit", "-q", "--no-verify", "-m", "the deck")
    installed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=deck_repo, capture_output=True,
        text=True, timeout=300, env={**os.environ, "PRE_COMMIT_HOME": str(deck_repo.parent / "pc")},
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    return deck_repo


def test_a_commit_that_only_deletes_a_card_file_runs_the_hooks(committed_deck):
    """Deleting a released card file is what the lock exists to catch: pre-commit passes no
    deleted file to `files`, and the hooks ran on nothing. Now the commit is stopped."""
    _git(committed_deck, "rm", "-q", "cards/calf.yaml")
    commit = _git(committed_deck, "commit", "-m", "drop calf", check=False)
    assert commit.returncode != 0, commit.stdout + commit.stderr
    output = commit.stdout + commit.stderr
    assert "card-removed" in output and "cards/deck.lock:" in output
    assert _git(committed_deck, "rev-list", "--count", "HEAD").stdout.strip() == "1"


def test_a_commit_outside_the_cards_folder_is_not_held_up(committed_deck):
    """The guard: a commit whose staged changes are all outside cards/ cannot change the deck."""
    (committed_deck / "cards" / "calf.yaml").write_text("cards: [\n", "utf-8")
    _git(committed_deck, "commit", "-q", "--no-verify", "-am", "a broken deck, unchecked")
    (committed_deck / "README.md").write_text("# A deck\n\nMore.\n", "utf-8")
    _git(committed_deck, "add", "README.md")
    commit = _git(committed_deck, "commit", "-m", "readme", check=False)
    assert commit.returncode == 0, commit.stdout + commit.stderr
    # and a change in cards/ is checked again
    (committed_deck / "cards" / "gait.yaml").write_text("cards: []\n", "utf-8")
    _git(committed_deck, "add", "cards/gait.yaml")
    commit = _git(committed_deck, "commit", "-m", "gait", check=False)
    assert commit.returncode != 0 and "yaml-syntax" in commit.stdout + commit.stderr
