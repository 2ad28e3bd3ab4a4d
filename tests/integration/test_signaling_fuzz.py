"""Generated messages of every type inside a live booth–CSO session, against a real server.

The same driver as ``bench/fuzz.py`` (which runs 10,000 cases), with fewer cases: every request
with a readable id answered exactly once, relays passed on unchanged, no internal error, no
traceback in the log. The server runs in this process (its log is watched directly).
"""
from __future__ import annotations

import pytest

from bench.fuzz import Driver, LoopThread, fuzz_wire
from signaling.testing import running_server

from test_signaling_kit import watch_tracebacks

CASES = 300
"""Wire cases in CI (10-40 s here, with the machine idle or loaded); bench.fuzz runs 10,000."""


@pytest.fixture
def live_session(tmp_path):
    """A running server, a driver holding a live session on it, and the loop they run on."""
    loop = LoopThread()
    cm = running_server(tmp_path / "branch.db", booths=2, csos=2, technicians=1, rate_per_second=1e5,
                        rate_burst=1_000_000, still_part_timeout=0.5, ping_interval=600, ping_timeout=600)
    branch = loop.run(cm.__aenter__())
    driver = Driver(branch.url, branch.tokens)
    try:
        loop.run(driver.start())
        yield loop, driver
        loop.run(driver.stop())
    finally:
        loop.run(cm.__aexit__(None, None, None))
        loop.close()


def test_generated_cases_in_a_live_session_are_each_answered_once(live_session):
    loop, driver = live_session
    with watch_tracebacks() as tracebacks:
        tally = fuzz_wire(driver, loop, CASES)
    assert tally.findings == []
    assert tally.cases == CASES
    assert tally.with_id > CASES / 2 and tally.answered_once == tally.with_id
    assert tally.relayed > 0 and tally.answers.get("ack", 0) > 0  # it did relay within the session
    assert tally.sessions_set_up >= 1
    assert tracebacks.records == [], tracebacks.describe()

