"""The right-hand side of the desk: the focused booth (who, actions, canned prompts, the claim
checklist) and the branch queue. Both render the desk's view; buttons emit what the officer asked
for, and the window turns it into intents (after a confirmation where one is due)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from common.documents import DocumentKind
from cso_console.desk import DeskView, DocEntry, DocStatus, TileView
from cso_console.ui import style, words
from qtview.video import VideoView
from signaling.protocol import SessionState

translate = words.translate


def _label(role: str | None = None, wrap: bool = False) -> QLabel:
    label = QLabel()
    if role:
        label.setProperty("role", role)
    label.setWordWrap(wrap)
    return label


def _set(label: QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)


class DocRow(QWidget):
    """One document of the checklist: mark, name, status, one or two actions."""

    def __init__(self, panel: "BoothPanel", document: DocumentKind) -> None:
        super().__init__()
        self.panel = panel
        self.document = document
        self.mark = QLabel()
        self.mark.setFixedWidth(26)
        self.mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name = QLabel()
        self.name.setWordWrap(True)
        self.name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status.setProperty("role", "muted")
        self.action = QPushButton()
        self.view = QPushButton()
        for b in (self.action, self.view):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setMinimumWidth(80)
        self.action.clicked.connect(self._act)
        self.view.clicked.connect(lambda: self.panel.view_document.emit(self.document))
        text = QVBoxLayout()
        text.setSpacing(0)
        text.addWidget(self.name)
        text.addWidget(self.status)
        row = QHBoxLayout(self)
        row.setContentsMargins(2, 2, 2, 2)
        row.setSpacing(8)
        row.addWidget(self.mark)
        row.addLayout(text, 1)
        row.addWidget(self.view)
        row.addWidget(self.action)
        self.entry: DocEntry | None = None
        self._what = ""

    def _act(self) -> None:
        if self._what == "ask":
            self.panel.request_document.emit(self.document)
        elif self._what == "cancel":
            self.panel.cancel_request.emit()
        elif self._what == "check":
            self.panel.view_document.emit(self.document)

    def render(self, e: DocEntry, tile: TileView) -> None:
        self.entry = e
        colour = style.DOC_COLOUR[e.status]
        _set(self.mark, style.DOC_MARK[e.status])
        self.mark.setStyleSheet(f"color: {colour}; font-size: 20px;")
        _set(self.name, words.document(e.document))
        status = words.doc_status(e.status)
        if e.status is DocStatus.REJECTED:
            status = f"{status}: {words.reason_short(e.reason)}"
        elif e.status is DocStatus.VERIFIED and not e.confirmed:
            recording = translate("Console", "being recorded…")
            status = f"{status} · {recording}"
        elif e.status is DocStatus.ARRIVING and tile.request is not None and tile.request.size:
            status = f"{status} {tile.request.received_bytes * 100 // max(1, tile.request.size)}%"
        _set(self.status, status)
        self.status.setStyleSheet(f"color: {colour};")
        live = tile.session_state in (SessionState.ACTIVE, SessionState.HELD)
        if e.status in (DocStatus.NEEDED, DocStatus.REJECTED):
            self._what = "ask"
            _set(self.action, translate("Console", "Ask again") if e.status is DocStatus.REJECTED
                 else translate("Console", "Ask"))
        elif e.status in (DocStatus.REQUESTED, DocStatus.ARRIVING):
            self._what = "cancel"
            _set(self.action, translate("Console", "Cancel"))
        elif e.status is DocStatus.RECEIVED:
            self._what = "check"
            _set(self.action, translate("Console", "Check"))
        else:
            self._what = ""
        self.action.setVisible(bool(self._what))
        self.action.setEnabled(live)
        self.action.setProperty("role", "primary" if self._what == "check" else "")
        self.action.style().unpolish(self.action)
        self.action.style().polish(self.action)
        self.view.setVisible(e.still is not None and e.status is not DocStatus.RECEIVED)
        _set(self.view, translate("Console", "View"))


class BoothPanel(QFrame):
    """The focused booth.

    Signals:
        accept(), hold(), transfer(), end(), documents(): the officer's buttons.
        prompt(str): a canned prompt's key.
        request_document(object): ask for a document (DocumentKind).
        cancel_request(): withdraw the outstanding request.
        view_document(object): show a document's still.
    """

    accept = Signal()
    hold = Signal()
    transfer = Signal()
    end = Signal()
    documents = Signal()
    prompt = Signal(str)
    request_document = Signal(object)
    cancel_request = Signal()
    view_document = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.tile: TileView | None = None
        self.prompt_keys: tuple[str, ...] = ()
        self.prompt_texts: dict[str, str] = {}

        self.title = _label("big")
        self.pill = QLabel()
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.pill)
        self.who = _label(wrap=True)
        self.who.setStyleSheet("font-size: 18px;")
        self.where = _label("muted", wrap=True)
        self.empty = _label("muted", wrap=True)
        self.empty.setStyleSheet("font-size: 18px; padding: 20px 4px;")

        self.accept_button = QPushButton()
        self.accept_button.setProperty("role", "primary")
        self.hold_button = QPushButton()
        self.transfer_button = QPushButton()
        self.end_button = QPushButton()
        self.end_button.setProperty("role", "danger")
        actions = QHBoxLayout()
        actions.setSpacing(6)
        for b, sig in ((self.accept_button, self.accept), (self.hold_button, self.hold),
                       (self.transfer_button, self.transfer), (self.end_button, self.end)):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(sig.emit)
            actions.addWidget(b)

        self.prompts_title = _label("section")
        self.prompts_grid = QGridLayout()
        self.prompts_grid.setSpacing(6)
        self._prompt_buttons: list[QPushButton] = []

        self.checklist_title = _label("section")
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(2)
        self._rows: dict[DocumentKind, DocRow] = {}
        self.next_button = QPushButton()
        self.next_button.setProperty("role", "primary")
        self.next_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.next_button.clicked.connect(self._ask_next)
        self.docs_button = QPushButton()
        self.docs_button.setCheckable(True)
        self.docs_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.docs_button.clicked.connect(self.documents.emit)
        docs_row = QHBoxLayout()
        docs_row.addWidget(self.next_button, 1)
        docs_row.addWidget(self.docs_button)

        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(8)
        body.addLayout(head)
        body.addWidget(self.who)
        body.addWidget(self.where)
        body.addLayout(actions)
        body.addSpacing(6)
        body.addWidget(self.prompts_title)
        body.addLayout(self.prompts_grid)
        body.addSpacing(6)
        body.addWidget(self.checklist_title)
        body.addLayout(self.rows_box)
        body.addLayout(docs_row)

        box = QVBoxLayout(self)
        box.setContentsMargins(14, 12, 14, 12)
        box.addWidget(self.empty)
        box.addWidget(self.body)
        box.addStretch(1)
        self.retranslate()

    # ------------------------------------------------------------------ words

    def retranslate(self) -> None:
        self.accept_button.setText(translate("Console", "Accept (A)"))
        self.hold_button.setText(translate("Console", "Hold (H)"))
        self.transfer_button.setText(translate("Console", "Transfer (T)"))
        self.end_button.setText(translate("Console", "End (E)"))
        self.prompts_title.setText(translate("Console", "PROMPTS TO THE BOOTH SCREEN"))
        self.docs_button.setText(translate("Console", "Documents (L)"))
        self.empty.setText(translate("Console", "Nobody in conversation.\nClick a booth or press its number 1–6."))
        self._prompt_buttons_for(self.prompt_keys, force=True)
        self.render(self.tile)

    def set_prompts(self, keys: tuple[str, ...], texts: dict[str, str]) -> None:
        """The canned prompts (keys from the view, the booth-language texts as tooltips)."""
        self.prompt_texts = texts
        self._prompt_buttons_for(keys)

    def _prompt_buttons_for(self, keys: tuple[str, ...], force: bool = False) -> None:
        if keys == self.prompt_keys and not force:
            return
        self.prompt_keys = keys
        for b in self._prompt_buttons:
            self.prompts_grid.removeWidget(b)
            b.deleteLater()
        self._prompt_buttons = []
        for i, key in enumerate(keys):
            b = QPushButton(f"F{i + 1}  {words.prompt(key)}" if i < 12 else words.prompt(key))
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setStyleSheet("text-align: left; padding-left: 10px;")
            b.setToolTip(self.prompt_texts.get(key, ""))
            b.clicked.connect(lambda _=False, k=key: self.prompt.emit(k))
            self.prompts_grid.addWidget(b, i // 2, i % 2)
            self._prompt_buttons.append(b)

    # ------------------------------------------------------------------ render

    def next_document(self) -> DocumentKind | None:
        """The next document to ask for: the first one needed, else the first rejected."""
        t = self.tile
        if t is None:
            return None
        for wanted in (DocStatus.NEEDED, DocStatus.REJECTED):
            for e in t.checklist:
                if e.status is wanted:
                    return e.document
        return None

    def _ask_next(self) -> None:
        doc = self.next_document()
        if doc is not None:
            self.request_document.emit(doc)

    def render(self, t: TileView | None, view: DeskView | None = None) -> None:
        """Show the focused booth (None: nobody)."""
        self.tile = t
        self.empty.setVisible(t is None)
        self.body.setVisible(t is not None)
        if t is None:
            return
        _set(self.title, translate("Console", "Booth {slot} · {ticket}").format(slot=t.slot, ticket=t.ticket))
        _set(self.pill, words.state(t.state))
        self.pill.setStyleSheet(style.pill(t.state) + " font-size: 15px;")
        who = t.name or words.kind(t.kind)
        if t.kind == "booking":
            who = f"{who} · {words.kind(t.kind)} {t.booking_code or ''}".strip()
        _set(self.who, who)
        in_session = translate("Console", "in session {time}").format(time=words.duration(t.in_session))
        where = f"{words.language(t.language)} · {words.service(t.service)} · {in_session}"
        if t.faults:
            where += "\n" + "\n".join(f"⚠ {words.device(r)}: {m}" for r, m in t.faults)
        _set(self.where, where)
        offered = t.session_state is SessionState.OFFERED
        self.accept_button.setVisible(offered)
        self.accept_button.setEnabled(not t.busy)
        self.hold_button.setVisible(not offered)
        self.hold_button.setEnabled(t.session_state is SessionState.ACTIVE and not t.busy)
        self.transfer_button.setEnabled(not offered and not t.busy)
        self.end_button.setEnabled(not offered and not t.busy)
        for b in self._prompt_buttons:
            b.setEnabled(not offered)

        verified = sum(1 for e in t.checklist if e.status is DocStatus.VERIFIED)
        _set(self.checklist_title, translate("Console", "CLAIM CHECKLIST · {done} OF {total} VERIFIED")
             .format(done=verified, total=len(t.checklist)))
        docs = [e.document for e in t.checklist]
        if list(self._rows) != docs:
            for row in self._rows.values():
                self.rows_box.removeWidget(row)
                row.deleteLater()
            self._rows = {}
            for d in docs:
                row = DocRow(self, d)
                self.rows_box.addWidget(row)
                self._rows[d] = row
        for e in t.checklist:
            self._rows[e.document].render(e, t)
        nxt = self.next_document()
        self.next_button.setVisible(nxt is not None and not offered)
        if nxt is not None:
            _set(self.next_button, translate("Console", "Ask for {document} (D)").format(document=words.document(nxt)))
        self.docs_button.setChecked(t.document_view)
        self.docs_button.setEnabled(not offered)


class QueuePanel(QFrame):
    """The branch queue: who waits, how long, booking or walk-in, language."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queue")
        self.title = _label("section")
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QTreeWidget.SelectionMode.NoSelection)
        self.tree.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tree.setUniformRowHeights(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, header.ResizeMode.Stretch)
        for c in (0, 2, 3):
            header.setSectionResizeMode(c, header.ResizeMode.ResizeToContents)
        self.tree.setStyleSheet(f"QTreeWidget {{ background: {style.PANEL_2}; border: none; }}"
                                f" QHeaderView::section {{ background: {style.PANEL}; color: {style.MUTED};"
                                f" border: none; padding: 4px; font-size: 14px; }}")
        self.empty = _label("muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tree)
        self.stack.addWidget(self.empty)
        box = QVBoxLayout(self)
        box.setContentsMargins(14, 10, 14, 10)
        box.addWidget(self.title)
        box.addWidget(self.stack, 1)
        self._rows: tuple = ()
        self.view: DeskView | None = None
        self.retranslate()

    def retranslate(self) -> None:
        self.tree.setHeaderLabels([translate("Console", "Ticket"), translate("Console", "Who"),
                                   translate("Console", "Lang."), translate("Console", "Waiting")])
        self.empty.setText(translate("Console", "Nobody is waiting."))
        self._rows = ()
        if self.view is not None:
            self.render(self.view)

    def render(self, view: DeskView) -> None:
        self.view = view
        _set(self.title, translate("Console", "QUEUE · {n} WAITING").format(n=len(view.queue)))
        rows = tuple((q.ticket, q.name or "", q.kind, q.booking_code or "", q.language.value, words.duration(q.waited))
                     for q in view.queue)
        self.stack.setCurrentWidget(self.tree if view.queue else self.empty)
        if rows == self._rows:
            return
        self._rows = rows
        self.tree.clear()
        for q in view.queue:
            who = words.kind(q.kind) + (f" · {q.name}" if q.name else "")
            item = QTreeWidgetItem([q.ticket, who, words.language_short(q.language), words.duration(q.waited)])
            item.setToolTip(1, f"{words.kind(q.kind)} {q.booking_code or ''} · {words.service(q.service)}")
            item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tree.addTopLevelItem(item)


class SelfViewPanel(QFrame):
    """The officer's own camera, small and mirrored, so the officer can check what the focused
    booth sees of them (framing, light); and, in words, when the camera is off or not working."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("selfview")
        self.title = _label("section")
        self.video = VideoView()
        self.video.setObjectName("officer_selfview")
        self.video.set_mirrored(True)
        self.video.setFixedHeight(150)
        self.status = _label("muted", wrap=True)
        self.status.hide()
        box = QVBoxLayout(self)
        box.setContentsMargins(14, 10, 14, 10)
        box.addWidget(self.title)
        box.addWidget(self.video)
        box.addWidget(self.status)
        self.state: tuple[str, str] = ("", "")
        self.retranslate()

    def retranslate(self) -> None:
        _set(self.title, translate("Console", "YOUR CAMERA"))
        self.video.placeholder = translate("Console", "No picture from your camera yet")
        self.show_state(*self.state)

    def show_state(self, state: str, reason: str = "") -> None:
        """What the camera is doing: "off" (none configured), "unavailable" (``reason`` says
        why) or anything else (working: no words)."""
        self.state = (state, reason)
        if state == "off":
            text = translate("Console", "No camera is set up for this console ([camera] in its config).")
        elif state == "unavailable":
            text = translate("Console", "Your camera is not working: {reason}").format(reason=reason or "?")
        else:
            text = ""
        _set(self.status, text)
        self.status.setVisible(bool(text))
        self.video.setVisible(state != "off")
