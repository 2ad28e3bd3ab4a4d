"""Per-connection rate limiting, as a pure token bucket (time is passed in)."""
from __future__ import annotations


class TokenBucket:
    """Allows ``rate`` messages per second on average and bursts of up to ``burst``.

    Args:
        rate: tokens added per second.
        burst: bucket size (the largest burst allowed).
        now: the time the bucket starts, full.
    """

    def __init__(self, rate: float, burst: int, now: float = 0.0):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.stamp = now

    def take(self, now: float) -> bool:
        """Spend one token if there is one; returns whether the message may pass."""
        if now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False
