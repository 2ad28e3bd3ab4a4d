"""Received audio's way to a loudspeaker: a bounded playout buffer between the engine's loop and
an audio device's callback thread.

The far end's Opus frames arrive on the engine's loop (:meth:`AudioPlayout.push`, subscribed
to the call's audio :class:`media.tracks.FrameSink`); a sound device pulls fixed blocks from its
own thread (:meth:`AudioPlayout.pull`). The buffer keeps about ``target`` seconds: it waits for
that much before playing (so jitter does not click), fills gaps with silence, and drops the
oldest audio when it holds more than ``limit`` seconds (a device that stalled must not make the
conversation lag further and further behind).
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
        limit: seconds above which the oldest audio is dropped.
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
        for out in self._resampler.resample(frame):
            pcm = out.to_ndarray().reshape(-1, self.channels)
            with self._lock:
                self._chunks.append(pcm)
                self._held += len(pcm)
                while self._held > self._limit and self._chunks:
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
