"""The SAP's instruments section: each questionnaire the protocol asks, with its source, status,
language versions and licence, so a reader sees which measures are validated and which not."""

from __future__ import annotations

from experiments.protocol import Protocol

__all__ = ["instrument_rows", "instruments_header", "instruments_paragraphs"]

instruments_header = ["instrument", "asked", "items", "status", "languages", "licence", "source"]


def instrument_rows(protocol: Protocol) -> list[list[str]]:
    """One row per instrument asked at baseline or follow-up, in the order they are asked."""
    plan = protocol.questionnaires
    rows = []
    for instrument_id in dict.fromkeys((*plan.baseline, *plan.follow_up)):
        instrument = plan.instrument(instrument_id)
        provenance = instrument.provenance
        when = [
            occasion
            for occasion, ids in (("baseline", plan.baseline), ("follow-up", plan.follow_up))
            if instrument_id in ids
        ]
        languages = ", ".join(
            f"{language.value}: {origin}" for language, origin in provenance.languages.items()
        )
        rows.append(
            [
                f"{instrument.id} ({instrument.name})",
                " and ".join(when),
                str(len(instrument.items)),
                provenance.status,
                languages,
                provenance.licence,
                " ".join(instrument.citation.split()),
            ]
        )
    return rows


def instruments_paragraphs(protocol: Protocol) -> list[str]:
    """What the statuses mean, and a line for every instrument that is not validated or whose
    licence is still to be settled."""
    plan = protocol.questionnaires
    paragraphs = [
        "Status: validated = the published wording of a validated instrument in every language "
        "asked; adapted = a validated instrument with some wording of ours (e.g. our "
        "translation); not validated = own items, reported as exploratory measures; check the "
        "licence before use = the licence must be settled before fielding."
    ]
    for instrument_id in dict.fromkeys((*plan.baseline, *plan.follow_up)):
        provenance = plan.instrument(instrument_id).provenance
        if provenance.status == "not validated":
            paragraphs.append(f"{instrument_id}: not validated. {provenance.wording}")
        elif provenance.licence_unclear:
            paragraphs.append(
                f"{instrument_id}: check the licence before use. {provenance.licence}"
            )
    return [" ".join(p.split()) for p in paragraphs]
