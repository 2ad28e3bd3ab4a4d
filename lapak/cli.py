"""The one `lapak` command line; each area registers its own subcommands.

Registering a subcommand imports only argparse-level code: the heavy parts (aiortc, PyAV,
OpenCV, pyserial, Qt) load when a command runs, so `lapak signaling` on the branch server
never loads the media or hardware stack.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

# Modules that add subcommands: each has `register(subparsers)`; the parsers they add set
# `func=callable(args) -> int`. Each must import nothing heavy at module level
# (tests/unit/test_cli_imports.py checks it).
_AREAS = (
    "signaling.cli",   # lapak signaling, lapak bookings import|list
    "kiosk.hwcli",     # lapak hw probe | test | check
    "kiosk.cli",       # lapak kiosk (the booth's screens), lapak kiosk pin
    "cso_console.cli", # lapak console (the officer's desk)
    "lapak.cli",       # lapak demo (below)
)


def register(sub) -> None:
    """Add the roof's own subcommands (`lapak demo`).

    Args:
        sub: the CLI's subparsers object.
    """
    d = sub.add_parser("demo", help="a simulated branch: signaling, six simulated booths, the console (a window "
                                     "when there is a display)")
    d.add_argument("--booths", type=int, default=6, help="number of booth processes (default %(default)s)")
    d.add_argument("--face", default="640x480@30", help="booth face camera WxH@FPS")
    d.add_argument("--doc-video", default="1280x720@15", help="booth document camera video WxH@FPS")
    d.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: until Ctrl-C)")
    d.add_argument("--window", choices=["auto", "yes", "no"], default="auto",
                   help="the console window: auto opens it when DISPLAY is set (default %(default)s)")
    d.add_argument("--booth-window", action="store_true",
                   help="show booth 1 as the booth app's window (lapak kiosk --windowed) instead of headless")
    d.add_argument("--officer", choices=["you", "scripted"], default="you",
                   help="with the window: you are the officer, or a script plays one (default %(default)s)")
    d.add_argument("--language", choices=["id", "en"], help="the console window's language (default: Bahasa Indonesia)")
    d.set_defaults(func=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from lapak import demo

    return demo.run(args)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every area's subcommands."""
    parser = argparse.ArgumentParser(prog="lapak", description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="count", default=0, help="debug log output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _AREAS:
        module = sys.modules[__name__] if name == __name__ else importlib.import_module(name)
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    from common.memory import tune_malloc

    tune_malloc()  # before any thread starts (common/memory.py says why)
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(  # force: python-escpos sets up the root logger when it is imported
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True,
    )
    if not args.verbose:  # per-connection chatter of the libraries only with -v
        for noisy in ("websockets", "aioice", "aiortc"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
