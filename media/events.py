"""Everything the media engine tells the apps, as one typed union (:data:`MediaEvent`).

Every event names its session. The booth's engine emits the booth-side events (a document
wanted, a verdict, a prompt, whether the officer hears the booth); the CSO's engine emits the
console-side ones (a request on the booth's screen, a request that failed, a raised hand, the
booth's devices). Both emit call-state changes. (The stills themselves travel through the
branch server: ``signaling.stills_client``.)
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
        attempt: 1, or more when asked again after a rejection.
        capture: auto-capture with the scanner, or a still at once.
    """

    session_id: str
    request_id: str
    document: DocumentKind
    attempt: int
    capture: CaptureMode


@dataclass(frozen=True)
class DocumentCancelled:
    """The officer no longer wants a requested document."""

    session_id: str
    request_id: str


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
class DocumentFailed:
    """A document request ended without a still: the booth's camera failed, or the booth never
    confirmed the request.

    Args:
        session_id: the session.
        request_id: the request.
        document: which document.
        reason: "capture_failed" or "no_answer".
        detail: a sentence (from the booth, naming its device, when it has one).
    """

    session_id: str
    request_id: str
    document: DocumentKind
    reason: str
    detail: str


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
    DocumentRequested, DocumentCancelled, VerdictReceived, PromptReceived, ChecklistReceived, QualityApplied,
    DocumentPendingAtBooth, DocumentFailed, HandRaised, BoothDevicesReported,
]
"""Every event either engine emits."""
