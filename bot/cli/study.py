"""`lotgenoot study check|verify` and `lotgenoot power`: protocol, allocation log, sample size."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sized
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.research import require_research_extra
from bot.db.engine import Database
from bot.db.migrate import DatabaseBehind, ensure_up_to_date
from bot.services.participants.allocation import allocation_log, participant_arms
from bot.services.participants.call_scan import call_draws
from bot.services.participants.micro_chain import tombstones
from bot.services.participants.micro_nudges import decision_log
from bot.services.peer_groups.ingredients import group_draws
from bot.settings import load_settings
from experiments.allocation import (
    AllocationRecord,
    GroupDraw,
    check_log,
    head_hash,
    verify_draws,
    verify_participants,
)
from experiments.allocation.call_draws import LoggedCallDraw, check_call_draws
from experiments.micro import (
    LoggedDecision,
    Tombstone,
    check_chain,
    check_decisions,
    erased_summary,
)
from experiments.protocol import Protocol, ProtocolError, Registration, load_protocol, summarize

__all__ = ["StudyError", "check", "power", "register", "study_app", "verify_log"]

study_app = typer.Typer(
    no_args_is_help=True, help="The study protocol and its hash-chained allocation log."
)


class StudyError(Exception):
    """A study command failed for a reason a person can fix; main() prints it in one line."""


@study_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="The protocol file (TOML) to validate.")],
) -> None:
    """Validate a protocol file and summarize it; list every problem if it is not valid, and
    warn about what is valid but probably not meant (a track without curriculum topics)."""
    protocol = _load(file)
    typer.echo(summarize(protocol))
    warnings = [
        *protocol.curriculum_warnings(),
        *protocol.consent.warnings(),
        *protocol.period_wording_warnings(),
        *protocol.questionnaires.licence_warnings(),
    ]
    for warning in warnings:
        typer.echo(f"warning: {warning}")


@study_app.command("verify")
def verify_log(
    study: Annotated[
        Path | None,
        typer.Option(help="The protocol file; default LOTGENOOT_STUDY_FILE.", show_default=False),
    ] = None,
    head: Annotated[
        str | None,
        typer.Option(help="The head hash a previous verify printed; catches a truncated log."),
    ] = None,
    micro_head: Annotated[
        str | None,
        typer.Option(
            help="The decision chain's head hash a previous verify printed; catches decisions "
            "cut off its end."
        ),
    ] = None,
) -> None:
    """Recompute the allocation log's keyed hash chain and sequence, and check the participants'
    arms and strata against it; recompute the micro-randomized decisions' keyed chain (deleted,
    added or changed decisions, lawful erasures), their draws and weeks; exit 1 on any
    tampering."""
    settings = load_settings()
    protocol = _load(study if study is not None else settings.study_file)
    # Exactly as the bot uses it (not stripped): a different seed gives a different sequence.
    secret = settings.allocation_seed
    seed = secret.get_secret_value() if secret is not None else ""
    if not seed:
        raise StudyError(
            "LOTGENOOT_ALLOCATION_SEED is not set: verify needs the seed the bot allocated with"
        )
    log = asyncio.run(_read_log(settings.database_url))
    records, participants, decisions, erased, draws, calls = log
    checked = check_log(
        records,
        seed,
        protocol.arm_weights(),
        block_multiples=protocol.randomization.block_multiples,
        expected_head=head,
    )
    flagged = {problem.sequence for problem in checked.problems if problem.sequence is not None}
    allocated_at = {record.participant_id: record.allocated_at for record in records}
    chain = check_chain(decisions, erased, seed, allocated_at, expected_head=micro_head)
    problems: list[object] = [
        *checked.problems,
        *verify_participants(records, participants, already_reported=flagged),
        *chain.problems,
        *check_decisions(decisions, seed, protocol.micro_randomization),
        *_group_draw_problems(draws, seed, protocol),
        *check_call_draws(seed, calls),
    ]
    if problems:
        for problem in problems:
            typer.echo(str(problem), err=True)
        found = f"{_count(records, 'allocation')}, {_count(problems, 'problem')} found"
        typer.echo(found, err=True)
        raise typer.Exit(1)
    intact = "chain and sequence intact"
    if checked.legacy_records == len(records) and records:
        intact += " (legacy, unkeyed chain)"
    elif checked.legacy:
        intact += f" (legacy, unkeyed chain for the first {checked.legacy_records}, keyed after)"
    typer.echo(f"{_count(records, 'allocation')}, {intact} (head {head_hash(records)})")
    if decisions or erased:
        made = _count(decisions, "micro-randomized decision")
        notes = [f"chain intact (head {chain.head})"]
        if chain.legacy:
            notes.append(f"{chain.legacy} from before the chain (legacy, unchained)")
        if summary := erased_summary(chain):
            notes.append(summary)
        typer.echo(f"{made}, every draw as the seed gives it, {', '.join(notes)}")
    if draws:
        typer.echo(f"{_count(draws, 'group draw')}, every ingredient set as the seed gives it")
    if calls:
        chosen = sum(call.selected for call in calls)
        typer.echo(
            f"{_count(calls, 'follow-up call draw')} ({chosen} chosen), every one as the seed "
            "gives it"
        )


def _group_draw_problems(draws: list[GroupDraw], seed: str, protocol: Protocol) -> list[str]:
    if not draws:
        return []
    if protocol.group_factorial is None:
        return [f"{_count(draws, 'group draw')} recorded, but the protocol has no group_factorial"]
    return verify_draws(seed, protocol.group_factorial, draws)


@study_app.command("register")
def register(
    out: Annotated[Path, typer.Option(help="Folder for the analysis plan and the hash.")],
    study: Annotated[
        Path | None,
        typer.Option(help="The protocol file; default LOTGENOOT_STUDY_FILE.", show_default=False),
    ] = None,
) -> None:
    """Write the statistical analysis plan (Markdown, HTML) and record the protocol's SHA-256,
    as one act: the files appear only once the registration is recorded, and a failure leaves
    neither (and says why)."""
    settings = load_settings()
    file = study if study is not None else settings.study_file
    protocol = _load(file)
    if protocol.analysis is None:
        raise StudyError(f"{file}: no [analysis] section, so there is no plan to register")
    from experiments.outputs.plan_files import stage_plan

    now = datetime.now(UTC)
    try:
        staged = stage_plan(protocol, file, out, now)
    except OSError as error:
        raise StudyError(f"cannot write to {out}: {error.strerror or error}") from None
    text = protocol.source_text or ""
    try:
        asyncio.run(
            _record(
                settings.database_url,
                Registration(staged.sha256, text, now),
                staged.publish,
                staged.withdraw,
            )
        )
    except DatabaseBehind as error:
        raise StudyError(f"not registered, nothing written to {out}: {error}") from None
    except OSError as error:
        reason = error.strerror or error
        raise StudyError(f"not registered: cannot write to {out}: {reason}") from None
    finally:
        staged.discard()
    typer.echo(f"registered {file} (sha256 {staged.sha256})")
    typer.echo(f"wrote {', '.join(path.name for path in staged.paths)} to {out}")
    typer.echo(f"check: cd {out} && sha256sum -c {file.name}.sha256")


async def _record(
    database_url: str,
    registration: Registration,
    publish: Callable[[], None],
    withdraw: Callable[[], None],
) -> None:
    from bot.registrations import record_registration

    database = Database(database_url)
    try:
        await ensure_up_to_date(database)
        await record_registration(database, registration, publish=publish, withdraw=withdraw)
    finally:
        await database.dispose()


def power(
    effect: Annotated[
        float | None,
        typer.Option(help="Standardized effect size (Cohen's d); with --protocol, the plan's."),
    ] = None,
    alpha: Annotated[float, typer.Option(help="Two-sided significance level.")] = 0.05,
    power: Annotated[float, typer.Option(help="Desired power.")] = 0.8,
    arms: Annotated[int, typer.Option(help="Arms, control included.")] = 2,
    icc: Annotated[
        float | None, typer.Option(help="Intra-class correlation within groups.")
    ] = None,
    group_size: Annotated[int, typer.Option(help="Members per group (1: no groups).")] = 1,
    protocol: Annotated[
        Path | None,
        typer.Option(help="Simulate this protocol's design and analysis plan instead."),
    ] = None,
    participants: Annotated[
        int | None, typer.Option(help="With --protocol: participants (default: the plan's).")
    ] = None,
    simulations: Annotated[int, typer.Option(help="With --protocol: simulated trials.")] = 500,
    seed: Annotated[int, typer.Option(help="With --protocol: random seed.")] = 1,
    unclustered: Annotated[
        bool, typer.Option("--unclustered", help="With --protocol: no peer groups (a check).")
    ] = False,
    find_n: Annotated[
        bool,
        typer.Option(
            "--find-n", help="With --protocol: search the participants that reach --power."
        ),
    ] = False,
) -> None:
    """Participants needed per arm to detect an effect against control, or (with --protocol)
    the power of each contrast of the protocol's analysis plan, by simulation, simulating the
    primary outcome's own type (with --find-n: the participants that reach --power)."""
    require_research_extra()
    from experiments.analysis import format_power, participants_per_arm

    if protocol is not None:
        target = power if find_n else None
        _design_power(protocol, effect, icc, participants, simulations, seed, unclustered, target)
        return
    if effect is None:
        raise StudyError("give --effect (a standardized effect size), or --protocol FILE")
    try:
        result = participants_per_arm(effect, alpha, power, arms, icc or 0.0, group_size)
    except ValueError as error:
        raise StudyError(f"cannot compute a sample size: {error}") from None
    groups = result.clusters_per_arm
    extra = f"; {groups} groups of {group_size} per arm" if groups is not None else ""
    typer.echo(f"{result.per_arm} per arm ({result.total} in total{extra})")
    typer.echo(format_power(result))


def _design_power(
    file: Path,
    effect: float | None,
    icc: float | None,
    participants: int | None,
    simulations: int,
    seed: int,
    unclustered: bool,
    target: float | None,
) -> None:
    plan_protocol = _load(file)
    plan = plan_protocol.analysis
    if plan is None:
        raise StudyError(f"{file}: no [analysis] section, so there is no design to simulate")
    if simulations < 10:
        raise StudyError("--simulations must be at least 10")
    from experiments.analysis import format_design_power, search_participants, simulate_power

    updates: dict[str, float | int | None] = {}
    if effect is not None:  # a standardized effect replaces the plan's and any ratio it gives
        updates.update(effect_size=effect, rate_ratio=None, risk_ratio=None)
    if icc is not None:
        updates["icc"] = icc
    if participants is not None:
        updates["participants"] = participants
    if updates:
        plan = plan.model_copy(update=updates)
        plan_protocol = plan_protocol.model_copy(update={"analysis": plan})
    search = None
    try:
        if target is not None:
            if not 0 < target < 1:
                raise StudyError("--power must lie between 0 and 1")
            search = search_participants(
                plan_protocol,
                target=target,
                simulations=simulations,
                seed=seed,
                unclustered=unclustered,
            )
            rows = search.rows
        else:
            rows = simulate_power(
                plan_protocol, simulations=simulations, seed=seed, unclustered=unclustered
            )
    except ValueError as error:
        raise StudyError(f"cannot simulate the design: {error}") from None
    typer.echo(format_design_power(rows, plan_protocol, simulations, unclustered, search))


def _load(file: Path) -> Protocol:
    """The protocol in `file`, or every problem on stderr (one per line) and exit 1."""
    try:
        return load_protocol(file)
    except ProtocolError as error:
        for problem in error.problems:
            # load_protocol names the file itself when it cannot read or parse it.
            named = problem if problem.startswith(f"{file}:") else f"{file}: {problem}"
            typer.echo(named, err=True)
        raise typer.Exit(1) from None


def _count(items: Sized, noun: str) -> str:
    return f"{len(items)} {noun}" + ("" if len(items) == 1 else "s")


async def _read_log(
    database_url: str,
) -> tuple[
    list[AllocationRecord],
    list[tuple[int, str | None, str | None]],
    list[LoggedDecision],
    list[Tombstone],
    list[GroupDraw],
    list[LoggedCallDraw],
]:
    database = Database(database_url)
    try:
        await ensure_up_to_date(database)
        async with database.snapshot() as session:
            return (
                await allocation_log(session),
                await participant_arms(session),
                await decision_log(session),
                await tombstones(session),
                await group_draws(session),
                await call_draws(session),
            )
    finally:
        await database.dispose()
