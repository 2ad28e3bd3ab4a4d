"""Small widgets of the booth screens: labels and buttons with a role, the keypad, the hold
ring, the document pictures, the document preview with its outline, the hidden corner.

None of them decides anything about the visit: they draw what they are given and call back.
"""
from __future__ import annotations

import time
from typing import Callable, Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QSizePolicy, QWidget

from common.documents import DocumentKind, DocumentShape, info
from kiosk.ui import theme
from qtview.video import VideoView, fit


def label(role: str = "", *, wrap: bool = True, align=Qt.AlignmentFlag.AlignLeft, name: str = "") -> QLabel:
    """A label with a style role ("title", "large", "muted", "huge", "code", "prompt", ...)."""
    w = QLabel()
    if role:
        w.setProperty("role", role)
    w.setWordWrap(wrap)
    w.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    w.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        w.setObjectName(name)
    return w


def button(name: str, on_click: Callable[[], None], role: str = "") -> QPushButton:
    """A touch button named ``name`` (tests find it by that name) calling ``on_click``."""
    b = QPushButton()
    b.setObjectName(name)
    if role:
        b.setProperty("role", role)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    b.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    b.clicked.connect(lambda _checked=False: on_click())
    return b


def card(role: str = "card") -> QFrame:
    """A framed panel."""
    f = QFrame()
    f.setProperty("role", role)
    return f


def set_text(w, text: str) -> None:
    """Set a label's or button's text only when it changed (no needless repaints)."""
    if w.text() != text:
        w.setText(text)


def set_role(w: QWidget, role: str) -> None:
    """Change a widget's style role (re-polished only when it changed)."""
    if w.property("role") != role:
        w.setProperty("role", role)
        w.style().unpolish(w)
        w.style().polish(w)


def show(w: QWidget, visible: bool) -> None:
    """Show or hide, only when it changes."""
    if w.isHidden() == visible:
        w.setVisible(visible)


class Keypad(QWidget):
    """An on-screen keypad of large keys (letters in ABC order, digits, a dash, delete, clear).

    Args:
        rows: the keys, row by row; "DEL" and "CLEAR" are special (their labels come from
            ``labels``).
        on_key: called with the key.
    """

    def __init__(self, rows: Sequence[Sequence[str]], on_key: Callable[[str], None], prefix: str = "key",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        self.keys: dict[str, QPushButton] = {}
        for r, row in enumerate(rows):
            c = 0
            for key in row:
                span = max(1, len(rows[0]) - len(row) + 1) if key == "DEL" else 1
                b = button(f"{prefix}_{key}", lambda k=key: on_key(k), "key")
                b.setText(key)
                b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
                grid.addWidget(b, r, c, 1, span)
                self.keys[key] = b
                c += span

    def set_label(self, key: str, text: str) -> None:
        """The text on a special key (translated by the screen)."""
        set_text(self.keys[key], text)


class HoldRing(QWidget):
    """A ring that fills while the document is held good and still; a tick when full."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = 0.0
        self.good = False
        self.setMinimumSize(96, 96)

    def set_progress(self, progress: float, good: bool) -> None:
        progress = max(0.0, min(1.0, progress))
        if abs(progress - self.progress) > 0.005 or good != self.good:
            self.progress, self.good = progress, good
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(150, 150)

    def paintEvent(self, _event) -> None:
        side = min(self.width(), self.height()) - 16
        rect = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor("#C9CCD2"), 14)
        p.setPen(pen)
        p.drawEllipse(rect)
        colour = QColor(theme.GOOD if self.good or self.progress >= 1 else theme.PRIMARY)
        pen = QPen(colour, 14)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        if self.progress > 0:
            p.drawArc(rect, 90 * 16, -int(360 * 16 * self.progress))
        if self.progress >= 1:
            pen = QPen(colour, 16)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            p.setPen(pen)
            c = rect.center()
            s = side / 4
            p.drawPolyline(QPolygonF([QPointF(c.x() - s, c.y()), QPointF(c.x() - s / 3, c.y() + s * 0.7),
                                      QPointF(c.x() + s, c.y() - s * 0.6)]))
        p.end()


class DocumentPicture(QWidget):
    """A simple picture of a kind of document (card, sheet, wide sheet, booklet), so a
    participant who does not know the name sees what to put down."""

    _CARD_COLOURS = {DocumentKind.KTP: "#5C8FD6", DocumentKind.MEMBERSHIP_CARD: "#2E9E5B"}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind: DocumentKind | None = None
        self.setMinimumSize(160, 120)

    def set_kind(self, kind: DocumentKind | None) -> None:
        if kind is not self.kind:
            self.kind = kind
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(300, 210)

    def paintEvent(self, _event) -> None:
        if self.kind is None:
            return
        shape = info(self.kind).shape
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width() - 12, self.height() - 12
        aspect = {DocumentShape.CARD: 85.6 / 54, DocumentShape.SHEET: 210 / 297,
                  DocumentShape.WIDE_SHEET: 330 / 215, DocumentShape.BOOKLET: 2 * 125 / 176,
                  DocumentShape.ANY: 210 / 297}[shape]
        dw = min(w, h * aspect)
        dh = dw / aspect
        r = QRectF((self.width() - dw) / 2, (self.height() - dh) / 2, dw, dh)
        ink = QColor(theme.INK)
        p.setPen(QPen(ink, 3))
        if shape is DocumentShape.CARD:
            self._card(p, r)
        elif shape is DocumentShape.BOOKLET:
            self._booklet(p, r)
        else:
            self._sheet(p, r, shape)
        p.end()

    def _lines(self, p: QPainter, x: float, y: float, width: float, n: int, step: float) -> None:
        p.setPen(QPen(QColor("#7A828E"), max(2.0, step / 4)))
        for i in range(n):
            length = width * (0.95 if i % 3 else 0.7)
            p.drawLine(QPointF(x, y + i * step), QPointF(x + length, y + i * step))

    def _card(self, p: QPainter, r: QRectF) -> None:
        colour = QColor(self._CARD_COLOURS.get(self.kind, "#8A7BD0"))
        p.setBrush(QColor("#F4F7FB"))
        p.drawRoundedRect(r, r.height() * 0.08, r.height() * 0.08)
        band = QRectF(r.left(), r.top(), r.width(), r.height() * 0.2)
        path = QPainterPath()
        path.addRoundedRect(r, r.height() * 0.08, r.height() * 0.08)
        p.save()
        p.setClipPath(path)
        p.fillRect(band, colour)
        p.restore()
        photo = QRectF(r.right() - r.width() * 0.3, r.top() + r.height() * 0.3, r.width() * 0.22, r.height() * 0.55)
        p.setPen(QPen(QColor(theme.INK), 2))
        p.setBrush(QColor("#D5DAE2"))
        p.drawRect(photo)
        head = QRectF(photo.center().x() - photo.width() * 0.22, photo.top() + photo.height() * 0.15,
                      photo.width() * 0.44, photo.width() * 0.44)
        p.setBrush(QColor("#8A93A1"))
        p.drawEllipse(head)
        self._lines(p, r.left() + r.width() * 0.07, r.top() + r.height() * 0.36, r.width() * 0.55, 5,
                    r.height() * 0.11)

    def _sheet(self, p: QPainter, r: QRectF, shape: DocumentShape) -> None:
        p.setBrush(QColor("#FFFFFF"))
        p.drawRect(r)
        if shape is DocumentShape.WIDE_SHEET:  # the family card: a table
            p.setPen(QPen(QColor("#7A828E"), 2))
            top = r.top() + r.height() * 0.25
            for i in range(6):
                y = top + i * (r.height() * 0.65 / 5)
                p.drawLine(QPointF(r.left() + r.width() * 0.05, y), QPointF(r.right() - r.width() * 0.05, y))
            for i in range(7):
                x = r.left() + r.width() * 0.05 + i * (r.width() * 0.9 / 6)
                p.drawLine(QPointF(x, top), QPointF(x, top + r.height() * 0.65))
            self._lines(p, r.left() + r.width() * 0.3, r.top() + r.height() * 0.1, r.width() * 0.4, 1, 1)
            return
        head = QRectF(r.left() + r.width() * 0.1, r.top() + r.height() * 0.06, r.width() * 0.8, r.height() * 0.08)
        p.fillRect(head, QColor("#9AA3AF") if self.kind is not DocumentKind.CLAIM_FORM else QColor("#2E9E5B"))
        if self.kind is DocumentKind.CLAIM_FORM:  # boxes to fill in
            p.setPen(QPen(QColor("#7A828E"), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            for i in range(6):
                y = r.top() + r.height() * (0.22 + i * 0.11)
                p.drawRect(QRectF(r.left() + r.width() * 0.1, y, r.width() * 0.8, r.height() * 0.07))
            return
        self._lines(p, r.left() + r.width() * 0.1, r.top() + r.height() * 0.24, r.width() * 0.8, 9, r.height() * 0.06)
        if self.kind is DocumentKind.TERMINATION_LETTER:  # a signature and a stamp
            p.setPen(QPen(QColor("#1F3F8F"), 3))
            c = QPointF(r.right() - r.width() * 0.28, r.bottom() - r.height() * 0.12)
            p.drawEllipse(c, r.width() * 0.09, r.width() * 0.09)

    def _booklet(self, p: QPainter, r: QRectF) -> None:
        half = r.width() / 2
        p.setBrush(QColor("#FFFFFF"))
        p.drawRect(QRectF(r.left(), r.top(), half, r.height()))
        p.drawRect(QRectF(r.left() + half, r.top(), half, r.height()))
        p.fillRect(QRectF(r.left() + half * 0.1, r.top() + r.height() * 0.08, half * 0.8, r.height() * 0.12),
                   QColor("#C8973A"))
        self._lines(p, r.left() + half * 1.1, r.top() + r.height() * 0.15, half * 0.8, 8, r.height() * 0.09)
        self._lines(p, r.left() + half * 0.1, r.top() + r.height() * 0.35, half * 0.8, 6, r.height() * 0.09)


class OutlinedVideoView(VideoView):
    """A video view that draws the document's detected outline over the picture.

    The outline comes in fractions of the camera frame; :attr:`source_size` is the camera
    frame's size (set by whoever feeds the view).
    """

    def __init__(self, parent: QWidget | None = None, placeholder: str = "") -> None:
        super().__init__(parent, placeholder)
        self.source_size: tuple[int, int] = (16, 9)
        self._outline: tuple[tuple[float, float], ...] | None = None
        self._good = False

    def set_outline(self, outline: tuple[tuple[float, float], ...] | None, good: bool) -> None:
        if outline != self._outline or good != self._good:
            self._outline, self._good = outline, good
            self.update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._outline or self.last_frame_age is None:
            return
        ratio = self.devicePixelRatioF()
        sw, sh = self.source_size
        w, h = fit(sw, sh, QSize(int(self.width() * ratio), int(self.height() * ratio)))
        w, h = w / ratio, h / ratio
        x0, y0 = (self.width() - w) / 2, (self.height() - h) / 2
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor("#3BD16F" if self._good else "#FFD23F"), 6)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.drawPolygon(QPolygonF([QPointF(x0 + fx * w, y0 + fy * h) for fx, fy in self._outline]))
        p.end()


class HiddenCorner(QWidget):
    """An invisible corner: ``taps`` taps within ``seconds`` call ``on_gesture`` (the
    technician's way in)."""

    def __init__(self, on_gesture: Callable[[], None], parent: QWidget | None = None, *, taps: int = 5,
                 seconds: float = 4.0) -> None:
        super().__init__(parent)
        self.setObjectName("technician_corner")
        self._on_gesture, self._taps, self._seconds = on_gesture, taps, seconds
        self._times: list[float] = []
        self.resize(120, 120)

    def mousePressEvent(self, event) -> None:
        now = time.monotonic()
        self._times = [t for t in self._times if now - t < self._seconds] + [now]
        if len(self._times) >= self._taps:
            self._times = []
            self._on_gesture()
        event.accept()


class Busy(QWidget):
    """Three dots that pulse while something is being checked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._step = 0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self.setFixedHeight(60)

    def showEvent(self, event) -> None:
        self._timer.start(400)
        super().showEvent(event)

    def hideEvent(self, event) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def _tick(self) -> None:
        self._step = (self._step + 1) % 3
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = 14
        cx, cy = self.width() / 2, self.height() / 2
        for i in range(3):
            p.setBrush(QColor(theme.PRIMARY if i == self._step else "#B8C2D0"))
            p.setPen(Qt.PenStyle.NoPen)
            p.drawEllipse(QPointF(cx + (i - 1) * 50, cy), r, r)
        p.end()


def bold(font: QFont, size_pt: int) -> QFont:
    """A bold copy of ``font`` at ``size_pt``."""
    f = QFont(font)
    f.setPointSize(size_pt)
    f.setBold(True)
    return f

