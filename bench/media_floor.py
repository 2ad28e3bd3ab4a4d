"""Where the console's CPU goes: six booth calls, media turned on one piece at a time.

Run: ``.venv/bin/python -m bench.media_floor [--seconds 12] [--nice 10]`` (about 3 minutes).

Same branch as :mod:`bench.media` (signaling server and six booth processes with 640x480@30
face cameras, each its own OS process; the console engine in this process). Each step adds
one thing to the previous one and measures the console process's CPU time (user+system,
``os.times``) over a fixed window after a settle time, split by thread
(``/proc/self/task``: the event loop, aiortc's decoder threads, the executor that encodes):

1. six calls, no media: data channel + heartbeat only (the fixed floor of six peer connections)
2. + grid faces (five booths, 320 wide @10)
3. + focused face (640x480@30)
4. + focused audio in
5. + focused document view (sent only while a document is wanted; forced on here)
6. + CSO camera and microphone out to the focused booth (a second branch: the CSO tracks
   are part of the console's media); 6' the same without a document wanted (what
   :mod:`bench.media` measures)
7. naive, same branch as 6: all six faces 640x480@30 + all six audio, doc as per-tile.

Stamps (the latency instrument) are not read during these windows.

Figures only, no assertions.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from bench.report import Transcript
from lapak.demo import HeadlessBranch
from media.control import TrackQuality
from media.quality import QualityPolicy

OUT = Transcript()

TICK = os.sysconf("SC_CLK_TCK")


def _ticks(path: str) -> int:
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15)


def thread_cpu() -> dict[str, float]:
    """CPU seconds per thread group of this process (by Python thread name)."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    out: dict[str, float] = defaultdict(float)
    for tid in os.listdir("/proc/self/task"):
        try:
            secs = _ticks(f"/proc/self/task/{tid}/stat") / TICK
        except OSError:
            continue
        name = names.get(int(tid))
        if name is None:
            with open(f"/proc/self/task/{tid}/comm") as f:
                name = f"native:{f.read().strip()}"
        if name == "MainThread":
            name = "event loop"
        elif name.startswith("ThreadPoolExecutor"):
            name = "executor (encode, to_thread)"
        out[name] += secs
    return out


def proc_cpu(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            total += _ticks(f"/proc/{pid}/stat")
        except OSError:
            pass
    return total / TICK


def cpu_now() -> float:
    t = os.times()
    return t.user + t.system


async def measure(branch: HeadlessBranch, seconds: float) -> dict:
    """Console CPU (cores) over ``seconds``, per thread group, and the booths' CPU."""
    booths = [p.pid for p in branch.procs]
    await branch.engine.stats()  # starts the bitrate interval
    c0, th0, b0, t0 = cpu_now(), thread_cpu(), proc_cpu(booths), time.monotonic()
    s0 = {sid: {k: s.counter.total for k, s in sess.sinks.items()} for sid, sess in branch.engine.calls.items()}
    await asyncio.sleep(seconds)
    dt = time.monotonic() - t0
    th1 = thread_cpu()
    threads = {k: (th1[k] - th0.get(k, 0.0)) / dt for k in th1}
    frames = defaultdict(float)
    for sid, sess in branch.engine.calls.items():
        for k, s in sess.sinks.items():
            frames[k] += (s.counter.total - s0.get(sid, {}).get(k, 0)) / dt
    stats = await branch.engine.stats()
    kbps = sum(st.bitrate_kbps for st in stats.values())
    return {"kbps": kbps, "cpu": (cpu_now() - c0) / dt, "threads": threads, "booths": (proc_cpu(booths) - b0) / dt,
            "frames": dict(frames)}


def show(label: str, m: dict, prev: float | None) -> None:
    delta = "" if prev is None else f"{m['cpu'] - prev:+.3f}"
    fr = " ".join(f"{k} {v:.0f}/s" for k, v in m["frames"].items() if v)
    OUT.say(f"  {label:44} {m['cpu']:6.3f} {delta:>7}   booths {m['booths']:4.2f}   in {m['kbps']:5.0f} kbit/s   {fr}",
          flush=True)
    groups = defaultdict(float)
    for k, v in m["threads"].items():
        groups[k] += v
    OUT.say("      " + ", ".join(f"{k} {v:.3f}" for k, v in sorted(groups.items(), key=lambda kv: -kv[1]) if v >= 0.002),
          flush=True)


async def run_steps(steps, cso_camera, seconds: float, settle: float, nice: int, work: Path,
                    prev: float | None = None) -> list[tuple[str, dict]]:
    branch = HeadlessBranch(6, "640x480@30", "1280x720@15", cso_camera=cso_camera,
                            workdir=Path(tempfile.mkdtemp(dir=work)), booth_nice=nice)
    out = []
    try:
        await branch.start()
        await branch.wait_sessions(6, 90)
        for f in branch.figures.values():
            f.record = False
        ids = sorted(branch.engine.calls)
        for label, policy, doc in steps:
            branch.engine.policy = policy
            branch.engine.show_document(ids[0], doc)
            branch.engine.set_focus(ids[0])  # the engine directly: this measures the engine alone
            await asyncio.sleep(settle)
            m = await measure(branch, seconds)
            show(label, m, prev)
            prev = m["cpu"]
            out.append((label, m))
    finally:
        await branch.stop()
    return out


async def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=12.0, help="measuring window per step")
    ap.add_argument("--settle", type=float, default=4.0, help="seconds after each change before measuring")
    ap.add_argument("--nice", type=int, default=10, help="niceness added to the booth processes")
    ap.add_argument("--write", action="store_true", help="record the figures in BENCHMARKS.md")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="lapak-floor-"))
    base = QualityPolicy()
    none = QualityPolicy(focused_face=None, grid_face=None, focused_document=None, focused_audio=False)
    naive_face = TrackQuality(width=640, height=480, fps=30)
    naive = QualityPolicy(focused_face=naive_face, grid_face=naive_face, grid_audio=True)
    OUT.say(f"console CPU breakdown, six booths, {os.cpu_count()} cores, booths at nice +{args.nice}, "
          f"{args.seconds:.0f} s windows")
    OUT.say(f"  {'step':44} {'cores':>6} {'delta':>7}")
    steps = [
        ("1 six calls, no media (dc + heartbeat)", none, False),
        ("2 + grid faces", QualityPolicy(focused_face=None, focused_document=None, focused_audio=False), False),
        ("3 + focused face", QualityPolicy(focused_document=None, focused_audio=False), False),
        ("4 + focused audio in", base, False),
        ("5 + focused document view (while wanted)", base, True),
    ]
    done = await run_steps(steps, None, args.seconds, args.settle, args.nice, work)
    await run_steps([("6 + CSO camera/mic out (doc view wanted)", base, True),
                     ("6' per-tile as in bench.media (no doc wanted)", base, False),
                     ("7 naive (6x640x480@30 + audio, no doc wanted)", naive, False)],
                    (320, 240, 15), args.seconds, args.settle, args.nice, work, prev=done[-1][1]["cpu"])
    if args.write:
        OUT.write("media_floor", ".venv/bin/python -m bench.media_floor --write")


if __name__ == "__main__":
    asyncio.run(main())
