"""The participant's whole visit as one pure state machine: :class:`BoothFlow`.

Like :class:`signaling.routing.Branch`, it does no I/O: typed inputs go in with the time
(:meth:`BoothFlow.handle`), commands for the wiring come out (requests to the server, media,
scanner and device commands), and :meth:`BoothFlow.view` gives one immutable
:class:`BoothView` that a screen renders. Words are not here: the view carries codes (screen,
notice, hint, outcome), the apps' translations turn them into the participant's language.

The visit::

    ATTRACT --touch/button--> PRIVACY --agree--> CHECK_IN --walk-in--> TICKET --> WAITING
                                                  |--code/QR--> CODE_ENTRY --> CHECKING --> WAITING
    WAITING --offered/accepted--> CALL <--> DOCUMENT (officer asks; auto-capture; sent; verdict)
    CALL --officer ends--> END (outcome, reference, receipt) --timeout/done--> wipe --> ATTRACT

Around it: RECONNECTING (an overlay: the server or the call is gone; the same visit comes back
by itself), OUT_OF_SERVICE (no server while idle: "please go to the front desk"), "are you
still there?" (an overlay on screens that wait for the participant; nobody answers -> the
visit is given up and wiped), device faults (shown; the officer is told by the wiring), the
call button (start at idle; "I need the officer" while on hold) and the TECHNICIAN screen
(hidden gesture + PIN, wrong PINs locked out with growing delays). Every screen has a status
light colour.
"""
from __future__ import annotations

import enum
import re
import time
from dataclasses import dataclass, replace
from typing import Callable, Union

from common.documents import DocumentKind, RejectReason, Verdict
from common.language import Language
from media.control import CaptureMode, ChecklistItem, ChecklistStatus, QualityRequest
from media.events import (
    CallRemoved,
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

# ============================================================================== the view


class Screen(str, enum.Enum):
    """What the booth screen shows."""

    ATTRACT = "attract"  # idle: touch to start, language buttons
    PRIVACY = "privacy"  # the privacy notice: agree or go back
    CHECK_IN = "check_in"  # booking code, QR code, or a walk-in ticket
    CODE_ENTRY = "code_entry"  # the keypad (the face camera also reads a booking's QR code here)
    CHECKING = "checking"  # the code is being checked
    TICKET = "ticket"  # a walk-in ticket was issued
    WAITING = "waiting"  # in the queue
    CALL = "call"  # with the officer
    DOCUMENT = "document"  # the officer asked for a document
    END = "end"  # outcome, reference, receipt
    OUT_OF_SERVICE = "out_of_service"
    TECHNICIAN = "technician"


class LightColour(str, enum.Enum):
    """The status light on top of the booth (the names the light's line protocol uses)."""

    IDLE = "IDLE"  # free
    WAITING = "WAITING"  # a participant checks in or waits
    CALL = "CALL"  # with the officer
    FAULT = "FAULT"  # out of service, or a technician at work


class CallPhase(str, enum.Enum):
    """The call, as the participant should understand it."""

    CONNECTING = "connecting"  # the officer's call is being set up
    WAITING_FOR_OFFICER = "waiting_for_officer"  # connected; the officer will turn to you shortly
    TALKING = "talking"  # the officer sees and hears you
    ON_HOLD = "on_hold"  # the officer helps another participant and will be back
    RECONNECTING = "reconnecting"  # the call dropped; it comes back by itself


class DocumentPhase(str, enum.Enum):
    """Where the requested document is."""

    POSITIONING = "positioning"  # place it under the camera; the scanner guides
    CAPTURING = "capturing"  # a still is being taken at once
    SENDING = "sending"  # the still is on its way to the officer
    SENT = "sent"  # the officer has it and is checking it
    SEND_FAILED = "send_failed"  # the still could not be sent; the officer was told
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # please show it again (reason given)
    CAMERA_PROBLEM = "camera_problem"  # the document camera failed; the officer was told


def screen_name(name: str | None) -> str | None:
    """How a booked participant's name shows on the booth screen, which people waiting behind
    can read: the first name and the initial of the last ("Siti Rahayu" -> "Siti R.")."""
    words = (name or "").split()
    if not words:
        return None
    if len(words) == 1:
        return words[0]
    return f"{words[0]} {words[-1][0].upper()}."


class NoticeKind(str, enum.Enum):
    """A short message over the current screen."""

    BOOKING_UNKNOWN = "booking_unknown"
    BOOKING_NOT_TODAY = "booking_not_today"
    BOOKING_SLOT_PASSED = "booking_slot_passed"
    BOOKING_ALREADY_SERVED = "booking_already_served"
    BOOKING_ALREADY_WAITING = "booking_already_waiting"
    CODE_TOO_SHORT = "code_too_short"
    TOO_MANY_CODES = "too_many_codes"  # the server stops a booth trying wrong booking codes for a while
    SERVER_PROBLEM = "server_problem"  # a request failed: try again
    VISIT_INTERRUPTED = "visit_interrupted"  # the visit was lost (e.g. the booth was offline too long)
    OFFICER_NOTIFIED = "officer_notified"  # the call button reached the officer
    PLEASE_WAIT = "please_wait"  # the call button while waiting in the queue
    PIN_WRONG = "pin_wrong"
    PIN_LOCKED = "pin_locked"


class ReceiptState(str, enum.Enum):
    """The receipt on the end screen."""

    NONE = "none"  # nothing to print (the visit ended before anything was handed in)
    PRINTING = "printing"
    PRINTED = "printed"
    NO_PRINTER = "no_printer"  # keep the reference from the screen
    FAILED = "failed"  # the printer failed (out of paper?); keep the reference from the screen


class ScanHint(str, enum.Enum):
    """The scanner's advice while positioning (the scanner's reasons, by their codes)."""

    NO_DOCUMENT = "no_document"
    OUT_OF_FRAME = "out_of_frame"
    TOO_SMALL = "too_small"
    BLURRY = "blurry"
    MOTION_BLUR = "motion_blur"
    GLARE = "glare"
    COVERED = "covered"
    OK = "ok"
    PREVIOUS_DOCUMENT = "previous_document"  # the document from the last request still lies there


@dataclass(frozen=True)
class Notice:
    """A short message over the current screen, until ``until``.

    Args:
        kind: which message.
        until: when it goes away (the flow's clock).
    """

    kind: NoticeKind
    until: float


@dataclass(frozen=True)
class DocumentView:
    """The document screen.

    Args:
        request_id: the officer's request.
        document: which document.
        phase: where it is.
        attempt: 1, or more when asked again.
        hint: the scanner's advice while positioning.
        hold_progress: 0..1, fills while the document is held good and still.
        outline: the document's outline in the preview, as fractions of its width and height.
        sent_fraction: 0..1 of the still sent.
        reason: why the officer rejected it.
        capture_now_allowed: the participant may take the picture themselves (the scanner has
            not managed for a while).
    """

    request_id: str
    document: DocumentKind
    phase: DocumentPhase
    attempt: int = 1
    hint: ScanHint = ScanHint.NO_DOCUMENT
    hold_progress: float = 0.0
    outline: tuple[tuple[float, float], ...] | None = None
    sent_fraction: float = 0.0
    reason: RejectReason | None = None
    capture_now_allowed: bool = False


@dataclass(frozen=True)
class TechnicianView:
    """The technician screen.

    Args:
        unlocked: the PIN was right.
        pin_length: digits typed so far (never the digits).
        locked_for: seconds until another PIN may be tried (0: now).
        pin_configured: a PIN hash is in the booth config (without one the screen stays locked).
        devices: every device's state once unlocked, (role, ok, message), by role.
    """

    unlocked: bool
    pin_length: int
    locked_for: float
    pin_configured: bool
    devices: tuple[tuple[str, bool, str], ...] = ()


@dataclass(frozen=True)
class BoothView:
    """Everything one booth screen shows, as one immutable snapshot.

    Args:
        screen: which screen.
        language: the participant's language.
        languages: the languages offered.
        light: the status light's colour.
        server_up: connected to the branch server.
        reconnecting: the visit waits for the server or the call to come back.
        notice: a short message over the screen.
        code_input: the booking code typed so far.
        ticket: the participant's queue number.
        name: the booked participant's name (from a booking), shown as a greeting.
        queue_position: 1 = next.
        queue_waiting: how many wait in all.
        estimated_wait: seconds, when known.
        offered: an officer is about to take the call.
        call_phase: the call, as the participant should understand it.
        officer_hears_you: the officer hears the booth right now.
        prompt: the officer's last prompt.
        checklist: the claim's documents and where each is.
        document: the document screen, while a document is wanted.
        outcome: how the visit ended.
        reference: the visit's reference (on the end screen and the receipt).
        documents_verified: documents the officer accepted.
        receipt: the receipt's state.
        still_there_left: seconds left to answer "are you still there?", or None.
        faults: devices that are not working, (role, message).
        technician: the technician screen.
        out_of_service: why the booth is out of service (for staff; the participant sees a
            plain "please go to the front desk").
        language_choice: the participant may change the language on this screen (every screen
            before the call, and the end screen).
        confirm_leave: the participant asked to leave: the screen asks "are you sure?" (a
            :class:`LeaveVisit` leaves, a :class:`StayInVisit` keeps the visit).
        can_leave: the screen offers a way to leave the visit (:class:`AskToLeave`).
        has_printer: the booth has a receipt printer (tickets and receipts are printed).
    """

    screen: Screen
    language: Language
    languages: tuple[Language, ...]
    light: LightColour
    server_up: bool = False
    reconnecting: bool = False
    notice: NoticeKind | None = None
    code_input: str = ""
    ticket: str | None = None
    name: str | None = None
    queue_position: int | None = None
    queue_waiting: int | None = None
    estimated_wait: float | None = None
    offered: bool = False
    call_phase: CallPhase | None = None
    officer_hears_you: bool = False
    prompt: str | None = None
    checklist: tuple[ChecklistItem, ...] = ()
    document: DocumentView | None = None
    outcome: Outcome | None = None
    reference: str | None = None
    documents_verified: tuple[DocumentKind, ...] = ()
    receipt: ReceiptState = ReceiptState.NONE
    still_there_left: float | None = None
    faults: tuple[tuple[str, str], ...] = ()
    technician: TechnicianView | None = None
    out_of_service: str = ""
    language_choice: bool = False
    confirm_leave: bool = False
    can_leave: bool = False
    has_printer: bool = False


# ============================================================================== inputs


@dataclass(frozen=True)
class Touch:
    """The participant touched the screen anywhere (resets the "still there?" timer)."""


@dataclass(frozen=True)
class ChooseLanguage:
    """The participant chose a language."""

    language: Language


@dataclass(frozen=True)
class Start:
    """Start a visit from the attract screen."""


@dataclass(frozen=True)
class AcceptPrivacy:
    """The participant agreed to the privacy notice."""


@dataclass(frozen=True)
class Back:
    """Go back one step (or leave the visit from its first screens)."""


@dataclass(frozen=True)
class ChooseBooking:
    """The participant has a booking code."""


@dataclass(frozen=True)
class ChooseWalkIn:
    """The participant takes a walk-in ticket."""


@dataclass(frozen=True)
class KeyPress:
    """A key of the on-screen keypad: a letter or digit, "DEL" or "CLEAR"."""

    key: str


@dataclass(frozen=True)
class SubmitCode:
    """Check the booking code typed."""


@dataclass(frozen=True)
class QrDecoded:
    """The face camera read a QR code (a booking's code)."""

    text: str


@dataclass(frozen=True)
class ImStillHere:
    """The participant answered "are you still there?"."""


@dataclass(frozen=True)
class CallOfficer:
    """The participant asks for the officer (screen button; the call button arrives as
    :class:`ButtonPressed`)."""


@dataclass(frozen=True)
class LeaveVisit:
    """The participant leaves (gives up the queue place)."""


@dataclass(frozen=True)
class AskToLeave:
    """The participant touched "leave": the screen asks whether they are sure."""


@dataclass(frozen=True)
class StayInVisit:
    """The participant answered "no, stay" to "are you sure you want to leave?"."""


@dataclass(frozen=True)
class CaptureNow:
    """The participant takes the document's picture themselves."""


@dataclass(frozen=True)
class Finish:
    """The participant is done on the end screen."""


@dataclass(frozen=True)
class TechnicianGesture:
    """The hidden technician gesture was made."""


@dataclass(frozen=True)
class PinKey:
    """A key of the technician PIN pad: a digit, "DEL" or "OK"."""

    key: str


@dataclass(frozen=True)
class LeaveTechnician:
    """The technician is done."""


@dataclass(frozen=True)
class ServerUp:
    """Connected (again) to the branch server."""

    welcome: p.Welcome


@dataclass(frozen=True)
class ServerDown:
    """The connection to the branch server dropped (the client reconnects by itself)."""

    reason: str = ""


@dataclass(frozen=True)
class ServerRefused:
    """The server refused this booth for good (wrong token, wrong version): needs a technician."""

    reason: str


@dataclass(frozen=True)
class BookingChecked:
    """The server's answer to a booking check."""

    result: p.BookingResult


@dataclass(frozen=True)
class Announced:
    """The server queued the participant."""

    session: p.SessionInfo


@dataclass(frozen=True)
class RequestFailed:
    """A request to the server failed.

    Args:
        request: "check_booking", "announce" or "cancel".
        code: the server's error code, or None when the answer was lost.
        message: the server's or client's explanation.
    """

    request: str
    code: p.ErrorCode | None
    message: str


@dataclass(frozen=True)
class SessionChanged:
    """The server reports this booth's session."""

    session: p.SessionInfo


@dataclass(frozen=True)
class QueuePositionChanged:
    """The server reports the participant's place in the queue."""

    position: p.QueuePosition


@dataclass(frozen=True)
class DeviceChanged:
    """A booth device changed state.

    Args:
        role: "camera", "document_camera", "button", "light", "printer", "microphone", "speaker".
        ok: working.
        message: what is wrong (names the device and its port or camera).
    """

    role: str
    ok: bool
    message: str = ""


@dataclass(frozen=True)
class ButtonPressed:
    """The physical call button was pressed."""


@dataclass(frozen=True)
class PrintDone:
    """A print job finished.

    Args:
        job: "ticket" or "receipt".
        ok: printed.
        message: why not.
    """

    job: str
    ok: bool
    message: str = ""


@dataclass(frozen=True)
class ScanUpdate:
    """The document scanner judged a frame while positioning.

    Args:
        request_id: the request it scans for.
        hint: its advice.
        hold_progress: 0..1 of the hold before auto-capture.
        outline: the document's outline (fractions of the frame), when found.
    """

    request_id: str
    hint: ScanHint
    hold_progress: float = 0.0
    outline: tuple[tuple[float, float], ...] | None = None


@dataclass(frozen=True)
class DocumentCaptured:
    """A still was captured and encoded for a request (auto-capture or capture now).

    Args:
        request_id: the request.
        still: the lossless still (passed on to the engine; the flow keeps no copy).
    """

    request_id: str
    still: object


@dataclass(frozen=True)
class CaptureFailed:
    """The document camera could not take the still."""

    request_id: str
    reason: str


@dataclass(frozen=True)
class UploadProgress:
    """Bytes of a still reached the branch server."""

    request_id: str
    sent_bytes: int
    size: int


@dataclass(frozen=True)
class UploadDone:
    """The still of a request is on the branch server (ok), or could not be sent (why)."""

    request_id: str
    ok: bool
    reason: str = ""


@dataclass(frozen=True)
class Tick:
    """The clock moved (timeouts are checked on every input, ticks make sure there are some)."""


BoothInput = Union[
    Touch, ChooseLanguage, Start, AcceptPrivacy, Back, ChooseBooking, ChooseWalkIn, KeyPress, SubmitCode,
    QrDecoded, ImStillHere, CallOfficer, LeaveVisit, AskToLeave, StayInVisit, CaptureNow, Finish, TechnicianGesture, PinKey,
    LeaveTechnician, ServerUp, ServerDown, ServerRefused, BookingChecked, Announced, RequestFailed,
    SessionChanged, QueuePositionChanged, DeviceChanged, ButtonPressed, PrintDone, ScanUpdate,
    DocumentCaptured, CaptureFailed, UploadProgress, UploadDone, Tick,
    CallStateChanged, CallRemoved, DocumentRequested, DocumentCancelled, VerdictReceived, PromptReceived,
    ChecklistReceived, QualityApplied,
]
"""Everything the flow takes: UI intents, server, media, device and scanner events, ticks."""

# ============================================================================== commands


@dataclass(frozen=True)
class CheckBookingCode:
    """Ask the server whether a booking code is valid now."""

    code: str


@dataclass(frozen=True)
class AnnounceVisit:
    """Queue the participant (walk-in, or a checked booking)."""

    kind: str
    booking_code: str | None
    language: Language


@dataclass(frozen=True)
class CancelVisit:
    """Tell the server the participant left."""


@dataclass(frozen=True)
class StartCall:
    """Open the media call of the session (the booth offers)."""

    session_id: str


@dataclass(frozen=True)
class PeerBack:
    """The officer's console connected to the server again (it may have restarted): a call that
    is not connected should be offered again now."""

    session_id: str


@dataclass(frozen=True)
class EndCall:
    """Close the media call of the session."""

    session_id: str


@dataclass(frozen=True)
class StartScanner:
    """Run the document scanner for a request (auto-capture)."""

    request_id: str
    document: DocumentKind


@dataclass(frozen=True)
class StopScanner:
    """Stop the document scanner."""


@dataclass(frozen=True)
class CaptureStill:
    """Take a still now (no scanner decision), answering with DocumentCaptured/CaptureFailed."""

    request_id: str


@dataclass(frozen=True)
class SubmitStill:
    """Send a captured still to the branch server (the officer fetches it from there)."""

    session_id: str
    request_id: str
    document: DocumentKind
    still: object


@dataclass(frozen=True)
class FailStill:
    """Tell the officer the still cannot be taken."""

    session_id: str
    request_id: str
    reason: str


@dataclass(frozen=True)
class WatchTray:
    """Let the document camera learn what the empty tray looks like (on: nobody is at the booth
    and no document is wanted), or stop.

    Args:
        on: learn from now on, or stop learning.
    """

    on: bool


@dataclass(frozen=True)
class StartQrReader:
    """Read QR codes from the face camera (check-in)."""


@dataclass(frozen=True)
class StopQrReader:
    """Stop reading QR codes."""


@dataclass(frozen=True)
class RaiseHand:
    """Tell the officer the participant needs them."""

    session_id: str


@dataclass(frozen=True)
class SetLight:
    """Show a colour on the status light."""

    colour: LightColour


@dataclass(frozen=True)
class PrintTicket:
    """Print a walk-in ticket (in the participant's language)."""

    ticket: str
    language: Language


@dataclass(frozen=True)
class PrintReceipt:
    """Print the visit's receipt (in the participant's language)."""

    ticket: str
    reference: str
    outcome: Outcome
    documents: tuple[DocumentKind, ...]
    language: Language


@dataclass(frozen=True)
class Wipe:
    """Forget every trace of the participant: frames, stills, codes, names, queue number (the
    flow has already forgotten its own)."""


BoothCommand = Union[
    CheckBookingCode, AnnounceVisit, CancelVisit, StartCall, PeerBack, EndCall, StartScanner, StopScanner, CaptureStill,
    SubmitStill, FailStill, WatchTray, StartQrReader, StopQrReader, RaiseHand, SetLight, PrintTicket, PrintReceipt,
    Wipe,
]

# ============================================================================== rules


@dataclass(frozen=True)
class FlowRules:
    """Timings and limits of the visit (from the booth config's ``[screen]`` and ``[technician]``).

    Args:
        languages: languages offered, the default first.
        still_there_after: seconds without a touch on a screen that waits for the participant
            before "are you still there?".
        waiting_still_there_after: the same while waiting in the queue (people sit quietly).
        still_there_answer: seconds to answer it.
        check_in_timeout: seconds to wait for the server's answer to a check-in before letting
            the participant try again.
        message_seconds: how long a notice or a verdict stays.
        end_screen_seconds: how long the end screen stays before the wipe.
        out_of_service_after: seconds without the server, while idle, before "out of service".
        capture_now_after: seconds of positioning after which the participant may take the
            picture themselves.
        min_code_length: shortest booking code worth asking about.
        max_code_length: longest booking code.
        pin_attempts: wrong PINs in a row before a lockout.
        pin_lockout: first lockout in seconds; each further one doubles.
    """

    languages: tuple[Language, ...] = (Language.ID, Language.EN)
    still_there_after: float = 90.0
    waiting_still_there_after: float = 600.0
    still_there_answer: float = 30.0
    check_in_timeout: float = 120.0
    message_seconds: float = 6.0
    end_screen_seconds: float = 30.0
    out_of_service_after: float = 20.0
    capture_now_after: float = 20.0
    min_code_length: int = 4
    max_code_length: int = 16
    pin_attempts: int = 3
    pin_lockout: float = 60.0


CODE_CHARS = re.compile(r"^[A-Z0-9-]+$")

_LIGHT = {
    Screen.ATTRACT: LightColour.IDLE,
    Screen.OUT_OF_SERVICE: LightColour.FAULT,
    Screen.TECHNICIAN: LightColour.FAULT,
    Screen.CALL: LightColour.CALL,
    Screen.DOCUMENT: LightColour.CALL,
}
"""Every screen's light colour; the others are WAITING (the booth is taken)."""

_LANGUAGE_SCREENS = {Screen.ATTRACT, Screen.PRIVACY, Screen.CHECK_IN, Screen.CODE_ENTRY, Screen.CHECKING, Screen.TICKET,
                     Screen.WAITING, Screen.END, Screen.OUT_OF_SERVICE}
"""Screens where the participant may change the language: every screen before the call (the
officer's prompts come in the language the visit was announced with), and the end screen."""
_LEAVE_SCREENS = {Screen.CHECK_IN, Screen.CODE_ENTRY, Screen.CHECKING, Screen.TICKET, Screen.WAITING, Screen.CALL,
                  Screen.DOCUMENT}
"""Screens a participant may leave the visit from."""
_STILL_THERE_SCREENS = {Screen.PRIVACY, Screen.CHECK_IN, Screen.CODE_ENTRY, Screen.TICKET, Screen.WAITING}
_QR_SCREENS = {Screen.CHECK_IN, Screen.CODE_ENTRY}
_IDLE_SCREENS = {Screen.ATTRACT, Screen.OUT_OF_SERVICE}  # nobody at the booth: the tray is empty
_BOOKING_NOTICE = {
    p.BookingProblem.UNKNOWN: NoticeKind.BOOKING_UNKNOWN,
    p.BookingProblem.NOT_TODAY: NoticeKind.BOOKING_NOT_TODAY,
    p.BookingProblem.SLOT_PASSED: NoticeKind.BOOKING_SLOT_PASSED,
    p.BookingProblem.ALREADY_SERVED: NoticeKind.BOOKING_ALREADY_SERVED,
    p.BookingProblem.ALREADY_WAITING: NoticeKind.BOOKING_ALREADY_WAITING,
}


def visit_reference(session: p.SessionInfo) -> str:
    """The participant's reference for a visit: the day and the ticket (unique per branch and
    day), e.g. ``20261126-A017``."""
    return time.strftime("%Y%m%d", time.localtime(session.queued_at)) + "-" + session.ticket


@dataclass
class _Visit:
    """What the flow knows of the participant: every field is wiped at the end."""

    language: Language
    code_input: str = ""
    booking_code: str | None = None
    name: str | None = None
    session: p.SessionInfo | None = None
    ticket: str | None = None
    queue: p.QueuePosition | None = None
    call_state: CallState | None = None
    call_started: bool = False
    cso_online: bool = False
    quality: QualityRequest | None = None
    prompt: str | None = None
    checklist: tuple[ChecklistItem, ...] = ()
    document: DocumentView | None = None
    document_since: float = 0.0
    document_done_at: float | None = None
    verified: tuple[DocumentKind, ...] = ()
    outcome: Outcome | None = None
    reference: str | None = None
    receipt: ReceiptState = ReceiptState.NONE
    ended_at: float | None = None
    hand_raised_at: float | None = None


class BoothFlow:
    """The booth's visit, pure: inputs and the time in, commands out, one view to render.

    Args:
        rules: timings and limits.
        verify_pin: checks a technician PIN against the stored hash (None: no PIN configured,
            the technician screen stays locked).
        has_printer: whether a receipt printer is configured.
        now: the time the flow starts.
    """

    def __init__(self, rules: FlowRules = FlowRules(), *, verify_pin: Callable[[str], bool] | None = None,
                 has_printer: bool = False, now: float = 0.0) -> None:
        if not rules.languages:
            raise ValueError("a booth offers at least one language")
        self.rules = rules
        self._verify_pin = verify_pin
        self.has_printer = has_printer
        self.screen = Screen.ATTRACT
        self.visit = _Visit(rules.languages[0])
        self.server_up = False
        self._server_down_since: float | None = now
        self._refused = ""
        self._last_touch = now
        self._still_there_since: float | None = None
        self._notice: Notice | None = None
        self._faults: dict[str, str] = {}
        self._devices: dict[str, tuple[bool, str]] = {}
        self._confirm_leave = False
        self._light: LightColour | None = None
        self._pin = ""
        self._pin_failures = 0
        self._pin_lockouts = 0
        self._pin_locked_until = 0.0
        self._tech_unlocked = False
        self._screen_since = now
        self._qr_on = False
        self._scanner_on = False
        self._tray_watched = False
        self.now = now

    # ------------------------------------------------------------------ the view

    def view(self, now: float | None = None) -> BoothView:
        """The screen to render now."""
        now = self.now if now is None else now
        v = self.visit
        notice = self._notice.kind if self._notice is not None and now < self._notice.until else None
        still_left = None
        if self._still_there_since is not None:
            still_left = max(0.0, self.rules.still_there_answer - (now - self._still_there_since))
        tech = None
        if self.screen is Screen.TECHNICIAN:
            tech = TechnicianView(self._tech_unlocked, len(self._pin), max(0.0, self._pin_locked_until - now),
                                  self._verify_pin is not None,
                                  tuple((r, ok, m) for r, (ok, m) in sorted(self._devices.items()))
                                  if self._tech_unlocked else ())
        s = v.session
        return BoothView(
            screen=self.screen, language=v.language, languages=self.rules.languages, light=self._colour(),
            server_up=self.server_up, reconnecting=self._reconnecting(), notice=notice, code_input=v.code_input,
            ticket=v.ticket, name=screen_name(v.name),
            queue_position=v.queue.position if v.queue else None, queue_waiting=v.queue.waiting if v.queue else None,
            estimated_wait=v.queue.estimated_wait if v.queue else None,
            offered=s is not None and s.state is SessionState.OFFERED,
            call_phase=self._call_phase(), officer_hears_you=self._officer_hears(),
            prompt=v.prompt, checklist=v.checklist, document=v.document, outcome=v.outcome,
            reference=v.reference, documents_verified=v.verified, receipt=v.receipt, still_there_left=still_left,
            faults=tuple(sorted(self._faults.items())), technician=tech,
            out_of_service=self._refused or ("" if self.server_up else "branch server unreachable"),
            language_choice=self.screen in _LANGUAGE_SCREENS and len(self.rules.languages) > 1,
            confirm_leave=self._confirm_leave and self.screen in _LEAVE_SCREENS,
            can_leave=self.screen in _LEAVE_SCREENS, has_printer=self.has_printer,
        )

    def _colour(self) -> LightColour:
        if self.screen is Screen.ATTRACT and self._refused:
            return LightColour.FAULT
        return _LIGHT.get(self.screen, LightColour.WAITING)

    def _reconnecting(self) -> bool:
        if self.screen in (Screen.ATTRACT, Screen.OUT_OF_SERVICE, Screen.TECHNICIAN):
            return False
        if not self.server_up:
            return True
        return self.screen in (Screen.CALL, Screen.DOCUMENT) and self.visit.call_state in (
            CallState.LOST, CallState.STALLED)

    def _call_phase(self) -> CallPhase | None:
        v = self.visit
        if self.screen not in (Screen.CALL, Screen.DOCUMENT) or v.session is None:
            return None
        if v.session.state is SessionState.HELD:
            return CallPhase.ON_HOLD
        if v.call_state in (CallState.LOST, CallState.STALLED) or not self.server_up:
            return CallPhase.RECONNECTING
        if v.call_state is not CallState.CONNECTED:
            return CallPhase.CONNECTING
        return CallPhase.TALKING if self._officer_hears() else CallPhase.WAITING_FOR_OFFICER

    def _officer_hears(self) -> bool:
        v = self.visit
        return (
            v.session is not None and v.session.state is SessionState.ACTIVE and v.call_state is CallState.CONNECTED
            and v.quality is not None and v.quality.audio and self.server_up
        )

    # ------------------------------------------------------------------ the one entry

    def handle(self, event: BoothInput, now: float) -> list[BoothCommand]:
        """Take one input at time ``now``; returns the commands to carry out, in order.

        Args:
            event: any :data:`BoothInput`.
            now: the flow's clock (monotonic seconds; must not go backwards much).
        """
        self.now = now
        out: list[BoothCommand] = []
        if isinstance(event, (Touch, ChooseLanguage, Start, AcceptPrivacy, Back, ChooseBooking, ChooseWalkIn,
                              KeyPress, SubmitCode, ImStillHere, CallOfficer, LeaveVisit, AskToLeave, StayInVisit,
                              CaptureNow, Finish, PinKey)):
            self._last_touch = now
            self._still_there_since = None
        handler = getattr(self, f"_on_{type(event).__name__}", None)
        if handler is not None:
            handler(event, now, out)
        self._timeouts(now, out)
        self._sync_readers(out)
        colour = self._colour()
        if colour is not self._light:
            self._light = colour
            out.append(SetLight(colour))
        return out

    # ------------------------------------------------------------------ helpers

    def _go(self, screen: Screen, now: float) -> None:
        if screen is not self.screen:
            self.screen = screen
            self._screen_since = now
            self._confirm_leave = False
            self._still_there_since = None
            self._last_touch = now

    def _notify(self, kind: NoticeKind, now: float) -> None:
        self._notice = Notice(kind, now + self.rules.message_seconds)

    def _sync_readers(self, out: list[BoothCommand]) -> None:
        want_qr = self.screen in _QR_SCREENS and self.server_up
        if want_qr != self._qr_on:
            self._qr_on = want_qr
            out.append(StartQrReader() if want_qr else StopQrReader())
        want_tray = self.screen in _IDLE_SCREENS
        if want_tray != self._tray_watched:
            self._tray_watched = want_tray
            out.append(WatchTray(want_tray))
        d = self.visit.document
        want_scanner = self.screen is Screen.DOCUMENT and d is not None and d.phase is DocumentPhase.POSITIONING
        if self._scanner_on and not want_scanner:
            self._scanner_on = False
            out.append(StopScanner())
        elif want_scanner and not self._scanner_on:
            self._scanner_on = True
            out.append(StartScanner(d.request_id, d.document))

    def _wipe(self, now: float, out: list[BoothCommand]) -> None:
        """Forget the participant and go back to idle."""
        v = self.visit
        if v.session is not None and v.call_started:
            out.append(EndCall(v.session.id))
        self.visit = _Visit(self.rules.languages[0])
        self._notice = None
        out.append(Wipe())
        self._go(Screen.ATTRACT if self.server_up or self._server_down_since is None
                 or now - self._server_down_since < self.rules.out_of_service_after
                 else Screen.OUT_OF_SERVICE, now)

    def _give_up(self, now: float, out: list[BoothCommand]) -> None:
        """The participant left (or never answered): leave the queue, wipe."""
        if self.visit.session is not None and self.visit.session.state is not SessionState.ENDED:
            out.append(CancelVisit())
        self._wipe(now, out)

    def _timeouts(self, now: float, out: list[BoothCommand]) -> None:
        r = self.rules
        if self._notice is not None and now >= self._notice.until:
            self._notice = None
        # out of service while idle and the server is gone
        if (self.screen is Screen.ATTRACT and not self.server_up and self._server_down_since is not None
                and now - self._server_down_since >= r.out_of_service_after):
            self._go(Screen.OUT_OF_SERVICE, now)
        if self.screen is Screen.ATTRACT and self._refused:
            self._go(Screen.OUT_OF_SERVICE, now)
        # "are you still there?"
        if self.screen in _STILL_THERE_SCREENS:
            limit = r.waiting_still_there_after if self.screen is Screen.WAITING else r.still_there_after
            if self._still_there_since is None and now - self._last_touch >= limit:
                self._still_there_since = self._last_touch + limit
            if self._still_there_since is not None and now - self._still_there_since >= r.still_there_answer:
                self._still_there_since = None
                self._give_up(now, out)
                return
        else:
            self._still_there_since = None
        if self.screen is Screen.CHECKING and now - self._screen_since >= r.check_in_timeout:
            self._notify(NoticeKind.SERVER_PROBLEM, now)  # no answer at all: let them try again
            self._go(Screen.CODE_ENTRY if self.visit.booking_code else Screen.CHECK_IN, now)
        if self.screen is Screen.TICKET and now - self._screen_since >= r.message_seconds:
            self._go(Screen.WAITING, now)
        v = self.visit
        d = v.document
        if d is not None and d.phase is DocumentPhase.POSITIONING and not d.capture_now_allowed \
                and now - v.document_since >= r.capture_now_after:
            v.document = replace(d, capture_now_allowed=True)
        if d is not None and v.document_done_at is not None and now - v.document_done_at >= r.message_seconds:
            v.document, v.document_done_at = None, None
            if self.screen is Screen.DOCUMENT:
                self._go(Screen.CALL, now)
        if self.screen is Screen.END and v.ended_at is not None and now - v.ended_at >= r.end_screen_seconds:
            self._wipe(now, out)
        if self.screen is Screen.TECHNICIAN and now - self._last_touch >= r.still_there_after:
            self._leave_technician(now)

    # ------------------------------------------------------------------ participant intents

    def _on_ChooseLanguage(self, e: ChooseLanguage, now, out) -> None:
        if e.language in self.rules.languages and self.screen in _LANGUAGE_SCREENS:
            self.visit.language = e.language

    def _on_Start(self, e, now, out) -> None:
        if self.screen is not Screen.ATTRACT:
            return
        if self.server_up and not self._refused:
            self._go(Screen.PRIVACY, now)
        else:
            self._notify(NoticeKind.SERVER_PROBLEM, now)

    def _on_ButtonPressed(self, e, now, out) -> None:
        if self.screen is Screen.ATTRACT:
            self._last_touch = now
            self._on_Start(Start(), now, out)
        elif self.screen in (Screen.CALL, Screen.DOCUMENT, Screen.WAITING, Screen.TICKET):
            self._on_CallOfficer(CallOfficer(), now, out)

    def _on_AcceptPrivacy(self, e, now, out) -> None:
        if self.screen is Screen.PRIVACY:
            self._go(Screen.CHECK_IN, now)

    def _on_Back(self, e, now, out) -> None:
        if self.screen is Screen.PRIVACY:
            self._wipe(now, out)
        elif self.screen is Screen.CHECK_IN:
            self._go(Screen.PRIVACY, now)
        elif self.screen is Screen.CODE_ENTRY:
            self.visit.code_input = ""
            self._go(Screen.CHECK_IN, now)

    def _on_ChooseBooking(self, e, now, out) -> None:
        if self.screen is Screen.CHECK_IN:
            self._go(Screen.CODE_ENTRY, now)

    def _on_ChooseWalkIn(self, e, now, out) -> None:
        if self.screen is Screen.CHECK_IN and self.server_up:
            self._go(Screen.CHECKING, now)
            out.append(AnnounceVisit("walk_in", None, self.visit.language))

    def _on_KeyPress(self, e: KeyPress, now, out) -> None:
        if self.screen is not Screen.CODE_ENTRY:
            return
        v = self.visit
        key = e.key.upper()
        if key == "DEL":
            v.code_input = v.code_input[:-1]
        elif key == "CLEAR":
            v.code_input = ""
        elif len(key) == 1 and CODE_CHARS.match(key) and len(v.code_input) < self.rules.max_code_length:
            v.code_input += key

    def _on_SubmitCode(self, e, now, out) -> None:
        if self.screen is Screen.CODE_ENTRY:
            self._check_code(self.visit.code_input, now, out)

    def _on_QrDecoded(self, e: QrDecoded, now, out) -> None:
        if self.screen not in _QR_SCREENS:
            return
        code = e.text.strip().upper()
        if not CODE_CHARS.match(code) or len(code) > self.rules.max_code_length:
            self._notify(NoticeKind.BOOKING_UNKNOWN, now)
            return
        self._last_touch = now
        self.visit.code_input = code
        self._check_code(code, now, out)

    def _check_code(self, code: str, now: float, out: list[BoothCommand]) -> None:
        if len(code) < self.rules.min_code_length:
            self._notify(NoticeKind.CODE_TOO_SHORT, now)
            return
        if not self.server_up:
            self._notify(NoticeKind.SERVER_PROBLEM, now)
            return
        self.visit.booking_code = code
        self._go(Screen.CHECKING, now)
        out.append(CheckBookingCode(code))

    def _on_ImStillHere(self, e, now, out) -> None:
        self._still_there_since = None

    def _on_CallOfficer(self, e, now, out) -> None:
        v = self.visit
        if self.screen in (Screen.WAITING, Screen.TICKET):
            self._notify(NoticeKind.PLEASE_WAIT, now)
        elif self.screen in (Screen.CALL, Screen.DOCUMENT) and v.session is not None and v.call_started:
            if v.hand_raised_at is None or now - v.hand_raised_at >= self.rules.message_seconds:
                v.hand_raised_at = now
                out.append(RaiseHand(v.session.id))
            self._notify(NoticeKind.OFFICER_NOTIFIED, now)

    def _on_LeaveVisit(self, e, now, out) -> None:
        if self.screen in _LEAVE_SCREENS:
            self._give_up(now, out)

    def _on_AskToLeave(self, e, now, out) -> None:
        if self.screen in _LEAVE_SCREENS:
            self._confirm_leave = True

    def _on_StayInVisit(self, e, now, out) -> None:
        self._confirm_leave = False

    def _on_CaptureNow(self, e, now, out) -> None:
        v = self.visit
        d = v.document
        if self.screen is Screen.DOCUMENT and d is not None and d.phase is DocumentPhase.POSITIONING \
                and d.capture_now_allowed:
            v.document = replace(d, phase=DocumentPhase.CAPTURING)
            out.append(CaptureStill(d.request_id))

    def _on_Finish(self, e, now, out) -> None:
        if self.screen is Screen.END:
            self._wipe(now, out)

    # ------------------------------------------------------------------ technician

    def _on_TechnicianGesture(self, e, now, out) -> None:
        if self.screen in (Screen.ATTRACT, Screen.OUT_OF_SERVICE):
            self._pin, self._tech_unlocked = "", False
            self._last_touch = now
            self._go(Screen.TECHNICIAN, now)

    def _on_PinKey(self, e: PinKey, now, out) -> None:
        if self.screen is not Screen.TECHNICIAN or self._tech_unlocked:
            return
        if e.key == "DEL":
            self._pin = self._pin[:-1]
        elif e.key == "OK":
            pin, self._pin = self._pin, ""
            if now < self._pin_locked_until:
                self._notify(NoticeKind.PIN_LOCKED, now)
            elif self._verify_pin is not None and pin and self._verify_pin(pin):
                self._tech_unlocked, self._pin_failures, self._pin_lockouts = True, 0, 0
            else:
                self._pin_failures += 1
                if self._pin_failures >= self.rules.pin_attempts:
                    self._pin_locked_until = now + self.rules.pin_lockout * 2 ** self._pin_lockouts
                    self._pin_lockouts += 1
                    self._pin_failures = 0
                    self._notify(NoticeKind.PIN_LOCKED, now)
                else:
                    self._notify(NoticeKind.PIN_WRONG, now)
        elif e.key.isdigit() and len(e.key) == 1 and len(self._pin) < 12:
            self._pin += e.key

    def _on_LeaveTechnician(self, e, now, out) -> None:
        if self.screen is Screen.TECHNICIAN:
            self._leave_technician(now)

    def _leave_technician(self, now: float) -> None:
        self._pin, self._tech_unlocked = "", False
        self._go(Screen.ATTRACT, now)

    # ------------------------------------------------------------------ server

    def _on_ServerUp(self, e: ServerUp, now, out) -> None:
        self.server_up, self._server_down_since, self._refused = True, None, ""
        if self.screen is Screen.OUT_OF_SERVICE:
            self._go(Screen.ATTRACT, now)
        v = self.visit
        if v.session is None:
            if self.screen is Screen.CHECKING:  # the answer was lost with the connection
                self._notify(NoticeKind.SERVER_PROBLEM, now)
                self._go(Screen.CHECK_IN, now)
            return
        mine = next((s for s in e.welcome.sessions if s.id == v.session.id), None)
        if mine is not None:
            self._session(mine, now, out)
        elif v.session.state is not SessionState.ENDED:
            self._interrupted(now, out)

    def _on_ServerDown(self, e, now, out) -> None:
        if self.server_up:
            self.server_up, self._server_down_since = False, now

    def _on_ServerRefused(self, e: ServerRefused, now, out) -> None:
        self.server_up, self._refused = False, e.reason or "refused by the branch server"
        if self._server_down_since is None:
            self._server_down_since = now
        if self.screen is not Screen.TECHNICIAN:
            if self.visit.session is not None or self.screen is not Screen.ATTRACT:
                self._wipe(now, out)
            self._go(Screen.OUT_OF_SERVICE, now)

    def _interrupted(self, now: float, out: list[BoothCommand]) -> None:
        """The server no longer has this visit (e.g. the booth was away past the grace)."""
        self._wipe(now, out)
        self._notify(NoticeKind.VISIT_INTERRUPTED, now)

    def _on_BookingChecked(self, e: BookingChecked, now, out) -> None:
        v = self.visit
        r = e.result
        if self.screen is not Screen.CHECKING or r.code != v.booking_code:
            return
        if r.valid:
            v.name = r.booking.name if r.booking else None
            out.append(AnnounceVisit("booking", r.code, v.language))
        else:
            v.booking_code, v.code_input = None, ""
            self._notify(_BOOKING_NOTICE.get(r.problem, NoticeKind.BOOKING_UNKNOWN), now)
            self._go(Screen.CODE_ENTRY, now)

    def _on_RequestFailed(self, e: RequestFailed, now, out) -> None:
        if self.screen is not Screen.CHECKING:
            return
        v = self.visit
        if e.code is p.ErrorCode.BOOKING_INVALID:
            self._notify(NoticeKind.BOOKING_UNKNOWN, now)
            v.booking_code, v.code_input = None, ""
            self._go(Screen.CODE_ENTRY, now)
        elif e.code is p.ErrorCode.RATE_LIMITED and e.request in ("check_booking", "announce"):
            self._notify(NoticeKind.TOO_MANY_CODES, now)
            v.booking_code, v.code_input = None, ""
            self._go(Screen.CHECK_IN, now)  # where the walk-in ticket is
        else:
            self._notify(NoticeKind.SERVER_PROBLEM, now)
            self._go(Screen.CODE_ENTRY if v.booking_code else Screen.CHECK_IN, now)

    def _on_Announced(self, e: Announced, now, out) -> None:
        if self.screen is not Screen.CHECKING:
            return
        v = self.visit
        if v.queue is not None and v.queue.session_id != e.session.id:
            v.queue = None
        v.ticket = e.session.ticket
        walk_in = e.session.kind == "walk_in"
        self._session(e.session, now, out)
        if walk_in and self.screen is Screen.WAITING:
            self._go(Screen.TICKET, now)
            if self.has_printer:
                out.append(PrintTicket(e.session.ticket, v.language))

    def _on_SessionChanged(self, e: SessionChanged, now, out) -> None:
        v = self.visit
        if v.session is not None and e.session.id == v.session.id:
            self._session(e.session, now, out)
        elif v.session is None and self.screen is Screen.CHECKING and e.session.state is not SessionState.ENDED:
            # the server tells a booth only of its own session: this update overtook the answer
            # to the announce
            self._on_Announced(Announced(e.session), now, out)

    def _on_QueuePositionChanged(self, e: QueuePositionChanged, now, out) -> None:
        v = self.visit
        if (v.session is not None and e.position.session_id == v.session.id) or (
                v.session is None and self.screen is Screen.CHECKING):
            v.queue = e.position  # (kept for the session the announce's answer brings)

    def _session(self, s: p.SessionInfo, now: float, out: list[BoothCommand]) -> None:
        v = self.visit
        v.session, v.ticket = s, s.ticket
        if s.name:
            v.name = s.name
        if s.state is SessionState.ENDED:
            self._ended(s, now, out)
            return
        if s.state in (SessionState.WAITING, SessionState.OFFERED):
            if v.call_started:  # back in the queue (transferred, or the officer was lost)
                out.append(EndCall(s.id))
                v.call_started, v.call_state, v.quality, v.document = False, None, None, None
            if self.screen is not Screen.TICKET:
                self._go(Screen.WAITING, now)
            return
        v.queue = None
        if not v.call_started:
            v.call_started = True
            out.append(StartCall(s.id))
        elif s.cso_online and not v.cso_online:
            out.append(PeerBack(s.id))
        v.cso_online = s.cso_online
        if self.screen not in (Screen.CALL, Screen.DOCUMENT):
            self._go(Screen.DOCUMENT if v.document is not None else Screen.CALL, now)

    def _ended(self, s: p.SessionInfo, now: float, out: list[BoothCommand]) -> None:
        v = self.visit
        if self.screen is Screen.END:
            return
        if v.call_started:
            out.append(EndCall(s.id))
            v.call_started = False
        v.document, v.document_done_at = None, None
        v.outcome = s.outcome or Outcome.PARTICIPANT_LEFT
        v.reference = visit_reference(s)
        v.ended_at = now
        self._go(Screen.END, now)
        if v.outcome in (Outcome.COMPLETED, Outcome.DOCUMENTS_INCOMPLETE, Outcome.REJECTED, Outcome.REFERRED):
            if self.has_printer:
                v.receipt = ReceiptState.PRINTING
                out.append(PrintReceipt(s.ticket, v.reference, v.outcome, v.verified, v.language))
            else:
                v.receipt = ReceiptState.NO_PRINTER

    # ------------------------------------------------------------------ devices

    def _on_DeviceChanged(self, e: DeviceChanged, now, out) -> None:
        self._devices[e.role] = (e.ok, e.message)
        if e.ok:
            self._faults.pop(e.role, None)
        else:
            self._faults[e.role] = e.message or f"{e.role} not working"

    def _on_PrintDone(self, e: PrintDone, now, out) -> None:
        v = self.visit
        if e.job == "receipt" and v.receipt is ReceiptState.PRINTING:
            v.receipt = ReceiptState.PRINTED if e.ok else ReceiptState.FAILED
            if e.ok is False and v.ended_at is not None:
                v.ended_at = now  # the reference stays on screen for the full time after a failure

    # ------------------------------------------------------------------ media

    def _on_CallStateChanged(self, e: CallStateChanged, now, out) -> None:
        v = self.visit
        if v.session is not None and e.session_id == v.session.id:
            v.call_state = e.state
            if e.state is not CallState.CONNECTED:
                v.quality = None  # the officer's request comes again on the new connection

    def _on_CallRemoved(self, e: CallRemoved, now, out) -> None:
        v = self.visit
        if v.session is not None and e.session_id == v.session.id:
            v.call_state, v.quality = CallState.CLOSED, None

    def _on_QualityApplied(self, e: QualityApplied, now, out) -> None:
        v = self.visit
        if v.session is not None and e.session_id == v.session.id:
            v.quality = e.request

    def _on_PromptReceived(self, e: PromptReceived, now, out) -> None:
        v = self.visit
        if v.session is not None and e.session_id == v.session.id:
            v.prompt = e.text

    def _on_ChecklistReceived(self, e: ChecklistReceived, now, out) -> None:
        v = self.visit
        if v.session is not None and e.session_id == v.session.id:
            v.checklist = e.items
            v.verified = tuple(i.document for i in e.items if i.status is ChecklistStatus.VERIFIED)

    def _on_DocumentRequested(self, e: DocumentRequested, now, out) -> None:
        v = self.visit
        if v.session is None or e.session_id != v.session.id or not v.call_started:
            return
        if e.capture is CaptureMode.NOW:
            phase = DocumentPhase.CAPTURING
            out.append(CaptureStill(e.request_id))
        else:
            phase = DocumentPhase.POSITIONING
        if v.document is not None and v.document.request_id != e.request_id and self._scanner_on:
            self._scanner_on = False
            out.append(StopScanner())
        v.document = DocumentView(e.request_id, e.document, phase, attempt=e.attempt)
        v.document_since, v.document_done_at = now, None
        self._go(Screen.DOCUMENT, now)

    def _current(self, request_id: str) -> DocumentView | None:
        d = self.visit.document
        return d if d is not None and d.request_id == request_id else None

    def _on_DocumentCancelled(self, e: DocumentCancelled, now, out) -> None:
        if self._current(e.request_id) is not None:
            self.visit.document, self.visit.document_done_at = None, None
            if self.screen is Screen.DOCUMENT:
                self._go(Screen.CALL, now)

    def _on_ScanUpdate(self, e: ScanUpdate, now, out) -> None:
        d = self._current(e.request_id)
        if d is not None and d.phase is DocumentPhase.POSITIONING:
            self.visit.document = replace(d, hint=e.hint, hold_progress=max(0.0, min(1.0, e.hold_progress)),
                                          outline=e.outline)

    def _on_DocumentCaptured(self, e: DocumentCaptured, now, out) -> None:
        v = self.visit
        d = self._current(e.request_id)
        if d is None or d.phase not in (DocumentPhase.POSITIONING, DocumentPhase.CAPTURING) or v.session is None:
            return  # the request was cancelled meanwhile: the still is dropped here
        v.document = replace(d, phase=DocumentPhase.SENDING, hold_progress=1.0, sent_fraction=0.0)
        out.append(SubmitStill(v.session.id, e.request_id, d.document, e.still))

    def _on_CaptureFailed(self, e: CaptureFailed, now, out) -> None:
        v = self.visit
        d = self._current(e.request_id)
        if d is None or v.session is None:
            return
        v.document = replace(d, phase=DocumentPhase.CAMERA_PROBLEM)
        v.document_done_at = now
        out.append(FailStill(v.session.id, e.request_id, e.reason))

    def _on_UploadProgress(self, e: UploadProgress, now, out) -> None:
        d = self._current(e.request_id)
        if d is not None and d.phase is DocumentPhase.SENDING:
            self.visit.document = replace(d, sent_fraction=e.sent_bytes / e.size if e.size else 1.0)

    def _on_UploadDone(self, e: UploadDone, now, out) -> None:
        v = self.visit
        d = self._current(e.request_id)
        if d is None or d.phase is not DocumentPhase.SENDING or v.session is None:
            return
        if e.ok:
            v.document = replace(d, phase=DocumentPhase.SENT, sent_fraction=1.0)
        else:
            v.document = replace(d, phase=DocumentPhase.SEND_FAILED)
            v.document_done_at = now
            out.append(FailStill(v.session.id, e.request_id, e.reason or "the still could not be sent"))

    def _on_VerdictReceived(self, e: VerdictReceived, now, out) -> None:
        v = self.visit
        if v.session is None or e.session_id != v.session.id:
            return
        accepted = e.verdict is Verdict.ACCEPTED
        if accepted and e.document not in v.verified:
            v.verified = v.verified + (e.document,)
        d = v.document if v.document is not None and v.document.request_id == e.request_id else None
        if d is None:
            d = DocumentView(e.request_id, e.document, DocumentPhase.SENT)
        v.document = replace(d, phase=DocumentPhase.ACCEPTED if accepted else DocumentPhase.REJECTED,
                             reason=None if accepted else e.reason)
        v.document_done_at = now
        if self.screen is Screen.CALL:
            self._go(Screen.DOCUMENT, now)

    # ------------------------------------------------------------------ snapshot of state

    def holds_participant_data(self) -> bool:
        """Whether anything of a participant is still held (False right after a wipe)."""
        v = self.visit
        return any((v.code_input, v.booking_code, v.name, v.session, v.ticket, v.queue, v.prompt, v.checklist,
                    v.document, v.verified, v.reference, v.outcome))
