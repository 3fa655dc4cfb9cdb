"""A participant's private chat: which service a button press or typed text is meant for.

The intake is a state machine over `Participant.step` (language → birth year → track → baseline →
commitment → done). Buttons carry which question they answer (`callback_data`), typed text
answers the step that expects typing; anything else gets an answer that says what to do.
"""

from __future__ import annotations

from bot.db.study import IntakeStep
from bot.services import button_data, directory
from bot.services.button_data import (
    GROUP_PRESSES,
    STAFF_PRESSES,
    ActionDetail,
    Answer,
    AnswerOutreach,
    AskAboutPlacement,
    ChangeGoal,
    ChooseLanguage,
    ChooseTrack,
    Commit,
    ConfirmStop,
    Consent,
    ContinueSurvey,
    Deposit,
    Dismiss,
    Erase,
    GoOn,
    Keep,
    Later,
    Retained,
    Shortcut,
    StartingBalance,
    Steps,
    Together,
    Toggle,
    TypeInstead,
    Undo,
    Withdraw,
)
from bot.services.counsellor_inbox import calls, desk, outreach, tickets
from bot.services.counsellor_inbox.about_placement import ask_about_placement
from bot.services.participants import (
    activity,
    corrections,
    deletion,
    enrollment,
    intake,
    intents,
    menu,
    money_out,
    participation,
    questionnaire,
    retention,
    surveys,
)
from bot.services.participants.questionnaire import BASELINE
from bot.services.peer_groups.together import menu as together
from bot.services.runner import Service
from bot.services.trial import Trial
from bot.services.turns import Turn

# what a shortcut button does: the service of the command of that name
SHORTCUT_SERVICES: dict[str, Service] = {
    "survey": surveys.continue_survey,
    "goal": lambda turn, trial: participation.goal(turn, trial, None),
    "language": participation.ask_language,
    "pause": participation.pause,
    "resume": participation.resume,
    "stop": participation.ask_stop,
    "mydata": participation.my_data,
    "delete": deletion.ask_delete,
    "together": together.show,
}


async def press(turn: Turn, trial: Trial, data: str | None) -> None:
    """A tap on one of our inline buttons in the private chat. An answered question is closed:
    its message shows the choice and loses its buttons; a refused press leaves it as it was."""
    await _press(turn, data, trial)
    if not (turn.press_refused or turn.question_open):
        await turn.close_question(turn.choice_label)


async def _press(turn: Turn, data: str | None, trial: Trial) -> None:
    request = button_data.decode(data)
    # staff buttons and the group check-in's have their own routes
    if request is None or isinstance(request, STAFF_PRESSES + GROUP_PRESSES):
        await turn.say_text("button.unknown")
        return
    if isinstance(request, Consent):
        await enrollment.answer_consent(turn, request.code, request.agreed, trial)
        return
    if turn.participant is None:
        if not (
            isinstance(request, ChooseLanguage)
            and await directory.choose_staff_language(turn, request.language)
        ):
            await turn.say_text("activity.not_enrolled")
        return
    match request:
        case ChooseLanguage(language):
            await intake.choose_language(turn, language, trial)
        case ChooseTrack(track):
            await intake.choose_track(turn, track, trial)
        case Commit(amount):
            await intake.commit_amount(turn, amount, trial)
        case ChangeGoal(amount):
            await participation.change_goal_to(turn, amount, trial)
        case Deposit():
            await activity.deposit_offered(turn, request, trial)
        case Retained():
            await retention.answer(turn, request, trial)
        case StartingBalance(cents):
            await intake.answer_balance(turn, cents, trial)
        case Withdraw():
            await money_out.withdrawal_offered(turn, request, trial)
        case Steps():
            await activity.steps_offered(turn, request, trial)
        case TypeInstead(what):
            await menu.type_instead(turn, what, trial)
        case ConfirmStop():
            await participation.stop(turn, trial)
        case Shortcut(name):
            await SHORTCUT_SERVICES[name](turn, trial)
        case Dismiss():
            await turn.say_text("intents.nothing")
        case ActionDetail():
            await activity.detail_offered(turn, request, trial)
        case Undo():
            await corrections.confirmed(turn, request, trial)
        case Keep(offer):
            await corrections.kept(turn, offer)
        case Erase(confirmed):
            await deletion.erase(turn, confirmed, trial)
        case Answer(wave, instrument, item, value) if wave == BASELINE:
            await intake.answer_baseline(turn, instrument, item, value, trial)
        case Answer(wave, instrument, item, value):
            await surveys.answer(turn, wave, instrument, item, value, trial)
        case Toggle(wave, instrument, item, selection) if wave == BASELINE:
            await intake.tick_baseline(turn, instrument, item, selection, trial)
        case Toggle(wave, instrument, item, selection):
            await surveys.tick(turn, wave, instrument, item, selection, trial)
        case ContinueSurvey():
            await surveys.continue_survey(turn, trial)
        case Later(wave):
            await questionnaire.later(turn, wave)
        case GoOn(wave) if wave == BASELINE:
            await intake.go_on(turn, trial)
        case GoOn():
            await surveys.continue_survey(turn, trial)
        case Together():
            await together.press(turn, trial, request)
        case AskAboutPlacement():
            await ask_about_placement(turn, trial)
        case AnswerOutreach():
            await outreach.answer_press(turn, trial)


async def typed(turn: Turn, trial: Trial, words: str) -> None:
    """Text that is not a command: the answer to an intake step that asks for typing."""
    participant = turn.participant
    if participant is None:
        if not await desk.explain_answering(turn):  # staff with open questions
            await turn.say_text("start.welcome", name=turn.incoming.first_name)
    elif participant.step is IntakeStep.BIRTH_YEAR:
        await intake.give_birth_year(turn, words, trial)
    elif participant.step is IntakeStep.BALANCE:
        await intake.give_balance(turn, words, trial)
    elif participant.step is IntakeStep.COMMITMENT:
        await intake.commit(turn, words, trial)
    elif participant.step is IntakeStep.BASELINE:
        await intake.type_baseline(turn, words, trial)
    elif participant.step is IntakeStep.DONE:
        if await together.typed(turn, trial, words):  # the name shown in their group
            return
        if await surveys.typed_answer(turn, words, trial):  # a number the survey asks to type
            return
        if await tickets.typed(turn, words, trial):  # the question after a bare /ask
            return
        if intents.read(words) is None and await calls.participant_wrote(turn, words, trial):
            return  # words for the staff member following up an unanswered wave
        await intents.answer(turn, words, trial)
    else:
        await turn.say_text("unknown.use_buttons")
        await intake.prompt(turn, trial)


async def replied(turn: Turn, trial: Trial, replied_to: int | None, words: str) -> None:
    """Text that replies to one of our messages: staff writing a check-in in their own words or
    answering a ticket, a participant answering a check-in, else typed text."""
    if await outreach.answer_prompt_by_reply(turn, replied_to, words, trial):
        return
    if await outreach.answer_by_participant_reply(turn, replied_to, words, trial):
        return
    if not await desk.answer_by_reply(turn, replied_to, words, trial):
        await typed(turn, trial, words)
