"""The shared Qt pieces (qtview): video off the GUI thread, the engine bridge, translations, Xvfb."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import av
import numpy as np
import pytest

from qtview import i18n, xvfb
from qtview.video import VideoView, fit

WAIT_MS = 15000


def frame(w=640, h=480, value=128) -> av.VideoFrame:
    return av.VideoFrame.from_ndarray(np.full((h * 3 // 2, w), value, np.uint8), format="yuv420p")


def test_fit_keeps_the_aspect_and_even_sizes():
    from PySide6.QtCore import QSize

    assert fit(640, 480, QSize(400, 400)) == (400, 300)
    assert fit(1280, 720, QSize(301, 1000)) == (300, 168)
    assert fit(640, 480, QSize(0, 10)) == (0, 0)


def test_video_view_converts_off_the_gui_thread_at_its_own_size_newest_only(qtbot):
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(320, 240)
    view.show()
    qtbot.waitExposed(view)
    gui = threading.get_ident()
    threads = set()
    original = view._convert

    def spy():
        threads.add(threading.get_ident())
        original()

    view._convert = spy

    def engine():  # frames arrive on another thread, faster than anyone paints
        for i in range(200):
            view.reader("face", frame(value=i % 250))

    t = threading.Thread(target=engine)
    t.start()
    t.join()
    qtbot.waitUntil(lambda: view.painted > 0, timeout=WAIT_MS)
    assert gui not in threads and threads
    assert 0 < view.converted < 200  # frames that arrived while one was converting were dropped
    image = view._image
    assert (image.width(), image.height()) == (320, 240)  # scaled once, to the widget
    assert view.painted_source == (640, 480)  # the decoded frame's own size behind the picture


@pytest.mark.parametrize("width,height", [(436, 420), (433, 301), (250, 190)])
def test_any_widget_size_converts(qtbot, width, height):
    """Rows of most widths are padded by libswscale: the picture must still come out."""
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    view.reader("face", frame(value=200))
    qtbot.waitUntil(lambda: view.painted > 0, timeout=WAIT_MS)
    image = view._image
    assert image.width() == width // 2 * 2 or image.height() <= height
    assert image.pixelColor(image.width() - 1, image.height() - 1).red() > 100  # the last row's last pixel
    qtbot.waitUntil(lambda: not view._converting, timeout=WAIT_MS)  # the converter let go


@pytest.mark.parametrize("size", [(854, 596), (440, 120), (774, 538)])
def test_video_view_paints_at_sizes_whose_rows_are_padded(qtbot, size):
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    bgr = av.VideoFrame.from_ndarray(np.full((480, 640, 3), 90, np.uint8), format="bgr24")
    local = np.full((1080, 1920, 3), 60, np.uint8)  # a local camera's BGR frame
    for f in (frame(320, 240), bgr, local):
        before = view.converted
        view.reader("x", f)
        qtbot.waitUntil(lambda: view.converted > before, timeout=WAIT_MS)  # never stuck after a frame


def test_hidden_view_converts_nothing(qtbot):
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(320, 240)
    view.show()
    qtbot.waitExposed(view)
    view.hide()
    for _ in range(20):
        view.reader("face", frame())
    time.sleep(0.2)
    assert view.converted == 0


TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="id_ID">
<context><name>Demo</name>
<message><source>Hello</source><translation>Halo</translation></message>
<message><source>Later</source><translation type="unfinished"></translation></message>
</context>
</TS>
"""


def test_translations_build_load_and_report_what_is_unfinished(qtbot, tmp_path):
    from PySide6.QtCore import QCoreApplication

    ts = tmp_path / "demo_id.ts"
    ts.write_text(TS)
    assert i18n.problems(ts) == ["demo_id.ts: Demo: 'Later' is unfinished"]
    tr = i18n.Translations(tmp_path, "demo")
    tr.use("id")
    assert QCoreApplication.translate("Demo", "Hello") == "Halo"
    tr.use("en")
    assert QCoreApplication.translate("Demo", "Hello") == "Hello"
    with pytest.raises(FileNotFoundError, match="demo_fr.ts"):
        tr.use("fr")


WINDOW = textwrap.dedent("""
    import sys
    from PySide6.QtWidgets import QApplication, QLabel
    app = QApplication(sys.argv)
    w = QLabel("lapak on a real X display")
    w.setStyleSheet("background: #103060; color: white; font-size: 48px")
    w.resize(800, 300)
    w.show()
    from PySide6.QtCore import QTimer
    QTimer.singleShot(1500, app.quit)
    sys.exit(app.exec())
""")


def test_a_real_window_opens_on_x11_under_xvfb(tmp_path):
    why = xvfb.available()
    if why:
        pytest.skip(why)
    with xvfb.display(1024, 768) as name:
        proc = subprocess.Popen([sys.executable, "-c", WINDOW], env=xvfb.env(name), stderr=subprocess.PIPE)
        time.sleep(1.0)
        shot = xvfb.grab_root(name, tmp_path / "screen.png")
        err = proc.communicate(timeout=30)[1].decode(errors="replace")
    assert proc.returncode == 0, err  # the xcb platform plugin loaded (no "Could not load ... xcb")
    import cv2

    img = cv2.imread(str(shot))
    assert img.shape[:2] == (768, 1024)
    blue = (np.abs(img.astype(int) - (0x60, 0x30, 0x10)).sum(axis=2) < 30).mean()
    assert blue > 0.1  # the window's background is on the screen


def test_bridge_runs_the_app_on_its_own_loop_and_mirrors_views_on_the_gui_thread(qtbot, tmp_path):
    from common.loopthread import LoopThread
    from hardware.booth import open_booth_devices
    from kiosk import flow as f
    from kiosk.app import BoothApp
    from lapak.simbooth import booth_config
    from media.config import MediaConfig
    from qtview.bridge import AppBridge
    from signaling.server import SignalingServer
    from signaling.testing import branch_config, tokens_of

    config = branch_config(tmp_path / "branch.sqlite", booths=1, csos=1)
    server_loop = LoopThread("server")
    server = SignalingServer(config)
    server_loop.run(server.start())
    booth_cfg = booth_config(server.url, "booth-01", tokens_of(config)[("booth", "booth-01")], "160x120@10",
                             "320x180@5")
    bridge = AppBridge(lambda: BoothApp(booth_cfg, open_booth_devices(booth_cfg.devices, simulate=True),
                                        media_config=MediaConfig()))
    seen = []
    gui = threading.get_ident()
    bridge.view_changed.connect(lambda v: seen.append((threading.get_ident(), v)))
    try:
        bridge.start()
        assert bridge.app.loop is not None and bridge.thread.thread.ident != gui
        qtbot.waitUntil(lambda: bool(seen) and seen[-1][1].server_up, timeout=WAIT_MS)
        bridge.post(f.Start())
        qtbot.waitUntil(lambda: seen[-1][1].screen is f.Screen.PRIVACY, timeout=WAIT_MS)
        assert {t for t, _ in seen} == {gui}  # views arrive on the GUI thread
    finally:
        bridge.stop()
        server_loop.run(server.stop())
        server_loop.stop()
