"""Find anything executable in HTML by parsing it, as a browser would."""

from __future__ import annotations

from html.parser import HTMLParser


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.dangers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "iframe", "object", "embed", "style", "svg", "math", "form"}:
            self.dangers.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.dangers.append(f"{tag} {name}=")
            cleaned = "".join((value or "").split()).lower()
            if name in {"href", "src", "action", "formaction"} and cleaned.startswith(
                ("javascript:", "vbscript:", "data:text/html")
            ):
                self.dangers.append(f"{tag} {name}={value}")


def executable_parts(html: str) -> list[str]:
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.dangers
