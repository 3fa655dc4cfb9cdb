"""The study as written down: the protocol file and its sections, questionnaires, registration.

`load_protocol(path)` validates a TOML protocol into a `Protocol`; its sections (arms, tracks,
schedule, groups, templates, quiet hours, the analysis plan, micro-randomization) are the types
below. Questionnaire instruments ship in `instruments/`. Imports only `experiments.records`.
"""

from experiments.protocol.age_bands import (
    DEFAULT_AGE_BANDS,
    AgeBand,
    age_band_for,
    age_in_year,
    check_contiguous,
)
from experiments.protocol.analysis_plan import (
    AnalysisPlan,
    Factorial,
    follow_up_wave,
    plan_problems,
    resolve_outcome,
)
from experiments.protocol.consent import Consent, ConsentInformation
from experiments.protocol.document import Protocol, load_protocol, parse_protocol, validate_protocol
from experiments.protocol.durations import (
    Duration,
    NonNegativeDuration,
    PositiveDuration,
    describe_duration,
    format_duration,
    parse_duration,
)
from experiments.protocol.errors import ProtocolError
from experiments.protocol.languages import LANGUAGES, Language
from experiments.protocol.messaging import MessageBudget, ReminderVariant
from experiments.protocol.micro_section import (
    COVARIATES,
    MICRO_COMPONENTS,
    MicroComponent,
    MicroRandomization,
)
from experiments.protocol.outcomes import (
    EVENT_OUTCOMES,
    QUESTIONNAIRE_LABELS,
    OutcomeKind,
    OutcomeSpec,
    event_outcome,
)
from experiments.protocol.person_limits import PersonLimits
from experiments.protocol.questionnaire_plan import ItemOmission, Occasion, QuestionnairePlan
from experiments.protocol.questionnaires import (
    AnswerOption,
    Instrument,
    InstrumentNotFound,
    Item,
    Score,
    Scoring,
    available_instruments,
    load_instrument,
    load_instrument_file,
    next_item,
    score,
)
from experiments.protocol.quiet_hours import QuietHours, is_quiet, next_allowed_time
from experiments.protocol.registration import (
    Registration,
    changed_sections,
    protocol_sha256,
    registration_status,
)
from experiments.protocol.sections import (
    GROUP_INGREDIENTS,
    STRATIFIERS,
    TRACKS,
    Arm,
    CannedReply,
    Component,
    Corrections,
    CurriculumWeek,
    GroupFactorial,
    Groups,
    Inbox,
    Limits,
    Randomization,
    Schedule,
    Stratification,
    Stratifier,
    Study,
    Track,
    TrackRules,
    Tracks,
)
from experiments.protocol.strata import stratum_key
from experiments.protocol.summary import summarize
from experiments.protocol.templates import (
    PLACEHOLDERS,
    LocalizedText,
    Template,
    Templates,
    placeholders_in,
)

__all__ = [
    "COVARIATES",
    "DEFAULT_AGE_BANDS",
    "EVENT_OUTCOMES",
    "GROUP_INGREDIENTS",
    "LANGUAGES",
    "MICRO_COMPONENTS",
    "PLACEHOLDERS",
    "QUESTIONNAIRE_LABELS",
    "STRATIFIERS",
    "TRACKS",
    "AgeBand",
    "AnalysisPlan",
    "AnswerOption",
    "Arm",
    "CannedReply",
    "Component",
    "Consent",
    "ConsentInformation",
    "Corrections",
    "CurriculumWeek",
    "Duration",
    "Factorial",
    "GroupFactorial",
    "Groups",
    "Inbox",
    "Instrument",
    "InstrumentNotFound",
    "Item",
    "ItemOmission",
    "Language",
    "Limits",
    "LocalizedText",
    "MessageBudget",
    "MicroComponent",
    "MicroRandomization",
    "NonNegativeDuration",
    "Occasion",
    "OutcomeKind",
    "OutcomeSpec",
    "PersonLimits",
    "PositiveDuration",
    "Protocol",
    "ProtocolError",
    "QuestionnairePlan",
    "QuietHours",
    "Randomization",
    "Registration",
    "ReminderVariant",
    "Schedule",
    "Score",
    "Scoring",
    "Stratification",
    "Stratifier",
    "Study",
    "Template",
    "Templates",
    "Track",
    "TrackRules",
    "Tracks",
    "age_band_for",
    "age_in_year",
    "available_instruments",
    "changed_sections",
    "check_contiguous",
    "describe_duration",
    "event_outcome",
    "follow_up_wave",
    "format_duration",
    "is_quiet",
    "load_instrument",
    "load_instrument_file",
    "load_protocol",
    "next_allowed_time",
    "next_item",
    "parse_duration",
    "parse_protocol",
    "placeholders_in",
    "plan_problems",
    "protocol_sha256",
    "registration_status",
    "resolve_outcome",
    "score",
    "stratum_key",
    "summarize",
    "validate_protocol",
]
