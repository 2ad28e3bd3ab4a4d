"""The bottom of the house: backoff, the document catalogue, the technician PIN hash."""
import random

import pytest
from hypothesis import given, strategies as st

from common.backoff import Backoff
from common.documents import CATALOGUE, JHT_CLAIM_DOCUMENTS, DocumentKind, DocumentShape, info
from common.errors import LapakError
from common.config import ConfigError
from kiosk.pin import check_pin, hash_pin


def test_backoff_doubles_to_the_maximum_and_resets():
    b = Backoff(initial=0.2, maximum=1.0, jitter=0.0)
    assert [b.next() for _ in range(5)] == [0.2, 0.4, 0.8, 1.0, 1.0]
    assert b.attempts == 5
    b.reset()
    assert b.next() == 0.2 and b.attempts == 1


@given(st.integers(0, 2**32), st.floats(0.0, 0.9), st.integers(1, 30))
def test_backoff_jitter_stays_within_its_band(seed, jitter, n):
    b = Backoff(initial=0.1, maximum=5.0, jitter=jitter, rng=random.Random(seed))
    plain = Backoff(initial=0.1, maximum=5.0, jitter=0.0)
    for _ in range(n):
        d, base = b.next(), plain.next()
        assert base * (1 - jitter) - 1e-12 <= d <= base * (1 + jitter) + 1e-12


@pytest.mark.parametrize("kwargs", [dict(initial=0), dict(initial=2, maximum=1), dict(factor=0.5), dict(jitter=1.0)])
def test_backoff_refuses_nonsense(kwargs):
    with pytest.raises(ValueError):
        Backoff(**kwargs)


def test_every_kind_is_in_the_catalogue_and_the_jht_checklist_is_complete():
    assert set(CATALOGUE) == set(DocumentKind)
    assert len(JHT_CLAIM_DOCUMENTS) == 6 and DocumentKind.OTHER not in JHT_CLAIM_DOCUMENTS
    assert info("ktp").shape is DocumentShape.CARD
    assert info(DocumentKind.CLAIM_FORM).shape is DocumentShape.SHEET
    with pytest.raises(ValueError, match="unknown document kind 'passport'; known kinds: ktp, kk"):
        info("passport")


def test_pin_hash_round_trip_and_refusals():
    stored = hash_pin("4821")
    assert stored.startswith("scrypt$") and "4821" not in stored
    assert check_pin("4821", stored)
    assert not check_pin("4822", stored)
    assert not check_pin("4821", "scrypt$garbage")
    assert hash_pin("4821") != stored  # salted
    for bad in ("12", "abcd", "1234567890123"):
        with pytest.raises(ValueError, match="4 to 12 digits"):
            hash_pin(bad)


def test_config_error_is_a_lapak_error():
    assert issubclass(ConfigError, LapakError)
