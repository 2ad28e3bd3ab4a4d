"""Synthetic documents: deterministic, right proportions, placed where the corners say."""
import cv2
import numpy as np
import pytest

from hardware import docrender


def test_card_and_form_have_document_proportions():
    card = docrender.render_id_card(seed=1)
    form = docrender.render_claim_form(seed=1, width=620)
    assert card.dtype == np.uint8 and card.shape[2] == 3
    assert card.shape[1] / card.shape[0] == pytest.approx(docrender.CARD_ASPECT, rel=0.01)
    assert form.shape[1] / form.shape[0] == pytest.approx(docrender.A4_ASPECT, rel=0.01)


def test_same_seed_same_image_other_seed_other_image():
    assert np.array_equal(docrender.render_id_card(seed=5), docrender.render_id_card(seed=5))
    assert not np.array_equal(docrender.render_id_card(seed=5), docrender.render_id_card(seed=6))
    card = docrender.render_id_card(seed=5)
    a, ca = docrender.place_on_tray(card, angle=10, seed=2)
    b, cb = docrender.place_on_tray(card, angle=10, seed=2)
    assert np.array_equal(a, b) and np.array_equal(ca, cb)


def test_place_on_tray_puts_the_page_inside_its_corners():
    card = docrender.render_id_card(seed=1)
    frame, corners = docrender.place_on_tray(card, (1280, 720), angle=20, scale=0.6, tilt=0.1, seed=1)
    assert frame.shape == (720, 1280, 3) and corners.shape == (4, 2)
    mask = np.zeros(frame.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, np.round(corners).astype(np.int32), 255)
    inner = cv2.erode(mask, np.ones((9, 9), np.uint8))
    outer = cv2.dilate(mask, np.ones((9, 9), np.uint8)) == 0
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    assert np.median(grey[inner > 0]) > 150  # pale card
    assert np.median(grey[outer]) < 80  # dark tray


def test_explicit_corners_are_returned_as_given():
    form = docrender.render_claim_form(seed=1, width=400)
    want = np.array([[100.0, 50.0], [400.0, 60.0], [420.0, 470.0], [90.0, 460.0]])
    _, corners = docrender.place_on_tray(form, (640, 480), want)
    assert np.allclose(corners, want)


def test_glare_saturates_the_page_and_blur_softens_it():
    card = docrender.render_id_card(seed=1)
    sharp, _ = docrender.place_on_tray(card, (960, 540), scale=0.7, seed=1)
    glared, _ = docrender.place_on_tray(card, (960, 540), scale=0.7, glare=(0.5, 0.5, 0.3), seed=1)
    blurred, _ = docrender.place_on_tray(card, (960, 540), scale=0.7, blur=3, seed=1)
    assert (glared.min(axis=2) >= 250).sum() > 1000 > (sharp.min(axis=2) >= 250).sum()
    lap = lambda im: cv2.Laplacian(cv2.cvtColor(im, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var()
    assert lap(blurred) < lap(sharp) / 4


def test_rejects_a_non_bgr_document():
    with pytest.raises(ValueError, match="BGR uint8"):
        docrender.place_on_tray(np.zeros((10, 10), np.uint8))
