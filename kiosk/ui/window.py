"""The booth's one window: a language bar, one screen per :class:`kiosk.flow.Screen`, and what
shows over any screen (a short notice, "are you still there?", "reconnecting", "are you sure
you want to leave?", a device note).

:meth:`KioskWindow.render` takes a :class:`kiosk.flow.BoothView` (from
:class:`qtview.bridge.AppBridge` on the GUI thread) and shows it; every touch becomes an intent
for ``post``. The window works without an app too (``feeds=None``): tests and screenshots
render views into it.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLayout, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from common.language import Language
from kiosk import flow as f
from kiosk.flow import BoothView, CallPhase, Screen
from kiosk.ui import screens as sc
from kiosk.ui import theme, words
from kiosk.ui.widgets import button, card, label, set_text, show
from qtview.i18n import Translations

logger = logging.getLogger(__name__)
translate = QCoreApplication.translate

I18N = Path(__file__).resolve().parents[1] / "i18n"
"""Where kiosk_<lang>.ts (and the built .qm) live."""

_PREVIEW_FACE = {Screen.CHECK_IN, Screen.CODE_ENTRY, Screen.CALL}
_PREVIEW_TRAY = {Screen.DOCUMENT}
_CALL_SCREENS = {Screen.CALL, Screen.DOCUMENT}


class TechnicianTools(QObject):
    """Runs the technician's tools (:mod:`kiosk.techtools`) in a worker thread; the answer comes
    back on the GUI thread."""

    _done = Signal(object, str)

    def __init__(self, config: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self._done.connect(lambda cb, text: cb(text))

    def run(self, what: str, role: str | None, done: Callable[[str], None]) -> None:
        from kiosk import techtools

        def work() -> None:
            self._done.emit(done, techtools.run(what, self.config, role))

        threading.Thread(target=work, name=f"tech-{what}", daemon=True).start()


class Overlay(QFrame):
    """A veil over the whole window with a dialog in the middle."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setProperty("role", "veil")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        self.dialog = card("dialog")
        self.box = QVBoxLayout(self.dialog)
        self.box.setContentsMargins(40, 32, 40, 32)
        self.box.setSpacing(22)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.dialog, 6)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self.hide()

    def mousePressEvent(self, event) -> None:
        event.accept()  # touches on the veil do not reach the screen below


class KioskWindow(QWidget):
    """The booth's full-screen window.

    Args:
        post: hands an intent to the app (:meth:`qtview.bridge.AppBridge.post`).
        translations: switches Qt's language.
        feeds: the pictures (:class:`kiosk.ui.feeds.BoothFeeds`), or None for none.
        tools: the technician's tools, or None.
    """

    def __init__(self, post: Callable[[object], None], translations: Translations | None = None, feeds=None,
                 tools=None) -> None:
        super().__init__()
        self.setObjectName("KioskWindow")
        self.setWindowTitle("lapak booth")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._post = post
        self.translations = translations or Translations(I18N, "kiosk")
        self.feeds = feeds
        self.view: BoothView | None = None
        self.rendered = 0
        self._sizes = None
        self._last_touch = 0.0
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        # the window's size is the screen's: the content never makes it grow (the tests check
        # that every screen fits a 1366x768 booth screen instead)
        outer.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        # the top bar: the language buttons
        self.bar = card("bar")
        bar = QHBoxLayout(self.bar)
        bar.setContentsMargins(24, 10, 24, 10)
        self.bar_title = label("muted", wrap=False)
        bar.addWidget(self.bar_title)
        bar.addStretch(1)
        self.lang_buttons: dict[Language, object] = {}
        for lang in Language:
            b = button(f"lang_{lang.value}", lambda l=lang: self.post(f.ChooseLanguage(l)), "lang")
            b.setText(words.LANGUAGE_NAMES[lang.value])
            self.lang_buttons[lang] = b
            bar.addWidget(b)
        outer.addWidget(self.bar)
        # the screens
        self.content = QWidget()
        cbox = QVBoxLayout(self.content)
        self.content_box = cbox
        self.stack = QStackedWidget()
        cbox.addWidget(self.stack, 1)
        self.fault = card("fault")
        fbox = QHBoxLayout(self.fault)
        fbox.setContentsMargins(16, 8, 16, 8)
        self.fault_text = label("", name="fault_note")
        fbox.addWidget(self.fault_text)
        self.fault.hide()
        cbox.addWidget(self.fault)
        outer.addWidget(self.content, 1)
        p = self.post
        self.screens: dict[Screen, sc.Screen] = {
            Screen.ATTRACT: sc.AttractScreen(p),
            Screen.PRIVACY: sc.PrivacyScreen(p),
            Screen.CHECK_IN: sc.CheckInScreen(p),
            Screen.CODE_ENTRY: sc.CodeEntryScreen(p),
            Screen.CHECKING: sc.CheckingScreen(p),
            Screen.TICKET: sc.TicketScreen(p),
            Screen.WAITING: sc.WaitingScreen(p),
            Screen.CALL: sc.CallScreen(p),
            Screen.DOCUMENT: sc.DocumentScreen(p),
            Screen.END: sc.EndScreen(p),
            Screen.OUT_OF_SERVICE: sc.OutOfServiceScreen(p),
            Screen.TECHNICIAN: sc.TechnicianScreen(p, tools),
        }
        for s in self.screens.values():
            self.stack.addWidget(s)
            s.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        # over every screen
        self.still_there = Overlay(self)
        self.still_there.setObjectName("still_there")
        self.st_title = label("title", align=Qt.AlignmentFlag.AlignHCenter)
        self.st_text = label("large", align=Qt.AlignmentFlag.AlignHCenter, name="still_there_text")
        self.st_yes = button("still_here", lambda: self.post(f.ImStillHere()), "primary")
        self.st_yes.setMinimumHeight(120)
        for w in (self.st_title, self.st_text, self.st_yes):
            self.still_there.box.addWidget(w)
        self.leave_q = Overlay(self)
        self.leave_q.setObjectName("confirm_leave")
        self.lq_title = label("title", align=Qt.AlignmentFlag.AlignHCenter)
        self.lq_text = label("large", align=Qt.AlignmentFlag.AlignHCenter)
        self.lq_stay = button("stay", lambda: self.post(f.StayInVisit()), "primary")
        self.lq_leave = button("confirm_leave_yes", lambda: self.post(f.LeaveVisit()))
        self.leave_q.box.addWidget(self.lq_title)
        self.leave_q.box.addWidget(self.lq_text)
        row = QHBoxLayout()
        row.setSpacing(30)
        row.addWidget(self.lq_leave)
        row.addStretch(1)
        row.addWidget(self.lq_stay)
        self.leave_q.box.addLayout(row)
        # a short notice floats over the top of the screen (it must not push the screen down)
        self.notice = label("notice", name="notice", align=Qt.AlignmentFlag.AlignHCenter)
        self.notice.setParent(self)
        self.notice.hide()
        self.reconnecting = QFrame(self)
        self.reconnecting.setObjectName("reconnecting")
        self.reconnecting.setProperty("role", "banner")
        rbox = QVBoxLayout(self.reconnecting)
        rbox.setContentsMargins(30, 18, 30, 18)
        self.rc_title = label("large", align=Qt.AlignmentFlag.AlignHCenter)
        self.rc_text = label("", align=Qt.AlignmentFlag.AlignHCenter)
        rbox.addWidget(self.rc_title)
        rbox.addWidget(self.rc_text)
        self.reconnecting.hide()
        if feeds is not None:
            call: sc.CallScreen = self.screens[Screen.CALL]  # type: ignore[assignment]
            doc: sc.DocumentScreen = self.screens[Screen.DOCUMENT]  # type: ignore[assignment]
            checkin: sc.CheckInScreen = self.screens[Screen.CHECK_IN]  # type: ignore[assignment]
            code: sc.CodeEntryScreen = self.screens[Screen.CODE_ENTRY]  # type: ignore[assignment]
            feeds.add_officer_view(call.officer)
            feeds.add_officer_view(doc.officer)
            if feeds.face is not None:
                feeds.face.views += [checkin.self_view.video, code.self_view.video, call.self_view]
            if feeds.document is not None:
                feeds.document.views.append(doc.preview)
        self.apply_sizes(force=True)
        QCoreApplication.instance().installEventFilter(self)

    # ------------------------------------------------------------------ input

    def post(self, intent: object) -> None:
        self._post(intent)

    def eventFilter(self, obj, event) -> bool:
        """Any touch anywhere tells the flow the participant is there (at most once a second)."""
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin) and (
                obj is self.windowHandle() or (isinstance(obj, QWidget) and obj.window() is self)):
            now = time.monotonic()
            if now - self._last_touch > 1.0:
                self._last_touch = now
                self.post(f.Touch())
        return False

    def keyPressEvent(self, event) -> None:
        """A keyboard (development, or a booth with one) types the booking code."""
        v = self.view
        if v is None or v.screen is not Screen.CODE_ENTRY:
            return super().keyPressEvent(event)
        key, text = event.key(), event.text().upper()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.post(f.SubmitCode())
        elif key == Qt.Key.Key_Backspace:
            self.post(f.KeyPress("DEL"))
        elif len(text) == 1 and (text.isalnum() or text == "-"):
            self.post(f.KeyPress(text))

    # ------------------------------------------------------------------ layout

    def apply_sizes(self, force: bool = False) -> None:
        """Restyle for the window's size (bigger type on bigger screens)."""
        s = theme.sizes_for(max(self.width(), 640), max(self.height(), 360))
        if s != self._sizes or force:
            self._sizes = s
            self.setStyleSheet(theme.stylesheet(s))
            self.content_box.setContentsMargins(s.margin, s.gap, s.margin, s.gap)
            self.content_box.setSpacing(s.gap)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.apply_sizes()
        for o in (self.still_there, self.leave_q):
            o.setGeometry(self.rect())
        self._place_banner()
        if self.notice.isVisible():
            self._place_notice()

    def _place_banner(self) -> None:
        w = int(self.width() * 0.8)
        h = self.reconnecting.heightForWidth(w) if self.reconnecting.hasHeightForWidth() else -1
        h = max(h, self.reconnecting.sizeHint().height())
        self.reconnecting.setGeometry((self.width() - w) // 2, int(self.height() * 0.12), w, h)

    def _place_notice(self) -> None:
        w = int(self.width() * 0.9)
        h = self.notice.heightForWidth(w)
        self.notice.setGeometry((self.width() - w) // 2, 6, w, max(h, 60))

    # ------------------------------------------------------------------ the view

    def render(self, view: BoothView) -> None:
        """Show ``view``."""
        previous, self.view = self.view, view
        self.rendered += 1
        if self.translations.language != view.language.value:
            try:
                self.translations.use(view.language.value)
            except (FileNotFoundError, RuntimeError) as exc:
                logger.warning("language %s: %s", view.language.value, exc)
        screen = self.screens[view.screen]
        screen.render(view)
        if self.stack.currentWidget() is not screen:
            old = self.stack.currentWidget()
            if old is not None:  # a hidden screen's size must not count
                old.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            screen.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
            self.stack.setCurrentWidget(screen)
        self._render_bar(view)
        self._render_over(view)
        self._render_feeds(view, previous)

    def _render_bar(self, view: BoothView) -> None:
        show(self.bar, view.language_choice and view.screen is not Screen.TECHNICIAN)
        set_text(self.bar_title, translate("Kiosk", "Language:"))
        for lang, b in self.lang_buttons.items():
            show(b, lang in view.languages)
            current = "true" if lang is view.language else "false"
            if b.property("current") != current:
                b.setProperty("current", current)
                b.style().unpolish(b)
                b.style().polish(b)

    def _render_over(self, view: BoothView) -> None:
        text = words.notice(view.notice) if view.notice is not None else ""
        if text != self.notice.text() or bool(text) != self.notice.isVisible():
            set_text(self.notice, text)
            self.notice.setVisible(bool(text))
            if text:
                self._place_notice()
                self.notice.raise_()
        # "are you still there?"
        st = view.still_there_left is not None
        if st:
            set_text(self.st_title, translate("Kiosk", "Are you still there?"))
            set_text(self.st_text, translate("Kiosk", "If you are still here, please touch the button. Otherwise "
                                                      "your visit ends in {seconds} seconds.")
                     .format(seconds=int(view.still_there_left + 0.99)))
            set_text(self.st_yes, translate("Kiosk", "Yes, I am still here"))
        self._overlay(self.still_there, st)
        # "are you sure you want to leave?"
        lq = view.confirm_leave and not st
        if lq:
            set_text(self.lq_title, translate("Kiosk", "Do you want to leave?"))
            if view.screen in _CALL_SCREENS:
                set_text(self.lq_text, translate("Kiosk", "Your conversation with the officer will end."))
            else:
                set_text(self.lq_text, translate("Kiosk", "You will lose your place in the queue."))
            set_text(self.lq_stay, translate("Kiosk", "No, stay"))
            set_text(self.lq_leave, translate("Kiosk", "Yes, leave"))
        self._overlay(self.leave_q, lq)
        # reconnecting
        rc = view.reconnecting
        if rc:
            set_text(self.rc_title, translate("Kiosk", "The connection was lost. Reconnecting…"))
            set_text(self.rc_text, translate("Kiosk", "Please stay here: your visit will continue by itself."))
        if rc != self.reconnecting.isVisible():
            self.reconnecting.setVisible(rc)
            if rc:
                self._place_banner()
                self.reconnecting.raise_()
        # device notes that matter to the participant
        notes = [words.fault(role) for role, _ in view.faults] if view.screen not in (
            Screen.TECHNICIAN, Screen.OUT_OF_SERVICE, Screen.ATTRACT) else []
        notes = [n for n in notes if n]
        set_text(self.fault_text, "\n".join(notes))
        show(self.fault, bool(notes))

    def _overlay(self, overlay: Overlay, on: bool) -> None:
        if on != overlay.isVisible():
            overlay.setGeometry(self.rect())
            overlay.setVisible(on)
            if on:
                overlay.raise_()

    def _render_feeds(self, view: BoothView, previous: BoothView | None) -> None:
        feeds = self.feeds
        if feeds is None:
            return
        if feeds.face is not None:
            feeds.face.set_on(view.screen in _PREVIEW_FACE)
        if feeds.document is not None:
            feeds.document.set_on(view.screen in _PREVIEW_TRAY)
        if view.call_phase is not None:
            feeds.sync_officer(view.call_phase is not CallPhase.ON_HOLD)
        else:
            feeds.sync_officer(False)
        if view.screen is Screen.ATTRACT and (previous is None or previous.screen is not Screen.ATTRACT):
            self.forget_pictures()

    def closeEvent(self, event) -> None:
        """Take this window's translator out of the application (translators are global)."""
        self.translations.use(self.translations.source_language)
        super().closeEvent(event)

    def forget_pictures(self) -> None:
        """Drop every picture the views still hold (the participant's face, their documents,
        the officer): part of the wipe."""
        for s in self.screens.values():
            for v in s.videos():
                v.clear()
