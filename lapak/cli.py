"""The one `lapak` command line; each area registers its own subcommands."""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

# Modules that add subcommands: each has `register(subparsers)`; the parsers they add set
# `func=callable(args) -> int`. A module missing here is simply not offered.
_AREAS = (
    "signaling.cli",   # lapak signaling, lapak bookings import
    "kiosk.hwcli",     # lapak hw probe | test | check
    "lapak.demo",      # lapak demo
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every area's subcommands."""
    parser = argparse.ArgumentParser(prog="lapak", description=__doc__)
    parser.add_argument("-v", "--verbose", action="count", default=0, help="debug log output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _AREAS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
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
