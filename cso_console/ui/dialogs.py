"""The confirmations: ending a session, transferring it, rejecting a document. Each shows what is
about to happen and needs a deliberate choice; Esc goes back and changes nothing."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from common.documents import DocumentKind, RejectReason
from cso_console.desk import DocStatus, TileView, end_note
from cso_console.ui import words
from signaling.protocol import Outcome

translate = words.translate

END_OUTCOMES = (Outcome.COMPLETED, Outcome.DOCUMENTS_INCOMPLETE, Outcome.REJECTED, Outcome.REFERRED,
                Outcome.PARTICIPANT_LEFT, Outcome.TECHNICAL_PROBLEM)
"""What the officer may end with (booth offline is the server's)."""

NOTE_MAX = 500
"""The server's limit on an end note."""


class _Choice(QDialog):
    """A titled list of choices (digits pick one), an optional note, a confirm and a back button."""

    def __init__(self, parent: QWidget | None, title: str, summary: str, confirm: str, confirm_role: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(620)
        heading = QLabel(title)
        heading.setProperty("role", "title")
        heading.setWordWrap(True)
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.group = QButtonGroup(self)
        self.choices = QVBoxLayout()
        self.choices.setSpacing(2)
        self.note = QLineEdit()
        self.note.setPlaceholderText(translate("Console", "Note (optional)"))
        self.note.setMaxLength(300)
        self.confirm = QPushButton(confirm)
        self.confirm.setProperty("role", confirm_role)
        self.confirm.setDefault(True)
        self.back = QPushButton(translate("Console", "Back (Esc)"))
        self.confirm.clicked.connect(self.accept)
        self.back.clicked.connect(self.reject)
        self.group.buttonToggled.connect(lambda *_: self._update())
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.back)
        buttons.addWidget(self.confirm)
        box = QVBoxLayout(self)
        box.setContentsMargins(20, 18, 20, 18)
        box.setSpacing(10)
        box.addWidget(heading)
        box.addWidget(self.summary)
        box.addLayout(self.choices)
        box.addWidget(self.note)
        box.addLayout(buttons)
        self._n = 0

    def add_choice(self, text: str, value, enabled: bool = True) -> QRadioButton:
        self._n += 1
        n = self._n
        b = QRadioButton(f"{n}  {text}" if n <= 9 else text)
        b.setProperty("value", value)
        b.setEnabled(enabled)
        self.group.addButton(b)
        self.choices.addWidget(b)
        if n <= 9:
            QShortcut(QKeySequence(str(n)), self, activated=lambda b=b: b.isEnabled() and b.setChecked(True))
        return b

    def value(self):
        b = self.group.checkedButton()
        return None if b is None else b.property("value")

    def choose(self, value) -> None:
        """Pick a choice (tests and keyboard)."""
        for b in self.group.buttons():
            if b.property("value") == value and b.isEnabled():
                b.setChecked(True)

    def _update(self) -> None:
        self.confirm.setEnabled(self.value() is not None)


class EndDialog(_Choice):
    """End a session with an outcome; Complete only when every document is verified."""

    def __init__(self, tile: TileView, parent: QWidget | None = None) -> None:
        verified = [e for e in tile.checklist if e.status is DocStatus.VERIFIED]
        lines = [translate("Console", "{done} of {total} documents verified.").format(done=len(verified),
                                                                                   total=len(tile.checklist))]
        rejected = {d for d, _ in tile.rejected}
        missing = [words.document(d) for d in tile.missing if d not in rejected]
        if missing:
            lines.append(translate("Console", "Missing: {list}").format(list=", ".join(missing)))
        for d, r in tile.rejected:
            lines.append(translate("Console", "Rejected: {document} ({reason})").format(
                document=words.document(d), reason=words.reason_short(r)))
        lines.append(translate("Console", "The booth's screen shows the outcome; the participant gets a receipt."))
        super().__init__(parent, translate("Console", "End the session of {ticket}?").format(ticket=tile.ticket),
                         "\n".join(lines), translate("Console", "End session"), "bad")
        self.tile = tile
        for o in END_OUTCOMES:  # what is missing is listed above
            self.add_choice(words.outcome(o), o.value, enabled=o is not Outcome.COMPLETED
                            or tile.suggested_outcome is Outcome.COMPLETED)
        self.choose(tile.suggested_outcome.value)
        self._update()

    def result_value(self) -> tuple[Outcome, str | None]:
        """The outcome and the note (the officer's note and what is missing and rejected)."""
        outcome = Outcome(self.value())
        parts = [self.note.text().strip(), end_note(self.tile) if outcome is not Outcome.COMPLETED else ""]
        note = "; ".join(p for p in parts if p)[:NOTE_MAX]
        return outcome, note or None


class TransferDialog(_Choice):
    """Give a booth back to the queue or to another officer online."""

    def __init__(self, tile: TileView, officers: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent, translate("Console", "Transfer {ticket}?").format(ticket=tile.ticket),
                         translate("Console", "The participant waits for the next free officer, or for the officer "
                                              "you choose. Your decisions so far stay recorded."),
                         translate("Console", "Transfer"), "primary")
        self.add_choice(translate("Console", "Back to the queue (next free officer)"), "")
        for o in officers:
            self.add_choice(translate("Console", "To officer {name}").format(name=o), o)
        self.note.setPlaceholderText(translate("Console", "Reason (optional), e.g. needs a supervisor"))
        self.choose("")
        self._update()

    def result_value(self) -> tuple[str | None, str | None]:
        """(to officer or None for the queue, reason)."""
        return (self.value() or None), (self.note.text().strip() or None)


class RejectDialog(_Choice):
    """Reject a document with a reason from the list (the participant is told)."""

    def __init__(self, ticket: str, document: DocumentKind, parent: QWidget | None = None) -> None:
        super().__init__(parent, translate("Console", "Reject {document} of {ticket}?").format(
                             document=words.document(document), ticket=ticket),
                         translate("Console", "Pick the reason; the booth's screen tells the participant, "
                                              "and you can ask for the document again."),
                         translate("Console", "Reject"), "bad")
        self.document = document
        for r in RejectReason:
            self.add_choice(words.reason(r), r.value)
        self._update()

    def result_value(self) -> tuple[RejectReason, str | None]:
        return RejectReason(self.value()), (self.note.text().strip() or None)


class KeysDialog(QDialog):
    """The keyboard's cheat sheet: one key (or pair) per line, what it does beside it."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("Console", "Keys"))
        heading = QLabel(translate("Console", "Keys"))
        heading.setProperty("role", "title")
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(8)
        for i, (keys, what) in enumerate(rows):
            k = QLabel(keys)
            k.setStyleSheet("font-family: monospace; font-weight: 700; background: #272d36; border: 1px solid #3a424d;"
                            " border-radius: 4px; padding: 3px 8px;")
            k.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(k, i, 0)
            grid.addWidget(QLabel(what), i, 1)
        close = QPushButton(translate("Console", "Close (Esc)"))
        close.setDefault(True)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        box = QVBoxLayout(self)
        box.setContentsMargins(22, 18, 22, 18)
        box.setSpacing(14)
        box.addWidget(heading)
        box.addLayout(grid)
        box.addLayout(buttons)
