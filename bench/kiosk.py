"""The booth process on its screen: what it costs and how smooth it stays.

The booth window (:class:`kiosk.ui.main.KioskProcess`, 1920x1080 offscreen, simulated devices)
runs in this process; the signaling server and the officer (a console app driven over stdin)
run in child processes, so the figures are the booth's own. Measured, per phase:

* **call**: the call screen (the officer's video large, the participant's own face small);
* **document**: the officer asked for a document and the tray is empty: the scanner judges every
  frame (the synthetic document camera gives a fresh copy of its frame each time, as a real
  camera does), the tray preview and the officer's small video run;
* **still transfers**: the officer asks for a still "now" five times in a row (1920x1080 PNG,
  about 1.5 MB each over the data channel) while the document screen runs;

the booth process's cores, frames painted per second of each video view, the scanner's time per
frame, and the GUI thread's stalls (a 4 ms timer on the GUI thread: how late it fired). Then
**QR check-in**: the time from a booking's QR code appearing in front of the face camera to the
booking being found (the check-in screen shows the participant's name), repeated.

    python -m bench.kiosk [--seconds 15] [--qr 5] [--write]
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench.report import Transcript, machine, table  # noqa: E402

OUT = Transcript()
TIMER_MS = 4


# ============================================================================== the officer (child)


def officer_main(url: str, token: str) -> int:
    """A console app as the officer, driven by lines on stdin (req now|auto, verify, hold, unhold,
    end); prints "talking" once the booth is in its call and "ok <command>" after each."""
    from common.documents import DocumentKind
    from cso_console import desk as dk
    from cso_console.app import ConsoleApp
    from cso_console.config import ConsoleConfig
    from hardware.synthetic import SyntheticFaceCamera, ToneMicrophone
    from media.config import MediaConfig
    from media.control import CaptureMode
    from media.engine import CsoMedia
    from signaling import protocol as p

    async def run() -> None:
        config = ConsoleConfig(cso={"id": "cso-01", "token": token}, server={"url": url, "allow_plain": True})
        app = ConsoleApp(config, CsoMedia(face=SyntheticFaceCamera(320, 240, 15, seed=99), audio=ToneMicrophone(220)),
                         media_config=MediaConfig())
        await app.start()
        loop = asyncio.get_running_loop()
        told = False
        while True:
            tiles = [t for t in (app.view.tiles if app.view else ()) if t is not None]
            if tiles and tiles[0].state.value == "talking" and not told:
                print("talking", flush=True)
                told = True
            if told:
                break
            await asyncio.sleep(0.1)
        sid = tiles[0].session_id
        while True:
            line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
            if not line or line == "quit":
                break
            cmd = line.split()
            if cmd[0] == "req":
                mode = CaptureMode.NOW if cmd[1] == "now" else CaptureMode.AUTO
                app.feed(dk.RequestDocument(sid, DocumentKind.KTP, mode))
            elif cmd[0] == "wait_still":  # until the last request's still arrived
                while True:
                    t = next(t for t in app.view.tiles if t is not None)
                    if t.request is None and t.checklist and t.checklist[0].status.value == "received":
                        break
                    await asyncio.sleep(0.05)
            elif cmd[0] == "hold":
                app.feed(dk.Hold(sid))
            elif cmd[0] == "unhold":
                app.feed(dk.Unhold(sid))
            elif cmd[0] == "end":
                app.feed(dk.End(sid, p.Outcome.PARTICIPANT_LEFT))
            print(f"ok {line}", flush=True)
        await app.close()

    asyncio.run(run())
    return 0


class Officer:
    def __init__(self, url: str, token: str, log: Path) -> None:
        # nice +10: in a branch the officer's console is another PC; here it must not take the
        # booth's share of the two cores
        self.proc = subprocess.Popen(["nice", "-n", "10", sys.executable, "-m", "bench.kiosk", "--officer", url, token],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(log, "wb"), text=True,
                                     cwd=Path(__file__).resolve().parents[1])
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def say(self, command: str) -> None:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def wait_for(self, line: str, timeout: float = 60) -> None:
        from bench.kioskrig import wait_until

        wait_until(lambda: line in self.lines, timeout, f"officer: {line}")
        self.lines.remove(line)

    def close(self) -> None:
        try:
            self.say("quit")
            self.proc.wait(15)
        except Exception:
            self.proc.kill()


# ============================================================================== the booth (here)


class StallMeter:
    """A 4 ms timer on the GUI thread; how late each firing was (ms)."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self._last = time.perf_counter()
        self.on = False
        self._timer = QTimer()
        self._timer.setTimerType(self._timer.timerType().PreciseTimer)
        self._timer.timeout.connect(self._fire)
        self._timer.start(TIMER_MS)

    def _fire(self) -> None:
        now = time.perf_counter()
        if self.on:
            self.late.append(max(0.0, (now - self._last) * 1000 - TIMER_MS))
        self._last = now


def cpu() -> float:
    t = os.times()
    return t.user + t.system


def spin(seconds: float, until=None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (until and until()):
        QApplication.processEvents()
        time.sleep(0.001)


class Phase:
    """Counters over one measured window."""

    def __init__(self, name: str, meter: StallMeter, views: dict, scanner) -> None:
        self.name, self.meter, self.views, self.scanner = name, meter, views, scanner

    def __enter__(self) -> "Phase":
        self.meter.late.clear()
        self.meter.on = True
        self.t0, self.c0 = time.monotonic(), cpu()
        self.p0 = {k: v.painted for k, v in self.views.items()}
        self.s0 = (self.scanner.frames_judged, self.scanner.seconds_judging) if self.scanner else (0, 0.0)
        return self

    def __exit__(self, *exc) -> None:
        self.meter.on = False
        dt = time.monotonic() - self.t0
        self.cores = (cpu() - self.c0) / dt
        self.fps = {k: (v.painted - self.p0[k]) / dt for k, v in self.views.items()}
        late = sorted(self.meter.late) or [float("nan")]
        self.p50 = statistics.median(late)
        self.p99 = late[int(0.99 * (len(late) - 1))]
        self.max = late[-1]
        if self.scanner:
            n = self.scanner.frames_judged - self.s0[0]
            self.scan_ms = 1000 * (self.scanner.seconds_judging - self.s0[1]) / n if n else float("nan")
            self.scan_fps = n / dt
        else:
            self.scan_ms = self.scan_fps = float("nan")
        self.seconds = dt


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--officer":
        return officer_main(sys.argv[2], sys.argv[3])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=15.0, help="seconds per phase")
    ap.add_argument("--qr", type=int, default=5, help="QR check-ins to time")
    ap.add_argument("--write", action="store_true", help="record the figures in BENCHMARKS.md")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    QApplication.instance() or QApplication([])
    import cv2

    from bench.kioskrig import ServerProcess, booth_toml, server_toml, wait_until
    from common.config import load
    from kiosk import flow as f
    from kiosk.config import BoothConfig
    from kiosk.flow import CallPhase, DocumentPhase, Screen
    from kiosk.ui.main import KioskProcess
    from media.config import MediaConfig
    from signaling import protocol as p
    from signaling.store import Store

    load0 = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="lapak-bench-kiosk-"))
    tokens = {("booth", "booth-01"): secrets.token_hex(16), ("cso", "cso-01"): secrets.token_hex(16)}
    db = work / "branch.sqlite"
    (work / "server.toml").write_text(server_toml(db, 0, tokens))
    server = ServerProcess(work / "server.toml", 0, work / "server.log")
    url = server.url()
    store = Store(db)
    store.replace_bookings([p.BookingInfo(code=f"QR-{i:04d}", name=f"Peserta {i}", slot_start=time.time())
                            for i in range(args.qr)], 0.0)
    store.close()
    (work / "booth.toml").write_text(booth_toml(url, tokens[("booth", "booth-01")], face="1280x720", face_fps=30))
    kiosk = KioskProcess(load(BoothConfig, work / "booth.toml"), work / "booth.toml", simulate=True, seed=3,
                         media_config=MediaConfig())
    w = kiosk.window
    w.resize(1920, 1080)
    w.show()
    app = kiosk.app
    meter = StallMeter()
    officer = None
    rows, results = [], {}

    def view():
        return w.view

    def post(intent) -> None:
        kiosk.bridge.post(intent)

    try:
        wait_until(lambda: view() is not None and view().server_up, 30, "connected")
        # ---------------------------------------------------------------- QR check-in
        qr_times = []
        for i in range(args.qr):
            post(f.Start())
            wait_until(lambda: view().screen is Screen.PRIVACY, 20)
            post(f.AcceptPrivacy())
            wait_until(lambda: view().screen is Screen.CHECK_IN, 20)
            spin(1.0)
            code = cv2.QRCodeEncoder.create().encode(f"QR-{i:04d}")
            code = cv2.copyMakeBorder(cv2.resize(code, (240, 240), interpolation=cv2.INTER_NEAREST),
                                      24, 24, 24, 24, cv2.BORDER_CONSTANT, value=255)
            t0 = time.monotonic()
            app.devices.face.overlay = cv2.cvtColor(code, cv2.COLOR_GRAY2BGR)
            wait_until(lambda: view().name is not None, 30, "booking found")
            qr_times.append(time.monotonic() - t0)
            app.devices.face.overlay = None
            wait_until(lambda: view().screen in (Screen.WAITING, Screen.TICKET), 20)
            post(f.LeaveVisit())
            wait_until(lambda: view().screen is Screen.ATTRACT, 20)
        results["qr"] = qr_times
        qr_reader = app.qr
        # ---------------------------------------------------------------- the call
        officer = Officer(url, tokens[("cso", "cso-01")], work / "officer.log")
        post(f.Start())
        wait_until(lambda: view().screen is Screen.PRIVACY, 20)
        post(f.AcceptPrivacy())
        wait_until(lambda: view().screen is Screen.CHECK_IN, 20)
        post(f.ChooseWalkIn())
        officer.wait_for("talking")
        wait_until(lambda: view().screen is Screen.CALL and view().call_phase is CallPhase.TALKING, 30, "talking")
        call, doc = w.screens[Screen.CALL], w.screens[Screen.DOCUMENT]
        spin(5.0)  # past the call's first seconds
        with Phase("call", meter, {"officer (large)": call.officer, "own face": call.self_view}, None) as ph:
            spin(args.seconds)
        results["call"] = ph
        # ---------------------------------------------------------------- the document screen
        cam = app.devices.document
        scene = cam.scene

        def fresh_frame():  # a real camera gives a new frame each time
            return scene().copy()

        cam.latest_frame = fresh_frame
        officer.say("req auto")
        officer.wait_for("ok req auto")
        wait_until(lambda: view().screen is Screen.DOCUMENT, 20, "document screen")
        spin(2.0)
        with Phase("document", meter, {"officer (small)": doc.officer, "tray preview": doc.preview},
                   app.scanner) as ph:
            spin(args.seconds)
        results["document"] = ph
        # ---------------------------------------------------------------- still transfers
        transfers = []
        with Phase("transfers", meter, {"officer (small)": doc.officer, "tray preview": doc.preview},
                   app.scanner) as ph:
            for _ in range(5):
                t = time.monotonic()
                officer.say("req now")
                officer.wait_for("ok req now")
                officer.say("wait_still")
                spin(120, until=lambda: "ok wait_still" in officer.lines)
                officer.wait_for("ok wait_still")
                transfers.append(time.monotonic() - t)
        results["transfers"] = ph
        results["transfer_s"] = transfers
    finally:
        if officer is not None:
            officer.close()
        kiosk.close()
        server.kill()
    # ---------------------------------------------------------------- report
    OUT.say(f"Machine: {machine()}; load average during the run {load0:.1f} -> {os.getloadavg()[0]:.1f} "
            "(the machine is shared: other work competes for its 2 cores)")
    OUT.say("")
    OUT.say(f"`python -m bench.kiosk --seconds {args.seconds:g} --qr {args.qr}` (booth window 1920x1080 offscreen, "
            f"face camera 1280x720@30, document camera 1920x1080@15; server and officer in other processes)")
    OUT.say("")
    headers = ["phase", "seconds", "booth cores", "painted/s", "scanner ms/frame (frames/s)",
               "GUI stall p50 / p99 / max ms"]
    for key in ("call", "document", "transfers"):
        ph = results[key]
        painted = ", ".join(f"{k} {v:.1f}" for k, v in ph.fps.items())
        scan = "-" if ph.scanner is None else f"{ph.scan_ms:.1f} ({ph.scan_fps:.1f})"
        label = {"call": "call screen", "document": "document screen, scanning",
                 "transfers": "document screen, 5 still transfers"}[key]
        rows.append([label, f"{ph.seconds:.0f}", f"{ph.cores:.2f}", painted, scan,
                     f"{ph.p50:.1f} / {ph.p99:.1f} / {ph.max:.1f}"])
    OUT.say(table(headers, rows))
    OUT.say("")
    t = results["transfer_s"]
    OUT.say(f"Still transfers (request to the officer having it): {', '.join(f'{x:.2f}' for x in t)} s")
    q = results["qr"]
    OUT.say(f"QR check-in, code in front of the camera to booking found ({qr_reader.decoder if qr_reader else '?'}, "
            f"{len(q)} check-ins): median {statistics.median(q):.2f} s, max {max(q):.2f} s")
    if args.write:
        from bench.report import write_section

        write_section("kiosk", "\n".join(OUT.lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
