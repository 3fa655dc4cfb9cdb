"""The study protocol: one validated TOML file that says everything a trial may vary."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Self
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from experiments.protocol.age_bands import (
    DEFAULT_AGE_BANDS,
    AgeBand,
    age_band_for,
    check_contiguous,
)
from experiments.protocol.analysis_plan import AnalysisPlan, plan_problems
from experiments.protocol.checkin_section import Checkin, checkin_problems
from experiments.protocol.consent import Consent
from experiments.protocol.costs import Costs
from experiments.protocol.errors import ProtocolError, problem, problems_from
from experiments.protocol.follow_up_calls import FollowUpCalls
from experiments.protocol.group_sections import GroupFactorial, Groups
from experiments.protocol.lasting import Balance, Retention, lasting_problems
from experiments.protocol.linkage import Linkage
from experiments.protocol.messaging import (
    MessageBudget,
    ReminderVariant,
    period_wording_warnings,
    reminder_problems,
    reminder_wordings,
)
from experiments.protocol.micro_section import MicroRandomization
from experiments.protocol.outreach import Outreach
from experiments.protocol.person_limits import PersonLimits
from experiments.protocol.questionnaire_plan import INSTRUMENT_FOLDER, QuestionnairePlan
from experiments.protocol.quiet_hours import QuietHours, next_allowed_time
from experiments.protocol.sections import (
    Arm,
    Component,
    Corrections,
    CurriculumWeek,
    Inbox,
    Limits,
    Randomization,
    Schedule,
    Stratification,
    Study,
    Track,
    Tracks,
)
from experiments.protocol.strata import stratum_key
from experiments.protocol.summary import summarize
from experiments.protocol.templates import Template, Templates
from experiments.records import Window, group_week

__all__ = [
    "Protocol",
    "ProtocolError",
    "load_protocol",
    "parse_protocol",
    "summarize",
    "validate_protocol",
]

_COLLECT = "collect_problems"


class Protocol(BaseModel):
    """A whole study protocol; construct it with `load_protocol`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    study: Study
    consent: Consent
    arms: tuple[Arm, ...] = Field(min_length=1)
    stratification: Stratification = Stratification()
    randomization: Randomization = Randomization()
    age_bands: tuple[AgeBand, ...] = Field(default=DEFAULT_AGE_BANDS, min_length=1)
    schedule: Schedule = Schedule()
    groups: Groups = Groups()
    quiet_hours: QuietHours = QuietHours()
    limits: Limits = Limits()
    corrections: Corrections = Corrections()
    person_limits: PersonLimits = PersonLimits()
    tracks: Tracks = Tracks()
    templates: Templates
    questionnaires: QuestionnairePlan
    curriculum: tuple[CurriculumWeek, ...] = ()
    analysis: AnalysisPlan | None = None
    inbox: Inbox = Inbox()
    outreach: Outreach = Outreach()
    micro_randomization: MicroRandomization | None = None
    group_factorial: GroupFactorial | None = None
    checkin: Checkin = Checkin()
    balance: Balance = Balance()
    retention: Retention = Retention()
    follow_up_calls: FollowUpCalls | None = None
    linkage: Linkage = Linkage()
    message_budget: MessageBudget = MessageBudget()
    reminder_variants: tuple[ReminderVariant, ...] = ()
    costs: Costs | None = None  # unit costs for the report's cost per arm (optional)
    # The file's bytes when loaded from a file (for its SHA-256 in the registration).
    _source: bytes | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _two_arms_unless_micro_randomized(cls, data: Any) -> Any:
        # A standalone micro-randomized trial may have one arm; any other trial needs two.
        if isinstance(data, Mapping) and data.get("micro_randomization") is None:
            arms = data.get("arms")
            if isinstance(arms, list | tuple) and len(arms) < 2:
                raise problem("needs at least 2 entries", "arms")
        return data

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Self:
        found = list(_cross_problems(self))
        collector = (info.context or {}).get(_COLLECT)
        if isinstance(collector, list):
            # validate_protocol reports every problem at once, not only the first.
            collector.extend(found)
        elif found:
            path, message = found[0]
            raise problem(message, path)
        return self

    def __eq__(self, other: object) -> bool:
        # Equal protocols have equal content, whichever file (if any) they were read from.
        if not isinstance(other, Protocol):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash(self.model_dump_json())

    @property
    def source_bytes(self) -> bytes | None:
        """The protocol file's bytes, when it was loaded from a file."""
        return self._source

    def sha256(self) -> str | None:
        """What a registration records: the SHA-256 of the protocol file's bytes, or, when the
        study names instrument files of its own, of those bytes followed by a line
        `<path> <file's SHA-256>` per file, so a changed instrument changes the hash too.
        None for a protocol not loaded from a file."""
        if self._source is None:
            return None
        files = self.questionnaires.file_hashes()
        listed = "".join(f"\n{path} {digest}" for path, digest in files.items())
        return hashlib.sha256(self._source + listed.encode("utf-8")).hexdigest()

    @property
    def source_text(self) -> str | None:
        """The protocol file's text, when it was loaded from a file."""
        return self._source.decode("utf-8") if self._source is not None else None

    def arm(self, name: str) -> Arm:
        """The arm with this name; raise KeyError if there is none."""
        for arm in self.arms:
            if arm.name == name:
                return arm
        raise KeyError(f"no arm {name!r}")

    def curriculum_for(self, track: str, age_band: str) -> tuple[CurriculumWeek, ...]:
        """The topics for a group: its track's and band's list when the protocol has one, else
        its track's, else the topics for every track."""
        fitting = [w for w in self.curriculum if w.fits(track, age_band)]
        for by_track, by_band in ((True, True), (True, False), (False, True), (False, False)):
            chosen = tuple(
                w
                for w in fitting
                if (w.track is not None) == by_track and bool(w.age_bands) == by_band
            )
            if chosen:
                return chosen
        return ()

    def curriculum_warnings(self) -> list[str]:
        """Tracks whose peer groups would get no curriculum topic (for `study check`)."""
        if not self.arms_with(Component.CURRICULUM):
            return []
        return [
            f"curriculum: no topics for the {track} track, whose peer groups get the curriculum"
            for track in Track
            if not any(w.track in (None, track) for w in self.curriculum)
        ]

    def reminders_for(self, track: Track) -> tuple[Template, ...]:
        """A track's reminder wordings, in turn: the template first, then its variants."""
        return reminder_wordings(self.templates, self.reminder_variants, track)

    def sends_reminders(self) -> bool:
        """Whether anyone gets reminders: an arm on schedule or a micro-randomized component."""
        micro = self.micro_randomization
        return bool(self.arms_with(Component.REMINDER)) or (
            micro is not None and micro.component("reminder") is not None
        )

    def period_wording_warnings(self) -> list[str]:
        """Templates whose word for the commitment period does not fit it (for `study check`)."""
        period = self.schedule.commitment_period
        return period_wording_warnings(self.templates, self.reminder_variants, period)

    def arm_weights(self) -> dict[str, int]:
        """Arm name -> weight, in protocol order (the order fixes the allocation sequence)."""
        return {arm.name: arm.weight for arm in self.arms}

    def group_components(self, arm: str, drawn: tuple[str, ...] = ()) -> frozenset[Component]:
        """What a peer group of `arm` gets: the arm's components and the ingredients its
        group-factorial draw switched on."""
        return frozenset(self.arm(arm).components) | {Component(name) for name in drawn}

    def arms_with(self, component: Component) -> tuple[str, ...]:
        """Names of the arms that get a component."""
        return tuple(arm.name for arm in self.arms if arm.has(component))

    @property
    def zone(self) -> ZoneInfo:
        """The study's time zone."""
        return self.study.zone

    def age_band_for(self, birth_year: int, on_date: date) -> str | None:
        """The age band label for a birth year on a date, or None if no band holds it."""
        return age_band_for(self.age_bands, birth_year, on_date)

    def stratum_key(self, track: Track, age_band: str, site: str) -> str:
        """The stratum a participant is randomized in, per this protocol's stratification."""
        return stratum_key(track, age_band, site, self.stratification.by)

    def next_allowed_time(self, moment_utc: datetime) -> datetime:
        """The moment, moved out of this study's quiet hours if it falls inside them."""
        return next_allowed_time(moment_utc, self.quiet_hours, self.zone)

    def group_week(self, moment: datetime) -> Window:
        """The peer groups' week holding `moment` (what their progress post counts)."""
        schedule = self.schedule
        return group_week(moment, schedule.group_progress_interval, self.zone, schedule.week_starts)


def _cross_problems(protocol: Protocol) -> Iterator[tuple[str, str]]:
    yield from lasting_problems(protocol)
    if protocol.follow_up_calls is not None and not protocol.schedule.survey_times:
        yield "follow_up_calls", "needs questionnaire waves (schedule.survey_times) to follow up"
    seen: set[str] = set()
    for index, arm in enumerate(protocol.arms):
        if arm.name in seen:
            yield f"arms[{index}].name", f"{arm.name!r} is used twice"
        seen.add(arm.name)
    for index, message in check_contiguous(protocol.age_bands):
        yield f"age_bands[{index}]", message
    labels = [band.label for band in protocol.age_bands]
    for path, label in protocol.questionnaires.age_band_references():
        if label not in labels:
            yield f"questionnaires.{path}", f"no age band {label!r} (bands: {', '.join(labels)})"
    if protocol.arms_with(Component.CURRICULUM) and not protocol.curriculum:
        yield "curriculum", "an arm has the curriculum component, so list at least one week"
    expected: dict[tuple[str | None, tuple[str, ...]], int] = {}
    for index, week in enumerate(protocol.curriculum):
        key = (week.track, week.age_bands)
        expected[key] = expected.get(key, 0) + 1
        if week.week != expected[key]:
            yield f"curriculum[{index}].week", f"must be {expected[key]} (weeks run 1, 2, 3, …)"
        for band in week.age_bands:
            if band not in labels:
                yield f"curriculum[{index}].age_bands", f"no age band {band!r}"
    yield from plan_problems(protocol)
    yield from _micro_problems(protocol)
    yield from _factorial_problems(protocol)
    yield from checkin_problems(protocol)
    yield from _reminder_problems(protocol)
    yield from _consent_problems(protocol)


def _consent_problems(protocol: Protocol) -> Iterator[tuple[str, str]]:
    kept = protocol.consent.research_record_kept
    if protocol.study.keep_research_data_after_erasure and kept is None:
        yield (
            "consent.research_record_kept",
            "the study keeps the research record after /delete "
            "(study.keep_research_data_after_erasure), so the consent must say so",
        )
    if not protocol.study.keep_research_data_after_erasure and kept is not None:
        yield (
            "consent.research_record_kept",
            "the study deletes the research record on /delete, so the consent must not say it "
            "is kept",
        )

    if protocol.linkage.outcomes and protocol.consent.linkage is None:
        yield (
            "consent.linkage",
            "the study links registry outcomes ([linkage]), so the consent must say which "
            "records are linked and that names never reach the researchers",
        )


def _factorial_problems(protocol: Protocol) -> Iterator[tuple[str, str]]:
    factorial = protocol.group_factorial
    if factorial is None:
        return
    if not protocol.arms_with(Component.PEER_GROUP):
        yield "group_factorial", "no arm has peer groups, so there is nothing to draw by group"
    for arm in protocol.arms:
        for factor in factorial.factors:
            if arm.has(factor):
                yield (
                    "group_factorial.factors",
                    f"arm {arm.name!r} gets {factor} for every group: take it out of the arm's "
                    "components, or out of the group factorial",
                )


def _reminder_problems(protocol: Protocol) -> Iterator[tuple[str, str]]:
    if protocol.sends_reminders():
        yield from reminder_problems(protocol.templates, protocol.reminder_variants)


def _micro_problems(protocol: Protocol) -> Iterator[tuple[str, str]]:
    micro = protocol.micro_randomization
    if micro is None:
        return
    names = [arm.name for arm in protocol.arms]
    for index, name in enumerate(micro.arms):
        if name not in names:
            yield f"micro_randomization.arms[{index}]", f"no arm {name!r}"
            continue
        arm = protocol.arm(name)
        for item in micro.components:
            if item.component in {c.value for c in arm.components}:
                yield (
                    f"micro_randomization.arms[{index}]",
                    f"arm {name!r} also gets {item.component} on schedule: take it out of the "
                    "arm's components, or out of the micro-randomization",
                )
    for moment in micro.decision_times:
        if protocol.quiet_hours.contains(moment):
            yield (
                "micro_randomization.decision_times",
                f"{moment:%H:%M} is in the quiet hours: every decision point there would be "
                "unavailable",
            )


def validate_protocol(data: Mapping[str, Any], folder: Path | None = None) -> Protocol:
    """Validate protocol data (as parsed from TOML); raise ProtocolError listing every problem.

    `folder` is where the protocol file lies: the study's own instrument files are read from
    there (`[questionnaires] files`)."""
    collected: list[tuple[str, str]] = []
    context: dict[str, Any] = {_COLLECT: collected, INSTRUMENT_FOLDER: folder}
    try:
        protocol = Protocol.model_validate(data, context=context)
    except ValidationError as error:
        raise ProtocolError(problems_from(error)) from None
    if collected:
        raise ProtocolError([f"{path}: {message}" for path, message in collected])
    return protocol


def parse_protocol(text: str, source: str = "protocol", folder: Path | None = None) -> Protocol:
    """Validate protocol TOML text; raise ProtocolError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProtocolError([f"{source}: TOML syntax error: {error}"]) from None
    return validate_protocol(data, folder)


def load_protocol(path: str | Path) -> Protocol:
    """Load and validate a protocol file; raise ProtocolError listing every problem."""
    file = Path(path)
    try:
        data = file.read_bytes()
        text = data.decode("utf-8")
    except OSError as error:
        raise ProtocolError([f"{file}: cannot read the file ({error.strerror})"]) from None
    except UnicodeDecodeError:
        raise ProtocolError([f"{file}: not UTF-8 text"]) from None
    protocol = parse_protocol(text, str(file), file.parent)
    protocol._source = data
    return protocol
