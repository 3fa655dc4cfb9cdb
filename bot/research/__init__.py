"""The research adapter: reads non-identifying rows in one snapshot; export and report from them.

Only this package turns database rows into the plain DataFrames `experiments` works on: the
database writes each row as a line of CSV (lines.py), Arrow parses the lines into frames
(frames.py), reading.py reads every table in one snapshot, reflected.py adds the group tables,
and outputs.py writes the export and the report.
"""

from bot.research.outputs import ExportResult, estimate_trial, export_trial, report_trial
from bot.research.reading import read_trial
from bot.research.reflected import GROUP_TABLES, MEMBERSHIP_TABLES

__all__ = [
    "GROUP_TABLES",
    "MEMBERSHIP_TABLES",
    "ExportResult",
    "estimate_trial",
    "export_trial",
    "read_trial",
    "report_trial",
]
