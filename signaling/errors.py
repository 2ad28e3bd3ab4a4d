"""The signaling layer's errors: one tree under :class:`SignalingError`."""
from __future__ import annotations

from typing import TYPE_CHECKING

from common.errors import LapakError

if TYPE_CHECKING:
    from signaling.protocol import Error, ErrorCode


class SignalingError(LapakError):
    """Something went wrong talking to (or inside) the branch signaling server."""


class ProtocolError(SignalingError):
    """A message could not be understood.

    Args:
        code: the error code to report.
        message: a sentence naming what was wrong.
        ref: the request id, if one could be read.
    """

    def __init__(self, code: "ErrorCode", message: str, ref: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref


class RequestRefused(SignalingError):
    """The server refused a request (its error names why).

    Args:
        code: the server's error code.
        message: the server's explanation.
    """

    def __init__(self, code: "ErrorCode", message: str):
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.message = message


class NotConnected(SignalingError):
    """The request could not be sent, or its answer was lost with the connection."""


class AuthRefused(SignalingError):
    """The server refused this device for good (its error is in ``.error``).

    Args:
        error: the server's error message, if one arrived before the close.
        close_code: the WebSocket close code.
    """

    def __init__(self, error: "Error | None", close_code: int | None):
        text = error.message if error else f"closed with code {close_code}"
        super().__init__(text)
        self.error = error
        self.close_code = close_code


class BookingImportError(SignalingError):
    """A bookings file could not be imported; nothing was.

    Args:
        path: the file.
        problems: one line per bad row.
    """

    def __init__(self, path, problems: list[str]):
        from pathlib import Path

        self.path = Path(path)
        self.problems = problems
        super().__init__(f"{path}: nothing imported:\n  " + "\n  ".join(problems))
