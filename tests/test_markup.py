"""Field Markdown becomes safe HTML whatever the source holds."""

from __future__ import annotations

import string

import pytest
from html_safety import executable_parts
from hypothesis import given, settings
from hypothesis import strategies as st

from flashgen.markup import to_html


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("Soleus", "Soleus"),
        ("**deep** to the *gastrocnemius*", "<strong>deep</strong> to the <em>gastrocnemius</em>"),
        ("one\ntwo", "one<br>\ntwo"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("5 < 6 & 7", "5 &lt; 6 &amp; 7"),
        ("{{c1::soleus::muscle}}", "{{c1::soleus::muscle}}"),
    ],
)
def test_markdown_subset(source, html):
    assert to_html(source) == html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "![x](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<svg onload=alert(1)>",
    ],
)
def test_nothing_executable_survives(source):
    assert executable_parts(to_html(source)) == []


def test_the_safety_probe_itself_finds_dangers():
    assert executable_parts('<img src=x onerror=alert(1)><a href=" JavaScript:x">') == [
        "img onerror=",
        "a href= JavaScript:x",
    ]


@settings(max_examples=3000, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
    | st.text(
        alphabet=st.sampled_from([*string.printable, "é", "–", "\xa0", "\u200b"]), max_size=40
    )
)
def test_plain_text_fast_path_matches_the_markdown_parser(text):
    from flashgen.markup import _PLAIN, _SINGLE_PARAGRAPH, _markdown, sanitize

    if not (text and _PLAIN.match(text) and text == text.strip() and text.isprintable()):
        return
    html = _markdown().render(text)
    single = _SINGLE_PARAGRAPH.match(html)
    slow = sanitize((single.group(1) if single else html).strip())
    assert to_html(text) == slow


def _parser_html(text: str) -> str:
    """What the full parser and sanitiser make of ``text``: the fast paths' reference."""
    from flashgen.markup import _SINGLE_PARAGRAPH, _markdown, sanitize

    html = _markdown().render(text)
    single = _SINGLE_PARAGRAPH.match(html)
    return sanitize((single.group(1) if single else html).strip())


_WORDS = st.text(alphabet=st.sampled_from("aZé9² .,:;'\"()/?-+#=%$@^|{}–"), min_size=0, max_size=8)
_SPAN_TEXT = st.builds(
    lambda first, middle, last: first + middle + last,
    st.sampled_from("aZé9²ß"),
    _WORDS,
    st.sampled_from(["", "b", "Ω", "7"]),
)


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(
        st.one_of(
            _WORDS,
            st.builds(
                lambda stars, inner: stars + inner + stars, st.sampled_from(["*", "**"]), _SPAN_TEXT
            ),
        ),
        min_size=1,
        max_size=6,
    ).map("".join)
    | st.text(alphabet=st.sampled_from("**  ab,.-_!é2\"'#"), max_size=24)
)
def test_emphasis_fast_path_matches_the_markdown_parser(text):
    from flashgen.markup import _PLAIN_WITH_EMPHASIS

    if not (text and _PLAIN_WITH_EMPHASIS.match(text) and text == text.strip()):
        return
    assert to_html(text) == _parser_html(text)


@pytest.mark.parametrize(
    "text",
    ["*a*", "**deep** to the *gastrocnemius*", "x*y*z", "a (*b*) c", "**1st** and *2*", "é*ß*"],
)
def test_emphasis_fast_path_takes_simple_emphasis(text):
    from flashgen.markup import _PLAIN_WITH_EMPHASIS

    assert _PLAIN_WITH_EMPHASIS.match(text)
    assert to_html(text) == _parser_html(text)


@pytest.mark.parametrize(
    "text", ["*a**b*", "* a*", "***a***", "*a *", "- *a*", "1. *a*", "*a_b*", "*a*\n*b*"]
)
def test_emphasis_fast_path_leaves_the_rest_to_the_parser(text):
    from flashgen.markup import _PLAIN_WITH_EMPHASIS

    assert not _PLAIN_WITH_EMPHASIS.match(text)
