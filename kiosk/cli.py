"""`lapak kiosk ...`: the booth's own commands (the app itself joins here with the Qt screens)."""
from __future__ import annotations

import argparse
import getpass
import sys


def register(sub) -> None:
    """Add the kiosk subcommands.

    Args:
        sub: the CLI's subparsers object.
    """
    k = sub.add_parser("kiosk", help="the booth: its technician PIN (and, with Qt, its screens)")
    ksub = k.add_subparsers(dest="kiosk_command", metavar="ACTION")
    pin = ksub.add_parser("pin", help="print the hash of a technician PIN for [technician] pin_hash")
    pin.add_argument("--stdin", action="store_true", help="read the PIN from standard input instead of asking")
    pin.set_defaults(func=cmd_pin)
    k.set_defaults(func=lambda args: (k.print_help(), 2)[1])


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
