"""The study's consent: its text, information sheet and withdrawal wording are protocol data.

The consent a person agrees to is the study's, not the software's: a municipality names its
controller, contact and ethics approval, and the lines a review asks for are required fields,
so `study check` refuses a consent without them (Lub 2023 warns that taking part must be
voluntary and without consequences for one's benefit).
"""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel, ConfigDict, Field

from experiments.protocol.templates import Language, LocalizedText

__all__ = ["Consent", "ConsentInformation"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConsentInformation(_Section):
    """The information sheet: who is responsible, whom to ask, who approved, how long kept."""

    controller: str = Field(min_length=1)
    contact: str = Field(min_length=1)
    ethics_approval: str = Field(min_length=1)
    retention: LocalizedText


class Consent(_Section):
    """What a person reads before they agree, in both languages.

    `voluntary` is the line that says taking part is voluntary and changes nothing about one's
    benefit; `kept_after_delete` says that the keyed hash that stops a second draw stays after
    /delete; `research_record_kept` (required when the study keeps it) that the pseudonymized
    research record stays too; `withdrawal` says how to stop and delete. `linkage` is for
    studies that link registry outcomes.
    """

    intro: LocalizedText
    voluntary: LocalizedText
    kept_after_delete: LocalizedText
    withdrawal: LocalizedText
    information: ConsentInformation
    research_record_kept: LocalizedText | None = None
    linkage: LocalizedText | None = None
    question: LocalizedText = LocalizedText(nl="Doe je mee?", en="Do you want to take part?")

    def text(self, language: Language, version: str) -> str:
        """The consent message as the person sees it."""
        about = self.information
        labels = _LABELS[language]
        lines = [
            self.intro.text(language).strip(),
            f"• {self.voluntary.text(language).strip()}",
            f"• {self.withdrawal.text(language).strip()}",
            f"• {self.kept_after_delete.text(language).strip()}",
        ]
        if self.research_record_kept is not None:
            lines.append(f"• {self.research_record_kept.text(language).strip()}")
        if self.linkage is not None:
            lines.append(f"• {self.linkage.text(language).strip()}")
        lines += [
            f"• {about.retention.text(language).strip()}",
            "",
            f"{labels['controller']}: {about.controller}",
            f"{labels['contact']}: {about.contact}",
            f"{labels['ethics']}: {about.ethics_approval}",
            f"{labels['version']}: {version}",
            "",
            self.question.text(language).strip(),
        ]
        return "\n".join(lines)

    def warnings(self) -> list[str]:
        """Information-sheet fields that still hold the shipped example values."""
        about = self.information
        fields = {
            "controller": about.controller,
            "contact": about.contact,
            "ethics_approval": about.ethics_approval,
        }
        return [
            f"consent.information.{name} is still an example ({value!r}): put your study's in"
            for name, value in fields.items()
            if "example" in value.lower()
        ]

    def sha256(self) -> str:
        """A hash of the consent's words in both languages, stored beside its version label."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_LABELS: dict[Language, dict[str, str]] = {
    Language.NL: {
        "controller": "Verantwoordelijk",
        "contact": "Vragen",
        "ethics": "Goedgekeurd door",
        "version": "Versie",
    },
    Language.EN: {
        "controller": "Responsible",
        "contact": "Questions",
        "ethics": "Approved by",
        "version": "Version",
    },
}
