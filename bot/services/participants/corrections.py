"""↩️ Undo (the menu's button, or /undo): a participant takes back their last entry of any kind
(a saving, applications, an interview, a job, a training) with one confirming tap.

A correction is a new event of the entry's correction kind (`experiments.records.CORRECTION_OF`)
that names the entry and carries minus its amount or count; nothing is edited or deleted, and
every count (`experiments.records.ledger.did`: receipts, /progress, group posts, the analysis)
leaves the entry out.
Only an entry within the protocol's `corrections.window` can be undone; an older one stays, and
the person is told so. The confirming button is a stored offer, so a tap records once, and an
entry is corrected at most once (the correction's dedupe key names it).
"""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_date
from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from bot.db.study import Event, IntakeStep, Participant
from bot.db.upsert import insert_if_absent
from bot.services import button_data
from bot.services.ledger import ledger_of
from bot.services.participants import money_out, offers
from bot.services.participants.activity import COUNTED
from bot.services.participants.money import format_amount
from bot.services.participants.offers import Offered
from bot.services.periods import current_window
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.records import CORRECTION_OF, ENTRY_KINDS, MONEY_ENTRY_KINDS, EventKind

_CORRECTION = aliased(Event)
# built once: the participant's newest entry that no correction names yet
LAST_ENTRY = (
    select(Event)
    .where(Event.participant_id == bindparam("participant"), Event.kind.in_(ENTRY_KINDS))
    .where(~select(_CORRECTION.id).where(_CORRECTION.corrects_event_id == Event.id).exists())
    .order_by(Event.occurred_at.desc(), Event.id.desc())
    .limit(1)
)
CORRECTED = select(_CORRECTION.id).where(_CORRECTION.corrects_event_id == bindparam("entry"))
_DAY = timedelta(days=1)
WEEK_DAYS = 7  # within a week a weekday names the day; further back, a date


def _ready(turn: Turn) -> Participant | None:
    participant = turn.participant
    if participant is None or participant.step is not IntakeStep.DONE:
        return None
    return participant


async def offer(turn: Turn, trial: Trial) -> None:
    """↩️ Undo or /undo: name the last entry and ask one tap to remove it; or say why there is
    nothing to remove, and what to do instead."""
    participant = _ready(turn)
    if participant is None:
        await turn.say_text("activity.not_enrolled")
        return
    entry = await turn.session.scalar(LAST_ENTRY, {"participant": participant.id})
    if entry is None:
        await turn.say_text("undo.nothing")
        return
    if await _too_old(turn, entry, trial):
        return
    [made] = await offers.make(turn, participant, [correction_of(entry)])
    yes = button_data.button(turn.t("undo.yes"), button_data.Undo(entry.id, made))
    keep = button_data.button(turn.t("undo.no"), button_data.Keep(made))
    await turn.say_text(
        "undo.confirm",
        buttons=[[yes, keep]],
        what=_what(turn, entry),
        when=_when(turn, entry, trial),
    )


async def confirmed(turn: Turn, press: button_data.Undo, trial: Trial) -> None:
    """ "Yes, remove it": record the correction of the offered entry, once, and say what counts
    now; a button that is no offer of theirs records nothing."""
    participant = _ready(turn)
    if participant is None:
        await turn.say_text("activity.not_enrolled")
        return
    entry = await turn.session.get(Event, press.event)
    if entry is None or entry.participant_id != participant.id or entry.kind not in CORRECTION_OF:
        await turn.say_text("button.unknown")
        return
    value = correction_of(entry)
    if await offers.take(turn, participant, press.offer, value, trial) is None:
        return
    if await _too_old(turn, entry, trial):
        return
    if await turn.session.scalar(CORRECTED, {"entry": entry.id}) is not None or not (
        await _record(turn, participant, value)
    ):
        await turn.say_text("undo.already")
        return
    await _receipt(turn, participant, entry, trial)


async def kept(turn: Turn, offer_id: int) -> None:
    """ "No, keep it": nothing changes, and the question's "yes" no longer works."""
    participant = _ready(turn)
    if participant is None:
        await turn.say_text("activity.not_enrolled")
        return
    if await offers.decline(turn, participant, offer_id):
        await turn.say_text("undo.kept")


def correction_of(entry: Event) -> Offered:
    """What taking back `entry` records: its correction kind with minus its amount or count."""
    kind = CORRECTION_OF[entry.kind]
    if entry.kind in MONEY_ENTRY_KINDS:
        return Offered(kind, amount_cents=-(entry.amount_cents or 0), corrects=entry.id)
    return Offered(kind, quantity=-(entry.quantity or 1), corrects=entry.id)


async def _record(turn: Turn, participant: Participant, value: Offered) -> bool:
    """The correction event; False when one for that entry was already stored."""
    row = {
        "participant_id": participant.id,
        "kind": EventKind(value.kind),
        "amount_cents": value.amount_cents,
        "quantity": value.quantity,
        "detail": {},
        "occurred_at": turn.now,
        "source": "telegram",
        "dedupe_key": f"correction:{value.corrects}",
        "corrects_event_id": value.corrects,
    }
    return await insert_if_absent(turn.session, Event, row, ["dedupe_key"])


async def _too_old(turn: Turn, entry: Event, trial: Trial) -> bool:
    """Whether `entry` is older than the protocol's window (and the person was told so)."""
    window = trial.protocol.corrections.window
    if entry.occurred_at >= turn.now - window:
        return False
    await turn.say_text(
        "undo.too_old",
        what=_what(turn, entry),
        when=_when(turn, entry, trial),
        window=_length(turn, window),
    )
    return True


async def _receipt(turn: Turn, participant: Participant, entry: Event, trial: Trial) -> None:
    """What was removed and what counts now, and which button logs the right entry."""
    ledger = await ledger_of(turn.session, participant.id)
    what = _what(turn, entry)
    if entry.kind is EventKind.DEPOSIT:
        total = format_amount(ledger.saved(), turn.language)
        await turn.say_text(
            "undo.done_deposit", what=what, total=total, button=turn.t("menu.saved")
        )
        return
    if entry.kind is EventKind.MONEY_OUT:
        lines = [turn.t("undo.done_money_out", what=what, button=turn.t("menu.took_out"))]
        await turn.say("\n".join([*lines, *money_out.money_lines(turn, ledger)]))
        return
    button = turn.t(f"menu.{entry.kind}")
    if entry.kind is not EventKind.APPLIED:
        await turn.say_text("undo.done_step", what=what, button=button)
        return
    period = trial.protocol.schedule.commitment_period
    start, _end = current_window(participant, turn.now, period)
    await turn.say_text(
        "undo.done_applied",
        what=what,
        period_count=str(ledger.counted(EventKind.APPLIED, start)),
        goal=turn.plural("count.applications", participant.commitment_applications or 0),
        button=button,
    )


def _what(turn: Turn, entry: Event) -> str:
    """The entry in words: "€ 10,00 gespaard", "3 sollicitaties", "een baan"."""
    if entry.kind in MONEY_ENTRY_KINDS:
        return turn.t(
            f"undo.what_{entry.kind}", amount=format_amount(entry.amount_cents or 0, turn.language)
        )
    if entry.kind in COUNTED:
        return turn.plural(COUNTED[entry.kind], entry.quantity or 1)
    return turn.t(f"action.{entry.kind}.name")


def _when(turn: Turn, entry: Event, trial: Trial) -> str:
    """When it was logged, as people say it: today, yesterday, a weekday, or a date."""
    zone = trial.protocol.zone
    day = entry.occurred_at.astimezone(zone).date()
    days_ago = (turn.now.astimezone(zone).date() - day).days
    if days_ago <= 0:
        return turn.t("undo.today")
    if days_ago == 1:
        return turn.t("undo.yesterday")
    pattern = "EEEE" if days_ago < WEEK_DAYS else "d MMMM"
    return format_date(day, pattern, locale=turn.language.locale)


def _length(turn: Turn, window: timedelta) -> str:
    """The window in whole days (or hours, for a shorter one)."""
    if window % _DAY == timedelta(0):
        return turn.plural("undo.days", window // _DAY)
    return turn.plural("undo.hours", -(-window // timedelta(hours=1)))
