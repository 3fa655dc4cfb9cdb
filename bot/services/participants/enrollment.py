"""Enrollment: codes from deep links, consent, and nothing stored for those who decline."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import (
    ConsentRefusals,
    EnrollmentCode,
    IntakeStep,
    Participant,
    ParticipantStatus,
    ReachStep,
    Site,
)
from bot.db.upsert import insert_if_absent
from bot.services import button_data, directory, linkage
from bot.services.participants import intake, returning, shortcuts
from bot.services.reach import record_reach
from bot.services.trial import Trial
from bot.services.turns import Turn

CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: codes get read aloud
# /start after /stop or /pause says that messages are still off, and how to turn them on
WELCOME_BACK = {
    ParticipantStatus.WITHDRAWN: "start.welcome_back_stopped",
    ParticipantStatus.PAUSED: "start.welcome_back_paused",
}


async def create_codes(
    session: AsyncSession,
    site_name: str,
    count: int,
    *,
    reusable: bool,
    now: datetime,
    expires_in: timedelta | None = None,
) -> list[str]:
    """Make `count` new enrollment codes for a site (created on first use), valid for
    `expires_in` from now (None: until revoked)."""
    site = await session.scalar(select(Site).where(Site.name == site_name))
    if site is None:
        site = Site(name=site_name, created_at=now)
        session.add(site)
        await session.flush()
    codes = ["".join(secrets.choice(CODE_ALPHABET) for _ in range(12)) for _ in range(count)]
    session.add_all(
        EnrollmentCode(
            code=code,
            site_id=site.id,
            reusable=reusable,
            created_at=now,
            expires_at=None if expires_in is None else now + expires_in,
        )
        for code in codes
    )
    step = ReachStep.LINK_ISSUED if reusable else ReachStep.CODE_ISSUED
    await record_reach(session, site.id, step, now, times=count)
    return codes


async def revoke_codes(session: AsyncSession, codes: list[str], now: datetime) -> list[str]:
    """Revoke the given codes (already revoked ones stay as they are); the codes not found."""
    unknown = []
    for code in codes:
        found = await session.get(EnrollmentCode, code.strip())
        if found is None:
            unknown.append(code)
        elif found.revoked_at is None:
            found.revoked_at = now
    return unknown


async def start(turn: Turn, trial: Trial, code: str | None) -> None:
    """/start: continue a participant's intake, or offer consent for a valid code."""
    if code is not None and code.startswith(directory.INVITE_PREFIX):
        await directory.accept_invite(turn, code)
        return
    if turn.participant is not None:
        await _welcome_back(turn, trial)
        return
    if code is None:
        await turn.say_text("start.welcome", name=turn.incoming.first_name)
        return
    known = await turn.session.get(EnrollmentCode, code.strip())
    if known is not None:
        await record_reach(turn.session, known.site_id, ReachStep.LINK_OPENED, turn.now)
    enrollment_code = await _usable_code(turn.session, code, turn.now)
    if enrollment_code is None:
        await turn.say_text("enroll.invalid_code")
        return
    if await returning.was_allocated(turn.session, trial, turn.user_id):
        await _refuse_returning(turn, enrollment_code.site_id)
        return
    await record_reach(turn.session, enrollment_code.site_id, ReachStep.CONSENT_SHOWN, turn.now)
    await turn.say(
        trial.protocol.consent.text(turn.language, trial.protocol.study.consent_version),
        buttons=[
            [button_data.button(turn.t("consent.yes"), button_data.Consent(True, code))],
            [button_data.button(turn.t("consent.no"), button_data.Consent(False, code))],
        ],
    )


async def answer_consent(turn: Turn, code: str, agreed: bool, trial: Trial) -> None:
    """Create the participant on consent; on refusal only count it for the site."""
    if turn.participant is not None:
        await _welcome_back(turn, trial)
        return
    enrollment_code = await _usable_code(turn.session, code, turn.now)
    if enrollment_code is None:
        await turn.say_text("enroll.invalid_code")
        return
    if not agreed:
        await _count_refusal(turn.session, enrollment_code.site_id)
        await record_reach(turn.session, enrollment_code.site_id, ReachStep.DECLINED, turn.now)
        await turn.say_text("consent.declined")
        return
    if await returning.was_allocated(turn.session, trial, turn.user_id):
        await _refuse_returning(turn, enrollment_code.site_id)
        return
    if not await _consume(turn.session, enrollment_code.code, turn.now):
        # Someone else used this single-use code (or it was revoked) since it was read.
        await turn.say_text("enroll.invalid_code")
        return
    participant = Participant(
        telegram_user_id=turn.user_id,
        site_id=enrollment_code.site_id,
        language=turn.language.value,
        consent_version=trial.protocol.study.consent_version,
        consent_sha256=trial.protocol.consent.sha256(),
        consented_at=turn.now,
        step=IntakeStep.LANGUAGE,
        status=ParticipantStatus.ACTIVE,
        code_hash=linkage.enrollment_code_hash(trial.linkage_key, enrollment_code),
    )
    turn.session.add(participant)
    await turn.session.flush()
    turn.participant = participant
    await turn.say_text("consent.thanks")
    await intake.prompt(turn, trial)


async def _welcome_back(turn: Turn, trial: Trial) -> None:
    participant = turn.participant
    assert participant is not None
    if participant.step is IntakeStep.DONE:
        key = WELCOME_BACK.get(participant.status)
        if key is None:
            await turn.say_text("start.welcome_back")
        else:  # messages are off: one tap turns them on again
            await turn.say_text(key, buttons=shortcuts.resume_row(turn))
        return
    await turn.say_text("start.continue_intake")
    await intake.prompt(turn, trial)


async def _usable_code(session: AsyncSession, code: str, now: datetime) -> EnrollmentCode | None:
    found = await session.get(EnrollmentCode, code.strip())
    if found is None or found.revoked_at is not None:
        return None
    if found.expires_at is not None and found.expires_at <= now:
        return None
    if not found.reusable and found.uses > 0:
        return None
    return found


async def _consume(session: AsyncSession, code: str, now: datetime) -> bool:
    """Count one use of the code, only if it is still usable; False when it no longer is.

    One conditional UPDATE, so two people consenting with one single-use code at once cannot
    both get in: on PostgreSQL the second waits for the first's row lock, then re-checks
    `uses = 0` against the committed row and updates nothing.
    """
    result = await session.execute(
        update(EnrollmentCode)
        .where(
            EnrollmentCode.code == code,
            EnrollmentCode.revoked_at.is_(None),
            or_(EnrollmentCode.expires_at.is_(None), EnrollmentCode.expires_at > now),
            or_(EnrollmentCode.reusable, EnrollmentCode.uses == 0),
        )
        .values(uses=EnrollmentCode.uses + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def _refuse_returning(turn: Turn, site_id: int) -> None:
    """A person who was allocated before (and erased their data) cannot draw again."""
    await returning.count_refusal(turn.session, site_id)
    await record_reach(turn.session, site_id, ReachStep.REFUSED_RETURNING, turn.now)
    await turn.say_text("enroll.already_took_part")


async def _count_refusal(session: AsyncSession, site_id: int) -> None:
    await insert_if_absent(session, ConsentRefusals, {"site_id": site_id, "count": 0}, ["site_id"])
    await session.execute(
        update(ConsentRefusals)
        .where(ConsentRefusals.site_id == site_id)
        .values(count=ConsentRefusals.count + 1)
    )
