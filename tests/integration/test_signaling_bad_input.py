"""Malformed, oversize, flooding and generated input against a real server; it must never fall over."""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode as WsClose

from signaling import protocol as p
from signaling.errors import NotConnected
from signaling.protocol import CloseCode, ErrorCode
from signaling.testing import running_server

from test_signaling_kit import (WAIT, hello, online, raw_closed, raw_connect, raw_online, raw_recv, relay_works, serve_one,
                                served, watch_tracebacks)

BAD = [
    # (frame, expected error code, expected ref)
    ("{not json", ErrorCode.BAD_JSON, None),
    ("", ErrorCode.BAD_JSON, None),
    ("[1, 2, 3]", ErrorCode.INVALID_MESSAGE, None),
    ('"a string"', ErrorCode.INVALID_MESSAGE, None),
    ("null", ErrorCode.INVALID_MESSAGE, None),
    ('{"id": "t1"}', ErrorCode.INVALID_MESSAGE, "t1"),
    ('{"type": 5, "id": "t2"}', ErrorCode.INVALID_MESSAGE, "t2"),
    ('{"type": "teleport", "id": "u1"}', ErrorCode.UNKNOWN_TYPE, "u1"),
    ('{"type": "welcome", "id": "u2"}', ErrorCode.UNKNOWN_TYPE, "u2"),  # a server message type
    ('{"type": "teleport", "id": "%s"}' % ("x" * 100), ErrorCode.UNKNOWN_TYPE, None),  # id too long to echo
    ('{"type": "announce", "id": "w1", "kind": 5}', ErrorCode.INVALID_MESSAGE, "w1"),
    ('{"type": "announce", "id": "w2", "kind": "walk_in", "language": "xx-!!"}', ErrorCode.INVALID_MESSAGE, "w2"),
    ('{"type": "announce", "id": "w3", "kind": "walk_in", "extra": 1}', ErrorCode.INVALID_MESSAGE, "w3"),
    ('{"type": "signal", "id": "w4", "session_id": "s", "payload": "not-a-dict"}', ErrorCode.INVALID_MESSAGE, "w4"),
    ('{"type": "signal", "id": "w5", "session_id": 7, "payload": {}}', ErrorCode.INVALID_MESSAGE, "w5"),
    ('{"type": "check_booking", "id": "w6", "code": ""}', ErrorCode.INVALID_MESSAGE, "w6"),
    ('{"type": "check_booking", "id": 42, "code": "X"}', ErrorCode.INVALID_MESSAGE, None),
    # an empty id is not a RequestId: answered without ref (this used to kill the connection handler)
    ('{"type": "teleport", "id": ""}', ErrorCode.UNKNOWN_TYPE, None),
    ('{"type": "transfer", "id": "", "session_id": 3}', ErrorCode.INVALID_MESSAGE, None),
    ("[" * 50_000, ErrorCode.BAD_JSON, None),  # nesting deeper than the JSON parser's recursion limit
    ('{"a":' * 5_000 + "1" + "}" * 5_000, ErrorCode.BAD_JSON, None),
    (b"\xff\xfe\x00binary", ErrorCode.BAD_JSON, None),
    ('{"type": "hello", "id": "h2", "role": "booth", "device_id": "booth-01", "token": "xxxxxxxx", "version": 1}',
     ErrorCode.INVALID_STATE, "h2"),
    ('{"type": "accept", "id": "f1", "session_id": "s"}', ErrorCode.FORBIDDEN, "f1"),  # a booth may not accept
    ('{"type": "cancel", "id": "c1"}', ErrorCode.INVALID_STATE, "c1"),  # nothing to cancel yet
]


async def test_malformed_messages_get_an_error_and_the_connection_stays_usable(tmp_path):
    async with running_server(tmp_path / "branch.db", booths=3) as branch:
        ws = await raw_online(branch, "booth", "booth-01")
        for frame, code, ref in BAD:
            await ws.send(frame)
            err = await raw_recv(ws, lambda m: m["type"] == "error")
            assert err["code"] == code.value, (frame[:60], err)
            assert err.get("ref") == ref, (frame[:60], err)
            assert err["message"]
        # a binary frame holding valid JSON is understood like text
        await ws.send(b'{"type": "announce", "id": "ok1", "kind": "walk_in"}')
        ack = await raw_recv(ws, lambda m: m.get("ref") == "ok1")
        assert ack["type"] == "ack" and ack["session"]["state"] == "waiting"
        await ws.close()
        await served(branch, "after-malformed")


async def test_empty_request_id_in_a_bad_first_message_is_refused_cleanly(tmp_path):
    async with running_server(tmp_path / "branch.db") as branch:
        ws = await raw_connect(branch.url)
        await ws.send('{"type": "hello", "id": "", "role": "booth"}')
        got = await raw_closed(ws)
        assert [(m["type"], m["code"], m.get("ref")) for m in got] == [("error", "invalid_message", None)]
        assert ws.close_code == CloseCode.NOT_AUTHENTICATED


def test_protocol_error_ref_is_always_a_valid_request_id():
    with pytest.raises(p.ProtocolError) as info:
        p.parse_client_message('{"type": "teleport", "id": ""}')
    p.Error(code=info.value.code, message=info.value.message, ref=info.value.ref)


async def test_oversize_message_closes_only_that_connection_with_1009(tmp_path):
    async with running_server(tmp_path / "branch.db", booths=3, max_message_bytes=4096) as branch, \
            contextlib.AsyncExitStack() as stack:
        booth, bin_ = await online(branch, "booth", "booth-01", stack)
        cso, cin = await online(branch, "cso", "cso-01", stack)
        s = await serve_one(booth, bin_, cso, cin)

        ws = await raw_online(branch, "booth", "booth-02")
        await ws.send(json.dumps({"type": "announce", "id": "a", "kind": "walk_in", "pad": "x" * 4096}))
        await raw_closed(ws)
        assert ws.close_code == WsClose.MESSAGE_TOO_BIG

        # the same through a SignalingClient: the big signal is refused by closing, the client comes back
        connects = booth.connects
        with pytest.raises(NotConnected):  # the sender hears its signal was not delivered
            await booth.send_signal(s.id, {"sdp": "x" * 5000})

        async def reconnected():
            # a drop and reconnect within one presence tick need not show in presence at all
            while booth.connects == connects:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(reconnected(), WAIT)
        await booth.wait_ready(WAIT)
        await relay_works(booth, cin, s.id, "after-oversize")
        await relay_works(cso, bin_, s.id, "after-oversize-back")
        assert not any(len(json.dumps(m.payload)) > 4096 for m in cin.signals())
        # just under the limit still passes
        big = {"sdp": "y" * 3900}
        await booth.send_signal(s.id, big)
        got = await cin.wait(lambda m: m.type == "signal" and m.payload.get("sdp", "").startswith("y"))
        assert got.payload == big


# ----------------------------------------------------------------------------- inputs that killed a handler (P9)

BIG = "1" * 5000  # an integer literal over the 4,300 digits Python (and pydantic's parser) convert
DEEP = '{"a":' * 300 + "1" + "}" * 300  # an object 300 levels deep


def _deadly(session_id: str = "s-none") -> list[tuple[str, str, str | None, str]]:
    """(frame, expected code, expected ref, a word the message must hold) of each input that used
    to end a connection's handler with a traceback and no answer."""
    return [
        ('{"type": "check_booking", "id": "big1", "code": "X", "n": %s}' % BIG, "bad_json", "big1", "digits"),
        ('{"type": "announce", "id": "big2", "kind": "walk_in", "language": -%s}' % BIG, "bad_json", "big2", "digits"),
        ('{"type": "signal", "id": "big3", "session_id": "%s", "payload": {"n": %s}}' % (session_id, BIG),
         "bad_json", "big3", "digits"),
        ('{"type": "check_booking", "id": "\\ud800", "code": "X"}', "bad_json", None, "surrogate"),
        ('{"type": "teleport", "id": "ok-\\udfff"}', "bad_json", None, "surrogate"),
        ('{"type": "signal", "id": "sur1", "session_id": "%s", "payload": {"candidate": "a\\udc00b"}}' % session_id,
         "bad_json", "sur1", "surrogate"),
        ('{"type": "signal", "id": "sur2", "session_id": "%s", "payload": {"\\ud83d": 1}}' % session_id,
         "bad_json", "sur2", "surrogate"),
        ('{"type": "signal", "id": "deep1", "session_id": "%s", "payload": %s}' % (session_id, DEEP),
         "bad_json", "deep1", "deeper than"),
    ]


async def test_inputs_that_killed_the_handler_are_answered_inside_a_live_session(tmp_path):
    """Each gets one error naming what was wrong; the session's other end hears nothing; no
    traceback anywhere in the log; the connection keeps serving."""
    with watch_tracebacks() as tracebacks:
        async with running_server(tmp_path / "branch.db", booths=3) as branch, \
                contextlib.AsyncExitStack() as stack:
            booth, bin_ = await online(branch, "booth", "booth-01", stack)
            cso, cin = await online(branch, "cso", "cso-01", stack)
            s = await serve_one(booth, bin_, cso, cin)
            raw = await raw_online(branch, "booth", "booth-02")  # a second booth, no session
            mark = cin.mark()
            for ws, sid in ((booth._ws, s.id), (raw, s.id)):
                for frame, code, ref, word in _deadly(sid):
                    await ws.send(frame)
                    if ws is raw:
                        err = await raw_recv(ws, lambda m: m["type"] == "error")
                        assert (err["code"], err.get("ref")) == (code, ref), (frame[:70], err)
                        assert word in err["message"], (frame[:70], err)
            # the booth's own client connection got the same answers (unsolicited errors land in its inbox)
            errors = await bin_.wait(lambda m: len(bin_.of("error")) >= len(_deadly()) or None, timeout=WAIT) and \
                bin_.of("error")
            assert [(e.code.value, e.ref) for e in errors] == [(c, r) for _, c, r, _ in _deadly()]
            assert all(w in e.message for e, (_, _, _, w) in zip(errors, _deadly()))
            assert cin.signals(mark) == []  # nothing half-relayed
            assert booth.connects == 1 and cso.connects == 1
            await relay_works(booth, cin, s.id, "after-deadly")
            await relay_works(cso, bin_, s.id, "after-deadly-back")
            await raw.send(json.dumps({"type": "check_booking", "id": "alive", "code": "NOPE"}))
            assert (await raw_recv(raw, lambda m: m.get("ref") == "alive"))["type"] == "booking_result"
            await raw.close()
    assert tracebacks.records == [], tracebacks.describe()


@pytest.mark.parametrize("index", range(len(_deadly())))
async def test_inputs_that_killed_the_handler_are_refused_cleanly_before_hello(tmp_path, index):
    frame, code, ref, word = _deadly()[index]
    with watch_tracebacks() as tracebacks:
        async with running_server(tmp_path / "branch.db") as branch:
            ws = await raw_connect(branch.url)
            await ws.send(frame)
            got = await raw_closed(ws)
            assert [(m["type"], m["code"], m.get("ref")) for m in got] == [("error", code, ref)]
            assert word in got[0]["message"]
            assert ws.close_code == CloseCode.NOT_AUTHENTICATED
            await served(branch, "after-refusal")
    assert tracebacks.records == [], tracebacks.describe()


async def test_a_hello_with_a_huge_version_or_a_surrogate_token_is_refused_cleanly(tmp_path):
    with watch_tracebacks() as tracebacks:
        async with running_server(tmp_path / "branch.db") as branch:
            for overrides, word in (({"version": "VERSION"}, "digits"), ({"token": "\\ud800" * 3}, "surrogate")):
                ws = await raw_connect(branch.url)
                frame = hello(branch, "booth", "booth-01", id="h1", **overrides)
                await ws.send(frame.replace('"VERSION"', BIG).replace("\\\\ud800", "\\ud800"))
                got = await raw_closed(ws)
                assert [(m["type"], m["code"], m.get("ref")) for m in got] == [("error", "bad_json", "h1")]
                assert word in got[0]["message"] and ws.close_code == CloseCode.NOT_AUTHENTICATED
    assert tracebacks.records == [], tracebacks.describe()


async def _flood(ws, count: int, message: str) -> int:
    """Send ``count`` messages as fast as the socket takes them; returns how many went out."""
    sent = 0
    with contextlib.suppress(ConnectionClosed):
        for _ in range(count):
            await ws.send(message)
            sent += 1
    return sent


async def test_flood_is_rate_limited_then_closed_and_others_are_unaffected(tmp_path):
    async with running_server(tmp_path / "branch.db", booths=3) as branch, \
            contextlib.AsyncExitStack() as stack:
        booth, bin_ = await online(branch, "booth", "booth-01", stack)
        cso, cin = await online(branch, "cso", "cso-01", stack)
        s = await serve_one(booth, bin_, cso, cin)

        ws = await raw_online(branch, "booth", "booth-02")
        reader = asyncio.create_task(raw_closed(ws, timeout=30))
        limits = branch.config.limits
        sent = await asyncio.wait_for(_flood(ws, 5000, '{"type": "cancel"}'), 30)
        got = await reader
        assert ws.close_code == CloseCode.FLOOD, (ws.close_code, ws.close_reason)
        codes = [m["code"] for m in got if m["type"] == "error"]
        assert ErrorCode.RATE_LIMITED.value in codes
        assert codes.count(ErrorCode.INVALID_STATE.value) <= limits.rate_burst + 10  # dropped ones got no answer
        assert sent > limits.rate_burst

        await relay_works(booth, cin, s.id, "after-flood")
        await relay_works(cso, bin_, s.id, "after-flood-back")
        assert cso.connects == 1 and booth.connects == 1
        await cso.close()  # served() brings its own officer
        await served(branch, "after-flood-fresh")


async def test_short_burst_over_the_limit_is_dropped_but_not_closed(tmp_path):
    async with running_server(tmp_path / "branch.db", booths=2, rate_per_second=20, rate_burst=20) as branch:
        ws = await raw_online(branch, "booth", "booth-01")
        for i in range(40):  # a cheap request the server answers each time (no session to cancel)
            await ws.send(json.dumps({"type": "cancel", "id": f"q{i}"}))
        warning = await raw_recv(ws, lambda m: m["type"] == "error" and m["code"] == ErrorCode.RATE_LIMITED.value)
        assert "dropped" in warning["message"]
        await asyncio.sleep(0.3)  # the bucket refills
        await ws.send(json.dumps({"type": "cancel", "id": "late"}))
        answer = await raw_recv(ws, lambda m: m.get("ref") == "late")
        assert answer["type"] == "error" and answer["code"] == ErrorCode.INVALID_STATE.value
        await ws.close()


# ----------------------------------------------------------------------------- generated input


@pytest.fixture(scope="module")
def fuzz_branch(tmp_path_factory):
    """One real server and one authenticated booth connection for all generated examples.

    The server runs on an event loop in a background thread, so Hypothesis can drive a plain
    (synchronous) test function many times against the same server.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fuzz-loop", daemon=True)
    thread.start()

    def run(coro, timeout=3 * WAIT):
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    cm = running_server(tmp_path_factory.mktemp("fuzz") / "branch.db", booths=3,
                        rate_per_second=1e6, rate_burst=1_000_000)
    branch = run(cm.__aenter__())
    ws = run(raw_online(branch, "booth", "booth-01"))
    try:
        yield run, branch, ws
    finally:
        with contextlib.suppress(Exception):
            run(ws.close())
        run(cm.__aexit__(None, None, None))
        loop.call_soon_threadsafe(loop.stop)
        thread.join(WAIT)
        loop.close()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
_MODELS = {m.model_fields["type"].default: m for m in (
    p.Hello, p.CheckBooking, p.Announce, p.Cancel, p.Accept, p.Hold, p.Unhold, p.Transfer, p.End, p.Decision,
    p.Signal)}
plausible = st.sampled_from(["walk_in", "booking", "id", "en", "completed", "accepted", "rejected", "booth",
                             "cso", "booth-01", "BK-1", "", "x" * 70, "ab" * 32])


@st.composite
def typed_messages(draw):
    kind = draw(st.sampled_from(sorted(_MODELS)))
    fields = [f for f in _MODELS[kind].model_fields if f != "type"]
    chosen = draw(st.lists(st.sampled_from(fields), unique=True)) if fields else []
    msg = {"type": kind}
    for f in chosen:
        msg[f] = draw(plausible | json_values | st.integers(-2, 2))
    msg.update(draw(st.dictionaries(st.text(max_size=8), json_values, max_size=2)))
    return json.dumps(msg)


frames = st.one_of(
    json_values.map(json.dumps),
    typed_messages(),
    st.binary(max_size=300),
    st.text(max_size=300),
)
_sentinels = itertools.count()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=False)
@given(batch=st.lists(frames, min_size=1, max_size=4))
def test_generated_messages_never_crash_the_server(fuzz_branch, batch):
    run, branch, ws = fuzz_branch

    async def example():
        for frame in batch:
            await ws.send(frame)
        ref = f"sentinel-{next(_sentinels)}"
        await ws.send(json.dumps({"type": "cancel", "id": ref}))  # answered with an ack or an error, always
        replies = []
        while True:
            raw = await asyncio.wait_for(ws.recv(), WAIT)
            replies.append(p.parse_server_message(raw))  # whatever the server says is a valid message
            if getattr(replies[-1], "ref", None) == ref:
                return replies

    replies = run(example())
    assert replies[-1].type in ("ack", "error")
    assert not [r for r in replies if r.type == "error" and r.code is ErrorCode.INTERNAL], replies


def test_server_still_serves_after_generated_input(fuzz_branch):
    run, branch, ws = fuzz_branch
    run(served(branch, "after-fuzz"))
    run(ws.send(json.dumps({"type": "cancel", "id": "still-here"})))  # answered (not a guess: no limit)
    assert run(raw_recv(ws, lambda m: m.get("ref") == "still-here"))["type"] in ("ack", "error")


async def test_a_refusal_whose_reason_is_long_in_utf8_still_closes_with_its_code(tmp_path):
    """The close reason is cut to WebSocket's 123 bytes, not 120 characters (found by bench.fuzz:
    a refusal naming a non-ASCII field failed to close and the connection ended with 1000)."""
    with watch_tracebacks() as tracebacks:
        async with running_server(tmp_path / "branch.db") as branch:
            ws = await raw_connect(branch.url)
            await ws.send(json.dumps({"type": "hello", "id": "h9", "role": "booth", "device_id": "booth-01",
                                      "token": "x" * 16, "version": p.PROTOCOL_VERSION, "é" * 40: 1}))
            got = await raw_closed(ws)
            assert [(m["type"], m["code"], m.get("ref")) for m in got] == [("error", "invalid_message", "h9")]
            assert "é" * 20 in got[0]["message"]
            assert ws.close_code == CloseCode.NOT_AUTHENTICATED and len(ws.close_reason.encode()) <= 123
    assert tracebacks.records == [], tracebacks.describe()
