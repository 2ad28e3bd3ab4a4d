"""Sound over real aiortc calls: the officer's voice at the booth's loudspeaker, the focused booth's
voice (and only its) at the officer's; then through real sound devices on a private PulseAudio
daemon (null sinks; what a sink played is recorded from its monitor and found by FFT).

Bounded waits, never timing assertions. The PulseAudio tests skip, saying why, where the daemon
cannot run (``./dev`` installs Debian's pulseaudio, pulseaudio-utils, libportaudio2 and
libasound2-plugins, so CI runs them).
"""
import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from bench.pulse import PrivatePulse, PulseUnavailable, tone_level
from hardware.audio import HOST, AudioState, RecordingSpeaker, SoundCardMicrophone, SoundCardSpeaker
from hardware.synthetic import SyntheticFaceCamera, ToneMicrophone
from media.booth_call import BoothMedia
from media.config import MediaConfig
from media.engine import BoothEngine, CsoEngine, CsoMedia
from media.playout import Loudspeaker
from test_media_engine import WAIT, Events, Pipe, wait_until

RATE = 48000


def heard(pcm: np.ndarray, frequency: float) -> bool:
    """``frequency`` carries most of the energy of ``pcm`` and is its loudest bin."""
    share, peak = tone_level(pcm, frequency)
    return share > 0.5 and abs(peak - frequency) < 15


async def call_rig(officer: CsoMedia, booths: dict[str, BoothMedia]):
    pipe = Pipe()
    pipe.console = CsoEngine(pipe.to_booth(), officer, on_event=Events())
    for sid, media in booths.items():
        pipe.booths[sid] = BoothEngine(pipe.to_console(sid), media, config=MediaConfig(), on_event=Events())
        await pipe.booths[sid].start_call(sid)
        await wait_until(lambda: sid in pipe.console.calls)
    return pipe


async def close_rig(pipe: Pipe) -> None:
    await asyncio.gather(pipe.console.close(), *(b.close() for b in pipe.booths.values()))
    pipe.close()


async def test_the_officers_voice_plays_at_the_focused_booths_loudspeaker():
    speaker = RecordingSpeaker()
    pipe = await call_rig(CsoMedia(face=SyntheticFaceCamera(160, 120, fps=10, seed=99), audio=ToneMicrophone(700, 0.3)),
                          {"s1": BoothMedia(audio=ToneMicrophone(0), speaker=Loudspeaker(speaker))})
    try:
        await asyncio.sleep(0.5)
        assert not speaker.played().any()  # not focused: the officer's microphone is closed
        pipe.console.set_focus("s1")
        await wait_until(lambda: heard(speaker.played(0.5), 700))
    finally:
        await close_rig(pipe)
        speaker.stop()


async def test_the_officer_hears_the_focused_booth_only():
    speaker = RecordingSpeaker()
    pipe = await call_rig(CsoMedia(audio=ToneMicrophone(0), speaker=Loudspeaker(speaker)),
                          {"a": BoothMedia(audio=ToneMicrophone(400, 0.3)), "b": BoothMedia(audio=ToneMicrophone(900, 0.3))})
    try:
        pipe.console.set_focus("a")
        await wait_until(lambda: heard(speaker.played(0.5), 400))
        pipe.console.set_focus("b")
        await wait_until(lambda: heard(speaker.played(0.5), 900))
        pipe.console.set_focus(None)
        await wait_until(lambda: not speaker.played(0.3).any())
    finally:
        await close_rig(pipe)
        speaker.stop()


# ------------------------------------------------------------------------------- PulseAudio


@pytest.fixture
def pulse():
    daemon = PrivatePulse()
    try:
        daemon.start()
    except PulseUnavailable as exc:
        pytest.skip(f"PulseAudio cannot run here: {exc}")
    daemon.activate()
    try:
        import sounddevice  # noqa: F401  (PortAudio must load; ./dev installs libportaudio2)
    except OSError as exc:
        daemon.stop()
        pytest.skip(f"PortAudio is not installed: {exc}")
    HOST.rescan(min_interval=0)  # PortAudio lists devices once: let it see this daemon's
    yield daemon
    daemon.stop()
    HOST.rescan(min_interval=0)


async def test_a_tone_at_the_officers_microphone_is_heard_at_the_booths_loudspeaker(pulse):
    # the officer's microphone hears 1 kHz (a sine played into a null sink, recorded from its
    # monitor); the booth's loudspeaker plays into another null sink, recorded from its monitor
    pulse.null_sink("officer_room")
    pulse.pactl("load-module", "module-sine", "sink=officer_room", "frequency=1000")
    pulse.pactl("set-default-source", "officer_room.monitor")
    pulse.null_sink("booth_speaker", default=True)
    mic = SoundCardMicrophone(None)
    speaker = SoundCardSpeaker(None)
    pipe = await call_rig(CsoMedia(audio=mic), {"s1": BoothMedia(audio=ToneMicrophone(0), speaker=Loudspeaker(speaker))})
    try:
        await wait_until(lambda: mic.state is AudioState.RUNNING and speaker.state is AudioState.RUNNING, timeout=WAIT)
        assert mic.opened_name == "default" and speaker.opened_name == "default"
        pipe.console.set_focus("s1")
        booth_call = pipe.booths["s1"].calls["s1"]
        await wait_until(lambda: booth_call.sinks["audio"].counter.total >= 25)  # half a second arrived
        recorded = np.zeros(0, np.int16)
        for _ in range(5):  # a loaded machine may need longer to carry the tone through
            recorded = await asyncio.to_thread(pulse.record, "booth_speaker.monitor", 1.5)
            if heard(recorded, 1000):
                break
        share, peak = tone_level(recorded, 1000)
        assert heard(recorded, 1000), f"1 kHz carries {share:.0%} of what the booth played; loudest {peak:.0f} Hz"
    finally:
        await close_rig(pipe)
        await asyncio.to_thread(mic.stop)
        await asyncio.to_thread(speaker.stop)


async def test_a_named_device_that_is_not_there_is_a_fault_until_it_appears(pulse):
    pulse.null_sink("desk", default=True)
    speaker = SoundCardSpeaker("headset", retry_initial=0.1, retry_max=0.3)
    speaker.play_from(lambda n: np.zeros((n, 1), np.int16))
    try:
        await wait_until(lambda: speaker.state is AudioState.UNAVAILABLE)
        assert "speaker ('headset')" in speaker.reason and "not found" in speaker.reason
        # "pulse" is a device PortAudio lists on a PulseAudio system: by name it opens
        named = SoundCardSpeaker("pulse")
        named.play_from(lambda n: np.zeros((n, 1), np.int16))
        await wait_until(lambda: named.state is AudioState.RUNNING)
        await asyncio.to_thread(named.stop)
        assert named.state is AudioState.STOPPED
    finally:
        await asyncio.to_thread(speaker.stop)


def test_the_sound_server_dying_is_a_fault_and_never_hangs_the_process(pulse):
    # in a child process: PortAudio may leave a thread stuck in the dead server's plugin
    script = textwrap.dedent("""
        import os, signal, sys, time
        import numpy as np
        from hardware.audio import AudioState, SoundCardMicrophone, SoundCardSpeaker
        spk = SoundCardSpeaker(None, retry_initial=0.2, retry_max=0.5)
        spk.play_from(lambda n: np.zeros((n, 1), np.int16))
        mic = SoundCardMicrophone(None, retry_initial=0.2, retry_max=0.5)
        def until(pred, t=15):
            end = time.monotonic() + t
            while time.monotonic() < end and not pred():
                time.sleep(0.05)
            return pred()
        assert until(lambda: spk.state is AudioState.RUNNING and mic.state is AudioState.RUNNING), (spk.reason, mic.reason)
        os.kill(int(sys.argv[1]), signal.SIGKILL)
        assert until(lambda: spk.state is AudioState.UNAVAILABLE and mic.state is AudioState.UNAVAILABLE), \\
            (spk.state, mic.state)
        print("REASONS", spk.reason, "|", mic.reason, flush=True)
        t0 = time.monotonic()
        spk.stop(); mic.stop()
        print("STOPPED", round(time.monotonic() - t0, 2), flush=True)
        os._exit(0)
    """)
    pulse.null_sink("room", default=True)
    pulse.pactl("set-default-source", "room.monitor")
    r = subprocess.run([sys.executable, "-c", script, str(pulse._proc.pid)], env=pulse.env, capture_output=True,
                       text=True, timeout=90, cwd=str(Path(__file__).resolve().parents[2]))
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    reasons = next(line for line in r.stdout.splitlines() if line.startswith("REASONS"))
    assert "speaker (the system default" in reasons and "microphone (the system default" in reasons
    assert any(line.startswith("STOPPED") for line in r.stdout.splitlines())  # stop returned
