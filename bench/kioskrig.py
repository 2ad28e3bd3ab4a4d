"""A real branch around the booth's window, for the Qt tests, the screenshots and the benchmark.

:class:`Rig` starts a real signaling server (on a loop thread of this process, or as a child
process ``python -m lapak signaling`` that can be killed and started again on the same port),
a real console app as the officer (its own loop thread: synthetic camera and tone), and the
booth's real window (:class:`kiosk.ui.main.KioskProcess`: the booth app on simulated devices
behind the Qt bridge). The tests drive the window by touching its buttons; the officer's side is
driven through the console app's desk inputs.
"""
from __future__ import annotations

import contextlib
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from common.loopthread import LoopThread
from cso_console.app import ConsoleApp
from cso_console.config import ConsoleConfig
from hardware.synthetic import SyntheticFaceCamera, ToneMicrophone
from kiosk.config import BoothConfig
from media.config import MediaConfig
from media.engine import CsoMedia
from signaling import protocol as p

ROOT = Path(__file__).resolve().parents[1]
WAIT = 40.0


def wait_until(pred: Callable[[], bool], timeout: float = WAIT, what: str = "") -> None:
    """Process Qt events until ``pred()`` holds (AssertionError after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or pred}")
        QApplication.processEvents()
        time.sleep(0.01)
    QApplication.processEvents()


def booth_toml(url: str, token: str, *, face: str = "640x480", face_fps: int = 15, pin_hash: str | None = None,
               **screen: float) -> str:
    """A booth config file's text (synthetic cameras; ``--simulate`` adds the serial devices).

    Args:
        screen: [screen] settings (end_screen_seconds, still_there_after, ...).
    """
    w, h = face.split("x")
    lines = ["[booth]", 'id = "booth-01"', f'token = "{token}"', "", "[server]", f'url = "{url}"', "allow_plain = true", "", "[screen]"]
    lines += [f"{k} = {v}" for k, v in screen.items()] + [""]
    if pin_hash:
        lines += ["[technician]", f'pin_hash = "{pin_hash}"', ""]
    lines += ["[devices.camera]", 'source = "synthetic"', f"width = {w}", f"height = {h}", f"fps = {face_fps}", "",
              "[devices.document_camera]", 'source = "synthetic"', "width = 1920", "height = 1080", "fps = 15", ""]
    return "\n".join(lines)


def server_toml(db: Path, port: int, tokens: dict[tuple[str, str], str]) -> str:
    lines = [f'database = "{db}"', "", "[branch]", 'id = "rig"', 'name = "Kantor Cabang Uji"', "", "[listen]",
             'host = "127.0.0.1"', f"port = {port}", 'allow_plain = true', "", "[limits]", "resume_grace = 600", ""]
    for (role, device), token in tokens.items():
        lines += [f"[[{role}s]]", f'id = "{device}"', f'token = "{token}"']
        if role == "cso":
            lines.append("capacity = 4")
        lines.append("")
    return "\n".join(lines)


class ServerProcess:
    """``lapak signaling`` in a child process (kill it, start it again on the same port)."""

    def __init__(self, config: Path, port: int, log: Path) -> None:
        self.log = log
        self._log_file = open(log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lapak", "signaling", "--config", str(config), "--port", str(port)],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log_file)

    def url(self, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            found = re.findall(r"listening on (ws://\S+)", self.log.read_text(errors="replace"))
            if found and self.proc.poll() is None:
                return found[-1]
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._log_file.close()


class Rig:
    """A branch with one booth window and one officer.

    Args:
        work: a folder for the database, the configs and the logs.
        server_process: run the server as a child process (so it can be killed).
        officer: start a console app as the officer.
        pin_hash: the technician PIN hash in the booth config.
        face: the booth face camera's size.
        bookings: bookings for today, (code, name).
        size: the window's size.
        booth_screen: overrides of the booth config's [screen] (end_screen_seconds, still_there_after).
    """

    def __init__(self, work: Path, *, server_process: bool = False, officer: bool = True, pin_hash: str | None = None,
                 face: str = "640x480", bookings: tuple[tuple[str, str], ...] = (), size: tuple[int, int] = (1366, 768),
                 auto_accept: bool = True, **booth_screen) -> None:
        self.work = Path(work)
        self.work.mkdir(parents=True, exist_ok=True)
        self.tokens = {("booth", "booth-01"): secrets.token_hex(16), ("cso", "cso-01"): secrets.token_hex(16)}
        self.db = self.work / "branch.sqlite"
        self.server_process = server_process
        self.server: ServerProcess | None = None
        self._server_loop: LoopThread | None = None
        self._server_obj = None
        self.port = 0
        self.url = ""
        self._bookings = bookings
        self._officer = officer
        self._pin_hash = pin_hash
        self._face = face
        self._size = size
        self._screen = booth_screen
        self._auto_accept = auto_accept
        self.console: ConsoleApp | None = None
        self.console_loop: LoopThread | None = None
        self.kiosk = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "Rig":
        self.start_server()
        if self._officer:
            self.console_loop = LoopThread("officer")
            config = ConsoleConfig(cso={"id": "cso-01", "token": self.tokens[("cso", "cso-01")]},
                                   server={"url": self.url, "allow_plain": True}, desk={"auto_accept": self._auto_accept})
            media = CsoMedia(face=SyntheticFaceCamera(640, 360, 15, seed=99), audio=ToneMicrophone(220))

            def make() -> ConsoleApp:
                return ConsoleApp(config, media, media_config=MediaConfig())

            async def boot() -> ConsoleApp:
                app = make()
                await app.start()
                return app

            self.console = self.console_loop.run(boot(), 30)
        from common.config import load
        from kiosk.ui.main import KioskProcess

        path = self.work / "booth-01.toml"
        path.write_text(booth_toml(self.url, self.tokens[("booth", "booth-01")], face=self._face,
                                   pin_hash=self._pin_hash, **self._screen))
        self.booth_config_path = path
        self.kiosk = KioskProcess(load(BoothConfig, path), path, simulate=True, seed=1, media_config=MediaConfig())
        self.kiosk.window.resize(*self._size)
        self.kiosk.window.show()
        return self

    def start_server(self) -> None:
        if self.server_process:
            cfg = self.work / "server.toml"
            cfg.write_text(server_toml(self.db, self.port, self.tokens))
            self.server = ServerProcess(cfg, self.port, self.work / "server.log")
            self.url = self.server.url()
            self.port = int(self.url.rsplit(":", 1)[1])
        else:
            from signaling.config import ServerConfig
            from signaling.server import SignalingServer

            config = ServerConfig.model_validate({
                "branch": {"id": "rig", "name": "Kantor Cabang Uji"},
                "listen": {"host": "127.0.0.1", "port": 0, "allow_plain": True}, "database": str(self.db),
                "booths": [{"id": "booth-01", "token": self.tokens[("booth", "booth-01")]}],
                "csos": [{"id": "cso-01", "token": self.tokens[("cso", "cso-01")], "capacity": 4}],
            })
            self._server_loop = LoopThread("server")
            self._server_obj = SignalingServer(config)
            self._server_loop.run(self._server_obj.start(), 30)
            self.url = self._server_obj.url
        if self._bookings:
            self.add_bookings(self._bookings)

    def add_bookings(self, bookings: tuple[tuple[str, str], ...]) -> None:
        from signaling.store import Store

        infos = [p.BookingInfo(code=c, name=n, slot_start=time.time()) for c, n in bookings]
        if self._server_obj is not None:
            self._server_loop.call(self._server_obj.store.replace_bookings, infos, 0.0)
            time.sleep(0.2)
        else:
            store = Store(self.db)
            try:
                store.replace_bookings(infos, 0.0)
            finally:
                store.close()

    def kill_server(self) -> None:
        assert self.server is not None, "only a server process can be killed"
        self.server.kill()

    def restart_server(self) -> None:
        self.start_server()

    def stop(self) -> None:
        if self.kiosk is not None:
            with contextlib.suppress(Exception):
                self.kiosk.close()
        if self.console is not None:
            with contextlib.suppress(Exception):
                self.console_loop.run(self.console.close(), 15)
            self.console_loop.stop()
        if self.server is not None:
            self.server.kill()
        if self._server_loop is not None:
            with contextlib.suppress(Exception):
                self._server_loop.run(self._server_obj.stop(), 15)
            self._server_loop.stop()

    def __enter__(self) -> "Rig":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ the booth

    @property
    def window(self):
        return self.kiosk.window

    @property
    def booth(self):
        return self.kiosk.app

    @property
    def view(self):
        return self.window.view

    timeout = WAIT
    """Default seconds of :meth:`wait` (raise it on a loaded machine)."""

    def wait(self, pred: Callable[[], bool], what: str = "", timeout: float | None = None) -> None:
        wait_until(pred, timeout or self.timeout, what)

    def wait_screen(self, screen, timeout: float | None = None) -> None:
        self.wait(lambda: self.view is not None and self.view.screen is screen, f"screen {screen}", timeout)

    def touch(self, name: str) -> None:
        """Touch the visible button named ``name`` (as a finger would: press and release on it); waits
        for it to appear (a view may be on its way)."""
        def found_now():
            return [b for b in self.window.findChildren(QPushButton, name) if b.isVisible()]

        try:
            wait_until(lambda: bool(found_now()), 15.0)
        except AssertionError:
            raise AssertionError(f"no visible button {name!r} on {self.view.screen if self.view else None}") from None
        found = found_now()
        QTest.mouseClick(found[0], Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         found[0].rect().center())
        QApplication.processEvents()

    def touch_widget(self, widget: QWidget, at: QPoint | None = None) -> None:
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         at or widget.rect().center())
        QApplication.processEvents()

    def type_code(self, code: str) -> None:
        """Type ``code`` on the keypad, one key at a time, each after the screen shows the last
        (as a person watches the display; touches outrunning the booth's loop is another test)."""
        for ch in code:
            before = self.view.code_input if self.view is not None else ""
            self.touch(f"key_{ch}")
            self.wait(lambda: self.view is not None and self.view.code_input != before, f"key {ch} shown")

    def choose_language(self, language) -> None:
        """Touch a language button and wait until the screen speaks it."""
        self.touch(f"lang_{language.value}")
        self.wait(lambda: self.view is not None and self.view.language is language, f"language {language.value}")

    # ------------------------------------------------------------------ the officer

    def officer(self, intent) -> None:
        """Hand the officer's desk an input (on the console's loop)."""
        self.console_loop.call(self.console.feed, intent)

    def session_id(self) -> str | None:
        s = self.booth.flow.visit.session
        return s.id if s is not None else None

    def tile(self):
        sid = self.session_id()
        view = self.console.view if self.console else None
        if view is None or sid is None:
            return None
        return next((t for t in view.tiles if t is not None and t.session_id == sid), None)
