"""Read widget HTML the way the console does: buttons with their actions, rows, messages, forms, SVG."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class Button:
    label: str
    disabled: bool
    href: str | None
    endpoint: str | None = None
    display: str | None = None
    confirmation: str | None = None
    payload: dict[str, Any] | None = None
    row: int = -1
    why: str | None = None

    @property
    def asks(self) -> dict[str, Any] | None:
        """What the button asks for: its payload without the signature that lets it act (`clicks`)."""
        return None if self.payload is None else {k: v for k, v in self.payload.items() if k != "signature"}


@dataclass
class WidgetPage(HTMLParser):
    markup: str
    buttons: list[Button] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    selects: dict[str, tuple[list[str], str | None]] = field(default_factory=dict)
    legend: list[tuple[str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._open: list[tuple[str, dict[str, str | None]]] = []
        self._text = ""
        self._select: str | None = None
        self._cell = ""
        self.feed(str(self.markup))  # a Markup would re-escape what the parser unescapes

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append(tag)
        classes = (attributes.get("class") or "").split()
        if tag in ("a", "td", "caption", "cwdb-action", "p", "li", "option") or "l4e-message" in classes:
            self._text = ""
        if tag == "tr":
            self.rows.append([])
        if tag == "td":
            self._cell = ""
        if tag == "div" and "l4e-message" in classes:
            self.messages.append((next(c.removeprefix("l4e-") for c in classes if c != "l4e-message"), ""))
        if tag == "select":
            self._select = attributes.get("name") or ""
            self.selects[self._select] = ([], None)
        if tag == "option" and self._select is not None and "selected" in attributes:
            options, _ = self.selects[self._select]
            self.selects[self._select] = (options, attributes.get("value"))
        if tag == "option" and self._select is not None:
            self.selects[self._select][0].append(attributes.get("value") or "")
        if tag == "span" and "l4e-swatch" in classes:
            self.legend.append((attributes.get("data-color") or "", ""))
        self._open.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            opened, attributes = self._open.pop()
            if opened == tag:
                break
        else:
            return
        text = self._text.strip()
        if tag == "a":
            self.buttons.append(
                Button(
                    text,
                    "disabled" in attributes,
                    attributes.get("href"),
                    row=len(self.rows) - 1,
                    why=attributes.get("title"),
                ),
            )
        elif tag == "cwdb-action" and self.buttons:
            button = self.buttons[-1]
            button.endpoint, button.display = attributes.get("endpoint"), attributes.get("display")
            button.confirmation, button.payload = attributes.get("confirmation"), json.loads(text)
        elif tag == "td" and self.rows:
            self.rows[-1].append(" ".join(self._cell.split()))
        elif tag == "caption":
            self.captions.append(text)
        elif tag == "p" and "l4e-detail" in (attributes.get("class") or ""):
            self.footnotes.append(text)
        elif tag == "p" and self.messages and not self.messages[-1][1]:
            self.messages[-1] = (self.messages[-1][0], text)
        elif tag == "select":
            self._select = None
        elif tag == "li" and self.legend:
            self.legend[-1] = (self.legend[-1][0], text.rsplit(" ", 1)[0])

    def handle_data(self, data: str) -> None:
        self._text += data
        self._cell += data

    def button(self, label: str, row_text: str | None = None) -> Button:
        """The button with that label (in the table row that has a cell `row_text`)."""
        matches = [b for b in self.buttons if b.label == label]
        if row_text is not None:
            matches = [b for b in matches if b.row >= 0 and row_text in self.rows[b.row]]
        assert len(matches) == 1, f"{len(matches)} buttons {label!r} for {row_text!r}"
        return matches[0]

    def svg(self) -> ET.Element:
        start, end = self.markup.index("<svg"), self.markup.index("</svg>") + len("</svg>")
        return ET.fromstring(self.markup[start:end])  # noqa: S314 - SVG our own widget produced


def group(svg: ET.Element, gid: str) -> ET.Element:
    """The `<g id=...>` matplotlib writes for an artist given that gid."""
    found = [node for node in svg.iter(f"{SVG}g") if node.get("id") == gid]
    assert len(found) == 1, f"{len(found)} groups with id {gid!r}"
    return found[0]


def groups_starting(svg: ET.Element, prefix: str) -> list[ET.Element]:
    return [node for node in svg.iter(f"{SVG}g") if (node.get("id") or "").startswith(prefix)]


def fills(node: ET.Element) -> set[str]:
    """Fill colours of the shapes in a group, read from their style attributes."""
    colors = set()
    for shape in node.iter():
        for declaration in (shape.get("style") or "").split(";"):
            name, _, value = declaration.partition(":")
            if name.strip() == "fill" and value.strip() != "none":
                colors.add(value.strip())
    return colors


def texts(svg: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in svg.iter(f"{SVG}text")]
