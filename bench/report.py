"""Shared by the benchmarks: machine description and writing figures into BENCHMARKS.md.

Each benchmark owns one section of BENCHMARKS.md between ``<!-- bench:NAME -->`` and
``<!-- /bench:NAME -->``; a run replaces only its own section, so figures stay next to the
command that reproduces them.
"""
from __future__ import annotations

import os
import platform
import re
import subprocess
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"


def machine() -> str:
    """One line naming this machine: CPU model, cores, memory, Python, date."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines()
                          if l.startswith("MemTotal")).split()[1])
        mem = f"{mem_kb / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        mem = "? GiB"
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             cwd=BENCHMARKS.parent, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        rev = "?"
    return (f"{cpu}, {os.cpu_count()} cores, {mem}, Python {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d')}, commit {rev or '?'}")


def table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table."""
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def write_section(name: str, body: str) -> None:
    """Replace (or append) the ``name`` section of BENCHMARKS.md with ``body``.

    Args:
        name: section key, e.g. "signaling".
        body: Markdown: what was run, on which machine, the figures.
    """
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    BENCHMARKS.write_text(text)


class Transcript:
    """What a benchmark printed, kept so ``--write`` can put it into BENCHMARKS.md verbatim."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def say(self, text: str = "", flush: bool = True) -> None:
        """Print one line and keep it."""
        print(text, flush=flush)
        self.lines.append(text)

    def write(self, name: str, command: str) -> None:
        """Record the transcript as section ``name`` of BENCHMARKS.md.

        Args:
            name: section key.
            command: the command that reproduces it.
        """
        write_section(name, f"Machine: {machine()}\n\n`{command}`\n\n```\n" + "\n".join(self.lines) + "\n```")
