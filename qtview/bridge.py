"""The one thread-safe bridge between a Qt GUI and an app's engine loop.

The app (:class:`kiosk.app.BoothApp`, :class:`cso_console.app.ConsoleApp`) runs on an asyncio
loop in a thread of its own (:class:`common.loopthread.LoopThread`; ``bench/loops.py`` measured
why). Views come to the GUI thread as a Qt signal carrying the newest immutable snapshot (views
that arrive faster than the GUI takes them are coalesced: only the newest is delivered);
intents go the other way with :meth:`AppBridge.post`.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Awaitable, Callable

from PySide6.QtCore import QObject, Signal, Slot

from common.loopthread import LoopThread

logger = logging.getLogger(__name__)


class AppBridge(QObject):
    """Runs an app on its own loop thread and mirrors its views into the GUI thread.

    Args:
        make_app: builds the app (called on the loop thread, so its asyncio objects belong to
            that loop).
        parent: the Qt parent.

    Signals:
        view_changed(object): the newest view, on the GUI thread.
    """

    view_changed = Signal(object)
    _kick = Signal()

    def __init__(self, make_app: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._make_app = make_app
        self.thread = LoopThread("lapak-engine")
        self.app: Any = None
        self._latest: Any = None
        self._lock = threading.Lock()
        self._pending = False
        self._kick.connect(self._deliver)

    def start(self, timeout: float = 30.0) -> Any:
        """Build and start the app on its loop; returns the app."""

        async def boot() -> Any:
            app = self._make_app()
            await app.start()
            app.on_view(self._from_loop)
            return app

        self.app = self.thread.run(boot(), timeout)
        return self.app

    def _from_loop(self, view: Any) -> None:
        with self._lock:
            self._latest = view
            if self._pending:
                return  # the GUI has not taken the last one yet: it will get this one instead
            self._pending = True
        self._kick.emit()  # queued into the GUI thread (the bridge lives there)

    @Slot()
    def _deliver(self) -> None:
        with self._lock:
            view, self._pending = self._latest, False
        self.view_changed.emit(view)

    @property
    def view(self) -> Any:
        """The newest view the app published."""
        return self._latest

    def post(self, intent: Any) -> None:
        """Hand the app an intent (from the GUI thread)."""
        if self.app is not None:
            self.app.post(intent)

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the engine loop (e.g. subscribe a video view to a sink)."""
        self.thread.call(fn, *args)

    def run(self, coro: Awaitable, timeout: float | None = 30.0) -> Any:
        """Run a coroutine on the engine loop and wait for it (never from the loop itself)."""
        return self.thread.run(coro, timeout)

    def stop(self, timeout: float = 15.0) -> None:
        """Close the app and stop its loop thread."""
        if self.app is not None:
            try:
                self.thread.run(self.app.close(), timeout)
            except Exception:
                logger.exception("closing the app failed")
            self.app = None
        self.thread.stop()
