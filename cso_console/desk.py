"""The officer's desk as one pure object: :class:`Desk`, up to six booths at once.

Like :class:`signaling.routing.Branch`, it does no I/O: typed inputs go in with the time
(:meth:`Desk.handle`: server messages, media events, the officer's intents, ticks), commands
come out (requests to the server, each with its own id; engine commands), and
:meth:`Desk.view` gives one immutable :class:`DeskView` that the console renders.

Rules in one place:

* **Slots.** A session offered to this officer takes the lowest free slot and keeps it until it
  ends or leaves (transfer, back to the queue). Keys 1-6 name the slots.
* **Focus.** At most one booth is focused: it gets the officer's camera and microphone and
  full quality. Moving the focus away from a booth the officer talked to puts that booth on
  hold (its screen says so); focusing a held booth takes it off hold; focusing an offered
  booth accepts it. The focus is always a live slot.
* **Tile state**, most urgent first: reconnecting, device fault, hand raised, still arriving,
  document requested, talking, waiting for you (never greeted), on hold. A booth that waited
  for the officer (every booth but the focused one waits) longer than ``waited_too_long`` alarms.
* **Documents.** The claim checklist is the session's service's list of documents (from the
  server). A request asks a booth for one document (one outstanding per booth); the booth
  sends its still to the branch server, which announces it; the desk fetches the stills one at
  a time, in the order they were announced (a failed fetch is tried again); the officer
  verifies it or rejects it with a reason; the decision goes to the server (with the still's
  SHA-256) and to the booth's screen.
* **Exactly once.** Every decision has its own request id; one the server has not acknowledged
  is sent again with the same id after a reconnect (the server records it once). A session is
  ended only after every decision on it is acknowledged.
"""
from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass, field, replace
from typing import Callable, Union

from common.documents import DEFAULT_SERVICE, JHT_CLAIM_DOCUMENTS, DocumentKind, RejectReason, Verdict
from common.language import Language
from media import control as ctl
from media.events import (
    BoothDevicesReported,
    CallAdded,
    CallRemoved,
    CallState,
    CallStateChanged,
    DocumentFailed,
    DocumentPendingAtBooth,
    HandRaised,
)
from media.stats import SessionStats
from signaling import protocol as p
from signaling.protocol import Outcome, SessionState

# ============================================================================== the view


class TileState(str, enum.Enum):
    """What a booth tile says, most urgent first (see :data:`TILE_PRIORITY`)."""

    RECONNECTING = "reconnecting"
    DEVICE_FAULT = "device_fault"
    HAND_RAISED = "hand_raised"
    STILL_ARRIVING = "still_arriving"
    DOCUMENT_REQUESTED = "document_requested"
    TALKING = "talking"
    WAITING_FOR_YOU = "waiting_for_you"
    ON_HOLD = "on_hold"


TILE_PRIORITY = tuple(TileState)


class LinkQuality(str, enum.Enum):
    """The connection-quality badge (thresholds like Jitsi's: loss <= 2 % good, > 8 % bad)."""

    UNKNOWN = "unknown"
    GOOD = "good"
    FAIR = "fair"
    BAD = "bad"


class DocStatus(str, enum.Enum):
    """One document of the checklist, as the officer sees it."""

    NEEDED = "needed"
    REQUESTED = "requested"  # asked; the participant is placing it
    ARRIVING = "arriving"  # the still is queued or on its way
    RECEIVED = "received"  # the still is here: verify or reject
    VERIFIED = "verified"
    REJECTED = "rejected"


_TO_BOOTH = {
    DocStatus.NEEDED: ctl.ChecklistStatus.NEEDED, DocStatus.REQUESTED: ctl.ChecklistStatus.REQUESTED,
    DocStatus.ARRIVING: ctl.ChecklistStatus.REQUESTED, DocStatus.RECEIVED: ctl.ChecklistStatus.RECEIVED,
    DocStatus.VERIFIED: ctl.ChecklistStatus.VERIFIED, DocStatus.REJECTED: ctl.ChecklistStatus.REJECTED,
}


@dataclass(frozen=True)
class StillRef:
    """A verified still (its bytes live with the console's viewer, keyed by ``request_id``)."""

    request_id: str
    sha256: str
    width: int
    height: int
    size: int
    corners: tuple[tuple[float, float], ...] | None = None


@dataclass(frozen=True)
class DocEntry:
    """One document of a booth's checklist.

    Args:
        document: which document.
        status: where it is.
        still: the latest still received for it.
        reason: why it was rejected.
        confirmed: the decision is acknowledged by the server.
    """

    document: DocumentKind
    status: DocStatus
    still: StillRef | None = None
    reason: RejectReason | None = None
    confirmed: bool = False


@dataclass(frozen=True)
class RequestView:
    """The outstanding document request of a booth.

    Args:
        request_id: its id.
        document: which document.
        queue_position: None while the participant places it and the booth sends it to the
            server; then 1.. in the console's fetch queue, 0 while it is fetched.
        received_bytes: bytes of the still fetched so far.
        size: the still's size (0 until known).
        failures: failed fetches so far.
    """

    request_id: str
    document: DocumentKind
    queue_position: int | None = None
    received_bytes: int = 0
    size: int = 0
    failures: int = 0


@dataclass(frozen=True)
class TileView:
    """One booth's tile.

    Args:
        slot: 1..capacity (the key that focuses it).
        session_id: the session.
        ticket: the queue number.
        name: the booked participant's name.
        kind: "walk_in" or "booking".
        booking_code: the booking's code.
        language: the participant's language.
        service: what they came for.
        state: the most urgent state.
        flags: every state that applies.
        focused: the officer talks to this booth.
        session_state: the server's state of the session.
        in_session: seconds since the officer accepted it.
        waiting: seconds this participant has been waiting for the officer (None: not waiting).
        alarm: waited too long.
        quality: connection badge.
        loss: packet loss, 0..1.
        rtt_ms: round-trip time.
        fps: face frames per second received.
        faults: the booth's broken devices, (role, message).
        request: the outstanding document request.
        checklist: the claim's documents.
        missing: documents not yet verified.
        suggested_outcome: what ending now would mean (completed only when nothing is missing).
        busy: a server request for this booth is in flight.
        document_view: the officer has this booth's documents open (its live document view and
            stills); a document request opens it.
        rejected: documents whose latest decision is a rejection, with the reason.
        to_check: documents whose still is here and waits for the officer's decision.
    """

    slot: int
    session_id: str
    ticket: str
    name: str | None
    kind: str
    booking_code: str | None
    language: Language
    service: str
    state: TileState
    flags: tuple[TileState, ...]
    focused: bool
    session_state: SessionState
    in_session: float | None
    waiting: float | None
    alarm: bool
    quality: LinkQuality
    loss: float | None
    rtt_ms: float | None
    fps: float | None
    faults: tuple[tuple[str, str], ...]
    request: RequestView | None
    checklist: tuple[DocEntry, ...]
    missing: tuple[DocumentKind, ...]
    suggested_outcome: Outcome
    busy: bool
    document_view: bool = False
    rejected: tuple[tuple[DocumentKind, RejectReason | None], ...] = ()
    to_check: tuple[DocumentKind, ...] = ()


@dataclass(frozen=True)
class QueueEntry:
    """One participant waiting in the branch queue."""

    session_id: str
    ticket: str
    kind: str
    language: Language
    waited: float
    name: str | None = None
    booking_code: str | None = None
    service: str = DEFAULT_SERVICE


@dataclass(frozen=True)
class Notice:
    """A problem to tell the officer.

    Args:
        code: what happened: "gone" (a booth is no longer on this desk after a reconnect),
            "unsure" (a request may not have reached the server), "moved_on" (a session left
            this desk), "no_slot", "decision_refused", "failed" (a request was refused),
            "still_failed" (a still did not arrive), "transfer_wait" (decisions still being
            recorded), "not_complete" (complete refused: documents missing), "no_still".
        text: the same in English.
        ticket: the booth's ticket.
        document: the document concerned.
        detail: the server's or the booth's words, or what is missing.
        at: when (desk time).
    """

    code: str
    text: str
    ticket: str | None = None
    document: DocumentKind | None = None
    detail: str = ""
    at: float = 0.0


@dataclass(frozen=True)
class DeskView:
    """The whole desk, as one immutable snapshot.

    Args:
        capacity: slots.
        tiles: one per slot (None: free).
        focus: the focused slot (1-based) or None.
        queue: the branch queue in serving order.
        officers: other officers online (transfer targets).
        server_up: connected to the branch server.
        auto_accept: offered booths are accepted at once.
        prompts: canned prompt keys, in the config's order.
        messages: the latest problems to tell the officer (newest last), in English.
        unconfirmed_decisions: decisions the server has not acknowledged yet.
        notices: the same problems with their codes, for the console to say in its language.
        officer_faults: what is wrong with the officer's own microphone or loudspeaker, by role
            ("microphone", "speaker"), each message naming the device; empty when both work.
    """

    capacity: int
    tiles: tuple[TileView | None, ...]
    focus: int | None
    queue: tuple[QueueEntry, ...]
    officers: tuple[str, ...]
    server_up: bool
    auto_accept: bool
    prompts: tuple[str, ...]
    messages: tuple[str, ...]
    unconfirmed_decisions: int
    notices: tuple["Notice", ...] = ()
    officer_faults: tuple[tuple[str, str], ...] = ()


def end_note(tile: TileView) -> str:
    """What an officer's end of a session says about its documents, for the server's record and
    the back office: ``"missing: kk, bank_book; rejected: ktp (unreadable)"`` ("" when complete).

    Args:
        tile: the booth's tile.
    """
    rejected = {doc for doc, _ in tile.rejected}
    parts = []
    missing = [d.value for d in tile.missing if d not in rejected]
    if missing:
        parts.append("missing: " + ", ".join(missing))
    if tile.rejected:
        parts.append("rejected: " + ", ".join(f"{d.value} ({r.value if r else 'no reason'})" for d, r in tile.rejected))
    return "; ".join(parts)


# ============================================================================== inputs


@dataclass(frozen=True)
class ServerUp:
    """Connected (again): the welcome carries the capacity, the sessions and the services."""

    welcome: p.Welcome


@dataclass(frozen=True)
class ServerDown:
    """The connection to the server dropped (the client reconnects by itself)."""


@dataclass(frozen=True)
class SessionChanged:
    """The server reports a session of this officer."""

    session: p.SessionInfo


@dataclass(frozen=True)
class QueueChanged:
    """The branch queue changed."""

    waiting: tuple[p.SessionInfo, ...]


@dataclass(frozen=True)
class PresenceChanged:
    """Who is online changed."""

    online: tuple[p.PresenceEntry, ...]


@dataclass(frozen=True)
class RequestAnswered:
    """The server answered a request of the desk.

    Args:
        ref: the request's id.
        ok: acknowledged.
        code: the error's code when refused (None when the answer was lost).
        message: the error's explanation.
    """

    ref: str
    ok: bool
    code: p.ErrorCode | None = None
    message: str = ""


@dataclass(frozen=True)
class StillAvailable:
    """The server has a still of one of this desk's booths, verified, ready to fetch."""

    still: p.StillMeta


@dataclass(frozen=True)
class StillFetchProgress:
    """Bytes of a still being fetched arrived."""

    sha256: str
    received_bytes: int
    size: int


@dataclass(frozen=True)
class StillFetched:
    """A still arrived from the server, byte-identical (its bytes stay with the app)."""

    still: p.StillMeta


@dataclass(frozen=True)
class StillFetchFailed:
    """Fetching a still failed (the message says why)."""

    still: p.StillMeta
    reason: str


@dataclass(frozen=True)
class StatsSampled:
    """Connection figures of a booth's call."""

    stats: SessionStats


@dataclass(frozen=True)
class Focus:
    """The officer clicked a tile (or pressed its key): talk to this booth (None: nobody)."""

    session_id: str | None


@dataclass(frozen=True)
class FocusSlot:
    """The officer pressed a slot's key (1..capacity)."""

    slot: int


@dataclass(frozen=True)
class Accept:
    """Accept a booth offered to this officer (when auto-accept is off)."""

    session_id: str


@dataclass(frozen=True)
class Hold:
    """Put a booth on hold."""

    session_id: str


@dataclass(frozen=True)
class Unhold:
    """Take a booth off hold (and talk to it)."""

    session_id: str


@dataclass(frozen=True)
class Transfer:
    """Give a booth back to the queue, or to another officer."""

    session_id: str
    to_cso: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class End:
    """End a booth's session with an outcome (sent once its decisions are acknowledged)."""

    session_id: str
    outcome: Outcome
    note: str | None = None


@dataclass(frozen=True)
class RequestDocument:
    """Ask a booth for a document (replaces its outstanding request)."""

    session_id: str
    document: DocumentKind
    capture: ctl.CaptureMode = ctl.CaptureMode.AUTO


@dataclass(frozen=True)
class CancelDocument:
    """Withdraw a booth's outstanding document request."""

    session_id: str


@dataclass(frozen=True)
class Verify:
    """The officer accepts the still of a document."""

    session_id: str
    document: DocumentKind


@dataclass(frozen=True)
class Reject:
    """The officer rejects a document, with a reason."""

    session_id: str
    document: DocumentKind
    reason: RejectReason
    note: str | None = None


@dataclass(frozen=True)
class SendPrompt:
    """Send a canned prompt to a booth, in its participant's language."""

    session_id: str
    key: str


@dataclass(frozen=True)
class ShowDocumentView:
    """Open or close a booth's live document view."""

    session_id: str
    on: bool


@dataclass(frozen=True)
class SetAutoAccept:
    """Turn auto-accept on or off."""

    on: bool


@dataclass(frozen=True)
class OfficerDevices:
    """The officer's own microphone and loudspeaker, checked again: every current problem by
    role ("microphone", "speaker"); a role missing from ``faults`` works."""

    faults: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Tick:
    """The clock moved."""


DeskInput = Union[
    ServerUp, ServerDown, SessionChanged, QueueChanged, PresenceChanged, RequestAnswered, StatsSampled,
    Focus, FocusSlot, Accept, Hold, Unhold, Transfer, End, RequestDocument, CancelDocument, Verify, Reject,
    SendPrompt, ShowDocumentView, SetAutoAccept, Tick,
    StillAvailable, StillFetchProgress, StillFetched, StillFetchFailed,
    CallAdded, CallStateChanged, CallRemoved, DocumentPendingAtBooth, DocumentFailed, HandRaised, BoothDevicesReported,
    OfficerDevices,
]

# ============================================================================== commands


@dataclass(frozen=True)
class ServerRequest:
    """Send a request to the server; its answer comes back as :class:`RequestAnswered`."""

    message: p.Accept | p.Hold | p.Unhold | p.Transfer | p.End | p.Decision


@dataclass(frozen=True)
class SetFocus:
    """Engine: focus this booth (None: nobody)."""

    session_id: str | None


@dataclass(frozen=True)
class SetHeld:
    """Engine: a booth is (no longer) on hold."""

    session_id: str
    held: bool


@dataclass(frozen=True)
class AskDocument:
    """Engine: ask a booth for a document."""

    session_id: str
    request_id: str
    document: DocumentKind
    capture: ctl.CaptureMode


@dataclass(frozen=True)
class WithdrawDocument:
    """Engine: withdraw a document request."""

    request_id: str


@dataclass(frozen=True)
class DocumentArrived:
    """Engine: the still of a request is on the server (the booth's document view is done)."""

    request_id: str


@dataclass(frozen=True)
class FetchStill:
    """Fetch a still from the server (answered with StillFetched / StillFetchFailed)."""

    still: p.StillMeta


@dataclass(frozen=True)
class SendControl:
    """Engine: send a control message (prompt, checklist, verdict) to a booth."""

    session_id: str
    message: ctl.Prompt | ctl.ChecklistUpdate | ctl.DocumentVerdict


@dataclass(frozen=True)
class ShowDocument:
    """Engine: open or close a booth's live document view."""

    session_id: str
    on: bool


@dataclass(frozen=True)
class EndCall:
    """Engine: close the call of a session that left this desk."""

    session_id: str


@dataclass(frozen=True)
class DropStill:
    """Forget a still's bytes: its session left the desk (nothing shows it any more; a decision on
    it is acknowledged by then, since a session ends only after its decisions), or it arrived
    for a request nobody waits for."""

    sha256: str


DeskCommand = Union[ServerRequest, SetFocus, SetHeld, AskDocument, WithdrawDocument, DocumentArrived, FetchStill,
                    SendControl, ShowDocument, EndCall, DropStill]

# ============================================================================== rules


@dataclass(frozen=True)
class DeskRules:
    """How the desk behaves (from the console config's ``[desk]`` and ``[[prompts]]``).

    Args:
        auto_accept: accept booths offered to a free slot at once.
        focus_free_on_accept: focus an accepted booth when nobody is focused.
        waited_too_long: seconds of waiting for the officer before a tile alarms.
        prompts: canned prompts, key -> {language code: text}.
        good_loss: packet loss at or below which a link is good.
        bad_loss: packet loss above which a link is bad.
        bad_rtt_ms: round-trip time above which a link is at best fair.
        max_messages: problems kept for the officer to read.
        fetch_attempts: fetches of one still before the officer is told it failed.
    """

    auto_accept: bool = True
    focus_free_on_accept: bool = True
    waited_too_long: float = 120.0
    prompts: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    good_loss: float = 0.02
    bad_loss: float = 0.08
    bad_rtt_ms: float = 400.0
    max_messages: int = 5
    fetch_attempts: int = 3


@dataclass
class _Slot:
    session: p.SessionInfo
    since: float
    accepted_local: float | None = None
    greeted: bool = False
    waiting_since: float | None = None
    call: CallState | None = None
    ever_connected: bool = False
    hand_raised: bool = False
    faults: tuple[tuple[str, str], ...] = ()
    stats: SessionStats | None = None
    docs: dict[DocumentKind, DocEntry] = field(default_factory=dict)
    request: RequestView | None = None
    ending: End | None = None
    accepting: bool = False
    document_view: bool = False


@dataclass
class _Decision:
    message: p.Decision
    confirmed: bool = False


class Desk:
    """One officer's desk, pure: inputs and the time in, commands out, one view to render.

    Args:
        cso_id: this officer's device id.
        rules: desk rules.
        capacity: slots until the server's welcome says otherwise.
        new_id: makes request ids (injectable for deterministic tests).
        now: the time the desk starts (seconds since the epoch, like the server's stamps).
    """

    def __init__(self, cso_id: str, rules: DeskRules = DeskRules(), *, capacity: int = 6,
                 new_id: Callable[[], str] | None = None, now: float = 0.0) -> None:
        self.cso_id = cso_id
        self.rules = rules
        self.capacity = capacity
        self.auto_accept = rules.auto_accept
        counter = itertools.count(1)
        self._new_id = new_id or (lambda: f"{cso_id}-{next(counter)}")
        self.slots: list[_Slot | None] = [None] * capacity
        self.focus: str | None = None
        self.queue: tuple[p.SessionInfo, ...] = ()
        self.officers: tuple[str, ...] = ()
        self.services: dict[str, tuple[DocumentKind, ...]] = {DEFAULT_SERVICE: JHT_CLAIM_DOCUMENTS}
        self.server_up = False
        self.officer_faults: tuple[tuple[str, str], ...] = ()
        self._offset = 0.0  # server clock - desk clock
        self._inflight: dict[str, tuple[str, object]] = {}  # ref -> (session_id, message)
        self.decisions: dict[str, _Decision] = {}
        self.decisions_recorded = 0
        """Decisions the server acknowledged since the desk started."""
        self._messages: list[Notice] = []
        self._fetch_queue: list[p.StillMeta] = []
        self._fetching: p.StillMeta | None = None
        self._fetch_failures: dict[str, int] = {}
        self.now = now

    # ------------------------------------------------------------------ queries

    def slot_of(self, session_id: str | None) -> int | None:
        """The 0-based slot index of a session on the desk."""
        for i, s in enumerate(self.slots):
            if s is not None and s.session.id == session_id:
                return i
        return None

    def _slot(self, session_id: str | None) -> _Slot | None:
        i = self.slot_of(session_id)
        return None if i is None else self.slots[i]

    def sessions(self) -> list[str]:
        """Session ids on the desk, by slot."""
        return [s.session.id for s in self.slots if s is not None]

    # ------------------------------------------------------------------ the view

    def view(self, now: float | None = None) -> DeskView:
        """The desk to render now."""
        now = self.now if now is None else now
        tiles = tuple(self._tile(i, s, now) if s is not None else None for i, s in enumerate(self.slots))
        focus = self.slot_of(self.focus)
        return DeskView(
            capacity=self.capacity, tiles=tiles, focus=None if focus is None else focus + 1,
            queue=tuple(QueueEntry(s.id, s.ticket, s.kind, s.language, max(0.0, now + self._offset - s.queued_at),
                                   s.name, s.booking_code, s.service)
                        for s in self.queue),
            officers=self.officers, server_up=self.server_up, auto_accept=self.auto_accept,
            prompts=tuple(k for k, _ in self.rules.prompts), messages=tuple(n.text for n in self._messages),
            notices=tuple(self._messages), officer_faults=self.officer_faults,
            unconfirmed_decisions=sum(1 for d in self.decisions.values() if not d.confirmed),
        )

    def _flags(self, s: _Slot) -> tuple[TileState, ...]:
        flags = []
        st = s.session.state
        if (not s.session.booth_online or (s.ever_connected and s.call in (CallState.LOST, CallState.STALLED,
                                                                         CallState.CONNECTING))):
            flags.append(TileState.RECONNECTING)
        if s.faults:
            flags.append(TileState.DEVICE_FAULT)
        if s.hand_raised:
            flags.append(TileState.HAND_RAISED)
        if s.request is not None and s.request.queue_position is not None:
            flags.append(TileState.STILL_ARRIVING)
        elif s.request is not None:
            flags.append(TileState.DOCUMENT_REQUESTED)
        if s.session.id == self.focus:
            flags.append(TileState.TALKING)
        elif st is SessionState.OFFERED or not s.greeted:
            flags.append(TileState.WAITING_FOR_YOU)
        elif st is SessionState.HELD:
            flags.append(TileState.ON_HOLD)
        else:
            flags.append(TileState.WAITING_FOR_YOU)
        return tuple(sorted(set(flags), key=TILE_PRIORITY.index))

    def _quality(self, s: _Slot) -> LinkQuality:
        st = s.stats
        if s.call is CallState.CONNECTED and st is None:
            return LinkQuality.UNKNOWN  # connected, not measured yet
        if st is None or s.call is not CallState.CONNECTED:
            return LinkQuality.UNKNOWN if not s.ever_connected else LinkQuality.BAD
        if st.packet_loss > self.rules.bad_loss:
            return LinkQuality.BAD
        if st.packet_loss > self.rules.good_loss or (st.rtt_ms or 0) > self.rules.bad_rtt_ms:
            return LinkQuality.FAIR
        return LinkQuality.GOOD

    def _tile(self, i: int, s: _Slot, now: float) -> TileView:
        flags = self._flags(s)
        checklist = tuple(s.docs.values())
        missing = tuple(d.document for d in checklist if d.status is not DocStatus.VERIFIED)
        if not missing:
            outcome = Outcome.COMPLETED
        else:
            outcome = Outcome.DOCUMENTS_INCOMPLETE
        waiting = None if s.waiting_since is None else max(0.0, now - s.waiting_since)
        st = s.stats
        busy = any(sid == s.session.id for sid, _ in self._inflight.values()) or s.ending is not None
        return TileView(
            slot=i + 1, session_id=s.session.id, ticket=s.session.ticket, name=s.session.name, kind=s.session.kind,
            booking_code=s.session.booking_code, language=s.session.language, service=s.session.service,
            state=flags[0], flags=flags, focused=s.session.id == self.focus, session_state=s.session.state,
            in_session=None if s.accepted_local is None else max(0.0, now - s.accepted_local),
            waiting=waiting, alarm=waiting is not None and waiting > self.rules.waited_too_long,
            quality=self._quality(s), loss=st.packet_loss if st else None, rtt_ms=st.rtt_ms if st else None,
            fps=st.fps.get("face") if st else None, faults=s.faults, request=s.request, checklist=checklist,
            missing=missing, suggested_outcome=outcome, busy=busy, document_view=s.document_view,
            rejected=tuple((d.document, d.reason) for d in checklist if d.status is DocStatus.REJECTED),
            to_check=tuple(d.document for d in checklist if d.status is DocStatus.RECEIVED),
        )

    # ------------------------------------------------------------------ the one entry

    def handle(self, event: DeskInput, now: float) -> list[DeskCommand]:
        """Take one input at time ``now``; returns the commands to carry out, in order.

        Args:
            event: any :data:`DeskInput`.
            now: seconds since the epoch (server stamps are compared with it).
        """
        self.now = now
        out: list[DeskCommand] = []
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is not None:
            handler(event, now, out)
        return out

    # ------------------------------------------------------------------ helpers

    def _say(self, text: str, code: str, *, ticket: str | None = None, document: DocumentKind | None = None,
             detail: str = "") -> None:
        notice = Notice(code, text, ticket, document, detail, self.now)
        self._messages = (self._messages + [notice])[-self.rules.max_messages:]

    def _request(self, session_id: str, message, out: list[DeskCommand]) -> str:
        ref = message.id or self._new_id()
        message = message.model_copy(update={"id": ref})
        self._inflight[ref] = (session_id, message)
        out.append(ServerRequest(message))
        return ref

    def _waiting_now(self, s: _Slot, now: float) -> None:
        """Start or stop the waiting clock of a slot."""
        waiting = s.session.id != self.focus  # offered, not greeted yet, on hold, or left for another
        if waiting and s.waiting_since is None:
            s.waiting_since = now
        elif not waiting:
            s.waiting_since = None

    def _checklist(self, s: _Slot, out: list[DeskCommand]) -> None:
        items = [ctl.ChecklistItem(document=d.document, status=_TO_BOOTH[d.status]) for d in s.docs.values()]
        if s.call is CallState.CONNECTED or s.ever_connected:
            out.append(SendControl(s.session.id, ctl.ChecklistUpdate(items=items)))

    def _set_doc(self, s: _Slot, doc: DocumentKind, out: list[DeskCommand], **changes) -> None:
        entry = s.docs.get(doc) or DocEntry(doc, DocStatus.NEEDED)
        s.docs[doc] = replace(entry, **changes)
        self._checklist(s, out)

    def _set_focus(self, session_id: str | None, now: float, out: list[DeskCommand]) -> None:
        if session_id == self.focus:
            return
        old = self._slot(self.focus)
        if old is not None and old.greeted and old.session.state is SessionState.ACTIVE:
            self._request(old.session.id, p.Hold(session_id=old.session.id), out)
            out.append(SetHeld(old.session.id, True))
        self.focus = session_id
        new = self._slot(session_id)
        if new is not None:
            new.greeted, new.hand_raised = True, False
            if new.session.state is SessionState.HELD:
                self._request(new.session.id, p.Unhold(session_id=new.session.id), out)
            elif new.session.state is SessionState.OFFERED and not new.accepting:
                new.accepting = True
                self._request(new.session.id, p.Accept(session_id=new.session.id), out)
        out.append(SetFocus(session_id))
        for s in self.slots:
            if s is not None:
                self._waiting_now(s, now)

    def _leave(self, i: int, now: float, out: list[DeskCommand], reason: str) -> None:
        """A session leaves the desk (ended, transferred, back to the queue)."""
        s = self.slots[i]
        assert s is not None
        self.slots[i] = None
        sid = s.session.id
        if self.focus == sid:
            self.focus = None
            out.append(SetFocus(None))
        if s.request is not None:
            out.append(WithdrawDocument(s.request.request_id))
        for d in s.docs.values():
            if d.still is not None:  # a day of sessions would otherwise keep every still in memory
                out.append(DropStill(d.still.sha256))
        self._fetch_queue = [m for m in self._fetch_queue if m.session_id != sid]
        # its recorded decisions are the server's now (a day of them would slow every view);
        # one not yet acknowledged stays, to be sent again after a reconnect
        self.decisions = {ref: d for ref, d in self.decisions.items()
                          if not (d.confirmed and d.message.session_id == sid)}
        out.append(EndCall(sid))

    # ------------------------------------------------------------------ server

    def _on_ServerUp(self, e: ServerUp, now, out) -> None:
        w = e.welcome
        self.server_up = True
        self._offset = w.server_time - now
        if w.capacity and w.capacity != self.capacity:
            self._resize(w.capacity, now, out)
        if w.services:
            self.services = {s.id: tuple(s.documents) for s in w.services}
        known = {s.id for s in w.sessions}
        for i, s in enumerate(self.slots):
            if s is not None and s.session.id not in known:
                self._say(f"booth {s.session.booth_id} ({s.session.ticket}) is no longer on this desk", "gone",
                          ticket=s.session.ticket, detail=s.session.booth_id)
                self._leave(i, now, out, "gone after reconnect")
        for info in w.sessions:
            self._session(info, now, out)
        for ref, dec in self.decisions.items():  # the answers may have been lost with the connection
            if not dec.confirmed:
                self._inflight[ref] = (dec.message.session_id, dec.message)
                out.append(ServerRequest(dec.message))
        for s in self.slots:
            if s is not None and s.ending is not None:
                self._maybe_end(s, out)

    def _resize(self, capacity: int, now: float, out: list[DeskCommand]) -> None:
        kept = [s for s in self.slots if s is not None]
        self.capacity = capacity
        self.slots = (kept + [None] * capacity)[:capacity]
        for s in kept[capacity:]:
            out.append(EndCall(s.session.id))

    def _on_ServerDown(self, e, now, out) -> None:
        """Answers in flight are lost: decisions and ends are sent again after the reconnect (the
        welcome tells what happened to the rest)."""
        self.server_up = False
        for ref, (sid, msg) in list(self._inflight.items()):
            if isinstance(msg, p.Decision):
                continue
            del self._inflight[ref]
            s = self._slot(sid)
            if s is not None:
                s.accepting = False
            if isinstance(msg, (p.Hold, p.Unhold, p.Transfer)):
                self._say(f"{msg.type} of {s.session.ticket if s else sid} may not have reached the server", "unsure",
                          ticket=s.session.ticket if s else sid, detail=msg.type)

    def _on_SessionChanged(self, e: SessionChanged, now, out) -> None:
        self._session(e.session, now, out)

    def _session(self, info: p.SessionInfo, now: float, out: list[DeskCommand]) -> None:
        i = self.slot_of(info.id)
        mine = info.cso_id == self.cso_id and info.state in p.SLOT_STATES
        if i is not None and not mine:
            if info.state is SessionState.ENDED:
                pass
            elif info.cso_id != self.cso_id:
                self._say(f"{info.ticket} moved on ({info.state.value})", "moved_on", ticket=info.ticket,
                          detail=info.state.value)
            self._leave(i, now, out, info.state.value)
            return
        if not mine:
            return
        old_state = None
        if i is None:
            free = next((k for k, s in enumerate(self.slots) if s is None), None)
            if free is None:
                self._say(f"no free slot for {info.ticket}; it stays with the server", "no_slot", ticket=info.ticket)
                return
            s = self.slots[free] = _Slot(info, now)
            for doc in self.services.get(info.service, JHT_CLAIM_DOCUMENTS):
                s.docs[doc] = DocEntry(doc, DocStatus.NEEDED)
        else:
            s = self.slots[i]
            old_state = s.session.state
        s.session = info
        if info.state is not SessionState.OFFERED:
            s.accepting = False
            if s.accepted_local is None:
                s.accepted_local = now if info.accepted_at is None else min(now, info.accepted_at - self._offset)
        if info.state is SessionState.OFFERED and self.auto_accept and not s.accepting:
            s.accepting = True
            self._request(info.id, p.Accept(session_id=info.id), out)
        if (info.state is SessionState.ACTIVE and old_state is not SessionState.ACTIVE and self.focus is None
                and self.rules.focus_free_on_accept and not s.greeted):
            self._set_focus(info.id, now, out)
        if info.state is SessionState.HELD and self.focus == info.id:
            self.focus = None  # held from elsewhere (another window, a restart)
            out.append(SetFocus(None))
        if info.state is SessionState.HELD:
            s.greeted = True
            out.append(SetHeld(info.id, True))
        self._waiting_now(s, now)

    def _on_QueueChanged(self, e: QueueChanged, now, out) -> None:
        self.queue = tuple(e.waiting)

    def _on_PresenceChanged(self, e: PresenceChanged, now, out) -> None:
        self.officers = tuple(x.device_id for x in e.online if x.role == "cso" and x.device_id != self.cso_id)

    def _on_RequestAnswered(self, e: RequestAnswered, now, out) -> None:
        self._answered(e.ref, e.ok, e.code, e.message, now, out)

    def _answered(self, ref: str, ok: bool, code, message: str, now: float, out: list[DeskCommand]) -> None:
        entry = self._inflight.pop(ref, None)
        if entry is None:
            return
        sid, msg = entry
        s = self._slot(sid)
        if isinstance(msg, p.Decision):
            dec = self.decisions.get(ref)
            if dec is not None and (ok or code is not None):
                dec.confirmed = True  # recorded; or refused for good (the officer is told)
                self.decisions_recorded += ok
                if not ok:
                    self._say(f"decision on {msg.document.value} not recorded: {message}", "decision_refused",
                              ticket=s.session.ticket if s else None, document=msg.document, detail=message)
                if s is not None:
                    entry_ = s.docs.get(msg.document)
                    if entry_ is not None and ok:
                        s.docs[msg.document] = replace(entry_, confirmed=True)
                    self._maybe_end(s, out)
            return
        if ok:
            return
        if s is not None:
            s.accepting = False
        self._say(f"{msg.type} of {s.session.ticket if s else sid} failed: {message}", "failed",
                  ticket=s.session.ticket if s else sid, detail=f"{msg.type}: {message}")
        if isinstance(msg, p.End) and s is not None:
            s.ending = None

    # ------------------------------------------------------------------ media

    def _on_CallAdded(self, e: CallAdded, now, out) -> None:
        s = self._slot(e.session_id)
        if s is not None:
            s.call = CallState.NEW

    def _on_CallStateChanged(self, e: CallStateChanged, now, out) -> None:
        s = self._slot(e.session_id)
        if s is None:
            return
        s.call = e.state
        if e.state is CallState.CONNECTED:
            s.ever_connected = True
            self._checklist(s, out)

    def _on_CallRemoved(self, e: CallRemoved, now, out) -> None:
        s = self._slot(e.session_id)
        if s is not None:
            s.call = CallState.CLOSED

    def _on_StatsSampled(self, e: StatsSampled, now, out) -> None:
        s = self._slot(e.stats.session_id)
        if s is not None:
            s.stats = e.stats

    def _on_HandRaised(self, e: HandRaised, now, out) -> None:
        s = self._slot(e.session_id)
        if s is not None and e.session_id != self.focus:
            s.hand_raised = True
            self._waiting_now(s, now)

    def _on_BoothDevicesReported(self, e: BoothDevicesReported, now, out) -> None:
        s = self._slot(e.session_id)
        if s is not None:
            s.faults = tuple((d.role, d.message or f"{d.role} not working") for d in e.status.devices if not d.ok)

    def _on_OfficerDevices(self, e: OfficerDevices, now, out) -> None:
        self.officer_faults = tuple(sorted(e.faults))

    def _request_of(self, request_id: str) -> tuple[_Slot | None, RequestView | None]:
        for s in self.slots:
            if s is not None and s.request is not None and s.request.request_id == request_id:
                return s, s.request
        return None, None

    def _on_DocumentPendingAtBooth(self, e: DocumentPendingAtBooth, now, out) -> None:
        pass  # the request is on the booth's screen; nothing changes for the officer

    def _on_DocumentFailed(self, e: DocumentFailed, now, out) -> None:
        s, r = self._request_of(e.request_id)
        if s is None:
            return
        s.request = None
        self._say(f"{r.document.value} from {s.session.ticket} did not arrive: {e.reason} ({e.detail})", "still_failed",
                  ticket=s.session.ticket, document=r.document, detail=e.detail or e.reason)
        self._set_doc(s, r.document, out, status=self._settled(s, r.document))

    # -- stills from the server: fetched one at a time, in the order announced

    def _on_StillAvailable(self, e: StillAvailable, now, out) -> None:
        m = e.still
        s = self._slot(m.session_id)
        if s is None or any(q.sha256 == m.sha256 for q in self._fetch_queue) or (
                self._fetching is not None and self._fetching.sha256 == m.sha256):
            return
        entry = s.docs.get(m.document)
        if entry is not None and entry.still is not None and entry.still.sha256 == m.sha256:
            # The bytes are here already: announced again after a reconnect, or the same still
            # answers a new request (the document shown again to a camera without noise).
            if s.request is not None and s.request.request_id == m.request_id:
                out.append(DocumentArrived(m.request_id))
                self._on_StillFetched(StillFetched(m), now, out)
            return
        if s.request is not None and s.request.request_id == m.request_id:
            out.append(DocumentArrived(m.request_id))
        self._fetch_queue.append(m)
        if entry is None or entry.status in (DocStatus.NEEDED, DocStatus.REQUESTED):
            self._set_doc(s, m.document, out, status=DocStatus.ARRIVING)
        self._pump(out)

    def _pump(self, out: list[DeskCommand]) -> None:
        if self._fetching is None and self._fetch_queue:
            self._fetching = self._fetch_queue.pop(0)
            out.append(FetchStill(self._fetching))
        current = [self._fetching] if self._fetching is not None else []
        for place, m in enumerate(current + self._fetch_queue):
            s = self._slot(m.session_id)
            if s is None:
                continue
            if s.request is not None and s.request.request_id == m.request_id:
                s.request = replace(s.request, queue_position=place)

    def _on_StillFetchProgress(self, e: StillFetchProgress, now, out) -> None:
        m = self._fetching
        if m is None or m.sha256 != e.sha256:
            return
        s = self._slot(m.session_id)
        if s is not None and s.request is not None and s.request.request_id == m.request_id:
            s.request = replace(s.request, queue_position=0, received_bytes=e.received_bytes, size=e.size)

    def _on_StillFetched(self, e: StillFetched, now, out) -> None:
        m = e.still
        if self._fetching is not None and self._fetching.sha256 == m.sha256:
            self._fetching = None
        self._fetch_failures.pop(m.sha256, None)
        s = self._slot(m.session_id)
        if s is None:
            out.append(DropStill(m.sha256))  # nobody waits for it any more
        else:
            if s.request is not None and s.request.request_id == m.request_id:
                s.request = None
            ref = StillRef(m.request_id, m.sha256, m.width, m.height, m.size,
                           tuple(tuple(c) for c in m.corners) if m.corners else None)
            self._set_doc(s, m.document, out, status=DocStatus.RECEIVED, still=ref, reason=None, confirmed=False)
        self._pump(out)

    def _on_StillFetchFailed(self, e: StillFetchFailed, now, out) -> None:
        m = e.still
        if self._fetching is not None and self._fetching.sha256 == m.sha256:
            self._fetching = None
        tries = self._fetch_failures[m.sha256] = self._fetch_failures.get(m.sha256, 0) + 1
        s = self._slot(m.session_id)
        if s is not None:
            if s.request is not None and s.request.request_id == m.request_id:
                s.request = replace(s.request, failures=tries, received_bytes=0)
            if tries < self.rules.fetch_attempts:
                self._fetch_queue.append(m)  # try again after the others
            else:
                self._fetch_failures.pop(m.sha256, None)
                self._say(f"{m.document.value} from {s.session.ticket} could not be fetched: {e.reason}",
                          "still_failed", ticket=s.session.ticket, document=m.document, detail=e.reason)
                if s.request is not None and s.request.request_id == m.request_id:
                    s.request = None
                self._set_doc(s, m.document, out, status=self._settled(s, m.document))
        self._pump(out)

    # ------------------------------------------------------------------ officer intents

    def _on_Focus(self, e: Focus, now, out) -> None:
        if e.session_id is None or self._slot(e.session_id) is not None:
            self._set_focus(e.session_id, now, out)

    def _on_FocusSlot(self, e: FocusSlot, now, out) -> None:
        if 1 <= e.slot <= self.capacity and self.slots[e.slot - 1] is not None:
            self._set_focus(self.slots[e.slot - 1].session.id, now, out)

    def _on_Accept(self, e: Accept, now, out) -> None:
        s = self._slot(e.session_id)
        if s is not None and s.session.state is SessionState.OFFERED and not s.accepting:
            s.accepting = True
            self._request(e.session_id, p.Accept(session_id=e.session_id), out)

    def _on_Hold(self, e: Hold, now, out) -> None:
        s = self._slot(e.session_id)
        if s is None or s.session.state is not SessionState.ACTIVE:
            return
        if self.focus == e.session_id:
            self.focus = None
            out.append(SetFocus(None))
        s.greeted = True
        self._request(e.session_id, p.Hold(session_id=e.session_id), out)
        out.append(SetHeld(e.session_id, True))
        self._waiting_now(s, now)

    def _on_Unhold(self, e: Unhold, now, out) -> None:
        if self._slot(e.session_id) is not None:
            self._set_focus(e.session_id, now, out)

    def _on_Transfer(self, e: Transfer, now, out) -> None:
        s = self._slot(e.session_id)
        if s is None or s.ending is not None:
            return
        if any(not d.confirmed and d.message.session_id == e.session_id for d in self.decisions.values()):
            self._say(f"{s.session.ticket}: wait until the decisions are recorded before transferring", "transfer_wait",
                      ticket=s.session.ticket)
            return
        self._request(e.session_id, p.Transfer(session_id=e.session_id, to_cso=e.to_cso, reason=e.reason), out)

    def _on_End(self, e: End, now, out) -> None:
        s = self._slot(e.session_id)
        if s is None or s.ending is not None:
            return
        missing = [d.document.value for d in s.docs.values() if d.status is not DocStatus.VERIFIED]
        if e.outcome is Outcome.COMPLETED and missing:
            self._say(f"{s.session.ticket}: not complete, missing {', '.join(missing)}", "not_complete",
                      ticket=s.session.ticket, detail=", ".join(missing))
            return
        s.ending = e
        self._maybe_end(s, out)

    def _maybe_end(self, s: _Slot, out: list[DeskCommand]) -> None:
        e = s.ending
        if e is None or not self.server_up:
            return
        if any(not d.confirmed and d.message.session_id == s.session.id for d in self.decisions.values()):
            return  # sent once every decision on it is acknowledged
        if any(isinstance(m, p.End) for sid, m in self._inflight.values() if sid == s.session.id):
            return
        self._request(s.session.id, p.End(session_id=s.session.id, outcome=e.outcome, note=e.note), out)

    def _on_RequestDocument(self, e: RequestDocument, now, out) -> None:
        s = self._slot(e.session_id)
        if s is None or s.session.state not in (SessionState.ACTIVE, SessionState.HELD):
            return
        if s.request is not None:
            out.append(WithdrawDocument(s.request.request_id))
            self._set_doc(s, s.request.document, out, status=self._settled(s, s.request.document))
        rid = self._new_id()
        s.request = RequestView(rid, e.document)
        out.append(AskDocument(e.session_id, rid, e.document, e.capture))
        if not s.document_view:
            s.document_view = True
            out.append(ShowDocument(e.session_id, True))
        self._set_doc(s, e.document, out, status=DocStatus.REQUESTED, reason=None)

    def _settled(self, s: _Slot, doc: DocumentKind) -> DocStatus:
        """What a document is when its request is withdrawn."""
        entry = s.docs.get(doc)
        if entry is None or entry.still is None:
            return DocStatus.NEEDED
        return DocStatus.RECEIVED if entry.status in (DocStatus.REQUESTED, DocStatus.ARRIVING) else entry.status

    def _on_CancelDocument(self, e: CancelDocument, now, out) -> None:
        s = self._slot(e.session_id)
        if s is None or s.request is None:
            return
        out.append(WithdrawDocument(s.request.request_id))
        doc = s.request.document
        s.request = None
        self._set_doc(s, doc, out, status=self._settled(s, doc))

    def _decide(self, session_id: str, doc: DocumentKind, verdict: Verdict, reason: RejectReason | None,
                note: str | None, now: float, out: list[DeskCommand]) -> None:
        s = self._slot(session_id)
        if s is None or s.session.state not in (SessionState.ACTIVE, SessionState.HELD):
            return
        entry = s.docs.get(doc)
        if entry is None or entry.still is None or entry.status is not DocStatus.RECEIVED:
            self._say(f"{doc.value}: no still to decide on", "no_still", ticket=s.session.ticket, document=doc)
            return
        ref = self._new_id()
        msg = p.Decision(id=ref, session_id=session_id, document=doc, verdict=verdict, reason=reason, note=note,
                         still_sha256=entry.still.sha256)
        self.decisions[ref] = _Decision(msg)
        self._request(session_id, msg, out)
        out.append(SendControl(session_id, ctl.DocumentVerdict(request_id=entry.still.request_id, document=doc,
                                                               verdict=verdict, reason=reason)))
        status = DocStatus.VERIFIED if verdict is Verdict.ACCEPTED else DocStatus.REJECTED
        self._set_doc(s, doc, out, status=status, reason=reason, confirmed=False)

    def _on_Verify(self, e: Verify, now, out) -> None:
        self._decide(e.session_id, e.document, Verdict.ACCEPTED, None, None, now, out)

    def _on_Reject(self, e: Reject, now, out) -> None:
        self._decide(e.session_id, e.document, Verdict.REJECTED, e.reason, e.note, now, out)

    def _on_SendPrompt(self, e: SendPrompt, now, out) -> None:
        s = self._slot(e.session_id)
        texts = dict(self.rules.prompts).get(e.key)
        if s is None or texts is None:
            return
        by_lang = dict(texts)
        text = by_lang.get(s.session.language.value) or next(iter(by_lang.values()))
        out.append(SendControl(e.session_id, ctl.Prompt(text=text, key=e.key)))

    def _on_ShowDocumentView(self, e: ShowDocumentView, now, out) -> None:
        s = self._slot(e.session_id)
        if s is not None and s.document_view != e.on:
            s.document_view = e.on
            out.append(ShowDocument(e.session_id, e.on))

    def _on_SetAutoAccept(self, e: SetAutoAccept, now, out) -> None:
        self.auto_accept = e.on
        if e.on:
            for s in self.slots:
                if s is not None and s.session.state is SessionState.OFFERED and not s.accepting:
                    s.accepting = True
                    self._request(s.session.id, p.Accept(session_id=s.session.id), out)

    def _on_Tick(self, e, now, out) -> None:
        pass  # times shown in the view are computed from ``now``; nothing expires on its own
