"""`lapak kiosk ...`: the booth's touch app and its own commands.

    lapak kiosk --config booth.toml [--windowed] [--simulate]   the booth's screens (Qt)
    lapak kiosk pin                                            hash a technician PIN
"""
from __future__ import annotations

import argparse
import getpass
import sys


def register(sub) -> None:
    """Add the kiosk subcommands.

    Args:
        sub: the CLI's subparsers object.
    """
    k = sub.add_parser("kiosk", help="the booth's touch app (full screen); `kiosk pin` hashes a technician PIN",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    k.add_argument("--config", help="the booth config (e.g. config/booth-01.toml)")
    k.add_argument("--windowed", action="store_true", help="a normal window instead of full screen (development)")
    k.add_argument("--size", default="1366x768", help="window size with --windowed (default %(default)s)")
    k.add_argument("--simulate", action="store_true",
                   help="synthetic cameras, a tone microphone and simulated call button, light and printer")
    ksub = k.add_subparsers(dest="kiosk_command", metavar="ACTION")
    pin = ksub.add_parser("pin", help="print the hash of a technician PIN for [technician] pin_hash")
    pin.add_argument("--stdin", action="store_true", help="read the PIN from standard input instead of asking")
    pin.set_defaults(func=cmd_pin)
    k.set_defaults(func=lambda args: cmd_app(args) if args.config else (k.print_help(), 2)[1])


def cmd_app(args: argparse.Namespace) -> int:
    """Open the booth's touch app (Qt loads only here)."""
    from kiosk.ui.main import platform_note, run

    note = platform_note()
    if note:
        print(f"lapak: {note}", file=sys.stderr)
        return 2
    return run(args.config, windowed=args.windowed, simulate=args.simulate, size=args.size)


def cmd_pin(args: argparse.Namespace) -> int:
    """Ask for a PIN twice (or read it once from stdin) and print its hash."""
    from kiosk.pin import hash_pin

    if args.stdin:
        pin = sys.stdin.readline().strip()
        again = pin
    else:
        pin = getpass.getpass("technician PIN (4-12 digits): ")
        again = getpass.getpass("the same PIN again: ")
    if pin != again:
        print("lapak: the two PINs differ; nothing printed", file=sys.stderr)
        return 1
    try:
        stored = hash_pin(pin)
    except ValueError as exc:
        print(f"lapak: {exc}", file=sys.stderr)
        return 1
    print("# paste into the booth config:")
    print("[technician]")
    print(f'pin_hash = "{stored}"')
    return 0
