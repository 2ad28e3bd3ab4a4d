"""Demonstration: a real aiortc call between two hosts of a :class:`bench.netimpair.Topology`.

Run: ``.venv/bin/python -m bench.netimpair_rtc`` (as root; about 50 s). ``--phases`` changes the
schedule, e.g. ``--phases clean:2,impaired:4,cut:2,restored:6``.

A ``booth`` host and a ``console`` host, each running one peer process (``python -m
bench.netimpair_rtc --peer offer|answer``) with ``RTCConfiguration(iceServers=[])``: ICE uses
host candidates only, on the hosts' veth addresses. This process relays the offer and answer
(the signaling server's job) and drives the network through phases:

* ``clean``: nothing impaired;
* ``impaired``: the booth's link, both directions, 40 ± 10 ms (uniform) and 2 % loss, so a
  round trip crosses 80 ± 20 ms and two chances of loss;
* ``cut``: an outage of the booth's link on top of that (everything dropped);
* ``restored``: the impairment again, without the outage.

The booth sends 50 messages a second on two data channels, ``reliable`` (ordered, retransmitted:
like the project's ``control`` channel) and ``lossy`` (unordered, no retransmission: shows the
loss as a receiver sees it); the console echoes every message. Printed per phase: messages
sent and echoed, round-trip times, and at the end whether every reliable message came back in
order and the connection never failed.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import threading
import time

RATE = 50  # messages per second per channel
PHASES = "clean:4,impaired:8,cut:5,restored:15"


# ------------------------------------------------------------------------------------------------
# Peer processes (run inside a host)


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def read_json(reader: asyncio.StreamReader) -> dict:
    line = await reader.readline()
    if not line:
        raise SystemExit(0)
    return json.loads(line)


async def peer(role: str) -> None:
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    states: list[str] = []

    @pc.on("connectionstatechange")
    def _state() -> None:
        states.append(pc.connectionState)

    if role == "answer":
        @pc.on("datachannel")
        def _channel(ch) -> None:
            @ch.on("message")
            def _echo(msg) -> None:
                ch.send(msg)

        offer = await read_json(reader)
        await pc.setRemoteDescription(RTCSessionDescription(**offer))
        await pc.setLocalDescription(await pc.createAnswer())
        emit({"sdp": pc.localDescription.sdp, "type": pc.localDescription.type})
        await reader.read()  # until the parent closes stdin
        await pc.close()
        return

    reliable = pc.createDataChannel("reliable")
    lossy = pc.createDataChannel("lossy", ordered=False, maxRetransmits=0)
    await pc.setLocalDescription(await pc.createOffer())  # aiortc gathers candidates first
    emit({"sdp": pc.localDescription.sdp, "type": pc.localDescription.type})
    await pc.setRemoteDescription(RTCSessionDescription(**await read_json(reader)))
    opened = asyncio.Event()
    reliable.on("open", opened.set)
    await asyncio.wait_for(opened.wait(), 20)

    sent = {"reliable": 0, "lossy": 0}
    echoed = {"reliable": 0, "lossy": 0}
    rtts: list[float] = []
    in_order = [True]
    next_rel = [0]

    def on_echo(name: str):
        def handler(msg: str) -> None:
            seq, t = msg.split(" ")
            echoed[name] += 1
            if name == "reliable":
                in_order[0] &= int(seq) == next_rel[0]
                next_rel[0] = int(seq) + 1
                rtts.append((time.monotonic() - float(t)) * 1000)
        return handler

    reliable.on("message", on_echo("reliable"))
    lossy.on("message", on_echo("lossy"))

    def local_pair() -> list:
        try:  # aioice's nominated pair: private, informative only
            conn = pc.sctp.transport.transport._connection
            pair = next(iter(conn._nominated.values()))
            return [f"{pair.local_candidate.host}:{pair.local_candidate.port}",
                    f"{pair.remote_candidate.host}:{pair.remote_candidate.port}"]
        except Exception:
            return []

    gatherer = pc.sctp.transport.transport.iceGatherer
    emit({"event": "open", "candidates": [f"{c.type} {c.ip}:{c.port}" for c in gatherer.getLocalCandidates()],
          "pair": local_pair()})
    stop = asyncio.Event()

    async def control() -> None:
        while True:
            line = await reader.readline()
            if not line:
                stop.set()
                return
            cmd = json.loads(line)
            if cmd.get("op") == "status":
                emit({"event": "status", "t": time.monotonic(), "sent": dict(sent), "echoed": dict(echoed),
                      "rtts": rtts[:], "in_order": in_order[0], "state": pc.connectionState,
                      "states": states[:], "pair": local_pair()})
                rtts.clear()
            elif cmd.get("op") == "stop_sending":
                stop.set()

    ctl = asyncio.ensure_future(control())
    seq = 0
    due = time.monotonic()
    while not stop.is_set() and pc.connectionState not in ("failed", "closed"):
        now = time.monotonic()
        msg = f"{seq} {now}"
        if reliable.readyState == "open":
            reliable.send(msg)
            sent["reliable"] += 1
        if lossy.readyState == "open":
            lossy.send(msg)
            sent["lossy"] += 1
        seq += 1
        due += 1 / RATE
        await asyncio.sleep(max(0.0, due - time.monotonic()))
    await ctl
    await pc.close()


# ------------------------------------------------------------------------------------------------
# The parent: topology, relay, phases


class Peer:
    def __init__(self, host, role: str) -> None:
        self.proc = host.python(["-m", "bench.netimpair_rtc", "--peer", role],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.lines: list[dict] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            with self.cond:
                self.lines.append(obj)
                self.cond.notify_all()

    def send(self, obj: dict) -> None:
        self.proc.stdin.write(json.dumps(obj) + "\n")
        self.proc.stdin.flush()

    def next(self, pred, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i, obj in enumerate(self.lines):
                    if pred(obj):
                        return self.lines.pop(i)
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise RuntimeError(f"peer gave no expected line (exit {self.proc.poll()})")
                self.cond.wait(min(left, 0.5))

    def status(self) -> dict:
        self.send({"op": "status"})
        return self.next(lambda o: o.get("event") == "status", 10.0)


def parse_phases(text: str) -> list[tuple[str, float]]:
    out = []
    for part in text.split(","):
        name, secs = part.split(":")
        if name not in ("clean", "impaired", "cut", "restored"):
            raise ValueError(f"unknown phase {name!r}")
        out.append((name, float(secs)))
    return out


def run(phases: str = PHASES, say=print, reorder: bool = True) -> dict:
    """Run the demonstration; returns per-phase figures and the verdicts (for tests)."""
    from bench.netimpair import Impairment, Topology

    impaired = Impairment(delay_ms=40, jitter_ms=10, loss=0.02, reorder=reorder)
    result: dict = {"phases": []}
    with Topology(["booth", "console"]) as net:
        booth, console = net["booth"], net["console"]
        t0 = time.monotonic()
        offerer, answerer = Peer(booth, "offer"), Peer(console, "answer")
        offer = offerer.next(lambda o: o.get("type") == "offer")
        answerer.send(offer)
        offerer.send(answerer.next(lambda o: o.get("type") == "answer"))
        opened = offerer.next(lambda o: o.get("event") == "open")
        result["setup_s"] = time.monotonic() - t0
        result["candidates"] = opened["candidates"]
        result["pair"] = opened["pair"]
        say(f"booth {booth.addr}, console {console.addr}; data channel open after "
            f"{result['setup_s']:.2f} s; booth candidates {opened['candidates']}; pair {opened['pair']}")
        prev = offerer.status()
        link0 = booth.stats()
        for name, secs in parse_phases(phases):
            if name == "clean":
                booth.clear()
            elif name in ("impaired", "restored"):
                booth.impair(impaired)
            else:
                booth.impair(impaired, outage=True)
            rtts: list[float] = []
            end = time.monotonic() + secs
            while time.monotonic() < end:
                time.sleep(min(1.0, max(0.0, end - time.monotonic())))
                s = offerer.status()
                rtts += s["rtts"]
            row = {"phase": name, "seconds": secs, "state": s["state"],
                   **{f"{k}_sent": s["sent"][k] - prev["sent"][k] for k in ("reliable", "lossy")},
                   **{f"{k}_echoed": s["echoed"][k] - prev["echoed"][k] for k in ("reliable", "lossy")},
                   "rtt_median_ms": statistics.median(rtts) if rtts else None,
                   "rtt_p90_ms": sorted(rtts)[int(0.9 * len(rtts))] if rtts else None}
            link = booth.stats()  # packets on the booth's link (counted while it is impaired)
            row["packets_out"], row["packets_in"] = (
                link[d].get("received", 0) - link0[d].get("received", 0) for d in ("out", "in"))
            link0 = link
            result["phases"].append(row)
            prev = s
            rtt = f"{row['rtt_median_ms']:.1f} ms (p90 {row['rtt_p90_ms']:.1f})" if rtts else "-"
            say(f"  {name:<9} {secs:4.0f} s  {row['state']:<10} reliable {row['reliable_sent']:4d} sent "
                f"{row['reliable_echoed']:4d} echoed  lossy {row['lossy_sent']:4d} sent "
                f"{row['lossy_echoed']:4d} echoed  rtt median {rtt}"
                + (f"  booth packets/s out {row['packets_out'] / secs:.0f} in {row['packets_in'] / secs:.0f}"
                   if name != "clean" else ""))
        offerer.send({"op": "stop_sending"})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            s = offerer.status()
            if s["echoed"]["reliable"] == s["sent"]["reliable"]:
                break
            time.sleep(0.5)
        result.update(reliable_sent=s["sent"]["reliable"], reliable_echoed=s["echoed"]["reliable"],
                      lossy_sent=s["sent"]["lossy"], lossy_echoed=s["echoed"]["lossy"],
                      in_order=s["in_order"], states=s["states"], final_state=s["state"],
                      stats=booth.stats())
        say(f"reliable: {result['reliable_echoed']}/{result['reliable_sent']} echoed, in order: "
            f"{result['in_order']}; lossy: {result['lossy_echoed']}/{result['lossy_sent']} echoed; "
            f"connection states {result['states']}")
        say(f"booth link, impairer counters: {result['stats']}")
        for p in (offerer, answerer):
            p.proc.stdin.close()
        for p in (offerer, answerer):
            try:
                p.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peer", choices=("offer", "answer"), help=argparse.SUPPRESS)
    ap.add_argument("--phases", default=PHASES, help=f"name:seconds,... (default {PHASES})")
    ap.add_argument("--no-reorder", action="store_true",
                    help="jitter without reordering (Impairment(reorder=False))")
    args = ap.parse_args(argv)
    if args.peer:
        asyncio.run(peer(args.peer))
        return
    run(args.phases, reorder=not args.no_reorder)


if __name__ == "__main__":
    main()
