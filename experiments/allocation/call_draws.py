"""Which non-responders of a questionnaire wave are followed up by a person (double sampling).

The draw for a non-responder is a uniform number in [0, 1) from HMAC-SHA256 under a key derived
from the allocation seed with a label of its own (`CALL_LABEL`), over the participant and the
wave: the same person and wave always get the same draw, so a restart cannot draw twice, and
`lotgenoot study verify` recomputes every logged draw from the seed. The person is chosen when
the draw is below the protocol's share.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

__all__ = ["CALL_LABEL", "LoggedCallDraw", "call_draw", "call_key", "check_call_draws", "chosen"]

CALL_LABEL: Final = b"lotgenoot/follow-up-calls/v1"
_TOLERANCE: Final = 1e-12  # a draw read back from a database column (a double) is exact; slack


def call_key(seed: bytes | str) -> bytes:
    """The key of the follow-up draws, derived from the allocation seed under its own label."""
    raw = seed.encode("utf-8") if isinstance(seed, str) else bytes(seed)
    if not raw:
        raise ValueError("the allocation seed must not be empty")
    return hmac.digest(raw, CALL_LABEL, "sha256")


def call_draw(key: bytes, participant_id: int, wave: int) -> float:
    """The uniform draw in [0, 1) of one non-responder of one wave (53 bits, exact as a double)."""
    digest = hmac.new(key, f"{participant_id}|{wave}".encode(), hashlib.sha256).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) / float(1 << 53)


def chosen(draw: float, share: float) -> bool:
    """Followed up by a person: the draw falls below the protocol's share."""
    return draw < share


@dataclass(frozen=True)
class LoggedCallDraw:
    """One draw as the log keeps it."""

    participant_id: int
    wave: int
    draw: float
    share: float
    selected: bool


def check_call_draws(seed: str, draws: Iterable[LoggedCallDraw]) -> list[str]:
    """Every logged draw recomputed from the seed: a problem line for each that differs."""
    key = call_key(seed)
    problems = []
    for logged in draws:
        expected = call_draw(key, logged.participant_id, logged.wave)
        where = f"follow-up call draw (participant {logged.participant_id}, wave {logged.wave})"
        if abs(expected - logged.draw) > _TOLERANCE:
            problems.append(f"{where}: logged {logged.draw!r}, the seed gives {expected!r}")
        elif chosen(expected, logged.share) != logged.selected:
            said = "chosen" if logged.selected else "not chosen"
            problems.append(f"{where}: logged as {said}, but the draw and share say otherwise")
    return problems
