"""Everything the media engine tells the apps, as one typed union (:data:`MediaEvent`).

Every event names its session. The booth's engine emits the booth-side events (a document
wanted, a verdict, a prompt, whether the officer hears the booth); the CSO's engine emits the
console-side ones (a still's place in the queue, its progress, the verified still, a raised
hand, the booth's devices). Both emit call-state changes.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Union

from common.documents import DocumentKind, RejectReason, Verdict
from media.control import BoothStatus, CaptureMode, ChecklistItem, QualityRequest


class CallState(str, enum.Enum):
    """Life of one call (the media of one signaling session)."""

    NEW = "new"
    CONNECTING = "connecting"  # offer/answer in flight, or ICE/DTLS not done
    CONNECTED = "connected"  # data channel open
    STALLED = "stalled"  # connected, but the face video stopped: renegotiating
    LOST = "lost"  # heartbeat timed out or the transport failed: a new peer connection follows
    CLOSED = "closed"


# ------------------------------------------------------------------------------ both ends


@dataclass(frozen=True)
class CallAdded:
    """A call was opened (booth: the session became active; CSO: the booth's first offer)."""

    session_id: str


@dataclass(frozen=True)
class CallStateChanged:
    """A call's state changed.

    Args:
        session_id: the session.
        state: the new state.
        reason: why, in a few words (for the log and the tile).
    """

    session_id: str
    state: CallState
    reason: str = ""


@dataclass(frozen=True)
class CallRemoved:
    """A call was closed for good (ended, or the peer said bye)."""

    session_id: str
    reason: str = ""


# ------------------------------------------------------------------------------ booth side


@dataclass(frozen=True)
class DocumentRequested:
    """The officer wants a document.

    Args:
        session_id: the session.
        request_id: the request (answer it with ``BoothEngine.submit_still``).
        document: which document.
        attempt: 1, or more when asked again.
        capture: auto-capture with the scanner, or a still at once.
        have_still: the booth still holds the still it captured for this request (an attempt
            after a damaged transfer): the engine sends it again by itself.
    """

    session_id: str
    request_id: str
    document: DocumentKind
    attempt: int
    capture: CaptureMode
    have_still: bool = False


@dataclass(frozen=True)
class DocumentCancelled:
    """The officer no longer wants a requested document."""

    session_id: str
    request_id: str


@dataclass(frozen=True)
class StillSending:
    """Bytes of a still left the booth.

    Args:
        session_id: the session.
        request_id: the request.
        sent_bytes: bytes handed to the data channel so far.
        size: the still's size.
    """

    session_id: str
    request_id: str
    sent_bytes: int
    size: int


@dataclass(frozen=True)
class StillDelivered:
    """The console checked a still the booth sent.

    Args:
        session_id: the session.
        request_id: the request.
        ok: it arrived byte-identical.
        reason: why not, when not ok.
    """

    session_id: str
    request_id: str
    ok: bool
    reason: str | None = None


@dataclass(frozen=True)
class VerdictReceived:
    """The officer decided on a document.

    Args:
        session_id: the session.
        request_id: the request the still answered.
        document: the document.
        verdict: accepted or rejected.
        reason: why it was rejected.
    """

    session_id: str
    request_id: str
    document: DocumentKind
    verdict: Verdict
    reason: RejectReason | None


@dataclass(frozen=True)
class PromptReceived:
    """Text from the officer for the booth screen (already in the booth's language)."""

    session_id: str
    text: str
    key: str | None


@dataclass(frozen=True)
class ChecklistReceived:
    """The claim checklist's state, from the officer."""

    session_id: str
    items: tuple[ChecklistItem, ...]


@dataclass(frozen=True)
class QualityApplied:
    """The booth now sends what the officer's tile asked for.

    Args:
        session_id: the session.
        request: what was asked; ``request.audio`` is True exactly when the officer hears the
            booth (the booth's microphone is sent only then).
    """

    session_id: str
    request: QualityRequest


# ------------------------------------------------------------------------------ CSO side


@dataclass(frozen=True)
class DocumentPendingAtBooth:
    """The booth shows the document request; the participant is placing the document."""

    session_id: str
    request_id: str


@dataclass(frozen=True)
class StillQueued:
    """A still is captured at the booth and waits for its turn to be sent.

    Args:
        session_id: the session.
        request_id: the request.
        position: 1 when it is next; 0 when it is being sent now.
    """

    session_id: str
    request_id: str
    position: int


@dataclass(frozen=True)
class StillProgressed:
    """Bytes of a still arrived at the console.

    Args:
        session_id: the session.
        request_id: the request.
        received_bytes: bytes so far.
        size: declared size.
    """

    session_id: str
    request_id: str
    received_bytes: int
    size: int


@dataclass(frozen=True)
class StillReceived:
    """A still arrived verified, byte-identical to what the booth captured.

    Args:
        session_id: the session.
        request_id: the request.
        document: which document it shows.
        data: the still's bytes.
        width: pixels.
        height: pixels.
        mime: media type.
        sha256: hex digest of ``data`` (the decision on it carries it to the audit log).
        corners: the document's outline in the still, when the booth's scanner found it.
        attempt: which attempt delivered it.
        seconds: request sent -> verified, over all attempts.
    """

    session_id: str
    request_id: str
    document: DocumentKind
    data: bytes
    width: int
    height: int
    mime: str
    sha256: str
    corners: tuple[tuple[float, float], ...] | None
    attempt: int
    seconds: float


@dataclass(frozen=True)
class StillRejected:
    """A still did not arrive good; it was not delivered.

    Args:
        session_id: the session.
        request_id: the request.
        document: which document.
        reason: a :class:`media.stills.StillFault` value, "timeout" (no progress for
            ``MediaConfig.still_timeout``) or "capture_failed".
        detail: a sentence.
        will_retry: whether the console asked for it again.
    """

    session_id: str
    request_id: str
    document: DocumentKind
    reason: str
    detail: str
    will_retry: bool


@dataclass(frozen=True)
class HandRaised:
    """The participant pressed the call button: "I need the officer"."""

    session_id: str


@dataclass(frozen=True)
class BoothDevicesReported:
    """The booth reported its devices (a dead camera shows on the officer's tile)."""

    session_id: str
    status: BoothStatus


MediaEvent = Union[
    CallAdded, CallStateChanged, CallRemoved,
    DocumentRequested, DocumentCancelled, StillSending, StillDelivered, VerdictReceived, PromptReceived,
    ChecklistReceived, QualityApplied,
    DocumentPendingAtBooth, StillQueued, StillProgressed, StillReceived, StillRejected, HandRaised,
    BoothDevicesReported,
]
"""Every event either engine emits."""
