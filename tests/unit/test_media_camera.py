"""OpenCV camera: a missing device is reported and slated, and recovers when it appears."""
import asyncio

import cv2
import numpy as np

from hardware.camera import CameraState, OpenCVCamera


async def _wait(pred, timeout=10.0):
    async def loop():
        while not pred():
            await asyncio.sleep(0.05)
    await asyncio.wait_for(loop(), timeout)


def _write_video(path, n=60, size=(160, 120)):
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, size)
    for i in range(n):
        w.write(np.full((size[1], size[0], 3), (i * 4) % 255, np.uint8))
    w.release()


async def test_missing_camera_reports_and_sends_slate_then_recovers(tmp_path):
    path = tmp_path / "cam.avi"
    cam = OpenCVCamera(str(path), 160, 120, fps=20, retry_initial=0.05, retry_max=0.2, read_failures=2)
    try:
        await _wait(lambda: cam.state is CameraState.UNAVAILABLE)
        assert "cannot open" in cam.reason
        slate = await cam.recv()
        assert (slate.width, slate.height) == (160, 120)
        _write_video(path)  # the device "comes back"
        await _wait(lambda: cam.opens >= 1)
        frame = await cam.recv()
        assert frame.width == 160
    finally:
        cam.stop()
        await asyncio.to_thread(cam.join)
    assert cam.state is CameraState.STOPPED


async def test_a_still_is_the_full_resolution_capture_not_the_video(tmp_path):
    """The document camera's still comes from the device's own frame, at its size, lossless."""
    from hardware.scanning import capture_now

    path = tmp_path / "doc.avi"
    size = (1920, 1080)
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, size)
    rng = np.random.default_rng(1)
    for _ in range(30):
        w.write(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))
    w.release()
    cam = OpenCVCamera(str(path), 1280, 720, fps=15, fourcc="MJPG")  # asked for less: the file is 1080p
    try:
        await _wait(lambda: cam.latest_frame() is not None)
        assert cam.actual_size == size
        still = await asyncio.to_thread(capture_now, cam)
        assert (still.width, still.height) == size
        decoded = cv2.imdecode(np.frombuffer(still.data, np.uint8), cv2.IMREAD_COLOR)
        assert decoded.shape == (1080, 1920, 3)
        assert decoded.std() > 50  # the noisy picture itself, not a slate
    finally:
        cam.stop()
        await asyncio.to_thread(cam.join)
    assert cam.latest_frame() is None  # down: no stale picture to send as a still
