"""The C allocator's settings for lapak's long-running processes.

A booth or console process keeps allocating and freeing large buffers from several threads
(video frames of several MB, PNG stills of 2-4 MB, decoder and encoder pictures). With glibc's
defaults two things let its resident memory climb for hours although nothing leaks:

- every thread that allocates gets an arena of its own (up to 8 per core), and memory freed in one
  arena is not reused by another;
- after a large block is freed, glibc raises its mmap threshold to that block's size, so the next
  stills and frames come from the heap, which fragments and is seldom given back.

Measured with ``bench/soak.py`` (three booths, nine minutes, same machine and load): a simulated
booth at 750-900 MB and climbing with the defaults, 200-300 MB with two arenas and a fixed
threshold (BENCHMARKS.md, "Soak"). Setting them with ``mallopt`` at start-up, before the process
starts its threads, has the effect of the ``MALLOC_ARENA_MAX`` and ``MALLOC_MMAP_THRESHOLD_``
environment variables without depending on how the process was launched.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
"""``mallopt`` parameters (glibc's malloc.h)."""

ARENAS = 2
MMAP_THRESHOLD = 128 * 1024
"""Blocks from 128 KiB up are mapped on their own and given back whole when freed (glibc's
starting value, kept fixed)."""


def tune_malloc() -> bool:
    """Set the allocator's arena count and mmap threshold (glibc only; elsewhere nothing).

    Returns:
        True when both settings took.
    """
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    ok = bool(mallopt(M_ARENA_MAX, ARENAS)) and bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    if not ok:
        logger.debug("mallopt refused the allocator settings")
    return ok
