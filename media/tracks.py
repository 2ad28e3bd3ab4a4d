"""Track adapters: the booth's quality-adapting sender track and the console's frame sink.

:class:`AdaptiveVideoTrack` wraps a camera track, drops frames to the requested rate and
scales the rest to the requested size before aiortc encodes them (aiortc's VP8 encoder
follows the frame size and restarts with a keyframe when it changes, so a switch shows at
the next frame). A frame it decides to send is returned at once (no pacing, no queue): the
only delay between capture and encoder is the scale (about 0.1 ms for 640x480 -> 320x240).
When the camera track has a ``frame_filter`` hook (:class:`hardware.synthetic.PacedVideoTrack`
and the OpenCV camera), the rate gate is handed to the camera, which then does not even
build the frames that would be dropped.

:class:`FrameSink` drains a remote track continuously (undrained tracks pile up decoded
frames), counts frames and keeps only the latest :class:`av.VideoFrame`, unconverted: a
pixel array is made only when someone asks for it (:meth:`FrameSink.latest_array`).
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from typing import Callable

import av
from aiortc.codecs.opus import SAMPLES_PER_FRAME as OPUS_FRAME
from aiortc.codecs.opus import TIME_BASE as OPUS_TIME_BASE
from aiortc.codecs.opus import SAMPLE_RATE as OPUS_RATE
from aiortc.codecs.vpx import DEFAULT_BITRATE, MAX_BITRATE, MIN_BITRATE, Vp8Encoder, number_of_threads
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from media.control import TrackQuality
from media.quality import RateGate, fit_size
from media.stats import FrameCounter

logger = logging.getLogger(__name__)


class AdaptiveVideoTrack(MediaStreamTrack):
    """Sends a source track at a requested size and rate; can pause.

    Args:
        source: the camera track (its frames carry pts/time_base).
        quality: initial quality; None starts paused.
    """

    kind = "video"

    def __init__(self, source: MediaStreamTrack, quality: TrackQuality | None = None) -> None:
        super().__init__()
        self.source = source
        self._quality = quality
        self._gate = RateGate(quality.fps if quality else 1.0)
        # The camera applies the gate itself when it can (it then skips building dropped frames).
        self._source_gates = hasattr(source, "frame_filter")
        if self._source_gates:
            source.frame_filter = self._gate.admit
        self._resumed = asyncio.Event()
        if quality is not None:
            self._resumed.set()
        self.frames_sent = 0
        self.frames_dropped = 0
        self.changed_at: float | None = None
        """monotonic time of the last quality change (for measuring switch time)."""

    @property
    def quality(self) -> TrackQuality | None:
        """The quality in force (None: paused)."""
        return self._quality

    def set_quality(self, quality: TrackQuality | None) -> None:
        """Change size/rate at the next frame, or pause (None).

        Args:
            quality: new target, or None to pause.
        """
        if quality == self._quality:
            return
        self._quality = quality
        self.changed_at = time.monotonic()
        if quality is None:
            self._resumed.clear()
        else:
            self._gate.set_fps(quality.fps)
            self._resumed.set()

    async def recv(self) -> av.VideoFrame:
        """The next frame to encode: rate-limited and scaled."""
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            if self._quality is None:
                # Paused: do not pull frames from the source at all (saves its rendering too).
                await self._resumed.wait()
                continue
            frame = await self.source.recv()
            q = self._quality
            if q is None:
                continue
            if not self._source_gates:
                t = float(frame.pts * frame.time_base) if frame.pts is not None else time.monotonic()
                if not self._gate.admit(t):
                    self.frames_dropped += 1
                    continue
            w, h = fit_size(q.width, q.height, frame.width, frame.height)
            if (w, h) != (frame.width, frame.height):
                scaled = frame.reformat(width=w, height=h, format="yuv420p")
                scaled.pts, scaled.time_base = frame.pts, frame.time_base
                frame = scaled
            self.frames_sent += 1
            return frame

    def stop(self) -> None:
        """Stop this track (the source is owned by its creator and left running)."""
        super().stop()
        if self._source_gates and getattr(self.source, "frame_filter", None) == self._gate.admit:
            self.source.frame_filter = None
        self._resumed.set()


class CappedVp8Encoder(Vp8Encoder):
    """aiortc's VP8 encoder, with its bitrate bounded by the track's ``TrackQuality.max_kbps``.

    aiortc sets ``target_bitrate`` from the receiver's REMB estimate (250 kbit/s to
    1.5 Mbit/s). This encoder keeps that estimate and encodes at ``min(estimate, cap)``; the
    cap is read at every frame, so a quality change applies at once (aiortc restarts the
    codec when the bitrate moves by more than 10%, as it does for its own changes).

    ``speed``/``denoise`` override two of aiortc's libvpx settings (``cpu-used`` -6 and
    ``noise-sensitivity`` 4) when given; the codec is then opened here, with aiortc's other
    settings, whenever aiortc would open it.

    Args:
        cap_bps: returns the cap in bit/s, or None for none.
        speed: libvpx ``cpu-used`` (-16..16; larger magnitude is faster), or None for aiortc's.
        denoise: libvpx ``noise-sensitivity`` (0 is off), or None for aiortc's.
    """

    def __init__(self, cap_bps: Callable[[], int | None], speed: int | None = None,
                 denoise: int | None = None) -> None:
        super().__init__()
        self._cap_bps = cap_bps
        self._estimate = DEFAULT_BITRATE
        self._overrides = {k: str(v) for k, v in (("cpu-used", speed), ("noise-sensitivity", denoise))
                           if v is not None}
        self.opened_with: dict[str, str] | None = None
        """libvpx options of the codec this encoder opened itself (None: aiortc opened it)."""

    @property
    def target_bitrate(self) -> int:
        """The bitrate the codec runs at: the receiver's estimate, capped."""
        cap = self._cap_bps()
        return min(self._estimate, cap) if cap else self._estimate

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:
        self._estimate = max(MIN_BITRATE, min(bitrate, MAX_BITRATE))

    def encode(self, frame, force_keyframe: bool = False):
        """Encode one frame (aiortc's encoder; its rate-control buffer follows the cap)."""
        target = self.target_bitrate
        self._Vp8Encoder__target_bitrate = target  # used for "bufsize"
        if self._overrides and (
            self.codec is None  # aiortc's rule for a restart, as in Vp8Encoder.encode (1.16)
            or (frame.width, frame.height) != (self.codec.width, self.codec.height)
            or abs(target - self.codec.bit_rate) / self.codec.bit_rate > 0.1
        ):
            self.codec = self._open(frame.width, frame.height, target)
        return super().encode(frame, force_keyframe)

    def _open(self, width: int, height: int, bitrate: int):
        """aiortc 1.16's libvpx settings, with this encoder's overrides."""
        codec = av.CodecContext.create("libvpx", "w")
        codec.width, codec.height = width, height
        codec.bit_rate = bitrate
        codec.pix_fmt = "yuv420p"
        codec.gop_size = 3000
        codec.qmin, codec.qmax = 2, 56
        self.opened_with = {
            "bufsize": str(bitrate), "cpu-used": "-6", "deadline": "realtime", "lag-in-frames": "0",
            "minrate": str(bitrate), "maxrate": str(bitrate), "noise-sensitivity": "4", "overshoot-pct": "15",
            "partitions": "0", "static-thresh": "1", "undershoot-pct": "100", **self._overrides,
        }
        codec.options = dict(self.opened_with)
        codec.thread_count = number_of_threads(width * height, multiprocessing.cpu_count())
        return codec


CSO_CAMERA_ENCODER = {"speed": -12, "denoise": 0}
"""The CSO camera's encoder: a picture of an officer at a desk (640x360, :data:`media.quality.CSO_CAMERA`),
encoded on the console next to six decoding calls. libvpx's faster realtime setting and no
denoiser halve the encode time (0.62 -> 0.32 ms a frame measured here at 320x240 and 250
kbit/s)."""


def cap_sender_bitrate(sender, track: "AdaptiveVideoTrack", speed: int | None = None,
                       denoise: int | None = None) -> None:
    """Give an ``RTCRtpSender`` a :class:`CappedVp8Encoder` following ``track``'s quality.

    Call before the sender encodes (after ``addTrack``/``addTransceiver``); check with
    :func:`keep_cap_if_vp8` once the codec is negotiated.

    Args:
        sender: an ``aiortc.RTCRtpSender``.
        track: the adaptive track it sends.
        speed: see :class:`CappedVp8Encoder`.
        denoise: see :class:`CappedVp8Encoder`.
    """
    def cap() -> int | None:
        q = track.quality
        return q.max_kbps * 1000 if q is not None and q.max_kbps else None

    sender._RTCRtpSender__encoder = CappedVp8Encoder(cap, speed, denoise)


def keep_cap_if_vp8(transceiver) -> None:
    """Drop a pre-set :class:`CappedVp8Encoder` when the negotiated codec is not VP8 (aiortc
    then creates the right encoder itself).

    Args:
        transceiver: an ``aiortc.RTCRtpTransceiver`` after negotiation.
    """
    codecs = getattr(transceiver, "_codecs", None) or []
    sender = transceiver.sender
    if isinstance(getattr(sender, "_RTCRtpSender__encoder", None), CappedVp8Encoder) and (
        not codecs or codecs[0].mimeType.lower() != "video/vp8"
    ):
        sender._RTCRtpSender__encoder = None


FrameCallback = Callable[[str, "av.VideoFrame | av.AudioFrame"], None]


class FrameSink:
    """Drains one remote track; keeps the latest frame, counts frames and hands every frame to
    its readers.

    Readers either poll (:attr:`latest`, :meth:`take`, :meth:`wait_frame`: newest frame only,
    e.g. a video widget painting at its own rate) or subscribe (:meth:`subscribe`: every frame,
    e.g. the audio playout, or a converter that keeps only what it needs). A sink outlives the
    peer connections of its call: after a reconnect it drains the new track.

    Args:
        name: track name for stats ("face", "document", "audio").
        clock: monotonic clock (seconds).
    """

    def __init__(self, name: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.counter = FrameCounter()
        self.latest: av.VideoFrame | av.AudioFrame | None = None
        self.latest_at: float | None = None
        self._clock = clock
        self._task: asyncio.Task | None = None
        self._new_frame = asyncio.Event()
        self._readers: list[FrameCallback] = []

    def subscribe(self, callback: FrameCallback) -> Callable[[], None]:
        """Call ``callback(name, frame)`` for every frame from now on; returns the unsubscribe.

        The callback runs on the engine's loop for every frame: it must be cheap (hand the
        frame on; convert elsewhere). An exception in it is logged and does not stop the sink.

        Args:
            callback: the reader.
        """
        self._readers.append(callback)

        def unsubscribe() -> None:
            if callback in self._readers:
                self._readers.remove(callback)

        return unsubscribe

    def attach(self, track: MediaStreamTrack) -> None:
        """Start draining ``track`` (replacing a previous one, e.g. after reconnecting).

        Args:
            track: the remote track.
        """
        self.detach()
        self._task = asyncio.ensure_future(self._drain(track))

    def detach(self) -> None:
        """Stop draining."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _drain(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            now = self._clock()
            self.latest, self.latest_at = frame, now
            size = (frame.width, frame.height) if isinstance(frame, av.VideoFrame) else None
            self.counter.tick(now, size)
            self._new_frame.set()
            for reader in tuple(self._readers):
                try:
                    reader(self.name, frame)
                except Exception:  # a reader must not kill the drain
                    logger.exception("frame reader failed for %s", self.name)

    def latest_array(self, format: str = "rgb24"):
        """The latest video frame as a numpy array (converted now, on request only), or None.

        Args:
            format: pixel format for :meth:`av.VideoFrame.to_ndarray` ("rgb24", "bgr24", ...).
        """
        frame = self.latest
        if not isinstance(frame, av.VideoFrame):
            return None
        return frame.to_ndarray(format=format)

    def take(self) -> av.VideoFrame | av.AudioFrame | None:
        """The latest frame, once: returns None until a newer frame arrives."""
        frame, self.latest = self.latest, None
        self._new_frame.clear()
        return frame

    async def wait_frame(self) -> None:
        """Wait until a frame newer than the last :meth:`take` arrives."""
        await self._new_frame.wait()


class GatedTrack(MediaStreamTrack):
    """Passes a source track's frames while open; while closed it sends nothing.

    Used by the console to send the CSO's microphone only to the booth it talks to, and by
    the booth to pause its microphone while its tile is not focused (the CSO hears only the
    focused booth).

    Args:
        source: the track to pass through (a relay subscription when shared).
        is_open: initial gate state.
        drain: while closed, keep reading and discarding the source's frames, so a source
            that is not a dropping relay (a microphone) does not fall behind and burst old
            audio when the gate opens.
        owns_source: stopping the gate stops the source too.
    """

    def __init__(self, source: MediaStreamTrack, is_open: bool = True, drain: bool = False,
                 owns_source: bool = True) -> None:
        super().__init__()
        self.kind = source.kind
        self.source = source
        self._drain = drain
        self._owns_source = owns_source
        self._open = asyncio.Event()
        if is_open:
            self._open.set()

    def set_open(self, is_open: bool) -> None:
        """Open or close the gate.

        Args:
            is_open: True to pass frames.
        """
        if is_open:
            self._open.set()
        else:
            self._open.clear()

    async def recv(self):
        """The next source frame while open."""
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            if not self._drain:
                await self._open.wait()
            frame = await self.source.recv()
            if self._open.is_set():
                return frame

    @property
    def is_open(self) -> bool:
        """Whether frames pass."""
        return self._open.is_set()

    def stop(self) -> None:
        """Stop the gate (and its source when it owns it)."""
        super().stop()
        if self._owns_source:
            self.source.stop()
        self._open.set()


class VoiceOpusEncoder:
    """Opus for one voice: mono, CELT only ("lowdelay"), 48 kbit/s, complexity 5.

    aiortc's ``OpusEncoder`` runs every frame through a resampler (to stereo) and encodes
    stereo at 96 kbit/s at complexity 10. This encoder takes 48 kHz s16 mono frames of 20 ms
    as they are (other frames go through a resampler) and uses Opus's restricted low-delay
    mode: CELT only, no SILK speech layer. Measured here on 20 ms speech-like frames: 0.05 ms
    a frame against 0.12 ms for the "voip" mode (SILK) at the same rate; the codec's own
    delay drops from 26.5 ms to 5 ms, which a conversation notices; 48 kbit/s of mono CELT is
    clear fullband speech, and bandwidth is not scarce on the branch LAN. A stereo Opus
    decoder (aiortc's, a browser's) plays mono packets as they are (RFC 6716 section 4).

    Args:
        bitrate: bits per second.
        complexity: libopus complexity, 0-10.
    """

    def __init__(self, bitrate: int = 48000, complexity: int = 5) -> None:
        self.codec = av.CodecContext.create("libopus", "w")
        self.codec.bit_rate = bitrate
        self.codec.format = "s16"
        self.codec.layout = "mono"
        self.codec.sample_rate = OPUS_RATE
        self.codec.time_base = OPUS_TIME_BASE
        self.codec.options = {"application": "lowdelay", "compression_level": str(complexity)}
        self._resampler: av.AudioResampler | None = None
        self._first_pts: int | None = None

    def _frames(self, frame: av.AudioFrame):
        if (frame.format.name == "s16" and frame.layout.name == "mono" and frame.sample_rate == OPUS_RATE
                and frame.samples == OPUS_FRAME):
            return (frame,)
        if self._resampler is None:
            self._resampler = av.AudioResampler(format="s16", layout="mono", rate=OPUS_RATE, frame_size=OPUS_FRAME)
        return self._resampler.resample(frame)

    def encode(self, frame: av.AudioFrame) -> list[av.Packet]:
        """Encode one microphone frame; returns 0 or more 20 ms packets with their pts set
        (48 kHz clock, starting at 0)."""
        packets = []
        for f in self._frames(frame):
            packets += self.codec.encode(f)
        for packet in packets:
            if self._first_pts is None:
                self._first_pts = packet.pts  # libopus starts at a negative pts (pre-skip)
            packet.pts -= self._first_pts
            packet.time_base = OPUS_TIME_BASE
        return packets


class InlineOpusTrack(MediaStreamTrack):
    """Encodes a microphone track to Opus on the event loop and hands aiortc the packets.

    aiortc encodes every audio frame in its default executor: a thread hand-off 50 times a
    second whose bookkeeping (futures, wake-ups, GIL transfers) costs the console more than
    the Opus encode itself. Given an ``av.Packet`` instead of a frame, aiortc's sender only
    packetises it. Used for the CSO microphone (the console's one outgoing audio stream),
    with :class:`VoiceOpusEncoder`. The RTP audio-level header extension is not sent for
    pre-encoded audio.

    Args:
        source: the microphone track (s16; 48 kHz mono 20 ms frames are encoded as they are).
    """

    kind = "audio"

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self.source = source
        self._encoder = VoiceOpusEncoder()
        self._ready: list[av.Packet] = []

    async def recv(self) -> av.Packet:
        """The next Opus packet (20 ms)."""
        while not self._ready:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.extend(self._encoder.encode(await self.source.recv()))
        return self._ready.pop(0)

    def stop(self) -> None:
        """Stop this track and its source."""
        super().stop()
        self.source.stop()
