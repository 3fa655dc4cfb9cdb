"""Formatted text becomes plain text plus entities, as Telegram stores it."""

from __future__ import annotations

import re

import pytest

from bot.sandbox.formatting import EntityParseError, auto_entities, format_text


def test_plain_text_gets_automatic_entities() -> None:
    text, entities = format_text("Zie https://lotgenoot.nl of /help, @alice_nl #sparen", None, None)
    assert text == "Zie https://lotgenoot.nl of /help, @alice_nl #sparen"
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("url", 4, 20),
        ("bot_command", 28, 5),
        ("mention", 35, 9),
        ("hashtag", 45, 7),
    ]


def test_offsets_are_utf16() -> None:
    assert auto_entities("👋 /start") == [{"type": "bot_command", "offset": 3, "length": 6}]
    _, entities = format_text("👋 <b>vet</b>", "HTML", None)
    assert entities == [{"type": "bold", "offset": 3, "length": 3}]


def test_html() -> None:
    text, entities = format_text(
        '<b>a<i>b</i></b> <pre><code class="language-python">x = 1</code></pre> '
        "<tg-spoiler>s</tg-spoiler> &lt;3 &#128075;",
        "HTML",
        None,
    )
    assert text == "ab x = 1 s <3 👋"
    assert {"type": "pre", "offset": 3, "length": 5, "language": "python"} in entities
    assert {"type": "italic", "offset": 1, "length": 1} in entities
    assert {"type": "spoiler", "offset": 9, "length": 1} in entities


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", "Unmatched end tag"),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("a < b", "Unsupported start tag"),
    ],
)
def test_html_errors(source: str, message: str) -> None:
    with pytest.raises(EntityParseError, match=re.escape(message)):
        format_text(source, "HTML", None)


def test_markdown_v2() -> None:
    text, entities = format_text(
        "*vet* _schuin_ __onder__ ~door~ ||geheim|| [link](https://x.nl) `code` 1\\.5\\!",
        "MarkdownV2",
        None,
    )
    assert text == "vet schuin onder door geheim link code 1.5!"
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "text_link",
        "code",
    ]
    text, entities = format_text("```python\nprint(1)\n```", "MarkdownV2", None)
    assert text == "print(1)\n"
    assert entities == [{"type": "pre", "offset": 0, "length": 9, "language": "python"}]
    text, entities = format_text(">citaat\n>regel 2\nna", "MarkdownV2", None)
    assert text == "citaat\nregel 2\nna"
    assert entities == [{"type": "blockquote", "offset": 0, "length": 14}]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Klaar.", "Character '.' is reserved"),
        ("*vet", "Can't find end of Bold entity at byte offset 0"),
        ("(ja)", "Character '(' is reserved"),
        ("`code", "Can't find end of Code entity"),
    ],
)
def test_markdown_v2_errors(source: str, message: str) -> None:
    with pytest.raises(EntityParseError, match=re.escape(message)):
        format_text(source, "MarkdownV2", None)


def test_legacy_markdown_and_explicit_entities() -> None:
    text, entities = format_text("*vet* en [link](https://x.nl). Klaar!", "Markdown", None)
    assert text == "vet en link. Klaar!"
    assert [e["type"] for e in entities] == ["bold", "text_link"]
    with pytest.raises(EntityParseError):
        format_text("*open", "Markdown", None)
    given = [{"type": "bold", "offset": 0, "length": 3}]
    assert format_text("vet", None, given) == ("vet", given)
    with pytest.raises(ValueError, match="unsupported parse_mode"):
        format_text("x", "BBCode", None)
