"""Queue, assignment, bookings, hold/unhold/transfer/end and relay isolation on a real server."""
from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from signaling import protocol as p
from signaling.errors import RequestRefused
from signaling.protocol import ErrorCode, SessionState
from signaling.routing import local_day
from signaling.store import Store
from signaling.testing import running_server

from test_signaling_kit import (WAIT, Inbox, hello, offered_to, online, raw_closed, raw_connect, relay_works,
                                serve_one)

ROOT = Path(__file__).resolve().parents[2]


def _on_disk(db: Path, session_id: str) -> tuple[str, str | None]:
    """(state, cso_id) of a session read through a fresh SQLite connection."""
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT state, cso_id FROM sessions WHERE id=?", (session_id,)).fetchone()
    finally:
        con.close()
    assert row is not None, f"session {session_id} not on disk"
    return row[0], row[1]


def _audit_events(db: Path, session_id: str) -> list[str]:
    store = Store(db)
    try:
        return [a.event for a in store.audit(session_id)]
    finally:
        store.close()


def _max_load(inbox: Inbox, cso_id: str) -> int:
    """The highest number of slots the CSO held at any point, replaying its session updates."""
    slots: dict[str, bool] = {}
    peak = 0
    for m in inbox.messages:
        if m.type == "welcome":
            for s in m.sessions:
                slots[s.id] = s.state in p.SLOT_STATES
        elif m.type == "session":
            slots[m.session.id] = m.session.state in p.SLOT_STATES and m.session.cso_id == cso_id
        peak = max(peak, sum(slots.values()))
    return peak


async def _announce_all(booths, kind="walk_in", **kw) -> list[str]:
    ids = []
    for client, _ in booths:  # one after the other: queued_at order is announce order
        ack = await client.request(p.Announce(kind=kind, **kw))
        ids.append(ack.session.id)
    return ids


async def test_capacity_is_filled_and_never_exceeded_then_next_oldest_is_offered(tmp_path):
    db = tmp_path / "branch.db"
    async with running_server(db, booths=6, csos=1, capacity=4) as branch, contextlib.AsyncExitStack() as stack:
        cso, cin = await online(branch, "cso", "cso-01", stack)
        assert cso.welcome.capacity == 4
        booths = [await online(branch, "booth", f"booth-{i:02d}", stack) for i in range(1, 7)]
        ids = await _announce_all(booths)

        for sid in ids[:4]:
            await cin.wait(lambda m: m.type == "session" and m.session.id == sid and m.session.state is SessionState.OFFERED)
        queue = await cin.wait(lambda m: m.type == "queue" and [s.id for s in m.waiting] == ids[4:])
        assert [s.booth_id for s in queue.waiting] == ["booth-05", "booth-06"]
        assert [s.ticket for s in queue.waiting] == sorted(s.ticket for s in queue.waiting)
        assert all(s.state is SessionState.WAITING and s.cso_id is None for s in queue.waiting)
        # the waiting booths were told where they stand, and nobody else got offered anything
        for client, inbox in booths[4:]:
            s = (await inbox.wait(lambda m: m.type == "session")).session
            assert s.state is SessionState.WAITING
        assert {m.session.id for m in cin.of("session")} == set(ids[:4])
        assert {_on_disk(db, sid) for sid in ids[:4]} == {("offered", "cso-01")}
        assert {_on_disk(db, sid) for sid in ids[4:]} == {("waiting", None)}

        # accept two, end one of them: the oldest waiting (booth-05) takes the slot, booth-06 still waits
        await cso.request(p.Accept(session_id=ids[0]))
        await cso.request(p.Accept(session_id=ids[1]))
        mark = cin.mark()
        ack = await cso.request(p.End(session_id=ids[1], outcome=p.Outcome.COMPLETED))
        assert ack.session.state is SessionState.ENDED and ack.session.outcome is p.Outcome.COMPLETED
        await cin.wait(lambda m: m.type == "session" and m.session.id == ids[4]
                       and m.session.state is SessionState.OFFERED, start=mark)
        # the queue's changes come with the server's next tick
        await cin.wait(lambda m: m.type == "queue" and [s.id for s in m.waiting] == [ids[5]], start=mark)
        assert _on_disk(db, ids[1]) == ("ended", "cso-01")

        # ending a session that is only offered (not accepted) frees its slot too
        mark = cin.mark()
        await cso.request(p.End(session_id=ids[2], outcome=p.Outcome.PARTICIPANT_LEFT))
        await cin.wait(offered_to(cin, "cso-01"), start=mark)
        await cin.wait(lambda m: m.type == "queue" and m.waiting == [], start=mark)
        assert _load_on_disk(db, "cso-01") == 4


def _load_on_disk(db: Path, cso_id: str) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM sessions WHERE cso_id=? AND state IN ('offered','active','held')",
                           (cso_id,)).fetchone()[0]
    finally:
        con.close()


async def test_a_desk_never_sees_more_sessions_than_its_capacity_even_transiently(tmp_path):
    db = tmp_path / "branch.db"
    async with running_server(db, booths=5, csos=1, capacity=4) as branch, contextlib.AsyncExitStack() as stack:
        cso, cin = await online(branch, "cso", "cso-01", stack)
        booths = [await online(branch, "booth", f"booth-{i:02d}", stack) for i in range(1, 6)]
        ids = dict(zip(range(5), await _announce_all(booths)))
        for cycle in range(16):  # each cycle is a fresh pair of random session ids: a coin toss each
            victim = next(i for i, sid in ids.items() if _on_disk(db, sid)[0] == "offered")
            mark = cin.mark()
            await cso.request(p.End(session_id=ids[victim], outcome=p.Outcome.REFERRED))
            await cin.wait(offered_to(cin, "cso-01"), start=mark)
            ids[victim] = (await booths[victim][0].request(p.Announce(kind="walk_in"))).session.id
        await cin.wait(lambda m: m.type == "queue" and len(m.waiting) == 1)
        assert _load_on_disk(db, "cso-01") == 4
        assert _max_load(cin, "cso-01") == 4


async def test_two_csos_share_the_load_and_never_exceed_capacity(tmp_path):
    db = tmp_path / "branch.db"
    async with running_server(db, booths=10, csos=2, capacity=4) as branch, contextlib.AsyncExitStack() as stack:
        c1, in1 = await online(branch, "cso", "cso-01", stack)
        c2, in2 = await online(branch, "cso", "cso-02", stack)
        booths = [await online(branch, "booth", f"booth-{i:02d}", stack) for i in range(1, 11)]
        ids = await _announce_all(booths[:6])
        # six booths over two empty desks: three each (least loaded first)
        await in1.wait(lambda m: m.type == "queue" and not m.waiting)
        offered = {sid: _on_disk(db, sid)[1] for sid in ids}
        assert sorted(offered.values()) == ["cso-01"] * 3 + ["cso-02"] * 3
        more = await _announce_all(booths[6:])
        await in2.wait(lambda m: m.type == "queue" and [s.id for s in m.waiting] == more[2:])
        owners = [_on_disk(db, sid)[1] for sid in ids + more]
        assert owners.count("cso-01") == 4 and owners.count("cso-02") == 4 and owners.count(None) == 2
        assert _max_load(in1, "cso-01") == 4 and _max_load(in2, "cso-02") == 4

        # a CSO going offline gives back its offered (not yet accepted) sessions; capacity still holds
        await c1.request(p.Accept(session_id=next(s for s in ids + more if _on_disk(db, s)[1] == "cso-01")))
        mark = in2.mark()
        await c1.close()
        queue = await in2.wait(lambda m: m.type == "queue" and len(m.waiting) == 5, start=mark)
        assert [s.booth_id for s in queue.waiting] == sorted(s.booth_id for s in queue.waiting)
        assert _max_load(in2, "cso-02") == 4


async def test_bookings_with_open_window_go_before_walk_ins(tmp_path):
    now = time.time()
    later = now + 15 * 60  # outside the 10-minute early window: no priority yet
    if local_day(later) != local_day(now) or local_day(now - 300) != local_day(now):
        pytest.skip("too close to midnight for same-day bookings")
    db = tmp_path / "branch.db"
    store = Store(db)
    store.replace_bookings([
        p.BookingInfo(code="BK-OPEN", name="Siti", slot_start=now + 60),
        p.BookingInfo(code="BK-EARLIER", name="Budi", slot_start=now - 300),
        p.BookingInfo(code="BK-LATER", name="Ani", slot_start=later),
    ], now)
    store.close()
    async with running_server(db, booths=6, csos=1, capacity=4) as branch, contextlib.AsyncExitStack() as stack:
        cso, cin = await online(branch, "cso", "cso-01", stack)
        booths = [await online(branch, "booth", f"booth-{i:02d}", stack) for i in range(1, 7)]
        busy = await _announce_all(booths[:4])  # fills the desk
        walk_in = (await booths[4][0].request(p.Announce(kind="walk_in"))).session.id

        result = await booths[5][0].request(p.CheckBooking(code="BK-OPEN"))
        assert result.valid and result.booking.name == "Siti"
        unknown = await booths[5][0].request(p.CheckBooking(code="NOPE"))
        assert not unknown.valid and "unknown" in unknown.reason
        booked = (await booths[5][0].request(p.Announce(kind="booking", booking_code="BK-OPEN"))).session
        assert booked.kind == "booking" and booked.ticket.startswith("B") and booked.state is SessionState.WAITING

        queue = await cin.wait(lambda m: m.type == "queue" and len(m.waiting) == 2)
        assert [s.id for s in queue.waiting] == [booked.id, walk_in]  # the later booking jumps the walk-in

        # the booking is served first when a slot frees up
        mark = cin.mark()
        await cso.request(p.End(session_id=busy[0], outcome=p.Outcome.REFERRED))
        got = await cin.wait(offered_to(cin, "cso-01"), start=mark)
        assert got.session.id == booked.id
        await cin.wait(lambda m: m.type == "queue" and [s.id for s in m.waiting] == [walk_in], start=mark)

        # a second announce of the same code is refused, with a reason
        with pytest.raises(RequestRefused) as info:
            await booths[0][0].request(p.Announce(kind="booking", booking_code="BK-OPEN"))
        assert info.value.code in (ErrorCode.BOOKING_INVALID, ErrorCode.INVALID_STATE)

        # a booking whose window is not open yet ranks like a walk-in: behind an older walk-in
        await cso.request(p.End(session_id=busy[1], outcome=p.Outcome.REFERRED))  # the walk-in moves up
        older = (await booths[0][0].request(p.Announce(kind="walk_in"))).session
        later_s = (await booths[1][0].request(p.Announce(kind="booking", booking_code="BK-LATER"))).session
        assert older.state is SessionState.WAITING and later_s.state is SessionState.WAITING
        queue = await cin.wait(lambda m: m.type == "queue" and len(m.waiting) == 2 and later_s.id in
                               [s.id for s in m.waiting])
        assert [s.id for s in queue.waiting] == [older.id, later_s.id]
        # ... and an already open booking still overtakes both
        await cso.request(p.End(session_id=busy[2], outcome=p.Outcome.REFERRED))  # the older walk-in moves up
        earlier = (await booths[2][0].request(p.Announce(kind="booking", booking_code="BK-EARLIER"))).session
        assert earlier.state is SessionState.WAITING
        queue = await cin.wait(lambda m: m.type == "queue" and earlier.id in [s.id for s in m.waiting])
        assert [s.id for s in queue.waiting] == [earlier.id, later_s.id]
        assert _on_disk(db, older.id) == ("offered", "cso-01")


async def test_bookings_imported_with_the_cli_are_honoured(tmp_path):
    now = time.time()
    slot = time.strftime("%Y-%m-%dT%H:%M", time.localtime(now + 120))
    if local_day(now + 120) != local_day(now):
        pytest.skip("too close to midnight for same-day bookings")
    db = tmp_path / "branch.db"
    (tmp_path / "server.toml").write_text(f'database = "{db}"\n\n[branch]\nid = "test-branch"\n')
    (tmp_path / "bookings.csv").write_text(f"code,name,slot_start\nBK-7Q4M-2XC9,Dewi,{slot}\nBK-8R5N-3YD1,Eko,{slot}\n")
    proc = subprocess.run([sys.executable, "-m", "lapak", "bookings", "import", str(tmp_path / "bookings.csv"),
                           "--config", str(tmp_path / "server.toml")], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "imported 2 booking(s)" in proc.stdout
    async with running_server(db, booths=2, csos=1, capacity=4) as branch, contextlib.AsyncExitStack() as stack:
        booth, _ = await online(branch, "booth", "booth-01", stack)
        res = await booth.request(p.CheckBooking(code="BK-8R5N-3YD1"))
        assert res.valid and res.booking.name == "Eko"
        ack = await booth.request(p.Announce(kind="booking", booking_code="BK-7Q4M-2XC9"))
        assert ack.session.booking_code == "BK-7Q4M-2XC9" and ack.session.slot_start is not None


async def test_hold_unhold_transfer_end_are_audited_and_on_disk_when_acked(tmp_path):
    db = tmp_path / "branch.db"
    async with running_server(db, booths=2, csos=2, capacity=4) as branch, contextlib.AsyncExitStack() as stack:
        c1, in1 = await online(branch, "cso", "cso-01", stack)
        booth, bin_ = await online(branch, "booth", "booth-01", stack)
        s = await serve_one(booth, bin_, c1, in1)
        sid = s.id
        assert _on_disk(db, sid) == ("active", "cso-01")

        ack = await c1.request(p.Hold(session_id=sid))
        assert ack.session.state is SessionState.HELD and _on_disk(db, sid) == ("held", "cso-01")
        await bin_.wait(lambda m: m.type == "session" and m.session.state is SessionState.HELD)
        await relay_works(c1, bin_, sid, "while-held")  # a held session keeps its media path
        with pytest.raises(RequestRefused) as info:
            await c1.request(p.Hold(session_id=sid))
        assert info.value.code is ErrorCode.INVALID_STATE

        ack = await c1.request(p.Unhold(session_id=sid))
        assert ack.session.state is SessionState.ACTIVE and _on_disk(db, sid) == ("active", "cso-01")

        ack = await c1.request(p.Decision(id="d1", session_id=sid, document="ktp", verdict="accepted", still_sha256="ab" * 32))
        decisions = [a for a in Store(db).audit(sid) if a.event == "decision"]
        assert [(d.actor, d.detail["document"], d.detail["verdict"]) for d in decisions] == \
            [("cso:cso-01", "ktp", "accepted")]

        # transfer with no other CSO online: back to the queue, and back to the only CSO there is
        ack = await c1.request(p.Transfer(session_id=sid, reason="needs supervisor"))
        assert ack.session.state is SessionState.OFFERED and ack.session.cso_id == "cso-01"
        await c1.request(p.Accept(session_id=sid))

        # with a second CSO online, a transfer goes to the other officer
        c2, in2 = await online(branch, "cso", "cso-02", stack)
        mark1 = in1.mark()
        ack = await c1.request(p.Transfer(session_id=sid, reason="language"))
        assert ack.session.state is SessionState.OFFERED and ack.session.cso_id == "cso-02"
        assert _on_disk(db, sid) == ("offered", "cso-02")
        await in2.wait(offered_to(in2, "cso-02"))
        # the CSO who gave it away heard it left its slots
        await in1.wait(lambda m: m.type == "session" and m.session.id == sid and m.session.cso_id != "cso-01",
                       start=mark1)
        with pytest.raises(RequestRefused) as info:
            await c1.request(p.End(session_id=sid, outcome=p.Outcome.COMPLETED))
        assert info.value.code is ErrorCode.NOT_FOUND

        await c2.request(p.Accept(session_id=sid))
        await relay_works(booth, in2, sid, "new-cso")
        ack = await c2.request(p.End(session_id=sid, outcome=p.Outcome.DOCUMENTS_INCOMPLETE, note="no KK"))
        assert ack.session.state is SessionState.ENDED
        assert _on_disk(db, sid) == ("ended", "cso-02")
        ended = await bin_.wait(lambda m: m.type == "session" and m.session.state is SessionState.ENDED)
        assert ended.session.outcome is p.Outcome.DOCUMENTS_INCOMPLETE

        events = _audit_events(db, sid)
        assert events == ["announced", "offered", "accepted", "held", "unheld", "decision", "transferred",
                          "offered", "accepted", "transferred", "offered", "accepted", "ended"]
        last = Store(db).audit(sid)[-1]
        assert last.actor == "cso:cso-02" and last.detail == {"outcome": "documents_incomplete", "note": "no KK"}
        # the audit log is append-only in the database itself
        con = sqlite3.connect(db)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("DELETE FROM audit")
        con.close()


async def test_relay_only_between_the_two_ends_of_a_session(tmp_path):
    db = tmp_path / "branch.db"
    async with running_server(db, booths=3, csos=2, capacity=4) as branch, contextlib.AsyncExitStack() as stack:
        c1, in1 = await online(branch, "cso", "cso-01", stack)
        b1, bin1 = await online(branch, "booth", "booth-01", stack)
        s1 = await serve_one(b1, bin1, c1, in1)
        c2, in2 = await online(branch, "cso", "cso-02", stack)
        b2, bin2 = await online(branch, "booth", "booth-02", stack)
        s2 = await serve_one(b2, bin2, c2, in2)
        assert s1.cso_id == "cso-01" and s2.cso_id == "cso-02"
        b3, bin3 = await online(branch, "booth", "booth-03", stack)
        s3 = (await b3.request(p.Announce(kind="walk_in"))).session  # offered to someone, not accepted
        assert s3.state is SessionState.OFFERED
        tech, tin = await online(branch, "technician", "tech-01", stack)

        marks = {id(x): x.mark() for x in (in1, in2, bin1, bin2, bin3, tin)}

        got = await relay_works(b1, in1, s1.id, "b1->c1")
        assert got.sender == "booth-01" and got.session_id == s1.id
        got = await relay_works(c1, bin1, s1.id, "c1->b1")
        assert got.sender == "cso-01"
        # acknowledged signal: the ack comes back, the payload arrives intact
        ack = await b2.request(p.Signal(session_id=s2.id, payload={"sdp": "v=0\r\n", "n": [1, 2.5, None]}))
        assert ack.type == "ack"
        got = await in2.wait(lambda m: m.type == "signal" and "sdp" in m.payload)
        assert got.payload == {"sdp": "v=0\r\n", "n": [1, 2.5, None]}

        async def refused(client, sid, code):
            with pytest.raises(RequestRefused) as info:
                await client.request(p.Signal(session_id=sid, payload={"probe": "leak"}))
            assert info.value.code is code, info.value

        await refused(b1, s2.id, ErrorCode.NOT_FOUND)  # another booth's session
        await refused(c1, s2.id, ErrorCode.NOT_FOUND)  # another CSO's session
        await refused(c2, s1.id, ErrorCode.NOT_FOUND)
        await refused(b1, "no-such-session", ErrorCode.NOT_FOUND)
        await refused(b3, s3.id, ErrorCode.INVALID_STATE)  # own session, not active yet
        await refused(tech, s1.id, ErrorCode.FORBIDDEN)
        with pytest.raises(RequestRefused) as info:
            await b1.request(p.Accept(session_id=s1.id))
        assert info.value.code is ErrorCode.FORBIDDEN
        with pytest.raises(RequestRefused) as info:
            await c1.request(p.Hold(session_id=s2.id))
        assert info.value.code is ErrorCode.NOT_FOUND
        assert _on_disk(db, s2.id) == ("active", "cso-02")

        # Sentinels after the refusals: whatever leaked would have been queued before them.
        await relay_works(b2, in2, s2.id, "sentinel-c2")
        await relay_works(c2, bin2, s2.id, "sentinel-b2")
        await relay_works(b1, in1, s1.id, "sentinel-c1")
        assert not any(m.payload.get("probe") == "leak" for x in (in1, in2, bin1, bin2, bin3, tin)
                       for m in x.signals(marks[id(x)]))
        assert {m.sender for m in in2.signals(marks[id(in2)])} == {"booth-02"}
        assert {m.sender for m in bin2.signals(marks[id(bin2)])} == {"cso-02"}
        assert bin3.signals() == [] and tin.signals() == []

        # the booth's peer going offline is reported, not silently dropped
        await c1.close()
        with pytest.raises(RequestRefused) as info:
            await b1.request(p.Signal(session_id=s1.id, payload={"probe": "x"}))
        assert info.value.code is ErrorCode.PEER_OFFLINE


async def test_a_technician_hears_presence_and_alerts_never_the_queue(tmp_path):
    """Technicians see device presence and health, not tickets, booking codes or names. A raw
    technician connection, read frame by frame through a busy stretch of a branch day (a session
    served, a named booking and a walk-in waiting, an offer, a booth leaving the queue, a stolen
    token refused), gets its welcome, presence and presence changes and an alert: never a queue,
    a queue change, a session or a place, and none of the tickets, codes, names or session ids."""
    now = time.time()
    if local_day(now + 60) != local_day(now):
        pytest.skip("too close to midnight for a same-day booking")
    db = tmp_path / "branch.db"
    code, name = "BK-7Q4M-2XC9", "Siti Rahayu"
    store = Store(db)
    store.replace_bookings([p.BookingInfo(code=code, name=name, slot_start=now + 60)], now)
    store.close()
    async with running_server(db, booths=7, csos=1, capacity=4) as branch, contextlib.AsyncExitStack() as stack:
        tech = await raw_connect(branch.url)
        await tech.send(hello(branch, "technician", "tech-01"))
        heard: list[str] = []

        async def listen() -> None:
            with contextlib.suppress(ConnectionClosed):
                async for text in tech:
                    heard.append(text)

        listener = asyncio.create_task(listen())
        cso, cin = await online(branch, "cso", "cso-01", stack)
        booths = [await online(branch, "booth", f"booth-{i:02d}", stack) for i in range(1, 7)]
        served = [await serve_one(*booths[i], cso, cin) for i in range(4)]  # the desk is full
        booked = (await booths[4][0].request(p.Announce(kind="booking", booking_code=code))).session
        walk_in = (await booths[5][0].request(p.Announce(kind="walk_in"))).session
        queue = await cin.wait(lambda m: m.type == "queue" and len(m.waiting) == 2)
        assert [s.booking_code for s in queue.waiting] == [code, None]  # there was a queue to leak
        mark = cin.mark()
        await cso.request(p.End(session_id=served[0].id, outcome=p.Outcome.COMPLETED))
        offered = await cin.wait(offered_to(cin, "cso-01"), start=mark)
        assert offered.session.id == booked.id
        await booths[5][0].close()  # the walk-in's booth goes away: the queue changes again
        thief = await raw_connect(branch.url)
        await thief.send(hello(branch, "booth", "booth-02"))
        await raw_closed(thief)
        # a last device joins: its presence change comes after whatever the technician was sent before
        await online(branch, "booth", "booth-07", stack)

        async def sentinel() -> None:
            while not any('"booth-07"' in t and '"presence_change"' in t for t in heard):
                await asyncio.sleep(0.05)

        await asyncio.wait_for(sentinel(), WAIT)
        await tech.close()
        await asyncio.wait_for(listener, WAIT)
    kinds = [json.loads(t)["type"] for t in heard]
    assert kinds[0] == "welcome" and {"presence", "presence_change", "alert"} <= set(kinds)
    assert set(kinds) <= {"welcome", "presence", "presence_change", "alert"}, kinds
    secrets = [code, name, name.split()[0], booked.ticket, walk_in.ticket, booked.id, walk_in.id]
    secrets += [s.ticket for s in served] + [s.id for s in served]
    assert not [(s, t) for s in secrets for t in heard if s in t]
