"""The status light on top of the booth.

Protocol (ASCII lines ending in "\\n"; "\\r\\n" accepted):

    host -> light    PING                      handshake / liveness
    light -> host    PONG LIGHT
    host -> light    LIGHT IDLE|WAITING|CALL|FAULT
    light -> host    OK                        or "ERR <reason>"

The light keeps the last colour it was asked for; after a reconnect it is set again.
"""
from __future__ import annotations

import enum
import logging
from typing import Callable

from hardware.serialdevice import Link, SerialDevice, StatusEvent
from hardware.settings import LightSettings

logger = logging.getLogger(__name__)


class LightColour(enum.Enum):
    """What the status light shows."""

    IDLE = "IDLE"
    WAITING = "WAITING"
    CALL = "CALL"
    FAULT = "FAULT"


class StatusLight(SerialDevice):
    """The booth's status light.

    Args:
        port: Serial port path.
        on_status: Called with a StatusEvent on every state change.
        **kwargs: Passed to SerialDevice (baudrate, timeout, retry_initial, ...).
    """

    kind = "LIGHT"

    def __init__(self, port: str, *, on_status: Callable[[StatusEvent], None] | None = None,
                 **kwargs) -> None:
        super().__init__("light", port, on_status=on_status, **kwargs)
        self._wanted: LightColour | None = None

    @classmethod
    def from_settings(cls, settings: LightSettings, **kwargs) -> "StatusLight":
        """Build the light from its `[devices.light]` settings.

        Args:
            settings: The validated settings.
            **kwargs: Passed to the constructor (on_status, ...).
        """
        return cls(settings.port, baudrate=settings.baudrate, timeout=settings.timeout, **kwargs)

    def set(self, colour: LightColour | str) -> None:
        """Show a colour; returns once the light acknowledged it.

        Raises NotConnected, NoAnswer or WrongAnswer (all DeviceError) naming role and port.

        Args:
            colour: A LightColour or its name ("IDLE", "WAITING", "CALL", "FAULT").
        """
        try:
            colour = LightColour(colour.upper() if isinstance(colour, str) else colour)
        except ValueError:
            raise ValueError(f"unknown light colour {colour!r}; use one of "
                             f"{', '.join(c.value for c in LightColour)}") from None
        self._wanted = colour
        self.call(lambda link: link.exchange(f"LIGHT {colour.value}", "OK", self.timeout))

    def on_connected(self, link: Link) -> None:
        """Show the last wanted colour again after a reconnect.

        Args:
            link: The open port.
        """
        if self._wanted is not None:
            link.exchange(f"LIGHT {self._wanted.value}", "OK", self.timeout)
