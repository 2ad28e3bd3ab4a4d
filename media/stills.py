"""Chunked, verified transfer of lossless document stills, and the console's bookkeeping of
document requests (:class:`StillBook`): pure state machines, no I/O.

The booth splits the captured bytes with :func:`split_still` into a :class:`StillBegin`
manifest and binary chunk frames, sends them over the data channel and ends with
:class:`StillEnd`. The console feeds what arrives into a :class:`StillReceiver`; a still is
handed out only when every chunk arrived with the declared length, the total size matches
and the sha256 matches. Anything else yields a :class:`StillVerdict` with a
:class:`StillFault`, so the caller re-requests it and never shows it as good.

Chunk frame layout: ``b"LPS1"`` + still_id (uint32 BE) + index (uint32 BE) + payload.
"""
from __future__ import annotations

import enum
import hashlib
import logging
import struct
from dataclasses import dataclass, field
from typing import Any

from media.control import StillBegin

logger = logging.getLogger(__name__)

CHUNK_MAGIC = b"LPS1"
_HEADER = struct.Struct(">4sII")
CHUNK_HEADER_SIZE = _HEADER.size

DEFAULT_CHUNK_SIZE = 16 * 1024
"""Payload bytes per chunk: well under aiortc's SCTP max message size (64 KiB)."""

DEFAULT_MAX_STILL_SIZE = 64 * 1024 * 1024
"""A manifest announcing more than this is refused (protects the console's memory)."""


class StillFault(str, enum.Enum):
    """Why a still was rejected."""

    CHECKSUM_MISMATCH = "checksum_mismatch"  # corrupt: bytes differ from what was captured
    MISSING_CHUNKS = "missing_chunks"  # truncated: ended before every chunk arrived
    WRONG_CHUNK_SIZE = "wrong_chunk_size"  # a chunk's length differs from the manifest
    WRONG_SIZE = "wrong_size"  # total bytes differ from the manifest
    INDEX_OUT_OF_RANGE = "index_out_of_range"
    CONFLICTING_DUPLICATE = "conflicting_duplicate"  # same index twice with different bytes
    BAD_MANIFEST = "bad_manifest"  # size, chunk_size and chunks disagree, or too large
    SUPERSEDED = "superseded"  # a new manifest reused the still_id before the end
    ABANDONED = "abandoned"  # the transfer was given up (peer gone, timeout)


class StillState(str, enum.Enum):
    """Life of one transfer on the receiving side."""

    RECEIVING = "receiving"
    COMPLETE = "complete"
    FAILED = "failed"


@dataclass(frozen=True)
class StillVerdict:
    """Outcome of one transfer.

    Args:
        manifest: the transfer's manifest.
        fault: None when the still is good.
        data: the exact captured bytes when good, else None.
        detail: a sentence for the log.
    """

    manifest: StillBegin
    fault: StillFault | None
    data: bytes | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        """True when the still is byte-identical to what was captured."""
        return self.fault is None


def encode_chunk(still_id: int, index: int, payload: bytes) -> bytes:
    """Build one binary chunk frame.

    Args:
        still_id: transfer number from the manifest.
        index: 0-based chunk index.
        payload: the chunk's bytes.
    """
    return _HEADER.pack(CHUNK_MAGIC, still_id, index) + payload


def decode_chunk(frame: bytes) -> tuple[int, int, bytes]:
    """Split a binary chunk frame into (still_id, index, payload).

    Args:
        frame: bytes received on the data channel.

    Raises:
        ValueError: not a still chunk frame.
    """
    if len(frame) < CHUNK_HEADER_SIZE:
        raise ValueError("chunk frame shorter than its header")
    magic, still_id, index = _HEADER.unpack_from(frame)
    if magic != CHUNK_MAGIC:
        raise ValueError(f"bad chunk magic {magic!r}")
    return still_id, index, bytes(frame[CHUNK_HEADER_SIZE:])


def split_still(
    still_id: int,
    request_id: str,
    data: bytes,
    *,
    width: int,
    height: int,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    mime: str = "image/png",
    corners: Any = None,
) -> tuple[StillBegin, list[bytes]]:
    """Cut a still into a manifest and chunk frames.

    Args:
        still_id: transfer number (unique per sender while transfers overlap).
        request_id: the document request this answers.
        data: the captured bytes (e.g. PNG).
        width: image width.
        height: image height.
        chunk_size: payload bytes per chunk.
        mime: media type of ``data``.
        corners: the document's outline in the still (4 (x, y) pairs), if known.
    """
    chunks = [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)]
    manifest = StillBegin(
        still_id=still_id,
        request_id=request_id,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        chunk_size=chunk_size,
        chunks=len(chunks),
        width=width,
        height=height,
        mime=mime,
        corners=[tuple(c) for c in corners] if corners is not None else None,
    )
    return manifest, [encode_chunk(still_id, i, c) for i, c in enumerate(chunks)]


def _expected_chunk_len(manifest: StillBegin, index: int) -> int:
    if index < manifest.chunks - 1:
        return manifest.chunk_size
    return manifest.size - manifest.chunk_size * (manifest.chunks - 1)


@dataclass
class StillAssembly:
    """Reassembly of one transfer; faults are sticky (a failed still stays failed).

    Args:
        manifest: the transfer's manifest.
        max_size: largest size accepted.
    """

    manifest: StillBegin
    max_size: int = DEFAULT_MAX_STILL_SIZE
    state: StillState = StillState.RECEIVING
    fault: StillFault | None = None
    detail: str = ""
    received_bytes: int = 0
    duplicates: int = 0
    _parts: dict[int, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        m = self.manifest
        expected_chunks = -(-m.size // m.chunk_size)
        if m.size > self.max_size:
            self._fail(StillFault.BAD_MANIFEST, f"size {m.size} above limit {self.max_size}")
        elif m.chunks != expected_chunks:
            self._fail(
                StillFault.BAD_MANIFEST,
                f"{m.chunks} chunks declared, size/chunk_size needs {expected_chunks}",
            )

    def _fail(self, fault: StillFault, detail: str) -> None:
        if self.fault is None:
            self.fault, self.detail = fault, detail
            self.state = StillState.FAILED
            self._parts.clear()

    @property
    def progress(self) -> float:
        """Fraction of the declared bytes received so far (0..1)."""
        if self.manifest.size == 0:
            return 1.0
        return min(1.0, self.received_bytes / self.manifest.size)

    def add_chunk(self, index: int, payload: bytes) -> None:
        """Take one chunk; out of order is fine, an identical duplicate is ignored.

        Args:
            index: chunk index from the frame header.
            payload: chunk bytes.
        """
        if self.state is not StillState.RECEIVING:
            return
        m = self.manifest
        if not 0 <= index < m.chunks:
            self._fail(StillFault.INDEX_OUT_OF_RANGE, f"chunk {index} of {m.chunks}")
            return
        if index in self._parts:
            if self._parts[index] != payload:
                self._fail(StillFault.CONFLICTING_DUPLICATE, f"chunk {index} differs on resend")
            else:
                self.duplicates += 1
            return
        expected = _expected_chunk_len(m, index)
        if len(payload) != expected:
            self._fail(
                StillFault.WRONG_CHUNK_SIZE, f"chunk {index}: {len(payload)} bytes, expected {expected}"
            )
            return
        self._parts[index] = payload
        self.received_bytes += len(payload)

    def abandon(self, detail: str = "") -> StillVerdict:
        """Give the transfer up (peer gone, timeout) and return its failed verdict.

        Args:
            detail: why.
        """
        self._fail(StillFault.ABANDONED, detail or "transfer abandoned")
        return StillVerdict(self.manifest, self.fault, None, self.detail)

    def finish(self) -> StillVerdict:
        """Verify the transfer after its end marker and return the verdict."""
        m = self.manifest
        if self.state is StillState.RECEIVING:
            missing = m.chunks - len(self._parts)
            if missing:
                self._fail(StillFault.MISSING_CHUNKS, f"{missing} of {m.chunks} chunks missing")
            else:
                data = b"".join(self._parts[i] for i in range(m.chunks))
                if len(data) != m.size:
                    self._fail(StillFault.WRONG_SIZE, f"{len(data)} bytes, expected {m.size}")
                elif hashlib.sha256(data).hexdigest() != m.sha256:
                    self._fail(StillFault.CHECKSUM_MISMATCH, "sha256 differs from the manifest")
                else:
                    self.state = StillState.COMPLETE
                    self._parts.clear()
                    return StillVerdict(m, None, data, f"{m.size} bytes verified")
        return StillVerdict(m, self.fault, None, self.detail)


@dataclass(frozen=True)
class StillProgress:
    """Progress of one transfer, for a progress bar.

    Args:
        still_id: transfer.
        request_id: its request.
        received_bytes: bytes accepted so far.
        size: declared size.
    """

    still_id: int
    request_id: str
    received_bytes: int
    size: int


class StillReceiver:
    """All transfers arriving on one data channel.

    Args:
        max_size: largest still accepted.
    """

    def __init__(self, max_size: int = DEFAULT_MAX_STILL_SIZE) -> None:
        self._max_size = max_size
        self._open: dict[int, StillAssembly] = {}
        self.stray_chunks = 0
        """Chunks for a still_id with no open transfer (late, or after a failure)."""

    def begin(self, manifest: StillBegin) -> StillVerdict | None:
        """Open a transfer; returns the verdict of a superseded unfinished one, if any.

        Args:
            manifest: the announced still.
        """
        old = self._open.pop(manifest.still_id, None)
        self._open[manifest.still_id] = StillAssembly(manifest, self._max_size)
        if old is not None:
            old._fail(StillFault.SUPERSEDED, "a new still reused the id before the end")
            return StillVerdict(old.manifest, old.fault, None, old.detail)
        return None

    def chunk(self, frame: bytes) -> StillProgress | None:
        """Take one binary frame; returns progress, or None when it belongs to no transfer.

        Args:
            frame: bytes from the data channel.
        """
        try:
            still_id, index, payload = decode_chunk(frame)
        except ValueError as exc:
            logger.warning("ignoring binary message: %s", exc)
            self.stray_chunks += 1
            return None
        assembly = self._open.get(still_id)
        if assembly is None:
            self.stray_chunks += 1
            return None
        assembly.add_chunk(index, payload)
        m = assembly.manifest
        return StillProgress(still_id, m.request_id, assembly.received_bytes, m.size)

    def end(self, still_id: int) -> StillVerdict | None:
        """Close a transfer and verify it; None for an unknown still_id.

        Args:
            still_id: transfer ended by the sender.
        """
        assembly = self._open.pop(still_id, None)
        return assembly.finish() if assembly is not None else None

    def abandon_all(self, detail: str = "") -> list[StillVerdict]:
        """Fail every open transfer (the session closed).

        Args:
            detail: why.
        """
        verdicts = [a.abandon(detail) for a in self._open.values()]
        self._open.clear()
        return verdicts

    def abandon_request(self, request_id: str, detail: str = "") -> list[StillVerdict]:
        """Fail the open transfers answering one request (it timed out); later chunks of them
        count as stray.

        Args:
            request_id: the document request.
            detail: why.
        """
        ids = [k for k, a in self._open.items() if a.manifest.request_id == request_id]
        return [self._open.pop(k).abandon(detail) for k in ids]

    @property
    def open_transfers(self) -> int:
        """Number of transfers begun and not ended."""
        return len(self._open)


# ---------------------------------------------------------------------------------------------
# The console's bookkeeping of document requests (pure: time passed in, actions out)


class RequestPhase(str, enum.Enum):
    """Where one document request is, seen from the console."""

    SENT = "sent"  # request sent; the booth has not confirmed it yet
    PENDING = "pending"  # the booth shows it; the participant is placing the document
    READY = "ready"  # captured at the booth; waits for its turn to be sent
    SENDING = "sending"  # its turn: chunks arriving


@dataclass
class StillRequest:
    """One outstanding document request.

    Args:
        session_id: the booth's session.
        request_id: the console's id for it.
        document: which document.
        capture: auto or now.
        attempt: current attempt, from 1.
        requested_at: when the first attempt was sent.
        phase: where it is.
        since: when it entered its phase (or last made progress).
        resends: how often this attempt's request went out again unanswered.
    """

    session_id: str
    request_id: str
    document: Any
    capture: Any
    attempt: int
    requested_at: float
    phase: RequestPhase = RequestPhase.SENT
    since: float = 0.0
    ready_at: float = 0.0
    resends: int = 0


@dataclass(frozen=True)
class SendRequest:
    """Send (again) the document request of ``request`` to its booth."""

    request: StillRequest


@dataclass(frozen=True)
class SendGo:
    """Tell the booth of ``session_id`` to send the still of ``request_id`` now."""

    session_id: str
    request_id: str


@dataclass(frozen=True)
class SendCancel:
    """Tell the booth of ``session_id`` that ``request_id`` is no longer wanted."""

    session_id: str
    request_id: str


@dataclass(frozen=True)
class QueuePlace:
    """A still's place in the transfer queue changed (0: being sent now)."""

    session_id: str
    request_id: str
    position: int


@dataclass(frozen=True)
class RequestFailed:
    """An attempt failed; ``will_retry`` says whether a new attempt was requested."""

    request: StillRequest
    reason: str
    detail: str
    will_retry: bool


StillAction = SendRequest | SendGo | SendCancel | QueuePlace | RequestFailed


class StillBook:
    """Every document request of a console, across its booths.

    Requests go to every booth at once (participants place their documents in parallel); the
    transfers run one at a time across the booths, in the order the stills became ready, so six
    2 MB bursts never meet in the console's receive buffers and a booth that is slow to capture
    never holds up another. Every phase has a timeout or a way out:

    * a request the booth does not confirm within ``ack_timeout`` (while the call is up) is
      sent again, up to ``max_resends`` times, then fails ("no_answer");
    * a transfer with no progress for ``transfer_timeout`` fails ("timeout") and is requested
      again (the booth sends the still it already captured), up to ``max_attempts`` in all;
    * a call that drops fails the transfer it was sending ("abandoned", retried); requests not
      yet sending are sent again when the call is back;
    * a request waiting for the participant has no timeout: the officer sees it and may cancel.

    Args:
        max_attempts: attempts per request before giving up on bad transfers.
        ack_timeout: seconds for the booth to confirm a request.
        max_resends: unconfirmed re-sends of one attempt before it fails.
        transfer_timeout: seconds without progress before a transfer fails.
    """

    def __init__(self, *, max_attempts: int = 3, ack_timeout: float = 3.0, max_resends: int = 3,
                 transfer_timeout: float = 10.0) -> None:
        self.max_attempts = max_attempts
        self.ack_timeout = ack_timeout
        self.max_resends = max_resends
        self.transfer_timeout = transfer_timeout
        self.requests: dict[str, StillRequest] = {}
        self._connected: set[str] = set()
        self._places: dict[str, int] = {}

    # -- queries

    def get(self, request_id: str) -> StillRequest | None:
        """The outstanding request with that id, if any."""
        return self.requests.get(request_id)

    def wanted(self, session_id: str) -> bool:
        """Whether the booth has an outstanding request (its document view is wanted)."""
        return any(r.session_id == session_id for r in self.requests.values())

    def sending(self) -> StillRequest | None:
        """The request whose still is being sent now, if any."""
        return next((r for r in self.requests.values() if r.phase is RequestPhase.SENDING), None)

    def queue(self) -> list[StillRequest]:
        """Stills ready at their booths, in the order they will be sent."""
        ready = [r for r in self.requests.values() if r.phase is RequestPhase.READY]
        return sorted(ready, key=lambda r: (r.ready_at, r.request_id))

    # -- inputs

    def request(self, session_id: str, request_id: str, document: Any, capture: Any, now: float) -> list[StillAction]:
        """The officer asks a booth for a document.

        Raises:
            ValueError: the request id is already outstanding.
        """
        if request_id in self.requests:
            raise ValueError(f"document request {request_id} is already outstanding")
        r = StillRequest(session_id, request_id, document, capture, 1, now, since=now)
        self.requests[request_id] = r
        return [SendRequest(r)] if session_id in self._connected else []

    def pending(self, request_id: str, now: float) -> list[StillAction]:
        """The booth confirmed the request (the participant is placing the document)."""
        r = self.requests.get(request_id)
        if r is not None and r.phase is RequestPhase.SENT:
            r.phase, r.since, r.resends = RequestPhase.PENDING, now, 0
        return []

    def ready(self, request_id: str, now: float) -> list[StillAction]:
        """The booth has the still and waits for its turn."""
        r = self.requests.get(request_id)
        if r is None or r.phase in (RequestPhase.READY, RequestPhase.SENDING):
            return []
        r.phase, r.since, r.ready_at, r.resends = RequestPhase.READY, now, now, 0
        return self._pump(now)

    def progress(self, request_id: str, now: float) -> None:
        """Bytes (or the manifest) of the still arrived."""
        r = self.requests.get(request_id)
        if r is not None and r.phase is RequestPhase.SENDING:
            r.since = now

    def received(self, request_id: str, now: float) -> tuple[StillRequest | None, list[StillAction]]:
        """The still arrived verified; returns the finished request (None if unknown)."""
        r = self.requests.pop(request_id, None)
        self._places.pop(request_id, None)
        return r, self._pump(now)

    def failed(self, request_id: str, reason: str, detail: str, now: float, *, retry: bool = True) -> list[StillAction]:
        """An attempt failed (damaged transfer, timeout, capture error at the booth).

        Args:
            request_id: the request.
            reason: the fault's name.
            detail: a sentence.
            now: current time.
            retry: whether another attempt can help (False for a camera that failed).
        """
        r = self.requests.get(request_id)
        if r is None:
            return []
        again = retry and r.attempt < self.max_attempts
        actions: list[StillAction] = []
        if again:
            r.attempt += 1
            r.phase, r.since, r.resends = RequestPhase.SENT, now, 0
            self._places.pop(request_id, None)
            actions.append(RequestFailed(r, reason, detail, True))
            if r.session_id in self._connected:
                actions.append(SendRequest(r))
        else:
            del self.requests[request_id]
            self._places.pop(request_id, None)
            actions.append(RequestFailed(r, reason, detail, False))
        return actions + self._pump(now)

    def cancel(self, request_id: str, now: float) -> list[StillAction]:
        """The officer no longer wants the document."""
        r = self.requests.pop(request_id, None)
        self._places.pop(request_id, None)
        if r is None:
            return []
        return [SendCancel(r.session_id, request_id)] + self._pump(now)

    def connected(self, session_id: str, now: float) -> list[StillAction]:
        """A booth's call is (again) up: its outstanding requests go out again."""
        self._connected.add(session_id)
        actions: list[StillAction] = []
        for r in self.requests.values():
            if r.session_id == session_id and r.phase is not RequestPhase.SENDING:
                r.phase, r.since, r.resends = RequestPhase.SENT, now, 0
                self._places.pop(r.request_id, None)
                actions.append(SendRequest(r))
        return actions

    def disconnected(self, session_id: str, now: float) -> list[StillAction]:
        """A booth's call dropped: a transfer in flight is lost (and retried when it is back)."""
        self._connected.discard(session_id)
        actions: list[StillAction] = []
        for r in list(self.requests.values()):
            if r.session_id == session_id and r.phase is RequestPhase.SENDING:
                actions += self.failed(r.request_id, "abandoned", "the call dropped during the transfer", now)
        return actions

    def drop_session(self, session_id: str, now: float) -> list[StillAction]:
        """The session ended: forget its requests."""
        self._connected.discard(session_id)
        for rid in [k for k, r in self.requests.items() if r.session_id == session_id]:
            del self.requests[rid]
            self._places.pop(rid, None)
        return self._pump(now)

    def tick(self, now: float) -> list[StillAction]:
        """Check the timeouts."""
        actions: list[StillAction] = []
        for r in list(self.requests.values()):
            if r.request_id not in self.requests:
                continue
            if r.phase is RequestPhase.SENT and r.session_id in self._connected and now - r.since > self.ack_timeout:
                if r.resends < self.max_resends:
                    r.resends += 1
                    r.since = now
                    actions.append(SendRequest(r))
                else:
                    actions += self.failed(r.request_id, "no_answer",
                                           f"the booth did not confirm the request {r.resends + 1} times", now,
                                           retry=False)
            elif r.phase is RequestPhase.SENDING and now - r.since > self.transfer_timeout:
                actions += self.failed(r.request_id, "timeout",
                                       f"no progress for {self.transfer_timeout:.1f} s", now)
        return actions

    def _pump(self, now: float) -> list[StillAction]:
        actions: list[StillAction] = []
        queue = self.queue()
        if self.sending() is None and queue:
            nxt = queue.pop(0)
            nxt.phase, nxt.since = RequestPhase.SENDING, now
            actions.append(SendGo(nxt.session_id, nxt.request_id))
        current = self.sending()
        places = {current.request_id: 0} if current is not None else {}
        places.update((r.request_id, i) for i, r in enumerate(queue, 1))
        for rid, place in places.items():
            if self._places.get(rid) != place:
                self._places[rid] = place
                r = self.requests[rid]
                actions.append(QueuePlace(r.session_id, rid, place))
        return actions
