"""The network-impairment harness (bench/netimpair.py) does what it says, measured on real packets.

Hosts are network namespaces joined through a router namespace; the test process uses hosts'
sockets directly (``Host.socket``), timestamps packets with one clock and asserts on the
statistics of many packets with generous bounds, never on one packet's timing. Needs root,
iproute2, iptables with NFQUEUE and the NetfilterQueue package: without them every test here
skips and says which is missing.
"""
from __future__ import annotations

import math
import os
import signal
import socket
import statistics
import struct
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # `bench` is not an installed package; `python -m pytest` finds it
    sys.path.insert(0, str(REPO))

from bench import netimpair  # noqa: E402
from bench.netimpair import Impairment, NetImpairError, Topology  # noqa: E402

HEADER = struct.Struct("!Id")  # sequence number, send time (time.monotonic, one clock for all)


@pytest.fixture(scope="module")
def harness_ready() -> None:
    reason = netimpair.unavailable_reason()
    if reason:
        pytest.skip(f"network impairment harness unavailable here: {reason}")


@pytest.fixture
def net(harness_ready):
    with Topology(["a", "b"]) as topo:
        yield topo


class Flow:
    """UDP from host ``src`` to host ``dst``; a thread in this process receives and records
    (sequence, one-way delay) in arrival order."""

    def __init__(self, src, dst, port: int = 0) -> None:
        self.tx = src.socket()
        self.tx.bind((src.addr, 0))
        self.rx = dst.socket()
        self.rx.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: the test must not drop
        self.rx.bind((dst.addr, port))
        self.rx.settimeout(0.2)
        self.dst = self.rx.getsockname()
        self.got: list[tuple[int, float]] = []
        self._stop = False
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._stop:
            try:
                data = self.rx.recv(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            seq, sent = HEADER.unpack_from(data)
            self.got.append((seq, time.monotonic() - sent))

    def send(self, count: int, gap: float = 0.0, size: int = 200, burst: int = 50) -> None:
        pad = b"\0" * (size - HEADER.size)
        for i in range(count):
            self.tx.sendto(HEADER.pack(i, time.monotonic()) + pad, self.dst)
            if gap:
                time.sleep(gap)
            elif i % burst == burst - 1:
                time.sleep(0.001)

    def settle(self, quiet: float = 0.3, limit: float = 5.0) -> None:
        """Wait until nothing has arrived for ``quiet`` seconds."""
        deadline = time.monotonic() + limit
        n = -1
        while time.monotonic() < deadline and n != len(self.got):
            n = len(self.got)
            time.sleep(quiet)

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.tx.close()
        self.rx.close()

    @property
    def delays_ms(self) -> list[float]:
        return [d * 1000 for _, d in self.got]

    @property
    def inversions(self) -> int:
        """Packets that arrived after a packet sent later than them."""
        top, n = -1, 0
        for seq, _ in self.got:
            if seq < top:
                n += 1
            top = max(top, seq)
        return n


def binomial_bounds(n: int, p: float, sds: float = 5.0) -> tuple[float, float]:
    sd = math.sqrt(n * p * (1 - p))
    return n * p - sds * sd, n * p + sds * sd


def test_hosts_get_their_own_addresses_and_reach_each_other(net):
    a, b = net["a"], net["b"]
    assert a.addr != b.addr
    out = a.run(["ip", "-4", "-o", "addr", "show", "dev", "eth0"]).stdout
    assert a.addr in out
    assert "inet6" not in a.run(["ip", "-o", "addr", "show"]).stdout  # IPv4 only: all impairable
    flow = Flow(a, b)
    try:
        flow.send(20, gap=0.002)
        flow.settle(0.1)
    finally:
        flow.close()
    assert len(flow.got) == 20
    assert statistics.median(flow.delays_ms) < 5  # no impairment asked: none added


def test_delay_and_uniform_jitter_statistics_and_reordering(net):
    a, b = net["a"], net["b"]
    a.impair(delay_ms=40, jitter_ms=10, direction="out", seed=1)
    flow = Flow(a, b)
    try:
        flow.send(300, gap=0.002)
        flow.settle()
    finally:
        flow.close()
    d = flow.delays_ms
    assert len(d) == 300, "no loss was asked for"
    # Uniform over [30, 50] ms: mean 40, standard deviation 20/sqrt(12) = 5.8 ms.
    assert 38.0 < statistics.mean(d) < 43.0
    assert 4.0 < statistics.stdev(d) < 8.0
    assert min(d) > 29.5, "never earlier than delay - jitter"
    assert sorted(d)[int(0.9 * len(d))] < 55.0
    assert flow.inversions > 30, "±10 ms jitter on packets 2 ms apart reorders many"
    s = a.stats()["out"]
    assert s["received"] == s["delivered"] == 300
    assert s["queue_dropped"] == s["user_dropped"] == 0


def test_normal_jitter_without_reordering_keeps_order(net):
    a, b = net["a"], net["b"]
    a.impair(delay_ms=20, jitter_ms=5, distribution="normal", reorder=False, direction="out", seed=2)
    flow = Flow(a, b)
    try:
        flow.send(200, gap=0.002)
        flow.settle()
    finally:
        flow.close()
    assert len(flow.got) == 200
    assert flow.inversions == 0
    assert statistics.median(flow.delays_ms) > 19.0


def test_each_direction_and_both_add_up(net):
    a, b = net["a"], net["b"]
    a.impair(delay_ms=15, direction="in")   # a's incoming only: a -> b unaffected
    b.impair(delay_ms=10, direction="in")   # b's incoming: a -> b gets 10 ms
    flow = Flow(a, b)
    back = Flow(b, a)
    try:
        flow.send(50, gap=0.002)
        back.send(50, gap=0.002)
        flow.settle()
        back.settle()
    finally:
        flow.close()
        back.close()
    assert 9.5 < statistics.median(flow.delays_ms) < 13.0
    assert 14.5 < statistics.median(back.delays_ms) < 18.0
    a.impair(delay_ms=5)                    # both of a's directions: a -> b = 5 + 10
    flow = Flow(a, b)
    try:
        flow.send(50, gap=0.002)
        flow.settle()
    finally:
        flow.close()
    assert 14.5 < statistics.median(flow.delays_ms) < 18.0


def test_random_loss_within_binomial_bounds_and_no_loss_of_its_own(net):
    a, b = net["a"], net["b"]
    n, p = 3000, 0.10
    a.impair(loss=p, direction="out", seed=3)
    flow = Flow(a, b)
    try:
        flow.send(n)
        flow.settle()
    finally:
        flow.close()
    s = a.stats()["out"]
    lo, hi = binomial_bounds(n, p)
    assert s["received"] == n
    assert lo < s["lost"] < hi
    assert len(flow.got) == n - s["lost"], "everything not dropped on purpose arrives"
    assert s["queue_dropped"] == s["user_dropped"] == 0


def test_a_rate_is_a_bottleneck_with_a_drop_tail_queue(net):
    """400 packets of 1,028 IP bytes sent at once through 5 Mbit/s: with room to queue them all
    they arrive spread over 400 x 1,028 x 8 / 5e6 = 0.66 s; with 50 ms of queue the rest are
    dropped at the bottleneck (counted as overflow) and everything else arrives."""
    a, b = net["a"], net["b"]

    def burst(queue_ms: float) -> Flow:
        a.impair(rate_mbit=5, queue_ms=queue_ms, direction="out")
        flow = Flow(a, b)
        try:
            flow.send(400, size=1000)
            flow.settle(limit=10)
        finally:
            flow.close()
        return flow

    flow = burst(5000)
    assert len(flow.got) == 400
    assert 0.6 * 1000 < max(flow.delays_ms) < 0.76 * 1000
    assert a.stats()["out"]["overflow"] == 0
    flow = burst(50)
    s = a.stats()["out"]
    assert 300 < s["overflow"] < 390
    assert len(flow.got) == 400 - s["overflow"]
    assert max(flow.delays_ms) < 80


def test_bursty_loss_has_the_asked_rate_and_mean_burst(net):
    a, b = net["a"], net["b"]
    n, p, burst = 4000, 0.10, 4.0
    a.impair(loss=p, loss_burst=burst, direction="out", seed=4)
    flow = Flow(a, b)
    try:
        flow.send(n)
        flow.settle()
    finally:
        flow.close()
    arrived = {seq for seq, _ in flow.got}
    runs, run = [], 0
    for i in range(n):
        if i in arrived:
            if run:
                runs.append(run)
            run = 0
        else:
            run += 1
    if run:
        runs.append(run)
    lost = n - len(arrived)
    assert 0.05 * n < lost < 0.15 * n  # bursts make the count far noisier than binomial
    assert 2.5 < statistics.mean(runs) < 6.0
    assert lost == a.stats()["out"]["lost"]


def tcp_echo_server(host) -> tuple[socket.socket, tuple[str, int]]:
    srv = host.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host.addr, 0))
    srv.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return

            def echo(c=conn) -> None:
                with c:
                    while data := c.recv(4096):
                        c.sendall(data)
            threading.Thread(target=echo, daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return srv, srv.getsockname()


def tcp_connect(host, addr, timeout: float) -> socket.socket:
    c = host.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.settimeout(timeout)
    c.connect(addr)
    return c


def test_outage_blocks_tcp_and_udp_and_lifting_it_restores_them(net):
    a, b = net["a"], net["b"]
    srv, addr = tcp_echo_server(b)
    established = tcp_connect(a, addr, 2.0)
    established.sendall(b"before")
    assert established.recv(100) == b"before"
    flow = Flow(a, b)
    try:
        with b.cut():
            flow.send(50, gap=0.001)
            with pytest.raises(OSError):  # timeout: SYNs vanish
                tcp_connect(a, addr, 0.5)
            established.settimeout(0.5)
            established.sendall(b"during")  # queued by TCP, retransmitted after the cut
            with pytest.raises(socket.timeout):
                established.recv(100)
            time.sleep(0.2)
            assert flow.got == [], "nothing crosses an outage"
        assert b.stats()["in"]["cut"] >= 50
        flow.send(50, gap=0.001)
        flow.settle(0.2)
        assert len(flow.got) == 50
        established.settimeout(5.0)
        assert established.recv(100) == b"during"
        fresh = tcp_connect(a, addr, 2.0)
        fresh.sendall(b"after")
        assert fresh.recv(100) == b"after"
        fresh.close()
    finally:
        flow.close()
        established.close()
        srv.close()


def test_outage_keeps_other_settings_and_drops_packets_in_flight(net):
    a, b = net["a"], net["b"]
    a.impair(delay_ms=300, direction="out")
    flow = Flow(a, b)
    try:
        flow.send(20, gap=0.001)      # all 20 still in flight when the cut comes
        a.outage(True, direction="out")
        a.outage(False, direction="out")
        flow.send(10, gap=0.001)
        flow.settle(0.5)
    finally:
        flow.close()
    assert sorted(seq for seq, _ in flow.got) == list(range(10))  # only the second batch
    assert min(flow.delays_ms) > 290                              # still delayed after the outage
    assert a.settings["out"] == Impairment(delay_ms=300)
    assert a.stats()["out"]["cut"] == 20


def test_clear_removes_the_rule_and_the_added_delay(net):
    a, b = net["a"], net["b"]
    a.impair(delay_ms=50)
    rules = net.hosts["a"].topology
    a.clear()
    out = subprocess.run(["ip", "netns", "exec", rules.router_ns, "iptables", "-t", "mangle", "-S"],
                         capture_output=True, text=True, check=True).stdout
    assert "NFQUEUE" not in out
    flow = Flow(a, b)
    try:
        flow.send(20, gap=0.002)
        flow.settle(0.1)
    finally:
        flow.close()
    assert len(flow.got) == 20 and max(flow.delays_ms) < 20


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        Impairment(loss=1.5)
    with pytest.raises(ValueError):
        Impairment(distribution="pareto")
    with pytest.raises(ValueError):
        Impairment(loss_burst=0.5)


def test_teardown_leaves_no_namespace_rule_or_process(harness_ready):
    with pytest.raises(RuntimeError, match="boom"):
        with Topology(["x", "y"], grace=0.5) as topo:
            tag = topo.tag
            sleeper = topo["x"].popen(["sleep", "600"])
            ignorer = topo["y"].popen(["sh", "-c", "trap '' TERM; sleep 600"])
            topo["x"].impair(delay_ms=10, loss=0.1)
            impairer = topo._impairer.proc
            assert len(netimpair.leftovers(tag)) == 3
            raise RuntimeError("boom")
    assert netimpair.leftovers(tag) == []
    for p in (sleeper, ignorer, impairer):
        assert p.poll() is not None


def test_cleanup_removes_what_a_killed_run_left(harness_ready):
    code = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(REPO)!r})
        from bench.netimpair import Topology
        t = Topology(["orphan"])
        p = t["orphan"].popen(["sleep", "600"])
        t["orphan"].impair(delay_ms=5)
        print(t.tag, p.pid, t._impairer.proc.pid, flush=True)
        time.sleep(600)
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    tag, sleeper, impairer = child.stdout.readline().split()
    child.send_signal(signal.SIGKILL)  # no atexit, no finally: the harshest crash
    child.wait(10)
    assert len(netimpair.leftovers(tag)) == 2
    removed = netimpair.cleanup()
    assert sorted(removed) == sorted(f"{tag}{n}" for n in ("orphan", "_router"))
    assert netimpair.leftovers(tag) == []
    time.sleep(0.5)  # the impairer quits on end of stdin by itself; the sleeper was killed
    for pid in (int(sleeper), int(impairer)):
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_a_dead_impairer_is_reported_not_hidden(net):
    a = net["a"]
    a.impair(delay_ms=1)
    os.kill(net._impairer.proc.pid, signal.SIGKILL)
    net._impairer.proc.wait(5)
    with pytest.raises(NetImpairError, match="impairer exited"):
        net.check()
    with pytest.raises(NetImpairError, match="impairer exited"):
        a.impair(delay_ms=2)


def test_aiortc_data_channel_between_hosts_keeps_working_over_an_impaired_link(harness_ready):
    """A real aiortc peer connection (ICE host candidates on the veth addresses, no STUN) between
    two hosts: connects, then exchanges messages through 40 ± 10 ms and 2 % loss each way."""
    from bench.netimpair_rtc import run

    r = run("clean:1,impaired:4", say=lambda _: None)
    booth_addr, console_addr = "10.77.1.2", "10.77.2.2"
    assert r["candidates"] and all(c.startswith("host ") and booth_addr in c for c in r["candidates"])
    if r["pair"]:  # read from aioice internals: informative, absent if they change
        assert r["pair"][0].startswith(booth_addr) and r["pair"][1].startswith(console_addr)
    assert r["final_state"] == "connected" and "failed" not in r["states"]
    assert r["reliable_sent"] > 150
    assert r["reliable_echoed"] == r["reliable_sent"] and r["in_order"]
    clean, impaired = r["phases"]
    assert clean["rtt_median_ms"] < 20
    assert 70 < impaired["rtt_median_ms"] < 120  # 2 x (40 ± 10) ms, plus retransmissions' share
    assert impaired["reliable_echoed"] > 0.7 * impaired["reliable_sent"]
    stats = r["stats"]
    assert stats["out"]["lost"] > 0 and stats["in"]["lost"] > 0  # the loss was real
