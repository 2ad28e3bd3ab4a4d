"""Synthetic documents on a document-camera tray: pure numpy/OpenCV, no I/O.

Renders an ID card (KTP-like, ISO ID-1 proportions 85.6 x 54 mm) and a claim form (A4 portrait)
as BGR images, and places a document in perspective on a textured dark tray as a top-down
document camera would see it. Everything is deterministic given the seed, so the document
pipeline (`hardware.scanner`) and the synthetic document camera can be tested against the known
geometry returned by `place_on_tray`.

Example:
    card = render_id_card(seed=3)
    frame, corners = place_on_tray(card, angle=12, scale=0.55, tilt=0.1, seed=3)
"""
from __future__ import annotations

import logging
from typing import Sequence

import cv2
import numpy as np

logger = logging.getLogger(__name__)

CARD_ASPECT = 85.6 / 54.0
"""Width / height of an ISO ID-1 card (KTP, bank card)."""
CARD_CORNER_RADIUS = 3.18 / 54.0
"""An ID-1 card's rounded corners (ISO/IEC 7810: 3.18 mm on its 54 mm side), as a fraction of the
card's shorter side, for `place_on_tray`'s ``corner_radius``."""
A4_ASPECT = 210.0 / 297.0
"""Width / height of an A4 portrait page."""

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_INK = (40, 35, 30)
_NAMES = ("BUDI SANTOSO", "SITI RAHAYU", "AGUS PRATAMA", "DEWI LESTARI", "RINA WATI", "ANDI WIJAYA")
_CITIES = ("JAKARTA SELATAN", "BANDUNG", "SURABAYA", "MEDAN", "SEMARANG", "MAKASSAR")


def _paper(height: int, width: int, colour: Sequence[int], rng: np.random.Generator) -> np.ndarray:
    """Return a paper-coloured BGR image with a little fibre noise."""
    img = np.empty((height, width, 3), np.float32)
    img[:] = np.asarray(colour, np.float32)
    img += rng.normal(0.0, 2.5, size=(height, width, 1)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def _nik(rng: np.random.Generator) -> str:
    """Return a 16-digit KTP-like ID number (NIK)."""
    return "".join(str(d) for d in rng.integers(0, 10, size=16))


def render_id_card(
    seed: int = 0, width: int = 856, *, name: str | None = None, nik: str | None = None
) -> np.ndarray:
    """Render a KTP-like identity card as a BGR image (landscape, ID-1 aspect ratio).

    Args:
        seed: Chooses name, city, ID number and photo; the same seed gives the same image.
        width: Card width in pixels; the height follows from the ID-1 aspect ratio.
        name: Holder's name printed on the card (random from the seed when None).
        nik: 16-digit ID number printed on the card (random from the seed when None).
    """
    rng = np.random.default_rng(seed)
    w = int(width)
    h = int(round(w / CARD_ASPECT))
    s = w / 856.0  # layout is designed at 856 px wide
    img = _paper(h, w, (236, 226, 205), rng)  # pale blue card
    # Header band with the issuing province / city.
    band_h = int(70 * s)
    cv2.rectangle(img, (0, 0), (w - 1, band_h), (170, 120, 60), -1)
    city = _CITIES[int(rng.integers(len(_CITIES)))]
    cv2.putText(img, "PROVINSI DKI JAKARTA", (int(200 * s), int(30 * s)), _FONT, 0.8 * s,
                (255, 255, 255), max(1, int(2 * s)), cv2.LINE_AA)
    cv2.putText(img, "KOTA " + city, (int(220 * s), int(60 * s)), _FONT, 0.7 * s,
                (255, 255, 255), max(1, int(2 * s)), cv2.LINE_AA)
    # ID number.
    nik = nik or _nik(rng)
    cv2.putText(img, "NIK", (int(30 * s), int(120 * s)), _FONT, 0.9 * s, _INK,
                max(1, int(2 * s)), cv2.LINE_AA)
    cv2.putText(img, ": " + nik, (int(110 * s), int(120 * s)), _FONT, 1.0 * s, _INK,
                max(1, int(2 * s)), cv2.LINE_AA)
    # Text fields.
    name = name or _NAMES[int(rng.integers(len(_NAMES)))]
    fields = (
        ("Nama", name),
        ("Tempat/Tgl Lahir", f"{city}, {int(rng.integers(1, 29)):02d}-0{int(rng.integers(1, 10))}-19{int(rng.integers(60, 99))}"),
        ("Jenis Kelamin", ("LAKI-LAKI", "PEREMPUAN")[int(rng.integers(2))]),
        ("Alamat", f"JL. MERDEKA NO. {int(rng.integers(1, 200))}"),
        ("RT/RW", f"00{int(rng.integers(1, 9))}/00{int(rng.integers(1, 9))}"),
        ("Agama", "ISLAM"),
        ("Pekerjaan", "KARYAWAN SWASTA"),
        ("Berlaku Hingga", "SEUMUR HIDUP"),
    )
    y = int(165 * s)
    for label, value in fields:
        cv2.putText(img, label, (int(30 * s), y), _FONT, 0.55 * s, _INK, 1, cv2.LINE_AA)
        cv2.putText(img, ": " + value, (int(230 * s), y), _FONT, 0.55 * s, _INK, 1, cv2.LINE_AA)
        y += int(42 * s)
    # Photo box with a simple face.
    px0, py0, px1, py1 = int(640 * s), int(110 * s), int(820 * s), int(360 * s)
    cv2.rectangle(img, (px0, py0), (px1, py1), (200, 90, 40), -1)
    cx, cy = (px0 + px1) // 2, py0 + int(100 * s)
    skin = tuple(int(c) for c in (110 + rng.integers(0, 40), 150 + rng.integers(0, 40), 200))
    cv2.ellipse(img, (cx, py1), (int(80 * s), int(70 * s)), 0, 180, 360, (60, 60, 60), -1)
    cv2.circle(img, (cx, cy), int(55 * s), skin, -1)
    cv2.rectangle(img, (px0, py0), (px1, py1), _INK, max(1, int(2 * s)))
    # Signature scribble and place/date under the photo.
    cv2.putText(img, city, (int(650 * s), int(400 * s)), _FONT, 0.45 * s, _INK, 1, cv2.LINE_AA)
    pts = np.array([[int((660 + 18 * k) * s), int((470 + 18 * ((-1) ** k)) * s)] for k in range(9)],
                   np.int32)
    cv2.polylines(img, [pts], False, _INK, max(1, int(2 * s)), cv2.LINE_AA)
    return img


def render_claim_form(seed: int = 0, width: int = 1240, *, reference: str | None = None) -> np.ndarray:
    """Render a claim-form-like A4 page ("FORMULIR KLAIM JHT") as a BGR image (portrait).

    Args:
        seed: Chooses the filled-in values; the same seed gives the same image.
        width: Page width in pixels (1240 is A4 at 150 dpi); the height follows from A4.
        reference: Claim reference printed in the header (random from the seed when None).
    """
    rng = np.random.default_rng(seed)
    w = int(width)
    h = int(round(w / A4_ASPECT))
    s = w / 1240.0
    img = _paper(h, w, (238, 240, 242), rng)
    t2 = max(1, int(2 * s))
    m = int(80 * s)
    cv2.rectangle(img, (m, m), (w - m, int(230 * s)), _INK, t2)
    cv2.putText(img, "FORMULIR KLAIM JHT", (int(300 * s), int(140 * s)), _FONT, 1.6 * s, _INK,
                max(1, int(3 * s)), cv2.LINE_AA)
    reference = reference or f"JHT-{int(rng.integers(10**7, 10**8))}"
    cv2.putText(img, "No. Ref: " + reference, (int(300 * s), int(200 * s)), _FONT, 0.8 * s, _INK,
                t2, cv2.LINE_AA)
    labels = ("Nama Peserta", "Nomor KPJ", "NIK", "Tanggal Lahir", "Nama Perusahaan",
              "Tanggal Berhenti Bekerja", "Alasan Klaim", "Nomor Rekening", "Nama Bank")
    y = int(320 * s)
    for label in labels:
        cv2.putText(img, label, (m + int(10 * s), y), _FONT, 0.7 * s, _INK, t2, cv2.LINE_AA)
        cv2.rectangle(img, (int(520 * s), y - int(35 * s)), (w - m, y + int(12 * s)), _INK, 1)
        value = "".join(chr(int(c)) for c in rng.integers(65, 91, size=int(rng.integers(6, 18))))
        cv2.putText(img, value, (int(535 * s), y), _FONT, 0.7 * s, (120, 50, 20), t2, cv2.LINE_AA)
        y += int(80 * s)
    # Checkbox section.
    y += int(20 * s)
    cv2.putText(img, "Dokumen yang dilampirkan:", (m + int(10 * s), y), _FONT, 0.75 * s, _INK, t2,
                cv2.LINE_AA)
    for item in ("KTP", "Kartu Peserta", "Buku Tabungan", "Surat Keterangan Berhenti", "Kartu Keluarga"):
        y += int(60 * s)
        cv2.rectangle(img, (m + int(20 * s), y - int(28 * s)), (m + int(52 * s), y + int(4 * s)), _INK, t2)
        if rng.random() < 0.7:
            cv2.line(img, (m + int(24 * s), y - int(12 * s)), (m + int(34 * s), y), _INK, t2)
            cv2.line(img, (m + int(34 * s), y), (m + int(50 * s), y - int(26 * s)), _INK, t2)
        cv2.putText(img, item, (m + int(75 * s), y), _FONT, 0.7 * s, _INK, t2, cv2.LINE_AA)
    # Ruled lines for remarks and signature box.
    y += int(80 * s)
    while y < h - int(320 * s):
        cv2.line(img, (m, y), (w - m, y), (150, 150, 150), 1)
        y += int(50 * s)
    cv2.rectangle(img, (w - m - int(420 * s), h - int(280 * s)), (w - m, h - m), _INK, t2)
    cv2.putText(img, "Tanda tangan peserta", (w - m - int(400 * s), h - int(240 * s)), _FONT,
                0.6 * s, _INK, 1, cv2.LINE_AA)
    return img


def tray_background(out_size: tuple[int, int] = (1920, 1080), seed: int = 0) -> np.ndarray:
    """Render the empty tray: textured dark grey with a marked outline, as a BGR image.

    Args:
        out_size: Frame size as (width, height) in pixels.
        seed: Chooses the texture; the same seed gives the same image.
    """
    rng = np.random.default_rng(seed)
    w, h = int(out_size[0]), int(out_size[1])
    coarse = rng.normal(0.0, 6.0, size=(max(2, h // 16), max(2, w // 16))).astype(np.float32)
    texture = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    fine = rng.normal(0.0, 3.0, size=(h, w)).astype(np.float32)
    grey = 52.0 + texture + fine
    img = np.clip(np.repeat(grey[:, :, None], 3, axis=2) + np.float32([2, 0, -2]), 0, 255).astype(np.uint8)
    # Tray outline: a thin painted rectangle with thicker corner marks, inset from the edges.
    inset = int(0.04 * min(w, h))
    x0, y0, x1, y1 = inset, inset, w - 1 - inset, h - 1 - inset
    paint = (95, 150, 160)  # muted yellow
    cv2.rectangle(img, (x0, y0), (x1, y1), paint, 2, cv2.LINE_AA)
    arm = int(0.05 * min(w, h))
    for cx, cy, dx, dy in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x1, y1, -1, -1), (x0, y1, 1, -1)):
        cv2.line(img, (cx, cy), (cx + dx * arm, cy), paint, 4, cv2.LINE_AA)
        cv2.line(img, (cx, cy), (cx, cy + dy * arm), paint, 4, cv2.LINE_AA)
    return img


def document_corners(
    doc_size: tuple[int, int],
    out_size: tuple[int, int] = (1920, 1080),
    *,
    center: tuple[float, float] = (0.5, 0.5),
    angle: float = 0.0,
    scale: float = 0.5,
    tilt: float = 0.0,
) -> np.ndarray:
    """Compute where a document's corners land on the tray, as a 4x2 float array (TL,TR,BR,BL).

    Args:
        doc_size: Document image size as (width, height) in pixels.
        out_size: Frame size as (width, height) in pixels.
        center: Document centre as fractions of the frame width and height.
        angle: Rotation in degrees, counter-clockwise as seen in the frame.
        scale: Length of the document's longer side as a fraction of the frame's shorter side.
        tilt: Perspective keystone: the document's top edge is shortened by this fraction
            (negative: the bottom edge), as if the page leant away from the camera.
    """
    dw, dh = float(doc_size[0]), float(doc_size[1])
    fw, fh = float(out_size[0]), float(out_size[1])
    k = scale * min(fw, fh) / max(dw, dh)
    hw, hh = dw * k / 2.0, dh * k / 2.0
    top = 1.0 - max(tilt, 0.0)
    bottom = 1.0 + min(tilt, 0.0)
    local = np.array([[-hw * top, -hh], [hw * top, -hh], [hw * bottom, hh], [-hw * bottom, hh]])
    a = np.deg2rad(angle)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])  # y points down
    pts = local @ rot.T + np.array([center[0] * fw, center[1] * fh])
    return pts.astype(np.float64)


def place_on_tray(
    doc_img: np.ndarray,
    out_size: tuple[int, int] = (1920, 1080),
    corners: np.ndarray | Sequence[Sequence[float]] | None = None,
    *,
    center: tuple[float, float] = (0.5, 0.5),
    angle: float = 0.0,
    scale: float = 0.5,
    tilt: float = 0.0,
    blur: float = 0.0,
    glare: tuple[float, float, float] | None = None,
    seed: int = 0,
    tray_seed: int | None = None,
    corner_radius: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Warp a document onto the tray in perspective; returns (frame, corners_px).

    corners_px is a 4x2 float64 array with the document's own TL, TR, BR, BL corners in frame
    pixels (they may lie outside the frame when the document is partly out of view).

    Args:
        doc_img: The flat document, BGR uint8 (e.g. from `render_id_card`).
        out_size: Frame size as (width, height) in pixels.
        corners: Where the document's TL,TR,BR,BL corners go, in frame pixels; when given,
            center/angle/scale/tilt are ignored.
        center: Document centre as fractions of the frame width and height.
        angle: Rotation in degrees, counter-clockwise as seen in the frame.
        scale: Length of the document's longer side as a fraction of the frame's shorter side.
        tilt: Perspective keystone: the top edge is shortened by this fraction.
        blur: Gaussian blur sigma in pixels applied to the whole frame (0: sharp), like an
            out-of-focus or moving camera.
        glare: (u, v, r): a saturated reflection on the document centred at (u, v) in page
            fractions, radius r as a fraction of the page's shorter side on screen.
        seed: Chooses the tray texture and sensor noise.
        tray_seed: Chooses the tray texture instead of ``seed`` (one booth's tray under
            different documents).
        corner_radius: Rounds the document's corners by this fraction of its shorter side (the
            tray shows through), like a real card (`CARD_CORNER_RADIUS`); the corners returned
            stay where its sides' lines meet.
    """
    if doc_img.ndim != 3 or doc_img.shape[2] != 3 or doc_img.dtype != np.uint8:
        raise ValueError(f"doc_img must be a BGR uint8 image, got shape {doc_img.shape} {doc_img.dtype}")
    if not 0.0 <= corner_radius < 0.5:
        raise ValueError(f"corner_radius must be from 0 to under half the shorter side (0.5), got {corner_radius}")
    dh, dw = doc_img.shape[:2]
    fw, fh = int(out_size[0]), int(out_size[1])
    if corners is None:
        dst = document_corners((dw, dh), (fw, fh), center=center, angle=angle, scale=scale, tilt=tilt)
    else:
        dst = np.asarray(corners, np.float64).reshape(4, 2)
    # Shrink a large page close to its size on screen first, so the warp does not alias.
    on_screen = max(np.linalg.norm(dst[1] - dst[0]), np.linalg.norm(dst[3] - dst[0]),
                    np.linalg.norm(dst[2] - dst[1]), np.linalg.norm(dst[2] - dst[3]))
    shrink = on_screen / max(dw, dh)
    if shrink < 0.7:
        doc_img = cv2.resize(doc_img, (max(2, int(dw * shrink * 1.2)), max(2, int(dh * shrink * 1.2))),
                             interpolation=cv2.INTER_AREA)
    sh, sw = doc_img.shape[:2]
    src = np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], np.float32)
    m = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    frame = tray_background((fw, fh), seed if tray_seed is None else tray_seed)
    warped = cv2.warpPerspective(doc_img, m, (fw, fh), flags=cv2.INTER_LINEAR)
    # Coverage of each frame pixel by the page (linear interpolation anti-aliases the edge).
    ones = np.ones((sh + 2, sw + 2), np.float32)
    ones[0, :] = ones[-1, :] = ones[:, 0] = ones[:, -1] = 0.0
    if corner_radius > 0:
        r = corner_radius * min(sw, sh)
        yy, xx = np.mgrid[0:sh + 2, 0:sw + 2].astype(np.float32) - 1.0
        d = np.hypot(xx - np.clip(xx, r, sw - r), yy - np.clip(yy, r, sh - r))
        ones *= np.clip(r - d + 0.5, 0.0, 1.0)  # the arc anti-aliased over one pixel
    shift = np.array([[1, 0, -1], [0, 1, -1], [0, 0, 1]], np.float64)  # frame <- padded page
    alpha = cv2.warpPerspective(ones, m @ shift, (fw, fh), flags=cv2.INTER_LINEAR)
    dw, dh = sw, sh
    # A soft shadow under the page makes the edge realistic without moving it.
    shadow = cv2.GaussianBlur(alpha, (0, 0), 6.0)
    out = frame.astype(np.float32) * (1.0 - 0.35 * shadow[:, :, None])
    out = out * (1.0 - alpha[:, :, None]) + warped.astype(np.float32) * alpha[:, :, None]
    if glare is not None:
        u, v, r = glare
        g = m @ np.array([u * dw, v * dh, 1.0])
        gx, gy = g[0] / g[2], g[1] / g[2]
        side = min(np.linalg.norm(dst[1] - dst[0]), np.linalg.norm(dst[3] - dst[0]))
        rad = max(2.0, r * side)
        x0, x1 = max(0, int(gx - 2 * rad)), min(fw, int(gx + 2 * rad) + 1)
        y0, y1 = max(0, int(gy - 2 * rad)), min(fh, int(gy + 2 * rad) + 1)
        if x1 > x0 and y1 > y0:
            yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
            d2 = ((xx - gx) ** 2 + (yy - gy) ** 2) / (rad * rad)
            # The laminate reflects; the matte tray does not, hence the page coverage factor.
            spot = np.clip(1.6 * np.exp(-d2 * 1.5), 0.0, 1.0) * alpha[y0:y1, x0:x1]
            out[y0:y1, x0:x1] += (400.0 * spot)[:, :, None]
    rng = np.random.default_rng(seed + 7919)
    out = out + rng.normal(0.0, 1.5, size=(fh, fw, 1)).astype(np.float32)
    out = np.clip(out, 0, 255).astype(np.uint8)
    if blur > 0:
        out = cv2.GaussianBlur(out, (0, 0), float(blur))
    return out, dst
