"""Mixed-language groups: a group post in every language its members speak, Dutch first, in
one message (issue 26.9); a group of one language gets that language alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.groups import GroupMember, MemberStatus, PeerGroup
from bot.db.study import Participant
from bot.i18n import Language, text
from bot.services.peer_groups.lookups import language_of

# how each part of a two-language post starts, so a reader finds their own at a glance
MARKS = {Language.NL: "🇳🇱", Language.EN: "🇬🇧"}
STAYING = (MemberStatus.ASSIGNED, MemberStatus.JOINED)


async def group_languages(session: AsyncSession, group: PeerGroup) -> tuple[Language, ...]:
    """The languages of the people in the group (assigned or joined), Dutch first; the group's
    own language when nobody is left."""
    spoken = set(
        await session.scalars(
            select(Participant.language)
            .join(GroupMember, GroupMember.participant_id == Participant.id)
            .where(GroupMember.group_id == group.id, GroupMember.status.in_(STAYING))
            .distinct()
        )
    )
    return tuple(language for language in Language if language.value in spoken) or (
        language_of(group),
    )


def in_languages(languages: Sequence[Language], render: Callable[[Language], str]) -> str:
    """`render` in each language, joined into one message (marked only when there are two)."""
    if len(languages) == 1:
        return render(languages[0])
    return "\n\n".join(f"{MARKS[language]} {render(language)}" for language in languages)


async def group_post_text(
    session: AsyncSession, group: PeerGroup, key: str, /, **params: object
) -> str:
    """The catalogue text `key` for a group post, in the languages of its members."""
    languages = await group_languages(session, group)
    return in_languages(languages, lambda language: text(language, key, **params))
