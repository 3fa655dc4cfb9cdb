"""The study a running bot serves: its protocol and the secret behind its allocation."""

from __future__ import annotations

from dataclasses import dataclass

from experiments.protocol import Protocol


@dataclass(frozen=True)
class Trial:
    protocol: Protocol
    allocation_seed: str
