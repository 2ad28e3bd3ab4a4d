"""The booth's visit (kiosk.flow.BoothFlow), pure: no Qt, no sockets, no threads, no clock."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from common.documents import DocumentKind, RejectReason, Verdict
from common.language import Language
from kiosk import flow as f
from kiosk.flow import BoothFlow, CallPhase, DocumentPhase, FlowRules, LightColour, NoticeKind, ReceiptState, Screen
from media.control import CaptureMode, ChecklistItem, QualityRequest, TrackQuality
from media.events import (
    CallState,
    CallStateChanged,
    ChecklistReceived,
    DocumentCancelled,
    DocumentRequested,
    PromptReceived,
    QualityApplied,
    VerdictReceived,
)
from signaling import protocol as p
from signaling.protocol import Outcome, SessionState

T0 = 1_764_000_000.0
RULES = FlowRules(still_there_after=60, waiting_still_there_after=300, still_there_answer=20, message_seconds=5,
                  end_screen_seconds=30, out_of_service_after=15, capture_now_after=20, check_in_timeout=30)
TALK = QualityRequest(face=TrackQuality(width=1280, height=720, fps=30), audio=True)
QUIET = QualityRequest(face=TrackQuality(width=320, height=180, fps=10), audio=False)


def session(state=SessionState.WAITING, sid="s1", ticket="A007", kind="walk_in", outcome=None, name=None):
    return p.SessionInfo(id=sid, booth_id="booth-01", ticket=ticket, kind=kind, language="id", state=state,
                         queued_at=T0, cso_id=None if state is SessionState.WAITING else "cso-01", outcome=outcome,
                         name=name)


def welcome(*sessions):
    return p.Welcome(role="booth", device_id="booth-01", server_time=T0, sessions=list(sessions))


class Driver:
    """Feeds a BoothFlow, keeps every command, and checks what must always hold."""

    def __init__(self, rules=RULES, printer=True, pin="2468", server=True):
        self.now = 100.0
        self.flow = BoothFlow(rules, verify_pin=(lambda x: x == pin) if pin else None, has_printer=printer,
                              now=self.now)
        self.commands: list = []
        self.scanner = self.qr = self.tray = False
        if server:
            self(f.ServerUp(welcome()))

    def __call__(self, event, dt=0.0):
        self.now += dt
        out = self.flow.handle(event, self.now)
        self.commands.extend(out)
        for c in out:
            if isinstance(c, f.StartScanner):
                assert not self.scanner, "scanner started twice"
                self.scanner = True
            elif isinstance(c, f.StopScanner):
                assert self.scanner, "scanner stopped while not running"
                self.scanner = False
            elif isinstance(c, f.StartQrReader):
                assert not self.qr
                self.qr = True
            elif isinstance(c, f.StopQrReader):
                assert self.qr
                self.qr = False
            elif isinstance(c, f.WatchTray):
                assert c.on != self.tray, "tray watch switched to what it was"
                self.tray = c.on
            elif isinstance(c, f.Wipe):
                assert not self.flow.holds_participant_data(), "wiped but still holding participant data"
        return out

    @property
    def view(self):
        return self.flow.view(self.now)

    def last(self, kind):
        return next(c for c in reversed(self.commands) if isinstance(c, kind))

    def of(self, kind):
        return [c for c in self.commands if isinstance(c, kind)]

    # whole steps
    def walk_in(self):
        self(f.Start())
        self(f.AcceptPrivacy())
        self(f.ChooseWalkIn())
        self(f.Announced(session()))
        self(f.Tick(), dt=6)  # past the ticket screen

    def into_call(self, quality=TALK):
        self.walk_in()
        self(f.SessionChanged(session(SessionState.ACTIVE)))
        self(CallStateChanged("s1", CallState.CONNECTED))
        self(QualityApplied("s1", quality))

    def request(self, rid="r1", doc=DocumentKind.KTP, capture=CaptureMode.AUTO, attempt=1):
        return self(DocumentRequested("s1", rid, doc, attempt, capture))


@pytest.fixture
def d():
    return Driver()


# ---------------------------------------------------------------- idle, language, out of service


def test_idle_booth_attracts_in_bahasa_with_idle_light(d):
    v = d.view
    assert (v.screen, v.language, v.light, v.languages) == (Screen.ATTRACT, Language.ID, LightColour.IDLE,
                                                            (Language.ID, Language.EN))
    assert d.of(f.SetLight)[-1].colour is LightColour.IDLE


def test_language_choice_lasts_the_visit_and_is_forgotten_at_the_wipe(d):
    d(f.ChooseLanguage(Language.EN))
    d.walk_in()
    assert d.view.language is Language.EN and d.last(f.AnnounceVisit).language is Language.EN
    d(f.LeaveVisit())
    assert d.view.language is Language.ID and isinstance(d.last(f.CancelVisit), f.CancelVisit)


def test_unknown_language_is_ignored(d):
    flow = Driver(FlowRules(languages=(Language.ID,)))
    flow(f.ChooseLanguage(Language.EN))
    assert flow.view.language is Language.ID


def test_no_server_while_idle_means_out_of_service_then_back(d):
    d(f.ServerDown("connection lost"))
    d(f.Start())
    assert d.view.screen is Screen.ATTRACT and d.view.notice is NoticeKind.SERVER_PROBLEM
    d(f.Tick(), dt=16)
    v = d.view
    assert v.screen is Screen.OUT_OF_SERVICE and v.light is LightColour.FAULT and "unreachable" in v.out_of_service
    d(f.ServerUp(welcome()))
    assert d.view.screen is Screen.ATTRACT and d.view.light is LightColour.IDLE


def test_refused_booth_is_out_of_service_with_the_reason_for_staff(d):
    d.walk_in()
    d(f.ServerRefused("wrong token for booth 'booth-01'"))
    v = d.view
    assert v.screen is Screen.OUT_OF_SERVICE and "wrong token" in v.out_of_service
    assert d.of(f.Wipe) and not d.flow.holds_participant_data()


# ---------------------------------------------------------------- check-in


def test_walk_in_gets_a_ticket_printed_then_waits_with_its_place(d):
    d(f.Start())
    assert d.view.screen is Screen.PRIVACY and d.view.light is LightColour.WAITING
    d(f.AcceptPrivacy())
    assert d.view.screen is Screen.CHECK_IN and d.qr  # the face camera reads QR codes on check-in
    d(f.ChooseWalkIn())
    assert d.view.screen is Screen.CHECKING and not d.qr
    assert d.last(f.AnnounceVisit) == f.AnnounceVisit("walk_in", None, Language.ID)
    d(f.Announced(session()))
    assert d.view.screen is Screen.TICKET and d.view.ticket == "A007"  # the number, large
    assert d.last(f.PrintTicket) == f.PrintTicket("A007", Language.ID)
    d(f.QueuePositionChanged(p.QueuePosition(session_id="s1", position=3, waiting=5, estimated_wait=480)))
    d(f.Tick(), dt=6)
    v = d.view
    assert (v.screen, v.ticket, v.queue_position, v.queue_waiting, v.estimated_wait) == (
        Screen.WAITING, "A007", 3, 5, 480)


def test_without_printer_the_ticket_stays_on_screen_only():
    d = Driver(printer=False)
    d.walk_in()
    assert not d.of(f.PrintTicket) and d.view.ticket == "A007"


def test_booking_code_typed_checked_and_announced(d):
    d(f.Start())
    d(f.AcceptPrivacy())
    d(f.ChooseBooking())
    for k in "bk-0":
        d(f.KeyPress(k))
    d(f.KeyPress("DEL"))
    for k in "01x":
        d(f.KeyPress(k))
    d(f.KeyPress("?"))  # not a code character
    assert d.view.code_input == "BK-01X"
    d(f.SubmitCode())
    assert d.last(f.CheckBookingCode).code == "BK-01X" and d.view.screen is Screen.CHECKING
    booking = p.BookingInfo(code="BK-01X", name="Siti Rahayu", slot_start=T0)
    d(f.BookingChecked(p.BookingResult(code="BK-01X", valid=True, booking=booking)))
    assert d.last(f.AnnounceVisit) == f.AnnounceVisit("booking", "BK-01X", Language.ID)
    d(f.Announced(session(kind="booking", ticket="B002", name="Siti Rahayu")))
    v = d.view
    assert v.screen is Screen.WAITING and v.ticket == "B002" and v.name == "Siti R."  # the screen is public: first name, initial
    assert not d.of(f.PrintTicket)  # a booking needs no paper ticket


def test_a_booth_stopped_for_guessing_codes_offers_the_walk_in(d):
    d(f.Start())
    d(f.AcceptPrivacy())
    d(f.ChooseBooking())
    for ch in "BK7Q4M2XC9":
        d(f.KeyPress(ch))
    d(f.SubmitCode())
    d(f.RequestFailed("check_booking", p.ErrorCode.RATE_LIMITED, "5 wrong booking codes at this booth"))
    v = d.view
    assert v.screen is Screen.CHECK_IN and v.notice is NoticeKind.TOO_MANY_CODES and v.code_input == ""


@pytest.mark.parametrize("problem,notice", [
    (p.BookingProblem.UNKNOWN, NoticeKind.BOOKING_UNKNOWN),
    (p.BookingProblem.NOT_TODAY, NoticeKind.BOOKING_NOT_TODAY),
    (p.BookingProblem.SLOT_PASSED, NoticeKind.BOOKING_SLOT_PASSED),
    (p.BookingProblem.ALREADY_SERVED, NoticeKind.BOOKING_ALREADY_SERVED),
    (p.BookingProblem.ALREADY_WAITING, NoticeKind.BOOKING_ALREADY_WAITING),
])

def test_bad_codes_get_a_clear_message_and_a_way_on(d, problem, notice):
    d(f.Start())
    d(f.AcceptPrivacy())
    d(f.ChooseBooking())
    for k in "ZZ99":
        d(f.KeyPress(k))
    d(f.SubmitCode())
    d(f.BookingChecked(p.BookingResult(code="ZZ99", valid=False, problem=problem, reason="x")))
    v = d.view
    assert v.screen is Screen.CODE_ENTRY and v.notice is notice and v.code_input == ""
    d(f.Tick(), dt=6)
    assert d.view.notice is None
    d(f.Back())
    d(f.ChooseWalkIn())  # the way on: a walk-in ticket
    assert d.last(f.AnnounceVisit).kind == "walk_in"


def test_short_code_is_not_sent(d):
    d(f.Start())
    d(f.AcceptPrivacy())
    d(f.ChooseBooking())
    d(f.KeyPress("1"))
    d(f.SubmitCode())
    assert d.view.notice is NoticeKind.CODE_TOO_SHORT and not d.of(f.CheckBookingCode)


def test_qr_code_from_the_face_camera_checks_the_booking(d):
    d(f.Start())
    d(f.AcceptPrivacy())
    d(f.QrDecoded("  bk-777 \n"))
    assert d.last(f.CheckBookingCode).code == "BK-777" and d.view.screen is Screen.CHECKING
    d(f.QrDecoded("BK-888"))  # a second code while checking is ignored
    assert len(d.of(f.CheckBookingCode)) == 1


def test_qr_with_junk_is_refused_on_screen(d):
    d(f.Start())
    d(f.AcceptPrivacy())
    d(f.QrDecoded("https://example.invalid/<script>"))
    assert d.view.notice is NoticeKind.BOOKING_UNKNOWN and not d.of(f.CheckBookingCode)


def test_a_lost_answer_lets_the_participant_try_again(d):
    d(f.Start())
    d(f.AcceptPrivacy())
    d(f.ChooseWalkIn())
    d(f.RequestFailed("announce", None, "connection lost"))
    assert d.view.screen is Screen.CHECK_IN and d.view.notice is NoticeKind.SERVER_PROBLEM
    d(f.ChooseWalkIn())
    d(f.Tick(), dt=31)  # no answer at all
    assert d.view.screen is Screen.CHECK_IN and d.view.notice is NoticeKind.SERVER_PROBLEM


# ---------------------------------------------------------------- still there?


def test_nobody_answers_still_there_and_the_check_in_is_given_up(d):
    d(f.Start())
    d(f.AcceptPrivacy())
    d(f.Tick(), dt=59)
    assert d.view.still_there_left is None
    d(f.Tick(), dt=2)
    assert d.view.still_there_left == pytest.approx(19)
    d(f.Tick(), dt=20)
    assert d.view.screen is Screen.ATTRACT and not d.of(f.CancelVisit) and d.of(f.Wipe)


def test_answering_still_there_keeps_the_place_in_the_queue(d):
    d.walk_in()
    d(f.Tick(), dt=301)
    assert d.view.screen is Screen.WAITING and d.view.still_there_left is not None
    d(f.ImStillHere())
    assert d.view.still_there_left is None
    d(f.Tick(), dt=299)
    assert d.view.screen is Screen.WAITING


def test_an_empty_booth_leaves_the_queue(d):
    d.walk_in()
    d(f.Tick(), dt=301)
    d(f.Tick(), dt=21)
    assert d.view.screen is Screen.ATTRACT and d.of(f.CancelVisit)


# ---------------------------------------------------------------- the call


def test_accepted_session_starts_the_call_and_the_officer_hears_only_when_focused(d):
    d.walk_in()
    d(f.SessionChanged(session(SessionState.OFFERED)))
    assert d.view.screen is Screen.WAITING and d.view.offered
    d(f.SessionChanged(session(SessionState.ACTIVE)))
    assert d.last(f.StartCall).session_id == "s1"
    v = d.view
    assert (v.screen, v.call_phase, v.officer_hears_you, v.light) == (Screen.CALL, CallPhase.CONNECTING, False,
                                                                     LightColour.CALL)
    d(CallStateChanged("s1", CallState.CONNECTED))
    assert d.view.call_phase is CallPhase.WAITING_FOR_OFFICER
    d(QualityApplied("s1", TALK))
    assert d.view.call_phase is CallPhase.TALKING and d.view.officer_hears_you
    d(f.SessionChanged(session(SessionState.HELD)))
    assert d.view.call_phase is CallPhase.ON_HOLD and not d.view.officer_hears_you
    d(f.SessionChanged(session(SessionState.ACTIVE)))
    d(QualityApplied("s1", QUIET))
    assert d.view.call_phase is CallPhase.WAITING_FOR_OFFICER and not d.view.officer_hears_you
    assert len(d.of(f.StartCall)) == 1


def test_officer_console_back_online_asks_for_a_fresh_offer_once(d):
    d.walk_in()
    online = session(SessionState.ACTIVE).model_copy(update={"cso_online": True})
    d(f.SessionChanged(online))
    assert len(d.of(f.StartCall)) == 1 and not d.of(f.PeerBack)
    d(f.SessionChanged(online))  # nothing changed: nothing to do
    assert not d.of(f.PeerBack)
    d(f.SessionChanged(online.model_copy(update={"cso_online": False})))  # the console restarts
    assert not d.of(f.PeerBack) and d.view.screen is Screen.CALL
    d(f.SessionChanged(online))
    assert [c.session_id for c in d.of(f.PeerBack)] == ["s1"] and len(d.of(f.StartCall)) == 1


def test_call_button_on_hold_raises_a_hand_once_per_interval(d):
    d.into_call()
    d(f.SessionChanged(session(SessionState.HELD)))
    d(f.ButtonPressed())
    d(f.ButtonPressed(), dt=1)
    assert len(d.of(f.RaiseHand)) == 1 and d.view.notice is NoticeKind.OFFICER_NOTIFIED
    d(f.ButtonPressed(), dt=5)
    assert len(d.of(f.RaiseHand)) == 2


def test_call_button_starts_a_visit_at_idle_and_asks_patience_in_the_queue(d):
    d(f.ButtonPressed())
    assert d.view.screen is Screen.PRIVACY
    d(f.AcceptPrivacy())
    d(f.ChooseWalkIn())
    d(f.Announced(session()))
    d(f.ButtonPressed())
    assert d.view.screen is Screen.TICKET
    assert d.view.notice is NoticeKind.PLEASE_WAIT and not d.of(f.RaiseHand)


def test_prompt_and_checklist_show(d):
    d.into_call()
    d(PromptReceived("s1", "Silakan tunjukkan KTP Anda", "show_document"))
    items = (ChecklistItem(document="ktp", status="verified"), ChecklistItem(document="kk", status="needed"))
    d(ChecklistReceived("s1", items))
    v = d.view
    assert v.prompt == "Silakan tunjukkan KTP Anda" and v.checklist == items
    assert v.documents_verified == (DocumentKind.KTP,)


def test_events_of_another_session_are_ignored(d):
    d.into_call()
    d(PromptReceived("other", "hello", None))
    d(f.SessionChanged(session(SessionState.ENDED, sid="other", outcome=Outcome.COMPLETED)))
    assert d.view.prompt is None and d.view.screen is Screen.CALL


def test_transferred_back_to_the_queue_closes_the_call(d):
    d.into_call()
    d(f.SessionChanged(session(SessionState.WAITING)))
    assert d.last(f.EndCall).session_id == "s1" and d.view.screen is Screen.WAITING
    d(f.SessionChanged(session(SessionState.ACTIVE)))
    assert len(d.of(f.StartCall)) == 2


# ---------------------------------------------------------------- reconnecting


def test_server_gone_mid_call_shows_reconnecting_and_the_visit_comes_back(d):
    d.into_call()
    d(f.ServerDown())
    v = d.view
    assert v.reconnecting and v.call_phase is CallPhase.RECONNECTING and v.screen is Screen.CALL
    d(f.Tick(), dt=60)
    assert d.view.screen is Screen.CALL  # a visit is never given up while it waits for the server
    d(f.ServerUp(welcome(session(SessionState.ACTIVE))))
    assert not d.view.reconnecting and d.view.call_phase is CallPhase.TALKING
    assert len(d.of(f.StartCall)) == 1


def test_call_lost_shows_reconnecting(d):
    d.into_call()
    d(CallStateChanged("s1", CallState.LOST, "no heartbeat"))
    assert d.view.reconnecting and d.view.call_phase is CallPhase.RECONNECTING
    d(CallStateChanged("s1", CallState.CONNECTING))
    d(CallStateChanged("s1", CallState.CONNECTED))
    assert d.view.call_phase is CallPhase.WAITING_FOR_OFFICER  # until the officer's request arrives again


def test_visit_the_server_no_longer_has_is_interrupted(d):
    d.into_call()
    d(f.ServerDown())
    d(f.ServerUp(welcome()))
    assert d.view.screen is Screen.ATTRACT and d.view.notice is NoticeKind.VISIT_INTERRUPTED
    assert d.of(f.EndCall) and d.of(f.Wipe)


# ---------------------------------------------------------------- documents


def test_the_empty_tray_is_learned_only_while_nobody_is_at_the_booth(d):
    assert d.tray and d.of(f.WatchTray) == [f.WatchTray(True)]
    d.walk_in()
    assert not d.tray and d.of(f.WatchTray)[-1] == f.WatchTray(False)
    d(f.LeaveVisit())
    assert d.view.screen is Screen.ATTRACT and d.tray
    d(f.ServerDown("connection lost"))
    d(f.Tick(), dt=16)
    assert d.view.screen is Screen.OUT_OF_SERVICE and d.tray  # nobody there either


def test_every_scanner_reason_has_a_hint_of_its_own():
    from hardware.scanner import Reason
    from kiosk.app import SCAN_HINTS, scan_hint

    assert set(SCAN_HINTS) == set(Reason) and len(set(SCAN_HINTS.values())) == len(Reason)
    assert all(scan_hint(r).value == r.value for r in Reason)  # the same codes on both sides


@pytest.mark.parametrize("hint", list(f.ScanHint))
def test_every_scanner_hint_reaches_the_screen(d, hint):
    d.into_call()
    d.request()
    d(f.ScanUpdate("r1", hint, 0.3))
    assert d.view.document.hint is hint and d.view.screen is Screen.DOCUMENT


def test_document_auto_captured_sent_and_accepted(d):
    d.into_call()
    d.request()
    v = d.view
    assert v.screen is Screen.DOCUMENT and v.document.phase is DocumentPhase.POSITIONING
    assert v.document.document is DocumentKind.KTP and d.last(f.StartScanner) == f.StartScanner("r1", DocumentKind.KTP)
    d(f.ScanUpdate("r1", f.ScanHint.OUT_OF_FRAME, 0.0, ((0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9))))
    assert d.view.document.hint is f.ScanHint.OUT_OF_FRAME and d.view.document.outline[2] == (0.9, 0.9)
    d(f.ScanUpdate("r1", f.ScanHint.OK, 0.6))
    assert d.view.document.hold_progress == 0.6
    still = object()
    d(f.DocumentCaptured("r1", still))
    assert d.last(f.SubmitStill) == f.SubmitStill("s1", "r1", DocumentKind.KTP, still) and not d.scanner
    assert d.view.document.phase is DocumentPhase.SENDING
    d(f.UploadProgress("r1", 500, 1000))
    assert d.view.document.sent_fraction == 0.5
    d(f.UploadDone("r1", True))
    assert d.view.document.phase is DocumentPhase.SENT
    d(VerdictReceived("s1", "r1", DocumentKind.KTP, Verdict.ACCEPTED, None))
    assert d.view.document.phase is DocumentPhase.ACCEPTED and d.view.documents_verified == (DocumentKind.KTP,)
    d(f.Tick(), dt=6)
    assert d.view.screen is Screen.CALL and d.view.document is None


def test_rejected_document_is_shown_again_with_its_reason(d):
    d.into_call()
    d.request()
    d(f.DocumentCaptured("r1", object()))
    d(VerdictReceived("s1", "r1", DocumentKind.KTP, Verdict.REJECTED, RejectReason.UNREADABLE))
    assert d.view.document.phase is DocumentPhase.REJECTED and d.view.document.reason is RejectReason.UNREADABLE
    d.request(rid="r2", attempt=1)  # the officer asks again
    assert d.view.document.phase is DocumentPhase.POSITIONING and d.view.document.request_id == "r2"
    assert d.last(f.StartScanner).request_id == "r2"


def test_capture_now_request_takes_the_still_at_once(d):
    d.into_call()
    d.request(capture=CaptureMode.NOW)
    assert d.last(f.CaptureStill).request_id == "r1" and not d.scanner
    assert d.view.document.phase is DocumentPhase.CAPTURING


def test_participant_may_take_the_picture_after_a_while(d):
    d.into_call()
    d.request()
    d(f.CaptureNow())
    assert not d.of(f.CaptureStill)
    d(f.Tick(), dt=21)
    assert d.view.document.capture_now_allowed
    d(f.CaptureNow())
    assert d.last(f.CaptureStill).request_id == "r1" and not d.scanner


def test_cancelled_request_drops_a_late_still(d):
    d.into_call()
    d.request()
    d(DocumentCancelled("s1", "r1"))
    assert d.view.screen is Screen.CALL and not d.scanner
    d(f.DocumentCaptured("r1", object()))
    assert not d.of(f.SubmitStill)


def test_camera_failure_tells_the_officer(d):
    d.into_call()
    d.request(capture=CaptureMode.NOW)
    d(f.CaptureFailed("r1", "document camera on /dev/video2: stopped delivering frames"))
    assert d.view.document.phase is DocumentPhase.CAMERA_PROBLEM
    assert d.last(f.FailStill).reason.startswith("document camera")


def test_a_still_that_cannot_be_sent_tells_the_officer(d):
    d.into_call()
    d.request()
    d(f.DocumentCaptured("r1", object()))
    d(f.UploadDone("r1", False, "branch server unreachable after 4 attempts"))
    assert d.view.document.phase is DocumentPhase.SEND_FAILED
    assert d.last(f.FailStill).reason.startswith("branch server unreachable")
    d(f.Tick(), dt=6)
    assert d.view.screen is Screen.CALL


def test_hold_during_positioning_keeps_the_document_screen(d):
    d.into_call()
    d.request()
    d(f.SessionChanged(session(SessionState.HELD)))
    assert d.view.screen is Screen.DOCUMENT and d.view.call_phase is CallPhase.ON_HOLD and d.scanner


# ---------------------------------------------------------------- the end


def test_end_shows_outcome_prints_the_receipt_and_wipes(d):
    d.into_call()
    d(VerdictReceived("s1", "r1", DocumentKind.KTP, Verdict.ACCEPTED, None))
    d(f.SessionChanged(session(SessionState.ENDED, outcome=Outcome.COMPLETED)))
    v = d.view
    assert (v.screen, v.outcome, v.receipt) == (Screen.END, Outcome.COMPLETED, ReceiptState.PRINTING)
    assert v.reference and v.reference.endswith("-A007")
    receipt = d.last(f.PrintReceipt)
    assert (receipt.ticket, receipt.documents, receipt.outcome) == ("A007", (DocumentKind.KTP,), Outcome.COMPLETED)
    assert d.last(f.EndCall).session_id == "s1"
    d(f.PrintDone("receipt", True))
    assert d.view.receipt is ReceiptState.PRINTED
    d(f.Tick(), dt=31)
    assert d.view.screen is Screen.ATTRACT and d.of(f.Wipe) and not d.flow.holds_participant_data()
    assert d.view.ticket is None and d.view.reference is None


def test_printer_out_of_paper_keeps_the_reference_on_screen(d):
    d.into_call()
    d(f.SessionChanged(session(SessionState.ENDED, outcome=Outcome.DOCUMENTS_INCOMPLETE)), dt=1)
    d(f.PrintDone("receipt", False, "printer on /dev/ttyUSB2: paper out"), dt=25)
    assert d.view.receipt is ReceiptState.FAILED and d.view.reference
    d(f.Tick(), dt=10)
    assert d.view.screen is Screen.END  # the full time again after the failure
    d(f.Finish())
    assert d.view.screen is Screen.ATTRACT


def test_a_rejected_claim_gets_its_receipt_too(d):
    d.into_call()
    d(VerdictReceived("s1", "r1", DocumentKind.KTP, Verdict.ACCEPTED, None))
    d(f.SessionChanged(session(SessionState.ENDED, outcome=Outcome.REJECTED)))
    assert (d.view.screen, d.view.outcome, d.view.receipt) == (Screen.END, Outcome.REJECTED, ReceiptState.PRINTING)
    assert d.last(f.PrintReceipt).outcome is Outcome.REJECTED


def test_no_receipt_when_the_participant_left(d):
    d.into_call()
    d(f.SessionChanged(session(SessionState.ENDED, outcome=Outcome.PARTICIPANT_LEFT)))
    assert d.view.receipt is ReceiptState.NONE and not d.of(f.PrintReceipt)


# ---------------------------------------------------------------- devices and technician


def test_device_faults_are_listed_and_cleared(d):
    d(f.DeviceChanged("printer", False, "printer on /dev/ttyUSB2: paper out"))
    d(f.DeviceChanged("camera", False, "camera 0: cannot open"))
    assert d.view.faults == (("camera", "camera 0: cannot open"), ("printer", "printer on /dev/ttyUSB2: paper out"))
    d(f.DeviceChanged("camera", True))
    assert [r for r, _ in d.view.faults] == ["printer"]


def test_technician_pin_unlocks_and_wrong_pins_lock_out_with_growing_delays(d):
    d(f.TechnicianGesture())
    assert d.view.screen is Screen.TECHNICIAN and d.view.light is LightColour.FAULT
    for attempt in range(3):
        for k in "1111":
            d(f.PinKey(k))
        d(f.PinKey("OK"))
    t = d.view.technician
    assert not t.unlocked and t.locked_for == pytest.approx(60) and d.view.notice is NoticeKind.PIN_LOCKED
    for k in "2468":
        d(f.PinKey(k))
    d(f.PinKey("OK"))
    assert not d.view.technician.unlocked  # the right PIN does not help while locked
    d(f.Tick(), dt=61)
    assert d.view.screen is Screen.ATTRACT  # an idle technician screen closes by itself
    d(f.TechnicianGesture())
    for _ in range(3):
        for k in "9999":
            d(f.PinKey(k), dt=1)
        d(f.PinKey("OK"))
    assert d.view.technician.locked_for == pytest.approx(120)  # doubled
    d(f.Tick(), dt=121)
    d(f.TechnicianGesture())
    for k in "2468":
        d(f.PinKey(k))
    assert d.view.technician.pin_length == 4
    d(f.PinKey("OK"))
    assert d.view.technician.unlocked and d.view.technician.pin_length == 0
    d(f.LeaveTechnician())
    assert d.view.screen is Screen.ATTRACT


def test_without_a_configured_pin_the_technician_screen_stays_locked():
    d = Driver(pin=None)
    d(f.TechnicianGesture())
    for k in "0000":
        d(f.PinKey(k))
    d(f.PinKey("OK"))
    assert not d.view.technician.unlocked and not d.view.technician.pin_configured


def test_technician_gesture_does_nothing_during_a_visit(d):
    d.walk_in()
    d(f.TechnicianGesture())
    assert d.view.screen is Screen.WAITING


def test_leaving_asks_first_and_staying_keeps_the_place(d):
    d.walk_in()
    assert d.view.can_leave and not d.view.confirm_leave
    d(f.AskToLeave())
    assert d.view.confirm_leave and d.view.screen is Screen.WAITING
    d(f.StayInVisit())
    assert not d.view.confirm_leave and d.view.ticket == "A007" and not d.of(f.CancelVisit)
    d(f.AskToLeave())
    d(f.LeaveVisit())
    assert d.view.screen is Screen.ATTRACT and not d.view.confirm_leave and d.of(f.CancelVisit)


def test_the_question_to_leave_goes_away_when_the_screen_changes(d):
    d.walk_in()
    d(f.AskToLeave())
    d(f.SessionChanged(session(SessionState.ACTIVE)))
    assert d.view.screen is Screen.CALL and not d.view.confirm_leave


def test_no_leaving_from_idle_or_the_end(d):
    d(f.AskToLeave())
    assert not d.view.confirm_leave and not d.view.can_leave


def test_language_can_change_on_every_screen_before_the_call_but_not_in_it(d):
    assert d.view.language_choice
    d.walk_in()
    assert d.view.language_choice
    d(f.ChooseLanguage(Language.EN))
    assert d.view.language is Language.EN
    d(f.SessionChanged(session(SessionState.ACTIVE)))
    assert not d.view.language_choice
    d(f.ChooseLanguage(Language.ID))
    assert d.view.language is Language.EN  # the officer's prompts come in the announced language


def test_single_language_booth_offers_no_choice():
    flow = Driver(FlowRules(languages=(Language.ID,)))
    assert not flow.view.language_choice


def test_unlocked_technician_sees_every_device(d):
    d(f.DeviceChanged("printer", True))
    d(f.DeviceChanged("camera", False, "camera 0: gone"))
    d(f.TechnicianGesture())
    assert d.view.technician.devices == ()  # nothing before the PIN
    for k in "2468":
        d(f.PinKey(k))
    d(f.PinKey("OK"))
    assert d.view.technician.devices == (("camera", False, "camera 0: gone"), ("printer", True, ""))


def test_every_screen_has_a_light_colour():
    for screen in Screen:
        flow = BoothFlow(RULES)
        flow.screen = screen
        assert isinstance(flow.view().light, LightColour)


# ---------------------------------------------------------------- exhaustive: random visits

INPUTS = st.sampled_from([
    f.Touch(), f.Start(), f.AcceptPrivacy(), f.Back(), f.ChooseBooking(), f.ChooseWalkIn(), f.KeyPress("7"),
    f.KeyPress("A"), f.SubmitCode(), f.QrDecoded("BK-123"), f.ImStillHere(), f.CallOfficer(), f.LeaveVisit(),
    f.AskToLeave(), f.StayInVisit(), f.ChooseLanguage(Language.EN), f.CaptureNow(), f.Finish(), f.TechnicianGesture(), f.PinKey("1"), f.PinKey("OK"), f.LeaveTechnician(),
    f.ServerUp(welcome()), f.ServerUp(welcome(session(SessionState.ACTIVE))), f.ServerDown(),
    f.BookingChecked(p.BookingResult(code="BK-123", valid=True,
                                     booking=p.BookingInfo(code="BK-123", name="A B", slot_start=T0))),
    f.BookingChecked(p.BookingResult(code="BK-123", valid=False, problem=p.BookingProblem.UNKNOWN)),
    f.Announced(session()), f.RequestFailed("announce", None, "x"),
    f.SessionChanged(session(SessionState.OFFERED)), f.SessionChanged(session(SessionState.ACTIVE)),
    f.SessionChanged(session(SessionState.HELD)), f.SessionChanged(session(SessionState.WAITING)),
    f.SessionChanged(session(SessionState.ENDED, outcome=Outcome.COMPLETED)),
    f.QueuePositionChanged(p.QueuePosition(session_id="s1", position=1, waiting=1)),
    f.DeviceChanged("camera", False, "camera 0: gone"), f.DeviceChanged("camera", True), f.ButtonPressed(),
    f.PrintDone("receipt", False, "paper out"), f.ScanUpdate("r1", f.ScanHint.OK, 0.5),
    f.DocumentCaptured("r1", "still"), f.CaptureFailed("r1", "camera gone"),
    CallStateChanged("s1", CallState.CONNECTED), CallStateChanged("s1", CallState.LOST),
    DocumentRequested("s1", "r1", DocumentKind.KTP, 1, CaptureMode.AUTO),
    DocumentRequested("s1", "r2", DocumentKind.KK, 1, CaptureMode.NOW),
    DocumentCancelled("s1", "r1"), f.UploadProgress("r1", 1, 2), f.UploadDone("r1", True),
    f.UploadDone("r1", False, "server gone"),
    VerdictReceived("s1", "r1", DocumentKind.KTP, Verdict.REJECTED, RejectReason.COVERED),
    PromptReceived("s1", "hello", None), QualityApplied("s1", TALK), f.Tick(),
])


JOURNEY = [f.Start(), f.AcceptPrivacy(), f.ChooseWalkIn(), f.Announced(session()),
           f.SessionChanged(session(SessionState.ACTIVE)), CallStateChanged("s1", CallState.CONNECTED),
           QualityApplied("s1", TALK), DocumentRequested("s1", "r1", DocumentKind.KTP, 1, CaptureMode.AUTO),
           f.ScanUpdate("r1", f.ScanHint.OK, 0.9), f.DocumentCaptured("r1", "still")]
"""A visit as far as a still: random walks start somewhere along it, so they reach deep states."""


@settings(max_examples=400, deadline=None)
@given(st.integers(0, len(JOURNEY)),
       st.lists(st.tuples(INPUTS, st.sampled_from([0, 0.5, 3, 25, 70, 400])), max_size=70))
def test_invariants_hold_on_any_visit(prefix, steps):
    d = Driver()
    started: set[str] = set()
    for event, dt in [(e, 0.0) for e in JOURNEY[:prefix]] + steps:
        out = d(event, dt)  # the driver checks scanner/QR balance and that a wipe leaves nothing
        v = d.view
        for c in out:
            if isinstance(c, f.StartCall):
                assert c.session_id not in started, "a call started twice"
                started.add(c.session_id)
            elif isinstance(c, f.EndCall):
                started.discard(c.session_id)
            elif isinstance(c, f.SubmitStill):
                assert v.document is not None and v.document.request_id == "r1" or c.request_id == "r2"
        assert d.scanner == (v.screen is Screen.DOCUMENT and v.document is not None
                             and v.document.phase is DocumentPhase.POSITIONING)
        assert d.qr == (v.screen in (Screen.CHECK_IN, Screen.CODE_ENTRY) and v.server_up)
        assert d.tray == (v.screen in (Screen.ATTRACT, Screen.OUT_OF_SERVICE)), "tray learned with someone there"
        if v.still_there_left is not None:
            assert v.screen in (Screen.PRIVACY, Screen.CHECK_IN, Screen.CODE_ENTRY, Screen.TICKET, Screen.WAITING)
        if v.screen is Screen.ATTRACT:
            assert not d.flow.holds_participant_data(), "an idle booth holds participant data"
        assert not v.confirm_leave or v.can_leave, "asks to confirm leaving where nobody can leave"
        if v.technician is not None and v.technician.unlocked:
            assert False, "unlocked without the PIN (these steps never type 2468)"
        last_light = d.of(f.SetLight)[-1].colour
        assert last_light is v.light


@pytest.mark.parametrize("name,shown", [("Siti Rahayu", "Siti R."), ("Agus", "Agus"), ("  ", None), (None, None),
                                        ("Muhammad Rizki Pratama", "Muhammad P.")])
def test_a_booked_name_shows_as_first_name_and_initial(name, shown):
    assert f.screen_name(name) == shown


@pytest.mark.parametrize("outcome", list(Outcome))
@pytest.mark.parametrize("language", list(Language))
def test_every_outcome_has_receipt_words_in_both_languages(outcome, language):
    from datetime import datetime

    from kiosk.slips import OUTCOMES, WORDS, receipt_slip

    slip = receipt_slip("A007", "20261126-A007", outcome, (DocumentKind.KTP,), language, "Cabang", datetime(2026, 11, 26))
    said = dict(slip.rows)[WORDS["outcome"][language]]
    assert said and said == OUTCOMES[outcome][language]
    assert OUTCOMES[outcome][Language.ID] != OUTCOMES[outcome][Language.EN]
