"""Telegram's MarkdownV2 and legacy Markdown parse modes.

MarkdownV2 is the one bots get wrong: every one of `_*[]()~`>#+-=|{}.!` outside an entity
must be escaped, and Telegram rejects the whole message otherwise. The parser follows the
rules in https://core.telegram.org/bots/api#markdownv2-style closely enough to reject what
Telegram rejects; exotic corners (expandable quotes, "___" disambiguation) are simplified.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

RESERVED_V2 = frozenset("_*[]()~`>#+-=|{}.!")
_V2_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough"}
_V2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


class EntityParseError(ValueError):
    """Markup Telegram cannot parse; the message becomes "can't parse entities: ..."."""


@dataclass
class Span:
    """An entity under construction; `tag` is the markup that opened it."""

    tag: str
    type: str
    offset: int
    length: int = 0
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None
    source_pos: int = 0

    def to_json(self) -> JSON:
        obj: JSON = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.url is not None:
            obj["url"] = self.url
        if self.language:
            obj["language"] = self.language
        if self.custom_emoji_id is not None:
            obj["custom_emoji_id"] = self.custom_emoji_id
        return obj


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


class _Builder:
    def __init__(self, source: str) -> None:
        self.source = source
        self.out: list[str] = []
        self.offset = 0
        self.spans: list[Span] = []
        self.stack: list[Span] = []

    def emit(self, piece: str) -> None:
        self.out.append(piece)
        self.offset += _u16(piece)

    def open(self, tag: str, kind: str, pos: int) -> Span:
        span = Span(tag=tag, type=kind, offset=self.offset, source_pos=pos)
        self.stack.append(span)
        return span

    def close(self, span: Span) -> None:
        self.stack.remove(span)
        span.length = self.offset - span.offset
        self.spans.append(span)

    def find_open(self, tag: str) -> Span | None:
        return next((s for s in reversed(self.stack) if s.tag == tag), None)

    def result(self) -> tuple[str, list[Span]]:
        return "".join(self.out), self.spans


def _read_until(source: str, pos: int, end: str, escapable: str) -> tuple[str, int] | None:
    """Text up to the unescaped `end`, with `\\x` escapes of `escapable` resolved."""
    out: list[str] = []
    while pos < len(source):
        if source.startswith(end, pos):
            return "".join(out), pos + len(end)
        char = source[pos]
        if char == "\\" and pos + 1 < len(source) and source[pos + 1] in escapable:
            out.append(source[pos + 1])
            pos += 2
            continue
        out.append(char)
        pos += 1
    return None


def parse_markdown_v2(source: str) -> tuple[str, list[Span]]:
    b = _Builder(source)
    pos = 0
    quote: Span | None = None
    while pos < len(source):
        char = source[pos]
        at_line_start = pos == 0 or source[pos - 1] == "\n"
        if char == "\\":
            if pos + 1 >= len(source) or not 0 < ord(source[pos + 1]) < 127:
                raise EntityParseError(
                    "Character '\\' is reserved and must be escaped with the preceding '\\'"
                )
            b.emit(source[pos + 1])
            pos += 2
        elif char == ">" and at_line_start:
            if quote is None:
                quote = b.open(">", "blockquote", pos)
            pos += 1
        elif char == "\n" and quote is not None and not source.startswith(">", pos + 1):
            b.close(quote)
            quote = None
            b.emit("\n")
            pos += 1
        elif source.startswith("```", pos):
            pos = _v2_pre(b, source, pos)
        elif char == "`":
            found = _read_until(source, pos + 1, "`", "`\\")
            if found is None:
                raise EntityParseError(
                    f"Can't find end of Code entity at byte offset {_byte(source, pos)}"
                )
            text, pos = found
            span = b.open("`", "code", pos)
            b.emit(text)
            b.close(span)
        elif source.startswith("||", pos):
            _toggle(b, "||", "spoiler", pos)
            pos += 2
        elif source.startswith("__", pos) or char in "*_~":
            marker = "__" if source.startswith("__", pos) else char
            _toggle(b, marker, _V2_MARKERS[marker], pos)
            pos += len(marker)
        elif char == "[" or source.startswith("![", pos):
            tag = "![" if char == "!" else "["
            b.open(tag, "custom_emoji" if tag == "![" else "text_link", pos)
            pos += len(tag)
        elif char == "]" and (link := b.find_open("[") or b.find_open("![")):
            pos = _v2_link_target(b, source, pos, link)
        elif char in RESERVED_V2:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            b.emit(char)
            pos += 1
    if quote is not None:
        b.close(quote)
    if b.stack:
        span = b.stack[-1]
        name = _V2_NAMES.get(span.type, span.type)
        raise EntityParseError(
            f"Can't find end of {name} entity at byte offset {_byte(source, span.source_pos)}"
        )
    return b.result()


def _toggle(b: _Builder, marker: str, kind: str, pos: int) -> None:
    span = b.find_open(marker)
    if span is None:
        b.open(marker, kind, pos)
    else:
        b.close(span)


def _v2_pre(b: _Builder, source: str, pos: int) -> int:
    start = pos
    pos += 3
    language = None
    newline = source.find("\n", pos)
    first_line = source[pos:newline] if newline != -1 else ""
    if newline != -1 and first_line and not any(c.isspace() for c in first_line):
        language, pos = first_line, newline + 1
    found = _read_until(source, pos, "```", "`\\")
    if found is None:
        raise EntityParseError(
            f"Can't find end of Pre entity at byte offset {_byte(source, start)}"
        )
    text, end = found
    span = b.open("```", "pre", start)
    span.language = language
    b.emit(text)
    b.close(span)
    return end


def _v2_link_target(b: _Builder, source: str, pos: int, span: Span) -> int:
    if not source.startswith("(", pos + 1):
        raise EntityParseError(
            f"Can't find end of {_V2_NAMES[span.type]} entity at byte offset "
            f"{_byte(source, span.source_pos)}"
        )
    found = _read_until(source, pos + 2, ")", ")\\")
    if found is None:
        raise EntityParseError(f"Can't find end of a URL at byte offset {_byte(source, pos + 1)}")
    target, end = found
    if span.type == "custom_emoji":
        span.custom_emoji_id = target.removeprefix("tg://emoji?id=")
    else:
        span.url = target
    b.close(span)
    return end


def parse_markdown(source: str) -> tuple[str, list[Span]]:
    """Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    b = _Builder(source)
    pos = 0
    simple = {"*": "bold", "_": "italic"}
    while pos < len(source):
        char = source[pos]
        if char == "\\" and pos + 1 < len(source) and source[pos + 1] in "*_`[":
            b.emit(source[pos + 1])
            pos += 2
            continue
        if char in simple or char == "`" or char == "[":
            end_marker = {"[": "]"}.get(char, char)
            if source.startswith("```", pos):
                char = end_marker = "```"
            close = source.find(end_marker, pos + len(char))
            if close == -1:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte(source, pos)}"
                )
            inner = source[pos + len(char) : close]
            pos = close + len(end_marker)
            kind = {"*": "bold", "_": "italic", "`": "code", "```": "pre", "[": "text_link"}
            span = b.open(char, kind[char], pos)
            if char == "[":
                url_end = source.find(")", pos) if source.startswith("(", pos) else -1
                if url_end == -1:
                    b.stack.remove(span)
                    b.emit(inner)  # "[text]" without a target is plain text
                    continue
                span.url = source[pos + 1 : url_end]
                pos = url_end + 1
            b.emit(inner)
            b.close(span)
            continue
        b.emit(char)
        pos += 1
    return b.result()
