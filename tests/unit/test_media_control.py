"""Data-channel control messages: direction, size and shape are checked before anything acts."""
import pytest
from hypothesis import given, settings, strategies as st

from media import control as ctl
from media.errors import ControlRefused

OFFICER_ONLY = [ctl.Prompt(text="hi"), ctl.QualityRequest(face=None), ctl.DocumentRequest(request_id="r"),
                ctl.DocumentCancel(request_id="r"), ctl.Renegotiate(),
                ctl.DocumentVerdict(request_id="r", document="ktp", verdict="accepted"),
                ctl.ChecklistUpdate(items=[])]
BOOTH_ONLY = [ctl.DocumentPending(request_id="r"), ctl.StillError(request_id="r", reason="x"), ctl.RaiseHand(),
              ctl.BoothStatus(devices=[])]


@pytest.mark.parametrize("message", OFFICER_ONLY)
def test_a_booth_may_not_send_what_the_officer_sends(message):
    text = ctl.dump_control(message)
    assert ctl.parse_control(text, "cso") == message
    with pytest.raises(ControlRefused, match=f"a booth may not send '{message.type}'"):
        ctl.parse_control(text, "booth")


@pytest.mark.parametrize("message", BOOTH_ONLY)
def test_the_officer_may_not_send_what_a_booth_sends(message):
    text = ctl.dump_control(message)
    assert ctl.parse_control(text, "booth") == message
    with pytest.raises(ControlRefused, match=f"a cso may not send '{message.type}'"):
        ctl.parse_control(text, "cso")


def test_every_message_type_has_a_direction():
    from typing import get_args

    union = get_args(get_args(ctl.ControlMessage)[0])
    assert set(union) == ctl.FROM_CSO | ctl.FROM_BOOTH


@pytest.mark.parametrize("text,words", [
    ('{"type": "prompt", "text": "' + "x" * 17000 + '"}', "over the 16384-byte limit"),
    ("not json", "bad control message"),
    ('{"type": "document_request", "request_id": "r", "document": "passport"}', "document"),
    ('{"type": "checklist", "items": [{"document": "ktp", "status": "lost"}]}', "status"),
    ('{"type": "still_begin", "still_id": 1}', "still_begin"),  # stills no longer travel here
])
def test_malformed_messages_are_refused_with_a_reason(text, words):
    with pytest.raises(ControlRefused, match=words):
        ctl.parse_control(text, "cso")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300) | st.binary(max_size=300))
def test_arbitrary_input_is_parsed_or_refused_never_crashes(data):
    try:
        ctl.parse_control(data, "booth")
    except ControlRefused:
        pass


@pytest.mark.parametrize("text", ['{"type": "ping", "seq": 1, "sent_at": -Infinity}',
                                  '{"type": "pong", "seq": 1, "sent_at": NaN}',
                                  '{"type": "quality", "face": {"width": 640, "height": 480, "fps": Infinity}}'])
def test_numbers_json_cannot_carry_back_are_refused(text):
    """Found by bench.fuzz: a ping with sent_at=-inf was answered with a pong saying null."""
    with pytest.raises(ControlRefused, match="finite number"):
        ctl.parse_control(text, "cso")


def test_generated_messages_of_every_type_parse_or_are_refused_and_encode_back():
    """bench.fuzz's data-channel fuzz, CI-sized: every control type, mostly plausible, some bent."""
    from bench.fuzz import fuzz_control

    tally = fuzz_control(1500)
    assert tally.findings == []
    assert tally.cases == 1500 and tally.parsed > 100 and tally.refused > 100
