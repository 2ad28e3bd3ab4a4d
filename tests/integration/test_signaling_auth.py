"""Authentication, replacement and presence against a real server on a loopback port."""
from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os

import pytest

from signaling import protocol as p
from signaling.client import ClientState, SignalingClient
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
        finally:
            await client.close()
    failed = [a for a in Store(tmp_path / "branch.db").audit() if a.event == "auth_failed"]  # written in batches
    assert len(failed) == 1 and failed[0].detail["count"] == 1 and failed[0].detail["from"] == "127.0.0.1"


async def test_a_live_device_keeps_its_place_and_a_second_hello_is_refused_and_reported(tmp_path):
    """The rule against a stolen token: the connection that answers keeps its place; the newcomer
    is refused (device_in_use), audited, and the technicians are alerted. A client so refused
    keeps trying (it may be the real device whose old connection is about to die)."""
    async with running_server(tmp_path / "branch.db") as branch, contextlib.AsyncExitStack() as stack:
        tech, tin = await online(branch, "technician", "tech-01", stack)
        first, fin = await online(branch, "booth", "booth-02", stack)
        sid = (await first.request(p.Announce(kind="walk_in"))).session.id

        thief = await raw_connect(branch.url)
        await thief.send(hello(branch, "booth", "booth-02"))
        refused = await raw_recv(thief, lambda m: m["type"] == "error")
        assert refused["code"] == ErrorCode.DEVICE_IN_USE.value and "booth-02" in refused["message"]
        await raw_closed(thief)
        assert thief.close_code == CloseCode.DEVICE_IN_USE
        alert = await tin.wait(lambda m: m.type == "alert")
        assert (alert.kind, alert.device_id) == ("device_in_use", "booth-02")
        assert first.state is ClientState.READY and first.connects == 1  # the real one never noticed
        await first.request(p.Cancel())  # and is still served

        second = branch.client("booth", "booth-02", backoff_initial=0.05, backoff_max=0.1)
        await second.start()
        stack.push_async_callback(second.close)
        await asyncio.sleep(0.6)  # refused again and again: never READY, never FAILED
        assert second.state is not ClientState.READY and second.state is not ClientState.FAILED
        await first.close()  # the first one goes away: the one that kept trying gets in
        await second.wait_ready(WAIT)
        assert [s.id for s in second.welcome.sessions] in ([], [sid])
    in_use = [a for a in Store(tmp_path / "branch.db").audit() if a.event == "device_in_use"]
    assert in_use and all(a.detail["from"] == "127.0.0.1" for a in in_use)


async def test_a_connection_that_does_not_answer_is_replaced(tmp_path):
    """The same device says hello again while its old connection is half-open (a pulled cable,
    a frozen process): the old one cannot answer the ping, so the newcomer takes over the
    device's session at once (not after the ping timeout)."""
    async with running_server(tmp_path / "branch.db", replace_probe=0.3) as branch, \
            contextlib.AsyncExitStack() as stack:
        tech, tin = await online(branch, "technician", "tech-01", stack)  # sees booths' presence
        reader, writer = await _half_open_client(branch.url, hello(branch, "booth", "booth-01"))
        try:
            await tin.wait(lambda m: m.type == "presence" and ("booth", "booth-01") in _ids(m))
            new = await raw_online(branch, "booth", "booth-01")  # welcomed within the probe time
            await new.send(json.dumps({"type": "announce", "id": "n1", "kind": "walk_in"}))
            assert (await raw_recv(new, lambda m: m.get("ref") == "n1"))["type"] == "ack"
            await new.close()
        finally:
            writer.close()


async def test_revoking_a_token_disconnects_the_device_at_once_and_a_new_token_works(tmp_path):
    async with running_server(tmp_path / "branch.db") as branch, contextlib.AsyncExitStack() as stack:
        tech, tin = await online(branch, "technician", "tech-01", stack)
        booth, _ = await online(branch, "booth", "booth-01", stack)
        store = Store(tmp_path / "branch.db")  # what `lapak token revoke` does, from another process
        try:
            store.revoke_token("booth", "booth-01", 1.0)
            with pytest.raises(AuthRefused) as info:
                await _until_failed(booth)
            assert info.value.close_code == CloseCode.REVOKED
            alert = await tin.wait(lambda m: m.type == "alert" and m.kind == "token_revoked")
            assert alert.device_id == "booth-01"
            again = branch.client("booth", "booth-01")
            await again.start()
            stack.push_async_callback(again.close)
            with pytest.raises(AuthRefused, match="revoked"):
                await again.wait_ready(WAIT)
            from signaling.tokens import hash_token, new_token
            fresh = new_token()
            store.issue_token("booth", "booth-01", hash_token(fresh), 2.0)
            await asyncio.sleep(0.6)  # the server reads the change on its next tick
            renewed = SignalingClient(branch.url, "booth", "booth-01", fresh)
            await renewed.start()
            stack.push_async_callback(renewed.close)
            await renewed.wait_ready(WAIT)
            old_token = branch.client("booth", "booth-01")  # the config's token no longer works
            await old_token.start()
            stack.push_async_callback(old_token.close)
            with pytest.raises(AuthRefused):
                await old_token.wait_ready(WAIT)
        finally:
            store.close()


async def test_a_wrong_token_flood_is_slowed_audited_in_batches_and_relays_go_on(tmp_path):
    async with running_server(tmp_path / "branch.db", booths=3, csos=2) as branch, \
            contextlib.AsyncExitStack() as stack:
        booth, bin_ = await online(branch, "booth", "booth-01", stack)
        cso, cin = await online(branch, "cso", "cso-01", stack)
        s = await serve_one(booth, bin_, cso, cin)
        times = []

        async def attempt():
            ws = await raw_connect(branch.url)
            t = asyncio.get_running_loop().time()
            await ws.send(hello(branch, "booth", "booth-03", token="x" * 32))
            await raw_recv(ws, lambda m: m["type"] == "error")
            times.append(asyncio.get_running_loop().time() - t)
            await raw_closed(ws)

        for _ in range(6):
            await attempt()
        assert max(times[:3]) < 0.2 and times[5] > times[4] >= 0.2  # the fourth on waits, ever longer
        await relay_works(booth, cin, s.id, "during-flood")
    failed = [a for a in Store(tmp_path / "branch.db").audit() if a.event == "auth_failed"]
    assert len(failed) <= 2 and sum(a.detail["count"] for a in failed) == 6


async def test_many_failed_hellos_at_once_cost_one_audit_row(tmp_path):
    async with running_server(tmp_path / "branch.db", max_unauthenticated_per_address=64) as branch:
        async def attempt(i):
            ws = await raw_connect(branch.url)
            await ws.send(hello(branch, "booth", "booth-01", token=f"wrong-{i:02d}" + "y" * 30))
            await raw_recv(ws, lambda m: m["type"] == "error")
            await raw_closed(ws)

        await asyncio.gather(*(attempt(i) for i in range(40)))
    failed = [a for a in Store(tmp_path / "branch.db").audit() if a.event == "auth_failed"]
    assert len(failed) <= 2 and sum(a.detail["count"] for a in failed) == 40


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
    async with running_server(tmp_path / "branch.db", csos=2, ping_interval=0.2, ping_timeout=0.4) as branch, \
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
        await cso.close()  # served() brings its own officer
        await served(branch, "after-half-open")
