"""Sound cards: the booth's and the officer's microphone (an aiortc audio track) and loudspeaker.

Backend: PortAudio through ``sounddevice`` (chosen by measurement, see BENCHMARKS.md "Sound-card
backend": 60 ms round trip against 420 ms for PyAV's FFmpeg ALSA devices, less CPU, and it
reaches the PulseAudio/PipeWire ``default`` device without help, where PyAV's bundled alsa-lib
finds no device at all). Both directions run PortAudio callbacks on PortAudio's own thread:
nothing here blocks the asyncio loop.

* :class:`SoundCardMicrophone` captures 48 kHz mono s16 in 20 ms blocks and hands them to aiortc
  as :class:`av.AudioFrame` (the callback queues a block and wakes the loop; ``recv`` awaits
  that wake-up, never the device). It keeps at most ``max_queue`` blocks and drops the oldest
  beyond that (a conversation wants the newest audio), and while the device is down (or still
  opening) it sends silence at the real-time rate, so the call and the far side's playout
  carry on.
* :class:`SoundCardSpeaker` plays what a ``pull(samples)`` function gives it (the playout buffer,
  :class:`media.playout.AudioPlayout`), from the device's callback.
* :class:`RecordingSpeaker` is the simulated loudspeaker (``--simulate``, tests): it pulls like a
  device does, in real time, and keeps the last seconds it "played".

A device that is missing, busy, unplugged or that stops calling back is reported the way the
cameras report (``state`` and ``reason``, naming the role and the device), never raised: a
supervisor thread opens the stream again with backoff until it comes back. PortAudio lists the
devices once; the list is read again (which PortAudio does only with no stream open in the
process) before re-opening a device that was not in it. So a card that was listed comes back by
itself while the other device plays on; one never listed before (a new USB headset) is found
once no stream is open (both devices down) or at the next start. With a sound server and
``"default"`` none of this matters: the sound server follows the hardware. A stream on a dead sound server may
never return from ``close`` (measured): streams are closed on a thread of their own that is
waited for at most a second.
"""
from __future__ import annotations

import asyncio
import collections
import enum
import fractions
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from common.backoff import Backoff
from hardware.errors import AudioUnavailable

logger = logging.getLogger(__name__)

RATE = 48000
"""Samples per second of every stream (Opus's rate: no resampling on the way to the encoder)."""
BLOCK = 960
"""Samples per block: 20 ms, one Opus frame."""
TIME_BASE = fractions.Fraction(1, RATE)

DeviceSpec = int | str | None
"""A sound device as configured: a PortAudio index, a name (exact, or a unique part of one), or
None / "default" for the system's default device."""


class AudioState(str, enum.Enum):
    """What a sound device is doing (the same words as :class:`hardware.camera.CameraState`)."""

    STARTING = "starting"
    RUNNING = "running"
    UNAVAILABLE = "unavailable"  # missing, busy, unplugged, or it stopped delivering
    STOPPED = "stopped"


@dataclass(frozen=True)
class AudioDeviceInfo:
    """One sound device PortAudio lists.

    Args:
        index: PortAudio index (what ``device = N`` in a config means).
        name: the device's name (what ``device = "name"`` matches).
        host_api: PortAudio's host API ("ALSA", "JACK", ...).
        inputs: input channels (0: it cannot record).
        outputs: output channels (0: it cannot play).
        default_rate: the device's preferred sample rate.
        default_input: it is the system's default input.
        default_output: it is the system's default output.
    """

    index: int
    name: str
    host_api: str
    inputs: int
    outputs: int
    default_rate: float
    default_input: bool = False
    default_output: bool = False


def _sd():
    """The sounddevice module, or :class:`AudioUnavailable` naming what is missing."""
    try:
        import sounddevice
    except OSError as exc:  # the module loads, PortAudio does not
        raise AudioUnavailable(f"no sound system: the PortAudio library is missing (Debian: libportaudio2): {exc}") \
            from None
    except ImportError as exc:
        raise AudioUnavailable(f"no sound system: the sounddevice package is missing: {exc}") from None
    return sounddevice


class _Host:
    """PortAudio for the whole process: one lock around opening, closing and re-listing
    devices, and the count of open streams (the list can be read again only when it is 0)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.open_streams = 0
        self.listed_at = 0.0

    def rescan(self, min_interval: float = 2.0) -> bool:
        """Read the device list again when no stream is open; returns whether it did."""
        with self.lock:
            if self.open_streams or time.monotonic() - self.listed_at < min_interval:
                return False
            sd = _sd()
            sd._terminate()
            sd._initialize()
            self.listed_at = time.monotonic()
            return True


HOST = _Host()


def list_audio_devices() -> list[AudioDeviceInfo]:
    """The sound devices PortAudio lists now, in index order.

    Raises:
        AudioUnavailable: PortAudio (or sounddevice) is not installed.
    """
    sd = _sd()
    with HOST.lock:
        devices = sd.query_devices()
        apis = sd.query_hostapis()
        default_in, default_out = sd.default.device
    out = []
    for d in devices:
        out.append(AudioDeviceInfo(
            index=d["index"], name=d["name"], host_api=apis[d["hostapi"]]["name"],
            inputs=d["max_input_channels"], outputs=d["max_output_channels"], default_rate=d["default_samplerate"],
            default_input=d["index"] == default_in, default_output=d["index"] == default_out))
    return out


def describe(device: DeviceSpec) -> str:
    """How a configured device reads in messages: "the system default", "index 3", "'USB Audio'"."""
    if device is None or device == "default":
        return "the system default"
    if isinstance(device, int):
        return f"index {device}"
    return repr(device)


def find_device(device: DeviceSpec, kind: str, devices: list[AudioDeviceInfo] | None = None) -> AudioDeviceInfo:
    """The device a config means, for input ("input") or output ("output").

    A name matches a device of that exact name first, else the one device whose name contains
    it (case-insensitive); None or "default" is the system's default device.

    Args:
        device: index, name, or None.
        kind: "input" or "output".
        devices: the device list (default: :func:`list_audio_devices`).

    Raises:
        AudioUnavailable: no such device, more than one matches, or it has no channels of
            that kind; the message names the device.
    """
    devices = list_audio_devices() if devices is None else devices
    usable = [d for d in devices if (d.inputs if kind == "input" else d.outputs) > 0]
    what = f"{kind} device {describe(device)}"
    if device is None or device == "default":
        match = [d for d in usable if (d.default_input if kind == "input" else d.default_output)]
        if not match:
            if not usable:
                raise AudioUnavailable(f"no {kind} sound device at all")
            raise AudioUnavailable(f"no default {kind} sound device (name one in the config)")
        return match[0]
    if isinstance(device, int):
        match = [d for d in devices if d.index == device]
        if not match:
            raise AudioUnavailable(f"{what} not found ({len(devices)} devices listed)")
        if match[0] not in usable:
            raise AudioUnavailable(f"{what} ({match[0].name!r}) has no {kind} channels")
        return match[0]
    exact = [d for d in usable if d.name == device]
    if exact:
        return exact[0]
    part = [d for d in usable if device.lower() in d.name.lower()]
    if len(part) == 1:
        return part[0]
    if len(part) > 1:
        names = ", ".join(repr(d.name) for d in part[:4])
        raise AudioUnavailable(f"{what} is ambiguous: it matches {names}; give the full name or the index")
    raise AudioUnavailable(f"{what} not found")


class _SoundCard:
    """What the microphone and the loudspeaker share: a PortAudio stream kept open by a
    supervisor thread, its state and reason, and its health watchdog.

    Args:
        role: "microphone" or "speaker" (named in every message).
        device: the configured device.
        stall_timeout: seconds without a callback after which a running stream counts as
            unplugged and is opened again.
        retry_initial: first delay before re-opening, seconds.
        retry_max: largest delay between re-opening attempts, seconds.
    """

    direction = "input"
    """"input" (a microphone) or "output" (a loudspeaker)."""

    def __init__(self, role: str, device: DeviceSpec = None, *, stall_timeout: float = 2.0,
                 retry_initial: float = 0.5, retry_max: float = 5.0) -> None:
        self.role = role
        self.device = device
        self.stall_timeout = stall_timeout
        self.retry_initial, self.retry_max = retry_initial, retry_max
        self.state = AudioState.STARTING
        self.reason = ""
        self.opened_name: str | None = None
        """The name of the device the stream is open on (None while down)."""
        self.opens = 0
        self.channels = 1
        self._last_callback = 0.0
        self._finished = threading.Event()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- state --------------------------------------------------------------------------------

    def _set(self, state: AudioState, reason: str = "") -> None:
        if state is not self.state or reason != self.reason:
            log = logger.warning if state is AudioState.UNAVAILABLE else logger.info
            log("%s (%s): %s %s", self.role, describe(self.device), state.value, reason)
        self.state, self.reason = state, reason

    def _start_thread(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"{self.role}-{self.device}", daemon=True)
        self._thread.start()

    # -- the stream -----------------------------------------------------------------------------

    def _callback_args(self) -> dict:
        raise NotImplementedError

    def _open(self):
        sd = _sd()
        info = find_device(self.device, self.direction)
        last: Exception | None = None
        for channels in (1, 2):  # mono first; some devices only take stereo
            if channels > (info.inputs if self.direction == "input" else info.outputs):
                break
            self.channels = channels
            cls = sd.InputStream if self.direction == "input" else sd.OutputStream
            try:
                with HOST.lock:
                    stream = cls(device=info.index, samplerate=RATE, channels=channels, dtype="int16",
                                 blocksize=BLOCK, latency="low", finished_callback=self._finished.set,
                                 **self._callback_args())
                    try:
                        stream.start()
                    except sd.PortAudioError:
                        stream.close()
                        raise
                    HOST.open_streams += 1
            except sd.PortAudioError as exc:
                last = exc
                continue
            self.opened_name = info.name
            return stream
        raise AudioUnavailable(f"cannot open {info.name!r} at {RATE} Hz: {last}")

    def _close(self, stream) -> None:
        """Close a stream on a thread of its own (PortAudio may never return on a dead server)."""
        def close() -> None:
            try:  # not under HOST.lock: a close that never returns must not block other devices
                stream.abort()
                stream.close()
            except Exception as exc:  # noqa: BLE001 - a dying device says anything
                logger.debug("%s: close: %s", self.role, exc)
            finally:
                with HOST.lock:
                    HOST.open_streams -= 1

        closer = threading.Thread(target=close, name=f"{self.role}-close", daemon=True)
        closer.start()
        closer.join(1.0)
        if closer.is_alive():
            logger.warning("%s (%s): the sound system did not close the stream within 1 s; left behind",
                           self.role, describe(self.device))
        self.opened_name = None

    def _run(self) -> None:
        backoff = Backoff(self.retry_initial, self.retry_max, jitter=0.0)
        where = describe(self.device)
        while not self._stop.is_set():
            self._finished.clear()
            try:
                stream = self._open()
            except AudioUnavailable as exc:
                self._set(AudioState.UNAVAILABLE, f"{self.role} ({where}): {exc}")
                self._stop.wait(backoff.next())
                try:
                    HOST.rescan()  # a device plugged in since is listed only after this
                except AudioUnavailable:
                    pass
                continue
            except Exception as exc:  # noqa: BLE001 - a driver may raise anything; keep retrying
                self._set(AudioState.UNAVAILABLE, f"{self.role} ({where}): {type(exc).__name__}: {exc}")
                self._stop.wait(backoff.next())
                continue
            self.opens += 1
            backoff.reset()
            self._last_callback = time.monotonic()
            self._set(AudioState.RUNNING)
            why = ""
            while not self._stop.is_set():
                self._wake.wait(0.2)
                self._wake.clear()
                if self._finished.is_set():
                    why = "the sound system closed the stream (device unplugged or gone)"
                    break
                if time.monotonic() - self._last_callback > self.stall_timeout:
                    why = f"no audio from the device for {self.stall_timeout:g} s (unplugged?)"
                    break
            name = self.opened_name
            self._close(stream)
            if self._stop.is_set():
                break
            self._set(AudioState.UNAVAILABLE, f"{self.role} ({where}: {name!r}): {why}")
            self._went_down()
            self._stop.wait(backoff.next())
        self._set(AudioState.STOPPED, "stopped")

    def _went_down(self) -> None:
        """Hook: the stream was lost."""

    def stop_device(self) -> None:
        """Stop the supervisor and close the stream (waits up to about 2 s)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)


class SoundCardMicrophone(_SoundCard, MediaStreamTrack):
    """A sound card's input as an aiortc audio track: 48 kHz mono s16, 20 ms frames.

    Args:
        device: index, name or None (system default).
        role: named in messages ("microphone").
        max_queue: blocks kept for ``recv`` (20 ms each); older ones are dropped.
        stall_timeout: see :class:`_SoundCard`.
        retry_initial: see :class:`_SoundCard`.
        retry_max: see :class:`_SoundCard`.
    """

    kind = "audio"

    def __init__(self, device: DeviceSpec = None, *, role: str = "microphone", max_queue: int = 5,
                 stall_timeout: float = 2.0, retry_initial: float = 0.5, retry_max: float = 5.0) -> None:
        MediaStreamTrack.__init__(self)
        _SoundCard.__init__(self, role, device, stall_timeout=stall_timeout, retry_initial=retry_initial,
                            retry_max=retry_max)
        self._blocks: collections.deque[np.ndarray] = collections.deque(maxlen=max_queue)
        self.dropped_blocks = 0
        """Blocks dropped because ``recv`` fell behind by more than ``max_queue``."""
        self.silent_frames = 0
        """Frames of silence sent while the device was down."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready: asyncio.Event | None = None
        self._waiting = False
        self._pts = 0
        self._silence_at: float | None = None
        self._start_thread()

    def _callback_args(self) -> dict:
        def callback(indata, frames, _time, status) -> None:
            self._last_callback = time.monotonic()
            block = indata[:, 0].copy()  # channel 0 of a stereo-only device
            if len(self._blocks) == self._blocks.maxlen:
                self.dropped_blocks += 1
            self._blocks.append(block)
            self._wake_loop()

        return {"callback": callback}

    def _wake_loop(self) -> None:
        """Wake a ``recv`` waiting for the device (from any thread; nothing to do, and no loop
        wake-up, while nobody waits)."""
        loop, ready = self._loop, self._ready
        if loop is not None and ready is not None and self._waiting:
            try:
                loop.call_soon_threadsafe(ready.set)
            except RuntimeError:  # the loop is closed
                self._loop = None

    def _went_down(self) -> None:
        self._wake_loop()  # recv sends silence from now on

    async def recv(self) -> av.AudioFrame:
        """The next 20 ms of captured audio (silence, in real time, while the device is down)."""
        if self._ready is None:
            self._loop = asyncio.get_running_loop()
            self._ready = asyncio.Event()
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            if self._blocks:
                pcm = self._blocks.popleft()
                self._silence_at = None
                break
            if self.state is AudioState.RUNNING:
                # wait for the device (it may deliver in bursts); the supervisor marks it down
                # when it stops calling back, and then silence takes over below
                self._ready.clear()
                self._waiting = True
                try:
                    if not self._blocks and self.state is AudioState.RUNNING:
                        await self._ready.wait()
                finally:
                    self._waiting = False
                continue
            now = time.monotonic()
            due = self._silence_at if self._silence_at is not None else now
            if due > now:
                await asyncio.sleep(due - now)
            self._silence_at = max(due, time.monotonic() - 0.1) + BLOCK / RATE
            if self._blocks:
                continue
            pcm = np.zeros(BLOCK, np.int16)
            self.silent_frames += 1
            break
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.time_base, frame.pts = RATE, TIME_BASE, self._pts
        self._pts += frame.samples
        return frame

    def stop(self) -> None:
        """Stop the track and close the device."""
        MediaStreamTrack.stop(self)
        self._wake_loop()
        self.stop_device()


class SoundCardSpeaker(_SoundCard):
    """A sound card's output, playing what ``pull(samples)`` returns (int16, (samples, 1)).

    Args:
        device: index, name or None (system default).
        role: named in messages ("speaker").
        stall_timeout: see :class:`_SoundCard`.
        retry_initial: see :class:`_SoundCard`.
        retry_max: see :class:`_SoundCard`.
    """

    direction = "output"

    def __init__(self, device: DeviceSpec = None, *, role: str = "speaker", stall_timeout: float = 2.0,
                 retry_initial: float = 0.5, retry_max: float = 5.0) -> None:
        super().__init__(role, device, stall_timeout=stall_timeout, retry_initial=retry_initial,
                         retry_max=retry_max)
        self._pull: Callable[[int], np.ndarray] | None = None
        self.blocks_played = 0

    def play_from(self, pull: Callable[[int], np.ndarray]) -> None:
        """Start playing what ``pull`` gives (called on the device's thread for every block).

        Args:
            pull: ``pull(samples)`` returns int16 PCM of shape (samples, 1) at 48 kHz; it must
                not block (:meth:`media.playout.AudioPlayout.pull`).
        """
        self._pull = pull
        if self._thread is None:
            self._start_thread()

    def _callback_args(self) -> dict:
        def callback(outdata, frames, _time, status) -> None:
            self._last_callback = time.monotonic()
            pull = self._pull
            if pull is None:
                outdata.fill(0)
                return
            try:
                pcm = pull(frames)
            except Exception:  # noqa: BLE001 - never let the device thread die
                logger.exception("%s: playout failed", self.role)
                outdata.fill(0)
                return
            outdata[:] = pcm[:, :1] if outdata.shape[1] == 1 else np.repeat(pcm[:, :1], outdata.shape[1], axis=1)
            self.blocks_played += 1

        return {"callback": callback}

    def stop(self) -> None:
        """Close the device."""
        self.stop_device()
        if self._thread is None:
            self._set(AudioState.STOPPED, "stopped")


class RecordingSpeaker:
    """A loudspeaker without a device (``--simulate``, tests): it pulls 20 ms blocks in real time
    like a sound card and keeps the last ``keep`` seconds it "played".

    Args:
        keep: seconds of played audio kept (:meth:`played`).
        role: named in messages.
    """

    def __init__(self, keep: float = 5.0, role: str = "speaker") -> None:
        self.role = role
        self.state = AudioState.STARTING
        self.reason = ""
        self.blocks_played = 0
        self._keep = collections.deque(maxlen=max(1, int(keep * RATE / BLOCK)))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pull: Callable[[int], np.ndarray] | None = None

    def play_from(self, pull: Callable[[int], np.ndarray]) -> None:
        """Start pulling from ``pull`` (see :meth:`SoundCardSpeaker.play_from`)."""
        self._pull = pull
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="recording-speaker", daemon=True)
            self._thread.start()
        self.state = AudioState.RUNNING

    def _run(self) -> None:
        due = time.monotonic()
        while not self._stop.is_set():
            due += BLOCK / RATE
            pcm = self._pull(BLOCK)
            with self._lock:
                self._keep.append(pcm[:, 0].copy())
            self.blocks_played += 1
            self._stop.wait(max(0.0, due - time.monotonic()))

    def played(self, seconds: float | None = None) -> np.ndarray:
        """The last ``seconds`` (default: all kept) of what was played, mono int16."""
        with self._lock:
            blocks = list(self._keep)
        pcm = np.concatenate(blocks) if blocks else np.zeros(0, np.int16)
        return pcm if seconds is None else pcm[-int(seconds * RATE):]

    def stop(self) -> None:
        """Stop pulling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)
        self.state = AudioState.STOPPED


# --- technician checks (blocking; `lapak hw test microphone|speaker`) ---------------------------


def record_level(device: DeviceSpec, seconds: float = 2.0) -> tuple[int, float]:
    """Record from a microphone for ``seconds``; returns (samples recorded, loudness in dBFS).

    Raises:
        AudioUnavailable: the device cannot be found or opened, or delivers nothing.
    """
    sd = _sd()
    info = find_device(device, "input")
    try:
        pcm = sd.rec(int(seconds * RATE), samplerate=RATE, channels=1, dtype="int16", device=info.index,
                      blocking=True)
    except sd.PortAudioError as exc:
        raise AudioUnavailable(f"cannot record from {info.name!r}: {exc}") from None
    if len(pcm) == 0:
        raise AudioUnavailable(f"{info.name!r} delivered nothing")
    rms = float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2)))
    return len(pcm), 20 * np.log10(max(rms, 1.0) / 32768)


def play_tone(device: DeviceSpec, seconds: float = 2.0, frequency: float = 440.0, level: float = 0.2) -> str:
    """Play a tone on a loudspeaker for ``seconds``; returns the device's name.

    Raises:
        AudioUnavailable: the device cannot be found or opened.
    """
    sd = _sd()
    info = find_device(device, "output")
    t = np.arange(int(seconds * RATE)) / RATE
    tone = (level * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16)
    try:
        sd.play(tone, samplerate=RATE, device=info.index, blocking=True)
    except sd.PortAudioError as exc:
        raise AudioUnavailable(f"cannot play on {info.name!r}: {exc}") from None
    return info.name
