"""Import of the day's appointments from the online booking channel (CSV or JSON).

CSV: a header row with ``code,name,slot_start`` and optionally ``service``. JSON: a list of
objects with the same keys. ``slot_start`` is ISO 8601 (``2026-11-25T09:30``, branch-local
time unless it carries an offset). A file with any bad row imports nothing; every bad row is
reported with its line (CSV) or index (JSON).
"""
from __future__ import annotations

import csv
import io
import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import BookingImportError
from .protocol import BookingInfo

REQUIRED = ("code", "name", "slot_start")

MIN_CODE_BITS = 39.0
"""How hard a booking code must be to guess. A booth may try 5 wrong codes per 10 minutes
(``signaling.routing.Policy``): 720 a day; six booths 4,320. With 300 bookings a day and codes of
2**39 possibilities, a day of guessing finds one with a chance of about 2 in a million."""


def code_bits(code: str) -> float:
    """Possibilities of a code as the booth's keypad types it (capital letters, digits; '-' is
    decoration), in bits."""
    core = code.replace("-", "").upper()
    if not core:
        return 0.0
    return len(core) * math.log2(10 if core.isdigit() else 36)
OPTIONAL = ("service",)


def _row(where: str, data: Any, problems: list[str], seen: dict[str, str]) -> BookingInfo | None:
    if not isinstance(data, dict):
        problems.append(f"{where}: expected an object with {', '.join(REQUIRED)}")
        return None
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    missing = [k for k in REQUIRED if not str(data.get(k) or "").strip()]
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
    if missing:
        problems.append(f"{where}: missing {', '.join(missing)}")
    if unknown or missing:
        return None
    code = str(data["code"]).strip()
    if not code.replace("-", "").isalnum() or len(code) > 32:
        problems.append(f"{where}: code {code!r} must be letters, digits or '-' (at most 32)")
        return None
    if code_bits(code) < MIN_CODE_BITS:
        problems.append(f"{where}: code {code!r} is too easy to guess (about {code_bits(code):.0f} bits; at least "
                        f"{MIN_CODE_BITS:.0f}: 8 letters and digits, or 12 digits)")
        return None
    try:
        slot = datetime.fromisoformat(str(data["slot_start"]).strip())
    except ValueError:
        problems.append(f"{where}: slot_start {data['slot_start']!r} is not an ISO date-time like 2026-11-25T09:30")
        return None
    if code in seen:
        problems.append(f"{where}: code {code} repeats {seen[code]}")
        return None
    seen[code] = where
    return BookingInfo(code=code, name=str(data["name"]).strip(), slot_start=slot.timestamp(),
                       service=str(data.get("service") or "jht_claim").strip())


def parse_bookings(path: Path | str) -> list[BookingInfo]:
    """Read and check a bookings file.

    Args:
        path: a .csv or .json file.

    Raises:
        BookingImportError: listing every bad row; nothing is returned then.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BookingImportError(path, ["file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BookingImportError(path, [f"cannot read: {exc}"]) from None
    problems: list[str] = []
    seen: dict[str, str] = {}
    out: list[BookingInfo] = []
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BookingImportError(path, [f"not valid JSON: {exc}"]) from None
        if not isinstance(data, list):
            raise BookingImportError(path, ["expected a JSON list of bookings"])
        rows = ((f"item {i + 1}", item) for i, item in enumerate(data))
    elif path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [k for k in REQUIRED if k not in header]
        if missing:
            raise BookingImportError(path, [f"line 1: header lacks {', '.join(missing)} (has {', '.join(header) or 'nothing'})"])
        reader.fieldnames = header

        def csv_rows():
            for row in reader:
                extra = row.pop(None, None)
                where = f"line {reader.line_num}"
                if extra:
                    problems.append(f"{where}: {len(extra)} more value(s) than header columns")
                    continue
                yield where, {k: v for k, v in row.items() if v not in (None, "") or k in REQUIRED}

        rows = csv_rows()
    else:
        raise BookingImportError(path, [f"unknown file type {path.suffix!r}; use .csv or .json"])
    for where, data in rows:
        booking = _row(where, data, problems, seen)
        if booking is not None:
            out.append(booking)
    if problems:
        raise BookingImportError(path, problems)
    if not out:
        raise BookingImportError(path, ["no bookings in file"])
    return out
