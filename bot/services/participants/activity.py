"""Logging what participants do: deposits and job-search steps (append-only; ↩️ Undo, in
`corrections`, takes the last entry back with an event of its own)."""

from __future__ import annotations

from typing import Final

from sqlalchemy import insert

from bot.db.base import table_of
from bot.db.study import Event, IntakeStep, Participant
from bot.outbox import OutboxKind
from bot.services import button_data
from bot.services.ledger import ledger_of
from bot.services.participants import offers, retention
from bot.services.participants.money import InvalidAmount, format_amount, parse_amount
from bot.services.participants.offers import Offered
from bot.services.peer_groups.together.sharing import share_step
from bot.services.periods import current_window
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.protocol import Component, Track
from experiments.records import JOB_SEARCH_KINDS, EventKind, Logged, Window

# on the table rather than the mapped class: one event per message, so the ORM's unit of work
# would cost more than the insert
RECORD_EVENT = insert(table_of(Event))
# the steps one message may log several of, and the plural text that names them
COUNTED = {"applied": "count.applications", "interview": "count.interviews"}
ACTION_DETAILS = button_data.ACTION_DETAILS
DEPOSIT = EventKind.DEPOSIT.value
# the protocol's logbook (`[tracks]`) each kind a participant logs belongs to
LOGBOOK: Final[dict[str, Track]] = {
    EventKind.DEPOSIT: Track.SAVINGS,
    EventKind.MONEY_OUT: Track.SAVINGS,
    **{kind: Track.JOBSEARCH for kind in JOB_SEARCH_KINDS},
}
# the refusal when a track does not keep that logbook: it says what they keep instead
NOT_YOURS: Final[dict[Track, str]] = {
    Track.SAVINGS: "activity.deposit_for_savers",
    Track.JOBSEARCH: "activity.steps_for_jobseekers",
}


def _ready(turn: Turn) -> Participant | None:
    participant = turn.participant
    if participant is None or participant.step is not IntakeStep.DONE:
        return None
    return participant


async def may_log(turn: Turn, kind: str, trial: Trial) -> Participant | None:
    """The participant, if the protocol lets their track log `kind` now; otherwise None, and
    they are told why (not enrolled yet, or what they keep track of instead).

    The one rule every way of logging asks: commands, menu taps, everyday words and buttons.
    """
    participant = _ready(turn)
    if participant is None:
        await turn.say_text("activity.not_enrolled")
        return None
    logbook = LOGBOOK[kind]
    if not trial.protocol.tracks.may_log(participant.track, logbook):
        await turn.say_text(NOT_YOURS[logbook])
        return None
    return participant


async def deposit(turn: Turn, trial: Trial, typed: str | None) -> None:
    """/deposit [amount]: record a saving and answer with a receipt (or congratulation)."""
    participant = await may_log(turn, EventKind.DEPOSIT, trial)
    if participant is None:
        return
    if not typed:
        committed = participant.commitment_cents or 0
        label = turn.t("activity.deposit_button", amount=format_amount(committed, turn.language))
        [offer] = await offers.make(turn, participant, [Offered(DEPOSIT, amount_cents=committed)])
        press = button_data.Deposit(committed, offer)
        await turn.say_text("activity.deposit_how", buttons=[[button_data.button(label, press)]])
        return
    try:
        cents = parse_amount(typed, max_cents=trial.protocol.limits.max_deposit_cents)
    except InvalidAmount as problem:
        await turn.say_text(problem.reason)
        return
    await _deposit(turn, participant, cents, trial, f"update:{turn.incoming.update_id}")


async def deposit_offered(turn: Turn, press: button_data.Deposit, trial: Trial) -> None:
    """A deposit button: records its offer's amount once per question, however often pressed;
    a button that is no offer of theirs records nothing."""
    participant = await may_log(turn, EventKind.DEPOSIT, trial)
    if participant is None:
        return
    pressed = Offered(DEPOSIT, amount_cents=press.cents)
    question = await offers.take(turn, participant, press.offer, pressed, trial)
    if question is not None:
        await _deposit(turn, participant, press.cents, trial, _answer_key(participant, question))


async def steps_offered(turn: Turn, press: button_data.Steps, trial: Trial) -> None:
    """A number under "how many applications?": records its offer's count once per question."""
    participant = await may_log(turn, press.kind, trial)
    if participant is None:
        return
    pressed = Offered(press.kind, quantity=press.count)
    question = await offers.take(turn, participant, press.offer, pressed, trial)
    if question is not None:
        key = _answer_key(participant, question)
        await _record(
            turn, participant, EventKind(press.kind), quantity=press.count, dedupe_key=key
        )
        await _action_feedback(turn, participant, press.kind, press.count, trial)


async def detail_offered(turn: Turn, press: button_data.ActionDetail, trial: Trial) -> None:
    """What kind of job or training it was: records its offer once per question."""
    participant = await may_log(turn, press.kind, trial)
    if participant is None:
        return
    pressed = Offered(press.kind, quantity=1, detail=press.detail)
    question = await offers.take(turn, participant, press.offer, pressed, trial)
    if question is not None:
        key = _answer_key(participant, question)
        detail: dict[str, object] = {"what": press.detail}
        await _record(
            turn, participant, EventKind(press.kind), quantity=1, detail=detail, dedupe_key=key
        )
        if retention.is_start(press.kind, press.detail):
            await retention.plan_checks(turn.session, participant, key, trial, turn.now)
        await _action_feedback(turn, participant, press.kind, 1, trial)


def _answer_key(participant: Participant, question: int) -> str:
    """The dedupe key of the answer to one question: a second one cannot be stored."""
    return f"offer:{participant.id}:{question}"


async def _deposit(
    turn: Turn, participant: Participant, cents: int, trial: Trial, dedupe_key: str
) -> None:
    await _deposit_feedback(turn, participant, cents, trial)
    await _record(turn, participant, EventKind.DEPOSIT, amount_cents=cents, dedupe_key=dedupe_key)
    await share_step(turn.session, participant, DEPOSIT, trial, turn.now)


async def action(turn: Turn, trial: Trial, kind: str, typed_count: str | None = None) -> None:
    """/applied [n], /interview [n], /job, /training: record job-search steps (a job or
    training asks what it was first); a count is honoured up to the protocol's maximum,
    anything else is refused."""
    participant = await may_log(turn, kind, trial)
    if participant is None:
        return
    options = ACTION_DETAILS.get(kind, ())
    if options:
        values = [Offered(kind, quantity=1, detail=option) for option in options]
        made = await offers.make(turn, participant, values)
        buttons = [
            [
                button_data.button(
                    turn.t(f"action.{kind}.{option}"),
                    button_data.ActionDetail(kind, option, offer),
                )
            ]
            for option, offer in zip(options, made, strict=True)
        ]
        await turn.say_text(f"action.{kind}.question", buttons=buttons)
        return
    count = await _count(turn, kind, typed_count, trial) if kind in COUNTED else 1
    if count is None:
        return
    await _record(turn, participant, EventKind(kind), quantity=count)
    await _action_feedback(turn, participant, kind, count, trial)


async def _count(turn: Turn, kind: str, typed: str | None, trial: Trial) -> int | None:
    """How many steps `typed` says (1 when nothing was typed); None after a refusal was sent."""
    words = (typed or "").strip()
    if not words:
        return 1
    maximum = trial.protocol.limits.max_applications_per_log
    command = f"/{kind}"
    if not (words.isascii() and words.isdigit()):
        await turn.say_text("count.not_a_number", command=command)
        return None
    # a long row of digits is a slip of the thumb; int() of thousands of digits is refused too
    count = int(words) if len(words) <= len(str(maximum)) else maximum + 1
    if count == 0:
        await turn.say_text("count.not_positive", command=command)
        return None
    if count > maximum:
        await turn.say_text("count.too_many", maximum=maximum, command=command)
        return None
    return count


async def _record(
    turn: Turn,
    participant: Participant,
    kind: EventKind,
    *,
    amount_cents: int | None = None,
    quantity: int | None = None,
    detail: dict[str, object] | None = None,
    dedupe_key: str | None = None,
) -> None:
    await turn.session.execute(
        RECORD_EVENT,
        {
            "participant_id": participant.id,
            "kind": kind,
            "amount_cents": amount_cents,
            "quantity": quantity,
            "detail": detail or {},
            "occurred_at": turn.now,
            "source": "telegram",
            "dedupe_key": dedupe_key or f"update:{turn.incoming.update_id}",
            "corrects_event_id": None,
        },
    )


async def _deposit_feedback(turn: Turn, participant: Participant, cents: int, trial: Trial) -> None:
    """Answer a deposit of `cents` that is about to be recorded (the totals include it)."""
    start, _end = current_window(participant, turn.now, trial.protocol.schedule.commitment_period)
    ledger = await ledger_of(turn.session, participant.id)
    total, period_total = ledger.saved() + cents, ledger.saved(start) + cents
    goal = participant.commitment_cents or 0
    money = {
        "amount": format_amount(cents, turn.language),
        "total": format_amount(total, turn.language),
        "period_total": format_amount(period_total, turn.language),
        "remaining": format_amount(max(0, goal - period_total), turn.language),
        "goal": format_amount(goal, turn.language),
    }
    reached = 0 < goal <= period_total
    # the intake promised "later you see how your savings grow": a saver who gave a starting
    # balance sees it on each deposit's receipt too (as on a withdrawal's and in /progress)
    entry = Logged(EventKind.DEPOSIT, cents, None, turn.now)
    balance = ledger.with_(entry).done(Window()).balance_cents
    after = (
        ()
        if balance is None
        else (turn.t("money_out.balance", balance=format_amount(balance, turn.language)),)
    )
    await _feedback(turn, participant, "deposit", money, trial, reached=reached, after=after)


async def _action_feedback(
    turn: Turn, participant: Participant, kind: str, count: int, trial: Trial
) -> None:
    start, _end = current_window(participant, turn.now, trial.protocol.schedule.commitment_period)
    applications = (await ledger_of(turn.session, participant.id)).counted(EventKind.APPLIED, start)
    named = turn.plural(COUNTED[kind], count) if count > 1 else turn.t(f"action.{kind}.name")
    goal = participant.commitment_applications or 0
    params = {"action": named, "period_count": str(applications), "goal": str(goal)}
    reached = kind == "applied" and 0 < goal <= applications
    await _feedback(turn, participant, "action", params, trial, reached=reached)
    await share_step(turn.session, participant, kind, trial, turn.now)


async def _feedback(
    turn: Turn,
    participant: Participant,
    what: str,
    params: dict[str, str],
    trial: Trial,
    *,
    reached: bool = False,
    after: tuple[str, ...] = (),
) -> None:
    """Congratulate in arms with that component; everyone else gets a neutral confirmation.

    Once the period's goal is reached, the same kind of answer says so (warm or neutral, as the
    arm's), instead of the protocol's "still to go: €0".
    """
    arm = trial.protocol.arm(participant.arm or "")
    kind = (
        OutboxKind.CONGRATULATION if arm.has(Component.CONGRATULATION) else OutboxKind.CONFIRMATION
    )
    if reached:
        words = turn.t(f"goal_reached.{kind}_{what}", **params)
    else:
        words = trial.protocol.templates.get(f"{kind}_{what}").render(turn.language, params)
    await turn.say("\n".join((words, *after)), kind=kind)
