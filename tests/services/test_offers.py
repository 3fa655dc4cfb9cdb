"""Offers are records (issue 24, build 2): a button that logs records the value the bot stored
when it offered it, once, for that person; a forged, altered, made-up, someone else's or answered
button records nothing and is told the button does not work any more."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.offers import Offer
from bot.services.participants import activity, conversation
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from bot.services.turns import Incoming, take_turn
from tests.services.conftest import Person, Said, enroll, events_of, nl
from tests.unit.test_codes_and_invites import replies_to, someone_waits_for_a_lock, until


async def _deposits(person: Person) -> list[int | None]:
    return [e.amount_cents for e in await events_of(person) if e.kind == "deposit"]


async def _offers(database: Database) -> int:
    async with database.snapshot() as session:
        return int(await session.scalar(select(func.count()).select_from(Offer)) or 0)


async def _deposit_offer(person: Person) -> str:
    """The data of the one button under a bare /deposit (the goal, €10)."""
    [offer] = await person.run(lambda turn, trial: activity.deposit(turn, trial, None))
    [data] = offer.buttons
    return data


def _offer_id(data: str) -> int:
    return int(data.rsplit(":", 1)[1])


async def test_a_genuine_offer_tap_records_exactly_its_amount_once(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner)
    [question] = await person.type("gespaard 10")
    yes = question.buttons[0]
    assert yes.startswith("dep:1000:")
    await person.press(yes)
    [again] = await person.press(yes)
    assert again.text == nl("button.answered")
    assert await _deposits(person) == [1000]


async def test_a_tap_with_an_altered_amount_records_nothing(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner)
    [question] = await person.type("gespaard 10")
    offer = _offer_id(question.buttons[0])
    [reply] = await person.press(f"dep:1000000:{offer}")
    assert reply.text == nl("button.unknown")
    assert await _deposits(person) == []
    await person.press(question.buttons[0])
    assert await _deposits(person) == [1000], "the genuine button still works"


async def test_made_up_offer_ids_record_nothing(runner: TurnRunner, person: Person) -> None:
    await enroll(person, runner)
    offer = _offer_id(await _deposit_offer(person))
    for made_up in (offer + 1, offer + 1000, 987654321):
        [reply] = await person.press(f"dep:1000:{made_up}")
        assert reply.text == nl("button.unknown")
    assert await _deposits(person) == []


async def test_another_persons_offer_records_nothing_for_either(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner)
    theirs = await _deposit_offer(person)
    other = Person(runner, user_id=5002, first_name="Joost")
    await enroll(other, runner)
    [reply] = await other.press(theirs)
    assert reply.text == nl("button.unknown")
    assert await _deposits(other) == []
    assert await _deposits(person) == []
    await person.press(theirs)
    assert await _deposits(person) == [1000], "the owner's button still works"


async def test_a_button_made_before_offers_were_stored_records_nothing(
    runner: TurnRunner, person: Person
) -> None:
    """The old formats named the asking update, or no offer at all."""
    await enroll(person, runner)
    jobseeker = Person(runner, user_id=5002, first_name="Joost")
    await enroll(jobseeker, runner, track="jobsearch", commitment="commit:3")
    [reply] = await person.press("dep:1000:123456")
    assert reply.text == nl("button.unknown")
    for old in ("steps:applied:2:123457", "act:job:started_full_time"):
        [reply] = await jobseeker.press(old)
        assert reply.text == nl("button.unknown"), old
    assert await events_of(person) == []
    assert await events_of(jobseeker) == []


async def test_erasure_forgets_what_the_bot_offered(
    runner: TurnRunner, person: Person, database: Database
) -> None:
    await enroll(person, runner)
    await person.tap(nl("menu.saved"))
    assert await _offers(database) > 0
    await person.press("del:yes")
    assert await _offers(database) == 0


async def test_one_answer_per_question_whichever_of_its_buttons_is_tapped(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner, commitment="commit:1000")
    [how_much] = await person.tap(nl("menu.saved"))
    five, ten, twenty = how_much.buttons[:3]
    await person.press(ten)
    for later in (five, twenty, ten):
        [reply] = await person.press(later)
        assert reply.text == nl("button.answered")
    assert await _deposits(person) == [1000]


def _tap(person: Person, update_id: int) -> Incoming:
    return Incoming(person.user_id, person.first_name, "nl", update_id)


async def test_two_taps_of_one_offer_at_once_record_one_deposit(
    runner: TurnRunner, person: Person, database: Database, clock: FakeClock, trial: Trial
) -> None:
    """Two processes take the same offer: the second waits for the first's claim, then finds
    the question answered."""
    await enroll(person, runner)
    data = await _deposit_offer(person)
    other_process = Database(database.url)
    second_runner = TurnRunner(other_process, clock, trial)
    try:
        async with database.transaction() as first:
            await take_turn(
                first,
                clock.now(),
                _tap(person, 900001),
                lambda t: conversation.press(t, trial, data),
            )
            second = asyncio.create_task(
                second_runner.run(
                    _tap(person, 900002),
                    lambda t, tr: conversation.press(t, tr, data),
                    claim=900002,
                )
            )
            if database.dialect == "postgresql":
                await until(lambda: someone_waits_for_a_lock(database), "the second to wait")
            else:
                await asyncio.sleep(0)  # BEGIN IMMEDIATE: the second waits for the write lock
            assert not second.done()
        await second
    finally:
        await other_process.dispose()
    assert await _deposits(person) == [1000]
    assert await replies_to(database, 900002) == [nl("button.answered")]


async def test_signed_or_exponent_amounts_in_words_offer_and_record_nothing(
    runner: TurnRunner, person: Person, database: Database
) -> None:
    await enroll(person, runner)
    offers_before = await _offers(database)
    for typed, reason in (
        ("gespaard -5", "amount.not_positive"),
        ("ik heb -10 euro gespaard", "amount.not_positive"),
        ("gespaard 1e6", "amount.not_a_number"),
        ("gespaard 5e-1", "amount.not_a_number"),
        ("gespaard +5", "amount.not_a_number"),
        ("-5", "amount.not_positive"),
    ):
        said = await person.type(typed)
        assert said == [Said(nl(reason), [])], typed
    assert await _offers(database) == offers_before
    assert await _deposits(person) == []


async def test_signed_or_exponent_counts_in_words_offer_and_record_nothing(
    runner: TurnRunner, person: Person, trial: Trial, database: Database
) -> None:
    await enroll(person, runner, track="jobsearch", commitment="commit:3")
    maximum = trial.protocol.limits.max_applications_per_log
    offers_before = await _offers(database)
    for typed in ("ik heb -2 keer gesolliciteerd", "2e1 sollicitaties", "-3"):
        said = await person.type(typed)
        assert said == [Said(nl("count.between", maximum=maximum), [])], typed
    assert await _offers(database) == offers_before
    assert await events_of(person) == []
