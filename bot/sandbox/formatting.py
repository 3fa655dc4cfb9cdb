"""Turn a bot's formatted text into plain text plus MessageEntity objects, like Telegram.

Telegram stores and returns messages without markup, rejects malformed markup with
"can't parse entities", and finds commands, mentions and links by itself. Tests then see
the text a person would read, and a stray "<" or unescaped "." fails here, not in production.
Offsets and lengths are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.markdown import EntityParseError, Span, parse_markdown, parse_markdown_v2

JSON = dict[str, Any]

__all__ = ["EntityParseError", "auto_entities", "format_text", "utf16_len"]

_AUTO_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?!\w)")),
    ("url", re.compile(r"(?<![\w@])https?://[^\s<>\"]+[^\s<>\".,;:!?)\]']")),
    ("email", re.compile(r"(?<![\w.])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?!\w)")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*")),
)

_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")
_CHARREF_RE = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def format_text(
    text: str, parse_mode: str | None, entities: list[JSON] | None
) -> tuple[str, list[JSON]]:
    """Plain text and sorted entities for a text/caption the bot sent.

    Raises EntityParseError (→ 400 "can't parse entities") or ValueError for an unknown
    parse mode.
    """
    mode = (parse_mode or "").lower()
    if mode and entities:
        entities = None  # Telegram ignores entities when a parse mode is given
    if mode == "html":
        plain, spans = _parse_html(text)
    elif mode == "markdownv2":
        plain, spans = parse_markdown_v2(text)
    elif mode == "markdown":
        plain, spans = parse_markdown(text)
    elif mode:
        raise ValueError(f"unsupported parse_mode {parse_mode!r}")
    else:
        plain, spans = text, []
    explicit = [s.to_json() for s in spans if s.length > 0] + list(entities or [])
    found = [e for e in auto_entities(plain) if not _overlaps(e, explicit)]
    return plain, sorted(explicit + found, key=lambda e: (e["offset"], -e["length"]))


def auto_entities(text: str) -> list[JSON]:
    """Entities Telegram detects by itself: commands, links, e-mail, mentions, hashtags."""
    found: list[JSON] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _AUTO_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            found.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[:start]),
                    "length": utf16_len(match.group()),
                }
            )
    return sorted(found, key=lambda e: e["offset"])


def _overlaps(entity: JSON, others: list[JSON]) -> bool:
    start, end = entity["offset"], entity["offset"] + entity["length"]
    return any(o["offset"] < end and start < o["offset"] + o["length"] for o in others)


def _parse_html(source: str) -> tuple[str, list[Span]]:
    out: list[str] = []
    offset = 0  # UTF-16 length of `out`
    stack: list[Span] = []
    spans: list[Span] = []
    pos = 0
    while pos < len(source):
        char = source[pos]
        if char == "<":
            match = _TAG_RE.match(source, pos)
            if match is None:
                raise EntityParseError(
                    f"Unsupported start tag at byte offset {_byte_offset(source, pos)}"
                )
            closing, name, raw_attrs = match.group(1), match.group(2).lower(), match.group(3)
            if closing:
                _close_tag(source, pos, name, stack, spans, offset)
            else:
                stack.append(_open_tag(source, pos, name, raw_attrs, offset))
            pos = match.end()
            continue
        if char == "&" and (ref := _CHARREF_RE.match(source, pos)):
            piece = _decode_charref(ref.group(1))
            pos = ref.end()
        else:
            piece = char
            pos += 1
        out.append(piece)
        offset += utf16_len(piece)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return "".join(out), spans


def _decode_charref(ref: str) -> str:
    if ref in _NAMED_REFS:
        return _NAMED_REFS[ref]
    code = int(ref[2:], 16) if ref.startswith("#x") else int(ref[1:])
    return chr(code)


def _open_tag(source: str, pos: int, name: str, raw_attrs: str, offset: int) -> Span:
    attrs = {
        m.group(1).lower(): next((g for g in m.groups()[1:] if g is not None), "")
        for m in _ATTR_RE.finditer(raw_attrs)
    }
    span = Span(tag=name, type="", offset=offset)
    if name in _SIMPLE_TAGS:
        span.type = _SIMPLE_TAGS[name]
        if name == "code" and attrs.get("class", "").startswith("language-"):
            span.language = attrs["class"].removeprefix("language-")
    elif name == "span" and attrs.get("class") == "tg-spoiler":
        span.type = "spoiler"
    elif name == "a" and "href" in attrs:
        span.type, span.url = "text_link", attrs["href"]
    elif name == "blockquote":
        span.type = "expandable_blockquote" if "expandable" in attrs else "blockquote"
    elif name == "tg-emoji" and "emoji-id" in attrs:
        span.type, span.custom_emoji_id = "custom_emoji", attrs["emoji-id"]
    else:
        raise EntityParseError(
            f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, pos)}'
        )
    return span


def _close_tag(
    source: str, pos: int, name: str, stack: list[Span], spans: list[Span], offset: int
) -> None:
    if not stack or stack[-1].tag != name:
        raise EntityParseError(
            f"Unmatched end tag at byte offset {_byte_offset(source, pos)}, expected "
            f'"</{stack[-1].tag if stack else ""}>", found "</{name}>"'
        )
    span = stack.pop()
    span.length = offset - span.offset
    # <pre><code class="language-x"> is one pre entity with a language, not two entities.
    if span.type == "code" and stack and stack[-1].type == "pre":
        if span.language:
            stack[-1].language = span.language
        return
    spans.append(span)
