"""Who is whose counsellor: round robin per site at allocation, and a scan for latecomers."""

from __future__ import annotations

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.engine import Database
from bot.db.study import IntakeStep, Participant, Role, Site, StaffMember
from bot.i18n import Language
from bot.services.counsellor_inbox.tickets import assign_counsellor, assign_missing
from bot.services.keyboard import menu_for
from bot.services.trial import Trial


async def _site(database: Database, clock: FakeClock, name: str) -> int:
    async with database.transaction() as session:
        site = Site(name=name, created_at=clock.now())
        session.add(site)
        await session.flush()
        return site.id


async def _counsellor(database: Database, clock: FakeClock, telegram_id: int) -> int:
    async with database.transaction() as session:
        staff = StaffMember(
            telegram_user_id=telegram_id,
            role=Role.COUNSELLOR,
            joined_at=clock.now(),
            last_active_at=clock.now(),
        )
        session.add(staff)
        await session.flush()
        return staff.id


async def _allocated(
    database: Database, clock: FakeClock, trial: Trial, site_id: int, arm: str
) -> int | None:
    """A participant allocated to `arm` at `site`; returns the counsellor they were given."""
    async with database.transaction() as session:
        participant = Participant(
            site_id=site_id,
            language="nl",
            consent_version="2026-01",
            consented_at=clock.now(),
            step=IntakeStep.DONE,
            track="savings",
            age_band="26-35",
            arm=arm,
            allocated_at=clock.now(),
        )
        session.add(participant)
        await session.flush()
        chosen = await assign_counsellor(session, participant, trial)
        return chosen.id if chosen is not None else None


async def test_peer_participants_get_counsellors_in_turn_per_site(
    database: Database, clock: FakeClock, trial: Trial
) -> None:
    utrecht = await _site(database, clock, "Utrecht")
    zwolle = await _site(database, clock, "Zwolle")
    first, second = await _counsellor(database, clock, 501), await _counsellor(database, clock, 502)
    in_utrecht = [await _allocated(database, clock, trial, utrecht, "peer") for _ in range(4)]
    in_zwolle = [await _allocated(database, clock, trial, zwolle, "peer") for _ in range(3)]
    assert in_utrecht == [first, second, first, second]
    assert in_zwolle == [first, second, first]


async def test_arms_without_counsellor_contact_get_no_counsellor_and_no_ask_button(
    database: Database, clock: FakeClock, trial: Trial
) -> None:
    site = await _site(database, clock, "Utrecht")
    await _counsellor(database, clock, 501)
    text_arm = await _allocated(database, clock, trial, site, "text")
    control = await _allocated(database, clock, trial, site, "control")
    peer = await _allocated(database, clock, trial, site, "peer")
    async with database.snapshot() as session:
        people = list(await session.scalars(select(Participant).order_by(Participant.id)))
        menus = [menu_for(p, Language.EN)[-1] for p in people]
    assert (text_arm, control) == (None, None)
    assert peer is not None
    assert menus == [("📊 How am I doing?", "❓ Help")] * 2 + [("❓ Ask my counsellor",)]


async def test_a_counsellor_invited_after_allocation_takes_on_the_waiting_participants(
    database: Database, clock: FakeClock, trial: Trial
) -> None:
    site = await _site(database, clock, "Utrecht")
    before = [await _allocated(database, clock, trial, site, "peer") for _ in range(3)]
    staff_id = await _counsellor(database, clock, 501)
    async with database.transaction() as session:
        assigned = await assign_missing(session, trial)
    async with database.transaction() as session:
        again = await assign_missing(session, trial)
        counsellors = list(await session.scalars(select(Participant.counsellor_id)))
    assert before == [None, None, None]
    assert (assigned, again) == (3, 0)
    assert counsellors == [staff_id] * 3


async def test_a_removed_counsellors_participants_move_to_an_active_one(
    database: Database, clock: FakeClock, trial: Trial
) -> None:
    site = await _site(database, clock, "Utrecht")
    leaving = await _counsellor(database, clock, 501)
    staying = await _counsellor(database, clock, 502)
    [await _allocated(database, clock, trial, site, "peer") for _ in range(2)]
    async with database.transaction() as session:
        staff = await session.get(StaffMember, leaving)
        assert staff is not None
        staff.active = False
    async with database.transaction() as session:
        moved = await assign_missing(session, trial)
        counsellors = list(await session.scalars(select(Participant.counsellor_id)))
    assert moved == 1
    assert counsellors == [staying, staying]
