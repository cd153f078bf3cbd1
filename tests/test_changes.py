"""What a release changes: `flashgen changes`, `preview --changed`, the lock's release record,
deck.release, and the "New in release N" learners read in Anki's deck overview."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from anki_collection import import_apkg, notes_by_card_id, open_collection
from conftest import write_yaml

from flashgen.build import build
from flashgen.cli import cli
from flashgen.lock import forget, read_lock

SUBJECTS = {
    "subjects": [
        {"key": "calf", "name": "Calf muscles", "kind": "group"},
        {"key": "soleus", "name": "Soleus", "kind": "muscle", "group": "calf"},
        {"key": "hamstrings", "name": "Hamstrings", "kind": "muscle"},
    ]
}
CARDS = [
    {"id": "soleus-depth", "subject": "soleus", "source": "S23c",
     "front": "Calf: which muscle lies **deep** to the gastrocnemius?", "back": "Soleus"},
    {"id": "soleus-joints", "subject": "soleus", "source": "S23c",
     "front": "Calf: how many joints does the soleus cross?", "back": "One"},
    {"id": "calf-cloze", "subject": "calf", "source": "S23c",
     "cloze": "Calf: the {{c1::soleus}} lies under the {{c2::gastrocnemius}}."},
    {"id": "hamstring-swing", "subject": "hamstrings", "source": "S7",
     "front": "Thigh: in which phase do the hamstrings brake the swinging leg?",
     "back": "Terminal swing"},
]  # fmt: skip
EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}
LATER = {"SOURCE_DATE_EPOCH": "1700086400"}


def _deck(make_cards, cards):
    root = make_cards(subjects=SUBJECTS, calf={"cards": cards})
    return root


def _release_two(make_cards, tmp_path):
    """Release 1 of CARDS; then, in the sources, one card edited, one added, one retired and
    one forgotten (each in its place)."""
    root = _deck(make_cards, CARDS)
    build(root, output=tmp_path / "v1.apkg", environ=EPOCH)
    edited = [dict(card) for card in CARDS if card["id"] != "hamstring-swing"]
    edited[0]["back"] = "The soleus"
    edited[1]["retired"] = "merged into soleus-depth"
    edited.append(
        {"id": "soleus-new", "subject": "soleus", "source": "S23c",
         "front": "Calf: which tendon does the soleus end in?", "back": "Achilles tendon"}
    )  # fmt: skip
    write_yaml(root / "calf.yaml", {"cards": edited})
    lock = root / "deck.lock"
    text = forget(lock, "deck.lock", ["hamstring-swing"], "not a calf card").render()
    lock.write_text(text, encoding="utf-8")
    return root


def _changes(runner, root, *args):
    result = runner.invoke(cli, ["changes", str(root), *args])
    return result


def test_changes_lists_each_change_in_its_place_in_every_format(runner, make_cards, tmp_path):
    root = _release_two(make_cards, tmp_path)
    data = json.loads(_changes(runner, root, "--format", "json").stdout)
    assert [entry["id"] for entry in data["new"]] == ["soleus-new"]
    assert [entry["id"] for entry in data["changed"]] == ["soleus-depth"]
    assert [entry["id"] for entry in data["retired"]] == ["soleus-joints"]
    assert [entry["id"] for entry in data["forgotten"]] == ["hamstring-swing"]
    assert data["unchanged"] == 1  # calf-cloze
    (changed,) = data["changed"]
    assert changed["file"] == f"{root}/calf.yaml" and changed["line"] > 1
    assert changed["front"] == "Calf: which muscle lies deep to the gastrocnemius?"
    assert changed["fields"] == {"Back": {"old": "Soleus", "new": "The soleus"}}
    assert data["retired"][0]["reason"] == "merged into soleus-depth"
    assert data["forgotten"][0]["reason"] == "not a calf card"
    assert data["forgotten"][0]["file"] == f"{root}/deck.lock"
    assert data["forgotten"][0]["front"].startswith("Thigh: in which phase")

    text = _changes(runner, root).stdout
    assert text.startswith(
        "Against release 1 (deck.lock): 1 new, 1 changed, 1 retired, 1 forgotten, 1 unchanged"
    )
    sections = (("New", "soleus-new"), ("Changed", "soleus-depth"),
                ("Retired", "soleus-joints"), ("Forgotten", "hamstring-swing"))  # fmt: skip
    for section, card_id in sections:
        after = text.split(f"\n{section} (1):\n", 1)[1]
        assert after.lstrip().startswith(card_id), (section, text)
    assert "      - Soleus\n      + The soleus" in text

    markdown = _changes(runner, root, "--format", "markdown").stdout
    assert "### Changed (1)" in markdown and "### Forgotten (1)" in markdown
    assert "- Back: ~~Soleus~~ \u2192 The soleus" in markdown

    # A build then reports the same counts, and then nothing is left to release.
    result = build(root, output=tmp_path / "v2.apkg", environ=LATER)
    assert (result.changes.new, result.changes.changed, result.changes.retired) == (1, 1, 1)
    assert result.changes.unchanged == 1 and result.release.number == 2
    after = _changes(runner, root, "--format", "json")
    assert after.exit_code == 0
    assert json.loads(after.stdout) == {
        "new": [], "changed": [], "retired": [], "forgotten": [], "unchanged": 4,
    }  # fmt: skip


def test_changes_shows_card_text_as_written_and_never_acts_on_it(runner, make_cards, tmp_path):
    """Markdown, terminal escapes and HTML in a card reach the three formats as text."""
    root = _deck(make_cards, CARDS)
    build(root, output=tmp_path / "v1.apkg", environ=EPOCH)
    hostile = "Calf: what is *this* `x` [link](http://e.com) <b>bold</b> \\x1b[31m?"
    write_yaml(
        root / "calf.yaml",
        {"cards": [*CARDS, {"id": "odd", "front": hostile, "back": "A # heading", "source": "S1"}]},
    )
    data = json.loads(_changes(runner, root, "--format", "json").stdout)
    assert data["new"][0]["front"] == (
        "Calf: what is this x link <b>bold</b> \\x1b[31m?"
    )  # as a learner reads it: Markdown rendered, raw HTML shown as text
    text = _changes(runner, root).stdout
    assert "\x1b" not in text
    markdown = _changes(runner, root, "--format", "markdown").stdout
    line = next(line for line in markdown.splitlines() if "`odd`" in line)
    assert "\\<b\\>bold\\<" in line and "\\[31m" in line  # literal in any Markdown viewer


def test_changes_on_an_unchanged_deck_lists_nothing_and_exits_0(runner, make_cards, tmp_path):
    root = _deck(make_cards, CARDS)
    build(root, output=tmp_path / "v1.apkg", environ=EPOCH)
    result = _changes(runner, root)
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        "Against release 1 (deck.lock): 0 new, 0 changed, 0 retired, 0 forgotten, 4 unchanged"
    )


def test_changes_reports_source_errors_as_check_does(runner, make_cards, tmp_path):
    root = _deck(make_cards, [*CARDS, {"id": "soleus-depth", "front": "Calf: x?", "back": "y"}])
    for output_format in ("text", "json"):
        result = _changes(runner, root, "--format", output_format)
        assert result.exit_code == 1
        assert "Traceback" not in result.output
    located = f"{root}/calf.yaml:"
    assert any(
        line.startswith(located) and line.endswith("[duplicate-id]")
        for line in _changes(runner, root).stderr.splitlines()
    )
    data = json.loads(_changes(runner, root, "--format", "json").stdout)
    assert data["problems"][0]["rule"] == "duplicate-id"


def test_old_text_needs_the_release_file_of_the_locked_release(runner, make_cards, tmp_path):
    """Without deck.release (or with one from another release, or a hostile one), changes
    still compares, and says why the old text is not shown."""
    root = _release_two(make_cards, tmp_path)
    release = root / "deck.release"
    release.write_text('["soleus-depth", [], ["<script>x</script>"]]\n{"release": 7}\n', "utf-8")
    text = _changes(runner, root).stdout
    assert "(old text not shown:" in text and "release deck.lock records (1)" in text
    assert (
        json.loads(_changes(runner, root, "--format", "json").stdout)["changed"][0].get("fields")
        is None
    )
    release.unlink()
    assert "does not exist yet" in _changes(runner, root).stdout


def test_why_old_text_is_not_shown_is_printed_escaped(runner, make_cards, tmp_path):
    """The reason names deck.release by the path given on the command line: a directory
    whose name holds a terminal escape code has it printed escaped, like every other text."""
    root = _release_two(make_cards, tmp_path)
    (root / "deck.release").unlink()
    hostile = root.rename(tmp_path / "cards\x1b[31m")
    text = _changes(runner, hostile).stdout
    assert "does not exist yet" in text and "\x1b" not in text
    assert "cards\\x1b[31m" in text


def test_preview_changed_shows_the_release_beside_the_old_versions(runner, make_cards, tmp_path):
    root = _release_two(make_cards, tmp_path)
    # A hostile old version: its script and remote picture never reach the page.
    lines = (root / "deck.release").read_text("utf-8").splitlines()
    (at,) = [i for i, line in enumerate(lines) if line.startswith('["soleus-depth", ')]
    lines[at] = json.dumps(
        ["soleus-depth", [], ['<script>alert(1)</script><img src="https://e.com/t.png">Soleus',
                              "Soleus", "", "", "", "", "soleus-depth"]]
    )  # fmt: skip
    (root / "deck.release").write_text("\n".join(lines) + "\n", "utf-8")
    page_path = tmp_path / "release.html"
    result = runner.invoke(cli, ["preview", str(root), "--changed", "-o", str(page_path)])
    assert result.exit_code == 0, result.output
    page = page_path.read_text("utf-8")
    articles = re.findall(r'<article class="fg-note" id="([^"]+)"', page)
    assert articles == ["soleus-new/1", "soleus-depth/1", "soleus-joints/1"]
    changed = page.split('id="soleus-depth/1"', 1)[1].split("</article>", 1)[0]
    sides = re.findall(r'data-side="([a-z-]+)"', changed)
    assert sides == ["before-front", "front", "before-back", "back"]
    assert "The soleus" in changed and "[picture]" in changed
    assert "<script>alert" not in page and "e.com" not in page
    assert (
        'data-retired="true"' in page.split('id="soleus-joints/1"', 1)[0].rsplit("<section", 1)[1]
    )


def test_anki_shows_each_release_in_the_deck_description(make_cards, tmp_path):
    """Release 1, then release 2 imported over it: the overview's description tells what
    release 2 brought; release 2 rebuilt from the same sources and lock is byte-identical."""
    root = _deck(make_cards, CARDS)
    v1 = tmp_path / "v1.apkg"
    build(root, output=v1, environ=EPOCH)
    write_yaml(
        root / "calf.yaml",
        {"cards": [
            {**CARDS[0], "back": "The soleus"},
            {**CARDS[1], "retired": "merged into soleus-depth"},
            *CARDS[2:],
            {"id": "soleus-new", "subject": "soleus", "source": "S23c",
             "front": "Calf: which tendon does the soleus end in?", "back": "Achilles tendon"},
            {"id": "ham-new", "subject": "hamstrings", "source": "S7",
             "front": "Thigh: which hamstring has a short head?", "back": "Biceps femoris"},
        ]},
    )  # fmt: skip
    v2 = tmp_path / "v2.apkg"
    build(root, output=v2, environ=LATER)
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, v1)
        first = col.decks.by_name("Test deck")["desc"]
        assert first.startswith("A deck for tests.")
        assert "New in release 1:</b> 4 new cards on Calf muscles and Hamstrings." in first
        log = import_apkg(col, v2)
        assert len(log.updated) == 2 and len(log.new) == 2
        desc = col.decks.by_name("Test deck")["desc"]
        assert desc == (
            'A deck for tests.<p class="fg-release"><b>New in release 2:</b> 2 new cards on '
            "Calf muscles and Hamstrings, 1 updated and 1 retired. Retired cards are tagged "
            "retired: search tag:retired in the Browse window to delete them.</p>"
        )
        assert "retired" in notes_by_card_id(col)["soleus-joints"].tags
    finally:
        col.close()
    again = tmp_path / "v2-again.apkg"
    result = build(root, output=again, environ={"SOURCE_DATE_EPOCH": "1700999999"})
    assert result.release is None and result.lock is None
    assert again.read_bytes() == v2.read_bytes()
    assert read_lock(root / "deck.lock", "deck.lock").release.number == 2


def test_the_summary_is_text_whatever_a_topic_holds(make_cards, tmp_path):
    subjects = {"subjects": [{"key": "x", "name": "<img src=x onerror=alert(1)> & [sound:a]"}]}
    root = make_cards(subjects=subjects, calf={"cards": [{**CARDS[1], "subject": "x"}]})
    build(root, output=tmp_path / "d.apkg", environ=EPOCH)
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, tmp_path / "d.apkg")
        desc = col.decks.by_name("Test deck")["desc"]
    finally:
        col.close()
    assert "on &lt;img src=x onerror=alert(1)&gt; &amp; &#91;sound:a]." in desc
    assert "<img" not in desc


@pytest.mark.parametrize("mod", [1_000, 4_000_000_000])
def test_a_mod_outside_the_releases_is_a_located_lock_error(runner, make_cards, tmp_path, mod):
    """Before the deck's first release, or after now: no build wrote it."""
    root = _deck(make_cards, CARDS)
    build(root, output=tmp_path / "v1.apkg", environ=EPOCH)
    lock = root / "deck.lock"
    text = lock.read_text("utf-8")
    lock.write_text(text.replace('"mod": 1700000000', f'"mod": {mod}', 1), "utf-8")
    result = runner.invoke(cli, ["check", str(root)])
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if line.endswith("[lock]")]
    number = next(i for i, row in enumerate(text.splitlines(), 1) if '"mod": 1700000000' in row)
    assert line.startswith(f"{root}/deck.lock:{number}:")
    assert (
        "before the deck's first release" if mod < 1700000000 else "after the current time"
    ) in line


def test_a_version_1_lock_is_read_and_its_oldest_mod_is_the_first_release(make_cards, tmp_path):
    root = _deck(make_cards, CARDS)
    build(root, output=tmp_path / "v1.apkg", environ=EPOCH)
    lock = root / "deck.lock"
    data = json.loads(lock.read_text("utf-8"))
    del data["release"]
    data["version"] = 1
    for entry in data["cards"].values():
        entry.pop("retired", None)
    lock.write_text(json.dumps(data), "utf-8")
    assert read_lock(lock, "deck.lock").release.first == 1700000000
    result = build(root, output=tmp_path / "v2.apkg", environ=LATER)
    assert result.lock is not None  # written back as version 2, nothing else changed
    assert json.loads(lock.read_text("utf-8"))["version"] == 2
    assert (result.changes.new, result.changes.changed) == (0, 0)


def test_build_changes_and_frozen_hooks_mention_changes(tmp_path):
    """The pre-commit hooks and init's README point reviewers at `flashgen changes`."""
    repo = Path(__file__).resolve().parent.parent
    hooks = (repo / ".pre-commit-hooks.yaml").read_text("utf-8")
    assert "flashgen changes" in hooks
    env = {**os.environ}
    subprocess.run([sys.executable, "-m", "flashgen", "init", str(tmp_path / "d")], check=True,
                   env=env, capture_output=True)  # fmt: skip
    assert "flashgen changes" in (tmp_path / "d" / "README.md").read_text("utf-8")
