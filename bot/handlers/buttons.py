"""Inline-button presses and free text in private chats, routed to the services."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.handlers.context import LotgenootContext
from bot.handlers.turns import Service, run_turn
from bot.services import (
    activity,
    enrollment,
    intake,
    intents,
    participation,
    questionnaire,
    surveys,
)
from bot.services.trial import Trial
from bot.services.turns import Turn


def _service_for(data: str) -> Service | None:
    """The service a button's callback data asks for; None for data we never sent."""
    kind, _, rest = data.partition(":")
    parts = rest.split(":")
    if kind == "consent" and len(parts) == 2:
        agreed, code = parts[0] == "yes", parts[1]
        return lambda turn, trial: enrollment.answer_consent(turn, code, agreed, trial)
    if kind == "lang":
        return lambda turn, trial: intake.choose_language(turn, rest, trial)
    if kind == "track":
        return lambda turn, trial: intake.choose_track(turn, rest, trial)
    if kind == "commit":
        return lambda turn, trial: participation.choose_goal(turn, _as_amount(rest), trial)
    if kind == "dep":
        return lambda turn, trial: activity.deposit(turn, _as_amount(rest), trial)
    if kind == "act" and len(parts) == 2:
        return lambda turn, trial: activity.action(turn, parts[0], parts[1], trial)
    if kind == "del":
        return lambda turn, trial: participation.erase(turn, rest == "yes", trial)
    if kind == "q" and len(parts) == 4 and parts[3].lstrip("-").isdigit():
        wave, instrument, item, value = parts[0], parts[1], parts[2], int(parts[3])
        if wave == questionnaire.BASELINE:
            return lambda turn, trial: intake.answer_baseline(turn, instrument, item, value, trial)
        return lambda turn, trial: surveys.answer(turn, wave, instrument, item, value, trial)
    if kind == "survey":
        return surveys.continue_survey
    return None


def _as_amount(cents_or_count: str) -> str:
    """Buttons carry cents for savings ("1000") and counts for applications ("3")."""
    if cents_or_count.isdigit() and len(cents_or_count) >= 3:
        euros, cents = divmod(int(cents_or_count), 100)
        return f"{euros},{cents:02d}"
    return cents_or_count


async def on_button(update: Update, context: LotgenootContext) -> None:
    """Acknowledge the press at once (Telegram shows a spinner until then), then act."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    service = _service_for(query.data or "")
    if service is not None:
        await run_turn(update, context, service)


async def on_text(update: Update, context: LotgenootContext) -> None:
    """Typed text answers the question of the current intake step, if it expects typing."""
    assert update.effective_message is not None
    typed = update.effective_message.text or ""
    await run_turn(update, context, lambda turn, trial: _answer_typed(turn, typed, trial))


async def _answer_typed(turn: Turn, typed: str, trial: Trial) -> None:
    participant = turn.participant
    if participant is None:
        await turn.say_text("start.welcome", name=turn.incoming.first_name)
        return
    if participant.step.value == "birth_year":
        await intake.give_birth_year(turn, typed, trial)
    elif participant.step.value == "commitment":
        await intake.commit(turn, typed, trial)
    elif participant.step.value == "done":
        await intents.answer(turn, typed, trial)
    else:
        await turn.say_text("unknown.use_buttons")
        await intake.prompt(turn, trial)


def handlers() -> list[BaseHandler[Update, LotgenootContext, None]]:
    private_text = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    return [CallbackQueryHandler(on_button), MessageHandler(private_text, on_text)]
