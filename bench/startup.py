"""Start-up of `lapak signaling --help` on the branch server: time and memory, this tree against
an older commit in the same run (the older one from a temporary git worktree, same interpreter).

    python -m bench.startup [--against REV] [--runs 15] [--write]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import Transcript

ROOT = Path(__file__).resolve().parents[1]
OUT = Transcript()


def measure(tree: Path, runs: int) -> tuple[float, float, int]:
    """Median and p90 wall time (s) and the largest RSS (KB) of `python -m lapak signaling --help`."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lapak", "signaling", "--help"], cwd=tree, check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    times.sort()
    # peak RSS of one run, measured by a fresh parent (RUSAGE_CHILDREN keeps the largest child ever)
    runner = ("import resource, subprocess, sys\nsubprocess.run([sys.executable, '-m', 'lapak', 'signaling', "
              "'--help'], stdout=subprocess.DEVNULL, check=True)\n"
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    rss = int(subprocess.run([sys.executable, "-c", runner], cwd=tree, capture_output=True, text=True,
                             check=True).stdout)
    return statistics.median(times), times[int(0.9 * (len(times) - 1))], rss


def loaded(tree: Path) -> list[str]:
    probe = ("import runpy, sys\nsys.argv=['lapak','signaling','--help']\ntry: runpy.run_module('lapak', "
             "run_name='__main__')\nexcept SystemExit: pass\nprint(sorted(m for m in ('aiortc','av','cv2','serial',"
             "'numpy','PySide6') if m in sys.modules), file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", probe], cwd=tree, capture_output=True, text=True)
    return r.stderr.strip().splitlines()[-1:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--against", default="6acd21a", help="older commit to compare with (default: before P4)")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lapak-startup-") as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.against], check=True,
                       capture_output=True)
        try:
            OUT.say(f"`lapak signaling --help`, {args.runs} runs each (median / p90 seconds, peak RSS)")
            for label, tree in ((f"before ({args.against})", old), ("now", ROOT)):
                med, p90, rss = measure(tree, args.runs)
                OUT.say(f"  {label:22} {med:.3f} / {p90:.3f} s   {rss / 1024:.0f} MB   loads {loaded(tree)[0]}")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], capture_output=True)
    if args.write:
        OUT.write("Server start-up", "python -m bench.startup --write")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
