"""The participant's words for the codes a :class:`kiosk.flow.BoothView` carries.

English source strings through Qt's translation (``QCoreApplication.translate``, context
"Words"); ``pyside6-lupdate`` collects them into ``kiosk/i18n/kiosk_id.ts``. Plain words,
short sentences, no jargon: an elderly participant reads them.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from common.documents import DocumentKind, RejectReason
from kiosk.flow import CallPhase, NoticeKind, ReceiptState, ScanHint
from signaling.protocol import Outcome

translate = QCoreApplication.translate

LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
"""Each language's name in itself (never translated: a participant looks for their own)."""


def document_name(kind: DocumentKind) -> str:
    """A document's everyday name."""
    return {
        DocumentKind.KTP: translate("Words", "ID card (KTP)"),
        DocumentKind.KK: translate("Words", "Family card (KK)"),
        DocumentKind.MEMBERSHIP_CARD: translate("Words", "BPJS Ketenagakerjaan membership card"),
        DocumentKind.TERMINATION_LETTER: translate("Words", "Letter from your employer that your work ended"),
        DocumentKind.BANK_BOOK: translate("Words", "Savings book (bank book)"),
        DocumentKind.CLAIM_FORM: translate("Words", "Filled-in JHT claim form"),
        DocumentKind.OTHER: translate("Words", "The document the officer asked for"),
    }[kind]


def notice(kind: NoticeKind) -> str:
    """A short message over the screen."""
    return {
        NoticeKind.BOOKING_UNKNOWN: translate("Words", "We could not find this booking code. Please check it "
                                                       "and try again, or take a queue number."),
        NoticeKind.BOOKING_NOT_TODAY: translate("Words", "This booking is for another day. You can take a queue "
                                                         "number instead."),
        NoticeKind.BOOKING_SLOT_PASSED: translate("Words", "The time of this booking has passed. You can take a "
                                                           "queue number instead."),
        NoticeKind.BOOKING_ALREADY_SERVED: translate("Words", "This booking has already been used. You can take "
                                                              "a queue number instead."),
        NoticeKind.BOOKING_ALREADY_WAITING: translate("Words", "This booking is already waiting in the queue."),
        NoticeKind.CODE_TOO_SHORT: translate("Words", "The code is too short. Please type the whole code."),
        NoticeKind.TOO_MANY_CODES: translate("Words", "Too many codes were not found. Please take a queue number, "
                                                      "or ask at the front desk."),
        NoticeKind.SERVER_PROBLEM: translate("Words", "Something went wrong. Please try again."),
        NoticeKind.VISIT_INTERRUPTED: translate("Words", "Your visit was interrupted. Please start again, or go "
                                                         "to the front desk."),
        NoticeKind.OFFICER_NOTIFIED: translate("Words", "The officer has been told that you need them."),
        NoticeKind.PLEASE_WAIT: translate("Words", "Please wait: an officer will call you here soon."),
        NoticeKind.PIN_WRONG: translate("Words", "Wrong PIN."),
        NoticeKind.PIN_LOCKED: translate("Words", "Too many wrong PINs. Please wait."),
    }[kind]


def hint(h: ScanHint) -> str:
    """The scanner's advice while the participant positions the document."""
    return {
        ScanHint.NO_DOCUMENT: translate("Words", "Put your document on the tray"),
        ScanHint.OUT_OF_FRAME: translate("Words", "Move the document to the middle of the tray"),
        ScanHint.TOO_SMALL: translate("Words", "Hold the document closer to the camera"),
        ScanHint.BLURRY: translate("Words", "Lay the document flat on the tray"),
        ScanHint.MOTION_BLUR: translate("Words", "Keep the document still"),
        ScanHint.GLARE: translate("Words", "Tilt it a little to stop the shine"),
        ScanHint.COVERED: translate("Words", "Take your hand off the document"),
        ScanHint.OK: translate("Words", "Good, hold it there"),
        ScanHint.PREVIOUS_DOCUMENT: translate("Words", "Please take the previous document away, then put this "
                                                       "one on the tray"),
    }[h]


def reject_reason(reason: RejectReason | None) -> str:
    """Why the officer asks to see a document again."""
    if reason is None:
        return translate("Words", "The officer needs to see it again.")
    return {
        RejectReason.UNREADABLE: translate("Words", "The officer could not read it. Lay it flat, away from "
                                                    "shine."),
        RejectReason.INCOMPLETE: translate("Words", "Part of it was missing. Show the whole document."),
        RejectReason.COVERED: translate("Words", "Something was covering it. Take your hand off it."),
        RejectReason.WRONG_DOCUMENT: translate("Words", "This is not the document that was asked for."),
        RejectReason.EXPIRED: translate("Words", "This document has expired."),
        RejectReason.DATA_MISMATCH: translate("Words", "The details do not match your other documents."),
        RejectReason.DAMAGED: translate("Words", "The document is damaged."),
        RejectReason.OTHER: translate("Words", "The officer will tell you why."),
    }[reason]


def call_phase(phase: CallPhase) -> str:
    """The call, as the participant should understand it."""
    return {
        CallPhase.CONNECTING: translate("Words", "Connecting you to the officer…"),
        CallPhase.WAITING_FOR_OFFICER: translate("Words", "The officer will be with you in a moment"),
        CallPhase.TALKING: translate("Words", "You are talking with the officer"),
        CallPhase.ON_HOLD: translate("Words", "The officer is helping another participant and will be back "
                                              "with you. Please stay here."),
        CallPhase.RECONNECTING: translate("Words", "The connection was lost. Reconnecting…"),
    }[phase]


def outcome_title(outcome: Outcome | None) -> str:
    """The end screen's headline."""
    return {
        Outcome.COMPLETED: translate("Words", "Thank you. Your claim has been received."),
        Outcome.DOCUMENTS_INCOMPLETE: translate("Words", "Thank you. Some documents are still missing."),
        Outcome.REJECTED: translate("Words", "We are sorry. Your claim cannot go on."),
        Outcome.REFERRED: translate("Words", "Thank you. You have been referred to another service."),
        Outcome.PARTICIPANT_LEFT: translate("Words", "Your visit has ended."),
        Outcome.BOOTH_OFFLINE: translate("Words", "Your visit was interrupted."),
        Outcome.TECHNICAL_PROBLEM: translate("Words", "Your visit ended because of a technical problem."),
        None: translate("Words", "Your visit has ended."),
    }[outcome]


def outcome_next(outcome: Outcome | None) -> str:
    """What happens next, for the end screen."""
    return {
        Outcome.COMPLETED: translate("Words", "Your claim is now being processed. You do not need to do "
                                              "anything else today. Keep your reference number."),
        Outcome.DOCUMENTS_INCOMPLETE: translate("Words", "Please come back with the missing documents. Show your "
                                                         "reference number so we can continue your claim."),
        Outcome.REJECTED: translate("Words", "The officer has told you why. If you have questions, please go to "
                                             "the front desk with your reference number."),
        Outcome.REFERRED: translate("Words", "Please go to the front desk with your reference number. They will "
                                             "help you further."),
        Outcome.PARTICIPANT_LEFT: translate("Words", "You can start again at any time."),
        Outcome.BOOTH_OFFLINE: translate("Words", "Please start again, or go to the front desk."),
        Outcome.TECHNICAL_PROBLEM: translate("Words", "Please go to the front desk. We are sorry for the "
                                                      "trouble."),
        None: translate("Words", "You can start again at any time."),
    }[outcome]


def receipt(state: ReceiptState) -> str:
    """The receipt's state on the end screen ("" when there is nothing to say)."""
    return {
        ReceiptState.NONE: "",
        ReceiptState.PRINTING: translate("Words", "Printing your receipt…"),
        ReceiptState.PRINTED: translate("Words", "Please take your receipt from the printer below the screen."),
        ReceiptState.NO_PRINTER: translate("Words", "Please write down your reference number or take a photo "
                                                    "of this screen."),
        ReceiptState.FAILED: translate("Words", "The receipt could not be printed. Please write down your "
                                                "reference number or take a photo of this screen."),
    }[state]


def fault(role: str) -> str:
    """What a broken device means for the participant ("" when it does not matter to them)."""
    return {
        "camera": translate("Words", "The camera is not working. The officer has been told."),
        "document_camera": translate("Words", "The document camera is not working. The officer has been told."),
        "printer": translate("Words", "The printer is not working. Your numbers stay on the screen."),
        "microphone": translate("Words", "The microphone is not working. The officer has been told."),
        "speaker": translate("Words", "The loudspeaker is not working. The officer has been told."),
    }.get(role, "")


def wait_time(seconds: float | None) -> str:
    """The estimated wait in plain words ("" when unknown)."""
    if seconds is None:
        return ""
    minutes = int(round(seconds / 60))
    if minutes < 2:
        return translate("Words", "About 1 minute")
    if minutes >= 60:
        return translate("Words", "More than an hour")
    return translate("Words", "About {minutes} minutes").format(minutes=minutes)


def queue_place(position: int | None) -> str:
    """The participant's place in the queue ("" when unknown)."""
    if position is None:
        return ""
    if position <= 1:
        return translate("Words", "You are next in line")
    return translate("Words", "You are number {position} in line").format(position=position)


def device_role(role: str) -> str:
    """A device's name (technician screen)."""
    return {
        "camera": translate("Words", "Face camera"),
        "document_camera": translate("Words", "Document camera"),
        "microphone": translate("Words", "Microphone"),
        "speaker": translate("Words", "Loudspeaker"),
        "button": translate("Words", "Call button"),
        "light": translate("Words", "Status light"),
        "printer": translate("Words", "Receipt printer"),
    }.get(role, role)
