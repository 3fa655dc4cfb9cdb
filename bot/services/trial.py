"""The study a running bot serves: its protocol and the secrets behind its allocation."""

from __future__ import annotations

from dataclasses import dataclass

from experiments.protocol import Protocol


@dataclass(frozen=True)
class Trial:
    """`allocation_seed` draws and keys the allocation log; `pseudonym_key` (the export's key)
    also keys the hashes by which a returning person is recognised."""

    protocol: Protocol
    allocation_seed: str
    pseudonym_key: str
