"""Shared base for the booth's serial devices: open, handshake, watch, reconnect.

Each device runs one background thread that owns its pyserial port. The thread opens the port
(exclusively), performs the device's handshake, then reads what the device sends and executes
commands queued by other threads. When the port fails (unplugged, path gone, no answer) the
device reports FAULT with a message naming its role and port, and the thread retries with
exponential backoff until the port works again; nothing above it has to reconnect.

States: DISCONNECTED (not started or stopped) -> CONNECTED <-> FAULT. Every change is reported
to the `on_status` callbacks as a `StatusEvent` (called from the device thread: keep them short,
or hand the event to your own loop, e.g. with `loop.call_soon_threadsafe`).

Line devices (button, light) speak ASCII lines ending in "\\n" ("\\r\\n" is accepted). Every line
device answers `PING` with `PONG <KIND>`, which is the handshake.
"""
from __future__ import annotations

import enum
import errno
import logging
import os
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable

import serial

from common.backoff import Backoff
from hardware.errors import (DeviceError, NoAnswer, NotConnected, PortBusy, PortMissing, PortUnusable,
                             WrongAnswer)

logger = logging.getLogger(__name__)


class DeviceState(enum.Enum):
    """Where a serial device is."""

    DISCONNECTED = "disconnected"
    CONNECTED = "connected"
    FAULT = "fault"


@dataclass(frozen=True)
class StatusEvent:
    """A device's state changed.

    Args:
        role: The booth role of the device ("button", "light", "printer").
        port: The port path it uses.
        state: Its new state.
        message: Why, for FAULT (names role and port); empty otherwise.
    """

    role: str
    port: str
    state: DeviceState
    message: str = ""


_LinkFn = Callable[["Link"], Any]


class Link:
    """The open port as the device thread sees it: bytes and lines with deadlines.

    Args:
        port: The open pyserial port.
        owner: The device, for error messages and unsolicited lines.
    """

    def __init__(self, port: serial.Serial, owner: "SerialDevice") -> None:
        self.port = port
        self.owner = owner
        self._buffer = bytearray()

    def write(self, data: bytes) -> None:
        """Write bytes and wait until they left.

        Args:
            data: Bytes to send.
        """
        try:
            self.port.write(data)
            self.port.flush()
        except (serial.SerialException, OSError) as exc:
            raise PortUnusable(f"{self.owner.describe()}: write failed ({exc}); unplugged?") from exc

    def read_some(self, timeout: float) -> bytes:
        """Return whatever bytes arrive within `timeout` seconds (possibly none).

        Args:
            timeout: Seconds to wait for the first byte.
        """
        try:
            self.port.timeout = timeout
            data = self.port.read(1)
            if data:
                self.port.timeout = 0
                data += self.port.read(4096)
            return data
        except (serial.SerialException, OSError) as exc:
            raise PortUnusable(f"{self.owner.describe()}: read failed ({exc}); unplugged?") from exc

    def read_line(self, timeout: float) -> str | None:
        """Return the next line (without its end), or None when none completes in time.

        Args:
            timeout: Seconds to wait for a complete line.
        """
        deadline = time.monotonic() + timeout
        while True:
            nl = self._buffer.find(b"\n")
            if nl >= 0:
                raw = bytes(self._buffer[:nl])
                del self._buffer[: nl + 1]
                return raw.rstrip(b"\r").decode("ascii", errors="replace")
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._buffer += self.read_some(min(left, 0.05))

    def exchange(self, line: str, expect: str, timeout: float) -> str:
        """Send a line and return the first answer starting with `expect`.

        Lines that arrive meanwhile and are not the answer go to the device's `on_line`.
        An answer starting with "ERR" raises WrongAnswer.

        Args:
            line: The command, without line end.
            expect: Prefix of the answer, e.g. "PONG" or "OK".
            timeout: Seconds to wait for the answer.
        """
        self.write(line.encode("ascii") + b"\n")
        deadline = time.monotonic() + timeout
        while True:
            answer = self.read_line(max(0.0, deadline - time.monotonic()))
            if answer is None:
                raise NoAnswer(f"{self.owner.describe()}: no answer to {line!r} within {timeout:g} s")
            if answer.startswith(expect):
                return answer
            if answer.startswith("ERR"):
                raise WrongAnswer(f"{self.owner.describe()}: answered {answer!r} to {line!r}")
            self.owner.on_line(answer)


class SerialDevice:
    """Base of a booth device on a serial port, with its own reconnecting thread.

    Subclasses set `kind` (the word after PONG) and may override `handshake`, `on_connected`
    and `on_line`.

    Args:
        role: The booth role, used in every message ("button", "light", "printer").
        port: Serial port path.
        baudrate: Line speed in bits per second.
        timeout: Seconds to wait for the handshake answer and command acknowledgements.
        on_status: Called with a StatusEvent on every state change (from the device thread).
        retry_initial: First delay in seconds before reopening a failed port.
        retry_max: Longest delay in seconds between reopening attempts (backoff doubles).
        watch_interval: Seconds between checks that the port path still exists while idle.
    """

    kind = "DEVICE"

    def __init__(
        self,
        role: str,
        port: str,
        *,
        baudrate: int = 9600,
        timeout: float = 1.0,
        on_status: Callable[[StatusEvent], None] | None = None,
        retry_initial: float = 0.1,
        retry_max: float = 5.0,
        watch_interval: float = 0.25,
    ) -> None:
        self.role = role
        self.port = port
        self.baudrate = baudrate
        self.timeout = timeout
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.watch_interval = watch_interval
        self._listeners: list[Callable[[StatusEvent], None]] = [on_status] if on_status else []
        self._state = DeviceState.DISCONNECTED
        self._message = ""
        self._cond = threading.Condition()
        self._commands: queue.Queue[tuple[_LinkFn, Future]] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- public ------------------------------------------------------------------------------

    @property
    def state(self) -> DeviceState:
        """Return the current state."""
        return self._state

    @property
    def message(self) -> str:
        """Return why the device is faulty (empty unless FAULT)."""
        return self._message

    def describe(self) -> str:
        """Return "<role> on <port>", the prefix of every message about this device."""
        return f"{self.role} on {self.port}"

    def add_listener(self, callback: Callable[[StatusEvent], None]) -> None:
        """Call `callback` with every later StatusEvent.

        Args:
            callback: Called from the device thread.
        """
        self._listeners.append(callback)

    def start(self) -> "SerialDevice":
        """Start the device thread (it connects, and reconnects, by itself); returns self."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=f"serial-{self.role}", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and close the port.

        Args:
            timeout: Seconds to wait for the thread to finish.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> "SerialDevice":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_for(self, state: DeviceState | tuple[DeviceState, ...], timeout: float) -> bool:
        """Wait until the device is in `state` (or one of several); returns False on timeout.

        Args:
            state: The state, or a tuple of states, to wait for.
            timeout: Seconds to wait at most.
        """
        states = state if isinstance(state, tuple) else (state,)
        with self._cond:
            return self._cond.wait_for(lambda: self._state in states, timeout)

    def call(self, fn: _LinkFn, timeout: float | None = None) -> Any:
        """Run `fn(link)` on the device thread with the open port and return its result.

        Raises NotConnected when the device is not connected, and the DeviceError from `fn`
        (a port failure also turns the device to FAULT and starts reconnecting).

        Args:
            fn: Work on the port; runs on the device thread.
            timeout: Seconds to wait for the result (default: the device timeout plus 5 s).
        """
        if self._state is not DeviceState.CONNECTED:
            detail = f": {self._message}" if self._message else ""
            raise NotConnected(f"{self.describe()} is not connected ({self._state.value}{detail})")
        future: Future = Future()
        self._commands.put((fn, future))
        try:
            return future.result(timeout if timeout is not None else self.timeout + 5.0)
        except TimeoutError:
            future.cancel()
            raise NoAnswer(f"{self.describe()}: command not done within the timeout") from None

    # --- for subclasses ----------------------------------------------------------------------

    def handshake(self, link: Link) -> None:
        """Check that the expected device answers on the port (PING -> PONG <kind>).

        Args:
            link: The freshly opened port.
        """
        answer = link.exchange("PING", "PONG", self.timeout)
        if answer.split()[1:2] != [self.kind]:
            raise WrongAnswer(f"{self.describe()}: answered {answer!r}, expected 'PONG {self.kind}'"
                              " (another device on this port?)")

    def on_connected(self, link: Link) -> None:
        """Called on the device thread after each successful handshake.

        Args:
            link: The open port.
        """

    def on_line(self, line: str) -> None:
        """Handle a line the device sent by itself (default: log it).

        Args:
            line: The line without its end.
        """
        logger.debug("%s sent %r", self.describe(), line)

    def on_idle(self, link: Link) -> None:
        """Read what the device sends while no command is pending (default: lines).

        Args:
            link: The open port.
        """
        line = link.read_line(0.05)
        if line is not None:
            self.on_line(line)

    # --- the device thread -------------------------------------------------------------------

    def _set(self, state: DeviceState, message: str = "") -> None:
        with self._cond:
            if state is self._state and message == self._message:
                return
            self._state, self._message = state, message
            self._cond.notify_all()
        if state is DeviceState.FAULT:
            logger.warning("%s", message)
        else:
            logger.info("%s: %s", self.describe(), state.value)
        event = StatusEvent(self.role, self.port, state, message)
        for callback in list(self._listeners):
            try:
                callback(event)
            except Exception:
                logger.exception("status callback of %s failed", self.describe())

    def _open(self) -> serial.Serial:
        if not os.path.exists(self.port):
            raise PortMissing(f"{self.describe()}: port {self.port} does not exist (unplugged, or wrong port?)")
        try:
            return serial.Serial(self.port, self.baudrate, timeout=0.05, write_timeout=self.timeout,
                                 exclusive=True)
        except serial.SerialException as exc:
            code = exc.errno
            if code in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EBUSY):
                raise PortBusy(f"{self.describe()}: port {self.port} is busy (open in another program)") from exc
            if code == errno.ENOENT:
                raise PortMissing(f"{self.describe()}: port {self.port} does not exist") from exc
            if code == errno.EACCES:
                raise PortUnusable(f"{self.describe()}: no permission to open {self.port} "
                                   "(is the user in the 'dialout' group?)") from exc
            raise PortUnusable(f"{self.describe()}: cannot open {self.port}: {exc}") from exc

    def _fail_pending(self, error: DeviceError) -> None:
        while True:
            try:
                _, future = self._commands.get_nowait()
            except queue.Empty:
                return
            if future.set_running_or_notify_cancel():
                future.set_exception(error)

    def _run(self) -> None:
        backoff = Backoff(self.retry_initial, self.retry_max, jitter=0.0)
        while not self._stop.is_set():
            port: serial.Serial | None = None
            try:
                port = self._open()
                link = Link(port, self)
                self.handshake(link)
                self.on_connected(link)
                backoff.reset()
                self._set(DeviceState.CONNECTED)
                self._serve(link)
            except DeviceError as exc:
                self._set(DeviceState.FAULT, str(exc))
                self._fail_pending(exc)
                self._stop.wait(backoff.next())
            except Exception as exc:  # a bug must not kill the booth's device thread silently
                logger.exception("%s: unexpected error", self.describe())
                self._set(DeviceState.FAULT, f"{self.describe()}: unexpected error: {exc!r}")
                self._fail_pending(DeviceError(str(exc)))
                self._stop.wait(backoff.next())
            finally:
                if port is not None:
                    try:
                        port.close()
                    except (serial.SerialException, OSError):
                        pass
        self._fail_pending(NotConnected(f"{self.describe()} stopped"))
        self._set(DeviceState.DISCONNECTED)

    def _serve(self, link: Link) -> None:
        next_watch = time.monotonic() + self.watch_interval
        while not self._stop.is_set():
            try:
                fn, future = self._commands.get_nowait()
            except queue.Empty:
                self.on_idle(link)
            else:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(fn(link))
                    except DeviceError as exc:
                        future.set_exception(exc)
                        if isinstance(exc, (PortUnusable, NoAnswer)):
                            raise  # the device is gone or hung: FAULT, then reconnect
                    except Exception as exc:
                        future.set_exception(exc)
            if time.monotonic() >= next_watch:
                next_watch = time.monotonic() + self.watch_interval
                if not os.path.exists(self.port):
                    raise PortMissing(f"{self.describe()}: port {self.port} disappeared (unplugged?)")
