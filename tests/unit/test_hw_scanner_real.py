"""Document pipeline on scenes composed from real photographs (the fast subset of bench.documents).

The scenes come from the small licence-clean images in tests/data/documents/ (see its README):
real handwriting and photos made into pages, cards and prints, on real textures, with uneven
light, hands, glare, blur and JPEG. The thresholds sit a little under what the pipeline does
today, so a regression shows; the full figures are in BENCHMARKS.md (python -m bench.documents).
"""
import functools
import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from bench import documents as D
from hardware import scanner
from hardware.scanner import AutoCapture, Reason, TrayModel

SIZE = (1280, 720)
LIB = D.Library(folder=D.TEST_DATA)
_kept: list[Path | None] = [None]


@pytest.fixture(scope="module", autouse=True)
def kept_scenes(request):
    """Scenes are composed once and shared by the tests, and kept in pytest's cache folder
    between runs (composing a 720p scene takes a fifth to a third of a second, reading it back a
    fiftieth), keyed by the composer's code and the test images like bench.documents' cache."""
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    if cache is not None:
        data = sorted((p.name, p.stat().st_size) for p in D.TEST_DATA.iterdir())
        key = hashlib.sha1(repr((D._composer_key(), data)).encode()).hexdigest()[:12]
        _kept[0] = cache.mkdir("lapak-documents") / key
    yield
    _kept[0] = None
    scene.cache_clear()


@functools.lru_cache(maxsize=None)
def scene(family: str, seed: int, size: tuple[int, int] = SIZE, tray: bool = False) -> D.Scene:
    """A scene of the test images (with frames of its empty tray if asked), composed once."""
    path = None
    if _kept[0] is not None:
        path = _kept[0] / f"{family}_{seed}_{size[0]}x{size[1]}{'_tray' if tray else ''}.npz"
        if path.exists():
            with np.load(path, allow_pickle=False) as z:
                frames = [cv2.imdecode(z[f"f{k}"], cv2.IMREAD_COLOR) for k in range(int(z["n"]))]
                corners = z["corners"] if z["corners"].size else None
                return D.Scene(frames[0], corners, str(z["reason"]), family, str(z["kind"]), str(z["surface"]),
                               "test", seed, frames[1:] or None)
    sc = D.compose(family, "test", size, seed, LIB, D.TRAY_FRAMES if tray else 0)
    if path is not None:
        frames = [sc.frame] + list(sc.tray or [])
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, n=len(frames), corners=sc.corners if sc.corners is not None else np.zeros(0),
                 reason=sc.reason, kind=sc.kind, surface=sc.surface,
                 **{f"f{k}": cv2.imencode(".png", f, [cv2.IMWRITE_PNG_COMPRESSION, 1])[1] for k, f in enumerate(frames)})
        tmp.replace(path)
    return sc


def outcome(family: str, seed: int, tray=None):
    sc = scene(family, seed)
    det = scanner.find_document(sc.frame, tray=tray)
    q = scanner.assess(sc.frame, det)
    return sc, det, q, D.judge(sc, det, q.reason.value, 0.0)


@pytest.fixture(scope="module")
def documents():
    fams = {"plain": 4, "uneven_light": 3, "covered": 3, "out_of_frame": 2, "blurry": 2, "glare": 2}
    return [outcome(f, i) for f, n in fams.items() for i in range(n)]


def test_real_documents_are_found_with_their_corners(documents):
    found = [o.found for *_, o in documents]
    judged = [o.corner_ok for *_, o in documents if o.corner_ok is not None]
    assert np.mean(found) >= 0.85, found
    assert np.mean(judged) >= 0.5, judged


def test_real_documents_get_the_right_reason(documents):
    right = [D.reason_right(o) for *_, o in documents]
    assert np.mean(right) >= 0.55, [(sc.family, q.reason.value) for sc, _, q, _ in documents]
    by_family = {}
    for sc, _, q, o in documents:
        by_family.setdefault(sc.family, []).append(D.reason_right(o))
    assert np.mean(by_family["blurry"]) == 1.0
    assert np.mean(by_family["out_of_frame"]) >= 0.5


def test_empty_real_surfaces_have_no_document():
    false = [outcome("empty", i)[1] is not None for i in range(6)]
    assert sum(false) <= 1, false


def test_covered_documents_are_covered_not_out_of_frame():
    """A hand reaching in from the frame edge does not make the document out of frame."""
    got = [outcome("covered", i) for i in range(8)]
    assert not any(Reason.OUT_OF_FRAME in q.reasons for _, _, q, _ in got), [q.reasons for _, _, q, _ in got]
    assert sum(q.reason is Reason.COVERED for _, _, q, _ in got) >= 5, [q.reasons for _, _, q, _ in got]


def test_tray_model_learns_the_empty_tray_and_tolerates_light_drift():
    empty = scene("empty", 1).frame
    tray = TrayModel(min_frames=3)
    assert not tray.ready
    for _ in range(3):
        tray.learn(empty)
    assert tray.ready
    dimmer = (empty.astype(np.float32) * 0.8).astype(np.uint8)  # the light went down a little
    assert scanner.find_document(dimmer, tray=tray) is None
    # another frame size: the model stands aside rather than misleading
    assert tray.difference(np.zeros((10, 10, 3), np.float32), (640, 360)) is None
    tray.reset()
    assert not tray.ready


def test_with_a_tray_model_the_bare_tray_is_never_a_document():
    """The booth's camera is fixed: once it has learned the empty tray, the tray's own texture,
    marks and lighting are not documents (a document placed on it still is)."""
    found = []
    for seed in range(6):
        sc = scene("plain", seed, (640, 360), tray=True)
        tray = TrayModel(min_frames=2)
        tray.learn(sc.tray[0])
        tray.learn(sc.tray[1])
        assert scanner.find_document(sc.tray[2], tray=tray) is None
        found.append(scanner.find_document(sc.frame, tray=tray) is not None)
    assert sum(found) >= 5, found


def test_with_a_tray_model_a_hand_reaching_in_is_not_a_document():
    """A hand reaching in from the bottom border over a learned empty tray (real skin on real
    gravel): new on the tray, mostly skin, its fingertip row a fair edge where the rough outline
    lay; once the outline is refined onto the hand's own edges the fingertips' bumps show and it
    is a hand (`_a_hand`, checked again on outlines reaching beyond the frame), not a document
    named out of frame."""
    sc = scene("empty", 12, tray=True)
    tray = TrayModel(min_frames=len(sc.tray))
    for frame in sc.tray:
        tray.learn(frame)
    work = scanner._prepare(sc.frame, scanner.WORK_WIDTH)
    skin = scanner._skin(work.ycc)
    assert skin[200:, 200:260].mean() > 0.1  # the hand is there, reaching up from the bottom border
    assert scanner.find_document(sc.frame, tray=tray) is None
    assert scanner.find_document(sc.frame) is None


def test_with_a_tray_model_a_shadow_on_the_tray_is_not_a_document():
    """A page-shaped shadow (or patch of light) that falls on the learned tray after it was
    learned makes that part of it "new", with four straight edges: it is still the tray's own
    texture, and not a document; a page put down hides the texture and still is one."""
    sc = scene("plain", 0, tray=True)
    tray = TrayModel(min_frames=2)
    tray.learn(sc.tray[0])
    tray.learn(sc.tray[1])
    bare = sc.tray[2]
    corners = np.float32([[420, 200], [820, 230], [800, 520], [400, 490]])
    dim = np.zeros(bare.shape[:2], np.float32)
    cv2.fillConvexPoly(dim, np.round(corners).astype(np.int32), 1.0)
    for factor in (0.55, 1.6):  # a shadow, a patch of light
        frame = np.clip(bare.astype(np.float32) * (1 + (factor - 1) * dim[..., None]), 0, 255).astype(np.uint8)
        work = scanner._prepare(frame, scanner.WORK_WIDTH)
        quad = (corners + 0.5) * work.f - 0.5
        assert tray.changed_fraction(frame) > 0.05  # the patch differs from the learned tray ...
        assert tray.texture_match(work.ycc, quad) >= scanner._TRAY_TEXTURE  # ... yet shows its texture
        assert scanner.find_document(frame, tray=tray) is None
    work = scanner._prepare(sc.frame, scanner.WORK_WIDTH)
    page = (sc.corners + 0.5) * work.f - 0.5
    assert tray.texture_match(work.ycc, page) < 0.3
    det = scanner.find_document(sc.frame, tray=tray)
    assert det is not None and D.corner_error(det.corners, sc.corners) <= 0.015


def test_auto_capture_only_on_ok_with_the_new_reasons():
    auto = AutoCapture(hold_s=0.2)
    det = scanner.Detection(corners=np.array([[100.0, 100], [500, 100], [500, 400], [100, 400]]),
                            area_fraction=0.2, touches_edge=False, frame_size=SIZE)
    for k, bad in enumerate((Reason.COVERED, Reason.MOTION_BLUR)):
        q = scanner.Quality(reasons=(bad,))
        assert all(auto.feed(k + t / 10, det, q) is None for t in range(10))
    t0 = 2.0
    ok = scanner.Quality(reasons=(Reason.OK,))
    got = [auto.feed(t0 + t / 10, det, ok) for t in range(5)]
    assert sum(c is not None for c in got) == 1


def test_sharpness_sees_motion_as_one_soft_direction():
    sc = scene("plain", 3)
    det = scanner.find_document(sc.frame)
    page = scanner.rectify(sc.frame, det.corners)
    k = D.motion_kernel(15, 0.0)
    smeared = cv2.filter2D(page, -1, k)
    sharp, moved = scanner.directional_sharpness(page), scanner.directional_sharpness(smeared)
    assert moved[0] < 0.6 * sharp[0]  # along the motion: much softer
    assert moved[0] < moved[1]        # across it: less so


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 10_000))
def test_reasons_are_members_and_ok_is_alone(seed):
    sc = D.compose(["plain", "glare", "blurry", "empty"][seed % 4], "test", (640, 360), seed, LIB)  # not kept: new seeds
    q = scanner.assess(sc.frame, scanner.find_document(sc.frame))
    assert all(isinstance(r, Reason) for r in q.reasons)
    assert q.ok == (q.reasons == (Reason.OK,))
    assert (Reason.OK in q.reasons) == q.ok
