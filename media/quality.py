"""Per-tile quality policy (pure): which quality each booth sends, given the console's focus.

Like a CCTV multiview with sub-streams: the focused booth sends its face camera at full
quality and its document camera; the others send a small, slow face stream and pause the
document camera. Also the two pure helpers the booth's adaptive track uses:
:func:`fit_size` and :class:`RateGate`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable

from media.control import QualityRequest, TrackQuality

logger = logging.getLogger(__name__)

FULL_FACE = TrackQuality(width=1280, height=720, fps=30)
GRID_FACE = TrackQuality(width=320, height=180, fps=10)
FULL_DOCUMENT = TrackQuality(width=1280, height=720, fps=15)


@dataclass(frozen=True)
class QualityPolicy:
    """Maps focus to per-session quality requests.

    Args:
        focused_face: face quality for the focused booth (capped by what its camera gives).
        grid_face: face quality for every other booth.
        focused_document: document quality for the focused booth.
        grid_document: document quality for the others; None pauses their document track.
    """

    focused_face: TrackQuality = FULL_FACE
    grid_face: TrackQuality = GRID_FACE
    focused_document: TrackQuality | None = FULL_DOCUMENT
    grid_document: TrackQuality | None = None

    def request_for(self, focused: bool) -> QualityRequest:
        """The request for one booth.

        Args:
            focused: whether the booth's tile has focus.
        """
        if focused:
            return QualityRequest(face=self.focused_face, document=self.focused_document)
        return QualityRequest(face=self.grid_face, document=self.grid_document)

    def requests(self, session_ids: Iterable[str], focus: str | None) -> dict[str, QualityRequest]:
        """Requests for every session.

        Args:
            session_ids: sessions on the desk.
            focus: the focused session, or None (everything at grid quality).
        """
        return {sid: self.request_for(sid == focus) for sid in session_ids}


def fit_size(want_w: int, want_h: int, src_w: int, src_h: int) -> tuple[int, int]:
    """Output size for a requested size: never upscale, keep even dimensions for yuv420p.

    The requested box is scaled down so neither side exceeds the source; the aspect ratio of
    the request is kept (the tile's aspect), as a viewer would crop-scale anyway.

    Args:
        want_w: requested width.
        want_h: requested height.
        src_w: source width.
        src_h: source height.
    """
    scale = min(1.0, src_w / want_w, src_h / want_h)
    w = max(2, int(want_w * scale) // 2 * 2)
    h = max(2, int(want_h * scale) // 2 * 2)
    return w, h


class RateGate:
    """Drops frames to a target rate: passes a frame when it is due by its timestamp.

    Args:
        fps: target frame rate.
    """

    def __init__(self, fps: float) -> None:
        self._interval = 1.0 / fps
        self._next: float | None = None

    def set_fps(self, fps: float) -> None:
        """Change the target rate; the next frame passes at once (fast switch).

        Args:
            fps: new target frame rate.
        """
        self._interval = 1.0 / fps
        self._next = None

    def admit(self, t: float) -> bool:
        """Whether the frame captured at ``t`` (seconds) should be sent.

        Args:
            t: the frame's capture time in seconds (any monotonic origin).
        """
        if self._next is None or t >= self._next - 0.25 * self._interval:
            base = t if self._next is None or t - self._next > self._interval else self._next
            self._next = base + self._interval
            return True
        return False
