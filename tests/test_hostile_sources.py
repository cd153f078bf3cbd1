"""Issue #23, hostile sources (third round): each class ends in a located error (exit 1,
``file:line``, no traceback, nothing written) or a safe deck, checked by importing the package
with the official ``anki`` and expanding what it holds."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from anki_collection import import_apkg, notes_by_card_id, open_collection
from cli_results import fails_located, invoke
from conftest import write_yaml
from svg_expand import addresses, drawn_elements, path_vertices

from flashgen import svgsafe
from flashgen.cli import cli
from flashgen.packaged import MAX_DECK_MEDIA_BYTES, packed_images
from flashgen.problems import SourcesError
from flashgen.sources import Card
from flashgen.yamlsource import Where

CARD = {"id": "soleus-depth", "front": "Calf: which muscle lies deep?", "back": "Soleus",
        "source": "S1"}  # fmt: skip
SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">\n{}\n</svg>\n'


def _packed_media(apkg: Path, tmp_path: Path) -> dict[str, bytes]:
    """The media a learner gets: the package imported with the official anki."""
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, apkg)
        folder = Path(col.media.dir())
        assert col.media.check().missing == []
        return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    finally:
        col.close()


# 1. Pictures a viewer can always draw -----------------------------------------------------


def _use_bomb(levels: int = 10, fan: int = 10) -> str:
    parts = ['<defs><path id="l0" d="M0 0 L1 1"/>']
    for level in range(1, levels):
        uses = "".join(f'<use href="#l{level - 1}"/>' for _ in range(fan))
        parts.append(f'<g id="l{level}">{uses}</g>')
    parts.append("</defs>")
    parts.append("".join(f'<use xlink:href="#l{levels - 1}"/>' for _ in range(fan)))
    parts.append(
        '<marker id="m"><circle r="1"/></marker>'
        f'<path marker-mid="url(#m)" d="M0 0 {"L1 1 " * 2000}"/>'
        '<rect width="9" height="9" fill="u\\72l(//tracker.example/p.png)"/>'
        '<rect width="9" height="9" fill="image-set(\'//tracker.example/p.png\' 1x)"/>'
    )
    return SVG.format("".join(parts)).replace(
        "<svg ", '<svg xmlns:xlink="http://www.w3.org/1999/xlink" ', 1
    )


def test_a_picture_that_expands_without_bound_is_packed_drawable(runner, make_cards, tmp_path):
    """Ten levels of ten <use>, markers on every vertex, escaped and image-set() addresses:
    under 2 KB written, 10^10 elements drawn. What the package holds draws a few elements."""
    bomb = _use_bomb().encode()
    assert len(bomb) < 40_000 and drawn_elements(bomb) >= svgsafe.MAX_ELEMENTS * 100
    cards = make_cards(calf={"cards": [{**CARD, "picture": "bomb.svg"}]})
    (cards / "media").mkdir()
    (cards / "media" / "bomb.svg").write_bytes(bomb)
    out = tmp_path / "d.apkg"
    assert invoke(runner, "build", cards, "-o", out).exit_code == 0
    (svg,) = [d for name, d in _packed_media(out, tmp_path).items() if name.endswith(".svg")]
    assert drawn_elements(svg) <= 50
    assert path_vertices(svg) <= svgsafe.MAX_PATH_VERTICES
    assert addresses(svg) == []
    preview = tmp_path / "p.html"
    assert invoke(runner, "preview", cards, "-o", preview).exit_code == 0


def test_every_picture_of_the_shipped_deck_is_drawable_and_local(runner, shipped_cards, tmp_path):
    out = tmp_path / "d.apkg"
    assert invoke(runner, "build", shipped_cards, "-o", out).exit_code == 0
    media = _packed_media(out, tmp_path)
    svgs = [data for name, data in media.items() if name.endswith(".svg")]
    assert len(svgs) > 50
    for data in svgs:
        assert drawn_elements(data) <= svgsafe.MAX_ELEMENTS
        assert path_vertices(data) <= svgsafe.MAX_PATH_VERTICES
        assert addresses(data) == []
        svgsafe.check_packed(data, "packed.svg")


@pytest.mark.parametrize(
    ("content", "over"),
    [
        ("<g/>" * (svgsafe.MAX_ELEMENTS + 1), "elements"),
        (f'<path d="M0 0 {"L1 2 " * svgsafe.MAX_PATH_VERTICES}"/>', "path vertices"),
    ],
)
def test_an_svg_over_its_bounds_is_a_located_error(runner, make_cards, tmp_path, content, over):
    cards = make_cards(calf={"cards": [{**CARD, "picture": "big.svg"}]})
    (cards / "media").mkdir()
    (cards / "media" / "big.svg").write_text(SVG.format(content), "utf-8")
    (located,) = fails_located(runner, cards, "svg", tmp_path)
    assert located.startswith(f"{cards}/media/big.svg:2:") and "more than " in located
    assert over in located


def test_a_diagram_over_its_bounds_is_a_located_error(runner, shipped_cards, tmp_path):
    """A diagram is drawn again for every subject it shows: its own, lower, bound."""
    shapes = '<path class="skin" d="M0 0 L1 1 L1 0 Z"/>\n' * (svgsafe.DIAGRAM.elements + 1)
    (shipped_cards / "diagrams" / "huge.svg").write_text(
        SVG.format(shapes).replace("<svg ", '<svg data-view="Right leg" ', 1), "utf-8"
    )
    (located,) = fails_located(runner, shipped_cards, "diagram", tmp_path)
    assert located.startswith(f"{shipped_cards}/diagrams/huge.svg:")
    assert f"more than {svgsafe.DIAGRAM.elements} elements" in located


def test_media_over_the_deck_bound_are_a_located_error(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [{**CARD, "picture": "p0.png"}]})
    (cards / "media").mkdir()
    count = MAX_DECK_MEDIA_BYTES // (15 << 20) + 1
    for n in range(count):
        with (cards / "media" / f"p{n}.png").open("wb") as handle:
            handle.truncate(15 << 20)  # sparse: the size is what counts
    located = fails_located(runner, cards, "media-size", tmp_path)
    assert located[0].startswith(f"{cards}/media/p{count - 1}.png:1:1:")


def test_media_that_is_no_picture_sound_or_video_is_refused(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [{**CARD, "extra": "See ![page](page.html)"}]})
    (cards / "media").mkdir()
    (cards / "media" / "page.html").write_text("<script>alert(1)</script>", "utf-8")
    (located,) = fails_located(runner, cards, "media-type", tmp_path)
    assert located.startswith(f"{cards}/media/page.html:1:1:") and "'.html'" in located


# 2. Nothing leaves the package ------------------------------------------------------------


@pytest.mark.parametrize("address", ["//tracker.example/x.png", "https://tracker.example/x.png"])
def test_a_picture_in_a_source_is_a_located_error(runner, make_cards, tmp_path, address):
    """Without references a source is Markdown: a picture there was a tracking pixel."""
    cards = make_cards(calf={"cards": [{**CARD, "source": f"Gray ![x]({address})"}]})
    (located,) = fails_located(runner, cards, "picture-place", tmp_path)
    assert located.startswith(f"{cards}/calf.yaml:5:")


def test_a_picture_in_a_stride_source_is_a_located_error(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [{**CARD, "subject": "soleus"}]})
    write_yaml(cards / "subjects.yaml", {"subjects": [{"key": "soleus", "name": "Soleus"}]})
    write_yaml(
        cards / "stride.yaml",
        {
            "speeds": {"easy": {"label": "Easy", "toe_off": 38, "source": "S1"}},
            "muscles": [
                {
                    "subject": "soleus",
                    "spans": [
                        {
                            "speed": "easy",
                            "from": 0,
                            "to": 30,
                            "role": "support",
                            "source": "![x](//tracker.example/x.png)",
                        }  # fmt: skip
                    ],
                }
            ],
        },
    )
    (located,) = fails_located(runner, cards, "picture-place", tmp_path)
    lines = (cards / "stride.yaml").read_text("utf-8").splitlines()
    line = next(n for n, row in enumerate(lines, 1) if "tracker.example" in row)
    assert located.startswith(f"{cards}/stride.yaml:{line}:")


@pytest.mark.parametrize("field", ["front", "back", "extra"])
def test_a_remote_picture_on_a_card_is_a_located_error(runner, make_cards, tmp_path, field):
    cards = make_cards(
        calf={"cards": [{**CARD, field: "Soleus ![x](https://tracker.example/x.png)"}]}
    )
    (located,) = fails_located(runner, cards, "missing-media", tmp_path)
    assert "https://tracker.example/x.png" in located and "an address" in located


def test_a_field_picture_the_package_lacks_stops_the_build_located():
    """The last word before a field is written: generated fields pass it too."""
    card = Card(id="chart-x", where=Where("cards/stride.yaml", 7, 3), front="q", back="a",
                source="x", generated=True)  # fmt: skip
    fields = ("q", "a", "", "", '<img src="//tracker.example/x.png">', "", "chart-x")
    with pytest.raises(SourcesError) as caught:
        packed_images(card, fields, {"fg-chart-1.svg"})
    (problem,) = caught.value.problems
    assert str(problem.where) == "cards/stride.yaml:7:3" and problem.rule == "missing-media"
    assert packed_images(card, ('<img src="fg-chart-1.svg">',), {"fg-chart-1.svg"}) == [
        "fg-chart-1.svg"
    ]


def test_links_stay_links(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [{**CARD, "extra": "[Gray](https://example.org/gray)"}]})
    out = tmp_path / "d.apkg"
    assert invoke(runner, "build", cards, "-o", out).exit_code == 0
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, out)
        extra = notes_by_card_id(col)["soleus-depth"]["Extra"]
    finally:
        col.close()
    assert 'href="https://example.org/gray"' in extra


def test_the_shipped_package_shows_only_pictures_it_holds(shipped_cards, tmp_path):
    from flashgen.build import build

    out = tmp_path / "d.apkg"
    build(shipped_cards, output=out, environ={"SOURCE_DATE_EPOCH": "1"})
    with zipfile.ZipFile(out) as archive:
        held = set(json.loads(archive.read("media")).values())
    col = open_collection(tmp_path / "anki")
    try:
        import_apkg(col, out)
        shown = set()
        for note in notes_by_card_id(col).values():
            for value in note.values():
                shown.update(col.media.files_in_str(note.mid, value))
    finally:
        col.close()
    assert shown and shown <= held
    assert not [name for name in shown if "/" in name or ":" in name]


def test_diagrams_whose_pictures_would_explode_are_a_located_error(runner, make_cards, tmp_path):
    """Every subject a diagram shows gets two copies of the view: 3.5 MB of diagram showing 60
    subjects would be 420 MB of pictures. Refused before any is drawn, at the diagram."""
    keys = [f"muscle-{n}" for n in range(60)]
    cards = make_cards(calf={"cards": [CARD]})
    write_yaml(cards / "subjects.yaml", {"subjects": [{"key": k, "name": k} for k in keys]})
    long_number = "1." + "0" * 1700
    skin = f'<path class="skin" d="M0 0 L{long_number} 0 L0 {long_number} Z"/>\n' * 1000
    regions = "".join(
        f'<path class="region" data-subjects="{k}" d="M{n} 0 L{n + 1} 0 L{n} 1 Z"/>\n'
        for n, k in enumerate(keys)
    )
    (cards / "diagrams").mkdir()
    diagram = SVG.format(skin + regions).replace("<svg ", '<svg data-view="Right leg" ', 1)
    assert 3_000_000 < len(diagram) < svgsafe.MAX_SVG_BYTES
    (cards / "diagrams" / "view.svg").write_text(diagram, "utf-8")
    located = fails_located(runner, cards, "media-size", tmp_path)
    assert located[0].startswith(f"{cards}/diagrams/view.svg:1:1:") and "60 subjects" in located[0]


# 4. The lock is trusted only as far as it is sane ------------------------------------------


def _released(runner, make_cards, tmp_path) -> Path:
    cards = make_cards(calf={"cards": [CARD, {**CARD, "id": "two", "front": "Calf: two?"}]})
    built = invoke(runner, "build", cards, "-o", tmp_path / "first.apkg")
    assert built.exit_code == 0, built.output
    return cards


def _edit_lock(cards: Path, card_id: str, key: str, value: object) -> int:
    """Set one value of a card's lock entry; the line it is on."""
    lock = cards / "deck.lock"
    lines = lock.read_text("utf-8").splitlines(keepends=True)
    for number, line in enumerate(lines, 1):
        if line.strip().startswith(json.dumps(card_id) + ":"):
            name, _, entry = line.strip().rstrip(",").partition(": ")
            data = json.loads(entry)
            data[key] = value
            comma = "," if line.rstrip().endswith(",") else ""
            lines[number - 1] = f"    {name}: {json.dumps(data)}{comma}\n"
            lock.write_text("".join(lines), "utf-8")
            return number
    raise AssertionError(card_id)


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("mod", 253_402_300_799, "after the current time"),
        ("guid", "not a guid", "which flashgen never makes"),
        ("guid", "aaaaaaaaaaa", "which flashgen never makes"),
        ("notetype", 0, "out of range"),
        ("hash", "<script>", "not 24 hexadecimal digits"),
        ("deck", "A::::B", "no deck name"),
    ],
)
def test_an_insane_lock_entry_is_a_located_error(runner, make_cards, tmp_path, key, value, said):
    """A card dated in the year 9999 would build without a word, and since Anki updates a note
    only from a newer one, no later release could ever update it."""
    cards = _released(runner, make_cards, tmp_path)
    line = _edit_lock(cards, "two", key, value)
    (located,) = fails_located(runner, cards, "lock", tmp_path)
    assert located.startswith(f"{cards}/deck.lock:{line}:1: error: card 'two' in the lock")
    assert said in located and "restore deck.lock" in located
    frozen = invoke(runner, "build", cards, "--frozen", "-o", tmp_path / "f.apkg")
    assert frozen.exit_code == 1 and not (tmp_path / "f.apkg").exists()


def test_an_old_source_date_epoch_is_no_insane_lock(runner, make_cards, tmp_path):
    """SOURCE_DATE_EPOCH may be older than the lock's mods: the wall clock is the bound."""
    cards = _released(runner, make_cards, tmp_path)
    result = runner.invoke(cli, ["build", str(cards), "-o", str(tmp_path / "d.apkg")],
                           env={"SOURCE_DATE_EPOCH": "1000000000"})  # fmt: skip
    assert result.exit_code == 0, result.output


def test_a_source_date_epoch_after_now_is_refused(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [CARD]})
    result = runner.invoke(cli, ["build", str(cards), "-o", str(tmp_path / "d.apkg")],
                           env={"SOURCE_DATE_EPOCH": "99999999999"})  # fmt: skip
    assert result.exit_code == 1 and "after the current time" in result.stderr
    assert not (tmp_path / "d.apkg").exists() and not (cards / "deck.lock").exists()


def test_a_notetype_id_out_of_range_in_the_lock_is_a_located_error(runner, make_cards, tmp_path):
    cards = _released(runner, make_cards, tmp_path)
    lock = cards / "deck.lock"
    text = lock.read_text("utf-8")
    first = json.loads(text)["notetypes"]
    type_id = next(iter(first))
    lock.write_text(text.replace(f'"{type_id}": {{', '"0": {', 1), "utf-8")
    (located,) = fails_located(runner, cards, "lock", tmp_path)
    assert "notetype id 0 is out of range" in located


# 6. Smaller items --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cloze", "said"),
    [
        ("Calf: {{c0::soleus}} and {{c1::gastrocnemius}}.", "c0"),
        ("Calf: {{c1::soleus}} and {{c51::gastrocnemius}}.", "over c50"),
        ("Calf: {{c1::soleus}} and {{c1" + "9" * 5000 + "::x}}.", "over c50"),
        ('Calf: [the {{c1::soleus}}](https://example.org "{{c1::title}}").', "link's"),
        ("Calf: ![{{c1::soleus}}](x.png) and {{c2::calf}}.", "picture's"),
    ],
)
def test_cloze_syntax_anki_would_misread_is_a_located_error(runner, make_cards, tmp_path, cloze,
                                                            said):  # fmt: skip
    cards = make_cards(calf={"cards": [{"id": "c", "cloze": cloze, "source": "S1"}]})
    (cards / "media").mkdir()
    (cards / "media" / "x.png").write_bytes(b"png")
    located = fails_located(runner, cards, "cloze-syntax", tmp_path)
    assert located[0].startswith(f"{cards}/calf.yaml:3:") and said in located[0]


def test_a_huge_integer_is_a_located_error(runner, make_cards, tmp_path):
    cards = make_cards(calf="cards:\n  - id: " + "1" * 5000 + "\n    front: a\n    back: b\n")
    (located,) = fails_located(runner, cards, "wrong-type", tmp_path)
    assert located.startswith(f"{cards}/calf.yaml:2:9:") and "5000 digits" in located


@pytest.mark.parametrize("char", ["\ufffe", "\uffff", "\ufdd0", "\U0001ffff"])
def test_non_characters_are_refused_where_control_characters_are(runner, make_cards, tmp_path,
                                                                 char):  # fmt: skip
    cards = make_cards(calf={"cards": [CARD]})
    write_yaml(cards / "subjects.yaml", {"subjects": [{"key": "soleus", "name": f"Sol{char}"}]})
    (located,) = fails_located(runner, cards, "control-character", tmp_path)
    assert located.startswith(f"{cards}/subjects.yaml:") and "non-character" in located


def test_a_card_file_name_that_is_not_utf8_is_a_located_error(make_cards, tmp_path):
    cards = make_cards(calf={"cards": [CARD]})
    name = os.fsencode(str(cards)) + b"/\xff\xfe.yaml"
    with open(name, "wb") as handle:
        handle.write(b"cards: []\n")
    for command in ("check", "preview", "build"):
        done = subprocess.run(
            [sys.executable, "-m", "flashgen", command, str(cards),
             *(["-o", str(tmp_path / "out")] if command != "check" else [])],
            capture_output=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 1 and b"Traceback" not in done.stderr, done.stderr
        assert b"\\udcff\\udcfe.yaml:1:1: error: file name holds a byte that is not UTF-8" in (
            done.stderr
        )


@pytest.mark.parametrize("linked", ["cards", "cards/.schema"])
def test_init_never_follows_a_symlinked_folder(runner, tmp_path, linked):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    deck = tmp_path / "deck"
    (deck / linked).parent.mkdir(parents=True, exist_ok=True)
    (deck / linked).symlink_to(elsewhere)
    result = invoke(runner, "init", deck)
    assert result.exit_code == 1 and "is a symbolic link" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_output_onto_a_fifo_is_refused(runner, make_cards, tmp_path):
    cards = make_cards(calf={"cards": [CARD]})
    fifo = tmp_path / "pipe.apkg"
    os.mkfifo(fifo)
    for command in ("build", "preview"):
        result = invoke(runner, command, cards, "-o", fifo)
        assert result.exit_code == 1 and "not a regular file" in result.stderr
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_an_unreadable_diagrams_folder_is_a_located_error(shipped_cards):
    """Root reads any folder: the check runs as nobody, on a copy nobody may not list."""
    diagrams = shipped_cards / "diagrams"
    if os.geteuid() != 0:
        diagrams.chmod(0)
        command = [sys.executable, "-m", "flashgen", "check", str(shipped_cards)]
        public = None
    else:
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv is not installed")
        public = Path(tempfile.mkdtemp(dir="/tmp"))
        public.chmod(0o755)
        copy = public / "cards"
        shutil.copytree(shipped_cards, copy)
        for path in [copy, *copy.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        (copy / "diagrams").chmod(0o700)
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                   sys.executable, "-m", "flashgen", "check", str(copy)]  # fmt: skip
        shipped_cards = copy
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    finally:
        diagrams.chmod(0o755)
        if public is not None:
            shutil.rmtree(public)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{shipped_cards}/diagrams:1:1: error: cannot be listed: Permission denied" in (
        done.stderr
    )


def test_init_and_schema_print_paths_escaped(runner, tmp_path):
    folder = tmp_path / "deck\x1b[31mred\nline"
    result = invoke(runner, "init", folder, "--name", "Deck")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\\x1b[31mred\\nline" in result.stdout
    written = invoke(runner, "schema", "-o", tmp_path / "s\x1bx")
    assert written.exit_code == 0 and "\x1b" not in written.stdout and "\\x1b" in written.stdout


def test_a_kill_between_the_renames_leaves_a_lock_the_next_build_repairs(make_cards, tmp_path):
    """SIGKILL right after the lock's rename, before the deck's: the lock is never behind the
    deck, and the next build from the same sources writes exactly the deck the killed one
    would have."""
    cards = make_cards(calf={"cards": [CARD]})
    out = tmp_path / "d.apkg"
    epoch = {"SOURCE_DATE_EPOCH": "1700000000"}
    assert subprocess.run([sys.executable, "-m", "flashgen", "build", str(cards), "-o", str(out)],
                          env={**os.environ, **epoch}, timeout=300).returncode == 0  # fmt: skip
    old_deck = out.read_bytes()
    write_yaml(cards / "calf.yaml", {"cards": [CARD, {**CARD, "id": "new", "front": "Calf: new?"}]})
    fresh = tmp_path / "fresh"  # the same sources and lock, for the deck the killed build makes
    shutil.copytree(cards, fresh)
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_FIRST_RENAME, str(cards), str(out)],
        env={**os.environ, **epoch}, timeout=300,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    assert out.read_bytes() == old_deck  # the deck was not moved yet...
    assert "new" in json.loads((cards / "deck.lock").read_text("utf-8"))["cards"]  # the lock was
    repaired = subprocess.run(
        [sys.executable, "-m", "flashgen", "build", str(cards), "-o", str(out), "--frozen"],
        env={**os.environ, **epoch}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert repaired.returncode == 0, repaired.stderr  # the lock is what this build writes
    reference = tmp_path / "reference.apkg"
    assert subprocess.run([sys.executable, "-m", "flashgen", "build", str(fresh), "-o",
                           str(reference)], env={**os.environ, **epoch}, timeout=300,
                          capture_output=True).returncode == 0  # fmt: skip
    assert out.read_bytes() == reference.read_bytes()


KILL_AFTER_FIRST_RENAME = """
import os, signal, sys
from pathlib import Path
import flashgen.build as build
real = os.replace
def replace_then_die(source, target):
    real(source, target)
    if Path(target).name == "deck.lock":  # the records moved, the deck not yet
        os.kill(os.getpid(), signal.SIGKILL)
build.os.replace = replace_then_die
build.build(Path(sys.argv[1]), output=Path(sys.argv[2]))
"""


def test_a_full_temporary_folder_is_a_clear_error(make_cards, tmp_path):
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(tiny)],
                             capture_output=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr!r}")
    try:
        cards = make_cards(calf={"cards": [{**CARD, "id": f"c{n}", "front": f"Calf {n}: which?",
                                            "extra": "x" * 2000} for n in range(40)]})  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "flashgen", "build", str(cards), "-o", str(tmp_path / "d.apkg")],
            env={**os.environ, "TMPDIR": str(tiny)}, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    finally:
        subprocess.run(["umount", str(tiny)], check=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "cannot write the deck" in done.stderr and "TMPDIR" in done.stderr
    assert not (tmp_path / "d.apkg").exists() and not (cards / "deck.lock").exists()
