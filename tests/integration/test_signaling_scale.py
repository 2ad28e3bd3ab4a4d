"""What keeps the server's relay latency flat with thousands of connections (bench/scale.py
measures it): messages written at once when nothing is queued, in order with the queued ones,
and through the queue alone when websockets' internals are not what the server expects. Every
test runs against a real server on loopback."""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket

from signaling import protocol as p
from signaling import server as server_module
from signaling.server import writes_directly
from signaling.testing import running_server

from test_signaling_kit import WAIT, hello, online, raw_connect, raw_recv


async def test_this_websockets_release_lets_the_server_write_without_a_task(tmp_path):
    """Fails when a websockets release changes what the direct write reads (see WS_INTERNALS)."""
    async with running_server(tmp_path / "branch.db") as branch:
        ws = await raw_connect(branch.url)
        await ws.send(hello(branch, "booth", "booth-01"))
        await raw_recv(ws, lambda m: m["type"] == "welcome")
        (conn,) = [c for c in branch.server._server.connections]
        assert writes_directly(conn)
        await ws.close()


async def _slow_cso(branch, booth, booth_inbox) -> tuple[object, str]:
    """cso-01 as a raw client reading through a 4 kB receive buffer, in an active session with
    ``booth``; returns the connection and the session id."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((branch.config.listen.host, branch.server.port))
    cso = await raw_connect(branch.url, max_queue=1, sock=sock)
    await cso.send(hello(branch, "cso", "cso-01"))
    await raw_recv(cso, lambda m: m["type"] == "welcome")
    ack = await booth.request(p.Announce(kind="walk_in"))
    sid = ack.session.id
    await raw_recv(cso, lambda m: m["type"] == "session" and m["session"]["id"] == sid
                   and m["session"]["state"] == "offered")
    await cso.send(json.dumps({"type": "accept", "id": "a1", "session_id": sid}))
    await raw_recv(cso, lambda m: m["type"] == "ack" and m.get("ref") == "a1")
    await booth_inbox.wait(lambda m: m.type == "session" and m.session.id == sid
                           and m.session.state is p.SessionState.ACTIVE)
    return cso, sid


async def _read_relays(cso, count: int) -> list[str]:
    """The next ``count`` relayed signals, as the texts the server wrote."""
    got: list[str] = []
    while len(got) < count:
        text = await asyncio.wait_for(cso.recv(), WAIT)
        if json.loads(text)["type"] == "signal":
            got.append(text)
    return got


async def test_relays_arrive_in_order_whether_written_at_once_or_queued_behind_a_slow_reader(tmp_path):
    """The CSO stops reading: its socket fills, later relays queue behind the ones written at
    once; then it reads them all, in the order they were sent, none lost, each as it was sent."""
    async with running_server(tmp_path / "branch.db", booths=2, max_message_bytes=2**20) as branch, \
            contextlib.AsyncExitStack() as stack:
        booth, bin_ = await online(branch, "booth", "booth-01", stack)
        cso, sid = await _slow_cso(branch, booth, bin_)
        out = branch.server._out[branch.server.branch.by_device[("cso", "cso-01")]]
        assert out.direct
        queued_before = out.queued
        pad = "x" * 50_000
        for n in range(120):  # ~6 MB: far more than the socket takes
            await booth.send(p.Signal(session_id=sid, payload={"n": n, "pad": pad}))
        await booth.send_signal(sid, {"n": 120})  # acknowledged once the server has passed all on
        queued = out.queued - queued_before
        assert 0 < queued < 121  # some written at once, the rest queued behind
        texts = await _read_relays(cso, 121)
        assert [json.loads(t)["payload"]["n"] for t in texts] == list(range(121))
        assert texts[0] == p.encode(p.Relayed(session_id=sid, payload={"n": 0, "pad": pad}, sender="booth-01"))
        await cso.close()


async def test_without_the_expected_websockets_internals_every_message_goes_through_the_queue(
        tmp_path, monkeypatch, caplog):
    """A websockets release without an internal the direct write reads: the server says so once
    and delivers everything through each connection's task, in order."""
    monkeypatch.setattr(server_module, "WS_INTERNALS", server_module.WS_INTERNALS + ("no_such_internal",))
    monkeypatch.setattr(server_module, "_warned_internals", False)
    caplog.set_level(logging.WARNING, logger="signaling.server")
    async with running_server(tmp_path / "branch.db", booths=2, max_message_bytes=2**20) as branch, \
            contextlib.AsyncExitStack() as stack:
        booth, bin_ = await online(branch, "booth", "booth-01", stack)
        cso, sid = await _slow_cso(branch, booth, bin_)
        out = branch.server._out[branch.server.branch.by_device[("cso", "cso-01")]]
        assert not out.direct
        queued_before = out.queued
        for n in range(30):
            await booth.send(p.Signal(session_id=sid, payload={"n": n, "pad": "x" * 50_000}))
        await booth.send_signal(sid, {"n": 30})
        assert out.queued - queued_before == 31  # every one through the queue
        texts = await _read_relays(cso, 31)
        assert [json.loads(t)["payload"]["n"] for t in texts] == list(range(31))
        await cso.close()
    warnings = [r for r in caplog.records if "no_such_internal" in r.getMessage()]
    assert len(warnings) == 1  # once per process, not once per connection
