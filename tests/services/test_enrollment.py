"""Enrollment at service level: which codes let someone in, what consent creates, what a refusal
keeps (only a count per site), and what /start says to someone who is already in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

import bot.db.groups  # noqa: F401  (its tables belong to the metadata scanned below)
from bot.clock import FakeClock
from bot.db.base import Base
from bot.db.engine import Database
from bot.db.study import (
    AllocatedPerson,
    ConsentRefusals,
    EnrollmentCode,
    Event,
    IntakeStep,
    Participant,
    ParticipantStatus,
    ReenrollmentRefusals,
    Site,
    SurveyAnswer,
)
from bot.i18n import Language, text
from bot.services.participants import participation
from bot.services.participants.enrollment import create_codes, revoke_codes
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from tests.services.conftest import SITE, Person, enroll, new_code, nl, participant_of

# tables where a reply waiting to be sent, and the update it answered, are expected to be
OUTGOING = {"outbox_messages", "processed_updates"}


async def _count(person: Person, model: type) -> int:
    async with person.runner.database.snapshot() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _refusals(
    person: Person, model: type[ConsentRefusals] | type[ReenrollmentRefusals]
) -> dict[str, int]:
    async with person.runner.database.snapshot() as session:
        rows = await session.execute(
            select(Site.name, model.count).join(Site, Site.id == model.site_id)
        )
        return {name: count for name, count in rows}


async def _code(runner: TurnRunner, *, reusable: bool, expires_in: timedelta | None = None) -> str:
    async with runner.database.transaction() as session:
        [code] = await create_codes(
            session, SITE, 1, reusable=reusable, now=runner.clock.now(), expires_in=expires_in
        )
    return code


async def _uses(person: Person, code: str) -> int:
    async with person.runner.database.snapshot() as session:
        found = await session.get(EnrollmentCode, code)
        assert found is not None
        return found.uses


async def test_start_without_a_code_welcomes_by_name_and_stores_no_participant(
    person: Person,
) -> None:
    [reply] = await person.start(None)
    assert reply.text == nl("start.welcome", name="Sanne")
    assert await _count(person, Participant) == 0


async def test_an_unknown_code_is_refused(person: Person) -> None:
    [reply] = await person.start("nosuchcode23")
    assert reply.text == nl("enroll.invalid_code")
    assert reply.buttons == []


async def test_a_single_use_code_used_by_someone_else_is_refused(runner: TurnRunner) -> None:
    first, second = Person(runner, user_id=6001), Person(runner, user_id=6002)
    code = await new_code(runner)
    [consent] = await first.start(code)
    await first.press(consent.buttons[0])
    [reply] = await second.start(code)
    assert reply.text == nl("enroll.invalid_code")
    assert await _count(second, Participant) == 1


async def test_a_consent_button_of_a_code_used_meanwhile_creates_no_participant(
    runner: TurnRunner,
) -> None:
    first, second = Person(runner, user_id=6001), Person(runner, user_id=6002)
    code = await new_code(runner)
    [offered_first] = await first.start(code)
    [offered_second] = await second.start(code)
    await first.press(offered_first.buttons[0])
    [reply] = await second.press(offered_second.buttons[0])
    assert reply.text == nl("enroll.invalid_code")
    assert await _count(second, Participant) == 1
    assert await _uses(first, code) == 1


async def test_a_reusable_code_lets_several_people_in(runner: TurnRunner) -> None:
    code = await _code(runner, reusable=True)
    for user_id in (6001, 6002, 6003):
        someone = Person(runner, user_id=user_id)
        [consent] = await someone.start(code)
        await someone.press(consent.buttons[0])
    assert await _count(someone, Participant) == 3
    assert await _uses(someone, code) == 3


async def test_a_revoked_code_is_refused(runner: TurnRunner, person: Person) -> None:
    code = await new_code(runner)
    async with runner.database.transaction() as session:
        assert await revoke_codes(session, [code], runner.clock.now()) == []
    [reply] = await person.start(code)
    assert reply.text == nl("enroll.invalid_code")


async def test_a_code_revoked_after_it_was_opened_creates_no_participant(
    runner: TurnRunner, person: Person
) -> None:
    code = await new_code(runner)
    [consent] = await person.start(code)
    async with runner.database.transaction() as session:
        await revoke_codes(session, [code], runner.clock.now())
    [reply] = await person.press(consent.buttons[0])
    assert reply.text == nl("enroll.invalid_code")
    assert await _count(person, Participant) == 0


async def test_an_expired_code_is_refused_and_works_until_it_expires(
    runner: TurnRunner, clock: FakeClock
) -> None:
    code = await _code(runner, reusable=True, expires_in=timedelta(days=1))
    early = Person(runner, user_id=6001)
    clock.advance(timedelta(hours=23, minutes=59))
    [consent] = await early.start(code)
    assert consent.text == _consent(early, Language.NL)
    clock.advance(timedelta(minutes=1))
    late = Person(runner, user_id=6002)
    [reply] = await late.start(code)
    assert reply.text == nl("enroll.invalid_code")
    [pressed] = await early.press(consent.buttons[0])
    assert pressed.text == nl("enroll.invalid_code"), "expired between /start and the tap"
    assert await _count(early, Participant) == 0


async def test_a_valid_code_offers_consent_with_the_protocol_version_and_yes_no_buttons(
    runner: TurnRunner, person: Person, trial: Trial
) -> None:
    code = await new_code(runner)
    [consent] = await person.start(code)
    assert consent.text == trial.protocol.consent.text(
        Language.NL, trial.protocol.study.consent_version
    )
    assert consent.buttons == [f"consent:yes:{code}", f"consent:no:{code}"]
    assert await _count(person, Participant) == 0, "nothing is stored before consent"
    assert await _uses(person, code) == 0


async def test_consent_creates_the_participant_and_asks_for_the_language(
    runner: TurnRunner, person: Person, clock: FakeClock, trial: Trial
) -> None:
    code = await new_code(runner)
    [consent] = await person.start(code)
    thanks, language = await person.press(consent.buttons[0])
    assert thanks.text == nl("consent.thanks")
    assert language.text == nl("intake.language")
    assert language.buttons == ["lang:nl", "lang:en"]
    participant = await participant_of(person)
    assert participant.step is IntakeStep.LANGUAGE
    assert participant.status is ParticipantStatus.ACTIVE
    assert participant.consent_version == trial.protocol.study.consent_version
    assert participant.consent_sha256 == trial.protocol.consent.sha256()
    assert participant.consented_at == clock.now()
    assert participant.language == "nl"
    assert participant.arm is None, "no allocation at consent"
    assert await _uses(person, code) == 1


async def test_consent_in_an_english_telegram_starts_in_english(runner: TurnRunner) -> None:
    someone = Person(runner, user_id=6001, language_code="en-GB")
    [consent] = await someone.start(await new_code(runner))
    assert consent.text == _consent(someone, Language.EN)
    thanks, _language = await someone.press(consent.buttons[0])
    assert thanks.text == text(Language.EN, "consent.thanks")
    assert (await participant_of(someone)).language == "en"


async def test_a_declined_consent_stores_nothing_about_the_person_only_a_count_per_site(
    runner: TurnRunner, person: Person, database: Database
) -> None:
    code = await new_code(runner)
    [consent] = await person.start(code)
    [reply] = await person.press(consent.buttons[1])
    assert reply.text == nl("consent.declined")
    assert await _refusals(person, ConsentRefusals) == {SITE: 1}
    for model in (Participant, Event, SurveyAnswer, AllocatedPerson):
        assert await _count(person, model) == 0, model.__tablename__
    assert await _uses(person, code) == 0, "the link still works if they change their mind"
    # no table but the outgoing reply and the update claim holds their Telegram id or name
    async with database.snapshot() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in OUTGOING:
                continue
            for row in (await session.execute(select(table))).all():
                assert person.user_id not in tuple(row), table.name
                assert "Sanne" not in repr(tuple(row)), table.name


async def test_declined_consents_add_up_per_site(runner: TurnRunner) -> None:
    for user_id in (6001, 6002):
        someone = Person(runner, user_id=user_id)
        [consent] = await someone.start(await new_code(runner))
        await someone.press(consent.buttons[1])
    assert await _refusals(someone, ConsentRefusals) == {SITE: 2}


async def test_someone_who_declined_can_consent_later_with_the_same_link(
    runner: TurnRunner, person: Person
) -> None:
    code = await new_code(runner)
    [consent] = await person.start(code)
    await person.press(consent.buttons[1])
    [consent] = await person.start(code)
    await person.press(consent.buttons[0])
    assert (await participant_of(person)).step is IntakeStep.LANGUAGE


async def test_pressing_yes_twice_creates_one_participant_and_continues_the_intake(
    runner: TurnRunner, person: Person
) -> None:
    code = await new_code(runner)
    [consent] = await person.start(code)
    await person.press(consent.buttons[0])
    again, prompt = await person.press(consent.buttons[0])
    assert again.text == nl("start.continue_intake")
    assert prompt.text == nl("intake.language")
    assert await _count(person, Participant) == 1
    assert await _uses(person, code) == 1


async def test_start_mid_intake_continues_where_the_person_left_off(
    runner: TurnRunner, person: Person
) -> None:
    [consent] = await person.start(await new_code(runner))
    await person.press(consent.buttons[0])
    await person.press("lang:nl")
    welcome, prompt = await person.start(await new_code(runner))
    assert welcome.text == nl("start.continue_intake")
    assert prompt.text == nl("intake.birth_year")
    assert await _count(person, Participant) == 1
    assert (await participant_of(person)).step is IntakeStep.BIRTH_YEAR


async def test_start_after_the_intake_welcomes_back_without_a_new_enrollment(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner)
    arm = (await participant_of(person)).arm
    [reply] = await person.start(await new_code(runner))
    assert reply.text == nl("start.welcome_back")
    [reply] = await person.start(None)
    assert reply.text == nl("start.welcome_back")
    assert await _count(person, Participant) == 1
    assert (await participant_of(person)).arm == arm


async def test_start_after_pause_or_stop_says_messages_are_still_off(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner)
    await person.run(participation.pause)
    [reply] = await person.start(None)
    assert reply.text == nl("start.welcome_back_paused")
    await person.run(participation.stop)
    [reply] = await person.start(None)
    assert reply.text == nl("start.welcome_back_stopped")
    assert (await participant_of(person)).status is ParticipantStatus.WITHDRAWN


async def test_someone_allocated_before_who_erased_their_data_cannot_enroll_again(
    runner: TurnRunner, person: Person
) -> None:
    await enroll(person, runner)
    await person.press("del:yes")
    [reply] = await person.start(await new_code(runner))
    assert reply.text == nl("enroll.already_took_part")
    assert await _refusals(person, ReenrollmentRefusals) == {SITE: 1}
    assert await _count(person, Participant) == 1, "only the erased record"


def _consent(person: Person, language: Language) -> str:
    protocol = person.runner.trial.protocol
    return protocol.consent.text(language, protocol.study.consent_version)
