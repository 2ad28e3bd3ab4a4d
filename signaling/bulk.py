"""TCP for bulk transfers (stills): a congestion control that random loss does not throttle.

Loss-based congestion control (CUBIC, Debian's default, and Reno) halves its window at every
lost packet, so on a link that drops 2 % of packets at random (a busy branch Wi-Fi) one stream
moves little more than MSS / RTT x 1.22 / sqrt(loss): about 140 kB/s at 90 ms. BBR paces by the
bandwidth and round-trip time it measures and keeps going. Linux lets any process pick BBR for
its own sockets when the branch machine allows it (``net.ipv4.tcp_allowed_congestion_control``
lists ``bbr``; a root process may pick any available one). Measured through the impairment
harness (``python -m bench.still_transport``, BENCHMARKS.md "Still transport"): 3.3 MB over four
streams at 40 ± 10 ms and 2 % loss took 0.78 s (median) with BBR and many seconds with CUBIC.
README "Configure a branch" shows how to allow it.
"""
from __future__ import annotations

import logging
import socket

logger = logging.getLogger(__name__)

BULK_CONGESTION = b"bbr"
_told = False


def prefer_bulk_congestion(sock: socket.socket | None, algorithm: bytes = BULK_CONGESTION) -> bool:
    """Ask the kernel to use ``algorithm`` on this TCP socket; True when it does. A machine that
    does not allow it keeps its default (a warning, once, names the fix; nothing breaks)."""
    global _told
    option = getattr(socket, "TCP_CONGESTION", None)
    if sock is None or option is None or sock.type != socket.SOCK_STREAM:
        return False
    try:
        if sock.getsockopt(socket.IPPROTO_TCP, option, 16).rstrip(b"\0") == algorithm:
            return True
        sock.setsockopt(socket.IPPROTO_TCP, option, algorithm)
        return True
    except OSError as exc:
        if not _told:
            _told = True
            logger.warning("stills keep TCP's default congestion control (%s is not allowed here: %s): on a "
                           "lossy link a still can take many seconds; allow it as README 'Configure a branch' "
                           "shows", algorithm.decode(), exc)
        return False


def bulk_congestion_problem(algorithm: bytes = BULK_CONGESTION) -> str:
    """Why this machine's stills connections cannot use ``algorithm`` ("" when they can), with
    the fix: for ``lapak hw check`` on a booth PC."""
    option = getattr(socket, "TCP_CONGESTION", None)
    if option is None:
        return "this system cannot choose a TCP congestion control per connection"
    with socket.socket() as sock:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, option, algorithm)
        except OSError as exc:
            name = algorithm.decode()
            return (f"stills connections cannot use {name} ({exc.strerror or exc}); on a lossy link a still can "
                    f"take many seconds: as root, echo tcp_{name} > /etc/modules-load.d/lapak.conf and add "
                    f"{name} to net.ipv4.tcp_allowed_congestion_control in /etc/sysctl.d/60-lapak.conf "
                    f"(README, Configure a branch, step 6)")
    return ""
