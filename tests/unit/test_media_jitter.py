"""The recovering video jitter buffer: a frame leaves at its last packet, a lost packet is asked
for again, a packet that never comes back is given up with a keyframe request."""
import pytest
from aiortc import RTCPeerConnection
from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtp import RtpPacket

from media.jitter import (
    AiortcInternalsChanged,
    RecoveringJitterBuffer,
    RepeatingNackGenerator,
    use_recovering_receiver,
)


def pkt(seq, ts, *, start=False, marker=False, key=False, data=None):
    p = RtpPacket(payload_type=96, sequence_number=seq, timestamp=ts, marker=int(marker),
                  payload=bytes([0x10 if start else 0x00]) + b"vp8")
    p._data = data if data is not None else (b"\x00" if key else b"\x01") + bytes([seq & 0xFF])
    return p


def frame(seq, ts, n=2, key=False):
    """The packets of one VP8 frame of n packets."""
    return [pkt(seq + i, ts, start=i == 0, marker=i == n - 1, key=key and i == 0) for i in range(n)]


def feed(jb, packets):
    out, pli = [], False
    for p in packets:
        flag, f = jb.add(p)
        pli = pli or flag
        if f is not None:
            out.append(f)
    return out, pli


def test_frame_leaves_at_its_marker_packet():
    jb = RecoveringJitterBuffer(128)
    assert jb.add(pkt(1, 100, start=True, data=b"a"))[1] is None
    _, f = jb.add(pkt(2, 100, marker=True, data=b"b"))
    assert f is not None and f.data == b"ab" and f.timestamp == 100
    stock = JitterBuffer(capacity=128, is_video=True)  # aiortc waits for the next frame
    stock.add(pkt(1, 100))
    assert stock.add(pkt(2, 100, marker=True))[1] is None


def test_gap_holds_the_frame_until_the_retransmission():
    jb = RecoveringJitterBuffer(128)
    jb.add(pkt(10, 100, start=True, data=b"a"))
    assert jb.add(pkt(12, 100, marker=True, data=b"c"))[1] is None  # 11 missing
    _, f = jb.add(pkt(11, 100, data=b"b"))
    assert f.data == b"abc"
    _, nxt = jb.add(pkt(13, 200, start=True, marker=True, data=b"d"))
    assert nxt.data == b"d" and nxt.timestamp == 200


def test_without_marker_falls_back_to_next_timestamp():
    jb = RecoveringJitterBuffer(128)
    jb.add(pkt(1, 100, start=True, data=b"a"))
    _, f = jb.add(pkt(2, 200, start=True, data=b"b"))
    assert f.data == b"a"


def test_a_packet_that_never_comes_back_is_given_up_with_a_keyframe_request():
    jb = RecoveringJitterBuffer(512, skip_ms=200, pli_every_ms=400)
    out, pli = feed(jb, frame(0, 0, key=True))
    assert len(out) == 1 and not pli
    lost = frame(2, 3000)
    out, pli = feed(jb, [lost[0]])  # its second packet is lost for good
    # 100 ms of later frames: held behind the gap, no keyframe request yet
    out, pli = feed(jb, [p for i in range(1, 4) for p in frame(2 + 2 * i, 3000 + 3000 * i)])
    assert out == [] and not pli
    # past 200 ms the head is given up: a keyframe is asked for, inter frames are dropped
    out, pli = feed(jb, [p for i in range(4, 9) for p in frame(2 + 2 * i, 3000 + 3000 * i)])
    assert pli and out == [] and jb.frames_skipped == 1 and jb.frames_dropped >= 5
    # no keyframe after 400 ms of video: asked again
    _, pli_again = feed(jb, [p for i in range(9, 25) for p in frame(2 + 2 * i, 3000 + 3000 * i)])
    assert pli_again
    out, _ = feed(jb, frame(52, 3000 * 26, key=True))  # the keyframe arrives and is decoded
    assert [f.timestamp for f in out] == [3000 * 26]
    out, _ = feed(jb, frame(54, 3000 * 27))  # and the frames after it again
    assert [f.timestamp for f in out] == [3000 * 27]


def test_nacks_repeat_for_what_is_still_missing_then_stop():
    now = [0.0]
    nack = RepeatingNackGenerator(interval=0.1, tries=3, clock=lambda: now[0])
    assert not nack.add(pkt(1, 0)) and nack.add(pkt(4, 0))  # 2 and 3 missing: first request
    assert nack.missing == {2, 3}
    now[0] = 0.05
    assert not nack.add(pkt(5, 0))  # too soon to ask again
    now[0] = 0.11
    assert nack.add(pkt(6, 0))  # second request
    nack.add(pkt(2, 0))  # 2 came back
    now[0] = 0.22
    assert nack.add(pkt(7, 0)) and nack.missing == {3}  # third request, for 3 only
    now[0] = 0.33
    assert not nack.add(pkt(8, 0)) and not nack.missing  # asked three times: given up
    nack.add(pkt(12, 0))
    nack.forget(9, 2)
    assert nack.missing == {11}


def test_after_an_outage_the_first_whole_frame_asks_for_a_keyframe_at_once():
    jb = RecoveringJitterBuffer(512, skip_ms=250)
    feed(jb, frame(0, 0, key=True) + frame(2, 3000))
    # a 5 s cut swallowed 300 packets: the next frame is 5 s of video newer than the last one
    out, pli = feed(jb, frame(305, 3000 + 450_000))
    assert pli and out == [] and jb.frames_skipped == 1  # no 250 ms wait: that video is gone
    out, _ = feed(jb, frame(307, 6000 + 450_000, key=True))
    assert [f.timestamp for f in out] == [6000 + 450_000]


def test_an_outage_is_not_asked_for_but_a_lost_packet_is():
    nack = RepeatingNackGenerator(stale_ms=250)
    for i in range(10):  # 30 fps, one packet a frame
        nack.add(pkt(i, 3000 * i))
    assert not nack.add(pkt(300, 3000 * 10 + 450_000)) and not nack.missing  # a 5 s cut
    assert nack.outages == 1
    assert nack.add(pkt(302, 3000 * 12 + 450_000)) and nack.missing == {301}  # one lost packet
    slow = RepeatingNackGenerator(stale_ms=250)
    for i in range(5):  # a held tile at 2 fps: one lost frame spans 1 s, and is still asked for
        slow.add(pkt(i, 45_000 * i))
    assert slow.add(pkt(6, 45_000 * 6)) and slow.missing == {5}


async def test_the_swap_takes_on_a_real_aiortc_receiver_and_fails_loudly_when_it_cannot():
    pc = RTCPeerConnection()
    try:
        video = pc.addTransceiver("video").receiver
        audio = pc.addTransceiver("audio").receiver
        assert use_recovering_receiver(video) is True
        assert isinstance(video._RTCRtpReceiver__jitter_buffer, RecoveringJitterBuffer)
        assert isinstance(video._RTCRtpReceiver__nack_generator, RepeatingNackGenerator)
        assert use_recovering_receiver(audio) is False
        del video._RTCRtpReceiver__jitter_buffer  # as if a release renamed it
        with pytest.raises(AiortcInternalsChanged, match="__jitter_buffer"):
            use_recovering_receiver(video)
    finally:
        await pc.close()
