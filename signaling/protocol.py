"""The wire protocol between booths, CSO consoles, technicians and the branch server.

One JSON object per WebSocket text message, with a ``type`` field. Every model here is shared
by the server and the client (kiosk and console), so the two ends cannot drift apart.

A client's first message must be ``hello``. Requests may carry an ``id`` chosen by the client;
the server answers each such request with exactly one ``ack`` / ``booking_result`` / ``error``
carrying ``ref=id``, and only after what the request changed is on disk.
"""
from __future__ import annotations

import enum
import json
import math
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from common.documents import DEFAULT_SERVICE, DocumentKind, RejectReason, Verdict
from common.language import Language
from signaling.errors import ProtocolError

PROTOCOL_VERSION = 3
"""3: the queue and presence come whole once (after the welcome) and then as changes, at most
once per server tick (``queue_change``, ``presence_change``); the queue goes to CSOs only;
presence of every device to technicians, of the officers to CSOs; queue positions at most once
per tick. 2: sessions carry service, name and accepted_at; queue positions to waiting booths;
services in the CSO's welcome; transfer to a named CSO; decisions are idempotent by request id;
stills travel through the server on stills connections."""

MAX_PAYLOAD_DEPTH = 32
"""Deepest nesting of objects and arrays a ``signal`` payload may have (WebRTC payloads are flat:
an SDP or an ICE candidate in one object)."""
MAX_JSON_DEPTH = 200
"""Deepest nesting a message may have at all (the limit of pydantic's JSON parser)."""
MAX_INTEGER_DIGITS = 4300
"""Longest integer literal a message may hold (Python's own limit on converting digits to int,
which pydantic's JSON parser shares)."""

Role = Literal["booth", "cso", "technician"]
DeviceId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
SessionId = Annotated[str, Field(min_length=1, max_length=64)]
RequestId = Annotated[str, Field(min_length=1, max_length=64)]
ServiceId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]


class ErrorCode(str, enum.Enum):
    """Machine-readable error codes sent in ``error`` messages."""

    BAD_JSON = "bad_json"
    UNKNOWN_TYPE = "unknown_type"
    INVALID_MESSAGE = "invalid_message"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTH_FAILED = "auth_failed"
    UNKNOWN_DEVICE = "unknown_device"
    VERSION_MISMATCH = "version_mismatch"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    INVALID_STATE = "invalid_state"
    PEER_OFFLINE = "peer_offline"
    BOOKING_INVALID = "booking_invalid"
    RATE_LIMITED = "rate_limited"
    DEVICE_IN_USE = "device_in_use"
    SERVER_FULL = "server_full"
    INTERNAL = "internal"


class CloseCode(enum.IntEnum):
    """WebSocket close codes the server uses (4000-4999 is the application range)."""

    AUTH_FAILED = 4001  # wrong token or unknown device
    VERSION_MISMATCH = 4002
    NOT_AUTHENTICATED = 4003  # something other than hello came first, or hello timed out
    REVOKED = 4004  # the device's token was revoked or replaced while it was connected
    DEVICE_IN_USE = 4005  # this device is connected and answering: the newcomer is refused
    REPLACED = 4009  # the same device connected again and the older connection did not answer
    FLOOD = 4008  # kept sending far above the rate limit
    TOO_SLOW = 4010  # did not read its messages; the outbound queue overflowed


class SessionState(str, enum.Enum):
    """Life of one participant's visit: queued at a booth, then served by a CSO."""

    WAITING = "waiting"  # in the queue
    OFFERED = "offered"  # assigned to a CSO's free slot, not yet accepted
    ACTIVE = "active"  # the CSO is serving it
    HELD = "held"  # the CSO put it on hold; it keeps its slot
    ENDED = "ended"


LIVE_STATES = frozenset({SessionState.WAITING, SessionState.OFFERED, SessionState.ACTIVE, SessionState.HELD})
SLOT_STATES = frozenset({SessionState.OFFERED, SessionState.ACTIVE, SessionState.HELD})


class Outcome(str, enum.Enum):
    """How a session ended."""

    COMPLETED = "completed"  # claim moved on
    DOCUMENTS_INCOMPLETE = "documents_incomplete"
    REJECTED = "rejected"  # the claim cannot go on (the end note says why)
    REFERRED = "referred"  # sent to another channel / office
    PARTICIPANT_LEFT = "participant_left"
    BOOTH_OFFLINE = "booth_offline"  # the booth did not come back within the grace period
    TECHNICAL_PROBLEM = "technical_problem"


class _Model(BaseModel):
    # JSON has no NaN or infinity: a float field refuses them, so every model encodes back to what
    # any JSON parser reads.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# --------------------------------------------------------------------------- shared records


class SessionInfo(_Model):
    """What both ends (and the queue view) know about one session."""

    id: SessionId
    booth_id: DeviceId
    ticket: str
    kind: Literal["walk_in", "booking"]
    booking_code: str | None = None
    name: str | None = None
    """the booked participant's name (walk-ins give none)"""
    service: ServiceId = DEFAULT_SERVICE
    language: Language
    state: SessionState
    cso_id: DeviceId | None = None
    queued_at: float
    slot_start: float | None = None
    accepted_at: float | None = None
    """when a CSO first accepted it (time in session counts from here)"""
    outcome: Outcome | None = None
    booth_online: bool = True
    cso_online: bool = False


class ServiceInfo(_Model):
    """A service a participant can come for, with the documents its claim checklist needs."""

    id: ServiceId
    documents: list[DocumentKind]


class BookingInfo(_Model):
    """An appointment from the online booking channel, imported for the day."""

    code: str
    name: str
    slot_start: float
    service: str = "jht_claim"


class PresenceEntry(_Model):
    """One connected device."""

    role: Role
    device_id: DeviceId
    since: float


# --------------------------------------------------------------------------- client → server


class _Request(_Model):
    id: RequestId | None = None


Channel = Literal["main", "stills"]
"""A device's main connection (signaling, presence) or one of its stills connections (the
lossless document stills travel over TCP through the server, which keeps the case file)."""


class Hello(_Request):
    """First message of every connection: who I am and which protocol I speak."""

    type: Literal["hello"] = "hello"
    role: Role
    device_id: DeviceId
    token: Annotated[str, Field(min_length=1, max_length=256)]
    version: int
    channel: Channel = "main"


class CheckBooking(_Request):
    """Booth: is this booking code valid today?"""

    type: Literal["check_booking"] = "check_booking"
    code: Annotated[str, Field(min_length=1, max_length=32)]


class Announce(_Request):
    """Booth: a participant is here and wants to be served (walk-in ticket or booking)."""

    type: Literal["announce"] = "announce"
    kind: Literal["walk_in", "booking"]
    booking_code: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    language: Language = Language.ID


class Cancel(_Request):
    """Booth: the participant left; end whatever session this booth has."""

    type: Literal["cancel"] = "cancel"


class Accept(_Request):
    """CSO: accept a session offered to one of my slots."""

    type: Literal["accept"] = "accept"
    session_id: SessionId


class Hold(_Request):
    """CSO: put a session on hold (it keeps its slot)."""

    type: Literal["hold"] = "hold"
    session_id: SessionId


class Unhold(_Request):
    """CSO: take a held session back."""

    type: Literal["unhold"] = "unhold"
    session_id: SessionId


class Transfer(_Request):
    """CSO: give a session back to the queue, or straight to another (online, not full) officer."""

    type: Literal["transfer"] = "transfer"
    session_id: SessionId
    reason: Annotated[str, Field(max_length=200)] | None = None
    to_cso: DeviceId | None = None


class End(_Request):
    """CSO: end a session with an outcome."""

    type: Literal["end"] = "end"
    session_id: SessionId
    outcome: Outcome
    note: Annotated[str, Field(max_length=500)] | None = None


class Decision(_Request):
    """CSO: a verification decision on one document of a session (goes to the audit log).

    The request ``id`` is required and names the decision: a decision sent again with the same
    id (the answer was lost with the connection) is acknowledged again and recorded once.
    """

    type: Literal["decision"] = "decision"
    id: RequestId
    session_id: SessionId
    document: DocumentKind
    verdict: Verdict
    reason: RejectReason | None = None
    note: Annotated[str, Field(max_length=200)] | None = None
    still_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None

    @model_validator(mode="after")
    def _rejection_has_a_reason(self) -> "Decision":
        if self.verdict is Verdict.REJECTED and self.reason is None:
            raise ValueError("a rejected document needs a reason")
        if self.verdict is Verdict.ACCEPTED and self.reason is not None:
            raise ValueError("an accepted document takes no reason")
        return self


def json_problem(value: Any, *, max_depth: int = MAX_JSON_DEPTH, where: str = "") -> str | None:
    """What makes a decoded JSON value unfit to pass on, or None when it is fit.

    Checks what JSON text may carry but the other end could not take back: lone UTF-16
    surrogates (``"\\ud800"``: not Unicode, cannot be encoded as UTF-8), numbers that are not
    finite (``NaN``, ``1e400``), integer literals longer than :data:`MAX_INTEGER_DIGITS`, and
    nesting deeper than ``max_depth``. Iterative: a deep value cannot exhaust the stack.

    Args:
        value: a value as ``json.loads`` returns it.
        max_depth: the deepest nesting allowed (a scalar at the top is depth 0).
        where: the value's path, for the sentence.

    Returns:
        A sentence naming the path and the problem.
    """
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        v, path, depth = stack.pop()
        if isinstance(v, str):
            if not v.isascii() and _has_surrogate(v):
                return f"{_short(path) or 'message'}: a string holds a lone UTF-16 surrogate (not Unicode)"
        elif isinstance(v, (dict, list)):
            if depth >= max_depth:
                return f"{_short(path) or 'message'}: nested deeper than {max_depth} levels"
            if isinstance(v, dict):
                for k, item in v.items():
                    if not k.isascii() and _has_surrogate(k):
                        return f"{_short(path) or 'message'}: a key holds a lone UTF-16 surrogate (not Unicode)"
                    stack.append((item, f"{path}.{k}" if path else k, depth + 1))
            else:
                stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(v))
        elif isinstance(v, float):
            if not math.isfinite(v):
                return f"{_short(path) or 'message'}: {v!r} is not a finite number"
        elif isinstance(v, _TooLongInteger):
            return (f"{_short(path) or 'message'}: an integer literal of {v.digits} digits is over the "
                    f"{MAX_INTEGER_DIGITS}-digit limit")
    return None


def _short(text: str, limit: int = 80) -> str:
    """``text``, or its start and end around an ellipsis when longer than ``limit``."""
    return text if len(text) <= limit else f"{text[:limit - 20]}…{text[-15:]}"


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_payload(payload: dict[str, Any]) -> dict[str, Any]:
    problem = json_problem(payload, max_depth=MAX_PAYLOAD_DEPTH)
    if problem is not None:
        raise ValueError(problem)
    return payload


Payload = Annotated[dict[str, Any], AfterValidator(_check_payload)]
"""An opaque JSON object passed on unchanged: at most :data:`MAX_PAYLOAD_DEPTH` deep, its strings
Unicode and its numbers finite, so that it always encodes again for the other end."""


class Signal(_Request):
    """Either end: an opaque WebRTC negotiation payload for the other end of a session."""

    type: Literal["signal"] = "signal"
    session_id: SessionId
    payload: Payload


Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class StillMeta(_Model):
    """What one lossless document still is.

    Args:
        session_id: the session it belongs to.
        request_id: the officer's document request it answers.
        document: which document it shows.
        sha256: hex digest of the bytes (the still's name on the server).
        size: bytes.
        mime: image/png or image/webp (lossless).
        width: pixels.
        height: pixels.
        corners: the document's outline in the still (TL, TR, BR, BL), when the scanner found it.
    """

    session_id: SessionId
    request_id: RequestId
    document: DocumentKind
    sha256: Sha256
    size: Annotated[int, Field(ge=1)]
    mime: Literal["image/png", "image/webp"] = "image/png"
    width: Annotated[int, Field(ge=1, le=16384)]
    height: Annotated[int, Field(ge=1, le=16384)]
    corners: Annotated[list[tuple[float, float]], Field(min_length=4, max_length=4)] | None = None


class StillPut(_Request):
    """Booth, on a stills connection: the next ``length`` binary bytes are ``still``'s bytes from
    ``offset`` (a still may come in parts over several connections at once).

    With ``parity`` (a block size in bytes) they are bytes from ``offset`` of the still's parity
    block instead: the XOR of its blocks of ``parity`` bytes, the last one zero-padded. The server
    rebuilds one missing block from it (see :mod:`signaling.stills`)."""

    type: Literal["still_put"] = "still_put"
    id: RequestId
    still: StillMeta
    offset: Annotated[int, Field(ge=0)]
    length: Annotated[int, Field(ge=1)]
    parity: Annotated[int, Field(ge=1)] | None = None


class StillGet(_Request):
    """CSO, on a stills connection: send ``length`` bytes (all from ``offset`` when None) of a
    still of one of my sessions."""

    type: Literal["still_get"] = "still_get"
    id: RequestId
    session_id: SessionId
    sha256: Sha256
    offset: Annotated[int, Field(ge=0)] = 0
    length: Annotated[int, Field(ge=1)] | None = None


ClientMessage = Annotated[
    Union[Hello, CheckBooking, Announce, Cancel, Accept, Hold, Unhold, Transfer, End, Decision, Signal, StillPut,
          StillGet],
    Field(discriminator="type"),
]
CLIENT_TYPES = frozenset(
    m.model_fields["type"].default
    for m in (Hello, CheckBooking, Announce, Cancel, Accept, Hold, Unhold, Transfer, End, Decision, Signal,
              StillPut, StillGet)
)

# --------------------------------------------------------------------------- server → client


class Welcome(_Model):
    """Answer to a good hello: the device's current sessions, so it can resume."""

    type: Literal["welcome"] = "welcome"
    role: Role
    device_id: DeviceId
    version: int = PROTOCOL_VERSION
    server_time: float
    branch_name: str = ""
    capacity: int | None = None
    sessions: list[SessionInfo] = []
    services: list[ServiceInfo] = []
    """to CSOs: every service and the documents its checklist needs"""


class Ack(_Model):
    """A request was carried out (and persisted)."""

    type: Literal["ack"] = "ack"
    ref: RequestId
    session: SessionInfo | None = None


class BookingProblem(str, enum.Enum):
    """Why a booking code cannot be used now (the booth tells the participant in their words)."""

    UNKNOWN = "unknown"
    NOT_TODAY = "not_today"
    SLOT_PASSED = "slot_passed"
    ALREADY_SERVED = "already_served"
    ALREADY_WAITING = "already_waiting"


class BookingResult(_Model):
    """Answer to check_booking."""

    type: Literal["booking_result"] = "booking_result"
    ref: RequestId | None = None
    code: str
    valid: bool
    problem: BookingProblem | None = None
    reason: str | None = None
    booking: BookingInfo | None = None


class Error(_Model):
    """Something the client sent was refused; nothing else was disturbed."""

    type: Literal["error"] = "error"
    code: ErrorCode
    message: str
    ref: RequestId | None = None


class SessionUpdate(_Model):
    """A session this device takes part in (or, for CSOs, was offered) changed."""

    type: Literal["session"] = "session"
    session: SessionInfo


class QueueUpdate(_Model):
    """The whole waiting queue in serving order: to a CSO right after its welcome (then only
    :class:`QueueChange`); :class:`signaling.client.SignalingClient` hands its keeper this view,
    kept up to date, after every change."""

    type: Literal["queue"] = "queue"
    waiting: list[SessionInfo]


class QueueEntry(_Model):
    """A session's place in the waiting queue (0 = served next)."""

    index: Annotated[int, Field(ge=0)]
    session: SessionInfo


class QueueChange(_Model):
    """How the waiting queue changed since the last ``queue`` or ``queue_change`` (to CSOs, at
    most once per server tick). Apply with :func:`apply_queue_change`.

    Args:
        removed: sessions no longer waiting (ids the receiver does not hold are ignored).
        placed: sessions that joined, moved or changed, each at its new index, in ascending
            index order; an entry replaces one with the same id.
    """

    type: Literal["queue_change"] = "queue_change"
    removed: list[SessionId] = []
    placed: list[QueueEntry] = []


class QueuePosition(_Model):
    """To a waiting booth: where its participant is in the queue, and roughly how long to wait.

    Args:
        session_id: the booth's waiting session.
        position: 1 for the next to be served.
        waiting: how many wait in all.
        estimated_wait: seconds, from recent session lengths and the officers online; None when
            no officer is online or no session has ended yet today.
    """

    type: Literal["queue_position"] = "queue_position"
    session_id: SessionId
    position: int
    waiting: int
    estimated_wait: float | None = None


class Presence(_Model):
    """Who is online: every device to a technician, the officers to a CSO; sent whole right after
    the welcome (then only :class:`PresenceChange`)."""

    type: Literal["presence"] = "presence"
    online: list[PresenceEntry]


class DeviceRef(_Model):
    """One device, by role and id."""

    role: Role
    device_id: DeviceId


class PresenceChange(_Model):
    """Who came and went since the last ``presence`` or ``presence_change`` (at most once per
    server tick). Apply with :func:`apply_presence_change`.

    Args:
        joined: devices now online (an entry replaces one for the same device: it reconnected).
        left: devices gone (ones the receiver does not hold are ignored).
    """

    type: Literal["presence_change"] = "presence_change"
    joined: list[PresenceEntry] = []
    left: list[DeviceRef] = []


class Relayed(_Model):
    """A signal from the other end of a session."""

    type: Literal["signal"] = "signal"
    session_id: SessionId
    payload: dict[str, Any]
    sender: DeviceId


class StillStored(_Model):
    """Answer to a still_put: the part is on disk; ``complete`` once the whole still is verified
    (size and sha256) and kept."""

    type: Literal["still_stored"] = "still_stored"
    ref: RequestId
    sha256: Sha256
    received: int
    complete: bool = False


class StillData(_Model):
    """Answer to a still_get: the next ``length`` binary bytes are the still's from ``offset``."""

    type: Literal["still_data"] = "still_data"
    ref: RequestId
    sha256: Sha256
    offset: int
    length: int


class StillAvailable(_Model):
    """To the session's CSO: a still is on the server, verified, ready to fetch."""

    type: Literal["still_available"] = "still_available"
    still: StillMeta
    booth_id: DeviceId


class Alert(_Model):
    """To the technicians: something a person must look at (a device's token used by two
    machines at once, a token revoked while in use)."""

    type: Literal["alert"] = "alert"
    kind: Literal["device_in_use", "token_revoked"]
    role: Role
    device_id: DeviceId
    message: str
    at: float


ServerMessage = Annotated[
    Union[Welcome, Ack, BookingResult, Error, SessionUpdate, QueueUpdate, QueueChange, QueuePosition, Presence,
          PresenceChange, Relayed, StillStored, StillData, StillAvailable, Alert],
    Field(discriminator="type"),
]


def apply_queue_change(waiting: list[SessionInfo], change: QueueChange) -> list[SessionInfo]:
    """The queue after ``change``.

    Args:
        waiting: the queue as last known, in serving order.
        change: what changed since.
    """
    drop = set(change.removed) | {e.session.id for e in change.placed}
    out = [s for s in waiting if s.id not in drop]
    for entry in change.placed:
        out.insert(entry.index, entry.session)
    return out


def apply_presence_change(online: list[PresenceEntry], change: PresenceChange) -> list[PresenceEntry]:
    """Who is online after ``change``, ordered by role and device id.

    Args:
        online: the devices as last known.
        change: who came and went since.
    """
    gone = {(d.role, d.device_id) for d in change.left} | {(e.role, e.device_id) for e in change.joined}
    out = [e for e in online if (e.role, e.device_id) not in gone] + list(change.joined)
    return sorted(out, key=lambda e: (e.role, e.device_id))

_client_adapter: TypeAdapter[Any] = TypeAdapter(ClientMessage)
_server_adapter: TypeAdapter[Any] = TypeAdapter(ServerMessage)


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = [_short(str(p), 40) for p in err["loc"]]
        if len(loc) > 1:
            loc = loc[1:]  # drop the union tag (the message type)
        parts.append(f"{'.'.join(loc) or 'message'}: {err['msg']}")
    return "; ".join(parts)


class _TooLongInteger:
    """Stands in for an integer literal too long to convert, so the rest of the message (its
    ``id`` above all) can still be read and the problem named."""

    __slots__ = ("digits",)

    def __init__(self, digits: int):
        self.digits = digits


def _parse_int(text: str) -> int | _TooLongInteger:
    digits = len(text) - (text[0] == "-")
    return _TooLongInteger(digits) if digits > MAX_INTEGER_DIGITS else int(text)


_request_id: TypeAdapter[str] = TypeAdapter(RequestId)


def _readable_ref(data: dict) -> str | None:
    """The message's ``id`` if it is a valid request id (it is echoed back as ``ref``)."""
    rid = data.get("id")
    if not isinstance(rid, str):
        return None
    try:
        return _request_id.validate_python(rid)
    except ValidationError:  # empty, too long, or not Unicode: never echoed
        return None


def parse_client_message(raw: str | bytes) -> Any:
    """Parse one client message.

    A valid message takes one pass through pydantic's JSON parser. What that parser refuses is
    parsed again, leniently, to name the problem and to read the request ``id`` when it can.

    Args:
        raw: the text (or bytes) received.

    Returns:
        A typed client message model.

    Raises:
        ProtocolError: naming what was wrong (bad JSON, unknown type, wrong fields); no other
            exception, whatever ``raw`` holds.
    """
    try:
        return _client_adapter.validate_json(raw)
    except Exception:  # ValidationError, or anything else the strict parser objects to
        return _parse_leniently(raw)


def _parse_leniently(raw: str | bytes) -> Any:
    """The slow path of :func:`parse_client_message`: a message, or the error naming its problem."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(ErrorCode.BAD_JSON, "binary message is not UTF-8 JSON") from None
    try:
        data = json.loads(raw, parse_int=_parse_int)
    except RecursionError:
        raise ProtocolError(ErrorCode.BAD_JSON, f"message is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, and any conversion the decoder refuses
        raise ProtocolError(ErrorCode.BAD_JSON, f"message is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"message must be a JSON object, got {type(data).__name__}")
    ref = _readable_ref(data)
    problem = json_problem(data)
    if problem is not None:
        raise ProtocolError(ErrorCode.BAD_JSON, f"message is not valid JSON: {problem}", ref)
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, "message has no string field 'type'", ref)
    if kind not in CLIENT_TYPES:
        raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown message type {kind[:40]!r}", ref)
    try:
        return _client_adapter.validate_python(data)
    except ValidationError as exc:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"invalid {kind!r} message: {_describe(exc)}", ref) from None


def parse_server_message(raw: str | bytes) -> Any:
    """Parse one server message (client side).

    Args:
        raw: the text received.

    Raises:
        ProtocolError: if the server sent something this client does not understand.
    """
    try:
        return _server_adapter.validate_json(raw)
    except ValidationError as exc:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"unexpected server message: {_describe(exc)}") from None


def encode(message: BaseModel) -> str:
    """Serialise a protocol model to its JSON text."""
    return message.model_dump_json(exclude_none=True)
