"""The console's still bookkeeping (media.stills.StillBook), pure: time passed in, actions out."""
import pytest
from hypothesis import given, settings, strategies as st

from media.stills import (
    QueuePlace,
    RequestFailed,
    RequestPhase,
    SendCancel,
    SendGo,
    SendRequest,
    StillBook,
)


def kinds(actions):
    return [type(a).__name__ for a in actions]


def book(**kw):
    b = StillBook(**kw)
    for s in ("a", "b", "c"):
        b.connected(s, 0.0)
    return b


def test_request_goes_out_and_the_still_is_sent_when_ready():
    b = book()
    (send,) = b.request("a", "r1", "ktp", "auto", 1.0)
    assert isinstance(send, SendRequest) and send.request.attempt == 1
    assert b.pending("r1", 1.1) == [] and b.get("r1").phase is RequestPhase.PENDING
    actions = b.ready("r1", 20.0)  # the participant took 19 s: no timeout while positioning
    assert actions == [SendGo("a", "r1"), QueuePlace("a", "r1", 0)]
    b.progress("r1", 20.5)
    done, after = b.received("r1", 21.0)
    assert done.request_id == "r1" and after == [] and not b.requests


def test_transfers_run_one_at_a_time_in_ready_order_with_places():
    b = book()
    for sid, rid in (("a", "r1"), ("b", "r2"), ("c", "r3")):
        b.request(sid, rid, "ktp", "auto", 0.0)
    assert kinds(b.ready("r2", 1.0)) == ["SendGo", "QueuePlace"]
    assert b.ready("r3", 2.0) == [QueuePlace("c", "r3", 1)]
    assert b.ready("r1", 3.0) == [QueuePlace("a", "r1", 2)]
    _, after = b.received("r2", 4.0)
    assert after == [SendGo("c", "r3"), QueuePlace("c", "r3", 0), QueuePlace("a", "r1", 1)]


def test_an_unconfirmed_request_is_sent_again_then_fails_without_retry():
    b = book(ack_timeout=3.0, max_resends=2)
    b.request("a", "r1", "ktp", "auto", 0.0)
    assert b.tick(2.9) == []
    assert kinds(b.tick(3.1)) == ["SendRequest"]
    assert kinds(b.tick(6.2)) == ["SendRequest"]
    (failed,) = b.tick(9.3)
    assert isinstance(failed, RequestFailed) and failed.reason == "no_answer" and not failed.will_retry
    assert not b.requests


def test_a_stalled_transfer_times_out_and_is_requested_again_up_to_max_attempts():
    b = book(transfer_timeout=10.0, max_attempts=2)
    b.request("a", "r1", "ktp", "auto", 0.0)
    b.ready("r1", 1.0)
    b.progress("r1", 5.0)
    assert b.tick(14.9) == []
    failed, again = b.tick(15.1)
    assert failed.reason == "timeout" and failed.will_retry and again.request.attempt == 2
    b.ready("r1", 16.0)
    (last,) = b.tick(27.0)
    assert last.reason == "timeout" and not last.will_retry and not b.requests


def test_a_dropped_call_fails_its_transfer_and_resends_requests_when_back():
    b = book()
    b.request("a", "r1", "ktp", "auto", 0.0)
    b.request("a", "r2", "kk", "auto", 0.0)
    b.ready("r1", 1.0)
    actions = b.disconnected("a", 2.0)
    assert kinds(actions) == ["RequestFailed"] and actions[0].reason == "abandoned" and actions[0].will_retry
    assert b.tick(100.0) == []  # nothing times out while the call is down
    back = b.connected("a", 101.0)
    assert sorted(a.request.request_id for a in back) == ["r1", "r2"]
    assert b.get("r1").attempt == 2 and b.get("r2").attempt == 1


def test_a_request_made_while_the_call_is_down_goes_out_when_it_is_up():
    b = StillBook()
    assert b.request("a", "r1", "ktp", "auto", 0.0) == []
    assert kinds(b.connected("a", 1.0)) == ["SendRequest"]


def test_capture_failure_is_not_retried_and_cancel_tells_the_booth():
    b = book()
    b.request("a", "r1", "ktp", "auto", 0.0)
    (failed,) = b.failed("r1", "capture_failed", "camera unplugged", 1.0, retry=False)
    assert not failed.will_retry
    b.request("a", "r2", "ktp", "auto", 2.0)
    b.ready("r2", 3.0)
    b.request("b", "r3", "kk", "auto", 2.0)
    b.ready("r3", 3.5)
    actions = b.cancel("r2", 4.0)
    assert actions == [SendCancel("a", "r2"), SendGo("b", "r3"), QueuePlace("b", "r3", 0)]
    assert b.wanted("b") and not b.wanted("a")


def test_duplicate_request_ids_are_refused():
    b = book()
    b.request("a", "r1", "ktp", "auto", 0.0)
    with pytest.raises(ValueError, match="r1 is already outstanding"):
        b.request("b", "r1", "ktp", "auto", 0.0)


STEPS = st.lists(st.tuples(
    st.sampled_from(["request", "pending", "ready", "progress", "received", "failed", "cancel", "connect",
                     "disconnect", "drop", "tick"]),
    st.sampled_from(["a", "b", "c"]), st.integers(0, 5), st.floats(0, 20)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(STEPS)
def test_at_most_one_transfer_and_every_request_ends_or_waits(steps):
    b = StillBook(max_attempts=3, ack_timeout=3.0, max_resends=2, transfer_timeout=10.0)
    now = 0.0
    for n, (op, sid, k, dt) in enumerate(steps):
        now += dt
        rid = f"r{k}"
        if op == "request" and rid not in b.requests:
            actions = b.request(sid, rid, "ktp", "auto", now)
        elif op == "pending":
            actions = b.pending(rid, now)
        elif op == "ready":
            actions = b.ready(rid, now)
        elif op == "progress":
            b.progress(rid, now)
            actions = []
        elif op == "received":
            _, actions = b.received(rid, now)
        elif op == "failed":
            actions = b.failed(rid, "checksum_mismatch", "x", now)
        elif op == "cancel":
            actions = b.cancel(rid, now)
        elif op == "connect":
            actions = b.connected(sid, now)
        elif op == "disconnect":
            actions = b.disconnected(sid, now)
        elif op == "drop":
            actions = b.drop_session(sid, now)
        else:
            actions = b.tick(now)
        sending = [r for r in b.requests.values() if r.phase is RequestPhase.SENDING]
        assert len(sending) <= 1
        if not sending:
            assert not [r for r in b.requests.values() if r.phase is RequestPhase.READY], "a ready still waits for nothing"
        for a in actions:
            if isinstance(a, SendGo):
                assert b.get(a.request_id).phase is RequestPhase.SENDING
            if isinstance(a, SendRequest):
                assert 1 <= a.request.attempt <= 3
        assert all(1 <= r.attempt <= 3 for r in b.requests.values())
