"""Who gets which arm: the allocation sequence, its hash-chained audit log, and pseudonyms."""

from experiments.allocation.audit import (
    CHAIN_LABEL,
    FIRST_SEQUENCE,
    GENESIS_HASH,
    AllocationRecord,
    LogCheck,
    Problem,
    ProblemKind,
    append_record,
    chain_key,
    check_log,
    head_hash,
    record_hash,
    verify,
    verify_participants,
)
from experiments.allocation.group_factorial import (
    GroupDraw,
    cell_components,
    cells,
    draw_cell,
    group_stratum,
    verify_draws,
)
from experiments.allocation.pseudonyms import MAX_SHIFT_DAYS, PSEUDONYM_LENGTH, Pseudonymizer
from experiments.allocation.randomization import AllocationSequence, generate_seed

__all__ = [
    "CHAIN_LABEL",
    "FIRST_SEQUENCE",
    "GENESIS_HASH",
    "MAX_SHIFT_DAYS",
    "PSEUDONYM_LENGTH",
    "AllocationRecord",
    "AllocationSequence",
    "GroupDraw",
    "LogCheck",
    "Problem",
    "ProblemKind",
    "Pseudonymizer",
    "append_record",
    "cell_components",
    "cells",
    "chain_key",
    "check_log",
    "draw_cell",
    "generate_seed",
    "group_stratum",
    "head_hash",
    "record_hash",
    "verify",
    "verify_draws",
    "verify_participants",
]
