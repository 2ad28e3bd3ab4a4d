"""Shared helpers of the signaling integration tests (real server, real clients, real SQLite).

This module holds no tests; it is named ``test_signaling_*`` so it lives beside the files that
import it. Every wait here is bounded.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any, Callable

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from signaling import protocol as p
from signaling.client import SignalingClient

WAIT = 5.0  # seconds any single expected event may take on a loaded 2-core machine


class Inbox:
    """Collects the unsolicited messages a SignalingClient delivers, and waits for some."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self._changed = asyncio.Event()

    def __call__(self, msg: Any) -> None:
        self.messages.append(msg)
        self._changed.set()

    def mark(self) -> int:
        """Position to wait from (messages after this point)."""
        return len(self.messages)

    async def wait(self, pred: Callable[[Any], bool], timeout: float = WAIT, start: int = 0) -> Any:
        """The first message from ``start`` on that satisfies ``pred``."""
        async def scan() -> Any:
            while True:
                for m in self.messages[start:]:
                    if pred(m):
                        return m
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(scan(), timeout)

    def of(self, kind: str, start: int = 0) -> list[Any]:
        return [m for m in self.messages[start:] if m.type == kind]

    def signals(self, start: int = 0) -> list[p.Relayed]:
        return self.of("signal", start)

    def last_queue(self) -> list[p.SessionInfo]:
        queues = self.of("queue")
        return queues[-1].waiting if queues else []


async def online(branch, role: str, device_id: str, stack: contextlib.AsyncExitStack, **kw) -> tuple[SignalingClient, Inbox]:
    """Start a SignalingClient, wait for its welcome and close it when the stack unwinds."""
    inbox = Inbox()
    client = branch.client(role, device_id, inbox, **kw)
    await client.start()
    stack.push_async_callback(client.close)
    await client.wait_ready(WAIT)
    return client, inbox


def offered_to(inbox: Inbox, cso_id: str) -> Callable[[Any], bool]:
    return lambda m: m.type == "session" and m.session.state is p.SessionState.OFFERED and m.session.cso_id == cso_id


async def serve_one(booth: SignalingClient, booth_inbox: Inbox, cso: SignalingClient, cso_inbox: Inbox) -> p.SessionInfo:
    """Announce a walk-in at ``booth``, have ``cso`` accept it; returns the active session."""
    ack = await booth.request(p.Announce(kind="walk_in"))
    sid = ack.session.id
    await cso_inbox.wait(lambda m: m.type == "session" and m.session.id == sid
                         and m.session.state is p.SessionState.OFFERED)
    ack = await cso.request(p.Accept(session_id=sid))
    assert ack.session.state is p.SessionState.ACTIVE
    await booth_inbox.wait(lambda m: m.type == "session" and m.session.id == sid
                           and m.session.state is p.SessionState.ACTIVE)
    return ack.session


async def relay_works(sender: SignalingClient, receiver: Inbox, session_id: str, tag: str) -> p.Relayed:
    """Send one signal and wait for the other end to receive it."""
    start = receiver.mark()
    await sender.send_signal(session_id, {"probe": tag})
    return await receiver.wait(lambda m: m.type == "signal" and m.payload.get("probe") == tag, start=start)


# ----------------------------------------------------------------------------- raw websockets


async def raw_connect(url: str, **kw) -> ClientConnection:
    """A plain websockets client (for input the SignalingClient would never send)."""
    return await asyncio.wait_for(connect(url, compression=None, proxy=None, open_timeout=WAIT, **kw), WAIT)


def hello(branch, role: str, device_id: str, **overrides) -> str:
    msg = {"type": "hello", "role": role, "device_id": device_id,
           "token": branch.tokens.get((role, device_id), "x" * 16), "version": p.PROTOCOL_VERSION}
    msg.update(overrides)
    return json.dumps(msg)


async def raw_recv(ws: ClientConnection, pred: Callable[[dict], bool] = lambda m: True, timeout: float = WAIT) -> dict:
    """The next JSON message satisfying ``pred`` (others are skipped)."""
    async def loop() -> dict:
        while True:
            m = json.loads(await ws.recv())
            if pred(m):
                return m

    return await asyncio.wait_for(loop(), timeout)


async def raw_online(branch, role: str, device_id: str) -> ClientConnection:
    ws = await raw_connect(branch.url)
    await ws.send(hello(branch, role, device_id))
    welcome = await raw_recv(ws)
    assert welcome["type"] == "welcome", welcome
    return ws


async def raw_closed(ws: ClientConnection, timeout: float = WAIT) -> list[dict]:
    """Read until the server closes the connection; returns what came before the close."""
    got: list[dict] = []

    async def loop() -> None:
        try:
            async for raw in ws:
                got.append(json.loads(raw))
        except ConnectionClosed:
            pass

    await asyncio.wait_for(loop(), timeout)
    await asyncio.wait_for(ws.wait_closed(), timeout)
    return got


async def served(branch, tag: str) -> None:
    """A fresh booth/CSO pair still gets served end to end (auth, announce, accept, relay, end)."""
    async with contextlib.AsyncExitStack() as stack:
        online_now = branch.server.branch.by_device  # a connected device keeps its place: use free ones
        booths = sorted(d for (r, d) in branch.tokens if r == "booth" and (r, d) not in online_now)
        csos = sorted(d for (r, d) in branch.tokens if r == "cso" and (r, d) not in online_now)
        assert booths and csos, "served() needs a booth and a CSO that are not online: configure more"
        booth_id, cso_id = booths[-1], csos[0]
        booth, bin_ = await online(branch, "booth", booth_id, stack)
        cso, cin = await online(branch, "cso", cso_id, stack)
        s = await serve_one(booth, bin_, cso, cin)
        await relay_works(booth, cin, s.id, tag)
        ack = await cso.request(p.End(session_id=s.id, outcome=p.Outcome.COMPLETED))
        assert ack.session.state is p.SessionState.ENDED


class Tracebacks(logging.Handler):
    """Collects every log record that carries a traceback or is an error (from any logger).

    Installed on the root logger for the length of a test: a connection handler that dies, an
    asyncio task whose exception nobody retrieved, a ``logger.exception`` — all land here.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.records.append(record)

    def describe(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()} ({r.exc_info[1]!r})" if r.exc_info else f"{r.name}: {r.getMessage()}"
                for r in self.records]


@contextlib.contextmanager
def watch_tracebacks():
    """Yield a :class:`Tracebacks` collecting from the root logger while the block runs."""
    handler = Tracebacks()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
