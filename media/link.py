"""Glue between a MediaEngine and the branch signaling client (the engine itself stays
transport-agnostic; only this module knows :mod:`signaling`).

* :class:`BoothLink`: announces a walk-in, starts the call (sends the offer) when the session
  becomes active, relays offer/answer/bye, closes the media when the session ends.
* :class:`ConsoleLink`: accepts sessions offered to this CSO (optionally automatically),
  answers offers, closes media when a session ends.

Signals are applied in arrival order by one worker task, so the websocket reader never waits
for ICE or DTLS work.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable

from media.engine import MediaEngine
from media.session import LocalMedia, MediaConfig
from signaling import protocol as p
from signaling.client import SignalingClient

logger = logging.getLogger(__name__)


class _Link:
    def __init__(self, client: SignalingClient, engine: MediaEngine) -> None:
        self.client = client
        self.engine = engine
        self._inbox: asyncio.Queue = asyncio.Queue()
        self._worker: asyncio.Task | None = None
        self.sessions: dict[str, p.SessionInfo] = {}

    async def start(self, timeout: float = 10.0) -> None:
        """Connect and authenticate.

        Args:
            timeout: seconds to wait for the server's welcome.
        """
        self._worker = asyncio.ensure_future(self._work())
        await self.client.start()
        await self.client.wait_ready(timeout)

    async def close(self) -> None:
        """Close the media sessions, then the signaling connection."""
        await self.engine.close()
        if self._worker is not None:
            self._worker.cancel()
        await self.client.close()

    async def _on_message(self, msg: Any) -> None:
        await self._inbox.put(msg)

    async def _work(self) -> None:
        while True:
            msg = await self._inbox.get()
            try:
                await self._handle(msg)
            except Exception:
                logger.exception("handling %s failed", getattr(msg, "type", msg))

    async def _handle(self, msg: Any) -> None:
        if isinstance(msg, p.Welcome):
            for s in msg.sessions:
                await self._session(s)
        elif isinstance(msg, p.SessionUpdate):
            await self._session(msg.session)
        elif isinstance(msg, p.Relayed):
            await self.engine.handle_signal(msg.session_id, msg.payload)

    async def _session(self, s: p.SessionInfo) -> None:
        self.sessions[s.id] = s
        if s.state is p.SessionState.ENDED and s.id in self.engine.sessions:
            await self.engine.handle_signal(s.id, {"kind": "bye"})


class BoothLink(_Link):
    """A booth on the branch: signaling client + booth media engine.

    Args:
        url: signaling server URL.
        device_id: this booth's id.
        token: its token.
        media: the booth's cameras, microphone and still capture.
        config: media configuration.
    """

    def __init__(self, url: str, device_id: str, token: str, media: LocalMedia,
                 config: MediaConfig | None = None) -> None:
        client = SignalingClient(url, "booth", device_id, token, on_message=self._on_message)
        super().__init__(client, MediaEngine("booth", client.send_signal, media, config))

    async def announce(self, language: str = "id") -> str:
        """Queue a walk-in participant; returns the session id.

        Args:
            language: the participant's language.
        """
        ack = await self.client.request(p.Announce(kind="walk_in", language=language))
        return ack.session.id

    async def _session(self, s: p.SessionInfo) -> None:
        await super()._session(s)
        if s.state is p.SessionState.ACTIVE and s.id not in self.engine.sessions:
            await self.engine.start_call(s.id)


class ConsoleLink(_Link):
    """A CSO console on the branch: signaling client + console media engine.

    Args:
        url: signaling server URL.
        device_id: this CSO's id.
        token: its token.
        engine_factory: builds the console engine from a ``send_signal`` coroutine.
        auto_accept: accept every session offered to this CSO at once.
        on_session: called with every session update (e.g. for a desk model).
    """

    def __init__(self, url: str, device_id: str, token: str,
                 engine_factory: Callable[[Any], MediaEngine], auto_accept: bool = True,
                 on_session: Callable[[p.SessionInfo], None] | None = None) -> None:
        client = SignalingClient(url, "cso", device_id, token, on_message=self._on_message)
        super().__init__(client, engine_factory(client.send_signal))
        self.auto_accept = auto_accept
        self.on_session = on_session
        self.accepted_at: dict[str, float] = {}
        """monotonic time each session was accepted (for call-setup figures)."""

    async def accept(self, session_id: str) -> None:
        """Accept a session offered to this CSO.

        Args:
            session_id: the offered session.
        """
        self.accepted_at[session_id] = time.monotonic()
        await self.client.request(p.Accept(session_id=session_id))

    async def _session(self, s: p.SessionInfo) -> None:
        await super()._session(s)
        if self.on_session is not None:
            self.on_session(s)
        if (
            self.auto_accept
            and s.state is p.SessionState.OFFERED
            and s.cso_id == self.client.device_id
            and s.id not in self.accepted_at
        ):
            asyncio.ensure_future(self._accept_quietly(s.id))

    async def _accept_quietly(self, session_id: str) -> None:
        try:
            await self.accept(session_id)
        except Exception as exc:
            logger.warning("accepting %s failed: %s", session_id, exc)
