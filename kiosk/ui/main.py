"""`lapak kiosk --config booth.toml [--windowed] [--simulate]`: the booth's touch app.

The booth app (:class:`kiosk.app.BoothApp`: signaling client, media engine, devices, scanner,
QR reader, the visit's flow) runs on its own asyncio loop thread behind
:class:`qtview.bridge.AppBridge`; the GUI thread only paints the views and posts intents.
"""
from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from common.config import ConfigError, load
from hardware.booth import open_booth_devices
from kiosk.app import BoothApp
from kiosk.config import BoothConfig
from kiosk.ui.feeds import BoothFeeds
from kiosk.ui.window import I18N, KioskWindow, TechnicianTools
from qtview.bridge import AppBridge
from qtview.i18n import Translations

logger = logging.getLogger(__name__)


class KioskProcess:
    """The booth app and its window, built and torn down together.

    Args:
        config: the booth config.
        config_path: its file (the technician's config check reads it), or None.
        simulate: simulated devices (synthetic cameras, tone microphone, pty button, light and
            printer).
        seed: varies the simulated pictures.
        media_config: media engine limits (default: from the config).
    """

    def __init__(self, config: BoothConfig, config_path: Path | None = None, *, simulate: bool = False, seed: int = 0,
                 media_config=None) -> None:
        self.config = config
        self.bridge = AppBridge(lambda: BoothApp(config, open_booth_devices(config.devices, simulate=simulate, seed=seed),
                                                 media_config=media_config))
        self.bridge.start()
        self.feeds = BoothFeeds(self.bridge)
        self.window = KioskWindow(self.bridge.post, Translations(I18N, "kiosk"), self.feeds,
                                  TechnicianTools(config_path))
        self.bridge.view_changed.connect(self.window.render)
        if self.bridge.view is not None:
            self.window.render(self.bridge.view)

    @property
    def app(self) -> BoothApp:
        return self.bridge.app

    def close(self) -> None:
        self.feeds.close()
        self.bridge.stop()
        self.window.close()


def run(config_path: str, *, windowed: bool = False, simulate: bool = False, size: str | None = None) -> int:
    """Open the booth app; returns the exit code when the window closes.

    Args:
        config_path: the booth config file.
        windowed: a normal window (development) instead of full screen.
        simulate: simulated devices.
        size: the window's size, "WIDTHxHEIGHT" (windowed only; default 1366x768).
    """
    try:
        config = load(BoothConfig, config_path)
    except ConfigError as exc:
        print(f"lapak: {exc}", file=sys.stderr)
        return 2
    qt = QApplication.instance() or QApplication(sys.argv[:1])
    qt.setApplicationName("lapak-kiosk")
    proc = KioskProcess(config, Path(config_path), simulate=simulate)
    w = proc.window
    if windowed:
        width, height = (int(x) for x in (size or "1366x768").lower().split("x"))
        w.resize(width, height)
        w.show()
    else:
        w.showFullScreen()
    # Ctrl-C and SIGTERM close the window (Python handles signals only when it runs: a timer
    # wakes it up).
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: qt.quit())
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(250)
    try:
        return qt.exec()
    finally:
        proc.close()


def platform_note() -> str:
    """Why no window may open here ("" when a display is there)."""
    if os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return ""
    return "no display (DISPLAY is not set): use QT_QPA_PLATFORM=offscreen to run without a screen"
