"""`lapak console ...`: the officer's console window."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_CONFIG = Path("config/console-01.toml")


def register(sub) -> None:
    """Add the console subcommands.

    Args:
        sub: the CLI's subparsers object.
    """
    c = sub.add_parser("console", help="the CSO console: the officer's desktop window")
    c.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="console TOML (default %(default)s)")
    c.add_argument("--simulate", action="store_true",
                   help="a test-pattern camera, a test tone and a silent loudspeaker instead of the officer's "
                        "devices (no hardware)")
    c.add_argument("--fullscreen", action="store_true", help="fill the screen (default: a maximised window)")
    c.add_argument("--language", choices=["id", "en"], help="override [cso] language")
    c.set_defaults(func=cmd_console)


def cmd_console(args: argparse.Namespace) -> int:
    """Open the console window until it is closed."""
    from common.config import ConfigError, load
    from cso_console.config import ConsoleConfig

    try:
        config = load(ConsoleConfig, args.config)
    except ConfigError as exc:
        print(f"lapak: {exc}", file=sys.stderr)
        return 2
    from cso_console.ui.run import main

    return main(config, simulate=args.simulate, fullscreen=args.fullscreen, language=args.language)
