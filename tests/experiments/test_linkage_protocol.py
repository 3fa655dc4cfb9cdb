"""The protocol's `[linkage]` section (issue 29, build 5): registry outcomes declared with a
type and a source, checked by `study check`, nameable as the primary outcome, which the plan
then calls administrative."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import pytest

from experiments.analysis.linked_frame import add_linked_columns
from experiments.outputs.sap import plan_sections
from experiments.protocol import ProtocolError, resolve_outcome, validate_protocol
from tests.experiments.shipped import STUDY_FILE

BENEFIT_END = {"name": "benefit_end", "type": "date", "source": "municipality"}
CONSENT_LINE = {"nl": "De gemeente geeft via een code door…", "en": "The municipality tells…"}


def _study(*outcomes: dict[str, str], primary: str | None = None) -> dict[str, Any]:
    data = tomllib.loads(STUDY_FILE.read_text("utf-8"))
    data["linkage"] = {"outcomes": list(outcomes)}
    data["consent"]["linkage"] = CONSENT_LINE
    if primary is not None:
        data["analysis"]["secondary"] = [
            name for name in data["analysis"].get("secondary", []) if name != primary
        ]
        data["analysis"]["primary"] = primary
    return data


def test_an_administrative_primary_is_called_administrative_in_the_plan() -> None:
    protocol = validate_protocol(_study(BENEFIT_END, primary="benefit_end"))

    spec = resolve_outcome("benefit_end", protocol)
    [outcomes] = [s for s in plan_sections(protocol) if s.title == "Outcomes"]

    assert spec is not None
    assert spec.kind == "binary"
    assert outcomes.rows[0][:2] == ["primary", "benefit_end"]
    assert outcomes.rows[0][4].startswith("administrative (municipality)")


@pytest.mark.parametrize(
    ("outcomes", "message"),
    [
        ((BENEFIT_END, BENEFIT_END), "names an outcome twice"),
        (({"name": "deposits", "type": "number", "source": "bank"},), "records itself"),
        (({"name": "arm", "type": "number", "source": "bank"},), "analysis data already"),
        (({"name": "employed", "type": "boolean", "source": "uwv"},), "must be one of"),
        (({"name": "employed", "type": "yes_no", "source": "UWV office"},), "not allowed"),
    ],
)
def test_a_faulty_linkage_section_is_refused(
    outcomes: tuple[dict[str, str], ...], message: str
) -> None:
    with pytest.raises(ProtocolError, match=message):
        validate_protocol(_study(*outcomes))


def test_a_date_counts_when_it_falls_within_the_window() -> None:
    protocol = validate_protocol(
        _study(BENEFIT_END, {"name": "employed", "type": "yes_no", "source": "uwv"})
    )
    frame = pd.DataFrame({"pseudonym": ["a", "b", "c"]})
    end = pd.Series([datetime(2026, 4, 1, tzinfo=UTC)] * 3)
    moment = datetime(2026, 5, 1, tzinfo=UTC)
    events = pd.DataFrame(
        {
            "event_id": [1, 2, 3, 4],
            "pseudonym": ["a", "b", "b", "a"],
            "kind": ["linked_outcome"] * 4,
            "occurred_at": [moment] * 4,
            "detail_outcome": ["benefit_end", "benefit_end", "benefit_end", "employed"],
            "detail_date": pd.to_datetime(
                ["2026-03-01", "2026-03-01", "2026-06-01", None], utc=True
            ),
            "detail_answer": [None, None, None, "yes"],
        }
    )

    add_linked_columns(frame, events, protocol, end)

    # b's later import (June, after the window) corrects their March date
    assert frame["benefit_end"].tolist() == [1.0, 0.0, 0.0]
    assert frame["employed"].tolist() == [1.0, 0.0, 0.0]


def test_a_study_that_links_registry_outcomes_must_say_so_in_its_consent() -> None:
    data = _study(BENEFIT_END)
    del data["consent"]["linkage"]

    with pytest.raises(ProtocolError, match=r"consent\.linkage"):
        validate_protocol(data)
