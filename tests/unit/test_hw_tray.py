"""Learning the empty tray between visits (hardware.scanner.TrayWatch), pure: frames and
timestamps in; and the document scanner's worker that feeds it (hardware.scanning)."""
from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

from hardware import docrender, scanner
from hardware.scanner import TrayModel, TrayStep, TrayWatch
from hardware.scanning import DocumentScanner

SIZE = (960, 540)
TRAY = docrender.tray_background(SIZE, seed=21)
CARD_FRAME, CARD = docrender.place_on_tray(docrender.render_id_card(seed=4), SIZE, angle=12, scale=0.6, seed=5,
                                           tray_seed=21)


def noisy(frame: np.ndarray, seed: int, gain: float = 1.0) -> np.ndarray:
    """The frame as a camera gives it again: fresh sensor noise, and the lamp at ``gain``."""
    rng = np.random.default_rng(seed)
    out = frame.astype(np.float32) * gain + rng.normal(0, 2.0, frame.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def watch(**kw) -> TrayWatch:
    return TrayWatch(TrayModel(min_frames=3), **{"quiet_s": 2.0, "every_s": 1.0, **kw})


def run(w: TrayWatch, frames, t0: float = 0.0) -> list[TrayStep]:
    return [w.feed(t0 + i, f) for i, f in enumerate(frames)]


def test_a_still_empty_tray_is_learned_once_quiet():
    w = watch()
    steps = run(w, [noisy(TRAY, i) for i in range(6)])
    assert steps[:2] == [TrayStep.MOVING, TrayStep.MOVING]  # still for 2 s first
    assert steps[2:] == [TrayStep.LEARNED] * 4 and w.model.ready


def test_nothing_is_learned_while_something_moves_over_the_tray():
    w = watch()
    frames = []
    for i in range(8):  # a hand (a dark blob) sweeps across the tray
        f = TRAY.copy()
        cv2.circle(f, (100 + 110 * i, 270), 90, (70, 110, 160), -1)
        frames.append(noisy(f, i))
    assert set(run(w, frames)) == {TrayStep.MOVING} and w.model.frames == 0


def test_a_document_on_the_idle_tray_is_not_learned_until_it_settles():
    w = watch(settle_s=30.0)
    run(w, [noisy(TRAY, i) for i in range(6)])
    learned = w.model.frames
    steps = run(w, [noisy(CARD_FRAME, 10 + i) for i in range(5)], t0=10.0)
    assert steps[0] is TrayStep.MOVING and set(steps[2:]) == {TrayStep.DOCUMENT} and w.model.frames == learned
    # still there after settle_s (a tray marking that fools the scanner, a forgotten card): learned
    assert w.feed(60.0, noisy(CARD_FRAME, 99)) in (TrayStep.LEARNED, TrayStep.RELEARNED)


def test_light_drift_is_followed_and_a_changed_tray_relearned():
    w = watch(relearn_s=5.0)
    run(w, [noisy(TRAY, i) for i in range(6)])
    # the whole tray a little brighter (daylight): matched, learned
    assert run(w, [noisy(TRAY, 20 + i, gain=1.15) for i in range(3)], t0=10.0)[-1] is TrayStep.LEARNED
    # a lamp switched on at one side: the left half brighter, most at the edge
    gain = np.clip(1.7 - 1.4 * np.linspace(0, 1, SIZE[0]), 1.0, None).astype(np.float32)
    lamp = (TRAY.astype(np.float32) * gain[None, :, None]).clip(0, 255).astype(np.uint8)
    steps = run(w, [noisy(lamp, 30 + i) for i in range(10)], t0=20.0)
    assert TrayStep.CHANGED in steps and steps.index(TrayStep.RELEARNED) > steps.index(TrayStep.CHANGED)
    assert steps[-1] is TrayStep.LEARNED and w.model.changed_fraction(noisy(lamp, 50)) < 0.03


def test_forgetting_the_view_waits_for_a_still_tray_again_and_keeps_the_model():
    w = watch()
    run(w, [noisy(TRAY, i) for i in range(6)])
    w.forget_view()
    assert w._previous is None and w.model.ready
    assert w.feed(10.0, noisy(TRAY, 10)) is TrayStep.MOVING


def test_the_learned_tray_finds_the_document_and_never_the_bare_tray():
    w = watch()
    run(w, [noisy(TRAY, i) for i in range(6)])
    assert scanner.find_document(noisy(TRAY, 40), tray=w.model) is None
    det = scanner.find_document(noisy(CARD_FRAME, 41), tray=w.model)
    assert det is not None
    err = min(np.max(np.linalg.norm(np.roll(det.corners, k, 0) - CARD, axis=1)) for k in range(4))
    assert err / np.linalg.norm(CARD[2] - CARD[0]) < 0.015


class Camera:
    """A document camera whose scene the test sets (with fresh noise on every frame)."""

    def __init__(self, scene: np.ndarray) -> None:
        self.scene, self.n = scene, 0

    def latest_frame(self) -> np.ndarray:
        self.n += 1
        return noisy(self.scene, self.n)


def until(cond, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.fixture
def worker():
    results = []
    done = threading.Event()
    cam = Camera(TRAY)

    def on_result(r):
        results.append(r)
        if r.still is not None:
            done.set()

    s = DocumentScanner(cam, on_result, rate=50, tray=TrayWatch(TrayModel(min_frames=3), quiet_s=0.0, every_s=0.0),
                        tray_interval=0.01)
    yield s, cam, results, done
    s.close()


def test_the_scanner_learns_the_idle_tray_and_scans_with_it(worker):
    s, cam, results, done = worker
    time.sleep(0.05)
    assert s.tray.model.frames == 0  # not watching: nothing learned
    s.watch_tray(True)
    until(lambda: s.tray_ready, "the empty tray learned")
    s.watch_tray(False)
    s.reset()  # a wipe forgets the last view, keeps the model
    until(lambda: s.tray._previous is None, "the view forgotten")
    assert s.tray_ready
    cam.scene = CARD_FRAME
    s.start("r1")
    assert done.wait(20), [r.reason for r in results[-5:]]
    assert results[-1].still is not None and s.tray_steps.get(TrayStep.LEARNED, 0) >= 3
