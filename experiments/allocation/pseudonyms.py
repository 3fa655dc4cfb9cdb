"""Keyed pseudonyms and date offsets: stable across exports, meaningless without the key."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import timedelta

__all__ = ["MAX_SHIFT_DAYS", "PSEUDONYM_LENGTH", "Pseudonymizer"]

PSEUDONYM_LENGTH = 16
MAX_SHIFT_DAYS = 365


class Pseudonymizer:
    """HMAC-SHA256 of internal ids under a secret key: pseudonyms and per-person date shifts."""

    def __init__(self, key: str | bytes, length: int = PSEUDONYM_LENGTH) -> None:
        self._key = key.encode("utf-8") if isinstance(key, str) else bytes(key)
        if not self._key:
            raise ValueError("the pseudonym key must not be empty")
        if not 8 <= length <= 64:
            raise ValueError("pseudonyms are 8 to 64 hex characters long")
        self._length = length

    def pseudonym(self, participant_id: int) -> str:
        """The participant's pseudonym: the HMAC of their internal id, hex, truncated."""
        digest = hmac.new(self._key, str(int(participant_id)).encode(), hashlib.sha256)
        return digest.hexdigest()[: self._length]

    def pseudonyms(self, participant_ids: Iterable[int]) -> dict[int, str]:
        """Internal id -> pseudonym for each distinct id."""
        return {int(pid): self.pseudonym(pid) for pid in set(participant_ids)}

    def date_offset(self, participant_id: int) -> timedelta:
        """How far back this participant's dates move under --shift-dates: 1 to 365 whole days."""
        return self._offset(f"shift:participant:{int(participant_id)}")

    def group_offset(self, group_id: int) -> timedelta:
        """How far back a peer group's own dates move (groups span several participants)."""
        return self._offset(f"shift:group:{int(group_id)}")

    def _offset(self, label: str) -> timedelta:
        # A separate message from the pseudonym's, so neither value tells anything of the other.
        digest = hmac.digest(self._key, label.encode(), "sha256")
        return timedelta(days=1 + int.from_bytes(digest[:8], "big") % MAX_SHIFT_DAYS)
