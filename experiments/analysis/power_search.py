"""`lotgenoot power --protocol`: the participants that reach a target power, and the table.

The search simulates the design at one participant count after another (the same seed each
time, so neighbouring counts share their random draws): doubling until the primary family's
weakest contrast reaches the target, then halving the interval until it is narrower than 2% of
the count (and never narrower than one allocation block of weights).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from experiments.analysis.design_power import ContrastPower, simulate_power
from experiments.analysis.power_assumptions import primary_assumptions
from experiments.protocol import Protocol

__all__ = ["ParticipantSearch", "format_design_power", "primary_power", "search_participants"]

MOST_PARTICIPANTS = 20_000


@dataclass(frozen=True)
class ParticipantSearch:
    """The smallest participant count found to reach `target`, and the power there."""

    target: float
    participants: int
    rows: list[ContrastPower]
    steps: int


def primary_power(rows: Sequence[ContrastPower]) -> float | None:
    """The weakest power among the primary family's contrasts with a simulated effect."""
    powers = [r.power for r in rows if r.family == "primary" and r.truth != 0]
    return min(powers) if powers else None


def search_participants(
    protocol: Protocol,
    *,
    target: float,
    simulations: int = 500,
    seed: int = 1,
    unclustered: bool = False,
) -> ParticipantSearch:
    """The smallest participant count (a multiple of the arms' weights) at which every primary
    contrast reaches `target` power. Raises ValueError when none up to 20,000 does."""
    plan = protocol.analysis
    if plan is None:
        raise ValueError("the protocol has no [analysis] section")
    step = sum(arm.weight for arm in protocol.arms)
    steps = 0

    def run(participants: int) -> tuple[bool, list[ContrastPower]]:
        nonlocal steps
        steps += 1
        rows = simulate_power(
            protocol,
            simulations=simulations,
            seed=seed,
            participants=participants,
            unclustered=unclustered,
        )
        power = primary_power(rows)
        if power is None:
            raise ValueError("no primary contrast has a simulated effect: nothing to power")
        return power >= target, rows

    def block(participants: float) -> int:
        return max(2 * step, step * math.ceil(participants / step))

    high = block(plan.participants)
    reached, rows = run(high)
    low = 0
    while not reached:
        if high >= MOST_PARTICIPANTS:
            raise ValueError(f"no count up to {MOST_PARTICIPANTS} participants reaches {target:g}")
        low, high = high, block(min(2 * high, MOST_PARTICIPANTS))
        reached, rows = run(high)
    if low == 0:  # the plan's count reaches it: look below
        low = high
        while low > 2 * step:
            low = block(low / 2)
            below, below_rows = run(low)
            if not below:
                break
            high, rows = low, below_rows
        else:
            return ParticipantSearch(target, high, rows, steps)
    while high - low > max(step, high // 50):
        middle = block((low + high) / 2)
        if middle >= high:
            break
        reached, middle_rows = run(middle)
        if reached:
            high, rows = middle, middle_rows
        else:
            low = middle
    return ParticipantSearch(target, high, rows, steps)


def format_design_power(
    rows: Sequence[ContrastPower],
    protocol: Protocol,
    simulations: int,
    unclustered: bool,
    search: ParticipantSearch | None = None,
) -> str:
    """The table `lotgenoot power --protocol` prints."""
    plan = protocol.analysis
    assert plan is not None
    primary = primary_assumptions(protocol, plan)
    participants = search.participants if search is not None else plan.participants
    df = {
        "groups_minus_one": "t(G − 1) for contrasts with a clustered arm",
        "satterthwaite": "Bell–McCaffrey (Satterthwaite) degrees of freedom",
    }[plan.degrees_of_freedom]
    lines = []
    if plan.pilot:
        lines += [f"Pilot ({plan.pilot_reason}): not powered for its primary contrasts.", ""]
    if search is not None:
        lines += [
            f"{participants} participants reach power {search.target:g} in every primary "
            f"contrast ({search.steps} counts simulated, {simulations} trials each).",
            "",
        ]
    lines += [
        f"Simulated {simulations} trials of {primary.who(participants)}, as the protocol "
        f"designs them. Primary outcome {primary.outcome} ({primary.kind}): {primary.text}, in "
        "every intervention arm; "
        + (
            "no peer groups (unclustered check)"
            if unclustered
            else f"peer groups of {protocol.groups.min_size}–{protocol.groups.max_size} with ICC "
            f"{plan.icc:g}, 5% never placed"
        )
        + f"; strata-adjusted, {df}, {plan.multiplicity} over the primary family, "
        f"alpha {plan.alpha:g}.",
        "",
        f"{'contrast':<34} {'family':<10} {'rejected':>8} {'± MC SE':>8} {'normal approx.':>15}"
        f" {'groups':>7}  meaning",
    ]
    for r in rows:
        closed = f"{r.closed_form:.3f}" if r.closed_form is not None else "–"
        groups = f"{r.groups:.1f}" if r.groups is not None else "–"
        meaning = "power" if r.truth != 0 else "type-I error (no effect simulated)"
        lines.append(
            f"{r.label:<34} {r.family:<10} {r.power:>8.3f} {r.mc_se:>8.3f} {closed:>15} "
            f"{groups:>7}  {meaning}"
        )
    weakest = primary_power(rows)
    if weakest is not None:
        verdict = "reaches" if weakest >= plan.power else "falls short of"
        lines += [
            "",
            f"Primary family: lowest power {weakest:.3f}, which {verdict} {plan.power:g}.",
        ]
    lines += [
        "",
        "Normal approximation: a two-sided t-test on the outcome (the difference in means over "
        "the two arms' pooled SD), without clustering, Bonferroni over the primary family. "
        "Power below it shows what few groups and the design effect cost; a count's rate ratio "
        "can do better than it when the counts are very skewed.",
    ]
    return "\n".join(lines)
