"""Running the CLI in a test the way a user meets it: no traceback, errors located."""

from __future__ import annotations

from flashgen.cli import cli


def invoke(runner, *args, env=None):
    result = runner.invoke(cli, [str(a) for a in args], env=env)
    # No traceback: the only exception a command may end with is its exit.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if ": error: " in line]


def fails_located(runner, cards, rule, tmp_path, *, build=True) -> list[str]:
    """check (and build) fail with a located ``rule`` error, and build writes nothing."""
    checked = invoke(runner, "check", cards)
    assert checked.exit_code == 1, checked.output
    located = [line for line in errors(checked) if line.endswith(f"[{rule}]")]
    assert located, checked.stderr
    path, line, col = located[0].split(": error: ")[0].rsplit(":", 2)
    assert path.startswith(str(cards)) and int(line) >= 1 and int(col) >= 1
    if build:
        out = tmp_path / "out.apkg"
        built = invoke(runner, "build", cards, "-o", out)
        assert built.exit_code == 1 and not out.exists(), built.output
    return located
