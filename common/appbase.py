"""What the booth app and the console app share: a set of tasks on one asyncio loop, inputs
from any thread, and views handed to whoever listens.

The app's core (:class:`kiosk.flow.BoothFlow`, :class:`cso_console.desk.Desk`) is pure; the app
feeds it on its loop (:meth:`AppBase.feed`), carries out its commands (:meth:`AppBase._do`) and
publishes its view when it changed.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Generic, TypeVar

logger = logging.getLogger(__name__)
V = TypeVar("V")


class AppBase(Generic[V]):
    """The plumbing of an app built on a pure core (subclasses give ``_handle``, ``_do``, ``_view``)."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task] = set()
        self._view_listeners: list[Callable[[V], None]] = []
        self._input_listeners: list[Callable[[Any], None]] = []
        self._command_listeners: list[Callable[[Any], None]] = []
        self._last_view: V | None = None
        self._closed = False

    # -- what subclasses give

    def _handle(self, event: Any) -> list[Any]:
        """Hand an input to the core; returns its commands."""
        raise NotImplementedError

    def _do(self, command: Any) -> None:
        """Carry out one command of the core."""
        raise NotImplementedError

    def _view(self) -> V:
        """The core's view now."""
        raise NotImplementedError

    # -- tasks

    def _spawn(self, coro: Awaitable) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s task failed", type(self).__name__, exc_info=task.exception())

    def _cancel_tasks(self) -> None:
        self._closed = True
        for t in list(self._tasks):
            t.cancel()

    # -- inputs and views

    @property
    def view(self) -> V:
        """The current view."""
        return self._view()

    def on_view(self, listener: Callable[[V], None]) -> None:
        """Call ``listener`` (on the app's loop) with every changed view, and now with the current."""
        self._view_listeners.append(listener)
        listener(self._view())

    def on_input(self, listener: Callable[[Any], None]) -> None:
        """Call ``listener`` with every input the core gets (a demo or a benchmark watches them)."""
        self._input_listeners.append(listener)

    def on_command(self, listener: Callable[[Any], None]) -> None:
        """Call ``listener`` with every command the core gives."""
        self._command_listeners.append(listener)

    def post(self, event: Any) -> None:
        """Hand the core an input from any thread (a UI intent, a device event)."""
        if self.loop is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        self.loop.call_soon_threadsafe(self.feed, event)

    def _from_thread(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn(*args)`` on the app's loop, from a worker thread (ignored once closed)."""
        loop = self.loop
        if loop is not None and not self._closed and not loop.is_closed():
            loop.call_soon_threadsafe(fn, *args)

    def feed(self, event: Any) -> None:
        """Hand the core an input on the app's loop, carry out its commands, publish its view."""
        if self._closed:
            return
        for listener in self._input_listeners:
            listener(event)
        for command in self._handle(event):
            for listener in self._command_listeners:
                listener(command)
            try:
                self._do(command)
            except Exception:
                logger.exception("%s: command %r failed", type(self).__name__, command)
        view = self._view()
        if view != self._last_view:
            self._last_view = view
            for listener in self._view_listeners:
                try:
                    listener(view)
                except Exception:
                    logger.exception("view listener failed")
