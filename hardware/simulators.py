"""Device-side simulators of the booth's serial devices, on real pseudo-terminals.

Each simulator opens a pty pair (`os.openpty()`); the host side (lapak's drivers, pyserial)
opens the slave path exactly like a real port. A simulator can publish its port under a stable
symlink (`link=`), so that `unplug()` makes the path disappear and `plug()` brings a new pty back
under the same path, as a USB-serial adapter does with a /dev/serial/by-id/ link.

Example:
    with SimulatedLight(link="/tmp/booth-light") as light:
        lamp = StatusLight(light.port).start()
        lamp.set("CALL"); assert light.colour == "CALL"
"""
from __future__ import annotations

import logging
import os
import select
import threading
import tty
from dataclasses import dataclass

logger = logging.getLogger(__name__)


class PtyDevice:
    """Base of a simulated device: a pty pair, a reader thread, plug and unplug.

    Args:
        link: Path of a symlink to publish the port under (None: use the pty's own path).
        silent: When True the device receives but never answers (a hung or wrong device).
    """

    def __init__(self, link: str | None = None, *, silent: bool = False) -> None:
        self.link = link
        self.silent = silent
        self.received = bytearray()
        self._lock = threading.Condition()
        self._master: int | None = None
        self._slave: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.tty_path = ""
        self.plug()

    @property
    def port(self) -> str:
        """Return the path the host should open (the symlink when there is one)."""
        return self.link or self.tty_path

    @property
    def plugged(self) -> bool:
        """Return True while the device is plugged in."""
        return self._master is not None

    def plug(self) -> None:
        """Plug the device in: a new pty pair, published under `link` when given."""
        if self._master is not None:
            return
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing: a plain byte pipe like a UART
        self._master, self._slave = master, slave
        self.tty_path = os.ttyname(slave)
        if self.link:
            try:
                os.unlink(self.link)
            except FileNotFoundError:
                pass
            os.symlink(self.tty_path, self.link)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"sim-{type(self).__name__}", daemon=True)
        self._thread.start()
        logger.debug("%s plugged in at %s", type(self).__name__, self.port)

    def unplug(self) -> None:
        """Pull the plug: the pty closes (host reads and writes fail) and the link vanishes."""
        if self._master is None:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
        if self.link:
            try:
                os.unlink(self.link)
            except FileNotFoundError:
                pass
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass
        self._master = self._slave = None
        logger.debug("%s unplugged", type(self).__name__)

    close = unplug

    def __enter__(self) -> "PtyDevice":
        return self

    def __exit__(self, *exc: object) -> None:
        self.unplug()

    def send(self, data: bytes) -> None:
        """Send bytes to the host, as the device would.

        Args:
            data: The bytes.
        """
        if self._master is None:
            raise RuntimeError(f"{type(self).__name__} is unplugged")
        os.write(self._master, data)

    def handle(self, data: bytes) -> None:
        """React to bytes from the host (subclasses); called on the reader thread.

        Args:
            data: The bytes just received.
        """

    def _run(self) -> None:
        master = self._master
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                continue
            try:
                self.handle(data)
            except OSError:
                return
            except Exception:
                logger.exception("%s failed to handle %r", type(self).__name__, data)
            with self._lock:
                self.received += data
                self._lock.notify_all()

    def wait_until(self, condition, timeout: float) -> bool:
        """Wait until `condition()` is true, re-checked whenever bytes arrive; False on timeout.

        Args:
            condition: A function of no arguments.
            timeout: Seconds to wait at most.
        """
        with self._lock:
            return self._lock.wait_for(condition, timeout)


class LineDevice(PtyDevice):
    """A simulated device speaking the lapak line protocol (PING -> PONG <kind>).

    Args:
        kind: The word it answers PING with.
        link: Symlink path to publish the port under.
        silent: Never answer.
    """

    def __init__(self, kind: str, link: str | None = None, *, silent: bool = False) -> None:
        self.kind = kind
        self.lines: list[str] = []
        self._partial = bytearray()
        super().__init__(link, silent=silent)

    def handle(self, data: bytes) -> None:
        """Split into lines and answer each.

        Args:
            data: The bytes just received.
        """
        self._partial += data
        while b"\n" in self._partial:
            raw, _, rest = bytes(self._partial).partition(b"\n")
            self._partial = bytearray(rest)
            line = raw.rstrip(b"\r").decode("ascii", errors="replace")
            self.lines.append(line)
            answer = self.answer(line)
            if answer is not None and not self.silent:
                self.send(answer.encode("ascii") + b"\n")

    def answer(self, line: str) -> str | None:
        """Return the answer to one line (None: no answer).

        Args:
            line: The line received, without its end.
        """
        if line == "PING":
            return f"PONG {self.kind}"
        return f"ERR unknown command {line!r}"


class SimulatedButton(LineDevice):
    """A call button; `press()` sends BTN.

    Args:
        link: Symlink path to publish the port under.
        silent: Never answer the handshake.
    """

    def __init__(self, link: str | None = None, *, silent: bool = False) -> None:
        super().__init__("BUTTON", link, silent=silent)

    def press(self) -> None:
        """Press the button once."""
        self.send(b"BTN\n")


class SimulatedLight(LineDevice):
    """A status light that records the colours it was asked to show.

    Args:
        link: Symlink path to publish the port under.
        silent: Never answer.
    """

    COLOURS = ("IDLE", "WAITING", "CALL", "FAULT")

    def __init__(self, link: str | None = None, *, silent: bool = False) -> None:
        self.colours: list[str] = []
        super().__init__("LIGHT", link, silent=silent)

    @property
    def colour(self) -> str | None:
        """Return the colour shown now (None: never set)."""
        return self.colours[-1] if self.colours else None

    def answer(self, line: str) -> str | None:
        """Answer PING and LIGHT <colour>.

        Args:
            line: The line received.
        """
        word, _, arg = line.partition(" ")
        if word == "LIGHT":
            if arg not in self.COLOURS:
                return f"ERR unknown colour {arg!r}"
            self.colours.append(arg)
            return "OK"
        return super().answer(line)


# --- ESC/POS ------------------------------------------------------------------------------------

# Argument byte counts of the ESC/POS commands a receipt uses, keyed by their command bytes.
_ESC_ARGS = {b"@": 0, b"!": 1, b"E": 1, b"a": 1, b"t": 1, b"{": 1, b"-": 1, b"M": 1, b"d": 1,
             b"2": 0, b"3": 1, b"G": 1, b"J": 1, b"p": 3, b"c": 2, b"V": 1, b"R": 1}
_GS_ARGS = {b"V": 1, b"!": 1, b"b": 1, b"B": 1, b"L": 2, b"W": 2, b"h": 1, b"w": 1, b"H": 1, b"f": 1}
_DLE_ARGS = {b"\x04": 1}


class EscPosError(ValueError):
    """The printer received bytes that are not a valid ESC/POS stream.

    Args:
        message: What is wrong, naming the offset.
        offset: Where in the stream the bad command starts.
        cut_short: The stream ends inside this command (more bytes may still be on their way).
    """

    def __init__(self, message: str, offset: int, *, cut_short: bool = False) -> None:
        super().__init__(message)
        self.offset, self.cut_short = offset, cut_short


@dataclass(frozen=True)
class EscPosCommand:
    """One decoded ESC/POS command.

    Args:
        code: The command bytes without arguments, e.g. b"\\x1b@" or b"\\x1dV".
        args: Its argument bytes.
        offset: Where it started in the stream.
    """

    code: bytes
    args: bytes
    offset: int


def parse_escpos(data: bytes) -> tuple[list[EscPosCommand], list[str]]:
    """Decode an ESC/POS stream into its commands and its printed text lines.

    Raises EscPosError naming the offset of the first unknown or truncated command.

    Args:
        data: The bytes a printer received.
    """
    commands: list[EscPosCommand] = []
    lines: list[str] = []
    text = bytearray()
    i = 0
    while i < len(data):
        b = data[i:i + 1]
        if b in (b"\x1b", b"\x1d", b"\x10"):
            code = data[i:i + 2]
            table = {b"\x1b": _ESC_ARGS, b"\x1d": _GS_ARGS, b"\x10": _DLE_ARGS}[b]
            if len(code) < 2 or code[1:2] not in table:
                raise EscPosError(f"unknown ESC/POS command {code!r} at offset {i}", i, cut_short=len(code) < 2)
            n = table[code[1:2]]
            if code == b"\x1dV":  # GS V m [n]: function B (m = 65, 66) has a feed argument
                n = 2 if i + 2 < len(data) and data[i + 2] in (65, 66) else 1
            args = data[i + 2:i + 2 + n]
            if len(args) < n:
                raise EscPosError(f"ESC/POS command {code!r} at offset {i} is cut short", i, cut_short=True)
            commands.append(EscPosCommand(code, args, i))
            if code == b"\x1bd" and text:
                lines.append(text.decode("cp437"))
                text.clear()
            i += 2 + n
        elif b == b"\n":
            lines.append(text.decode("cp437"))
            text.clear()
            i += 1
        elif data[i] < 0x20 and b not in (b"\t", b"\r"):
            raise EscPosError(f"unexpected control byte {b!r} at offset {i}", i)
        else:
            if b != b"\r":
                text += b
            i += 1
    if text:
        lines.append(text.decode("cp437"))
    return commands, lines


class SimulatedPrinter(PtyDevice):
    """An ESC/POS printer that records what it was sent and answers status requests.

    Args:
        link: Symlink path to publish the port under.
        silent: Never answer status requests (a printer without real-time status).
        online: What the status byte says.
    """

    def __init__(self, link: str | None = None, *, silent: bool = False, online: bool = True) -> None:
        self.online = online
        super().__init__(link, silent=silent)

    def handle(self, data: bytes) -> None:
        """Answer DLE EOT n status requests.

        Args:
            data: The bytes just received.
        """
        if self.silent:
            return
        start = 0
        while (k := data.find(b"\x10\x04", start)) >= 0:
            # Status byte: bits 1 and 4 always set; bit 3 set means offline.
            self.send(bytes([0x12 | (0 if self.online else 0x08)]))
            start = k + 2

    def stream(self) -> bytes:
        """Return every byte received so far."""
        with self._lock:
            return bytes(self.received)

    def text_lines(self) -> list[str]:
        """Return the printed text lines (commands stripped); raises EscPosError if invalid."""
        return parse_escpos(self.stream())[1]

    def commands(self) -> list[EscPosCommand]:
        """Return the ESC/POS commands received; raises EscPosError if invalid."""
        return parse_escpos(self.stream())[0]

    def cuts(self) -> int:
        """Return how many paper cuts were commanded (one per finished slip)."""
        return sum(1 for c in self.commands() if c.code == b"\x1dV")

    def slips(self) -> list[list[str]]:
        """Return the text lines of each slip that has fully arrived (up to and including its
        cut), oldest first: a booth prints a queue ticket at walk-in and a receipt at the end,
        and a test waits for the one it means. A slip still on its way is not listed; raises
        EscPosError if the stream is invalid."""
        data = self.stream()
        try:
            commands, _ = parse_escpos(data)
        except EscPosError as e:
            if not e.cut_short:
                raise  # not a valid stream: say so, do not guess
            commands, _ = parse_escpos(data[:e.offset])  # the slips before the one on its way
        slips, start = [], 0
        for c in commands:
            if c.code == b"\x1dV":
                end = c.offset + 2 + len(c.args)
                slips.append(parse_escpos(data[start:end])[1])
                start = end
        return slips

    def slips_received(self) -> int:
        """Return how many slips have fully arrived (been cut) so far, for waiting on a print.

        The booth's print returns once its bytes are written to the port; this printer reads them
        on its own thread, so the last command may still be on its way: that, and only that, counts
        as not arrived yet (0). Use :meth:`cuts` to have an invalid stream raise.
        """
        try:
            return self.cuts()
        except EscPosError:
            return 0
