"""`lapak console ...`: the officer's console (the Qt window joins here)."""
from __future__ import annotations


def register(sub) -> None:
    """Add the console subcommands.

    Args:
        sub: the CLI's subparsers object.
    """
    c = sub.add_parser("console", help="the CSO console")
    c.set_defaults(func=lambda args: (c.print_help(), 2)[1])
