"""Staff commands in the private chat: enrollment links, invites and trial counts.

The runner has checked the role before any of these run (see `bot.handlers.admin`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.db.study import Role
from bot.services.directory import create_invite, deep_link, remove_staff, trial_counts
from bot.services.participants.enrollment import create_codes
from bot.services.peer_groups.ownership import ChatOwner, handover_notes
from bot.services.reach import reach_by_site
from bot.services.trial import Trial
from bot.services.turns import Turn

MAX_CODES_IN_CHAT = 50


async def make_codes(turn: Turn, _trial: Trial, args: Sequence[str], bot_username: str) -> None:
    """/codes <site> [count]: enrollment deep links for a site."""
    count = int(args[-1]) if len(args) > 1 and args[-1].isdigit() else 1
    site = " ".join(args[:-1] if len(args) > 1 and args[-1].isdigit() else args).strip()
    if not site or not 1 <= count <= MAX_CODES_IN_CHAT:
        await turn.say_text("admin.codes_usage", maximum=MAX_CODES_IN_CHAT)
        return
    made = await create_codes(turn.session, site, count, reusable=False, now=turn.now)
    links = "\n".join(deep_link(bot_username, code) for code in made)
    await turn.say_text("admin.codes_made", site=site, links=links)


async def make_invite(turn: Turn, _trial: Trial, wanted: str, bot_username: str) -> None:
    """/invite counsellor|researcher|admin: a one-time link granting that role."""
    if wanted not in {role.value for role in Role}:
        await turn.say_text("admin.invite_usage")
        return
    token = await create_invite(turn.session, Role(wanted), turn.now)
    await turn.say_text("admin.invite_made", role=wanted, link=deep_link(bot_username, token))


def removal(args: Sequence[str]) -> tuple[int, Role | None] | None:
    """`<telegram id> [role]` as the Telegram id and the role (None: every role), or None."""
    wanted = args[1].lower() if len(args) == 2 else None
    roles = {role.value for role in Role}
    if not 1 <= len(args) <= 2 or not args[0].isdigit() or (wanted and wanted not in roles):
        return None
    return int(args[0]), Role(wanted) if wanted else None


async def remove(
    turn: Turn, _trial: Trial, args: Sequence[str], owners: Mapping[int, ChatOwner] | None = None
) -> None:
    """/staff_remove <telegram id> [role]: end someone's staff rights (one role, or all) at once.

    For a counsellor, the admin also hears who owns each of their Telegram groups and how to
    hand one over (`owners`: what Telegram said, read before the transaction)."""
    parsed = removal(args)
    if parsed is None:
        await turn.say_text("admin.staff_remove_usage")
        return
    telegram_id, role = parsed
    removed = await remove_staff(turn.session, telegram_id, role)
    if not removed:
        await turn.say_text("admin.staff_remove_none", id=telegram_id)
        return
    operator = telegram_id in turn.staff.operators
    await turn.say_text(
        "admin.staff_removed_operator" if operator else "admin.staff_removed",
        id=telegram_id,
        roles=", ".join(role.value for role in removed),
    )
    if Role.COUNSELLOR in removed:
        for note in await handover_notes(turn.session, telegram_id, owners or {}, turn.language):
            await turn.say(note)


async def show_trial(turn: Turn, _trial: Trial) -> None:
    """/trial: enrollment and allocation counts by stratum and arm, never who."""
    enrolled, rows = await trial_counts(turn.session)
    lines = "\n".join(f"{stratum} · {arm}: {count}" for stratum, arm, count in rows) or "–"
    sites = [
        turn.t(
            "researcher.reach_site",
            site=site.site,
            codes=site.codes_issued,
            links=site.reusable_links,
            opens=site.links_opened,
            shown=site.consent_shown,
            consented=site.consented,
            declined=site.declined,
            allocated=site.allocated,
        )
        for site in await reach_by_site(turn.session)
    ]
    reach = "\n".join(sites) or "–"
    await turn.say_text("researcher.trial", enrolled=enrolled, lines=lines, reach=reach)
