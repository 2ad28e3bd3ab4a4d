"""Lossless document stills on the branch server: their parts as they arrive, and their files.

A booth uploads a still over one or more stills connections at once, each carrying a part
(an offset and a length); :class:`Assembly` (pure) keeps track of what arrived, and
:class:`StillFiles` writes the parts into one file, verifies the whole (size and sha256) and
keeps it, owner-only, as ``<root>/<session_id>/<sha256>.png``. The server keeps every still it
was sent while the session lives; the officer's decision marks it verified (the case file) or
rejected; when the session ends, stills nobody verified are deleted.

One part may be a parity part: the XOR of the still's blocks of ``stride`` bytes (the last block
zero-padded). With it the still is whole when every block but one has arrived: the missing
block is the parity XOR the others. On a lossy link a still is as late as its slowest part, and
the slowest of eight TCP connections is now and then one waiting out a retransmission timeout;
the parity part lets the server finish without it (``bench/still_transport.py``: 3.3 MB at
40 ± 10 ms and 2 % loss, p95 0.85 s over eight data parts, 0.59 s over seven and a parity part).
"""
from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from signaling.errors import SignalingError

logger = logging.getLogger(__name__)

EXTENSIONS = {"image/png": ".png", "image/webp": ".webp"}


class StillFileError(SignalingError):
    """A still could not be written, verified or read (the message names which and why)."""


MAX_PARITY_BLOCKS = 64
"""Most blocks a parity part may stand for (a booth sends one per stills connection but one; the
bound keeps a rebuild a few reads and XORs, whatever stride a client names)."""


@dataclass
class Assembly:
    """The parts of one still received so far (pure).

    Args:
        size: the still's size in bytes.
    """

    size: int
    ranges: list[tuple[int, int]] = field(default_factory=list)
    """Received byte ranges [start, end), sorted and merged."""
    touched: float = 0.0
    """When a part last arrived (for dropping uploads that stopped)."""
    stride: int | None = None
    """Block size of the parity part, once one has arrived."""
    parity: list[tuple[int, int]] = field(default_factory=list)
    """Received ranges of the parity block [start, end) within [0, stride)."""

    def add(self, offset: int, length: int) -> None:
        """Record that ``length`` bytes from ``offset`` arrived.

        Raises:
            ValueError: the part lies outside the still.
        """
        if offset < 0 or length <= 0 or offset + length > self.size:
            raise ValueError(f"part {offset}+{length} lies outside a still of {self.size} bytes")
        self.ranges = _merge(self.ranges, offset, offset + length)

    def add_parity(self, stride: int, offset: int, length: int) -> None:
        """Record that ``length`` bytes of the parity block (blocks of ``stride``) arrived from ``offset``.

        Raises:
            ValueError: a stride that cannot be (under two blocks), one that differs from an
                earlier parity part's, or a part outside the block.
        """
        if stride <= 0 or stride >= self.size or -(-self.size // stride) > MAX_PARITY_BLOCKS:
            raise ValueError(f"a parity stride of {stride} bytes does not split a still of {self.size} bytes in "
                             f"2 to {MAX_PARITY_BLOCKS} blocks")
        if self.stride is not None and stride != self.stride:
            raise ValueError(f"parity parts disagree on the stride ({self.stride} vs {stride})")
        if offset < 0 or length <= 0 or offset + length > stride:
            raise ValueError(f"parity part {offset}+{length} lies outside a block of {stride} bytes")
        self.stride = stride
        self.parity = _merge(self.parity, offset, offset + length)

    @property
    def received(self) -> int:
        """Bytes received (each byte counted once)."""
        return sum(b - a for a, b in self.ranges)

    @property
    def complete(self) -> bool:
        """Every byte arrived."""
        return self.ranges == [(0, self.size)]

    def recoverable(self) -> int | None:
        """The one block that is missing (in part or whole) when the whole parity block is here
        and every other block is complete, so that it can be rebuilt; else None."""
        if self.complete or self.stride is None or self.parity != [(0, self.stride)]:
            return None
        missing, at = set(), 0
        for a, b in self.ranges + [(self.size, self.size)]:
            if a > at:  # bytes [at, a) are missing
                missing.update(range(at // self.stride, (a - 1) // self.stride + 1))
            at = b
        return missing.pop() if len(missing) == 1 else None


def _merge(ranges: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in ranges:
        if b < start or a > end:
            merged.append((a, b))
        else:
            start, end = min(a, start), max(b, end)
    merged.append((start, end))
    return sorted(merged)


class StillFiles:
    """Where the server keeps stills: one folder per session, files readable by the server only.

    Args:
        root: the folder (made, mode 0700, if missing).
    """

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        self.incoming = self.root / ".incoming"
        self.incoming.mkdir(exist_ok=True)
        os.chmod(self.incoming, 0o700)
        self._parts: dict[tuple[str, str], Assembly] = {}

    def final_path(self, session_id: str, sha256: str, mime: str) -> Path:
        """Where a verified still lives."""
        return self.root / session_id / f"{sha256}{EXTENSIONS.get(mime, '.bin')}"

    def _part_path(self, session_id: str, sha256: str) -> Path:
        return self.incoming / f"{session_id}-{sha256}.part"

    def assembly(self, session_id: str, sha256: str) -> Assembly | None:
        """The parts of an upload in progress, if any."""
        return self._parts.get((session_id, sha256))

    def write(self, session_id: str, sha256: str, size: int, offset: int, data: bytes, *,
              parity: int | None = None) -> Assembly:
        """Write one part (blocking: call it in a worker thread). With ``parity`` (the stride) the
        bytes are part of the parity block; once every block but one and the whole parity block
        are here, the missing block is rebuilt and the assembly is complete.

        Raises:
            StillFileError: the part lies outside the still (or its parity block), or the disk failed.
        """
        key = (session_id, sha256)
        asm = self._parts.get(key)
        if asm is None:
            asm = self._parts[key] = Assembly(size)
        elif asm.size != size:
            raise StillFileError(f"still {sha256[:12]}: parts disagree on its size ({asm.size} vs {size})")
        path = self._part_path(session_id, sha256)
        try:
            if parity is None:
                asm.add(offset, len(data))  # checked before anything is written
            else:
                asm.add_parity(parity, offset, len(data))
                path = path.with_suffix(".parity")
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                os.pwrite(fd, data, offset)
            finally:
                os.close(fd)
            block = asm.recoverable()
            if block is not None:
                self._rebuild(session_id, sha256, asm, block)
        except ValueError as exc:
            raise StillFileError(f"still {sha256[:12]}: {exc}") from None
        except OSError as exc:
            raise StillFileError(f"still {sha256[:12]}: cannot write {path}: {exc}") from None
        asm.touched = time.monotonic()
        return asm

    def _rebuild(self, session_id: str, sha256: str, asm: Assembly, block: int) -> None:
        """Write the missing ``block`` as the parity XOR every other block."""
        stride, size = asm.stride, asm.size
        assert stride is not None
        path = self._part_path(session_id, sha256)
        parity = path.with_suffix(".parity").read_bytes()[:stride]
        if len(parity) < stride:
            raise OSError(f"the parity file holds {len(parity)} of {stride} bytes")
        start = block * stride
        end = min(start + stride, size)
        with open(path, "r+b") as f:
            others = [f.read(stride) for _ in range(-(-size // stride))]
            others[block] = b""
            f.seek(start)
            f.write(xor_blocks([parity, *others], stride)[:end - start])
        asm.add(start, end - start)
        logger.debug("still %s: block %d rebuilt from the parity part", sha256[:12], block)

    def finish(self, session_id: str, sha256: str, mime: str) -> Path:
        """Verify a complete upload (size and sha256), make it durable and put it in place
        (blocking). An upload that fails the check is deleted.

        Raises:
            StillFileError: incomplete, or the bytes do not hash to ``sha256``.
        """
        key = (session_id, sha256)
        asm = self._parts.get(key)
        part = self._part_path(session_id, sha256)
        if asm is None or not asm.complete:
            raise StillFileError(f"still {sha256[:12]} is not complete")
        digest = hashlib.sha256()
        with open(part, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
            size = f.tell()
            os.fsync(f.fileno())
        if size != asm.size or digest.hexdigest() != sha256:
            self.drop(session_id, sha256)
            raise StillFileError(f"still {sha256[:12]}: the bytes received do not match its sha256 or size")
        final = self.final_path(session_id, sha256, mime)
        final.parent.mkdir(exist_ok=True)
        os.chmod(final.parent, 0o700)
        os.replace(part, final)
        _unlink(part.with_suffix(".parity"))
        dir_fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        del self._parts[key]
        return final

    def drop(self, session_id: str, sha256: str) -> None:
        """Forget an unfinished upload and delete its part files."""
        self._parts.pop((session_id, sha256), None)
        part = self._part_path(session_id, sha256)
        _unlink(part)
        _unlink(part.with_suffix(".parity"))

    def stale(self, older_than: float, now: float | None = None) -> list[tuple[str, str]]:
        """Uploads with no part for ``older_than`` seconds (the uploader gave up)."""
        now = time.monotonic() if now is None else now
        return [k for k, a in self._parts.items() if now - a.touched > older_than]

    @staticmethod
    def read(path: str | os.PathLike, offset: int, length: int) -> bytes:
        """Bytes of a kept still (blocking).

        Raises:
            StillFileError: the file is gone or unreadable.
        """
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                return f.read(length)
        except OSError as exc:
            raise StillFileError(f"cannot read {path}: {exc}") from None

    @staticmethod
    def delete(path: str | os.PathLike) -> None:
        """Delete a kept still (and its session's folder when it is empty)."""
        path = Path(path)
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        try:
            path.parent.rmdir()
        except OSError:
            pass


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def xor_blocks(blocks: list[bytes], stride: int) -> bytes:
    """The XOR of ``blocks`` (each at most ``stride`` bytes, shorter ones zero-padded at the end):
    the parity of a still's blocks, and a missing block from the parity and the others."""
    acc = 0
    for block in blocks:
        acc ^= int.from_bytes(block, "little")  # zero-padding at the end = high bytes of 0
    return acc.to_bytes(stride, "little")
