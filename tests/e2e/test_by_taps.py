"""Issue 14's acceptance: a low-literacy Dutch jobseeker of 19 and an English saver of 52 do
everything by taps after `/start <code>`: consent, intake, the whole baseline (with a pause),
logging three kinds of activity, correcting a wrong count (issue 25), and their progress. No
command is typed; the only typing is digits where a number is asked (the birth year, and
"another amount" / "more"), and, at the end of the jobseeker's journey, everyday words (issue
25): a thank-you, and news of a job that one tap records.

Run with `-s` to read the transcript as the person sees it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Event, Participant, SurveyAnswer
from bot.handlers.context import LotgenootApplication
from bot.i18n import Language, plural, text
from bot.sandbox import SandboxUser, TelegramSandbox
from bot.services.participants.money import format_amount
from tests.e2e.journey import buttons, new_code
from tests.texts import said

JSON = dict[str, Any]


class Player:
    """A person who only taps, with a transcript of what they saw and did."""

    def __init__(self, person: SandboxUser, language: Language) -> None:
        self.person = person
        self.language = language
        self.transcript: list[str] = []
        self.typed: list[str] = []

    def t(self, key: str, **params: object) -> str:
        return text(self.language, key, **params)

    async def read(self, count: int = 1) -> list[JSON]:
        messages = await self.person.wait_for_messages(count=count)
        for message in messages:
            labels = [
                b["text"]
                for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
                for b in row
            ]
            line = f"Lotgenoot  {message.get('text') or message.get('caption')}"
            self.transcript.append(line + (f"\n           {labels}" if labels else ""))
        return messages

    def type(self, words: str) -> None:
        assert (not self.typed and words.startswith("/start ")) or _digits(words), words
        self.typed.append(words)
        self.transcript.append(f"{self.person.first_name} types  {words}")
        self.person.send(words)

    def say(self, words: str) -> None:
        """Everyday words, as people type them: never a command."""
        assert not words.startswith("/"), words
        self.typed.append(words)
        self.transcript.append(f"{self.person.first_name} types  {words}")
        self.person.send(words)

    def tap_menu(self, key: str) -> None:
        label = self.t(f"menu.{key}")
        self.transcript.append(f"{self.person.first_name} taps   {label}")
        self.person.tap(label)

    def press(self, message: JSON, label: str) -> None:
        [data] = [
            b["callback_data"]
            for row in message["reply_markup"]["inline_keyboard"]
            for b in row
            if b["text"] == label
        ]
        self.transcript.append(f"{self.person.first_name} taps   [{label}]")
        self.person.press(message, data)

    def press_data(self, message: JSON, prefix: str) -> None:
        [data] = [d for d in buttons(message) if d.startswith(prefix)][:1]
        [label] = [
            b["text"]
            for row in message["reply_markup"]["inline_keyboard"]
            for b in row
            if b["callback_data"] == data
        ]
        self.press(message, label)


async def _tick_and_finish(player: Player, question: JSON) -> None:
    """Tick the first option (the question is shown again with ✅), tap done; the question then
    shows what was ticked, its buttons gone."""
    first = question["reply_markup"]["inline_keyboard"][0][0]
    option = first["text"].split(" ", 1)[1]
    player.press(question, first["text"])
    ticked = await player.person.wait_for_edit(
        question, lambda m: _first_label(m) == f"✅ {option}"
    )
    player.press(ticked, player.t("survey.done"))
    await player.person.wait_for_edit(
        question, lambda m: "reply_markup" not in m and option in m.get("text", "")
    )


def _first_label(message: JSON) -> str:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return str(rows[0][0]["text"]) if rows else ""


def _digits(words: str) -> bool:
    return words.replace(",", "").replace(".", "").isdigit()


async def _intake(player: Player, code: str, birth_year: int, track: str, goal: str) -> None:
    """Consent, language, birth year, track, the baseline (pausing once), commitment."""
    player.type(f"/start {code}")
    [consent] = await player.read()
    player.press(consent, player.t("consent.yes"))
    *_, ask_language = await player.read(2)
    player.press(ask_language, "Nederlands" if player.language is Language.NL else "English")
    await player.read()
    player.type(str(birth_year))
    [ask_track] = await player.read()
    player.press(ask_track, player.t(f"track.{track}"))
    paused = False
    answered = 0
    while True:
        [question] = await player.read()
        options = buttons(question)
        if options[0].startswith("qm:baseline:"):  # multiple choice: tick one, then done
            await _tick_and_finish(player, question)
            continue
        if not options[0].startswith("q:baseline:"):
            break
        answered += 1
        if answered == 3 and not paused:  # no time now: later, then go on
            paused = True
            player.press(question, player.t("survey.later"))
            [waiting] = await player.read()
            player.press(waiting, player.t("survey.go_on"))
            continue
        player.press_data(question, options[1])
    player.press(question, goal)
    [done] = await player.read()
    assert player.person.reply_keyboard is not None, "the menu is there after the intake"
    assert "/" not in done["text"], "the last intake message asks no command"


async def test_a_dutch_jobseeker_of_nineteen_does_everything_by_taps(
    sandbox: TelegramSandbox, bot: LotgenootApplication, database: Database, clock: FakeClock
) -> None:
    joost = Player(sandbox.add_user("Joost", language_code="nl"), Language.NL)
    await _intake(joost, await new_code(database, clock), clock.now().year - 19, "jobsearch", "3")

    joost.tap_menu("applied")
    [how_many] = await joost.read()
    joost.press(how_many, "2")
    await joost.read()
    joost.tap_menu("interview")
    [how_many] = await joost.read()
    joost.press(how_many, "1")
    await joost.read()
    joost.tap_menu("training")
    [what] = await joost.read()
    joost.press(what, joost.t("action.training.course"))
    await joost.read()
    joost.tap_menu("applied")
    [how_many] = await joost.read()
    joost.press(how_many, joost.t("menu.more"))
    await joost.read()
    joost.type("4")
    [which] = await joost.read()
    joost.press(which, plural(Language.NL, "count.applications", 4))
    await joost.read()
    joost.tap_menu("undo")  # it was 3, not 4: take it back and log it again, by taps
    [remove] = await joost.read()
    joost.press(remove, joost.t("undo.yes"))
    [removed] = await joost.read()
    joost.tap_menu("applied")
    [how_many] = await joost.read()
    joost.press(how_many, "3")
    await joost.read()
    joost.tap_menu("progress")
    [progress] = await joost.read()
    joost.say("dank je!")
    [thanks] = await joost.read()
    joost.say("ik ben aangenomen!!")
    [job] = await joost.read()
    joost.press(job, joost.t("action.job.started_full_time"))
    [job_recorded] = await joost.read()
    print("\n".join(joost.transcript))

    four = plural(Language.NL, "count.applications", 4)
    assert remove["text"] == joost.t("undo.confirm", what=four, when=joost.t("undo.today"))
    assert said(removed["text"], "undo.done_applied", what=four, button=joost.t("menu.applied"))
    five_applications = plural(Language.NL, "count.applications", 5)
    one_interview = plural(Language.NL, "count.interviews", 1)
    assert said(
        progress["text"],
        "progress.jobsearch",
        applications=five_applications,
        interviews=one_interview,
    )
    assert thanks["text"] == joost.t("smalltalk.thanks")
    menu = [b["text"] for row in (joost.person.reply_keyboard or {})["keyboard"] for b in row]
    assert joost.t("menu.applied") in menu, "a kind word, the menu still there to tap"
    assert job["text"] == joost.t("action.job.question")
    assert joost.t("action.job.name") in job_recorded["text"]
    assert [w for w in joost.typed if w.startswith("/")] == [joost.typed[0]]
    async with database.snapshot() as session:
        participant = await session.scalar(select(Participant))
        assert participant is not None
        assert participant.language == "nl"
        events = list(await session.execute(select(Event.kind, Event.quantity).order_by(Event.id)))
        answers = len(list(await session.scalars(select(SurveyAnswer.id))))
    assert [tuple(event) for event in events] == [
        ("applied", 2),
        ("interview", 1),
        ("training", 1),
        ("applied", 4),
        ("applied_correction", -4),
        ("applied", 3),
        ("job", 1),
    ]
    size = _baseline_size(joost)
    assert answers == size, "every question of the baseline, counted in full"
    assert _numbered(joost, size, size), "numbered on"


def _baseline_size(player: Player) -> int:
    """N in "Vraag 1 van N", as the person saw it."""
    return next(n for n in range(1, 100) if _numbered(player, 1, n))


def _numbered(player: Player, number: int, count: int) -> bool:
    """Whether the person saw question `number` of `count` of a questionnaire."""
    return any(
        said(line, "survey.item", language=player.language, within=True, number=number, count=count)
        for line in player.transcript
    )


async def test_an_english_saver_of_fifty_two_does_everything_by_taps(
    sandbox: TelegramSandbox, bot: LotgenootApplication, database: Database, clock: FakeClock
) -> None:
    sanne = Player(sandbox.add_user("Sanne", language_code="en"), Language.EN)
    ten = format_amount(1000, Language.EN)
    await _intake(sanne, await new_code(database, clock), clock.now().year - 52, "savings", ten)

    sanne.tap_menu("saved")
    [how_much] = await sanne.read()
    sanne.press(how_much, ten)
    await sanne.read()
    sanne.tap_menu("saved")
    [how_much] = await sanne.read()
    sanne.press(how_much, sanne.t("menu.other_amount"))
    await sanne.read()
    sanne.type("7.50")
    [confirm] = await sanne.read()
    sanne.press(confirm, sanne.t("intents.yes"))
    await sanne.read()
    sanne.tap_menu("progress")
    [progress] = await sanne.read()
    sanne.tap_menu("help")
    await sanne.read()
    print("\n".join(sanne.transcript))

    assert format_amount(1750, Language.EN) in progress["text"]
    assert [w for w in sanne.typed if w.startswith("/")] == [sanne.typed[0]]
    async with database.snapshot() as session:
        participant = await session.scalar(select(Participant))
        assert participant is not None
        assert participant.language == "en"
        cents = list(await session.scalars(select(Event.amount_cents).order_by(Event.id)))
    assert cents == [1000, 750]
