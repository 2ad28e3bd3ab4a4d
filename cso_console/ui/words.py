"""Every word of the console an officer reads, in English in the code and translated with Qt's
tools (``cso_console/i18n/console_id.ts``; context "Console").

The desk's enums (document kinds, reject reasons, outcomes, tile states, link quality, languages)
are codes; their names for people are here, so the wire and the cores never carry words.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from common.documents import DocumentKind, RejectReason
from common.language import Language
from cso_console.desk import DocStatus, LinkQuality, Notice, TileState
from signaling.protocol import Outcome

translate = QCoreApplication.translate


def document(kind: DocumentKind) -> str:
    """A document's name."""
    return {
        DocumentKind.KTP: translate("Console", "ID card (KTP)"),
        DocumentKind.KK: translate("Console", "Family card (KK)"),
        DocumentKind.MEMBERSHIP_CARD: translate("Console", "Membership card"),
        DocumentKind.TERMINATION_LETTER: translate("Console", "Termination letter"),
        DocumentKind.BANK_BOOK: translate("Console", "Bank book"),
        DocumentKind.CLAIM_FORM: translate("Console", "JHT claim form"),
        DocumentKind.OTHER: translate("Console", "Other document"),
    }[kind]


def document_short(kind: DocumentKind) -> str:
    """A document's name in a word (a tile's badge)."""
    return {
        DocumentKind.KTP: translate("Console", "KTP"),
        DocumentKind.KK: translate("Console", "KK"),
        DocumentKind.MEMBERSHIP_CARD: translate("Console", "card"),
        DocumentKind.TERMINATION_LETTER: translate("Console", "letter"),
        DocumentKind.BANK_BOOK: translate("Console", "bank book"),
        DocumentKind.CLAIM_FORM: translate("Console", "form"),
        DocumentKind.OTHER: translate("Console", "document"),
    }[kind]


def reason(r: RejectReason | None) -> str:
    """Why a document was rejected."""
    if r is None:
        return translate("Console", "no reason given")
    return {
        RejectReason.UNREADABLE: translate("Console", "Unreadable (blurred, dark, glare)"),
        RejectReason.INCOMPLETE: translate("Console", "Incomplete (cut off, side missing)"),
        RejectReason.COVERED: translate("Console", "Covered (finger or object over it)"),
        RejectReason.WRONG_DOCUMENT: translate("Console", "Wrong document"),
        RejectReason.EXPIRED: translate("Console", "Expired"),
        RejectReason.DATA_MISMATCH: translate("Console", "Data does not match"),
        RejectReason.DAMAGED: translate("Console", "Damaged"),
        RejectReason.OTHER: translate("Console", "Other reason"),
    }[r]


def reason_short(r: RejectReason | None) -> str:
    """Why a document was rejected, in a word or two (the checklist, the viewer)."""
    if r is None:
        return translate("Console", "no reason given")
    return {
        RejectReason.UNREADABLE: translate("Console", "Unreadable"),
        RejectReason.INCOMPLETE: translate("Console", "Incomplete"),
        RejectReason.COVERED: translate("Console", "Covered"),
        RejectReason.WRONG_DOCUMENT: translate("Console", "Wrong document"),
        RejectReason.EXPIRED: translate("Console", "Expired"),
        RejectReason.DATA_MISMATCH: translate("Console", "Data does not match"),
        RejectReason.DAMAGED: translate("Console", "Damaged"),
        RejectReason.OTHER: translate("Console", "Other reason"),
    }[r]


def outcome(o: Outcome) -> str:
    """How a session ends."""
    return {
        Outcome.COMPLETED: translate("Console", "Complete: the claim moves on"),
        Outcome.DOCUMENTS_INCOMPLETE: translate("Console", "Incomplete: documents missing or rejected"),
        Outcome.REJECTED: translate("Console", "Rejected: the claim cannot go on (say why in the note)"),
        Outcome.REFERRED: translate("Console", "Referred to another office or channel"),
        Outcome.PARTICIPANT_LEFT: translate("Console", "Participant left"),
        Outcome.BOOTH_OFFLINE: translate("Console", "Booth offline"),
        Outcome.TECHNICAL_PROBLEM: translate("Console", "Technical problem"),
    }[o]


def state(s: TileState) -> str:
    """A tile's state, short (it is a label on the tile)."""
    return {
        TileState.RECONNECTING: translate("Console", "Reconnecting"),
        TileState.DEVICE_FAULT: translate("Console", "Device fault"),
        TileState.HAND_RAISED: translate("Console", "Hand raised"),
        TileState.STILL_ARRIVING: translate("Console", "Still arriving"),
        TileState.DOCUMENT_REQUESTED: translate("Console", "Document asked"),
        TileState.TALKING: translate("Console", "Talking"),
        TileState.WAITING_FOR_YOU: translate("Console", "Waiting for you"),
        TileState.ON_HOLD: translate("Console", "On hold"),
    }[s]


def doc_status(s: DocStatus) -> str:
    """Where a document of the checklist is."""
    return {
        DocStatus.NEEDED: translate("Console", "needed"),
        DocStatus.REQUESTED: translate("Console", "asked, being placed"),
        DocStatus.ARRIVING: translate("Console", "arriving"),
        DocStatus.RECEIVED: translate("Console", "check it"),
        DocStatus.VERIFIED: translate("Console", "verified"),
        DocStatus.REJECTED: translate("Console", "rejected"),
    }[s]


def quality(q: LinkQuality) -> str:
    """The connection badge."""
    return {
        LinkQuality.UNKNOWN: translate("Console", "link …"),
        LinkQuality.GOOD: translate("Console", "link good"),
        LinkQuality.FAIR: translate("Console", "link weak"),
        LinkQuality.BAD: translate("Console", "link bad"),
    }[q]


def language(lang: Language) -> str:
    """A participant's language."""
    return {Language.ID: translate("Console", "Bahasa Indonesia"), Language.EN: translate("Console", "English")}[lang]


def language_short(lang: Language) -> str:
    """A participant's language as a code on a tile."""
    return lang.value.upper()


def service(code: str) -> str:
    """A service's name (a service configured on the server that the console does not know by
    name shows as its code)."""
    known = {"jht_claim": translate("Console", "JHT claim")}
    return known.get(code, code.replace("_", " "))


def kind(k: str) -> str:
    """Walk-in or booking."""
    return translate("Console", "Booking") if k == "booking" else translate("Console", "Walk-in")


def prompt(key: str) -> str:
    """A canned prompt's button label (prompts added in the config show their key)."""
    known = {
        "greeting": translate("Console", "Greeting"),
        "show_document": translate("Console", "Place the document"),
        "please_wait": translate("Console", "Please wait"),
        "speak_louder": translate("Console", "Speak louder"),
        "thank_you": translate("Console", "Thank you"),
    }
    return known.get(key, key.replace("_", " ").capitalize())


def device(role: str) -> str:
    """A booth device's name."""
    return {
        "camera": translate("Console", "Face camera"),
        "document_camera": translate("Console", "Document camera"),
        "microphone": translate("Console", "Microphone"),
        "button": translate("Console", "Call button"),
        "light": translate("Console", "Status light"),
        "printer": translate("Console", "Receipt printer"),
    }.get(role, role)


def duration(seconds: float | None) -> str:
    """``m:ss`` (or ``h:mm:ss``)."""
    if seconds is None:
        return ""
    s = int(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def size(n: int) -> str:
    """Bytes, for the still's progress."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    return f"{n / 1000:.0f} kB"


def notice(n: Notice) -> str:
    """A problem the desk tells the officer, in the console's language."""
    t = n.ticket or ""
    doc = document(n.document) if n.document is not None else ""
    texts = {
        "gone": translate("Console", "{ticket} is no longer on your desk (the server moved it on)"),
        "unsure": translate("Console", "{ticket}: the server may not have received your last action; check the tile"),
        "moved_on": translate("Console", "{ticket} left your desk"),
        "no_slot": translate("Console", "No free place on your desk for {ticket}; it stays in the queue"),
        "decision_refused": translate("Console", "{ticket}: the decision on {document} was not recorded: {detail}"),
        "failed": translate("Console", "{ticket}: the server refused: {detail}"),
        "still_failed": translate("Console", "{ticket}: {document} did not arrive ({detail}); ask again"),
        "transfer_wait": translate("Console", "{ticket}: wait until your decisions are recorded, then transfer"),
        "not_complete": translate("Console", "{ticket} is not complete: documents missing. Pick another outcome"),
        "no_still": translate("Console", "{ticket}: there is no new still of {document} to decide on"),
    }
    text = texts.get(n.code)
    if text is None:
        return n.text
    return text.format(ticket=t, document=doc, detail=n.detail)


def own_device(role: str) -> str:
    """The officer's own sound device that does not work (the top bar)."""
    return {
        "microphone": translate("Console", "Your microphone does not work"),
        "speaker": translate("Console", "Your loudspeaker does not work"),
    }.get(role, role)
