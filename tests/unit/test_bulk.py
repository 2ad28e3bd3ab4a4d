"""signaling.bulk: stills sockets ask for BBR; a machine that does not allow it keeps its
default without an error. Real TCP sockets on loopback (the kernel's own answer)."""
from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest

from signaling.bulk import prefer_bulk_congestion

pytestmark = pytest.mark.skipif(not hasattr(socket, "TCP_CONGESTION"), reason="no TCP_CONGESTION on this OS")


def algorithms(name: str) -> set[str]:
    path = Path("/proc/sys/net/ipv4") / name
    return set(path.read_text().split()) if path.exists() else set()


def current(sock: socket.socket) -> bytes:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0")


def test_an_allowed_algorithm_is_used_and_a_missing_one_leaves_the_default():
    with socket.socket() as s:
        before = current(s)
        assert prefer_bulk_congestion(s, b"no-such-algorithm") is False
        assert current(s) == before
        usable = algorithms("tcp_allowed_congestion_control") | {before.decode()}
        for name in sorted(usable):
            assert prefer_bulk_congestion(s, name.encode()) is True
            assert current(s) == name.encode()
    assert prefer_bulk_congestion(None) is False
    with socket.socket(type=socket.SOCK_DGRAM) as u:
        assert prefer_bulk_congestion(u) is False


def test_works_on_the_sockets_uvloop_and_asyncio_hand_out():
    uvloop = pytest.importorskip("uvloop")
    if "bbr" not in algorithms("tcp_allowed_congestion_control") | algorithms("tcp_available_congestion_control"):
        pytest.skip("this kernel has no bbr")

    async def main() -> bytes:
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        sock = writer.transport.get_extra_info("socket")
        ok = prefer_bulk_congestion(sock)
        got = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0")
        writer.close()
        server.close()
        return got if ok else b""

    allowed = "bbr" in algorithms("tcp_allowed_congestion_control") or (
        os.geteuid() == 0 and "bbr" in algorithms("tcp_available_congestion_control"))  # root may pick any loaded
    for run in (asyncio.run, uvloop.run):
        assert run(main()) == (b"bbr" if allowed else b"")


def test_the_technicians_check_names_the_fix_when_the_machine_does_not_allow_it():
    from signaling.bulk import bulk_congestion_problem

    why = bulk_congestion_problem(b"no-such-algorithm")
    assert "cannot use no-such-algorithm" in why and "tcp_allowed_congestion_control" in why
    allowed = algorithms("tcp_allowed_congestion_control")
    if "bbr" in allowed or os.geteuid() == 0 and "bbr" in algorithms("tcp_available_congestion_control"):
        assert bulk_congestion_problem() == ""
