"""An asyncio event loop in a thread of its own, for apps whose main thread belongs to a GUI.

The media engines and the signaling client run on this loop; the GUI thread talks to them only
through :meth:`LoopThread.call` (fire and forget) and :meth:`LoopThread.submit` (a coroutine,
answered by a ``concurrent.futures.Future``). What comes back goes through the app's own
thread-safe callbacks (the Qt layer turns them into queued signals).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from typing import Any, Awaitable, Callable, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")


class LoopThread:
    """Runs an asyncio loop in a daemon thread until :meth:`stop`.

    Args:
        name: the thread's name.
    """

    def __init__(self, name: str = "lapak-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self._ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        try:
            self.loop.run_forever()
        finally:
            pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
            for t in pending:
                t.cancel()
            if pending:
                self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.close()

    @property
    def thread(self) -> threading.Thread:
        """The loop's thread."""
        return self._thread

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the loop soon (from any thread)."""
        self.loop.call_soon_threadsafe(fn, *args)

    def submit(self, coro: Awaitable[T]) -> "concurrent.futures.Future[T]":
        """Run a coroutine on the loop (from any thread); returns its future."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Awaitable[T], timeout: float | None = None) -> T:
        """Run a coroutine on the loop and wait for its result (never from the loop's thread)."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("LoopThread.run would wait for itself; await the coroutine instead")
        return self.submit(coro).result(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loop (cancelling what still runs) and join the thread."""
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)
