"""The technician PIN: stored as a salted scrypt hash in the booth config, never in clear.

``lapak kiosk pin`` prints the hash of a PIN to paste into ``[technician] pin_hash``.
Format: ``scrypt$<n>$<r>$<p>$<salt, base64>$<hash, base64>``.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1
"""scrypt cost: about 30-60 ms per check on a booth PC, which makes guessing a leaked hash slow."""

PIN_HASH_PATTERN = r"^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$"


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """Hash a PIN for the booth config.

    Args:
        pin: the PIN (digits).
        salt: 16 random bytes by default.

    Raises:
        ValueError: the PIN is not 4 to 12 digits.
    """
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValueError("a technician PIN is 4 to 12 digits")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches a stored hash (constant-time compare).

    Args:
        pin: what was typed.
        stored: the ``pin_hash`` from the booth config.
    """
    try:
        _, n, r, p, salt, digest = stored.split("$")
        want = base64.b64decode(digest)
        got = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(want))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)
