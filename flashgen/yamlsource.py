"""Safe YAML loading that keeps every value's file, line and column.

The document is built from libyaml's event stream rather than with ``yaml.load``: events never
construct objects, the loop is iterative (a deeply nested document cannot exhaust the stack),
and anchors, aliases and explicit tags are refused before they can expand or run anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import yaml

from flashgen.problems import Problem, Where

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


@dataclass(slots=True)
class YScalar:
    value: Scalar
    where: Where


@dataclass(slots=True)
class YSeq:
    items: list[YNode]
    where: Where


@dataclass(slots=True)
class YMap:
    """A mapping with string keys; ``keys`` keeps where each key was written."""

    items: dict[str, YNode]
    where: Where
    keys: dict[str, Where] = field(default_factory=dict)


YNode = YScalar | YSeq | YMap


class YamlProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class _Mark(Protocol):
    line: int
    column: int


def _where(path: str, mark: _Mark | None) -> Where:
    if mark is None:
        return Where(path)
    return Where(path, mark.line + 1, mark.column + 1)


def _scalar_value(event: yaml.ScalarEvent) -> Scalar:
    plain = event.implicit[0]
    if not plain:
        return event.value
    tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
    if tag in {"tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge"}:
        return event.value
    value = _constructor.construct_object(yaml.ScalarNode(tag, event.value))
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return event.value  # pragma: no cover - every other implicit tag is listed above


def read_text(path: Path, shown: str) -> str:
    """Read a source file as UTF-8, raising a located problem for oversize or bad bytes."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise YamlProblem(
            Problem(
                Where(shown),
                f"file is {size} bytes; the limit is {MAX_FILE_BYTES} bytes (16 MiB)",
                "file-too-large",
            )
        )
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YamlProblem(
            Problem(
                Where(shown, line, col),
                f"invalid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                "encoding",
            )
        ) from None


def parse(text: str, shown: str) -> YNode | None:
    """Parse one YAML document into located nodes; ``None`` for an empty document."""
    stack: list[YMap | YSeq] = []
    pending_key: list[tuple[str, Where] | None] = []
    root: YNode | None = None
    documents = 0

    def refuse(message: str, rule: str, mark: _Mark | None) -> YamlProblem:
        return YamlProblem(Problem(_where(shown, mark), message, rule))

    def attach(node: YNode) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        parent = stack[-1]
        if isinstance(parent, YSeq):
            parent.items.append(node)
            return
        key = pending_key[-1]
        if key is None:
            if not isinstance(node, YScalar) or isinstance(node.value, (bool, float)):
                raise YamlProblem(Problem(node.where, "mapping keys must be plain words", "yaml"))
            name = "" if node.value is None else str(node.value)
            if name in parent.items:
                first = parent.keys[name]
                raise YamlProblem(
                    Problem(
                        node.where,
                        f"duplicate key '{name}' (first at line {first.line})",
                        "duplicate-key",
                    )
                )
            pending_key[-1] = (name, node.where)
            return
        name, key_where = key
        parent.items[name] = node
        parent.keys[name] = key_where
        pending_key[-1] = None

    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise refuse(
                    "anchors and aliases (&, *) are not supported; write the value out",
                    "yaml",
                    event.start_mark,
                )
            tag = getattr(event, "tag", None)
            if tag is not None and tag not in _STANDARD_TAGS and tag != "!":
                shown_tag = tag.replace("tag:yaml.org,2002:", "!!")
                raise refuse(
                    f"YAML tag '{shown_tag}' is not allowed (tags never construct objects here)",
                    "yaml-tag",
                    event.start_mark,
                )
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise refuse(
                        "only one YAML document per file (remove the second '---')",
                        "yaml",
                        event.start_mark,
                    )
            elif isinstance(event, yaml.ScalarEvent):
                value: Scalar = event.value if tag is not None else _scalar_value(event)
                attach(YScalar(value, _where(shown, event.start_mark)))
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise refuse(
                        f"nested more than {MAX_DEPTH} levels deep", "too-deep", event.start_mark
                    )
                where = _where(shown, event.start_mark)
                node: YMap | YSeq = (
                    YMap({}, where)
                    if isinstance(event, yaml.MappingStartEvent)
                    else YSeq([], where)
                )
                attach(node)
                stack.append(node)
                pending_key.append(None)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
                pending_key.pop()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
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
