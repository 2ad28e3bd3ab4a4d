"""What the impairer itself costs: its own latency, its capacity, a six-booth load.

Run: ``.venv/bin/python -m bench.netimpair_bench`` (as root; about 70 s). Figures, not assertions.

UDP flows between hosts of a :class:`bench.netimpair.Topology`; senders and the receiver are
their own processes in their hosts (``--send`` / ``--recv`` roles of this module), stamping and
reading ``time.monotonic`` (one clock for every namespace). Three measurements:

1. **Own latency**: one-way delay of a 1000 packet/s flow with no rule at all, then through
   the impairer asked for nothing (rule installed, delay 0), then asked for 40 ms. The
   difference is what one pass through the impairer adds.
2. **Six booths**: six booth hosts each send 2 Mbit/s (1200-byte datagrams, 208/s) to a
   console host; each booth's outgoing link is impaired 20 ± 5 ms and the console's incoming
   link 20 ± 5 ms, so every packet crosses the impairer twice (about 2,500 packets/s through
   it) for 40 ms of asked delay. Then the same at three times the rate. Reported: loss (none
   asked), one-way delay against the 40 ms asked, the impairer's lateness and CPU.
3. **Capacity**: one flow of 200-byte datagrams at rising rates through one queue asked for
   5 ms; for each rate the packets sent and received, the impairer's kernel queue drops
   (``queue_dropped`` + ``user_dropped``), the receiver's own socket-buffer drops (the load
   generator's limit, not the impairer's), added delay and the impairer's CPU time per packet. The capacity is the highest rate with nothing lost and the
   delay still on time.
"""
from __future__ import annotations

import argparse
import json
import socket
import statistics
import struct
import subprocess
import time

from bench.report import Transcript

HEADER = struct.Struct("!HId")  # flow, sequence, send time
OUT = Transcript()
say = OUT.say


# ------------------------------------------------------------------------------------------------
# Roles run inside hosts


def sender(dst: str, port: int, rate: float, seconds: float, size: int, flow: int) -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    pad = b"\0" * (size - HEADER.size)
    start = time.monotonic()
    seq = 0
    batch = max(1, int(rate / 1000))  # at most ~1000 wake-ups a second
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        due_count = int((now - start) * rate)
        while seq < due_count:
            for _ in range(min(batch, due_count - seq)):
                try:
                    s.sendto(HEADER.pack(flow, seq, time.monotonic()) + pad, (dst, port))
                except OSError:  # ENOBUFS: counted as sent, never received
                    pass
                seq += 1
        next_due = start + (seq + batch) / rate
        time.sleep(max(0.0, min(0.001, next_due - time.monotonic())))
    print(json.dumps({"flow": flow, "sent": seq, "seconds": time.monotonic() - start}), flush=True)


def udp_rcvbuf_errors() -> int:
    """UDP datagrams this namespace dropped for a full socket buffer (/proc/net/snmp)."""
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Udp:")]
    return int(rows[1][rows[0].index("RcvbufErrors")])


def receiver(addr: str, port: int, seconds: float) -> None:
    errors0 = udp_rcvbuf_errors()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)  # SO_RCVBUFFORCE
    s.bind((addr, port))
    s.settimeout(0.5)
    print(json.dumps({"ready": True}), flush=True)
    delays: dict[int, list[float]] = {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            data = s.recv(4096)
        except socket.timeout:
            continue
        flow, _seq, sent = HEADER.unpack_from(data)
        delays.setdefault(flow, []).append(time.monotonic() - sent)
    print(json.dumps({"delays": {str(f): d for f, d in delays.items()},
                      "rcvbuf_errors": udp_rcvbuf_errors() - errors0}), flush=True)


# ------------------------------------------------------------------------------------------------
# The measurements


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def run_flows(rx_host, tx: list[tuple], seconds: float, port: int = 9000) -> tuple[list[int], dict]:
    """Senders ``(host, rate, size)`` to a receiver in ``rx_host``; returns (sent per flow,
    delays in ms per flow); sets ``RECEIVER_DROPS`` (the receiver's own socket overflows)."""
    recv = rx_host.python(["-m", "bench.netimpair_bench", "--recv", rx_host.addr, str(port),
                           str(seconds + 2.0)], stdout=subprocess.PIPE, text=True)
    assert json.loads(recv.stdout.readline())["ready"]
    senders = [h.python(["-m", "bench.netimpair_bench", "--send", rx_host.addr, str(port), str(rate),
                         str(seconds), str(size), str(i)], stdout=subprocess.PIPE, text=True)
               for i, (h, rate, size) in enumerate(tx)]
    sent = [json.loads(p.stdout.readline())["sent"] for p in senders]
    for p in senders:
        p.wait()
    got = json.loads(recv.stdout.readline())
    recv.wait()
    RECEIVER_DROPS[0] = got["rcvbuf_errors"]
    return sent, {int(f): [x * 1000 for x in d] for f, d in got["delays"].items()}


RECEIVER_DROPS = [0]


def summary(d: list[float]) -> str:
    if not d:
        return "nothing received"
    return (f"mean {statistics.mean(d):7.3f}  p50 {pct(d, .5):7.3f}  p99 {pct(d, .99):7.3f}  "
            f"max {max(d):7.3f} ms")


def own_latency() -> None:
    from bench.netimpair import Topology
    say("1. one pass through the impairer, 1000 packets/s of 200 bytes for 4 s, one-way delay")
    with Topology(["a", "b"]) as net:
        a, b = net["a"], net["b"]
        for label, setting in (("no rule (plain veth + router)", None),
                               ("through the impairer, nothing asked", dict(delay_ms=0.0)),
                               ("through the impairer, 40 ms asked", dict(delay_ms=40.0))):
            if setting is None:
                a.clear(direction="out")
            elif setting["delay_ms"] == 0.0:
                a.impair(delay_ms=0.0, jitter_ms=0.0, loss=0.0, reorder=False, direction="out")
                # reorder=False makes the setting non-clean, so the rule is installed; delay 0
            else:
                a.impair(delay_ms=40.0, direction="out")
            sent, d = run_flows(b, [(a, 1000, 200)], 4.0)
            say(f"   {label:<38} {len(d.get(0, []))}/{sent[0]} received  {summary(d.get(0, []))}")
        late = net.impairer_stats()["late"]
        say(f"   impairer's lateness when releasing delayed packets: mean {late['mean_ms']:.3f} ms, "
            f"max {late['max_ms']:.3f} ms")


def six_booths(scale: float = 1.0, seconds: float = 8.0) -> None:
    from bench.netimpair import Topology
    rate = 2e6 * scale / 8 / 1200
    names = [f"booth{i}" for i in range(1, 7)]
    with Topology([*names, "console"]) as net:
        for n in names:
            net[n].impair(delay_ms=20, jitter_ms=5, direction="out")
        net["console"].impair(delay_ms=20, jitter_ms=5, direction="in")
        cpu0 = net.impairer_stats()["cpu_s"]
        t0 = time.monotonic()
        sent, d = run_flows(net["console"], [(net[n], rate, 1200) for n in names], seconds)
        wall = time.monotonic() - t0
        st = net.impairer_stats()
        alld = [x for f in d.values() for x in f]
        got = sum(len(f) for f in d.values())
        kern_drops = sum(q.get("queue_dropped", 0) + q.get("user_dropped", 0) for q in st["queues"].values())
        passes = sum(q["received"] for q in st["queues"].values())
        say(f"   {scale:.0f} x 2 Mbit/s per booth ({rate:.0f} packets/s each, {passes / seconds:.0f} "
            f"impairer passes/s): received {got}/{sum(sent)} (loss {1 - got / max(1, sum(sent)):.4%}, "
            f"none asked), impairer queue drops {kern_drops}, receiver drops {RECEIVER_DROPS[0]}")
        say(f"      one-way delay (40 ms asked, 20 ± 5 twice): {summary(alld)}")
        say(f"      impairer lateness mean {st['late']['mean_ms']:.3f} ms, max {st['late']['max_ms']:.3f} ms;"
            f" CPU {(st['cpu_s'] - cpu0) / wall:.1%} of one core ({st['scheduling']})")


def capacity(rates: tuple[int, ...], seconds: float = 3.0) -> None:
    from bench.netimpair import Topology
    with Topology(["a", "b"]) as net:
        a, b = net["a"], net["b"]
        a.impair(delay_ms=5, direction="out")
        say(f"   {'asked/s':>8} {'sent/s':>8} {'received':>9} {'lost':>7} {'queue drops':>11} {'rcvbuf drops':>12} "
            f"{'added p50':>10} {'added p99':>10} {'CPU us/packet':>13}")
        for i, rate in enumerate(rates):
            st0 = net.impairer_stats()
            q0 = st0["queues"][str(a.queues["out"])]
            sent, d = run_flows(b, [(a, rate, 200)], seconds, port=9100 + i)
            st = net.impairer_stats()
            q = st["queues"][str(a.queues["out"])]
            drops = (q["queue_dropped"] - q0["queue_dropped"]) + (q["user_dropped"] - q0["user_dropped"])
            got = d.get(0, [])
            added = [x - 5.0 for x in got]
            say(f"   {rate:>8} {sent[0] / seconds:>8.0f} {len(got):>9} {sent[0] - len(got):>7} {drops:>11} "
                f"{RECEIVER_DROPS[0]:>12} "
                f"{pct(added, .5) if added else float('nan'):>8.3f}ms {pct(added, .99) if added else float('nan'):>8.3f}ms "
                f"{(st['cpu_s'] - st0['cpu_s']) / max(1, q['received'] - q0['received']) * 1e6:>13.1f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--send", nargs=6, metavar=("DST", "PORT", "RATE", "SECONDS", "SIZE", "FLOW"),
                    help=argparse.SUPPRESS)
    ap.add_argument("--recv", nargs=3, metavar=("ADDR", "PORT", "SECONDS"), help=argparse.SUPPRESS)
    ap.add_argument("--only", choices=("latency", "booths", "capacity"), help="run one measurement")
    ap.add_argument("--rates", default="2000,5000,10000,20000,40000,60000,80000",
                    help="capacity sweep, packets/s (default %(default)s)")
    args = ap.parse_args(argv)
    if args.send:
        dst, port, rate, secs, size, flow = args.send
        sender(dst, int(port), float(rate), float(secs), int(size), int(flow))
        return
    if args.recv:
        addr, port, secs = args.recv
        receiver(addr, int(port), float(secs))
        return
    from bench.report import machine
    say(f"impairer benchmark; {machine()}")
    if args.only in (None, "latency"):
        own_latency()
    if args.only in (None, "booths"):
        say("2. six booths to one console, booth out 20 ± 5 ms and console in 20 ± 5 ms (two passes)")
        six_booths(1.0)
        six_booths(3.0)
    if args.only in (None, "capacity"):
        say("3. capacity: one flow of 200-byte datagrams through one queue asked for 5 ms, 3 s per rate")
        capacity(tuple(int(r) for r in args.rates.split(",")))


if __name__ == "__main__":
    main()
