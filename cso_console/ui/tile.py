"""One booth's tile: live face video, who is there, the state, the time, the link, the alarm.

It renders a :class:`cso_console.desk.TileView` (or an empty slot) and says when it was clicked;
what a click means is the desk's business.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics, QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from cso_console.desk import LinkQuality, TileState, TileView
from cso_console.ui import style, words
from qtview.video import VideoView
from signaling.protocol import SessionState

translate = words.translate


def _set(label: QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)


def _set_style(widget: QWidget, sheet: str) -> None:
    if widget.styleSheet() != sheet:
        widget.setStyleSheet(sheet)


class ElidedLabel(QLabel):
    """A one-line label that ends in "…" when it does not fit (instead of being cut mid-word)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._full = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:  # the whole text, as given
        return self._full

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(0, self.width()))
        if super().text() != shown:
            super().setText(shown)


class BoothTile(QFrame):
    """A booth tile.

    Args:
        slot: 1..capacity (the key that focuses it).
        parent: the Qt parent.

    Signals:
        clicked(int): the officer clicked the tile (its slot).
        accept(str): the officer pressed the tile's Accept button (a session offered while
            auto-accept is off).
    """

    clicked = Signal(int)
    accept = Signal(str)

    def __init__(self, slot: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slot = slot
        self.tile: TileView | None = None
        self.session_id: str | None = None
        self._compact = False
        self.setObjectName(f"tile{slot}")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(220, 180)

        self.key = QLabel(str(slot))
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key.setFixedSize(30, 30)
        self.ticket = QLabel()
        self.name = ElidedLabel()
        self.name.setProperty("role", "muted")
        self.pill = QLabel()
        self.pill.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pill.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        self.check = QLabel()  # stills that wait for the officer's decision
        self.check.setStyleSheet("color: #f39c12; font-weight: 700;")
        self.check.hide()
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.setSpacing(8)
        head.addWidget(self.key)
        head.addWidget(self.ticket)
        head.addWidget(self.name, 1)
        head.addWidget(self.check)
        head.addWidget(self.pill)
        self._head = head

        self.video = VideoView(self)
        self.video.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.video.setMinimumHeight(90)
        self.notice = QLabel(self.video)  # over the picture: reconnecting, a broken device, a free slot
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.accept_button = QPushButton(self.video)
        self.accept_button.setProperty("role", "primary")
        self.accept_button.hide()
        self.accept_button.clicked.connect(lambda: self.tile and self.accept.emit(self.tile.session_id))

        self.info = ElidedLabel()
        self.wait = QLabel()
        self.link = QLabel()
        self.link.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        foot = QHBoxLayout()
        foot.setContentsMargins(0, 0, 0, 0)
        foot.setSpacing(10)
        foot.addWidget(self.info, 1)
        foot.addWidget(self.wait)
        foot.addWidget(self.link)
        self._foot = foot

        box = QVBoxLayout(self)
        box.setContentsMargins(8, 6, 8, 6)
        box.setSpacing(5)
        box.addLayout(head)
        box.addWidget(self.video, 1)
        box.addLayout(foot)
        self._border = ""
        self._banner = False
        self.set_compact(False)
        self.render(None)

    # ------------------------------------------------------------------ layout

    def set_compact(self, compact: bool) -> None:
        """Small tiles (the strip above the documents) keep the key, ticket, state and alarm."""
        self._compact = compact
        # a small tile keeps the key and ticket on top, the state and the time below
        if compact:
            self._head.removeWidget(self.pill)
            self._foot.insertWidget(0, self.pill)
        else:
            self._foot.removeWidget(self.pill)
            self._head.addWidget(self.pill)
        big = 15 if compact else 22
        _set_style(self.ticket, f"font-size: {big}px; font-weight: 700;")
        _set_style(self.pill, "")
        self.name.setVisible(not compact)
        self.info.setVisible(not compact)
        self.render(self.tile)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_overlays()

    def _place_overlays(self) -> None:
        r = self.video.rect()
        if self._banner:  # a problem: a band over the top of the picture, the face stays visible
            self.notice.setFixedWidth(max(10, r.width() - 16))
            h = self.notice.heightForWidth(self.notice.width())
            self.notice.setGeometry(8, 8, r.width() - 16, max(30, min(h, r.height() - 16)))
        else:
            self.notice.setMinimumWidth(0)
            self.notice.setMaximumWidth(16777215)
            self.notice.setGeometry(r.adjusted(10, 10, -10, -10))
        b = self.accept_button
        b.adjustSize()
        b.move((r.width() - b.width()) // 2, r.height() - b.height() - 12)

    # ------------------------------------------------------------------ render

    def retranslate(self) -> None:
        """Words change with the language."""
        self.accept_button.setText(translate("Console", "Accept"))
        self.render(self.tile)

    def render(self, t: TileView | None) -> None:
        """Show ``t`` (None: a free slot)."""
        self.tile = t
        if t is None:
            self.check.hide()
            _set(self.ticket, "")
            _set(self.name, "")
            self.pill.hide()
            _set(self.info, "")
            _set(self.wait, "")
            _set(self.link, "")
            self.accept_button.hide()
            self._notice(translate("Console", "Free"), "#66707c", dark=False, banner=False)
            self._frame(None)
            return
        _set(self.ticket, t.ticket)
        who = t.name or words.kind(t.kind)
        if t.booking_code:
            who = f"{who} · {t.booking_code}"
        _set(self.name, who)
        if t.to_check:
            names = ", ".join(words.document_short(d) for d in t.to_check)
            _set(self.check, f"● {len(t.to_check)}" if self._compact
                 else translate("Console", "● check {documents}").format(documents=names))
            self.check.setToolTip(translate("Console", "A still waits for your decision: {documents}").format(
                documents=", ".join(words.document(d) for d in t.to_check)))
        self.check.setVisible(bool(t.to_check))
        self.pill.show()
        _set(self.pill, words.state(t.state))
        pill_px = 12 if self._compact else 15
        _set_style(self.pill, style.pill(t.state) + f" font-size: {pill_px}px;")
        font = self.pill.font()
        font.setPixelSize(pill_px)
        font.setBold(True)
        self.pill.setMinimumWidth(QFontMetrics(font).horizontalAdvance(self.pill.text()) + 20)
        _set(self.info, f"{words.language_short(t.language)} · {words.service(t.service)}")
        self.info.setToolTip(f"{words.language(t.language)} · {words.service(t.service)}")
        if t.waiting is not None and self._compact:
            _set(self.wait, words.duration(t.waiting))  # its colour says it is waiting
            self.wait.setToolTip(translate("Console", "waiting {time}").format(time=words.duration(t.waiting)))
            colour = style.ALARM if t.alarm else "#f39c12"
            _set_style(self.wait, f"color: {colour}; font-weight: 700;")
        elif t.waiting is not None:
            _set(self.wait, translate("Console", "waiting {time}").format(time=words.duration(t.waiting)))
            colour = style.ALARM if t.alarm else "#f39c12"
            _set_style(self.wait, f"color: {colour}; font-weight: 700;")
        elif self._compact:
            _set(self.wait, words.duration(t.in_session))
            _set_style(self.wait, f"color: {style.TEXT};")
        else:
            _set(self.wait, translate("Console", "in session {time}").format(time=words.duration(t.in_session)))
            _set_style(self.wait, f"color: {style.TEXT};")
        link = "●" if self._compact else "● " + words.quality(t.quality)
        if t.loss is not None and not self._compact and t.quality in (LinkQuality.FAIR, LinkQuality.BAD):
            link += f" {t.loss * 100:.0f}%"
        _set(self.link, link)
        _set_style(self.link, f"color: {style.QUALITY_COLOUR[t.quality]};")
        tip = translate("Console", "Connection: {loss} packet loss, {rtt} round trip, {fps} frames/s").format(
            loss="–" if t.loss is None else f"{t.loss * 100:.1f}%", rtt="–" if t.rtt_ms is None else f"{t.rtt_ms:.0f} ms",
            fps="–" if t.fps is None else f"{t.fps:.0f}")
        self.link.setToolTip(tip)
        offered = t.session_state is SessionState.OFFERED
        self.accept_button.setVisible(offered and not t.busy)
        if offered:
            self._place_overlays()
        if TileState.RECONNECTING in t.flags:
            self._notice(translate("Console", "Reconnecting to the booth…"), "#ffb266", banner=True)
        elif t.faults:
            lines = [f"⚠ {words.device(role)}: {message}" for role, message in t.faults]
            self._notice("\n".join(lines), "#ff8a80", banner=True)
        elif offered:
            self._notice(translate("Console", "New participant"), "#f39c12", banner=False)
        else:
            self.notice.hide()
        self.video.set_dimmed(TileState.RECONNECTING in t.flags)
        self._frame(t)

    def _notice(self, text: str, colour: str, dark: bool = True, banner: bool = False) -> None:
        _set(self.notice, text)
        self._banner = banner
        bg = "rgba(0, 0, 0, 190)" if dark else "transparent"
        px = 13 if self._compact else (17 if banner else 20)
        _set_style(self.notice, f"color: {colour}; background: {bg}; font-size: {px}px; font-weight: 700;"
                                f" border-radius: 6px; padding: 6px;")
        self.notice.show()
        self._place_overlays()
        self.notice.raise_()
        self.accept_button.raise_()

    def _frame(self, t: TileView | None) -> None:
        if t is None:
            border, key_bg = "2px dashed #333b45", "#2c333c"
        elif t.alarm:
            border, key_bg = f"4px solid {style.ALARM}", style.ALARM
        elif t.focused:
            border, key_bg = f"4px solid {style.ACCENT}", style.ACCENT
        else:
            border, key_bg = "2px solid #333b45", "#3a424d"
        sheet = f"BoothTile {{ background: {style.PANEL}; border: {border}; border-radius: 8px; }}"
        if sheet != self._border:
            self._border = sheet
            self.setStyleSheet(sheet)
        _set_style(self.key, f"background: {key_bg}; color: white; border-radius: 4px; font-size: 17px;"
                             f" font-weight: 700;")

    # ------------------------------------------------------------------ input

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.tile is not None:
            self.clicked.emit(self.slot)
        super().mousePressEvent(event)
