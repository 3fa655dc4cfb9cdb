"""Permuted blocks within strata, drawn from a keyed deterministic generator (HMAC-SHA256).

To reproduce a stratum's sequence elsewhere (e.g. in R) from the seed's bytes K (a text seed is
its UTF-8 bytes):
  * a raw draw for block b, counter c is the first 8 bytes, read as a big-endian unsigned integer,
    of HMAC-SHA256(K, J), where J is the compact UTF-8 JSON `["lotgenoot-allocation-v1",S,b,c]`
    with S the stratum key; counters start at 0 in every block and go up by one per raw draw;
  * uniform(n) takes raw draws until one is below floor(2^64 / n) * n and returns it modulo n;
  * block b holds m = multiples[uniform(len(multiples))] times each arm's weight, listed in
    protocol order, then shuffled by Fisher-Yates: for i from len - 1 down to 1, swap item i with
    item uniform(i + 1).
Without the seed nobody can predict the next allocation; with it anyone can recompute them all.
"""

from __future__ import annotations

import hmac
import json
import secrets
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence

__all__ = ["AllocationSequence", "generate_seed"]

_LABEL = "lotgenoot-allocation-v1"
_TWO_64 = 1 << 64


def generate_seed() -> str:
    """A fresh secret seed (64 hex characters, 256 bits) for LOTGENOOT_ALLOCATION_SEED."""
    return secrets.token_hex(32)


class AllocationSequence:
    """The allocation sequence of one stratum; `arm_at(k)` is the arm of its k-th participant."""

    def __init__(
        self,
        seed: bytes | str,
        stratum: str,
        weights: Mapping[str, int],
        block_multiples: Sequence[int] = (1, 2, 3),
    ) -> None:
        self._key = seed.encode("utf-8") if isinstance(seed, str) else bytes(seed)
        if not self._key:
            raise ValueError("the allocation seed must not be empty")
        if not weights or any(weight < 1 for weight in weights.values()):
            raise ValueError("every arm needs a weight of at least 1")
        if not block_multiples or any(multiple < 1 for multiple in block_multiples):
            raise ValueError("block multiples must be at least 1")
        self.stratum = stratum
        self._weights = dict(weights)
        self._multiples = tuple(block_multiples)
        self._blocks: list[tuple[str, ...]] = []
        self._starts: list[int] = []
        self._length = 0

    @property
    def largest_block(self) -> int:
        """The size of the largest possible block."""
        return max(self._multiples) * sum(self._weights.values())

    def arm_at(self, position: int) -> str:
        """The arm at a 0-based position in this stratum."""
        if position < 0:
            raise ValueError("positions start at 0")
        while self._length <= position:
            self._grow()
        block = bisect_right(self._starts, position) - 1
        return self._blocks[block][position - self._starts[block]]

    def prefix(self, length: int) -> list[str]:
        """The first `length` allocations."""
        if length <= 0:
            return []
        self.arm_at(length - 1)
        arms = [arm for block in self._blocks for arm in block]
        return arms[:length]

    def blocks(self, count: int) -> list[tuple[str, ...]]:
        """The first `count` complete blocks."""
        while len(self._blocks) < count:
            self._grow()
        return self._blocks[:count]

    def _grow(self) -> None:
        block = _block(self._key, self.stratum, len(self._blocks), self._weights, self._multiples)
        self._blocks.append(block)
        self._starts.append(self._length)
        self._length += len(block)


def _block(
    key: bytes,
    stratum: str,
    index: int,
    weights: Mapping[str, int],
    multiples: Sequence[int],
) -> tuple[str, ...]:
    uniform = _uniform_draws(key, stratum, index)
    multiple = multiples[uniform(len(multiples))]
    arms = [name for name, weight in weights.items() for _ in range(weight * multiple)]
    for i in range(len(arms) - 1, 0, -1):
        j = uniform(i + 1)
        arms[i], arms[j] = arms[j], arms[i]
    return tuple(arms)


def _uniform_draws(key: bytes, stratum: str, block: int) -> Callable[[int], int]:
    # json.dumps([label, stratum, block, counter]) without its last "]", built once per block.
    head = json.dumps([_LABEL, stratum, block], ensure_ascii=False, separators=(",", ":"))
    prefix = (head[:-1] + ",").encode("utf-8")
    counter = 0

    def uniform(n: int) -> int:
        nonlocal counter
        limit = _TWO_64 - _TWO_64 % n  # rejecting above this keeps every residue equally likely
        while True:
            digest = hmac.digest(key, prefix + f"{counter}]".encode(), "sha256")
            counter += 1
            value = int.from_bytes(digest[:8], "big")
            if value < limit:
                return value % n

    return uniform
