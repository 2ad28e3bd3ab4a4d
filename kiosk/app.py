"""The booth's wiring (no Qt): it moves messages between the signaling client, the media engine,
the devices, the scanner and :class:`kiosk.flow.BoothFlow`, and carries out the flow's commands.

Everything runs on one asyncio loop (whichever loop :meth:`BoothApp.start` is awaited on: the
Qt app gives it a loop thread of its own, a headless booth its main loop). Other threads reach
it only through :meth:`BoothApp.post`; device and scanner threads hand their events over the
same way. Views subscribe with :meth:`BoothApp.on_view` and get every new
:class:`kiosk.flow.BoothView` (called on the app's loop: a GUI re-emits it as a queued signal).
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from datetime import datetime
from typing import Any, Callable

from common.appbase import AppBase
from common.config import ConfigError
from hardware.booth import BoothDevices, DeviceStatus
from hardware.errors import DeviceError
from hardware.scanner import Reason, TrayWatch
from hardware.scanning import DocumentScanner, QrReader, ScanResult, capture_now
from kiosk import flow as f
from kiosk.config import BoothConfig
from kiosk.flow import BoothFlow, BoothView, FlowRules
from kiosk.pin import check_pin
from kiosk.slips import receipt_slip, ticket_slip
from media import control as ctl
from media.booth_call import BoothMedia
from media.config import MediaConfig
from media.engine import BoothEngine
from media.errors import MediaError
from media.events import MediaEvent
from media.internals import check_aiortc_internals
from media.playout import Loudspeaker
from signaling import protocol as p
from signaling.client import ClientState, SignalingClient
from signaling.errors import AuthRefused, NotConnected, RequestRefused
from signaling.tokens import token_problem
from signaling.stills_client import StillTransfer, StillTransferError

logger = logging.getLogger(__name__)

UPLOAD_STREAMS = 8
"""Connections a still goes up over at once. At 40 ± 10 ms and 2 % loss, 3.3 MB took 0.59 s
(median) over eight plain TCP streams against 0.78 s over four (BENCHMARKS.md "Still transport");
with the slowest part sent again on a free connection (and the session's other still changes), six
booths' stills p95 1.19-1.66 s over three runs of bench.network's loss phase (BENCHMARKS.md
"Network")."""

TICK = 0.25
"""Seconds between clock ticks of the flow (its timeouts) and device health checks."""


def flow_rules(config: BoothConfig) -> FlowRules:
    """The flow's rules from the booth config."""
    s, t = config.screen, config.technician
    languages = (config.booth.default_language,) + tuple(
        lang for lang in config.booth.languages if lang is not config.booth.default_language)
    return FlowRules(
        languages=languages, still_there_after=s.still_there_after, waiting_still_there_after=s.waiting_still_there_after,
        still_there_answer=s.still_there_answer, check_in_timeout=s.check_in_timeout,
        message_seconds=s.message_seconds, end_screen_seconds=s.end_screen_seconds,
        out_of_service_after=s.reconnect_out_of_service, pin_attempts=t.max_attempts, pin_lockout=t.lockout_seconds,
    )


SCAN_HINTS: dict[Reason, f.ScanHint] = {
    Reason.NO_DOCUMENT: f.ScanHint.NO_DOCUMENT,
    Reason.OUT_OF_FRAME: f.ScanHint.OUT_OF_FRAME,
    Reason.COVERED: f.ScanHint.COVERED,
    Reason.TOO_SMALL: f.ScanHint.TOO_SMALL,
    Reason.MOTION_BLUR: f.ScanHint.MOTION_BLUR,
    Reason.BLURRY: f.ScanHint.BLURRY,
    Reason.GLARE: f.ScanHint.GLARE,
    Reason.OK: f.ScanHint.OK,
}
"""The advice the booth screen shows for each of the scanner's reasons (every reason has one;
the words, in the participant's language, are in :mod:`kiosk.ui.words`)."""


def scan_hint(reason: Reason) -> f.ScanHint:
    """The booth screen's advice for the scanner's reason."""
    return SCAN_HINTS[reason]


class BoothApp(AppBase[BoothView]):
    """One booth: signaling client + booth media engine + devices + the visit's flow.

    Args:
        config: the validated booth config.
        devices: the booth's devices (started and stopped by the app).
        media_config: media engine limits (default: from the config's ``[ice]``).
        clock: monotonic clock for the flow's timeouts.
    """

    def __init__(self, config: BoothConfig, devices: BoothDevices, *, media_config: MediaConfig | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.config = config
        self.devices = devices
        self._clock = clock
        pin_hash = config.technician.pin_hash
        self.flow = BoothFlow(flow_rules(config), verify_pin=(lambda pin: check_pin(pin, pin_hash)) if pin_hash else None,
                              has_printer=devices.printer is not None, now=clock())
        if config.server is None:
            raise ConfigError("the config", ["[server] is missing: url = the branch server's wss:// address, "
                                             "ca = the branch CA file"])
        tls = config.server.ssl_context()  # raises TlsError naming a missing or wrong branch CA
        self.client = SignalingClient(config.server.url, "booth", config.booth.id, config.booth.token,
                                      on_message=self._on_server, on_state=self._on_client_state,
                                      on_signal=self._on_signal, ssl=tls)
        self.stills = StillTransfer(config.server.url, "booth", config.booth.id, config.booth.token, ssl=tls,
                                    streams=UPLOAD_STREAMS)
        self.loudspeaker = Loudspeaker(devices.speaker) if devices.speaker is not None else None
        """The officer's voice: a playout buffer the loudspeaker plays from."""
        self.engine = BoothEngine(self.client.send_signal,
                                  BoothMedia(face=devices.face, document=devices.document, audio=devices.microphone,
                                             speaker=self.loudspeaker),
                                  media_config or MediaConfig(**config.ice.media_options()), on_event=self._on_media)
        self.scanner = DocumentScanner(devices.document, lambda r: self._from_thread(self._on_scan, r),
                                       tray=TrayWatch()) if devices.document is not None else None
        self.qr = QrReader(devices.face, lambda text: self._from_thread(self.feed, f.QrDecoded(text))) \
            if devices.face is not None and hasattr(devices.face, "latest_frame") else None
        self.branch_name = ""
        self._health: dict[str, DeviceStatus] = {}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start the devices, connect to the server, run the clock (returns at once).

        Raises:
            AiortcInternalsChanged: the installed aiortc lacks an internal the media engine
                uses (a wrong version: fail before the first call, not during one).
        """
        self.loop = asyncio.get_running_loop()
        await check_aiortc_internals()
        if self.devices.button is not None:
            self.devices.button._on_press = lambda: self._from_thread(self.feed, f.ButtonPressed())
        self.devices.start()
        prepare = getattr(self.devices.document, "prepare", None)
        if prepare is not None:
            await prepare()
        self._spawn(self._tick())
        problem = token_problem(self.config.booth.token)
        if problem:  # out of service, saying why, instead of sending an example token to the server
            text = (f"[booth] token {problem}: put in the one `lapak token new booth {self.config.booth.id}` "
                    f"printed on the branch server")
            logger.error("%s", text)
            self.feed(f.ServerRefused(text))
            return
        await self.client.start()
        self.feed(f.Tick())

    async def close(self) -> None:
        """Disconnect, close the call, stop the workers and the devices."""
        self._cancel_tasks()
        await self.engine.close()
        await self.client.close()
        await self.stills.close()
        for worker in (self.scanner, self.qr):
            if worker is not None:
                await asyncio.to_thread(worker.close)
        await asyncio.to_thread(self.devices.stop)

    # ------------------------------------------------------------------ the core

    def _handle(self, event: f.BoothInput) -> list[f.BoothCommand]:
        return self.flow.handle(event, self._clock())

    def _view(self) -> BoothView:
        return self.flow.view(self._clock())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            self._check_devices()
            self.feed(f.Tick())

    def _check_devices(self) -> None:
        changed = False
        for st in self.devices.health():
            if self._health.get(st.role) != st:
                self._health[st.role] = st
                changed = True
                self.feed(f.DeviceChanged(st.role, st.ok, st.message))
        if changed:
            self.engine.report_devices(ctl.BoothStatus(devices=[
                ctl.DeviceHealth(role=s.role, ok=s.ok, message=s.message[:300]) for s in self._health.values()]))

    # ------------------------------------------------------------------ server

    def _on_client_state(self, state: ClientState) -> None:
        if state in (ClientState.BACKOFF, ClientState.CONNECTING) and self.flow.server_up:
            self.feed(f.ServerDown("connection to the branch server lost"))
        elif state is ClientState.FAILED:
            refusal = self.client.refusal
            self.feed(f.ServerRefused(str(refusal) if refusal else "refused by the branch server"))

    async def _on_server(self, msg: Any) -> None:
        if isinstance(msg, p.Welcome):
            self.branch_name = msg.branch_name
            self.feed(f.ServerUp(msg))
        elif isinstance(msg, p.SessionUpdate):
            if msg.session.state is p.SessionState.ACTIVE:  # an officer took the call: stills come next
                self._spawn(self.stills.warm())
            self.feed(f.SessionChanged(msg.session))
        elif isinstance(msg, p.QueuePosition):
            self.feed(f.QueuePositionChanged(msg))
        elif isinstance(msg, p.Error):
            logger.warning("server error: %s: %s", msg.code.value, msg.message)

    async def _on_signal(self, msg: p.Relayed) -> None:
        await self.engine.handle_signal(msg.session_id, msg.payload)

    async def _request(self, name: str, message, on_answer: Callable[[Any], Any]) -> None:
        try:
            answer = await self.client.request(message)
        except RequestRefused as exc:
            self.feed(f.RequestFailed(name, exc.code, exc.message))
            return
        except (NotConnected, AuthRefused, asyncio.TimeoutError) as exc:
            self.feed(f.RequestFailed(name, None, str(exc) or "no answer"))
            return
        self.feed(on_answer(answer))

    # ------------------------------------------------------------------ media and scanner

    def _on_media(self, event: MediaEvent) -> None:
        self.feed(event)

    def _on_scan(self, r: ScanResult) -> None:
        if r.error is not None:
            self.feed(f.CaptureFailed(r.request_id, r.error))
        elif r.still is not None:
            self.feed(f.DocumentCaptured(r.request_id, r.still))
        else:
            hint = f.ScanHint.PREVIOUS_DOCUMENT if r.previous else scan_hint(r.reason)
            self.feed(f.ScanUpdate(r.request_id, hint, r.progress, r.outline))

    async def _capture_now(self, request_id: str) -> None:
        t0 = time.monotonic()
        try:
            still = await asyncio.to_thread(capture_now, self.devices.document)
        except (DeviceError, AttributeError) as exc:
            self.feed(f.CaptureFailed(request_id, str(exc) or "no document camera"))
            return
        logger.info("still for %s: captured and encoded in %.2f s (%.2f MB)", request_id, time.monotonic() - t0,
                    len(still.data) / 1e6)
        self.feed(f.DocumentCaptured(request_id, still))

    async def _upload(self, c: f.SubmitStill) -> None:
        """Send a captured still to the branch server, with progress; the console fetches it."""
        still = c.still
        meta = p.StillMeta(session_id=c.session_id, request_id=c.request_id, document=c.document,
                           sha256=hashlib.sha256(still.data).hexdigest(), size=len(still.data), mime=still.mime,
                           width=still.width, height=still.height,
                           corners=[list(x) for x in still.corners] if still.corners else None)
        last = [0]

        def progress(done: int, size: int) -> None:
            if done - last[0] >= 256 * 1024 or done == size:
                last[0] = done
                self.feed(f.UploadProgress(c.request_id, done, size))

        t0 = time.monotonic()
        try:
            await self.stills.upload(meta, still.data, progress)
            logger.info("still for %s: %.2f MB sent in %.2f s", c.request_id, meta.size / 1e6, time.monotonic() - t0)
        except StillTransferError as exc:
            logger.warning("still %s not sent: %s", c.request_id, exc)
            self.feed(f.UploadDone(c.request_id, False, str(exc)))
            return
        with contextlib.suppress(MediaError):
            self.engine.document_done(c.session_id, c.request_id)
        self.feed(f.UploadDone(c.request_id, True))

    async def _print(self, job: str, slip) -> None:
        printer = self.devices.printer
        try:
            await asyncio.to_thread(printer.print_slip, slip)
        except DeviceError as exc:
            self.feed(f.PrintDone(job, False, str(exc)))
            return
        self.feed(f.PrintDone(job, True))

    async def _set_light(self, colour: f.LightColour) -> None:
        try:
            await asyncio.to_thread(self.devices.light.set, colour.value)
        except DeviceError as exc:
            logger.info("status light: %s", exc)  # it sets the colour again when it is back

    # ------------------------------------------------------------------ commands

    def _do(self, c: f.BoothCommand) -> None:
        if isinstance(c, f.CheckBookingCode):
            self._spawn(self._request("check_booking", p.CheckBooking(code=c.code), f.BookingChecked))
        elif isinstance(c, f.AnnounceVisit):
            self._spawn(self._request("announce", p.Announce(kind=c.kind, booking_code=c.booking_code,
                                                               language=c.language),
                                      lambda ack: f.Announced(ack.session)))
        elif isinstance(c, f.CancelVisit):
            self._spawn(self._request("cancel", p.Cancel(), lambda ack: f.Tick()))
        elif isinstance(c, f.StartCall):
            self._spawn(self.engine.start_call(c.session_id))
        elif isinstance(c, f.PeerBack):
            self.engine.peer_back(c.session_id)
        elif isinstance(c, f.EndCall):
            self._spawn(self.engine.end_call(c.session_id, bye=False))  # the server told both ends
        elif isinstance(c, f.StartScanner):
            if self.scanner is None:
                self.feed(f.CaptureFailed(c.request_id, "this booth has no document camera"))
            else:
                self.scanner.start(c.request_id)
        elif isinstance(c, f.StopScanner):
            if self.scanner is not None:
                self.scanner.stop()
        elif isinstance(c, f.CaptureStill):
            self._spawn(self._capture_now(c.request_id))
        elif isinstance(c, f.SubmitStill):
            self._spawn(self._upload(c))
        elif isinstance(c, f.FailStill):
            with contextlib.suppress(MediaError):
                self.engine.fail_still(c.session_id, c.request_id, c.reason)
        elif isinstance(c, f.WatchTray):
            if self.scanner is not None:
                self.scanner.watch_tray(c.on)
        elif isinstance(c, f.StartQrReader):
            if self.qr is not None:
                self.qr.start()
        elif isinstance(c, f.StopQrReader):
            if self.qr is not None:
                self.qr.stop()
        elif isinstance(c, f.RaiseHand):
            with contextlib.suppress(MediaError):
                self.engine.raise_hand(c.session_id)
        elif isinstance(c, f.SetLight):
            if self.devices.light is not None:
                self._spawn(self._set_light(c.colour))
        elif isinstance(c, f.PrintTicket):
            if self.devices.printer is not None:
                self._spawn(self._print("ticket", ticket_slip(c.ticket, c.language, self.branch_name,
                                                              datetime.now())))
        elif isinstance(c, f.PrintReceipt):
            if self.devices.printer is None:
                self.feed(f.PrintDone("receipt", False, "no printer"))
            else:
                self._spawn(self._print("receipt", receipt_slip(c.ticket, c.reference, c.outcome, c.documents,
                                                                c.language, self.branch_name, datetime.now())))
        elif isinstance(c, f.Wipe):
            self._wipe()

    def _wipe(self) -> None:
        """Forget every trace of the participant outside the flow: the scanner's and the QR
        reader's work (the call closes with EndCall; stills live on the branch server only)."""
        if self.scanner is not None:
            self.scanner.reset()
        if self.qr is not None:
            self.qr.stop()
        logger.info("visit wiped")

    def participant_traces(self) -> list[str]:
        """What of a participant this process still holds (empty after a wipe): for tests and
        the technician screen."""
        traces = []
        if self.flow.holds_participant_data():
            traces.append("the flow holds visit data")
        if self.engine.calls:
            traces.append(f"{len(self.engine.calls)} call(s) open")
        return traces
