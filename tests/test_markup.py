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
