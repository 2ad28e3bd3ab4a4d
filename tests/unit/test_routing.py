"""The branch rules (signaling.routing.Branch), pure: no sockets, no disk, no clock."""
from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaling import protocol as p
from signaling.protocol import CloseCode, ErrorCode, Outcome, SessionState
from signaling.routing import Branch, Directory, Policy, Session, local_day
from signaling.tokens import hash_token

T0 = datetime(2026, 11, 25, 9, 0).timestamp()


def directory(booths=6, csos=2, capacity=6):
    tokens = {("booth", f"b{i}"): f"tok-b{i}" for i in range(1, booths + 1)}
    tokens.update({("cso", f"c{i}"): f"tok-c{i}" for i in range(1, csos + 1)})
    tokens[("technician", "t1")] = "tok-t1"
    return Directory({k: hash_token(v) for k, v in tokens.items()}, capacities={f"c{i}": capacity
                                                                              for i in range(1, csos + 1)})


class World:
    """Drives a Branch and remembers what each connection was sent."""

    def __init__(self, branch: Branch):
        self.b = branch
        self.now = T0
        self.inbox: dict[str, list] = {}
        self.closed: dict[str, int] = {}
        self.saved: list[Session] = []
        self.audit: list = []
        self.ids = itertools.count(1)
        self.queues: dict[str, list[p.SessionInfo]] = {}
        self.presences: dict[str, list[p.PresenceEntry]] = {}

    def _take(self, fx):
        for s in fx.sends:
            self.inbox.setdefault(s.conn, []).append(s.message)
            m = s.message  # fold the views as SignalingClient does
            if isinstance(m, p.QueueUpdate):
                self.queues[s.conn] = list(m.waiting)
            elif isinstance(m, p.QueueChange):
                self.queues[s.conn] = p.apply_queue_change(self.queues[s.conn], m)
            elif isinstance(m, p.Presence):
                self.presences[s.conn] = list(m.online)
            elif isinstance(m, p.PresenceChange):
                self.presences[s.conn] = p.apply_presence_change(self.presences[s.conn], m)
        for c in fx.closes:
            self.closed[c.conn] = c.code
        self.saved.extend(fx.saved.values())
        self.audit.extend(fx.audit)
        return fx

    def connect(self, role, dev, token=None, version=p.PROTOCOL_VERSION):
        conn = f"{role}:{dev}#{next(self.ids)}"
        self._take(self.b.hello(conn, p.Hello(role=role, device_id=dev, token=token or f"tok-{dev}",
                                                version=version), self.now))
        return conn

    def send(self, conn, msg, booking=None):
        return self._take(self.b.handle(conn, msg, self.now, booking))

    def drop(self, conn):
        return self._take(self.b.disconnect(conn, self.now))

    def tick(self, dt):
        self.now += dt
        return self._take(self.b.tick(self.now))

    def queue_view(self, conn) -> list[str]:
        """Session ids of the queue as ``conn`` was told it (snapshot, then changes)."""
        return [s.id for s in self.queues.get(conn, [])]

    def presence_view(self, conn) -> set[tuple[str, str]]:
        """(role, device id) of everyone ``conn`` was told is online."""
        return {(e.role, e.device_id) for e in self.presences.get(conn, [])}

    def last(self, conn, kind):
        return next(m for m in reversed(self.inbox.get(conn, [])) if isinstance(m, kind))

    def errors(self, conn):
        return [m for m in self.inbox.get(conn, []) if isinstance(m, p.Error)]

    def announce(self, conn, **kw):
        kw.setdefault("kind", "walk_in")
        self.send(conn, p.Announce(id="a", **kw))
        return self.last(conn, p.Ack).session

    def state(self, sid):
        s = self.b.sessions.get(sid)
        return s.state if s else SessionState.ENDED


@pytest.fixture
def w():
    return World(Branch(directory(), Policy(resume_grace=60), now=T0,
                        new_id=(lambda c=itertools.count(1): f"s{next(c)}")))


# ---------------------------------------------------------------- auth


def test_good_hello_is_welcomed_with_capacity(w):
    c = w.connect("cso", "c1")
    welcome = w.inbox[c][0]
    assert isinstance(welcome, p.Welcome) and welcome.capacity == 6 and welcome.sessions == []
    assert c not in w.closed


@pytest.mark.parametrize("role,dev,token,version,code,close", [
    ("booth", "b1", "wrong-token", p.PROTOCOL_VERSION, ErrorCode.AUTH_FAILED, CloseCode.AUTH_FAILED),
    ("booth", "b99", "tok-b99", p.PROTOCOL_VERSION, ErrorCode.UNKNOWN_DEVICE, CloseCode.AUTH_FAILED),
    ("cso", "b1", "tok-b1", p.PROTOCOL_VERSION, ErrorCode.UNKNOWN_DEVICE, CloseCode.AUTH_FAILED),
    ("booth", "b1", "tok-b1", 99, ErrorCode.VERSION_MISMATCH, CloseCode.VERSION_MISMATCH),
])
def test_refused_hello_gets_error_then_close(w, role, dev, token, version, code, close):
    c = w.connect(role, dev, token=token, version=version)
    (err,) = w.errors(c)
    assert err.code is code and dev in err.message or str(version) in err.message
    assert w.closed[c] == close
    assert c not in w.b.peers
    if code is not ErrorCode.VERSION_MISMATCH:
        assert w.audit[-1].event == "auth_failed"


def test_message_before_hello_is_refused(w):
    fx = w.b.handle("nobody", p.Announce(kind="walk_in"), w.now)
    assert fx.closes[0].code == CloseCode.NOT_AUTHENTICATED
    assert fx.sends[0].message.code is ErrorCode.NOT_AUTHENTICATED


def test_second_hello_on_same_connection_is_an_error(w):
    c = w.connect("booth", "b1")
    w.send(c, p.Hello(role="booth", device_id="b1", token="tok-b1", version=1))
    assert w.errors(c)[-1].code is ErrorCode.INVALID_STATE


def test_same_device_again_replaces_older_connection(w):
    old = w.connect("booth", "b1")
    new = w.connect("booth", "b1")
    assert w.closed[old] == CloseCode.REPLACED
    assert w.b.by_device[("booth", "b1")] == new
    w.drop(old)  # the old socket's close arrives later: must not take the new one offline
    assert w.b.online("booth", "b1")


@pytest.mark.parametrize("role,dev,msg", [
    ("booth", "b1", p.Accept(session_id="x")),
    ("booth", "b1", p.End(session_id="x", outcome=Outcome.COMPLETED)),
    ("booth", "b1", p.Decision(id="d", session_id="x", document="ktp", verdict="accepted")),
    ("cso", "c1", p.Announce(kind="walk_in")),
    ("cso", "c1", p.CheckBooking(code="X1")),
    ("cso", "c1", p.Cancel()),
    ("technician", "t1", p.Signal(session_id="x", payload={})),
    ("technician", "t1", p.Announce(kind="walk_in")),
])
def test_role_permissions(w, role, dev, msg):
    c = w.connect(role, dev)
    w.send(c, msg)
    assert w.errors(c)[-1].code is ErrorCode.FORBIDDEN


# ---------------------------------------------------------------- queue and assignment


def test_walk_in_gets_ticket_and_is_offered_to_online_cso(w):
    cso = w.connect("cso", "c1")
    booth = w.connect("booth", "b1")
    s = w.announce(booth, language="en")
    assert s.ticket == "A001" and s.language == "en"
    assert s.state is SessionState.OFFERED and s.cso_id == "c1"
    assert w.last(cso, p.SessionUpdate).session.state is SessionState.OFFERED
    assert w.b.counters[(local_day(T0), "A")] == 1


def test_ticket_numbers_increase_per_prefix_and_reset_per_day(w):
    tickets = []
    for i in range(1, 4):
        tickets.append(w.announce(w.connect("booth", f"b{i}")).ticket)
    assert tickets == ["A001", "A002", "A003"]
    w.now += 86400
    assert w.announce(w.connect("booth", "b4")).ticket == "A001"


def test_no_cso_means_waiting_then_offered_when_cso_arrives(w):
    booth = w.connect("booth", "b1")
    s = w.announce(booth)
    assert s.state is SessionState.WAITING
    w.connect("cso", "c1")
    assert w.state(s.id) is SessionState.OFFERED


def test_capacity_is_never_exceeded_and_oldest_first():
    w = World(Branch(directory(booths=6, csos=1, capacity=4), now=T0))
    cso = w.connect("cso", "c1")
    ids = []
    for i in range(1, 7):
        w.now += 1
        ids.append(w.announce(w.connect("booth", f"b{i}")).id)
    states = [w.state(i) for i in ids]
    assert states[:4] == [SessionState.OFFERED] * 4 and states[4:] == [SessionState.WAITING] * 2
    w.tick(0.25)  # the queue's changes go to CSOs once per tick
    assert w.queue_view(cso) == ids[4:]
    assert not [m for m in w.inbox[cso] if isinstance(m, p.QueueChange) and not m.placed and not m.removed]
    w.send(cso, p.Accept(session_id=ids[2]))
    w.send(cso, p.End(session_id=ids[2], outcome=Outcome.COMPLETED))
    assert w.state(ids[4]) is SessionState.OFFERED and w.state(ids[5]) is SessionState.WAITING
    assert w.b.load("c1") == 4


def test_load_spreads_over_csos(w):
    w.connect("cso", "c1"), w.connect("cso", "c2")
    for i in range(1, 5):
        w.now += 1
        w.announce(w.connect("booth", f"b{i}"))
    assert w.b.load("c1") == 2 and w.b.load("c2") == 2


def test_offline_booth_is_not_assigned(w):
    booth = w.connect("booth", "b1")
    s = w.announce(booth)
    w.drop(booth)
    w.connect("cso", "c1")
    assert w.state(s.id) is SessionState.WAITING
    w.connect("booth", "b1")
    assert w.state(s.id) is SessionState.OFFERED


def test_booth_cannot_announce_twice(w):
    booth = w.connect("booth", "b1")
    w.announce(booth)
    w.send(booth, p.Announce(kind="walk_in"))
    assert w.errors(booth)[-1].code is ErrorCode.INVALID_STATE


# ---------------------------------------------------------------- bookings


def booking(code="BK1", at=T0 + 1800, name="Siti"):
    return p.BookingInfo(code=code, name=name, slot_start=at)


def test_check_booking_answers_valid_and_invalid(w):
    booth = w.connect("booth", "b1")
    w.send(booth, p.CheckBooking(id="q", code="BK1"), booking=booking())
    r = w.last(booth, p.BookingResult)
    assert r.valid and r.booking.name == "Siti" and r.ref == "q"
    w.send(booth, p.CheckBooking(id="q2", code="NOPE"), booking=None)
    r = w.last(booth, p.BookingResult)
    assert not r.valid and "unknown booking code" in r.reason and r.booking is None
    assert r.problem is p.BookingProblem.UNKNOWN
    for b, problem in ((booking(at=T0 + 86400), p.BookingProblem.NOT_TODAY),
                       (booking(at=T0 - 3600), p.BookingProblem.SLOT_PASSED)):
        w.send(booth, p.CheckBooking(id="q3", code="BK1"), booking=b)
        assert w.last(booth, p.BookingResult).problem is problem


def test_a_booth_guessing_booking_codes_is_stopped_for_a_while_and_audited_once(w):
    booth, other = w.connect("booth", "b1"), w.connect("booth", "b2")
    for i in range(5):
        w.send(booth, p.CheckBooking(id=f"g{i}", code=f"GUESS{i}"), booking=None)
        assert w.last(booth, p.BookingResult).problem is p.BookingProblem.UNKNOWN
    w.send(booth, p.CheckBooking(id="g5", code="BK1"), booking=booking())  # even the right code: not now
    (err,) = w.errors(booth)
    assert err.code is ErrorCode.RATE_LIMITED and err.ref == "g5" and "walk-in" in err.message
    assert not any(isinstance(m, p.BookingResult) and m.ref == "g5" for m in w.inbox[booth])  # no name leaks
    w.send(booth, p.Announce(id="g6", kind="booking", booking_code="BK1"), booking=booking())
    assert w.errors(booth)[-1].code is ErrorCode.RATE_LIMITED
    w.send(other, p.CheckBooking(id="o1", code="BK1"), booking=booking())  # other booths are not affected
    assert w.last(other, p.BookingResult).valid
    assert [a.event for a in w.audit].count("booking_guessing") == 1
    w.now += 601  # the oldest misses age out
    w.send(booth, p.CheckBooking(id="g7", code="BK1"), booking=booking())
    assert w.last(booth, p.BookingResult).valid and w.last(booth, p.BookingResult).booking.name == "Siti"


@pytest.mark.parametrize("b,why", [
    (None, "unknown"),
    (booking(at=T0 + 86400), "not today"),
    (booking(at=T0 - 3600), "has passed"),
])
def test_bad_bookings_cannot_be_announced(w, b, why):
    booth = w.connect("booth", "b1")
    w.send(booth, p.Announce(id="x", kind="booking", booking_code="BK1"), booking=b)
    err = w.errors(booth)[-1]
    assert err.code is ErrorCode.BOOKING_INVALID and why in err.message
    assert not w.b.sessions


def test_booking_announce_needs_code_and_walk_in_refuses_code(w):
    booth = w.connect("booth", "b1")
    w.send(booth, p.Announce(kind="booking"))
    w.send(booth, p.Announce(kind="walk_in", booking_code="BK1"))
    assert [e.code for e in w.errors(booth)] == [ErrorCode.INVALID_MESSAGE] * 2


def test_booking_used_once(w):
    cso = w.connect("cso", "c1")
    b1, b2 = w.connect("booth", "b1"), w.connect("booth", "b2")
    w.send(b1, p.Announce(id="a", kind="booking", booking_code="BK1"), booking=booking())
    s = w.last(b1, p.Ack).session
    assert s.ticket == "B001" and s.slot_start == booking().slot_start
    w.send(b2, p.Announce(id="a", kind="booking", booking_code="BK1"), booking=booking())
    assert "already in the queue" in w.errors(b2)[-1].message
    w.send(cso, p.Accept(session_id=s.id))
    w.send(cso, p.End(session_id=s.id, outcome=Outcome.COMPLETED))
    w.send(b2, p.Announce(id="a", kind="booking", booking_code="BK1"), booking=booking())
    assert "already served" in w.errors(b2)[-1].message


def test_booked_participant_in_slot_window_goes_before_walk_ins():
    w = World(Branch(directory(booths=4, csos=1, capacity=4), Policy(booking_early=600), now=T0))
    walk = []
    for i in (1, 2):
        w.now += 1
        walk.append(w.announce(w.connect("booth", f"b{i}")).id)
    b3 = w.connect("booth", "b3")
    w.now += 1
    w.send(b3, p.Announce(id="a", kind="booking", booking_code="BK1"), booking=booking(at=w.now + 300))
    booked = w.last(b3, p.Ack).session.id
    b4 = w.connect("booth", "b4")
    w.send(b4, p.Announce(id="a", kind="booking", booking_code="BK2"), booking=booking("BK2", at=w.now + 3000))
    early = w.last(b4, p.Ack).session.id
    # Slot of BK1 is 5 min away (inside the 10 min window); BK2 is 50 min away: ranked as a walk-in.
    assert [s.id for s in w.b.waiting(w.now)] == [booked, *walk, early]
    w.connect("cso", "c1")
    offered = [s for s in w.saved if s.state is SessionState.OFFERED]
    assert offered[0].id == booked


# ---------------------------------------------------------------- CSO actions


@pytest.fixture
def call(w):
    cso = w.connect("cso", "c1")
    booth = w.connect("booth", "b1")
    s = w.announce(booth)
    w.send(cso, p.Accept(id="acc", session_id=s.id))
    return w, cso, booth, s.id


def test_accept_hold_unhold_end(call):
    w, cso, booth, sid = call
    assert w.state(sid) is SessionState.ACTIVE and w.last(cso, p.Ack).session.state is SessionState.ACTIVE
    w.send(cso, p.Hold(session_id=sid))
    assert w.state(sid) is SessionState.HELD
    assert w.last(booth, p.SessionUpdate).session.state is SessionState.HELD
    w.send(cso, p.Unhold(session_id=sid))
    assert w.state(sid) is SessionState.ACTIVE
    w.send(cso, p.End(id="e", session_id=sid, outcome=Outcome.DOCUMENTS_INCOMPLETE, note="no KK"))
    ended = w.last(booth, p.SessionUpdate).session
    assert ended.state is SessionState.ENDED and ended.outcome is Outcome.DOCUMENTS_INCOMPLETE
    assert [a.event for a in w.audit if a.session_id == sid] == [
        "announced", "offered", "accepted", "held", "unheld", "ended"]
    assert w.audit[-1].detail == {"outcome": "documents_incomplete", "note": "no KK"}
    assert w.b.load("c1") == 0


@pytest.mark.parametrize("msg_type,from_state", [
    (p.Accept, "active"), (p.Unhold, "active"), (p.Hold, "held"), (p.Accept, "held"),
])
def test_wrong_state_transitions_are_refused(call, msg_type, from_state):
    w, cso, booth, sid = call
    if from_state == "held":
        w.send(cso, p.Hold(session_id=sid))
    before = w.state(sid)
    w.send(cso, msg_type(id="x", session_id=sid))
    err = w.errors(cso)[-1]
    assert err.code is ErrorCode.INVALID_STATE and err.ref == "x" and sid in err.message
    assert w.state(sid) is before


def test_cso_cannot_touch_another_csos_session(call):
    w, cso, booth, sid = call
    other = w.connect("cso", "c2")
    for msg in (p.Hold(session_id=sid), p.End(session_id=sid, outcome=Outcome.COMPLETED),
                p.Transfer(session_id=sid), p.Decision(id="d", session_id=sid, document="ktp", verdict="accepted"),
                p.Signal(session_id=sid, payload={"kind": "offer"})):
        w.send(other, msg)
        assert w.errors(other)[-1].code is ErrorCode.NOT_FOUND
    assert w.state(sid) is SessionState.ACTIVE


def test_transfer_goes_to_another_cso_keeping_its_place(w):
    c1 = w.connect("cso", "c1")
    b1 = w.connect("booth", "b1")
    s = w.announce(b1)
    w.send(c1, p.Accept(session_id=s.id))
    w.connect("cso", "c2")
    w.send(c1, p.Transfer(id="t", session_id=s.id, reason="needs supervisor"))
    now = w.b.sessions[s.id]
    assert now.cso_id == "c2" and now.state is SessionState.OFFERED and now.queued_at == s.queued_at
    assert w.last(c1, p.SessionUpdate).session.cso_id == "c2"  # the old CSO hears it left
    assert "c1" in now.declined_by


def test_transfer_with_single_cso_comes_back(w):
    c1 = w.connect("cso", "c1")
    s = w.announce(w.connect("booth", "b1"))
    w.send(c1, p.Accept(session_id=s.id))
    w.send(c1, p.Transfer(session_id=s.id))
    assert w.b.sessions[s.id].cso_id == "c1" and w.state(s.id) is SessionState.OFFERED


def test_decision_is_audited(call):
    w, cso, booth, sid = call
    fx = w.send(cso, p.Decision(id="d", session_id=sid, document="ktp", verdict="rejected", reason="unreadable",
                                still_sha256="ab" * 32))
    assert w.audit[-1].event == "decision"
    assert w.audit[-1].detail["verdict"] == "rejected" and w.audit[-1].detail["still_sha256"] == "ab" * 32
    assert w.audit[-1].detail["reason"] == "unreadable"
    assert [d.document for d in fx.decisions] == ["ktp"]
    assert isinstance(w.last(cso, p.Ack), p.Ack)


def test_booth_cancel_ends_its_session_and_frees_the_slot(call):
    w, cso, booth, sid = call
    w.send(booth, p.Cancel(id="c"))
    assert w.state(sid) is SessionState.ENDED
    assert w.last(cso, p.SessionUpdate).session.outcome is Outcome.PARTICIPANT_LEFT
    w.send(booth, p.Cancel(id="c2"))
    assert w.errors(booth)[-1].code is ErrorCode.INVALID_STATE


# ---------------------------------------------------------------- relay


def test_relay_only_between_the_two_ends(call):
    w, cso, booth, sid = call
    other_booth = w.connect("booth", "b2")
    w.announce(other_booth)
    n_other = len(w.inbox[other_booth])
    w.send(booth, p.Signal(session_id=sid, payload={"kind": "offer", "sdp": "v=0"}))
    relayed = w.last(cso, p.Relayed)
    assert relayed.payload["sdp"] == "v=0" and relayed.sender == "b1"
    w.send(cso, p.Signal(session_id=sid, payload={"kind": "answer"}))
    assert w.last(booth, p.Relayed).payload == {"kind": "answer"}
    w.send(other_booth, p.Signal(session_id=sid, payload={"kind": "offer"}))
    assert w.errors(other_booth)[-1].code is ErrorCode.NOT_FOUND
    assert len([m for m in w.inbox[other_booth][n_other:] if isinstance(m, p.Relayed)]) == 0


def test_signal_needs_active_session_and_online_peer(w):
    cso = w.connect("cso", "c1")
    booth = w.connect("booth", "b1")
    s = w.announce(booth)
    w.send(booth, p.Signal(session_id=s.id, payload={}))
    assert w.errors(booth)[-1].code is ErrorCode.INVALID_STATE  # offered, not accepted
    w.send(cso, p.Accept(session_id=s.id))
    w.drop(cso)
    w.send(booth, p.Signal(session_id=s.id, payload={}))
    assert w.errors(booth)[-1].code is ErrorCode.PEER_OFFLINE


# ---------------------------------------------------------------- presence, grace, resume


def test_presence_goes_to_csos_and_technicians(w):
    cso = w.connect("cso", "c1")
    tech = w.connect("technician", "t1")
    booth = w.connect("booth", "b1")
    w.connect("booth", "b2")
    w.tick(0.25)
    # technicians see every device; a CSO the officers (its booths' state comes with its sessions)
    assert w.presence_view(tech) == {("cso", "c1"), ("technician", "t1"), ("booth", "b1"), ("booth", "b2")}
    assert w.presence_view(cso) == {("cso", "c1")}
    for conn in (cso, tech):  # the whole list once after the welcome, then one coalesced change
        assert [type(m) for m in w.inbox[conn] if isinstance(m, (p.Presence, p.PresenceChange))] == [
            p.Presence, p.PresenceChange]
    assert not any(isinstance(m, (p.Presence, p.PresenceChange)) for m in w.inbox[booth])
    w.drop(booth)
    w.connect("cso", "c2")
    w.tick(0.25)
    assert w.presence_view(tech) == {("cso", "c1"), ("cso", "c2"), ("technician", "t1"), ("booth", "b2")}
    assert w.presence_view(cso) == {("cso", "c1"), ("cso", "c2")}
    last = w.inbox[cso][-1]
    assert isinstance(last, p.PresenceChange) and [e.device_id for e in last.joined] == ["c2"] and not last.left
    w.tick(0.25)  # nothing changed: nobody hears anything
    assert w.inbox[cso][-1] is last


def test_cso_drop_keeps_active_sessions_for_grace_then_requeues(call):
    w, cso, booth, sid = call
    w.drop(cso)
    assert w.last(booth, p.SessionUpdate).session.cso_online is False
    w.tick(30)
    assert w.state(sid) is SessionState.ACTIVE
    again = w.connect("cso", "c1")
    welcome = w.inbox[again][0]
    assert [s.id for s in welcome.sessions] == [sid]  # resume
    w.drop(again)
    w.tick(61)
    assert w.state(sid) is SessionState.WAITING and w.b.sessions[sid].cso_id is None
    assert w.audit[-1].event == "cso_lost"


def test_cso_drop_withdraws_offers_at_once(w):
    c1 = w.connect("cso", "c1")
    s = w.announce(w.connect("booth", "b1"))
    w.drop(c1)
    assert w.state(s.id) is SessionState.WAITING
    w.connect("cso", "c2")
    assert w.b.sessions[s.id].cso_id == "c2"


def test_booth_drop_past_grace_ends_session(call):
    w, cso, booth, sid = call
    w.drop(booth)
    w.tick(59)
    assert w.state(sid) is SessionState.ACTIVE
    w.tick(2)
    assert w.state(sid) is SessionState.ENDED
    assert w.last(cso, p.SessionUpdate).session.outcome is Outcome.BOOTH_OFFLINE


def test_restore_after_restart_resumes_sessions():
    w = World(Branch(directory(), now=T0, new_id=lambda c=itertools.count(): f"s{next(c)}"))
    cso = w.connect("cso", "c1")
    b1, b2 = w.connect("booth", "b1"), w.connect("booth", "b2")
    active = w.announce(b1).id
    w.send(cso, p.Accept(session_id=active))
    offered = w.announce(b2).id
    live = list(w.b.sessions.values())
    counters = dict(w.b.counters)
    # A new Branch from what the store would hold: everyone is offline, grace starts now.
    r = World(Branch(directory(), now=T0 + 5, sessions=live, counters=counters))
    r.now = T0 + 5
    assert r.state(active) is SessionState.ACTIVE
    assert r.state(offered) is SessionState.WAITING  # nobody had accepted it
    c = r.connect("cso", "c1")
    assert [s.id for s in r.inbox[c][0].sessions] == [active]
    b = r.connect("booth", "b1")
    assert r.inbox[b][0].sessions[0].cso_online is True
    assert r.announce(r.connect("booth", "b3")).ticket == "A003"


# ---------------------------------------------------------------- exhaustive: random walks

ACTIONS = st.lists(st.tuples(st.sampled_from(
    ["connect_booth", "connect_cso", "drop_booth", "drop_cso", "announce", "cancel", "accept", "hold", "unhold",
     "transfer", "end", "tick"]), st.integers(1, 6), st.integers(1, 3)), max_size=80).map(
    lambda actions: actions + [("tick", 1, 1)])


@settings(max_examples=300, deadline=None)
@given(ACTIONS)
def test_invariants_hold_under_any_sequence(actions):
    """Capacity, single live session per booth, slots only with online-or-graced CSOs, relay."""
    w = World(Branch(directory(booths=6, csos=3, capacity=4), Policy(resume_grace=30), now=T0))
    conns: dict[tuple[str, str], str] = {}
    for action, i, j in actions:
        booth, cso = f"b{i}", f"c{j}"
        bc, cc = conns.get(("booth", booth)), conns.get(("cso", cso))
        sessions_of_cso = [s.id for s in w.b.sessions.values() if s.cso_id == cso]
        sid = sessions_of_cso[i % len(sessions_of_cso)] if sessions_of_cso else "none"
        if action == "connect_booth":
            conns[("booth", booth)] = w.connect("booth", booth)
        elif action == "connect_cso":
            conns[("cso", cso)] = w.connect("cso", cso)
        elif action == "drop_booth" and bc:
            w.drop(conns.pop(("booth", booth)))
        elif action == "drop_cso" and cc:
            w.drop(conns.pop(("cso", cso)))
        elif action == "announce" and bc:
            w.send(bc, p.Announce(kind="walk_in"))
        elif action == "cancel" and bc:
            w.send(bc, p.Cancel())
        elif action == "tick":
            w.tick(10 * i)
        elif cc and action in ("accept", "hold", "unhold", "transfer"):
            cls = {"accept": p.Accept, "hold": p.Hold, "unhold": p.Unhold, "transfer": p.Transfer}[action]
            w.send(cc, cls(session_id=sid))
        elif cc and action == "end":
            w.send(cc, p.End(session_id=sid, outcome=Outcome.COMPLETED))
        # invariants after every step
        for c in ("c1", "c2", "c3"):
            assert w.b.load(c) <= 4
        booths = [s.booth_id for s in w.b.sessions.values()]
        assert len(booths) == len(set(booths)), "a booth has two live sessions"
        for s in w.b.sessions.values():
            assert (s.cso_id is None) == (s.state is SessionState.WAITING)
            if s.state is SessionState.OFFERED:
                assert w.b.online("cso", s.cso_id), "offer to an offline CSO"
        waiting = w.b.waiting(w.now)
        online_free = [c for c in ("c1", "c2", "c3") if w.b.online("cso", c) and w.b.load(c) < 4]
        if online_free:
            assert not [s for s in waiting if w.b.online("booth", s.booth_id)], \
                "a booth waits while a CSO has a free slot"
        if action != "tick":
            continue
        # at every tick, every online waiting booth is told its true place in the queue, and
        # every online CSO's view of the queue (a snapshot, then changes) is the queue; between
        # ticks, devices come and go and the queue changes many times
        waiting = w.b.waiting(w.now)
        for pos, s in enumerate(waiting, 1):
            conn = conns.get(("booth", s.booth_id))
            if conn is not None:
                told = w.last(conn, p.QueuePosition)
                assert (told.session_id, told.position, told.waiting) == (s.id, pos, len(waiting))
        for (role, _), conn in conns.items():
            if role == "cso":
                assert w.queue_view(conn) == [s.id for s in waiting]
                assert w.queues[conn] == [w.b.info(s) for s in waiting]
    for conn, msgs in w.inbox.items():
        for m in msgs:
            if isinstance(m, p.Relayed):  # never happens here, but must never cross sessions
                pytest.fail("unexpected relay")


# ---------------------------------------------------------------- protocol 2: services, positions, transfer, decisions


def test_welcome_tells_csos_the_services_and_booths_the_branch_name():
    d = Directory(directory().tokens, {"c1": 6}, services={"jht_claim": ("ktp", "kk"), "info": ("ktp",)},
                  branch_name="KC Bandung")
    w = World(Branch(d, now=T0))
    cso = w.connect("cso", "c1")
    welcome = w.inbox[cso][0]
    assert [(s.id, [k.value for k in s.documents]) for s in welcome.services] == [
        ("jht_claim", ["ktp", "kk"]), ("info", ["ktp"])]
    booth = w.connect("booth", "b1")
    assert w.inbox[booth][0].branch_name == "KC Bandung" and w.inbox[booth][0].services == []


def test_booking_gives_its_service_and_name_walk_in_the_default(w):
    booth = w.connect("booth", "b1")
    booking = p.BookingInfo(code="BK1", name="Siti Rahayu", slot_start=T0 + 600, service="jht_claim")
    w.send(booth, p.Announce(id="a", kind="booking", booking_code="BK1"), booking=booking)
    s = w.last(booth, p.Ack).session
    assert (s.service, s.name, s.kind) == ("jht_claim", "Siti Rahayu", "booking")
    other = w.connect("booth", "b2")
    walk_in = w.announce(other)
    assert (walk_in.service, walk_in.name) == ("jht_claim", None)


def test_unknown_service_of_a_booking_falls_back_to_the_default(w):
    booth = w.connect("booth", "b1")
    booking = p.BookingInfo(code="BK2", name="Agus", slot_start=T0, service="pension")
    w.send(booth, p.Announce(id="a", kind="booking", booking_code="BK2"), booking=booking)
    assert w.last(booth, p.Ack).session.service == "jht_claim"


def test_waiting_booths_hear_their_place_and_it_moves_up():
    w = World(Branch(directory(csos=1, capacity=4), now=T0))
    booths = [w.connect("booth", f"b{i}") for i in range(1, 7)]
    sessions = [w.announce(b) for b in booths]
    w.tick(0.25)  # places go out once per tick
    first = w.last(booths[0], p.QueuePosition)
    assert (first.position, first.waiting, first.estimated_wait) == (1, 6, None)  # no CSO online
    assert w.last(booths[5], p.QueuePosition).position == 6
    cso = w.connect("cso", "c1")  # takes four; two still wait
    assert w.state(sessions[0].id) is SessionState.OFFERED
    w.tick(0.25)
    told = w.last(booths[4], p.QueuePosition)
    assert (told.session_id, told.position, told.waiting) == (sessions[4].id, 1, 2)
    assert told.estimated_wait is None  # no session has ended yet: nothing to estimate from
    w.send(cso, p.Accept(session_id=sessions[0].id))
    w.now += 300
    w.send(cso, p.End(session_id=sessions[0].id, outcome=Outcome.COMPLETED))  # 5 min; b5 takes the slot
    w.tick(0.25)
    last = w.last(booths[5], p.QueuePosition)
    assert (last.position, last.waiting) == (1, 1)
    assert last.estimated_wait == 300  # one round of one average session for the next slot


def test_estimate_counts_free_slots_and_rounds_of_sessions():
    b = Branch(directory(csos=1, capacity=4), now=T0, durations=[200.0, 400.0])
    w = World(b)
    w.connect("cso", "c1")
    assert b.estimated_wait(1) == 0 and b.estimated_wait(4) == 0  # four free slots
    for i in range(1, 5):
        w.announce(w.connect("booth", f"b{i}"))
    assert b.estimated_wait(1) == 300 and b.estimated_wait(4) == 300 and b.estimated_wait(5) == 600


def test_transfer_to_a_named_cso_offers_it_there_at_once(w):
    c1, c2 = w.connect("cso", "c1"), w.connect("cso", "c2")
    s = w.announce(w.connect("booth", "b1"))
    owner = w.b.sessions[s.id].cso_id
    other, other_conn = ("c2", c2) if owner == "c1" else ("c1", c1)
    mine = c1 if owner == "c1" else c2
    w.send(mine, p.Accept(session_id=s.id))
    w.send(mine, p.Transfer(id="t", session_id=s.id, to_cso=other, reason="supervisor"))
    assert w.b.sessions[s.id].cso_id == other and w.state(s.id) is SessionState.OFFERED
    assert w.last(other_conn, p.SessionUpdate).session.state is SessionState.OFFERED
    assert w.audit[-2].detail == {"reason": "supervisor", "to_cso": other}


@pytest.mark.parametrize("to,code", [("c1", ErrorCode.INVALID_MESSAGE), ("c9", ErrorCode.NOT_FOUND),
                                     ("c2", ErrorCode.PEER_OFFLINE)])
def test_transfer_to_a_cso_that_cannot_take_it_is_refused(call, to, code):
    w, cso, booth, sid = call
    w.send(cso, p.Transfer(id="t", session_id=sid, to_cso=to))
    assert w.errors(cso)[-1].code is code and w.state(sid) is SessionState.ACTIVE


def test_transfer_to_a_full_cso_is_refused():
    w = World(Branch(directory(csos=2, capacity=4), now=T0))
    w.connect("cso", "c1")
    sessions = [w.announce(w.connect("booth", f"b{i}")) for i in range(1, 5)]  # c1 is full
    c2 = w.connect("cso", "c2")
    fifth = w.announce(w.connect("booth", "b5"))
    assert w.b.sessions[fifth.id].cso_id == "c2"
    w.send(c2, p.Accept(session_id=fifth.id))
    w.send(c2, p.Transfer(id="t", session_id=fifth.id, to_cso="c1"))
    assert w.errors(c2)[-1].code is ErrorCode.INVALID_STATE and "no free slot" in w.errors(c2)[-1].message
    assert all(w.b.sessions[s.id].cso_id == "c1" for s in sessions)


def test_a_decision_sent_again_is_acknowledged_and_recorded_once(call):
    w, cso, booth, sid = call
    decision = p.Decision(id="dec-1", session_id=sid, document="ktp", verdict="accepted", still_sha256="cd" * 32)
    first = w.send(cso, decision)
    again = w.send(cso, decision)
    assert len(first.decisions) == 1 and again.decisions == [] and not again.audit
    acks = [m for m in w.inbox[cso] if isinstance(m, p.Ack) and m.ref == "dec-1"]
    assert len(acks) == 2
    assert sum(1 for a in w.audit if a.event == "decision") == 1


def test_a_decision_restored_after_restart_is_not_recorded_twice(call):
    w, cso, booth, sid = call
    w.send(cso, p.Decision(id="dec-1", session_id=sid, document="ktp", verdict="accepted"))
    restarted = World(Branch(directory(), now=w.now, sessions=w.b.sessions.values(), decided=w.b.decided))
    cso2 = restarted.connect("cso", "c1")
    fx = restarted.send(cso2, p.Decision(id="dec-1", session_id=sid, document="ktp", verdict="accepted"))
    assert fx.decisions == [] and restarted.last(cso2, p.Ack).ref == "dec-1"


def test_accepted_at_is_the_first_acceptance(call):
    w, cso, booth, sid = call
    first = w.b.sessions[sid].accepted_at
    assert first == w.now
    w.now += 30
    w.send(cso, p.Hold(session_id=sid))
    w.send(cso, p.Unhold(session_id=sid))
    assert w.b.sessions[sid].accepted_at == first


# ---------------------------------------------------------------- protocol 3: views as changes, at the cost of what changed

VIEW_ACTIONS = st.lists(st.tuples(st.sampled_from(
    ["connect_booth"] * 3 + ["drop_booth", "connect_cso", "drop_cso", "connect_tech"] + ["walk_in"] * 3
    + ["booking"] * 2 + ["cancel", "accept", "transfer", "end", "tick", "tick", "wait"]),
    st.integers(1, 6), st.integers(1, 2), st.integers(-3, 40)),
    min_size=10, max_size=80).map(lambda actions: actions + [("tick", 1, 1, 1)])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-3, 40) | st.none(), min_size=6, max_size=6), VIEW_ACTIONS)
def test_views_told_as_changes_follow_the_queue_and_presence_under_any_sequence(arrivals, actions):
    """Long queues (one slot per CSO), bookings whose window opens while they wait, CSOs and
    technicians connecting between ticks: at every tick each watcher's view (the whole view after
    its welcome, then only changes) is the truth, and each waiting booth knows its place."""
    w = World(Branch(directory(booths=6, csos=2, capacity=1), Policy(resume_grace=30, booking_early=600),
                     now=T0, new_id=(lambda c=itertools.count(1): f"s{next(c)}")))
    conns: dict[tuple[str, str], str] = {}
    codes = itertools.count(1)
    # six booths arrive (walk-ins, or bookings for so many minutes from now) with one officer on
    setup = [("connect_cso", 1, 1, 0)] + [("connect_booth", i, 1, 0) for i in range(1, 7)]
    setup += [("walk_in" if m is None else "booking", i, 1, m or 0) for i, m in enumerate(arrivals, 1)]
    for action, i, j, minutes in setup + actions:
        booth, cso = f"b{i}", f"c{j}"
        bc, cc = conns.get(("booth", booth)), conns.get(("cso", cso))
        mine = [s.id for s in w.b.sessions.values() if s.cso_id == cso]
        if action.startswith("connect"):
            role, dev = {"connect_booth": ("booth", booth), "connect_cso": ("cso", cso),
                         "connect_tech": ("technician", "t1")}[action]
            conns[(role, dev)] = w.connect(role, dev)
        elif action == "drop_booth" and bc:
            w.drop(conns.pop(("booth", booth)))
        elif action == "drop_cso" and cc:
            w.drop(conns.pop(("cso", cso)))
        elif action == "walk_in" and bc:
            w.send(bc, p.Announce(kind="walk_in"))
        elif action == "booking" and bc:
            code = f"BK{next(codes)}"
            w.send(bc, p.Announce(kind="booking", booking_code=code), booking=booking(code, at=w.now + 60 * minutes))
        elif action == "cancel" and bc:
            w.send(bc, p.Cancel())
        elif action == "tick":
            w.tick(0.25)
        elif action == "wait":  # long enough for booking windows to open and grace to run out
            w.now += 60 * i
        elif cc and mine and action in ("accept", "transfer", "end"):
            msg = {"accept": p.Accept(session_id=mine[0]), "transfer": p.Transfer(session_id=mine[0]),
                   "end": p.End(session_id=mine[0], outcome=Outcome.COMPLETED)}[action]
            w.send(cc, msg)
        if action != "tick":
            continue
        waiting = w.b.waiting(w.now)
        for (role, dev), conn in conns.items():
            if role == "cso":
                assert w.queues[conn] == [w.b.info(s) for s in waiting]
                assert w.presence_view(conn) == {k for k in conns if k[0] == "cso"}
            elif role == "technician":
                assert w.presence_view(conn) == set(conns)
        for pos, s in enumerate(waiting, 1):
            conn = conns.get(("booth", s.booth_id))
            if conn is not None:
                told = w.last(conn, p.QueuePosition)
                assert (told.session_id, told.position, told.waiting) == (s.id, pos, len(waiting))
    for conn, messages in w.inbox.items():  # technicians: presence only, never the queue or a session
        if conn.startswith("technician:"):
            assert {type(m) for m in messages} <= {p.Welcome, p.Presence, p.PresenceChange}, conn


def test_a_booking_whose_window_opens_while_it_waits_moves_ahead_at_the_next_tick():
    w = World(Branch(directory(booths=4, csos=1, capacity=1), Policy(booking_early=600), now=T0))
    cso = w.connect("cso", "c1")
    w.announce(w.connect("booth", "b1"))  # takes the only slot
    walk_ins = []
    for i in (2, 3):
        w.now += 1
        walk_ins.append(w.announce(w.connect("booth", f"b{i}")).id)
    b4 = w.connect("booth", "b4")
    w.send(b4, p.Announce(id="a", kind="booking", booking_code="BK1"), booking=booking(at=w.now + 900))
    booked = w.last(b4, p.Ack).session.id
    w.tick(0.25)
    assert w.queue_view(cso) == [*walk_ins, booked] and w.last(b4, p.QueuePosition).position == 3
    w.tick(300)  # 10 minutes before its slot: the booking goes first
    assert w.queue_view(cso) == [booked, *walk_ins] and w.last(b4, p.QueuePosition).position == 1
    change = [m for m in w.inbox[cso] if isinstance(m, p.QueueChange)][-1]
    assert [e.session.id for e in change.placed] == [booked] and change.placed[0].index == 0


def _busy_branch(booths=600, csos=100, technicians=20):
    """Many devices, every booth in an active session: for counting what one input costs."""
    tokens = {("booth", f"b{i}"): f"tok-b{i}" for i in range(1, booths + 2)}
    tokens.update({("cso", f"c{i}"): f"tok-c{i}" for i in range(1, csos + 1)})
    tokens.update({("technician", f"t{i}"): f"tok-t{i}" for i in range(1, technicians + 1)})
    w = World(Branch(Directory({k: hash_token(v) for k, v in tokens.items()},
                               {f"c{i}": 6 for i in range(1, csos + 1)}), now=T0))
    csos_ = [w.connect("cso", f"c{i}") for i in range(1, csos + 1)]
    techs = [w.connect("technician", f"t{i}") for i in range(1, technicians + 1)]
    booths_ = []
    for i in range(1, booths + 1):
        b = w.connect("booth", f"b{i}")
        booths_.append(b)
        s = w.announce(b)
        w.send(w.b.by_device[("cso", s.cso_id)], p.Accept(session_id=s.id))
    w.tick(0.25)
    return w, csos_, techs, booths_


@pytest.mark.parametrize("booths,csos,technicians", [(60, 10, 2), (600, 100, 2)])
def test_what_one_input_sends_does_not_grow_with_the_devices(booths, csos, technicians):
    """The same inputs on a branch ten times larger send the same messages (the fan-out is to
    the watchers that need it: CSOs for the queue, technicians for booth presence)."""
    w, csos_, techs, booths_ = _busy_branch(booths, csos, technicians)
    sid = w.b.booth_session("b1").id
    relay = w.send(booths_[0], p.Signal(id="r", session_id=sid, payload={"kind": "offer"}))
    assert [type(x.message) for x in relay.sends] == [p.Relayed, p.Ack]
    newcomer = w.connect("booth", f"b{booths + 1}")
    assert [type(m) for m in w.inbox[newcomer]] == [p.Welcome]
    fx = w.tick(0.25)  # a booth came online: technicians hear it, CSOs need not
    assert sorted({x.conn for x in fx.sends}) == sorted(techs)
    fx = w.send(newcomer, p.Announce(id="a", kind="walk_in"))  # every CSO is full: it waits
    assert sorted(type(x.message).__name__ for x in fx.sends) == ["Ack", "SessionUpdate"]
    assert {x.conn for x in fx.sends} == {newcomer}
    fx = w.tick(0.25)  # the queue changed: each CSO hears one change, the booth its place
    assert len(fx.sends) == csos + 1 and {type(x.message) for x in fx.sends} == {p.QueueChange, p.QueuePosition}
    first_of_c1 = next(s.id for s in w.b.sessions.values() if s.cso_id == "c1")
    fx = w.send(csos_[0], p.End(id="e", session_id=first_of_c1, outcome=Outcome.COMPLETED))  # the newcomer takes the slot
    assert sorted(type(x.message).__name__ for x in fx.sends) == ["Ack", "SessionUpdate", "SessionUpdate",
                                                                  "SessionUpdate", "SessionUpdate"]
    assert w.tick(0.25).sends and len(w.tick(0.25).sends) == 0  # told once, then quiet


def test_a_session_that_came_and_went_between_two_ticks_costs_the_officers_nothing():
    """At a connect storm most walk-ins are offered before the next tick: no officer hears of them
    as queued and removed. One that an officer got in its welcome's snapshot is removed from that
    officer's view at the next tick."""
    w = World(Branch(directory(booths=6, csos=2, capacity=4), now=T0))
    c1 = w.connect("cso", "c1")
    for i in range(1, 5):
        w.announce(w.connect("booth", f"b{i}"))  # offered to c1 at once
    fx = w.tick(0.25)
    assert not [x for x in fx.sends if isinstance(x.message, p.QueueChange)]
    late = w.announce(w.connect("booth", "b5"))  # c1 is full: it waits
    c2 = w.connect("cso", "c2")  # its welcome's queue holds it, and it is offered to c2 at once
    assert [s.id for s in w.inbox[c2][1].waiting] == [late.id] and w.state(late.id) is SessionState.OFFERED
    w.tick(0.25)
    assert w.queue_view(c1) == w.queue_view(c2) == []
