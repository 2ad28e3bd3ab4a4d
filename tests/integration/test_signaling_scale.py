"""What keeps the server's relay latency flat with thousands of connections (bench/scale.py
measures it): messages written at once when nothing is queued, in order with the queued ones,
and through the queue alone when websockets' internals are not what the server expects;
keepalive pings on a fixed phase per connection; the garbage collector's thresholds while a
server runs. Every test runs against a real server on loopback."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import socket
from pathlib import Path

import pytest
from websockets.asyncio.server import ServerConnection

from signaling import protocol as p
from signaling import server as server_module
from signaling.server import GC_THRESHOLDS, next_ping, writes_directly
from signaling.testing import running_server
from signaling.tls import client_context, init_ca, issue_server_cert

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


async def _slow_cso(branch, booth, booth_inbox, **kw) -> tuple[object, str]:
    """cso-01 as a raw client reading through a 4 kB receive buffer, in an active session with
    ``booth``; returns the connection and the session id."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((branch.config.listen.host, branch.server.port))
    cso = await raw_connect(branch.url, max_queue=1, sock=sock, **kw)
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


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    """A branch CA and a certificate for 127.0.0.1."""
    root = tmp_path_factory.mktemp("pki")
    init_ca(root / "ca", "Test branch")
    issue_server_cert(root / "ca", ["127.0.0.1"], root / "tls")
    return root


@pytest.mark.parametrize("tls", [False, True], ids=["ws", "wss"])
async def test_relays_arrive_in_order_whether_written_at_once_or_queued_behind_a_slow_reader(tmp_path, pki, tls):
    """The CSO stops reading: its socket fills, later relays queue behind the ones written at
    once; then it reads them all, in the order they were sent, none lost, each as it was sent
    (over plain TCP and over the branch's TLS, whose transport the direct write goes through)."""
    cert = {"cert": str(pki / "tls" / "server.pem"), "key": str(pki / "tls" / "server.key")} if tls else None
    link = {"ssl": client_context(pki / "ca" / "branch-ca.pem")} if tls else {}
    async with running_server(tmp_path / "branch.db", booths=2, max_message_bytes=2**20, tls=cert) as branch, \
            contextlib.AsyncExitStack() as stack:
        booth, bin_ = await online(branch, "booth", "booth-01", stack, **link)
        cso, sid = await _slow_cso(branch, booth, bin_, **link)
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
        texts = await _read_relays(cso, 31)  # (all relayed: the count below is final)
        assert out.queued - queued_before == 31  # every one through the queue
        assert [json.loads(t)["payload"]["n"] for t in texts] == list(range(31))
        await cso.close()
    warnings = [r for r in caplog.records if "no_such_internal" in r.getMessage()]
    assert len(warnings) == 1  # once per process, not once per connection


@pytest.mark.parametrize("due,now,interval,expected", [
    (10.0, 10.0, 5.0, 15.0),   # on time
    (10.0, 12.3, 5.0, 15.0),   # late by half an interval: still the next slot of its phase
    (10.0, 21.0, 5.0, 25.0),   # a stall longer than two intervals: the slot after it, not now
    (10.0, 15.0, 5.0, 20.0),
    (10.0, 9.9999999, 5.0, 15.0),  # woken a hair early: the next slot, not this one again
])
def test_a_late_ping_keeps_its_phase(due, now, interval, expected):
    assert next_ping(due, now, interval) == pytest.approx(expected)


async def test_devices_that_connect_together_are_pinged_each_on_its_own_phase(tmp_path, monkeypatch):
    """Four booths connect one after the other; the phases drawn for them put the last one's
    pings first: the server pings them in phase order, round after round (websockets' own
    keepalive would ping them in the order they connected)."""
    interval = 2.0
    offsets = iter([1.75, 1.25, 0.75, 0.25])  # in the order the connections arrive
    monkeypatch.setattr(server_module._jitter, "uniform", lambda a, b: next(offsets))
    pinged: list[tuple[str, int]] = []
    ping = ServerConnection.ping

    async def recording_ping(self, data=None):
        pinged.append(self.remote_address[:2])
        return await ping(self, data)

    monkeypatch.setattr(ServerConnection, "ping", recording_ping)
    async with running_server(tmp_path / "branch.db", booths=4, ping_interval=interval, ping_timeout=10) as branch:
        clients = []
        for i in range(1, 5):
            ws = await raw_connect(branch.url, ping_interval=None)
            await ws.send(hello(branch, "booth", f"booth-{i:02d}"))
            await raw_recv(ws, lambda m: m["type"] == "welcome")
            clients.append(ws)
        order = [ws.local_address[:2] for ws in reversed(clients)]

        async def rounds() -> None:
            while len(pinged) < 8:
                await asyncio.sleep(0.05)

        await asyncio.wait_for(rounds(), 2 * interval + WAIT)
        assert pinged[:8] == order + order
        for ws in clients:
            await ws.close()


async def test_a_running_server_collects_its_young_objects_less_often(tmp_path):
    before = gc.get_threshold()
    assert before != GC_THRESHOLDS
    async with running_server(tmp_path / "a.db"):
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > 700  # CPython's default collected every 700 allocations
        async with running_server(tmp_path / "b.db"):
            assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_threshold() == GC_THRESHOLDS  # the first server still runs
    assert gc.get_threshold() == before
