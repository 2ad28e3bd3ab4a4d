"""One widget per :class:`kiosk.flow.Screen`: each renders a :class:`kiosk.flow.BoothView` and
turns touches into the flow's intents (``post``). No rule of the visit lives here.

Every text is set in :meth:`Screen.render` through Qt's translation, so a language change only
needs the current view rendered again.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPlainTextEdit, QProgressBar, QSizePolicy, QVBoxLayout, QWidget

from common.documents import DocumentKind
from kiosk import flow as f
from kiosk.flow import BoothView, CallPhase, DocumentPhase, ScanHint
from kiosk.ui import words
from kiosk.ui.widgets import (Busy, DocumentPicture, HiddenCorner, HoldRing, Keypad, OutlinedVideoView, button, card,
                              label, set_text, show)
from media.control import ChecklistStatus
from qtview.video import VideoView

translate = QCoreApplication.translate
Post = Callable[[object], None]

CODE_KEYS = (("1", "2", "3", "4", "5", "6", "7", "8", "9", "0"),
             ("A", "B", "C", "D", "E", "F", "G", "H", "I", "J"),
             ("K", "L", "M", "N", "O", "P", "Q", "R", "S", "T"),
             ("U", "V", "W", "X", "Y", "Z", "-", "DEL"))
"""The booking-code keypad: digits first, letters in ABC order (easier to find than QWERTY for
someone who rarely types), a dash, delete and clear."""

PIN_KEYS = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"), ("DEL", "0", "OK"))


class Screen(QWidget):
    """A booth screen: ``render(view)`` shows the view; touches go to ``post``."""

    def __init__(self, post: Post, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.post = post
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)

    def render(self, view: BoothView) -> None:  # pragma: no cover - every screen overrides it
        raise NotImplementedError

    def videos(self) -> list[VideoView]:
        """The screen's video views (the window feeds them)."""
        return []


def _column(widget: QWidget, margin: int = 0, spacing: int = 18) -> QVBoxLayout:
    box = QVBoxLayout(widget)
    box.setContentsMargins(margin, margin, margin, margin)
    box.setSpacing(spacing)
    return box


def _row(*widgets, stretch_first: bool = False, spacing: int = 24) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(spacing)
    if stretch_first:
        row.addStretch(1)
    for w in widgets:
        if w is None:
            row.addStretch(1)
        else:
            row.addWidget(w)
    return row


# ================================================================================ attract


class AttractScreen(Screen):
    """Idle: a welcome, one big "touch to start"; the whole screen starts a visit."""

    def __init__(self, post: Post, parent: QWidget | None = None) -> None:
        super().__init__(post, parent)
        box = _column(self)
        box.addStretch(2)
        self.title = label("title", align=Qt.AlignmentFlag.AlignHCenter, name="attract_title")
        self.title.setStyleSheet("font-size: 64pt;")
        self.lead = label("large", align=Qt.AlignmentFlag.AlignHCenter)
        self.start = button("start", lambda: post(f.Start()), "primary")
        self.start.setMinimumHeight(140)
        self.start.setMinimumWidth(600)
        self.start.setStyleSheet("font-size: 40pt;")
        self.also = label("muted", align=Qt.AlignmentFlag.AlignHCenter)
        box.addWidget(self.title)
        box.addWidget(self.lead)
        box.addSpacing(30)
        box.addLayout(_row(None, self.start, None))
        box.addSpacing(10)
        box.addWidget(self.also)
        box.addStretch(3)
        self.corner = HiddenCorner(lambda: post(f.TechnicianGesture()), self)

    def mousePressEvent(self, event) -> None:  # the whole screen is the start button
        self.post(f.Start())

    def render(self, view: BoothView) -> None:
        set_text(self.title, translate("Attract", "Welcome"))
        set_text(self.lead, translate("Attract", "Talk to an officer by video about your JHT claim or other "
                                                 "BPJS Ketenagakerjaan services."))
        set_text(self.start, translate("Attract", "Touch here to start"))
        set_text(self.also, translate("Attract", "You can also press the call button on the booth."))
        self.corner.raise_()


# ================================================================================ privacy


class PrivacyScreen(Screen):
    """The privacy notice, in plain words: agree or go back."""

    def __init__(self, post: Post, parent: QWidget | None = None) -> None:
        super().__init__(post, parent)
        box = _column(self)
        self.title = label("title")
        self.points = [label() for _ in range(3)]
        self.back = button("back", lambda: post(f.Back()))
        self.agree = button("agree", lambda: post(f.AcceptPrivacy()), "primary")
        box.addWidget(self.title)
        panel = card()
        inner = _column(panel, 28, 22)
        for p in self.points:
            inner.addWidget(p)
        box.addWidget(panel)
        box.addStretch(1)
        box.addLayout(_row(self.back, None, self.agree))

    def render(self, view: BoothView) -> None:
        set_text(self.title, translate("Privacy", "Before we start"))
        texts = (
            translate("Privacy", "• The officer will see and hear you through this booth's camera and "
                                 "microphone."),
            translate("Privacy", "• The officer will look at the documents you put on the tray, to handle "
                                 "your claim."),
            translate("Privacy", "• Nothing about you stays on this booth: it is all erased when your visit "
                                 "ends."),
        )
        for w, t in zip(self.points, texts):
            set_text(w, t)
        set_text(self.back, translate("Privacy", "Back"))
        set_text(self.agree, translate("Privacy", "I agree, continue"))


# ================================================================================ check-in


class SelfView(QWidget):
    """The face camera's live picture (mirrored, like a mirror) with a caption: where to hold
    a booking's QR code."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = _column(self, 0, 10)
        self.caption = label("", align=Qt.AlignmentFlag.AlignHCenter)
        self.video = VideoView()
        self.video.setObjectName(name)
        self.video.set_mirrored(True)
        self.video.setMinimumSize(320, 200)
        box.addWidget(self.caption)
        box.addWidget(self.video, 1)


class CheckInScreen(Screen):
    """Booking code, QR code, or a walk-in queue number."""

    def __init__(self, post: Post, parent: QWidget | None = None) -> None:
        super().__init__(post, parent)
        box = _column(self)
        self.title = label("title")
        box.addWidget(self.title)
        body = QHBoxLayout()
        body.setSpacing(28)
        choices = QVBoxLayout()
        choices.setSpacing(24)
        self.booking = button("choose_booking", lambda: post(f.ChooseBooking()), "choice")
        self.walk_in = button("choose_walk_in", lambda: post(f.ChooseWalkIn()), "choice")
        for b in (self.booking, self.walk_in):
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            b.setMinimumHeight(150)
            choices.addWidget(b)
        body.addLayout(choices, 3)
        self.self_view = SelfView("selfview_checkin")
        body.addWidget(self.self_view, 2)
        box.addLayout(body, 1)
        self.back = button("back", lambda: post(f.Back()))
        box.addLayout(_row(self.back, None))

    def videos(self) -> list[VideoView]:
        return [self.self_view.video]

    def render(self, view: BoothView) -> None:
        set_text(self.title, translate("CheckIn", "Do you have a booking?"))
        set_text(self.booking, translate("CheckIn", "Yes, I have a booking code\nType it in"))
        set_text(self.walk_in, translate("CheckIn", "No booking\nTake a queue number"))
        set_text(self.self_view.caption, translate("CheckIn", "Or hold your booking's QR code up to the camera"))
        set_text(self.back, translate("CheckIn", "Back"))


class CodeEntryScreen(Screen):
    """The booking code on a large keypad (the face camera still reads a QR code)."""

    def __init__(self, post: Post, parent: QWidget | None = None) -> None:
        super().__init__(post, parent)
        box = _column(self, 0, 14)
        self.title = label("title")
        box.addWidget(self.title)
        body = QHBoxLayout()
        body.setSpacing(28)
        left = QVBoxLayout()
        left.setSpacing(14)
        self.code = label("code", wrap=False, name="code_display")
        self.code.setMinimumHeight(84)
        self.clear = button("key_CLEAR", lambda: post(f.KeyPress("CLEAR")))
        self.keypad = Keypad(CODE_KEYS, lambda k: post(f.KeyPress(k)))
        self.code.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        left.addLayout(_row(self.code, self.clear, spacing=12))
        left.addWidget(self.keypad, 1)
        body.addLayout(left, 3)
        self.self_view = SelfView("selfview_code")
        body.addWidget(self.self_view, 1)
        box.addLayout(body, 1)
        self.back = button("back", lambda: post(f.Back()))
        self.submit = button("submit_code", lambda: post(f.SubmitCode()), "primary")
        box.addLayout(_row(self.back, None, self.submit))

    def videos(self) -> list[VideoView]:
        return [self.self_view.video]

    def render(self, view: BoothView) -> None:
        set_text(self.title, translate("CodeEntry", "Type your booking code"))
        set_text(self.code, view.code_input or " ")
        self.keypad.set_label("DEL", translate("CodeEntry", "⌫ Delete"))
        set_text(self.clear, translate("CodeEntry", "Clear"))
        set_text(self.self_view.caption, translate("CodeEntry", "Or show the QR code here"))
        set_text(self.back, translate("CodeEntry", "Back"))
        set_text(self.submit, translate("CodeEntry", "Check my code"))


class CheckingScreen(Screen):
    """The code is being checked, or a queue number is being taken."""

    def __init__(self, post: Post, parent: QWidget | None = None) -> None:
        super().__init__(post, parent)
        box = _column(self)
        box.addStretch(1)
        self.title = label("title", align=Qt.AlignmentFlag.AlignHCenter)
        self.code = label("huge", align=Qt.AlignmentFlag.AlignHCenter, wrap=False)
        self.code.setStyleSheet("font-size: 56pt;")
        box.addWidget(self.title)
        box.addWidget(self.code)
        box.addWidget(Busy())
        box.addStretch(2)

    def render(self, view: BoothView) -> None:
        if view.code_input:
            set_text(self.title, translate("Checking", "Checking your booking code…"))
            set_text(self.code, view.code_input)
        else:
            set_text(self.title, translate("Checking", "Getting your queue number…"))
            set_text(self.code, "")


class TicketScreen(Screen):
    """A walk-in queue number was issued (printed when there is a printer)."""

    def __init__(self, post: Post, parent: QWidget | None = None) -> None:
        super().__init__(post, parent)
        box = _column(self)
        box.addStretch(1)
        self.title = label("title", align=Qt.AlignmentFlag.AlignHCenter)
        self.ticket = label("huge", align=Qt.AlignmentFlag.AlignHCenter, wrap=False, name="ticket_number")
        self.take = label("large", align=Qt.AlignmentFlag.AlignHCenter)
        box.addWidget(self.title)
        box.addWidget(self.ticket)
        box.addWidget(self.take)
        box.addStretch(2)

    def render(self, view: BoothView) -> None:
        set_text(self.title, translate("Ticket", "Your queue number"))
        set_text(self.ticket, view.ticket or "")
        if view.has_printer and not any(role == "printer" for role, _ in view.faults):
            set_text(self.take, translate("Ticket", "Your ticket is printed below the screen. Please stay in "
                                                    "the booth."))
        else:
            set_text(self.take, translate("Ticket", "Please remember this number. Please stay in the booth."))


class WaitingScreen(Screen):
    """In the queue: the number, the place and the estimated wait; leaving asks first."""

    def __init__(self, post: Post, parent: QWidget | None = None) -> None:
        super().__init__(post, parent)
        box = _column(self)
        self.greeting = label("title", name="greeting")
        box.addWidget(self.greeting)
        body = QHBoxLayout()
        body.setSpacing(32)
        number = card()
        nbox = _column(number, 24, 8)
        self.number_title = label("large", align=Qt.AlignmentFlag.AlignHCenter)
        self.ticket = label("huge", align=Qt.AlignmentFlag.AlignHCenter, wrap=False, name="waiting_ticket")
        nbox.addStretch(1)
        nbox.addWidget(self.number_title)
        nbox.addWidget(self.ticket)
        nbox.addStretch(1)
        body.addWidget(number, 2)
        right = QVBoxLayout()
        right.setSpacing(20)
        self.place = label("title", name="queue_place")
        self.wait = label("large", name="queue_wait")
        self.stay = label("")
        right.addStretch(1)
        right.addWidget(self.place)
        right.addWidget(self.wait)
        right.addWidget(self.stay)
        right.addStretch(1)
        body.addLayout(right, 3)
        box.addLayout(body, 1)
        self.leave = button("leave", lambda: post(f.AskToLeave()))
        box.addLayout(_row(self.leave, None))

    def render(self, view: BoothView) -> None:
        if view.name:
            set_text(self.greeting, translate("Waiting", "Hello, {name}").format(name=view.name))
        else:
            set_text(self.greeting, translate("Waiting", "Please wait for the officer"))
        set_text(self.number_title, translate("Waiting", "Your number"))
        set_text(self.ticket, view.ticket or "")
        if view.offered:
            set_text(self.place, translate("Waiting", "An officer is about to call you"))
            set_text(self.wait, "")
        else:
            set_text(self.place, words.queue_place(view.queue_position))
            set_text(self.wait, words.wait_time(view.estimated_wait))
        set_text(self.stay, translate("Waiting", "Please stay in the booth. The officer will appear on this "
                                                 "screen."))
        set_text(self.leave, translate("Waiting", "Leave the queue"))


# ================================================================================ call


class CallScreen(Screen):
    """With the officer: their video large, your own face small, their prompts in big text."""

    def __init__(self, post: Post, parent: QWidget | None = None) -> None:
        super().__init__(post, parent)
        outer = _column(self, 0, 14)
        top = QHBoxLayout()
        top.setSpacing(24)
        self.officer = VideoView()
        self.officer.setObjectName("officer_video")
        self.officer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        top.addWidget(self.officer, 1)
        side = QWidget()
        side.setFixedWidth(500)
        self.side = side
        right = _column(side, 0, 14)
        self.self_view = VideoView()
        self.self_view.setObjectName("selfview_call")
        self.self_view.set_mirrored(True)
        self.self_view.setMinimumHeight(120)
        self.self_view.setMaximumHeight(248)
        self.prompt = label("prompt", name="prompt")
        self.prompt.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.checklist = label("", name="checklist")
        right.addWidget(self.self_view, 1)
        right.addWidget(self.prompt)
        right.addWidget(self.checklist)
        right.addStretch(1)
        top.addWidget(side)
        outer.addLayout(top, 1)
        self.status = label("status", name="call_status")
        self.hold_note = label("notice", name="on_hold")
        self.hears = label("good", wrap=False, name="officer_hears_you")
        self.hears.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.call_officer = button("call_officer", lambda: post(f.CallOfficer()), "primary")
        self.leave = button("leave", lambda: post(f.AskToLeave()))
        bottom = QHBoxLayout()
        bottom.setSpacing(16)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.hold_note, 1)
        bottom.addWidget(self.hears)
        bottom.addWidget(self.call_officer)
        bottom.addWidget(self.leave)
        outer.addLayout(bottom)

    def videos(self) -> list[VideoView]:
        return [self.officer, self.self_view]

    def resizeEvent(self, event) -> None:
        self.side.setFixedWidth(max(480, int(self.width() * 0.3)))
        super().resizeEvent(event)

    def render(self, view: BoothView) -> None:
        phase = view.call_phase or CallPhase.CONNECTING
        held = phase is CallPhase.ON_HOLD
        set_text(self.status, "" if held else words.call_phase(phase))
        set_text(self.hold_note, words.call_phase(phase) if held else "")
        show(self.status, not held)
        show(self.hold_note, held)
        set_text(self.hears, translate("Call", "✔ Your officer can hear you"))
        show(self.hears, view.officer_hears_you)
        self.officer.set_dimmed(phase is CallPhase.ON_HOLD)
        show(self.prompt, bool(view.prompt))
        set_text(self.prompt, view.prompt or "")
        items = list(view.checklist)
        show(self.checklist, bool(items))
        accepted = sum(1 for i in items if i.status is ChecklistStatus.VERIFIED)
        set_text(self.checklist, translate("Call", "Documents accepted: {accepted} of {total}").format(
            accepted=accepted, total=len(items)))
        set_text(self.call_officer, translate("Call", "Call the officer"))
        show(self.call_officer, phase in (CallPhase.ON_HOLD, CallPhase.WAITING_FOR_OFFICER))
        set_text(self.leave, translate("Call", "Leave"))


# ================================================================================ document


class DocumentScreen(Screen):
    """The officer asked for a document: which one, the live tray view with the outline, the
    hint, the ring that fills while it is held still, "sent", the verdict."""

    def __init__(self, post: Post, parent: QWidget | None = None) -> None:
        super().__init__(post, parent)
        grid = QHBoxLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(28)
        left = QVBoxLayout()
        left.setSpacing(14)
        self.title = label("large", name="document_title")
        self.picture = DocumentPicture()
        self.picture.setMinimumHeight(80)
        self.state = label("large", name="document_state")
        self.verdict_good = label("good", name="verdict_accepted")
        self.verdict_bad = label("bad", name="verdict_rejected")
        self.detail = label("", name="document_detail")
        self.ring = HoldRing()
        self.progress = QProgressBar()
        self.progress.setObjectName("sent_progress")
        self.progress.setRange(0, 100)
        self.capture = button("capture_now", lambda: post(f.CaptureNow()), "primary")
        left.addWidget(self.title)
        left.addWidget(self.picture, 2)
        left.addLayout(_row(self.ring, self.state, spacing=16))
        left.addWidget(self.verdict_good)
        left.addWidget(self.verdict_bad)
        left.addWidget(self.detail)
        left.addWidget(self.progress)
        left.addStretch(1)
        left.addWidget(self.capture)
        leftw = QWidget()
        leftw.setLayout(left)
        left.setContentsMargins(0, 0, 0, 0)
        leftw.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        grid.addWidget(leftw, 9)
        right = QVBoxLayout()
        right.setSpacing(10)
        self.tray_caption = label("muted")
        self.preview = OutlinedVideoView()
        self.preview.setObjectName("document_preview")
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        right.addWidget(self.tray_caption)
        right.addWidget(self.preview, 1)
        bottom = QHBoxLayout()
        bottom.setSpacing(14)
        self.status = label("notice", name="document_call_status")
        self.hears = label("good", name="document_hears_you")
        notes = QVBoxLayout()
        notes.addStretch(1)
        notes.addWidget(self.status)
        notes.addWidget(self.hears)
        bottom.addLayout(notes, 1)
        self.officer = VideoView()
        self.officer.setObjectName("officer_video_small")
        self.officer.setFixedSize(256, 144)
        bottom.addWidget(self.officer)
        right.addLayout(bottom)
        rightw = QWidget()
        right.setContentsMargins(0, 0, 0, 0)
        rightw.setLayout(right)
        rightw.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        grid.addWidget(rightw, 11)

    def videos(self) -> list[VideoView]:
        return [self.preview, self.officer]

    def render(self, view: BoothView) -> None:
        d = view.document
        if d is None:
            return
        name = words.document_name(d.document)
        phase = d.phase
        if d.attempt > 1 and phase is DocumentPhase.POSITIONING:
            set_text(self.title, translate("Document", "Please show your {document} again").format(document=name))
        else:
            set_text(self.title, translate("Document", "Please put your {document} on the tray").format(document=name))
        self.picture.set_kind(d.document)
        positioning = phase is DocumentPhase.POSITIONING
        good = d.hint is ScanHint.OK
        state, detail, role = "", "", "large"
        if positioning:
            state = words.hint(d.hint)
            if not d.capture_now_allowed:
                detail = translate("Document", "The picture is taken by itself when the document lies still.")
        elif phase is DocumentPhase.CAPTURING:
            state = translate("Document", "Taking the picture…")
        elif phase is DocumentPhase.SENDING:
            state = translate("Document", "Sending it to the officer…")
            detail = translate("Document", "You can take your document back.")
        elif phase is DocumentPhase.SENT:
            state = translate("Document", "Sent. The officer is checking it.")
            detail = translate("Document", "You can take your document back.")
        elif phase is DocumentPhase.ACCEPTED:
            state, role = translate("Document", "✔ Accepted. Thank you."), "good"
            detail = translate("Document", "You can take your document back.")
        elif phase is DocumentPhase.REJECTED:
            state, role = translate("Document", "Please show it again"), "bad"
            detail = words.reject_reason(d.reason)
        elif phase is DocumentPhase.CAMERA_PROBLEM:
            state, role = translate("Document", "The document camera is not working"), "bad"
            detail = translate("Document", "The officer has been told and will help you.")
        for w, r in ((self.state, "large"), (self.verdict_good, "good"), (self.verdict_bad, "bad")):
            set_text(w, state if r == role else "")
            show(w, r == role and bool(state))
        set_text(self.detail, detail)
        show(self.detail, bool(detail))
        show(self.ring, positioning or phase is DocumentPhase.CAPTURING)
        self.ring.set_progress(1.0 if phase is DocumentPhase.CAPTURING else d.hold_progress, good)
        sending = phase in (DocumentPhase.SENDING, DocumentPhase.SENT)
        show(self.progress, sending)
        value = int(round(100 * d.sent_fraction))
        if self.progress.value() != value:
            self.progress.setValue(value)
        fmt = translate("Document", "Sent {percent}%").format(percent=value)
        if self.progress.format() != fmt:
            self.progress.setFormat(fmt)
        show(self.capture, positioning and d.capture_now_allowed)
        set_text(self.capture, translate("Document", "Take the picture now"))
        set_text(self.tray_caption, translate("Document", "What the camera over the tray sees:"))
        self.preview.set_outline(d.outline if positioning else None, good)
        phase_call = view.call_phase or CallPhase.CONNECTING
        set_text(self.status, words.call_phase(phase_call))
        show(self.status, phase_call is not CallPhase.TALKING)
        set_text(self.hears, translate("Call", "✔ Your officer can hear you"))
        show(self.hears, view.officer_hears_you)
        self.officer.set_dimmed(phase_call is CallPhase.ON_HOLD)


# ================================================================================ end


class EndScreen(Screen):
    """The outcome, what happens next, the reference (it stays when there is no paper)."""

    def __init__(self, post: Post, parent: QWidget | None = None) -> None:
        super().__init__(post, parent)
        box = _column(self, 0, 16)
        self.title = label("title", name="outcome_title")
        self.next = label("large", name="outcome_next")
        ref = card()
        rbox = QHBoxLayout(ref)
        rbox.setContentsMargins(28, 16, 28, 16)
        self.reference_title = label("")
        self.reference = label("huge", wrap=False, name="reference")
        self.reference.setStyleSheet("font-size: 48pt;")
        rbox.addWidget(self.reference_title, 1)
        rbox.addWidget(self.reference)
        self.ref_card = ref
        self.receipt = label("large", name="receipt_state")
        self.documents = label("", name="documents_verified")
        self.done = button("finish", lambda: post(f.Finish()), "primary")
        box.addWidget(self.title)
        box.addWidget(self.next)
        box.addWidget(ref)
        box.addWidget(self.receipt)
        box.addWidget(self.documents)
        box.addStretch(1)
        box.addLayout(_row(None, self.done))

    def render(self, view: BoothView) -> None:
        set_text(self.title, words.outcome_title(view.outcome))
        set_text(self.next, words.outcome_next(view.outcome))
        set_text(self.reference_title, translate("End", "Your reference number:"))
        set_text(self.reference, view.reference or "")
        show(self.ref_card, bool(view.reference))
        text = words.receipt(view.receipt)
        set_text(self.receipt, text)
        show(self.receipt, bool(text))
        if view.documents_verified:
            names = ", ".join(words.document_name(d) for d in view.documents_verified)
            set_text(self.documents, translate("End", "Documents accepted: {documents}").format(documents=names))
        else:
            set_text(self.documents, "")
        show(self.documents, bool(view.documents_verified))
        set_text(self.done, translate("End", "Done"))


# ================================================================================ out of service


class OutOfServiceScreen(Screen):
    """The branch server cannot be reached while idle (or refused the booth)."""

    def __init__(self, post: Post, parent: QWidget | None = None) -> None:
        super().__init__(post, parent)
        box = _column(self)
        box.addStretch(2)
        self.title = label("title", align=Qt.AlignmentFlag.AlignHCenter, name="out_of_service_title")
        self.title.setStyleSheet("font-size: 52pt;")
        self.go = label("large", align=Qt.AlignmentFlag.AlignHCenter)
        box.addWidget(self.title)
        box.addSpacing(20)
        box.addWidget(self.go)
        box.addStretch(3)
        self.corner = HiddenCorner(lambda: post(f.TechnicianGesture()), self)

    def render(self, view: BoothView) -> None:
        set_text(self.title, translate("OutOfService", "This booth is not available right now"))
        set_text(self.go, translate("OutOfService", "Please go to the front desk. The staff there will help you."))
        self.corner.raise_()


# ================================================================================ technician


class TechnicianScreen(Screen):
    """Behind the hidden gesture and the PIN: device status, hardware probe and tests, the
    config check."""

    def __init__(self, post: Post, tools=None, parent: QWidget | None = None) -> None:
        super().__init__(post, parent)
        self.tools = tools
        box = _column(self, 0, 14)
        self.title = label("title")
        box.addWidget(self.title)
        # locked: the PIN pad
        self.locked = QWidget()
        lbox = QHBoxLayout(self.locked)
        lbox.setContentsMargins(0, 0, 0, 0)
        pinside = QVBoxLayout()
        self.pin_prompt = label("large")
        self.pin_dots = label("code", wrap=False, name="pin_dots")
        self.pin_note = label("", name="pin_note")
        pinside.addWidget(self.pin_prompt)
        pinside.addWidget(self.pin_dots)
        pinside.addWidget(self.pin_note)
        pinside.addStretch(1)
        lbox.addLayout(pinside, 1)
        self.pinpad = Keypad(PIN_KEYS, lambda k: post(f.PinKey(k)), "pin")
        self.pinpad.setFixedWidth(420)
        self.pinpad.setMaximumHeight(4 * 80 + 3 * 8)
        lbox.addWidget(self.pinpad)
        box.addWidget(self.locked, 1)
        # unlocked: devices and tools
        self.unlocked = QWidget()
        ubox = QHBoxLayout(self.unlocked)
        ubox.setContentsMargins(0, 0, 0, 0)
        ubox.setSpacing(20)
        left = QVBoxLayout()
        self.devices_title = label("large")
        self.devices = label("", name="device_status")
        self.devices.setStyleSheet("font-size: 16pt;")
        left.addWidget(self.devices_title)
        left.addWidget(self.devices)
        left.addStretch(1)
        ubox.addLayout(left, 2)
        right = QVBoxLayout()
        actions = QGridLayout()
        actions.setSpacing(10)
        self.probe = button("tech_probe", lambda: self._run("probe"), "tool")
        self.check = button("tech_check", lambda: self._run("check"), "tool")
        actions.addWidget(self.probe, 0, 0)
        actions.addWidget(self.check, 0, 1)
        self.tests: dict[str, object] = {}
        for i, role in enumerate(("camera", "document_camera", "microphone", "speaker", "button", "light", "printer")):
            b = button(f"tech_test_{role}", lambda r=role: self._run("test", r), "tool")
            actions.addWidget(b, (2 + i) // 2, (2 + i) % 2)
            self.tests[role] = b
        right.addLayout(actions)
        self.output = QPlainTextEdit()
        self.output.setObjectName("tech_output")
        self.output.setReadOnly(True)
        self.output.setMinimumHeight(120)
        right.addWidget(self.output, 1)
        ubox.addLayout(right, 3)
        box.addWidget(self.unlocked, 1)
        self.leave = button("tech_leave", lambda: post(f.LeaveTechnician()))
        box.addLayout(_row(self.leave, None))
        self._running = False

    def _run(self, what: str, role: str | None = None) -> None:
        if self.tools is None or self._running:
            return
        self._running = True
        self.output.setPlainText(translate("Technician", "Running…"))

        def done(text: str) -> None:
            self._running = False
            self.output.setPlainText(text)

        self.tools.run(what, role, done)

    def render(self, view: BoothView) -> None:
        t = view.technician
        set_text(self.title, translate("Technician", "Technician"))
        unlocked = t is not None and t.unlocked
        show(self.locked, not unlocked)
        show(self.unlocked, unlocked)
        set_text(self.leave, translate("Technician", "Leave"))
        if t is None:
            return
        if not unlocked:
            if not t.pin_configured:
                prompt = translate("Technician", "No technician PIN is set in the booth config.")
            else:
                prompt = translate("Technician", "Enter the technician PIN")
            set_text(self.pin_prompt, prompt)
            set_text(self.pin_dots, "●" * t.pin_length or " ")
            note = ""
            if t.locked_for > 0:
                note = translate("Technician", "Locked for {seconds} s").format(seconds=int(t.locked_for + 0.99))
            set_text(self.pin_note, note)
            self.pinpad.set_label("DEL", "⌫")
            self.pinpad.set_label("OK", translate("Technician", "OK"))
            return
        set_text(self.devices_title, translate("Technician", "Devices"))
        lines = []
        for role, ok, message in t.devices:
            state = translate("Technician", "working") if ok else (message or translate("Technician", "not working"))
            lines.append(f"{'✔' if ok else '✘'} {words.device_role(role)}: {state}")
        if view.out_of_service:
            lines.append(translate("Technician", "Branch server: {why}").format(why=view.out_of_service))
        else:
            lines.append(translate("Technician", "Branch server: connected"))
        set_text(self.devices, "\n".join(lines))
        set_text(self.probe, translate("Technician", "Probe devices"))
        set_text(self.check, translate("Technician", "Check config"))
        for role, b in self.tests.items():
            set_text(b, translate("Technician", "Test: {device}").format(device=words.device_role(role)))
