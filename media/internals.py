"""Every aiortc internal lapak reads or replaces, in one place, with one check.

aiortc (1.16) does not expose what a call on a lossy branch LAN needs: the receiver's jitter
buffer and NACK generator (replaced by :mod:`media.jitter`), a keyframe request on demand, the
RTP packets a receiver has had (is the face video stalled or merely undecodable?), the bytes a
transport has received (is the peer alive while the data channel is stuck behind an SCTP
retransmission?), the sender's encoder (capped VP8, :mod:`media.tracks`) and the receiver's
bandwidth estimator (:mod:`media.estimate`), and the transport's RTP router (to which
:func:`route_retransmissions` adds what aiortc forgets).

Each helper raises :class:`AiortcInternalsChanged`, naming the attribute, when a release
changes them; :func:`check_aiortc_internals` looks for all of them on a throw-away peer
connection, at app start-up (a wrong aiortc fails at once, not in the middle of a call) and in
the test suite.
"""
from __future__ import annotations

import asyncio

from media.errors import MediaError

JITTER = "_RTCRtpReceiver__jitter_buffer"
NACK = "_RTCRtpReceiver__nack_generator"
ACTIVE_SSRC = "_RTCRtpReceiver__active_ssrc"
REMOTE_STREAMS = "_RTCRtpReceiver__remote_streams"
RTX_SSRC = "_RTCRtpReceiver__rtx_ssrc"
ESTIMATOR = "_RTCRtpReceiver__remote_bitrate_estimator"
RX_BYTES = "_RTCDtlsTransport__rx_bytes"
ENCODER = "_RTCRtpSender__encoder"
SEND_PLI = "_send_rtcp_pli"
ROUTER = "_rtp_router"


class AiortcInternalsChanged(MediaError):
    """The aiortc release in use no longer has an internal lapak depends on (named in the message)."""


def _need(obj, name: str) -> object:
    try:
        return getattr(obj, name)
    except AttributeError:
        raise AiortcInternalsChanged(
            f"{type(obj).__name__} has no {name}: this aiortc release changed an internal lapak uses "
            f"(install the version pinned in pyproject.toml)") from None


def send_keyframe_request(receiver) -> bool:
    """Ask the sender of a video ``RTCRtpReceiver`` for a keyframe now (a PLI on its latest
    SSRC); returns False when nothing has been received yet.

    Raises:
        AiortcInternalsChanged: the receiver lacks the internals this uses.
    """
    ssrcs = _need(receiver, ACTIVE_SSRC)
    send = _need(receiver, SEND_PLI)
    if not ssrcs:
        return False
    ssrc = max(ssrcs, key=ssrcs.get)
    asyncio.ensure_future(send(ssrc))
    return True


def route_retransmissions(receiver) -> None:
    """Make a video ``RTCRtpReceiver`` get its retransmissions (call before media flows).

    aiortc 1.16 registers only a stream's media SSRC with the bundled transport's router, not
    its RTX SSRC; an RTX packet is then routed by payload type, and when two video m-lines
    share the RTX payload type (a booth's face and document cameras) it matches both and is
    **discarded**: no lost packet is ever recovered, every loss costs a keyframe. This
    registers the RTX SSRCs of the receiver's encodings once it starts receiving.

    Raises:
        AiortcInternalsChanged: the transport has no router.
    """
    if getattr(receiver, "_lapak_rtx_routed", False):
        return
    start = receiver.receive

    async def receive(parameters) -> None:
        await start(parameters)
        table = _need(_need(receiver.transport, ROUTER), "ssrc_table")
        for encoding in parameters.encodings:
            if encoding.rtx is not None:
                table.setdefault(encoding.rtx.ssrc, receiver)

    receiver.receive = receive
    receiver._lapak_rtx_routed = True


def packets_received(receiver) -> int:
    """RTP packets an ``RTCRtpReceiver`` has received so far (all its streams).

    Raises:
        AiortcInternalsChanged: the receiver lacks the internals this uses.
    """
    return sum(s.packets_received for s in _need(receiver, REMOTE_STREAMS).values())


def stream_counts(receiver) -> tuple[int, int] | None:
    """(packets expected, packets received) of the media stream (not its retransmissions) of an
    ``RTCRtpReceiver``, from its sequence numbers; None before any packet.

    Raises:
        AiortcInternalsChanged: the receiver lacks the internals this uses.
    """
    streams = _need(receiver, REMOTE_STREAMS)
    rtx = set(_need(receiver, RTX_SSRC))
    media = [s for ssrc, s in streams.items() if ssrc not in rtx]
    if not media:
        return None
    s = max(media, key=lambda x: x.packets_received)
    return s.cycles + s.max_seq - s.base_seq + 1, s.packets_received


def bytes_received(pc) -> int:
    """Bytes (RTP, RTCP, SCTP, DTLS) the transports of a peer connection have received so far.

    Raises:
        AiortcInternalsChanged: a transport lacks the counter.
    """
    transports = {id(t.receiver.transport): t.receiver.transport for t in pc.getTransceivers()}
    if pc.sctp is not None:
        transports[id(pc.sctp.transport)] = pc.sctp.transport
    return sum(_need(t, RX_BYTES) for t in transports.values() if t is not None)


SCTP_RTO_MIN = 0.2
"""Shortest retransmission timeout of the data channel's SCTP association, in seconds. aiortc
keeps RFC 4960's 1 s, so one lost control message (a document request, its confirmation) waited at
least a second when nothing followed it to trigger a fast retransmit: 0.8-1.3 s of a still's time
on the loss phase of bench.network. A branch LAN's round trip is a few ms to ~100 ms; 0.2 s is
Linux TCP's own floor."""
SCTP_RTO_INITIAL = 1.0
"""Retransmission timeout before the first round-trip measurement (RFC 6298's 1 s; aiortc uses 3 s,
so a lost handshake chunk would cost a call three seconds of setup)."""


def tune_sctp() -> None:
    """Apply :data:`SCTP_RTO_MIN` and :data:`SCTP_RTO_INITIAL` to every SCTP association made from
    now on in this process (aiortc reads both module constants when it needs them).

    Raises:
        AiortcInternalsChanged: aiortc no longer has them.
    """
    sctp = _sctp_module()
    sctp.SCTP_RTO_MIN = SCTP_RTO_MIN
    sctp.SCTP_RTO_INITIAL = SCTP_RTO_INITIAL


def _sctp_module():
    """aiortc's SCTP module, with the timer constants :func:`tune_sctp` sets."""
    from aiortc import rtcsctptransport as sctp

    for name in ("SCTP_RTO_MIN", "SCTP_RTO_INITIAL", "SCTP_RTO_MAX"):
        if not isinstance(getattr(sctp, name, None), (int, float)):
            raise AiortcInternalsChanged(f"aiortc.rtcsctptransport has no {name}: this aiortc release changed an "
                                         f"internal lapak uses (install the version pinned in pyproject.toml)")
    _need(sctp.RTCSctpTransport, "_update_rto")
    return sctp


async def check_aiortc_internals() -> None:
    """Look for every internal lapak uses on a throw-away peer connection.

    Raises:
        AiortcInternalsChanged: one is missing (the message names it).
    """
    _sctp_module()
    from aiortc import RTCPeerConnection
    from aiortc.jitterbuffer import JitterBuffer
    from aiortc.rtcrtpreceiver import NackGenerator

    pc = RTCPeerConnection()
    try:
        video = pc.addTransceiver("video")
        receiver, sender = video.receiver, video.sender
        if not isinstance(_need(receiver, JITTER), JitterBuffer):
            raise AiortcInternalsChanged(f"{JITTER} is no longer a JitterBuffer")
        if not isinstance(_need(receiver, NACK), NackGenerator):
            raise AiortcInternalsChanged(f"{NACK} is no longer a NackGenerator")
        for name in (ACTIVE_SSRC, REMOTE_STREAMS, RTX_SSRC, ESTIMATOR, SEND_PLI):
            _need(receiver, name)
        _need(sender, ENCODER)
        _need(video, "_codecs")
        _need(receiver.transport, RX_BYTES)
        _need(_need(receiver.transport, ROUTER), "ssrc_table")
        jb = JitterBuffer(capacity=16, is_video=True)
        for name in ("_packets", "_origin", "_capacity", "_is_video", "_remove_frame", "remove"):
            _need(jb, name)
        bytes_received(pc)
        packets_received(receiver)
        stream_counts(receiver)
        from aiortc.rtcrtpreceiver import StreamStatistics
        stats = StreamStatistics(90000)
        for name in ("cycles", "max_seq", "base_seq", "packets_received"):
            _need(stats, name)
    finally:
        await pc.close()
