"""A lossless still from a document camera, and how it is encoded.

The still is what the officer judges a document on, so it is never lossy: PNG of the camera's
full frame. :func:`encode_still` runs in a worker thread (1080p PNG takes a few hundred ms).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from hardware.errors import CameraUnavailable

PNG_LEVEL = 1
"""PNG compression level for stills encoded at capture time (lossless at every level; a higher
level costs the participant's wait, see BENCHMARKS.md)."""


@dataclass(frozen=True)
class StillImage:
    """A lossless still from a document camera.

    Args:
        data: the encoded image bytes.
        width: pixels.
        height: pixels.
        mime: media type of ``data``.
        corners: the document's outline in the still (TL, TR, BR, BL pixel pairs) when the
            scanner found one, so the officer's viewer can straighten it.
    """

    data: bytes
    width: int
    height: int
    mime: str = "image/png"
    corners: tuple[tuple[float, float], ...] | None = None


_SAMPLE_ROWS = 64

_FILTER = [cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_AVG] if hasattr(cv2, "IMWRITE_PNG_FILTER") else []
"""One PNG row filter for every row (OpenCV >= 4.11) instead of libpng trying all five per row:
the average filter packed noisy and clean 1080p stills within 0.5 % of the adaptive choice in 40 %
less time (60 instead of 105 ms; BENCHMARKS.md "Still transport")."""


def _params(level: int, strategy: int) -> list[int]:
    return [cv2.IMWRITE_PNG_COMPRESSION, level, cv2.IMWRITE_PNG_STRATEGY, strategy, *_FILTER]


def png_strategy(image: np.ndarray, level: int = PNG_LEVEL) -> int:
    """The zlib strategy that packs this frame smaller, chosen on a strip through its middle.

    A camera's sensor noise leaves LZ77 little to match: run-length plus Huffman coding
    (``Z_RLE``) made a noisy 1080p still 8-10 % smaller and encoded it 15-20 % faster, but a
    clean, flat image a half larger (BENCHMARKS.md "Still transport"). Trying both on 64 rows
    costs about 10 ms at 1080p."""
    h = image.shape[0]
    if h < 4 * _SAMPLE_ROWS:
        return cv2.IMWRITE_PNG_STRATEGY_DEFAULT
    strip = image[(h - _SAMPLE_ROWS) // 2:(h + _SAMPLE_ROWS) // 2]
    sizes = {}
    for strategy in (cv2.IMWRITE_PNG_STRATEGY_DEFAULT, cv2.IMWRITE_PNG_STRATEGY_RLE):
        ok, buf = cv2.imencode(".png", strip, _params(level, strategy))
        sizes[strategy] = len(buf) if ok else 1 << 62
    return min(sizes, key=sizes.get)


def encode_still(image: np.ndarray, *, level: int = PNG_LEVEL,
                 corners: np.ndarray | None = None) -> StillImage:
    """Encode a BGR frame as a lossless PNG still.

    Args:
        image: the frame (height x width x 3, uint8, BGR), at the camera's full resolution.
        level: PNG compression level 0-9.
        corners: the document's outline found in this frame (4x2), if any.

    Raises:
        CameraUnavailable: the frame is empty or cannot be encoded.
    """
    if image is None or image.size == 0:
        raise CameraUnavailable("document camera gave an empty frame")
    ok, buf = cv2.imencode(".png", image, _params(level, png_strategy(image, level)))
    if not ok:
        raise CameraUnavailable("document camera frame could not be encoded as PNG")
    h, w = image.shape[:2]
    outline = None if corners is None else tuple((float(x), float(y)) for x, y in np.asarray(corners).reshape(4, 2))
    return StillImage(buf.tobytes(), w, h, corners=outline)
