"""What a viewer draws from an SVG: every element, with each reference expanded as a browser
does (``<use>`` draws its target again, a marker is drawn on every vertex of a path that names
it, a pattern or mask draws its content where it is used), and every address in it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

_ID_REF = re.compile(r"url\(\s*['\"]?#([^'\")\s]+)")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
STOP = 10_000_000
"""Counting stops here: a bomb is over any bound long before."""


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _href(element: ET.Element) -> str | None:
    for name, value in element.attrib.items():
        if _local(name) == "href":
            return value
    return None


def drawn_elements(data: bytes) -> int:
    """How many elements a viewer draws, every reference expanded (capped at :data:`STOP`)."""
    root = ET.fromstring(data)
    by_id = {e.get("id"): e for e in root.iter() if e.get("id")}
    memo: dict[int, int] = {}

    def size(element: ET.Element, depth: int = 0) -> int:
        key = id(element)
        if key in memo:
            return memo[key]
        if depth > 200:
            return STOP  # a reference cycle: the browser gives up, we call it over any bound
        total = 1
        href = _href(element)
        if _local(element.tag) == "use" and href and href.startswith("#"):
            target = by_id.get(href[1:])
            if target is not None:
                total += size(target, depth + 1)
        vertices = len(_NUMBER.findall(element.get("d", "") + element.get("points", ""))) // 2
        for name, value in element.attrib.items():
            for ref in _ID_REF.findall(value):
                target = by_id.get(ref)
                if target is None:
                    continue
                times = max(vertices, 1) if _local(name).startswith("marker") else 1
                total += times * size(target, depth + 1)
        for child in element:
            total += size(child, depth + 1)
        memo[key] = min(total, STOP)
        return memo[key]

    return size(root)


def path_vertices(data: bytes) -> int:
    root = ET.fromstring(data)
    return sum(len(_NUMBER.findall(e.get("d", "") + e.get("points", ""))) // 2 for e in root.iter())


def addresses(data: bytes) -> list[str]:
    """Every address an SVG names, in any attribute or style sheet, escaped or not: each
    ``url(``, ``image-set(``, href or CSS escape that a viewer could follow."""
    text = data.decode("utf-8")
    found = [m.group(0) for m in re.finditer(r"(?i)url\(\s*['\"]?(?!#)[^)]*\)", text)]
    found += re.findall(r"(?i)image-set\(|image\(|@import|\\[0-9a-f]", text)
    root = ET.fromstring(data)
    found += [h for e in root.iter() if (h := _href(e)) is not None]
    return found
