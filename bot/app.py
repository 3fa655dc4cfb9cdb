"""Builds the python-telegram-bot Application from settings, and runs it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import BotCommand, Update
from telegram.ext import ApplicationBuilder, ContextTypes

from bot import handlers
from bot.handlers.concurrency import PerChatUpdateProcessor
from bot.handlers.context import RUNTIME_KEY, LotgenootApplication, LotgenootContext
from bot.i18n import Language, text
from bot.inbound import InboundLog
from bot.leadership import POLLER, lead_while_possible, lease_for, poller_lease_for
from bot.outbox.budget import BudgetGate
from bot.outbox.sender import OutboxSender
from bot.outbox.telegram_transport import TelegramTransport
from bot.polling import poll, replay
from bot.redaction import keep_secret
from bot.runtime import Runtime
from bot.scheduler import build_scheduler
from bot.services.counsellor_inbox import desk, outreach, tickets
from bot.services.participants import private_topics
from bot.services.participants.commands import MENU_COMMANDS
from bot.services.peer_groups import binding, checkin, cycle, group_goal, outcomes, sanctions
from bot.services.reachability import participant_unreachable
from bot.telegram_request import AiohttpRequest
from bot.webhook import WebhookServer

# Opt in to python-telegram-bot 23's timedelta periods now (22.x warns on every 429 otherwise).
os.environ.setdefault("PTB_TIMEDELTA", "true")


def build_application(runtime: Runtime) -> LotgenootApplication:
    """The Application with our handlers, typed context, menu and background sender."""
    token = runtime.settings.require_bot_token()
    keep_secret(token)  # redacted from every log line and error text from now on
    api = runtime.settings.telegram_api_url
    inbound = InboundLog(runtime.database, runtime.clock)
    application: LotgenootApplication = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .context_types(ContextTypes(context=LotgenootContext))
        .concurrent_updates(PerChatUpdateProcessor(on_done=inbound.done))
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .updater(None)  # bot.polling takes the updates: each is stored before it is confirmed
        .build()
    )
    application.bot_data[RUNTIME_KEY] = runtime
    runtime.inbound = inbound
    clock = runtime.clock

    async def on_unreachable(session: AsyncSession, chat_id: int, _reason: str) -> None:
        await participant_unreachable(session, chat_id, clock.now())

    runtime.sender = OutboxSender(
        runtime.database,
        TelegramTransport(application.bot),
        runtime.clock,
        settings=runtime.sender_settings,
        on_unreachable=on_unreachable,
        follow_ups={
            binding.LINK_KIND: binding.invite_link_ended,
            sanctions.CALL_KIND: sanctions.call_ended,
            outcomes.POST_KIND: outcomes.post_ended,
            cycle.FAREWELL_KIND: cycle.farewell_ended,
            **dict.fromkeys(checkin.POST_KINDS, checkin.post_ended),
            group_goal.POST_KIND: group_goal.post_ended,
            **dict.fromkeys(tickets.STAFF_KINDS, desk.ticket_delivered),
            # a reply to the prompt is the check-in; a reply to the check-in is the answer
            **dict.fromkeys((outreach.PROMPT_KIND, outreach.SENT_KIND), desk.ticket_delivered),
            private_topics.KIND: private_topics.topic_delivered,
        },
        gate=BudgetGate(runtime.trial.protocol),
    )
    handlers.register(application)
    return application


async def set_command_menus(application: LotgenootApplication) -> None:
    """Show the command menu in each language (Telegram picks by the user's language)."""
    for language in Language:
        commands = [BotCommand(c, text(language, f"commands.{c}")) for c in MENU_COMMANDS]
        code = None if language is Language.EN else language.value
        await application.bot.set_my_commands(commands, language_code=code)


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts updates (behind HTTPS) and where this process listens."""

    url: str
    secret: str
    port: int
    listen: str = "0.0.0.0"  # a webhook server listens on all interfaces

    @property
    def path(self) -> str:
        return urlsplit(self.url).path.lstrip("/")


@asynccontextmanager
async def running(
    application: LotgenootApplication, *, webhook: Webhook | None = None
) -> AsyncIterator[LotgenootApplication]:
    """Take updates (long polling or webhook) until the block ends; lead when elected.

    Every process handles updates; only the elected leader runs the scheduler and the sender,
    so several processes can share one PostgreSQL database (bot.leadership). Only one process
    polls a bot: another waits as a standby. Updates a crashed process stored but did not
    handle are handled first (bot.inbound).
    """
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    sender, inbound = runtime.sender, runtime.inbound
    assert sender is not None
    assert inbound is not None
    stop, stop_taking = asyncio.Event(), asyncio.Event()

    async def duties(until: asyncio.Event) -> None:
        scheduler = build_scheduler(runtime)
        scheduler.start()
        try:
            await sender.run(until)
        finally:
            scheduler.shutdown(wait=False)

    await _initialize(application)
    async with application:
        await set_command_menus(application)
        await application.start()
        taking = await _take_updates(application, inbound, webhook, stop_taking)
        leading = asyncio.create_task(
            lead_while_possible(lease_for(runtime.database), duties, stop), name="leadership"
        )
        try:
            yield application
        finally:
            stop_taking.set()
            if isinstance(taking, WebhookServer):
                await taking.stop()
            else:
                await taking
            stop.set()
            await leading
            await application.stop()
            await inbound.close()


async def _initialize(application: LotgenootApplication) -> None:
    """Open the HTTP sessions and ask Telegram who the bot is; a failure closes them again.

    python-telegram-bot's own clean-up skips a bot that never finished initializing, so a start
    without Telegram (unreachable, wrong token) would leave both sessions open and logged.
    """
    try:
        await application.initialize()
    except BaseException:
        await application.bot.shutdown()
        raise


async def _take_updates(
    application: LotgenootApplication,
    inbound: InboundLog,
    webhook: Webhook | None,
    stop: asyncio.Event,
) -> WebhookServer | asyncio.Task[None]:
    """Poll (as the one poller of this bot, or its standby), or serve the webhook and tell
    Telegram where it is; either way, stored updates a crash left unhandled go first."""
    runtime: Runtime = application.bot_data[RUNTIME_KEY]
    if webhook is None:

        async def polling(until: asyncio.Event) -> None:
            await poll(application, inbound, until)

        lease = poller_lease_for(runtime.database, application.bot.id)
        return asyncio.create_task(
            lead_while_possible(lease, polling, stop, role=POLLER), name="polling"
        )
    keep_secret(webhook.secret)
    await replay(application, inbound)
    server = WebhookServer(
        application,
        inbound,
        secret=webhook.secret,
        path=webhook.path,
        listen=webhook.listen,
        port=webhook.port,
    )
    await server.start()
    try:
        await application.bot.set_webhook(
            webhook.url, secret_token=webhook.secret, allowed_updates=Update.ALL_TYPES
        )
    except BaseException:
        await server.stop()
        raise
    return server
