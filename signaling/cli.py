"""`lapak signaling` and `lapak bookings import` subcommands."""
from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
from pathlib import Path

from common.config import ConfigError, load
from signaling.config import ServerConfig

logger = logging.getLogger(__name__)
DEFAULT_CONFIG = Path("config/server.toml")


def register(sub) -> None:
    """Add the signaling and bookings subcommands."""
    s = sub.add_parser("signaling", help="run the branch signaling server")
    s.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="server TOML (default %(default)s)")
    s.add_argument("--host", help="override listen.host")
    s.add_argument("--port", type=int, help="override listen.port (0 picks a free port)")
    s.set_defaults(func=cmd_signaling)

    b = sub.add_parser("bookings", help="the day's appointments from the online booking channel")
    bsub = b.add_subparsers(dest="bookings_command", metavar="ACTION")
    imp = bsub.add_parser("import", help="import a CSV or JSON file (all rows or nothing)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="server TOML (default %(default)s)")
    imp.set_defaults(func=cmd_bookings_import)
    ls = bsub.add_parser("list", help="list imported bookings")
    ls.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    ls.set_defaults(func=cmd_bookings_list)
    b.set_defaults(func=lambda args: (b.print_help(), 2)[1])


def _config(args) -> ServerConfig | None:
    try:
        cfg = load(ServerConfig, args.config)
    except ConfigError as exc:
        print(f"lapak: {exc}", file=sys.stderr)
        return None
    if getattr(args, "host", None):
        cfg.listen.host = args.host
    if getattr(args, "port", None) is not None:
        cfg.listen.port = args.port
    return cfg


def cmd_signaling(args) -> int:
    """Run the server until SIGINT/SIGTERM."""
    cfg = _config(args)
    if cfg is None:
        return 2
    from .server import SignalingServer

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            server = SignalingServer(cfg)
            await server.start()
        except OSError as exc:
            print(f"lapak: cannot listen on {cfg.listen.host}:{cfg.listen.port}: {exc}", file=sys.stderr)
            return 1
        print(f"listening on {server.url}", file=sys.stderr, flush=True)
        await stop.wait()
        await server.stop()
        return 0

    return asyncio.run(main())


def cmd_bookings_import(args) -> int:
    """Import a bookings file into the branch database."""
    from .bookings import BookingImportError, parse_bookings
    from .store import Store

    cfg = _config(args)
    if cfg is None:
        return 2
    try:
        bookings = parse_bookings(args.file)
    except BookingImportError as exc:
        print(f"lapak: {exc}", file=sys.stderr)
        return 1
    store = Store(cfg.database)
    try:
        store.replace_bookings(bookings, time.time())
    finally:
        store.close()
    print(f"imported {len(bookings)} booking(s) from {args.file} into {cfg.database}")
    return 0


def cmd_bookings_list(args) -> int:
    """Print the imported bookings."""
    from .store import Store

    cfg = _config(args)
    if cfg is None:
        return 2
    store = Store(cfg.database)
    try:
        for b in store.bookings():
            print(f"{b.code:<12} {time.strftime('%Y-%m-%d %H:%M', time.localtime(b.slot_start))}  {b.name}")
    finally:
        store.close()
    return 0
