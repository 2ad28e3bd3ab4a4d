"""Audio playout buffer: waits for its target, fills gaps with silence, drops what lags."""
import fractions

import av
import numpy as np

from media.playout import AudioPlayout


def frame(value: int, samples: int = 960) -> av.AudioFrame:
    f = av.AudioFrame.from_ndarray(np.full((1, samples), value, np.int16), format="s16", layout="mono")
    f.sample_rate = 48000
    f.time_base = fractions.Fraction(1, 48000)
    return f


def test_plays_after_target_then_silence_on_underrun():
    p = AudioPlayout(rate=48000, channels=1, target=0.04, limit=0.5)
    p.push("audio", frame(100))  # 20 ms: below the 40 ms target
    assert not p.pull(480).any()
    p.push("audio", frame(200))
    out = p.pull(1440)  # 30 ms: plays the first 20 ms then 10 ms of the second
    assert (out[:960] == 100).all() and (out[960:] == 200).all()
    tail = p.pull(960)  # 10 ms left, then an underrun: silence
    assert (tail[:480] == 200).all() and not tail[480:].any() and p.underruns == 1


def test_drops_the_oldest_audio_beyond_the_limit():
    p = AudioPlayout(rate=48000, channels=1, target=0.02, limit=0.1)
    for v in range(10):  # 200 ms pushed, 100 ms allowed
        p.push("audio", frame(v))
    assert p.buffered <= 0.1 and p.dropped_samples == 5 * 960
    assert (p.pull(960) == 5).all()


def test_stereo_device_gets_both_channels():
    p = AudioPlayout(rate=48000, channels=2, target=0.0)
    p.push("audio", frame(300))
    out = p.pull(960)
    assert out.shape == (960, 2) and (out[:, 0] == out[:, 1]).all()
    assert abs(int(out[0, 0]) - 212) <= 1  # mono spread over both channels at -3 dB (libswresample)


def test_a_pile_up_is_cut_back_to_the_target_keeping_the_newest():
    p = AudioPlayout(rate=48000, channels=1, target=0.04, limit=0.1)
    for v in range(6):  # 120 ms arrive at once (a burst after a stall): over the 100 ms limit
        p.push("audio", frame(v))
    assert p.buffered == 0.04 and p.dropped_samples == 4 * 960
    assert (p.pull(960) == 4).all() and (p.pull(960) == 5).all()
