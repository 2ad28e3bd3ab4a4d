"""One call: the media of one signaling session over a replaceable aiortc peer connection.

:class:`Call` is what both ends share: the peer connection (replaced, never restarted: aiortc
has no ICE restart), the ``control`` data channel with its outbox and heartbeat, the sinks that
drain the remote tracks, and the stats. :class:`media.booth_call.BoothCall` (the booth offers,
sends its cameras and stills) and :class:`media.cso_call.CsoCall` (the console answers, asks for
quality and stills) build on it.

Negotiation (no trickle ICE; aiortc puts every candidate in the SDP): the booth's offer has,
in this order, a ``sendrecv`` video transceiver (face camera out, CSO camera in), a ``sendonly``
video transceiver (document camera), a ``sendrecv`` audio transceiver and the ``control`` data
channel, which the booth creates. The console answers and names the booth's tracks by
transceiver order: video 0 = face, video 1 = document, audio 0 = microphone.
"""
from __future__ import annotations

import asyncio
import collections
import enum
import itertools
import logging
import time
from typing import Awaitable, Callable

from aiortc import RTCPeerConnection
from aiortc.mediastreams import MediaStreamTrack

from media import control as ctl
from media.config import MediaConfig
from media.errors import ControlRefused
from media.events import CallState, CallStateChanged, MediaEvent
from media.internals import bytes_received, route_retransmissions
from media.jitter import use_recovering_receiver
from media.stats import SessionStats, StatsSampler
from media.tracks import FrameSink

logger = logging.getLogger(__name__)

SendSignal = Callable[[str, dict], Awaitable[None]]
"""Delivers a negotiation payload (``{"kind": "offer"|"answer"|"bye", ...}``) to the other end."""
Emit = Callable[[MediaEvent], None]


class Role(str, enum.Enum):
    """Which end of the call this is (the same words as the wire protocol's roles)."""

    BOOTH = "booth"
    CSO = "cso"


class Call:
    """The shared part of a booth's and a console's call.

    Args:
        session_id: the signaling session id.
        send_signal: coroutine sending an offer/answer/bye payload for this session.
        config: engine limits.
        emit: called with every event; must not block.
    """

    role: Role = Role.BOOTH
    peer: Role = Role.CSO

    def __init__(self, session_id: str, send_signal: SendSignal, config: MediaConfig, emit: Emit) -> None:
        self.session_id = session_id
        self._send_signal = send_signal
        self.config = config
        self._emit_event = emit
        self.state = CallState.NEW
        self.pc: RTCPeerConnection | None = None
        self._channel = None
        self._outbox: list[str] = []
        self._tasks: set[asyncio.Task] = set()
        self._heartbeat: asyncio.Task | None = None
        self._last_heard = 0.0
        self._rx_bytes = 0
        self.broken = False
        """The peer connection cannot come back by itself (transport failed, data channel closed,
        never connected): only a new one helps. A call merely silent may come back."""
        self._ping_seq = itertools.count()
        self._pings: collections.OrderedDict[int, float] = collections.OrderedDict()
        self.rtt_ms: float | None = None
        self._sampler = StatsSampler()
        self.refused_messages = 0
        """Data-channel messages dropped as malformed or from the wrong end."""
        self._last_refusal_log = 0.0
        self.sinks: dict[str, FrameSink] = {
            "face": FrameSink("face"),
            "document": FrameSink("document"),
            "audio": FrameSink("audio"),
        }
        """Remote media, drained continuously; the sinks outlive peer-connection replacement."""
        self.connected_at: float | None = None
        self.offered_at: float | None = None
        self.peer_connections = 0
        """Peer connections this call has had (1 on a clean call; more after recoveries)."""

    # -- events -----------------------------------------------------------------------------

    def _emit(self, event: MediaEvent) -> None:
        try:
            self._emit_event(event)
        except Exception:
            logger.exception("session %s: listener failed on %r", self.session_id, event)

    def _set_state(self, state: CallState, reason: str = "") -> None:
        if state is self.state:
            return
        logger.info("session %s (%s): %s -> %s %s", self.session_id, self.role.value,
                    self.state.value, state.value, reason)
        self.state = state
        self._emit(CallStateChanged(self.session_id, state, reason))

    def _spawn(self, coro: Awaitable) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("session %s: task failed", self.session_id, exc_info=task.exception())

    # -- peer connection --------------------------------------------------------------------

    async def _new_pc(self) -> RTCPeerConnection:
        await self._drop_pc()
        pc = RTCPeerConnection(self.config.rtc_configuration())
        self.pc = pc
        self.peer_connections += 1
        self.broken = False
        self._rx_bytes = 0
        self._set_state(CallState.CONNECTING, "negotiating")
        if self.config.connect_timeout:
            self._spawn(self._watch_connect(pc))

        @pc.on("connectionstatechange")
        async def _on_state() -> None:
            if pc is self.pc and pc.connectionState in ("failed", "closed"):
                self._lost_for_good(f"transport {pc.connectionState}")

        @pc.on("track")
        def _on_track(track: MediaStreamTrack) -> None:
            if track.kind == "video" and self.config.recovering_receiver:
                for t in pc.getTransceivers():
                    if t.receiver.track is track:
                        use_recovering_receiver(t.receiver, skip_ms=self.config.lost_packet_skip_ms)
                        route_retransmissions(t.receiver)
            name = self._track_name(pc, track)
            if name is not None:
                self.sinks[name].attach(track)
            self._on_track_added(pc)

        @pc.on("datachannel")
        def _on_channel(channel) -> None:
            self._use_channel(channel)

        return pc

    async def _watch_connect(self, pc: RTCPeerConnection) -> None:
        await asyncio.sleep(self.config.connect_timeout)
        if pc is self.pc and self.state is CallState.CONNECTING:
            self._lost_for_good(f"not connected after {self.config.connect_timeout:.0f} s")

    def _lost_for_good(self, reason: str) -> None:
        """The peer connection is beyond repair: LOST, and only a new one helps."""
        self.broken = True
        if self.state is not CallState.CLOSED:
            self._set_state(CallState.LOST, reason)

    def silent_for(self, now: float | None = None) -> float:
        """Seconds since anything (a control message, RTP, RTCP, SCTP) came from the peer."""
        return (now if now is not None else time.monotonic()) - self._last_heard

    def _on_track_added(self, pc: RTCPeerConnection) -> None:
        """Hook: a remote track was attached to its sink."""

    def _track_name(self, pc: RTCPeerConnection, track: MediaStreamTrack) -> str | None:
        videos = [t for t in pc.getTransceivers() if t.kind == "video"]
        for i, t in enumerate(videos):
            if t.receiver.track is track:
                return ("face", "document")[i] if i < 2 else None
        return "audio" if track.kind == "audio" else None

    def _drop_local_tracks(self) -> None:
        """Hook: stop what this end sent on the peer connection being dropped."""

    def _on_pc_dropped(self) -> None:
        """Hook: the peer connection is gone (transfers in flight on it are lost)."""

    async def _drop_pc(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None
        for sink in self.sinks.values():
            sink.detach()
        self._drop_local_tracks()
        self._channel = None
        self._outbox.clear()
        self._on_pc_dropped()
        pc, self.pc = self.pc, None
        if pc is not None:
            await pc.close()

    # -- data channel -----------------------------------------------------------------------

    def _use_channel(self, channel) -> None:
        self._channel = channel

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
            if channel is self._channel and self.state is not CallState.CLOSED:
                self._lost_for_good("data channel closed")

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
        self._set_state(CallState.CONNECTED, "data channel open")
        self._on_connected()

    def _on_connected(self) -> None:
        """Hook: the data channel of a (new) peer connection opened."""

    @property
    def channel_open(self) -> bool:
        """Whether control messages go out now (not queued)."""
        ch = self._channel
        return ch is not None and ch.readyState == "open"

    def send(self, message: ctl.ControlMessage) -> None:
        """Send a control message (queued until the data channel opens; the queue is dropped
        with its peer connection).

        Args:
            message: a :mod:`media.control` model this end may send.
        """
        text = ctl.dump_control(message)
        if self.channel_open:
            self._channel.send(text)
        else:
            self._outbox.append(text)

    async def _run_heartbeat(self, channel) -> None:
        """Ping, and judge the peer alive by *anything* it sends: on a lossy link the data channel
        can sit for seconds behind an SCTP retransmission (aiortc's minimum RTO is 1 s, doubling)
        while video flows fine, and after a short cut RTP is back long before SCTP. A call that
        went quiet is LOST, and CONNECTED again as soon as traffic resumes on the same peer
        connection (no renegotiation for an outage of a few seconds)."""
        interval, timeout = self.config.heartbeat_interval, self.config.heartbeat_timeout
        while channel is self._channel:
            # The console pings, the booth answers. The booth's own pings are needed only when
            # it hears nothing from the console (the console's pings and video are its proof of
            # life).
            now = time.monotonic()
            if channel.readyState == "open" and (self.role is Role.CSO or now - self._last_heard > interval * 1.5):
                seq = next(self._ping_seq)
                self._pings[seq] = now
                while len(self._pings) > 16:
                    self._pings.popitem(last=False)
                channel.send(ctl.dump_control(ctl.Ping(seq=seq, sent_at=now)))
            await asyncio.sleep(interval)
            if channel is not self._channel:
                return
            now = time.monotonic()
            self._note_traffic(now)
            silent = now - self._last_heard
            if self.state in (CallState.CONNECTED, CallState.STALLED) and silent > timeout:
                self._set_state(CallState.LOST, f"nothing heard for {timeout:.1f} s")
            elif self.state is CallState.LOST and not self.broken and silent < timeout / 2:
                self._set_state(CallState.CONNECTED, "traffic resumed")
                self._on_resumed()
            if self.state in (CallState.CONNECTED, CallState.STALLED):
                self._check_stall(now)

    def _note_traffic(self, now: float) -> None:
        pc = self.pc
        if pc is None:
            return
        rx = bytes_received(pc)
        if rx != self._rx_bytes:
            self._rx_bytes = rx
            self._last_heard = max(self._last_heard, now)

    def _on_resumed(self) -> None:
        """Hook: a silent call is heard again on the same peer connection."""

    def _check_stall(self, now: float) -> None:
        """Hook: called every heartbeat interval while the call is connected or stalled."""

    def _on_message(self, data: bytes | str) -> None:
        self._last_heard = time.monotonic()
        if isinstance(data, bytes):
            self._on_bytes(data)
            return
        try:
            msg = ctl.parse_control(data, self.peer.value)
        except ControlRefused as exc:
            self._refused(str(exc))
            return
        if isinstance(msg, ctl.Ping):
            self.send(ctl.Pong(seq=msg.seq, sent_at=msg.sent_at))
        elif isinstance(msg, ctl.Pong):
            sent = self._pings.pop(msg.seq, None)  # our own record, not the peer's echo
            if sent is not None:
                self.rtt_ms = (time.monotonic() - sent) * 1000
        else:
            self._on_control(msg)

    def _refused(self, why: str) -> None:
        self.refused_messages += 1
        now = time.monotonic()
        if now - self._last_refusal_log >= 10.0:  # a hostile peer must not flood the log
            self._last_refusal_log = now
            logger.warning("session %s: %s (%d refused so far)", self.session_id, why, self.refused_messages)

    def _on_bytes(self, data: bytes) -> None:
        """Hook: a binary message (a still chunk) arrived."""
        self._refused("unexpected binary message")

    def _on_control(self, msg: ctl.ControlMessage) -> None:
        """Hook: a control message other than ping/pong arrived (direction already checked)."""

    # -- stats / teardown -------------------------------------------------------------------

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
        """Tear this call down; other calls are not touched."""
        for task in list(self._tasks):
            task.cancel()
        await self._drop_pc()
        self._set_state(CallState.CLOSED, "closed")
