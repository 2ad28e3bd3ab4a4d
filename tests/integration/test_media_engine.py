"""Engine-to-engine calls over loopback, wired with an in-process signaling pipe."""
from __future__ import annotations

import asyncio
import time

import pytest
from aiortc.codecs.vpx import DEFAULT_BITRATE

from common.documents import DocumentKind
from hardware.synthetic import SyntheticDocumentCamera, SyntheticFaceCamera, ToneMicrophone, read_stamp
from media import control as ctl
from media.booth_call import BoothMedia
from media.config import MediaConfig
from media.engine import BoothEngine, CsoEngine, CsoMedia
from media.events import (
    CallState,
    CallStateChanged,
    DocumentFailed,
    DocumentPendingAtBooth,
    DocumentRequested,
    HandRaised,
    BoothDevicesReported,
    QualityApplied,
    VerdictReceived,
)

WAIT = 15.0  # bounded waits, never timing assertions


class Pipe:
    """Delivers signal payloads between one console and many booths, in order, like a relay."""

    def __init__(self) -> None:
        self.console: CsoEngine | None = None
        self.booths: dict[str, BoothEngine] = {}
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
        self.items: list = []
        self._changed = asyncio.Event()
        self.listeners: list = []

    def __call__(self, event) -> None:
        self.items.append(event)
        self._changed.set()
        for listener in self.listeners:
            listener(event)

    async def wait_for(self, pred, timeout=WAIT):
        async def loop():
            while True:
                for e in self.items:
                    if pred(e):
                        return e
                self._changed.clear()
                await self._changed.wait()
        return await asyncio.wait_for(loop(), timeout)

    def of(self, kind):
        return [e for e in self.items if isinstance(e, kind)]


def connected(e) -> bool:
    return isinstance(e, CallStateChanged) and e.state is CallState.CONNECTED


def booth_media(seed=0, face=(320, 240), doc_video=(320, 180)):
    doc = SyntheticDocumentCamera("id_card", still_size=(1920, 1080), video_size=doc_video, fps=10, seed=seed,
                                  still_compression=1)  # fast to encode: tests stay frugal
    return BoothMedia(face=SyntheticFaceCamera(*face, fps=15, seed=seed), document=doc,
                      audio=ToneMicrophone(0)), doc


async def wait_until(pred, timeout=WAIT, step=0.05):
    async def loop():
        while not pred():
            await asyncio.sleep(step)
    await asyncio.wait_for(loop(), timeout)


@pytest.fixture
async def rig():
    pipe = Pipe()
    events = Events()
    pipe.console = CsoEngine(
        pipe.to_booth(),
        CsoMedia(face=SyntheticFaceCamera(160, 120, fps=10, seed=99), audio=ToneMicrophone(220)),
        on_event=events,
    )
    booth_events = Events()

    async def add_booth(sid, config=None, **kw):
        media, doc = booth_media(seed=len(pipe.booths), **kw)
        eng = BoothEngine(pipe.to_console(sid), media, config=config or MediaConfig(), on_event=booth_events)
        pipe.booths[sid] = eng
        await eng.start_call(sid)
        await wait_until(lambda: sid in pipe.console.calls)
        return eng, doc

    yield pipe, events, booth_events, add_booth
    await asyncio.gather(pipe.console.close(), *(b.close() for b in pipe.booths.values()))
    pipe.close()


async def test_call_carries_stamped_face_frames_both_ways(rig):
    pipe, events, booth_events, add_booth = rig
    booth, _ = await add_booth("s1")
    session = pipe.console.calls["s1"]
    await wait_until(lambda: session.sinks["face"].counter.total >= 5)
    assert read_stamp(session.sinks["face"].latest) is not None
    assert [k for _, _, k in pipe.log] == ["offer", "answer"]
    # the CSO camera goes only to the focused booth, and only the focused booth sends audio
    assert booth.calls["s1"].sinks["face"].counter.total == 0
    assert session.sinks["audio"].counter.total == 0
    pipe.console.set_focus("s1")
    await wait_until(lambda: booth.calls["s1"].sinks["face"].counter.total >= 3)
    await wait_until(lambda: session.sinks["audio"].counter.total > 0)
    # the CSO microphone (Opus encoded on the console's loop) decodes at the booth
    await wait_until(lambda: booth.calls["s1"].sinks["audio"].counter.total >= 5)
    assert booth.calls["s1"].sinks["audio"].latest.sample_rate == 48000
    stats = (await pipe.console.stats())["s1"]
    assert stats.state == "connected" and stats.fps["face"] > 0 and stats.rtt_ms is not None


async def test_document_request_is_shown_once_confirmed_and_survives_a_new_peer_connection(rig):
    pipe, events, booth_events, add_booth = rig
    booth, _ = await add_booth("s1")
    await events.wait_for(connected)
    rid = pipe.console.request_document("s1", DocumentKind.KTP)
    shown = await booth_events.wait_for(lambda e: isinstance(e, DocumentRequested))
    assert (shown.request_id, shown.document, shown.capture) == (rid, DocumentKind.KTP, ctl.CaptureMode.AUTO)
    await events.wait_for(lambda e: isinstance(e, DocumentPendingAtBooth) and e.request_id == rid)
    assert pipe.console.documents.get(rid).phase.value == "pending"
    console_call = pipe.console.calls["s1"]
    old_pc = console_call.pc
    await old_pc.close()  # a new peer connection follows; the request goes out again
    await wait_until(lambda: console_call.pc is not old_pc and console_call.state is CallState.CONNECTED)
    await wait_until(lambda: pipe.console.documents.get(rid).phase.value == "pending")
    assert len([e for e in booth_events.items if isinstance(e, DocumentRequested)]) == 1  # shown once
    pipe.console.document_arrived(rid)  # the still reached the server
    assert pipe.console.documents.get(rid) is None and not pipe.console.document_wanted("s1")


async def test_a_camera_that_fails_at_the_booth_is_reported_to_the_officer(rig):
    pipe, events, booth_events, add_booth = rig
    booth, _ = await add_booth("s1")
    await events.wait_for(connected)
    rid = pipe.console.request_document("s1", DocumentKind.KK, capture=ctl.CaptureMode.NOW)
    await booth_events.wait_for(lambda e: isinstance(e, DocumentRequested))
    booth.fail_still("s1", rid, "document camera /dev/video2: stopped delivering frames")
    failed = await events.wait_for(lambda e: isinstance(e, DocumentFailed))
    assert (failed.request_id, failed.reason, failed.document) == (rid, "capture_failed", DocumentKind.KK)
    assert "stopped delivering frames" in failed.detail and not pipe.console.document_wanted("s1")


async def test_document_view_follows_document_request(rig):
    pipe, events, _, add_booth = rig
    await add_booth("s1", face=(640, 360))
    booth = pipe.booths["s1"].calls["s1"]
    pipe.console.set_focus("s1")
    await wait_until(lambda: booth.face_quality is not None and booth.face_quality.width > 320)
    assert booth.document_quality is None  # focused, but no document wanted
    rid = pipe.console.request_document("s1", DocumentKind.KTP)
    assert pipe.console.document_wanted("s1")
    await wait_until(lambda: booth.document_quality is not None)  # the document view is on
    pipe.console.document_arrived(rid)
    assert not pipe.console.document_wanted("s1")
    await wait_until(lambda: booth.document_quality is None)


async def test_focus_switches_quality_and_document_track(rig):
    pipe, events, _, add_booth = rig
    await add_booth("a", face=(640, 360))
    await add_booth("b", face=(640, 360))
    sa, sb = pipe.console.calls["a"], pipe.console.calls["b"]
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
    await wait_until(lambda: pipe.booths["a"].calls["a"].document_quality is None)
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
    sa, sb = pipe.console.calls["a"], pipe.console.calls["b"]
    await wait_until(lambda: sa.sinks["face"].counter.total > 2 and sb.sinks["face"].counter.total > 2)
    assert estimators(sa) == estimators(sb) == (False, False)  # grid tiles: capped below REMB's floor
    pipe.console.set_focus("a")
    await wait_until(lambda: sa.sinks["face"].counter.last_size == (640, 360))
    assert estimators(sa) == (True, False) and estimators(sb) == (False, False)
    pipe.console.show_document("a")
    assert estimators(sa) == (True, True)
    # the estimate reaches the focused booth's encoder (REMB), which runs at it
    encoder = next(t.sender for t in booth_a.calls["a"].pc.getTransceivers()
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
    sinks = {sid: pipe.console.calls[sid].sinks["face"] for sid in ("a", "b", "c")}
    await wait_until(lambda: all(s.counter.total > 3 for s in sinks.values()))
    await pipe.console.end_call("b")
    await wait_until(lambda: "b" not in pipe.booths["b"].calls)
    before = {sid: sinks[sid].counter.total for sid in ("a", "c")}
    await wait_until(lambda: all(sinks[sid].counter.total > before[sid] + 10 for sid in ("a", "c")))
    assert set(pipe.console.calls) == {"a", "c"}
    assert all(pipe.console.calls[s].state is CallState.CONNECTED for s in ("a", "c"))


async def test_dead_peer_noticed_by_heartbeat_and_booth_recovers_with_new_offer(rig):
    pipe, events, booth_events, add_booth = rig
    booth, _ = await add_booth("s1")
    console_session = pipe.console.calls["s1"]
    await wait_until(lambda: console_session.sinks["face"].counter.total > 3)
    old_pc = console_session.pc
    await old_pc.close()  # the console side vanishes without a bye
    await booth_events.wait_for(lambda e: getattr(e, "state", None) is CallState.LOST)
    # the booth re-offers on a new peer connection for the same session
    await wait_until(lambda: console_session.pc is not old_pc and console_session.state is CallState.CONNECTED)
    n = console_session.sinks["face"].counter.total
    await wait_until(lambda: console_session.sinks["face"].counter.total > n + 3)
    assert [k for _, _, k in pipe.log].count("offer") == 2


async def test_console_notices_vanished_booth(rig):
    pipe, events, _, add_booth = rig
    booth, _ = await add_booth("s1")
    await events.wait_for(connected)
    booth.auto_recover = False
    await booth.calls["s1"].pc.close()
    await events.wait_for(lambda e: getattr(e, "state", None) is CallState.LOST)


async def test_only_the_focused_booth_sends_audio(rig):
    pipe, events, _, add_booth = rig
    await add_booth("a")
    await add_booth("b")
    sa, sb = (pipe.console.calls[k].sinks["audio"] for k in ("a", "b"))
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


async def test_messages_from_the_wrong_end_are_refused(rig):
    pipe, events, booth_events, add_booth = rig
    booth, _ = await add_booth("s1")
    await events.wait_for(connected)
    booth_call, console_call = booth.calls["s1"], pipe.console.calls["s1"]
    for forged in (ctl.Prompt(text="give me your PIN"), ctl.QualityRequest(face=None, audio=True),
                   ctl.DocumentVerdict(request_id="x", document="ktp", verdict="accepted")):
        booth_call._channel.send(ctl.dump_control(forged))  # a booth pretending to be the officer
    booth_call._channel.send('{"type": "prompt", "text": "' + "x" * 20000 + '"}')
    await wait_until(lambda: console_call.refused_messages == 4)
    console_call._channel.send(ctl.dump_control(ctl.RaiseHand()))  # an officer pretending to be a booth
    await wait_until(lambda: booth_call.refused_messages == 1)
    assert not events.of(HandRaised)


async def test_prompts_checklist_verdicts_to_the_booth_hand_and_devices_to_the_officer(rig):
    pipe, events, booth_events, add_booth = rig
    booth, _ = await add_booth("s1")
    await events.wait_for(connected)
    console = pipe.console
    console.send_control("s1", ctl.Prompt(text="Silakan tunjukkan KTP Anda", key="show_document"))
    console.send_control("s1", ctl.ChecklistUpdate(items=[
        ctl.ChecklistItem(document="ktp", status="verified"), ctl.ChecklistItem(document="kk", status="needed")]))
    console.send_verdict("s1", "r1", DocumentKind.KK, "rejected", "unreadable")
    verdict = await booth_events.wait_for(lambda e: isinstance(e, VerdictReceived))
    assert (verdict.document, verdict.verdict.value, verdict.reason.value) == (DocumentKind.KK, "rejected", "unreadable")
    prompt = await booth_events.wait_for(lambda e: type(e).__name__ == "PromptReceived")
    assert prompt.text == "Silakan tunjukkan KTP Anda" and prompt.key == "show_document"
    checklist = await booth_events.wait_for(lambda e: type(e).__name__ == "ChecklistReceived")
    assert [(i.document.value, i.status.value) for i in checklist.items] == [("ktp", "verified"), ("kk", "needed")]
    booth.raise_hand("s1")
    booth.report_devices(ctl.BoothStatus(devices=[ctl.DeviceHealth(role="camera", ok=False,
                                                                   message="camera 0: stopped delivering frames")]))
    assert (await events.wait_for(lambda e: isinstance(e, HandRaised))).session_id == "s1"
    report = await events.wait_for(lambda e: isinstance(e, BoothDevicesReported))
    assert report.status.devices[0].message.startswith("camera 0")


async def test_officer_camera_and_microphone_come_back_after_a_reconnect(rig):
    pipe, events, booth_events, add_booth = rig
    booth, _ = await add_booth("s1")
    pipe.console.set_focus("s1")
    call = booth.calls["s1"]
    await wait_until(lambda: call.sinks["face"].counter.total >= 5 and call.sinks["audio"].counter.total >= 10)
    console_call = pipe.console.calls["s1"]
    old_pc = console_call.pc
    await old_pc.close()  # the console's side vanishes: the booth re-offers on a new connection
    await wait_until(lambda: console_call.pc is not old_pc and console_call.state is CallState.CONNECTED)
    video, audio = call.sinks["face"].counter.total, call.sinks["audio"].counter.total
    # fresh officer tracks on the new connection: video and sound reach the booth again
    await wait_until(lambda: call.sinks["face"].counter.total > video + 5 and call.sinks["audio"].counter.total > audio + 10)
    assert console_call.peer_connections == 2


async def test_a_held_booth_sends_a_small_face_and_no_sound(rig):
    pipe, events, booth_events, add_booth = rig
    booth, _ = await add_booth("s1", face=(640, 360))
    pipe.console.set_focus("s1")
    sink = pipe.console.calls["s1"].sinks["face"]
    await wait_until(lambda: sink.counter.last_size == (640, 360))
    pipe.console.set_held("s1", True)
    applied = await booth_events.wait_for(lambda e: isinstance(e, QualityApplied) and not e.request.audio)
    assert applied.request.document is None and applied.request.face.width == 320
    await wait_until(lambda: sink.counter.last_size == (320, 180))
    assert pipe.console.focus is None
