"""Synthetic sources: the face stamp survives real VP8 encoding and downscaling."""

import av
import cv2
import numpy as np
import pytest
from aiortc.codecs import get_decoder, get_encoder
from aiortc.codecs.vpx import VpxPayloadDescriptor
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from hardware.synthetic import (
    VIDEO_TIME_BASE,
    Stamp,
    SyntheticDocumentCamera,
    SyntheticFaceCamera,
    ToneMicrophone,
    read_stamp,
    read_stamp_luma,
)


def test_stamp_round_trip_raw():
    cam = SyntheticFaceCamera(640, 480)
    frame = av.VideoFrame.from_ndarray(cam.render(123456, 1_790_000_000_123_456), format="yuv420p")
    assert read_stamp(frame) == Stamp(123456, 1_790_000_000_123_456)


def test_damaged_stamp_is_rejected_not_misread():
    cam = SyntheticFaceCamera(640, 480)
    arr = cam.render(5, 1_790_000_000_000_000)
    arr[:40, :50] = 255 - arr[:40, :50]  # flip the first cells
    assert read_stamp_luma(arr[:480]) is None


def test_no_stamp_on_plain_frame():
    assert read_stamp_luma(np.full((180, 320), 128, np.uint8)) is None


@pytest.mark.parametrize("size", [(320, 180), (640, 480)])
def test_stamp_survives_vp8_and_downscale(size):
    codec = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000)
    enc, dec = get_encoder(codec), get_decoder(codec)
    cam = SyntheticFaceCamera(640, 480)
    good = 0
    for n in range(30):
        f = av.VideoFrame.from_ndarray(cam.render(n, 1_790_000_000_000_000 + n * 33_333), format="yuv420p")
        f = f.reformat(width=size[0], height=size[1])
        f.pts, f.time_base = n * 3000, VIDEO_TIME_BASE
        payloads, ts = enc.encode(f)
        data = b"".join(VpxPayloadDescriptor.parse(p)[1] for p in payloads)
        for out in dec.decode(JitterFrame(data=data, timestamp=ts)):
            s = read_stamp(out)
            good += s == Stamp(n, 1_790_000_000_000_000 + n * 33_333)
    assert good == 30


async def test_face_camera_paces_and_stamps():
    cam = SyntheticFaceCamera(160, 120, fps=50)
    frames = [await cam.recv() for _ in range(5)]
    assert [read_stamp(f).frame_number for f in frames] == [0, 1, 2, 3, 4]
    assert frames[-1].pts == 4 * 90000 // 50


async def test_document_camera_video_and_lossless_still():
    doc = SyntheticDocumentCamera("claim_form", still_size=(1920, 1080), video_size=(320, 180), fps=50)
    frame = await doc.recv()
    assert (frame.width, frame.height) == (320, 180)
    still = await doc.capture_still()
    assert (still.width, still.height) == (1920, 1080)
    decoded = cv2.imdecode(np.frombuffer(still.data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(decoded, doc.scene())


async def test_tone_microphone():
    mic = ToneMicrophone()
    a, b = await mic.recv(), await mic.recv()
    assert a.samples == 960 and b.pts == 960 and a.sample_rate == 48000
    mic.stop()
