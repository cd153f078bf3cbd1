"""flashgen.svgsafe: SVG from the sources is bounded and cleaned with an allow-list."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashgen import svgsafe
from flashgen.cli import cli

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">\n{}\n</svg>'


def test_a_clean_svg_is_kept_byte_for_byte():
    text = SVG.format('<!-- Drawn from: Gray -->\n<g class="x"><path class="region" '
                      'data-subjects="soleus" d="M0 0 L1 1 Z"/></g>')  # fmt: skip
    assert svgsafe.sanitise_text(text, "a.svg") is text


@pytest.mark.parametrize(
    ("hostile", "kept"),
    [
        ("<script>alert(1)</script><rect/>", "<rect/>"),
        ('<rect onclick="alert(1)" width="1"/>', '<rect width="1"/>'),
        ("<foreignObject><div>x</div></foreignObject><circle/>", "<circle/>"),
        ("<style>rect{fill:url(http://x)}</style><rect/>", "<rect/>"),
        ('<use href="http://evil/x#a"/><use href="#a"/>', '<use/><use href="#a"/>'),
        ('<rect fill="url(#g)" stroke="url(http://x/#g)"/>', '<rect fill="url(#g)"/>'),
        ('<a href="javascript:alert(1)"><rect/></a><g/>', "<g/>"),
        ('<image href="x.png"/><g/>', "<g/>"),
        ('<?xml-stylesheet href="http://x/s.css"?><g/>', "<g/>"),
    ],
)
def test_hostile_parts_are_dropped(hostile, kept):
    clean = svgsafe.sanitise_text(SVG.format(hostile), "a.svg")
    assert kept in clean
    for bad in ("script", "onclick", "foreignObject", "style", "http://x", "evil", "javascript"):
        assert bad not in clean
    assert "<image" not in clean and "<a " not in clean and "<?" not in clean


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (SVG.format("<g>" * 5000 + "</g>" * 5000), "nested more than 64 levels"),
        ('<!DOCTYPE svg [<!ENTITY a "b">]>' + SVG.format("&a;"), "DOCTYPE"),
        ("<html/>", "root element"),
        (SVG.format("<g>"), "cannot be read"),
        (SVG.format("<g/>" * (svgsafe.MAX_ELEMENTS + 1)), "more than"),
    ],
)
def test_unreadable_svgs_are_located_errors(text, message):
    with pytest.raises(svgsafe.SvgError) as caught:
        svgsafe.sanitise_text(text, "cards/media/a.svg")
    problem = caught.value.problem
    assert message in problem.message and problem.rule == "svg"
    assert problem.where.path == "cards/media/a.svg" and problem.where.line >= 1


def test_size_is_bounded_before_parsing(tmp_path: Path):
    path = tmp_path / "big.svg"
    path.write_bytes(SVG.format(" " * (svgsafe.MAX_SVG_BYTES + 1)).encode())
    with pytest.raises(svgsafe.SvgError) as caught:
        svgsafe.read_svg(path, "big.svg")
    assert caught.value.problem.rule == "file-too-large"


def test_bounds_only_reading_builds_no_cleaned_copy(tmp_path: Path, monkeypatch):
    """A diagram is read within the bounds but not cleaned (pictures are rebuilt from it)."""
    path = tmp_path / "view.svg"
    text = SVG.format('<script>alert(1)</script><g class="x"><rect width="1"/></g>')
    path.write_text(text, "utf-8")

    def no_copy(*_args, **_kwargs):
        raise AssertionError("a cleaned copy was built")

    monkeypatch.setattr(svgsafe, "_Element", no_copy)
    assert svgsafe.read_bounded(path, "view.svg", "diagram") == text
    path.write_text(SVG.format("<g>" * 100 + "</g>" * 100), "utf-8")
    with pytest.raises(svgsafe.SvgError, match="nested more than 64"):
        svgsafe.read_bounded(path, "view.svg", "diagram")


DECLARED = '<?xml version="1.0" encoding="{}"?>\n' + SVG.format("<text>+ADw-script+AD4-</text>")


@pytest.mark.parametrize("encoding", ["UTF-16", "Shift_JIS", "UTF-7", "iso-8859-1"])
def test_an_svg_declaring_another_encoding_is_refused(encoding, make_cards, runner):
    """A viewer honouring the declaration would decode other text than was checked (UTF-7
    turns "+ADw-script+AD4-" into "<script>"), so the file is refused where it says so."""
    cards = make_cards(calf={"cards": [{"id": "soleus-depth", "picture": "x.svg",
                                        "front": "Calf: which muscle lies deep?",
                                        "back": "Soleus", "source": "S1"}]})  # fmt: skip
    (cards / "media").mkdir()
    (cards / "media" / "x.svg").write_text(DECLARED.format(encoding), "utf-8")
    result = runner.invoke(cli, ["check", str(cards)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    (line,) = [row for row in result.stderr.splitlines() if "/media/x.svg:" in row]
    assert line.startswith(
        f"{cards}/media/x.svg:1:1: error: SVG declares encoding '{encoding}': flashgen reads "
        "SVG as UTF-8 only"
    ), line
    assert line.endswith("[svg]"), line


@pytest.mark.parametrize("encoding", ["UTF-8", "utf-8", "utf8"])
def test_an_svg_declaring_utf8_is_kept_byte_for_byte(encoding):
    text = DECLARED.format(encoding)
    assert svgsafe.sanitise_text(text, "a.svg") is text


def test_a_diagram_declaring_another_encoding_is_a_located_error(tmp_path):
    path = tmp_path / "view.svg"
    path.write_text(DECLARED.format("UTF-16"), "utf-8")
    with pytest.raises(svgsafe.SvgError) as caught:
        svgsafe.read_bounded(path, "cards/diagrams/view.svg", "diagram")
    problem = caught.value.problem
    assert problem.rule == "diagram" and problem.where.line == 1
    assert problem.message.startswith("diagram declares encoding 'UTF-16'")
