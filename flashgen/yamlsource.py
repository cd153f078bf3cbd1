"""Safe YAML loading that keeps every value's file, line and column.

The document is built from libyaml's event stream rather than with ``yaml.load``: events never
construct objects, the loop is iterative (a deeply nested document cannot exhaust the stack),
and anchors, aliases and explicit tags are refused before they can expand or run anything.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import yaml

from flashgen.problems import Problem, ProblemError, Where, undecodable_at

try:  # libyaml's C parser when present; the pure-Python one otherwise.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32

# Plain-scalar tags we turn into Python values; anything else stays a string.
_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()

Scalar = str | int | float | bool | None


class _Node:
    """Where a node was written. Positions stay plain numbers (a deck can hold hundreds of
    thousands of values); a :class:`Where` is made only when something asks for one."""

    __slots__ = ("path", "line", "col")

    def __init__(self, path: str, line: int, col: int) -> None:
        self.path = path
        self.line = line
        self.col = col

    @property
    def where(self) -> Where:
        return Where(self.path, self.line, self.col)


class YScalar(_Node):
    __slots__ = ("value",)

    def __init__(self, value: Scalar, path: str, line: int, col: int) -> None:
        # Assigned here rather than through _Node.__init__: a deck makes millions of these.
        self.value = value
        self.path = path
        self.line = line
        self.col = col


class YSeq(_Node):
    __slots__ = ("items",)

    def __init__(self, path: str, line: int, col: int) -> None:
        super().__init__(path, line, col)
        self.items: list[YNode] = []


class YMap(_Node):
    """A mapping with string keys; ``keys`` keeps each key's own node, for where it was written."""

    __slots__ = ("items", "keys")

    def __init__(self, path: str, line: int, col: int) -> None:
        super().__init__(path, line, col)
        self.items: dict[str, YNode] = {}
        self.keys: dict[str, YScalar] = {}


YNode = YScalar | YSeq | YMap


class YamlProblem(ProblemError):
    """A source file that cannot be read or parsed."""


# What Anki refuses in a field (U+001F separates fields) or a terminal would act on: C0 and C1
# controls but tab and newline, DEL, and lone surrogates (which cannot be written as UTF-8).
# Also the 66 non-characters (U+FDD0-FDEF and the last two of every plane, U+FFFE, U+FFFF,
# U+1FFFE...): not characters to exchange, and U+FFFE/U+FFFF make the XML of a chart invalid.
NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17)
)
CONTROL = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\ud800-\\udfff{NONCHARACTERS}]")
# The same, for ASCII text: ten times faster than the whole class, which spells characters
# of every plane (``str.isascii`` is known without reading the text).
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def has_control(text: str) -> bool:
    """Whether ``text`` holds what :data:`CONTROL` refuses."""
    return (_ASCII_CONTROL if text.isascii() else CONTROL).search(text) is not None


def _kind(char: str) -> str:
    if "\ud800" <= char <= "\udfff":
        return "a byte that is not UTF-8, read as"
    if "\ufdd0" <= char <= "\ufdef" or (ord(char) & 0xFFFE) == 0xFFFE:
        return "non-character"
    return "control character"


def control_problem(text: str, where: Where, what: str = "text") -> Problem | None:
    """A located ``control-character`` problem when ``text`` holds one."""
    found = CONTROL.search(text)
    if found is None:
        return None
    return Problem(
        where,
        f"{what} holds {_kind(found.group())} U+{ord(found.group()):04X}, which Anki refuses "
        "or shows as nothing; remove it",
        "control-character",
    )


def read_regular_file(path: Path, shown: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``, which must be a regular file (not a symlink, FIFO, device or
    directory) of at most ``limit`` bytes; anything else is a located ``unsafe-file`` problem.

    The file is opened without following a symlink and without blocking (a FIFO would wait
    for a writer forever), and its type checked on the open descriptor."""

    def refuse(message: str, rule: str = "unsafe-file") -> YamlProblem:
        return YamlProblem(Problem(Where(shown), message, rule))

    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            raise refuse("is a symbolic link; flashgen reads only regular files inside the deck")
        descriptor = os.open(path, flags)
    except OSError as exc:
        raise refuse(f"cannot be read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise refuse("is not a regular file (a directory, FIFO or device); remove it")
        if info.st_size > limit:
            raise refuse(
                f"file is {info.st_size} bytes; the limit is {limit} bytes", "file-too-large"
            )
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            # As large as the file is: read(limit + 1) would ask for the whole limit (1 GiB
            # for a lock) at once. A file growing meanwhile is read on, up to the limit.
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += handle.read(limit + 1 - len(data))
    except OSError as exc:
        raise refuse(f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise refuse(f"file is over the limit of {limit} bytes", "file-too-large")
    return data


class _Mark(Protocol):
    line: int
    column: int


def _where(path: str, mark: _Mark | None) -> Where:
    if mark is None:
        return Where(path)
    return Where(path, mark.line + 1, mark.column + 1)


# First characters of the plain scalars YAML 1.1 may read as something other than text (bools,
# numbers, null, timestamps, merge keys); any other plain scalar is text as written.
_MAYBE_NOT_TEXT = frozenset(
    first for first in yaml.resolver.Resolver.yaml_implicit_resolvers if first
)


# What stays text: dates and times, and the merge key, value and yaml tags, which no safe
# loader constructs (PyYAML's own fails on a plain "=").
_TEXT_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "timestamp", "merge", "value", "yaml")
)


def _resolved(value: str) -> Scalar:
    tag = _resolver.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    if tag in _TEXT_TAGS:
        return value
    constructed = _constructor.construct_object(yaml.ScalarNode(tag, value))
    if isinstance(constructed, (int, float, bool)) or constructed is None:
        return constructed
    return value  # pragma: no cover - every other implicit tag is listed above


# Plain words YAML 1.1 reads as true, false or null, with what it reads; any other word
# starting with one of their letters is text (the resolvers match these words exactly).
_KEYWORDS: dict[str, Scalar] = {
    word: _resolved(word)
    for words in ("yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF",
                  "~ null Null NULL")
    for word in words.split()
}  # fmt: skip
_KEYWORD_FIRSTS = frozenset(word[0] for word in _KEYWORDS)


def _scalar_value(value: str) -> Scalar:
    """A plain scalar's value as YAML's safe loader reads it (dates and times stay text)."""
    if not value:
        return None
    first = value[0]
    if first not in _MAYBE_NOT_TEXT:
        return value
    if first in _KEYWORD_FIRSTS:
        return _KEYWORDS.get(value, value)
    return _resolved(value)


def _mapping_key(mapping: YMap, node: YNode) -> tuple[str, YScalar]:
    if not isinstance(node, YScalar) or isinstance(node.value, (bool, float)):
        raise YamlProblem(Problem(node.where, "mapping keys must be plain words", "yaml"))
    name = "" if node.value is None else str(node.value)
    if name in mapping.items:
        first = mapping.keys[name]
        raise YamlProblem(
            Problem(
                node.where, f"duplicate key '{name}' (first at line {first.line})", "duplicate-key"
            )
        )
    return name, node


def read_text(path: Path, shown: str) -> str:
    """Read a source file as UTF-8, raising a located problem for oversize or bad bytes, and
    for anything but a regular file."""
    data = read_regular_file(path, shown)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlProblem(
            Problem(
                undecodable_at(data, exc, shown),
                f"invalid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                "encoding",
            )
        ) from None


_NO_ANCHORS = "anchors and aliases (&, *) are not supported; write the value out"


def _tag_message(tag: str) -> str:
    shown_tag = tag.replace("tag:yaml.org,2002:", "!!")
    return f"YAML tag '{shown_tag}' is not allowed (tags never construct objects here)"


Stream = Callable[[YNode, YMap], None]
"""Takes each item of a streamed list as soon as it is complete, with the document's root
mapping as parsed so far."""


def parse(
    text: str, shown: str, *, stream: Stream | None = None, streamed_key: str = ""
) -> YNode | None:
    """Parse one YAML document into located nodes; ``None`` for an empty document.

    With ``stream``, the items of the list under the root mapping's ``streamed_key`` are
    handed to it one by one as each is complete, and not kept: a file of 100,000 cards is
    never a tree of 100,000 cards (the list is left empty)."""
    parser = _Loader(text)
    written_control = has_control(text)
    stack: list[YMap | YSeq] = []
    # For each open mapping, its key still waiting for a value.
    waiting: list[tuple[str, YScalar] | None] = []
    root: YNode | None = None
    documents = 0
    streamed: YSeq | None = None

    def refuse(message: str, rule: str, mark: _Mark | None) -> YamlProblem:
        return YamlProblem(Problem(_where(shown, mark), message, rule))

    get_event = parser.get_event
    scalar_event = yaml.ScalarEvent
    # Only a double-quoted scalar with a backslash escape can spell a control character the
    # text does not hold as written: without a backslash, no scalar's style need be read.
    escapes = "\\" in text
    try:
        while True:
            event = get_event()
            if type(event) is scalar_event:
                # Most events are scalars: this path is written for speed, and does what the
                # general path below does for any other event.
                if event.anchor is not None:
                    raise refuse(_NO_ANCHORS, "yaml", event.start_mark)
                tag = event.tag
                if tag is not None and tag not in _STANDARD_TAGS and tag != "!":
                    raise refuse(_tag_message(tag), "yaml-tag", event.start_mark)
                text_value: str = event.value
                value: Scalar = text_value
                at: _Mark = event.start_mark  # type: ignore[assignment]  # every event has one
                # In any value, name, key or id. Only a double-quoted scalar can spell one with
                # an escape; any other holds it as written, so a text without one needs no search.
                if (written_control or (escapes and event.style == '"')) and has_control(
                    text_value
                ):
                    control = control_problem(text_value, _where(shown, at))
                    assert control is not None
                    raise YamlProblem(control)
                if (
                    tag is None
                    and (not text_value or text_value[0] in _MAYBE_NOT_TEXT)
                    and event.implicit[0]
                ):
                    try:
                        value = _scalar_value(text_value)
                    except ValueError:  # an integer of more digits than Python converts
                        raise refuse(
                            f"a number of {len(text_value)} digits; quote it to write it as text",
                            "wrong-type",
                            at,
                        ) from None
                scalar = YScalar(value, shown, at.line + 1, at.column + 1)
                if not stack:
                    root = scalar
                    continue
                parent = stack[-1]
                if isinstance(parent, YSeq):
                    if parent is streamed:
                        assert stream is not None and isinstance(root, YMap)
                        stream(scalar, root)
                    else:
                        parent.items.append(scalar)
                    continue
                key = waiting[-1]
                if key is None:
                    name = scalar.value
                    if type(name) is str and name not in parent.items:
                        waiting[-1] = (name, scalar)
                    else:  # not a word, or a duplicate: a located problem
                        waiting[-1] = _mapping_key(parent, scalar)
                else:
                    parent.items[key[0]] = scalar
                    parent.keys[key[0]] = key[1]
                    waiting[-1] = None
                continue
            kind = type(event)
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                done = stack.pop()
                waiting.pop()
                if streamed is not None and stack and stack[-1] is streamed:
                    streamed.items.pop()  # the item just completed: handed over, not kept
                    assert stream is not None and isinstance(root, YMap)
                    stream(done, root)
                continue
            if kind is yaml.StreamEndEvent or event is None:
                break
            if kind is yaml.AliasEvent or getattr(event, "anchor", None):
                raise refuse(_NO_ANCHORS, "yaml", event.start_mark)
            tag = getattr(event, "tag", None)
            if tag is not None and tag not in _STANDARD_TAGS and tag != "!":
                raise refuse(_tag_message(tag), "yaml-tag", event.start_mark)
            mark = event.start_mark
            assert mark is not None  # both parsers mark every event
            node: YMap | YSeq
            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise refuse(f"nested more than {MAX_DEPTH} levels deep", "too-deep", mark)
                collection = YMap if kind is yaml.MappingStartEvent else YSeq
                node = collection(shown, mark.line + 1, mark.column + 1)
            else:
                if kind is yaml.DocumentStartEvent:
                    documents += 1
                    if documents > 1:
                        raise refuse(
                            "only one YAML document per file (remove the second '---')",
                            "yaml",
                            mark,
                        )
                continue

            if not stack:
                root = node
            else:
                parent = stack[-1]
                if type(parent) is YSeq:
                    parent.items.append(node)
                else:
                    assert isinstance(parent, YMap)
                    key = waiting[-1]
                    if key is None:
                        waiting[-1] = _mapping_key(parent, node)
                        continue  # a key is never a collection, so nothing to open
                    name, key_node = key
                    parent.items[name] = node
                    parent.keys[name] = key_node
                    waiting[-1] = None
                    if (
                        stream is not None
                        and name == streamed_key
                        and parent is root
                        and type(node) is YSeq
                    ):
                        streamed = node
            stack.append(node)
            waiting.append(None)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.problem and "maximum nesting depth" in exc.problem:
            # libyaml 0.2.6 stops at its own depth limit while scanning ahead, before an event
            # reaches ours: the same problem, so the same message.
            raise refuse(f"nested more than {MAX_DEPTH} levels deep", "too-deep", mark) from None
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            message = f"{exc.problem} ({exc.context})"
        raise refuse(f"YAML syntax: {message}", "yaml-syntax", mark) from None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line = before.count("\n") + 1
        col = exc.position - (before.rfind("\n") + 1) + 1
        raise YamlProblem(
            Problem(
                Where(shown, line, col),
                f"YAML: character {chr(exc.character)!r} is not allowed in YAML"
                if isinstance(exc.character, int)
                else f"YAML: {exc.reason}",
                "yaml-syntax",
            )
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(Problem(Where(shown), f"YAML: {exc}", "yaml-syntax")) from None
    return root


def to_plain(node: YNode) -> object:
    """The node as plain Python values, for code that does not need positions."""
    if isinstance(node, YScalar):
        return node.value
    if isinstance(node, YSeq):
        return [to_plain(item) for item in node.items]
    return {key: to_plain(value) for key, value in node.items.items()}
