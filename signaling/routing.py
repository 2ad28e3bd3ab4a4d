"""The branch's signaling rules as a pure object: messages in, effects out.

Like ``websockets.protocol``, this module does no I/O at all. The server feeds it
authenticated connections, parsed messages, disconnects and clock ticks; it answers with
:class:`Effects` — messages to send, connections to close, sessions to persist and audit
entries to append. ``signaling/server.py`` writes the persistent part to SQLite *before*
sending anything, so a client never sees an acknowledgement for something not on disk.

Rules in one place:

* who may say what (role permissions) and who may talk to whom (relay only between the booth
  and the CSO of one active or held session);
* the queue: booked participants whose slot window is open first (by slot time), then everyone
  else oldest first; a transferred session keeps its place;
* assignment: a waiting session whose booth is online goes to an online CSO with a free slot
  (least loaded first, then the one idle longest), never over the CSO's capacity, and not back
  to a CSO who transferred it while another CSO is online;
* grace: a device that drops keeps its sessions for ``Policy.resume_grace`` seconds; after
  that a lost CSO's sessions go back to the queue and a lost booth's session ends.

Cost: no input costs in proportion to the number of devices or sessions. Sessions are indexed
by booth, by CSO and by booking code; the queue is kept in serving order (:class:`WaitingQueue`)
with the sessions whose booth is online apart, and the CSOs with a free slot in assignment order;
the wait estimate's sums are kept as devices come and go. Each device is told only what concerns
it: its sessions at once; on every clock tick (coalesced, so a connect storm costs one message
per watcher per tick) the queue's changes to CSOs, presence changes to technicians (every device)
and CSOs (the officers), and new places to the waiting booths whose place or estimate changed.
Only those places cost in proportion to the queue: when the head of the queue moves, every booth
behind it has a new place to hear.
"""
from __future__ import annotations

import heapq
import hmac
import math
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator

from pydantic import BaseModel
from sortedcontainers import SortedList

from common.documents import DEFAULT_SERVICE, JHT_CLAIM_DOCUMENTS, DocumentKind

from . import protocol as p
from .protocol import CloseCode, ErrorCode, Outcome, SessionState
from .tokens import hash_token

PERMISSIONS: dict[str, frozenset[type]] = {
    "booth": frozenset({p.CheckBooking, p.Announce, p.Cancel, p.Signal}),
    "cso": frozenset({p.Accept, p.Hold, p.Unhold, p.Transfer, p.End, p.Decision, p.Signal}),
    "technician": frozenset(),
}


@dataclass(frozen=True)
class Directory:
    """Who may connect: tokens per (role, device id) and each CSO's booth capacity.

    Args:
        tokens: the SHA-256 (hex) of every known device's token, keyed by (role, device_id)
            (see :mod:`signaling.tokens`).
        capacities: how many booths each CSO serves at once (4 to 6).
        services: every service a participant can come for, with the documents its checklist
            needs; walk-ins get :data:`common.documents.DEFAULT_SERVICE`.
        branch_name: the branch's name (booths print it on slips).
    """

    tokens: dict[tuple[str, str], str]
    capacities: dict[str, int] = field(default_factory=dict)
    services: dict[str, tuple[DocumentKind, ...]] = field(
        default_factory=lambda: {DEFAULT_SERVICE: JHT_CLAIM_DOCUMENTS})
    branch_name: str = ""
    revoked: set[tuple[str, str]] = field(default_factory=set)
    """Devices whose token was revoked (refused with that reason)."""

    def capacity(self, cso_id: str) -> int:
        """Booth capacity of one CSO (6 unless configured)."""
        return self.capacities.get(cso_id, 6)


@dataclass(frozen=True)
class Policy:
    """Timing rules.

    Args:
        resume_grace: seconds a dropped device keeps its sessions before they move on.
        booking_early: seconds before its slot that a booking gets priority over walk-ins.
        booking_late: seconds after its slot start that a booking code is still honoured.
        wait_estimate_sessions: how many recent session lengths the queue's wait estimate
            averages.
        booking_misses: wrong booking codes a booth may try within ``booking_miss_window``;
            then it is refused until the oldest miss is that old (a guessing booth learns little:
            see :data:`signaling.bookings.MIN_CODE_BITS`).
        booking_miss_window: seconds.
        stills_connections: stills connections one device may hold at once (a booth uploads
            over eight; more is a stolen token filling the server).
    """

    resume_grace: float = 60.0
    booking_early: float = 600.0
    booking_late: float = 1800.0
    wait_estimate_sessions: int = 20
    booking_misses: int = 5
    booking_miss_window: float = 600.0
    stills_connections: int = 16


@dataclass
class Session:
    """One participant's visit, from announcement to outcome."""

    id: str
    booth_id: str
    ticket: str
    kind: str
    language: str
    queued_at: float
    service: str = DEFAULT_SERVICE
    state: SessionState = SessionState.WAITING
    booking_code: str | None = None
    name: str | None = None
    slot_start: float | None = None
    accepted_at: float | None = None
    cso_id: str | None = None
    outcome: Outcome | None = None
    declined_by: frozenset[str] = frozenset()
    updated_at: float = 0.0


@dataclass(frozen=True)
class Send:
    """Send ``message`` on connection ``conn``."""

    conn: str
    message: BaseModel


@dataclass(frozen=True)
class Close:
    """Close connection ``conn`` with a close code and reason."""

    conn: str
    code: int
    reason: str


@dataclass(frozen=True)
class AuditEntry:
    """One append-only audit record."""

    ts: float
    actor: str
    session_id: str | None
    event: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class DecisionRecord:
    """One document decision, kept for the case file (and to recognise a repeated request)."""

    ts: float
    cso_id: str
    ref: str
    session_id: str
    document: str
    verdict: str
    reason: str | None
    note: str | None
    still_sha256: str | None


@dataclass
class Effects:
    """What one input caused. Persist ``saved``/``audit``/``counters``/``decisions`` first, then
    send."""

    sends: list[Send] = field(default_factory=list)
    closes: list[Close] = field(default_factory=list)
    saved: dict[str, Session] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    counters: dict[tuple[str, str], int] = field(default_factory=dict)
    decisions: list[DecisionRecord] = field(default_factory=list)
    stills: list[tuple[p.StillMeta, str]] = field(default_factory=list)
    """(still, booth id) of stills verified and written to disk, to record."""
    discard_stills: list[str] = field(default_factory=list)
    """Sessions that ended: their stills nobody verified are deleted."""

    @property
    def durable(self) -> bool:
        """Whether anything must be written to disk before sending."""
        return bool(self.saved or self.audit or self.counters or self.decisions or self.stills
                    or self.discard_stills)


@dataclass(frozen=True)
class Peer:
    """An authenticated connection."""

    conn: str
    role: str
    device_id: str
    since: float

    @property
    def key(self) -> tuple[str, str]:
        return (self.role, self.device_id)


def local_day(ts: float) -> str:
    """The branch-local calendar day of a timestamp, as YYYY-MM-DD."""
    return time.strftime("%Y-%m-%d", time.localtime(ts))


class WaitingQueue:
    """The waiting sessions in serving order, and apart from them the ones whose booth is online.

    Serving order: booked participants whose slot window is open first (by slot time), then
    everyone else oldest first (a transferred session keeps its ``queued_at``). A booking's
    window opens ``booking_early`` seconds before its slot: :meth:`advance` moves it ahead then.
    Every operation is O(log n).

    Args:
        booking_early: seconds before its slot that a booking goes ahead of walk-ins.
    """

    def __init__(self, booking_early: float):
        self.booking_early = booking_early
        self._order = SortedList()
        self._ready = SortedList()
        self._key: dict[str, tuple] = {}
        self._opens: list[tuple[float, str]] = []
        self.changed: set[str] = set()
        """Sessions that joined, left, moved or changed since the last :meth:`take_changes`."""
        self._told: set[str] = set()
        """Sessions a watcher may hold in its view of the queue (sent in a snapshot or a change)."""

    def priority(self, s: Session, now: float) -> tuple:
        """Sort key of a waiting session at ``now``."""
        if s.slot_start is not None and now >= s.slot_start - self.booking_early:
            return (0, s.slot_start, s.queued_at, s.ticket, s.id)
        return (1, s.queued_at, s.ticket, s.id)

    def add(self, s: Session, now: float, ready: bool) -> None:
        """Queue ``s`` (its booth online or not)."""
        key = self.priority(s, now)
        self._key[s.id] = key
        self._order.add(key)
        if ready:
            self._ready.add(key)
        if key[0] == 1 and s.slot_start is not None:
            heapq.heappush(self._opens, (s.slot_start - self.booking_early, s.id))
        self.changed.add(s.id)

    def discard(self, sid: str) -> None:
        """Take a session out of the queue (if it is in)."""
        key = self._key.pop(sid, None)
        if key is None:
            return
        self._order.remove(key)
        self._ready.discard(key)
        self.changed.add(sid)

    def set_ready(self, sid: str, ready: bool) -> None:
        """Its booth came online (ready) or went offline."""
        key = self._key.get(sid)
        if key is None:
            return
        if ready:
            if key not in self._ready:
                self._ready.add(key)
        else:
            self._ready.discard(key)
        self.changed.add(sid)

    def advance(self, now: float, sessions: dict[str, Session]) -> None:
        """Move ahead the bookings whose window has opened by ``now``."""
        while self._opens and self._opens[0][0] <= now:
            _, sid = heapq.heappop(self._opens)
            key = self._key.get(sid)
            if key is None or key[0] == 0:
                continue
            ready = key in self._ready
            self.discard(sid)
            self.add(sessions[sid], now, ready)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, sid: str) -> bool:
        return sid in self._key

    def ids(self) -> Iterator[str]:
        """Session ids in serving order."""
        return (key[-1] for key in self._order)

    def index(self, sid: str) -> int:
        """0-based place of a queued session."""
        return self._order.index(self._key[sid])

    @property
    def ready_count(self) -> int:
        """How many queued sessions have their booth online."""
        return len(self._ready)

    def ready_at(self, i: int) -> str:
        """The ``i``-th session (in serving order) whose booth is online."""
        return self._ready[i][-1]

    def told_whole(self) -> None:
        """Every queued session went out in a snapshot (a CSO's welcome)."""
        self._told.update(self._key)

    def take_changes(self) -> tuple[list[str], list[str]]:
        """The sessions placed (joined, moved or changed) and the ones removed since the last call,
        and forget them. One that came and went in between is in neither: nobody was told of it
        (at a connect storm most sessions are offered before the next tick)."""
        changed, self.changed = self.changed, set()
        placed = [sid for sid in changed if sid in self._key]
        removed = [sid for sid in changed if sid not in self._key and sid in self._told]
        self._told.update(placed)
        self._told.difference_update(removed)
        return placed, removed


class Branch:
    """The rules of one branch: auth, presence, queue, assignment, relay, grace.

    Args:
        directory: known devices and CSO capacities.
        policy: timing rules.
        now: the time the branch (re)starts.
        sessions: live sessions restored from the store.
        counters: ticket counters restored from the store, keyed by (day, prefix).
        served_bookings: booking codes already served today.
        decided: (cso_id, session_id, request id) of decisions already recorded (today's).
        durations: lengths (accepted -> ended) of recent sessions, oldest first, for the wait
            estimate.
        stills: stills of live sessions nobody has decided on yet (told again to a CSO that
            comes back).
        new_id: makes session ids (injectable for deterministic tests).
    """

    def __init__(
        self,
        directory: Directory,
        policy: Policy = Policy(),
        *,
        now: float = 0.0,
        sessions: Iterable[Session] = (),
        counters: dict[tuple[str, str], int] | None = None,
        served_bookings: Iterable[str] = (),
        decided: Iterable[tuple[str, str, str]] = (),
        durations: Iterable[float] = (),
        stills: Iterable[p.StillMeta] = (),
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex[:16],
    ):
        self.directory = directory
        self.policy = policy
        self.sessions: dict[str, Session] = {}
        self.counters = dict(counters or {})
        self.served_bookings = set(served_bookings)
        self.peers: dict[str, Peer] = {}
        self.by_device: dict[tuple[str, str], str] = {}
        self.offline_since: dict[tuple[str, str], float] = {}
        self.last_assigned: dict[str, float] = {}
        self._new_id = new_id
        self._acks: list[tuple[Peer, Any, str | None]] = []
        self.decided: set[tuple[str, str, str]] = set(decided)
        self.durations: deque[float] = deque(durations, maxlen=policy.wait_estimate_sessions)
        self.still_peers: dict[str, Peer] = {}
        """Stills connections: authenticated, but not a device's presence."""
        self.stills_held: Counter[tuple[str, str]] = Counter()
        """Stills connections by (role, device id)."""
        self.pending_stills: dict[str, dict[str, p.StillMeta]] = {}
        """Stills nobody has decided on yet, by session and sha256."""
        self.code_misses: dict[str, deque[float]] = {}
        """Times of each booth's recent wrong booking codes."""
        self.answered: dict[str, set[tuple[str, str]]] = {}
        """(request, sha256) of every still announced, by session: each request's still is
        announced once, even when its upload is retried after the officer decided on it."""
        for m in stills:
            self.pending_stills.setdefault(m.session_id, {})[m.sha256] = m
            self.answered.setdefault(m.session_id, set()).add((m.request_id, m.sha256))
        # indexes, kept by _index/_unindex (every session change goes through _put)
        self.queue = WaitingQueue(policy.booking_early)
        self._by_booth: dict[str, str] = {}
        self._by_cso: dict[str, set[str]] = {}
        """ids of the sessions in each CSO's slots (offered, active, held)"""
        self._by_code: dict[str, str] = {}
        self._online_csos: set[str] = set()
        self._online_technicians: set[str] = set()
        self._free = SortedList()
        """(load, last assigned, cso id) of every online CSO with a free slot: assignment order"""
        self._free_key: dict[str, tuple] = {}
        self._slots_of: dict[str, int] = {}
        self._free_of: dict[str, int] = {}
        self._slots_online = 0
        self._free_online = 0
        # what watchers are told on the next tick
        self._positions: dict[str, tuple[int, int, float | None]] = {}
        self._positions_dirty = False
        self._presence_changes: dict[tuple[str, str], p.PresenceEntry | None] = {}
        for s in sessions:
            if s.state is SessionState.ENDED:
                continue
            if s.state is SessionState.OFFERED:  # nobody accepted it before the restart
                s = replace(s, state=SessionState.WAITING, cso_id=None)
            self.sessions[s.id] = s
            self._index(s, now)
            self.offline_since[("booth", s.booth_id)] = now
            if s.cso_id:
                self.offline_since[("cso", s.cso_id)] = now
        self.queue.take_changes()

    # ------------------------------------------------------------------ queries

    def online(self, role: str, device_id: str | None) -> bool:
        """Whether a device is connected now."""
        return device_id is not None and (role, device_id) in self.by_device

    def info(self, s: Session) -> p.SessionInfo:
        """The wire view of a session."""
        return p.SessionInfo(
            id=s.id, booth_id=s.booth_id, ticket=s.ticket, kind=s.kind, booking_code=s.booking_code,
            name=s.name, service=s.service, language=s.language, state=s.state, cso_id=s.cso_id,
            queued_at=s.queued_at, slot_start=s.slot_start, accepted_at=s.accepted_at, outcome=s.outcome,
            booth_online=self.online("booth", s.booth_id), cso_online=self.online("cso", s.cso_id),
        )

    def estimated_wait(self, position: int) -> float | None:
        """Seconds the participant at ``position`` (1 = next) will roughly wait, or None.

        Every officer slot online frees up once per average session length (the last
        ``Policy.wait_estimate_sessions`` sessions); the participant is served when
        ``position`` slots have freed up, minus the slots free right now.

        Args:
            position: place in the queue, 1-based.
        """
        slots = self._slots_online
        if not slots or not self.durations:
            return None
        rounds = math.ceil(max(0, position - self._free_online) / slots)
        return rounds * (sum(self.durations) / len(self.durations))

    def load(self, cso_id: str) -> int:
        """Number of slots a CSO has in use."""
        return len(self._by_cso.get(cso_id, ()))

    def priority(self, s: Session, now: float) -> tuple:
        """Sort key of a waiting session: open booking windows first, then oldest first."""
        return self.queue.priority(s, now)

    def waiting(self, now: float) -> list[Session]:
        """The queue in serving order."""
        self.queue.advance(now, self.sessions)
        return [self.sessions[sid] for sid in self.queue.ids()]

    def booth_session(self, booth_id: str) -> Session | None:
        """The live session of a booth, if any."""
        sid = self._by_booth.get(booth_id)
        return None if sid is None else self.sessions.get(sid)

    def check_booking(self, code: str, booking: p.BookingInfo | None, now: float) -> str | None:
        """Why a booking code cannot be used now, or None if it can.

        Args:
            code: the code the participant typed.
            booking: the imported booking with that code, if any.
            now: current time.
        """
        problem = self.booking_problem(code, booking, now)
        return None if problem is None else problem[1]

    def booking_problem(self, code: str, booking: p.BookingInfo | None,
                        now: float) -> tuple[p.BookingProblem, str] | None:
        """Why a booking code cannot be used now, as a code and a sentence; None if it can be."""
        if booking is None:
            return p.BookingProblem.UNKNOWN, f"unknown booking code {code!r}"
        if local_day(booking.slot_start) != local_day(now):
            return p.BookingProblem.NOT_TODAY, f"booking {code} is for {local_day(booking.slot_start)}, not today"
        if now > booking.slot_start + self.policy.booking_late:
            return p.BookingProblem.SLOT_PASSED, f"the slot of booking {code} has passed; please take a walk-in ticket"
        if code in self.served_bookings:
            return p.BookingProblem.ALREADY_SERVED, f"booking {code} was already served today"
        if code in self._by_code:
            return p.BookingProblem.ALREADY_WAITING, f"booking {code} is already in the queue"
        return None

    # ------------------------------------------------------------------ inputs

    def _authenticate(self, fx: Effects, conn: str, msg: p.Hello, now: float) -> bool:
        """Check a hello's version, device and token; refuse (and audit) when wrong."""
        key = (msg.role, msg.device_id)
        if msg.version != p.PROTOCOL_VERSION:
            self._refuse(fx, conn, msg, ErrorCode.VERSION_MISMATCH, CloseCode.VERSION_MISMATCH,
                         f"protocol version {msg.version} is not supported; this server speaks "
                         f"version {p.PROTOCOL_VERSION}")
            return False
        expected = self.directory.tokens.get(key)
        if expected is None and key in self.directory.revoked:
            fx.audit.append(AuditEntry(now, f"{msg.role}:{msg.device_id}", None, "auth_failed", {"why": "revoked"}))
            self._refuse(fx, conn, msg, ErrorCode.AUTH_FAILED, CloseCode.AUTH_FAILED,
                         f"the token of {msg.role} {msg.device_id!r} was revoked; a technician issues a new one")
            return False
        if expected is None:
            fx.audit.append(AuditEntry(now, f"{msg.role}:{msg.device_id}", None, "auth_failed", {"why": "unknown device"}))
            self._refuse(fx, conn, msg, ErrorCode.UNKNOWN_DEVICE, CloseCode.AUTH_FAILED,
                         f"unknown {msg.role} {msg.device_id!r}")
            return False
        if not hmac.compare_digest(expected, hash_token(msg.token)):
            fx.audit.append(AuditEntry(now, f"{msg.role}:{msg.device_id}", None, "auth_failed", {"why": "wrong token"}))
            self._refuse(fx, conn, msg, ErrorCode.AUTH_FAILED, CloseCode.AUTH_FAILED,
                         f"wrong token for {msg.role} {msg.device_id!r}")
            return False
        return True

    def hello(self, conn: str, msg: p.Hello, now: float) -> Effects:
        """Authenticate a new connection (a device's main connection, or a stills connection)."""
        fx = Effects()
        key = (msg.role, msg.device_id)
        if not self._authenticate(fx, conn, msg, now):
            return fx
        if msg.channel == "stills":
            if msg.role == "technician":
                self._refuse(fx, conn, msg, ErrorCode.FORBIDDEN, CloseCode.AUTH_FAILED,
                             "technicians have no stills to send or fetch")
                return fx
            held = self.stills_held[key]
            if held >= self.policy.stills_connections:
                self._refuse(fx, conn, msg, ErrorCode.RATE_LIMITED, CloseCode.DEVICE_IN_USE,
                             f"{msg.role} {msg.device_id} holds {held} stills connections already "
                             f"(limits.stills_connections_per_device)")
                return fx
            self.still_peers[conn] = Peer(conn, msg.role, msg.device_id, now)
            self.stills_held[key] += 1
            fx.sends.append(Send(conn, p.Welcome(role=msg.role, device_id=msg.device_id, server_time=now,
                                                 branch_name=self.directory.branch_name)))
            return fx
        old = self.by_device.get(key)
        if old is not None:
            self.peers.pop(old, None)
            fx.closes.append(Close(old, CloseCode.REPLACED, "replaced by a new connection from the same device"))
        peer = Peer(conn, msg.role, msg.device_id, now)
        self.peers[conn] = peer
        self.by_device[key] = conn
        self.offline_since.pop(key, None)
        self.queue.advance(now, self.sessions)
        self._presence_changes[key] = p.PresenceEntry(role=peer.role, device_id=peer.device_id, since=now)
        mine = self._sessions_of(peer)
        if msg.role == "cso":
            self._online_csos.add(msg.device_id)
            self._cso_refresh(msg.device_id)
        elif msg.role == "technician":
            self._online_technicians.add(msg.device_id)
        elif msg.role == "booth":
            for s in mine:  # its booth is back: assignable again, and it hears its place again
                if s.state is SessionState.WAITING:
                    self.queue.set_ready(s.id, True)
                self._positions.pop(s.id, None)
                self._positions_dirty = True
        fx.sends.append(Send(conn, p.Welcome(
            role=msg.role, device_id=msg.device_id, server_time=now, branch_name=self.directory.branch_name,
            capacity=self.directory.capacity(msg.device_id) if msg.role == "cso" else None,
            sessions=[self.info(s) for s in mine],
            services=[p.ServiceInfo(id=k, documents=list(v)) for k, v in self.directory.services.items()]
            if msg.role == "cso" else [],
        )))
        if msg.role == "cso":  # the whole views once; their changes come with the ticks
            fx.sends.append(Send(conn, p.QueueUpdate(waiting=[self.info(self.sessions[sid])
                                                               for sid in self.queue.ids()])))
            self.queue.told_whole()
            fx.sends.append(Send(conn, self._presence_message(officers_only=True)))
        elif msg.role == "technician":
            fx.sends.append(Send(conn, self._presence_message(officers_only=False)))
        touched = {s.id for s in mine}
        self._assign(fx, now, touched)
        self._flush(fx, now, touched, skip={conn: {s.id for s in mine} - set(fx.saved)})
        if msg.role == "cso":  # stills that arrived while this console was away
            for sid in self._by_cso.get(msg.device_id, ()):
                s = self.sessions[sid]
                for meta in self.pending_stills.get(sid, {}).values():
                    fx.sends.append(Send(conn, p.StillAvailable(still=meta, booth_id=s.booth_id)))
        return fx

    # ------------------------------------------------------------------ stills

    def check_still_put(self, conn: str, meta: p.StillMeta, max_bytes: int, per_session: int) -> str | None:
        """Why a stills connection may not upload this still, or None when it may.

        Args:
            conn: the stills connection.
            meta: the still.
            max_bytes: the largest still accepted.
            per_session: stills a session may have waiting for a decision.
        """
        peer = self.still_peers.get(conn)
        if peer is None or peer.role != "booth":
            return "only a booth uploads stills, on a stills connection"
        s = self.sessions.get(meta.session_id)
        if s is None or s.booth_id != peer.device_id or s.state not in (SessionState.ACTIVE, SessionState.HELD):
            return f"no active session {meta.session_id!r} of booth {peer.device_id}"
        if meta.size > max_bytes:
            return f"a still of {meta.size} bytes is over the {max_bytes}-byte limit"
        pending = self.pending_stills.get(meta.session_id, {})
        waiting = len(pending)
        if meta.sha256 not in pending and waiting >= per_session:
            return f"session {meta.session_id} has {waiting} stills waiting for a decision already"
        return None

    def check_still_get(self, conn: str, session_id: str) -> str | None:
        """Why a stills connection may not fetch a still of ``session_id``, or None when it may."""
        peer = self.still_peers.get(conn)
        if peer is None or peer.role != "cso":
            return "only a CSO fetches stills, on a stills connection"
        s = self.sessions.get(session_id)
        if s is None or s.cso_id != peer.device_id:
            return f"no session {session_id!r} of cso {peer.device_id}"
        return None

    def still_stored(self, conn: str, meta: p.StillMeta, now: float) -> Effects:
        """A still arrived whole and verified on disk: record it, tell the session's CSO."""
        fx = Effects()
        peer = self.still_peers.get(conn)
        s = self.sessions.get(meta.session_id)
        if peer is None or s is None:
            return fx
        answered = self.answered.setdefault(meta.session_id, set())
        if (meta.request_id, meta.sha256) in answered:
            return fx  # sent twice (a retried upload): recorded and announced once
        # New, or the same bytes for another request (the document shown again to a camera with
        # no noise, or the same card for another document): it answers this request now.
        answered.add((meta.request_id, meta.sha256))
        self.pending_stills.setdefault(meta.session_id, {})[meta.sha256] = meta
        fx.stills.append((meta, peer.device_id))
        fx.audit.append(AuditEntry(now, f"booth:{peer.device_id}", meta.session_id, "still_stored",
                                   {"sha256": meta.sha256, "size": meta.size, "request_id": meta.request_id,
                                    "document": meta.document.value}))
        cso = self.by_device.get(("cso", s.cso_id))
        if cso is not None:
            fx.sends.append(Send(cso, p.StillAvailable(still=meta, booth_id=s.booth_id)))
        return fx

    def handle(self, conn: str, msg: Any, now: float, booking: p.BookingInfo | None = None) -> Effects:
        """Carry out one message from an authenticated connection.

        Args:
            conn: the connection it came on.
            msg: a parsed client message (not hello).
            now: current time.
            booking: for check_booking / announce(kind=booking): the imported booking with that
                code (looked up by the server), or None.
        """
        fx = Effects()
        peer = self.peers.get(conn)
        if peer is None:
            fx.sends.append(Send(conn, p.Error(code=ErrorCode.NOT_AUTHENTICATED,
                                               message="send hello first", ref=getattr(msg, "id", None))))
            fx.closes.append(Close(conn, CloseCode.NOT_AUTHENTICATED, "hello required"))
            return fx
        if isinstance(msg, p.Hello):
            return self._error(fx, peer, msg, ErrorCode.INVALID_STATE, "already authenticated")
        if isinstance(msg, (p.StillPut, p.StillGet)):
            return self._error(fx, peer, msg, ErrorCode.INVALID_STATE,
                               f"{msg.type} belongs on a stills connection (hello with channel 'stills')")
        if type(msg) not in PERMISSIONS[peer.role]:
            return self._error(fx, peer, msg, ErrorCode.FORBIDDEN, f"a {peer.role} may not send {msg.type!r}")
        touched: set[str] = set()
        self._acks: list[tuple[Peer, Any, str | None]] = []
        self.queue.advance(now, self.sessions)
        handler = getattr(self, f"_on_{msg.type}")
        handler(fx, peer, msg, now, touched, booking)
        if touched:  # relays, checks and decisions change no session: the hot path stays O(1)
            self._assign(fx, now, touched)
        for args in self._acks:  # acks show the state after assignment
            self._send_ack(fx, *args)
        if touched:
            self._flush(fx, now, touched)
        return fx

    def disconnect(self, conn: str, now: float) -> Effects:
        """A connection closed (cleanly or not)."""
        fx = Effects()
        gone = self.still_peers.pop(conn, None)
        if gone is not None:
            key = (gone.role, gone.device_id)
            self.stills_held[key] -= 1
            if self.stills_held[key] <= 0:
                del self.stills_held[key]
            return fx
        peer = self.peers.pop(conn, None)
        if peer is None or self.by_device.get(peer.key) != conn:
            return fx
        del self.by_device[peer.key]
        self.offline_since[peer.key] = now
        self._presence_changes[peer.key] = None
        self.queue.advance(now, self.sessions)
        touched: set[str] = set()
        if peer.role == "cso":
            self._online_csos.discard(peer.device_id)
            self._cso_refresh(peer.device_id)
        elif peer.role == "technician":
            self._online_technicians.discard(peer.device_id)
        for s in self._sessions_of(peer):
            if peer.role == "cso" and s.state is SessionState.OFFERED:
                self._put(fx, s, now, touched, state=SessionState.WAITING, cso_id=None)
                fx.audit.append(AuditEntry(now, f"cso:{peer.device_id}", s.id, "offer_withdrawn", {"why": "cso offline"}))
            else:
                if s.state is SessionState.WAITING:
                    self.queue.set_ready(s.id, False)
                touched.add(s.id)
        self._assign(fx, now, touched)
        self._flush(fx, now, touched)
        return fx

    def tick(self, now: float) -> Effects:
        """Advance the clock: move on the sessions of devices gone too long; tell the watchers
        what changed since the last tick (queue to CSOs, presence, places to waiting booths).

        Presence and queue changes are sent here, at most once per tick, rather than on every
        input: a hundred booths starting at once cost one message per watcher, not a hundred.
        """
        fx = Effects()
        touched: set[str] = set()
        self.queue.advance(now, self.sessions)
        # offline_since is in the order devices went offline: the expired ones are at the front
        while self.offline_since:
            key, since = next(iter(self.offline_since.items()))
            if now - since < self.policy.resume_grace:
                break
            del self.offline_since[key]
            role, device = key
            if role == "cso":
                for sid in list(self._by_cso.get(device, ())):
                    s = self.sessions[sid]
                    self._put(fx, s, now, touched, state=SessionState.WAITING, cso_id=None)
                    fx.audit.append(AuditEntry(now, "server", s.id, "cso_lost", {"cso_id": device}))
            elif role == "booth":
                s = self.booth_session(device)
                if s is not None:
                    fx.audit.append(AuditEntry(now, "server", s.id, "booth_lost", {"booth_id": device}))
                    self._end(fx, s, Outcome.BOOTH_OFFLINE, now, touched)
        self._assign(fx, now, touched)
        if touched:
            self._flush(fx, now, touched)
        self._send_views(fx, now)
        return fx

    # ------------------------------------------------------------------ handlers

    def _guessing(self, fx, peer, msg, now) -> bool:
        """Refuse a booth that tried too many wrong booking codes lately (answered, not counted)."""
        misses = self.code_misses.get(peer.device_id)
        window = self.policy.booking_miss_window
        while misses and now - misses[0] > window:
            misses.popleft()
        if misses is not None and len(misses) >= self.policy.booking_misses:
            wait = max(1, math.ceil((window - (now - misses[0])) / 60))
            self._error(fx, peer, msg, ErrorCode.RATE_LIMITED,
                        f"{len(misses)} wrong booking codes at this booth; try again in {wait} min, or take a "
                        f"walk-in ticket")
            return True
        return False

    def _missed(self, fx, peer, code: str, now: float) -> None:
        misses = self.code_misses.setdefault(peer.device_id, deque())
        misses.append(now)
        if len(misses) == self.policy.booking_misses:  # once per spell, not per try
            fx.audit.append(AuditEntry(now, f"booth:{peer.device_id}", None, "booking_guessing",
                                       {"misses": len(misses), "window_s": self.policy.booking_miss_window,
                                        "last_code": code[:32]}))

    def _on_check_booking(self, fx, peer, msg: p.CheckBooking, now, touched, booking):
        if self._guessing(fx, peer, msg, now):
            return
        problem = self.booking_problem(msg.code, booking, now)
        if problem is not None:
            self._missed(fx, peer, msg.code, now)
        fx.sends.append(Send(peer.conn, p.BookingResult(
            ref=msg.id, code=msg.code, valid=problem is None, problem=problem and problem[0],
            reason=problem and problem[1], booking=booking if problem is None else None)))

    def _on_announce(self, fx, peer, msg: p.Announce, now, touched, booking):
        if self.booth_session(peer.device_id) is not None:
            return self._error(fx, peer, msg, ErrorCode.INVALID_STATE,
                               f"booth {peer.device_id} already has a participant in the queue or in a call")
        slot = None
        if msg.kind == "booking":
            if msg.booking_code is None:
                return self._error(fx, peer, msg, ErrorCode.INVALID_MESSAGE, "announce kind=booking needs booking_code")
            if self._guessing(fx, peer, msg, now):
                return
            why = self.check_booking(msg.booking_code, booking, now)
            if why is not None:
                self._missed(fx, peer, msg.booking_code, now)
                return self._error(fx, peer, msg, ErrorCode.BOOKING_INVALID, why)
            slot = booking.slot_start
        elif msg.booking_code is not None:
            return self._error(fx, peer, msg, ErrorCode.INVALID_MESSAGE, "booking_code is only for kind=booking")
        prefix = "B" if msg.kind == "booking" else "A"
        key = (local_day(now), prefix)
        number = self.counters.get(key, 0) + 1
        self.counters[key] = fx.counters[key] = number
        service = booking.service if booking is not None and booking.service in self.directory.services \
            else DEFAULT_SERVICE
        s = Session(id=self._new_id(), booth_id=peer.device_id, ticket=f"{prefix}{number:03d}", kind=msg.kind,
                    language=msg.language.value, queued_at=now, service=service, booking_code=msg.booking_code,
                    name=booking.name if booking is not None and msg.kind == "booking" else None,
                    slot_start=slot, updated_at=now)
        self.sessions[s.id] = s
        self._index(s, now)
        fx.saved[s.id] = s
        touched.add(s.id)
        fx.audit.append(AuditEntry(now, f"booth:{peer.device_id}", s.id, "announced",
                                   {"ticket": s.ticket, "kind": s.kind, "booking_code": s.booking_code,
                                    "language": s.language, "service": s.service}))
        self._ack(fx, peer, msg, s.id)

    def _on_cancel(self, fx, peer, msg: p.Cancel, now, touched, booking):
        s = self.booth_session(peer.device_id)
        if s is None:
            return self._error(fx, peer, msg, ErrorCode.INVALID_STATE, f"booth {peer.device_id} has no session")
        fx.audit.append(AuditEntry(now, f"booth:{peer.device_id}", s.id, "cancelled", {}))
        self._end(fx, s, Outcome.PARTICIPANT_LEFT, now, touched)
        self._ack(fx, peer, msg, s.id)

    def _on_accept(self, fx, peer, msg: p.Accept, now, touched, booking):
        s = self.sessions.get(msg.session_id)
        first = s is not None and s.accepted_at is None
        self._transition(fx, peer, msg, now, touched, {SessionState.OFFERED}, SessionState.ACTIVE, "accepted",
                         **({"accepted_at": now} if first else {}))

    def _on_hold(self, fx, peer, msg: p.Hold, now, touched, booking):
        self._transition(fx, peer, msg, now, touched, {SessionState.ACTIVE}, SessionState.HELD, "held")

    def _on_unhold(self, fx, peer, msg: p.Unhold, now, touched, booking):
        self._transition(fx, peer, msg, now, touched, {SessionState.HELD}, SessionState.ACTIVE, "unheld")

    def _on_transfer(self, fx, peer, msg: p.Transfer, now, touched, booking):
        s = self._owned(fx, peer, msg, p.SLOT_STATES)
        if s is None:
            return
        to = msg.to_cso
        if to is not None:
            if to == peer.device_id:
                return self._error(fx, peer, msg, ErrorCode.INVALID_MESSAGE, "cannot transfer a session to yourself")
            if ("cso", to) not in self.directory.tokens:
                return self._error(fx, peer, msg, ErrorCode.NOT_FOUND, f"unknown cso {to!r}")
            if not self.online("cso", to):
                return self._error(fx, peer, msg, ErrorCode.PEER_OFFLINE, f"cso {to} is offline")
            if self.load(to) >= self.directory.capacity(to):
                return self._error(fx, peer, msg, ErrorCode.INVALID_STATE, f"cso {to} has no free slot")
        fx.audit.append(AuditEntry(now, f"cso:{peer.device_id}", s.id, "transferred",
                                   {"reason": msg.reason, "to_cso": to}))
        if to is None:
            self._put(fx, s, now, touched, state=SessionState.WAITING, cso_id=None,
                      declined_by=s.declined_by | {peer.device_id})
        else:
            fx.audit.append(AuditEntry(now, "server", s.id, "offered", {"cso_id": to}))
            self._put(fx, s, now, touched, state=SessionState.OFFERED, cso_id=to,
                      declined_by=s.declined_by | {peer.device_id})
        self._ack(fx, peer, msg, s.id)

    def _on_end(self, fx, peer, msg: p.End, now, touched, booking):
        s = self._owned(fx, peer, msg, p.SLOT_STATES)
        if s is None:
            return
        fx.audit.append(AuditEntry(now, f"cso:{peer.device_id}", s.id, "ended",
                                   {"outcome": msg.outcome.value, "note": msg.note}))
        self._end(fx, s, msg.outcome, now, touched)
        self._ack(fx, peer, msg, s.id)

    def _on_decision(self, fx, peer, msg: p.Decision, now, touched, booking):
        key = (peer.device_id, msg.session_id, msg.id)
        if key in self.decided:  # sent again after a lost answer: already recorded once
            self._ack(fx, peer, msg, msg.session_id)
            return
        s = self._owned(fx, peer, msg, {SessionState.ACTIVE, SessionState.HELD})
        if s is None:
            return
        reason = msg.reason.value if msg.reason else None
        fx.audit.append(AuditEntry(now, f"cso:{peer.device_id}", s.id, "decision",
                                   {"document": msg.document.value, "verdict": msg.verdict.value, "reason": reason,
                                    "note": msg.note, "still_sha256": msg.still_sha256, "ref": msg.id}))
        fx.decisions.append(DecisionRecord(now, peer.device_id, msg.id, s.id, msg.document.value, msg.verdict.value,
                                           reason, msg.note, msg.still_sha256))
        if msg.still_sha256 is not None:
            self.pending_stills.get(s.id, {}).pop(msg.still_sha256, None)
        self.decided.add(key)
        self._ack(fx, peer, msg, s.id)

    def _on_signal(self, fx, peer, msg: p.Signal, now, touched, booking):
        s = self.sessions.get(msg.session_id)
        if s is None or not self._involves(s, peer):
            return self._error(fx, peer, msg, ErrorCode.NOT_FOUND, f"no session {msg.session_id!r} of yours")
        if s.state not in (SessionState.ACTIVE, SessionState.HELD):
            return self._error(fx, peer, msg, ErrorCode.INVALID_STATE,
                               f"session {s.id} is {s.state.value}; signals need an active or held session")
        target = ("cso", s.cso_id) if peer.role == "booth" else ("booth", s.booth_id)
        conn = self.by_device.get(target)
        if conn is None:
            return self._error(fx, peer, msg, ErrorCode.PEER_OFFLINE, f"{target[0]} {target[1]} is offline")
        # every field is validated already (the payload when the signal was parsed)
        fx.sends.append(Send(conn, p.Relayed.model_construct(session_id=s.id, payload=msg.payload,
                                                             sender=peer.device_id)))
        if msg.id is not None:
            self._ack(fx, peer, msg, None)

    # ------------------------------------------------------------------ helpers

    def _involves(self, s: Session, peer: Peer) -> bool:
        if peer.role == "booth":
            return s.booth_id == peer.device_id
        if peer.role == "cso":
            return s.cso_id == peer.device_id
        return False

    def _owned(self, fx, peer, msg, states) -> Session | None:
        s = self.sessions.get(msg.session_id)
        if s is None or s.cso_id != peer.device_id:
            self._error(fx, peer, msg, ErrorCode.NOT_FOUND, f"no session {msg.session_id!r} assigned to you")
            return None
        if s.state not in states:
            allowed = "/".join(sorted(x.value for x in states))
            self._error(fx, peer, msg, ErrorCode.INVALID_STATE,
                        f"cannot {msg.type} session {s.id}: it is {s.state.value}, needs {allowed}")
            return None
        return s

    def _transition(self, fx, peer, msg, now, touched, sources, target, event, **changes):
        s = self._owned(fx, peer, msg, sources)
        if s is None:
            return
        fx.audit.append(AuditEntry(now, f"cso:{peer.device_id}", s.id, event, {}))
        self._put(fx, s, now, touched, state=target, **changes)
        self._ack(fx, peer, msg, s.id)

    def _sessions_of(self, peer: Peer) -> list[Session]:
        """The live sessions a device takes part in (a booth's one, a CSO's slots)."""
        if peer.role == "booth":
            s = self.booth_session(peer.device_id)
            return [] if s is None else [s]
        if peer.role == "cso":
            return [self.sessions[sid] for sid in self._by_cso.get(peer.device_id, ())]
        return []

    def _put(self, fx: Effects, s: Session, now: float, touched: set[str], **changes) -> Session:
        new = replace(s, updated_at=now, **changes)
        self._unindex(s)
        if new.state is SessionState.ENDED:
            self.sessions.pop(s.id, None)
        else:
            self.sessions[s.id] = new
            self._index(new, now)
        fx.saved[s.id] = new
        touched.add(s.id)
        return new

    def _index(self, s: Session, now: float) -> None:
        """Enter a live session in the indexes."""
        self._by_booth[s.booth_id] = s.id
        if s.booking_code:
            self._by_code[s.booking_code] = s.id
        if s.state is SessionState.WAITING:
            self.queue.add(s, now, ready=self.online("booth", s.booth_id))
        elif s.cso_id is not None and s.state in p.SLOT_STATES:
            self._by_cso.setdefault(s.cso_id, set()).add(s.id)
            self._cso_refresh(s.cso_id)

    def _unindex(self, s: Session) -> None:
        """Take a session (as it was) out of the indexes."""
        if self._by_booth.get(s.booth_id) == s.id:
            del self._by_booth[s.booth_id]
        if s.booking_code and self._by_code.get(s.booking_code) == s.id:
            del self._by_code[s.booking_code]
        self.queue.discard(s.id)
        if s.cso_id is not None:
            slots = self._by_cso.get(s.cso_id)
            if slots is not None and s.id in slots:
                slots.discard(s.id)
                if not slots:
                    del self._by_cso[s.cso_id]
                self._cso_refresh(s.cso_id)

    def _cso_refresh(self, cso_id: str) -> None:
        """Bring a CSO's place among the free ones, and the wait estimate's sums, up to date."""
        online = cso_id in self._online_csos
        capacity = self.directory.capacity(cso_id)
        load = self.load(cso_id)
        old = self._free_key.pop(cso_id, None)
        if old is not None:
            self._free.remove(old)
        if online and load < capacity:
            key = (load, self.last_assigned.get(cso_id, 0.0), cso_id)
            self._free.add(key)
            self._free_key[cso_id] = key
        slots, free = (capacity, max(0, capacity - load)) if online else (0, 0)
        if slots != self._slots_of.get(cso_id, 0) or free != self._free_of.get(cso_id, 0):
            self._slots_online += slots - self._slots_of.get(cso_id, 0)
            self._free_online += free - self._free_of.get(cso_id, 0)
            self._slots_of[cso_id], self._free_of[cso_id] = slots, free
            self._positions_dirty = True  # the wait estimate changed

    def _end(self, fx, s: Session, outcome: Outcome, now, touched):
        if s.cso_id is not None:
            touched.add(s.id)
        if s.accepted_at is not None and s.state in (SessionState.ACTIVE, SessionState.HELD):
            self.durations.append(max(0.0, now - s.accepted_at))
            self._positions_dirty = True

        new = self._put(fx, s, now, touched, state=SessionState.ENDED, outcome=outcome)
        if outcome is Outcome.COMPLETED and new.booking_code:
            self.served_bookings.add(new.booking_code)
        self.pending_stills.pop(s.id, None)
        self.answered.pop(s.id, None)
        fx.discard_stills.append(s.id)

    def _pick_cso(self, s: Session) -> str | None:
        """The CSO a waiting session goes to: least loaded, then idle longest; not back to one who
        transferred it while another CSO is online."""
        declined = s.declined_by
        if not declined:
            return self._free[0][-1] if self._free else None
        others_online = len(self._online_csos) > sum(1 for c in declined if c in self._online_csos)
        for key in self._free:  # skips at most len(declined) officers
            if others_online and key[-1] in declined:
                continue
            return key[-1]
        return None

    def _assign(self, fx: Effects, now: float, touched: set[str]) -> None:
        i = 0
        while self._free and i < self.queue.ready_count:
            s = self.sessions[self.queue.ready_at(i)]
            cso = self._pick_cso(s)
            if cso is None:
                i += 1
                continue
            self.last_assigned[cso] = now
            fx.audit.append(AuditEntry(now, "server", s.id, "offered", {"cso_id": cso}))
            self._put(fx, s, now, touched, state=SessionState.OFFERED, cso_id=cso)  # leaves the queue

    def _flush(self, fx: Effects, now: float, touched: set[str], skip: dict[str, set[str]] | None = None) -> None:
        """Tell the booth and the CSO of each session this input touched."""
        skip = skip or {}
        lost: dict[str, set[str]] = {}  # a CSO that just lost the session (transfer, lost, ended) hears it too
        for a in fx.audit:
            if a.session_id in touched and a.actor.startswith("cso:"):
                lost.setdefault(a.session_id, set()).add(a.actor[4:])
        # Updates go out in the order the changes happened (an end before the offer it made room
        # for), so a desk never sees more sessions than its capacity, not even for a moment.
        ordered = [sid for sid in fx.saved if sid in touched] + sorted(touched - fx.saved.keys())
        for sid in ordered:
            s = fx.saved.get(sid) or self.sessions.get(sid)
            if s is None:
                continue
            recipients = {self.by_device.get(("booth", s.booth_id)), self.by_device.get(("cso", s.cso_id))}
            recipients.update(self.by_device.get(("cso", c)) for c in lost.get(sid, ()))
            update = None
            for conn in recipients - {None}:
                if sid in skip.get(conn, ()):
                    continue
                update = update or p.SessionUpdate(session=self.info(s))
                fx.sends.append(Send(conn, update))

    def _send_views(self, fx: Effects, now: float) -> None:
        """Once per tick: the queue's changes to CSOs, presence changes, places to waiting booths."""
        if self.queue.changed or self._positions_dirty:
            self._send_positions(fx)
        placed_ids, removed = self.queue.take_changes()
        if placed_ids or removed:
            placed = sorted((self.queue.index(sid), sid) for sid in placed_ids)
            change = p.QueueChange(
                removed=sorted(removed),
                placed=[p.QueueEntry(index=i, session=self.info(self.sessions[sid])) for i, sid in placed])
            fx.sends.extend(Send(self.by_device[("cso", c)], change) for c in self._online_csos)
        if self._presence_changes:
            changes, self._presence_changes = self._presence_changes, {}
            for officers_only in (False, True):
                mine = {k: v for k, v in changes.items() if not officers_only or k[0] == "cso"}
                if not mine:
                    continue
                message = p.PresenceChange(
                    joined=sorted((e for e in mine.values() if e is not None), key=lambda e: (e.role, e.device_id)),
                    left=[p.DeviceRef(role=r, device_id=d) for (r, d), e in sorted(mine.items()) if e is None])
                if officers_only:
                    fx.sends.extend(Send(self.by_device[("cso", c)], message) for c in self._online_csos)
                else:
                    fx.sends.extend(Send(conn, message) for conn in self.technician_conns())

    def _send_positions(self, fx: Effects) -> None:
        """Tell each waiting booth its place and estimated wait, when either changed."""
        self._positions_dirty = False
        total = len(self.queue)
        current: dict[str, tuple[int, int, float | None]] = {}
        for i, sid in enumerate(self.queue.ids(), 1):
            estimate = self.estimated_wait(i)
            place = current[sid] = (i, total, None if estimate is None else round(estimate))
            if self._positions.get(sid) == place:
                continue
            conn = self.by_device.get(("booth", self.sessions[sid].booth_id))
            if conn is None:
                continue  # told again when it comes back (hello forgets its last place)
            fx.sends.append(Send(conn, p.QueuePosition(session_id=sid, position=place[0], waiting=total,
                                                       estimated_wait=place[2])))
            self._positions[sid] = place
        for sid in [sid for sid in self._positions if sid not in current]:
            del self._positions[sid]

    def technician_conns(self) -> list[str]:
        """The connections of the technicians online (they hear presence and alerts, never the queue)."""
        return [self.by_device[("technician", t)] for t in self._online_technicians]

    def _presence_message(self, officers_only: bool) -> p.Presence:
        peers = [self.peers[self.by_device[("cso", c)]] for c in self._online_csos] if officers_only \
            else self.peers.values()
        return p.Presence(online=sorted(
            (p.PresenceEntry(role=x.role, device_id=x.device_id, since=x.since) for x in peers),
            key=lambda e: (e.role, e.device_id)))

    def _ack(self, fx: Effects, peer: Peer, msg: Any, session_id: str | None) -> None:
        if msg.id is not None:
            self._acks.append((peer, msg, session_id))

    def _send_ack(self, fx: Effects, peer: Peer, msg: Any, session_id: str | None) -> None:
        s = self.sessions.get(session_id) if session_id else None
        s = s or (fx.saved.get(session_id) if session_id else None)
        fx.sends.append(Send(peer.conn, p.Ack(ref=msg.id, session=self.info(s) if s else None)))

    def _error(self, fx: Effects, peer: Peer, msg: Any, code: ErrorCode, text: str) -> Effects:
        fx.sends.append(Send(peer.conn, p.Error(code=code, message=text, ref=getattr(msg, "id", None))))
        return fx

    def _refuse(self, fx, conn, msg, code: ErrorCode, close: CloseCode, text: str) -> Effects:
        fx.sends.append(Send(conn, p.Error(code=code, message=text, ref=msg.id)))
        fx.closes.append(Close(conn, close, text[:120]))
        return fx
