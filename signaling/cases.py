"""The claim case files on the branch server: what the back office lists and exports, and how
long the stills are kept.

A case is one session: who came (ticket, booking, name, service), who served them, the outcome,
every decision the officer took (with the SHA-256 of the still it was taken on) and the stills
themselves, kept owner-only by :class:`signaling.stills.StillFiles`.

* :func:`list_cases` reads the database (read-only: the server may be running).
* :func:`export_case` writes one case to a folder: the kept stills, each checked against its
  SHA-256 as it is copied, and ``manifest.json`` naming everything, written last and atomically:
  a folder without a manifest is an export that did not finish.
* :func:`expire_stills` removes the still files of sessions ended more than
  ``[retention] stills_days`` ago (the rows stay, marked ``expired``: the decisions and the audit
  log keep their SHA-256).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from signaling.errors import SignalingError
from signaling.store import append_audit_rows

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


class CaseError(SignalingError):
    """A case cannot be listed or exported (the message names the session, file or folder)."""


def open_readonly(database: Path) -> sqlite3.Connection:
    """The branch database, read-only (safe next to a running server).

    Raises:
        CaseError: the file is missing or not a lapak database.
    """
    if not Path(database).is_file():
        raise CaseError(f"no database at {database}")
    try:
        db = sqlite3.connect(f"file:{Path(database).resolve()}?mode=ro", uri=True)
        db.execute("PRAGMA busy_timeout=5000")
        db.execute("SELECT 1 FROM sessions LIMIT 1")
        return db
    except sqlite3.Error as exc:
        raise CaseError(f"{database} is not a lapak branch database: {exc}") from exc


@dataclass(frozen=True)
class CaseSummary:
    """One line of ``lapak cases list``."""

    session_id: str
    ticket: str
    booth_id: str
    cso_id: str | None
    service: str
    state: str
    outcome: str | None
    queued_at: float
    updated_at: float
    stills_kept: int
    decisions: int


def list_cases(db: sqlite3.Connection, *, since: float | None = None, limit: int = 200) -> list[CaseSummary]:
    """Sessions newest first, with how many stills are kept and decisions taken.

    Args:
        db: the database (see :func:`open_readonly`).
        since: only sessions queued at or after this time (seconds since the epoch).
        limit: at most this many.
    """
    rows = db.execute(
        "SELECT s.id, s.ticket, s.booth_id, s.cso_id, s.service, s.state, s.outcome, s.queued_at, s.updated_at,"
        " (SELECT COUNT(*) FROM stills t WHERE t.session_id = s.id AND t.state IN ('verified', 'rejected', 'pending')),"
        " (SELECT COUNT(*) FROM decisions d WHERE d.session_id = s.id)"
        " FROM sessions s WHERE s.queued_at >= ? ORDER BY s.queued_at DESC LIMIT ?",
        (since if since is not None else 0.0, limit))
    return [CaseSummary(*r) for r in rows]


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc).astimezone().isoformat(timespec="seconds")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def export_case(db: sqlite3.Connection, session_id: str, out_dir: Path) -> Path:
    """Write one session's case to ``out_dir/<session_id>``: its kept stills and a manifest.

    Args:
        db: the database (see :func:`open_readonly`).
        session_id: the session.
        out_dir: the folder to export into (created if missing).

    Returns:
        The case folder.

    Raises:
        CaseError: no such session; the case folder exists already; a still file is missing or
            does not match its SHA-256 (nothing is left behind in that case).
    """
    cols = ("id", "booth_id", "ticket", "kind", "language", "queued_at", "state", "booking_code", "slot_start",
            "cso_id", "outcome", "updated_at", "service", "name", "accepted_at")
    row = db.execute(f"SELECT {', '.join(cols)} FROM sessions WHERE id=?", (session_id,)).fetchone()
    if row is None:
        raise CaseError(f"no session {session_id!r} in the database")
    session = dict(zip(cols, row))
    target = Path(out_dir) / session_id
    if target.exists():
        raise CaseError(f"{target} exists already: export into an empty place")
    work = Path(out_dir) / f".{session_id}.partial"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, mode=0o700)
    try:
        stills = []
        for sha, rid, doc, size, mime, width, height, path, stored_at, state, decided_at in db.execute(
                "SELECT sha256, request_id, document, size, mime, width, height, path, stored_at, state, decided_at"
                " FROM stills WHERE session_id=? ORDER BY stored_at", (session_id,)):
            entry = {"sha256": sha, "request_id": rid, "document": doc, "size": size, "mime": mime,
                     "width": width, "height": height, "stored_at": _iso(stored_at), "state": state,
                     "decided_at": _iso(decided_at), "file": None}
            if state in ("verified", "rejected", "pending"):
                src = Path(path)
                if not path or not src.is_file():
                    raise CaseError(f"still {sha[:12]} ({doc}) of session {session_id}: its file {path!r} is missing")
                name = f"{doc}-{sha[:12]}{src.suffix or '.png'}"
                dst = work / name
                shutil.copyfile(src, dst)
                os.chmod(dst, 0o600)
                if _sha256(dst) != sha:
                    raise CaseError(f"still {sha[:12]} ({doc}) of session {session_id}: {src} does not match its "
                                    f"SHA-256 (changed or damaged on disk)")
                entry["file"] = name
            stills.append(entry)
        decisions = [dict(zip(("ts", "cso_id", "ref", "document", "verdict", "reason", "note", "still_sha256"), r))
                     for r in db.execute("SELECT ts, cso_id, ref, document, verdict, reason, note, still_sha256"
                                         " FROM decisions WHERE session_id=? ORDER BY ts, rowid", (session_id,))]
        for d in decisions:
            d["time"] = _iso(d.pop("ts"))
        audit = [{"seq": seq, "time": _iso(ts), "actor": actor, "event": event, "detail": json.loads(detail)}
                 for seq, ts, actor, event, detail in db.execute(
                     "SELECT seq, ts, actor, event, detail FROM audit WHERE session_id=? ORDER BY seq", (session_id,))]
        for key in ("queued_at", "slot_start", "updated_at", "accepted_at"):
            session[key] = _iso(session[key])
        manifest = {"manifest_version": MANIFEST_VERSION, "exported_at": _iso(time.time()), "session": session,
                    "decisions": decisions, "stills": stills, "audit": audit}
        tmp = work / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        tmp.replace(work / MANIFEST)
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target


def expire_stills(db: sqlite3.Connection, days: float, now: float) -> list[str]:
    """Mark the stills of sessions ended more than ``days`` ago expired; returns their files
    (to delete after the commit). ``days`` 0 keeps everything.

    Args:
        db: the server's (writable) database connection.
        days: the retention.
        now: seconds since the epoch.
    """
    if days <= 0:
        return []
    cutoff = now - days * 86400
    rows = db.execute(
        "SELECT t.session_id, t.sha256, t.path FROM stills t JOIN sessions s ON s.id = t.session_id"
        " WHERE s.state = 'ended' AND s.updated_at < ? AND t.state IN ('verified', 'rejected', 'pending')",
        (cutoff,)).fetchall()
    if rows:
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany("UPDATE stills SET state='expired', path='' WHERE session_id=? AND sha256=?",
                           [(sid, sha) for sid, sha, _ in rows])
            per_session: dict[str, list[str]] = {}
            for sid, sha, _ in rows:
                per_session.setdefault(sid, []).append(sha)
            append_audit_rows(db, [(now, "server", sid, "stills_expired",
                                    json.dumps({"retention_days": days, "sha256": shas}, sort_keys=True))
                                   for sid, shas in per_session.items()])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return [path for _, _, path in rows if path]
