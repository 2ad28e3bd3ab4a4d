"""The officer's desk (cso_console.desk.Desk), pure: no Qt, no sockets, no threads, no clock."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings, strategies as st

from common.documents import DocumentKind, RejectReason
from cso_console import desk as dk
from cso_console.desk import Desk, DeskRules, DocStatus, LinkQuality, TileState
from media import control as ctl
from media.events import (
    BoothDevicesReported,
    CallState,
    CallStateChanged,
    DocumentFailed,
    HandRaised,
)
from media.stats import SessionStats
from signaling import protocol as p
from signaling.protocol import Outcome, SessionState

T0 = 1_764_000_000.0
KTP, KK = DocumentKind.KTP, DocumentKind.KK
PROMPTS = (("show_document", (("id", "Silakan letakkan dokumen"), ("en", "Please place the document"))),)


def info(sid, state=SessionState.ACTIVE, cso="cso-01", booth=None, language="id", service="jht_claim", ticket=None,
         online=True):
    n = int(sid[1:]) if sid[1:].isdigit() else 1
    return p.SessionInfo(id=sid, booth_id=booth or f"booth-{n:02d}", ticket=ticket or f"A{n:03d}", kind="walk_in",
                         language=language, state=state, cso_id=None if state is SessionState.WAITING else cso,
                         queued_at=T0 - 60, service=service, booth_online=online)


def welcome(*sessions, capacity=6):
    return p.Welcome(role="cso", device_id="cso-01", server_time=T0, capacity=capacity, sessions=list(sessions),
                     services=[p.ServiceInfo(id="jht_claim", documents=[KTP, KK])])


class Driver:
    def __init__(self, **rules):
        rules.setdefault("prompts", PROMPTS)
        ids = itertools.count(1)
        self.desk = Desk("cso-01", DeskRules(**rules), new_id=lambda: f"q{next(ids)}", now=T0)
        self.now = T0
        self.commands: list = []
        self.sent: list = []  # server requests, in order

    def __call__(self, event, dt=0.0):
        self.now += dt
        out = self.desk.handle(event, self.now)
        self.commands.extend(out)
        self.sent.extend(c.message for c in out if isinstance(c, dk.ServerRequest))
        return out

    @property
    def view(self):
        return self.desk.view(self.now)

    def tile(self, sid):
        return next(t for t in self.view.tiles if t is not None and t.session_id == sid)

    def of(self, kind):
        return [c for c in self.commands if isinstance(c, kind)]

    def acks(self):
        """Answer every request in flight with an ack."""
        for ref in list(self.desk._inflight):
            self(dk.RequestAnswered(ref, True))

    @staticmethod
    def meta(sid, rid, doc=KTP, sha="ab" * 32, size=4000):
        return p.StillMeta(session_id=sid, request_id=rid, document=doc, sha256=sha, size=size, width=1920,
                           height=1080)

    def still(self, sid, rid, sha="ab" * 32, doc=KTP):
        """The still of a request arrives whole: announced by the server (unless it was already),
        fetched."""
        fetching = [c.still for c in self.of(dk.FetchStill) if c.still.request_id == rid]
        if fetching:
            return dk.StillFetched(fetching[-1])
        m = self.meta(sid, rid, doc, sha)
        self(dk.StillAvailable(m))
        assert dk.FetchStill(m) in self.commands
        return dk.StillFetched(m)


@pytest.fixture
def d():
    drv = Driver()
    drv(dk.ServerUp(welcome()))
    return drv


def offer(d, sid, **kw):
    d(dk.SessionChanged(info(sid, SessionState.OFFERED, **kw)))
    d(dk.SessionChanged(info(sid, SessionState.ACTIVE, **kw)))


# ---------------------------------------------------------------- slots, accept, focus


def test_offered_booth_is_auto_accepted_takes_a_slot_and_the_free_focus(d):
    d(dk.SessionChanged(info("s1", SessionState.OFFERED)))
    assert isinstance(d.sent[-1], p.Accept) and d.sent[-1].session_id == "s1"
    assert d.tile("s1").state is TileState.WAITING_FOR_YOU and d.tile("s1").slot == 1
    d(dk.SessionChanged(info("s1")))
    assert d.view.focus == 1 and d.of(dk.SetFocus)[-1].session_id == "s1"
    assert d.tile("s1").state is TileState.TALKING and d.tile("s1").checklist[0].document is KTP


def test_without_auto_accept_the_officer_accepts(d):
    drv = Driver(auto_accept=False)
    drv(dk.ServerUp(welcome()))
    drv(dk.SessionChanged(info("s1", SessionState.OFFERED)))
    assert not drv.sent
    drv(dk.Accept("s1"))
    drv(dk.Accept("s1"))  # a double click sends one request
    assert [type(m) for m in drv.sent] == [p.Accept]
    drv(dk.SetAutoAccept(True))
    drv(dk.SessionChanged(info("s2", SessionState.OFFERED)))
    assert [type(m) for m in drv.sent] == [p.Accept, p.Accept]


def test_moving_focus_holds_the_booth_talked_to_and_unholds_the_next(d):
    offer(d, "s1")
    offer(d, "s2")
    assert d.view.focus == 1 and d.tile("s2").state is TileState.WAITING_FOR_YOU
    d(dk.FocusSlot(2))
    assert isinstance(d.sent[-1], p.Hold) and d.sent[-1].session_id == "s1"
    assert dk.SetHeld("s1", True) in d.commands and d.of(dk.SetFocus)[-1].session_id == "s2"
    d(dk.SessionChanged(info("s1", SessionState.HELD)))
    assert d.tile("s1").state is TileState.ON_HOLD and d.tile("s2").state is TileState.TALKING
    d(dk.Focus("s1"))
    assert [type(m) for m in d.sent[-2:]] == [p.Hold, p.Unhold]
    assert d.sent[-1].session_id == "s1" and d.view.focus == 1


def test_slots_are_stable_and_reused(d):
    for sid in ("s1", "s2", "s3"):
        offer(d, sid)
    d(dk.SessionChanged(info("s2", SessionState.ENDED)))
    assert d.view.tiles[1] is None and dk.EndCall("s2") in d.commands
    offer(d, "s4")
    assert d.tile("s4").slot == 2 and d.tile("s3").slot == 3


def test_keys_beyond_the_desk_or_on_empty_slots_do_nothing(d):
    offer(d, "s1")
    before = list(d.commands)
    d(dk.FocusSlot(5))
    d(dk.FocusSlot(9))
    assert d.commands == before


def test_capacity_from_the_welcome():
    drv = Driver()
    drv(dk.ServerUp(welcome(capacity=4)))
    assert drv.view.capacity == 4 and len(drv.view.tiles) == 4


def test_a_booth_transferred_away_leaves_the_desk_and_its_call_ends(d):
    offer(d, "s1")
    d(dk.Transfer("s1", to_cso="cso-02", reason="supervisor"))
    assert d.sent[-1] == p.Transfer(id=d.sent[-1].id, session_id="s1", to_cso="cso-02", reason="supervisor")
    d(dk.SessionChanged(info("s1", SessionState.OFFERED, cso="cso-02")))
    assert all(t is None for t in d.view.tiles) and d.view.focus is None
    assert dk.EndCall("s1") in d.commands and d.of(dk.SetFocus)[-1].session_id is None


# ---------------------------------------------------------------- tile states


def test_tile_states_in_priority_order(d):
    offer(d, "s1")
    offer(d, "s2")
    d(CallStateChanged("s2", CallState.CONNECTED))
    d(HandRaised("s2"))
    assert d.tile("s2").state is TileState.HAND_RAISED
    d(BoothDevicesReported("s2", ctl.BoothStatus(devices=[ctl.DeviceHealth(role="camera", ok=False,
                                                                           message="camera 0: gone")])))
    assert d.tile("s2").state is TileState.DEVICE_FAULT and TileState.HAND_RAISED in d.tile("s2").flags
    assert d.tile("s2").faults == (("camera", "camera 0: gone"),)
    d(CallStateChanged("s2", CallState.LOST))
    assert d.tile("s2").state is TileState.RECONNECTING
    d(dk.SessionChanged(info("s1", online=False)))
    assert d.tile("s1").state is TileState.RECONNECTING


def test_focusing_clears_a_raised_hand(d):
    offer(d, "s1")
    offer(d, "s2")
    d(HandRaised("s2"))
    d(dk.Focus("s2"))
    assert TileState.HAND_RAISED not in d.tile("s2").flags
    d(HandRaised("s2"))  # the focused booth's hand is no news
    assert TileState.HAND_RAISED not in d.tile("s2").flags


def test_waiting_too_long_alarms_and_talking_stops_the_clock(d):
    offer(d, "s1")
    offer(d, "s2")
    d(dk.Tick(), dt=100)
    assert d.tile("s2").waiting == pytest.approx(100) and not d.tile("s2").alarm
    d(dk.Tick(), dt=21)
    assert d.tile("s2").alarm and d.tile("s1").waiting is None
    d(dk.Focus("s2"))
    assert not d.tile("s2").alarm and d.tile("s2").waiting is None
    assert d.tile("s1").waiting == 0  # now s1 is on hold and waits
    assert d.tile("s2").in_session == pytest.approx(121)


@pytest.mark.parametrize("loss,rtt,quality", [(0.01, 50, LinkQuality.GOOD), (0.05, 50, LinkQuality.FAIR),
                                              (0.01, 600, LinkQuality.FAIR), (0.10, 50, LinkQuality.BAD)])
def test_connection_badge_from_the_stats(d, loss, rtt, quality):
    offer(d, "s1")
    assert d.tile("s1").quality is LinkQuality.UNKNOWN
    d(CallStateChanged("s1", CallState.CONNECTED))
    assert d.tile("s1").quality is LinkQuality.UNKNOWN  # connected, not measured yet: not "bad"
    d(dk.StatsSampled(SessionStats("s1", "connected", fps={"face": 29.5}, packet_loss=loss, rtt_ms=rtt)))
    t = d.tile("s1")
    assert (t.quality, t.loss, t.rtt_ms, t.fps) == (quality, loss, rtt, 29.5)
    d(CallStateChanged("s1", CallState.LOST))
    assert d.tile("s1").quality is LinkQuality.BAD


# ---------------------------------------------------------------- documents, decisions


def document_arrives(d, sid="s1", doc=KTP, sha="ab" * 32):
    """Ask for a document; the booth sends it to the server, which announces it; its fetch runs."""
    d(dk.RequestDocument(sid, doc))
    req = d.of(dk.AskDocument)[-1]
    m = Driver.meta(sid, req.request_id, doc, sha)
    d(dk.StillAvailable(m))
    d(dk.StillFetchProgress(m.sha256, 1000, 4000))
    return req


def test_request_still_verify_sends_the_decision_with_its_hash_and_tells_the_booth(d):
    offer(d, "s1")
    d(CallStateChanged("s1", CallState.CONNECTED))
    d(dk.RequestDocument("s1", KTP))
    req = d.of(dk.AskDocument)[-1]
    assert (req.session_id, req.document, req.capture) == ("s1", KTP, ctl.CaptureMode.AUTO)
    assert d.tile("s1").state is TileState.DOCUMENT_REQUESTED
    checklist = d.of(dk.SendControl)[-1].message
    assert [(i.document, i.status) for i in checklist.items] == [(KTP, ctl.ChecklistStatus.REQUESTED),
                                                                 (KK, ctl.ChecklistStatus.NEEDED)]
    m = Driver.meta("s1", req.request_id)
    d(dk.StillAvailable(m))
    assert dk.DocumentArrived(req.request_id) in d.commands and dk.FetchStill(m) in d.commands
    d(dk.StillFetchProgress(m.sha256, 1000, 4000))
    t = d.tile("s1")
    assert t.state is TileState.STILL_ARRIVING and (t.request.received_bytes, t.request.size) == (1000, 4000)
    assert t.request.queue_position == 0 and t.checklist[0].status is DocStatus.ARRIVING
    d(dk.StillFetched(m))
    entry = d.tile("s1").checklist[0]
    assert entry.status is DocStatus.RECEIVED and entry.still.sha256 == "ab" * 32 and d.tile("s1").request is None
    assert d.tile("s1").to_check == (KTP,)  # the tile says a still waits for the officer
    d(dk.Verify("s1", KTP))
    decision = d.sent[-1]
    assert isinstance(decision, p.Decision) and decision.still_sha256 == "ab" * 32 and decision.verdict.value == "accepted"
    verdict = d.of(dk.SendControl)[-2].message
    assert isinstance(verdict, ctl.DocumentVerdict) and verdict.request_id == req.request_id
    assert d.view.unconfirmed_decisions == 1 and d.tile("s1").to_check == ()
    d(dk.RequestAnswered(decision.id, True))
    assert d.view.unconfirmed_decisions == 0 and d.tile("s1").checklist[0].confirmed


def test_the_same_still_answering_a_new_request_is_not_fetched_again(d):
    offer(d, "s1")
    d(CallStateChanged("s1", CallState.CONNECTED))
    d(dk.RequestDocument("s1", KTP))
    first = d.of(dk.AskDocument)[-1]
    d(d.still("s1", first.request_id))
    d(dk.Verify("s1", KTP))
    d(dk.RequestDocument("s1", KTP))  # asked again: the booth's camera gives the very same bytes
    again = d.of(dk.AskDocument)[-1]
    fetches = len(d.of(dk.FetchStill))
    d(dk.StillAvailable(Driver.meta("s1", again.request_id)))
    assert len(d.of(dk.FetchStill)) == fetches  # the bytes are here already
    assert dk.DocumentArrived(again.request_id) in d.commands
    t = d.tile("s1")
    assert t.request is None and t.checklist[0].status is DocStatus.RECEIVED  # to decide on again


def test_stills_are_fetched_one_at_a_time_in_the_order_announced(d):
    for sid in ("s1", "s2", "s3"):
        offer(d, sid)
        d(dk.RequestDocument(sid, KTP))
    reqs = {c.session_id: c.request_id for c in d.of(dk.AskDocument)}
    metas = [Driver.meta(sid, reqs[sid], sha=f"{i:064x}") for i, sid in enumerate(("s2", "s1", "s3"), 1)]
    for m in metas:
        d(dk.StillAvailable(m))
    assert [c.still for c in d.of(dk.FetchStill)] == [metas[0]]
    assert [d.tile(s).request.queue_position for s in ("s2", "s1", "s3")] == [0, 1, 2]
    d(dk.StillFetched(metas[0]))
    assert [c.still for c in d.of(dk.FetchStill)] == metas[:2]
    assert d.tile("s1").request.queue_position == 0 and d.tile("s3").request.queue_position == 1
    d(dk.StillAvailable(metas[1]))  # announced again (the console reconnected): not fetched twice
    assert len(d.of(dk.FetchStill)) == 2


def test_reject_needs_a_still_and_carries_its_reason(d):
    offer(d, "s1")
    d(dk.Reject("s1", KTP, RejectReason.UNREADABLE))
    assert not [m for m in d.sent if isinstance(m, p.Decision)] and "no still" in d.view.messages[-1]
    assert (d.view.notices[-1].code, d.view.notices[-1].document) == ("no_still", KTP)
    req = document_arrives(d)
    d(d.still("s1", req.request_id))
    d(dk.Reject("s1", KTP, RejectReason.COVERED, note="thumb over the number"))
    dec = d.sent[-1]
    assert (dec.verdict.value, dec.reason, dec.note) == ("rejected", RejectReason.COVERED, "thumb over the number")
    assert d.tile("s1").checklist[0].status is DocStatus.REJECTED
    d(dk.Verify("s1", KTP))  # a second decision on the same still needs a new still
    assert sum(isinstance(m, p.Decision) for m in d.sent) == 1


def test_a_new_request_replaces_the_outstanding_one(d):
    offer(d, "s1")
    d(dk.RequestDocument("s1", KTP))
    first = d.of(dk.AskDocument)[-1]
    d(dk.RequestDocument("s1", KK))
    assert dk.WithdrawDocument(first.request_id) in d.commands
    assert d.tile("s1").request.document is KK
    assert d.tile("s1").checklist[0].status is DocStatus.NEEDED
    d(dk.CancelDocument("s1"))
    assert d.tile("s1").request is None and d.tile("s1").checklist[1].status is DocStatus.NEEDED


def test_failed_fetches_are_tried_again_then_the_officer_is_told(d):
    offer(d, "s1")
    req = document_arrives(d)
    m = Driver.meta("s1", req.request_id)
    d(dk.StillFetchFailed(m, "connection reset"))
    assert d.tile("s1").request.failures == 1 and d.of(dk.FetchStill)[-1].still == m
    d(dk.StillFetchFailed(m, "connection reset"))
    d(dk.StillFetchFailed(m, "connection reset"))
    assert d.tile("s1").request is None and "could not be fetched" in d.view.messages[-1]
    assert len(d.of(dk.FetchStill)) == 3


def test_a_camera_that_fails_at_the_booth_keeps_the_officer_informed(d):
    offer(d, "s1")
    d(dk.RequestDocument("s1", KTP))
    req = d.of(dk.AskDocument)[-1]
    d(DocumentFailed("s1", req.request_id, KTP, "capture_failed", "document camera: stopped delivering frames"))
    assert d.tile("s1").request is None and "stopped delivering frames" in d.view.messages[-1]
    assert d.tile("s1").checklist[0].status is DocStatus.NEEDED


def test_the_officers_own_devices_show_until_they_work_again_and_touch_no_booth(d):
    offer(d, "s1")
    assert d.view.officer_faults == ()
    d(dk.OfficerDevices((("speaker", "loudspeaker 'pulse': gone"), ("microphone", "microphone 'pulse': gone"))))
    assert d.view.officer_faults == (("microphone", "microphone 'pulse': gone"), ("speaker", "loudspeaker 'pulse': gone"))
    assert d.tile("s1").faults == () and d.tile("s1").state is TileState.TALKING
    d(dk.Tick(), 5.0)
    assert len(d.view.officer_faults) == 2
    d(dk.OfficerDevices((("speaker", "loudspeaker 'pulse': gone"),)))
    assert d.view.officer_faults == (("speaker", "loudspeaker 'pulse': gone"),)
    d(dk.OfficerDevices(()))
    assert d.view.officer_faults == ()


def test_decisions_unanswered_at_a_drop_are_sent_again_with_the_same_id(d):
    offer(d, "s1")
    req = document_arrives(d)
    d(d.still("s1", req.request_id))
    d(dk.Verify("s1", KTP))
    first = d.sent[-1]
    d(dk.ServerDown())
    d(dk.ServerUp(welcome(info("s1"))))
    again = d.sent[-1]
    assert again == first  # same id: the server records it once
    d(dk.RequestAnswered(first.id, True))
    assert d.view.unconfirmed_decisions == 0


def test_end_waits_for_every_decision_to_be_recorded(d):
    offer(d, "s1")
    req = document_arrives(d)
    d(d.still("s1", req.request_id))
    d(dk.Verify("s1", KTP))
    d(dk.End("s1", Outcome.DOCUMENTS_INCOMPLETE))
    assert not [m for m in d.sent if isinstance(m, p.End)] and d.tile("s1").busy
    assert d.tile("s1").missing == (KK,) and d.tile("s1").suggested_outcome is Outcome.DOCUMENTS_INCOMPLETE
    d(dk.RequestAnswered(d.sent[-1].id, True))
    end = d.sent[-1]
    assert isinstance(end, p.End) and end.outcome is Outcome.DOCUMENTS_INCOMPLETE
    d(dk.SessionChanged(info("s1", SessionState.ENDED)))
    assert all(t is None for t in d.view.tiles)


def test_a_still_that_arrives_after_its_booth_left_is_dropped(d):
    offer(d, "s1")
    req = document_arrives(d)
    m = Driver.meta("s1", req.request_id)
    d(dk.SessionChanged(info("s1", SessionState.ENDED)))
    assert dk.WithdrawDocument(req.request_id) in d.commands
    d(dk.StillFetched(m))
    assert dk.DropStill(m.sha256) in d.commands


def test_a_session_that_leaves_lets_go_of_every_still(d):
    offer(d, "s1")
    ktp = document_arrives(d, sha="a1" * 32)
    d(d.still("s1", ktp.request_id))
    d(dk.Verify("s1", KTP))
    kk = document_arrives(d, doc=KK, sha="b2" * 32)
    d(d.still("s1", kk.request_id))
    d.acks()
    d(dk.End("s1", Outcome.DOCUMENTS_INCOMPLETE))
    d.acks()
    d(dk.SessionChanged(info("s1", SessionState.ENDED)))
    assert {c.sha256 for c in d.of(dk.DropStill)} == {"a1" * 32, "b2" * 32}


def test_canned_prompt_in_the_booths_language(d):
    offer(d, "s1", language="en")
    d(dk.SendPrompt("s1", "show_document"))
    assert d.of(dk.SendControl)[-1].message == ctl.Prompt(text="Please place the document", key="show_document")
    d(dk.SendPrompt("s1", "no_such_prompt"))
    assert len([c for c in d.of(dk.SendControl) if isinstance(c.message, ctl.Prompt)]) == 1
    assert d.view.prompts == ("show_document",)


def test_queue_and_officers_online(d):
    d(dk.QueueChanged((info("s9", SessionState.WAITING),)))
    d(dk.PresenceChanged((p.PresenceEntry(role="cso", device_id="cso-01", since=1),
                          p.PresenceEntry(role="cso", device_id="cso-02", since=1),
                          p.PresenceEntry(role="booth", device_id="booth-01", since=1))))
    v = d.view
    assert v.queue[0].ticket == "A009" and v.queue[0].waited == pytest.approx(60) and v.officers == ("cso-02",)


def test_reconnect_drops_sessions_the_server_no_longer_gives_this_desk(d):
    offer(d, "s1")
    offer(d, "s2")
    d(dk.ServerDown())
    d(dk.ServerUp(welcome(info("s2"))))
    assert [t.session_id for t in d.view.tiles if t] == ["s2"] and dk.EndCall("s1") in d.commands


def test_desk_restarted_resumes_held_and_active_booths():
    drv = Driver()
    drv(dk.ServerUp(welcome(info("s1", SessionState.HELD), info("s2"))))
    assert drv.tile("s1").state is TileState.ON_HOLD and dk.SetHeld("s1", True) in drv.commands
    assert drv.view.focus == 2  # the active one gets the free focus


def test_queue_entries_carry_booking_name_and_service(d):
    booked = info("s9", SessionState.WAITING).model_copy(update={"kind": "booking", "booking_code": "BK-1",
                                                                "name": "Siti Rahayu"})
    d(dk.QueueChanged((booked,)))
    q = d.view.queue[0]
    assert (q.kind, q.booking_code, q.name, q.service) == ("booking", "BK-1", "Siti Rahayu", "jht_claim")


def test_complete_is_refused_while_a_document_is_missing(d):
    offer(d, "s1")
    d.acks()
    d(dk.End("s1", Outcome.COMPLETED))
    assert not [m for m in d.sent if isinstance(m, p.End)] and "missing ktp, kk" in d.view.messages[-1]
    n = d.view.notices[-1]
    assert (n.code, n.ticket, n.detail) == ("not_complete", "A001", "ktp, kk")  # for the console's own words
    assert not d.tile("s1").busy  # nothing is pending: the officer may pick another outcome
    for doc in (KTP, KK):
        req = document_arrives(d, doc=doc)
        d(d.still("s1", req.request_id))
        d(dk.Verify("s1", doc))
    d.acks()
    assert d.tile("s1").suggested_outcome is Outcome.COMPLETED and d.tile("s1").missing == ()
    d(dk.End("s1", Outcome.COMPLETED))
    assert isinstance(d.sent[-1], p.End) and d.sent[-1].outcome is Outcome.COMPLETED


def test_a_request_opens_the_document_view_which_the_officer_closes(d):
    offer(d, "s1")
    assert not d.tile("s1").document_view
    d(dk.RequestDocument("s1", KTP))
    assert d.tile("s1").document_view and d.of(dk.ShowDocument)[-1] == dk.ShowDocument("s1", True)
    d(dk.RequestDocument("s1", KK))  # already open: no second command
    assert len(d.of(dk.ShowDocument)) == 1
    d(dk.ShowDocumentView("s1", False))
    assert not d.tile("s1").document_view and d.of(dk.ShowDocument)[-1] == dk.ShowDocument("s1", False)
    d(dk.ShowDocumentView("s1", True))
    assert d.tile("s1").document_view


def test_end_note_names_what_is_missing_and_what_was_rejected(d):
    offer(d, "s1")
    assert dk.end_note(d.tile("s1")) == "missing: ktp, kk"
    req = document_arrives(d)
    d(d.still("s1", req.request_id))
    d(dk.Reject("s1", KTP, RejectReason.EXPIRED))
    t = d.tile("s1")
    assert t.rejected == ((KTP, RejectReason.EXPIRED),)
    assert dk.end_note(t) == "missing: kk; rejected: ktp (expired)"
    req = document_arrives(d, doc=KK)
    d(d.still("s1", req.request_id))
    d(dk.Verify("s1", KK))
    assert dk.end_note(d.tile("s1")) == "rejected: ktp (expired)"


# ---------------------------------------------------------------- exhaustive: random desks

SIDS = ["s1", "s2", "s3", "s4", "s5", "s6", "s7"]


@st.composite
def desk_events(draw):
    sid = draw(st.sampled_from(SIDS))
    kind = draw(st.sampled_from(["offer", "active", "held", "ended", "away", "focus", "slot", "hold", "unhold",
                                 "transfer", "end", "request", "queued", "still", "rejected", "verify", "reject",
                                 "ack", "nack", "down", "up", "lost", "connected", "hand", "tick"]))
    return kind, sid, draw(st.integers(1, 7))


@settings(max_examples=300, deadline=None)
@given(st.lists(desk_events(), max_size=80))
def test_desk_invariants_under_any_sequence(events):
    d = Driver()
    d(dk.ServerUp(welcome()))
    server: dict[str, SessionState] = {}
    recorded: dict[str, int] = {}  # decision id -> times the server recorded it
    for kind, sid, n in events:
        before = len(d.commands)
        if kind == "offer":
            server[sid] = SessionState.OFFERED
            d(dk.SessionChanged(info(sid, SessionState.OFFERED)))
        elif kind in ("active", "held") and sid in server:
            server[sid] = SessionState.ACTIVE if kind == "active" else SessionState.HELD
            d(dk.SessionChanged(info(sid, server[sid])))
        elif kind == "ended" and sid in server:
            del server[sid]
            d(dk.SessionChanged(info(sid, SessionState.ENDED)))
        elif kind == "away" and sid in server:
            del server[sid]
            d(dk.SessionChanged(info(sid, SessionState.WAITING)))
        elif kind == "focus":
            d(dk.Focus(sid))
        elif kind == "slot":
            d(dk.FocusSlot(n))
        elif kind == "hold":
            d(dk.Hold(sid))
        elif kind == "unhold":
            d(dk.Unhold(sid))
        elif kind == "transfer":
            d(dk.Transfer(sid))
        elif kind == "end":
            d(dk.End(sid, Outcome.COMPLETED if n % 2 else Outcome.DOCUMENTS_INCOMPLETE))
        elif kind == "request":
            d(dk.RequestDocument(sid, KTP if n % 2 else KK))
        elif kind in ("queued", "still", "rejected"):
            tile = next((t for t in d.view.tiles if t and t.session_id == sid and t.request), None)
            if tile is not None:
                rid, doc = tile.request.request_id, tile.request.document
                m = Driver.meta(sid, rid, doc, sha=f"{n:064x}")
                if kind == "queued":
                    d(dk.StillAvailable(m))
                elif kind == "still":
                    d(dk.StillFetched(m))
                else:
                    d(dk.StillFetchFailed(m, "x"))
        elif kind == "verify":
            d(dk.Verify(sid, KTP if n % 2 else KK))
        elif kind == "reject":
            d(dk.Reject(sid, KTP if n % 2 else KK, RejectReason.UNREADABLE))
        elif kind in ("ack", "nack") and d.desk._inflight:
            ref = sorted(d.desk._inflight)[n % len(d.desk._inflight)]
            msg = d.desk._inflight[ref][1]
            if isinstance(msg, p.Decision) and kind == "ack":
                recorded[ref] = 1  # a repeated id is recorded once by the server (see test_routing)
            d(dk.RequestAnswered(ref, kind == "ack", None if kind == "ack" else p.ErrorCode.INVALID_STATE, "no"))
        elif kind == "down":
            d(dk.ServerDown())
        elif kind == "up":
            d(dk.ServerUp(welcome(*(info(s, st_) for s, st_ in server.items()))))
        elif kind == "lost":
            d(CallStateChanged(sid, CallState.LOST))
        elif kind == "connected":
            d(CallStateChanged(sid, CallState.CONNECTED))
        elif kind == "hand":
            d(HandRaised(sid))
        else:
            d(dk.Tick(), dt=n * 10)
        v = d.view
        live = [t for t in v.tiles if t is not None]
        # focus is always a live slot
        assert v.focus is None or v.tiles[v.focus - 1] is not None
        assert d.desk.focus is None or d.desk.slot_of(d.desk.focus) is not None
        # a session is in at most one slot, and never more than the capacity
        assert len({t.session_id for t in live}) == len(live) <= v.capacity
        # exactly one tile talks, the focused one
        assert [t.session_id for t in live if TileState.TALKING in t.flags] == ([d.desk.focus] if d.desk.focus else [])
        # every decision went out under one id per verdict, and no End leaves before its decisions are recorded
        decisions = [m for m in d.sent if isinstance(m, p.Decision)]
        by_id: dict[str, p.Decision] = {}
        for m in decisions:
            assert by_id.setdefault(m.id, m) == m, "one id, one decision"
        fetching = [c for c in d.commands if isinstance(c, dk.FetchStill)]
        assert d.desk._fetching is None or d.desk._fetching == fetching[-1].still  # one fetch at a time
        for c in d.commands[before:]:
            if isinstance(c, dk.ServerRequest) and isinstance(c.message, p.End):
                ended = d.desk._slot(c.message.session_id)
                assert c.message.outcome is not Outcome.COMPLETED or ended is None or all(
                    e.status is DocStatus.VERIFIED for e in ended.docs.values()), "complete with a document missing"
                assert not [x for x in d.desk.decisions.values()
                            if x.message.session_id == c.message.session_id and not x.confirmed], \
                    "ended before its decisions were recorded"
        for ref, dec in d.desk.decisions.items():
            if dec.confirmed:
                continue
            assert ref in d.desk._inflight or not d.desk.server_up, "an unconfirmed decision is not on its way"


def test_recorded_decisions_leave_with_their_session_and_unrecorded_ones_stay(d):
    offer(d, "s1")
    offer(d, "s2")
    for sid in ("s1", "s2"):
        req = document_arrives(d, sid=sid, sha=("a1" if sid == "s1" else "b2") * 32)
        d(d.still(sid, req.request_id))
        d(dk.Verify(sid, KTP))
    pending = [ref for ref, dec in d.desk.decisions.items() if dec.message.session_id == "s2"]
    for ref in [r for r, dec in d.desk.decisions.items() if dec.message.session_id == "s1"]:
        d(dk.RequestAnswered(ref, True))
    d(dk.SessionChanged(info("s1", SessionState.ENDED)))
    d(dk.SessionChanged(info("s2", SessionState.ENDED)))  # (its decision not acknowledged yet)
    assert d.desk.decisions_recorded == 1
    assert [dec.message.session_id for dec in d.desk.decisions.values()] == ["s2"] and list(d.desk.decisions) == pending
