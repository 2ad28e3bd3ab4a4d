"""Per-tile quality policy, size fitting and frame-rate gating."""
import pytest

from media.control import QualityRequest, TrackQuality, dump_control, parse_control
from media.quality import FULL_FACE, GRID_FACE, QualityPolicy, RateGate, fit_size
from media.stats import FrameCounter, StatsSampler


def test_focused_booth_gets_full_quality_others_grid():
    reqs = QualityPolicy().requests(["a", "b", "c"], "b", documents={"b", "c"})
    assert reqs["b"].face == FULL_FACE and reqs["b"].document is not None
    assert reqs["a"].face == GRID_FACE and reqs["a"].document is None
    assert reqs["c"] == reqs["a"]  # a wanted document shows only on the focused tile


def test_document_view_only_while_wanted():
    policy = QualityPolicy()
    assert policy.request_for(True).document is None
    assert policy.request_for(True, document_wanted=True).document == policy.focused_document
    always = QualityPolicy(document_on_request=False)
    assert always.request_for(True).document == always.focused_document


def test_face_can_be_paused():
    req = QualityPolicy(focused_face=None, grid_face=None).request_for(True)
    assert req.face is None and parse_control(dump_control(req)) == req


def test_only_the_focused_booth_sends_audio():
    reqs = QualityPolicy().requests(["a", "b"], "a")
    assert reqs["a"].audio is True and reqs["b"].audio is False
    assert parse_control(dump_control(reqs["b"])) == reqs["b"]


def test_no_focus_means_all_grid():
    assert all(r.face == GRID_FACE for r in QualityPolicy().requests(["a", "b"], None).values())


@pytest.mark.parametrize(
    "want,src,out",
    [
        ((1280, 720), (1920, 1080), (1280, 720)),
        ((1280, 720), (640, 480), (640, 480)),  # height follows the camera's aspect
        ((320, 180), (640, 480), (320, 240)),  # 4:3 grid tile
        ((1280, 720), (320, 240), (320, 240)),
        ((960, 540), (1280, 720), (960, 540)),
        ((321, 181), (1920, 1080), (320, 180)),
    ],
)
def test_fit_size_never_upscales_and_stays_even(want, src, out):
    assert fit_size(*want, *src) == out


@pytest.mark.parametrize("src_fps,target", [(30, 10), (30, 15), (30, 30), (25, 10), (30, 7.5)])
def test_rate_gate_hits_target(src_fps, target):
    gate = RateGate(target)
    passed = sum(gate.admit(n / src_fps) for n in range(int(src_fps * 10)))
    assert abs(passed - target * 10) <= 2


def test_rate_gate_switch_passes_next_frame():
    gate = RateGate(1)
    assert gate.admit(0.0)
    assert not gate.admit(0.1)
    gate.set_fps(30)
    assert gate.admit(0.2)


def test_rate_gate_recovers_after_gap():
    gate = RateGate(10)
    assert gate.admit(0.0)
    assert gate.admit(5.0)
    assert not gate.admit(5.01)


def test_quality_request_round_trips():
    req = QualityRequest(face=TrackQuality(width=320, height=180, fps=15), document=None)
    assert parse_control(dump_control(req)) == req


def test_frame_counter_rate():
    c = FrameCounter(window=2.0)
    for n in range(100):
        c.tick(n / 30, (320, 180))
    assert c.rate(99 / 30) == pytest.approx(30, rel=0.05)
    assert c.rate(10.0) == 0.0
    assert c.total == 100 and c.last_size == (320, 180)


class _S:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def test_stats_sampler_bitrate_and_loss():
    s = StatsSampler()
    s.update(0.0, [_S(type="transport", bytesReceived=0), _S(type="inbound-rtp", packetsReceived=0, packetsLost=0)])
    s.update(1.0, [_S(type="transport", bytesReceived=125_000),
                   _S(type="inbound-rtp", packetsReceived=90, packetsLost=10)])
    assert s.bitrate_kbps == pytest.approx(1000)
    assert s.packet_loss == pytest.approx(0.1)


def test_capped_vp8_encoder_follows_the_track_cap():
    import av
    import numpy as np

    from hardware.synthetic import VIDEO_TIME_BASE
    from media.tracks import CappedVp8Encoder

    cap = {"bps": 120_000}
    enc = CappedVp8Encoder(lambda: cap["bps"])
    enc.target_bitrate = 1_400_000  # the receiver's estimate (REMB)
    assert enc.target_bitrate == 120_000  # below aiortc's 250 kbit/s floor is allowed
    frame = av.VideoFrame.from_ndarray(np.zeros((360, 320), np.uint8), format="yuv420p")
    frame.pts, frame.time_base = 0, VIDEO_TIME_BASE
    payloads, _ = enc.encode(frame)
    assert payloads and enc.codec.bit_rate == 120_000
    cap["bps"] = None  # no cap: the estimate again
    assert enc.target_bitrate == 1_400_000
    enc.encode(frame)
    assert enc.codec.bit_rate == 1_400_000


def test_bandwidth_estimate_only_for_streams_it_can_steer():
    from media.estimate import needs_estimate
    from media.quality import CSO_CAMERA, FULL_FACE, GRID_FACE

    assert needs_estimate(FULL_FACE)  # no cap: the estimate sets the rate
    assert not needs_estimate(GRID_FACE)  # 120 kbit/s cap, below aiortc's 250 kbit/s floor
    assert not needs_estimate(None)  # paused
    assert needs_estimate(CSO_CAMERA.model_copy(update={"max_kbps": 1000}))
    assert not needs_estimate(CSO_CAMERA.model_copy(update={"max_kbps": 250}))  # at the floor: no effect


def test_cso_camera_encoder_settings_survive_restarts():
    import av
    import numpy as np
    from aiortc.codecs.vpx import Vp8Decoder, VpxPayloadDescriptor
    from aiortc.jitterbuffer import JitterFrame

    from hardware.synthetic import VIDEO_TIME_BASE, SyntheticFaceCamera
    from media.tracks import CSO_CAMERA_ENCODER, CappedVp8Encoder

    cap = {"bps": 250_000}
    enc = CappedVp8Encoder(lambda: cap["bps"], **CSO_CAMERA_ENCODER)
    cam = SyntheticFaceCamera(320, 240, 15)
    dec = Vp8Decoder()

    def encode(n, w=320, h=240):
        arr = cam.render(n, n) if (w, h) == (320, 240) else np.zeros((h * 3 // 2, w), np.uint8)
        frame = av.VideoFrame.from_ndarray(arr, format="yuv420p")
        frame.pts, frame.time_base = n * 6000, VIDEO_TIME_BASE
        payloads, ts = enc.encode(frame)
        data = b"".join(VpxPayloadDescriptor.parse(p)[1] for p in payloads)
        return dec.decode(JitterFrame(data=data, timestamp=ts))

    assert encode(0)[0].width == 320  # a valid VP8 stream
    codec, opts = enc.codec, enc.opened_with
    assert opts["cpu-used"] == "-12" and opts["noise-sensitivity"] == "0" and opts["deadline"] == "realtime"
    assert codec.bit_rate == 250_000
    encode(1)
    assert enc.codec is codec  # no restart while nothing changes
    cap["bps"] = 150_000  # a bitrate change over 10%: restarted, with the same overrides
    assert encode(2)
    assert enc.codec is not codec and enc.codec.bit_rate == 150_000 and enc.opened_with["cpu-used"] == "-12"
    assert enc.opened_with["minrate"] == enc.opened_with["maxrate"] == "150000"
    codec = enc.codec
    assert encode(3, 160, 120)[0].width == 160  # a size change: restarted
    assert enc.codec is not codec and enc.opened_with["noise-sensitivity"] == "0"
    plain = CappedVp8Encoder(lambda: None)  # the booth's encoders: aiortc opens its own codec
    frame = av.VideoFrame.from_ndarray(cam.render(0, 0), format="yuv420p")
    frame.pts, frame.time_base = 0, VIDEO_TIME_BASE
    assert plain.encode(frame)[0] and plain.codec is not None and plain.opened_with is None


def test_a_held_booth_sends_a_grid_face_and_nothing_else():
    from media.quality import GRID_FACE, Tile

    policy = QualityPolicy()
    held = policy.request_for(Tile.HELD, document_wanted=True)
    assert held.face == GRID_FACE and held.document is None and held.audio is False
    assert policy.request_for(Tile.GRID) == policy.request_for(False)
    assert policy.request_for(Tile.FOCUSED).audio is True
