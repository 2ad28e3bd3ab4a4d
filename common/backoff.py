"""Exponential backoff with jitter, as a small pure object (randomness injectable).

Used by every loop that retries: the signaling client's reconnect, the serial devices'
reopen, the OpenCV camera's reopen and the booth call's re-offer.

Example:
    backoff = Backoff(initial=0.2, maximum=5.0)
    while not connected():
        await asyncio.sleep(backoff.next())
    backoff.reset()
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays that double (by ``factor``) from ``initial`` up to ``maximum``, with jitter.

    Args:
        initial: the first delay in seconds.
        maximum: the largest delay in seconds (before jitter).
        factor: how much each delay grows over the previous one.
        jitter: each delay is multiplied by a uniform factor in ``[1 - jitter, 1 + jitter]``,
            so many devices that lost the server at once do not come back in lockstep.
        rng: the random source (a seeded ``random.Random`` makes tests repeatable).
    """

    initial: float = 0.2
    maximum: float = 5.0
    factor: float = 2.0
    jitter: float = 0.5
    rng: random.Random = field(default_factory=random.Random, repr=False)
    _current: float | None = field(default=None, init=False, repr=False)
    attempts: int = field(default=0, init=False)
    """Delays handed out since the last :meth:`reset`."""

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.maximum < self.initial:
            raise ValueError(f"backoff needs 0 < initial <= maximum (got {self.initial}, {self.maximum})")
        if self.factor < 1 or not 0 <= self.jitter < 1:
            raise ValueError(f"backoff needs factor >= 1 and 0 <= jitter < 1 (got {self.factor}, {self.jitter})")

    def next(self) -> float:
        """The next delay in seconds (and advance)."""
        base = self.initial if self._current is None else min(self.maximum, self._current * self.factor)
        self._current = base
        self.attempts += 1
        if not self.jitter:
            return base
        return base * self.rng.uniform(1.0 - self.jitter, 1.0 + self.jitter)

    def reset(self) -> None:
        """Start again from ``initial`` (call after a success)."""
        self._current = None
        self.attempts = 0
