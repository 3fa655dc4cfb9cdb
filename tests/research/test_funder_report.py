"""The report a funder reads: the summary first, one line per outcome without an estimate, and a
visible warning on an interval with two or fewer degrees of freedom."""

from __future__ import annotations

from experiments import analysis as an
from experiments.outputs.report import environment
from experiments.outputs.report_rows import result_row, result_table
from experiments.protocol import event_outcome, load_protocol, resolve_outcome
from tests.experiments.shipped import STUDY_FILE

PROTOCOL = load_protocol(STUDY_FILE)
DEPOSITS = event_outcome("deposits")
GSE = resolve_outcome("gse", PROTOCOL)
CONTRASTS = ("peer vs control", "text vs control", "peer vs text")


def _estimated(contrast: str, df: float | None, groups: int | None = 2) -> an.Result:
    assert DEPOSITS is not None
    return an.Result(
        DEPOSITS,
        contrast,
        "secondary",
        "ITT, adjusted for strata",
        True,
        (20, 25),
        (0.6, 0.3),
        estimate=2.0,
        low=0.01,
        high=7302.84,
        p_value=0.2,
        df=df,
        groups=groups,
    )


def _missing(contrast: str, wave: int = 2) -> an.Result:
    assert GSE is not None
    return an.Result(
        GSE,
        contrast,
        "secondary",
        f"ANCOVA at follow-up {wave}, complete cases",
        True,
        (0, 0),
        (None, None),
        not_estimable=an.NotEstimable("no follow-up 2 scores with a baseline score yet"),
    )


def _render(table: dict[str, object]) -> str:
    module = environment().get_template("report_macros.html.j2").module
    return str(module.results(table))  # type: ignore[attr-defined]


def test_an_interval_on_two_or_fewer_degrees_of_freedom_carries_a_visible_warning() -> None:
    thin, fine = _estimated("peer vs control", 1.0), _estimated("peer vs text", 2.9)
    assert result_row(thin)["df_warning"] == (
        "⚠ only 1 degrees of freedom: this interval is unreliable"
    )
    assert result_row(fine)["df_warning"] == ""
    assert "⚠ only 1.8 degrees" in result_row(_estimated("x", 1.8))["df_warning"]
    page = _render(result_table([thin, fine], {}))
    assert page.count('class="dfwarn">⚠') == 1
    assert '0.01 to 7302.84<br><span class="dfwarn">⚠ only 1 degrees of freedom' in page


def test_contrasts_without_an_estimate_fold_into_one_line_per_outcome() -> None:
    rows = [_estimated("text vs control", None, None), *(_missing(c) for c in CONTRASTS)]
    table = result_table(rows, {2: 12})
    assert len(table["rows"]) == 1
    [line] = table["missing"]
    assert line["text"] == (
        "not yet estimable: the second follow-up (week 12) is not due for anyone yet"
    )
    page = _render(table)
    assert page.count("<tr") == 3  # the header, the estimate, one line for the questionnaire
    assert "<td>–</td>" not in page
    assert "<th>adjusted p</th>" not in page, "no column of dashes"
    assert "peer groups analysed" not in page, "no groups column where no row has groups"


def test_a_wave_that_is_due_says_why_there_is_no_estimate_and_names_partial_contrasts() -> None:
    assert DEPOSITS is not None
    rows = [_estimated("text vs control", None, None), _missing("peer vs control")]
    rows[1] = an.Result(
        DEPOSITS, "peer vs control", "secondary", "ITT, adjusted for strata", True, (1, 25),
        (0.0, 0.3), not_estimable=an.NotEstimable("no events in one of the groups compared"),
    )  # fmt: skip
    [line] = result_table(rows, {})["missing"]
    assert line["text"] == "peer vs control: not estimable: no events in one of the groups compared"
