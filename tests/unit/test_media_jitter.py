"""The marker-bit video jitter buffer: a frame leaves at its last packet, not one frame later."""
from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtp import RtpPacket

from media.jitter import MarkerJitterBuffer


def pkt(seq, ts, marker=False, data=b"x"):
    p = RtpPacket(payload_type=96, sequence_number=seq, timestamp=ts, marker=int(marker))
    p._data = data
    return p


def test_frame_leaves_at_its_marker_packet():
    jb = MarkerJitterBuffer(capacity=128, is_video=True)
    assert jb.add(pkt(1, 100, data=b"a"))[1] is None
    _, frame = jb.add(pkt(2, 100, marker=True, data=b"b"))
    assert frame is not None and frame.data == b"ab" and frame.timestamp == 100
    stock = JitterBuffer(capacity=128, is_video=True)  # aiortc waits for the next frame
    stock.add(pkt(1, 100))
    assert stock.add(pkt(2, 100, marker=True))[1] is None


def test_gap_holds_the_frame_until_the_retransmission():
    jb = MarkerJitterBuffer(capacity=128, is_video=True)
    jb.add(pkt(10, 100, data=b"a"))
    assert jb.add(pkt(12, 100, marker=True, data=b"c"))[1] is None  # 11 missing
    _, frame = jb.add(pkt(11, 100, data=b"b"))
    assert frame.data == b"abc"
    _, nxt = jb.add(pkt(13, 200, marker=True, data=b"d"))
    assert nxt.data == b"d" and nxt.timestamp == 200


def test_without_marker_falls_back_to_next_timestamp():
    jb = MarkerJitterBuffer(capacity=128, is_video=True)
    jb.add(pkt(1, 100, data=b"a"))
    _, frame = jb.add(pkt(2, 200, data=b"b"))
    assert frame.data == b"a"
