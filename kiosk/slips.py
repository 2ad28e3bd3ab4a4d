"""The words on the booth's printed slips, in the participant's language.

The printer (:mod:`hardware.printer`) knows no words: it prints a :class:`hardware.printer.Slip`.
This module fills it. The texts are few and fixed, and both languages are kept side by side so
a missing one shows in review and in ``tests/unit/test_kiosk_slips.py``.
"""
from __future__ import annotations

from datetime import datetime

from common.documents import DocumentKind
from common.language import Language
from hardware.printer import Slip, stamp
from signaling.protocol import Outcome

WORDS: dict[str, dict[Language, str]] = {
    "queue_number": {Language.ID: "Nomor antrean", Language.EN: "Queue number"},
    "please_wait": {Language.ID: "Silakan menunggu panggilan", Language.EN: "Please wait to be called"},
    "receipt_title": {Language.ID: "TANDA TERIMA LAYANAN", Language.EN: "SERVICE RECEIPT"},
    "ticket": {Language.ID: "Tiket", Language.EN: "Ticket"},
    "date": {Language.ID: "Tanggal", Language.EN: "Date"},
    "reference": {Language.ID: "No. Ref", Language.EN: "Reference"},
    "outcome": {Language.ID: "Hasil", Language.EN: "Outcome"},
    "documents": {Language.ID: "Dokumen diterima:", Language.EN: "Documents accepted:"},
    "none": {Language.ID: "(tidak ada)", Language.EN: "(none)"},
    "keep": {Language.ID: "Simpan tanda terima ini", Language.EN: "Keep this receipt"},
}

OUTCOMES: dict[Outcome, dict[Language, str]] = {
    Outcome.COMPLETED: {Language.ID: "Klaim diterima, diproses", Language.EN: "Claim received, in process"},
    Outcome.DOCUMENTS_INCOMPLETE: {Language.ID: "Dokumen belum lengkap", Language.EN: "Documents incomplete"},
    Outcome.REJECTED: {Language.ID: "Klaim tidak dapat dilanjutkan", Language.EN: "Claim cannot go on"},
    Outcome.REFERRED: {Language.ID: "Dirujuk ke layanan lain", Language.EN: "Referred to another service"},
    Outcome.PARTICIPANT_LEFT: {Language.ID: "Kunjungan dibatalkan", Language.EN: "Visit cancelled"},
    Outcome.BOOTH_OFFLINE: {Language.ID: "Kunjungan terputus", Language.EN: "Visit interrupted"},
    Outcome.TECHNICAL_PROBLEM: {Language.ID: "Kendala teknis", Language.EN: "Technical problem"},
}

DOCUMENTS: dict[DocumentKind, dict[Language, str]] = {
    DocumentKind.KTP: {Language.ID: "KTP", Language.EN: "ID card (KTP)"},
    DocumentKind.KK: {Language.ID: "Kartu Keluarga", Language.EN: "Family card (KK)"},
    DocumentKind.MEMBERSHIP_CARD: {Language.ID: "Kartu Peserta BPJS Ketenagakerjaan",
                                   Language.EN: "BPJS Ketenagakerjaan membership card"},
    DocumentKind.TERMINATION_LETTER: {Language.ID: "Surat keterangan berhenti bekerja",
                                      Language.EN: "Letter of employment termination"},
    DocumentKind.BANK_BOOK: {Language.ID: "Buku tabungan", Language.EN: "Bank book"},
    DocumentKind.CLAIM_FORM: {Language.ID: "Formulir klaim JHT", Language.EN: "JHT claim form"},
    DocumentKind.OTHER: {Language.ID: "Dokumen lain", Language.EN: "Other document"},
}


def ticket_slip(ticket: str, language: Language, branch: str, when: datetime) -> Slip:
    """A walk-in ticket."""
    w = {k: v[language] for k, v in WORDS.items()}
    return Slip(header=(branch,), title=(w["queue_number"],), big=ticket, footer=(stamp(when), w["please_wait"]))


def receipt_slip(ticket: str, reference: str, outcome: Outcome, documents: tuple[DocumentKind, ...],
                 language: Language, branch: str, when: datetime) -> Slip:
    """The visit's receipt: reference, outcome and the documents the officer accepted."""
    w = {k: v[language] for k, v in WORDS.items()}
    return Slip(
        header=(branch, w["receipt_title"]),
        rows=((w["ticket"], ticket), (w["date"], stamp(when)), (w["reference"], reference),
              (w["outcome"], OUTCOMES[outcome][language])),
        items_title=w["documents"],
        items=tuple(DOCUMENTS[d][language] for d in documents) or (w["none"],),
        footer=(w["keep"],),
    )
