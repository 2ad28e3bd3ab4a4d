"""The document workspace: the booth's live document view, large, while the participant places a
document; the lossless stills at full resolution, zoomed, panned, turned, two side by side.

A still's PNG (1920x1080 or larger, about 2 MB) is decoded off the GUI thread, by code that lets
go of Python's interpreter lock (:class:`StillDecoder`, which also makes a half-size copy for
zoomed-out views, so painting never scales 2 MP down on the GUI thread); the GUI thread only
paints the decoded image.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import cv2
import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from common.documents import DocumentKind
from cso_console.desk import DocEntry, DocStatus, TileView
from cso_console.ui import style, words
from qtview.video import VideoView

logger = logging.getLogger(__name__)
translate = words.translate

_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="still-decode")
"""One decoder thread: stills arrive one at a time (the media engine sends one at a time)."""

MIN_ZOOM, MAX_ZOOM = 0.05, 8.0


class StillDecoder(QObject):
    """Decodes stills off the GUI thread and keeps the last few decoded.

    Args:
        keep: decoded stills kept (each 1920x1080 costs about 10 MB with its half-size copy).
        parent: the Qt parent.

    Signals:
        decoded(str): a still is decoded and in :meth:`get` (its request id), on the GUI thread.
    """

    decoded = Signal(str)

    def __init__(self, keep: int = 8, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.keep = keep
        self._lock = threading.Lock()
        self._images: OrderedDict[str, tuple[QImage, QImage]] = OrderedDict()
        self._busy: set[str] = set()
        self.decoder_threads: set[int] = set()
        """Threads that decoded (for the tests: never the GUI thread)."""

    def get(self, key: str) -> tuple[QImage, QImage] | None:
        """The decoded still (full, half size) or None."""
        with self._lock:
            pair = self._images.get(key)
            if pair is not None:
                self._images.move_to_end(key)
            return pair

    def want(self, key: str, data: Callable[[], bytes | None]) -> bool:
        """Decode ``key``'s still unless it is decoded or being decoded; True when it is ready.

        Args:
            key: the still's request id.
            data: gives the PNG's bytes (called on the decoder thread).
        """
        with self._lock:
            if key in self._images:
                return True
            if key in self._busy:
                return False
            self._busy.add(key)
        _POOL.submit(self._decode, key, data)
        return False

    def _decode(self, key: str, data: Callable[[], bytes | None]) -> None:
        self.decoder_threads.add(threading.get_ident())
        try:
            pair = decode_still(data())
            if pair is None:
                logger.warning("still %s could not be decoded", key)
                return
            with self._lock:
                self._images[key] = pair
                while len(self._images) > self.keep:
                    self._images.popitem(last=False)
        except Exception:
            logger.exception("decoding still %s failed", key)
            return
        finally:
            with self._lock:
                self._busy.discard(key)
        self.decoded.emit(key)


def decode_still(raw: bytes | None) -> tuple[QImage, QImage] | None:
    """A PNG still as a full-size and a half-size image, both 32-bit (what the painter draws
    without converting).

    OpenCV decodes and scales here because it lets go of Python's interpreter lock while it
    works: ``QImage.fromData`` holds it for the whole decode (about 0.2 s for a 1920x1080 PNG),
    and every other Python thread, the GUI's included, would wait that long.
    """
    if not raw:
        return None
    bgr = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        return None
    bgra = cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)
    h, w = bgra.shape[:2]
    half = cv2.resize(bgra, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    return _wrap(bgra), _wrap(half)


def _wrap(bgra: np.ndarray) -> QImage:
    """A QImage over a BGRA array's pixels (no copy: Format_RGB32 is B, G, R, X in memory on a
    little-endian machine), keeping the array alive with it."""
    h, w = bgra.shape[:2]
    image = QImage(bgra.data, w, h, bgra.strides[0], QImage.Format.Format_RGB32)
    image.ndarray = bgra
    return image


class StillView(QWidget):
    """One still: fit to the document in it (or the whole still), zoom (wheel, keys), pan (drag),
    turn by 90 degrees.

    The picture is painted from the decoded image at its current scale (the half-size copy when
    zoomed out below one half); nothing is scaled ahead of a paint. When the booth's scanner found
    the document's outline, "fit" shows the document, not the tray around it.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 150)
        self.full: QImage | None = None
        self.half: QImage | None = None
        self.region: QRectF | None = None
        """The document's bounding box in the still (pixels), when known."""
        self.whole = False
        """Fit the whole still instead of the document."""
        self.rotation = 0
        self.zoom: float | None = None  # None: fit
        self.pan = QPointF(0, 0)
        self.placeholder = ""
        self._drag: QPointF | None = None
        self.painted = 0

    # -- the picture

    def set_image(self, full: QImage | None, half: QImage | None = None,
                  corners: tuple[tuple[float, float], ...] | None = None) -> None:
        """Show a decoded still (None: the placeholder), fitted to its document."""
        self.full, self.half = full, half
        self.region = None
        if full is not None and corners:
            xs, ys = [c[0] for c in corners], [c[1] for c in corners]
            box = QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
            m = 0.06 * max(box.width(), box.height())
            box = box.adjusted(-m, -m, m, m).intersected(QRectF(0, 0, full.width(), full.height()))
            if box.width() > 16 and box.height() > 16:
                self.region = box
        self.rotation, self.zoom, self.pan, self.whole = 0, None, QPointF(0, 0), False
        self.update()
        self.changed.emit()

    def _fitted(self) -> QRectF:
        """What "fit" shows: the document, or the whole still."""
        if self.region is not None and not self.whole:
            return self.region
        return QRectF(0, 0, self.full.width(), self.full.height())

    def _anchor(self) -> QPointF:
        return self._fitted().center()

    def fit_scale(self) -> float:
        """The scale at which the fitted part (turned) fills the view."""
        if self.full is None:
            return 1.0
        r = self._fitted()
        w, h = (r.height(), r.width()) if self.rotation % 180 else (r.width(), r.height())
        return max(1e-3, min(self.width() / w, self.height() / h))

    def scale(self) -> float:
        """The scale now (1.0: one still pixel per screen pixel)."""
        return self.fit_scale() if self.zoom is None else self.zoom

    # -- what the officer does

    def zoom_by(self, factor: float, at: QPointF | None = None) -> None:
        """Zoom in (factor > 1) or out around ``at`` (default: the centre)."""
        if self.full is None:
            return
        old = self.scale()
        new = min(MAX_ZOOM, max(MIN_ZOOM, old * factor))
        centre = QPointF(self.width() / 2, self.height() / 2)
        at = centre if at is None else at
        k = new / old
        self.pan = (at - centre) - (at - centre - self.pan) * k
        self.zoom = new
        self.update()
        self.changed.emit()

    def fit(self, whole: bool = False) -> None:
        """The document in view (``whole``: the whole still)."""
        self.zoom, self.pan, self.whole = None, QPointF(0, 0), whole
        self.update()
        self.changed.emit()

    def actual_size(self) -> None:
        """One still pixel per screen pixel (full resolution), on the document's centre."""
        self.zoom, self.pan = 1.0, QPointF(0, 0)
        self.update()
        self.changed.emit()

    def rotate(self, degrees: int) -> None:
        """Turn by a multiple of 90 degrees (clockwise positive)."""
        self.rotation = (self.rotation + degrees) % 360
        self.pan = QPointF(0, 0)
        self.update()
        self.changed.emit()

    # -- Qt

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(12, 14, 17))
        if self.full is None:
            if self.placeholder:
                p.setPen(QColor(190, 198, 208))
                p.drawText(self.rect().adjusted(20, 20, -20, -20),
                           Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
            p.end()
            return
        s = self.scale()
        image, factor = self.full, 1.0
        if s < 0.5 and self.half is not None:
            image, factor = self.half, self.full.width() / max(1, self.half.width())
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, s < 1.0)
        anchor = self._anchor()
        p.translate(self.width() / 2 + self.pan.x(), self.height() / 2 + self.pan.y())
        p.rotate(self.rotation)
        p.scale(s * factor, s * factor)
        p.translate(-anchor.x() / factor, -anchor.y() / factor)
        p.drawImage(QPointF(0, 0), image)
        p.end()
        self.painted += 1

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.changed.emit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(1.25 ** steps, event.position())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None and self.full is not None:
            self.pan += event.position() - self._drag
            self._drag = event.position()
            if self.zoom is None:
                self.zoom = self.fit_scale()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.zoom is None:
            self.zoom = self.fit_scale()
            self.zoom_by(2.0 / self.zoom if self.zoom < 1 else 2.0, event.position())
        else:
            self.fit()


class Pane(QFrame):
    """One pane of the workspace: the live document camera or one still, with its verdict buttons.

    Signals:
        activated(): the officer clicked into the pane.
        verify(object): verify this pane's document (a DocumentKind).
        reject(object): reject this pane's document.
    """

    activated = Signal()
    verify = Signal(object)
    reject = Signal(object)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.document: DocumentKind | None = None  # the still shown (None: live or empty)
        self.still_id: str | None = None
        self.live = False
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 18px; font-weight: 600;")
        self.detail = QLabel()
        self.detail.setProperty("role", "muted")
        self.verify_button = QPushButton()
        self.verify_button.setProperty("role", "good")
        self.reject_button = QPushButton()
        self.reject_button.setProperty("role", "bad")
        self.verify_button.clicked.connect(lambda: self.document and self.verify.emit(self.document))
        self.reject_button.clicked.connect(lambda: self.document and self.reject.emit(self.document))
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.title)
        titles.addWidget(self.detail)
        head.addLayout(titles, 1)
        head.addWidget(self.reject_button)
        head.addWidget(self.verify_button)

        self.still = StillView()
        self.video = VideoView(placeholder="")
        self.stack = QStackedLayout()
        self.stack.addWidget(self.still)
        self.stack.addWidget(self.video)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.progress_text = QLabel()
        self.progress_text.setWordWrap(True)
        self.progress_text.setStyleSheet("font-size: 18px;")
        self.progress_text.hide()

        box = QVBoxLayout(self)
        box.setContentsMargins(8, 8, 8, 8)
        box.setSpacing(6)
        box.addLayout(head)
        box.addLayout(self.stack, 1)
        box.addWidget(self.progress_text)
        box.addWidget(self.progress)
        self.set_active(False)
        self.show_empty("")

    def set_active(self, active: bool) -> None:
        """The keys (V, X, zoom, turn) act on the active pane."""
        colour = style.ACCENT if active else "#333b45"
        self.setStyleSheet(f"Pane#{self.objectName()} {{ background: {style.PANEL_2}; border: 2px solid {colour};"
                           f" border-radius: 6px; }}")

    def show_empty(self, text: str) -> None:
        """Nothing to show (a hint instead)."""
        self.document, self.still_id, self.live = None, None, False
        self.still.placeholder = text
        self.still.set_image(None)
        self.stack.setCurrentWidget(self.still)
        self.title.setText("")
        self.detail.setText("")
        self._buttons(None)

    def show_live(self) -> None:
        """The booth's live document camera."""
        self.document, self.still_id, self.live = None, None, True
        self.stack.setCurrentWidget(self.video)
        self._buttons(None)

    def show_still(self, entry: DocEntry, image: tuple[QImage, QImage] | None) -> None:
        """A still of the checklist (``image`` None while it decodes)."""
        same = self.still_id == entry.still.request_id
        self.document, self.still_id, self.live = entry.document, entry.still.request_id, False
        self.stack.setCurrentWidget(self.still)
        if image is None:
            self.still.placeholder = translate("Console", "Opening the still…")
            self.still.set_image(None)
        elif not same or self.still.full is None:
            self.still.set_image(*image, corners=entry.still.corners)
        self.render_entry(entry)

    def render_entry(self, entry: DocEntry | None) -> None:
        """Title, details and verdict buttons of the still shown."""
        if entry is None or entry.still is None:
            return
        ref = entry.still
        self.title.setText(f"{words.document(entry.document)} — {words.doc_status(entry.status)}")
        colour = style.DOC_COLOUR[entry.status]
        self.title.setStyleSheet(f"font-size: 18px; font-weight: 600; color: {colour};")
        z = self.still.scale() * 100 if self.still.full is not None else 0
        extra = ""
        if entry.status is DocStatus.REJECTED:
            extra = " · " + words.reason_short(entry.reason)
        elif entry.status is DocStatus.VERIFIED and not entry.confirmed:
            extra = " · " + translate("Console", "being recorded…")
        self.detail.setText(f"{ref.width}×{ref.height} · {words.size(ref.size)} · SHA-256 {ref.sha256[:12]}… · "
                            f"{z:.0f}% · {self.still.rotation}°{extra}")
        self._buttons(entry)

    def _buttons(self, entry: DocEntry | None) -> None:
        can = entry is not None and entry.status is DocStatus.RECEIVED
        self.verify_button.setVisible(can)
        self.reject_button.setVisible(can)

    def retranslate(self) -> None:
        self.video.placeholder = translate("Console", "Waiting for the booth's document camera…")
        self.video.update()
        self.verify_button.setText(translate("Console", "✔ Verify (V)"))
        self.reject_button.setText(translate("Console", "✘ Reject (X)"))

    def set_progress(self, text: str | None, value: int | None = None, maximum: int = 0) -> None:
        """A line (and a bar) about the outstanding request."""
        self.progress_text.setVisible(bool(text))
        if text:
            self.progress_text.setText(text)
        self.progress.setVisible(value is not None)
        if value is not None:
            self.progress.setMaximum(max(1, maximum))
            self.progress.setValue(min(value, max(1, maximum)))

    def mousePressEvent(self, event) -> None:
        self.activated.emit()
        super().mousePressEvent(event)


class Workspace(QFrame):
    """The focused booth's documents: a toolbar, one or two panes.

    Signals:
        close_requested(): the officer closes the documents (Esc).
        verify(object), reject(object): verdicts on the active pane's document.
    """

    close_requested = Signal()
    verify = Signal(object)
    reject = Signal(object)

    def __init__(self, decoder: StillDecoder, still_bytes: Callable[[str], bytes | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        self.decoder = decoder
        self._still_bytes = still_bytes
        self.decoder.decoded.connect(self._decoded)
        self.tile: TileView | None = None
        self._request_seen: str | None = None
        self._received_seen: set[str] = set()

        self.heading = QLabel()
        self.heading.setProperty("role", "title")
        self.picker = QHBoxLayout()
        self.picker.setSpacing(6)
        self.live_button = QPushButton()
        self.live_button.setCheckable(True)
        self.live_button.clicked.connect(lambda: self.show_live(self.active))
        self.picker.addWidget(self.live_button)
        self._doc_buttons: dict[DocumentKind, QPushButton] = {}
        self.side_button = QPushButton()
        self.side_button.setCheckable(True)
        self.side_button.toggled.connect(self.set_side_by_side)
        self.tools: dict[str, QPushButton] = {}
        tools = QHBoxLayout()
        tools.setSpacing(6)
        for key, slot in (("out", lambda: self.zoom(1 / 1.25)), ("in", lambda: self.zoom(1.25)),
                          ("fit", self.fit), ("whole", self.fit_whole), ("actual", self.actual_size), ("left", lambda: self.rotate(-90)),
                          ("right", lambda: self.rotate(90)), ("half", lambda: self.rotate(180))):
            b = QPushButton()
            b.clicked.connect(slot)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.tools[key] = b
            tools.addWidget(b)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.close_requested.emit)

        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(self.side_button)
        top.addLayout(tools)
        top.addWidget(self.close_button)
        pick_row = QHBoxLayout()
        pick_row.addLayout(self.picker)
        pick_row.addStretch(1)

        self.a = Pane("paneA")
        self.b = Pane("paneB")
        self.b.hide()
        self.active = self.a
        for pane in (self.a, self.b):
            pane.activated.connect(lambda pane=pane: self.set_active(pane))
            pane.verify.connect(self.verify.emit)
            pane.reject.connect(self.reject.emit)
            pane.still.changed.connect(lambda pane=pane: self._rerender(pane))
        panes = QHBoxLayout()
        panes.setSpacing(8)
        panes.addWidget(self.a, 1)
        panes.addWidget(self.b, 1)
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 8, 10, 10)
        box.setSpacing(6)
        box.addLayout(top)
        box.addLayout(pick_row)
        box.addLayout(panes, 1)
        self.a.set_active(True)
        self.retranslate()

    # ------------------------------------------------------------------ words

    def retranslate(self) -> None:
        self.live_button.setText(translate("Console", "Live camera"))
        self.side_button.setText(translate("Console", "Side by side (S)"))
        labels = {"out": translate("Console", "−"), "in": translate("Console", "+"),
                  "fit": translate("Console", "Document (F)"), "whole": translate("Console", "Whole still"),
                  "actual": translate("Console", "100% (Z)"),
                  "left": translate("Console", "⟲ 90°"), "right": translate("Console", "⟳ 90° (R)"),
                  "half": translate("Console", "180°")}
        tips = {"out": translate("Console", "Zoom out (−)"), "in": translate("Console", "Zoom in (+)"),
                "fit": translate("Console", "The document, as large as it fits (F)"),
                "whole": translate("Console", "The whole still, tray and all (Shift+F)"),
                "actual": translate("Console", "Full resolution: one still pixel per screen pixel (Z)"),
                "left": translate("Console", "Turn left (Shift+R)"), "right": translate("Console", "Turn right (R)"),
                "half": translate("Console", "Upside down")}
        for k, b in self.tools.items():
            b.setText(labels[k])
            b.setToolTip(tips[k])
        self.close_button.setText(translate("Console", "Close (Esc)"))
        self.a.retranslate()
        self.b.retranslate()
        self.render(self.tile)

    # ------------------------------------------------------------------ panes

    def set_active(self, pane: Pane) -> None:
        """Make ``pane`` the one the keys act on."""
        if pane is self.b and not self.b.isVisible():
            pane = self.a
        self.active = pane
        self.a.set_active(pane is self.a)
        self.b.set_active(pane is self.b and self.b.isVisible())
        self._sync_picker()

    def other_pane(self) -> None:
        """Tab: the other pane becomes active."""
        self.set_active(self.b if self.active is self.a else self.a)

    def set_side_by_side(self, on: bool) -> None:
        """Show two panes (e.g. the KTP next to the claim form)."""
        if self.side_button.isChecked() != on:
            self.side_button.setChecked(on)
            return
        self.b.setVisible(on)
        if on:
            if self.b.still_id is None:
                other = self._next_still(exclude=self.a.still_id)
                if other is not None:
                    self._load(self.b, other)
                else:
                    self.b.show_empty(translate("Console", "Pick a document above to show it here."))
            self.set_active(self.b)
        else:
            self.set_active(self.a)

    def show_live(self, pane: Pane | None = None) -> None:
        """The live document camera in a pane."""
        pane = pane or self.a
        pane.show_live()
        pane.title.setText(translate("Console", "Live document camera"))
        pane.title.setStyleSheet("font-size: 18px; font-weight: 600;")
        pane.detail.setText(translate("Console", "for placing the document; decide on the still"))
        self._sync_picker()

    def show_document(self, document: DocumentKind, pane: Pane | None = None) -> bool:
        """Show the still of ``document`` in a pane (the active one); False if there is none."""
        entry = self._entry(document)
        if entry is None or entry.still is None:
            return False
        self._load(pane or self.active, entry)
        return True

    def _load(self, pane: Pane, entry: DocEntry) -> None:
        rid = entry.still.request_id
        image = self.decoder.get(rid)
        if image is None and self.decoder.want(rid, lambda rid=rid: self._still_bytes(rid)):
            image = self.decoder.get(rid)  # a decoder that decodes at once (the naive benchmark's)
        pane.show_still(entry, image)
        self._sync_picker()

    @Slot(str)
    def _decoded(self, rid: str) -> None:
        for pane in (self.a, self.b):
            if pane.still_id == rid:
                entry = self._entry(pane.document)
                if entry is not None and entry.still is not None and entry.still.request_id == rid:
                    pane.show_still(entry, self.decoder.get(rid))

    def _rerender(self, pane: Pane) -> None:
        if pane.document is not None:
            pane.render_entry(self._entry(pane.document))

    # ------------------------------------------------------------------ the active pane's tools

    def zoom(self, factor: float) -> None:
        self.active.still.zoom_by(factor)

    def fit(self) -> None:
        self.active.still.fit()

    def fit_whole(self) -> None:
        self.active.still.fit(whole=True)

    def actual_size(self) -> None:
        self.active.still.actual_size()

    def rotate(self, degrees: int) -> None:
        self.active.still.rotate(degrees)

    def active_document(self) -> DocumentKind | None:
        """The document in the active pane (the one V and X decide on)."""
        return self.active.document

    # ------------------------------------------------------------------ render

    def _entry(self, document: DocumentKind | None) -> DocEntry | None:
        if self.tile is None or document is None:
            return None
        return next((e for e in self.tile.checklist if e.document is document), None)

    def _next_still(self, exclude: str | None) -> DocEntry | None:
        if self.tile is None:
            return None
        withs = [e for e in self.tile.checklist if e.still is not None and e.still.request_id != exclude]
        undecided = [e for e in withs if e.status is DocStatus.RECEIVED]
        return (undecided or withs or [None])[0]

    def render(self, tile: TileView | None) -> None:
        """Show the focused booth's documents."""
        new_booth = (tile is None) != (self.tile is None) or (tile and self.tile and
                                                              tile.session_id != self.tile.session_id)
        self.tile = tile
        if tile is None:
            self.heading.setText("")
            return
        self.heading.setText(translate("Console", "Documents of {ticket}").format(ticket=tile.ticket)
                             + (f" · {tile.name}" if tile.name else ""))
        received = {e.still.request_id for e in tile.checklist if e.still is not None}
        if new_booth:
            self._request_seen, self._received_seen = None, set(received)
            self.set_side_by_side(False)
            self.b.show_empty(translate("Console", "Pick a document above to show it here."))
            if tile.request is not None:
                self.show_live(self.a)
            else:
                first = self._next_still(exclude=None)
                if first is not None:
                    self._load(self.a, first)
                else:
                    self.show_live(self.a)
        # a new request: its live view; a new still: show it where the live view was
        if tile.request is not None and tile.request.request_id != self._request_seen:
            self._request_seen = tile.request.request_id
            if not self.a.live and not (self.b.isVisible() and self.b.live):
                self.show_live(self.a)
        for e in tile.checklist:
            if e.still is not None and e.still.request_id not in self._received_seen:
                self._received_seen.add(e.still.request_id)
                target = self.b if self.b.isVisible() and self.b.live else self.a
                self._load(target, e)
                self.set_active(target)
        for pane in (self.a, self.b):
            if pane.document is not None:
                entry = self._entry(pane.document)
                if entry is None or entry.still is None:
                    pane.show_empty("")
                elif entry.still.request_id != pane.still_id:
                    self._load(pane, entry)
                else:
                    pane.render_entry(entry)
        self._progress(tile)
        self._sync_picker()

    def _progress(self, tile: TileView) -> None:
        r = tile.request
        live = self.a if self.a.live else (self.b if self.b.live else self.a)
        for pane in (self.a, self.b):
            if pane is not live:
                pane.set_progress(None)
        if r is None:
            live.set_progress(None)
            return
        name = words.document(r.document)
        retry = ""
        if r.failures:
            retry = " " + translate("Console", "(attempt {n}: the last one arrived damaged)").format(n=r.failures + 1)
        if r.queue_position is None:
            live.set_progress(translate("Console", "{document} asked: the participant is placing it on the tray")
                              .format(document=name) + retry)
        elif r.queue_position > 0:
            live.set_progress(translate("Console", "{document} captured: waiting for its turn ({n} before it)")
                              .format(document=name, n=r.queue_position) + retry, 0, 1)
        else:
            live.set_progress(translate("Console", "{document} arriving: {got} of {size}")
                              .format(document=name, got=words.size(r.received_bytes), size=words.size(r.size))
                              + retry, r.received_bytes, r.size)

    def _sync_picker(self) -> None:
        tile = self.tile
        docs = [e for e in tile.checklist if e.still is not None] if tile else []
        wanted = [e.document for e in docs]
        if list(self._doc_buttons) != wanted:
            for b in self._doc_buttons.values():
                self.picker.removeWidget(b)
                b.deleteLater()
            self._doc_buttons = {}
            for e in docs:
                b = QPushButton()
                b.setCheckable(True)
                b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                b.clicked.connect(lambda _=False, d=e.document: self.show_document(d))
                self.picker.addWidget(b)
                self._doc_buttons[e.document] = b
        for e in docs:
            b = self._doc_buttons[e.document]
            text = f"{style.DOC_MARK[e.status]} {words.document(e.document)}"
            if b.text() != text:
                b.setText(text)
            b.setStyleSheet(f"color: {style.DOC_COLOUR[e.status]};")
            b.setChecked(self.active.document is e.document)
        self.live_button.setChecked(self.active.live)

