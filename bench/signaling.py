"""Signaling server under load: many booth↔CSO pairs relaying timestamped signals.

Starts a real ``lapak signaling`` server in its own process, opens N raw WebSocket clients
(N·6/7 booths and N/7 CSOs of capacity 6) spread over a few client processes, puts every booth
in an active session (announce → offer → accept), then has every client send relay messages
at a steady rate for a fixed time. Prints connections held, messages/s relayed, relay latency
(p50/p99/max, ms, measured from the sender's send call to the receiver's parse, with the
system-wide monotonic clock) and errors. Figures, not assertions.

    .venv/bin/python -m bench.signaling                 # 100 then 1000 clients, 10 s each
    .venv/bin/python -m bench.signaling --clients 1000 --duration 10 --rate 2

Latency includes both client processes' event-loop delays: the clients share the machine's
cores with the server, so the figure is an upper bound of the server's own contribution.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing as mp
import os
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CAPACITY = 6


# ----------------------------------------------------------------------------- server process


def server_toml(folder: Path, devices: list[tuple[str, str]], *, limits: list[str] = (),
                listen: list[str] | None = None) -> tuple[Path, dict[tuple[str, str], str]]:
    """A lapak server TOML in ``folder`` for these (role, id) devices, each with a fresh token
    (CSOs serve :data:`CAPACITY` booths); returns its path and the tokens.

    Args:
        limits: more ``[limits]`` lines.
        listen: the ``[listen]`` (and ``[tls]``) lines; default plain ws on 127.0.0.1, any port.
    """
    tokens = {(role, device): secrets.token_hex(16) for role, device in devices}
    listen = listen or ["[listen]", 'host = "127.0.0.1"', "port = 0", "allow_plain = true"]
    lines = [f'database = "{folder / "bench.db"}"', "", "[branch]", 'id = "bench"', "", *listen, "",
             "[limits]", "rate_per_second = 1000", "rate_burst = 5000", "resume_grace = 600", *limits, ""]
    for (role, device), token in tokens.items():
        lines += [f"[[{role}s]]", f'id = "{device}"', f'token = "{token}"']
        if role == "cso":
            lines.append(f"capacity = {CAPACITY}")
        lines.append("")
    path = folder / "server.toml"
    path.write_text("\n".join(lines))
    return path, tokens


def write_config(folder: Path, clients: int, limits: list[str] = ()) -> tuple[Path, dict[tuple[str, str], str]]:
    """A server TOML for ``clients`` connections: booths, and enough CSOs (capacity 6) to serve them all."""
    booths, csos = split(clients)
    devices = [("cso", f"cso-{i:03d}") for i in range(1, csos + 1)]
    devices += [("booth", f"booth-{i:04d}") for i in range(1, booths + 1)]
    return server_toml(folder, devices, limits=list(limits))


def split(clients: int) -> tuple[int, int]:
    """(booths, CSOs) making up ``clients`` connections with every booth in a session at once."""
    csos = max(1, math.ceil(clients / (CAPACITY + 1)))
    return clients - csos, csos


def start_server(config: Path, log: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "lapak", "signaling", "--config", str(config), "--port", "0"],
                            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(log, "wb"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"listening on (ws://\S+)", log.read_text(errors="replace"))
        if found:
            return proc, found.group(1)
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()}")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start within 30 s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ----------------------------------------------------------------------------- client processes


class Device:
    """One raw WebSocket client and what it knows about its sessions."""

    def __init__(self, role: str, device_id: str, token: str):
        self.role, self.device_id, self.token = role, device_id, token
        self.ws = None
        self.sessions: list[str] = []
        self.active = asyncio.Event()
        self.sent = 0
        self.received = 0
        self.errors: list[str] = []
        self.closed = False


async def _worker_main(url: str, devices: list[tuple[str, str, str]], barrier, duration: float, rate: float,
                       results) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    mine = [Device(*d) for d in devices]
    latencies: list[float] = []
    presence_bytes = [0]
    last_list = [time.monotonic()]
    opened = asyncio.Semaphore(32)
    loop = asyncio.get_running_loop()

    async def reader(d: Device) -> None:
        try:
            async for raw in d.ws:
                now = time.monotonic()
                if raw.startswith('{"type":"presence"') or raw.startswith('{"type":"queue"'):
                    presence_bytes[0] += len(raw)  # big lists for every CSO; not needed here
                    last_list[0] = now
                    continue
                m = json.loads(raw)
                kind = m["type"]
                if kind == "signal":
                    latencies.append((now - m["payload"]["t"]) * 1000)
                    d.received += 1
                elif kind == "session":
                    s = m["session"]
                    if d.role == "cso" and s["state"] == "offered" and s["cso_id"] == d.device_id \
                            and s["id"] not in d.sessions:
                        d.sessions.append(s["id"])
                        await d.ws.send(json.dumps({"type": "accept", "id": "a-" + s["id"], "session_id": s["id"]}))
                    elif d.role == "booth" and s["state"] == "active":
                        d.sessions[:] = [s["id"]]
                        d.active.set()
                elif kind == "error":
                    d.errors.append(m["code"])
        except ConnectionClosed as exc:
            d.errors.append(f"closed {exc.rcvd.code if exc.rcvd else 'abnormally'}")
        d.closed = True

    async def open_one(d: Device) -> None:
        async with opened:
            d.ws = await connect(url, compression=None, proxy=None, ping_interval=None, max_queue=None,
                                 open_timeout=30)
            await d.ws.send(json.dumps({"type": "hello", "role": d.role, "device_id": d.device_id,
                                        "token": d.token, "version": 1}))
            welcome = json.loads(await asyncio.wait_for(d.ws.recv(), 30))
            assert welcome["type"] == "welcome", welcome
        d.task = asyncio.create_task(reader(d))

    async def sync(name: str) -> None:
        await loop.run_in_executor(None, barrier.wait, 600)

    await asyncio.gather(*(open_one(d) for d in mine if d.role == "cso"))
    await sync("csos online")
    await asyncio.gather(*(open_one(d) for d in mine if d.role == "booth"))
    await sync("booths online")
    for d in mine:  # one announce after the other: each is an fsync'd transaction on the server
        if d.role == "booth":
            await d.ws.send(json.dumps({"type": "announce", "id": "n", "kind": "walk_in"}))
    await asyncio.wait_for(asyncio.gather(*(d.active.wait() for d in mine if d.role == "booth")), 600)
    # Setup floods every CSO with presence/queue lists; relay figures are for the steady state after.
    while time.monotonic() - last_list[0] < 1.0:
        await asyncio.sleep(0.1)
    await sync("sessions active")
    await asyncio.sleep(0.5)  # the last accepts reach every CSO's session list

    start = time.monotonic() + 0.2
    end = start + duration

    async def talk(d: Device) -> None:
        if not d.sessions:
            return
        interval = 1.0 / rate
        nxt = start + interval * (hash(d.device_id) % 1000) / 1000  # spread the clients over the interval
        i = 0
        while True:
            await asyncio.sleep(max(0.0, nxt - time.monotonic()))
            if nxt >= end:
                return
            sid = d.sessions[i % len(d.sessions)]
            i += 1
            try:
                await d.ws.send(json.dumps({"type": "signal", "session_id": sid,
                                            "payload": {"t": time.monotonic(), "n": i, "ice": "candidate:1 1 udp "
                                                        "2122260223 192.168.1.20 54321 typ host"}}))
                d.sent += 1
            except ConnectionClosed:
                return
            nxt += interval

    lag = []

    async def watch_loop() -> None:  # how late this process's event loop runs (part of the latency)
        while time.monotonic() < end:
            t = time.monotonic()
            await asyncio.sleep(0.01)
            lag.append((time.monotonic() - t - 0.01) * 1000)

    await asyncio.gather(watch_loop(), *(talk(d) for d in mine))
    await asyncio.sleep(1.5)  # let the last relays arrive
    held = sum(1 for d in mine if not d.closed)
    results.put({
        "held": held, "sent": sum(d.sent for d in mine), "received": sum(d.received for d in mine),
        "latencies": latencies, "errors": [e for d in mine for e in d.errors],
        "list_bytes": presence_bytes[0],
        "lag_p99": sorted(lag)[int(0.99 * (len(lag) - 1))] if lag else 0.0,
    })
    await sync("reported")
    await asyncio.gather(*(d.ws.close() for d in mine), return_exceptions=True)


def worker(url, devices, barrier, duration, rate, results) -> None:
    raise_nofile(len(devices) + 256)
    try:
        asyncio.run(_worker_main(url, devices, barrier, duration, rate, results))
    except BaseException:
        barrier.abort()  # the other processes stop waiting instead of timing out
        raise


def raise_nofile(need: int) -> None:
    """Raise the soft open-files limit to ``need`` if the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard) if hard != resource.RLIM_INFINITY else need, hard))


# ----------------------------------------------------------------------------- one run


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(round(q * (len(sorted_values) - 1))))]


def run(clients: int, duration: float, rate: float, processes: int, profile: str | None = None,
        limits: list[str] = ()) -> dict:
    """One load run; returns its figures."""
    folder = Path(tempfile.mkdtemp(prefix="lapak-bench-signaling-"))
    try:
        config, tokens = write_config(folder, clients, limits)
        raise_nofile(clients + 256)
        server, url = start_server(config, folder / "server.log")
        try:
            devices = [(role, dev, tok) for (role, dev), tok in tokens.items()]
            parts = [devices[i::processes] for i in range(processes)]
            ctx = mp.get_context("fork")
            barrier = ctx.Barrier(processes + 1)  # the workers and this process
            results = ctx.Queue()
            procs = [ctx.Process(target=worker, args=(url, part, barrier, duration, rate, results), daemon=True)
                     for part in parts]
            t_setup = time.monotonic()
            for p in procs:
                p.start()
            for _ in ("csos online", "booths online", "sessions active"):
                barrier.wait(600)
            setup = time.monotonic() - t_setup
            time.sleep(0.7)  # the workers start sending 0.7 s after "sessions active"
            cpu0, t0 = cpu_seconds(server.pid), time.monotonic()
            spy = None
            if profile:  # sample the server during the relay window only
                spy = subprocess.Popen([shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy"),
                                        "record", "--pid", str(server.pid), "-d", str(int(duration)), "-r", "200",
                                        "--format", "raw", "-o", profile, "--nonblocking"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(duration)
            cpu1, t1 = cpu_seconds(server.pid), time.monotonic()
            collected = [results.get(timeout=60) for _ in procs]
            barrier.wait(60)  # "reported"
            for p in procs:
                p.join(30)
                if p.is_alive():
                    p.kill()
            if spy is not None:
                spy.wait(60)
        finally:
            server.kill()
            server.wait(10)
        lat = sorted(x for r in collected for x in r["latencies"])
        sent = sum(r["sent"] for r in collected)
        received = sum(r["received"] for r in collected)
        errors = [e for r in collected for e in r["errors"]]
        return {
            "clients": clients, "processes": processes, "held": sum(r["held"] for r in collected),
            "sessions": split(clients)[0], "sent": sent, "relayed": received,
            "rate": received / duration, "p50": percentile(lat, 0.50), "p99": percentile(lat, 0.99),
            "max": lat[-1] if lat else float("nan"), "lost": sent - received, "errors": len(errors),
            "error_kinds": sorted(set(errors)), "lag_p99": max(r["lag_p99"] for r in collected),
            "server_cpu": (cpu1 - cpu0) / (t1 - t0) * 100,
            "setup": setup,
            "list_mb": sum(r["list_bytes"] for r in collected) / 1e6,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 1000],
                        help="connection counts to run, one run each (booths + CSOs of capacity 6, every booth in a session)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of steady relay traffic per run")
    parser.add_argument("--rate", type=float, default=2.0, help="signals per second each client sends")
    parser.add_argument("--processes", type=int, default=0,
                        help="client processes (default: 1 up to 200 clients, else 2)")
    parser.add_argument("--limit", action="append", default=[], metavar="KEY=VALUE",
                        help="extra [limits] line for the server config, e.g. ping_interval=60 (repeatable)")
    parser.add_argument("--profile", metavar="PREFIX",
                        help="sample the server with py-spy during the relay window into PREFIX.<clients>.txt")
    parser.add_argument("--write", action="store_true", help="also write the figures into BENCHMARKS.md")
    args = parser.parse_args(argv)
    from bench.report import machine, table

    rows = []
    for n in args.clients:
        procs = args.processes or (1 if n <= 200 else 2)
        print(f"running {n} clients ({split(n)[0]} booths, {split(n)[1]} CSOs) in {procs} client "
              f"process(es), {args.rate:g} signals/s each for {args.duration:g} s ...", file=sys.stderr, flush=True)
        r = run(n, args.duration, args.rate, procs, args.profile and f"{args.profile}.{n}.txt", args.limit)
        rows.append([r["clients"], r["processes"], r["held"], r["sessions"], r["sent"], r["relayed"],
                     f"{r['rate']:.0f}", f"{r['p50']:.2f}", f"{r['p99']:.2f}", f"{r['max']:.1f}",
                     f"{r['lag_p99']:.1f}", r["errors"], r["lost"], f"{r['server_cpu']:.0f}%",
                     f"{r['setup']:.1f}", f"{r['list_mb']:.0f}"])
        if r["error_kinds"]:
            print(f"  errors seen: {', '.join(r['error_kinds'])}", file=sys.stderr)
    headers = ["clients", "client procs", "connections held", "sessions", "sent", "relayed", "relayed/s",
               "p50 ms", "p99 ms", "max ms", "client loop lag p99 ms", "errors", "lost", "server CPU (relay window)",
               "setup s", "presence+queue MB to clients"]
    text = (f"Machine: {machine()}\n\n"
            f"`.venv/bin/python -m bench.signaling --clients {' '.join(map(str, args.clients))} "
            f"--duration {args.duration:g} --rate {args.rate:g}`\n\n" + table(headers, rows))
    print(text)
    if args.write:
        from bench.report import write_section
        write_section("signaling", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
