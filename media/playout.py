"""Received audio's way to a loudspeaker: a bounded playout buffer between the engine's loop and
an audio device's callback thread.

The far end's Opus frames arrive on the engine's loop (:meth:`AudioPlayout.push`, subscribed
to the call's audio :class:`media.tracks.FrameSink`); a sound device pulls fixed blocks from its
own thread (:meth:`AudioPlayout.pull`). The buffer keeps about ``target`` seconds: it waits for
that much before playing (so jitter does not click), fills gaps with silence, and when it holds
more than ``limit`` seconds it drops the oldest audio down to ``target`` (newest first: a device
that stalled, or a burst after a network hiccup, must not make the conversation lag further and
further behind; one cut is heard once, a slowly growing delay all the time).

:class:`Loudspeaker` binds a buffer to a sound device (:mod:`hardware.audio`): the engines hand
its :meth:`Loudspeaker.push` to the call's audio sink, the device pulls from the buffer.
"""
from __future__ import annotations

import threading
from collections import deque

import av
import numpy as np


class AudioPlayout:
    """A thread-safe playout buffer of 16-bit PCM at one rate and channel count.

    Args:
        rate: samples per second the device plays.
        channels: channels the device plays (1 or 2).
        target: seconds buffered before playing starts (and after an underrun).
        limit: seconds above which the oldest audio is dropped (down to ``target``).
    """

    def __init__(self, rate: int = 48000, channels: int = 1, target: float = 0.06, limit: float = 0.2) -> None:
        self.rate, self.channels = rate, channels
        self._target = int(target * rate)
        self._limit = int(limit * rate)
        self._chunks: deque[np.ndarray] = deque()
        self._held = 0
        self._playing = False
        self._lock = threading.Lock()
        self._resampler: av.AudioResampler | None = None
        self.underruns = 0
        """Times the device asked for audio the buffer did not have (after it started)."""
        self.dropped_samples = 0
        """Samples dropped because more than ``limit`` was buffered."""
        self.pushed_frames = 0
        """Frames received (:meth:`push`)."""

    @property
    def buffered(self) -> float:
        """Seconds of audio waiting to be played."""
        return self._held / self.rate

    def push(self, _name: str, frame: av.AudioFrame) -> None:
        """Take one received audio frame (signature of a :class:`FrameSink` reader).

        Args:
            _name: the sink's name (unused).
            frame: decoded audio, any format; resampled to the device's rate and layout.
        """
        if self._resampler is None:
            layout = "mono" if self.channels == 1 else "stereo"
            self._resampler = av.AudioResampler(format="s16", layout=layout, rate=self.rate)
        self.pushed_frames += 1
        for out in self._resampler.resample(frame):
            pcm = out.to_ndarray().reshape(-1, self.channels)
            with self._lock:
                self._chunks.append(pcm)
                self._held += len(pcm)
                if self._held > self._limit:
                    while self._held - len(self._chunks[0]) >= self._target and len(self._chunks) > 1:
                        old = self._chunks.popleft()
                        self._held -= len(old)
                        self.dropped_samples += len(old)

    def pull(self, samples: int) -> np.ndarray:
        """The next ``samples`` frames for the device (silence where there is no audio).

        Args:
            samples: frames the device wants (e.g. its block size).

        Returns:
            int16 array of shape (samples, channels).
        """
        out = np.zeros((samples, self.channels), np.int16)
        with self._lock:
            if not self._playing:
                if self._held < self._target:
                    return out
                self._playing = True
            filled = 0
            while filled < samples and self._chunks:
                chunk = self._chunks[0]
                take = min(samples - filled, len(chunk))
                out[filled:filled + take] = chunk[:take]
                filled += take
                if take == len(chunk):
                    self._chunks.popleft()
                else:
                    self._chunks[0] = chunk[take:]
                self._held -= take
            if filled < samples:
                self.underruns += 1
                self._playing = False  # build up ``target`` again before playing on
        return out


class Loudspeaker:
    """Received audio's way out: an :class:`AudioPlayout` played by a sound device.

    Args:
        device: a loudspeaker of :mod:`hardware.audio` (``play_from``, ``stop``, ``state``,
            ``reason``): :class:`hardware.audio.SoundCardSpeaker` or, simulated,
            :class:`hardware.audio.RecordingSpeaker`.
        target: see :class:`AudioPlayout`.
        limit: see :class:`AudioPlayout`.
    """

    def __init__(self, device, *, target: float = 0.06, limit: float = 0.2) -> None:
        self.device = device
        self.playout = AudioPlayout(rate=48000, channels=1, target=target, limit=limit)
        device.play_from(self.playout.pull)

    def push(self, name: str, frame: av.AudioFrame) -> None:
        """Queue one received frame (a :class:`media.tracks.FrameSink` reader; cheap, never blocks
        on the device)."""
        self.playout.push(name, frame)

    def stop(self) -> None:
        """Stop the device."""
        self.device.stop()
