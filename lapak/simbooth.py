"""A simulated booth process: synthetic cameras and microphone, announces a walk-in, serves
the call until SIGINT/SIGTERM.

Run: ``python -m media.simbooth --url ws://127.0.0.1:8765 --device-id booth-01 --token T``
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from hardware.synthetic import SyntheticDocumentCamera, SyntheticFaceCamera, ToneMicrophone
from media.link import BoothLink
from media.session import LocalMedia, MediaConfig

logger = logging.getLogger(__name__)


def parse_size(text: str) -> tuple[int, int, float]:
    """Parse ``WIDTHxHEIGHT@FPS`` (e.g. ``640x480@30``).

    Args:
        text: the size string.
    """
    size, _, fps = text.partition("@")
    w, h = size.lower().split("x")
    return int(w), int(h), float(fps or 30)


def build_media(face: str, document: str, doc_video: str, seed: int) -> LocalMedia:
    """Synthetic booth media.

    Args:
        face: face camera ``WxH@FPS``.
        document: "id_card" or "claim_form".
        doc_video: document camera video ``WxH@FPS`` (stills are 1920x1080).
        seed: varies colours and the page.
    """
    fw, fh, ffps = parse_size(face)
    dw, dh, dfps = parse_size(doc_video)
    doc = SyntheticDocumentCamera(document, (1920, 1080), (dw, dh), dfps, seed)
    return LocalMedia(SyntheticFaceCamera(fw, fh, ffps, seed), ToneMicrophone(300 + 40 * seed),
                      doc, doc.capture_still)


async def run(args: argparse.Namespace) -> None:
    """Run one simulated booth until a stop signal.

    Args:
        args: parsed command line.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    media = build_media(args.face, args.document, args.doc_video, args.seed)
    await media.document.prepare()
    link = BoothLink(args.url, args.device_id, args.token, media, MediaConfig())
    await link.start()
    session_id = await link.announce(args.language)
    logger.info("%s announced session %s", args.device_id, session_id)
    await stop.wait()
    await link.close()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry.

    Args:
        argv: arguments (default: sys.argv).
    """
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", required=True)
    ap.add_argument("--device-id", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--face", default="640x480@30", help="face camera WxH@FPS")
    ap.add_argument("--document", default="id_card", choices=["id_card", "claim_form"])
    ap.add_argument("--doc-video", default="1280x720@15", help="document camera video WxH@FPS")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--language", default="id")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format=f"%(asctime)s {args.device_id} %(levelname)s %(name)s: %(message)s")
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
