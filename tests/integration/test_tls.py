"""wss:// on the branch LAN: the branch CA and server certificate made by `lapak ca`, real TLS on
loopback, clients that trust only the pinned branch CA and check the host name, and plain ws://
refused unless a development machine asks for it."""
from __future__ import annotations

import asyncio
import contextlib
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from signaling import protocol as p
from signaling.config import ServerConfig, ServerLink
from signaling.server import InsecureConfig, SignalingServer
from signaling.stills_client import StillTransfer
from signaling.testing import running_server
from signaling.tls import TlsError, client_context, init_ca, issue_server_cert
from test_signaling_kit import WAIT, Inbox

ROOT = Path(__file__).resolve().parents[2]


def lapak(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lapak", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A branch CA made by `lapak ca init`, a server certificate for 127.0.0.1 and localhost made by
    `lapak ca issue`, and a second, foreign CA."""
    root = tmp_path_factory.mktemp("pki")
    made = lapak("ca", "init", "--dir", str(root / "ca"), "--branch", "Test branch")
    assert made.returncode == 0, made.stderr
    issued = lapak("ca", "issue", "--dir", str(root / "ca"), "--host", "127.0.0.1", "--host", "localhost",
                   "--out", str(root / "tls"))
    assert issued.returncode == 0, issued.stderr
    init_ca(root / "other", "someone else")
    return root


def test_ca_files_are_owner_only_and_a_second_init_is_refused(pki):
    assert (pki / "ca" / "branch-ca.key").stat().st_mode & 0o077 == 0
    assert (pki / "tls" / "server.key").stat().st_mode & 0o077 == 0
    again = lapak("ca", "init", "--dir", str(pki / "ca"))
    assert again.returncode == 1 and "already holds a branch CA" in again.stderr
    with pytest.raises(TlsError, match="run `lapak ca init` first"):
        issue_server_cert(pki / "nothing", ["127.0.0.1"], pki / "x")
    with pytest.raises(TlsError, match="neither an IP address nor a host name"):
        issue_server_cert(pki / "ca", ["bad host/name"], pki / "x")
    with pytest.raises(TlsError, match="is missing"):
        client_context(pki / "nope.pem")


async def test_devices_talk_over_wss_trusting_only_the_branch_ca(pki, tmp_path):
    tls = {"cert": str(pki / "tls" / "server.pem"), "key": str(pki / "tls" / "server.key")}
    async with running_server(tmp_path / "branch.db", booths=1, csos=1, tls=tls) as branch:
        assert branch.url.startswith("wss://")
        link = ServerLink(url=branch.url, ca=pki / "ca" / "branch-ca.pem")
        async with contextlib.AsyncExitStack() as stack:
            inbox = Inbox()
            cso = branch.client("cso", "cso-01", on_message=inbox, ssl=link.ssl_context())
            await cso.start()
            stack.push_async_callback(cso.close)
            await cso.wait_ready(WAIT)
            booth = branch.client("booth", "booth-01", ssl=link.ssl_context())
            await booth.start()
            stack.push_async_callback(booth.close)
            await booth.wait_ready(WAIT)
            sid = (await booth.request(p.Announce(kind="walk_in"))).session.id
            up = StillTransfer(branch.url, "booth", "booth-01", branch.tokens[("booth", "booth-01")],
                               ssl=link.ssl_context())
            stack.push_async_callback(up.close)
            await inbox.wait(lambda m: isinstance(m, p.SessionUpdate) and m.session.id == sid)

        # a client that does not pin the branch CA (the system's store) does not get in ...
        stranger = branch.client("booth", "booth-01", ssl=ssl.create_default_context(), backoff_initial=0.05,
                                 backoff_max=0.1)
        # ... nor one pinning another CA, nor one reaching the server by a name its certificate lacks
        foreign = branch.client("booth", "booth-01", ssl=client_context(pki / "other" / "branch-ca.pem"),
                                backoff_initial=0.05, backoff_max=0.1)
        for c in (stranger, foreign):
            await c.start()
        await asyncio.sleep(1.0)
        for c in (stranger, foreign):
            assert c.connects == 0
            await c.close()
        port = branch.url.rsplit(":", 1)[1]
        wrong_name = branch.client("booth", "booth-01", ssl=link.ssl_context())
        wrong_name.url = f"wss://127.0.0.2:{port}"
        await wrong_name.start()
        await asyncio.sleep(0.5)
        assert wrong_name.connects == 0
        await wrong_name.close()


def test_plain_ws_needs_the_development_switch_on_both_ends(tmp_path):
    base = {"branch": {"id": "b"}, "database": str(tmp_path / "db")}
    with pytest.raises(InsecureConfig, match="lapak ca init"):
        SignalingServer(ServerConfig.model_validate(base))  # the offline tools read such a file fine
    SignalingServer(ServerConfig.model_validate({**base, "listen": {"allow_plain": True}})).store.close()
    with pytest.raises(ValidationError, match="cross the LAN in clear"):
        ServerLink(url="ws://10.0.0.2:8765")
    with pytest.raises(ValidationError, match="needs ca"):
        ServerLink(url="wss://10.0.0.2:8765")
    assert ServerLink(url="ws://10.0.0.2:8765", allow_plain=True).ssl_context() is None


def test_a_plain_server_says_so_loudly(tmp_path, caplog):
    async def run():
        async with running_server(tmp_path / "branch.db", booths=1, csos=1) as branch:
            assert branch.url.startswith("ws://")

    asyncio.run(run())
    assert any("PLAIN ws://" in r.message and r.levelname == "WARNING" for r in caplog.records)
