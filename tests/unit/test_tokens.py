"""Device secrets: strength, examples, hashing."""
import pytest

from signaling.tokens import MIN_BITS, hash_token, new_token, token_bits, token_problem


def test_fresh_tokens_are_strong_and_distinct():
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(token_problem(t) is None and token_bits(t) >= 192 for t in tokens)


@pytest.mark.parametrize("token,why", [
    ("change-me-booth-01", "example"),
    ("changeme0123456789abcdef0123456789", "example"),
    ("secret", "example"),
    ("0123456789abcdef0123456789abcde", "too weak"),  # 31 hex digits: 124 bits
    ("a" * 64, "too weak"),  # long, not random
    ("abababababababababababababababab", "too weak"),
    ("booth-01-token", "too weak"),
])
def test_examples_and_weak_tokens_are_refused(token, why):
    problem = token_problem(token)
    assert problem is not None and why in problem


def test_enough_bits_in_each_alphabet():
    assert token_problem("0123456789abcdef" * 2) is None  # 32 hex digits: 128 bits
    assert token_bits("Zq3" * 8) < MIN_BITS  # 3 distinct characters
    assert token_problem("k3Jd9-xQ_2mZp7LwR4tY8v") is None  # 22 base64url characters: 132 bits


def test_the_hash_is_sha256_and_survives_odd_input():
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert len(hash_token("\ud800")) == 64  # a lone surrogate from a hostile hello does not raise
