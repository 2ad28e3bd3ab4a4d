"""Where should the media engine's asyncio loop run in a Qt app: on the GUI thread (qasync) or in
a thread of its own (:class:`common.loopthread.LoopThread`)? Measured, not guessed.

The console app with six simulated booths (separate processes, 640x480@30 faces) runs in each
mode in turn, while the GUI thread does what a console's GUI thread does: it paints six video
tiles at 30 Hz (the newest frame of each call, converted to RGB and scaled into a QImage) and
keeps a 4 ms timer. Every 3 s the officer turns to the next booth; every 5 s a still is asked
for (captured and encoded at the booth when asked, 1920x1080 PNG, about 2 MB over the data
channel). Printed per mode: the GUI thread's stall (how late the 4 ms timer fired: p50, p99,
max), tile frames painted per second, the console process's CPU, and stills received.

    python -m bench.loops [--seconds 40] [--write]
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRect, QTimer  # noqa: E402
from PySide6.QtGui import QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from bench.report import Transcript  # noqa: E402
from common.documents import DocumentKind  # noqa: E402
from common.loopthread import LoopThread  # noqa: E402
from cso_console import desk as dk  # noqa: E402
from lapak.demo import HeadlessBranch  # noqa: E402
from media.control import CaptureMode  # noqa: E402

OUT = Transcript()
TIMER_MS = 4


class Tiles(QWidget):
    """Six tiles painted at 30 Hz from the calls' newest frames (what a console paints)."""

    def __init__(self, branch: HeadlessBranch) -> None:
        super().__init__()
        self.branch = branch
        self.resize(1280, 720)
        self.images: dict[str, QImage] = {}
        self.painted = 0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(33)

    def refresh(self) -> None:
        engine = self.branch.console.engine if self.branch.console else None
        if engine is None:
            return
        for sid, call in list(engine.calls.items()):
            frame = call.sinks["face"].take()
            if frame is None:
                continue
            rgb = frame.to_ndarray(format="rgb24")
            h, w, _ = rgb.shape
            self.images[sid] = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
            self.painted += 1
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        tw, th = self.width() // 3, self.height() // 2
        for i, img in enumerate(list(self.images.values())[:6]):
            p.drawImage(QRect((i % 3) * tw, (i // 3) * th, tw, th), img)
        p.end()


class StallMeter:
    """A 4 ms timer on the GUI thread; records how late each firing was."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setTimerType(self._timer.timerType().PreciseTimer)
        self._timer.timeout.connect(self._fire)
        self._timer.start(TIMER_MS)
        self.on = False

    def _fire(self) -> None:
        now = time.perf_counter()
        if self.on:
            self.late.append(max(0.0, (now - self._last) * 1000 - TIMER_MS))
        self._last = now


def cpu_now() -> float:
    t = os.times()
    return t.user + t.system


async def officer(branch: HeadlessBranch, seconds: float, meter: StallMeter, stills: list) -> dict:
    """Turn to the next booth every 3 s and ask for a still every 5 s, for ``seconds``."""
    app = branch.console
    ids = sorted(app.engine.calls)
    c0, t0 = cpu_now(), time.monotonic()
    meter.on = True
    turn = 0
    next_turn = next_still = t0
    while time.monotonic() - t0 < seconds:
        now = time.monotonic()
        if now >= next_turn:
            app.post(dk.Focus(ids[turn % len(ids)]))
            turn += 1
            next_turn = now + 3
        if now >= next_still:
            app.post(dk.RequestDocument(ids[turn % len(ids)], DocumentKind.KTP, CaptureMode.NOW))
            next_still = now + 5
        await asyncio.sleep(0.1)
    meter.on = False
    return {"cpu": (cpu_now() - c0) / (time.monotonic() - t0), "stills": sum(f.stills for f in branch.figures.values())}


def run_mode(mode: str, seconds: float, work: Path) -> dict:
    """One measured run: ``mode`` is "qasync" (the engine's loop is the GUI thread's) or
    "thread" (the engine's loop runs in a LoopThread)."""
    import qasync

    qt = QApplication.instance() or QApplication(sys.argv[:1])
    branch = HeadlessBranch(6, "640x480@30", "1280x720@15", workdir=Path(tempfile.mkdtemp(dir=work)), booth_nice=10)
    tiles = Tiles(branch)
    tiles.show()
    meter = StallMeter()
    stills: list = []
    result: dict = {}
    if mode == "qasync":
        loop = qasync.QEventLoop(qt)
        asyncio.set_event_loop(loop)

        async def main() -> None:
            try:
                await branch.start()
                await branch.wait_sessions(6, 90)
                await asyncio.sleep(5)
                painted0 = tiles.painted
                result.update(await officer(branch, seconds, meter, stills))
                result["painted"] = (tiles.painted - painted0) / seconds
            finally:
                await branch.stop()

        with loop:
            loop.run_until_complete(main())
    else:
        engine_loop = LoopThread("engine")
        done = {"flag": False}

        async def main() -> None:
            try:
                await branch.start()
                await branch.wait_sessions(6, 90)
                await asyncio.sleep(5)
                painted0 = tiles.painted
                result.update(await officer(branch, seconds, meter, stills))
                result["painted"] = (tiles.painted - painted0) / seconds
            finally:
                await branch.stop()
                done["flag"] = True

        future = engine_loop.submit(main())
        while not done["flag"]:
            qt.processEvents()
            time.sleep(0.001)
        future.result()
        engine_loop.stop()
    late = sorted(meter.late)
    result["stall_p50"] = statistics.median(late) if late else float("nan")
    result["stall_p99"] = late[int(0.99 * (len(late) - 1))] if late else float("nan")
    result["stall_max"] = late[-1] if late else float("nan")
    tiles.close()
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=40.0)
    ap.add_argument("--mode", choices=["qasync", "thread"], action="append")
    ap.add_argument("--write", action="store_true", help="record the output in BENCHMARKS.md")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="lapak-loops-"))
    OUT.say(f"engine loop placement, console with six booths ({os.cpu_count()} cores), {args.seconds:.0f} s each")
    OUT.say(f"  {'mode':10} {'GUI stall p50/p99/max ms':>26} {'tiles painted/s':>16} {'console cores':>14} {'stills':>7}")
    for mode in args.mode or ["qasync", "thread"]:
        r = run_mode(mode, args.seconds, work)
        OUT.say(f"  {mode:10} {r['stall_p50']:8.1f} {r['stall_p99']:8.1f} {r['stall_max']:8.1f} "
                f"{r['painted']:16.1f} {r['cpu']:14.2f} {r['stills']:7d}", flush=True)
    if args.write:
        OUT.write("Engine loop placement", "python -m bench.loops --write")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
