"""Booth screens that a scripted visit (bench/screens_booth.py) does not reach, drawn by the real
booth window from a view: today the end screen of a claim that cannot go on (Outcome.REJECTED).

    python -m bench.screens_views [--out docs/screens]

Files: ``booth-<lang>-21-end-rejected.png`` at 1920x1080 and ``...-1366.png`` at 1366x768.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from common.language import Language  # noqa: E402
from kiosk.flow import BoothView, LightColour, ReceiptState, Screen  # noqa: E402
from kiosk.ui.window import KioskWindow  # noqa: E402
from signaling.protocol import Outcome  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def views(language: Language) -> dict[str, BoothView]:
    common = dict(language=language, languages=(Language.ID, Language.EN), light=LightColour.WAITING,
                  server_up=True, has_printer=True, language_choice=True)
    return {"21-end-rejected": BoothView(Screen.END, outcome=Outcome.REJECTED, reference="20261126-B105",
                                         receipt=ReceiptState.PRINTED, **common)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "screens"))
    args = ap.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    window = KioskWindow(lambda intent: None)
    window.show()
    for size in ((1920, 1080), (1366, 768)):
        window.resize(*size)
        suffix = "" if size == (1920, 1080) else f"-{size[0]}"
        for language in (Language.ID, Language.EN):
            for name, view in views(language).items():
                window.render(view)
                for _ in range(10):
                    app.processEvents()
                path = out / f"booth-{language.value}-{name}{suffix}.png"
                window.grab().save(str(path))
                print(f"  {path.name}", flush=True)
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
