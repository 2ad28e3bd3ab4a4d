"""Configuration owned by the media engine: the ``[ice]`` table of a booth or console file and
the engine's limits (:class:`MediaConfig`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Callable

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
        heartbeat_timeout: silence (no message at all) after which the peer counts as dead.
        still_chunk_size: payload bytes per still chunk.
        still_high_water: pause sending still chunks while ``bufferedAmount`` is above this.
        still_low_water: ``bufferedAmountLowThreshold``: resume sending below this.
        still_rate_bps: pace still chunks to this many bits/s (0: no pacing). An unpaced
            2 MB burst overflows UDP receive buffers on loopback and drops RTP packets; a
            video packet lost that way (and its NACK retransmission) freezes aiortc's video
            jitter buffer for 512 packets.
        still_max_attempts: document requests per still before giving up on bad transfers.
        still_timeout: console: seconds without progress (no manifest, no chunk) after which
            a still transfer counts as failed (reason "timeout") and is requested again.
        still_ack_timeout: console: seconds for the booth to confirm a document request before
            it is sent again.
        still_tick: console: seconds between checks of the still timeouts.
        still_max_size: largest still the console accepts.
        initial_face: face quality a booth sends before the console asks for another.
        initial_document: document quality before the console asks (None: paused).
        initial_audio: booth: send the microphone before the console asks (default: paused;
            the CSO hears only the focused booth).
        video_stall_timeout: console: a connected session whose face track delivered no
            frame for this long is renegotiated (the booth re-offers); 0 disables.
        marker_jitter_buffer: decode a received video frame as soon as its last (marker)
            packet arrives, instead of when the next frame starts (aiortc's rule, one frame
            interval later); see :mod:`media.jitter`.
        still_chunk_filter: fault injection for tests and benchmarks only:
            ``f(still_id, index, frame) -> frame or None (drop)`` applied by the booth.
    """

    ice_servers: list[str] = field(default_factory=list)
    turn_username: str | None = None
    turn_password: str | None = None
    heartbeat_interval: float = 0.5
    heartbeat_timeout: float = 2.0
    still_chunk_size: int = 16 * 1024
    still_high_water: int = 1024 * 1024
    still_low_water: int = 256 * 1024
    still_rate_bps: int = 50_000_000
    still_max_attempts: int = 3
    still_timeout: float = 10.0
    still_ack_timeout: float = 3.0
    still_tick: float = 0.25
    still_max_size: int = 64 * 1024 * 1024
    initial_face: ctl.TrackQuality | None = field(
        default_factory=lambda: ctl.TrackQuality(width=320, height=180, fps=15)
    )
    initial_document: ctl.TrackQuality | None = None
    initial_audio: bool = False
    video_stall_timeout: float = 3.0
    marker_jitter_buffer: bool = True
    still_chunk_filter: Callable[[int, int, bytes], bytes | None] | None = None

    def rtc_configuration(self) -> RTCConfiguration:
        """The aiortc configuration: explicit (possibly empty) ICE server list."""
        servers = []
        for url in self.ice_servers:
            if url.startswith("turn"):
                servers.append(RTCIceServer(urls=url, username=self.turn_username, credential=self.turn_password))
            else:
                servers.append(RTCIceServer(urls=url))
        return RTCConfiguration(iceServers=servers)
