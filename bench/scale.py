"""The signaling server at the scale of many branches: relay latency and loss at 1,000 to 5,000
clients, beside a naive relay measured in the same run.

Each run starts a server in its own process and N clients in branch proportions (per branch of
15: 12 booths, 2 CSOs of capacity 6, 1 technician) in client processes of their own. For lapak
(``lapak signaling``): CSOs and technicians connect, then the booths; every booth announces a
walk-in, every CSO accepts what it is offered, so every booth ends in an active session; once
nothing more is pushed (presence, queue), every booth and CSO relays ``--rate`` timestamped
signals per second for ``--duration`` seconds through its sessions. For the anchor, a bare
``websockets`` relay (``--anchor-server``: each message parsed once and forwarded whole to the
device it names, nothing else) carries the same messages between the same number of booth–CSO
pairs, with the same clients. Latency is from the sender's send call to the receiver's parse
(both on the system-wide monotonic clock); a relay is lost when it was sent and never arrived.

The clients are websockets' own sans-I/O protocol on asyncio transports (no task per
connection), so the two cores the clients and the server share go to the server as far as they
can. The load average (1 minute) is noted at the start and the end of every run: the machine is
shared, and every figure is only as good as the quiet it was measured in.

    .venv/bin/python -m bench.scale                              # 1000 3000 5000, 15 s each
    .venv/bin/python -m bench.scale --clients 5000 --duration 20 --write
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import heapq
import json
import multiprocessing as mp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.signaling import cpu_seconds, percentile, raise_nofile, server_toml

ROOT = Path(__file__).resolve().parents[1]
BRANCH = {"cso": 2, "technician": 1, "booth": 12}
"""One branch's devices (its CSOs, at capacity 6, seat every booth; a last, partial branch has its CSOs first)."""
EXTRA_LIMITS: list[str] = []
ICE = "candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host"
VIEWS = ('{"type":"presence', '{"type":"queue', '{"type":"queue_position')


def dumps(message: dict) -> str:
    """Compact JSON, as the server writes it."""
    return json.dumps(message, separators=(",", ":"))


def devices(clients: int) -> list[tuple[str, str, int]]:
    """(role, device id, branch number) of ``clients`` devices, whole branches first."""
    out: list[tuple[str, str, int]] = []
    b = 0
    while len(out) < clients:
        b += 1
        for role, n in BRANCH.items():
            out += [(role, f"{role[:4]}-{b:04d}-{i:02d}", b) for i in range(1, n + 1)]
    return out[:clients]


def anchor_pairs(devs: list[tuple[str, str, int]]) -> dict[str, str]:
    """booth id -> CSO id for the naive relay: each branch's booths dealt out over its CSOs."""
    csos: dict[int, list[str]] = {}
    for role, dev, b in devs:
        if role == "cso":
            csos.setdefault(b, []).append(dev)
    pairs: dict[str, str] = {}
    dealt: Counter = Counter()
    for role, dev, b in devs:
        if role == "booth" and csos.get(b):
            pairs[dev] = csos[b][dealt[b] % len(csos[b])]
            dealt[b] += 1
    return pairs


# ----------------------------------------------------------------------------- servers


def write_config(folder: Path, devs: list[tuple[str, str, int]], tls: bool = False
                 ) -> tuple[Path, dict[tuple[str, str], str]]:
    """A lapak server TOML for these devices (with ``tls``, a branch CA and certificate in ``folder``)."""
    # Every client comes from 127.0.0.1, so the per-address cap on connections before hello is
    # lifted, and the connection cap (4,096 by default: a branch has tens of devices) is raised
    # above the run's size.
    listen = None
    if tls:
        from signaling.tls import init_ca, issue_server_cert

        init_ca(folder / "ca", "bench")
        key, cert = issue_server_cert(folder / "ca", ["127.0.0.1"], folder / "tls")
        listen = ["[tls]", f'cert = "{cert}"', f'key = "{key}"', "", "[listen]", 'host = "127.0.0.1"', "port = 0"]
    limits = [f"max_connections = {len(devs) + 1024}", f"max_unauthenticated_per_address = {len(devs) + 1024}",
              *EXTRA_LIMITS]
    return server_toml(folder, [(role, dev) for role, dev, _ in devs], limits=limits, listen=listen)


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of a process, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def start(cmd: list[str], log: Path) -> tuple[subprocess.Popen, str]:
    """Start a server process; returns it and the URL it printed."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=open(log, "wb"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"listening on (wss?://\S+)", log.read_text(errors="replace"))
        if found:
            return proc, found.group(1)
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start within 60 s")


async def _anchor_main(port: int) -> None:
    """The naive relay: first message names the device; every later one is forwarded whole to
    the device its "to" names."""
    from websockets.asyncio.server import serve
    from websockets.exceptions import ConnectionClosed

    conns = {}

    async def handler(ws):
        me = json.loads(await ws.recv())["device_id"]
        conns[me] = ws
        await ws.send('{"type":"welcome"}')
        try:
            async for raw in ws:
                target = conns.get(json.loads(raw)["to"])
                if target is not None:
                    try:
                        await target.send(raw)
                    except ConnectionClosed:
                        pass
        except ConnectionClosed:
            pass
        finally:
            if conns.get(me) is ws:
                del conns[me]

    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=64) as server:
        bound = server.sockets[0].getsockname()[1]
        print(f"listening on ws://127.0.0.1:{bound}", file=sys.stderr, flush=True)
        await asyncio.Future()


# ----------------------------------------------------------------------------- clients


class Conn(asyncio.Protocol):
    """One WebSocket client on websockets' sans-I/O protocol: frames in, callbacks out."""

    def __init__(self, url: str, on_text, role: str, device: str):
        from websockets.client import ClientProtocol
        from websockets.uri import parse_uri

        self.proto = ClientProtocol(parse_uri(url), max_size=2**26)
        self.on_text = on_text
        self.role, self.device = role, device
        self.opened = asyncio.get_running_loop().create_future()
        self.welcomed = asyncio.get_running_loop().create_future()
        self.transport = None
        self.closed = False
        self.sessions: list[str] = []
        self.peers: list[str] = []
        self.active = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.proto.send_request(self.proto.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        from websockets.frames import Opcode
        from websockets.http11 import Response

        self.proto.receive_data(data)
        for event in self.proto.events_received():
            if isinstance(event, Response):
                if not self.opened.done():
                    self.opened.set_result(event.status_code)
            elif event.opcode is Opcode.TEXT:
                self.on_text(self, event.data.decode())
            elif event.opcode is Opcode.CLOSE:
                self.closed = True
        self._flush()

    def connection_lost(self, exc) -> None:
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"{self.device}: connection lost"))

    def send(self, text: str) -> None:
        if self.closed:
            raise ConnectionError(f"{self.device} is closed")
        self.proto.send_text(text.encode())
        self._flush()

    def _flush(self) -> None:
        for data in self.proto.data_to_send():
            if data:
                self.transport.write(data)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def _worker(mode: str, url: str, devs: list[tuple[str, str, str]], pairs: dict[str, str], barrier,
                  duration: float, rate: float, results, ca: str | None = None) -> None:
    from signaling.protocol import PROTOCOL_VERSION

    loop = asyncio.get_running_loop()
    host, port = url.split("://", 1)[1].split(":")
    tls = {}
    if ca:
        from signaling.tls import client_context

        tls = {"ssl": client_context(Path(ca)), "server_hostname": host}
    latencies: list[float] = []
    slow_at: list[float] = []  # when relays later than 10 ms arrived (one monotonic clock for all processes)
    counts = Counter()
    errors = Counter()
    last_view = [time.monotonic()]
    conns: dict[str, Conn] = {}
    relay_open = [False]

    def on_text(c: Conn, text: str) -> None:
        now = time.monotonic()
        if text.startswith('{"type":"signal"'):
            m = json.loads(text)
            counts["received"] += 1
            if relay_open[0]:
                ms = (now - m["payload"]["t"]) * 1000
                latencies.append(ms)
                if ms > 10.0:
                    slow_at.append(now)
            return
        if text.startswith(VIEWS):
            counts["view_bytes"] += len(text)
            last_view[0] = now
            return
        m = json.loads(text)
        kind = m["type"]
        if kind == "welcome":
            if not c.welcomed.done():
                c.welcomed.set_result(m)
        elif kind == "session":
            s = m["session"]
            if c.role == "cso" and s["state"] == "offered" and s.get("cso_id") == c.device and s["id"] not in c.sessions:
                c.sessions.append(s["id"])
                c.send(dumps({"type": "accept", "id": "a-" + s["id"], "session_id": s["id"]}))
            elif c.role == "booth" and s["state"] == "active":
                c.sessions[:] = [s["id"]]
                c.active = True
        elif kind == "error":
            errors[m["code"]] += 1
        elif kind == "ack":
            pass

    opening = asyncio.Semaphore(50)

    async def open_one(role: str, dev: str, token: str) -> None:
        async with opening:
            for attempt in range(5):
                try:
                    _, c = await asyncio.wait_for(
                        loop.create_connection(lambda: Conn(url, on_text, role, dev), host, int(port), **tls), 60)
                    await asyncio.wait_for(c.opened, 60)
                    break
                except (OSError, asyncio.TimeoutError, ConnectionError):
                    if attempt == 4:
                        raise
                    await asyncio.sleep(0.5 * (attempt + 1))
            if mode == "lapak":
                c.send(dumps({"type": "hello", "role": role, "device_id": dev, "token": token,
                                   "version": PROTOCOL_VERSION}))
            else:
                c.send(dumps({"type": "join", "device_id": dev}))
            await asyncio.wait_for(c.welcomed, 120)
            conns[dev] = c

    def sync(name: str):
        if os.environ.get("BENCH_SCALE_DEBUG"):
            print(f"[{os.getpid()}] {name}: {dict(counts)} errors {dict(errors)} "
                  f"active {sum(c.active for c in conns.values() if c.role == 'booth')}", file=sys.stderr, flush=True)
        return loop.run_in_executor(None, barrier.wait, 1200)

    await asyncio.gather(*(open_one(r, d, t) for r, d, t in devs if r != "booth"))
    await sync("watchers online")
    await asyncio.gather(*(open_one(r, d, t) for r, d, t in devs if r == "booth"))
    await sync("booths online")
    booths = [c for c in conns.values() if c.role == "booth"]
    if mode == "lapak":
        for c in booths:
            c.send('{"type":"announce","id":"n","kind":"walk_in"}')
        deadline = time.monotonic() + 900
        while not all(c.active for c in booths) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            if os.environ.get("BENCH_SCALE_DEBUG") and int(time.monotonic()) % 5 == 0:
                print(f"[{os.getpid()}] waiting: active {sum(c.active for c in booths)}/{len(booths)} "
                      f"errors {dict(errors)}", file=sys.stderr, flush=True)
        while time.monotonic() - last_view[0] < 1.0:  # setup pushed views; relays are measured after
            await asyncio.sleep(0.1)
    else:
        for c in booths:
            c.sessions, c.peers, c.active = [c.device], [pairs[c.device]], True
        for c in conns.values():
            if c.role == "cso":
                c.peers = [b for b, cso in pairs.items() if cso == c.device]
                c.sessions = list(c.peers)
    counts["active"] = sum(c.active for c in booths)
    await sync("sessions active")
    # The clients are the measuring instrument: a full collection over their thousands of
    # connections stalls this process for tens of ms, and every relay it receives meanwhile would
    # count as late (the same for lapak and the anchor). Nothing they make in the relay window
    # is cyclic garbage, so the collector rests until it ends.
    gc.collect()
    gc.freeze()
    gc.disable()
    await asyncio.sleep(0.5)
    relay_open[0] = True
    counts["received"] = 0
    start = time.monotonic() + 0.2
    end = start + duration
    interval = 1.0 / rate
    senders = [c for c in conns.values() if c.sessions and c.role != "technician"]
    due = [(start + interval * (hash(c.device) % 1000) / 1000, i) for i, c in enumerate(senders)]
    heapq.heapify(due)
    turn = [0] * len(senders)
    lag: list[float] = []

    async def watch_loop() -> None:  # how late this process's event loop runs (part of the latency)
        while time.monotonic() < end:
            t = time.monotonic()
            await asyncio.sleep(0.01)
            lag.append((time.monotonic() - t - 0.01) * 1000)

    watcher = asyncio.create_task(watch_loop())
    n = 0
    while due:
        when, i = due[0]
        if when >= end:
            break
        now = time.monotonic()
        if when > now:
            await asyncio.sleep(when - now)
            continue
        heapq.heapreplace(due, (when + interval, i))
        c = senders[i]
        k = turn[i] % len(c.sessions)
        turn[i] += 1
        n += 1
        payload = {"t": time.monotonic(), "n": n, "ice": ICE}
        if mode == "lapak":
            text = dumps({"type": "signal", "session_id": c.sessions[k], "payload": payload})
        else:
            text = dumps({"type": "signal", "to": c.peers[k], "session_id": c.sessions[k], "payload": payload})
        try:
            c.send(text)
            counts["sent"] += 1
        except ConnectionError:
            counts["send_failed"] += 1
    await watcher
    await asyncio.sleep(2.0)  # the last relays arrive
    relay_open[0] = False
    gc.enable()
    results.put({
        "sent": counts["sent"], "received": counts["received"], "latencies": latencies, "slow_at": slow_at,
        "errors": dict(errors), "view_bytes": counts["view_bytes"], "active": counts["active"],
        "closed": sum(c.closed for c in conns.values()), "send_failed": counts["send_failed"],
        "lag_p99": sorted(lag)[int(0.99 * (len(lag) - 1))] if lag else 0.0,
        "lag_max": max(lag, default=0.0),
    })
    await sync("reported")
    for c in conns.values():
        c.close()


def worker(mode, url, devs, pairs, barrier, duration, rate, results, ca=None) -> None:
    raise_nofile(len(devs) + 512)
    try:
        asyncio.run(_worker(mode, url, devs, pairs, barrier, duration, rate, results, ca))
    except BaseException:
        barrier.abort()  # the other processes stop waiting instead of timing out
        raise


# ----------------------------------------------------------------------------- one run


def run(mode: str, clients: int, duration: float, rate: float, processes: int, tls: bool = False,
        pin: bool = False) -> dict:
    """One run against lapak or the anchor; returns its figures. ``pin``: the server on the first
    CPU, the client processes on the others (the machine needs at least two)."""
    folder = Path(tempfile.mkdtemp(prefix=f"lapak-bench-scale-{mode}-"))
    devs = devices(clients)
    load0 = os.getloadavg()[0]
    try:
        raise_nofile(clients + 1024)
        if mode == "lapak":
            config, tokens = write_config(folder, devs, tls)
            server, url = start([sys.executable, "-m", "lapak", "signaling", "--config", str(config), "--port", "0"],
                                folder / "server.log")
            pairs: dict[str, str] = {}
        else:
            tokens = {(r, d): "" for r, d, _ in devs}
            server, url = start([sys.executable, "-m", "bench.scale", "--anchor-server"], folder / "server.log")
            pairs = anchor_pairs(devs)
        cpus = sorted(os.sched_getaffinity(0))
        if pin:
            os.sched_setaffinity(server.pid, cpus[:1])
        try:
            rows = [(r, d, tokens[(r, d)]) for r, d, _ in devs]
            parts = [rows[i::processes] for i in range(processes)]
            ctx = mp.get_context("fork")
            barrier = ctx.Barrier(processes + 1)
            results = ctx.Queue()
            ca = str(folder / "ca" / "branch-ca.pem") if mode == "lapak" and tls else None
            procs = [ctx.Process(target=worker, args=(mode, url, part, pairs, barrier, duration, rate, results, ca),
                                 daemon=True) for part in parts]
            t0 = time.monotonic()
            for proc in procs:
                proc.start()
                if pin:
                    os.sched_setaffinity(proc.pid, cpus[1:])
            for _ in ("watchers online", "booths online", "sessions active"):
                barrier.wait(1200)
            setup = time.monotonic() - t0
            time.sleep(0.7)
            cpu0, c0 = cpu_seconds(server.pid), time.monotonic()
            clients0 = sum(cpu_seconds(proc.pid) for proc in procs)
            time.sleep(duration)
            cpu1, c1 = cpu_seconds(server.pid), time.monotonic()
            clients1 = sum(cpu_seconds(proc.pid) for proc in procs)
            rss, peak = memory_mb(server.pid)
            collected = [results.get(timeout=120) for _ in procs]
            barrier.wait(120)
            for proc in procs:
                proc.join(30)
                if proc.is_alive():
                    proc.kill()
            log = (folder / "server.log").read_text(errors="replace")
        finally:
            server.kill()
            server.wait(10)
        lat = sorted(x for r in collected for x in r["latencies"])
        slow = Counter(int(t * 10) for r in collected for t in r["slow_at"])  # 100 ms windows
        sent = sum(r["sent"] for r in collected)
        received = sum(r["received"] for r in collected)
        errors = Counter()
        for r in collected:
            errors.update(r["errors"])
        roles = Counter(r for r, _, _ in devs)
        return {
            "mode": mode + (" (wss)" if mode == "lapak" and tls else ""), "clients": clients, "booths": roles["booth"], "csos": roles["cso"],
            "technicians": roles["technician"], "active": sum(r["active"] for r in collected),
            "sent": sent, "received": received, "lost": sent - received,
            "p50": percentile(lat, 0.50), "p99": percentile(lat, 0.99), "max": lat[-1] if lat else float("nan"),
            "errors": dict(errors), "closed": sum(r["closed"] for r in collected),
            "server_cpu": (cpu1 - cpu0) / (c1 - c0) * 100, "clients_cpu": (clients1 - clients0) / (c1 - c0) * 100,
            "setup": setup, "rss_mb": rss, "peak_mb": peak,
            "view_mb": sum(r["view_bytes"] for r in collected) / 1e6,
            "lag_p99": max(r["lag_p99"] for r in collected),
            "lag_max": max(r["lag_max"] for r in collected),
            "tracebacks": log.count("Traceback (most recent call last)"),
            "load": (load0, os.getloadavg()[0]),
            # where the tail comes from: relays later than 10 ms, by 100 ms window of arrival
            "slow": sum(slow.values()), "slow_windows": len(slow), "windows": int(duration * 10),
            "slow_top5": sum(n for _, n in slow.most_common(5)),
            "worst_at": [(w / 10 - c0, n) for w, n in sorted(slow.most_common(8))],
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1000, 3000, 5000])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of relay traffic per run")
    parser.add_argument("--rate", type=float, default=2.0, help="signals per second each booth and CSO sends")
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--no-anchor", action="store_true", help="skip the naive relay")
    parser.add_argument("--tls", action="store_true", help="lapak serves wss:// with a branch CA made for the run "
                                                           "(the anchor stays plain)")
    parser.add_argument("--pin", action="store_true", help="the server on the first CPU, the clients on the others")
    parser.add_argument("--write", action="store_true", help="also write the figures into BENCHMARKS.md")
    parser.add_argument("--anchor-server", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.anchor_server:
        asyncio.run(_anchor_main(0))
        return 0
    from bench.report import machine, table

    rows = []
    for n in args.clients:
        for mode in (["anchor"] if not args.no_anchor else []) + ["lapak"]:
            print(f"{mode}: {n} clients, {args.rate:g} signals/s per booth and CSO for {args.duration:g} s "
                  f"(load {os.getloadavg()[0]:.2f}) ...", file=sys.stderr, flush=True)
            r = run(mode, n, args.duration, args.rate, args.processes, tls=args.tls, pin=args.pin)
            print(f"  {r}"[:600], file=sys.stderr, flush=True)
            print(f"  relays later than 10 ms: {r['slow']} ({r['slow'] / max(1, r['received']) * 100:.2f} %), in "
                  f"{r['slow_windows']} of {r['windows']} 100-ms windows; the worst five windows hold "
                  f"{r['slow_top5']}", file=sys.stderr, flush=True)
            print("  the worst windows (start s into the relay window, late relays):",
                  ", ".join(f"{t:.1f} {n}" for t, n in r["worst_at"]), file=sys.stderr, flush=True)
            errors = ", ".join(f"{k} {v}" for k, v in sorted(r["errors"].items())) or "0"
            rows.append([mode, r["clients"], f"{r['booths']}/{r['csos']}/{r['technicians']}", r["active"], r["sent"],
                         r["lost"], f"{r['p50']:.2f}", f"{r['p99']:.2f}", f"{r['max']:.1f}", f"{r['lag_p99']:.1f} / {r['lag_max']:.0f}",
                         errors, r["closed"], f"{r['server_cpu']:.0f}% / {r['clients_cpu']:.0f}%", f"{r['rss_mb']:.0f} / {r['peak_mb']:.0f}",
                         f"{r['setup']:.1f}",
                         f"{r['view_mb']:.1f}", r["tracebacks"], f"{r['load'][0]:.2f} → {r['load'][1]:.2f}"])
    headers = ["server", "clients", "booths/CSOs/techs", "booths in session", "relays sent", "lost", "p50 ms",
               "p99 ms", "max ms", "client loop lag p99 / max ms", "errors", "closed", "CPU server / clients (relay window)",
               "server RSS / peak MB", "setup s", "views MB (setup)", "tracebacks", "load 1-min (start → end)"]
    text = (f"Machine: {machine()}\n\n"
            f"`.venv/bin/python -m bench.scale --clients {' '.join(map(str, args.clients))} "
            f"--duration {args.duration:g} --rate {args.rate:g}{' --processes %d' % args.processes if args.processes != 2 else ''}"
            f"{' --no-anchor' if args.no_anchor else ''}{' --tls' if args.tls else ''}{' --pin' if args.pin else ''}`\n\n" + table(headers, rows))
    print(text)
    if args.write:
        from bench.report import write_section
        write_section("scale-tls" if args.tls else "scale", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
