"""Document requests from the console to its booths, until each booth has shown them (pure).

The officer's request travels on the call's data channel; the still itself comes back through the
branch server (``signaling.stills_client``). :class:`DocumentRequests` keeps every request until
the booth confirms it (``document_pending``), sends it again when the booth did not answer in
time or when its call came back on a new peer connection, and forgets it when it is done (the
still reached the server), cancelled or failed. Time is passed in; it returns what to send.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class RequestPhase(str, enum.Enum):
    """Where one document request is, seen from the console."""

    SENT = "sent"  # sent; the booth has not confirmed it yet
    PENDING = "pending"  # the booth shows it; the participant is placing the document


@dataclass
class DocumentRequest:
    """One outstanding document request.

    Args:
        session_id: the booth's session.
        request_id: the console's id for it.
        document: which document.
        capture: auto or now.
        requested_at: when it was first sent.
        phase: where it is.
        since: when it entered its phase (or was last sent).
        resends: how often it went out again unanswered.
    """

    session_id: str
    request_id: str
    document: Any
    capture: Any
    requested_at: float
    phase: RequestPhase = RequestPhase.SENT
    since: float = 0.0
    resends: int = 0


@dataclass(frozen=True)
class Send:
    """Send (again) this request to its booth."""

    request: DocumentRequest


@dataclass(frozen=True)
class Failed:
    """The booth never confirmed the request; it was given up."""

    request: DocumentRequest
    reason: str


Action = Send | Failed


class DocumentRequests:
    """Every document request of a console, until its booth has shown it.

    Args:
        ack_timeout: seconds for the booth to confirm a request (while its call is up).
        max_resends: unconfirmed re-sends before the request fails ("no_answer").
    """

    def __init__(self, *, ack_timeout: float = 3.0, max_resends: int = 3) -> None:
        self.ack_timeout = ack_timeout
        self.max_resends = max_resends
        self.requests: dict[str, DocumentRequest] = {}
        self._connected: set[str] = set()

    def get(self, request_id: str) -> DocumentRequest | None:
        """The outstanding request with that id."""
        return self.requests.get(request_id)

    def wanted(self, session_id: str) -> bool:
        """Whether the booth has an outstanding request (its document view is wanted)."""
        return any(r.session_id == session_id for r in self.requests.values())

    def request(self, session_id: str, request_id: str, document: Any, capture: Any, now: float) -> list[Action]:
        """The officer asks a booth for a document.

        Raises:
            ValueError: the request id is already outstanding.
        """
        if request_id in self.requests:
            raise ValueError(f"document request {request_id} is already outstanding")
        r = self.requests[request_id] = DocumentRequest(session_id, request_id, document, capture, now, since=now)
        return [Send(r)] if session_id in self._connected else []

    def pending(self, request_id: str, now: float) -> None:
        """The booth confirmed the request."""
        r = self.requests.get(request_id)
        if r is not None:
            r.phase, r.since, r.resends = RequestPhase.PENDING, now, 0

    def finished(self, request_id: str) -> DocumentRequest | None:
        """The request is done (its still reached the server), cancelled or failed at the booth."""
        return self.requests.pop(request_id, None)

    def connected(self, session_id: str, now: float) -> list[Action]:
        """A booth's call is (again) up: its requests go out again (a new peer connection may
        have lost them, and the booth answers a request it knows again with document_pending)."""
        self._connected.add(session_id)
        out: list[Action] = []
        for r in self.requests.values():
            if r.session_id == session_id:
                r.phase, r.since, r.resends = RequestPhase.SENT, now, 0
                out.append(Send(r))
        return out

    def disconnected(self, session_id: str) -> None:
        """A booth's call dropped: nothing times out until it is back."""
        self._connected.discard(session_id)

    def drop_session(self, session_id: str) -> None:
        """The session ended: forget its requests."""
        self._connected.discard(session_id)
        for rid in [k for k, r in self.requests.items() if r.session_id == session_id]:
            del self.requests[rid]

    def tick(self, now: float) -> list[Action]:
        """Send again what the booth did not confirm in time; give up after ``max_resends``."""
        out: list[Action] = []
        for r in list(self.requests.values()):
            if r.phase is not RequestPhase.SENT or r.session_id not in self._connected:
                continue
            if now - r.since <= self.ack_timeout:
                continue
            if r.resends < self.max_resends:
                r.resends += 1
                r.since = now
                out.append(Send(r))
            else:
                del self.requests[r.request_id]
                out.append(Failed(r, "no_answer"))
        return out
