"""The call button: a serial device the participant presses to call the CSO.

Protocol (ASCII lines ending in "\\n"; "\\r\\n" accepted):

    host -> button   PING            handshake / liveness
    button -> host   PONG BUTTON
    button -> host   BTN             sent by the button on every press, unasked

Example:
    button = CallButton("/dev/ttyUSB0", on_press=lambda: print("pressed")).start()
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from hardware.serialdevice import SerialDevice, StatusEvent
from hardware.settings import ButtonSettings

logger = logging.getLogger(__name__)


class CallButton(SerialDevice):
    """The booth's call button.

    Args:
        port: Serial port path.
        on_press: Called (from the device thread) on every press.
        on_status: Called with a StatusEvent on every state change.
        **kwargs: Passed to SerialDevice (baudrate, timeout, retry_initial, ...).
    """

    kind = "BUTTON"

    def __init__(self, port: str, *, on_press: Callable[[], None] | None = None,
                 on_status: Callable[[StatusEvent], None] | None = None, **kwargs) -> None:
        super().__init__("button", port, on_status=on_status, **kwargs)
        self._on_press = on_press
        self._presses = 0
        self._pressed = threading.Condition()

    @classmethod
    def from_settings(cls, settings: ButtonSettings, **kwargs) -> "CallButton":
        """Build the button from its `[devices.button]` settings.

        Args:
            settings: The validated settings.
            **kwargs: Passed to the constructor (on_press, on_status, ...).
        """
        return cls(settings.port, baudrate=settings.baudrate, timeout=settings.timeout, **kwargs)

    @property
    def presses(self) -> int:
        """Return how many presses arrived since the button was created."""
        return self._presses

    def wait_for_press(self, timeout: float, after: int | None = None) -> bool:
        """Wait for a press; returns False when none came within `timeout` seconds.

        Args:
            timeout: Seconds to wait.
            after: Count of presses already seen (default: the count now).
        """
        seen = self._presses if after is None else after
        with self._pressed:
            return self._pressed.wait_for(lambda: self._presses > seen, timeout)

    def on_line(self, line: str) -> None:
        """Count a BTN line as a press and call on_press; log anything else.

        Args:
            line: The line the button sent.
        """
        if line.strip() != "BTN":
            logger.warning("%s sent an unknown line %r", self.describe(), line)
            return
        with self._pressed:
            self._presses += 1
            self._pressed.notify_all()
        if self._on_press is not None:
            try:
                self._on_press()
            except Exception:
                logger.exception("on_press of %s failed", self.describe())
