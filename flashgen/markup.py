"""Field text: a small, safe Markdown turned into sanitised HTML.

markdown-it-py parses (raw HTML in the source is escaped, never passed through), and nh3 then
cleans the result against an allow-list, so no script, event handler or ``javascript:`` URL
reaches a card whatever the source holds.
"""

from __future__ import annotations

import gc
import html
import re
import unicodedata
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    # Imported where first used: most fields (plain text, simple emphasis) never need the
    # parser or the sanitiser, and a large deck's build need not hold them in memory.
    import nh3
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

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

# No pattern here can backtrack on its input: every quantifier that could give characters back
# is possessive (``*+``, ``++``) or its alternatives cannot match the same text, and cloze
# deletions are found by a tokenizer (:func:`clozes`), not by a pattern over the whole field.
# tests/test_linear_time.py holds each one to a time limit on hostile text.

# Characters Markdown leaves as they are: no markup, no line break, nothing it escapes but '"'.
_INERT = r"[^*_`\[\]!<>&\\~\n\r\t\x00-\x08\x0b-\x1f\x7f]"
# What may not open a plain paragraph: a list item, a heading, a quote or a setext underline.
_NOT_A_BLOCK = r"(?![-+>#=]|\d++[.)])"
# Text that Markdown would only escape.
_PLAIN = re.compile(rf"\A{_NOT_A_BLOCK}{_INERT}*+\Z")
# *word* or **a few words**, with a letter or digit just inside each star run and no star just
# outside it: CommonMark's flanking rules then make it emphasis wherever it stands. The text
# inside cannot hold a star, so it runs to the next one: read once, possessively, and its last
# character checked by a lookbehind.
_EMPHASIS = rf"(?<!\*)(\*\*?+)([^\W_](?:{_INERT}*+(?<![\W_]))?+)\1(?!\*)"
_EMPHASIS_SPAN = re.compile(_EMPHASIS)
# Plain text with emphasis spans in it.
_PLAIN_WITH_EMPHASIS = re.compile(rf"\A{_NOT_A_BLOCK}(?:{_INERT}*+{_EMPHASIS})++{_INERT}*+\Z")
_SINGLE_PARAGRAPH = re.compile(r"\A<p>((?:(?!</?p>).)*+)</p>\n?\Z", re.DOTALL)
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]++)(")')
# Anki turns these into sound and text-to-speech tags wherever they stand in a field.
_AV_TAG = re.compile(r"\[(?=sound:|anki:)", re.IGNORECASE)
# The opening of a cloze deletion, {{c1::; see clozes() for the rest.
_CLOZE_OPEN = re.compile(r"\{\{c(\d++)::")
RAW_HTML = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*+(?:\s[^<>]*+)?/?>")
# A link or picture target in angle brackets, ``](<my file.png>)`` or ``[p]: <my file.png>``.
_ANGLE_TARGET = re.compile(r"(?:\]\(|\]:)[ \t]*<[^<>\n]*>")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    md.enable("strikethrough")
    # Headings, tables and code blocks do not belong on a flashcard; keep them as text.
    md.disable(["heading", "lheading", "code", "fence", "table"], ignoreInvalid=True)
    md.add_render_rule("image", _local_image)
    return md


def _local_image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A picture is always a media file: ':' in its target is part of the name (``a:b.png``),
    never a URL scheme, which the sanitiser would strip and leave a picture without source."""
    token = tokens[idx]
    source = token.attrGet("src")
    if isinstance(source, str) and ":" in source:
        token.attrSet("src", source.replace(":", "%3A"))
    return type(self).image(self, tokens, idx, options, env)


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    import nh3

    # One cleaner for every field: building the allow-lists each call doubled the cost.
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def sanitize(html_text: str) -> str:
    return _cleaner().clean(html_text)


def _inert_av_tags(html_text: str) -> str:
    """``[sound:x]`` and ``[anki:tts]`` are text here: Anki plays them only when written as is."""
    return _AV_TAG.sub("&#91;", html_text) if "[" in html_text else html_text


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>!&{}|~])")
_MARKDOWN_BLOCK_START = re.compile(r"\A([-+#>=])")
_MARKDOWN_ORDERED = re.compile(r"\A(\d+)([.)])")


def markdown_literal(text: str) -> str:
    """Source text to put into generated Markdown so that it renders as the text itself: no
    emphasis, link, picture, list or HTML it might look like (a name such as ``![](x.png)``)."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    escaped = _MARKDOWN_BLOCK_START.sub(r"\\\1", escaped)
    return _MARKDOWN_ORDERED.sub(r"\1\\\2", escaped)


def escape_text(text: str) -> str:
    """Any source text (a name, a key, a file name) as HTML text: shown, never interpreted."""
    return _inert_av_tags(html.escape(text, quote=False))


def attribute(value: str) -> str:
    """Any source text as the value of a double-quoted HTML attribute."""
    return _inert_av_tags(html.escape(value, quote=True))


def image_tag(name: str, alt: str, css_class: str = "") -> str:
    """A picture: ``name`` is a media file name, ``alt`` any text; both quoted as attributes."""
    classes = f' class="{attribute(css_class)}"' if css_class else ""
    return f'<img{classes} src="{attribute(name)}" alt="{attribute(alt)}">'


def _emphasis_html(match: re.Match[str]) -> str:
    tag = "em" if len(match.group(1)) == 1 else "strong"
    return f"<{tag}>{match.group(2)}</{tag}>"


class _Rendered:
    """Long fields already rendered, so that ``check`` and ``build`` parse each once: the
    parser costs about 10 µs per character of bracket-heavy text, and a run reads every field
    for its pictures, then renders it. Bounded by the characters it holds, oldest out first."""

    MIN_LENGTH = 512
    """Shorter fields are rendered again rather than kept: cheap, and decks hold 100,000s."""
    MAX_CHARACTERS = 1 << 25

    def __init__(self) -> None:
        self._html: dict[str, str] = {}
        self._size = 0

    def get(self, text: str) -> str | None:
        return self._html.get(text)

    def put(self, text: str, html_text: str) -> None:
        size = len(text) + len(html_text)
        if size > self.MAX_CHARACTERS:
            return
        while self._size + size > self.MAX_CHARACTERS:
            oldest = next(iter(self._html))
            self._size -= len(oldest) + len(self._html.pop(oldest))
        self._html[text] = html_text
        self._size += size


_RENDERED = _Rendered()


def _literal_brackets(text: str) -> str:
    """``text`` with its square brackets escaped when none can open a link or picture: an
    inline one needs "](" and a reference-style one a "[p]: ..." definition. The parser then
    skips the costly search for a closing bracket from every opening one (``![![![...``),
    and renders the same text. Not where a backslash, a code span or an angle bracket could
    give the added escapes another meaning."""
    if "[" not in text and "]" not in text:
        return text
    if "](" in text or "]:" in text or "\\" in text or "`" in text or "<" in text:
        return text
    return text.replace("[", "\\[").replace("]", "\\]")


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """For work that makes many objects and no reference cycles (loading sources, parsing a
    long field: a token object per mark): left running, the cycle collector would walk the
    growing heap again and again (a third of the time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    long = len(text) >= _Rendered.MIN_LENGTH
    if long:
        kept = _RENDERED.get(text)
        if kept is not None:
            return kept
    with cycle_collector_paused():
        rendered = _markdown().render(_literal_brackets(text))
    single = _SINGLE_PARAGRAPH.match(rendered)
    if single:
        rendered = single.group(1)
    result = _inert_av_tags(sanitize(rendered.strip()))
    if long:
        _RENDERED.put(text, result)
    return result


def media_stem(stem: str) -> str:
    """A media file's name part as packed: ASCII letters, digits, '_' and '-' only, so every
    platform's Anki stores it under the same name and no reference needs quoting."""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_stem).strip("-") or "media"


def media_suffix(suffix: str) -> str:
    return "." + (re.sub(r"[^a-z0-9]+", "", suffix.lower()) or "bin")


def picture_name(src: str) -> str:
    """The media file name an ``<img src>`` in rendered HTML refers to: Markdown percent-encodes
    link targets and the sanitiser escapes them, so both are undone (and the name is NFC)."""
    return unicodedata.normalize("NFC", unquote(html.unescape(src)))


def picture_names(html_text: str) -> list[str]:
    """The media file name of every picture in rendered field HTML."""
    return [picture_name(match.group(2)) for match in _IMG_SRC.finditer(html_text)]


def picture_references(text: str) -> list[str]:
    """The pictures a field's Markdown shows, as the build sees them: from the rendered HTML,
    so inline and reference-style images, escapes and encodings all count alike."""
    if "!" not in text or "[" not in text or ("](" not in text and "]:" not in text):
        return []  # an inline picture needs "](", a reference-style one a "[p]: ..." line
    return picture_names(to_html(text))


IMG_TAG = re.compile(r"<img\b[^<>]*+>")


def field_read_back(html_text: str, available: Collection[str]) -> str:
    """Field HTML read back from a file (a note as ``deck.release`` recorded it), made as safe
    as a field flashgen renders: cleaned with the same allow-list, Anki's sound tags inert, and
    every picture a media file in ``available``; any other picture (an address, a file the
    deck no longer packs) becomes the words "[picture]"."""
    cleaned = _inert_av_tags(sanitize(html_text))
    if "<img" not in cleaned:
        return cleaned

    def keep(match: re.Match[str]) -> str:
        names = picture_names(match.group(0))
        return match.group(0) if names and names[0] in available else "[picture]"

    return IMG_TAG.sub(keep, cleaned)


def replace_picture_sources(html_text: str, replace: Callable[[str], str | None]) -> str:
    """Rewrite each picture's ``src``: ``replace`` gets the media name and returns the new one
    (``None`` leaves it as it is); the new name is quoted as an attribute."""
    if "<img" not in html_text:
        return html_text

    def swap(match: re.Match[str]) -> str:
        new = replace(picture_name(match.group(2)))
        return match.group(0) if new is None else match.group(1) + attribute(new) + match.group(3)

    return _IMG_SRC.sub(swap, html_text)


@dataclass(frozen=True, slots=True)
class Cloze:
    """One cloze deletion, ``{{c<number>::<answer>}}`` or ``{{c<number>::<answer>::<hint>}}``,
    at ``start:end`` of its field."""

    start: int
    end: int
    number: int
    answer: str
    hint: str | None


_HUGE_CLOZE = 10**9
"""What a cloze number of more than nine digits reads as: far over any allowed number (int()
of thousands of digits is refused by Python, and no card has a billion deletions)."""


def clozes(text: str) -> list[Cloze]:
    """The cloze deletions of a field, as Anki reads them, in one pass (linear time).

    From each ``{{c<digits>::`` the answer runs to the first ``}}``; a ``::`` before that
    ends the answer and starts the hint (which is what the pattern
    ``{{c(\\d+)::(.*?)(?:::((?:(?!}}).)*))?}}`` matched, in quadratic to cubic time on a field
    of unclosed deletions). No ``}}`` after an opening: no more deletions."""
    found: list[Cloze] = []
    at = 0
    while True:
        opening = _CLOZE_OPEN.search(text, at)
        if opening is None:
            return found
        content = opening.end()
        close = text.find("}}", content)
        if close < 0:
            return found
        separator = text.find("::", content, close)
        if separator < 0:
            answer, hint = text[content:close], None
        else:
            answer, hint = text[content:separator], text[separator + 2 : close]
        digits = opening.group(1).lstrip("0") or "0"
        number = int(digits) if len(digits) <= 9 else _HUGE_CLOZE
        found.append(Cloze(opening.start(), close + 2, number, answer, hint))
        at = close + 2


def cloze_numbers(text: str) -> list[int]:
    return [cloze.number for cloze in clozes(text)]


def listed(names: Sequence[str]) -> str:
    """Names as a sentence lists them: "A", "A and B", "A, B and C"."""
    if len(names) < 3:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def replace_clozes(text: str, replace: Callable[[Cloze], str]) -> str:
    """``text`` with each cloze deletion (as :func:`clozes` finds them) replaced."""
    out: list[str] = []
    at = 0
    for cloze in clozes(text):
        out.extend((text[at : cloze.start], replace(cloze)))
        at = cloze.end
    out.append(text[at:])
    return "".join(out)


MAX_CLOZE_NUMBER = 50
"""The highest cloze number: Anki makes one card per number (up to 500) and every card shows
the whole text, so a note's cards, and the preview, grow as numbers times text."""


def cloze_in_link(text: str) -> str | None:
    """Where a cloze deletion sits inside a link's or picture's target, title or alt text
    (Anki would write its ``<span>`` into the attribute, or never see it); ``None`` if nowhere."""
    if "{{c" not in text or "]" not in text:
        return None
    for block in _markdown().parse(text):
        for token in block.children or ():
            if token.type not in {"image", "link_open"}:
                continue
            values = [unquote(str(value)) for value in token.attrs.values()]
            if token.type == "image":
                values.append(token.content)
            where = "picture" if token.type == "image" else "link"
            for value in values:
                if _CLOZE_OPEN.search(value):
                    return where
    return None


def has_raw_html(text: str) -> bool:
    if "<" not in text:
        return False
    if "]" in text:
        text = _ANGLE_TARGET.sub("](", text)
    return RAW_HTML.search(text) is not None
