"""The technician screen's tools: ``lapak hw probe``, ``lapak hw test ROLE`` and ``lapak hw check``
(with the whole booth config validated first), run exactly as on the command line, in a child
process: the same output the technician knows from the terminal, and a device that hangs cannot
hang the booth screen.

Blocking: call :func:`run` from a worker thread.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TIMEOUT = 60.0
"""Seconds a tool may take (the button test waits for a press)."""


def command(what: str, config: Path | None, role: str | None = None) -> list[str]:
    """The command line of a tool.

    Args:
        what: "probe", "test" or "check".
        config: the booth config file (None: probe and test use defaults; check needs one).
        role: the device to test.
    """
    cmd = [sys.executable, "-m", "lapak", "hw", what]
    if what == "test":
        if role is None:
            raise ValueError("test needs a device role")
        cmd += [role, "--press-timeout", "10"]
    if config is not None:
        cmd += ["--config", str(config)]
    return cmd


def run(what: str, config: Path | None, role: str | None = None, timeout: float = TIMEOUT) -> str:
    """Run a tool and return what it printed (with its exit status when it failed).

    Args:
        what: "probe", "test" or "check".
        config: the booth config file.
        role: the device to test.
        timeout: seconds before the tool is stopped.
    """
    if what == "check" and config is None:
        return "no booth config file was given to this booth app: nothing to check"
    try:
        r = subprocess.run(command(what, config, role), capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"lapak hw {what}: no answer within {timeout:g} s"
    except OSError as exc:
        return f"lapak hw {what}: could not start: {exc}"
    out = (r.stdout + ("\n" + r.stderr if r.stderr.strip() else "")).strip()
    if r.returncode != 0:
        out += f"\n(exit status {r.returncode})"
    return out or "(no output)"
