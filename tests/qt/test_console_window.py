"""The console window on a real desk without a network (tests/qt/console_fakes.py): what each
tile, the panel and the workspace show for a desk view, and which intent each click and key
posts. The same window over WebRTC is in test_console_live.py."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from common.documents import DocumentKind, RejectReason
from cso_console import desk as dk
from cso_console.config import ConsoleConfig
from cso_console.desk import DocStatus
from cso_console.ui import words
from cso_console.ui.dialogs import EndDialog
from cso_console.ui.run import I18N
from cso_console.ui.window import ConsoleWindow
from media import control as ctl
from media.events import BoothDevicesReported, CallState, CallStateChanged, HandRaised
from qtview import i18n
from signaling.protocol import Outcome, SessionState

from console_fakes import FakeBridge, info

KTP, KK, FORM = DocumentKind.KTP, DocumentKind.KK, DocumentKind.CLAIM_FORM


@pytest.fixture
def desk(qtbot):
    bridge = FakeBridge()
    config = ConsoleConfig(cso={"id": "cso-01", "token": "x" * 16, "name": "Petugas 1"})
    window = ConsoleWindow(bridge, config)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    qtbot.waitExposed(window)
    return bridge, window


def press(qtbot, window, key):
    """A key (text, or a Qt.Key) on the active window, as the officer presses it."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    if isinstance(key, str):
        qtbot.keyClicks(window, key)
    else:
        qtbot.keyClick(window, key)


def answer(window, act):
    def poll():
        if window.dialog is None:
            QTimer.singleShot(20, poll)
        else:
            act(window.dialog)
    QTimer.singleShot(20, poll)


def test_tiles_show_who_what_state_and_who_waited_too_long(qtbot, desk):
    bridge, w = desk
    bridge.booth(1)
    bridge.booth(2, name="Siti Rahayu", kind="booking", code="BK-4711", language="en")
    bridge.booth(3)
    bridge.feed(HandRaised("s3"))
    bridge.feed(BoothDevicesReported("s2", ctl.BoothStatus(devices=[
        ctl.DeviceHealth(role="printer", ok=False, message="/dev/ttyUSB0 is not answering")])))
    bridge.feed(dk.Tick(), dt=130)  # longer than the 120 s the rules allow
    t1, t2, t3, t4 = w.tiles[:4]
    assert (t1.ticket.text(), t1.pill.text()) == ("A001", "Talking") and t1.tile.focused
    assert t2.name.text() == "Siti Rahayu · BK-4711" and t2.info.text().startswith("EN · JHT claim")
    assert t2.pill.text() == "Device fault" and "Receipt printer: /dev/ttyUSB0 is not answering" in t2.notice.text()
    assert t3.pill.text() == "Hand raised"
    assert t3.wait.text() == "waiting 2:10" and "#ff4d4d" in t3.styleSheet()  # the alarm
    assert t1.wait.text() == "in session 2:10" and "#4da3ff" in t1.styleSheet()  # the focused one
    assert t4.tile is None and t4.notice.text() == "Free"


def test_click_and_keys_focus_and_the_panel_follows(qtbot, desk):
    bridge, w = desk
    for n in (1, 2, 3):
        bridge.booth(n)
    qtbot.mouseClick(w.tiles[2], Qt.MouseButton.LeftButton)
    assert bridge.posted[-1] == dk.FocusSlot(3) and w.view.focus == 3
    assert w.panel.title.text() == "Booth 3 · A003"
    press(qtbot, w, "2")
    assert w.view.focus == 2 and w.tiles[2].pill.text() == "On hold"
    press(qtbot, w, "6")  # an empty place: nothing happens
    assert w.view.focus == 2
    press(qtbot, w, "h")
    assert bridge.posted[-1] == dk.Hold("s2") and w.view.focus is None
    assert "Nobody in conversation" in w.panel.empty.text() and w.panel.empty.isVisible()


def test_offered_booths_wait_for_accept_when_auto_accept_is_off(qtbot):
    bridge = FakeBridge(auto_accept=False)
    w = ConsoleWindow(bridge)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    bridge.feed(dk.SessionChanged(info(1, SessionState.OFFERED)))
    bridge.feed(dk.SessionChanged(info(2, SessionState.OFFERED)))
    tile = w.tiles[0]
    assert tile.accept_button.isVisible() and tile.notice.text() == "New participant"
    assert not w.auto_accept.isChecked()
    qtbot.mouseClick(tile.accept_button, Qt.MouseButton.LeftButton)
    assert bridge.posted[-1] == dk.Accept("s1") and w.view.tiles[0].session_state is SessionState.ACTIVE
    press(qtbot, w, "a")  # the next one offered
    assert bridge.posted[-1] == dk.Accept("s2")
    qtbot.mouseClick(w.auto_accept, Qt.MouseButton.LeftButton)
    assert bridge.posted[-1] == dk.SetAutoAccept(True) and w.view.auto_accept


def test_prompts_go_to_the_focused_booth_by_button_and_function_key(qtbot, desk):
    bridge, w = desk
    bridge.booth(1, language="en")
    assert [b.text() for b in w.panel._prompt_buttons] == ["F1  Greeting", "F2  Place the document"]
    qtbot.mouseClick(w.panel._prompt_buttons[1], Qt.MouseButton.LeftButton)
    assert bridge.posted[-1] == dk.SendPrompt("s1", "show_document")
    sent = [c for c in bridge.commands if isinstance(c, dk.SendControl) and isinstance(c.message, ctl.Prompt)]
    assert sent[-1].message.text == "Please place the document"  # the booth's language
    press(qtbot, w, Qt.Key.Key_F1)
    assert bridge.posted[-1] == dk.SendPrompt("s1", "greeting")


def test_a_document_from_request_to_verdict_in_the_workspace(qtbot, desk):
    bridge, w = desk
    bridge.booth(1)
    press(qtbot, w, "d")  # the next document the claim needs
    assert bridge.posted[-1] == dk.RequestDocument("s1", KTP)
    assert w.workspace.isVisible() and w.workspace.a.live and w.tiles[0]._compact  # tiles become a row
    gui = threading.get_ident()
    bridge.still_arrives("s1")
    qtbot.waitUntil(lambda: w.workspace.a.still.full is not None, timeout=10_000)
    assert gui not in w.decoder.decoder_threads  # decoded off the GUI thread
    pane = w.workspace.a
    assert pane.document is KTP and pane.verify_button.isVisible() and pane.title.text().startswith("ID card (KTP)")
    assert w.panel._rows[KTP].status.text() == "check it"
    assert w.tiles[0].check.text() == "● 1" and not w.tiles[0].check.isHidden()  # the small tile says so too
    press(qtbot, w, "z")
    assert pane.still.scale() == 1.0
    press(qtbot, w, "+")
    assert pane.still.scale() == pytest.approx(1.25)
    press(qtbot, w, "r")
    press(qtbot, w, "r")
    assert pane.still.rotation == 180
    press(qtbot, w, "f")
    assert pane.still.zoom is None and pane.still.scale() < 1
    press(qtbot, w, "v")
    assert bridge.posted[-1] == dk.Verify("s1", KTP)
    assert w.view.tiles[0].checklist[0].status is DocStatus.VERIFIED and not pane.verify_button.isVisible()
    assert w.tiles[0].check.isHidden()

    # the claim form, rejected with a reason from the list, after a confirmation
    qtbot.mouseClick(w.panel._rows[FORM].action, Qt.MouseButton.LeftButton)
    assert bridge.posted[-1] == dk.RequestDocument("s1", FORM) and w.workspace.a.live
    bridge.still_arrives("s1")
    qtbot.waitUntil(lambda: w.workspace.a.document is FORM and w.workspace.a.still.full is not None, timeout=10_000)
    press(qtbot, w, "s")
    assert w.workspace.b.isVisible() and w.workspace.b.document is KTP  # side by side with the KTP
    press(qtbot, w, Qt.Key.Key_Tab)  # Tab: back to the claim form's pane
    assert w.workspace.active is w.workspace.a
    answer(w, lambda d: d.reject())  # Esc: nothing happens
    press(qtbot, w, "x")
    assert not any(isinstance(i, dk.Reject) for i in bridge.posted)
    answer(w, lambda d: (d.choose(RejectReason.COVERED.value), d.note.setText("thumb over the number"), d.accept()))
    press(qtbot, w, "x")
    assert bridge.posted[-1] == dk.Reject("s1", FORM, RejectReason.COVERED, "thumb over the number")
    assert "Covered" in w.panel._rows[FORM].status.text()
    press(qtbot, w, Qt.Key.Key_Escape)  # Esc: back to the grid
    assert bridge.posted[-1] == dk.ShowDocumentView("s1", False) and not w.workspace.isVisible()


def test_end_asks_first_and_offers_complete_only_when_nothing_is_missing(qtbot, desk):
    bridge, w = desk
    bridge.booth(1)
    tile = w.view.tiles[0]
    dialog = EndDialog(tile)
    qtbot.addWidget(dialog)
    complete = next(b for b in dialog.group.buttons() if b.property("value") == Outcome.COMPLETED.value)
    assert not complete.isEnabled() and dialog.value() == Outcome.DOCUMENTS_INCOMPLETE.value
    assert "Missing: ID card (KTP), Family card (KK), JHT claim form" in dialog.summary.text()
    answer(w, lambda d: d.reject())
    press(qtbot, w, "e")
    assert not any(isinstance(i, dk.End) for i in bridge.posted)
    for doc in (KTP, KK, FORM):
        w.request_document(doc)
        bridge.still_arrives("s1")
        w.verify(doc)
    dialog = EndDialog(w.view.tiles[0])
    qtbot.addWidget(dialog)
    assert dialog.value() == Outcome.COMPLETED.value
    answer(w, lambda d: d.accept())
    press(qtbot, w, "e")
    assert bridge.posted[-1] == dk.End("s1", Outcome.COMPLETED, None)
    assert w.view.tiles[0] is None  # ended


def test_transfer_asks_where_to(qtbot, desk):
    bridge, w = desk
    bridge.booth(1)
    from signaling import protocol as p
    bridge.feed(dk.PresenceChanged((p.PresenceEntry(role="cso", device_id="cso-02", since=1),)))
    answer(w, lambda d: (d.choose("cso-02"), d.accept()))
    press(qtbot, w, "t")
    assert bridge.posted[-1] == dk.Transfer("s1", "cso-02", None)


def test_queue_panel_lists_who_waits(qtbot, desk):
    bridge, w = desk
    booked = info(7, SessionState.WAITING, name="Agus", kind="booking", code="BK-1", language="en")
    bridge.feed(dk.QueueChanged((info(8, SessionState.WAITING), booked)))
    rows = [[w.queue.tree.topLevelItem(i).text(c) for c in range(4)] for i in range(w.queue.tree.topLevelItemCount())]
    assert rows[0][:3] == ["A008", "Walk-in", "ID"] and rows[1][:3] == ["A007", "Booking · Agus", "EN"]
    assert rows[0][3] == "8:00" and w.queue.title.text() == "QUEUE · 2 WAITING"


def test_a_problem_is_told_in_the_officers_words(qtbot, desk):
    bridge, w = desk
    bridge.booth(1)
    bridge.feed(dk.End("s1", Outcome.COMPLETED))  # refused by the desk: documents missing
    assert w.notice.isVisible() and "A001 is not complete" in w.notice.text()


def test_server_down_and_unrecorded_decisions_show_in_the_top_bar(qtbot, desk):
    bridge, w = desk
    bridge.feed(dk.ServerDown())
    assert "unreachable" in w.server.text()


def test_the_indonesian_translation_is_complete_and_used(qtbot, tmp_path, desk):
    bridge, w = desk
    ts = I18N / "console_id.ts"
    assert i18n.problems(ts) == []
    # every string of the code is in the file (lupdate over the sources finds nothing new)
    copy = tmp_path / "console_id.ts"
    copy.write_bytes(ts.read_bytes())
    i18n.update(sorted(Path(I18N.parent / "ui").glob("*.py")), copy)
    assert i18n.problems(copy) == []
    for source in Path(I18N.parent / "ui").glob("*.py"):  # lupdate cannot see a translate() inside an f-string
        assert "{translate(" not in source.read_text(), source
    from cso_console.ui.run import Translations
    tr = Translations(I18N, "console")
    w.translations = tr
    bridge.booth(1)
    w.set_language("id")
    try:
        assert w.tiles[0].pill.text() == "Bicara" and w.panel.hold_button.text() == "Tahan (H)"
        assert words.document(KK) == "Kartu Keluarga (KK)" and w.language_button.text() == "English"
        # the placeholders of every translation are those of its source
        import re
        import xml.etree.ElementTree as ET
        for m in ET.parse(ts).getroot().iter("message"):
            src, tr_text = m.findtext("source"), m.findtext("translation")
            assert sorted(re.findall(r"{\w+}", src)) == sorted(re.findall(r"{\w+}", tr_text)), src
    finally:
        w.set_language("en")
    assert w.tiles[0].pill.text() == "Talking"


def test_reconnecting_tile_and_link_badge(qtbot, desk):
    bridge, w = desk
    bridge.booth(1)
    bridge.booth(2)
    bridge.feed(CallStateChanged("s2", CallState.LOST))
    t = w.tiles[1]
    assert t.pill.text() == "Reconnecting" and "Reconnecting to the booth" in t.notice.text()
    assert t.link.text() == "● link bad"


def test_a_still_decodes_to_its_own_colours_at_full_and_half_size(qtbot):
    import cv2
    import numpy as np

    from cso_console.ui.stills import decode_still

    bgr = np.zeros((1080, 1920, 3), np.uint8)
    bgr[:, :960] = (0, 0, 255)  # red on the left (OpenCV is B, G, R)
    bgr[:, 960:] = (255, 0, 0)  # blue on the right
    full, half = decode_still(cv2.imencode(".png", bgr)[1].tobytes())
    assert (full.width(), full.height(), half.width(), half.height()) == (1920, 1080, 960, 540)
    assert full.pixelColor(10, 10).name() == "#ff0000" and full.pixelColor(1900, 10).name() == "#0000ff"
    assert half.pixelColor(5, 5).name() == "#ff0000"
    assert decode_still(b"not a png") is None and decode_still(None) is None


def test_the_viewer_fits_the_document_the_booth_found_and_turns_it(qtbot):
    from PySide6.QtGui import QImage

    from cso_console.ui.stills import StillView

    view = StillView()
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    full = QImage(1920, 1080, QImage.Format.Format_RGB32)
    card = ((700.0, 400.0), (1100.0, 400.0), (1100.0, 650.0), (700.0, 650.0))  # a KTP on the tray
    view.set_image(full, full.scaled(960, 540), corners=card)
    document = view.scale()
    view.fit(whole=True)
    assert view.scale() == pytest.approx(800 / 1920) and document > 1.5 * view.scale()
    view.fit()
    view.rotate(90)  # a page on its side: the document's height now runs across
    assert view.scale() == pytest.approx(min(800 / (250 * 1.0 + 2 * 0.06 * 400), 600 / (400 * 1.12)), rel=0.01)
    view.zoom_by(2.0)
    assert view.zoom == pytest.approx(2 * view.fit_scale())
    view.grab()  # paints with the half-size copy or the full one without trouble
    assert view.painted > 0


def test_the_officers_own_microphone_fault_stays_in_the_top_bar_until_it_works(qtbot, desk):
    bridge, w = desk
    assert not w.own_devices.isVisible()
    why = "microphone 'USB Headset' (hw:2,0) is gone: unplugged?"
    bridge.feed(dk.OfficerDevices((("microphone", why),)))
    assert w.own_devices.isVisible() and "microphone" in w.own_devices.text()
    assert "USB Headset" in w.own_devices.toolTip()
    bridge.feed(dk.Tick())
    assert w.own_devices.isVisible()  # not a passing notice: it stays while the fault does
    bridge.feed(dk.OfficerDevices(()))
    assert not w.own_devices.isVisible()


def test_the_officer_sees_their_own_camera_and_hears_when_it_is_off_or_broken(qtbot, desk):
    """The self-view shows the officer's camera, mirrored; a camera that cannot be opened (a
    real OpenCV camera on a device that does not exist) is named with the reason; a console with
    no camera says so."""
    from hardware.camera import OpenCVCamera
    from hardware.synthetic import SyntheticFaceCamera

    bridge, w = desk
    view = w.self_view
    w.show_own_camera(SyntheticFaceCamera(320, 240, 15, seed=3))
    qtbot.waitUntil(lambda: view.video.painted > 0, timeout=10_000)
    assert view.video.isVisible() and not view.status.isVisible()
    assert view.video._mirror  # like a mirror, as the booth's self-view
    w.showMinimized()  # nobody sees the self-view: the camera is not read for it
    qtbot.waitUntil(lambda: not w._self_preview.on, timeout=5_000)
    taken = w._self_preview.taken
    qtbot.wait(400)
    assert w._self_preview.taken <= taken + 1  # (at most the frame already being taken)
    w.showNormal()
    qtbot.waitUntil(lambda: w._self_preview.taken > taken + 1, timeout=5_000)
    broken = OpenCVCamera("/dev/lapak-no-such-camera", 320, 240, 15, retry_initial=0.05, retry_max=0.1)
    try:
        w.show_own_camera(broken)
        qtbot.waitUntil(lambda: view.status.isVisible(), timeout=10_000)
        assert "not working" in view.status.text() and "lapak-no-such-camera" in view.status.text()
    finally:
        w.show_own_camera(None, stop=True)
        broken.stop()
        broken.join()  # its thread logs "stopped" last: not after the test's log capture is gone
    w.show_own_camera(None)
    assert view.status.isVisible() and "[camera]" in view.status.text() and not view.video.isVisible()
