"""QR check-in: which reader reads a booking's QR code from the booth's face camera better?

Booking codes are rendered as a participant shows them, into face-camera frames: printed on
paper, and on a phone's screen (bezel, backlight, the screen's pixel grid beating with the
camera's as moire, reflections), at different sizes and distances, tilted in perspective, out of
focus or moving, with glare and sensor noise. Each reader gets the same frames; the figures are
the read rate (the right text; a wrong text counts as a misread) and the time per frame, both
measured in the same run (2 shared cores: compare the ratio, not the milliseconds).

    python -m bench.qr [--frames 300] [--seed 7] [--write]
"""
from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass

import cv2
import numpy as np

from bench.report import Transcript, machine, table

OUT = Transcript()


@dataclass(frozen=True)
class Scene:
    """One frame to read and what it shows."""

    frame: np.ndarray  # BGR
    text: str
    kind: str  # "printed" or "phone"
    side: int  # the code's side in the frame, pixels
    hard: tuple[str, ...]  # what makes it hard


def qr_image(text: str, module: int = 8) -> np.ndarray:
    code = cv2.QRCodeEncoder.create().encode(text)
    code = cv2.resize(code, None, fx=module, fy=module, interpolation=cv2.INTER_NEAREST)
    return cv2.copyMakeBorder(code, 4 * module, 4 * module, 4 * module, 4 * module, cv2.BORDER_CONSTANT, value=255)


def _background(rng, w: int, h: int) -> np.ndarray:
    """A face camera's view: a person in front of a booth wall (smooth shapes and gradients)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([90 + 60 * xx / w, 100 + 40 * yy / h, 120 + 30 * np.sin(xx / 90)], axis=2)
    img = base + rng.normal(0, 3, (h, w, 3))
    cv2.ellipse(img, (int(w * rng.uniform(0.35, 0.65)), int(h * 0.45)), (int(w * 0.14), int(h * 0.22)), 0, 0, 360,
                tuple(float(c) for c in rng.uniform(120, 200, 3)), -1)
    cv2.rectangle(img, (int(w * 0.2), int(h * 0.7)), (int(w * 0.8), h), tuple(float(c) for c in rng.uniform(40, 110, 3)),
                  -1)
    return np.clip(img, 0, 255).astype(np.uint8)


def _paper(code: np.ndarray, rng) -> np.ndarray:
    """The code printed on a slip of paper (off-white, a margin, a little toner grey)."""
    bgr = cv2.cvtColor(code, cv2.COLOR_GRAY2BGR).astype(np.float32)
    ink = rng.uniform(15, 60)
    paper = rng.uniform(205, 245)
    bgr = np.where(bgr > 127, paper, ink) + rng.normal(0, 2, bgr.shape)
    pad = code.shape[0] // 5
    return cv2.copyMakeBorder(np.clip(bgr, 0, 255).astype(np.uint8), pad, pad, pad, pad, cv2.BORDER_CONSTANT,
                              value=(paper, paper, paper))


def _phone(code: np.ndarray, rng) -> np.ndarray:
    """The code on a phone's screen: black bezel, bright backlight, the screen's RGB stripes."""
    h, w = code.shape
    scale = 3
    big = cv2.resize(code, (w * scale, h * scale), interpolation=cv2.INTER_NEAREST).astype(np.float32)
    white, black = rng.uniform(220, 255), rng.uniform(5, 35)
    lum = np.where(big > 127, white, black)
    sub = np.zeros((h * scale, w * scale, 3), np.float32)
    for c in range(3):  # each pixel column lights one sub-pixel colour: the grid that beats as moire
        sub[:, (2 - c)::3, c] = lum[:, (2 - c)::3] * 1.6
    sub = cv2.GaussianBlur(sub, (3, 3), 0.8)
    screen = cv2.resize(sub, (w, h), interpolation=cv2.INTER_AREA)
    bezel = max(6, h // 8)
    body = cv2.copyMakeBorder(np.clip(screen, 0, 255).astype(np.uint8), bezel * 2, bezel * 3, bezel, bezel,
                              cv2.BORDER_CONSTANT, value=(20, 20, 22))
    return body


def _warp_into(frame: np.ndarray, pic: np.ndarray, side: int, rng, tilt: float) -> None:
    """Paste ``pic`` into ``frame`` at about ``side`` pixels, rotated and tilted in perspective."""
    fh, fw = frame.shape[:2]
    ph, pw = pic.shape[:2]
    k = side / max(ph, pw)
    cx, cy = rng.uniform(0.3, 0.7) * fw, rng.uniform(0.4, 0.7) * fh
    angle = rng.uniform(-25, 25) * np.pi / 180
    half = np.array([[-pw, -ph], [pw, -ph], [pw, ph], [-pw, ph]], np.float32) * k / 2
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    pts = half @ rot.T
    # perspective: one side farther away
    axis = rng.integers(0, 2)
    shrink = 1 - tilt
    if axis == 0:
        pts[[0, 3]] *= shrink
    else:
        pts[[0, 1]] *= shrink
    pts += np.array([cx, cy], np.float32)
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    m = cv2.getPerspectiveTransform(src, pts)
    warped = cv2.warpPerspective(pic, m, (fw, fh), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), m, (fw, fh))
    frame[mask > 127] = warped[mask > 127]


def make_scene(rng, text: str, kind: str, size: tuple[int, int]) -> Scene:
    w, h = size
    frame = _background(rng, w, h)
    side = int(rng.uniform(0.12, 0.55) * min(w, h))
    hard: list[str] = []
    tilt = float(rng.choice([0.0, 0.1, 0.25, 0.4], p=[0.3, 0.3, 0.25, 0.15]))
    if tilt >= 0.25:
        hard.append("tilt")
    code = qr_image(text)
    pic = _paper(code, rng) if kind == "printed" else _phone(code, rng)
    _warp_into(frame, pic, side, rng, tilt)
    if side < 0.2 * min(w, h):
        hard.append("small")
    r = rng.random()
    if r < 0.25:
        s = float(rng.uniform(1.0, 2.2))
        frame = cv2.GaussianBlur(frame, (0, 0), s)
        hard.append("blur")
    elif r < 0.45:
        n = int(rng.integers(5, 13))
        kernel = np.zeros((n, n), np.float32)
        kernel[n // 2, :] = 1.0 / n
        frame = cv2.filter2D(frame, -1, cv2.warpAffine(kernel, cv2.getRotationMatrix2D((n / 2, n / 2),
                                                                                      float(rng.uniform(0, 180)), 1),
                                                       (n, n)))
        hard.append("motion")
    if rng.random() < 0.3:  # glare: a bright spot (a lamp on paper, a reflection on glass)
        spot = np.zeros((h, w), np.float32)
        cv2.circle(spot, (int(rng.uniform(0.3, 0.7) * w), int(rng.uniform(0.4, 0.7) * h)), int(side * 0.3), 1.0, -1)
        spot = cv2.GaussianBlur(spot, (0, 0), side * 0.12 + 1)
        frame = np.clip(frame.astype(np.float32) + spot[..., None] * rng.uniform(80, 170), 0, 255).astype(np.uint8)
        hard.append("glare")
    gain = rng.uniform(0.6, 1.15)  # exposure
    frame = np.clip(frame.astype(np.float32) * gain + rng.normal(0, rng.uniform(2, 7), frame.shape), 0, 255)
    return Scene(frame.astype(np.uint8), text, kind, side, tuple(hard))


class OpenCVReader:
    name = "OpenCV QRCodeDetector"

    def __init__(self) -> None:
        self.d = cv2.QRCodeDetector()

    def read(self, bgr: np.ndarray) -> str:
        try:
            text, _pts, _ = self.d.detectAndDecode(bgr)
        except cv2.error:
            return ""
        return text or ""


class OpenCVArucoReader:
    name = "OpenCV QRCodeDetectorAruco"

    def __init__(self) -> None:
        self.d = cv2.QRCodeDetectorAruco()

    def read(self, bgr: np.ndarray) -> str:
        try:
            text, _pts, _ = self.d.detectAndDecode(bgr)
        except cv2.error:
            return ""
        return text or ""


class ZxingReader:
    name = "zxing-cpp"

    def __init__(self) -> None:
        import zxingcpp

        self.z = zxingcpp
        self.formats = zxingcpp.BarcodeFormat.QRCode

    def read(self, bgr: np.ndarray) -> str:
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        found = self.z.read_barcodes(gray, formats=self.formats)
        return found[0].text if found else ""


def readers() -> list:
    out = [OpenCVReader()]
    if hasattr(cv2, "QRCodeDetectorAruco"):
        out.append(OpenCVArucoReader())
    try:
        out.append(ZxingReader())
    except ImportError:
        OUT.say("zxing-cpp is not installed: pip install zxing-cpp to compare it")
    return out


def run(frames: int, seed: int, size: tuple[int, int]) -> dict:
    rng = np.random.default_rng(seed)
    scenes = []
    for i in range(frames):
        kind = "printed" if i % 2 == 0 else "phone"
        text = f"BK-{rng.integers(1000, 9999)}-{rng.integers(10, 99)}"
        scenes.append(make_scene(rng, text, kind, size))
    results = {}
    for r in readers():
        times, ok, wrong = [], [], 0
        for s in scenes:
            t = time.perf_counter()
            got = r.read(s.frame)
            times.append(time.perf_counter() - t)
            ok.append(got == s.text)
            wrong += bool(got) and got != s.text
        results[r.name] = (times, ok, wrong)
    return {"scenes": scenes, "results": results}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--size", default="640x480", help="face camera frame size")
    ap.add_argument("--write", action="store_true", help="record the figures in BENCHMARKS.md")
    ap.add_argument("--look", help="save the first 12 scenes as a contact sheet here")
    args = ap.parse_args(argv)
    size = tuple(int(x) for x in args.size.split("x"))
    out = run(args.frames, args.seed, size)
    scenes, results = out["scenes"], out["results"]
    if args.look:
        tiles = [cv2.resize(s.frame, (320, 240)) for s in scenes[:12]]
        rows = [np.hstack(tiles[i:i + 4]) for i in range(0, 12, 4)]
        cv2.imwrite(args.look, np.vstack(rows))
    OUT.say(f"Machine: {machine()}")
    OUT.say("")
    OUT.say(f"`python -m bench.qr --frames {args.frames} --seed {args.seed} --size {args.size}`")
    OUT.say("")
    base = statistics.median(next(iter(results.values()))[0])
    groups = {
        "all": lambda s: True,
        "clean (sharp, >= 25 %, little tilt)": lambda s: not s.hard and s.side >= 0.25 * min(size),
        "printed": lambda s: s.kind == "printed", "phone": lambda s: s.kind == "phone",
        "small (< 20 % of the frame)": lambda s: "small" in s.hard, "tilted": lambda s: "tilt" in s.hard,
        "out of focus": lambda s: "blur" in s.hard, "moving": lambda s: "motion" in s.hard,
        "glare": lambda s: "glare" in s.hard,
    }
    headers = ["reader", "ms/frame p50", "p95", "time vs OpenCV"] + [f"read: {g}" for g in groups] + ["misreads"]
    rows = []
    for name, (times, ok, wrong) in results.items():
        st = sorted(times)
        row = [name, f"{1000 * statistics.median(st):.1f}", f"{1000 * st[int(0.95 * (len(st) - 1))]:.1f}",
               f"{statistics.median(st) / base:.2f}x"]
        for g, pred in groups.items():
            idx = [i for i, s in enumerate(scenes) if pred(s)]
            row.append(f"{sum(ok[i] for i in idx) / len(idx):.0%} ({len(idx)})" if idx else "-")
        row.append(str(wrong))
        rows.append(row)
    OUT.say(table(headers, rows))
    if args.write:
        from bench.report import write_section

        write_section("qr", "\n".join(OUT.lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
