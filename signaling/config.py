"""Configuration owned by the signaling layer: the branch server's file and the client's link.

``config/server.toml`` is a :class:`ServerConfig`: listen address, database, limits, booking
windows, the services a participant can come for (with the documents each needs), and every
device's identity and token. :class:`ServerLink` is the ``[server]`` table of a booth or
console file: where the branch server is.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator

from common.config import DeviceId, Section, Token
from common.documents import DEFAULT_SERVICE, JHT_CLAIM_DOCUMENTS, DocumentKind

ServiceId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]


class BranchSection(Section):
    """The branch this server serves."""

    id: DeviceId
    name: str = ""


class ListenSection(Section):
    """Where the server listens."""

    host: str = "0.0.0.0"
    port: int = Field(8765, ge=0, le=65535)
    allow_plain: bool = Field(False, description="serve plain ws:// without [tls] (a development machine only: "
                                                 "device tokens then cross the LAN in clear)")


class TlsSection(Section):
    """The server's certificate and key (``lapak ca issue`` makes them), for wss://."""

    cert: Path
    key: Path


class LimitsSection(Section):
    """Safety limits of the signaling server."""

    max_message_bytes: int = Field(65536, ge=1024, le=16 * 2**20, description="largest message accepted")
    rate_per_second: float = Field(50.0, gt=0, description="messages per second a connection may send")
    rate_burst: int = Field(200, ge=1, description="messages a connection may send in one burst")
    hello_timeout: float = Field(5.0, gt=0, description="seconds a new connection has to say hello (idle "
                                                         "unauthenticated sockets are dropped after it)")
    max_connections: int = Field(4096, ge=16, description="open connections at most (raised open-files limit "
                                                          "permitting); more are refused at once")
    max_unauthenticated_per_address: int = Field(32, ge=1, description="connections one address may have open "
                                                                       "before a good hello")
    failed_hellos_free: int = Field(3, ge=0, description="failed hellos from one address answered at once; each "
                                                         "further one waits twice as long as the last (up to 30 s)")
    replace_probe: float = Field(1.5, gt=0, description="seconds the live connection of a device has to answer a "
                                                        "ping when the device says hello again (answers: the "
                                                        "newcomer is refused)")
    ping_interval: float = Field(5.0, gt=0, description="seconds between WebSocket pings (presence)")
    ping_timeout: float = Field(10.0, gt=0, description="seconds without a pong before a peer is dead")
    outbound_queue: int = Field(1000, ge=10, description="messages queued for a slow reader before it is cut off")
    inbound_queue: int = Field(64, ge=1, description="messages websockets buffers per connection before it stops reading")
    resume_grace: float = Field(60.0, ge=0, description="seconds a dropped device keeps its sessions")
    wait_estimate_sessions: int = Field(20, ge=1, description="recent session lengths the wait estimate averages")
    still_max_bytes: int = Field(32 * 2**20, ge=2**20, le=256 * 2**20, description="largest document still accepted")
    stills_per_session: int = Field(32, ge=1, description="stills a session may have waiting for a decision")
    still_part_timeout: float = Field(30.0, gt=0, description="seconds an unfinished upload may stay silent before it is dropped")
    still_frame_bytes: int = Field(60 * 1024, ge=1024, description="bytes per binary frame when the server sends a still")
    stills_connections_per_device: int = Field(16, ge=1, le=256, description="stills connections one device may hold "
                                               "at once (a booth uploads over eight)")


class BookingSection(Section):
    """How booking slots are honoured."""

    early_minutes: float = Field(10.0, ge=0, description="minutes before its slot a booking takes priority")
    late_minutes: float = Field(30.0, ge=0, description="minutes after its slot a booking is still honoured")
    wrong_codes: int = Field(5, ge=1, description="wrong booking codes a booth may try within wrong_codes_minutes "
                                                  "before it is refused for a while (guessing)")
    wrong_codes_minutes: float = Field(10.0, gt=0, description="the window of wrong_codes")


class DeviceEntry(Section):
    """One device allowed to connect. Its token is best issued with ``lapak token new ROLE DEVICE``
    (kept hashed in the database); ``token`` (or its SHA-256, ``token_sha256``) here is for a
    development machine and tests."""

    id: DeviceId
    token: Token | None = None
    token_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    name: str = ""

    @model_validator(mode="after")
    def _one_token(self) -> "DeviceEntry":
        if self.token is not None and self.token_sha256 is not None:
            raise ValueError(f"device {self.id!r}: give token or token_sha256, not both")
        return self


class CsoEntry(DeviceEntry):
    """One customer-service officer's console."""

    capacity: int = Field(6, ge=4, le=6, description="booths this CSO serves at once")


class ServiceEntry(Section):
    """A service a participant can come for, with the documents its claim checklist needs."""

    id: ServiceId
    documents: list[DocumentKind] = Field(min_length=1)

    @model_validator(mode="after")
    def _no_repeats(self) -> "ServiceEntry":
        if len(set(self.documents)) != len(self.documents):
            raise ValueError(f"service {self.id!r} lists a document twice")
        return self


def _default_services() -> list[ServiceEntry]:
    return [ServiceEntry(id=DEFAULT_SERVICE, documents=list(JHT_CLAIM_DOCUMENTS))]


class RetentionSection(Section):
    """How long the case files' stills are kept on the branch server."""

    stills_days: float = Field(365.0, ge=0, description="days after a session ended that its stills are deleted "
                                                        "(the decisions and the audit log keep their SHA-256); "
                                                        "0 keeps them forever")


class ServerConfig(Section):
    """config/server.toml: the branch signaling server."""

    def devices(self):
        """Every configured device as (role, entry)."""
        for role, entries in (("booth", self.booths), ("cso", self.csos), ("technician", self.technicians)):
            for e in entries:
                yield role, e

    branch: BranchSection
    listen: ListenSection = ListenSection()
    database: Path = Path("var/branch.db")
    stills: Path | None = None
    """where the document stills are kept (the case files), owner-only; default: a ``stills``
    folder next to the database"""
    limits: LimitsSection = LimitsSection()
    booking: BookingSection = BookingSection()
    retention: RetentionSection = RetentionSection()
    tls: TlsSection | None = None
    services: list[ServiceEntry] = Field(default_factory=_default_services)
    booths: list[DeviceEntry] = []
    csos: list[CsoEntry] = []
    technicians: list[DeviceEntry] = []

    @model_validator(mode="after")
    def _unique_ids(self) -> "ServerConfig":
        for role in ("booths", "csos", "technicians", "services"):
            ids = [d.id for d in getattr(self, role)]
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{role}: duplicate id {dupes[0]!r}")
        if DEFAULT_SERVICE not in {s.id for s in self.services}:
            raise ValueError(f"services: the default service {DEFAULT_SERVICE!r} (walk-ins) must be configured")
        return self

    def resolve_paths(self, base: Path) -> None:
        """The database path is relative to the config file's folder."""
        if not self.database.is_absolute():
            self.database = (base / self.database).resolve()
        if self.stills is not None and not self.stills.is_absolute():
            self.stills = (base / self.stills).resolve()
        if self.tls is not None:
            self.tls.cert = (base / self.tls.cert).resolve()
            self.tls.key = (base / self.tls.key).resolve()


    @property
    def stills_dir(self) -> Path:
        """The stills folder in force."""
        return self.stills if self.stills is not None else self.database.parent / "stills"


class ServerLink(Section):
    """The ``[server]`` table of a booth or console: where the branch server is, and the branch CA
    that vouches for it (``branch-ca.pem``, copied from the server)."""

    url: Annotated[str, Field(pattern=r"^wss?://")] = "wss://127.0.0.1:8765"
    ca: Path | None = None
    allow_plain: bool = Field(False, description="accept a plain ws:// url (a development machine only: the "
                                                 "device's token then crosses the LAN in clear)")

    @model_validator(mode="after")
    def _secure(self) -> "ServerLink":
        if self.url.startswith("ws://") and not self.allow_plain:
            raise ValueError(f"url {self.url} is plain ws://: the token would cross the LAN in clear. Use wss:// with "
                             f"ca = the branch CA, or set allow_plain = true on a development machine")
        if self.url.startswith("wss://") and self.ca is None:
            raise ValueError("a wss:// url needs ca = the branch CA file (branch-ca.pem from the server)")
        return self

    def resolve_paths(self, base: Path) -> None:
        if self.ca is not None and not self.ca.is_absolute():
            self.ca = (base / self.ca).resolve()

    def ssl_context(self):
        """The TLS context pinning the branch CA, or None for plain ws://.

        Raises:
            signaling.tls.TlsError: the CA file is missing or unreadable.
        """
        if self.url.startswith("ws://"):
            return None
        from signaling.tls import client_context

        return client_context(self.ca)
