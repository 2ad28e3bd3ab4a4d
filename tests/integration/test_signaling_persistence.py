"""A real server process killed with SIGKILL loses nothing it acknowledged; clients resume by themselves."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import subprocess
import sys
from pathlib import Path

from signaling import protocol as p
from signaling.client import SignalingClient
from signaling.errors import NotConnected, RequestRefused
from signaling.protocol import SessionState
from signaling.store import Store

from test_signaling_kit import WAIT, Inbox, relay_works

ROOT = Path(__file__).resolve().parents[2]
START = 30.0  # seconds a server process may take to start on a loaded machine


def _write_config(path: Path, db: Path, booths: int = 3) -> dict[tuple[str, str], str]:
    tokens = {("booth", f"booth-{i:02d}"): secrets.token_hex(16) for i in range(1, booths + 1)}
    tokens[("cso", "cso-01")] = secrets.token_hex(16)
    lines = [f'database = "{db}"', "", "[branch]", 'id = "kill-test"', "", "[listen]", 'host = "127.0.0.1"', 'allow_plain = true',
             "port = 0", "", "[limits]", "resume_grace = 600", ""]
    for (role, device), token in tokens.items():
        lines += [f"[[{role}s]]", f'id = "{device}"', f'token = "{token}"']
        if role == "cso":
            lines.append("capacity = 4")
        lines.append("")
    path.write_text("\n".join(lines))
    return tokens


class ServerProcess:
    """`lapak signaling` in a child process; its stderr goes to a file we poll."""

    def __init__(self, config: Path, port: int, log: Path):
        self.log = log
        self._log_file = open(log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lapak", "signaling", "--config", str(config), "--port", str(port)],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log_file)

    async def url(self) -> str:
        async def wait() -> str:
            while True:
                found = re.search(r"listening on (ws://\S+)", self.log.read_text(errors="replace"))
                if found:
                    return found.group(1)
                assert self.proc.poll() is None, f"server exited: {self.log.read_text()}"
                await asyncio.sleep(0.05)

        return await asyncio.wait_for(wait(), START)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._log_file.close()


async def _until(cond, timeout: float = WAIT) -> None:
    async def loop() -> None:
        while not cond():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(loop(), timeout)


async def test_sigkill_loses_nothing_acknowledged_and_clients_resume(tmp_path):
    db = tmp_path / "branch.db"
    config = tmp_path / "server.toml"
    tokens = _write_config(config, db)
    servers: list[ServerProcess] = []
    clients: dict[str, tuple[SignalingClient, Inbox]] = {}
    try:
        servers.append(ServerProcess(config, 0, tmp_path / "server-1.log"))
        url = await servers[0].url()
        port = int(url.rsplit(":", 1)[1])
        for (role, device), token in tokens.items():
            inbox = Inbox()
            client = SignalingClient(url, role, device, token, inbox, backoff_initial=0.05, backoff_max=0.3,
                                     request_timeout=WAIT)
            await client.start()
            clients[device] = (client, inbox)
        for client, _ in clients.values():
            await client.wait_ready(WAIT)
        (b1, bin1), (b2, _), (b3, _), (cso, cin) = (clients[d] for d in ("booth-01", "booth-02", "booth-03",
                                                                          "cso-01"))

        s1 = (await b1.request(p.Announce(kind="walk_in", language="en"))).session
        await _until(lambda: any(m.type == "session" and m.session.id == s1.id for m in cin.messages))
        await cso.request(p.Accept(session_id=s1.id))
        await cso.request(p.Decision(id="d0", session_id=s1.id, document="ktp", verdict="accepted"))
        s2 = (await b2.request(p.Announce(kind="walk_in"))).session
        await _until(lambda: any(m.type == "session" and m.session.id == s2.id for m in cin.messages))
        await cso.request(p.Accept(session_id=s2.id))
        ended = await cso.request(p.End(session_id=s2.id, outcome=p.Outcome.COMPLETED, note="done"))
        assert ended.session.state is SessionState.ENDED
        s3 = (await b3.request(p.Announce(kind="walk_in"))).session
        assert s3.state is SessionState.OFFERED  # offered but never accepted before the crash

        # A burst of decisions, and the server is killed while they are in flight.
        acked: list[str] = []

        async def decide(i: int) -> None:
            with contextlib.suppress(NotConnected, RequestRefused, asyncio.TimeoutError):
                await cso.request(p.Decision(id=f"dec-{i}", session_id=s1.id, document="kk", verdict="rejected",
                                             reason="unreadable"))
                acked.append(f"dec-{i}")

        burst = [asyncio.create_task(decide(i)) for i in range(60)]
        await _until(lambda: len(acked) >= 5)
        servers[0].kill()
        await asyncio.wait_for(asyncio.gather(*burst), 2 * WAIT)
        assert 5 <= len(acked) <= 60

        # Everything acknowledged is on disk.
        store = Store(db)
        try:
            assert store.session(s1.id).state is SessionState.ACTIVE and store.session(s1.id).cso_id == "cso-01"
            assert store.session(s2.id).state is SessionState.ENDED
            assert store.session(s2.id).outcome is p.Outcome.COMPLETED
            assert store.session(s3.id).state is SessionState.OFFERED
            audit = store.audit(s1.id)
            decided = {a.detail["ref"] for a in audit if a.event == "decision"}
            assert set(acked) | {"d0"} <= decided
            assert {d.ref for d in store.decisions(s1.id)} == decided  # the case file's record
            assert [a.event for a in audit[:3]] == ["announced", "offered", "accepted"]
            assert [a.event for a in store.audit(s2.id)][-1] == "ended"
        finally:
            store.close()

        # Restart on the same port; the clients come back on their own and resume.
        servers.append(ServerProcess(config, port, tmp_path / "server-2.log"))
        assert await servers[1].url() == url
        await _until(lambda: all(c.connects >= 2 for c, _ in clients.values()), 4 * WAIT)
        for client, _ in clients.values():
            await client.wait_ready(WAIT)
        assert [(s.id, s.state, s.cso_id) for s in b1.welcome.sessions] == [(s1.id, SessionState.ACTIVE, "cso-01")]
        assert b2.welcome.sessions == []
        assert (s1.id, SessionState.ACTIVE) in {(s.id, s.state) for s in cso.welcome.sessions}
        # the offer nobody accepted went back to the queue and is offered again
        await _until(lambda: any(m.type == "session" and m.session.id == s3.id
                                 and m.session.state is SessionState.OFFERED
                                 for m in cin.messages[cin.messages.index(cso.welcome):]))

        await relay_works(b1, cin, s1.id, "after-restart")
        await relay_works(cso, bin1, s1.id, "after-restart-back")
        again = (await b2.request(p.Announce(kind="walk_in"))).session
        assert again.ticket == "A004"  # ticket numbers continue across the crash
        ack = await cso.request(p.End(session_id=s1.id, outcome=p.Outcome.REFERRED))
        assert ack.session.state is SessionState.ENDED
        store = Store(db)
        try:
            assert store.session(s1.id).outcome is p.Outcome.REFERRED
        finally:
            store.close()
    finally:
        for client, _ in clients.values():
            await client.close()
        for server in servers:
            server.kill()


# ----------------------------------------------------------------------------- group commit


async def _probe_server(tmp_path):
    """A running server with booth-01 connected raw; (branch context, ws, conn id, server)."""
    from signaling.testing import running_server
    from test_signaling_kit import raw_online

    ctx = running_server(tmp_path / "branch.db", booths=1)
    branch = await ctx.__aenter__()
    ws = await raw_online(branch, "booth", "booth-01")
    server = branch.server
    await _until(lambda: not server._pending)  # whatever the hello changed is written
    return ctx, ws, server.branch.by_device[("booth", "booth-01")], server


def _probes(server, conn: str, n: int, pad: int = 0) -> None:
    from signaling.protocol import ErrorCode
    from signaling.routing import AuditEntry, Effects, Send

    now = server.clock()
    for i in range(n):  # durable (an audit row each), each telling booth-01 something
        server._apply(Effects(sends=[Send(conn, p.Error(code=ErrorCode.INTERNAL, message=f"probe {i}"))],
                              audit=[AuditEntry(now, "test", None, "probe", {"i": i, "pad": "x" * pad})]))


def _probe_rows(db: Path) -> int:
    import sqlite3

    with contextlib.closing(sqlite3.connect(db)) as other:  # another connection: what is on disk
        return other.execute("SELECT count(*) FROM audit WHERE event='probe'").fetchone()[0]


async def test_what_one_turn_changes_is_written_in_one_commit_before_anything_is_said(tmp_path):
    """Five inputs handled in one turn of the event loop: one transaction at the end of the turn,
    and only then their messages, in order, with a reply decided after them still behind them."""
    from signaling.protocol import ErrorCode
    from test_signaling_kit import raw_recv

    ctx, ws, conn, server = await _probe_server(tmp_path)
    try:
        commits = server.store.commits
        _probes(server, conn, 5)
        server._reply(conn, p.Error(code=ErrorCode.INVALID_MESSAGE, message="probe reply"))
        assert server.store.commits == commits and _probe_rows(tmp_path / "branch.db") == 0  # not yet
        got = [await raw_recv(ws, lambda m: m["type"] == "error" and m["message"].startswith("probe"))
               for _ in range(6)]
        assert [m["message"] for m in got] == [f"probe {i}" for i in range(5)] + ["probe reply"]
        assert server.store.commits == commits + 1
        assert _probe_rows(tmp_path / "branch.db") == 5
        await ws.close()
    finally:
        await ctx.__aexit__(None, None, None)


async def test_a_commit_the_disk_refuses_acknowledges_nothing_and_the_server_goes_on(tmp_path, caplog):
    """The database is full (SQLite's own SQLITE_FULL, as on a full disk: the file may not grow
    past the pages it has): nothing of that turn is said, the failure is logged with the file,
    and once there is room again later turns are written and said."""
    from signaling.protocol import ErrorCode
    from test_signaling_kit import raw_recv

    ctx, ws, conn, server = await _probe_server(tmp_path)
    try:
        db = server.store.db
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")
        with caplog.at_level(logging.ERROR, logger="signaling.server"):
            _probes(server, conn, 3, pad=20_000)  # more than the free room in the last pages
            server._reply(conn, p.Error(code=ErrorCode.INVALID_MESSAGE, message="probe reply"))  # nothing durable
            await asyncio.sleep(0.3)
        assert any("could not write what 3 input(s) changed" in r.getMessage() and "branch.db" in r.getMessage()
                   and "full" in (r.exc_text or "") for r in caplog.records)
        assert _probe_rows(tmp_path / "branch.db") == 0  # rolled back: none of the three
        db.execute("PRAGMA max_page_count = 1073741823")
        _probes(server, conn, 1)
        said = await raw_recv(ws, lambda m: m["type"] == "error" and m["message"].startswith("probe"))
        assert said["message"] == "probe reply"  # it only waited behind the refused turn: still said
        first = await raw_recv(ws, lambda m: m["type"] == "error" and m["message"].startswith("probe"))
        assert first["message"] == "probe 0"  # from the turn that was written, not the refused one
        assert _probe_rows(tmp_path / "branch.db") == 1
        await ws.close()
    finally:
        await ctx.__aexit__(None, None, None)


async def test_a_close_decided_in_a_turn_the_disk_refuses_still_closes(tmp_path):
    """A connection told to go (a flooder, a revoked token) in a turn whose commit fails is still
    closed: the close waited behind the commit only to keep the order."""
    from signaling.server import _CloseRequest

    ctx, ws, conn, server = await _probe_server(tmp_path)
    try:
        db = server.store.db
        db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
        _probes(server, conn, 3, pad=20_000)
        server._put(conn, _CloseRequest(4008, "probe close"))
        await asyncio.wait_for(ws.wait_closed(), 5.0)
        assert ws.close_code == 4008 and ws.close_reason == "probe close"
        assert _probe_rows(tmp_path / "branch.db") == 0
    finally:
        await ctx.__aexit__(None, None, None)
