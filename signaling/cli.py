"""`lapak signaling`, `lapak bookings import|list`, `lapak cases list|export` and `lapak token
new|revoke|list`, `lapak ca init|issue` and `lapak audit verify` subcommands."""
from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
from pathlib import Path

from common.config import ConfigError, load
from signaling.config import ServerConfig
from signaling.errors import SignalingError

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

    c = sub.add_parser("cases", help="the claim case files kept on this branch server (for the back office)")
    csub = c.add_subparsers(dest="cases_command", metavar="ACTION")
    cl = csub.add_parser("list", help="sessions, newest first, with their outcome, kept stills and decisions")
    cl.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="server TOML (default %(default)s)")
    cl.add_argument("--day", help="only sessions of this day (YYYY-MM-DD, local time)")
    cl.add_argument("--limit", type=int, default=200, help="at most this many (default %(default)s)")
    cl.add_argument("--json", action="store_true", help="one JSON object per line")
    cl.set_defaults(func=cmd_cases_list)
    ce = csub.add_parser("export", help="write a session's stills, decisions and outcome to DIR/SESSION "
                                        "(with manifest.json)")
    ce.add_argument("session")
    ce.add_argument("dir", type=Path)
    ce.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="server TOML (default %(default)s)")
    ce.set_defaults(func=cmd_cases_export)
    c.set_defaults(func=lambda args: (c.print_help(), 2)[1])

    t = sub.add_parser("token", help="device tokens, kept hashed in the branch database")
    tsub = t.add_subparsers(dest="token_command", metavar="ACTION")
    for name, helptext in (("new", "issue a fresh token for a device (printed once; the old one stops working)"),
                           ("revoke", "refuse a device from now on (a running server disconnects it at once)")):
        tp = tsub.add_parser(name, help=helptext)
        tp.add_argument("role", choices=["booth", "cso", "technician"])
        tp.add_argument("device")
        tp.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="server TOML (default %(default)s)")
        tp.set_defaults(func=cmd_token_new if name == "new" else cmd_token_revoke)
    tl = tsub.add_parser("list", help="every configured device and where its token comes from (never the token)")
    tl.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="server TOML (default %(default)s)")
    tl.set_defaults(func=cmd_token_list)
    t.set_defaults(func=lambda args: (t.print_help(), 2)[1])

    ca = sub.add_parser("ca", help="the branch certificate authority and the server's TLS certificate")
    casub = ca.add_subparsers(dest="ca_command", metavar="ACTION")
    ci = casub.add_parser("init", help="create the branch CA (once per branch)")
    ci.add_argument("--dir", type=Path, default=Path("var/ca"), help="where the CA goes (default %(default)s)")
    ci.add_argument("--branch", default="branch", help="the branch's name, in the CA's name")
    ci.set_defaults(func=cmd_ca_init)
    cs = casub.add_parser("issue", help="sign the server's certificate for the addresses and names devices use")
    cs.add_argument("--dir", type=Path, default=Path("var/ca"), help="the CA folder (default %(default)s)")
    cs.add_argument("--host", action="append", default=[], help="an IP address or host name (repeat)")
    cs.add_argument("--out", type=Path, default=Path("var/tls"), help="where server.pem/server.key go "
                                                                      "(default %(default)s)")
    cs.set_defaults(func=cmd_ca_issue)
    ca.set_defaults(func=lambda args: (ca.print_help(), 2)[1])

    a = sub.add_parser("audit", help="the branch audit log")
    asub = a.add_subparsers(dest="audit_command", metavar="ACTION")
    av = asub.add_parser("verify", help="check the audit log's hash chain; names the first row that does not fit")
    av.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="server TOML (default %(default)s)")
    av.set_defaults(func=cmd_audit_verify)
    a.set_defaults(func=lambda args: (a.print_help(), 2)[1])


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
        except SignalingError as exc:
            print(f"lapak: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"lapak: cannot listen on {cfg.listen.host}:{cfg.listen.port}: {exc}", file=sys.stderr)
            return 1
        print(f"listening on {server.url}", file=sys.stderr, flush=True)
        await stop.wait()
        await server.stop()
        return 0

    return run_loop(main())


def run_loop(coro) -> int:
    """Run the server's loop: uvloop when installed (a third less CPU per relay, measured in
    BENCHMARKS.md "Scale"), asyncio's own otherwise or with LAPAK_LOOP=asyncio."""
    import os

    if os.environ.get("LAPAK_LOOP", "uvloop") != "asyncio":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            return uvloop.run(coro)
    return asyncio.run(coro)


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


def cmd_cases_list(args) -> int:
    """Print the sessions of the branch database (read-only: the server may be running)."""
    import dataclasses
    import json
    from datetime import datetime

    from .cases import CaseError, list_cases, open_readonly

    cfg = _config(args)
    if cfg is None:
        return 2
    since = None
    if args.day:
        try:
            since = datetime.strptime(args.day, "%Y-%m-%d").timestamp()
        except ValueError:
            print(f"lapak: --day {args.day!r} is not a date like 2026-11-26", file=sys.stderr)
            return 2
    try:
        db = open_readonly(cfg.database)
    except CaseError as exc:
        print(f"lapak: {exc}", file=sys.stderr)
        return 1
    try:
        cases = list_cases(db, since=since, limit=args.limit)
    finally:
        db.close()
    if since is not None:
        cases = [c for c in cases if c.queued_at < since + 86400]
    if args.json:
        for c in cases:
            print(json.dumps(dataclasses.asdict(c)))
        return 0
    print(f"{'session':<18} {'ticket':<7} {'booth':<10} {'officer':<10} {'service':<12} {'queued':<16} "
          f"{'outcome':<22} {'stills':>6} {'decisions':>9}")
    for c in cases:
        queued = time.strftime("%Y-%m-%d %H:%M", time.localtime(c.queued_at))
        outcome = c.outcome or c.state
        print(f"{c.session_id:<18} {c.ticket:<7} {c.booth_id:<10} {c.cso_id or '-':<10} {c.service:<12} {queued:<16} "
              f"{outcome:<22} {c.stills_kept:>6} {c.decisions:>9}")
    if not cases:
        print("(no sessions)", file=sys.stderr)
    return 0


def cmd_cases_export(args) -> int:
    """Export one case to a folder."""
    from .cases import CaseError, export_case, open_readonly

    cfg = _config(args)
    if cfg is None:
        return 2
    try:
        db = open_readonly(cfg.database)
        try:
            folder = export_case(db, args.session, args.dir)
        finally:
            db.close()
    except CaseError as exc:
        print(f"lapak: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"lapak: cannot export into {args.dir}: {exc}", file=sys.stderr)
        return 1
    print(f"exported session {args.session} to {folder}")
    return 0


def _device(cfg: ServerConfig, role: str, device: str) -> bool:
    if any(r == role and e.id == device for r, e in cfg.devices()):
        return True
    known = ", ".join(e.id for r, e in cfg.devices() if r == role) or "none"
    print(f"lapak: no {role} {device!r} in the config "
          f"(configured {role}s: {known}); add it to the config first", file=sys.stderr)
    return False


def cmd_token_new(args) -> int:
    """Issue a device's token: print it once, keep its hash."""
    from .store import Store
    from .tokens import hash_token, new_token

    cfg = _config(args)
    if cfg is None:
        return 2
    if not _device(cfg, args.role, args.device):
        return 1
    token = new_token()
    store = Store(cfg.database)
    try:
        store.issue_token(args.role, args.device, hash_token(token), time.time())
    finally:
        store.close()
    print(token)
    section = {"booth": "booth", "cso": "cso", "technician": "technician"}[args.role]
    print(f"# the new token of {args.role} {args.device}, shown only now: put it in that device's config as\n"
          f"# [{section}] token = \"{token}\"\n# (a running server takes it within a second; the old one no "
          f"longer works)", file=sys.stderr)
    return 0


def cmd_token_revoke(args) -> int:
    """Refuse a device until a new token is issued."""
    from .store import Store

    cfg = _config(args)
    if cfg is None:
        return 2
    if not _device(cfg, args.role, args.device):
        return 1
    store = Store(cfg.database)
    try:
        store.revoke_token(args.role, args.device, time.time())
    finally:
        store.close()
    print(f"revoked the token of {args.role} {args.device} (a running server disconnects it within a second)")
    return 0


def cmd_token_list(args) -> int:
    """Where each device's token comes from."""
    from .store import Store
    from .tokens import token_problem

    cfg = _config(args)
    if cfg is None:
        return 2
    store = Store(cfg.database)
    try:
        issued = store.device_tokens()
    finally:
        store.close()
    for role, e in cfg.devices():
        row = issued.get((role, e.id))
        if row is not None and row[0] is None:
            where = f"REVOKED {time.strftime('%Y-%m-%d %H:%M', time.localtime(row[2]))}"
        elif row is not None:
            where = f"issued {time.strftime('%Y-%m-%d %H:%M', time.localtime(row[1]))}"
        elif e.token is not None:
            problem = token_problem(e.token)
            where = "in the config file" + (f" - {problem}: the server will refuse to start" if problem else "")
        elif e.token_sha256 is not None:
            where = "hash in the config file"
        else:
            where = "NONE - cannot connect (lapak token new)"
        print(f"{role:<11} {e.id:<20} {where}")
    return 0


def cmd_audit_verify(args) -> int:
    """Recompute the audit chain (read-only: the server may be running)."""
    from .cases import CaseError, open_readonly
    from .store import verify_audit

    cfg = _config(args)
    if cfg is None:
        return 2
    try:
        db = open_readonly(cfg.database)
    except CaseError as exc:
        print(f"lapak: {exc}", file=sys.stderr)
        return 1
    try:
        check = verify_audit(db)
    finally:
        db.close()
    if check.broken_at is not None:
        print(f"lapak: the audit log is BROKEN: {check.problem}; the {check.rows} row(s) before it are intact "
              f"(their last hash {check.last_hash})", file=sys.stderr)
        return 1
    print(f"audit log intact: {check.rows} rows; last hash {check.last_hash} (keep it: a log cut short or "
          f"rewritten after this point will not end with it)")
    return 0


def cmd_ca_init(args) -> int:
    """Create the branch CA."""
    from .tls import TlsError, init_ca

    try:
        key, cert = init_ca(args.dir, args.branch)
    except TlsError as exc:
        print(f"lapak: {exc}", file=sys.stderr)
        return 1
    print(f"branch CA: {cert} (copy it to every booth and console as [server] ca)\n"
          f"its key:   {key} (owner-only; it never leaves this PC)")
    return 0


def cmd_ca_issue(args) -> int:
    """Issue the server's certificate."""
    from .tls import TlsError, issue_server_cert

    try:
        key, cert = issue_server_cert(args.dir, args.host, args.out)
    except TlsError as exc:
        print(f"lapak: {exc}", file=sys.stderr)
        return 1
    print(f"server certificate for {', '.join(args.host)}: {cert}\nits key: {key}\n"
          f"name them in server.toml:\n[tls]\ncert = \"{cert}\"\nkey = \"{key}\"")
    return 0
