"""One booth call: one aiortc peer connection, its tracks and its control data channel.

Negotiation (no trickle ICE; aiortc puts every candidate in the SDP):

* The **booth offers** (it owns the tracks). Its offer has, in this order, a ``sendrecv``
  video transceiver (face camera out, CSO camera in), a ``sendonly`` video transceiver
  (document camera), a ``sendrecv`` audio transceiver (microphones both ways) and the
  ``control`` data channel, which the booth creates.
* The **console answers**, putting the CSO camera and microphone on the first video and
  audio transceivers. It identifies the booth's tracks by transceiver order: video 0 = face,
  video 1 = document, audio 0 = microphone.
* aiortc has no ICE restart: recovering a call means a new peer connection and a fresh
  offer/answer for the same session id (:meth:`MediaSession.offer` again on the booth; the
  console replaces its peer connection when a new offer arrives).

Control messages, heartbeat and still transfer run over the data channel (see
:mod:`media.control` and :mod:`media.stills`).

Quality (booth): the console's :class:`media.control.QualityRequest` sets the face and
document tracks and whether the microphone is sent at all. The CSO hears only the focused
booth, so the other booths pause their microphone at the source (a drained
:class:`media.tracks.GatedTrack`: no RTP, nothing for the console to decode). A booth starts
with its microphone paused until the console's first request.

Stills (console): each attempt of a document request is watched; an attempt with no progress
(no manifest or chunk) for ``MediaConfig.still_timeout`` seconds counts as failed with reason
``"timeout"`` (a :class:`StillRejected`), and is requested again up to
``still_max_attempts`` times in all, then given up.
"""
from __future__ import annotations

import asyncio
import enum
import itertools
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from pydantic import ValidationError

from media import control as ctl
from media.config import MediaConfig  # noqa: F401  (re-exported until the media split)
from media.estimate import estimate_bandwidth, needs_estimate
from media.jitter import use_marker_jitter_buffer
from media.stats import SessionStats, StatsSampler
from media.stills import StillReceiver, StillVerdict, split_still
from media.tracks import (
    CSO_CAMERA_ENCODER,
    AdaptiveVideoTrack,
    FrameSink,
    GatedTrack,
    cap_sender_bitrate,
    keep_cap_if_vp8,
)

logger = logging.getLogger(__name__)

SendSignal = Callable[[str, dict], Awaitable[None]]


class Role(str, enum.Enum):
    """Which end of the call this is."""

    BOOTH = "booth"
    CONSOLE = "console"


class SessionState(str, enum.Enum):
    """Life of a media session."""

    NEW = "new"
    CONNECTING = "connecting"  # offer/answer in flight or ICE/DTLS not done
    CONNECTED = "connected"  # data channel open
    LOST = "lost"  # heartbeat timed out or transport failed; a new offer may follow
    CLOSED = "closed"


@dataclass
class LocalMedia:
    """What one end sends.

    Args:
        face: the face camera (booth) or CSO camera (console).
        audio: the microphone.
        document: the document camera (booth only).
        capture_still: coroutine giving a lossless still (booth only); returns an object with
            ``data``, ``width``, ``height``, ``mime``.
    """

    face: MediaStreamTrack | None = None
    audio: MediaStreamTrack | None = None
    document: MediaStreamTrack | None = None
    capture_still: Callable[[], Awaitable[object]] | None = None


# Events handed to the listener -------------------------------------------------------------


@dataclass(frozen=True)
class StateChanged:
    """The session's state changed.

    Args:
        state: the new state.
        reason: why (for the log / tile).
    """

    state: SessionState
    reason: str = ""


@dataclass(frozen=True)
class ControlReceived:
    """A control message other than heartbeat/still plumbing arrived.

    Args:
        message: the parsed message.
    """

    message: object


@dataclass(frozen=True)
class StillProgressed:
    """Bytes of a still arrived.

    Args:
        request_id: the document request.
        received_bytes: bytes so far.
        size: declared size.
    """

    request_id: str
    received_bytes: int
    size: int


@dataclass(frozen=True)
class StillReceived:
    """A still arrived verified, byte-identical to what was captured.

    Args:
        request_id: the document request.
        data: the still's bytes.
        width: pixels.
        height: pixels.
        mime: media type.
        attempt: which request attempt delivered it.
        seconds: request sent -> verified, for this attempt.
    """

    request_id: str
    data: bytes
    width: int
    height: int
    mime: str
    attempt: int
    seconds: float


@dataclass(frozen=True)
class StillRejected:
    """A still arrived damaged; it was not delivered.

    Args:
        request_id: the document request.
        reason: the :class:`media.stills.StillFault` value, "timeout" (no progress for
            ``MediaConfig.still_timeout``) or "capture_failed".
        detail: a sentence.
        will_retry: whether the console asked for it again.
    """

    request_id: str
    reason: str
    detail: str
    will_retry: bool


Listener = Callable[["MediaSession", object], None]


@dataclass
class _PendingStill:
    document: str
    attempt: int
    sent_at: float
    last_progress: float = 0.0


class MediaSession:
    """One booth session's media: a peer connection that can be replaced, tracks, data channel.

    Args:
        session_id: the signaling session id.
        role: booth or console.
        send_signal: coroutine sending an offer/answer/bye payload for this session.
        media: what this end sends.
        config: engine configuration.
        listener: called with (session, event) for every event; must not block.
    """

    def __init__(
        self,
        session_id: str,
        role: Role,
        send_signal: SendSignal,
        media: LocalMedia,
        config: MediaConfig,
        listener: Listener | None = None,
    ) -> None:
        self.session_id = session_id
        self.role = role
        self._send_signal = send_signal
        self.media = media
        self.config = config
        self._listener = listener
        self.state = SessionState.NEW
        self.pc: RTCPeerConnection | None = None
        self._channel = None
        self._outbox: list[str] = []
        self._tasks: set[asyncio.Task] = set()
        self._heartbeat: asyncio.Task | None = None
        self._last_heard = 0.0
        self._ping_seq = itertools.count()
        self.rtt_ms: float | None = None
        self._sampler = StatsSampler()
        # remote media, drained continuously; survive peer-connection replacement
        self.sinks: dict[str, FrameSink] = {
            "face": FrameSink("face"),
            "document": FrameSink("document"),
            "audio": FrameSink("audio"),
        }
        # outgoing adapters, rebuilt per peer connection, quality kept across
        self.face_quality = config.initial_face if role is Role.BOOTH else None
        self.document_quality = config.initial_document
        self._face_out: AdaptiveVideoTrack | None = None
        self._doc_out: AdaptiveVideoTrack | None = None
        self.audio_on = config.initial_audio
        self._audio_out: GatedTrack | None = None
        self.quality_applied_at: float | None = None
        self.requested: ctl.QualityRequest | None = None
        """console: the last quality request sent (a paused face is not a stall)."""
        self.requested_at: float | None = None
        # stills
        self._still_ids = itertools.count(1)
        self._stills = StillReceiver(config.still_max_size)
        self._pending_stills: dict[str, _PendingStill] = {}
        self._still_watch: asyncio.Task | None = None
        self.connected_at: float | None = None
        self.offered_at: float | None = None

    # -- events ---------------------------------------------------------------------------

    def _emit(self, event: object) -> None:
        if self._listener is not None:
            try:
                self._listener(self, event)
            except Exception:
                logger.exception("session %s: listener failed on %r", self.session_id, event)

    def _set_state(self, state: SessionState, reason: str = "") -> None:
        if state is self.state:
            return
        logger.info("session %s (%s): %s -> %s %s", self.session_id, self.role.value,
                    self.state.value, state.value, reason)
        self.state = state
        self._emit(StateChanged(state, reason))

    def _spawn(self, coro: Awaitable) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("session %s: task failed", self.session_id, exc_info=task.exception())

    # -- peer connection ------------------------------------------------------------------

    async def _new_pc(self) -> RTCPeerConnection:
        await self._drop_pc()
        pc = RTCPeerConnection(self.config.rtc_configuration())
        self.pc = pc
        self._set_state(SessionState.CONNECTING, "negotiating")

        @pc.on("connectionstatechange")
        async def _on_state() -> None:
            if pc is not self.pc:
                return
            if pc.connectionState == "failed":
                self._set_state(SessionState.LOST, "transport failed")

        @pc.on("track")
        def _on_track(track: MediaStreamTrack) -> None:
            if track.kind == "video" and self.config.marker_jitter_buffer:
                for t in pc.getTransceivers():
                    if t.receiver.track is track:
                        use_marker_jitter_buffer(t.receiver)
            name = self._track_name(pc, track)
            if name is not None:
                self.sinks[name].attach(track)
            self._apply_estimates()

        @pc.on("datachannel")
        def _on_channel(channel) -> None:
            self._use_channel(channel)

        return pc

    def _track_name(self, pc: RTCPeerConnection, track: MediaStreamTrack) -> str | None:
        videos = [t for t in pc.getTransceivers() if t.kind == "video"]
        for i, t in enumerate(videos):
            if t.receiver.track is track:
                return ("face", "document")[i] if i < 2 else None
        return "audio" if track.kind == "audio" else None

    async def _drop_pc(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None
        for sink in self.sinks.values():
            sink.detach()
        for out in (self._face_out, self._doc_out, self._audio_out):
            if out is not None:
                out.stop()
        self._face_out = self._doc_out = self._audio_out = None
        self._channel = None
        self._outbox.clear()
        for v in self._stills.abandon_all("peer connection replaced"):
            logger.info("session %s: still %s abandoned", self.session_id, v.manifest.request_id)
        pc, self.pc = self.pc, None
        if pc is not None:
            await pc.close()

    async def offer(self) -> None:
        """Booth: build a new peer connection and send an offer (also to recover a call)."""
        if self.role is not Role.BOOTH:
            raise RuntimeError("only the booth offers")
        pc = await self._new_pc()
        m = self.media
        self._face_out = AdaptiveVideoTrack(m.face, self.face_quality) if m.face else None
        self._doc_out = AdaptiveVideoTrack(m.document, self.document_quality) if m.document else None
        for out, direction in ((self._face_out, "sendrecv"), (self._doc_out, "sendonly")):
            t = pc.addTransceiver(out or "video", direction=direction)
            if out is not None:
                cap_sender_bitrate(t.sender, out)
        self._audio_out = GatedTrack(m.audio, self.audio_on, drain=True, owns_source=False) if m.audio else None
        pc.addTransceiver(self._audio_out or "audio", direction="sendrecv")
        self._use_channel(pc.createDataChannel("control", ordered=True))
        await pc.setLocalDescription(await pc.createOffer())
        if pc is not self.pc:
            return
        self.offered_at = time.monotonic()
        await self._send_signal(self.session_id, {"kind": "offer", "sdp": pc.localDescription.sdp})

    async def accept_offer(self, sdp: str) -> None:
        """Console: answer a booth's offer with a new peer connection (replacing any old one).

        Args:
            sdp: the booth's offer.
        """
        if self.role is not Role.CONSOLE:
            raise RuntimeError("only the console answers")
        pc = await self._new_pc()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        m = self.media
        if m.face is not None:
            sender = pc.addTrack(m.face)
            if isinstance(m.face, AdaptiveVideoTrack):
                cap_sender_bitrate(sender, m.face, **CSO_CAMERA_ENCODER)
        if m.audio is not None:
            pc.addTrack(m.audio)
        await pc.setLocalDescription(await pc.createAnswer())
        for t in pc.getTransceivers():
            keep_cap_if_vp8(t)
        if pc is not self.pc:
            return
        await self._send_signal(self.session_id, {"kind": "answer", "sdp": pc.localDescription.sdp})

    async def accept_answer(self, sdp: str) -> None:
        """Booth: apply the console's answer.

        Args:
            sdp: the console's answer.
        """
        if self.pc is None or self.pc.signalingState != "have-local-offer":
            logger.warning("session %s: answer without an offer, ignored", self.session_id)
            return
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        for t in self.pc.getTransceivers():
            keep_cap_if_vp8(t)

    # -- data channel ---------------------------------------------------------------------

    def _use_channel(self, channel) -> None:
        self._channel = channel
        channel.bufferedAmountLowThreshold = self.config.still_low_water
        channel._lapak_low = asyncio.Event()

        @channel.on("bufferedamountlow")
        def _on_low() -> None:
            channel._lapak_low.set()

        @channel.on("open")
        def _on_open() -> None:
            if channel is self._channel:
                self._opened(channel)

        @channel.on("message")
        def _on_message(data) -> None:
            if channel is self._channel:
                self._on_message(data)

        @channel.on("close")
        def _on_close() -> None:
            if channel is self._channel and self.state is SessionState.CONNECTED:
                self._set_state(SessionState.LOST, "data channel closed")

        if channel.readyState == "open":
            self._opened(channel)

    def _opened(self, channel) -> None:
        self._last_heard = time.monotonic()
        self.connected_at = self._last_heard
        for text in self._outbox:
            channel.send(text)
        self._outbox.clear()
        if self._heartbeat is None:
            self._heartbeat = self._spawn(self._run_heartbeat(channel))
        self._set_state(SessionState.CONNECTED, "data channel open")

    def send(self, message: ctl.ControlMessage) -> None:
        """Send a control message (queued until the data channel opens).

        Args:
            message: any :mod:`media.control` model.
        """
        if isinstance(message, ctl.QualityRequest):
            self.requested = message
            self.requested_at = time.monotonic()
            self._apply_estimates()
        text = ctl.dump_control(message)
        ch = self._channel
        if ch is not None and ch.readyState == "open":
            ch.send(text)
        else:
            self._outbox.append(text)

    def _apply_estimates(self) -> None:
        """Console: bandwidth estimation on the face/document receivers only while the
        requested quality is one the estimate steers (see :mod:`media.estimate`)."""
        if self.role is not Role.CONSOLE or self.pc is None or self.requested is None:
            return
        videos = [t for t in self.pc.getTransceivers() if t.kind == "video"]
        for transceiver, quality in zip(videos, (self.requested.face, self.requested.document)):
            estimate_bandwidth(transceiver.receiver, needs_estimate(quality))

    async def _run_heartbeat(self, channel) -> None:
        interval, timeout = self.config.heartbeat_interval, self.config.heartbeat_timeout
        while channel is self._channel:
            # The console pings, the booth answers. The booth's own pings are needed only
            # when the console's stop arriving (its pings are the booth's proof of life): half
            # the heartbeat messages of both sides pinging, same detection time.
            quiet = time.monotonic() - self._last_heard > interval * 1.5
            if channel.readyState == "open" and (self.role is Role.CONSOLE or quiet):
                channel.send(ctl.dump_control(ctl.Ping(seq=next(self._ping_seq), sent_at=time.monotonic())))
            await asyncio.sleep(interval)
            now = time.monotonic()
            if now - self._last_heard > timeout and self.state is SessionState.CONNECTED:
                self._set_state(SessionState.LOST, f"no heartbeat for {timeout:.1f} s")
                return
            stall = self.config.video_stall_timeout
            face = self.sinks["face"]
            if (
                stall
                and self.role is Role.CONSOLE
                and self.state is SessionState.CONNECTED
                and not (self.requested is not None and self.requested.face is None)
                and now - max(face.latest_at or 0.0, self.connected_at or now, self.requested_at or 0.0) > stall
            ):
                logger.warning("session %s: face video stalled for %.1f s, renegotiating", self.session_id, stall)
                self.send(ctl.Renegotiate(reason=f"face video stalled {stall:.1f} s"))
                self.connected_at = now  # one request per stall period

    def _on_message(self, data: bytes | str) -> None:
        self._last_heard = time.monotonic()
        if isinstance(data, bytes):
            progress = self._stills.chunk(data)
            if progress is not None:
                pending = self._pending_stills.get(progress.request_id)
                if pending is not None:
                    pending.last_progress = self._last_heard
                self._emit(StillProgressed(progress.request_id, progress.received_bytes, progress.size))
            return
        try:
            msg = ctl.parse_control(data)
        except ValidationError as exc:
            logger.warning("session %s: bad control message: %s", self.session_id, exc)
            return
        if isinstance(msg, ctl.Ping):
            self.send(ctl.Pong(seq=msg.seq, sent_at=msg.sent_at))
        elif isinstance(msg, ctl.Pong):
            self.rtt_ms = (time.monotonic() - msg.sent_at) * 1000
        elif isinstance(msg, ctl.QualityRequest) and self.role is Role.BOOTH:
            self.apply_quality(msg)
        elif isinstance(msg, ctl.DocumentRequest) and self.role is Role.BOOTH:
            self._spawn(self._send_still(msg))
        elif isinstance(msg, ctl.StillBegin):
            pending = self._pending_stills.get(msg.request_id)
            if pending is not None:
                pending.last_progress = self._last_heard
            superseded = self._stills.begin(msg)
            if superseded is not None:
                self._judge(superseded)
        elif isinstance(msg, ctl.StillEnd):
            verdict = self._stills.end(msg.still_id)
            if verdict is not None:
                self._judge(verdict)
        elif isinstance(msg, ctl.Renegotiate) and self.role is Role.BOOTH:
            logger.info("session %s: console asks to renegotiate: %s", self.session_id, msg.reason)
            self._set_state(SessionState.LOST, f"renegotiate: {msg.reason}")
        elif isinstance(msg, ctl.StillError):
            self._still_failed(msg.request_id, "capture_failed", msg.reason)
        else:
            self._emit(ControlReceived(msg))

    # -- quality (booth) ------------------------------------------------------------------

    def apply_quality(self, request: ctl.QualityRequest) -> None:
        """Booth: adapt the outgoing face and document tracks.

        Args:
            request: the console's request.
        """
        self.face_quality, self.document_quality = request.face, request.document
        if self._face_out is not None:
            self._face_out.set_quality(request.face)
        if self._doc_out is not None:
            self._doc_out.set_quality(request.document)
        self.audio_on = request.audio
        if self._audio_out is not None:
            self._audio_out.set_open(request.audio)
        self.quality_applied_at = time.monotonic()
        self._emit(ControlReceived(request))

    # -- stills ---------------------------------------------------------------------------

    async def _send_still(self, request: ctl.DocumentRequest) -> None:
        channel = self._channel
        if self.media.capture_still is None:
            self.send(ctl.StillError(request_id=request.request_id, reason="no document camera"))
            return
        try:
            still = await self.media.capture_still()
        except Exception as exc:  # camera down etc.: tell the console, do not crash
            logger.warning("session %s: still capture failed: %s", self.session_id, exc)
            self.send(ctl.StillError(request_id=request.request_id, reason=str(exc)))
            return
        still_id = next(self._still_ids) & 0xFFFFFFFF
        manifest, frames = split_still(
            still_id, request.request_id, still.data, width=still.width, height=still.height,
            chunk_size=self.config.still_chunk_size, mime=still.mime,
        )
        if channel is None or channel is not self._channel or channel.readyState != "open":
            return
        channel.send(ctl.dump_control(manifest))
        flt = self.config.still_chunk_filter
        rate = self.config.still_rate_bps
        started, sent_bits = time.monotonic(), 0
        for index, frame in enumerate(frames):
            if rate:
                ahead = started + sent_bits / rate - time.monotonic()
                if ahead > 0.002:
                    await asyncio.sleep(ahead)
                    if channel is not self._channel or channel.readyState != "open":
                        return
                sent_bits += len(frame) * 8
            while channel.bufferedAmount > self.config.still_high_water:
                channel._lapak_low.clear()
                await channel._lapak_low.wait()
                if channel is not self._channel or channel.readyState != "open":
                    return
            if flt is not None:
                frame = flt(still_id, index, frame)
                if frame is None:
                    continue
            channel.send(frame)
        channel.send(ctl.dump_control(ctl.StillEnd(still_id=still_id)))
        logger.info("session %s: still %s sent (%d bytes)", self.session_id, request.request_id, manifest.size)

    def request_still(self, document: str = "document", request_id: str | None = None) -> str:
        """Console: ask the booth for a lossless still; returns the request id.

        Args:
            document: what the participant shows ("id_card", "claim_form", ...).
            request_id: use this id instead of a new one.
        """
        request_id = request_id or uuid.uuid4().hex[:12]
        self._pending_stills[request_id] = _PendingStill(document, 1, time.monotonic())
        self.send(ctl.DocumentRequest(request_id=request_id, document=document))
        if self._still_watch is None and self.config.still_timeout > 0:
            self._still_watch = self._spawn(self._watch_stills())
        return request_id

    async def _watch_stills(self) -> None:
        timeout = self.config.still_timeout
        try:
            while self._pending_stills:
                await asyncio.sleep(min(0.25, timeout / 4))
                now = time.monotonic()
                for rid, pending in list(self._pending_stills.items()):
                    if now - max(pending.sent_at, pending.last_progress) > timeout:
                        for _ in self._stills.abandon_request(rid, "timed out"):
                            logger.info("session %s: still %s transfer abandoned", self.session_id, rid)
                        logger.warning("session %s: still %s attempt %d: no progress for %.1f s",
                                       self.session_id, rid, pending.attempt, timeout)
                        self._still_failed(rid, "timeout", f"no progress for {timeout:.1f} s")
        finally:
            self._still_watch = None

    def _judge(self, verdict: StillVerdict) -> None:
        m = verdict.manifest
        self.send(ctl.StillResult(still_id=m.still_id, request_id=m.request_id, ok=verdict.ok,
                                  reason=verdict.fault.value if verdict.fault else None))
        pending = self._pending_stills.get(m.request_id)
        if verdict.ok:
            if pending is None:
                logger.info("session %s: unrequested still %s dropped", self.session_id, m.request_id)
                return
            del self._pending_stills[m.request_id]
            self._emit(StillReceived(m.request_id, verdict.data, m.width, m.height, m.mime,
                                     pending.attempt, time.monotonic() - pending.sent_at))
        else:
            logger.warning("session %s: still %s rejected: %s (%s)", self.session_id,
                           m.request_id, verdict.fault.value, verdict.detail)
            self._still_failed(m.request_id, verdict.fault.value, verdict.detail)

    def _still_failed(self, request_id: str, reason: str, detail: str) -> None:
        pending = self._pending_stills.get(request_id)
        retry = pending is not None and pending.attempt < self.config.still_max_attempts
        self._emit(StillRejected(request_id, reason, detail, retry))
        if pending is None:
            return
        if retry:
            pending.attempt += 1
            pending.sent_at = time.monotonic()
            pending.last_progress = 0.0
            self.send(ctl.DocumentRequest(request_id=request_id, document=pending.document,
                                          attempt=pending.attempt))
        else:
            del self._pending_stills[request_id]

    # -- stats / teardown -----------------------------------------------------------------

    async def stats(self) -> SessionStats:
        """Connection quality for the tile: frame rates, bitrate, loss, round-trip time."""
        now = time.monotonic()
        if self.pc is not None:
            try:
                report = await self.pc.getStats()
                self._sampler.update(now, report.values())
            except Exception as exc:  # closing under our feet
                logger.debug("getStats failed: %s", exc)
        video = {k: s for k, s in self.sinks.items() if k != "audio"}
        return SessionStats(
            session_id=self.session_id,
            state=self.state.value,
            fps={k: round(s.counter.rate(now), 1) for k, s in video.items()},
            frame_size={k: s.counter.last_size for k, s in video.items()},
            bitrate_kbps=round(self._sampler.bitrate_kbps, 1),
            packet_loss=round(self._sampler.packet_loss, 4),
            rtt_ms=None if self.rtt_ms is None else round(self.rtt_ms, 1),
            frames={k: s.counter.total for k, s in self.sinks.items()},
        )

    async def close(self) -> None:
        """Tear this session down; other sessions are not touched."""
        for task in list(self._tasks):
            task.cancel()
        await self._drop_pc()
        self._set_state(SessionState.CLOSED, "closed")
