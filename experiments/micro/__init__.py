"""Micro-randomized nudges: the draws and decision points, and their hash chain.

The live bot's part is exported here and loads no statistics stack. The analysis of the decisions
is imported by module: `experiments.micro.excursion` (excursion effects), `.simulate` (their
validity), `.export` (the decisions table) and `.report` (the report's section).
"""

from experiments.micro.audit import (
    CHAIN_LABEL,
    GENESIS_HASH,
    ChainCheck,
    ChainLink,
    MicroProblem,
    MicroProblemKind,
    Tombstone,
    check_chain,
    erased_summary,
    link_decision,
    micro_chain_key,
    tombstone,
    tombstone_mac,
)
from experiments.micro.randomization import (
    DRAW_LABEL,
    LoggedDecision,
    check_decisions,
    decision_points,
    draw,
    draw_key,
    week_of,
)

__all__ = [
    "CHAIN_LABEL",
    "DRAW_LABEL",
    "GENESIS_HASH",
    "ChainCheck",
    "ChainLink",
    "LoggedDecision",
    "MicroProblem",
    "MicroProblemKind",
    "Tombstone",
    "check_chain",
    "check_decisions",
    "decision_points",
    "draw",
    "draw_key",
    "erased_summary",
    "link_decision",
    "micro_chain_key",
    "tombstone",
    "tombstone_mac",
    "week_of",
]
