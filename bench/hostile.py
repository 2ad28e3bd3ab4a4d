"""The signaling server under a hostile LAN: relays during a wrong-token flood, and a real booth's
welcome while thousands of junk sockets are open.

The server runs as its own process (`lapak signaling`, plain ws:// on loopback: TLS would only
add the same handshake cost to every figure); the attackers run in another process, so they do
not share this process's event loop with the measurement.

* ``flood``: a booth and its officer relay signals back and forth (round trip through the server,
  p50/p99/max) while quiet, then while 50 connections, each from its own loopback address, keep
  sending hellos with wrong tokens; the
  figure to watch is the p99 ratio (goal: within 2x of quiet). Also printed: failed hellos the
  server answered, and audit rows written for them.
* ``junk``: 5,000 TCP sockets opened to the server and left silent; then a booth connects and
  says hello: time to its welcome (goal: <= 50 ms), median of several tries.

    python -m bench.hostile [--write]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import Transcript

OUT = Transcript()
ROOT = Path(__file__).resolve().parents[1]


def raise_files() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def write_config(folder: Path) -> tuple[Path, dict]:
    tokens = {("booth", "booth-01"): secrets.token_hex(16), ("cso", "cso-01"): secrets.token_hex(16),
              ("booth", "booth-02"): secrets.token_hex(16)}
    lines = [f'database = "{folder / "bench.db"}"', "[branch]", 'id = "hostile"', "[listen]", 'host = "127.0.0.1"',
             "port = 0", "allow_plain = true", "[limits]", "rate_per_second = 1000", "rate_burst = 5000",
             "max_connections = 20000", "max_unauthenticated_per_address = 20000"]
    for (role, dev), tok in tokens.items():
        lines += [f"[[{role}s]]", f'id = "{dev}"', f'token = "{tok}"'] + (["capacity = 4"] if role == "cso" else [])
    path = folder / "server.toml"
    path.write_text("\n".join(lines) + "\n")
    return path, tokens


def start_server(config: Path, log: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "lapak", "signaling", "--config", str(config)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=open(log, "wb"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        m = re.search(r"listening on (ws://\S+)", log.read_text(errors="replace"))
        if m:
            return proc, m.group(1)
        time.sleep(0.05)
    raise SystemExit(f"server did not start: {log.read_text()[-2000:]}")


async def relay_pair(url: str, tokens: dict):
    """A booth and a CSO with an active session; returns (booth, cso, session id, inboxes)."""
    from signaling import protocol as p
    from signaling.client import SignalingClient

    got: dict[str, asyncio.Queue] = {"booth": asyncio.Queue(), "cso": asyncio.Queue()}

    async def on_signal_booth(msg):
        await got["booth"].put(msg)

    async def on_signal_cso(msg):
        await got["cso"].put(msg)

    offered = asyncio.get_running_loop().create_future()

    def on_cso_message(msg):
        if isinstance(msg, p.SessionUpdate) and msg.session.state is p.SessionState.OFFERED and not offered.done():
            offered.set_result(msg.session.id)

    booth = SignalingClient(url, "booth", "booth-01", tokens[("booth", "booth-01")], on_signal=on_signal_booth)
    cso = SignalingClient(url, "cso", "cso-01", tokens[("cso", "cso-01")], on_message=on_cso_message,
                          on_signal=on_signal_cso)
    for c in (booth, cso):
        await c.start()
        await c.wait_ready(10)
    await booth.request(p.Announce(kind="walk_in"))
    sid = await asyncio.wait_for(offered, 10)
    await cso.request(p.Accept(session_id=sid))
    return booth, cso, sid, got


async def round_trips(booth, cso, sid, got, seconds: float) -> list[float]:
    """Booth -> server -> CSO -> server -> booth, one after another, for ``seconds``."""
    out = []
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        t0 = time.perf_counter()
        await booth.send_signal(sid, {"kind": "probe", "n": n})
        while (await got["cso"].get()).payload.get("n") != n:
            pass
        await cso.send_signal(sid, {"kind": "probe", "n": n})
        while (await got["booth"].get()).payload.get("n") != n:
            pass
        out.append((time.perf_counter() - t0) * 1000)
        await asyncio.sleep(0.005)
    return out


def figures(ms: list[float]) -> str:
    ms = sorted(ms)
    return (f"p50 {statistics.median(ms):6.2f} ms  p99 {ms[int(0.99 * (len(ms) - 1))]:6.2f} ms  "
            f"max {ms[-1]:6.1f} ms  ({len(ms)} round trips)")


# ------------------------------------------------------------------ attacker process


async def flood(url: str, connections: int, seconds: float) -> None:
    """``connections`` loops, each: connect, hello with a wrong token, read the answer, again."""
    from websockets.asyncio.client import connect

    hello = json.dumps({"type": "hello", "role": "booth", "device_id": "booth-02", "token": "w" * 32, "version": 2})
    sent = 0
    end = time.monotonic() + seconds

    async def one(i: int):
        nonlocal sent
        source = (f"127.0.1.{i + 1}", 0)  # an address of its own: the measuring clients' (127.0.0.1) are not slowed
        while time.monotonic() < end:
            try:
                async with connect(url, compression=None, proxy=None, open_timeout=10, local_addr=source) as ws:
                    await ws.send(hello)
                    sent += 1
                    await asyncio.wait_for(ws.recv(), 40)
            except Exception:
                await asyncio.sleep(0.01)

    await asyncio.gather(*(one(i) for i in range(connections)))
    print(json.dumps({"hellos": sent}), flush=True)


async def junk(port: int, sockets: int, hold: float) -> None:
    """Open ``sockets`` TCP connections and say nothing."""
    conns = []
    for i in range(sockets):
        try:
            conns.append(await asyncio.open_connection("127.0.0.1", port))
        except OSError as exc:
            print(json.dumps({"error": f"socket {i}: {exc}"}), flush=True)
            break
    print(json.dumps({"open": len(conns)}), flush=True)
    await asyncio.sleep(hold)
    for _, w in conns:
        w.close()


# ------------------------------------------------------------------ runs


async def run_flood(url: str, tokens: dict, db: Path, seconds: float) -> None:
    from signaling import protocol as p

    booth, cso, sid, got = await relay_pair(url, tokens)
    await round_trips(booth, cso, sid, got, 1.0)  # warm-up
    quiet = await round_trips(booth, cso, sid, got, seconds)
    before = sqlite3.connect(db).execute("SELECT COUNT(*) FROM audit WHERE event='auth_failed'").fetchone()[0]
    attacker = subprocess.Popen([sys.executable, "-m", "bench.hostile", "--attack", "flood", "--url", url,
                                 "--seconds", str(seconds + 2)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    await asyncio.sleep(1.0)
    loud = await round_trips(booth, cso, sid, got, seconds)
    out, _ = await asyncio.to_thread(attacker.communicate)
    hellos = json.loads(out.strip().splitlines()[-1])["hellos"]
    await asyncio.sleep(6)  # the audit batch is written every 5 s
    rows = sqlite3.connect(db).execute("SELECT COUNT(*), COALESCE(SUM(json_extract(detail, '$.count')), 0) FROM audit "
                                       "WHERE event='auth_failed'").fetchone()
    OUT.say(f"  relay round trip, quiet:                 {figures(quiet)}")
    OUT.say(f"  relay round trip, 50-connection flood:   {figures(loud)}")
    q99, l99 = (sorted(x)[int(0.99 * (len(x) - 1))] for x in (quiet, loud))
    OUT.say(f"  p99 ratio {l99 / q99:.2f}x (goal <= 2x); wrong-token hellos sent {hellos} in {seconds + 2:.0f} s "
            f"({hellos / (seconds + 2):.0f}/s: each address answered ever more slowly), audit rows for them "
            f"{rows[0] - before} (counting {rows[1]} failures)")
    for c in (booth, cso):
        await c.close()
    _ = p


async def run_junk(url: str, tokens: dict, sockets: int) -> None:
    from signaling.client import SignalingClient

    port = int(url.rsplit(":", 1)[1])
    attacker = subprocess.Popen([sys.executable, "-m", "bench.hostile", "--attack", "junk", "--url", url,
                                 "--sockets", str(sockets), "--seconds", "30"], cwd=ROOT, stdout=subprocess.PIPE,
                                text=True)
    opened = json.loads(await asyncio.to_thread(attacker.stdout.readline))
    times = []
    for i in range(7):
        c = SignalingClient(url, "booth", "booth-01", tokens[("booth", "booth-01")])
        t0 = time.perf_counter()
        await c.start()
        await c.wait_ready(10)
        times.append((time.perf_counter() - t0) * 1000)
        await c.close()
        await asyncio.sleep(0.2)
    attacker.terminate()
    attacker.wait()
    OUT.say(f"  {opened.get('open', 0)} silent junk sockets open: a real booth welcomed in median "
            f"{statistics.median(times):.1f} ms, max {max(times):.1f} ms ({len(times)} tries; goal <= 50 ms)"
            + (f"; {opened['error']}" if "error" in opened else ""))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--attack", choices=["flood", "junk"], help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--sockets", type=int, default=5000)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    raise_files()
    if args.attack == "flood":
        asyncio.run(flood(args.url, 50, args.seconds))
        return 0
    if args.attack == "junk":
        asyncio.run(junk(int(args.url.rsplit(":", 1)[1]), args.sockets, args.seconds))
        return 0
    with tempfile.TemporaryDirectory(prefix="lapak-hostile-") as tmp:
        folder = Path(tmp)
        config, tokens = write_config(folder)
        server, url = start_server(config, folder / "server.log")
        try:
            OUT.say(f"signaling server under attack ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}); server, "
                    f"attacker and this measuring process apart")
            asyncio.run(run_flood(url, tokens, folder / "bench.db", args.seconds))
            asyncio.run(run_junk(url, tokens, args.sockets))
            log = (folder / "server.log").read_text(errors="replace")
            OUT.say(f"  server log: {log.count('Traceback')} tracebacks, {len(log.splitlines())} lines")
        finally:
            server.terminate()
            server.wait(10)
    if args.write:
        OUT.write("Hostile LAN", "python -m bench.hostile --write")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
