"""The scanner's faster helpers give exactly what the plain ways they replace give."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from hardware import scanner


def _regions_by_stats(edges: np.ndarray, most: int):
    """The plain way: every region's statistics from connectedComponentsWithStats."""
    h, w = edges.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats(255 - edges, connectivity=4)
    sel = (stats[:, cv2.CC_STAT_AREA] >= 0.004 * h * w) \
        & (stats[:, cv2.CC_STAT_WIDTH] * stats[:, cv2.CC_STAT_HEIGHT] < 0.9 * h * w)
    sel[0] = False
    big = sorted(np.flatnonzero(sel).tolist(), key=lambda k: -stats[k, cv2.CC_STAT_AREA])
    if not big:
        return None
    lut = np.zeros(n, np.uint8)
    lut[big[:most]] = 255
    return np.take(lut, labels)


def _edge_map(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    edges = np.zeros((h, w), np.uint8)
    for _ in range(rng.integers(0, 25)):
        x0, y0, x1, y1 = (int(v) for v in rng.integers(0, [w, h, w, h]))
        if rng.random() < 0.5:
            cv2.rectangle(edges, (x0, y0), (x1, y1), 255, int(rng.integers(1, 3)))
        else:
            cv2.line(edges, (x0, y0), (x1, y1), 255, int(rng.integers(1, 3)))
    edges[rng.random((h, w)) < rng.choice([0.0, 0.01, 0.2])] = 255  # specks, or texture
    return edges


@pytest.mark.parametrize("shape", [(225, 400), (300, 400), (400, 400)])  # (400, 400): the 32-bit path
def test_largest_regions_match_the_statistics_of_every_region(shape):
    rng = np.random.default_rng(shape[0])
    for _ in range(40):
        edges = _edge_map(rng, *shape)
        for most in (1, 6):
            want, got = _regions_by_stats(edges, most), scanner._largest_regions(edges, most)
            assert (want is None) == (got is None)
            if want is not None:
                assert got.dtype == np.uint8 and np.array_equal(want, got)


def test_largest_regions_of_equal_area_are_taken_in_raster_order():
    edges = np.zeros((225, 400), np.uint8)
    for x in range(0, 400, 40):  # ten equal columns
        edges[:, x] = 255
    edges[:, -1] = 255
    got = scanner._largest_regions(edges, 6)
    assert np.array_equal(got, _regions_by_stats(edges, 6))
    assert got[:, 1:40].all() and not got[:, 241:280].any()


def test_largest_regions_none_when_only_the_surface_is_left():
    edges = np.zeros((225, 400), np.uint8)
    edges[100, 100] = 255
    assert scanner._largest_regions(edges, 6) is None


def _border_colours_plain(ycc: np.ndarray, ring: int) -> np.ndarray:
    """The plain way: each plane's level into a uint8 image, then the index from it."""
    y, cr, cb = cv2.split(ycc)
    q = np.empty(ycc.shape, np.uint8)
    q[..., 0] = np.clip(y / 8, 0, 31)
    q[..., 1] = np.clip((cr - 64) / 8, 0, 15)
    q[..., 2] = np.clip((cb - 64) / 8, 0, 15)
    idx = (q[..., 0].astype(np.int32) * 16 + q[..., 1]) * 16 + q[..., 2]
    sides = (idx[:ring], idx[-ring:], idx[:, :ring], idx[:, -ring:])
    hist = np.stack([np.bincount(side.ravel(), minlength=8192) for side in sides]).astype(np.float32)
    hist /= np.float32([[max(1.0, float(side.size))] for side in sides])
    grown = hist.reshape(4, 32, 16, 16)
    for axis in (1, 2, 3):
        grown = np.maximum(grown, np.maximum(np.roll(grown, 1, axis), np.roll(grown, -1, axis)))
    votes = (grown.reshape(4, -1) >= 0.002).sum(axis=0)
    return np.take(votes >= 2, idx)


def test_border_colours_match_the_plain_quantisation():
    rng = np.random.default_rng(5)
    for i in range(60):
        h, w = (int(v) for v in rng.integers(12, 240, 2))
        ycc = (rng.random((h, w, 3)) * rng.choice([255, 400]) - rng.choice([0, 40])).astype(np.float32)
        if i % 2:
            ycc = np.round(ycc * 8) / 8  # levels exactly on the quantisation steps
        ring = int(rng.integers(3, 8))
        assert np.array_equal(scanner._border_colours(ycc, ring), _border_colours_plain(ycc, ring))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_median_is_numpys(dtype):
    rng = np.random.default_rng(7)
    for i in range(400):
        shape = tuple(int(v) for v in rng.integers(1, 9, rng.integers(1, 4)))
        values = (rng.random(shape) * rng.choice([1.0, 255.0, 1e6])).astype(dtype)
        if i % 3 == 0:
            values = np.round(values / 8).astype(dtype)  # ties
        axis = int(rng.integers(0, len(shape)))
        want, got = np.median(values, axis=axis), scanner._median(values, axis)
        assert type(want) is type(got) and np.asarray(want).dtype == np.asarray(got).dtype
        assert np.array_equal(want, got)


def _order_corners_numpy(points) -> np.ndarray:
    """The plain way: numpy's angles from the centre, sorted."""
    pts = np.asarray(points, np.float64).reshape(4, 2)
    d = pts - pts.sum(axis=0) / 4
    pts = pts[np.argsort(np.arctan2(d[:, 1], d[:, 0]))]
    return pts[scanner._TURNS[int(np.argmin(pts[:, 0] + pts[:, 1]))]]


def test_order_corners_is_the_numpy_order_also_for_degenerate_outlines():
    rng = np.random.default_rng(3)
    quads = [rng.random((4, 2)) * 1280 for _ in range(3000)]
    quads += [np.round(rng.random((4, 2)) * 3) for _ in range(3000)]  # repeated and collinear points
    quads += [rng.random((4, 2)).astype(np.float32) * 400, [(0, 0), (0, 0), (5, 5), (0, 5)]]
    for q in quads:
        assert np.array_equal(scanner.order_corners(q), _order_corners_numpy(q))


def test_visible_area_of_quads_on_and_beyond_the_border():
    shape = (225, 400)
    inside = np.array([[0, 0], [399, 0], [399, 224], [0, 224]], np.float64)
    assert scanner._visible_area(inside, shape) == 399 * 224
    beyond = inside + [[-10, 0], [0, 0], [0, 0], [-10, 0]]  # the left side 10 px outside
    assert scanner._visible_area(beyond, shape) == pytest.approx(399 * 224, abs=1e-3)
    half = np.array([[200, 100], [500, 100], [500, 150], [200, 150]], np.float64)
    assert scanner._visible_area(half, shape) == pytest.approx(199 * 50, abs=1e-3)


def _learned_tray(rng: np.random.Generator):
    """A random empty tray of random size and a TrayModel that learned it from three noisy frames:
    (h, w, tray, model)."""
    h, w = (int(v) for v in rng.integers(20, 240, 2))
    base = (rng.random((h, w, 3)) * 255).astype(np.float32)
    model = scanner.TrayModel(min_frames=3)
    for _ in range(3):
        model._learn((base + rng.normal(0, 3, base.shape)).astype(np.float32), (w, h))
    return h, w, base, model


def test_tray_offset_is_the_float32_broadcast():
    rng = np.random.default_rng(11)
    for _ in range(10):
        h, w, base, model = _learned_tray(rng)
        ycc = (base * (0.5 + rng.random()) + rng.normal(0, 5, base.shape) + rng.choice([0, -20, 30])).astype(np.float32)
        mean = model._mean
        ratio = max(float(np.median(ycc[::4, ::4, 0] / np.maximum(mean[::4, ::4, 0], 1.0))), 1e-3)
        shift = [float(np.median(ycc[::4, ::4, c] - mean[::4, ::4, c])) for c in (1, 2)]
        want = cv2.subtract(ycc * np.float32([1.0 / ratio, 1.0, 1.0]) - np.float32([0.0, shift[0], shift[1]]), mean)
        assert np.array_equal(model._offset(ycc), want)


def test_weighted_sum_of_squares_is_the_sum_of_the_weighted_squares():
    rng = np.random.default_rng(13)
    for _ in range(300):
        shape = tuple(int(v) for v in rng.integers(1, 12, int(rng.integers(0, 3)))) + (3,)
        for dtype in (np.float32, np.float64):
            v = ((rng.random(shape) - 0.5) * rng.choice([1.0, 255.0, 1e5])).astype(dtype)
            want, got = scanner._sumsq(v * scanner._CHANNEL_W), scanner._wsumsq(v)
            assert want.dtype == got.dtype and np.array_equal(want, got)


def test_order4_of_a_list_is_order_corners():
    rng = np.random.default_rng(17)
    quads = [rng.random((4, 2)) * 1280 for _ in range(500)]
    quads += [np.round(rng.random((4, 2)) * 3) for _ in range(500)]  # repeated and collinear points
    for q in quads:
        want = scanner.order_corners(q)
        for got in (scanner._order4(q.tolist()), scanner._order4(q.tolist(), q)):
            assert got.dtype == np.float64 and got.shape == (4, 2) and np.array_equal(got, want)


_COMBOS = {n: np.array(list(__import__("itertools").combinations(range(n), 4))) for n in (5, 6, 7)}


def _quads_from_hull_numpy(hull, shape, border_only=False, cut_ok=True):
    """The plain way: `_quads_from_hull` in numpy on the few corners, as it was written first."""
    peri = cv2.arcLength(hull, True)
    if peri < 20:
        return []
    out = []
    for eps in (0.015, 0.025, 0.04, 0.06):
        approx = cv2.approxPolyDP(hull, eps * peri, True).reshape(-1, 2).astype(np.float64)
        if len(approx) <= 7:
            break
    if len(approx) < 4:
        return []
    h, w = shape
    if len(approx) == 4:
        out.append(scanner.order_corners(approx))
    else:
        edges = np.concatenate([approx[1:], approx[:1]]) - approx
        lengths = np.hypot(edges[:, 0], edges[:, 1])
        combos = _COMBOS[len(approx)]
        nxt = np.concatenate([approx[1:], approx[:1]])
        along = ((np.abs(approx[:, 0]) <= 1) & (np.abs(nxt[:, 0]) <= 1)) \
            | ((np.abs(approx[:, 0] - (w - 1)) <= 1) & (np.abs(nxt[:, 0] - (w - 1)) <= 1)) \
            | ((np.abs(approx[:, 1]) <= 1) & (np.abs(nxt[:, 1]) <= 1)) \
            | ((np.abs(approx[:, 1] - (h - 1)) <= 1) & (np.abs(nxt[:, 1] - (h - 1)) <= 1))
        picks = []
        if not border_only:
            sums = lengths[combos].sum(axis=1)
            picks += list(np.lexsort((combos[:, 3], combos[:, 2], combos[:, 1], combos[:, 0], sums))[:-3:-1])
        if cut_ok and along.any():
            own = np.where(along, 0.0, lengths)[combos].sum(axis=1)
            best = int(np.lexsort((combos[:, 3], combos[:, 2], combos[:, 1], combos[:, 0], own))[-1])
            if best not in picks and not along[combos[best]].any():
                picks.append(best)
        for idx in combos[picks]:
            p0, d = approx[idx], edges[idx] / np.maximum(lengths[idx], 1e-9)[:, None]
            d1, p1 = d[scanner._NEXT], p0[scanner._NEXT]
            den = d[:, 0] * d1[:, 1] - d[:, 1] * d1[:, 0]
            if (np.abs(den) < 1e-6).any():
                continue
            t = ((p1[:, 0] - p0[:, 0]) * d1[:, 1] - (p1[:, 1] - p0[:, 1]) * d1[:, 0]) / den
            q = p0 + t[:, None] * d
            if (q[:, 0] < -0.25 * w).any() or (q[:, 0] > 1.25 * w).any() or (q[:, 1] < -0.25 * h).any() \
                    or (q[:, 1] > 1.25 * h).any():
                continue
            if cv2.isContourConvex(q.astype(np.float32).reshape(-1, 1, 2)):
                out.append(scanner.order_corners(q))
        if border_only:
            return out
    if border_only:
        return out
    rect = cv2.boxPoints(cv2.minAreaRect(hull.astype(np.float32)))
    out.append(scanner.order_corners(np.minimum(np.maximum(rect.astype(np.float64), 0.0),
                                                np.array([shape[1] - 1, shape[0] - 1], np.float64))))
    return out


def test_quads_from_hull_match_the_numpy_way():
    rng = np.random.default_rng(19)
    shape = (225, 400)
    h, w = shape
    kinds = {"any": 0, "4": 0, "5-7": 0}
    for i in range(3000):
        n = int(rng.integers(3, 40))
        centre = rng.random(2) * [w, h]
        spread = rng.random(2) * [w, h] * rng.choice([0.1, 0.5, 1.0])
        pts = np.round(centre + (rng.random((n, 2)) - 0.5) * spread)
        if i % 3 == 0:  # onto the frame border, and beyond it
            pts = np.clip(pts, 0, [w - 1, h - 1])
        hull = cv2.convexHull(pts.astype(np.int32 if i % 2 else np.float32))
        for border_only, cut_ok in ((False, True), (False, False), (True, True)):
            want = _quads_from_hull_numpy(hull, shape, border_only, cut_ok)
            got = scanner._quads_from_hull(hull, shape, border_only, cut_ok)
            assert len(got) == len(want)
            for g, e in zip(got, want):
                assert g.dtype == e.dtype and g.shape == e.shape and np.array_equal(g, e)
            kinds["any"] += bool(want)
        approx = len(cv2.approxPolyDP(hull, 0.015 * cv2.arcLength(hull, True), True))
        kinds["4" if approx == 4 else "5-7" if 5 <= approx <= 7 else "any"] += 1
    assert kinds["4"] > 100 and kinds["5-7"] > 100  # both ways were tried


def test_channel_sum_is_numpys_sum_over_the_last_axis():
    rng = np.random.default_rng(23)
    for dtype in (np.float32, np.float64):
        for channels in (1, 2, 3, 4):
            for _ in range(100):
                shape = tuple(int(v) for v in rng.integers(1, 30, int(rng.integers(0, 3)))) + (channels,)
                v = ((rng.random(shape) - 0.5) * rng.choice([1.0, 255.0, 1e6])).astype(dtype)
                want, got = v.sum(axis=-1), scanner._chsum(v)
                assert want.dtype == got.dtype and np.array_equal(want, got)


def test_mean_of_three_is_numpys_mean():
    rng = np.random.default_rng(29)
    for _ in range(300):
        n = int(rng.integers(1, 70))
        prof = ((rng.random((n, 11, 3)) - 0.2) * rng.choice([1.0, 255.0, 1e5])).astype(np.float32)
        for part in (prof[:, 0:3], prof[:, -3:]):
            want, got = part.mean(axis=1), scanner._mean3(part)
            assert want.dtype == got.dtype and np.array_equal(want, got)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_median_of_all_values_is_numpys(dtype):
    rng = np.random.default_rng(31)
    for i in range(600):
        shape = tuple(int(v) for v in rng.integers(1, 60, rng.integers(1, 3)))
        values = ((rng.random(shape) - 0.3) * rng.choice([1.0, 255.0, 1e6])).astype(dtype)
        if i % 3 == 0:
            values = np.round(values / 8).astype(dtype)  # ties
        want = np.median(values)
        got = scanner._median_flat(values.copy())
        assert type(want) is type(got) and want == got
    strided = (rng.random((57, 100, 3)) * 255).astype(np.float32)[::4, ::4, 1]  # a view: copied by ravel
    before = strided.copy()
    assert scanner._median_flat(strided) == np.median(before) and np.array_equal(strided, before)


def test_tray_difference_is_numpys_square_root_and_division():
    rng = np.random.default_rng(37)
    for _ in range(6):
        h, w, base, model = _learned_tray(rng)
        ycc = (base * (0.5 + rng.random()) + rng.normal(0, 5, base.shape)).astype(np.float32)
        got = model.difference(ycc, (w, h))
        d = model._offset(ycc)
        dist2 = cv2.transform(cv2.multiply(d, d), (scanner._CHANNEL_W * scanner._CHANNEL_W)[None, :])
        want = np.sqrt(dist2) / model._spread
        assert got.dtype == want.dtype and np.array_equal(got, want)


def test_sample_many_is_each_sample():
    rng = np.random.default_rng(41)
    for img in ((rng.random((90, 160, 3)) * 255).astype(np.uint8), (rng.random((90, 160)) * 255).astype(np.uint8),
                (rng.random((90, 160, 3)) * 255).astype(np.float32)):
        for _ in range(30):
            grids = [rng.random((int(rng.integers(1, 700)), int(rng.integers(1, 12)), 2)) * [180, 110] - 10
                     for _ in range(int(rng.integers(1, 5)))]
            for want, got in zip([scanner._sample(img, g) for g in grids], scanner._sample_many(img, grids)):
                assert want.dtype == got.dtype and want.shape == got.shape and np.array_equal(want, got)
    assert scanner._sample_many(img, []) == []


def test_inside_fraction_counts_as_numpy():
    rng = np.random.default_rng(43)
    h, w = 225, 400
    for _ in range(300):
        mask = rng.random((h, w)) < rng.choice([0.0, 0.1, 0.5, 1.0])
        quad = scanner.order_corners(rng.random((4, 2)) * [w + 80, h + 80] - 40)
        x0, y0 = np.maximum(np.floor(quad.min(axis=0)).astype(int), 0)
        x1, y1 = np.minimum(np.ceil(quad.max(axis=0)).astype(int) + 1, (w, h))
        want = 0.0
        if x1 > x0 and y1 > y0:
            poly = np.zeros((y1 - y0, x1 - x0), np.uint8)
            cv2.fillConvexPoly(poly, np.round(quad - (x0, y0)).astype(np.int32), 1)
            n = int(poly.sum())
            want = float((mask[y0:y1, x0:x1] & (poly > 0)).sum()) / n if n else 0.0
        assert scanner._inside_fraction(mask, quad) == want
        assert scanner._inside_fraction(mask.astype(np.uint8) * 255, quad) == want


def _skin_across_side_by_side(skin: np.ndarray, quad: np.ndarray, reach: float = 4.0, finger: int = 3) -> float:
    """The plain way: each side inside the frame on its own."""
    h, w = skin.shape
    cut = scanner._cut_sides(quad, (h, w))
    rows = []
    for i in range(4):
        if cut[i]:
            continue
        n = int(min(max(scanner.length_of(quad, i), 8), 1000))
        pts, normal, _ = scanner._side_geometry(quad, i, n, 0.0, 1.0)
        at = [np.round(pts + o * normal).astype(np.int32) for o in (-reach, 0.0, reach)]
        ok = np.ones(n, bool)
        for p in at:
            ok &= (p[:, 0] >= 0) & (p[:, 0] < w) & (p[:, 1] >= 0) & (p[:, 1] < h)
        got = [skin[np.clip(p[:, 1], 0, h - 1), np.clip(p[:, 0], 0, w - 1)] & ok for p in at]
        rows.append((got, ok))
    total = sum(int(ok.sum()) for _, ok in rows)
    if not rows or not total:
        return 0.0
    if sum(int(g[0].sum()) for g, _ in rows) > 0.4 * total or sum(int(g[2].sum()) for g, _ in rows) > 0.4 * total:
        return 0.0
    crossed = 0
    for (inner, on, outer), _ in rows:
        across = (inner & on & outer).astype(np.float32)
        run = np.convolve(across, np.ones(finger, np.float32), "same") >= finger - 0.5
        run = np.convolve(run.astype(np.float32), np.ones(finger, np.float32), "same") > 0
        crossed += int((run & (across > 0)).sum())
    return crossed / total


def test_skin_across_all_sides_at_once_is_side_by_side():
    rng = np.random.default_rng(47)
    h, w = 225, 400
    crossing = 0
    for i in range(1500):
        skin = np.zeros((h, w), bool)
        for _ in range(int(rng.integers(0, 6))):
            x, y, bw, bh = (int(v) for v in rng.integers(0, [w, h, 120, 120]))
            skin[y:y + bh, x:x + bw] = True
        if i % 4 == 0:
            skin |= rng.random((h, w)) < 0.3
        quad = scanner.order_corners(rng.random((4, 2)) * [w + 100, h + 100] - 50)
        want = _skin_across_side_by_side(skin, quad)
        assert scanner._skin_across(skin, quad) == want
        crossing += want > 0
    assert crossing > 100  # the runs were exercised, not only the zeros


def test_cut_sides_of_one_quad_is_cut_many():
    rng = np.random.default_rng(53)
    for shape in ((225, 400), (720, 1280)):
        h, w = shape
        for i in range(3000):
            quad = rng.random((4, 2)) * [w + 60, h + 60] - 30
            if i % 3 == 0:
                quad = np.round(quad).clip(0, [w - 1, h - 1])  # sides along the border
            for tol in (2.5, 3.0, 7.5):
                want = scanner._cut_many(quad[None], shape, tol)[0].tolist()
                got = scanner._cut_sides(quad, shape, tol)
                assert got == want and all(type(v) is bool for v in got)


def test_bent_sides_by_thirds_at_once_are_third_by_third():
    rng = np.random.default_rng(59)
    for _ in range(40):
        ycc = cv2.GaussianBlur((rng.random((120, 200, 3)) * 255).astype(np.float32), (0, 0), float(rng.choice([0.8, 3.0])))
        cv2.circle(ycc, (100, 60), int(rng.integers(10, 50)), (250.0, 128.0, 128.0), -1)
        segs = rng.random((int(rng.integers(1, 30)), 2, 2)) * [220, 140] - 10
        peak, strength, step, valid = scanner._segment_profiles(ycc, segs)
        good = valid & (strength >= 7.0)
        means, enough = [], np.ones(len(peak), bool)
        for part in scanner._THIRDS:
            sel = good & part
            n = sel.sum(axis=1)
            enough &= n >= 3
            means.append((peak * sel).sum(axis=1) / np.maximum(n, 1))
        a, b = means[0] - means[1], means[2] - means[1]
        want = enough & (((a <= -2.0) & (b <= -2.0)) | ((a >= 2.0) & (b >= 2.0)))
        assert np.array_equal(scanner._support_and_bend(ycc, segs)[1], want)


def test_tray_texture_match_is_the_correlation_of_the_laplacians_inside_the_quad():
    """`TrayModel.texture_match` (the learned tray's Laplacian kept from one call to the next, a
    crop reaching a pixel beyond the quad, float32 sums) against the plain way: both Laplacians of
    the whole brightness plane, the pixels of the quad eroded by one, correlated in float64.
    Random trays, frames (the tray under other light, or unrelated) and quads, some reaching
    beyond the frame border."""
    rng = np.random.default_rng(19)
    for _ in range(40):
        h, w, base, model = _learned_tray(rng)
        lit = base * np.float32(0.4 + rng.random())
        ycc = (lit if rng.random() < 0.5 else (rng.random(base.shape) * 255)).astype(np.float32)
        for _ in range(5):
            c = rng.random(2) * (w, h)
            r = 3 + rng.random(2) * (w, h) / 2
            quad = scanner.order_corners(c + (rng.random((4, 2)) - 0.5) * 2 * r)
            x0, y0 = np.maximum(np.floor(quad.min(axis=0)).astype(int) - 1, 0)
            x1, y1 = np.minimum(np.ceil(quad.max(axis=0)).astype(int) + 2, (w, h))
            if x1 - x0 < 5 or y1 - y0 < 5:
                continue
            poly = np.zeros((h, w), np.uint8)
            cv2.fillConvexPoly(poly[y0:y1, x0:x1], np.round(quad - (x0, y0)).astype(np.int32), 1)
            keep = np.zeros((h, w), bool)
            keep[y0:y1, x0:x1] = cv2.erode(poly[y0:y1, x0:x1], np.ones((3, 3), np.uint8)) > 0
            got = model.texture_match(ycc, quad)
            if keep.sum() < 25:
                assert got == 0.0
                continue
            a = cv2.Laplacian(np.ascontiguousarray(ycc[..., 0]), cv2.CV_32F)[keep].astype(np.float64)
            b = cv2.Laplacian(np.ascontiguousarray(model._mean[..., 0]), cv2.CV_32F)[keep].astype(np.float64)
            want = float(np.dot(a, b) / max(np.sqrt(np.dot(a, a) * np.dot(b, b)), 1e-9))
            assert got == pytest.approx(want, abs=1e-5)


@pytest.mark.parametrize("size", [(640, 360), (1280, 720)])
def test_area_resize_of_a_720p_frame_is_cv2s(size):
    """The work image of a 720p frame (its halved copy shrunk 640x360 -> 400x225) by integer sums
    is cv2's INTER_AREA pixel for pixel: random pixels (many outputs land on a half of the last
    64th: cv2 rounds those to even), flat and saturated patches, and a real photograph."""
    rng = np.random.default_rng(7)
    w, h = size
    frames = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(3)]
    flat = np.full((h, w, 3), 255, np.uint8)
    flat[: h // 2] = 0
    flat[:, w // 3: w // 2] = 17
    frames.append(flat)
    for name in ("coffee.jpg", "gravel.jpg"):  # committed real photographs
        real = cv2.imread(str(Path(__file__).parents[1] / "data" / "documents" / name), cv2.IMREAD_COLOR)
        assert real is not None
        frames.append(cv2.resize(real, size, interpolation=cv2.INTER_LINEAR))
    for frame in frames:
        half = cv2.resize(frame, (w // 2, h // 2), interpolation=cv2.INTER_LINEAR) if w == 1280 else frame
        want = cv2.resize(half, (400, 225), interpolation=cv2.INTER_AREA)
        got = scanner._area_resize(half, (400, 225))
        assert got.dtype == np.uint8 and got.shape == want.shape and np.array_equal(got, want)
    # the integer sums are taken only where cv2's weights are whole eighths
    assert scanner._area_phases(640, 400) is not None and scanner._area_phases(360, 225) is not None
    assert scanner._area_phases(960, 400) is None and scanner._area_phases(800, 400) is None


def test_area_resize_of_other_sizes_is_cv2s():
    rng = np.random.default_rng(8)
    for (h, w), size in (((540, 960), (400, 225)), ((300, 500), (256, 154)), ((360, 640), (200, 113))):
        img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        assert np.array_equal(scanner._area_resize(img, size), cv2.resize(img, size, interpolation=cv2.INTER_AREA))


def test_skin_toned_border_is_numpys_mean_of_the_strips():
    rng = np.random.default_rng(11)
    for shape in ((225, 400), (84, 150), (400, 400)):
        h, w = shape
        ring = max(3, int(0.03 * min(h, w)))
        for p in (0.0, 0.05, 0.29, 0.3, 0.31, 0.5, 1.0):
            for _ in range(5):
                skin = rng.random(shape) < p
                want = float(np.mean([skin[:ring].mean(), skin[-ring:].mean(), skin[:, :ring].mean(),
                                      skin[:, -ring:].mean()])) > 0.3
                assert scanner._skin_toned_border(skin) == want


def test_page_transform_is_the_one_of_numpys_side_lengths():
    """`_page_transform` of random outlines: the homography and size of the same steps with the
    side lengths by np.linalg.norm."""
    rng = np.random.default_rng(12)

    def plain(corners, kind="auto", max_side=None):
        c = np.asarray(corners, np.float64).reshape(4, 2)
        top, bottom = np.linalg.norm(c[1] - c[0]), np.linalg.norm(c[2] - c[3])
        left, right = np.linalg.norm(c[3] - c[0]), np.linalg.norm(c[2] - c[1])
        w, h = max(top, bottom), max(left, right)
        if kind == "auto":
            kind = "card" if max(w, h) / min(w, h) >= 1.5 else "form"
        if (w >= h) != (kind == "card"):
            c = np.roll(c, 1, axis=0)
            w, h = h, w
        k = 1.0 if max_side is None else min(1.0, max_side / max(w, h))
        out_w, out_h = max(2, int(round(w * k))), max(2, int(round(h * k)))
        dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], np.float32)
        return cv2.getPerspectiveTransform(c.astype(np.float32), dst), (out_w, out_h)

    for _ in range(300):
        x0, y0 = rng.uniform(0, 600, 2)
        bw, bh = rng.uniform(20, 600, 2)
        corners = np.array([[x0, y0], [x0 + bw, y0], [x0 + bw, y0 + bh], [x0, y0 + bh]]) + rng.normal(0, 8, (4, 2))
        for kind, max_side in (("auto", None), ("auto", 360), ("card", None), ("form", 200)):
            (m1, s1), (m2, s2) = scanner._page_transform(corners, kind, max_side), plain(corners, kind, max_side)
            assert s1 == s2 and np.array_equal(m1, m2)


def _blobs_ycc(rng: np.random.Generator, h: int = 225, w: int = 400) -> np.ndarray:
    """A work image of a few flat rectangles and bands on a noisy surface, as `_smoothed_ycc` makes it."""
    bgr = np.full((h, w, 3), rng.integers(40, 200, 3), np.uint8)
    for _ in range(int(rng.integers(2, 8))):
        x0, y0, x1, y1 = (int(v) for v in rng.integers(0, [w, h, w, h]))
        cv2.rectangle(bgr, (x0, y0), (x1, y1), [int(v) for v in rng.integers(0, 256, 3)], -1)
    bgr = np.clip(bgr + rng.normal(0, 4, bgr.shape), 0, 255).astype(np.uint8)
    return scanner._smoothed_ycc(bgr)


def test_edges_across_a_shorter_reach_gives_the_same_offsets():
    """`_edges_across` to a shorter reach r: the same fractions as to a longer one at offsets 1 to
    r - 2 (what `_expand` relies on when it looks only as far as a move stays in the frame)."""
    rng = np.random.default_rng(53)
    for _ in range(40):
        ycc = _blobs_ycc(rng)
        c = rng.uniform([40, 30], [360, 195])
        quad = scanner.order_corners(c + rng.uniform(-60, 60, (4, 2)))
        for i in range(4):
            for direction in (1.0, -1.0):
                full = scanner._edges_across(ycc, quad, i, 160, direction)
                for r in (4, 5, 9, 37, 100):
                    short = scanner._edges_across(ycc, quad, i, r, direction)
                    assert len(short) == r + 1 and np.array_equal(short[1:r - 1], full[1:r - 1])


def test_move_sides_of_many_offsets_is_each_move():
    """`_move_sides` of one side to many offsets at once: each row the same as that move alone."""
    rng = np.random.default_rng(59)
    for _ in range(100):
        quad = scanner.order_corners(rng.uniform(0, 400, (4, 2)))
        i = int(rng.integers(0, 4))
        offs = np.arange(int(rng.integers(1, 160)), dtype=np.float64)
        moved, ok = scanner._move_sides(np.repeat(quad[None], len(offs), axis=0), np.full(len(offs), i), offs)
        for k in rng.choice(len(offs), min(len(offs), 5), replace=False):
            one, one_ok = scanner._move_sides(quad[None], np.array([i]), offs[k:k + 1])
            assert one_ok[0] == ok[k] and np.array_equal(one[0], moved[k])


def _outline_blur_side_by_side(frame: np.ndarray, corners: np.ndarray, *, points: int = 24) -> np.ndarray:
    """The plain way: `outline_blur` one side after the other."""
    fh, fw = frame.shape[:2]
    s = fh / 720.0
    half = int(np.ceil(20 * s))
    offs = np.arange(-half, half + 1, dtype=np.float32)
    quad = scanner.order_corners(corners)
    cut = scanner._cut_sides(quad, (fh, fw), tol=3.0)
    out = np.full(4, np.nan)
    size = 2 * half + 1
    k = max(2, half // 3)
    grids = {}
    for i in range(4):
        if not cut[i]:
            pts, normal, _ = scanner._side_geometry(quad, i, points, 0.1, 0.9)
            grids[i] = pts[:, None, :] + offs[None, :, None] * normal[None, None, :]
    profs = dict(zip(grids, scanner._sample_many(frame, list(grids.values()))))  # the sides' profiles at once
    for i, grid in grids.items():
        inside = ((grid[..., 0] >= 0) & (grid[..., 0] <= fw - 1) & (grid[..., 1] >= 0)
                  & (grid[..., 1] <= fh - 1)).all(axis=1)
        prof = profs[i].astype(np.float32)
        if prof.ndim == 2:
            prof = prof[..., None]
        page = scanner._median(prof[:, :k], axis=1)  # negative offsets are inside the page
        surf = scanner._median(prof[:, -k:], axis=1)
        step = page - surf
        height = np.sqrt(scanner._sumsq(step))
        good = inside & (height >= 25.0)
        if good.sum() < max(4, points // 4):
            continue
        p = scanner._chsum((prof[good] - surf[good, None, :]) * step[good, None, :]) / (height[good, None] ** 2)
        smooth = cv2.GaussianBlur(p, (0, 0), sigmaX=1.5 * s, sigmaY=1e-3)  # along each profile only
        j = (smooth[:, :-2] - smooth[:, 2:]).argmax(axis=1) + 1
        idx = np.arange(size)[None, :] + (j[:, None] - half)
        aligned = np.take_along_axis(p, np.minimum(np.maximum(idx, 0), size - 1), axis=1)
        # NaN at offsets no profile reaches after the alignment
        combined = scanner._masked_median(aligned.T, ((idx >= 0) & (idx < size)).T)
        grad = (combined[:-2] - combined[2:]) / 2
        grad[np.isnan(grad)] = 0.0  # np.nan_to_num (the medians are finite or NaN)
        jj = int(np.argmax(grad))
        peak = grad[jj]
        if peak <= 0:
            continue
        # the lobe: the run of gradient above a tenth of its peak around it. A motion smear is
        # a ramp whose gradient is a flat, noisy plateau, so the lobe is not cut where the
        # gradient stops falling (that stopped at the first bump of noise and measured a
        # smear of 30 px on a 1080p frame as barely blurred).
        above = grad > 0.1 * peak
        lo = hi = jj
        while lo > 0 and above[lo - 1]:
            lo -= 1
        while hi < len(grad) - 1 and above[hi + 1]:
            hi += 1
        w = grad[lo:hi + 1]
        x = np.arange(lo, hi + 1, dtype=np.float64)
        m = float((w * x).sum() / w.sum())
        out[i] = float(np.sqrt((w * (x - m) ** 2).sum() / w.sum()))
    return out



def test_outline_blur_of_all_sides_at_once_is_side_by_side():
    """`outline_blur` on pages of every blur, cut by the border or not, colour and grey: the same
    numbers (NaN alike) as taking the sides one after the other."""
    rng = np.random.default_rng(61)
    for size in ((720, 1280), (1080, 1920), (360, 480)):
        h, w = size
        for _ in range(12):
            frame = np.full((h, w, 3), rng.integers(20, 120, 3), np.uint8)
            c = rng.uniform([0.2 * w, 0.2 * h], [0.8 * w, 0.8 * h])
            half = rng.uniform([0.1 * w, 0.1 * h], [0.5 * w, 0.5 * h])
            corners = np.array([c - half, [c[0] + half[0], c[1] - half[1]], c + half, [c[0] - half[0], c[1] + half[1]]])
            corners = corners + rng.normal(0, 0.02 * w, (4, 2))
            cv2.fillConvexPoly(frame, np.round(corners).astype(np.int32), [int(v) for v in rng.integers(120, 256, 3)])
            sigma = float(rng.choice([0.0, 1.0, 3.0, 8.0]))
            if sigma:
                frame = cv2.GaussianBlur(frame, (0, 0), sigma)
            if rng.random() < 0.3:  # a smear along one direction
                frame = cv2.blur(frame, (int(rng.integers(5, 30)), 1))
            frame = np.clip(frame + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8)
            corners = np.minimum(np.maximum(corners, 0), [w - 1, h - 1])
            for img in (frame, cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)):
                got, want = scanner.outline_blur(img, corners), _outline_blur_side_by_side(img, corners)
                assert np.array_equal(got, want, equal_nan=True)


def _hidden_fraction_side_by_side(work, quad: np.ndarray, skin: np.ndarray | None = None) -> float:
    """The plain way: `_hidden_fraction` one side after the other."""
    h, w = work.shape
    cut = scanner._cut_sides(quad, (h, w))
    dist = lambda a, b: np.sqrt(scanner._wsumsq(a - b))  # noqa: E731
    sides = []
    # each side's profiles as `_edge_profiles` samples them, all sides by one remap
    geometry = [scanner._side_geometry(quad, i, int(min(max(scanner.length_of(quad, i) / 2, 8), 64)))
                for i in range(4) if not cut[i]]
    profs = scanner._sample_many(work.ycc, [pts[:, None, :] + scanner._OFFSETS[None, :, None] * normal[None, None, :]
                                    for pts, normal, _ in geometry])
    for (pts, normal, _), prof in zip(geometry, profs):
        n = len(pts)
        diff = np.sqrt(scanner._wsumsq(prof[:, 2:] - prof[:, :-2]))
        edge = (np.abs(diff.argmax(axis=1) - 4) <= 1) & (diff.max(axis=1) >= 7.0)
        inside = (pts[:, 0] > 6) & (pts[:, 0] < w - 7) & (pts[:, 1] > 6) & (pts[:, 1] < h - 7)
        over = np.zeros(n, bool) if skin is None else scanner._skin_over_points(skin, pts, normal)
        sides.append((edge, scanner._mean3(prof[:, 0:3]), scanner._mean3(prof[:, -3:]), inside, over))
    if not sides:
        return 0.0
    # the page's and the surface's usual colours along the whole outline (a hand over half of
    # one side does not become "usual" there)
    ref_in = scanner._median(np.concatenate([s[1] for s in sides]), axis=0)
    ref_out = scanner._median(np.concatenate([s[2] for s in sides]), axis=0)
    spread_in = float(scanner._median(np.concatenate([dist(s[1], ref_in) for s in sides])))
    spread_out = float(scanner._median(np.concatenate([dist(s[2], ref_out) for s in sides])))
    hidden, total = 0, 0
    for edge, inner, outer, inside, over in sides:
        # something lying across the side carries on over it without an edge, unlike the page
        # inside or the surface outside
        same = dist(inner, outer) < 28.0
        # unusual for the whole outline and for this side (a card's coloured band along one
        # side is usual there)
        odd_in = (dist(inner, ref_in) > max(18.0, 2.5 * spread_in)) \
            & (dist(inner, scanner._median(inner, axis=0)) > 18.0)
        odd_out = (dist(outer, ref_out) > max(18.0, 2.5 * spread_out)) \
            & (dist(outer, scanner._median(outer, axis=0)) > 18.0)
        # skin colour inside, on and outside the side is a finger across it whatever the colours
        # around (its shaded rim need not match the colour just beyond it)
        across = (same & (odd_in | odd_out)) | over
        # a washed-out (glare) page is not a hand
        bad = (~edge) & across & inside & (inner[:, 0] < 235.0)
        # a lone point or two is noise; what hides the edge is a finger wide at least (3 points
        # in a row, 6 work pixels)
        run = np.convolve(bad.astype(np.float32), np.ones(3, np.float32), "same") >= 3
        run = np.convolve(run.astype(np.float32), np.ones(3, np.float32), "same") >= 1
        hidden += int((bad & run).sum())
        total += int(inside.sum())
    return hidden / total if total else 0.0



def test_hidden_fraction_of_all_sides_at_once_is_side_by_side():
    """`_hidden_fraction` of pages under hands and bands, cut by the border or not, with and
    without a skin mask: the same fraction as taking the sides one after the other."""
    rng = np.random.default_rng(67)
    for _ in range(60):
        h, w = 225, 400
        bgr = np.full((h, w, 3), rng.integers(30, 140, 3), np.uint8)
        c = rng.uniform([60, 40], [340, 185])
        half = rng.uniform([20, 15], [200, 120])
        quad = np.array([c - half, [c[0] + half[0], c[1] - half[1]], c + half, [c[0] - half[0], c[1] + half[1]]])
        quad = quad + rng.normal(0, 4, (4, 2))
        cv2.fillConvexPoly(bgr, np.round(quad).astype(np.int32), [int(v) for v in rng.integers(140, 256, 3)])
        for _ in range(int(rng.integers(0, 4))):  # hands and thumbs across the outline, bands inside it
            x0, y0 = (int(v) for v in rng.uniform(quad.min(axis=0) - 10, quad.max(axis=0) + 10))
            cv2.rectangle(bgr, (x0, y0), (x0 + int(rng.integers(4, 60)), y0 + int(rng.integers(4, 60))),
                          [int(v) for v in rng.integers(0, 256, 3)], -1)
        bgr = np.clip(bgr + rng.normal(0, 3, bgr.shape), 0, 255).astype(np.uint8)
        work = scanner._prepare(bgr, 400)
        skin = scanner._skin(work.ycc)
        page = scanner.order_corners(np.minimum(np.maximum(quad + rng.normal(0, 1, (4, 2)), -20), [w + 20, h + 20]))
        for mask in (None, skin, rng.random((h, w)) < 0.3):
            assert scanner._hidden_fraction(work, page, mask) == _hidden_fraction_side_by_side(work, page, mask)


def _refine_side_by_side(frame: np.ndarray, corners: np.ndarray, scale: float,
                         skin: np.ndarray | None = None, cover: np.ndarray | None = None) -> np.ndarray:
    """The plain way: `_refine_full_resolution` one side after the other."""
    fh, fw = frame.shape[:2]
    img = frame if frame.ndim == 2 else frame
    quad = scanner.order_corners(corners)
    reach = max(3.0, 2.0 * scale + 1.0)
    offsets = np.arange(-reach, reach + 1.0, 1.0, dtype=np.float32)
    weight = np.exp(-0.5 * (offsets[1:-1] / (1.2 * scale + 1.0)) ** 2)
    lines = []
    cut = scanner._cut_sides(quad, (fh, fw), tol=2.5 * scale)
    sides = []
    for i in range(4):
        length = scanner.length_of(quad, i)
        n = int(min(max(length / 4, 12), 90))
        pts, normal, _ = scanner._side_geometry(quad, i, n, 0.05, 0.95)
        sides.append((n, pts, normal, None if cut[i] else pts[:, None, :] + offsets[None, :, None] * normal[None, None, :]))
    profs = iter(scanner._sample_many(img, [g for *_, g in sides if g is not None]))  # the sides' profiles at once
    for n, pts, normal, grid in sides:
        if grid is None:
            lines.append(None)
            continue
        inside = (grid[..., 0] >= 0) & (grid[..., 0] <= fw - 1) & (grid[..., 1] >= 0) & (grid[..., 1] <= fh - 1)
        prof = next(profs).astype(np.float32)
        if prof.ndim == 2:
            prof = prof[..., None]
        diff = np.sqrt(scanner._sumsq(prof[:, 2:] - prof[:, :-2]))  # offsets[1:-1]
        ok_rows = inside.all(axis=1)
        score = diff * weight[None, :]
        j = score.argmax(axis=1)
        peak = diff[np.arange(n), j]
        # sub-pixel: a parabola through the peak and its neighbours
        jl, jr = np.maximum(j - 1, 0), np.minimum(j + 1, diff.shape[1] - 1)  # (j is one of the columns)
        dl, dr = diff[np.arange(n), jl], diff[np.arange(n), jr]
        den = dl - 2 * peak + dr
        sub = np.where((j > 0) & (j < diff.shape[1] - 1) & (np.abs(den) > 1e-6), 0.5 * (dl - dr) / np.where(
            np.abs(den) > 1e-6, den, 1.0), 0.0)
        pos = offsets[1:-1][j] + np.minimum(np.maximum(sub, -0.5), 0.5)
        good = ok_rows & (peak >= max(8.0, 0.4 * float(scanner._median(peak))))
        if skin is not None:
            seen = good & ~scanner._skin_over_points(skin, (pts + 0.5) / scale - 0.5, normal)
            if seen.sum() >= max(6, 0.3 * n):
                good = seen
        if good.sum() < max(6, 0.3 * n):
            lines.append(None)
            continue
        p = pts[good] + pos[good, None] * normal
        line = scanner._robust_line(p)
        if scanner._near_line(p, line, 1.5).sum() < scanner._SCATTERED * len(p):
            spread = np.sqrt(scanner._sumsq(prof.max(axis=1) - prof.min(axis=1)))
            if float(scanner._median(peak[good] / np.maximum(spread[good], 1.0))) >= scanner._SHARP_STEP:
                line = scanner._straightest_edge(diff, good, pts, normal, offsets[1:-1], line, pos)
        lines.append(line)
    out = []
    for i in range(4):
        prev, cur = lines[(i - 1) % 4], lines[i]
        if prev is None or cur is None:
            p = quad[i] if prev is None and cur is None else scanner._project_corner(quad, i, prev, cur)
        else:
            p = scanner._line_intersection(prev, cur)
            if p is None:
                p = quad[i]
        diagonal = np.hypot(*(quad[2] - quad[0]))
        moved = np.hypot(*(p - quad[i]))
        if moved > 2.5 * scale + 0.02 * diagonal + 2:
            # far from the rough corner: kept only where a hand (or something else that is not
            # the surface) hides the spot (a corner under a thumb is where the two sides seen
            # meet; the rough one came from the hand's outline)
            at = (p + 0.5) / scale - 0.5
            if not (prev is not None and cur is not None and moved <= scanner._HIDDEN_CORNER * diagonal
                    and ((skin is not None and scanner._under_hand(skin, at))
                         or (cover is not None and scanner._under_hand(cover, at)))):
                p = quad[i]
        out.append(p)
    return np.array(out)


def test_refine_full_resolution_of_all_sides_at_once_is_side_by_side():
    """`_refine_full_resolution` of rough outlines of pages, cut by the border or not, with and
    without a hand mask, colour and grey, some faint with bright print near their sides (where a side
    is looked for as the straightest edge beyond the print): the same corners as taking the sides
    one after the other."""
    rng = np.random.default_rng(71)
    for k in range(28):
        h, w = (720, 1280) if rng.random() < 0.7 else (1080, 1920)
        ground = rng.integers(20, 120, 3)
        frame = np.full((h, w, 3), ground, np.uint8)
        c = rng.uniform([0.2 * w, 0.2 * h], [0.8 * w, 0.8 * h])
        half = rng.uniform([0.05 * w, 0.05 * h], [0.5 * w, 0.5 * h])
        true = np.array([c - half, [c[0] + half[0], c[1] - half[1]], c + half, [c[0] - half[0], c[1] + half[1]]])
        true = true + rng.normal(0, 0.02 * w, (4, 2))
        faint = k % 3 == 0  # a dark photo barely off the surface, coins printed near its sides
        page = ground + 15 if faint else rng.integers(120, 256, 3)
        cv2.fillConvexPoly(frame, np.round(true).astype(np.int32), [int(v) for v in page])
        if faint:
            for i in range(4):
                a, b = true[i], true[(i + 1) % 4]
                inward = np.array([a[1] - b[1], b[0] - a[0]]) / max(np.hypot(*(b - a)), 1e-9)
                for t in np.linspace(0.05, 0.95, 14):
                    q = a + t * (b - a) + inward * rng.uniform(3, 12)
                    cv2.circle(frame, (int(q[0]), int(q[1])), int(rng.integers(2, 5)), (230, 230, 230), -1)
        for _ in range(int(rng.integers(0, 3))):  # something lying across a side
            x0, y0 = (int(v) for v in rng.uniform(true.min(axis=0), true.max(axis=0)))
            cv2.rectangle(frame, (x0, y0), (x0 + int(rng.integers(10, 120)), y0 + int(rng.integers(10, 120))),
                          [int(v) for v in rng.integers(0, 256, 3)], -1)
        frame = np.clip(cv2.GaussianBlur(frame, (0, 0), 1.0) + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8)
        scale = w / 400
        rough = true + rng.normal(0, scale, (4, 2))
        wh, ww = round(h / scale), 400
        masks = [None, rng.random((wh, ww)) < 0.2]
        for img in (frame, cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)):
            for skin in masks:
                for cover in masks:
                    got = scanner._refine_full_resolution(img, rough, scale, skin, cover)
                    want = _refine_side_by_side(img, rough, scale, skin, cover)
                    assert np.array_equal(got, want)


def test_skin_over_points_is_the_mask_at_each_point_and_either_side():
    """`_skin_over_points` (one flat index into the mask) against the plain way: each point and the
    points `reach` either side of it along the normal, rounded, set in the mask and inside it."""
    rng = np.random.default_rng(73)
    for _ in range(50):
        h, w = (int(v) for v in rng.integers(20, 300, 2))
        skin = rng.random((h, w)) < rng.random()
        pts = rng.uniform(-20, [w + 20, h + 20], (int(rng.integers(1, 40)), int(rng.integers(1, 30)), 2))
        normal = rng.normal(0, 1, (pts.shape[0], 1, 2)) if rng.random() < 0.5 else rng.normal(0, 1, 2)
        reach = float(rng.choice([0.0, 2.0, 4.0]))
        want = np.ones(pts.shape[:-1], bool)
        for r in (-reach, 0.0, reach):
            q = np.rint(pts + r * normal)
            x, y = q[..., 0].astype(np.intp), q[..., 1].astype(np.intp)
            ok = (x >= 0) & (x < w) & (y >= 0) & (y < h)
            want &= ok & skin[np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)]
        assert np.array_equal(scanner._skin_over_points(skin, pts, normal, reach), want)


def test_median5_of_a_small_plane_is_cv2s_median():
    """`_median5` (a narrow plane widened by its replicated edge columns, filtered, cut back) is
    cv2.medianBlur(img, 5) pixel for pixel: random, banded and flat planes of every small size,
    the 50 x 28 coarse copy of `_candidate_masks` among them, and wider ones left as they are."""
    rng = np.random.default_rng(79)
    shapes = [(28, 50), (1, 1), (1, 7), (5, 3), (28, 200)] + [tuple(int(v) for v in rng.integers(1, [60, 220]))
                                                              for _ in range(150)]
    for h, w in shapes:
        for kind in range(3):
            if kind == 0:
                img = rng.integers(0, 256, (h, w), dtype=np.uint8)
            elif kind == 1:
                img = (rng.integers(0, 3, (h, w)) * 127).astype(np.uint8)
            else:
                img = np.full((h, w), rng.integers(0, 256), np.uint8)
            got = scanner._median5(img)
            assert got.shape == img.shape and got.dtype == np.uint8
            assert np.array_equal(got, cv2.medianBlur(img, 5))


def test_move_side_by_many_offsets_is_move_sides_of_copies():
    """`_move_side_by` (one quad's side moved to many offsets, its lines worked out once) is
    `_move_sides` of that many copies of the quad: random, rounded, degenerate and parallel-sided
    quads, outwards and inwards."""
    rng = np.random.default_rng(83)
    for t in range(600):
        quad = rng.uniform(-50, 450, (4, 2))
        if t % 5 == 0:
            quad[2] = quad[1] + (quad[1] - quad[0]) * rng.random()  # a side along its neighbour
        if t % 7 == 0:
            quad = np.round(quad)
        if t % 11 == 0:
            quad[3] = quad[0]  # a side of no length
        if t % 3 == 0:
            quad = scanner.order_corners(quad)
        i = int(rng.integers(0, 4))
        offs = np.arange(int(rng.integers(1, 200)), dtype=np.float64) * (1.0 if t % 2 else -0.37)
        want, want_ok = scanner._move_sides(np.repeat(quad[None], len(offs), axis=0), np.full(len(offs), i), offs)
        got, got_ok = scanner._move_side_by(quad, i, offs)
        assert got.shape == want.shape and np.array_equal(got, want, equal_nan=True)
        assert got_ok.dtype == bool and np.array_equal(got_ok, want_ok)


def test_skin_by_planes_is_the_three_channel_box():
    """`_skin` with the work image's planes (the box plane by plane) is cv2's inRange across the
    three channels: values on and just beside every bound, and the committed real photographs."""
    rng = np.random.default_rng(89)
    images = []
    for _ in range(20):
        ycc = (rng.random((60, 90, 3)) * [120, 80, 80] + [0, 110, 60]).astype(np.float32)
        for k, v in enumerate((35, 136, 175, 80, 128)):
            c = 0 if k == 0 else 1 if k < 3 else 2
            f = np.float32(v)
            for x in (f, np.nextafter(f, np.float32(-1e9)), np.nextafter(f, np.float32(1e9))):
                ycc[rng.random(ycc.shape[:2]) < 0.05, c] = x
        images.append(ycc)
    for name in ("coffee.jpg", "gravel.jpg"):
        real = cv2.imread(str(Path(__file__).parents[1] / "data" / "documents" / name), cv2.IMREAD_COLOR)
        images.append(scanner._prepare(real, scanner.WORK_WIDTH).ycc)
    for ycc in images:
        got = scanner._skin(ycc, tuple(cv2.split(ycc)))
        assert got.dtype == bool and np.array_equal(got, scanner._skin(ycc))


def test_zero_255_masks_by_compare_are_numpys():
    """The 0/255 masks `_candidate_masks` makes by cv2.compare are numpy's comparisons cast and
    scaled: float32 ratios on and beside the bounds 1.25 and 0.7, and boolean masks negated."""
    rng = np.random.default_rng(97)
    for _ in range(20):
        ratio = (rng.random((225, 400)) * 2).astype(np.float32)
        for v in (1.25, 0.7):
            f = np.float32(v)
            for x in (f, np.nextafter(f, np.float32(0)), np.nextafter(f, np.float32(2))):
                ratio[rng.random(ratio.shape) < 0.05] = x
        assert np.array_equal(cv2.compare(ratio, 1.25, cv2.CMP_GT), (ratio > 1.25).astype(np.uint8) * 255)
        assert np.array_equal(cv2.compare(ratio, 0.7, cv2.CMP_LT), (ratio < 0.7).astype(np.uint8) * 255)
        mask = rng.random((225, 400)) < rng.random()
        assert np.array_equal(cv2.compare(mask.view(np.uint8), 0, cv2.CMP_EQ), (~mask).astype(np.uint8) * 255)
        assert np.array_equal(cv2.compare(mask.view(np.uint8), 0, cv2.CMP_NE), mask.astype(np.uint8) * 255)


def _grid_in_cells_by_stats(cells_mask: np.ndarray, area: float, *, cut: bool = False) -> bool:
    """The plain way: `_grid_in_cells` with every region's statistics taken at once."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(cells_mask, connectivity=4)
    bw, bh, a = stats[1:, 2], stats[1:, 3], stats[1:, 4]
    ok = (a >= 0.002 * area) & (a <= 0.1 * area) & (a >= 0.5 * bw * bh) \
        & (np.maximum(bw, bh) <= 2 * np.maximum(np.minimum(bw, bh), 1))
    cells = a[ok].astype(np.float64)
    least = 4 if cut else 6
    if len(cells) < least:
        return False
    mid = np.median(cells)
    alike = cells[np.abs(cells - mid) < 0.25 * mid]
    return len(alike) >= least and alike.sum() >= 0.15 * area


def _grid_of_keys_by_stats(frame: np.ndarray, corners: np.ndarray, *, cut: bool = False) -> bool:
    found = scanner._key_cells(frame, corners)
    return found is not None and _grid_in_cells_by_stats(*found, cut=cut)


def test_grid_of_keys_by_areas_first_is_by_every_regions_statistics():
    """`_grid_of_keys` (regions' areas first; their statistics only when enough of them are of a
    key's size) answers as with every region's statistics: keyboards of many key sizes and
    spacings, whole and reaching in (cut), pages of print and blobs, noise, and the committed
    real photographs, under outlines around them, inside them and beyond the frame."""
    rng = np.random.default_rng(101)
    frames = []
    for _ in range(30):
        frame = np.full((360, 480, 3), rng.integers(60, 200, 3), np.uint8)
        x0, y0 = (int(v) for v in rng.integers(0, 120, 2))
        kw, kh, gap = (int(v) for v in rng.integers([8, 8, 2], [40, 40, 12]))
        for y in range(y0, 360, kh + gap):
            for x in range(x0, 480, kw + gap):
                if rng.random() < 0.9:
                    cv2.rectangle(frame, (x, y), (x + kw, y + kh), [int(v) for v in rng.integers(0, 256, 3)],
                                  int(rng.choice([1, 2, -1])))
        frames.append(frame)
    for _ in range(20):
        frame = np.full((360, 480, 3), rng.integers(150, 256, 3), np.uint8)
        for _ in range(int(rng.integers(0, 60))):
            p = [int(v) for v in rng.integers(0, [480, 360, 480, 360])]
            if rng.random() < 0.5:
                cv2.line(frame, tuple(p[:2]), tuple(p[2:]), [int(v) for v in rng.integers(0, 120, 3)],
                         int(rng.integers(1, 4)))
            else:
                cv2.circle(frame, tuple(p[:2]), int(rng.integers(2, 40)), [int(v) for v in rng.integers(0, 256, 3)], -1)
        frames.append(np.clip(frame + rng.normal(0, rng.choice([0, 4, 30]), frame.shape), 0, 255).astype(np.uint8))
    for name in ("coffee.jpg", "gravel.jpg", "grass.jpg", "astronaut.jpg", "text.png"):
        real = cv2.imread(str(Path(__file__).parents[1] / "data" / "documents" / name), cv2.IMREAD_COLOR)
        frames.append(cv2.resize(real, (480, 360), interpolation=cv2.INTER_AREA))
    answers = set()
    for frame in frames:
        for _ in range(6):
            c = rng.uniform([-40, -40], [520, 400])
            corners = c + rng.uniform(-300, 300, (4, 2)) * rng.choice([0.05, 0.4, 1.0])
            for cut in (False, True):
                want = _grid_of_keys_by_stats(frame, corners, cut=cut)
                assert scanner._grid_of_keys(frame, corners, cut=cut) == want
                answers.add(bool(want))
        whole = np.array([[0.0, 0.0], [479.0, 0.0], [479.0, 359.0], [0.0, 359.0]])
        assert scanner._grid_of_keys(frame, whole) == _grid_of_keys_by_stats(frame, whole)
    assert answers == {False, True}  # both answers were asked for


def _segment_profiles_by_points(ycc: np.ndarray, segments):
    """The plain way: `_segment_profiles` from one (S, n, 2) array of points along the segments,
    and every one of the four grid ends' least by numpy's min."""
    seg = np.asarray(segments, np.float64).reshape(-1, 2, 2)
    a, d = seg[:, 0], seg[:, 1] - seg[:, 0]
    length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
    normal = np.stack([d[:, 1], -d[:, 0]], axis=1) / length[:, None]
    pts = a[:, None, :] + scanner._SUPPORT_T * d[:, None, :]
    gx = pts[:, :, 0, None] + (scanner._OFFSETS[None, :] * normal[:, 0:1])[:, None, :]
    gy = pts[:, :, 1, None] + (scanner._OFFSETS[None, :] * normal[:, 1:2])[:, None, :]
    h, w = ycc.shape[:2]
    ends = np.stack([gx[:, :, 0], gx[:, :, -1], gy[:, :, 0], gy[:, :, -1]])
    valid = (ends.min(axis=0) >= 0) & (np.maximum(ends[0], ends[1]) <= w - 1) & (np.maximum(ends[2], ends[3]) <= h - 1)
    s, n = gx.shape[:2]
    prof = cv2.remap(ycc, gx.reshape(s, -1).astype(np.float32), gy.reshape(s, -1).astype(np.float32),
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).reshape(s, n, len(scanner._OFFSETS), -1)
    diff = np.sqrt(scanner._wsumsq(prof[:, :, 2:] - prof[:, :, :-2]))
    at = diff.argmax(axis=2)
    strength = np.take_along_axis(diff, at[..., None], axis=2)[..., 0]
    step = np.sqrt(scanner._wsumsq(prof[:, :, -1] - prof[:, :, 0]))
    return at - 4, strength, step, valid


def test_segment_profiles_by_coordinates_is_by_points():
    """`_segment_profiles` (the grid's x and y worked out apart, the ends' least by pairs) against
    the plain way: segments inside, across and beyond the image, degenerate ones among them."""
    rng = np.random.default_rng(103)
    for _ in range(60):
        ycc = _blobs_ycc(rng)
        segs = rng.uniform([-30, -30], [430, 255], (int(rng.integers(1, 60)), 2, 2))
        segs[::7, 1] = segs[::7, 0]  # of no length
        segs[::5] = np.round(segs[::5])
        got, want = scanner._segment_profiles(ycc, segs), _segment_profiles_by_points(ycc, segs)
        for g, e in zip(got, want):
            assert g.dtype == e.dtype and g.shape == e.shape and np.array_equal(g, e)
