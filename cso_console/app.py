"""The console's wiring (no Qt): it moves messages between the signaling client, the CSO's media
engine and :class:`cso_console.desk.Desk`, and carries out the desk's commands.

Like :class:`kiosk.app.BoothApp`: everything on one asyncio loop; :meth:`ConsoleApp.post` from
any thread; :meth:`ConsoleApp.on_view` for every new :class:`cso_console.desk.DeskView`. Stills
come from the branch server (fetched when it announces them) and are kept here
(:meth:`ConsoleApp.still`) for the document viewer; the desk holds only their description.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, Callable

from common.appbase import AppBase
from common.config import ConfigError
from cso_console import desk as dk
from cso_console.config import ConsoleConfig
from cso_console.desk import Desk, DeskRules, DeskView
from cso_console.officer import audio_faults
from media.config import MediaConfig
from media.control import TrackQuality
from media.engine import CsoEngine, CsoMedia
from media.errors import MediaError
from media.events import CallAdded, CallRemoved, DocumentFailed, MediaEvent
from media.internals import check_aiortc_internals
from media.quality import QualityPolicy
from signaling import protocol as p
from signaling.client import ClientState, SignalingClient
from signaling.errors import AuthRefused, NotConnected, RequestRefused
from signaling.tokens import token_problem
from signaling.stills_client import StillTransfer, StillTransferError

logger = logging.getLogger(__name__)

TICK = 1.0
"""Seconds between the desk's clock ticks and the stats samples of every call."""


def desk_rules(config: ConsoleConfig) -> DeskRules:
    """The desk's rules from the console config."""
    d = config.desk
    return DeskRules(
        auto_accept=d.auto_accept, focus_free_on_accept=d.focus_free_on_accept, waited_too_long=d.waited_too_long,
        prompts=tuple((pr.key, (("id", pr.id), ("en", pr.en))) for pr in config.prompts),
    )


class ConsoleApp(AppBase[DeskView]):
    """One officer's console: signaling client + CSO media engine + the desk.

    Args:
        config: the validated console config.
        media: the officer's camera and microphone.
        media_config: media engine limits (default: from the config's ``[ice]``).
        policy: per-tile quality policy.
        cso_quality: quality of the officer's camera at the focused booth.
        clock: wall clock (the desk compares it with the server's stamps).
    """

    def __init__(self, config: ConsoleConfig, media: CsoMedia | None = None, *, media_config: MediaConfig | None = None,
                 policy: QualityPolicy | None = None, cso_quality: TrackQuality | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.config = config
        self._clock = clock
        self.desk = Desk(config.cso.id, desk_rules(config), now=clock())
        if config.server is None:
            raise ConfigError("the config", ["[server] is missing: url = the branch server's wss:// address, "
                                             "ca = the branch CA file"])
        tls = config.server.ssl_context()  # raises TlsError naming a missing or wrong branch CA
        self.client = SignalingClient(config.server.url, "cso", config.cso.id, config.cso.token,
                                      on_message=self._on_server, on_state=self._on_client_state,
                                      on_signal=self._on_signal, ssl=tls)
        self.stills = StillTransfer(config.server.url, "cso", config.cso.id, config.cso.token, ssl=tls)
        self.engine = CsoEngine(self.client.send_signal, media or CsoMedia(),
                                media_config or MediaConfig(**config.ice.media_options()),
                                on_event=self._on_media, policy=policy, cso_quality=cso_quality)
        self.device_faults: dict[str, str] = {}
        """What is wrong with the officer's microphone and loudspeaker, by role (empty: fine);
        the message names the device (:func:`cso_console.officer.audio_faults`)."""
        self._stills: dict[str, tuple[p.StillMeta, bytes]] = {}
        self._watchers: dict[tuple[str, str], list[Callable]] = {}
        self._watching: dict[tuple[str, str, int], tuple[object, Callable[[], None]]] = {}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Connect to the server and run the clock (returns at once).

        Raises:
            AiortcInternalsChanged: the installed aiortc lacks an internal the media engine
                uses (a wrong version: fail before the first call, not during one).
        """
        self.loop = asyncio.get_running_loop()
        problem = token_problem(self.config.cso.token)
        if problem:
            raise ConfigError("[cso] token", [f"{problem}: put in the one `lapak token new cso {self.config.cso.id}` "
                                              f"printed on the branch server"])
        await check_aiortc_internals()
        self._spawn(self._tick())
        await self.client.start()

    async def wait_ready(self, timeout: float = 10.0) -> p.Welcome:
        """Wait until the server welcomed this console."""
        return await self.client.wait_ready(timeout)

    async def close(self) -> None:
        """Close every call, then the connection, then the officer's sound devices."""
        self._cancel_tasks()
        await self.engine.close()
        await self.client.close()
        await self.stills.close()
        media = self.engine.media
        for device in (media.audio, media.speaker):
            if device is not None:
                await asyncio.to_thread(device.stop)  # a sound card closes on its own thread

    # ------------------------------------------------------------------ the core

    def _handle(self, event: dk.DeskInput) -> list[dk.DeskCommand]:
        return self.desk.handle(event, self._clock())

    def _view(self) -> DeskView:
        return self.desk.view(self._clock())

    def still(self, key: str) -> tuple[p.StillMeta, bytes] | None:
        """A still the desk fetched, with its bytes (for the document viewer).

        Args:
            key: the still's sha256, or the request id it answered.
        """
        hit = self._stills.get(key)
        if hit is None:
            hit = next((v for v in self._stills.values() if v[0].request_id == key), None)
        return hit

    def watch(self, session_id: str, track: str, reader: Callable) -> Callable[[], None]:
        """Hand every frame of a session's ``track`` ("face", "document") to ``reader`` (as
        :meth:`media.tracks.FrameSink.subscribe` does), also before its call exists and across a
        call that closes and opens again; returns the unsubscribe. On the app's loop only (a
        view subscribes through :meth:`qtview.bridge.AppBridge.call`).

        Args:
            session_id: the session.
            track: the sink's name.
            reader: ``reader(name, frame)``; cheap (it runs on the loop for every frame).
        """
        key = (session_id, track)
        self._watchers.setdefault(key, []).append(reader)
        self._attach(session_id)

        def unsubscribe() -> None:
            readers = self._watchers.get(key, [])
            if reader in readers:
                readers.remove(reader)
            if not readers:
                self._watchers.pop(key, None)
            _, undo = self._watching.pop((session_id, track, id(reader)), (None, None))
            if undo is not None:
                undo()

        return unsubscribe

    def _attach(self, session_id: str) -> None:
        """Subscribe the watchers of a session to its call's sinks (a new call: again)."""
        call = self.engine.calls.get(session_id)
        for (sid, track), readers in self._watchers.items():
            if sid != session_id:
                continue
            for reader in readers:
                key = (sid, track, id(reader))
                had = self._watching.get(key)
                if call is None or (had is not None and had[0] is call):
                    continue
                if had is not None:
                    had[1]()
                sink = call.sinks.get(track)
                if sink is not None:
                    self._watching[key] = (call, sink.subscribe(reader))

    def _check_devices(self) -> None:
        """Log the officer's microphone or loudspeaker going down or coming back."""
        media = self.engine.media
        faults = {role: why for role, why in audio_faults(media.audio, media.speaker).items() if why}
        for role, why in faults.items():
            if self.device_faults.get(role) != why:
                logger.error("officer's %s: %s", role, why)
        for role in set(self.device_faults) - set(faults):
            logger.info("officer's %s works again", role)
        if faults != self.device_faults:
            self.feed(dk.OfficerDevices(tuple(faults.items())))
        self.device_faults = faults

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            self._check_devices()
            for sid, stats in (await self.engine.stats()).items():
                self.feed(dk.StatsSampled(stats))
            self.feed(dk.Tick())

    # ------------------------------------------------------------------ server

    def _on_client_state(self, state: ClientState) -> None:
        if state in (ClientState.BACKOFF, ClientState.CONNECTING) and self.desk.server_up:
            self.feed(dk.ServerDown())

    async def _on_server(self, msg: Any) -> None:
        if isinstance(msg, p.Welcome):
            self._spawn(self.stills.warm())  # the first still fetched then starts at once
            self.feed(dk.ServerUp(msg))
        elif isinstance(msg, p.SessionUpdate):
            self.feed(dk.SessionChanged(msg.session))
        elif isinstance(msg, p.QueueUpdate):
            self.feed(dk.QueueChanged(tuple(msg.waiting)))
        elif isinstance(msg, p.Presence):
            self.feed(dk.PresenceChanged(tuple(msg.online)))
        elif isinstance(msg, p.StillAvailable):
            self.feed(dk.StillAvailable(msg.still))
        elif isinstance(msg, p.Error):
            logger.warning("server error: %s: %s", msg.code.value, msg.message)

    async def _on_signal(self, msg: p.Relayed) -> None:
        await self.engine.handle_signal(msg.session_id, msg.payload)

    async def _request(self, message) -> None:
        try:
            await self.client.request(message)
        except RequestRefused as exc:
            self.feed(dk.RequestAnswered(message.id, False, exc.code, exc.message))
            return
        except (NotConnected, AuthRefused, asyncio.TimeoutError) as exc:
            self.feed(dk.RequestAnswered(message.id, False, None, str(exc) or "no answer"))
            return
        self.feed(dk.RequestAnswered(message.id, True))

    # ------------------------------------------------------------------ media

    def _on_media(self, event: MediaEvent) -> None:
        if isinstance(event, CallAdded):
            self._attach(event.session_id)
        elif isinstance(event, CallRemoved):
            for key in [k for k in self._watching if k[0] == event.session_id]:
                del self._watching[key]  # its sinks are gone with it
        self.feed(event)

    async def _fetch(self, meta: p.StillMeta) -> None:
        last = [0]

        def progress(done: int, size: int) -> None:
            if done - last[0] >= 256 * 1024 or done == size:
                last[0] = done
                self.feed(dk.StillFetchProgress(meta.sha256, done, size))

        try:
            data = await self.stills.download(meta.session_id, meta.sha256, meta.size, progress)
        except StillTransferError as exc:
            self.feed(dk.StillFetchFailed(meta, str(exc)))
            return
        self._stills[meta.sha256] = (meta, data)
        self.feed(dk.StillFetched(meta))

    # ------------------------------------------------------------------ commands

    def _do(self, c: dk.DeskCommand) -> None:
        e = self.engine
        if isinstance(c, dk.ServerRequest):
            self._spawn(self._request(c.message))
        elif isinstance(c, dk.SetFocus):
            e.set_focus(c.session_id)
        elif isinstance(c, dk.SetHeld):
            e.set_held(c.session_id, c.held)
        elif isinstance(c, dk.AskDocument):
            try:
                e.request_document(c.session_id, c.document, request_id=c.request_id, capture=c.capture)
            except MediaError as exc:
                logger.warning("document request to %s not sent: %s", c.session_id, exc)
                self.feed(DocumentFailed(c.session_id, c.request_id, c.document, "no_call", str(exc)))
        elif isinstance(c, dk.WithdrawDocument):
            e.cancel_document(c.request_id)
        elif isinstance(c, dk.DocumentArrived):
            e.document_arrived(c.request_id)
        elif isinstance(c, dk.FetchStill):
            self._spawn(self._fetch(c.still))
        elif isinstance(c, dk.SendControl):
            with contextlib.suppress(MediaError):
                e.send_control(c.session_id, c.message)
        elif isinstance(c, dk.ShowDocument):
            e.show_document(c.session_id, c.on)
        elif isinstance(c, dk.EndCall):
            self._spawn(e.end_call(c.session_id, bye=False))  # the server told both ends
        elif isinstance(c, dk.DropStill):
            self._stills.pop(c.sha256, None)
