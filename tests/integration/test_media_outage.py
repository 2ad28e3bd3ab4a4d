"""Calls through outages and loss: a short cut resumes on the same peer connection, a long one
gets a new one, lost video packets are recovered without renegotiating, a connection that never
comes up is replaced, and a console that comes back is offered to at once.

The faults are real: :class:`Link` drops UDP datagrams at the sockets ICE opened for the two peer
connections of one call (both directions), so aiortc's own transports, SCTP and RTP stacks see
the loss. The ``bench.network`` benchmark does the same across network namespaces with delay
and jitter as well.
"""
from __future__ import annotations

import asyncio
import random

import pytest

from media.config import MediaConfig
from media.events import CallState, CallStateChanged
from media.internals import AiortcInternalsChanged, bytes_received, check_aiortc_internals
from media.jitter import RecoveringJitterBuffer
from test_media_engine import WAIT, Events, Pipe, booth_media, wait_until

from media.engine import BoothEngine, CsoEngine, CsoMedia
from hardware.synthetic import SyntheticFaceCamera, ToneMicrophone


class Link:
    """Drops the datagrams of the peer connections of one call: all of them while ``down``, and
    each with probability ``loss`` otherwise."""

    def __init__(self, seed: int = 7) -> None:
        self.down = False
        self.loss = 0.0
        self.dropped = 0
        self._rng = random.Random(seed)
        self._patched: set[int] = set()

    def attach(self, *pcs) -> None:
        for pc in pcs:
            ice = pc.sctp.transport.transport
            for proto in ice._connection._protocols:  # aioice's sockets, one per local candidate
                t = proto.transport
                if id(t) in self._patched:
                    continue
                self._patched.add(id(t))
                send = t.sendto

                def sendto(data, addr=None, _send=send):
                    if self.down or (self.loss and self._rng.random() < self.loss):
                        self.dropped += 1
                        return
                    _send(data, addr)

                t.sendto = sendto


@pytest.fixture
async def call():
    """One booth and one console; returns (pipe, booth engine, console call events, booth events)."""
    pipes = []
    engines = []

    async def make(config: MediaConfig | None = None, *, answer: bool = True, face=(320, 240)):
        config = config or MediaConfig()
        pipe = Pipe()
        pipes.append(pipe)
        events, booth_events = Events(), Events()
        pipe.console = CsoEngine(pipe.to_booth(), CsoMedia(face=SyntheticFaceCamera(160, 120, fps=10, seed=9),
                                                           audio=ToneMicrophone(220)),
                                 config=config, on_event=events)
        media, _ = booth_media(face=face)
        booth = BoothEngine(pipe.to_console("s1"), media, config=config, on_event=booth_events)
        pipe.booths["s1"] = booth
        engines.extend([pipe.console, booth])
        if not answer:
            pipe.console = _Deaf()
        await booth.start_call("s1")
        return pipe, booth, events, booth_events

    yield make
    await asyncio.gather(*(e.close() for e in engines if hasattr(e, "close")))
    for p in pipes:
        p.close()


class _Deaf:
    """A console that never answers (its offers are lost on the way)."""

    offers = 0

    async def handle_signal(self, session_id, payload):
        _Deaf.offers += 1


async def up(pipe, booth):
    await wait_until(lambda: "s1" in pipe.console.calls and pipe.console.calls["s1"].state is CallState.CONNECTED
                     and booth.calls["s1"].state is CallState.CONNECTED)
    sink = pipe.console.calls["s1"].sinks["face"]
    n = sink.counter.total
    await wait_until(lambda: sink.counter.total > n + 5)
    return pipe.console.calls["s1"], booth.calls["s1"]


def states(events, state):
    return [e for e in events.items if isinstance(e, CallStateChanged) and e.state is state]


async def test_a_short_outage_resumes_on_the_same_peer_connection(call):
    pipe, booth, events, booth_events = await call()
    cso, bc = await up(pipe, booth)
    link = Link()
    link.attach(cso.pc, bc.pc)
    link.down = True
    await booth_events.wait_for(lambda e: getattr(e, "state", None) is CallState.LOST)
    await events.wait_for(lambda e: getattr(e, "state", None) is CallState.LOST)
    await asyncio.sleep(1.5)  # a cut of about 3.5 s: longer than the heartbeat, shorter than reconnect_after
    assert bc.silent_for() < MediaConfig().reconnect_after
    link.down = False
    await wait_until(lambda: cso.state is CallState.CONNECTED and bc.state is CallState.CONNECTED)
    n = cso.sinks["face"].counter.total
    await wait_until(lambda: cso.sinks["face"].counter.total > n + 5)  # video back on the same connection
    assert (bc.peer_connections, cso.peer_connections) == (1, 1)
    assert [k for _, _, k in pipe.log].count("offer") == 1
    assert link.dropped > 0
    assert any(e.reason == "traffic resumed" for e in states(booth_events, CallState.CONNECTED))


async def test_a_long_outage_is_replaced_by_a_new_peer_connection(call):
    pipe, booth, events, booth_events = await call(MediaConfig(reconnect_after=2.5))
    cso, bc = await up(pipe, booth)
    old = bc.pc
    link = Link()
    link.attach(cso.pc, bc.pc)
    link.down = True  # the old connection stays cut; the new one has sockets of its own
    await wait_until(lambda: bc.pc is not old)
    await wait_until(lambda: cso.state is CallState.CONNECTED and cso.peer_connections == 2)
    n = cso.sinks["face"].counter.total
    await wait_until(lambda: cso.sinks["face"].counter.total > n + 5)
    assert [k for _, _, k in pipe.log].count("offer") == 2


async def test_lost_video_packets_are_recovered_without_renegotiating(call):
    pipe, booth, events, booth_events = await call(face=(640, 360))
    pipe.console.set_focus("s1")  # full quality: several packets a frame
    cso, bc = await up(pipe, booth)
    link = Link(seed=3)
    link.attach(cso.pc, bc.pc)
    link.loss = 0.05  # each way, on every packet: NACKs, their retransmissions, RTCP, SCTP
    sink = cso.sinks["face"]
    gaps, last = [], None

    def on_frame(name, frame, now=None):
        nonlocal last
        t = asyncio.get_running_loop().time()
        if last is not None:
            gaps.append(t - last)
        last = t

    sink.subscribe(on_frame)
    n = sink.counter.total
    await asyncio.sleep(6.0)
    link.loss = 0.0
    assert link.dropped > 30, "the link dropped too little to test anything"
    assert sink.counter.total > n + 30, "face video stopped under 5 % loss"
    assert max(gaps) < 3.0, f"face video froze for {max(gaps):.1f} s"
    assert (bc.peer_connections, cso.peer_connections) == (1, 1)
    assert not states(events, CallState.STALLED)
    receiver = [t for t in cso.pc.getTransceivers() if t.kind == "video"][0].receiver
    jb = receiver._RTCRtpReceiver__jitter_buffer
    assert isinstance(jb, RecoveringJitterBuffer)
    nack = receiver._RTCRtpReceiver__nack_generator
    # retransmissions reach the receiver (aiortc alone discards them: two video m-lines share
    # the RTX payload type, see media.internals.route_retransmissions)
    rtx = receiver._RTCRtpReceiver__rtx_ssrc
    streams = receiver._RTCRtpReceiver__remote_streams
    assert rtx and any(ssrc in streams and streams[ssrc].packets_received > 0 for ssrc in rtx)
    assert jb.frames_skipped < link.dropped / 3, "most lost packets should come back by retransmission"
    print(f"dropped {link.dropped}, frames {sink.counter.total - n}, longest gap {max(gaps):.2f} s, "
          f"skipped {jb.frames_skipped}, dropped awaiting keyframe {jb.frames_dropped}, NACK repeats {nack.repeats}")


async def test_a_connection_that_never_comes_up_is_offered_again(call):
    _Deaf.offers = 0
    pipe, booth, events, booth_events = await call(MediaConfig(connect_timeout=1.0), answer=False)
    await wait_until(lambda: _Deaf.offers >= 2)
    lost = states(booth_events, CallState.LOST)
    assert lost and "not connected after" in lost[0].reason
    assert booth.calls["s1"].peer_connections >= 2


async def test_a_console_that_comes_back_is_offered_to_at_once(call):
    pipe, booth, events, booth_events = await call(MediaConfig(reconnect_after=60.0))
    cso, bc = await up(pipe, booth)
    link = Link()
    link.attach(cso.pc)  # the console's old connection is gone silently (the console restarted)
    link.attach(bc.pc)
    link.down = True
    await booth_events.wait_for(lambda e: getattr(e, "state", None) is CallState.LOST)
    await asyncio.sleep(0.5)
    assert bc.peer_connections == 1  # silent, not broken: it would wait reconnect_after
    booth.peer_back("s1")
    await wait_until(lambda: bc.peer_connections == 2 and bc.state is CallState.CONNECTED, timeout=WAIT)
    assert bc.silent_for() < 60.0


async def test_an_offer_the_server_refuses_is_retried(call):
    pipe, booth, events, booth_events = await call()
    await up(pipe, booth)
    refusals = []
    deliver = booth._send_signal

    async def flaky(session_id, payload):
        if payload["kind"] == "offer" and len(refusals) < 2:
            refusals.append(payload)
            raise ConnectionError("cso cso-01 is offline")
        await deliver(session_id, payload)

    bc = booth.calls["s1"]
    bc._send_signal = flaky
    bc._lost_for_good("renegotiate: test")  # as a Renegotiate from the console does
    await wait_until(lambda: len(refusals) == 2)
    await wait_until(lambda: bc.state is CallState.CONNECTED and bc.peer_connections == 4)
    assert all("offer not delivered" in e.reason for e in states(booth_events, CallState.LOST)[1:])


async def test_every_aiortc_internal_used_is_there():
    await check_aiortc_internals()  # raises AiortcInternalsChanged naming what is missing

    class Bare:
        def getTransceivers(self):
            return []
        sctp = None
    assert bytes_received(Bare()) == 0
    with pytest.raises(AiortcInternalsChanged, match="_RTCRtpReceiver__remote_streams"):
        from media.internals import packets_received
        packets_received(object())


async def test_heavy_loss_lowers_the_face_bitrate_and_it_comes_back(call):
    pipe, booth, events, booth_events = await call(MediaConfig(loss_period=0.5), face=(640, 360))
    pipe.console.set_focus("s1")
    cso, bc = await up(pipe, booth)
    nominal = cso.loss.nominal_kbps
    link = Link(seed=11)
    link.attach(cso.pc, bc.pc)
    link.loss = 0.3  # a path that cannot carry the stream
    await wait_until(lambda: bc.quality is not None and bc.quality.face is not None
                     and (bc.quality.face.max_kbps or nominal) < nominal)  # the booth got the lower cap
    low = cso.loss.cap_kbps
    assert low < nominal and cso.loss.loss > 0.1
    link.loss = 0.0
    await wait_until(lambda: cso.loss.cap_kbps > low)
    assert (bc.peer_connections, cso.peer_connections) == (1, 1)


async def test_the_data_channel_retransmits_on_a_lans_timescale():
    """aiortc's SCTP keeps RFC 4960's 1 s minimum retransmission timeout; lapak's engines lower
    it (media/internals.py) so a lost document request is sent again after ~0.2 s, not 1 s."""
    from aiortc import rtcsctptransport as sctp

    from media.engine import BoothEngine
    from media.internals import SCTP_RTO_INITIAL, SCTP_RTO_MIN

    BoothEngine(lambda *a: None)
    assert (sctp.SCTP_RTO_MIN, sctp.SCTP_RTO_INITIAL) == (SCTP_RTO_MIN, SCTP_RTO_INITIAL)
    transport = sctp.RTCSctpTransport.__new__(sctp.RTCSctpTransport)  # the RTO arithmetic only
    transport._srtt = None
    transport._update_rto(0.02)  # a 20 ms round trip
    assert transport._rto == SCTP_RTO_MIN
    transport._update_rto(0.5)
    assert SCTP_RTO_MIN < transport._rto < 1.0
