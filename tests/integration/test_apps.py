"""The booth and console apps (no Qt) end to end: real signaling server on loopback, real aiortc
calls, simulated devices on real pseudo-terminals, the real document scanner, a real SQLite file."""
from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime

import cv2
import numpy as np
import pytest

from common.documents import DocumentKind
from cso_console import desk as dk
from cso_console.app import ConsoleApp
from cso_console.config import ConsoleConfig
from cso_console.desk import DocStatus, TileState
from hardware.booth import open_booth_devices
from hardware.synthetic import SyntheticFaceCamera, ToneMicrophone, read_stamp
from kiosk import flow as f
from kiosk.app import BoothApp
from kiosk.flow import DocumentPhase, ReceiptState, Screen
from lapak.simbooth import booth_config
from media.config import MediaConfig
from media.engine import CsoMedia
from signaling import protocol as p
from signaling.store import Store
from signaling.testing import running_server

WAIT = 30.0  # bounded waits, never timing assertions


async def until(pred, timeout=WAIT, step=0.05, what=""):
    async def loop():
        while not pred():
            await asyncio.sleep(step)
    try:
        await asyncio.wait_for(loop(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError(f"timed out waiting for {what or pred}") from None


def console_app(branch) -> ConsoleApp:
    config = ConsoleConfig(cso={"id": "cso-01", "token": branch.tokens[("cso", "cso-01")]}, server={"url": branch.url, "allow_plain": True})
    media = CsoMedia(face=SyntheticFaceCamera(160, 120, 10, seed=99), audio=ToneMicrophone(220))
    return ConsoleApp(config, media, media_config=MediaConfig())


def booth_app(branch, n: int, face="320x240@15") -> BoothApp:
    dev = f"booth-{n:02d}"
    config = booth_config(branch.url, dev, branch.tokens[("booth", dev)], face, "640x360@10")
    return BoothApp(config, open_booth_devices(config.devices, simulate=True, seed=n), media_config=MediaConfig())


def tile(console: ConsoleApp, session_id: str):
    return next((t for t in console.view.tiles if t is not None and t.session_id == session_id), None)


async def walk_in(booth: BoothApp) -> None:
    await until(lambda: booth.view.server_up, what="booth connected")
    for intent in (f.Start(), f.AcceptPrivacy(), f.ChooseWalkIn()):
        booth.feed(intent)
    await until(lambda: booth.view.ticket is not None, what="ticket")


async def test_a_whole_visit_from_walk_in_to_receipt_and_wipe(tmp_path):
    async with running_server(tmp_path / "branch.sqlite", booths=1, csos=1, capacity=4) as branch:
        console, booth = console_app(branch), booth_app(branch, 1)
        submitted = []
        booth.on_command(lambda c: submitted.append(c.still) if isinstance(c, f.SubmitStill) else None)
        await console.start()
        await booth.start()
        try:
            # while idle the document camera looks at the empty tray (to learn it), never in a visit
            await until(lambda: booth.scanner.tray_steps, what="the idle tray looked at")
            await walk_in(booth)
            assert not booth.scanner.watching_tray
            # the console accepts by itself and turns to the only booth
            await until(lambda: booth.view.screen is Screen.CALL and booth.view.call_phase is f.CallPhase.TALKING,
                        what="talking")
            sid = booth.flow.visit.session.id
            assert tile(console, sid).state is TileState.TALKING and booth.view.officer_hears_you
            call = console.engine.calls[sid]
            await until(lambda: call.sinks["face"].counter.total > 5, what="booth video")
            assert read_stamp(call.sinks["face"].latest) is not None
            booth_call = booth.engine.calls[sid]
            await until(lambda: booth_call.sinks["face"].counter.total > 3, what="officer video at the booth")

            # the officer asks for the KTP; the participant puts an ID card on the tray
            console.feed(dk.RequestDocument(sid, DocumentKind.KTP))
            await until(lambda: booth.view.screen is Screen.DOCUMENT, what="document screen")
            assert booth.view.document.document is DocumentKind.KTP
            booth.devices.document.show("id_card", 5)
            await until(lambda: tile(console, sid).checklist[0].status is DocStatus.RECEIVED, what="still received")
            entry = tile(console, sid).checklist[0]
            meta, data = console.still(entry.still.sha256)
            assert data == submitted[0].data  # byte-identical to what the booth captured
            assert hashlib.sha256(data).hexdigest() == entry.still.sha256 == meta.sha256
            img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            assert img.shape == (1080, 1920, 3) and meta.corners is not None
            kept = branch.server.files.final_path(sid, meta.sha256, meta.mime)
            assert kept.read_bytes() == data  # the case file is on the branch server

            console.feed(dk.Verify(sid, DocumentKind.KTP))
            await until(lambda: booth.view.document is not None and booth.view.document.phase is DocumentPhase.ACCEPTED,
                        what="verdict at the booth")
            await until(lambda: console.view.unconfirmed_decisions == 0, what="decision recorded")
            console.feed(dk.End(sid, p.Outcome.DOCUMENTS_INCOMPLETE))
            await until(lambda: booth.view.screen is Screen.END, what="end screen")
            assert booth.view.outcome is p.Outcome.DOCUMENTS_INCOMPLETE
            assert booth.view.documents_verified == (DocumentKind.KTP,)
            reference = booth.view.reference
            await until(lambda: booth.view.receipt is ReceiptState.PRINTED, what="receipt printed")
            printer = booth.devices.simulators["printer"]
            # PRINTED means the booth's write to the port returned; the simulated printer reads the
            # pseudo-terminal on its own thread, so wait until the receipt's cut has reached it (the
            # queue ticket printed at walk-in is the first slip).
            await until(lambda: len(printer.slips()) >= 2, what="receipt received by the printer")
            lines = printer.slips()[-1]
            assert any(reference in line for line in lines) and any("KTP" in line for line in lines)
            assert any("Dokumen belum lengkap" in line for line in lines)  # Bahasa Indonesia by default
            await until(lambda: booth.devices.simulators["light"].colour == "WAITING",  # the booth is still taken
                        what="light set to waiting")  # (set on a worker thread: the serial write takes time)

            booth.feed(f.Finish())
            assert booth.view.screen is Screen.ATTRACT and booth.scanner.watching_tray
            await until(lambda: not booth.participant_traces(), what="wipe")
            await until(lambda: booth.devices.simulators["light"].colour == "IDLE", what="light idle")
            assert booth.flow.visit.session is None and booth.view.ticket is None
        finally:
            await booth.close()
            await console.close()
        store = Store(tmp_path / "branch.sqlite")
        try:
            (decision,) = store.decisions(sid)
            assert decision.document == "ktp" and decision.verdict == "accepted"
            assert decision.still_sha256 == hashlib.sha256(submitted[0].data).hexdigest()
            audit = [a.event for a in store.audit(sid)]
            assert audit[:3] == ["announced", "offered", "accepted"] and "decision" in audit and audit[-1] == "ended"
        finally:
            store.close()


async def test_booking_code_checked_and_a_bad_code_answered(tmp_path):
    async with running_server(tmp_path / "branch.sqlite", booths=1, csos=1, capacity=4) as branch:
        branch.server.store.replace_bookings(
            [p.BookingInfo(code="BK-4711", name="Siti Rahayu", slot_start=datetime.now().timestamp())], 0.0)
        booth = booth_app(branch, 1)
        await booth.start()
        try:
            await until(lambda: booth.view.server_up)
            for intent in (f.Start(), f.AcceptPrivacy(), f.ChooseBooking()):
                booth.feed(intent)
            for key in "BK-0000":
                booth.feed(f.KeyPress(key))
            booth.feed(f.SubmitCode())
            await until(lambda: booth.view.notice is f.NoticeKind.BOOKING_UNKNOWN, what="bad code notice")
            assert booth.view.screen is Screen.CODE_ENTRY
            for key in "BK-4711":
                booth.feed(f.KeyPress(key))
            booth.feed(f.SubmitCode())
            await until(lambda: booth.view.ticket is not None, what="booking announced")
            v = booth.view
            assert v.ticket.startswith("B") and v.name == "Siti R." and v.screen is Screen.WAITING
            # no officer online: it waits first in line (places come with the server's next tick)
            await until(lambda: booth.view.queue_position == 1, what="queue place")
        finally:
            await booth.close()


async def test_qr_code_shown_to_the_face_camera_checks_in(tmp_path):
    async with running_server(tmp_path / "branch.sqlite", booths=1, csos=1, capacity=4) as branch:
        branch.server.store.replace_bookings(
            [p.BookingInfo(code="QR-2026", name="Agus", slot_start=datetime.now().timestamp())], 0.0)
        booth = booth_app(branch, 1, face="640x480@15")
        await booth.start()
        try:
            await until(lambda: booth.view.server_up)
            booth.feed(f.Start())
            booth.feed(f.AcceptPrivacy())
            qr = cv2.QRCodeEncoder.create().encode("QR-2026")
            qr = cv2.copyMakeBorder(cv2.resize(qr, (240, 240), interpolation=cv2.INTER_NEAREST),
                                    24, 24, 24, 24, cv2.BORDER_CONSTANT, value=255)
            booth.devices.face.overlay = cv2.cvtColor(qr, cv2.COLOR_GRAY2BGR)  # a phone held up to the camera
            await until(lambda: booth.view.ticket is not None, what="checked in by QR")
            assert booth.view.name == "Agus" and booth.view.ticket.startswith("B")
        finally:
            await booth.close()


async def test_six_booths_one_console(tmp_path):
    async with running_server(tmp_path / "branch.sqlite", booths=6, csos=1, capacity=6) as branch:
        console = console_app(branch)
        booths = [booth_app(branch, n, face="160x120@10") for n in range(1, 7)]
        await console.start()
        for b in booths:
            await b.start()
        try:
            await asyncio.gather(*(walk_in(b) for b in booths))
            await until(lambda: len(console.engine.calls) == 6, what="six calls")
            calls = console.engine.calls
            await until(lambda: all(c.sinks["face"].counter.total >= 5 for c in calls.values()), what="six faces")
            view = console.view
            assert len([t for t in view.tiles if t]) == 6 and view.focus is not None
            focused = [t for t in view.tiles if t and t.focused]
            assert len(focused) == 1 and focused[0].state is TileState.TALKING
            # key 3 turns to the third booth: the first is put on hold, its screen says so
            first = focused[0].session_id
            console.feed(dk.FocusSlot(3))
            third = view.tiles[2].session_id
            held = next(b for b in booths if b.flow.visit.session and b.flow.visit.session.id == first)
            await until(lambda: held.view.call_phase is f.CallPhase.ON_HOLD, what="on hold at the booth")
            await until(lambda: tile(console, first).state is TileState.ON_HOLD, what="on hold on the tile")
            await until(lambda: calls[third].sinks["face"].counter.last_size == (160, 120), what="full quality")
            # end one session: the other five keep running
            console.feed(dk.End(first, p.Outcome.PARTICIPANT_LEFT))
            await until(lambda: first not in console.engine.calls, what="call closed")
            rest = list(console.engine.calls.values())
            before = [c.sinks["face"].counter.total for c in rest]
            await until(lambda: all(c.sinks["face"].counter.total > n + 5 for c, n in zip(rest, before)),
                        what="five still live")
            assert len(rest) == 5
        finally:
            for b in booths:
                await b.close()
            await console.close()


async def test_an_example_token_puts_the_booth_out_of_service_saying_why(tmp_path):
    """The shipped example token never reaches the server: the booth shows out of service and the
    technician reads what to do; the console refuses to start."""
    from common.config import ConfigError

    async with running_server(tmp_path / "branch.sqlite", booths=1, csos=1) as branch:
        config = booth_config(branch.url, "booth-01", "change-me-booth-01", "320x240@15", "640x360@10")
        booth = BoothApp(config, open_booth_devices(config.devices, simulate=True, seed=1), media_config=MediaConfig())
        await booth.start()
        try:
            await until(lambda: booth.view.screen is Screen.OUT_OF_SERVICE, what="out of service")
            assert "lapak token new booth booth-01" in booth.view.out_of_service
            assert not branch.server.branch.by_device  # nothing was sent to the server
        finally:
            await booth.close()
        console = ConsoleApp(ConsoleConfig(cso={"id": "cso-01", "token": "change-me-cso-01"},
                                           server={"url": branch.url, "allow_plain": True}), media_config=MediaConfig())
        with pytest.raises(ConfigError, match="lapak token new cso cso-01"):
            await console.start()
        await console.close()


async def test_a_loudspeaker_that_is_not_there_is_a_fault_at_the_booth_and_on_the_officers_tile(tmp_path):
    from hardware.audio import SoundCardSpeaker

    async with running_server(tmp_path / "branch.sqlite", booths=1, csos=1, capacity=4) as branch:
        console, booth = console_app(branch), booth_app(branch, 1)
        booth.devices.speaker.stop()  # the simulated one: this booth's is configured by name and not there
        booth.devices.speaker = SoundCardSpeaker("no-such-speaker", retry_initial=0.1, retry_max=0.5)
        booth.devices.speaker.play_from(lambda n: np.zeros((n, 1), np.int16))
        await console.start()
        await booth.start()
        try:
            await until(lambda: "speaker" in dict(booth.view.faults), what="the fault at the booth")
            assert "speaker ('no-such-speaker'): " in dict(booth.view.faults)["speaker"]
            await walk_in(booth)
            await until(lambda: booth.flow.visit.session is not None, what="session")
            sid = booth.flow.visit.session.id
            await until(lambda: tile(console, sid) is not None and tile(console, sid).faults, what="fault on the tile")
            assert TileState.DEVICE_FAULT in tile(console, sid).flags
            assert "'no-such-speaker'" in dict(tile(console, sid).faults)["speaker"]
        finally:
            await booth.close()
            await console.close()
