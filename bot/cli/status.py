"""`lotgenoot status`: the outbox's queue and counters, and who is in the study."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import typer

from bot.clock import SystemClock
from bot.db.engine import Database
from bot.db.migrate import ensure_up_to_date
from bot.outbox.messages import Priority
from bot.outbox.status import (
    HeadCount,
    LaneBacklog,
    OutboxCounts,
    groups_by_status_and_arm,
    outbox_counts,
    participants_by_status_and_arm,
)
from bot.services.reach import ReachCounts, reach_by_site
from bot.settings import load_settings


@dataclass(frozen=True)
class Status:
    outbox: OutboxCounts
    participants: list[HeadCount]
    groups: list[HeadCount] | None
    reach: list[ReachCounts]


def status() -> None:
    """Show the outbox's queue depth and counters, and participants and groups by arm."""
    settings = load_settings()
    typer.echo(render(asyncio.run(_read(settings.database_url))))


async def _read(url: str) -> Status:
    database = Database(url)
    try:
        await ensure_up_to_date(database)
        clock = SystemClock()
        async with database.transaction() as session:
            now = clock.now()
            return Status(
                outbox=await outbox_counts(session, now=now, wall_now=now),
                participants=await participants_by_status_and_arm(session),
                groups=await groups_by_status_and_arm(session),
                reach=await reach_by_site(session),
            )
    finally:
        await database.dispose()


def render(state: Status) -> str:
    """The status as aligned plain-text lines."""
    outbox = state.outbox
    lines = [
        "outbox",
        _line("pending, due now", outbox.pending_due),
        *_lanes(outbox.lanes),
        _line("pending, later", outbox.pending_later),
        _line("sending", outbox.sending),
        _line("  of which lease expired", outbox.sending_expired),
        _line("oldest due, waiting", _duration(outbox.oldest_due_waiting)),
        _line("sent", outbox.sent),
        _line("retries", outbox.retries),
        _line("failed", sum(outbox.failed.values())),
        *(_line(f"  {reason}", count) for reason, count in sorted(outbox.failed.items())),
        _line("cancelled", outbox.cancelled),
        "",
        "participants (status, arm)",
        *_head_counts(state.participants),
    ]
    if state.groups is not None:
        lines += ["", "peer groups (status, arm)", *_head_counts(state.groups)]
    lines += ["", "reach per site (codes issued to allocated, counts only)"]
    lines += [_reach(site) for site in state.reach] or ["  –"]
    return "\n".join(lines)


def _reach(site: ReachCounts) -> str:
    return (
        f"  {site.site}: codes {site.codes_issued}, reusable links {site.reusable_links} → "
        f"opened {site.links_opened} → consent shown {site.consent_shown} → consented "
        f"{site.consented}, declined {site.declined} → allocated {site.allocated}; refused as "
        f"returning {site.refused_returning}"
    )


_LANE_NAMES = {Priority.REPLY: "replies", Priority.PERSONAL: "personal", Priority.BULK: "bulk"}


def _lanes(lanes: tuple[LaneBacklog, ...]) -> list[str]:
    """Per lane: due now, and how long its oldest has waited."""
    lines = []
    for backlog in lanes:
        name = f"{_LANE_NAMES[backlog.lane]} (lane {backlog.lane.value})"
        lines.append(_line(f"  {name}", backlog.due))
        if backlog.due:
            lines.append(_line("    oldest waiting", _duration(backlog.oldest_waiting)))
    return lines


def _line(label: str, value: object) -> str:
    return f"  {label:<28}{value:>10}"


def _head_counts(counts: list[HeadCount]) -> list[str]:
    if not counts:
        return [_line("none", "")]
    return [_line(f"{count.status}, {count.arm or 'no arm'}", count.count) for count in counts]


def _duration(age: timedelta | None) -> str:
    if age is None:
        return "-"
    seconds = int(age.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"
