"""Data-channel control messages between a booth and the CSO's console (pydantic models).

Text messages on the session's data channel are JSON objects with a ``type`` field; binary
messages are still chunks (see :mod:`media.stills`). Both ends parse with
:func:`parse_control`, which also checks the message's direction: a booth cannot send what only
the officer sends (a prompt, a quality request, a verdict), and the other way round.

A document, end to end (``request_id`` is the console's)::

    cso   -> booth  document_request   which document; capture "auto" or "now"
    booth -> cso    document_pending   the booth shows the request; the participant positions it
    booth -> server (TCP, stills connections: signaling.stills_client) the captured still
    server -> cso   still_available    (on the signaling connection); the console fetches it
    booth -> cso    still_error        instead, when no still can be taken (camera down)
    cso   -> booth  document_verdict   the officer's decision: accepted, or rejected with a reason

Stills travel over TCP through the server rather than on this data channel: on a link with
40 ± 10 ms delay and 2 % loss, aiortc's data channel moved 1.6 MB in about 11 s, TCP 2 MB in
about 1 s (``bench/network.py``); and the server keeps the case file anyway.
"""
from __future__ import annotations

import enum
import logging
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from common.documents import DocumentKind, RejectReason, Verdict
from media.errors import ControlRefused

logger = logging.getLogger(__name__)


class _Message(BaseModel):
    # JSON has no NaN or infinity: refused on the way in, so whatever parses encodes back to itself
    # (a Ping(sent_at=-inf) used to come back from its Pong as null, and the Pong was refused).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Ping(_Message):
    """Application heartbeat; the peer answers with :class:`Pong`.

    Args:
        seq: sequence number, echoed in the pong.
        sent_at: sender's monotonic clock in seconds, echoed in the pong (the sender computes the
            round-trip time from its own record of ``seq``, never from what the peer echoes).
    """

    type: Literal["ping"] = "ping"
    seq: int
    sent_at: float


class Pong(_Message):
    """Answer to :class:`Ping`.

    Args:
        seq: the ping's sequence number.
        sent_at: the ping's ``sent_at``, unchanged.
    """

    type: Literal["pong"] = "pong"
    seq: int
    sent_at: float


class Prompt(_Message):
    """Text for the booth screen, sent by the console, already in the booth's language.

    Args:
        text: what the participant reads.
        key: the canned prompt's key, when it is one.
    """

    type: Literal["prompt"] = "prompt"
    text: Annotated[str, Field(max_length=500)]
    key: Annotated[str, Field(max_length=64)] | None = None


class ChecklistStatus(str, enum.Enum):
    """Where one document of the claim checklist is."""

    NEEDED = "needed"
    REQUESTED = "requested"
    RECEIVED = "received"  # the still arrived; the officer has not decided yet
    VERIFIED = "verified"
    REJECTED = "rejected"


class ChecklistItem(_Message):
    """One document of the claim checklist.

    Args:
        document: which document.
        status: where it is.
    """

    document: DocumentKind
    status: ChecklistStatus


class ChecklistUpdate(_Message):
    """The claim checklist, sent by the console so the booth can show progress.

    Args:
        items: every document of the session's service, in checklist order.
    """

    type: Literal["checklist"] = "checklist"
    items: Annotated[list[ChecklistItem], Field(max_length=32)]


class TrackQuality(_Message):
    """Target size and frame rate for one outgoing video track.

    Args:
        width: target frame width in pixels (the booth never upscales).
        height: target frame height in pixels.
        fps: target frame rate; frames above it are dropped at the source track.
        max_kbps: upper bound of the encoder's bitrate (kbit/s); None: aiortc's own range
            (250-1500, following the receiver's estimate). A small tile needs far fewer bits
            than aiortc's estimate would give it, and every packet costs the receiver Python
            work (SRTP, RTP parsing, jitter buffer).
    """

    width: int = Field(gt=0, le=3840)
    height: int = Field(gt=0, le=2160)
    fps: float = Field(gt=0, le=60)
    max_kbps: int | None = Field(default=None, gt=0, le=10_000)


class QualityRequest(_Message):
    """The quality a console tile needs from a booth.

    Args:
        face: face camera quality, or None to pause the face track (nothing sent; used to
            measure the fixed cost of a call, and for a booth on hold).
        document: document camera quality, or None to pause the document track.
        audio: whether the booth sends its microphone. The CSO hears only the focused booth,
            so grid booths pause their microphone at the source and the console decodes one
            audio stream instead of six.
    """

    type: Literal["quality"] = "quality"
    face: TrackQuality | None
    document: TrackQuality | None = None
    audio: bool = True


RequestId = Annotated[str, Field(min_length=1, max_length=64)]


class CaptureMode(str, enum.Enum):
    """How the booth takes the still."""

    AUTO = "auto"  # when the scanner sees the document framed, sharp and held still
    NOW = "now"  # at once, whatever the camera sees (the officer decides)


class DocumentRequest(_Message):
    """The console asks the booth for a lossless still of one document.

    Args:
        request_id: chosen by the console; every message about this document carries it.
        document: what the participant is asked to show.
        attempt: 1 for the first request of a document in this session, +1 for each request
            after a rejection (the booth shows "please show it again").
        capture: auto-capture by the booth's scanner, or a still at once.
    """

    type: Literal["document_request"] = "document_request"
    request_id: RequestId
    document: DocumentKind = DocumentKind.OTHER
    attempt: Annotated[int, Field(ge=1, le=100)] = 1
    capture: CaptureMode = CaptureMode.AUTO


class DocumentPending(_Message):
    """The booth shows a document request; the participant is placing the document.

    Args:
        request_id: the request.
    """

    type: Literal["document_pending"] = "document_pending"
    request_id: RequestId


class DocumentCancel(_Message):
    """The officer no longer wants this document (the booth leaves the document screen).

    Args:
        request_id: the request.
    """

    type: Literal["document_cancel"] = "document_cancel"
    request_id: RequestId


class DocumentVerdict(_Message):
    """The officer's decision on a document, for the booth screen.

    Args:
        request_id: the request the still answered.
        document: the document.
        verdict: accepted or rejected.
        reason: why it was rejected.
    """

    type: Literal["document_verdict"] = "document_verdict"
    request_id: RequestId
    document: DocumentKind
    verdict: Verdict
    reason: RejectReason | None = None


class RaiseHand(_Message):
    """The participant pressed the call button while waiting on hold: "I need the officer"."""

    type: Literal["raise_hand"] = "raise_hand"


class DeviceHealth(_Message):
    """One booth device's state, for the officer's tile.

    Args:
        role: "camera", "document_camera", "button", "light", "printer", "microphone", "speaker".
        ok: working.
        message: what is wrong (names the device), empty when ok.
    """

    role: Annotated[str, Field(max_length=32)]
    ok: bool
    message: Annotated[str, Field(max_length=300)] = ""


class BoothStatus(_Message):
    """The booth's devices, sent when the call opens and whenever one changes.

    Args:
        devices: every configured device.
    """

    type: Literal["booth_status"] = "booth_status"
    devices: Annotated[list[DeviceHealth], Field(max_length=16)]


class StillError(_Message):
    """The booth could not capture a still for a request.

    Args:
        request_id: the request that failed.
        reason: human-readable cause (e.g. "document camera unavailable").
    """

    type: Literal["still_error"] = "still_error"
    request_id: RequestId
    reason: Annotated[str, Field(max_length=300)]


class Renegotiate(_Message):
    """The console asks the booth for a fresh offer on a new peer connection.

    Sent when a video track stalls while the data channel is alive: aiortc's video jitter
    buffer waits for 512 packets after an unrecoverable loss, and has no ICE restart.

    Args:
        reason: why (for the log).
    """

    type: Literal["renegotiate"] = "renegotiate"
    reason: Annotated[str, Field(max_length=200)] = ""


ControlMessage = Annotated[
    Union[
        Ping,
        Pong,
        Prompt,
        ChecklistUpdate,
        QualityRequest,
        DocumentRequest,
        DocumentPending,
        DocumentCancel,
        StillError,
        DocumentVerdict,
        RaiseHand,
        BoothStatus,
        Renegotiate,
    ],
    Field(discriminator="type"),
]

FROM_CSO: frozenset[type] = frozenset({
    Ping, Pong, Prompt, ChecklistUpdate, QualityRequest, DocumentRequest, DocumentCancel, DocumentVerdict,
    Renegotiate,
})
"""What the console may send a booth."""
FROM_BOOTH: frozenset[type] = frozenset({
    Ping, Pong, DocumentPending, StillError, RaiseHand, BoothStatus,
})
"""What a booth may send the console."""

MAX_CONTROL_BYTES = 16 * 1024
"""Longest text message accepted on the data channel (a checklist is well under 2 KB)."""

_adapter: TypeAdapter[ControlMessage] = TypeAdapter(ControlMessage)


def parse_control(text: str | bytes, sender: str | None = None) -> ControlMessage:
    """Parse one text message from the data channel.

    Args:
        text: the JSON text received.
        sender: "booth" or "cso": the end that sent it; its direction is checked (None: not
            checked).

    Raises:
        ControlRefused: the text is too long, not a known well-formed control message, or one
            this sender may not send (the message names which).
    """
    if len(text) > MAX_CONTROL_BYTES:
        raise ControlRefused(f"control message of {len(text)} bytes is over the {MAX_CONTROL_BYTES}-byte limit")
    try:
        message = _adapter.validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "message"
        raise ControlRefused(f"bad control message: {where}: {first['msg']}") from None
    allowed = FROM_CSO if sender == "cso" else FROM_BOOTH if sender == "booth" else None
    if allowed is not None and type(message) not in allowed:
        raise ControlRefused(f"a {sender} may not send {message.type!r}")
    return message


def dump_control(message: ControlMessage) -> str:
    """Serialise a control message for the data channel.

    Args:
        message: any control model.
    """
    return message.model_dump_json()
