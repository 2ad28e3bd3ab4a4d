"""Soak: a whole simulated branch for half an hour, watching memory and frame rates.

Usage::

    python -m bench.soak [--minutes 30] [--booths 6] [--sample 30] [--write]

The signaling server and six booth processes (``lapak.simbooth --again``: a new participant walks
in after each visit) run as in ``./dev run``; the console app runs in this process with an officer
who turns from booth to booth, asks for every document of the checklist, verifies each still and
ends the visit as complete, so sessions, calls and stills come and go all the time. Every
``--sample`` seconds it records the resident memory of every process, the focused booth's and the
grid tiles' face frame rates, the visits ended and the stills fetched.

What it reports: memory per process after the warm-up (the first fifth) and at the end, the
growth over the rest of the run as a slope (MB per 10 minutes, least squares), and the frame rates
of the first and the last third. Memory is bounded when the slope is near zero and the last
samples stay within the stated bound; frame rates have not decayed when the last third is within a
few per cent of the first.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.report import Transcript, machine
from cso_console import desk as dk
from lapak.demo import HeadlessBranch, ScriptedOfficer
from signaling.protocol import Outcome

OUT = Transcript()


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (None when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def slope_per_10min(ts: list[float], ys: list[float]) -> float:
    """Least-squares slope of ``ys`` over ``ts`` (seconds), per 10 minutes."""
    if len(ts) < 3:
        return float("nan")
    mt, my = statistics.fmean(ts), statistics.fmean(ys)
    den = sum((t - mt) ** 2 for t in ts)
    return 600 * sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / den if den else float("nan")


class ClosingOfficer(ScriptedOfficer):
    """The scripted officer who also ends each visit once every document is verified (the booth
    then wipes and a new participant walks in)."""

    def __init__(self, app, dwell: float = 6.0) -> None:
        super().__init__(app, dwell)
        self.ended = 0
        self._ending: set[str] = set()

    def step(self) -> None:
        super().step()
        for t in self.app.view.tiles:
            if (t is not None and t.session_state.value == "active" and t.checklist and not t.missing
                    and not t.busy and t.session_id not in self._ending):
                self._ending.add(t.session_id)
                self.ended += 1
                self.app.feed(dk.End(t.session_id, Outcome.COMPLETED))


@dataclass
class Sample:
    t: float
    rss: dict[str, float]
    fds: int
    focused_fps: float | None
    grid_fps: list[float] = field(default_factory=list)
    ended: int = 0
    stills: int = 0


async def soak(minutes: float, booths: int, every: float) -> list[Sample]:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    branch = HeadlessBranch(booths)
    samples: list[Sample] = []
    t0 = time.monotonic()
    try:
        await branch.start_server()
        await branch.start_console()
        await branch.start_booths(again=True)
        officer = ClosingOfficer(branch.console)
        OUT.say(f"server pid {branch.server.pid}, {booths} booth processes, console pid {os.getpid()}; "
                f"{minutes:g} min, a sample every {every:g} s")
        OUT.say(f"{'t min':>6} {'server MB':>9} {'console MB':>10} {'booths MB (max)':>15} {'fds':>5} "
                f"{'focused fps':>11} {'grid fps':>8} {'visits ended':>12} {'stills':>6}")
        next_sample = t0 + every
        while not stop.is_set() and time.monotonic() - t0 < minutes * 60:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
            officer.step()
            if time.monotonic() < next_sample:
                continue
            next_sample += every
            stats = await branch.engine.stats()
            focus = branch.engine.focus
            rss = {"server": rss_mb(branch.server.pid) or 0.0, "console": rss_mb(os.getpid()) or 0.0}
            for i, proc in enumerate(branch.procs, 1):
                rss[f"booth-{i:02d}"] = rss_mb(proc.pid) or 0.0
            fps = {sid: st.fps.get("face", 0.0) for sid, st in stats.items() if st.state == "connected"}
            s = Sample(time.monotonic() - t0, rss, open_fds(os.getpid()), fps.get(focus),
                       [v for sid, v in fps.items() if sid != focus], officer.ended,
                       sum(f.stills for f in branch.figures.values()))
            samples.append(s)
            booth_max = max(v for k, v in rss.items() if k.startswith("booth"))
            OUT.say(f"{s.t / 60:6.1f} {rss['server']:9.1f} {rss['console']:10.1f} {booth_max:15.1f} {s.fds:5d} "
                    f"{(s.focused_fps if s.focused_fps is not None else float('nan')):11.1f} "
                    f"{(statistics.fmean(s.grid_fps) if s.grid_fps else float('nan')):8.1f} {s.ended:12d} {s.stills:6d}")
            dead = [p.args for p in branch.procs if p.poll() is not None]
            if dead:
                OUT.say(f"  booth processes exited: {len(dead)}")
    finally:
        await branch.stop()
    return samples


def summary(samples: list[Sample]) -> None:
    if len(samples) < 6:
        OUT.say("too few samples for a summary")
        return
    warm = len(samples) // 5
    rest = samples[warm:]
    ts = [s.t for s in rest]
    OUT.say("")
    OUT.say(f"memory after the warm-up ({rest[0].t / 60:.1f} min) -> end ({rest[-1].t / 60:.1f} min), "
            "slope over that span, highest sample:")
    for name in samples[-1].rss:
        ys = [s.rss.get(name, 0.0) for s in rest]
        OUT.say(f"  {name:10} {ys[0]:7.1f} -> {ys[-1]:7.1f} MB  slope {slope_per_10min(ts, ys):+6.1f} MB/10 min  "
                f"max {max(ys):7.1f} MB")
    third = max(1, len(samples) // 3)
    first, last = samples[:third], samples[-third:]

    def mean(values):
        values = [v for v in values if v is not None]
        return statistics.fmean(values) if values else float("nan")

    ff, lf = mean(s.focused_fps for s in first[1:] or first), mean(s.focused_fps for s in last)
    fg, lg = mean(mean(s.grid_fps) for s in first[1:] or first), mean(mean(s.grid_fps) for s in last)
    OUT.say(f"focused face fps: first third {ff:.1f}, last third {lf:.1f}; grid tiles: {fg:.1f} -> {lg:.1f}")
    OUT.say(f"console open files {samples[0].fds} -> {samples[-1].fds}; visits ended {samples[-1].ended}, "
            f"stills fetched {samples[-1].stills}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--booths", type=int, default=6)
    ap.add_argument("--sample", type=float, default=30.0, help="seconds between samples")
    ap.add_argument("--write", action="store_true", help="put the figures into BENCHMARKS.md")
    ap.add_argument("--default-malloc", action="store_true",
                    help="leave this (the console's) process's allocator at glibc's defaults, for comparison")
    args = ap.parse_args(argv)
    if not args.default_malloc:
        from common.memory import tune_malloc

        tune_malloc()  # as `lapak console` does (the booth processes do it themselves)
    OUT.say(f"Machine: {machine()}; load average at start {os.getloadavg()[0]:.1f}")
    samples = asyncio.run(soak(args.minutes, args.booths, args.sample))
    summary(samples)
    OUT.say(f"load average at the end {os.getloadavg()[0]:.1f}")
    if args.write:
        OUT.write("Soak", f"python -m bench.soak --minutes {args.minutes:g} --booths {args.booths}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
