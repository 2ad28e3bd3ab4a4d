"""A real signaling server on a loopback port, for tests, benchmarks and the demo."""
from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator

from signaling.config import ServerConfig
from .client import SignalingClient
from .server import SignalingServer


@dataclass
class Branch:
    """A running test branch: its server, config and every device's token."""

    server: SignalingServer
    config: ServerConfig
    tokens: dict[tuple[str, str], str]

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, role: str, device_id: str, on_message=None, **kwargs) -> SignalingClient:
        """A (not yet started) client for a configured device."""
        return SignalingClient(self.url, role, device_id, self.tokens[(role, device_id)], on_message, **kwargs)


def branch_config(database: Path, booths: int = 6, csos: int = 1, capacity: int = 6, port: int = 0,
                  technicians: int = 1, host: str = "127.0.0.1", tls: dict | None = None, **limits) -> ServerConfig:
    """A server config with generated devices: booth-01.., cso-01.., tech-01..

    Args:
        database: the SQLite file.
        booths: number of booths.
        csos: number of CSOs.
        capacity: booth capacity of every CSO.
        port: TCP port (0 picks a free one).
        host: the address to listen on.
        tls: ``{"cert": ..., "key": ...}`` to serve wss://; None serves plain ws:// (allow_plain).
        technicians: number of technicians.
        **limits: overrides of the [limits] section.
    """
    def tok() -> str:
        return secrets.token_hex(16)

    return ServerConfig.model_validate({
        "branch": {"id": "test-branch", "name": "Test branch"},
        "listen": {"host": host, "port": port, "allow_plain": tls is None},
        "tls": tls,
        "database": str(database),
        "limits": limits,
        "booths": [{"id": f"booth-{i:02d}", "token": tok()} for i in range(1, booths + 1)],
        "csos": [{"id": f"cso-{i:02d}", "token": tok(), "capacity": capacity} for i in range(1, csos + 1)],
        "technicians": [{"id": f"tech-{i:02d}", "token": tok()} for i in range(1, technicians + 1)],
    })


def tokens_of(config: ServerConfig) -> dict[tuple[str, str], str]:
    """Every device's token keyed by (role, device_id)."""
    out = {}
    for role, entries in (("booth", config.booths), ("cso", config.csos), ("technician", config.technicians)):
        out.update({(role, e.id): e.token for e in entries})
    return out


@contextlib.asynccontextmanager
async def running_server(database: Path, **kwargs) -> AsyncIterator[Branch]:
    """Start a real server on 127.0.0.1 (free port) and stop it afterwards.

    Args:
        database: the SQLite file.
        **kwargs: passed to :func:`branch_config`.
    """
    config = branch_config(database, **kwargs)
    server = SignalingServer(config)
    await server.start()
    try:
        yield Branch(server, config, tokens_of(config))
    finally:
        await server.stop()
