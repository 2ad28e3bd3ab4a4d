"""Where the booth screens' pictures come from.

* The officer's video: the booth call's remote ``face`` sink, subscribed on the engine loop
  (:meth:`BoothFeeds.sync_officer`); on hold the views let go of it, so the last picture stays
  frozen (and the screen dims it).
* The two local previews, the participant's own face and the document tray: a
  :class:`qtview.preview.LocalPreview` thread takes the camera's newest frame at a modest rate while a screen
  shows it, and hands it to the :class:`qtview.video.VideoView` (which converts and scales it
  off the GUI thread, newest frame only). Nothing is taken while no screen shows a preview.
"""
from __future__ import annotations

from qtview.preview import LocalPreview
from qtview.video import VideoView


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
