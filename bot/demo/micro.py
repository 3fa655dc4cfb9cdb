"""The demo's micro-randomized study: simulated people who answer a nudge with a known effect.

At each decision point the real scheduler decides and the real sender delivers; a simulated
person in a micro-randomized arm then saves (or applies) within the next hours with chance
`base` without a nudge and `base * rr * exp(decay * (week - 1))` after one, where week is the
person's week since allocation. They do nothing else, so the effect on the proximal outcome is
known exactly: log(rr) in week 1, `decay` per week, and the marginal effect is the
p(1 - p)-weighted mean of the weekly relative risks over the available decision points
(`true_effects`).
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.micro import MicroDecision
from bot.demo.people import Person
from bot.runtime import Runtime
from bot.sandbox import TelegramSandbox
from bot.scheduler import scan_nudges
from bot.services.trial import Trial
from experiments.micro import decision_points

__all__ = ["MicroWorld", "NudgeEffect", "true_effects"]

RESPONSE_DELAY = timedelta(hours=2)


@dataclass(frozen=True)
class NudgeEffect:
    base: float = 0.25
    rr: float = 1.5
    decay: float = -0.05

    def chance(self, prompted: bool, week: int) -> float:
        lift = self.rr * math.exp(self.decay * (week - 1)) if prompted else 1.0
        return min(1.0, self.base * lift)


@dataclass
class MicroWorld:
    """Who is in a micro-randomized arm, since when, and which prompts they have seen."""

    trial: Trial
    effect: NudgeEffect
    allocated_day: dict[int, int] = field(default_factory=dict)
    seen: int = 0  # messages the sandbox delivered that were looked at

    def takes_part(self, person: Person) -> bool:
        micro = self.trial.protocol.micro_randomization
        return micro is not None and person.arm in micro.arms

    async def evening(
        self,
        sandbox: TelegramSandbox,
        runtime: Runtime,
        clock: FakeClock,
        people: list[Person],
        day: int,
        start: datetime,
    ) -> None:
        """Each of the day's decision points: decide and deliver, then people respond."""
        micro = self.trial.protocol.micro_randomization
        assert micro is not None
        assert runtime.sender is not None
        for person in people:
            if self.takes_part(person):
                self.allocated_day.setdefault(person.user.id, day)
        day_start = start + timedelta(days=day)
        points = decision_points(
            micro,
            self.trial.protocol.zone,
            day_start - timedelta(days=1),
            day_start,
            day_start + timedelta(days=1),
        )
        for point in points:
            clock.set(point + timedelta(seconds=30))
            await scan_nudges(runtime)
            await runtime.sender.settle(within_s=60)
            clock.set(point + RESPONSE_DELAY)
            texts = {micro.prompt.nl, micro.prompt.en} if micro.prompt is not None else set()
            delivered = sandbox.sent_messages()
            prompted = {
                int(message["chat"]["id"])
                for message in delivered[self.seen :]
                if message.get("text") in texts
            }
            self.seen = len(delivered)
            await asyncio.gather(
                *(
                    self._respond(person, person.user.id in prompted, day)
                    for person in people
                    if self.takes_part(person) and person.status == "enrolled"
                )
            )

    async def _respond(self, person: Person, prompted: bool, day: int) -> None:
        week = (day - self.allocated_day.get(person.user.id, day)) // 7 + 1
        if person.rng.random() < self.effect.chance(prompted, week):
            await person.act_on_prompt()


async def true_effects(runtime: Runtime, effect: NudgeEffect) -> dict[str, float]:
    """The simulated truth on EMEE's scale (log relative risk), by the report's terms."""
    async with runtime.database.transaction() as session:
        rows = (
            await session.execute(
                select(MicroDecision.week, MicroDecision.probability).where(MicroDecision.available)
            )
        ).all()
    weights = [p * (1 - p) for _, p in rows]
    risks = [effect.rr * math.exp(effect.decay * (week - 1)) for week, _ in rows]
    truth = {"week 1": math.log(effect.rr), "change per week": effect.decay}
    if weights:
        marginal = sum(w * r for w, r in zip(weights, risks, strict=True)) / sum(weights)
        truth["marginal"] = math.log(marginal)
    return truth
