"""The booth's end of a call: it offers, sends its cameras and microphone at the quality the
officer's tile asks for, and answers document requests with lossless stills.

Quality: the console's :class:`media.control.QualityRequest` sets the face and document tracks
and whether the microphone is sent at all. The CSO hears only the focused booth, so the other
booths pause their microphone at the source (a drained :class:`media.tracks.GatedTrack`: no RTP,
nothing for the console to decode). A booth starts with its microphone paused until the
console's first request. :class:`media.events.QualityApplied` tells the booth app whether the
officer hears it.

Documents (see :mod:`media.control` for the whole exchange): a request raises
:class:`media.events.DocumentRequested` and is confirmed to the console at once
(``document_pending``); the booth app uploads the captured still to the branch server
(``signaling.stills_client``) and tells the call :meth:`BoothCall.document_done`, or
:meth:`BoothCall.fail_still` when no still can be taken.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from aiortc import RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from common.documents import DocumentKind
from media import control as ctl
from media.call import Call, Role
from media.events import (
    CallState,
    ChecklistReceived,
    DocumentCancelled,
    DocumentRequested,
    PromptReceived,
    QualityApplied,
    VerdictReceived,
)
from media.playout import Loudspeaker
from media.tracks import AdaptiveVideoTrack, GatedTrack, cap_sender_bitrate, keep_cap_if_vp8

logger = logging.getLogger(__name__)


@dataclass
class BoothMedia:
    """What a booth sends.

    Args:
        face: the face camera track.
        document: the document camera track (the live view for positioning).
        audio: the microphone track.
        speaker: where the officer's voice goes; None: nowhere.
    """

    face: MediaStreamTrack | None = None
    document: MediaStreamTrack | None = None
    audio: MediaStreamTrack | None = None
    speaker: Loudspeaker | None = None


@dataclass
class _Request:
    document: DocumentKind
    attempt: int


class BoothCall(Call):
    """A booth's call with the console of its session's officer.

    Args:
        session_id: the signaling session id.
        send_signal: coroutine sending offer/bye payloads.
        media: the booth's cameras and microphone.
        config: engine limits.
        emit: event listener.
    """

    role = Role.BOOTH
    peer = Role.CSO

    def __init__(self, session_id, send_signal, media: BoothMedia, config, emit) -> None:
        super().__init__(session_id, send_signal, config, emit)
        self.media = media
        self.face_quality = config.initial_face
        self.document_quality = config.initial_document
        self.audio_on = config.initial_audio
        self._face_out: AdaptiveVideoTrack | None = None
        self._doc_out: AdaptiveVideoTrack | None = None
        self._audio_out: GatedTrack | None = None
        self.quality: ctl.QualityRequest | None = None
        """The console's last quality request (None before the first)."""
        self.quality_applied_at: float | None = None
        self._requests: dict[str, _Request] = {}
        self._status: ctl.BoothStatus | None = None

    # -- negotiation ------------------------------------------------------------------------

    async def offer(self) -> None:
        """Build a new peer connection and send an offer (also to recover a call)."""
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

    async def accept_answer(self, sdp: str) -> None:
        """Apply the console's answer.

        Args:
            sdp: the console's answer.
        """
        if self.pc is None or self.pc.signalingState != "have-local-offer":
            logger.warning("session %s: answer without an offer, ignored", self.session_id)
            return
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        for t in self.pc.getTransceivers():
            keep_cap_if_vp8(t)

    def _drop_local_tracks(self) -> None:
        for out in (self._face_out, self._doc_out, self._audio_out):
            if out is not None:
                out.stop()
        self._face_out = self._doc_out = self._audio_out = None

    def _on_connected(self) -> None:
        if self._status is not None:
            self.send(self._status)

    # -- control ----------------------------------------------------------------------------

    def _on_control(self, msg: ctl.ControlMessage) -> None:
        if isinstance(msg, ctl.QualityRequest):
            self.apply_quality(msg)
        elif isinstance(msg, ctl.DocumentRequest):
            self._on_request(msg)
        elif isinstance(msg, ctl.DocumentCancel):
            if self._requests.pop(msg.request_id, None) is not None:
                self._emit(DocumentCancelled(self.session_id, msg.request_id))
        elif isinstance(msg, ctl.DocumentVerdict):
            self._requests.pop(msg.request_id, None)
            self._emit(VerdictReceived(self.session_id, msg.request_id, msg.document, msg.verdict, msg.reason))
        elif isinstance(msg, ctl.Prompt):
            self._emit(PromptReceived(self.session_id, msg.text, msg.key))
        elif isinstance(msg, ctl.ChecklistUpdate):
            self._emit(ChecklistReceived(self.session_id, tuple(msg.items)))
        elif isinstance(msg, ctl.Renegotiate):
            logger.info("session %s: console asks to renegotiate: %s", self.session_id, msg.reason)
            self._lost_for_good(f"renegotiate: {msg.reason}")

    def _on_request(self, msg: ctl.DocumentRequest) -> None:
        self.send(ctl.DocumentPending(request_id=msg.request_id))
        if msg.request_id in self._requests:
            return  # sent again (unconfirmed, or a new peer connection): shown already
        self._requests[msg.request_id] = _Request(msg.document, msg.attempt)
        self._emit(DocumentRequested(self.session_id, msg.request_id, msg.document, msg.attempt, msg.capture))

    def apply_quality(self, request: ctl.QualityRequest) -> None:
        """Adapt the outgoing face and document tracks and the microphone.

        Args:
            request: the console's request.
        """
        self.quality = request
        self.face_quality, self.document_quality = request.face, request.document
        if self._face_out is not None:
            self._face_out.set_quality(request.face)
        if self._doc_out is not None:
            self._doc_out.set_quality(request.document)
        self.audio_on = request.audio
        if self._audio_out is not None:
            self._audio_out.set_open(request.audio)
        self.quality_applied_at = time.monotonic()
        self._emit(QualityApplied(self.session_id, request))

    # -- what the booth app tells the officer -------------------------------------------------

    def document_done(self, request_id: str) -> None:
        """The still of a request reached the branch server: the request is done here."""
        self._requests.pop(request_id, None)

    def fail_still(self, request_id: str, reason: str) -> None:
        """Tell the console the still of a request cannot be taken (e.g. the camera is down).

        Args:
            request_id: the request.
            reason: a sentence naming what failed.
        """
        self._requests.pop(request_id, None)
        self.send(ctl.StillError(request_id=request_id, reason=reason[:300]))

    def report_devices(self, status: ctl.BoothStatus) -> None:
        """Tell the officer the state of the booth's devices (sent again on every new call).

        Args:
            status: every configured device.
        """
        self._status = status
        if self.channel_open:
            self.send(status)

    def raise_hand(self) -> None:
        """The participant pressed the call button: "I need the officer"."""
        self.send(ctl.RaiseHand())
