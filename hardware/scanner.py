"""Document pipeline for the document camera: find, rectify, assess, auto-capture.

Pure functions on images (numpy in, results out) and one pure state machine; no I/O, no
threads, no Qt. They are meant to run off the GUI thread, one frame at a time:

    detection = find_document(frame)
    quality = assess(frame, detection)
    capture = auto.feed(timestamp, detection, quality)   # auto = AutoCapture()
    if capture:
        still = rectify(frame, capture.detection.corners)

Corners are always a 4x2 float64 array in frame pixels, ordered TL, TR, BR, BL.

Rotation: `rectify` turns the page by the smallest rotation that makes a card landscape and a
form portrait; a page lying upside down (more than 90 degrees off) cannot be told from its
outline and comes out upside down.
"""
from __future__ import annotations

import enum
import functools
import itertools
import logging
import math
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np

logger = logging.getLogger(__name__)

CARD_ASPECT = 85.6 / 54.0
"""Long / short side of an ISO ID-1 card (KTP)."""
A4_ASPECT = 297.0 / 210.0
"""Long / short side of an A4 page."""
WORK_WIDTH = 400
"""Width (pixels) a frame is shrunk to for finding the document (corners are then refined on
the full frame); a `TrayModel` must be learned at the same width."""


# ---------------------------------------------------------------------------------------------
# Detection


@dataclass(frozen=True)
class Detection:
    """A document outline found in a frame.

    Args:
        corners: 4x2 float64 array in frame pixels, ordered TL, TR, BR, BL.
        area_fraction: Area of the quadrilateral divided by the frame area.
        touches_edge: True when the document reaches the frame edge (probably partly outside).
        frame_size: (width, height) of the frame it was found in.
        score: How well the outline follows real edges, 0..1 (1 for an outline given by hand).
        covered_fraction: Fraction of the outline hidden under something lying across it (a
            hand, a thumb), measured while finding it (see `covered_fraction`).
    """

    corners: np.ndarray
    area_fraction: float
    touches_edge: bool
    frame_size: tuple[int, int]
    score: float = 1.0
    covered_fraction: float = 0.0

    @property
    def diagonal(self) -> float:
        """Return the mean length of the quadrilateral's two diagonals in pixels."""
        c = self.corners
        return float((np.linalg.norm(c[2] - c[0]) + np.linalg.norm(c[3] - c[1])) / 2.0)


def order_corners(points: np.ndarray) -> np.ndarray:
    """Order four points TL, TR, BR, BL (clockwise on screen, starting nearest the top-left).

    Args:
        points: Four (x, y) points in any order, any array-like of shape (4, 2).
    """
    pts = np.asarray(points, np.float64).reshape(4, 2)
    return _order4(pts.tolist(), pts)


def _order4(p: list, pts: np.ndarray | None = None) -> np.ndarray:
    """`order_corners` of four points given as a list of [x, y] floats (and, when at hand, the
    same points as a (4, 2) float64 array): a new (4, 2) float64 array."""
    # Four points are quicker in plain Python; when two directions from the centre are (nearly)
    # the same (a degenerate outline), numpy's own order is kept (its arctan2 may differ in the
    # last bit and its sort need not keep ties in place).
    # (the four points unpacked and each step written out: the same operations, fewer calls)
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = p
    cx, cy = (((x0 + x1) + x2) + x3) / 4, (((y0 + y1) + y2) + y3) / 4
    atan2 = math.atan2
    angle = [atan2(y0 - cy, x0 - cx), atan2(y1 - cy, x1 - cx), atan2(y2 - cy, x2 - cx), atan2(y3 - cy, x3 - cx)]
    order = sorted(range(4), key=angle.__getitem__)
    a, b, c, d = order
    if angle[b] - angle[a] > 1e-9 and angle[c] - angle[b] > 1e-9 and angle[d] - angle[c] > 1e-9:
        sums = [p[a][0] + p[a][1], p[b][0] + p[b][1], p[c][0] + p[c][1], p[d][0] + p[d][1]]
        start = sums.index(min(sums))
        if start:
            order = order[start:] + order[:start]
        return pts[order] if pts is not None else np.array([p[k] for k in order], np.float64)
    if pts is None:
        pts = np.array(p, np.float64)
    d = pts - pts.sum(axis=0) / 4  # from the centre (the mean, with fewer calls)
    pts = pts[np.argsort(np.arctan2(d[:, 1], d[:, 0]))]  # clockwise on screen (y points down)
    return pts[_TURNS[int(np.argmin(pts[:, 0] + pts[:, 1]))]]


_TURNS = (np.arange(4)[None, :] + np.arange(4)[:, None]) % 4
"""Row k: the four corners starting at corner k."""


def _line_intersection(l1: np.ndarray, l2: np.ndarray) -> np.ndarray | None:
    """Intersect two lines given as (vx, vy, x0, y0); None when nearly parallel."""
    v1, p1 = l1[:2], l1[2:]
    v2, p2 = l2[:2], l2[2:]
    den = v1[0] * v2[1] - v1[1] * v2[0]
    if abs(den) < 1e-6:
        return None
    t = ((p2[0] - p1[0]) * v2[1] - (p2[1] - p1[1]) * v2[0]) / den
    return p1 + t * v1


# Offsets (in work pixels) at which a side's profile is sampled, across the side, outwards.
_OFFSETS = np.arange(-5, 6, dtype=np.float32)
# Channel weights of YCrCb differences: chroma counts more (a coloured band on a grey surface).
_CHANNEL_W = np.array([1.0, 2.0, 2.0], np.float32)


@dataclass
class _Work:
    """The frame shrunk to the working width, in the forms every step needs."""

    frame: np.ndarray  # full-resolution frame as given (BGR or grey)
    f: float  # work pixels per frame pixel
    bgr: np.ndarray  # work-size BGR uint8
    ycc: np.ndarray  # work-size YCrCb float32, lightly smoothed
    shape: tuple[int, int]  # (h, w) of the work image

    @functools.cached_property
    def planes(self) -> tuple[np.ndarray, ...]:
        """The Y, Cr and Cb planes of `ycc`, contiguous (the same numbers, faster to work on),
        split once for the cues that read them (`_border_colours`, `_candidate_masks`); read-only."""
        return tuple(cv2.split(self.ycc))


def _prepare(frame: np.ndarray, work_width: int) -> _Work:
    bgr = frame if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    fh, fw = bgr.shape[:2]
    f = min(1.0, work_width / fw)
    size = (max(8, round(fw * f)), max(8, round(fh * f)))
    small = bgr
    while f < 1.0 and small.shape[1] >= 2 * size[0] + 2:  # halve exactly (a 2x2 mean) while far above
        small = cv2.resize(small, (small.shape[1] // 2, small.shape[0] // 2), interpolation=cv2.INTER_LINEAR)
    if f < 1.0:
        small = _area_resize(small, size)
    f = small.shape[1] / fw
    ycc = _smoothed_ycc(small)
    return _Work(frame, f, small, ycc, small.shape[:2])


@functools.lru_cache(maxsize=8)
def _area_phases(n_src: int, n_dst: int) -> tuple[int, tuple] | None:
    """cv2's INTER_AREA weights shrinking n_src pixels to n_dst along one axis, when they are whole
    eighths repeating every `period` source pixels (640 -> 400 and 360 -> 225: five outputs from
    each eight pixels, as a 1280x720 frame halved comes to the work size): (period, for each
    output of a period its (source offset, weight in eighths) taps in source order); else None.
    The weights are read off cv2 itself (an identity image shrunk along its rows)."""
    g = math.gcd(n_src, n_dst)
    period, outs = n_src // g, n_dst // g
    if n_dst >= n_src or n_src % n_dst == 0 or period > 16:
        return None  # (an upscale, or a whole ratio: cv2's other, faster path, rounded otherwise)
    w = cv2.resize(np.eye(n_src, dtype=np.float32), (n_dst, n_src), interpolation=cv2.INTER_AREA)
    w8 = w * 8
    if not np.array_equal(w8, np.round(w8)):
        return None
    w8 = w8.astype(np.int64)
    phases = tuple(tuple((int(i), int(w8[i, d])) for i in np.flatnonzero(w8[:period, d])) for d in range(outs))
    if any(w8[:period, d].sum() != 8 for d in range(outs)):
        return None
    for b in range(g):  # every block of the axis weighted as the first
        block = np.zeros((period, outs), np.int64)
        for d, taps in enumerate(phases):
            for i, k in taps:
                block[i, d] = k
        if not np.array_equal(w8[b * period:(b + 1) * period, b * outs:(b + 1) * outs], block) \
                or np.count_nonzero(w8[b * period:(b + 1) * period]) != np.count_nonzero(block):
            return None
    return period, phases


def _area_rows(x: np.ndarray, period: int, phases: tuple) -> np.ndarray:
    """Each output row of a period the sum of its source rows times their eighths (uint16, exact;
    a tap of weight 1 added or copied as it is, without a product)."""
    g = x.shape[0] // period
    v = x.reshape(g, period, -1)
    out = np.empty((g, len(phases), v.shape[2]), np.uint16)
    tmp = np.empty((g, v.shape[2]), np.uint16)
    for p, taps in enumerate(phases):
        o = out[:, p]
        (i, k), rest = taps[0], taps[1:]
        if k == 1:
            o[...] = v[:, i]
        else:
            np.multiply(v[:, i], np.uint16(k), out=o)
        for i, k in rest:
            if k == 1:
                o += v[:, i]
            else:
                np.multiply(v[:, i], np.uint16(k), out=tmp)
                o += tmp
    return out.reshape(g * len(phases), -1)


def _area_resize(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`cv2.resize(img, size, interpolation=cv2.INTER_AREA)` of a BGR uint8 image: the same pixels.
    Where cv2's weights along both axes are whole eighths (a 1280x720 frame's halved copy to the
    400 px work size), each output is a whole number of 64ths before cv2 rounds it (half to
    even) to uint8, whatever order the products are added in; the sums are then made in integers
    (rows, then the transposed columns, as strided numpy steps) in about half cv2's time (its
    area shrink by an uneven ratio is not vectorised). Other sizes go to cv2."""
    h, w = img.shape[:2]
    ys, xs = _area_phases(h, size[1]), _area_phases(w, size[0])
    if ys is None or xs is None or img.ndim != 3 or img.dtype != np.uint8 or img.shape[2] != 3:
        return cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    rows = _area_rows(np.ascontiguousarray(img).reshape(h, w * 3), *ys).reshape(size[1], w, 3)
    cols = _area_rows(cv2.transpose(rows).reshape(w, size[1] * 3), *xs)  # in 64ths, at most 255 * 64
    # the 64ths to uint8: a power of two, so the scaled value is exact; rounded half to even as cv2 does
    return cv2.transpose(cv2.convertScaleAbs(cols, alpha=1 / 64).reshape(size[0], size[1], 3))


def _smoothed_ycc(bgr: np.ndarray) -> np.ndarray:
    """The colours every cue reads: YCrCb as float32, lightly smoothed (the work image's, and the
    finer copy's of `_expand_fine`, alike)."""
    return cv2.GaussianBlur(cv2.cvtColor(bgr, cv2.COLOR_BGR2YCrCb).astype(np.float32), (3, 3), 0.8)


def _sumsq(v: np.ndarray) -> np.ndarray:
    """The sum of squares over the last (channel) axis, added in order as numpy's sum does:
    the same numbers, without numpy's slow reduction over an axis of three."""
    out = v[..., 0] * v[..., 0]
    for c in range(1, v.shape[-1]):
        out = out + v[..., c] * v[..., c]
    return out


def _mean3(v: np.ndarray) -> np.ndarray:
    """`v.mean(axis=1)` of a float32 (n, 3, c) array: added in order and divided as numpy's mean
    does, the same numbers without its overhead."""
    return (v[:, 0] + v[:, 1] + v[:, 2]) / np.float32(3)


def _chsum(v: np.ndarray) -> np.ndarray:
    """The sum over the last (channel) axis, added in order as numpy's sum does: the same numbers,
    without numpy's slow reduction over an axis of three."""
    out = v[..., 0]
    for c in range(1, v.shape[-1]):
        out = out + v[..., c]
    return out


def _wsumsq(v: np.ndarray) -> np.ndarray:
    """`_sumsq(v * _CHANNEL_W)`: each channel weighted and squared on its own, added in the same
    order; the same numbers, without numpy's slow broadcast over an axis of three."""
    out = None
    exact = v.dtype == np.float32 or v.dtype == np.float64  # (a weight of 1 then leaves the channel as it is)
    for c in range(v.shape[-1]):
        x = v[..., c] if exact and _CHANNEL_W[c] == 1 else v[..., c] * _CHANNEL_W[c]
        out = x * x if out is None else out + x * x
    return out


def _sample(img: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Bilinear samples of img at pts (..., 2) in pixel coordinates (x, y)."""
    shape = pts.shape[:-1]
    flat = pts.reshape(-1, 2).astype(np.float32)
    n = len(flat)
    cols = min(max(n, 1), 1024)  # remap wants maps under 32767 a side
    rows = -(-n // cols)
    maps = np.zeros((rows * cols, 2), np.float32)
    maps[:n] = flat
    out = cv2.remap(img, maps[:, 0].reshape(rows, cols), maps[:, 1].reshape(rows, cols), cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REPLICATE)
    out = out.reshape((rows * cols,) + img.shape[2:])[:n]
    return out.reshape(shape + img.shape[2:])


def _sample_many(img: np.ndarray, grids: list) -> list:
    """`_sample` of each of several point arrays, by one remap (each sample depends only on its
    own point: the same numbers, with a third or a quarter of the calls)."""
    if not grids:
        return []
    flat = _sample(img, np.concatenate([g.reshape(-1, 2) for g in grids]))
    out, at = [], 0
    for g in grids:
        k = g.size // 2
        out.append(flat[at:at + k].reshape(g.shape[:-1] + img.shape[2:]))
        at += k
    return out


def _side_geometry(quad: np.ndarray, i: int, n: int, lo: float = 0.08, hi: float = 0.92):
    """Points along side i (from corner i to i+1), the unit outward normal, and the side length."""
    a, b = quad[i], quad[(i + 1) % 4]
    d = b - a
    length = float(np.hypot(*d))
    u = d / max(length, 1e-9)
    normal = np.array([u[1], -u[0]])  # outward for corners ordered clockwise on screen
    return a + _spaced(lo, hi, n) * d, normal, length


@functools.lru_cache(maxsize=256)
def _spaced(lo: float, hi: float, n: int) -> np.ndarray:
    """np.linspace(lo, hi, n) as a read-only column, kept: the same few are asked for every frame."""
    t = np.linspace(lo, hi, n)[:, None]
    t.flags.writeable = False
    return t


_CUT_T = np.linspace(0.1, 0.9, 9)[None, :, None]
_CUT_TS = _CUT_T.ravel().tolist()
_NEXT = np.array([1, 2, 3, 0])
_PREV = np.array([3, 0, 1, 2])
_MAX_CORNER_COS = float(np.cos(np.radians(90 - 35)))
"""A candidate outline's corners must lie within 35 degrees of a right angle."""
_COMBO_LISTS = {n: list(itertools.combinations(range(n), 4)) for n in (5, 6, 7)}
"""Every choice of four sides of a five- to seven-sided outline, in order."""


def _cut_sides(quad: np.ndarray, shape: tuple[int, int], tol: float = 2.5) -> list[bool]:
    """Which sides lie along the frame border or mostly beyond it (the document goes on there)."""
    # `_cut_many` of one quad in plain Python (numpy's calls cost more than its arithmetic on
    # four sides): each point the same float64 a + t * (b - a), the same comparisons
    h, w = shape
    p = np.asarray(quad, np.float64).reshape(4, 2).tolist()
    x_hi, y_hi = w - 1 - tol, h - 1 - tol
    out = []
    for j in range(4):
        (ax, ay), (bx, by) = p[j], p[(j + 1) % 4]
        dx, dy = bx - ax, by - ay
        inside = 0
        for t in _CUT_TS:
            x, y = ax + t * dx, ay + t * dy
            inside += x > tol and x < x_hi and y > tol and y < y_hi
        out.append(inside * 2 < len(_CUT_TS))
    return out


def _cut_many(quads: np.ndarray, shape: tuple[int, int], tol: float = 2.5) -> np.ndarray:
    """`_cut_sides` of K quads (K, 4, 2) at once: a (K, 4) boolean array."""
    h, w = shape
    q = quads
    pts = q[:, :, None, :] + _CUT_T[None] * (q[:, _NEXT] - q)[:, :, None, :]
    inside = (pts[..., 0] > tol) & (pts[..., 0] < w - 1 - tol) & (pts[..., 1] > tol) & (pts[..., 1] < h - 1 - tol)
    return inside.sum(axis=2) * 2 < inside.shape[2]


def _edge_profiles(ycc: np.ndarray, quad: np.ndarray, i: int, n: int = 40) -> tuple[np.ndarray, np.ndarray, float]:
    """Colour samples across side i: (n, len(_OFFSETS), 3), with the outward normal and length."""
    pts, normal, length = _side_geometry(quad, i, n)
    grid = pts[:, None, :] + _OFFSETS[None, :, None] * normal[None, None, :]
    return _sample(ycc, grid), normal, length


_SUPPORT_N = 24
_SUPPORT_T = np.linspace(0.08, 0.92, _SUPPORT_N)[None, :, None]
_SUPPORT_TS = _SUPPORT_T.reshape(1, -1)  # (1, n)


def _segment_profiles(ycc: np.ndarray, segments):
    """Per point along each segment (a, b): where across it (offset from the segment, outwards,
    -4..4 work pixels) the colour changes most, how strongly, the step from one end of the
    profile to the other, and whether the profile lies inside the image. Arrays (S, n)."""
    seg = np.asarray(segments, np.float64).reshape(-1, 2, 2)
    a, d = seg[:, 0], seg[:, 1] - seg[:, 0]
    length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
    normal = np.stack([d[:, 1], -d[:, 0]], axis=1) / length[:, None]
    # the sampling grid (S, n, 11) as x and y apart (the same numbers as one (..., 2) grid of the
    # points a + t d, each coordinate worked out on its own), each segment one row of remap's
    # maps; samples (S, n, 11, 3)
    gx = (a[:, 0:1] + _SUPPORT_TS * d[:, 0:1])[:, :, None] + (_OFFSETS[None, :] * normal[:, 0:1])[:, None, :]
    gy = (a[:, 1:2] + _SUPPORT_TS * d[:, 1:2])[:, :, None] + (_OFFSETS[None, :] * normal[:, 1:2])[:, None, :]
    h, w = ycc.shape[:2]
    # inside the image at every offset: at both ends (each coordinate is monotone along the offsets,
    # as its rounding is: the same answer as checking all eleven; the least of the four ends by
    # pairs, the same number as their min)
    x0, x1, y0, y1 = gx[:, :, 0], gx[:, :, -1], gy[:, :, 0], gy[:, :, -1]
    valid = (np.minimum(np.minimum(x0, x1), np.minimum(y0, y1)) >= 0) & (np.maximum(x0, x1) <= w - 1) \
        & (np.maximum(y0, y1) <= h - 1)
    s, n = gx.shape[:2]
    prof = cv2.remap(ycc, gx.reshape(s, -1).astype(np.float32), gy.reshape(s, -1).astype(np.float32),
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).reshape(s, n, len(_OFFSETS), -1)
    diff = np.sqrt(_wsumsq(prof[:, :, 2:] - prof[:, :, :-2]))  # offsets -4..4
    at = diff.argmax(axis=2)
    peak = at - 4
    # the max, where it is (by one flat index: the same elements, without take_along_axis's overhead)
    strength = diff.reshape(-1, diff.shape[2])[np.arange(at.size), at.ravel()].reshape(at.shape)
    # The step across the side, far enough out to pass a soft or blurred edge.
    step = np.sqrt(_wsumsq(prof[:, :, -1] - prof[:, :, 0]))
    return peak, strength, step, valid


def _masked_median(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The median along the last axis of the values where keep is set, NaN where none is: the
    same numbers as np.nanmedian of the values with the others NaN (the mean of the two middle
    ones for an even count), by one sort instead of its masked arrays (a tenth of the time)."""
    v = np.where(keep, values, np.inf)
    v.sort(axis=-1)
    n = keep.sum(axis=-1)[..., None]
    if v.ndim == 2:  # (every caller's) the same elements, without take_along_axis's overhead
        rows = np.arange(len(v))
        a, b = v[rows, np.maximum((n[:, 0] - 1) // 2, 0)], v[rows, n[:, 0] // 2]
    else:
        a = np.take_along_axis(v, np.maximum((n - 1) // 2, 0), axis=-1)[..., 0]
        b = np.take_along_axis(v, n // 2, axis=-1)[..., 0]
    return np.where(n[..., 0] > 0, (a + b) / 2, np.nan)


def _median(values: np.ndarray, axis: int = 0):
    """np.median of values without NaN along an axis, by one sort: the same numbers and type (the
    middle one, or the mean of the two middle ones for an even count), without np.median's
    overhead (several times the cost on the few dozen values it is used on here)."""
    s = np.sort(values if values.dtype.kind == "f" else values.astype(np.float64), axis=axis)
    n = s.shape[axis]
    if n % 2:
        return np.take(s, n // 2, axis=axis)
    a, b = np.take(s, n // 2 - 1, axis=axis), np.take(s, n // 2, axis=axis)
    return np.true_divide(a + b, 2, dtype=s.dtype)


def _median_flat(values: np.ndarray):
    """np.median of all the values (float, no NaN) by one partition: the same number and type (the
    middle one, or the mean of the two middle ones in the values' type), without np.median's
    overhead. The values are reordered in place: for a temporary array."""
    v = values.ravel()
    n = v.size
    k = n // 2
    if n % 2:
        v.partition(k)
        return v[k]
    v.partition((k - 1, k))
    return np.true_divide(v[k - 1] + v[k], 2, dtype=v.dtype)


_THIRDS = (_SUPPORT_T.ravel() < 0.3, (_SUPPORT_T.ravel() > 0.4) & (_SUPPORT_T.ravel() < 0.6), _SUPPORT_T.ravel() > 0.7)
_THIRDS_MASK = np.stack(_THIRDS)[None]  # (1, 3, n)


def _skin_over(skin: np.ndarray, segments, reach: float = 4.0) -> np.ndarray:
    """Per point along each segment (the points `_segment_profiles` samples), whether skin colour
    lies just inside it, on it and just outside it (a finger or a hand across it). (S, n) bool."""
    seg = np.asarray(segments, np.float64).reshape(-1, 2, 2)
    a, d = seg[:, 0], seg[:, 1] - seg[:, 0]
    length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
    normal = np.stack([d[:, 1], -d[:, 0]], axis=1) / length[:, None]
    return _skin_over_points(skin, a[:, None, :] + _SUPPORT_T * d[:, None, :], normal[:, None, :], reach)


def _skin_over_points(skin: np.ndarray, pts: np.ndarray, normal: np.ndarray, reach: float = 4.0) -> np.ndarray:
    """Whether skin colour lies at each point (..., 2) and `reach` work pixels either side of it
    along the (outward) normal (broadcast against the points)."""
    h, w = skin.shape
    pts, normal = np.asarray(pts), np.asarray(normal)
    nd = max(pts.ndim, normal.ndim)  # (broadcast as np.broadcast_arrays would, without its overhead)
    p = np.rint(pts[None] + np.array([-reach, 0.0, reach]).reshape((3,) + (1,) * nd) * normal[None]).astype(np.intp)
    x, y = p[..., 0], p[..., 1]
    inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
    # the mask at each point (clamped into the image) by one flat index: the same elements
    return (inside & skin.ravel()[np.clip(y, 0, h - 1) * w + np.clip(x, 0, w - 1)]).all(axis=0)


def _hidden_by_hand(skin: np.ndarray, segments, valid: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """The points along each segment (as `_segment_profiles` samples them) to leave out of its
    support: skin lies across the segment there and its edge is not seen, provided at least
    half of the segment's valid points and a third of all its points are left. (S, n) bool."""
    hidden = _skin_over(skin, segments) & valid & ~ok
    nh = hidden.sum(axis=1, keepdims=True)
    nv = valid.sum(axis=1, keepdims=True)
    return hidden & (nh * 2 <= nv) & (nv - nh >= _SUPPORT_N // 3)


def _support_and_bend(ycc: np.ndarray, segments, bend: float = 2.0,
                      skin: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each segment's support and whether the edge along it bends away from both of its ends the
    same way, by `bend` work pixels or more against its middle (the outline of something round
    that the segment only touches). The support of a segment (a, b) is the fraction of points
    along it where the colour changes most right on the segment (within a pixel, across it) and
    clearly (not texture-level); only the points whose profile lies inside the image count (a
    side reaching beyond the frame border shows its edge only inside). With a skin mask, the
    points where a hand or a thumb lies across the segment without the edge showing are left out
    too (the page's edge is hidden there, not missing), as long as at least half of the segment
    and a third of its points are left to judge it by."""
    peak, strength, step, valid = _segment_profiles(ycc, segments)
    ok = (np.abs(peak) <= 1) & (strength >= 7.0) & (step >= 10.0) & valid
    if skin is not None:
        valid = valid & ~_hidden_by_hand(skin, segments, valid, ok)
    nv = valid.sum(axis=1)
    support = np.where(nv >= _SUPPORT_N // 3, ok.sum(axis=1) / np.maximum(nv, 1), 0.0)
    good = valid & (strength >= 7.0)
    # the three stretches at once (S, 3, n): sums of whole numbers, so the same in any order
    sel = good[:, None, :] & _THIRDS_MASK
    n = sel.sum(axis=2)
    enough = (n >= 3).all(axis=1)
    means = (peak[:, None, :] * sel).sum(axis=2) / np.maximum(n, 1)
    a, b = means[:, 0] - means[:, 1], means[:, 2] - means[:, 1]
    bent = enough & (((a <= -bend) & (b <= -bend)) | ((a >= bend) & (b >= bend)))
    return support, bent


def _snap_many(ycc: np.ndarray, quads: list[np.ndarray], shape: tuple[int, int]) -> list[np.ndarray]:
    """Each quad with its sides moved onto the edge found next to them (up to 3 work pixels
    away): a blob's outline sits a pixel or two off the page's edge (smoothing, a shadow)."""
    if not quads:
        return quads
    qa = np.array(quads)
    cuts = _cut_many(qa, shape)
    qk, qi = np.nonzero(~cuts)  # each side inside the frame: its quad and which side
    if not len(qk):
        return quads
    peak, strength, step, valid = _segment_profiles(ycc, np.stack([qa[qk, qi], qa[qk, _NEXT[qi]]], axis=1))
    good = (strength >= 7.0) & (step >= 10.0) & valid & (np.abs(peak) <= 3)
    enough = good.sum(axis=1) >= _SUPPORT_N // 3
    offset = _masked_median(peak, good)  # NaN: a side without edge points has no offset
    out = [q.copy() for q in quads]
    sel = np.flatnonzero(enough & (np.abs(np.nan_to_num(offset)) >= 1.0))
    ks, sides = qk[sel].astype(np.int64), qi[sel].astype(np.int64)
    for side in range(4):  # a quad's sides move in turn, each from where the one before left it
        js = np.flatnonzero(sides == side)
        if not len(js):
            continue
        moved, ok = _move_sides(np.array([out[k] for k in ks[js]]), sides[js], offset[sel[js]].astype(np.float64))
        for j, m, good in zip(js, moved, ok):
            if good:
                out[ks[j]] = m
    return out


def _support_many(ycc: np.ndarray, quads: list[np.ndarray], shape: tuple[int, int], skin: np.ndarray | None = None):
    """`_support` for many quads at once (one sampling pass), and how many of each quad's sides
    are bent (see `_support_and_bend`; `skin`: where a hand may hide the edge): [(support, cut,
    bent sides)]."""
    if not quads:
        return []
    q = np.array(quads)
    cuts = _cut_many(q, shape)
    k, i = np.nonzero(~cuts)
    support = np.full(cuts.shape, np.nan)
    bent = np.zeros(cuts.shape, bool)
    if len(k):
        segs = np.stack([q[k, i], q[k, _NEXT[i]]], axis=1)
        support[k, i], bent[k, i] = _support_and_bend(ycc, segs, skin=skin)
    # (each quad's row as Python numbers, converted once for all: the same values)
    return list(zip(support.tolist(), cuts.tolist(), bent.sum(axis=1).tolist()))


def _support(ycc: np.ndarray, quad: np.ndarray, shape: tuple[int, int],
             skin: np.ndarray | None = None) -> tuple[list[float], list[bool]]:
    """How well each side of a quad follows a real edge (NaN for a side along the frame border)."""
    return _support_many(ycc, [quad], shape, skin)[0][:2]


def length_of(quad: np.ndarray, i: int) -> float:
    return float(np.hypot(*(quad[(i + 1) % 4] - quad[i])))


def _quads_from_contour(contour: np.ndarray, shape: tuple[int, int]) -> list[np.ndarray]:
    """Quadrilaterals that may outline the blob: its hull simplified to four sides, or the four
    longest sides of a five- to seven-sided hull extended to meet (a corner cut by a thumb or
    lying in shadow). A blob reaching the frame border may be a page cut by it: its hull is
    also tried with the points near that border put onto it, and its four longest sides that do
    not run along the border (the page's own, meeting beyond it) are tried too."""
    hull = cv2.convexHull(contour)
    h, w = shape
    # an outline cut by the border under 3 % of the frame is not taken (see find_document)
    cut_ok = cv2.contourArea(hull) >= 0.025 * h * w
    out = _quads_from_hull(hull, shape, cut_ok=cut_ok)
    if not cut_ok:
        return out
    # the hull's least and greatest x and y (whole pixels) by cv2's bounding box: the same numbers
    lo_x, lo_y, bw, bh = cv2.boundingRect(hull)
    hi_x, hi_y = lo_x + bw - 1, lo_y + bh - 1
    near = [(0, lo_x <= 1, 0.0), (0, hi_x >= w - 2, w - 1.0), (1, lo_y <= 1, 0.0), (1, hi_y >= h - 2, h - 1.0)]
    if not any(touches for _, touches, _ in near):
        return out  # nothing to put onto the border
    pts = hull.reshape(-1, 2).astype(np.float64)
    snap = 0.03 * min(h, w)
    snapped = pts.copy()
    for axis, touches, line in near:
        if touches:
            close = np.abs(snapped[:, axis] - line) <= snap
            snapped[close, axis] = line
    if not np.array_equal(snapped, pts):
        out += _quads_from_hull(cv2.convexHull(snapped.astype(np.float32)), shape, border_only=True)
    return out


def _quads_from_hull(hull: np.ndarray, shape: tuple[int, int], border_only: bool = False,
                     cut_ok: bool = True) -> list[np.ndarray]:
    """`_quads_from_contour` of one hull. With border_only (a hull put onto the frame border):
    the hull simplified to four sides, or the four longest sides that do not run along the
    border extended to meet; no bounding rectangle. Without cut_ok, the sides along the border
    are not left out."""
    peri = cv2.arcLength(hull, True)
    if peri < 20:
        return []
    out = []
    for eps in (0.015, 0.025, 0.04, 0.06):
        approx = cv2.approxPolyDP(hull, eps * peri, True)
        if len(approx) <= 7:
            break
    if len(approx) < 4:
        return []
    h, w = shape
    approx = approx.reshape(-1, 2).astype(np.float64)
    # The few corners in plain Python (numpy's calls cost more than its arithmetic on four to
    # seven points), each step the same float64 operation in the same order as numpy's: the
    # same numbers. The side lengths stay numpy's hypot (the C library's; not always the same
    # last bit as math.hypot or a square root).
    p = approx.tolist()
    if len(p) == 4:
        out.append(_order4(p, approx))
    else:
        n = len(p)
        combos = _COMBO_LISTS[n]
        nxt = p[1:] + p[:1]
        edges = [(b[0] - a[0], b[1] - a[1]) for a, b in zip(p, nxt)]  # each corner to the next
        ed = np.array(edges)
        lengths = np.hypot(ed[:, 0], ed[:, 1]).tolist()
        # a side along the frame border is the border's, not the page's
        along = [(abs(a[0]) <= 1 and abs(b[0]) <= 1) or (abs(a[0] - (w - 1)) <= 1 and abs(b[0] - (w - 1)) <= 1)
                 or (abs(a[1]) <= 1 and abs(b[1]) <= 1) or (abs(a[1] - (h - 1)) <= 1 and abs(b[1] - (h - 1)) <= 1)
                 for a, b in zip(p, nxt)]
        picks = []
        # (the combinations are listed in ascending order, so ordering by (sum, sides) is ordering
        # by (sum, index): a stable sort by the sums alone, or the greatest (sum, index) pair)
        if not border_only:
            # the two largest by (sum, sides), the largest first (sums added in order, as numpy's)
            sums = [((lengths[i] + lengths[j]) + lengths[k]) + lengths[m] for i, j, k, m in combos]
            ranked = sorted(range(len(combos)), key=sums.__getitem__)
            picks += ranked[:-3:-1]
        if cut_ok and any(along):
            own = [0.0 if a else v for a, v in zip(along, lengths)]
            sums = [((own[i] + own[j]) + own[k]) + own[m] for i, j, k, m in combos]
            best = max(zip(sums, range(len(combos))))[1]
            if best not in picks and not any(along[s] for s in combos[best]):
                picks.append(best)
        for c in picks:
            # the four sides' lines, each meeting the next
            idx = combos[c]
            p0 = [p[s] for s in idx]
            d = [(edges[s][0] / max(lengths[s], 1e-9), edges[s][1] / max(lengths[s], 1e-9)) for s in idx]
            q = []
            for j in range(4):
                (ax, ay), (dx, dy) = p0[j], d[j]
                (bx, by), (ex, ey) = p0[(j + 1) % 4], d[(j + 1) % 4]
                den = dx * ey - dy * ex
                if abs(den) < 1e-6:
                    break
                t = ((bx - ax) * ey - (by - ay) * ex) / den
                x, y = ax + t * dx, ay + t * dy
                if x < -0.25 * w or x > 1.25 * w or y < -0.25 * h or y > 1.25 * h:
                    break
                q.append([x, y])
            if len(q) < 4:
                continue
            if cv2.isContourConvex(np.array(q, np.float32).reshape(-1, 1, 2)):
                out.append(_order4(q))  # corners beyond the frame border stay there
        if border_only:
            return out
    if border_only:
        return out
    rect = cv2.boxPoints(cv2.minAreaRect(hull.astype(np.float32))).tolist()
    hi_x, hi_y = float(shape[1] - 1), float(shape[0] - 1)
    out.append(_order4([[min(max(x, 0.0), hi_x), min(max(y, 0.0), hi_y)] for x, y in rect]))
    return out


def _skin(ycc: np.ndarray, planes: tuple | None = None) -> np.ndarray:
    """Pixels of skin colour (a hand, a thumb), by the usual YCrCb box (`planes`: ycc's, when
    already split, `_Work.planes`: the same box plane by plane, a quarter quicker than cv2's
    inRange across three float channels)."""
    if planes is None:
        return cv2.inRange(ycc, _SKIN_LO, _SKIN_HI) > 0  # in one pass, bounds just inside the open box
    m = cv2.inRange(planes[1], _SKIN_LO[1], _SKIN_HI[1])
    cv2.bitwise_and(m, cv2.inRange(planes[2], _SKIN_LO[2], _SKIN_HI[2]), dst=m)
    cv2.bitwise_and(m, cv2.inRange(planes[0], _SKIN_LO[0], _SKIN_HI[0]), dst=m)
    return m > 0


# (y > 35, 136 < cr < 175, 80 < cb < 128) as closed bounds on float32 values
_SKIN_LO = tuple(float(np.nextafter(np.float32(v), np.float32(np.inf))) for v in (35, 136, 80))
_SKIN_HI = (float(np.finfo(np.float32).max),) + tuple(float(np.nextafter(np.float32(v), np.float32(-np.inf)))
                                                      for v in (175, 128))


def _dark_skin(planes: tuple, within: np.ndarray | None = None) -> np.ndarray | None:
    """Pixels of a dark hand's colour that the skin box (`_skin`) misses: skin keeps its hue as it
    darkens, but its chroma shrinks with its brightness, so dark or shaded skin (luma 8..60) sits
    just above neutral, red over blue (132 < cr < 175, 80 < cb < 127), below the box's
    cr > 136 and luma > 35 (`within`: only where that mask is set, None when nothing there is).
    Only looked at with a learned empty tray, on what is new on it: on its own, dark brown wood,
    soil or a shadow on a warm surface has these colours too.

    With a tray model the hand rules (`_a_hand`, `_hand_once_refined`) take these pixels as skin:
    a dark hand resting on the tray (its palm band and row of fingertips outlined from the frame
    edge) was a false document the skin box could not see. Tune set: 720p, every family x 90 and
    120 empty surfaces, nothing won or lost; 1080p (hand beside, plain, uneven light x 88, 190
    empty surfaces) one false document gone (a dark two-fingered hand), nothing lost; without a
    tray nothing changes. Tune empty surfaces with a dark hand (luma 0.35-0.8 of
    the composer's tones) put on them: false documents 7 -> 3 of 120 at 720p, 4 -> 1 of 80 at 1080p."""
    y, cr, cb = planes
    m = cv2.inRange(y, 8.0, 60.0)
    if within is not None:
        # (only what is new on the tray: its dark part first, and nothing more when there is none)
        cv2.bitwise_and(m, within.view(np.uint8), dst=m)
        if not cv2.countNonZero(m):
            return None
    cv2.bitwise_and(m, cv2.inRange(cr, 132.0, 175.0), dst=m)
    cv2.bitwise_and(m, cv2.inRange(cb, 80.0, 127.0), dst=m)
    return m > 0 if within is None or cv2.countNonZero(m) else None


def _border_colours(ycc: np.ndarray, ring: int, planes: tuple | None = None) -> np.ndarray:
    """A mask of the pixels whose colour is common along the frame border (the surface); `planes`:
    ycc's planes when already split (`_Work.planes`)."""
    y, cr, cb = cv2.split(ycc) if planes is None else planes  # contiguous planes: faster to work on
    # each plane's level (truncated, as a cast does) straight into the colour's index, in place
    t = np.empty(y.shape, np.float32)
    np.clip(np.multiply(y, np.float32(1 / 8), out=t), 0, 31, out=t)  # a power of two: exact
    idx = t.astype(np.int16)
    for plane in (cr, cb):
        np.clip(np.divide(np.subtract(plane, 64, out=t), 8, out=t), 0, 15, out=t)
        idx <<= 4
        idx += t.astype(np.int16)
    # A colour is the surface's when it is common along at least two sides of the frame: a
    # document reaching beyond one side does not make its own colours "surface".
    sides = (idx[:ring], idx[-ring:], idx[:, :ring], idx[:, -ring:])
    hist = np.stack([np.bincount(side.ravel(), minlength=8192) for side in sides]).astype(np.float32)
    hist /= np.float32([[max(1.0, float(side.size))] for side in sides])
    # A colour next to a border colour counts as border colour too: the greatest of each level
    # and its two neighbours (wrapping round, as np.roll does) along each axis in turn, at least
    # 0.002. The greatest is one of them, so it is at least 0.002 exactly when one of them is:
    # the levels are compared first and grown as booleans (the same votes, a quarter the bytes).
    grown = (hist >= 0.002).reshape(4, 32, 16, 16)
    for axis in (1, 2, 3):
        n = grown.shape[axis]
        wrapped = np.take(grown, [n - 1, *range(n), 0], axis=axis)
        lo, hi = [slice(None)] * 4, [slice(None)] * 4
        lo[axis], hi[axis] = slice(0, n), slice(2, n + 2)
        grown = grown | wrapped[tuple(lo)] | wrapped[tuple(hi)]
    votes = grown.reshape(4, -1).sum(axis=0)
    return np.take(votes >= 2, idx)


class TrayModel:
    """What the empty tray looks like, learned while the booth is idle, refreshed as the light drifts.

    A booth's document camera is fixed over its tray, so a picture of the empty tray says which
    pixels are surface. Feed `learn` frames in which the tray is known to be empty (the booth is
    idle and `find_document` has found nothing for a while); the model keeps a running mean and
    spread per pixel at a small working size. `find_document(frame, tray=model)` then uses the
    difference from it (after matching the overall brightness and colour, so lighting drift
    between refreshes is tolerated) as one more way to find a document. Everything works
    without one.

    Args:
        work_width: Width the frames are shrunk to (matches `find_document`'s work width).
        rate: Weight of each new frame in the running mean (0.05: about the last 20 frames).
        min_frames: Frames needed before the model is used.
    """

    def __init__(self, *, work_width: int = WORK_WIDTH, rate: float = 0.05, min_frames: int = 5) -> None:
        self.work_width = work_width
        self.rate = rate
        self.min_frames = min_frames
        self.frames = 0
        self._mean: np.ndarray | None = None
        self._var: np.ndarray | None = None
        self._spread: np.ndarray | None = None
        self._texture: np.ndarray | None = None  # the learned tray's brightness Laplacian (`texture_match`)
        self._size: tuple[int, int] | None = None

    @property
    def ready(self) -> bool:
        """True once enough empty frames have been learned."""
        return self.frames >= self.min_frames

    def reset(self) -> None:
        """Forget the tray (the camera was moved, the tray replaced)."""
        self.frames, self._mean, self._var, self._spread, self._size = 0, None, None, None, None
        self._texture = None

    def learn(self, frame: np.ndarray) -> None:
        """Learn from a frame of the empty tray.

        Args:
            frame: BGR (or grey) uint8 frame in which the tray is empty.
        """
        self._learn(_prepare(frame, self.work_width).ycc, (frame.shape[1], frame.shape[0]))

    def _learn(self, y: np.ndarray, size: tuple[int, int]) -> None:
        if self._size != size or (self._mean is not None and self._mean.shape != y.shape):
            self.reset()
            self._size = size
        if self._mean is None:
            self._mean, self._var = y.copy(), np.full_like(y, 4.0)
        else:
            d = self._offset(y)
            a = max(self.rate, 1.0 / (self.frames + 1))
            self._mean += a * d
            self._var = (1 - a) * (self._var + a * d * d)
        self._spread = self._texture = None
        self.frames += 1

    def _offset(self, ycc: np.ndarray) -> np.ndarray:
        """ycc minus the model, after matching its overall brightness and colour to the model's
        (lighting drift)."""
        assert self._mean is not None
        mean = self._mean
        ratio = max(float(_median_flat(ycc[::4, ::4, 0] / np.maximum(mean[::4, ::4, 0], 1.0))), 1e-3)
        shift = [float(_median_flat(ycc[::4, ::4, c] - mean[::4, ::4, c])) for c in (1, 2)]
        # ycc * [1 / ratio, 1, 1] - [0, shift...] in float32, as one cv2.transform with the factors
        # as float32 numbers: each output is one product or one difference (the other terms are
        # exact zeros), rounded once to float32, so the same numbers as a multiply and a subtract
        # by cv2, in a third of the time (and many times faster than numpy's broadcast over an
        # axis of three)
        s, a, b = float(np.float32(1.0 / ratio)), float(np.float32(shift[0])), float(np.float32(shift[1]))
        m = np.array([[s, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, -a], [0.0, 0.0, 1.0, -b]])
        return cv2.subtract(cv2.transform(ycc, m), mean)

    def difference(self, ycc: np.ndarray, frame_size: tuple[int, int]) -> np.ndarray | None:
        """Per-pixel colour difference from the empty tray in noise units (None: not usable)."""
        if not self.ready or self._size != frame_size or self._mean is None or self._mean.shape != ycc.shape:
            return None
        if self._spread is None:
            self._spread = np.sqrt(cv2.transform(self._var, np.ones((1, 3), np.float32))) + 4.0
        d = self._offset(ycc)
        dist2 = cv2.transform(cv2.multiply(d, d), (_CHANNEL_W * _CHANNEL_W)[None, :])
        return cv2.divide(cv2.sqrt(dist2), self._spread)  # IEEE float32 sqrt and division, as numpy's

    def texture_match(self, ycc: np.ndarray, quad: np.ndarray) -> float:
        """How much the fine texture inside a work-size quad is the empty tray's own: the
        correlation of the brightness Laplacian of `ycc` with the learned tray's, over the quad
        (eroded by a pixel). A change of light or a shadow on the tray scales its texture and
        leaves it in place (correlation near 1); a page, a hand or anything else put down hides it
        (near 0). 0.0 when the quad holds too few pixels to tell."""
        assert self._mean is not None
        h, w = ycc.shape[:2]
        x0, y0 = np.maximum(np.floor(quad.min(axis=0)).astype(int) - 1, 0)
        x1, y1 = np.minimum(np.ceil(quad.max(axis=0)).astype(int) + 2, (w, h))
        if x1 - x0 < 5 or y1 - y0 < 5:
            return 0.0
        poly = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillConvexPoly(poly, np.round(quad - (x0, y0)).astype(np.int32), 1)
        keep = cv2.erode(poly, np.ones((3, 3), np.uint8))
        if cv2.countNonZero(keep) < 25:
            return 0.0
        if self._texture is None:
            self._texture = cv2.Laplacian(np.ascontiguousarray(self._mean[..., 0]), cv2.CV_32F)
        # (the crop reaches a pixel beyond the quad and the kept pixels lie inside it, so the crop's
        # Laplacian there is the whole image's)
        keep = keep.astype(np.float32)
        a = cv2.multiply(cv2.Laplacian(np.ascontiguousarray(ycc[y0:y1, x0:x1, 0]), cv2.CV_32F), keep).ravel()
        b = cv2.multiply(self._texture[y0:y1, x0:x1], keep).ravel()
        return float(np.dot(a, b)) / max(float(np.sqrt(float(np.dot(a, a)) * float(np.dot(b, b)))), 1e-9)

    def changed_fraction(self, frame: np.ndarray) -> float | None:
        """Fraction of the frame that differs from the empty tray (after matching the overall
        light), or None while the model is not ready or was learned at another frame size."""
        diff = self.difference(_prepare(frame, self.work_width).ycc, (frame.shape[1], frame.shape[0]))
        return None if diff is None else float((diff > TRAY_NEW).mean())


class TrayStep(enum.Enum):
    """What `TrayWatch.feed` did with a frame of the idle tray.

    LEARNED: the frame was learned (the tray is empty and still). MOVING: something moves over
    the tray (a hand, a person leaning over): nothing learned until it has been still for a
    while. DOCUMENT: something lies on the tray (`find_document` found it): not learned. CHANGED:
    the tray looks unlike the model over much of it (the lamp, daylight, the camera was knocked):
    not learned yet. RELEARNED: it stayed so, still and without a document, long enough: the
    model was started afresh from this frame. WAITING: too soon after the last frame learned.
    """

    LEARNED = "learned"
    MOVING = "moving"
    DOCUMENT = "document"
    CHANGED = "changed"
    RELEARNED = "relearned"
    WAITING = "waiting"


TRAY_NEW = 4.0
"""Difference from the empty tray (in units of its noise) above which a pixel shows something new."""


@dataclass
class TrayWatch:
    """Decides which frames of the idle tray a `TrayModel` learns, so that it follows the light.

    Pure: frames and timestamps in, a `TrayStep` out. Feed it frames while no document is wanted
    and nobody is at the booth (the booth app does so between visits, about once a second). A
    frame is learned when the view has been still for `quiet_s`, no document is found in it, and
    (once the model is ready) it differs from the model over at most `changed_limit` of the
    frame: slow drift of the light is followed frame by frame (each learned frame weighs
    `TrayModel.rate`). When the view stays different (a lamp switched, the camera moved) but
    still and empty for `relearn_s`, the model starts afresh. Whatever stays on the idle tray,
    still, for `settle_s` becomes part of it even if it looks like a document (a tray whose
    texture or markings fool the scanner; a document forgotten there is learned too, and
    unlearned the same way once it is taken away).

    Args:
        model: The tray model it teaches.
        quiet_s: How long the view must have been still before a frame is learned.
        every_s: Least time between two learned frames.
        changed_limit: Largest fraction of the frame that may differ from the model in a frame
            that is learned into it (more: the tray changed, see `relearn_s`).
        relearn_s: How long a changed, still, empty view lasts before the model starts afresh.
        settle_s: How long a still view must last before it is learned whatever it shows.
        motion_limit: Fraction of the (small, grey) frame that may change between two frames
            fed while the view counts as still.
    """

    model: TrayModel = field(default_factory=TrayModel)
    quiet_s: float = 2.0
    every_s: float = 1.0
    changed_limit: float = 0.03
    relearn_s: float = 20.0
    settle_s: float = 120.0
    motion_limit: float = 0.01
    _previous: np.ndarray | None = field(default=None, init=False, repr=False)
    _quiet_since: float | None = field(default=None, init=False, repr=False)
    _changed_since: float | None = field(default=None, init=False, repr=False)
    _learned_at: float | None = field(default=None, init=False, repr=False)

    def forget_view(self) -> None:
        """Forget the last frame seen (kept small, to see motion; a wipe calls this) and start
        waiting for a still view again. The model is kept: it holds only the empty tray."""
        self._previous = self._quiet_since = self._changed_since = None

    def feed(self, timestamp: float, frame: np.ndarray) -> TrayStep:
        """Look at one frame of the idle tray and learn it if it shows the empty tray.

        Args:
            timestamp: Frame time in seconds (monotonic).
            frame: BGR (or grey) uint8 frame from the document camera.
        """
        grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        k = 160.0 / grey.shape[1]
        small = cv2.resize(grey, (160, max(8, round(grey.shape[0] * k))), interpolation=cv2.INTER_AREA)
        previous, self._previous = self._previous, small
        moving = previous is None or previous.shape != small.shape or \
            float((cv2.absdiff(small, previous) > 12).mean()) > self.motion_limit
        if moving:
            self._quiet_since = None
        if self._quiet_since is None:
            self._quiet_since = timestamp
            self._changed_since = None
            return TrayStep.MOVING
        if timestamp - self._quiet_since < self.quiet_s:
            return TrayStep.MOVING
        if self._learned_at is not None and timestamp - self._learned_at < self.every_s:
            return TrayStep.WAITING
        settled = timestamp - self._quiet_since >= self.settle_s
        model = self.model
        if not settled and find_document(frame, tray=model) is not None:
            self._changed_since = None
            return TrayStep.DOCUMENT
        ycc, size = _prepare(frame, model.work_width).ycc, (frame.shape[1], frame.shape[0])
        diff = model.difference(ycc, size)
        changed = None if diff is None else float((diff > TRAY_NEW).mean())
        if changed is not None and changed > self.changed_limit:
            if self._changed_since is None:
                self._changed_since = timestamp
            if timestamp - self._changed_since < self.relearn_s and not settled:
                return TrayStep.CHANGED
            logger.info("the empty tray looks different (%.0f %% of it): learning it afresh", 100 * changed)
            model.reset()
            model._learn(ycc, size)
            self._changed_since, self._learned_at = None, timestamp
            return TrayStep.RELEARNED
        self._changed_since = None
        was_ready = model.ready
        model._learn(ycc, size)
        self._learned_at = timestamp
        if model.ready and not was_ready:
            logger.info("empty tray learned (%d frames)", model.frames)
        return TrayStep.LEARNED


def _largest_regions(edges: np.ndarray, most: int, picks: list | None = None) -> np.ndarray | None:
    """A mask (uint8 0/255) of the `most` largest regions (4-connected) the edges enclose, of at
    least 0.4 % of the image and with a bounding box under 90 % of it (not the surface around
    everything); None when there is none. The largest first, ties in raster order of their first
    pixel (the labels' order), as from `connectedComponentsWithStats`, but with the areas counted
    by a histogram of the labels and the boxes found only for the few large regions (the
    statistics of every region cost three times the labelling). With a `picks` list, each region
    taken is added to it, in that order, as (labels, label, x, y, width, height)."""
    h, w = edges.shape
    free = cv2.bitwise_not(edges)
    if h * w // 2 + 2 > 65535:  # more regions than 16-bit labels could hold: the plain way
        n, labels, stats, _ = cv2.connectedComponentsWithStats(free, connectivity=4)
        sel = (stats[:, cv2.CC_STAT_AREA] >= 0.004 * h * w) \
            & (stats[:, cv2.CC_STAT_WIDTH] * stats[:, cv2.CC_STAT_HEIGHT] < 0.9 * h * w)
        sel[0] = False
        big = sorted(np.flatnonzero(sel).tolist(), key=lambda k: -stats[k, cv2.CC_STAT_AREA])[:most]
        if not big:
            return None
        if picks is not None:
            picks += [(labels, k, *(int(v) for v in stats[k, :4])) for k in big]
        lut = np.zeros(n, np.uint8)
        lut[big] = 255
        return np.take(lut, labels)
    n, labels = cv2.connectedComponents(free, connectivity=4, ltype=cv2.CV_16U)
    area = cv2.calcHist([labels], [0], None, [n], [0, n]).ravel()  # exact counts (float32, < 2**24)
    large = np.flatnonzero(area >= 0.004 * h * w)
    out = None
    found = 0
    for k in sorted(large[large > 0].tolist(), key=lambda k: -area[k]):  # label 0: the edges
        inside = cv2.compare(labels, k, cv2.CMP_EQ)
        x, y, bw, bh = cv2.boundingRect(inside)
        if bw * bh < 0.9 * h * w:
            out = inside if out is None else cv2.bitwise_or(out, inside)
            if picks is not None:
                picks.append((labels, k, x, y, bw, bh))
            found += 1
            if found == most:
                break
    return out


def _candidate_masks(work: _Work, new_on_tray: np.ndarray | None,
                     skin: np.ndarray | None = None, common: np.ndarray | None = None,
                     regions: list | None = None) -> list[np.ndarray]:
    """Binary masks (uint8 0/255) in which a document may be one blob, by several cues
    (`common`: the surface's colours, `_border_colours`, when already known); the outlines of
    the largest regions the edges enclose, each on its own, are added to `regions` when a list
    is given."""
    h, w = work.shape
    ycc = work.ycc
    masks = []
    k = max(3, int(round(w / 160)) | 1)
    open_k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    close_k = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    neck = max(7, int(0.07 * min(h, w)) | 1)
    neck_k = cv2.getStructuringElement(cv2.MORPH_RECT, (neck, neck))
    necked = []
    # 1. Edges: whatever the frame border cannot reach without crossing an edge is an object.
    #    On a textured surface the thresholds rise until only the strongest edges are left.
    planes = work.planes  # contiguous planes: the same numbers, faster to work on
    t = np.empty_like(planes[0])  # one scratch plane: the same float32 steps, in place
    y8 = np.clip(planes[0], 0, 255, out=t).astype(np.uint8)
    chroma = []
    for c in (1, 2):
        np.subtract(planes[c], 128, out=t)
        t *= 3
        t += 128
        chroma.append(np.clip(t, 0, 255, out=t).astype(np.uint8))
    for hi in (70, 140):
        edges = cv2.Canny(y8, hi // 2, hi)
        for c in chroma:
            edges |= cv2.Canny(c, hi // 2, hi)
        edges = cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
        # one fill from a blank frame drawn around the image reaches every border opening
        flood = cv2.copyMakeBorder(edges, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
        cv2.floodFill(flood, None, (0, 0), 128)
        masks.append(cv2.compare(flood[1:-1, 1:-1], 128, cv2.CMP_NE))
        closed = masks[-1]
        # The regions the edges enclose, one by one: a page touching another object is still
        # a region of its own when its outline is an unbroken edge.
        picks: list = []
        region = _largest_regions(edges, 6, picks)
        if region is not None:
            region = cv2.dilate(region, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
            masks.append(region)
            if regions is not None:
                # each region's own outline too: in the mask, regions a thin edge apart join
                # where it is widened (a page and the region next to it), and only a mask's two
                # largest blobs are looked at (a page beside two larger objects is left out)
                for labels, k, x, y, bw, bh in picks:
                    if x == 0 or y == 0 or x + bw == w or y + bh == h:
                        continue  # reaching the frame border: the surface, or something beyond it
                    if (bw + 2) * (bh + 2) < _OWN_REGION_AREA * h * w:
                        continue  # its outline would be too small to be taken (see find_document)
                    x0, y0, x1, y1 = max(x - 1, 0), max(y - 1, 0), min(x + bw + 1, w), min(y + bh + 1, h)
                    own = cv2.compare(labels[y0:y1, x0:x1], int(k), cv2.CMP_EQ)
                    own = cv2.dilate(own, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
                    outer, _ = cv2.findContours(own, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE, offset=(x0, y0))
                    if outer:
                        regions.append(max(outer, key=cv2.contourArea))
            # where an edge has a gap, a region leaks into its neighbour through a neck: the
            # regions again, their holes (print) filled and necks under 7 % of the image cut (a
            # square opening: a tenth of the cost of a round one, and as good)
            filled = np.zeros_like(region)
            outer, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            cv2.drawContours(filled, outer, -1, 255, cv2.FILLED)
            necked.append(cv2.morphologyEx(filled, cv2.MORPH_OPEN, neck_k))
        if cv2.countNonZero(edges) / edges.size < 0.12:
            break
    # 2. Colours not seen along the frame border (the surface is what surrounds everything).
    if common is None:
        common = _border_colours(ycc, max(3, int(0.03 * min(h, w))), work.planes)
    fg = cv2.compare(common.view(np.uint8), 0, cv2.CMP_EQ)  # 255 where not common (one pass, the same mask)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, open_k)
    fg = cv2.morphologyEx(fg, cv2.MORPH_CLOSE, close_k)
    masks.append(fg)
    # 3. Brightness against the local surface level (a median over a neighbourhood of a tenth
    #    of the frame): lighter or darker than its surroundings even where a gradient or a
    #    shadow lies across both. A large page shows as a ring along its edge; its outline holds.
    y = planes[0]
    cw, ch = max(8, w // 8), max(8, h // 8)
    coarse = cv2.resize(y8, (cw, ch), interpolation=cv2.INTER_AREA)
    local = cv2.resize(_median5(coarse), (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    ratio = y / np.maximum(local, 8.0)
    # (the 0/255 masks of ratio > 1.25 and ratio < 0.7 by cv2.compare: the float32 bounds compared
    # as numpy compares them, in one pass)
    for m in (cv2.compare(ratio, 1.25, cv2.CMP_GT), cv2.compare(ratio, 0.7, cv2.CMP_LT)):
        m = cv2.morphologyEx(m, cv2.MORPH_OPEN, open_k)
        masks.append(cv2.morphologyEx(m, cv2.MORPH_CLOSE, close_k))
    # 4. What is not the empty tray, when it is known.
    if new_on_tray is not None:
        m = cv2.compare(new_on_tray.view(np.uint8), 0, cv2.CMP_NE)  # (0/255 in one pass)
        m = cv2.morphologyEx(m, cv2.MORPH_OPEN, open_k)
        masks.append(cv2.morphologyEx(m, cv2.MORPH_CLOSE, close_k))
    # The same without skin: a hand or thumb merged with the page is cut away.
    skin = _skin(ycc) if skin is None else skin
    if np.count_nonzero(skin) / skin.size > 0.005:
        cut = cv2.compare(skin.view(np.uint8), 0, cv2.CMP_EQ)  # 255 where not skin (one pass)
        masks += [cv2.morphologyEx(m & cut, cv2.MORPH_OPEN, open_k) for m in masks[:3]]
        if skin[0].any() or skin[-1].any() or skin[:, 0].any() or skin[:, -1].any():
            masks.append(_without_hand_rim(closed, cut, open_k))  # an arm reaching in
    return masks + necked


def _median5(img: np.ndarray) -> np.ndarray:
    """`cv2.medianBlur(img, 5)` of a small uint8 plane: the same pixels. OpenCV's vectorised median
    needs a row wider than a few of its vectors; a narrower one (the 50-pixel coarse copy of
    `_candidate_masks`) takes its plain per-pixel path, eight times slower (130 against 16 us).
    The plane is widened by replicating its first and last columns (what the median's own
    replicated border reads there), filtered, and its own columns taken back."""
    pad = max(0, (_MEDIAN_WIDE - img.shape[1] + 1) // 2)
    if not pad:
        return cv2.medianBlur(img, 5)
    wide = cv2.copyMakeBorder(img, 0, 0, pad, pad, cv2.BORDER_REPLICATE)
    return cv2.medianBlur(wide, 5)[:, pad:pad + img.shape[1]]


_MEDIAN_WIDE = 160
"""The width `_median5` widens a plane to (OpenCV's vectorised path took rows from about 70
pixels here; 160 leaves room for wider vectors)."""


def _without_hand_rim(closed: np.ndarray, not_skin: np.ndarray, open_k: np.ndarray) -> np.ndarray:
    """The last closed-edges mask of `_candidate_masks` without skin and without the hand's own
    edges, its rim just outside the skin (2 work pixels): the frame border reaches the hand
    through the arm, but the edges along the hand's sides, widened, stay in the mask as thin
    strips joining the page to the frame border, and the page's outline runs out along them.
    Tune set: 720p covered 25 found (both detectors), 1080p covered 2's corners (63 -> 0.5 % of
    the diagonal); nothing else changed, no false document added on the 480 empty surfaces.
    Only looked at where skin reaches the frame border (an arm reaching in)."""
    rimless = cv2.erode(not_skin, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    return cv2.morphologyEx(closed & rimless, cv2.MORPH_OPEN, open_k)


_OWN_REGION_AREA = 0.08
"""Least area (fraction of the frame) of a region the edges enclose for its own outline to be a
candidate (see `_candidate_masks`). With every size of region (tune set, 720p) false documents
doubled (4.2 -> 8.3 %) and small crisp regions inside pages were chosen over the pages; every
scene the own regions fixed was a region over 0.1 of the frame, and 0.05 gave the same results."""


_LINES_BELOW = 0.5
"""Outlines of long straight edges (`_quads_from_lines`) are looked for only when no outline that
passed has all its seen sides at least this well supported, and some candidate outline of at
least `_LINES_AREA` of the frame has a seen side at least `_LINES_SIDE` well supported (a page the
regions missed still shows an edge clearly, around itself or a good part of it; an empty surface
mostly shows none, or only on small cells of its texture: there the lines cost most and can only
find texture)."""
_LINES_SIDE = 0.8
_LINES_AREA = 0.05


def _lines_wanted(weakest: list[float], quads: list[np.ndarray], supports: list,
                  shape: tuple[int, int]) -> bool:
    """Whether outlines of long straight edges are worth looking for, given the weakest seen side
    of each outline that passed, and every candidate with its (support, cut, bent): see
    `_LINES_BELOW`."""
    if any(v >= _LINES_BELOW for v in weakest):
        return False
    least = _LINES_AREA * shape[0] * shape[1]
    return any(any(v >= _LINES_SIDE for v, c in zip(sup, cut) if not c) and _visible_area(q, shape) >= least
               for q, (sup, cut, _) in zip(quads, supports))


def _weakest_seen(skin: np.ndarray, quad: np.ndarray, support: list[float], cut: list[bool],
                  across_min: float = 0.2) -> float:
    """The weakest support among an outline's sides inside the frame, leaving out a weak side
    (under 0.5) that a hand or a thumb lies across over `across_min` of it or more: its edge is
    hidden there, not missing, and whether the outline has a weak side (see `_choose`: a page
    around a smaller crisp outline is preferred only without one) is told by the others. A
    finger across a page splits it, and the crisp piece beside the finger was chosen over the
    page. With every side left out, the weakest of all."""
    sides = [v for v, c in zip(support, cut) if not c]
    across = _skin_over(skin, [(quad[k], quad[(k + 1) % 4]) for k in range(4)]).mean(axis=1)
    seen = [v for v, c, a in zip(support, cut, across) if not c and not (v < 0.5 and a >= across_min)]
    return min(seen) if seen else min(sides)


def _held_card(skin: np.ndarray, quad: np.ndarray, support: list[float], cut: list[bool]) -> bool:
    """Whether a skin-coloured outline is a skin-toned card (pink, beige, a brown bank-book cover)
    that a thumb or a finger holds, rather than a hand: every side is either a clear edge (support
    0.8 or more, no skin across it) or crossed by a finger, on one side or two neighbouring ones
    (a thumb over a corner). A crossed side shows its edge along the same line where the finger
    does not lie across it (support 0.25 or more, skin across 0.2 to 0.9 of it, the two together
    0.95 of it or more), and the finger carries on well beyond it (skin 10 work pixels outside
    over at least half the stretch it crosses: it comes from outside the card). A hand's own
    outline is curved, not clear straight sides; a band of a hand or an arm has skin across two
    opposite sides; a side whose "edge" lies under skin all along (a finger's own crease) is not
    a card's side seen beyond a finger."""
    if any(cut):
        return False
    across = _skin_over(skin, [(quad[j], quad[(j + 1) % 4]) for j in range(4)]).mean(axis=1)
    crossed = [k for k in range(4) if across[k] >= 0.2]
    if len(crossed) > 2 or (len(crossed) == 2 and crossed[1] - crossed[0] == 2):
        return False
    for k in range(4):
        if support[k] + across[k] < 0.95:
            return False
        if k not in crossed:
            if support[k] < 0.8:
                return False
        elif support[k] < 0.25 or across[k] > 0.9:
            return False
    for k in crossed:
        pts, normal, _ = _side_geometry(quad, k, 24, 0.0, 1.0)
        if _skin_over_points(skin, pts + 10.0 * normal, normal, 0.0).mean() < 0.5 * across[k]:
            return False
    return True


def _held_on_skin_tone(ycc: np.ndarray, skin: np.ndarray, hands: np.ndarray | None, quad: np.ndarray,
                       skin_any: np.ndarray, new: np.ndarray | None = None) -> bool:
    """On a skin-toned surface (wood, fur), whether an outline seen whole that the hand rule takes
    for a hand (mostly skin inside, a weak side) is a skin-toned card (pink, beige) a finger lies
    across. There `_held_card` cannot tell: the surface around the card is skin-coloured too, so
    every side reads as crossed by skin. Here a hand is skin the surface does not show, by its
    colour (``hands``) or its smoothness (`_smooth_skin`): with the stretches of the sides where
    such a hand lies across them and their edge is not seen left out (as `_support` does), the
    outline is no hand; no side lies under the hand all along (a band of a hand between two
    creases); skin lies across one side or two neighbouring ones (a finger, a thumb over a
    corner; two opposite ones are a band of a hand or an arm); and over every side with a
    stretch left out (a fifth of it or more) the edge is seen beside the hand and the hand
    carries on outside the card (10 work pixels out, over at least half the stretch it crosses:
    a finger comes from outside; a row of fingertips' gaps does not). Tune set: 720p covered 16
    (a pink card on the garage photo, a finger across its lower sides) found; no empty surface
    called a document."""
    h, w = skin.shape
    # (smoothness looked at 8 work pixels around the outline's box, and 4 more: the 10 out below)
    over = _smooth_skin(ycc, skin, np.array([quad.min(axis=0) - 4.0, quad.max(axis=0) + 4.0]))
    if hands is not None:
        over |= hands
    (base, cut, _), (seen, _, _) = _support_many(ycc, [quad], (h, w)) + _support_many(ycc, [quad], (h, w), over)
    if _a_hand(skin_any, True, quad, seen, cut, new):
        return False
    across = _skin_over(over, [(quad[j], quad[(j + 1) % 4]) for j in range(4)]).mean(axis=1)
    crossed = [k for k in range(4) if across[k] >= 0.2]
    if len(crossed) > 2 or (len(crossed) == 2 and crossed[1] - crossed[0] == 2) or across.max() > 0.9:
        return False
    for k in crossed:
        if seen[k] > base[k]:
            pts, normal, _ = _side_geometry(quad, k, 24, 0.0, 1.0)
            if base[k] < 0.25 or _skin_over_points(over, pts + 10.0 * normal, normal, 0.0).mean() < 0.5 * across[k]:
                return False
    return True


def _changed_beyond_opposite_sides(new: np.ndarray, quad: np.ndarray, most: float = 0.7) -> bool:
    """Whether, against the learned empty tray, something new lies just beyond two opposite
    sides of an outline (3 and 5 work pixels out) over `most` of each: a band of a hand or an
    arm, the hand carrying on past both, whatever its colour (a dark hand below the skin box)."""
    beyond = _new_beyond(new, quad)
    return (beyond[0] >= most and beyond[2] >= most) or (beyond[1] >= most and beyond[3] >= most)


def _new_beyond(new: np.ndarray, quad: np.ndarray) -> list[float]:
    """For each side of an outline, the fraction of it (24 points, its ends left out) beyond which
    something new against the learned empty tray lies 3 and 5 work pixels out (0 beyond the frame)."""
    h, w = new.shape
    beyond = []
    for i in range(4):
        p, normal, _ = _side_geometry(quad, i, 24)
        at = np.rint(p[None] + np.array([3.0, 5.0])[:, None, None] * normal).astype(np.intp)
        x, y = at[..., 0], at[..., 1]
        ok = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        seen = new[np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)] & ok
        beyond.append(float((seen[0] & seen[1]).mean()))
    return beyond


def _a_hand(skin: np.ndarray, skin_surface: bool, quad: np.ndarray, support: list[float], cut: list[bool],
            new: np.ndarray | None = None) -> bool:
    """Whether an outline is a hand (or a piece of one), not a document: mostly skin-coloured
    inside, with a weak side (support under 0.7: a hand's outline is curved, its fingertips a
    row of bumps) or, off a skin-toned surface, skin just outside it (the hand carries on beyond
    the outline); unless it is a skin-toned card a finger holds (`_held_card`) and, with `new`
    (what differs from a learned empty tray), nothing new lies beyond two opposite sides of it:
    a piece of a hand between two creases, whose fingers carry on beyond one side and whose palm
    beyond the other, passes for a held card where the skin box misses the darker skin beyond."""
    if _inside_fraction(skin, quad) <= 0.5:
        return False
    weakest = min((v for v, c in zip(support, cut) if not c), default=1.0)
    return (weakest < 0.7 or (not skin_surface and _skin_around(skin, quad) > 0.1)) \
        and not (_held_card(skin, quad, support, cut)
                 and (new is None or not _changed_beyond_opposite_sides(new, quad)))


def _hand_once_refined(ycc: np.ndarray, skin: np.ndarray, skin_surface: bool, quad: np.ndarray, cut: bool,
                       new: np.ndarray | None) -> bool:
    """The hand rule (`_a_hand`) again on a chosen outline as refined (`quad`, work size), where
    the rough one reached beyond the frame (`cut`) or, with a learned empty tray (`new`), where
    skin that is new on the tray carries on beyond one of its sides over `_HAND_CARRIES_ON` of it.
    A hand reaching in that passed the rule narrowly (its row of fingertips a fair edge at the
    rough outline's place; with a tray model, every false document of 1000 tune empty surfaces at
    720p was a hand) shows the fingertips' bumps once its sides sit on the hand's own edges. An
    outline seen whole is looked at again only when the tray says the hand goes on past it: a
    piece of a hand or an arm (between its fingertips and a crease, or a band of it) is joined to
    the rest of the hand, which reaches in from the frame's edge, while a card lying on the tray
    has the empty tray around it, and a skin-toned card held in a hand has the hand beyond only a
    part of a side (1080p covered 81: 0.58; whatever is new there, the hand's shadow included,
    lies beyond all of it). Without that, the refined outline's work-size support and the skin
    just outside it read a blurred or small card's fringe as a hand (tune 720p with a tray model,
    every whole outline looked at again: covered 16 and blurry 8 lost). On a skin-toned surface
    (wood, fur), where `_a_hand` cannot use the skin just outside an outline, the tray tells the
    hand there too: it is the skin that is new on the tray (a hand reaching in over the cat-fur
    photo, its fingers beyond the outline's top, was called a document under booth stress)."""
    if skin_surface and new is not None:
        # on a skin-toned surface (wood, fur) the skin colour says nothing about a hand, but the
        # tray does: the hand is the skin that is new on it
        skin, skin_surface = skin & new, False
    if _inside_fraction(skin, quad) <= 0.5:  # (the rule's first test, before the support is measured)
        return False
    if not cut and (new is None or max(_new_beyond(new & skin, quad)) < _HAND_CARRIES_ON):
        return False
    return _a_hand(skin, skin_surface, quad, *_support(ycc, quad, ycc.shape[:2]), new)


def _score(support: list[float], cut: list[bool]) -> float:
    vals = [s for s, c in zip(support, cut) if not c]
    if len(vals) < 2:
        return 0.0
    # The weakest side counts double: a real page has four edges, a blob of texture rarely one.
    return float((sum(vals) + min(vals)) / (len(vals) + 1))


def find_document(
    frame: np.ndarray,
    *,
    tray: TrayModel | None = None,
    min_area_fraction: float = 0.005,
    max_area_fraction: float = 0.95,
    max_aspect: float = 2.2,
    min_score: float = 0.55,
    work_width: int = WORK_WIDTH,
) -> Detection | None:
    """Find the most plausible document quadrilateral in a frame of the tray.

    Candidate outlines come from several cues on a shrunken copy of the frame: closed edges
    (what the frame border cannot reach without crossing an edge), colours not seen along the
    frame border (the surface), brightness against the local surface level (lighting gradients
    and shadows), the difference from the empty tray when a `TrayModel` is given, and each of
    these again with skin-coloured pixels cut away (a hand or thumb on the page); the crisp piece
    of a page beside a finger across it is also carried on across the finger to where the page's
    edges end beyond it (`_across_finger`; so is the chosen outline once `_expand` grew it, where
    the skin is a hand's, smooth). Every blob is
    simplified to a quadrilateral (a corner hidden by a thumb is restored by extending the
    neighbouring sides). Each quadrilateral is scored by how well its four sides follow real
    edges (where a hand or a thumb lies across a side, only the stretches where the edge can be
    seen count), and the best plausible one is refined at full resolution by fitting lines to the
    edge found across each side (the points under a hand and other outliers dropped). A chosen
    outline reaching beyond the frame that, once refined, is a hand after all (`_a_hand`: its
    row of fingertips a fair edge only at the rough outline's place), or one that is a keyboard,
    a block of floor tiles (`_tiling`), a panel of a larger structure
    reaching beyond the frame (`_corners_are_crossings`), the surface beside a hand (a side that is
    the hand's edge), or (with a `TrayModel`) the empty tray's own texture under another light, is
    dropped and the next one chosen; so, without a learned tray, is one with a further edge
    parallel to three or more of its sides (`_framed`: a box face in its shelf, a door in its
    frame); so is one seen whole (no side cut by the frame border) that, once refined, has none
    of the shapes a booth's documents have (`_document_shaped`: a box face, a bin, a piece of a
    page with its neighbour), except that with a hand lying across it, it is kept when no other
    outline will do (a page partly hidden or joined to the hand). When no
    outline passes, the best few are looked at again on a finer copy of the frame around them
    (`_finer_look`: a page on brick whose grout outdoes its edge at the work size).

    Args:
        frame: BGR (or greyscale) uint8 image from the document camera.
        tray: The empty tray, when the booth has learned it (see `TrayModel`).
        min_area_fraction: Smaller outlines (fraction of the frame area) are not documents.
        max_area_fraction: Larger outlines are the tray or lighting, not a document.
        max_aspect: Long/short side ratio above which the quadrilateral is implausible.
        min_score: Edge support (0..1) an outline needs to count as a document.
        work_width: The frame is shrunk to this width for the search (corners are refined on
            the full frame).
    """
    if frame is None or frame.size == 0:
        return None
    work = _prepare(frame, work_width)
    h, w = work.shape
    fh, fw = frame.shape[:2]
    frame_area = float(h * w)
    skin = _skin(work.ycc, work.planes)
    # With a learned empty tray, a document is something that was not there: an outline whose
    # inside is mostly the empty tray (its texture, a mark on it) is not one.
    new_on_tray = None
    if tray is not None:
        diff = tray.difference(work.ycc, (fw, fh))
        if diff is not None:
            new_on_tray = diff > TRAY_NEW
    common = _border_colours(work.ycc, max(3, int(0.03 * min(h, w))), work.planes)
    # what may lie on a page's corner or edge: skin, or a colour the surface does not show
    not_surface = skin | ~common
    raw: list[np.ndarray] = []
    regions: list[np.ndarray] = []
    for mask in _candidate_masks(work, new_on_tray, skin, common, regions):
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:2]:
            if cv2.contourArea(contour) < min_area_fraction * frame_area:
                break
            raw += _quads_from_contour(contour, (h, w))
    # a large region the edges enclose, on its own (a page joined in the masks to the region next
    # to it, or beside larger objects); small ones on their own are mostly cells of texture or
    # print, a photo on a card, or a box in the background
    for contour in regions:
        if cv2.contourArea(contour) >= _OWN_REGION_AREA * frame_area:
            raw += _quads_from_contour(contour, (h, w))
    quads = _plausible(raw, (h, w), min_area_fraction * frame_area, max_area_fraction * frame_area, max_aspect)
    passed: list[tuple[float, float, np.ndarray, float]] = []
    skin_any = skin if np.count_nonzero(skin) / skin.size > 0.002 else None
    # the skin the hand rules look at: with a learned empty tray, also a dark hand's, new on the
    # tray (see `_dark_skin`)
    hand_skin = skin_any
    if new_on_tray is not None:
        dark = _dark_skin(work.planes, new_on_tray)
        if dark is not None:
            hand_skin = skin | dark
            hand_skin = hand_skin if np.count_nonzero(hand_skin) / hand_skin.size > 0.002 else None
    # a skin-toned surface (wood, cardboard, fur) says nothing about hands around an outline
    skin_surface = skin_any is not None and _skin_toned_border(skin)
    # where a hand lies across a side the page's edge is hidden, not missing (see
    # `_support_and_bend`): where the sides go, which outline is the page, how much of it is
    # covered. On a skin-toned surface only skin of colours the surface does not show can be a
    # hand. An outline's own score counts only the edges seen: excusing the stretches under skin
    # there let skin-coloured things themselves (a hand resting on the tray, cups of tea) score
    # as pages.
    hands = skin_any
    if skin_surface:
        hands = skin & ~common
        hands = hands if np.count_nonzero(hands) / hands.size > 0.002 else None
    quads = _snap_many(work.ycc, quads, (h, w))
    supports = _support_many(work.ycc, quads, (h, w))
    # a side without an edge lying just inside the frame border: the page may be cut by the
    # border there (see `_onto_border`); looked at only where that side, left out, would leave
    # the outline enough support to pass as a cut one
    def placed_outlines(placed: list[np.ndarray | None]) -> tuple[list[np.ndarray], list]:
        # outlines placed from others' edges: the plausible ones, snapped, with their support
        more = _plausible([q for q in placed if q is not None], (h, w), min_area_fraction * frame_area,
                          max_area_fraction * frame_area, max_aspect)
        if not more:
            return [], []
        more = _snap_many(work.ycc, more, (h, w))
        return more, _support_many(work.ycc, more, (h, w))

    onto = []
    for k in np.flatnonzero(_near_border_sides(np.array(quads), (h, w)).any(axis=1)).tolist():
        sup, cut, _ = supports[k]
        if any(v < 0.5 and _score(sup[:i] + [np.nan] + sup[i + 1:], cut[:i] + [True] + cut[i + 1:]) >= min_score + 0.15
               for i, v in enumerate(sup) if not cut[i]):
            onto.append(_onto_border(work.ycc, quads[k], sup, cut, (h, w)))
    onto, onto_support = placed_outlines(onto)
    quads += onto
    supports += onto_support
    # an outline with two clear sides and weak others may be a page merged with its neighbour
    # there: its weak sides are looked for inside it too
    inner = [_contract(work.ycc, q, (h, w), sup, cut, hands) for q, (sup, cut, _) in zip(quads, supports)
             if sum(v >= 0.8 for v, c in zip(sup, cut) if not c) >= 2 and _score(sup, cut) < min_score + 0.15]
    inner = [q for q in inner if q is not None]
    if inner:
        quads += inner
        supports += _support_many(work.ycc, inner, (h, w))
    known: dict = {}

    def judge(quads: list[np.ndarray], supports: list) -> None:
        known.update({id(q): (sup, cut) for q, (sup, cut, _) in zip(quads, supports)})
        for quad, (support, cut, bent) in zip(quads, supports):
            quad_area = _visible_area(quad, (h, w))
            score = _score(support, cut)
            # The smaller an outline, the more easily texture makes one up: small ones need more
            # support. A document reaching beyond the frame must show the rest of its outline
            # clearly, and a good part of itself (clutter pokes in at the edges).
            small = float(min(max((0.02 * frame_area - quad_area) / (0.015 * frame_area), 0.0), 1.0))
            if score < min_score + 0.25 * small + (0.15 if any(cut) else 0.0):
                continue
            if any(cut) and quad_area < 0.03 * frame_area:
                continue
            weakest = min(v for v, c in zip(support, cut) if not c)
            if hand_skin is not None and _a_hand(hand_skin, skin_surface, quad, support, cut, new_on_tray) \
                    and not (skin_surface and not any(cut)
                             and _held_on_skin_tone(work.ycc, skin, hands, quad, skin_any, new_on_tray)):
                continue  # a hand, not a document (a cream or beige page has four straight edges, and
                # its colour does not carry on beyond them as a finger's does; on a skin-toned
                # surface a pink card with a finger across a side is told by `_held_on_skin_tone`)
            if new_on_tray is not None and _inside_fraction(new_on_tray, quad) < 0.5:
                continue  # the empty tray itself
            if quad_area > 0.6 * frame_area and _line_loop(work.ycc, quad, cut):
                continue  # a line painted around the tray, not a page filling it
            if bent >= 2:
                continue  # a coin, a cup, a lit disc: its round edge bends away from the sides' ends
            if hands is not None and weakest < 0.5:  # (only a side under 0.5 can be left out)
                weakest = _weakest_seen(hands, quad, support, cut)
            passed.append((score, quad_area, quad, weakest))

    def add(placed: list[np.ndarray | None]) -> None:
        # placed outlines kept with the candidates and judged like them
        more, more_support = placed_outlines(placed)
        if more:
            quads.extend(more)
            supports.extend(more_support)
            judge(more, more_support)

    judge(quads, supports)
    if not passed:
        # nothing passed: the best candidates looked at again on a finer copy (a page on a busy
        # surface whose texture outdoes its edge at the work size; see `_finer_look`)
        more, more_support = _finer_look(work, quads, supports)
        quads.extend(more)
        supports.extend(more_support)
        judge(more, more_support)
    if not passed:
        # nothing passed: outlines cut by the same border, each with a weak side, joined where
        # another shows that side clearly (see `_joined_across`)
        add(_joined_across(quads, supports, (h, w)))
    if not any(p[3] >= _LINES_BELOW for p in passed):
        # no fair outline passed: an outline with one weak side and clear sides beside it gets
        # that side put where their edges end (see `_placed_by_ends`; a photo whose margin is the
        # surface's colour on one side, its blob run into the surface or into the print there).
        # Tune set: 1080p +3 scenes (corners), nothing lost, no false document added.
        add([_placed_by_ends(work.ycc, q, sup, not_surface) for q, (sup, cut, bent) in zip(quads, supports)
             if not any(cut) and not bent and _score(sup, cut) < min_score + 0.15])
    # an outline cut by the frame border whose clear sides' edges end short of it: the page may
    # end there (its side against the surface too faint to stop the blob); see `_cut_placed_by_ends`
    add([_cut_placed_by_ends(work.ycc, p[2], *known[id(p[2])], not_surface)
         for p in sorted(passed, key=lambda p: -p[0])[:_CUT_ENDS_MOST] if any(known[id(p[2])][1])])
    if skin_any is not None:
        # a finger across a page: the piece beside it carried on across the finger (see
        # `_across_finger`; on a skin-toned surface a finger is of the surface's colours, and the
        # page's edges seen again beyond it tell it from the surface)
        unusual = skin & ~common  # skin of a colour the surface does not show: a hand's
        add([_across_finger(work.ycc, p[2], known[id(p[2])][0], skin, not_surface, unusual=unusual)
             for p in sorted(passed, key=lambda p: -p[0])[:_FINGER_MOST] if not any(known[id(p[2])][1])])
    if _lines_wanted([p[3] for p in passed], quads, supports, (h, w)):
        # no fair outline passed, yet a sizeable candidate shows a clear edge: the page may be
        # none of them (its region broken by grout or merged under a hand); outlines of long
        # straight edges are looked at too (on about a tenth of the tune frames)
        lines = _plausible(_quads_from_lines(work), (h, w), min_area_fraction * frame_area,
                           max_area_fraction * frame_area, max_aspect)
        if lines:
            lines = _snap_many(work.ycc, lines, (h, w))
            # an outline of lines that is nearly one that passed (a side moved onto a straight
            # line in the print or the background beside it) adds nothing: the region's is kept
            lines = [q for q in lines if not any(_overlap(q, p[2]) >= 0.85 and _overlap(p[2], q) >= 0.85
                                                 for p in passed)]
            judge(lines, _support_many(work.ycc, lines, (h, w)))
    fallback = None
    while passed:
        quad = _choose(passed, (h, w), work.ycc, hands)
        if new_on_tray is not None and tray.texture_match(work.ycc, quad) >= _TRAY_TEXTURE:
            # the empty tray's own texture under another light (a shadow moved, a lamp came on):
            # nothing was put down there
            passed = [p for p in passed if p[2] is not quad]
            continue
        if skin_any is not None and not skin_surface and _hand_along(skin, common, quad, (h, w)):
            # one of its sides is a hand's or a finger's edge: not a page (see `_hand_along`; on a
            # skin-toned surface, wood or fur beside a page would pass for a hand)
            passed = [p for p in passed if p[2] is not quad]
            continue
        if _grid_of_keys(frame, (quad + 0.5) / work.f - 0.5, cut=any(_cut_sides(quad, (h, w)))) \
                or _tiling(work.ycc, quad, (h, w), hands) \
                or _corners_are_crossings(work.ycc, quad, (h, w), hands):
            # a keyboard or keypad, tiles of a floor, or a piece of a larger structure reaching
            # beyond the frame: drop it and whatever lies mostly inside it, look again
            passed = [p for p in passed if _overlap(p[2], quad) < 0.5]
            continue
        chosen = quad
        support, cut = known[id(quad)]  # what _support gives, found above
        grown = quad
        quad, support, cut = _expand(work.ycc, quad, (h, w), support, cut, hands)
        if quad is not grown and skin_any is not None and not any(cut):
            # the outline `_expand` grew may still be the piece of a page beside a hand (its side
            # a line in the print, the sides beside it running on under a thumb): carried on
            # across it as above, where the skin at those corners is a hand's
            more, more_support = placed_outlines([_across_finger(work.ycc, quad, support, skin, not_surface,
                                                                 strict=True, unusual=skin & ~common)])
            if more:
                sup, more_cut, bent = more_support[0]
                if not any(more_cut) and not bent and _score(sup, more_cut) >= min_score:
                    quad, support, cut = more[0], sup, more_cut
        if not any(cut):
            # a weak side left where the blob's outline put it (on a hand's outline, a line of
            # the background, a shadow beyond a band): moved onto the clear straight edge near it
            # that the stretches no hand hides show (see `_weak_side_search`)
            found = _weak_side_search(work.ycc, quad, support, hands, common | skin)
            if found is not None:
                quad, support = found
        # a card's band the colour of the textured surface beside it: flat, where the surface is not
        banded = _flat_band(work.ycc, quad, (h, w), support, cut)
        if banded is not None:
            quad = banded
        corners = (quad + 0.5) / work.f - 0.5
        corners = _refine_full_resolution(frame, corners, 1.0 / work.f, hands, not_surface)
        if not any(cut) and min(length_of(quad, i) for i in range(4)) < _FINE_SIDE:
            # a small page: its band or margin is looked for again on a finer copy around it
            wider = _expand_fine(work, corners, hands)
            if wider is not None:
                corners = _refine_full_resolution(frame, wider, 1.0 / work.f, hands, not_surface)
                quad = order_corners((corners + 0.5) * work.f - 0.5)
                support, cut = _support(work.ycc, quad, (h, w), hands)
        if hand_skin is not None and (any(cut) or new_on_tray is not None):
            # the hand rule again, on the outline as refined (see `_hand_once_refined`)
            fine = order_corners((corners + 0.5) * work.f - 0.5)
            if _hand_once_refined(work.ycc, hand_skin, skin_surface, fine, any(cut), new_on_tray):
                passed = [p for p in passed if p[2] is not chosen]
                continue
        if not any(cut) and not _document_shaped(corners):
            # seen whole, it has no document's shape (a box face, a bin, a piece of a page with
            # something beside it): the next outline is looked at. With a hand lying across it, it
            # may be a page partly hidden or joined to the hand: kept if no other one will do.
            if fallback is None and skin_any is not None \
                    and _skin_across(skin, order_corners((corners + 0.5) * work.f - 0.5)) > 0.0:
                fallback = (quad, support, cut, corners)
            passed = [p for p in passed if p[2] is not chosen]
            continue
        if new_on_tray is None and _framed(work.ycc, order_corners((corners + 0.5) * work.f - 0.5), (h, w)):
            # a face of a larger structure, a further edge parallel to three or more sides (see
            # `_framed`): drop it and whatever lies mostly inside it, look again. Not with a
            # learned empty tray: the surface's own structure is the tray there, and what is new
            # on it lies on the tray (a dark photo on a busy surface read as framed)
            passed = [p for p in passed if _overlap(p[2], chosen) < 0.5]
            continue
        break
    else:
        if fallback is None:
            return None
        quad, support, cut, corners = fallback
    score = _score(support, cut)
    touches = any(cut) or _near_border(quad, (h, w))
    quad_area = _visible_area(quad, (h, w))
    # what lies across the outline is looked for along the refined one (a side a pixel or two
    # off the page's edge misses the edge there and takes the page for something covering it)
    fine = order_corners((corners + 0.5) * work.f - 0.5)
    over = hands
    if skin_surface:
        # on a skin-toned surface (fur, wood) a hand of the surface's colours is told from it by
        # its smoothness (see `_smooth_skin`)
        smooth = _smooth_skin(work.ycc, skin, fine)
        over = smooth if hands is None else hands | smooth
    covered = max(_hidden_fraction(work, fine, over), _skin_across(skin, fine))
    # corners beyond the frame border are where the sides would meet; report them on the border
    corners = np.minimum(np.maximum(corners, [0, 0]), [fw - 1, fh - 1])
    return Detection(corners=order_corners(corners), area_fraction=quad_area / frame_area,
                     touches_edge=bool(touches), frame_size=(fw, fh), score=float(score),
                     covered_fraction=covered)


@functools.lru_cache(maxsize=1)
def _lsd():
    """OpenCV's line segment detector (made once), on a half-size copy of the work image (its own
    scale 0.5: a third of the cost of its default 0.8, which found two more pages on the tune
    set)."""
    return cv2.createLineSegmentDetector(cv2.LSD_REFINE_NONE, 0.5)


def _straight_lines(work: _Work, most: int = 16) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The longest straight edges of the work image: line segments (OpenCV's LSD on the
    brightness; probabilistic or standard Hough on the masks' Canny edges found none of a page's
    sides on brick, where grout breaks the edge into pieces and its own lines outvote it) along
    which the colour changes most right on them, merged where collinear into lines, each as (a
    point on it, its unit direction, the stretches along it that are edge: [(start, end)] in work
    pixels from the point, sorted), the `most` with the most edge first."""
    h, w = work.shape
    y8 = np.clip(work.ycc[..., 0], 0, 255).astype(np.uint8)
    segs = _lsd().detect(y8)[0]
    if segs is None:
        return []
    shortest = 0.6 * max(10, int(0.06 * min(h, w)))
    segs = segs.reshape(-1, 4).astype(np.float64)
    segs = segs[np.hypot(segs[:, 2] - segs[:, 0], segs[:, 3] - segs[:, 1]) >= shortest]
    if not len(segs):
        return []
    # only segments along which the colour changes most right on them, as along a page's edge
    # (a grout line or a printed rule is a thin line: the same colour on both sides)
    support, _ = _support_and_bend(work.ycc, segs.reshape(-1, 2, 2).astype(np.float32))
    segs = segs[support >= _LINE_SUPPORT]
    length = np.hypot(segs[:, 2] - segs[:, 0], segs[:, 3] - segs[:, 1])
    order = np.argsort(-length)[:_LINE_PIECES]
    # pieces of one edge (broken where grout or print meets it, a few degrees apart where the
    # edge is not quite straight) join a line when both their ends lie within 3 pixels of it and
    # their direction is within 6 degrees; the line is refitted to its pieces' ends as it grows
    # (plain Python floats: numpy's per-call cost on a few numbers was most of the time)
    cos_tol = math.cos(math.radians(_LINE_ANGLE))
    fits: list[list[float]] = []  # per line: px, py, ux, uy
    mom: list[list[float]] = []  # per line: n, sum x, sum y, sum xx, sum xy, sum yy of its pieces' ends
    ends: list[list[tuple[float, float]]] = []
    for (ax, ay, bx, by), ln in zip(segs[order].tolist(), length[order].tolist()):
        ln = max(ln, 1e-9)
        dx, dy = (bx - ax) / ln, (by - ay) / ln
        for k, (px, py, ux, uy) in enumerate(fits):
            if abs(ux * dx + uy * dy) >= cos_tol and abs((ax - px) * -uy + (ay - py) * ux) <= 3.0 \
                    and abs((bx - px) * -uy + (by - py) * ux) <= 3.0:
                ends[k] += [(ax, ay), (bx, by)]
                mk = mom[k]
                mk[0] += 2
                mk[1] += ax + bx
                mk[2] += ay + by
                mk[3] += ax * ax + bx * bx
                mk[4] += ax * ay + bx * by
                mk[5] += ay * ay + by * by
                # refitted through its pieces' ends: their mean and principal direction (what an
                # SVD of the centred ends gives, in closed form)
                cx, cy = mk[1] / mk[0], mk[2] / mk[0]
                ang = 0.5 * math.atan2(2 * (mk[4] / mk[0] - cx * cy),
                                       (mk[3] / mk[0] - cx * cx) - (mk[5] / mk[0] - cy * cy))
                vx, vy = math.cos(ang), math.sin(ang)
                if vx * ux + vy * uy < 0:
                    vx, vy = -vx, -vy
                fits[k] = [cx, cy, vx, vy]
                break
        else:
            fits.append([ax, ay, dx, dy])
            mom.append([2.0, ax + bx, ay + by, ax * ax + bx * bx, ax * ay + bx * by, ay * ay + by * by])
            ends.append([(ax, ay), (bx, by)])
    out = []
    for (px, py, ux, uy), pts in zip(fits, ends):  # the pieces as stretches along the fitted line
        t = [(x - px) * ux + (y - py) * uy for x, y in pts]
        iv = sorted((min(t[i], t[i + 1]), max(t[i], t[i + 1])) for i in range(0, len(t), 2))
        merged = [list(iv[0])]
        for s, e in iv[1:]:
            if s <= merged[-1][1] + _LINE_GAP:  # a short break (grout or print meeting the edge)
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        out.append((sum(e - s for s, e in merged), (px, py), (ux, uy), merged))
    out.sort(key=lambda o: -o[0])
    return [(p, u, [tuple(v) for v in iv]) for _, p, u, iv in out[:most]]


_LINE_SUPPORT = 0.5
"""Least support (see `_support_and_bend`) of a straight segment for it to be part of a line."""
_LINE_ANGLE = 6.0
"""Most angle (degrees) between a segment and the line it joins (with both its ends within 3 work
pixels of the line)."""
_LINE_GAP = 4.0
"""Breaks (work pixels) in a line shorter than this count as edge."""
_LINE_PIECES = 100
"""The longest segments merged into lines (the rest are texture's or print's)."""


def _covered(iv, t0: float, t1: float) -> float:
    """The fraction of [t0, t1] that the stretches `iv` ([(start, end)], sorted, apart) cover
    (plain Python: a line has a few stretches)."""
    if t1 <= t0:
        return 0.0
    return sum(max(min(e, t1) - max(s, t0), 0.0) for s, e in iv) / (t1 - t0)


def _quads_from_lines(work: _Work, most: int = 6) -> list[np.ndarray]:
    """Outlines made of long straight edges that meet at corners (a page seen from above whose
    outline no region gives: a page on brick, whose grout breaks its region; a side under a
    hand): two roughly parallel pairs of lines, three of whose four meetings are ends of both
    lines near a right angle (an L, not the T or X of grout or tiles, whose lines run on past
    each other), the `most` whose sides are most covered by their edge. A side whose edge runs
    on beyond both its corners (grout, a tile's joint, a table's edge) is no page's side."""
    h, w = work.shape
    lines = _straight_lines(work, 30)
    n = len(lines)
    if n < 4:
        return []
    par_cos = math.cos(math.radians(12))
    u = np.array([l[1] for l in lines])
    dots = np.abs(u @ u.T)

    def ends_at(k: int, x: tuple[float, float]) -> bool:
        (px, py), (ux, uy), iv = lines[k]
        t = (x[0] - px) * ux + (x[1] - py) * uy
        r = max(6.0, 0.1 * (iv[-1][1] - iv[0][0]))
        before = _covered(iv, t - r, t - 2) >= 0.5 and _covered(iv, t + 3, t + r) <= 0.25
        after = _covered(iv, t + 2, t + r) >= 0.5 and _covered(iv, t - r, t - 3) <= 0.25
        return before or after

    meet: dict[tuple[int, int], tuple[float, float]] = {}
    ell: dict[int, list[int]] = {k: [] for k in range(n)}
    for a, b in zip(*np.nonzero(np.triu(dots <= _MAX_CORNER_COS, 1))):
        a, b = int(a), int(b)
        ((pax, pay), (uax, uay), _), ((pbx, pby), (ubx, uby), _) = lines[a], lines[b]
        den = uax * uby - uay * ubx  # not near zero: the lines are near right angles
        s = ((pbx - pax) * uby - (pby - pay) * ubx) / den
        x = (pax + s * uax, pay + s * uay)
        if not (-2 <= x[0] <= w + 1 and -2 <= x[1] <= h + 1):
            continue
        meet[(a, b)] = meet[(b, a)] = x
        if ends_at(a, x) and ends_at(b, x):
            ell[a].append(b)
            ell[b].append(a)
    seen: set = set()
    found = []
    least = 0.1 * min(h, w)
    for a in range(n):
        for c in ell[a]:
            for b in ell[c]:
                if b == a or dots[a, b] < par_cos:
                    continue
                for d in ell[b]:
                    if d == c or dots[c, d] < par_cos or (d, a) not in meet:
                        continue
                    key = frozenset((a, b, c, d))
                    if key in seen:
                        continue
                    seen.add(key)
                    order = (a, c, b, d)  # sides in turn: corner k is where side k-1 meets side k
                    corners = [meet[(order[k - 1], order[k])] for k in range(4)]
                    cover, runs_on = [], 0
                    for k in range(4):
                        (px, py), (ux, uy), iv = lines[order[k]]
                        (x0, y0), (x1, y1) = corners[k], corners[(k + 1) % 4]
                        t0, t1 = sorted(((x0 - px) * ux + (y0 - py) * uy, (x1 - px) * ux + (y1 - py) * uy))
                        if t1 - t0 < least:
                            break
                        cover.append(_covered(iv, t0, t1))
                        reach = 0.2 * (t1 - t0)
                        runs_on += _covered(iv, t0 - reach, t0) > 0.5 and _covered(iv, t1, t1 + reach) > 0.5
                    if len(cover) < 4 or min(cover) < 0.25 or sum(cover) < 2.4 or runs_on:
                        continue
                    found.append((sum(cover) + min(cover), np.array(corners, np.float32)))
    found.sort(key=lambda f: -f[0])
    return [order_corners(q) for _, q in found[:most]]


def _plausible(raw: list[np.ndarray], shape: tuple[int, int], min_area: float, max_area: float,
               max_aspect: float) -> list[np.ndarray]:
    """The distinct candidate quads (within 3 work pixels counts as the same) that could be a
    document: convex, of a document's size and proportions."""
    seen: set[bytes] = set()
    quads = []
    keys = np.round(np.array(raw).reshape(len(raw), 8) / 3.0).astype(np.int64) if raw else []
    for q, k in zip(raw, keys):
        key = k.tobytes()
        if key not in seen:
            seen.add(key)
            quads.append(q)
    if not quads:
        return []
    h, w = shape
    q = np.array(quads)
    edges = q[:, _NEXT] - q
    sides = np.hypot(edges[..., 0], edges[..., 1])
    cross = edges[..., 0] * edges[:, _NEXT, 1] - edges[..., 1] * edges[:, _NEXT, 0]
    convex = (cross > 0).all(axis=1) | (cross < 0).all(axis=1)
    a, b = (sides[:, 0] + sides[:, 2]) / 2, (sides[:, 1] + sides[:, 3]) / 2
    cut = _cut_many(q, shape)
    # Cut across its long sides, a document shows a short strip (the rest is outside): no
    # aspect limit then. Cut across a short side (a keyboard reaching in from the side), what
    # shows must still have a document's proportions.
    cut_long = (cut & (sides >= sides.max(axis=1, keepdims=True) * 0.8)).any(axis=1)
    shortest = np.minimum(a, b)
    # Seen from above, a page's corners are near right angles (perspective and a tilted camera
    # bend them by a few degrees); an eye, a leaf or a shadow simplified to four sides is not.
    # A corner where a side runs along the frame border is the border's, not the page's.
    cos = -(edges * edges[:, _PREV]).sum(axis=2) / np.maximum(sides * sides[:, _PREV], 1e-9)
    square = ((np.abs(cos) <= _MAX_CORNER_COS) | cut | cut[:, _PREV]).all(axis=1)
    ok = convex & square & (shortest >= 6) \
        & ((np.maximum(a, b) / np.maximum(shortest, 1e-9) <= max_aspect) | cut_long) \
        & (sides.min(axis=1) >= 0.3 * sides.max(axis=1))
    out = []
    for j in np.flatnonzero(ok):
        if min_area <= _visible_area(q[j], shape) <= max_area:
            out.append(q[j])
    return out


_ONTO_BORDER = 0.04
"""How near the frame border (a fraction of the frame's shorter side, at the work size) both ends
of a side without an edge must lie for `_onto_border` to put it onto the border."""
_ONTO_SAME = 24.0
"""Colour distance (weighted YCrCb, as `_hidden_fraction` measures it) under which the colour on
the frame border is the colour just inside a side (`_onto_border`)."""


def _near_border_sides(quads: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(K, 4) booleans: which sides of K quads have both ends within `_ONTO_BORDER` of the same
    frame border (what `_onto_border` looks at)."""
    h, w = shape
    reach = _ONTO_BORDER * min(h, w)
    if not len(quads):
        return np.zeros((0, 4), bool)
    a, b = quads, quads[:, _NEXT]
    near = np.zeros(quads.shape[:2], bool)
    for axis, line in ((0, 0.0), (0, w - 1.0), (1, 0.0), (1, h - 1.0)):
        near |= (np.abs(a[..., axis] - line) <= reach) & (np.abs(b[..., axis] - line) <= reach)
    return near


def _onto_border(ycc: np.ndarray, quad: np.ndarray, support: list[float], cut: list[bool],
                 shape: tuple[int, int]) -> np.ndarray | None:
    """The outline with a side put onto the frame border when both its ends lie within
    `_ONTO_BORDER` of the same border, no edge follows it and the colours just inside it run on
    to the border (the same colour on the border beside at least half of its points; print on
    the page differs at the others): the blob of a page cut by
    the border stops a few pixels short of it (the border ring's colours, smoothing), and the
    side it leaves there, a little askew, is neither the page's edge nor counted as cut. Its
    neighbours are carried on to the border. A page lying just inside the border, its edge too
    close to the border to be seen at the work size, shows the surface or its shadow on the
    border instead. None when no side is such a side."""
    h, w = shape
    reach = _ONTO_BORDER * min(h, w)
    q = np.asarray(quad, np.float64)
    for i in range(4):
        if cut[i] or not support[i] < 0.5:
            continue
        a, b = q[i], q[(i + 1) % 4]
        for axis, line in ((0, 0.0), (0, w - 1.0), (1, 0.0), (1, h - 1.0)):
            if abs(a[axis] - line) > reach or abs(b[axis] - line) > reach:
                continue
            pts, normal, _ = _side_geometry(q, i, 12, 0.1, 0.9)
            on = pts.copy()
            on[:, axis] = line
            inner, edge = _sample_many(ycc, [pts - 3.0 * normal, on])
            if np.count_nonzero(_wsumsq(inner - edge) < _ONTO_SAME ** 2) < 0.5 * len(pts):
                continue  # something else lies between it and the border: the page ends there
            out = q.copy()
            ok = True
            for corner, other in ((i, (i - 1) % 4), ((i + 1) % 4, (i + 2) % 4)):
                # the neighbouring side (from its other corner through this one) meets the border
                p0, p1 = q[other], q[corner]
                d = p1 - p0
                if abs(d[axis]) < 1e-6:
                    ok = False
                    break
                t = (line - p0[axis]) / d[axis]
                if t < 0.5:
                    ok = False  # the neighbour runs away from the border
                    break
                out[corner] = p0 + t * d
            if ok:
                return out
    return None


_JOIN_MOST = 6
"""How many of the best outlines cut by one border `_joined_across` takes sides from."""
_JOIN_COS = float(np.cos(np.radians(8.0)))
"""A side taken from another outline runs within 8 degrees of the weak side it replaces."""
_JOIN_COVER = 0.7
"""... and along at least this fraction of the side it makes."""


def _cut_border(quad: np.ndarray, cut: list[bool], shape: tuple[int, int]) -> int | None:
    """Which frame border (0 left, 1 right, 2 top, 3 bottom) the one cut side of an outline lies
    along; None unless exactly one side is cut."""
    cuts = [i for i in range(4) if cut[i]]
    if len(cuts) != 1:
        return None
    h, w = shape
    m = 0.5 * (quad[cuts[0]] + quad[(cuts[0] + 1) % 4])
    return int(np.argmin([m[0], w - 1 - m[0], m[1], h - 1 - m[1]]))


def _joined_across(quads: list[np.ndarray], supports: list, shape: tuple[int, int],
                   strong: float = 0.8, weak: float = 0.5) -> list[np.ndarray]:
    """Outlines cut by the same frame border, each with a weak side, joined: the weak side of one
    replaced by a clear side, nearly parallel to it, of another (its neighbours carried on to
    meet it). A card cut by the border whose dark band blends into the surface on one side: one
    blob follows the band's outer edge but runs into the gravel beside the card's other side,
    another stops at the band's inner edge; each side of the card is clear in some outline, never
    all in one. The joined outline is judged like any other (the bar for a cut outline). Looked
    at only when nothing passed. Tune set: 1080p +2 scenes found with the reason right (no tray
    and with a tray), 720p none; nothing lost, no false document on the empties."""
    groups: dict = {}
    for q, (sup, cut, bent) in zip(quads, supports):
        if bent:
            continue
        b = _cut_border(q, cut, shape)
        if b is not None and sum(v >= strong for v, c in zip(sup, cut) if not c) >= 1:
            groups.setdefault(b, []).append((_score(sup, cut), q, sup, cut))
    out = []
    for group in groups.values():
        if len(group) < 2:
            continue
        group = sorted(group, key=lambda g: -g[0])[:_JOIN_MOST]
        for _, q, sup, cut in group:
            centre = q.mean(axis=0)
            for j in range(4):
                if cut[j] or not sup[j] < weak:
                    continue
                a, b = q[j], q[(j + 1) % 4]
                d = (b - a) / max(float(np.hypot(*(b - a))), 1e-6)
                best = None
                for _, q2, sup2, cut2 in group:
                    if q2 is q:
                        continue
                    for k in range(4):
                        if cut2[k] or sup2[k] < strong:
                            continue
                        a2, b2 = q2[k], q2[(k + 1) % 4]
                        d2 = (b2 - a2) / max(float(np.hypot(*(b2 - a2))), 1e-6)
                        if abs(float(d @ d2)) < _JOIN_COS:
                            continue
                        # on the same side of the outline's centre as the weak side
                        nrm = np.array([-d[1], d[0]])
                        if float((a - centre) @ nrm) * float((0.5 * (a2 + b2) - centre) @ nrm) <= 0:
                            continue
                        if best is None or sup2[k] > best[0]:
                            best = (sup2[k], a2, b2)
                if best is None:
                    continue
                _, a2, b2 = best
                line = np.array([*(b2 - a2), *a2], np.float64)
                prev = np.array([*(q[j] - q[(j - 1) % 4]), *q[(j - 1) % 4]], np.float64)
                nxt = np.array([*(q[(j + 2) % 4] - q[(j + 1) % 4]), *q[(j + 1) % 4]], np.float64)
                p0, p1 = _line_intersection(prev, line), _line_intersection(nxt, line)
                if p0 is None or p1 is None:
                    continue
                # the clear side runs along most of the side it makes: a document's edge is one
                # straight edge from corner to corner (a short clear piece is a poster's, a shelf's)
                v = p1 - p0
                t = sorted(float((x - p0) @ v) / max(float(v @ v), 1e-6) for x in (a2, b2))
                if min(t[1], 1.0) - max(t[0], 0.0) < _JOIN_COVER:
                    continue
                new = np.array(q, np.float64)
                new[j], new[(j + 1) % 4] = p0, p1
                out.append(new.astype(np.float32))
    return out


def _line_loop(ycc: np.ndarray, quad: np.ndarray, cut: list[bool]) -> bool:
    """True when the outline is a thin line with the same colour on both sides of it (a mark
    painted around the tray) rather than the edge of a filled page."""
    loops = 0
    for i in range(4):
        if cut[i]:
            continue
        pts, normal, _ = _side_geometry(quad, i, 16)
        offs = np.array([-12, -10, -8, 8, 10, 12], np.float32)
        prof = _sample(ycc, pts[:, None, :] + offs[None, :, None] * normal[None, None, :])
        d = prof[:, :3].mean(axis=1) - prof[:, 3:].mean(axis=1)
        loops += float(np.median(np.sqrt(_wsumsq(d)))) < 12.0
    return loops >= 3


def _visible_area(quad: np.ndarray, shape: tuple[int, int]) -> float:
    """Area of the part of a convex quad inside the frame."""
    h, w = shape
    q = quad.astype(np.float32)
    if all(x >= 0 and y >= 0 and x <= w - 1 and y <= h - 1 for x, y in q.tolist()):  # (plain Python: four points)
        return abs(float(cv2.contourArea(q)))
    inter, _ = cv2.intersectConvexConvex(q, np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]]))
    return float(inter)


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Area of the intersection of two convex quads over the area of the first."""
    inter, _ = cv2.intersectConvexConvex(a.astype(np.float32), b.astype(np.float32))
    return float(inter) / max(abs(cv2.contourArea(a.astype(np.float32))), 1e-9)


def _choose(passed: list[tuple[float, float, np.ndarray, float]], shape: tuple[int, int],
            ycc: np.ndarray | None = None, skin: np.ndarray | None = None) -> np.ndarray:
    """The document among the outlines that passed (score, area, quad, weakest side's support,
    not counting a weak side a hand lies across: `_weakest_seen`): the best supported one, or
    the largest outline around it that is nearly as well supported and has no weak side (a
    printed frame, a photo on a page or the piece of a page beside a finger across it is crisp
    too, but the page
    around it is the document; an outline running off into a textured surface is not); except
    that an outline inside the frame that fills most of a larger outline reaching the frame
    border is the page, and the larger one the page merged with a hand or an object beyond it,
    unless the larger one's sides carry on as edges from the inner one's corners to the border
    (then the page goes on beyond the frame, and the inner outline is a band or a printed line
    along its cut)."""
    score, area, quad, _ = _best_and_around(passed)
    if any(_cut_sides(quad, shape)):
        inner = [p for p in passed if not any(_cut_sides(p[2], shape)) and p[0] >= 0.7 and p[1] >= 0.55 * area
                 and _overlap(p[2], quad) >= 0.85]
        if inner and ycc is not None:
            inner = [p for p in inner if not _goes_on(ycc, p[2], quad, shape, skin)]
        if inner:
            # the page among them by the same rule (the largest inner outline was taken before:
            # one with a weak side, a corner run off along a shadow, won over the crisp page)
            score, area, quad, _ = _best_and_around(inner)
    return quad


def _best_and_around(passed: list[tuple[float, float, np.ndarray, float]]) -> tuple:
    """The best supported outline, or the largest one around it that is nearly as well supported
    and has no weak side (see `_choose`)."""
    best = max(passed, key=lambda p: p[0])
    near = [p for p in passed if p is best or (p[0] >= best[0] - 0.2 and p[3] >= 0.5 and p[1] > best[1]
                                              and _overlap(best[2], p[2]) >= 0.9)]
    return max(near, key=lambda p: p[1])


def _goes_on(ycc: np.ndarray, inner: np.ndarray, outer: np.ndarray, shape: tuple[int, int],
             skin: np.ndarray | None = None) -> bool:
    """True when the outer outline is the inner one's sides carried on to the frame border:
    each corner of the inner one that it does not share lies on one of its sides, and that side
    carries on as an edge from there to its end outside the inner one (up to the border)."""
    h, w = shape
    cut = _cut_sides(outer, shape)
    poly = inner.astype(np.float32).reshape(-1, 1, 2)
    segments = []
    for a in inner:
        if np.hypot(*(outer - a).T).min() <= 3:
            continue  # a corner both share
        stretch = None
        for j in range(4):
            if cut[j]:
                continue
            p, q = outer[j], outer[(j + 1) % 4]
            d = q - p
            t = float(np.clip(np.dot(a - p, d) / max(np.dot(d, d), 1e-9), 0.0, 1.0))
            if np.hypot(*(p + t * d - a)) > 3:
                continue
            for e in (p, q):
                mid = (a + e) / 2
                if cv2.pointPolygonTest(poly, (float(mid[0]), float(mid[1])), False) < 0:
                    stretch = (a, e)
        if stretch is None:
            return False  # the outer outline is not the inner one's sides carried on
        a, e = stretch
        d = e - a
        t = 1.0  # up to the frame border
        for v, dv, hi in ((a[0], d[0], w - 1), (a[1], d[1], h - 1)):
            if v + dv < 0:
                t = min(t, -v / dv)
            elif v + dv > hi:
                t = min(t, (hi - v) / dv)
        if t * np.hypot(*d) > 3:
            segments.append((a, a + t * d))
    if not segments:
        return False
    on = _carries_on(ycc, segments, skin=skin)
    return bool((~np.isnan(on)).all() and on.min() >= 0.6)


_TRAY_TEXTURE = 0.7
"""Correlation of an outline's fine texture with the empty tray's (`TrayModel.texture_match`) at
or above which it is the tray itself, lit differently. Tune set, every outline chosen with a tray
model at 1280x720 and 1920x1080: the documents found measure -0.19 to 0.26, a lit cardboard box
of the garage photo that a moved shadow made "new" 0.99."""


_HAND_CARRIES_ON = 0.7
"""Fraction of a side beyond which skin that is new against the learned empty tray lies for an
outline seen whole to be looked at as a piece of a hand again once refined (`_hand_once_refined`).
Tune, the documents the refined hand rule would drop: at most 0.58 (a pink card, the palm of the
hand holding it beyond part of a side); the pieces of a hand or an arm called documents (the
composer's empty surfaces, and stressed ones: see `_hand_once_refined`): 0.88 and 1.0 (the rest of
the hand beyond them)."""


_HAND_ALONG = 0.9
"""Fraction of a side along which a hand lies flush outside it for the side to be the hand's edge
(see `_hand_along`). Tune set (not on skin-toned surfaces): the documents found measure at most
0.88 (a covered card whose outline ran round the thumb), the surfaces bounded by a hand 1.0."""


def _hand_along(skin: np.ndarray, common: np.ndarray, quad: np.ndarray, shape: tuple[int, int]) -> bool:
    """True when a hand or a finger lies flush along the outside of one of the outline's sides
    (skin of a colour the surface does not show, 3 and 5 work pixels outside it, over
    `_HAND_ALONG` of its length) while no skin lies just inside it: the side is then the hand's
    edge, and the outline a piece of the surface beside a hand (between a hand and a keyboard, a
    finger and a lit disc), not a page. A page's own edge has a hand flush along it only where a
    hand is laid exactly against the whole side; a hand across a page has skin on both sides."""
    h, w = shape
    q = order_corners(quad)
    sides = np.flatnonzero(~np.array(_cut_sides(q, shape)))
    if not len(sides):
        return False
    a = q[sides]
    d = q[_NEXT[sides]] - a
    length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
    normal = np.stack([d[:, 1] / length, -d[:, 0] / length], axis=1)  # outward (see `_side_geometry`)
    pts = a[:, None, :] + _spaced(0.08, 0.92, 24)[None] * d[:, None, :]  # (sides, 24, 2)
    p = np.rint(pts[None] + np.array([5.0, 3.0, -3.0, -5.0])[:, None, None, None] * normal[None, :, None, :])
    x, y = p[..., 0].astype(np.intp), p[..., 1].astype(np.intp)
    ok = (x >= 0) & (x < w) & (y >= 0) & (y < h)
    x, y = np.clip(x, 0, w - 1), np.clip(y, 0, h - 1)
    s = skin[y, x] & ok
    hand = s[:2] & ~common[y[:2], x[:2]]
    flush = hand[0] & hand[1] & ~s[2] & ~s[3]  # (sides, 24)
    return bool((flush.sum(axis=1) >= _HAND_ALONG * flush.shape[1]).any())


def _grid_of_keys(frame: np.ndarray, corners: np.ndarray, n: int = 256, *, cut: bool = False) -> bool:
    """True when the outline holds a grid of many alike, compact closed cells covering much of
    it: a keyboard or keypad, not a document (a form's row of digit boxes covers far less). The
    cells are looked for in the frame as it is (no warp, which would make alike keys unalike
    when the outline is cut by the frame border). An outline cut by the frame border (`cut`)
    needs four such cells, not six: a keyboard reaching in from beyond it shows a row or two."""
    found = _key_cells(frame, corners, n)
    return found is not None and _grid_in_cells(*found, cut=cut)


def _key_cells(frame: np.ndarray, corners: np.ndarray, n: int = 256) -> tuple[np.ndarray, float] | None:
    """What `_grid_of_keys` looks for cells in: the regions inside the outline and off its edges
    (0/255, the outline's box shrunk to at most `n` pixels) and the outline's area there; None
    when the outline is too small to hold any."""
    fh, fw = frame.shape[:2]
    q = order_corners(corners)
    x0, y0 = np.maximum(np.floor(q.min(axis=0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(q.max(axis=0)).astype(int) + 1, (fw, fh))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    k = min(1.0, n / max(x1 - x0, y1 - y0))
    crop = frame[y0:y1, x0:x1]
    # grey first, then the area shrink (a third of the work of shrinking three planes; the grey
    # levels differ from shrinking first by rounding only)
    crop = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    crop = cv2.resize(crop, (max(8, round((x1 - x0) * k)), max(8, round((y1 - y0) * k))), interpolation=cv2.INTER_AREA)
    grey = cv2.GaussianBlur(crop, (3, 3), 0)
    edges = cv2.dilate(cv2.Canny(grey, 20, 50), np.ones((2, 2), np.uint8))
    inside = np.zeros(grey.shape, np.uint8)
    cv2.fillConvexPoly(inside, np.round((q - (x0, y0)) * k).astype(np.int32), 255)
    inside = cv2.erode(inside, np.ones((5, 5), np.uint8))
    area = float(cv2.countNonZero(inside))
    if area < 64:
        return None
    return cv2.bitwise_and(cv2.bitwise_not(edges), inside), area


def _grid_in_cells(cells_mask: np.ndarray, area: float, *, cut: bool = False) -> bool:
    """`_grid_of_keys`' answer from its cells' mask (see `_key_cells`): enough regions of a key's
    size, compact, alike, covering 0.15 of the outline (16-bit labels where they can hold every
    region of a mask this size: the same statistics, quicker)."""
    least = 4 if cut else 6  # a keyboard reaching in from beyond the frame shows a row or two
    if cells_mask.size // 2 + 2 <= 65535:
        # First the regions' areas alone (labels and a histogram of them: a third of the cost of
        # every region's statistics): the cells below are regions of these areas, so with fewer
        # than `least` of them, or all of them together under 0.15 of the outline, there is no
        # grid: the same answer, without the statistics (120 of 154 calls on every other tune
        # frame at 720p with a tray model end here)
        n, labels = cv2.connectedComponents(cells_mask, connectivity=4, ltype=cv2.CV_16U)
        sizes = cv2.calcHist([labels], [0], None, [n], [0, n]).ravel()[1:].astype(np.float64)  # exact counts
        sized = sizes[(sizes >= 0.002 * area) & (sizes <= 0.1 * area)]
        if len(sized) < least or sized.sum() < 0.15 * area:
            return False
    _, _, stats, _ = cv2.connectedComponentsWithStats(
        cells_mask, connectivity=4, ltype=cv2.CV_16U if cells_mask.size // 2 + 2 <= 65535 else cv2.CV_32S)
    bw, bh, a = stats[1:, 2], stats[1:, 3], stats[1:, 4]
    ok = (a >= 0.002 * area) & (a <= 0.1 * area) & (a >= 0.5 * bw * bh) \
        & (np.maximum(bw, bh) <= 2 * np.maximum(np.minimum(bw, bh), 1))
    cells = a[ok].astype(np.float64)
    if len(cells) < least:
        return False
    mid = _median(cells)
    alike = cells[np.abs(cells - mid) < 0.25 * mid]
    return len(alike) >= least and alike.sum() >= 0.15 * area


_TILE_REACH = 0.5
"""How far beyond each corner (a fraction of the side) `_tiling` looks for the side's line going
on as an edge."""


def _tiling(ycc: np.ndarray, quad: np.ndarray, shape: tuple[int, int], skin: np.ndarray | None = None) -> bool:
    """True when the outline is a block of floor tiles or a chequerboard's squares, not a page:
    its sides' lines go on as edges beyond its corners, nearly all of them (a page's sides end at
    its corners). Each side not along the frame border is carried on beyond both its corners by
    `_TILE_REACH` of its length (up to the frame border; `_carries_on`, points under a hand left
    out); at least four such stretches must be seen, and all of them must carry on (all but one
    when six or more are seen). Tune set, main's outline of every scene found at 1280x720 and
    1920x1080: a document's sides go on beyond at most half of the stretches seen (3 of 6, 4 of
    8: a page along the grout of a brick wall, a card beside a ruled form); a rendered
    chequerboard under perspective, all of them or all but one."""
    h, w = shape
    cut = _cut_sides(quad, shape)
    segments = []
    for i in range(4):
        if cut[i]:
            continue
        p, q = quad[i], quad[(i + 1) % 4]
        for a, d in ((q, q - p), (p, p - q)):
            t = _TILE_REACH
            for v, dv, hi in ((a[0], d[0], w - 1), (a[1], d[1], h - 1)):
                if v + t * dv < 0:
                    t = min(t, -v / dv)
                elif v + t * dv > hi:
                    t = min(t, (hi - v) / dv)
            if t * np.hypot(*d) >= 8:  # (the stretch starts a little beyond the corner)
                segments.append((a + 0.05 * d, a + t * d))
    if len(segments) < 4:
        return False
    on = _carries_on(ycc, segments, skin=skin)
    seen = on[~np.isnan(on)]
    return len(seen) >= 4 and int((seen < 0.6).sum()) <= len(seen) // 6


_CROSSING_REACH = 0.3
"""How far beyond its corner (a fraction of the side) `_corners_are_crossings` looks for a side's
line going on as an edge."""


def _corners_are_crossings(ycc: np.ndarray, quad: np.ndarray, shape: tuple[int, int],
                           skin: np.ndarray | None = None) -> bool:
    """True when the outline reaches beyond the frame (one side along the border, or two
    neighbouring ones) and at every corner of it the frame shows, a seen side's line goes on as an
    edge beyond the corner (`_carries_on` over `_CROSSING_REACH` of the side, up to the frame
    border): the corners it shows are then crossings of lines of a larger structure (a
    wall panel above a beam, a bin or a box face under a shelf's edge), not the corners of
    something lying on its own, whose sides end at its corners. An outline inside the frame is
    not judged (there `_tiling` asks for nearly every stretch: the documents found on the tune set
    include a few with something going on beyond each of their four corners).
    Tune set (main's chosen outline, 390 scenes and 480 empty surfaces per size, 1280x720 and
    1920x1080, with and without a TrayModel): of the outlines found reaching beyond the frame in
    scenes with a document (95 cut by one side, 8 in a frame corner), only one has every seen
    corner a crossing, and it is not the document (a door panel in the frame corner chosen over a
    small card); 5 have one of their two. The empty surfaces' outlines that do are the garage
    photo's wall panels, bin and box and a finger on gravel."""
    h, w = shape
    cut = _cut_sides(quad, shape)
    if not 1 <= sum(cut) <= 2 or (cut[0] and cut[2]) or (cut[1] and cut[3]):
        return False  # inside the frame, or cut on opposite sides (no corner seen)
    seen = [c for c in range(4) if not cut[c] and not cut[c - 1]]  # corners between two seen sides
    segments = []
    for c in seen:
        a = quad[c]
        if not (0 <= a[0] <= w - 1 and 0 <= a[1] <= h - 1):
            return False
        for d in (a - quad[c - 1], a - quad[(c + 1) % 4]):  # each side carried on beyond the corner
            t = _CROSSING_REACH
            for v, dv, hi in ((a[0], d[0], w - 1), (a[1], d[1], h - 1)):
                if v + t * dv < 0:
                    t = min(t, -v / dv)
                elif v + t * dv > hi:
                    t = min(t, (hi - v) / dv)
            # (the stretch starts a little beyond the corner; a degenerate one counts as unseen)
            segments.append((a + 0.05 * d, a + t * d) if t * np.hypot(*d) >= 8 else (a, a))
    on = np.nan_to_num(_carries_on(ycc, segments, skin=skin), nan=0.0).reshape(len(seen), 2) >= 0.6
    return bool(on.any(axis=1).all())


_FRAMED_REACH = 20
"""How far beyond a side (work pixels) `_framed` looks for a further edge parallel to it."""
_FRAMED_STEP = 0.6
"""A further edge counts when its step is at least this fraction of the side's own."""
_FRAMED_VALLEY = 0.5
"""... and the colour change between the two falls to at most this fraction of the further one's
(two edges, not one smeared edge)."""
_FRAMED_OFFSETS = np.arange(-3, _FRAMED_REACH + 3, dtype=np.float32)
_FRAMED_T = np.linspace(0.1, 0.9, 24)
_FRAMED_NEAR = np.flatnonzero(np.abs(_FRAMED_OFFSETS[1:-1]) <= 2).tolist()  # the side's own edge: -2 .. 2
_FRAMED_FAR = np.flatnonzero((_FRAMED_OFFSETS[1:-1] >= 3) & (_FRAMED_OFFSETS[1:-1] <= _FRAMED_REACH)).tolist()


def _framed(ycc: np.ndarray, quad: np.ndarray, shape: tuple[int, int]) -> bool:
    """True when beyond three or more of the outline's sides seen (not cut by the frame border), a
    further straight edge runs parallel to the side along most of it within `_FRAMED_REACH` work
    pixels: the outline is a face of a larger structure (a
    box between the shelf's board, its post and the bin beside it, a door in its frame, a panel in
    a wall), not something lying on the open surface. Each side is read by one profile across it,
    the median colour over points along it at each offset: a parallel edge along most of the side
    makes a step in it, a textured or cluttered surface around a page averages out (the surface's
    own lines cross a page's sides at any angle); a shadow or a tray's wall lies along two sides
    at most. One sampling pass over the seen sides (about 0.1 ms).
    Tune set (main's chosen outlines, 870 at both sizes, no TrayModel): no document outlined right
    has a third side framed (the third-most-framed side's further step at most 0.38 of its own
    step at 720p, 0.42 at 1080p); the outlines hit in scenes with a document were all something
    else (the red bin chosen over the page). At 0.5 instead of 0.6 a photo outlined right on the
    garage photo's shelves (its sides parallel to them) was dropped. A page lying in a recess of
    the tray that fits it closely is framed too: `find_document` asks only without a learned
    tray (with one, the surface's structure is the tray, and what is new lies on it)."""
    cut = _cut_sides(quad, shape)
    seen = [i for i in range(4) if not cut[i]]
    if len(seen) < 3:
        return False
    h, w = shape
    q = np.asarray(quad, np.float64)
    a = q[seen]
    d = q[_NEXT[seen]] - a
    length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
    normal = np.stack([d[:, 1], -d[:, 0]], axis=1) / length[:, None]  # outwards (corners in order)
    pts = a[:, None, :] + _FRAMED_T[None, :, None] * d[:, None, :]  # (S, n, 2)
    gx = (pts[:, :, 0, None] + _FRAMED_OFFSETS[None, None, :] * normal[:, None, 0:1]).astype(np.float32)
    gy = (pts[:, :, 1, None] + _FRAMED_OFFSETS[None, None, :] * normal[:, None, 1:2]).astype(np.float32)
    inside = (gx >= 0) & (gx <= w - 1) & (gy >= 0) & (gy <= h - 1)  # (S, n, m)
    s, n, m = gx.shape
    prof = cv2.remap(ycc, gx.reshape(s, -1), gy.reshape(s, -1), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE).reshape(s, n, m, -1)
    # the median colour at each offset over the points along the side (S, m, 3); an offset with
    # under 0.6 of the points inside the frame tells nothing
    if inside.all():  # (mostly: the same numbers as the masked median, by one sort)
        srt = np.sort(prof, axis=1)
        med = (srt[:, (n - 1) // 2] + srt[:, n // 2]) / 2
    else:
        med = _masked_median(prof.transpose(0, 2, 3, 1), inside.transpose(0, 2, 1)[:, :, None, :])
        med[inside.sum(axis=1) < 0.6 * n] = np.nan
    # the colour change at each offset (-2 .. reach + 1); none where the profile left the frame
    steps = np.nan_to_num(np.sqrt(_wsumsq(med[:, 2:] - med[:, :-2]))).tolist()
    framed = 0
    for k, st in enumerate(steps):  # (a few dozen numbers: plain Python)
        e = max(_FRAMED_NEAR, key=st.__getitem__)  # the side's own edge
        own = st[e]
        low = min(st[e:_FRAMED_FAR[0]])  # the least change from it out to the offset looked at
        for j in _FRAMED_FAR:
            v = st[j]
            if v >= _FRAMED_STEP * own and v >= st[j - 1] and v >= st[j + 1] and low <= _FRAMED_VALLEY * v and own > 0:
                framed += 1
                break
            low = min(low, v)
        if framed + (s - 1 - k) < 3:
            return False
    return framed >= 3


_DOC_ASPECT = (1.2, 2.2)
"""Long / short side ratio of the documents a booth takes (US letter 1.29, bank books and photo
prints 1.33-1.5, A4 1.41, F4 1.54, an ID-1 card 1.59), with room for a mild perspective and the
fit, and above for a card whose coloured band along a long side was not told from the surface
(1.59 / (1 - band) comes to 1.8-2.1: still a card, outlined wrong). Tune set, main's chosen
outlines seen whole (both sizes, with and without a TrayModel): documents outlined right measure
1.28-1.70 (868), every one outside 1.2-2.2 was outlined wrong (a piece of the page, the page
joined to a hand or a neighbour); false documents 1.06 (a coin) to 4.3 (a shelf's strip), but
most (box faces, the bin) 1.2-1.8, like pages."""


def _document_shaped(corners: np.ndarray) -> bool:
    """True when a whole outline (no side cut by the frame border) has the shape of a document a
    booth takes (`_DOC_ASPECT`), its opposite sides' mean lengths standing for the page's (the
    document camera looks nearly straight down)."""
    c = corners
    top, right, bottom, left = (math.hypot(*(c[(i + 1) % 4] - c[i])) for i in range(4))
    across, along = top + bottom, left + right
    if min(across, along) <= 0:
        return False
    r = max(across, along) / min(across, along)
    return _DOC_ASPECT[0] <= r <= _DOC_ASPECT[1]


def _move_side(quad: np.ndarray, i: int, offset: float) -> np.ndarray | None:
    """The quad with side i moved outwards by offset (along its normal), between the same
    neighbouring side lines."""
    moved, ok = _move_sides(quad[None], np.array([i]), np.array([offset], np.float64))
    return moved[0] if ok[0] else None


def _move_sides(quads: np.ndarray, i: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`_move_side` of K quads (K, 4, 2) at once, side i[k] of quad k by offsets[k]: the moved
    quads and which of them could be moved (False: a neighbouring side is parallel to it)."""
    k = np.arange(len(quads))
    a, b = quads[k, i], quads[k, _NEXT[i]]
    ab = b - a
    d = ab / np.maximum(np.hypot(ab[:, 0], ab[:, 1]), 1e-9)[:, None]
    normal = np.stack([d[:, 1], -d[:, 0]], axis=1)
    origin = a + offsets[:, None] * normal  # a point of the moved side; d runs along it
    out = quads.copy()
    ok = np.ones(len(quads), bool)
    # each end of the side slides along its neighbouring side's line: (corner, that line's two points)
    nxt = _NEXT[i]
    for corner, p0, p1 in ((i, quads[k, _PREV[i]], quads[k, i]), (nxt, quads[k, nxt], quads[k, _NEXT[nxt]])):
        pp = p1 - p0
        v = pp / np.maximum(np.hypot(pp[:, 0], pp[:, 1]), 1e-9)[:, None]
        # _line_intersection of (v, p0) and (d, origin)
        den = v[:, 0] * d[:, 1] - v[:, 1] * d[:, 0]
        par = np.abs(den) < 1e-6
        ok &= ~par
        t = ((origin[:, 0] - p0[:, 0]) * d[:, 1] - (origin[:, 1] - p0[:, 1]) * d[:, 0]) / np.where(par, 1.0, den)
        out[k, corner] = p0 + t[:, None] * v
    return out, ok


def _move_side_by(quad: np.ndarray, i: int, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`_move_sides` of K copies of one quad, side i of each moved by its own offset (K,): the
    sides' directions and their lines worked out once, each step the same float64 operation as
    `_move_sides` does on every row (the same numbers, without gathering K copies of them)."""
    q = quad[None]
    a, b = q[:, i], q[:, _NEXT[i]]
    ab = b - a
    d = ab / np.maximum(np.hypot(ab[:, 0], ab[:, 1]), 1e-9)[:, None]
    normal = np.stack([d[:, 1], -d[:, 0]], axis=1)
    origin = a + offsets[:, None] * normal  # a point of each moved side; d runs along it
    out = np.repeat(q, len(offsets), axis=0)
    par_any = False
    nxt = int(_NEXT[i])
    for corner, p0, p1 in ((i, q[:, _PREV[i]], q[:, i]), (nxt, q[:, nxt], q[:, _NEXT[nxt]])):
        pp = p1 - p0
        v = pp / np.maximum(np.hypot(pp[:, 0], pp[:, 1]), 1e-9)[:, None]
        den = v[:, 0] * d[:, 1] - v[:, 1] * d[:, 0]
        par = bool(np.abs(den[0]) < 1e-6)
        par_any |= par
        t = ((origin[:, 0] - p0[:, 0]) * d[:, 1] - (origin[:, 1] - p0[:, 1]) * d[:, 0]) \
            / (np.ones_like(den) if par else den)
        out[:, corner] = p0 + t[:, None] * v
    return out, np.full(len(offsets), not par_any)


def _edges_across(ycc: np.ndarray, quad: np.ndarray, i: int, reach: int, direction: float) -> np.ndarray:
    """For each offset 0..reach from side ``i`` (outwards with ``direction`` 1, inwards with -1),
    the fraction of 24 points along the side's middle 70 % where a colour edge (a local maximum
    of the colour step, at least 7) lies there or a pixel nearer."""
    pts, normal, _ = _side_geometry(quad, i, 24, 0.15, 0.85)
    offs = direction * np.arange(-1, reach + 2, dtype=np.float32)
    prof = _sample(ycc, pts[:, None, :] + offs[None, :, None] * normal[None, None, :])
    diff = np.sqrt(_wsumsq(prof[:, 2:] - prof[:, :-2]))  # offsets 0..reach
    local_max = diff >= cv2.dilate(diff, np.ones((1, 5), np.uint8))
    edge = ((diff >= 7.0) & local_max).astype(np.float32)
    rolled = np.empty_like(edge)  # np.roll(edge, 1, axis=1), without its overhead
    rolled[:, 1:], rolled[:, 0] = edge[:, :-1], edge[:, -1]
    edge = np.maximum(edge, rolled)  # a pixel either way
    return edge.mean(axis=0)


def _expand(ycc: np.ndarray, quad: np.ndarray, shape: tuple[int, int], support: list[float],
            cut: list[bool], skin: np.ndarray | None = None,
            max_reach: int | None = None) -> tuple[np.ndarray, list[float], list[bool]]:
    """Move a side outwards onto a farther parallel edge when the neighbouring sides carry on to
    it: a card's coloured band or a photo's dark margin that blends into the surface, which the
    blob stopped short of (`max_reach`: the farthest edge looked for, pixels). When only one
    neighbour carries on, the nearest farther edge is still taken if it is clear along the whole
    side and the stretch added is one colour along its length (a band whose far end a hand the
    skin mask misses lies over). When a side moved, the sides beside it that did not are looked
    at once more: whether a neighbour carries on depends on where that neighbour lies (a photo
    found as the piece below a print line on it: its left side moves out onto the photo's edge,
    and only then does the top side's neighbour carry on up to the photo's top edge); and when
    one moved at that second look, the sides beside it are looked at a third time, those that
    moved before too (a photo's side moved first onto the edge of dark hair printed along it, its
    top side then up to the photo's top edge, and only then does that side carry on over the
    hair to the photo's own edge beyond it: 1080p glare 17 of the tune set)."""
    h, w = shape
    moved_sides: list[int] = []
    look, start, second = 1, 0, 0  # the look, where its moves begin in moved_sides, and the second's
    for i in _SIDE_ORDER:
        if i is None:
            if len(moved_sides) == start:
                break  # nothing moved at this look
            look += 1
            second = start if look == 3 else second
            start = len(moved_sides)
            continue
        if look == 2 and (i in moved_sides or ((i - 1) % 4 not in moved_sides and (i + 1) % 4 not in moved_sides)):
            continue  # (the second look: only a side that did not move, beside one that did)
        if look == 3 and (i - 1) % 4 not in moved_sides[second:] and (i + 1) % 4 not in moved_sides[second:]:
            continue  # (the third look: any side beside one that moved at the second look, or at this one)
        if cut[i]:
            continue
        span = min(length_of(quad, (i - 1) % 4), length_of(quad, (i + 1) % 4))
        reach = int(min(2.5 * span, 0.4 * max(h, w), max_reach if max_reach is not None else np.inf))
        if reach < 4:
            continue
        # the side moved to every offset up to the reach at once (each quad moved on its own: the
        # same numbers as moving it to the few offsets with an edge), and which moves stay in the
        # frame; edges are looked for only up to the farthest of those (an offset's edge reads the
        # colour steps up to two offsets farther, `_edges_across`: the same numbers there). Tune
        # set, 720p: over half the offsets sampled lay beyond it.
        moved_all, ok_all = _move_side_by(quad, i, np.arange(reach + 1, dtype=np.float64))
        ok_all &= ~((moved_all < -2).any(axis=(1, 2)) | (moved_all[:, :, 0] > w + 1).any(axis=1)
                    | (moved_all[:, :, 1] > h + 1).any(axis=1))
        in_frame = np.flatnonzero(ok_all[4:])
        if not len(in_frame):
            continue
        per_offset = _edges_across(ycc, quad, i, min(reach, int(in_frame[-1]) + 4 + 2), 1.0)
        # every farther edge at once, the farthest that qualifies wins
        offs = np.flatnonzero(per_offset >= 0.6)[::-1]
        offs = offs[offs >= 4]
        moved, ok = moved_all[offs], ok_all[offs]
        moves = list(moved[ok])
        if not moves:
            continue
        offs = offs[ok]
        # the neighbouring sides must carry on over the stretch added
        ext = _carries_on(ycc, [seg for m in moves for seg in ((quad[i], m[i]), (quad[(i + 1) % 4], m[(i + 1) % 4]))],
                          skin=skin)
        # a neighbour's stretch hidden under a hand counts as carrying on when the other one does
        ext = ext.reshape(-1, 2)
        ext = np.where(np.isnan(ext) & ~np.isnan(ext[:, ::-1]), 0.6, np.nan_to_num(ext))
        keep = np.flatnonzero(ext.min(axis=1) >= 0.2)
        taken = False
        sups = _support_many(ycc, [moves[j] for j in keep], shape, skin)
        for k, (j, (sup, c, _)) in enumerate(zip(keep, sups)):
            if (sup[i] >= 0.6 and ext[j].sum() >= 1.0) or ext[j].min() >= 0.6:
                if sup[i] < 0.6 and not _carried_past_clear(ycc, quad, moves, i, j, keep[k + 1:], sups[k + 1:],
                                                             ext, skin):
                    continue
                quad, support, cut = moves[j], sup, c
                taken = True
                moved_sides.append(i)
                break
        if taken:
            continue
        # A band whose far end the other neighbour cannot show (a hand the skin mask misses lies
        # over it, or the band is the surface's colour there): one neighbour clearly carries on,
        # the band's outer edge is clear along the whole side, and the stretch added is one
        # colour along its length (a printed band; the surface beside a page is not). Only the
        # nearest farther edge (a band has no edge inside it): the band's own, within a pixel or two.
        loose = np.flatnonzero((ext.max(axis=1) >= _BAND_ONE_SIDE) & (ext.min(axis=1) < 0.2)
                               & (offs <= offs.min() + 2))[::-1]
        loose = [j for j in loose if _one_colour(ycc, quad, moves[j], i) >= _BAND_ONE_COLOUR]
        for j, (sup, c, _) in zip(loose, _support_many(ycc, [moves[j] for j in loose], shape, skin)):
            if sup[i] >= _BAND_EDGE:
                quad, support, cut = moves[j], sup, c
                moved_sides.append(i)
                break
    return quad, support, cut


def _carried_past_clear(ycc: np.ndarray, quad: np.ndarray, moves: list, i: int, j: int, nearer, nearer_sups,
                        ext: np.ndarray, skin: np.ndarray | None) -> bool:
    """For `_expand`: whether a faint farther edge (move ``j`` of side ``i``, taken because both
    neighbouring sides carry on to it) may be taken past the clear edges nearer in (``nearer``,
    farthest first, with their supports): only when both neighbours also carry on over the stretch
    beyond the farthest clear one to which both carry on. Averaged over the whole stretch added, a
    card's band, whose sides run on clearly, carried an outline on past the band's outer edge
    across the blurred surface beyond it, onto the next faint edge there (the far side of a pipe
    parallel to the card: 1080p blurry 23 of the tune set)."""
    for j2, (sup2, _, _) in zip(nearer, nearer_sups):
        if sup2[i] >= 0.6 and ext[j2].min() >= 0.6:
            a, b = moves[j2], moves[j]
            beyond = _carries_on(ycc, [(a[i], b[i]), (a[(i + 1) % 4], b[(i + 1) % 4])], skin=skin)
            return bool(np.nan_to_num(beyond, nan=1.0).min() >= 0.6)
    return True


_SIDE_ORDER = (0, 1, 2, 3, None, 0, 1, 2, 3, None, 0, 1, 2, 3)
"""The order `_expand` looks at the sides in: all four, then (None: only when one moved at the look
before) those beside a side that moved, again, and a third time those beside one that moved at the
second look, whether or not they moved before."""
_BAND_ONE_SIDE = 0.8
"""`_expand` without the second neighbour: how clearly the first must carry on over the band."""
_BAND_EDGE = 0.8
"""... and how clear the band's outer edge must be along the moved side (support)."""
_BAND_ONE_COLOUR = 0.6
"""... and the fraction of the band's middle line within `_BAND_COLOUR` of its median colour."""
_BAND_COLOUR = 8.0
"""Colour distance (weighted YCrCb, as the edge steps) within which a band counts as one colour."""


def _flat_band(ycc: np.ndarray, quad: np.ndarray, shape: tuple[int, int], support: list[float],
               cut: list[bool]) -> np.ndarray | None:
    """The quad with a side moved outwards over a flat band that ends where a textured surface
    begins; None when no side moved.

    A card's printed band the colour of the textured surface it lies on (a grey band on grey
    gravel, a dark red one on a red motorbike) has no clear outer edge: `_expand` looks
    for a farther colour edge, and the surface's own edges (stones, grout) are as strong there as
    the band's. But the band is one colour along and across it, and the surface is not: beyond a
    clear side (the band's inner edge) the colour just outside it is followed outwards while it
    stays the same at most points along the side (nine in ten or more); where a quarter of them
    leave it, and soon half, the band ends. It is taken when it is at least 3 and at most
    `_FLAT_BAND_WIDTH` of the neighbouring sides wide, and texture bounds it on its three open
    sides: along the side, the steps between neighbouring points beyond the band's end average
    `_FLAT_BAND_ROUGH` or more and three times the band's; across its ends (lines from just
    past each neighbouring side's line outwards, against the same lines inwards through the band)
    likewise. A page beside a plain surface has none of this (a shadow fading out along a page's
    side is smooth beyond it as well): the bands told by colour are `_expand`'s. (Not taken: a
    grey band on grey brick whose end meets a flat brick face, texture 0.8-1.3 there.)"""
    h, w = shape
    moved_any = False

    def look(i: int, quad: np.ndarray):
        span = min(length_of(quad, (i - 1) % 4), length_of(quad, (i + 1) % 4))
        reach = int(_FLAT_BAND_WIDTH * span)
        if reach < 4:
            return None
        pts, normal, _ = _side_geometry(quad, i, 24, 0.15, 0.85)
        return i, reach, pts, normal

    def profiles(looks: list, far: int):
        # the sides' profiles outwards, offsets 2 .. far - 1, by one remap; the band's colour just
        # outside each side and, per offset, the fraction of its points of that colour
        offs = np.arange(2, far, dtype=np.float32)
        pts = np.stack([v[2] for v in looks])
        normal = np.stack([v[3] for v in looks])
        prof = _sample(ycc, pts[:, :, None, :] + offs[None, None, :, None] * normal[:, None, None, :])
        colour = _median(prof[:, :, 1:3].reshape(len(looks), -1, 3), axis=1)  # (offset 2 may be the edge's ramp)
        frac = (np.sqrt(_wsumsq(prof - colour[:, None, None, :])) <= _BAND_COLOUR).mean(axis=1)
        return offs, prof, colour, frac

    # every side at once; once a side has moved, those after it are looked at again on the moved
    # outline. (A side's profile runs on beyond its own reach when another's is longer: a band
    # ending out there is too wide for it and is not taken.)
    looks = [v for v in (look(i, quad) for i in range(4) if not cut[i] and support[i] >= 0.8) if v is not None]
    if not looks:
        return None
    # first offsets 2-4 only: a band 3 px wide or more is one colour at offset 3 (nine in ten of
    # the points) and mostly at 4 (the checks below ask the same of every band): most sides on a
    # textured surface end here
    _, _, _, fracs = profiles(looks, 5)
    looks = [v for v, f in zip(looks, fracs) if f[1] >= 0.9 and f[2] >= 0.75]
    if not looks:
        return None
    offs, profs, colours, fracs = profiles(looks, max(v[1] for v in looks) + 8)
    for k, (i, reach, _, _) in enumerate(looks):
        prof, colour, frac = profs[k], colours[k], fracs[k]
        if moved_any:
            again = look(i, quad)
            if again is None:
                continue
            reach = again[1]
            offs, prof, colour, frac = (v[0] if v.ndim > 1 else v for v in profiles([again], reach + 8))
        out = np.flatnonzero(frac[2:] < 0.75)
        if not len(out):
            continue
        e = int(out[0]) + 2  # (index of) the first offset beyond the band
        if e < 3 or e > reach - 2 or frac[1:e - 1].min() < 0.9 or frac[e:e + 6].mean() > 0.55:
            continue
        along = np.sqrt(_wsumsq(np.diff(prof, axis=0))).mean(axis=0)  # steps along the side, per offset
        flat, rough = float(along[1:e - 1].mean()), float(along[e + 1:e + 5].mean())
        if rough < _FLAT_BAND_ROUGH or rough < 3.0 * flat:
            continue
        moved = _move_side(quad, i, float(offs[e]) - 0.5)
        if moved is None or (moved < -2).any() or (moved[:, 0] > w + 1).any() or (moved[:, 1] > h + 1).any():
            continue
        bounded = True
        for j, o in ((i, (i + 1) % 4), ((i + 1) % 4, i)):  # each end: its corner, the other end's
            u = quad[o] - quad[j]
            u = u / max(float(np.hypot(*u)), 1e-9)
            start = quad[j] + np.array([0.3, 0.5, 0.7])[:, None, None] * (moved[j] - quad[j])  # on the neighbour's line
            steps = (2.5 + np.arange(max(4, e), dtype=np.float64))[None, :, None] * u
            beyond, inside = _sample(ycc, start - steps), _sample(ycc, start + steps)
            rough = float(np.sqrt(_wsumsq(np.diff(beyond, axis=1))).mean())
            if rough < _FLAT_BAND_ROUGH or rough < 3.0 * float(np.sqrt(_wsumsq(np.diff(inside, axis=1))).mean()):
                bounded = False
                break
        if bounded:
            quad, moved_any = moved, True
    return quad if moved_any else None


_FLAT_BAND_WIDTH = 0.35
"""The widest band `_flat_band` adds, as a fraction of the shorter neighbouring side."""
_FLAT_BAND_ROUGH = 1.5
"""Texture, for `_flat_band`: the mean colour step (weighted YCrCb, as the edge steps) between
neighbouring points a work pixel or a few apart. On the tune scenes looked at: printed bands
0.2-0.8, a plain surface under a soft shadow about 2 (hence also three times the band's own),
gravel, brick's grout and a motorbike's parts beyond a band 3-34."""


def _one_colour(ycc: np.ndarray, quad: np.ndarray, moved: np.ndarray, i: int, n: int = 24) -> float:
    """The fraction of points along the middle line of the stretch between side ``i`` of ``quad``
    and of ``moved`` whose colour lies within `_BAND_COLOUR` of the median colour there."""
    a = 0.5 * (quad[i] + moved[i])
    b = 0.5 * (quad[(i + 1) % 4] + moved[(i + 1) % 4])
    t = np.linspace(0.1, 0.9, n)[:, None]
    prof = _sample(ycc, (a + t * (b - a))[:, None, :])[:, 0]
    med = np.median(prof, axis=0)
    d = np.sqrt(_wsumsq(prof - med))
    return float((d <= _BAND_COLOUR).mean())


_FINE_SIDE = 64
"""An outline whose shortest side is under this many work pixels is also looked at on a finer
copy of its surroundings for a band or margin `_expand` cannot see at the work size. Under 128
(tune set) two more scenes at 720p and one at 1080p came right, but the finer look then ran on
more than half of the frames with a page, at about 4-5 ms a call (a loaded machine, before the
reach was limited to `_FINE_REACH`; about 2 ms since); under 160
with a 192 px copy a covered card lost its corners."""
_FINE_REACH = 6
"""Farthest band edge (work pixels) the finer look seeks: `_expand` finds those from 4 on."""
_FINE_PX = 128
"""Shortest side (pixels) the outline gets on that finer copy (never finer than the frame)."""


def _finer_copy(frame: np.ndarray, box: tuple[int, int, int, int], g: float) -> tuple[np.ndarray, np.ndarray]:
    """The frame's box (x0, y0, x1, y1) at g copy pixels per frame pixel, smoothed YCrCb as the
    work image is, and the (x, y) scale from frame to copy pixels. Halved exactly (a 2x2 mean)
    while far above the size, then linear: an area resize by an odd factor costs several
    milliseconds on a crop this size, and the copy is smoothed anyway."""
    x0, y0, x1, y1 = box
    crop = frame[y0:y1, x0:x1]
    if crop.ndim == 2:
        crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)
    size = (max(8, round((x1 - x0) * g)), max(8, round((y1 - y0) * g)))
    while crop.shape[1] >= 2 * size[0] + 2 and crop.shape[0] >= 2 * size[1] + 2:
        crop = cv2.resize(crop, (crop.shape[1] // 2, crop.shape[0] // 2), interpolation=cv2.INTER_LINEAR)
    if (crop.shape[1], crop.shape[0]) != size:
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_LINEAR)
    return _smoothed_ycc(crop), np.array([size[0] / (x1 - x0), size[1] / (y1 - y0)])


def _expand_fine(work: _Work, corners: np.ndarray, skin: np.ndarray | None = None) -> np.ndarray | None:
    """`_expand` of a small outline (its refined corners, frame pixels) on a finer copy of the
    frame around it: the corners moved onto a farther edge, or None. A small card's coloured
    band or a small photo's margin is a few work pixels wide, within the reach of the smoothing
    and of the profiles there, and is left out; on a copy where the page is about `_FINE_PX`
    across, it is as wide as a large page's band is at the work size."""
    frame = work.frame
    fh, fw = frame.shape[:2]
    f = work.f
    shortest = min(float(np.hypot(*(corners[(i + 1) % 4] - corners[i]))) for i in range(4))
    g = min(1.0, _FINE_PX / max(shortest, 1e-9))  # fine pixels per frame pixel
    if g <= 1.25 * f:
        return None  # the copy would be hardly finer than the work image
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    # a band at least _FINE_REACH work pixels wide was seen at the work size: only narrower ones
    # are looked for (and only the frame around them is copied)
    reach = int(math.ceil(_FINE_REACH / f * g))
    margin = _FINE_REACH / f + 12.0 / g
    x0, y0 = (int(max(0, math.floor(v - margin))) for v in lo)
    x1, y1 = int(min(fw, math.ceil(hi[0] + margin) + 1)), int(min(fh, math.ceil(hi[1] + margin) + 1))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    ycc, scale = _finer_copy(frame, (x0, y0, x1, y1), g)
    shape = ycc.shape[:2]
    fine = (corners - (x0, y0) + 0.5) * scale - 0.5
    fine_skin = None
    if skin is not None:  # the work-size hand mask at the fine pixels (nearest)
        ys = np.rint(((np.arange(shape[0]) + 0.5) / scale[1] + y0) * f - 0.5).astype(np.intp)
        xs = np.rint(((np.arange(shape[1]) + 0.5) / scale[0] + x0) * f - 0.5).astype(np.intp)
        fine_skin = skin[np.clip(ys, 0, skin.shape[0] - 1)[:, None], np.clip(xs, 0, skin.shape[1] - 1)[None, :]]
    sup, c = _support(ycc, fine, shape, fine_skin)
    if any(c):
        return None
    moved, _, _ = _expand(ycc, fine, shape, sup, c, fine_skin, max_reach=reach)
    if np.array_equal(moved, fine):
        return None
    return (moved + 0.5) / scale + (x0, y0) - 0.5


def _contract(ycc: np.ndarray, quad: np.ndarray, shape: tuple[int, int], support: list[float],
              cut: list[bool], skin: np.ndarray | None = None) -> np.ndarray | None:
    """The quad with each weak side (support under 0.5) moved inwards onto the nearest parallel
    edge that runs along most of it, when one does (a page whose blob ran on into something
    touching it); None when no side moved."""
    moved_any = False
    for i in range(4):
        if cut[i] or support[i] >= 0.5:
            continue
        span = min(length_of(quad, (i - 1) % 4), length_of(quad, (i + 1) % 4))
        reach = int(0.7 * span)
        if reach < 4:
            continue
        per_depth = _edges_across(ycc, quad, i, reach, -1.0)  # inwards
        for o in np.flatnonzero(per_depth >= 0.7):
            if o < 3:
                continue
            moved = _move_side(quad, i, -float(o))
            if moved is None or not cv2.isContourConvex(moved.astype(np.float32).reshape(-1, 1, 2)):
                break
            sup, c = _support(ycc, moved, shape, skin)
            if sup[i] >= 0.7:
                quad, support, cut, moved_any = moved, sup, c, True
            break
    return quad if moved_any else None


def _edge_end(ycc: np.ndarray, a: np.ndarray, b: np.ndarray, reach: float,
              clear_of_border: bool = False) -> np.ndarray | None:
    """Where the edge along the line from a (a side's middle) through b (its corner) ends: the
    point within `reach` of b (work pixels, along the line) with the edge (as `_support_and_bend`
    counts it: the strongest colour change across the line right on it, clearly) along most of the
    stretch before it and little of the stretch beyond it; None when no point has that. With
    ``clear_of_border`` the stretch beyond must lie inside the frame (an edge running on to the
    border stops being seen there, it does not end)."""
    ab = b - a
    length = float(np.hypot(*ab))
    if length < 8:
        return None
    d = ab / length
    normal = np.array([d[1], -d[0]], np.float32)
    t = np.arange(0.0, length + reach + 1.0, 1.0, dtype=np.float32)
    pts = a[None, :] + t[:, None] * d[None, :]
    prof = _sample(ycc, pts[:, None, :] + _OFFSETS[None, :, None] * normal[None, None, :])
    diff = np.sqrt(_wsumsq(prof[:, 2:] - prof[:, :-2]))  # offsets -4..4
    at = diff.argmax(axis=1)
    strength = diff[np.arange(len(t)), at]
    step = np.sqrt(_wsumsq(prof[:, -1] - prof[:, 0]))
    h, w = ycc.shape[:2]
    inside = (pts[:, 0] >= 5) & (pts[:, 0] <= w - 6) & (pts[:, 1] >= 5) & (pts[:, 1] <= h - 6)
    ok = ((np.abs(at - 4) <= 1) & (strength >= 7.0) & (step >= 10.0) & inside).astype(np.float32)
    run = max(6, int(round(0.1 * length)))
    c = np.concatenate([[0.0], np.cumsum(ok)])
    ks = np.arange(max(run, int(length - reach)), min(len(t) - run, int(length + reach)) + 1)
    if not len(ks):
        return None
    before = (c[ks] - c[ks - run]) / run  # edge along the stretch up to point k - 1
    after = (c[ks + run] - c[ks]) / run  # and along the stretch from point k on
    ends = (before >= _END_BEFORE) & (after <= _END_AFTER)
    if clear_of_border:
        ci = np.concatenate([[0.0], np.cumsum(inside)])
        ends &= (ci[ks + run] - ci[ks]) >= run
    if not ends.any():
        return None
    k = ks[np.flatnonzero(ends)[np.argmax((before - after)[ends])]]  # the clearest end (the first of equals)
    return pts[k - 1].astype(np.float32)


_END_BEFORE = 0.6
"""Least share of edge along the stretch (a tenth of the side, 6 work pixels or more) before a
side's end (see `_edge_end`)."""
_END_AFTER = 0.2
"""Most share of edge along the stretch beyond it."""
_END_SIDES = 0.6
"""Least support of both sides that meet a weak side for it to be put where their edges end
(`_placed_by_ends`)."""


_CUT_ENDS_MOST = 3
"""How many of the best outlines that passed and are cut by the border `_cut_placed_by_ends` tries."""


def _placed_by_ends(ycc: np.ndarray, quad: np.ndarray, support: list[float],
                    cover: np.ndarray | None = None) -> np.ndarray | None:
    """The quad with its one weak side (support under 0.5; both sides that meet it `_END_SIDES` or
    more) put where those two sides' edges end: a page's side that shows little contrast
    against the surface (a photo whose margin is the surface's colour) still lies between the
    ends of the sides that meet it, where the blob's outline strayed into the surface or the print
    beside it. None when it does not apply or an end is not found, or when what lies just beyond
    an end along the line is not mostly the bare surface (`cover`: skin colour or a colour the
    surface does not show; a finger or an object over the edge hides it there, it does not end)."""
    weak = [i for i in range(4) if support[i] < 0.5]
    if len(weak) != 1:
        return None
    i = weak[0]
    prev_side, next_side = (i - 1) % 4, (i + 1) % 4
    if min(support[prev_side], support[next_side]) < _END_SIDES:
        return None
    # side i runs from corner i to corner i+1; its neighbours: side i-1 (corner i-1 -> i) and
    # side i+1 (corner i+1 -> i+2)
    reach = 0.25 * length_of(quad, i)
    mid_prev = 0.5 * (quad[prev_side] + quad[i])
    mid_next = 0.5 * (quad[next_side] + quad[(i + 2) % 4])
    p = _edge_end(ycc, mid_prev, quad[i], reach)
    q = _edge_end(ycc, mid_next, quad[next_side], reach)
    if p is None or q is None or not _bare_beyond(cover, ((p, mid_prev), (q, mid_next))):
        return None
    out = quad.copy()
    out[i], out[next_side] = p, q
    return out


def _cut_placed_by_ends(ycc: np.ndarray, quad: np.ndarray, support: list[float], cut: list[bool],
                        cover: np.ndarray | None = None) -> np.ndarray | None:
    """An outline cut by the frame border (one side, or two that meet beyond a frame corner) with
    its cut sides put where the edges of the clear sides that meet them end, short of the border:
    a page whose side shows little contrast against the surface (a photo's trees on brick), its
    blob run on through the surface to the border. The ends are sought along each clear side
    from a fifth of the way in (the blob may have run far past the page); what lies just beyond
    them must be mostly bare surface (see `_placed_by_ends`). None when it does not apply."""
    cuts = [i for i in range(4) if cut[i]]
    if len(cuts) == 1:
        i = cuts[0]  # side i: corners i and i+1 are where its neighbours meet the border
        sides = ((i - 1) % 4, i), ((i + 1) % 4, (i + 1) % 4)  # (clear side, its corner on the border)
        far = None
    elif len(cuts) == 2 and (cuts[1] - cuts[0]) % 4 in (1, 3):
        i = cuts[0] if (cuts[0] + 1) % 4 == cuts[1] else cuts[1]  # sides i and i+1 are cut
        sides = ((i - 1) % 4, i), ((i + 2) % 4, (i + 2) % 4)
        far = (i - 1) % 4  # the corner the clear sides share
    else:
        return None
    ends = []
    for side, corner in sides:
        if support[side] < _END_SIDES:
            return None
        other = quad[(side + 1) % 4] if corner == side else quad[side]  # the side's other corner
        length = float(np.hypot(*(quad[corner] - other)))
        start = other + 0.2 * (quad[corner] - other)
        end = _edge_end(ycc, start, quad[corner], 0.8 * length, clear_of_border=True)
        if end is None:
            return None
        ends.append((end, start))
    if not _bare_beyond(cover, ends):
        return None
    out = quad.copy()
    (p, _), (q, _) = ends
    if far is None:
        out[i], out[(i + 1) % 4] = p, q
    else:
        out[i], out[(i + 2) % 4] = p, q
        out[(i + 1) % 4] = p + q - quad[far]
    return out


def _beyond_finger(ycc: np.ndarray, skin: np.ndarray, corner: np.ndarray, d: np.ndarray,
                   reach: float, finger_first: bool = True) -> tuple[str, np.ndarray | None]:
    """Along a side's line carried on from its corner (unit direction d, up to `reach` work
    pixels, inside the frame): whether skin lies on the line at the corner (within 4 work pixels)
    and, beyond the skin, the side's edge is seen again (as `_edge_end` counts it; not where a
    body of skin lies on one side of it only: the hand's own rim) and ends.
    ("end", the point where it ends); ("hidden", None) when skin lies on the line from the corner
    on to the frame border or to `reach` (the page's corner under the hand); ("no", None)
    otherwise: no skin at the corner, or no edge seen again beyond it that ends. Without
    ``finger_first``, a line with no skin at its corner is followed too: the page's edge carries
    on from the corner (seen, or hidden under skin, along most of the way) and ends ("end")."""
    h, w = ycc.shape[:2]
    normal = np.array([d[1], -d[0]], np.float32)
    t = np.arange(0.0, reach, 1.0, dtype=np.float32)
    pts = corner[None, :] + t[:, None] * d[None, :]
    inside = (pts[:, 0] >= 5) & (pts[:, 0] <= w - 6) & (pts[:, 1] >= 5) & (pts[:, 1] <= h - 6)
    n_in = int(np.argmin(inside)) if not inside.all() else len(t)
    if n_in < 12:
        return "no", None
    pts, t = pts[:n_in], t[:n_in]
    xi = np.clip(np.rint(pts[:, 0]).astype(np.intp), 0, w - 1)
    yi = np.clip(np.rint(pts[:, 1]).astype(np.intp), 0, h - 1)
    on = skin[yi, xi]
    if not on[:4].any():
        if finger_first:
            return "no", None  # no finger at the corner
        s1 = 0
    else:
        # where the skin from the corner on ends: the first 3 points in a row without skin
        off = np.convolve((~on).astype(np.float32), np.ones(3, np.float32), "valid") >= 3
        if not off.any():
            return "hidden", None
        s1 = int(np.argmax(off))
    run = 6
    if s1 + run > len(t) - run:
        return "no", None
    # the edge is looked for only beyond the skin (from s1 on; indices below count from there)
    pts = pts[s1:]
    prof = _sample(ycc, pts[:, None, :] + _OFFSETS[None, :, None] * normal[None, None, :])
    diff = np.sqrt(_wsumsq(prof[:, 2:] - prof[:, :-2]))
    at = diff.argmax(axis=1)
    strength = diff[np.arange(len(pts)), at]
    step = np.sqrt(_wsumsq(prof[:, -1] - prof[:, 0]))
    ok = (np.abs(at - 4) <= 1) & (strength >= 7.0) & (step >= 10.0)
    if s1:
        # beyond a finger, an edge with a body of skin on one side of it (2 and 4 work pixels out)
        # and none on the other is the hand's own rim, not the page's edge seen again (a line
        # grazing the side of a hand whose fingers hide the page's corner)
        side = np.rint(pts[:, None, :] + _RIM_OFFSETS[None, :, None] * normal[None, None, :]).astype(np.intp)
        o = skin[np.clip(side[..., 1], 0, h - 1), np.clip(side[..., 0], 0, w - 1)]
        ok &= ~((o[:, 0] & o[:, 1] & ~o[:, 2]) | (o[:, 3] & o[:, 2] & ~o[:, 1]))
    ok = ok.astype(np.float32)
    c = np.concatenate([[0.0], np.cumsum(ok)])
    ks = np.arange(run, len(pts) - run + 1)
    before = (c[ks] - c[ks - run]) / run
    after = (c[ks + run] - c[ks]) / run
    if s1 == 0:
        # from a corner in view, the edge carries on from it (hidden, not missing, where a
        # finger lies across it further on)
        cs = np.concatenate([[0.0], np.cumsum(np.maximum(ok, on[s1:]))])
        seen = cs[ks] / ks
    else:
        seen = c[ks] / ks
    ends = (before >= _END_BEFORE) & (after <= _END_AFTER) & (seen >= _END_BEFORE)
    if not ends.any():
        return "no", None
    k = int(ks[np.argmax(ends)])  # the first end beyond the finger
    return "end", pts[k - 1].astype(np.float32)


_RIM_OFFSETS = np.array([-4.0, -2.0, 2.0, 4.0], np.float32)
"""Offsets (work pixels, across the line) at which `_beyond_finger` looks for skin beside an edge."""


def _across_finger(ycc: np.ndarray, quad: np.ndarray, support: list[float], skin: np.ndarray,
                   cover: np.ndarray, strict: bool = False, unusual: np.ndarray | None = None) -> np.ndarray | None:
    """The page a finger or a hand lies across, from the piece of it beside the finger: one side
    of the quad (inside the frame) moved to where the edges of the two clear sides that meet it
    (support `_END_SIDES` or more) end beyond the finger: their lines carried on from the corners
    across skin, the page's edge seen again beyond it, then ending with bare surface beyond
    (`cover`: skin or a colour the surface does not show; something lying there hides the edge,
    it does not end it), see `_beyond_finger`. When one of the two lines stays under the hand to
    its end (the page's corner hidden there), the new side runs through the other's end parallel
    to the side opposite it, and the hidden corner is where it meets that line, provided a hand
    or something other than the surface covers that spot. A line with skin at its corner whose
    edge is not seen again beyond the skin is taken as one that stays under the hand (a hand
    whose fingers hide the page's corner, the line running on beside or out of the hand onto
    bare surface): its corner is placed in the same way, under the hand, and the refit at full
    resolution then fits that side on its seen stretch. The new side must be nearly parallel
    to the opposite one (`_FINGER_PARALLEL`). Skin need lie at only one of the two corners when
    it is a hand's (skin the surface does not show: by its smoothness, see `_smooth_skin`, or by
    a colour not common along the frame border, ``unusual``): the other line's edge then carries
    on from its corner in view and ends (a thumb over the page's far corner, the side beside it
    in view to its end). With ``strict``, the skin at every corner where there is some must be a
    hand's. None when it does not apply."""
    h, w = skin.shape
    q = order_corners(quad)
    if any(_cut_sides(q, (h, w))):
        return None
    for k in range(4):
        a, b = q[k], q[(k + 1) % 4]
        prev_side, next_side = (k - 1) % 4, (k + 1) % 4
        if min(support[prev_side], support[next_side]) < _END_SIDES:
            continue
        lines = []
        for corner, other in ((a, q[prev_side]), (b, q[(k + 2) % 4])):
            d = corner - other
            side_len = float(np.hypot(*d))
            if side_len < 8:
                break
            d = d / side_len
            lines.append((corner, d, 3.0 * side_len,
                          _skin_from(skin, float(corner[0]), float(corner[1]), float(d[0]), float(d[1]))))
        if len(lines) < 2 or not (lines[0][3] or lines[1][3]):
            continue  # skin must lie on a line at its corner (a finger along this side)
        if (strict or not (lines[0][3] and lines[1][3])) and not all(
                _skin_from(_smooth_skin(ycc, skin, np.array([c, c + 10.0 * d])), float(c[0]), float(c[1]),
                           float(d[0]), float(d[1]), 10)
                or (unusual is not None and _skin_from(
                    _smooth_skin(ycc, unusual, np.array([c, c + 10.0 * d]), _UNUSUAL_SMOOTH),
                    float(c[0]), float(c[1]), float(d[0]), float(d[1]), 10))
                for c, d, _, on in lines if on):
            # one line in view from its corner (the side ends at a thumb only at one end): the
            # skin on the other must be a hand's, smooth within 10 work pixels of the corner (its
            # rim is not: the Laplacian of its outline), or of a colour the surface does not show
            # and fairly smooth (`_UNUSUAL_SMOOTH`: fingers with shading bands and gaps between
            # them); wood or a box beside a page is skin-toned too, and its edge carries on beyond
            # the page's corner
            continue
        ka, pa = _beyond_finger(ycc, skin, *lines[0])
        if ka == "no" and lines[0][3]:
            ka = "hidden"  # a finger at the corner, the edge not seen again beyond it: under the hand
        if ka == "no":
            continue
        kb, pb = _beyond_finger(ycc, skin, *lines[1])
        if kb == "no" and lines[1][3]:
            kb = "hidden"
        if kb == "no":
            continue
        if ka == "hidden" and kb == "hidden":
            continue
        opp = q[(k + 3) % 4] - q[(k + 2) % 4]  # the opposite side, from corner k+2 to k+3
        if ka == "hidden":
            pa = _line_intersection(_line_through(pb, opp), _line_through(a, a - q[prev_side]))
            if pa is None or not _under_hand(cover, pa):
                continue
        elif kb == "hidden":
            pb = _line_intersection(_line_through(pa, opp), _line_through(b, b - q[(k + 2) % 4]))
            if pb is None or not _under_hand(cover, pb):
                continue
        # beyond an end on a line a finger lies across, a hand of a colour the skin box misses would
        # hide the edge too (`cover`). Not looked at beyond the end of an edge followed from a
        # corner in view: there `cover` marks much of a busy surface (a dark part of a motorbike
        # beside a card's corner), and the end is where the edge seen from the corner on stops.
        if not _bare_beyond(cover, [(e, c) for e, c, kind, line in ((pa, a, ka, lines[0]), (pb, b, kb, lines[1]))
                                    if kind == "end" and line[3]]):
            continue
        # a page is a rectangle the camera looks down on: its sides opposite each other are
        # nearly parallel (two ends that are not are one page edge and something else's)
        side = pb - pa
        cos = abs(float(np.dot(side, opp))) / max(float(np.hypot(*side) * np.hypot(*opp)), 1e-9)
        if cos < _FINGER_PARALLEL:
            continue
        new = q.copy()
        new[k], new[(k + 1) % 4] = pa, pb
        return new
    return None


def _skin_from(skin: np.ndarray, x: float, y: float, dx: float, dy: float, reach: int = 4) -> bool:
    """Whether skin lies on the line from (x, y) along (dx, dy) within `reach` work pixels (4: as
    `_beyond_finger` looks first), by a few lookups."""
    h, w = skin.shape
    for t in range(reach):
        xi, yi = int(round(x + t * dx)), int(round(y + t * dy))
        if 0 <= xi < w and 0 <= yi < h and skin[yi, xi]:
            return True
    return False


def _line_through(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """The line through p along d, as `_line_intersection` takes it."""
    return np.array([d[0], d[1], p[0], p[1]], np.float64)


_FINGER_PARALLEL = float(np.cos(np.radians(10.0)))
"""Least cosine of the angle between the side `_across_finger` places and the side opposite it."""
_FINGER_MOST = 3
"""How many of the best outlines that passed `_across_finger` tries."""
_FINER_FROM = 0.3
"""Least score (see `_score`) of a candidate outline for `_finer_look` to look at it again."""
_FINER_MOST = 4
"""How many of the best candidate outlines `_finer_look` looks at again."""
_FINER_REACH = 16
"""How far (pixels of the finer copy: 8 work pixels) `_finer_look` looks for a weak side's edge
on either side of it, at each end."""
_FINER_MARGIN = 14
"""Margin (work pixels) of the finer copy around the outlines looked at: the reach above, the
profiles' and the snap's reach."""
_PARALLEL_COS = float(np.cos(np.radians(12)))
"""A page lying flat seen from above has its opposite sides within 12 degrees of parallel (the
tune set's pages: at most 5.8; a document camera tilted a little more than the bench's is
allowed for). Outlines looked at again by `_finer_look` must be so."""


def _parallel(quad: np.ndarray) -> bool:
    """Whether both pairs of opposite sides lie within `_PARALLEL_COS` of parallel."""
    e = quad[_NEXT] - quad
    u = e / np.maximum(np.hypot(e[:, 0], e[:, 1]), 1e-9)[:, None]
    return bool(abs(u[0] @ u[2]) >= _PARALLEL_COS and abs(u[1] @ u[3]) >= _PARALLEL_COS)


def _finer_look(work: _Work, quads: list[np.ndarray], supports: list) -> tuple[list, list]:
    """The best candidate outlines (up to `_FINER_MOST`, score `_FINER_FROM` or more, inside the
    frame, opposite sides near parallel) looked at again on a copy of the frame twice as fine as
    the work image (around them only), when no outline passed: on a busy surface (brick, whose
    grout lines run a few work pixels beside a photo's edge) the strongest colour change across
    a side within the profiles' reach is often the texture's, not the page's, and the page's
    own outline falls just short of the support it needs; on the finer copy the profiles reach
    half as far. Each outline with three fair sides there (support 0.5 or more) and one weak
    one also gets that side moved onto the best supported straight edge near it (`_side_search`:
    the blob's outline ran along a row of coins inside the photo, or out into the grout). What
    is returned, in work pixels with its support on the finer copy (support, cut, bent), is
    only what has every seen side fair there; it is judged like every other outline. Tune set:
    the coins photo on brick at 1080p, plain 0 found (without a tray model its corners right,
    1.0 % of the diagonal; with one 1.9 %) and plain 9 found right (0.3 %; with a tray model it
    had been a wrong outline); nothing lost, no false document added on 480 empty surfaces per
    size. Without the limits (every candidate, cut ones too, every weak side searched) false
    documents rose 21 -> 34 (720p) and 15 -> 31 (1080p) of 480: box faces and a red bin of the
    garage photo, most cut by the border; with them but without `_parallel`, 21 -> 22 and
    15 -> 16 (a bin's face beside a slanting fork, a shelf's piece)."""
    order = sorted(range(len(quads)), key=lambda j: -_score(*supports[j][:2]))
    pick = [j for j in order if _score(*supports[j][:2]) >= _FINER_FROM and not any(supports[j][1])
            and _parallel(quads[j])][:_FINER_MOST]
    if not pick:
        return [], []
    h, w = work.shape
    frame = work.frame
    fh, fw = frame.shape[:2]
    f = work.f
    g = 2.0 * f  # fine pixels per frame pixel
    pts = np.concatenate([quads[j] for j in pick])
    lo = (pts.min(axis=0) - _FINER_MARGIN + 0.5) / f - 0.5
    hi = (pts.max(axis=0) + _FINER_MARGIN + 0.5) / f - 0.5
    x0, y0 = int(max(0, math.floor(lo[0]))), int(max(0, math.floor(lo[1])))
    x1, y1 = int(min(fw, math.ceil(hi[0]) + 1)), int(min(fh, math.ceil(hi[1]) + 1))
    ycc, scale = _finer_copy(frame, (x0, y0, x1, y1), g)
    off = np.array([x0, y0], np.float64)
    shape = ycc.shape[:2]
    fine = [((quads[j] + 0.5) / f - 0.5 - off + 0.5) * scale - 0.5 for j in pick]
    fine_support = _support_many(ycc, fine, shape)
    moved = _side_search(ycc, fine, fine_support)
    moved = _plausible(moved, shape, 0.005 * 4 * h * w, 0.95 * 4 * h * w, 2.2)
    moved = [q for q in _snap_many(ycc, moved, shape) if _parallel(q)]
    fine += moved
    fine_support += _support_many(ycc, moved, shape)
    keep = [k for k, (sup, cut, _) in enumerate(fine_support)
            if min(v for v, c in zip(sup, cut) if not c) >= _FINER_FAIR]
    return ([((fine[k] + 0.5) / scale + off - 0.5 + 0.5) * f - 0.5 for k in keep],
            [fine_support[k] for k in keep])


_FINER_FAIR = 0.5
"""Support every seen side of an outline from `_finer_look` needs (and that three of four sides
need for `_side_search` to move the fourth)."""


def _side_search(ycc: np.ndarray, quads: list[np.ndarray], supports: list) -> list[np.ndarray]:
    """Each outline inside the frame with one weak side (support under `_FINER_FAIR`, the other
    three fair) with that side moved onto the best supported straight edge whose ends lie within
    `_FINER_REACH` pixels of its own, across it, and which lies within `_PARALLEL_COS` of
    parallel to the opposite side and does not bend away (see `_support_and_bend`); its
    neighbours are carried on or cut back to meet it. A coarse grid of both ends' offsets (every
    4 pixels), then every pixel around the best. Outlines whose side found nothing better are
    left out."""
    out = []
    for q, (sup, cut, _) in zip(quads, supports):
        if any(cut) or sum(v < _FINER_FAIR for v in sup) != 1:
            continue
        i = next(k for k in range(4) if sup[k] < _FINER_FAIR)
        a, b = q[i], q[(i + 1) % 4]
        d = b - a
        n = np.array([d[1], -d[0]]) / max(float(np.hypot(*d)), 1e-9)
        od = q[(i + 3) % 4] - q[(i + 2) % 4]
        opp = od / max(float(np.hypot(*od)), 1e-9)
        best = (sup[i], 0.0, 0.0)
        coarse = np.arange(-_FINER_REACH, _FINER_REACH + 1, 4, dtype=np.float64)
        for offs in (coarse, None):
            if offs is None:
                offs = np.arange(-3.0, 4.0)
                da, db = np.meshgrid(offs + best[1], offs + best[2], indexing="ij")
            else:
                da, db = np.meshgrid(offs, offs, indexing="ij")
            da, db = da.ravel(), db.ravel()
            segs = np.stack([a[None] + da[:, None] * n[None], b[None] + db[:, None] * n[None]], axis=1)
            s, bent = _support_and_bend(ycc, segs)
            dv = segs[:, 1] - segs[:, 0]
            along = np.abs(dv @ opp) / np.maximum(np.hypot(dv[:, 0], dv[:, 1]), 1e-9)
            s = np.where(bent | (along < _PARALLEL_COS), 0.0, s)
            k = int(np.argmax(s - 0.001 * (np.abs(da) + np.abs(db))))  # ties: the nearest
            if s[k] > best[0]:
                best = (float(s[k]), float(da[k]), float(db[k]))
        if best[1:] == (0.0, 0.0):
            continue
        # the lines as (vx, vy, x0, y0): the side moved, and its two neighbours
        prev_l = np.array([*(q[i] - q[(i - 1) % 4]), *q[(i - 1) % 4]])
        next_l = np.array([*(q[(i + 2) % 4] - q[(i + 1) % 4]), *q[(i + 1) % 4]])
        side = np.array([*(b + best[2] * n - (a + best[1] * n)), *(a + best[1] * n)])
        p0, p1 = _line_intersection(prev_l, side), _line_intersection(side, next_l)
        if p0 is None or p1 is None:
            continue
        moved = q.copy()
        moved[i], moved[(i + 1) % 4] = p0, p1
        out.append(moved)
    return out


def _weak_side_search(ycc: np.ndarray, quad: np.ndarray, support: list[float], hands: np.ndarray | None,
                      outside: np.ndarray) -> tuple[np.ndarray, list[float]] | None:
    """The outline with its one weak side moved onto the clear straight edge near it, with its new
    support (``hands`` left out as in `_support`); None when there is none clearly better.

    The chosen outline's one weak side (under 0.5, the other three 0.6 or more) may lie where the
    blob's outline put it, off the page's edge by more than the full-resolution refit reaches: on a
    hand's outline where a hand covers most of the side (over half of it: `_support` then judges it
    by all its points), on a dark line of the background the page's blob ran into, on the outer edge
    of a shadow beyond a card's band. Both ends' offsets are searched, `_WEAK_REACH` work pixels
    either way (every 2 pixels, then every half pixel around the best), for the segment along which
    the points no hand hides (where skin does not lie just inside, on and just outside it, see
    `_skin_over`) show the edge most often; it must lie within `_PARALLEL_COS` of parallel to the
    opposite side and have at least `_SUPPORT_N` // 4 such points, in two of the side's thirds (a
    short stretch does not fix a line's direction). When none reaches `_WEAK_SEEN` so, a side seen
    along one stretch only is taken parallel to the opposite side (a page seen from above), and only
    its offset searched. The winner must reach `_WEAK_SEEN`, beat the side's own place by 0.2 and
    lie `_WEAK_LEAST` or farther from it at an end (nearer, the refit finds the edge itself: a small
    photo's side moved 1.5 work px onto its print otherwise); moved inwards, the stretch it gives up
    must be mostly ``outside`` (colours of the surface, or skin: `_WEAK_OUTSIDE` of 24 points along
    its middle), for print lies inside a page (a small photo's faint side, moved onto a line of its
    print, read 0.46). Its neighbours are carried on or cut back to meet it. Tune set, 1080p:
    covered 37 (the top side under a hand, 2.26 -> 0.07 % of the diagonal) and 63 (the left side
    seen below the hand only, 4.84 -> 0.97 %), plain 53 (the right side on a motorbike's stand
    beyond the page, 4.08 -> 0.11 %) and motion_blur 53, with and without a tray model; plain 55 (a
    band's shadow, 4.57 -> 0.12 %) without one, blurry 54 and uneven_light 54 with one; none lost at
    either size, no false document added (it moved no outline on 960 empty surfaces)."""
    weak = [k for k in range(4) if support[k] < 0.5]
    if len(weak) != 1 or min(support[k] for k in range(4) if k != weak[0]) < 0.6:
        return None
    i = weak[0]
    a, b = quad[i], quad[(i + 1) % 4]
    d = b - a
    n = np.array([d[1], -d[0]]) / max(float(np.hypot(*d)), 1e-9)
    od = quad[(i + 3) % 4] - quad[(i + 2) % 4]
    opp = od / max(float(np.hypot(*od)), 1e-9)

    def seen_support(da: np.ndarray, db: np.ndarray, spread: int):
        segs = np.stack([a[None] + da[:, None] * n[None], b[None] + db[:, None] * n[None]], axis=1)
        peak, strength, step, valid = _segment_profiles(ycc, segs)
        ok = (np.abs(peak) <= 1) & (strength >= 7.0) & (step >= 10.0) & valid
        seen = valid if hands is None else valid & ~_skin_over(hands, segs)
        ns = seen.sum(axis=1)
        thirds = ((seen[:, None, :] & _THIRDS_MASK[0][None]).sum(axis=2) >= 2).sum(axis=1)
        enough = (ns >= _SUPPORT_N // 4) & (thirds >= spread)
        s = np.where(enough, (ok & seen).sum(axis=1) / np.maximum(ns, 1), 0.0)
        dv = segs[:, 1] - segs[:, 0]
        along = np.abs(dv @ opp) / np.maximum(np.hypot(dv[:, 0], dv[:, 1]), 1e-9)
        return np.where(along < _PARALLEL_COS, 0.0, s)

    own = float(seen_support(np.zeros(1), np.zeros(1), 2)[0])
    coarse = np.arange(-_WEAK_REACH, _WEAK_REACH + 1, 2, dtype=np.float64)
    da, db = (v.ravel() for v in np.meshgrid(coarse, coarse, indexing="ij"))
    s = seen_support(da, db, 2)
    k = int(np.argmax(s - 0.001 * (np.abs(da) + np.abs(db))))
    fine = np.arange(-1.5, 2.0, 0.5)
    fa, fb = (v.ravel() for v in np.meshgrid(fine + da[k], fine + db[k], indexing="ij"))
    s2 = seen_support(fa, fb, 2)
    k2 = int(np.argmax(s2 - 0.001 * (np.abs(fa) + np.abs(fb))))
    best, oa, ob = float(s2[k2]), float(fa[k2]), float(fb[k2])
    if best < _WEAK_SEEN:
        # seen along one stretch only: its direction is the opposite side's
        # (b + ob n) - (a + oa n) parallel to opp: ob - oa = -(b - a) x opp / (n x opp)
        den = float(n[0] * opp[1] - n[1] * opp[0])
        if abs(den) < 0.5:
            return None
        tilt = -float((b - a)[0] * opp[1] - (b - a)[1] * opp[0]) / den
        off = np.arange(-_WEAK_REACH, _WEAK_REACH + 0.25, 0.5)
        s3 = seen_support(off, off + tilt, 1)
        k3 = int(np.argmax(s3 - 0.001 * np.abs(off)))
        if s3[k3] > best:
            best, oa, ob = float(s3[k3]), float(off[k3]), float(off[k3] + tilt)
    if best < _WEAK_SEEN or best < own + 0.2:
        return None
    if max(abs(oa), abs(ob)) < _WEAK_LEAST:
        return None  # within the full-resolution refit's reach: left to it
    if oa + ob < 0:
        # moved inwards: the stretch given up is the surface or a hand (print lies inside a page)
        hh, ww = outside.shape
        t = np.linspace(0.1, 0.9, 24)[:, None]
        mid = a + t * (b - a) + (0.5 * (oa + (ob - oa) * t)) * n
        x = np.clip(np.rint(mid[:, 0]).astype(np.intp), 0, ww - 1)
        y = np.clip(np.rint(mid[:, 1]).astype(np.intp), 0, hh - 1)
        if outside[y, x].mean() < _WEAK_OUTSIDE:
            return None
    prev_l = np.array([*(quad[i] - quad[(i - 1) % 4]), *quad[(i - 1) % 4]])
    next_l = np.array([*(quad[(i + 2) % 4] - quad[(i + 1) % 4]), *quad[(i + 1) % 4]])
    side = np.array([*(b + ob * n - (a + oa * n)), *(a + oa * n)])
    p0, p1 = _line_intersection(prev_l, side), _line_intersection(side, next_l)
    if p0 is None or p1 is None:
        return None
    moved = quad.copy()
    moved[i], moved[(i + 1) % 4] = p0, p1
    sup, _, _ = _support_many(ycc, [moved], ycc.shape[:2], hands)[0]
    return moved, sup


_WEAK_REACH = 8
"""How far (work pixels) `_weak_side_search` looks for a weak side's edge, at each end."""
_WEAK_SEEN = 0.7
"""The fraction of a weak side's points no hand hides that must show its edge there."""
_WEAK_LEAST = 2.5
"""How far (work pixels) at an end at least `_weak_side_search` must move a side: the
full-resolution refit reaches 2 work pixels and a frame pixel (`_refine_full_resolution`)."""
_WEAK_OUTSIDE = 0.5
"""The fraction of the stretch a side moved inwards gives up that must be the surface's colours
or skin."""


def _bare_beyond(cover: np.ndarray | None, ends) -> bool:
    """Whether what lies just beyond each end (point, the side's middle it was sought from) along
    its line is mostly not ``cover`` (skin, or a colour the surface does not show)."""
    if cover is None:
        return True
    hh, ww = cover.shape
    for end, mid in ends:
        d = (end - mid) / max(float(np.hypot(*(end - mid))), 1e-9)
        beyond = np.rint(end[None, :] + np.arange(2.0, 10.0)[:, None] * d[None, :]).astype(np.intp)
        x, y = np.clip(beyond[:, 0], 0, ww - 1), np.clip(beyond[:, 1], 0, hh - 1)
        if cover[y, x].mean() > 1 / 3:
            return False
    return True


def _carries_on(ycc: np.ndarray, segments, shift: int = 2, skin: np.ndarray | None = None) -> np.ndarray:
    """For each segment (a, b), the fraction of points along it with a clear colour step at one
    common offset across it, within `shift` work pixels of the segment: a side's line carried on
    beyond its corner, which may run a pixel or two beside the edge it should follow (a line
    fitted along a long side, extended over a short stretch). With a skin mask, points under a
    hand or a thumb are left out as in `_support_and_bend`, and a segment mostly under one
    (half of its points or more, its edge unseen) gets NaN: whether the side carries on there
    cannot be seen."""
    peak, strength, step, valid = _segment_profiles(ycc, segments)
    clear = (strength >= 7.0) & (step >= 10.0) & valid
    offset = _masked_median(peak, clear)  # NaN: a segment without any clear point has no offset
    offset = np.nan_to_num(offset, nan=99.0)[:, None]
    ok = clear & (np.abs(peak - offset) <= 1) & (np.abs(offset) <= shift)
    unseen = np.zeros(len(peak), bool)
    if skin is not None:
        under = _skin_over(skin, segments) & valid & ~ok
        unseen = under.sum(axis=1) * 2 >= np.maximum(valid.sum(axis=1), 1)
        valid = valid & ~_hidden_by_hand(skin, segments, valid, ok)
    nv = valid.sum(axis=1)
    out = np.where(nv >= _SUPPORT_N // 3, ok.sum(axis=1) / np.maximum(nv, 1), 0.0)
    return np.where(unseen, np.nan, out)


def _inside_fraction(mask: np.ndarray, quad: np.ndarray) -> float:
    """Fraction of the pixels inside quad that are set in a boolean mask."""
    # the bounding box in plain Python (numpy's calls cost more than its arithmetic on four points)
    xs, ys = quad[:, 0].tolist(), quad[:, 1].tolist()
    x0, y0 = max(math.floor(min(xs)), 0), max(math.floor(min(ys)), 0)
    x1, y1 = min(math.ceil(max(xs)) + 1, mask.shape[1]), min(math.ceil(max(ys)) + 1, mask.shape[0])
    if x1 <= x0 or y1 <= y0:
        return 0.0
    poly = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillConvexPoly(poly, np.round(quad - (x0, y0)).astype(np.int32), 1)
    n = cv2.countNonZero(poly)
    if not n:
        return 0.0
    # the pixels set in both, counted by cv2 (a boolean mask seen as its 0/1 bytes): the same counts
    crop = mask[y0:y1, x0:x1]
    return float(cv2.countNonZero(cv2.bitwise_and(crop.view(np.uint8) if crop.dtype == bool else crop, poly))) / n


def _near_border(quad: np.ndarray, shape: tuple[int, int], tol: float = 1.5) -> bool:
    h, w = shape
    return bool((quad[:, 0] <= tol).any() or (quad[:, 1] <= tol).any() or (quad[:, 0] >= w - 1 - tol).any()
                or (quad[:, 1] >= h - 1 - tol).any())


def _refine_full_resolution(frame: np.ndarray, corners: np.ndarray, scale: float,
                            skin: np.ndarray | None = None, cover: np.ndarray | None = None) -> np.ndarray:
    """Move each side onto the edge found across it on the full-resolution frame.

    Profiles are sampled across each side; on each the strongest colour change near the rough
    side is located to a fraction of a pixel, and a line is fitted to those points with the
    outliers (a thumb, a shadow, a printed line near the edge) dropped (`_robust_line`). Where
    those points scatter on a sharp side (print near a faint side outdid it at most rows), the
    side is the straight edge beyond them that most rows show (`_straightest_edge`).

    Args:
        frame: the full-resolution frame.
        corners: rough corners in frame pixels, TL, TR, BR, BL.
        scale: frame pixels per work pixel (how rough the corners are).
        skin: the work image's skin mask: the points where a hand or a thumb lies across a side
            are left out of its line (the page's edge is hidden there; the hand's own outline
            would pull the line), when enough others are left; and a corner the hand hides may
            move farther from the rough one than a corner in view (up to `_HIDDEN_CORNER` of
            the diagonal), to where its two sides' lines meet.
        cover: a work-image mask of what may lie on a page's corner: skin colour, or a colour
            the surface does not show (`find_document` passes ``skin | ~common``, made once a frame). A corner
            may also move that far when this covers the spot where its two sides' lines meet:
            a hand on a skin-toned surface (where `skin` leaves out the colours the surface
            shows), or a hand darker than the skin box (Cr under 136) on any surface. On the
            bare surface the rough corner stays.
    """
    fh, fw = frame.shape[:2]
    img = frame if frame.ndim == 2 else frame
    quad = order_corners(corners)
    reach = max(3.0, 2.0 * scale + 1.0)
    offsets = np.arange(-reach, reach + 1.0, 1.0, dtype=np.float32)
    weight = np.exp(-0.5 * (offsets[1:-1] / (1.2 * scale + 1.0)) ** 2)
    lines = []
    smear = _SMEAR_REACH * min(fh, fw) / 720.0
    cut = _cut_sides(quad, (fh, fw), tol=2.5 * scale)
    sides = []
    for i in range(4):
        length = length_of(quad, i)
        n = int(min(max(length / 4, 12), 90))
        pts, normal, _ = _side_geometry(quad, i, n, 0.05, 0.95)
        sides.append((n, pts, normal, None if cut[i] else pts[:, None, :] + offsets[None, :, None] * normal[None, None, :]))
    # the sides' profiles at once, and every per-point step on all their points at once (the same
    # per-element operations: the same numbers); per side only its median and its line
    seen_sides = [(n, pts, normal, grid) for n, pts, normal, grid in sides if grid is not None]
    if seen_sides:
        grid = np.concatenate([g for *_, g in seen_sides])
        inside = (grid[..., 0] >= 0) & (grid[..., 0] <= fw - 1) & (grid[..., 1] >= 0) & (grid[..., 1] <= fh - 1)
        ok_rows = inside.all(axis=1)
        prof = _sample(img, grid).astype(np.float32)
        if prof.ndim == 2:
            prof = prof[..., None]
        diff = np.sqrt(_sumsq(prof[:, 2:] - prof[:, :-2]))  # offsets[1:-1]
        score = diff * weight[None, :]
        j = score.argmax(axis=1)
        rows = np.arange(len(j))
        peak = diff[rows, j]
        # each row's whole colour range (its profile's range, as a colour distance): a step that
        # is a small part of it lies on a smeared side
        spread = np.sqrt(_sumsq(prof.max(axis=1) - prof.min(axis=1)))
        # sub-pixel: a parabola through the peak and its neighbours
        jl, jr = np.maximum(j - 1, 0), np.minimum(j + 1, diff.shape[1] - 1)  # (j is one of the columns)
        dl, dr = diff[rows, jl], diff[rows, jr]
        den = dl - 2 * peak + dr
        sub = np.where((j > 0) & (j < diff.shape[1] - 1) & (np.abs(den) > 1e-6), 0.5 * (dl - dr) / np.where(
            np.abs(den) > 1e-6, den, 1.0), 0.0)
        pos = offsets[1:-1][j] + np.minimum(np.maximum(sub, -0.5), 0.5)
        if skin is not None:
            all_pts = np.concatenate([pts for _, pts, _, _ in seen_sides])
            normals = np.concatenate([np.broadcast_to(normal, pts.shape) for _, pts, normal, _ in seen_sides])
            under = _skin_over_points(skin, (all_pts + 0.5) / scale - 0.5, normals)
    at = 0
    for n, pts, normal, grid in sides:
        if grid is None:
            lines.append(None)
            continue
        side = slice(at, at + n)
        at += n
        good = ok_rows[side] & (peak[side] >= max(8.0, 0.4 * float(_median(peak[side]))))
        if skin is not None:
            seen = good & ~under[side]
            if seen.sum() >= max(6, 0.3 * n):
                good = seen
        if good.sum() < max(6, 0.3 * n):
            lines.append(None)
            continue
        p = pts[good] + pos[side][good, None] * normal
        line = _robust_line(p)
        sharp = float(_median(peak[side][good] / np.maximum(spread[side][good], 1.0)))
        if _near_line(p, line, 1.5).sum() < _SCATTERED * len(p):
            # the rows' strongest edges scatter about the line: print inside the page near its side
            # (coins on a photo's dark ground, foliage, hair) may have outdone a faint side, which
            # is then the straight edge that runs along it at most rows (see `_straightest_edge`);
            # not on a smeared side (motion blur, defocus), where the step each row's edge was
            # found at is a small part of the row's whole change and the steps scatter along the
            # smear (its outer end is a straight edge too)
            if sharp >= _SHARP_STEP:
                line = _straightest_edge(diff[side], good, pts, normal, offsets[1:-1], line, pos[side])
        if sharp < _SHARP_STEP:
            # a smeared side (motion blur, defocus): the strongest change at each row lies anywhere
            # on the smear's ramp, and the line through them tilts; the page lies in its middle
            # (see `_smear_centre_line`)
            centred = _smear_centre_line(img, pts, normal, good, smear, line)
            if centred is not None:
                line = centred
        lines.append(line)
    out = []
    for i in range(4):
        prev, cur = lines[(i - 1) % 4], lines[i]
        if prev is None or cur is None:
            p = quad[i] if prev is None and cur is None else _project_corner(quad, i, prev, cur)
        else:
            p = _line_intersection(prev, cur)
            if p is None:
                p = quad[i]
        diagonal = np.hypot(*(quad[2] - quad[0]))
        moved = np.hypot(*(p - quad[i]))
        if moved > 2.5 * scale + 0.02 * diagonal + 2:
            # far from the rough corner: kept only where a hand (or something else that is not
            # the surface) hides the spot (a corner under a thumb is where the two sides seen
            # meet; the rough one came from the hand's outline)
            at = (p + 0.5) / scale - 0.5
            if not (prev is not None and cur is not None and moved <= _HIDDEN_CORNER * diagonal
                    and ((skin is not None and _under_hand(skin, at))
                         or (cover is not None and _under_hand(cover, at)))):
                p = quad[i]
        out.append(p)
    return np.array(out)


_SMEAR_REACH = 16.0
"""`_smear_centre_line` looks this far (pixels of a 720-line frame, scaled by the frame's height)
to either side of a smeared side: half the longest motion smear or defocus ramp looked at (24 px
on a 720p frame) and a margin."""
_SMEAR_SPAN = 0.6
"""... and takes the direction of the line through the rows' centres only when they reach over
this fraction of the side; else the fitted line is moved by their median offset."""
_SMEAR_WIDTH = 6.0
"""... using only the rows whose lobe of colour change is at least this wide (pixels of a 720-line
frame): a 2 px defocus or a 12 px motion smear is wider, a sharp edge 2-3 px."""


def _smear_centre_line(img: np.ndarray, pts: np.ndarray, normal: np.ndarray, good: np.ndarray,
                       reach: float, line: np.ndarray) -> np.ndarray | None:
    """A smeared side's line (vx, vy, x0, y0) through the middle of its smear, or None.

    A page moved during the exposure (or out of focus) shows each side across the motion as a
    ramp as wide as the smear, 12-24 px on a 720p frame, with no peak in its colour change: the
    strongest change found at each row (`_refine_full_resolution`) lies anywhere on the ramp, and
    the line through those points tilts (0.7-2 % of the diagonal off at a corner on the tune
    scenes). A smear is symmetric (the page's mean position over the exposure, or the lens's
    circle of confusion, is its middle), so the page's edge is the centroid of each row's lobe of
    colour change. Profiles ``reach`` px to either side of the rows ``pts`` (along the outward
    ``normal``) are projected onto the side's median colour step; each row's lobe is the run of
    change above a fifth of its peak, either around the row's strongest change or around the
    step nearest the fitted ``line`` (a surface's own edge beside the smear may be stronger); of
    the two, the line more of its rows' centroids lie near (a page's side is straight). Rows that
    do not change as most do (the page's dark print meeting a dark surface there), whose lobe
    runs off the profile, or that ``good`` leaves out are not used.

    Tune set (scenes 0-89 per family, empties 0-479): corners right +7 / +6 scenes at 720p and
    +3 / +4 at 1080p (without / with a tray model), none lost; false documents unchanged; one
    wrong outline (0.59 off) no longer found at 1080p."""
    offs = np.arange(-reach, reach + 1.0, 1.0, dtype=np.float32)
    grid = pts[:, None, :] + offs[None, :, None] * normal[None, None, :]
    prof = _sample(img, grid).astype(np.float32)
    if prof.ndim == 2:
        prof = prof[..., None]
    k = 3
    step = prof[:, -k:].mean(axis=1) - prof[:, :k].mean(axis=1)
    d = _median(step[good], axis=0)
    size = float(np.sqrt(np.sum(d * d)))
    if size < 8.0:
        return None
    u = prof @ (d / size)
    # a row across which the page does not change into the surface as most rows do (dark print
    # meeting a dark surface there) has no smear of the side to centre on
    own = u[:, -k:].mean(axis=1) - u[:, :k].mean(axis=1)
    g = np.maximum(u[:, 2:] - u[:, :-2], 0.0)
    o = offs[1:-1]
    v, p0 = line[:2], line[2:]
    den = normal[0] * v[1] - normal[1] * v[0]
    if abs(den) < 1e-6:
        return None
    at = ((p0[0] - pts[:, 0]) * v[1] - (p0[1] - pts[:, 1]) * v[0]) / den
    rows = np.arange(len(g))
    idx = np.arange(g.shape[1])[None, :]
    best, most = None, -1
    # each row's lobe: the one through its strongest step, or the one through the step the
    # side's line was fitted on (a surface's own edge beside the smear may be stronger); of the
    # two lines, the one more of its rows' centres lie near (a page's side is straight)
    for j in (np.where(np.abs(o[None, :] - at[:, None]) <= 3.0, g, -1.0).argmax(axis=1), g.argmax(axis=1)):
        top = g[rows, j]
        above = g >= 0.2 * top[:, None]
        # the contiguous run above a fifth of the peak around it
        left = np.where(~above & (idx < j[:, None]), idx, -1).max(axis=1)
        right = np.where(~above & (idx > j[:, None]), idx, g.shape[1]).min(axis=1)
        w = np.where((idx > left[:, None]) & (idx < right[:, None]), g, 0.0)
        tot = w.sum(axis=1)
        # a smear's lobe is wide (a sharp edge's, such as a card's band beside a faint side, is
        # 2-3 px)
        wide = (right - left - 1) >= _SMEAR_WIDTH * reach / _SMEAR_REACH
        ok = good & (tot > 0) & (left >= 0) & (right < g.shape[1]) & (own >= 0.5 * size) & wide
        if ok.sum() < max(6, 0.3 * len(g)):
            continue
        c = (w * o[None, :]).sum(axis=1) / np.maximum(tot, 1e-6)
        p = pts[ok] + c[ok, None] * normal
        fit = _robust_line(p)
        seen = np.flatnonzero(ok)
        if seen[-1] - seen[0] < _SMEAR_SPAN * (len(g) - 1):
            # centres along part of the side only (the page's print meets a surface of its colour
            # along the rest): too short a base for the side's direction; the fitted line is moved
            # by their median offset from it instead
            fit = np.concatenate([v, p0 + float(_median_flat(c[ok] - at[ok])) * normal])
        near = int(_near_line(p, fit, 1.5).sum())
        if near > most:
            best, most = fit, near
    return best


_SCATTERED = 0.7
"""`_refine_full_resolution` looks for the straightest edge across a side when fewer than this
fraction of its rows' strongest edges lie within 1.5 px of the line fitted to them."""
_SHARP_STEP = 0.4
"""... only on a side whose rows change colour sharply: the median over its rows of the two-pixel
step each row's edge was found at over the row's whole colour range (its profile's range, as a
colour distance) must reach this. On the tune scenes looked at: small photos with print near a
faint side 0.52-0.68, smeared sides (motion blur, defocus) 0.11-0.26."""
_BOUNDED = 0.9
"""... and the fraction of the rows whose edge found (the step the fit used) must lie within a
pixel of the straightest edge or inside it."""
_EDGE_STEP = 8.0
"""The least colour step (frame pixels, as `_refine_full_resolution` measures it) a local maximum
needs to count as an edge in `_straightest_edge`."""


def _straightest_edge(diff: np.ndarray, rows: np.ndarray, pts: np.ndarray, normal: np.ndarray,
                      offs: np.ndarray, line: np.ndarray, strongest: np.ndarray) -> np.ndarray:
    """The line across which the most of a side's rows show an edge, when clearly more do than
    across ``line`` (vx, vy, x0, y0); else ``line``.

    ``diff`` holds each row's colour steps at offsets ``offs`` along the outward ``normal`` from
    the row's point ``pts`` (only ``rows`` count). A page's side is one straight edge the whole way
    along, however faint against the surface; print near it (coins on a photo's dark ground,
    foliage, hair) gives stronger edges, but scattered, not on one line. Every line across the
    profiles (from half-pixel steps at the first row to half-pixel steps at the last) is tried: a
    row counts for it when a local maximum of the step inside the profile, at least `_EDGE_STEP`,
    lies within a pixel of it. The winner must beat the fitted line by 3 rows or 15 % of them,
    whichever is more (as `_robust_line` asks of a consensus); it must lie beyond the fitted line
    and bound the rows' edges found (``strongest``, their offsets) from outside (`_BOUNDED` of
    them within a pixel of it or inside it: print lies inside the page; a textured surface
    outside a faint side gives steps beyond it); and it is fitted to the edges nearest it. Tune
    set: 1080p too_small 28 (a small coins photo on a dark purple surface, its right side 6 px
    in), right at both detectors; nothing lost."""
    n, m = diff.shape
    if rows.sum() < 8 or m < 5:
        return line
    # local maxima inside the profile (at its ends a step's peak may lie beyond it)
    peak = np.zeros_like(rows[:, None] & (diff > 0))
    peak[:, 1:-1] = (diff[:, 1:-1] >= _EDGE_STEP) & (diff[:, 1:-1] >= diff[:, :-2]) & (diff[:, 1:-1] >= diff[:, 2:])
    peak &= rows[:, None]
    if not peak.any():
        return line
    # half-pixel bins: a bin is hit when a peak lies within a pixel of its offset
    o0, step = float(offs[0]), 0.5
    nb = int(round((float(offs[-1]) - o0) / step)) + 1
    centres = o0 + step * np.arange(nb)
    hit = (peak[:, None, :] & (np.abs(centres[None, :, None] - offs[None, None, :]) <= 1.0)).any(axis=2)
    t = np.linspace(0.0, 1.0, n)
    ends = np.arange(nb)
    a, b = np.repeat(ends, nb), np.tile(ends, nb)  # the line's bin at the first and the last row
    at = np.rint(a[:, None] + (b - a)[:, None] * t[None, :]).astype(np.intp)  # (lines, rows)
    counts = hit[np.arange(n)[None, :], at].sum(axis=1)
    k = int(np.argmax(counts))
    # the fitted line's own count, by the same rule
    v, p0 = line[:2], line[2:]
    den = normal[0] * v[1] - normal[1] * v[0]
    if abs(den) < 1e-6:
        return line
    s = ((p0[0] - pts[:, 0]) * v[1] - (p0[1] - pts[:, 1]) * v[0]) / den  # offset of the line per row
    near_fit = (peak & (np.abs(offs[None, :] - s[:, None]) <= 1.0)).any(axis=1).sum()
    if counts[k] < near_fit + max(3, 0.15 * rows.sum()):
        return line
    want = o0 + step * (a[k] + (b[k] - a[k]) * t)  # the winning line's offset per row
    # print lies inside the page: the edge sought bounds the rows' strongest steps (``strongest``,
    # their offsets) from outside, beyond the fitted line
    if float(np.mean(want[rows] - s[rows])) <= 0.0 or np.mean(strongest[rows] <= want[rows] + 1.0) < _BOUNDED:
        return line
    d = np.where(peak, np.abs(offs[None, :] - want[:, None]), np.inf)
    j = d.argmin(axis=1)
    use = d[np.arange(n), j] <= 1.0
    q = pts[use] + offs[j[use], None] * normal
    return cv2.fitLine(q.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel().astype(np.float64)


_HIDDEN_CORNER = 0.15
"""How far (fraction of the diagonal) the full-resolution refit may move a corner that a hand
hides from where the rough outline put it."""


def _under_hand(skin: np.ndarray, point: np.ndarray, reach: int = 2) -> bool:
    """Whether skin covers most of the square `reach` work pixels around a point (x, y) of the
    work image (a hand or a thumb lies over it)."""
    h, w = skin.shape
    x, y = int(round(float(point[0]))), int(round(float(point[1])))
    if x < reach or y < reach or x >= w - reach or y >= h - reach:
        return False
    return float(skin[y - reach:y + reach + 1, x - reach:x + reach + 1].mean()) >= 0.6


def _project_corner(quad: np.ndarray, i: int, prev, cur) -> np.ndarray:
    """A corner where only one of its two sides was refined: slide it onto that side's line."""
    line = prev if prev is not None else cur
    v, p0 = line[:2], line[2:]
    return p0 + float(np.dot(quad[i] - p0, v)) * v


def _robust_line(p: np.ndarray) -> np.ndarray:
    """Fit a line (vx, vy, x0, y0) to points, dropping the ones far from a first fit; or to the
    points near the line through two of them that most lie near (`_consensus_line`), when clearly
    more do."""
    line = cv2.fitLine(p.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel().astype(np.float64)
    used = None  # the points the line was fitted to (None: all)
    for tol in (3.0, 1.5):
        v, p0 = line[:2], line[2:]
        dist = np.abs((p[:, 0] - p0[0]) * v[1] - (p[:, 1] - p0[1]) * v[0])
        keep = dist < tol
        if keep.sum() < 6:
            break
        if (keep.all() if used is None else np.array_equal(keep, used)):
            continue  # the same points again: the same line (a fit is costly, and a pure function)
        used = keep
        line = cv2.fitLine(p[keep].astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel().astype(np.float64)
    # the points a side blends into the surface at, or a print edge or a coin inside took over,
    # may pull the fit above (a small photo's side came out tilted, 5 px off at one end, though
    # most points lay on its edge): when more of the points (3 and 15 % of them more) lie within
    # a pixel of a line through two of them, that line's points are fitted instead
    if (near := int(_near_line(p, line, 1.0).sum())) + max(3, 0.15 * len(p)) <= len(p):
        best = _consensus_line(p)
        if best is not None:
            inl_best = _near_line(p, best, 1.0)
            if inl_best.sum() >= near + max(3, 0.15 * len(p)):
                line = cv2.fitLine(p[inl_best].astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel().astype(np.float64)
    return line


def _near_line(p: np.ndarray, line: np.ndarray, tol: float) -> np.ndarray:
    """Which points lie within `tol` of a line (vx, vy, x0, y0)."""
    v, p0 = line[:2], line[2:]
    return np.abs((p[:, 0] - p0[0]) * v[1] - (p[:, 1] - p0[1]) * v[0]) < tol


@functools.lru_cache(maxsize=64)
def _point_pairs(n: int, most: int) -> tuple[np.ndarray, np.ndarray]:
    """`_consensus_line`'s pairs of points (up to `most` of n, evenly taken): the first and the
    second of each pair's indices, kept (the same few n come every frame); read-only."""
    idx = np.unique(np.linspace(0, n - 1, min(n, most)).round().astype(int))
    a, b = np.triu_indices(len(idx), 1)
    ia, ib = idx[a], idx[b]
    ia.flags.writeable = ib.flags.writeable = False
    return ia, ib


def _consensus_line(p: np.ndarray, most: int = 20) -> np.ndarray | None:
    """The line through two of the points (up to `most` of them, evenly taken) that the most
    points lie within a pixel of, as (vx, vy, x0, y0); None for too few points."""
    n = len(p)
    if n < 8:
        return None
    ia, ib = _point_pairs(n, most)
    pa, pb = p[ia], p[ib]
    d = pb - pa
    length = np.hypot(d[:, 0], d[:, 1])
    ok = length >= 0.3 * float(np.hypot(*(p.max(axis=0) - p.min(axis=0))))
    if not ok.any():
        return None
    pa, d, length = pa[ok], d[ok], length[ok]
    v = d / length[:, None]
    dist = np.abs((p[None, :, 0] - pa[:, None, 0]) * v[:, None, 1] - (p[None, :, 1] - pa[:, None, 1]) * v[:, None, 0])
    k = int(np.argmax((dist < 1.0).sum(axis=1)))
    return np.array([v[k, 0], v[k, 1], pa[k, 0], pa[k, 1]])


# ---------------------------------------------------------------------------------------------
# Rectification


def rectify(
    frame: np.ndarray,
    corners: np.ndarray,
    *,
    kind: Literal["auto", "card", "form"] = "auto",
    max_side: int | None = None,
) -> np.ndarray:
    """Warp the document inside `corners` to an upright, flat page.

    The output size follows the quadrilateral's side lengths (the longer of each opposite
    pair). A card comes out landscape and a form portrait; "auto" calls a page with a long/short
    ratio of at least 1.5 a card (ID-1 is 1.59, A4 is 1.41).

    Args:
        frame: The frame the corners were found in (BGR or greyscale uint8).
        corners: 4x2 corners in frame pixels, ordered TL, TR, BR, BL.
        kind: Which orientation to produce: "card" landscape, "form" portrait, or "auto".
        max_side: When given, the output's longer side is at most this many pixels.
    """
    m, (out_w, out_h) = _page_transform(corners, kind, max_side)
    return cv2.warpPerspective(frame, m, (out_w, out_h), flags=cv2.INTER_LINEAR)


def _page_transform(corners: np.ndarray, kind: str = "auto", max_side: int | None = None):
    """The homography from the frame to the upright page `rectify` makes, and the page size."""
    c = np.asarray(corners, np.float64).reshape(4, 2)
    # each side's length as np.linalg.norm takes it (the square root of the vector's dot with
    # itself), without its overhead
    top, bottom, left, right = (math.sqrt(v.dot(v)) for v in (c[1] - c[0], c[2] - c[3], c[3] - c[0], c[2] - c[1]))
    w, h = max(top, bottom), max(left, right)
    if min(w, h) < 2:
        raise ValueError(f"corners enclose no page: {c.tolist()}")
    if kind == "auto":
        kind = "card" if max(w, h) / min(w, h) >= 1.5 else "form"
    want_landscape = kind == "card"
    if (w >= h) != want_landscape:
        c = np.roll(c, 1, axis=0)  # the page lies sideways: turn it a quarter
        w, h = h, w
    k = 1.0 if max_side is None else min(1.0, max_side / max(w, h))
    out_w, out_h = max(2, int(round(w * k))), max(2, int(round(h * k)))
    dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], np.float32)
    return cv2.getPerspectiveTransform(c.astype(np.float32), dst), (out_w, out_h)


# ---------------------------------------------------------------------------------------------
# Quality


class Reason(enum.Enum):
    """Why a frame is (not) good enough to capture, most important first.

    NO_DOCUMENT: no document found. OUT_OF_FRAME: the document reaches beyond the frame edge.
    COVERED: a hand, a thumb or another object lies across the document's edge. TOO_SMALL: the
    document covers less of the frame than `QualityLimits.min_area_fraction`. MOTION_BLUR: the
    page is smeared in one direction (it or the camera moved). BLURRY: the page is out of focus
    (soft in every direction). GLARE: a reflection washes out part of the page. OK: capture.
    The participant-facing texts for these live with the booth app's translations.
    """

    NO_DOCUMENT = "no_document"
    OUT_OF_FRAME = "out_of_frame"
    COVERED = "covered"
    TOO_SMALL = "too_small"
    MOTION_BLUR = "motion_blur"
    BLURRY = "blurry"
    GLARE = "glare"
    OK = "ok"


@dataclass(frozen=True)
class QualityLimits:
    """Thresholds for `assess`.

    Args:
        min_area_fraction: A document covering less of the frame than this is TOO_SMALL.
        max_edge_blur: Blur of the page's own outline (the Gaussian sigma of the step from page
            to surface, see `outline_blur`, in pixels of a 720-line frame; it scales with the
            frame height) above which the page is blurred. An outline in focus measures 0.5-1.2;
            a defocus of 2 px sigma on a 720p frame measures over 2.
        min_sharpness: Used only when the outline cannot be measured (no contrast between page
            and surface): sharpness of the page's content (0..100, see `sharpness`) below which
            it is blurred, in its softest direction.
        motion_ratio: A blurred page whose softest direction's sharpness is less than this
            fraction of its sharpest direction's is MOTION_BLUR rather than BLURRY (the print's
            own directions vary: defocused pages measure down to 0.4 at 1080p).
        motion_edge_ratio: A blurred page whose least blurred outline side has less than this
            fraction of the most blurred side's blur (beyond the in-focus level) is MOTION_BLUR
            (defocus blurs every side alike: 0.63 and more measured).
        glare_level: A pixel whose every channel is at least this bright counts as saturated.
        max_glare_fraction: More of the page than this fraction in washed-out patches (saturated
            pixels in clumps of 3x3 or more on the page shrunk to 360 px; the scattered
            saturated specks of white paper under a bright lamp do not count) is GLARE.
        max_covered_fraction: More of the outline hidden under something that crosses it (a
            hand, a thumb) than this fraction is COVERED.
    """

    min_area_fraction: float = 0.04
    max_edge_blur: float = 1.7
    min_sharpness: float = 46.0
    motion_ratio: float = 0.45
    motion_edge_ratio: float = 0.6
    glare_level: int = 250
    max_glare_fraction: float = 0.01
    max_covered_fraction: float = 0.01


@dataclass(frozen=True)
class Quality:
    """How good a frame's document is; `reasons` lists every problem, most important first.

    Args:
        reasons: The problems found, or (Reason.OK,) when there are none.
        sharpness: Sharpness of the page in its softest direction, 0..100 (0 when not measured).
        glare_fraction: Fraction of the page in washed-out patches (0 when not measured).
        area_fraction: Document area / frame area (0 without a document).
        covered_fraction: Fraction of the outline hidden under something crossing it.
        anisotropy: Softest / sharpest direction's sharpness (1: the same every way).
        edge_blur: Blur of the page's outline (sigma, pixels of a 720-line frame; NaN when the
            outline could not be measured).
    """

    reasons: tuple[Reason, ...]
    sharpness: float = 0.0
    glare_fraction: float = 0.0
    area_fraction: float = 0.0
    covered_fraction: float = 0.0
    anisotropy: float = 1.0
    edge_blur: float = float("nan")

    @property
    def ok(self) -> bool:
        """Return True when the document is good enough to capture."""
        return self.reasons == (Reason.OK,)

    @property
    def reason(self) -> Reason:
        """Return the most important reason (what to tell the participant first)."""
        return self.reasons[0]


_DIRECTIONS = ((1, 0), (0, 1), (1, 1), (1, -1))


def _smear_kernel(dx: int, dy: int) -> np.ndarray:
    k = np.zeros((9, 9), np.float32)
    for t in range(-4, 5):
        k[4 + t * dy, 4 + t * dx] = 1.0 / 9.0
    k.flags.writeable = False
    return k


_SMEARS = tuple(_smear_kernel(dx, dy) for dx, dy in _DIRECTIONS)
"""`directional_sharpness`'s 9-pixel line along each of `_DIRECTIONS`."""

_GLARE_PATCH = np.ones((3, 3), np.uint8)


def directional_sharpness(page: np.ndarray) -> np.ndarray:
    """Return the page's sharpness along 0, 90, 45 and 135 degrees, each 0..100.

    For each direction, the differences between neighbouring pixels are compared with those of
    the page smeared by a 9-pixel line along that direction: a sharp page loses much of them to
    the smear, a page already blurred in that direction loses little (the re-blur measure of
    Crete et al., 2007, taken per direction). It does not depend on the page's contrast; motion
    blur shows as one direction much softer than the one across it.

    Args:
        page: Rectified page at the camera's resolution, BGR or greyscale uint8.
    """
    grey = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    g = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 0.7)
    out = []
    for (dx, dy), k in zip(_DIRECTIONS, _SMEARS):
        smeared = cv2.filter2D(g, -1, k, borderType=cv2.BORDER_REFLECT)
        ys = slice(max(0, dy), g.shape[0] + min(0, dy))
        ys0 = slice(max(0, -dy), g.shape[0] + min(0, -dy))
        xs = slice(dx, None)
        xs0 = slice(0, g.shape[1] - dx)
        # |a - b| by cv2: the same float32 numbers as numpy's np.abs(a - b), in an array of the same
        # shape (so the sums below add in the same order), several times faster
        d_f = cv2.absdiff(g[ys, xs], g[ys0, xs0])[8:-8, 8:-8]
        d_b = cv2.absdiff(smeared[ys, xs], smeared[ys0, xs0])[8:-8, 8:-8]
        total = float(d_f.sum())
        if total > 0:
            # np.maximum(d_f - d_b, 0): the same numbers by cv2 (no NaN here; a zero's sign does
            # not change the sum)
            lost = cv2.subtract(d_f, d_b)
            cv2.threshold(lost, 0, 0, cv2.THRESH_TOZERO, dst=lost)
            out.append(100.0 * float(lost.sum()) / total)
        else:
            out.append(0.0)
    return np.array(out)


def gradient_anisotropy(page: np.ndarray) -> float:
    """Return how evenly the page's edges point every way, 0..1 (the ratio of the smaller to the
    larger eigenvalue of its summed gradient structure tensor). Print and photos have edges in
    every direction; motion smears away the ones along the motion, leaving a low ratio.

    Args:
        page: Rectified page, BGR or greyscale uint8.
    """
    grey = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    g = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 1.0)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)[4:-4, 4:-4]
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)[4:-4, 4:-4]
    a, b, c = float((gx * gx).sum()), float((gy * gy).sum()), float((gx * gy).sum())
    tr, det = a + b, a * b - c * c
    disc = np.sqrt(max(tr * tr / 4 - det, 0.0))
    hi, lo = tr / 2 + disc, tr / 2 - disc
    return float(lo / hi) if hi > 0 else 1.0


def sharpness(page: np.ndarray) -> float:
    """Return the page's sharpness in its softest direction, 0..100 (higher is sharper).

    Args:
        page: Rectified page at the camera's resolution, BGR or greyscale uint8.
    """
    return float(directional_sharpness(page).min())


def outline_blur(frame: np.ndarray, corners: np.ndarray, *, points: int = 24) -> np.ndarray:
    """Return the blur of the document's outline along each side (TL-TR, TR-BR, BR-BL, BL-TL):
    the Gaussian sigma, in frame pixels, of the step from page to surface; NaN for a side along
    the frame border or without enough contrast.

    A page lies flat, so its outline is as much in focus as its print; unlike the print (a soft
    photo, large handwriting, a washed-out glare) the outline is always a step, so its width
    measures the camera's blur whatever the page shows. Profiles are sampled across the side at
    full resolution, each projected onto its own page-to-surface colour step (0 outside, 1
    inside), aligned on their steepest point and combined by a median (a thumb or a shadow on a
    few of them does not count); sigma is the spread of the combined profile's gradient lobe (the
    run of gradient above a tenth of its peak: a motion smear's ramp is a flat lobe).
    Motion blurs only the sides across the motion.

    Args:
        frame: The full-resolution frame (BGR or greyscale uint8).
        corners: The document's corners in frame pixels, TL, TR, BR, BL.
        points: Profiles per side.
    """
    fh, fw = frame.shape[:2]
    s = fh / 720.0
    # the window holds a whole smear (up to 24 px on a 720p frame) and the page's and the
    # surface's levels beyond it, wherever on the smear the outline lies: refined sides lie in a
    # smear's middle (`_smear_centre_line`), and 14 px to either side left the levels on the ramp
    # and a bump of a textured surface at the window's end for the lobe (a 24 px smear read 0.6-1.2,
    # sharp: motion_blur 52 at 720p, 39, 48, 83 at 1080p of the tune set read ok)
    half = int(np.ceil(20 * s))
    offs = np.arange(-half, half + 1, dtype=np.float32)
    quad = order_corners(corners)
    cut = _cut_sides(quad, (fh, fw), tol=3.0)
    out = np.full(4, np.nan)
    size = 2 * half + 1
    k = max(2, half // 3)
    sides = [i for i in range(4) if not cut[i]]
    if not sides:
        return out
    # the sides' profiles at once, (sides, points, size[, channels]); each step below is the same
    # per-element operation (or sort along the same axis, or blur of a row on its own) as when
    # each side was taken in turn: the same numbers
    grid = np.stack([pts[:, None, :] + offs[None, :, None] * normal[None, None, :]
                     for pts, normal, _ in (_side_geometry(quad, i, points, 0.1, 0.9) for i in sides)])
    inside = ((grid[..., 0] >= 0) & (grid[..., 0] <= fw - 1) & (grid[..., 1] >= 0)
              & (grid[..., 1] <= fh - 1)).all(axis=2)
    prof = _sample(frame, grid).astype(np.float32)
    if prof.ndim == 3:
        prof = prof[..., None]
    page = _median(prof[:, :, :k], axis=2)  # negative offsets are inside the page
    surf = _median(prof[:, :, -k:], axis=2)
    step = page - surf
    height = np.sqrt(_sumsq(step))
    good = inside & (height >= 25.0)
    good &= (good.sum(axis=1) >= max(4, points // 4))[:, None]  # a side with too few is left out
    if not good.any():
        return out
    p = _chsum((prof[good] - surf[good][:, None, :]) * step[good][:, None, :]) / (height[good][:, None] ** 2)
    smooth = cv2.GaussianBlur(p, (0, 0), sigmaX=1.5 * s, sigmaY=1e-3)  # along each profile only
    j = (smooth[:, :-2] - smooth[:, 2:]).argmax(axis=1) + 1
    idx = np.arange(size)[None, :] + (j[:, None] - half)
    aligned = np.take_along_axis(p, np.minimum(np.maximum(idx, 0), size - 1), axis=1)
    # each side's median over its own profiles (the rows of the others, and those not good, are
    # left out as the offsets no profile reaches: NaN at offsets no profile reaches after the
    # alignment)
    values = np.zeros((len(sides), points, size), aligned.dtype)
    keep = np.zeros((len(sides), points, size), bool)
    values[good], keep[good] = aligned, (idx >= 0) & (idx < size)
    # (as rows of one 2-D array: the same medians by `_masked_median`'s quicker way)
    combined_all = _masked_median(values.transpose(0, 2, 1).reshape(-1, points),
                                  keep.transpose(0, 2, 1).reshape(-1, points)).reshape(len(sides), size)
    for i, combined, any_good in zip(sides, combined_all, good.any(axis=1)):
        if not any_good:
            continue
        grad = (combined[:-2] - combined[2:]) / 2
        grad[np.isnan(grad)] = 0.0  # np.nan_to_num (the medians are finite or NaN)
        jj = int(np.argmax(grad))
        peak = grad[jj]
        if peak <= 0:
            continue
        # the lobe: the run of gradient above a tenth of its peak around it. A motion smear is
        # a ramp whose gradient is a flat, noisy plateau, so the lobe is not cut where the
        # gradient stops falling (that stopped at the first bump of noise and measured a
        # smear of 30 px on a 1080p frame as barely blurred).
        above = grad > 0.1 * peak
        lo = hi = jj
        while lo > 0 and above[lo - 1]:
            lo -= 1
        while hi < len(grad) - 1 and above[hi + 1]:
            hi += 1
        w = grad[lo:hi + 1]
        x = np.arange(lo, hi + 1, dtype=np.float64)
        m = float((w * x).sum() / w.sum())
        out[i] = float(np.sqrt((w * (x - m) ** 2).sum() / w.sum()))
    return out


def covered_fraction(frame: np.ndarray, detection: Detection, *, work_width: int = WORK_WIDTH) -> float:
    """Return the fraction of the document's outline hidden under something lying across it.

    Along each side that is inside the frame, a point is hidden where the page's edge is missing
    and the same thing continues on both sides of it (a hand, a thumb, a pen), unlike the page
    inside and the surface outside elsewhere along that side, or skin colour lies across it
    (not on a skin-toned surface). `find_document` measures this already
    (`Detection.covered_fraction`, with skin lying across it too); this is for outlines found
    otherwise.

    Args:
        frame: The frame the detection came from.
        detection: The document found in it.
        work_width: The frame is shrunk to this width for the look.
    """
    work = _prepare(frame, work_width)
    skin = _skin(work.ycc)
    return _hidden_fraction(work, order_corners((detection.corners + 0.5) * work.f - 0.5),
                            None if _skin_toned_border(skin) else skin)


def _smooth_skin(ycc: np.ndarray, skin: np.ndarray, near: np.ndarray | None = None,
                 bound: float | None = None) -> np.ndarray:
    """Skin colour where the work image is smooth: the mean absolute Laplacian of its brightness
    over 5x5 work pixels under `_SMOOTH_SKIN`. Measured on tune scenes: a hand's inside 0.4-1.7
    (a palm and a thumb, 1080p covered 4 and 9), fur 1.4 at its smoothest 1 %, 2.1 at 5 %, 2.5 at
    10 %, a wooden box 2-3 at its smoothest, print and grain more; but fingers with shading bands
    and gaps between them read 1-5 (1080p covered 11), so a hand is not always found this way.
    A Laplacian, not a local spread: the shading across a curved finger is a smooth gradient.
    With ``near`` (an outline, or the ends of a stretch of a line), only within 8 work pixels of
    its bounding box (the rest left False): the same values there, for `_hidden_fraction`, which
    looks 4 pixels either side, and `_across_finger`, which looks along the stretch. ``bound``:
    another bound than `_SMOOTH_SKIN`."""
    if near is not None:
        h, w = skin.shape
        x0, y0 = np.floor(near.min(axis=0)).astype(int) - 8
        x1, y1 = np.ceil(near.max(axis=0)).astype(int) + 9
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        out = np.zeros_like(skin)
        if x1 - x0 >= 3 and y1 - y0 >= 3:
            # a margin of 3 more for the 5x5 mean and the 3x3 Laplacian, cut where the frame ends
            # (there the frame's own border rule applies, as on the whole image)
            a0, b0, a1, b1 = max(x0 - 3, 0), max(y0 - 3, 0), min(x1 + 3, w), min(y1 + 3, h)
            part = _smooth_skin(ycc[b0:b1, a0:a1], skin[b0:b1, a0:a1], bound=bound)
            out[y0:y1, x0:x1] = part[y0 - b0:y1 - b0, x0 - a0:x1 - a0]
        return out
    y = np.ascontiguousarray(ycc[..., 0], np.float32)
    lap = np.abs(cv2.Laplacian(y, cv2.CV_32F, ksize=1))
    return skin & (cv2.blur(lap, (5, 5)) < (_SMOOTH_SKIN if bound is None else bound))


_SMOOTH_SKIN = 2.0
"""Most mean absolute Laplacian (work image brightness, 5x5) of skin told by its smoothness."""
_UNUSUAL_SMOOTH = 4.0
"""The same for skin of a colour the surface does not show to count as a hand's in
`_across_finger`: banded fingers read 2.2-2.9 (1080p covered 11), a skin-toned block of wood
beside a card on the garage photo 7-12 (1080p plain 15), grain and print more."""


def _skin_toned_border(skin: np.ndarray) -> bool:
    """Whether skin colour covers much of the frame border (a skin-toned surface: wood,
    cardboard, fur), where skin colour says nothing about hands."""
    h, w = skin.shape
    ring = max(3, int(0.03 * min(h, w)))
    # each strip's mean as its count over its size (the same numbers as numpy's mean of a boolean
    # mask), counted by cv2
    b = skin.view(np.uint8) if skin.dtype == bool else skin
    return float(np.mean([cv2.countNonZero(strip) / strip.size
                          for strip in (b[:ring], b[-ring:], b[:, :ring], b[:, -ring:])])) > 0.3


def _skin_across(skin: np.ndarray, quad: np.ndarray, *, reach: float = 4.0, finger: int = 3) -> float:
    """Fraction of the outline (its sides inside the frame) that a hand or a thumb lies across:
    skin-coloured just inside the page, on its outline and just outside it, over a stretch at
    least `finger` work pixels long. Where skin colour is common all along just inside or just
    outside the outline (a beige page, a wooden or skin-toned surface), the colour says nothing
    and the answer is 0."""
    h, w = skin.shape
    cut = _cut_sides(quad, (h, w))
    # the sides inside the frame one after the other, `finger` blank points between them (so a
    # run never joins two sides, as when each side was looked at on its own)
    pts, normal = [], []
    for i in range(4):
        if cut[i]:
            continue
        n = int(min(max(length_of(quad, i), 8), 1000))  # about a work pixel apart
        p, nv, _ = _side_geometry(quad, i, n, 0.0, 1.0)
        pts += [p, np.full((finger, 2), np.nan)]
        normal.append(np.repeat(nv[None], n + finger, axis=0))
    if not pts:
        return 0.0
    pts, normal = np.concatenate(pts), np.concatenate(normal)
    at = [np.round(pts + o * normal) for o in (-reach, 0.0, reach)]
    ok = ~np.isnan(pts[:, 0])
    for p in at:
        ok &= (p[:, 0] >= 0) & (p[:, 0] < w) & (p[:, 1] >= 0) & (p[:, 1] < h)
    at = [np.where(ok[:, None], p, 0).astype(np.int32) for p in at]
    inner, on, outer = [skin[p[:, 1], p[:, 0]] & ok for p in at]
    total = int(ok.sum())
    if not total:
        return 0.0
    if int(inner.sum()) > 0.4 * total or int(outer.sum()) > 0.4 * total:
        return 0.0  # skin colour is common along the page's rim or the surface around it
    kernel = np.ones(finger, np.float32)
    across = (inner & on & outer).astype(np.float32)
    run = np.convolve(across, kernel, "same") >= finger - 0.5
    run = np.convolve(run.astype(np.float32), kernel, "same") > 0
    return int((run & (across > 0)).sum()) / total


def _skin_around(skin: np.ndarray, quad: np.ndarray, reach: float = 4.0) -> float:
    """Fraction of the outline (inside the frame) with skin colour just outside it."""
    h, w = skin.shape
    pts = []
    for i in range(4):
        n = int(min(max(length_of(quad, i) / 2, 4), 200))
        p, normal, _ = _side_geometry(quad, i, n, 0.0, 1.0)
        pts.append(np.round(p + reach * normal).astype(np.int32))
    p = np.concatenate(pts)
    ok = (p[:, 0] >= 0) & (p[:, 0] < w) & (p[:, 1] >= 0) & (p[:, 1] < h)
    return float(skin[p[ok, 1], p[ok, 0]].mean()) if ok.any() else 0.0


def _hidden_fraction(work: _Work, quad: np.ndarray, skin: np.ndarray | None = None) -> float:
    """The fraction of the outline (its sides inside the frame) where the page's edge is missing
    and something else carries on across it: the same colour just inside and just outside,
    unusual there for the page or the surface, or (with a skin mask: not on a skin-toned
    surface) skin colour across it (a hand on a skin-toned page is not unusual for it).
    Stretches a finger wide count."""
    h, w = work.shape
    cut = _cut_sides(quad, (h, w))
    dist = lambda a, b: np.sqrt(_wsumsq(a - b))  # noqa: E731
    # each side's profiles as `_edge_profiles` samples them, all sides by one remap, and every
    # per-point step below on all sides' points at once (the same per-element operations: the
    # same numbers); per side only the medians and the runs along it
    geometry = [_side_geometry(quad, i, int(min(max(length_of(quad, i) / 2, 8), 64))) for i in range(4) if not cut[i]]
    if not geometry:
        return 0.0
    pts = np.concatenate([g[0] for g in geometry])
    normal = np.concatenate([np.broadcast_to(g[1], g[0].shape) for g in geometry])
    ends = np.cumsum([len(g[0]) for g in geometry])[:-1]  # where each side's points start
    prof = _sample(work.ycc, pts[:, None, :] + _OFFSETS[None, :, None] * normal[:, None, :])
    diff = np.sqrt(_wsumsq(prof[:, 2:] - prof[:, :-2]))
    edge = (np.abs(diff.argmax(axis=1) - 4) <= 1) & (diff.max(axis=1) >= 7.0)
    inside = (pts[:, 0] > 6) & (pts[:, 0] < w - 7) & (pts[:, 1] > 6) & (pts[:, 1] < h - 7)
    over = np.zeros(len(pts), bool) if skin is None else _skin_over_points(skin, pts, normal)
    inner, outer = _mean3(prof[:, 0:3]), _mean3(prof[:, -3:])
    # the page's and the surface's usual colours along the whole outline (a hand over half of
    # one side does not become "usual" there)
    ref_in = _median(inner, axis=0)
    ref_out = _median(outer, axis=0)
    spread_in = float(_median(dist(inner, ref_in)))
    spread_out = float(_median(dist(outer, ref_out)))
    # something lying across a side carries on over it without an edge, unlike the page inside
    # or the surface outside
    same = dist(inner, outer) < 28.0
    # unusual for the whole outline and for its side (a card's coloured band along one side is
    # usual there)
    side_in = np.concatenate([np.broadcast_to(_median(v, axis=0), v.shape) for v in np.split(inner, ends)])
    side_out = np.concatenate([np.broadcast_to(_median(v, axis=0), v.shape) for v in np.split(outer, ends)])
    odd_in = (dist(inner, ref_in) > max(18.0, 2.5 * spread_in)) & (dist(inner, side_in) > 18.0)
    odd_out = (dist(outer, ref_out) > max(18.0, 2.5 * spread_out)) & (dist(outer, side_out) > 18.0)
    # skin colour inside, on and outside the side is a finger across it whatever the colours
    # around (its shaded rim need not match the colour just beyond it)
    across = (same & (odd_in | odd_out)) | over
    # a washed-out (glare) page is not a hand
    bad = (~edge) & across & inside & (inner[:, 0] < 235.0)
    # a lone point or two is noise; what hides the edge is a finger wide at least (3 points in a
    # row, 6 work pixels): runs along each side on its own (two blank points between the sides)
    gapped = np.insert(bad.astype(np.float32), np.repeat(ends, 2), 0.0)
    run = np.convolve(gapped, np.ones(3, np.float32), "same") >= 3
    run = np.convolve(run.astype(np.float32), np.ones(3, np.float32), "same") >= 1
    run = np.delete(run, (ends[:, None] + 2 * np.arange(len(ends))[:, None] + np.arange(2)[None, :]).ravel())
    total = int(inside.sum())
    return int((bad & run).sum()) / total if total else 0.0


def assess(frame: np.ndarray, detection: Detection | None, limits: QualityLimits = QualityLimits()) -> Quality:
    """Judge whether the detected document is good enough to capture.

    Args:
        frame: The frame the detection came from.
        detection: Result of `find_document` on that frame (None: NO_DOCUMENT).
        limits: Thresholds; the defaults suit a 720p or 1080p document camera.
    """
    if detection is None:
        return Quality(reasons=(Reason.NO_DOCUMENT,))
    reasons: list[Reason] = []
    if detection.touches_edge:
        reasons.append(Reason.OUT_OF_FRAME)
    covered = detection.covered_fraction
    if covered > limits.max_covered_fraction:
        reasons.append(Reason.COVERED)
    if detection.area_fraction < limits.min_area_fraction:
        reasons.append(Reason.TOO_SMALL)
    # The page's middle at full resolution for its sharpness, the whole page smaller for glare;
    # a rim is left out so the page edge, its shadow and a thumb near it do not count.
    m, (pw, ph) = _page_transform(detection.corners)
    rim = max(1, int(0.06 * min(ph, pw)))
    cw, ch = min(pw - 2 * rim, 384), min(ph - 2 * rim, 384)
    shift = np.array([[1, 0, -(pw - cw) / 2], [0, 1, -(ph - ch) / 2], [0, 0, 1]])
    middle = cv2.warpPerspective(frame, shift @ m, (max(cw, 2), max(ch, 2)), flags=cv2.INTER_LINEAR)
    per_dir = directional_sharpness(middle)
    sharp = float(per_dir.min())
    aniso = float(per_dir.min() / max(per_dir.max(), 1e-6))
    small = rectify(frame, detection.corners, max_side=360)
    sh, sw = small.shape[:2]
    srim = max(1, int(0.06 * min(sh, sw)))
    inner = small[srim:sh - srim, srim:sw - srim]
    sides = outline_blur(frame, detection.corners) / (frame.shape[0] / 720.0)
    sides = np.sort(sides[~np.isnan(sides)])
    edge_blur = float("nan")
    if len(sides) >= 2:
        # the second most blurred side: one side misled (a shadow, a fold) does not decide
        edge_blur = float(sides[-2] if len(sides) >= 3 else sides[-1])
        blurred = edge_blur > limits.max_edge_blur
        focus = 0.6  # what an outline in focus measures
        spread = lambda v: max(float(v) ** 2 - focus ** 2, 0.0)  # noqa: E731
        motion = np.sqrt(spread(sides[0]) / max(spread(sides[-1]), 1e-6)) < limits.motion_edge_ratio \
            or aniso < limits.motion_ratio
    else:
        blurred = sharp < limits.min_sharpness
        motion = aniso < limits.motion_ratio
    if blurred:
        reasons.append(Reason.MOTION_BLUR if motion else Reason.BLURRY)
    if inner.ndim == 2:
        bright = inner
    else:  # the least channel, by cv2 on the planes (numpy's min across 3 channels is slow), of the
        # whole contiguous page and then without its rim: the same pixels, a third of the time of
        # splitting the rimmed view
        planes = cv2.split(small)
        bright = planes[0]
        for plane in planes[1:]:
            bright = cv2.min(bright, plane)
        bright = bright[srim:sh - srim, srim:sw - srim]
    # a reflection washes out a patch of the page; white paper near the limit only has specks
    saturated = cv2.compare(np.ascontiguousarray(bright), limits.glare_level, cv2.CMP_GE)
    glare = float(np.count_nonzero(cv2.morphologyEx(saturated, cv2.MORPH_OPEN, _GLARE_PATCH))) / max(saturated.size, 1)
    if glare > limits.max_glare_fraction:
        reasons.append(Reason.GLARE)
    return Quality(reasons=tuple(reasons) or (Reason.OK,), sharpness=sharp, glare_fraction=glare,
                   area_fraction=detection.area_fraction, covered_fraction=covered, anisotropy=aniso,
                   edge_blur=edge_blur)


# ---------------------------------------------------------------------------------------------
# Auto-capture


class CaptureState(enum.Enum):
    """Where `AutoCapture` is: no document, waiting for a steady good document, or done."""

    EMPTY = "empty"
    STEADYING = "steadying"
    CAPTURED = "captured"


@dataclass(frozen=True)
class Capture:
    """The moment to take the still: the frame fed with this detection is the one to keep.

    Args:
        timestamp: Timestamp of that frame, as fed.
        detection: The document's outline in that frame.
        quality: Its quality (always OK).
    """

    timestamp: float
    detection: Detection
    quality: Quality


@dataclass
class AutoCapture:
    """Decide when to take the still: once per document, after it has been good and still.

    Feed every frame's (timestamp, detection, quality). A capture happens when the document
    has been OK and its corners have stayed within `still_px` of where they were when it
    settled, for `hold_s` seconds. After a capture nothing more is captured until the tray has
    been empty for `rearm_empty_s` seconds or the document has moved more than `rearm_move_px`
    (a new document, or the same one placed again).

    Args:
        hold_s: How long the document must stay good and still before the capture.
        still_px: Largest corner movement (pixels) that still counts as still.
        rearm_empty_s: How long the tray must be empty before the next capture is allowed.
        rearm_move_px: Corner movement (pixels) after which a document counts as a new one.
    """

    hold_s: float = 0.8
    still_px: float = 6.0
    rearm_empty_s: float = 0.5
    rearm_move_px: float = 120.0
    state: CaptureState = field(default=CaptureState.EMPTY, init=False)
    _anchor: np.ndarray | None = field(default=None, init=False, repr=False)
    _since: float = field(default=0.0, init=False, repr=False)
    _captured_at: np.ndarray | None = field(default=None, init=False, repr=False)
    _empty_since: float | None = field(default=None, init=False, repr=False)
    _last_t: float | None = field(default=None, init=False, repr=False)
    _progress: float = field(default=0.0, init=False, repr=False)

    @property
    def progress(self) -> float:
        """Return how far along the hold is, 0..1 (for a ring on the booth screen)."""
        return self._progress

    def reset(self) -> None:
        """Forget everything: the next good, still document is captured again."""
        self.state = CaptureState.EMPTY
        self._anchor = self._captured_at = self._empty_since = None
        self._progress = 0.0

    def feed(self, timestamp: float, detection: Detection | None, quality: Quality) -> Capture | None:
        """Take one frame's result; returns a Capture exactly when the still should be taken.

        Args:
            timestamp: Frame time in seconds (monotonic; must not go backwards).
            detection: `find_document` result for the frame.
            quality: `assess` result for the frame.
        """
        if self._last_t is not None and timestamp < self._last_t:
            raise ValueError(f"timestamps must not go backwards: {timestamp} after {self._last_t}")
        self._last_t = timestamp
        if detection is None:
            if self._empty_since is None:
                self._empty_since = timestamp
            self._anchor = None
            self._progress = 0.0
            if self.state is CaptureState.CAPTURED:
                if timestamp - self._empty_since >= self.rearm_empty_s:
                    self.state, self._captured_at = CaptureState.EMPTY, None
            else:
                self.state = CaptureState.EMPTY
            return None
        self._empty_since = None
        corners = detection.corners
        if self.state is CaptureState.CAPTURED:
            assert self._captured_at is not None
            if _corner_shift(corners, self._captured_at) <= self.rearm_move_px:
                return None
            self.state, self._captured_at, self._anchor = CaptureState.EMPTY, None, None
        if not quality.ok:
            self.state, self._anchor, self._progress = CaptureState.STEADYING, None, 0.0
            return None
        if self._anchor is None or _corner_shift(corners, self._anchor) > self.still_px:
            self.state, self._anchor, self._since, self._progress = CaptureState.STEADYING, corners, timestamp, 0.0
            if self.hold_s > 0:
                return None
        held = timestamp - self._since
        self._progress = 1.0 if self.hold_s <= 0 else min(1.0, held / self.hold_s)
        if held < self.hold_s:
            self.state = CaptureState.STEADYING
            return None
        self.state, self._captured_at, self._anchor, self._progress = CaptureState.CAPTURED, corners, None, 1.0
        logger.debug("auto-capture at %.3f", timestamp)
        return Capture(timestamp=timestamp, detection=detection, quality=quality)


def _corner_shift(a: np.ndarray, b: np.ndarray) -> float:
    """Return the largest distance between corresponding corners of two quadrilaterals."""
    return float(np.max(np.linalg.norm(np.asarray(a) - np.asarray(b), axis=1)))


