"""The branch signaling server: moves messages between WebSockets, SQLite and the rules.

All decisions live in :class:`signaling.routing.Branch`; this module only parses input, rate
limits it, persists what the rules changed (before anything is sent) and delivers the rest
through one bounded outbound queue per connection, so a slow reader never stalls the others.
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import logging
import math
import os
import random
import time
import uuid
from dataclasses import dataclass

import websockets.version
from pydantic import BaseModel
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from signaling.config import ServerConfig
from . import protocol as p
from .bulk import prefer_bulk_congestion
from .cases import expire_stills
from .errors import SignalingError
from .limits import TokenBucket
from .protocol import CloseCode, ErrorCode
from .routing import AuditEntry, Branch, Directory, Effects, Policy, local_day
from .stills import MAX_PARITY_BLOCKS, StillFileError, StillFiles
from .store import Store
from .tls import server_context
from .tokens import hash_token, token_problem

logger = logging.getLogger(__name__)
_jitter = random.Random()
"""Spreads the keepalive pings (an instance of its own: the module's generator stays untouched)."""


def raise_open_files_limit() -> int | None:
    """Raise this process's soft open-files limit to its hard limit (each connection is a file);
    returns the limit now in force, or None where the platform has none."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Linux
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft == resource.RLIM_INFINITY:
        return 1 << 20
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as exc:
            logger.warning("cannot raise the open-files limit from %d to %d: %s", soft, hard, exc)
    return soft


class InsecureConfig(SignalingError):
    """The server refuses to start: a device's token is an example or too weak (named)."""


def check_tokens(config: ServerConfig) -> None:
    """Refuse example and weak tokens in the config file, naming every such device.

    Raises:
        InsecureConfig: at least one device has one.
    """
    problems = []
    for role, e in config.devices():
        why = token_problem(e.token) if e.token is not None else None
        if why:
            problems.append(f"{role} {e.id}: the token in the config {why}")
    if problems:
        raise InsecureConfig("refusing to start: " + "; ".join(problems) + ". Remove it from the config and run "
                             "`lapak token new ROLE DEVICE` (the device's config gets the printed token)")


def directory_from(config: ServerConfig, issued=None) -> Directory:
    """The rules' view of the configured devices: their token hashes from the database (what
    ``lapak token`` issued or revoked) or else from the config file.

    Args:
        config: the server config.
        issued: :meth:`signaling.store.Store.device_tokens`, or None.
    """
    tokens: dict[tuple[str, str], str] = {}
    revoked: set[tuple[str, str]] = set()
    for role, e in config.devices():
        key = (role, e.id)
        if issued and key in issued:
            sha = issued[key][0]
            if sha is None:
                revoked.add(key)
            else:
                tokens[key] = sha
        elif e.token is not None:
            tokens[key] = hash_token(e.token)
        elif e.token_sha256 is not None:
            tokens[key] = e.token_sha256
    return Directory(tokens=tokens, revoked=revoked, capacities={c.id: c.capacity for c in config.csos},
                     services={s.id: tuple(s.documents) for s in config.services},
                     branch_name=config.branch.name or config.branch.id)


def policy_from(config: ServerConfig) -> Policy:
    """The rules' timing policy from the config."""
    return Policy(
        resume_grace=config.limits.resume_grace,
        booking_early=config.booking.early_minutes * 60,
        booking_late=config.booking.late_minutes * 60,
        wait_estimate_sessions=config.limits.wait_estimate_sessions,
        booking_misses=config.booking.wrong_codes,
        booking_miss_window=config.booking.wrong_codes_minutes * 60,
        stills_connections=config.limits.stills_connections_per_device,
    )


MAX_CLOSE_REASON_BYTES = 123
"""Longest close reason WebSocket allows, in UTF-8 bytes (a longer one fails to close at all)."""


@dataclass(frozen=True)
class _CloseRequest:
    code: int
    reason: str

    def __post_init__(self) -> None:  # cut on a character boundary
        cut = self.reason.encode("utf-8", "replace")[:MAX_CLOSE_REASON_BYTES].decode("utf-8", "ignore")
        object.__setattr__(self, "reason", cut)


WS_INTERNALS = ("protocol", "transport", "paused", "send_in_progress", "send_data")
"""What :class:`_Outbound` reads of a websockets asyncio connection to write a message at once.

websockets 16 and 17 have them all (14 and 15 call ``send_in_progress`` ``fragmented_send_waiter``);
``tests/integration/test_signaling_scale.py`` checks the installed release, so one that changes
them fails the suite. Where they are missing, every message goes through its connection's task
(correct, only slower with thousands of connections) and the server says so once in its log."""

_warned_internals = False


def writes_directly(ws: ServerConnection) -> bool:
    """Whether this websockets release lets :class:`_Outbound` write without its task.

    Args:
        ws: an open server connection.
    """
    global _warned_internals
    missing = [name for name in WS_INTERNALS if not hasattr(ws, name)]
    if not missing:
        if not isinstance(ws.paused, bool):
            missing.append("paused (not a bool)")
        if not callable(getattr(ws.protocol, "send_text", None)):
            missing.append("protocol.send_text")
        if not isinstance(getattr(ws.protocol, "state", None), State):
            missing.append("protocol.state (not a websockets.protocol.State)")
    if not missing:
        return True
    if not _warned_internals:
        _warned_internals = True
        logger.warning("websockets %s has no %s: every message goes through its connection's task (correct, "
                       "slower with thousands of connections); install the release pyproject.toml names",
                       websockets.version.version, ", ".join(missing))
    return False


class _Outbound:
    """One connection's bounded send queue and the task that drains it.

    A text message for a connection with nothing queued and nothing being sent, whose socket
    takes data, is written at once instead (most relays): handing every message to the
    connection's task cost a task switch per message, a fifth of the server's time at 5,000
    clients (``bench/scale.py``). Anything else queues behind, in order.
    """

    def __init__(self, ws: ServerConnection, size: int):
        self.ws = ws
        self.queue: asyncio.Queue[str | bytes | _CloseRequest] = asyncio.Queue(size)
        self.idle = False
        self.direct = writes_directly(ws)
        self.task = asyncio.create_task(self._drain())
        self.closing = False
        self.queued = 0
        """messages that went through the queue (the rest were written at once)"""

    def put_bytes(self, data: bytes) -> None:
        """Queue a binary frame (a still's bytes); the queue bounds them like any message."""
        self.put(data)

    def put(self, item: str | bytes | _CloseRequest) -> None:
        if self.closing:
            return
        if type(item) is str and self.direct and self.idle and self.queue.empty() and self._write_now(item):
            return
        if isinstance(item, _CloseRequest):
            self.closing = True
        self.queued += 1
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.closing = True
            logger.warning("connection %s does not read its messages; closing it", self.ws.remote_address)
            self.task.cancel()
            asyncio.create_task(self.ws.close(CloseCode.TOO_SLOW, "outbound queue overflowed"))

    def _write_now(self, text: str) -> bool:
        """Write ``text`` to the socket now if websockets' ``send()`` would not wait; returns
        whether it did (else the caller queues it)."""
        ws = self.ws
        try:
            if (ws.send_in_progress is not None or ws.paused or ws.protocol.state is not State.OPEN
                    or ws.transport.is_closing()):
                return False
            ws.protocol.send_text(text.encode())
        except Exception:  # nothing was written: the queue takes it, and every later message
            logger.exception("cannot write to %s at once; its messages go through its queue from now on",
                             ws.remote_address)
            self.direct = False
            return False
        try:
            ws.send_data()  # as websockets' send() does on leaving its send_context, without the coroutine
        except Exception:  # a frame may be half written: end the connection, as send() would
            logger.exception("writing to %s failed; aborting the connection", ws.remote_address)
            self.direct = False
            self.closing = True
            with contextlib.suppress(Exception):
                ws.transport.abort()
        return True

    async def _drain(self) -> None:
        try:
            while True:
                self.idle = True  # nothing in flight: put() may write at once
                item = await self.queue.get()
                self.idle = False
                if isinstance(item, _CloseRequest):
                    await self.ws.close(item.code, item.reason)
                    return
                await self.ws.send(item)
        except ConnectionClosed:
            pass


def next_ping(due: float, now: float, interval: float) -> float:
    """When a connection pings next, after its ping due at ``due`` went out at ``now``: the first
    slot of its phase (``due`` plus whole intervals) after ``now``, however late ``now`` is.

    Args:
        due: when the ping that just went out was due.
        now: when it went out (late after a stall of the event loop; or a hair early: the loop
            runs timers due within its clock resolution).
        interval: seconds between pings.
    """
    return due + interval * (math.floor(max(0.0, now - due) / interval) + 1)


GC_THRESHOLDS = (10_000, 20, 20)
"""The server process's garbage-collector thresholds (CPython's default is (700, 10, 10)).

Every connection keeps a chain of young objects alive between two of its messages (websockets'
pending ``recv()``: a coroutine, a future, a frame); with thousands of connections the youngest
generation held some 50,000 live objects whenever it was collected, about three times a second,
each time a 15-20 ms stall (and longer ones for the older generations). Collecting it after
10,000 allocations instead took the relay p99 at 5,000 clients from 39 ms to 8 ms
(``bench/scale.py``). Set while a server runs (a process that embeds one shares it); the
thresholds before come back when the last server of the process stops."""


class SignalingServer:
    """The branch server: auth, presence, queue, relay and audit over WebSockets.

    Args:
        config: the validated server config.
        clock: the wall clock (seconds since the epoch).
    """

    tick_interval = 0.25
    """Seconds between clock ticks: presence is coalesced to this, grace is checked at this."""

    def __init__(self, config: ServerConfig, clock=time.time):
        self.config = config
        self.clock = clock
        self.files = StillFiles(config.stills_dir)
        check_tokens(config)
        if config.tls is None and not config.listen.allow_plain:
            raise InsecureConfig("refusing to start: no [tls] cert and key. Run `lapak ca init` and `lapak ca issue "
                                 "--host ADDRESS` and name the files under [tls], or set [listen] allow_plain = true "
                                 "on a development machine (device tokens then cross the LAN in clear)")
        self.store = Store(config.database, still_paths=lambda m: self.files.final_path(m.session_id, m.sha256, m.mime))
        now = clock()
        today = local_day(now)
        self._data_version = self.store.data_version()
        directory = directory_from(config, self.store.device_tokens())
        for role, e in config.devices():
            if (role, e.id) not in directory.tokens and (role, e.id) not in directory.revoked:
                logger.warning("%s %s has no token and cannot connect: run `lapak token new %s %s`",
                               role, e.id, role, e.id)
        self.branch = Branch(
            directory, policy_from(config), now=now,
            sessions=self.store.live_sessions(), counters=self.store.counters(today),
            served_bookings=self.store.served_bookings(today),
            decided=self.store.decided(now - 2 * 86400),
            durations=self.store.recent_durations(config.limits.wait_estimate_sessions),
            stills=self.store.pending_stills(),
        )
        self._out: dict[str, _Outbound] = {}
        self._conn_token: dict[str, str] = {}
        """The token hash each authenticated connection said hello with."""
        self._ws: dict[str, ServerConnection] = {}
        self._unauthenticated: dict[str, int] = {}
        """Connections per source address that have not said a good hello yet."""
        self._failures: dict[str, tuple[int, float]] = {}
        """Failed hellos per source address: (count, time of the last), for growing delays."""
        self._failed_audit: dict[tuple[str, str, str], list] = {}
        """Failed hellos not yet written: (address, actor, why) -> [count, first, last]."""
        self.max_connections = config.limits.max_connections
        self._still_locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._still_receiving: dict[tuple[str, str], int] = {}
        """Parts whose bytes are on their way, per still: an upload with a part still arriving is
        alive however long ago its last part was written (a slow link, a loaded booth)."""
        self._server: Server | None = None
        self._ticker: asyncio.Task | None = None
        self._holds_gc = False
        self._pending: list[tuple[Effects, list]] = []
        """Effects waiting for the end of this turn's commit, with what they deliver (see _apply)."""
        self._commit_scheduled = False

    @property
    def port(self) -> int:
        """The TCP port actually bound (useful with port 0)."""
        assert self._server is not None, "server not started"
        return self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        """The wss:// (or, plain, ws://) URL a client on this machine can use."""
        host = self.config.listen.host
        if host in ("0.0.0.0", "", "::"):
            host = "127.0.0.1"
        return f"{'wss' if self.config.tls is not None else 'ws'}://{host}:{self.port}"

    async def start(self) -> None:
        """Raise the open-files limit, bind and start serving."""
        lim = self.config.limits
        files = raise_open_files_limit()
        if files is not None and files - 64 < self.max_connections:
            self.max_connections = max(16, files - 64)
        logger.info("open-files limit %s; at most %d connections", files, self.max_connections)
        tls = None
        if self.config.tls is not None:
            tls = server_context(self.config.tls.cert, self.config.tls.key)
        else:
            logger.warning("PLAIN ws:// (listen.allow_plain): every device token crosses the LAN in clear. For a "
                           "development machine only; a branch runs lapak ca init / lapak ca issue and [tls]")
        self._server = await serve(
            self._handle, self.config.listen.host, self.config.listen.port,
            # pings: our own _keepalive, spread over the interval (see there)
            max_size=lim.max_message_bytes, ping_interval=None, ping_timeout=None,
            # A peer that missed its pong is dead: do not wait websockets' default 10 s more for its
            # closing handshake before the connection (and its presence) is dropped.
            close_timeout=lim.ping_timeout,
            compression=None, max_queue=lim.inbound_queue, open_timeout=lim.hello_timeout, ssl=tls,
        )
        self._hold_gc_thresholds()
        self._ticker = asyncio.create_task(self._tick_forever())
        logger.info("listening on %s (database %s)", self.url, self.config.database)

    async def stop(self) -> None:
        """Close every connection and the database."""
        if self._ticker:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        self._commit()
        self._flush_failed_audit()
        self.store.close()
        self._release_gc_thresholds()

    _gc_holders = 0
    """Servers of this process running with :data:`GC_THRESHOLDS`."""
    _gc_before: tuple[int, ...] | None = None

    def _hold_gc_thresholds(self) -> None:
        if self._holds_gc:
            return
        self._holds_gc = True
        if SignalingServer._gc_holders == 0:
            SignalingServer._gc_before = gc.get_threshold()
            gc.set_threshold(*GC_THRESHOLDS)
        SignalingServer._gc_holders += 1

    def _release_gc_thresholds(self) -> None:
        if not self._holds_gc:
            return
        self._holds_gc = False
        SignalingServer._gc_holders -= 1
        if SignalingServer._gc_holders == 0 and gc.get_threshold() == GC_THRESHOLDS and SignalingServer._gc_before:
            gc.set_threshold(*SignalingServer._gc_before)  # unless someone else changed them since

    async def __aenter__(self) -> "SignalingServer":
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    # ------------------------------------------------------------------ plumbing

    async def _tick_forever(self) -> None:
        next_expiry = next_audit = 0.0
        while True:
            await asyncio.sleep(self.tick_interval)
            try:
                self._apply(self.branch.tick(self.clock()))
                self._sweep_stills()
                self._reload_tokens()
                if time.monotonic() >= next_audit:
                    next_audit = time.monotonic() + 5
                    self._flush_failed_audit()
                if time.monotonic() >= next_expiry:  # at start, then hourly
                    next_expiry = time.monotonic() + 3600
                    self.expire_stills()
            except Exception:  # pragma: no cover - a bug must not stop the ticker
                logger.exception("tick failed")

    def expire_stills(self) -> int:
        """Delete the still files of sessions that ended longer ago than ``[retention]
        stills_days`` (see :func:`signaling.cases.expire_stills`); returns how many."""
        paths = expire_stills(self.store.db, self.config.retention.stills_days, self.clock())
        for path in paths:
            self.files.delete(path)
        if paths:
            logger.info("retention: deleted %d still files older than %g days", len(paths),
                        self.config.retention.stills_days)
        return len(paths)

    def _apply(self, fx: Effects, texts: list[tuple[str, str]] | None = None, *, now: bool = False) -> None:
        """Persist first, then deliver; nothing is acknowledged before it is on disk.

        Group commit: what the inputs handled in one turn of the event loop changed is written in
        one transaction at the end of the turn (:meth:`_commit`), and only then is anything they
        say delivered. A thousand devices reconnecting after a restart cost a few fsyncs, not a
        thousand, each blocking every connection's relays (``bench/scale.py``, 5,000 clients
        coming online and into sessions: the longest stall of the event loop 2.4 s -> 0.4 s, the
        setup 7.4-9.9 s -> 5.0-5.8 s). While anything waits for that commit, every later delivery
        waits behind it, so no connection sees messages out of order.

        Args:
            fx: what the rules decided.
            texts: ``fx.sends`` already encoded (see :meth:`_encode`); encoded here when None.
            now: commit (with whatever waits) before returning, for a caller that reads the
                database next.
        """
        if texts is None:
            texts, _ = self._encode(fx)
        outs = self._out
        deliveries = [(outs.get(conn), text) for conn, text in texts]
        deliveries += [(outs.get(close.conn), _CloseRequest(close.code, close.reason)) for close in fx.closes]
        if fx.durable or self._pending:
            self._pending.append((fx, deliveries))
            if now:
                self._commit()
            elif not self._commit_scheduled:
                self._commit_scheduled = True
                asyncio.get_running_loop().call_soon(self._commit)
            return
        self._deliver(deliveries)

    def _commit(self) -> None:
        """Write what waits in one transaction, then deliver what it said, in order."""
        self._commit_scheduled = False
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            self.store.apply_many(fx for fx, _ in batch)
        except Exception:  # the disk refused: acknowledge none of what it was to hold
            logger.exception("could not write what %d input(s) changed to %s",
                             sum(1 for fx, _ in batch if fx.durable), self.config.database)
            # What only waited to keep the order (replies to nothing durable, closes) does not
            # depend on the write: say it still, so an error reply or a close (a flooder, a
            # revoked token) is not lost with the turn.
            for fx, deliveries in batch:
                self._deliver(deliveries if not fx.durable else
                              [(out, item) for out, item in deliveries if isinstance(item, _CloseRequest)])
            return
        for fx, deliveries in batch:
            if fx.discard_stills:  # the rows say "discarded" now; the files go after the commit
                for path in self.store.discarded_paths(fx.discard_stills):
                    if path:
                        self.files.delete(path)
            self._deliver(deliveries)

    @staticmethod
    def _deliver(deliveries: list[tuple[_Outbound | None, object]]) -> None:
        """Hand each item to its connection's queue (taken when it was decided: a connection
        that ends meanwhile still gets what was said to it before its close)."""
        for out, item in deliveries:
            if out is not None:
                out.put(item)

    @staticmethod
    def _encode(fx: Effects) -> tuple[list[tuple[str, str]], list[BaseModel]]:
        """Encode every message of ``fx`` once (one message often goes to many connections).

        Returns:
            (connection, text) of each send that encoded, and the messages that did not (a bug:
            the protocol's models only hold what encodes; each is logged).
        """
        encoded: dict[int, str] = {}
        texts: list[tuple[str, str]] = []
        failed: list[BaseModel] = []
        for send in fx.sends:
            text = encoded.get(id(send.message))
            if text is None:
                try:
                    text = encoded[id(send.message)] = p.encode(send.message)
                except Exception:
                    logger.exception("cannot encode a %r message for connection %s", send.message.type, send.conn)
                    failed.append(send.message)
                    continue
            texts.append((send.conn, text))
        return texts, failed

    def _reply(self, conn: str, message: BaseModel) -> None:
        if conn not in self._out:
            return
        try:
            text = p.encode(message)
        except Exception:
            logger.exception("cannot encode a %r reply for connection %s", message.type, conn)
            return
        self._put(conn, text)

    def _put(self, conn: str, item) -> None:
        """Send a text or close request to one connection, behind anything waiting for a commit."""
        self._put_out(self._out.get(conn), item)

    def _put_out(self, out: _Outbound | None, item) -> None:
        if self._pending:
            self._pending.append((Effects(), [(out, item)]))
        elif out is not None:
            out.put(item)

    async def _handle(self, ws: ServerConnection) -> None:
        conn = uuid.uuid4().hex
        lim = self.config.limits
        addr = ws.remote_address[0] if ws.remote_address else "?"
        if len(self._out) >= self.max_connections:
            logger.warning("refusing a connection from %s: %d connections open (the cap)", addr, len(self._out))
            with contextlib.suppress(Exception):
                await ws.send(p.encode(p.Error(code=ErrorCode.SERVER_FULL, message=(
                    f"the server has {len(self._out)} connections open, its limit; try again shortly"))))
                await ws.close(1013, "server full")
            return
        if self._unauthenticated.get(addr, 0) >= lim.max_unauthenticated_per_address:
            with contextlib.suppress(Exception):
                await ws.send(p.encode(p.Error(code=ErrorCode.RATE_LIMITED, message=(
                    f"{addr} has {lim.max_unauthenticated_per_address} connections open without a hello"))))
                await ws.close(1013, "too many connections without hello")
            return
        self._unauthenticated[addr] = self._unauthenticated.get(addr, 0) + 1
        out = self._out[conn] = _Outbound(ws, lim.outbound_queue)
        self._ws[conn] = ws
        stills = ws.request is not None and ws.request.path.rstrip("/") == "/stills"
        keepalive = asyncio.create_task(self._keepalive(conn, ws))
        try:
            try:
                greeted = await self._greet(conn, ws, "stills" if stills else "main", addr)
            finally:
                left = self._unauthenticated.get(addr, 1) - 1
                if left > 0:
                    self._unauthenticated[addr] = left
                else:
                    self._unauthenticated.pop(addr, None)
            if not greeted:
                return
            if stills:
                await self._serve_stills(conn, ws)
                return
            bucket = TokenBucket(lim.rate_per_second, lim.rate_burst, self.clock())
            dropped = 0
            last_warning = 0.0
            flooded = False
            async for raw in ws:
                if flooded:
                    continue  # discard until the peer answers our close (see below)
                now = self.clock()
                if not bucket.take(now):
                    dropped += 1
                    if dropped > 4 * lim.rate_burst:
                        self._put(conn, _CloseRequest(CloseCode.FLOOD, "far above the message rate limit"))
                        self._apply(self.branch.disconnect(conn, now))
                        # Keep reading: websockets stops reading a socket whose messages nobody
                        # takes, and then never sees the peer's closing handshake, so the flooder
                        # held its connection for close_timeout more.
                        flooded = True
                        continue
                    if now - last_warning >= 1.0:
                        last_warning = now
                        self._reply(conn, p.Error(code=ErrorCode.RATE_LIMITED, message=(
                            f"over {lim.rate_per_second:g} messages/s; {dropped} message(s) dropped")))
                    continue
                dropped = max(0, dropped - 1)
                self._on_message(conn, raw, now)
        except ConnectionClosed:
            pass
        finally:
            keepalive.cancel()
            self._apply(self.branch.disconnect(conn, self.clock()))
            self._out.pop(conn, None)
            self._ws.pop(conn, None)
            self._conn_token.pop(conn, None)
            if not out.task.done():
                self._put_out(out, _CloseRequest(1000, "bye"))  # after what was said to it before
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(out.task, 2.0)
                out.task.cancel()

    async def _keepalive(self, conn: str, ws: ServerConnection) -> None:
        """Ping the peer every ``ping_interval``; without a pong within ``ping_timeout`` it is gone.

        Each connection pings on a fixed phase of its own, drawn at random: the k-th ping is due at
        ``offset + k * ping_interval`` whatever happened before. websockets' own keepalive sleeps
        ``ping_interval`` after each pong instead, so pings line up: devices that connected together
        (every device after a server restart) are pinged together, and any stall lines up every
        connection whose ping fell inside it. With 5,000 connections the clumps fed themselves
        (2,000 pings in 0.1 s, then the pongs, a 0.3-0.5 s stall every interval; ``bench/scale.py``).
        """
        lim = self.config.limits
        loop = asyncio.get_running_loop()
        due = loop.time() + _jitter.uniform(0, lim.ping_interval)
        while True:
            await asyncio.sleep(due - loop.time())
            due = next_ping(due, loop.time(), lim.ping_interval)
            try:
                pong = await ws.ping()
                await asyncio.wait_for(pong, lim.ping_timeout)
            except ConnectionClosed:
                return
            except asyncio.TimeoutError:
                logger.info("no pong from %s within %g s: closing it", ws.remote_address, lim.ping_timeout)
                # gone for the rules now; the closing handshake may take close_timeout more
                self._apply(self.branch.disconnect(conn, self.clock()))
                with contextlib.suppress(ConnectionClosed):
                    await ws.close(1011, "keepalive ping timeout")
                return

    async def _greet(self, conn: str, ws: ServerConnection, channel: str = "main", addr: str = "?") -> bool:
        lim = self.config.limits
        try:
            raw = await asyncio.wait_for(ws.recv(), lim.hello_timeout)
        except asyncio.TimeoutError:
            self._refuse(conn, ErrorCode.NOT_AUTHENTICATED, "no hello received in time")
            return False
        try:
            msg = p.parse_client_message(raw)
        except p.ProtocolError as exc:
            self._refuse(conn, exc.code, f"first message must be a valid hello: {exc.message}", exc.ref)
            return False
        if not isinstance(msg, p.Hello):
            self._refuse(conn, ErrorCode.NOT_AUTHENTICATED, f"first message must be hello, not {msg.type!r}", msg.id)
            return False
        if msg.channel != channel:
            self._refuse(conn, ErrorCode.INVALID_MESSAGE,
                         f"hello says channel {msg.channel!r} on the {channel!r} path "
                         f"({'/stills' if msg.channel == 'stills' else '/'} is the {msg.channel} path)", msg.id)
            return False
        delay = self._failure_delay(addr)
        if delay:  # an address that keeps failing is answered ever more slowly
            with contextlib.suppress(asyncio.TimeoutError):  # (or not at all, when it hangs up or we stop)
                await asyncio.wait_for(ws.wait_closed(), delay)
            if ws.close_code is not None:
                return False
        key = (msg.role, msg.device_id)
        token = hash_token(msg.token)
        good = hmac.compare_digest(self.branch.directory.tokens.get(key, ""), token)
        if good and channel == "main" and await self._live_elsewhere(key):
            self._refuse_in_use(conn, msg, addr)
            return False
        fx = self.branch.hello(conn, msg, self.clock())
        failed = [a for a in fx.audit if a.event == "auth_failed"]
        if failed:  # written in batches: a flood of bad hellos must not cost one fsync each
            fx.audit = [a for a in fx.audit if a.event != "auth_failed"]
            for a in failed:
                slot = self._failed_audit.setdefault((addr, a.actor, a.detail.get("why", "")), [0, a.ts, a.ts])
                slot[0] += 1
                slot[2] = a.ts
        self._apply(fx)
        ok = conn in self.branch.peers or conn in self.branch.still_peers
        if ok:
            self._conn_token[conn] = token
            self._failures.pop(addr, None)
            logger.info("%s %s connected from %s", msg.role, msg.device_id, ws.remote_address)
        else:
            count, _ = self._failures.get(addr, (0, 0.0))
            self._failures[addr] = (count + 1, time.monotonic())
            if count < 20 or count % 100 == 0:  # the log must not fill either
                logger.warning("refused %s %s from %s (%d failed hellos from there)", msg.role, msg.device_id,
                               ws.remote_address, count + 1)
        return ok

    def _failure_delay(self, addr: str) -> float:
        count, last = self._failures.get(addr, (0, 0.0))
        if count and time.monotonic() - last > 600:  # forgiven after ten quiet minutes
            self._failures.pop(addr, None)
            return 0.0
        free = self.config.limits.failed_hellos_free
        return 0.0 if count < free else min(30.0, 0.25 * 2 ** (count - free))

    async def _live_elsewhere(self, key: tuple[str, str]) -> bool:
        """Whether the device's current main connection answers a ping within ``replace_probe``."""
        old = self.branch.by_device.get(key)
        old_ws = self._ws.get(old) if old is not None else None
        if old_ws is None:
            return False
        try:
            waiter = await old_ws.ping()
            await asyncio.wait_for(waiter, self.config.limits.replace_probe)
        except (asyncio.TimeoutError, ConnectionClosed, RuntimeError):
            return False
        return self.branch.by_device.get(key) == old

    def _refuse_in_use(self, conn: str, msg: p.Hello, addr: str) -> None:
        """The rule for a second hello of a connected device: the live connection keeps its place.
        A stolen token cannot push the real device off; the newcomer is refused, audited, and
        the technicians are alerted (revoke the token with ``lapak token new``)."""
        now = self.clock()
        text = (f"{msg.role} {msg.device_id} is connected and answering from another place; this connection "
                f"from {addr} is refused")
        logger.warning("%s", text)
        self.store.append_audit([AuditEntry(now, f"{msg.role}:{msg.device_id}", None, "device_in_use",
                                            {"from": addr})])
        alert = p.Alert(kind="device_in_use", role=msg.role, device_id=msg.device_id, message=text, at=now)
        self._tell_technicians(alert)
        self._reply(conn, p.Error(code=ErrorCode.DEVICE_IN_USE, message=text, ref=msg.id))
        self._put(conn, _CloseRequest(CloseCode.DEVICE_IN_USE, "device connected elsewhere"))

    def _tell_technicians(self, message: BaseModel) -> None:
        for c in self.branch.technician_conns():
            self._reply(c, message)

    def _flush_failed_audit(self) -> None:
        if not self._failed_audit:
            return
        batch, self._failed_audit = self._failed_audit, {}
        self.store.append_audit([
            AuditEntry(last, actor, None, "auth_failed", {"why": why, "from": addr, "count": count, "first": first})
            for (addr, actor, why), (count, first, last) in batch.items()])

    def _reload_tokens(self) -> None:
        """``lapak token`` changed the database: take the new tokens, and disconnect every
        connection whose token is no longer good (revoked or replaced)."""
        version = self.store.data_version()
        if version == self._data_version:
            return
        self._data_version = version
        self.branch.directory = directory_from(self.config, self.store.device_tokens())
        tokens = self.branch.directory.tokens
        now = self.clock()
        for conn, token in list(self._conn_token.items()):
            peer = self.branch.peers.get(conn) or self.branch.still_peers.get(conn)
            if peer is None:
                continue
            if not hmac.compare_digest(tokens.get((peer.role, peer.device_id), ""), token):
                text = f"the token of {peer.role} {peer.device_id} was revoked or replaced"
                logger.warning("%s: disconnecting it", text)
                self.store.append_audit([AuditEntry(now, "server", None, "token_revoked",
                                                    {"device": f"{peer.role}:{peer.device_id}"})])
                self._tell_technicians(p.Alert(kind="token_revoked", role=peer.role, device_id=peer.device_id,
                                               message=text, at=now))
                self._conn_token.pop(conn, None)
                self._reply(conn, p.Error(code=ErrorCode.AUTH_FAILED, message=text))
                self._put(conn, _CloseRequest(CloseCode.REVOKED, "token revoked"))

    # ------------------------------------------------------------------ stills connections

    async def _serve_stills(self, conn: str, ws: ServerConnection) -> None:
        """A stills connection: parts of stills come in (booths), stills go out (CSOs).

        Each request is one JSON message followed by its binary frames; requests on one
        connection are served in order (a booth opens several connections to send parts at once).
        """
        lim = self.config.limits
        prefer_bulk_congestion(ws.transport.get_extra_info("socket"))  # the stills a CSO fetches
        pending: str | None = None
        while True:
            raw, pending = (pending, None) if pending is not None else (await ws.recv(), None)
            if isinstance(raw, bytes):
                self._reply(conn, p.Error(code=ErrorCode.INVALID_MESSAGE,
                                          message="binary data without a still_put before it"))
                continue
            try:
                msg = p.parse_client_message(raw)
            except p.ProtocolError as exc:
                self._reply(conn, p.Error(code=exc.code, message=exc.message, ref=exc.ref))
                continue
            try:
                if isinstance(msg, p.StillPut):
                    # a request that came where this part's bytes were due is served next
                    pending = await self._still_put(conn, ws, msg, lim)
                elif isinstance(msg, p.StillGet):
                    await self._still_get(conn, msg, lim)
                else:
                    self._reply(conn, p.Error(code=ErrorCode.INVALID_MESSAGE, ref=msg.id,
                                              message=f"a stills connection takes still_put and still_get, "
                                                      f"not {msg.type!r}"))
            except ConnectionClosed:
                raise
            except Exception:  # a bug answers this request with an error; the server goes on
                logger.exception("stills request %s failed", msg.type)
                self._reply(conn, p.Error(code=ErrorCode.INTERNAL, message=f"internal error handling {msg.type!r}",
                                          ref=msg.id))

    async def _still_put(self, conn: str, ws: ServerConnection, msg: p.StillPut, lim) -> str | None:
        """Receive one part of a still and answer it.

        Returns:
            A text message that arrived where the part's bytes were due (it broke this part, and
            is the connection's next request), or None.
        """
        meta = msg.still
        refused = self.branch.check_still_put(conn, meta, lim.still_max_bytes, lim.stills_per_session)
        if refused is None and msg.parity is None and msg.offset + msg.length > meta.size:
            refused = f"part {msg.offset}+{msg.length} lies outside a still of {meta.size} bytes"
        if refused is None and msg.parity is not None and not (
                msg.parity < meta.size and -(-meta.size // msg.parity) <= MAX_PARITY_BLOCKS
                and msg.offset + msg.length <= msg.parity):
            refused = (f"parity part {msg.offset}+{msg.length} in blocks of {msg.parity} bytes does not fit "
                       f"a still of {meta.size} bytes (2 to {MAX_PARITY_BLOCKS} blocks)")
        # the part's bytes follow this message in any case: read them, then answer
        broken = None
        interrupted: str | None = None
        data = bytearray()
        key = (meta.session_id, meta.sha256)
        self._still_receiving[key] = self._still_receiving.get(key, 0) + 1
        try:
            while len(data) < msg.length:
                chunk = await asyncio.wait_for(ws.recv(), lim.still_part_timeout)
                if not isinstance(chunk, bytes):
                    broken = (f"a text message came after {len(data)} of the part's {msg.length} bytes "
                              f"(it is taken as the next request)")
                    interrupted = chunk
                    break
                data += chunk
                if len(data) > msg.length:
                    broken = f"more than the announced {msg.length} bytes arrived"
                    break
        except asyncio.TimeoutError:
            broken = f"the part's bytes did not come within {lim.still_part_timeout:g} s"
        finally:
            left = self._still_receiving.pop(key, 1) - 1
            if left > 0:
                self._still_receiving[key] = left
        if refused is not None:  # for good: trying again cannot help
            self._reply(conn, p.Error(code=ErrorCode.FORBIDDEN, message=refused, ref=msg.id))
            return interrupted
        if broken is not None:  # this attempt failed; another may not
            self._reply(conn, p.Error(code=ErrorCode.INVALID_MESSAGE, message=broken, ref=msg.id))
            return interrupted
        lock = self._still_locks.setdefault(key, asyncio.Lock())
        async with lock:  # parts of one still arrive on several connections at once
            try:
                if self.store.still_path(*key):  # these bytes are stored already: a part sent
                    received, complete = meta.size, True  # again, or the same still for another request
                    self._apply(self.branch.still_stored(conn, meta, self.clock()), now=True)
                else:
                    asm = await asyncio.to_thread(self.files.write, meta.session_id, meta.sha256, meta.size,
                                                  msg.offset, bytes(data), parity=msg.parity)
                    received, complete = asm.received, asm.complete
                    if complete:
                        await asyncio.to_thread(self.files.finish, meta.session_id, meta.sha256, meta.mime)
                        self._apply(self.branch.still_stored(conn, meta, self.clock()), now=True)
            except StillFileError as exc:
                self._reply(conn, p.Error(code=ErrorCode.INVALID_MESSAGE, message=str(exc), ref=msg.id))
                return None
        if complete and not lock.locked():
            self._still_locks.pop(key, None)
        self._reply(conn, p.StillStored(ref=msg.id, sha256=meta.sha256, received=received, complete=complete))
        return None

    async def _still_get(self, conn: str, msg: p.StillGet, lim) -> None:
        why = self.branch.check_still_get(conn, msg.session_id)
        path = self.store.still_path(msg.session_id, msg.sha256) if why is None else None
        if why is None and not path:
            why = f"no still {msg.sha256[:12]} in session {msg.session_id}"
        if why is not None:
            self._reply(conn, p.Error(code=ErrorCode.NOT_FOUND, message=why, ref=msg.id))
            return
        try:
            size = await asyncio.to_thread(lambda: os.path.getsize(path))
            offset = min(msg.offset, size)
            length = size - offset if msg.length is None else min(msg.length, size - offset)
            data = await asyncio.to_thread(self.files.read, path, offset, length)
        except (OSError, StillFileError) as exc:
            self._reply(conn, p.Error(code=ErrorCode.INTERNAL, message=f"cannot read the still: {exc}", ref=msg.id))
            return
        out = self._out.get(conn)
        if out is None:
            return
        out.put(p.encode(p.StillData(ref=msg.id, sha256=msg.sha256, offset=offset, length=len(data))))
        step = lim.still_frame_bytes
        for i in range(0, len(data), step):
            out.put_bytes(data[i:i + step])

    def _sweep_stills(self) -> None:
        for session_id, sha256 in self.files.stale(self.config.limits.still_part_timeout):
            if (session_id, sha256) in self._still_receiving or (session_id, sha256) in self._still_locks:
                continue  # a part is arriving or being written: the upload is alive
            logger.info("dropping an unfinished upload of still %s in session %s", sha256[:12], session_id)
            self.files.drop(session_id, sha256)

    def _refuse(self, conn: str, code: ErrorCode, text: str, ref: str | None = None) -> None:
        self._reply(conn, p.Error(code=code, message=text, ref=ref))
        self._put(conn, _CloseRequest(CloseCode.NOT_AUTHENTICATED, text[:120]))

    def _on_message(self, conn: str, raw: str | bytes, now: float) -> None:
        """Parse, carry out and answer one message of an authenticated connection.

        Whatever ``raw`` holds, a request with a readable ``id`` gets exactly one answer: its ack
        or result, or an error naming what was wrong (``internal`` for a bug, which is logged).
        """
        try:
            msg = p.parse_client_message(raw)
        except p.ProtocolError as exc:
            self._reply(conn, p.Error(code=exc.code, message=exc.message, ref=exc.ref))
            return
        try:
            booking = None
            code = msg.code if isinstance(msg, p.CheckBooking) else \
                msg.booking_code if isinstance(msg, p.Announce) else None
            if code:
                booking = self.store.booking(code)
            fx = self.branch.handle(conn, msg, now, booking)
            texts, failed = self._encode(fx)
        except Exception:
            logger.exception("internal error handling %s", msg.type)
            self._reply(conn, p.Error(code=ErrorCode.INTERNAL, message=f"internal error handling {msg.type!r}",
                                      ref=msg.id))
            return
        if failed and not fx.durable:  # nothing changed: answer with the error alone
            self._reply(conn, p.Error(code=ErrorCode.INTERNAL, ref=msg.id,
                                      message=f"internal error answering {msg.type!r}: a reply did not encode"))
            return
        self._apply(fx, texts)


async def run(config: ServerConfig, stop: asyncio.Event | None = None) -> None:
    """Serve until ``stop`` is set (or forever).

    Args:
        config: the validated server config.
        stop: an event that ends the server cleanly.
    """
    async with SignalingServer(config):
        await (stop.wait() if stop else asyncio.Future())
