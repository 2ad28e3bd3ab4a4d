"""Sound devices without a sound card: choosing a device from the config, a missing device as a
fault that names it, the simulated loudspeaker, the settings tables."""
import asyncio
import time

import numpy as np
import pytest

import tomllib

from common.config import ConfigError, parse
from cso_console.config import ConsoleConfig
from hardware.audio import (AudioDeviceInfo, AudioState, RecordingSpeaker, SoundCardMicrophone, SoundCardSpeaker,
                            describe, find_device)
from hardware.booth import BoothDevices, open_booth_devices
from hardware.errors import AudioUnavailable
from hardware.settings import AudioSettings, DevicesSettings
from kiosk.config import BoothConfig

WAIT = 10.0

LISTED = [
    AudioDeviceInfo(0, "HDA Intel PCH: ALC257 Analog (hw:0,0)", "ALSA", 2, 2, 48000.0),
    AudioDeviceInfo(1, "USB Audio Device: - (hw:1,0)", "ALSA", 1, 2, 48000.0),
    AudioDeviceInfo(2, "HDMI 0 (hw:0,3)", "ALSA", 0, 8, 48000.0),
    AudioDeviceInfo(3, "pulse", "ALSA", 32, 32, 44100.0),
    AudioDeviceInfo(4, "default", "ALSA", 32, 32, 44100.0, default_input=True, default_output=True),
]


def wait_until(pred, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def test_the_default_device_is_the_systems():
    assert find_device(None, "input", LISTED).name == "default"
    assert find_device("default", "output", LISTED).index == 4


def test_a_device_by_index_exact_name_or_unique_part_of_its_name():
    assert find_device(1, "input", LISTED).name.startswith("USB Audio")
    assert find_device("pulse", "output", LISTED).index == 3
    assert find_device("usb audio", "input", LISTED).index == 1
    assert find_device("HDMI", "output", LISTED).index == 2


def test_wrong_devices_are_refused_naming_them():
    with pytest.raises(AudioUnavailable, match=r"input device 'Jabra' not found"):
        find_device("Jabra", "input", LISTED)
    with pytest.raises(AudioUnavailable, match=r"input device index 2 \('HDMI 0 \(hw:0,3\)'\) has no input"):
        find_device(2, "input", LISTED)
    with pytest.raises(AudioUnavailable, match=r"output device index 9 not found"):
        find_device(9, "output", LISTED)
    with pytest.raises(AudioUnavailable, match=r"ambiguous.*HDA Intel.*HDMI"):
        find_device("H", "output", LISTED)
    with pytest.raises(AudioUnavailable, match="no input sound device at all"):
        find_device(None, "input", [])
    assert describe(None) == "the system default" and describe(3) == "index 3" and describe("USB") == "'USB'"


def test_a_missing_microphone_is_a_fault_naming_it_and_the_track_sends_silence():
    async def run():
        mic = SoundCardMicrophone("no-such-microphone", retry_initial=0.05, retry_max=0.1)
        try:
            assert await asyncio.to_thread(wait_until, lambda: mic.state is AudioState.UNAVAILABLE)
            assert "microphone ('no-such-microphone')" in mic.reason
            assert "not found" in mic.reason or "no sound system" in mic.reason
            frames = [await mic.recv() for _ in range(3)]  # the call carries on with silence
            assert all(f.samples == 960 and f.sample_rate == 48000 and not f.to_ndarray().any() for f in frames)
            assert [f.pts for f in frames] == [0, 960, 1920]
        finally:
            mic.stop()
        assert mic.readyState == "ended"
    asyncio.run(run())


def test_booth_health_names_a_missing_microphone_and_loudspeaker():
    devices = BoothDevices(microphone=SoundCardMicrophone("no-such-mic", retry_initial=0.05),
                           speaker=SoundCardSpeaker("no-such-speaker", retry_initial=0.05))
    try:
        devices.speaker.play_from(lambda n: np.zeros((n, 1), np.int16))
        assert wait_until(lambda: all(not s.ok for s in devices.health()))
        health = {s.role: s for s in devices.health()}
        assert "'no-such-mic'" in health["microphone"].message
        assert "'no-such-speaker'" in health["speaker"].message
    finally:
        devices.stop()
    assert devices.speaker.state is AudioState.STOPPED


def test_the_recording_speaker_plays_what_it_is_given_in_real_time():
    tone = (np.arange(48000) % 100).astype(np.int16)
    pos = [0]

    def pull(n):
        out = tone[pos[0]:pos[0] + n].reshape(-1, 1)
        pos[0] += n
        return out

    spk = RecordingSpeaker()
    spk.play_from(pull)
    assert wait_until(lambda: spk.blocks_played >= 10)
    spk.stop()
    played = spk.played()
    assert np.array_equal(played, tone[:len(played)])


def test_simulated_booths_have_a_tone_microphone_and_a_recording_loudspeaker():
    devices = open_booth_devices(DevicesSettings(), simulate=True)
    try:
        assert isinstance(devices.speaker, RecordingSpeaker)
        assert {s.role for s in devices.health()} >= {"microphone", "speaker"}
    finally:
        devices.stop()


def test_audio_tables_in_the_booth_and_console_configs():
    booth = parse(BoothConfig, tomllib.loads("""
[booth]
id = "booth-01"
token = "booth-01-token"
[devices.microphone]
device = "USB Audio"
[devices.speaker]
device = 3
"""), "booth.toml")
    assert booth.devices.microphone.device_spec == "USB Audio" and booth.devices.speaker.device_spec == 3
    assert AudioSettings().device_spec is None  # "default": the system's
    console = parse(ConsoleConfig, tomllib.loads("""
[cso]
id = "cso-01"
token = "cso-01-token"
"""), "console.toml")
    assert console.microphone.device_spec is None and console.speaker.enabled
    with pytest.raises(ConfigError, match="speaker"):
        parse(BoothConfig, tomllib.loads('[booth]\nid = "b"\ntoken = "booth-01-token"\n[devices.speaker]\nvolume = 3\n'),
              "b.toml")
