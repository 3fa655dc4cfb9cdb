"""Registry outcomes without identities (issue 29, build 5): a single-use code leaves a keyed
hash on the participant, a trusted third party turns the municipality's codes into pseudonyms,
and outcomes come back by pseudonym, matched, counted once, with nothing identifying in or out."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import Event, IntakeStep, Participant, Site
from bot.research import read_trial
from bot.services.linkage import (
    ImportReport,
    LinkageFileError,
    code_hash,
    import_outcomes,
    linkable_people,
    read_outcome_file,
    write_code_hashes,
)
from bot.services.participants import deletion, enrollment
from bot.services.runner import TurnRunner
from bot.services.trial import Trial
from experiments.allocation import Pseudonymizer
from experiments.outputs import build_codebook, build_tables
from experiments.protocol import Linkage, LinkedOutcome
from experiments.records import EventKind
from tests.services.conftest import Person, enroll, participant_of

LINKAGE_KEY = "linkage-tests-key-shared-with-the-third-party"
BENEFIT = Linkage(outcomes=(LinkedOutcome(name="benefit_end", type="date", source="municipality"),))
# The municipality's own records: which client got which code, and when their benefit ended.
CODES = [f"code{index:02d}abcdefg" for index in range(10)]
TELEGRAM_IDS = [7_700_000_000 + index for index in range(10)]


@pytest.fixture
def trial(trial: Trial) -> Trial:
    changed = trial.protocol.model_copy(update={"linkage": BENEFIT})
    return Trial(
        changed, trial.allocation_seed, trial.pseudonym_key, trial.staff, linkage_key=LINKAGE_KEY
    )


async def _people(database: Database, trial: Trial, now: datetime) -> None:
    """Ten consented people, each with the hash of their single-use code."""
    async with database.transaction() as session:
        site = Site(name="Gouda", created_at=now)
        session.add(site)
        await session.flush()
        session.add_all(
            Participant(
                telegram_user_id=telegram_id,
                site_id=site.id,
                language="nl",
                consent_version="1",
                consented_at=now,
                step=IntakeStep.DONE,
                code_hash=code_hash(LINKAGE_KEY, code),
            )
            for code, telegram_id in zip(CODES, TELEGRAM_IDS, strict=True)
        )


async def _export(database: Database, trial: Trial) -> str:
    async with database.snapshot() as session:
        pairs = await linkable_people(session, trial.pseudonym_key)
    out = io.StringIO()
    write_code_hashes(pairs, out)
    return out.getvalue()


def _third_party(exported: str, key: str) -> dict[str, str]:
    """What the trusted third party does: hash the municipality's codes with the linkage key
    and look them up in the export; municipality code -> pseudonym."""
    lines = exported.strip().splitlines()
    assert lines[0] == "code_hash,pseudonym"
    by_hash = dict(line.split(",") for line in lines[1:])
    hashed = {code_hash(key, code): code for code in CODES}
    return {hashed[h]: pseudonym for h, pseudonym in by_hash.items() if h in hashed}


def _outcome_file(pseudonyms: dict[str, str]) -> str:
    """12 rows: nine linked people, two pseudonyms nobody has, one linked person twice."""
    linked = [pseudonyms[code] for code in CODES[:9]]
    rows = [f"{p},2026-0{1 + i % 8}-15" for i, p in enumerate(linked)]
    rows[4:4] = ["00000000deadbeef,2026-03-01", "ffffffff00000000,2026-04-01"]
    rows.append(f"{linked[0]},2026-06-30")
    return "\n".join(["pseudonym,benefit_end", *rows]) + "\n"


async def _import(database: Database, trial: Trial, text: str, now: datetime) -> ImportReport:
    outcomes = read_outcome_file(text, trial.protocol.linkage)
    async with database.transaction() as session:
        return await import_outcomes(
            session, trial.protocol.linkage, outcomes, pseudonym_key=trial.pseudonym_key, now=now
        )


async def _linked(database: Database) -> list[Event]:
    async with database.snapshot() as session:
        events = list(
            await session.scalars(
                select(Event).where(Event.kind == EventKind.LINKED_OUTCOME).order_by(Event.id)
            )
        )
        session.expunge_all()
    return events


async def test_round_trip_matches_nine_reports_two_unmatched_and_refuses_a_duplicate(
    database: Database, trial: Trial, clock: FakeClock
) -> None:
    await _people(database, trial, clock.now())
    exported = await _export(database, trial)
    text = _outcome_file(_third_party(exported, LINKAGE_KEY))

    report = await _import(database, trial, text, clock.now())

    assert report.rows == 12
    assert len(report.matched) == 9
    assert report.unmatched == [6, 7]
    assert report.duplicates == [13]
    assert report.stored == 9
    events = await _linked(database)
    assert len(events) == 9
    assert {event.source for event in events} == {"administrative"}
    assert {event.detail["origin"] for event in events} == {"municipality"}
    first = min(events, key=lambda event: event.id)
    assert first.detail["date"] == "2026-01-15"  # the first row's, not the refused duplicate's


async def test_importing_the_same_file_again_stores_nothing_twice(
    database: Database, trial: Trial, clock: FakeClock
) -> None:
    await _people(database, trial, clock.now())
    text = _outcome_file(_third_party(await _export(database, trial), LINKAGE_KEY))
    await _import(database, trial, text, clock.now())

    again = await _import(database, trial, text, clock.now())

    assert (again.stored, again.changed, again.unchanged) == (0, 0, 9)
    assert len(await _linked(database)) == 9


async def test_a_changed_value_is_stored_as_a_correction_of_the_last(
    database: Database, trial: Trial, clock: FakeClock
) -> None:
    await _people(database, trial, clock.now())
    pseudonym = _third_party(await _export(database, trial), LINKAGE_KEY)[CODES[0]]
    await _import(database, trial, f"pseudonym,benefit_end\n{pseudonym},2026-02-01\n", clock.now())

    later = await _import(
        database, trial, f"pseudonym;benefit_end\n{pseudonym};2026-03-01\n", clock.now()
    )

    first, second = await _linked(database)
    assert later.changed == 1
    assert second.corrects_event_id == first.id
    assert second.detail["date"] == "2026-03-01"


async def test_neither_file_holds_a_telegram_id_or_a_code(
    database: Database, trial: Trial, clock: FakeClock
) -> None:
    await _people(database, trial, clock.now())
    exported = await _export(database, trial)
    imported = _outcome_file(_third_party(exported, LINKAGE_KEY))
    await _import(database, trial, imported, clock.now())

    for content in (exported, imported):
        for secret in [*CODES, *map(str, TELEGRAM_IDS)]:
            assert secret not in content


async def test_a_wrong_key_links_nobody(database: Database, trial: Trial, clock: FakeClock) -> None:
    await _people(database, trial, clock.now())
    exported = await _export(database, trial)

    assert _third_party(exported, "not-the-linkage-key-the-bot-was-given") == {}
    # and pseudonyms made under another pseudonym key match no one
    others = Pseudonymizer("another-pseudonym-key").pseudonyms(range(1, 11))
    text = "pseudonym,benefit_end\n" + "".join(f"{p},2026-01-01\n" for p in others.values())
    report = await _import(database, trial, text, clock.now())
    assert (len(report.matched), len(report.unmatched)) == (0, 10)
    assert await _linked(database) == []


def test_a_bad_date_refuses_the_file_naming_its_rows(trial: Trial) -> None:
    text = "pseudonym,benefit_end\n0123456789abcdef,2026-01-15\nfedcba9876543210,15-01-2026\n"
    text += "00112233445566ff,2026-02-30\n"

    with pytest.raises(LinkageFileError) as refused:
        read_outcome_file(text, trial.protocol.linkage)

    assert [line.split(":")[0] for line in refused.value.problems] == [
        "row 3, benefit_end",
        "row 4, benefit_end",
    ]


def test_an_identifying_column_refuses_the_file(trial: Trial) -> None:
    text = "pseudonym,benefit_end,telegram_id\n0123456789abcdef,2026-01-15,77\n"

    with pytest.raises(LinkageFileError, match="'telegram_id' is not allowed \\(it looks"):
        read_outcome_file(text, trial.protocol.linkage)


async def test_nothing_is_stored_from_a_refused_file(
    database: Database, trial: Trial, clock: FakeClock
) -> None:
    await _people(database, trial, clock.now())
    pseudonyms = _third_party(await _export(database, trial), LINKAGE_KEY)
    text = f"pseudonym,benefit_end\n{pseudonyms[CODES[0]]},2026-01-15\n{pseudonyms[CODES[1]]},x\n"

    with pytest.raises(LinkageFileError, match="row 3"):
        await _import(database, trial, text, clock.now())

    async with database.snapshot() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 0


async def test_a_single_use_code_leaves_its_hash_and_a_reusable_one_none(
    database: Database, runner: TurnRunner, trial: Trial, clock: FakeClock
) -> None:
    async with database.transaction() as session:
        [single] = await enrollment.create_codes(
            session, "Gouda", 1, reusable=False, now=clock.now()
        )
        [shared] = await enrollment.create_codes(
            session, "Gouda", 1, reusable=True, now=clock.now()
        )
    for user_id, code in ((5101, single), (5102, shared)):
        person = Person(runner, user_id=user_id)
        [consent] = await person.start(code)
        await person.press(consent.buttons[0])

    assert (await participant_of(Person(runner, 5101))).code_hash == code_hash(LINKAGE_KEY, single)
    assert (await participant_of(Person(runner, 5102))).code_hash is None


async def test_without_the_linkage_key_no_hash_is_kept(
    database: Database, runner: TurnRunner, trial: Trial, clock: FakeClock
) -> None:
    keyless = Trial(trial.protocol, trial.allocation_seed, trial.pseudonym_key, trial.staff)
    person = Person(TurnRunner(database, clock, keyless), user_id=5103)
    async with database.transaction() as session:
        [code] = await enrollment.create_codes(session, "Gouda", 1, reusable=False, now=clock.now())
    [consent] = await person.start(code)
    await person.press(consent.buttons[0])

    assert (await participant_of(person)).code_hash is None


async def test_erasure_removes_the_hash_and_links_nobody_again(
    database: Database, runner: TurnRunner, trial: Trial, clock: FakeClock, person: Person
) -> None:
    await enroll(person, runner)
    participant = await participant_of(person)
    pseudonym = Pseudonymizer(trial.pseudonym_key).pseudonym(participant.id)
    assert participant.code_hash is not None

    await person.run(lambda turn, trial: deletion.erase(turn, True, trial))

    assert await _export(database, trial) == "code_hash,pseudonym\n"
    report = await _import(
        database, trial, f"pseudonym,benefit_end\n{pseudonym},2026-01-15\n", clock.now()
    )
    assert report.unmatched == [2]
    async with database.snapshot() as session:
        assert await session.scalar(select(Participant.code_hash)) is None


def test_values_are_read_by_their_declared_type() -> None:
    linkage = Linkage(
        outcomes=(
            LinkedOutcome(name="benefit_end", type="date", source="municipality"),
            LinkedOutcome(name="employed", type="yes_no", source="uwv"),
            LinkedOutcome(name="debt_euros", type="number", source="debt_help"),
        )
    )
    text = "pseudonym;employed;benefit_end;debt_euros\n0123456789abcdef;ja;2026-05-01;1250,50\n"

    [row] = read_outcome_file(text, linkage).rows

    assert row.values == {"employed": True, "benefit_end": date(2026, 5, 1), "debt_euros": 1250.5}


async def test_the_export_and_codebook_carry_linked_outcomes_with_their_source(
    database: Database, trial: Trial, clock: FakeClock
) -> None:
    await _people(database, trial, clock.now())
    text = _outcome_file(_third_party(await _export(database, trial), LINKAGE_KEY))
    await _import(database, trial, text, clock.now())

    raw = await read_trial(database, clock.now())
    pseudonymizer = Pseudonymizer(trial.pseudonym_key)
    tables = build_tables(raw, pseudonymizer, protocol=trial.protocol)
    shifted = build_tables(raw, pseudonymizer, shift_dates=True, protocol=trial.protocol)
    labels = {v.name: v.label for v in build_codebook(tables, trial.protocol)}

    linked = tables["events"][tables["events"]["kind"] == "linked_outcome"]
    assert set(linked["source"]) == {"administrative"}
    assert set(linked["detail_origin"]) == {"municipality"}
    assert set(linked["detail_outcome"]) == {"benefit_end"}
    moved = shifted["events"].loc[linked.index, "detail_date"]
    assert (moved < linked["detail_date"]).all()  # shifted like every other date of theirs
    assert "code_hash" not in tables["participants"].columns
    [record] = tables["linkage_imports"].to_dict("records")  # the import: counts, no person
    assert (record["rows"], record["matched"], record["unmatched"]) == (12, 9, 2)
    assert (record["duplicates"], record["stored"]) == (1, 9)
    assert "imported_at" not in shifted["linkage_imports"].columns  # it would give offsets away
    for column in ("detail_outcome", "detail_origin", "detail_date"):
        assert labels[column].startswith("Linked outcome")
    assert labels["duplicates"].startswith("Rows refused")
