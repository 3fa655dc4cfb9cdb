"""Staff views and alerts in the language each staff member chose (SPEC §11.4, issue 25 build
5): a Dutch counsellor reads /group in Dutch, moderation log included; an English admin gets
the alerts of a Dutch group in English."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.db.study import Role, StaffMember
from bot.i18n import Language, text
from tests.services.peer_groups import calls
from tests.services.peer_groups.world import (
    World,
    formed_group,
    joined_group,
    members_of,
    new_user,
    outbox,
    replies,
)
from tests.texts import said


async def _choose(world: World, staff_id: int, language: Language) -> None:
    async with world.database.transaction() as session:
        await session.execute(
            update(StaffMember).where(StaffMember.id == staff_id).values(language=language.value)
        )


async def test_a_counsellor_reads_the_moderation_log_in_the_language_they_chose(
    world: World,
) -> None:
    group = await joined_group(world, 3)
    await calls.moderate(world, "warn", group.chat_id, group.leader.user_id, group.members[0])
    [tag] = [m.tag for m in await members_of(world, group.id) if m.warnings]

    shown = {}
    for language in (Language.NL, Language.EN):
        await _choose(world, group.leader.staff_id, language)
        [reply] = await replies(
            world, await calls.show_group(world, group.leader.user_id, group.id)
        )
        shown[language] = reply.text

    for language, words in shown.items():
        warned, by = text(language, "log.warn"), text(language, "log.counsellor")
        assert f" {warned} {tag} ({by})" in words
    assert " warn " not in shown[Language.NL]
    assert "(counsellor)" not in shown[Language.NL]


async def test_an_admin_gets_a_dutch_groups_alert_in_the_english_they_chose(world: World) -> None:
    group = await formed_group(world, 3)
    english_admin = new_user()
    async with world.database.transaction() as session:
        now = world.clock.now()
        session.add(
            StaffMember(
                telegram_user_id=english_admin,
                role=Role.ADMIN,
                joined_at=now,
                last_active_at=now,
                language="en",
            )
        )

    world.clock.advance(timedelta(days=7))
    await calls.scan(world)

    [alert] = await outbox(world, chat_id=english_admin, kind="admin_alert")
    assert said(
        alert.text,
        "alerts.counsellor_inactive",
        language=Language.EN,
        staff=group.leader.staff_id,
        days=7,
        group=group.id,
    )
