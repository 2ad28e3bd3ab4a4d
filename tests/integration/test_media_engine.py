"""Engine-to-engine calls over loopback, wired with an in-process signaling pipe."""
from __future__ import annotations

import asyncio
import hashlib
import time

import pytest
from aiortc.codecs.vpx import DEFAULT_BITRATE

from hardware.synthetic import SyntheticDocumentCamera, SyntheticFaceCamera, ToneMicrophone, read_stamp
from media.engine import MediaEngine
from media.session import (
    LocalMedia,
    MediaConfig,
    SessionState,
    StillReceived,
    StillRejected,
)

WAIT = 15.0  # bounded waits, never timing assertions


class Pipe:
    """Delivers signal payloads between one console and many booths, in order, like a relay."""

    def __init__(self) -> None:
        self.console: MediaEngine | None = None
        self.booths: dict[str, MediaEngine] = {}
        self._q: asyncio.Queue = asyncio.Queue()
        self._task = asyncio.ensure_future(self._run())
        self.log: list[tuple[str, str, str]] = []

    async def _run(self) -> None:
        while True:
            target, sid, payload = await self._q.get()
            await target.handle_signal(sid, payload)

    def to_console(self, sid: str):
        async def send(session_id: str, payload: dict) -> None:
            self.log.append(("console", session_id, payload["kind"]))
            await self._q.put((self.console, session_id, payload))
        return send

    def to_booth(self):
        async def send(session_id: str, payload: dict) -> None:
            self.log.append(("booth", session_id, payload["kind"]))
            await self._q.put((self.booths[session_id], session_id, payload))
        return send

    def close(self) -> None:
        self._task.cancel()


class Events:
    def __init__(self) -> None:
        self.items: list[tuple[str, object]] = []
        self._changed = asyncio.Event()

    def __call__(self, sid: str, event: object) -> None:
        self.items.append((sid, event))
        self._changed.set()

    async def wait_for(self, pred, timeout=WAIT):
        async def loop():
            while True:
                for sid, e in self.items:
                    if pred(sid, e):
                        return sid, e
                self._changed.clear()
                await self._changed.wait()
        return await asyncio.wait_for(loop(), timeout)


def booth_media(seed=0, face=(320, 240), doc_video=(320, 180)):
    doc = SyntheticDocumentCamera("id_card", still_size=(1920, 1080), video_size=doc_video, fps=10, seed=seed,
                                  still_compression=1)  # fast to encode: tests stay frugal
    return LocalMedia(
        face=SyntheticFaceCamera(*face, fps=15, seed=seed),
        document=doc,
        audio=ToneMicrophone(0),
        capture_still=doc.capture_still,
    ), doc


async def wait_until(pred, timeout=WAIT, step=0.05):
    async def loop():
        while not pred():
            await asyncio.sleep(step)
    await asyncio.wait_for(loop(), timeout)


@pytest.fixture
async def rig():
    pipe = Pipe()
    events = Events()
    pipe.console = MediaEngine(
        "console", pipe.to_booth(),
        LocalMedia(face=SyntheticFaceCamera(160, 120, fps=10, seed=99), audio=ToneMicrophone(220)),
        on_event=events,
    )
    booths_events = Events()

    async def add_booth(sid, config=None, **kw):
        media, doc = booth_media(seed=len(pipe.booths), **kw)
        eng = MediaEngine("booth", pipe.to_console(sid), media, config=config or MediaConfig(), on_event=booths_events)
        pipe.booths[sid] = eng
        await eng.start_call(sid)
        await wait_until(lambda: sid in pipe.console.sessions)
        return eng, doc

    yield pipe, events, booths_events, add_booth
    await asyncio.gather(pipe.console.close(), *(b.close() for b in pipe.booths.values()))
    pipe.close()


async def test_call_carries_stamped_face_frames_both_ways(rig):
    pipe, events, booth_events, add_booth = rig
    booth, _ = await add_booth("s1")
    session = pipe.console.sessions["s1"]
    await wait_until(lambda: session.sinks["face"].counter.total >= 5)
    assert read_stamp(session.sinks["face"].latest) is not None
    assert [k for _, _, k in pipe.log] == ["offer", "answer"]
    # the CSO camera goes only to the focused booth, and only the focused booth sends audio
    assert booth.sessions["s1"].sinks["face"].counter.total == 0
    assert session.sinks["audio"].counter.total == 0
    pipe.console.set_focus("s1")
    await wait_until(lambda: booth.sessions["s1"].sinks["face"].counter.total >= 3)
    await wait_until(lambda: session.sinks["audio"].counter.total > 0)
    # the CSO microphone (Opus encoded on the console's loop) decodes at the booth
    await wait_until(lambda: booth.sessions["s1"].sinks["audio"].counter.total >= 5)
    assert booth.sessions["s1"].sinks["audio"].latest.sample_rate == 48000
    stats = (await pipe.console.stats())["s1"]
    assert stats.state == "connected" and stats.fps["face"] > 0 and stats.rtt_ms is not None


async def test_still_arrives_byte_identical(rig):
    pipe, events, _, add_booth = rig
    _, doc = await add_booth("s1")
    await events.wait_for(lambda s, e: getattr(e, "state", None) is SessionState.CONNECTED)
    rid = pipe.console.request_still("s1", "id_card")
    _, got = await events.wait_for(lambda s, e: isinstance(e, StillReceived))
    expected = (await doc.capture_still()).data
    assert got.request_id == rid and (got.width, got.height) == (1920, 1080)
    assert got.data == expected and hashlib.sha256(got.data).digest() == hashlib.sha256(expected).digest()
    assert got.attempt == 1


@pytest.mark.parametrize("fault", ["corrupt", "drop"])
async def test_damaged_still_is_rejected_and_requested_again(rig, fault):
    pipe, events, _, add_booth = rig
    damaged = set()

    def chunk_filter(still_id, index, frame):
        if still_id == 1 and index == 3:  # only the first transfer is damaged
            damaged.add(index)
            return None if fault == "drop" else frame[:-1] + bytes([frame[-1] ^ 0x55])
        return frame

    _, doc = await add_booth("s1", config=MediaConfig(still_chunk_filter=chunk_filter))
    await events.wait_for(lambda s, e: getattr(e, "state", None) is SessionState.CONNECTED)
    rid = pipe.console.request_still("s1")
    _, rejected = await events.wait_for(lambda s, e: isinstance(e, StillRejected))
    assert rejected.request_id == rid and rejected.will_retry
    assert rejected.reason == ("checksum_mismatch" if fault == "corrupt" else "missing_chunks")
    _, got = await events.wait_for(lambda s, e: isinstance(e, StillReceived))
    assert got.attempt == 2 and got.data == (await doc.capture_still()).data
    assert damaged == {3}
    # the rejected still was never delivered as good
    assert sum(isinstance(e, StillReceived) for _, e in events.items) == 1


async def test_document_view_follows_document_request(rig):
    pipe, events, _, add_booth = rig
    await add_booth("s1", face=(640, 360))
    booth = pipe.booths["s1"].sessions["s1"]
    pipe.console.set_focus("s1")
    await wait_until(lambda: booth.face_quality is not None and booth.face_quality.width > 320)
    assert booth.document_quality is None  # focused, but no document wanted
    pipe.console.request_still("s1", "id_card")
    assert pipe.console.document_wanted("s1")
    await wait_until(lambda: any(isinstance(e, StillReceived) for _, e in events.items))
    assert not pipe.console.document_wanted("s1")
    await wait_until(lambda: booth.document_quality is None)


async def test_focus_switches_quality_and_document_track(rig):
    pipe, events, _, add_booth = rig
    await add_booth("a", face=(640, 360))
    await add_booth("b", face=(640, 360))
    sa, sb = pipe.console.sessions["a"], pipe.console.sessions["b"]
    await wait_until(lambda: sa.sinks["face"].counter.total > 2 and sb.sinks["face"].counter.total > 2)
    assert sa.sinks["face"].counter.last_size == (320, 180)
    assert sa.sinks["document"].counter.total == 0  # paused until focused
    pipe.console.set_focus("a")
    await wait_until(lambda: sa.sinks["face"].counter.last_size == (640, 360))
    await asyncio.sleep(0.3)
    assert sa.sinks["document"].counter.total == 0  # no document wanted yet
    pipe.console.show_document("a")
    await wait_until(lambda: sa.sinks["document"].counter.total > 2)
    assert sb.sinks["face"].counter.last_size == (320, 180)
    assert sb.sinks["document"].counter.total == 0
    pipe.console.show_document("a", False)
    await wait_until(lambda: pipe.booths["a"].sessions["a"].document_quality is None)
    pipe.console.set_focus("b")
    await wait_until(lambda: sb.sinks["face"].counter.last_size == (640, 360))
    await wait_until(lambda: sa.sinks["face"].counter.last_size == (320, 180))


def estimators(session):
    """Whether each video receiver (face, document) of a console session estimates bandwidth."""
    videos = [t for t in session.pc.getTransceivers() if t.kind == "video"]
    return tuple(t.receiver._RTCRtpReceiver__remote_bitrate_estimator is not None for t in videos)


async def test_bandwidth_estimated_only_for_streams_it_steers(rig):
    pipe, events, _, add_booth = rig
    booth_a, _ = await add_booth("a", face=(640, 360))
    await add_booth("b", face=(640, 360))
    sa, sb = pipe.console.sessions["a"], pipe.console.sessions["b"]
    await wait_until(lambda: sa.sinks["face"].counter.total > 2 and sb.sinks["face"].counter.total > 2)
    assert estimators(sa) == estimators(sb) == (False, False)  # grid tiles: capped below REMB's floor
    pipe.console.set_focus("a")
    await wait_until(lambda: sa.sinks["face"].counter.last_size == (640, 360))
    assert estimators(sa) == (True, False) and estimators(sb) == (False, False)
    pipe.console.show_document("a")
    assert estimators(sa) == (True, True)
    # the estimate reaches the focused booth's encoder (REMB), which runs at it
    encoder = next(t.sender for t in booth_a.sessions["a"].pc.getTransceivers()
                   if t.sender.track is not None and t.kind == "video")._RTCRtpSender__encoder
    await wait_until(lambda: encoder._estimate != DEFAULT_BITRATE, timeout=WAIT)
    pipe.console.set_focus("b")
    assert estimators(sa) == (False, False) and estimators(sb) == (True, False)
    before = sa.sinks["face"].counter.total
    await wait_until(lambda: sa.sinks["face"].counter.total > before + 5)  # the grid tile still flows


async def test_ending_one_session_leaves_the_others_running(rig):
    pipe, events, _, add_booth = rig
    for sid in ("a", "b", "c"):
        await add_booth(sid)
    sinks = {sid: pipe.console.sessions[sid].sinks["face"] for sid in ("a", "b", "c")}
    await wait_until(lambda: all(s.counter.total > 3 for s in sinks.values()))
    await pipe.console.end_call("b")
    await wait_until(lambda: "b" not in pipe.booths["b"].sessions)
    before = {sid: sinks[sid].counter.total for sid in ("a", "c")}
    await wait_until(lambda: all(sinks[sid].counter.total > before[sid] + 10 for sid in ("a", "c")))
    assert set(pipe.console.sessions) == {"a", "c"}
    assert all(pipe.console.sessions[s].state is SessionState.CONNECTED for s in ("a", "c"))


async def test_dead_peer_noticed_by_heartbeat_and_booth_recovers_with_new_offer(rig):
    pipe, events, booth_events, add_booth = rig
    booth, _ = await add_booth("s1")
    console_session = pipe.console.sessions["s1"]
    await wait_until(lambda: console_session.sinks["face"].counter.total > 3)
    old_pc = console_session.pc
    await old_pc.close()  # the console side vanishes without a bye
    await booth_events.wait_for(lambda s, e: getattr(e, "state", None) is SessionState.LOST)
    # the booth re-offers on a new peer connection for the same session
    await wait_until(lambda: console_session.pc is not old_pc and console_session.state is SessionState.CONNECTED)
    n = console_session.sinks["face"].counter.total
    await wait_until(lambda: console_session.sinks["face"].counter.total > n + 3)
    assert [k for _, _, k in pipe.log].count("offer") == 2


async def test_console_notices_vanished_booth(rig):
    pipe, events, _, add_booth = rig
    booth, _ = await add_booth("s1")
    await events.wait_for(lambda s, e: getattr(e, "state", None) is SessionState.CONNECTED)
    booth.auto_recover = False
    await booth.sessions["s1"].pc.close()
    await events.wait_for(lambda s, e: getattr(e, "state", None) is SessionState.LOST)


async def test_only_the_focused_booth_sends_audio(rig):
    pipe, events, _, add_booth = rig
    await add_booth("a")
    await add_booth("b")
    sa, sb = (pipe.console.sessions[k].sinks["audio"] for k in ("a", "b"))
    pipe.console.set_focus("a")
    await wait_until(lambda: sa.counter.total > 10)
    assert sb.counter.total == 0  # paused at the booth: nothing to decode
    pipe.console.set_focus("b")
    await wait_until(lambda: sb.counter.total > 10)
    n = sa.counter.total
    await asyncio.sleep(0.3)
    assert sa.counter.total <= n + 2  # a's microphone paused (a frame in flight may land)
    # the resumed microphone sends fresh audio, not a burst of what was missed
    assert sb.counter.rate(time.monotonic()) < 70


class _HangingCapture:
    """A document camera whose capture hangs for the first ``hangs`` requests."""

    def __init__(self, doc, hangs):
        self.doc, self.hangs, self.calls = doc, hangs, 0

    async def __call__(self):
        self.calls += 1
        if self.calls <= self.hangs:
            await asyncio.Event().wait()  # never returns
        return await self.doc.capture_still()


@pytest.mark.parametrize("hangs,attempts", [(1, 3), (5, 2)])
async def test_still_that_never_completes_times_out(rig, hangs, attempts):
    pipe, events, _, add_booth = rig
    pipe.console.config = MediaConfig(still_timeout=0.6, still_max_attempts=attempts)
    booth, doc = await add_booth("s1")
    await doc.capture_still()  # encoded before the request, as on a booth
    capture = _HangingCapture(doc, hangs)
    booth.media.capture_still = capture
    await events.wait_for(lambda s, e: getattr(e, "state", None) is SessionState.CONNECTED)
    rid = pipe.console.request_still("s1")
    _, rejected = await events.wait_for(lambda s, e: isinstance(e, StillRejected))
    assert rejected.request_id == rid and rejected.reason == "timeout" and rejected.will_retry
    if hangs < attempts:
        _, got = await events.wait_for(lambda s, e: isinstance(e, StillReceived))
        assert got.attempt == 2 and got.data == (await doc.capture_still()).data
    else:  # every attempt hangs: give up after the last one, and the queue moves on
        _, last = await events.wait_for(lambda s, e: isinstance(e, StillRejected) and not e.will_retry)
        assert last.reason == "timeout" and capture.calls == attempts
        assert pipe.console._still_active is None
