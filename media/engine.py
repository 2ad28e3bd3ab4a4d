"""MediaEngine: many booth sessions keyed by session id, transport-agnostic.

The engine never touches the signaling transport. It is given
``send_signal(session_id, payload)`` and is fed with :meth:`MediaEngine.handle_signal`.
Payloads: ``{"kind": "offer"|"answer", "sdp": str}`` and ``{"kind": "bye"}``.

* Booth engine: :meth:`start_call` creates the session and sends the offer (the booth is the
  offerer, see :mod:`media.session`). If the heartbeat says the console is gone, the booth
  re-offers on a new peer connection (``auto_recover``).
* Console engine: an offer creates (or replaces) the session and is answered. The console
  sets the focus (:meth:`set_focus`), which sends each booth its quality request and gives
  the CSO's camera and microphone to the focused booth only. Only the focused booth sends
  its microphone, and its document camera (960x540@10, for positioning: documents are judged
  on lossless stills) only while a document request to it is outstanding or the CSO opened
  the view (:meth:`show_document`); grid booths send a 320-pixel-wide face at 10 fps (see
  :mod:`media.quality`). So the console decodes one audio stream, one full face, five small
  faces and, while a document is being shown, one small document view.
* Stills: one transfer at a time across sessions; a transfer that makes no progress for
  ``MediaConfig.still_timeout`` is reported (``StillRejected`` reason "timeout") and
  re-requested, up to ``still_max_attempts`` attempts.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from typing import Callable

from aiortc.contrib.media import MediaRelay

from media import control as ctl
from media.quality import CSO_CAMERA, QualityPolicy
from media.session import (
    LocalMedia,
    MediaConfig,
    MediaSession,
    Role,
    SendSignal,
    SessionState,
    StateChanged,
    StillReceived,
    StillRejected,
)
from media.stats import SessionStats
from media.tracks import AdaptiveVideoTrack, GatedTrack, InlineOpusTrack

logger = logging.getLogger(__name__)

EventCallback = Callable[[str, object], None]


class MediaEngine:
    """All media sessions of one booth or console.

    Args:
        role: "booth" or "console".
        send_signal: coroutine ``(session_id, payload)`` delivering a payload to the peer.
        media: booth: ``LocalMedia`` with face, document, audio and ``capture_still``;
            console: ``LocalMedia`` with the CSO camera and microphone (either may be None).
        config: limits and knobs (ICE servers, heartbeat, still transfer).
        on_event: called with ``(session_id, event)`` for every session event
            (``StateChanged``, ``StillReceived``, ``StillRejected``, ``StillProgressed``,
            ``ControlReceived``); must not block.
        policy: console: per-tile quality policy.
        cso_quality: console: quality of the CSO camera sent to the focused booth (default
            :data:`media.quality.CSO_CAMERA`).
        auto_recover: booth: re-offer on a new peer connection when the call is lost.
        recover_delay: booth: seconds to wait after a loss before re-offering.
    """

    def __init__(
        self,
        role: Role | str,
        send_signal: SendSignal,
        media: LocalMedia | None = None,
        config: MediaConfig | None = None,
        on_event: EventCallback | None = None,
        policy: QualityPolicy | None = None,
        cso_quality: ctl.TrackQuality | None = None,
        auto_recover: bool = True,
        recover_delay: float = 0.5,
    ) -> None:
        self.role = Role(role)
        self._send_signal = send_signal
        self.media = media or LocalMedia()
        self.config = config or MediaConfig()
        self._on_event = on_event
        self.policy = policy or QualityPolicy()
        self.cso_quality = cso_quality or CSO_CAMERA
        self.auto_recover = auto_recover
        self.recover_delay = recover_delay
        self.sessions: dict[str, MediaSession] = {}
        self.focus: str | None = None
        self._relay = MediaRelay()
        self._cso_tracks: dict[str, tuple[AdaptiveVideoTrack | None, GatedTrack | None]] = {}
        self._recovering: set[str] = set()
        self._ended: deque[str] = deque(maxlen=256)
        self._still_queue: deque[tuple[str, str, str]] = deque()
        self._still_active: tuple[str, str] | None = None
        self._doc_views: set[str] = set()
        self._closed = False

    # -- events ---------------------------------------------------------------------------

    def _listener(self, session: MediaSession, event: object) -> None:
        if (
            isinstance(event, StateChanged)
            and event.state is SessionState.LOST
            and self.role is Role.BOOTH
            and self.auto_recover
            and self.sessions.get(session.session_id) is session
        ):
            asyncio.ensure_future(self._recover(session))
        if isinstance(event, StateChanged) and event.state is SessionState.CONNECTED:
            if self.role is Role.CONSOLE:
                session.send(self._request_for(session.session_id))
        if isinstance(event, (StillReceived, StillRejected)) and self._still_active == (
            session.session_id, event.request_id
        ) and not getattr(event, "will_retry", False):
            self._still_active = None
            self._pump_stills()
            self._refresh_documents()
        if self._on_event is not None:
            self._on_event(session.session_id, event)

    async def _recover(self, session: MediaSession) -> None:
        sid = session.session_id
        if sid in self._recovering:
            return
        self._recovering.add(sid)
        try:
            delay = 0.2
            await asyncio.sleep(self.recover_delay)  # let a bye that crossed the loss arrive
            while not self._closed and self.sessions.get(sid) is session and session.state is SessionState.LOST:
                logger.info("session %s: re-offering on a new peer connection", sid)
                try:
                    await session.offer()
                    return
                except Exception as exc:
                    logger.warning("session %s: re-offer failed: %s", sid, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        finally:
            self._recovering.discard(sid)

    # -- sessions -------------------------------------------------------------------------

    def _console_media(self, session_id: str) -> LocalMedia:
        focused = session_id == self.focus
        face = audio = None
        if self.media.face is not None:
            face = AdaptiveVideoTrack(
                self._relay.subscribe(self.media.face, buffered=False),
                self.cso_quality if focused else None,
            )
        encoded = None
        if self.media.audio is not None:
            audio = GatedTrack(self._relay.subscribe(self.media.audio, buffered=False), focused)
            encoded = InlineOpusTrack(audio)  # Opus on the loop: no executor hand-off per 20 ms
        self._cso_tracks[session_id] = (face, audio)
        return LocalMedia(face=face, audio=encoded)

    def _new_session(self, session_id: str) -> MediaSession:
        media = self.media if self.role is Role.BOOTH else self._console_media(session_id)
        session = MediaSession(session_id, self.role, self._send_signal, media, self.config, self._listener)
        self.sessions[session_id] = session
        return session

    async def start_call(self, session_id: str) -> MediaSession:
        """Booth: open the session's media and send the offer.

        Args:
            session_id: the signaling session id.
        """
        if self.role is not Role.BOOTH:
            raise RuntimeError("the booth starts calls; the console answers")
        session = self.sessions.get(session_id) or self._new_session(session_id)
        await session.offer()
        return session

    async def handle_signal(self, session_id: str, payload: dict) -> None:
        """Apply a payload relayed from the peer.

        Args:
            session_id: the session it belongs to.
            payload: ``{"kind": "offer"|"answer", "sdp": ...}`` or ``{"kind": "bye"}``.
        """
        kind = payload.get("kind")
        if kind == "offer" and self.role is Role.CONSOLE:
            if session_id in self._ended:  # a late re-offer for a call we ended
                await self._send_signal(session_id, {"kind": "bye"})
                return
            session = self.sessions.get(session_id) or self._new_session(session_id)
            await session.accept_offer(payload["sdp"])
        elif kind == "answer" and self.role is Role.BOOTH:
            session = self.sessions.get(session_id)
            if session is None:
                logger.warning("answer for unknown session %s ignored", session_id)
                return
            await session.accept_answer(payload["sdp"])
        elif kind == "bye":
            await self._close_session(session_id)
        else:
            logger.warning("session %s: unexpected signal %r for %s", session_id, kind, self.role.value)

    async def end_call(self, session_id: str) -> None:
        """Close one session and tell the peer; the other sessions are untouched.

        Args:
            session_id: the session to end.
        """
        if session_id in self.sessions:
            self._ended.append(session_id)
            try:  # bye first, so the peer hears it before its transport drops
                await self._send_signal(session_id, {"kind": "bye"})
            except Exception as exc:  # the peer may already be gone
                logger.info("session %s: bye not delivered: %s", session_id, exc)
            await self._close_session(session_id)

    async def _close_session(self, session_id: str) -> None:
        session = self.sessions.pop(session_id, None)
        tracks = self._cso_tracks.pop(session_id, (None, None))
        if session is not None:
            await session.close()
        for t in tracks:
            if t is not None:
                t.stop()
                getattr(t, "source", t).stop()
        if self.focus == session_id:
            self.focus = None
        self._doc_views.discard(session_id)
        if self._still_active is not None and self._still_active[0] == session_id:
            self._still_active = None
            self._pump_stills()
            self._refresh_documents()

    # -- console controls -----------------------------------------------------------------

    def set_focus(self, session_id: str | None) -> None:
        """Console: focus one booth's tile; every booth gets the quality its tile needs.

        Args:
            session_id: the focused session, or None.
        """
        if self.role is not Role.CONSOLE:
            raise RuntimeError("focus is a console concept")
        self.focus = session_id
        for sid in self.sessions:
            self.sessions[sid].send(self._request_for(sid))
            face, audio = self._cso_tracks.get(sid, (None, None))
            if face is not None:
                face.set_quality(self.cso_quality if sid == session_id else None)
            if audio is not None:
                audio.set_open(sid == session_id)

    def document_wanted(self, session_id: str) -> bool:
        """Console: whether the booth's live document view is wanted: a document request to it
        is queued or in transfer, or the CSO opened the view (:meth:`show_document`).

        Args:
            session_id: the session.
        """
        return (
            session_id in self._doc_views
            or (self._still_active is not None and self._still_active[0] == session_id)
            or any(q[0] == session_id for q in self._still_queue)
        )

    def show_document(self, session_id: str, on: bool = True) -> None:
        """Console: open (or close) the live document view of a booth regardless of document
        requests (it is sent while the booth is focused).

        Args:
            session_id: the session.
            on: open or close.
        """
        if on:
            self._doc_views.add(session_id)
        else:
            self._doc_views.discard(session_id)
        self._refresh_documents()

    def _request_for(self, session_id: str) -> ctl.QualityRequest:
        return self.policy.request_for(session_id == self.focus, self.document_wanted(session_id))

    def _refresh_documents(self) -> None:
        """Re-send the quality request of every session whose request changed."""
        if self.role is not Role.CONSOLE:
            return
        for sid, session in self.sessions.items():
            request = self._request_for(sid)
            if session.requested is not None and session.requested != request:
                session.send(request)

    def request_still(self, session_id: str, document: str = "document") -> str:
        """Console: ask a booth for a lossless still; returns the request id at once.

        Transfers run one at a time across sessions, in request order.

        Args:
            session_id: the booth's session.
            document: what is being shown.
        """
        if session_id not in self.sessions:
            raise KeyError(session_id)
        request_id = uuid.uuid4().hex[:12]
        self._still_queue.append((session_id, document, request_id))
        self._pump_stills()
        self._refresh_documents()
        return request_id

    def _pump_stills(self) -> None:
        # One still transfer at a time across all sessions: six parallel 2 MB bursts overflow
        # the console's UDP buffers and drop RTP packets (see MediaConfig.still_rate_bps).
        while self._still_active is None and self._still_queue:
            sid, document, rid = self._still_queue.popleft()
            if sid in self.sessions:
                self.sessions[sid].request_still(document, rid)
                self._still_active = (sid, rid)

    def send_control(self, session_id: str, message: ctl.ControlMessage) -> None:
        """Send a control message (prompt, checklist, ...) on a session's data channel.

        Args:
            session_id: the session.
            message: a :mod:`media.control` model.
        """
        self.sessions[session_id].send(message)

    async def stats(self) -> dict[str, SessionStats]:
        """Connection quality of every session, keyed by session id."""
        ids = list(self.sessions)
        results = await asyncio.gather(*(self.sessions[s].stats() for s in ids))
        return dict(zip(ids, results))

    async def close(self) -> None:
        """Close every session (no bye is sent; the signaling layer ends the sessions)."""
        self._closed = True
        await asyncio.gather(*(self._close_session(s) for s in list(self.sessions)))
