"""Per-tile quality policy (pure): which quality each booth sends, given the console's focus.

Like a CCTV multiview with sub-streams: the focused booth sends its face camera at full
quality, its document camera and its microphone; the others send a small, slow face stream
and pause the document camera and the microphone. Product decisions that keep the console's
decoding work small (it holds six calls on a modest PC):

* the CSO hears only the focused booth, so only the focused booth sends audio
  (``QualityRequest.audio``); the console decodes one audio stream, not six;
* the live document view is for positioning the document only -- the CSO judges documents
  on lossless stills (:mod:`media.stills`), which the booth captures -- so the focused
  document track is 960x540 at 10 fps, not 1280x720 at 15, and it is sent only while the
  focused booth has a document request outstanding (requested, not yet received) or the CSO
  opened the view explicitly (:meth:`media.engine.CsoEngine.show_document`); otherwise
  the console decodes no document video at all (``document_on_request``);
* grid tiles are 320 pixels wide at 10 fps (320x180 from 16:9 cameras, 320x240 from 4:3),
  at most 120 kbit/s: aiortc's bandwidth estimate would give each up to 1.5 Mbit/s (it
  gave about 180), and every packet costs the console Python work;
* the CSO's own camera (:data:`CSO_CAMERA`) goes to the focused booth only, 640x360 at 15 fps
  and at most 500 kbit/s: the officer's face fills the top of the booth's call screen, where a
  320x240 picture scaled up looked soft (the participant reads the officer's face and lips); 15
  fps keeps a talking face fluid. From a 4:3 camera it is 640x480 (the width is asked for,
  the height follows the camera). What it costs the console: BENCHMARKS.md, "Console window:
  the officer's camera";
* a booth **on hold** (the officer serves another booth) sends its face at grid quality (its
  tile stays live, so the officer sees a participant who waves), no microphone and no document
  view; it receives nothing (the booth screen shows the officer's last picture, dimmed).

Also the two pure helpers the booth's adaptive track uses: :func:`fit_size` and
:class:`RateGate`.
"""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Iterable

from media.control import QualityRequest, TrackQuality

logger = logging.getLogger(__name__)

FULL_FACE = TrackQuality(width=1280, height=720, fps=30)
GRID_FACE = TrackQuality(width=320, height=180, fps=10, max_kbps=120)
CSO_CAMERA = TrackQuality(width=640, height=360, fps=15, max_kbps=500)
FULL_DOCUMENT = TrackQuality(width=960, height=540, fps=10)


class Tile(str, enum.Enum):
    """How a booth's tile is shown on the console, which decides what the booth sends."""

    FOCUSED = "focused"  # the officer talks to this booth
    GRID = "grid"  # one of the tiles
    HELD = "held"  # on hold while the officer serves another booth


@dataclass(frozen=True)
class QualityPolicy:
    """Maps focus to per-session quality requests.

    Args:
        focused_face: face quality for the focused booth (capped by what its camera gives);
            None pauses it.
        grid_face: face quality for every other booth; None pauses it.
        held_face: face quality for a booth on hold; None pauses it.
        focused_document: document quality for the focused booth.
        grid_document: document quality for the others; None pauses their document track.
        focused_audio: whether the focused booth sends its microphone.
        grid_audio: whether the other booths send theirs (the CSO hears only the focus).
        document_on_request: the focused document track is sent only when the console wants
            the document view (a document request outstanding, or opened by the CSO); False
            sends it whenever the booth is focused.
    """

    focused_face: TrackQuality | None = FULL_FACE
    grid_face: TrackQuality | None = GRID_FACE
    held_face: TrackQuality | None = GRID_FACE
    focused_document: TrackQuality | None = FULL_DOCUMENT
    grid_document: TrackQuality | None = None
    focused_audio: bool = True
    grid_audio: bool = False
    document_on_request: bool = True

    def request_for(self, tile: Tile | bool, document_wanted: bool = False) -> QualityRequest:
        """The request for one booth.

        Args:
            tile: how the booth's tile is shown (True/False: focused or grid).
            document_wanted: whether the console wants this booth's document view now.
        """
        if tile is True or tile is Tile.FOCUSED:
            show = document_wanted or not self.document_on_request
            return QualityRequest(face=self.focused_face, document=self.focused_document if show else None,
                                  audio=self.focused_audio)
        if tile is Tile.HELD:
            return QualityRequest(face=self.held_face, document=None, audio=False)
        return QualityRequest(face=self.grid_face, document=self.grid_document, audio=self.grid_audio)

    def requests(self, session_ids: Iterable[str], focus: str | None,
                 documents: Iterable[str] = ()) -> dict[str, QualityRequest]:
        """Requests for every session.

        Args:
            session_ids: sessions on the desk.
            focus: the focused session, or None (everything at grid quality).
            documents: sessions whose document view is wanted.
        """
        documents = set(documents)
        return {sid: self.request_for(sid == focus, sid in documents) for sid in session_ids}


def fit_size(want_w: int, want_h: int, src_w: int, src_h: int) -> tuple[int, int]:
    """Output size for a requested size: never upscale, keep even dimensions for yuv420p.

    The requested width is the tile width; the height follows the camera's aspect ratio
    (nothing is stretched; a 4:3 camera asked for 320x180 gives 320x240 and the tile
    letterboxes). The width is capped at the source width, so nothing is upscaled.

    Args:
        want_w: requested width.
        want_h: requested height.
        src_w: source width.
        src_h: source height.
    """
    w = min(want_w, src_w)
    h = w * src_h / src_w
    return max(2, int(w) // 2 * 2), max(2, int(round(h)) // 2 * 2)


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
