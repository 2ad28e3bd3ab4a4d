"""A virtual X display (Xvfb) for starting the apps as real windows in tests and screenshots."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterator


def available() -> str | None:
    """Why Xvfb cannot run here, or None when it can."""
    if shutil.which("Xvfb") is None:
        return "Xvfb is not installed (Debian package xvfb; ./dev installs it)"
    return None


@contextlib.contextmanager
def display(width: int = 1920, height: int = 1080, depth: int = 24) -> Iterator[str]:
    """Start Xvfb on a free display number; yields its name (":N") and stops it afterwards.

    Raises:
        RuntimeError: Xvfb is missing or did not start.
    """
    why = available()
    if why:
        raise RuntimeError(why)
    for number in range(90, 130):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    else:
        raise RuntimeError("no free X display number between :90 and :129")
    name = f":{number}"
    proc = subprocess.Popen(["Xvfb", name, "-screen", "0", f"{width}x{height}x{depth}", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode(errors="replace") if proc.poll() is not None else "timeout"
                raise RuntimeError(f"Xvfb {name} did not start: {err[-300:]}")
            time.sleep(0.05)
        yield name
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)
        if proc.poll() is None:
            proc.kill()


def xwd_to_bgr(data: bytes):
    """Decode an ``xwd`` dump of a 24/32-bit TrueColor screen to a BGR numpy image."""
    import struct

    import numpy as np

    fields = struct.unpack(">25I", data[:100])
    header_size, _version, _format, _depth, width, height = fields[:6]
    byte_order, bits_per_pixel, bytes_per_line = fields[7], fields[11], fields[12]
    ncolors = fields[19]
    if bits_per_pixel not in (24, 32):
        raise ValueError(f"xwd dump has {bits_per_pixel} bits per pixel; only 24 and 32 are read here")
    size = bits_per_pixel // 8
    start = header_size + 12 * ncolors
    rows = np.frombuffer(data, np.uint8, count=bytes_per_line * height, offset=start).reshape(height, bytes_per_line)
    pixels = rows[:, : width * size].reshape(height, width, size)
    if byte_order == 1:  # MSBFirst: (x)RGB
        return np.ascontiguousarray(pixels[:, :, [size - 1, size - 2, size - 3]])
    return np.ascontiguousarray(pixels[:, :, :3])  # LSBFirst: BGR(x)


def grab_root(display_name: str, path: Path) -> Path:
    """Save what the whole virtual screen shows as a PNG (``xwd``, decoded here)."""
    import cv2

    dump = subprocess.run(["xwd", "-root", "-silent", "-display", display_name], capture_output=True,
                          check=True).stdout
    if not cv2.imwrite(str(path), xwd_to_bgr(dump)):
        raise RuntimeError(f"could not write {path}")
    return path


def env(display_name: str) -> dict[str, str]:
    """The environment of a program drawing on ``display_name`` (the xcb platform)."""
    e = dict(os.environ)
    e["DISPLAY"] = display_name
    e["QT_QPA_PLATFORM"] = "xcb"
    return e
