"""The media engines: the booth's (one call at a time) and the CSO console's (up to six).

Neither engine touches the signaling transport. Each is given
``send_signal(session_id, payload)`` and fed with :meth:`handle_signal`; payloads are
``{"kind": "offer"|"answer", "sdp": str}`` and ``{"kind": "bye"}``. Everything the apps need
comes out as typed events (:data:`media.events.MediaEvent`) through ``on_event``.

* :class:`BoothEngine`: :meth:`BoothEngine.start_call` opens the call and sends the offer (the
  booth offers, it owns the tracks). When the heartbeat says the console is gone, the booth
  re-offers on a new peer connection (aiortc has no ICE restart), with backoff.
* :class:`CsoEngine`: an offer opens (or renews) the call and is answered with fresh tracks of
  the officer's camera and microphone. The console sets the focus (:meth:`CsoEngine.set_focus`)
  and holds (:meth:`CsoEngine.set_held`), which send each booth the quality its tile needs (see
  :mod:`media.quality`): one full face, small faces, one microphone, and the document view only
  while a document is wanted. Documents: :meth:`CsoEngine.request_document` asks a booth (sent
  again until the booth confirms it, see :mod:`media.requests`); the still itself comes back
  through the branch server, and the app tells the engine :meth:`CsoEngine.document_arrived`.
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Callable

from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack

from common.backoff import Backoff
from common.documents import DocumentKind, RejectReason, Verdict
from media import control as ctl
from media.booth_call import BoothCall, BoothMedia
from media.call import Call, Role, SendSignal
from media.config import MediaConfig
from media.cso_call import CsoCall, CsoTracks
from media.errors import UnknownCall
from media.internals import tune_sctp
from media.events import (
    CallAdded,
    CallRemoved,
    CallState,
    CallStateChanged,
    DocumentFailed,
    DocumentPendingAtBooth,
    MediaEvent,
)
from media.playout import Loudspeaker
from media.quality import CSO_CAMERA, QualityPolicy, Tile
from media.requests import Action, DocumentRequests, Failed, Send
from media.stats import SessionStats
from media.tracks import AdaptiveVideoTrack, GatedTrack, InlineOpusTrack

logger = logging.getLogger(__name__)

EventListener = Callable[[MediaEvent], None]


class _Engine:
    """What both engines share: the calls by session id, signal handling, stats, teardown."""

    role: Role

    def __init__(self, send_signal: SendSignal, config: MediaConfig | None, on_event: EventListener | None) -> None:
        self._send_signal = send_signal
        self.config = config or MediaConfig()
        self._on_event = on_event
        self.calls: dict[str, Call] = {}
        self._closed = False
        tune_sctp()  # the data channel's retransmission timers fit a LAN (media/internals.py)

    def _emit(self, event: MediaEvent) -> None:
        self._observe(event)
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:
                logger.exception("media event listener failed on %r", event)

    def _observe(self, event: MediaEvent) -> None:
        """Hook: the engine's own reaction to an event of one of its calls."""

    def call(self, session_id: str) -> Call:
        """The open call of a session.

        Raises:
            UnknownCall: no call is open for it.
        """
        try:
            return self.calls[session_id]
        except KeyError:
            raise UnknownCall(f"no call is open for session {session_id!r}") from None

    async def handle_signal(self, session_id: str, payload: dict) -> None:
        """Apply a payload relayed from the peer.

        Args:
            session_id: the session it belongs to.
            payload: ``{"kind": "offer"|"answer", "sdp": ...}`` or ``{"kind": "bye"}``.
        """
        kind = payload.get("kind")
        if kind == "bye":
            await self._close_call(session_id, "the other end hung up")
        elif not await self._on_signal(session_id, kind, payload):
            logger.warning("session %s: unexpected signal %r for the %s", session_id, kind, self.role.value)

    async def _on_signal(self, session_id: str, kind, payload: dict) -> bool:
        return False

    async def end_call(self, session_id: str, *, bye: bool = True) -> None:
        """Close one call; the other calls are untouched.

        Args:
            session_id: the session whose call ends.
            bye: tell the peer first (not needed when the server ended the session: both ends
                hear that from the server, and a signal for an ended session is refused).
        """
        if session_id in self.calls:
            self._ended(session_id)
            if bye:
                try:  # bye first, so the peer hears it before its transport drops
                    await self._send_signal(session_id, {"kind": "bye"})
                except Exception as exc:  # the peer may already be gone
                    logger.info("session %s: bye not delivered: %s", session_id, exc)
            await self._close_call(session_id, "ended")

    def _ended(self, session_id: str) -> None:
        """Hook: remember a call this end ended."""

    async def _close_call(self, session_id: str, reason: str) -> None:
        call = self.calls.pop(session_id, None)
        if call is None:
            return
        await call.close()
        self._call_closed(session_id)
        self._emit(CallRemoved(session_id, reason))

    def _call_closed(self, session_id: str) -> None:
        """Hook: a call was closed and removed."""

    async def stats(self) -> dict[str, SessionStats]:
        """Connection quality of every call, keyed by session id."""
        ids = list(self.calls)
        results = await asyncio.gather(*(self.calls[s].stats() for s in ids))
        return dict(zip(ids, results))

    async def close(self) -> None:
        """Close every call (no bye is sent; the signaling layer ends the sessions)."""
        self._closed = True
        await asyncio.gather(*(self._close_call(s, "engine closed") for s in list(self.calls)))


# ============================================================================== booth


class BoothEngine(_Engine):
    """The booth's media: one call at a time, recovered by itself.

    Args:
        send_signal: coroutine ``(session_id, payload)`` delivering a payload to the console.
        media: the booth's face camera, document camera and microphone tracks.
        config: limits and knobs (ICE servers, heartbeat, still transfer).
        on_event: called with every event; must not block.
        auto_recover: re-offer on a new peer connection when the call is lost.
        recover_delay: seconds to wait after a loss before re-offering (a bye that crossed the
            loss arrives first).
        recover_backoff: delays between failed re-offers.
    """

    role = Role.BOOTH

    def __init__(self, send_signal: SendSignal, media: BoothMedia | None = None, config: MediaConfig | None = None,
                 on_event: EventListener | None = None, *, auto_recover: bool = True, recover_delay: float = 0.5,
                 recover_backoff: Backoff | None = None) -> None:
        super().__init__(send_signal, config, on_event)
        self.media = media or BoothMedia()
        self.auto_recover = auto_recover
        self.recover_delay = recover_delay
        self._recover_backoff = recover_backoff or Backoff(0.2, 5.0)
        self._recovering: set[str] = set()
        self._peer_back: dict[str, float] = {}
        self._status: ctl.BoothStatus | None = None

    def _observe(self, event: MediaEvent) -> None:
        if (
            isinstance(event, CallStateChanged)
            and event.state is CallState.LOST
            and self.auto_recover
            and not self._closed
        ):
            call = self.calls.get(event.session_id)
            if call is not None:
                asyncio.ensure_future(self._recover(call))

    async def _recover(self, call: BoothCall) -> None:
        """Re-offer a LOST call on a new peer connection: at once when its connection is broken
        (or the console has just come back, :meth:`peer_back`), else only after
        ``reconnect_after`` of silence; a call that hears the console again before that resumes
        by itself. Failed offers (console offline, server unreachable) are retried with backoff,
        or at once when the console comes back."""
        sid = call.session_id
        if sid in self._recovering:
            return
        self._recovering.add(sid)
        backoff = self._recover_backoff
        backoff.reset()
        try:
            await asyncio.sleep(self.recover_delay)
            wait_until = 0.0
            while not self._closed and self.calls.get(sid) is call and call.state is CallState.LOST:
                now = time.monotonic()
                back = now - self._peer_back.get(sid, -1e9) < self.PEER_BACK_FRESH
                if not back and (now < wait_until or (
                        not call.broken and call.silent_for(now) < self.config.reconnect_after)):
                    await asyncio.sleep(0.1)
                    continue
                self._peer_back.pop(sid, None)
                logger.info("session %s: re-offering on a new peer connection", sid)
                try:
                    await call.offer()
                    return
                except Exception as exc:
                    logger.warning("session %s: re-offer failed: %s", sid, exc)
                    call._lost_for_good(f"offer not delivered: {exc}")
                wait_until = time.monotonic() + backoff.next()
        finally:
            self._recovering.discard(sid)

    PEER_BACK_FRESH = 10.0
    """Seconds a "console is back" notice makes a lost call re-offer at once."""

    def peer_back(self, session_id: str) -> None:
        """The console of a session connected to the server again (it may have restarted, and
        then the old peer connection is dead): a call not connected now, or lost in the next
        seconds, is offered again at once instead of after ``reconnect_after``."""
        call = self.calls.get(session_id)
        if call is None:
            return
        self._peer_back[session_id] = time.monotonic()
        if call.state is CallState.CONNECTING:
            call._lost_for_good("the console came back")
        if call.state is CallState.LOST and self.auto_recover and not self._closed:
            asyncio.ensure_future(self._recover(call))

    @property
    def current(self) -> BoothCall | None:
        """The booth's call, if one is open."""
        return next(iter(self.calls.values()), None)  # type: ignore[return-value]

    async def start_call(self, session_id: str) -> BoothCall:
        """Open the session's call and send the offer (a booth has one call at a time).

        Args:
            session_id: the signaling session id.
        """
        for other in [s for s in self.calls if s != session_id]:
            await self._close_call(other, "a new session started")
        call = self.calls.get(session_id)
        if call is None:
            call = BoothCall(session_id, self._send_signal, self.media, self.config, self._emit)
            if self.media.speaker is not None:  # the officer's voice, from every peer connection of the call
                call.sinks["audio"].subscribe(self.media.speaker.push)
            if self._status is not None:
                call.report_devices(self._status)
            self.calls[session_id] = call
            self._emit(CallAdded(session_id))
        try:
            await call.offer()
        except Exception as exc:  # the console is offline, the server unreachable: keep trying
            logger.warning("session %s: offer not delivered: %s", session_id, exc)
            call._lost_for_good(f"offer not delivered: {exc}")
        return call  # type: ignore[return-value]

    async def _on_signal(self, session_id: str, kind, payload: dict) -> bool:
        if kind != "answer":
            return False
        call = self.calls.get(session_id)
        if call is None:
            logger.warning("answer for unknown session %s ignored", session_id)
        else:
            await call.accept_answer(payload["sdp"])
        return True

    def document_done(self, session_id: str, request_id: str) -> None:
        """The still of a request reached the branch server.

        Raises:
            UnknownCall: no call for that session.
        """
        self.call(session_id).document_done(request_id)  # type: ignore[attr-defined]

    def fail_still(self, session_id: str, request_id: str, reason: str) -> None:
        """Tell the console the still of a request cannot be taken.

        Raises:
            UnknownCall: no call for that session.
        """
        self.call(session_id).fail_still(request_id, reason)  # type: ignore[attr-defined]

    def report_devices(self, status: ctl.BoothStatus) -> None:
        """Tell the officer the booth's devices (now, and on every new call)."""
        self._status = status
        for call in self.calls.values():
            call.report_devices(status)  # type: ignore[attr-defined]

    def raise_hand(self, session_id: str) -> None:
        """The participant asks for the officer (the call button while on hold).

        Raises:
            UnknownCall: no call for that session.
        """
        self.call(session_id).raise_hand()  # type: ignore[attr-defined]


# ============================================================================== CSO console


@dataclass
class CsoMedia:
    """What the officer sends (camera and microphone) and hears through (the loudspeaker); any
    may be None.

    ``speaker`` plays the focused booth's audio, and only that booth's.
    """

    face: MediaStreamTrack | None = None
    audio: MediaStreamTrack | None = None
    speaker: Loudspeaker | None = None


class CsoEngine(_Engine):
    """The officer's media: up to six calls, focus and hold, per-tile quality, stills.

    Args:
        send_signal: coroutine ``(session_id, payload)`` delivering a payload to the booth.
        media: the officer's camera and microphone.
        config: limits and knobs.
        on_event: called with every event; must not block.
        policy: per-tile quality policy.
        cso_quality: quality of the officer's camera sent to the focused booth (default
            :data:`media.quality.CSO_CAMERA`).
        clock: monotonic clock, for the still bookkeeping.
    """

    role = Role.CSO

    def __init__(self, send_signal: SendSignal, media: CsoMedia | None = None, config: MediaConfig | None = None,
                 on_event: EventListener | None = None, *, policy: QualityPolicy | None = None,
                 cso_quality: ctl.TrackQuality | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(send_signal, config, on_event)
        self.media = media or CsoMedia()
        self.policy = policy or QualityPolicy()
        self.cso_quality = cso_quality or CSO_CAMERA
        self.focus: str | None = None
        self.held: set[str] = set()
        self._doc_views: set[str] = set()
        self._relay = MediaRelay()
        self._ended_ids: deque[str] = deque(maxlen=256)
        self._clock = clock
        self.documents = DocumentRequests(ack_timeout=self.config.document_ack_timeout)
        self._ticker: asyncio.Task | None = None
        self._heard: tuple[str, Callable[[], None]] | None = None
        """The session whose audio the officer's loudspeaker plays, and how to stop it."""

    # -- calls ------------------------------------------------------------------------------

    def _tracks_for(self, session_id: str) -> Callable[[], CsoTracks]:
        def make() -> CsoTracks:
            focused = session_id == self.focus
            face = audio = encoded = None
            relayed: list[MediaStreamTrack] = []
            if self.media.face is not None:
                source = self._relay.subscribe(self.media.face, buffered=False)
                relayed.append(source)
                face = AdaptiveVideoTrack(source, self.cso_quality if focused else None)
            if self.media.audio is not None:
                audio = GatedTrack(self._relay.subscribe(self.media.audio, buffered=False), focused)
                encoded = InlineOpusTrack(audio)  # Opus on the loop: no executor hand-off per 20 ms

            def stop() -> None:
                for t in (face, encoded, *relayed):
                    if t is not None:
                        t.stop()

            return CsoTracks(face, encoded, stop)

        return make

    async def _on_signal(self, session_id: str, kind, payload: dict) -> bool:
        if kind != "offer":
            return False
        if session_id in self._ended_ids:  # a late re-offer for a call we ended
            await self._send_signal(session_id, {"kind": "bye"})
            return True
        call = self.calls.get(session_id)
        if call is None:
            call = CsoCall(session_id, self._send_signal, self._tracks_for(session_id), self, self.config,
                           self._emit)
            self.calls[session_id] = call
            self._emit(CallAdded(session_id))
            self._route_speaker()
            if self._ticker is None:
                self._ticker = asyncio.ensure_future(self._tick_forever())
        await call.accept_offer(payload["sdp"])
        return True

    def _ended(self, session_id: str) -> None:
        self._ended_ids.append(session_id)

    def _call_closed(self, session_id: str) -> None:
        if self.focus == session_id:
            self.focus = None
        self._route_speaker()
        self.held.discard(session_id)
        self._doc_views.discard(session_id)
        self.documents.drop_session(session_id)

    def _observe(self, event: MediaEvent) -> None:
        if isinstance(event, CallStateChanged) and event.state in (CallState.LOST, CallState.CLOSED,
                                                                   CallState.CONNECTING):
            self.documents.disconnected(event.session_id)

    def call_up(self, call: CsoCall) -> None:
        """A call's data channel opened: send its tile's quality and its outstanding requests."""
        call.send(self._request_for(call.session_id))
        self._run(self.documents.connected(call.session_id, self._clock()))

    # -- focus, hold, document view -----------------------------------------------------------

    def _tile(self, session_id: str) -> Tile:
        if session_id == self.focus:
            return Tile.FOCUSED
        return Tile.HELD if session_id in self.held else Tile.GRID

    def _request_for(self, session_id: str) -> ctl.QualityRequest:
        return self.policy.request_for(self._tile(session_id), self.document_wanted(session_id))

    def _route_speaker(self) -> None:
        """Play the focused booth's audio on the officer's loudspeaker, and no other booth's (a
        booth that just lost the focus may send for a moment longer)."""
        speaker = self.media.speaker
        if speaker is None:
            return
        call = self.calls.get(self.focus) if self.focus is not None else None
        if self._heard is not None:
            if call is not None and self._heard[0] == call.session_id:
                return
            self._heard[1]()
            self._heard = None
        if call is not None:
            self._heard = (call.session_id, call.sinks["audio"].subscribe(speaker.push))

    def _refresh(self) -> None:
        """Send every call whose quality request changed its new one; gate the officer's media."""
        self._route_speaker()
        for sid, call in self.calls.items():
            request = self._request_for(sid)
            if call.requested != request:
                call.send(request)
            tracks = call.tracks
            if tracks is not None:
                focused = sid == self.focus
                if isinstance(tracks.face, AdaptiveVideoTrack):
                    tracks.face.set_quality(self.cso_quality if focused else None)
                gate = getattr(tracks.audio, "source", None)
                if isinstance(gate, GatedTrack):
                    gate.set_open(focused)

    def set_focus(self, session_id: str | None) -> None:
        """Focus one booth's tile: it gets the officer's camera and microphone and full quality.

        Args:
            session_id: the focused session, or None.
        """
        self.focus = session_id
        if session_id is not None:
            self.held.discard(session_id)
        self._refresh()

    def set_held(self, session_id: str, held: bool) -> None:
        """Put a booth on hold (or take it off): it sends a small face, no sound, no document.

        Args:
            session_id: the session.
            held: on hold or not.
        """
        if held:
            self.held.add(session_id)
            if self.focus == session_id:
                self.focus = None
        else:
            self.held.discard(session_id)
        self._refresh()

    def document_wanted(self, session_id: str) -> bool:
        """Whether the booth's live document view is wanted: a document request to it is
        outstanding, or the officer opened the view (:meth:`show_document`)."""
        return session_id in self._doc_views or self.documents.wanted(session_id)

    def show_document(self, session_id: str, on: bool = True) -> None:
        """Open (or close) the live document view of a booth regardless of document requests (it
        is sent while the booth is focused)."""
        if on:
            self._doc_views.add(session_id)
        else:
            self._doc_views.discard(session_id)
        self._refresh()

    # -- documents --------------------------------------------------------------------------

    def request_document(self, session_id: str, document: DocumentKind | str = DocumentKind.OTHER, *,
                         request_id: str | None = None, capture: ctl.CaptureMode = ctl.CaptureMode.AUTO) -> str:
        """Ask a booth for a document; returns the request id at once. The request is sent
        again until the booth confirms it (also after its call came back); the still comes back
        through the branch server.

        Args:
            session_id: the booth's session.
            document: which document.
            request_id: use this id (the desk chooses its ids) instead of a new one.
            capture: auto-capture by the booth's scanner, or at once.

        Raises:
            UnknownCall: no call for that session.
        """
        self.call(session_id)
        request_id = request_id or uuid.uuid4().hex[:12]
        self._run(self.documents.request(session_id, request_id, DocumentKind(document), capture, self._clock()))
        self._refresh()
        return request_id

    def document_arrived(self, request_id: str) -> None:
        """The still of a request reached the server: the booth's document view is no longer
        wanted for it."""
        if self.documents.finished(request_id) is not None:
            self._refresh()

    def cancel_document(self, request_id: str) -> None:
        """The officer no longer wants a requested document."""
        r = self.documents.finished(request_id)
        if r is not None:
            call = self.calls.get(r.session_id)
            if call is not None:
                call.send(ctl.DocumentCancel(request_id=request_id))
            self._refresh()

    def send_control(self, session_id: str, message: ctl.ControlMessage) -> None:
        """Send a control message (prompt, checklist, verdict) on a session's data channel.

        Raises:
            UnknownCall: no call for that session.
        """
        self.call(session_id).send(message)

    def send_verdict(self, session_id: str, request_id: str, document: DocumentKind, verdict: Verdict,
                     reason: RejectReason | None = None) -> None:
        """Tell the booth the officer's decision on a document."""
        self.send_control(session_id, ctl.DocumentVerdict(request_id=request_id, document=document,
                                                          verdict=verdict, reason=reason))

    def _run(self, actions: list[Action]) -> None:
        for a in actions:
            r = a.request
            if isinstance(a, Send):
                call = self.calls.get(r.session_id)
                if call is not None:
                    call.send(ctl.DocumentRequest(request_id=r.request_id, document=r.document, capture=r.capture))
            elif isinstance(a, Failed):
                self._emit(DocumentFailed(r.session_id, r.request_id, r.document, a.reason,
                                          "the booth did not confirm the request"))
                self._refresh()

    async def _tick_forever(self) -> None:
        while not self._closed:
            await asyncio.sleep(self.config.document_tick)
            self._run(self.documents.tick(self._clock()))

    # CallHost: what the calls report

    def document_pending(self, call: CsoCall, request_id: str) -> None:
        r = self.documents.get(request_id)
        if r is not None and r.session_id == call.session_id:
            self.documents.pending(request_id, self._clock())
            self._emit(DocumentPendingAtBooth(call.session_id, request_id))

    def document_error(self, call: CsoCall, request_id: str, reason: str) -> None:
        r = self.documents.get(request_id)
        if r is not None and r.session_id == call.session_id:
            self.documents.finished(request_id)
            self._emit(DocumentFailed(call.session_id, request_id, r.document, "capture_failed", reason))
            self._refresh()

    async def close(self) -> None:
        """Close every call and stop the request timer."""
        if self._ticker is not None:
            self._ticker.cancel()
        await super().close()
