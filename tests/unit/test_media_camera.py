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
