"""`lotgenoot export` and `lotgenoot report`: pseudonymized research tables and the trial report.

The scientific libraries are the optional `research` extra, so they are imported only when one
of these commands runs.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from bot.clock import SystemClock
from bot.db.engine import Database
from bot.db.migrate import ensure_up_to_date
from bot.settings import Settings, load_settings
from experiments.protocol import Protocol, ProtocolError, load_protocol

if TYPE_CHECKING:
    from bot.research import ExportResult

T = TypeVar("T")

__all__ = ["ExportFormat", "ResearchError", "export", "report", "require_research_extra"]

STUDY_HELP = "The protocol file; default LOTGENOOT_STUDY_FILE."
AS_OF_HELP = (
    "The data date: read the trial as it stood then (rows made later left out), so a re-run "
    "later gives the same numbers. A date (through its end, in the study's time zone) or an ISO "
    "time such as 2026-03-01T12:00:00Z; default now."
)


class ResearchError(Exception):
    """An export or report failed for a reason a person can fix; main() prints it in one line."""


class ExportFormat(StrEnum):
    """File formats of the export."""

    CSV = "csv"
    PARQUET = "parquet"
    SPSS = "spss"
    STATA = "stata"


def export(
    out: Annotated[Path, typer.Option(help="Folder for the tables and the codebook.")],
    file_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv, parquet, spss (.sav) or stata (.dta).")
    ] = ExportFormat.CSV,
    shift_dates: Annotated[
        bool,
        typer.Option(
            "--shift-dates", help="Move each participant's dates back by their own 1-365 days."
        ),
    ] = False,
    study: Annotated[Path | None, typer.Option(help=STUDY_HELP, show_default=False)] = None,
    as_of: Annotated[str | None, typer.Option(help=AS_OF_HELP, show_default=False)] = None,
) -> None:
    """Write pseudonymized research tables and a codebook; no Telegram id ever leaves."""
    settings = load_settings()
    key = _pseudonym_key(settings)
    protocol = _protocol(study or settings.study_file)
    require_research_extra()
    from bot.research import export_trial

    moment = _data_date(as_of, protocol)

    async def _export(database: Database) -> ExportResult:
        return await export_trial(
            database,
            out,
            key=key,
            protocol=protocol,
            file_format=file_format.value,
            shift_dates=shift_dates,
            as_of=moment,
        )

    result = _run(settings.database_url, _export, out)
    shifted = ", dates shifted" if shift_dates else ""
    typer.echo(
        f"wrote {len(result.paths) - 2} tables ({result.participants} participants, "
        f"{result.events} events) and a codebook to {out} as {file_format.value}{shifted}"
    )
    typer.echo(_data_date_line(moment, "export"))


def report(
    out: Annotated[Path, typer.Option(help="Folder for report.html and its figures.")],
    study: Annotated[Path | None, typer.Option(help=STUDY_HELP, show_default=False)] = None,
    as_of: Annotated[str | None, typer.Option(help=AS_OF_HELP, show_default=False)] = None,
) -> None:
    """Write the trial report: CONSORT flow, balance, sample ratio, ITT estimates, power."""
    settings = load_settings()
    protocol = _protocol(study or settings.study_file)
    require_research_extra()
    from bot.research import report_trial

    moment = _data_date(as_of, protocol)

    async def _report(database: Database) -> Path:
        return await report_trial(database, out, protocol=protocol, as_of=moment)

    typer.echo(f"wrote {_run(settings.database_url, _report, out)}")
    typer.echo(_data_date_line(moment, "report"))


def _data_date(text: str | None, protocol: Protocol) -> datetime:
    """`--as-of` as a UTC moment, never later than now; now (to the second) without it."""
    from experiments.outputs import parse_as_of

    now = SystemClock().now()
    if text is None:
        return now.replace(microsecond=0)
    try:
        moment = parse_as_of(text, protocol.study.timezone)
    except ValueError:
        raise ResearchError(
            f"--as-of {text}: not a date or time; give e.g. 2026-03-01 or 2026-03-01T12:00:00Z"
        ) from None
    if moment > now:
        raise ResearchError(
            f"--as-of {text} is in the future (a date means through its end): the data date "
            "can be now at most"
        )
    return moment


def _data_date_line(moment: datetime, command: str) -> str:
    from experiments.outputs import as_of_flag, data_date_text

    return (
        f"data date {data_date_text(moment)}: `lotgenoot {command} --as-of "
        f"{as_of_flag(moment)}` reads the same data again"
    )


def _run(database_url: str, work: Callable[[Database], Awaitable[T]], out: Path) -> T:
    """Run one research job on an up-to-date database; a write failure becomes one line."""

    async def _main() -> T:
        database = Database(database_url)
        try:
            await ensure_up_to_date(database)
            return await work(database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(_main())
    except OSError as error:
        raise ResearchError(f"cannot write to {out}: {error.strerror or error}") from None


def _pseudonym_key(settings: Settings) -> str:
    secret = settings.pseudonym_key
    if secret is None or not secret.get_secret_value():
        raise ResearchError(
            "LOTGENOOT_PSEUDONYM_KEY is not set: the export needs it to make stable pseudonyms; "
            "generate one with `python3 -c 'import secrets; print(secrets.token_hex(32))'`, "
            "keep it secret and keep it the same for every export"
        )
    return secret.get_secret_value()


def _protocol(file: Path) -> Protocol:
    try:
        return load_protocol(file)
    except ProtocolError as error:
        first = error.problems[0] if error.problems else "invalid protocol"
        named = first if first.startswith(f"{file}:") else f"{file}: {first}"
        more = len(error.problems) - 1
        extra = f" (and {more} more: run `lotgenoot study check {file}`)" if more else ""
        raise ResearchError(named + extra) from None


def require_research_extra() -> None:
    """One line naming the missing package of the research extra (pyproject.toml), rather than
    a traceback later. Looked up, not imported: the export would otherwise load the statistics
    stack it never uses (a second and 30 MB before the first row is read)."""
    research = ("numpy", "pandas", "scipy", "statsmodels", "matplotlib", "pyarrow", "pyreadstat")
    for module in (*research, "jinja2"):
        if importlib.util.find_spec(module) is None:
            raise ResearchError(
                f"export, report and power need the research extra ({module} is missing): "
                "pip install 'lotgenoot[research]'"
            )
