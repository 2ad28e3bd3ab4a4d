"""config/booth-*.toml: one booth PC (identity, server, ICE, screen timings, technician PIN,
devices)."""
from __future__ import annotations

from pathlib import Path

from typing import Annotated

from pydantic import Field, model_validator

from common.config import DeviceId, Section, Token
from common.language import Language
from hardware.settings import DevicesSettings
from kiosk.pin import PIN_HASH_PATTERN
from media.config import IceSection
from signaling.config import ServerLink


class BoothSection(Section):
    """Who this booth is and which languages it offers."""

    id: DeviceId
    token: Token
    languages: list[Language] = [Language.ID, Language.EN]
    default_language: Language = Language.ID

    @model_validator(mode="after")
    def _default_offered(self) -> "BoothSection":
        if not self.languages:
            raise ValueError("languages: offer at least one language")
        if self.default_language not in self.languages:
            raise ValueError(f"default_language {self.default_language.value!r} is not in languages")
        return self


class ScreenSection(Section):
    """How long the booth screens wait for a participant."""

    still_there_after: float = Field(90.0, gt=0, description="seconds without a touch before 'are you still there?'")
    waiting_still_there_after: float = Field(600.0, gt=0, description="the same while waiting in the queue")
    still_there_answer: float = Field(30.0, gt=0, description="seconds to answer it before the visit is given up")
    check_in_timeout: float = Field(120.0, gt=0, description="seconds on the check-in screens before going back to idle")
    message_seconds: float = Field(6.0, gt=0, description="seconds a short message (bad code, verdict) stays up")
    end_screen_seconds: float = Field(30.0, gt=0, description="seconds the end screen stays before the wipe")
    reconnect_out_of_service: float = Field(20.0, gt=0, description="seconds without the server, while idle, before 'out of service'")


class TechnicianSection(Section):
    """The technician screen behind a hidden gesture and a PIN."""

    pin_hash: Annotated[str, Field(pattern=PIN_HASH_PATTERN)] | None = None
    max_attempts: int = Field(3, ge=1, le=10, description="wrong PINs in a row before a lockout")
    lockout_seconds: float = Field(60.0, gt=0, description="first lockout; each further one doubles")


class BoothConfig(Section):
    """config/booth-*.toml: one booth PC."""

    booth: BoothSection
    server: ServerLink | None = None
    """Where the branch server is; the hardware tools need none, the app does."""

    def resolve_paths(self, base: Path) -> None:
        """The branch CA path is relative to the config file's folder."""
        if self.server is not None:
            self.server.resolve_paths(base)
    ice: IceSection = IceSection()
    screen: ScreenSection = ScreenSection()
    technician: TechnicianSection = TechnicianSection()
    devices: DevicesSettings = DevicesSettings()
