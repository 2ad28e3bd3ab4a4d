"""The ESC/POS receipt printer: queue tickets and claim receipts.

The byte stream is built with python-escpos (`escpos.printer.Dummy` collects it) and written by
the device thread of `SerialDevice`, so one thread owns the port, as for every serial device.

Handshake (when `status_check` is on): the real-time status request DLE EOT 1
(`escpos.constants.RT_STATUS_ONLINE`); the printer answers one status byte whose
`RT_MASK_ONLINE` bit is clear when it is online. Printers that do not answer real-time
requests need `status_check = false`; then opening the port is the only check.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable, Sequence

from escpos.constants import RT_MASK_ONLINE, RT_STATUS_ONLINE
from escpos.printer import Dummy

from hardware.serialdevice import Link, NoAnswer, SerialDevice, StatusEvent, WrongAnswer
from hardware.settings import PrinterSettings

logger = logging.getLogger(__name__)


def _new(profile: str | None) -> Dummy:
    """Return an empty python-escpos byte collector, initialised (ESC @)."""
    p = Dummy(profile=profile) if profile else Dummy()
    p.hw("INIT")
    return p


def _stamp(when: datetime) -> str:
    """Return the date and time as printed on slips (day-month-year hour:minute)."""
    return when.strftime("%d-%m-%Y %H:%M")


def ticket_bytes(number: str, when: datetime, branch: str, *, profile: str | None = None) -> bytes:
    """Build the ESC/POS bytes of a queue ticket.

    Args:
        number: The ticket number, e.g. "A-017".
        when: When the ticket was issued.
        branch: Branch name printed in the header.
        profile: python-escpos printer profile name (None: the default profile).
    """
    p = _new(profile)
    p.set(align="center", bold=True)
    p.textln(branch)
    p.set_with_default(align="center")
    p.textln("Nomor antrean / Queue number")
    p.set(align="center", bold=True, double_height=True, double_width=True)
    p.textln(number)
    p.set_with_default(align="center")
    p.textln(_stamp(when))
    p.ln()
    p.textln("Silakan menunggu panggilan")
    p.textln("Please wait to be called")
    p.cut()
    return p.output


def claim_receipt_bytes(
    ticket: str,
    when: datetime,
    reference: str,
    documents: Sequence[str],
    branch: str,
    *,
    columns: int = 42,
    profile: str | None = None,
) -> bytes:
    """Build the ESC/POS bytes of a claim receipt.

    Args:
        ticket: The participant's ticket number.
        when: When the claim was received.
        reference: The claim reference, e.g. "JHT-20261125-0042".
        documents: Names of the documents received, one line each.
        branch: Branch name printed in the header.
        columns: Characters per line, for the rules and wrapping.
        profile: python-escpos printer profile name (None: the default profile).
    """
    p = _new(profile)
    p.set(align="center", bold=True)
    p.textln(branch)
    p.textln("TANDA TERIMA KLAIM JHT")
    p.set_with_default(align="center")
    p.textln("JHT claim receipt")
    p.set_with_default()
    p.textln("-" * columns)
    p.textln(f"Tiket / Ticket   : {ticket}")
    p.textln(f"Tanggal / Date   : {_stamp(when)}")
    p.textln(f"No. Ref          : {reference}")
    p.textln("-" * columns)
    p.textln("Dokumen diterima / Documents received:")
    for doc in documents or ["(tidak ada / none)"]:
        line = f" - {doc}"
        while len(line) > columns:
            p.textln(line[:columns])
            line = "   " + line[columns:]
        p.textln(line)
    p.textln("-" * columns)
    p.set(align="center")
    p.textln("Simpan tanda terima ini")
    p.textln("Keep this receipt")
    p.cut()
    return p.output


def test_slip_bytes(when: datetime, *, columns: int = 42, profile: str | None = None) -> bytes:
    """Build the ESC/POS bytes of the technician's test slip.

    Args:
        when: Printed on the slip.
        columns: Characters per line; a full-width ruler shows whether it fits the roll.
        profile: python-escpos printer profile name (None: the default profile).
    """
    p = _new(profile)
    p.set(align="center", bold=True)
    p.textln("LAPAK PRINTER TEST")
    p.set_with_default()
    p.textln(_stamp(when))
    p.textln(("0123456789" * 8)[:columns])
    p.set(bold=True)
    p.textln("Bold / Tebal")
    p.set_with_default(double_height=True, double_width=True)
    p.textln("Big")
    p.set_with_default()
    p.textln("END")
    p.cut()
    return p.output


class ReceiptPrinter(SerialDevice):
    """The booth's ESC/POS receipt printer on a serial port.

    Args:
        port: Serial port path.
        status_check: Ask the printer whether it is online when connecting.
        columns: Characters per line of the roll.
        profile: python-escpos printer profile name (None: the default profile).
        on_status: Called with a StatusEvent on every state change.
        **kwargs: Passed to SerialDevice (baudrate, timeout, retry_initial, ...).
    """

    kind = "PRINTER"

    def __init__(self, port: str, *, status_check: bool = True, columns: int = 42,
                 profile: str | None = None, on_status: Callable[[StatusEvent], None] | None = None,
                 **kwargs) -> None:
        kwargs.setdefault("baudrate", 19200)
        super().__init__("printer", port, on_status=on_status, **kwargs)
        self.status_check = status_check
        self.columns = columns
        self.profile = profile

    @classmethod
    def from_settings(cls, settings: PrinterSettings, **kwargs) -> "ReceiptPrinter":
        """Build the printer from its `[devices.printer]` settings.

        Args:
            settings: The validated settings.
            **kwargs: Passed to the constructor (on_status, ...).
        """
        return cls(settings.port, baudrate=settings.baudrate, timeout=settings.timeout,
                   status_check=settings.status_check, columns=settings.columns,
                   profile=settings.profile, **kwargs)

    def handshake(self, link: Link) -> None:
        """Ask the printer whether it is online (DLE EOT 1), unless status_check is off.

        Args:
            link: The freshly opened port.
        """
        if not self.status_check:
            return
        link.write(RT_STATUS_ONLINE)
        status = link.read_some(self.timeout)
        if not status:
            raise NoAnswer(f"{self.describe()}: no answer to the status request (DLE EOT 1) within "
                           f"{self.timeout:g} s; set status_check = false if this printer has no "
                           "real-time status")
        if status[-1] & RT_MASK_ONLINE:
            raise WrongAnswer(f"{self.describe()}: printer reports offline (status byte "
                              f"0x{status[-1]:02x}: cover open or paper out?)")

    def on_idle(self, link: Link) -> None:
        """Drop whatever the printer sends unasked.

        Args:
            link: The open port.
        """
        data = link.read_some(0.05)
        if data:
            logger.debug("%s sent %r", self.describe(), data)

    def send(self, data: bytes) -> None:
        """Write a prepared ESC/POS byte stream; returns once it has been written.

        Args:
            data: The bytes, e.g. from `ticket_bytes`.
        """
        self.call(lambda link: link.write(data), timeout=self.timeout + 5.0 + len(data) * 10 / self.baudrate)

    def print_ticket(self, number: str, when: datetime, branch: str) -> None:
        """Print a queue ticket.

        Args:
            number: The ticket number.
            when: When it was issued.
            branch: Branch name for the header.
        """
        self.send(ticket_bytes(number, when, branch, profile=self.profile))

    def print_claim_receipt(self, ticket: str, when: datetime, reference: str,
                            documents: Sequence[str], branch: str) -> None:
        """Print a claim receipt.

        Args:
            ticket: The participant's ticket number.
            when: When the claim was received.
            reference: The claim reference.
            documents: Names of the documents received.
            branch: Branch name for the header.
        """
        self.send(claim_receipt_bytes(ticket, when, reference, documents, branch,
                                      columns=self.columns, profile=self.profile))

    def print_test_slip(self, when: datetime | None = None) -> None:
        """Print the technician's test slip.

        Args:
            when: Printed on the slip (default: now).
        """
        self.send(test_slip_bytes(when or datetime.now(), columns=self.columns, profile=self.profile))
