"""Bookings import (all or nothing, errors by line) and the SQLite store (real file, WAL)."""
import sqlite3
import subprocess
import sys
from datetime import datetime

import pytest

from signaling.bookings import BookingImportError, parse_bookings
from signaling.protocol import Outcome, SessionState
from signaling.routing import AuditEntry, Effects, Session
from signaling.store import Store

GOOD_CSV = "code,name,slot_start,service\nBK-7Q4M-2XC9,Siti Aminah,2026-11-25T09:30,jht_claim\nBK-8R5N-3YD1,Budi,2026-11-25T10:00,\n"


def test_csv_import(tmp_path):
    f = tmp_path / "b.csv"
    f.write_text(GOOD_CSV)
    rows = parse_bookings(f)
    assert [b.code for b in rows] == ["BK-7Q4M-2XC9", "BK-8R5N-3YD1"]
    assert rows[0].slot_start == datetime(2026, 11, 25, 9, 30).timestamp()
    assert rows[1].service == "jht_claim"


def test_json_import(tmp_path):
    f = tmp_path / "b.json"
    f.write_text('[{"code": "J7K2-M9Q4-XP", "name": "A", "slot_start": "2026-11-25T08:00"}]')
    assert parse_bookings(f)[0].name == "A"


@pytest.mark.parametrize("name,text,words", [
    ("b.csv", GOOD_CSV + "BK-9S6P-4ZE2,Ani,tomorrow,\n", ["line 4", "slot_start 'tomorrow'"]),
    ("b.csv", GOOD_CSV + ",Ani,2026-11-25T11:00,\n", ["line 4", "missing code"]),
    ("b.csv", GOOD_CSV + "BK-7Q4M-2XC9,Dup,2026-11-25T11:00,\n", ["line 4", "repeats line 2"]),
    ("b.csv", GOOD_CSV + "BK-1T7Q-5AF3,X,2026-11-25T11:00,a,b\n", ["line 4", "more value"]),
    ("b.csv", "code,name\nX,Y\n", ["line 1", "slot_start"]),
    ("b.json", '{"code": 1}', ["JSON list"]),
    ("b.json", '[{"code": "AQ3Z-7K2M-9X", "name": "B", "slot_start": "2026-11-25T08:00", "age": 3}]', ["item 1", "age"]),
    ("b.json", "[", ["not valid JSON"]),
    ("b.xlsx", "", ["use .csv or .json"]),
])
def test_bad_rows_are_named_and_nothing_is_imported(tmp_path, name, text, words):
    f = tmp_path / name
    f.write_text(text)
    with pytest.raises(BookingImportError) as exc:
        parse_bookings(f)
    for w in words:
        assert w in str(exc.value)
    assert "nothing imported" in str(exc.value)


@pytest.mark.parametrize("code", ["BK-0001", "1234567", "ABC-123", "12345678901"])
def test_codes_too_easy_to_guess_are_refused_at_import(tmp_path, code):
    f = tmp_path / "b.csv"
    f.write_text(f"code,name,slot_start\n{code},Siti,2026-11-25T09:30\n")
    with pytest.raises(BookingImportError, match="too easy to guess"):
        parse_bookings(f)


def test_cli_import_is_all_or_nothing(tmp_path):
    cfg = tmp_path / "server.toml"
    cfg.write_text('database = "branch.db"\n[branch]\nid = "t"\n')
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD_CSV + "BK-9S6P-4ZE2,Ani,never,\n")
    r = subprocess.run([sys.executable, "-m", "lapak", "bookings", "import", str(bad), "--config", str(cfg)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "line 4" in r.stderr
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV)
    store = Store(tmp_path / "branch.db")
    assert store.bookings() == []
    r = subprocess.run([sys.executable, "-m", "lapak", "bookings", "import", str(good), "--config", str(cfg)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert [b.code for b in store.bookings()] == ["BK-7Q4M-2XC9", "BK-8R5N-3YD1"]


def session(sid="s1", **kw):
    base = dict(id=sid, booth_id="b1", ticket="A001", kind="walk_in", language="id", queued_at=1.0, updated_at=1.0)
    base.update(kw)
    return Session(**base)


def test_store_round_trip_and_wal(tmp_path):
    store = Store(tmp_path / "x.db")
    fx = Effects(saved={"s1": session(declined_by=frozenset({"c1"})),
                        "s2": session("s2", state=SessionState.ENDED, outcome=Outcome.COMPLETED, booking_code="BK")},
                 audit=[AuditEntry(1.0, "booth:b1", "s1", "announced", {"ticket": "A001"})],
                 counters={("2026-11-25", "A"): 7})
    store.apply(fx)
    store.close()
    again = Store(tmp_path / "x.db")
    assert [s.id for s in again.live_sessions()] == ["s1"]
    assert again.live_sessions()[0].declined_by == frozenset({"c1"})
    assert again.session("s2").outcome is Outcome.COMPLETED
    assert again.counters("2026-11-25") == {("2026-11-25", "A"): 7}
    assert again.audit("s1")[0].detail == {"ticket": "A001"}
    assert again.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_audit_log_is_append_only(tmp_path):
    store = Store(tmp_path / "x.db")
    store.append_audit([AuditEntry(1.0, "cso:c1", "s1", "decision", {"verdict": "accepted"})])
    raw = sqlite3.connect(tmp_path / "x.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("UPDATE audit SET event='x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("DELETE FROM audit")
    assert len(store.audit()) == 1


V1_SCHEMA = """
CREATE TABLE sessions (id TEXT PRIMARY KEY, booth_id TEXT NOT NULL, ticket TEXT NOT NULL, kind TEXT NOT NULL,
    language TEXT NOT NULL, queued_at REAL NOT NULL, state TEXT NOT NULL, booking_code TEXT, slot_start REAL,
    cso_id TEXT, outcome TEXT, declined_by TEXT NOT NULL DEFAULT '[]', updated_at REAL NOT NULL);
INSERT INTO sessions VALUES ('s1', 'booth-01', 'A001', 'walk_in', 'id', 1.0, 'active', NULL, NULL, 'cso-01',
    NULL, '[]', 2.0);
"""


def test_a_database_of_the_first_release_is_upgraded_in_place(tmp_path):
    db = tmp_path / "old.db"
    con = sqlite3.connect(db)
    con.executescript(V1_SCHEMA)
    con.close()
    store = Store(db)
    try:
        (s,) = store.live_sessions()
        assert (s.id, s.state, s.service, s.name, s.accepted_at) == ("s1", SessionState.ACTIVE, "jht_claim", None, None)
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == Store.SCHEMA_VERSION
        assert store.decisions("s1") == []
    finally:
        store.close()
    Store(db).close()  # opening an upgraded database again changes nothing


def test_recent_durations_skip_sessions_nobody_served(tmp_path):
    store = Store(tmp_path / "d.db")
    try:
        rows = [Session(id=f"s{i}", booth_id="b", ticket=f"A{i}", kind="walk_in", language="id", queued_at=0.0,
                        state=SessionState.ENDED, cso_id="c", outcome=outcome, accepted_at=100.0 * i,
                        updated_at=100.0 * i + length)
                for i, (outcome, length) in enumerate([(Outcome.COMPLETED, 300), (Outcome.BOOTH_OFFLINE, 9),
                                                        (Outcome.REFERRED, 500)], 1)]
        store.apply(Effects(saved={s.id: s for s in rows}))
        assert store.recent_durations(10) == [300, 500]
    finally:
        store.close()
