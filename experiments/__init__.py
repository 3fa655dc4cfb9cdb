"""Research modules: protocol, randomization, audit log, questionnaires, export, analysis and
power; no Telegram, and nothing from `bot`.

`__all__` is the interface the bot uses (a test keeps it complete). Its names are resolved on
first use, so importing `experiments` does not load the statistics stack (pandas, statsmodels,
matplotlib) that only exports and reports need.
"""

from __future__ import annotations

import importlib
from typing import Any

# name → the module that defines it
PUBLIC: dict[str, str] = {
    "Design": "analysis",
    "Estimate": "analysis",
    "itt_estimates": "analysis",
    "per_participant": "analysis",
    "AllocationRecord": "audit",
    "append_record": "audit",
    "chain_key": "audit",
    "check_log": "audit",
    "head_hash": "audit",
    "verify_participants": "audit",
    "ChainLink": "micro_audit",
    "Tombstone": "micro_audit",
    "check_chain": "micro_audit",
    "erased_summary": "micro_audit",
    "micro_chain_key": "micro_audit",
    "link_decision": "micro_audit",
    "tombstone": "micro_audit",
    "build_codebook": "codebook",
    "as_of_flag": "data_date",
    "cut_at": "data_date",
    "data_date_text": "data_date",
    "parse_as_of": "data_date",
    "format_design_power": "design_power",
    "simulate_power": "design_power",
    "EventKind": "events",
    "JOB_SEARCH_KINDS": "events",
    "LOGGED_KINDS": "events",
    "ExportFormat": "export",
    "RAW_COLUMNS": "export",
    "RawTrial": "export",
    "build_tables": "export",
    "safe_columns": "export",
    "write_export": "export",
    "Language": "languages",
    "CORRECTS": "ledger",
    "Done": "ledger",
    "Logged": "ledger",
    "Window": "ledger",
    "did": "ledger",
    "format_power": "power",
    "participants_per_arm": "power",
    "Protocol": "protocol",
    "ProtocolError": "protocol",
    "load_protocol": "protocol",
    "summarize": "protocol",
    "Component": "protocol_sections",
    "MessageBudget": "protocol_sections",
    "Track": "protocol_sections",
    "Pseudonymizer": "pseudonyms",
    "LoggedDecision": "micro_randomization",
    "MicroComponent": "micro_randomization",
    "MicroRandomization": "micro_randomization",
    "check_decisions": "micro_randomization",
    "decision_points": "micro_randomization",
    "draw": "micro_randomization",
    "draw_key": "micro_randomization",
    "week_of": "micro_randomization",
    "Occasion": "questionnaire_plan",
    "is_quiet": "quiet_hours",
    "Item": "questionnaires",
    "load_instrument": "questionnaires",
    "next_item": "questionnaires",
    "AllocationSequence": "randomization",
    "Registration": "registration",
    "write_report": "report",
    "write_plan": "sap",
}

__all__ = sorted(PUBLIC)


def __getattr__(name: str) -> Any:
    """Load the module behind a public name on first use (PEP 562)."""
    if name not in PUBLIC:
        raise AttributeError(f"module 'experiments' has no attribute {name!r}")
    return getattr(importlib.import_module(f"experiments.{PUBLIC[name]}"), name)
