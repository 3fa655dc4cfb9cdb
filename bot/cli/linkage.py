"""`lotgenoot linkage export|import`: registry outcomes linked through a trusted third party,
without a name, Telegram id or enrollment code ever entering or leaving."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.admin import in_database
from bot.clock import SystemClock
from bot.services.linkage import (
    ImportReport,
    LinkageFileError,
    import_outcomes,
    linkable_people,
    read_outcome_file,
    write_code_hashes,
)
from bot.settings import SettingsError, load_settings, require_pseudonym_key
from experiments.protocol import ProtocolError, load_protocol

__all__ = ["LinkageError", "linkage_app"]

linkage_app = typer.Typer(
    no_args_is_help=True,
    help="Registry outcomes linked by a trusted third party (no identities in or out).",
)


class LinkageError(Exception):
    """A linkage file was refused or cannot be read; main() prints it in one line."""


@linkage_app.command("export")
def export_hashes(
    out: Annotated[
        Path | None, typer.Option(help="The CSV file to write; default standard output.")
    ] = None,
) -> None:
    """Write code_hash,pseudonym for the trusted third party (hashes of single-use codes)."""
    settings = load_settings()
    key = require_pseudonym_key(settings)

    async def _pairs(session: AsyncSession) -> list[tuple[str, str]]:
        return await linkable_people(session, key)

    pairs = in_database(settings, _pairs)
    if out is None:
        count = write_code_hashes(pairs, sys.stdout)
    else:
        with out.open("w", encoding="utf-8", newline="") as file:
            count = write_code_hashes(pairs, file)
    where = f" to {out}" if out is not None else ""
    typer.echo(f"wrote {count} code hashes with their pseudonyms{where}", err=True)
    if settings.linkage_key is None:
        typer.echo(
            "LOTGENOOT_LINKAGE_KEY is not set: people who enroll now keep no code hash and "
            "cannot be linked",
            err=True,
        )


@linkage_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV: pseudonym, then the [linkage] outcomes.")],
    study: Annotated[
        Path | None, typer.Option(help="The protocol file; default LOTGENOOT_STUDY_FILE.")
    ] = None,
) -> None:
    """Store registry outcomes by pseudonym; report matched, unmatched and duplicate rows."""
    settings = load_settings()
    key = require_pseudonym_key(settings)
    try:
        protocol = load_protocol(study or settings.study_file)
    except ProtocolError as error:
        raise SettingsError(
            f"the study file has problems: {'; '.join(error.problems[:3])}"
        ) from None
    try:
        content = file.read_bytes()
        outcomes = read_outcome_file(content.decode("utf-8-sig"), protocol.linkage)
    except OSError as error:
        raise LinkageError(f"cannot read {file}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise LinkageError(f"{file} is not UTF-8 text") from None
    except LinkageFileError as error:
        for line in error.problems:
            typer.echo(f"{file}: {line}", err=True)
        raise LinkageError(
            f"{file} refused ({len(error.problems)} problems above): nothing was stored"
        ) from None

    async def _import(session: AsyncSession) -> ImportReport:
        return await import_outcomes(
            session,
            protocol.linkage,
            outcomes,
            pseudonym_key=key,
            now=SystemClock().now(),
            file_sha256=hashlib.sha256(content).hexdigest(),
        )

    typer.echo(describe(in_database(settings, _import)))


def describe(report: ImportReport) -> str:
    """The import in a few lines, with the row numbers of what was not stored."""

    def rows(numbers: list[int]) -> str:
        return f" (rows {', '.join(map(str, numbers))})" if numbers else ""

    return "\n".join(
        [
            f"{report.rows} rows: {len(report.matched)} matched, "
            f"{len(report.unmatched)} unmatched{rows(report.unmatched)}, "
            f"{len(report.duplicates)} duplicate refused{rows(report.duplicates)}",
            f"values: {report.stored} new, {report.changed} changed (stored as corrections), "
            f"{report.unchanged} already stored",
        ]
    )
