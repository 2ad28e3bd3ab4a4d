"""The ESC/POS receipt printer: slips (queue tickets, claim receipts) in the words it is given.

The byte stream is built with python-escpos (`escpos.printer.Dummy` collects it) and written by
the device thread of `SerialDevice`, so one thread owns the port, as for every serial device.

Handshake (when `status_check` is on): the real-time status request DLE EOT 1
(`escpos.constants.RT_STATUS_ONLINE`); the printer answers one status byte whose
`RT_MASK_ONLINE` bit is clear when it is online. Printers that do not answer real-time
requests need `status_check = false`; then opening the port is the only check.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

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


@dataclass(frozen=True)
class Slip:
    """What a slip says, already in the participant's language (the printer knows no words).

    Args:
        header: bold, centred lines at the top (the branch's name).
        title: centred lines under it.
        big: one line printed double size (a queue number).
        rows: (label, value) rows, the labels padded to one column.
        items_title: a line before ``items``.
        items: bullet lines (documents), wrapped to the roll's width.
        footer: centred lines at the bottom.
    """

    header: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    big: str | None = None
    rows: tuple[tuple[str, str], ...] = ()
    items_title: str | None = None
    items: tuple[str, ...] = ()
    footer: tuple[str, ...] = ()


def slip_bytes(slip: Slip, *, columns: int = 42, profile: str | None = None) -> bytes:
    """Build the ESC/POS bytes of a slip.

    Args:
        slip: what it says.
        columns: characters per line, for the rules and wrapping.
        profile: python-escpos printer profile name (None: the default profile).
    """
    p = _new(profile)
    p.set(align="center", bold=True)
    for line in slip.header:
        p.textln(line[:columns])
    p.set_with_default(align="center")
    for line in slip.title:
        p.textln(line[:columns])
    if slip.big:
        p.set(align="center", bold=True, double_height=True, double_width=True)
        p.textln(slip.big[: columns // 2])
        p.set_with_default(align="center")
    p.set_with_default()
    if slip.rows or slip.items or slip.items_title:
        p.textln("-" * columns)
    width = max((len(label) for label, _ in slip.rows), default=0)
    for label, value in slip.rows:
        p.textln(f"{label.ljust(width)} : {value}"[:columns])
    if slip.items_title or slip.items:
        if slip.rows:
            p.textln("-" * columns)
        if slip.items_title:
            p.textln(slip.items_title[:columns])
        for item in slip.items:
            line = f" - {item}"
            while len(line) > columns:
                p.textln(line[:columns])
                line = "   " + line[columns:]
            p.textln(line)
    if slip.rows or slip.items or slip.items_title:
        p.textln("-" * columns)
    p.set(align="center")
    for line in slip.footer:
        p.textln(line[:columns])
    p.cut()
    return p.output


def stamp(when: datetime) -> str:
    """Return the date and time as printed on slips (day-month-year hour:minute)."""
    return _stamp(when)


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
            data: The bytes, e.g. from `slip_bytes`.
        """
        self.call(lambda link: link.write(data), timeout=self.timeout + 5.0 + len(data) * 10 / self.baudrate)

    def print_slip(self, slip: Slip) -> None:
        """Print a slip (a ticket, a receipt), already in the participant's language.

        Args:
            slip: what it says.
        """
        self.send(slip_bytes(slip, columns=self.columns, profile=self.profile))

    def print_test_slip(self, when: datetime | None = None) -> None:
        """Print the technician's test slip.

        Args:
            when: Printed on the slip (default: now).
        """
        self.send(test_slip_bytes(when or datetime.now(), columns=self.columns, profile=self.profile))
