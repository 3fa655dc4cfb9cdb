"""One person, one randomization: whoever was allocated once cannot enroll again for a new draw,
not even after /delete, while nothing links them back to their erased record."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import (
    AllocatedPerson,
    Allocation,
    EnrollmentCode,
    Participant,
    ReenrollmentRefusals,
)
from bot.i18n import Language, text
from bot.research import read_trial
from bot.runtime import Runtime
from bot.sandbox import SandboxUser, TelegramSandbox
from bot.services.participants.enrollment import create_codes
from bot.services.participants.returning import person_hash
from experiments.allocation import Pseudonymizer
from experiments.outputs import build_tables
from tests.e2e.journey import SITE, bot_with_first_arm, buttons, enroll, new_code
from tests.experiments.shipped import shipped_protocol

ALREADY = text(Language.NL, "enroll.already_took_part")


async def reusable_code(database: Database, clock: FakeClock) -> str:
    async with database.transaction() as session:
        [code] = await create_codes(session, SITE, 1, reusable=True, now=clock.now())
    return code


async def delete_data(person: SandboxUser) -> None:
    person.send("/delete")
    [confirm] = await person.wait_for_messages(count=1)
    person.press(confirm, "del:yes")
    await person.wait_for_messages(count=1)


async def counts(database: Database) -> dict[str, int]:
    async with database.transaction() as session:
        tables = {
            "participants": Participant,
            "allocations": Allocation,
            "allocated_people": AllocatedPerson,
        }
        found = {
            name: int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in tables.items()
        }
        refused = await session.scalars(select(ReenrollmentRefusals.count))
        found["refused"] = sum(refused)
    return found


async def settle(runtime: Runtime) -> None:
    assert runtime.sender is not None
    await runtime.sender.settle()


async def test_returning_person_with_a_reusable_code_is_refused_and_gets_no_new_draw(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        code = await reusable_code(database, clock)
        sanne = sandbox.add_user("Sanne", language_code="nl")
        await enroll(sanne, code)
        await delete_data(sanne)
        sanne.send(f"/start {code}")
        [answer] = await sanne.wait_for_messages(count=1)
        await settle(runtime)
    assert answer["text"].startswith(ALREADY)
    assert buttons(answer) == []
    assert await counts(database) == {
        "participants": 1,
        "allocations": 1,
        "allocated_people": 1,
        "refused": 1,
    }


async def test_returning_person_with_a_second_code_is_refused_and_the_code_stays_unused(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "control", "savings") as (_, runtime):
        sam = sandbox.add_user("Sam", language_code="en")
        await enroll(sam, await new_code(database, clock))
        await delete_data(sam)
        second = await new_code(database, clock)
        sam.send(f"/start {second}")
        [answer] = await sam.wait_for_messages(count=1)
        await settle(runtime)
        async with database.transaction() as session:
            unused = await session.get(EnrollmentCode, second)
    assert answer["text"] == text(Language.EN, "enroll.already_took_part")
    assert unused is not None
    assert unused.uses == 0, "another person can still use the code"
    assert (await counts(database))["participants"] == 1


async def test_returning_person_pressing_an_old_consent_button_is_refused(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "peer", "savings") as (_, runtime):
        code = await reusable_code(database, clock)
        noor = sandbox.add_user("Noor", language_code="nl")
        noor.send(f"/start {code}")
        [spare_consent] = await noor.wait_for_messages(count=1)
        await enroll(noor, code)
        await delete_data(noor)
        noor.press(spare_consent, f"consent:yes:{code}")
        [answer] = await noor.wait_for_messages(count=1)
        await settle(runtime)
    assert answer["text"].startswith(ALREADY)
    assert await counts(database) == {
        "participants": 1,
        "allocations": 1,
        "allocated_people": 1,
        "refused": 1,
    }


async def test_allocated_person_is_kept_only_as_a_keyed_hash_after_delete(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        lisa = sandbox.add_user("Lisa", language_code="nl")
        await enroll(lisa, await new_code(database, clock))
        await delete_data(lisa)
        await settle(runtime)
        key = runtime.trial.pseudonym_key
    async with database.transaction() as session:
        kept = list(await session.scalars(select(AllocatedPerson.id_hash)))
    assert kept == [person_hash(key, lisa.id)]
    assert person_hash("another key", lisa.id) not in kept


async def test_person_who_consented_but_was_never_allocated_may_enroll_again(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:
    """Only an allocation counts: deleting during the intake leaves no hash behind."""
    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        code = await reusable_code(database, clock)
        tom = sandbox.add_user("Tom", language_code="nl")
        tom.send(f"/start {code}")
        [consent] = await tom.wait_for_messages(count=1)
        tom.press(consent, buttons(consent)[0])
        await tom.wait_for_messages(count=2)
        await delete_data(tom)
        tom.send(f"/start {code}")
        [again] = await tom.wait_for_messages(count=1)
        await settle(runtime)
    assert any(b.startswith("consent:yes") for b in buttons(again))
    assert (await counts(database))["allocated_people"] == 0


async def test_export_reports_refused_reenrollments_only_as_a_count_per_site(
    sandbox: TelegramSandbox, database: Database, clock: FakeClock
) -> None:

    async with bot_with_first_arm(sandbox, database, clock, "text", "savings") as (_, runtime):
        code = await reusable_code(database, clock)
        eva = sandbox.add_user("Eva", language_code="nl")
        await enroll(eva, code)
        await delete_data(eva)
        for _ in range(2):
            eva.send(f"/start {code}")
            await eva.wait_for_messages(count=1)
        await settle(runtime)
        key = runtime.trial.pseudonym_key
    tables = build_tables(await read_trial(database, clock.now()), Pseudonymizer(key))
    sites = tables["sites"]
    assert sites["site"].tolist() == [SITE]
    assert sites["reenrollment_refusals"].tolist() == [2]
    kept = person_hash(key, eva.id)
    for name, frame in tables.items():
        rendered = frame.astype(str).to_csv()
        assert kept not in rendered, name
        assert str(eva.id) not in rendered, name


def test_consent_text_says_in_both_languages_that_a_code_of_the_account_is_kept_after_delete() -> (
    None
):
    consent = shipped_protocol().consent
    english = consent.text(Language.EN, "1")
    dutch = consent.text(Language.NL, "1")
    assert "It is made from your Telegram. It stays, also after you remove everything." in english
    assert (
        "een code. Die code is gemaakt van je Telegram. Hij blijft, ook als je alles wist." in dutch
    )


def test_hash_of_a_telegram_id_is_keyed_and_apart_from_the_export_pseudonyms() -> None:

    kept = person_hash("key", 100000001)
    assert kept == person_hash("key", 100000001)
    assert kept != person_hash("other key", 100000001)
    assert kept != person_hash("key", 100000002)
    assert not kept.startswith(Pseudonymizer("key").pseudonym(100000001))
    assert kept != hmac.new(b"key", b"100000001", hashlib.sha256).hexdigest()
