"""Network-impairment harness: named hosts in network namespaces, impaired links, outages.

A :class:`Topology` is a small branch LAN on this machine: one network namespace per named
host, each joined by a veth pair to one router namespace (the branch switch's stand-in). A host
runs commands and processes (``ip netns exec``), and each host's link can be impaired per
direction, at run time, with delay, jitter (reordering), random or bursty loss, and an outage
switch. The impairer is :mod:`bench.impairer`, an NFQUEUE program in the router namespace
(this kernel has no ``sch_netem``). Nothing is done in the machine's own namespace: every
interface, address, route and iptables rule lives in the topology's namespaces and goes with
them. See ``docs/netimpair.md``.

Example (``docs/netimpair.md`` has a runnable one)::

    from bench.netimpair import Topology

    with Topology(["server", "client"]) as net:
        server, client = net["server"], net["client"]
        server.python(["-m", "http.server", "--bind", server.addr, "8000"])
        time.sleep(1)                                         # let it bind
        server.impair(delay_ms=40, jitter_ms=10, loss=0.02)   # both directions of server's link
        client.run(["python3", "-c", f"import urllib.request as u; u.urlopen('http://{server.addr}:8000/')"])
        with server.cut():                                    # outage: drop everything
            time.sleep(5)
        print(server.stats())
    # namespaces, rules, the impairer and every process started in a host are gone here

Needs root, ``ip`` (iproute2), ``iptables`` and the ``NetfilterQueue`` Python package;
:func:`unavailable_reason` names what is missing. ``./dev test`` installs all of them.

Naming: namespaces are ``lpk-<pid>-<n>-<host>`` (and ``lpk-<pid>-<n>-_router``), ``<pid>``
being the process that made them, so :func:`cleanup` (run by every new :class:`Topology`, or
``python -m bench.netimpair cleanup``) removes those of dead processes, i.e. of crashed runs,
and never those of a run still going.
"""
from __future__ import annotations

import atexit
import contextlib
import ctypes
import dataclasses
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Iterable, Iterator, Sequence

PREFIX = "lpk-"
ROUTER = "_router"
HOST_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,11}$")  # router-side interface "v-<name>" <= 15 chars
NS_NAME = re.compile(r"^lpk-(\d+)-(\d+)-")
REPO = Path(__file__).resolve().parents[1]
IMPAIRER = Path(__file__).resolve().with_name("impairer.py")
SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
CLONE_NEWNET = 0x40000000
DIRECTIONS = ("out", "in")


class NetImpairError(RuntimeError):
    """A command of the harness failed, or the impairer died."""


def _tool(name: str) -> str | None:
    return shutil.which(name, path=SBIN_PATH)


def _sh(args: Sequence[str], *, check: bool = True, timeout: float = 20.0) -> subprocess.CompletedProcess:
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise NetImpairError(f"{' '.join(args)} -> exit {p.returncode}: {(p.stderr or p.stdout).strip()}")
    return p


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return _sh([_tool("ip") or "ip", *args], check=check)


# ---------------------------------------------------------------------------------------------
# Availability and stale-run cleanup


_REASON: list[str | None] = []


def unavailable_reason() -> str | None:
    """None when the harness can run here, else one sentence naming what is missing.

    Checks root, ``ip``, ``iptables``, the ``NetfilterQueue`` package, and then really creates a
    namespace, a veth pair and an ``NFQUEUE`` rule in it (and removes them). Cached per process.
    """
    if _REASON:
        return _REASON[0]
    _REASON.append(_probe())
    return _REASON[0]


def _probe() -> str | None:
    if sys.platform != "linux":
        return "needs Linux network namespaces"
    if os.geteuid() != 0:
        return "needs root (network namespaces, veth pairs and iptables rules)"
    if not _tool("ip"):
        return "'ip' not found (Debian package iproute2)"
    if not _tool("iptables"):
        return "'iptables' not found (Debian package iptables)"
    try:
        import netfilterqueue  # noqa: F401
    except ImportError as e:
        return (f"Python package NetfilterQueue not importable ({e}); "
                "./dev installs it (extra 'netem', needs Debian's libnetfilter-queue-dev)")
    ns = f"{PREFIX}{os.getpid()}-0-_probe"
    try:
        p = _ip("netns", "add", ns, check=False)
        if p.returncode != 0:
            return f"cannot create a network namespace: {p.stderr.strip()}"
        p = _ip("-n", ns, "link", "add", "name", "lpk-a", "type", "veth", "peer", "name", "lpk-b", check=False)
        if p.returncode != 0:
            return f"cannot create a veth pair: {p.stderr.strip()}"
        p = _sh([_tool("ip"), "netns", "exec", ns, _tool("iptables"), "-w", "5", "-t", "mangle",
                 "-A", "PREROUTING", "-j", "NFQUEUE", "--queue-num", "0"], check=False)
        if p.returncode != 0:
            return f"iptables NFQUEUE target unavailable: {p.stderr.strip()}"
        return None
    finally:
        _ip("netns", "del", ns, check=False)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _namespaces() -> list[str]:
    p = _ip("netns", "list", check=False)
    return [line.split()[0] for line in p.stdout.splitlines() if line.strip()]


def _kill_ns_processes(ns: str) -> None:
    """SIGKILL every process living in namespace ``ns`` (all of them are the harness's own)."""
    for _ in range(3):
        pids = [int(x) for x in _ip("netns", "pids", ns, check=False).stdout.split() if x.isdigit()]
        pids = [p for p in pids if p != os.getpid()]
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def cleanup(everything: bool = False) -> list[str]:
    """Remove the harness's namespaces left by runs whose process is gone (a crash, a SIGKILL),
    with every process still inside them; with ``everything``, those of live runs too (never
    do that while another run is going). Returns the names removed. Never touches a namespace
    without the ``lpk-`` prefix and the ``<pid>-<n>-`` tag."""
    removed = []
    for ns in _namespaces():
        m = NS_NAME.match(ns)
        if not m:
            continue
        pid = int(m.group(1))
        if not everything and (pid == os.getpid() or _pid_alive(pid)):
            continue
        _kill_ns_processes(ns)
        if _ip("netns", "del", ns, check=False).returncode == 0:
            removed.append(ns)
    return removed


# ---------------------------------------------------------------------------------------------
# Impairment settings


@dataclasses.dataclass(frozen=True)
class Impairment:
    """What one direction of a link does to packets.

    * ``delay_ms``: fixed one-way delay added to each packet.
    * ``jitter_ms``: per-packet random spread around ``delay_ms``; ``distribution`` ``"uniform"``
      (default, as netem: evenly over ``delay ± jitter``) or ``"normal"`` (standard deviation
      ``jitter``); never below 0. Independent draws reorder packets unless ``reorder=False``
      (then a packet never overtakes the one ahead of it).
    * ``loss``: long-run fraction of packets dropped. Independent per packet when
      ``loss_burst`` is 1 (default); with ``loss_burst`` > 1, a Gilbert chain whose mean run of
      consecutive losses is ``loss_burst`` packets.
    * ``rate_mbit``: a bottleneck of that many Mbit/s (0: none) with a drop-tail queue of
      ``queue_ms`` milliseconds; the delay is added after it.
    * ``outage``: drop everything, including the packets in flight when it starts.
    * ``seed``: seeds the random draws (reproducible runs); None draws a fresh seed.
    """

    delay_ms: float = 0.0
    jitter_ms: float = 0.0
    distribution: str = "uniform"
    loss: float = 0.0
    loss_burst: float = 1.0
    reorder: bool = True
    rate_mbit: float = 0.0
    queue_ms: float = 100.0
    outage: bool = False
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.delay_ms < 0 or self.jitter_ms < 0:
            raise ValueError("delay_ms and jitter_ms must be >= 0")
        if self.distribution not in ("uniform", "normal"):
            raise ValueError("distribution must be 'uniform' or 'normal'")
        if not 0.0 <= self.loss <= 1.0:
            raise ValueError("loss must be within [0, 1]")
        if self.loss_burst < 1.0:
            raise ValueError("loss_burst is a mean run length in packets, >= 1")
        if self.rate_mbit < 0 or self.queue_ms < 0:
            raise ValueError("rate_mbit and queue_ms must be >= 0")

    @property
    def is_clean(self) -> bool:
        return self == Impairment(seed=self.seed)


# ---------------------------------------------------------------------------------------------
# The impairer process


class _Impairer:
    """The NFQUEUE program in the router namespace and its control pipe (JSON lines)."""

    def __init__(self, router_ns: str, scheduling: str) -> None:
        self.proc = subprocess.Popen(
            [_tool("ip"), "netns", "exec", router_ns, sys.executable, "-u", str(IMPAIRER), scheduling],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, bufsize=0)
        self.lock = threading.Lock()
        self._stderr: list[str] = []
        self._buf = b""
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        hello = self._readline(10.0)
        self.scheduling = hello.get("scheduling", "?")

    def _drain_stderr(self) -> None:
        for line in self.proc.stderr:
            self._stderr.append(line.decode(errors="replace").rstrip())
            del self._stderr[:-50]

    def _died(self) -> NetImpairError:
        time.sleep(0.1)
        return NetImpairError(f"the impairer exited (code {self.proc.poll()}): "
                              + " | ".join(self._stderr[-10:]))

    def _readline(self, timeout: float) -> dict:
        import select
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            r, _, _ = select.select([fd], [], [], max(0.0, left))
            if not r:
                raise NetImpairError(f"the impairer did not answer within {timeout} s")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise self._died()
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, **msg) -> dict:
        with self.lock:
            if self.proc.poll() is not None:
                raise self._died()
            try:
                self.proc.stdin.write((json.dumps(msg) + "\n").encode())
                self.proc.stdin.flush()
            except BrokenPipeError:
                raise self._died() from None
            reply = self._readline(10.0)
        if not reply.get("ok"):
            raise NetImpairError(f"impairer refused {msg}: {reply.get('error')}")
        return reply

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(Exception):
                self.call(op="quit")
            try:
                self.proc.wait(2.0)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(2.0)
        for f in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(Exception):
                f.close()


# ---------------------------------------------------------------------------------------------
# Hosts and topology


_libc = None


def _setns(path: str) -> None:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({path}): {os.strerror(err)}")
    finally:
        os.close(fd)


def in_namespace(ns: str, fn, *args, **kwargs):
    """Call ``fn(*args, **kwargs)`` in a short-lived thread that has joined network namespace
    ``ns``; return its result. Sockets made there stay in ``ns`` for their whole life, so the
    calling process can use hosts' sockets without leaving its own namespace."""
    box: dict = {}

    def run() -> None:
        try:
            _setns(f"/run/netns/{ns}")
            box["value"] = fn(*args, **kwargs)
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller
            box["error"] = e

    t = threading.Thread(target=run, name=f"netns-{ns}")
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


class Host:
    """One named host of a :class:`Topology`: its own network namespace, one interface
    ``eth0`` with address :attr:`addr`, a default route via the router. Made by the topology."""

    def __init__(self, topo: "Topology", name: str, index: int) -> None:
        self.topology = topo
        self.name = name
        self.index = index
        self.ns = f"{topo.tag}{name}"
        self.addr = f"{topo.subnet}.{index}.2"
        self.router_addr = f"{topo.subnet}.{index}.1"
        self.router_if = f"v-{name}"
        self.queues = {"out": 2 * index, "in": 2 * index + 1}
        self.settings = {"out": Impairment(), "in": Impairment()}

    def __repr__(self) -> str:
        return f"<Host {self.name} {self.addr} ns={self.ns}>"

    # -- processes ------------------------------------------------------------------------------

    def command(self, args: Sequence[str]) -> list[str]:
        """``args`` prefixed so that they run in this host (``ip netns exec``)."""
        return [_tool("ip"), "netns", "exec", self.ns, *map(str, args)]

    def popen(self, args: Sequence[str], **kwargs) -> subprocess.Popen:
        """Start a process in this host (its own session, so it and its children can be killed
        together). The topology stops it at teardown (SIGTERM, then SIGKILL after ``grace``) if it is
        still running; stop it earlier yourself if you want its exit status."""
        kwargs.setdefault("start_new_session", True)
        p = subprocess.Popen(self.command(args), **kwargs)
        self.topology._procs.append(p)
        return p

    def python(self, args: Sequence[str], **kwargs) -> subprocess.Popen:
        """Start ``sys.executable *args`` in this host, with the repository on PYTHONPATH (so
        ``-m bench.something`` works from any directory)."""
        env = dict(kwargs.pop("env", None) or os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        return self.popen([sys.executable, *args], env=env, **kwargs)

    def run(self, args: Sequence[str], *, timeout: float = 30.0, check: bool = True,
            **kwargs) -> subprocess.CompletedProcess:
        """Run a command in this host to completion (captured text output by default)."""
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        p = subprocess.run(self.command(args), timeout=timeout, **kwargs)
        if check and p.returncode != 0:
            raise NetImpairError(f"{self.name}: {' '.join(map(str, args))} -> exit {p.returncode}: "
                                 f"{(p.stderr or p.stdout or '').strip()}")
        return p

    def socket(self, family: int = socket.AF_INET, type: int = socket.SOCK_DGRAM,
               proto: int = 0) -> socket.socket:
        """A socket of this host, made from the calling process (see :func:`in_namespace`)."""
        return in_namespace(self.ns, socket.socket, family, type, proto)

    def call(self, fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` run in this host's namespace (see :func:`in_namespace`)."""
        return in_namespace(self.ns, fn, *args, **kwargs)

    # -- impairment -------------------------------------------------------------------------------

    def _directions(self, direction: str) -> tuple[str, ...]:
        if direction == "both":
            return DIRECTIONS
        if direction not in DIRECTIONS:
            raise ValueError("direction is 'out' (sent by this host), 'in' (to it) or 'both'")
        return (direction,)

    def impair(self, impairment: Impairment | None = None, *, direction: str = "both",
               **fields) -> None:
        """Replace the impairment of this host's link: ``impair(delay_ms=40, jitter_ms=10,
        loss=0.02)`` or ``impair(Impairment(...))``. ``direction``: ``"out"`` (packets this
        host sends), ``"in"`` (packets to it) or ``"both"``. Takes effect for packets arriving
        from now on (those in flight keep their due time)."""
        imp = impairment if impairment is not None else Impairment(**fields)
        if impairment is not None and fields:
            imp = dataclasses.replace(impairment, **fields)
        for d in self._directions(direction):
            self.topology._apply(self, d, imp)

    def outage(self, on: bool = True, *, direction: str = "both") -> None:
        """Switch this host's link off (``on=True``: every packet dropped, including those in
        flight) or back on; the other settings stay as they are."""
        for d in self._directions(direction):
            self.topology._apply(self, d, dataclasses.replace(self.settings[d], outage=on))

    @contextlib.contextmanager
    def cut(self, *, direction: str = "both") -> Iterator["Host"]:
        """``with host.cut(): ...``: an outage for the duration of the block."""
        self.outage(True, direction=direction)
        try:
            yield self
        finally:
            if self.topology.alive:
                self.outage(False, direction=direction)

    def clear(self, *, direction: str = "both") -> None:
        """No impairment at all: packets of this link no longer go through the impairer."""
        for d in self._directions(direction):
            self.topology._apply(self, d, Impairment())

    def stats(self) -> dict:
        """Per direction: packets the impairer received, delivered, lost (random loss) and cut
        (outage), and the kernel's own drop counters for the queue (``queue_dropped``: queue
        full; ``user_dropped``: the impairer's socket overflowed; both should stay 0)."""
        s = self.topology.impairer_stats()["queues"]
        return {d: s.get(str(q), {}) for d, q in self.queues.items()}


_LIVE: "weakref.WeakSet[Topology]" = weakref.WeakSet()
_COUNTER = [0]


class Topology:
    """Named hosts, each in its own network namespace, each joined to one router namespace by
    a veth pair: host ``i`` (1-based, in the order given) is ``<subnet>.i.2/24`` on its ``eth0``,
    the router ``<subnet>.i.1`` on ``v-<name>``. Hosts reach each other through the router.

    A context manager; :meth:`close` (also run at interpreter exit) stops every process started
    in a host, the impairer, and deletes the namespaces (and with them every interface and
    iptables rule). Hosts have IPv6 switched off, so every packet between them is IPv4 and
    passes the router's impairable links.

    ``scheduling``: how the impairer runs, ``"realtime"`` (default: SCHED_FIFO when allowed,
    else nice -10), ``"high"`` (nice -10) or ``"normal"``. ``grace``: seconds a host's process
    gets between SIGTERM and SIGKILL at teardown. ``clean_stale``: first remove what crashed
    runs left (:func:`cleanup`).
    """

    def __init__(self, hosts: Iterable[str], *, subnet: str = "10.77",
                 scheduling: str = "realtime", clean_stale: bool = True, grace: float = 3.0) -> None:
        names = list(hosts)
        if not names:
            raise ValueError("a topology needs at least one host")
        for n in names:
            if not HOST_NAME.match(n):
                raise ValueError(f"host name {n!r}: 1-12 of a-z 0-9 -, starting with a letter or digit")
        if len(set(names)) != len(names):
            raise ValueError("host names must be unique")
        if len(names) > 250:
            raise ValueError("at most 250 hosts")
        if not re.fullmatch(r"\d{1,3}\.\d{1,3}", subnet):
            raise ValueError("subnet is the first two octets, e.g. '10.77'")
        reason = unavailable_reason()
        if reason:
            raise NetImpairError(f"network impairment unavailable: {reason}")
        if clean_stale:
            cleanup()
        _COUNTER[0] += 1
        self.tag = f"{PREFIX}{os.getpid()}-{_COUNTER[0]}-"
        self.subnet = subnet
        self.router_ns = f"{self.tag}{ROUTER}"
        self.hosts: dict[str, Host] = {n: Host(self, n, i) for i, n in enumerate(names, start=1)}
        self._procs: list[subprocess.Popen] = []
        self._rules: set[tuple[str, str]] = set()
        self._impairer: _Impairer | None = None
        self._scheduling = scheduling
        self._grace = grace
        self._lock = threading.RLock()
        self.alive = True
        _LIVE.add(self)
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    # -- building -------------------------------------------------------------------------------

    def _namespaces(self) -> list[str]:
        return [h.ns for h in self.hosts.values()] + [self.router_ns]

    def _build(self) -> None:
        ip, r = _tool("ip"), self.router_ns
        script = [f"{ip} netns add {r}",
                  f"{ip} netns exec {r} sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.disable_ipv6=1"
                  " net.ipv6.conf.default.disable_ipv6=1",
                  f"{ip} -n {r} link set lo up"]
        for h in self.hosts.values():
            script += [
                f"{ip} netns add {h.ns}",
                f"{ip} netns exec {h.ns} sysctl -qw net.ipv6.conf.all.disable_ipv6=1"
                " net.ipv6.conf.default.disable_ipv6=1",
                f"{ip} -n {r} link add name {h.router_if} type veth peer name eth0 netns {h.ns}",
                f"{ip} -n {r} addr add {h.router_addr}/24 dev {h.router_if}",
                f"{ip} -n {r} link set {h.router_if} up",
                f"{ip} -n {h.ns} link set lo up",
                f"{ip} -n {h.ns} addr add {h.addr}/24 dev eth0",
                f"{ip} -n {h.ns} link set eth0 up",
                f"{ip} -n {h.ns} route add default via {h.router_addr}",
            ]
        p = subprocess.run(["sh", "-ec", "\n".join(script)], capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise NetImpairError(f"building the topology failed: {p.stderr.strip()}")

    def __getitem__(self, name: str) -> Host:
        return self.hosts[name]

    def __iter__(self) -> Iterator[Host]:
        return iter(self.hosts.values())

    def __enter__(self) -> "Topology":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Topology {self.tag}* {list(self.hosts)}>"

    # -- impairment -------------------------------------------------------------------------------

    def _iptables(self, action: str, host: Host, direction: str) -> None:
        if direction == "out":   # from the host: arrives on v-<name>, queued before routing
            match = ["-A" if action == "add" else "-D", "PREROUTING", "-i", host.router_if]
        else:                    # to the host: leaves on v-<name>, queued after routing
            match = ["-A" if action == "add" else "-D", "POSTROUTING", "-o", host.router_if]
        _sh([_tool("ip"), "netns", "exec", self.router_ns, _tool("iptables"), "-w", "5",
             "-t", "mangle", *match, "-j", "NFQUEUE", "--queue-num", str(host.queues[direction])])

    def _apply(self, host: Host, direction: str, imp: Impairment) -> None:
        with self._lock:
            if not self.alive:
                raise NetImpairError("topology already closed")
            key = (host.name, direction)
            if imp.is_clean and key not in self._rules:
                host.settings[direction] = imp
                return
            if self._impairer is None:
                self._impairer = _Impairer(self.router_ns, self._scheduling)
            fields = dataclasses.asdict(imp)
            self._impairer.call(op="set", queue=host.queues[direction], **fields)
            if imp.is_clean:
                self._iptables("del", host, direction)
                self._rules.discard(key)
            elif key not in self._rules:
                self._iptables("add", host, direction)
                self._rules.add(key)
            host.settings[direction] = imp

    def impairer_stats(self) -> dict:
        """The impairer's whole report: per queue counters, packets in flight, its own lateness
        (release time minus due time: mean, max, histogram), CPU seconds, scheduling."""
        with self._lock:
            if self._impairer is None:
                return {"queues": {}, "in_flight": 0, "late": {}, "cpu_s": 0.0, "scheduling": None}
            reply = self._impairer.call(op="stats")
        reply.pop("ok", None)
        return reply

    def check(self) -> None:
        """Raise :class:`NetImpairError` if the impairer has died (links through it would be
        black holes: the NFQUEUE rules have no bypass, on purpose)."""
        if self._impairer is not None and not self._impairer.alive():
            raise self._impairer._died()

    # -- teardown ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop every process started in a host (SIGTERM to its session, SIGKILL after ``grace``),
        then anything else left inside the namespaces, the impairer, and delete the namespaces.
        Idempotent; safe after a partial build."""
        with self._lock:
            if not self.alive:
                return
            self.alive = False
        _LIVE.discard(self)
        for p in self._procs:
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + self._grace
        for p in self._procs:
            try:
                p.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(p.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    p.wait(2.0)
        existing = set(_namespaces())
        for ns in self._namespaces():
            if ns in existing and ns != self.router_ns:
                _kill_ns_processes(ns)
        if self._impairer is not None:
            self._impairer.close()
        for ns in self._namespaces():
            if ns in existing:
                _kill_ns_processes(ns)
                _ip("netns", "del", ns, check=False)


@atexit.register
def _close_all() -> None:
    for topo in list(_LIVE):
        with contextlib.suppress(Exception):
            topo.close()


def leftovers(tag: str = PREFIX) -> list[str]:
    """Namespaces whose name starts with ``tag`` that exist now (for tests of teardown)."""
    return [ns for ns in _namespaces() if ns.startswith(tag)]


def main(argv: list[str] | None = None) -> int:
    import argparse
    ap = argparse.ArgumentParser(prog="python -m bench.netimpair", description="harness utilities")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cleanup", help="remove namespaces of crashed runs (and their processes)")
    c.add_argument("--all", action="store_true", help="also those of runs still going")
    sub.add_parser("check", help="say whether the harness can run here, and if not why")
    args = ap.parse_args(argv)
    if args.cmd == "check":
        reason = unavailable_reason()
        print(reason or "ok: namespaces, veth, iptables NFQUEUE and NetfilterQueue all work")
        return 1 if reason else 0
    removed = cleanup(everything=args.all)
    print("\n".join(removed) if removed else "nothing to remove")
    return 0


if __name__ == "__main__":
    sys.exit(main())
