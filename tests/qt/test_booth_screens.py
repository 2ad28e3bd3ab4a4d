"""The booth's screens as an elderly participant meets them: every screen in both languages fits
a real booth screen without scrolling or clipped text, with large type and large touch targets,
and every participant-facing string is translated (Qt's own tools)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from common.documents import DocumentKind, RejectReason
from common.language import Language
from kiosk import flow as f
from kiosk.flow import (BoothView, CallPhase, DocumentPhase, DocumentView, LightColour, NoticeKind, ReceiptState,
                        ScanHint, Screen, TechnicianView)
from kiosk.ui import theme
from kiosk.ui.window import I18N, KioskWindow
from media.control import ChecklistItem, ChecklistStatus
from qtview import i18n
from signaling.protocol import Outcome

ALL = (Language.ID, Language.EN)
CHECKLIST = tuple(ChecklistItem(document=d, status=s) for d, s in zip(
    (DocumentKind.KTP, DocumentKind.KK, DocumentKind.MEMBERSHIP_CARD, DocumentKind.TERMINATION_LETTER,
     DocumentKind.BANK_BOOK, DocumentKind.CLAIM_FORM),
    (ChecklistStatus.VERIFIED, ChecklistStatus.REJECTED, ChecklistStatus.RECEIVED, ChecklistStatus.REQUESTED,
     ChecklistStatus.NEEDED, ChecklistStatus.NEEDED)))
LONG_PROMPT = "Mohon tunggu sebentar, saya sedang memeriksa dokumen Anda. Setelah itu saya akan meminta KTP Anda."


def views(language: Language) -> dict[str, BoothView]:
    """A view of every screen and overlay, in its most crowded form."""
    b = dict(language=language, languages=ALL, light=LightColour.WAITING, server_up=True, has_printer=True)
    pre = dict(b, language_choice=True)
    doc = lambda phase, kind=DocumentKind.TERMINATION_LETTER, **kw: BoothView(  # noqa: E731
        Screen.DOCUMENT, call_phase=CallPhase.TALKING, officer_hears_you=True, checklist=CHECKLIST,
        document=DocumentView("r1", kind, phase, **kw), **b)
    out = {
        "attract": BoothView(Screen.ATTRACT, notice=NoticeKind.VISIT_INTERRUPTED, **pre),
        "privacy": BoothView(Screen.PRIVACY, can_leave=False, **pre),
        "check_in": BoothView(Screen.CHECK_IN, can_leave=True, notice=NoticeKind.BOOKING_SLOT_PASSED, **pre),
        "code_entry": BoothView(Screen.CODE_ENTRY, can_leave=True, code_input="BK-4711-2026-XY",
                                notice=NoticeKind.BOOKING_UNKNOWN, **pre),
        "checking": BoothView(Screen.CHECKING, code_input="BK-4711-2026-XY", **pre),
        "ticket": BoothView(Screen.TICKET, ticket="A017", **pre),
        "waiting": BoothView(Screen.WAITING, ticket="B104", name="Siti Rahayu Kusumawardhani", queue_position=12,
                             estimated_wait=1500, can_leave=True, notice=NoticeKind.PLEASE_WAIT, **pre),
        "still_there": BoothView(Screen.WAITING, ticket="A017", queue_position=3, still_there_left=17.2,
                                 can_leave=True, **pre),
        "confirm_leave": BoothView(Screen.WAITING, ticket="A017", queue_position=1, confirm_leave=True,
                                   can_leave=True, **pre),
        "call": BoothView(Screen.CALL, call_phase=CallPhase.TALKING, officer_hears_you=True, prompt=LONG_PROMPT,
                          checklist=CHECKLIST, can_leave=True, notice=NoticeKind.OFFICER_NOTIFIED, **b),
        "on_hold": BoothView(Screen.CALL, call_phase=CallPhase.ON_HOLD, prompt=LONG_PROMPT, checklist=CHECKLIST,
                             can_leave=True, **b),
        "reconnecting": BoothView(Screen.CALL, call_phase=CallPhase.RECONNECTING, reconnecting=True, can_leave=True,
                                  faults=(("camera", "camera 0 gone"), ("printer", "paper out")), **b),
        "document": doc(DocumentPhase.POSITIONING, hint=ScanHint.PREVIOUS_DOCUMENT, hold_progress=0.4,
                        capture_now_allowed=True, attempt=2),
        "document_sending": doc(DocumentPhase.SENDING, DocumentKind.MEMBERSHIP_CARD, sent_fraction=0.45),
        "document_accepted": doc(DocumentPhase.ACCEPTED, DocumentKind.KTP),
        "document_rejected": doc(DocumentPhase.REJECTED, DocumentKind.KK, reason=RejectReason.DATA_MISMATCH),
        "document_camera_problem": doc(DocumentPhase.CAMERA_PROBLEM, DocumentKind.BANK_BOOK),
        "end": BoothView(Screen.END, outcome=Outcome.DOCUMENTS_INCOMPLETE, reference="20261126-B104",
                         receipt=ReceiptState.FAILED, documents_verified=(DocumentKind.KTP, DocumentKind.KK,
                                                                          DocumentKind.MEMBERSHIP_CARD),
                         faults=(("printer", "paper out"),), **pre),
        "end_rejected": BoothView(Screen.END, outcome=Outcome.REJECTED, reference="20261126-B105",
                                  receipt=ReceiptState.PRINTED, **pre),
        "out_of_service": BoothView(Screen.OUT_OF_SERVICE, **pre),
        "technician_locked": BoothView(Screen.TECHNICIAN, notice=NoticeKind.PIN_LOCKED,
                                       technician=TechnicianView(False, 3, 42.0, True), **b),
        "technician": BoothView(Screen.TECHNICIAN, technician=TechnicianView(True, 0, 0, True, (
            ("button", True, ""), ("camera", True, ""), ("document_camera", True, ""), ("light", True, ""),
            ("microphone", True, ""), ("printer", False, "printer on /dev/ttyUSB2: paper out"))), **b),
    }
    return out


def visible(window, kind):
    return [w for w in window.findChildren(kind) if w.isVisible() and w.window() is window]


@pytest.fixture(scope="module")
def window():
    QApplication.instance() or QApplication([])
    w = KioskWindow(lambda intent: None)
    yield w
    w.close()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
@pytest.mark.parametrize("language", ALL)
def test_every_screen_fits_with_large_type_and_large_targets(window, qtbot, size, language):
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    problems = []
    for name, view in views(language).items():
        window.render(view)
        QApplication.processEvents()
        screen = window.rect()
        for w in visible(window, QLabel) + visible(window, QAbstractButton):
            r = w.rect().translated(w.mapTo(window, w.rect().topLeft()))
            if not screen.contains(r):
                problems.append(f"{name}: {w.objectName() or w.text()[:30]!r} is off the screen")
        for lab in visible(window, QLabel):
            if lab.text().strip() and lab.wordWrap() and lab.heightForWidth(lab.width()) > lab.height() + 2:
                problems.append(f"{name}: text cut off: {lab.text()[:50]!r}")
            if lab.text().strip() and view.screen is not Screen.TECHNICIAN and lab.font().pointSize() < theme.MIN_BODY_PT:
                problems.append(f"{name}: {lab.font().pointSize()} pt text: {lab.text()[:40]!r}")
            if lab.text().strip() and not lab.wordWrap() and lab.sizeHint().width() > lab.width() + 2:
                problems.append(f"{name}: text cut off at the side: {lab.text()[:50]!r}")
        for b in visible(window, QAbstractButton):
            if b.width() < theme.MIN_TOUCH or b.height() < theme.MIN_TOUCH:
                problems.append(f"{name}: button {b.objectName()} is {b.width()}x{b.height()}")
            if view.screen is not Screen.TECHNICIAN and b.font().pointSize() < theme.MIN_BODY_PT:
                problems.append(f"{name}: button {b.objectName()} text at {b.font().pointSize()} pt")
            if b.text() and b.fontMetrics().horizontalAdvance(b.text().split("\n")[0]) > b.width():
                problems.append(f"{name}: button text cut off: {b.text()!r}")
        # one clear action: at most one primary button
        primary = [b for b in visible(window, QAbstractButton) if b.property("role") == "primary"]
        if len(primary) > 1:
            problems.append(f"{name}: {len(primary)} main actions")
    assert not problems, "\n".join(problems)


def test_the_language_can_be_switched_on_every_screen_before_the_call(window, qtbot):
    window.resize(1366, 768)
    window.show()
    for name, view in views(Language.ID).items():
        window.render(view)
        bar = window.bar.isVisible()
        assert bar == view.language_choice, name
    window.render(views(Language.ID)["waiting"])
    assert window.screens[Screen.WAITING].leave.text() == "Keluar dari antrean"
    window.render(views(Language.EN)["waiting"])
    assert window.screens[Screen.WAITING].leave.text() == "Leave the queue"


SCAN_WORDS = {  # what the participant reads for each of the scanner's reasons (Bahasa Indonesia, English)
    "no_document": ("Letakkan dokumen di atas baki", "Put your document on the tray"),
    "out_of_frame": ("Geser dokumen ke tengah baki", "Move the document to the middle of the tray"),
    "covered": ("Angkat tangan dari dokumen", "Take your hand off the document"),
    "too_small": ("Dekatkan dokumen ke kamera", "Hold the document closer to the camera"),
    "motion_blur": ("Jangan gerakkan dokumen", "Keep the document still"),
    "blurry": ("Letakkan dokumen rata di baki", "Lay the document flat on the tray"),
    "glare": ("Miringkan sedikit agar tidak silau", "Tilt it a little to stop the shine"),
    "ok": ("Bagus, tahan sebentar", "Good, hold it there"),
}


def flow_at_the_document_screen(language: Language):
    """A booth flow whose officer asked for the KTP, in ``language``."""
    from kiosk.flow import BoothFlow, FlowRules
    from media.control import CaptureMode
    from media.events import DocumentRequested
    from signaling import protocol as p

    def session(state):
        return p.SessionInfo(id="s1", booth_id="booth-01", ticket="A007", kind="walk_in", language=language.value,
                             state=state, queued_at=0.0, cso_id=None if state is p.SessionState.WAITING else "cso-01")

    flow = BoothFlow(FlowRules(), has_printer=True, now=0.0)
    for event in (f.ServerUp(p.Welcome(role="booth", device_id="booth-01", server_time=0.0, sessions=[])),
                  f.ChooseLanguage(language), f.Start(), f.AcceptPrivacy(), f.ChooseWalkIn(),
                  f.Announced(session(p.SessionState.WAITING)), f.SessionChanged(session(p.SessionState.ACTIVE)),
                  DocumentRequested("s1", "r1", DocumentKind.KTP, 1, CaptureMode.AUTO)):
        flow.handle(event, 1.0)
    return flow


def test_every_scanner_reason_reaches_the_screen_in_both_languages(window, qtbot):
    """Reason (hardware.scanner) -> hint (kiosk.app) -> the flow's view -> the document screen."""
    from hardware.scanner import Reason
    from kiosk.app import scan_hint

    assert set(SCAN_WORDS) == {r.value for r in Reason}
    window.resize(1366, 768)
    window.show()
    shown = {}
    for language in ALL:
        flow = flow_at_the_document_screen(language)
        for reason in Reason:
            flow.handle(f.ScanUpdate("r1", scan_hint(reason), 0.2), 2.0)
            view = flow.view(2.0)
            assert view.screen is Screen.DOCUMENT and view.language is language
            window.render(view)
            state = window.screens[Screen.DOCUMENT].state
            shown[(reason.value, language)] = state.text() if state.isVisible() else "(hidden)"
    assert shown == {(r, lang): words[ALL.index(lang)] for r, words in SCAN_WORDS.items() for lang in ALL}


def test_touches_become_intents(qtbot):
    got = []
    w = KioskWindow(got.append)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.render(views(Language.EN)["code_entry"])
    for name in ("key_B", "key_7", "key_DEL", "key_CLEAR", "submit_code", "lang_id"):
        b = w.findChild(QAbstractButton, name)
        qtbot.mouseClick(b, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.MouseButton.LeftButton)
    intents = [i for i in got if not isinstance(i, f.Touch)]
    assert intents == [f.KeyPress("B"), f.KeyPress("7"), f.KeyPress("DEL"), f.KeyPress("CLEAR"), f.SubmitCode(),
                       f.ChooseLanguage(Language.ID)]
    assert any(isinstance(i, f.Touch) for i in got)  # any touch tells the flow someone is there


def test_both_languages_are_complete(tmp_path):
    ts = I18N / "kiosk_id.ts"
    assert i18n.problems(ts) == []
    # every string in the code is in the file: collect them afresh into a copy and look again
    copy = tmp_path / "kiosk_id.ts"
    shutil.copy(ts, copy)
    sources = sorted((Path(__file__).resolve().parents[2] / "kiosk" / "ui").glob("*.py"))
    i18n.update(sources, copy)
    assert i18n.problems(copy) == [], "strings in kiosk/ui without an Indonesian translation (run lupdate)"
