"""The branch server's SQLite store: sessions, ticket counters, bookings and the audit log.

WAL mode with ``synchronous=FULL``: a commit is on disk before the server acknowledges it, so a
server killed with SIGKILL (or a power cut) loses nothing it acknowledged. The audit table is
append-only, enforced by triggers in the database itself, and tamper-evident: each row carries
the SHA-256 of its content chained to the row before (:func:`append_audit_rows`); ``lapak audit
verify`` (:func:`verify_audit`) recomputes the chain and names the first row that does not fit.
Someone who can write the file can still rewrite the whole chain from a row on, or cut its
end: keep the last hash ``lapak audit verify`` prints elsewhere (the daily report) to catch that.
"""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .protocol import BookingInfo, Outcome, SessionState, StillMeta
from .routing import AuditEntry, DecisionRecord, Effects, Session, local_day

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    booth_id TEXT NOT NULL,
    ticket TEXT NOT NULL,
    kind TEXT NOT NULL,
    language TEXT NOT NULL,
    queued_at REAL NOT NULL,
    state TEXT NOT NULL,
    booking_code TEXT,
    slot_start REAL,
    cso_id TEXT,
    outcome TEXT,
    declined_by TEXT NOT NULL DEFAULT '[]',
    updated_at REAL NOT NULL,
    service TEXT NOT NULL DEFAULT 'jht_claim',
    name TEXT,
    accepted_at REAL
);
CREATE INDEX IF NOT EXISTS sessions_state ON sessions(state);
CREATE TABLE IF NOT EXISTS counters (
    day TEXT NOT NULL,
    prefix TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (day, prefix)
);
CREATE TABLE IF NOT EXISTS bookings (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    slot_start REAL NOT NULL,
    service TEXT NOT NULL,
    imported_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    actor TEXT NOT NULL,
    session_id TEXT,
    event TEXT NOT NULL,
    detail TEXT NOT NULL,
    hash TEXT
);
CREATE INDEX IF NOT EXISTS audit_session ON audit(session_id);
CREATE TABLE IF NOT EXISTS decisions (
    cso_id TEXT NOT NULL,
    ref TEXT NOT NULL,
    session_id TEXT NOT NULL,
    ts REAL NOT NULL,
    document TEXT NOT NULL,
    verdict TEXT NOT NULL,
    reason TEXT,
    note TEXT,
    still_sha256 TEXT,
    PRIMARY KEY (cso_id, session_id, ref)
);
CREATE INDEX IF NOT EXISTS decisions_session ON decisions(session_id);
CREATE TABLE IF NOT EXISTS stills (
    session_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    request_id TEXT NOT NULL,
    document TEXT NOT NULL,
    booth_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    mime TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    corners TEXT,
    path TEXT NOT NULL,
    stored_at REAL NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    decided_at REAL,
    PRIMARY KEY (session_id, sha256)
);
CREATE TABLE IF NOT EXISTS device_tokens (
    role TEXT NOT NULL,
    device_id TEXT NOT NULL,
    sha256 TEXT,
    issued_at REAL NOT NULL,
    revoked_at REAL,
    PRIMARY KEY (role, device_id)
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


class Store:
    """One SQLite file holding everything the branch must not lose.

    Args:
        path: the database file (created with its folder if missing).
    """

    def __init__(self, path: str | Path, still_paths=None):
        self.path = Path(path)
        self._still_path = still_paths
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.commits = 0
        """Transactions :meth:`apply_many` committed (each one fsync of the write-ahead log)."""
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self._migrate()
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    SCHEMA_VERSION = 4
    """1: the first release; 2: sessions gain service, name and accepted_at; decisions table;
    3: stills table (added by the schema itself); 4: the audit rows are hash-chained."""

    def _migrate(self) -> None:
        """Bring a database written by an older lapak up to :attr:`SCHEMA_VERSION`, in place."""
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        has_sessions = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='sessions'").fetchone() is not None
        if has_sessions and version < 2:
            columns = {r[1] for r in self.db.execute("PRAGMA table_info(sessions)")}
            with self._tx():
                for name, decl in (("service", "TEXT NOT NULL DEFAULT 'jht_claim'"), ("name", "TEXT"),
                                   ("accepted_at", "REAL")):
                    if name not in columns:
                        self.db.execute(f"ALTER TABLE sessions ADD COLUMN {name} {decl}")
            logger.info("%s: schema upgraded from version %d to %d", self.path, version, self.SCHEMA_VERSION)
        has_audit = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='audit'").fetchone() is not None
        if has_audit and version < 4:
            columns = {r[1] for r in self.db.execute("PRAGMA table_info(audit)")}
            with self._tx():  # chain the rows written before there was a chain, in their order
                if "hash" not in columns:
                    self.db.execute("ALTER TABLE audit ADD COLUMN hash TEXT")
                self.db.execute("DROP TRIGGER IF EXISTS audit_no_update")
                prev = AUDIT_GENESIS
                for seq, ts, actor, sid, event, detail in self.db.execute(
                        "SELECT seq, ts, actor, session_id, event, detail FROM audit ORDER BY seq").fetchall():
                    prev = audit_row_hash(prev, ts, actor, sid, event, detail)
                    self.db.execute("UPDATE audit SET hash=? WHERE seq=?", (prev, seq))
            logger.info("%s: audit log chained (schema version 4)", self.path)
        self.db.execute(f"PRAGMA user_version={self.SCHEMA_VERSION}")

    # ------------------------------------------------------------------ effects

    def apply(self, fx: Effects) -> None:
        """Write what an input changed, in one transaction."""
        self.apply_many([fx])

    def apply_many(self, batch: Iterable[Effects]) -> None:
        """Write what several inputs changed, in their order, in one transaction (one fsync)."""
        batch = [fx for fx in batch if fx.durable]
        if not batch:
            return
        with self._tx():
            for fx in batch:
                self._write(fx)
        self.commits += 1

    def _write(self, fx: Effects) -> None:
        self.db.executemany(
            f"INSERT OR REPLACE INTO sessions ({_SESSION_COLUMNS}) VALUES ({','.join('?' * 16)})",
            [_session_row(s) for s in fx.saved.values()],
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO decisions (cso_id, ref, session_id, ts, document, verdict, reason, note,"
            " still_sha256) VALUES (?,?,?,?,?,?,?,?,?)",
            [(d.cso_id, d.ref, d.session_id, d.ts, d.document, d.verdict, d.reason, d.note, d.still_sha256)
             for d in fx.decisions],
        )
        self.db.executemany(
            "UPDATE stills SET state=?, decided_at=? WHERE session_id=? AND sha256=? AND state != 'discarded'",
            [("verified" if d.verdict == "accepted" else "rejected", d.ts, d.session_id, d.still_sha256)
             for d in fx.decisions if d.still_sha256],
        )
        now = max([a.ts for a in fx.audit] or [0.0])
        self.db.executemany(
            "INSERT INTO stills (session_id, sha256, request_id, document, booth_id, size, mime, width,"
            " height, corners, path, stored_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (session_id, sha256) DO UPDATE SET request_id=excluded.request_id,"
            " document=excluded.document, stored_at=excluded.stored_at, state='pending', decided_at=NULL",
            [(m.session_id, m.sha256, m.request_id, m.document.value, booth, m.size, m.mime, m.width, m.height,
              json.dumps(m.corners) if m.corners else None, str(self._still_path(m) if self._still_path else ""),
              now) for m, booth in fx.stills],
        )
        self.db.executemany(
            "UPDATE stills SET state='discarded' WHERE session_id=? AND state IN ('pending', 'rejected')",
            [(sid,) for sid in fx.discard_stills],
        )
        self.db.executemany(
            "INSERT INTO counters VALUES (?,?,?) ON CONFLICT(day, prefix) DO UPDATE SET value=excluded.value",
            [(day, prefix, value) for (day, prefix), value in fx.counters.items()],
        )
        self._append(fx.audit)

    def append_audit(self, entries: Iterable[AuditEntry]) -> None:
        """Append audit entries on their own."""
        with self._tx():
            self._append(entries)

    def _append(self, entries: Iterable[AuditEntry]) -> None:
        append_audit_rows(self.db, [(a.ts, a.actor, a.session_id, a.event, json.dumps(a.detail, sort_keys=True))
                                    for a in entries])

    def _tx(self):
        return _Transaction(self.db)

    # ------------------------------------------------------------------ restore

    def live_sessions(self) -> list[Session]:
        """Sessions not yet ended."""
        rows = self.db.execute(f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE state != ?",
                               (SessionState.ENDED.value,))
        return [_session_from_row(r) for r in rows]

    def session(self, session_id: str) -> Session | None:
        """One session by id (ended ones too)."""
        row = self.db.execute(f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id=?", (session_id,)).fetchone()
        return _session_from_row(row) if row else None

    def pending_stills(self) -> list[StillMeta]:
        """Stills of live sessions nobody has decided on yet."""
        rows = self.db.execute(
            "SELECT st.session_id, st.request_id, st.document, st.sha256, st.size, st.mime, st.width, st.height,"
            " st.corners FROM stills st JOIN sessions se ON se.id = st.session_id"
            " WHERE st.state='pending' AND se.state != ? ORDER BY st.stored_at", (SessionState.ENDED.value,))
        return [StillMeta(session_id=r[0], request_id=r[1], document=r[2], sha256=r[3], size=r[4], mime=r[5],
                          width=r[6], height=r[7], corners=json.loads(r[8]) if r[8] else None) for r in rows]

    def still_path(self, session_id: str, sha256: str) -> str | None:
        """Where a kept (not discarded) still's file is, or None."""
        row = self.db.execute("SELECT path FROM stills WHERE session_id=? AND sha256=? AND state != 'discarded'",
                              (session_id, sha256)).fetchone()
        return row[0] if row else None

    def stills(self, session_id: str) -> list[dict]:
        """Every still of a session with its state (pending, verified, rejected, discarded)."""
        cols = ("sha256", "request_id", "document", "booth_id", "size", "mime", "width", "height", "path",
                "stored_at", "state", "decided_at")
        rows = self.db.execute(f"SELECT {', '.join(cols)} FROM stills WHERE session_id=? ORDER BY stored_at",
                               (session_id,))
        return [dict(zip(cols, r)) for r in rows]

    def discarded_paths(self, session_ids: Iterable[str]) -> list[str]:
        """Files of the discarded stills of some sessions (to delete after the commit)."""
        out: list[str] = []
        for sid in session_ids:
            out += [r[0] for r in self.db.execute(
                "SELECT path FROM stills WHERE session_id=? AND state='discarded'", (sid,))]
        return out

    def recent_durations(self, limit: int) -> list[float]:
        """Lengths (accepted -> ended) of the last ``limit`` sessions an officer served, oldest first.

        Args:
            limit: how many.
        """
        rows = self.db.execute(
            "SELECT updated_at - accepted_at FROM sessions WHERE state=? AND accepted_at IS NOT NULL "
            "AND outcome NOT IN (?, ?) ORDER BY updated_at DESC LIMIT ?",
            (SessionState.ENDED.value, Outcome.BOOTH_OFFLINE.value, Outcome.PARTICIPANT_LEFT.value, limit))
        return [max(0.0, d) for (d,) in rows][::-1]

    def decided(self, since: float) -> set[tuple[str, str, str]]:
        """(cso_id, session_id, ref) of the decisions recorded since a time.

        Args:
            since: seconds since the epoch.
        """
        rows = self.db.execute("SELECT cso_id, session_id, ref FROM decisions WHERE ts >= ?", (since,))
        return {tuple(r) for r in rows}

    def decisions(self, session_id: str) -> list[DecisionRecord]:
        """Every decision on one session, oldest first.

        Args:
            session_id: the session.
        """
        rows = self.db.execute(
            "SELECT ts, cso_id, ref, session_id, document, verdict, reason, note, still_sha256 FROM decisions "
            "WHERE session_id=? ORDER BY ts, rowid", (session_id,))
        return [DecisionRecord(*r) for r in rows]

    def counters(self, day: str) -> dict[tuple[str, str], int]:
        """Ticket counters of one day."""
        return {(d, p): v for d, p, v in self.db.execute("SELECT day, prefix, value FROM counters WHERE day=?", (day,))}

    def served_bookings(self, day: str) -> set[str]:
        """Booking codes whose session completed on that day."""
        rows = self.db.execute(
            "SELECT booking_code, updated_at FROM sessions WHERE booking_code IS NOT NULL AND outcome=?",
            (Outcome.COMPLETED.value,),
        )
        return {code for code, ts in rows if local_day(ts) == day}

    def audit(self, session_id: str | None = None) -> list[AuditEntry]:
        """The audit log (of one session, or all), oldest first."""
        q = "SELECT ts, actor, session_id, event, detail FROM audit"
        args: tuple = ()
        if session_id is not None:
            q += " WHERE session_id=?"
            args = (session_id,)
        return [AuditEntry(ts, actor, sid, event, json.loads(detail))
                for ts, actor, sid, event, detail in self.db.execute(q + " ORDER BY seq", args)]

    # ------------------------------------------------------------------ device tokens

    def issue_token(self, role: str, device_id: str, sha256: str, now: float) -> None:
        """Keep the hash of a device's new token (the old one stops working); audited."""
        with self._tx():
            self.db.execute("INSERT INTO device_tokens (role, device_id, sha256, issued_at, revoked_at) "
                            "VALUES (?,?,?,?,NULL) ON CONFLICT (role, device_id) DO UPDATE SET "
                            "sha256=excluded.sha256, issued_at=excluded.issued_at, revoked_at=NULL",
                            (role, device_id, sha256, now))
            self._append([AuditEntry(now, "admin", None, "token_issued", {"device": f"{role}:{device_id}"})])

    def revoke_token(self, role: str, device_id: str, now: float) -> None:
        """Refuse a device from now on (until a new token is issued); audited."""
        with self._tx():
            self.db.execute("INSERT INTO device_tokens (role, device_id, sha256, issued_at, revoked_at) "
                            "VALUES (?,?,NULL,?,?) ON CONFLICT (role, device_id) DO UPDATE SET "
                            "sha256=NULL, revoked_at=excluded.revoked_at", (role, device_id, now, now))
            self._append([AuditEntry(now, "admin", None, "token_revoked", {"device": f"{role}:{device_id}"})])

    def device_tokens(self) -> dict[tuple[str, str], tuple[str | None, float, float | None]]:
        """(sha256 or None when revoked, issued_at, revoked_at) per (role, device_id)."""
        return {(r, d): (h, i, v) for r, d, h, i, v in
                self.db.execute("SELECT role, device_id, sha256, issued_at, revoked_at FROM device_tokens")}

    def data_version(self) -> int:
        """Changes when another connection (``lapak token``) commits to the database."""
        return self.db.execute("PRAGMA data_version").fetchone()[0]

    # ------------------------------------------------------------------ bookings

    def replace_bookings(self, bookings: list[BookingInfo], now: float) -> None:
        """Insert (or update) a set of bookings in one transaction."""
        with self._tx():
            self.db.executemany(
                "INSERT OR REPLACE INTO bookings VALUES (?,?,?,?,?)",
                [(b.code, b.name, b.slot_start, b.service, now) for b in bookings],
            )

    def booking(self, code: str) -> BookingInfo | None:
        """The imported booking with that code, if any."""
        row = self.db.execute("SELECT code, name, slot_start, service FROM bookings WHERE code=?", (code,)).fetchone()
        return BookingInfo(code=row[0], name=row[1], slot_start=row[2], service=row[3]) if row else None

    def bookings(self) -> list[BookingInfo]:
        """All imported bookings by slot time."""
        rows = self.db.execute("SELECT code, name, slot_start, service FROM bookings ORDER BY slot_start, code")
        return [BookingInfo(code=c, name=n, slot_start=s, service=v) for c, n, s, v in rows]


AUDIT_GENESIS = "0" * 64
"""The hash the first audit row is chained to."""


def audit_row_hash(prev: str, ts: float, actor: str, session_id: str | None, event: str, detail: str) -> str:
    """The chained SHA-256 of one audit row: the previous row's hash and this row's content."""
    text = json.dumps([prev, float(ts), actor, session_id, event, detail], separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def append_audit_rows(db: sqlite3.Connection, rows: list[tuple[float, str, str | None, str, str]]) -> None:
    """Append (ts, actor, session_id, event, detail JSON) rows, each chained to the one before.
    Call inside a write transaction (the last hash must not change under us)."""
    if not rows:
        return
    last = db.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    prev = last[0] if last and last[0] else AUDIT_GENESIS
    out = []
    for row in rows:
        prev = audit_row_hash(prev, *row)
        out.append((*row, prev))
    db.executemany("INSERT INTO audit (ts, actor, session_id, event, detail, hash) VALUES (?,?,?,?,?,?)", out)


@dataclass(frozen=True)
class AuditCheck:
    """What :func:`verify_audit` found."""

    rows: int
    last_hash: str
    broken_at: int | None = None
    """The seq of the first row that does not fit the chain, or None."""
    problem: str = ""


def verify_audit(db: sqlite3.Connection) -> AuditCheck:
    """Recompute the audit chain from the first row; stop at the first row that does not fit
    (changed, inserted, or the row before it deleted)."""
    prev, n = AUDIT_GENESIS, 0
    for seq, ts, actor, sid, event, detail, stored in db.execute(
            "SELECT seq, ts, actor, session_id, event, detail, hash FROM audit ORDER BY seq"):
        expected = audit_row_hash(prev, ts, actor, sid, event, detail)
        if stored != expected:
            what = ("has no hash" if not stored else
                    "does not fit the chain: it was changed, or a row before it was changed or deleted")
            return AuditCheck(n, prev, seq, f"row {seq} ({event} by {actor}, "
                                            f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(ts))}) {what}")
        prev, n = stored, n + 1
    return AuditCheck(n, prev)


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        # SQLite may already have rolled back on its own (a full disk: SQLITE_FULL), and a COMMIT
        # that fails leaves the transaction open: either way the connection must end outside one,
        # or every later BEGIN fails too.
        if exc_type is None:
            try:
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
        elif self.db.in_transaction:
            self.db.execute("ROLLBACK")
        return False


_SESSION_COLUMNS = ("id, booth_id, ticket, kind, language, queued_at, state, booking_code, slot_start, cso_id, "
                    "outcome, declined_by, updated_at, service, name, accepted_at")


def _session_row(s: Session) -> tuple:
    return (s.id, s.booth_id, s.ticket, s.kind, s.language, s.queued_at, s.state.value, s.booking_code,
            s.slot_start, s.cso_id, s.outcome.value if s.outcome else None, json.dumps(sorted(s.declined_by)),
            s.updated_at, s.service, s.name, s.accepted_at)


def _session_from_row(r: tuple) -> Session:
    return Session(
        id=r[0], booth_id=r[1], ticket=r[2], kind=r[3], language=r[4], queued_at=r[5],
        state=SessionState(r[6]), booking_code=r[7], slot_start=r[8], cso_id=r[9],
        outcome=Outcome(r[10]) if r[10] else None, declined_by=frozenset(json.loads(r[11])), updated_at=r[12],
        service=r[13], name=r[14], accepted_at=r[15],
    )
