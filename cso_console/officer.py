"""The officer's microphone and loudspeaker, from the console config's ``[microphone]`` and
``[speaker]`` tables (the camera is built beside them in :func:`cso_console.ui.run.officer_media`).

The microphone is a sound card's input (:class:`hardware.audio.SoundCardMicrophone`), or the
test tone when simulating; the loudspeaker plays the focused booth through a playout buffer
(:class:`media.playout.Loudspeaker`), or records what it would play when simulating. Both are
the system's default device unless a device is named. A missing device is a fault the console
logs and reports with its name (:func:`audio_faults`), never a crash: the device opens by
itself when it appears.
"""
from __future__ import annotations

import logging

from cso_console.config import ConsoleConfig
from hardware.audio import RecordingSpeaker, SoundCardMicrophone, SoundCardSpeaker
from hardware.synthetic import ToneMicrophone
from media.playout import Loudspeaker

logger = logging.getLogger(__name__)


def officer_audio(config: ConsoleConfig, simulate: bool = False) -> dict:
    """The officer's microphone and loudspeaker as :class:`media.engine.CsoMedia` fields
    (``audio``, ``speaker``; None for a table with ``enabled = false``).

    Args:
        config: the console config.
        simulate: a test tone and a recording loudspeaker instead of the sound card.
    """
    mic, spk = config.microphone, config.speaker
    audio = speaker = None
    if mic.enabled:
        audio = ToneMicrophone(220) if simulate or mic.source == "synthetic" else SoundCardMicrophone(mic.device_spec)
    if spk.enabled:
        device = RecordingSpeaker() if simulate or spk.source == "synthetic" else SoundCardSpeaker(spk.device_spec)
        speaker = Loudspeaker(device)
    return {"audio": audio, "speaker": speaker}


def audio_faults(audio, speaker) -> dict[str, str]:
    """What is wrong with the officer's microphone and loudspeaker now, by role ("" when fine).

    Args:
        audio: the microphone track (or None).
        speaker: the :class:`media.playout.Loudspeaker` (or None).
    """
    out = {}
    for role, dev in (("microphone", audio), ("speaker", getattr(speaker, "device", None))):
        state = getattr(getattr(dev, "state", None), "value", "running")
        out[role] = "" if dev is None or state in ("running", "starting") else (getattr(dev, "reason", "") or state)
    return out
