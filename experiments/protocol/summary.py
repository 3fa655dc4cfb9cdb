"""A short human summary of a protocol, printed by `lotgenoot study check`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from experiments.protocol.analysis_plan import AnalysisPlan, resolve_outcome
from experiments.protocol.checkin_section import describe_checkin
from experiments.protocol.costs import describe_costs
from experiments.protocol.durations import describe_duration as words
from experiments.protocol.group_sections import Groups
from experiments.protocol.sections import Component

if TYPE_CHECKING:
    # protocol.py re-exports summarize, so the model is imported for type checking only.
    from experiments.protocol.document import Protocol

__all__ = ["summarize"]


def summarize(protocol: Protocol) -> str:
    """Arms, strata, schedule, groups, quiet hours and instruments, one topic per line."""
    return "\n".join(
        [
            *_study(protocol),
            *_arms(protocol),
            *_strata(protocol),
            *_schedule(protocol),
            *_groups(protocol),
            _quiet_hours(protocol),
            _budget(protocol),
            _tracks(protocol),
            *_questionnaires(protocol),
            _curriculum(protocol),
            _inbox(protocol),
            describe_costs(protocol.costs),
            *describe_checkin(protocol),
            *_analysis(protocol),
            *_micro(protocol),
        ]
    )


def _study(protocol: Protocol) -> list[str]:
    study = protocol.study
    kept = "kept (pseudonymized)" if study.keep_research_data_after_erasure else "deleted"
    return [
        f"Study: {study.name}, version {study.version}, consent text {study.consent_version} "
        f"(sha256 {protocol.consent.sha256()[:12]})",
        f"  consent by {protocol.consent.information.controller}, ethics approval "
        f"{protocol.consent.information.ethics_approval}; questions to "
        f"{protocol.consent.information.contact}",
        f"Time zone: {study.timezone}; research data after /delete: {kept}",
    ]


def _arms(protocol: Protocol) -> list[str]:
    ratio = ":".join(str(arm.weight) for arm in protocol.arms)
    width = max(len(arm.name) for arm in protocol.arms)
    lines = [f"Arms ({len(protocol.arms)}, weights {ratio}):"]
    for arm in protocol.arms:
        components = [component.value for component in Component if arm.has(component)]
        listed = ", ".join(components) if components else "no components"
        lines.append(f"  {arm.name:<{width}}  weight {arm.weight}  {listed}")
    return lines


def _strata(protocol: Protocol) -> list[str]:
    factors = " × ".join(protocol.stratification.by) or "none (one stratum)"
    weight_sum = sum(arm.weight for arm in protocol.arms)
    sizes = [str(m * weight_sum) for m in sorted(protocol.randomization.block_multiples)]
    listed = sizes[0] if len(sizes) == 1 else ", ".join(sizes[:-1]) + " or " + sizes[-1]
    return [
        f"Strata: {factors}; permuted blocks of {listed} allocations",
        f"Age bands: {', '.join(band.label for band in protocol.age_bands)}",
    ]


def _schedule(protocol: Protocol) -> list[str]:
    schedule = protocol.schedule
    surveys = ", ".join(words(moment) for moment in schedule.survey_times) or "none"
    return [
        "Schedule:",
        f"  commitment period {words(schedule.commitment_period)}; reminder "
        f"{words(schedule.reminder_delay)} after a missed period; encouragement every "
        f"{words(schedule.encouragement_interval)}",
        f"  follow-up surveys after {surveys}; {schedule.survey_reminders} reminder(s) every "
        f"{words(schedule.survey_reminder_after)}",
        f"  nudges more than {words(schedule.stale_after)} late are skipped; peer pools wait at "
        f"most {words(schedule.pool_max_wait)}",
        f"  group progress every {words(schedule.group_progress_interval)}; a curriculum topic "
        f"every {words(schedule.curriculum_interval)}",
        *_lasting(protocol),
    ]


def _lasting(protocol: Protocol) -> list[str]:
    """The end of the intervention, the waves after it, the balance and retention questions."""
    schedule, lines = protocol.schedule, []
    if schedule.intervention_length is not None:
        after = ", ".join(words(moment) for moment in schedule.follow_up_times) or "none"
        lines.append(
            f"  the intervention ends {words(schedule.intervention_length)} after allocation "
            f"(nudges and the inbox stop; logging goes on); follow-up waves {after} after the end"
        )
    if protocol.balance.ask_starting_balance:
        lines.append(
            f"  savers may give a starting balance; relapse: a fall of more than "
            f"{protocol.balance.relapse_share:.0%} after a peak"
        )
    if protocol.retention.checks:
        times = ", ".join(words(check.after) for check in protocol.retention.checks)
        lines.append(f"  after a job or training start: still in it? after {times}")
    calls = protocol.follow_up_calls
    if calls is not None:
        who = calls.who.replace("_", " ")
        lines.append(
            f"  a wave unanswered {words(calls.after)} after its last reminder: "
            f"{calls.share:.0%} of non-responders, drawn at random, followed up by a {who}"
        )
    if protocol.linkage.outcomes:
        linked = ", ".join(
            f"{outcome.name} ({outcome.type}, {outcome.source})"
            for outcome in protocol.linkage.outcomes
        )
        lines.append(f"  registry outcomes a linkage import may bring in: {linked}")
    return lines


def _groups(protocol: Protocol) -> list[str]:
    groups = protocol.groups
    return [
        f"Groups: {groups.min_size}–{groups.max_size} members",
        f"  flood control {groups.flood_messages} messages in {words(groups.flood_window)} → "
        f"muted {words(groups.mute_duration)}; muted after {groups.warning_limit} warnings",
        f"  members silent after {words(groups.silent_after)}; counsellor inactive after "
        f"{words(groups.counsellor_inactive_after)}",
        "  each group's cycle: "
        + (f"{words(groups.cycle_length)} from its formation" if groups.cycle_length else "no end"),
        f"  past the wait limit: {_placement_steps(groups)}",
        *_group_factorial(protocol),
    ]


def _group_factorial(protocol: Protocol) -> list[str]:
    factorial = protocol.group_factorial
    if factorial is None:
        return []
    combinations = 2 ** len(factorial.factors)
    return [
        f"  drawn by group at formation: {' × '.join(factorial.factors)} (on/off, {combinations} "
        f"combinations equally often per arm and track; blocks of "
        f"{', '.join(str(m) for m in factorial.block_multiples)} × each)"
    ]


def _placement_steps(groups: Groups) -> str:
    steps = {
        "running_group": f"a running group of the arm and track (up to {groups.size_slack} "
        "over the maximum)",
        "smaller_group": f"a smaller group from every age band (at least {groups.smallest})",
    }
    return ", else ".join(steps[step] for step in groups.placement_order)


def _quiet_hours(protocol: Protocol) -> str:
    quiet = protocol.quiet_hours
    if quiet.start == quiet.end:
        return "Quiet hours: none"
    return f"Quiet hours: {quiet.start:%H:%M}–{quiet.end:%H:%M} {protocol.study.timezone}"


def _budget(protocol: Protocol) -> str:
    budget = protocol.message_budget
    per_day = "1 message" if budget.per_day == 1 else f"{budget.per_day} messages"
    return (
        f"Messages nobody asked for: at most {per_day} a day per person, "
        f"{words(budget.min_gap)} apart at least; one waiting longer than "
        f"{words(budget.stale_after)} is dropped (invitations wait)"
    )


def _questionnaires(protocol: Protocol) -> list[str]:
    plan = protocol.questionnaires
    lines = []
    for occasion, ids in (("baseline", plan.baseline), ("follow-up", plan.follow_up)):
        described = [
            f"{i} ({'/'.join(plan.tracks[i])} only)" if i in plan.tracks else i for i in ids
        ]
        described = [
            f"{d} (no score)" if plan.instrument(i).kind == "context" else d
            for i, d in zip(ids, described, strict=True)
        ]
        lines.append(f"Questionnaires at {occasion}: {', '.join(described) or 'none'}")
    for omission in plan.omit:
        who = ", ".join(omission.age_bands) if omission.age_bands else "everyone"
        lines.append(f"  leaving out {', '.join(omission.items)} for {who}")
    for entry in plan.study_instruments:
        lines.append(
            f"  the study's own instrument {entry.instrument.id}: {entry.path} "
            f"(sha256 {entry.sha256[:12]}, in the registered hash)"
        )
    for instrument_id in dict.fromkeys((*plan.baseline, *plan.follow_up)):
        provenance = plan.instrument(instrument_id).provenance
        lines.append(f"  {instrument_id}: {provenance.describe()}")
    return lines


def _curriculum(protocol: Protocol) -> str:
    weeks = len(protocol.curriculum)
    if not weeks:
        return "Curriculum: none"
    tracks = sorted({w.track for w in protocol.curriculum if w.track is not None})
    per = f" ({', '.join(tracks)})" if tracks else ""
    private = [
        arm.name
        for arm in protocol.arms
        if arm.has(Component.CURRICULUM) and not arm.has(Component.PEER_GROUP)
    ]
    alone = f"; sent privately, one a week, to {', '.join(private)}" if private else ""
    return f"Curriculum: {weeks} topics{per}{alone}"


def _tracks(protocol: Protocol) -> str:
    tracks = protocol.tracks
    return (
        f"What a track logs: savers {' and '.join(tracks.savings.logs)}; jobseekers "
        f"{' and '.join(tracks.jobsearch.logs)}; the last entry can be undone for "
        f"{words(protocol.corrections.window)}"
    )


def _inbox(protocol: Protocol) -> str:
    arms = protocol.arms_with(Component.COUNSELLOR_CONTACT)
    if not arms:
        return "Counsellor inbox: no arm"
    inbox = protocol.inbox
    return (
        f"Counsellor inbox ({', '.join(arms)}): unanswered questions reminded after "
        f"{words(inbox.remind_after)}, escalated after {words(inbox.escalate_after)}; answered "
        f"ones closed after {words(inbox.close_answered_after)}; their text kept "
        f"{words(inbox.retention)} after closing; {len(inbox.canned)} canned replies"
        + _outreach(protocol)
    )


def _outreach(protocol: Protocol) -> str:
    arms = protocol.arms_with(Component.COUNSELLOR_OUTREACH)
    if not arms:
        return ""
    outreach = protocol.outreach
    return (
        f"\n  counsellor check-ins ({', '.join(arms)}): the first {words(outreach.first_after)} "
        f"after allocation, then every {words(outreach.interval)}, while the intervention runs"
    )


def _analysis(protocol: Protocol) -> list[str]:
    plan = protocol.analysis
    if plan is None:
        return ["Analysis plan: none (every analysis in the report is exploratory)"]
    contrasts = (
        "main effects of " + " and ".join(plan.factorial.factors)
        if plan.factorial
        else ("each arm vs control")
    )
    extra = [f"{a} vs {b}" for a, b in plan.secondary_contrasts]
    return (
        [
            f"Analysis plan: {plan.estimand}, alpha {plan.alpha:g}, outcomes over "
            f"{words(plan.follow_up)} from allocation",
            f"  primary: {plan.primary} ({contrasts}, {plan.multiplicity})",
            f"  secondary ({plan.secondary_multiplicity}): {', '.join(plan.secondary) or 'none'}"
            + (f"; contrasts {', '.join(extra)}" if extra else ""),
            f"  adjusted for {', '.join(plan.covariates)}"
            + (" and the baseline score (questionnaires)" if plan.baseline_covariate else ""),
            f"  degrees of freedom: {_DEGREES_OF_FREEDOM[plan.degrees_of_freedom]}",
            (
                f"  pilot ({plan.pilot_reason}): not powered for its primary contrasts"
                if plan.pilot
                else f"  sample size: {plan.participants} participants{_track_part(protocol)} for "
                f"power {plan.power:g} in every primary contrast (simulate: lotgenoot power "
                "--protocol FILE)"
            ),
        ]
        + [
            f"  pre-specified subgroup {s.name} on {plan.primary}: {s.item} "
            + " vs ".join(
                f"{level} {'/'.join(map(str, values))}" for level, values in s.levels.items()
            )
            for s in plan.subgroup_analyses
        ]
        + _estimand_lines(plan)
    )


def _estimand_lines(plan: AnalysisPlan) -> list[str]:
    events = plan.intercurrent_events or {}
    lines = []
    for role in ("primary", "sensitivity", "supplementary"):
        by: dict[str, list[str]] = {}
        for event, decided in events.items():
            strategy = getattr(decided, role)
            if strategy is not None:
                by.setdefault(strategy.replace("_", " "), []).append(event)
        for strategy, names in by.items():
            lines.append(f"  intercurrent events, {role}: {strategy} for {', '.join(names)}")
    if plan.subgroups == "none":
        lines.append("  subgroups: none pre-specified")
    if plan.interim == "descriptive_only":
        lines.append("  interim looks: descriptive only")
    return lines


def _track_part(protocol: Protocol) -> str:
    plan = protocol.analysis
    assert plan is not None
    spec = resolve_outcome(plan.primary, protocol)
    if spec is None or spec.track is None:
        return ""
    share = round(plan.participants * plan.track_share)
    return f" ({share} in the {spec.track} track, where {plan.primary} is measured)"


_DEGREES_OF_FREEDOM = {
    "groups_minus_one": "t(G − 1) for contrasts with peer groups",
    "satterthwaite": "Bell–McCaffrey (Satterthwaite), CR2",
    "imbens_kolesar": "Imbens–Kolesár, CR2",
}


def _micro(protocol: Protocol) -> list[str]:
    micro = protocol.micro_randomization
    if micro is None:
        return []
    times = ", ".join(f"{moment:%H:%M}" for moment in micro.decision_times)
    lines = [
        f"Micro-randomized in {', '.join(micro.arms)}: decision points at {times} for "
        f"{micro.days} days; proximal outcome {micro.outcome} within {words(micro.window)} "
        f"({micro.scale}); unavailable within {words(micro.min_gap)} of another nudge"
    ]
    for item in micro.components:
        weeks = ", ".join(f"{p:g}" for p in item.probability)
        lines.append(f"  {item.component}: probability by week {weeks} (the last holds after)")
    lines.append("  arm contrasts compare the arms as delivered at these probabilities")
    return lines
