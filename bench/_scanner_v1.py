"""The document pipeline as it was before issue P6 (frozen copy of hardware/scanner.py at 6acd21a), kept so bench.documents can compare it in the same run.

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
import logging
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np

logger = logging.getLogger(__name__)

CARD_ASPECT = 85.6 / 54.0
"""Long / short side of an ISO ID-1 card (KTP)."""
A4_ASPECT = 297.0 / 210.0
"""Long / short side of an A4 page."""


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
    """

    corners: np.ndarray
    area_fraction: float
    touches_edge: bool
    frame_size: tuple[int, int]

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
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # clockwise on screen (y points down)
    start = int(np.argmin(pts[:, 0] + pts[:, 1]))
    return np.roll(pts, -start, axis=0)


def _line_intersection(l1: np.ndarray, l2: np.ndarray) -> np.ndarray | None:
    """Intersect two lines given as (vx, vy, x0, y0); None when nearly parallel."""
    v1, p1 = l1[:2], l1[2:]
    v2, p2 = l2[:2], l2[2:]
    den = v1[0] * v2[1] - v1[1] * v2[0]
    if abs(den) < 1e-6:
        return None
    t = ((p2[0] - p1[0]) * v2[1] - (p2[1] - p1[1]) * v2[0]) / den
    return p1 + t * v1


def _refine_corners(quad: np.ndarray, contour: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Fit a line to the contour points along each side and intersect neighbours."""
    h, w = shape
    pts = contour.reshape(-1, 2).astype(np.float64)
    # Points on the frame border say nothing about the document's true edge.
    inside = (pts[:, 0] > 1) & (pts[:, 0] < w - 2) & (pts[:, 1] > 1) & (pts[:, 1] < h - 2)
    pts = pts[inside]
    lines = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        d = b - a
        length = float(np.linalg.norm(d))
        if length < 8:
            return quad
        u = d / length
        rel = pts - a
        t = rel @ u
        dist = np.abs(rel[:, 0] * u[1] - rel[:, 1] * u[0])
        middle = (t > 0.12 * length) & (t < 0.88 * length)
        # A wide first pick (the rough side may be a few pixels off), then a tight one around
        # the first fit, so the line follows the outline rather than the rough guess.
        sel = pts[(dist < max(3.0, 0.04 * length)) & middle]
        if len(sel) < 10:
            return quad
        vx, vy, x0, y0 = cv2.fitLine(sel.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        rel = pts - (x0, y0)
        tight = pts[(np.abs(rel[:, 0] * vy - rel[:, 1] * vx) < max(1.5, 0.01 * length)) & middle]
        if len(tight) >= 10:
            vx, vy, x0, y0 = cv2.fitLine(tight.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append(np.array([vx, vy, x0, y0], np.float64))
    refined = []
    for i in range(4):
        p = _line_intersection(lines[(i - 1) % 4], lines[i])
        if p is None or np.linalg.norm(p - quad[i]) > 0.05 * np.linalg.norm(quad[2] - quad[0]) + 3:
            return quad
        refined.append(p)
    return np.array(refined)


def find_document(
    frame: np.ndarray,
    *,
    min_area_fraction: float = 0.005,
    max_area_fraction: float = 0.95,
    max_aspect: float = 2.2,
    min_solidity: float = 0.88,
    work_width: int = 960,
) -> Detection | None:
    """Find the largest plausible document quadrilateral in a frame of the tray.

    The tray is dark; a page is brighter than the tray (even a coloured header band is). The
    page is segmented against the tray level measured along the frame border, thin painted
    tray marks are opened away, and the largest blob is approximated by a quadrilateral whose
    sides are then fitted to the blob's outline for sub-pixel corners.

    Args:
        frame: BGR (or greyscale) uint8 image from the document camera.
        min_area_fraction: Smaller blobs (fraction of the frame area) are not documents.
        max_area_fraction: Larger blobs are the tray or lighting, not a document.
        max_aspect: Long/short side ratio above which the quadrilateral is implausible.
        min_solidity: Blob area / hull area below which the blob is not a flat page.
        work_width: The frame is shrunk to this width for speed (corners are scaled back).
    """
    if frame is None or frame.size == 0:
        return None
    grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    fh, fw = grey.shape[:2]
    f = min(1.0, work_width / fw)
    small = cv2.resize(grey, (max(1, round(fw * f)), max(1, round(fh * f))), interpolation=cv2.INTER_AREA) \
        if f < 1.0 else grey
    sh, sw = small.shape
    small = cv2.GaussianBlur(small, (5, 5), 0)
    border = np.concatenate([small[:6].ravel(), small[-6:].ravel(), small[:, :6].ravel(), small[:, -6:].ravel()])
    level = float(np.percentile(border, 25))
    spread = float(np.percentile(border, 25) - np.percentile(border, 5))
    otsu, _ = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # The page is what is clearly brighter than the tray: 30 grey levels (or 3 noise spreads)
    # above it, but no higher than Otsu's split when the page is only a little brighter.
    thr = min(max(level + 30.0, level + 3.0 * spread), max(otsu, level + 20.0))
    mask = (small > thr).astype(np.uint8) * 255
    k = max(3, int(round(sw / 160)) | 1)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * k + 1, 2 * k + 1)))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    frame_area = float(sw * sh)
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
        area = cv2.contourArea(contour)
        if area < min_area_fraction * frame_area:
            break
        hull = cv2.convexHull(contour)
        hull_area = cv2.contourArea(hull)
        if hull_area <= 0 or area / hull_area < min_solidity:
            logger.debug("blob rejected: solidity %.2f", area / max(hull_area, 1.0))
            continue
        pts = contour.reshape(-1, 2)
        touches = bool((pts[:, 0] <= 1).any() or (pts[:, 1] <= 1).any()
                       or (pts[:, 0] >= sw - 2).any() or (pts[:, 1] >= sh - 2).any())
        quad = None
        peri = cv2.arcLength(hull, True)
        for eps in (0.02, 0.03, 0.045, 0.06, 0.08, 0.1):
            approx = cv2.approxPolyDP(hull, eps * peri, True)
            if len(approx) == 4:
                quad = approx.reshape(4, 2).astype(np.float64)
                break
        if quad is None:
            if not touches:
                logger.debug("blob rejected: no quadrilateral outline")
                continue
            quad = cv2.boxPoints(cv2.minAreaRect(contour)).astype(np.float64)
        quad = order_corners(quad)
        quad = _refine_corners(quad, contour, (sh, sw))
        quad_area = abs(cv2.contourArea(quad.astype(np.float32)))
        if not (min_area_fraction * frame_area <= quad_area <= max_area_fraction * frame_area):
            logger.debug("blob rejected: area fraction %.3f", quad_area / frame_area)
            continue
        if not touches:
            if not cv2.isContourConvex(quad.astype(np.float32).reshape(-1, 1, 2)):
                continue
            sides = [np.linalg.norm(quad[(i + 1) % 4] - quad[i]) for i in range(4)]
            a, b = (sides[0] + sides[2]) / 2, (sides[1] + sides[3]) / 2
            if min(a, b) <= 0 or max(a, b) / min(a, b) > max_aspect:
                logger.debug("blob rejected: aspect %.2f", max(a, b) / max(min(a, b), 1e-9))
                continue
            if quad_area <= 0 or not min_solidity <= area / quad_area <= 1.0 / min_solidity:
                logger.debug("blob rejected: outline is not a quadrilateral")
                continue
        corners = (quad + 0.5) / f - 0.5
        if f < 1.0:
            corners = _refine_full_resolution(grey, corners, thr, k / f)
        return Detection(corners=order_corners(corners), area_fraction=quad_area / frame_area,
                         touches_edge=touches, frame_size=(fw, fh))
    return None


def _refine_full_resolution(grey: np.ndarray, corners: np.ndarray, thr: float, kernel: float) -> np.ndarray:
    """Refit the sides of a quadrilateral found on the shrunken frame at full resolution.

    Shrinking for speed moves the page's outline by up to a pixel of the small image, which
    is a large error for a small card; only the page's neighbourhood is segmented again here.

    Args:
        grey: the full-resolution greyscale frame.
        corners: the corners found, in full-resolution pixels.
        thr: the page/tray threshold used on the small frame.
        kernel: the morphology kernel size used, in full-resolution pixels.
    """
    fh, fw = grey.shape[:2]
    margin = int(round(2 * kernel + 0.02 * np.linalg.norm(corners[2] - corners[0]))) + 4
    x0, y0 = np.maximum(np.floor(corners.min(axis=0)).astype(int) - margin, 0)
    x1, y1 = np.minimum(np.ceil(corners.max(axis=0)).astype(int) + margin, (fw, fh))
    roi = cv2.GaussianBlur(grey[y0:y1, x0:x1], (5, 5), 0)
    mask = (roi > thr).astype(np.uint8) * 255
    kk = max(3, int(round(kernel)) | 1)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kk, kk)))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * kk + 1, 2 * kk + 1)))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return corners
    contour = max(contours, key=cv2.contourArea).reshape(-1, 2) + (x0, y0)
    return _refine_corners(order_corners(corners), contour, (fh, fw))


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
    c = np.asarray(corners, np.float64).reshape(4, 2)
    top, bottom = np.linalg.norm(c[1] - c[0]), np.linalg.norm(c[2] - c[3])
    left, right = np.linalg.norm(c[3] - c[0]), np.linalg.norm(c[2] - c[1])
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
    m = cv2.getPerspectiveTransform(c.astype(np.float32), dst)
    return cv2.warpPerspective(frame, m, (out_w, out_h), flags=cv2.INTER_LINEAR)


# ---------------------------------------------------------------------------------------------
# Quality


class Reason(enum.Enum):
    """Why a frame is (not) good enough to capture, most important first."""

    NO_DOCUMENT = "no_document"
    OUT_OF_FRAME = "out_of_frame"
    TOO_SMALL = "too_small"
    BLURRY = "blurry"
    GLARE = "glare"
    OK = "ok"


HINTS: dict[tuple[Reason, str], str] = {
    (Reason.NO_DOCUMENT, "id"): "Letakkan dokumen di atas baki",
    (Reason.NO_DOCUMENT, "en"): "Place the document on the tray",
    (Reason.OUT_OF_FRAME, "id"): "Geser dokumen ke dalam bingkai",
    (Reason.OUT_OF_FRAME, "en"): "Move the document into the frame",
    (Reason.TOO_SMALL, "id"): "Dekatkan dokumen ke kamera",
    (Reason.TOO_SMALL, "en"): "Bring the document closer to the camera",
    (Reason.BLURRY, "id"): "Tahan diam",
    (Reason.BLURRY, "en"): "Hold still",
    (Reason.GLARE, "id"): "Terlalu silau, miringkan sedikit",
    (Reason.GLARE, "en"): "Too much glare, tilt it slightly",
    (Reason.OK, "id"): "Bagus, tahan sebentar",
    (Reason.OK, "en"): "Good, hold it there",
}
"""Short participant-facing hints keyed by (reason, language); languages "id" and "en"."""


def hint(reason: Reason, lang: str = "id") -> str:
    """Return the participant-facing hint for a reason.

    Args:
        reason: The quality reason to explain.
        lang: "id" (Indonesian) or "en" (English).
    """
    try:
        return HINTS[(reason, lang)]
    except KeyError:
        raise KeyError(f"no hint for {reason.name} in language {lang!r}; languages: id, en") from None


@dataclass(frozen=True)
class QualityLimits:
    """Thresholds for `assess`.

    Args:
        min_area_fraction: A document covering less of the frame than this is TOO_SMALL.
        min_sharpness: Variance of the Laplacian of the rectified page (at the camera's own
            resolution) below which the page is BLURRY. Sensor noise and print edges give a
            sharp page several hundred; a blur of 1.5 px sigma brings it near 20.
        glare_level: A pixel whose every channel is at least this bright counts as saturated.
        max_glare_fraction: More saturated page pixels than this fraction is GLARE.
    """

    min_area_fraction: float = 0.04
    min_sharpness: float = 40.0
    glare_level: int = 250
    max_glare_fraction: float = 0.01


@dataclass(frozen=True)
class Quality:
    """How good a frame's document is; `reasons` lists every problem, most important first.

    Args:
        reasons: The problems found, or (Reason.OK,) when there are none.
        sharpness: Variance of the Laplacian of the rectified page (0 when not measured).
        glare_fraction: Fraction of saturated page pixels (0 when not measured).
        area_fraction: Document area / frame area (0 without a document).
    """

    reasons: tuple[Reason, ...]
    sharpness: float = 0.0
    glare_fraction: float = 0.0
    area_fraction: float = 0.0

    @property
    def ok(self) -> bool:
        """Return True when the document is good enough to capture."""
        return self.reasons == (Reason.OK,)

    @property
    def reason(self) -> Reason:
        """Return the most important reason (what to tell the participant first)."""
        return self.reasons[0]

    def hint(self, lang: str = "id") -> str:
        """Return the participant-facing hint for the most important reason.

        Args:
            lang: "id" (Indonesian) or "en" (English).
        """
        return hint(self.reason, lang)


def sharpness(page: np.ndarray) -> float:
    """Return the variance of the Laplacian of a page (higher is sharper).

    Args:
        page: Rectified page at the camera's resolution, BGR or greyscale uint8.
    """
    grey = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def assess(frame: np.ndarray, detection: Detection | None, limits: QualityLimits = QualityLimits()) -> Quality:
    """Judge whether the detected document is good enough to capture.

    Args:
        frame: The frame the detection came from.
        detection: Result of `find_document` on that frame (None: NO_DOCUMENT).
        limits: Thresholds; the defaults suit a 1080p document camera.
    """
    if detection is None:
        return Quality(reasons=(Reason.NO_DOCUMENT,))
    reasons: list[Reason] = []
    if detection.touches_edge:
        reasons.append(Reason.OUT_OF_FRAME)
    if detection.area_fraction < limits.min_area_fraction:
        reasons.append(Reason.TOO_SMALL)
    page = rectify(frame, detection.corners)
    # Leave out a thin rim so the page edge and its shadow do not count.
    ph, pw = page.shape[:2]
    rim = max(1, int(0.03 * min(ph, pw)))
    inner = page[rim:ph - rim, rim:pw - rim]
    sharp = sharpness(inner)
    if sharp < limits.min_sharpness:
        reasons.append(Reason.BLURRY)
    bright = inner if inner.ndim == 2 else inner.min(axis=2)
    glare = float((bright >= limits.glare_level).mean())
    if glare > limits.max_glare_fraction:
        reasons.append(Reason.GLARE)
    return Quality(reasons=tuple(reasons) or (Reason.OK,), sharpness=sharp, glare_fraction=glare,
                   area_fraction=detection.area_fraction)


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
