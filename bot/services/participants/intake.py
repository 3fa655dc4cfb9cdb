"""The intake after consent: language → birth year → track → baseline → commitment → arm."""

from __future__ import annotations

from bot.db.study import IntakeStep, Participant
from bot.i18n import Language
from bot.outbox import Button
from bot.services import button_data
from bot.services.counsellor_inbox import outreach
from bot.services.counsellor_inbox.tickets import assign_counsellor
from bot.services.participants import private_topics, questionnaire, starting_balance, surveys
from bot.services.participants.allocation import allocate
from bot.services.participants.languages import show_commands_in
from bot.services.participants.money import InvalidAmount, format_amount, parse_amount
from bot.services.peer_groups.pools import enter_pool
from bot.services.periods import first_period_start, week_starts
from bot.services.trial import Trial
from bot.services.turns import Turn
from experiments.protocol import Track

SAVINGS_CHOICES_CENTS = (500, 1000, 2000, 5000)
APPLICATION_CHOICES = (1, 2, 3, 5, 10)


def _participant(turn: Turn) -> Participant:
    assert turn.participant is not None
    return turn.participant


async def prompt(turn: Turn, trial: Trial) -> None:
    """Ask what the participant's current step needs."""
    participant = _participant(turn)
    step = participant.step
    if step is IntakeStep.LANGUAGE:
        await turn.say_text(
            "intake.language",
            buttons=[language_buttons()],
        )
    elif step is IntakeStep.BIRTH_YEAR:
        await turn.say_text("intake.birth_year")
    elif step is IntakeStep.TRACK:
        await turn.say_text(
            "intake.track",
            buttons=[
                [button_data.button(turn.t(f"track.{track}"), button_data.ChooseTrack(track))]
                for track in Track
            ],
        )
    elif step is IntakeStep.BASELINE:
        question = await questionnaire.next_question(
            turn.session, participant, questionnaire.BASELINE, trial
        )
        if question is None:
            asked = starting_balance.asked_of(participant, trial)
            participant.step = IntakeStep.BALANCE if asked else IntakeStep.COMMITMENT
            await prompt(turn, trial)
            return
        await questionnaire.ask(turn, questionnaire.BASELINE, *question, trial)
    elif step is IntakeStep.BALANCE:
        await starting_balance.ask(turn)
    elif step is IntakeStep.COMMITMENT:
        await ask_commitment(turn, participant)


def language_buttons() -> list[Button]:
    return [
        button_data.button("Nederlands", button_data.ChooseLanguage(Language.NL)),
        button_data.button("English", button_data.ChooseLanguage(Language.EN)),
    ]


async def ask_commitment(turn: Turn, participant: Participant, key: str | None = None) -> None:
    """Offer commitment buttons (savings amounts or applications per period).

    With `key` (a /goal question) the buttons change the goal; without, they answer the intake.
    """

    def press(amount: int) -> str:
        if key is None:
            return button_data.encode(button_data.Commit(amount))
        return button_data.encode(button_data.ChangeGoal(amount))

    if participant.track == Track.SAVINGS:
        buttons = [
            [Button(format_amount(c, turn.language), press(c)) for c in SAVINGS_CHOICES_CENTS]
        ]
        await turn.say_text(key or "intake.commitment_savings", buttons=buttons)
    else:
        buttons = [[Button(str(n), press(n)) for n in APPLICATION_CHOICES]]
        await turn.say_text(key or "intake.commitment_jobsearch", buttons=buttons)


async def choose_language(turn: Turn, code: str, trial: Trial) -> None:
    participant = _participant(turn)
    if code not in {language.value for language in Language}:
        return
    participant.language = code
    turn.language = Language(code)
    await show_commands_in(turn, trial)
    if participant.step is IntakeStep.LANGUAGE:
        participant.step = IntakeStep.BIRTH_YEAR
        await prompt(turn, trial)
    else:
        await turn.say_text("language.changed")


async def give_birth_year(turn: Turn, typed: str, trial: Trial) -> None:
    participant = _participant(turn)
    today = turn.now.astimezone(trial.protocol.zone).date()
    try:
        year = int(typed.strip())
    except ValueError:
        await turn.say_text("intake.birth_year_invalid")
        return
    band = trial.protocol.age_band_for(year, today)
    if band is None:
        bands = trial.protocol.age_bands
        await turn.say_text(
            "intake.birth_year_out_of_range", low=bands[0].min_age, high=bands[-1].max_age
        )
        return
    participant.birth_year = year
    participant.age_band = band
    participant.step = IntakeStep.TRACK
    await prompt(turn, trial)


async def choose_track(turn: Turn, track: Track, trial: Trial) -> None:
    participant = _participant(turn)
    if participant.step is not IntakeStep.TRACK:
        await already_answered(turn, trial)
        return
    participant.track = track
    participant.step = IntakeStep.BASELINE
    await prompt(turn, trial)


async def answer_baseline(
    turn: Turn, instrument_id: str, item_id: str, value: int, trial: Trial
) -> None:
    """Keep a baseline answer, but only to the question the participant was asked last."""
    participant = _participant(turn)
    if participant.step is not IntakeStep.BASELINE or not await questionnaire.record_if_asked(
        turn, questionnaire.BASELINE, instrument_id, item_id, value, trial
    ):
        await already_answered(turn, trial)
        return
    await prompt(turn, trial)


async def tick_baseline(
    turn: Turn, instrument_id: str, item_id: str, selection: int, trial: Trial
) -> None:
    """A tick on a multiple-choice baseline question: shown again, still open."""
    participant = _participant(turn)
    if participant.step is not IntakeStep.BASELINE or not await questionnaire.toggle(
        turn, questionnaire.BASELINE, instrument_id, item_id, selection, trial
    ):
        await already_answered(turn, trial)


async def type_baseline(turn: Turn, words: str, trial: Trial) -> None:
    """Typed text during the baseline: the answer to a number question that is typed, else a
    reminder to tap and the open question again."""
    answered = await questionnaire.answer_typed(turn, questionnaire.BASELINE, words, trial)
    if answered is None:
        await turn.say_text("unknown.use_buttons")
    if answered is not False:  # kept, or not a question to type: the open question (again)
        await prompt(turn, trial)


async def go_on(turn: Turn, trial: Trial) -> None:
    """ "Go on with the questions" after "later": the open baseline question, if any."""
    participant = _participant(turn)
    if participant.step is not IntakeStep.BASELINE:
        await already_answered(turn, trial)
        return
    await prompt(turn, trial)


async def give_balance(turn: Turn, typed: str, trial: Trial) -> None:
    """The starting balance, typed: kept, then the commitment; or why it is no amount."""
    if await starting_balance.typed(turn, typed):
        _participant(turn).step = IntakeStep.COMMITMENT
        await prompt(turn, trial)


async def answer_balance(turn: Turn, cents: int | None, trial: Trial) -> None:
    """ "€0" or "skip" under the starting-balance question, then the commitment."""
    if await starting_balance.pressed(turn, cents):
        _participant(turn).step = IntakeStep.COMMITMENT
        await prompt(turn, trial)
    elif _participant(turn).step is not IntakeStep.DONE:
        await prompt(turn, trial)


async def already_answered(turn: Turn, trial: Trial) -> None:
    """A button of a question answered earlier: say so, and ask what is open now, if anything."""
    await turn.say_text("button.answered")
    if turn.participant is not None and turn.participant.step is not IntakeStep.DONE:
        await prompt(turn, trial)


async def commit(turn: Turn, typed: str, trial: Trial) -> None:
    """The intake's commitment, typed; then allocate and explain the arm."""
    participant = _participant(turn)
    if participant.step is not IntakeStep.COMMITMENT:
        await prompt(turn, trial)
        return
    if await set_commitment(turn, typed, trial):
        await finish(turn, trial)
    else:
        await ask_commitment(turn, participant)


async def commit_amount(turn: Turn, amount: int, trial: Trial) -> None:
    """The intake's commitment from a button: cents for savers, applications for jobseekers."""
    participant = _participant(turn)
    if participant.step is not IntakeStep.COMMITMENT:
        await already_answered(turn, trial)
        return
    if await store_commitment(turn, amount, trial):
        await finish(turn, trial)
    else:
        await ask_commitment(turn, participant)


async def set_commitment(turn: Turn, typed: str, trial: Trial) -> bool:
    """Store the commitment per period from typed text; explain when invalid."""
    participant = _participant(turn)
    limits = trial.protocol.limits
    if participant.track == Track.SAVINGS:
        try:
            cents = parse_amount(typed, max_cents=limits.max_deposit_cents)
        except InvalidAmount as problem:
            await turn.say_text(problem.reason)
            return False
        return await store_commitment(turn, cents, trial)
    count = _small_count(typed, limits.max_applications_per_log)
    if count is None:
        await turn.say_text("intake.commitment_jobsearch_invalid")
        return False
    return await store_commitment(turn, count, trial)


async def store_commitment(turn: Turn, amount: int, trial: Trial) -> bool:
    """Keep `amount` (cents for savers, applications for jobseekers) if the protocol allows it."""
    participant = _participant(turn)
    limits = trial.protocol.limits
    if participant.track == Track.SAVINGS:
        if not 0 < amount <= limits.max_deposit_cents:
            await turn.say_text("amount.too_large" if amount > 0 else "amount.not_positive")
            return False
        participant.commitment_cents = amount
        return True
    if not 1 <= amount <= limits.max_applications_per_log:
        await turn.say_text("intake.commitment_jobsearch_invalid")
        return False
    participant.commitment_applications = amount
    return True


async def finish(turn: Turn, trial: Trial) -> None:
    """Allocate (only now, after consent and baseline) and say what happens next."""
    participant = _participant(turn)
    arm = await allocate(turn.session, participant, trial, turn.now)
    participant.step = IntakeStep.DONE
    schedule, zone = trial.protocol.schedule, trial.protocol.zone
    participant.period_start = first_period_start(turn.now, schedule.commitment_period, zone)
    participant.next_encouragement_at = turn.now + schedule.encouragement_interval
    surveys.schedule_first(participant, trial)
    in_pool = await enter_pool(turn.session, participant, trial, turn.now, tell=False)
    await assign_counsellor(turn.session, participant, trial)  # arms with counsellor_contact
    private_topics.schedule_first(participant, trial, turn.now)  # curriculum without a group
    outreach.schedule_first(participant, trial, turn.now)  # the counsellor's check-ins
    await show_commands_in(turn, trial)  # now without the logbook their track does not keep
    explanation = trial.protocol.arm(arm).explanation.text(turn.language)
    week = week_starts(turn.language, participant, schedule.commitment_period, zone)
    if week is not None:
        explanation = f"{explanation} {week}"
    if in_pool:  # one message rather than two: the wait is part of what happens next
        explanation = f"{explanation}\n\n{turn.t('pool.entered')}"
    await turn.say_text("intake.done", explanation=explanation)


def _small_count(typed: str, maximum: int) -> int | None:
    try:
        count = int(typed.strip())
    except ValueError:
        return None
    return count if 1 <= count <= maximum else None
