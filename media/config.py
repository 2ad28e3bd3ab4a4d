"""Configuration owned by the media engine: the ``[ice]`` table of a booth or console file and
the engine's limits (:class:`MediaConfig`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from aiortc import RTCConfiguration, RTCIceServer
from pydantic import Field, model_validator

from common.config import Section
from media import control as ctl


class IceSection(Section):
    """Optional STUN/TURN; the branch LAN needs none (host candidates)."""

    stun: list[Annotated[str, Field(pattern=r"^stuns?:")]] = []
    turn: list[Annotated[str, Field(pattern=r"^turns?:")]] = []
    turn_username: str | None = None
    turn_password: str | None = None

    @model_validator(mode="after")
    def _turn_credentials(self) -> "IceSection":
        if self.turn and not (self.turn_username and self.turn_password):
            raise ValueError("turn servers need turn_username and turn_password")
        return self

    def media_options(self) -> dict[str, Any]:
        """Keyword arguments for :class:`MediaConfig`: the ICE servers to use."""
        return {"ice_servers": [*self.stun, *self.turn], "turn_username": self.turn_username,
                "turn_password": self.turn_password}


@dataclass
class MediaConfig:
    """Limits and knobs of the media engine; each has a safe default.

    Args:
        ice_servers: STUN/TURN URLs (e.g. ``["stun:10.0.0.1:3478"]``). Empty by default:
            on the branch LAN host candidates suffice and nothing contacts the internet
            (aiortc would otherwise add stun.l.google.com).
        turn_username: username for the ``turn:``/``turns:`` URLs.
        turn_password: password for the ``turn:``/``turns:`` URLs.
        heartbeat_interval: seconds between application pings on the data channel (the
            console pings; the booth answers, and pings only when it has heard nothing for
            1.5 intervals).
        heartbeat_timeout: silence (nothing at all from the peer: no control message, RTP, RTCP
            or SCTP) after which the call counts as LOST; it is CONNECTED again when traffic
            resumes.
        document_ack_timeout: console: seconds for the booth to confirm a document request
            before it is sent again.
        document_tick: console: seconds between checks of the document requests' timeouts.
        initial_face: face quality a booth sends before the console asks for another.
        initial_document: document quality before the console asks (None: paused).
        initial_audio: booth: send the microphone before the console asks (default: paused;
            the CSO hears only the focused booth).
        keyframe_after: console: a face track that delivered no frame for this long while
            its packets arrive (lost packets left it undecodable) gets a keyframe request, and
            again every such period until a frame comes.
        video_stall_timeout: console: a connected session whose face track received no RTP
            packet for this long (while the booth reports its camera working) is renegotiated
            (the booth re-offers); 0 disables.
        recovering_receiver: receive video with :mod:`media.jitter` (a frame is decoded at its
            last packet; lost packets are asked for again and, when they never come, given up
            with a keyframe request) instead of aiortc's stock receiver.
        lost_packet_skip_ms: video time a received frame waits for a lost packet before it is
            given up (a keyframe is asked for).
        loss_period: console: seconds between judgements of the loss on a booth's face video
            (heavy loss lowers its bitrate cap, see :mod:`media.loss`).
        connect_timeout: a new peer connection not connected after this many seconds is given
            up (the booth then offers again); 0 disables.
        reconnect_after: booth: a call that has heard nothing from the console for this long is
            offered again on a new peer connection. Shorter outages (a cable pulled and put
            back, a switch restarting) resume on the same connection. A broken connection
            (transport failed, data channel closed, never connected) is replaced at once.
    """

    ice_servers: list[str] = field(default_factory=list)
    turn_username: str | None = None
    turn_password: str | None = None
    heartbeat_interval: float = 0.5
    heartbeat_timeout: float = 2.0
    document_ack_timeout: float = 3.0
    document_tick: float = 0.25
    initial_face: ctl.TrackQuality | None = field(
        default_factory=lambda: ctl.TrackQuality(width=320, height=180, fps=15)
    )
    initial_document: ctl.TrackQuality | None = None
    initial_audio: bool = False
    keyframe_after: float = 1.0
    video_stall_timeout: float = 8.0
    recovering_receiver: bool = True
    lost_packet_skip_ms: float = 250.0
    loss_period: float = 2.0
    connect_timeout: float = 10.0
    reconnect_after: float = 6.0

    def rtc_configuration(self) -> RTCConfiguration:
        """The aiortc configuration: explicit (possibly empty) ICE server list."""
        servers = []
        for url in self.ice_servers:
            if url.startswith("turn"):
                servers.append(RTCIceServer(urls=url, username=self.turn_username, credential=self.turn_password))
            else:
                servers.append(RTCIceServer(urls=url))
        return RTCConfiguration(iceServers=servers)
