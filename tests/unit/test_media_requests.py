"""Document requests until the booth has shown them (media.requests.DocumentRequests), pure."""
import pytest
from hypothesis import given, settings, strategies as st

from media.requests import DocumentRequests, Failed, RequestPhase, Send


def book(**kw):
    b = DocumentRequests(**kw)
    for s in ("a", "b"):
        b.connected(s, 0.0)
    return b


def test_a_request_goes_out_once_and_waits_for_the_participant_without_a_timeout():
    b = book()
    (send,) = b.request("a", "r1", "ktp", "auto", 1.0)
    assert isinstance(send, Send) and send.request.request_id == "r1"
    b.pending("r1", 1.2)
    assert b.get("r1").phase is RequestPhase.PENDING
    assert b.tick(600.0) == []  # the participant takes their time: nothing expires
    assert b.wanted("a") and not b.wanted("b")
    assert b.finished("r1").request_id == "r1" and not b.wanted("a")


def test_an_unconfirmed_request_is_sent_again_then_given_up():
    b = book(ack_timeout=3.0, max_resends=2)
    b.request("a", "r1", "ktp", "auto", 0.0)
    assert b.tick(2.9) == []
    assert [type(x) for x in b.tick(3.1)] == [Send]
    assert [type(x) for x in b.tick(6.2)] == [Send]
    (failed,) = b.tick(9.3)
    assert isinstance(failed, Failed) and failed.reason == "no_answer" and b.get("r1") is None


def test_nothing_times_out_while_the_call_is_down_and_everything_goes_again_when_it_is_back():
    b = book()
    b.request("a", "r1", "ktp", "auto", 0.0)
    b.request("a", "r2", "kk", "now", 0.0)
    b.pending("r1", 0.5)
    b.disconnected("a")
    assert b.tick(100.0) == []
    back = b.connected("a", 101.0)
    assert sorted(x.request.request_id for x in back) == ["r1", "r2"]
    assert all(b.get(r).phase is RequestPhase.SENT for r in ("r1", "r2"))


def test_a_request_made_while_the_call_is_down_waits_for_it():
    b = DocumentRequests()
    assert b.request("a", "r1", "ktp", "auto", 0.0) == []
    assert [type(x) for x in b.connected("a", 1.0)] == [Send]


def test_duplicate_ids_are_refused_and_a_session_end_forgets_its_requests():
    b = book()
    b.request("a", "r1", "ktp", "auto", 0.0)
    with pytest.raises(ValueError, match="r1 is already outstanding"):
        b.request("b", "r1", "ktp", "auto", 0.0)
    b.drop_session("a")
    assert b.get("r1") is None and b.tick(100.0) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["request", "pending", "finished", "connect", "disconnect", "drop",
                                           "tick"]),
                          st.sampled_from(["a", "b"]), st.integers(0, 3), st.floats(0, 10)), max_size=50))
def test_every_request_is_either_outstanding_or_answered_once(steps):
    b = DocumentRequests(ack_timeout=3.0, max_resends=2)
    now, ended = 0.0, set()
    for op, sid, k, dt in steps:
        now += dt
        rid = f"{sid}{k}"
        if op == "request" and b.get(rid) is None and rid not in ended:
            b.request(sid, rid, "ktp", "auto", now)
        elif op == "pending":
            b.pending(rid, now)
        elif op == "finished" and b.finished(rid) is not None:
            ended.add(rid)
        elif op == "connect":
            b.connected(sid, now)
        elif op == "disconnect":
            b.disconnected(sid)
        elif op == "drop":
            ended |= {r for r in b.requests if b.requests[r].session_id == sid}
            b.drop_session(sid)
        elif op == "tick":
            for a in b.tick(now):
                if isinstance(a, Failed):
                    assert b.get(a.request.request_id) is None
                    ended.add(a.request.request_id)
                else:
                    assert a.request.resends <= 2
        assert not set(b.requests) & ended
