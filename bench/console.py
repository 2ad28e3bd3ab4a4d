"""The whole console process with six booths, against a naive console in the same run: figures,
not assertions.

Each console runs in a process of its own (this script starts one child per mode, one after the
other; the signaling server and six simulated booths, 640x480@30 face cameras, run as separate
processes at nice +10, as in bench.media, so the console gets its share of the two cores first).
The child is the real console: :func:`cso_console.ui.run.open_console` (the window, the bridge,
the app on its engine thread), shown on a virtual X display (Xvfb, the xcb platform, as on an
officer's PC; ``--offscreen`` uses Qt's offscreen platform instead).

* **lapak**: the console as built: per-tile quality (one booth at full quality, the others as
  320-wide 10 fps tiles, one audio stream), frames converted and scaled once off the GUI thread
  (:class:`qtview.video.VideoView`), stills decoded off the GUI thread.
* **naive**: the same window and app, but every tile at full quality (640x480@30 + audio from
  all six), every decoded frame converted to RGB at full size where it arrives (the engine's
  loop) and shown with one ``QLabel.setPixmap`` (scaled contents) on the GUI thread, and stills
  decoded on the GUI thread.

Per mode, measured after the booths' bitrates settle (see bench.media): the process's cores over
``--windows`` windows of ``--seconds`` (medians), the frames painted per tile per second, the GUI
thread's stall (how late a 4 ms timer fires: p50, p99, max); then an officer's minute: the focus
moves to the next booth every 4 s and a still (1920x1080 PNG, about 2 MB) is asked of the focused
booth every 8 s, shown (decoded) and verified; the stall is reported inside the second after each
focus switch and from each still request until it is shown, and the time from a focus switch to
the first full-quality (640x480) frame painted on the newly focused tile.

    python -m bench.console [--seconds 10] [--windows 4] [--write]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import Transcript

OUT = Transcript()
TIMER_MS = 4
_load0 = 0.0
BOOTH_NICE = 10
FULL = (640, 480)


def thread_cpu() -> dict[str, float]:
    """CPU seconds per thread group of this process: the GUI, the engine's loop, the video
    converters, the still decoder, aiortc's decoder threads and the rest."""
    import threading
    from collections import defaultdict

    tick = os.sysconf("SC_CLK_TCK")
    names = {t.native_id: t.name for t in threading.enumerate()}
    out: dict[str, float] = defaultdict(float)
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            secs = (int(fields[11]) + int(fields[12])) / tick
            name = names.get(int(tid))
            if name is None:
                with open(f"/proc/self/task/{tid}/comm") as f:
                    name = f.read().strip()
        except OSError:
            continue
        if name == "MainThread":
            name = "GUI"
        elif name.startswith("video-convert"):
            name = "video convert"
        elif name.startswith("still-decode"):
            name = "still decode"
        elif name == "lapak-engine":
            name = "engine loop"
        elif name.startswith("ThreadPoolExecutor") or name.startswith("asyncio"):
            name = "executors"
        out[name] += secs
    return dict(out)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


# ============================================================================== the canary


def canary(out: Path) -> None:
    """An idle process with the same 4 ms timer, at the same time as a console: how late the
    machine itself makes a timer fire (other processes, the booths, the X server), to read the
    console's stalls against. Runs until SIGTERM, then writes (time, lateness ms) pairs."""
    import signal as _signal

    from PySide6.QtCore import QCoreApplication, Qt, QTimer

    app = QCoreApplication(sys.argv[:1])
    samples: list[tuple[float, float]] = []
    last = [time.perf_counter()]

    def fire() -> None:
        now = time.perf_counter()
        samples.append((now, max(0.0, (now - last[0]) * 1000 - TIMER_MS)))
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(fire)
    timer.start(TIMER_MS)
    _signal.signal(_signal.SIGTERM, lambda *_: app.quit())
    app.exec()
    out.write_text(json.dumps(samples))


# ============================================================================== the child


def child(mode: str, seconds: float, windows: int, activity: float, out: Path,
          cso_camera: tuple[int, int, float, int | None] = (640, 360, 15, None)) -> None:
    """One console process: start the branch, run the console, measure, write JSON to ``out``."""
    from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer, Signal
    from PySide6.QtGui import QImage, QPixmap
    from PySide6.QtWidgets import QApplication, QLabel

    from common.documents import DocumentKind
    from common.loopthread import LoopThread
    from cso_console import desk as dk
    from cso_console.desk import DocStatus
    from cso_console.ui.run import open_console
    from cso_console.ui.stills import StillDecoder
    from lapak.demo import HeadlessBranch
    from media.config import MediaConfig
    from media.control import CaptureMode, TrackQuality
    from media.quality import QualityPolicy

    logging.basicConfig(level=logging.WARNING)
    for noisy in ("aiortc", "media", "aioice"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    qt = QApplication.instance() or QApplication(sys.argv[:1])

    def run_for(s: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(s * 1000), loop.quit)
        loop.exec()

    def wait_until(pred, timeout: float, what: str) -> None:
        t0 = time.monotonic()
        while not pred():
            if time.monotonic() - t0 > timeout:
                raise SystemExit(f"bench.console {mode}: timed out waiting for {what}")
            run_for(0.05)

    class Stalls:
        """A 4 ms precise timer on the GUI thread: how late each firing was, with its time."""

        def __init__(self) -> None:
            self.samples: list[tuple[float, float]] = []
            self.on = False
            self._last = time.perf_counter()
            self._timer = QTimer()
            self._timer.setTimerType(Qt.TimerType.PreciseTimer)
            self._timer.timeout.connect(self._fire)
            self._timer.start(TIMER_MS)

        def _fire(self) -> None:
            now = time.perf_counter()
            if self.on:
                self.samples.append((now, max(0.0, (now - self._last) * 1000 - TIMER_MS)))
            self._last = now

        def between(self, spans: list[tuple[float, float]]) -> list[float]:
            return [late for t, late in self.samples if any(a <= t <= b for a, b in spans)]

    helper = LoopThread("bench-branch")
    work = Path(tempfile.mkdtemp(prefix=f"lapak-bench-console-{mode}-"))
    naive_face = TrackQuality(width=640, height=480, fps=30)
    policy = QualityPolicy() if mode == "lapak" else QualityPolicy(focused_face=naive_face, grid_face=naive_face,
                                                                    held_face=naive_face, grid_audio=True)
    branch = HeadlessBranch(6, "640x480@30", "1280x720@15", policy=policy, cso_camera=cso_camera[:3],
                            cso_kbps=cso_camera[3], workdir=work, booth_nice=BOOTH_NICE)
    helper.run(branch.start_server(), 30)
    console = open_console(branch.console_config(), media=branch.cso_media, media_config=MediaConfig(), policy=policy,
                           cso_quality=branch.cso_quality(), language="en", show=False)
    window = console.window
    painted: dict[int, int] = {slot: 0 for slot in range(1, 7)}

    if mode == "naive":
        class Relay(QObject):
            frame = Signal(int, object)

        relay = Relay()
        labels: dict[int, QLabel] = {}

        class PaintCounter(QObject):
            def eventFilter(self, obj, event) -> bool:
                if event.type() == QEvent.Type.Paint and obj.pixmap() is not None and not obj.pixmap().isNull():
                    painted[obj.slot] += 1
                return False

        counter = PaintCounter()
        for tile in window.tiles:
            label = QLabel(tile.video)
            label.slot = tile.slot
            label.setScaledContents(True)
            label.installEventFilter(counter)
            labels[tile.slot] = label
            tile.video.resizeEvent = (lambda ev, v=tile.video, lab=label: lab.setGeometry(v.rect()))

        def convert(slot: int, frame) -> None:  # the naive way: every frame, in the frame callback
            rgb = frame.to_ndarray(format="rgb24")
            h, w, _ = rgb.shape
            image = QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888)
            image.ndarray = rgb
            relay.frame.emit(slot, image)

        def show_frame(slot: int, image) -> None:  # one setPixmap per decoded frame
            labels[slot].setPixmap(QPixmap.fromImage(image))

        relay.frame.connect(show_frame)
        original_attach = window._attach

        def naive_attach(video, session_id, track):
            tile = next((t for t in window.tiles if t.video is video), None)
            if tile is None or track != "face":
                return original_attach(video, session_id, track)
            key = id(video)
            if window._attached.get(key) == (session_id, track):
                return None
            window._attached[key] = (session_id, track)
            old = getattr(video, "naive_unsubscribe", None)
            app = console.bridge.app

            def swap(slot=tile.slot):
                if old is not None:
                    old()
                video.naive_unsubscribe = None if session_id is None else app.watch(
                    session_id, "face", lambda _n, frame: convert(slot, frame))
            console.bridge.call(swap)
            return None

        window._attach = naive_attach
        window._attached.clear()

        class GuiThreadDecoder(StillDecoder):
            def want(self, key, data) -> bool:
                if self.get(key) is not None:
                    return True
                self._decode(key, data)  # on the GUI thread: the naive way
                return True

        naive_decoder = GuiThreadDecoder(parent=window)
        window.workspace.decoder = naive_decoder
        naive_decoder.decoded.connect(window.workspace._decoded)
        window.decoder = naive_decoder
    else:
        for tile in window.tiles:
            tile.video.frame_shown.connect(lambda slot=tile.slot: painted.__setitem__(slot, painted[slot] + 1))

    window.resize(1920, 1080)
    window.show()
    if window.view is not None:
        window.render(window.view)
    helper.run(branch.start_booths(), 30)
    wait_until(lambda: window.view is not None and len([t for t in window.view.tiles if t]) == 6, 120, "six tiles")
    wait_until(lambda: all(painted[s] > 0 for s in painted), 120, "six tiles painting")
    window.focus_slot(1)
    from bench.media import settle

    fut = console.bridge.thread.submit(settle(console.app.engine))
    wait_until(fut.done, 120, "steady bitrates")
    warmup, _ramp = fut.result()

    render_ms: list[float] = []
    render = window.render

    def timed_render(view) -> None:
        t = time.perf_counter()
        render(view)
        render_ms.append((time.perf_counter() - t) * 1000)

    console.bridge.view_changed.disconnect(render)
    console.bridge.view_changed.connect(timed_render)
    meter = Stalls()
    canary_out = work / "canary.json"
    canary_proc = subprocess.Popen([sys.executable, "-m", "bench.console", "--canary", "--out", str(canary_out)],
                                   env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    run_for(1.0)
    steady_span = [time.perf_counter(), 0.0]
    threads0, tt0 = thread_cpu(), time.monotonic()
    cpu_windows: list[float] = []
    painted_rates: list[dict[int, float]] = []
    meter.on = True
    for _ in range(windows):
        c0, p0, t0 = os.times(), dict(painted), time.monotonic()
        run_for(seconds)
        c1, dt = os.times(), time.monotonic() - t0
        cpu_windows.append(((c1.user - c0.user) + (c1.system - c0.system)) / dt)
        painted_rates.append({s: (painted[s] - p0[s]) / dt for s in painted})
    steady = [late for _, late in meter.samples]
    steady_span[1] = time.perf_counter()
    meter.samples.clear()
    threads1, tdt = thread_cpu(), time.monotonic() - tt0
    by_thread = {k: (threads1.get(k, 0) - threads0.get(k, 0)) / tdt for k in threads1}
    steady_renders = list(render_ms)

    # -- an officer's minute: focus switches and stills
    focus_spans: list[tuple[float, float]] = []
    still_spans: list[tuple[float, float]] = []
    focus_ms: list[float] = []
    still_ms: list[float] = []
    state = {"slot": 1, "switch_at": None, "target": None, "still_at": None, "still_doc": None}

    def full_frame(slot: int) -> None:
        if state["target"] == slot and state["switch_at"] is not None:
            if window.tiles[slot - 1].video.painted_source == FULL:
                focus_ms.append((time.perf_counter() - state["switch_at"]) * 1000)
                state["switch_at"] = None

    if mode == "lapak":
        for tile in window.tiles:
            tile.video.frame_shown.connect(lambda slot=tile.slot: full_frame(slot))

    def switch() -> None:
        state["slot"] = state["slot"] % 6 + 1
        now = time.perf_counter()
        focus_spans.append((now, now + 1.0))
        state["switch_at"], state["target"] = now, state["slot"]
        window.focus_slot(state["slot"])

    def ask() -> None:
        f = window.focused()
        if f is None or state["still_at"] is not None:
            return
        docs = [DocumentKind.KTP, DocumentKind.KK, DocumentKind.CLAIM_FORM]
        doc = docs[len(still_ms) % len(docs)]
        state["still_at"], state["still_doc"], state["still_sid"] = time.perf_counter(), doc, f.session_id
        window.post(dk.RequestDocument(f.session_id, doc, CaptureMode.NOW))

    def check_still() -> None:
        if state["still_at"] is None:
            return
        pane = window.workspace.a
        f = window.focused()
        entry = None if f is None else next((e for e in f.checklist if e.document is state["still_doc"]), None)
        if f is None or f.session_id != state["still_sid"]:
            state["still_at"] = None  # the focus moved on before it came
            return
        if entry is not None and entry.status is DocStatus.RECEIVED and pane.still.full is not None \
                and pane.document is state["still_doc"]:
            now = time.perf_counter()
            still_ms.append((now - state["still_at"]) * 1000)
            still_spans.append((state["still_at"], now + 0.3))
            state["still_at"] = None
            window.verify(entry.document)
            QTimer.singleShot(1000, window.close_documents)

    meter.on = True
    c0, t0 = os.times(), time.monotonic()
    checker = QTimer()
    checker.timeout.connect(check_still)
    checker.start(20)
    next_switch, next_still = time.monotonic() + 4, time.monotonic() + 1
    lost_stills = 0
    while time.monotonic() - t0 < activity:
        now = time.monotonic()
        if state["still_at"] is not None and time.perf_counter() - state["still_at"] > 15:
            state["still_at"] = None  # never came: go on
            lost_stills += 1
        if now >= next_still and state["still_at"] is None:
            ask()
            next_still = now + 8
            next_switch = max(next_switch, now + 4)  # the officer looks at the document first
        elif now >= next_switch and state["still_at"] is None:
            switch()
            next_switch = now + 4
        run_for(0.05)
    c1, dt = os.times(), time.monotonic() - t0
    meter.on = False
    checker.stop()
    canary_proc.terminate()
    canary_proc.wait(30)
    ticks = json.loads(canary_out.read_text()) if canary_out.exists() else []
    canary_steady = [late for t, late in ticks if steady_span[0] <= t <= steady_span[1]]
    canary_activity = [late for t, late in ticks if t > steady_span[1]]
    result = {
        "mode": mode, "warmup": warmup, "cpu_windows": cpu_windows, "cpu": statistics.median(cpu_windows),
        "cpu_activity": ((c1.user - c0.user) + (c1.system - c0.system)) / dt,
        "painted": {str(s): statistics.median(r[s] for r in painted_rates) for s in painted},
        "stall": steady, "stall_focus": meter.between(focus_spans), "stall_still": meter.between(still_spans),
        "stall_activity": [late for _, late in meter.samples], "focus_ms": focus_ms, "still_ms": still_ms,
        "canary": canary_steady, "canary_activity": canary_activity,
        "threads": by_thread, "render_ms": steady_renders, "render_per_s": len(steady_renders) / tdt,
        "switches": len(focus_spans), "platform": QApplication.platformName(), "lost_stills": lost_stills,
    }
    stats = console.bridge.run(console.app.engine.stats(), 10)
    result["fps"] = {sid: st.fps.get("face", 0.0) for sid, st in stats.items()}
    result["kbps"] = sum(st.bitrate_kbps for st in stats.values())
    out.write_text(json.dumps(result))
    console.close()
    helper.run(branch.stop(), 60)
    helper.stop()


# ============================================================================== the parent


def merge(results: list[dict]) -> dict:
    """Several rounds of one mode as one: medians of the per-round figures, samples pooled."""
    if len(results) == 1:
        return results[0]
    out = dict(results[0])
    for key in ("cpu", "cpu_activity", "warmup", "kbps", "render_per_s"):
        out[key] = statistics.median(r[key] for r in results)
    for key in ("cpu_windows", "stall", "stall_focus", "stall_still", "stall_activity", "focus_ms", "still_ms",
                "render_ms", "canary", "canary_activity"):
        out[key] = [v for r in results for v in r[key]]
    out["switches"] = sum(r["switches"] for r in results)
    out["painted"] = {s: statistics.median(r["painted"][s] for r in results) for s in results[0]["painted"]}
    out["threads"] = {k: statistics.median(r["threads"].get(k, 0.0) for r in results) for k in results[0]["threads"]}
    out["rounds_cpu"] = [r["cpu"] for r in results]
    return out


def parse_camera(text: str) -> tuple[int, int, float, int | None]:
    """``"640x360@15"`` -> (640, 360, 15.0, None); ``"320x240@15:250"`` caps it at 250 kbit/s."""
    text, _, kbps = text.partition(":")
    size, _, fps = text.partition("@")
    w, _, h = size.partition("x")
    return int(w), int(h), float(fps or 15), int(kbps) if kbps else None


def run_child(mode: str, args, work: Path, display: str | None, cso_camera: str | None = None) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    out = work / f"{mode}.json"
    env = dict(os.environ)
    if display:
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
    cmd = [sys.executable, "-m", "bench.console", "--child", mode, "--seconds", str(args.seconds), "--windows",
           str(args.windows), "--activity", str(args.activity), "--out", str(out),
           "--cso-camera", cso_camera or args.cso_camera]
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=900)
    if r.returncode != 0 or not out.exists():
        raise SystemExit(f"bench.console: the {mode} console failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return json.loads(out.read_text())


def report(lapak: dict, naive: dict, args, where: str) -> None:
    def stall(v: list[float]) -> str:
        return f"{_pct(v, .5):.1f} / {_pct(v, .99):.1f} / {max(v) if v else float('nan'):.1f}"

    say = OUT.say
    say(f"console process with six booths (640x480@30 cameras), {os.cpu_count()} cores, {where}, "
        f"{args.rounds} round(s) of each mode alternating; load average before: {_load0:.1f}; "
        f"steady state: median of {args.windows}x{args.seconds:.0f} s after the bitrates settled "
        f"(lapak {lapak['warmup']:.0f} s, naive {naive['warmup']:.0f} s); then {args.activity:.0f} s of "
        f"focus switches every 4 s and a still every 8 s")
    say(f"  {'figure':50} {'lapak':>22} {'naive':>22} {'ratio':>7}")

    def row(name: str, a: str, b: str = "", ratio: str = "") -> None:
        say(f"  {name:50} {a:>22} {b:>22} {ratio:>7}")

    row("cores used (steady state)", f"{lapak['cpu']:.3f}", f"{naive['cpu']:.3f}", f"{lapak['cpu'] / naive['cpu']:.2f}x")
    row("  windows", " ".join(f"{v:.3f}" for v in lapak["cpu_windows"]),
        " ".join(f"{v:.3f}" for v in naive["cpu_windows"]))
    if "rounds_cpu" in lapak:
        row("  rounds (median of windows each)", " ".join(f"{v:.3f}" for v in lapak["rounds_cpu"]),
            " ".join(f"{v:.3f}" for v in naive["rounds_cpu"]))
    row("cores used (switches and stills)", f"{lapak['cpu_activity']:.3f}", f"{naive['cpu_activity']:.3f}",
        f"{lapak['cpu_activity'] / naive['cpu_activity']:.2f}x")
    row("frames painted per tile per s (focused first)", " ".join(f"{lapak['painted'][s]:.0f}" for s in "123456"),
        " ".join(f"{naive['painted'][s]:.0f}" for s in "123456"))
    row("face frames decoded per s per booth (engine)", " ".join(f"{v:.0f}" for v in sorted(lapak["fps"].values(),
                                                                                        reverse=True)),
        " ".join(f"{v:.0f}" for v in sorted(naive["fps"].values(), reverse=True)))
    row("received kbit/s", f"{lapak['kbps']:.0f}", f"{naive['kbps']:.0f}")
    for name in sorted(set(lapak["threads"]) | set(naive["threads"]),
                       key=lambda k: -max(lapak["threads"].get(k, 0), naive["threads"].get(k, 0))):
        a, b = lapak["threads"].get(name, 0), naive["threads"].get(name, 0)
        if max(a, b) >= 0.005:
            row(f"  cores: {name}", f"{a:.3f}", f"{b:.3f}")
    row("desk views rendered per s, ms p50 / max", f"{lapak['render_per_s']:.1f}, {_pct(lapak['render_ms'], .5):.1f} / "
        f"{max(lapak['render_ms'] or [0]):.1f}", f"{naive['render_per_s']:.1f}, {_pct(naive['render_ms'], .5):.1f} / "
        f"{max(naive['render_ms'] or [0]):.1f}")
    row("GUI stall ms p50 / p99 / max (steady)", stall(lapak["stall"]), stall(naive["stall"]))
    row("  an idle process's 4 ms timer meanwhile (machine)", stall(lapak["canary"]), stall(naive["canary"]))
    row("GUI stall ms p50 / p99 / max (switches+stills)", stall(lapak["stall_activity"]),
        stall(naive["stall_activity"]))
    row("  an idle process's 4 ms timer meanwhile (machine)", stall(lapak["canary_activity"]),
        stall(naive["canary_activity"]))
    row("  within 1 s after a focus switch", stall(lapak["stall_focus"]), stall(naive["stall_focus"]))
    row("  from a still's request until it is shown", stall(lapak["stall_still"]), stall(naive["stall_still"]))
    f = lapak["focus_ms"]
    row(f"focus switch -> full-quality frame painted ms p50/p95/max (n={len(f)}/{lapak['switches']})",
        f"{_pct(f, .5):.0f} / {_pct(f, .95):.0f} / {max(f) if f else float('nan'):.0f}", "(always full)")
    s_l, s_n = lapak["still_ms"], naive["still_ms"]
    row(f"still request -> shown ms p50 / max (n={len(s_l)}/{len(s_n)})",
        f"{_pct(s_l, .5):.0f} / {max(s_l) if s_l else float('nan'):.0f}",
        f"{_pct(s_n, .5):.0f} / {max(s_n) if s_n else float('nan'):.0f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="seconds per steady-state window")
    ap.add_argument("--windows", type=int, default=4, help="steady-state windows per mode")
    ap.add_argument("--activity", type=float, default=48.0, help="seconds of focus switches and stills")
    ap.add_argument("--offscreen", action="store_true", help="Qt's offscreen platform instead of Xvfb")
    ap.add_argument("--rounds", type=int, default=2, help="runs of each mode, alternating (default %(default)s)")
    ap.add_argument("--write", action="store_true", help="record the output in BENCHMARKS.md")
    ap.add_argument("--cso-camera", default="640x360@15",
                    help="the officer's camera sent to the focused booth, WxH@FPS[:KBPS] (default %(default)s, "
                         "capped as media.quality.CSO_CAMERA)")
    ap.add_argument("--compare-cso-cameras", metavar="A,B",
                    help="instead of lapak against naive: the lapak console with officer camera A against B "
                         "(e.g. 320x240@15:250,640x360@15:500), rounds alternating; --write records it as its own section")
    ap.add_argument("--child", choices=["lapak", "naive"], help=argparse.SUPPRESS)
    ap.add_argument("--canary", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.canary:
        canary(args.out)
        return 0
    if args.child:
        child(args.child, args.seconds, args.windows, args.activity, args.out, parse_camera(args.cso_camera))
        return 0
    if args.compare_cso_cameras:
        return compare_cso_cameras(args)
    global _load0
    _load0 = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="lapak-bench-console-"))
    runs: dict[str, list[dict]] = {"lapak": [], "naive": []}

    def rounds(display: str | None) -> None:
        for r in range(args.rounds):
            for mode in (("lapak", "naive") if r % 2 == 0 else ("naive", "lapak")):
                runs[mode].append(run_child(mode, args, work / f"{mode}{r}", display))
                print(f"  ({mode} round {r + 1}: {runs[mode][-1]['cpu']:.3f} cores)", flush=True)

    where = on_a_display(args, rounds)
    report(merge(runs["lapak"]), merge(runs["naive"]), args, where)
    if args.write:
        OUT.write("console", "python -m bench.console --write")
    return 0


def on_a_display(args, rounds) -> str:
    """Run ``rounds(display)`` offscreen or on a 1920x1080 Xvfb display; says which."""
    from qtview import xvfb

    if args.offscreen or xvfb.available():
        rounds(None)
        return "Qt offscreen platform"
    with xvfb.display(1920, 1080) as name:
        rounds(name)
    return "a 1920x1080 window on Xvfb (xcb)"


def compare_cso_cameras(args) -> int:
    """The lapak console with one officer camera against another (A, B, B, A, ...): what the
    bigger picture costs the console process."""
    load0 = os.getloadavg()
    cams = args.compare_cso_cameras.split(",")
    work = Path(tempfile.mkdtemp(prefix="lapak-bench-console-cso-"))
    runs: dict[str, list[dict]] = {c: [] for c in cams}

    def rounds(display: str | None) -> None:
        for r in range(args.rounds):
            for cam in (cams if r % 2 == 0 else cams[::-1]):
                runs[cam].append(run_child("lapak", args, work / f"{cam}-{r}", display, cam))
                print(f"  (officer camera {cam} round {r + 1}: {runs[cam][-1]['cpu']:.3f} cores)", flush=True)

    where = on_a_display(args, rounds)
    load1 = os.getloadavg()
    merged = {c: merge(runs[c]) for c in cams}
    say = OUT.say
    say(f"lapak console process with six booths (640x480@30 cameras), {os.cpu_count()} cores, {where}; "
        f"{args.rounds} round(s) per officer camera, alternating; steady state: median of "
        f"{args.windows}x{args.seconds:.0f} s after the bitrates settled, then {args.activity:.0f} s of focus "
        f"switches every 4 s and a still every 8 s")
    say(f"load average (1/5/15 min) before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}; "
        f"after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    a, b = (merged[c] for c in cams)
    say(f"  {'figure':46} {cams[0]:>18} {cams[1]:>18} {'ratio':>7}")
    say(f"  {'cores used (steady state)':46} {a['cpu']:>18.3f} {b['cpu']:>18.3f} {b['cpu'] / a['cpu']:>6.2f}x")
    say(f"  {'  rounds':46} {' '.join(f'{v:.3f}' for v in a.get('rounds_cpu', [a['cpu']])):>18} "
        f"{' '.join(f'{v:.3f}' for v in b.get('rounds_cpu', [b['cpu']])):>18}")
    say(f"  {'cores used (switches and stills)':46} {a['cpu_activity']:>18.3f} {b['cpu_activity']:>18.3f} "
        f"{b['cpu_activity'] / a['cpu_activity']:>6.2f}x")
    for name in sorted(set(a["threads"]) | set(b["threads"]),
                       key=lambda k: -max(a["threads"].get(k, 0), b["threads"].get(k, 0))):
        x, y = a["threads"].get(name, 0), b["threads"].get(name, 0)
        if max(x, y) >= 0.005:
            say(f"  {'  cores: ' + name:46} {x:>18.3f} {y:>18.3f}")
    pa = " ".join(f"{a['painted'][s]:.0f}" for s in "123456")
    pb = " ".join(f"{b['painted'][s]:.0f}" for s in "123456")
    say(f"  {'frames painted per tile per s (focused first)':46} {pa:>18} {pb:>18}")
    if args.write:
        OUT.write("console-cso-camera", f"python -m bench.console --compare-cso-cameras {args.compare_cso_cameras} "
                  f"--rounds {args.rounds} --write")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
