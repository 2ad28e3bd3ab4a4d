"""Parsing client messages: every kind of bad input gets a code and a message naming the problem."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaling import protocol as p
from signaling.protocol import ErrorCode


def test_parses_every_client_type():
    hello = p.parse_client_message(json.dumps(
        {"type": "hello", "role": "booth", "device_id": "booth-01", "token": "t", "version": 1}))
    assert isinstance(hello, p.Hello) and hello.device_id == "booth-01"
    sig = p.parse_client_message(b'{"type":"signal","session_id":"s1","payload":{"kind":"offer"},"id":"r1"}')
    assert isinstance(sig, p.Signal) and sig.id == "r1"


@pytest.mark.parametrize("raw,code,words", [
    ("{nope", ErrorCode.BAD_JSON, "not valid JSON"),
    (b"\xff\xfe", ErrorCode.BAD_JSON, "UTF-8"),
    ("[1,2]", ErrorCode.INVALID_MESSAGE, "JSON object"),
    ('{"no_type": 1}', ErrorCode.INVALID_MESSAGE, "'type'"),
    ('{"type": "teleport"}', ErrorCode.UNKNOWN_TYPE, "teleport"),
    ('{"type": "accept", "session_id": 5, "id": "r9"}', ErrorCode.INVALID_MESSAGE, "session_id"),
    ('{"type": "announce", "kind": "vip"}', ErrorCode.INVALID_MESSAGE, "kind"),
    ('{"type": "announce", "kind": "walk_in", "language": "klingon!"}', ErrorCode.INVALID_MESSAGE, "language"),
    ('{"type": "cancel", "extra": 1}', ErrorCode.INVALID_MESSAGE, "extra"),
    ('{"type": "decision", "id": "d1", "session_id": "s", "document": "ktp", "verdict": "rejected"}',
     ErrorCode.INVALID_MESSAGE, "needs a reason"),
    ('{"type": "decision", "session_id": "s", "document": "ktp", "verdict": "accepted"}',
     ErrorCode.INVALID_MESSAGE, "id"),
    ('{"type": "decision", "id": "d1", "session_id": "s", "document": "passport", "verdict": "accepted"}',
     ErrorCode.INVALID_MESSAGE, "document"),
    ('{"type": "hello", "role": "admin", "device_id": "x", "token": "t", "version": 1}',
     ErrorCode.INVALID_MESSAGE, "role"),
])
def test_bad_messages_name_the_problem(raw, code, words):
    with pytest.raises(p.ProtocolError) as exc:
        p.parse_client_message(raw)
    assert exc.value.code is code
    assert words in exc.value.message


def test_request_id_is_kept_on_errors_when_readable():
    with pytest.raises(p.ProtocolError) as exc:
        p.parse_client_message('{"type": "accept", "session_id": 5, "id": "r9"}')
    assert exc.value.ref == "r9"


def test_deep_nesting_is_a_clean_error():
    with pytest.raises(p.ProtocolError):
        p.parse_client_message("[" * 100000 + "]" * 100000)


def test_server_messages_round_trip():
    info = p.SessionInfo(id="s", booth_id="b", ticket="A001", kind="walk_in", language="id",
                         state=p.SessionState.ACTIVE, queued_at=1.0)
    for m in (p.Welcome(role="cso", device_id="c", server_time=1.0, sessions=[info]), p.Ack(ref="r", session=info),
              p.Error(code=ErrorCode.FORBIDDEN, message="no"), p.QueueUpdate(waiting=[info]),
              p.Relayed(session_id="s", payload={"a": 1}, sender="b")):
        assert p.parse_server_message(p.encode(m)) == m


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda c: st.lists(c) | st.dictionaries(st.text(), c), max_leaves=20))
def test_any_json_parses_or_raises_protocol_error(value):
    for v in (value, {"type": "announce", "kind": value}, {"type": "signal", "session_id": value, "payload": value}):
        try:
            p.parse_client_message(json.dumps(v))
        except p.ProtocolError as exc:
            assert exc.message
