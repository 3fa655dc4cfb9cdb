"""What leaves the study: the export and its codebook, the data date, a simulated trial.

The report and the statistical analysis plan load the statistics stack (statsmodels,
matplotlib), so they are imported by module: `experiments.outputs.report.write_report` and
`experiments.outputs.plan_files.stage_plan` (the plan, written as one act with its registration).
"""

from experiments.outputs.codebook import (
    Variable,
    build_codebook,
    codebook_frame,
    codebook_markdown,
)
from experiments.outputs.csv_writer import write_csv
from experiments.outputs.data_date import as_of_flag, cut_at, data_date_text, parse_as_of
from experiments.outputs.estimates import ESTIMATES_FILE, estimates_table
from experiments.outputs.export import (
    FORMATS,
    RAW_COLUMNS,
    TABLES,
    ExportFormat,
    RawTrial,
    build_tables,
    safe_columns,
    survey_scores,
    write_export,
)
from experiments.outputs.labelled import labelled
from experiments.outputs.simulated_trial import SimulatedTrial, TrialSettings, simulate_trial

__all__ = [
    "ESTIMATES_FILE",
    "FORMATS",
    "RAW_COLUMNS",
    "TABLES",
    "ExportFormat",
    "RawTrial",
    "SimulatedTrial",
    "TrialSettings",
    "Variable",
    "as_of_flag",
    "build_codebook",
    "build_tables",
    "codebook_frame",
    "codebook_markdown",
    "cut_at",
    "data_date_text",
    "estimates_table",
    "labelled",
    "parse_as_of",
    "safe_columns",
    "simulate_trial",
    "survey_scores",
    "write_csv",
    "write_export",
]
