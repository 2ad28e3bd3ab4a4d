"""Token bucket rate limiting."""
import pytest

from signaling.limits import TokenBucket


def test_burst_then_rate():
    b = TokenBucket(rate=10, burst=5, now=0)
    assert [b.take(0) for _ in range(6)] == [True] * 5 + [False]
    assert b.take(0.05) is False  # half a token
    assert b.take(0.1) is True
    assert b.take(100) and b.tokens == 4  # never more than the burst


def test_bad_arguments():
    with pytest.raises(ValueError):
        TokenBucket(rate=0, burst=1)
