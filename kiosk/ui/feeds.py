"""Where the booth screens' pictures come from.

* The officer's video: the booth call's remote ``face`` sink, subscribed on the engine loop
  (:meth:`BoothFeeds.sync_officer`); on hold the views let go of it, so the last picture stays
  frozen (and the screen dims it).
* The two local previews, the participant's own face and the document tray: a
  :class:`LocalPreview` thread takes the camera's newest frame at a modest rate while a screen
  shows it, and hands it to the :class:`qtview.video.VideoView` (which converts and scales it
  off the GUI thread, newest frame only). Nothing is taken while no screen shows a preview.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from qtview.video import VideoView

logger = logging.getLogger(__name__)


def _grab(camera) -> Any:
    """The camera's newest BGR frame (synthetic cameras: ``latest_frame``; OpenCV cameras:
    ``latest``), or None."""
    for name in ("latest_frame", "latest"):
        fn = getattr(camera, name, None)
        if fn is not None:
            return fn()
    return None


class LocalPreview:
    """Feeds a camera's newest frames to video views, in a thread of its own, while on.

    Args:
        camera: a booth camera (``latest_frame()`` or ``latest()`` gives BGR).
        name: the preview's name (for logs and counters).
        fps: frames taken per second at most.
    """

    def __init__(self, camera, name: str, fps: float = 15.0) -> None:
        self.camera = camera
        self.name = name
        self.interval = 1.0 / fps
        self.views: list[VideoView] = []
        self.taken = 0
        """Frames handed to the views."""
        self._on = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"preview-{name}", daemon=True)
        self._thread.start()

    def set_on(self, on: bool) -> None:
        """Start or stop taking frames."""
        if on:
            self._on.set()
        else:
            self._on.clear()

    @property
    def on(self) -> bool:
        return self._on.is_set()

    def close(self) -> None:
        self._closed = True
        self._on.set()
        self._thread.join(2.0)

    def _run(self) -> None:
        while True:
            self._on.wait()
            if self._closed:
                return
            started = time.monotonic()
            try:
                img = _grab(self.camera)
            except Exception:  # a failing camera must not end the preview thread
                logger.debug("preview %s: no frame", self.name, exc_info=True)
                img = None
            if img is not None and self._on.is_set():
                h, w = img.shape[:2]
                for view in self.views:  # (the views convert it off this thread, newest only)
                    if hasattr(view, "source_size"):
                        view.source_size = (w, h)
                    view.reader(self.name, img)
                self.taken += 1
            pause = self.interval - (time.monotonic() - started)
            if pause > 0:
                time.sleep(pause)


class BoothFeeds:
    """The booth app's pictures for the screens: the officer's video and the two previews.

    Args:
        bridge: the :class:`qtview.bridge.AppBridge` running the :class:`kiosk.app.BoothApp`.
        preview_fps: local previews' frame rate.
    """

    def __init__(self, bridge, preview_fps: float = 15.0) -> None:
        self.bridge = bridge
        app = bridge.app
        devices = app.devices
        self.face = LocalPreview(devices.face, "self", min(preview_fps, getattr(devices.face, "fps", 30) or 30)) \
            if devices.face is not None else None
        self.document = LocalPreview(devices.document, "tray",
                                     min(preview_fps, getattr(devices.document, "fps", 15) or 15)) \
            if devices.document is not None else None
        self.officer_views: list[VideoView] = []
        self._sink = None  # the subscribed sink (engine loop only)
        self._want: bool | None = None

    def add_officer_view(self, view: VideoView) -> None:
        self.officer_views.append(view)

    def sync_officer(self, live: bool) -> None:
        """Show the officer's live video (``live``) or let go of it (the last picture stays).
        Called on the GUI thread with every view of a call: the call may start after its first
        view."""
        if not live and self._want is False:
            return
        self._want = live
        self.bridge.call(self._sync_on_loop, live)

    def _sync_on_loop(self, live: bool) -> None:
        app = self.bridge.app
        call = app.engine.current if (live and app is not None) else None
        sink = call.sinks["face"] if call is not None else None
        if sink is self._sink:
            return
        for v in self.officer_views:
            v.detach()
        self._sink = sink
        if sink is not None:
            for v in self.officer_views:
                v.attach(sink.subscribe)

    def close(self) -> None:
        for p in (self.face, self.document):
            if p is not None:
                p.close()
