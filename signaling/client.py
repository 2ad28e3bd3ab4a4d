"""The one signaling client used by booths, consoles and technician tools.

Connects, says hello, and keeps the connection up: on a drop it reconnects with exponential
backoff and jitter and says hello again; the server's ``welcome`` carries this device's sessions,
so the application resumes where it was (``on_message`` sees the new ``Welcome``). Authentication
failures are final: a wrong token does not fix itself by retrying.

The server sends the queue and presence whole once after the welcome, then only their changes;
the client keeps both views (:attr:`SignalingClient.queue`, :attr:`SignalingClient.presence`)
and hands ``on_message`` the whole, current view (a ``QueueUpdate`` / ``Presence``) after each.
"""
from __future__ import annotations

import asyncio
import ssl
import contextlib
import enum
import logging
import uuid
from typing import Any, Awaitable, Callable

from pydantic import BaseModel
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from common.backoff import Backoff

from . import protocol as p
from .errors import AuthRefused, NotConnected, RequestRefused
from .protocol import CloseCode

logger = logging.getLogger(__name__)

MessageHandler = Callable[[Any], Awaitable[None] | None]


class ClientState(enum.Enum):
    """Where the client is in its connect/reconnect cycle."""

    IDLE = "idle"
    CONNECTING = "connecting"
    READY = "ready"
    BACKOFF = "backoff"
    FAILED = "failed"  # refused for good (wrong token, unknown device, wrong version)
    CLOSED = "closed"


# Refusals that retrying cannot fix. DEVICE_IN_USE is not one: this identity is connected and
# answering elsewhere (a second process, or a stolen token); the server has told the technicians,
# and this client keeps trying with backoff. REPLACED is not one either: the server closed a
# connection of ours that did not answer its ping; if we are alive after all we come back.
_FINAL_CLOSE = {CloseCode.AUTH_FAILED, CloseCode.VERSION_MISMATCH, CloseCode.REVOKED}


class SignalingClient:
    """A reconnecting, authenticating client of the branch signaling server.

    Args:
        url: ws:// URL of the branch server.
        role: "booth", "cso" or "technician".
        device_id: this device's configured id.
        token: this device's token.
        on_message: called (awaited if a coroutine) with every server message that is not the
            answer to a request: welcome, session, queue, presence, signal, unsolicited error.
            Queue and presence changes arrive as the whole view after the change
            (``QueueUpdate``, ``Presence``).
        backoff_initial: first reconnect delay in seconds.
        backoff_max: largest reconnect delay in seconds.
        request_timeout: seconds to wait for the answer to a request.
        open_timeout: seconds to wait for the TCP + WebSocket handshake.
        ping_interval: seconds between WebSocket pings (a dead server is noticed by them).
        ping_timeout: seconds without a pong before the connection counts as dead.
        max_message_bytes: largest message accepted from the server.
        on_state: called with every :class:`ClientState` change (e.g. READY -> BACKOFF: the
            server is gone); must not block.
        on_signal: awaited with every relayed WebRTC signal, one at a time in arrival order, by
            a task of its own (the reader never waits for ICE or DTLS work); without it signals
            go to ``on_message``.
    """

    def __init__(
        self,
        url: str,
        role: str,
        device_id: str,
        token: str,
        on_message: MessageHandler | None = None,
        *,
        backoff_initial: float = 0.2,
        backoff_max: float = 5.0,
        request_timeout: float = 10.0,
        open_timeout: float = 5.0,
        ping_interval: float = 5.0,
        ping_timeout: float = 10.0,
        max_message_bytes: int = 4 * 2**20,
        on_state: Callable[[ClientState], None] | None = None,
        on_signal: Callable[[Any], Awaitable[None]] | None = None,
        ssl: Any = None,
    ):
        self.url = url
        self.ssl = ssl
        """The TLS context for a wss:// url (:meth:`signaling.config.ServerLink.ssl_context`)."""
        self.role = role
        self.device_id = device_id
        self.token = token
        self.on_message = on_message
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.request_timeout = request_timeout
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.max_message_bytes = max_message_bytes
        self.on_state = on_state
        self.on_signal = on_signal
        self._signals: asyncio.Queue = asyncio.Queue()
        self._signal_task: asyncio.Task | None = None
        self.state = ClientState.IDLE
        self.welcome: p.Welcome | None = None
        self.queue: list[p.SessionInfo] = []
        """The waiting queue in serving order, as last told (CSOs)."""
        self.presence: list[p.PresenceEntry] = []
        """Who is online, as last told (CSOs: the officers; technicians: every device)."""
        self.refusal: AuthRefused | None = None
        self.connects = 0
        self._ws: ClientConnection | None = None
        self._pending: dict[str, asyncio.Future] = {}
        self._ready = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._state_waiters: list[asyncio.Future] = []

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start connecting in the background (returns at once)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"signaling-{self.device_id}")
        if self.on_signal is not None and self._signal_task is None:
            self._signal_task = asyncio.create_task(self._apply_signals(), name=f"signals-{self.device_id}")

    async def wait_ready(self, timeout: float | None = None) -> p.Welcome:
        """Wait until authenticated; returns the welcome.

        Raises:
            AuthRefused: the server refused this device for good.
            TimeoutError: not ready within ``timeout``.
        """
        async def ready() -> p.Welcome:
            while True:
                if self.state is ClientState.FAILED:
                    raise self.refusal  # type: ignore[misc]
                if self.state is ClientState.READY and self.welcome is not None:
                    return self.welcome
                fut = asyncio.get_running_loop().create_future()
                self._state_waiters.append(fut)
                await fut

        return await asyncio.wait_for(ready(), timeout)

    async def close(self) -> None:
        """Disconnect for good."""
        self._set_state(ClientState.CLOSED)
        for task in (self._task, self._signal_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._ws is not None:
            await self._ws.close()
        self._fail_pending(NotConnected("client closed"))

    async def __aenter__(self) -> "SignalingClient":
        await self.start()
        await self.wait_ready()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    # ------------------------------------------------------------------ sending

    async def send(self, message: BaseModel) -> None:
        """Send a message without waiting for an answer.

        Raises:
            NotConnected: not connected right now.
        """
        ws = self._ws
        if ws is None or self.state is not ClientState.READY:
            raise NotConnected(f"not connected to {self.url}")
        try:
            await ws.send(p.encode(message))
        except ConnectionClosed as exc:
            raise NotConnected(str(exc)) from None

    async def request(self, message: BaseModel, timeout: float | None = None) -> Any:
        """Send a request and wait for its answer (ack / booking_result).

        Args:
            message: a client message model; its ``id`` is set here unless it has one (a
                decision's id names it, so a decision sent again is recorded once).
            timeout: seconds to wait (default ``request_timeout``).

        Raises:
            RequestRefused: the server refused it (the error names why).
            NotConnected: the connection was lost before the answer came.
        """
        rid = getattr(message, "id", None) or uuid.uuid4().hex[:12]
        if rid in self._pending:
            raise RequestRefused(p.ErrorCode.INVALID_STATE, f"request {rid} is already waiting for its answer")
        message = message.model_copy(update={"id": rid})
        fut = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        try:
            await self.send(message)
            return await asyncio.wait_for(fut, timeout or self.request_timeout)
        finally:
            self._pending.pop(rid, None)

    async def send_signal(self, session_id: str, payload: dict[str, Any]) -> None:
        """Relay a WebRTC negotiation payload to the other end of a session, and wait until the
        server has passed it on.

        Raises:
            RequestRefused: the other end is offline (``peer_offline``), or the session is not
                active or held.
            NotConnected: the server connection was lost before the answer came.
        """
        await self.request(p.Signal(session_id=session_id, payload=payload))

    # ------------------------------------------------------------------ loop

    def _set_state(self, state: ClientState) -> None:
        if self.state is ClientState.CLOSED:
            return
        changed = state is not self.state
        self.state = state
        if changed and self.on_state is not None:
            try:
                self.on_state(state)
            except Exception:
                logger.exception("on_state handler failed on %s", state.value)
        waiters, self._state_waiters = self._state_waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)

    def _fail_pending(self, exc: Exception) -> None:
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(exc)
        self._pending.clear()

    async def _run(self) -> None:
        backoff = Backoff(self.backoff_initial, self.backoff_max)
        while self.state is not ClientState.CLOSED:
            self._set_state(ClientState.CONNECTING)
            refused = None
            try:
                async with connect(self.url, ssl=self.ssl, open_timeout=self.open_timeout, compression=None, proxy=None,
                                   ping_interval=self.ping_interval, ping_timeout=self.ping_timeout,
                                   max_size=self.max_message_bytes) as ws:
                    self._ws = ws
                    await ws.send(p.encode(p.Hello(role=self.role, device_id=self.device_id, token=self.token,
                                                   version=p.PROTOCOL_VERSION)))
                    refused = await self._read(ws)
                    if refused is None:
                        backoff.reset()  # we were in: start backoff afresh
            except ssl.SSLCertVerificationError as exc:  # a config problem: say it where a technician looks
                logger.warning("%s %s: the server at %s is not vouched for by the pinned branch CA (or its "
                               "certificate does not name this address): %s", self.role, self.device_id, self.url,
                               exc.verify_message or exc)
            except (OSError, asyncio.TimeoutError, InvalidHandshake, ConnectionClosed) as exc:
                logger.info("%s %s: connection to %s failed: %s", self.role, self.device_id, self.url, exc)
            except InvalidURI as exc:
                refused = AuthRefused(p.Error(code=p.ErrorCode.INVALID_MESSAGE, message=str(exc)), None)
            finally:
                self._ws = None
                self._fail_pending(NotConnected(f"connection to {self.url} lost"))
            if refused is not None:
                self.refusal = refused
                logger.error("%s %s refused by %s: %s", self.role, self.device_id, self.url, refused)
                self._set_state(ClientState.FAILED)
                return
            if self.state is ClientState.CLOSED:
                return
            self._set_state(ClientState.BACKOFF)
            await asyncio.sleep(backoff.next())

    async def _read(self, ws: ClientConnection) -> AuthRefused | None:
        """Read until the connection closes; returns a refusal if the server refused us."""
        last_error: p.Error | None = None
        try:
            async for raw in ws:
                try:
                    msg = p.parse_server_message(raw)
                except p.ProtocolError as exc:
                    logger.warning("ignoring server message: %s", exc)
                    continue
                msg = self._fold(msg)
                if isinstance(msg, p.Welcome):
                    self.welcome = msg
                    self.connects += 1
                    self._set_state(ClientState.READY)
                elif isinstance(msg, p.Error) and self.state is not ClientState.READY:
                    last_error = msg
                if isinstance(msg, (p.Ack, p.BookingResult, p.Error)) and msg.ref in self._pending:
                    fut = self._pending.pop(msg.ref)
                    if not fut.done():
                        if isinstance(msg, p.Error):
                            fut.set_exception(RequestRefused(msg.code, msg.message))
                        else:
                            fut.set_result(msg)
                    continue
                await self._deliver(msg)
        except ConnectionClosed:
            pass
        code = ws.close_code
        if code in _FINAL_CLOSE:
            return AuthRefused(last_error, code)
        return None

    def _fold(self, msg: Any) -> Any:
        """Keep the queue and presence views; a change comes out as the whole view after it."""
        if isinstance(msg, p.QueueUpdate):
            self.queue = list(msg.waiting)
        elif isinstance(msg, p.QueueChange):
            self.queue = p.apply_queue_change(self.queue, msg)
            return p.QueueUpdate.model_construct(waiting=list(self.queue))
        elif isinstance(msg, p.Presence):
            self.presence = list(msg.online)
        elif isinstance(msg, p.PresenceChange):
            self.presence = p.apply_presence_change(self.presence, msg)
            return p.Presence.model_construct(online=list(self.presence))
        return msg

    async def _apply_signals(self) -> None:
        while True:
            msg = await self._signals.get()
            try:
                await self.on_signal(msg)
            except Exception:
                logger.exception("signal %s for session %s failed", msg.payload.get("kind"), msg.session_id)

    async def _deliver(self, msg: Any) -> None:
        if self.on_signal is not None and isinstance(msg, p.Relayed):
            self._signals.put_nowait(msg)
            return
        if self.on_message is None:
            return
        try:
            result = self.on_message(msg)
            if asyncio.iscoroutine(result):
                await result
        except Exception:
            logger.exception("on_message handler failed on %s", msg.type)
