"""The paced worker thread the QR reader and the camera previews share (real threads, real time)."""
from __future__ import annotations

import time

from hardware.paced import PacedWorker


class Counter(PacedWorker):
    def __init__(self, rate: float) -> None:
        self.steps = 0
        super().__init__(1.0 / rate, "test-counter")

    def _step(self) -> None:
        self.steps += 1


def test_steps_only_while_on_at_most_at_its_rate_and_ends_on_close():
    w = Counter(rate=20.0)
    try:
        time.sleep(0.2)
        assert w.steps == 0 and not w.on  # starts off
        w.set_on(True)
        time.sleep(0.5)
        n = w.steps
        assert 3 <= n <= 12  # about 10 in 0.5 s at 20/s; never more than the rate allows (+ the first)
        w.set_on(False)
        time.sleep(0.1)  # a step under way may finish
        stopped = w.steps
        time.sleep(0.3)
        assert w.steps == stopped
    finally:
        w.close()
    assert not w._thread.is_alive()
