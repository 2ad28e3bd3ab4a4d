"""A worker thread that does one step at a steady pace while switched on, and nothing while off.

Shared by the booth's QR reader (:class:`hardware.scanning.QrReader`) and the local camera previews
(:class:`qtview.preview.LocalPreview`): both take a camera's newest frame a few times a second in a
thread of their own, so neither the GUI thread nor the event loop waits on a camera.
"""
from __future__ import annotations

import threading
import time


class PacedWorker:
    """Calls :meth:`_step` at most once per ``interval`` seconds in a daemon thread, while on.

    A subclass sets up what its step needs, then calls ``super().__init__`` (which starts the
    thread, off) and implements ``_step``; a step must not raise.
    """

    def __init__(self, interval: float, name: str) -> None:
        self.interval = interval
        self._on = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def on(self) -> bool:
        return self._on.is_set()

    def set_on(self, on: bool) -> None:
        """Start or stop the steps (a step under way finishes)."""
        if on:
            self._on.set()
        else:
            self._on.clear()

    def close(self) -> None:
        """Stop the thread (waits up to 2 s for a step under way)."""
        self._closed = True
        self._on.set()
        self._thread.join(2.0)

    def _step(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while True:
            self._on.wait()
            if self._closed:
                return
            started = time.monotonic()
            self._step()
            pause = self.interval - (time.monotonic() - started)
            if pause > 0:
                time.sleep(pause)
