"""What people send besides text: voice notes, photos, videos, stickers, documents, locations.

Each builder returns the message content Telegram delivers for that kind (the objects the spec
requires, with plausible sizes), so `World.emit` checks them against the spec like any update.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.world import World

JSON = dict[str, Any]

MEDIA_KINDS = ("voice", "photo", "video", "sticker", "document", "location")


def _file(world: World, prefix: str) -> JSON:
    return {"file_id": prefix + world.random_token(40), "file_unique_id": world.random_token(15)}


def _photo_size(world: World, width: int, height: int) -> JSON:
    return {**_file(world, "AgACAgQAAxkBAAI"), "width": width, "height": height}


def media_content(world: World, kind: str, caption: str | None = None) -> JSON:
    """The content of a message of `kind` (one of MEDIA_KINDS), with `caption` where allowed."""
    content: JSON
    if kind == "voice":
        content = {"voice": {**_file(world, "AwACAgQAAxkBAAI"), "duration": 4}}
        content["voice"]["mime_type"] = "audio/ogg"
    elif kind == "photo":
        # Telegram sends every size it made, smallest first.
        content = {"photo": [_photo_size(world, 90, 120), _photo_size(world, 960, 1280)]}
    elif kind == "video":
        video = {**_file(world, "BAACAgQAAxkBAAI"), "width": 720, "height": 1280, "duration": 9}
        content = {"video": {**video, "mime_type": "video/mp4"}}
    elif kind == "sticker":
        sticker = {**_file(world, "CAACAgIAAxkBAAI"), "type": "regular", "width": 512}
        sticker.update(height=512, is_animated=False, is_video=False, emoji="👍")
        content = {"sticker": sticker}
    elif kind == "document":
        document = {**_file(world, "BQACAgQAAxkBAAI"), "file_name": "brief.pdf"}
        content = {"document": {**document, "mime_type": "application/pdf"}}
    elif kind == "location":
        content = {"location": {"latitude": 52.0907, "longitude": 5.1214}}
    else:
        raise ValueError(f"unknown media kind {kind!r}; choose from {MEDIA_KINDS}")
    if caption is not None:
        if kind in ("sticker", "location"):
            raise ValueError(f"a {kind} has no caption in Telegram")
        content["caption"] = caption
    return content
