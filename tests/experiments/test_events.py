"""One vocabulary of event kinds: every kind the bot records is labelled in the codebook, and
the bot records no kind outside it."""

from __future__ import annotations

import ast
from pathlib import Path

from experiments.outputs.codebook import GROUP_EVENT_LABELS
from experiments.outputs.event_labels import EVENT_LABELS
from experiments.records import DEPOSIT_KINDS, JOB_SEARCH_KINDS, EventKind, GroupEventKind

ROOT = Path(__file__).resolve().parents[2]


def test_every_event_kind_has_a_codebook_label() -> None:
    assert set(EVENT_LABELS) == set(EventKind)


def test_every_group_event_kind_has_a_codebook_label() -> None:
    assert set(GROUP_EVENT_LABELS) == set(GroupEventKind)


def test_kinds_are_spelled_in_one_place() -> None:
    """No module of the bot spells an event kind as a string: they name EventKind members."""
    spelled = []
    for path in (ROOT / "bot" / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare) and any(
                isinstance(side, ast.Attribute) and side.attr == "kind"
                for side in [node.left, *node.comparators]
            ):
                spelled += [
                    f"{path.name}:{node.lineno}"
                    for side in node.comparators
                    if isinstance(side, ast.Constant) and side.value in set(EventKind)
                ]
    assert spelled == []


def test_the_groups_of_kinds_partition_what_is_counted() -> None:
    assert set(DEPOSIT_KINDS).isdisjoint(JOB_SEARCH_KINDS)
    assert EventKind.APPLIED in JOB_SEARCH_KINDS
