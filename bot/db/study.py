"""Tables of the trial itself: sites, enrollment codes, participants, allocations, outcomes."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, string_enum
from bot.db.types import BigIntId
from experiments.protocol import Track
from experiments.records import EventKind


class Site(Base):
    """Where people enroll from, e.g. a municipality office; a stratification factor."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime]


class EnrollmentCode(Base):
    """The code in an enrollment deep link; single-use unless `reusable`."""

    __tablename__ = "enrollment_codes"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    reusable: Mapped[bool] = mapped_column(default=False)
    uses: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]


class ConsentRefusals(Base):
    """How many people declined consent per site: the only trace a refusal leaves."""

    __tablename__ = "consent_refusals"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class ReachStep(enum.StrEnum):
    """A step of the way from a code handed out to a consent, counted per site and never who."""

    CODE_ISSUED = "code_issued"  # a single-use code created
    LINK_ISSUED = "link_issued"  # a reusable link created (any number may use it)
    LINK_OPENED = "link_opened"  # /start with a code the bot knows (valid or not)
    CONSENT_SHOWN = "consent_shown"
    DECLINED = "declined"
    REFUSED_RETURNING = "refused_returning"  # allocated before: no second draw


class ReachRecord(Base):
    """One step of reach at a site, with its time: an event without a person (SPEC §11.5)."""

    __tablename__ = "reach_steps"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    step: Mapped[ReachStep] = mapped_column(string_enum(ReachStep, length=20))
    at: Mapped[datetime]


class IntakeStep(enum.StrEnum):
    """Where a participant is in the intake; stored, so any process can continue it."""

    LANGUAGE = "language"
    BIRTH_YEAR = "birth_year"
    TRACK = "track"
    BASELINE = "baseline"
    BALANCE = "balance"  # savers' optional starting balance, where the protocol asks it
    COMMITMENT = "commitment"
    DONE = "done"


class ParticipantStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"
    ERASED = "erased"


class Participant(Base):
    """A consenting person. After /delete only the pseudonymized research fields remain."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    language: Mapped[str] = mapped_column(String(2))
    consent_version: Mapped[str] = mapped_column(String(40))
    # the SHA-256 of the consent's words the person agreed to (NULL before consent was hashed)
    consent_sha256: Mapped[str | None] = mapped_column(String(64))
    consented_at: Mapped[datetime]
    step: Mapped[IntakeStep] = mapped_column(string_enum(IntakeStep))
    birth_year: Mapped[int | None]
    age_band: Mapped[str | None] = mapped_column(String(20))
    track: Mapped[Track | None] = mapped_column(string_enum(Track, length=20))
    commitment_cents: Mapped[int | None]
    commitment_applications: Mapped[int | None]
    goal_target_cents: Mapped[int | None]
    stratum: Mapped[str | None] = mapped_column(String(200))
    arm: Mapped[str | None] = mapped_column(String(40))
    allocated_at: Mapped[datetime | None]
    status: Mapped[ParticipantStatus] = mapped_column(
        string_enum(ParticipantStatus), default=ParticipantStatus.ACTIVE
    )
    paused_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    unreachable_since: Mapped[datetime | None]
    period_start: Mapped[datetime | None]
    next_encouragement_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
    # when their intervention ended (`schedule.intervention_length` after allocation) and they
    # were told what continues: nudges and the counsellor inbox stop, logging and follow-up not
    ended_at: Mapped[datetime | None]
    # Follow-up questionnaires: the next wave and when it is due, the wave open for answers,
    # and when to remind about it (how many reminders are left).
    next_survey_wave: Mapped[int | None]
    next_survey_at: Mapped[datetime | None]
    open_survey_wave: Mapped[int | None]
    survey_reminder_at: Mapped[datetime | None]
    survey_reminders_left: Mapped[int] = mapped_column(default=0, server_default="0")
    # the counsellor (staff_members.id) of arms with counsellor_contact; no foreign key, so
    # the column is a plain ALTER TABLE on SQLite too
    counsellor_id: Mapped[int | None]
    # HMAC-SHA256 of the single-use enrollment code under LOTGENOOT_LINKAGE_KEY (hex), so a
    # trusted third party can link registry outcomes; None for a reusable code, without the
    # key, and after /delete. Never exported with the research tables.
    code_hash: Mapped[str | None] = mapped_column(String(64))
    # arms with the curriculum but no peer group: when the next topic is due, and its week
    next_topic_at: Mapped[datetime | None]
    topic_week: Mapped[int] = mapped_column(default=1, server_default="1")
    # arms with counsellor_outreach: when the counsellor is next asked to check in
    next_outreach_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_participants_period", "status", "period_start"),
        Index("ix_participants_encouragement", "status", "next_encouragement_at"),
        Index("ix_participants_survey", "status", "next_survey_at"),
        Index("ix_participants_survey_reminder", "status", "survey_reminder_at"),
        Index("ix_participants_topic", "status", "next_topic_at"),
        Index("ix_participants_outreach", "status", "next_outreach_at"),
    )


class Allocation(Base):
    """One record of the append-only, hash-chained allocation log."""

    __tablename__ = "allocations"

    sequence: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), unique=True)
    stratum: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]
    arm: Mapped[str] = mapped_column(String(40))
    allocated_at: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("stratum", "position"),)


class Event(Base):
    """An outcome or exposure, appended and never edited: deposits, actions, messages, pauses."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    # stored as the kind's string (no migration of old rows); an unknown kind is refused
    kind: Mapped[EventKind] = mapped_column(string_enum(EventKind, length=40))
    amount_cents: Mapped[int | None]
    quantity: Mapped[int | None]
    detail: Mapped[dict[str, Any]]
    occurred_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    corrects_event_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_events_participant_kind_time", "participant_id", "kind", "occurred_at"),
    )

    def __init__(
        self,
        *,
        participant_id: int,
        kind: EventKind,
        occurred_at: datetime,
        source: str,
        amount_cents: int | None = None,
        quantity: int | None = None,
        detail: dict[str, Any] | None = None,
        dedupe_key: str | None = None,
        corrects_event_id: int | None = None,
    ) -> None:
        """The one way an event is made in Python: typed, so mypy refuses a misspelt kind."""
        super().__init__(
            participant_id=participant_id,
            kind=kind,
            occurred_at=occurred_at,
            source=source,
            amount_cents=amount_cents,
            quantity=quantity,
            detail=detail if detail is not None else {},
            dedupe_key=dedupe_key,
            corrects_event_id=corrects_event_id,
        )


class SurveyAnswer(Base):
    """One questionnaire item answered; partial questionnaires are simply fewer rows."""

    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    wave: Mapped[str] = mapped_column(String(20))
    instrument: Mapped[str] = mapped_column(String(40))
    item: Mapped[str] = mapped_column(String(40))
    value: Mapped[int]
    answered_at: Mapped[datetime]
    # how it was collected: `self` (the person in the chat) or `staff` (entered by the staff
    # member who followed up a non-responder, bot.services.staff.calls)
    mode: Mapped[str] = mapped_column(String(8), default="self", server_default="self")

    __table_args__ = (UniqueConstraint("participant_id", "wave", "instrument", "item"),)


class Role(enum.StrEnum):
    """Staff roles; admins also come from LOTGENOOT_ADMIN_IDS."""

    ADMIN = "admin"
    COUNSELLOR = "counsellor"
    RESEARCHER = "researcher"
    ASSISTANT = "assistant"  # a research assistant: follows up non-responders (call tasks)


class StaffMember(Base):
    """A counsellor, researcher, research assistant or admin who joined through a one-time
    invite link."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[Role] = mapped_column(string_enum(Role))
    joined_at: Mapped[datetime]
    last_active_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(default=True)
    # what participants see (SPEC §11.4): the name accepted with the invite; changeable, and
    # emptied when the role is removed
    display_name: Mapped[str | None] = mapped_column(String(64))
    # the language they chose (with the invite or /language) for their views and alerts, and
    # the one the bot speaks with them (None: not chosen yet)
    language: Mapped[str | None] = mapped_column(String(2))
    # their Telegram language (from language_code, recorded when they write): what the bot
    # speaks with them until they choose one
    telegram_language: Mapped[str | None] = mapped_column(String(2))

    __table_args__ = (UniqueConstraint("telegram_user_id", "role"),)


class Invite(Base):
    """A one-time deep-link token that grants a role to whoever opens it first."""

    __tablename__ = "invites"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[Role] = mapped_column(string_enum(Role))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    staff_member_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AllocatedPerson(Base):
    """A keyed hash of a Telegram id that was ever allocated: one person, one randomization.

    Kept apart from identities and never erased (the consent text says so): only the HMAC under
    the pseudonym key, no participant id and no time, so it cannot be linked to any record.
    """

    __tablename__ = "allocated_people"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)


class ReenrollmentRefusals(Base):
    """How many attempts to enroll again after an allocation were refused, per site; counts only."""

    __tablename__ = "reenrollment_refusals"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
