"""Chunked, verified transfer of lossless document stills (pure state machine, no I/O).

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
