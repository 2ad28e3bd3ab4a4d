"""Document pipeline against synthetic documents whose true geometry is known."""
import types
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import example, assume, given, settings, strategies as st

from hardware import docrender, scanner
from hardware.scanner import AutoCapture, CaptureState, Detection, Quality, Reason

SIZE = (1280, 720)  # smaller than the real 1080p camera keeps the suite fast
CARD = docrender.render_id_card(seed=11)
FORM = docrender.render_claim_form(seed=12, width=900)


def corner_error(found: np.ndarray, truth: np.ndarray) -> float:
    """Largest corner distance, as a fraction of the true diagonal (corner order ignored)."""
    diag = np.linalg.norm(truth[2] - truth[0])
    return min(np.max(np.linalg.norm(np.roll(found, k, 0) - truth, axis=1)) for k in range(4)) / diag


def inside(corners: np.ndarray, margin: float = 12) -> bool:
    return bool((corners.min(axis=0) > margin).all() and (corners[:, 0] < SIZE[0] - margin).all()
                and (corners[:, 1] < SIZE[1] - margin).all())


# --- find_document ---------------------------------------------------------------------------

@pytest.mark.parametrize("doc", ["card", "form"])
@pytest.mark.parametrize("placement", [
    dict(angle=0, scale=0.5),
    dict(angle=17, scale=0.6, tilt=0.15),
    dict(angle=-33, scale=0.45, tilt=-0.1, center=(0.4, 0.55)),
    dict(angle=88, scale=0.55),
    dict(angle=45, scale=0.7),
    dict(angle=8, scale=0.5, blur=2.5),
    dict(angle=8, scale=0.5, glare=(0.4, 0.5, 0.35)),
])
def test_finds_the_document_corners(doc, placement):
    img = CARD if doc == "card" else FORM
    frame, truth = docrender.place_on_tray(img, SIZE, seed=3, **placement)
    det = scanner.find_document(frame)
    assert det is not None
    assert not det.touches_edge
    assert corner_error(det.corners, truth) <= 0.015
    assert det.frame_size == SIZE
    assert det.area_fraction == pytest.approx(
        cv2.contourArea(truth.astype(np.float32)) / (SIZE[0] * SIZE[1]), rel=0.05)


@settings(max_examples=15, deadline=None)
# A small card that once came out 1.56 % off (the rough outline found on the shrunken frame).
@example(card=True, angle=-35.421875, scale=0.30570323116258447, tilt=-0.06640625, cx=0.6950400267046588,
         cy=0.6875, seed=78)
@given(
    card=st.booleans(),
    angle=st.floats(-60, 60),
    scale=st.floats(0.3, 0.85),
    tilt=st.floats(-0.2, 0.2),
    cx=st.floats(0.3, 0.7),
    cy=st.floats(0.3, 0.7),
    seed=st.integers(0, 1000),
)
def test_corner_accuracy_over_random_placements(card, angle, scale, tilt, cx, cy, seed):
    img = CARD if card else FORM
    truth = docrender.document_corners((img.shape[1], img.shape[0]), SIZE, center=(cx, cy),
                                       angle=angle, scale=scale, tilt=tilt)
    assume(inside(truth))
    # Pages on or near the painted tray outline have their own test below (one in forty of
    # them is still mis-cornered, which would make this one flaky).
    inset = 0.04 * min(SIZE)
    assume(inside(truth, margin=inset + 25))
    frame, truth = docrender.place_on_tray(img, SIZE, truth, seed=seed)
    det = scanner.find_document(frame)
    assert det is not None
    assert corner_error(det.corners, truth) <= 0.015


def test_a_card_whose_top_edge_is_its_band_is_outlined_whole():
    """Found by Hypothesis (1 in several hundred random placements; 0 of 300 in a rerun): a small,
    tilted card whose blue band runs along its top edge. A side counts where the colour changes
    most right on it: the band's own lower edge a few work pixels inside is stronger, so the top
    side is weak and a crisp strip of the card (the card below its band and more) was chosen, 0.65
    of the diagonal off. That strip has no document's shape (`_document_shaped`): the card is the
    next outline looked at."""
    truth = docrender.document_corners((CARD.shape[1], CARD.shape[0]), SIZE, center=(0.625, 0.4153922482577677),
                                       angle=23.875, scale=1 / 3, tilt=0.15625)
    frame, truth = docrender.place_on_tray(CARD, SIZE, truth, seed=1)
    det = scanner.find_document(frame)
    assert det is not None
    assert corner_error(det.corners, truth) <= 0.015


def test_pages_on_the_painted_tray_outline():
    """A page whose edge lies on or near the line painted around the tray (4 % in from the
    frame edge) is not merged with the paint: fixed placements, at most one of twelve off."""
    rng = np.random.default_rng(5)
    inset = 0.04 * min(SIZE)
    errors = []
    while len(errors) < 12:
        img = CARD if rng.random() < 0.5 else FORM
        truth = docrender.document_corners((img.shape[1], img.shape[0]), SIZE, center=tuple(rng.uniform(0.3, 0.7, 2)),
                                           angle=rng.uniform(-60, 60), scale=rng.uniform(0.3, 0.85),
                                           tilt=rng.uniform(-0.2, 0.2))
        if not inside(truth) or inside(truth, margin=inset + 25):
            continue
        frame, truth = docrender.place_on_tray(img, SIZE, truth, seed=int(rng.integers(1000)))
        det = scanner.find_document(frame)
        errors.append(1.0 if det is None else corner_error(det.corners, truth))
    assert sum(e > 0.015 for e in errors) <= 1, errors


def test_a_corner_under_a_hand_the_skin_box_misses_is_where_the_seen_sides_meet():
    """A corner hidden under a hand whose colour the skin box does not take for skin (dark skin
    at Cr about 134, measured on real fingers) is also where the two seen sides meet: the spot is
    not the surface, so something lies on the page's corner there."""
    frame = np.full((720, 1280, 3), 130, np.uint8)
    truth = np.array([[400.0, 150.0], [850.0, 190.0], [820.0, 560.0], [370.0, 520.0]])
    cv2.fillConvexPoly(frame, np.round(truth * 16).astype(np.int32), (235, 235, 235), cv2.LINE_AA, 4)
    c = truth[2].astype(int)
    dark = (55, 62, 72)  # BGR: YCrCb about (64, 134, 122), below the skin box's Cr
    cv2.line(frame, (int(c[0]), int(c[1])), (int(c[0]) + 150, 719), dark, 70)  # a hand from the bottom
    cv2.circle(frame, (int(c[0]), int(c[1])), 40, dark, -1)  # its thumb over the corner
    frame = cv2.GaussianBlur(frame, (5, 5), 1.0)
    work = scanner._prepare(frame, scanner.WORK_WIDTH)
    h, w = work.shape
    skin = scanner._skin(work.ycc)
    common = scanner._border_colours(work.ycc, max(3, int(0.03 * min(h, w))))
    spot = np.round((truth[2] + 0.5) * work.f - 0.5).astype(int)
    assert not skin[spot[1] - 2:spot[1] + 3, spot[0] - 2:spot[0] + 3].any()  # not skin by colour
    rough = truth.copy()
    inward = truth.mean(axis=0) - truth[2]
    rough[2] += 30 * inward / np.linalg.norm(inward)  # 30 px inside, beyond the usual refit's reach
    seen = scanner._refine_full_resolution(frame, rough, 1 / work.f, None, skin | ~common)
    bare = scanner._refine_full_resolution(frame, rough, 1 / work.f)
    assert np.hypot(*(seen[2] - truth[2])) < 10.0
    assert np.hypot(*(bare[2] - rough[2])) < 1.0  # nothing said about what covers it: kept
    # where the sides' lines meet on the bare surface, the rough corner stays
    on_surface = np.zeros((h, w), bool)
    kept = scanner._refine_full_resolution(frame, rough, 1 / work.f, None, on_surface)
    assert np.hypot(*(kept[2] - rough[2])) < 1.0
    det = scanner.find_document(frame)
    assert det is not None and corner_error(det.corners, truth) < 0.01


def test_a_beige_card_is_the_card_not_its_photo():
    """A card whose body is skin-toned (cream, beige) is not taken for a hand: its four straight
    edges make it the document, rather than the crisp photo printed on it."""
    beige = CARD.copy()
    beige[CARD.astype(np.int32).sum(axis=2) > 600] = (150, 190, 230)  # YCrCb inside the skin box
    frame, truth = docrender.place_on_tray(beige, SIZE, angle=15, scale=0.6, seed=3)
    det = scanner.find_document(frame)
    assert det is not None and corner_error(det.corners, truth) <= 0.015


@pytest.mark.parametrize("placement", [
    dict(angle=0, scale=0.5),
    dict(angle=23, scale=0.35, tilt=0.12),
    dict(angle=-61, scale=0.4, center=(0.35, 0.45)),
    dict(angle=90, scale=0.6, tilt=-0.1, center=(0.6, 0.5)),
])
def test_a_card_with_rounded_corners_is_outlined_where_its_sides_meet(placement):
    """A real KTP has rounded corners (3.18 mm on 54 mm): the outline is still the card's own
    four corners, where its sides' lines meet, not points on the arcs or an eight-sided shape."""
    frame, truth = docrender.place_on_tray(CARD, SIZE, seed=5, corner_radius=docrender.CARD_CORNER_RADIUS,
                                           **placement)
    det = scanner.find_document(frame)
    assert det is not None
    assert corner_error(det.corners, truth) <= 0.015
    assert scanner.assess(frame, det).reason is Reason.OK


def test_place_on_tray_refuses_a_corner_radius_past_half_the_side():
    with pytest.raises(ValueError, match="corner_radius"):
        docrender.place_on_tray(CARD, SIZE, corner_radius=0.5)


def test_corners_come_ordered_tl_tr_br_bl():
    frame, truth = docrender.place_on_tray(CARD, SIZE, angle=20, scale=0.6, seed=1)
    det = scanner.find_document(frame)
    assert np.max(np.linalg.norm(det.corners - truth, axis=1)) < 0.015 * np.linalg.norm(truth[2] - truth[0])
    shuffled = truth[[2, 0, 3, 1]]
    assert np.allclose(scanner.order_corners(shuffled), truth)


def test_empty_tray_has_no_document():
    assert scanner.find_document(docrender.tray_background(SIZE, seed=4)) is None


def test_blobs_that_are_not_pages_are_rejected():
    frame = docrender.tray_background(SIZE, seed=4)
    disc = frame.copy()
    cv2.circle(disc, (640, 360), 200, (230, 230, 230), -1)
    assert scanner.find_document(disc) is None
    strip = frame.copy()
    cv2.rectangle(strip, (200, 330), (1100, 400), (230, 230, 230), -1)  # 13:1, no document
    assert scanner.find_document(strip) is None
    speck = frame.copy()
    cv2.rectangle(speck, (600, 340), (615, 350), (230, 230, 230), -1)
    assert scanner.find_document(speck) is None


@pytest.mark.parametrize("ratio", [1.0, 1.1])
def test_a_whole_outline_without_a_documents_shape_is_not_a_document(ratio):
    """A printed square board (or one nearly square) lying whole in the frame has edges all round
    but none of the shapes a booth takes (cards 1.59, forms 1.29-1.54, bank books and photos
    1.33-1.5): no document. The same print cut to those shapes is found."""
    w = FORM.shape[1]
    board = np.ascontiguousarray(FORM[: int(round(w * ratio))])
    frame, _ = docrender.place_on_tray(board, SIZE, angle=12, scale=0.55, seed=3)
    assert scanner.find_document(frame) is None
    assert not scanner._document_shaped(np.array([[0, 0], [w, 0], [w, w * ratio], [0, w * ratio]], float))


@pytest.mark.parametrize("ratio", [1.29, 4 / 3, 1.5])
def test_letters_bank_books_and_photo_prints_are_found(ratio):
    """The shapes a booth takes besides A4 and ID-1 cards (US letter, bank books, photo prints)."""
    w = FORM.shape[1]
    page = np.ascontiguousarray(FORM[: int(round(w * ratio))])
    frame, truth = docrender.place_on_tray(page, SIZE, angle=-20, scale=0.55, tilt=0.1, seed=3)
    det = scanner.find_document(frame)
    assert det is not None and corner_error(det.corners, truth) <= 0.015


def test_a_square_page_a_hand_lies_on_is_still_seen():
    """With a hand on it an outline's shape says little (a page partly hidden, or joined to the
    hand): kept when no outline of a document's shape is there, so COVERED can be named."""
    w = FORM.shape[1]
    board = np.ascontiguousarray(FORM[:w])
    frame, corners = docrender.place_on_tray(board, SIZE, center=(0.5, 0.4), angle=0, scale=0.5, seed=3)
    x, y = int(corners[:, 0].mean()), int(corners[:, 1].mean())
    frame[y:int(corners[:, 1].max()) + 60, x:x + 60] = (120, 150, 210)  # BGR skin, from the middle on down
    det = scanner.find_document(frame)
    assert det is not None and scanner.assess(frame, det).reason is Reason.COVERED


def test_document_partly_out_of_frame_is_found_and_flagged():
    frame, _ = docrender.place_on_tray(FORM, SIZE, center=(0.05, 0.5), angle=10, scale=0.7, seed=2)
    det = scanner.find_document(frame)
    assert det is not None and det.touches_edge


# --- rectify ---------------------------------------------------------------------------------

def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised cross-correlation of two pages (b resized to a's size, rim cut, softened)."""
    ga = cv2.cvtColor(a, cv2.COLOR_BGR2GRAY).astype(np.float32)
    gb = cv2.resize(cv2.cvtColor(b, cv2.COLOR_BGR2GRAY), (a.shape[1], a.shape[0]),
                    interpolation=cv2.INTER_AREA).astype(np.float32)
    r = int(0.04 * min(ga.shape))
    ga = cv2.GaussianBlur(ga[r:-r, r:-r], (0, 0), 2.0)
    gb = cv2.GaussianBlur(gb[r:-r, r:-r], (0, 0), 2.0)
    ga, gb = ga - ga.mean(), gb - gb.mean()
    return float((ga * gb).sum() / np.sqrt((ga * ga).sum() * (gb * gb).sum()))


@pytest.mark.parametrize("doc,angle,tilt", [("card", 0, 0), ("card", 25, 0.12), ("card", -40, -0.1),
                                            ("form", 12, 0.1), ("form", -30, 0)])
def test_rectify_recovers_the_flat_page(doc, angle, tilt):
    img = CARD if doc == "card" else FORM
    frame, _ = docrender.place_on_tray(img, SIZE, angle=angle, tilt=tilt, scale=0.75, seed=5)
    det = scanner.find_document(frame)
    page = scanner.rectify(frame, det.corners)
    aspect = page.shape[1] / page.shape[0]
    want = docrender.CARD_ASPECT if doc == "card" else docrender.A4_ASPECT
    assert aspect == pytest.approx(want, rel=0.06 + abs(tilt))
    assert similarity(page, img) > 0.8


@pytest.mark.parametrize("doc,angle", [("card", 85), ("card", -80), ("form", 90), ("form", -75)])
def test_rectify_turns_sideways_pages_upright(doc, angle):
    img = CARD if doc == "card" else FORM
    frame, _ = docrender.place_on_tray(img, SIZE, angle=angle, scale=0.7, seed=6)
    det = scanner.find_document(frame)
    page = scanner.rectify(frame, det.corners)
    if doc == "card":
        assert page.shape[1] > page.shape[0]
    else:
        assert page.shape[0] > page.shape[1]
    # Upright or upside down: either way the text rows run horizontally.
    best = max(similarity(page, img), similarity(page, img[::-1, ::-1].copy()))
    assert best > 0.8


def test_rectify_honours_kind_and_max_side():
    frame, _ = docrender.place_on_tray(CARD, SIZE, angle=5, scale=0.7, seed=6)
    det = scanner.find_document(frame)
    assert scanner.rectify(frame, det.corners, kind="form").shape[0] > scanner.rectify(frame, det.corners, kind="form").shape[1]
    small = scanner.rectify(frame, det.corners, max_side=300)
    assert max(small.shape[:2]) == 300


def test_rectify_rejects_degenerate_corners():
    frame = docrender.tray_background(SIZE)
    with pytest.raises(ValueError, match="no page"):
        scanner.rectify(frame, np.zeros((4, 2)))


# --- assess ----------------------------------------------------------------------------------

@pytest.mark.parametrize("doc", ["card", "form"])
@pytest.mark.parametrize("placement,reason", [
    (dict(angle=10, scale=0.6), Reason.OK),
    (dict(angle=10, scale=0.6, tilt=0.1), Reason.OK),
    (dict(angle=10, scale=0.6, blur=2.5), Reason.BLURRY),
    (dict(angle=10, scale=0.6, blur=3.5), Reason.BLURRY),
    (dict(angle=10, scale=0.6, glare=(0.5, 0.5, 0.3)), Reason.GLARE),
    (dict(angle=10, scale=0.6, center=(0.92, 0.5)), Reason.OUT_OF_FRAME),
    (dict(angle=10, scale=0.6, center=(0.5, 0.02)), Reason.OUT_OF_FRAME),
    (dict(angle=10, scale=0.22), Reason.TOO_SMALL),
])
def test_assess_names_the_problem(doc, placement, reason, request):
    if doc == "card" and placement.get("center") == (0.5, 0.02):
        request.node.add_marker(pytest.mark.xfail(
            reason="known regression (P6): a card cut across its coloured band by the top frame edge is "
                   "not found (the form cut the same way is)", strict=True))
    img = CARD if doc == "card" else FORM
    frame, _ = docrender.place_on_tray(img, SIZE, seed=8, **placement)
    quality = scanner.assess(frame, scanner.find_document(frame))
    assert quality.reason is reason, quality
    assert quality.ok == (reason is Reason.OK)


def test_assess_without_document_and_thresholds_are_configurable():
    frame = docrender.tray_background(SIZE)
    assert scanner.assess(frame, None).reasons == (Reason.NO_DOCUMENT,)
    frame, _ = docrender.place_on_tray(CARD, SIZE, angle=10, scale=0.6, blur=1.0, seed=8)
    det = scanner.find_document(frame)
    relaxed = scanner.assess(frame, det)
    assert relaxed.ok and relaxed.edge_blur == relaxed.edge_blur  # the outline was measured
    strict = scanner.assess(frame, det, scanner.QualityLimits(max_edge_blur=relaxed.edge_blur - 0.05))
    assert strict.reason is Reason.BLURRY


def test_assess_lists_every_problem_most_important_first():
    frame, _ = docrender.place_on_tray(CARD, SIZE, scale=0.6, center=(0.93, 0.5), blur=3, seed=8)
    quality = scanner.assess(frame, scanner.find_document(frame))
    assert quality.reasons[:2] == (Reason.OUT_OF_FRAME, Reason.BLURRY)


# --- AutoCapture -----------------------------------------------------------------------------

BASE = np.array([[400.0, 200.0], [900.0, 210.0], [890.0, 520.0], [410.0, 510.0]])
GOOD = Quality(reasons=(Reason.OK,))
BLURRY = Quality(reasons=(Reason.BLURRY,))
NONE = Quality(reasons=(Reason.NO_DOCUMENT,))


def det(dx: float = 0.0, dy: float = 0.0) -> Detection:
    return Detection(corners=BASE + [dx, dy], area_fraction=0.2, touches_edge=False, frame_size=SIZE)


def run(auto: AutoCapture, frames) -> list[float]:
    """Feed (t, detection, quality) frames; return the capture timestamps."""
    return [c.timestamp for t, d, q in frames if (c := auto.feed(t, d, q))]


def ticks(t0: float, t1: float, fps: float = 30.0):
    return [t0 + i / fps for i in range(int(round((t1 - t0) * fps)))]


def test_captures_once_after_holding_still():
    auto = AutoCapture(hold_s=0.8)
    got = run(auto, [(t, det(), GOOD) for t in ticks(0, 3)])
    assert len(got) == 1 and 0.8 <= got[0] < 0.8 + 1 / 15
    assert auto.state is CaptureState.CAPTURED


def test_small_jitter_is_still_but_movement_is_not():
    auto = AutoCapture(hold_s=0.8, still_px=6)
    jitter = [(t, det(2 * np.sin(40 * t), 2 * np.cos(33 * t)), GOOD) for t in ticks(0, 1.2)]
    assert len(run(auto, jitter)) == 1
    auto = AutoCapture(hold_s=0.8, still_px=6)
    moving = [(t, det(300 * t), GOOD) for t in ticks(0, 1)]  # sliding in: never still
    assert run(auto, moving) == []
    stop = [(t, det(300), GOOD) for t in ticks(1, 2.5)]
    got = run(auto, stop)
    assert len(got) == 1 and got[0] >= 1.8


def test_slow_drift_is_measured_from_where_it_settled():
    auto = AutoCapture(hold_s=0.8, still_px=6)
    drift = [(t, det(10 * t), GOOD) for t in ticks(0, 3)]  # 0.33 px per frame, 10 px/s
    got = run(auto, drift)
    # 10 px/s crosses 6 px in 0.6 s, before the 0.8 s hold: never captured.
    assert got == []


def test_bad_quality_restarts_the_hold():
    auto = AutoCapture(hold_s=0.8)
    frames = [(t, det(), GOOD) for t in ticks(0, 0.7)] + [(0.7, det(), BLURRY)]
    frames += [(t, det(), GOOD) for t in ticks(0.72, 2)]
    got = run(auto, frames)
    assert len(got) == 1 and got[0] >= 0.72 + 0.8


def test_no_second_capture_until_the_tray_was_empty_long_enough():
    auto = AutoCapture(hold_s=0.8, rearm_empty_s=0.5)
    frames = [(t, det(), GOOD) for t in ticks(0, 2)]
    frames += [(t, None, NONE) for t in ticks(2, 2.2)]          # brief dropout: not empty
    frames += [(t, det(), GOOD) for t in ticks(2.2, 4)]
    frames += [(t, None, NONE) for t in ticks(4, 4.7)]          # really taken away
    frames += [(t, det(3, 3), GOOD) for t in ticks(4.7, 6)]     # put back: a new capture
    got = run(auto, frames)
    assert len(got) == 2
    assert got[0] < 1 and 4.7 + 0.8 <= got[1] < 4.7 + 0.9


def test_moving_the_document_away_rearms():
    auto = AutoCapture(hold_s=0.5, rearm_move_px=120)
    frames = [(t, det(), GOOD) for t in ticks(0, 1)]
    frames += [(t, det(60), GOOD) for t in ticks(1, 2)]     # nudged: same document
    frames += [(t, det(400, 50), GOOD) for t in ticks(2, 3)]  # moved far: another document
    got = run(auto, frames)
    assert len(got) == 2 and got[1] >= 2.5


def test_progress_and_reset():
    auto = AutoCapture(hold_s=1.0)
    auto.feed(0.0, det(), GOOD)
    auto.feed(0.5, det(), GOOD)
    assert auto.progress == pytest.approx(0.5)
    assert auto.state is CaptureState.STEADYING
    assert auto.feed(1.0, det(), GOOD) is not None
    assert auto.feed(1.5, det(), GOOD) is None
    auto.reset()
    auto.feed(2.0, det(), GOOD)
    assert auto.feed(3.0, det(), GOOD) is not None


def test_time_must_not_go_backwards():
    auto = AutoCapture()
    auto.feed(1.0, det(), GOOD)
    with pytest.raises(ValueError, match="backwards"):
        auto.feed(0.5, det(), GOOD)


EVENTS = st.lists(st.tuples(st.sampled_from(["none", "bad", "good", "jitter", "jump"]),
                            st.floats(0.01, 0.5)), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(EVENTS)
def test_capture_rules_hold_for_any_sequence(events):
    """Every capture follows >= hold_s of good, still frames; never twice without a re-arm."""
    auto = AutoCapture(hold_s=0.8, still_px=6, rearm_empty_s=0.5, rearm_move_px=120)
    t, pos = 0.0, np.zeros(2)
    frames = []
    for kind, dur in events:
        if kind == "jump":
            pos = pos + [200.0, 0.0] if pos[0] < 500 else np.zeros(2)
        for i in range(max(1, int(dur * 30))):
            wobble = np.array([3 * np.sin(7 * t), 0.0]) if kind == "jitter" else np.zeros(2)
            d = None if kind == "none" else det(*(pos + wobble))
            q = NONE if kind == "none" else (BLURRY if kind == "bad" else GOOD)
            frames.append((t, d, q))
            t += 1 / 30
    captures = []
    for i, (ft, d, q) in enumerate(frames):
        c = auto.feed(ft, d, q)
        if c:
            captures.append(i)
            assert q.ok and c.detection is d
            # The last hold_s seconds were good and within still_px of one another.
            window = [f for f in frames[: i + 1] if f[0] >= ft - 0.8 + 1e-9]
            assert frames[0][0] <= ft - 0.8 + 1e-9 or window[0] is frames[0]
            assert all(f[2].ok for f in window)
            pts = np.array([f[1].corners for f in window])
            assert np.max(np.linalg.norm(pts - pts[0], axis=2)) <= 2 * 6 + 1e-9
    for a, b in zip(captures, captures[1:]):
        between = frames[a + 1: b + 1]
        empty_run, longest = None, 0.0
        for ft, d, _ in between:
            if d is None:
                empty_run = ft if empty_run is None else empty_run
                longest = max(longest, ft - empty_run)
            else:
                empty_run = None
        moved = max((np.max(np.linalg.norm(d.corners - frames[a][1].corners, axis=1))
                     for _, d, _ in between if d is not None), default=0.0)
        assert longest >= 0.5 - 1e-9 or moved > 120


def test_outlines_far_from_right_angles_are_rejected():
    """Seen from above a page's corners are near right angles; a rhombus or a kite (an eye, a
    leaf, a shadow simplified to four sides) is not a document, however crisp its edges."""
    frame = docrender.tray_background(SIZE, seed=4)
    for shape in ([(640, 210), (990, 360), (640, 510), (290, 360)],  # a rhombus on its corner, 46 / 134 degrees
                  [(300, 250), (800, 250), (1000, 500), (500, 500)]):  # a parallelogram, 51 / 129 degrees
        blob = frame.copy()
        cv2.fillConvexPoly(blob, np.array(shape, np.int32), (230, 230, 230), cv2.LINE_AA)
        assert scanner.find_document(blob) is None, shape
    page = frame.copy()  # right angles and an A4 page's shape (a square is no document's: see below)
    cv2.fillConvexPoly(page, np.array([(430, 180), (852, 222), (822, 520), (400, 478)], np.int32),
                       (230, 230, 230), cv2.LINE_AA)
    assert scanner.find_document(page) is not None


def test_a_side_carried_on_beside_its_edge_still_counts():
    """A side's line carried on past its corner may run a pixel or two beside the edge it
    follows there (fitted along the long side, extended over a short stretch): it still counts
    as carrying on, while an edge farther off or no edge at all does not."""
    ycc = np.full((80, 120, 3), 128.0, np.float32)
    ycc[:, :, 0] = 60.0
    ycc[40:, :, 0] = 200.0  # a horizontal step between rows 39 and 40
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    on, beside, off, flat = scanner._carries_on(ycc, [((20, 39.5), (100, 39.5)), ((20, 37.5), (100, 37.5)),
                                                      ((20, 34.5), (100, 34.5)), ((20, 10.0), (100, 10.0))])
    assert on >= 0.9 and beside >= 0.9
    assert off == 0.0 and flat == 0.0


def test_a_weak_side_is_looked_for_inside_the_outline():
    """An outline that ran on past a page into something touching it (two clear sides, a weak
    one) has its weak side moved inwards onto the page's edge, the nearest clear parallel edge."""
    ycc = np.full((120, 180, 3), 128.0, np.float32)
    ycc[..., 0] = 60.0
    ycc[30:90, 40:100, 0] = 200.0  # the page
    ycc[30:90, 100:150, 0] = np.linspace(120.0, 60.0, 50)[None, :]  # a shadowy thing fading out
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    merged = np.array([[40.0, 30.0], [150.0, 30.0], [150.0, 90.0], [40.0, 90.0]])
    support, cut = scanner._support(ycc, merged, ycc.shape[:2])
    assert support[1] < 0.5
    inner = scanner._contract(ycc, merged, ycc.shape[:2], support, cut)
    assert inner is not None
    assert np.allclose(inner[[1, 2], 0], 99.5, atol=1.5) and np.allclose(inner[[0, 3], 0], 40.0)
    page = np.array([[40.0, 30.0], [99.5, 30.0], [99.5, 90.0], [40.0, 90.0]])
    assert scanner._contract(ycc, page, ycc.shape[:2], *scanner._support(ycc, page, ycc.shape[:2])) is None



def test_a_side_without_contrast_is_put_where_its_neighbours_edges_end():
    """A page whose one side shows (nearly) no contrast against the surface beside it (a dark
    photo against a dark stretch of surface) has that side put where the edges of the two sides
    meeting it end, when the outline's own side strayed off it; an outline with all sides clear,
    or two weak ones, is left to the other cues."""
    ycc = np.full((120, 180, 3), 128.0, np.float32)
    ycc[..., 0] = 130.0
    ycc[:, 100:, 0] = 66.0  # the surface right of the page: nearly the page's brightness
    ycc[30:90, 40:100, 0] = 60.0  # the page
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    strayed = np.array([[40.0, 30.0], [104.0, 30.0], [95.0, 90.0], [40.0, 90.0]])
    support = scanner._support(ycc, strayed, ycc.shape[:2])[0]
    assert support[1] < 0.5 and min(support[0], support[2], support[3]) >= 0.6
    placed = scanner._placed_by_ends(ycc, strayed, support)
    assert placed is not None
    assert np.allclose(placed[[1, 2], 0], 99.5, atol=1.5) and np.allclose(placed[[1, 2], 1], [30.0, 90.0], atol=1.5)
    assert np.array_equal(placed[[0, 3]], strayed[[0, 3]])
    # something not of the surface (a finger) just beyond where the top edge ends: hidden, not ending
    cover = np.zeros(ycc.shape[:2], bool)
    cover[24:36, 101:112] = True
    assert scanner._placed_by_ends(ycc, strayed, support, cover) is None
    assert scanner._placed_by_ends(ycc, strayed, support, np.zeros_like(cover)) is not None
    page = np.array([[40.0, 30.0], [99.5, 30.0], [99.5, 90.0], [40.0, 90.0]])
    assert scanner._placed_by_ends(ycc, page, [1.0, 1.0, 1.0, 1.0]) is None
    assert scanner._placed_by_ends(ycc, strayed, [1.0, 0.2, 1.0, 0.3]) is None

def test_an_outline_run_on_to_the_frame_border_is_put_where_its_clear_sides_end():
    """A page whose side shows no contrast against the surface (a dark photo on a dark stretch of
    surface), its outline run on through the surface to the frame border: the cut side (or the two
    cut sides meeting beyond a frame corner) is put where the edges of its clear sides end. A page
    that does run on to the border (its sides' edges go on to it) is left cut."""
    def scene(dark_right: bool) -> np.ndarray:
        ycc = np.full((120, 180, 3), 128.0, np.float32)
        ycc[..., 0] = 130.0
        ycc[90:, :, 0] = 66.0  # the surface below the page: nearly its brightness
        if dark_right:
            ycc[:, 150:, 0] = 66.0  # and right of it
        ycc[30:90, 40:150, 0] = 60.0  # the page
        return cv2.GaussianBlur(ycc, (3, 3), 0.8)

    ycc = scene(False)
    shape = ycc.shape[:2]
    # one side cut: the bottom ran on to the border
    run_on = np.array([[40.0, 30.0], [149.5, 30.0], [149.5, 119.0], [40.0, 119.0]])
    support, cut = scanner._support(ycc, run_on, shape)
    assert cut == [False, False, True, False]
    placed = scanner._cut_placed_by_ends(ycc, run_on, support, cut)
    assert placed is not None
    assert np.allclose(placed[[2, 3], 1], 89.5, atol=1.5) and np.allclose(placed[[2, 3], 0], [149.5, 40.0], atol=1.5)
    # two sides cut, meeting beyond the frame's corner
    corner = np.array([[40.0, 30.0], [179.0, 30.0], [179.0, 119.0], [40.0, 119.0]])
    support, cut = scanner._support(scene(True), corner, shape)
    assert cut == [False, True, True, False]
    placed = scanner._cut_placed_by_ends(scene(True), corner, support, cut)
    assert placed is not None
    page = np.array([[40.0, 30.0], [149.5, 30.0], [149.5, 89.5], [40.0, 89.5]])
    assert np.abs(scanner.order_corners(placed) - scanner.order_corners(page)).max() <= 1.5
    # something not of the surface just beyond an end: hidden there, not ending
    cover = np.zeros(shape, bool)
    cover[92:104, 34:46] = True
    assert scanner._cut_placed_by_ends(ycc, run_on, *scanner._support(ycc, run_on, shape), cover) is None
    # a page that reaches the border: its sides' edges go on to it, nothing ends
    ycc2 = np.full((120, 180, 3), 128.0, np.float32)
    ycc2[..., 0] = 130.0
    ycc2[30:, 40:150, 0] = 60.0
    ycc2 = cv2.GaussianBlur(ycc2, (3, 3), 0.8)
    assert scanner._cut_placed_by_ends(ycc2, run_on, *scanner._support(ycc2, run_on, shape)) is None


def test_a_side_left_just_inside_the_frame_border_is_put_onto_it():
    """An outline whose side stops a few pixels short of the frame border, a little askew, with no
    edge along it and the page's colour running on to the border beyond it, is a page cut by the
    border: the side is put onto the border (its neighbours carried on to it) and counts as cut.
    A page lying just inside the border, the surface between its edge and the border, is not cut;
    nor is a side far from the border, or one that follows an edge."""
    def scene(page_to_border: bool) -> np.ndarray:
        ycc = np.full((120, 180, 3), 128.0, np.float32)
        ycc[..., 0] = 60.0  # a dark surface
        ycc[30:90, (0 if page_to_border else 4):110, 0] = 200.0  # a light page, left side 4 px in
        ycc[40:80:8, 10:100, 0] = 90.0  # lines of print on it
        return cv2.GaussianBlur(ycc, (3, 3), 0.8)

    shape = (120, 180)
    askew = np.array([[2.0, 30.0], [109.5, 30.0], [109.5, 89.5], [4.5, 89.5]])  # left side 2 to 4.5 px in
    cut_page = scene(True)
    support, cut = scanner._support(cut_page, askew, shape)
    assert not any(cut) and support[3] < 0.5
    onto = scanner._onto_border(cut_page, askew, support, cut, shape)
    assert onto is not None
    assert np.allclose(onto[[0, 3], 0], 0.0) and np.allclose(onto[[0, 3], 1], [30.0, 89.5], atol=0.5)
    assert np.array_equal(onto[[1, 2]], askew[[1, 2]])
    assert scanner._cut_sides(onto, shape) == [False, False, False, True]
    # the page ends just inside the border: the surface shows on the border beside it
    assert scanner._onto_border(scene(False), askew, support, cut, shape) is None
    # a side with an edge along it is the page's own
    assert scanner._onto_border(cut_page, askew, [1.0, 1.0, 1.0, 0.9], cut, shape) is None
    # a side far from the border
    far = askew + [20.0, 0.0]
    assert scanner._onto_border(cut_page, far, *scanner._support(cut_page, far, shape), shape) is None


def test_a_keyboard_reaching_in_with_a_row_of_keys_is_not_a_document():
    """A keyboard mostly beyond the frame border shows only a row or two of its keys: four
    alike keys are enough to tell it from a page cut by the border."""
    frame = docrender.tray_background(SIZE, seed=4)
    cv2.rectangle(frame, (0, 180), (150, 520), (215, 215, 215), -1)
    for k in range(5):
        y = 195 + 64 * k
        cv2.rectangle(frame, (40, y), (96, y + 52), (150, 150, 150), 3)
    assert scanner.find_document(frame) is None
    page, _ = docrender.place_on_tray(FORM, SIZE, center=(0.05, 0.5), angle=10, scale=0.7, seed=2)
    assert scanner.find_document(page) is not None


@pytest.mark.parametrize("angle", [45, 50, -55, 60])
def test_a_turned_page_cut_by_the_frame_border_is_found(angle):
    """Where the frame border cuts a turned page, the outline's corners on the border are the
    border's, not the page's: they need not be near right angles."""
    frame, _ = docrender.place_on_tray(FORM, SIZE, center=(0.06, 0.5), angle=angle, scale=0.7, seed=2)
    det = scanner.find_document(frame)
    assert det is not None and det.touches_edge


def _page_with_a_hand(page_ycc, surface_ycc, hand_ycc=(150.0, 155.0, 105.0)):
    """A work-size YCrCb image: a page (rows 30-90, columns 40-140) on a surface, and a hand (a
    skin-coloured bar 14 pixels wide) reaching down from the top border across the page's top
    side and over its top-right corner; the hand's own outline runs straight down beside the
    page's right side."""
    ycc = np.empty((130, 200, 3), np.float32)
    ycc[:] = surface_ycc
    ycc[30:90, 40:140] = page_ycc
    ycc[0:50, 95:150] = hand_ycc
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    page = np.array([[40.0, 30.0], [139.5, 30.0], [139.5, 89.5], [40.0, 89.5]])
    return ycc, page


def test_a_side_is_judged_where_no_hand_hides_it():
    """Where a hand lies across a side the page's edge is hidden, not missing: with the skin
    mask the side's support counts only the stretches where the edge can be seen, so a page with
    a hand over a corner keeps its outline's score; without a hand the support is unchanged."""
    ycc, page = _page_with_a_hand((200.0, 128.0, 128.0), (60.0, 128.0, 128.0))
    skin = scanner._skin(ycc)
    assert skin[10, 120] and not skin[60, 80]
    bare, _ = scanner._support(ycc, page, ycc.shape[:2])
    seen, _ = scanner._support(ycc, page, ycc.shape[:2], skin)
    assert bare[0] < 0.6 and seen[0] >= 0.95  # the top side, half under the hand
    assert seen[2] == bare[2] and seen[3] == bare[3]  # sides the hand does not touch
    # a side mostly under the hand is not judged by the little left of it
    ycc2, _ = _page_with_a_hand((200.0, 128.0, 128.0), (60.0, 128.0, 128.0))
    ycc2[0:50, 30:150] = (150.0, 155.0, 105.0)
    ycc2 = cv2.GaussianBlur(ycc2, (3, 3), 0.8)
    over, _ = scanner._support(ycc2, page, ycc2.shape[:2], scanner._skin(ycc2))
    plain, _ = scanner._support(ycc2, page, ycc2.shape[:2])
    assert over[0] == plain[0] < 0.2


def test_a_hand_on_a_skin_toned_page_is_covered():
    """A hand across the edge of a skin-toned card, close to the card's colour and over most of
    that side, is unusual neither for the page nor for that side, and skin colour all along the
    card's rim says nothing; but skin inside, on and outside the outline where its edge is
    missing is a hand across it. The same card without the hand is not covered."""
    page = np.array([[40.0, 30.0], [139.5, 30.0], [139.5, 89.5], [40.0, 89.5]])
    beige, hand = (175.0, 145.0, 112.0), (165.0, 148.0, 110.0)  # both inside the skin box
    for surface in ((60.0, 128.0, 128.0), (225.0, 128.0, 128.0)):  # dark, and light grey
        for with_hand in (True, False):
            ycc = np.empty((130, 200, 3), np.float32)
            ycc[:] = surface
            ycc[30:90, 40:140] = beige
            if with_hand:
                ycc[0:50, 75:135] = hand  # down from the top border, over 60 % of the top side
            ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
            work = scanner._Work(None, 1.0, None, ycc, ycc.shape[:2])
            skin = scanner._skin(ycc)
            assert skin[60, 60] and skin[10, 100] == with_hand  # the card and the hand are skin-toned
            hidden = scanner._hidden_fraction(work, page, skin)
            if with_hand:
                assert scanner._hidden_fraction(work, page) == 0.0  # by colour alone: nothing
                assert hidden > 0.15, surface
            else:
                assert hidden == 0.0, surface


def _page_a_hand_hides_the_top_of(hand: bool = True):
    """A work-size YCrCb image: a page (rows 30-89, columns 40-139) on a dark surface with a hand
    (a skin-coloured block from the top border down to row 45, columns 60-115) over most of its
    top side; the rough outline's top side 6 pixels too high, on the surface beside the hand (the
    blob's outline there was the hand's). Without the hand, the same page and rough outline."""
    ycc = np.empty((130, 200, 3), np.float32)
    ycc[:] = (60.0, 128.0, 128.0)
    ycc[30:90, 40:140] = (200.0, 128.0, 128.0)
    if hand:
        ycc[0:46, 60:116] = (150.0, 155.0, 105.0)
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    rough = np.array([[40.0, 24.0], [139.5, 24.0], [139.5, 89.5], [40.0, 89.5]])
    return ycc, rough


def test_a_side_a_hand_hides_is_put_on_the_edge_seen_beside_the_hand():
    """A side a hand lies across most of, put by the blob's outline on the surface beside the
    hand, is moved onto the edge its stretches beside the hand show (`_weak_side_search`): both
    ends move 6 pixels down onto the page's top edge. Without the hand the side, as weak on the
    bare surface, moves there too: the stretch it gives up is the surface's."""
    for hand in (True, False):
        ycc, rough = _page_a_hand_hides_the_top_of(hand)
        hands = scanner._skin(ycc) if hand else None
        surface = np.abs(ycc[..., 0] - 60.0) < 10.0
        support, _ = scanner._support(ycc, rough, ycc.shape[:2], hands)
        assert support[0] < 0.5 and min(support[1:]) >= 0.6
        moved, new_support = scanner._weak_side_search(ycc, rough, support, hands, surface | scanner._skin(ycc))
        # on the page's edge, to the pixel the support allows (the full-resolution refit places it finer)
        assert np.allclose(moved[[0, 1], 1], 29.5, atol=1.5)
        assert np.allclose(moved[[2, 3]], rough[[2, 3]])  # the other corners stay
        assert np.allclose(moved[[0, 1], 0], rough[[0, 1], 0], atol=0.5)  # along the neighbouring sides
        assert new_support[0] > support[0]


def test_a_faint_side_is_not_moved_onto_a_line_of_print_inside_the_page():
    """A page whose top edge is soft (a ramp over 24 pixels: no clear step anywhere on it) and
    which has a ruled line printed 6 pixels inside it: the rough side on the ramp's middle is
    weak and the printed line is a clear straight edge beside it, but the stretch a move there
    would give up is the page, not the surface: left alone. Counted as the surface, it would
    have been taken."""
    ycc = np.empty((130, 200, 3), np.float32)
    ycc[:] = (90.0, 128.0, 128.0)
    ycc[30:90, 40:140] = (150.0, 128.0, 128.0)
    ycc[18:42, 40:140, 0] = np.linspace(90.0, 150.0, 24)[:, None]  # the soft top edge, middle at row 30
    ycc[36:38, 46:134, 0] = 40.0  # a ruled line inside the page
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    rough = np.array([[40.0, 29.5], [139.5, 29.5], [139.5, 89.5], [40.0, 89.5]])
    support, _ = scanner._support(ycc, rough, ycc.shape[:2])
    assert support[0] < 0.5 and min(support[1:]) >= 0.6
    surface = ycc[..., 0] < 100.0
    assert scanner._weak_side_search(ycc, rough, support, None, surface) is None
    moved, _ = scanner._weak_side_search(ycc, rough, support, None, np.ones_like(surface))
    assert np.allclose(moved[[0, 1], 1], 36.5, atol=1.5)  # (the line, had the stretch been the surface)


def test_a_card_band_under_a_thumb_is_still_added():
    """A card's dark band that the blob left out is added when the card's sides carry on over
    it (`_expand`); where a thumb lies across the band, one side's stretch over it cannot be
    seen, which does not count against it when the other side clearly carries on."""
    ycc = np.empty((140, 200, 3), np.float32)
    ycc[:] = (90.0, 128.0, 128.0)
    ycc[30:90, 60:160] = (220.0, 128.0, 128.0)  # the card's light body
    ycc[30:90, 40:60] = (40.0, 140.0, 110.0)  # its dark band
    ycc[70:140, 30:62] = (150.0, 155.0, 105.0)  # a thumb over the band's lower end, from the bottom border
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    skin = scanner._skin(ycc)
    body = np.array([[60.0, 30.0], [159.5, 30.0], [159.5, 89.5], [60.0, 89.5]])
    support, cut = scanner._support(ycc, body, ycc.shape[:2], skin)
    kept, _, _ = scanner._expand(ycc, body, ycc.shape[:2], support, cut)  # no skin mask: not added
    assert np.allclose(kept, body)
    card, new_support, _ = scanner._expand(ycc, body, ycc.shape[:2], support, cut, skin)
    assert np.allclose(card[[0, 3], 0], 39.5, atol=1.0) and np.allclose(card[[1, 2]], body[[1, 2]])
    assert min(new_support) >= 0.9


@pytest.mark.parametrize("strip", ["band", "stripes"])
def test_a_card_band_whose_far_end_is_hidden_is_added_when_it_is_one_colour(strip):
    """A card's dark band the blob left out, its far end under a dark hand that the skin box
    does not take for skin (Cr under 136): one short side carries on over the band, the other's
    stretch there is the hand's. The band is added when its outer edge is clear along the whole
    side and the stretch added is one colour along its length (a printed band); a strip of
    alternating colours beside the card (the surface, another object) is not."""
    ycc = np.empty((140, 200, 3), np.float32)
    ycc[:] = (90.0, 128.0, 128.0)
    ycc[20:100, 60:160] = (220.0, 128.0, 128.0)  # the card's light body
    if strip == "band":
        ycc[20:100, 40:60] = (40.0, 140.0, 110.0)  # its dark band
    else:
        for k, y in enumerate(range(20, 100, 8)):
            ycc[y:y + 8, 40:60] = (40.0, 140.0, 110.0) if k % 2 else (160.0, 110.0, 150.0)
    ycc[94:140, 34:80] = (60.0, 133.0, 112.0)  # a dark hand over the band's lower end, from the bottom border
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    body = np.array([[60.0, 20.0], [159.5, 20.0], [159.5, 99.5], [60.0, 99.5]])
    support, cut = scanner._support(ycc, body, ycc.shape[:2])
    assert min(support) >= 0.8
    out, _, _ = scanner._expand(ycc, body, ycc.shape[:2], support, cut)
    if strip == "band":
        assert np.allclose(out[[0, 3], 0], 39.5, atol=1.0) and np.allclose(out[[1, 2]], body[[1, 2]])
    else:
        assert np.allclose(out, body)


def test_a_photo_found_as_a_piece_below_a_print_line_is_grown_whole(monkeypatch):
    """A photo found as the piece of it below a print line (a light, mottled sky above an orange
    and a blue suit, the blob stopped at the line between the suits and at the sky): its left side
    moves out onto the photo's edge (both neighbours carry on over the orange suit), and only then
    does the top side's left neighbour carry on up to the photo's top edge. `_expand` looks at the
    sides that did not move once more, so the photo comes out whole; with one look at each side
    the sky is left out."""
    rng = np.random.default_rng(5)
    ycc = np.empty((160, 220, 3), np.float32)
    ycc[:] = (70.0, 128.0, 128.0)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (50, 120)).astype(np.float32), (0, 0), 2.0)
    ycc[20:70, 40:160] = (200.0, 128.0, 128.0)
    ycc[20:70, 40:160, 0] += 30 * noise / noise.std()  # the sky: not one colour (no band)
    ycc[70:120, 40:100] = (120.0, 160.0, 100.0)  # an orange suit ...
    ycc[70:120, 100:160] = (150.0, 110.0, 150.0)  # ... beside a blue one
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    photo = np.array([[39.5, 19.5], [159.5, 19.5], [159.5, 119.5], [39.5, 119.5]])
    piece = np.array([[100.0, 70.0], [159.5, 70.0], [159.5, 119.5], [100.0, 119.5]])
    support, cut = scanner._support(ycc, piece, ycc.shape[:2])
    out, new_support, _ = scanner._expand(ycc, piece, ycc.shape[:2], support, cut)
    assert np.abs(out - photo).max() <= 2.0 and min(new_support) >= 0.9
    monkeypatch.setattr(scanner, "_SIDE_ORDER", (0, 1, 2, 3))
    once, _, _ = scanner._expand(ycc, piece, ycc.shape[:2], support, cut)
    assert np.allclose(once[:, 1], [70.0, 70.0, 119.5, 119.5]) and np.abs(once[[0, 3], 0] - 39.5).max() <= 2.0


def test_a_corner_under_a_thumb_is_where_the_seen_sides_meet():
    """A corner hidden under a thumb is where the two sides, fitted on the stretches seen, meet,
    even when the rough outline put it well inside the page (from the hand's outline); without a
    hand there, a refit that far from the rough corner is not trusted and the rough one is kept."""
    frame = np.full((720, 1280, 3), 70, np.uint8)
    truth = np.array([[400.0, 150.0], [850.0, 190.0], [820.0, 560.0], [370.0, 520.0]])
    cv2.fillConvexPoly(frame, np.round(truth * 16).astype(np.int32), (235, 235, 235), cv2.LINE_AA, 4)
    c = truth[2].astype(int)
    cv2.line(frame, (int(c[0]), int(c[1])), (int(c[0]) + 150, 719), (110, 140, 200), 70)  # a thumb from the bottom
    cv2.circle(frame, (int(c[0]), int(c[1])), 40, (110, 140, 200), -1)  # its ball over the corner
    frame = cv2.GaussianBlur(frame, (5, 5), 1.0)
    work = scanner._prepare(frame, scanner.WORK_WIDTH)
    skin = scanner._skin(work.ycc)
    rough = truth.copy()
    inward = truth.mean(axis=0) - truth[2]
    rough[2] += 30 * inward / np.linalg.norm(inward)  # 30 px inside, beyond the usual refit's reach
    seen = scanner._refine_full_resolution(frame, rough, 1 / work.f, skin)
    bare = scanner._refine_full_resolution(frame, rough, 1 / work.f)
    assert np.hypot(*(seen[2] - truth[2])) < 10.0
    assert np.hypot(*(bare[2] - rough[2])) < 1.0  # no hand: the rough corner stays
    assert np.abs(seen[[0, 1, 3]] - truth[[0, 1, 3]]).max() < 2.5
    det = scanner.find_document(frame)
    assert det is not None and corner_error(det.corners, truth) < 0.005
    assert scanner.assess(frame, det).reason is Reason.COVERED


def test_a_page_a_finger_splits_is_chosen_over_the_piece_beside_the_finger():
    """A finger across a page leaves a crisp piece of it beside the finger; the page around it is
    weak only where the finger hides its side, which does not count as a weak side when choosing
    between them: the page is chosen. A side weak where no hand lies is still weak."""
    ycc = np.empty((130, 200, 3), np.float32)
    ycc[:] = (60.0, 128.0, 128.0)
    ycc[30:90, 40:140] = (200.0, 128.0, 128.0)  # the page
    ycc[0:130, 100:126] = (150.0, 155.0, 105.0)  # a thumb across it, top to bottom
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    skin = scanner._skin(ycc)
    page = np.array([[40.0, 30.0], [139.5, 30.0], [139.5, 89.5], [40.0, 89.5]])
    piece = np.array([[40.0, 30.0], [99.5, 30.0], [99.5, 89.5], [40.0, 89.5]])  # left of the finger
    shape = ycc.shape[:2]
    support, cut = scanner._support(ycc, page, shape)
    assert min(support) < 0.9  # its top and bottom sides run under the finger
    piece_support, _ = scanner._support(ycc, piece, shape)
    # the page as if its top side were mostly hidden (weak), the others clear
    weak = [0.3, support[1], support[2], support[3]]
    assert scanner._weakest_seen(skin, page, weak, cut) == min(support[1:])
    bare = np.zeros_like(skin)
    assert scanner._weakest_seen(bare, page, weak, cut) == 0.3  # no hand: the weak side counts
    assert min(piece_support) >= 0.9  # the piece is crisp all round
    # scores as a photo split by a thumb gave them (the piece 0.75, the page around it 0.6)
    passed = [(0.75, 59.5 * 59.5, piece, min(piece_support)),
              (0.6, 99.5 * 59.5, page, scanner._weakest_seen(skin, page, weak, cut))]
    assert scanner._choose(passed, shape) is page
    passed[1] = passed[1][:3] + (0.3,)
    assert scanner._choose(passed, shape) is piece


def _page_a_finger_crosses(finger_at: int | None = 70, hand_beside: bool = False):
    """A work-size YCrCb image: a page (rows 30-89, columns 40-139) on a dark surface, a finger
    (a skin-coloured bar, columns finger_at to finger_at + 13) across it from the top border to
    the bottom one, or (hand_beside) a hand flush along the outside of its right side."""
    ycc = np.empty((130, 200, 3), np.float32)
    ycc[:] = (60.0, 128.0, 128.0)
    ycc[30:90, 40:140] = (200.0, 128.0, 128.0)
    if finger_at is not None:
        ycc[:, finger_at:finger_at + 14] = (150.0, 155.0, 105.0)
    if hand_beside:
        ycc[10:110, 140:170] = (150.0, 155.0, 105.0)
    return cv2.GaussianBlur(ycc, (3, 3), 0.8)


def test_a_piece_beside_a_finger_is_carried_on_across_it_to_the_page():
    """The crisp piece of a page beside a finger across it is carried on across the finger: the
    lines of the two sides that meet the finger go on under it, the page's edges are seen again
    beyond it and end at the page's far side, which is where the new side goes. Where nothing
    lies across those lines (the piece is the whole page, a hand only beside it) or the edges do
    not come back beyond the skin, nothing is placed."""
    page = np.array([[40.0, 30.0], [139.5, 30.0], [139.5, 89.5], [40.0, 89.5]])
    piece = np.array([[84.0, 30.0], [139.5, 30.0], [139.5, 89.5], [84.0, 89.5]])  # right of the finger
    ycc = _page_a_finger_crosses()
    skin = scanner._skin(ycc)
    cover = skin | ~scanner._border_colours(ycc, 3)
    support, _ = scanner._support(ycc, piece, skin.shape)
    assert min(support) >= 0.9
    whole = scanner._across_finger(ycc, piece, support, skin, cover)
    assert whole is not None and np.abs(scanner.order_corners(whole) - page).max() <= 2.0
    strict = scanner._across_finger(ycc, piece, support, skin, cover, strict=True)  # (the skin is a hand's)
    assert strict is not None and np.abs(strict - whole).max() == 0
    # a hand flush beside the page: its sides' edges do not come back beyond the hand
    ycc = _page_a_finger_crosses(None, hand_beside=True)
    skin = scanner._skin(ycc)
    cover = skin | ~scanner._border_colours(ycc, 3)
    support, _ = scanner._support(ycc, page, skin.shape)
    assert scanner._across_finger(ycc, page, support, skin, cover) is None
    # no finger at all: nothing to carry on across
    ycc = _page_a_finger_crosses(None)
    skin = scanner._skin(ycc)
    assert scanner._across_finger(ycc, piece, scanner._support(ycc, piece, skin.shape)[0], skin, skin) is None


def _page_a_thumb_hides_a_corner(textured: bool = False):
    """A work-size YCrCb image: a page (rows 30-89, columns 40-139) on a dark surface, and a hand
    of skin colour reaching in from the right border over the page's top-right corner (rows
    0-54, columns 100 on); with ``textured`` the skin-coloured thing is grained like wood or fur
    (a hand is smooth)."""
    ycc = np.empty((130, 200, 3), np.float32)
    ycc[:] = (60.0, 128.0, 128.0)
    ycc[30:90, 40:140] = (200.0, 128.0, 128.0)
    ycc[0:55, 100:200] = (150.0, 155.0, 105.0)
    if textured:
        grain = np.where((np.arange(200)[None, :] // 2 + np.arange(130)[:, None]) % 2 == 0, 25.0, -25.0)
        ycc[0:55, 100:200, 0] += grain[0:55, 100:200]
    return cv2.GaussianBlur(ycc, (3, 3), 0.8)


def test_a_piece_beside_a_thumb_over_a_corner_is_carried_on_to_the_page():
    """A thumb over a page's corner leaves a crisp piece beside it whose side ends at the thumb:
    the line of the side the thumb lies on runs under the hand (the corner hidden there), the
    other line's edge carries on from its corner in view and ends at the page's far side; the
    new side goes through that end parallel to the opposite side. Only where the skin at the
    corner is a hand's, smooth: a grained skin-toned thing there (wood, a box) does not count."""
    page = np.array([[40.0, 30.0], [139.5, 30.0], [139.5, 89.5], [40.0, 89.5]])
    piece = np.array([[40.0, 30.0], [99.5, 30.0], [99.5, 89.5], [40.0, 89.5]])  # left of the thumb
    ycc = _page_a_thumb_hides_a_corner()
    skin = scanner._skin(ycc)
    cover = skin | ~scanner._border_colours(ycc, 3)
    hand = scanner._smooth_skin(ycc, skin)
    assert hand[20, 150] and skin[20, 150]
    support, _ = scanner._support(ycc, piece, skin.shape)
    assert support[0] >= 0.9 and support[2] >= 0.9
    whole = scanner._across_finger(ycc, piece, support, skin, cover)
    assert whole is not None and np.abs(scanner.order_corners(whole) - page).max() <= 2.0
    strict = scanner._across_finger(ycc, piece, support, skin, cover, strict=True)  # (the skin is a hand's)
    assert strict is not None and np.abs(strict - whole).max() == 0
    # the same colours grained: skin by colour, not a hand
    ycc = _page_a_thumb_hides_a_corner(textured=True)
    skin = scanner._skin(ycc)
    cover = skin | ~scanner._border_colours(ycc, 3)
    hand = scanner._smooth_skin(ycc, skin)
    assert skin[20, 150] and not hand[20, 150]
    support, _ = scanner._support(ycc, piece, skin.shape)
    assert scanner._across_finger(ycc, piece, support, skin, cover) is None
    assert scanner._across_finger(ycc, piece, support, skin, cover, strict=True) is None


def test_a_corner_under_banded_fingers_of_a_colour_the_surface_lacks_is_carried_on_to():
    """Fingers with shading bands and gaps between them are not smooth, but skin of a colour the
    surface does not show (not common along the frame border: the hand reaches in over one border
    only) is a hand's too: the piece beside it is carried on to the page, the corner under the
    hand (its line leaves the hand onto bare surface short of the border, the page's edge not seen
    again) placed where the other side's end puts it. The same grained skin reaching in over two
    borders is a surface colour there, and not smooth: not carried on."""
    page = np.array([[40.0, 30.0], [139.5, 30.0], [139.5, 89.5], [40.0, 89.5]])
    piece = np.array([[40.0, 30.0], [99.5, 30.0], [99.5, 89.5], [40.0, 89.5]])
    for right in (185, 200):
        ycc = np.empty((130, 200, 3), np.float32)
        ycc[:] = (60.0, 128.0, 128.0)
        ycc[30:90, 40:140] = (200.0, 128.0, 128.0)
        grain = np.where((np.arange(200)[None, :] // 2 + np.arange(130)[:, None]) % 2 == 0, 25.0, -25.0)
        ycc[0:55, 100:right] = (150.0, 155.0, 105.0)
        ycc[0:55, 100:right, 0] += grain[0:55, 100:right]
        ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
        skin = scanner._skin(ycc)
        common = scanner._border_colours(ycc, 3)
        cover = skin | ~common
        assert skin[20, 150] and not scanner._smooth_skin(ycc, skin)[20, 150]
        support, _ = scanner._support(ycc, piece, skin.shape)
        placed = scanner._across_finger(ycc, piece, support, skin, cover, strict=True, unusual=skin & ~common)
        if right < 200:
            assert placed is not None and np.abs(scanner.order_corners(placed) - page).max() <= 2.0
        else:
            assert placed is None
        # without the colour cue, smoothness alone does not take banded fingers for a hand
        assert scanner._across_finger(ycc, piece, support, skin, cover, strict=True) is None


def test_a_hands_rim_beyond_a_finger_is_not_the_page_s_edge_seen_again():
    """A side's line carried on from a corner under a hand that slowly leaves the hand along its
    rim sees a clear edge there, with a body of skin on one side of it only: the hand's own rim,
    not the page's edge seen again, so no end is found there."""
    ycc = np.empty((130, 200, 3), np.float32)
    ycc[:] = (60.0, 128.0, 128.0)
    ycc[0:110, 40:120] = (150.0, 155.0, 105.0)  # a hand from the top border down to row 109
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    skin = scanner._skin(ycc)
    d = np.array([0.08, 1.0], np.float32)
    d /= np.hypot(*d)
    kind, _ = scanner._beyond_finger(ycc, skin, np.array([116.0, 10.0], np.float32), d, 115.0)
    assert kind != "end"


def _page_on_grained_skin_tones(hand: bool):
    """A work-size YCrCb image: a page (rows 30-89, columns 40-139) on a grained skin-toned
    surface (fur, wood), and (``hand``) a smooth hand of the surface's own colour over the page's
    right side and both its right corners."""
    ycc = np.empty((130, 200, 3), np.float32)
    ycc[:] = (150.0, 155.0, 105.0)
    ycc[..., 0] += np.where((np.arange(200)[None, :] // 2 + np.arange(130)[:, None]) % 2 == 0, 25.0, -25.0)
    ycc[30:90, 40:140] = (200.0, 128.0, 128.0)
    if hand:
        ycc[20:130, 110:200] = (150.0, 155.0, 105.0)
    return cv2.GaussianBlur(ycc, (3, 3), 0.8)


def test_a_hand_of_a_skin_toned_surface_s_colours_is_told_by_its_smoothness():
    """On a grained skin-toned surface a hand of the surface's own colours lying over a whole side
    and two corners of a page is neither unusual for that side nor a colour the surface lacks:
    only its smoothness tells it (`_smooth_skin`), and that side is covered too. The page alone
    on that surface is not covered."""
    page = np.array([[40.0, 30.0], [139.5, 30.0], [139.5, 89.5], [40.0, 89.5]])
    for hand in (True, False):
        ycc = _page_on_grained_skin_tones(hand)
        work = types.SimpleNamespace(ycc=ycc, shape=ycc.shape[:2])
        skin = scanner._skin(ycc)
        assert scanner._skin_toned_border(skin)
        hands = skin & ~scanner._border_colours(ycc, 3)  # as find_document takes them there
        smooth = scanner._smooth_skin(ycc, skin)
        assert not hands[60, 150] and not smooth[60, 20]  # the grained surface is no hand
        by_colour = scanner._hidden_fraction(work, page, hands)
        near = scanner._smooth_skin(ycc, skin, page)  # only around the outline: the same there
        assert np.array_equal(near[22:99, 32:149], smooth[22:99, 32:149]) and not near[:, 149:].any()
        if hand:
            # the side under the hand counts too, not only the stretches of the sides beside it
            # where the hand is unusual for them
            assert smooth[60, 150]
            assert scanner._hidden_fraction(work, page, hands | smooth) >= by_colour + 0.15
        else:
            assert by_colour < 0.01 and scanner._hidden_fraction(work, page, hands | smooth) < 0.01


def test_a_page_a_finger_lies_across_is_found_whole():
    """A finger laid across a page from the frame border splits it into two crisp pieces, each
    with a side that is the finger's edge (not a page's side, see `_hand_along`): the page is found
    whole, by carrying a piece on across the finger, and named covered."""
    frame = np.full((720, 1280, 3), 70, np.uint8)
    truth = np.array([[400.0, 180.0], [900.0, 200.0], [890.0, 520.0], [390.0, 500.0]])
    cv2.fillConvexPoly(frame, np.round(truth * 16).astype(np.int32), (235, 235, 235), cv2.LINE_AA, 4)
    cv2.line(frame, (560, 120), (560, 719), (110, 140, 200), 60)  # a finger from the bottom border
    cv2.circle(frame, (560, 120), 30, (110, 140, 200), -1)
    frame = cv2.GaussianBlur(frame, (5, 5), 1.0)
    det = scanner.find_document(frame)
    assert det is not None and corner_error(det.corners, truth) < 0.005
    assert scanner.assess(frame, det).reason is Reason.COVERED


@pytest.mark.parametrize("dcr", [8, 12])
def test_a_faint_page_beside_two_larger_objects_is_found(dcr):
    """A page of nearly the surface's colour (a faint chroma step) between two larger objects
    of other colours: every mask's two largest blobs are the objects, so the page is found only
    as a region the edges enclose, taken on its own."""
    h, w = SIZE[1], SIZE[0]
    frame = np.full((h, w, 3), 110, np.uint8)
    cv2.ellipse(frame, (250, 330), (220, 250), 0, 0, 360, (60, 60, 170), -1)
    cv2.ellipse(frame, (1030, 330), (220, 250), 0, 0, 360, (60, 160, 60), -1)
    page = np.array([[520, 170], [800, 190], [785, 560], [505, 545]], np.float64)
    colour = cv2.cvtColor(np.array([[[120, 128 + dcr, 128]]], np.uint8), cv2.COLOR_YCrCb2BGR)[0, 0]
    cv2.fillConvexPoly(frame, page.astype(np.int32), colour.tolist())
    det = scanner.find_document(frame)
    assert det is not None and not det.touches_edge
    assert corner_error(det.corners, page) < 0.01


def _cut_blob_quads(corners, shape=(225, 400)):
    """The quads `_quads_from_contour` makes of a page's visible part (corners may lie beyond
    the frame border)."""
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(np.array(corners)).astype(np.int32)], 255)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return scanner._quads_from_contour(max(contours, key=cv2.contourArea), shape)


def test_the_page_inside_an_outline_run_to_the_border_is_the_crisp_one():
    """The best supported outline and a larger one around it run to the frame border (the page's
    side followed a shadow or a line of the surface off to the border); inside the larger one lie
    the crisp page and a slightly larger outline with a weak side (a corner run off along that
    shadow). The page is chosen among the inner outlines by the same rule as among all: the
    best supported one, not the largest."""
    shape = (225, 400)
    page = np.array([[100.0, 40.0], [300.0, 40.0], [300.0, 170.0], [100.0, 170.0]])
    skewed = np.array([[100.0, 40.0], [300.0, 40.0], [300.0, 170.0], [95.0, 200.0]])  # a corner run off
    to_border = np.array([[100.0, 40.0], [300.0, 40.0], [300.0, 224.0], [100.0, 224.0]])
    assert any(scanner._cut_sides(to_border, shape)) and not any(scanner._cut_sides(skewed, shape))
    area = lambda q: float(cv2.contourArea(q.astype(np.float32)))  # noqa: E731
    passed = [(1.0, area(page), page, 1.0), (0.72, area(skewed), skewed, 0.33),
              (0.97, area(to_border), to_border, 0.96)]
    assert scanner._choose(passed, shape) is page
    # a larger inner outline that is nearly as well supported, with no weak side, is still taken
    passed[1] = (0.9, area(skewed), skewed, 0.8)
    assert scanner._choose(passed, shape) is skewed


def test_a_page_cut_by_the_border_is_outlined_by_its_own_sides():
    """A turned page with a corner beyond the top border shows five sides, one of them the
    border's: the page's four, meeting beyond the border, are among the outlines tried."""
    truth = np.array([[130.0, -40.0], [330.0, 30.0], [290.0, 150.0], [90.0, 80.0]])
    quads = _cut_blob_quads(truth)
    assert min(np.abs(q - truth).max() for q in quads) < 3.0


def test_a_blob_stopping_short_of_the_border_is_put_onto_it():
    """A page cut by the top border whose blob stops a few pixels short of the border at one
    end (the edge there is lost in the border's rows): an outline along the border is tried,
    cut there (the page goes on beyond it)."""
    blob = np.array([[115.0, 0.0], [288.0, 5.0], [271.0, 210.0], [98.0, 196.0]])
    quads = _cut_blob_quads(blob)
    cut = [q for q in quads if scanner._cut_sides(q, (225, 400))[0]]
    assert cut and min(np.abs(q[1] - (288.0, 0.0)).max() for q in cut) < 3.0


@pytest.mark.parametrize("angle", [0, 4])
@pytest.mark.parametrize("band", [20, 45])
def test_a_card_cut_by_the_border_is_not_taken_for_its_band_edge(band, angle):
    """A card reaching beyond the left border with a coloured band along the cut: the edge
    between band and card is crisp and closes a fully visible outline, but the card's top and
    bottom sides carry on past it to the border, so the card is out of frame."""
    rng = np.random.default_rng(0)
    frame = np.full((SIZE[1], SIZE[0], 3), (60, 70, 80), np.uint8)
    frame = cv2.add(frame, rng.integers(0, 12, frame.shape, dtype=np.uint8))
    m = cv2.getRotationMatrix2D((260, 355), angle, 1.0)
    card = np.array([[-300, 150], [520, 150], [520, 560], [-300, 560]], np.float64)
    cv2.fillConvexPoly(frame, (card @ m[:, :2].T + m[:, 2]).astype(np.int32), (235, 235, 230))
    stripe = np.array([[-300, 150], [band, 150], [band, 560], [-300, 560]], np.float64)
    cv2.fillConvexPoly(frame, (stripe @ m[:, :2].T + m[:, 2]).astype(np.int32), (40, 110, 50))
    frame = cv2.GaussianBlur(frame, (3, 3), 0)
    det = scanner.find_document(frame)
    assert det is not None and det.touches_edge
    assert scanner.assess(frame, det).reasons[0] is Reason.OUT_OF_FRAME


def _surface_beside_a_hand():
    """A work-size YCrCb image: a dark surface, a skin-coloured bar (a finger or a hand, columns
    100-129) reaching up from the bottom border, and a lit patch of the surface just left of it
    (columns 40-99, rows 40-109) whose right side is the bar's edge; and the patch's outline."""
    ycc = np.empty((130, 200, 3), np.float32)
    ycc[:] = (60.0, 128.0, 128.0)
    ycc[40:110, 40:100] = (120.0, 128.0, 128.0)
    ycc[30:130, 100:130] = (150.0, 155.0, 105.0)
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    patch = np.array([[40.0, 40.0], [99.5, 40.0], [99.5, 109.5], [40.0, 109.5]])
    return ycc, patch


def test_an_outline_bounded_by_a_hand_is_not_a_page():
    """A side with a hand flush along its outside (and no skin inside) is the hand's edge: the
    outline is the surface beside the hand. A hand lying across the side (skin inside too), a
    hand along only part of it, or no hand, does not make it one; neither does skin of the
    surface's own colours."""
    ycc, patch = _surface_beside_a_hand()
    skin = scanner._skin(ycc)
    none = np.zeros(skin.shape, bool)
    assert skin[80, 115] and not skin[80, 70]
    assert scanner._hand_along(skin, none, patch, skin.shape)
    assert not scanner._hand_along(skin, skin, patch, skin.shape)  # the surface is skin-toned there
    assert not scanner._hand_along(none, none, patch, skin.shape)
    across = skin.copy()
    across[:, 90:100] = True  # the hand reaches over the side into the outline
    assert not scanner._hand_along(across, none, patch, skin.shape)
    part = skin.copy()
    part[:80] = False  # the hand runs along the lower half of the side only
    assert not scanner._hand_along(part, none, patch, skin.shape)


def test_a_page_with_a_hand_beside_it_is_still_found():
    """A hand near a page (not flush along a whole side) does not make the page a hand's outline."""
    frame, corners = docrender.place_on_tray(FORM, SIZE, center=(0.45, 0.5), angle=0, scale=0.6, seed=2)
    x1 = int(np.ceil(corners[:, 0].max())) + 25
    frame[int(corners[:, 1].mean()):, x1:x1 + 60] = (120, 150, 210)  # BGR skin, reaching up from below
    det = scanner.find_document(frame)
    assert det is not None and corner_error(det.corners, corners) < 0.02


@pytest.mark.parametrize("angle", [0, 7, 25])
def test_a_small_card_keeps_its_narrow_band(angle):
    """A small card (150 x 95 px at 720p) with a dark band 10 px wide along one long side, on a
    grey surface: at the work size the band is three pixels wide and the blob stops at the
    band's inner edge; looked at again on a finer copy around the card (`_expand_fine`), the
    card's short sides carry on over the band and the outline takes it in."""
    rng = np.random.default_rng(1)
    frame = np.full((SIZE[1], SIZE[0], 3), (120, 125, 118), np.uint8)
    frame = cv2.add(frame, rng.integers(0, 14, frame.shape, dtype=np.uint8))
    cx, cy, w, h = 640, 360, 150, 95
    m = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    card = np.array([[cx - w / 2, cy - h / 2], [cx + w / 2, cy - h / 2], [cx + w / 2, cy + h / 2],
                     [cx - w / 2, cy + h / 2]])
    band = card.copy()
    band[2:, 1] = cy - h / 2 + 10
    for poly, colour in ((card, (232, 234, 236)), (band, (60, 64, 60))):
        pts = poly @ m[:, :2].T + m[:, 2]
        cv2.fillConvexPoly(frame, np.round(pts * 16).astype(np.int32), colour, cv2.LINE_AA, 4)
    frame = cv2.GaussianBlur(frame, (3, 3), 0)
    truth = scanner.order_corners(card @ m[:, :2].T + m[:, 2])
    det = scanner.find_document(frame)
    assert det is not None
    assert corner_error(det.corners, truth) < 0.015


def _chequered_floor(cell: int, tilt: float, light=(230, 225, 215), dark=(60, 55, 50), size=SIZE, seed=0):
    """A chequerboard of square tiles seen under perspective (a tiled floor), lightly blurred
    and noisy."""
    w, h = size
    yy, xx = np.mgrid[0:h * 2, 0:w * 2]
    big = np.zeros((h * 2, w * 2, 3), np.float32)
    light_cells = ((yy // cell + xx // cell) % 2).astype(bool)
    big[light_cells], big[~light_cells] = light, dark
    src = np.float32([[0, 0], [w * 2, 0], [w * 2, h * 2], [0, h * 2]])
    dst = np.float32([[-w * tilt, 0], [w * (1 + tilt), 0], [w * 1.2, h * 1.1], [-w * 0.2, h * 1.1]])
    frame = cv2.warpPerspective(big, cv2.getPerspectiveTransform(src, dst), size, flags=cv2.INTER_AREA)
    noise = np.random.default_rng(seed).normal(0, 2, frame.shape)
    return np.clip(cv2.GaussianBlur(frame, (0, 0), 0.8) + noise, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("tilt", [0.15, 0.3])
@pytest.mark.parametrize("light", [(200, 190, 180), (230, 225, 215)])
def test_a_chequered_floor_is_not_a_document(tilt, light):
    """Blocks of tiles on a chequered floor have four straight, crisp sides and right-angled
    corners, but each side's line goes on as an edge beyond its corners (`_tiling`)."""
    assert scanner.find_document(_chequered_floor(140, tilt, light)) is None


def test_a_tiling_is_told_from_a_page_by_its_sides_going_on():
    """The same outline, a block of two by three tiles on the chequered floor and a page of that
    shape on a plain surface: only the block's sides go on beyond its corners."""
    floor = _chequered_floor(140, 0.15)
    work = scanner._prepare(floor, scanner.WORK_WIDTH)
    h, w = work.shape
    # a block of tiles as find_document chose it before `_tiling` (frame pixels)
    block = np.array([[55, 448], [247, 448], [238, 686], [43, 686]], np.float64)
    quad = scanner.order_corners((block + 0.5) * work.f - 0.5)
    assert scanner._tiling(work.ycc, quad, (h, w))
    page = docrender.tray_background(SIZE, seed=4)
    cv2.fillConvexPoly(page, np.round(block).astype(np.int32), (235, 235, 235))
    work = scanner._prepare(page, scanner.WORK_WIDTH)
    assert not scanner._tiling(work.ycc, quad, (h, w))
    assert scanner.find_document(page) is not None


def _tiles(w: int = 1280, h: int = 720, pitch: int = 90, seed: int = 0) -> np.ndarray:
    """A tiled floor: light tiles, dark grout lines running on across the whole frame."""
    rng = np.random.default_rng(seed)
    frame = np.full((h, w, 3), 190, np.uint8)
    frame = (frame.astype(np.int16) + rng.normal(0, 4, frame.shape)).clip(0, 255).astype(np.uint8)
    for x in range(pitch // 2, w, pitch):
        cv2.line(frame, (x, 0), (x, h - 1), (70, 70, 70), 6)
    for y in range(pitch // 3, h, pitch):
        cv2.line(frame, (0, y), (w - 1, y), (70, 70, 70), 6)
    return frame


def test_outlines_from_straight_lines_find_a_page_and_not_the_grout():
    # a page on a mottled surface: its four sides are straight edges that end at its corners
    rng = np.random.default_rng(3)
    surface = cv2.resize(rng.normal(150, 25, (45, 80)).clip(0, 255).astype(np.uint8), (1280, 720),
                         interpolation=cv2.INTER_CUBIC)
    frame = cv2.cvtColor(surface, cv2.COLOR_GRAY2BGR)
    truth = scanner.order_corners(cv2.boxPoints(((640, 370), (430, 320), 20)))
    cv2.fillConvexPoly(frame, np.round(truth).astype(np.int32), (235, 235, 235))
    work = scanner._prepare(frame, scanner.WORK_WIDTH)
    quads = scanner._quads_from_lines(work)
    assert quads
    best = min(np.abs(scanner.order_corners((q + 0.5) / work.f - 0.5) - truth).max() for q in quads)
    assert best < 8.0  # full-resolution pixels (about 2.5 work pixels, before any snapping)
    # tiles alone are no document: grout lines are thin lines (the same colour on both sides), no
    # page's edge
    tiles = _tiles(seed=1)
    assert scanner._straight_lines(scanner._prepare(tiles, scanner.WORK_WIDTH)) == []
    assert scanner.find_document(tiles) is None


def test_lines_are_looked_for_only_where_a_page_shows_a_clear_edge():
    # the line search (costly on textured surfaces, where it can only find texture) runs when no
    # outline passed with all its sides fairly clear and some candidate has one clear side
    rng = np.random.default_rng(3)
    surface = cv2.resize(rng.normal(150, 25, (45, 80)).clip(0, 255).astype(np.uint8), (1280, 720),
                         interpolation=cv2.INTER_CUBIC)
    empty = cv2.cvtColor(surface, cv2.COLOR_GRAY2BGR)
    page = empty.copy()
    truth = scanner.order_corners(cv2.boxPoints(((640, 370), (430, 320), 20)))
    cv2.fillConvexPoly(page, np.round(truth).astype(np.int32), (235, 235, 235))
    for frame, clear in ((empty, False), (page, True)):
        work = scanner._prepare(frame, scanner.WORK_WIDTH)
        quad = ((truth + 0.5) * work.f - 0.5).astype(np.float32)
        supports = scanner._support_many(work.ycc, [quad], work.shape)
        assert scanner._lines_wanted([], [quad], supports, work.shape) is clear
        assert scanner._lines_wanted([0.3], [quad], supports, work.shape) is clear  # a weak outline passed
        assert scanner._lines_wanted([0.9], [quad], supports, work.shape) is False  # a clear one passed
    # a clear edge on a small cell (a tile, a brick) is no sign of a page the regions missed
    small = scanner.order_corners(cv2.boxPoints(((640, 370), (120, 90), 20)))
    frame = empty.copy()
    cv2.fillConvexPoly(frame, np.round(small).astype(np.int32), (235, 235, 235))
    work = scanner._prepare(frame, scanner.WORK_WIDTH)
    quad = ((small + 0.5) * work.f - 0.5).astype(np.float32)
    supports = scanner._support_many(work.ycc, [quad], work.shape)
    assert max(supports[0][0]) >= scanner._LINES_SIDE
    assert scanner._lines_wanted([], [quad], supports, work.shape) is False


def _held_card(thumb_cols=(80, 110), thumb_rows=(70, 130), band=False):
    """A work-size YCrCb image: a skin-toned card (rows 30-89, columns 40-139) on a dark surface
    and a thumb of another skin shade over its bottom side, reaching up from the bottom border;
    with `band`, a skin bar across the whole card from top to bottom border instead (a hand or an
    arm). The card's outline, its support, and the skin mask."""
    ycc = np.empty((130, 200, 3), np.float32)
    ycc[:] = (60.0, 128.0, 128.0)
    ycc[30:90, 40:140] = (175.0, 145.0, 112.0)  # beige: inside the skin box
    if band:
        ycc[:, 80:110] = (150.0, 155.0, 105.0)
    else:
        ycc[thumb_rows[0]:thumb_rows[1], thumb_cols[0]:thumb_cols[1]] = (150.0, 155.0, 105.0)
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    card = np.array([[40.0, 30.0], [139.5, 30.0], [139.5, 89.5], [40.0, 89.5]])
    skin = scanner._skin(ycc)
    support, cut = scanner._support(ycc, card, ycc.shape[:2])  # the edges seen (as outlines are scored)
    return card, support, cut, skin


def test_a_skin_toned_card_a_thumb_holds_is_not_a_hand():
    """A skin-coloured outline with three clear sides whose fourth side's edge is seen on either
    side of a finger that crosses it from outside is a card held by a thumb (`_held_card`); a
    hand's band across two opposite sides, a thumb that ends just past the side, or a side under
    skin all along, is not."""
    card, support, cut, skin = _held_card()
    assert skin[60, 60] and skin[110, 95]
    assert min(support[:2]) >= 0.9 and support[3] >= 0.9 and support[2] < 0.9
    assert scanner._held_card(skin, card, support, cut)
    # a band of skin across the top and bottom sides: a hand or an arm, not a held card
    card, support, cut, skin = _held_card(band=True)
    assert not scanner._held_card(skin, card, support, cut)
    # the skin across the side ends a few pixels beyond it (not a finger from outside the card)
    card, support, cut, skin = _held_card(thumb_rows=(70, 94))
    assert not scanner._held_card(skin, card, support, cut)
    # the finger covers the whole side: no edge of it seen beyond the finger
    card, support, cut, skin = _held_card(thumb_cols=(30, 150))
    assert not scanner._held_card(skin, card, support, cut)


def _pink_card_on_skin_tones(finger_cols=(60, 110), finger_rows=(70, 130), band=False):
    """A work-size YCrCb image: a pink card (rows 30-89, columns 40-139; inside the skin box, a
    colour the surface lacks) on a grained skin-toned surface (wood, fur), and a smooth finger of
    the surface's own colour over its bottom side, reaching up from the bottom border; with
    `band`, a smooth bar of skin from the top border to the bottom one across the card instead
    (a hand or an arm). The card's outline and what find_document has at hand there."""
    ycc = np.empty((130, 200, 3), np.float32)
    ycc[:] = (150.0, 155.0, 105.0)
    ycc[..., 0] += np.where((np.arange(200)[None, :] // 2 + np.arange(130)[:, None]) % 2 == 0, 25.0, -25.0)
    ycc[30:90, 40:140] = (200.0, 150.0, 120.0)
    if band:
        ycc[:, 80:110] = (150.0, 155.0, 105.0)
    else:
        ycc[finger_rows[0]:finger_rows[1], finger_cols[0]:finger_cols[1]] = (150.0, 155.0, 105.0)
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    card = np.array([[40.0, 30.0], [139.5, 30.0], [139.5, 89.5], [40.0, 89.5]])
    skin = scanner._skin(ycc)
    hands = skin & ~scanner._border_colours(ycc, 3)  # as find_document takes them there
    support, cut = scanner._support(ycc, card, ycc.shape[:2])
    return ycc, card, support, cut, skin, hands


def test_a_pink_card_a_finger_lies_across_on_a_skin_toned_surface_is_not_a_hand():
    """On a skin-toned surface every side of a skin-toned card reads as crossed by skin, so a
    finger across one side makes the card a hand by the hand rule (a weak side) and `_held_card`
    cannot say otherwise. `_held_on_skin_tone` leaves out the stretch a smooth finger hides: the
    card is held. Not so for a band of skin across two opposite sides, a finger that ends just past
    the side (not from outside the card), or a side under skin all along."""
    ycc, card, support, cut, skin, hands = _pink_card_on_skin_tones()
    assert scanner._skin_toned_border(skin) and skin[60, 90] and hands[60, 90] and not hands[110, 85]
    assert support[2] < 0.7 and min(support[:2] + support[3:]) >= 0.9
    assert scanner._a_hand(skin, True, card, support, cut)  # the hand rule alone: a hand
    assert not scanner._held_card(skin, card, support, cut)
    assert scanner._held_on_skin_tone(ycc, skin, hands, card, skin)
    for kw in (dict(band=True), dict(finger_rows=(70, 94)), dict(finger_cols=(30, 150))):
        ycc, card, support, cut, skin, hands = _pink_card_on_skin_tones(**kw)
        assert not scanner._held_on_skin_tone(ycc, skin, hands, card, skin), kw


def test_a_skin_toned_card_held_by_a_thumb_is_found():
    """A beige card (inside the skin box) on a dark tray, a thumb of another skin shade reaching
    up from the bottom border over half its bottom side: the card is found with its own corners
    and named covered (not the card and thumb together, cut by the border); the same card alone
    is found and ok."""
    for thumb in (True, False):
        ycc = np.empty((720, 1280, 3), np.uint8)
        ycc[:] = (70, 128, 128)
        ycc[200:540, 400:880] = (185, 150, 112)
        if thumb:
            ycc[460:720, 520:760] = (140, 160, 105)
        frame = cv2.GaussianBlur(cv2.cvtColor(ycc, cv2.COLOR_YCrCb2BGR), (5, 5), 1.2)
        truth = np.array([[400, 200], [879, 200], [879, 539], [400, 539]], float)
        det = scanner.find_document(frame)
        assert det is not None and corner_error(det.corners, truth) < 0.005, thumb
        assert scanner.assess(frame, det).reasons == ((Reason.COVERED,) if thumb else (Reason.OK,))


def _panel_in_the_corner(beam: bool) -> np.ndarray:
    """A light panel (or page) filling the top left corner of the frame; with `beam`, a grey beam
    lies under it, its upper edge running on along the panel's lower side well beyond the panel's
    one corner in the frame (a wall panel over a shelf board, a bin under a shelf's edge)."""
    frame = docrender.tray_background(SIZE, seed=3)
    cv2.rectangle(frame, (0, 0), (430, 250), (205, 210, 215), -1)
    if beam:
        cv2.rectangle(frame, (0, 251), (1050, 267), (120, 120, 120), -1)
    return frame


def test_a_panel_in_a_frame_corner_whose_corners_are_crossings_is_not_a_document():
    """An outline cut by two sides of the frame shows one corner of its own; when one of its sides
    goes on as an edge beyond that corner (`_corners_are_crossings`), the corner is where lines of
    a larger structure cross, and the outline no document. The same outline without the beam
    (a page pushed into the frame corner) is found, out of frame."""
    quad_px = np.array([[-1, -1], [430, -1], [430, 250], [-1, 250]], np.float64)
    for beam in (False, True):
        frame = _panel_in_the_corner(beam)
        work = scanner._prepare(frame, scanner.WORK_WIDTH)
        quad = scanner.order_corners((quad_px + 0.5) * work.f - 0.5)
        assert scanner._corners_are_crossings(work.ycc, quad, work.shape) == beam
        det = scanner.find_document(frame)
        if beam:
            assert det is None
        else:
            assert det is not None and det.touches_edge
            assert np.abs(det.corners[2] - [430, 250]).max() < 3
            assert scanner.assess(frame, det).reason == Reason.OUT_OF_FRAME


def test_a_line_beside_a_page_in_a_frame_corner_is_no_crossing():
    """A thin line (the same colour on both sides) on the surface along the page's lower side is
    not the side's edge going on: the page in the frame corner is still found."""
    frame = _panel_in_the_corner(False)
    cv2.line(frame, (431, 250), (1050, 250), (120, 120, 120), 8)
    det = scanner.find_document(frame)
    assert det is not None and det.touches_edge


@pytest.mark.parametrize("beam, found", [(None, True), ((100, 1050), False), ((100, 700), True)])
def test_a_panel_cut_by_one_frame_side_is_dropped_only_when_both_its_corners_are_crossings(beam, found):
    """A panel reaching beyond the top of the frame shows two corners: with a beam under it running
    on beyond both of them it is a piece of a larger structure (`_corners_are_crossings`); with the
    beam going on beyond one corner only (a page laid against a line of the surface), or without
    one, it is still found."""
    frame = docrender.tray_background(SIZE, seed=3)
    cv2.rectangle(frame, (300, 0), (700, 250), (205, 210, 215), -1)
    if beam is not None:
        cv2.rectangle(frame, (beam[0], 251), (beam[1], 267), (120, 120, 120), -1)
    det = scanner.find_document(frame)
    assert (det is not None) == found
    if found:
        assert det.touches_edge and corner_error(det.corners, np.float64([[300, 0], [700, 0], [700, 250], [300, 250]])) < 0.05


def test_a_hands_rim_does_not_carry_the_page_outline_to_the_frame_border():
    # The closed-edges mask of a page under a hand: the frame border reaches the hand through the
    # arm, but the widened edges along the hand's sides stay as thin strips from the page to the
    # frame border. Without them the page's blob is the page (with the hand's bite out of it).
    h, w = 225, 400
    page = np.array([[100.0, 40.0], [300.0, 55.0], [290.0, 190.0], [90.0, 175.0]])
    closed = np.zeros((h, w), np.uint8)
    cv2.fillPoly(closed, [page.astype(np.int32)], 255)
    hand = np.zeros((h, w), np.uint8)
    cv2.fillPoly(hand, [np.array([[230, 95], [399, 90], [399, 140], [230, 135]], np.int32)], 255)
    closed[hand > 0] = 0
    # the rim: three pixels just outside the hand along its long sides, from the page to the border
    rim = cv2.dilate(hand, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 7))) & ~hand
    rim[:, :230] = 0
    closed |= rim
    not_skin = (hand == 0).astype(np.uint8) * 255
    open_k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))

    def blob(mask):
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        return max(contours, key=cv2.contourArea)

    with_rim = blob(cv2.morphologyEx(closed & not_skin, cv2.MORPH_OPEN, open_k))
    assert with_rim[:, 0, 0].max() == w - 1  # the skin cut alone leaves the strips to the border
    without = blob(scanner._without_hand_rim(closed, not_skin, open_k))
    assert without[:, 0, 0].max() < 305
    quads = scanner._quads_from_contour(without, (h, w))
    err = min(np.abs(scanner.order_corners(q) - scanner.order_corners(page)).max() for q in quads)
    assert err <= 3.0


@pytest.mark.parametrize("surface", ["gravel", "plain", "shaded"])
@pytest.mark.parametrize("strip", ["band", "stripes"])
def test_a_flat_band_the_colour_of_a_textured_surface_is_added(surface, strip):
    """A card's grey band the colour of the gravel it lies on: no colour edge bounds it (the
    stones beside it are as often lighter as darker), but it is one colour along and across
    while the gravel beyond its outer edge and beyond its ends is not (`_flat_band`). Beside a
    plain surface (the band then is just more of the surface, or a shadow fading out) or where
    the strip is not one colour (the surface's own pattern), nothing is added."""
    rng = np.random.default_rng(3)
    ycc = np.empty((160, 220, 3), np.float32)
    ycc[:] = (100.0, 128.0, 128.0)
    if surface == "gravel":
        stones = cv2.resize(rng.normal(0, 1, (40, 55)).astype(np.float32), (220, 160), interpolation=cv2.INTER_NEAREST)
        ycc[..., 0] += 35 * stones
    elif surface == "shaded":
        ycc[..., 0] += np.linspace(-20, 20, 160)[:, None]
    ycc[50:120, 60:170] = (220.0, 128.0, 128.0)  # the card's light body
    if strip == "band":
        ycc[30:50, 60:170] = (100.0, 128.0, 128.0)  # its band, the surface's mean colour
    else:
        for k, x in enumerate(range(60, 170, 6)):
            ycc[30:50, x:x + 6] = (60.0, 128.0, 128.0) if k % 2 else (140.0, 128.0, 128.0)
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    body = np.array([[60.0, 50.0], [169.5, 50.0], [169.5, 119.5], [60.0, 119.5]])
    support, cut = scanner._support(ycc, body, ycc.shape[:2])
    assert support[0] >= 0.8
    out = scanner._flat_band(ycc, body, ycc.shape[:2], support, cut)
    if surface == "gravel" and strip == "band":
        assert out is not None
        assert np.abs(out[:2, 1] - 29.5).max() <= 1.5 and np.allclose(out[2:], body[2:])
        assert np.abs(out[:, 0] - body[:, 0]).max() <= 0.5
    else:
        assert out is None


def test_a_side_fit_is_not_tilted_by_inner_edges_along_part_of_it(monkeypatch):
    """Edge points found across a small photo's side (as on 720p too_small 11 of the tune set):
    along most of it the photo's edge, but over its first 40 % the side blends into the surface
    and coins inside the photo give the strongest change, 4-8 px in. The Huber fit and its 3
    then 1.5 px cuts tilt towards them; the line through two of the points that most of them lie
    within a pixel of is the edge (`_robust_line`)."""
    rng = np.random.default_rng(2)
    t = np.linspace(0.03, 0.97, 30)
    off = rng.normal(-0.6, 0.3, 30)  # the edge (found a little inside, as on a blurred step)
    inner = t < 0.4
    off[inner] = rng.uniform(-8.5, -4.0, inner.sum())  # the coins
    off[[2, 6]] = -0.5  # the edge seen between them at two points
    a, b = np.array([300.0, 200.0]), np.array([320.0, 380.0])  # the side, 181 px long
    u = (b - a) / np.hypot(*(b - a))
    normal = np.array([u[1], -u[0]])
    p = a + t[:, None] * (b - a) + off[:, None] * normal

    def offsets_at_ends(line):
        v, p0 = line[:2], line[2:]
        return [float(np.dot(p0 + np.dot(end - p0, v) * v - end, normal)) for end in (a, b)]

    ends = offsets_at_ends(scanner._robust_line(p))
    assert all(-1.2 <= e <= 0.0 for e in ends), ends
    monkeypatch.setattr(scanner, "_consensus_line", lambda p: None)
    tilted = offsets_at_ends(scanner._robust_line(p))
    assert min(tilted) < -3.0, tilted


def _smeared(frame: np.ndarray, length: float, angle: float) -> np.ndarray:
    """The frame smeared along a straight line (a page moved during the exposure): a line kernel
    centred on the pixel, as the page's mean position over the exposure is where it is seen."""
    n = int(np.ceil(length)) | 1
    k = np.zeros((n, n), np.float32)
    c = n // 2
    for t in np.linspace(-length / 2, length / 2, 8 * n):
        k[int(round(c + t * np.sin(angle))), int(round(c + t * np.cos(angle)))] += 1
    out = cv2.filter2D(frame.astype(np.float32), -1, k / k.sum())
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("doc, angle, smear", [("card", 8, 2.4), ("card", 25, 0.3), ("form", 8, 1.2),
                                               ("form", -20, 1.2)])
def test_a_smeared_side_is_put_in_the_middle_of_its_smear(doc, angle, smear):
    """A page moved during the exposure: each side across the motion is a ramp 20 px wide with no
    peak in its colour change, and the strongest change at each row fell anywhere on it (the
    fitted side tilted, 0.7-1.4 % of the diagonal off at a corner). The page's mean position lies
    in the middle of the ramp (a smear is symmetric): `_smear_centre_line` puts the side through
    the centroids of the rows' colour-change lobes."""
    img = CARD if doc == "card" else FORM
    frame, truth = docrender.place_on_tray(img, SIZE, angle=angle, scale=0.55, seed=3)
    det = scanner.find_document(_smeared(frame, 20, smear))
    assert det is not None
    assert corner_error(det.corners, truth) <= 0.005


@pytest.mark.parametrize("surface", ["gravel.jpg", "grass.jpg"])
def test_a_smear_is_measured_whole_when_the_outline_lies_in_its_middle(surface):
    """A page smeared 24 px across its top and bottom sides (its outline, as found, in the middle
    of the smear): `outline_blur` reads the whole ramp (a box of 24 px has a sigma of 6.9), not
    a bump of the textured surface at the end of a window that barely held the ramp (it read
    2.5-2.8 with a window of 14 px to either side at 720p)."""
    frame = cv2.resize(cv2.imread(str(Path(__file__).parents[1] / "data" / "documents" / surface)), SIZE)
    truth = np.array([[400.0, 150.0], [880.0, 170.0], [860.0, 560.0], [380.0, 540.0]])
    cv2.fillPoly(frame, [truth.astype(np.int32)], (235, 230, 240))
    blur = scanner.outline_blur(_smeared(frame, 24, np.pi / 2), truth)
    assert np.sort(blur)[-2] >= 4.0, blur


def test_a_side_off_the_page_is_moved_onto_the_straight_edge_beside_it():
    """`_side_search`: an outline with three fair sides and one that strayed off the page (its
    blob ran out into the surface's texture) has that side moved onto the page's edge beside
    it, parallel to the opposite side; its neighbours are carried on to meet it. Outlines with
    every side fair, or two weak ones, are left out."""
    ycc = np.full((160, 220, 3), 128.0, np.float32)
    ycc[..., 0] = 130.0
    ycc[30:120, 40:160, 0] = 50.0  # the page: columns 40-159
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    strayed = np.array([[40.0, 30.0], [167.0, 30.0], [167.0, 119.5], [40.0, 119.5]])
    support, cut, _ = scanner._support_many(ycc, [strayed], ycc.shape[:2])[0]
    assert support[1] < scanner._FINER_FAIR and min(support[0], support[2], support[3]) >= scanner._FINER_FAIR
    moved = scanner._side_search(ycc, [strayed], [(support, cut, 0)])
    assert len(moved) == 1
    assert np.allclose(moved[0][[1, 2], 0], 159.5, atol=1.0)
    assert np.allclose(moved[0][[1, 2], 1], [30.0, 119.5], atol=1.0)
    assert np.array_equal(moved[0][[0, 3]], strayed[[0, 3]])
    assert scanner._support(ycc, moved[0], ycc.shape[:2])[0][1] >= 0.9
    assert scanner._side_search(ycc, [strayed], [([1.0, 1.0, 1.0, 1.0], cut, 0)]) == []
    assert scanner._side_search(ycc, [strayed], [([1.0, 0.2, 1.0, 0.3], cut, 0)]) == []


def test_opposite_sides_of_a_page_seen_from_above_are_near_parallel():
    assert scanner._parallel(scanner.order_corners(cv2.boxPoints(((200, 150), (160, 100), 33))))
    assert scanner._parallel(np.array([[0.0, 0.0], [100.0, 4.0], [104.0, 80.0], [2.0, 84.0]]))
    # a box face under strong perspective, a shelf's piece beside a slanting rod
    assert not scanner._parallel(np.array([[0.0, 0.0], [100.0, 0.0], [70.0, 90.0], [30.0, 90.0]]))
    assert not scanner._parallel(np.array([[7.0, 0.0], [130.0, 45.0], [103.0, 69.0], [5.0, 28.0]]))


def test_a_candidate_is_looked_at_again_on_a_finer_copy():
    """`_finer_look`: a candidate outline of a page on a 1080p frame comes back (in work pixels,
    where it was) with its support measured on a copy twice as fine; outlines cut by the frame
    border, with opposite sides far from parallel, or too weak, are not looked at."""
    rng = np.random.default_rng(5)
    frame = np.full((1080, 1920, 3), 120, np.uint8)
    frame = (frame.astype(np.int16) + rng.normal(0, 4, frame.shape)).clip(0, 255).astype(np.uint8)
    truth = scanner.order_corners(cv2.boxPoints(((900, 520), (640, 460), 18)))
    cv2.fillConvexPoly(frame, np.round(truth).astype(np.int32), (45, 45, 45))
    work = scanner._prepare(frame, scanner.WORK_WIDTH)
    quad = (truth + 0.5) * work.f - 0.5
    # as if the surface's texture had outdone the page's edge along parts of its sides
    weak = [([0.4, 0.45, 0.4, 0.45], [False] * 4, 0)]
    more, more_support = scanner._finer_look(work, [quad], weak)
    assert len(more) >= 1
    assert np.abs(more[0] - quad).max() < 1.0
    assert min(more_support[0][0]) >= 0.9 and not any(more_support[0][1])
    assert scanner._finer_look(work, [quad], [([0.2, 0.2, 0.2, 0.3], [False] * 4, 0)]) == ([], [])
    assert scanner._finer_look(work, [quad], [([0.4, float("nan"), 0.4, 0.45], [False, True, False, False], 0)]) == ([], [])
    skewed = quad.copy()
    skewed[1] += (0.0, 40.0)  # its top side turned by about 20 degrees against the bottom one
    assert scanner._finer_look(work, [skewed], weak) == ([], [])


def _hand_reaching_in(fingers: bool = True):
    """A work-size YCrCb image: a dark surface and a hand (skin, columns 80-129) reaching up from
    the bottom border, its top a row of three fingertips, not level, with the surface between
    them (rows 35-59); without `fingers`, a skin-toned card cut by the border there instead (a straight
    top). The outline around it (its bottom side along the frame border) and the skin mask."""
    ycc = np.empty((130, 200, 3), np.float32)
    ycc[:] = (60.0, 128.0, 128.0)
    ycc[60:, 80:130] = (150.0, 155.0, 105.0)
    for x0, y0 in (((80, 35), (99, 44), (118, 39)) if fingers else ((80, 35),)):
        ycc[y0:60, x0:(x0 + 12 if fingers else 130)] = (150.0, 155.0, 105.0)
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    outline = np.array([[80.0, 35.0], [129.5, 35.0], [129.5, 129.5], [80.0, 129.5]])
    return ycc, outline, scanner._skin(ycc)


def test_a_hand_is_told_from_a_skin_toned_card_by_its_outline():
    """`_a_hand`: a skin-coloured outline whose fingertip side is a row of bumps (a weak side) is
    a hand reaching in; the same outline with a straight top (a skin-toned card cut by the
    border) is not; nor is any outline that is not mostly skin; a piece of a hand between two
    creases (its top and bottom sides inside the skin, the hand carrying on beyond them) is a
    hand even with clear sides, by the skin just outside it (not on a skin-toned surface)."""
    ycc, outline, skin = _hand_reaching_in()
    support, cut = scanner._support(ycc, outline, skin.shape)
    assert cut == [False, False, True, False] and support[0] < 0.7
    assert scanner._a_hand(skin, False, outline, support, cut)
    assert not scanner._a_hand(np.zeros_like(skin), False, outline, support, cut)
    ycc, outline, skin = _hand_reaching_in(fingers=False)
    support, cut = scanner._support(ycc, outline, skin.shape)
    assert min(s for s, c in zip(support, cut) if not c) >= 0.9
    assert not scanner._a_hand(skin, False, outline, support, cut)
    # a piece of the hand's palm: its sides are the hand's edges and two lines across the palm
    ycc, _, skin = _hand_reaching_in()
    piece = np.array([[80.0, 70.0], [129.5, 70.0], [129.5, 100.0], [80.0, 100.0]])
    clear = [1.0, 1.0, 1.0, 1.0]  # however clear its sides might read
    assert scanner._a_hand(skin, False, piece, clear, [False] * 4)
    assert not scanner._a_hand(skin, True, piece, clear, [False] * 4)  # on wood or fur, skin says nothing


def test_a_hand_reaching_in_is_not_a_document_with_or_without_a_tray_model():
    """A hand with fingers reaching in from the bottom border over the tray, nothing else: no
    document, with and without a learned empty tray."""
    bare = docrender.tray_background(SIZE, seed=4)
    frame = bare.copy()
    skin = (120, 150, 210)  # BGR
    frame[380:, 560:760] = skin
    for x0 in (560, 628, 696):
        cv2.rectangle(frame, (x0, 260), (x0 + 56, 380), skin, -1)
        cv2.circle(frame, (x0 + 28, 262), 28, skin, -1)
    frame = cv2.GaussianBlur(frame, (5, 5), 1.2)
    tray = scanner.TrayModel(min_frames=2)
    tray.learn(bare)
    tray.learn(bare)
    assert scanner.find_document(frame) is None
    assert scanner.find_document(frame, tray=tray) is None


DOCS = Path(__file__).resolve().parents[1] / "data" / "documents"


def _dark_hand_on(surface: str, tone: tuple, seed: int = 1) -> tuple[np.ndarray, list[np.ndarray]]:
    """A hand of skin (the astronaut's cheek, tinted to `tone`, BGR) with four fingers reaching up
    from the bottom border onto a real surface photo, rounded and shaded towards its outline, and
    two frames of the bare surface (the empty tray), each with its own sensor noise."""
    rng = np.random.default_rng(seed)
    bare = cv2.resize(cv2.imread(str(DOCS / surface)), SIZE, interpolation=cv2.INTER_CUBIC).astype(np.float32)
    mask = np.zeros(SIZE[::-1], np.uint8)
    tip, fw, n = np.array([0.7 * SIZE[0], 0.55 * SIZE[1]]), 40, 4
    for i in range(n):
        off = (i - (n - 1) / 2) * fw * 1.1
        t = tip + (off, 0.3 * abs(off))
        cv2.line(mask, tuple(int(v) for v in t), (int(t[0]), int(t[1] + 3.2 * fw)), 255, int(fw * 0.95), cv2.LINE_AA)
        cv2.circle(mask, tuple(int(v) for v in t), int(fw * 0.47), 255, -1, cv2.LINE_AA)
    cv2.line(mask, (int(tip[0]), int(tip[1] + 3 * fw)), (int(tip[0]), SIZE[1] + 400), 255, int(fw * n * 1.15),
             cv2.LINE_AA)
    a = (mask.astype(np.float32) / 255)[..., None]
    dist = cv2.distanceTransform((mask > 127).astype(np.uint8), cv2.DIST_L2, 3)
    shade = (0.55 + 0.45 * np.sqrt(np.clip(dist / (fw / 2), 0, 1)))[..., None]
    face = cv2.imread(str(DOCS / "astronaut.jpg"))
    h, w = face.shape[:2]
    cheek = cv2.resize(face[int(h * 0.18):int(h * 0.3), int(w * 0.38):int(w * 0.5)], SIZE,
                       interpolation=cv2.INTER_CUBIC).astype(np.float32)
    cheek *= np.float32(tone) / np.maximum(cheek.reshape(-1, 3).mean(axis=0), 1)

    def finish(f: np.ndarray) -> np.ndarray:
        f = cv2.GaussianBlur(f, (0, 0), 0.8) + rng.standard_normal(f.shape[:2] + (1,)).astype(np.float32) * 2
        return np.clip(f + 0.5, 0, 255).astype(np.uint8)

    return finish(bare * (1 - a) + cheek * shade * a), [finish(bare.copy()), finish(bare.copy())]


@pytest.mark.parametrize("surface", ["gravel.jpg", "grass.jpg"])
def test_a_dark_hand_reaching_in_over_a_learned_tray_is_not_a_document(surface):
    """A dark hand (luma about 30, below the skin box's) reaching in over the learned empty tray:
    its colour is a dark skin's (`_dark_skin`: just above neutral, red over blue), and, being new
    on the tray, the hand rules see it as skin, so its palm band with the row of fingertips is not
    outlined as a document. The same hand in a light skin tone is not one either; `_dark_skin`
    alone leaves out neutral dark grey and the light skin the box already holds."""
    for tone in ((30, 42, 66), (150, 175, 225)):
        frame, bare = _dark_hand_on(surface, tone)
        tray = scanner.TrayModel(min_frames=2)
        for b in bare:
            tray.learn(b)
        assert scanner.find_document(frame, tray=tray) is None
    planes = tuple(np.full((2, 2), v, np.float32) for v in (30.0, 138.0, 121.0))
    assert scanner._dark_skin(planes).all() and not scanner._skin(cv2.merge(planes)).any()
    assert not scanner._dark_skin(tuple(np.full((2, 2), v, np.float32) for v in (30.0, 128.0, 128.0))).any()
    assert not scanner._dark_skin(tuple(np.full((2, 2), v, np.float32) for v in (150.0, 150.0, 110.0))).any()


def test_a_held_card_with_the_hand_carrying_on_beyond_two_opposite_sides_is_a_hand():
    """With a learned empty tray, an outline that passes for a skin-toned card held by a thumb is
    still a hand when something new lies beyond two of its opposite sides (a piece of a hand:
    fingers beyond one side, the palm beyond the other, however dark); new beyond one side only
    (the thumb, a blurred fringe) or beyond two neighbouring ones leaves it a card."""
    card, support, cut, skin = _held_card()
    assert scanner._held_card(skin, card, support, cut)
    assert scanner._a_hand(skin, False, card, support, cut, None) is False
    new = np.zeros(skin.shape, bool)
    new[30:90, 40:140] = True  # the card itself is new on the tray
    assert not scanner._changed_beyond_opposite_sides(new, card)
    assert scanner._a_hand(skin, False, card, support, cut, new) is False
    new[0:30, 40:140] = True  # beyond the top side ...
    assert not scanner._changed_beyond_opposite_sides(new, card)
    new[30:90, 140:200] = True  # ... and the right one: neighbouring sides
    assert not scanner._changed_beyond_opposite_sides(new, card)
    assert scanner._a_hand(skin, False, card, support, cut, new) is False
    new[90:, 40:140] = True  # ... and the bottom one: opposite sides
    assert scanner._changed_beyond_opposite_sides(new, card)
    assert scanner._a_hand(skin, False, card, support, cut, new) is True


@pytest.mark.parametrize("strip_across", [True, False])
def test_a_faint_edge_past_a_band_is_taken_only_where_the_sides_go_on(strip_across):
    """`_carried_past_clear` (`_expand`): a card's dark band ends at a clear edge (the near move,
    20 work px out); 10 px farther lies a faint edge. When the stretch between is a strip across
    the whole surface (a pipe's shadow beyond the card, 1080p blurry 23), the card's sides do not
    go on over it, and the faint edge is not taken; when the card itself goes on there (the strip
    only as wide as the card), they do, and it is."""
    ycc = np.empty((225, 400, 3), np.float32)
    ycc[:] = (120.0, 128.0, 128.0)
    ycc[80:180, 100:300, 0] = 220.0  # the page
    ycc[60:80, 100:300, 0] = 60.0  # its band
    if strip_across:
        ycc[50:60, :, 0] = 72.0
    else:
        ycc[50:60, 100:300, 0] = 72.0
    quad = np.array([[100.0, 80.0], [300.0, 80.0], [300.0, 180.0], [100.0, 180.0]])
    far = scanner._move_side(quad, 0, 30.0)
    near = scanner._move_side(quad, 0, 20.0)
    clear = ([0.9, 1.0, 1.0, 1.0], [False] * 4, 0)
    ext = np.ones((2, 2))
    taken = scanner._carried_past_clear(ycc, quad, [far, near], 0, 0, [1], [clear], ext, None)
    assert taken is (not strip_across)


def _dark_photo_with_coins(inset: float):
    """A small dark photo (280 x 200 px, turned 12 degrees) on a dark purple 1080p surface, as
    1080p too_small 28 of the tune set: its dark ground differs from the surface by about 15
    levels, and bright coins printed along its right side, 3-14 px in, give steps ten times as
    strong. Returns the frame, the true corners and rough ones with the right side `inset` px in
    (where the work-size outline put it)."""
    rng = np.random.default_rng(5)
    fh, fw = 1080, 1920
    frame = np.empty((fh, fw, 3), np.uint8)
    frame[:] = (62, 40, 58)
    frame = cv2.add(frame, rng.integers(0, 10, frame.shape, dtype=np.uint8))
    cx, cy, w, h = 1500.0, 420.0, 280.0, 200.0
    m = cv2.getRotationMatrix2D((cx, cy), 12, 1.0)
    rect = np.array([[cx - w / 2, cy - h / 2], [cx + w / 2, cy - h / 2], [cx + w / 2, cy + h / 2],
                     [cx - w / 2, cy + h / 2]])
    to_frame = lambda p: p @ m[:, :2].T + m[:, 2]  # noqa: E731
    truth = scanner.order_corners(to_frame(rect))
    cv2.fillConvexPoly(frame, np.round(truth * 16).astype(np.int32), (34, 32, 30), cv2.LINE_AA, 4)
    for k in range(5):  # coins along the right side, at scattered depths
        x = cx + w / 2 - rng.uniform(16, 30)
        y = cy - h / 2 + 25 + k * 38
        c = to_frame(np.array([[x, y]]))[0]
        cv2.circle(frame, (int(round(c[0] * 16)), int(round(c[1] * 16))), int(rng.uniform(13, 16) * 16),
                   (190, 192, 196), -1, cv2.LINE_AA, 4)
    frame = cv2.GaussianBlur(frame, (3, 3), 0.8)
    rough = rect.copy()
    rough[1:3, 0] -= inset
    return frame, truth, scanner.order_corners(to_frame(rough))


@pytest.mark.parametrize("inset", [5.0, 8.0])
def test_a_faint_side_beside_strong_print_is_the_straight_edge(inset, monkeypatch):
    """`_refine_full_resolution` on a small dark photo whose right side is faint against a dark
    surface, with coins printed near it: each row's strongest step is a coin's, scattered 3-14 px
    in, and the line fitted to them would stay inside the photo. The photo's side is the one
    edge that runs straight along the whole side (`_straightest_edge`): the refined corners lie
    on it. Without that step the side stays off."""
    frame, truth, rough = _dark_photo_with_coins(inset)
    scale = 1920 / scanner.WORK_WIDTH
    refined = scanner._refine_full_resolution(frame, rough, scale)
    assert np.abs(refined - truth).max() < 1.5, refined - truth
    monkeypatch.setattr(scanner, "_SCATTERED", 0.0)  # never scattered: the fit to the rows' strongest steps
    fitted = scanner._refine_full_resolution(frame, rough, scale)
    assert np.abs(fitted - truth).max() > 3.0, fitted - truth


def test_a_side_moved_onto_print_goes_on_once_its_neighbour_moved(monkeypatch):
    """`_expand`'s third look (as 1080p glare 17 of the tune set): a photo (x 100-300, y 40-180
    work px) found as its face below the sky, with dark hair printed along its left side. First
    the left side moves onto the hair's outer edge (the photo's own left edge is too far for the
    top side's line to carry on to), then the top side up to the photo's top edge (the hair's
    edge carries on up there). Only with the top side there does the top's line carry on over
    the photo's margin to its left edge: the left side moves again and the outline is the photo.
    With two looks it stays on the hair."""
    ycc = np.empty((225, 400, 3), np.float32)
    ycc[:] = (40.0, 128.0, 128.0)
    ycc[40:180, 100:300, 0] = 90.0  # the photo's dark margin
    ycc[40:180, 134:140, 0] = 170.0  # hair along its left side
    ycc[40:90, 134:300, 0] = 200.0  # the sky above the face (and the hair there)
    for x in range(150, 290, 20):
        ycc[40:90, x:x + 10, 0] = 150.0  # (not one colour: no band)
    ycc[90:180, 140:300, 0] = 240.0  # the face
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    face = np.array([[140.0, 90.0], [300.0, 90.0], [300.0, 180.0], [140.0, 180.0]])
    photo = np.array([[100.0, 40.0], [300.0, 40.0], [300.0, 180.0], [100.0, 180.0]])
    sup, cut = scanner._support(ycc, face, (225, 400))
    grown, _, _ = scanner._expand(ycc, face, (225, 400), sup, cut)
    assert np.abs(grown - photo).max() <= 1.5, grown
    monkeypatch.setattr(scanner, "_SIDE_ORDER", (0, 1, 2, 3, None, 0, 1, 2, 3))
    two_looks, _, _ = scanner._expand(ycc, face, (225, 400), sup, cut)
    assert two_looks[0, 0] > 125 and abs(two_looks[0, 1] - 40) <= 1.5, two_looks


def _framed_of(frame: np.ndarray, quad_px) -> bool:
    work = scanner._prepare(frame, scanner.WORK_WIDTH)
    quad = scanner.order_corners((np.float64(quad_px) + 0.5) * work.f - 0.5)
    return scanner._framed(work.ycc, quad, work.shape)


def test_a_panel_with_parallel_structure_beyond_three_sides_is_framed():
    """A light panel in a darker frame (a door in its frame, a box face between a shelf's board,
    its post and the bin beside it): beyond three or more of its sides a further edge runs parallel
    within reach (`_framed`). Beyond two sides only (a page pushed against the tray's walls in a
    corner), or on the open tray, it is not."""
    panel = np.float64([[420, 200], [860, 200], [860, 520], [420, 520]])
    open_tray = docrender.tray_background(SIZE, seed=3)
    cv2.rectangle(open_tray, (420, 200), (860, 520), (205, 210, 215), -1)
    assert not _framed_of(open_tray, panel)
    for walls, framed in (((0, 1, 2, 3), True), ((0, 1, 2), True), ((0, 1), False), ((1,), False)):
        frame = docrender.tray_background(SIZE, seed=3)
        # the frame's outer edges 30 px (9 work px) beyond the panel, on the sides listed
        x0, y0, x1, y1 = 420 - 30 * (3 in walls), 200 - 30 * (0 in walls), 860 + 30 * (1 in walls), 520 + 30 * (2 in walls)
        cv2.rectangle(frame, (x0, y0), (x1, y1), (120, 135, 150), -1)
        cv2.rectangle(frame, (420, 200), (860, 520), (205, 210, 215), -1)
        assert _framed_of(frame, panel) == framed, walls


def test_a_page_on_a_textured_or_lined_surface_is_not_framed():
    """The surface's own structure crosses a page's sides at any angle and averages out along a
    side; lines of the surface parallel to two of its sides (a page laid along a painted line, in
    a tray's corner) do not make it framed: the page is still found."""
    frame, truth = docrender.place_on_tray(FORM, SIZE, angle=0, scale=0.55, seed=3)
    cv2.line(frame, (0, int(truth[2, 1]) + 25), (SIZE[0] - 1, int(truth[2, 1]) + 25), (60, 60, 60), 6)
    cv2.line(frame, (int(truth[1, 0]) + 25, 0), (int(truth[1, 0]) + 25, SIZE[1] - 1), (60, 60, 60), 6)
    assert not _framed_of(frame, truth)
    det = scanner.find_document(frame)
    assert det is not None and corner_error(det.corners, truth) <= 0.015
    for seed, angle in ((5, 17), (11, -33)):
        frame, truth = docrender.place_on_tray(CARD, SIZE, angle=angle, scale=0.5, seed=seed)
        assert not _framed_of(frame, truth)


def test_a_page_in_a_recess_of_a_learned_tray_is_found():
    """A tray whose recess fits the page closely makes the page read as framed (`_framed`: a
    further edge beyond every side). Without a learned tray that outline is taken for a face of a
    larger structure; with one, the recess is part of the empty tray and the page is what is new
    on it, so `_framed` is not applied and the page is found with its corners."""
    placed, truth = docrender.place_on_tray(FORM, SIZE, angle=0, scale=0.5, seed=3)
    bare = docrender.tray_background(SIZE, seed=3)
    x0, y0 = np.floor(truth.min(axis=0)).astype(int) - 25
    x1, y1 = np.ceil(truth.max(axis=0)).astype(int) + 25
    cv2.rectangle(bare, (int(x0), int(y0)), (int(x1), int(y1)), (200, 205, 210), 10)  # the recess's light rim
    page = np.zeros(SIZE[::-1], np.uint8)
    cv2.fillConvexPoly(page, np.round(truth).astype(np.int32), 255)
    frame = np.where(page[..., None] > 0, placed, bare)
    assert _framed_of(frame, truth)
    tray = scanner.TrayModel(min_frames=2)
    tray.learn(bare)
    tray.learn(bare)
    det = scanner.find_document(frame, tray=tray)
    assert det is not None and corner_error(det.corners, truth) <= 0.015


def test_a_piece_of_a_hand_seen_whole_is_a_hand_where_the_tray_says_the_hand_goes_on():
    """`_hand_once_refined`: a chosen outline seen whole that is mostly skin is looked at again as
    a hand only when, against the learned empty tray, new skin carries on beyond one of its sides
    (a piece of a hand between its fingertips and a crease: the rest of the hand beyond it); the
    same outline with only the empty tray around it (a skin-toned card lying there), with new
    things beyond it that are not skin, or without a tray model, is left to the rules before."""
    ycc, _, skin = _hand_reaching_in()
    piece = np.array([[80.0, 60.0], [129.5, 60.0], [129.5, 100.0], [80.0, 100.0]])  # of the palm
    assert scanner._inside_fraction(skin, piece) > 0.5
    support, cut = scanner._support(ycc, piece, skin.shape)
    assert not any(cut)
    hand = skin.copy()  # the whole hand is new on the tray
    assert max(scanner._new_beyond(hand, piece)) >= scanner._HAND_CARRIES_ON
    assert scanner._hand_once_refined(ycc, skin, False, piece, False, hand)
    assert not scanner._hand_once_refined(ycc, skin, False, piece, False, None)
    alone = np.zeros_like(skin)
    alone[60:101, 80:130] = True  # only the outline itself is new: a card on the empty tray
    assert max(scanner._new_beyond(alone, piece)) < scanner._HAND_CARRIES_ON
    assert not scanner._hand_once_refined(ycc, skin, False, piece, False, alone)
    # new all round but skin only inside (a skin-toned card, a shadow or something else beyond it)
    card = np.zeros_like(skin)
    card[60:101, 80:130] = skin[60:101, 80:130]
    everywhere = np.ones_like(skin)
    assert max(scanner._new_beyond(everywhere, piece)) >= scanner._HAND_CARRIES_ON
    assert not scanner._hand_once_refined(ycc, card, False, piece, False, everywhere)
    # reaching beyond the frame, the refined outline is looked at again with or without a tray
    ycc, outline, skin = _hand_reaching_in()
    assert scanner._hand_once_refined(ycc, skin, False, outline, True, None)
    assert not scanner._hand_once_refined(ycc, np.zeros_like(skin), False, outline, True, None)


def test_on_a_skin_toned_surface_the_tray_tells_the_hand():
    """On a skin-toned surface (wood, fur) every pixel may read as skin, so skin just outside an
    outline says nothing there; with a learned empty tray, the skin that is new on it is the hand.
    A lit band across an arm (clear edges on all four sides: the arm's own edges and the band's)
    reaching in over such a surface is a hand by the new skin carrying on beyond two of its sides;
    the same band with only itself new (a card lying on the tray) is not."""
    ycc = np.empty((130, 200, 3), np.float32)
    ycc[:] = (90.0, 150.0, 110.0)  # a skin-toned surface
    ycc[:, 80:130] = (150.0, 155.0, 105.0)  # an arm reaching across the frame
    ycc[60:100, 80:130, 0] = 200.0  # a lit band across it
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    skin = scanner._skin(ycc)
    assert skin.mean() > 0.95
    band = np.array([[80.0, 60.0], [129.5, 60.0], [129.5, 99.5], [80.0, 99.5]])
    support, cut = scanner._support(ycc, band, skin.shape)
    assert not any(cut) and min(support) >= 0.7
    assert not scanner._a_hand(skin, True, band, support, cut)  # skin alone cannot tell
    arm = np.zeros_like(skin)
    arm[:, 80:130] = True
    assert scanner._hand_once_refined(ycc, skin, True, band, False, arm)
    alone = np.zeros_like(skin)
    alone[60:100, 80:130] = True
    assert not scanner._hand_once_refined(ycc, skin, True, band, False, alone)


def test_outlines_cut_by_one_border_are_joined_where_each_shows_a_side_clearly():
    """A card cut by the frame border whose band blends into the surface along one side: one blob
    stops short of that side, another follows it but not the others. Each side is clear in some
    outline cut by the same border, never all in one: the weak side of one is replaced by the
    clear side, nearly parallel, of another (`_joined_across`), and the joined outline is judged
    like any other. A short clear piece of a side (a poster's, a shelf's) is not taken."""
    ycc = np.full((120, 180, 3), 128.0, np.float32)
    ycc[..., 0] = 130.0
    ycc[30:90, 60:, 0] = 60.0  # the card, cut by the right border
    ycc = cv2.GaussianBlur(ycc, (3, 3), 0.8)
    shape = ycc.shape[:2]
    short = np.array([[60.0, 30.0], [179.0, 30.0], [179.0, 70.0], [60.0, 70.0]])  # bottom inside the card
    lower = np.array([[80.0, 55.0], [179.0, 55.0], [179.0, 89.5], [80.0, 89.5]])  # only its bottom clear
    quads = [short, lower]
    supports = [(*scanner._support(ycc, q, shape), 0) for q in quads]
    assert supports[0][1] == [False, True, False, False] and supports[0][0][2] < 0.5
    assert supports[1][0][2] >= 0.8
    joined = scanner._joined_across(quads, supports, shape)
    card = np.array([[60.0, 30.0], [179.0, 30.0], [179.0, 89.5], [60.0, 89.5]])
    assert any(np.abs(scanner.order_corners(q) - card).max() <= 1.5 for q in joined)
    support, cut = scanner._support(ycc, card, shape)
    assert scanner._score(support, cut) >= 0.70  # passes as a cut outline
    # a short clear piece of the side (a third of it) is not taken
    piece = np.array([[140.0, 55.0], [179.0, 55.0], [179.0, 89.5], [140.0, 89.5]])
    joined = scanner._joined_across([short, piece], [supports[0], (*scanner._support(ycc, piece, shape), 0)], shape)
    assert not any(np.abs(q[:, 0] - 60.0).min() <= 1.5 and np.abs(q[:, 1] - 89.5).min() <= 1.5 for q in joined)
