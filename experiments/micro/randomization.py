"""Micro-randomized nudges: the decision points and the draws (the section: protocol.micro_section).

A micro-randomized trial (Klasnja et al. 2015; HeartSteps) randomizes a nudge anew at every
decision point of every participant: when the person is available, the nudge goes with a known
probability (which may vary by week). The effect of the nudge on a proximal outcome (a deposit or
an application within the next 24 or 72 hours) is then estimated within persons
(`experiments.micro.excursion`).

The draw for a decision is a uniform number in [0, 1) from HMAC-SHA256 under a key derived from
the allocation seed with a label of its own (`DRAW_LABEL`), over the participant, the component
and the decision time: the same decision always gets the same draw, so a restart cannot draw it
twice, and `lotgenoot study verify` recomputes every draw from the seed. The nudge is sent when
the person is available and the draw is below the probability.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from experiments.protocol import MicroRandomization

__all__ = [
    "DRAW_LABEL",
    "LoggedDecision",
    "check_decisions",
    "decision_points",
    "draw",
    "draw_key",
    "week_of",
]

DRAW_LABEL = b"lotgenoot/micro-randomization/v1"


def draw_key(seed: bytes | str) -> bytes:
    """The key of the draws, derived from the allocation seed under the draws' own label."""
    raw = seed.encode("utf-8") if isinstance(seed, str) else bytes(seed)
    if not raw:
        raise ValueError("the allocation seed must not be empty")
    return hmac.digest(raw, DRAW_LABEL, "sha256")


def draw(key: bytes, participant_id: int, component: str, decision_at: datetime) -> float:
    """The uniform draw in [0, 1) of one decision (53 bits, exact as a double)."""
    if decision_at.tzinfo is None:
        raise ValueError("decision_at must be timezone-aware")
    moment = decision_at.astimezone(UTC).isoformat(timespec="seconds")
    message = f"{participant_id}|{component}|{moment}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) / float(1 << 53)


def week_of(decision_at: datetime, start: datetime) -> int:
    """The participant's week (1, 2, …) a decision point falls in, counted from `start`."""
    return (decision_at - start) // timedelta(days=7) + 1


def decision_points(
    micro: MicroRandomization,
    zone: ZoneInfo,
    start: datetime,
    after: datetime,
    until: datetime,
) -> Iterator[datetime]:
    """A participant's decision points (UTC) in (`after`, `until`]: each day's decision times,
    local to the study, from the first one after `start` (allocation) for `micro.days` days."""
    end = start + timedelta(days=micro.days)
    local_day = start.astimezone(zone).date()
    while True:
        for moment in micro.decision_times:
            wall = datetime.combine(local_day, moment, tzinfo=zone).astimezone(UTC)
            if wall <= start:
                continue
            if wall > end or wall > until:
                return
            if wall > after:
                yield wall
        local_day += timedelta(days=1)


@dataclass(frozen=True, slots=True)
class LoggedDecision:
    """A decision as stored in the log, to check against the seed and the protocol."""

    participant_id: int
    component: str
    decision_at: datetime
    week: int
    available: bool
    probability: float
    draw: float
    sent: bool
    # where it stands in the keyed chain (experiments.micro.audit); None before the chain began
    unavailable_reason: str | None = None
    sequence: int | None = None
    prev_hash: str | None = None
    hash: str | None = None
    row_id: int | None = None  # the order rows were written in, to tell legacy from added


def check_decisions(
    decisions: Iterable[LoggedDecision], seed: bytes | str, micro: MicroRandomization | None
) -> list[str]:
    """Re-derive every draw from the seed and check probability and sent; [] when intact."""
    key = draw_key(seed)
    problems: list[str] = []
    for decision in decisions:
        where = (
            f"decision of participant {decision.participant_id} ({decision.component}) at "
            f"{decision.decision_at.astimezone(UTC).isoformat(timespec='seconds')}"
        )
        expected = draw(key, decision.participant_id, decision.component, decision.decision_at)
        if decision.draw != expected:
            problems.append(f"{where}: draw {decision.draw!r} is not the seed's {expected!r}")
        item = micro.component(decision.component) if micro is not None else None
        if item is None:
            problems.append(f"{where}: the protocol does not micro-randomize {decision.component}")
        elif decision.probability != item.probability_in_week(decision.week):
            problems.append(
                f"{where}: probability {decision.probability} is not the protocol's "
                f"{item.probability_in_week(decision.week)} for week {decision.week}"
            )
        should_send = decision.available and expected < decision.probability
        if decision.sent != should_send:
            problems.append(f"{where}: sent={decision.sent} but the draw says {should_send}")
    return problems
