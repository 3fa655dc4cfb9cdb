"""The study a running bot serves: its protocol, the secrets behind its allocation, its staff."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.services.turns import StaffDirectory
from experiments.protocol import Protocol


@dataclass(frozen=True)
class Trial:
    """`allocation_seed` draws and keys the allocation log; `pseudonym_key` (the export's key)
    also keys the hashes by which a returning person is recognised; `staff` says who holds
    which role, for turns and for scheduled scans alike; `linkage_key` (LOTGENOOT_LINKAGE_KEY,
    None when unset) keys the hash of a single-use enrollment code, for registry linkage."""

    protocol: Protocol
    allocation_seed: str
    pseudonym_key: str
    staff: StaffDirectory = field(default_factory=StaffDirectory)
    linkage_key: str | None = None
