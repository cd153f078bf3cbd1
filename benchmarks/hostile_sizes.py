"""Cost against size on hostile text: every text-bearing input at 10 KB and 100 KB.

For each input (a card's front, back, extra and cloze, a subject's name, a diagram's path data,
stride.yaml, deck.yaml's references, deck.lock) and each kind of hostile text that once made a
pattern backtrack or a stage grow faster than its input (unclosed brackets and deletions, runs
of digits, stars, blank lines, parentheses...), a cards directory is written with that text at
10 KB and at 100 KB, and ``flashgen check`` and ``flashgen build`` are timed on it, each in a
fresh process (the time of the call, without starting Python). The table shows, per input, the
kind of text that was slowest at 100 KB: its times, the ratio 100 KB / 10 KB (at most 15x,
linear being 10x) and the whole process at 100 KB (at most 2 s).

    python benchmarks/hostile_sizes.py [--only INPUT] [--json]

Exit status 1 when a ratio or a time is over its bound.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SIZES = (10_000, 100_000)
MAX_RATIO = 15.0
MAX_SECONDS = 2.0

DECK = "name: Hostile\nid: 1500000009\nkey: hostile\n"
# Text that once cost more than its size: each is repeated to the size measured.
TEXT_ATOMS = {
    "words": "soleus calf ",
    "unclosed-picture": "![",
    "unclosed-link": "[a](",
    "stars": "*a",
    "emphasis": "**a b** ",
    "tags": "<a ",
    "blank-lines": "\n \n",
    "list-lines": "\n- a",
    "parentheses": "(a) ",
    "open-parentheses": "(",
    "unclosed-cloze": "{{c1::",
    "cloze-hints": "{{c1::a::",
    "digits": "1",
    "entities": "&#",
    "backticks": "`a",
}
CLOZE_ATOMS = {
    **TEXT_ATOMS,
    "deletions": "{{c1::a}} ",
    "many-numbers": "{{c7::a}}{{c3::b}} ",
    "answer-on-front": "{{c1::soleus}} soleus ",
}


def _quoted(text: str) -> str:
    """``text`` as a double-quoted YAML scalar."""
    return json.dumps(text, ensure_ascii=False)


def _card_deck(root: Path, key: str, text: str) -> None:
    card = {
        "id": "c1",
        "front": "Calf: which muscle?",
        "back": "Soleus",
        "source": "S1",
        "subject": "soleus",
    }
    if key == "cloze":
        del card["front"], card["back"]
        card["cloze"] = text
    else:
        card[key] = text
    lines = ["cards:"] + [
        f"  {'-' if n == 0 else ' '} {name}: {_quoted(value)}"
        for n, (name, value) in enumerate(card.items())
    ]
    (root / "cards.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    _subjects(root, "Soleus")


def _subjects(root: Path, name: str) -> None:
    (root / "subjects.yaml").write_text(
        "subjects:\n"
        f"  - {{key: soleus, name: {_quoted(name)}, kind: muscle, group: calf}}\n"
        "  - {key: calf, name: Calf, kind: group}\n",
        "utf-8",
    )


DIAGRAM = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 200" data-view="Right leg">\n'
    '<path class="skin" d="M0 0 L100 0 L100 200 L0 200 Z"/>\n'
    '<path class="region" data-subjects="soleus" d="{d}"/>\n'
    '<path class="region" data-subjects="calf" d="M60 60 L90 60 L90 90 Z"/>\n'
    "</svg>\n"
)


def _diagram_deck(root: Path, d: str) -> None:
    (root / "cards.yaml").write_text(
        'cards:\n  - {id: c1, front: "Calf: which muscle?", back: Soleus, source: S1}\n', "utf-8"
    )
    _subjects(root, "Soleus")
    (root / "diagrams").mkdir()
    (root / "diagrams" / "view.svg").write_text(DIAGRAM.format(d=d), "utf-8")


def _path(atom: str, size: int) -> str:
    if atom == "long-path":
        steps = []
        n = 0
        while sum(map(len, steps)) < size:
            steps.append(f"L{10 + n % 30} {10 + (n * 7) % 40} ")
            n += 1
        return "M10 10 " + "".join(steps) + "Z"
    body = (atom * size)[: size - 12]
    return f"M10 10 L{body}"


PATH_ATOMS = {
    "digits-then-stray": "1",
    "digit-dot-runs": "1.",
    "commas-and-spaces": " , ",
    "long-path": "long-path",
}


def _stride_deck(root: Path, atom: str, size: int) -> None:
    _card_deck(root, "extra", "x")
    head = (
        "speeds:\n"
        "  easy: {label: Easy, toe_off: 38, source: S1}\n"
        "muscles:\n"
        "  - subject: soleus\n"
        "    spans:\n"
    )
    if atom == "spans":
        span = "      - {speed: easy, from: 1, to: 30, role: support, source: S1}\n"
        text = head + span * max(1, (size - len(head)) // len(span))
    else:
        note = (TEXT_ATOMS[atom] * size)[: size - len(head)]
        text = (
            head
            + "      - {speed: easy, from: 1, to: 30, role: support, source: S1}\n"
            + f"    note: {_quoted(note)}\n"
        )
    (root / "stride.yaml").write_text(text, "utf-8")


STRIDE_ATOMS = {"spans": "spans", "words": "words", "parentheses": "parentheses"}


def _references_deck(root: Path, atom: str, size: int) -> None:
    _card_deck(root, "extra", "x")
    text = (TEXT_ATOMS[atom] * size)[:size]
    (root / "deck.yaml").write_text(DECK + f"references:\n  S1: {_quoted(text)}\n", "utf-8")


def _lock_deck(root: Path, atom: str, size: int) -> None:
    _card_deck(root, "extra", "x")
    lines = []
    n = 0
    filler = TEXT_ATOMS.get(atom, "")
    while sum(map(len, lines)) < size:
        deck = _quoted("Hostile" + (filler * 50 if filler else ""))
        lines.append(
            f'    "gone-{n}": {{"deck": {deck}, "guid": "a{n % 10}", "hash": "0", '
            f'"mod": 1, "notetype": 1}}'
        )
        n += 1
    (root / "deck.lock").write_text(
        '{\n  "version": 1,\n  "notetypes": {},\n  "forgotten": {},\n  "cards": {\n'
        + ",\n".join(lines)
        + "\n  }\n}\n",
        "utf-8",
    )


LOCK_ATOMS = {"entries": "entries", "long-decks": "parentheses"}

Writer = Callable[[Path, str, int], None]


def _text_input(key: str) -> Writer:
    def write(root: Path, atom: str, size: int) -> None:
        atoms = CLOZE_ATOMS if key == "cloze" else TEXT_ATOMS
        text = (atoms[atom] * size)[:size]
        if key == "name":
            _card_deck(root, "extra", "x")
            _subjects(root, text)
            (root / "diagrams").mkdir()
            (root / "diagrams" / "view.svg").write_text(
                DIAGRAM.format(d="M10 10 L50 10 L50 50 Z"), "utf-8"
            )
        else:
            _card_deck(root, key, text)

    return write


INPUTS: dict[str, tuple[Writer, dict[str, str]]] = {
    "front": (_text_input("front"), TEXT_ATOMS),
    "back": (_text_input("back"), TEXT_ATOMS),
    "extra": (_text_input("extra"), TEXT_ATOMS),
    "cloze": (_text_input("cloze"), CLOZE_ATOMS),
    "subject name": (_text_input("name"), TEXT_ATOMS),
    "diagram path": (lambda root, atom, size: _diagram_deck(root, _path(atom, size)), PATH_ATOMS),
    "stride.yaml": (_stride_deck, STRIDE_ATOMS),
    "references": (_references_deck, TEXT_ATOMS),
    "deck.lock": (_lock_deck, LOCK_ATOMS),
}

_RUN = """
import json, sys, time
from pathlib import Path
from flashgen.pipeline import check_directory
from flashgen.build import build
from flashgen.problems import FlashgenError, SourcesError
root, out = Path(sys.argv[1]), Path(sys.argv[2])
start = time.perf_counter()
check_directory(root)
checked = time.perf_counter()
try:
    build(root, output=out, environ={"SOURCE_DATE_EPOCH": "1700000000"})
    built = "ok"
except (SourcesError, FlashgenError) as exc:
    built = "error"
done = time.perf_counter()
print(json.dumps({"check": checked - start, "build": done - checked, "built": built}))
"""


def measure(write: Writer, atom: str, size: int) -> dict[str, float | str]:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "cards"
        root.mkdir()
        (root / "deck.yaml").write_text(DECK + "references:\n  S1: A source.\n", "utf-8")
        write(root, atom, size)
        begin = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _RUN, str(root), str(Path(scratch) / "out.apkg")],
            capture_output=True,
            text=True,
            timeout=600,
        )
        whole = time.perf_counter() - begin
        if done.returncode != 0:
            raise SystemExit(f"{atom} at {size}: {done.stderr[-2000:]}")
        result: dict[str, float | str] = json.loads(done.stdout)
        result["process"] = whole
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="one input, e.g. cloze")
    parser.add_argument("--json", action="store_true", help="every measurement as JSON")
    args = parser.parse_args()
    rows = []
    every = []
    failed = False
    for name, (write, atoms) in INPUTS.items():
        if args.only and name != args.only:
            continue
        worst = None
        for atom in atoms:
            small, large = (measure(write, atom, size) for size in SIZES)
            cost = [float(m["check"]) + float(m["build"]) for m in (small, large)]
            ratio = cost[1] / max(cost[0], 1e-3)
            entry = {"input": name, "text": atom, "10KB": small, "100KB": large, "ratio": ratio}
            every.append(entry)
            if worst is None or cost[1] > worst[0]:
                worst = (cost[1], entry)
            over = ratio > MAX_RATIO or float(large["process"]) > MAX_SECONDS
            failed = failed or over
            if over:
                print(f"over a bound: {name} / {atom}: {entry}", file=sys.stderr)
        assert worst is not None
        rows.append(worst[1])
    if args.json:
        print(json.dumps(every, indent=2))
        return int(failed)
    print(
        "| input | slowest hostile text | check+build 10 KB | check+build 100 KB | ratio "
        "| whole process 100 KB |"
    )
    print("|---|---|---|---|---|---|")
    for row in rows:
        small, large = row["10KB"], row["100KB"]
        print(
            f"| {row['input']} | {row['text']} "
            f"| {float(small['check']) + float(small['build']):.3f} s "
            f"| {float(large['check']) + float(large['build']):.3f} s "
            f"| {row['ratio']:.1f}x | {float(large['process']):.2f} s |"
        )
    worst_ratio = max(float(e["ratio"]) for e in every)
    worst_process = max(float(e["100KB"]["process"]) for e in every)  # type: ignore[index]
    print(
        f"\n{len(every)} cases; largest ratio {worst_ratio:.1f}x (bound {MAX_RATIO:g}x), "
        f"slowest whole process at 100 KB {worst_process:.2f} s (bound {MAX_SECONDS:g} s)"
    )
    return int(failed)


if __name__ == "__main__":
    sys.exit(main())
