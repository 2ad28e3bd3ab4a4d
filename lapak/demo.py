"""``lapak demo``: a simulated branch on this machine, on the same cores and wiring as the apps.

With a display (``DISPLAY`` set; ``--window yes|no`` decides otherwise) it opens the officer's
console window (:mod:`cso_console.ui`) on the simulated branch and you are the officer; the booths
are headless simulated booths, and ``--booth-window`` shows the first one as the booth app's window
(``lapak kiosk --windowed``). Without a display it runs headless, as follows.

Headless, it starts the signaling server (its own OS process, ``python -m lapak signaling``), six simulated
booths (each its own OS process running ``python -m lapak.simbooth``: the booth app with a
scripted participant) and the console app (:class:`cso_console.app.ConsoleApp` on
:class:`cso_console.desk.Desk`) in this process with a scripted officer, who accepts every
booth, turns to one after another, asks each for a document and verifies it. It prints live
figures until Ctrl-C or ``--duration``. The CPU figure is this process only: the console.
Children are terminated on exit, on SIGTERM, and (Linux) if this process dies.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import functools
import json
import logging
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from cso_console import desk as dk
from cso_console.app import ConsoleApp
from cso_console.config import ConsoleConfig
from cso_console.desk import DocStatus
from hardware.synthetic import SyntheticFaceCamera, ToneMicrophone, read_stamp
from media.config import MediaConfig
from media.control import TrackQuality
from media.engine import CsoEngine, CsoMedia
from media.events import CallAdded, DocumentFailed
from media.quality import CSO_CAMERA, QualityPolicy

logger = logging.getLogger(__name__)


def _die_with_parent(nice: int = 0) -> None:  # runs in the child before exec
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return json.dumps(str(v))  # a JSON string is a valid TOML basic string


def config_toml(data: dict, prefix: str = "") -> str:
    """A config (``model_dump(mode="json")``) as TOML: scalars, tables (nested too), arrays of
    tables. TOML has no null: a None is left out (its default applies)."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in data.items()
             if v is not None and not isinstance(v, dict) and not (isinstance(v, list) and v and isinstance(v[0], dict))]
    for k, v in data.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            body = config_toml(v, f"{name}.")
            lines += ["", f"[{name}]", body.rstrip("\n")] if body.strip() else ["", f"[{name}]"]
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            for item in v:
                lines += ["", f"[[{name}]]"] + [f"{kk} = {_toml_value(vv)}" for kk, vv in item.items() if vv is not None]
    return "\n".join(lines) + "\n"


@dataclass
class BoothFigures:
    """What the console measured for one booth session.

    Args:
        session_id: the session.
        accepted_at: monotonic time the CSO accepted.
        first_frame_at: monotonic time of the first decoded face frame.
        latencies_ms: capture -> decode times of stamped face frames.
        last_frame_number: last stamp frame number seen.
        gaps: frame numbers missing between consecutive stamps (includes intentional drops).
        stills: stills fetched from the server.
        still_seconds: document requested -> still fetched, per still (capture, upload, fetch).
        rejected: requests that failed (camera, fetch).
        record: read stamps and record latencies and gaps (False: the frame is only counted;
            reading stamps is the benchmark's instrument, not console work).
    """

    session_id: str
    accepted_at: float | None = None
    first_frame_at: float | None = None
    latencies_ms: list[float] = field(default_factory=list)
    last_frame_number: int | None = None
    gaps: int = 0
    stills: int = 0
    still_seconds: list[float] = field(default_factory=list)
    rejected: int = 0
    record: bool = True


class HeadlessBranch:
    """Signaling server + booth processes + console engine, for the demo and the benchmark.

    Args:
        booths: number of booth processes.
        face: booth face camera ``WxH@FPS``.
        doc_video: booth document video ``WxH@FPS``.
        policy: console quality policy.
        cso_camera: console camera ``(w, h, fps)`` sent to the focused booth, or None.
        cso_kbps: its bitrate cap (default :data:`media.quality.CSO_CAMERA`'s).
        workdir: directory for the signaling database.
        booth_nice: niceness added to the booth processes. On a small machine six simulated
            booths (each rendering and encoding its cameras, which real booths do on their own
            PCs) compete with the console for the same cores; a positive value gives the
            console its share first, so its CPU figure is not lowered by starvation (frames it
            never got to decode).
        tls: serve wss:// with a branch CA made for this run (as a branch does; every device
            pins it); False serves plain ws:// (allow_plain).
    """

    def __init__(self, booths: int = 6, face: str = "640x480@30", doc_video: str = "1280x720@15",
                 policy: QualityPolicy | None = None,
                 cso_camera: tuple[int, int, float] | None = (CSO_CAMERA.width, CSO_CAMERA.height, CSO_CAMERA.fps),
                 workdir: Path | None = None, booth_nice: int = 0, tls: bool = True,
                 cso_kbps: int | None = None) -> None:
        self.booth_nice = booth_nice
        self.tls = tls
        self.ca: Path | None = None
        """The branch CA's certificate the devices pin (with ``tls``)."""
        self.n_booths, self.face, self.doc_video = booths, face, doc_video
        self.policy = policy or QualityPolicy()
        self.cso_camera = cso_camera
        self.cso_kbps = cso_kbps or CSO_CAMERA.max_kbps
        self._tmp = tempfile.TemporaryDirectory(prefix="lapak-demo-") if workdir is None else None
        self.workdir = Path(self._tmp.name) if self._tmp else workdir
        self.procs: list[subprocess.Popen] = []
        self.figures: dict[str, BoothFigures] = {}
        self.server: subprocess.Popen | None = None
        self.url: str | None = None
        self.console: ConsoleApp | None = None
        self.tokens: dict[tuple[str, str], str] = {}
        self.accepted_at: dict[str, float] = {}
        """monotonic time the console accepted each session (for call-setup figures)."""
        self.requested_at: dict[str, float] = {}
        """monotonic time of the latest document request per session (for still figures)."""

    @property
    def engine(self) -> CsoEngine:
        """The console's media engine."""
        return self.console.engine

    def _on_event(self, event: object) -> None:
        if isinstance(event, dk.ServerRequest):
            return
        if isinstance(event, (dk.StillFetched, dk.StillFetchFailed)):
            fig = self.figures.setdefault(event.still.session_id, BoothFigures(event.still.session_id))
            if isinstance(event, dk.StillFetched):
                fig.stills += 1
                asked = self.requested_at.pop(event.still.session_id, None)
                if asked is not None:
                    fig.still_seconds.append(time.monotonic() - asked)
            else:
                fig.rejected += 1
            return
        sid = getattr(event, "session_id", None)
        if isinstance(event, dk.SessionChanged) and event.session.state.value == "active":
            self.accepted_at.setdefault(event.session.id, time.monotonic())
        if sid is None:
            return
        fig = self.figures.setdefault(sid, BoothFigures(sid))
        if isinstance(event, CallAdded):
            self.engine.calls[sid].sinks["face"].subscribe(lambda name, frame, fig=fig: self._on_face(fig, frame))
        elif isinstance(event, dk.RequestDocument):
            self.requested_at[sid] = time.monotonic()
        elif isinstance(event, DocumentFailed):
            fig.rejected += 1

    def _on_face(self, fig: BoothFigures, frame) -> None:
        now = time.monotonic()
        if fig.first_frame_at is None:
            fig.first_frame_at = now
        if fig.accepted_at is None and self.console:
            fig.accepted_at = self.accepted_at.get(fig.session_id)
        if not fig.record:  # stamps are a measuring instrument: read only where recorded
            fig.last_frame_number = None
            return
        stamp = read_stamp(frame)
        if stamp is None:
            return
        fig.latencies_ms.append(time.time() * 1000 - stamp.capture_us / 1000)
        if fig.last_frame_number is not None and stamp.frame_number > fig.last_frame_number + 1:
            fig.gaps += stamp.frame_number - fig.last_frame_number - 1
        fig.last_frame_number = stamp.frame_number

    async def _start_server(self, config) -> str:
        """Run ``lapak signaling`` in its own process; returns its URL."""
        toml = self.workdir / "server.toml"
        toml.write_text(config_toml(config.model_dump(mode="json")))
        log_path = self.workdir / "signaling.log"
        with open(log_path, "wb") as log:
            self.server = subprocess.Popen(
                [sys.executable, "-m", "lapak", "signaling", "--config", str(toml), "--port", "0"],
                stdout=subprocess.DEVNULL, stderr=log, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            m = re.search(r"listening on (\S+)", log_path.read_text(errors="replace"))
            if m:
                return m.group(1)
            if self.server.poll() is not None:
                break
            await asyncio.sleep(0.05)
        raise RuntimeError(f"signaling server did not start: {log_path.read_text(errors='replace')[-500:]}")

    async def start(self) -> None:
        """Start the server process, the console and the booth processes."""
        await self.start_server()
        await self.start_console()
        await self.start_booths()

    async def start_server(self) -> str:
        """Start the signaling server process (one CSO, ``cso-01``); returns its URL."""
        from signaling.testing import branch_config, tokens_of

        tls = None
        if self.tls:  # a branch CA and a server certificate for this run, as `lapak ca init/issue` make
            from signaling.tls import CA_CERT, init_ca, issue_server_cert

            ca_dir, cert_dir = self.workdir / "ca", self.workdir / "tls"
            cert_dir.mkdir(exist_ok=True)
            init_ca(ca_dir, "simulated branch")
            key, cert = issue_server_cert(ca_dir, ["127.0.0.1", "localhost"], cert_dir)
            tls, self.ca = {"cert": str(cert), "key": str(key)}, ca_dir / CA_CERT
        config = branch_config(self.workdir / "branch.sqlite", booths=self.n_booths, csos=1,
                               capacity=min(6, max(self.n_booths, 4)), tls=tls)
        self.url = await self._start_server(config)
        self.tokens = tokens_of(config)
        return self.url

    def console_config(self) -> ConsoleConfig:
        """The console's config for this branch (``cso-01``)."""
        server = {"url": self.url, "ca": str(self.ca)} if self.ca else {"url": self.url, "allow_plain": True}
        return ConsoleConfig(cso={"id": "cso-01", "token": self.tokens[("cso", "cso-01")], "name": "Petugas 1"},
                             server=server)

    def cso_media(self) -> CsoMedia:
        """The officer's simulated camera and microphone."""
        if not self.cso_camera:
            return CsoMedia()
        w, h, fps = self.cso_camera
        return CsoMedia(face=SyntheticFaceCamera(w, h, fps, seed=99), audio=ToneMicrophone(220))

    def cso_quality(self) -> TrackQuality | None:
        """The officer's camera quality at the focused booth."""
        if not self.cso_camera:
            return None
        return TrackQuality(width=self.cso_camera[0], height=self.cso_camera[1], fps=self.cso_camera[2],
                            max_kbps=self.cso_kbps)

    async def start_console(self) -> ConsoleApp:
        """The console app (headless) in this process."""
        self.console = ConsoleApp(self.console_config(), self.cso_media(), media_config=MediaConfig(),
                                  policy=self.policy, cso_quality=self.cso_quality())
        self.console.on_input(self._on_event)
        await self.console.start()
        await self.console.wait_ready()
        return self.console

    async def start_booths(self, again: bool = False, booth_window: int | None = None) -> None:
        """Start the simulated booth processes.

        Args:
            again: a new participant walks in after each visit.
            booth_window: this booth (1-based) runs as the booth app's window instead
                (``lapak kiosk --config FILE --windowed --simulate``), for a person to play the
                participant; the others stay headless.
        """
        for i in range(1, self.n_booths + 1):
            dev = f"booth-{i:02d}"
            if i == booth_window:
                cmd = [sys.executable, "-m", "lapak", "kiosk", "--config", str(self._booth_toml(dev)), "--windowed",
                       "--simulate"]
            else:
                cmd = [sys.executable, "-m", "lapak.simbooth", "--url", self.url, "--device-id", dev,
                       "--token", self.tokens[("booth", dev)], "--face", self.face, "--doc-video", self.doc_video,
                       "--seed", str(i)] + (["--again"] if again else []) + (["--ca", str(self.ca)] if self.ca else [])
            self.procs.append(subprocess.Popen(
                cmd, preexec_fn=functools.partial(_die_with_parent, self.booth_nice)))

    def _booth_toml(self, dev: str) -> Path:
        """A booth config file for one of this branch's booths (simulated devices)."""
        from lapak.simbooth import booth_config

        config = booth_config(self.url, dev, self.tokens[("booth", dev)], self.face, self.doc_video,
                              str(self.ca) if self.ca else None)
        path = self.workdir / f"{dev}.toml"
        path.write_text(config_toml(config.model_dump(mode="json", exclude_none=True)))
        return path

    async def wait_sessions(self, n: int, timeout: float = 60.0) -> None:
        """Wait until ``n`` sessions deliver face frames.

        Args:
            n: number of sessions.
            timeout: seconds.
        """
        async def ready() -> None:
            while sum(1 for s in self.engine.calls.values() if s.sinks["face"].counter.total) < n:
                await asyncio.sleep(0.1)
        await asyncio.wait_for(ready(), timeout)

    async def stop(self) -> None:
        """Stop the console, terminate every booth process and the server."""
        async def reap(procs: list[subprocess.Popen]) -> None:
            deadline = time.monotonic() + 5
            for p in procs:
                try:
                    await asyncio.to_thread(p.wait, max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

        for p in self.procs:  # booths first, while the server still relays their goodbyes
            if p.poll() is None:
                p.terminate()
        await reap(self.procs)
        if self.console is not None:
            with contextlib.suppress(Exception):
                await self.console.close()
        if self.server is not None:
            if self.server.poll() is None:
                self.server.terminate()
            await reap([self.server])
        if self._tmp is not None:
            self._tmp.cleanup()


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


class ScriptedOfficer:
    """Plays the officer on a console app: turns to each booth in turn, asks for the documents of
    its checklist one at a time, verifies every still that arrives.

    Args:
        app: the console app.
        dwell: seconds with each booth before turning to the next.
    """

    def __init__(self, app: ConsoleApp, dwell: float = 6.0) -> None:
        self.app = app
        self.dwell = dwell
        self._next_turn = time.monotonic()
        self._turn = 0

    def step(self) -> None:
        """Look at the desk and do what an officer would do now."""
        view = self.app.view
        tiles = [t for t in view.tiles if t is not None]
        for t in tiles:
            for entry in t.checklist:
                if entry.status is DocStatus.RECEIVED:
                    self.app.feed(dk.Verify(t.session_id, entry.document))
        if not tiles:
            return
        if time.monotonic() >= self._next_turn:
            target = tiles[self._turn % len(tiles)]
            self._turn += 1
            self._next_turn = time.monotonic() + self.dwell
            self.app.feed(dk.Focus(target.session_id))
        focused = next((t for t in tiles if t.focused), None)
        if focused is not None and focused.request is None and focused.session_state.value == "active":
            needed = [e.document for e in focused.checklist if e.status is DocStatus.NEEDED]
            if needed:
                self.app.feed(dk.RequestDocument(focused.session_id, needed[0]))


async def _demo(args: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    branch = HeadlessBranch(args.booths, args.face, args.doc_video)
    started = time.monotonic()
    try:
        await branch.start()
        print(f"signaling on {branch.url} (pid {branch.server.pid}); {args.booths} booth processes starting: "
              f"pids {' '.join(str(p.pid) for p in branch.procs)}", flush=True)
        officer = ScriptedOfficer(branch.console)
        next_print = time.monotonic()
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
            officer.step()
            if time.monotonic() < next_print:
                continue
            next_print = time.monotonic() + 2.0
            engine = branch.engine
            ids = sorted(engine.calls)
            stats = await engine.stats()
            view = branch.console.view
            tiles = {t.session_id: t for t in view.tiles if t is not None}
            print(f"\n t={time.monotonic() - started:5.1f}s  cpu={_cpu_cores(started):.2f} cores  "
                  f"focus={engine.focus}  decisions recorded={branch.console.desk.decisions_recorded}")
            print(f" {'session':14} {'ticket':6} {'tile':18} {'state':10} {'face fps':>8} {'size':>9} {'doc fps':>7} "
                  f"{'kbit/s':>7} {'rtt ms':>6} {'setup ms':>8} {'g2g p50':>7} {'stills':>6} {'verified':>8}")
            for sid in ids:
                st, fig = stats[sid], branch.figures.get(sid, BoothFigures(sid))
                tile = tiles.get(sid)
                size = st.frame_size.get("face")
                setup = (fig.first_frame_at - fig.accepted_at) * 1000 if fig.first_frame_at and fig.accepted_at else float("nan")
                lat = statistics.median(fig.latencies_ms[-60:]) if fig.latencies_ms else float("nan")
                verified = sum(1 for e in tile.checklist if e.status is DocStatus.VERIFIED) if tile else 0
                total = len(tile.checklist) if tile else 0
                print(f" {sid[:14]:14} {(tile.ticket if tile else '-'):6} {(tile.state.value if tile else '-'):18} "
                      f"{st.state:10} {st.fps.get('face', 0):8.1f} "
                      f"{(f'{size[0]}x{size[1]}' if size else '-'):>9} {st.fps.get('document', 0):7.1f} "
                      f"{st.bitrate_kbps:7.0f} {(st.rtt_ms or float('nan')):6.1f} {setup:8.0f} {lat:7.1f} "
                      f"{fig.stills:>4}/{fig.rejected} {verified:>5}/{total}", flush=True)
            if args.duration and time.monotonic() - started >= args.duration:
                break
            dead = [p.args[6] for p in branch.procs if p.poll() is not None]
            if dead:
                print(f" booth processes exited: {dead}", flush=True)
    finally:
        await branch.stop()
    return 0


_cpu0 = os.times()


def _cpu_cores(since: float) -> float:
    t = os.times()
    used = (t.user - _cpu0.user) + (t.system - _cpu0.system)
    return used / max(1e-6, time.monotonic() - since)


def display_available() -> str | None:
    """Why no console window can open here, or None when one can (``DISPLAY`` is set, Qt's xcb
    platform loads and reaches it, and nobody asked for offscreen rendering)."""
    if not os.environ.get("DISPLAY"):
        return "no DISPLAY"
    if os.environ.get("QT_QPA_PLATFORM", "xcb") not in ("xcb", ""):
        return f"QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']}"
    probe = subprocess.run([sys.executable, "-c", "from PySide6.QtGui import QGuiApplication; QGuiApplication([])"],
                           env=dict(os.environ, QT_QPA_PLATFORM="xcb"), capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return f"Qt cannot open the display {os.environ['DISPLAY']}: {probe.stderr.strip()[-300:]}"
    return None


def _demo_windowed(args: argparse.Namespace) -> int:
    """The console window on a simulated branch: the server and the booths in their own
    processes, the console app on its engine thread, the window on this one."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from common.loopthread import LoopThread
    from cso_console.ui.run import open_console

    qt = QApplication.instance() or QApplication(sys.argv[:1])
    qt.setApplicationName("lapak demo")
    helper = LoopThread("demo")
    branch = HeadlessBranch(args.booths, args.face, args.doc_video)
    console = None
    try:
        helper.run(branch.start_server(), 30)
        config = branch.console_config()
        console = open_console(config, media=branch.cso_media, media_config=MediaConfig(), policy=branch.policy,
                               cso_quality=branch.cso_quality(), language=args.language, show=False)
        helper.run(branch.start_booths(again=True, booth_window=1 if args.booth_window else None), 30)
        print(f"signaling on {branch.url} (pid {branch.server.pid}); {args.booths} booth processes starting: "
              f"pids {' '.join(str(p.pid) for p in branch.procs)}", flush=True)
        print("console window open: you are the officer (press ? in the window for the keys); "
              "close the window or press Ctrl-C to stop", flush=True)
        window = console.window
        window.showMaximized()
        timers = []
        if args.officer == "scripted":
            officer = ScriptedOfficer(console.app)
            step = QTimer()
            step.timeout.connect(lambda: console.bridge.call(officer.step))
            step.start(500)
            timers.append(step)
        wake = QTimer()  # lets Python run its signal handlers while Qt waits
        wake.timeout.connect(lambda: None)
        wake.start(250)
        timers.append(wake)
        if args.duration:
            QTimer.singleShot(int(args.duration * 1000), window.close)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: window.close())
        qt.exec()
    finally:
        if console is not None:
            console.close()
        helper.run(branch.stop(), 60)
        helper.stop()
    return 0


def run(args: argparse.Namespace) -> int:
    """Entry for ``lapak demo``.

    Args:
        args: parsed command line.
    """
    global _cpu0
    _cpu0 = os.times()
    if not getattr(args, "verbose", 0):  # the table is the output; call-state chatter only with -v
        logging.getLogger("media").setLevel(logging.WARNING)
    window = getattr(args, "window", "no")
    if window != "no":
        why = display_available()
        if why is None:
            return _demo_windowed(args)
        if window == "yes":
            print(f"lapak demo: cannot open the console window: {why}", file=sys.stderr)
            return 2
        print(f"no console window ({why}): running headless", flush=True)
    return asyncio.run(_demo(args))
