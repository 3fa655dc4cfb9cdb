"""One person, one randomization: a keyed hash of every Telegram id that was ever allocated.

The hash is written in the allocation's transaction and survives /delete (the consent text says
so). It is an HMAC-SHA256 under a key derived from the pseudonym key with a label of its own, so
it is unrelated to the export's pseudonyms and means nothing without the key. A person whose hash
is present is refused kindly when they try to enroll again; only a per-site count remains.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.study import AllocatedPerson, ReenrollmentRefusals
from bot.db.upsert import insert_if_absent
from bot.services.trial import Trial

LABEL = b"lotgenoot/allocated-telegram-id/v1"


class MissingPseudonymKey(RuntimeError):
    """The allocation path needs LOTGENOOT_PSEUDONYM_KEY and it was not given."""


def person_hash(pseudonym_key: str, telegram_user_id: int) -> str:
    """The keyed hash of a Telegram id: hex HMAC-SHA256 under HMAC(key, LABEL)."""
    if not pseudonym_key:
        raise MissingPseudonymKey(
            "LOTGENOOT_PSEUDONYM_KEY is not set: it is needed to recognise people who were "
            "allocated before"
        )
    derived = hmac.digest(pseudonym_key.encode("utf-8"), LABEL, "sha256")
    return hmac.new(derived, str(int(telegram_user_id)).encode(), hashlib.sha256).hexdigest()


async def was_allocated(session: AsyncSession, trial: Trial, telegram_user_id: int) -> bool:
    """Whether this Telegram id was ever allocated (even if the person erased their data)."""
    found = await session.scalar(
        select(AllocatedPerson.id_hash).where(
            AllocatedPerson.id_hash == person_hash(trial.pseudonym_key, telegram_user_id)
        )
    )
    return found is not None


async def remember_allocated(session: AsyncSession, trial: Trial, telegram_user_id: int) -> None:
    """Record that this Telegram id was allocated; call it in the allocation's transaction."""
    await insert_if_absent(
        session,
        AllocatedPerson,
        {"id_hash": person_hash(trial.pseudonym_key, telegram_user_id)},
        ["id_hash"],
    )


async def count_refusal(session: AsyncSession, site_id: int) -> None:
    """One more refused re-enrollment at this site: a count, never who."""
    await insert_if_absent(
        session, ReenrollmentRefusals, {"site_id": site_id, "count": 0}, ["site_id"]
    )
    await session.execute(
        update(ReenrollmentRefusals)
        .where(ReenrollmentRefusals.site_id == site_id)
        .values(count=ReenrollmentRefusals.count + 1)
    )
