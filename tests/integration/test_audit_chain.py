"""The audit log is tamper-evident: every row is chained to the one before, `lapak audit verify`
names the first row that does not fit, and an older database is chained when upgraded."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from signaling.routing import AuditEntry
from signaling.store import Store, verify_audit

ROOT = Path(__file__).resolve().parents[2]


def verify(cfg: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lapak", "audit", "verify", "--config", str(cfg)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def tamper(db: Path, sql: str, *args) -> None:
    """What someone with write access to the file could do (the triggers are in their way only
    until they drop them)."""
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER IF EXISTS audit_no_update")
    con.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    con.execute(sql, args)
    con.commit()
    con.close()


def test_verify_names_the_first_changed_or_missing_row(tmp_path):
    db = tmp_path / "branch.db"
    cfg = tmp_path / "server.toml"
    cfg.write_text(f'database = "{db}"\n[branch]\nid = "t"\n')
    store = Store(db)
    try:
        for i in range(10):
            store.append_audit([AuditEntry(1_800_000_000 + i, "cso:cso-01", f"s{i}", "decision", {"verdict": "accepted"})])
        store.append_audit([AuditEntry(1_800_000_100, "server", None, "auth_failed", {"count": 3, "why": "ü \ud800"[:2]})])
        check = verify_audit(store.db)
        assert check.broken_at is None and check.rows == 11
    finally:
        store.close()
    ok = verify(cfg)
    assert ok.returncode == 0 and "11 rows" in ok.stdout and check.last_hash in ok.stdout

    tamper(db, "UPDATE audit SET detail=? WHERE seq=4", '{"verdict": "rejected"}')
    bad = verify(cfg)
    assert bad.returncode == 1 and "row 4 (decision by cso:cso-01" in bad.stderr and "3 row(s) before" in bad.stderr

    db2 = tmp_path / "other.db"
    store = Store(db2)
    try:
        store.append_audit([AuditEntry(1_800_000_000 + i, "server", None, "e", {"i": i}) for i in range(5)])
    finally:
        store.close()
    tamper(db2, "DELETE FROM audit WHERE seq=2")
    con = sqlite3.connect(db2)
    try:
        check = verify_audit(con)
        assert check.broken_at == 3 and check.rows == 1
    finally:
        con.close()


def test_an_older_database_gets_its_rows_chained_on_upgrade(tmp_path):
    db = tmp_path / "old.db"
    con = sqlite3.connect(db)  # schema version 3: an audit table without hashes, with its triggers
    con.executescript("""
        CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, actor TEXT NOT NULL,
                            session_id TEXT, event TEXT NOT NULL, detail TEXT NOT NULL);
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        INSERT INTO audit (ts, actor, session_id, event, detail) VALUES (1.0, 'server', NULL, 'a', '{}');
        INSERT INTO audit (ts, actor, session_id, event, detail) VALUES (2.0, 'server', 's1', 'b', '{"x": 1}');
        PRAGMA user_version = 3;
    """)
    con.close()
    store = Store(db)
    try:
        store.append_audit([AuditEntry(3.0, "server", None, "c", {})])
        check = verify_audit(store.db)
        assert check.broken_at is None and check.rows == 3
        try:
            store.db.execute("UPDATE audit SET event='x' WHERE seq=1")
            raise AssertionError("the audit log took an update")
        except sqlite3.IntegrityError as exc:
            assert "append-only" in str(exc)
    finally:
        store.close()
