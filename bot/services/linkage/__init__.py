"""Registry outcomes without identities: a keyed hash of the enrollment code, the code-hash to
pseudonym file for a trusted third party, and the import of outcomes keyed by pseudonym."""

from __future__ import annotations

from bot.services.linkage.files import (
    CODE_HASH_COLUMNS,
    LinkageFileError,
    OutcomeFile,
    OutcomeRow,
    read_outcome_file,
    write_code_hashes,
)
from bot.services.linkage.registry import (
    ImportReport,
    code_hash,
    enrollment_code_hash,
    forget,
    import_outcomes,
    linkable_people,
)

__all__ = [
    "CODE_HASH_COLUMNS",
    "ImportReport",
    "LinkageFileError",
    "OutcomeFile",
    "OutcomeRow",
    "code_hash",
    "enrollment_code_hash",
    "forget",
    "import_outcomes",
    "linkable_people",
    "read_outcome_file",
    "write_code_hashes",
]
