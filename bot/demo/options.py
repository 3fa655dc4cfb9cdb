"""What a demo run simulates: how many people, how long, and how strongly each arm works."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Effects:
    """Weekly behaviour per arm, in the spirit of Kast et al. (2012) and Klier et al. (2019).

    Savers deposit with a weekly probability; jobseekers send a Poisson number of applications
    per week. Text messages and peer groups raise both, the groups a little more; the mechanism
    arms (config/mechanisms.toml) of a counsellor's attention or private topics, a little less.
    """

    deposit_probability: dict[str, float] = field(
        default_factory=lambda: {
            "control": 0.30,
            "text": 0.50,
            "peer": 0.55,
            "attention": 0.42,
            "education": 0.40,
        }
    )
    applications_per_week: dict[str, float] = field(
        default_factory=lambda: {
            "control": 1.2,
            "text": 1.8,
            "peer": 2.2,
            "attention": 1.6,
            "education": 1.5,
        }
    )
    # jobseekers who start a job or training, per week (they log it once, by /job): the
    # placement outcome; drawn from a generator of its own, so everything else stays the same
    placement_per_week: dict[str, float] = field(
        default_factory=lambda: {"control": 0.012, "text": 0.018, "peer": 0.024}
    )
    # after a person's intervention ends: the share of their arm's effect over control that
    # lasts (a demo with a follow-up phase); the groups' a little more than the messages'
    persistence: dict[str, float] = field(
        default_factory=lambda: {
            "control": 1.0,
            "text": 0.4,
            "peer": 0.6,
            "attention": 0.4,
            "education": 0.4,
        }
    )

    def scaled(self, factor: float) -> Effects:
        """Stronger (factor > 1) or weaker treatment effects, control unchanged."""

        def scale(values: dict[str, float], cap: float) -> dict[str, float]:
            base = values["control"]
            return {arm: min(cap, base + (v - base) * factor) for arm, v in values.items()}

        return Effects(
            scale(self.deposit_probability, 0.95),
            scale(self.applications_per_week, 20.0),
            scale(self.placement_per_week, 0.5),
            self.persistence,
        )


@dataclass(frozen=True)
class DemoOptions:
    # 100: three arms, two tracks and every age band, six peer groups with their buddies and
    # hosts. Each person costs about 1.8 s of CPU (their intake and questionnaires, tap by tap,
    # are most of it), so 150 broke SPEC §11.7's three minutes on two cores; a larger study is
    # `--participants`
    participants: int = 100
    # 13: the people allocated in the first week reach the last questionnaire (week 12) and
    # answer it, so the report's pre-specified ANCOVA has numbers
    weeks: int = 13
    seed: int = 1
    out: Path = Path("demo-output")
    effects: Effects = field(default_factory=Effects)
    quiet: bool = False
    # the protocol file (default: the shipped three-arm study); a protocol with
    # [micro_randomization] makes its arms' people answer nudges with a known effect
    protocol: Path | None = None
    nudge_rr: float = 1.5  # relative risk of acting within the window after a nudge, week 1
    nudge_decay: float = -0.05  # its change per week, on the log scale
    # weeks simulated after the intervention's end (`weeks` long, from config/long-term.toml
    # unless `protocol` is given); 0: no end, as the default study
    follow_up_weeks: int = 0
