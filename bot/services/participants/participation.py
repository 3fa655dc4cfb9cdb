"""What participants control themselves: progress, goal, language, pause, stop, their data.

/delete, which erases them, is in deletion.py.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.db.groups import GroupMember, ModerationAction
from bot.db.study import Event, IntakeStep, Participant, ParticipantStatus, Site, SurveyAnswer
from bot.services import button_data
from bot.services.counsellor_inbox import calls
from bot.services.ledger import Ledger, ledger_of
from bot.services.participants import intake, money_out, shortcuts
from bot.services.participants.money import format_amount
from bot.services.participants.nudges import cancel_pending_nudges
from bot.services.peer_groups import follow
from bot.services.periods import current_window, resumed_period_start, start_day, week_starts
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.protocol import Component, Track
from experiments.records import EventKind


def enrolled(turn: Turn) -> Participant | None:
    """The turn's participant, unless there is none or they erased themselves."""
    participant = turn.participant
    if participant is None or participant.status is ParticipantStatus.ERASED:
        return None
    return participant


async def progress(turn: Turn, trial: Trial) -> None:
    """/progress: the participant's own totals, this period and overall."""
    participant = enrolled(turn)
    if participant is None or participant.step is not IntakeStep.DONE:
        await turn.say_text("activity.not_enrolled")
        return
    start, _end = current_window(participant, turn.now, trial.protocol.schedule.commitment_period)
    since = participant.consented_at
    ledger = await ledger_of(turn.session, participant.id)
    if participant.track == Track.SAVINGS:
        words = turn.t(
            "progress.savings",
            total=format_amount(ledger.saved(since), turn.language),
            deposits=turn.plural("count.deposits", ledger.deposits_made()),
            period_total=format_amount(ledger.saved(start), turn.language),
            goal=format_amount(participant.commitment_cents or 0, turn.language),
        )
        words = "\n".join([words, *money_out.money_lines(turn, ledger)])
    else:
        words = turn.t(
            "progress.jobsearch",
            applications=turn.plural(
                "count.applications", ledger.counted(EventKind.APPLIED, since)
            ),
            interviews=turn.plural("count.interviews", ledger.counted(EventKind.INTERVIEW, since)),
            period_count=ledger.counted(EventKind.APPLIED, start),
            goal=turn.plural("count.applications", participant.commitment_applications or 0),
        )
    schedule = trial.protocol.schedule
    week = week_starts(turn.language, participant, schedule.commitment_period, trial.protocol.zone)
    await turn.say(words if week is None else f"{words}\n{week}")


async def goal(turn: Turn, trial: Trial, typed: str | None) -> None:
    """/goal [new]: offer new commitments as buttons, or set the one typed."""
    participant = enrolled(turn)
    if participant is None or participant.step is not IntakeStep.DONE:
        await turn.say_text("activity.not_enrolled")
        return
    if not typed:
        await intake.ask_commitment(turn, participant, f"goal.ask_{participant.track}")
        return
    await _change_goal(turn, typed, trial)


async def _change_goal(turn: Turn, typed: str, trial: Trial) -> None:
    if await intake.set_commitment(turn, typed, trial):
        await turn.say_text("goal.changed")


async def change_goal_to(turn: Turn, amount: int, trial: Trial) -> None:
    """A /goal button: the new commitment, in cents for savers and applications for jobseekers."""
    participant = enrolled(turn)
    if participant is None or participant.step is not IntakeStep.DONE:
        await turn.say_text("activity.not_enrolled")
        return
    if await intake.store_commitment(turn, amount, trial):
        await turn.say_text("goal.changed")


async def ask_language(turn: Turn, _trial: Trial) -> None:
    await turn.say_text("language.ask", buttons=[intake.language_buttons()])


async def pause(turn: Turn, _trial: Trial) -> None:
    """/pause: no nudges until /resume; logging still works."""
    participant = enrolled(turn)
    if participant is None:
        await turn.say_text("activity.not_enrolled")
        return
    if participant.status is ParticipantStatus.ACTIVE:
        participant.status = ParticipantStatus.PAUSED
        participant.paused_at = turn.now
        _event(turn, participant, EventKind.PAUSE)
        await cancel_pending_nudges(turn.session, participant.id, "paused")
    await turn.say_text("pause.done", buttons=shortcuts.resume_row(turn))


async def resume(turn: Turn, trial: Trial) -> None:
    """/resume: nudges again, on the person's own grid of periods (it says so)."""
    participant = enrolled(turn)
    if participant is None:
        await turn.say_text("activity.not_enrolled")
        return
    words = turn.t("resume.done")
    if participant.status is not ParticipantStatus.ACTIVE:
        if participant.status is ParticipantStatus.WITHDRAWN:
            await follow.fresh_link(turn.session, participant.id, turn.incoming.update_id, turn.now)
        participant.status = ParticipantStatus.ACTIVE
        if participant.step is IntakeStep.DONE:
            schedule = trial.protocol.schedule
            period = schedule.commitment_period
            participant.period_start = resumed_period_start(participant, turn.now, period)
            participant.next_encouragement_at = turn.now + schedule.encouragement_interval
            day = start_day(turn.language, participant, period, trial.protocol.zone)
            kept = turn.t("period.kept") if day is None else turn.t("period.kept_week", day=day)
            words = f"{words} {kept}"
        _event(turn, participant, EventKind.RESUME)
    await turn.say(words)


async def ask_stop(turn: Turn, _trial: Trial) -> None:
    """/stop, 🛑 or "ik wil stoppen": one tap confirms it (then `stop`), as with any words."""
    participant = enrolled(turn)
    if participant is None:
        await turn.say_text("activity.not_enrolled")
    elif participant.status is ParticipantStatus.WITHDRAWN:
        await turn.say_text("stop.done", buttons=shortcuts.resume_row(turn))
    else:
        yes = button_data.button(turn.t("intents.yes"), button_data.ConfirmStop())
        no = button_data.button(turn.t("intents.no"), button_data.Dismiss())
        await turn.say_text("intents.confirm_stop", buttons=[[yes, no]])


async def stop(turn: Turn, _trial: Trial) -> None:
    """/stop: withdraw from all messages; the data stay unless /delete is used."""
    participant = enrolled(turn)
    if participant is None:
        await turn.say_text("activity.not_enrolled")
        return
    if participant.status is not ParticipantStatus.WITHDRAWN:
        participant.status = ParticipantStatus.WITHDRAWN
        participant.withdrawn_at = turn.now
        _event(turn, participant, EventKind.WITHDRAWAL)
        await cancel_pending_nudges(turn.session, participant.id, "withdrawn")
        await calls.close_tasks(turn.session, participant.id)  # no follow-up call either
        await follow.cancel_group_notes(turn.session, participant.id, "withdrawn")
        await follow.leave_group(
            turn.session, participant.id, participant.telegram_user_id, turn.now
        )
    await turn.say_text("stop.done", buttons=shortcuts.resume_row(turn))


async def my_data(turn: Turn, trial: Trial) -> None:
    """/mydata: first a short summary in plain words (what is stored, their arm, their
    numbers), then everything stored about the participant as a JSON file, including their
    group membership and the moderation actions taken about them (what, when, why; never who
    reported them or which counsellor acted)."""
    participant = enrolled(turn)
    if participant is None:
        await turn.say_text("mydata.nothing")
        return
    site = await turn.session.get(Site, participant.site_id)
    events = list(
        await turn.session.scalars(
            select(Event).where(Event.participant_id == participant.id).order_by(Event.id)
        )
    )
    answers = list(
        await turn.session.scalars(
            select(SurveyAnswer).where(SurveyAnswer.participant_id == participant.id)
        )
    )
    member = await turn.session.scalar(
        select(GroupMember).where(GroupMember.participant_id == participant.id)
    )
    actions = (
        list(
            await turn.session.scalars(
                select(ModerationAction)
                .where(ModerationAction.target_member_id == member.id)
                .order_by(ModerationAction.at, ModerationAction.id)
            )
        )
        if member is not None
        else []
    )
    ledger = await ledger_of(turn.session, participant.id)
    await turn.say(_summary(turn, participant, ledger, len(answers), member, trial))
    document = {
        "participant": {
            column.name: _plain(getattr(participant, column.key))
            for column in Participant.__table__.columns
        },
        "site": site.name if site else None,
        "events": [
            {
                "kind": e.kind,
                "amount_cents": e.amount_cents,
                "quantity": e.quantity,
                "detail": e.detail,
                "at": e.occurred_at.isoformat(),
            }
            for e in events
        ],
        "questionnaire_answers": [
            {"wave": a.wave, "instrument": a.instrument, "item": a.item, "value": a.value}
            for a in answers
        ],
        "group_membership": None
        if member is None
        else {
            "group": member.group_id,
            "your_tag": member.tag,
            "status": _plain(member.status.value),
            "link_sent_at": _plain(member.link_sent_at),
            "joined_at": _plain(member.joined_at),
            "left_at": _plain(member.left_at),
            "last_active_at": _plain(member.last_active_at),
            "warnings": member.warnings,
            "muted_until": _plain(member.muted_until),
        },
        # what was done about them, when and why: never who reported them or who acted
        "moderation_actions_about_you": [
            {
                "what": action.action,
                "when": _plain(action.at),
                "why": action.reason,
                "until": _plain(action.until),
            }
            for action in actions
        ],
    }
    content = json.dumps(document, indent=2, ensure_ascii=False)
    await turn.say(turn.t("mydata.caption"), document=("lotgenoot-mydata.json", content))


def _summary(
    turn: Turn,
    participant: Participant,
    ledger: Ledger,
    answers: int,
    member: GroupMember | None,
    trial: Trial,
) -> str:
    """/mydata's first message: what is stored, in a few short lines."""
    if participant.track == Track.SAVINGS:
        numbers = turn.t(
            "mydata.numbers_savings",
            deposits=turn.plural("count.deposits", ledger.deposits_made()),
            total=format_amount(ledger.saved(), turn.language),
        )
        goal = format_amount(participant.commitment_cents or 0, turn.language)
    else:
        numbers = turn.t(
            "mydata.numbers_jobsearch",
            applications=turn.plural("count.applications", ledger.counted(EventKind.APPLIED)),
            interviews=turn.plural("count.interviews", ledger.counted(EventKind.INTERVIEW)),
        )
        goal = turn.plural("count.applications", participant.commitment_applications or 0)
    return turn.t(
        "mydata.summary",
        goal=goal,
        numbers=numbers,
        answers=turn.plural("mydata.answers", answers),
        group=turn.t("mydata.group_none")
        if member is None
        else turn.t("mydata.group", group=member.group_id),
        arm=turn.t(_arm_in_words(participant, trial)),
    )


def _arm_in_words(participant: Participant, trial: Trial) -> str:
    """The catalogue key that says in plain words what the draw gave this participant."""
    if participant.arm is None:
        return "mydata.arm_none"
    components = set(trial.protocol.arm(participant.arm).components)
    if Component.PEER_GROUP in components:
        return "mydata.arm_group"
    if components & {Component.REMINDER, Component.ENCOURAGEMENT, Component.CONGRATULATION}:
        return "mydata.arm_messages"
    return "mydata.arm_track_only"


def _plain(value: object) -> object:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _event(turn: Turn, participant: Participant, kind: EventKind) -> None:
    turn.session.add(
        Event(
            participant_id=participant.id,
            kind=kind,
            detail={},
            occurred_at=turn.now,
            source="telegram",
            dedupe_key=f"update:{turn.incoming.update_id}",
        )
    )
