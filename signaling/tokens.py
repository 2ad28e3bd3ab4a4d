"""Device secrets: how tokens are made, judged and stored (hashed), with no I/O.

A device proves who it is with a random token of at least 128 bits. The server keeps only each
token's SHA-256 (a token is random, so a fast hash is as good as a slow one, and a slow one would
make every hello a denial-of-service lever). Tokens come from two places:

* the database (``lapak token new ROLE DEVICE`` prints a fresh token once and stores its hash;
  ``lapak token revoke`` refuses the device from then on) — what a live branch uses; a running
  server picks changes up within a second and disconnects a device whose token is revoked;
* a ``token`` (or ``token_sha256``) in ``server.toml`` — for a development machine and tests.

A token in the database wins over the file's. The server refuses to start with a token that is
one of the shipped examples or shorter than 128 bits, naming the device.
"""
from __future__ import annotations

import hashlib
import math
import re
import secrets

MIN_BITS = 128
EXAMPLE = re.compile(r"change-?me|example|placeholder|^(?:test|secret|password|token)\d*$", re.IGNORECASE)


def hash_token(token: str) -> str:
    """The SHA-256 (hex) the server keeps of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    """A fresh token: 192 random bits, URL-safe (32 characters)."""
    return secrets.token_urlsafe(24)


def token_bits(token: str) -> float:
    """A generous estimate of a token's strength: its length times the bits per character of the
    smallest usual alphabet that holds all its characters (hex, base64url, printable ASCII)."""
    if not token:
        return 0.0
    if re.fullmatch(r"[0-9a-f]+", token) or re.fullmatch(r"[0-9A-F]+", token):
        per = 4.0
    elif re.fullmatch(r"[A-Za-z0-9_-]+", token):
        per = 6.0
    else:
        per = math.log2(95)
    distinct = len(set(token))
    if distinct < 8:  # "aaaaaaaa..." or "abababab...": long, not random
        per = min(per, math.log2(max(distinct, 1)) or 0.0)
    return len(token) * per


def token_problem(token: str) -> str | None:
    """Why a token must not be used (an example, too short), or None."""
    if EXAMPLE.search(token):
        return "is an example token from the documentation"
    bits = token_bits(token)
    if bits < MIN_BITS:
        return f"is too weak (about {bits:.0f} bits; at least {MIN_BITS} are needed)"
    return None
