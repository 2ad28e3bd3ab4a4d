"""The packet impairer: a small NFQUEUE program that delays, reorders and drops packets.

Started by :mod:`bench.netimpair` inside the router namespace of a topology (one impairer per
topology); not meant to be run by hand. It imports nothing from the project, only the
``NetfilterQueue`` binding (PyPI, built against Debian's ``libnetfilter-queue-dev``).

Each impaired link direction is one netfilter queue (iptables ``NFQUEUE --queue-num N``). For
every packet the kernel hands over (its first 20 bytes, the IPv4 header for its length; the rest
stays in the kernel), the impairer decides at once:

* **outage** on: drop;
* **loss**: drop with probability ``loss``, independently per packet (Bernoulli), or, with
  ``loss_burst`` > 1, from a two-state Gilbert chain whose long-run loss rate is ``loss`` and whose
  mean run of consecutive losses is ``loss_burst`` packets;
* with a **rate** (``rate_mbit`` > 0), the link is a bottleneck of that many Mbit/s: a packet
  leaves it once the ones ahead of it have been sent (its IP length at the rate), and one that
  would wait longer than ``queue_ms`` there is dropped (a drop-tail queue, as a router's);
  the delay below is added after it;
* otherwise a **delay** ``delay + jitter sample``, drawn per packet: ``uniform`` (default, like
  netem: evenly spread over ``delay ± jitter``) or ``normal`` (mean ``delay``, standard deviation
  ``jitter``), never below 0. The packet waits in one heap ordered by due time and is accepted
  (handed back to the kernel) when due, so independent draws reorder packets as a real jittery
  path does; ``reorder: false`` keeps each queue FIFO (a packet is never released before the one
  ahead of it: the jitter then stretches gaps instead).

Packets still in flight when an outage starts are dropped too (the cut takes the wire with it);
parameter changes apply to packets arriving after the change.

Control: one JSON object per line on stdin, one JSON reply per line on stdout, in order.
``{"op": "set", "queue": N, ...settings}`` binds queue N if needed and replaces its settings;
``{"op": "outage", "queue": N, "on": true}``; ``{"op": "stats"}``; ``{"op": "quit"}``. End of
stdin (the parent died) also quits. Stats include the impairer's own lateness (release time
minus due time), the kernel's per-queue drop counters and the process's CPU time.
"""
from __future__ import annotations

import ctypes
import heapq
import json
import math
import os
import random
import resource
import select
import sys
import time
import warnings

from netfilterqueue import COPY_PACKET, NetfilterQueue

QUEUE_MAXLEN = 65536           # packets the kernel may hold for one queue (default 1024)
HEADER_BYTES = 20              # bytes of each packet copied to the impairer: the IPv4 header
SOCK_BYTES = 16 * 1024 * 1024  # netlink receive buffer (SO_RCVBUFFORCE as root)
# Lateness histogram bucket upper bounds, in seconds.
LATE_BOUNDS = (0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, math.inf)

monotonic = time.monotonic


class Link:
    """One netfilter queue: one direction of one host's link."""

    def __init__(self, num: int) -> None:
        self.num = num
        self.nfq = NetfilterQueue()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "rcvbuf limit is now ...": reported in stats instead
            self.nfq.bind(num, self.on_packet, max_len=QUEUE_MAXLEN, mode=COPY_PACKET, range=HEADER_BYTES,
                          sock_len=SOCK_BYTES)
        self.fd = self.nfq.get_fd()
        self.epoch = 0          # bumped when an outage starts: in-flight packets of older epochs die
        self.last_due = 0.0
        self.free_at = 0.0      # when the bottleneck (with a rate) has sent every packet ahead
        self.bad = False        # Gilbert chain state
        self.received = self.delivered = self.lost = self.cut = self.overflow = 0
        self.configure({})

    def configure(self, s: dict) -> None:
        self.delay = max(0.0, float(s.get("delay_ms", 0.0))) / 1000
        self.jitter = max(0.0, float(s.get("jitter_ms", 0.0))) / 1000
        self.dist = s.get("distribution", "uniform")
        if self.dist not in ("uniform", "normal"):
            raise ValueError(f"distribution must be 'uniform' or 'normal', not {self.dist!r}")
        self.loss = float(s.get("loss", 0.0))
        if not 0.0 <= self.loss <= 1.0:
            raise ValueError(f"loss must be within [0, 1], not {self.loss}")
        burst = float(s.get("loss_burst", 1.0))
        if burst < 1.0:
            raise ValueError(f"loss_burst is a mean run length in packets, >= 1, not {burst}")
        # Gilbert chain: bad state loses every packet, good state none. Leaving the bad state
        # with probability r gives mean burst 1/r; entering it with p gives loss p/(p+r).
        self.burst = burst
        self.r = 1.0 / burst
        self.p = min(1.0, self.loss * self.r / (1.0 - self.loss)) if self.loss < 1.0 else 1.0
        self.reorder = bool(s.get("reorder", True))
        rate = float(s.get("rate_mbit", 0.0))
        if rate < 0.0:
            raise ValueError(f"rate_mbit must be >= 0 (0: no limit), not {rate}")
        self.byte_time = 8.0 / (rate * 1e6) if rate else 0.0
        self.queue_limit = max(0.0, float(s.get("queue_ms", 100.0))) / 1000
        self.rng = random.Random(s.get("seed"))
        self.set_outage(bool(s.get("outage", False)))

    def set_outage(self, on: bool) -> None:
        if on and not getattr(self, "outage", False):
            self.epoch += 1
        self.outage = on

    def draw_lost(self) -> bool:
        if self.loss <= 0.0:
            return False
        if self.burst <= 1.0:
            return self.rng.random() < self.loss
        if self.bad:
            self.bad = self.rng.random() >= self.r
        else:
            self.bad = self.rng.random() < self.p
        return self.bad

    def draw_delay(self) -> float:
        if self.jitter <= 0.0:
            return self.delay
        if self.dist == "uniform":
            d = self.delay + self.jitter * (2.0 * self.rng.random() - 1.0)
        else:
            d = self.rng.gauss(self.delay, self.jitter)
        return d if d > 0.0 else 0.0

    def on_packet(self, pkt) -> None:
        try:
            self.received += 1
            if self.outage:
                self.cut += 1
                pkt.drop()
                return
            if self.draw_lost():
                self.lost += 1
                pkt.drop()
                return
            d = self.draw_delay()
            now = monotonic()
            if self.byte_time:
                start = self.free_at if self.free_at > now else now
                if start - now > self.queue_limit:  # the bottleneck's queue is full
                    self.overflow += 1
                    pkt.drop()
                    return
                head = pkt.get_payload()
                size = int.from_bytes(head[2:4], "big") if len(head) >= 4 and head[0] >> 4 == 4 else 1500
                self.free_at = start + size * self.byte_time
                d += self.free_at - now
            due = now + d
            if not self.reorder:
                if due < self.last_due:
                    due = self.last_due
                self.last_due = due
            if due <= now:
                self.delivered += 1
                pkt.accept()
                return
            global SEQ
            SEQ += 1
            heapq.heappush(HEAP, (due, SEQ, self, self.epoch, pkt))
        except Exception as e:  # never leave a packet without a verdict
            print(f"impairer: queue {self.num}: {e!r}", file=sys.stderr, flush=True)
            try:
                pkt.accept()
            except Exception:
                pass

    def stats(self) -> dict:
        return {"received": self.received, "delivered": self.delivered, "lost": self.lost,
                "cut": self.cut, "overflow": self.overflow}


HEAP: list = []
SEQ = 0
LINKS: dict[int, Link] = {}
BY_FD: dict[int, Link] = {}
LATE = {"count": 0, "sum": 0.0, "max": 0.0, "hist": [0] * len(LATE_BOUNDS)}


def release(now: float) -> None:
    hist = LATE["hist"]
    while HEAP and HEAP[0][0] <= now:
        due, _, link, epoch, pkt = heapq.heappop(HEAP)
        if link.outage or epoch != link.epoch:
            link.cut += 1
            pkt.drop()
            continue
        pkt.accept()
        link.delivered += 1
        late = now - due
        LATE["count"] += 1
        LATE["sum"] += late
        if late > LATE["max"]:
            LATE["max"] = late
        for i, bound in enumerate(LATE_BOUNDS):
            if late < bound:
                hist[i] += 1
                break


def kernel_counters() -> dict[int, dict]:
    """This namespace's /proc/net/netfilter/nfnetlink_queue, by queue number."""
    out = {}
    try:
        with open("/proc/net/netfilter/nfnetlink_queue") as f:
            for line in f:
                v = line.split()
                out[int(v[0])] = {"waiting": int(v[2]), "queue_dropped": int(v[5]),
                                  "user_dropped": int(v[6])}
    except (OSError, ValueError, IndexError):
        pass
    return out


def stats() -> dict:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    kern = kernel_counters()
    return {
        "queues": {str(n): {**link.stats(), **kern.get(n, {})} for n, link in LINKS.items()},
        "in_flight": len(HEAP),
        "late": {"count": LATE["count"], "mean_ms": LATE["sum"] / LATE["count"] * 1000 if LATE["count"] else 0.0,
                 "max_ms": LATE["max"] * 1000,
                 "hist_ms": [[b * 1000 if b != math.inf else None, n]
                             for b, n in zip(LATE_BOUNDS, LATE["hist"])]},
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "scheduling": SCHEDULING,
    }


def command(msg: dict) -> dict:
    op = msg.get("op")
    if op == "set":
        n = int(msg["queue"])
        link = LINKS.get(n)
        if link is None:
            link = LINKS[n] = Link(n)
            BY_FD[link.fd] = link
        link.configure(msg)
        return {"ok": True}
    if op == "outage":
        LINKS[int(msg["queue"])].set_outage(bool(msg["on"]))
        return {"ok": True}
    if op == "stats":
        return {"ok": True, **stats()}
    if op == "ping":
        return {"ok": True}
    raise ValueError(f"unknown op {op!r}")


def set_priority(want: str) -> str:
    """The impairer stands for the network, which takes no CPU from the hosts: run it ahead of
    them when allowed (SCHED_FIFO, else nice -10), and with 1 ns timer slack so its sleeps end
    on time."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(29, 1, 0, 0, 0)  # PR_SET_TIMERSLACK = 29
    except OSError:
        pass
    if want == "realtime":
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
            return "SCHED_FIFO 10"
        except OSError:
            want = "high"
    if want == "high":
        try:
            os.setpriority(os.PRIO_PROCESS, 0, -10)
            return "nice -10"
        except OSError:
            pass
    return "normal"


SCHEDULING = "normal"


def main() -> None:
    global SCHEDULING
    SCHEDULING = set_priority(sys.argv[1] if len(sys.argv) > 1 else "realtime")
    os.set_blocking(0, False)
    out = sys.stdout
    out.write(json.dumps({"ready": True, "pid": os.getpid(), "scheduling": SCHEDULING}) + "\n")
    out.flush()
    pending = b""
    while True:
        timeout = max(0.0, HEAP[0][0] - monotonic()) if HEAP else None
        ready, _, _ = select.select([0, *BY_FD], [], [], timeout)
        for fd in ready:
            if fd == 0:
                chunk = os.read(0, 65536)
                if not chunk:
                    return  # parent gone
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    if not line.strip():
                        continue
                    try:
                        msg = json.loads(line)
                        if msg.get("op") == "quit":
                            out.write('{"ok": true}\n')
                            out.flush()
                            return
                        reply = command(msg)
                    except Exception as e:
                        reply = {"ok": False, "error": f"{type(e).__name__}: {e}"}
                    out.write(json.dumps(reply) + "\n")
                    out.flush()
            else:
                BY_FD[fd].nfq.run(block=False)
        release(monotonic())


if __name__ == "__main__":
    try:
        main()
    finally:
        # Whatever is still held goes on: a quitting impairer must not black-hole the link.
        for _, _, _, _, p in HEAP:
            try:
                p.accept()
            except Exception:
                pass
