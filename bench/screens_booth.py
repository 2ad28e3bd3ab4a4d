"""Screenshots of every booth screen, in both languages, from the real app (not drawn): a real
branch (server process, a console app as the officer, the booth window on simulated devices,
:mod:`bench.kioskrig`) and a scripted visit; each screen is grabbed as the participant sees it.

    python -m bench.screens_booth [--size 1920x1080] [--size 1366x768] [--out docs/screens]

Files: ``booth-<lang>-<nn>-<screen>.png`` at 1920x1080 and ``...-1366.png`` at 1366x768.
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from bench.kioskrig import Rig, wait_until  # noqa: E402
from common.documents import DocumentKind, RejectReason  # noqa: E402
from cso_console import desk as dk  # noqa: E402
from kiosk import flow as f  # noqa: E402
from kiosk.flow import CallPhase, DocumentPhase, ReceiptState, Screen  # noqa: E402
from kiosk.pin import hash_pin  # noqa: E402
from qtview.shots import grab  # noqa: E402
from signaling import protocol as p  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def settle(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


ORDER = ("attract", "privacy", "check-in", "code-entry", "code-unknown", "still-there", "checking", "ticket",
         "waiting", "confirm-leave", "call", "document-empty-tray", "document-hold", "document-sending",
         "document-sent", "document-rejected", "document-take-previous-away", "document-accepted", "on-hold",
         "reconnecting", "end", "out-of-service", "technician-pin", "technician")
"""Every shot's number in the file name (a transient screen that was not caught leaves a gap)."""


class Shooter:
    def __init__(self, rig: Rig, out: Path, lang: str, suffix: str) -> None:
        self.rig, self.out, self.lang, self.suffix = rig, out, lang, suffix
        self.n = 0
        self.files: list[Path] = []

    def shot(self, name: str, settle_s: float = 0.6) -> None:
        settle(settle_s)
        self.n = ORDER.index(name) + 1
        path = self.out / f"booth-{self.lang}-{self.n:02d}-{name}{self.suffix}.png"
        grab(self.rig.window, path)
        self.files.append(path)
        print(f"  {path.name}", flush=True)


def visit(out: Path, lang: str, size: tuple[int, int], work: Path) -> list[Path]:
    suffix = "" if size == (1920, 1080) else f"-{size[0]}"
    with Rig(work, server_process=True, auto_accept=False, size=size, pin_hash=hash_pin("2468"),
             bookings=(("BK-4711", "Siti Rahayu"),), still_there_after=8, reconnect_out_of_service=3,
             end_screen_seconds=300) as rig:
        rig.timeout = 150  # the shared machine may be busy
        s = Shooter(rig, out, lang, suffix)
        rig.wait(lambda: rig.view is not None and rig.view.server_up, "connected")
        rig.touch(f"lang_{lang}")
        rig.wait(lambda: rig.view.language.value == lang)
        s.shot("attract")
        rig.touch("start")
        rig.wait_screen(Screen.PRIVACY)
        s.shot("privacy")
        rig.touch("agree")
        rig.wait_screen(Screen.CHECK_IN)
        s.shot("check-in", 1.5)
        rig.touch("choose_booking")
        rig.wait_screen(Screen.CODE_ENTRY)
        rig.type_code("BK-47")
        s.shot("code-entry", 1.0)
        rig.type_code("00")
        rig.touch("submit_code")
        rig.wait(lambda: rig.view.notice is f.NoticeKind.BOOKING_UNKNOWN, "bad code")
        s.shot("code-unknown", 0.3)
        rig.wait(lambda: rig.view.still_there_left is not None, "still there?", timeout=30)
        s.shot("still-there", 0.3)
        rig.touch("still_here")
        rig.touch("back")
        rig.wait_screen(Screen.CHECK_IN)
        rig.touch("choose_walk_in")
        rig.wait(lambda: rig.view.screen in (Screen.CHECKING, Screen.TICKET), "checking")
        if rig.view.screen is Screen.CHECKING:
            s.shot("checking", 0.0)
        rig.wait_screen(Screen.TICKET)
        s.shot("ticket", 0.3)
        rig.wait_screen(Screen.WAITING)
        s.shot("waiting")
        rig.touch("leave")
        rig.wait(lambda: rig.view.confirm_leave, "are you sure?")
        s.shot("confirm-leave", 0.3)
        rig.touch("stay")
        # the officer takes the call
        rig.wait(lambda: rig.tile() is not None, "on the officer's desk")
        sid = rig.session_id()
        rig.officer(dk.Accept(sid))
        rig.wait(lambda: rig.view.screen is Screen.CALL and rig.view.officer_hears_you, "talking")
        rig.officer(dk.SendPrompt(sid, "greeting"))
        rig.wait(lambda: rig.view.prompt is not None, "prompt")
        s.shot("call", 2.0)
        rig.officer(dk.RequestDocument(sid, DocumentKind.KTP))
        rig.wait_screen(Screen.DOCUMENT)
        s.shot("document-empty-tray", 1.5)
        rig.booth.devices.document.show("id_card", 5)
        rig.wait(lambda: rig.view.document.outline is not None and rig.view.document.hold_progress > 0.3, "holding")
        s.shot("document-hold", 0.2)
        rig.wait(lambda: rig.view.document.phase in (DocumentPhase.SENDING, DocumentPhase.SENT), "sending")
        if rig.view.document.phase is DocumentPhase.SENDING:
            s.shot("document-sending", 0.0)
        rig.wait(lambda: rig.view.document.phase is DocumentPhase.SENT, "sent", 120)
        s.shot("document-sent", 0.3)
        rig.officer(dk.Reject(sid, DocumentKind.KTP, RejectReason.COVERED))
        rig.wait(lambda: rig.view.document is not None and rig.view.document.phase is DocumentPhase.REJECTED)
        s.shot("document-rejected", 0.3)
        first = rig.view.document.request_id
        rig.officer(dk.RequestDocument(sid, DocumentKind.KTP))
        rig.wait(lambda: rig.view.document is not None and rig.view.document.request_id != first, "asked again")
        try:
            rig.wait(lambda: rig.view.document.hint is f.ScanHint.PREVIOUS_DOCUMENT, "previous document", 60)
            s.shot("document-take-previous-away", 0.5)
        except AssertionError:
            print("  (the scanner did not judge the tray in time: no shot of 'take the previous one away')")
        rig.booth.devices.document.show(None)
        rig.wait(lambda: rig.view.document.hint is f.ScanHint.NO_DOCUMENT, "the tray empty")
        rig.booth.devices.document.show("id_card", 11)
        rig.wait(lambda: rig.view.document.phase is DocumentPhase.SENT, "sent again", 120)
        rig.officer(dk.Verify(sid, DocumentKind.KTP))
        rig.wait(lambda: rig.view.document is not None and rig.view.document.phase is DocumentPhase.ACCEPTED)
        s.shot("document-accepted", 0.3)
        rig.wait_screen(Screen.CALL)
        rig.officer(dk.Hold(sid))
        rig.wait(lambda: rig.view.call_phase is CallPhase.ON_HOLD, "on hold")
        s.shot("on-hold", 1.0)
        rig.officer(dk.Unhold(sid))
        rig.wait(lambda: rig.view.call_phase is CallPhase.TALKING, "talking")
        rig.kill_server()
        rig.wait(lambda: rig.view.reconnecting, "reconnecting")
        s.shot("reconnecting", 0.5)
        rig.restart_server()
        rig.wait(lambda: not rig.view.reconnecting and rig.view.call_phase is CallPhase.TALKING, "resumed", 60)
        rig.wait(lambda: rig.console.view.unconfirmed_decisions == 0, "decisions recorded", 60)
        rig.officer(dk.End(sid, p.Outcome.DOCUMENTS_INCOMPLETE))
        rig.wait_screen(Screen.END)
        rig.wait(lambda: rig.view.receipt is ReceiptState.PRINTED, "receipt")
        s.shot("end", 0.5)
        rig.touch("finish")
        rig.wait_screen(Screen.ATTRACT)
        rig.kill_server()
        rig.wait_screen(Screen.OUT_OF_SERVICE, 30)
        rig.touch(f"lang_{lang}")
        s.shot("out-of-service", 0.5)
        corner = rig.window.screens[Screen.OUT_OF_SERVICE].corner
        from PySide6.QtCore import QPoint
        for _ in range(5):
            rig.touch_widget(corner, QPoint(10, 10))
        rig.wait_screen(Screen.TECHNICIAN)
        for k in "24":
            rig.touch(f"pin_{k}")
        s.shot("technician-pin", 0.3)
        for k in "68":
            rig.touch(f"pin_{k}")
        rig.touch("pin_OK")
        rig.wait(lambda: rig.view.technician is not None and rig.view.technician.unlocked)
        rig.touch("tech_check")
        tech = rig.window.screens[Screen.TECHNICIAN]
        wait_until(lambda: "…" not in tech.output.toPlainText()[:20], 60)
        s.shot("technician", 0.3)
        return s.files


def already(out: Path, lang: str, size: tuple[int, int]) -> bool:
    suffix = "" if size == (1920, 1080) else f"-{size[0]}"
    return (out / f"booth-{lang}-{len(ORDER):02d}-{ORDER[-1]}{suffix}.png").exists()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", action="append", help="WIDTHxHEIGHT (default: 1920x1080 and 1366x768)")
    ap.add_argument("--lang", action="append", choices=["id", "en"])
    ap.add_argument("--out", default=str(ROOT / "docs" / "screens"))
    ap.add_argument("--missing", action="store_true", help="only the language and size sets not made yet")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    QApplication.instance() or QApplication([])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sizes = [tuple(int(x) for x in s.split("x")) for s in (args.size or ["1920x1080", "1366x768"])]
    for size in sizes:
        for lang in args.lang or ["id", "en"]:
            if args.missing and already(out, lang, size):
                continue
            work = Path(tempfile.mkdtemp(prefix="lapak-screens-"))
            print(f"{lang} at {size[0]}x{size[1]}:", flush=True)
            try:
                visit(out, lang, size, work)
            finally:
                shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
