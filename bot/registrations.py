"""Recording and reading registered analysis plans (the protocol file's SHA-256 and text)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bot.db.engine import Database
from bot.db.registration import ProtocolRegistration
from experiments.protocol import Registration

__all__ = ["latest_registration", "record_registration"]


async def record_registration(
    database: Database,
    registration: Registration,
    *,
    publish: Callable[[], None] = lambda: None,
    withdraw: Callable[[], None] = lambda: None,
) -> None:
    """Keep one registration; earlier ones stay (the report compares with the latest).

    `publish` (writing the plan's files) runs inside the transaction, after the row is written
    and before it commits: if it raises, nothing is recorded; if the commit fails after it,
    `withdraw` takes the files back. Registration and files succeed or fail together.
    """
    published = False
    try:
        async with database.transaction() as session:
            session.add(
                ProtocolRegistration(
                    sha256=registration.sha256,
                    protocol_text=registration.protocol_text,
                    registered_at=registration.registered_at,
                )
            )
            await session.flush()
            publish()
            published = True
    except BaseException:
        if published:
            withdraw()
        raise


async def latest_registration(database: Database) -> Registration | None:
    """The most recent registration, or None when the plan was never registered."""
    async with database.snapshot() as session:
        row = (
            await session.execute(
                select(
                    ProtocolRegistration.sha256,
                    ProtocolRegistration.protocol_text,
                    ProtocolRegistration.registered_at,
                )
                .order_by(ProtocolRegistration.registered_at.desc(), ProtocolRegistration.id.desc())
                .limit(1)
            )
        ).first()
    if row is None:
        return None
    return Registration(row.sha256, row.protocol_text, row.registered_at)
