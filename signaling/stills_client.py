"""Stills over TCP through the branch server: a booth uploads, the officer's console fetches.

A still goes in parts over several stills connections at once (``/stills`` on the server's
URL, a hello with ``channel = "stills"``). Measured on a link with 40 ± 10 ms delay and 2 %
loss (``bench/network.py``): one TCP stream moved 2 MB in 1.3 s (median), four in parallel in
1.0 s; aiortc's data channel needed about 11 s for 1.6 MB on the same link. The connections are
kept open between stills and opened again after a drop; a part that fails is sent again.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import statistics
import uuid
from collections import Counter
from typing import Any, Callable

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from common.backoff import Backoff
from signaling import protocol as p
from signaling.bulk import prefer_bulk_congestion
from signaling.errors import SignalingError
from signaling.stills import xor_blocks

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called with (bytes done, size)."""


MAX_COPIES = 3
"""Copies of one part under way at once on connections that are free (see ``StillTransfer._race``)."""

LATE_FACTOR = 2.0
LATE_MIN = 0.1
"""A part is late, and a free connection sends it again, once it has been under way for
``LATE_FACTOR`` times the median time the parts done so far took, and at least ``LATE_MIN``
seconds. A copy cannot be called back once it is in the kernel's send buffer (hundreds of kB on
a warm connection), so copying every part still under way the moment a connection was free sent
whole parts again that were milliseconds from done, competing with the rest on a lossy link."""


class StillTransferError(SignalingError):
    """A still could not be sent or fetched after every attempt (the message says why)."""


class StillRefused(StillTransferError):
    """The server refused the still for good (not this device's session, too large, unknown):
    trying again cannot help."""


_FINAL = {p.ErrorCode.FORBIDDEN, p.ErrorCode.NOT_FOUND, p.ErrorCode.AUTH_FAILED, p.ErrorCode.UNKNOWN_DEVICE,
          p.ErrorCode.VERSION_MISMATCH}


def _refusal(error: p.Error, what: str) -> StillTransferError:
    cls = StillRefused if error.code in _FINAL else StillTransferError
    return cls(f"{what}: {error.code.value}: {error.message}")


def _stills_url(url: str) -> str:
    return url.rstrip("/") + "/stills"


class _Channel:
    """One authenticated stills connection; one request at a time."""

    def __init__(self, url: str, hello: p.Hello, *, open_timeout: float, frame_bytes: int, max_bytes: int,
                 ssl=None) -> None:
        self.url, self.hello, self.ssl = url, hello, ssl
        self.open_timeout, self.frame_bytes, self.max_bytes = open_timeout, frame_bytes, max_bytes
        self.ws: ClientConnection | None = None
        self.lock = asyncio.Lock()

    async def ensure(self) -> ClientConnection:
        if self.ws is not None and self.ws.close_code is None:
            return self.ws
        ws = await connect(_stills_url(self.url), ssl=self.ssl, open_timeout=self.open_timeout, compression=None,
                           proxy=None,
                           max_size=self.max_bytes, ping_interval=5, ping_timeout=10)
        prefer_bulk_congestion(ws.transport.get_extra_info("socket"))
        await ws.send(p.encode(self.hello))
        answer = p.parse_server_message(await asyncio.wait_for(ws.recv(), self.open_timeout))
        if isinstance(answer, p.Error):
            await ws.close()
            raise _refusal(answer, "the stills connection was refused")
        self.ws = ws
        return ws

    def abort(self) -> None:
        """Drop the connection at once (a request on it was cancelled half-way: its unread
        answer or unsent bytes would stand in the next one's way); the next use opens a new one."""
        ws, self.ws = self.ws, None
        if ws is not None:
            ws.transport.abort()

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
            self.ws = None

    async def _answer(self, ws: ClientConnection, ref: str, timeout: float) -> Any:
        while True:
            raw = await asyncio.wait_for(ws.recv(), timeout)
            if isinstance(raw, bytes):
                continue  # stray bytes of an earlier, abandoned request
            msg = p.parse_server_message(raw)
            if getattr(msg, "ref", None) == ref:
                return msg

    async def put(self, meta: p.StillMeta, data: memoryview | bytes, offset: int, timeout: float,
                  sent: Callable[[int], None], parity: int | None = None) -> p.StillStored:
        async with self.lock:
            ws = await self.ensure()
            ref = uuid.uuid4().hex[:12]
            await ws.send(p.encode(p.StillPut(id=ref, still=meta, offset=offset, length=len(data), parity=parity)))
            for i in range(0, len(data), self.frame_bytes):
                chunk = data[i:i + self.frame_bytes]
                await ws.send(bytes(chunk))
                sent(len(chunk))
            answer = await self._answer(ws, ref, timeout)
            if isinstance(answer, p.Error):
                raise _refusal(answer, f"a part of still {meta.sha256[:12]} was refused")
            return answer

    async def get(self, session_id: str, sha256: str, offset: int, length: int, timeout: float,
                  got: Callable[[int], None]) -> bytes:
        async with self.lock:
            ws = await self.ensure()
            ref = uuid.uuid4().hex[:12]
            await ws.send(p.encode(p.StillGet(id=ref, session_id=session_id, sha256=sha256, offset=offset,
                                              length=length)))
            answer = await self._answer(ws, ref, timeout)
            if isinstance(answer, p.Error):
                raise _refusal(answer, f"still {sha256[:12]} was refused")
            data = bytearray()
            while len(data) < answer.length:
                raw = await asyncio.wait_for(ws.recv(), timeout)
                if not isinstance(raw, bytes):
                    raise StillTransferError(f"still {sha256[:12]}: a message came where its bytes were due")
                data += raw
                got(len(raw))
            return bytes(data)


class StillTransfer:
    """A device's stills connections to the branch server, and what goes over them.

    Args:
        url: the server's URL (the stills path is added).
        role: "booth" (uploads) or "cso" (fetches).
        device_id: this device's id.
        token: its token.
        streams: connections used at once for one still.
        parity: an upload of three parts or more sends one part less of the still and a parity
            part instead (see :mod:`signaling.stills`): the server has the still when all but one
            of the parts are in.
        attempts: tries per part (a dropped connection is opened again) before giving up.
        part_timeout: seconds without an answer after which a part counts as failed.
        frame_bytes: bytes per binary frame (under the server's message limit).
        open_timeout: seconds to connect and be welcomed.
    """

    def __init__(self, url: str, role: str, device_id: str, token: str, *, streams: int = 4, attempts: int = 4,
                 part_timeout: float = 20.0, frame_bytes: int = 60 * 1024, open_timeout: float = 5.0,
                 ssl=None, parity: bool = True) -> None:
        hello = p.Hello(role=role, device_id=device_id, token=token, version=p.PROTOCOL_VERSION, channel="stills")
        self.streams = streams
        self.parity = parity
        self.attempts = attempts
        self.part_timeout = part_timeout
        self._channels = [_Channel(url, hello, open_timeout=open_timeout, frame_bytes=frame_bytes,
                                   max_bytes=max(frame_bytes * 2, 1 << 20), ssl=ssl) for _ in range(streams)]

    async def warm(self) -> None:
        """Open every stills connection now, so that the next still starts sending at once rather
        than after each connection's handshakes (three round trips: TCP, websocket, hello). A
        connection that cannot be opened now is left for the still to open (and to report)."""
        async def one(channel: _Channel) -> None:
            async with channel.lock:
                try:
                    await channel.ensure()
                except StillRefused as exc:
                    logger.warning("stills connection refused: %s", exc)
                except (StillTransferError, OSError, asyncio.TimeoutError, ConnectionClosed, InvalidHandshake) as exc:
                    logger.info("stills connection not opened ahead: %s", exc)

        await asyncio.gather(*(one(c) for c in self._channels))

    async def close(self) -> None:
        """Close every stills connection."""
        await asyncio.gather(*(c.close() for c in self._channels))

    def _ranges(self, size: int, parts: int | None = None) -> list[tuple[int, int]]:
        n = max(1, min(self.streams, size // (64 * 1024) or 1)) if parts is None else parts
        step = -(-size // n)
        return [(i, min(step, size - i)) for i in range(0, size, step)]

    def _upload_parts(self, size: int) -> list[tuple[int, int, int | None]]:
        """(offset, length, parity stride or None) of every part an upload sends at once."""
        n = len(self._ranges(size))
        if not self.parity or n < 3:
            return [(o, n_, None) for o, n_ in self._ranges(size)]
        data = self._ranges(size, n - 1)
        stride = data[0][1]
        return [(o, n_, None) for o, n_ in data] + [(0, stride, stride)]

    async def _retry(self, what: str, channel: _Channel, fn):
        backoff = Backoff(0.2, 2.0)
        last: Exception | None = None
        for attempt in range(self.attempts):
            try:
                return await fn()
            except StillRefused:
                raise
            except (StillTransferError, OSError, asyncio.TimeoutError, ConnectionClosed, InvalidHandshake) as exc:
                last = exc
                await channel.close()
                logger.info("%s: attempt %d failed: %s", what, attempt + 1, exc)
                await asyncio.sleep(backoff.next())
        raise StillTransferError(f"{what} failed after {self.attempts} attempts: {last}")

    async def upload(self, meta: p.StillMeta, data: bytes, on_progress: Progress | None = None) -> None:
        """Send a still (booth). Returns once the server has it whole, verified and on disk.

        Raises:
            StillTransferError: refused, or every attempt failed.
        """
        if len(data) != meta.size or hashlib.sha256(data).hexdigest() != meta.sha256:
            raise StillTransferError("the still's bytes do not match its size and sha256")
        view = memoryview(data)
        done = [0]
        parity_bytes: dict[int, bytes] = {}

        def sent(n: int) -> None:
            done[0] += n
            if on_progress is not None:
                on_progress(min(done[0], meta.size), meta.size)

        def parity_block(stride: int) -> bytes:  # computed once, by the first copy that sends it
            if stride not in parity_bytes:
                parity_bytes[stride] = xor_blocks([view[i:i + stride] for i in range(0, meta.size, stride)], stride)
            return parity_bytes[stride]

        async def put(channel: _Channel, offset: int, length: int, parity: int | None) -> p.StillStored:
            async def once():
                if parity is None:
                    return await channel.put(meta, view[offset:offset + length], offset, self.part_timeout, sent)
                return await channel.put(meta, parity_block(parity), 0, self.part_timeout, lambda n: None,
                                         parity=parity)

            what = "the parity part" if parity else f"part {offset}"
            return await self._retry(f"still {meta.sha256[:12]} {what}", channel, once)

        for _round in range(2):
            # Every part stored but none completing means the server lost some of them (an upload
            # it took for abandoned while the link crawled): send them all once more (a part
            # the server has is merged, not counted twice).
            if await self._send_parts(meta.size, put):
                if on_progress is not None:  # the server may have rebuilt a part still under way
                    on_progress(meta.size, meta.size)
                return
            logger.info("still %s: every part stored but the server has not got them all; sending again",
                        meta.sha256[:12])
        raise StillTransferError(f"still {meta.sha256[:12]}: the server has not got every part")

    async def _send_parts(self, size: int, put) -> bool:
        """Send every part of a still at once; True once the server says it has the whole still
        (False: every part stored, the still not complete)."""
        results = await self._race(self._upload_parts(size), put,
                                   lambda got: any(r.complete for r in got.values()), drop_cancelled=False)
        return any(r.complete for r in results.values())

    async def _race(self, ranges: list[tuple], op, enough, *,
                    drop_cancelled: bool = True) -> dict[tuple, Any]:
        """Run ``op(channel, *range)`` for every range at once, one per connection (there
        are never more ranges than connections: :meth:`_ranges`), until
        ``enough(results)`` or every range has its result; returns the results by range.

        A still is as late as its slowest part, and on a lossy link one connection now and then
        waits out a retransmission timeout while the others are done. So a connection whose part
        is done takes up a part that is late (:data:`LATE_FACTOR`; the one with the fewest copies,
        the oldest first; at most :data:`MAX_COPIES`) and runs it again: the first copy to finish
        counts (the server merges a part it has already; a fetched part is the same bytes), and
        the others are cancelled. A cancelled upload leaves whole frames behind (the server
        answers the part as broken and reads the next request); a cancelled fetch would leave its
        unread bytes in the next one's way, so with
        ``drop_cancelled`` its connection is dropped and opened afresh when next needed. (Dropping
        upload connections too, so that the next still opens new ones, gave p50 1.39 s and p95
        2.54 s in one run of bench.network's loss phase, against 0.84-0.94 s and 1.18-1.60 s
        in four runs without.)"""
        loop = asyncio.get_running_loop()
        free: list[_Channel] = []
        copies: dict[asyncio.Task, tuple] = {}
        channel_of: dict[asyncio.Task, _Channel] = {}
        t0 = loop.time()
        for channel, rng in zip(self._channels, ranges):
            task = asyncio.ensure_future(op(channel, *rng))
            copies[task], channel_of[task] = rng, channel
        results: dict[tuple, Any] = {}
        took: list[float] = []  # how long each part done so far took
        failure: BaseException | None = None
        wake: float | None = None
        try:
            while copies:
                finished, _ = await asyncio.wait(copies, return_when=asyncio.FIRST_COMPLETED,
                                                 timeout=None if wake is None else max(0.0, wake - loop.time()))
                for task in finished:
                    rng = copies.pop(task)
                    free.append(channel_of.pop(task))
                    if task.cancelled():  # a second copy of a part that was done meanwhile
                        if drop_cancelled:
                            free[-1].abort()
                        continue
                    exc = task.exception()
                    if exc is not None:
                        if isinstance(exc, StillRefused):
                            raise exc
                        if rng not in copies.values() and rng not in results:
                            failure = failure or exc
                        continue
                    if rng not in results:
                        results[rng] = task.result()
                        took.append(loop.time() - t0)
                    for other, r in copies.items():
                        if r == rng:
                            other.cancel()
                if enough(results):
                    return results
                if failure is not None:
                    if not copies:
                        raise failure
                    continue
                wake = None
                if not free or not took:
                    continue
                late_after = t0 + max(LATE_MIN, LATE_FACTOR * statistics.median(took))
                if loop.time() < late_after:  # nothing is late yet: look again then
                    wake = late_after
                    continue
                while free:  # the part under way with the fewest copies, the oldest first
                    running = Counter(r for r in copies.values() if r not in results)
                    open_ = [r for r in dict.fromkeys(copies.values()) if running[r] and running[r] < MAX_COPIES]
                    if not open_:
                        break
                    rng = min(open_, key=lambda r: running[r])
                    channel = free.pop()
                    task = asyncio.ensure_future(op(channel, *rng))
                    copies[task], channel_of[task] = rng, channel
            if failure is not None:
                raise failure
            return results
        finally:
            for task in copies:
                task.cancel()
            await asyncio.gather(*copies, return_exceptions=True)
            if drop_cancelled:
                for task in copies:
                    channel_of[task].abort()

    async def download(self, session_id: str, sha256: str, size: int, on_progress: Progress | None = None) -> bytes:
        """Fetch a still (CSO), verified against its sha256.

        Raises:
            StillTransferError: refused, damaged, or every attempt failed.
        """
        done = [0]

        def got(n: int) -> None:
            done[0] += n
            if on_progress is not None:
                on_progress(min(done[0], size), size)

        async def part(channel: _Channel, offset: int, length: int) -> bytes:
            async def once():
                return await channel.get(session_id, sha256, offset, length, self.part_timeout, got)

            return await self._retry(f"still {sha256[:12]} part {offset}", channel, once)

        ranges = self._ranges(size)
        parts = await self._race(ranges, part, lambda got_: len(got_) == len(ranges))
        data = b"".join(parts[k] for k in sorted(parts))
        if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
            raise StillTransferError(f"still {sha256[:12]} arrived damaged (size or sha256 differ)")
        return data
