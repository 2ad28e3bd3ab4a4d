"""docs/screens/console-*.png: screenshots of the real console window on a simulated branch.

The script starts a virtual X display (Xvfb, 1920x1080), and on it the console window
(:func:`cso_console.ui.run.open_console`) against a real signaling server and eight simulated
booth processes (six on the desk, two waiting in the queue), then plays the officer: turns to
booths, asks for documents (the simulated participants put them on the tray), verifies one,
rejects one, opens the End confirmation. At each moment worth showing it grabs the whole X
screen, in Bahasa Indonesia and in English:

* ``console-desk-{id,en}.png`` -- six live booths: talking, on hold, a document asked, two
  waiting too long (the alarm; the screenshot config lowers ``waited_too_long`` to 25 s), the
  queue;
* ``console-documents-{id,en}.png`` -- the document workspace: the ID card next to the claim
  form, side by side, at full resolution scaled to fit;
* ``console-checklist-{id,en}.png`` -- the claim checklist (verified, rejected with its reason,
  needed) with the End confirmation open.

    python -m lapak.console_screens [--out docs/screens]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _child(out: Path) -> int:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from common.documents import DocumentKind, RejectReason
    from common.loopthread import LoopThread
    from cso_console.desk import DocStatus
    from cso_console.ui.run import open_console
    from lapak.demo import HeadlessBranch
    from media.config import MediaConfig
    from qtview.xvfb import grab_root

    display = os.environ["DISPLAY"]
    qt = QApplication.instance() or QApplication(sys.argv[:1])

    def run_for(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    def wait_until(pred, timeout: float, what: str) -> None:
        t0 = time.monotonic()
        while not pred():
            if time.monotonic() - t0 > timeout:
                v = w.view if console is not None else None
                raise SystemExit(f"console_screens: timed out waiting for {what}; "
                                 f"notices: {v.messages if v else ()}; focused: {w.focused() if v else None}")
            run_for(0.1)

    helper = LoopThread("screens")
    branch = HeadlessBranch(8, "640x480@30", "1280x720@15")
    console = None
    try:
        helper.run(branch.start_server(), 30)
        config = branch.console_config()
        config.desk.waited_too_long = 25.0
        console = open_console(config, media=branch.cso_media, media_config=MediaConfig(),
                               cso_quality=branch.cso_quality(), language="id", show=False)
        w = console.window
        w.setGeometry(0, 0, 1920, 1080)
        w.show()
        helper.run(branch.start_booths(), 30)

        def tiles():
            return [t for t in w.view.tiles if t is not None] if w.view else []

        def tile(slot: int):
            return w.view.tiles[slot - 1]

        def entry(slot: int, doc: DocumentKind):
            return next(e for e in tile(slot).checklist if e.document is doc)

        def fetch(slot: int, doc: DocumentKind) -> None:
            """Ask the focused booth for a document until it is here (asking again, as an officer
            would, when a transfer fails on a busy machine)."""
            for _attempt in range(4):
                w.request_document(doc)
                t0 = time.monotonic()
                run_for(0.5)
                while time.monotonic() - t0 < 90:
                    if entry(slot, doc).status is DocStatus.RECEIVED:
                        return
                    if tile(slot).request is None:
                        break  # it failed: ask again
                    run_for(0.2)
            raise SystemExit(f"console_screens: {doc.value} never arrived; notices: {w.view.messages}")

        def shoot(name: str) -> None:
            for lang in ("id", "en"):
                w.set_language(lang)
                run_for(1.2)
                path = out / f"console-{name}-{lang}.png"
                grab_root(display, path)
                print(f"wrote {path}", flush=True)
            w.set_language("id")

        wait_until(lambda: len(tiles()) == 6 and all(t.video.painted > 3 for t in w.tiles), 120, "six live booths")
        wait_until(lambda: len(w.view.queue) == 2, 60, "two waiting in the queue")

        # booth 2: the ID card, verified; its claim form, rejected
        w.focus_slot(2)
        wait_until(lambda: w.view.focus == 2 and tile(2).session_state.value == "active", 30, "booth 2")
        fetch(2, DocumentKind.KTP)
        wait_until(lambda: w.workspace.a.still.full is not None, 30, "the ID card decoded")
        w.verify(DocumentKind.KTP)
        fetch(2, DocumentKind.CLAIM_FORM)
        wait_until(lambda: w.workspace.active.document is DocumentKind.CLAIM_FORM and
                   w.workspace.active.still.full is not None, 30, "the claim form decoded")
        w.workspace.set_side_by_side(True)
        w.workspace.set_active(w.workspace.a)
        run_for(1.0)
        shoot("documents")

        # booth 3: a document asked; then booth 1 talks, the others wait
        w.workspace.set_side_by_side(False)
        w.close_documents()
        w.focus_slot(3)
        wait_until(lambda: w.view.focus == 3, 30, "booth 3")
        w.request_document(DocumentKind.KK)
        run_for(0.5)
        w.close_documents()
        w.focus_slot(1)
        wait_until(lambda: w.view.focus == 1, 30, "booth 1")
        wait_until(lambda: any(t.alarm for t in tiles()), 60, "a booth waiting too long")
        run_for(3.0)
        shoot("desk")

        # the checklist: booth 2's claim form rejected, then the End confirmation open
        w.focus_slot(2)
        wait_until(lambda: w.view.focus == 2, 30, "booth 2 again")
        w.close_documents()
        from cso_console import desk as dk

        w.post(dk.Reject(tile(2).session_id, DocumentKind.CLAIM_FORM, RejectReason.UNREADABLE))
        wait_until(lambda: entry(2, DocumentKind.CLAIM_FORM).status is DocStatus.REJECTED and
                   entry(2, DocumentKind.CLAIM_FORM).confirmed, 30, "the rejection recorded")
        done = {"n": 0}

        def shoot_dialog() -> None:
            if w.dialog is None:
                QTimer.singleShot(100, shoot_dialog)
                return
            w.dialog.move(w.x() + 40, w.y() + 330)  # over the tiles: the checklist stays in view
            run_for(1.2)
            lang = "id" if done["n"] == 0 else "en"
            path = out / f"console-checklist-{lang}.png"
            grab_root(display, path)
            print(f"wrote {path}", flush=True)
            done["n"] += 1
            w.dialog.reject()

        for lang in ("id", "en"):
            w.set_language(lang)
            run_for(0.8)
            QTimer.singleShot(100, shoot_dialog)
            w.end()
        w.set_language("id")
    finally:
        if console is not None:
            console.close()
        helper.run(branch.stop(), 60)
        helper.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screens")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.child:
        return _child(args.out)
    from qtview import xvfb

    why = xvfb.available()
    if why:
        print(f"console_screens: {why}", file=sys.stderr)
        return 2
    with xvfb.display(1920, 1080) as name:
        return subprocess.call([sys.executable, "-m", "lapak.console_screens", "--child", "--out", str(args.out)],
                               env=xvfb.env(name), cwd=ROOT)


if __name__ == "__main__":
    raise SystemExit(main())
