"""The sections of a study protocol: study, arms, randomization, schedule, groups and more."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from experiments.protocol.durations import NonNegativeDuration, PositiveDuration
from experiments.protocol.errors import problem
from experiments.protocol.templates import Language, LocalizedText
from experiments.records import Weekday

__all__ = [
    "GROUP_INGREDIENTS",
    "STRATIFIERS",
    "TRACKS",
    "Arm",
    "CannedReply",
    "Component",
    "Corrections",
    "CurriculumWeek",
    "Inbox",
    "Limits",
    "Randomization",
    "Schedule",
    "Stratification",
    "Stratifier",
    "Study",
    "Track",
    "TrackRules",
    "Tracks",
]


class Track(StrEnum):
    """What a participant keeps track of, chosen at intake: saving, or looking for work."""

    SAVINGS = "savings"
    JOBSEARCH = "jobsearch"


TRACKS: tuple[Track, ...] = tuple(Track)
Stratifier = Literal["track", "age_band", "site"]
STRATIFIERS: tuple[Stratifier, ...] = ("track", "age_band", "site")
# What the group scan tries, in the protocol's order, for someone waiting past `pool_max_wait`:
# a running group of their arm and track, or a smaller group from every age band of both.


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Component(StrEnum):
    """An intervention component an arm may switch on."""

    PEER_GROUP = "peer_group"
    GROUP_PROGRESS = "group_progress"
    CONGRATULATION = "congratulation"
    REMINDER = "reminder"
    ENCOURAGEMENT = "encouragement"
    CURRICULUM = "curriculum"
    COUNSELLOR_CONTACT = "counsellor_contact"
    # the counsellor starts a 1:1 check-in at the protocol's rhythm ([outreach]); the
    # participant answers through the inbox, so it comes with counsellor_contact
    COUNSELLOR_OUTREACH = "counsellor_outreach"
    CHECKIN = "checkin"
    GROUP_GOAL = "group_goal"
    PROGRESS_SHARING = "progress_sharing"
    BUDDY = "buddy"
    HOST_ROTATION = "host_rotation"


# The ones a group factorial may draw. All but the curriculum act in a peer group, so they need
# one; the curriculum without a group is sent to each person privately (an education arm).
GROUP_INGREDIENTS = (
    Component.GROUP_PROGRESS,
    Component.CURRICULUM,
    Component.CHECKIN,
    Component.GROUP_GOAL,
    Component.PROGRESS_SHARING,
    Component.BUDDY,
    Component.HOST_ROTATION,
)


class Study(_Section):
    """Who the study is and what the consent text allowed."""

    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    consent_version: str = Field(min_length=1)
    timezone: str = "Europe/Amsterdam"
    keep_research_data_after_erasure: bool = False

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise problem(f"unknown time zone {value!r} (e.g. Europe/Amsterdam)") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The study's time zone."""
        return ZoneInfo(self.timezone)


class Arm(_Section):
    """A treatment arm: its allocation weight, components and the words that explain it."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_+-]*$", max_length=40)
    weight: int = Field(ge=1, le=100)
    components: tuple[Component, ...] = ()
    explanation: LocalizedText

    @field_validator("components")
    @classmethod
    def _each_once_in_order(cls, value: tuple[Component, ...]) -> tuple[Component, ...]:
        if len(set(value)) != len(value):
            raise problem("lists a component twice")
        # Canonical order keeps the protocol's JSON form, and so any hash of it, stable.
        return tuple(component for component in Component if component in value)

    @model_validator(mode="after")
    def _peer_group_first(self) -> Self:
        for component in GROUP_INGREDIENTS:
            if component is Component.CURRICULUM:
                continue  # without a group: each person gets the week's topic privately
            if component in self.components and Component.PEER_GROUP not in self.components:
                raise problem(f"{component} needs peer_group", "components")
        if self.has(Component.COUNSELLOR_OUTREACH) and not self.has(Component.COUNSELLOR_CONTACT):
            raise problem(
                "counsellor_outreach needs counsellor_contact (the person answers the "
                "counsellor's check-in through the inbox)",
                "components",
            )
        return self

    def has(self, component: Component) -> bool:
        """Whether this arm gets a component."""
        return component in self.components


class Stratification(_Section):
    """Which participant characteristics define the strata."""

    by: tuple[Stratifier, ...] = STRATIFIERS

    @field_validator("by")
    @classmethod
    def _each_once(cls, value: tuple[Stratifier, ...]) -> tuple[Stratifier, ...]:
        if len(set(value)) != len(value):
            raise problem("lists a characteristic twice")
        # Canonical order, so "site, track" and "track, site" give the same stratum keys.
        return tuple(factor for factor in STRATIFIERS if factor in value)


class Randomization(_Section):
    """Block sizes: each block holds a random one of these multiples of the weight sum."""

    block_multiples: tuple[int, ...] = Field(default=(1, 2, 3), min_length=1)

    @field_validator("block_multiples")
    @classmethod
    def _sensible(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(multiple < 1 or multiple > 10 for multiple in value):
            raise problem("each multiple must be between 1 and 10")
        if len(set(value)) != len(value):
            raise problem("lists a multiple twice")
        return value


class Schedule(_Section):
    """When nudges and surveys fall due, counted from each participant's own dates."""

    commitment_period: PositiveDuration = timedelta(days=7)
    reminder_delay: NonNegativeDuration = timedelta(0)
    encouragement_interval: PositiveDuration = timedelta(days=14)
    survey_times: tuple[PositiveDuration, ...] = (timedelta(days=42), timedelta(days=84))
    # each person's intervention ends this long after allocation (None: it runs on); waves at
    # `follow_up_times` after that end follow the survey waves (protocol/lasting.py)
    intervention_length: PositiveDuration | None = None
    follow_up_times: tuple[PositiveDuration, ...] = ()
    survey_reminder_after: PositiveDuration = timedelta(days=3)
    survey_reminders: int = Field(default=1, ge=0, le=5)
    stale_after: PositiveDuration = timedelta(days=2)
    pool_max_wait: PositiveDuration = timedelta(days=14)
    group_progress_interval: PositiveDuration = timedelta(days=7)
    # a group's week (its progress post, /groups, /group) starts at midnight on this day
    week_starts: Weekday = "monday"
    curriculum_interval: PositiveDuration = timedelta(days=7)
    # at most one "still waiting" update per person per interval (SPEC: one per two weeks)
    pool_update_interval: PositiveDuration = timedelta(days=14)
    join_reminders: tuple[PositiveDuration, ...] = Field(
        default=(timedelta(hours=24), timedelta(hours=72)), max_length=2
    )

    @field_validator("survey_times")
    @classmethod
    def _increasing(cls, value: tuple[timedelta, ...]) -> tuple[timedelta, ...]:
        for index in range(1, len(value)):
            if value[index] <= value[index - 1]:
                raise problem("must come after the survey before it", f"[{index}]")
        return value

    @field_validator("join_reminders")
    @classmethod
    def _later(cls, value: tuple[timedelta, ...]) -> tuple[timedelta, ...]:
        for index in range(1, len(value)):
            if value[index] <= value[index - 1]:
                raise problem("must come after the reminder before it", f"[{index}]")
        return value


# the shortest group cycle: a first week and a closing week
class Limits(_Section):
    """Upper bounds on what one message may log, to catch typing mistakes, and how long a
    question with buttons to tap (how much? how many? record this?) may be answered."""

    max_deposit_cents: int = Field(default=1_000_000, ge=1)
    max_applications_per_log: int = Field(default=20, ge=1)
    # an unanswered question expires after this (and always when its period has ended)
    question_lifetime: PositiveDuration = timedelta(hours=24)


class Corrections(_Section):
    """How far back a participant may take back what they logged (↩️ Undo, /undo)."""

    # an entry older than this stays: the undo button explains, and says what to do instead
    window: PositiveDuration = timedelta(days=7)


class TrackRules(_Section):
    """What the participants of one track keep track of in the bot."""

    # "savings": deposits (and /undo); "jobsearch": applications, interviews, a job, a training
    logs: tuple[Track, ...] = Field(min_length=1)

    @field_validator("logs")
    @classmethod
    def _each_once(cls, value: tuple[Track, ...]) -> tuple[Track, ...]:
        if len(set(value)) != len(value):
            raise problem("lists a logbook twice")
        return tuple(track for track in TRACKS if track in value)


class Tracks(_Section):
    """What each track may log: its own logbook, unless the protocol lists both."""

    savings: TrackRules = TrackRules(logs=("savings",))
    jobsearch: TrackRules = TrackRules(logs=("jobsearch",))

    def may_log(self, track: str | None, logbook: Track) -> bool:
        """Whether a participant of `track` may record what belongs to `logbook`."""
        if track == "savings":
            return logbook in self.savings.logs
        if track == "jobsearch":
            return logbook in self.jobsearch.logs
        return False


class CurriculumWeek(_Section):
    """One week's discussion topic for the peer groups."""

    week: int = Field(ge=1)
    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)
    # A topic for one track's groups (none: every track's), and optionally only for groups of
    # these age bands. Weeks run 1, 2, 3, … within each (track, age bands) list.
    track: Track | None = None
    age_bands: tuple[str, ...] = ()
    # the topic worded for one person, for arms that get the curriculum without a group
    # (none: the group's wording)
    private: LocalizedText | None = None

    def fits(self, track: str, age_band: str) -> bool:
        """For a group of this track and band ("21-25+26-35" when merged: either band)."""
        if self.track is not None and self.track != track:
            return False
        return not self.age_bands or any(b in self.age_bands for b in age_band.split("+"))

    def topic(self, language: Language) -> str:
        """The topic in one language."""
        return self.nl if language == "nl" else self.en

    def private_topic(self, language: Language) -> str:
        """The topic for one person on their own: its private wording, else the group's."""
        return self.private.text(language) if self.private is not None else self.topic(language)


class CannedReply(_Section):
    """A ready answer a counsellor can send under a ticket with one tap."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,15}$")
    label: LocalizedText
    text: LocalizedText


_DEFAULT_CANNED = (
    CannedReply(
        key="received",
        label=LocalizedText(nl="Ontvangen", en="Received"),
        text=LocalizedText(
            nl="Dank je voor je vraag! Ik heb hem gelezen en kom er snel op terug.",
            en="Thank you for your question! I have read it and will get back to you soon.",
        ),
    ),
    CannedReply(
        key="call_me",
        label=LocalizedText(nl="Bel me", en="Call me"),
        text=LocalizedText(
            nl="Goede vraag. Dit bespreek ik liever even persoonlijk: bel me gerust op je "
            "volgende afspraak of via het algemene nummer.",
            en="Good question. I would rather talk about this in person: feel free to call me "
            "at your next appointment or through the general number.",
        ),
    ),
)


class Inbox(_Section):
    """The counsellor inbox (arms with `counsellor_contact`): how long tickets may wait."""

    remind_after: PositiveDuration = timedelta(hours=24)
    escalate_after: PositiveDuration = timedelta(hours=72)
    # an answered ticket closes by itself this long after its latest answer, unless the
    # participant writes again (which reopens it)
    close_answered_after: PositiveDuration = timedelta(days=7)
    # a closed ticket's question text is forgotten this long after it was closed
    retention: NonNegativeDuration = timedelta(days=30)
    max_question_chars: int = Field(default=1000, ge=20, le=4000)
    canned: tuple[CannedReply, ...] = Field(default=_DEFAULT_CANNED, max_length=6)

    @model_validator(mode="after")
    def _escalate_after_reminder(self) -> Self:
        if self.escalate_after <= self.remind_after:
            raise problem("must come after remind_after", "escalate_after")
        if len({reply.key for reply in self.canned}) != len(self.canned):
            raise problem("names a canned reply twice", "canned")
        return self
