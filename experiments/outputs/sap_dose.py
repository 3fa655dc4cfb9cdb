"""The analysis plan's section on delivery, dose and cost (issue 27.2): what is counted and how
the cost per extra unit of the primary outcome is computed, fixed before the data."""

from __future__ import annotations

from experiments.protocol import Protocol, describe_costs

__all__ = ["dose_paragraphs"]


def dose_paragraphs(protocol: Protocol) -> tuple[str, list[str]]:
    """The section's title and paragraphs (descriptive: no test, no multiplicity)."""
    plan = protocol.analysis
    primary = plan.primary if plan is not None else "the primary outcome"
    costs = [
        f"{describe_costs(protocol.costs)}. Cost per participant per arm: the fixed cost "
        "plus the counted counsellor actions at those minutes and that rate, over the arm's "
        f"allocated participants. Beside the primary outcome ({primary}): the extra cost per "
        "participant against the comparator divided by the extra outcome per participant the "
        "primary estimate implies (a rate ratio: (RR − 1) × the comparator's rate × the "
        "follow-up weeks; a risk ratio: (RR − 1) × the comparator's share; a difference as it "
        "is); not estimable when the estimate is missing or not above no effect. No interval: "
        "a point figure for planning, not a test."
    ]
    if protocol.costs is None:
        costs = ["No costs are given ([costs]): dose only."]
    return (
        "Delivery, dose and cost (descriptive)",
        [
            "Per arm and per peer group, from events and delivery records only (never what "
            "anybody wrote): private messages delivered (handed to Telegram; bots get no read "
            "receipts), curriculum topics (privately and in groups), check-ins (prompts, "
            "member-weeks with a plan or a review), group messages by members and by the "
            "counsellor, questions asked and answered with the median hours to a first answer, "
            "and counsellor outreach sent and answered.",
            *costs,
        ],
    )
