"""The CSO console's end of a call with one booth: it answers the booth's offers, sends the
officer's camera and microphone (fresh tracks on every peer connection), asks for the quality
the booth's tile needs, gets the face video going again when it stops (keyframe requests,
then renegotiation), and hands the booth's answers to
document requests to the engine (the stills themselves come through the branch server).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable, Protocol

from aiortc import RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from media import control as ctl
from media.call import Call, Role
from media.estimate import estimate_bandwidth, needs_estimate
from media.internals import packets_received, send_keyframe_request, stream_counts
from media.loss import LossAdapter
from media.events import BoothDevicesReported, CallState, HandRaised
from media.tracks import CSO_CAMERA_ENCODER, AdaptiveVideoTrack, cap_sender_bitrate, keep_cap_if_vp8

logger = logging.getLogger(__name__)


@dataclass
class CsoTracks:
    """What the officer sends one booth on one peer connection (fresh for every connection:
    aiortc stops a sender's track when its peer connection closes).

    Args:
        face: the officer's camera, adapted to the booth (paused unless focused).
        audio: the officer's microphone (gated open only for the focused booth).
        stop: stops these tracks and their relay subscriptions.
    """

    face: MediaStreamTrack | None
    audio: MediaStreamTrack | None
    stop: Callable[[], None]


class CallHost(Protocol):
    """What the CSO's engine does with what a call reports."""

    def document_pending(self, call: "CsoCall", request_id: str) -> None: ...

    def document_error(self, call: "CsoCall", request_id: str, reason: str) -> None: ...

    def call_up(self, call: "CsoCall") -> None: ...


class CsoCall(Call):
    """The console's call with one booth.

    Args:
        session_id: the signaling session id.
        send_signal: coroutine sending answer/bye payloads.
        make_tracks: builds the officer's tracks for one new peer connection.
        host: the engine, which keeps the document requests.
        config: engine limits.
        emit: event listener.
    """

    role = Role.CSO
    peer = Role.BOOTH

    def __init__(self, session_id, send_signal, make_tracks: Callable[[], CsoTracks], host: CallHost,
                 config, emit) -> None:
        super().__init__(session_id, send_signal, config, emit)
        self._make_tracks = make_tracks
        self._host = host
        self.tracks: CsoTracks | None = None
        self.requested: ctl.QualityRequest | None = None
        """The last quality request sent (a paused face is not a stall)."""
        self.requested_at: float | None = None
        self.keyframe_requests = 0
        """Keyframes asked for because the face video stopped decoding."""
        self._face_packets = 0
        self._face_packets_at = 0.0
        self._last_pli = 0.0
        self._renegotiated_at = 0.0
        self._camera_ok = True
        self.loss = LossAdapter()
        """The face bitrate cap from the loss seen on it (see :mod:`media.loss`)."""
        self._asked: ctl.QualityRequest | None = None
        self._loss_checked = 0.0

    # -- negotiation ------------------------------------------------------------------------

    async def accept_offer(self, sdp: str) -> None:
        """Answer a booth's offer with a new peer connection (replacing any old one), with fresh
        tracks of the officer's camera and microphone.

        Args:
            sdp: the booth's offer.
        """
        pc = await self._new_pc()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        tracks = self.tracks = self._make_tracks()
        if tracks.face is not None:
            sender = pc.addTrack(tracks.face)
            if isinstance(tracks.face, AdaptiveVideoTrack):
                cap_sender_bitrate(sender, tracks.face, **CSO_CAMERA_ENCODER)
        if tracks.audio is not None:
            pc.addTrack(tracks.audio)
        await pc.setLocalDescription(await pc.createAnswer())
        for t in pc.getTransceivers():
            keep_cap_if_vp8(t)
        if pc is not self.pc:
            return
        await self._send_signal(self.session_id, {"kind": "answer", "sdp": pc.localDescription.sdp})

    def _drop_local_tracks(self) -> None:
        if self.tracks is not None:
            self.tracks.stop()
            self.tracks = None

    def _on_connected(self) -> None:
        self._host.call_up(self)

    # -- quality ----------------------------------------------------------------------------

    def send(self, message: ctl.ControlMessage) -> None:
        """Send a control message to the booth (see :meth:`media.call.Call.send`); a quality
        request goes out with the face bitrate capped by the loss seen (:mod:`media.loss`)."""
        if isinstance(message, ctl.QualityRequest):
            self._asked = message
            if message.face is not None:
                self.loss.set_nominal(message.face.max_kbps or LossAdapter.nominal_kbps)
            message = self._capped(message)
            self.requested = message
            self.requested_at = time.monotonic()
            self._apply_estimates()
        super().send(message)

    def _capped(self, message: ctl.QualityRequest) -> ctl.QualityRequest:
        face = message.face
        if face is None or self.loss.cap_kbps >= (face.max_kbps or LossAdapter.nominal_kbps):
            return message
        return message.model_copy(update={"face": face.model_copy(update={"max_kbps": self.loss.cap_kbps})})

    def _adapt_to_loss(self, now: float, receiver) -> None:
        if now - self._loss_checked < self.config.loss_period or self._asked is None or self._asked.face is None:
            return
        self._loss_checked = now
        counts = stream_counts(receiver)
        if counts is not None and self.loss.update(*counts) is not None:
            logger.info("session %s: %.0f %% of face packets lost, face bitrate cap %d kbit/s", self.session_id,
                        (self.loss.loss or 0) * 100, self.loss.cap_kbps)
            self.requested = self._capped(self._asked)
            super().send(self.requested)

    def _on_track_added(self, pc) -> None:
        self._apply_estimates()

    def _apply_estimates(self) -> None:
        """Bandwidth estimation on the face/document receivers only while the requested quality
        is one the estimate steers (see :mod:`media.estimate`)."""
        if self.pc is None or self.requested is None:
            return
        videos = [t for t in self.pc.getTransceivers() if t.kind == "video"]
        for transceiver, quality in zip(videos, (self.requested.face, self.requested.document)):
            estimate_bandwidth(transceiver.receiver, needs_estimate(quality))

    def _face_receiver(self):
        videos = [t for t in self.pc.getTransceivers() if t.kind == "video"] if self.pc is not None else []
        return videos[0].receiver if videos else None

    def _check_stall(self, now: float) -> None:
        """The face video delivers no frames while it should. Packets still arriving mean lost
        packets left it undecodable: ask for a keyframe (every ``keyframe_after``). No packets at
        all for ``video_stall_timeout`` while the booth says its camera works: the booth's sender
        is stuck, so ask it to renegotiate (once per period)."""
        face = self.sinks["face"]
        receiver = self._face_receiver()
        if receiver is None or (self.requested is not None and self.requested.face is None):
            return
        self._adapt_to_loss(now, receiver)
        since = max(self.connected_at or now, self.requested_at or 0.0)
        packets = packets_received(receiver)
        if packets != self._face_packets:
            self._face_packets, self._face_packets_at = packets, now
        last_frame = max(face.latest_at or 0.0, since)
        if now - last_frame < self.config.keyframe_after:
            if self.state is CallState.STALLED:
                self._set_state(CallState.CONNECTED, "face video resumed")
            return
        if now - self._last_pli >= self.config.keyframe_after and send_keyframe_request(receiver):
            self._last_pli = now
            self.keyframe_requests += 1
        stall = self.config.video_stall_timeout
        if (stall and self._camera_ok
                and now - max(self._face_packets_at, since, self._renegotiated_at) > stall):
            logger.warning("session %s: no face video packets for %.1f s, renegotiating", self.session_id, stall)
            self._set_state(CallState.STALLED, f"no face video for {stall:.1f} s")
            super().send(ctl.Renegotiate(reason=f"no face video for {stall:.1f} s"))
            self._renegotiated_at = now

    # -- control and stills -----------------------------------------------------------------

    def _on_control(self, msg: ctl.ControlMessage) -> None:
        if isinstance(msg, ctl.DocumentPending):
            self._host.document_pending(self, msg.request_id)
        elif isinstance(msg, ctl.StillError):
            self._host.document_error(self, msg.request_id, msg.reason)
        elif isinstance(msg, ctl.RaiseHand):
            self._emit(HandRaised(self.session_id))
        elif isinstance(msg, ctl.BoothStatus):
            self._camera_ok = all(d.ok for d in msg.devices if d.role == "camera")
            self._emit(BoothDevicesReported(self.session_id, msg))
