"""A private PulseAudio daemon for tests and benchmarks: null sinks to play into, monitor sources to
record what was played, sine sources to stand in for a microphone.

The daemon runs as this user with its own runtime, state and home folders (it never touches a
desktop's sound server, nor another test's), loads no default script and no hardware module, and
is stopped by its process id. Everything that should talk to it gets :attr:`PrivatePulse.env`
(or :meth:`PrivatePulse.activate` for this process): libpulse, the ALSA ``pulse`` plugin behind
PortAudio's ``default``/``pulse`` devices, ``pactl`` and ``parec``.

    with PrivatePulse() as pulse:
        pulse.null_sink("booth_speaker", default=True)
        pulse.sine_source("cso_mic", 1000, default=True)
        pcm = pulse.record("booth_speaker.monitor", seconds=2.0)
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

ENV_KEYS = ("PULSE_RUNTIME_PATH", "PULSE_STATE_PATH", "PULSE_SERVER", "PULSE_SINK", "PULSE_SOURCE", "HOME")
"""Environment variables :meth:`PrivatePulse.activate` sets (and :meth:`PrivatePulse.stop` restores)."""


class PulseUnavailable(RuntimeError):
    """PulseAudio cannot run here; the message says why (missing program, daemon refused)."""


def missing_programs() -> list[str]:
    """The programs a private daemon needs that are not installed (Debian: ``pulseaudio``,
    ``pulseaudio-utils``)."""
    return [p for p in ("pulseaudio", "pactl", "parec") if shutil.which(p) is None]


class PrivatePulse:
    """One PulseAudio daemon of this process's own.

    Args:
        start_timeout: seconds to wait for the daemon to answer.
    """

    def __init__(self, start_timeout: float = 10.0) -> None:
        self.start_timeout = start_timeout
        self._dir: tempfile.TemporaryDirectory | None = None
        self._proc: subprocess.Popen | None = None
        self._saved: dict[str, str | None] = {}
        self.env: dict[str, str] = {}
        """Environment for clients of this daemon (a copy of this process's, pointed at it)."""

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "PrivatePulse":
        """Start the daemon and wait until it answers.

        Raises:
            PulseUnavailable: a program is missing or the daemon did not come up.
        """
        missing = missing_programs()
        if missing:
            raise PulseUnavailable(f"{', '.join(missing)} not installed (Debian: pulseaudio pulseaudio-utils)")
        self._dir = tempfile.TemporaryDirectory(prefix="lapak-pulse-")
        base = Path(self._dir.name)
        for sub in ("run", "state", "home"):
            (base / sub).mkdir()
        self.env = {**os.environ, "PULSE_RUNTIME_PATH": str(base / "run"), "PULSE_STATE_PATH": str(base / "state"),
                    "HOME": str(base / "home")}
        for key in ("PULSE_SERVER", "PULSE_SINK", "PULSE_SOURCE"):
            self.env.pop(key, None)
        log = open(base / "pulse.log", "wb")
        self._proc = subprocess.Popen(
            ["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "--system=false", "-n",
             "--disallow-exit", "--use-pid-file=no", "--log-target=stderr",
             "--load=module-native-protocol-unix"],
            env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                text = (base / "pulse.log").read_text(errors="replace")[-600:]
                self.stop()
                raise PulseUnavailable(f"pulseaudio exited with {self._proc.returncode if self._proc else '?'}: {text}")
            if subprocess.run(["pactl", "info"], env=self.env, capture_output=True, timeout=5).returncode == 0:
                return self
            time.sleep(0.1)
        self.stop()
        raise PulseUnavailable(f"pulseaudio did not answer within {self.start_timeout:g} s")

    def stop(self) -> None:
        """Stop the daemon (by its pid), restore the environment, remove its folders."""
        self.deactivate()
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.send_signal(signal.SIGTERM)
                try:
                    self._proc.wait(5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait(5)
            self._proc = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> "PrivatePulse":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def activate(self) -> None:
        """Point this process's libpulse (and the ALSA ``pulse`` plugin) at this daemon."""
        if self._saved:
            return
        self._saved = {k: os.environ.get(k) for k in ENV_KEYS}
        for key in ENV_KEYS:
            if key in self.env:
                os.environ[key] = self.env[key]
            else:
                os.environ.pop(key, None)

    def deactivate(self) -> None:
        """Undo :meth:`activate`."""
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved = {}

    # -- devices -----------------------------------------------------------------------------

    def pactl(self, *args: str) -> str:
        """Run ``pactl`` against this daemon; returns its output.

        Raises:
            PulseUnavailable: pactl failed.
        """
        r = subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10)
        if r.returncode != 0:
            raise PulseUnavailable(f"pactl {' '.join(args)}: {r.stderr.strip() or r.returncode}")
        return r.stdout.strip()

    def null_sink(self, name: str, *, rate: int = 48000, channels: int = 1, default: bool = False) -> int:
        """Add a null sink (its ``NAME.monitor`` source records what is played into it).

        Returns:
            the module index (for :meth:`unload`).
        """
        index = int(self.pactl("load-module", "module-null-sink", f"sink_name={name}", f"rate={rate}",
                               f"channels={channels}", f"sink_properties=device.description={name}"))
        if default:
            self.pactl("set-default-sink", name)
        return index

    def sine_source(self, name: str, frequency: int, *, rate: int = 48000, default: bool = False) -> int:
        """Add a source that gives a sine tone (a microphone that always hears ``frequency``).

        Returns:
            the module index.
        """
        index = int(self.pactl("load-module", "module-sine-source", f"source_name={name}", f"rate={rate}",
                               f"frequency={frequency}"))
        if default:
            self.pactl("set-default-source", name)
        return index

    def unload(self, module: int) -> None:
        """Remove a sink or source (as if its device were unplugged)."""
        self.pactl("unload-module", str(module))

    def record(self, source: str, seconds: float, rate: int = 48000) -> np.ndarray:
        """Record ``seconds`` of mono int16 from a source (e.g. ``sink.monitor``) with ``parec``."""
        proc = subprocess.Popen(["parec", "-d", source, "--raw", "--format=s16le", f"--rate={rate}", "--channels=1",
                                 "--latency-msec=20"], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        want = int(seconds * rate) * 2
        data = b""
        deadline = time.monotonic() + seconds + 5
        try:
            while len(data) < want and time.monotonic() < deadline:
                chunk = proc.stdout.read(min(want - len(data), 9600))
                if not chunk:
                    break
                data += chunk
        finally:
            proc.terminate()
            proc.wait(5)
        return np.frombuffer(data[: len(data) // 2 * 2], np.int16)


def tone_level(pcm: np.ndarray, frequency: float, rate: int = 48000) -> tuple[float, float]:
    """How strongly ``frequency`` is in ``pcm``: (its share of the spectrum's energy, the
    frequency of the loudest bin), from one FFT over the whole recording.

    Args:
        pcm: mono samples.
        frequency: the tone looked for, Hz.
        rate: samples per second.
    """
    if len(pcm) < rate // 10:
        return 0.0, 0.0
    x = pcm.astype(np.float64) * np.hanning(len(pcm))
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(pcm), 1 / rate)
    total = power[1:].sum()
    if total <= 0:
        return 0.0, 0.0
    near = (freqs > frequency - 15) & (freqs < frequency + 15)
    return float(power[near].sum() / total), float(freqs[1:][np.argmax(power[1:])])
