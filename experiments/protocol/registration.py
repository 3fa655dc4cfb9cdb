"""Registration of the analysis plan: the protocol's SHA-256, and whether it still holds."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from experiments.protocol.document import Protocol

__all__ = ["Registration", "changed_sections", "protocol_sha256", "registration_status"]


@dataclass(frozen=True)
class Registration:
    """A registered protocol: its file's SHA-256, its text and when it was registered."""

    sha256: str
    protocol_text: str
    registered_at: datetime


def protocol_sha256(data: bytes) -> str:
    """The SHA-256 of the protocol file's bytes, as `sha256sum` prints it."""
    return hashlib.sha256(data).hexdigest()


def changed_sections(registered: str, current: str) -> list[str]:
    """Top-level protocol sections whose content differs (comments and layout do not count)."""
    try:
        before, after = tomllib.loads(registered), tomllib.loads(current)
    except tomllib.TOMLDecodeError:
        return ["(the registered text cannot be read)"]
    names = list(dict.fromkeys([*before, *after]))
    return [name for name in names if before.get(name) != after.get(name)]


def registration_status(protocol: Protocol, registration: Registration | None) -> dict[str, Any]:
    """What the report says about registration: registered, changed (and where) or not."""
    source = protocol.source_text
    sha = protocol.sha256()
    if registration is None:
        return {"state": "unregistered", "sha256": sha}
    at = registration.registered_at.strftime("%Y-%m-%d %H:%M UTC")
    if sha is None or sha == registration.sha256:
        return {"state": "registered", "sha256": registration.sha256, "at": at}
    sections = changed_sections(registration.protocol_text, source or "")
    listed = ", ".join(sections) if sections else "none in content (comments or layout only)"
    return {
        "state": "changed",
        "sha256": sha,
        "registered": registration.sha256,
        "at": at,
        "sections": listed,
    }
