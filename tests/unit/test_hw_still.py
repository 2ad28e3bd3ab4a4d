"""hardware.still: the still is lossless whatever the encoder chooses, and the choice packs a
noisy camera frame smaller without costing a clean one anything."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from hardware.errors import CameraUnavailable
from hardware.still import encode_still, png_strategy
from hardware.synthetic import SyntheticDocumentCamera


def frame(noise: int, document: str = "claim_form") -> np.ndarray:
    return SyntheticDocumentCamera(document=document, still_size=(1920, 1080), sensor_noise=noise, seed=4).latest_frame()


def default_png(image: np.ndarray) -> bytes:
    return cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 1])[1].tobytes()


@pytest.mark.parametrize("noise", [0, 3])
def test_every_pixel_comes_back_and_the_outline_is_kept(noise):
    image = frame(noise)
    corners = np.array([[100, 120], [900, 110], [910, 700], [95, 690]], dtype=np.float32)
    still = encode_still(image, corners=corners)
    back = cv2.imdecode(np.frombuffer(still.data, np.uint8), cv2.IMREAD_COLOR)
    assert np.array_equal(back, image)
    assert (still.width, still.height, still.mime) == (1920, 1080, "image/png")
    assert still.corners == ((100.0, 120.0), (900.0, 110.0), (910.0, 700.0), (95.0, 690.0))


def test_sensor_noise_gets_run_length_coding_and_fewer_bytes():
    noisy = frame(3)
    assert png_strategy(noisy) == cv2.IMWRITE_PNG_STRATEGY_RLE
    assert len(encode_still(noisy).data) < 0.95 * len(default_png(noisy))


def test_a_clean_frame_keeps_the_default_and_costs_next_to_nothing_more():
    clean = frame(0)
    assert png_strategy(clean) == cv2.IMWRITE_PNG_STRATEGY_DEFAULT
    assert len(encode_still(clean).data) <= 1.01 * len(default_png(clean))  # one row filter: within 1 %
    small = clean[:100, :100]  # too few rows to sample: the default
    assert png_strategy(small) == cv2.IMWRITE_PNG_STRATEGY_DEFAULT


def test_an_empty_frame_is_a_camera_fault_not_a_crash():
    with pytest.raises(CameraUnavailable, match="empty frame"):
        encode_still(np.zeros((0, 0, 3), np.uint8))
