"""Field text: a small, safe Markdown turned into sanitised HTML.

markdown-it-py parses (raw HTML in the source is escaped, never passed through), and nh3 then
cleans the result against an allow-list, so no script, event handler or ``javascript:`` URL
reaches a card whatever the source holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "em", "strong", "b", "i", "u", "sub", "sup", "code", "ul", "ol", "li", "a", "img",
    "span", "div", "hr", "blockquote", "s",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "class"},
    "span": {"class"},
    "div": {"class"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# Characters Markdown leaves as they are: no markup, no line break, nothing it escapes but '"'.
_INERT = r"[^*_`\[\]!<>&\\~\n\r\t\x00-\x08\x0b-\x1f\x7f]"
# What may not open a plain paragraph: a list item, a heading, a quote or a setext underline.
_NOT_A_BLOCK = r"(?![-+>#=]|\d+[.)])"
# Text that Markdown would only escape.
_PLAIN = re.compile(rf"\A{_NOT_A_BLOCK}{_INERT}*\Z")
# *word* or **a few words**, with a letter or digit just inside each star run and no star just
# outside it: CommonMark's flanking rules then make it emphasis wherever it stands.
_EMPHASIS = rf"(?<!\*)(\*\*?)([^\W_](?:{_INERT}*?[^\W_])?)\1(?!\*)"
_EMPHASIS_SPAN = re.compile(_EMPHASIS)
# Plain text with emphasis spans in it.
_PLAIN_WITH_EMPHASIS = re.compile(rf"\A{_NOT_A_BLOCK}(?:{_INERT}*{_EMPHASIS})+{_INERT}*\Z")
_SINGLE_PARAGRAPH = re.compile(r"\A<p>((?:(?!</?p>).)*)</p>\n?\Z", re.DOTALL)
_IMG_SRC = re.compile(r'(<img\b[^>]*\bsrc=")([^"]+)(")')
# {{c1::answer}} or {{c1::answer::hint}}; the hint may not contain "}}".
CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::((?:(?!\}\}).)*))?\}\}", re.DOTALL)
RAW_HTML = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    md.enable("strikethrough")
    # Headings, tables and code blocks do not belong on a flashcard; keep them as text.
    md.disable(["heading", "lheading", "code", "fence", "table"], ignoreInvalid=True)
    return md


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    # One cleaner for every field: building the allow-lists each call doubled the cost.
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def sanitize(html: str) -> str:
    return _cleaner().clean(html)


def _emphasis_html(match: re.Match[str]) -> str:
    tag = "em" if len(match.group(1)) == 1 else "strong"
    return f"<{tag}>{match.group(2)}</{tag}>"


def to_html(text: str) -> str:
    """Markdown to safe HTML; one paragraph is unwrapped so short answers stay inline."""
    if not text:
        return ""
    if text.isprintable() and text == text.strip():
        # The common cases, plain text and simple emphasis, skip the parser: builds of large
        # decks spend most of their time here. Tests check both give the parser's output.
        if _PLAIN.match(text):
            return text
        if _PLAIN_WITH_EMPHASIS.match(text):
            return _EMPHASIS_SPAN.sub(_emphasis_html, text)
    html = _markdown().render(text)
    single = _SINGLE_PARAGRAPH.match(html)
    if single:
        html = single.group(1)
    return sanitize(html.strip())


def picture_names(html: str) -> list[str]:
    """The ``src`` of every picture in rendered field HTML."""
    return [match.group(2) for match in _IMG_SRC.finditer(html)]


def replace_picture_sources(html: str, replace: Callable[[str], str | None]) -> str:
    """Rewrite each picture's ``src`` with ``replace`` (``None`` leaves it as it is)."""
    if "<img" not in html:
        return html

    def swap(match: re.Match[str]) -> str:
        new = replace(match.group(2))
        return match.group(0) if new is None else match.group(1) + new + match.group(3)

    return _IMG_SRC.sub(swap, html)


def cloze_numbers(text: str) -> list[int]:
    return [int(match.group(1)) for match in CLOZE.finditer(text)]


def has_raw_html(text: str) -> bool:
    return RAW_HTML.search(text) is not None
