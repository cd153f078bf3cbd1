"""Speed and memory of `flashgen build` and `flashgen check` against a bare pipeline.

Generates 50,000 cards in ten files, then times, alternating in one run and each in a fresh
process (so peak memory is the process's own):

- bare:    libyaml's C loader + genanki with a fixed model, no validation (the baseline)
- build:   `flashgen build`, the first time (no deck.lock yet)
- rebuild: `flashgen build` again, nothing changed (deck.lock read and compared)
- check:   `flashgen check`, with that deck.lock

on cards whose fields are plain text or simple emphasis (what most cards hold), then bare and
build again on the same cards with every explanation a Markdown list, which only the full
Markdown parser renders; and the shipped deck's `flashgen build`. Figures are ratios against
the baseline measured in the same run, so they hold on any machine.

    python benchmarks/build_speed.py [--cards 50000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

BARE = textwrap.dedent(
    """
    import sys, pathlib, yaml, genanki
    root = pathlib.Path(sys.argv[1])
    model = genanki.Model(1607392319, "Bare", fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}])
    deck = genanki.Deck(2059400110, "Bare")
    for path in sorted(root.glob("part-*.yaml")):
        for card in yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)["cards"]:
            deck.add_note(genanki.Note(model=model, fields=[card["front"], card["back"]],
                                       guid=genanki.guid_for(card["id"])))
    genanki.Package(deck).write_to_file(sys.argv[2], timestamp=1700000000)
    """
)


def generate(root: Path, cards: int, files: int = 10, *, lists: bool = False) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "deck.yaml").write_text(
        "name: Benchmark\nid: 1500000003\nkey: benchmark\n", encoding="utf-8"
    )
    per_file = cards // files
    for part in range(files):
        lines = ["cards:"]
        for n in range(part * per_file, (part + 1) * per_file):
            extra = (
                f'"Card {n} in short:\\n\\n- it crosses a joint\\n- it acts in stance {n % 4}"'
                if lists
                else f"An explanation of card {n}, with **emphasis**."
            )
            lines.append(
                f"  - id: card-{n}\n"
                f"    front: 'Muscle {n}: which joint does it *cross*?'\n"
                f"    back: Knee {n % 7}\n"
                f"    extra: {extra}\n"
                f"    source: Reference {n % 37}\n"
                f"    tags: [group::g{n % 9}, phase::p{n % 4}]"
            )
        (root / f"part-{part}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(argv: list[str], cwd: Path) -> tuple[float, int, float]:
    """Wall seconds, peak resident memory (KiB) and CPU seconds (user + system) of one fresh
    process. CPU time counts only the process's own work: on a machine shared with other jobs
    it moves less than wall time (both are printed)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    # An installed flashgen runs from byte-compiled files, as its dependencies do here; with
    # PYTHONDONTWRITEBYTECODE set, every run would compile flashgen's sources first.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} failed")
    return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        cards, listed = work / "cards", work / "lists"
        generate(cards, args.cards)
        generate(listed, args.cards, lists=True)

        def build(deck: Path) -> list[str]:
            return [python, "-m", "flashgen", "build", str(deck), "-o", str(work / "f.apkg")]

        # name: (cards directory, command, whether deck.lock is removed first)
        variants = {
            "bare": (cards, [python, "-c", BARE, str(cards), str(work / "bare.apkg")], True),
            "build": (cards, build(cards), True),
            "rebuild": (cards, build(cards), False),
            "check": (cards, [python, "-m", "flashgen", "check", str(cards)], False),
            "bare, lists": (
                listed,
                [python, "-c", BARE, str(listed), str(work / "bare.apkg")],
                True,
            ),
            "build, lists": (listed, build(listed), True),
        }
        times: dict[str, list[float]] = {name: [] for name in variants}
        memory: dict[str, list[int]] = {name: [] for name in variants}
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, (deck, argv, fresh) in variants.items():
                if fresh:
                    (deck / "deck.lock").unlink(missing_ok=True)
                    (deck / "deck.release").unlink(missing_ok=True)
                seconds, peak, used = run(argv, work)
                times[name].append(seconds)
                memory[name].append(peak)
                cpu[name].append(used)
        shipped_build = [python, "-m", "flashgen", "build", "-o", str(work / "s.apkg")]
        run(shipped_build, REPO)  # warm-up: writes the byte-compiled files, as installing does
        shipped = [run(shipped_build, REPO)[0] for _ in range(args.rounds)]

    median = {name: statistics.median(values) for name, values in times.items()}
    median_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    peak = {name: max(values) for name, values in memory.items()}
    print(
        f"{args.cards} cards in 10 files, {args.rounds} alternating rounds, medians of wall and "
        "CPU time, the largest peak memory"
    )
    for name in variants:
        base = "bare, lists" if name.endswith("lists") else "bare"
        print(
            f"  {name:<12} wall {median[name]:6.2f} s ({median[name] / median[base]:.2f}x)  "
            f"cpu {median_cpu[name]:6.2f} s ({median_cpu[name] / median_cpu[base]:.2f}x)  "
            f"peak {peak[name] / 1024:4.0f} MiB ({peak[name] / peak[base]:.2f}x)   vs {base}"
        )
    print(f"  check / build time: {median['check'] / median['build']:.2f}")
    print(f"shipped deck, flashgen build (whole process): {statistics.median(shipped):.2f} s")


if __name__ == "__main__":
    main()
