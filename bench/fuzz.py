"""Fuzz the branch server inside live sessions, and the data-channel control messages.

Wire fuzz: a real ``lapak signaling`` server (its own process, its log in a file) and raw
WebSocket connections of one booth and one CSO with an accepted session between them, a
technician, both devices' stills connections, and strangers that have not said hello. Each
case is a short batch of generated frames of every client message type (mostly well formed,
then bent: wrong types, missing and extra fields, lone UTF-16 surrogates, integer literals of
5,000 digits, objects 300 deep, NaN, binary frames) sent on those connections, the live
session's id in most of them. After each batch a sentinel request on every connection used
makes sure every answer is in; then the case is checked:

* every request with a readable ``id`` got exactly one answer carrying it as ``ref``;
* every answer is a valid server message, none an ``internal`` error;
* every relayed signal is one the other end sent, unchanged, and every acknowledged signal
  arrived;
* no main connection was closed; a stranger gets one error and a close.

At the end the server's log is searched for tracebacks and errors. Control fuzz: generated
data-channel messages through :func:`media.control.parse_control` (pure): each is parsed or
refused with :class:`media.errors.ControlRefused`, and whatever parses encodes back to itself.

    .venv/bin/python -m bench.fuzz                     # 10,000 wire cases + 10,000 control cases
    .venv/bin/python -m bench.fuzz --cases 500 --control-cases 500 --seed 7
    .venv/bin/python -m bench.fuzz --write             # and the figures into BENCHMARKS.md

``tests/integration/test_signaling_fuzz.py`` runs the same driver with fewer cases against an
in-process server.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from common.documents import DocumentKind, RejectReason, Verdict
from signaling import protocol as p

ROOT = Path(__file__).resolve().parents[1]
WAIT = 10.0
"""Seconds any one answer may take (a loaded 2-core machine)."""

# ----------------------------------------------------------------------------- generated frames

BIGINT = "1" * 5000
DEEP = '{"a":' * 300 + "1" + "}" * 300
SURROGATES = ["\ud800", "\udfff", "\udbff", "\udc00"]
CONNECTIONS = ["booth", "cso", "technician", "booth_stills", "cso_stills", "stranger"]

_text = st.text(max_size=24)
_surrogate_text = st.builds(lambda a, s, b: a + s + b, st.text(max_size=4), st.sampled_from(SURROGATES),
                            st.text(max_size=4))
_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-2**70, 2**70),
    st.floats(allow_nan=True, allow_infinity=True), _text, _surrogate_text,
    st.sampled_from(["$BIGINT", "$DEEP", "", "x" * 70, "$SID", "$ID"]),
)
_key = st.one_of(_text, _text, _text, _text, _surrogate_text)
junk = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(_key, inner, max_size=3), max_leaves=8)
"""Any JSON value, with the values that used to kill a handler among its leaves."""


def _one_of(*values, extra=None):
    """One of ``values`` mostly; now and then ``extra`` (when given) or any JSON value at all."""
    choices = [st.sampled_from(list(values)), junk] + ([extra] if extra is not None else [])
    weights = [0] * 8 + [1] + ([2] if extra is not None else [])
    return st.sampled_from(weights).flatmap(lambda i: choices[i])


_hex64 = st.binary(min_size=32, max_size=32).map(lambda b: b.hex())
_fine = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)
"""Any JSON value a signal payload may carry."""
_payloads = [
    st.fixed_dictionaries({"kind": st.sampled_from(["offer", "answer", "bye"]), "sdp": st.text(max_size=200)}),
    st.dictionaries(st.sampled_from(["kind", "sdp", "candidate", "t"]) | st.text(max_size=8), _fine, max_size=4),
    st.dictionaries(st.sampled_from(["kind", "sdp", "candidate", "t"]) | _key, junk, max_size=4),
    st.just("$DEEP"), junk,
]
_payload = st.sampled_from([0, 0, 0, 1, 1, 1, 2, 3, 4, 0, 1]).flatmap(lambda i: _payloads[i])
_still = st.sampled_from([0] * 9 + [1]).flatmap(lambda i: [st.fixed_dictionaries(
    {"session_id": _one_of("$SID", "$SID", "$SID", "nope"), "request_id": _one_of("r1", "r2"),
     "document": _one_of(*[d.value for d in DocumentKind]), "sha256": _one_of("$SHA", extra=_hex64),
     "size": _one_of("$SIZE", "$SIZE", "$SIZE", 1, 0, 2**40), "width": _one_of(640, 1, 20000),
     "height": _one_of(480, 0)},
    optional={"mime": _one_of("image/png", "image/webp", "image/jpeg"),
              "corners": _one_of([[0, 0], [1, 0], [1, 1], [0, 1]], [[0, 0]])},
), junk][i])
FIELDS: dict[str, Any] = {
    "id": st.sampled_from(["$ID"] * 9 + ["junk"]).flatmap(lambda v: junk if v == "junk" else st.just(v)),
    "session_id": _one_of("$SID", "$SID", "$SID", "$SID", "nope"),
    "payload": _payload,
    "kind": _one_of("walk_in", "booking"),
    "booking_code": _one_of("BK-1", "NOPE", extra=_text),
    "code": _one_of("BK-1", "NOPE", extra=_text),
    "language": _one_of("id", "en"),
    "outcome": _one_of(*[o.value for o in p.Outcome]),
    "note": _text | junk,
    "reason": _one_of(*[r.value for r in RejectReason], extra=_text),
    "to_cso": _one_of("cso-01", "cso-02", "booth-01"),
    "document": _one_of(*[d.value for d in DocumentKind]),
    "verdict": _one_of(*[v.value for v in Verdict]),
    "still_sha256": _one_of("$SHA", extra=_hex64),
    "sha256": _one_of("$SHA", extra=_hex64),
    "still": _still,
    "offset": _one_of(0, 1, "$SIZE", extra=st.integers(-5, 5000)),
    "length": _one_of("$SIZE", 1, extra=st.integers(-5, 5000)),
    "parity": _one_of(None, 1, "$SIZE", extra=st.integers(-5, 5000)),
    "role": _one_of("booth", "cso", "technician", "admin"),
    "device_id": _one_of("booth-01", "cso-01", "tech-01", "ghost"),
    "token": _one_of("x" * 24, extra=_text),
    "version": _one_of(p.PROTOCOL_VERSION, 1, "$BIGINT"),
    "channel": _one_of("main", "stills"),
}
MODELS = {m.model_fields["type"].default: m for m in (
    p.Hello, p.CheckBooking, p.Announce, p.Cancel, p.Accept, p.Hold, p.Unhold, p.Transfer, p.End, p.Decision,
    p.Signal, p.StillPut, p.StillGet)}

KINDS = sorted(MODELS) + ["signal"] * 10 + ["decision", "still_put", "still_get"] * 2
"""Message types to draw from; relays within the live session weigh most."""


@st.composite
def messages(draw, kinds: list[str] = KINDS) -> dict:
    """One client message of one of ``kinds``: its fields mostly plausible, some missing, bent or extra."""
    kind = draw(st.sampled_from(kinds))
    model = MODELS[kind]
    msg: dict[str, Any] = {"type": kind}
    for name in model.model_fields:
        if name == "type":
            continue
        how = draw(_FIELD_FATE)
        if how == "left out":  # required or not
            continue
        msg[name] = draw(junk if how == "junk" else FIELDS.get(name, junk))
    if draw(_ONE_IN_TWENTY):
        msg[draw(_key)] = draw(junk)
    if draw(_ONE_IN_TWENTY):
        msg["type"] = draw(junk)
    return msg


# Hypothesis draws small integers near their bounds far more often than in between: weighted
# choices are made from lists instead.
_FIELD_FATE = st.sampled_from(["plausible"] * 18 + ["left out", "junk"])
_ONE_IN_TWENTY = st.sampled_from([True] + [False] * 19)


@dataclass
class Frame:
    """One generated frame and where it goes.

    Args:
        conn: which connection sends it (one of :data:`CONNECTIONS`).
        body: a message (to be encoded, placeholders filled), or raw text / bytes.
        parts: binary frames sent right after it (a still_put's bytes).
    """

    conn: str
    body: dict | str | bytes
    parts: list[bytes] = field(default_factory=list)


def _frames(conns: list[str], kinds: list[str] = KINDS, raw: bool = False):
    body = st.one_of(messages(kinds), junk.map(lambda v: {"v": v}) | _text, st.binary(max_size=200)) if raw \
        else messages(kinds)
    return st.builds(Frame, conn=st.sampled_from(conns), body=body,
                     parts=st.lists(st.binary(min_size=1, max_size=1500), max_size=3))


frames = st.one_of(
    # what each end of the live session would send, bent now and then
    _frames(["booth"], ["signal"] * 4 + ["check_booking", "announce", "cancel"]),
    _frames(["booth"], ["signal"] * 4 + ["check_booking", "announce", "cancel"]),
    _frames(["cso"], ["signal"] * 4 + ["accept", "hold", "unhold", "transfer", "end"] + ["decision"] * 3),
    _frames(["cso"], ["signal"] * 4 + ["accept", "hold", "unhold", "transfer", "end"] + ["decision"] * 3),
    _frames(["booth_stills"], ["still_put"]),
    _frames(["cso_stills"], ["still_get"]),
    # anything, anywhere: raw text, binary, any type on any connection, strangers
    _frames(CONNECTIONS[:5], raw=True),
    _frames(CONNECTIONS, raw=True),
)
cases = st.lists(frames, min_size=1, max_size=5)
"""One case: a short batch of frames."""


# ----------------------------------------------------------------------------- the driver


def readable_id(frame: str | bytes) -> str | None:
    """The request id the server must echo for ``frame``, when it has one."""
    if isinstance(frame, bytes):
        try:
            frame = frame.decode("utf-8")
        except UnicodeDecodeError:
            return None
    try:
        data = json.loads(frame, parse_int=lambda s: 0)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    rid = data.get("id")
    if not isinstance(rid, str) or not 1 <= len(rid) <= 64:
        return None
    try:
        rid.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return rid


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class Link:
    """One raw WebSocket connection and everything the server sent on it."""

    def __init__(self, name: str, ws):
        self.name = name
        self.ws = ws
        self.received: list[str | bytes] = []
        self.changed = asyncio.Event()
        self.closed: int | None = None
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.ws:
                self.received.append(raw)
                self.changed.set()
        except ConnectionClosed:
            pass
        self.closed = self.ws.close_code or 1006
        self.changed.set()

    def texts(self, start: int = 0) -> list[str]:
        return [m for m in self.received[start:] if isinstance(m, str)]

    async def wait_ref(self, ref: str, start: int = 0, timeout: float = WAIT) -> dict:
        """The answer carrying ``ref`` (from message ``start`` on)."""
        async def scan() -> dict:
            while True:
                for raw in self.texts(start):
                    m = json.loads(raw)
                    if m.get("ref") == ref:
                        return m
                if self.closed is not None:
                    raise ConnectionError(f"{self.name} closed ({self.closed}) before answering {ref}")
                self.changed.clear()
                await self.changed.wait()

        return await asyncio.wait_for(scan(), timeout)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(self.reader, 2)


@dataclass
class Tally:
    """What the fuzz saw."""

    cases: int = 0
    frames: int = 0
    with_id: int = 0
    answered_once: int = 0
    relayed: int = 0
    sessions_set_up: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    """answers to the generated requests, by type (errors by code)"""
    findings: list[str] = field(default_factory=list)

    def find(self, what: str) -> None:
        if len(self.findings) < 200:
            self.findings.append(what)


class Driver:
    """Keeps a live booth–CSO session on a running server and plays generated cases into it.

    Args:
        url: the server's ws:// URL.
        tokens: every device's token, keyed by (role, device_id).
    """

    booth_id, cso_id, tech_id = "booth-01", "cso-01", "tech-01"

    def __init__(self, url: str, tokens: dict[tuple[str, str], str]):
        self.url = url
        self.tokens = tokens
        self.links: dict[str, Link] = {}
        self.session: dict | None = None
        self.tally = Tally()
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------ connections

    async def _open(self, name: str) -> Link:
        from websockets.asyncio.client import connect

        role, device, channel = {
            "booth": ("booth", self.booth_id, "main"), "cso": ("cso", self.cso_id, "main"),
            "technician": ("technician", self.tech_id, "main"), "booth_stills": ("booth", self.booth_id, "stills"),
            "cso_stills": ("cso", self.cso_id, "stills")}[name]
        path = "/stills" if channel == "stills" else "/"
        # no keepalive pings: websockets draws their payload from `random`, which Hypothesis (in
        # another thread, generating the next case) takes for a strategy using it
        ws = await asyncio.wait_for(connect(self.url + path, compression=None, proxy=None, max_size=2**24,
                                            open_timeout=WAIT, ping_interval=None), WAIT)
        await ws.send(json.dumps({"type": "hello", "role": role, "device_id": device, "channel": channel,
                                  "token": self.tokens[(role, device)], "version": p.PROTOCOL_VERSION}))
        welcome = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        if welcome["type"] != "welcome":
            raise RuntimeError(f"{name} was not welcomed: {welcome}")
        link = Link(name, ws)
        if name == "booth":
            sessions = welcome.get("sessions") or []
            self.session = sessions[0] if sessions else None
        return link

    async def start(self) -> None:
        """Connect everyone (the CSO first, so the booth's session is offered at once)."""
        for name in ("cso", "booth", "technician", "booth_stills", "cso_stills"):
            self.links[name] = await self._open(name)

    async def stop(self) -> None:
        for link in self.links.values():
            await link.close()

    async def _reopen_closed(self) -> None:
        for name, link in list(self.links.items()):
            if link.closed is not None:
                self.tally.find(f"{name} connection was closed by the server (code {link.closed})")
                self.links[name] = await self._open(name)

    # ------------------------------------------------------------------ the live session

    def _track(self, start: dict[str, int]) -> None:
        """Follow the booth's session through what the booth was sent."""
        for raw in self.links["booth"].texts(start.get("booth", 0)):
            m = json.loads(raw)
            s = m.get("session") if m.get("type") in ("session", "ack") else None
            if s and s.get("booth_id") == self.booth_id:
                self.session = s

    async def _request(self, name: str, message: dict) -> dict:
        rid = f"setup-{next(self._ids)}"
        link = self.links[name]
        start = len(link.received)
        await link.ws.send(json.dumps({**message, "id": rid}))
        return await link.wait_ref(rid, start)

    async def ensure_active(self) -> None:
        """Bring the booth's session to active (with this CSO) if the last case ended or moved it."""
        for _ in range(6):
            s = self.session
            state = s and s["state"]
            if state in ("active", "held") and s.get("cso_id") == self.cso_id:
                return
            mark = {n: len(link.received) for n, link in self.links.items()}
            if state == "offered" and s.get("cso_id") == self.cso_id:
                answer = await self._request("cso", {"type": "accept", "session_id": s["id"]})
            elif state in ("waiting", "offered", "active", "held"):
                answer = await self._request("booth", {"type": "cancel"})
            else:
                answer = await self._request("booth", {"type": "announce", "kind": "walk_in"})
                self.tally.sessions_set_up += 1
            if answer["type"] == "ack" and answer.get("session"):
                self.session = answer["session"]
            elif answer["type"] == "error" and answer["code"] == "invalid_state" and state is None:
                self.session = {"state": "waiting"}  # a session this driver missed: cancel it next
            else:
                self._track(mark)
        raise RuntimeError(f"could not bring the session to active; it is {self.session}")

    # ------------------------------------------------------------------ one case

    def _render(self, frame: Frame) -> tuple[str | bytes, list[bytes]]:
        body, parts = frame.body, frame.parts
        if isinstance(body, bytes):
            return body, []
        text = json.dumps(body) if isinstance(body, dict) else body
        data = b"".join(parts)
        text = (text.replace('"$BIGINT"', BIGINT).replace('"$DEEP"', DEEP)
                .replace('"$SID"', json.dumps(self.session["id"] if self.session else "none"))
                .replace('"$SHA"', json.dumps(hashlib.sha256(data).hexdigest()))
                .replace('"$SIZE"', str(len(data))))
        text = re.sub(r'"\$ID"', lambda _: f'"f{next(self._ids)}"', text)
        sends_parts = isinstance(body, dict) and body.get("type") == "still_put"
        return text, (parts if sends_parts else [])

    async def run_case(self, batch: list[Frame]) -> None:
        """Send one batch, wait for every answer, check them."""
        t = self.tally
        await self._reopen_closed()
        await self.ensure_active()
        mark = {n: len(link.received) for n, link in self.links.items()}
        expected: dict[str, list[str]] = {n: [] for n in self.links}
        sent_signals: dict[str, list[Any]] = {"booth": [], "cso": []}
        acked_signal_ids: dict[str, dict[str, Any]] = {"booth": {}, "cso": {}}
        used = set()
        for frame in batch:
            text, parts = self._render(frame)
            t.frames += 1
            if frame.conn == "stranger":
                await self._stranger(text)
                continue
            link = self.links[frame.conn]
            used.add(frame.conn)
            try:
                await link.ws.send(text)
                for part in parts:
                    await link.ws.send(part)
            except Exception as exc:  # the connection went away under us: reported below
                t.find(f"sending on {frame.conn} failed: {exc!r}")
                continue
            stills = frame.conn.endswith("_stills")
            rid = None if (stills and isinstance(text, bytes)) else readable_id(text)
            if rid is not None:
                expected[frame.conn].append(rid)
            if frame.conn in sent_signals and isinstance(frame.body, dict) and frame.body.get("type") == "signal":
                with contextlib.suppress(ValueError, RecursionError):
                    payload = json.loads(text).get("payload") if isinstance(text, str) else None
                    sent_signals[frame.conn].append(payload)
                    if rid is not None:
                        acked_signal_ids[frame.conn][rid] = payload
        # Sentinels in an order that also flushes relays: booth, CSO, booth again.
        try:
            for name in ["booth", "cso", "booth", *sorted(used - {"booth", "cso"})]:
                link = self.links[name]
                ref = f"sentinel-{next(self._ids)}"
                probe = {"type": "still_get", "id": ref, "session_id": "none", "sha256": "0" * 64} \
                    if name.endswith("_stills") else {"type": "check_booking", "id": ref, "code": "NOPE"}
                await link.ws.send(json.dumps(probe))
                await link.wait_ref(ref, mark[name])
        except (asyncio.TimeoutError, ConnectionError, OSError) as exc:
            t.find(f"a sentinel went unanswered after {[(f.conn, str(f.body)[:80]) for f in batch]}: {exc!r}")
        self._track(mark)
        self._check(mark, expected, sent_signals, acked_signal_ids, batch)
        t.cases += 1

    def _check(self, mark, expected, sent_signals, acked_signal_ids, batch) -> None:
        t = self.tally
        for name, link in self.links.items():
            refs: dict[str, int] = {}
            acks: set[str] = set()
            relays: list[Any] = []
            for raw in link.texts(mark[name]):
                try:
                    msg = p.parse_server_message(raw)
                except p.ProtocolError as exc:
                    t.find(f"{name} got a message it cannot parse: {raw[:120]!r}: {exc}")
                    continue
                ref = getattr(msg, "ref", None)
                if ref is not None and not ref.startswith(("sentinel-", "setup-")):
                    refs[ref] = refs.get(ref, 0) + 1
                    what = f"error {msg.code.value}" if msg.type == "error" else msg.type
                    t.answers[what] = t.answers.get(what, 0) + 1
                    if msg.type == "ack":
                        acks.add(ref)
                if msg.type == "error" and msg.code is p.ErrorCode.INTERNAL:
                    t.find(f"{name} got an internal error: {msg.message} after {[str(f.body)[:80] for f in batch]}")
                if msg.type == "signal":
                    relays.append(msg.payload)
            want: dict[str, int] = {}
            for rid in expected.get(name, []):
                want[rid] = want.get(rid, 0) + 1
            t.with_id += len(expected.get(name, []))
            for rid, n in want.items():
                got = refs.get(rid, 0)
                if got == n:
                    t.answered_once += n
                else:
                    t.find(f"{name}: request {rid!r} sent {n}x, answered {got}x; batch "
                           f"{[(f.conn, str(f.body)[:100]) for f in batch]}")
            for rid in set(refs) - set(want):
                t.find(f"{name}: an answer to {rid!r}, which it never sent")
            if name in ("booth", "cso"):
                other = "cso" if name == "booth" else "booth"
                pool = list(sent_signals[other])
                for payload in relays:
                    if payload in pool:
                        pool.remove(payload)
                        t.relayed += 1
                    else:
                        t.find(f"{name} was relayed a signal nobody sent: {str(payload)[:120]}")
                for rid, payload in acked_signal_ids[other].items():
                    if rid in refs_of(self.links[other], mark[other], "ack") and payload not in relays:
                        t.find(f"{other}'s acknowledged signal {rid} never reached {name}")

    async def _stranger(self, text: str | bytes) -> None:
        """A connection that has not said hello: one error (with the id as ref) and a close."""
        from websockets.asyncio.client import connect

        t = self.tally
        try:
            ws = await asyncio.wait_for(connect(self.url, compression=None, proxy=None, open_timeout=WAIT,
                                                ping_interval=None), WAIT)
        except Exception as exc:
            t.find(f"a stranger could not connect: {exc!r}")
            return
        link = Link("stranger", ws)
        rid = readable_id(text)
        try:
            await ws.send(text)
            await asyncio.wait_for(link.reader, WAIT)
        except Exception as exc:
            t.find(f"a stranger's frame got no close: {exc!r}")
            await link.close()
            return
        got = [json.loads(m) for m in link.texts()]
        if rid is not None:
            t.with_id += 1
        kinds = [(m["type"], m.get("ref")) for m in got]
        if kinds == [("error", rid)] and link.closed in (4001, 4002, 4003):
            t.answered_once += rid is not None
        else:
            t.find(f"a stranger sending {str(text)[:100]!r} got {kinds} and close {link.closed}")


def refs_of(link: Link, start: int, kind: str) -> set[str]:
    out = set()
    for raw in link.texts(start):
        m = json.loads(raw)
        if m.get("type") == kind and "ref" in m:
            out.add(m["ref"])
    return out


# ----------------------------------------------------------------------------- running it


class LoopThread:
    """An asyncio loop in a thread of its own, so Hypothesis (synchronous) can drive it."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fuzz-loop", daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 6 * WAIT):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(WAIT)
        self.loop.close()


def fuzz_wire(driver: Driver, loop: LoopThread, count: int, seed: int | None = None) -> Tally:
    """Play ``count`` generated cases into ``driver``'s live session; returns the tally."""
    @settings(max_examples=count, deadline=None, database=None, derandomize=seed is None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(batch=cases)
    def case(batch):
        loop.run(driver.run_case(batch))

    if seed is not None:
        case = __import__("hypothesis").seed(seed)(case)
    case()
    return driver.tally


@dataclass
class ControlTally:
    cases: int = 0
    parsed: int = 0
    refused: int = 0
    findings: list[str] = field(default_factory=list)


def control_messages():
    """Data-channel control messages of every type, mostly plausible, some bent."""
    from media import control as ctl

    models = {m.model_fields["type"].default: m for m in ctl.FROM_CSO | ctl.FROM_BOOTH}
    quality = st.fixed_dictionaries({"width": _one_of(640, 0, 5000), "height": _one_of(480, -1),
                                     "fps": _one_of(30.0, 0.5, 61, extra=st.floats()),
                                     "max_kbps": _one_of(None, 120, 0)})
    values = {
        "seq": _one_of(1, 0, -1, extra=st.integers()), "sent_at": st.floats(),
        "text": _text | junk, "key": _one_of("greet", None), "request_id": _one_of("r1", "", "x" * 70),
        "document": _one_of(*[d.value for d in DocumentKind]), "verdict": _one_of(*[v.value for v in Verdict]),
        "reason": _one_of(*[r.value for r in RejectReason], extra=_text), "attempt": _one_of(1, 0, 101),
        "capture": _one_of("auto", "now"), "face": quality | st.none(), "document_": quality,
        "audio": st.booleans() | junk,
        "items": st.lists(st.fixed_dictionaries({"document": _one_of("ktp", "kk"),
                                                 "status": _one_of("needed", "verified", "lost")}), max_size=3) | junk,
        "devices": st.lists(st.fixed_dictionaries({"role": _one_of("camera", "printer"), "ok": st.booleans(),
                                                   "message": _text}), max_size=3) | junk,
    }

    @st.composite
    def one(draw):
        kind = draw(st.sampled_from(sorted(models)))
        msg: dict[str, Any] = {"type": kind}
        for name in models[kind].model_fields:
            how = draw(_FIELD_FATE)
            if name == "type" or how == "left out":
                continue
            key = "document_" if (kind == "quality" and name == "document") else name
            msg[name] = draw(junk if how == "junk" else values.get(key, junk))
        if draw(_ONE_IN_TWENTY):
            msg[draw(_text)] = draw(junk)
        return msg

    def render(msg: dict) -> str:
        text = json.dumps(msg)
        return text.replace('"$BIGINT"', BIGINT).replace('"$DEEP"', DEEP)

    return st.one_of(one().map(render), one().map(render), one().map(render), _text, st.binary(max_size=100))


def check_control(text: str | bytes, sender: str, tally: ControlTally) -> None:
    """Parse one data-channel message; whatever parses must encode back to itself."""
    from media import control as ctl
    from media.errors import ControlRefused

    tally.cases += 1
    try:
        msg = ctl.parse_control(text, sender)
    except ControlRefused as exc:
        tally.refused += 1
        if not str(exc):
            tally.findings.append(f"refusal without a reason for {str(text)[:100]!r}")
        return
    except Exception as exc:  # anything but a refusal is a bug
        tally.findings.append(f"{type(exc).__name__} parsing {str(text)[:100]!r}: {exc}")
        return
    tally.parsed += 1
    try:
        again = ctl.parse_control(ctl.dump_control(msg), sender)
    except Exception as exc:
        tally.findings.append(f"{msg!r} does not encode back: {exc}")
        return
    if again != msg:
        tally.findings.append(f"{msg!r} came back as {again!r}")


def fuzz_control(count: int, seed: int | None = None) -> ControlTally:
    """Run ``count`` generated data-channel messages through parse_control, both directions."""
    tally = ControlTally()

    @settings(max_examples=count, deadline=None, database=None, derandomize=seed is None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(text=control_messages(), sender=st.sampled_from(["booth", "cso"]))
    def case(text, sender):
        check_control(text, sender, tally)

    if seed is not None:
        case = __import__("hypothesis").seed(seed)(case)
    case()
    return tally


def write_config(folder: Path) -> tuple[Path, dict[tuple[str, str], str]]:
    """A server config for the fuzz: one booth, two CSOs, a technician; limits out of the way."""
    import secrets

    tokens = {("booth", "booth-01"): secrets.token_hex(16), ("booth", "booth-02"): secrets.token_hex(16),
              ("cso", "cso-01"): secrets.token_hex(16), ("cso", "cso-02"): secrets.token_hex(16),
              ("technician", "tech-01"): secrets.token_hex(16)}
    lines = [f'database = "{folder / "fuzz.db"}"', "",
             "[branch]", 'id = "fuzz"', "", "[listen]", 'host = "127.0.0.1"', "port = 0", "allow_plain = true", "",
             # generated hellos fail often from one address: answered at once, not ever more slowly
             "[limits]", "rate_per_second = 100000", "rate_burst = 1000000", "still_part_timeout = 0.5",
             "ping_interval = 600", "ping_timeout = 600", "failed_hellos_free = 1000000000", ""]
    for (role, device), token in tokens.items():
        lines += [f"[[{role}s]]", f'id = "{device}"', f'token = "{token}"', ""]
    path = folder / "server.toml"
    path.write_text("\n".join(lines))
    return path, tokens


def log_problems(text: str) -> tuple[int, list[str]]:
    """(tracebacks, error lines) in a server log."""
    errors = [line for line in text.splitlines() if " ERROR " in line or " CRITICAL " in line]
    return text.count("Traceback (most recent call last)"), errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="wire cases (batches of 1-5 frames)")
    parser.add_argument("--control-cases", type=int, default=10_000, help="data-channel control messages")
    parser.add_argument("--seed", type=int, help="Hypothesis seed (default: derandomized, the same every run)")
    parser.add_argument("--write", action="store_true", help="also write the figures into BENCHMARKS.md")
    args = parser.parse_args(argv)
    from bench.report import machine
    from bench.signaling import start_server

    folder = Path(tempfile.mkdtemp(prefix="lapak-fuzz-"))
    log = folder / "server.log"
    t0 = time.monotonic()
    try:
        config, tokens = write_config(folder)
        server, url = start_server(config, log)
        loop = LoopThread()
        driver = Driver(url, tokens)
        try:
            loop.run(driver.start())
            tally = fuzz_wire(driver, loop, args.cases, args.seed)
            loop.run(driver.stop())
        finally:
            loop.close()
            server.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(10)
            if server.poll() is None:
                server.kill()
        wire_s = time.monotonic() - t0
        tracebacks, errors = log_problems(log.read_text(errors="replace"))
        t1 = time.monotonic()
        ctl = fuzz_control(args.control_cases, args.seed)
        control_s = time.monotonic() - t1
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    load = os.getloadavg()
    seed = f" --seed {args.seed}" if args.seed is not None else ""
    lines = [
        f"Machine: {machine()}; load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} at the end",
        "",
        f"`.venv/bin/python -m bench.fuzz --cases {args.cases} --control-cases {args.control_cases}{seed}`",
        "",
        "```",
        f"wire: cases run                                  {tally.cases:>8}   ({tally.frames} frames, {wire_s:.0f} s)",
        f"      requests with an id                        {tally.with_id:>8}",
        f"      ... answered exactly once                  {tally.answered_once:>8}",
        f"      signals relayed (checked unchanged)        {tally.relayed:>8}",
        f"      sessions set up again                      {tally.sessions_set_up:>8}",
        f"      other findings                             {len(tally.findings):>8}",
        f"      tracebacks in the server log               {tracebacks:>8}",
        f"      ERROR lines in the server log              {len(errors):>8}",
        f"control: messages run                            {ctl.cases:>8}   ({control_s:.0f} s)",
        f"         parsed (each encoded back to itself)    {ctl.parsed:>8}",
        f"         refused with a reason                   {ctl.refused:>8}",
        f"         findings                                {len(ctl.findings):>8}",
        "```",
    ]
    text = "\n".join(lines)
    print(text)
    for f in tally.findings[:20] + ctl.findings[:20]:
        print("  finding:", f, file=sys.stderr)
    for e in errors[:10]:
        print("  server log:", e, file=sys.stderr)
    if args.write:
        from bench.report import write_section
        write_section("fuzz", text)
    ok = (not tally.findings and not ctl.findings and tracebacks == 0 and not errors
          and tally.answered_once == tally.with_id)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
