"""TOML configuration of the branch server, a booth and a CSO console, validated with pydantic.

Every problem is reported once, naming the file, the key and what was expected, as a
:class:`ConfigError`; the CLI prints it and exits 2 without starting anything.
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hardware.settings import DevicesSettings

DeviceId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Token = Annotated[str, Field(min_length=8, max_length=256)]


class ConfigError(Exception):
    """A configuration file is missing or wrong.

    Args:
        path: the file.
        problems: one line per problem, each naming the key and what was expected.
    """

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        if len(problems) == 1:
            text = f"{self.path}: {problems[0]}"
        else:
            text = f"{self.path}:\n  " + "\n  ".join(problems)
        super().__init__(text)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- branch server


class BranchSection(_Section):
    id: DeviceId
    name: str = ""


class ListenSection(_Section):
    host: str = "0.0.0.0"
    port: int = Field(8765, ge=0, le=65535)


class LimitsSection(_Section):
    """Safety limits of the signaling server."""

    max_message_bytes: int = Field(65536, ge=1024, le=16 * 2**20, description="largest message accepted")
    rate_per_second: float = Field(50.0, gt=0, description="messages per second a connection may send")
    rate_burst: int = Field(200, ge=1, description="messages a connection may send in one burst")
    hello_timeout: float = Field(10.0, gt=0, description="seconds a new connection has to say hello")
    ping_interval: float = Field(5.0, gt=0, description="seconds between WebSocket pings (presence)")
    ping_timeout: float = Field(10.0, gt=0, description="seconds without a pong before a peer is dead")
    outbound_queue: int = Field(1000, ge=10, description="messages queued for a slow reader before it is cut off")
    resume_grace: float = Field(60.0, ge=0, description="seconds a dropped device keeps its sessions")


class BookingSection(_Section):
    early_minutes: float = Field(10.0, ge=0, description="minutes before its slot a booking takes priority")
    late_minutes: float = Field(30.0, ge=0, description="minutes after its slot a booking is still honoured")


class DeviceEntry(_Section):
    id: DeviceId
    token: Token
    name: str = ""


class CsoEntry(DeviceEntry):
    capacity: int = Field(6, ge=4, le=6, description="booths this CSO serves at once")


class ServerConfig(_Section):
    """config/server.toml: the branch signaling server."""

    branch: BranchSection
    listen: ListenSection = ListenSection()
    database: Path = Path("var/branch.db")
    limits: LimitsSection = LimitsSection()
    booking: BookingSection = BookingSection()
    booths: list[DeviceEntry] = []
    csos: list[CsoEntry] = []
    technicians: list[DeviceEntry] = []

    @model_validator(mode="after")
    def _unique_ids(self) -> "ServerConfig":
        for role in ("booths", "csos", "technicians"):
            ids = [d.id for d in getattr(self, role)]
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{role}: duplicate id {dupes[0]!r}")
        return self


# --------------------------------------------------------------------------- booth and console


class ServerLink(_Section):
    url: Annotated[str, Field(pattern=r"^wss?://")] = "ws://127.0.0.1:8765"


class IceSection(_Section):
    """Optional STUN/TURN; the branch LAN needs none (host candidates)."""

    stun: list[Annotated[str, Field(pattern=r"^stuns?:")]] = []
    turn: list[Annotated[str, Field(pattern=r"^turns?:")]] = []
    turn_username: str | None = None
    turn_password: str | None = None

    @model_validator(mode="after")
    def _turn_credentials(self) -> "IceSection":
        if self.turn and not (self.turn_username and self.turn_password):
            raise ValueError("turn servers need turn_username and turn_password")
        return self

    def media_options(self) -> dict[str, Any]:
        """Keyword arguments for ``media.session.MediaConfig``: the ICE servers to use."""
        return {"ice_servers": [*self.stun, *self.turn], "turn_username": self.turn_username,
                "turn_password": self.turn_password}


class BoothSection(_Section):
    id: DeviceId
    token: Token
    languages: list[Literal["id", "en"]] = ["id", "en"]
    default_language: Literal["id", "en"] = "id"


class BoothConfig(_Section):
    """config/booth-*.toml: one booth PC."""

    booth: BoothSection
    server: ServerLink = ServerLink()
    ice: IceSection = IceSection()
    devices: DevicesSettings = DevicesSettings()


class ConsoleSection(_Section):
    id: DeviceId
    token: Token
    name: str = ""


class ConsoleConfig(_Section):
    """config/console-*.toml: one CSO console."""

    cso: ConsoleSection
    server: ServerLink = ServerLink()
    ice: IceSection = IceSection()


# --------------------------------------------------------------------------- loading

M = TypeVar("M", bound=BaseModel)


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys allowed in the table that holds ``loc`` (walking nested models and lists)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        nested = [a for a in (get_args(field.annotation) or (field.annotation,))
                  for a in (get_args(a) or (a,)) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not nested:
            return []
        current = nested[0]
    return sorted(getattr(current, "model_fields", {}))


def _expected(model: type[BaseModel], err: dict) -> str:
    kind = err["type"]
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        known = _known_keys(model, tuple(err["loc"]))
        return "is not a known key" + (f"; expected one of: {', '.join(known)}" if known else "")
    got = err.get("input")
    shown = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
    return f"{err['msg'].lower()} (got {shown})"


def parse(model: type[M], data: dict[str, Any], path: Path | str = "<config>") -> M:
    """Validate already-read TOML data.

    Args:
        model: the config model (ServerConfig, BoothConfig, ConsoleConfig).
        data: the parsed TOML.
        path: the file it came from, for messages.

    Raises:
        ConfigError: naming each wrong key and what was expected.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(x) for x in err["loc"]) or "(top level)"
            problems.append(f"key '{key}' {_expected(model, err)}")
        raise ConfigError(path, problems) from None


def load(model: type[M], path: Path | str) -> M:
    """Read and validate one TOML config file.

    Args:
        model: the config model.
        path: the TOML file.

    Raises:
        ConfigError: the file is missing, unreadable, not TOML, or has wrong keys or types.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, ["config file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [f"cannot read config file: {exc}"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    cfg = parse(model, data, path)
    if isinstance(cfg, ServerConfig) and not cfg.database.is_absolute():
        cfg.database = (path.parent / cfg.database).resolve()
    return cfg
