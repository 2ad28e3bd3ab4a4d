"""A simulated booth process: the real booth app (:class:`kiosk.app.BoothApp` on
:class:`kiosk.flow.BoothFlow`) on simulated devices, with a scripted participant.

The participant walks in, agrees to the privacy notice, takes a walk-in ticket and waits; when
the officer asks for a document, they put it on the tray (the synthetic document camera shows a
card or a form, which the real scanner finds and auto-captures). When the visit ends they leave
and, with ``--again``, a new participant walks in.

Run: ``python -m lapak.simbooth --url ws://127.0.0.1:8765 --device-id booth-01 --token T``
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from common.documents import DocumentShape, info
from hardware.booth import open_booth_devices
from hardware.settings import CameraSettings, DevicesSettings
from kiosk import flow as f
from kiosk.app import BoothApp
from kiosk.config import BoothConfig
from kiosk.flow import BoothView, DocumentPhase, Screen
from media.config import MediaConfig

logger = logging.getLogger(__name__)


def parse_size(text: str) -> tuple[int, int, float]:
    """Parse ``WIDTHxHEIGHT@FPS`` (e.g. ``640x480@30``).

    Args:
        text: the size string.
    """
    size, _, fps = text.partition("@")
    w, h = size.lower().split("x")
    return int(w), int(h), float(fps or 30)


class ScriptedParticipant:
    """Plays a participant on a booth app: reacts to each new view with what a person would do.

    Args:
        app: the booth app.
        again: start a new visit after the end screen.
        start_after: seconds of idle screen before walking in.
        place_after: seconds between the request and the document on the tray.
    """

    def __init__(self, app: BoothApp, *, again: bool = True, start_after: float = 0.5,
                 place_after: float = 1.0) -> None:
        self.app = app
        self.again = again
        self.start_after = start_after
        self.place_after = place_after
        self._tries = 0
        self.visits = 0
        self._last: tuple | None = None
        self._placed: str | None = None

    def attach(self) -> None:
        """Start watching the app's views."""
        self.app.on_view(self._on_view)

    def _later(self, delay: float, event) -> None:
        loop = self.app.loop
        loop.call_later(delay, lambda: self.app.feed(event))

    def _on_view(self, v: BoothView) -> None:
        key = (v.screen, v.server_up, v.document.request_id if v.document else None,
               v.document.phase if v.document else None, v.document.hint if v.document else None)
        if key == self._last:
            return
        self._last = key
        if v.screen is Screen.ATTRACT and v.server_up and (self.again or self.visits == 0):
            self._later(self.start_after, f.Start())
        elif v.screen is Screen.PRIVACY:
            self._later(0.2, f.AcceptPrivacy())
        elif v.screen is Screen.CHECK_IN:
            self.visits += 1
            self._later(0.2, f.ChooseWalkIn())
        elif v.screen is Screen.DOCUMENT and v.document and v.document.phase is DocumentPhase.POSITIONING:
            if v.document.hint is f.ScanHint.PREVIOUS_DOCUMENT and self._placed == v.document.request_id:
                self._placed = None  # the screen says the last one still lies there: take it away, again
            self._place(v.document.request_id, v.document.document)
        elif v.screen is Screen.END and self.again:
            self._later(2.0, f.Finish())

    def _place(self, request_id: str, document) -> None:
        if self._placed == request_id:
            return
        self._placed = request_id
        camera = self.app.devices.document
        if camera is None or not hasattr(camera, "show"):
            return
        shape = info(document).shape
        kind = "id_card" if shape is DocumentShape.CARD else "claim_form"
        # as a participant does: the document shown before is taken off the tray first (the booth
        # waits for an empty tray when the same page seems to lie there still), then the new one
        camera.show(None)
        self.app.loop.call_later(self.place_after, camera.show, kind, self.visits * 7 + len(request_id) + self._tries)
        self._tries += 1


def booth_config(url: str, device_id: str, token: str, face: str, doc_video: str, ca: str | None = None) -> BoothConfig:
    """The config of a simulated booth (a wss:// url needs the branch CA file ``ca``; a ws://
    url is allowed plain: a simulation on one machine)."""
    fw, fh, ffps = parse_size(face)
    dw, dh, dfps = parse_size(doc_video)
    return BoothConfig(
        booth={"id": device_id, "token": token},
        server={"url": url, "ca": ca, "allow_plain": url.startswith("ws://")},
        devices=DevicesSettings(
            camera=CameraSettings(source="synthetic", width=fw, height=fh, fps=ffps),
            document_camera=CameraSettings(source="synthetic", width=1920, height=1080, fps=dfps),
        ),
    )


async def run(args: argparse.Namespace) -> None:
    """Run one simulated booth until a stop signal.

    Args:
        args: parsed command line.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    config = booth_config(args.url, args.device_id, args.token, args.face, args.doc_video, args.ca)
    devices = open_booth_devices(config.devices, simulate=True, seed=args.seed)
    app = BoothApp(config, devices, media_config=MediaConfig())
    participant = ScriptedParticipant(app, again=args.again)
    await app.start()
    participant.attach()
    await stop.wait()
    await app.close()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry.

    Args:
        argv: arguments (default: sys.argv).
    """
    from common.memory import tune_malloc

    tune_malloc()  # before any thread starts (a real booth gets this from `lapak kiosk`)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--device-id", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--ca", help="the branch CA file (for a wss:// url)")
    ap.add_argument("--face", default="640x480@30", help="face camera WxH@FPS")
    ap.add_argument("--doc-video", default="1280x720@15", help="document camera video WxH@FPS")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--again", action="store_true", help="a new participant after each visit")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, force=True,  # escpos set one up
                        format=f"%(asctime)s {args.device_id} %(levelname)s %(name)s: %(message)s")
    if args.verbose:  # the libraries' per-packet chatter stays out
        for noisy in ("websockets", "aioice", "aiortc"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
