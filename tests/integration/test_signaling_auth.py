"""Authentication, replacement and presence against a real server on a loopback port."""
from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os

import pytest

from signaling import protocol as p
from signaling.client import ClientState
from signaling.errors import AuthRefused
from signaling.protocol import CloseCode, ErrorCode
from signaling.store import Store
from signaling.testing import running_server

from test_signaling_kit import (WAIT, online, raw_closed, raw_connect, raw_online, raw_recv, hello,
                                relay_works, serve_one, served)


REFUSALS = {
    # case: (first message sent or None for silence, expected error code, expected close code)
    "wrong_token": (lambda b: hello(b, "booth", "booth-02", token="not-the-token"), ErrorCode.AUTH_FAILED,
                    CloseCode.AUTH_FAILED),
    "unknown_device": (lambda b: hello(b, "booth", "booth-99", token="whatever-token"), ErrorCode.UNKNOWN_DEVICE,
                       CloseCode.AUTH_FAILED),
    "unknown_role_pair": (lambda b: hello(b, "cso", "booth-02", token=b.tokens[("booth", "booth-02")]),
                          ErrorCode.UNKNOWN_DEVICE, CloseCode.AUTH_FAILED),
    "wrong_version": (lambda b: hello(b, "booth", "booth-02", version=p.PROTOCOL_VERSION + 1),
                      ErrorCode.VERSION_MISMATCH, CloseCode.VERSION_MISMATCH),
    "not_hello_first": (lambda b: json.dumps({"type": "announce", "id": "r1", "kind": "walk_in"}),
                        ErrorCode.NOT_AUTHENTICATED, CloseCode.NOT_AUTHENTICATED),
    "garbage_first": (lambda b: "{not json", ErrorCode.BAD_JSON, CloseCode.NOT_AUTHENTICATED),
    "hello_missing_token": (lambda b: json.dumps({"type": "hello", "role": "booth", "device_id": "booth-02",
                                                  "version": 1}),
                            ErrorCode.INVALID_MESSAGE, CloseCode.NOT_AUTHENTICATED),
    "silence": (None, ErrorCode.NOT_AUTHENTICATED, CloseCode.NOT_AUTHENTICATED),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
async def test_refused_connection_gets_error_then_close_and_others_keep_working(tmp_path, case):
    first, code, close = REFUSALS[case]
    async with running_server(tmp_path / "branch.db", booths=2, hello_timeout=0.5) as branch, \
            contextlib.AsyncExitStack() as stack:
        booth, bin_ = await online(branch, "booth", "booth-01", stack)
        cso, cin = await online(branch, "cso", "cso-01", stack)
        tech, tin = await online(branch, "technician", "tech-01", stack)  # sees every device's presence
        session = await serve_one(booth, bin_, cso, cin)

        ws = await raw_connect(branch.url)
        if first is not None:
            await ws.send(first(branch))
        got = await raw_closed(ws)
        assert [m["type"] for m in got] == ["error"], got
        assert got[0]["code"] == code.value
        assert ws.close_code == close, (ws.close_code, ws.close_reason)
        if case == "not_hello_first":
            assert got[0]["ref"] == "r1"

        # The established pair never noticed: relay both ways, and a request is still answered.
        await relay_works(booth, cin, session.id, f"{case}-b")
        await relay_works(cso, bin_, session.id, f"{case}-c")
        ack = await cso.request(p.Hold(session_id=session.id))
        assert ack.session.state is p.SessionState.HELD
        # the refused device never appeared in presence
        await asyncio.sleep(0.3)  # a presence tick after the refusal
        assert all(e.device_id in ("booth-01", "cso-01", "tech-01")
                   for m in tin.of("presence") for e in m.online)

    if case in ("wrong_token", "unknown_device"):
        audit = Store(tmp_path / "branch.db").audit()
        assert [a.event for a in audit if a.session_id is None] == ["auth_failed"]


@pytest.mark.parametrize("device,token,code", [
    ("booth-01", "wrong-token-123", ErrorCode.AUTH_FAILED),
    ("booth-77", "some-token-1234", ErrorCode.UNKNOWN_DEVICE),
])
async def test_client_wait_ready_raises_auth_refused_and_does_not_retry(tmp_path, device, token, code):
    from signaling.client import SignalingClient

    async with running_server(tmp_path / "branch.db") as branch:
        client = SignalingClient(branch.url, "booth", device, token, backoff_initial=0.01, backoff_max=0.02)
        await client.start()
        try:
            with pytest.raises(AuthRefused) as info:
                await client.wait_ready(WAIT)
            assert info.value.close_code == CloseCode.AUTH_FAILED
            assert info.value.error is not None and info.value.error.code is code
            assert client.state is ClientState.FAILED
            await asyncio.sleep(0.1)  # would be several reconnects if it retried
            assert client.connects == 0
            assert len([a for a in Store(tmp_path / "branch.db").audit() if a.event == "auth_failed"]) == 1
        finally:
            await client.close()


async def test_same_device_twice_closes_the_older_with_replaced(tmp_path):
    async with running_server(tmp_path / "branch.db") as branch, contextlib.AsyncExitStack() as stack:
        cso, cin = await online(branch, "cso", "cso-01", stack)
        tech, tin = await online(branch, "technician", "tech-01", stack)  # sees booths' presence
        old = await raw_online(branch, "booth", "booth-01")
        first, fin = await online(branch, "booth", "booth-02", stack)
        ack = await first.request(p.Announce(kind="walk_in"))
        sid = ack.session.id

        new = await raw_online(branch, "booth", "booth-01")
        await raw_closed(old)
        assert old.close_code == CloseCode.REPLACED

        # A SignalingClient that gets replaced stops for good (another process owns the identity) ...
        second, sin = await online(branch, "booth", "booth-02", stack)
        with pytest.raises(AuthRefused) as info:
            await _until_failed(first)
        assert info.value.close_code == CloseCode.REPLACED
        # ... and the new connection resumes the device's session.
        assert [s.id for s in second.welcome.sessions] == [sid]
        # The replacement is still online; the close of the old connection did not take it offline.
        both = {("booth", "booth-01"), ("booth", "booth-02")}
        await tin.wait(lambda m: m.type == "presence" and both <= _ids(m))
        await asyncio.sleep(0.6)  # more than two presence ticks: nothing takes them offline
        assert both <= _ids(tin.of("presence")[-1])
        await new.send(json.dumps({"type": "announce", "id": "n1", "kind": "walk_in"}))
        assert (await raw_recv(new, lambda m: m.get("ref") == "n1"))["type"] == "ack"
        await new.close()


async def _until_failed(client):
    async def loop():
        while client.state is not ClientState.FAILED:
            await asyncio.sleep(0.01)
    await asyncio.wait_for(loop(), WAIT)
    raise client.refusal


def _ids(presence: p.Presence) -> set[tuple[str, str]]:
    return {(e.role, e.device_id) for e in presence.online}


async def test_presence_follows_booths_connecting_and_leaving(tmp_path):
    """Technicians see every device come and go; a CSO the officers (its booths' state comes with
    its sessions)."""
    async with running_server(tmp_path / "branch.db", csos=2) as branch, contextlib.AsyncExitStack() as stack:
        cso, cin = await online(branch, "cso", "cso-01", stack)
        first = await cin.wait(lambda m: m.type == "presence")
        assert _ids(first) == {("cso", "cso-01")}
        tech, tin = await online(branch, "technician", "tech-01", stack)
        tpres = await tin.wait(lambda m: m.type == "presence")
        assert _ids(tpres) == {("cso", "cso-01"), ("technician", "tech-01")}

        mark, tmark = cin.mark(), tin.mark()
        booth, _ = await online(branch, "booth", "booth-03", stack)
        other, _ = await online(branch, "cso", "cso-02", stack)
        pres = await tin.wait(lambda m: m.type == "presence" and ("booth", "booth-03") in _ids(m)
                              and ("cso", "cso-02") in _ids(m), start=tmark)
        assert _ids(pres) == {("cso", "cso-01"), ("cso", "cso-02"), ("technician", "tech-01"), ("booth", "booth-03")}
        pres = await cin.wait(lambda m: m.type == "presence" and ("cso", "cso-02") in _ids(m), start=mark)
        assert _ids(pres) == {("cso", "cso-01"), ("cso", "cso-02")}

        tmark = tin.mark()
        await booth.close()
        pres = await tin.wait(lambda m: m.type == "presence" and ("booth", "booth-03") not in _ids(m), start=tmark)
        assert _ids(pres) == {("cso", "cso-01"), ("cso", "cso-02"), ("technician", "tech-01")}
        assert all(e.role == "cso" for m in cin.of("presence") for e in m.online)


async def _half_open_client(url: str, hello_text: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Complete a WebSocket handshake by hand, send hello, then never read or answer again."""
    host, port = url.removeprefix("ws://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write((f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT)
    assert head.startswith(b"HTTP/1.1 101"), head
    payload = hello_text.encode()
    mask = os.urandom(4)
    assert len(payload) < 126
    writer.write(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    await writer.drain()
    return reader, writer


async def test_half_open_connection_is_dropped_and_presence_updated(tmp_path):
    async with running_server(tmp_path / "branch.db", ping_interval=0.2, ping_timeout=0.4) as branch, \
            contextlib.AsyncExitStack() as stack:
        cso, cin = await online(branch, "cso", "cso-01", stack)
        tech, tin = await online(branch, "technician", "tech-01", stack)
        mark = tin.mark()
        reader, writer = await _half_open_client(branch.url, hello(branch, "booth", "booth-04"))
        try:
            await tin.wait(lambda m: m.type == "presence" and ("booth", "booth-04") in _ids(m), start=mark)
            mark = tin.mark()
            # The half-open booth never answers pings: the server must drop it by itself.
            pres = await tin.wait(lambda m: m.type == "presence" and ("booth", "booth-04") not in _ids(m),
                                  start=mark)
            assert ("cso", "cso-01") in _ids(pres)
            # The CSO, whose client answers pings, stayed connected through the same ping cycles.
            assert cso.state is ClientState.READY and cso.connects == 1
        finally:
            writer.close()
        await served(branch, "after-half-open")
