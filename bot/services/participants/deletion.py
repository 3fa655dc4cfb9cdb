"""/delete: after a confirmation, the person is erased.

Their Telegram id and chat link always go; their research record (events, answers, micro-
randomized decisions) too unless the protocol's consent keeps it. What others' messages, reports
and logs say about them is scrubbed by mention_scrub.py.
"""

from __future__ import annotations

from sqlalchemy import delete, update

from bot.db.calls import CallTask
from bot.db.delivery import OutboxMessage, UnreachableChat
from bot.db.study import Event, ParticipantStatus
from bot.services import button_data, linkage
from bot.services.counsellor_inbox import calls, tickets
from bot.services.participants import micro_chain, offers, questionnaire, retention
from bot.services.participants.languages import hide_commands_in
from bot.services.participants.mention_scrub import (
    Needles,
    forget_in_messages_to,
    forget_mentions,
)
from bot.services.participants.nudges import cancel_pending_nudges
from bot.services.participants.participation import enrolled
from bot.services.peer_groups import follow
from bot.services.peer_groups.together import leaving
from bot.services.trial import Trial
from bot.services.turns import Turn


async def ask_delete(turn: Turn, _trial: Trial) -> None:
    """/delete: ask for confirmation first."""
    if enrolled(turn) is None:
        await turn.say_text("mydata.nothing")
        return
    await turn.say_text(
        "delete.confirm",
        buttons=[
            [button_data.button(turn.t("delete.yes"), button_data.Erase(True))],
            [button_data.button(turn.t("delete.no"), button_data.Erase(False))],
        ],
    )


async def erase(turn: Turn, confirmed: bool, trial: Trial) -> None:
    """Erase the person: Telegram id and chat link always; the research record if consent says."""
    participant = enrolled(turn)
    if participant is None:
        await turn.say_text("mydata.nothing")
        return
    if not confirmed:
        await turn.say_text("delete.cancelled")
        return
    telegram_id = participant.telegram_user_id
    keep = trial.protocol.study.keep_research_data_after_erasure
    await cancel_pending_nudges(turn.session, participant.id, "erased")
    await tickets.forget_participant(turn.session, participant.id, turn.now)
    await offers.forget(turn.session, participant.id)
    await retention.forget(turn.session, participant.id)
    await follow.cancel_group_notes(turn.session, participant.id, "erased")
    # the name they chose to be shown by: forgotten, their buddy told without it
    chose = await leaving.forget(turn.session, participant.id, turn.now)
    await turn.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.participant_id == participant.id)
        .values(chat_id=None, payload={})
    )
    if telegram_id is not None:
        await turn.session.execute(
            delete(UnreachableChat).where(UnreachableChat.chat_id == telegram_id)
        )
        # What others' messages, reports and logs say about them goes too.
        needles = Needles(telegram_id, turn.incoming.first_name)
        await forget_mentions(turn.session, participant.id, needles, "erased", turn.now)
        if chose.name is not None:
            chosen = Needles(telegram_id, chose.name)
            if chose.name.casefold() != turn.incoming.first_name.casefold():
                await forget_mentions(turn.session, participant.id, chosen, "erased", turn.now)
            await forget_in_messages_to(turn.session, chose.buddies, chosen, "erased")
    # Out of their group's chat too (queued after the scrub above, which would cancel it).
    await follow.leave_group(turn.session, participant.id, telegram_id, turn.now)
    # nobody follows them up any more; their follow-up draws are research data like the rest
    await calls.close_tasks(turn.session, participant.id)
    if not keep:
        await turn.session.execute(delete(Event).where(Event.participant_id == participant.id))
        await turn.session.execute(
            delete(CallTask).where(CallTask.participant_id == participant.id)
        )
        await questionnaire.delete_answers(turn.session, participant.id)
        # Their micro-randomized decisions are research data too (their outcomes just went);
        # each leaves a keyed tombstone, so `study verify` sees a lawful erasure, not a gap.
        await micro_chain.erase_decisions(
            turn.session, participant.id, trial.allocation_seed, turn.now
        )
        participant.birth_year = None
    participant.telegram_user_id = None
    linkage.forget(participant)  # registry records can no longer be linked to them
    participant.status = ParticipantStatus.ERASED
    participant.erased_at = turn.now
    # The goodbye still has to reach them: it goes to the chat id we just forgot, and the
    # outbox forgets it again once sent (it is marked as a non-participant message).
    turn.participant = None
    await turn.say(turn.t("delete.done_kept" if keep else "delete.done_all"), remove_menu=True)
    await hide_commands_in(turn)
