"""The officer's window: every booth at a glance, the one in conversation beside them, the queue,
and the documents.

Layout (1920x1080, a 24" monitor)::

    ┌ top bar: officer · server · decisions being recorded · auto-accept · language · keys ┐
    │ ┌ tile 1 ┐┌ tile 2 ┐┌ tile 3 ┐                     │ focused booth: who, state,     │
    │ │ face   ││ face   ││ face   │                     │ Accept/Hold/Transfer/End,      │
    │ └────────┘└────────┘└────────┘                     │ prompts F1.., claim checklist  │
    │ ┌ tile 4 ┐┌ tile 5 ┐┌ tile 6 ┐                     ├────────────────────────────────┤
    │ └────────┘└────────┘└────────┘                     │ queue: ticket, who, lang, wait │
    └ notice line ─────────────────────────────────────────────────────────────────────────┘

With the focused booth's documents open (a request opens them; L or Esc toggles), the tiles
become one row of small tiles above the document workspace, so who waits stays in view.

Everything shown comes from the newest :class:`cso_console.desk.DeskView`; every click and key is
an intent posted to the app (:class:`qtview.bridge.AppBridge`). Ending, transferring and
rejecting ask first.
"""
from __future__ import annotations

import functools
import logging
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from common.documents import DocumentKind
from cso_console import desk as dk
from cso_console.config import ConsoleConfig
from cso_console.desk import DeskView, DocStatus, TileView
from cso_console.ui import style, words
from cso_console.ui.dialogs import EndDialog, KeysDialog, RejectDialog, TransferDialog
from cso_console.ui.panel import BoothPanel, QueuePanel, SelfViewPanel
from cso_console.ui.stills import StillDecoder, Workspace
from cso_console.ui.tile import BoothTile
from qtview.preview import LocalPreview
from qtview.video import VideoView
from signaling.protocol import SessionState

logger = logging.getLogger(__name__)
translate = words.translate

STRIP_HEIGHT = 230
"""Pixels of the row of small tiles above the documents."""

NOTICE_MS = 30_000
"""How long a new problem stays in the notice line (ms); the newest five stay in its tooltip."""


class ConsoleWindow(QMainWindow):
    """The desk on screen.

    Args:
        bridge: the app's bridge (:class:`qtview.bridge.AppBridge`, or anything with
            ``view_changed``, ``post``, ``call`` and an ``app`` with ``still`` and ``watch``).
        config: the console's config (officer's name, prompt texts).
        translations: switches the language (None: no switch offered).

    Signals:
        language_changed(str): the officer switched the language.
    """

    language_changed = Signal(str)

    def __init__(self, bridge: Any, config: ConsoleConfig | None = None, translations: Any = None) -> None:
        super().__init__()
        self.bridge = bridge
        self.config = config
        self.translations = translations
        self.view: DeskView | None = None
        self.ask_before_closing = False
        self.dialog: QDialog | None = None
        """The confirmation open now (tests answer it)."""
        self._attached: dict[int, tuple[str | None, str]] = {}
        self._notices_seen: tuple = ()
        self._docs_mode: bool | None = None
        self._pending_view: DocumentKind | None = None
        self.setWindowTitle("lapak")
        self.setStyleSheet(style.SHEET)
        self.resize(1920, 1080)

        # -- top bar
        self.officer = QLabel()
        self.officer.setStyleSheet("font-size: 20px; font-weight: 700;")
        self.server = QLabel()
        self.pending = QLabel()
        self.own_devices = QLabel()
        """The officer's own microphone or loudspeaker not working (stays while it is so)."""
        self.own_devices.setStyleSheet(f"color: {style.ALARM}; font-weight: 700;")
        self.own_devices.hide()
        self.auto_accept = QCheckBox()
        self.auto_accept.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.auto_accept.clicked.connect(lambda on: self.post(dk.SetAutoAccept(on)))
        self.language_button = QPushButton()
        self.language_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.language_button.clicked.connect(self.toggle_language)
        self.language_button.setVisible(translations is not None)
        self.keys_button = QPushButton()
        self.keys_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.keys_button.clicked.connect(self.show_keys)
        top = QFrame()
        top.setObjectName("topbar")
        bar = QHBoxLayout(top)
        bar.setContentsMargins(14, 8, 14, 8)
        bar.setSpacing(18)
        bar.addWidget(self.officer)
        bar.addWidget(self.server)
        bar.addWidget(self.pending)
        bar.addWidget(self.own_devices)
        bar.addStretch(1)
        bar.addWidget(self.auto_accept)
        bar.addWidget(self.language_button)
        bar.addWidget(self.keys_button)

        # -- tiles
        self.tiles: list[BoothTile] = []
        self.grid_box = QWidget()
        self.grid = QGridLayout(self.grid_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(10)

        # -- documents
        self.decoder = StillDecoder(parent=self)
        self.workspace = Workspace(self.decoder, self._still_bytes)
        self.workspace.close_requested.connect(self.close_documents)
        self.workspace.verify.connect(self.verify)
        self.workspace.reject.connect(self.reject)
        self.workspace.hide()

        # -- notice line
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("background: #3b2f12; color: #ffd27a; border-radius: 4px; padding: 6px 10px;"
                                  " font-size: 17px;")
        self.notice.hide()
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(self.notice.hide)

        # -- right side
        self.panel = BoothPanel()
        self.panel.accept.connect(self.accept_offered)
        self.panel.hold.connect(self.hold)
        self.panel.transfer.connect(self.transfer)
        self.panel.end.connect(self.end)
        self.panel.documents.connect(self.toggle_documents)
        self.panel.prompt.connect(self.send_prompt)
        self.panel.request_document.connect(self.request_document)
        self.panel.cancel_request.connect(self.cancel_request)
        self.panel.view_document.connect(self.view_document)
        self.queue = QueuePanel()
        self.self_view = SelfViewPanel()
        self._self_preview: LocalPreview | None = None
        self._camera = None
        self._camera_timer = QTimer(self)
        self._camera_timer.timeout.connect(self._check_camera)
        right = QVBoxLayout()
        right.setSpacing(10)
        right.addWidget(self.panel, 3)
        right.addWidget(self.queue, 1)
        right.addWidget(self.self_view)
        right_box = QWidget()
        right_box.setLayout(right)
        right_box.setFixedWidth(500)

        left = QVBoxLayout()
        left.setSpacing(10)
        left.addWidget(self.grid_box, 1)
        left.addWidget(self.workspace, 3)
        main = QHBoxLayout()
        main.setSpacing(10)
        main.addLayout(left, 1)
        main.addWidget(right_box)
        outer = QVBoxLayout()
        outer.setContentsMargins(10, 10, 10, 10)
        outer.setSpacing(10)
        outer.addWidget(top)
        outer.addLayout(main, 1)
        outer.addWidget(self.notice)
        central = QWidget()
        central.setLayout(outer)
        self.setCentralWidget(central)
        self._left = left
        self._make_tiles(6)

        self._shortcuts()
        bridge.view_changed.connect(self.render)
        self.retranslate()
        if getattr(bridge, "view", None) is not None:
            self.render(bridge.view)

    # ------------------------------------------------------------------ plumbing

    def post(self, intent: Any) -> None:
        """Hand the desk an intent."""
        self.bridge.post(intent)

    def _still_bytes(self, request_id: str) -> bytes | None:
        """The bytes of the still that answered ``request_id`` (called on a decoder thread: reads
        only the immutable view and the app's still store)."""
        app, view = self.bridge.app, self.bridge.view
        if app is None or view is None:
            return None
        sha = next((e.still.sha256 for t in view.tiles if t is not None for e in t.checklist
                    if e.still is not None and e.still.request_id == request_id), None)
        still = app.still(sha if sha is not None else request_id)
        return None if still is None else still[1]

    def _attach(self, video: VideoView, session_id: str | None, track: str) -> None:
        """Feed ``video`` with a session's track (on the engine loop), or with nothing."""
        key = id(video)
        if self._attached.get(key) == (session_id, track):
            return
        self._attached[key] = (session_id, track)
        video.clear()
        app = self.bridge.app
        if session_id is None or app is None:
            self.bridge.call(video.detach)
        else:
            self.bridge.call(video.attach, functools.partial(app.watch, session_id, track))

    def _make_tiles(self, n: int) -> None:
        for t in self.tiles:
            self.grid.removeWidget(t)
            self._attach(t.video, None, "face")
            t.deleteLater()
        self.tiles = []
        for slot in range(1, n + 1):
            t = BoothTile(slot)
            t.clicked.connect(lambda s: self.post(dk.FocusSlot(s)))
            t.accept.connect(lambda sid: self.post(dk.Accept(sid)))
            self.tiles.append(t)
        self._docs_mode = None
        self._layout_tiles(False)

    def _layout_tiles(self, documents: bool) -> None:
        """A grid (two rows), or one row of small tiles above the documents."""
        if self._docs_mode == documents:
            return
        self._docs_mode = documents
        for t in self.tiles:
            self.grid.removeWidget(t)
        n = len(self.tiles)
        cols = n if documents else (2 if n <= 4 else 3)
        for i, t in enumerate(self.tiles):
            self.grid.addWidget(t, i // cols, i % cols)
            t.set_compact(documents)
        for c in range(6):
            self.grid.setColumnStretch(c, 1 if c < cols else 0)
        for r in range(3):
            self.grid.setRowStretch(r, 1 if r < (n + cols - 1) // cols else 0)
        self.workspace.setVisible(documents)
        self._left.setStretch(1, 3 if documents else 0)
        self.grid_box.setSizePolicy(QSizePolicy.Policy.Expanding,
                                    QSizePolicy.Policy.Fixed if documents else QSizePolicy.Policy.Expanding)
        if documents:
            self.grid_box.setFixedHeight(STRIP_HEIGHT)
        else:
            self.grid_box.setMinimumHeight(0)
            self.grid_box.setMaximumHeight(16777215)

    # ------------------------------------------------------------------ render

    def focused(self) -> TileView | None:
        """The focused booth's tile."""
        v = self.view
        if v is None or v.focus is None:
            return None
        return v.tiles[v.focus - 1]

    def render(self, view: DeskView) -> None:
        """Show a new view of the desk."""
        if view is None:
            return
        self.view = view
        if len(self.tiles) != view.capacity:
            self._make_tiles(view.capacity)
        focused = self.focused()
        self._layout_tiles(bool(focused and focused.document_view))
        for t, tv in zip(self.tiles, view.tiles):
            t.render(tv)
            self._attach(t.video, tv.session_id if tv else None, "face")
        self.panel.render(focused, view)
        self.panel.set_prompts(view.prompts, self._prompt_texts())
        self.queue.render(view)
        if focused is not None and focused.document_view:
            self.workspace.render(focused)
            if self._pending_view is not None:
                self.workspace.show_document(self._pending_view)
                self._pending_view = None
            self._attach(self.workspace.a.video, focused.session_id, "document")
            self._attach(self.workspace.b.video, focused.session_id, "document")
        else:
            self.workspace.render(None)
            self._attach(self.workspace.a.video, None, "document")
            self._attach(self.workspace.b.video, None, "document")
        self._render_bar(view)
        self._render_notices(view)

    def _render_bar(self, view: DeskView) -> None:
        if view.server_up:
            self.server.setText("● " + translate("Console", "Branch server connected"))
            self.server.setStyleSheet("color: #2ecc71;")
        else:
            self.server.setText("● " + translate("Console", "Branch server unreachable: reconnecting…"))
            self.server.setStyleSheet(f"color: {style.ALARM}; font-weight: 700;")
        n = view.unconfirmed_decisions
        self.pending.setVisible(n > 0)
        self.pending.setText(translate("Console", "{n} decision(s) being recorded").format(n=n))
        self.pending.setStyleSheet("color: #f1c40f; font-weight: 600;")
        self.own_devices.setVisible(bool(view.officer_faults))
        if view.officer_faults:
            self.own_devices.setText("● " + " · ".join(words.own_device(role) for role, _ in view.officer_faults))
            self.own_devices.setToolTip("\n".join(why for _, why in view.officer_faults))
        if self.auto_accept.isChecked() != view.auto_accept:
            self.auto_accept.setChecked(view.auto_accept)

    def _render_notices(self, view: DeskView) -> None:
        if view.notices == self._notices_seen:
            return
        new = [n for n in view.notices if n not in self._notices_seen]
        self._notices_seen = view.notices
        if not new:
            return
        self.notice.setText("⚠ " + words.notice(new[-1]))
        self.notice.setToolTip("\n".join(words.notice(n) for n in view.notices))
        self.notice.show()
        self._notice_timer.start(NOTICE_MS)

    def _prompt_texts(self) -> dict[str, str]:
        if self.config is None:
            return {}
        return {p.key: f"ID: {p.id}\nEN: {p.en}" for p in self.config.prompts}

    # ------------------------------------------------------------------ words

    def retranslate(self) -> None:
        """Every word again, in the current language."""
        self._translated_as = self._language()
        name = self.config.cso.name or self.config.cso.id if self.config else ""
        self.officer.setText(translate("Console", "Officer {name}").format(name=name) if name
                             else translate("Console", "Officer"))
        self.setWindowTitle(translate("Console", "lapak — officer's desk") + (f" — {name}" if name else ""))
        self.auto_accept.setText(translate("Console", "Accept new booths automatically"))
        # each language named in itself, so an officer who cannot read the other one finds the way back
        self.language_button.setText("English" if self._language() == "id" else "Bahasa Indonesia")
        self.keys_button.setText(translate("Console", "Keys (?)"))
        for t in self.tiles:
            t.retranslate()
        self.panel.retranslate()
        self.queue.retranslate()
        self.self_view.retranslate()
        self.workspace.retranslate()
        self._notices_seen = ()
        if self.view is not None:
            self.render(self.view)

    def _language(self) -> str:
        return getattr(self.translations, "language", "en")

    def set_language(self, language: str) -> None:
        """Switch the console's language (id, en)."""
        if self.translations is None or language == self._language():
            return
        self.translations.use(language)
        self.retranslate()
        self.language_changed.emit(language)

    def toggle_language(self) -> None:
        self.set_language("en" if self._language() == "id" else "id")

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.LanguageChange and self._translated_as != self._language():
            self.retranslate()  # switched by someone else than set_language
        elif event.type() == QEvent.Type.WindowStateChange and self._self_preview is not None:
            self._self_preview.set_on(not self.isMinimized())  # nobody sees the self-view then
        super().changeEvent(event)

    # ------------------------------------------------------------------ the officer's actions

    def _shortcuts(self) -> None:
        keys: list[tuple[str, Any]] = [(str(n), functools.partial(self.focus_slot, n)) for n in range(1, 7)]
        keys += [
            ("A", self.accept_offered), ("H", self.hold), ("T", self.transfer), ("E", self.end),
            ("D", self.request_next), ("C", self.cancel_request), ("L", self.toggle_documents),
            ("Esc", self.close_documents), ("V", self.verify_shown), ("X", self.reject_shown),
            ("+", lambda: self.workspace.zoom(1.25)), ("=", lambda: self.workspace.zoom(1.25)),
            ("-", lambda: self.workspace.zoom(1 / 1.25)), ("F", self.workspace.fit),
            ("Shift+F", self.workspace.fit_whole),
            ("Z", self.workspace.actual_size), ("R", lambda: self.workspace.rotate(90)),
            ("Shift+R", lambda: self.workspace.rotate(-90)), ("S", self._toggle_side),
            ("Tab", self.workspace.other_pane), ("?", self.show_keys),
        ]
        keys += [(f"F{i}", functools.partial(self.prompt_number, i)) for i in range(1, 13)]
        self._keys = []
        for key, slot in keys:
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(slot)
            self._keys.append(sc)

    def focus_slot(self, slot: int) -> None:
        """Talk to the booth in ``slot`` (keys 1-6)."""
        self.post(dk.FocusSlot(slot))

    def accept_offered(self) -> None:
        """Accept the focused booth if it is offered, else the first offered one (A)."""
        v = self.view
        if v is None:
            return
        f = self.focused()
        offered = [t for t in v.tiles if t and t.session_state is SessionState.OFFERED and not t.busy]
        target = f if f in offered else (offered[0] if offered else None)
        if target is not None:
            self.post(dk.Accept(target.session_id))

    def hold(self) -> None:
        """Put the focused booth on hold (H)."""
        f = self.focused()
        if f is not None and f.session_state is SessionState.ACTIVE:
            self.post(dk.Hold(f.session_id))

    def _ask(self, dialog: QDialog) -> bool:
        self.dialog = dialog
        dialog.setStyleSheet(style.SHEET)
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            self.dialog = None
            self.activateWindow()  # the keys work on the desk again

    def transfer(self) -> None:
        """Transfer the focused booth, after a confirmation (T)."""
        f = self.focused()
        if f is None or f.session_state is SessionState.OFFERED or f.busy:
            return
        dialog = TransferDialog(f, self.view.officers, self)
        if self._ask(dialog):
            to, reason = dialog.result_value()
            self.post(dk.Transfer(f.session_id, to, reason))

    def end(self) -> None:
        """End the focused booth's session with an outcome, after a confirmation (E)."""
        f = self.focused()
        if f is None or f.session_state is SessionState.OFFERED or f.busy:
            return
        dialog = EndDialog(f, self)
        if self._ask(dialog):
            outcome, note = dialog.result_value()
            self.post(dk.End(f.session_id, outcome, note))

    def request_document(self, document: DocumentKind) -> None:
        """Ask the focused booth for a document."""
        f = self.focused()
        if f is not None:
            self.post(dk.RequestDocument(f.session_id, document))

    def request_next(self) -> None:
        """Ask for the next document the claim needs (D)."""
        doc = self.panel.next_document()
        if doc is not None and self.focused() is not None \
                and self.focused().session_state is not SessionState.OFFERED:
            self.request_document(doc)

    def cancel_request(self) -> None:
        """Withdraw the focused booth's outstanding request (C)."""
        f = self.focused()
        if f is not None and f.request is not None:
            self.post(dk.CancelDocument(f.session_id))

    def toggle_documents(self) -> None:
        """Open or close the focused booth's documents (L)."""
        f = self.focused()
        if f is not None and f.session_state is not SessionState.OFFERED:
            self.post(dk.ShowDocumentView(f.session_id, not f.document_view))

    def close_documents(self) -> None:
        """Back to the grid (Esc)."""
        f = self.focused()
        if f is not None and f.document_view:
            self.post(dk.ShowDocumentView(f.session_id, False))

    def view_document(self, document: DocumentKind) -> None:
        """Show a document's still (opens the documents)."""
        f = self.focused()
        if f is None:
            return
        if f.document_view:
            self.workspace.show_document(document)
        else:
            self._pending_view = document  # shown once the documents are open
            self.post(dk.ShowDocumentView(f.session_id, True))

    def _toggle_side(self) -> None:
        if self.workspace.isVisible():
            self.workspace.set_side_by_side(not self.workspace.side_button.isChecked())

    def _shown_received(self) -> DocumentKind | None:
        f = self.focused()
        doc = self.workspace.active_document() if self.workspace.isVisible() else None
        if f is None or doc is None:
            return None
        entry = next((e for e in f.checklist if e.document is doc), None)
        return doc if entry is not None and entry.status is DocStatus.RECEIVED else None

    def verify_shown(self) -> None:
        """Verify the document in the active pane (V): what the officer sees is what is decided."""
        doc = self._shown_received()
        if doc is not None:
            self.verify(doc)

    def reject_shown(self) -> None:
        """Reject the document in the active pane, with a reason (X)."""
        doc = self._shown_received()
        if doc is not None:
            self.reject(doc)

    def verify(self, document: DocumentKind) -> None:
        f = self.focused()
        if f is not None:
            self.post(dk.Verify(f.session_id, document))

    def reject(self, document: DocumentKind) -> None:
        f = self.focused()
        if f is None:
            return
        dialog = RejectDialog(f.ticket, document, self)
        if self._ask(dialog):
            reason, note = dialog.result_value()
            self.post(dk.Reject(f.session_id, document, reason, note))

    def send_prompt(self, key: str) -> None:
        f = self.focused()
        if f is not None and f.session_state is not SessionState.OFFERED:
            self.post(dk.SendPrompt(f.session_id, key))

    def prompt_number(self, n: int) -> None:
        """Send the n-th canned prompt to the focused booth (F1..)."""
        if self.view is not None and 1 <= n <= len(self.view.prompts):
            self.send_prompt(self.view.prompts[n - 1])

    def show_keys(self) -> None:
        """The keyboard's cheat sheet."""
        rows = [
            ("1 – 6", translate("Console", "talk to the booth in that place (the others go on hold)")),
            ("A", translate("Console", "accept a new participant")),
            ("H", translate("Console", "put the booth on hold")),
            ("T", translate("Console", "transfer: back to the queue or to another officer")),
            ("E", translate("Console", "end the session with an outcome")),
            ("F1 – F12", translate("Console", "send a prompt to the booth's screen")),
            ("D", translate("Console", "ask for the next document of the checklist")),
            ("C", translate("Console", "cancel the document asked for")),
            ("L / Esc", translate("Console", "open / close the documents")),
            ("V / X", translate("Console", "verify / reject the document shown")),
            ("+ − Z", translate("Console", "zoom in, out, full resolution")),
            ("F / Shift+F", translate("Console", "fit the document / the whole still")),
            ("R / Shift+R", translate("Console", "turn the document right / left")),
            ("S / Tab", translate("Console", "side by side / the other side")),
        ]
        self._ask(KeysDialog(rows, self))

    # ------------------------------------------------------------------ closing

    def closeEvent(self, event) -> None:
        v = self.view
        busy = [t for t in (v.tiles if v else ()) if t is not None]
        if self.ask_before_closing and busy:
            box = QMessageBox(self)
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle(translate("Console", "Close the desk?"))
            box.setText(translate("Console", "{n} booth(s) are with you. They go on hold and return to the queue "
                                             "if you do not come back within the grace period.").format(n=len(busy)))
            box.setStandardButtons(QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Cancel)
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
            box.setStyleSheet(style.SHEET)
            self.dialog = box
            answer = box.exec()
            self.dialog = None
            if answer != QMessageBox.StandardButton.Close:
                event.ignore()
                return
        for t in self.tiles:
            self._attach(t.video, None, "face")
        self.show_own_camera(None, stop=True)
        event.accept()

    # -- the officer's own camera -------------------------------------------------------------

    def show_own_camera(self, camera, *, fps: float = 10.0, stop: bool = False) -> None:
        """Show the officer's camera (``latest_frame()``/``latest()`` gives BGR; None: the
        console has none) in the self-view, ``fps`` frames a second taken in a thread of its own,
        and what is wrong with it; ``stop`` lets go of it."""
        if self._self_preview is not None:
            self._self_preview.close()
            self._self_preview = None
        self._camera_timer.stop()
        self._camera = None
        if stop:
            return
        if camera is None:
            self.self_view.show_state("off")
            return
        self._camera = camera
        self._self_preview = LocalPreview(camera, "officer", fps)
        self._self_preview.views.append(self.self_view.video)
        self._self_preview.set_on(not self.isMinimized())
        self._check_camera()
        self._camera_timer.start(1000)

    def _check_camera(self) -> None:
        cam = self._camera
        state = getattr(cam, "state", "")
        self.self_view.show_state("unavailable" if state == "unavailable" else "running",
                                  getattr(cam, "reason", "") or "")
