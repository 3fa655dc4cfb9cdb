"""Acceptance (issue 14, point 2): every private message gets an answer in the language the
person chose, and none of them records anything.

Nothing is tapped, so even a recognised wish to log ("gespaard 10") only gets a question.
Two participants whose phones are set to the other language: Daan chose Dutch on an English
phone, Emma chose English on a Dutch one. Each sends every kind of non-text message, 20 mistyped
commands and 20 everyday phrases.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Event, Participant, ParticipantStatus
from bot.i18n import Language
from bot.sandbox import MEDIA_KINDS, SandboxUser, TelegramSandbox
from tests.e2e.journey import bot_with_first_arm, enroll, new_code
from tests.texts import said

TYPOS = (
    "/deposti", "/aplied", "/applid 2", "/depost 10", "/progres", "/hlep", "/stpo", "/interveiw",
    "/traning", "/jobb", "/goel 5", "/undoo", "/pauze", "/resum", "/langauge", "/mydta",
    "/delet", "/survy", "/strat", "/xyzzy",
)  # fmt: skip
PHRASES = {
    Language.NL: (
        "hoi", "hallo", "ik heb gesolliciteerd", "ik heb 10 euro gespaard", "gespaard 10",
        "hoe sta ik ervoor", "help", "stop", "dank je", "ok", "👍", "wat moet ik doen?",
        "ik snap het niet", "ja", "nee", "morgen", "ik heb 2 keer gesolliciteerd",
        "kan ik stoppen?", "goedemorgen", "sorry",
    ),
    Language.EN: (
        "hi", "hello", "I applied", "I saved 10 euros", "saved 10", "how am I doing", "help",
        "stop", "thanks", "ok", "👍", "what should I do?", "I don't understand", "yes", "no",
        "tomorrow", "I applied twice", "can I stop?", "good morning", "sorry",
    ),
}  # fmt: skip
# what may answer each kind of message, as catalogue keys
ANSWERS = {
    "media": ("fallback.not_text",),
    "typo": ("fallback.did_you_mean", "fallback.unknown_command"),
    # savers' everyday words: recognised wishes ask a tap first (applications are not theirs to
    # log: they are told what they keep track of), the rest gets a pointer
    "phrase": (
        "unknown.text",
        "activity.steps_for_jobseekers",
        "intents.confirm_saved",
        "intents.confirm_stop",
        "menu.how_much",
        "progress.savings",
        "help.participant",
        "smalltalk.greeting",
        "smalltalk.thanks",
        "smalltalk.ok",
    ),
}


def _any_of(answer: str, language: Language, keys: tuple[str, ...]) -> bool:
    """Whether `answer` is one of the texts `keys` in `language`, with any placeholders."""
    return any(said(answer, key, language=language) for key in keys)


async def _answers(person: SandboxUser, language: Language) -> list[tuple[str, str, str]]:
    """(kind, what was sent, the answer) for everything the person sends."""
    sent: list[tuple[str, str]] = [("media", kind) for kind in MEDIA_KINDS]
    sent += [("typo", typo) for typo in TYPOS] + [("phrase", p) for p in PHRASES[language]]
    answers = []
    for kind, what in sent:
        if kind == "media":
            person.send_media(what)
        else:
            person.send(what)
        [answer] = await person.wait_for_messages(count=1)
        answers.append((kind, what, answer["text"]))
    return answers


async def test_every_message_gets_an_answer_in_the_chosen_language_and_records_nothing(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings"):
        daan = sandbox.add_user("Daan", language_code="en")
        emma = sandbox.add_user("Emma", language_code="nl")
        await enroll(daan, await new_code(database, clock), language="nl")
        await enroll(emma, await new_code(database, clock), language="en")
        answered = {
            Language.NL: await _answers(daan, Language.NL),
            Language.EN: await _answers(emma, Language.EN),
        }
    for language, answers in answered.items():
        assert len(answers) == len(MEDIA_KINDS) + 40
        other = Language.EN if language is Language.NL else Language.NL
        for kind, what, answer in answers:
            assert _any_of(answer, language, ANSWERS[kind]), (what, answer)
            assert not _any_of(answer, other, ANSWERS[kind]), (what, answer)
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 0
        people = (await session.scalars(select(Participant).order_by(Participant.id))).all()
    assert [(p.language, p.status, p.commitment_cents) for p in people] == [
        ("nl", ParticipantStatus.ACTIVE, 1000),
        ("en", ParticipantStatus.ACTIVE, 1000),
    ]
