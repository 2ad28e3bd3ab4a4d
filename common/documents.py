"""The catalogue of document kinds a participant may be asked to show.

One list, shared by the wire protocol (decisions, services), the media engine (document
requests), the document scanner (what shape to look for) and both apps (names and pictures in
their translations). Only codes and geometry live here: what a document is *called* is a word
for people, and words belong to the apps' translations.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class DocumentKind(str, enum.Enum):
    """A kind of document, by its code on the wire."""

    KTP = "ktp"  # Kartu Tanda Penduduk: national ID card
    KK = "kk"  # Kartu Keluarga: family card (a printed sheet)
    MEMBERSHIP_CARD = "membership_card"  # BPJS Ketenagakerjaan membership card
    TERMINATION_LETTER = "termination_letter"  # letter from the employer: work ended
    BANK_BOOK = "bank_book"  # savings book, opened at the page with the account
    CLAIM_FORM = "claim_form"  # the filled JHT claim form
    OTHER = "other"  # anything else the officer asks for


class DocumentShape(str, enum.Enum):
    """What the document camera should expect to see."""

    CARD = "card"  # ISO ID-1 card, landscape
    SHEET = "sheet"  # a sheet of paper, portrait
    WIDE_SHEET = "wide_sheet"  # a sheet of paper, landscape (family card)
    BOOKLET = "booklet"  # an opened booklet
    ANY = "any"


@dataclass(frozen=True)
class DocumentInfo:
    """Geometry of one kind of document.

    Args:
        kind: its code.
        shape: what the scanner looks for.
        aspect: long side / short side of the document (None: any).
    """

    kind: DocumentKind
    shape: DocumentShape
    aspect: float | None


CATALOGUE: dict[DocumentKind, DocumentInfo] = {
    info.kind: info
    for info in (
        DocumentInfo(DocumentKind.KTP, DocumentShape.CARD, 85.6 / 54.0),
        DocumentInfo(DocumentKind.KK, DocumentShape.WIDE_SHEET, 330.0 / 215.0),
        DocumentInfo(DocumentKind.MEMBERSHIP_CARD, DocumentShape.CARD, 85.6 / 54.0),
        DocumentInfo(DocumentKind.TERMINATION_LETTER, DocumentShape.SHEET, 297.0 / 210.0),
        DocumentInfo(DocumentKind.BANK_BOOK, DocumentShape.BOOKLET, 1.4),
        DocumentInfo(DocumentKind.CLAIM_FORM, DocumentShape.SHEET, 297.0 / 210.0),
        DocumentInfo(DocumentKind.OTHER, DocumentShape.ANY, None),
    )
}
"""Every document kind's geometry."""

JHT_CLAIM_DOCUMENTS: tuple[DocumentKind, ...] = (
    DocumentKind.KTP,
    DocumentKind.KK,
    DocumentKind.MEMBERSHIP_CARD,
    DocumentKind.TERMINATION_LETTER,
    DocumentKind.BANK_BOOK,
    DocumentKind.CLAIM_FORM,
)
"""The documents an old-age-savings (JHT) claim needs: the default service's checklist."""

DEFAULT_SERVICE = "jht_claim"
"""The service of a walk-in participant, and of a booking that names none."""


def info(kind: DocumentKind | str) -> DocumentInfo:
    """The geometry of a document kind.

    Args:
        kind: a kind or its code.

    Raises:
        ValueError: an unknown code (the message lists the known ones).
    """
    try:
        return CATALOGUE[DocumentKind(kind)]
    except ValueError:
        known = ", ".join(k.value for k in DocumentKind)
        raise ValueError(f"unknown document kind {kind!r}; known kinds: {known}") from None


class Verdict(str, enum.Enum):
    """The officer's decision on one document."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"


class RejectReason(str, enum.Enum):
    """Why a document was rejected (the officer picks one; the booth tells the participant)."""

    UNREADABLE = "unreadable"  # blurred, too dark, glare over the text
    INCOMPLETE = "incomplete"  # cut off, a page or side missing
    COVERED = "covered"  # a finger or an object over the text
    WRONG_DOCUMENT = "wrong_document"  # not the document asked for
    EXPIRED = "expired"
    DATA_MISMATCH = "data_mismatch"  # name or number differs from the other documents
    DAMAGED = "damaged"
    OTHER = "other"
