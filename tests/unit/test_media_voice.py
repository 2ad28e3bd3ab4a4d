"""The CSO microphone's Opus encoder: mono voice, decodable by a stereo (aiortc) decoder."""
import fractions

import av
import numpy as np
from aiortc.codecs.opus import OpusDecoder
from aiortc.jitterbuffer import JitterFrame

from media.tracks import VoiceOpusEncoder


def tone(n_frames: int, rate: int = 48000, samples: int = 960, layout: str = "mono", hz: float = 440.0):
    channels = 2 if layout == "stereo" else 1
    t = np.arange(n_frames * samples) / rate
    wave = (8000 * np.sin(2 * np.pi * hz * t)).astype(np.int16)
    out = []
    for i in range(n_frames):
        chunk = wave[i * samples:(i + 1) * samples]
        arr = np.repeat(chunk, channels).reshape(1, -1) if channels == 2 else chunk.reshape(1, -1)
        f = av.AudioFrame.from_ndarray(arr, format="s16", layout=layout)
        f.sample_rate, f.pts, f.time_base = rate, i * samples, fractions.Fraction(1, rate)
        out.append(f)
    return out


def decode_all(packets):
    dec = OpusDecoder()
    pcm = []
    for p in packets:
        for f in dec.decode(JitterFrame(data=bytes(p), timestamp=p.pts)):
            assert f.layout.name == "stereo" and f.samples == 960
            pcm.append(f.to_ndarray().reshape(-1, 2))
    return np.concatenate(pcm)


def test_mono_frames_encode_one_packet_each_with_a_20ms_clock():
    enc = VoiceOpusEncoder()
    packets = [p for f in tone(50) for p in enc.encode(f)]
    assert len(packets) == 50
    assert [p.pts for p in packets] == [i * 960 for i in range(50)]
    assert all(p.time_base == fractions.Fraction(1, 48000) for p in packets)
    sizes = sorted(p.size for p in packets)
    assert sizes[len(sizes) // 2] < 150  # 48 kbit/s: 120 bytes a packet (aiortc's encoder: 240)


def test_the_booth_hears_the_tone():
    enc = VoiceOpusEncoder()
    pcm = decode_all([p for f in tone(50) for p in enc.encode(f)])
    left = pcm[4800:, 0].astype(float)  # past the codec's start-up
    assert np.array_equal(pcm[:, 0], pcm[:, 1])  # mono played on both channels
    spectrum = np.abs(np.fft.rfft(left))
    peak_hz = np.argmax(spectrum) * 48000 / len(left)
    assert abs(peak_hz - 440) < 5
    assert 4000 < np.sqrt(np.mean(left ** 2)) < 8000  # 8000 peak -> ~5650 rms


def test_other_rates_and_layouts_are_resampled():
    enc = VoiceOpusEncoder()
    packets = [p for f in tone(40, rate=44100, samples=882, layout="stereo") for p in enc.encode(f)]
    assert 38 <= len(packets) <= 40  # the resampler holds back a partial frame
    assert [p.pts for p in packets] == [i * 960 for i in range(len(packets))]
    pcm = decode_all(packets)
    assert np.sqrt(np.mean(pcm[4800:, 0].astype(float) ** 2)) > 3000
