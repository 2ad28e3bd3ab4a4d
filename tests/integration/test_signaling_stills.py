"""Stills through the branch server: parts over several connections, verified, kept owner-only,
fetched by the session's officer only, marked by the decision, deleted when nobody verified them."""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import stat

import pytest

from common.documents import DocumentKind
from signaling import protocol as p
from signaling.stills_client import StillRefused, StillTransfer, StillTransferError
from signaling.store import Store
from signaling.testing import running_server

WAIT = 20.0


class Inbox:
    def __init__(self) -> None:
        self.items: list = []

    def __call__(self, msg) -> None:
        self.items.append(msg)

    async def wait(self, kind, pred=lambda m: True):
        async def loop():
            while True:
                for m in self.items:
                    if isinstance(m, kind) and pred(m):
                        return m
                await asyncio.sleep(0.02)
        return await asyncio.wait_for(loop(), WAIT)


def meta_for(sid: str, data: bytes, **kw) -> p.StillMeta:
    return p.StillMeta(session_id=sid, request_id="r1", document=DocumentKind.KTP,
                       sha256=hashlib.sha256(data).hexdigest(), size=len(data), width=1920, height=1080, **kw)


@pytest.fixture
async def call(tmp_path):
    """A server with one active session: (branch, booth client, cso client, cso inbox, session id)."""
    async with running_server(tmp_path / "branch.sqlite", booths=2, csos=2, capacity=4) as branch:
        inbox = Inbox()
        cso = branch.client("cso", "cso-01", on_message=inbox)
        booth = branch.client("booth", "booth-01")
        await cso.start()
        await cso.wait_ready(WAIT)
        await booth.start()
        await booth.wait_ready(WAIT)
        sid = (await booth.request(p.Announce(kind="walk_in"))).session.id
        offered = await inbox.wait(p.SessionUpdate, lambda m: m.session.state is p.SessionState.OFFERED)
        await cso.request(p.Accept(session_id=offered.session.id))
        yield branch, booth, cso, inbox, sid
        await booth.close()
        await cso.close()


def transfer(branch, role, device, **kw) -> StillTransfer:
    return StillTransfer(branch.url, role, device, branch.tokens[(role, device)], **kw)


async def test_a_still_goes_up_in_parts_and_comes_down_byte_identical(call, tmp_path):
    branch, booth, cso, inbox, sid = call
    data = os.urandom(1_500_000)
    meta = meta_for(sid, data, corners=[(1, 2), (3, 4), (5, 6), (7, 8)])
    up = transfer(branch, "booth", "booth-01", streams=4)
    progress = []
    await up.upload(meta, data, lambda done, size: progress.append(done))
    assert progress[-1] == len(data) and progress == sorted(progress)
    announced = await inbox.wait(p.StillAvailable)
    assert announced.still == meta and announced.booth_id == "booth-01"
    down = transfer(branch, "cso", "cso-01", streams=3)
    got = await down.download(sid, meta.sha256, meta.size)
    assert got == data
    path = branch.server.files.final_path(sid, meta.sha256, meta.mime)
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not list(branch.server.files.incoming.iterdir())  # no part file left
    await up.close()
    await down.close()


async def test_only_the_sessions_booth_uploads_and_only_its_officer_fetches(call):
    branch, booth, cso, inbox, sid = call
    data = os.urandom(100_000)
    meta = meta_for(sid, data)
    stranger = transfer(branch, "booth", "booth-02", attempts=2)
    with pytest.raises(StillRefused, match="no active session"):
        await stranger.upload(meta, data)
    await transfer(branch, "booth", "booth-01").upload(meta, data)
    other_officer = transfer(branch, "cso", "cso-02", attempts=2)
    with pytest.raises(StillRefused, match="no session"):
        await other_officer.download(sid, meta.sha256, meta.size)
    officer = transfer(branch, "cso", "cso-01")
    with pytest.raises(StillRefused, match="no still"):
        await officer.download(sid, "0" * 64, 10)
    wrong = StillTransfer(branch.url, "booth", "booth-01", "not-the-token", attempts=1)
    with pytest.raises(StillRefused, match="auth_failed"):
        await wrong.upload(meta, data)
    for t in (stranger, other_officer, officer, wrong):
        await t.close()


async def test_too_large_or_mislabelled_stills_are_refused_and_nothing_is_kept(call):
    branch, booth, cso, inbox, sid = call
    big = p.StillMeta(session_id=sid, request_id="r", document="ktp", sha256="a" * 64, size=2**30, width=1, height=1)
    up = transfer(branch, "booth", "booth-01", attempts=2)
    with pytest.raises(StillRefused, match="over the"):
        await up._channels[0].put(big, memoryview(b"x" * 1000), 0, 10.0, lambda n: None)
    data = os.urandom(200_000)
    lying = meta_for(sid, data).model_copy(update={"sha256": hashlib.sha256(b"other").hexdigest()})
    with pytest.raises(StillTransferError, match="do not match"):
        await up.upload(lying, data)  # the client checks before sending
    chan = up._channels[0]
    with pytest.raises(StillTransferError, match="do not match its sha256"):
        await chan.put(lying, memoryview(data), 0, 10.0, lambda n: None)  # the server checks too
    assert not list(branch.server.files.incoming.iterdir())
    assert not (branch.server.files.root / sid).exists()
    await up.close()


async def test_decision_marks_the_still_and_the_end_deletes_what_nobody_verified(call):
    branch, booth, cso, inbox, sid = call
    up = transfer(branch, "booth", "booth-01")
    kept, dropped = os.urandom(50_000), os.urandom(60_000)
    await up.upload(meta_for(sid, kept), kept)
    await up.upload(meta_for(sid, dropped).model_copy(update={"request_id": "r2"}), dropped)
    sha_kept, sha_dropped = hashlib.sha256(kept).hexdigest(), hashlib.sha256(dropped).hexdigest()
    await cso.request(p.Decision(id="d1", session_id=sid, document="ktp", verdict="accepted", still_sha256=sha_kept))
    await cso.request(p.End(session_id=sid, outcome=p.Outcome.COMPLETED))
    files = branch.server.files
    assert files.final_path(sid, sha_kept, "image/png").exists()
    assert not files.final_path(sid, sha_dropped, "image/png").exists()
    store = Store(branch.config.database)
    try:
        states = {s["sha256"]: s["state"] for s in store.stills(sid)}
        assert states == {sha_kept: "verified", sha_dropped: "discarded"}
        events = [a.event for a in store.audit(sid)]
        assert events.count("still_stored") == 2 and "decision" in events
    finally:
        store.close()
    await up.close()


async def test_the_same_bytes_for_a_new_request_are_announced_again(call):
    """A camera without noise (or the same card shown for another document) gives byte-identical
    stills: each request still gets its answer, a retried part does not announce twice."""
    branch, booth, cso, inbox, sid = call
    up = transfer(branch, "booth", "booth-01")
    data = os.urandom(80_000)
    first = meta_for(sid, data)
    await up.upload(first, data)
    await inbox.wait(p.StillAvailable, lambda m: m.still.request_id == "r1")
    await cso.request(p.Decision(id="d1", session_id=sid, document="ktp", verdict="accepted", still_sha256=first.sha256))
    await up.upload(first, data)  # the same upload again: nothing new
    again = first.model_copy(update={"request_id": "r2", "document": DocumentKind.KK})
    await up.upload(again, data)
    got = await inbox.wait(p.StillAvailable, lambda m: m.still.request_id == "r2")
    assert got.still.document is DocumentKind.KK
    assert [m.still.request_id for m in inbox.items if isinstance(m, p.StillAvailable)] == ["r1", "r2"]
    store = Store(branch.config.database)
    try:
        (row,) = store.stills(sid)
        assert (row["request_id"], row["document"], row["state"]) == ("r2", "kk", "pending")
    finally:
        store.close()
    await up.close()


async def test_an_officer_who_comes_back_hears_of_stills_that_arrived_meanwhile(call):
    branch, booth, cso, inbox, sid = call
    await cso.close()
    data = os.urandom(80_000)
    meta = meta_for(sid, data)
    await transfer(branch, "booth", "booth-01").upload(meta, data)
    again = Inbox()
    cso2 = branch.client("cso", "cso-01", on_message=again)
    await cso2.start()
    await cso2.wait_ready(WAIT)
    assert (await again.wait(p.StillAvailable)).still == meta
    await cso2.close()


async def test_still_messages_on_the_main_connection_are_refused(call):
    branch, booth, cso, inbox, sid = call
    from signaling.errors import RequestRefused

    with pytest.raises(RequestRefused, match="stills connection"):
        await cso.request(p.StillGet(id="g1", session_id=sid, sha256="0" * 64))


async def test_parts_the_server_lost_are_sent_again(call):
    """A server that took an upload for abandoned (its parts crawled in over a bad link while the
    sweep ran) loses the parts written so far; the booth sends them again instead of giving up."""
    branch, booth, cso, inbox, sid = call
    files = branch.server.files
    real_write, lost = files.write, []

    def write(session_id, sha256, size, offset, data, **kw):
        asm = real_write(session_id, sha256, size, offset, data, **kw)
        if not lost:  # the first part written is dropped right after, as the sweep would
            lost.append(offset)
            files.drop(session_id, sha256)
        return asm

    files.write = write
    data = os.urandom(800_000)
    meta = meta_for(sid, data)
    # without a parity part: with one, the server would rebuild the lost part (tested below)
    up = transfer(branch, "booth", "booth-01", streams=4, parity=False)
    await up.upload(meta, data)
    assert lost  # the loss happened, and yet:
    assert branch.server.files.final_path(sid, meta.sha256, meta.mime).read_bytes() == data
    await inbox.wait(p.StillAvailable, lambda m: m.still.sha256 == meta.sha256)
    await up.close()


async def test_a_request_that_comes_where_a_parts_bytes_were_due_is_answered_too(call):
    """The part it interrupts gets an error; the request itself its own answer (found by bench.fuzz:
    it used to be swallowed as the part's bytes, unanswered)."""
    import json

    from websockets.asyncio.client import connect

    branch, booth, cso, inbox, sid = call
    data = os.urandom(1000)
    meta = meta_for(sid, data)
    async with connect(branch.url + "/stills", compression=None, proxy=None) as ws:
        await ws.send(json.dumps({"type": "hello", "role": "booth", "device_id": "booth-01", "channel": "stills",
                                  "token": branch.tokens[("booth", "booth-01")], "version": p.PROTOCOL_VERSION}))
        assert json.loads(await asyncio.wait_for(ws.recv(), WAIT))["type"] == "welcome"
        await ws.send(json.dumps({"type": "still_put", "id": "put-1", "still": meta.model_dump(mode="json"),
                                  "offset": 0, "length": len(data)}))
        await ws.send(data[:300])
        await ws.send(json.dumps({"type": "still_get", "id": "get-1", "session_id": sid, "sha256": "0" * 64}))
        first = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        second = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
    assert (first["type"], first["ref"], first["code"]) == ("error", "put-1", "invalid_message")
    assert "after 300 of the part's 1000 bytes" in first["message"]
    assert (second["type"], second["ref"], second["code"]) == ("error", "get-1", "not_found")
    assert "only a CSO fetches stills" in second["message"]


async def _raw_stills(branch, role="booth", device="booth-01"):
    import json

    from websockets.asyncio.client import connect

    ws = await connect(branch.url + "/stills", compression=None, proxy=None)
    await ws.send(json.dumps({"type": "hello", "role": role, "device_id": device, "channel": "stills",
                              "token": branch.tokens[(role, device)], "version": p.PROTOCOL_VERSION}))
    assert json.loads(await asyncio.wait_for(ws.recv(), WAIT))["type"] == "welcome"
    return ws


async def _put(ws, meta, offset, data, parity=None, ref="put"):
    import json

    msg = {"type": "still_put", "id": ref, "still": meta.model_dump(mode="json"), "offset": offset,
           "length": len(data)}
    if parity is not None:
        msg["parity"] = parity
    await ws.send(json.dumps(msg))
    for i in range(0, len(data), 60_000):
        await ws.send(data[i:i + 60_000])
    return json.loads(await asyncio.wait_for(ws.recv(), WAIT))


@pytest.mark.parametrize("missing", [0, 1, 2], ids=["first", "middle", "last-short"])
async def test_the_server_rebuilds_a_part_that_never_came_from_the_parity_part(call, missing):
    """Three blocks of a still (the last one shorter), one of them never sent: the parity part
    (their XOR) makes the still whole on the server, verified, announced and byte-identical."""
    from signaling.stills import xor_blocks

    branch, booth, cso, inbox, sid = call
    data = os.urandom(250_001)
    stride = 100_000
    meta = meta_for(sid, data)
    blocks = [data[i:i + stride] for i in range(0, len(data), stride)]
    ws = await _raw_stills(branch)
    try:
        answers = [await _put(ws, meta, k * stride, b) for k, b in enumerate(blocks) if k != missing]
        assert all(a["type"] == "still_stored" and not a["complete"] for a in answers)
        half = xor_blocks(blocks, stride)
        first = await _put(ws, meta, 0, half[:40_000], parity=stride)  # the parity part in two pieces
        assert first["type"] == "still_stored" and not first["complete"]
        last = await _put(ws, meta, 40_000, half[40_000:], parity=stride)
        assert last["type"] == "still_stored" and last["complete"] and last["received"] == len(data)
    finally:
        await ws.close()
    assert branch.server.files.final_path(sid, meta.sha256, meta.mime).read_bytes() == data
    await inbox.wait(p.StillAvailable, lambda m: m.still.sha256 == meta.sha256)
    assert not list(branch.server.files.incoming.iterdir())  # neither part file nor parity file left


async def test_a_wrong_parity_part_is_caught_by_the_checksum_and_nothing_is_kept(call):
    """Parity bytes that do not match the still rebuild a wrong block: the sha256 check refuses
    the whole, the server keeps nothing and the booth can send it again."""
    branch, booth, cso, inbox, sid = call
    data = os.urandom(200_000)
    meta = meta_for(sid, data)
    ws = await _raw_stills(branch)
    try:
        assert not (await _put(ws, meta, 0, data[:100_000]))["complete"]
        bad = await _put(ws, meta, 0, os.urandom(100_000), parity=100_000)
        assert (bad["type"], bad["code"]) == ("error", "invalid_message") and "sha256" in bad["message"]
        assert not list(branch.server.files.incoming.iterdir())
        again = [await _put(ws, meta, 0, data[:100_000]), await _put(ws, meta, 100_000, data[100_000:])]
        assert again[-1]["complete"]
    finally:
        await ws.close()
    assert branch.server.files.final_path(sid, meta.sha256, meta.mime).read_bytes() == data


@pytest.mark.parametrize("stride, offset, length, why", [
    (200_000, 0, 10, "does not fit"),           # one block: nothing to rebuild from
    (50_000, 40_000, 20_000, "does not fit"),   # outside the parity block
    (1, 0, 1, "2 to 64 blocks"),                  # 200,000 blocks: a rebuild would be 200,000 reads
])
async def test_a_parity_part_that_does_not_fit_the_still_is_refused(call, stride, offset, length, why):
    branch, booth, cso, inbox, sid = call
    data = os.urandom(200_000)
    meta = meta_for(sid, data)
    ws = await _raw_stills(branch)
    try:
        answer = await _put(ws, meta, offset, os.urandom(length), parity=stride)
    finally:
        await ws.close()
    assert (answer["type"], answer["code"]) == ("error", "forbidden") and why in answer["message"]
    assert not list(branch.server.files.incoming.iterdir())


class StallingRelay:
    """A real TCP relay in front of the server that holds back the first connection's bytes in
    one direction for up to 8 s once 100 kB have passed (a connection waiting out retransmission
    timeouts on a lossy link); every other connection passes freely."""

    def __init__(self, url: str, upstream: bool) -> None:
        self.host, self.port = url.removeprefix("ws://").split(":")
        self.upstream = upstream
        self.accepted = 0
        self.held, self.release = asyncio.Event(), asyncio.Event()

    async def _pipe(self, reader, writer, stall_after: int | None) -> None:
        moved = 0
        try:
            while chunk := await reader.read(65536):
                if stall_after is not None and moved + len(chunk) > stall_after:
                    self.held.set()
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self.release.wait(), 8.0)
                    stall_after = None
                moved += len(chunk)
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _relay(self, client_reader, client_writer) -> None:
        self.accepted += 1
        stall = 100_000 if self.accepted == 1 else None
        server_reader, server_writer = await asyncio.open_connection(self.host, int(self.port))
        await asyncio.gather(self._pipe(client_reader, server_writer, stall if self.upstream else None),
                             self._pipe(server_reader, client_writer, None if self.upstream else stall))

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return f"ws://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc) -> None:
        self.release.set()
        self.server.close()


@pytest.mark.parametrize("parity", [False, True], ids=["sent-again", "rebuilt-from-parity"])
async def test_a_part_stuck_on_one_connection_is_sent_again_on_a_free_one(call, parity):
    """A still is as late as its slowest part: with the first stills connection held back for
    8 s, the upload completes long before that on the other connections, byte-identical, the
    stuck copy cancelled, and the connections carry the next still too. Without a parity part a
    free connection sends the stuck part again; with one the server may also rebuild it."""
    branch, booth, cso, inbox, sid = call
    relay = StallingRelay(branch.url, upstream=True)
    async with relay as url:
        data = os.urandom(2_000_000)
        meta = meta_for(sid, data)
        up = StillTransfer(url, "booth", "booth-01", branch.tokens[("booth", "booth-01")], streams=4, parity=parity)
        t0 = asyncio.get_running_loop().time()
        await asyncio.wait_for(up.upload(meta, data), 6.0)
        assert relay.held.is_set() and asyncio.get_running_loop().time() - t0 < 6.0
        assert branch.server.files.final_path(sid, meta.sha256, meta.mime).read_bytes() == data
        await inbox.wait(p.StillAvailable, lambda m: m.still.sha256 == meta.sha256)
        data2 = os.urandom(300_000)
        meta2 = p.StillMeta(**{**meta_for(sid, data2).model_dump(), "request_id": "r2"})
        t1 = asyncio.get_running_loop().time()
        await asyncio.wait_for(up.upload(meta2, data2), 15.0)
        assert asyncio.get_running_loop().time() - t1 < 6.0
        assert branch.server.files.final_path(sid, meta2.sha256, meta2.mime).read_bytes() == data2
        relay.release.set()
        await up.close()


async def test_a_fetch_stuck_on_one_connection_is_fetched_again_on_a_free_one(call):
    """The same for the officer's fetch: the first connection's download held back for 8 s, the
    still arrives whole and verified long before, and the next fetch works."""
    branch, booth, cso, inbox, sid = call
    data = os.urandom(2_000_000)
    meta = meta_for(sid, data)
    up = transfer(branch, "booth", "booth-01", streams=4)
    await up.upload(meta, data)
    relay = StallingRelay(branch.url, upstream=False)
    async with relay as url:
        down = StillTransfer(url, "cso", "cso-01", branch.tokens[("cso", "cso-01")], streams=4)
        t0 = asyncio.get_running_loop().time()
        got = await asyncio.wait_for(down.download(sid, meta.sha256, meta.size), 6.0)
        assert got == data and relay.held.is_set() and asyncio.get_running_loop().time() - t0 < 6.0
        again = await asyncio.wait_for(down.download(sid, meta.sha256, meta.size), 6.0)
        assert again == data
        relay.release.set()
        await down.close()
    await up.close()


async def test_one_device_holds_a_bounded_number_of_stills_connections(call):
    """A stolen booth token cannot fill the server with stills connections: the seventeenth is
    refused with a reason naming the limit; other devices and the first sixteen are unaffected,
    and a closed one frees its place."""
    import json

    from websockets.asyncio.client import connect

    branch, booth, cso, inbox, sid = call

    async def stills_hello(role: str, device: str):
        ws = await connect(branch.url + "/stills", compression=None, proxy=None)
        await ws.send(json.dumps({"type": "hello", "role": role, "device_id": device, "channel": "stills",
                                  "token": branch.tokens[(role, device)], "version": p.PROTOCOL_VERSION}))
        return ws, json.loads(await asyncio.wait_for(ws.recv(), WAIT))

    held = []
    for _ in range(16):
        ws, answer = await stills_hello("booth", "booth-01")
        assert answer["type"] == "welcome"
        held.append(ws)
    ws, answer = await stills_hello("booth", "booth-01")
    assert answer["type"] == "error" and answer["code"] == "rate_limited"
    assert "16 stills connections" in answer["message"] and "stills_connections_per_device" in answer["message"]
    await ws.close()
    other, answer = await stills_hello("cso", "cso-01")
    assert answer["type"] == "welcome"
    await other.close()
    await held.pop().close()
    for _ in range(50):
        ws, answer = await stills_hello("booth", "booth-01")
        if answer["type"] == "welcome":
            break
        await ws.close()
        await asyncio.sleep(0.05)
    assert answer["type"] == "welcome"
    held.append(ws)
    for ws in held:
        await ws.close()


async def test_warm_opens_every_stills_connection_ahead_and_the_still_uses_them(call, caplog):
    """A booth opens its stills connections when a call starts, so a still does not wait for
    each connection's handshakes; a device the server refuses is logged, not raised."""
    branch, booth, cso, inbox, sid = call
    up = transfer(branch, "booth", "booth-01", streams=4)
    await up.warm()

    def held():
        return {c for c, peer in branch.server.branch.still_peers.items() if peer.device_id == "booth-01"}

    before = held()
    assert len(before) == 4
    data = os.urandom(600_000)
    meta = meta_for(sid, data)
    await up.upload(meta, data)
    assert held() == before  # no connection opened for the still
    await up.warm()  # open already: nothing changes
    assert held() == before
    await up.close()
    wrong = StillTransfer(branch.url, "booth", "booth-02", "not-the-token", streams=2)
    await wrong.warm()
    assert "stills connection refused" in caplog.text
    await wrong.close()


async def test_a_free_connection_copies_only_a_part_that_is_late():
    """The scheduling alone (parts that take set times, no network): parts that finish close
    together are not copied; the one that is far behind is, once it is late, and the copy wins."""
    t = StillTransfer("ws://127.0.0.1:9", "booth", "booth-01", "x" * 32, streams=4)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    started: list[tuple[int, float]] = []
    runs: dict[int, int] = {}

    async def op(channel, offset, length):
        runs[offset] = runs.get(offset, 0) + 1
        started.append((offset, loop.time() - t0))
        first = runs[offset] == 1
        await asyncio.sleep({0: 0.05, 1: 0.06, 2: 0.09, 3: 5.0}[offset] if first else 0.05)
        return offset

    results = await t._race([(0, 1), (1, 1), (2, 1), (3, 1)], op, lambda got: len(got) == 4)
    assert sorted(results.values()) == [0, 1, 2, 3]
    copies = [(o, at) for o, at in started[4:]]
    assert [o for o, _ in copies] and {o for o, _ in copies} == {3}  # only the late part was copied
    median_done = 0.06  # of the parts done when the first copy started (0.05, 0.06 and 0.09 s)
    assert all(at >= 2 * median_done - 0.01 for _, at in copies)
    assert loop.time() - t0 < 1.0  # the copy finished it, not the 5 s original
