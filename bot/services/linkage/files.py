"""The two files of a linkage: code hashes to pseudonyms (out), outcomes by pseudonym (in).

Only two kinds of column ever pass: a pseudonym (and, out, a code hash) and the outcomes the
protocol's `[linkage]` section declares. A file with any other column is refused whole, so a
name, a Telegram id or an enrollment code cannot come in by mistake; a value that does not fit
its declared type refuses the file too, with every row number, and nothing is stored.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, TextIO

from experiments.allocation.pseudonyms import PSEUDONYM_LENGTH
from experiments.protocol import Linkage, LinkedValue, parse_linked_value

__all__ = [
    "CODE_HASH_COLUMNS",
    "LinkageFileError",
    "OutcomeFile",
    "OutcomeRow",
    "read_outcome_file",
    "write_code_hashes",
]

CODE_HASH_COLUMNS: Final = ("code_hash", "pseudonym")
KEY_COLUMN: Final = "pseudonym"
_PSEUDONYM = re.compile(rf"^[0-9a-f]{{{PSEUDONYM_LENGTH}}}$")
# column names that say plainly what they would bring in
_IDENTIFYING = re.compile(
    r"name|naam|telegram|user|chat|code|bsn|phone|telefoon|mail|address|adres|birth|geboorte",
    re.IGNORECASE,
)


class LinkageFileError(Exception):
    """The file is refused as a whole; `problems` says why, with row numbers (row 1: header)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems[:5]) + (" …" if len(problems) > 5 else ""))


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """One row of the file: its row number, pseudonym, and the values given (empty cells left
    out)."""

    row: int
    pseudonym: str
    values: dict[str, LinkedValue]


@dataclass(frozen=True, slots=True)
class OutcomeFile:
    """A validated file: the rows to match, and the rows refused as repeats of a pseudonym."""

    columns: tuple[str, ...]
    rows: list[OutcomeRow] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)


def write_code_hashes(pairs: Iterable[tuple[str, str]], out: TextIO) -> int:
    """Write `code_hash,pseudonym` rows; how many."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CODE_HASH_COLUMNS)
    count = 0
    for pair in pairs:
        writer.writerow(pair)
        count += 1
    return count


def read_outcome_file(text: str, linkage: Linkage) -> OutcomeFile:
    """Validate a file of outcomes by pseudonym against the declared schema; LinkageFileError
    with every problem when anything does not fit. A pseudonym's second and later rows are
    refused (`duplicates`): which row is right is not ours to guess."""
    if not linkage.outcomes:
        raise LinkageFileError(
            ["the protocol declares no [linkage] outcomes, so there is nothing to import"]
        )
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=_delimiter(text))
    header = [cell.strip() for cell in next(reader, [])]
    columns = _columns(header, linkage)
    problems: list[str] = []
    seen: set[str] = set()
    result = OutcomeFile(tuple(columns))
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(f"row {number}: {len(cells)} cells, the header has {len(header)}")
            continue
        pseudonym = cells[0].strip().lower()
        if not _PSEUDONYM.match(pseudonym):
            problems.append(
                f"row {number}: pseudonym {cells[0].strip()!r} is not "
                f"{PSEUDONYM_LENGTH} hexadecimal characters"
            )
            continue
        values: dict[str, LinkedValue] = {}
        for name, cell in zip(columns, cells[1:], strict=True):
            if not cell.strip():
                continue
            outcome = linkage.outcome(name)
            assert outcome is not None  # _columns checked every name
            try:
                values[name] = parse_linked_value(outcome.type, cell)
            except ValueError as error:
                problems.append(f"row {number}, {name}: {error}")
        if pseudonym in seen:
            result.duplicates.append(number)
            continue
        seen.add(pseudonym)
        result.rows.append(OutcomeRow(number, pseudonym, values))
    if problems:
        raise LinkageFileError(problems)
    return result


def _columns(header: list[str], linkage: Linkage) -> list[str]:
    """The outcome columns after the pseudonym; every other column refuses the file."""
    declared = [outcome.name for outcome in linkage.outcomes]
    if not header or header[0] != KEY_COLUMN:
        raise LinkageFileError([f"row 1: the first column must be {KEY_COLUMN!r}"])
    problems = []
    for name in header[1:]:
        if name in declared:
            continue
        why = " (it looks identifying)" if _IDENTIFYING.search(name) else ""
        problems.append(
            f"row 1: column {name!r} is not allowed{why}: only {KEY_COLUMN!r} and the "
            f"protocol's [linkage] outcomes ({', '.join(declared)}) may come in"
        )
    if len(set(header)) != len(header):
        problems.append("row 1: a column is named twice")
    if len(header) < 2:
        problems.append("row 1: no outcome column")
    if problems:
        raise LinkageFileError(problems)
    return header[1:]


def _delimiter(text: str) -> str:
    """Comma, or semicolon as Dutch spreadsheets write CSV."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","
