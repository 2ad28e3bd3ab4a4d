"""How fast a still's bytes cross a lossy, jittery link over plain TCP: the ceiling under the
booth's upload, by congestion control and number of parallel streams.

Run (root; about a minute per case): ``.venv/bin/python -m bench.still_transport``

Two hosts of a :class:`bench.netimpair.Topology` (a sender and a receiver); the sender's link
is impaired both ways (40 ± 10 ms, 2 % loss unless told otherwise, as bench/network.py's loss
phase). The receiver accepts connections and reads until each closes; the sender opens
``streams`` connections, sends equal slices of ``--megabytes`` and waits for a one-byte answer
on each (the receiver has it all). Connections are opened once and reused, idle between stills
as a booth's are. Nothing else runs, so the figures are what the network and TCP allow, not what
a booth busy with video gets. Prints the median and 95th percentile per case. With ``--parity yes``
the data goes in one slice fewer and the last stream carries a parity slice (as
:class:`signaling.stills_client.StillTransfer` sends it): the still counts as there when any
``streams - 1`` slices are.
"""
from __future__ import annotations

import argparse
import socket
import statistics
import sys
import threading
import time

PORT = 9100


def receiver(addr: str) -> None:
    srv = socket.create_server((addr, PORT), backlog=64)

    def serve(conn: socket.socket) -> None:
        with conn:
            while True:
                head = conn.recv(8, socket.MSG_WAITALL)
                if len(head) < 8:
                    return
                left = int.from_bytes(head, "big")
                while left:
                    chunk = conn.recv(min(left, 1 << 20))
                    if not chunk:
                        return
                    left -= len(chunk)
                conn.sendall(b"k")

    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def tcp_counts(sock: socket.socket) -> tuple[int, int]:
    """(segments sent again, data segments sent) over a connection's life: ``tcpi_total_retrans``
    and ``tcpi_data_segs_out`` of the kernel's ``struct tcp_info`` (bytes 100 and 156)."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 160)
    if len(info) < 160:
        return 0, 0
    return int.from_bytes(info[100:104], sys.byteorder), int.from_bytes(info[156:160], sys.byteorder)


def sender(addr: str, streams: int, megabytes: float, rounds: int, gap: float, cc: str, parity: bool = False) -> None:
    size = int(megabytes * 1e6)
    conns = []
    for _ in range(streams):
        s = socket.create_connection((addr, PORT))
        if cc:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc.encode())
        conns.append(s)
    used = conns[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode()
    data = bytes(size)
    slices = streams - 1 if parity and streams > 1 else streams
    step = -(-size // slices)
    parts = [data[i * step:(i + 1) * step] for i in range(slices)]
    if slices < streams:
        parts.append(bytes(step))  # the parity slice: as long as the longest data slice
    times = []
    for _ in range(rounds):
        time.sleep(gap)
        t0 = time.monotonic()

        done: list[float] = []

        def one(s: socket.socket, part: bytes) -> None:
            s.sendall(len(part).to_bytes(8, "big") + part)
            s.recv(1)
            done.append(time.monotonic() - t0)

        threads = [threading.Thread(target=one, args=(s, part)) for s, part in zip(conns, parts)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        done.sort()
        times.append(done[slices - 1])  # with a parity slice, any ``slices`` of the parts make the still
    retrans = sum(tcp_counts(s)[0] for s in conns)
    segs = sum(tcp_counts(s)[1] for s in conns)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    how = f"{slices}+1 parity" if slices < streams else f"{streams:2} streams"
    print(f"{used:6} {how} {megabytes:.2f} MB: median {statistics.median(times):.2f} s, "
          f"p95 {p95:.2f} s, max {times[-1]:.2f} s ({rounds} stills), "
          f"segments sent again {100 * retrans / max(1, segs):.1f} %", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--role", choices=("recv", "send"), help=argparse.SUPPRESS)
    ap.add_argument("--addr", help=argparse.SUPPRESS)
    ap.add_argument("--megabytes", type=float, default=3.3)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--gap", type=float, default=3.0, help="seconds idle before each still")
    ap.add_argument("--streams", default="1,4,8")
    ap.add_argument("--cc", default="bbr,cubic", help="congestion control of the sender's sockets")
    ap.add_argument("--parity", default="no", help="no, yes or no,yes: one of the streams carries a parity "
                    "slice and the still is done when any streams-1 slices are in")
    ap.add_argument("--loss", type=float, default=0.02)
    ap.add_argument("--delay", type=float, default=40.0)
    ap.add_argument("--jitter", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=0.0, help="the sender's link as a bottleneck of this many "
                    "Mbit/s both ways (0: none)")
    args = ap.parse_args(argv)
    if args.role == "recv":
        receiver(args.addr)
        return 0
    if args.role == "send":
        for cc in args.cc.split(","):
            for n in (int(x) for x in args.streams.split(",")):
                for parity in args.parity.split(","):
                    sender(args.addr, n, args.megabytes, args.rounds, args.gap, cc, parity == "yes")
        return 0
    from bench.netimpair import Topology, unavailable_reason

    why = unavailable_reason()
    if why:
        print(f"bench.still_transport needs the network-impairment harness: {why}", file=sys.stderr)
        return 2
    with Topology(["server", "booth"]) as net:
        srv, booth = net["server"], net["booth"]
        srv.python(["-m", "bench.still_transport", "--role", "recv", "--addr", srv.addr])
        time.sleep(1.0)
        booth.impair(delay_ms=args.delay, jitter_ms=args.jitter, loss=args.loss, rate_mbit=args.rate)
        rate = f", {args.rate:g} Mbit/s" if args.rate else ""
        print(f"link: {args.delay:.0f} ± {args.jitter:.0f} ms, {args.loss * 100:.1f} % loss{rate} both ways; "
              f"{args.gap:.0f} s idle before each still", flush=True)
        p = booth.python(["-m", "bench.still_transport", "--role", "send", "--addr", srv.addr,
                          "--streams", args.streams, "--megabytes", str(args.megabytes), "--rounds", str(args.rounds),
                          "--gap", str(args.gap), "--cc", args.cc, "--parity", args.parity])
        p.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
