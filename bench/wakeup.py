"""What one event-loop wake-up costs on this machine, with the CPUs idle and with them busy.

Run: ``.venv/bin/python -m bench.wakeup [--write]`` (about 40 s).

An asyncio task sleeps and wakes N times a second, doing nothing else; the process's own CPU
time (``os.times`` and the scheduler's ``/proc/self/schedstat``) is divided by the wake-ups.
Then the same with one ``SCHED_IDLE`` busy loop per core, which keeps the CPUs out of their
idle state without taking time from anything else (the user-space equivalent of booting with
``idle=poll``).

Why it matters here: on a virtual machine, a CPU that goes idle halts and leaves the
hypervisor; the wake-up that follows is charged to the woken thread. A console that is
lightly loaded (per-tile quality) idles between packets more often than a busy one (the
naive console), so it pays that charge more often per unit of work. :mod:`bench.media`
reports console CPU as measured, charge included.

Figures only, no assertions.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time

from bench.report import Transcript

OUT = Transcript()
RATES = (50, 100, 500, 1000)
SECONDS = 4.0


def sched_seconds() -> float:
    with open("/proc/self/schedstat") as f:
        return int(f.read().split()[0]) / 1e9


async def ticker(hz: float) -> None:
    loop = asyncio.get_running_loop()
    due = loop.time()
    while True:
        due += 1 / hz
        await asyncio.sleep(max(0.0, due - loop.time()))


async def measure(hz: float) -> tuple[float, float]:
    """(us per wake-up by os.times, by schedstat) at ``hz`` wake-ups a second."""
    task = asyncio.ensure_future(ticker(hz))
    await asyncio.sleep(0.5)
    t = os.times()
    c0, s0, w0 = t.user + t.system, sched_seconds(), time.monotonic()
    await asyncio.sleep(SECONDS)
    t = os.times()
    n = hz * (time.monotonic() - w0)
    task.cancel()
    return (t.user + t.system - c0) / n * 1e6, (sched_seconds() - s0) / n * 1e6


def spinners() -> list[subprocess.Popen]:
    """One SCHED_IDLE busy loop per core."""
    code = "import os; os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))\nwhile True: pass"
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(os.cpu_count() or 1)]


async def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--write", action="store_true", help="record the figures in BENCHMARKS.md")
    args = ap.parse_args(argv)
    OUT.say(f"event-loop wake-up cost, {os.cpu_count()} cores, {SECONDS:.0f} s per rate")
    OUT.say(f"  {'wake-ups/s':>10}  {'CPUs idle: us/wake-up':>24}  {'CPUs busy (SCHED_IDLE loops)':>30}")
    OUT.say(f"  {'':>10}  {'os.times':>11} {'schedstat':>12}  {'os.times':>15} {'schedstat':>14}")
    idle = {hz: await measure(hz) for hz in RATES}
    procs = spinners()
    try:
        await asyncio.sleep(0.5)
        busy = {hz: await measure(hz) for hz in RATES}
    finally:
        for p in procs:
            p.kill()
            p.wait()
    for hz in RATES:
        OUT.say(f"  {hz:>10}  {idle[hz][0]:>11.0f} {idle[hz][1]:>12.0f}  {busy[hz][0]:>15.0f} {busy[hz][1]:>14.0f}")
    if args.write:
        OUT.write("wakeup", ".venv/bin/python -m bench.wakeup --write")


if __name__ == "__main__":
    asyncio.run(main())
