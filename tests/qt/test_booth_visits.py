"""Whole visits through the booth's real window (offscreen), against a real signaling server and a
real console app as the officer: the participant touches the window's buttons, the officer's
side is the console's desk. Simulated devices: synthetic cameras (a QR code held up to the face
camera, documents on the tray), pty call button, light and printer."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication

from bench.kioskrig import Rig, wait_until
from common.documents import DocumentKind, RejectReason
from common.language import Language
from cso_console import desk as dk
from cso_console.desk import DocStatus
from kiosk import flow as f
from kiosk.flow import CallPhase, DocumentPhase, ReceiptState, Screen
from qtview import xvfb
from signaling import protocol as p

pytestmark = pytest.mark.timeout(240)


def walk_in(rig: Rig) -> None:
    rig.wait(lambda: rig.view is not None and rig.view.server_up, "booth connected")
    rig.touch("start")
    rig.wait_screen(Screen.PRIVACY)
    rig.touch("agree")
    rig.wait_screen(Screen.CHECK_IN)
    rig.touch("choose_walk_in")


def text_of(rig: Rig, name: str) -> str:
    from PySide6.QtWidgets import QLabel

    found = [w for w in rig.window.findChildren(QLabel, name) if w.isVisible()]
    return found[0].text() if found else ""


def open_files() -> set[str]:
    out = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            out.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    return out


def files_since(folder: Path, t0: float) -> list[Path]:
    out = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            try:
                if path.stat().st_mtime >= t0 and path.is_file():
                    out.append(path)
            except OSError:
                pass
    return out


def test_walk_in_document_rejected_and_shown_again_hold_end_receipt_and_wipe(qtbot, tmp_path):
    t0 = time.time()
    with Rig(tmp_path, end_screen_seconds=120) as rig:
        submitted = []
        rig.booth.on_command(lambda c: submitted.append(c.still) if isinstance(c, f.SubmitStill) else None)
        walk_in(rig)
        rig.wait(lambda: rig.view.ticket is not None, "ticket")
        ticket = rig.view.ticket
        if rig.view.screen in (Screen.TICKET, Screen.WAITING):  # (the officer may take the call at once)
            assert ticket in text_of(rig, "ticket_number") + text_of(rig, "waiting_ticket")
        # the officer's console takes the booth by itself
        rig.wait(lambda: rig.view.screen is Screen.CALL and rig.view.officer_hears_you, "talking")
        call = rig.window.screens[Screen.CALL]
        assert text_of(rig, "officer_hears_you")
        rig.wait(lambda: call.officer.painted > 3 and call.self_view.painted > 3, "officer and own face painted")
        sid = rig.session_id()

        # the officer asks for the KTP; the participant puts a card on the tray
        rig.officer(dk.RequestDocument(sid, DocumentKind.KTP))
        rig.wait_screen(Screen.DOCUMENT)
        doc = rig.window.screens[Screen.DOCUMENT]
        assert "KTP" in doc.title.text() and doc.picture.kind is DocumentKind.KTP
        rig.wait(lambda: doc.preview.painted > 3, "the tray preview painted")
        rig.booth.devices.document.show("id_card", 5)
        rig.wait(lambda: rig.view.document.outline is not None, "outline found")
        rig.wait(lambda: rig.tile() is not None and rig.tile().checklist[0].status is DocStatus.RECEIVED,
                 "still received by the officer")
        entry = rig.tile().checklist[0]
        meta, data = rig.console.still(entry.still.sha256)
        assert data == submitted[0].data  # byte-identical to what the booth captured
        assert hashlib.sha256(data).hexdigest() == entry.still.sha256 == meta.sha256
        rig.wait(lambda: rig.view.document.phase is DocumentPhase.SENT, "sent on screen")

        # rejected: the screen says why; the officer asks again; another card, accepted
        rig.officer(dk.Reject(sid, DocumentKind.KTP, RejectReason.COVERED))
        rig.wait(lambda: rig.view.document is not None and rig.view.document.phase is DocumentPhase.REJECTED,
                 "rejected on screen")
        assert doc.verdict_bad.isVisible() and doc.detail.text()  # "please show it again" and the reason
        rig.wait(lambda: rig.console.view.unconfirmed_decisions == 0, "decision recorded")
        first = rig.view.document.request_id
        rig.officer(dk.RequestDocument(sid, DocumentKind.KTP))
        rig.wait(lambda: rig.view.document is not None and rig.view.document.request_id != first
                 and rig.view.document.phase is DocumentPhase.POSITIONING, "asked again")
        # the rejected card still lies there: the screen asks to take it away first
        rig.wait(lambda: rig.view.document.hint is f.ScanHint.PREVIOUS_DOCUMENT, "take the previous one away")
        rig.booth.devices.document.show(None)  # the participant takes the card away ...
        rig.wait(lambda: rig.view.document.hint is f.ScanHint.NO_DOCUMENT, "the tray seen empty")
        rig.booth.devices.document.show("id_card", 11)  # ... and puts it down better
        rig.wait(lambda: len(submitted) == 2, "second still captured")
        rig.wait(lambda: rig.tile().checklist[0].status is DocStatus.RECEIVED, "second still received")
        rig.officer(dk.Verify(sid, DocumentKind.KTP))
        rig.wait(lambda: rig.view.document is not None and rig.view.document.phase is DocumentPhase.ACCEPTED,
                 "accepted on screen")
        assert doc.verdict_good.isVisible()
        rig.wait(lambda: rig.console.view.unconfirmed_decisions == 0, "decision recorded")

        # hold and unhold: the officer's picture is frozen and dimmed, then live again
        rig.wait_screen(Screen.CALL)
        rig.officer(dk.Hold(sid))
        rig.wait(lambda: rig.view.call_phase is CallPhase.ON_HOLD, "on hold")
        assert call.officer._dimmed and call.hold_note.isVisible() and not call.hears.isVisible()
        assert call.call_officer.isVisible()
        frozen = call.officer.converted
        time.sleep(1.0)
        QApplication.processEvents()
        assert call.officer.converted - frozen <= 1  # the picture stays frozen
        rig.officer(dk.Unhold(sid))
        rig.wait(lambda: rig.view.call_phase is CallPhase.TALKING, "talking again")
        assert not call.officer._dimmed
        rig.wait(lambda: call.officer.converted > frozen + 3, "live again")

        # the officer ends the visit: outcome, reference, receipt on the printer's pty
        rig.officer(dk.End(sid, p.Outcome.DOCUMENTS_INCOMPLETE))
        rig.wait_screen(Screen.END)
        reference = rig.view.reference
        assert reference and text_of(rig, "reference") == reference
        rig.wait(lambda: rig.view.receipt is ReceiptState.PRINTED, "receipt printed")
        printer = rig.booth.devices.simulators["printer"]
        # read on its own thread; the queue ticket printed at walk-in is the first slip
        rig.wait(lambda: len(printer.slips()) >= 2, "receipt received by the printer")
        lines = printer.slips()[-1]
        assert any(reference in line for line in lines) and any("KTP" in line for line in lines)
        assert text_of(rig, "receipt_state")

        # done: the wipe
        rig.touch("finish")
        rig.wait_screen(Screen.ATTRACT)
        rig.wait(lambda: not rig.booth.participant_traces(), "wiped")
        assert not rig.booth.flow.holds_participant_data()
        for screen in rig.window.screens.values():
            for v in screen.videos():
                assert v._image is None, f"{v.objectName()} still holds a picture"
        assert rig.view.ticket is None and rig.view.reference is None
        # nothing of the participant on disk: no file this process has open, and no new file in
        # the temp folder, holds the still, the ticket or the reference
        marks = [reference.encode(), submitted[0].data[:4096], submitted[1].data[:4096]]
        candidates = [Path(x) for x in open_files() if x.startswith("/") and Path(x).is_file()]
        candidates += files_since(Path(tempfile.gettempdir()), t0)
        for path in set(candidates):
            if path.is_relative_to(tmp_path) or path.suffix in (".so", ".py", ".pyc") or "site-packages" in str(path):
                continue  # the branch server's database (another machine in a branch) and code
            try:
                data = path.read_bytes()[:50_000_000]
            except OSError:
                continue
            assert not any(m in data for m in marks), f"participant data in {path}"


def test_bad_booking_code_then_the_right_one(qtbot, tmp_path):
    with Rig(tmp_path, officer=False, bookings=(("BK-4711", "Siti Rahayu"),)) as rig:
        rig.wait(lambda: rig.view is not None and rig.view.server_up, "booth connected")
        rig.touch("start")
        rig.touch("agree")
        rig.wait_screen(Screen.CHECK_IN)
        rig.touch("choose_booking")
        rig.wait_screen(Screen.CODE_ENTRY)
        rig.type_code("BK-0000")
        assert text_of(rig, "code_display") == "BK-0000"
        rig.touch("submit_code")
        rig.wait(lambda: rig.view.notice is f.NoticeKind.BOOKING_UNKNOWN, "bad code notice")
        assert "tidak ditemukan" in rig.window.notice.text()  # in Bahasa Indonesia, the default
        assert rig.view.screen is Screen.CODE_ENTRY
        rig.type_code("BK-4711")
        rig.touch("submit_code")
        rig.wait(lambda: rig.view.screen is Screen.WAITING, "waiting")
        assert "Siti R." in text_of(rig, "greeting") and "Rahayu" not in text_of(rig, "greeting") and rig.view.ticket.startswith("B")
        # no officer online: first in line (places come with the server's next tick)
        rig.wait(lambda: text_of(rig, "queue_place"), "queue place")


def test_qr_code_shown_to_the_face_camera_checks_in(qtbot, tmp_path):
    with Rig(tmp_path, officer=False, bookings=(("QR-2026", "Agus"),)) as rig:
        rig.wait(lambda: rig.view is not None and rig.view.server_up, "booth connected")
        rig.choose_language(Language.EN)
        rig.touch("start")
        rig.touch("agree")
        rig.wait_screen(Screen.CHECK_IN)
        checkin = rig.window.screens[Screen.CHECK_IN]
        rig.wait(lambda: checkin.self_view.video.painted > 2, "own face on the check-in screen")
        qr = cv2.QRCodeEncoder.create().encode("QR-2026")
        qr = cv2.copyMakeBorder(cv2.resize(qr, (240, 240), interpolation=cv2.INTER_NEAREST),
                                24, 24, 24, 24, cv2.BORDER_CONSTANT, value=255)
        rig.booth.devices.face.overlay = cv2.cvtColor(qr, cv2.COLOR_GRAY2BGR)  # a phone held up
        rig.wait(lambda: rig.view.screen is Screen.WAITING, "checked in by QR")
        assert rig.view.name == "Agus" and "Hello, Agus" == text_of(rig, "greeting")


def test_server_killed_and_restarted_mid_call_the_visit_resumes(qtbot, tmp_path):
    with Rig(tmp_path, server_process=True) as rig:
        walk_in(rig)
        rig.wait(lambda: rig.view.screen is Screen.CALL and rig.view.officer_hears_you, "talking")
        sid = rig.session_id()
        rig.kill_server()
        rig.wait(lambda: rig.view.reconnecting, "reconnecting shown")
        assert rig.window.reconnecting.isVisible() and rig.window.rc_title.text()
        rig.restart_server()  # the same port, the same database
        rig.wait(lambda: not rig.view.reconnecting and rig.view.call_phase is CallPhase.TALKING, "resumed",
                 timeout=60)
        assert rig.session_id() == sid and rig.view.screen is Screen.CALL
        assert not rig.window.reconnecting.isVisible()
        call = rig.window.screens[Screen.CALL]
        n = call.officer.converted
        rig.wait(lambda: call.officer.converted > n + 3, "officer's video live again", timeout=60)


def test_technician_gesture_pin_device_status_and_config_check(qtbot, tmp_path):
    from kiosk.pin import hash_pin

    with Rig(tmp_path, officer=False, pin_hash=hash_pin("2468")) as rig:
        rig.wait(lambda: rig.view is not None and rig.view.server_up, "booth connected")
        corner = rig.window.screens[Screen.ATTRACT].corner
        for _ in range(5):
            rig.touch_widget(corner, QPoint(10, 10))
        rig.wait_screen(Screen.TECHNICIAN)
        for k in "2468":
            rig.touch(f"pin_{k}")
        rig.touch("pin_OK")
        rig.wait(lambda: rig.view.technician is not None and rig.view.technician.unlocked, "unlocked")
        rig.wait(lambda: len(rig.view.technician.devices) >= 5, "device states")
        status = text_of(rig, "device_status")
        assert "Printer" in status or "printer" in status.lower()
        tech = rig.window.screens[Screen.TECHNICIAN]
        rig.touch("tech_check")
        rig.wait(lambda: "PROBLEM" in tech.output.toPlainText() or "OK" in tech.output.toPlainText(),
                 "config check output", timeout=60)
        rig.touch("tech_leave")
        rig.wait_screen(Screen.ATTRACT)


def test_lapak_kiosk_opens_a_real_window_on_x11(tmp_path):
    why = xvfb.available()
    if why:
        pytest.skip(why)
    config = tmp_path / "booth.toml"
    config.write_text('[booth]\nid = "booth-01"\ntoken = "change-me-booth-01"\n[server]\nurl = "ws://127.0.0.1:9"\nallow_plain = true\n')
    root = Path(__file__).resolve().parents[2]
    with xvfb.display(1366, 768) as name:
        proc = subprocess.Popen([sys.executable, "-m", "lapak", "kiosk", "--config", str(config), "--windowed",
                                 "--size", "1366x768", "--simulate"], cwd=root, env=xvfb.env(name),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            paper = np.array([0xF0, 0xF5, 0xF6])  # the booth's background (BGR)
            deadline = time.monotonic() + 60
            share = 0.0
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(1.0)
                img = cv2.imread(str(xvfb.grab_root(name, tmp_path / "screen.png")))
                share = float((np.abs(img.astype(int) - paper).sum(axis=2) < 20).mean())
                if share > 0.3:
                    break
            assert proc.poll() is None, proc.stderr.read().decode(errors="replace")[-3000:]
            assert share > 0.3, "the booth window is not on the X display"
        finally:
            proc.terminate()
            try:
                err = proc.communicate(timeout=30)[1].decode(errors="replace")
            except subprocess.TimeoutExpired:
                proc.kill()
                err = proc.communicate()[1].decode(errors="replace")
    assert "Could not load the Qt platform plugin" not in err
    assert proc.returncode == 0, err[-3000:]
