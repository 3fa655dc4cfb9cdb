"""The analysis: descriptives, the pre-specified models, the console's quick look, power.

`analyse(tables, protocol, as_of)` runs the protocol's pre-specified analysis
(`experiments.analysis.prespecified`: ANCOVA, Poisson and linear models per outcome type);
`itt_estimates` is the console's unadjusted quick look. Both fit with `fit_model`
(`experiments.analysis.models`). Loads the statistics stack (pandas, statsmodels, scipy).
"""

from experiments.analysis.baseline_context import protocol_context
from experiments.analysis.console_summary import (
    EFFECT_SIZES,
    Estimate,
    PowerRow,
    itt_estimates,
    per_participant,
    power_rows,
)
from experiments.analysis.contrasts import Family, Result
from experiments.analysis.descriptives import (
    REACH_COLUMNS,
    SRM_THRESHOLD,
    ArmFlow,
    Flow,
    GroupCounts,
    GroupFlow,
    SampleRatio,
    SiteReach,
    analysed,
    baseline_table,
    flow,
    group_counts,
    reach,
    sample_ratio,
    weekly_outcomes,
)
from experiments.analysis.design import OUTCOMES, Design, Outcome
from experiments.analysis.design_power import (
    ContrastPower,
    SimulatedContrast,
    analyse_design,
    design_contrasts,
    design_for,
    fit_design,
    simulate_power,
)
from experiments.analysis.design_simulation import DesignSimulation, simulate_design
from experiments.analysis.icc import IccEstimate, icc, icc_estimates, icc_with_ci
from experiments.analysis.lee import LeeBounds, imbens_manski, lee_bounds
from experiments.analysis.missing_data import Completion, completion, mice_results
from experiments.analysis.models import (
    FIT_ERRORS,
    UNBOUNDED,
    ContrastValue,
    Fitted,
    NotEstimable,
    fit_model,
    fit_quietly,
    holm,
    max_t_adjust,
    reporting_scale,
)
from experiments.analysis.outcome_frame import outcome_frame
from experiments.analysis.power import (
    PowerResult,
    achieved_power,
    format_power,
    participants_per_arm,
)
from experiments.analysis.power_assumptions import PrimaryAssumptions, primary_assumptions
from experiments.analysis.power_search import (
    ParticipantSearch,
    format_design_power,
    primary_power,
    search_participants,
)
from experiments.analysis.prespecified import (
    TrialAnalysis,
    adjust_primary,
    analyse,
    outcome_results,
)
from experiments.analysis.subgroups import describe_subgroups, subgroup_results

__all__ = [
    "EFFECT_SIZES",
    "FIT_ERRORS",
    "OUTCOMES",
    "REACH_COLUMNS",
    "SRM_THRESHOLD",
    "UNBOUNDED",
    "ArmFlow",
    "Completion",
    "ContrastPower",
    "ContrastValue",
    "Design",
    "DesignSimulation",
    "Estimate",
    "Family",
    "Fitted",
    "Flow",
    "GroupCounts",
    "GroupFlow",
    "IccEstimate",
    "LeeBounds",
    "NotEstimable",
    "Outcome",
    "ParticipantSearch",
    "PowerResult",
    "PowerRow",
    "PrimaryAssumptions",
    "Result",
    "SampleRatio",
    "SimulatedContrast",
    "SiteReach",
    "TrialAnalysis",
    "achieved_power",
    "adjust_primary",
    "analyse",
    "analyse_design",
    "analysed",
    "baseline_table",
    "completion",
    "describe_subgroups",
    "design_contrasts",
    "design_for",
    "fit_design",
    "fit_model",
    "fit_quietly",
    "flow",
    "format_design_power",
    "format_power",
    "group_counts",
    "holm",
    "icc",
    "icc_estimates",
    "icc_with_ci",
    "imbens_manski",
    "itt_estimates",
    "lee_bounds",
    "max_t_adjust",
    "mice_results",
    "outcome_frame",
    "outcome_results",
    "participants_per_arm",
    "per_participant",
    "power_rows",
    "primary_assumptions",
    "primary_power",
    "protocol_context",
    "reach",
    "reporting_scale",
    "sample_ratio",
    "search_participants",
    "simulate_design",
    "simulate_power",
    "subgroup_results",
    "weekly_outcomes",
]
