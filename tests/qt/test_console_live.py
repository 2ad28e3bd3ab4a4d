"""The real console window, offscreen, on the real app, against a real signaling server and real
booth apps (simulated devices) over real WebRTC: tiles, focus by click and key, a document from
request to the audit log, transfer, end, a console killed and restarted, a booth's dying camera.

Waits are bounded (qtbot.waitUntil); nothing asserts how long anything took."""
from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

from common.documents import DocumentKind, RejectReason
from common.loopthread import LoopThread
from cso_console import desk as dk
from cso_console.config import ConsoleConfig
from cso_console.desk import DocStatus, TileState
from cso_console.ui.run import open_console
from hardware.booth import open_booth_devices
from hardware.synthetic import SyntheticFaceCamera, ToneMicrophone
from kiosk import flow as f
from kiosk.app import BoothApp
from kiosk.flow import Screen
from lapak.simbooth import booth_config
from media.config import MediaConfig
from media.engine import CsoMedia
from signaling import protocol as p
from signaling.protocol import SessionState
from signaling.store import Store
from signaling.testing import running_server

WAIT = 60_000  # ms; bounded waits, never timing assertions


class Branch:
    """A signaling server and booth apps on a loop thread of their own (the GUI has the main one)."""

    def __init__(self, tmp: Path, booths: int = 6, csos: int = 1) -> None:
        self.db = tmp / "branch.sqlite"
        self.loop = LoopThread("branch")
        self._server = running_server(self.db, booths=booths, csos=csos, capacity=6, resume_grace=60)
        self.branch = self.loop.run(self._server.__aenter__(), 30)
        self.booths: dict[int, BoothApp] = {}
        self.extra: list = []

    @property
    def url(self) -> str:
        return self.branch.url

    def console_config(self, cso: str = "cso-01", **desk) -> ConsoleConfig:
        return ConsoleConfig(cso={"id": cso, "token": self.branch.tokens[("cso", cso)], "name": "Petugas 1"},
                             server={"url": self.url, "allow_plain": True}, desk=desk)

    def booth(self, n: int, face: str = "160x120@10") -> BoothApp:
        async def make() -> BoothApp:
            dev = f"booth-{n:02d}"
            config = booth_config(self.url, dev, self.branch.tokens[("booth", dev)], face, "640x360@10")
            app = BoothApp(config, open_booth_devices(config.devices, simulate=True, seed=n),
                           media_config=MediaConfig())
            await app.start()
            return app
        app = self.loop.run(make(), 30)
        self.booths[n] = app
        return app

    def walk_in(self, qtbot, *booths: BoothApp) -> None:
        for b in booths:
            qtbot.waitUntil(lambda b=b: b.view.server_up, timeout=WAIT)
            for intent in (f.Start(), f.AcceptPrivacy(), f.ChooseWalkIn()):
                b.post(intent)
        for b in booths:
            qtbot.waitUntil(lambda b=b: b.view.ticket is not None, timeout=WAIT)

    def session_of(self, booth: BoothApp) -> str:
        return booth.flow.visit.session.id

    def close(self) -> None:
        for b in list(self.booths.values()) + self.extra:
            with contextlib.suppress(Exception):
                self.loop.run(b.close(), 20)
        with contextlib.suppress(Exception):
            self.loop.run(self._server.__aexit__(None, None, None), 20)
        self.loop.stop()


@pytest.fixture
def branch(tmp_path):
    b = Branch(tmp_path)
    yield b
    b.close()


def officer_media() -> CsoMedia:
    return CsoMedia(face=SyntheticFaceCamera(160, 120, 10, seed=99), audio=ToneMicrophone(220))


@pytest.fixture
def console_of(qtbot):
    opened = []

    def start(config: ConsoleConfig, language: str = "en"):
        c = open_console(config, media=officer_media, media_config=MediaConfig(), language=language)
        qtbot.addWidget(c.window)
        c.window.resize(1920, 1080)
        c.window.activateWindow()
        opened.append(c)
        qtbot.waitUntil(lambda: c.window.view is not None and c.window.view.server_up, timeout=WAIT)
        return c

    yield start
    for c in opened:
        with contextlib.suppress(Exception):
            c.close()


def tile_of(window, session_id: str):
    v = window.view
    return next((t for t in v.tiles if t is not None and t.session_id == session_id), None)


def widget_of(window, session_id: str):
    t = tile_of(window, session_id)
    return None if t is None else window.tiles[t.slot - 1]


def press(qtbot, window, key: str) -> None:
    """A key on the window, as the officer presses it (through the window's shortcuts, which work
    while the window is the active one)."""
    from PySide6.QtWidgets import QApplication

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    qtbot.keyClicks(window, key)


def answer(qtbot, window, act) -> None:
    """Answer the confirmation the next action opens (modal: it runs its own event loop)."""
    def poll():
        if window.dialog is None:
            QTimer.singleShot(50, poll)
            return
        act(window.dialog)
    QTimer.singleShot(50, poll)


# ---------------------------------------------------------------------------------------------


def test_six_live_tiles_focus_by_click_and_by_key(qtbot, branch, console_of):
    console = console_of(branch.console_config())
    w = console.window
    booths = [branch.booth(n, face="640x480@10" if n == 3 else "160x120@10") for n in range(1, 7)]
    branch.walk_in(qtbot, *booths)
    qtbot.waitUntil(lambda: len([t for t in w.view.tiles if t]) == 6, timeout=WAIT)
    sids = [branch.session_of(b) for b in booths]
    # six tiles, each painting its booth's face
    qtbot.waitUntil(lambda: all(widget_of(w, s) is not None and widget_of(w, s).video.painted > 2 for s in sids),
                    timeout=WAIT)
    assert w.view.focus is not None  # the first booth got the free focus

    # a click on booth 3's tile: it talks, the one before is on hold (its screen says so)
    before = w.focused().session_id
    third = widget_of(w, sids[2])
    qtbot.mouseClick(third, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.focused() is not None and w.focused().session_id == sids[2], timeout=WAIT)
    held = next(b for b in booths if branch.session_of(b) == before)
    qtbot.waitUntil(lambda: held.view.call_phase is f.CallPhase.ON_HOLD, timeout=WAIT)
    qtbot.waitUntil(lambda: tile_of(w, before).state is TileState.ON_HOLD, timeout=WAIT)
    assert third.tile.focused and "Talking" == third.pill.text()
    # full quality on the focused tile: frames of the camera's own 640x480, not the grid's 320 wide
    qtbot.waitUntil(lambda: third.video.painted_source == (640, 480), timeout=WAIT)
    assert w.panel.title.text().startswith(f"Booth {third.slot} ")

    # key 5: booth 5 talks, booth 3 goes back to a grid tile
    press(qtbot, w, "5")
    qtbot.waitUntil(lambda: w.view.focus == 5, timeout=WAIT)
    qtbot.waitUntil(lambda: third.video.painted_source == (320, 240), timeout=WAIT)
    assert tile_of(w, sids[2]).state is TileState.ON_HOLD


def test_document_request_still_verdicts_outcome_and_audit(qtbot, branch, console_of):
    console = console_of(branch.console_config())
    w = console.window
    booth = branch.booth(1)
    submitted = []
    booth.on_command(lambda c: submitted.append(c.still) if isinstance(c, f.SubmitStill) else None)
    branch.walk_in(qtbot, booth)
    sid = branch.session_of(booth)
    qtbot.waitUntil(lambda: w.focused() is not None and w.focused().session_id == sid, timeout=WAIT)
    qtbot.waitUntil(lambda: booth.view.call_phase is f.CallPhase.TALKING, timeout=WAIT)

    # D asks for the next document of the checklist: the KTP; the documents open with the live view
    press(qtbot, w, "d")
    qtbot.waitUntil(lambda: booth.view.screen is Screen.DOCUMENT, timeout=WAIT)
    assert booth.view.document.document is DocumentKind.KTP
    qtbot.waitUntil(lambda: w.workspace.isVisible() and w.workspace.a.live, timeout=WAIT)
    qtbot.waitUntil(lambda: w.workspace.a.video.painted > 0, timeout=WAIT)  # the live document camera
    booth.devices.document.show("id_card", 5)
    qtbot.waitUntil(lambda: w.focused().checklist[0].status is DocStatus.RECEIVED, timeout=WAIT)
    entry = w.focused().checklist[0]
    assert entry.still.sha256 == hashlib.sha256(submitted[0].data).hexdigest()
    # the still is decoded off the GUI thread and shown at full resolution in the active pane
    qtbot.waitUntil(lambda: w.workspace.a.still.full is not None, timeout=WAIT)
    pane = w.workspace.a
    assert (pane.still.full.width(), pane.still.full.height()) == (1920, 1080) and pane.document is DocumentKind.KTP
    import threading
    assert w.decoder.decoder_threads and threading.get_ident() not in w.decoder.decoder_threads
    press(qtbot, w, "z")
    assert pane.still.scale() == 1.0  # one still pixel per screen pixel
    press(qtbot, w, "r")
    assert pane.still.rotation == 90
    press(qtbot, w, "f")
    assert pane.still.zoom is None
    press(qtbot, w, "v")  # verify what is shown
    qtbot.waitUntil(lambda: w.focused().checklist[0].status is DocStatus.VERIFIED and
                    w.focused().checklist[0].confirmed, timeout=WAIT)

    # the claim form, asked from its checklist row; rejected with a reason
    form_row = w.panel._rows[DocumentKind.CLAIM_FORM]
    qtbot.mouseClick(form_row.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: booth.view.document is not None and
                    booth.view.document.document is DocumentKind.CLAIM_FORM, timeout=WAIT)
    booth.devices.document.show("claim_form", 7)
    form = lambda: next(e for e in w.focused().checklist if e.document is DocumentKind.CLAIM_FORM)  # noqa: E731
    qtbot.waitUntil(lambda: form().status is DocStatus.RECEIVED, timeout=WAIT)
    qtbot.waitUntil(lambda: w.workspace.active.document is DocumentKind.CLAIM_FORM, timeout=WAIT)
    # side by side: the KTP next to the claim form
    press(qtbot, w, "s")
    assert w.workspace.b.isVisible() and {w.workspace.a.document, w.workspace.b.document} == {
        DocumentKind.CLAIM_FORM, DocumentKind.KTP}
    press(qtbot, w, "s")
    answer(qtbot, w, lambda d: (d.choose(RejectReason.UNREADABLE.value), d.accept()))
    press(qtbot, w, "x")
    qtbot.waitUntil(lambda: form().status is DocStatus.REJECTED and form().confirmed, timeout=WAIT)
    assert form().reason is RejectReason.UNREADABLE

    # end: Complete is not offered (documents missing); incomplete goes to the booth's end screen
    def end(d):
        complete = next(b for b in d.group.buttons() if b.property("value") == p.Outcome.COMPLETED.value)
        assert not complete.isEnabled() and d.value() == p.Outcome.DOCUMENTS_INCOMPLETE.value
        d.accept()
    answer(qtbot, w, end)
    press(qtbot, w, "e")
    qtbot.waitUntil(lambda: booth.view.screen is Screen.END, timeout=WAIT)
    assert booth.view.outcome is p.Outcome.DOCUMENTS_INCOMPLETE
    assert booth.view.documents_verified == (DocumentKind.KTP,)
    qtbot.waitUntil(lambda: tile_of(w, sid) is None, timeout=WAIT)

    store = Store(branch.db)
    try:
        decisions = {d.document: d for d in store.decisions(sid)}
        assert decisions["ktp"].verdict == "accepted"
        assert decisions["ktp"].still_sha256 == hashlib.sha256(submitted[0].data).hexdigest()
        assert decisions["claim_form"].verdict == "rejected" and decisions["claim_form"].reason == "unreadable"
        assert decisions["claim_form"].still_sha256 == hashlib.sha256(submitted[1].data).hexdigest()
        audit = store.audit(sid)
        events = [a.event for a in audit]
        assert events.count("decision") == 2 and events[-1] == "ended"
        ended = audit[-1]
        assert "documents_incomplete" in str(ended.detail) and "rejected: claim_form (unreadable)" in str(ended.detail)
    finally:
        store.close()


def test_transfer_to_another_officer_and_back_to_the_queue(qtbot, tmp_path, console_of):
    branch = Branch(tmp_path, booths=2, csos=2)
    try:
        console = console_of(branch.console_config())
        w = console.window
        b1, b2 = branch.booth(1), branch.booth(2)
        branch.walk_in(qtbot, b1, b2)
        s1, s2 = branch.session_of(b1), branch.session_of(b2)
        qtbot.waitUntil(lambda: tile_of(w, s1) is not None and tile_of(w, s2) is not None, timeout=WAIT)

        from cso_console.app import ConsoleApp

        async def other():
            app = ConsoleApp(branch.console_config("cso-02"), officer_media(), media_config=MediaConfig())
            await app.start()
            await app.wait_ready()
            return app
        cso2 = branch.loop.run(other(), 30)
        branch.extra.append(cso2)
        qtbot.waitUntil(lambda: w.view.officers == ("cso-02",), timeout=WAIT)

        press(qtbot, w, str(tile_of(w, s1).slot))
        qtbot.waitUntil(lambda: w.focused() is not None and w.focused().session_id == s1, timeout=WAIT)
        answer(qtbot, w, lambda d: (d.choose("cso-02"), d.note.setText("needs a supervisor"), d.accept()))
        press(qtbot, w, "t")
        qtbot.waitUntil(lambda: tile_of(w, s1) is None, timeout=WAIT)
        qtbot.waitUntil(lambda: s1 in cso2.desk.sessions(), timeout=WAIT)

        press(qtbot, w, str(tile_of(w, s2).slot))
        qtbot.waitUntil(lambda: w.focused() is not None and w.focused().session_id == s2, timeout=WAIT)
        answer(qtbot, w, lambda d: d.accept())  # the default: back to the queue
        press(qtbot, w, "t")
        qtbot.waitUntil(lambda: tile_of(w, s2) is None, timeout=WAIT)
        # the queue gives it to the next free officer, not back to the one who transferred it
        qtbot.waitUntil(lambda: s2 in cso2.desk.sessions(), timeout=WAIT)
        store = Store(branch.db)
        try:
            assert "transferred" in [a.event for a in store.audit(s1)]
        finally:
            store.close()
    finally:
        branch.close()


def test_a_booths_dying_camera_shows_on_its_tile(qtbot, branch, console_of):
    console = console_of(branch.console_config())
    w = console.window
    booth = branch.booth(1)
    branch.walk_in(qtbot, booth)
    sid = branch.session_of(booth)
    qtbot.waitUntil(lambda: tile_of(w, sid) is not None and widget_of(w, sid).video.painted > 0, timeout=WAIT)
    camera = booth.devices.face
    camera.reason = "camera 0 unplugged"
    camera.state = "failed"  # what a real camera's state says when it stops giving frames
    qtbot.waitUntil(lambda: tile_of(w, sid).state is TileState.DEVICE_FAULT, timeout=WAIT)
    tile = widget_of(w, sid)
    assert tile.pill.text() == "Device fault"
    assert tile.notice.isVisible() and "camera 0 unplugged" in tile.notice.text()
    assert "Face camera" in tile.notice.text()


def test_console_killed_and_restarted_resumes_its_booths(qtbot, tmp_path, console_of):
    branch = Branch(tmp_path, booths=2)
    proc = None
    try:
        config = branch.console_config()
        toml = tmp_path / "console.toml"
        toml.write_text(f'[cso]\nid = "cso-01"\ntoken = "{config.cso.token}"\n\n[server]\nurl = "{branch.url}"\nallow_plain = true\n'
                        f'\n[camera]\nsource = "synthetic"\nwidth = 160\nheight = 120\nfps = 10\n')
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        proc = subprocess.Popen([sys.executable, "-m", "lapak", "console", "--config", str(toml), "--simulate"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        b1, b2 = branch.booth(1), branch.booth(2)
        branch.walk_in(qtbot, b1, b2)
        qtbot.waitUntil(lambda: b1.view.call_phase in (f.CallPhase.TALKING, f.CallPhase.ON_HOLD,
                                                       f.CallPhase.WAITING_FOR_OFFICER) and
                        b2.view.call_phase in (f.CallPhase.TALKING, f.CallPhase.ON_HOLD,
                                               f.CallPhase.WAITING_FOR_OFFICER), timeout=WAIT)
        sids = {branch.session_of(b1), branch.session_of(b2)}
        assert proc.poll() is None, proc.stderr.read().decode(errors="replace")[-2000:]

        proc.send_signal(signal.SIGKILL)  # a crash: no goodbye to the server
        proc.wait(10)
        server = branch.branch.server
        qtbot.waitUntil(lambda: not server.branch.online("cso", "cso-01"), timeout=WAIT)
        # the booths lose their officer's call; the server keeps their sessions for the grace period
        qtbot.waitUntil(lambda: all(b.view.call_phase in (f.CallPhase.RECONNECTING, f.CallPhase.ON_HOLD)
                                    for b in (b1, b2)), timeout=WAIT)
        assert {b.flow.visit.session.id for b in (b1, b2)} == sids  # the booths keep their sessions

        console = console_of(config)  # restarted within the grace period: the desk takes them back
        w = console.window
        qtbot.waitUntil(lambda: {t.session_id for t in w.view.tiles if t} == sids, timeout=WAIT)
        qtbot.waitUntil(lambda: all(widget_of(w, s).video.painted > 0 for s in sids), timeout=WAIT)
        focused = w.focused()
        assert focused is not None and focused.session_id in sids
        talking = next(b for b in (b1, b2) if b.flow.visit.session.id == focused.session_id)
        qtbot.waitUntil(lambda: talking.view.call_phase is f.CallPhase.TALKING, timeout=WAIT)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        branch.close()


def test_lapak_console_opens_a_real_x11_window_and_closes_on_sigterm(qtbot, tmp_path):
    from qtview import xvfb

    why = xvfb.available()
    if why:
        pytest.skip(why)
    branch = Branch(tmp_path, booths=1)
    try:
        config = branch.console_config()
        toml = tmp_path / "console.toml"
        toml.write_text(f'[cso]\nid = "cso-01"\ntoken = "{config.cso.token}"\nlanguage = "en"\n\n'
                        f'[server]\nurl = "{branch.url}"\nallow_plain = true\n')
        booth = branch.booth(1)
        with xvfb.display(1920, 1080) as name:
            proc = subprocess.Popen([sys.executable, "-m", "lapak", "console", "--config", str(toml), "--simulate"],
                                    env=xvfb.env(name), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                branch.walk_in(qtbot, booth)
                qtbot.waitUntil(lambda: booth.view.call_phase is f.CallPhase.TALKING, timeout=WAIT)
                qtbot.wait(1500)  # a few frames painted
                shot = xvfb.grab_root(name, tmp_path / "console.png")
                proc.send_signal(signal.SIGTERM)
                err = proc.communicate(timeout=30)[1].decode(errors="replace")
            finally:
                if proc.poll() is None:
                    proc.kill()
        assert proc.returncode == 0, err[-2000:]  # the xcb platform loaded, and SIGTERM closed it cleanly
        import cv2
        import numpy as np

        img = cv2.imread(str(shot))
        background = (np.abs(img.astype(int) - (0x1d, 0x18, 0x15)).sum(axis=2) < 12).mean()  # BG #15181d (BGR)
        focused = (np.abs(img.astype(int) - (0xff, 0xa3, 0x4d)).sum(axis=2) < 30).mean()  # the blue frame #4da3ff
        assert background > 0.05 and focused > 0.001, (background, focused)
        server = branch.branch.server
        qtbot.waitUntil(lambda: not server.branch.online("cso", "cso-01"), timeout=WAIT)
    finally:
        branch.close()
