"""config/console-*.toml: one CSO console (identity, server, ICE, desk rules, the officer's camera,
microphone and loudspeaker, canned prompts)."""
from __future__ import annotations

from pathlib import Path

from typing import Annotated

from pydantic import Field, model_validator

from common.config import DeviceId, Section, Token
from common.language import DEFAULT_LANGUAGE, Language
from hardware.settings import AudioSettings, CameraSettings
from media.config import IceSection
from signaling.config import ServerLink

PromptKey = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]


class ConsoleSection(Section):
    """Who this console's officer is."""

    id: DeviceId
    token: Token
    name: str = ""
    language: Language = Field(DEFAULT_LANGUAGE, description="the console's language: id (Bahasa Indonesia) or en")


class DeskSection(Section):
    """How the desk treats arriving booths."""

    auto_accept: bool = Field(True, description="accept every booth offered to a free slot at once")
    focus_free_on_accept: bool = Field(True, description="focus an accepted booth when no booth is focused")
    waited_too_long: float = Field(120.0, gt=0, description="seconds a booth may wait for the officer before its tile alarms")


class PromptEntry(Section):
    """A canned prompt the officer sends to a booth's screen, in each booth language."""

    key: PromptKey
    id: Annotated[str, Field(min_length=1, max_length=300)]
    en: Annotated[str, Field(min_length=1, max_length=300)]


def _default_prompts() -> list[PromptEntry]:
    return [
        PromptEntry(key="greeting", id="Selamat datang. Saya akan membantu klaim JHT Anda.",
                    en="Welcome. I will help you with your JHT claim."),
        PromptEntry(key="show_document", id="Silakan letakkan dokumen di atas baki di bawah kamera.",
                    en="Please place the document on the tray under the camera."),
        PromptEntry(key="please_wait", id="Mohon tunggu sebentar, saya sedang memeriksa dokumen Anda.",
                    en="Please wait a moment while I check your document."),
        PromptEntry(key="speak_louder", id="Mohon bicara sedikit lebih keras.",
                    en="Please speak a little louder."),
        PromptEntry(key="thank_you", id="Terima kasih. Klaim Anda sudah kami terima.",
                    en="Thank you. We have received your claim."),
    ]


class ConsoleConfig(Section):
    """config/console-*.toml: one CSO console."""

    cso: ConsoleSection
    server: ServerLink | None = None
    """Where the branch server is; the hardware tools need none, the app does."""

    def resolve_paths(self, base: Path) -> None:
        """The branch CA path is relative to the config file's folder."""
        if self.server is not None:
            self.server.resolve_paths(base)
    ice: IceSection = IceSection()
    desk: DeskSection = DeskSection()
    camera: CameraSettings = Field(
        default_factory=lambda: CameraSettings(width=640, height=360, fps=15),
        description="the officer's camera (sent to the focused booth at 640x360@15); source = \"synthetic\" for a test pattern")
    microphone: AudioSettings = Field(
        default_factory=AudioSettings,
        description="the officer's microphone (heard by the focused booth): the system default unless named")
    speaker: AudioSettings = Field(
        default_factory=AudioSettings,
        description="the officer's loudspeaker or headset (plays the focused booth): the system default unless named")
    prompts: list[PromptEntry] = Field(default_factory=_default_prompts)

    @model_validator(mode="after")
    def _unique_prompts(self) -> "ConsoleConfig":
        keys = [p.key for p in self.prompts]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"prompts: duplicate key {dupes[0]!r}")
        return self
