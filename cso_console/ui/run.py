"""The console process: a QApplication on the main thread, :class:`cso_console.app.ConsoleApp` on
its engine thread (:class:`qtview.bridge.AppBridge`), the window, the translations.

``lapak console --config config/console-01.toml`` runs :func:`main`; the demo and the tests use
:func:`open_console`.
"""
from __future__ import annotations

import logging
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from cso_console.app import ConsoleApp
from cso_console.config import ConsoleConfig
from cso_console.ui.window import ConsoleWindow
from media.config import MediaConfig
from media.control import TrackQuality
from media.engine import CsoMedia
from media.quality import QualityPolicy
from qtview.bridge import AppBridge
from qtview.i18n import Translations

logger = logging.getLogger(__name__)

I18N = Path(__file__).resolve().parents[1] / "i18n"
"""Where ``console_<lang>.ts`` lives."""


def officer_media(config: ConsoleConfig, simulate: bool = False) -> CsoMedia:
    """The officer's camera (``[camera]``, or a test pattern when simulating), microphone and
    loudspeaker (``[microphone]``, ``[speaker]``: :func:`cso_console.officer.officer_audio`)."""
    from cso_console.officer import officer_audio
    from hardware.camera import OpenCVCamera
    from hardware.synthetic import SyntheticFaceCamera

    cam = config.camera
    if not cam.enabled:
        face = None
    elif simulate or cam.source == "synthetic":
        face = SyntheticFaceCamera(cam.width // 2 * 2, cam.height // 2 * 2, cam.fps, seed=99)
    else:
        face = OpenCVCamera(cam.device, cam.width, cam.height, cam.fps)
    return CsoMedia(face=face, **officer_audio(config, simulate))


@dataclass
class Console:
    """A running console: the bridge to its app, its window, its translations."""

    bridge: AppBridge
    window: ConsoleWindow
    translations: Translations

    @property
    def app(self) -> ConsoleApp:
        return self.bridge.app

    def close(self) -> None:
        """Close the window and stop the app (its booths go on hold at the server)."""
        self.window.ask_before_closing = False
        self.window.close()
        self.window.show_own_camera(None, stop=True)
        self.bridge.stop()


def open_console(config: ConsoleConfig, *, simulate: bool = False, media: Callable[[], CsoMedia] | None = None,
                 media_config: MediaConfig | None = None, policy: QualityPolicy | None = None,
                 cso_quality: TrackQuality | None = None, language: str | None = None,
                 show: bool = True) -> Console:
    """Start a console in this process (a QApplication must exist).

    Args:
        config: the console's config.
        simulate: a test-pattern camera and a tone for the officer.
        media: builds the officer's media instead (called on the engine thread).
        media_config: media engine limits.
        policy: per-tile quality policy.
        cso_quality: the officer's camera quality at the focused booth.
        language: the console's language (default: ``[cso] language``).
        show: show the window.
    """
    translations = Translations(I18N, "console")
    translations.use(language or config.cso.language.value)

    def make() -> ConsoleApp:
        m = media() if media is not None else officer_media(config, simulate)
        return ConsoleApp(config, m, media_config=media_config or MediaConfig(**config.ice.media_options()),
                          policy=policy, cso_quality=cso_quality)

    bridge = AppBridge(make)
    window = ConsoleWindow(bridge, config, translations)
    bridge.start()
    window.render(bridge.view)
    window.show_own_camera(bridge.app.engine.media.face)
    if show:
        window.show()
    return Console(bridge, window, translations)


def main(config: ConsoleConfig, *, simulate: bool = False, fullscreen: bool = False,
         language: str | None = None) -> int:
    """Run the console until its window closes (or SIGINT/SIGTERM).

    Args:
        config: the console's config.
        simulate: a test-pattern camera and a tone for the officer.
        fullscreen: fill the screen.
        language: the console's language (default: ``[cso] language``).
    """
    qt = QApplication.instance() or QApplication(sys.argv[:1])
    qt.setApplicationName("lapak console")
    console = open_console(config, simulate=simulate, language=language, show=False)
    console.window.ask_before_closing = True
    if fullscreen:
        console.window.showFullScreen()
    else:
        console.window.showMaximized()

    def stop(*_args) -> None:
        console.window.ask_before_closing = False
        console.window.close()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    wake = QTimer()
    wake.timeout.connect(lambda: None)  # lets Python run its signal handlers while Qt waits
    wake.start(250)
    try:
        return qt.exec()
    finally:
        console.bridge.stop()
